/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtqueues, both layouts, both sides: one API for split (2.7) and packed
 * (2.8) rings. The layout is chosen by cfg->packed at vq_dev_enable() /
 * vq_drv_setup(); cfg->in_order selects VIRTIO_F_IN_ORDER behaviour. The two
 * sides share only the layout headers and the guest-memory translator; each
 * validates what the other wrote.
 *
 * Device side: vq_dev_pop() walks one available buffer into a validated
 * element; devices never see descriptors. elem->head is the split chain's
 * head or the packed buffer id, and is what vq_dev_push() takes back.
 * Driver side: vq_drv_add() posts a buffer and keeps private shadows of all it
 * published; vq_drv_get() reaps a used entry only after checking it.
 *
 * Both sides report a broken rule through the owner's violation sink (the
 * choke point) and then refuse all further work until vq_*_reset().
 */
#ifndef VIRTIOCHECK_VQ_H
#define VIRTIOCHECK_VQ_H

#include <stdbool.h>
#include <stdint.h>

#include "gm.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"

struct vq_cfg {
	uint16_t index;      /* queue number, for reports */
	uint16_t size;       /* split: power of two, 1..32768; packed: 1..32768 */
	uint64_t desc;       /* guest-physical addresses of the three parts */
	uint64_t driver;     /* split: available ring; packed: driver event
			      * suppression structure */
	uint64_t device;     /* split: used ring; packed: device event
			      * suppression structure */
	bool event_idx;      /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;       /* VIRTIO_F_INDIRECT_DESC negotiated */
	bool packed;         /* VIRTIO_F_RING_PACKED negotiated: packed layout
			      * (desc = descriptor ring, driver/device = the
			      * driver and device event suppression areas) */
	bool in_order;       /* VIRTIO_F_IN_ORDER negotiated */
};

/* Bytes and minimum alignment of the three ring parts, for allocators
 * (2.7 for split, 2.8.10.1 for packed). */
struct vq_ring_area {
	uint64_t bytes;
	uint64_t align;
};

struct vq_ring_geometry {
	struct vq_ring_area desc;   /* descriptor table / descriptor ring */
	struct vq_ring_area driver; /* available ring / driver event suppression */
	struct vq_ring_area device; /* used ring / device event suppression */
};

void vq_ring_geometry(uint16_t size, bool packed, struct vq_ring_geometry *g);
/* Is size a queue size the layout allows (split: power of two)? */
bool vq_size_valid(uint32_t size, bool packed);

/* ---------------------------------------------------------------- device */

typedef struct vq_dev vq_dev_t;

