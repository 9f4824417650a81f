// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile DEVICE facing the reference driver's split-ring code
 * (vq_drv_*). The input sets a queue up, has the driver post chains (direct
 * and indirect, input-chosen shapes), publishes some, and then plays the
 * device through the "device" view of guest memory: it writes used elements,
 * moves used idx (forward, far, backwards), rewrites descriptors and indirect
 * entries, sets used flags and avail_event, interleaved with vq_drv_get,
 * vq_drv_kick_prepare, vq_drv_set_interrupt and more adds.
 *
 * Guest memory (three 64 KiB regions with holes, a driver and a device view)
 * is created once; each input gets a new vq_drv object (a calloc) and a
 * vq_drv_setup that zeroes its rings, so nothing carries over.
 *
 * An independent checker in this file keeps its own picture of every posted
 * chain (descriptor indices and a byte snapshot of each descriptor and
 * indirect entry, read back through the device view right after the add) and
 * decides for each vq_drv_get whether the next used entry is legitimate:
 * used idx distance <= published outstanding chains, id < size and the head
 * of an outstanding published chain (so never completed twice), len <= the
 * writable bytes posted, chain descriptors and indirect entries unchanged.
 *
 * Oracles: get returns the entry (token and len of exactly that chain) when
 * the checker says it is legitimate, and -1 with exactly one FATAL report
 * (CL_DEV_USED, or CL_DEV_DESC for a rewritten chain) when it is hostile;
 * once broken nothing is returned, adds fail, kicks publish nothing, no
 * further report; every returned token belongs to a published outstanding
 * chain, at most once per posting, with len <= its writable bytes; add fails
 * exactly when the request is not postable or the queue lacks descriptors,
 * and otherwise writes the chain as posted onto descriptors no outstanding
 * chain holds; num_free + descriptors held == size; kick_prepare publishes
 * avail idx and follows NO_NOTIFY / avail_event; used flags outside the
 * allowed values are recorded once; set_interrupt writes avail flags or
 * used_event as 2.7.7 / 2.7.10 say.
 *
 * Input: 4 header bytes, then operations (see decode below); missing bytes
 * read as zero. At most MAX_OPS operations per input.
 *   byte 0: queue size: b % 12 < 9 -> 1 << (b % 12); 9, 10, 11 -> 0, 3, 96
 *   byte 1: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC; bits 2..7 all set: a
 *           warm-up of 0xfffd legitimate chains first, so the 16-bit
 *           indices wrap during the input (rare: it costs ~50 ms)
 *   byte 2: indirect_max = b % 9 (0: no pool)
 *   byte 3: ring placement: < 0xf0 one of 4 valid layouts, else one of 6
 *           invalid ones (setup must fail)
 * Operation byte % 32 selects from op_map (add, kick, get, device put /
 * publish / complete / used idx / descriptor and indirect rewrites / used
 * flags / avail_event / scribbles, set_interrupt, bulk add, drain, and a
 * re-setup of the live queue with four more header bytes).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gm.h"
#include "oracle.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_driver_used"

/* guest memory: three 64 KiB regions with holes between them */
#define R0 0x10000ull
#define R1 0x100000ull
#define R2 0x1000000ull
#define RSIZE 0x10000ull
#define DATA_GPA (R1 + 0xc000ull) /* buffers: the driver never touches them */

#define QMAX 256
#define SEG_MAX 4 /* per direction */
#define CHAIN_MAX (2 * SEG_MAX)
#define IND_LIMIT 8
#define MAX_OPS 256

_Static_assert(16ull * QMAX * IND_LIMIT <= 0x8000, "indirect pool fits every layout");

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gm_t *gm;
static gm_view_t *drv_view, *dev_view;
static vq_drv_t *drv;

/* the driver's findings, as its sink sees them */
static struct {
	unsigned fatal, record;
	const char *clause; /* of the last FATAL one */
} rec;

static void sink(void *owner, const struct vc_violation *v)
{
	if (v->severity == VC_SEV_FATAL) {
		rec.fatal++;
		rec.clause = v->clause;
	} else {
		rec.record++;
	}
}

/* ------------------------------------------------------------ the model */

struct chain {
	bool outstanding; /* added and not yet reaped */
	bool published;   /* kick_prepare ran after the add */
	bool dev_done;    /* the device already wrote a used element naming it */
	uint32_t seq;     /* posting number; token = seq + 1 */
	uint64_t writable;
	uint16_t ndesc;   /* main-table descriptors held */
	uint16_t n_ind;   /* indirect entries, 0 if direct */
	uint64_t table_gpa;
	uint16_t idx[CHAIN_MAX];
	unsigned char snap[CHAIN_MAX][16];
	unsigned char isnap[IND_LIMIT][16];
	struct virtq_desc *table; /* device view of its indirect table */
};

static struct {
	struct vq_cfg cfg;
	uint16_t size, mask, ind_max;
	uint64_t pool;
	struct virtq_desc *desc; /* device view */
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t avail_idx;  /* chains added */
	uint16_t published;  /* avail idx as of the last publishing kick */
	uint16_t last_used;  /* entries reaped */
	uint16_t dev_uidx;   /* the device's own used idx */
	uint16_t outstanding, pub_out, held;
	uint32_t seq;
	uint64_t added, reaped, kicks;
	bool broken, intr, suppr_reported;
	int16_t owner[QMAX]; /* head of the chain holding descriptor i, or -1 */
	struct chain ch[QMAX];
} m;

/* A token names one posting: seq + 1; seq_head[] maps it to its head. At
 * most MAX_OPS * QMAX adds happen between two setups. */
