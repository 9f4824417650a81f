// SPDX-License-Identifier: Apache-2.0
/*
 * Split virtqueue, driver side (VIRTIO 1.2 2.7). The driver keeps a private
 * shadow of every descriptor it publishes and never reads the shared table
 * back to free a chain. Used entries are hostile: each is checked against the
 * shadows (id is an outstanding head, len <= writable bytes posted, the
 * device did not rewrite the chain) and a bad one marks the queue broken.
 *
 * This file also holds the layout-independent entry points of the driver
 * side; packed queues are handed to vq_packed_drv.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_priv.h"
#include "virtiocheck/clause.h"

vq_drv_t *vq_drv_new(gm_view_t *mem, vc_violation_fn sink, void *owner)
{
	vq_drv_t *vq = vq_zalloc(1, sizeof(*vq));

	if (!vq)
		return NULL;
	vq->mem = mem;
	vq->sink = sink;
	vq->owner = owner;
	return vq;
}

void vq_drv_release(vq_drv_t *vq)
{
	free(vq->shadow);
	free(vq->ind_shadow);
	free(vq->heads);
	free(vq->order);
	free(vq->free_ids);
	free(vq->pend);
	vq->shadow = NULL;
	vq->ind_shadow = NULL;
	vq->heads = NULL;
	vq->order = NULL;
	vq->free_ids = NULL;
	vq->pend = NULL;
}

void vq_drv_reset(vq_drv_t *vq)
{
	vq_drv_release(vq);
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->ind_tables = NULL;
	vq->ind_pool = 0;
	vq->ind_max = 0;
	vq->ready = false;
	vq->broken = false;
	vq->suppr_flags_reported = false;
	vq->free_head = vq->num_free = vq->avail_idx = vq->avail_published = 0;
	vq->last_used = vq->outstanding = 0;
	vq->ring = NULL;
	vq->drv_event = NULL;
	vq->dev_event = NULL;
	vq->order_head = vq->order_n = 0;
	vq->next_slot = 0;
	vq->batch_left = vq->batch_len = 0;
	vq->avail_slot = vq->used_slot = 0;
	vq->avail_wrap = vq->used_wrap = true;
	vq->n_free_ids = vq->n_pend = vq->unkicked_slots = 0;
	vq->outstanding_pub = 0;
	memset(&vq->stats, 0, sizeof(vq->stats));
}

void vq_drv_free(vq_drv_t *vq)
{
	if (!vq)
		return;
	vq_drv_reset(vq);
	free(vq);
}

bool vq_drv_broken(const vq_drv_t *vq) { return vq->broken; }
void vq_drv_set_broken(vq_drv_t *vq) { vq->broken = true; }
uint16_t vq_drv_num_free(const vq_drv_t *vq) { return vq->num_free; }
uint16_t vq_drv_outstanding(const vq_drv_t *vq) { return vq->outstanding; }
const struct vq_drv_stats *vq_drv_stats(const vq_drv_t *vq) { return &vq->stats; }

/* The driver side's route to its owner's choke point. */
void vq_drv_vreport(vq_drv_t *vq, enum vc_severity sev, const char *clause, uint32_t id,
		    const char *fmt, va_list ap)
{
	struct vc_violation v;

	vc_violation_vset(&v, sev, clause, vq->cfg.index, id, fmt, ap);
	v.avail_idx = vq->cfg.packed ? vq->used_slot : vq->last_used;
	if (sev == VC_SEV_FATAL)
		vq->broken = true;
	if (vq->sink)
		vq->sink(vq->owner, &v);
}

__attribute__((format(printf, 5, 6)))
static void report(vq_drv_t *vq, enum vc_severity sev, const char *clause, uint32_t id,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_drv_vreport(vq, sev, clause, id, fmt, ap);
	va_end(ap);
}

