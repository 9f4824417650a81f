// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the device side of the split virtqueue (model/ring/
 * vq_split_dev.c), where a hostile driver's ring state meets the device.
 *
 * Per input the target plays the driver: it writes a descriptor table, up to
 * four indirect tables and the available ring through the DRIVER's view of a
 * small fixed guest memory, re-enables the one vq_dev (on the DEVICE's view),
 * pops until EMPTY or BROKEN (at most queue size + 1 pops), writes an
 * input-chosen number of bytes into each element, pushes it (now or at the
 * end, in an input-chosen order) and flushes.
 *
 * Oracles, after every step of every input:
 *  - reference walk: an independent checker written here from VIRTIO 1.2 2.7
 *    and the model's documented rules (it calls no model validation; it maps
 *    guest addresses itself and reads the driver's view) runs in lock step
 *    before each pop. The device must accept exactly the chains it calls
 *    valid, with the same head, segments (gpa, len, writable, order, no zero-
 *    length ones), counts and byte totals, and must refuse the first invalid
 *    one with VC_POP_BROKEN and exactly one FATAL violation whose clause is
 *    one of the clauses that descriptor breaks (head, avail_idx, queue fields
 *    checked too), then stay broken without walking again;
 *  - elements: vq_elem_read returns the readable bytes, vq_elem_write lands
 *    the written bytes in the writable segments in order;
 *  - used ring: each push writes id = an outstanding head and len = the bytes
 *    written at the next used slot; flush publishes exactly the number of
 *    pushes and asks for a notification exactly when used_event /
 *    NO_INTERRUPT say so; avail_event follows last_avail with EVENT_IDX;
 *  - a bogus push (id not outstanding, or len above the writable bytes) is
 *    refused with one VC_SEV_RECORD finding and no used ring change;
 *  - device writes: write tracking on the device view (small memory) and a
 *    content snapshot: no byte of the descriptor table, the indirect tables,
 *    the avail ring or the readable buffers changes or is marked written
 *    unless it is also inside a writable chunk the device was given or the
 *    used ring; the written chunks are marked (the gm_track_count checks
 *    cover the first 512 bytes of these ranges per input, avail ring first:
 *    the count loops over bits); and (every input in replay, 1/128 of the
 *    inputs under libFuzzer chosen by a hash of their bytes, all inputs with
 *    VC_SPLIT_FULL_CHECK=1) the total of marked bytes equals the union of
 *    used ring and written chunks, i.e. nothing was written anywhere else;
 *  - bounded work: descs_walked equals the descriptors the checker read and
 *    is <= pops * vq_dev_walk_limit();
 *  - enable: a queue size that is not a power of two in 1..32768, or a ring
 *    part that is misaligned or not inside one region, is refused with one
 *    FATAL violation (CL_DRV_PCI_COMMON / CL_DRV_VIRTQUEUES) and the queue
 *    then does nothing; a valid configuration is accepted silently.
 *
 * VC_SPLIT_TRACE=1 prints the decoded state and every step on stderr.
 *
 * Guest memory (fixed, made once): two worlds with the same layout
 *   R0 0x10000 +8K, R1 0x12000 +8K (adjacent to R0), hole, R2 0x100000 +8K,
 *   hole, R3 0x100000000 +8K (above 4 GiB), hole up to 2^64.
 * World S has write tracking on its device view; world B has R3 = 64 MiB (no
 * tracking) so that chains of more than 2^32 bytes are reachable.
 * Fast reset: the target keeps the list of byte ranges it or the device wrote
 * and zeroes only those before the next input, so cost follows the input, not
 * the memory size.
 *
 * Input format (struct fin cursor; missing bytes read as zero; loops stop at
 * the end of the input):
 *   u8  qsel    size = 1 << ((qsel & 15) % 9); queue index = qsel >> 4
 *   u8  feat    1 EVENT_IDX, 2 INDIRECT_DESC, 4 world B, 8 custom placement,
 *               16 set_notify(false), 32 bogus push, 64 raw placement,
 *               128 queue size from the input
 *   [feat & 128] u16 size given to vq_dev_enable when it is not a power of
 *               two in 1..32768 (the device must refuse it); otherwise ignored
 *   [feat & 64] 3 x (u8 rsel, u16 offset): desc, avail, used at region
 *               rsel&3 (or hole rsel&3 if rsel&4) + offset, unaligned and
 *               unclamped: the device must refuse a misaligned part or one
 *               not inside one region, and nothing else happens then
 *   [else feat & 8] 3 x (u8 region, u16 offset): desc, avail, used placement
 *               (aligned down, clamped inside the region)
 *   u8  nrec    main-table records, then nrec records:
 *     record = u8 asel, u16 aoff, u8 lsel, u16 lval, u8 fb, u8 nb,
 *              [u64 addr if asel&7 == 5], [u32 len if lsel&7 == 5],
 *              [u16 next if nb == 0xfa], u8 rep
 *       writes n + 1 consecutive descriptors (n = rep & 7, or 32*(rep-0xef)-1
 *       for rep >= 0xf0), main table from entry 0 on, up to the queue size.
 *       asel&7 address: 0 inside region (asel>>3)&3 at (aoff << 4*(asel>>5))
 *         mod size; 1 at the region's last bytes (end - len - aoff, or
 *         end - len + (aoff&15) past it when aoff&0x8000); 2 in hole
 *         (asel>>3)&3 (start + aoff/2, or its last byte - aoff/2 if aoff odd;
 *         holes: 0 below R0, 1 after R1, 2 after R2, 3 above R3);
 *         3 straddling the region end (end - aoff%64); 4 wrapping 2^64
 *         (2^64-1 - aoff); 5 raw u64; 6 indirect table (asel>>3)&3 (+aoff&31
 *         when aoff&0x8000); 7 ring part (desc, avail, used, used+4) + aoff&0x7ff
 *       lsel&7 length: 0 lval&255; 1 0; 2 0xffffffff; 3 lval; 4 16*(lval&511)
 *         + lsel>>4 (lval 0: 16 * that table's entries + lsel>>4); 5 raw u32;
 *         6 region size - (lval&255); 7 2^32 - lval.  lsel&8: address stride
 *         (+ j*len for repeat j)
 *       fb: bits 0..2 NEXT/WRITE/INDIRECT; 8 next = entry + 1; 16/32/64 add
 *         unknown flag bits 0x8/0x80/0x8000; 128 WRITE on the second half of
 *         the repeats
 *       nb: < 0xf8 next = nb % entries; 0xf8 entries; 0xf9 0xffff; 0xfa raw
 *         u16; else entries + nb - 0xfa
 *   u8  ntab    ntab % 5 indirect tables: u8 pk, u16 poff, u8 nrec, records
 *       pk&3: 0 slot (R1 + 0x800*t, + poff&15 if pk&16); 1 region (pk>>2)&3
 *       + poff mod size; 2 hole (pk>>2)&3 + poff; 3 region end - 16*n +
 *       (poff&15). Entries that fall outside guest memory are not written.
 *   avail: u8 amode, u8 nent, u16 used_event, u16 raw_idx, u16 raw_flags,
 *          nent x u8 entry (< 0xf8: e % size; 0xf8 size; 0xf9 0xffff;
 *          0xfa size + 1; else e)
 *       amode&3 idx: 0 nent; 1 raw_idx; 2 0xffff - (raw_idx & 255)
 *         (behind); 3 nent + 1.  (amode>>2)&3 flags: 0 0; 1 NO_INTERRUPT;
 *         2 raw_flags; 3 0
 *   run: u8 bkind, u8 bat, u32 bval (bogus push), u8 order (deferred
 *        pushes: bit 0 reverse, >> 1 rotation), then per pop u8 act, u8 val:
 *        act&3 bytes to write: 0 none, 1 max, 2 max - 1, 3 val % (max + 1)
 *        (max = min(writable, 256, what is left of 1024 per input));
 *        4 split the write at (7 * val) % (n + 1); 8 defer the push;
 *        16 read back the readable bytes from offset val % (readable + 1);
 *        32 flush after this element.
 *   The bogus push happens after pop number bat % (size + 1) (before that
 *   element's own push), or after the last pop: bkind&3 0 id = bval; 1 id =
 *   size + (bval & 255); 2 a head in range that is not outstanding; 3 the
 *   current head with len = writable + 1 + bval % 16. An id that happens to be
 *   outstanding gets len = its writable bytes + 1 instead.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsd_input.h"
#include "gm.h"
#include "mutate.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "oracle.h"

#define HARNESS "harness:fuzz_split_device"

/*
 * The target's own code carries no coverage or comparison tracing: the
 * feedback that matters is the model's (the checker's branches mirror it),
 * and libFuzzer's per-run cost grows with every instrumented block a run
 * touches; traced byte loops here would cost more than the model itself.
 */
#if defined(__clang__) && __clang_major__ >= 13
#define NO_COV __attribute__((no_sanitize("coverage")))
#else
#define NO_COV
#endif

/* VIRTIO 1.2 2.7.5: the checker's own constants */
#define D_NEXT     1u
#define D_WRITE    2u
#define D_INDIRECT 4u
#define AVAIL_NO_INTERRUPT 1u
#define USED_NO_NOTIFY     1u

#define NREG FSD_NREG
#define QMAX FSD_QMAX
#define NTAB FSD_NTAB
#define TAB_MAX FSD_TAB_MAX   /* entries written per indirect table */
#define WRITE_CAP 256         /* bytes written per element */
#define WRITE_BUDGET 1024     /* bytes written per input */
#define READ_CAP 256          /* bytes read back per element */
#define E_MAX (WRITE_BUDGET + 8)
#define DIRTY_MAX (E_MAX + 32)
#define F_MAX 96              /* forbidden ranges checked per input */
#define F_TAB_CAP 4096        /* bytes of one walked indirect table checked */
#define F_READ_BUDGET 1024    /* bytes of readable buffers checked per input */
#define F_SPAN_MAX 8192
#define TRACK_BUDGET 512      /* bytes counted with gm_track_count per input */
#define SNAP_MAX (16 * QMAX + 6 + 2 * QMAX + NTAB * 16 * TAB_MAX)
#define SINK_MAX 4

/* ------------------------------------------------------------ memory */

struct region {
	uint64_t gpa, size;
	uint8_t *host; /* driver view */
};

struct world {
	const char *name;
	gm_t *gm;
	gm_view_t *drv, *dev;
	vq_dev_t *vq;
	bool tracked;
	struct region r[NREG];
	uint64_t hole_lo[NREG], hole_last[NREG];
};

static struct world worlds[2];


/* ------------------------------------------------------------ findings */

struct seen {
	const char *clause;
	enum vc_severity sev;
	uint16_t queue;
	uint32_t avail_idx, head;
	char msg[192];
};

static struct {
	unsigned n;
	struct seen v[SINK_MAX];
} sink;

NO_COV static void sink_fn(void *owner, const struct vc_violation *v)
{
	(void)owner;
	if (sink.n < SINK_MAX) {
		struct seen *s = &sink.v[sink.n];

		s->clause = v->clause;
		s->sev = v->severity;
		s->queue = v->queue;
		s->avail_idx = v->avail_idx;
		s->head = v->head;
		memcpy(s->msg, v->msg, sizeof(s->msg));
		s->msg[sizeof(s->msg) - 1] = '\0';
	}
	sink.n++;
}

NO_COV static const struct seen *sink_at(unsigned i)
{
	static const struct seen none = { .clause = "(none)", .msg = "(not kept)" };

	return i < SINK_MAX ? &sink.v[i] : &none;
}

NO_COV static const char *sink_clause(unsigned i)
{
	const char *c = sink_at(i)->clause;

	return c ? c : "(null)";
}

/* ------------------------------------------------------------ little endian */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
NO_COV static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}
NO_COV static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}
NO_COV static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}
#else
NO_COV static inline uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
NO_COV static inline uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
NO_COV static inline uint64_t ld64(const uint8_t *p)
{
	return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}
