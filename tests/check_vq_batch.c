// SPDX-License-Identifier: Apache-2.0
/*
 * The virtqueue batch calls (vq_dev_pop_batch, vq_dev_push_batch,
 * vq_drv_add_batch, vq_drv_get_batch) against the one-buffer calls they
 * stand for (vq.h: "a batch call does what the same number of one-buffer
 * calls would").
 *
 * Two identical worlds, each its own guest memory (three regions and a
 * hole, a driver view and a device view of one memfd), driver queue and
 * device queue. Every step is applied to both: world A with one-buffer
 * calls, world B with the batch call; a hostile peer's raw ring writes go to
 * both alike. After each step the worlds must agree: return values,
 * elements (with every segment), tokens and lengths, every violation
 * (clause, severity, queue, index, head, message, in order), the counters
 * the contract fixes, and every byte of guest memory. The event suppression
 * words may be written once per batch instead of once per buffer, so they
 * are only compared after a batch call has returned, when both worlds have
 * published them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "gm.h"
#include "vq.h"
#include "vq_packed_layout.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"

/* R0 (buffers) and R1 are adjacent; R2 (rings, tables) sits after a hole */
#define R0_GPA    0x10000ull
#define R0_SIZE   0x40000ull
#define R1_GPA    (R0_GPA + R0_SIZE)
#define R1_SIZE   0x10000ull
#define R2_GPA    0x1000000ull
#define R2_SIZE   0x40000ull
#define R2_END    (R2_GPA + R2_SIZE)
#define HOLE_GPA  0x800000ull

#define QINDEX    5
#define DESC_GPA  (R2_GPA + 0x1000)
#define DRIVER_GPA (R2_GPA + 0x2000) /* avail ring / driver event suppression */
#define DEVICE_GPA (R2_GPA + 0x3000) /* used ring / device event suppression */
#define POOL_GPA  (R2_GPA + 0x10000) /* the driver's indirect pool */
#define IND_GPA   (R2_GPA + 0x20000) /* raw tables of a hostile driver */
#define IND_MAX   4
#define BUF(k)    (R0_GPA + 0x1000ull * (k))
#define NBUFS     56

#define F_N VIRTQ_DESC_F_NEXT
#define F_W VIRTQ_DESC_F_WRITE
#define F_I VIRTQ_DESC_F_INDIRECT
#define F_A VIRTQ_DESC_F_AVAIL
#define F_U VIRTQ_DESC_F_USED

#define MAXQ      16
#define MAXB      (MAXQ + 5)

#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

#define LOG_MAX 16

struct vlog {
	unsigned n;
	struct vc_violation v[LOG_MAX];
};

static void record(void *owner, const struct vc_violation *v)
{
	struct vlog *log = owner;

	if (log->n < LOG_MAX)
		log->v[log->n] = *v;
	log->n++;
}

struct world {
	gm_t *gm;
	gm_view_t *drv_view;
	gm_view_t *dev_view;
	vq_dev_t *dev;
	vq_drv_t *drv;
	struct vlog dev_log;
	struct vlog drv_log;
};

/* W[0] is world A (one-buffer calls), W[1] world B (batch calls) */
static struct fx {
	struct world w[2];
	struct vq_cfg cfg;
	bool drv_on;     /* the driver queue is set up */
	bool dev_on;     /* the device queue is enabled */
	/* a hostile driver's position */
	uint16_t aidx;   /* split: avail idx */
	uint16_t slot;   /* packed: next slot */
	bool wrap;
	/* a hostile device's position */
	uint16_t uidx;   /* split: used idx */
	uint16_t uslot;  /* packed: next used slot */
	bool uwrap;
	uint32_t step;   /* for messages */
} fx;

#define A (&fx.w[0])
#define B (&fx.w[1])

static void setup(void)
{
	static const struct gm_region_spec regions[] = {
		{ R0_GPA, R0_SIZE },
		{ R1_GPA, R1_SIZE },
		{ R2_GPA, R2_SIZE },
	};
	unsigned i;

	memset(&fx, 0, sizeof(fx));
	for (i = 0; i < 2; i++) {
		struct world *w = &fx.w[i];

		vc_test_memory(regions, 3, &w->gm, &w->drv_view, &w->dev_view);
		w->dev = vq_dev_new(w->dev_view, record, &w->dev_log);
		w->drv = vq_drv_new(w->drv_view, record, &w->drv_log);
		ck_assert_ptr_nonnull(w->dev);
		ck_assert_ptr_nonnull(w->drv);
	}
	fx.wrap = fx.uwrap = true;
}

static void teardown(void)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct world *w = &fx.w[i];

		vq_dev_free(w->dev);
		vq_drv_free(w->drv);
		gm_view_unmap(w->drv_view);
		gm_view_unmap(w->dev_view);
		gm_destroy(w->gm);
	}
	memset(&fx, 0, sizeof(fx));
}

static struct vq_cfg make_cfg(bool packed, uint16_t size, bool in_order, bool event_idx,
			      bool indirect)
{
	return (struct vq_cfg){ .index = QINDEX, .size = size, .desc = DESC_GPA,
				.driver = DRIVER_GPA, .device = DEVICE_GPA,
				.event_idx = event_idx, .indirect = indirect, .packed = packed,
				.in_order = in_order };
}

static void start(struct vq_cfg c, bool drv, bool dev)
{
	unsigned i;

	fx.cfg = c;
	for (i = 0; i < 2; i++) {
		if (drv)
			ck_assert_int_eq(vq_drv_setup(fx.w[i].drv, &fx.cfg,
						      c.indirect ? POOL_GPA : 0,
						      c.indirect ? IND_MAX : 0), 0);
		if (dev)
			ck_assert_int_eq(vq_dev_enable(fx.w[i].dev, &fx.cfg), 0);
	}
	fx.drv_on = drv;
	fx.dev_on = dev;
}

/* ------------------------------------------------ the two worlds agree */

static void same_log(const struct vlog *a, const struct vlog *b, const char *side)
{
	unsigned k;

	REQUIRE(a->n == b->n, "step %u: %s violations: %u one-buffer ('%s'), %u batch ('%s')",
		fx.step, side, a->n, a->n ? a->v[0].msg : "", b->n, b->n ? b->v[0].msg : "");
	for (k = 0; k < a->n && k < LOG_MAX; k++) {
		const struct vc_violation *x = &a->v[k], *y = &b->v[k];

		REQUIRE(!strcmp(x->clause, y->clause), "step %u: %s violation %u clause '%s' vs '%s'",
			fx.step, side, k, x->clause, y->clause);
		REQUIRE(x->severity == y->severity && x->queue == y->queue &&
				x->avail_idx == y->avail_idx && x->head == y->head,
			"step %u: %s violation %u: sev %d/%d queue %u/%u index %u/%u head %u/%u",
			fx.step, side, k, x->severity, y->severity, x->queue, y->queue,
			x->avail_idx, y->avail_idx, x->head, y->head);
		REQUIRE(!strcmp(x->msg, y->msg), "step %u: %s violation %u: '%s' vs '%s'", fx.step,
			side, k, x->msg, y->msg);
	}
}

static void same_memory(void)
{
	unsigned r, n = gm_region_count(A->gm);

	for (r = 0; r < n; r++) {
		const struct gm_region_info *ri = gm_region(A->gm, r);
		const uint8_t *a = gm_translate(A->drv_view, ri->gpa, ri->size, GM_READ);
		const uint8_t *b = gm_translate(B->drv_view, ri->gpa, ri->size, GM_READ);
		uint64_t off;

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		if (!memcmp(a, b, ri->size))
			continue;
		for (off = 0; a[off] == b[off]; off++)
			;
		ck_abort_msg("step %u: guest memory differs at 0x%llx: 0x%02x one-buffer, 0x%02x batch",
			     fx.step, (unsigned long long)(ri->gpa + off), a[off], b[off]);
	}
}