int vq_drv_setup(vq_drv_t *vq, const struct vq_cfg *cfg, uint64_t indirect_pool,
		 uint16_t indirect_max)
{
	uint32_t size = cfg->size, i;

	vq_drv_reset(vq);
	if (cfg->packed) {
		vq->cfg = *cfg;
		if (vq_packed_drv_setup(vq, indirect_pool, indirect_max) == 0)
			return 0;
		vq_drv_reset(vq);
		return -1;
	}
	if (!size || (size & (size - 1)) || size > VIRTQ_SIZE_MAX)
		return -1;
	/* drivernormative: Virtqueues -- each part at its alignment */
	if (cfg->desc % VIRTQ_DESC_ALIGN || cfg->driver % VIRTQ_AVAIL_ALIGN ||
	    cfg->device % VIRTQ_USED_ALIGN)
		return -1;
	vq->cfg = *cfg;
	vq->desc = gm_translate(vq->mem, cfg->desc, virtq_desc_bytes(size), GM_WRITE);
	vq->avail = gm_translate(vq->mem, cfg->driver, virtq_avail_bytes(size), GM_WRITE);
	vq->used = gm_translate(vq->mem, cfg->device, virtq_used_bytes(size), GM_WRITE);
	if (!vq->desc || !vq->avail || !vq->used)
		return -1;
	if (indirect_max) {
		vq->ind_tables = gm_translate(vq->mem, indirect_pool,
					      16ull * size * indirect_max, GM_WRITE);
		if (!vq->ind_tables)
			return -1;
		vq->ind_pool = indirect_pool;
		vq->ind_max = indirect_max;
		vq->ind_shadow = vq_zalloc((size_t)size * indirect_max, sizeof(*vq->ind_shadow));
	}
	vq->shadow = vq_zalloc(size, sizeof(*vq->shadow));
	vq->heads = vq_zalloc(size, sizeof(*vq->heads));
	if (cfg->in_order)
		vq->order = vq_zalloc(size, sizeof(*vq->order));
	if (!vq->shadow || !vq->heads || (indirect_max && !vq->ind_shadow) ||
	    (cfg->in_order && !vq->order)) {
		vq_drv_reset(vq);
		return -1;
	}
	memset(vq->desc, 0, virtq_desc_bytes(size));
	memset(vq->avail, 0, virtq_avail_bytes(size));
	/* drivernormative: Available Buffer Notification Suppression --
	 * used ring flags start at 0 */
	memset(vq->used, 0, virtq_used_bytes(size));
	for (i = 0; i < size; i++)
		vq->shadow[i].next = (uint16_t)(i + 1 < size ? i + 1 : 0);
	vq->num_free = (uint16_t)size;
	vq->interrupt_wanted = true;
	vq->ready = true;
	return 0;
}

static void write_desc(struct virtq_desc *d, struct shadow_desc *s, uint64_t addr, uint32_t len,
		       uint16_t flags, uint16_t next)
{
	s->addr = addr;
	s->len = len;
	s->flags = flags;
	s->next = next;
	d->addr = cpu_to_le64(addr);
	d->len = cpu_to_le32(len);
	d->flags = cpu_to_le16(flags);
	d->next = cpu_to_le16(next);
}

static void post_head(vq_drv_t *vq, uint16_t head, void *token, uint64_t writable)
{
	vq->heads[head].token = token;
	vq->heads[head].writable = writable;
	vq->heads[head].inflight = true;
	vq->heads[head].completed = false;
	le16_store_once(&vq->avail->ring[vq->avail_idx & (vq->cfg.size - 1)], head);
	vq->heads[head].avail_pos = vq->avail_idx;
	vq->avail_idx++;
	vq->outstanding++;
	vq->stats.added++;
}

/* In-order placement: the chain takes the next slots of the ring order; an
 * indirect table's entries link 1, 2, ... (drivernormative: Indirect
 * Descriptors). Completions come back in order, so the free slots are always
 * the ones after the chain most recently added. */
