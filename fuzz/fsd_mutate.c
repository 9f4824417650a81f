// SPDX-License-Identifier: Apache-2.0
/*
 * Structure-aware mutator of fuzz_split_device: decodes the input with the
 * target's own decoder (fsd_input.c), changes the ring state at the level
 * of descriptors, indirect tables, the available ring and the device's
 * completion plan, and encodes it again. One input in eight (and every
 * input whose encoding would not fit) gets libFuzzer's byte mutations
 * instead, so nothing the byte mutator finds is lost.
 *
 * Mutations: flip descriptor flags (NEXT, WRITE, INDIRECT, unknown bits);
 * re-link next (in range, the size, 0xffff, raw); make loops (next to an
 * earlier or the same entry); move addresses to region edges, holes, the
 * ring parts, a table, or wrapping 2^64; lengths 0, 2^32 - 1, region size,
 * 2^32 - n; split and merge descriptor runs; insert an indirect table and a
 * descriptor naming it; move avail idx by up to and beyond the queue size
 * (and behind); rewrite avail entries (out of range, repeated heads); toggle
 * features and the queue size; change the completion plan (bytes written,
 * deferred and reordered pushes, flushes, a bogus push).
 */
#include <stdint.h>
#include <string.h>

#include "fsd_input.h"
#include "mutate.h"

static int fsd_mutator_on = 1;

void fsd_mutator_init(void)
{
	fsd_mutator_on = mutator_enabled_from_env();
}

static struct fsd_input m_a, m_b;

/* a record of the main table or of an existing indirect table */
static struct fsd_rec *pick_rec(struct mrng *r, struct fsd_input *s, unsigned *tab)
{
	unsigned ntab = s->ntab_raw % (FSD_NTAB + 1u), t;

	t = ntab ? mrng_below(r, ntab + 1) : 0;
	if (t == 0 || !s->tab[t - 1].nrec) {
		*tab = 0;
		return s->nrec ? &s->rec[mrng_below(r, s->nrec)] : NULL;
	}
	*tab = t;
	return &s->tab[t - 1].rec[mrng_below(r, s->tab[t - 1].nrec)];
}

static void rec_random(struct mrng *r, struct fsd_rec *x)
{
	x->asel = (uint8_t)mrng_below(r, 256);
	x->aoff = (uint16_t)mrng_below(r, 0x2000);
	x->lsel = (uint8_t)(mrng_below(r, 8) | (mrng_below(r, 2) << 3));
	x->lval = (uint16_t)mrng_below(r, 0x200);
	x->fb = (uint8_t)(mrng_below(r, 8) | (mrng_one_in(r, 4) ? 8 : 0));
	x->nb = (uint8_t)mrng_below(r, 16);
	x->raw_next = (uint16_t)mrng_next(r);
	x->raw_len = (uint32_t)mrng_next(r);
	x->raw_addr = mrng_next(r);
	x->rep_raw = (uint8_t)mrng_below(r, 8);
}

static void m_flags(struct mrng *r, struct fsd_rec *x)
{
	static const uint8_t bits[] = { 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80 };

	x->fb ^= bits[mrng_below(r, sizeof(bits))];
}

static void m_next(struct mrng *r, struct fsd_rec *x)
{
	static const uint8_t special[] = { 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xff };

	x->fb &= (uint8_t)~8; /* an explicit next */
	if (mrng_one_in(r, 3)) {
		x->nb = special[mrng_below(r, sizeof(special))];
		x->raw_next = (uint16_t)(mrng_one_in(r, 2) ? mrng_below(r, 300) : mrng_next(r));
	} else {
		x->nb = (uint8_t)mrng_below(r, 0xf8);
	}
	x->fb |= 1; /* NEXT, so the link is followed */
}

/* next of record k to an entry at or before its own: a loop */
static void m_loop(struct mrng *r, struct fsd_rec *recs, unsigned nrec)
{
	unsigned k = mrng_below(r, nrec), first = 0, j;

	for (j = 0; j < k; j++)
		first += fsd_rep_count(recs[j].rep_raw);
	recs[k].fb = (uint8_t)((recs[k].fb | 1) & ~8);
	recs[k].nb = (uint8_t)(first ? mrng_below(r, first + 1) : 0);
}