static void same(void)
{
	const struct vq_dev_stats *da = vq_dev_stats(A->dev), *db = vq_dev_stats(B->dev);
	const struct vq_drv_stats *ra = vq_drv_stats(A->drv), *rb = vq_drv_stats(B->drv);

	same_log(&A->dev_log, &B->dev_log, "device");
	same_log(&A->drv_log, &B->drv_log, "driver");
	REQUIRE(da->popped == db->popped && da->pushed == db->pushed &&
			da->used_entries == db->used_entries,
		"step %u: device counters popped %llu/%llu pushed %llu/%llu used_entries %llu/%llu",
		fx.step, (unsigned long long)da->popped, (unsigned long long)db->popped,
		(unsigned long long)da->pushed, (unsigned long long)db->pushed,
		(unsigned long long)da->used_entries, (unsigned long long)db->used_entries);
	REQUIRE(ra->added == rb->added && ra->reaped == rb->reaped,
		"step %u: driver counters added %llu/%llu reaped %llu/%llu", fx.step,
		(unsigned long long)ra->added, (unsigned long long)rb->added,
		(unsigned long long)ra->reaped, (unsigned long long)rb->reaped);
	REQUIRE(vq_dev_inflight(A->dev) == vq_dev_inflight(B->dev) &&
			vq_dev_ring_busy(A->dev) == vq_dev_ring_busy(B->dev) &&
			vq_dev_vring_base(A->dev) == vq_dev_vring_base(B->dev) &&
			vq_dev_broken(A->dev) == vq_dev_broken(B->dev),
		"step %u: device state: inflight %u/%u busy %u/%u base 0x%x/0x%x broken %d/%d",
		fx.step, vq_dev_inflight(A->dev), vq_dev_inflight(B->dev),
		vq_dev_ring_busy(A->dev), vq_dev_ring_busy(B->dev), vq_dev_vring_base(A->dev),
		vq_dev_vring_base(B->dev), vq_dev_broken(A->dev), vq_dev_broken(B->dev));
	REQUIRE(vq_drv_num_free(A->drv) == vq_drv_num_free(B->drv) &&
			vq_drv_outstanding(A->drv) == vq_drv_outstanding(B->drv) &&
			vq_drv_broken(A->drv) == vq_drv_broken(B->drv),
		"step %u: driver state: free %u/%u outstanding %u/%u broken %d/%d", fx.step,
		vq_drv_num_free(A->drv), vq_drv_num_free(B->drv), vq_drv_outstanding(A->drv),
		vq_drv_outstanding(B->drv), vq_drv_broken(A->drv), vq_drv_broken(B->drv));
	same_memory();
	fx.step++;
}

static void same_elem(const struct vc_elem *a, const struct vc_seg *asegs,
		      const struct vc_elem *b, unsigned k)
{
	unsigned s, nseg = a->n_readable + a->n_writable;

	REQUIRE(a->head == b->head && a->n_readable == b->n_readable &&
			a->n_writable == b->n_writable && a->readable_bytes == b->readable_bytes &&
			a->writable_bytes == b->writable_bytes,
		"step %u: element %u: head %u/%u segs %u+%u/%u+%u bytes %llu+%llu/%llu+%llu",
		fx.step, k, a->head, b->head, a->n_readable, a->n_writable, b->n_readable,
		b->n_writable, (unsigned long long)a->readable_bytes,
		(unsigned long long)a->writable_bytes, (unsigned long long)b->readable_bytes,
		(unsigned long long)b->writable_bytes);
	for (s = 0; s < nseg; s++)
		REQUIRE(asegs[s].gpa == b->segs[s].gpa && asegs[s].len == b->segs[s].len &&
				asegs[s].writable == b->segs[s].writable,
			"step %u: element %u seg %u: 0x%llx+%u w%u vs 0x%llx+%u w%u", fx.step, k, s,
			(unsigned long long)asegs[s].gpa, asegs[s].len, asegs[s].writable,
			(unsigned long long)b->segs[s].gpa, b->segs[s].len, b->segs[s].writable);
}

/* ---------------------------------------------------------- the steps */

/* What pop_batch handed out, with copies of the segments. */
struct popped {
	int n;
	struct vc_elem e[MAXB];
	struct vc_seg segs[MAXB][2 * MAXQ];
};

/* B: one pop_batch(max); A: as many vq_dev_pop() calls as B returned
 * buffers (one call when B returned none or broke). */
static int step_pop(unsigned max, struct popped *out)
{
	static struct vc_seg asegs[2 * MAXQ];
	struct vc_elem eb[MAXB], ea;
	int nb, ra, k;

	ck_assert_uint_le(max, MAXB);
	nb = vq_dev_pop_batch(B->dev, eb, max);
	REQUIRE(nb == VC_POP_BROKEN || (nb >= 0 && (unsigned)nb <= max),
		"step %u: pop_batch(%u) returned %d", fx.step, max, nb);
	if (nb <= 0) {
		ra = vq_dev_pop(A->dev, &ea);
		REQUIRE(ra == (nb < 0 ? VC_POP_BROKEN : VC_POP_EMPTY),
			"step %u: pop_batch(%u) returned %d, pop returned %d", fx.step, max, nb, ra);
	}
	for (k = 0; k < nb; k++) {
		ra = vq_dev_pop(A->dev, &ea);
		REQUIRE(ra == VC_POP_OK, "step %u: pop_batch returned %d buffers, pop %d returned %d",
			fx.step, nb, k, ra);
		REQUIRE(ea.n_readable + ea.n_writable <= 2 * MAXQ, "too many segments");
		memcpy(asegs, ea.segs, sizeof(asegs[0]) * (ea.n_readable + ea.n_writable));
		same_elem(&ea, asegs, &eb[k], (unsigned)k);
		if (out) {
			out->e[k] = eb[k];
			memcpy(out->segs[k], asegs,
			       sizeof(asegs[0]) * (ea.n_readable + ea.n_writable));
		}
	}
	/* vq.h: "buffers handed out before a violation are returned and the
	 * next call returns VC_POP_BROKEN": the batch may have made the failing
	 * call itself, reporting the violation now; then so does A */
	if (nb > 0 && B->dev_log.n > A->dev_log.n) {
		ra = vq_dev_pop(A->dev, &ea);
		REQUIRE(ra == VC_POP_BROKEN,
			"step %u: pop_batch reported a violation with %d buffers; pop returned %d",
			fx.step, nb, ra);
	}
	if (out)
		out->n = nb;
	same();
	return nb;
}

/* B: one push_batch(); A: vq_dev_push() for each until one is refused */
static unsigned step_push(const struct vq_used_buf *u, unsigned n)
{
	unsigned ka = 0, kb;

	while (ka < n && vq_dev_push(A->dev, u[ka].head, u[ka].written) == 0)
		ka++;
	kb = vq_dev_push_batch(B->dev, u, n);
	REQUIRE(ka == kb, "step %u: push_batch took %u of %u, the pushes %u", fx.step, kb, n, ka);
	same();
	return kb;
}

static bool step_flush(void)
{
	bool a = vq_dev_flush(A->dev), b = vq_dev_flush(B->dev);

	REQUIRE(a == b, "step %u: flush %d/%d", fx.step, a, b);
	same();
	return a;
}

static bool step_kick(void)
{
	bool a = vq_drv_kick_prepare(A->drv), b = vq_drv_kick_prepare(B->drv);

	REQUIRE(a == b, "step %u: kick_prepare %d/%d", fx.step, a, b);
	same();
	return a;
}

