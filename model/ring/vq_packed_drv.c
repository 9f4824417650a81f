// SPDX-License-Identifier: Apache-2.0
/*
 * Packed virtqueue, driver side (VIRTIO 1.2 2.8). Reached through the
 * vq_drv_* entry points of vq_split_drv.c when cfg.packed is set.
 *
 * Buffer ids come from a free-id list and are independent of ring slots.
 * vq_drv_add() writes a chain into the next free slots, every descriptor but
 * the first complete with its flags; vq_drv_kick_prepare() then stores the
 * first descriptor's flags of each waiting chain with a release store, the
 * oldest chain last, so the device sees whole chains only. The driver keeps
 * shadows of all it wrote and never reads the ring back except the used
 * descriptor it polls, which is hostile: its flags must fit the Device Ring
 * Wrap Counter, its id must be an outstanding published buffer, its len must
 * fit what was posted, and the buffer's indirect table must be unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_priv.h"
#include "virtiocheck/clause.h"

__attribute__((format(printf, 5, 6)))
static void report(vq_drv_t *vq, enum vc_severity sev, const char *clause, uint32_t id,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_drv_vreport(vq, sev, clause, id, fmt, ap);
	va_end(ap);
}

int vq_packed_drv_setup(vq_drv_t *vq, uint64_t indirect_pool, uint16_t indirect_max)
{
	const struct vq_cfg *cfg = &vq->cfg;
	uint32_t size = cfg->size, i;

	if (!vq_size_valid(size, true))
		return -1;
	/* drivernormative: Packed Virtqueues -- each part at its alignment */
	if (cfg->desc % PVIRTQ_DESC_ALIGN || cfg->driver % PVIRTQ_EVENT_ALIGN ||
	    cfg->device % PVIRTQ_EVENT_ALIGN)
		return -1;
	vq->ring = gm_translate(vq->mem, cfg->desc, pvirtq_desc_bytes(size), GM_WRITE);
	vq->drv_event = gm_translate(vq->mem, cfg->driver, pvirtq_event_bytes(), GM_WRITE);
	vq->dev_event = gm_translate(vq->mem, cfg->device, pvirtq_event_bytes(), GM_WRITE);
	if (!vq->ring || !vq->drv_event || !vq->dev_event)
		return -1;
	if (indirect_max) {
		vq->ind_tables = gm_translate(vq->mem, indirect_pool,
					      16ull * size * indirect_max, GM_WRITE);
		if (!vq->ind_tables)
			return -1;
		vq->ind_pool = indirect_pool;
		vq->ind_max = indirect_max;
		vq->ind_shadow = vq_zalloc((size_t)size * indirect_max, sizeof(*vq->ind_shadow));
		if (!vq->ind_shadow)
			return -1;
	}
	vq->shadow = vq_zalloc(size, sizeof(*vq->shadow));
	vq->heads = vq_zalloc(size, sizeof(*vq->heads));
	vq->free_ids = vq_zalloc(size, sizeof(*vq->free_ids));
	vq->pend = vq_zalloc(size, sizeof(*vq->pend));
	if (cfg->in_order)
		vq->order = vq_zalloc(size, sizeof(*vq->order));
	if (!vq->shadow || !vq->heads || !vq->free_ids || !vq->pend ||
	    (cfg->in_order && !vq->order))
		return -1;
	/* 2.8.13: the descriptor ring is zero-initialized; both event
	 * suppression structures start as ENABLE */
	memset(vq->ring, 0, pvirtq_desc_bytes(size));
	memset(vq->drv_event, 0, pvirtq_event_bytes());
	memset(vq->dev_event, 0, pvirtq_event_bytes());
	for (i = 0; i < size; i++)
		vq->free_ids[i] = (uint16_t)(size - 1 - i); /* id 0 comes first */
	vq->n_free_ids = size;
	vq->num_free = (uint16_t)size;
	vq->avail_wrap = vq->used_wrap = true; /* 2.8.1: counters start at 1 */
	vq->interrupt_wanted = true;
	vq->ready = true;
	return 0;
}