static int add_in_order(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out,
			const struct vq_buf *in, unsigned n_in, void *token, bool indirect,
			uint64_t writable)
{
	const uint32_t size = vq->cfg.size;
	unsigned total = n_out + n_in, k;
	uint16_t head = vq->next_slot, cur = head, nslots = indirect ? 1 : (uint16_t)total;

	if (indirect && (!vq->cfg.indirect || total > vq->ind_max))
		return -1;
	if (vq->num_free < nslots)
		return -1;
	if (indirect) {
		struct virtq_desc *table = vq->ind_tables + (size_t)head * vq->ind_max;
		struct shadow_desc *stab = vq->ind_shadow + (size_t)head * vq->ind_max;

		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));

			write_desc(&table[k], &stab[k], b->gpa, b->len, fl, (uint16_t)(k + 1));
		}
		write_desc(&vq->desc[head], &vq->shadow[head],
			   vq->ind_pool + 16ull * head * vq->ind_max, (uint32_t)(16u * total),
			   VIRTQ_DESC_F_INDIRECT, (uint16_t)((head + 1u) % size));
		vq->heads[head].n_indirect = (uint16_t)total;
	} else {
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));
			uint16_t nx = (uint16_t)((cur + 1u) % size);

			write_desc(&vq->desc[cur], &vq->shadow[cur], b->gpa, b->len, fl, nx);
			cur = nx;
		}
		vq->heads[head].n_indirect = 0;
	}
	vq->next_slot = (uint16_t)((head + nslots) % size);
	vq->num_free = (uint16_t)(vq->num_free - nslots);
	vq->heads[head].ndesc = nslots;
	vq_order_push(vq->order, size, vq->order_head, &vq->order_n, head);
	post_head(vq, head, token, writable);
	return head;
}

/* the split layout (the packed one is dispatched before) */
static __attribute__((noinline))
int split_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
	       unsigned n_in, void *token, bool indirect)
{
	unsigned total = n_out + n_in, k;
	uint64_t bytes = 0, writable = 0;
	uint16_t head, cur = 0;

	if (!vq->ready || vq->broken || total == 0 || total > vq->cfg.size)
		return -1;
	for (k = 0; k < total; k++) {
		const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];

		bytes += b->len;
		if (k >= n_out)
			writable += b->len;
	}
	/* drivernormative: Descriptor Table -- at most 2^32 bytes a chain */
	if (bytes > (1ull << 32))
		return -1;
	/* drivernormative: Descriptor Table -- with IN_ORDER descriptors are
	 * used in ring order and slot x links to x + 1 (0 after the last) */
	if (vq->cfg.in_order)
		return add_in_order(vq, out, n_out, in, n_in, token, indirect, writable);
	head = vq->free_head;
	if (indirect) {
		struct virtq_desc *table;
		struct shadow_desc *stab;

		/* drivernormative: Indirect Descriptors -- only if negotiated */
		if (!vq->cfg.indirect || total > vq->ind_max || vq->num_free < 1)
			return -1;
		table = vq->ind_tables + (size_t)head * vq->ind_max;
		stab = vq->ind_shadow + (size_t)head * vq->ind_max;
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));

			write_desc(&table[k], &stab[k], b->gpa, b->len, fl, (uint16_t)(k + 1));
		}
		write_desc(&vq->desc[head], &vq->shadow[head],
			   vq->ind_pool + 16ull * head * vq->ind_max, (uint32_t)(16u * total),
			   VIRTQ_DESC_F_INDIRECT, vq->shadow[head].next);
		vq->free_head = vq->shadow[head].next;
		vq->num_free--;
		vq->heads[head].ndesc = 1;
		vq->heads[head].n_indirect = (uint16_t)total;
	} else {
		if (vq->num_free < total)
			return -1;
		cur = head;
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));
			uint16_t nx = vq->shadow[cur].next;

			write_desc(&vq->desc[cur], &vq->shadow[cur], b->gpa, b->len, fl, nx);
			if (k + 1 < total)
				cur = nx;
		}
		vq->free_head = vq->shadow[cur].next;
		vq->num_free = (uint16_t)(vq->num_free - total);
		vq->heads[head].ndesc = (uint16_t)total;
		vq->heads[head].n_indirect = 0;
	}
	post_head(vq, head, token, writable);
	return head;
}