#endif
/* ------------------------------------------------------------ per input */

struct range {
	uint64_t gpa, len;
};

struct dirty {
	uint8_t *p;
	uint64_t n;
};

/* one element as the checker derives it */
struct chk {
	enum { CK_EMPTY, CK_OK, CK_BAD } kind;
	unsigned clauses;        /* CK_BAD: bit set of C_* */
	uint32_t head;           /* element head, or the head the report names */
	uint32_t walked;         /* descriptors read */
	uint32_t nseg, n_w;
	uint64_t rbytes, wbytes;
	const char *why;
};

enum {
	C_AVAIL = 1, C_CLEANUP = 2, C_DESC = 4, C_INDIRECT = 8, C_FRAMING = 16,
	C_PCI_COMMON = 32, C_VIRTQUEUES = 64, C_LAST = C_VIRTQUEUES
};

struct deferred {
	uint32_t head, written;
};

static struct in {
	struct world *w;
	uint16_t size, qindex;
	bool event_idx, indirect, notify_off, full;
	uint64_t ring[4];          /* desc, avail, used, used + 4 */
	uint8_t *desc_h, *avail_h, *used_h;
	unsigned ntab;
	uint64_t tab_gpa[NTAB];
	uint32_t tab_n[NTAB];
	/* mirrors of the device state, as the driver sees it */
	uint16_t last_avail, used_idx, used_pub;
	bool broken, suppr_reported;
	uint64_t inflight[QMAX / 64];
	uint32_t n_inflight;
	uint64_t walked, pops, n_ok, n_pushed, n_notify;
	uint32_t write_left, read_budget;
	unsigned elemno;
	bool bogus, refused;
} in;

static uint64_t head_writable[QMAX]; /* writable bytes of each outstanding head */

static bool full_check_always;
static bool trace; /* VC_SPLIT_TRACE=1: one line per step on stderr */