/* B: one add_batch(); A: one-buffer vq_drv_add() calls until one fails.
 * heads (optional) gets what A's calls returned. */
static int step_add(const struct vq_buf *bufs, unsigned n, bool writable, void *const *tokens,
		    int *heads)
{
	bool refused = !fx.drv_on || vq_drv_broken(A->drv);
	int ka = 0, kb, h;

	while ((unsigned)ka < n) {
		void *tok = tokens ? tokens[ka] : NULL;

		h = writable ? vq_drv_add(A->drv, NULL, 0, &bufs[ka], 1, tok, false)
			     : vq_drv_add(A->drv, &bufs[ka], 1, NULL, 0, tok, false);
		if (h < 0)
			break;
		if (heads)
			heads[ka] = h;
		ka++;
	}
	kb = vq_drv_add_batch(B->drv, bufs, n, writable, tokens);
	if (refused)
		REQUIRE(kb == -1 && ka == 0, "step %u: add_batch on a refused queue returned %d",
			fx.step, kb);
	else
		REQUIRE(kb == ka, "step %u: add_batch(%u) posted %d, the adds %d", fx.step, n, kb,
			ka);
	same();
	return kb;
}

/* the same vq_drv_add() in both worlds (chains, indirect) */
static int step_add_chain(const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
			  unsigned n_in, void *token, bool indirect)
{
	int a = vq_drv_add(A->drv, out, n_out, in, n_in, token, indirect);
	int b = vq_drv_add(B->drv, out, n_out, in, n_in, token, indirect);

	REQUIRE(a == b, "step %u: add %d/%d", fx.step, a, b);
	same();
	return a;
}

/* B: one get_batch(max); A: as many vq_drv_get() calls as B reaped */
static int step_get(unsigned max, void **tokens, uint32_t *lens)
{
	void *tb[MAXB], *ta;
	uint32_t lb[MAXB], la;
	int nb, ra, k;

	ck_assert_uint_le(max, MAXB);
	nb = vq_drv_get_batch(B->drv, tb, lb, max);
	REQUIRE(nb >= -1 && nb <= (int)max, "step %u: get_batch(%u) returned %d", fx.step, max,
		nb);
	if (nb <= 0) {
		ra = vq_drv_get(A->drv, &ta, &la);
		REQUIRE(ra == nb, "step %u: get_batch(%u) returned %d, get %d", fx.step, max, nb, ra);
	}
	for (k = 0; k < nb; k++) {
		ra = vq_drv_get(A->drv, &ta, &la);
		REQUIRE(ra == 1, "step %u: get_batch reaped %d, get %d returned %d", fx.step, nb, k,
			ra);
		REQUIRE(ta == tb[k] && la == lb[k], "step %u: buffer %d: token %p/%p len %u/%u",
			fx.step, k, ta, tb[k], la, lb[k]);
		if (tokens)
			tokens[k] = tb[k];
		if (lens)
			lens[k] = lb[k];
	}
	/* vq.h: "buffers reaped before a violation are returned and the next
	 * call returns -1": the batch may have made the failing call itself */
	if (nb > 0 && B->drv_log.n > A->drv_log.n) {
		ra = vq_drv_get(A->drv, &ta, &la);
		REQUIRE(ra == -1, "step %u: get_batch reported a violation with %d buffers; get %d",
			fx.step, nb, ra);
	}
	same();
	return nb;
}

/* ---------------------------------------- a hostile driver, both worlds */

static void *drv_ptr(struct world *w, uint64_t gpa, uint64_t len)
{
	void *p = gm_translate(w->drv_view, gpa, len, GM_WRITE);

	ck_assert_ptr_nonnull(p);
	return p;
}

static void *dev_ptr(struct world *w, uint64_t gpa, uint64_t len)
{
	void *p = gm_translate(w->dev_view, gpa, len, GM_WRITE);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* split: descriptor i of the table at gpa */
static void sdesc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct virtq_desc *d = drv_ptr(&fx.w[k], table + 16ull * i, 16);

		d->addr = cpu_to_le64(addr);
		d->len = cpu_to_le32(len);
		d->flags = cpu_to_le16(flags);
		d->next = cpu_to_le16(next);
	}
}

static void sdesc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	sdesc_at(DESC_GPA, i, addr, len, flags, next);
}

static void s_set_idx(uint16_t idx)
{
	unsigned k;

	fx.aidx = idx;
	for (k = 0; k < 2; k++) {
		struct virtq_avail *a = drv_ptr(&fx.w[k], DRIVER_GPA, 4);

		le16_store_release(&a->idx, idx);
	}
}

static void s_avail(uint16_t head)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct virtq_avail *a = drv_ptr(&fx.w[k], DRIVER_GPA,
						virtq_avail_bytes(fx.cfg.size));

		a->ring[fx.aidx & (fx.cfg.size - 1)] = cpu_to_le16(head);
	}
	s_set_idx((uint16_t)(fx.aidx + 1));
}

/* packed: raw descriptor in slot */
static void pdesc(uint16_t slot, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct pvirtq_desc *d = drv_ptr(&fx.w[k], DESC_GPA + 16ull * slot, 16);

		d->addr = cpu_to_le64(addr);
		d->len = cpu_to_le32(len);
		d->id = cpu_to_le16(id);
		le16_store_release(&d->flags, flags);
	}
}

/* packed: the next descriptor, available for the driver's wrap counter */
static void p_avail(uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	pdesc(fx.slot, addr, len, id, (uint16_t)(flags | pvirtq_avail_flags(fx.wrap)));
	if (++fx.slot == fx.cfg.size) {
		fx.slot = 0;
		fx.wrap = !fx.wrap;
	}
}

/* a good one-descriptor buffer named n (head n / id n) */
static void good_buffer(unsigned n)
{
	if (fx.cfg.packed) {
		p_avail(BUF(n), 64, (uint16_t)n, n & 1 ? F_W : 0);
	} else {
		sdesc(n, BUF(n), 64, n & 1 ? F_W : 0, 0);
		s_avail((uint16_t)n);
	}
}

/* One bad (or odd) buffer made available next; descriptors from d on. */
struct hd_case {
	const char *name;
	bool packed;
	bool no_indirect;  /* VIRTIO_F_INDIRECT_DESC not negotiated */
	bool whole_ring;   /* found before any buffer (avail idx) */
	void (*bad)(unsigned d);
	const char *clause; /* NULL: a legal buffer, popped */
	unsigned legal_first; /* legal buffers bad() makes available first */
};

static void s_one(unsigned d, uint64_t addr, uint32_t len)
{
	sdesc(d, addr, len, F_W, 0);
	s_avail((uint16_t)d);
}

static void hs_head_out_of_range(unsigned d) { (void)d; s_avail(8 + 3); }
static void hs_duplicate_head(unsigned d) { (void)d; s_avail(7); }
static void hs_outside_memory(unsigned d) { s_one(d, R2_END + 0x1000, 16); }
static void hs_in_hole(unsigned d) { s_one(d, HOLE_GPA, 16); }
static void hs_straddles_into_hole(unsigned d) { s_one(d, R1_GPA + R1_SIZE - 8, 16); }
static void hs_addr_len_wraps(unsigned d) { s_one(d, 0xfffffffffffff000ull, 0x2000); }
static void hs_zero_length(unsigned d) { s_one(d, BUF(d), 0); }
static void hs_readable(unsigned d) { sdesc(d, BUF(d), 100, 0, 0); s_avail((uint16_t)d); }
static void hs_avail_idx_jump(unsigned d) { (void)d; s_set_idx((uint16_t)(fx.aidx + 9)); }