int vq_drv_add(vq_drv_t *vq, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
	       unsigned n_in, void *token, bool indirect)
{
	if (vq->cfg.packed)
		return vq_packed_drv_add(vq, out, n_out, in, n_in, token, indirect);
	return split_drv_add(vq, out, n_out, in, n_in, token, indirect);
}

/*
 * vq_drv_add_batch(), split layout: each buffer one descriptor from the free
 * list and one avail ring entry, as split_drv_add() posts a one-element
 * chain. IN_ORDER goes through split_drv_add() buffer by buffer.
 */
static int split_drv_add_batch(vq_drv_t *vq, const struct vq_buf *bufs, unsigned n,
			       bool writable, void *const *tokens)
{
	const uint16_t fl = writable ? VIRTQ_DESC_F_WRITE : 0;
	const uint32_t mask = vq->cfg.size - 1u;
	struct virtq_desc *table = vq->desc;
	struct shadow_desc *shadow = vq->shadow;
	struct head_state *heads = vq->heads;
	le16 *ring = vq->avail->ring;
	uint16_t head = vq->free_head, idx = vq->avail_idx;
	unsigned k;

	if (vq->cfg.in_order) {
		for (k = 0; k < n; k++)
			if (split_drv_add(vq, writable ? NULL : &bufs[k], !writable,
					  writable ? &bufs[k] : NULL, writable, tokens ? tokens[k] : NULL,
					  false) < 0)
				break;
		return (int)k;
	}
	if (n > vq->num_free)
		n = vq->num_free;
	for (k = 0; k < n; k++) {
		const uint16_t next = shadow[head].next;
		const uint32_t len = bufs[k].len;

		/* as split_drv_add() posts a one-descriptor chain */
		write_desc(&table[head], &shadow[head], bufs[k].gpa, len, fl, next);
		heads[head] = (struct head_state){
			.token = tokens ? tokens[k] : NULL,
			.writable = writable ? len : 0,
			.ndesc = 1,
			.avail_pos = idx,
			.inflight = true,
		};
		le16_store_once(&ring[idx & mask], head);
		idx++;
		head = next;
	}
	vq->free_head = head;
	vq->avail_idx = idx;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->outstanding = (uint16_t)(vq->outstanding + n);
	vq->stats.added += n;
	return (int)n;
}

int vq_drv_add_batch(vq_drv_t *vq, const struct vq_buf *bufs, unsigned n, bool writable,
		     void *const *tokens)
{
	if (!vq->ready || vq->broken)
		return -1;
	if (vq->cfg.packed)
		return vq_packed_drv_add_batch(vq, bufs, n, writable, tokens);
	return split_drv_add_batch(vq, bufs, n, writable, tokens);
}

/* drivernormative: Updating idx -- the release store is the barrier that
 * orders descriptors and ring entries before the new idx. */
static void vq_drv_publish_avail(vq_drv_t *vq)
{
	le16_store_release(&vq->avail->idx, vq->avail_idx);
}

bool vq_drv_kick_prepare(vq_drv_t *vq)
{
	uint16_t old = vq->avail_published, now = vq->avail_idx, flags;
	bool need;

	if (vq->cfg.packed)
		return vq_packed_drv_kick_prepare(vq);
	if (!vq->ready || vq->broken || old == now)
		return false;
	vq_drv_publish_avail(vq);
	vq->avail_published = now;
	/* drivernormative: Notifying The Device -- barrier before reading
	 * the suppression fields */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16_load_once(&vq->used->flags);
	if (vq->cfg.event_idx) {
		uint16_t ev = le16_load_once(virtq_avail_event(vq->used, vq->cfg.size));

		if (flags != 0 && !vq->suppr_flags_reported) {
			vq->suppr_flags_reported = true;
			report(vq, VC_SEV_RECORD, CL_DEV_AVAIL_SUPPR, VC_NO_INDEX,
			       "used flags 0x%x with VIRTIO_F_EVENT_IDX negotiated (must be 0)", flags);
		}
		need = virtq_need_event(ev, now, old);
	} else {
		if ((flags & ~VIRTQ_USED_F_NO_NOTIFY) && !vq->suppr_flags_reported) {
			vq->suppr_flags_reported = true;
			report(vq, VC_SEV_RECORD, CL_DEV_AVAIL_SUPPR, VC_NO_INDEX,
			       "used flags 0x%x without VIRTIO_F_EVENT_IDX (must be 0 or 1)", flags);
		}
		need = !(flags & VIRTQ_USED_F_NO_NOTIFY);
	}
	if (need)
		vq->stats.kicks++;
	return need;
}