/* one descriptor and its shadow; the ring's flags are stored apart */
static inline void put_desc(struct pvirtq_desc *d, struct shadow_desc *s, uint64_t addr,
			    uint32_t len, uint16_t id, uint16_t flags)
{
	*s = (struct shadow_desc){ .addr = addr, .len = len, .flags = flags, .next = id };
	d->addr = cpu_to_le64(addr);
	d->len = cpu_to_le32(len);
	d->id = cpu_to_le16(id);
}

/* Any chain: NEXT-linked descriptors, or one INDIRECT descriptor. */
static __attribute__((noinline)) int add_list(vq_drv_t *vq, const struct vq_buf *out,
					      unsigned n_out, const struct vq_buf *in,
					      unsigned n_in, void *token, bool indirect)
{
	const uint32_t size = vq->cfg.size;
	const unsigned total = n_out + n_in;
	uint64_t readable = 0, writable = 0;
	const uint32_t nslots = indirect ? 1 : total;
	const uint16_t first = vq->avail_slot;
	uint16_t id, slot = first, fl0;
	bool wrap = vq->avail_wrap;
	unsigned k;

	/* n_out and n_in each bounded too: their sum cannot wrap around */
	if (!vq->ready || vq->broken || n_out > size || n_in > size || total == 0 || total > size)
		return -1;
	for (k = 0; k < n_out; k++)
		readable += out[k].len;
	for (k = 0; k < n_in; k++)
		writable += in[k].len;
	/* used len is 32 bits: keep a buffer within 2^32 bytes */
	if (readable + writable > (1ull << 32))
		return -1;
	/* drivernormative: Indirect Descriptors -- only if negotiated */
	if (indirect && (!vq->cfg.indirect || total > vq->ind_max))
		return -1;
	/* drivernormative: Scatter-Gather Support -- room in the ring for the
	 * whole list before its first descriptor is made available */
	if (!vq->n_free_ids || vq->num_free < nslots)
		return -1;
	id = vq->free_ids[--vq->n_free_ids];

	if (indirect) {
		struct pvirtq_desc *table =
			(struct pvirtq_desc *)(void *)(vq->ind_tables + (size_t)id * vq->ind_max);
		struct shadow_desc *stab = vq->ind_shadow + (size_t)id * vq->ind_max;

		/* inside a table only WRITE is valid; the id is reserved */
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)(k >= n_out ? VIRTQ_DESC_F_WRITE : 0);

			put_desc(&table[k], &stab[k], b->gpa, b->len, 0, fl);
			table[k].flags = cpu_to_le16(fl);
		}
		fl0 = (uint16_t)(VIRTQ_DESC_F_INDIRECT | pvirtq_avail_flags(wrap));
		put_desc(&vq->ring[slot], &vq->shadow[slot], vq->ind_pool + 16ull * id * vq->ind_max,
			 (uint32_t)(16u * total), id, fl0);
		if (++slot == size) {
			slot = 0;
			wrap = !wrap;
		}
	} else {
		uint16_t avail = pvirtq_avail_flags(wrap);

		/* the id goes into every descriptor; the device reads it from
		 * the last. The first one's flags wait for kick_prepare. */
		fl0 = 0;
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0) |
						 avail);

			put_desc(&vq->ring[slot], &vq->shadow[slot], b->gpa, b->len, id, fl);
			if (k == 0)
				fl0 = fl;
			else
				le16_store_once(&vq->ring[slot].flags, fl);
			if (++slot == size) {
				slot = 0;
				wrap = !wrap;
				avail = pvirtq_avail_flags(wrap);
			}
		}
	}
	vq->pend[vq->n_pend++] = (struct vq_pending_head){ first, fl0, id };
	vq->heads[id] = (struct head_state){
		.token = token,
		.writable = writable,
		.ndesc = (uint16_t)nslots,
		.n_indirect = (uint16_t)(indirect ? total : 0),
		.avail_pos = vq->avail_idx++, /* add sequence, for in-order batches */
		.inflight = true,
	};
	if (vq->cfg.in_order)
		vq_order_push(vq->order, size, vq->order_head, &vq->order_n, id);
	vq->avail_slot = slot;
	vq->avail_wrap = wrap;
	vq->num_free = (uint16_t)(vq->num_free - nslots);
	vq->outstanding++;
	vq->unkicked_slots += nslots;
	vq->stats.added++;
	return id;
}

/*
 * The common shape: one direct descriptor. The same checks as add_list()
 * (one length below 2^32 is within the 2^32 limit; one slot is needed),
 * the same shadow, head state and pending flags.
 */
