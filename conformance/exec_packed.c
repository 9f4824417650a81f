// SPDX-License-Identifier: Apache-2.0
/*
 * Packed-ring steps of the model executor (2.8): raw descriptors, descriptor
 * lists made available at the harness's own position, used descriptors
 * written as a (hostile) device, event suppression structures, and the scan
 * that finds the used descriptors a device wrote.
 *
 * The harness keeps its own cursors (struct xpacked): a packed ring has no
 * index in memory, so "where the next descriptor goes" is the writer's
 * private state, exactly as for a real driver or device. All ring accesses
 * are byte-wise through the translator, as a hostile case may place the
 * ring anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_priv.h"
#include "vq_packed_layout.h"
#include "virtiocheck/le.h"

#define PD_ADDR  0u
#define PD_LEN   8u
#define PD_ID    12u
#define PD_FLAGS 14u

void xpk_reset(struct xstate *x, int q)
{
	unsigned i;

	for (i = 0; i < VDRV_MAX_QUEUES; i++) {
		struct xpacked *pk = &x->pk[i];
		uint16_t *ids = pk->slots_by_id;

		if (q >= 0 && (unsigned)q != i)
			continue;
		memset(pk, 0, sizeof(*pk));
		pk->drv_wrap = pk->used_wrap = pk->dev_wrap = true;
		pk->slots_by_id = ids;
		if (ids)
			memset(ids, 0, 65536 * sizeof(*ids));
	}
}

void xpk_free(struct xstate *x)
{
	unsigned i;

	for (i = 0; i < VDRV_MAX_QUEUES; i++) {
		free(x->pk[i].slots_by_id);
		x->pk[i].slots_by_id = NULL;
	}
}

static void advance(uint16_t *slot, bool *wrap, uint32_t n, uint16_t size)
{
	uint32_t s = *slot + n;

	while (s >= size) {
		s -= size;
		*wrap = !*wrap;
	}
	*slot = (uint16_t)s;
}

void xpk_posted(struct xstate *x, uint16_t q, uint16_t id, uint16_t ndesc)
{
	struct xpacked *pk = &x->pk[q];
	struct qgeom g;

	if (!pk->slots_by_id)
		pk->slots_by_id = calloc(65536, sizeof(*pk->slots_by_id));
	if (pk->slots_by_id)
		pk->slots_by_id[id] = ndesc;
	if (xqueue_geom(x, q, &g) == 0)
		advance(&pk->drv_slot, &pk->drv_wrap, ndesc, g.size);
}

static uint8_t *ring(struct xstate *x, bool device_side, const struct qgeom *g)
{
	uint8_t *r = gm_translate(device_side ? x->pair.dev_mem : x->pair.drv_mem, g->desc,
				  pvirtq_desc_bytes(g->size), GM_WRITE);

	if (!r)
		xfail(x, V_ERROR, NULL, "case error: descriptor ring 0x%llx not in guest memory",
		      (unsigned long long)g->desc);
	return r;
}

int xpk_scan_used(struct xstate *x, uint16_t q)
{
	struct xpacked *pk = &x->pk[q];
	struct qgeom g;
	const uint8_t *r;
	unsigned n;

	if (xqueue_geom(x, q, &g))
		return -1;
	r = ring(x, false, &g);
	if (!r)
		return -1;
	/* at most one pass over the ring: a device cannot have used more */
	for (n = 0; n < g.size; n++) {
		const uint8_t *d = r + 16u * pk->used_slot;
		uint16_t flags = rd16(d + PD_FLAGS), id, take;

		if (!pvirtq_is_used(flags, pk->used_wrap))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		id = rd16(d + PD_ID);
		pk->last_id = id;
		pk->last_len = rd32(d + PD_LEN);
		pk->have_last = true;
		pk->used_seen++;
		take = pk->slots_by_id && pk->slots_by_id[id] ? pk->slots_by_id[id] : 1;
		if (pk->slots_by_id)
			pk->slots_by_id[id] = 0;
		advance(&pk->used_slot, &pk->used_wrap, take, g.size);
	}
	return 0;
}

int xpk_encode(struct xstate *x, const struct case_desc *d, uint16_t id, uint16_t flags,
	       uint8_t out[16])
{
	uint64_t gpa;
	uint32_t size = 0, len = d->len;
	le64 a;
	le32 l;

	if (xresolve(x, &d->addr, &gpa, &size))
		return -1;
	if (d->len_auto)
		len = d->addr.name[0] ? size - (uint32_t)d->addr.value : 0;
	if (d->addr.name[0] && (flags & VIRTQ_DESC_F_WRITE)) {
		struct named *b = xbuf_find(x, d->addr.name);

		if (b)
			b->posted_writable = true;
	}
	a = cpu_to_le64(gpa);
	l = cpu_to_le32(len);
	memcpy(out + PD_ADDR, &a, sizeof(a));
	memcpy(out + PD_LEN, &l, sizeof(l));
	wr16(out + PD_ID, id);
	wr16(out + PD_FLAGS, flags);
	return 0;
}

/* The AVAIL/USED bits of a descriptor: given, or as wrap makes it
 * available (driver) or used (device). */
static uint16_t avail_used_bits(const struct case_pdesc *p, bool wrap, bool used)
{
	int av = p->avail >= 0 ? p->avail : wrap;
	int us = p->used >= 0 ? p->used : (used ? wrap : !wrap);

	return (uint16_t)((av ? VIRTQ_DESC_F_AVAIL : 0) | (us ? VIRTQ_DESC_F_USED : 0));
}

/* Write d at slot: every field, then the flags with a release store. */
static void store(uint8_t *r, uint16_t slot, const uint8_t d[16])
{
	memcpy(r + 16u * slot, d, PD_FLAGS);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(r + 16u * slot + PD_FLAGS, d + PD_FLAGS, 2);
}