static void m_addr(struct mrng *r, const struct fsd_input *s, struct fsd_rec *x)
{
	static const uint64_t raw[] = {
		0, 0xffff, 0x10000 - 1, 0x14000, 0xfffff, 0x102000, 0xffffffffull, 0x100002000ull,
		0x104000000ull, UINT64_MAX, UINT64_MAX - 15, 0x8000000000000000ull,
	};
	unsigned kind = mrng_below(r, 8);
	unsigned idx = mrng_below(r, 4);

	x->asel = (uint8_t)((x->asel & ~0x1f) | kind | idx << 3);
	switch (kind) {
	case 0: x->aoff = (uint16_t)mrng_below(r, 0x2000); break;
	case 1: x->aoff = mrng_one_in(r, 2) ? (uint16_t)(0x8000 | mrng_below(r, 16))
					    : (uint16_t)mrng_below(r, 64); break;
	case 2: x->aoff = (uint16_t)mrng_below(r, 64); break;
	case 3: x->aoff = (uint16_t)mrng_below(r, 64); break;
	case 4: x->aoff = (uint16_t)mrng_below(r, 64); break;
	case 5: x->raw_addr = raw[mrng_below(r, sizeof(raw) / sizeof(raw[0]))] +
			      (mrng_one_in(r, 2) ? 0 : mrng_below(r, 32));
		break;
	case 6:
		x->aoff = mrng_one_in(r, 2) ? 0 : (uint16_t)(0x8000 | mrng_below(r, 32));
		if (s->ntab_raw % (FSD_NTAB + 1u))
			x->asel = (uint8_t)((x->asel & ~0x18) |
					    mrng_below(r, s->ntab_raw % (FSD_NTAB + 1u)) << 3);
		break;
	default: x->aoff = (uint16_t)mrng_below(r, 0x800); break;
	}
}

static void m_len(struct mrng *r, struct fsd_rec *x)
{
	static const uint32_t raw[] = { 0, 1, 15, 16, 17, 0x1000, 0x2000, 0x2001,
					0x7fffffff, 0x80000000u, 0xfffffff0u, 0xffffffffu };
	unsigned kind = mrng_below(r, 8);

	x->lsel = (uint8_t)((x->lsel & ~7) | kind);
	if (mrng_one_in(r, 4))
		x->lsel ^= 8; /* address stride */
	switch (kind) {
	case 4: x->lval = mrng_one_in(r, 2) ? 0 : (uint16_t)mrng_below(r, 32);
		x->lsel = (uint8_t)((x->lsel & 0x0f) | mrng_below(r, 16) << 4);
		break;
	case 5: x->raw_len = raw[mrng_below(r, sizeof(raw) / sizeof(raw[0]))]; break;
	case 7: x->lval = (uint16_t)mrng_below(r, 0x4000); break;
	default: x->lval = (uint16_t)mrng_below(r, 0x2001); break;
	}
}

/* split a run in two (the second half with other flags), or merge two */
static void m_split_merge(struct mrng *r, struct fsd_rec *recs, unsigned *nrec)
{
	unsigned k = mrng_below(r, *nrec);

	if (mrng_one_in(r, 2) && *nrec < FSD_REC_MAX && fsd_rep_count(recs[k].rep_raw) >= 2) {
		unsigned n = fsd_rep_count(recs[k].rep_raw), a = 1 + mrng_below(r, n - 1);

		memmove(&recs[k + 1], &recs[k], (*nrec - k) * sizeof(recs[0]));
		(*nrec)++;
		recs[k].rep_raw = (uint8_t)((a - 1) & 7);
		recs[k + 1].rep_raw = (uint8_t)((n - a - 1) & 7);
		recs[k].fb |= 1 | 8; /* the first half chains into the second */
		m_flags(r, &recs[k + 1]);
	} else if (k + 1 < *nrec) {
		unsigned n = fsd_rep_count(recs[k].rep_raw) + fsd_rep_count(recs[k + 1].rep_raw);

		recs[k].rep_raw = (uint8_t)(n <= 8 ? n - 1 : 0xf0);
		memmove(&recs[k + 1], &recs[k + 2], (*nrec - k - 2) * sizeof(recs[0]));
		(*nrec)--;
	}
}

