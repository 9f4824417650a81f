// SPDX-License-Identifier: Apache-2.0
/*
 * Packed virtqueue, device side (VIRTIO 1.2 2.8). Reached through the vq_dev_*
 * entry points of vq_split_dev.c when cfg.packed is set.
 *
 * The device polls one slot: the next one after the last buffer it read. A
 * descriptor there is available when its AVAIL bit equals the Driver Ring
 * Wrap Counter the device tracks and its USED bit does not. The head's flags
 * are loaded first with acquire semantics (the barrier), then the other
 * fields, each once, into locals; only the locals are checked and used. The
 * buffer id is the one in the list's last descriptor. Used descriptors are
 * written at the device's own used slot, which skips as many slots as the
 * buffer occupied; their flags are stored last, with release semantics.
 *
 * Buffer ids are the driver's choice among 16-bit values (2.8.13 sets no
 * range); an id must only not name a buffer still outstanding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_priv.h"
#include "virtiocheck/clause.h"

__attribute__((format(printf, 5, 6)))
static void report(vq_dev_t *vq, enum vc_severity sev, const char *clause, uint32_t id,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_dev_vreport(vq, sev, clause, id, fmt, ap);
	va_end(ap);
}

#define FAIL(vq, clause, id, ...)                                   \
	do {                                                        \
		report((vq), VC_SEV_FATAL, (clause), (id), __VA_ARGS__); \
		return VC_POP_BROKEN;                               \
	} while (0)

/* ------------------------------------------------------ outstanding ids */

/*
 * Each id has one home: ids below the queue size (what drivers use in
 * practice) index a flat array placed after the hash table; larger ids go
 * to the open-addressing hash table. So "is this id outstanding" is one
 * probe of one place, whichever the id.
 */
static inline struct vq_id_entry *id_direct(const vq_dev_t *vq)
{
	return vq->ids + vq->ids_mask + 1;
}

static uint32_t id_hash(const vq_dev_t *vq, uint16_t id)
{
	return ((uint32_t)id * 40503u >> 4) & vq->ids_mask;
}

static inline struct vq_id_entry *id_find(vq_dev_t *vq, uint16_t id)
{
	uint32_t i, n;

	if (id < vq->cfg.size) {
		struct vq_id_entry *e = &id_direct(vq)[id];

		return e->used ? e : NULL;
	}
	i = id_hash(vq, id);
	/* the table is never full: at most size ids, 2 * size entries */
	for (n = 0; n <= vq->ids_mask; n++, i = (i + 1) & vq->ids_mask) {
		if (!vq->ids[i].used)
			return NULL;
		if (vq->ids[i].id == id)
			return &vq->ids[i];
	}
	return NULL;
}

/* Record id as outstanding in one probe of the table: false (and nothing
 * recorded) when it already is. */
static inline bool id_claim(vq_dev_t *vq, uint16_t id, uint16_t ndesc, uint64_t writable)
{
	uint32_t i;

	if (id < vq->cfg.size) {
		struct vq_id_entry *e = &id_direct(vq)[id];

		if (e->used)
			return false;
		e->writable = writable;
		e->id = id;
		e->ndesc = ndesc;
		e->used = true;
		return true;
	}
	/* the table is never full: at most size ids, 2 * size entries */
	for (i = id_hash(vq, id); vq->ids[i].used; i = (i + 1) & vq->ids_mask)
		if (vq->ids[i].id == id)
			return false;
	vq->ids[i] = (struct vq_id_entry){ .writable = writable, .id = id, .ndesc = ndesc,
					   .used = true };
	return true;
}

/* linear probing removal: shift back later entries of the cluster */
static void id_remove(vq_dev_t *vq, struct vq_id_entry *e)
{
	uint32_t hole, i;

	e->used = false;
	if (e->id < vq->cfg.size)
		return; /* a direct entry: no cluster */
	hole = (uint32_t)(e - vq->ids);
	i = hole;
	for (;;) {
		uint32_t home;

		i = (i + 1) & vq->ids_mask;
		if (!vq->ids[i].used)
			return;
		home = id_hash(vq, vq->ids[i].id);
		/* move it when its home is not in (hole, i] circularly */
		if (((i - home) & vq->ids_mask) >= ((i - hole) & vq->ids_mask)) {
			vq->ids[hole] = vq->ids[i];
			vq->ids[i].used = false;
			hole = i;
		}
	}
}

