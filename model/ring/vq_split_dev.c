// SPDX-License-Identifier: Apache-2.0
/*
 * Split virtqueue, device side (VIRTIO 1.2 2.7). Everything read from the
 * rings is hostile: each shared field is loaded once into a local, checked,
 * and only the local is used. The first broken rule is reported to the owner
 * (its choke point) and the queue refuses all work until reset.
 *
 * This file also holds the layout-independent entry points of the device
 * side; packed queues are handed to vq_packed_dev.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_priv.h"
#include "virtiocheck/clause.h"

vq_dev_t *vq_dev_new(gm_view_t *mem, vc_violation_fn sink, void *owner)
{
	vq_dev_t *vq = vq_zalloc(1, sizeof(*vq));

	if (!vq)
		return NULL;
	vq->mem = mem;
	vq->sink = sink;
	vq->owner = owner;
	vq->notify_wanted = true;
	return vq;
}

static void release_arrays(vq_dev_t *vq)
{
	free(vq->segs);
	free(vq->inflight);
	free(vq->writable);
	free(vq->ids);
	free(vq->order);
	free(vq->staged);
	vq->segs = NULL;
	vq->inflight = NULL;
	vq->writable = NULL;
	vq->ids = NULL;
	vq->order = NULL;
	vq->staged = NULL;
}

void vq_dev_free(vq_dev_t *vq)
{
	if (!vq)
		return;
	release_arrays(vq);
	free(vq);
}

void vq_dev_reset(vq_dev_t *vq)
{
	release_arrays(vq);
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->ring = NULL;
	vq->drv_event = NULL;
	vq->dev_event = NULL;
	vq->enabled = false;
	vq->broken = false;
	vq->suppr_flags_reported = false;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->used_published = 0;
	vq->notify_wanted = true;
	vq->avail_wrap = true;
	vq->used_wrap = true;
	vq->used_slot = 0;
	vq->ring_busy = 0;
	vq->n_inflight = 0;
	vq->ids_mask = 0;
	vq->order_head = vq->order_n = 0;
	vq->n_staged = 0;
	memset(&vq->stats, 0, sizeof(vq->stats));
	memset(&vq->cfg, 0, sizeof(vq->cfg));
}

bool vq_dev_enabled(const vq_dev_t *vq) { return vq->enabled; }
bool vq_dev_broken(const vq_dev_t *vq) { return vq->broken; }
void vq_dev_set_broken(vq_dev_t *vq) { vq->broken = true; }
uint32_t vq_dev_inflight(const vq_dev_t *vq) { return vq->n_inflight; }
uint32_t vq_dev_ring_busy(const vq_dev_t *vq) { return vq->ring_busy; }
const struct vq_dev_stats *vq_dev_stats(const vq_dev_t *vq) { return &vq->stats; }
uint32_t vq_dev_walk_limit(const vq_dev_t *vq) { return 2u * vq->cfg.size + 1; }

uint32_t vq_dev_vring_base(const vq_dev_t *vq)
{
	if (vq->cfg.packed)
		return (vq->last_avail | (vq->avail_wrap ? 0x8000u : 0)) |
		       (uint32_t)(vq->used_slot | (vq->used_wrap ? 0x8000u : 0)) << 16;
	return vq->last_avail;
}

void vq_ring_geometry(uint16_t size, bool packed, struct vq_ring_geometry *g)
{
	if (packed) {
		g->desc = (struct vq_ring_area){ pvirtq_desc_bytes(size), PVIRTQ_DESC_ALIGN };
		g->driver = (struct vq_ring_area){ pvirtq_event_bytes(), PVIRTQ_EVENT_ALIGN };
		g->device = (struct vq_ring_area){ pvirtq_event_bytes(), PVIRTQ_EVENT_ALIGN };
	} else {
		g->desc = (struct vq_ring_area){ virtq_desc_bytes(size), VIRTQ_DESC_ALIGN };
		g->driver = (struct vq_ring_area){ virtq_avail_bytes(size), VIRTQ_AVAIL_ALIGN };
		g->device = (struct vq_ring_area){ virtq_used_bytes(size), VIRTQ_USED_ALIGN };
	}
}

bool vq_size_valid(uint32_t size, bool packed)
{
	if (!size || size > VIRTQ_SIZE_MAX)
		return false;
	return packed || !(size & (size - 1));
}

void vq_dev_vreport(vq_dev_t *vq, enum vc_severity sev, const char *clause, uint32_t head,
		    const char *fmt, va_list ap)
{
	struct vc_violation v;

	vc_violation_vset(&v, sev, clause, vq->cfg.index, head, fmt, ap);
	v.avail_idx = vq->last_avail;
	if (sev == VC_SEV_FATAL)
		vq->broken = true;
	if (vq->sink)
		vq->sink(vq->owner, &v);
}

__attribute__((format(printf, 5, 6)))
static void report(vq_dev_t *vq, enum vc_severity sev, const char *clause, uint32_t head,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_dev_vreport(vq, sev, clause, head, fmt, ap);
	va_end(ap);
}

#define FAIL(vq, clause, head, ...)                                   \
	do {                                                          \
		report((vq), VC_SEV_FATAL, (clause), (head), __VA_ARGS__); \
		return VC_POP_BROKEN;                                 \
	} while (0)

static bool is_pow2(uint32_t x) { return x && !(x & (x - 1)); }

int vq_dev_enable(vq_dev_t *vq, const struct vq_cfg *cfg)
{
	uint32_t words;

	vq_dev_reset(vq);
	vq->cfg = *cfg;
	if (cfg->packed)
		return vq_packed_dev_enable(vq);
	if (!is_pow2(cfg->size) || cfg->size > VIRTQ_SIZE_MAX)
		FAIL(vq, CL_DRV_PCI_COMMON, VC_NO_INDEX,
		     "split ring queue size %u is not a power of two in 1..32768", cfg->size);
	if (cfg->desc % VIRTQ_DESC_ALIGN || cfg->driver % VIRTQ_AVAIL_ALIGN ||
	    cfg->device % VIRTQ_USED_ALIGN)
		FAIL(vq, CL_DRV_VIRTQUEUES, VC_NO_INDEX,
		     "misaligned ring parts: desc 0x%llx (16), driver 0x%llx (2), device 0x%llx (4)",
		     (unsigned long long)cfg->desc, (unsigned long long)cfg->driver,
		     (unsigned long long)cfg->device);
	/* Both rings are read by the device; only the used ring is written. */
	vq->desc = gm_translate(vq->mem, cfg->desc, virtq_desc_bytes(cfg->size), GM_READ);
	vq->avail = gm_translate(vq->mem, cfg->driver, virtq_avail_bytes(cfg->size), GM_READ);
	vq->used = gm_translate(vq->mem, cfg->device, virtq_used_bytes(cfg->size),
				GM_READ | GM_WRITE);
	if (!vq->desc || !vq->avail || !vq->used)
		FAIL(vq, CL_DRV_VIRTQUEUES, VC_NO_INDEX,
		     "ring part outside guest memory: desc 0x%llx, driver 0x%llx, device 0x%llx",
		     (unsigned long long)cfg->desc, (unsigned long long)cfg->driver,
		     (unsigned long long)cfg->device);
	words = (cfg->size + 63) / 64;
	vq->segs = vq_zalloc(2u * cfg->size, sizeof(*vq->segs));
	vq->inflight = vq_zalloc(words, sizeof(*vq->inflight));
	vq->writable = vq_zalloc(cfg->size, sizeof(*vq->writable));
	if (cfg->in_order) {
		vq->order = vq_zalloc(cfg->size, sizeof(*vq->order));
		vq->staged = vq_zalloc(cfg->size, sizeof(*vq->staged));
	}
	if (!vq->segs || !vq->inflight || !vq->writable ||
	    (cfg->in_order && (!vq->order || !vq->staged))) {
		release_arrays(vq);
		report(vq, VC_SEV_FATAL, CL_HARNESS_LIMIT, VC_NO_INDEX, "out of host memory");
		return -1;
	}
	vq->enabled = true;
	return 0;
}