void vq_drv_set_interrupt(vq_drv_t *vq, bool enable)
{
	vq->interrupt_wanted = enable;
	if (!vq->ready)
		return;
	if (vq->cfg.packed) {
		vq_packed_drv_set_interrupt(vq, enable);
	} else if (vq->cfg.event_idx) {
		if (enable)
			le16_store_release(virtq_used_event(vq->avail, vq->cfg.size), vq->last_used);
	} else {
		le16_store_release(&vq->avail->flags, enable ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
}

static bool same_desc(const struct virtq_desc *d, const struct shadow_desc *s)
{
	return le64_load_once(&d->addr) == s->addr && le32_load_once(&d->len) == s->len &&
	       le16_load_once(&d->flags) == s->flags && le16_load_once(&d->next) == s->next;
}

/* devicenormative: Descriptor Table -- the device never writes descriptors.
 * Returns the index of the first rewritten entry, or -1. */
static int find_rewritten(const vq_drv_t *vq, uint16_t id, bool *in_table)
{
	const struct head_state *h = &vq->heads[id];
	uint16_t cur = id, k;

	*in_table = false;
	for (k = 0; k < h->ndesc; k++) {
		if (!same_desc(&vq->desc[cur], &vq->shadow[cur]))
			return cur;
		cur = vq->shadow[cur].next;
	}
	if (h->n_indirect) {
		const struct virtq_desc *t = vq->ind_tables + (size_t)id * vq->ind_max;
		const struct shadow_desc *s = vq->ind_shadow + (size_t)id * vq->ind_max;

		*in_table = true;
		for (k = 0; k < h->n_indirect; k++)
			if (!same_desc(&t[k], &s[k]))
				return k;
	}
	return -1;
}

/* Hand out the oldest buffer of the current in-order batch. The skipped
 * buffers were used completely (2.7.9): their len is all they offered. */
static int deliver_in_order(vq_drv_t *vq, void **token, uint32_t *len)
{
	uint16_t id = vq->order[vq->order_head];
	struct head_state *h = &vq->heads[id];

	vq->order_head = (vq->order_head + 1) % vq->cfg.size;
	vq->order_n--;
	vq->batch_left--;
	*token = h->token;
	if (vq->batch_left)
		*len = h->writable > UINT32_MAX ? UINT32_MAX : (uint32_t)h->writable;
	else
		*len = vq->batch_len;
	vq->num_free = (uint16_t)(vq->num_free + h->ndesc);
	h->inflight = false;
	h->completed = true;
	vq->outstanding--;
	vq->stats.reaped++;
	return 1;
}

/* A used entry under IN_ORDER stands for every buffer from the oldest
 * outstanding one up to the one it names; used idx must cover them all. */
static int get_in_order(vq_drv_t *vq, uint32_t id, uint32_t ulen, uint16_t dist, void **token,
			uint32_t *len)
{
	uint16_t oldest = vq->order[vq->order_head], k, cur;
	uint32_t batch = (uint16_t)(vq->heads[id].avail_pos - vq->heads[oldest].avail_pos) + 1u;
	bool in_table;
	int bad;

	/* devicenormative: Reserved Feature Bits -- buffers are used in the
	 * order they were made available */
	if (batch > dist) {
		report(vq, VC_SEV_FATAL, CL_DEV_RESERVED, id,
		       "IN_ORDER: used id %u completes %u buffers from head %u on, but used idx advanced by %u",
		       id, batch, oldest, dist);
		return -1;
	}
	if (ulen > vq->heads[id].writable) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, id,
		       "used len %u for id %u exceeds the %llu device-writable bytes posted", ulen, id,
		       (unsigned long long)vq->heads[id].writable);
		return -1;
	}
	for (k = 0; k < batch; k++) {
		cur = vq->order[(vq->order_head + k) % vq->cfg.size];
		bad = find_rewritten(vq, cur, &in_table);
		if (bad >= 0) {
			report(vq, VC_SEV_FATAL, CL_DEV_DESC, cur,
			       "device rewrote %s entry %d of chain %u before completing it",
			       in_table ? "indirect table" : "descriptor table", bad, cur);
			return -1;
		}
	}
	vq->batch_left = batch;
	vq->batch_len = ulen;
	vq->last_used = (uint16_t)(vq->last_used + batch);
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		le16_store_release(virtq_used_event(vq->avail, vq->cfg.size), vq->last_used);
	return deliver_in_order(vq, token, len);
}