static uint16_t seq_head[MAX_OPS * QMAX + 1];

static uint16_t ld16(const le16 *p) { return le16_load_once(p); }
static void st16(le16 *p, uint16_t v) { le16_store_release(p, v); }

/* 2.7.10, written from the spec text */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

static uint16_t used_event_seen(void) { return ld16(virtq_used_event(m.avail, m.size)); }
static uint16_t avail_flags_seen(void) { return ld16(&m.avail->flags); }

static void check_invariants(void)
{
	const struct vq_drv_stats *s = vq_drv_stats(drv);

	ORACLE(vq_drv_broken(drv) == m.broken, HARNESS, "driver broken=%d, checker says %d",
	       vq_drv_broken(drv), m.broken);
	ORACLE((unsigned)vq_drv_num_free(drv) + m.held == m.size, CL_DRV_DESC,
	       "num_free %u + %u descriptors held by outstanding chains != queue size %u",
	       vq_drv_num_free(drv), m.held, m.size);
	ORACLE(vq_drv_outstanding(drv) == m.outstanding, HARNESS, "outstanding %u, checker %u",
	       vq_drv_outstanding(drv), m.outstanding);
	ORACLE(s->added == m.added && s->reaped == m.reaped && s->kicks == m.kicks, HARNESS,
	       "stats added/reaped/kicks %llu/%llu/%llu, checker %llu/%llu/%llu",
	       (unsigned long long)s->added, (unsigned long long)s->reaped,
	       (unsigned long long)s->kicks, (unsigned long long)m.added,
	       (unsigned long long)m.reaped, (unsigned long long)m.kicks);
	/* at most one fatal report per breakage, none without one */
	ORACLE(rec.fatal == (m.broken ? 1u : 0u), HARNESS, "%u fatal reports, broken=%d",
	       rec.fatal, m.broken);
	if (m.cfg.event_idx)
		ORACLE(avail_flags_seen() == 0, CL_DRV_USED_SUPPR,
		       "avail flags 0x%x with VIRTIO_F_EVENT_IDX", avail_flags_seen());
}

/* ------------------------------------------------------------ driver calls */

static uint32_t pick_len(struct fin *f)
{
	static const uint32_t special[8] = { 0,		  1,	       0xffff,	    0x10000,
					     0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu };
	uint8_t b = fin_u8(f);

	return b < 0xf8 ? (uint32_t)b * 4u + (b & 3u) : special[b - 0xf8];
}

static void check_desc(const struct virtq_desc *d, const struct vq_buf *b, uint16_t want_flags,
		       const char *clause, const char *what, unsigned k)
{
	uint64_t addr = le64_to_cpu(d->addr);
	uint32_t len = le32_to_cpu(d->len);
	uint16_t flags = le16_to_cpu(d->flags);

	ORACLE(addr == b->gpa && len == b->len && flags == want_flags, clause,
	       "%s entry %u reads addr 0x%llx len %u flags 0x%x, posted 0x%llx %u flags 0x%x",
	       what, k, (unsigned long long)addr, len, flags, (unsigned long long)b->gpa, b->len,
	       want_flags);
}