struct vq_dev_stats {
	uint64_t popped;
	uint64_t pushed;
	uint64_t notifications;  /* used-buffer notifications decided */
	uint64_t used_entries;   /* used ring entries / used descriptors written
				  * (fewer than pushed when in_order batches) */
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
/*
 * Batches. vq_dev_pop_batch(), vq_dev_push_batch(), vq_drv_add_batch() and
 * vq_drv_get_batch() do what the same number of one-buffer calls would, with
 * the same checks and the same violations (clause, message, index), but
 * handle the queue state, the layout, the counters and the event
 * suppression areas once per call instead of once per buffer.
 *
 * Each runs a tight loop over the common shape (a buffer of one plain
 * descriptor, a used entry for such a buffer) and accepts a buffer there only
 * when every check passes on the fields it read once. A buffer of any other
 * shape, or one that fails a check, ends the loop unconsumed; when it is the
 * first of the call, the one-buffer call handles it, reading and checking
 * every field afresh, so a violation is always found and reported by the
 * one-buffer code. Two exceptions go through the one-buffer call for each
 * buffer, so a violation can come from a call that also hands buffers back:
 * vq_dev_push_batch() (a refused buffer is recorded there and ends it) and
 * vq_drv_get_batch() under IN_ORDER.
 */

/*
 * Pop up to max available buffers into elem[0..n). Returns n, 0 when nothing
 * is available, or VC_POP_BROKEN when the queue is refused (a violation is
 * only ever reported by a call that hands out nothing). n < max does not
 * mean the ring is empty -- a buffer of another shape ends a batch -- so
 * poll until 0, as with vq_dev_pop() until VC_POP_EMPTY. Every elem[k].segs
 * stays valid until the next pop of either kind or a reset (a push does not
 * end it).
 */
int vq_dev_pop_batch(vq_dev_t *vq, struct vc_elem *elem, unsigned max);
/*
 * Return one buffer: head is elem->head (split head or packed buffer id). The
 * host checks that it is outstanding and written <= its writable bytes; with
 * in_order it must also be the oldest buffer not yet pushed. A failed check
 * is recorded (VC_SEV_RECORD) and -1 returned; nothing is written. The used
 * entry is written at once (split) or staged for vq_dev_flush() (packed, and
 * split with in_order, where flush may batch: a run of buffers each written
 * completely becomes one used entry for the run's last buffer).
 */
int vq_dev_push(vq_dev_t *vq, uint32_t head, uint32_t written);
/* What a device returns: used id = head, used len = written. */
struct vq_used_buf {
	uint32_t head;
	uint32_t written;
};
/* n vq_dev_push() calls in order; stops at the first refused buffer (which
 * is recorded, as vq_dev_push() records it). Returns how many were taken. */
unsigned vq_dev_push_batch(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n);
/* Publish pushed entries (split: release store of used idx; packed: each used
 * descriptor's flags with a release store, the first one last). Returns true
 * when the driver's suppression settings ask for a used-buffer notification. */
bool vq_dev_flush(vq_dev_t *vq);
/* Ask for (or suppress) available-buffer notifications (split: used flags or
 * avail_event; packed: the device event suppression structure). */
void vq_dev_set_notify(vq_dev_t *vq, bool enable);
/* Copy from an element's readable bytes / into its writable bytes, through
 * the translator (so write tracking sees device writes). */
uint64_t vq_elem_read(gm_view_t *mem, const struct vc_elem *e, uint64_t off, void *dst,
		      uint64_t len);
uint64_t vq_elem_write(gm_view_t *mem, const struct vc_elem *e, uint64_t off, const void *src,
		       uint64_t len);
uint32_t vq_dev_inflight(const vq_dev_t *vq);
const struct vq_dev_stats *vq_dev_stats(const vq_dev_t *vq);
/* Descriptors (ring slots) held by outstanding buffers: popped, not yet
 * written back as used. */
uint32_t vq_dev_ring_busy(const vq_dev_t *vq);
/* Bound on descriptors read per pop (loop cap), for tests. */
uint32_t vq_dev_walk_limit(const vq_dev_t *vq);
/* The ring position as vhost-user's GET_VRING_BASE states it. Split: the
 * next avail ring position to consume (mod 2^16). Packed: bits 0-14 the next
 * descriptor slot to read, bit 15 the Driver Ring Wrap Counter; bits 16-30
 * the next slot for a used descriptor, bit 31 the Device Ring Wrap Counter. */
uint32_t vq_dev_vring_base(const vq_dev_t *vq);

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
 * addresses the caller allocated with the spec's alignment (see
 * vq_ring_geometry()); indirect_pool is guest memory for size * indirect_max
 * descriptors (0 if no indirect use).
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
 * through an indirect table when indirect is true. Returns the head (split)
 * or the buffer id (packed), or -1 when the queue is full, broken, or the
 * request is not postable (a host-side error: nothing is published and no
 * violation is recorded). With in_order, split chains take consecutive slots.
 */
int vq_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
	       unsigned n_in, void *token, bool indirect);
/* Publish added chains (split: barrier, then avail idx; packed: the first
 * descriptor's flags of each chain, release stores, the oldest chain last)
 * and tell whether the device asked to be notified. */
/* n vq_drv_add() calls of one buffer each: bufs[k] as a single descriptor,
 * device-writable when writable, with token tokens[k] (NULL tokens: each
 * token NULL). Returns how many were posted, in order (fewer when the ring
 * fills), or -1 when the queue is broken or not set up. */
int vq_drv_add_batch(vq_drv_t *vq, const struct vq_buf *bufs, unsigned n, bool writable,
		     void *const *tokens);
bool vq_drv_kick_prepare(vq_drv_t *vq);
/* Reap one buffer: 1 with *token and *len, 0 when none, -1 broken. With
 * in_order a batched used entry is returned one buffer per call, in order;
 * the skipped buffers report their full writable length. */
int vq_drv_get(vq_drv_t *vq, void **token, uint32_t *len);
/* Up to max vq_drv_get() calls: tokens[k] and lens[k] for each buffer
 * reaped. Returns how many, 0 when none is used, or -1 when the queue is
 * broken. A violation found after some buffers were reaped (only possible
 * with IN_ORDER, which goes buffer by buffer) returns those; the queue is
 * broken and the next call returns -1. As with pop, n < max does not mean
 * nothing more is used: call until 0. */
int vq_drv_get_batch(vq_drv_t *vq, void **tokens, uint32_t *lens, unsigned max);
/* Ask for (or suppress) used-buffer notifications. */
void vq_drv_set_interrupt(vq_drv_t *vq, bool enable);
uint16_t vq_drv_num_free(const vq_drv_t *vq);
uint16_t vq_drv_outstanding(const vq_drv_t *vq);
const struct vq_drv_stats *vq_drv_stats(const vq_drv_t *vq);

#endif