static bool inflight_test(const vq_dev_t *vq, uint32_t head)
{
	return (vq->inflight[head / 64] >> (head % 64)) & 1u;
}

static void inflight_set(vq_dev_t *vq, uint32_t head, bool on)
{
	if (on)
		vq->inflight[head / 64] |= 1ull << (head % 64);
	else
		vq->inflight[head / 64] &= ~(1ull << (head % 64));
}

/* Keep the driver notifying us: avail_event tracks what we consumed. */
static void publish_avail_event(vq_dev_t *vq)
{
	if (vq->cfg.packed) {
		vq_packed_dev_publish_avail_event(vq);
		return;
	}
	if (vq->cfg.event_idx && vq->notify_wanted)
		le16_store_release(virtq_avail_event(vq->used, vq->cfg.size), vq->last_avail);
}

void vq_dev_set_notify(vq_dev_t *vq, bool enable)
{
	vq->notify_wanted = enable;
	if (!vq->enabled)
		return;
	if (vq->cfg.packed)
		vq_packed_dev_set_notify(vq, enable);
	else if (vq->cfg.event_idx)
		publish_avail_event(vq);
	else
		le16_store_release(&vq->used->flags, enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
}

struct desc_copy {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* One read of a descriptor at any alignment (indirect tables have no
 * alignment rule); only the local copy is decoded. */
static inline void desc_load(const uint8_t *p, struct desc_copy *c)
{
	struct virtq_desc d;

	memcpy(&d, p, sizeof(d));
	__asm__ __volatile__("" ::: "memory"); /* no re-reads of p */
	c->addr = le64_to_cpu(d.addr);
	c->len = le32_to_cpu(d.len);
	c->flags = le16_to_cpu(d.flags);
	c->next = le16_to_cpu(d.next);
}

/* the split layout (the packed one is dispatched before), with avail idx
 * as just loaded (acquire) */
static __attribute__((noinline))
int split_pop_idx(vq_dev_t *vq, struct vc_elem *elem, uint16_t avail_idx)
{
	const uint32_t size = vq->cfg.size;
	const uint8_t *table;
	uint32_t table_n, i, count = 0, nseg = 0, n_w = 0;
	uint64_t rbytes = 0, wbytes = 0;
	bool in_indirect = false, seen_write = false;
	uint16_t dist, head16;
	uint32_t head;

	dist = (uint16_t)(avail_idx - vq->last_avail);
	if (dist == 0) {
		publish_avail_event(vq);
		return VC_POP_EMPTY;
	}
	if (dist > size)
		FAIL(vq, CL_DRV_AVAIL, VC_NO_INDEX,
		     "avail idx %u is %u entries past the last consumed %u; queue size is %u",
		     avail_idx, dist, vq->last_avail, size);

	head16 = le16_load_once(&vq->avail->ring[vq->last_avail & (size - 1)]);
	head = head16;
	if (head >= size)
		FAIL(vq, CL_DRV_AVAIL, head, "avail ring entry %u names head %u; queue size is %u",
		     vq->last_avail & (size - 1), head, size);
	if (inflight_test(vq, head))
		FAIL(vq, CL_DRV_CLEANUP, head, "head %u made available again while still in flight",
		     head);

	table = (const uint8_t *)vq->desc;
	table_n = size;
	i = head;
	for (;;) {
		struct desc_copy d;
		const char *chain_clause = in_indirect ? CL_DRV_INDIRECT : CL_DRV_DESC;

		/* a chain longer than the queue size cannot be loop-free */
		if (++count > size)
			FAIL(vq, chain_clause, head,
			     "%s chain from head %u longer than the queue size %u (loop?)",
			     in_indirect ? "indirect" : "descriptor", head, size);
		desc_load(table + (size_t)i * sizeof(struct virtq_desc), &d);
		vq->stats.descs_walked++;

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (in_indirect)
				FAIL(vq, CL_DRV_INDIRECT, head,
				     "INDIRECT descriptor %u inside an indirect table", i);
			if (!vq->cfg.indirect)
				FAIL(vq, CL_DRV_INDIRECT, head,
				     "INDIRECT descriptor %u but VIRTIO_F_INDIRECT_DESC not negotiated", i);
			if (d.flags & VIRTQ_DESC_F_NEXT)
				FAIL(vq, CL_DRV_INDIRECT, head,
				     "descriptor %u has both INDIRECT and NEXT", i);
			if (d.len == 0 || d.len % sizeof(struct virtq_desc))
				FAIL(vq, CL_DRV_INDIRECT, head,
				     "indirect table length %u is not a non-zero multiple of 16", d.len);
			/* the WRITE flag of this descriptor is ignored (devicenormative) */
			table = gm_translate(vq->mem, d.addr, d.len, GM_READ);
			if (!table)
				FAIL(vq, CL_DRV_INDIRECT, head,
				     "indirect table 0x%llx+%u not inside guest memory",
				     (unsigned long long)d.addr, d.len);
			table_n = d.len / sizeof(struct virtq_desc);
			in_indirect = true;
			count = 0;
			i = 0;
			continue;
		}

		if (d.flags & VIRTQ_DESC_F_WRITE)
			seen_write = true;
		else if (seen_write)
			FAIL(vq, CL_DRV_FRAMING, head,
			     "device-readable descriptor %u follows a device-writable one", i);

		if (d.len) {
			if (!gm_range_ok(vq->mem, d.addr, d.len))
				FAIL(vq, chain_clause, head,
				     "descriptor %u buffer 0x%llx+%u not inside guest memory", i,
				     (unsigned long long)d.addr, d.len);
			vq->segs[nseg].gpa = d.addr;
			vq->segs[nseg].len = d.len;
			vq->segs[nseg].writable = !!(d.flags & VIRTQ_DESC_F_WRITE);
			nseg++;
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				wbytes += d.len;
				n_w++;
			} else {
				rbytes += d.len;
			}
			if (rbytes + wbytes > (1ull << 32))
				FAIL(vq, chain_clause, head,
				     "chain from head %u totals more than 2^32 bytes", head);
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_n)
			FAIL(vq, chain_clause, head, "descriptor %u next %u out of range (%u entries)",
			     i, d.next, table_n);
		/* drivernormative: Descriptor Table / Indirect Descriptors --
		 * with IN_ORDER, descriptor x links to x + 1 (0 after the last
		 * slot of the table) */
		if (vq->cfg.in_order && d.next != (i + 1) % table_n)
			FAIL(vq, chain_clause, head,
			     "IN_ORDER: %s descriptor %u links to %u, not %u",
			     in_indirect ? "indirect" : "chained", i, d.next, (i + 1) % table_n);
		i = d.next;
	}

	inflight_set(vq, head, true);
	vq->writable[head] = wbytes;
	vq->n_inflight++;
	if (vq->cfg.in_order)
		vq_order_push(vq->order, size, vq->order_head, &vq->order_n, (uint16_t)head);
	vq->last_avail++;
	vq->stats.popped++;
	publish_avail_event(vq);

	elem->head = head;
	elem->n_readable = nseg - n_w;
	elem->n_writable = n_w;
	elem->reserved = 0;
	elem->readable_bytes = rbytes;
	elem->writable_bytes = wbytes;
	elem->segs = vq->segs;
	return VC_POP_OK;
}