static inline int add_one(vq_drv_t *vq, const struct vq_buf *b, bool writable, void *token)
{
	const uint16_t first = vq->avail_slot;
	uint16_t id, fl, slot = (uint16_t)(first + 1);
	bool wrap = vq->avail_wrap;
	struct head_state *h;

	if (!vq->ready || vq->broken || !vq->n_free_ids || !vq->num_free)
		return -1;
	id = vq->free_ids[--vq->n_free_ids];
	fl = (uint16_t)(pvirtq_avail_flags(wrap) | (writable ? VIRTQ_DESC_F_WRITE : 0));
	put_desc(&vq->ring[first], &vq->shadow[first], b->gpa, b->len, id, fl);
	vq->pend[vq->n_pend++] = (struct vq_pending_head){ first, fl, id };
	h = &vq->heads[id];
	h->token = token;
	h->writable = writable ? b->len : 0;
	h->ndesc = 1;
	h->n_indirect = 0;
	h->avail_pos = vq->avail_idx++; /* add sequence, for in-order batches */
	h->inflight = true;
	h->completed = false;
	h->published = false;
	if (vq->cfg.in_order)
		vq_order_push(vq->order, vq->cfg.size, vq->order_head, &vq->order_n, id);
	if (slot == vq->cfg.size) {
		slot = 0;
		wrap = !wrap;
	}
	vq->avail_slot = slot;
	vq->avail_wrap = wrap;
	vq->num_free--;
	vq->outstanding++;
	vq->unkicked_slots++;
	vq->stats.added++;
	return id;
}

int vq_packed_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out,
		      const struct vq_buf *in, unsigned n_in, void *token, bool indirect)
{
	if (!indirect && n_out + (uint64_t)n_in == 1)
		return add_one(vq, n_out ? out : in, !n_out, token);
	return add_list(vq, out, n_out, in, n_in, token, indirect);
}

/* vq_drv_add_batch(): add_one() for each buffer, the queue checks and
 * counters once. Returns how many were posted. */
int vq_packed_drv_add_batch(vq_drv_t *vq, const struct vq_buf *bufs, unsigned n, bool writable,
			    void *const *tokens)
{
	const uint32_t size = vq->cfg.size;
	const bool in_order = vq->cfg.in_order;
	const uint16_t wbit = writable ? VIRTQ_DESC_F_WRITE : 0;
	struct pvirtq_desc *ring = vq->ring;
	struct shadow_desc *shadow = vq->shadow;
	struct head_state *heads = vq->heads;
	struct vq_pending_head *pend = vq->pend + vq->n_pend;
	const uint16_t *free_ids = vq->free_ids;
	uint32_t n_free_ids = vq->n_free_ids;
	uint16_t slot = vq->avail_slot, seq = vq->avail_idx;
	bool wrap = vq->avail_wrap;
	uint16_t fl = (uint16_t)(pvirtq_avail_flags(wrap) | wbit);
	unsigned k;

	if (!vq->ready || vq->broken)
		return -1;
	if (n > n_free_ids)
		n = n_free_ids;
	if (n > vq->num_free)
		n = vq->num_free;
	for (k = 0; k < n; k++) {
		const uint16_t id = free_ids[--n_free_ids];
		const uint64_t gpa = bufs[k].gpa;
		const uint32_t len = bufs[k].len;

		/* the descriptor but its flags, which kick_prepare stores */
		put_desc(&ring[slot], &shadow[slot], gpa, len, id, fl);
		pend[k] = (struct vq_pending_head){ slot, fl, id };
		heads[id] = (struct head_state){
			.token = tokens ? tokens[k] : NULL,
			.writable = writable ? len : 0,
			.ndesc = 1,
			.avail_pos = seq++, /* add sequence, for in-order batches */
			.inflight = true,
		};
		if (in_order)
			vq_order_push(vq->order, size, vq->order_head, &vq->order_n, id);
		if (++slot == size) {
			slot = 0;
			wrap = !wrap;
			fl = (uint16_t)(pvirtq_avail_flags(wrap) | wbit);
		}
	}
	vq->n_free_ids = n_free_ids;
	vq->n_pend += n;
	vq->avail_idx = seq;
	vq->avail_slot = slot;
	vq->avail_wrap = wrap;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->outstanding = (uint16_t)(vq->outstanding + n);
	vq->unkicked_slots += n;
	vq->stats.added += n;
	return (int)n;
}

