// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_split_device's input format: decode, encode, materialize. The byte
 * order of every field follows the format comment in fuzz_split_device.c;
 * this file is the one place that reads it.
 */
#include <string.h>

#include "fsd_input.h"

/* like the target: no coverage tracing of the harness's own decoding */
#if defined(__clang__) && __clang_major__ >= 13
#define NO_COV __attribute__((no_sanitize("coverage")))
#else
#define NO_COV
#endif

/* ------------------------------------------------------------ layouts */

static const struct fsd_layout layouts[2] = {
	{
		.r_gpa = { FSD_R0_GPA, FSD_R1_GPA, FSD_R2_GPA, FSD_R3_GPA },
		.r_size = { FSD_RSZ, FSD_RSZ, FSD_RSZ, FSD_RSZ },
		/* R0 and R1 touch: the hole after R1 stands in for the one between */
		.hole_lo = { 0, FSD_R1_GPA + FSD_RSZ, FSD_R2_GPA + FSD_RSZ, FSD_R3_GPA + FSD_RSZ },
		.hole_last = { FSD_R0_GPA - 1, FSD_R2_GPA - 1, FSD_R3_GPA - 1, UINT64_MAX },
	},
	{
		.r_gpa = { FSD_R0_GPA, FSD_R1_GPA, FSD_R2_GPA, FSD_R3_GPA },
		.r_size = { FSD_RSZ, FSD_RSZ, FSD_RSZ, FSD_BIG_R3 },
		.hole_lo = { 0, FSD_R1_GPA + FSD_RSZ, FSD_R2_GPA + FSD_RSZ, FSD_R3_GPA + FSD_BIG_R3 },
		.hole_last = { FSD_R0_GPA - 1, FSD_R2_GPA - 1, FSD_R3_GPA - 1, UINT64_MAX },
	},
};

NO_COV const struct fsd_layout *fsd_layout(unsigned world)
{
	return &layouts[world & 1];
}

NO_COV uint16_t fsd_size(uint8_t qsel)
{
	return (uint16_t)(1u << ((qsel & 15) % 9));
}

NO_COV unsigned fsd_nent_of(uint8_t nent_raw, uint16_t size)
{
	return nent_raw > size ? nent_raw % (size + 1u) : nent_raw;
}

NO_COV unsigned fsd_rep_count(uint8_t rep_raw)
{
	/* mostly short runs; 0xf0..0xff ask for 32, 64, ..., 512 */
	return rep_raw < 0xf0 ? (rep_raw & 7u) + 1 : (rep_raw - 0xefu) * 32;
}

/* ------------------------------------------------------------ decode */

struct cur {
	const uint8_t *p;
	size_t n, off;
};

NO_COV static uint8_t rd8(struct cur *c)
{
	return c->off < c->n ? c->p[c->off++] : 0;
}

NO_COV static uint16_t rd16(struct cur *c)
{
	uint16_t lo = rd8(c);

	return (uint16_t)(lo | (uint16_t)rd8(c) << 8);
}

NO_COV static uint32_t rd32(struct cur *c)
{
	uint32_t lo = rd16(c);

	return lo | (uint32_t)rd16(c) << 16;
}

NO_COV static uint64_t rd64(struct cur *c)
{
	uint64_t lo = rd32(c);

	return lo | (uint64_t)rd32(c) << 32;
}

NO_COV static bool rd_done(const struct cur *c)
{
	return c->off >= c->n;
}

NO_COV static void rec_dec(struct cur *c, struct fsd_rec *r)
{
	r->asel = rd8(c);
	r->aoff = rd16(c);
	r->lsel = rd8(c);
	r->lval = rd16(c);
	r->fb = rd8(c);
	r->nb = rd8(c);
	r->raw_addr = (r->asel & 7) == 5 ? rd64(c) : 0;
	r->raw_len = (r->lsel & 7) == 5 ? rd32(c) : 0;
	r->raw_next = r->nb == 0xfa ? rd16(c) : 0;
	r->rep_raw = rd8(c);
}