static int split_dev_pop(vq_dev_t *vq, struct vc_elem *elem)
{
	return split_pop_idx(vq, elem, le16_load_acquire(&vq->avail->idx));
}

int vq_dev_pop(vq_dev_t *vq, struct vc_elem *elem)
{
	if (!vq->enabled || vq->broken)
		return VC_POP_BROKEN;
	if (vq->cfg.packed)
		return vq_packed_dev_pop(vq, elem);
	return split_dev_pop(vq, elem);
}

/*
 * vq_dev_pop_batch(), split layout: avail idx is read and judged once; then
 * each head whose chain is one plain descriptor is accepted when every check
 * of split_dev_pop() passes on the fields read once (head in range and not
 * in flight; neither NEXT nor INDIRECT; a non-empty buffer inside guest
 * memory). Anything else ends the loop before that avail entry; when it is
 * the first, split_pop_idx() judges it afresh, from the same avail idx.
 */
static int split_dev_pop_batch(vq_dev_t *vq, struct vc_elem *elem, unsigned max)
{
	const uint32_t size = vq->cfg.size, mask = size - 1;
	const bool in_order = vq->cfg.in_order;
	const le16 *ring = vq->avail->ring;
	const struct virtq_desc *table = vq->desc;
	uint64_t *inflight = vq->inflight, *writable = vq->writable;
	struct vc_seg *segs = vq->segs;
	struct gm_window win = { 0, 0 };
	const uint16_t last = vq->last_avail;
	uint16_t avail_idx, dist;
	unsigned k;

	avail_idx = le16_load_acquire(&vq->avail->idx);
	dist = (uint16_t)(avail_idx - last);
	/* nothing available, or more than the ring holds: split_pop_idx()
	 * publishes the event or reports */
	if (dist == 0 || dist > size)
		return split_pop_idx(vq, elem, avail_idx);
	if (max > dist)
		max = dist;
	for (k = 0; k < max; k++) {
		uint32_t head = le16_load_once(&ring[(last + k) & mask]);
		uint64_t bit;
		struct desc_copy d;
		uint32_t w;

		if (head >= size)
			break;
		bit = 1ull << (head % 64);
		if (inflight[head / 64] & bit)
			break;
		/* the main table is 16-byte aligned: each field read once */
		d.addr = le64_load_once(&table[head].addr);
		d.len = le32_load_once(&table[head].len);
		d.flags = le16_load_once(&table[head].flags);
		if ((d.flags & (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT)) || !d.len)
			break;
		if (!gm_window_has(&win, d.addr, d.len) &&
		    !gm_window_of(vq->mem, d.addr, d.len, &win))
			break;
		w = !!(d.flags & VIRTQ_DESC_F_WRITE);
		inflight[head / 64] |= bit;
		writable[head] = w ? d.len : 0;
		if (in_order)
			vq_order_push(vq->order, size, vq->order_head, &vq->order_n, (uint16_t)head);
		segs[k].gpa = d.addr;
		segs[k].len = d.len;
		segs[k].writable = w;
		elem[k].head = head;
		elem[k].n_readable = !w;
		elem[k].n_writable = w;
		elem[k].reserved = 0;
		elem[k].readable_bytes = w ? 0 : d.len;
		elem[k].writable_bytes = w ? d.len : 0;
		elem[k].segs = &segs[k];
	}
	/* the one-buffer pop judges the first entry, from the same idx */
	if (!k)
		return split_pop_idx(vq, elem, avail_idx);
	vq->n_inflight += k;
	vq->last_avail = (uint16_t)(last + k);
	vq->stats.popped += k;
	vq->stats.descs_walked += k;
	publish_avail_event(vq);
	return (int)k;
}