/* Post one chain through vq_drv_add and check the result against the model. */
static int do_add(const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		  unsigned n_in, bool indirect)
{
	unsigned total = n_out + n_in, k;
	uint64_t bytes = 0, writable = 0;
	uint16_t nfree = (uint16_t)(m.size - m.held);
	unsigned rec0 = rec.fatal + rec.record;
	bool exp_fail;
	struct chain *c;
	int h;

	for (k = 0; k < total; k++) {
		const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];

		bytes += b->len;
		if (k >= n_out)
			writable += b->len;
	}
	exp_fail = m.broken || total == 0 || total > m.size || bytes > (1ull << 32) ||
		   (indirect ? (!m.cfg.indirect || total > m.ind_max || nfree < 1)
			     : nfree < total);
	h = vq_drv_add(drv, out, n_out, in, n_in, (void *)(uintptr_t)(m.seq + 1), indirect);
	ORACLE(rec.fatal + rec.record == rec0, HARNESS, "vq_drv_add reported a violation");
	if (exp_fail) {
		ORACLE(h == -1, CL_DRV_DESC,
		       "add of %u+%u (%s, %llu bytes, %u free, broken %d) returned %d, not -1",
		       n_out, n_in, indirect ? "indirect" : "direct", (unsigned long long)bytes,
		       nfree, m.broken, h);
		return -1;
	}
	ORACLE(h >= 0 && h < m.size, HARNESS,
	       "add of %u+%u (%s, %llu bytes, %u free) refused: %d", n_out, n_in,
	       indirect ? "indirect" : "direct", (unsigned long long)bytes, nfree, h);
	c = &m.ch[h];
	ORACLE(!c->outstanding && m.owner[h] < 0, CL_DRV_DESC,
	       "add returned head %d, which chain %d still holds", h, m.owner[h]);
	memset(c, 0, sizeof(*c));
	c->seq = m.seq;
	c->writable = writable;
	if (indirect) {
		const struct virtq_desc *d = &m.desc[h];
		uint64_t pool_end = m.pool + 16ull * m.size * m.ind_max;
		uint16_t cur = 0;
		bool seen[IND_LIMIT] = { false };
		uint16_t j;

		ORACLE(le16_to_cpu(d->flags) == VIRTQ_DESC_F_INDIRECT &&
			       le32_to_cpu(d->len) == 16u * total,
		       CL_DRV_INDIRECT, "indirect head %d: flags 0x%x len %u for %u entries", h,
		       le16_to_cpu(d->flags), le32_to_cpu(d->len), total);
		c->table_gpa = le64_to_cpu(d->addr);
		ORACLE(c->table_gpa >= m.pool && c->table_gpa + 16ull * total <= pool_end,
		       CL_DRV_INDIRECT, "indirect table 0x%llx outside the pool",
		       (unsigned long long)c->table_gpa);
		for (j = 0; j < m.size; j++) {
			const struct chain *o = &m.ch[j];

			if (j == h || !o->outstanding || !o->n_ind)
				continue;
			ORACLE(c->table_gpa + 16ull * total <= o->table_gpa ||
				       o->table_gpa + 16ull * o->n_ind <= c->table_gpa,
			       CL_DRV_INDIRECT, "indirect table of head %d overlaps that of %u", h, j);
		}
		c->table = gm_translate(dev_view, c->table_gpa, 16ull * total, GM_READ);
		ORACLE(c->table != NULL, CL_DRV_INDIRECT, "indirect table outside guest memory");
		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));

			ORACLE(cur < total && !seen[cur], CL_DRV_INDIRECT,
			       "indirect chain of head %d: entry %u reached twice or out of range", h,
			       cur);
			seen[cur] = true;
			check_desc(&c->table[cur], b, fl, CL_DRV_INDIRECT, "indirect table", cur);
			if (k + 1 < total)
				cur = le16_to_cpu(c->table[cur].next);
		}
		memcpy(c->isnap, c->table, 16u * total);
		c->n_ind = (uint16_t)total;
		c->ndesc = 1;
		c->idx[0] = (uint16_t)h;
		memcpy(c->snap[0], d, 16);
		m.owner[h] = (int16_t)h;
	} else {
		uint16_t cur = (uint16_t)h;

		for (k = 0; k < total; k++) {
			const struct vq_buf *b = k < n_out ? &out[k] : &in[k - n_out];
			uint16_t fl = (uint16_t)((k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));

			ORACLE(cur < m.size, CL_DRV_DESC, "chain of head %d: next %u >= size %u", h,
			       cur, m.size);
			ORACLE(m.owner[cur] < 0, CL_DRV_DESC,
			       "chain of head %d uses descriptor %u, held by chain %d", h, cur,
			       m.owner[cur]);
			check_desc(&m.desc[cur], b, fl, CL_DRV_DESC, "descriptor table", cur);
			m.owner[cur] = (int16_t)h;
			c->idx[k] = cur;
			memcpy(c->snap[k], &m.desc[cur], 16);
			if (k + 1 < total)
				cur = le16_to_cpu(m.desc[cur].next);
		}
		c->ndesc = (uint16_t)total;
	}
	ORACLE(ld16(&m.avail->ring[m.avail_idx & m.mask]) == h, CL_DRV_AVAIL,
	       "avail ring[%u] = %u, added head %d", m.avail_idx & m.mask,
	       ld16(&m.avail->ring[m.avail_idx & m.mask]), h);
	c->outstanding = true;
	ORACLE(m.seq < sizeof(seq_head) / sizeof(seq_head[0]), HARNESS, "too many adds");
	seq_head[m.seq] = (uint16_t)h;
	m.held = (uint16_t)(m.held + c->ndesc);
	m.outstanding++;
	m.avail_idx++;
	m.added++;
	m.seq++;
	return h;
}

static void do_kick(void)
{
	bool exp = false, exp_rec = false, got;
	unsigned rec0 = rec.record, k;

	if (!m.broken && m.avail_idx != m.published) {
		uint16_t flags = ld16(&m.used->flags);

		if (m.cfg.event_idx) {
			exp = need_event(ld16(virtq_avail_event(m.used, m.size)), m.avail_idx,
					 m.published);
			exp_rec = flags != 0 && !m.suppr_reported;
		} else {
			exp = !(flags & VIRTQ_USED_F_NO_NOTIFY);
			exp_rec = (flags & ~VIRTQ_USED_F_NO_NOTIFY) && !m.suppr_reported;
		}
	}
	got = vq_drv_kick_prepare(drv);
	ORACLE(got == exp, CL_DRV_NOTIFYING, "kick_prepare returned %d, expected %d", got, exp);
	ORACLE(rec.record - rec0 == (exp_rec ? 1u : 0u), CL_DEV_AVAIL_SUPPR,
	       "%u suppression findings for this kick, expected %d", rec.record - rec0,
	       exp_rec);
	m.suppr_reported |= exp_rec;
	if (exp)
		m.kicks++;
	if (m.broken || m.avail_idx == m.published)
		return;
	ORACLE(ld16(&m.avail->idx) == m.avail_idx, CL_DRV_UPDATE_IDX,
	       "avail idx reads %u after kick_prepare, %u chains added", ld16(&m.avail->idx),
	       m.avail_idx);
	m.published = m.avail_idx;
	for (k = 0; k < m.size; k++) {
		struct chain *c = &m.ch[k];

		if (c->outstanding && !c->published) {
			c->published = true;
			m.pub_out++;
		}
	}
}

static bool chain_rewritten(const struct chain *c)
{
	unsigned k;

	for (k = 0; k < c->ndesc; k++)
		if (memcmp(&m.desc[c->idx[k]], c->snap[k], 16) != 0)
			return true;
	return c->n_ind && memcmp(c->table, c->isnap, 16u * c->n_ind) != 0;
}

static struct chain *token_chain(void *tok)
{
	uint64_t seq = (uint64_t)(uintptr_t)tok - 1;
	struct chain *c;