/* a good buffer, then the same head again within the same batch */
static void hs_same_head_twice(unsigned d)
{
	s_one(d, BUF(d), 16);
	s_avail((uint16_t)d);
}

static void hs_write_then_read(unsigned d)
{
	sdesc(d, BUF(d), 32, F_W | F_N, (uint16_t)(d + 1));
	sdesc(d + 1, BUF(d + 1), 32, 0, 0);
	s_avail((uint16_t)d);
}

static void hs_next_out_of_range(unsigned d)
{
	sdesc(d, BUF(d), 32, F_N, 8 + 1);
	s_avail((uint16_t)d);
}

static void hs_good_chain(unsigned d)
{
	sdesc(d, BUF(d), 32, F_N, (uint16_t)(d + 1));
	sdesc(d + 1, BUF(d + 1), 48, F_W, 0);
	s_avail((uint16_t)d);
}

static void hs_indirect(unsigned d)
{
	sdesc_at(IND_GPA, 0, BUF(20), 16, F_N, 1);
	sdesc_at(IND_GPA, 1, BUF(21), 16, F_W, 0);
	sdesc(d, IND_GPA, 32, F_I, 0);
	s_avail((uint16_t)d);
}

static void hp_one(unsigned d, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	(void)d;
	p_avail(addr, len, id, flags);
}

static void hp_id_out_of_range(unsigned d) { hp_one(d, BUF(d), 16, 8 + 3, F_W); }
static void hp_duplicate_id(unsigned d) { hp_one(d, BUF(d), 16, 7, F_W); }
static void hp_outside_memory(unsigned d) { hp_one(d, R2_END + 0x1000, 16, (uint16_t)d, F_W); }
static void hp_in_hole(unsigned d) { hp_one(d, HOLE_GPA, 16, (uint16_t)d, F_W); }
static void hp_straddles_into_hole(unsigned d)
{
	hp_one(d, R1_GPA + R1_SIZE - 8, 16, (uint16_t)d, 0);
}
static void hp_addr_len_wraps(unsigned d)
{
	hp_one(d, 0xfffffffffffff000ull, 0x2000, (uint16_t)d, F_W);
}
static void hp_zero_length(unsigned d) { hp_one(d, BUF(d), 0, (uint16_t)d, F_W); }

static void hp_same_id_twice(unsigned d)
{
	hp_one(d, BUF(d), 16, (uint16_t)d, F_W);
	hp_one(d, BUF(d + 1), 16, (uint16_t)d, F_W);
}

static void hp_avail_and_used(unsigned d)
{
	pdesc(fx.slot, BUF(d), 16, (uint16_t)d, pvirtq_used_flags(fx.wrap));
}

static void hp_write_then_read(unsigned d)
{
	p_avail(BUF(d), 16, (uint16_t)d, F_W | F_N);
	p_avail(BUF(d + 1), 16, (uint16_t)d, 0);
}

static void hp_rest_not_available(unsigned d)
{
	p_avail(BUF(d), 16, (uint16_t)d, F_N);
	pdesc(fx.slot, BUF(d + 1), 16, (uint16_t)d, F_W); /* no AVAIL bit change */
}

static void hp_good_chain(unsigned d)
{
	p_avail(BUF(d), 16, (uint16_t)d, F_N);
	p_avail(BUF(d + 1), 16, (uint16_t)d, F_W);
}

static void hp_indirect(unsigned d)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct pvirtq_desc *t = drv_ptr(&fx.w[k], IND_GPA, 32);

		t[0].addr = cpu_to_le64(BUF(20));
		t[0].len = cpu_to_le32(16);
		t[0].id = cpu_to_le16(0);
		t[0].flags = cpu_to_le16(0);
		t[1].addr = cpu_to_le64(BUF(21));
		t[1].len = cpu_to_le32(16);
		t[1].id = cpu_to_le16(0);
		t[1].flags = cpu_to_le16(F_W);
	}
	p_avail(IND_GPA, 32, (uint16_t)d, F_I);
}

static const struct hd_case hd_cases[] = {
	{ "split: head out of range", false, false, false, hs_head_out_of_range, CL_DRV_AVAIL, 0 },
	{ "split: head still in flight", false, false, false, hs_duplicate_head, CL_DRV_CLEANUP, 0 },
	{ "split: head twice in one batch", false, false, false, hs_same_head_twice,
	  CL_DRV_CLEANUP, 1 },
	{ "split: buffer outside guest memory", false, false, false, hs_outside_memory,
	  CL_DRV_DESC, 0 },
	{ "split: buffer in the hole", false, false, false, hs_in_hole, CL_DRV_DESC, 0 },
	{ "split: buffer runs from R1 into the hole", false, false, false,
	  hs_straddles_into_hole, CL_DRV_DESC, 0 },
	{ "split: addr + len wraps", false, false, false, hs_addr_len_wraps, CL_DRV_DESC, 0 },
	{ "split: zero length (legal, no segment)", false, false, false, hs_zero_length, NULL, 0 },
	{ "split: readable buffer (legal)", false, false, false, hs_readable, NULL, 0 },
	{ "split: avail idx jumps past the queue size", false, false, true, hs_avail_idx_jump,
	  CL_DRV_AVAIL, 0 },
	{ "split: WRITE then READ chain", false, false, false, hs_write_then_read,
	  CL_DRV_FRAMING, 0 },
	{ "split: next out of range", false, false, false, hs_next_out_of_range, CL_DRV_DESC, 0 },
	{ "split: a good chain (legal)", false, false, false, hs_good_chain, NULL, 0 },
	{ "split: indirect without the feature", false, true, false, hs_indirect,
	  CL_DRV_INDIRECT, 0 },
	{ "split: indirect with the feature (legal)", false, false, false, hs_indirect, NULL, 0 },
	{ "packed: id out of range (legal for packed)", true, false, false, hp_id_out_of_range,
	  NULL, 0 },
	{ "packed: id still outstanding", true, false, false, hp_duplicate_id, CL_DRV_PDESC, 0 },
	{ "packed: id twice in one batch", true, false, false, hp_same_id_twice, CL_DRV_PDESC,
	  1 },
	{ "packed: buffer outside guest memory", true, false, false, hp_outside_memory,
	  CL_DRV_PDESC, 0 },
	{ "packed: buffer in the hole", true, false, false, hp_in_hole, CL_DRV_PDESC, 0 },
	{ "packed: buffer runs from R1 into the hole", true, false, false,
	  hp_straddles_into_hole, CL_DRV_PDESC, 0 },
	{ "packed: addr + len wraps", true, false, false, hp_addr_len_wraps, CL_DRV_PDESC, 0 },
	{ "packed: zero length (legal, no segment)", true, false, false, hp_zero_length, NULL, 0 },
	{ "packed: AVAIL and USED both set", true, false, false, hp_avail_and_used,
	  CL_DRV_PDESC, 0 },
	{ "packed: WRITE then READ list", true, false, false, hp_write_then_read, CL_DRV_PSG, 0 },
	{ "packed: rest of the list not available", true, false, false, hp_rest_not_available,
	  CL_DRV_PSG, 0 },
	{ "packed: a good list (legal)", true, false, false, hp_good_chain, NULL, 0 },
	{ "packed: indirect without the feature", true, true, false, hp_indirect,
	  CL_DRV_PINDIRECT, 0 },
	{ "packed: indirect with the feature (legal)", true, false, false, hp_indirect, NULL, 0 },
};

#define N_HD (sizeof(hd_cases) / sizeof(hd_cases[0]))

