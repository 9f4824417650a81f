/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device and a driver in one process, sharing one memfd of guest memory:
 * the device sees it through one view, the driver through another at a
 * different host address. The driver reaches the device only through PCI
 * configuration space and BAR 0; the device reaches the driver only through
 * interrupts. Used by tests, cases, fuzzers and benchmarks.
 */
#ifndef VIRTIOCHECK_VC_PAIR_H
#define VIRTIOCHECK_VC_PAIR_H

#include "gm.h"
#include "vdrv.h"
#include "vpci.h"

struct vc_pair {
	gm_t *gm;
	gm_view_t *drv_mem;
	gm_view_t *dev_mem;
	vpci_t *dev;
	vdrv_t *drv;
};

/* The default layout: three regions with holes between them, one of them
 * above 4 GiB. */
extern const struct gm_region_spec vc_pair_default_regions[3];

/* 0 or -1. regions NULL: the default layout. */
int vc_pair_open(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, const struct gm_region_spec *regions,
		 unsigned n_regions);
void vc_pair_close(struct vc_pair *p);

#endif