/* ------------------------------------------------------------- enable */

int vq_packed_dev_enable(vq_dev_t *vq)
{
	const struct vq_cfg *cfg = &vq->cfg;
	uint32_t cap = 2;

	if (!vq_size_valid(cfg->size, true))
		FAIL(vq, CL_DRV_PCI_COMMON, VC_NO_INDEX,
		     "packed ring queue size %u is not in 1..32768", cfg->size);
	/* drivernormative: Packed Virtqueues -- each part at its alignment */
	if (cfg->desc % PVIRTQ_DESC_ALIGN || cfg->driver % PVIRTQ_EVENT_ALIGN ||
	    cfg->device % PVIRTQ_EVENT_ALIGN)
		FAIL(vq, CL_DRV_PACKED, VC_NO_INDEX,
		     "misaligned packed ring parts: desc 0x%llx (16), driver 0x%llx (4), device 0x%llx (4)",
		     (unsigned long long)cfg->desc, (unsigned long long)cfg->driver,
		     (unsigned long long)cfg->device);
	/* the device writes used descriptors into the ring and its own event
	 * suppression structure; it only reads the driver's */
	vq->ring = gm_translate(vq->mem, cfg->desc, pvirtq_desc_bytes(cfg->size),
				GM_READ | GM_WRITE);
	vq->drv_event = gm_translate(vq->mem, cfg->driver, pvirtq_event_bytes(), GM_READ);
	vq->dev_event = gm_translate(vq->mem, cfg->device, pvirtq_event_bytes(),
				     GM_READ | GM_WRITE);
	if (!vq->ring || !vq->drv_event || !vq->dev_event)
		FAIL(vq, CL_DRV_PACKED, VC_NO_INDEX,
		     "packed ring part outside guest memory: desc 0x%llx, driver 0x%llx, device 0x%llx",
		     (unsigned long long)cfg->desc, (unsigned long long)cfg->driver,
		     (unsigned long long)cfg->device);
	while (cap < 2u * cfg->size)
		cap <<= 1;
	vq->segs = vq_zalloc(2u * cfg->size, sizeof(*vq->segs));
	/* the hash table, then the direct entries (one block: reset frees it) */
	vq->ids = vq_zalloc((size_t)cap + cfg->size, sizeof(*vq->ids));
	vq->order = vq_zalloc(cfg->size, sizeof(*vq->order));
	vq->staged = vq_zalloc(cfg->size, sizeof(*vq->staged));
	if (!vq->segs || !vq->ids || !vq->order || !vq->staged) {
		report(vq, VC_SEV_FATAL, CL_HARNESS_LIMIT, VC_NO_INDEX, "out of host memory");
		return -1;
	}
	vq->ids_mask = cap - 1;
	vq->avail_wrap = true; /* 2.8.1: both wrap counters start at 1 */
	vq->used_wrap = true;
	vq->enabled = true;
	return 0;
}

/* ------------------------------------------------- available buffers */

/* the device event suppression structure: where the device wants to hear
 * about the next available descriptor */
void vq_packed_dev_publish_avail_event(vq_dev_t *vq)
{
	if (!vq->cfg.event_idx || !vq->notify_wanted)
		return;
	le16_store_once(&vq->dev_event->off_wrap, pvirtq_off_wrap(vq->last_avail, vq->avail_wrap));
	le16_store_release(&vq->dev_event->flags, RING_EVENT_FLAGS_DESC);
}

void vq_packed_dev_set_notify(vq_dev_t *vq, bool enable)
{
	if (enable && vq->cfg.event_idx)
		vq_packed_dev_publish_avail_event(vq);
	else
		le16_store_release(&vq->dev_event->flags,
				   enable ? RING_EVENT_FLAGS_ENABLE : RING_EVENT_FLAGS_DISABLE);
}

