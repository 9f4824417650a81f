/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device and a driver in one process, sharing one memfd of guest memory:
 * the device sees it through one view, the driver through another at a
 * different host address. The driver reaches the device only through its
 * transport -- PCI configuration space and BAR 0, or the virtio-mmio
 * register window -- and the device reaches the driver only through
 * interrupts. Used by tests, cases, fuzzers and benchmarks.
 */
#ifndef VIRTIOCHECK_VC_PAIR_H
#define VIRTIOCHECK_VC_PAIR_H

#include "gm.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "vmmio.h"
#include "vpci.h"

enum vc_transport {
	VC_TRANSPORT_PCI = 0,
	VC_TRANSPORT_MMIO,
};

struct vc_pair {
	gm_t *gm;
	gm_view_t *drv_mem;
	gm_view_t *dev_mem;
	vpci_t *dev;      /* the PCI device (NULL with MMIO) */
	vmmio_t *mmio;    /* the MMIO device (NULL with PCI) */
	vdev_t *core;     /* the device core behind either transport */
	vdrv_t *drv;
	enum vc_transport transport;
};

/* The default layout: three regions with holes between them, one of them
 * above 4 GiB. */
extern const struct gm_region_spec vc_pair_default_regions[3];

struct vc_pair_opts {
	enum vc_transport transport;
	const struct vdev_params *params;       /* NULL: none */
	const struct gm_region_spec *regions;   /* NULL: the default layout */
	unsigned n_regions;
};

/* 0 or -1. */
int vc_pair_open_opts(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		      const struct vc_pair_opts *opts);
/* A PCI pair. regions NULL: the default layout. */
int vc_pair_open(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, const struct gm_region_spec *regions,
		 unsigned n_regions);
/* An MMIO pair. regions NULL: the default layout. */
int vc_pair_open_mmio(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		      const struct vdev_params *params, const struct gm_region_spec *regions,
		      unsigned n_regions);
void vc_pair_close(struct vc_pair *p);

#endif