	if (seq >= m.seq)
		return NULL;
	c = &m.ch[seq_head[seq]];
	return c->outstanding && c->seq == seq ? c : NULL;
}

enum verdict { V_BROKEN, V_EMPTY, V_LEGIT, V_HOSTILE_USED, V_HOSTILE_DESC };

/* The independent decision about the next used entry. */
static enum verdict judge(uint32_t *id_out, uint32_t *len_out)
{
	uint16_t dist;
	const struct virtq_used_elem *e;
	const struct chain *c;
	uint32_t id, len;

	if (m.broken)
		return V_BROKEN;
	dist = (uint16_t)(ld16(&m.used->idx) - m.last_used);
	if (dist == 0)
		return V_EMPTY;
	if (dist > m.pub_out)
		return V_HOSTILE_USED;
	e = &m.used->ring[m.last_used & m.mask];
	id = le32_load_once(&e->id);
	len = le32_load_once(&e->len);
	*id_out = id;
	*len_out = len;
	if (id >= m.size)
		return V_HOSTILE_USED;
	c = &m.ch[id];
	if (!c->outstanding || !c->published || len > c->writable)
		return V_HOSTILE_USED;
	return chain_rewritten(c) ? V_HOSTILE_DESC : V_LEGIT;
}

static int do_get(void)
{
	uint32_t id = 0, ulen = 0, len = 0xdeadbeefu;
	enum verdict v = judge(&id, &ulen);
	unsigned fatal0 = rec.fatal, rec0 = rec.record, k;
	void *tok = NULL;
	struct chain *c;
	int rc = vq_drv_get(drv, &tok, &len);

	switch (v) {
	case V_BROKEN:
		ORACLE(rc == -1 && rec.fatal == fatal0, CL_DEV_USED,
		       "get on a broken queue returned %d (token %p)", rc, tok);
		break;
	case V_EMPTY:
		ORACLE(rc == 0, HARNESS, "get with nothing used returned %d", rc);
		break;
	case V_HOSTILE_USED:
	case V_HOSTILE_DESC:
		ORACLE(rc == -1, v == V_HOSTILE_DESC ? CL_DEV_DESC : CL_DEV_USED,
		       "hostile used entry (id %u len %u) accepted: get returned %d", id, ulen, rc);
		ORACLE(rec.fatal == fatal0 + 1, HARNESS, "%u fatal reports for one bad entry",
		       rec.fatal - fatal0);
		ORACLE(rec.clause &&
			       strcmp(rec.clause, v == V_HOSTILE_DESC ? CL_DEV_DESC : CL_DEV_USED) == 0,
		       HARNESS,
		       "bad entry (%s) reported under %s",
		       v == V_HOSTILE_DESC ? "rewritten chain" : "bad used entry", rec.clause);
		ORACLE(vq_drv_broken(drv), HARNESS, "queue not broken after a fatal report");
		m.broken = true;
		break;
	case V_LEGIT:
		ORACLE(rc == 1, HARNESS, "legitimate used entry (id %u len %u) refused: %d", id,
		       ulen, rc);
		break;
	}
	ORACLE(rec.record == rec0, HARNESS, "get recorded a non-fatal finding");
	if (rc != 1)
		return rc;
	/* the token on its own: a published outstanding chain, once, len <= writable */
	c = token_chain(tok);
	ORACLE(c != NULL, CL_DEV_USED, "get returned token %p of no outstanding chain", tok);
	ORACLE(c->published, CL_DEV_USED, "get returned token %p of an unpublished chain", tok);
	ORACLE(len <= c->writable, CL_DEV_USED, "get returned len %u > %llu writable", len,
	       (unsigned long long)c->writable);
	ORACLE(c == &m.ch[id] && len == ulen, HARNESS,
	       "get returned token %p len %u; the used entry names id %u len %u", tok, len, id,
	       ulen);
	for (k = 0; k < c->ndesc; k++)
		m.owner[c->idx[k]] = -1;
	m.held = (uint16_t)(m.held - c->ndesc);
	c->outstanding = false;
	m.outstanding--;
	m.pub_out--;
	m.last_used++;
	m.reaped++;
	if (m.cfg.event_idx && m.intr)
		ORACLE(used_event_seen() == m.last_used, CL_DRV_USED_SUPPR,
		       "used_event %u after reaping up to %u", used_event_seen(), m.last_used);
	return 1;
}

/* ------------------------------------------------------------ the device */

/* k-th chain (wrapping) that passes the filter; NULL when none does */
static struct chain *pick_chain(uint8_t k, bool published_only, bool fresh_only,
				bool unpublished_only, bool indirect_only)
{
	unsigned n = 0, i, want;

	for (i = 0; i < m.size; i++) {
		const struct chain *c = &m.ch[i];

		if (c->outstanding && (!published_only || c->published) &&
		    (!unpublished_only || !c->published) && (!fresh_only || !c->dev_done) &&
		    (!indirect_only || c->n_ind))
			n++;
	}
	if (!n)
		return NULL;
	want = k % n;
	for (i = 0; i < m.size; i++) {
		struct chain *c = &m.ch[i];

		if (c->outstanding && (!published_only || c->published) &&
		    (!unpublished_only || !c->published) && (!fresh_only || !c->dev_done) &&
		    (!indirect_only || c->n_ind) && want-- == 0)
			return c;
	}
	return NULL;
}

static uint16_t head_of(const struct chain *c) { return c->idx[0]; }