/*
 * Loop index i: case i / 2, with the bad buffer first in the batch (even i)
 * or after three good ones (odd i). Before, buffer 7 is popped and held, so
 * a duplicate has something to collide with.
 */
START_TEST(test_pop_batch_finds_what_pop_finds_on_a_hostile_ring)
{
	const struct hd_case *c = &hd_cases[_i / 2];
	const unsigned good = _i % 2 ? 3 : 0, legal = good + c->legal_first;
	struct popped p;
	unsigned k, total = 0;
	int n;

	start(make_cfg(c->packed, 8, false, _i % 4 >= 2, !c->no_indirect), false, true);
	good_buffer(7);
	ck_assert_int_eq(step_pop(1, NULL), 1);
	for (k = 0; k < good; k++)
		good_buffer(k);
	c->bad(good);
	n = step_pop(8 + 5, &p);
	if (c->clause && (legal == 0 || c->whole_ring)) {
		REQUIRE(n == VC_POP_BROKEN, "%s: pop_batch returned %d, not BROKEN", c->name, n);
	} else if (c->clause) {
		REQUIRE(n == (int)legal, "%s: pop_batch returned %d, not the %u good buffers", c->name,
			n, legal);
		n = step_pop(8 + 5, NULL);
		REQUIRE(n == VC_POP_BROKEN, "%s: the next pop_batch returned %d", c->name, n);
	} else {
		while (n > 0) {
			total += (unsigned)n;
			n = step_pop(8 + 5, NULL);
		}
		REQUIRE(n == 0 && total == good + 1, "%s: %u popped, last %d", c->name, total, n);
	}
	if (c->clause) {
		REQUIRE(B->dev_log.n == 1 && !strcmp(B->dev_log.v[0].clause, c->clause),
			"%s: %u device violations, first '%s'", c->name, B->dev_log.n,
			B->dev_log.n ? B->dev_log.v[0].clause : "-");
		REQUIRE(vq_dev_broken(B->dev), "%s: queue not broken", c->name);
		ck_assert_int_eq(step_pop(3, NULL), VC_POP_BROKEN);
	} else {
		REQUIRE(B->dev_log.n == 0, "%s: %s", c->name, B->dev_log.v[0].msg);
	}
}
END_TEST

/* ---------------------------------------- a hostile device, both worlds */

static void s_used(uint32_t id, uint32_t len)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct virtq_used *u = dev_ptr(&fx.w[k], DEVICE_GPA, virtq_used_bytes(fx.cfg.size));

		u->ring[fx.uidx & (fx.cfg.size - 1)].id = cpu_to_le32(id);
		u->ring[fx.uidx & (fx.cfg.size - 1)].len = cpu_to_le32(len);
		le16_store_release(&u->idx, (uint16_t)(fx.uidx + 1));
	}
	fx.uidx++;
}

static void s_used_idx(uint16_t idx)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct virtq_used *u = dev_ptr(&fx.w[k], DEVICE_GPA, 4);

		le16_store_release(&u->idx, idx);
	}
	fx.uidx = idx;
}

/* packed: a used descriptor in the next used slot, covering ndesc slots */
static void p_used_flags(uint16_t id, uint32_t len, uint16_t flags, unsigned ndesc)
{
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct pvirtq_desc *d = dev_ptr(&fx.w[k], DESC_GPA + 16ull * fx.uslot, 16);

		d->len = cpu_to_le32(len);
		d->id = cpu_to_le16(id);
		le16_store_release(&d->flags, flags);
	}
	fx.uslot = (uint16_t)(fx.uslot + ndesc);
	if (fx.uslot >= fx.cfg.size) {
		fx.uslot = (uint16_t)(fx.uslot - fx.cfg.size);
		fx.uwrap = !fx.uwrap;
	}
}

/* WRITE set: len counts (2.8.5) */
static void p_used(uint16_t id, uint32_t len, unsigned ndesc)
{
	p_used_flags(id, len, (uint16_t)(pvirtq_used_flags(fx.uwrap) | F_W), ndesc);
}

/* a correct completion of buffer heads[k] (heads[4] is indirect) */
static int hx_heads[6];

static void complete(unsigned k, uint32_t len)
{
	if (fx.cfg.packed)
		p_used((uint16_t)hx_heads[k], len, 1);
	else
		s_used((uint32_t)hx_heads[k], len);
}

struct hx_case {
	const char *name;
	bool packed;
	bool whole_ring;
	void (*bad)(unsigned k); /* k: the first buffer not yet completed */
	const char *clause;
};

/* a used entry naming id, whatever the layout */
static void used_id(uint32_t id, uint32_t len)
{
	if (fx.cfg.packed)
		p_used((uint16_t)id, len, 1);
	else
		s_used(id, len);
}

static void hx_id_out_of_range(unsigned k) { (void)k; used_id(8 + 1, 0); }
static void hx_id_not_outstanding(unsigned k) { (void)k; used_id(6, 0); }
static void hx_already_completed(unsigned k) { (void)k; complete(3, 0); }
static void hx_len_too_long(unsigned k) { complete(k, 256 + 1); }
static void hx_len_full(unsigned k) { complete(k, 256); }
static void hx_used_idx_jump(unsigned k) { (void)k; s_used_idx((uint16_t)(fx.uidx + 9)); }
/* wrap 1: AVAIL 0, USED 1; wrap 0: AVAIL 1, USED 0 */
static void hx_neither(unsigned k)
{
	(void)k;
	p_used_flags(0, 0, fx.uwrap ? F_U : F_A, 1);
}

static void hx_rewrote_desc(unsigned k)
{
	unsigned w;

	for (w = 0; w < 2; w++) {
		struct virtq_desc *d = dev_ptr(&fx.w[w], DESC_GPA + 16ull * (unsigned)hx_heads[k], 16);

		d->len = cpu_to_le32(255);
	}
	complete(k, 0);
}

/* the indirect buffer (heads[4]): its table rewritten by the device */
static void hx_rewrote_table(unsigned k)
{
	unsigned w;

	(void)k;
	for (w = 0; w < 2; w++) {
		struct world *x = &fx.w[w];
		uint64_t slot = fx.cfg.packed ? 4 : (unsigned)hx_heads[4];
		/* split and packed descriptors both have addr at 0, len at 8 */
		struct pvirtq_desc *d = dev_ptr(x, DESC_GPA + 16ull * slot, 16);
		uint64_t table = le64_to_cpu(d->addr);
		struct pvirtq_desc *t = dev_ptr(x, table, 32);

		t[1].len = cpu_to_le32(17);
	}
	if (fx.cfg.packed)
		p_used((uint16_t)hx_heads[4], 0, 1);
	else
		s_used((uint32_t)hx_heads[4], 0);
}

static const struct hx_case hx_cases[] = {
	{ "split: used id out of range", false, false, hx_id_out_of_range, CL_DEV_USED },
	{ "split: used id not outstanding", false, false, hx_id_not_outstanding, CL_DEV_USED },
	{ "split: used id already completed", false, false, hx_already_completed, CL_DEV_USED },
	{ "split: used len > writable", false, false, hx_len_too_long, CL_DEV_USED },
	{ "split: used len = writable (legal)", false, false, hx_len_full, NULL },
	{ "split: used idx jump", false, true, hx_used_idx_jump, CL_DEV_USED },
	{ "split: device rewrote a descriptor", false, false, hx_rewrote_desc, CL_DEV_DESC },
	{ "split: device rewrote an indirect table", false, false, hx_rewrote_table,
	  CL_DEV_DESC },
	{ "packed: used id out of range", true, false, hx_id_out_of_range, CL_DEV_PDESC },
	{ "packed: used id not outstanding", true, false, hx_id_not_outstanding, CL_DEV_PDESC },
	{ "packed: used id already completed", true, false, hx_already_completed, CL_DEV_PDESC },
	{ "packed: used len > writable", true, false, hx_len_too_long, CL_DEV_PDESC },
	{ "packed: used len = writable (legal)", true, false, hx_len_full, NULL },
	{ "packed: flags neither available nor used", true, false, hx_neither, CL_DEV_PDESC },
	{ "packed: device rewrote an indirect table", true, false, hx_rewrote_table,
	  CL_DEV_PDESC },
};