NO_COV static unsigned recs_dec(struct cur *c, struct fsd_rec *recs)
{
	unsigned n = rd8(c), k;

	for (k = 0; k < n && !rd_done(c); k++)
		rec_dec(c, &recs[k]);
	return k;
}

NO_COV void fsd_decode(const uint8_t *data, size_t size, struct fsd_input *s)
{
	struct cur c = { data, size, 0 };
	unsigned k, t, nent;
	uint16_t qsize;

	s->qsel = rd8(&c);
	s->feat = rd8(&c);
	s->cfg_raw = (s->feat & FSD_F_CFGSIZE) ? rd16(&c) : 0;
	for (k = 0; k < 3; k++) {
		if (s->feat & (FSD_F_RAWPLACE | FSD_F_PLACE)) {
			s->place_sel[k] = rd8(&c);
			s->place_off[k] = rd16(&c);
		} else {
			s->place_sel[k] = 0;
			s->place_off[k] = 0;
		}
	}
	s->nrec = recs_dec(&c, s->rec);
	s->ntab_raw = rd8(&c);
	for (t = 0; t < FSD_NTAB; t++) {
		struct fsd_table *tb = &s->tab[t];

		if (t < s->ntab_raw % (FSD_NTAB + 1u)) {
			tb->pk = rd8(&c);
			tb->poff = rd16(&c);
			tb->nrec = recs_dec(&c, tb->rec);
		} else {
			tb->pk = 0;
			tb->poff = 0;
			tb->nrec = 0;
		}
	}
	qsize = fsd_size(s->qsel);
	s->amode = rd8(&c);
	s->nent_raw = rd8(&c);
	nent = fsd_nent_of(s->nent_raw, qsize);
	s->used_event = rd16(&c);
	s->raw_idx = rd16(&c);
	s->raw_flags = rd16(&c);
	for (k = 0; k < nent && !rd_done(&c); k++)
		s->ent[k] = rd8(&c);
	s->nent = k;
	s->bkind = rd8(&c);
	s->bat = rd8(&c);
	s->bval = rd32(&c);
	s->order = rd8(&c);
	for (k = 0; k < FSD_ACT_MAX && !rd_done(&c); k++) {
		s->act[k] = rd8(&c);
		s->val[k] = rd8(&c);
	}
	s->nact = k;
}

/* ------------------------------------------------------------ encode */

struct out {
	uint8_t *p;
	size_t cap, n;
	bool over;
};

NO_COV static void wr8(struct out *o, uint8_t v)
{
	if (o->n < o->cap)
		o->p[o->n++] = v;
	else
		o->over = true;
}

NO_COV static void wr16(struct out *o, uint16_t v)
{
	wr8(o, (uint8_t)v);
	wr8(o, (uint8_t)(v >> 8));
}

NO_COV static void wr32(struct out *o, uint32_t v)
{
	wr16(o, (uint16_t)v);
	wr16(o, (uint16_t)(v >> 16));
}

NO_COV static void wr64(struct out *o, uint64_t v)
{
	wr32(o, (uint32_t)v);
	wr32(o, (uint32_t)(v >> 32));
}

NO_COV static void rec_enc(struct out *o, const struct fsd_rec *r)
{
	wr8(o, r->asel);
	wr16(o, r->aoff);
	wr8(o, r->lsel);
	wr16(o, r->lval);
	wr8(o, r->fb);
	wr8(o, r->nb);
	if ((r->asel & 7) == 5)
		wr64(o, r->raw_addr);
	if ((r->lsel & 7) == 5)
		wr32(o, r->raw_len);
	if (r->nb == 0xfa)
		wr16(o, r->raw_next);
	wr8(o, r->rep_raw);
}

NO_COV void fsd_normalize(struct fsd_input *s)
{
	uint16_t qsize = fsd_size(s->qsel);
	unsigned t, n;

	if (s->nrec > FSD_REC_MAX)
		s->nrec = FSD_REC_MAX;
	for (t = 0; t < FSD_NTAB; t++)
		if (s->tab[t].nrec > FSD_REC_MAX)
			s->tab[t].nrec = FSD_REC_MAX;
	/* entries the input ran out of read as 0: write them as 0 */
	n = fsd_nent_of(s->nent_raw, qsize);
	if (s->nent > n)
		s->nent = n;
	while (s->nent < n)
		s->ent[s->nent++] = 0;
	if (s->nact > FSD_ACT_MAX)
		s->nact = FSD_ACT_MAX;
}