static void put_used(uint32_t id, uint32_t len)
{
	struct virtq_used_elem *e = &m.used->ring[m.dev_uidx & m.mask];

	le32_store_once(&e->id, id);
	le32_store_once(&e->len, len);
	m.dev_uidx++;
	if (id < m.size && m.ch[id].outstanding)
		m.ch[id].dev_done = true;
}

static void publish_used(void) { st16(&m.used->idx, m.dev_uidx); }

static uint32_t clamp32(uint64_t v) { return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v; }

static uint32_t pick_id(struct fin *f, const struct chain **cp)
{
	uint8_t sel = fin_u8(f), k = fin_u8(f);
	const struct chain *c = NULL;

	*cp = NULL;
	switch (sel % 8) {
	case 0: case 1: case 2:
		c = pick_chain(k, true, false, false, false);
		break;
	case 3:
		c = pick_chain(k, false, false, true, false);
		break;
	case 4: /* a descriptor held by no chain (free, or completed) */
		{
			unsigned i;

			for (i = 0; i < m.size; i++)
				if (m.owner[(k + i) % m.size] < 0)
					return (uint32_t)((k + i) % m.size);
			return k % m.size;
		}
	case 5: /* a member that is not the head */
		c = pick_chain(k, false, false, false, false);
		if (c && c->ndesc > 1)
			return c->idx[1 + k % (c->ndesc - 1)];
		break;
	case 6: {
		const struct chain *o = pick_chain(k, false, false, false, false);
		uint32_t raw[6] = { m.size, m.size + 1u, 0xffffffffu, 0x8000u, 0x10000u, 0u };

		if (o)
			raw[5] = 0x10000u + head_of(o);
		return raw[k % 6];
	}
	default:
		return fin_u16(f);
	}
	*cp = c;
	return c ? head_of(c) : (uint32_t)(k % m.size);
}

static uint32_t pick_used_len(struct fin *f, const struct chain *c)
{
	uint8_t sel = fin_u8(f);
	uint64_t w = c ? c->writable : 0;

	switch (sel % 8) {
	case 0: case 1: return clamp32(w);
	case 2: return 0;
	case 3: return clamp32(w + 1);
	case 4: return clamp32(w / 2);
	case 5: return 0xffffffffu;
	case 6: return fin_u32(f);
	default: return 1;
	}
}

static void dev_put(struct fin *f)
{
	const struct chain *c;
	uint32_t id = pick_id(f, &c);

	put_used(id, pick_used_len(f, c));
}

static void dev_complete(struct fin *f)
{
	uint8_t k = fin_u8(f), lsel = fin_u8(f);
	struct chain *c = pick_chain(k, true, true, false, false);
	uint32_t len;

	if (!c)
		return;
	len = lsel % 3 == 0 ? clamp32(c->writable) : lsel % 3 == 1 ? 0 :
	      (uint32_t)(c->writable < lsel ? c->writable : lsel);
	put_used(head_of(c), len);
	publish_used();
}

static void dev_complete_all(struct fin *f)
{
	uint8_t mode = fin_u8(f);
	unsigned i;

	for (i = 0; i < m.size; i++) {
		unsigned j = (mode & 1) ? m.size - 1 - i : i;
		struct chain *c = &m.ch[j];

		if (c->outstanding && c->published && !c->dev_done)
			put_used(j, (mode & 2) ? 0 : clamp32(c->writable));
	}
	publish_used();
}

static void dev_idx(struct fin *f)
{
	uint8_t mode = fin_u8(f), arg = fin_u8(f);
	uint16_t v;

	switch (mode % 8) {
	case 0: v = (uint16_t)(m.dev_uidx + 1); break;
	case 1: v = (uint16_t)(m.dev_uidx + 1 + arg % 8); break;
	case 2: v = (uint16_t)(m.dev_uidx + 0x8000); break;
	case 3: v = (uint16_t)(m.last_used - 1); break;
	case 4: v = (uint16_t)(m.dev_uidx - 1 - arg % 8); break;
	case 5: v = (uint16_t)(arg | (uint16_t)fin_u8(f) << 8); break;
	case 6: v = m.last_used; break;
	default: v = (uint16_t)(m.last_used + m.pub_out + 1); break;
	}
	m.dev_uidx = v;
	publish_used();
}

/* rewrite one field of a descriptor-shaped entry */
static void rewrite(struct virtq_desc *d, struct fin *f)
{
	uint8_t field = fin_u8(f), vmode = fin_u8(f), bit = fin_u8(f);

	switch (field % 4) {
	case 0: {
		uint64_t a = le64_to_cpu(d->addr);

		a = vmode % 4 == 0 ? a : vmode % 4 == 1 ? a ^ (1ull << (bit % 64)) :
		    vmode % 4 == 2 ? fin_u64(f) : 0;
		d->addr = cpu_to_le64(a);
		break;
	}
	case 1: {
		uint32_t l = le32_to_cpu(d->len);

		l = vmode % 4 == 0 ? l : vmode % 4 == 1 ? l ^ (1u << (bit % 32)) :
		    vmode % 4 == 2 ? fin_u32(f) : 0;
		d->len = cpu_to_le32(l);
		break;
	}
	case 2: {
		uint16_t fl = le16_to_cpu(d->flags);

		fl = vmode % 4 == 0 ? fl : vmode % 4 == 1 ? (uint16_t)(fl ^ (1u << (bit % 16))) :
		     vmode % 4 == 2 ? fin_u16(f) : 0;
		d->flags = cpu_to_le16(fl);
		break;
	}
	default: {
		uint16_t nx = le16_to_cpu(d->next);

		nx = vmode % 4 == 0 ? nx : vmode % 4 == 1 ? (uint16_t)(nx ^ (1u << (bit % 16))) :
		     vmode % 4 == 2 ? fin_u16(f) : 0;
		d->next = cpu_to_le16(nx);
		break;
	}
	}
}