static int do_chain(struct xstate *x, const struct case_step *s, const struct qgeom *g)
{
	const struct step_pchain *pc = &s->u.pchain;
	struct xpacked *pk = &x->pk[s->queue];
	uint8_t d[CASE_MAX_LIST][16];
	uint16_t slot = pk->drv_slot;
	bool wrap = pk->drv_wrap;
	uint16_t slots[CASE_MAX_LIST];
	uint8_t *r = ring(x, false, g);
	unsigned i;

	if (!r)
		return -1;
	if (pc->n > g->size)
		return xfail(x, V_ERROR, NULL, "case error: a %u-descriptor list on a %u-slot ring",
			     pc->n, g->size);
	for (i = 0; i < pc->n; i++) {
		uint16_t flags = pc->e[i].d.flags;

		if (pc->auto_next && i + 1 < pc->n)
			flags |= VIRTQ_DESC_F_NEXT;
		flags |= avail_used_bits(&pc->e[i], wrap, false);
		if (xpk_encode(x, &pc->e[i].d, pc->id, flags, d[i]))
			return -1;
		slots[i] = slot;
		advance(&slot, &wrap, 1, g->size);
	}
	/* the list becomes available when its first descriptor does */
	for (i = pc->n; i-- > 1;)
		store(r, slots[i], d[i]);
	store(r, slots[0], d[0]);
	xpk_posted(x, s->queue, pc->id, (uint16_t)pc->n);
	xtrace(x, "  packed chain id %u: %u descriptors from slot %u; next slot %u, wrap %d",
	       pc->id, pc->n, slots[0], pk->drv_slot, pk->drv_wrap);
	return 0;
}

static int do_event(struct xstate *x, const struct case_step *s, const struct qgeom *g)
{
	const struct step_pevent *pe = &s->u.pevent;
	uint64_t at = pe->device_area ? g->used : g->avail;
	uint8_t *e = gm_translate(pe->device_area ? x->pair.dev_mem : x->pair.drv_mem, at,
				  pvirtq_event_bytes(), GM_WRITE);
	uint16_t off_wrap = pe->raw ? pe->off_wrap : pvirtq_off_wrap(pe->off, pe->wrap);

	if (!e)
		return xfail(x, V_ERROR, NULL, "case error: event area 0x%llx not in guest memory",
			     (unsigned long long)at);
	wr16(e, off_wrap);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	wr16(e + 2, pe->flags);
	xtrace(x, "  %s event suppression: flags %u, off_wrap 0x%04x",
	       pe->device_area ? "device" : "driver", pe->flags, off_wrap);
	return 0;
}

int exec_packed_step(struct xstate *x, const struct case_step *s)
{
	struct xpacked *pk = &x->pk[s->queue];
	struct qgeom g;
	uint8_t d[16], *r;

	if (!x->p->packed)
		return xfail(x, V_ERROR, NULL, "case error: a packed step on a split point");
	if (xqueue_geom(x, s->queue, &g))
		return -1;
	switch (s->kind) {
	case ST_PACKED_DESC: {
		const struct case_pdesc *p = &s->u.pdesc.p;

		if (s->u.pdesc.slot >= g.size)
			return xfail(x, V_ERROR, NULL, "case error: slot %u beyond queue size %u",
				     s->u.pdesc.slot, g.size);
		r = ring(x, false, &g);
		if (!r || xpk_encode(x, &p->d, p->id,
				     (uint16_t)(p->d.flags | avail_used_bits(p, pk->drv_wrap, false)), d))
			return -1;
		store(r, s->u.pdesc.slot, d);
		xtrace(x, "  packed desc[%u] = {id %u, flags 0x%04x}", s->u.pdesc.slot, p->id,
		       rd16(d + PD_FLAGS));
		return 0;
	}
	case ST_PACKED_CHAIN:
		return do_chain(x, s, &g);
	case ST_PACKED_USED: {
		const struct case_pdesc *p = &s->u.pused.p;
		uint16_t slot = s->u.pused.has_slot ? s->u.pused.slot : pk->dev_slot;
		uint16_t flags = p->d.flags;
		struct case_desc nd = p->d;

		if (slot >= g.size)
			return xfail(x, V_ERROR, NULL, "case error: slot %u beyond queue size %u", slot,
				     g.size);
		r = ring(x, true, &g);
		if (!r)
			return -1;
		/* a used descriptor carries id, len and flags; its addr is
		 * ignored (keep what the driver wrote) */
		memcpy(d, r + 16u * slot, sizeof(d));
		nd.addr.name[0] = '\0';
		nd.addr.value = 0;
		if (p->d.len_auto) {
			nd.len_auto = false;
			nd.len = 0;
		}
		/* WRITE says the device wrote len bytes (2.8.13); unless the
		 * case gives flags, set it whenever len is non-zero */
		if (!p->has_flags && nd.len)
			flags |= VIRTQ_DESC_F_WRITE;
		flags |= avail_used_bits(p, pk->dev_wrap, true);
		if (xpk_encode(x, &nd, p->id, flags, d + 0) != 0)
			return -1;
		memcpy(d + PD_ADDR, r + 16u * slot + PD_ADDR, 8);
		store(r, slot, d);
		if (!s->u.pused.has_slot)
			advance(&pk->dev_slot, &pk->dev_wrap, s->u.pused.skip, g.size);
		xtrace(x, "  packed used (by the device) slot %u: id %u len %u flags 0x%04x", slot,
		       p->id, nd.len, flags);
		return 0;
	}
	case ST_PACKED_EVENT:
		return do_event(x, s, &g);
	default:
		break;
	}
	return xfail(x, V_ERROR, NULL, "case error: not a packed step");
}