struct pdesc_copy {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

/* the fields after flags, each read once (flags were read first) */
static void pdesc_load_rest(const struct pvirtq_desc *p, struct pdesc_copy *c)
{
	c->addr = le64_load_once(&p->addr);
	c->len = le32_load_once(&p->len);
	c->id = le16_load_once(&p->id);
}

/* an indirect table entry: one read at any alignment */
static void pdesc_load_table(const uint8_t *p, struct pdesc_copy *c)
{
	struct pvirtq_desc d;

	memcpy(&d, p, sizeof(d));
	__asm__ __volatile__("" ::: "memory"); /* no re-reads of p */
	c->addr = le64_to_cpu(d.addr);
	c->len = le32_to_cpu(d.len);
	c->id = le16_to_cpu(d.id);
	c->flags = le16_to_cpu(d.flags);
}

struct walk {
	uint32_t nseg, n_w;
	uint64_t rbytes, wbytes;
	bool seen_write;
};

/* One buffer element. 0, or -1 after a violation was reported. */
static inline int add_segment(vq_dev_t *vq, struct walk *w, const struct pdesc_copy *d, bool writable,
		       const char *where_clause, uint32_t pos, bool in_table)
{
	uint64_t *sum = writable ? &w->wbytes : &w->rbytes;

	/* drivernormative: Scatter-Gather Support -- device-writable
	 * elements after all device-readable ones */
	if (writable) {
		w->seen_write = true;
	} else if (w->seen_write) {
		report(vq, VC_SEV_FATAL, CL_DRV_PSG, d->id,
		       "device-readable %s %u follows a device-writable one",
		       in_table ? "indirect table entry" : "descriptor in slot", pos);
		return -1;
	}
	if (!d->len)
		return 0; /* counts toward the list, produces no segment */
	if (!gm_range_ok(vq->mem, d->addr, d->len)) {
		report(vq, VC_SEV_FATAL, where_clause, d->id,
		       "%s %u buffer 0x%llx+%u not inside guest memory",
		       in_table ? "indirect table entry" : "descriptor in slot", pos,
		       (unsigned long long)d->addr, d->len);
		return -1;
	}
	/* at most 2 * 32768 lengths below 2^32 each: cannot overflow, but
	 * the sum is checked like every guest-driven sum */
	if (__builtin_add_overflow(*sum, (uint64_t)d->len, sum)) {
		report(vq, VC_SEV_FATAL, where_clause, d->id, "buffer length overflows");
		return -1;
	}
	vq->segs[w->nseg].gpa = d->addr;
	vq->segs[w->nseg].len = d->len;
	vq->segs[w->nseg].writable = writable;
	w->nseg++;
	if (writable)
		w->n_w++;
	return 0;
}

/* The indirect table of one buffer (2.8.7): entries in table order; only
 * WRITE is meaningful, NEXT and the id are reserved and ignored, INDIRECT is
 * forbidden. 0, or -1 after a violation. */
static int walk_indirect(vq_dev_t *vq, struct walk *w, const struct pdesc_copy *d)
{
	const uint32_t size = vq->cfg.size;
	const uint8_t *table;
	uint32_t n, k;

	/* drivernormative: Packed Virtqueues / Indirect Descriptors */
	if (!vq->cfg.indirect) {
		report(vq, VC_SEV_FATAL, CL_DRV_PINDIRECT, d->id,
		       "INDIRECT descriptor but VIRTIO_F_INDIRECT_DESC not negotiated");
		return -1;
	}
	if (d->len == 0 || d->len % sizeof(struct pvirtq_desc)) {
		report(vq, VC_SEV_FATAL, CL_DRV_PINDIRECT, d->id,
		       "indirect table length %u is not a non-zero multiple of 16", d->len);
		return -1;
	}
	n = d->len / sizeof(struct pvirtq_desc);
	/* the device allows no longer list than the queue size (2.8.5) */
	if (n > size) {
		report(vq, VC_SEV_FATAL, CL_DRV_PINDIRECT, d->id,
		       "indirect table of %u descriptors is longer than the queue size %u", n,
		       size);
		return -1;
	}
	table = gm_translate(vq->mem, d->addr, d->len, GM_READ);
	if (!table) {
		report(vq, VC_SEV_FATAL, CL_DRV_PINDIRECT, d->id,
		       "indirect table 0x%llx+%u not inside guest memory",
		       (unsigned long long)d->addr, d->len);
		return -1;
	}
	for (k = 0; k < n; k++) {
		struct pdesc_copy e;

		pdesc_load_table(table + (size_t)k * sizeof(struct pvirtq_desc), &e);
		vq->stats.descs_walked++;
		e.id = d->id; /* reserved inside a table: report the buffer's id */
		if (e.flags & VIRTQ_DESC_F_INDIRECT) {
			report(vq, VC_SEV_FATAL, CL_DRV_PINDIRECT, d->id,
			       "INDIRECT flag on entry %u inside an indirect table", k);
			return -1;
		}
		if (add_segment(vq, w, &e, !!(e.flags & VIRTQ_DESC_F_WRITE), CL_DRV_PINDIRECT, k,
				true))
			return -1;
	}
	return 0;
}

/* The walk is done: claim the buffer id, move past the list, fill elem. */
static inline int pop_finish(vq_dev_t *vq, struct vc_elem *elem, const struct walk *w,
			     uint16_t id, uint32_t count, uint16_t slot, bool wrap)
{
	if (!id_claim(vq, id, (uint16_t)count, w->wbytes))
		FAIL(vq, CL_DRV_PDESC, id,
		     "buffer id %u made available again while still outstanding", id);
	if (vq->cfg.in_order)
		vq_order_push(vq->order, vq->cfg.size, vq->order_head, &vq->order_n, id);
	vq->ring_busy += count;
	vq->n_inflight++;
	vq->last_avail = slot;
	vq->avail_wrap = wrap;
	vq->stats.popped++;
	vq_packed_dev_publish_avail_event(vq);

	elem->head = id;
	elem->n_readable = w->nseg - w->n_w;
	elem->n_writable = w->n_w;
	elem->reserved = 0;
	elem->readable_bytes = w->rbytes;
	elem->writable_bytes = w->wbytes;
	elem->segs = vq->segs;
	return VC_POP_OK;
}

/*
 * The common shape: one descriptor, neither NEXT nor INDIRECT. The same
 * checks as the first round of pop_list() (the list cap holds trivially for
 * one descriptor), with the same clauses and messages.
 */
static inline int pop_one(vq_dev_t *vq, struct vc_elem *elem, uint16_t flags)
{
	const uint32_t size = vq->cfg.size;
	const uint16_t cur = vq->last_avail;
	uint16_t slot = (uint16_t)(cur + 1);
	bool wrap = vq->avail_wrap;
	struct walk w = { 0 };
	struct pdesc_copy d;

	/* drivernormative: PAcked / Descriptor Table -- a slot still held by
	 * an outstanding buffer was made available again */
	if (vq->ring_busy + 1 > size)
		FAIL(vq, CL_DRV_PDESC, VC_NO_INDEX,
		     "list from slot %u runs into slots of %u outstanding descriptors (queue size %u)",
		     cur, vq->ring_busy, size);
	d.flags = flags;
	pdesc_load_rest(&vq->ring[cur], &d);
	vq->stats.descs_walked++;
	if (slot == size) {
		slot = 0;
		wrap = !wrap;
	}
	if (add_segment(vq, &w, &d, !!(flags & VIRTQ_DESC_F_WRITE), CL_DRV_PDESC, cur, false))
		return VC_POP_BROKEN;
	return pop_finish(vq, elem, &w, d.id, 1, slot, wrap);
}

/* Any other list: NEXT-linked descriptors or one INDIRECT descriptor. flags
 * are the first descriptor's, already loaded (acquire) and available. */
static __attribute__((noinline)) int pop_list(vq_dev_t *vq, struct vc_elem *elem, uint16_t flags)
{
	const uint32_t size = vq->cfg.size;
	const uint16_t first = vq->last_avail;
	uint16_t slot = first, id;
	bool wrap = vq->avail_wrap;
	struct walk w = { 0 };
	uint32_t count = 0;

	for (;;) {
		struct pdesc_copy d;
		const uint16_t cur = slot; /* this descriptor's slot */

		/* drivernormative: Scatter-Gather Support -- no list longer
		 * than the queue size; this is the loop cap */
		if (++count > size)
			FAIL(vq, CL_DRV_PSG, VC_NO_INDEX,
			     "descriptor list from slot %u is longer than the queue size %u", first,
			     size);
		/* drivernormative: PAcked / Descriptor Table -- a slot still
		 * held by an outstanding buffer was made available again */
		if (vq->ring_busy + count > size)
			FAIL(vq, CL_DRV_PDESC, VC_NO_INDEX,
			     "list from slot %u runs into slots of %u outstanding descriptors (queue size %u)",
			     first, vq->ring_busy, size);
		if (count > 1) {
			flags = le16_load_once(&vq->ring[slot].flags);
			/* drivernormative: Scatter-Gather Support -- the first
			 * descriptor is made available after the rest */
			if (!pvirtq_is_avail(flags, wrap))
				FAIL(vq, CL_DRV_PSG, VC_NO_INDEX,
				     "descriptor %u of the list from slot %u (slot %u, flags 0x%x) is not available for wrap counter %u",
				     count - 1, first, slot, flags, wrap);
		}
		d.flags = flags;
		pdesc_load_rest(&vq->ring[slot], &d);
		vq->stats.descs_walked++;
		if (++slot == size) {
			slot = 0;
			wrap = !wrap;
		}

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* drivernormative: Indirect Descriptors -- never in a
			 * NEXT-linked list */
			if (count > 1 || (d.flags & VIRTQ_DESC_F_NEXT))
				FAIL(vq, CL_DRV_PINDIRECT, d.id,
				     "INDIRECT descriptor in slot %u is part of a NEXT-linked list",
				     cur);
			/* the WRITE flag of this descriptor is ignored */
			if (walk_indirect(vq, &w, &d))
				return VC_POP_BROKEN;
			id = d.id;
			break;
		}
		if (add_segment(vq, &w, &d, !!(d.flags & VIRTQ_DESC_F_WRITE), CL_DRV_PDESC, cur,
				false))
			return VC_POP_BROKEN;
		if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
			id = d.id; /* the buffer id is in the list's last descriptor */
			break;
		}
	}
	return pop_finish(vq, elem, &w, id, count, slot, wrap);
}