static void m_insert_delete(struct mrng *r, struct fsd_rec *recs, unsigned *nrec)
{
	if ((*nrec && mrng_one_in(r, 3)) || *nrec >= FSD_REC_MAX) {
		unsigned k = mrng_below(r, *nrec);

		memmove(&recs[k], &recs[k + 1], (*nrec - k - 1) * sizeof(recs[0]));
		(*nrec)--;
	} else {
		unsigned k = mrng_below(r, *nrec + 1);

		memmove(&recs[k + 1], &recs[k], (*nrec - k) * sizeof(recs[0]));
		if (*nrec && mrng_one_in(r, 2))
			recs[k] = recs[mrng_below(r, *nrec + 1)];
		else
			rec_random(r, &recs[k]);
		(*nrec)++;
	}
}

/* a new indirect table and a main descriptor that names it */
static void m_indirect(struct mrng *r, struct fsd_input *s)
{
	unsigned ntab = s->ntab_raw % (FSD_NTAB + 1u), t, k, n;
	struct fsd_table *tb;

	s->feat |= FSD_F_INDIRECT;
	if (ntab < FSD_NTAB && !mrng_one_in(r, 4)) {
		t = ntab;
		s->ntab_raw = (uint8_t)(ntab + 1);
		tb = &s->tab[t];
		tb->pk = (uint8_t)(mrng_one_in(r, 2) ? 0 : mrng_below(r, 256));
		tb->poff = (uint16_t)mrng_below(r, 0x2000);
		n = 1 + mrng_below(r, 4);
		tb->nrec = 0;
		for (k = 0; k < n; k++) {
			struct fsd_rec *x = &tb->rec[tb->nrec++];

			if (s->nrec && mrng_one_in(r, 2))
				*x = s->rec[mrng_below(r, s->nrec)];
			else
				rec_random(r, x);
			x->fb = (uint8_t)((x->fb & ~4) | 8 | (k + 1 < n ? 1 : 0));
		}
	} else if (ntab) {
		t = mrng_below(r, ntab);
	} else {
		return;
	}
	if (!s->nrec) {
		rec_random(r, &s->rec[0]);
		s->nrec = 1;
	}
	k = mrng_below(r, s->nrec);
	s->rec[k].asel = (uint8_t)(6 | t << 3);
	s->rec[k].aoff = mrng_one_in(r, 4) ? (uint16_t)(0x8000 | mrng_below(r, 32)) : 0;
	s->rec[k].lsel = (uint8_t)(4 | (mrng_one_in(r, 4) ? mrng_below(r, 16) << 4 : 0));
	s->rec[k].lval = 0;
	s->rec[k].fb = (uint8_t)(4 | (mrng_one_in(r, 8) ? mrng_below(r, 8) : 0));
	s->rec[k].rep_raw = 0;
}