NO_COV size_t fsd_encode(const struct fsd_input *s, uint8_t *buf, size_t cap)
{
	struct out o = { buf, cap, 0, false };
	unsigned k, t;

	wr8(&o, s->qsel);
	wr8(&o, s->feat);
	if (s->feat & FSD_F_CFGSIZE)
		wr16(&o, s->cfg_raw);
	if (s->feat & (FSD_F_RAWPLACE | FSD_F_PLACE))
		for (k = 0; k < 3; k++) {
			wr8(&o, s->place_sel[k]);
			wr16(&o, s->place_off[k]);
		}
	wr8(&o, (uint8_t)s->nrec);
	for (k = 0; k < s->nrec; k++)
		rec_enc(&o, &s->rec[k]);
	wr8(&o, s->ntab_raw);
	for (t = 0; t < s->ntab_raw % (FSD_NTAB + 1u); t++) {
		const struct fsd_table *tb = &s->tab[t];

		wr8(&o, tb->pk);
		wr16(&o, tb->poff);
		wr8(&o, (uint8_t)tb->nrec);
		for (k = 0; k < tb->nrec; k++)
			rec_enc(&o, &tb->rec[k]);
	}
	wr8(&o, s->amode);
	wr8(&o, s->nent_raw);
	wr16(&o, s->used_event);
	wr16(&o, s->raw_idx);
	wr16(&o, s->raw_flags);
	for (k = 0; k < s->nent; k++)
		wr8(&o, s->ent[k]);
	wr8(&o, s->bkind);
	wr8(&o, s->bat);
	wr32(&o, s->bval);
	wr8(&o, s->order);
	for (k = 0; k < s->nact; k++) {
		wr8(&o, s->act[k]);
		wr8(&o, s->val[k]);
	}
	return o.over ? 0 : o.n;
}

/* ------------------------------------------------------------ materialize */

NO_COV static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

NO_COV static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

NO_COV static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

NO_COV static uint32_t rec_len(const struct fsd_state *st, const struct fsd_layout *l,
			       const struct fsd_rec *r)
{
	unsigned idx = (r->asel >> 3) & 3;
	uint32_t nib = (r->lsel >> 4) & 0xf;

	switch (r->lsel & 7) {
	case 0: return r->lval & 0xff;
	case 1: return 0;
	case 2: return 0xffffffffu;
	case 3: return r->lval;
	case 4: return r->lval ? 16u * (r->lval & 0x1ff) + nib : 16u * st->tab_n[idx] + nib;
	case 5: return r->raw_len;
	case 6: return (uint32_t)(l->r_size[idx] - (r->lval & 0xff));
	default: return (uint32_t)(0u - r->lval);
	}
}

NO_COV static uint64_t rec_addr(const struct fsd_state *st, const struct fsd_layout *l,
				const struct fsd_rec *r, uint32_t len, unsigned j)
{
	unsigned idx = (r->asel >> 3) & 3;
	uint64_t gpa = l->r_gpa[idx], gsz = l->r_size[idx], a;

	switch (r->asel & 7) {
	case 0:
		a = gpa + (((uint64_t)r->aoff << (4 * (r->asel >> 5))) % gsz);
		break;
	case 1:
		a = gpa + gsz - len;
		if (r->aoff & 0x8000)
			a += r->aoff & 0xf;
		else
			a -= r->aoff;
		break;
	case 2:
		a = (r->aoff & 1) ? l->hole_last[idx] - (r->aoff >> 1) : l->hole_lo[idx] + (r->aoff >> 1);
		break;
	case 3:
		a = gpa + gsz - (r->aoff % 64);
		break;
	case 4:
		a = UINT64_MAX - r->aoff;
		break;
	case 5:
		a = r->raw_addr;
		break;
	case 6:
		a = st->tab_gpa[idx] + ((r->aoff & 0x8000) ? (r->aoff & 0x1f) : 0);
		break;
	default:
		a = st->ring[idx] + (r->aoff & 0x7ff);
		break;
	}
	if (r->lsel & 8)
		a += (uint64_t)j * len;
	return a;
}

