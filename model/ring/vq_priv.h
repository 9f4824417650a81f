/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to model/ring: the state of a device-side and a driver-side
 * virtqueue, shared by the split and packed implementations behind the one
 * API of vq.h. The public entry points live in vq_split_dev.c and
 * vq_split_drv.c and hand packed queues to vq_packed_dev.c and
 * vq_packed_drv.c; the helpers below are the only code the layouts share.
 */
#ifndef VIRTIOCHECK_VQ_PRIV_H
#define VIRTIOCHECK_VQ_PRIV_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vq.h"
#include "vq_packed_layout.h"
#include "vq_split_layout.h"

/*
 * The two sides of a queue usually run on different threads (a driver and a
 * device). Their private state and arrays are allocated on cache lines of
 * their own, so that one side's hot fields never share a line with the
 * other's (false sharing would cost a line transfer per buffer).
 */
#define VQ_CACHELINE 64u

/* zeroed, cache-line aligned, a whole number of lines; free() releases it */
static inline void *vq_zalloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(n, size, &bytes) || bytes > SIZE_MAX - VQ_CACHELINE)
		return NULL;
	bytes = (bytes + VQ_CACHELINE - 1) & ~(size_t)(VQ_CACHELINE - 1);
	if (!bytes)
		bytes = VQ_CACHELINE;
	p = aligned_alloc(VQ_CACHELINE, bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* A buffer returned by vq_dev_push() and not yet written to the ring (all
 * packed pushes; split pushes with in_order). */
struct vq_staged {
	uint32_t id;       /* split head or packed buffer id */
	uint32_t written;
	uint32_t ndesc;    /* packed: ring slots the buffer(s) occupied */
	uint32_t nbufs;    /* buffers this used entry stands for */
	uint16_t slot;     /* packed: where its used descriptor goes */
	bool wrap;         /* packed: the Device Ring Wrap Counter there */
	bool complete;     /* written == writable bytes: may be skipped */
};

/* Packed, device side: one outstanding buffer id (open addressing). */
struct vq_id_entry {
	uint64_t writable;
	uint16_t id;
	uint16_t ndesc;    /* ring slots the buffer occupies */
	bool used;
};

struct __attribute__((aligned(VQ_CACHELINE))) vq_dev {
	gm_view_t *mem;
	vc_violation_fn sink;
	void *owner;

	struct vq_cfg cfg;
	/* split layout */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	/* packed layout */
	struct pvirtq_desc *ring;
	struct pvirtq_event_suppress *drv_event; /* driver area: read */
	struct pvirtq_event_suppress *dev_event; /* device area: written */
	bool enabled;
	bool broken;
	bool suppr_flags_reported;

	uint16_t last_avail;     /* split: next avail ring position to consume;
				  * packed: next ring slot to read */
	uint16_t used_idx;       /* split: used idx as written, not yet published */
	uint16_t used_published; /* split: used idx as of the last flush */
	bool notify_wanted;
	bool avail_wrap;         /* packed: Driver Ring Wrap Counter at last_avail */
	bool used_wrap;          /* packed: Device Ring Wrap Counter */
	uint16_t used_slot;      /* packed: next slot for a used descriptor */
	uint32_t ring_busy;      /* packed: slots held by outstanding buffers */

	struct vc_seg *segs;     /* scratch for one element: 2 * size */
	uint64_t *inflight;      /* split: bitmap of outstanding heads */
	uint64_t *writable;      /* split: writable bytes of each outstanding head */
	uint32_t n_inflight;

	struct vq_id_entry *ids; /* packed: outstanding ids, ids_mask + 1 entries */
	uint32_t ids_mask;
	uint16_t *order;         /* in_order: popped, not yet pushed, oldest first */
	uint32_t order_head;
	uint32_t order_n;
	struct vq_staged *staged; /* size entries */
	uint32_t n_staged;
	/* packed without in_order: where the next staged used descriptor
	 * goes (used_slot/used_wrap when nothing is staged), and the slots
	 * the staged ones advance over */
	uint16_t stage_slot;
	bool stage_wrap;
	uint32_t stage_slots;
	struct vq_dev_stats stats;
};

/* the device side's route to its owner's choke point */
__attribute__((format(printf, 5, 0)))
void vq_dev_vreport(vq_dev_t *vq, enum vc_severity sev, const char *clause, uint32_t head,
		    const char *fmt, va_list ap);

int vq_packed_dev_enable(vq_dev_t *vq);
int vq_packed_dev_pop(vq_dev_t *vq, struct vc_elem *elem);
int vq_packed_dev_push(vq_dev_t *vq, uint32_t id, uint32_t written);
int vq_packed_dev_pop_batch(vq_dev_t *vq, struct vc_elem *elem, unsigned max);
unsigned vq_packed_dev_push_batch(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n);
bool vq_packed_dev_flush(vq_dev_t *vq);
void vq_packed_dev_set_notify(vq_dev_t *vq, bool enable);
void vq_packed_dev_publish_avail_event(vq_dev_t *vq);

/* in_order bookkeeping: the FIFO of buffers popped and not yet pushed */
static inline void vq_order_push(uint16_t *order, uint32_t size, uint32_t head, uint32_t *n,
				 uint16_t id)
{
	order[(head + *n) % size] = id;
	(*n)++;
}

/*
 * Turn the staged pushes into used entries, in place. With in_order a buffer
 * the device wrote completely may be skipped: it shares the used entry of the
 * buffer after it (2.7.9 / 2.8.9 "In-order use of descriptors"), which keeps
 * that buffer's id and written length. Returns the number of used entries.
 */
static inline uint32_t vq_staged_batch(struct vq_staged *s, uint32_t n, bool in_order)
{
	uint32_t g = 0, k;
	bool open = false;

	for (k = 0; k < n; k++) {
		struct vq_staged e = s[k];

		if (open) {
			s[g - 1].id = e.id;
			s[g - 1].written = e.written;
			s[g - 1].ndesc += e.ndesc;
			s[g - 1].nbufs++;
			s[g - 1].complete = e.complete;
		} else {
			e.nbufs = 1;
			s[g++] = e;
		}
		open = in_order && e.complete;
	}
	return g;
}

/* ----------------------------------------------------------------- driver */

struct shadow_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;  /* split: next; packed: buffer id */
};