int vq_dev_pop_batch(vq_dev_t *vq, struct vc_elem *elem, unsigned max)
{
	if (!vq->enabled || vq->broken)
		return VC_POP_BROKEN;
	if (!max)
		return 0;
	if (vq->cfg.packed)
		return vq_packed_dev_pop_batch(vq, elem, max);
	return split_dev_pop_batch(vq, elem, max);
}

static void write_staged(vq_dev_t *vq);

/* devicenormative: Reserved Feature Bits -- with IN_ORDER, buffers are used
 * in the order they were made available. The entry is written by flush,
 * which may batch it with the ones after it. */
static int stage_in_order(vq_dev_t *vq, uint32_t head, uint32_t written)
{
	uint16_t oldest = vq->order[vq->order_head];

	if (head != oldest) {
		report(vq, VC_SEV_RECORD, CL_DEV_RESERVED, head,
		       "IN_ORDER: device returned head %u before head %u, which was made available first",
		       head, oldest);
		return -1;
	}
	/* A pushed head is free to be made available again before flush
	 * publishes it, so a driver that recycles heads can have the device
	 * push more than the queue size between two flushes: the staging
	 * array (size entries) is then written to the used ring now, and
	 * flush only publishes. Batching stops at that boundary, which 2.7.9
	 * allows. (fuzz_vq_batch found the overflow this prevents.) */
	if (vq->n_staged == vq->cfg.size)
		write_staged(vq);
	vq->staged[vq->n_staged++] = (struct vq_staged){
		.id = head, .written = written, .complete = written == vq->writable[head],
	};
	vq->order_head = (vq->order_head + 1) % vq->cfg.size;
	vq->order_n--;
	inflight_set(vq, head, false);
	vq->n_inflight--;
	vq->stats.pushed++;
	return 0;
}

