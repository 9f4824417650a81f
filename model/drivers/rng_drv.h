/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng driver (VIRTIO 1.2 5.4) on top of the driver core. */
#ifndef VIRTIOCHECK_RNG_DRV_H
#define VIRTIOCHECK_RNG_DRV_H

#include <stddef.h>
#include <stdint.h>

#include "vdrv.h"

struct vrng_drv {
	vdrv_t *d;
	uint64_t buf;        /* guest buffer the device fills */
	uint32_t buf_size;
	bool indirect;       /* post through an indirect table */
	uint32_t segments;   /* split each request into this many descriptors */
};

/* Driver configuration for an rng device (features the driver can use). */
void vrng_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
/* Allocate the request buffer after vdrv_init. 0 or -1. */
int vrng_drv_attach(struct vrng_drv *r, vdrv_t *d, uint32_t buf_size);
/*
 * Read n bytes of entropy into dst, one request per buffer-full. Returns the
 * bytes read (n), or -1 when the device misbehaved (recorded) or stopped
 * answering (queue broken, no used entry after a notification).
 */
long vrng_drv_read(struct vrng_drv *r, void *dst, size_t n);

#endif