NO_COV static uint16_t rec_next(const struct fsd_rec *r, unsigned entry, unsigned modulus)
{
	if (r->fb & 8)
		return (uint16_t)(entry + 1);
	if (r->nb < 0xf8)
		return (uint16_t)(r->nb % modulus);
	switch (r->nb) {
	case 0xf8: return (uint16_t)modulus;
	case 0xf9: return 0xffff;
	case 0xfa: return r->raw_next;
	default: return (uint16_t)(modulus + r->nb - 0xfa);
	}
}

NO_COV static unsigned entries_of(const struct fsd_rec *recs, unsigned nrec, unsigned cap)
{
	unsigned n = 0, k, m;

	for (k = 0; k < nrec && n < cap; k++) {
		m = fsd_rep_count(recs[k].rep_raw);
		n += m < cap - n ? m : cap - n;
	}
	return n;
}

/* Descriptor images of recs into img; returns the number of entries. */
NO_COV static unsigned build(const struct fsd_state *st, const struct fsd_layout *l,
			     const struct fsd_rec *recs, unsigned nrec, unsigned cap,
			     unsigned modulus, uint8_t *img)
{
	unsigned n = 0, k, j, reps;

	for (k = 0; k < nrec && n < cap; k++) {
		const struct fsd_rec *r = &recs[k];
		uint32_t len = rec_len(st, l, r);
		uint16_t fl = (uint16_t)(r->fb & 7);

		if (r->fb & 0x10)
			fl |= 0x0008;
		if (r->fb & 0x20)
			fl |= 0x0080;
		if (r->fb & 0x40)
			fl |= 0x8000;
		reps = fsd_rep_count(r->rep_raw) - 1;
		for (j = 0; j <= reps && n < cap; j++, n++) {
			uint8_t *d = img + 16 * n;
			uint16_t f2 = fl;

			if ((r->fb & 0x80) && 2 * j > reps)
				f2 |= 2; /* VIRTQ_DESC_F_WRITE */
			st64(d, rec_addr(st, l, r, len, j));
			st32(d + 8, len);
			st16(d + 12, f2);
			st16(d + 14, rec_next(r, n, modulus));
		}
	}
	return n;
}

NO_COV static uint64_t place_part(const struct fsd_layout *l, uint8_t rsel, uint16_t off,
				  uint64_t bytes, uint64_t align)
{
	uint64_t room = l->r_size[rsel & 3] - bytes; /* every part fits in any region */

	return l->r_gpa[rsel & 3] + ((off % (room + 1)) & ~(align - 1));
}

NO_COV static uint64_t table_slot(const struct fsd_layout *l, unsigned t)
{
	return l->r_gpa[1] + 0x800ull * t;
}

NO_COV static uint64_t place_table(const struct fsd_layout *l, unsigned t, uint8_t pk,
				   uint16_t poff, unsigned n)
{
	unsigned idx = (pk >> 2) & 3;

	switch (pk & 3) {
	case 0: return table_slot(l, t) + ((pk & 0x10) ? (poff & 0xf) : 0);
	case 1: return l->r_gpa[idx] + poff % l->r_size[idx];
	case 2: return l->hole_lo[idx] + poff;
	default: return l->r_gpa[idx] + l->r_size[idx] - 16ull * n + (poff & 0xf);
	}
}

