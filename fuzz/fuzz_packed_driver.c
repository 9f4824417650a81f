// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile DEVICE facing the driver side of the packed
 * virtqueue (model/ring/vq_packed_drv.c, reached through vq_drv_* with
 * cfg.packed). The input sets a queue up (size 1..32768, EVENT_IDX,
 * INDIRECT_DESC, IN_ORDER, indirect entries per buffer), then interleaves
 * driver operations (adds of direct and indirect buffers, kicks, reaps,
 * set_interrupt) with device writes through the "device" view of guest
 * memory: used descriptors a well-behaved device would write at its used slot
 * (with chosen lengths, WRITE bits and wrap bits), raw used descriptors at any
 * slot with any id / len / flags, rewrites of available descriptors and of
 * indirect tables, and device event suppression values.
 *
 * A differential checker in this file keeps its own record of every posted
 * buffer (id, token, ring slots, writable bytes, a byte snapshot of its
 * indirect table, published or not) and its own picture of the driver's
 * used slot and Driver / Device Ring Wrap Counters, and decides each reap
 * from the ring as it is (VIRTIO 1.2 2.8):
 *  - the polled slot holds a used descriptor (AVAIL == USED == the used wrap
 *    counter): legitimate iff some published buffer is outstanding, the id is
 *    one of them, len (0 when WRITE is clear, 2.8.4) <= its writable bytes
 *    and the indirect tables of the buffers it completes are unchanged; with
 *    IN_ORDER it completes every buffer from the oldest one up to it, the
 *    skipped ones with their full writable length (2.8.9);
 *  - an available descriptor of the current lap (AVAIL == wrap, USED != it)
 *    or, with no published buffer outstanding, anything else: nothing yet;
 *  - anything else: the device broke 2.8.
 * Oracles: get returns exactly the legitimate completions (token and len of
 * exactly that buffer) and 0 when nothing is there; on a hostile entry it
 * returns -1 with exactly one FATAL report citing CL_DEV_PDESC (or, with
 * IN_ORDER, CL_DEV_RESERVED); once broken nothing is returned again, adds
 * fail, kicks publish nothing, nothing more is reported; add fails exactly
 * when the request is not postable (empty, longer than the queue, more than
 * 2^32 bytes, indirect without the feature or above the per-buffer table
 * size, no room) and otherwise writes the buffer as posted (addr, len, id,
 * flags with the Driver Ring Wrap Counter of each slot, NEXT / WRITE /
 * INDIRECT; the first descriptor's flags only at the kick) onto the slots
 * after the previous buffer; the id is not outstanding; num_free + the ring
 * slots of outstanding buffers == size and outstanding counts agree after
 * every step; kick_prepare notifies exactly as the device event suppression
 * structure says (DISABLE never, ENABLE always, DESC with EVENT_IDX and an
 * offset inside the ring exactly when the slots made available since the
 * last kick include that offset at that wrap; reserved values and DESC
 * without EVENT_IDX are free); set_interrupt and each reap keep the driver
 * event suppression structure as 2.8.10 says (ENABLE / DISABLE, or DESC at
 * the next used slot with EVENT_IDX).
 *
 * VC_PACKED_TRACE=1 prints each step on stderr.
 *
 * Input (missing bytes read as zero):
 *   u8 s0    size: < 0xc0: 1 + (s0 & 31); < 0xf0: 1 + u16 % 512; < 0xff:
 *            1 + u16 % 32768; 0xff: raw u16 (setup must refuse 0 / > 32768)
 *   u8 feat  1 EVENT_IDX, 2 INDIRECT_DESC, 4 IN_ORDER
 *   u8 im    indirect entries per buffer: im % 9 (0: no pool)
 *   ops, at most MAX_OPS, u8 op % 16:
 *     0-2 ADD   u8 shape: n_out = shape & 3, n_in = (shape >> 2) & 3,
 *               16 indirect, 32 a length byte per segment (len = 4 * b, 0xff:
 *               2^31), 64 more segments (n_out += 4)
 *     3   KICK
 *     4-5 GET
 *     6   DRAIN  get until nothing
 *     7-8 USED   u8 sel, u8 lmode: a used descriptor at the device's used
 *               slot for the (sel % n)th published buffer the device has not
 *               returned; lmode & 3: len = writable, (lmode >> 2) % (writable
 *               + 1), writable + 1 + (lmode >> 2), raw 0xffffffff without WRITE;
 *               & 0x40 WRITE cleared; & 0x80 flags for the other wrap
 *     9   RAWUSED u8 slotsel, u8 idsel, u8 fsel, u32 len
 *     10  REWRITE u8 slotsel, u8 field, u16 val: an available descriptor
 *     11  RETABLE u8 sel, u8 k, u16 val: an indirect table entry
 *     12  DEVEVT  u8 mode, u16 arg: the device event suppression structure
 *     13  INTR    u8 b: set_interrupt(b & 1)
 *     14  QUICK   u8 lmode: add 1 + 1, kick, used for it, get
 *     15  CYCLE   u8 shape, u8 lmode: add, kick, used for all in order, drain
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gm.h"
#include "oracle.h"
#include "vq.h"
#include "vq_packed_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"

#define HARNESS "harness:fuzz_packed_driver"

#if defined(__clang__) && __clang_major__ >= 13
#define NO_COV __attribute__((no_sanitize("coverage")))
#else
#define NO_COV
#endif

/* VIRTIO 1.2 2.8: the checker's own constants */
#define F_NEXT     0x1u
#define F_WRITE    0x2u
#define F_INDIRECT 0x4u
#define F_AVAIL    0x80u
#define F_USED     0x8000u
#define EV_ENABLE  0u
#define EV_DISABLE 1u
#define EV_DESC    2u

#define QMAX 32768u
#define SEG_MAX 7
#define IND_LIMIT 8
#define MAX_OPS 384

/* guest memory: three regions with holes between them */
#define R0 0x10000ull   /* small rings, event structures */
#define R0_SIZE 0x10000ull
#define R1 0x100000ull  /* indirect pool */
#define R1_SIZE 0x40000ull
#define R2 0x1000000ull /* large rings */
#define R2_SIZE 0x80000ull
#define DRV_EV (R0 + 0x8000ull)
#define DEV_EV (R0 + 0x8010ull)

static gm_t *gm;
static gm_view_t *drv_view, *dev_view;
static vq_drv_t *drv;
static bool trace;

#define TRACE(...)                                    \
	do {                                          \
		if (trace)                            \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

static struct {
	unsigned n, fatal;
	const char *clause; /* of the last report */
	enum vc_severity sev;
	char msg[192];
} rec;

NO_COV static void sink_fn(void *owner, const struct vc_violation *v)
{
	(void)owner;
	rec.n++;
	if (v->severity == VC_SEV_FATAL)
		rec.fatal++;
	rec.clause = v->clause;
	rec.sev = v->severity;
	memcpy(rec.msg, v->msg, sizeof(rec.msg));
	rec.msg[sizeof(rec.msg) - 1] = '\0';
}

static inline uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ld64(const uint8_t *p) { return ld32(p) | (uint64_t)ld32(p + 4) << 32; }
static inline void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

/* ------------------------------------------------------------ the record */

struct buf {
	bool out;         /* added, not yet handed back */
	bool published;   /* kick_prepare ran after the add */
	bool dev_done;    /* the harness device wrote a used descriptor for it */
	bool completed;   /* handed back since its last posting */
	uint64_t token;
	uint64_t writable;
	uint32_t seq;     /* add order */
	uint16_t slot, nslots, n_ind;
	uint16_t first_fl; /* flags of its first descriptor, published by the kick */
	uint64_t table;   /* gpa of its indirect table */
	uint8_t tsnap[16 * IND_LIMIT];
};

struct deliv {
	uint16_t id;
	uint32_t len;
};

static struct {
	uint16_t size, ind_max;
	bool event_idx, indirect, in_order, ok;
	uint64_t ring_gpa, pool;
	uint8_t *ring, *drv_ev, *dev_ev, *pool_h; /* device view */
	/* the driver as the checker sees it */
	uint16_t avail_slot, used_slot, kick_slot;
	bool avail_wrap, used_wrap, kick_wrap, broken, intr_wanted;
	uint32_t n_out, n_pub_out, held, unkicked, seq;
	uint64_t tokens;
	uint8_t drv_ev_want[4];
	/* in-order batch being handed out */
	uint32_t batch_n, batch_i;
	uint32_t n_outl, n_dq;
	/* the harness device */
	uint16_t dev_slot;
	bool dev_wrap;
	uint64_t added, reaped, kicks;
} M;

static struct buf B[QMAX];
static struct deliv batch[QMAX];
static uint16_t pending[QMAX]; /* added, not published, in add order */
static uint32_t n_pending;
static uint16_t outl[QMAX];    /* outstanding, in add order */
static uint16_t dq[QMAX];      /* published, not returned by the harness device */

NO_COV static void list_remove(uint16_t *l, uint32_t *n, uint32_t i)
{
	memmove(&l[i], &l[i + 1], (*n - i - 1) * sizeof(l[0]));
	(*n)--;
}

NO_COV static int list_find(const uint16_t *l, uint32_t n, uint16_t id)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (l[i] == id)
			return (int)i;
	return -1;
}

NO_COV static void invariants(void)
{
	ORACLE(vq_drv_num_free(drv) + M.held == M.size && vq_drv_outstanding(drv) == M.n_out,
	       HARNESS, "num_free %u + %u slots held != size %u, or outstanding %u != %u",
	       vq_drv_num_free(drv), M.held, M.size, vq_drv_outstanding(drv), M.n_out);
	ORACLE(vq_drv_broken(drv) == M.broken, HARNESS, "broken %d, expected %d",
	       vq_drv_broken(drv), M.broken);
	ORACLE(memcmp(M.drv_ev, M.drv_ev_want, 4) == 0, CL_DRV_USED_SUPPR,
	       "driver event suppression off_wrap 0x%x flags 0x%x, expected 0x%x 0x%x",
	       ld16(M.drv_ev), ld16(M.drv_ev + 2), ld16(M.drv_ev_want), ld16(M.drv_ev_want + 2));
	ORACLE(vq_drv_stats(drv)->added == M.added && vq_drv_stats(drv)->reaped == M.reaped &&
		       vq_drv_stats(drv)->kicks == M.kicks,
	       HARNESS, "stats added %llu reaped %llu kicks %llu, expected %llu %llu %llu",
	       (unsigned long long)vq_drv_stats(drv)->added,
	       (unsigned long long)vq_drv_stats(drv)->reaped,
	       (unsigned long long)vq_drv_stats(drv)->kicks, (unsigned long long)M.added,
	       (unsigned long long)M.reaped, (unsigned long long)M.kicks);
}

static inline uint16_t avail_flags(bool w) { return w ? F_AVAIL : F_USED; }

static void want_used_event(void)
{
	st16(M.drv_ev_want, (uint16_t)(M.used_slot | (M.used_wrap ? 0x8000u : 0)));
	st16(M.drv_ev_want + 2, EV_DESC);
}

/* ------------------------------------------------------------ driver ops */

NO_COV static void check_desc(uint16_t slot, uint64_t addr, uint32_t len, uint16_t id,
			      int flags /* -1: not yet written */)
{
	const uint8_t *d = M.ring + 16u * slot;

	ORACLE(ld64(d) == addr && ld32(d + 8) == len && ld16(d + 12) == id &&
		       (flags < 0 || ld16(d + 14) == flags),
	       CL_DRV_PDESC,
	       "slot %u: addr 0x%llx len %u id %u flags 0x%x, expected 0x%llx %u %u 0x%x", slot,
	       (unsigned long long)ld64(d), ld32(d + 8), ld16(d + 12), ld16(d + 14),
	       (unsigned long long)addr, len, id, flags < 0 ? 0 : flags);
}

NO_COV static void op_add(uint8_t shape, struct fin *f)
{
	struct vq_buf bufs[SEG_MAX + 4];
	unsigned n_out = (shape & 3) + ((shape & 64) ? 4 : 0), n_in = (shape >> 2) & 3, k;
	unsigned total = n_out + n_in;
	bool ind = (shape & 16) != 0;
	uint64_t bytes = 0, writable = 0;
	uint32_t nslots = ind ? 1 : total;
	bool postable;
	uint16_t first_before;
	uint64_t token = ++M.tokens;
	int id;
	struct buf *b;

	for (k = 0; k < total; k++) {
		uint32_t len = 64;

		if (shape & 32) {
			uint8_t lb = fin_u8(f);

			len = lb == 0xff ? 0x80000000u : 4u * lb;
		}
		bufs[k].gpa = R0 + 0xa000 + 0x100ull * k + (M.tokens & 0xff);
		bufs[k].len = len;
		bytes += len;
		if (k >= n_out)
			writable += len;
	}
	postable = M.ok && !M.broken && total > 0 && total <= M.size && bytes <= (1ull << 32) &&
		   (!ind || (M.indirect && total <= M.ind_max)) && M.n_out < M.size &&
		   vq_drv_num_free(drv) >= nslots;
	first_before = M.ok ? ld16(M.ring + 16u * M.avail_slot + 14) : 0;
	id = vq_drv_add(drv, bufs, n_out, bufs + n_out, n_in, (void *)(uintptr_t)token, ind);
	TRACE("  add %u out + %u in%s (%llu bytes) -> id %d (slot %u wrap %u)\n", n_out, n_in,
	      ind ? " indirect" : "", (unsigned long long)bytes, id, M.avail_slot, M.avail_wrap);
	ORACLE(rec.n == 0 || M.broken, rec.clause, "add reported: %s", rec.msg);
	if (!postable) {
		ORACLE(id == -1, CL_DRV_PDESC, "add of an unpostable buffer returned id %d", id);
		return;
	}
	ORACLE(id >= 0 && id < M.size && !B[id].out, CL_DRV_PDESC,
	       "add returned id %d (size %u)%s", id, M.size,
	       id >= 0 && id < M.size && B[id].out ? ", which is outstanding" : "");
	/* 2.8.6 / 2.8.21: the first descriptor is made available last, at the
	 * kick; until then its flags are what the slot held */
	ORACLE(ld16(M.ring + 16u * M.avail_slot + 14) == first_before, CL_DRV_PDESC,
	       "add of id %d changed the flags of its first descriptor (slot %u) to 0x%x before the kick",
	       id, M.avail_slot, ld16(M.ring + 16u * M.avail_slot + 14));
	b = &B[id];
	memset(b, 0, sizeof(*b));
	b->out = true;
	b->token = token;
	b->writable = writable;
	b->seq = M.seq++;
	b->slot = M.avail_slot;
	b->nslots = (uint16_t)nslots;
	b->first_fl = (uint16_t)(avail_flags(M.avail_wrap) |
				 (ind ? F_INDIRECT
				      : (n_out == 0 ? F_WRITE : 0) | (total > 1 ? F_NEXT : 0)));
	if (ind) {
		uint64_t tgpa = M.pool + 16ull * (uint32_t)id * M.ind_max;
		const uint8_t *t = M.pool_h + 16ull * (uint32_t)id * M.ind_max;

		check_desc(M.avail_slot, tgpa, 16u * total, (uint16_t)id, -1);
		for (k = 0; k < total; k++)
			ORACLE(ld64(t + 16 * k) == bufs[k].gpa && ld32(t + 16 * k + 8) == bufs[k].len &&
				       ld16(t + 16 * k + 14) == (k >= n_out ? F_WRITE : 0),
			       CL_DRV_PINDIRECT,
			       "indirect entry %u of id %d: 0x%llx+%u flags 0x%x", k, id,
			       (unsigned long long)ld64(t + 16 * k), ld32(t + 16 * k + 8),
			       ld16(t + 16 * k + 14));
		b->n_ind = (uint16_t)total;
		b->table = tgpa;
		memcpy(b->tsnap, t, 16u * total);
	} else {
		uint16_t s = M.avail_slot;
		bool w = M.avail_wrap;

		for (k = 0; k < total; k++) {
			int fl = k == 0 ? -1
					: (int)((k >= n_out ? F_WRITE : 0) |
						(k + 1 < total ? F_NEXT : 0) | avail_flags(w));

			check_desc(s, bufs[k].gpa, bufs[k].len, (uint16_t)id, fl);
			if (++s == M.size) {
				s = 0;
				w = !w;
			}
		}
	}
	M.avail_slot = (uint16_t)((M.avail_slot + nslots) % M.size);
	if (b->slot + nslots >= M.size)
		M.avail_wrap = !M.avail_wrap;
	M.n_out++;
	M.held += nslots;
	M.unkicked += nslots;
	M.added++;
	pending[n_pending++] = (uint16_t)id;
	outl[M.n_outl++] = (uint16_t)id;
}

/* Is slot off of lap ev_wrap in [from, from + count) starting at lap
 * from_wrap? */
NO_COV static bool event_in(uint16_t off, bool ev_wrap, uint16_t from, bool from_wrap,
			    uint32_t count)
{
	uint32_t dist;

	if (off >= from) {
		if (ev_wrap != from_wrap)
			return false;
		dist = off - from;
	} else {
		if (ev_wrap == from_wrap)
			return false;
		dist = M.size - from + off;
	}
	return dist < count;
}

NO_COV static void op_kick(void)
{
	const unsigned n0 = rec.n;
	uint16_t fl = ld16(M.dev_ev + 2) & 3, ow = ld16(M.dev_ev);
	bool need = vq_drv_kick_prepare(drv), want = false, free_choice = false;
	uint32_t k;

	TRACE("  kick (%u pending, %u slots) -> %d\n", n_pending, M.unkicked, need);
	ORACLE(rec.n == n0, rec.clause, "kick reported: %s", rec.msg);
	if (M.broken || !M.ok || !n_pending) {
		ORACLE(!need, CL_DRV_NOTIFYING, "kick with nothing to publish notifies");
		return;
	}
	/* the first descriptor of each buffer, now with its flags */
	for (k = 0; k < n_pending; k++) {
		struct buf *b = &B[pending[k]];
		const uint8_t *d = M.ring + 16u * b->slot;

		ORACLE(ld16(d + 14) == b->first_fl, CL_DRV_PDESC,
		       "first descriptor of id %u at slot %u: flags 0x%x, expected 0x%x", pending[k],
		       b->slot, ld16(d + 14), b->first_fl);
		b->published = true;
		M.n_pub_out++;
		dq[M.n_dq++] = pending[k];
	}
	/* 2.8.10: notify unless DISABLE; with DESC, only if the slots made
	 * available include the event offset at its wrap */
	if (fl == EV_DISABLE)
		want = false;
	else if (fl == EV_ENABLE)
		want = true;
	else if (fl == EV_DESC && M.event_idx && (ow & 0x7fff) < M.size)
		want = event_in(ow & 0x7fff, !!(ow & 0x8000), M.kick_slot, M.kick_wrap, M.unkicked);
	else
		free_choice = true;
	ORACLE(free_choice || need == want, CL_DRV_NOTIFYING,
	       "kick over slots %u+%u (wrap %u): device event flags %u off_wrap 0x%x%s: notify %d, expected %d",
	       M.kick_slot, M.unkicked, M.kick_wrap, fl, ow, M.event_idx ? " EVENT_IDX" : "", need,
	       want);
	M.kicks += need;
	n_pending = 0;
	M.unkicked = 0;
	M.kick_slot = M.avail_slot;
	M.kick_wrap = M.avail_wrap;
}

NO_COV static void hand_back(uint16_t id, uint32_t len, int rc, void *tok, uint32_t got_len)
{
	struct buf *b = &B[id];

	ORACLE(rc == 1 && (uint64_t)(uintptr_t)tok == b->token && got_len == len, CL_DEV_PDESC,
	       "get: rc %d token %llu len %u, expected id %u token %llu len %u", rc,
	       (unsigned long long)(uintptr_t)tok, got_len, id, (unsigned long long)b->token, len);
	b->out = false;
	b->completed = true;
	b->published = false;
	{
		int i = list_find(outl, M.n_outl, id);

		ORACLE(i >= 0 && (!M.in_order || i == 0), CL_DEV_RESERVED,
		       "id %u handed back out of add order under IN_ORDER", id);
		list_remove(outl, &M.n_outl, (uint32_t)i);
		i = list_find(dq, M.n_dq, id);
		if (i >= 0) /* a hostile completion the harness device did not plan */
			list_remove(dq, &M.n_dq, (uint32_t)i);
	}
	M.n_out--;
	M.n_pub_out--;
	M.held -= b->nslots;
	M.reaped++;
}

/* What the next get must do, then do it. Returns the get's rc. */
NO_COV static int op_get(void)
{
	const unsigned n0 = rec.n;
	void *tok = NULL;
	uint32_t len = 0xdeadbeef, k;
	int rc;
	const uint8_t *d;
	uint16_t fl, id;
	uint32_t ulen;
	const char *bad = NULL;
	bool reserved_ok = false;

	if (!M.ok || M.broken) {
		rc = vq_drv_get(drv, &tok, &len);
		ORACLE(rc == -1 && rec.n == n0, CL_DEV_PDESC,
		       "get on a broken / unset queue: rc %d, %u reports", rc, rec.n - n0);
		return rc;
	}
	if (M.batch_i < M.batch_n) {
		struct deliv dl = batch[M.batch_i++];

		rc = vq_drv_get(drv, &tok, &len);
		TRACE("  get (batch) -> %d id %u len %u\n", rc, dl.id, len);
		ORACLE(rec.n == n0, rec.clause, "get reported: %s", rec.msg);
		hand_back(dl.id, dl.len, rc, tok, len);
		return rc;
	}
	d = M.ring + 16u * M.used_slot;
	fl = ld16(d + 14);
	id = ld16(d + 12);
	ulen = ld32(d + 8);
	if (!(!!(fl & F_AVAIL) == M.used_wrap && !!(fl & F_USED) == M.used_wrap)) {
		/* not used: fine when it is one of our available descriptors,
		 * or when nothing published is outstanding */
		bool avail = !!(fl & F_AVAIL) == M.used_wrap && !!(fl & F_USED) != M.used_wrap;

		rc = vq_drv_get(drv, &tok, &len);
		TRACE("  get: slot %u flags 0x%x (not used, wrap %u) -> %d\n", M.used_slot, fl,
		      M.used_wrap, rc);
		if (M.n_pub_out && !avail) {
			bad = "flags neither available nor used";
			goto refused;
		}
		ORACLE(rc == 0 && rec.n == n0, rec.n > n0 ? rec.clause : CL_DEV_PDESC,
		       "get with nothing used returned %d: %s", rc, rec.n > n0 ? rec.msg : "");
		return rc;
	}
	if (!M.n_pub_out) {
		bad = "used descriptor with nothing outstanding";
	} else if (id >= M.size || !B[id].out) {
		bad = "used id not outstanding";
		reserved_ok = M.in_order;
	} else if (!B[id].published) {
		bad = "used id never made available";
	} else if ((fl & F_WRITE ? ulen : 0) > B[id].writable) {
		bad = "used len above the writable bytes";
	}
	if (!bad) {
		uint32_t n = 0, slots = 0;

		/* the buffers this used descriptor completes: with IN_ORDER
		 * every outstanding one up to it, in add order */
		if (M.in_order) {
			int pos = list_find(outl, M.n_outl, id);

			n = (uint32_t)pos + 1;
			for (k = 0; k < n; k++) {
				batch[k].id = outl[k];
				batch[k].len = (uint32_t)(B[outl[k]].writable > UINT32_MAX
								  ? UINT32_MAX
								  : B[outl[k]].writable);
			}
		} else {
			batch[0].id = id;
			n = 1;
		}
		M.batch_n = n;
		batch[n - 1].len = fl & F_WRITE ? ulen : 0;
		for (k = 0; k < n && !bad; k++) {
			const struct buf *b = &B[batch[k].id];

			if (b->n_ind) {
				const uint8_t *t = M.pool_h + (b->table - M.pool);

				if (memcmp(t, b->tsnap, 16u * b->n_ind) != 0)
					bad = "indirect table rewritten";
			}
			slots += b->nslots;
		}
		if (!bad) {
			M.batch_i = 0;
			rc = vq_drv_get(drv, &tok, &len);
			TRACE("  get: used id %u len %u at slot %u -> %d (batch of %u) token %llu len %u\n",
			      id, ulen, M.used_slot, rc, n, (unsigned long long)(uintptr_t)tok, len);
			ORACLE(rec.n == n0, rec.clause, "legitimate used descriptor reported: %s",
			       rec.msg);
			if (M.used_slot + slots >= M.size)
				M.used_wrap = !M.used_wrap;
			M.used_slot = (uint16_t)((M.used_slot + slots) % M.size);
			if (M.event_idx && M.intr_wanted)
				want_used_event();
			{
				struct deliv dl = batch[M.batch_i++];

				hand_back(dl.id, dl.len, rc, tok, len);
			}
			return rc;
		}
	} else {
		M.batch_n = M.batch_i = 0;
	}
	rc = vq_drv_get(drv, &tok, &len);
	TRACE("  get: slot %u flags 0x%x id %u len %u -> %d (%s)\n", M.used_slot, fl, id, ulen,
	      rc, bad);
refused:
	M.batch_n = M.batch_i = 0;
	ORACLE(rc == -1 && rec.n == n0 + 1 && rec.fatal && rec.sev == VC_SEV_FATAL &&
		       (strcmp(rec.clause, CL_DEV_PDESC) == 0 ||
			(reserved_ok && strcmp(rec.clause, CL_DEV_RESERVED) == 0)) &&
		       rec.msg[0],
	       CL_DEV_PDESC, "hostile used state at slot %u (%s): rc %d, %u reports, last '%s': %s",
	       M.used_slot, bad, rc, rec.n - n0, rec.n > n0 ? rec.clause : "(none)",
	       rec.n > n0 ? rec.msg : "");
	M.broken = true;
	return rc;
}

NO_COV static void op_drain(void)
{
	uint32_t n;

	for (n = 0; n <= M.size; n++)
		if (op_get() != 1)
			break;
}

NO_COV static void op_intr(bool on)
{
	vq_drv_set_interrupt(drv, on);
	M.intr_wanted = on;
	if (!M.ok)
		return;
	if (on && M.event_idx)
		want_used_event();
	else
		st16(M.drv_ev_want + 2, on ? EV_ENABLE : EV_DISABLE);
}

/* ------------------------------------------------------------ device ops */

NO_COV static void put_used(uint16_t slot, uint16_t id, uint32_t len, uint16_t flags)
{
	uint8_t *d = M.ring + 16u * slot;

	st16(d + 12, id);
	st32(d + 8, len);
	st16(d + 14, flags);
	TRACE("  device: used id %u len %u flags 0x%x at slot %u\n", id, len, flags, slot);
}

/* index in dq of the (sel % n)th published buffer the harness device has
 * not returned (with IN_ORDER mostly the oldest); -1 if none */
NO_COV static int pick(uint8_t sel)
{
	if (!M.n_dq)
		return -1;
	return (int)(M.in_order ? (sel & 1 ? sel % M.n_dq : 0) : sel % M.n_dq);
}

NO_COV static void op_used(uint8_t sel, uint8_t lmode)
{
	int i = pick(sel);
	struct buf *b;
	uint32_t len, slots = 0, k, upto;
	uint16_t flags, id;
	bool w = M.dev_wrap;

	if (i < 0 || !M.ok)
		return;
	id = dq[i];
	b = &B[id];
	switch (lmode & 3) {
	case 0: len = (uint32_t)(b->writable > UINT32_MAX ? UINT32_MAX : b->writable); break;
	case 1: len = (uint32_t)((lmode >> 2) % (b->writable + 1)); break;
	case 2: len = (uint32_t)(b->writable + 1 + (lmode >> 2)); break;
	default: len = 0xffffffffu; break;
	}
	flags = w ? (uint16_t)(F_AVAIL | F_USED) : 0;
	if (lmode & 0x80)
		flags = w ? 0 : (uint16_t)(F_AVAIL | F_USED);
	if ((lmode & 3) != 3 && !(lmode & 0x40) && len)
		flags |= F_WRITE;
	put_used(M.dev_slot, id, len, flags);
	/* the device's next used slot: past the buffers this one completes */
	upto = M.in_order ? (uint32_t)i : 0;
	for (k = 0; k <= upto; k++) {
		uint32_t j = M.in_order ? 0 : (uint32_t)i;

		slots += B[dq[j]].nslots;
		B[dq[j]].dev_done = true;
		list_remove(dq, &M.n_dq, j);
	}
	if (M.dev_slot + slots >= M.size)
		M.dev_wrap = !M.dev_wrap;
	M.dev_slot = (uint16_t)((M.dev_slot + slots) % M.size);
}

NO_COV static uint16_t slot_of(uint8_t s)
{
	switch (s & 3) {
	case 0: return M.used_slot;
	case 1: return M.dev_slot;
	case 2: return (uint16_t)((M.used_slot + (s >> 2)) % M.size);
	default: return (uint16_t)((s >> 2) % M.size);
	}
}

/* fsel & 7: used for the used wrap, for the other, available for it, for the
 * other, zero, AVAIL only, USED only, raw (fsel << 8); & 8 WRITE */
NO_COV static void op_rawused(struct fin *f)
{
	uint8_t ss = fin_u8(f), is = fin_u8(f), fs = fin_u8(f);
	uint32_t len = fin_u32(f);
	uint16_t slot = slot_of(ss), id, flags;
	bool w = M.used_wrap;
	int p = pick(is >> 2);

	switch (is & 3) {
	case 0: id = p >= 0 ? dq[p] : 0; break;                       /* outstanding */
	case 1: id = (uint16_t)(M.size + (is >> 2)); break;           /* out of range */
	case 2: id = (uint16_t)((is >> 2) % M.size); break;           /* any */
	default: id = (uint16_t)(0xffff - (is >> 2)); break;
	}
	switch (fs & 7) {
	case 0: flags = w ? (uint16_t)(F_AVAIL | F_USED) : 0; break;
	case 1: flags = w ? 0 : (uint16_t)(F_AVAIL | F_USED); break;
	case 2: flags = avail_flags(w); break;
	case 3: flags = avail_flags(!w); break;
	case 4: flags = 0; break;
	case 5: flags = F_AVAIL; break;
	case 6: flags = F_USED; break;
	default: flags = (uint16_t)(fs << 8); break;
	}
	if (fs & 8)
		flags |= F_WRITE;
	put_used(slot, id, len, flags);
}

NO_COV static void op_rewrite(struct fin *f)
{
	uint8_t ss = fin_u8(f), field = fin_u8(f);
	uint16_t val = fin_u16(f), slot = slot_of(ss);
	uint8_t *d = M.ring + 16u * slot;

	switch (field & 3) {
	case 0: st16(d + 12, val); break;                            /* id */
	case 1: st32(d + 8, val); break;                             /* len */
	case 2: st16(d + 14, (uint16_t)(ld16(d + 14) ^ val)); break; /* flags */
	default: st16(d + 2, val); break;                            /* addr */
	}
	TRACE("  device: rewrite field %u of slot %u with 0x%x\n", field & 3, slot, val);
}

NO_COV static void op_retable(struct fin *f)
{
	uint8_t sel = fin_u8(f), k = fin_u8(f);
	uint16_t val = fin_u16(f);
	uint32_t n = 0, i;
	uint16_t j = 0;

	for (i = 0; i < M.n_outl; i++)
		if (B[outl[i]].n_ind && n++ == sel % 8u)
			break;
	if (i == M.n_outl)
		return;
	j = outl[i];
	{
		uint8_t *t = M.pool_h + (B[j].table - M.pool) + 16u * (k % B[j].n_ind);

		st16(t + 2 * ((k >> 4) & 7), (uint16_t)(ld16(t + 2 * ((k >> 4) & 7)) ^ val));
	}
	TRACE("  device: rewrite table entry %u of id %u\n", k % B[j].n_ind, j);
}

/* mode & 3 flags ENABLE, DISABLE, DESC, raw arg; (mode >> 2) & 3 off_wrap:
 * the driver's next available slot, raw arg, that + arg % 8, with the other
 * wrap */
NO_COV static void op_devevt(struct fin *f)
{
	uint8_t mode = fin_u8(f);
	uint16_t arg = fin_u16(f), off = M.avail_slot;
	bool wrap = M.avail_wrap;

	switch ((mode >> 2) & 3) {
	case 0: break;
	case 1: off = arg & 0x7fff; wrap = arg >> 15; break;
	case 2:
		off = (uint16_t)(off + arg % 8);
		if (off >= M.size) {
			off = (uint16_t)(off - M.size);
			wrap = !wrap;
		}
		off %= M.size;
		break;
	default: wrap = !wrap; break;
	}
	st16(M.dev_ev, (uint16_t)(off | (wrap ? 0x8000u : 0)));
	st16(M.dev_ev + 2, (mode & 3) == 3 ? arg : (uint16_t)(mode & 3));
	TRACE("  device: event suppression off %u wrap %u flags 0x%x\n", off, wrap,
	      ld16(M.dev_ev + 2));
}

/* ------------------------------------------------------------ setup / run */

NO_COV static void setup(struct fin *f)
{
	uint8_t s0 = fin_u8(f), feat, im;
	uint32_t size;
	struct vq_cfg cfg;
	int rc;
	bool valid;

	if (s0 < 0xc0)
		size = 1u + (s0 & 31u);
	else if (s0 < 0xf0)
		size = 1u + fin_u16(f) % 512u;
	else if (s0 < 0xff)
		size = 1u + fin_u16(f) % QMAX;
	else
		size = fin_u16(f);
	feat = fin_u8(f);
	im = fin_u8(f) % 9;
	valid = size >= 1 && size <= QMAX;
	M.size = (uint16_t)(valid ? size : 1);
	M.event_idx = feat & 1;
	M.indirect = (feat & 2) != 0;
	M.in_order = (feat & 4) != 0;
	M.ind_max = (16ull * M.size * im <= R1_SIZE) ? im : 0;
	M.pool = R1;
	M.ring_gpa = 16ull * M.size <= 0x8000 ? R0 : R2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.size = (uint16_t)size;
	cfg.desc = M.ring_gpa;
	cfg.driver = DRV_EV;
	cfg.device = DEV_EV;
	cfg.event_idx = M.event_idx;
	cfg.indirect = M.indirect;
	cfg.packed = true;
	cfg.in_order = M.in_order;
	/* the device scribbles on the ring before setup: setup zeroes it */
	M.ring = gm_translate(dev_view, M.ring_gpa, 16ull * M.size, GM_WRITE);
	M.drv_ev = gm_translate(dev_view, DRV_EV, 4, GM_WRITE);
	M.dev_ev = gm_translate(dev_view, DEV_EV, 4, GM_WRITE);
	M.pool_h = gm_translate(dev_view, M.pool, R1_SIZE, GM_WRITE);
	memset(M.ring, 0xa5, 16ull * M.size);
	memset(M.drv_ev, 0xa5, 4);
	memset(M.dev_ev, 0xa5, 4);
	rc = vq_drv_setup(drv, &cfg, M.ind_max ? M.pool : 0, M.ind_max);
	TRACE("input: size %u%s%s%s, %u per indirect table, ring 0x%llx -> setup %d\n", size,
	      M.event_idx ? " EVENT_IDX" : "", M.indirect ? " INDIRECT" : "",
	      M.in_order ? " IN_ORDER" : "", M.ind_max, (unsigned long long)M.ring_gpa, rc);
	ORACLE(rec.n == 0, rec.clause, "setup reported: %s", rec.msg);
	if (!valid) {
		ORACLE(rc == -1, CL_DRV_PCI_COMMON, "setup of packed queue size %u accepted", size);
		return;
	}
	ORACLE(rc == 0, HARNESS, "setup of a valid packed queue (size %u) refused", size);
	{
		uint32_t k;

		/* 2.8.13 / 2.8.10: a zeroed ring, both structures ENABLE */
		for (k = 0; k < 16u * M.size; k++)
			ORACLE(M.ring[k] == 0, CL_DRV_PACKED, "ring byte %u not zeroed at setup", k);
	}
	ORACLE(ld32(M.drv_ev) == 0 && ld32(M.dev_ev) == 0, CL_DRV_PACKED,
	       "event suppression structures not zeroed at setup");
	M.ok = true;
	M.avail_wrap = M.used_wrap = M.kick_wrap = M.dev_wrap = true;
	M.intr_wanted = true;
}

NO_COV static void run(struct fin *f)
{
	unsigned nops;

	for (nops = 0; nops < MAX_OPS && !fin_done(f); nops++) {
		uint8_t op = fin_u8(f);

		switch (op % 16) {
		case 0: case 1: case 2:
			op_add(fin_u8(f), f);
			break;
		case 3:
			op_kick();
			break;
		case 4: case 5:
			op_get();
			break;
		case 6:
			op_drain();
			break;
		case 7: case 8: {
			uint8_t sel = fin_u8(f), lm = fin_u8(f);

			op_used(sel, lm);
			break;
		}
		case 9:
			op_rawused(f);
			break;
		case 10:
			op_rewrite(f);
			break;
		case 11:
			op_retable(f);
			break;
		case 12:
			op_devevt(f);
			break;
		case 13:
			op_intr(fin_u8(f) & 1);
			break;
		case 14: {
			uint8_t lm = fin_u8(f);

			op_add(0x05, f);
			op_kick();
			op_used(0, lm);
			op_get();
			break;
		}
		default: {
			uint8_t shape = fin_u8(f), lm = fin_u8(f);
			uint32_t n;

			op_add(shape & (uint8_t)~32, f);
			op_kick();
			for (n = 0; n < M.size && M.n_dq; n++)
				op_used(0, lm);
			op_drain();
			break;
		}
		}
		if (M.ok)
			invariants();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct gm_region_spec spec[3] = { { R0, R0_SIZE }, { R1, R1_SIZE }, { R2, R2_SIZE } };
	const char *tr = getenv("VC_PACKED_TRACE");

	(void)argc;
	(void)argv;
	gm = gm_create(spec, 3);
	drv_view = gm ? gm_view_map(gm, "driver") : NULL;
	dev_view = gm ? gm_view_map(gm, "device") : NULL;
	drv = drv_view ? vq_drv_new(drv_view, sink_fn, NULL) : NULL;
	if (!drv || !dev_view) {
		fprintf(stderr, "fuzz_packed_driver: cannot set up guest memory\n");
		exit(1);
	}
	trace = tr && atoi(tr) != 0;
	return 0;
}

NO_COV int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint32_t k;

	/* the record of the previous input: only the ids it used */
	for (k = 0; k < M.size; k++)
		B[k].out = false;
	memset(&M, 0, sizeof(M));
	memset(&rec, 0, sizeof(rec));
	n_pending = 0;
	setup(&f);
	if (!M.ok)
		return 0;
	invariants();
	run(&f);
	/* drain what is left: nothing more may come back once broken */
	op_drain();
	invariants();
	return 0;
}