static void dev_desc(struct fin *f)
{
	uint8_t mode = fin_u8(f), k = fin_u8(f);
	unsigned i = k % m.size;

	if (mode % 3 == 0) {
		const struct chain *c = pick_chain(k, false, false, false, false);

		if (c)
			i = c->idx[(mode / 3) % c->ndesc];
	} else if (mode % 3 == 1) {
		unsigned j;

		for (j = 0; j < m.size; j++)
			if (m.owner[(k + j) % m.size] < 0) {
				i = (k + j) % m.size;
				break;
			}
	}
	rewrite(&m.desc[i], f);
}

static void dev_ind(struct fin *f)
{
	uint8_t mode = fin_u8(f), k = fin_u8(f), e = fin_u8(f);
	const struct chain *c;
	struct virtq_desc *t;

	if (!m.ind_max)
		return;
	c = mode & 1 ? NULL : pick_chain(k, false, false, false, true);
	if (c) {
		t = &c->table[e % c->n_ind];
	} else {
		uint64_t off = 16ull * ((uint64_t)(k % m.size) * m.ind_max + e % m.ind_max);

		t = gm_translate(dev_view, m.pool + off, 16, GM_WRITE);
		ORACLE(t != NULL, HARNESS, "pool slot outside guest memory");
	}
	rewrite(t, f);
}

static void dev_used_flags(struct fin *f)
{
	static const uint16_t v[8] = { 0, 1, 2, 3, 0x8000, 0xffff, 0xfffe, 0 };
	uint8_t s = fin_u8(f);

	st16(&m.used->flags, s % 8 == 7 ? fin_u16(f) : v[s % 8]);
}

static void dev_avail_event(struct fin *f)
{
	uint8_t s = fin_u8(f);

	st16(virtq_avail_event(m.used, m.size),
	     s & 0x80 ? fin_u16(f) : (uint16_t)(m.avail_idx + (int)(s & 0x7f) - 64));
}

/* the device scribbles where a correct driver never looks again */
static void dev_scribble(struct fin *f)
{
	uint8_t what = fin_u8(f), pat = fin_u8(f);
	unsigned i;

	if (what & 1)
		for (i = 0; i < m.size; i++)
			if (m.owner[i] < 0)
				memset(&m.desc[i], pat, 16);
	if ((what & 2) && m.ind_max)
		for (i = 0; i < m.size; i++)
			if (!(m.ch[i].outstanding && m.ch[i].n_ind)) {
				void *p = gm_translate(dev_view, m.pool + 16ull * i * m.ind_max,
						       16ull * m.ind_max, GM_WRITE);

				ORACLE(p != NULL, HARNESS, "pool outside guest memory");
				memset(p, pat, 16ull * m.ind_max);
			}
	if (what & 4) {
		/* avail ring entries and idx (not flags, not used_event) */
		memset(&m.avail->idx, pat, 2u + 2u * m.size);
	}
	if (what & 8) {
		/* used ring elements: hostile, unless nothing is published past them */
		memset(m.used->ring, pat, 8u * m.size);
	}
}

static void drv_set_interrupt(struct fin *f)
{
	bool on = fin_u8(f) & 1;

	vq_drv_set_interrupt(drv, on);
	m.intr = on;
	if (m.cfg.event_idx) {
		if (on)
			ORACLE(used_event_seen() == m.last_used, CL_DRV_USED_SUPPR,
			       "used_event %u after enabling interrupts at %u", used_event_seen(),
			       m.last_used);
	} else {
		ORACLE(avail_flags_seen() == (on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT), CL_DRV_USED_SUPPR,
		       "avail flags 0x%x with interrupts %s", avail_flags_seen(), on ? "on" : "off");
	}
}

static void drv_add(struct fin *f)
{
	struct vq_buf out[SEG_MAX], in[SEG_MAX];
	uint8_t s = fin_u8(f);
	unsigned n_out = (s & 7) % (SEG_MAX + 1), n_in = ((s >> 3) & 7) % (SEG_MAX + 1), k;

	for (k = 0; k < n_out; k++) {
		out[k].gpa = DATA_GPA + 0x100ull * k;
		out[k].len = pick_len(f);
	}
	for (k = 0; k < n_in; k++) {
		in[k].gpa = DATA_GPA + 0x800ull + 0x100ull * k;
		in[k].len = pick_len(f);
	}
	do_add(out, n_out, in, n_in, (s >> 6) & 1);
}

static void drv_bulk(struct fin *f)
{
	uint8_t s = fin_u8(f);
	struct vq_buf b = { DATA_GPA, (uint32_t)fin_u8(f) + 1u };
	unsigned n = s % (m.size + 1u), k;

	for (k = 0; k < n; k++)
		if (do_add(NULL, 0, &b, 1, (s >> 7) & 1) < 0)
			break;
}

static void drv_drain(void)
{
	unsigned k;

	for (k = 0; k < m.size + 2u; k++)
		if (do_get() != 1)
			break;
}

/* ------------------------------------------------------------ setup */

struct layout {
	uint64_t desc, avail, used, pool;
};