NO_COV void fsd_materialize(const struct fsd_input *s, struct fsd_state *st)
{
	const struct fsd_layout *l;
	unsigned k, t;
	uint16_t idx, flags;

	st->world = (s->feat & FSD_F_WORLD_B) ? 1 : 0;
	l = fsd_layout(st->world);
	st->size = fsd_size(s->qsel);
	st->qindex = s->qsel >> 4;
	st->event_idx = s->feat & FSD_F_EVENT_IDX;
	st->indirect = (s->feat & FSD_F_INDIRECT) != 0;
	st->notify_off = (s->feat & FSD_F_NOTIFYOFF) != 0;
	st->bogus = (s->feat & FSD_F_BOGUS) != 0;
	st->cfg_size = st->size;
	if (s->feat & FSD_F_CFGSIZE) {
		uint16_t v = s->cfg_raw;

		if (v == 0 || (v & (v - 1)) || v > 32768)
			st->cfg_size = v; /* only sizes the device must refuse */
	}
	if (s->feat & FSD_F_RAWPLACE) {
		/* region (or hole, rsel & 4) base + offset, neither aligned nor clamped */
		for (k = 0; k < 3; k++) {
			uint8_t rs = s->place_sel[k];

			st->ring[k] = ((rs & 4) ? l->hole_lo[rs & 3] : l->r_gpa[rs & 3]) +
				      s->place_off[k];
		}
	} else if (s->feat & FSD_F_PLACE) {
		st->ring[0] = place_part(l, s->place_sel[0], s->place_off[0], 16u * st->size, 16);
		st->ring[1] = place_part(l, s->place_sel[1], s->place_off[1], 6 + 2u * st->size, 2);
		st->ring[2] = place_part(l, s->place_sel[2], s->place_off[2], 6 + 8u * st->size, 4);
	} else {
		st->ring[0] = l->r_gpa[2];
		st->ring[1] = l->r_gpa[2] + 0x1000;
		st->ring[2] = l->r_gpa[2] + 0x1400;
	}
	st->ring[3] = st->ring[2] + 4;

	st->ntab = s->ntab_raw % (FSD_NTAB + 1u);
	for (t = 0; t < FSD_NTAB; t++) {
		st->tab_n[t] = 0;
		st->tab_written[t] = 0;
		st->tab_gpa[t] = table_slot(l, t);
	}
	for (t = 0; t < st->ntab; t++) {
		st->tab_n[t] = entries_of(s->tab[t].rec, s->tab[t].nrec, FSD_TAB_MAX);
		st->tab_gpa[t] = place_table(l, t, s->tab[t].pk, s->tab[t].poff, st->tab_n[t]);
	}

	/* available ring */
	memset(st->avail_img, 0, 6 + 2u * st->size);
	for (k = 0; k < s->nent; k++) {
		uint8_t e = s->ent[k];
		uint16_t head;

		if (e < 0xf8)
			head = (uint16_t)(e % st->size);
		else if (e == 0xf8)
			head = st->size;
		else if (e == 0xf9)
			head = 0xffff;
		else if (e == 0xfa)
			head = (uint16_t)(st->size + 1);
		else
			head = e;
		st16(st->avail_img + 4 + 2 * k, head);
	}
	st->nent = s->nent;
	switch (s->amode & 3) {
	case 0: idx = (uint16_t)fsd_nent_of(s->nent_raw, st->size); break;
	case 1: idx = s->raw_idx; break;
	case 2: idx = (uint16_t)(0xffff - (s->raw_idx & 0xff)); break;
	default: idx = (uint16_t)(fsd_nent_of(s->nent_raw, st->size) + 1); break;
	}
	switch ((s->amode >> 2) & 3) {
	case 1: flags = 1; break; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	case 2: flags = s->raw_flags; break;
	default: flags = 0; break;
	}
	st->avail_idx = idx;
	st->avail_flags = flags;
	st->used_event = s->used_event;
	st16(st->avail_img, flags);
	st16(st->avail_img + 2, idx);
	st16(st->avail_img + 4 + 2u * st->size, s->used_event);

	/* descriptor images */
	st->n_desc = build(st, l, s->rec, s->nrec, st->size, st->size, st->desc_img);
	for (t = 0; t < st->ntab; t++)
		st->tab_written[t] = build(st, l, s->tab[t].rec, s->tab[t].nrec, FSD_TAB_MAX,
					   st->tab_n[t] ? st->tab_n[t] : 1, st->tab_img[t]);
}