#define TRACE(...)                                    \
	do {                                          \
		if (trace)                            \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

static struct fsd_input input;
static struct fsd_state ring_state;
static struct vc_seg ck_segs[2 * QMAX + 2];
static struct deferred defer_list[QMAX + 1];

static struct dirty dirty[DIRTY_MAX];
static unsigned n_dirty;
static bool dirty_overflow;

static struct range E[E_MAX];    /* where the device may write: used ring, chunks */
static unsigned n_E;
static bool E_overflow;

enum fkind { FK_DESC, FK_AVAIL, FK_TABLE, FK_READABLE };
static const char *const fk_name[] = { "descriptor table", "available ring", "indirect table",
				       "device-readable buffer" };

static struct range F[F_MAX];    /* where it must not (unless also in E) */
static const uint8_t *F_snap[F_MAX]; /* snapshot of the content, or NULL */
static enum fkind F_kind[F_MAX];
static unsigned n_F;
static uint8_t snap[SNAP_MAX];
static size_t snap_used;

static uint8_t span_mark[F_SPAN_MAX];

static inline uint64_t umin(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------ guest memory */

/* Host pointer (driver view) for [gpa, gpa + len), len > 0, wholly inside one
 * region; NULL otherwise. Subtract first: no gpa + len is computed. */
NO_COV static uint8_t *host_range(const struct world *w, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < NREG; i++) {
		const struct region *r = &w->r[i];
		uint64_t rel;

		if (gpa < r->gpa)
			return NULL;
		rel = gpa - r->gpa;
		if (rel >= r->size)
			continue;
		if (len > r->size - rel)
			return NULL;
		return r->host + rel;
	}
	return NULL;
}

NO_COV static void dirty_add(uint8_t *p, uint64_t n)
{
	if (!n)
		return;
	if (n_dirty < DIRTY_MAX) {
		dirty[n_dirty].p = p;
		dirty[n_dirty].n = n;
		n_dirty++;
	} else {
		dirty_overflow = true;
	}
}

/* Driver-side write of any byte range: the parts inside regions are written
 * (and remembered for the reset), the rest is dropped. */
NO_COV static void drv_write(const struct world *w, uint64_t gpa, const uint8_t *src, uint64_t len)
{
	unsigned i;

	for (i = 0; i < NREG && len; i++) {
		const struct region *r = &w->r[i];
		uint64_t skip, rel, n;

		if (gpa < r->gpa) {
			skip = r->gpa - gpa;
			if (skip >= len)
				return;
			gpa += skip;
			src += skip;
			len -= skip;
		}
		rel = gpa - r->gpa;
		if (rel >= r->size)
			continue;
		n = r->size - rel < len ? r->size - rel : len;
		memcpy(r->host + rel, src, n);
		dirty_add(r->host + rel, n);
		gpa += n;
		src += n;
		len -= n;
	}
}

NO_COV static void fast_reset(void)
{
	unsigned i, k;

	if (dirty_overflow) {
		for (k = 0; k < 2; k++)
			for (i = 0; i < NREG; i++)
				memset(worlds[k].r[i].host, 0, worlds[k].r[i].size);
	} else {
		for (i = 0; i < n_dirty; i++)
			memset(dirty[i].p, 0, dirty[i].n);
	}
	n_dirty = 0;
	dirty_overflow = false;
}

NO_COV static void E_add(uint64_t gpa, uint64_t len)
{
	if (!len)
		return;
	if (n_E < E_MAX) {
		E[n_E].gpa = gpa;
		E[n_E].len = len;
		n_E++;
	} else {
		E_overflow = true;
	}
}

/* F: a forbidden range inside one region; snapshot its bytes if asked. */
NO_COV static void F_add(enum fkind kind, uint64_t gpa, uint64_t len, bool take_snapshot)
{
	const uint8_t *h;

	if (!len || n_F >= F_MAX || len > F_SPAN_MAX)
		return;
	h = host_range(in.w, gpa, len);
	if (!h)
		return;
	F[n_F].gpa = gpa;
	F[n_F].len = len;
	F_kind[n_F] = kind;
	F_snap[n_F] = NULL;
	if (take_snapshot && snap_used + len <= sizeof(snap)) {
		memcpy(snap + snap_used, h, len);
		F_snap[n_F] = snap + snap_used;
		snap_used += len;
	}
	n_F++;
}

/* span_mark[i] = 1 for the bytes of [gpa, gpa + len) inside E; the count. */
NO_COV static uint64_t mark_E(uint64_t gpa, uint64_t len)
{
	uint64_t n = 0, i;
	unsigned k;

	memset(span_mark, 0, len);
	for (k = 0; k < n_E; k++) {
		uint64_t lo = E[k].gpa > gpa ? E[k].gpa : gpa;
		uint64_t hi_e = E[k].gpa + E[k].len, hi_f = gpa + len; /* inside regions: no wrap */
		uint64_t hi = hi_e < hi_f ? hi_e : hi_f;

		for (i = lo; i < hi; i++)
			span_mark[i - gpa] = 1;
	}
	for (i = 0; i < len; i++)
		n += span_mark[i];
	return n;
}

/* ------------------------------------------------------------ the checker */

NO_COV static bool inflight_has(uint32_t head)
{
	return (in.inflight[head / 64] >> (head % 64)) & 1u;
}

NO_COV static void inflight_put(uint32_t head, bool on)
{
	if (on)
		in.inflight[head / 64] |= 1ull << (head % 64);
	else
		in.inflight[head / 64] &= ~(1ull << (head % 64));
}

NO_COV static const char *clause_of(unsigned bit)
{
	switch (bit) {
	case C_AVAIL: return CL_DRV_AVAIL;
	case C_CLEANUP: return CL_DRV_CLEANUP;
	case C_DESC: return CL_DRV_DESC;
	case C_INDIRECT: return CL_DRV_INDIRECT;
	case C_FRAMING: return CL_DRV_FRAMING;
	case C_PCI_COMMON: return CL_DRV_PCI_COMMON;
	default: return CL_DRV_VIRTQUEUES;
	}
}

NO_COV static unsigned bit_of(const char *clause)
{
	unsigned b;

	for (b = 1; b <= C_LAST; b <<= 1)
		if (clause && strcmp(clause, clause_of(b)) == 0)
			return b;
	return 0;
}

NO_COV static const char *first_clause(unsigned set)
{
	unsigned b;

	for (b = 1; b <= C_LAST; b <<= 1)
		if (set & b)
			return clause_of(b);
	return HARNESS;
}

#define BAD(clauses_, why_)                  \
	do {                                 \
		c->kind = CK_BAD;            \
		c->clauses = (clauses_);     \
		c->why = (why_);             \
		return;                      \
	} while (0)

/*
 * What VIRTIO 1.2 2.7 (and the model's documented rules) make of the chain at
 * avail position last_avail, read from the driver's view as it is now.
 */
NO_COV static void check_chain(struct chk *c)
{
	const uint32_t size = in.size;
	const uint8_t *table = in.desc_h;
	uint32_t table_n = size, i, count = 0;
	uint16_t aidx, dist;
	bool in_ind = false, seen_w = false;
	uint64_t total = 0;

	memset(c, 0, sizeof(*c));
	aidx = ld16(in.avail_h + 2);
	dist = (uint16_t)(aidx - in.last_avail);
	if (dist == 0) {
		c->kind = CK_EMPTY;
		return;
	}
	c->head = VC_NO_INDEX;
	if (dist > size)
		BAD(C_AVAIL, "avail idx more than the queue size ahead");
	c->head = ld16(in.avail_h + 4 + 2u * (in.last_avail & (size - 1)));
	if (c->head >= size)
		BAD(C_AVAIL, "head out of range");
	if (inflight_has(c->head))
		BAD(C_CLEANUP, "head still in flight");
	i = c->head;
	for (;;) {
		const unsigned cl = in_ind ? C_INDIRECT : C_DESC;
		const uint8_t *d, *t;
		unsigned broke = 0;
		uint64_t addr;
		uint32_t len;
		uint16_t fl, next;

		if (++count > size)
			BAD(cl, "chain longer than the queue size");
		d = table + 16u * i;
		addr = ld64(d);
		len = ld32(d + 8);
		fl = ld16(d + 12);
		next = ld16(d + 14);
		c->walked++;
		if (fl & D_INDIRECT) {
			if (in_ind)
				BAD(C_INDIRECT, "nested indirect descriptor");
			if (!in.indirect)
				BAD(C_INDIRECT, "INDIRECT without VIRTIO_F_INDIRECT_DESC");
			if (fl & D_NEXT)
				BAD(C_INDIRECT, "INDIRECT together with NEXT");
			if (len == 0 || len % 16)
				BAD(C_INDIRECT, "indirect len not a non-zero multiple of 16");
			t = host_range(in.w, addr, len);
			if (!t)
				BAD(C_INDIRECT, "indirect table not inside one region");
			F_add(FK_TABLE, addr, umin(len, F_TAB_CAP), false);
			table = t;
			table_n = len / 16;
			in_ind = true;
			count = 0;
			i = 0;
			continue;
		}
		/* the WRITE flag of an indirect descriptor played no part above */
		if (fl & D_WRITE)
			seen_w = true;
		else if (seen_w)
			broke |= C_FRAMING;
		if (len) {
			if (!host_range(in.w, addr, len)) {
				broke |= cl;
			} else {
				struct vc_seg *s = &ck_segs[c->nseg++];

				s->gpa = addr;
				s->len = len;
				s->writable = (fl & D_WRITE) ? 1 : 0;
				if (fl & D_WRITE) {
					c->wbytes += len;
					c->n_w++;
				} else {
					c->rbytes += len;
				}
			}
			total += len;
			if (total > (1ull << 32))
				broke |= cl;
		}
		if ((fl & D_NEXT) && next >= table_n)
			broke |= cl;
		if (broke)
			BAD(broke, "descriptor breaks a rule (buffer outside guest memory, "
					     "total over 2^32, next out of range or readable after writable)");
		if (!(fl & D_NEXT))
			break;
		i = next;
	}
	c->kind = CK_OK;
}

/* ------------------------------------------------------------ the device */

NO_COV static uint16_t avail_event_now(void)
{
	return ld16(in.used_h + 4 + 8u * in.size);
}

NO_COV static void check_avail_event(void)
{
	if (in.event_idx && !in.notify_off)
		ORACLE(avail_event_now() == in.last_avail, CL_DEV_AVAIL_SUPPR,
		       "avail_event %u, but the device consumed up to %u", avail_event_now(),
		       in.last_avail);
}

NO_COV static void compare_elem(const struct vc_elem *e, const struct chk *c)
{
	uint32_t k;

	ORACLE(e->head == c->head, CL_DEV_DESC, "element head %u, chain head %u", e->head, c->head);
	ORACLE(e->n_readable == c->nseg - c->n_w && e->n_writable == c->n_w, CL_DEV_DESC,
	       "head %u: %u readable + %u writable segments, expected %u + %u", c->head,
	       e->n_readable, e->n_writable, c->nseg - c->n_w, c->n_w);
	ORACLE(e->readable_bytes == c->rbytes && e->writable_bytes == c->wbytes, CL_DEV_DESC,
	       "head %u: %llu readable / %llu writable bytes, expected %llu / %llu", c->head,
	       (unsigned long long)e->readable_bytes, (unsigned long long)e->writable_bytes,
	       (unsigned long long)c->rbytes, (unsigned long long)c->wbytes);
	ORACLE(c->nseg == 0 || e->segs, CL_DEV_DESC, "head %u: no segment array", c->head);
	for (k = 0; k < c->nseg; k++) {
		const struct vc_seg *s = &e->segs[k], *x = &ck_segs[k];

		ORACLE(s->gpa == x->gpa && s->len == x->len && s->writable == x->writable,
		       CL_DEV_DESC,
		       "head %u segment %u: 0x%llx+%u %s, expected 0x%llx+%u %s", c->head, k,
		       (unsigned long long)s->gpa, s->len, s->writable ? "w" : "r",
		       (unsigned long long)x->gpa, x->len, x->writable ? "w" : "r");
	}
}

/* One pop, in lock step with the checker. */
NO_COV static int pop_step(struct vc_elem *e, struct chk *c)
{
	vq_dev_t *vq = in.w->vq;
	const struct vq_dev_stats *st = vq_dev_stats(vq);
	const uint64_t walked0 = st->descs_walked, popped0 = st->popped;
	const uint32_t infl0 = vq_dev_inflight(vq);
	const unsigned nv0 = sink.n;
	const struct seen *v = sink_at(nv0);
	int rc;

	check_chain(c);
	rc = vq_dev_pop(vq, e);
	in.pops++;
	in.walked += c->walked;
	TRACE("  pop @%u: checker %s head %u walked %u segs %u (%llu r / %llu w)%s%s -> rc %d%s%s\n",
	      in.last_avail, c->kind == CK_EMPTY ? "EMPTY" : c->kind == CK_OK ? "OK" : "BAD",
	      c->head, c->walked, c->nseg, (unsigned long long)c->rbytes,
	      (unsigned long long)c->wbytes, c->why ? ": " : "", c->why ? c->why : "", rc,
	      sink.n > nv0 ? ", report: " : "", sink.n > nv0 ? v->msg : "");
	switch (c->kind) {
	case CK_EMPTY:
		ORACLE(rc == VC_POP_EMPTY, sink.n > nv0 ? sink_clause(nv0) : CL_DRV_AVAIL,
		       "pop returned %d on an empty ring (avail %u): %s", rc, in.last_avail,
		       sink.n > nv0 ? v->msg : "no report");
		ORACLE(sink.n == nv0, sink_clause(nv0), "empty pop reported: %s", v->msg);
		check_avail_event();
		break;
	case CK_OK:
		ORACLE(rc == VC_POP_OK, sink.n > nv0 ? sink_clause(nv0) : CL_DEV_DESC,
		       "valid chain at avail %u head %u refused (rc %d): %s", in.last_avail, c->head,
		       rc, sink.n > nv0 ? v->msg : "no report");
		ORACLE(sink.n == nv0, sink_clause(nv0), "valid chain at avail %u reported: %s",
		       in.last_avail, v->msg);
		compare_elem(e, c);
		inflight_put(c->head, true);
		head_writable[c->head] = c->wbytes;
		in.n_inflight++;
		in.n_ok++;
		in.last_avail++;
		ORACLE(st->popped == popped0 + 1 && vq_dev_inflight(vq) == in.n_inflight, CL_DEV_DESC,
		       "popped/inflight counters %llu/%u, expected %llu/%u",
		       (unsigned long long)st->popped, vq_dev_inflight(vq),
		       (unsigned long long)popped0 + 1, in.n_inflight);
		check_avail_event();
		break;
	case CK_BAD:
		ORACLE(rc == VC_POP_BROKEN, first_clause(c->clauses),
		       "invalid chain at avail %u (head %u) not refused (rc %d): %s", in.last_avail,
		       c->head, rc, c->why);
		ORACLE(sink.n == nv0 + 1, first_clause(c->clauses),
		       "refusal at avail %u made %u reports, expected exactly one", in.last_avail,
		       sink.n - nv0);
		ORACLE(v->clause != NULL, first_clause(c->clauses), "refusal without a clause");
		ORACLE(v->sev == VC_SEV_FATAL, v->clause, "refusal with severity %d", v->sev);
		ORACLE(bit_of(v->clause) & c->clauses, first_clause(c->clauses),
		       "refusal at avail %u cites '%s' (%s); the chain breaks %s: %s", in.last_avail,
		       v->clause, v->msg, first_clause(c->clauses), c->why);
		ORACLE(v->queue == in.qindex && v->avail_idx == in.last_avail && v->head == c->head,
		       v->clause, "report names queue %u avail %u head %u, expected %u %u %u",
		       v->queue, v->avail_idx, v->head, in.qindex, in.last_avail, c->head);
		ORACLE(v->msg[0] != '\0', v->clause, "report without a message");
		ORACLE(vq_dev_broken(vq), v->clause, "queue not broken after a fatal report");
		ORACLE(st->popped == popped0 && vq_dev_inflight(vq) == infl0, v->clause,
		       "a refused chain changed popped/inflight");
		in.broken = true;
		break;
	}
	/* the walk read exactly the descriptors the chain has to read */
	ORACLE(st->descs_walked - walked0 == c->walked, CL_HARNESS_LIMIT,
	       "pop at avail %u read %llu descriptors; the chain has %u to read", in.last_avail,
	       (unsigned long long)(st->descs_walked - walked0), c->walked);
	if (c->kind == CK_BAD) {
		/* refused from now on, silently, without walking */
		rc = vq_dev_pop(vq, e);
		in.pops++;
		ORACLE(rc == VC_POP_BROKEN && sink.n == nv0 + 1 &&
			       st->descs_walked == walked0 + c->walked,
		       v->clause, "broken queue: pop returned %d, %u reports, walked again", rc,
		       sink.n - nv0);
		rc = VC_POP_BROKEN;
	}
	return rc;
}

NO_COV static void read_check(const struct vc_elem *e, const struct chk *c, uint8_t val)
{
	static uint8_t got[READ_CAP], want[READ_CAP];
	uint64_t off = val % (c->rbytes + 1), n = umin(c->rbytes - off, READ_CAP), r, done = 0, skip;
	uint32_t k;

	r = vq_elem_read(in.w->dev, e, off, got, n);
	ORACLE(r == n, CL_DEV_DESC, "head %u: read %llu of %llu readable bytes at offset %llu",
	       c->head, (unsigned long long)r, (unsigned long long)n, (unsigned long long)off);
	skip = off;
	for (k = 0; k < c->nseg - c->n_w && done < n; k++) {
		const struct vc_seg *s = &ck_segs[k];
		uint64_t m;

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		m = umin(s->len - skip, n - done);
		memcpy(want + done, host_range(in.w, s->gpa + skip, m), m);
		done += m;
		skip = 0;
	}
	ORACLE(memcmp(got, want, n) == 0, CL_DEV_DESC,
	       "head %u: bytes read at offset %llu differ from the readable buffers", c->head,
	       (unsigned long long)off);
}

/* Write an input-chosen number of bytes; returns it. */
NO_COV static uint32_t write_elem(const struct vc_elem *e, const struct chk *c, uint8_t act,
				  uint8_t val)
{
	static uint8_t data[WRITE_CAP];
	uint64_t mx = umin(umin(c->wbytes, WRITE_CAP), in.write_left), got, done = 0;
	uint32_t w, a, k, i;
	unsigned e0 = n_E, j, j2;

	switch (act & 3) {
	case 0: w = 0; break;
	case 1: w = (uint32_t)mx; break;
	case 2: w = mx ? (uint32_t)mx - 1 : 0; break;
	default: w = (uint32_t)(val % (mx + 1)); break;
	}
	for (i = 0; i < w; i++)
		data[i] = (uint8_t)(0x5b + 29 * in.elemno + 7 * i + (i >> 3));
	in.elemno++;
	a = (act & 4) ? (7u * val) % (w + 1) : w;
	TRACE("  write %u bytes (split at %u) into head %u\n", w, a, c->head);
	got = vq_elem_write(in.w->dev, e, 0, data, a);
	got += vq_elem_write(in.w->dev, e, a, data + a, w - a);
	ORACLE(got == w, CL_DEV_DESC, "head %u: wrote %llu of %u bytes (%llu writable)", c->head,
	       (unsigned long long)got, w, (unsigned long long)c->wbytes);
	in.write_left -= w;
	/* where the bytes must be: the writable segments, in order */
	for (k = c->nseg - c->n_w; k < c->nseg && done < w; k++) {
		uint64_t m = umin(ck_segs[k].len, w - done);

		E_add(ck_segs[k].gpa, m);
		dirty_add(host_range(in.w, ck_segs[k].gpa, m), m);
		done += m;
	}
	/* ... and they are, unless a later segment of this element overlaps */
	done = 0;
	for (j = e0; j < n_E; j++) {
		bool later = false;

		for (j2 = j + 1; j2 < n_E && !later; j2++)
			later = E[j2].gpa < E[j].gpa + E[j].len && E[j].gpa < E[j2].gpa + E[j2].len;
		if (!later)
			ORACLE(memcmp(host_range(in.w, E[j].gpa, E[j].len), data + done, E[j].len) == 0,
			       CL_DEV_DESC, "head %u: bytes at 0x%llx+%llu are not the ones written",
			       c->head, (unsigned long long)E[j].gpa, (unsigned long long)E[j].len);
		done += E[j].len;
	}
	return w;
}

NO_COV static void push_one(uint32_t head, uint32_t w)
{
	vq_dev_t *vq = in.w->vq;
	const unsigned nv0 = sink.n;
	const uint8_t *u;
	int rc = vq_dev_push(vq, head, w);

	TRACE("  push head %u len %u -> %d\n", head, w, rc);
	if (in.broken) {
		ORACLE(rc == -1 && sink.n == nv0, CL_DEV_USED,
		       "push of %u on a broken queue: rc %d, %u reports", head, rc, sink.n - nv0);
		return;
	}
	ORACLE(rc == 0, sink.n > nv0 ? sink_clause(nv0) : CL_DEV_USED,
	       "push of outstanding head %u, %u of %llu bytes, refused: %s", head, w,
	       (unsigned long long)head_writable[head], sink.n > nv0 ? sink_at(nv0)->msg : "");
	ORACLE(sink.n == nv0, sink_clause(nv0), "push reported: %s", sink_at(nv0)->msg);
	u = in.used_h + 4 + 8u * (in.used_idx & (in.size - 1u));
	ORACLE(ld32(u) == head && ld32(u + 4) == w, CL_DEV_USED,
	       "used slot %u holds id %u len %u, pushed %u len %u", in.used_idx & (in.size - 1u),
	       ld32(u), ld32(u + 4), head, w);
	in.used_idx++;
	inflight_put(head, false);
	in.n_inflight--;
	in.n_pushed++;
}

NO_COV static void bogus_push(uint8_t kind, uint32_t val, bool have_cur, uint32_t cur)
{
	static uint8_t before[6 + 8 * QMAX];
	vq_dev_t *vq = in.w->vq;
	const struct vq_dev_stats *st = vq_dev_stats(vq);
	const size_t ubytes = 6 + 8u * in.size;
	const unsigned nv0 = sink.n;
	uint32_t id, len = val >> 16, k;
	int rc;

	switch (kind & 3) {
	case 0:
		id = val;
		break;
	case 1:
		id = in.size + (val & 0xff);
		break;
	case 2:
		id = in.size;
		for (k = 0; k < in.size; k++)
			if (!inflight_has((val + k) % in.size)) {
				id = (val + k) % in.size;
				break;
			}
		break;
	default:
		id = have_cur ? cur : in.size + 1u;
		len = 0;
		break;
	}
	if (id < in.size && inflight_has(id)) {
		if (head_writable[id] + 1 + (val % 16) > UINT32_MAX)
			return; /* no length above 2^32 - 1 fits in a used element */
		len = (uint32_t)(head_writable[id] + 1 + (val % 16));
	}
	memcpy(before, in.used_h, ubytes);
	rc = vq_dev_push(vq, id, len);
	TRACE("  bogus push id %u len %u -> %d, %u report(s)\n", id, len, rc, sink.n - nv0);
	ORACLE(rc == -1, CL_DEV_USED, "push of id %u len %u accepted (%s)", id, len,
	       id < in.size && inflight_has(id) ? "len above the writable bytes" : "not outstanding");
	if (in.broken) {
		ORACLE(sink.n == nv0, CL_DEV_USED, "bogus push on a broken queue reported");
	} else {
		const struct seen *v = sink_at(nv0);

		ORACLE(sink.n == nv0 + 1 && v->sev == VC_SEV_RECORD && v->clause &&
			       strcmp(v->clause, CL_DEV_USED) == 0 && v->head == id,
		       CL_DEV_USED, "bogus push id %u len %u: %u reports, first '%s' sev %d head %u",
		       id, len, sink.n - nv0, sink_clause(nv0), v->sev, v->head);
		ORACLE(!vq_dev_broken(vq), CL_DEV_USED, "a recorded finding broke the queue");
	}
	ORACLE(memcmp(before, in.used_h, ubytes) == 0, CL_DEV_USED,
	       "refused push of id %u changed the used ring", id);
	ORACLE(vq_dev_inflight(vq) == in.n_inflight && st->pushed == in.n_pushed, CL_DEV_USED,
	       "refused push changed inflight/pushed");
}

NO_COV static void flush_step(void)
{
	vq_dev_t *vq = in.w->vq;
	const unsigned nv0 = sink.n;
	const uint16_t old = in.used_pub, now = in.used_idx;
	bool need = vq_dev_flush(vq), want, rec;
	uint16_t flags, ev;

	TRACE("  flush %u -> %u: notify %d\n", old, now, need);
	if (in.broken || old == now) {
		ORACLE(!need && sink.n == nv0, CL_DEV_USED_SUPPR,
		       "flush with nothing to publish: need %d, %u reports", need, sink.n - nv0);
		return;
	}
	ORACLE(ld16(in.used_h + 2) == now, CL_DEV_USED, "used idx %u after flush, pushed up to %u",
	       ld16(in.used_h + 2), now);
	flags = ld16(in.avail_h);
	ev = ld16(in.avail_h + 4 + 2u * in.size);
	if (in.event_idx) {
		rec = flags != 0;
		want = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		rec = (flags & ~AVAIL_NO_INTERRUPT) != 0;
		want = !(flags & AVAIL_NO_INTERRUPT);
	}
	if (rec && !in.suppr_reported) {
		const struct seen *v = sink_at(nv0);

		ORACLE(sink.n == nv0 + 1 && v->sev == VC_SEV_RECORD && v->clause &&
			       strcmp(v->clause, CL_DRV_USED_SUPPR) == 0,
		       CL_DRV_USED_SUPPR, "avail flags 0x%x: %u reports, first '%s'", flags,
		       sink.n - nv0, sink_clause(nv0));
		in.suppr_reported = true;
	} else {
		ORACLE(sink.n == nv0, sink_clause(nv0), "flush reported: %s", sink_at(nv0)->msg);
	}
	ORACLE(need == want, CL_DEV_USED_SUPPR,
	       "flush %u -> %u with %s flags 0x%x used_event %u: notify %d, expected %d", old, now,
	       in.event_idx ? "EVENT_IDX" : "no EVENT_IDX", flags, ev, need, want);
	in.used_pub = now;
	in.n_notify += need;
}

/* ------------------------------------------------------------ memory oracles */

NO_COV static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

NO_COV static uint64_t union_E(void)
{
	static struct range s[E_MAX];
	uint64_t sum = 0, lo = 0, hi = 0;
	unsigned k;

	memcpy(s, E, n_E * sizeof(E[0]));
	qsort(s, n_E, sizeof(s[0]), range_cmp);
	for (k = 0; k < n_E; k++) {
		if (k == 0 || s[k].gpa > hi) {
			sum += hi - lo;
			lo = s[k].gpa;
			hi = lo + s[k].len;
		} else if (s[k].gpa + s[k].len > hi) {
			hi = s[k].gpa + s[k].len;
		}
	}
	return sum + (hi - lo);
}

NO_COV static void memory_checks(void)
{
	gm_view_t *dev = in.w->dev;
	uint64_t budget = TRACK_BUDGET, i;
	unsigned k, j;

	for (k = 0; k < n_F; k++) {
		const uint8_t *h = host_range(in.w, F[k].gpa, F[k].len);
		const char *cl = F_kind[k] == FK_AVAIL ? CL_DEV_USED : CL_DEV_DESC;

		if (F_snap[k] && memcmp(h, F_snap[k], F[k].len) != 0) {
			mark_E(F[k].gpa, F[k].len);
			for (i = 0; i < F[k].len; i++)
				ORACLE(h[i] == F_snap[k][i] || span_mark[i], cl,
				       "the device changed byte 0x%llx of the %s (0x%llx+%llu)",
				       (unsigned long long)(F[k].gpa + i), fk_name[F_kind[k]],
				       (unsigned long long)F[k].gpa, (unsigned long long)F[k].len);
		}
		if (in.w->tracked && budget) {
			uint64_t len = umin(F[k].len, budget), n, allowed;

			budget -= len;
			n = gm_track_count(dev, F[k].gpa, len);
			if (n) {
				allowed = mark_E(F[k].gpa, len);
				ORACLE(n == allowed, cl,
				       "the device obtained write access to %llu bytes of the %s "
				       "0x%llx+%llu, %llu of them inside its writable buffers or the used ring",
				       (unsigned long long)n, fk_name[F_kind[k]],
				       (unsigned long long)F[k].gpa, (unsigned long long)len,
				       (unsigned long long)allowed);
			}
		}
	}
	if (!in.w->tracked)
		return;
	/* the written chunks went through the translator (E[0] is the used ring) */
	for (j = 1; j < n_E && budget; j++) {
		uint64_t len = umin(E[j].len, budget);

		budget -= len;
		ORACLE(gm_track_count(dev, E[j].gpa, len) == len, CL_DEV_DESC,
		       "bytes 0x%llx+%llu were written without write access through the translator",
		       (unsigned long long)E[j].gpa, (unsigned long long)len);
	}
	if (in.full && !E_overflow) {
		uint64_t total = gm_track_total(dev), allowed = union_E();

		ORACLE(total == allowed, CL_DEV_DESC,
		       "the device obtained write access to %llu bytes; its writable chunks and the "
		       "used ring hold %llu",
		       (unsigned long long)total, (unsigned long long)allowed);
	}
}

NO_COV static void final_checks(void)
{
	vq_dev_t *vq = in.w->vq;
	const struct vq_dev_stats *st = vq_dev_stats(vq);
	const uint64_t limit = vq_dev_walk_limit(vq);

	ORACLE(st->popped == in.n_ok && st->pushed == in.n_pushed && st->notifications == in.n_notify,
	       CL_DEV_USED, "stats popped %llu pushed %llu notified %llu, expected %llu %llu %llu",
	       (unsigned long long)st->popped, (unsigned long long)st->pushed,
	       (unsigned long long)st->notifications, (unsigned long long)in.n_ok,
	       (unsigned long long)in.n_pushed, (unsigned long long)in.n_notify);
	ORACLE(vq_dev_inflight(vq) == in.n_inflight, CL_DEV_USED, "%u in flight, expected %u",
	       vq_dev_inflight(vq), in.n_inflight);
	ORACLE(st->descs_walked == in.walked && limit >= 2u * in.size &&
		       st->descs_walked <= in.pops * limit,
	       CL_HARNESS_LIMIT, "walked %llu descriptors in %llu pops (limit %llu each, checker %llu)",
	       (unsigned long long)st->descs_walked, (unsigned long long)in.pops,
	       (unsigned long long)limit, (unsigned long long)in.walked);
	memory_checks();
}

/* ------------------------------------------------------------ one input */

NO_COV static void setup(const struct fsd_input *inp)
{
	struct fsd_state *st = &ring_state;
	struct world *w;
	struct vq_cfg cfg;
	uint16_t idx, flags, used_event, cfg_size;
	unsigned t, k, refuse = 0;
	int rc;

	fsd_materialize(inp, st);
	w = &worlds[st->world];
	in.w = w;
	in.size = st->size;
	in.qindex = st->qindex;
	in.event_idx = st->event_idx;
	in.indirect = st->indirect;
	in.notify_off = st->notify_off;
	in.bogus = st->bogus;
	in.write_left = WRITE_BUDGET;
	in.read_budget = F_READ_BUDGET;
	cfg_size = st->cfg_size;
	for (k = 0; k < 4; k++)
		in.ring[k] = st->ring[k];
	in.desc_h = host_range(w, in.ring[0], 16u * in.size);
	in.avail_h = host_range(w, in.ring[1], 6 + 2u * in.size);
	in.used_h = host_range(w, in.ring[2], 6 + 8u * in.size);
	in.ntab = st->ntab;
	for (t = 0; t < NTAB; t++) {
		in.tab_n[t] = st->tab_n[t];
		in.tab_gpa[t] = st->tab_gpa[t];
	}
	idx = st->avail_idx;
	flags = st->avail_flags;
	used_event = st->used_event;

	/* the driver writes its rings */
	drv_write(w, in.ring[0], st->desc_img, 16ull * st->n_desc);
	for (t = 0; t < in.ntab; t++)
		drv_write(w, in.tab_gpa[t], st->tab_img[t], 16ull * st->tab_written[t]);
	drv_write(w, in.ring[1], st->avail_img, 6 + 2u * in.size);
	if (in.used_h)
		dirty_add(in.used_h, 6 + 8u * in.size);
	E_add(in.ring[2], 6 + 8u * in.size);

	/* what VIRTIO 1.2 makes of the queue configuration (4.1.4.3, 2.7) */
	if (cfg_size != in.size)
		refuse = C_PCI_COMMON;
	else if (in.ring[0] % 16 || in.ring[1] % 2 || in.ring[2] % 4 || !in.desc_h || !in.avail_h ||
		 !in.used_h)
		refuse = C_VIRTQUEUES;

	/* the device enables the queue on its own view */
	if (w->tracked)
		gm_track_clear(w->dev);
	memset(&cfg, 0, sizeof(cfg));
	cfg.index = in.qindex;
	cfg.size = cfg_size;
	cfg.desc = in.ring[0];
	cfg.driver = in.ring[1];
	cfg.device = in.ring[2];
	cfg.event_idx = in.event_idx;
	cfg.indirect = in.indirect;
	TRACE("input: world %s size %u queue %u%s%s%s desc 0x%llx avail 0x%llx used 0x%llx, "
	      "%u tables, avail idx %u flags 0x%x used_event %u, full check %d\n", w->name,
	      in.size, in.qindex, in.event_idx ? " EVENT_IDX" : "", in.indirect ? " INDIRECT" : "",
	      in.notify_off ? " notify-off" : "", (unsigned long long)in.ring[0],
	      (unsigned long long)in.ring[1], (unsigned long long)in.ring[2], in.ntab, idx, flags,
	      used_event, in.full);
	for (t = 0; t < in.ntab; t++)
		TRACE("  table %u at 0x%llx, %u entries\n", t, (unsigned long long)in.tab_gpa[t],
		      in.tab_n[t]);
	if (trace && in.desc_h)
		for (k = 0; k < in.size && k < 64u; k++) {
			const uint8_t *dd = in.desc_h + 16 * k;

			if (ld64(dd) | ld32(dd + 8) | ld16(dd + 12) | ld16(dd + 14))
				TRACE("  desc[%u] addr 0x%llx len 0x%x flags 0x%x next %u\n", k,
				      (unsigned long long)ld64(dd), ld32(dd + 8), ld16(dd + 12),
				      ld16(dd + 14));
		}
	rc = vq_dev_enable(w->vq, &cfg);
	if (refuse) {
		const struct seen *v = sink_at(0);
		struct vc_elem e;

		TRACE("  enable (size %u) -> %d: %s\n", cfg_size, rc, sink.n ? v->msg : "no report");
		ORACLE(rc == -1 && !vq_dev_enabled(w->vq), first_clause(refuse),
		       "enable of size %u desc 0x%llx avail 0x%llx used 0x%llx accepted", cfg_size,
		       (unsigned long long)in.ring[0], (unsigned long long)in.ring[1],
		       (unsigned long long)in.ring[2]);
		ORACLE(sink.n == 1 && v->sev == VC_SEV_FATAL && (bit_of(v->clause) & refuse) &&
			       v->queue == in.qindex && v->head == VC_NO_INDEX && v->msg[0],
		       first_clause(refuse), "refused enable: %u reports, first '%s' sev %d: %s",
		       sink.n, sink_clause(0), v->sev, v->msg);
		/* off: nothing works, nothing more is reported */
		ORACLE(vq_dev_pop(w->vq, &e) == VC_POP_BROKEN && vq_dev_push(w->vq, 0, 0) == -1 &&
			       !vq_dev_flush(w->vq) && sink.n == 1 &&
			       vq_dev_stats(w->vq)->descs_walked == 0,
		       sink_clause(0), "a queue whose enable was refused still works or reports");
		in.refused = true;
		return;
	}
	ORACLE(rc == 0 && sink.n == 0 && vq_dev_enabled(w->vq) && !vq_dev_broken(w->vq),
	       sink.n ? sink_clause(0) : CL_DRV_VIRTQUEUES,
	       "enable of a valid ring refused (size %u desc 0x%llx avail 0x%llx used 0x%llx): %s",
	       in.size, (unsigned long long)in.ring[0], (unsigned long long)in.ring[1],
	       (unsigned long long)in.ring[2], sink.n ? sink_at(0)->msg : "");
	if (in.notify_off) {
		vq_dev_set_notify(w->vq, false);
		if (!in.event_idx)
			ORACLE(ld16(in.used_h) == USED_NO_NOTIFY, CL_DEV_AVAIL_SUPPR,
			       "used flags 0x%x after asking for no notifications", ld16(in.used_h));
		ORACLE(sink.n == 0, sink_clause(0), "set_notify reported");
	}

	/* what the device must never write */
	F_add(FK_AVAIL, in.ring[1], 6 + 2u * in.size, true);
	F_add(FK_DESC, in.ring[0], 16u * in.size, true);
	for (t = 0; t < in.ntab; t++)
		F_add(FK_TABLE, in.tab_gpa[t], 16ull * in.tab_n[t], true);
}

NO_COV static void run(const struct fsd_input *inp)
{
	const uint8_t bkind = inp->bkind, bat = inp->bat;
	const uint32_t bval = inp->bval;
	const uint8_t order = inp->order;
	bool bogus_done = !in.bogus;
	unsigned ndef = 0, p, k;

	for (p = 0; p <= in.size; p++) {
		struct vc_elem e;
		struct chk c;
		uint8_t act, val;
		uint32_t w, s;

		if (pop_step(&e, &c) != VC_POP_OK)
			break;
		act = p < inp->nact ? inp->act[p] : 0;
		val = p < inp->nact ? inp->val[p] : 0;
		/* the device must never write what it reads */
		for (s = 0; s < c.nseg - c.n_w && in.read_budget && in.w->tracked; s++) {
			uint32_t m = (uint32_t)umin(ck_segs[s].len, in.read_budget);

			F_add(FK_READABLE, ck_segs[s].gpa, m, false);
			in.read_budget -= m;
		}
		if ((act & 16) && c.rbytes)
			read_check(&e, &c, val);
		w = write_elem(&e, &c, act, val);
		if (!bogus_done && p == bat % (in.size + 1u)) {
			bogus_push(bkind, bval, true, c.head);
			bogus_done = true;
		}
		if (act & 8) {
			defer_list[ndef].head = c.head;
			defer_list[ndef].written = w;
			ndef++;
		} else {
			push_one(c.head, w);
		}
		if (act & 32)
			flush_step();
	}
	if (!bogus_done)
		bogus_push(bkind, bval, false, 0);
	for (k = 0; k < ndef; k++) {
		unsigned i = (k + (order >> 1)) % ndef;

		if (order & 1)
			i = ndef - 1 - i;
		push_one(defer_list[i].head, defer_list[i].written);
	}
	flush_step();
	flush_step(); /* nothing new: no publish, no notification */
}

/* ------------------------------------------------------------ entry points */

/* Which inputs get the O(memory) check under libFuzzer: a hash of all the
 * bytes, so that mutants of one input do not all share its verdict. */
NO_COV static uint64_t input_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ n;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 32);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* present only when libFuzzer drives the target */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))
	__attribute__((weak));