bool vq_packed_drv_kick_prepare(vq_drv_t *vq)
{
	struct pvirtq_desc *ring = vq->ring;
	struct head_state *heads = vq->heads;
	uint32_t k, count = vq->unkicked_slots;
	uint16_t flags;
	bool need;

	if (!vq->ready || vq->broken || !vq->n_pend)
		return false;
	/* drivernormative: Updating flags -- each release store orders the
	 * descriptors before it; the oldest chain's flags go last, so the
	 * device, which polls that slot, sees the batch whole */
	for (k = vq->n_pend; k-- > 0;) {
		const struct vq_pending_head p = vq->pend[k];

		le16_store_release(&ring[p.slot].flags, p.flags);
		heads[p.id].published = true;
	}
	vq->outstanding_pub = (uint16_t)(vq->outstanding_pub + vq->n_pend);
	vq->n_pend = 0;
	vq->unkicked_slots = 0;
	/* drivernormative: Sending Available Buffer Notifications -- barrier
	 * before reading the device event suppression structure */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16_load_once(&vq->dev_event->flags) & RING_EVENT_FLAGS_MASK;
	switch (flags) {
	case RING_EVENT_FLAGS_DISABLE:
		need = false;
		break;
	case RING_EVENT_FLAGS_DESC:
		/* only with EVENT_IDX; otherwise, like the reserved value, it
		 * reads as ENABLE (a spurious notification is harmless) */
		if (vq->cfg.event_idx) {
			uint16_t ow = le16_load_once(&vq->dev_event->off_wrap);

			need = pvirtq_need_event(ow, vq->avail_slot, vq->avail_wrap, (uint16_t)count,
						 vq->cfg.size);
			break;
		}
		/* fallthrough */
	default:
		need = true;
		break;
	}
	if (need)
		vq->stats.kicks++;
	return need;
}

/* where the driver wants a used-buffer notification: the next used slot */
static void publish_used_event(vq_drv_t *vq)
{
	le16_store_once(&vq->drv_event->off_wrap, pvirtq_off_wrap(vq->used_slot, vq->used_wrap));
	le16_store_release(&vq->drv_event->flags, RING_EVENT_FLAGS_DESC);
}

void vq_packed_drv_set_interrupt(vq_drv_t *vq, bool enable)
{
	if (enable && vq->cfg.event_idx)
		publish_used_event(vq);
	else
		le16_store_release(&vq->drv_event->flags,
				   enable ? RING_EVENT_FLAGS_ENABLE : RING_EVENT_FLAGS_DISABLE);
}

/* devicenormative: Packed / Descriptor Table -- the device never writes a
 * device-readable buffer, and an indirect table is one. Entry index or -1. */
static int find_rewritten_table(const vq_drv_t *vq, uint16_t id)
{
	const struct head_state *h = &vq->heads[id];
	const struct pvirtq_desc *t =
		(const struct pvirtq_desc *)(const void *)(vq->ind_tables + (size_t)id * vq->ind_max);
	const struct shadow_desc *s = vq->ind_shadow + (size_t)id * vq->ind_max;
	uint16_t k;

	for (k = 0; k < h->n_indirect; k++)
		if (le64_load_once(&t[k].addr) != s[k].addr || le32_load_once(&t[k].len) != s[k].len ||
		    le16_load_once(&t[k].id) != s[k].next || le16_load_once(&t[k].flags) != s[k].flags)
			return k;
	return -1;
}

/* A reaped buffer: its id and descriptors free again, its head settled. */
static inline void reap_done(vq_drv_t *vq, struct head_state *h, uint16_t id)
{
	vq->free_ids[vq->n_free_ids++] = id;
	vq->num_free = (uint16_t)(vq->num_free + h->ndesc);
	h->inflight = false;
	h->completed = true;
	h->published = false;
	vq->outstanding--;
	vq->outstanding_pub--;
	vq->stats.reaped++;
}