static void m_avail(struct mrng *r, struct fsd_input *s)
{
	uint16_t size = fsd_size(s->qsel);

	switch (mrng_below(r, 6)) {
	case 0: /* publish nent, nent + 1, or an idx up to and beyond the size */
		s->amode = (uint8_t)((s->amode & ~3) | mrng_below(r, 4));
		if ((s->amode & 3) == 1) {
			int d = (int)mrng_below(r, 2u * size + 6) - 2;

			s->raw_idx = (uint16_t)(s->nent + d);
			if (mrng_one_in(r, 4))
				s->raw_idx = (uint16_t)(mrng_one_in(r, 2) ? 0x8000 : 0xffff);
		} else if ((s->amode & 3) == 2) {
			s->raw_idx = (uint16_t)mrng_below(r, 256);
		}
		break;
	case 1: /* more or fewer entries */
		s->nent_raw = (uint8_t)mrng_below(r, (uint32_t)size + 1 > 255 ? 256 : size + 1u);
		break;
	case 2: { /* an entry out of range or repeated */
		static const uint8_t sp[] = { 0xf8, 0xf9, 0xfa, 0xfb, 0xff };

		if (!s->nent)
			break;
		if (mrng_one_in(r, 2))
			s->ent[mrng_below(r, s->nent)] = sp[mrng_below(r, sizeof(sp))];
		else
			s->ent[mrng_below(r, s->nent)] = s->ent[mrng_below(r, s->nent)];
		break;
	}
	case 3: /* heads that start the runs */
		if (s->nent)
			s->ent[mrng_below(r, s->nent)] = (uint8_t)mrng_below(r, size < 0xf8 ? size : 0xf8);
		break;
	case 4: /* flags and used_event */
		s->amode = (uint8_t)((s->amode & ~0xc) | mrng_below(r, 4) << 2);
		s->raw_flags = (uint16_t)(mrng_one_in(r, 2) ? mrng_below(r, 4) : mrng_next(r));
		s->used_event = (uint16_t)(mrng_one_in(r, 2) ? mrng_below(r, 8) : mrng_next(r));
		break;
	default:
		s->used_event = (uint16_t)(s->nent + mrng_below(r, 5) - 2);
		break;
	}
}

static void m_features(struct mrng *r, struct fsd_input *s)
{
	switch (mrng_below(r, 4)) {
	case 0:
		s->feat ^= (uint8_t)(1u << mrng_below(r, 8));
		break;
	case 1:
		s->qsel = (uint8_t)((s->qsel & 0xf0) | mrng_below(r, 9));
		break;
	case 2:
		s->qsel = (uint8_t)((s->qsel & 0x0f) | mrng_below(r, 16) << 4);
		break;
	default: { /* ring placement */
		unsigned k = mrng_below(r, 3);

		s->feat |= mrng_one_in(r, 2) ? FSD_F_PLACE : FSD_F_RAWPLACE;
		s->place_sel[k] = (uint8_t)mrng_below(r, 8);
		s->place_off[k] = (uint16_t)(mrng_one_in(r, 2) ? mrng_below(r, 0x2000)
							    : 0x2000 - mrng_below(r, 64));
		break;
	}
	}
}

static void m_run(struct mrng *r, struct fsd_input *s)
{
	unsigned k;

	switch (mrng_below(r, 4)) {
	case 0:
		if (s->nact < FSD_ACT_MAX) {
			s->act[s->nact] = (uint8_t)mrng_below(r, 64);
			s->val[s->nact] = (uint8_t)mrng_next(r);
			s->nact++;
		}
		break;
	case 1:
		if (s->nact) {
			k = mrng_below(r, s->nact);
			s->act[k] ^= (uint8_t)(1u << mrng_below(r, 6));
		}
		break;
	case 2:
		if (s->nact) {
			k = mrng_below(r, s->nact);
			s->val[k] = (uint8_t)mrng_next(r);
		}
		s->order = (uint8_t)mrng_next(r);
		break;
	default:
		s->feat |= FSD_F_BOGUS;
		s->bkind = (uint8_t)mrng_below(r, 4);
		s->bat = (uint8_t)mrng_below(r, 8);
		s->bval = (uint32_t)(mrng_one_in(r, 2) ? mrng_below(r, 300) : mrng_next(r));
		break;
	}
}