/* the split layout (the packed one is dispatched before), with used idx as
 * just loaded (acquire) */
static __attribute__((noinline))
int split_get_idx(vq_drv_t *vq, void **token, uint32_t *len, uint16_t used_idx)
{
	uint16_t dist, last, k, unpub;
	uint32_t id, ulen;
	struct head_state *h;
	const struct virtq_used_elem *e;
	bool in_table;
	int bad;

	/* chains added but not yet published were never seen by the device */
	unpub = (uint16_t)(vq->avail_idx - vq->avail_published);
	dist = (uint16_t)(used_idx - vq->last_used);
	if (dist == 0)
		return 0;
	if (dist > (uint16_t)(vq->outstanding - unpub)) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, VC_NO_INDEX,
		       "used idx %u is %u past the last reaped %u, but only %u buffers were made available",
		       used_idx, dist, vq->last_used, (uint16_t)(vq->outstanding - unpub));
		return -1;
	}
	e = &vq->used->ring[vq->last_used & (vq->cfg.size - 1)];
	id = le32_load_once(&e->id);
	ulen = le32_load_once(&e->len);
	if (id >= vq->cfg.size) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, id, "used id %u out of range (queue size %u)",
		       id, vq->cfg.size);
		return -1;
	}
	h = &vq->heads[id];
	if (!h->inflight) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, id,
		       h->completed ? "used id %u was already completed"
				    : "used id %u is not the head of an outstanding chain",
		       id);
		return -1;
	}
	if ((uint16_t)(h->avail_pos - vq->avail_published) < unpub) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, id,
		       "used id %u names a chain that was never made available", id);
		return -1;
	}
	if (vq->cfg.in_order)
		return get_in_order(vq, id, ulen, dist, token, len);
	if (ulen > h->writable) {
		report(vq, VC_SEV_FATAL, CL_DEV_USED, id,
		       "used len %u for id %u exceeds the %llu device-writable bytes posted", ulen, id,
		       (unsigned long long)h->writable);
		return -1;
	}
	bad = find_rewritten(vq, (uint16_t)id, &in_table);
	if (bad >= 0) {
		report(vq, VC_SEV_FATAL, CL_DEV_DESC, id,
		       "device rewrote %s entry %d of chain %u before completing it",
		       in_table ? "indirect table" : "descriptor table", bad, id);
		return -1;
	}
	/* free the chain from the shadows, never from the shared table */
	last = (uint16_t)id;
	for (k = 1; k < h->ndesc; k++)
		last = vq->shadow[last].next;
	vq->shadow[last].next = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->num_free = (uint16_t)(vq->num_free + h->ndesc);
	h->inflight = false;
	h->completed = true;
	vq->last_used++;
	vq->outstanding--;
	vq->stats.reaped++;
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		le16_store_release(virtq_used_event(vq->avail, vq->cfg.size), vq->last_used);
	*token = h->token;
	*len = ulen;
	return 1;
}