/* The buffer at last_avail, whose flags were just loaded (acquire). */
static int pop_flags(vq_dev_t *vq, struct vc_elem *elem, uint16_t flags)
{
	const uint16_t slot = vq->last_avail;
	const bool wrap = vq->avail_wrap;

	if (!pvirtq_is_avail(flags, wrap)) {
		/* AVAIL == USED == the wrap counter is a used descriptor of
		 * this lap, which the device cannot have written here */
		if (pvirtq_is_used(flags, wrap))
			FAIL(vq, CL_DRV_PDESC, VC_NO_INDEX,
			     "slot %u has AVAIL and USED both %u (flags 0x%x): not a valid available descriptor for wrap counter %u",
			     slot, wrap, flags, wrap);
		vq_packed_dev_publish_avail_event(vq);
		return VC_POP_EMPTY;
	}
	if (!(flags & (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT)))
		return pop_one(vq, elem, flags);
	return pop_list(vq, elem, flags);
}

int vq_packed_dev_pop(vq_dev_t *vq, struct vc_elem *elem)
{
	/* devicenormative: Packed Virtqueues / Descriptor Table -- use a
	 * descriptor only once its AVAIL bit changed; the acquire load is the
	 * barrier before the other fields are read */
	return pop_flags(vq, elem, le16_load_acquire(&vq->ring[vq->last_avail].flags));
}