/* One used ring entry per batch, at the offset of the batch's first buffer;
 * used idx advances by the batch size (2.7.9). */
static void write_staged(vq_dev_t *vq)
{
	uint32_t n = vq_staged_batch(vq->staged, vq->n_staged, true), g;

	for (g = 0; g < n; g++) {
		struct virtq_used_elem *u = &vq->used->ring[vq->used_idx & (vq->cfg.size - 1)];

		le32_store_once(&u->id, vq->staged[g].id);
		le32_store_once(&u->len, vq->staged[g].written);
		vq->used_idx = (uint16_t)(vq->used_idx + vq->staged[g].nbufs);
		vq->stats.used_entries++;
	}
	vq->n_staged = 0;
}

/* the split layout (the packed one is dispatched before) */
static __attribute__((noinline))
int split_dev_push(vq_dev_t *vq, uint32_t head, uint32_t written)
{
	struct virtq_used_elem *u;

	if (head >= vq->cfg.size || !inflight_test(vq, head)) {
		report(vq, VC_SEV_RECORD, CL_DEV_USED, head,
		       "device returned id %u, which is not an outstanding head", head);
		return -1;
	}
	if (written > vq->writable[head]) {
		report(vq, VC_SEV_RECORD, CL_DEV_USED, head,
		       "device reports %u bytes written to head %u, which has %llu writable", written,
		       head, (unsigned long long)vq->writable[head]);
		return -1;
	}
	if (vq->cfg.in_order)
		return stage_in_order(vq, head, written);
	u = &vq->used->ring[vq->used_idx & (vq->cfg.size - 1)];
	le32_store_once(&u->id, head);
	le32_store_once(&u->len, written); /* len before idx: published by flush */
	vq->used_idx++;
	vq->stats.used_entries++;
	inflight_set(vq, head, false);
	vq->n_inflight--;
	vq->stats.pushed++;
	return 0;
}

