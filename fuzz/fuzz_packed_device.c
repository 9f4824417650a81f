// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the device side of the packed virtqueue (model/ring/
 * vq_packed_dev.c, reached through vq_dev_* with cfg.packed), where a hostile
 * driver's packed-ring state meets the device.
 *
 * Per input the target plays the driver: it writes descriptors (well-formed
 * chains and indirect tables with input-chosen corruptions, raw descriptors
 * and raw flags at any slot) and the driver event suppression structure
 * through the DRIVER's view of guest memory, and drives the device (pops,
 * completions with input-chosen byte counts, immediate / deferred / reordered
 * pushes, flushes, bogus pushes, set_notify) on the DEVICE's view. The
 * harness driver reuses slots and buffer ids the device has used, so several
 * laps run and both wrap counters flip.
 *
 * Oracles, after every step:
 *  - reference walker: an independent reader of the ring written here from
 *    VIRTIO 1.2 2.8 (it calls no model validation; it reads a shadow copy of
 *    guest memory that the target maintains itself) decides before each pop
 *    what is at the device's next slot: nothing (AVAIL != the Driver Ring
 *    Wrap Counter or USED == AVAIL... see walk()), a valid buffer, or the
 *    first invalid one. Valid: the list follows NEXT over consecutive slots,
 *    each available for the wrap counter of its slot, no longer than the
 *    queue size and not into slots of buffers not yet used; readable
 *    descriptors before writable ones; INDIRECT only if negotiated, never
 *    with NEXT or inside a list, table length a non-zero multiple of 16 and
 *    at most the queue size entries, no INDIRECT inside a table; every
 *    non-empty buffer inside one guest memory region (no addr + len wrap);
 *    the buffer id (last descriptor) not outstanding. The device must accept
 *    exactly the valid buffers, with the same id, segments (gpa, len,
 *    direction, order; none for zero lengths) and byte totals, and refuse the
 *    first invalid one with VC_POP_BROKEN and exactly one FATAL violation
 *    citing a packed clause that descriptor breaks, naming the queue and the
 *    list's first slot; then stay broken, silently, without walking;
 *  - used descriptors: each flush writes, in completion order, at the
 *    device's used slot (skipping the slots each buffer took; with IN_ORDER a
 *    run of completely written buffers shares the next one's descriptor) the
 *    id, len = bytes written and flags AVAIL = USED = the Device Ring Wrap
 *    Counter (| WRITE when len > 0); nothing else of the ring changes;
 *  - pushes: an id not outstanding, a length above the writable bytes, or
 *    (IN_ORDER) not the oldest outstanding buffer is refused with one RECORD
 *    finding (CL_DEV_PDESC / CL_DEV_RESERVED) and changes nothing;
 *  - notifications: flush asks for one exactly as the driver event
 *    suppression says (DISABLE: never; ENABLE: always; DESC with EVENT_IDX
 *    and an offset inside the ring: exactly when the slots this flush
 *    advanced over include that offset with that wrap counter; other values
 *    are free, a spurious notification being allowed); the device event
 *    suppression structure holds (last slot read, wrap) with DESC after
 *    every pop with EVENT_IDX, and ENABLE / DISABLE after set_notify;
 *  - device writes: the target keeps a shadow of guest memory with every
 *    write either side may make (its own as driver, and the device's: element
 *    bytes into writable segments, used descriptor fields, the device event
 *    structure); all touched ranges are compared byte for byte at the end
 *    (every input in replay, 1/64 of the inputs under libFuzzer, or
 *    VC_PACKED_FULL_CHECK=1: all of guest memory). Write tracking on the
 *    device view: the bytes the device obtained write access to are exactly
 *    the ring, its own event structure and the written chunks of writable
 *    segments: never the driver event area, an indirect table or a readable
 *    buffer (unless they alias those);
 *  - elements: vq_elem_read returns the readable bytes, vq_elem_write lands
 *    the bytes in the writable segments in order;
 *  - bounded work: a valid buffer is read exactly once (descs_walked grows by
 *    its descriptors and table entries), a refused one by at most what the
 *    walker read, and descs_walked <= pops * vq_dev_walk_limit() with
 *    vq_dev_walk_limit() >= 2 * size; stats, inflight and ring_busy agree;
 *  - enable: a queue size outside 1..32768, a misaligned part or one not
 *    inside one region is refused with one FATAL violation.
 *
 * VC_PACKED_TRACE=1 prints each step on stderr.
 *
 * Guest memory (made once; fast reset of the bytes an input touched):
 *   R0 0x10000 +64K, R1 0x20000 +64K (adjacent), hole, R2 0x100000 +512K
 *   (room for a 32768-slot ring), hole, R3 0x100000000 +64K, hole to 2^64.
 *
 * Input format (missing bytes read as zero):
 *   u8 s0   size: < 0xc0: 1 + (s0 & 31); < 0xf0: 1 + u16 % 512; < 0xfe:
 *           1 + u16 % 32768; 0xfe: 32768; 0xff: raw u16 (0 and > 32768 must
 *           be refused)
 *   u8 feat 1 EVENT_IDX, 2 INDIRECT_DESC, 4 IN_ORDER, 8 set_notify(false)
 *           first, 16 placement (aligned, clamped), 32 raw placement
 *           (unaligned, may leave guest memory), 64 u8 queue index follows
 *   [feat & 48] 3 x (u8 rsel, u16 off): desc, driver, device at region
 *           rsel & 3 (hole rsel & 3 if rsel & 4) + off
 *   ops, at most MAX_OPS, u8 op % 16:
 *     0-3 ADD    u8 shape: n_out = shape & 7, n_in = (shape >> 3) & 7,
 *                64 indirect, 128 corrupt (u8 c follows, see corrupt());
 *                then per segment u8 sel, u8 v (see seg_spec()); a chain at
 *                the driver's next slot with its next free id
 *     4  RAWDESC u16 slot, u8 fsel, u16 id, segment: one descriptor
 *     5  RAWFLAG u16 slot, u16 flags
 *     6  DRVEVT  u8 mode, u16 arg: the driver event suppression structure
 *     7  POP1    [u8 act, u8 v if it returned an element]
 *     8-9 POPALL u8 cap (0: until empty), then u8 act, u8 v per element
 *                returned (read after the pop)
 *     10 PUSH    u8 sel: & 0x80 all outstanding (& 1 reversed, rotated by
 *                (sel >> 1) & 63), else the (sel % n)th
 *     11 FLUSH
 *     12 CYCLE   u8 act, u8 v: pop all with that act, push all in order, flush
 *     13 BOGUS   u8 kind, u16 val: a push the device must refuse
 *     14 NOTIFY  u8 b: set_notify(b & 1)
 *     15 RAWTAB  u8 t, u8 k, u8 fsel, segment: entry k of indirect table t
 *   act: & 3 bytes claimed written: 0 none, 1 all writable, 2 all - 1,
 *        3 v % (writable + 1) (at most 256 bytes and 4096 per input are
 *        really written); 4 keep outstanding (no push now); 8 flush after
 *        the push; 16 read back the readable bytes; 32 write in two calls
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

#define HARNESS "harness:fuzz_packed_device"

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

#define NREG 4
#define QMAX 32768u
#define MAX_OPS 384
#define NTAB 32
#define TAB_STRIDE 0x200u /* 32 entries */
#define TAB_AREA (0x20000ull + 0x1000ull)
#define SEG_MAX 14
#define WRITE_CAP 256
#define WRITE_BUDGET 4096
#define READ_CAP 256
#define DIRTY_MAX 2048
#define E_MAX (WRITE_BUDGET + 16)
#define SINK_MAX 4

static const uint64_t R_GPA[NREG] = { 0x10000ull, 0x20000ull, 0x100000ull, 0x100000000ull };
static const uint64_t R_SIZE[NREG] = { 0x10000ull, 0x10000ull, 0x80000ull, 0x10000ull };
/* one address in each hole: below R0, after R1, after R2, after R3 */
static const uint64_t HOLE[NREG] = { 0x1000ull, 0x30000ull, 0x180000ull, 0x100010000ull };