#define N_HX (sizeof(hx_cases) / sizeof(hx_cases[0]))

/*
 * Four writable one-descriptor buffers of 256 bytes (heads[0..3]) and one
 * indirect buffer (heads[4]) are posted; heads[3] is completed and reaped.
 * Then the device completes 0 (even i) or 2 (odd i) buffers correctly and
 * writes the bad used entry.
 */
START_TEST(test_get_batch_finds_what_get_finds_on_a_hostile_used_ring)
{
	const struct hx_case *c = &hx_cases[_i / 2];
	const unsigned good = _i % 2 ? 2 : 0;
	struct vq_buf bufs[4], ind[2] = { { BUF(30), 16 }, { BUF(31), 64 } };
	void *tokens[4] = { (void *)0x100, (void *)0x101, (void *)0x102, (void *)0x103 };
	void *got[MAXB];
	uint32_t lens[MAXB];
	unsigned k;
	int n;

	start(make_cfg(c->packed, 8, false, _i % 4 >= 2, true), true, false);
	for (k = 0; k < 4; k++)
		bufs[k] = (struct vq_buf){ BUF(k), 256 };
	ck_assert_int_eq(step_add(bufs, 4, true, tokens, hx_heads), 4);
	hx_heads[4] = step_add_chain(&ind[0], 1, &ind[1], 1, (void *)0x104, true);
	ck_assert_int_ge(hx_heads[4], 0);
	step_kick();
	if (c->packed)
		fx.uslot = 0;
	complete(3, 5);
	ck_assert_int_eq(step_get(1, got, lens), 1);
	ck_assert_ptr_eq(got[0], (void *)0x103);
	ck_assert_uint_eq(lens[0], 5);
	for (k = 0; k < good; k++)
		complete(k, 10 + k);
	c->bad(good);
	n = step_get(8 + 5, got, lens);
	if (c->clause && (good == 0 || c->whole_ring)) {
		REQUIRE(n == -1, "%s: get_batch returned %d, not -1", c->name, n);
	} else if (c->clause) {
		REQUIRE(n == (int)good, "%s: get_batch returned %d, not the %u good ones", c->name, n,
			good);
		for (k = 0; k < good; k++)
			REQUIRE(got[k] == tokens[k] && lens[k] == 10 + k, "%s: buffer %u", c->name, k);
		n = step_get(8 + 5, NULL, NULL);
		REQUIRE(n == -1, "%s: the next get_batch returned %d", c->name, n);
	} else {
		REQUIRE(n == (int)good + 1, "%s: get_batch returned %d", c->name, n);
		ck_assert_int_eq(step_get(8 + 5, NULL, NULL), 0);
	}
	if (c->clause) {
		REQUIRE(B->drv_log.n == 1 && !strcmp(B->drv_log.v[0].clause, c->clause),
			"%s: %u driver violations, first '%s': %s", c->name, B->drv_log.n,
			B->drv_log.n ? B->drv_log.v[0].clause : "-",
			B->drv_log.n ? B->drv_log.v[0].msg : "");
		ck_assert_int_eq(step_get(2, NULL, NULL), -1);
	} else {
		REQUIRE(B->drv_log.n == 0, "%s: %s", c->name, B->drv_log.v[0].msg);
	}
}
END_TEST

/* ------------------------------------- the device returns bad heads */

struct px_case {
	const char *name;
	bool in_order;
	unsigned taken;    /* buffers push_batch takes before the refusal */
	const char *split_clause;
	const char *packed_clause;
	uint32_t order[4]; /* indices into the popped elements; 9: not outstanding */
	uint32_t extra[4]; /* added to the written length (1: one byte too many) */
};

static const struct px_case px_cases[] = {
	{ "not outstanding, first", false, 0, CL_DEV_USED, CL_DEV_PDESC, { 9, 0, 1, 2 }, { 0 } },
	{ "not outstanding, after two", false, 2, CL_DEV_USED, CL_DEV_PDESC, { 0, 1, 9, 2 },
	  { 0 } },
	{ "pushed twice", false, 2, CL_DEV_USED, CL_DEV_PDESC, { 2, 0, 2, 1 }, { 0 } },
	{ "written > writable, first", false, 0, CL_DEV_USED, CL_DEV_PDESC, { 0, 1, 2, 3 },
	  { 1, 0, 0, 0 } },
	{ "written > writable, after three", false, 3, CL_DEV_USED, CL_DEV_PDESC, { 3, 2, 1, 0 },
	  { 0, 0, 0, 1 } },
	{ "IN_ORDER out of order, first", true, 0, CL_DEV_RESERVED, CL_DEV_RESERVED,
	  { 1, 0, 2, 3 }, { 0 } },
	{ "IN_ORDER out of order, after one", true, 1, CL_DEV_RESERVED, CL_DEV_RESERVED,
	  { 0, 2, 1, 3 }, { 0 } },
	{ "IN_ORDER in order (legal)", true, 4, NULL, NULL, { 0, 1, 2, 3 }, { 0 } },
};

#define N_PX (sizeof(px_cases) / sizeof(px_cases[0]))

/* loop index: case i / 2, split (even) or packed (odd) */
START_TEST(test_push_batch_refuses_what_push_refuses)
{
	const struct px_case *c = &px_cases[_i / 2];
	const bool packed = _i % 2;
	const char *clause = packed ? c->packed_clause : c->split_clause;
	struct vq_buf bufs[5];
	struct vq_used_buf u[4];
	struct popped p;
	unsigned k, taken;

	start(make_cfg(packed, 8, c->in_order, false, false), true, true);
	for (k = 0; k < 5; k++)
		bufs[k] = (struct vq_buf){ BUF(k), 128 };
	ck_assert_int_eq(step_add(bufs, 5, true, NULL, NULL), 5);
	step_kick();
	ck_assert_int_eq(step_pop(5, &p), 5);
	for (k = 0; k < 4; k++) {
		uint32_t j = c->order[k];

		u[k].head = j == 9 ? 6 : p.e[j].head;
		u[k].written = (j == 9 ? 0 : (uint32_t)p.e[j].writable_bytes) + c->extra[k];
	}
	taken = step_push(u, 4);
	REQUIRE(taken == c->taken, "%s: push_batch took %u, not %u", c->name, taken, c->taken);
	if (clause) {
		REQUIRE(B->dev_log.n == 1 && !strcmp(B->dev_log.v[0].clause, clause) &&
				B->dev_log.v[0].severity == VC_SEV_RECORD,
			"%s: %u device violations, first '%s'", c->name, B->dev_log.n,
			B->dev_log.n ? B->dev_log.v[0].clause : "-");
	} else {
		REQUIRE(B->dev_log.n == 0, "%s: %s", c->name, B->dev_log.v[0].msg);
	}
	/* a refused push changes nothing: the rest still goes through */
	step_flush();
	while (step_get(3, NULL, NULL) > 0)
		;
	REQUIRE(B->drv_log.n == 0, "%s: driver: %s", c->name, B->drv_log.v[0].msg);
}
END_TEST

/* ------------------------------------------------ well-formed traffic */

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