/* Hand out one buffer and free its id and slots. */
static int deliver(vq_drv_t *vq, uint16_t id, void **token, uint32_t *len)
{
	struct head_state *h = &vq->heads[id];

	if (vq->cfg.in_order) {
		vq->order_head = (vq->order_head + 1) % vq->cfg.size;
		vq->order_n--;
	}
	vq->batch_left--;
	*token = h->token;
	/* 2.8.9: skipped buffers were used completely */
	if (vq->batch_left)
		*len = h->writable > UINT32_MAX ? UINT32_MAX : (uint32_t)h->writable;
	else
		*len = vq->batch_len;
	reap_done(vq, h, id);
	return 1;
}

/* 2.8.9: under IN_ORDER one used descriptor stands for every buffer from
 * the oldest outstanding one up to the id it names (h, checked by the
 * caller, in slot with used len ulen); hand out the first of them. */
static __attribute__((noinline)) int get_batch(vq_drv_t *vq, const struct head_state *h,
					       uint16_t slot, uint32_t ulen, void **token,
					       uint32_t *len)
{
	const uint32_t size = vq->cfg.size;
	uint32_t batch, slots, next;
	uint16_t k;

	batch = (uint16_t)(h->avail_pos - vq->heads[vq->order[vq->order_head]].avail_pos) + 1u;
	slots = 0;
	for (k = 0; k < batch; k++) {
		uint16_t cur = vq->order[(vq->order_head + k) % size];
		int bad = vq->heads[cur].n_indirect ? find_rewritten_table(vq, cur) : -1;

		if (bad >= 0) {
			report(vq, VC_SEV_FATAL, CL_DEV_PDESC, cur,
			       "device rewrote indirect table entry %d of buffer %u", bad, cur);
			return -1;
		}
		slots += vq->heads[cur].ndesc;
	}
	/* skip to where the next used descriptor goes */
	next = slot + slots;
	if (next >= size) {
		next -= size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->used_slot = (uint16_t)next;
	vq->batch_left = batch;
	vq->batch_len = ulen;
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		publish_used_event(vq);
	return deliver(vq, vq->order[vq->order_head], token, len);
}

/* The used descriptor polled at used_slot, whose flags were just loaded
 * (acquire). */
static int get_flags(vq_drv_t *vq, void **token, uint32_t *len, uint16_t flags)
{
	const uint32_t size = vq->cfg.size;
	const bool w = vq->used_wrap;
	uint16_t slot = vq->used_slot, id;
	uint32_t ulen, next;
	struct head_state *h;

	if (!pvirtq_is_used(flags, w)) {
		/* with buffers out, the polled slot holds one of ours (AVAIL
		 * == w, USED != w) until the device overwrites it with a used
		 * descriptor (both == w); nothing else is a state of 2.8.1 */
		if (vq->outstanding_pub && !pvirtq_is_avail(flags, w)) {
			report(vq, VC_SEV_FATAL, CL_DEV_PDESC, VC_NO_INDEX,
			       "slot %u flags 0x%x are neither available nor used for wrap counter %u",
			       slot, flags, w);
			return -1;
		}
		return 0;
	}
	if (!vq->outstanding_pub) {
		report(vq, VC_SEV_FATAL, CL_DEV_PDESC, VC_NO_INDEX,
		       "used descriptor in slot %u, but no buffer is outstanding", slot);
		return -1;
	}
	id = le16_load_once(&vq->ring[slot].id);
	ulen = le32_load_once(&vq->ring[slot].len);
	if (id >= size || !vq->heads[id].inflight) {
		bool again = id < size && vq->heads[id].completed;

		/* devicenormative: Reserved Feature Bits -- under IN_ORDER a
		 * completed id coming back means buffers were used out of order */
		report(vq, VC_SEV_FATAL, again && vq->cfg.in_order ? CL_DEV_RESERVED : CL_DEV_PDESC,
		       id,
		       again ? "used id %u was already completed"
			     : "used id %u is not an outstanding buffer id",
		       id);
		return -1;
	}
	h = &vq->heads[id];
	if (!h->published) {
		report(vq, VC_SEV_FATAL, CL_DEV_PDESC, id,
		       "used id %u names a buffer that was never made available", id);
		return -1;
	}
	/* 2.8.5: len is reserved (and ignored) without WRITE */
	if (!(flags & VIRTQ_DESC_F_WRITE))
		ulen = 0;
	if (ulen > h->writable) {
		report(vq, VC_SEV_FATAL, CL_DEV_PDESC, id,
		       "used len %u for id %u exceeds the %llu device-writable bytes posted", ulen, id,
		       (unsigned long long)h->writable);
		return -1;
	}
	if (vq->cfg.in_order)
		return get_batch(vq, h, slot, ulen, token, len);
	/* one used descriptor, one buffer: hand it out at once */
	if (h->n_indirect) {
		int bad = find_rewritten_table(vq, id);

		if (bad >= 0) {
			report(vq, VC_SEV_FATAL, CL_DEV_PDESC, id,
			       "device rewrote indirect table entry %d of buffer %u", bad, id);
			return -1;
		}
	}
	next = slot + h->ndesc;
	if (next >= size) {
		next -= size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->used_slot = (uint16_t)next;
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		publish_used_event(vq);
	*token = h->token;
	*len = ulen;
	reap_done(vq, h, id);
	return 1;
}

int vq_packed_drv_get(vq_drv_t *vq, void **token, uint32_t *len)
{
	if (!vq->ready || vq->broken)
		return -1;
	if (vq->batch_left)
		return deliver(vq, vq->order[vq->order_head], token, len);
	return get_flags(vq, token, len, le16_load_acquire(&vq->ring[vq->used_slot].flags));
}

/*
 * vq_drv_get_batch(): used descriptors of one-slot-or-more direct buffers,
 * each accepted only when every check of vq_packed_drv_get() passes on the
 * fields read once; anything else (an indirect buffer, a refusal) ends the
 * loop there, and when it is the first, the one-buffer get judges it from
 * the flags read here and reads the rest afresh. Without IN_ORDER
 * (vq_drv_get_batch() takes that buffer by buffer).
 */
int vq_packed_drv_get_batch(vq_drv_t *vq, void **tokens, uint32_t *lens, unsigned max)
{
	const uint32_t size = vq->cfg.size;
	const struct pvirtq_desc *ring = vq->ring;
	struct head_state *heads = vq->heads;
	uint16_t *free_ids = vq->free_ids;
	uint32_t n_free_ids = vq->n_free_ids, slots = 0;
	uint16_t slot = vq->used_slot;
	bool w = vq->used_wrap;
	uint16_t first = 0;
	unsigned k;

	/* at most the published buffers: with none, vq_packed_drv_get()
	 * judges a used descriptor */
	if (max > vq->outstanding_pub)
		max = vq->outstanding_pub;
	for (k = 0; k < max; k++) {
		const struct pvirtq_desc *d = &ring[slot];
		uint16_t flags = le16_load_acquire(&d->flags), id;
		struct head_state *h;
		uint32_t ulen, next;

		if (!k)
			first = flags;
		if (!pvirtq_is_used(flags, w))
			break;
		id = le16_load_once(&d->id);
		ulen = le32_load_once(&d->len);
		if (id >= size)
			break;
		h = &heads[id];
		if (!h->inflight || !h->published || h->n_indirect)
			break;
		/* 2.8.5: len is reserved (and ignored) without WRITE */
		if (!(flags & VIRTQ_DESC_F_WRITE))
			ulen = 0;
		if (ulen > h->writable)
			break;
		next = slot + h->ndesc;
		if (next >= size) {
			next -= size;
			w = !w;
		}
		slot = (uint16_t)next;
		slots += h->ndesc;
		tokens[k] = h->token;
		lens[k] = ulen;
		/* reaped: its id and slots free again */
		free_ids[n_free_ids++] = id;
		h->inflight = false;
		h->completed = true;
		h->published = false;
	}
	/* nothing used, or the first used descriptor is not of the common
	 * shape or fails a check: the one-buffer get judges it, from the
	 * flags already read (none read when no buffer is published) */
	if (!k)
		return max ? get_flags(vq, &tokens[0], &lens[0], first)
			   : vq_packed_drv_get(vq, &tokens[0], &lens[0]);
	vq->n_free_ids = n_free_ids;
	vq->num_free = (uint16_t)(vq->num_free + slots);
	vq->outstanding = (uint16_t)(vq->outstanding - k);
	vq->outstanding_pub = (uint16_t)(vq->outstanding_pub - k);
	vq->stats.reaped += k;
	vq->used_slot = slot;
	vq->used_wrap = w;
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		publish_used_event(vq);
	return (int)k;
}