static void pick_layout(uint8_t sel, uint16_t size, struct layout *l)
{
	static const struct layout fixed[3] = {
		{ R0, R0 + 0x1000, R0 + 0x2000, R0 + 0x8000 },
		{ R1 + 0x10, R0 + 0x2, R2 + 0x4, R1 + 0x2000 },
		{ R2 + 0xff0, R2 + 0x1ffe, R2 + 0x3ffc, R0 + 0x10 },
	};

	if (sel < 0xf0) {
		if (sel % 4 < 3) {
			*l = fixed[sel % 4];
		} else {
			/* each part against the end of its region */
			l->desc = R0 + RSIZE - virtq_desc_bytes(size);
			l->avail = R1 + RSIZE - virtq_avail_bytes(size);
			l->used = R2 + RSIZE - virtq_used_bytes(size) - 2;
			l->pool = R2;
		}
		return;
	}
	*l = fixed[0];
	switch ((sel - 0xf0) % 6) {
	case 0: l->desc += 8; break;
	case 1: l->avail += 1; break;
	case 2: l->used += 2; break;
	case 3: l->used = R0 + RSIZE - 4; break;
	case 4: l->desc = R0 + RSIZE + 0x1000; break; /* a hole */
	default: l->pool = R2 + RSIZE - 16; break;
	}
}

/* The warm-up's own edges would make every warm input look new to the
 * fuzzer, and each costs ~50 ms: keep them out of the coverage map. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* Move every index to n with legitimate traffic, in batches of a queue's
 * worth (the 16-bit indices then wrap during the input). */
NO_COVERAGE static void warm_up(uint32_t n)
{
	static const struct vq_buf b = { DATA_GPA, 8 };
	uint32_t done = 0;

	while (done < n) {
		uint32_t batch = n - done < m.size ? n - done : m.size, i;

		for (i = 0; i < batch; i++) {
			int h = vq_drv_add(drv, &b, 1, NULL, 0, (void *)(uintptr_t)0xfeed, false);
			struct virtq_used_elem *e = &m.used->ring[(done + i) & m.mask];

			ORACLE(h >= 0, HARNESS, "warm-up add %u refused", done + i);
			le32_store_once(&e->id, (uint32_t)h);
			le32_store_once(&e->len, 0);
		}
		m.kicks += vq_drv_kick_prepare(drv);
		st16(&m.used->idx, (uint16_t)(done + batch));
		for (i = 0; i < batch; i++) {
			void *tok = NULL;
			uint32_t len = 1;

			ORACLE(vq_drv_get(drv, &tok, &len) == 1 && tok == (void *)(uintptr_t)0xfeed &&
				       len == 0,
			       HARNESS, "warm-up completion %u refused", done + i);
		}
		done += batch;
	}
	m.avail_idx = m.published = m.last_used = m.dev_uidx = (uint16_t)n;
	m.added = m.reaped = n;
}