/*
 * vq_dev_pop_batch(): one-descriptor buffers, each accepted only when every
 * check pop_one() makes passes on the fields read once (available for the
 * wrap counter, neither NEXT nor INDIRECT, a slot free, the id below the
 * queue size and not outstanding, a non-empty buffer inside guest memory).
 * Anything else ends the loop before that slot; when it is the first, the
 * one-buffer pop judges it from the flags read here, reads the rest afresh
 * and reports what is wrong.
 */
int vq_packed_dev_pop_batch(vq_dev_t *vq, struct vc_elem *elem, unsigned max)
{
	const uint32_t size = vq->cfg.size;
	const bool in_order = vq->cfg.in_order;
	const uint16_t shape = VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED | VIRTQ_DESC_F_NEXT |
			       VIRTQ_DESC_F_INDIRECT;
	const struct pvirtq_desc *ring = vq->ring;
	struct vq_id_entry *direct = id_direct(vq);
	struct vc_seg *segs = vq->segs;
	struct gm_window win = { 0, 0 };
	uint16_t slot = vq->last_avail;
	bool wrap = vq->avail_wrap;
	uint16_t want = pvirtq_avail_flags(wrap);
	unsigned k, room = size - vq->ring_busy;
	uint16_t first = 0;

	if (!max)
		return 0;
	/* drivernormative: PAcked / Descriptor Table -- never more slots
	 * than the ring has: the rest is left to pop_one()'s check */
	if (max > room)
		max = room;
	for (k = 0; k < max; k++) {
		const struct pvirtq_desc *d = &ring[slot];
		uint16_t flags = le16_load_acquire(&d->flags), id;
		struct vq_id_entry *e;
		uint64_t addr;
		uint32_t len, w;

		if (!k)
			first = flags;
		if ((flags & shape) != want)
			break;
		addr = le64_load_once(&d->addr);
		len = le32_load_once(&d->len);
		id = le16_load_once(&d->id);
		if (id >= size || !len)
			break;
		e = &direct[id];
		if (e->used)
			break;
		if (!gm_window_has(&win, addr, len) && !gm_window_of(vq->mem, addr, len, &win))
			break;
		w = !!(flags & VIRTQ_DESC_F_WRITE);
		e->writable = w ? len : 0;
		e->id = id;
		e->ndesc = 1;
		e->used = true;
		if (in_order)
			vq_order_push(vq->order, size, vq->order_head, &vq->order_n, id);
		segs[k].gpa = addr;
		segs[k].len = len;
		segs[k].writable = w;
		elem[k].head = id;
		elem[k].n_readable = !w;
		elem[k].n_writable = w;
		elem[k].reserved = 0;
		elem[k].readable_bytes = w ? 0 : len;
		elem[k].writable_bytes = w ? len : 0;
		elem[k].segs = &segs[k];
		if (++slot == size) {
			slot = 0;
			wrap = !wrap;
			want = pvirtq_avail_flags(wrap);
		}
	}
	/* the first buffer is not of the common shape, or fails a check: the
	 * one-buffer pop judges it, from the flags already read (none read
	 * when the ring has no free slot) */
	if (!k)
		return max ? pop_flags(vq, elem, first) : vq_packed_dev_pop(vq, elem);
	vq->ring_busy += k;
	vq->n_inflight += k;
	vq->last_avail = slot;
	vq->avail_wrap = wrap;
	vq->stats.popped += k;
	vq->stats.descs_walked += k;
	vq_packed_dev_publish_avail_event(vq);
	return (int)k;
}