struct head_state {
	void *token;
	uint64_t writable;   /* device-writable bytes posted */
	uint16_t ndesc;      /* descriptors of the main table / ring slots used */
	uint16_t n_indirect; /* entries of its indirect table, 0 if direct */
	uint16_t avail_pos;  /* split: avail idx it was added at; packed: add
			      * sequence number */
	bool inflight;
	bool completed;      /* was reaped at least once since last posted */
	bool published;      /* packed: its first descriptor's flags are written */
};

/* packed: a chain whose first descriptor's flags await kick_prepare */
struct vq_pending_head {
	uint16_t slot;
	uint16_t flags;
	uint16_t id;
};

struct __attribute__((aligned(VQ_CACHELINE))) vq_drv {
	gm_view_t *mem;
	vc_violation_fn sink;
	void *owner;

	struct vq_cfg cfg;
	/* split layout */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	/* packed layout */
	struct pvirtq_desc *ring;
	struct pvirtq_event_suppress *drv_event; /* driver area: written */
	struct pvirtq_event_suppress *dev_event; /* device area: read */
	struct virtq_desc *ind_tables;  /* split and packed tables share a layout size */
	uint64_t ind_pool;
	uint16_t ind_max;

	struct shadow_desc *shadow;     /* size entries (split table / packed ring) */
	struct shadow_desc *ind_shadow; /* size * ind_max entries */
	struct head_state *heads;       /* size entries, by head (split) or id (packed) */

	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx;       /* split: next avail idx to publish */
	uint16_t avail_published; /* split: avail idx as of the last kick_prepare */
	uint16_t last_used;       /* split: used idx consumed */
	uint16_t outstanding;
	bool interrupt_wanted;
	bool ready;
	bool broken;
	bool suppr_flags_reported;

	/* in_order (both layouts) */
	uint16_t *order;          /* added, not yet reaped, oldest first */
	uint32_t order_head;
	uint32_t order_n;
	uint16_t next_slot;       /* split: next descriptor of the ring order */
	uint32_t batch_left;      /* buffers of the current used entry to hand out */
	uint32_t batch_len;       /* used len of the entry's last buffer */

	/* packed */
	uint16_t avail_slot;      /* next slot to fill */
	bool avail_wrap;          /* Driver Ring Wrap Counter */
	uint16_t used_slot;       /* next slot to poll for a used descriptor */
	bool used_wrap;
	uint16_t *free_ids;       /* stack of free buffer ids */
	uint32_t n_free_ids;
	struct vq_pending_head *pend; /* size entries */
	uint32_t n_pend;
	uint32_t unkicked_slots;  /* slots added since the last kick_prepare */
	uint16_t outstanding_pub; /* published, not yet reaped */

	struct vq_drv_stats stats;
};

__attribute__((format(printf, 5, 0)))
void vq_drv_vreport(vq_drv_t *vq, enum vc_severity sev, const char *clause, uint32_t id,
		    const char *fmt, va_list ap);
/* free every per-queue array (both layouts) */
void vq_drv_release(vq_drv_t *vq);

int vq_packed_drv_setup(vq_drv_t *vq, uint64_t indirect_pool, uint16_t indirect_max);
int vq_packed_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out,
		      const struct vq_buf *in, unsigned n_in, void *token, bool indirect);
bool vq_packed_drv_kick_prepare(vq_drv_t *vq);
int vq_packed_drv_get(vq_drv_t *vq, void **token, uint32_t *len);
int vq_packed_drv_add_batch(vq_drv_t *vq, const struct vq_buf *bufs, unsigned n, bool writable,
			    void *const *tokens);
int vq_packed_drv_get_batch(vq_drv_t *vq, void **tokens, uint32_t *lens, unsigned max);
void vq_packed_drv_set_interrupt(vq_drv_t *vq, bool enable);

#endif