struct traffic_cfg {
	bool packed;
	uint16_t size;
	bool in_order;
	bool event_idx;
	bool indirect;
};

static const struct traffic_cfg traffic_cfgs[] = {
	{ false, 8, false, false, true },  { false, 8, true, false, true },
	{ false, 16, false, true, true },  { false, 16, true, true, false },
	{ false, 8, false, true, false },  { true, 8, false, false, true },
	{ true, 6, false, false, true },   { true, 6, true, true, true },
	{ true, 8, true, false, false },   { true, 6, false, true, false },
	{ true, 16, false, true, true },   { false, 16, true, false, true },
};

#define N_TRAFFIC (sizeof(traffic_cfgs) / sizeof(traffic_cfgs[0]))

/*
 * Rounds of: the driver adds one-descriptor buffers with add_batch (and
 * chains and indirect buffers with vq_drv_add, which the batch loops must
 * stop before), kicks; the device pops with pop_batch, pushes with
 * push_batch (out of order unless IN_ORDER; some buffers written completely,
 * some not, so IN_ORDER flushes batch used entries), flushes; the driver
 * reaps with get_batch. Batch sizes 1, 3, size and size + 5 in turn; the
 * rings wrap many times.
 */
START_TEST(test_batches_equal_one_buffer_calls_on_well_formed_traffic)
{
	const struct traffic_cfg *t = &traffic_cfgs[_i];
	const unsigned bsz[4] = { 1, 3, t->size, t->size + 5u };
	struct vq_used_buf pend[2 * MAXQ];
	unsigned npend = 0, round, nbuf = 0, tok = 0, nchain = 0, nsingle = 0;
	uint64_t reaped = 0;

	rng_state = 0x5eed0000u + (uint32_t)_i;
	start(make_cfg(t->packed, t->size, t->in_order, t->event_idx, t->indirect), true, true);
	for (round = 0; round < 60; round++) {
		const unsigned b = bsz[round % 4];
		unsigned ops = 1 + rnd(3), k;
		struct popped p;
		int n;

		if (round % 7 == 3) {
			/* the notification settings change under the batches */
			unsigned w;

			for (w = 0; w < 2; w++) {
				vq_dev_set_notify(fx.w[w].dev, round % 2);
				vq_drv_set_interrupt(fx.w[w].drv, round % 3 != 0);
			}
			same();
		}
		while (ops--) {
			unsigned shape = rnd(6);
			struct vq_buf bufs[MAXB];
			void *tokens[MAXB];
			unsigned cnt = 1 + rnd(b), j;

			if (shape == 0 || (shape == 1 && !t->indirect)) {
				struct vq_buf o = { BUF(nbuf % NBUFS), 32 + rnd(64) };
				struct vq_buf i = { BUF((nbuf + 1) % NBUFS), 64 + rnd(200) };

				nbuf += 2;
				if (step_add_chain(&o, 1, &i, 1, (void *)(uintptr_t)(0x1000 + tok++),
						   false) >= 0)
					nchain++;
			} else if (shape == 1) {
				struct vq_buf o[2] = { { BUF(nbuf % NBUFS), 16 },
						       { BUF((nbuf + 1) % NBUFS), 24 } };
				struct vq_buf i = { BUF((nbuf + 2) % NBUFS), 128 };

				nbuf += 3;
				if (step_add_chain(o, 2, &i, 1, (void *)(uintptr_t)(0x1000 + tok++),
						   true) >= 0)
					nchain++;
			} else {
				if (cnt > MAXB)
					cnt = MAXB;
				for (j = 0; j < cnt; j++) {
					bufs[j] = (struct vq_buf){ BUF(nbuf++ % NBUFS), 16 + rnd(500) };
					tokens[j] = (void *)(uintptr_t)(0x1000 + tok++);
				}
				n = step_add(bufs, cnt, shape & 1, shape == 5 ? NULL : tokens, NULL);
				nsingle += (unsigned)n;
			}
		}
		step_kick();
		while ((n = step_pop(b, &p)) > 0) {
			for (k = 0; k < (unsigned)n; k++) {
				uint64_t wb = p.e[k].writable_bytes;

				ck_assert_uint_lt(npend, 2 * MAXQ);
				pend[npend].head = p.e[k].head;
				pend[npend].written = (uint32_t)(rnd(3) ? wb : wb / 2);
				npend++;
			}
		}
		ck_assert_int_eq(n, 0);
		/* push all but (sometimes) the newest, in chunks of b */
		{
			unsigned keep = npend && rnd(3) == 0 ? 1 : 0, done = 0, left = npend - keep;
			struct vq_used_buf order[2 * MAXQ];

			for (k = 0; k < left; k++)
				order[k] = pend[k];
			if (!t->in_order)
				for (k = 0; k + 1 < left; k += 2) {
					struct vq_used_buf x = order[k];

					order[k] = order[k + 1];
					order[k + 1] = x;
				}
			while (done < left) {
				unsigned c = left - done < b ? left - done : b;

				ck_assert_uint_eq(step_push(order + done, c), c);
				done += c;
			}
			memmove(pend, pend + left, sizeof(pend[0]) * keep);
			npend = keep;
		}
		step_flush();
		while ((n = step_get(b, NULL, NULL)) > 0)
			reaped += (unsigned)n;
		ck_assert_int_eq(n, 0);
	}
	REQUIRE(A->dev_log.n == 0 && A->drv_log.n == 0, "violations on well-formed traffic: %s",
		A->dev_log.n ? A->dev_log.v[0].msg : A->drv_log.v[0].msg);
	REQUIRE(reaped > 6u * t->size, "only %llu buffers reaped", (unsigned long long)reaped);
	REQUIRE(nchain > 5 && nsingle > 4u * t->size, "%u chains, %u single buffers", nchain,
		nsingle);
	ck_assert_uint_eq(vq_dev_stats(B->dev)->popped, reaped + npend);
}
END_TEST

/* ----------------------------------------------------- the queue edges */

/* loop index: split (0) or packed (1) */
START_TEST(test_add_batch_stops_where_the_ring_fills)
{
	struct vq_buf bufs[MAXB], o = { BUF(40), 16 }, i = { BUF(41), 16 };
	unsigned k;

	start(make_cfg(_i, 8, false, false, true), true, true);
	for (k = 0; k < MAXB; k++)
		bufs[k] = (struct vq_buf){ BUF(k), 100 + k };
	ck_assert_int_ge(step_add_chain(&o, 1, &i, 1, NULL, false), 0); /* two slots */
	ck_assert_int_eq(step_add(bufs, 3, false, NULL, NULL), 3);
	ck_assert_int_eq(step_add(bufs + 3, 6, true, NULL, NULL), 3);
	ck_assert_int_eq(vq_drv_num_free(B->drv), 0);
	ck_assert_int_eq(step_add(bufs, 2, true, NULL, NULL), 0);
	step_kick();
	ck_assert_int_eq(step_pop(MAXB, NULL), 1); /* the chain: the one-buffer path */
	ck_assert_int_eq(step_pop(MAXB, NULL), 6);
	ck_assert_int_eq(step_pop(MAXB, NULL), 0);
}
END_TEST