/* ------------------------------------------------------- used buffers */

/*
 * Stage one used buffer for flush, which writes every used descriptor (the
 * ring is not touched before). Without in_order its place is known now and
 * recorded; with in_order flush may merge it into a batch and places it
 * then.
 */
static inline void stage_used(vq_dev_t *vq, uint32_t id, uint32_t written, uint16_t ndesc,
			      bool complete)
{
	struct vq_staged *s = &vq->staged[vq->n_staged];
	uint32_t next;

	*s = (struct vq_staged){ .id = id, .written = written, .ndesc = ndesc, .nbufs = 1,
				 .complete = complete };
	if (vq->cfg.in_order) {
		vq->n_staged++;
		return;
	}
	if (!vq->n_staged) {
		vq->stage_slot = vq->used_slot;
		vq->stage_wrap = vq->used_wrap;
		vq->stage_slots = 0;
	}
	vq->n_staged++;
	s->slot = vq->stage_slot;
	s->wrap = vq->stage_wrap;
	next = (uint32_t)vq->stage_slot + ndesc;
	if (next >= vq->cfg.size) {
		next -= vq->cfg.size;
		vq->stage_wrap = !vq->stage_wrap;
	}
	vq->stage_slot = (uint16_t)next;
	vq->stage_slots += ndesc;
}