NO_COV static void world_init(struct world *w, const char *name, bool tracked)
{
	const struct fsd_layout *l = fsd_layout(w == &worlds[1]);
	const struct gm_region_spec spec[NREG] = {
		{ l->r_gpa[0], l->r_size[0] }, { l->r_gpa[1], l->r_size[1] },
		{ l->r_gpa[2], l->r_size[2] }, { l->r_gpa[3], l->r_size[3] },
	};
	unsigned i;

	w->name = name;
	w->tracked = tracked;
	w->gm = gm_create(spec, NREG);
	w->drv = w->gm ? gm_view_map(w->gm, "driver") : NULL;
	w->dev = w->gm ? gm_view_map(w->gm, "device") : NULL;
	w->vq = w->dev ? vq_dev_new(w->dev, sink_fn, NULL) : NULL;
	if (!w->vq || (tracked && gm_track_enable(w->dev, true) != 0)) {
		fprintf(stderr, "fuzz_split_device: cannot set up guest memory %s\n", name);
		exit(1);
	}
	for (i = 0; i < NREG; i++) {
		w->r[i].gpa = spec[i].gpa;
		w->r[i].size = spec[i].size;
		w->r[i].host = gm_translate(w->drv, spec[i].gpa, spec[i].size, GM_WRITE);
		if (!w->r[i].host) {
			fprintf(stderr, "fuzz_split_device: region %u of %s not mapped\n", i, name);
			exit(1);
		}
	}
	for (i = 0; i < NREG; i++) {
		w->hole_lo[i] = l->hole_lo[i];
		w->hole_last[i] = l->hole_last[i];
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *full = getenv("VC_SPLIT_FULL_CHECK");
	const char *tr = getenv("VC_SPLIT_TRACE");

	(void)argc;
	(void)argv;
	world_init(&worlds[0], "S (tracked)", true);
	world_init(&worlds[1], "B (64 MiB above 4 GiB)", false);
	full_check_always = full ? atoi(full) != 0 : !LLVMFuzzerRunDriver;
	fsd_mutator_init();
	trace = tr && atoi(tr) != 0;
	return 0;
}

/*
 * Replay builds only: the input re-encoded by fsd_encode (what the custom
 * mutator and export-corpus write) makes the same ring state and the same
 * completion plan.
 */
NO_COV static void codec_check(const struct fsd_input *a)
{
	static struct fsd_input b, c;
	static struct fsd_state sb;
	static uint8_t buf[1 << 16];
	const struct fsd_state *sa = &ring_state;
	size_t n;
	unsigned t;
	bool same;

	b = *a;
	fsd_normalize(&b);
	n = fsd_encode(&b, buf, sizeof(buf));
	ORACLE(n > 0, HARNESS, "fsd_encode: input does not fit %zu bytes", sizeof(buf));
	fsd_decode(buf, n, &c);
	fsd_materialize(&c, &sb);
	same = sa->world == sb.world && sa->size == sb.size && sa->qindex == sb.qindex &&
	       sa->cfg_size == sb.cfg_size && sa->event_idx == sb.event_idx &&
	       sa->indirect == sb.indirect && sa->notify_off == sb.notify_off &&
	       sa->bogus == sb.bogus && !memcmp(sa->ring, sb.ring, sizeof(sa->ring)) &&
	       sa->n_desc == sb.n_desc && !memcmp(sa->desc_img, sb.desc_img, 16u * sa->n_desc) &&
	       sa->ntab == sb.ntab && !memcmp(sa->avail_img, sb.avail_img, 6 + 2u * sa->size) &&
	       a->bkind == c.bkind && a->bat == c.bat && a->bval == c.bval && a->order == c.order;
	for (t = 0; same && t < sa->ntab; t++)
		same = sa->tab_gpa[t] == sb.tab_gpa[t] && sa->tab_n[t] == sb.tab_n[t] &&
		       sa->tab_written[t] == sb.tab_written[t] &&
		       !memcmp(sa->tab_img[t], sb.tab_img[t], 16u * sa->tab_written[t]);
	for (t = 0; same && t < FSD_ACT_MAX; t++)
		same = (t < a->nact ? a->act[t] : 0) == (t < c.nact ? c.act[t] : 0) &&
		       (t < a->nact ? a->val[t] : 0) == (t < c.nact ? c.val[t] : 0);
	ORACLE(same, HARNESS, "the re-encoded input (%zu bytes) makes another ring state", n);
}

NO_COV int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fast_reset();
	memset(&in, 0, sizeof(in));
	n_E = 0;
	E_overflow = false;
	n_F = 0;
	snap_used = 0;
	sink.n = 0;
	in.full = full_check_always || input_hash(data, size) >> 57 == 0;

	fsd_decode(data, size, &input);
	setup(&input);
	if (!LLVMFuzzerRunDriver)
		codec_check(&input);
	if (in.refused)
		return 0;
	run(&input);
	final_checks();
	return 0;
}