/* loop index: split (0) or packed (1) */
START_TEST(test_batches_on_a_queue_not_set_up_or_broken_refuse)
{
	struct vq_buf b = { BUF(1), 16 };
	struct vc_elem e[2];
	struct vq_used_buf u = { 0, 0 };
	void *tok[2];
	uint32_t len[2];
	unsigned k;

	/* never set up, never enabled */
	fx.cfg = make_cfg(_i, 8, false, false, false);
	ck_assert_int_eq(step_add(&b, 1, false, NULL, NULL), -1);
	ck_assert_int_eq(step_get(2, NULL, NULL), -1);
	ck_assert_int_eq(step_pop(2, NULL), VC_POP_BROKEN);
	ck_assert_uint_eq(step_push(&u, 1), 0);

	/* live, then marked broken from outside */
	start(make_cfg(_i, 8, false, false, false), true, true);
	ck_assert_int_eq(step_add(&b, 1, true, NULL, NULL), 1);
	step_kick();
	for (k = 0; k < 2; k++) {
		vq_drv_set_broken(fx.w[k].drv);
		vq_dev_set_broken(fx.w[k].dev);
	}
	ck_assert_int_eq(step_add(&b, 1, false, NULL, NULL), -1);
	ck_assert_int_eq(step_pop(2, NULL), VC_POP_BROKEN);
	ck_assert_int_eq(step_get(2, NULL, NULL), -1);
	ck_assert_int_eq(vq_dev_pop_batch(B->dev, e, 2), VC_POP_BROKEN);
	ck_assert_int_eq(vq_drv_get_batch(B->drv, tok, len, 2), -1);
	ck_assert_uint_eq(B->dev_log.n + B->drv_log.n, 0);
}
END_TEST

/* loop index: split (0) or packed (1) */
START_TEST(test_batches_of_zero_do_nothing)
{
	struct vq_buf b[3] = { { BUF(1), 16 }, { BUF(2), 16 }, { BUF(3), 16 } };
	struct vc_elem e[1];
	struct vq_used_buf u[1];
	void *tok[1];
	uint32_t len[1];
	struct popped p;

	start(make_cfg(_i, 8, false, true, false), true, true);
	ck_assert_int_eq(step_add(b, 0, true, NULL, NULL), 0);
	ck_assert_int_eq(step_add(b, 3, true, NULL, NULL), 3);
	step_kick();
	ck_assert_int_eq(vq_dev_pop_batch(B->dev, e, 0), 0);
	ck_assert_uint_eq(vq_dev_stats(B->dev)->popped, 0);
	ck_assert_int_eq(step_pop(3, &p), 3);
	u[0] = (struct vq_used_buf){ p.e[0].head, 1 };
	ck_assert_uint_eq(vq_dev_push_batch(B->dev, u, 0), 0);
	ck_assert_uint_eq(vq_dev_stats(B->dev)->pushed, 0);
	ck_assert_uint_eq(step_push(u, 1), 1);
	step_flush();
	ck_assert_int_eq(vq_drv_get_batch(B->drv, tok, len, 0), 0);
	ck_assert_uint_eq(vq_drv_stats(B->drv)->reaped, 0);
	ck_assert_int_eq(step_get(1, NULL, NULL), 1);
}
END_TEST

/* loop index: split (0) or packed (1) */
START_TEST(test_add_batch_with_null_tokens_reaps_null_tokens)
{
	struct vq_buf b[4];
	void *tok[MAXB];
	uint32_t len[MAXB];
	struct popped p;
	struct vq_used_buf u[4];
	unsigned k;

	start(make_cfg(_i, 8, false, false, false), true, true);
	for (k = 0; k < 4; k++)
		b[k] = (struct vq_buf){ BUF(k), 50 + k };
	ck_assert_int_eq(step_add(b, 4, true, NULL, NULL), 4);
	step_kick();
	ck_assert_int_eq(step_pop(4, &p), 4);
	for (k = 0; k < 4; k++)
		u[k] = (struct vq_used_buf){ p.e[k].head, 7 };
	ck_assert_uint_eq(step_push(u, 4), 4);
	step_flush();
	memset(tok, 0xa5, sizeof(tok));
	ck_assert_int_eq(step_get(MAXB, tok, len), 4);
	for (k = 0; k < 4; k++) {
		ck_assert_ptr_null(tok[k]);
		ck_assert_uint_eq(len[k], 7);
	}
}
END_TEST

/* loop index: split (0) or packed (1) */
START_TEST(test_pop_batch_segments_stay_valid_across_pushes)
{
	struct vq_buf o[2] = { { BUF(40), 16 }, { BUF(41), 24 } }, i = { BUF(42), 32 };
	struct vq_buf b[5];
	struct vq_used_buf u[2];
	struct vc_elem e[MAXB];
	struct vc_seg copy[MAXB][4];
	unsigned k, s, total = 0;
	int n;

	start(make_cfg(_i, 16, false, false, true), true, true);
	for (k = 0; k < 5; k++)
		b[k] = (struct vq_buf){ BUF(k), 64 + k };
	ck_assert_int_ge(step_add_chain(o, 2, &i, 1, NULL, false), 0);
	ck_assert_int_eq(step_add(b, 5, true, NULL, NULL), 5);
	ck_assert_int_ge(step_add_chain(o, 2, &i, 1, NULL, true), 0);
	step_kick();
	/* batch calls alone here: the elements of one call against their
	 * own segments after pushes */
	while (total < 7) {
		n = vq_dev_pop_batch(B->dev, e, MAXB);
		ck_assert_int_gt(n, 0);
		for (k = 0; k < (unsigned)n; k++) {
			ck_assert_uint_le(e[k].n_readable + e[k].n_writable, 4);
			memcpy(copy[k], e[k].segs,
			       sizeof(copy[0][0]) * (e[k].n_readable + e[k].n_writable));
		}
		for (k = 0; k < 2 && k < (unsigned)n; k++)
			u[k] = (struct vq_used_buf){ e[k].head, 0 };
		ck_assert_uint_eq(vq_dev_push_batch(B->dev, u, k), k);
		for (k = 0; k < (unsigned)n; k++)
			for (s = 0; s < e[k].n_readable + e[k].n_writable; s++)
				REQUIRE(e[k].segs[s].gpa == copy[k][s].gpa &&
						e[k].segs[s].len == copy[k][s].len &&
						e[k].segs[s].writable == copy[k][s].writable,
					"element %u of %d seg %u changed after a push", k, n, s);
		for (k = 2; k < (unsigned)n; k++) {
			u[0] = (struct vq_used_buf){ e[k].head, 0 };
			ck_assert_uint_eq(vq_dev_push_batch(B->dev, u, 1), 1);
		}
		total += (unsigned)n;
	}
	ck_assert_uint_eq(total, 7);
	ck_assert_uint_eq(B->dev_log.n, 0);
}
END_TEST

static Suite *vq_batch_suite(void)
{
	Suite *s = suite_create("vq_batch");
	TCase *tc;

	tc = tcase_create("traffic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_batches_equal_one_buffer_calls_on_well_formed_traffic, 0,
			    N_TRAFFIC);
	suite_add_tcase(s, tc);

	tc = tcase_create("dev-hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_pop_batch_finds_what_pop_finds_on_a_hostile_ring, 0,
			    2 * N_HD);
	suite_add_tcase(s, tc);

	tc = tcase_create("drv-hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_get_batch_finds_what_get_finds_on_a_hostile_used_ring, 0,
			    2 * N_HX);
	suite_add_tcase(s, tc);

	tc = tcase_create("push");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_push_batch_refuses_what_push_refuses, 0, 2 * N_PX);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_add_batch_stops_where_the_ring_fills, 0, 2);
	tcase_add_loop_test(tc, test_batches_on_a_queue_not_set_up_or_broken_refuse, 0, 2);
	tcase_add_loop_test(tc, test_batches_of_zero_do_nothing, 0, 2);
	tcase_add_loop_test(tc, test_add_batch_with_null_tokens_reaps_null_tokens, 0, 2);
	tcase_add_loop_test(tc, test_pop_batch_segments_stay_valid_across_pushes, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vq_batch_suite)