int vq_packed_dev_push(vq_dev_t *vq, uint32_t id, uint32_t written)
{
	struct vq_id_entry *e = id <= 0xffffu ? id_find(vq, (uint16_t)id) : NULL;

	/* the host checks the device (oracle for third-party devices) */
	if (!e) {
		report(vq, VC_SEV_RECORD, CL_DEV_PDESC, id,
		       "device returned buffer id %u, which is not outstanding", id);
		return -1;
	}
	if (written > e->writable) {
		report(vq, VC_SEV_RECORD, CL_DEV_PDESC, id,
		       "device reports %u bytes written to buffer %u, which has %llu writable",
		       written, id, (unsigned long long)e->writable);
		return -1;
	}
	if (vq->cfg.in_order) {
		uint16_t oldest = vq->order[vq->order_head];

		/* devicenormative: Reserved Feature Bits -- IN_ORDER */
		if (id != oldest) {
			report(vq, VC_SEV_RECORD, CL_DEV_RESERVED, id,
			       "IN_ORDER: device returned buffer %u before buffer %u, which was made available first",
			       id, oldest);
			return -1;
		}
		vq->order_head = (vq->order_head + 1) % vq->cfg.size;
		vq->order_n--;
	}
	stage_used(vq, id, written, e->ndesc, written == e->writable);
	id_remove(vq, e);
	vq->n_inflight--;
	vq->stats.pushed++;
	return 0;
}

/* The tight loop of vq_packed_dev_push_batch(): ids below the queue size
 * that pass every check of vq_packed_dev_push(); returns how many it took
 * from the front of used. */
static unsigned push_run(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n)
{
	struct vq_id_entry *direct = id_direct(vq);
	const uint32_t size = vq->cfg.size;
	struct vq_staged *staged = vq->staged;
	uint32_t n_staged, slots;
	uint16_t slot;
	bool wrap;
	unsigned k;

	if (!vq->n_staged) {
		vq->stage_slot = vq->used_slot;
		vq->stage_wrap = vq->used_wrap;
		vq->stage_slots = 0;
	}
	n_staged = vq->n_staged;
	slot = vq->stage_slot;
	wrap = vq->stage_wrap;
	slots = vq->stage_slots;
	for (k = 0; k < n; k++) {
		const uint32_t id = used[k].head, written = used[k].written;
		const struct vq_id_entry *e;
		uint32_t next;

		if (id >= size)
			break;
		e = &direct[id];
		if (!e->used || written > e->writable)
			break;
		/* as stage_used(): flush needs the id, the len and the place */
		staged[n_staged].id = id;
		staged[n_staged].written = written;
		staged[n_staged].slot = slot;
		staged[n_staged].wrap = wrap;
		n_staged++;
		next = (uint32_t)slot + e->ndesc;
		if (next >= size) {
			next -= size;
			wrap = !wrap;
		}
		slot = (uint16_t)next;
		slots += e->ndesc;
		direct[id].used = false; /* a direct entry: no cluster to mend */
	}
	vq->n_staged = n_staged;
	vq->stage_slot = slot;
	vq->stage_wrap = wrap;
	vq->stage_slots = slots;
	vq->n_inflight -= k;
	vq->stats.pushed += k;
	return k;
}

/*
 * vq_dev_push_batch() without in_order (which it takes buffer by buffer):
 * runs of push_run(); any other id, and any refusal, goes to
 * vq_packed_dev_push(), which records a refusal. Returns the buffers taken.
 */