static gm_t *gm;
static gm_view_t *drv_view, *dev_view;
static vq_dev_t *vq;
static uint8_t *mem[NREG];    /* driver view */
static uint8_t *shadow[NREG]; /* what guest memory must hold */

static bool trace, full_check_always;
#define TRACE(...)                                    \
	do {                                          \
		if (trace)                            \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

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
	{
		struct seen *s = &sink.v[sink.n % SINK_MAX];

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

	/* the last SINK_MAX reports are kept */
	return i < sink.n && sink.n - i <= SINK_MAX ? &sink.v[i % SINK_MAX] : &none;
}

/* ------------------------------------------------------------ memory */

struct dirty {
	unsigned r;
	uint64_t off, len;
};
static struct dirty dirty[DIRTY_MAX];
static unsigned n_dirty;
static bool dirty_overflow;

struct range {
	uint64_t gpa, len;
};
static struct range E[E_MAX]; /* where the device may obtain write access */
static unsigned n_E;
static bool E_overflow;

static inline uint64_t umin(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* region index and offset of [gpa, gpa + len) inside one region; len 0 is
 * inside when gpa is. Subtract first: no gpa + len is computed. */
NO_COV static bool locate(uint64_t gpa, uint64_t len, unsigned *r, uint64_t *off)
{
	unsigned i;

	for (i = 0; i < NREG; i++) {
		uint64_t rel;

		if (gpa < R_GPA[i])
			return false;
		rel = gpa - R_GPA[i];
		if (rel >= R_SIZE[i])
			continue;
		if (len > R_SIZE[i] - rel)
			return false;
		*r = i;
		*off = rel;
		return true;
	}
	return false;
}

NO_COV static uint8_t *sh_range(uint64_t gpa, uint64_t len)
{
	unsigned r;
	uint64_t off;

	return locate(gpa, len, &r, &off) ? shadow[r] + off : NULL;
}

NO_COV static uint8_t *mem_range(uint64_t gpa, uint64_t len)
{
	unsigned r;
	uint64_t off;

	return locate(gpa, len, &r, &off) ? mem[r] + off : NULL;
}

NO_COV static void dirty_add(unsigned r, uint64_t off, uint64_t len)
{
	if (!len)
		return;
	if (n_dirty < DIRTY_MAX)
		dirty[n_dirty++] = (struct dirty){ r, off, len };
	else
		dirty_overflow = true;
}

/* The driver writes (guest memory and shadow); ranges not inside one region
 * are dropped. */
NO_COV static void drv_write(uint64_t gpa, const void *src, uint64_t len)
{
	unsigned r;
	uint64_t off;

	if (!len || !locate(gpa, len, &r, &off))
		return;
	memcpy(mem[r] + off, src, len);
	memcpy(shadow[r] + off, src, len);
	dirty_add(r, off, len);
}

/* What the device is expected to write: the shadow only. */
NO_COV static void dev_expect(uint64_t gpa, const void *src, uint64_t len)
{
	unsigned r;
	uint64_t off;

	if (!len || !locate(gpa, len, &r, &off))
		return;
	memcpy(shadow[r] + off, src, len);
	dirty_add(r, off, len);
}

NO_COV static void fast_reset(void)
{
	unsigned i;

	if (dirty_overflow) {
		for (i = 0; i < NREG; i++) {
			memset(mem[i], 0, R_SIZE[i]);
			memset(shadow[i], 0, R_SIZE[i]);
		}
	} else {
		for (i = 0; i < n_dirty; i++) {
			memset(mem[dirty[i].r] + dirty[i].off, 0, dirty[i].len);
			memset(shadow[dirty[i].r] + dirty[i].off, 0, dirty[i].len);
		}
	}
	n_dirty = 0;
	dirty_overflow = false;
}

NO_COV static void E_add(uint64_t gpa, uint64_t len)
{
	if (!len)
		return;
	if (n_E < E_MAX)
		E[n_E++] = (struct range){ gpa, len };
	else
		E_overflow = true;
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
static inline void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

/* ------------------------------------------------------------ state */

struct out_buf {        /* popped, not pushed */
	uint16_t id;
	uint32_t ndesc;     /* ring slots */
	uint64_t writable;
	uint32_t claim;     /* bytes the completion will report */
};

struct staged {         /* pushed, not flushed */
	uint16_t id;
	uint32_t written, ndesc;
	bool complete;
};

enum { CK_EMPTY, CK_OK, CK_BAD };
enum { C_PDESC = 1, C_PSG = 2, C_PINDIRECT = 4, C_PACKED = 8, C_PCI_COMMON = 16, C_LAST = 16 };

struct chk {
	int kind;
	unsigned clauses;
	const char *why;
	uint16_t id;
	uint32_t count;     /* ring slots of the list */
	uint32_t walked;    /* descriptors and table entries read */
	uint32_t nseg, n_w;
	uint64_t rbytes, wbytes;
	uint16_t next_slot;
	bool next_wrap;
};

static struct {
	/* configuration */
	uint16_t size, qindex;
	bool event_idx, indirect, in_order, refused, full;
	uint64_t desc, drv_ev, dev_ev;
	/* the reference device */
	uint16_t last_avail, used_slot;
	bool avail_wrap, used_wrap, broken, notify_wanted;
	uint32_t busy;
	uint32_t n_out, n_staged;
	uint64_t popped, pushed, notified, used_entries, pops, walked;
	/* the harness driver */
	uint16_t d_slot, id_cursor;
	bool d_wrap;
	uint32_t d_free;
	unsigned tab_cursor;
	uint32_t write_left;
	unsigned elemno;
} S;

static struct out_buf outq[QMAX];
static struct staged stq[QMAX];
static uint64_t drv_ids[65536 / 64]; /* ids the harness driver has out */
static struct vc_seg ck_segs[2 * QMAX + 2];

static const char *clause_of(unsigned bit)
{
	switch (bit) {
	case C_PDESC: return CL_DRV_PDESC;
	case C_PSG: return CL_DRV_PSG;
	case C_PINDIRECT: return CL_DRV_PINDIRECT;
	case C_PACKED: return CL_DRV_PACKED;
	default: return CL_DRV_PCI_COMMON;
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

NO_COV static int out_find(uint16_t id)
{
	uint32_t k;

	for (k = 0; k < S.n_out; k++)
		if (outq[k].id == id)
			return (int)k;
	return -1;
}

static inline bool is_avail(uint16_t fl, bool w)
{
	return !!(fl & F_AVAIL) == w && !!(fl & F_USED) != w;
}

/* ------------------------------------------------------------ the walker */

#define BAD(set, text)               \
	do {                         \
		c->kind = CK_BAD;    \
		c->clauses = (set);  \
		c->why = (text);     \
		return;              \
	} while (0)

NO_COV static void add_seg(struct chk *c, uint64_t addr, uint32_t len, bool w)
{
	struct vc_seg *s = &ck_segs[c->nseg++];

	s->gpa = addr;
	s->len = len;
	s->writable = w;
	if (w) {
		c->wbytes += len;
		c->n_w++;
	} else {
		c->rbytes += len;
	}
}

/* What VIRTIO 1.2 2.8 makes of the device's next slot, from the shadow. */
NO_COV static void walk(struct chk *c)
{
	const uint32_t size = S.size;
	const uint8_t *ring = sh_range(S.desc, 16ull * size);
	uint16_t slot = S.last_avail;
	bool w = S.avail_wrap, seen_w = false;
	uint32_t count = 0;

	memset(c, 0, sizeof(*c));
	{
		uint16_t fl = ld16(ring + 16u * slot + 14);

		if (!is_avail(fl, w)) {
			/* 2.8.1: the driver writes AVAIL = w, USED = !w; a
			 * descriptor used in this lap can only be one the device
			 * wrote, and it writes behind its read position */
			if (!!(fl & F_AVAIL) == w && !!(fl & F_USED) == w)
				BAD(C_PDESC, "AVAIL == USED == wrap counter at the next slot");
			c->kind = CK_EMPTY;
			return;
		}
	}
	for (;;) {
		const uint8_t *d = ring + 16u * slot;
		uint16_t fl = ld16(d + 14);
		uint64_t addr;
		uint32_t len;
		unsigned broke = 0;

		count++;
		/* 2.8.5 / 2.8.1: no list longer than the queue size, none into
		 * slots the device has not used yet */
		if (count > size)
			broke |= C_PSG | C_PDESC;
		if (S.busy + count > size)
			broke |= C_PDESC;
		if (count > 1 && !is_avail(fl, w))
			broke |= C_PSG;
		if (broke)
			BAD(broke, "list too long, into busy slots, or a later descriptor not available");
		addr = ld64(d);
		len = ld32(d + 8);
		c->id = ld16(d + 12);
		c->walked++;
		if (++slot == size) {
			slot = 0;
			w = !w;
		}
		if (fl & F_INDIRECT) {
			const uint8_t *t;
			uint32_t n, k;

			if (count > 1 || (fl & F_NEXT))
				broke |= C_PINDIRECT;
			if (!S.indirect)
				broke |= C_PINDIRECT;
			if (len == 0 || len % 16)
				broke |= C_PINDIRECT;
			n = len / 16;
			if (n > size)
				broke |= C_PINDIRECT | C_PSG;
			t = sh_range(addr, len);
			if (!t)
				broke |= C_PINDIRECT;
			if (broke)
				BAD(broke, "bad indirect descriptor");
			for (k = 0; k < n; k++) {
				const uint8_t *e = t + 16u * k;
				uint16_t ef = ld16(e + 14);
				uint64_t ea = ld64(e);
				uint32_t el = ld32(e + 8);

				c->walked++;
				if (ef & F_INDIRECT)
					broke |= C_PINDIRECT;
				if (ef & F_WRITE)
					seen_w = true;
				else if (seen_w)
					broke |= C_PSG;
				if (el && !sh_range(ea, el))
					broke |= C_PINDIRECT;
				if (broke)
					BAD(broke, "bad indirect table entry");
				if (el)
					add_seg(c, ea, el, !!(ef & F_WRITE));
			}
			break;
		}
		if (fl & F_WRITE)
			seen_w = true;
		else if (seen_w)
			broke |= C_PSG;
		if (len && !sh_range(addr, len))
			broke |= C_PDESC;
		if (broke)
			BAD(broke, "readable after writable, or buffer outside guest memory");
		if (len)
			add_seg(c, addr, len, !!(fl & F_WRITE));
		if (!(fl & F_NEXT))
			break;
	}
	if (out_find(c->id) >= 0)
		BAD(C_PDESC, "buffer id still outstanding");
	c->kind = CK_OK;
	c->count = count;
	c->next_slot = slot;
	c->next_wrap = w;
}

/* ------------------------------------------------------------ device steps */

/* the device event suppression structure the device must keep (2.8.10) */
NO_COV static void expect_avail_event(void)
{
	uint8_t b[4];

	if (!S.event_idx || !S.notify_wanted)
		return;
	st16(b, (uint16_t)(S.last_avail | (S.avail_wrap ? 0x8000u : 0)));
	st16(b + 2, EV_DESC);
	dev_expect(S.dev_ev, b, 4);
}

NO_COV static void check_dev_event(void)
{
	const uint8_t *m = mem_range(S.dev_ev, 4), *s = sh_range(S.dev_ev, 4);

	ORACLE(memcmp(m, s, 4) == 0, CL_DEV_AVAIL_SUPPR,
	       "device event suppression off_wrap 0x%x flags 0x%x, expected 0x%x 0x%x "
	       "(read position %u wrap %u)",
	       ld16(m), ld16(m + 2), ld16(s), ld16(s + 2), S.last_avail, S.avail_wrap);
}

NO_COV static void compare_elem(const struct vc_elem *e, const struct chk *c)
{
	uint32_t k;

	ORACLE(e->head == c->id, CL_DEV_PDESC, "element id %u, the list's id %u", e->head, c->id);
	ORACLE(e->n_readable == c->nseg - c->n_w && e->n_writable == c->n_w, CL_DEV_PDESC,
	       "id %u: %u readable + %u writable segments, expected %u + %u", c->id,
	       e->n_readable, e->n_writable, c->nseg - c->n_w, c->n_w);
	ORACLE(e->readable_bytes == c->rbytes && e->writable_bytes == c->wbytes, CL_DEV_PDESC,
	       "id %u: %llu readable / %llu writable bytes, expected %llu / %llu", c->id,
	       (unsigned long long)e->readable_bytes, (unsigned long long)e->writable_bytes,
	       (unsigned long long)c->rbytes, (unsigned long long)c->wbytes);
	for (k = 0; k < c->nseg; k++) {
		const struct vc_seg *s = &e->segs[k], *x = &ck_segs[k];

		ORACLE(s->gpa == x->gpa && s->len == x->len && !!s->writable == !!x->writable,
		       CL_DEV_PDESC, "id %u segment %u: 0x%llx+%u %s, expected 0x%llx+%u %s", c->id,
		       k, (unsigned long long)s->gpa, s->len, s->writable ? "w" : "r",
		       (unsigned long long)x->gpa, x->len, x->writable ? "w" : "r");
	}
}

NO_COV static void read_check(const struct vc_elem *e, const struct chk *c, uint8_t v)
{
	static uint8_t got[READ_CAP], want[READ_CAP];
	uint64_t off = v % (c->rbytes + 1), n = umin(c->rbytes - off, READ_CAP), r, done = 0;
	uint64_t skip = off;
	uint32_t k;

	r = vq_elem_read(dev_view, e, off, got, n);
	ORACLE(r == n, CL_DEV_PDESC, "id %u: read %llu of %llu readable bytes", c->id,
	       (unsigned long long)r, (unsigned long long)n);
	for (k = 0; k < c->nseg - c->n_w && done < n; k++) {
		const struct vc_seg *s = &ck_segs[k];
		uint64_t m;

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		m = umin(s->len - skip, n - done);
		memcpy(want + done, sh_range(s->gpa + skip, m), m);
		done += m;
		skip = 0;
	}
	ORACLE(memcmp(got, want, n) == 0, CL_DEV_PDESC,
	       "id %u: bytes read at offset %llu are not the readable buffers' bytes", c->id,
	       (unsigned long long)off);
}

/* write some bytes into the element; apply them to the shadow */
NO_COV static void write_elem(const struct vc_elem *e, const struct chk *c, uint8_t act,
			      uint8_t v, uint32_t claim)
{
	static uint8_t data[WRITE_CAP];
	uint64_t n = umin(umin(claim, WRITE_CAP), S.write_left), a, got, done = 0;
	uint32_t i, k;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(0x3d + 31 * S.elemno + 5 * i + (i >> 4));
	S.elemno++;
	a = (act & 32) ? (7u * v) % (n + 1) : n;
	got = vq_elem_write(dev_view, e, 0, data, a);
	got += vq_elem_write(dev_view, e, a, data + a, n - a);
	ORACLE(got == n, CL_DEV_PDESC, "id %u: wrote %llu of %llu bytes (%llu writable)", c->id,
	       (unsigned long long)got, (unsigned long long)n, (unsigned long long)c->wbytes);
	S.write_left -= (uint32_t)n;
	for (k = c->nseg - c->n_w; k < c->nseg && done < n; k++) {
		uint64_t m = umin(ck_segs[k].len, n - done);

		dev_expect(ck_segs[k].gpa, data + done, m);
		E_add(ck_segs[k].gpa, m);
		done += m;
	}
}

NO_COV static uint32_t claim_of(uint8_t act, uint8_t v, uint64_t wbytes)
{
	uint64_t x;

	switch (act & 3) {
	case 0: x = 0; break;
	case 1: x = wbytes; break;
	case 2: x = wbytes ? wbytes - 1 : 0; break;
	default: x = v % (wbytes + 1); break;
	}
	return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

NO_COV static void drv_id_put(uint16_t id, bool on)
{
	if (on)
		drv_ids[id / 64] |= 1ull << (id % 64);
	else
		drv_ids[id / 64] &= ~(1ull << (id % 64));
}

/* Push outq[k] (or a bogus id when k < 0); the reference decides. */
NO_COV static void push_one(int k, uint32_t bogus_id, uint32_t bogus_written)
{
	const unsigned nv0 = sink.n;
	const uint64_t pushed0 = vq_dev_stats(vq)->pushed;
	uint32_t id = k >= 0 ? outq[k].id : bogus_id;
	uint32_t written = k >= 0 ? outq[k].claim : bogus_written;
	int idx = id <= 0xffff ? out_find((uint16_t)id) : -1;
	const char *want_clause = NULL;
	int rc = vq_dev_push(vq, id, written);

	TRACE("  push id %u len %u -> %d\n", id, written, rc);
	if (S.broken) {
		ORACLE(rc == -1 && sink.n == nv0, CL_DEV_PDESC,
		       "push on a broken queue: rc %d, %u reports", rc, sink.n - nv0);
		return;
	}
	if (idx < 0 || written > outq[idx].writable)
		want_clause = CL_DEV_PDESC;
	else if (S.in_order && idx != 0)
		want_clause = CL_DEV_RESERVED;
	if (want_clause) {
		const struct seen *v = sink_at(nv0);

		ORACLE(rc == -1 && sink.n == nv0 + 1 && v->sev == VC_SEV_RECORD &&
			       strcmp(v->clause, want_clause) == 0 && v->msg[0],
		       want_clause,
		       "push of id %u len %u (%s) -> rc %d, %u reports, first '%s' sev %d: %s", id,
		       written,
		       idx < 0 ? "not outstanding"
			       : written > outq[idx].writable ? "too long" : "not the oldest",
		       rc, sink.n - nv0, v->clause, v->sev, v->msg);
		ORACLE(vq_dev_stats(vq)->pushed == pushed0 && vq_dev_inflight(vq) == S.n_out,
		       want_clause, "a refused push changed the device's state");
		return;
	}
	ORACLE(rc == 0 && sink.n == nv0, sink.n > nv0 ? sink_at(nv0)->clause : CL_DEV_PDESC,
	       "push of outstanding id %u, %u of %llu bytes, refused: %s", id, written,
	       (unsigned long long)outq[idx].writable, sink.n > nv0 ? sink_at(nv0)->msg : "");
	stq[S.n_staged++] = (struct staged){ outq[idx].id, written, outq[idx].ndesc,
					     written == outq[idx].writable };
	memmove(&outq[idx], &outq[idx + 1], (S.n_out - (uint32_t)idx - 1) * sizeof(outq[0]));
	S.n_out--;
	S.pushed++;
	ORACLE(vq_dev_inflight(vq) == S.n_out && vq_dev_stats(vq)->pushed == S.pushed,
	       CL_DEV_PDESC, "inflight %u pushed %llu, expected %u %llu", vq_dev_inflight(vq),
	       (unsigned long long)vq_dev_stats(vq)->pushed, S.n_out,
	       (unsigned long long)S.pushed);
}

/* Is (off, wrap) one of the slots [from, from + count) starting at lap
 * wrap from_wrap? (2.8.10, descriptor-specific event) */
NO_COV static bool event_in(uint16_t off, bool ev_wrap, uint16_t from, bool from_wrap,
			    uint32_t count)
{
	uint32_t dist;

	if (off >= S.size)
		return false;
	/* distance from `from` to `off` going forward, and the lap there */
	if (off >= from) {
		dist = off - from;
		if (ev_wrap != from_wrap)
			return false;
	} else {
		dist = S.size - from + off;
		if (ev_wrap == from_wrap)
			return false;
	}
	return dist < count;
}

NO_COV static void flush_step(void)
{
	const unsigned nv0 = sink.n;
	uint32_t g, k, count = 0;
	uint16_t from = S.used_slot, fl, ow;
	bool from_wrap = S.used_wrap, need, free_choice = false, want = false;
	const uint8_t *ev;

	need = vq_dev_flush(vq);
	TRACE("  flush (%u staged) -> %d\n", S.n_staged, need);
	ORACLE(sink.n == nv0, sink_at(nv0)->clause, "flush reported: %s", sink_at(nv0)->msg);
	if (S.broken || !S.n_staged) {
		ORACLE(!need, CL_DEV_USED_SUPPR, "flush with nothing to publish notifies");
		return;
	}
	/* used descriptors in completion order; with IN_ORDER a buffer written
	 * completely shares the descriptor of the buffer after it */
	for (k = 0; k < S.n_staged; k = g) {
		uint32_t nd = 0;
		uint8_t *d;
		uint16_t flags = S.used_wrap ? (uint16_t)(F_AVAIL | F_USED) : 0;
		const struct staged *last;

		g = k;
		do {
			nd += stq[g].ndesc;
			drv_id_put(stq[g].id, false);
		} while (S.in_order && stq[g].complete && ++g < S.n_staged);
		if (g == S.n_staged)
			g--;
		last = &stq[g];
		g++;
		d = sh_range(S.desc + 16u * S.used_slot, 16);
		if (last->written)
			flags |= F_WRITE;
		st32(d + 8, last->written);
		st16(d + 12, last->id);
		st16(d + 14, flags);
		dev_expect(S.desc + 16u * S.used_slot, d, 16);
		ORACLE(memcmp(mem_range(S.desc + 16u * S.used_slot, 16), d, 16) == 0, CL_DEV_PDESC,
		       "used descriptor at slot %u: id %u len %u flags 0x%x, expected id %u len %u flags 0x%x",
		       S.used_slot, ld16(mem_range(S.desc + 16u * S.used_slot, 16) + 12),
		       ld32(mem_range(S.desc + 16u * S.used_slot, 16) + 8),
		       ld16(mem_range(S.desc + 16u * S.used_slot, 16) + 14), last->id, last->written,
		       flags);
		S.used_entries++;
		count += nd;
		/* the next used descriptor goes past the slots this one stands
		 * for; the Device Ring Wrap Counter flips at the end of the ring */
		if ((uint32_t)S.used_slot + nd >= S.size) {
			S.used_slot = (uint16_t)(S.used_slot + nd - S.size);
			S.used_wrap = !S.used_wrap;
		} else {
			S.used_slot = (uint16_t)(S.used_slot + nd);
		}
	}
	S.busy -= count;
	S.d_free += count;
	S.n_staged = 0;

	/* the decision, from the driver event suppression structure as the
	 * driver (shadow) has it after the used descriptors were written */
	ev = sh_range(S.drv_ev, 4);
	ow = ld16(ev);
	fl = ld16(ev + 2) & 3;
	if (fl == EV_DISABLE)
		want = false;
	else if (fl == EV_ENABLE)
		want = true;
	else if (fl == EV_DESC && S.event_idx && (ow & 0x7fff) < S.size)
		want = event_in(ow & 0x7fff, !!(ow & 0x8000), from, from_wrap, count);
	else
		free_choice = true; /* reserved value, or DESC without EVENT_IDX */
	ORACLE(free_choice || need == want, CL_DEV_USED_SUPPR,
	       "flush over slots %u+%u (wrap %u): driver event flags %u off_wrap 0x%x%s: notify %d, expected %d",
	       from, count, from_wrap, fl, ow, S.event_idx ? " EVENT_IDX" : "", need, want);
	S.notified += need;
	ORACLE(vq_dev_ring_busy(vq) == S.busy, CL_DEV_PDESC, "ring_busy %u, expected %u",
	       vq_dev_ring_busy(vq), S.busy);
}

/* One pop in lock step with the walker; returns the pop result. The
 * completion choice (act, v) is read from the input after a pop that
 * returned an element, unless f is NULL (then act0, v0). */
NO_COV static int pop_step(struct fin *f, uint8_t act0, uint8_t v0)
{
	uint8_t act = act0, v = v0;
	const struct vq_dev_stats *st = vq_dev_stats(vq);
	const uint64_t walked0 = st->descs_walked, popped0 = st->popped;
	const unsigned nv0 = sink.n;
	const struct seen *rv;
	struct vc_elem e;
	struct chk c;
	int rc;

	if (S.broken) {
		rc = vq_dev_pop(vq, &e);
		S.pops++;
		ORACLE(rc == VC_POP_BROKEN && sink.n == nv0 && st->descs_walked == walked0,
		       CL_DRV_PDESC, "broken queue: pop returned %d, %u reports, walked %llu", rc,
		       sink.n - nv0, (unsigned long long)(st->descs_walked - walked0));
		return rc;
	}
	walk(&c);
	rc = vq_dev_pop(vq, &e);
	S.pops++;
	rv = sink_at(nv0);
	TRACE("  pop @%u/%u busy %u: walker %s id %u count %u walked %u segs %u (%llu r / %llu w)%s%s -> %d%s%s\n",
	      S.last_avail, S.avail_wrap, S.busy,
	      c.kind == CK_EMPTY ? "EMPTY" : c.kind == CK_OK ? "OK" : "BAD", c.id, c.count,
	      c.walked, c.nseg, (unsigned long long)c.rbytes, (unsigned long long)c.wbytes,
	      c.why ? ": " : "", c.why ? c.why : "", rc, sink.n > nv0 ? ", report: " : "",
	      sink.n > nv0 ? rv->msg : "");
	switch (c.kind) {
	case CK_EMPTY:
		ORACLE(rc == VC_POP_EMPTY && sink.n == nv0,
		       sink.n > nv0 ? rv->clause : CL_DEV_PDESC,
		       "pop at slot %u wrap %u: %d on a slot with nothing available: %s",
		       S.last_avail, S.avail_wrap, rc, sink.n > nv0 ? rv->msg : "no report");
		ORACLE(st->descs_walked == walked0, HARNESS, "an empty pop walked descriptors");
		expect_avail_event();
		check_dev_event();
		return rc;
	case CK_OK:
		ORACLE(rc == VC_POP_OK && sink.n == nv0, sink.n > nv0 ? rv->clause : CL_DEV_PDESC,
		       "valid buffer at slot %u (id %u) refused (rc %d): %s", S.last_avail, c.id, rc,
		       sink.n > nv0 ? rv->msg : "no report");
		compare_elem(&e, &c);
		ORACLE(st->descs_walked - walked0 == c.walked, CL_HARNESS_LIMIT,
		       "pop at slot %u read %llu descriptors; the buffer has %u",
		       S.last_avail, (unsigned long long)(st->descs_walked - walked0), c.walked);
		S.walked += c.walked;
		S.last_avail = c.next_slot;
		S.avail_wrap = c.next_wrap;
		S.busy += c.count;
		S.popped++;
		outq[S.n_out++] = (struct out_buf){ c.id, c.count, c.wbytes, 0 };
		ORACLE(st->popped == popped0 + 1 && vq_dev_inflight(vq) == S.n_out &&
			       vq_dev_ring_busy(vq) == S.busy,
		       CL_DEV_PDESC, "popped/inflight/ring_busy %llu/%u/%u, expected %llu/%u/%u",
		       (unsigned long long)st->popped, vq_dev_inflight(vq), vq_dev_ring_busy(vq),
		       (unsigned long long)S.popped, S.n_out, S.busy);
		expect_avail_event();
		check_dev_event();
		if (f) {
			act = fin_u8(f);
			v = fin_u8(f);
		}
		outq[S.n_out - 1].claim = claim_of(act, v, c.wbytes);
		if ((act & 16) && c.rbytes)
			read_check(&e, &c, v);
		write_elem(&e, &c, act, v, outq[S.n_out - 1].claim);
		if (!(act & 4)) {
			push_one((int)S.n_out - 1, 0, 0);
			if (act & 8)
				flush_step();
		}
		return rc;
	default:
		ORACLE(rc == VC_POP_BROKEN, first_clause(c.clauses),
		       "invalid buffer at slot %u not refused (rc %d): %s", S.last_avail, rc, c.why);
		ORACLE(sink.n == nv0 + 1, first_clause(c.clauses),
		       "refusal at slot %u made %u reports, expected exactly one", S.last_avail,
		       sink.n - nv0);
		ORACLE(rv->sev == VC_SEV_FATAL, rv->clause, "refusal with severity %d", rv->sev);
		ORACLE(bit_of(rv->clause) & c.clauses, first_clause(c.clauses),
		       "refusal at slot %u cites '%s' (%s); the descriptor breaks %s%s%s: %s",
		       S.last_avail, rv->clause, rv->msg, first_clause(c.clauses),
		       (c.clauses & (c.clauses - 1)) ? " (and more)" : "", "", c.why);
		ORACLE(rv->queue == S.qindex && rv->avail_idx == S.last_avail && rv->msg[0],
		       rv->clause, "report names queue %u slot %u, expected %u %u", rv->queue,
		       rv->avail_idx, S.qindex, S.last_avail);
		ORACLE(vq_dev_broken(vq) && st->popped == popped0 && vq_dev_inflight(vq) == S.n_out,
		       rv->clause, "a refused buffer left the queue live or changed its state");
		ORACLE(st->descs_walked - walked0 <= c.walked, CL_HARNESS_LIMIT,
		       "refused pop at slot %u read %llu descriptors; the walker needed %u",
		       S.last_avail, (unsigned long long)(st->descs_walked - walked0), c.walked);
		S.walked += st->descs_walked - walked0;
		S.broken = true;
		check_dev_event();
		return rc;
	}
}

/* ------------------------------------------------------------ the driver */

NO_COV static uint16_t drv_next_id(void)
{
	uint32_t n, lim = S.size;

	for (n = 0; n < lim; n++) {
		uint16_t id = (uint16_t)((S.id_cursor + n) % lim);

		if (!((drv_ids[id / 64] >> (id % 64)) & 1u)) {
			S.id_cursor = (uint16_t)((id + 1) % lim);
			return id;
		}
	}
	return (uint16_t)(S.id_cursor++ % lim);
}

struct seg {
	uint64_t addr;
	uint32_t len;
};

/* u8 sel, u8 v: & 7 0..3 valid in region (sel >> 3) & 3, len ((sel >> 5) + 1)
 * * 32 at (v << 6) in its upper half; 4 len 0; 5 alias: (sel >> 3) & 3 0, 1
 * a hole, 2 a ring slot, 3 the driver event structure; 6 across the end of
 * region (sel >> 3) & 3; 7 wrapping 2^64, or (sel & 8) raw u64 + u32 */
NO_COV static struct seg seg_spec(struct fin *f)
{
	uint8_t sel = fin_u8(f), v = fin_u8(f);
	unsigned r = (sel >> 3) & 3;
	struct seg s;

	switch (sel & 7) {
	case 0: case 1: case 2: case 3:
		s.addr = R_GPA[r] + R_SIZE[r] / 2 + ((uint64_t)v << 6);
		s.len = ((sel >> 5) + 1u) * 32u;
		break;
	case 4:
		s.addr = R_GPA[r] + v;
		s.len = 0;
		break;
	case 5:
		if (r < 2) {
			s.addr = HOLE[r * 2] + v;
			s.len = 16;
		} else if (r == 2) {
			s.addr = S.desc + 16ull * (v % S.size) + ((sel >> 5) & 1 ? 8 : 0);
			s.len = 8u << ((sel >> 6) & 1);
		} else {
			s.addr = S.drv_ev;
			s.len = 4;
		}
		break;
	case 6:
		s.addr = R_GPA[r] + R_SIZE[r] - (v % 64) - 1;
		s.len = 64;
		break;
	default:
		if (sel & 8) {
			s.addr = fin_u64(f);
			s.len = fin_u32(f);
		} else {
			s.addr = ~0ull - v;
			s.len = 256;
		}
		break;
	}
	return s;
}

NO_COV static void put_desc(uint16_t slot, uint64_t addr, uint32_t len, uint16_t id,
			    uint16_t flags)
{
	uint8_t b[16];

	st64(b, addr);
	st32(b + 8, len);
	st16(b + 12, id);
	st16(b + 14, flags);
	drv_write(S.desc + 16u * slot, b, 16);
}

NO_COV static uint16_t avail_flags(bool w) { return w ? F_AVAIL : F_USED; }

/* ADD: a chain at the driver's next slot, maybe corrupted (c & 15):
 *  0 first flags AVAIL = USED = w; 1 first flags for the other wrap;
 *  2 descriptor (c >> 4) with the other wrap; 3 no NEXT on descriptor c >> 4;
 *  4 NEXT on the last one; 5 toggle WRITE on descriptor c >> 4; 6 INDIRECT
 *  on descriptor c >> 4; 7 the id of an outstanding buffer; 8 raw u16 id;
 *  9 post without room; 10 table length 16n + (c >> 4) or 0; 11 table in a
 *  hole / across a region end; 12 INDIRECT on table entry c >> 4; 13
 *  INDIRECT together with NEXT; 14 WRITE toggled on table entry c >> 4;
 *  15 unknown flag bits (ignored) */
NO_COV static void op_add(struct fin *f)
{
	uint8_t shape = fin_u8(f), c = (shape & 0x80) ? fin_u8(f) : 0xff;
	unsigned n_out = shape & 7, n_in = (shape >> 3) & 7, total = n_out + n_in, k;
	bool ind = (shape & 0x40) != 0;
	unsigned corr = (shape & 0x80) ? (c & 15u) : 99u, at;
	struct seg segs[SEG_MAX];
	uint32_t nslots;
	uint16_t id, slot = S.d_slot;
	bool w = S.d_wrap;

	if (!total)
		return;
	for (k = 0; k < total; k++)
		segs[k] = seg_spec(f);
	at = (c >> 4) % total;
	nslots = ind ? 1 : total;
	if (nslots > S.size || (nslots > S.d_free && corr != 9))
		return;
	id = drv_next_id();
	if (corr == 7 && S.n_out)
		id = outq[(c >> 4) % S.n_out].id;
	else if (corr == 8)
		id = fin_u16(f);
	if (ind) {
		uint8_t tab[16 * SEG_MAX];
		uint64_t tgpa = TAB_AREA + TAB_STRIDE * (S.tab_cursor++ % NTAB);
		uint32_t tlen = 16u * total;
		uint16_t fl = (uint16_t)(F_INDIRECT | avail_flags(w));

		for (k = 0; k < total; k++) {
			uint16_t ef = k >= n_out ? F_WRITE : 0;

			if (corr == 12 && k == at)
				ef |= F_INDIRECT;
			if (corr == 14 && k == at)
				ef ^= F_WRITE;
			st64(tab + 16 * k, segs[k].addr);
			st32(tab + 16 * k + 8, segs[k].len);
			st16(tab + 16 * k + 12, (uint16_t)(c * k));
			st16(tab + 16 * k + 14, ef);
		}
		drv_write(tgpa, tab, 16ull * total);
		if (corr == 10)
			tlen = (c >> 4) ? 16u * total + (c >> 4) : 0;
		if (corr == 11)
			tgpa = (c & 16) ? HOLE[(c >> 5) & 3] : R_GPA[1] + R_SIZE[1] - 8u * total;
		if (corr == 13)
			fl |= F_NEXT;
		if (corr == 0)
			fl = w ? (uint16_t)(F_INDIRECT | F_AVAIL | F_USED) : F_INDIRECT;
		if (corr == 1)
			fl = (uint16_t)(F_INDIRECT | avail_flags(!w));
		if (corr == 15)
			fl |= 0x0708;
		put_desc(slot, tgpa, tlen, id, fl);
	} else {
		uint16_t first_fl = 0;

		for (k = 0; k < total; k++) {
			uint16_t s = (uint16_t)((slot + k) % S.size);
			bool wk = w ^ (slot + k >= S.size);
			uint16_t fl = (uint16_t)((k >= n_out ? F_WRITE : 0) |
						 (k + 1 < total ? F_NEXT : 0) | avail_flags(wk));

			if (k == at) {
				if (corr == 2)
					fl = (uint16_t)((fl & ~(F_AVAIL | F_USED)) | avail_flags(!wk));
				if (corr == 3)
					fl &= (uint16_t)~F_NEXT;
				if (corr == 5)
					fl ^= F_WRITE;
				if (corr == 6)
					fl |= F_INDIRECT;
			}
			if (corr == 4 && k + 1 == total)
				fl |= F_NEXT;
			if (corr == 15)
				fl |= 0x0708;
			if (k == 0) {
				first_fl = fl;
				if (corr == 0)
					first_fl = w ? (uint16_t)(fl | F_AVAIL | F_USED)
						     : (uint16_t)(fl & ~(F_AVAIL | F_USED));
				if (corr == 1)
					first_fl = (uint16_t)((fl & ~(F_AVAIL | F_USED)) |
							      avail_flags(!w));
				continue;
			}
			put_desc(s, segs[k].addr, segs[k].len, id, fl);
		}
		/* the first descriptor last (2.8.6), though nothing runs between */
		put_desc(slot, segs[0].addr, segs[0].len, id, first_fl);
	}
	TRACE("  driver: add id %u at slot %u wrap %u: %u out + %u in%s, corruption %d\n", id,
	      slot, w, n_out, n_in, ind ? " indirect" : "", corr == 99 ? -1 : (int)corr);
	drv_id_put(id, true);
	S.d_free = nslots > S.d_free ? 0 : S.d_free - nslots;
	S.d_slot = (uint16_t)((slot + nslots) % S.size);
	S.d_wrap = w ^ (slot + nslots >= S.size);
}

/* fsel: & 7 NEXT/WRITE/INDIRECT; (>> 3) & 3: available for the driver's
 * wrap, for the other, used-looking for either; & 0x20 unknown bits */
NO_COV static uint16_t raw_flags(uint8_t fsel, bool w)
{
	uint16_t fl = fsel & 7;

	switch ((fsel >> 3) & 3) {
	case 0: fl |= avail_flags(w); break;
	case 1: fl |= avail_flags(!w); break;
	case 2: fl |= F_AVAIL | F_USED; break;
	default: break;
	}
	if (fsel & 0x20)
		fl |= 0x0170 & ~F_AVAIL;
	return fl;
}

NO_COV static void op_rawdesc(struct fin *f)
{
	uint16_t slot = (uint16_t)(fin_u16(f) % S.size);
	uint8_t fsel = fin_u8(f);
	uint16_t id = fin_u16(f);
	struct seg s = seg_spec(f);
	/* the wrap counter the driver uses next at that slot, or (fsel & 0x80)
	 * the device's current one */
	bool w = slot >= S.d_slot ? S.d_wrap : !S.d_wrap;

	if (fsel & 0x80)
		w = S.avail_wrap;
	put_desc(slot, s.addr, s.len, id, raw_flags(fsel, w));
	TRACE("  driver: raw descriptor at slot %u\n", slot);
}

NO_COV static void op_rawflag(struct fin *f)
{
	uint16_t slot = (uint16_t)(fin_u16(f) % S.size), fl = fin_u16(f);
	uint8_t b[2];

	st16(b, fl);
	drv_write(S.desc + 16u * slot + 14, b, 2);
	TRACE("  driver: flags 0x%x at slot %u\n", fl, slot);
}

NO_COV static void op_rawtab(struct fin *f)
{
	uint8_t t = fin_u8(f), k = fin_u8(f), fsel = fin_u8(f);
	struct seg s = seg_spec(f);
	uint8_t b[16];

	st64(b, s.addr);
	st32(b + 8, s.len);
	st16(b + 12, fsel);
	st16(b + 14, (uint16_t)(fsel & 7));
	drv_write(TAB_AREA + TAB_STRIDE * (t % NTAB) + 16u * (k % 32), b, 16);
}

/* mode & 3: flags ENABLE, DISABLE, DESC, raw arg; (mode >> 2) & 3 off_wrap:
 * the device's next used slot, raw arg, that slot + arg % 8, that slot with
 * the other wrap */
NO_COV static void op_drvevt(struct fin *f)
{
	uint8_t mode = fin_u8(f);
	uint16_t arg = fin_u16(f), flags, off = S.used_slot;
	bool wrap = S.used_wrap;
	uint8_t b[4];

	flags = (mode & 3) == 3 ? arg : (uint16_t)(mode & 3);
	switch ((mode >> 2) & 3) {
	case 0: break;
	case 1: off = arg & 0x7fff; wrap = arg >> 15; break;
	case 2:
		off = (uint16_t)(off + arg % 8);
		if (off >= S.size) {
			off = (uint16_t)(off - S.size);
			wrap = !wrap;
		}
		off %= S.size;
		break;
	default: wrap = !wrap; break;
	}
	st16(b, (uint16_t)(off | (wrap ? 0x8000u : 0)));
	st16(b + 2, flags);
	drv_write(S.drv_ev, b, 4);
	TRACE("  driver: event suppression off %u wrap %u flags 0x%x\n", off, wrap, flags);
}

NO_COV static void op_bogus(struct fin *f)
{
	uint8_t kind = fin_u8(f);
	uint16_t val = fin_u16(f);
	int idx;

	switch (kind & 3) {
	case 0:
		idx = out_find(val);
		if (idx >= 0 && outq[idx].writable < UINT32_MAX)
			push_one(-1, val, (uint32_t)outq[idx].writable + 1);
		else
			push_one(-1, val, 0);
		break;
	case 1:
		push_one(-1, 0x10000u + val, 0);
		break;
	case 2:
		if (S.n_out && outq[0].writable < UINT32_MAX)
			push_one(-1, outq[0].id,
				 (uint32_t)umin(outq[0].writable + 1 + val % 16, UINT32_MAX));
		break;
	default:
		if (S.n_staged)
			push_one(-1, stq[S.n_staged - 1].id, 0);
		break;
	}
}

NO_COV static void op_notify(struct fin *f)
{
	bool on = fin_u8(f) & 1;
	uint8_t b[2];

	vq_dev_set_notify(vq, on);
	S.notify_wanted = on;
	if (on && S.event_idx) {
		expect_avail_event();
	} else {
		st16(b, on ? EV_ENABLE : EV_DISABLE);
		dev_expect(S.dev_ev + 2, b, 2);
	}
	check_dev_event();
}

NO_COV static void push_all(uint8_t sel)
{
	uint32_t n = S.n_out, k;
	static uint16_t ids[QMAX];

	for (k = 0; k < n; k++) {
		uint32_t i = (k + ((sel >> 1) & 63)) % n;

		if (sel & 1)
			i = n - 1 - i;
		ids[k] = outq[i].id;
	}
	for (k = 0; k < n; k++) {
		int idx = out_find(ids[k]);

		if (idx >= 0)
			push_one(idx, 0, 0);
	}
}

/* ------------------------------------------------------------ checks */

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

NO_COV static const char *what_at(uint64_t gpa)
{
	if (gpa >= S.desc && gpa - S.desc < 16ull * S.size)
		return "descriptor ring";
	if (gpa >= S.drv_ev && gpa - S.drv_ev < 4)
		return "driver event suppression structure";
	if (gpa >= S.dev_ev && gpa - S.dev_ev < 4)
		return "device event suppression structure";
	if (gpa >= TAB_AREA && gpa - TAB_AREA < (uint64_t)NTAB * TAB_STRIDE)
		return "indirect table area";
	return "buffer memory";
}

NO_COV static void compare_range(unsigned r, uint64_t off, uint64_t len)
{
	if (memcmp(mem[r] + off, shadow[r] + off, len) != 0) {
		uint64_t i = 0;

		while (mem[r][off + i] == shadow[r][off + i])
			i++;
		ORACLE(0, CL_DEV_PDESC,
		       "guest byte 0x%llx (%s) is 0x%02x, expected 0x%02x: the device wrote "
		       "where it may not, or not what it had to",
		       (unsigned long long)(R_GPA[r] + off + i), what_at(R_GPA[r] + off + i),
		       mem[r][off + i], shadow[r][off + i]);
	}
}

NO_COV static void final_checks(void)
{
	const struct vq_dev_stats *st = vq_dev_stats(vq);
	const uint64_t limit = vq_dev_walk_limit(vq);
	unsigned k;

	ORACLE(st->popped == S.popped && st->pushed == S.pushed && st->notifications == S.notified &&
		       st->used_entries == S.used_entries,
	       CL_DEV_PDESC,
	       "stats popped %llu pushed %llu notified %llu used %llu, expected %llu %llu %llu %llu",
	       (unsigned long long)st->popped, (unsigned long long)st->pushed,
	       (unsigned long long)st->notifications, (unsigned long long)st->used_entries,
	       (unsigned long long)S.popped, (unsigned long long)S.pushed,
	       (unsigned long long)S.notified, (unsigned long long)S.used_entries);
	ORACLE(vq_dev_inflight(vq) == S.n_out && vq_dev_ring_busy(vq) == S.busy, CL_DEV_PDESC,
	       "inflight %u ring_busy %u, expected %u %u", vq_dev_inflight(vq), vq_dev_ring_busy(vq),
	       S.n_out, S.busy);
	ORACLE(st->descs_walked == S.walked && limit >= 2u * S.size &&
		       st->descs_walked <= S.pops * limit,
	       CL_HARNESS_LIMIT, "walked %llu descriptors in %llu pops (limit %llu each, walker %llu)",
	       (unsigned long long)st->descs_walked, (unsigned long long)S.pops,
	       (unsigned long long)limit, (unsigned long long)S.walked);
	/* every byte either side wrote holds what it must */
	if (S.full || dirty_overflow) {
		for (k = 0; k < NREG; k++)
			compare_range(k, 0, R_SIZE[k]);
	} else {
		for (k = 0; k < n_dirty; k++)
			compare_range(dirty[k].r, dirty[k].off, dirty[k].len);
	}
	/* write access: the ring, the device's event structure, the chunks */
	if (!E_overflow) {
		uint64_t total = gm_track_total(dev_view), allowed = union_E();

		ORACLE(total == allowed, CL_DEV_PDESC,
		       "the device obtained write access to %llu bytes; the ring, its event "
		       "structure and the chunks it wrote hold %llu",
		       (unsigned long long)total, (unsigned long long)allowed);
	}
}

/* ------------------------------------------------------------ setup */

NO_COV static uint64_t place(struct fin *f, bool raw, uint64_t bytes, uint64_t align,
			     uint64_t dflt)
{
	uint8_t rsel = fin_u8(f);
	uint16_t off = fin_u16(f);
	unsigned r = rsel & 3;

	if (rsel & 4)
		return HOLE[r] + off;
	if (raw)
		return R_GPA[r] + off;
	if (bytes > R_SIZE[r])
		return dflt;
	if (off + bytes > R_SIZE[r])
		off = (uint16_t)(R_SIZE[r] - bytes);
	return R_GPA[r] + (off & ~(align - 1));
}

NO_COV static bool setup(struct fin *f)
{
	uint8_t s0 = fin_u8(f), feat;
	uint32_t cfg_size;
	unsigned refuse = 0;
	struct vq_cfg cfg;
	int rc;

	if (s0 < 0xc0)
		cfg_size = 1u + (s0 & 31u);
	else if (s0 < 0xf0)
		cfg_size = 1u + fin_u16(f) % 512u;
	else if (s0 < 0xfe)
		cfg_size = 1u + fin_u16(f) % QMAX;
	else if (s0 == 0xfe)
		cfg_size = QMAX;
	else
		cfg_size = fin_u16(f);
	feat = fin_u8(f);
	S.event_idx = feat & 1;
	S.indirect = (feat & 2) != 0;
	S.in_order = (feat & 4) != 0;
	S.qindex = (feat & 64) ? fin_u8(f) : 0;
	S.size = (uint16_t)(cfg_size >= 1 && cfg_size <= QMAX ? cfg_size : 1);
	S.desc = R_GPA[2];
	S.drv_ev = R_GPA[0] + 0x100;
	S.dev_ev = R_GPA[0] + 0x200;
	if (feat & 48) {
		bool raw = (feat & 32) != 0;

		S.desc = place(f, raw, 16ull * S.size, 16, R_GPA[2]);
		S.drv_ev = place(f, raw, 4, 4, R_GPA[0] + 0x100);
		S.dev_ev = place(f, raw, 4, 4, R_GPA[0] + 0x200);
	}
	if (cfg_size == 0 || cfg_size > QMAX)
		refuse |= C_PCI_COMMON;
	if (S.desc % 16 || S.drv_ev % 4 || S.dev_ev % 4 || !sh_range(S.desc, 16ull * S.size) ||
	    !sh_range(S.drv_ev, 4) || !sh_range(S.dev_ev, 4))
		refuse |= C_PACKED;

	gm_track_clear(dev_view);
	memset(&cfg, 0, sizeof(cfg));
	cfg.index = S.qindex;
	cfg.size = (uint16_t)cfg_size;
	cfg.desc = S.desc;
	cfg.driver = S.drv_ev;
	cfg.device = S.dev_ev;
	cfg.event_idx = S.event_idx;
	cfg.indirect = S.indirect;
	cfg.packed = true;
	cfg.in_order = S.in_order;
	TRACE("input: size %u queue %u%s%s%s desc 0x%llx driver 0x%llx device 0x%llx%s\n",
	      cfg_size, S.qindex, S.event_idx ? " EVENT_IDX" : "", S.indirect ? " INDIRECT" : "",
	      S.in_order ? " IN_ORDER" : "", (unsigned long long)S.desc,
	      (unsigned long long)S.drv_ev, (unsigned long long)S.dev_ev,
	      refuse ? " (must be refused)" : "");
	rc = vq_dev_enable(vq, &cfg);
	if (refuse) {
		const struct seen *v = sink_at(0);
		struct vc_elem e;

		ORACLE(rc == -1 && !vq_dev_enabled(vq), first_clause(refuse),
		       "enable of size %u desc 0x%llx driver 0x%llx device 0x%llx accepted", cfg_size,
		       (unsigned long long)S.desc, (unsigned long long)S.drv_ev,
		       (unsigned long long)S.dev_ev);
		ORACLE(sink.n == 1 && v->sev == VC_SEV_FATAL && (bit_of(v->clause) & refuse) &&
			       v->queue == S.qindex && v->msg[0],
		       first_clause(refuse), "refused enable: %u reports, first '%s' sev %d: %s",
		       sink.n, v->clause, v->sev, v->msg);
		ORACLE(vq_dev_pop(vq, &e) == VC_POP_BROKEN && vq_dev_push(vq, 0, 0) == -1 &&
			       !vq_dev_flush(vq) && sink.n == 1,
		       v->clause, "a queue whose enable was refused still works, reports or writes");
		return false;
	}
	ORACLE(rc == 0 && sink.n == 0 && vq_dev_enabled(vq) && !vq_dev_broken(vq),
	       sink.n ? sink_at(0)->clause : CL_DRV_PACKED,
	       "enable of a valid packed ring refused (size %u desc 0x%llx driver 0x%llx device 0x%llx): %s",
	       cfg_size, (unsigned long long)S.desc, (unsigned long long)S.drv_ev,
	       (unsigned long long)S.dev_ev, sink.n ? sink_at(0)->msg : "");
	/* the ring and the device area are the device's to write (2.8.10) */
	E_add(S.desc, 16ull * S.size);
	E_add(S.dev_ev, 4);
	/* 2.8.1: both wrap counters start at 1 */
	S.avail_wrap = S.used_wrap = S.d_wrap = true;
	S.notify_wanted = true;
	S.d_free = S.size;
	if (feat & 8) {
		uint8_t b[2];

		vq_dev_set_notify(vq, false);
		S.notify_wanted = false;
		st16(b, EV_DISABLE);
		dev_expect(S.dev_ev + 2, b, 2);
		check_dev_event();
	}
	return true;
}

NO_COV static void run(struct fin *f)
{
	unsigned nops;

	for (nops = 0; nops < MAX_OPS && !fin_done(f); nops++) {
		uint8_t op = fin_u8(f);

		switch (op % 16) {
		case 0: case 1: case 2: case 3:
			op_add(f);
			break;
		case 4:
			op_rawdesc(f);
			break;
		case 5:
			op_rawflag(f);
			break;
		case 6:
			op_drvevt(f);
			break;
		case 7:
			pop_step(f, 0, 0);
			break;
		case 8: case 9: {
			uint32_t cap = fin_u8(f), n;

			if (!cap)
				cap = S.size + 1u;
			for (n = 0; n < cap; n++)
				if (pop_step(f, 0, 0) != VC_POP_OK)
					break;
			break;
		}
		case 10: {
			uint8_t sel = fin_u8(f);

			if (sel & 0x80)
				push_all(sel);
			else if (S.n_out)
				push_one((int)(sel % S.n_out), 0, 0);
			else
				push_one(-1, sel, 0);
			break;
		}
		case 11:
			flush_step();
			break;
		case 12: {
			uint8_t act = fin_u8(f), v = fin_u8(f);
			uint32_t n;

			act |= 4; /* pushed below, all in order */
			for (n = 0; n <= S.size; n++)
				if (pop_step(NULL, act, v) != VC_POP_OK)
					break;
			push_all(0);
			flush_step();
			break;
		}
		case 13:
			op_bogus(f);
			break;
		case 14:
			op_notify(f);
			break;
		default:
			op_rawtab(f);
			break;
		}
	}
	/* the device completes what it holds */
	push_all(0);
	flush_step();
	flush_step(); /* nothing new: no writes, no notification */
}

/* ------------------------------------------------------------ entry points */

NO_COV static uint64_t input_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ n;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return h ^ (h >> 32);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))
	__attribute__((weak));

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gm_region_spec spec[NREG];
	const char *full = getenv("VC_PACKED_FULL_CHECK"), *tr = getenv("VC_PACKED_TRACE");
	unsigned i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NREG; i++)
		spec[i] = (struct gm_region_spec){ R_GPA[i], R_SIZE[i] };
	gm = gm_create(spec, NREG);
	drv_view = gm ? gm_view_map(gm, "driver") : NULL;
	dev_view = gm ? gm_view_map(gm, "device") : NULL;
	vq = dev_view ? vq_dev_new(dev_view, sink_fn, NULL) : NULL;
	if (!vq || gm_track_enable(dev_view, true) != 0) {
		fprintf(stderr, "fuzz_packed_device: cannot set up guest memory\n");
		exit(1);
	}
	for (i = 0; i < NREG; i++) {
		mem[i] = gm_translate(drv_view, R_GPA[i], R_SIZE[i], GM_WRITE);
		shadow[i] = calloc(1, R_SIZE[i]);
		if (!mem[i] || !shadow[i]) {
			fprintf(stderr, "fuzz_packed_device: region %u not mapped\n", i);
			exit(1);
		}
	}
	full_check_always = full ? atoi(full) != 0 : !LLVMFuzzerRunDriver;
	trace = tr && atoi(tr) != 0;
	return 0;
}

NO_COV int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };

	fast_reset();
	memset(&S, 0, sizeof(S));
	memset(drv_ids, 0, sizeof(drv_ids));
	memset(&sink, 0, sizeof(sink));
	n_E = 0;
	E_overflow = false;
	S.write_left = WRITE_BUDGET;
	S.full = full_check_always || input_hash(data, size) >> 58 == 0;
	if (setup(&f)) {
		run(&f);
		final_checks();
	}
	return 0;
}