static int split_drv_get(vq_drv_t *vq, void **token, uint32_t *len)
{
	if (!vq->ready || vq->broken)
		return -1;
	if (vq->batch_left)
		return deliver_in_order(vq, token, len);
	return split_get_idx(vq, token, len, le16_load_acquire(&vq->used->idx));
}

int vq_drv_get(vq_drv_t *vq, void **token, uint32_t *len)
{
	if (vq->cfg.packed)
		return vq_packed_drv_get(vq, token, len);
	return split_drv_get(vq, token, len);
}

/*
 * vq_drv_get_batch(), split layout: used idx is read and judged once; then
 * each used entry for a one-descriptor chain is accepted when every check of
 * split_get_idx() passes on the fields read once (id in range, in flight,
 * published; len within what was posted; its descriptor unchanged). Anything
 * else ends the loop there, and when it is the first, split_get_idx() judges
 * it afresh, from the same used idx. Without IN_ORDER (vq_drv_get_batch()
 * takes that buffer by buffer).
 */
static int split_drv_get_batch(vq_drv_t *vq, void **tokens, uint32_t *lens, unsigned max)
{
	const uint32_t size = vq->cfg.size, mask = size - 1;
	const struct virtq_used_elem *ring = vq->used->ring;
	const struct virtq_desc *table = vq->desc;
	struct shadow_desc *shadow = vq->shadow;
	struct head_state *heads = vq->heads;
	const uint16_t last = vq->last_used;
	uint16_t used_idx, dist, unpub, free_head = vq->free_head;
	unsigned k;

	unpub = (uint16_t)(vq->avail_idx - vq->avail_published);
	used_idx = le16_load_acquire(&vq->used->idx);
	dist = (uint16_t)(used_idx - last);
	if (dist > (uint16_t)(vq->outstanding - unpub))
		dist = 0; /* split_get_idx() reports it */
	if (max > dist)
		max = dist;
	for (k = 0; k < max; k++) {
		const struct virtq_used_elem *e = &ring[(uint16_t)(last + k) & mask];
		uint32_t id = le32_load_once(&e->id), ulen = le32_load_once(&e->len);
		struct head_state *h;

		if (id >= size)
			break;
		h = &heads[id];
		if (!h->inflight || (uint16_t)(h->avail_pos - vq->avail_published) < unpub ||
		    ulen > h->writable || h->ndesc != 1 || h->n_indirect ||
		    !same_desc(&table[id], &shadow[id]))
			break;
		/* free the descriptor from the shadows, never from the table */
		shadow[id].next = free_head;
		free_head = (uint16_t)id;
		h->inflight = false;
		h->completed = true;
		tokens[k] = h->token;
		lens[k] = ulen;
	}
	/* the one-buffer get judges the first entry, from the same idx */
	if (!k)
		return split_get_idx(vq, &tokens[0], &lens[0], used_idx);
	vq->free_head = free_head;
	vq->num_free = (uint16_t)(vq->num_free + k);
	vq->last_used = (uint16_t)(last + k);
	vq->outstanding = (uint16_t)(vq->outstanding - k);
	vq->stats.reaped += k;
	if (vq->cfg.event_idx && vq->interrupt_wanted)
		le16_store_release(virtq_used_event(vq->avail, vq->cfg.size), vq->last_used);
	return (int)k;
}

int vq_drv_get_batch(vq_drv_t *vq, void **tokens, uint32_t *lens, unsigned max)
{
	unsigned k;
	int rc = 0;

	if (!vq->ready || vq->broken)
		return -1;
	if (!max)
		return 0;
	if (vq->cfg.in_order) {
		/* buffer by buffer, either layout: a used entry may stand for
		 * several buffers, which vq_drv_get() hands out one a call */
		for (k = 0; k < max; k++) {
			rc = vq_drv_get(vq, &tokens[k], &lens[k]);
			if (rc != 1)
				break;
		}
		return k ? (int)k : rc;
	}
	if (vq->cfg.packed)
		return vq_packed_drv_get_batch(vq, tokens, lens, max);
	return split_drv_get_batch(vq, tokens, lens, max);
}