unsigned vq_packed_dev_push_batch(vq_dev_t *vq, const struct vq_used_buf *used, unsigned n)
{
	unsigned k = 0;

	while (k < n) {
		k += push_run(vq, used + k, n - k);
		if (k == n)
			break;
		/* any other id, or a refusal: the one-buffer push judges it
		 * (and records a refusal, which ends the batch) */
		if (vq_packed_dev_push(vq, used[k].head, used[k].written))
			break;
		k++;
	}
	return k;
}

/* Write the staged used descriptors: id and len, then flags with a release
 * store; the first one last, so the driver (which polls the first) sees the
 * flush whole. Returns the ring slots they advance over. */
static uint32_t vq_dev_publish_used_descs(vq_dev_t *vq)
{
	const uint32_t size = vq->cfg.size;
	struct vq_staged *staged = vq->staged;
	uint32_t n, g, slot, total = 0;
	bool wrap;

	if (!vq->cfg.in_order) {
		/* each was placed when it was staged */
		for (g = vq->n_staged; g-- > 0;) {
			const struct vq_staged *s = &staged[g];
			struct pvirtq_desc *d = &vq->ring[s->slot];
			/* 2.8.4: WRITE says whether the device wrote anything */
			uint16_t fl = (uint16_t)(pvirtq_used_flags(s->wrap) |
						 (s->written ? VIRTQ_DESC_F_WRITE : 0));

			le16_store_once(&d->id, (uint16_t)s->id);
			le32_store_once(&d->len, s->written);
			le16_store_release(&d->flags, fl);
		}
		vq->stats.used_entries += vq->n_staged;
		total = vq->stage_slots;
		vq->used_slot = vq->stage_slot;
		vq->used_wrap = vq->stage_wrap;
		vq->ring_busy -= total;
		vq->n_staged = 0;
		return total;
	}
	/* in_order: a run of buffers written completely shares one used
	 * descriptor; positions first, ndesc of each entry is the slots it
	 * skips */
	n = vq_staged_batch(staged, vq->n_staged, true);
	slot = vq->used_slot;
	wrap = vq->used_wrap;
	for (g = 0; g < n; g++) {
		struct vq_staged *s = &staged[g];
		uint32_t next = slot + s->ndesc;

		s->slot = (uint16_t)slot;
		s->wrap = wrap;
		total += s->ndesc;
		if (next >= size) {
			next -= size;
			wrap = !wrap;
		}
		slot = next;
	}
	for (g = n; g-- > 0;) {
		const struct vq_staged *s = &staged[g];
		struct pvirtq_desc *d = &vq->ring[s->slot];
		uint16_t fl = pvirtq_used_flags(s->wrap);

		/* 2.8.4: WRITE says whether the device wrote anything */
		if (s->written)
			fl |= VIRTQ_DESC_F_WRITE;
		le16_store_once(&d->id, (uint16_t)s->id);
		le32_store_once(&d->len, s->written);
		le16_store_release(&d->flags, fl);
		vq->stats.used_entries++;
	}
	vq->used_slot = (uint16_t)slot;
	vq->used_wrap = wrap;
	vq->ring_busy -= total;
	vq->n_staged = 0;
	return total;
}

bool vq_packed_dev_flush(vq_dev_t *vq)
{
	uint32_t count;
	uint16_t flags;
	bool need;

	if (!vq->enabled || vq->broken || !vq->n_staged)
		return false;
	count = vq_dev_publish_used_descs(vq);
	/* used descriptors visible before the driver's structure is read */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16_load_once(&vq->drv_event->flags) & RING_EVENT_FLAGS_MASK;
	switch (flags) {
	case RING_EVENT_FLAGS_DISABLE:
		need = false;
		break;
	case RING_EVENT_FLAGS_DESC:
		/* only valid with EVENT_IDX; otherwise, like the reserved
		 * value, it is treated as ENABLE: a spurious notification is
		 * always allowed, a missed one never */
		if (vq->cfg.event_idx) {
			uint16_t ow = le16_load_once(&vq->drv_event->off_wrap);

			need = pvirtq_need_event(ow, vq->used_slot, vq->used_wrap, (uint16_t)count,
						 vq->cfg.size);
			break;
		}
		/* fallthrough */
	default:
		need = true;
		break;
	}
	if (need)
		vq->stats.notifications++;
	return need;
}