static bool part_ok(uint64_t gpa, uint64_t len, uint64_t align)
{
	return gpa % align == 0 && gm_range_ok(dev_view, gpa, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct gm_region_spec regs[3] = {
		{ R0, RSIZE },
		{ R1, RSIZE },
		{ R2, RSIZE },
	};

	gm = gm_create(regs, 3);
	drv_view = gm ? gm_view_map(gm, "driver") : NULL;
	dev_view = gm ? gm_view_map(gm, "device") : NULL;
	if (!drv_view || !dev_view) {
		fprintf(stderr, "fuzz_driver_used: cannot create guest memory\n");
		exit(1);
	}
	return 0;
}

enum op {
	OP_ADD, OP_KICK, OP_GET, OP_PUT, OP_PUBLISH, OP_COMPLETE, OP_COMPLETE_ALL, OP_IDX,
	OP_DESC, OP_IND, OP_UFLAGS, OP_AEVENT, OP_SCRIBBLE, OP_INTR, OP_BULK, OP_DRAIN,
	OP_RESETUP,
};

/* operation byte % 32 -> operation, weighted towards the common ones */
static const uint8_t op_map[32] = {
	OP_ADD,	     OP_ADD,	  OP_ADD,      OP_ADD,		 OP_KICK,   OP_KICK,
	OP_KICK,     OP_GET,	  OP_GET,      OP_GET,		 OP_GET,    OP_PUT,
	OP_PUT,	     OP_PUBLISH,  OP_COMPLETE, OP_COMPLETE,	 OP_COMPLETE, OP_COMPLETE_ALL,
	OP_IDX,	     OP_IDX,	  OP_DESC,     OP_DESC,		 OP_IND,    OP_IND,
	OP_UFLAGS,   OP_AEVENT,	  OP_SCRIBBLE, OP_INTR,		 OP_BULK,   OP_DRAIN,
	OP_DRAIN,    OP_RESETUP,
};

/*
 * (Re)configure the queue from four header-style bytes. vq_drv_setup may be
 * called again on a live queue: everything starts over. false when the
 * setup (rightly) failed; the failure oracles have run then.
 */
static bool setup(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3, bool allow_warm)
{
	static const uint16_t bad_sizes[3] = { 0, 3, 96 };
	uint16_t qsize = b0 % 12 < 9 ? (uint16_t)(1u << (b0 % 12)) : bad_sizes[b0 % 12 - 9];
	struct layout l;
	bool ok;
	int rc;

	memset(&rec, 0, sizeof(rec));
	memset(&m.cfg, 0, sizeof(m.cfg));
	m.ind_max = (uint16_t)(b2 % (IND_LIMIT + 1));
	pick_layout(b3, qsize ? qsize : 1, &l);
	m.cfg.index = 0;
	m.cfg.size = qsize;
	m.cfg.desc = l.desc;
	m.cfg.driver = l.avail;
	m.cfg.device = l.used;
	m.cfg.event_idx = b1 & 1;
	m.cfg.indirect = (b1 >> 1) & 1;
	m.pool = l.pool;
	ok = qsize && !(qsize & (qsize - 1)) && part_ok(l.desc, virtq_desc_bytes(qsize), 16) &&
	     part_ok(l.avail, virtq_avail_bytes(qsize), 2) &&
	     part_ok(l.used, virtq_used_bytes(qsize), 4) &&
	     (!m.ind_max || gm_range_ok(dev_view, l.pool, 16ull * qsize * m.ind_max));
	rc = vq_drv_setup(drv, &m.cfg, l.pool, m.ind_max);
	ORACLE(rc == (ok ? 0 : -1), CL_DRV_VIRTQUEUES,
	       "setup of size %u desc 0x%llx avail 0x%llx used 0x%llx pool 0x%llx returned %d", qsize,
	       (unsigned long long)l.desc, (unsigned long long)l.avail, (unsigned long long)l.used,
	       (unsigned long long)l.pool, rc);
	if (!ok) {
		struct vq_buf b = { DATA_GPA, 8 };
		void *tok = NULL;
		uint32_t len;

		ORACLE(vq_drv_add(drv, NULL, 0, &b, 1, &tok, false) == -1 &&
			       vq_drv_add(drv, NULL, 0, &b, 1, &tok, true) == -1,
		       HARNESS, "add on a queue whose setup failed");
		ORACLE(vq_drv_get(drv, &tok, &len) == -1, HARNESS,
		       "get on a queue whose setup failed");
		ORACLE(!vq_drv_kick_prepare(drv), HARNESS, "kick on a queue whose setup failed");
		ORACLE(rec.fatal + rec.record == 0, HARNESS, "a failed setup reported a violation");
		return false;
	}
	m.size = qsize;
	m.mask = (uint16_t)(qsize - 1);
	m.desc = gm_translate(dev_view, l.desc, virtq_desc_bytes(qsize), GM_WRITE);
	m.avail = gm_translate(dev_view, l.avail, virtq_avail_bytes(qsize), GM_WRITE);
	m.used = gm_translate(dev_view, l.used, virtq_used_bytes(qsize), GM_WRITE);
	m.avail_idx = m.published = m.last_used = m.dev_uidx = 0;
	m.outstanding = m.pub_out = m.held = 0;
	m.seq = 0;
	m.added = m.reaped = m.kicks = 0;
	m.broken = false;
	m.intr = true;
	m.suppr_reported = false;
	memset(m.owner, 0xff, sizeof(m.owner));
	memset(m.ch, 0, sizeof(m.ch[0]) * qsize);
	/* drivernormative: Available Buffer Notification Suppression -- used
	 * ring (flags) starts at 0; the setup zeroes all three parts */
	ORACLE(ld16(&m.used->flags) == 0 && ld16(&m.used->idx) == 0 && avail_flags_seen() == 0 &&
		       ld16(&m.avail->idx) == 0,
	       CL_DRV_AVAIL_SUPPR, "rings not zeroed by setup");
	ORACLE(vq_drv_num_free(drv) == qsize && vq_drv_outstanding(drv) == 0 && !vq_drv_broken(drv),
	       HARNESS, "a fresh setup is not empty");
	/* costly (65k chains, ~50 ms instrumented): only when bits 2..7 are
	 * all set; the indices wrap after three more chains */
	if (allow_warm && (b1 & 0xfc) == 0xfc)
		warm_up(0xfffdu);
	check_invariants();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t b0 = fin_u8(&f), b1 = fin_u8(&f), b2 = fin_u8(&f), b3 = fin_u8(&f);
	unsigned n_ops, k;

	/* a fresh driver object per input: nothing carries over */
	drv = vq_drv_new(drv_view, sink, NULL);
	ORACLE(drv != NULL, HARNESS, "out of memory");
	if (!setup(b0, b1, b2, b3, true))
		goto out;

	for (n_ops = 0; n_ops < MAX_OPS && !fin_done(&f); n_ops++) {
		switch (op_map[fin_u8(&f) % 32]) {
		case OP_ADD: drv_add(&f); break;
		case OP_KICK: do_kick(); break;
		case OP_GET: do_get(); break;
		case OP_PUT: dev_put(&f); break;
		case OP_PUBLISH: publish_used(); break;
		case OP_COMPLETE: dev_complete(&f); break;
		case OP_COMPLETE_ALL: dev_complete_all(&f); break;
		case OP_IDX: dev_idx(&f); break;
		case OP_DESC: dev_desc(&f); break;
		case OP_IND: dev_ind(&f); break;
		case OP_UFLAGS: dev_used_flags(&f); break;
		case OP_AEVENT: dev_avail_event(&f); break;
		case OP_SCRIBBLE: dev_scribble(&f); break;
		case OP_INTR: drv_set_interrupt(&f); break;
		case OP_BULK: drv_bulk(&f); break;
		case OP_DRAIN: drv_drain(); break;
		case OP_RESETUP: {
			uint8_t c0 = fin_u8(&f), c1 = fin_u8(&f), c2 = fin_u8(&f), c3 = fin_u8(&f);

			if (!setup(c0, c1, c2, c3, false))
				goto out;
			break;
		}
		}
		check_invariants();
	}
	/* the end: whatever is legitimately used is still reapable */
	for (k = 0; k < m.size + 2u; k++)
		if (do_get() != 1)
			break;
	check_invariants();
out:
	vq_drv_free(drv);
	drv = NULL;
	return 0;
}