int vq_dev_push(vq_dev_t *vq, uint32_t head, uint32_t written)
{
	if (!vq->enabled || vq->broken)
		return -1;
	if (vq->cfg.packed)
		return vq_packed_dev_push(vq, head, written);
	return split_dev_push(vq, head, written);
}

/* The tight loop of vq_dev_push_batch(), split layout: the checks of
 * split_dev_push() without IN_ORDER; returns how many it took from the
 * front of used. */
static unsigned split_push_run(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n)
{
	const uint32_t size = vq->cfg.size, mask = size - 1;
	struct virtq_used_elem *ring = vq->used->ring;
	uint64_t *inflight = vq->inflight;
	const uint64_t *writable = vq->writable;
	uint16_t used_idx = vq->used_idx;
	unsigned k;

	for (k = 0; k < n; k++) {
		const uint32_t head = used[k].head, written = used[k].written;
		struct virtq_used_elem *u;
		uint64_t bit;

		if (head >= size)
			break;
		bit = 1ull << (head % 64);
		if (!(inflight[head / 64] & bit) || written > writable[head])
			break;
		u = &ring[used_idx & mask];
		le32_store_once(&u->id, head);
		le32_store_once(&u->len, written); /* published by flush */
		used_idx++;
		inflight[head / 64] &= ~bit;
	}
	vq->used_idx = used_idx;
	vq->n_inflight -= k;
	vq->stats.used_entries += k;
	vq->stats.pushed += k;
	return k;
}

/*
 * vq_dev_push_batch(), split layout without in_order: runs of
 * split_push_run(); what it stops at goes to split_dev_push(), which
 * records the refusal that ends the batch.
 */