static void mutate_once(struct mrng *r, struct fsd_input *s)
{
	unsigned tab;
	struct fsd_rec *x;
	struct fsd_table *tb;

	switch (mrng_below(r, 12)) {
	case 0:
		if ((x = pick_rec(r, s, &tab)))
			m_flags(r, x);
		break;
	case 1:
		if ((x = pick_rec(r, s, &tab)))
			m_next(r, x);
		break;
	case 2:
		if (s->nrec)
			m_loop(r, s->rec, s->nrec);
		break;
	case 3:
		if ((x = pick_rec(r, s, &tab)))
			m_addr(r, s, x);
		break;
	case 4:
		if ((x = pick_rec(r, s, &tab)))
			m_len(r, x);
		break;
	case 5:
		if (s->nrec)
			m_split_merge(r, s->rec, &s->nrec);
		break;
	case 6:
		tab = s->ntab_raw % (FSD_NTAB + 1u);
		if (tab && mrng_one_in(r, 2)) {
			tb = &s->tab[mrng_below(r, tab)];
			m_insert_delete(r, tb->rec, &tb->nrec);
		} else {
			m_insert_delete(r, s->rec, &s->nrec);
		}
		break;
	case 7:
		m_indirect(r, s);
		break;
	case 8:
	case 9:
		m_avail(r, s);
		break;
	case 10:
		m_features(r, s);
		break;
	default:
		m_run(r, s);
		break;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct mrng r;
	unsigned n, k;
	size_t out;

	mrng_seed(&r, seed);
	if (!fsd_mutator_on || mrng_one_in(&r, 8))
		return mutate_bytes(&r, data, size, max_size);
	fsd_decode(data, size, &m_a);
	fsd_normalize(&m_a);
	n = 1 + mrng_below(&r, 3);
	for (k = 0; k < n; k++)
		mutate_once(&r, &m_a);
	fsd_normalize(&m_a);
	out = fsd_encode(&m_a, data, max_size);
	return out ? out : mutate_bytes(&r, data, size, max_size);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
	struct mrng r;
	unsigned k, i, j;
	size_t n;

	mrng_seed(&r, seed);
	if (!fsd_mutator_on)
		return splice_bytes(&r, data1, size1, data2, size2, out, max_out_size);
	fsd_decode(data1, size1, &m_a);
	fsd_decode(data2, size2, &m_b);
	switch (mrng_below(&r, 4)) {
	case 0: /* descriptor runs: a prefix of one table, a suffix of the other */
		i = m_a.nrec ? mrng_below(&r, m_a.nrec + 1) : 0;
		j = m_b.nrec ? mrng_below(&r, m_b.nrec + 1) : 0;
		for (k = j; k < m_b.nrec && i < FSD_REC_MAX; k++)
			m_a.rec[i++] = m_b.rec[k];
		m_a.nrec = i;
		break;
	case 1: /* the other's indirect tables */
		m_a.ntab_raw = m_b.ntab_raw;
		memcpy(m_a.tab, m_b.tab, sizeof(m_a.tab));
		break;
	case 2: /* the other's available ring */
		m_a.amode = m_b.amode;
		m_a.nent_raw = m_b.nent_raw;
		m_a.used_event = m_b.used_event;
		m_a.raw_idx = m_b.raw_idx;
		m_a.raw_flags = m_b.raw_flags;
		m_a.nent = m_b.nent;
		memcpy(m_a.ent, m_b.ent, sizeof(m_a.ent));
		break;
	default: /* the other's header (size, features, placement) and plan */
		m_a.qsel = m_b.qsel;
		m_a.feat = m_b.feat;
		m_a.cfg_raw = m_b.cfg_raw;
		memcpy(m_a.place_sel, m_b.place_sel, sizeof(m_a.place_sel));
		memcpy(m_a.place_off, m_b.place_off, sizeof(m_a.place_off));
		m_a.bkind = m_b.bkind;
		m_a.bat = m_b.bat;
		m_a.bval = m_b.bval;
		m_a.order = m_b.order;
		m_a.nact = m_b.nact;
		memcpy(m_a.act, m_b.act, sizeof(m_a.act));
		memcpy(m_a.val, m_b.val, sizeof(m_a.val));
		break;
	}
	fsd_normalize(&m_a);
	n = fsd_encode(&m_a, out, max_out_size);
	return n ? n : splice_bytes(&r, data1, size1, data2, size2, out, max_out_size);
}
