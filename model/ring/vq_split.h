/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueue, both sides. The two sides share only the layout header and
 * the guest-memory translator; each validates what the other wrote.
 *
 * Device side: vq_dev_pop() walks one available chain into a validated
 * element; devices never see descriptors. Driver side: vq_drv_add() posts a
 * chain and keeps private shadows of all it published; vq_drv_get() reaps a
 * used entry only after checking it against those shadows.
 *
 * Both sides report a broken rule through the owner's violation sink (the
 * choke point) and then refuse all further work until vq_*_reset().
 */
#ifndef VIRTIOCHECK_VQ_SPLIT_H
#define VIRTIOCHECK_VQ_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "gm.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"

struct vq_cfg {
	uint16_t index;      /* queue number, for reports */
	uint16_t size;       /* power of two, 1..32768 */
	uint64_t desc;       /* guest-physical addresses of the three parts */
	uint64_t driver;     /* available ring */
	uint64_t device;     /* used ring */
	bool event_idx;      /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;       /* VIRTIO_F_INDIRECT_DESC negotiated */
	bool packed;         /* VIRTIO_F_RING_PACKED negotiated: packed layout
			      * (desc = descriptor ring, driver/device = the
			      * driver and device event suppression areas) */
	bool in_order;       /* VIRTIO_F_IN_ORDER negotiated */
};

/* ---------------------------------------------------------------- device */

typedef struct vq_dev vq_dev_t;

struct vq_dev_stats {
	uint64_t popped;
	uint64_t pushed;
	uint64_t notifications;  /* used-buffer notifications decided */
	uint64_t descs_walked;   /* work counter: descriptors read */
};

vq_dev_t *vq_dev_new(gm_view_t *mem, vc_violation_fn sink, void *owner);
void vq_dev_free(vq_dev_t *vq);
/*
 * Check and map the queue (alignment, size, every part inside guest memory).
 * On failure the violation is reported and -1 returned; the queue stays off.
 */
int vq_dev_enable(vq_dev_t *vq, const struct vq_cfg *cfg);
/* Back to the initial, disabled state (device or queue reset). */
void vq_dev_reset(vq_dev_t *vq);
bool vq_dev_enabled(const vq_dev_t *vq);
bool vq_dev_broken(const vq_dev_t *vq);
/* Mark broken from outside (the owner's choke point does this). */
void vq_dev_set_broken(vq_dev_t *vq);

/* enum vc_pop_result; *elem->segs valid until the next pop/push/reset. */
int vq_dev_pop(vq_dev_t *vq, struct vc_elem *elem);
/* Write one used element (len before idx). The host checks that head is an
 * outstanding head and written <= its writable bytes. 0 or -1. */
int vq_dev_push(vq_dev_t *vq, uint32_t head, uint32_t written);
/* Publish pushed entries (release store of used idx). Returns true when the
 * driver's suppression settings ask for a used-buffer notification. */
bool vq_dev_flush(vq_dev_t *vq);
/* Ask for (or suppress) available-buffer notifications. */
void vq_dev_set_notify(vq_dev_t *vq, bool enable);
/* Copy from an element's readable bytes / into its writable bytes, through
 * the translator (so write tracking sees device writes). */
uint64_t vq_elem_read(gm_view_t *mem, const struct vc_elem *e, uint64_t off, void *dst,
		      uint64_t len);
uint64_t vq_elem_write(gm_view_t *mem, const struct vc_elem *e, uint64_t off, const void *src,
		       uint64_t len);
uint32_t vq_dev_inflight(const vq_dev_t *vq);
const struct vq_dev_stats *vq_dev_stats(const vq_dev_t *vq);
/* Bound on descriptors read per pop (loop cap), for tests. */
uint32_t vq_dev_walk_limit(const vq_dev_t *vq);

/* ---------------------------------------------------------------- driver */

typedef struct vq_drv vq_drv_t;

struct vq_buf {
	uint64_t gpa;
	uint32_t len;
};

struct vq_drv_stats {
	uint64_t added;
	uint64_t reaped;
	uint64_t kicks;
};

/*
 * The driver side places the rings itself. cfg->desc/driver/device are the
 * addresses the caller allocated with the spec's alignment; indirect_pool is
 * guest memory for size * indirect_max descriptors (0 if no indirect use).
 */
vq_drv_t *vq_drv_new(gm_view_t *mem, vc_violation_fn sink, void *owner);
void vq_drv_free(vq_drv_t *vq);
int vq_drv_setup(vq_drv_t *vq, const struct vq_cfg *cfg, uint64_t indirect_pool,
		 uint16_t indirect_max);
void vq_drv_reset(vq_drv_t *vq);
bool vq_drv_broken(const vq_drv_t *vq);
void vq_drv_set_broken(vq_drv_t *vq);

/*
 * Post out[] (device-readable) then in[] (device-writable) as one chain,
 * through an indirect table when indirect is true. Returns the head, or -1
 * when the queue is full, broken, or the request is not postable (a host-side
 * error: nothing is published and no violation is recorded).
 */
int vq_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
	       unsigned n_in, void *token, bool indirect);
/* Publish added chains (barrier, then avail idx) and tell whether the device
 * asked to be notified. */
bool vq_drv_kick_prepare(vq_drv_t *vq);
/* Reap one used entry: 1 with *token and *len, 0 when none, -1 broken. */
int vq_drv_get(vq_drv_t *vq, void **token, uint32_t *len);
/* Ask for (or suppress) used-buffer notifications. */
void vq_drv_set_interrupt(vq_drv_t *vq, bool enable);
uint16_t vq_drv_num_free(const vq_drv_t *vq);
uint16_t vq_drv_outstanding(const vq_drv_t *vq);
const struct vq_drv_stats *vq_drv_stats(const vq_drv_t *vq);

#endif