static unsigned split_dev_push_batch(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n)
{
	unsigned k = 0;

	while (k < n) {
		k += split_push_run(vq, used + k, n - k);
		if (k == n)
			break;
		if (split_dev_push(vq, used[k].head, used[k].written))
			break;
		k++;
	}
	return k;
}

unsigned vq_dev_push_batch(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n)
{
	unsigned k;

	if (!vq->enabled || vq->broken)
		return 0;
	if (vq->cfg.in_order) {
		/* buffer by buffer, either layout: the order check and the
		 * staging for flush's batching are vq_dev_push()'s */
		for (k = 0; k < n; k++)
			if (vq_dev_push(vq, used[k].head, used[k].written))
				break;
		return k;
	}
	if (vq->cfg.packed)
		return vq_packed_dev_push_batch(vq, used, n);
	return split_dev_push_batch(vq, used, n);
}

/* The release store of used idx orders the elements written before it. */
static void vq_dev_publish_used(vq_dev_t *vq)
{
	le16_store_release(&vq->used->idx, vq->used_idx);
	vq->used_published = vq->used_idx;
}

/* the split layout (the packed one is dispatched before) */
static __attribute__((noinline))
bool split_dev_flush(vq_dev_t *vq)
{
	uint16_t old, now, flags;
	bool need;

	if (vq->enabled && !vq->broken && vq->n_staged)
		write_staged(vq);
	old = vq->used_published;
	now = vq->used_idx;
	if (!vq->enabled || vq->broken || old == now)
		return false;
	vq_dev_publish_used(vq);
	/* idx must be visible before we read the driver's suppression fields */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16_load_once(&vq->avail->flags);
	if (vq->cfg.event_idx) {
		uint16_t ev = le16_load_once(virtq_used_event(vq->avail, vq->cfg.size));

		if (flags != 0 && !vq->suppr_flags_reported) {
			vq->suppr_flags_reported = true;
			report(vq, VC_SEV_RECORD, CL_DRV_USED_SUPPR, VC_NO_INDEX,
			       "avail flags 0x%x with VIRTIO_F_EVENT_IDX negotiated (must be 0)", flags);
		}
		need = virtq_need_event(ev, now, old);
	} else {
		if ((flags & ~VIRTQ_AVAIL_F_NO_INTERRUPT) && !vq->suppr_flags_reported) {
			vq->suppr_flags_reported = true;
			report(vq, VC_SEV_RECORD, CL_DRV_USED_SUPPR, VC_NO_INDEX,
			       "avail flags 0x%x without VIRTIO_F_EVENT_IDX (must be 0 or 1)", flags);
		}
		need = !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (need)
		vq->stats.notifications++;
	return need;
}

bool vq_dev_flush(vq_dev_t *vq)
{
	if (vq->cfg.packed)
		return vq_packed_dev_flush(vq);
	return split_dev_flush(vq);
}

static uint64_t elem_copy(gm_view_t *mem, const struct vc_elem *e, bool to_guest, uint64_t off,
			  void *host, uint64_t len)
{
	uint32_t first = to_guest ? e->n_readable : 0;
	uint32_t n = to_guest ? e->n_writable : e->n_readable;
	uint64_t done = 0;
	uint32_t k;

	for (k = first; k < first + n && done < len; k++) {
		const struct vc_seg *s = &e->segs[k];
		uint64_t chunk;
		uint8_t *p;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		chunk = s->len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_guest != !!s->writable)
			break; /* an element altered by the device: never cross directions */
		p = gm_translate(mem, s->gpa + off, chunk, to_guest ? GM_WRITE : GM_READ);
		if (!p)
			break;
		if (to_guest)
			memcpy(p, (uint8_t *)host + done, chunk);
		else
			memcpy((uint8_t *)host + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

uint64_t vq_elem_read(gm_view_t *mem, const struct vc_elem *e, uint64_t off, void *dst,
		      uint64_t len)
{
	return elem_copy(mem, e, false, off, dst, len);
}

uint64_t vq_elem_write(gm_view_t *mem, const struct vc_elem *e, uint64_t off, const void *src,
		       uint64_t len)
{
	return elem_copy(mem, e, true, off, (void *)(uintptr_t)src, len);
}
