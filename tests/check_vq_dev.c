// SPDX-License-Identifier: Apache-2.0
/*
 * Split virtqueue, device side. The test plays the DRIVER: it writes raw
 * descriptors and the available ring through its own view of guest memory,
 * while the code under test reads them through a separate "device" view.
 * Hostile ring states must be refused with the right clause, once, with the
 * walk bounded; well-formed ones must be accepted exactly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "gm.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"

/*
 * Guest memory: R0 (buffers) and R1 are adjacent, R2 (rings, indirect
 * tables) sits after a hole; there are holes below R0 and above R2.
 */
#define R0_GPA   0x10000ull
#define R0_SIZE  0x100000ull
#define R1_GPA   (R0_GPA + R0_SIZE)
#define R1_SIZE  0x10000ull
#define R2_GPA   0x1000000ull
#define R2_SIZE  0x100000ull
#define R0_END   (R0_GPA + R0_SIZE)
#define R1_END   (R1_GPA + R1_SIZE)
#define R2_END   (R2_GPA + R2_SIZE)
#define HOLE_GPA 0x800000ull

#define QSZ       8
#define QINDEX    3
#define DESC_GPA  (R2_GPA + 0x1000)
#define AVAIL_GPA (R2_GPA + 0x2000)
#define USED_GPA  (R2_GPA + 0x3000)
#define IND_GPA   (R2_GPA + 0x10000)  /* indirect tables, 0x1000 apart */
#define IND(k)    (IND_GPA + 0x1000ull * (k))
#define BUF(k)    (R0_GPA + 0x1000ull * (k))

/* a queue large enough to post more than 2^32 bytes of 1 MiB buffers */
#define BIG_QSZ   8192
#define BIG_DESC  (R2_GPA + 0x20000)
#define BIG_AVAIL (R2_GPA + 0x48000)
#define BIG_USED  (R2_GPA + 0x50000)

#define F_N VIRTQ_DESC_F_NEXT
#define F_W VIRTQ_DESC_F_WRITE
#define F_I VIRTQ_DESC_F_INDIRECT

#define LOG_MAX 16

struct seen {
	const char *clause;
	enum vc_severity sev;
	uint16_t queue;
	uint32_t head;
	char msg[192];
};

struct sink_log {
	unsigned n;
	struct seen v[LOG_MAX];
};

static struct fx {
	gm_t *gm;
	gm_view_t *drv;  /* the test, as the (hostile) driver */
	gm_view_t *dev;  /* the code under test */
	vq_dev_t *vq;
	struct vq_cfg cfg;
	int enable_rc;
	struct sink_log log;
	/* driver-view pointers to the three ring parts */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t aidx;   /* the driver's avail idx */
} fx;

static void record(void *owner, const struct vc_violation *v)
{
	struct sink_log *log = owner;

	if (log->n < LOG_MAX) {
		struct seen *s = &log->v[log->n];

		s->clause = v->clause;
		s->sev = v->severity;
		s->queue = v->queue;
		s->head = v->head;
		memcpy(s->msg, v->msg, sizeof(s->msg));
	}
	log->n++;
}

/* Enable with explicit placement; the driver's pointers are set on success. */
static int fx_enable_at(uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
			bool event_idx, bool indirect)
{
	memset(&fx.cfg, 0, sizeof(fx.cfg));
	fx.cfg.index = QINDEX;
	fx.cfg.size = size;
	fx.cfg.desc = desc;
	fx.cfg.driver = avail;
	fx.cfg.device = used;
	fx.cfg.event_idx = event_idx;
	fx.cfg.indirect = indirect;
	fx.desc = NULL;
	fx.avail = NULL;
	fx.used = NULL;
	fx.aidx = 0;
	fx.enable_rc = vq_dev_enable(fx.vq, &fx.cfg);
	if (fx.enable_rc == 0) {
		fx.desc = gm_translate(fx.drv, desc, virtq_desc_bytes(size), GM_WRITE);
		fx.avail = gm_translate(fx.drv, avail, virtq_avail_bytes(size), GM_WRITE);
		fx.used = gm_translate(fx.drv, used, virtq_used_bytes(size), GM_WRITE);
		ck_assert_ptr_nonnull(fx.desc);
		ck_assert_ptr_nonnull(fx.avail);
		ck_assert_ptr_nonnull(fx.used);
	}
	return fx.enable_rc;
}

static void fx_enable(uint16_t size, bool event_idx, bool indirect)
{
	ck_assert_int_eq(fx_enable_at(size, DESC_GPA, AVAIL_GPA, USED_GPA, event_idx, indirect), 0);
}

static void setup(void)
{
	static const struct gm_region_spec regions[] = {
		{ R0_GPA, R0_SIZE },
		{ R1_GPA, R1_SIZE },
		{ R2_GPA, R2_SIZE },
	};

	memset(&fx, 0, sizeof(fx));
	vc_test_memory(regions, 3, &fx.gm, &fx.drv, &fx.dev);
	fx.vq = vq_dev_new(fx.dev, record, &fx.log);
	ck_assert_ptr_nonnull(fx.vq);
	/* default: indirect negotiated, no event idx */
	fx_enable(QSZ, false, true);
}

static void teardown(void)
{
	vq_dev_free(fx.vq);
	gm_view_unmap(fx.drv);
	gm_view_unmap(fx.dev);
	gm_destroy(fx.gm);
	memset(&fx, 0, sizeof(fx));
}

/* --------------------------------------------------- driver-side helpers */

static struct virtq_desc *table_at(uint64_t gpa, unsigned n)
{
	struct virtq_desc *t = gm_translate(fx.drv, gpa, 16ull * n, GM_WRITE);

	ck_assert_ptr_nonnull(t);
	return t;
}

static void put_desc(struct virtq_desc *t, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	t[i].addr = cpu_to_le64(addr);
	t[i].len = cpu_to_le32(len);
	t[i].flags = cpu_to_le16(flags);
	t[i].next = cpu_to_le16(next);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(fx.desc, i, addr, len, flags, next);
}

static void set_avail_idx(uint16_t idx)
{
	fx.aidx = idx;
	le16_store_release(&fx.avail->idx, idx);
}

static void make_avail(uint16_t head)
{
	fx.avail->ring[fx.aidx & (fx.cfg.size - 1)] = cpu_to_le16(head);
	set_avail_idx((uint16_t)(fx.aidx + 1));
}

static uint16_t used_idx(void)
{
	return le16_load_acquire(&fx.used->idx);
}

static void set_used_event(uint16_t ev)
{
	*virtq_used_event(fx.avail, fx.cfg.size) = cpu_to_le16(ev);
}

static uint16_t avail_event(void)
{
	return le16_to_cpu(*virtq_avail_event(fx.used, fx.cfg.size));
}

static void pop_ok(struct vc_elem *e)
{
	ck_assert_int_eq(vq_dev_pop(fx.vq, e), VC_POP_OK);
}

static void assert_seg(const struct vc_elem *e, unsigned k, uint64_t gpa, uint32_t len, bool w)
{
	ck_assert_uint_lt(k, e->n_readable + e->n_writable);
	ck_assert_uint_eq(e->segs[k].gpa, gpa);
	ck_assert_uint_eq(e->segs[k].len, len);
	ck_assert_uint_eq(e->segs[k].writable, w ? 1 : 0);
}

static void assert_no_violation(void)
{
	ck_assert_msg(fx.log.n == 0, "unexpected violation: %s: %s", fx.log.v[0].clause,
		      fx.log.v[0].msg);
}

/* =================================================== hostile ring states */

enum stage {
	AT_POP,     /* the first pop after mutate() meets the broken rule */
	AT_ENABLE,  /* mutate() enables with a broken configuration */
};

struct hostile {
	const char *name;
	void (*mutate)(void);
	const char *clause;
	enum vc_severity sev;
	enum stage stage;
};

/* --- loops and chain length */

static void m_self_loop(void)
{
	desc(0, BUF(0), 16, F_N, 0);
	make_avail(0);
}

static void m_two_descriptor_loop(void)
{
	desc(0, BUF(0), 16, F_N, 1);
	desc(1, BUF(1), 16, F_N, 0);
	make_avail(0);
}

static void m_chain_of_size_plus_one(void)
{
	unsigned i;

	/* all QSZ descriptors chained, the last pointing back to the head */
	for (i = 0; i < QSZ; i++)
		desc(i, BUF(i), 16, F_N, (uint16_t)((i + 1) % QSZ));
	make_avail(0);
}

static void m_loop_inside_indirect(void)
{
	struct virtq_desc *t = table_at(IND(0), 4);

	put_desc(t, 0, BUF(0), 16, F_N, 1);
	put_desc(t, 1, BUF(1), 16, F_N, 2);
	put_desc(t, 2, BUF(2), 16, F_N, 1);
	put_desc(t, 3, BUF(3), 16, 0, 0);
	desc(0, IND(0), 64, F_I, 0);
	make_avail(0);
}

/* the longest legal direct prefix, then a looping table: the worst walk */
static void m_full_direct_chain_then_indirect_loop(void)
{
	struct virtq_desc *t = table_at(IND(0), 2);
	unsigned i;

	for (i = 0; i < QSZ - 1; i++)
		desc(i, BUF(i), 16, F_N, (uint16_t)(i + 1));
	desc(QSZ - 1, IND(0), 32, F_I, 0);
	put_desc(t, 0, BUF(9), 16, F_N, 0);
	put_desc(t, 1, BUF(9), 16, 0, 0);
	make_avail(0);
}

static void m_indirect_chain_longer_than_queue_size(void)
{
	struct virtq_desc *t = table_at(IND(0), QSZ + 1);
	unsigned i;

	/* no loop, just QSZ + 1 entries chained in one table */
	for (i = 0; i < QSZ + 1; i++)
		put_desc(t, i, BUF(i), 16, i < QSZ ? F_N : 0, (uint16_t)(i + 1));
	desc(0, IND(0), 16 * (QSZ + 1), F_I, 0);
	make_avail(0);
}

/* --- indices */

static void m_next_out_of_range(void)
{
	desc(0, BUF(0), 16, F_N, QSZ);
	make_avail(0);
}

static void m_next_0xffff_after_valid_link(void)
{
	desc(0, BUF(0), 16, F_N, 1);
	desc(1, BUF(1), 16, F_N, 0xffff);
	make_avail(0);
}

static void m_head_out_of_range(void)
{
	desc(0, BUF(0), 16, 0, 0);
	make_avail(QSZ);
}

static void m_head_0xffff(void)
{
	make_avail(0xffff);
}

static void m_avail_idx_past_queue_size(void)
{
	unsigned i;

	for (i = 0; i < QSZ; i++) {
		desc(i, BUF(i), 16, 0, 0);
		fx.avail->ring[i] = cpu_to_le16((uint16_t)i);
	}
	set_avail_idx(QSZ + 1);
}

static void m_avail_idx_far_ahead(void)
{
	desc(0, BUF(0), 16, 0, 0);
	set_avail_idx(0x8000);
}

static void m_avail_idx_decremented(void)
{
	struct vc_elem e;

	desc(0, BUF(0), 16, 0, 0);
	make_avail(0);
	pop_ok(&e);
	/* unexpose it: idx 1 -> 0 reads as 0xffff entries ahead */
	set_avail_idx(0);
}

static void m_head_in_flight_made_available_again(void)
{
	struct vc_elem e;

	desc(2, BUF(2), 16, F_W, 0);
	make_avail(2);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 2);
	make_avail(2);
}

/* --- buffer addresses and lengths */

static void m_addr_plus_len_wraps_2_64(void)
{
	desc(0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	make_avail(0);
}

static void m_addr_in_hole(void)
{
	desc(0, HOLE_GPA, 16, 0, 0);
	make_avail(0);
}

static void m_addr_below_first_region(void)
{
	desc(0, 0x1000, 16, 0, 0);
	make_avail(0);
}

static void m_addr_past_last_region(void)
{
	desc(0, R2_END + 0x1000, 16, 0, 0);
	make_avail(0);
}

static void m_buffer_straddles_two_adjacent_regions(void)
{
	desc(0, R0_END - 8, 16, 0, 0);
	make_avail(0);
}

static void m_buffer_runs_from_region_into_hole(void)
{
	desc(0, R2_END - 8, 16, F_W, 0);
	make_avail(0);
}

static void m_second_descriptor_in_hole(void)
{
	desc(0, BUF(0), 16, F_N, 1);
	desc(1, R1_END, 16, F_W, 0);
	make_avail(0);
}

static void m_huge_len_at_valid_address(void)
{
	desc(0, BUF(0), 0xffffffffu, 0, 0);
	make_avail(0);
}

/*
 * Each segment is checked against guest memory before the total, so every
 * descriptor must be a valid buffer: 4097 descriptors each covering all of
 * R0 (1 MiB; descriptors may alias) total 2^32 + 2^20 bytes. That needs a
 * queue of at least 4097 entries, hence the re-enable at size 8192.
 */
static void m_chain_total_over_2_32_bytes(void)
{
	unsigned i, n = 4097;

	ck_assert_int_eq(fx_enable_at(BIG_QSZ, BIG_DESC, BIG_AVAIL, BIG_USED, false, true), 0);
	for (i = 0; i < n; i++)
		desc(i, R0_GPA, (uint32_t)R0_SIZE, i + 1 < n ? F_N : 0, (uint16_t)(i + 1));
	make_avail(0);
}

/* --- framing */

static void m_readable_after_writable(void)
{
	desc(0, BUF(0), 16, F_W | F_N, 1);
	desc(1, BUF(1), 16, 0, 0);
	make_avail(0);
}

static void m_readable_after_writable_inside_indirect(void)
{
	struct virtq_desc *t = table_at(IND(0), 2);

	put_desc(t, 0, BUF(0), 16, F_W | F_N, 1);
	put_desc(t, 1, BUF(1), 16, 0, 0);
	desc(0, IND(0), 32, F_I, 0);
	make_avail(0);
}

static void m_writable_direct_then_readable_in_indirect(void)
{
	struct virtq_desc *t = table_at(IND(0), 1);

	desc(0, BUF(0), 16, F_W | F_N, 1);
	desc(1, IND(0), 16, F_I, 0);
	put_desc(t, 0, BUF(1), 16, 0, 0);
	make_avail(0);
}

/* --- indirect descriptors */

static void valid_table(uint64_t gpa)
{
	struct virtq_desc *t = table_at(gpa, 2);

	put_desc(t, 0, BUF(0), 16, F_N, 1);
	put_desc(t, 1, BUF(1), 16, F_W, 0);
}

static void m_indirect_without_feature(void)
{
	fx_enable(QSZ, false, false);
	valid_table(IND(0));
	desc(0, IND(0), 32, F_I, 0);
	make_avail(0);
}

static void m_indirect_with_next(void)
{
	valid_table(IND(0));
	desc(0, IND(0), 32, F_I | F_N, 1);
	desc(1, BUF(1), 16, F_W, 0);
	make_avail(0);
}

static void m_two_indirect_descriptors_via_next(void)
{
	valid_table(IND(0));
	valid_table(IND(1));
	desc(0, IND(0), 32, F_I | F_N, 1);
	desc(1, IND(1), 32, F_I, 0);
	make_avail(0);
}

static void m_nested_indirect(void)
{
	struct virtq_desc *t = table_at(IND(0), 1);

	valid_table(IND(1));
	put_desc(t, 0, IND(1), 32, F_I, 0);
	desc(0, IND(0), 16, F_I, 0);
	make_avail(0);
}

static void m_indirect_len_zero(void)
{
	struct virtq_desc *t = table_at(IND(0), 1);

	/* a complete one-entry table sits there: only len 0 is wrong */
	put_desc(t, 0, BUF(0), 16, 0, 0);
	desc(0, IND(0), 0, F_I, 0);
	make_avail(0);
}

static void m_indirect_len_not_multiple_of_16(void)
{
	valid_table(IND(0));
	desc(0, IND(0), 24, F_I, 0);
	make_avail(0);
}

static void m_indirect_len_below_one_descriptor(void)
{
	valid_table(IND(0));
	desc(0, IND(0), 8, F_I, 0);
	make_avail(0);
}

static void m_indirect_table_in_hole(void)
{
	desc(0, HOLE_GPA, 32, F_I, 0);
	make_avail(0);
}

static void m_indirect_table_straddles_region_end(void)
{
	desc(0, R2_END - 16, 32, F_I, 0);
	make_avail(0);
}

static void m_indirect_table_wraps_2_64(void)
{
	desc(0, 0xfffffffffffffff0ull, 32, F_I, 0);
	make_avail(0);
}

static void m_indirect_next_out_of_range(void)
{
	struct virtq_desc *t = table_at(IND(0), 2);

	/* 2 is a valid index of the main table, not of this 2-entry table */
	put_desc(t, 0, BUF(0), 16, F_N, 2);
	put_desc(t, 1, BUF(1), 16, 0, 0);
	desc(0, IND(0), 32, F_I, 0);
	make_avail(0);
}

static void m_indirect_buffer_in_hole(void)
{
	struct virtq_desc *t = table_at(IND(0), 2);

	put_desc(t, 0, BUF(0), 16, F_N, 1);
	put_desc(t, 1, HOLE_GPA, 16, F_W, 0);
	desc(0, IND(0), 32, F_I, 0);
	make_avail(0);
}

/* --- configuration at enable */

static void m_enable_desc_misaligned(void)
{
	fx_enable_at(QSZ, DESC_GPA + 8, AVAIL_GPA, USED_GPA, false, true);
}

static void m_enable_avail_misaligned(void)
{
	fx_enable_at(QSZ, DESC_GPA, AVAIL_GPA + 1, USED_GPA, false, true);
}

static void m_enable_used_misaligned(void)
{
	fx_enable_at(QSZ, DESC_GPA, AVAIL_GPA, USED_GPA + 2, false, true);
}

static void m_enable_desc_in_hole(void)
{
	fx_enable_at(QSZ, HOLE_GPA, AVAIL_GPA, USED_GPA, false, true);
}

static void m_enable_avail_past_last_region(void)
{
	fx_enable_at(QSZ, DESC_GPA, R2_END + 0x1000, USED_GPA, false, true);
}

static void m_enable_used_straddles_region_end(void)
{
	fx_enable_at(QSZ, DESC_GPA, AVAIL_GPA, R2_END - 16, false, true);
}

static void m_enable_desc_straddles_adjacent_regions(void)
{
	fx_enable_at(QSZ, R0_END - 64, AVAIL_GPA, USED_GPA, false, true);
}

static void m_enable_size_not_power_of_two(void)
{
	fx_enable_at(6, DESC_GPA, AVAIL_GPA, USED_GPA, false, true);
}

static void m_enable_size_zero(void)
{
	fx_enable_at(0, DESC_GPA, AVAIL_GPA, USED_GPA, false, true);
}

static void m_enable_size_0xffff(void)
{
	fx_enable_at(0xffff, DESC_GPA, AVAIL_GPA, USED_GPA, false, true);
}

/* --- IN_ORDER: chained descriptor x links to x + 1 (0 after the last) */

static void fx_enable_in_order(void)
{
	fx_enable(QSZ, false, true);
	fx.cfg.in_order = true;
	ck_assert_int_eq(vq_dev_enable(fx.vq, &fx.cfg), 0);
}

static void m_in_order_next_skips_a_slot(void)
{
	fx_enable_in_order();
	desc(0, BUF(0), 16, F_N, 2);
	desc(2, BUF(2), 16, 0, 0);
	make_avail(0);
}

static void m_in_order_last_slot_not_linking_to_0(void)
{
	fx_enable_in_order();
	desc(QSZ - 1, BUF(0), 16, F_N, 1);
	desc(1, BUF(1), 16, 0, 0);
	make_avail(QSZ - 1);
}

static void m_in_order_indirect_entries_out_of_sequence(void)
{
	struct virtq_desc *t = table_at(IND(0), 3);

	fx_enable_in_order();
	put_desc(t, 0, BUF(0), 16, F_N, 2);
	put_desc(t, 1, BUF(1), 16, F_W, 0);
	put_desc(t, 2, BUF(2), 16, F_N, 1);
	desc(0, IND(0), 48, F_I, 0);
	make_avail(0);
}

#define FATAL VC_SEV_FATAL

static const struct hostile hostile[] = {
	/* loops and chain length */
	{ "self-loop chain", m_self_loop, CL_DRV_DESC, FATAL, AT_POP },
	{ "2-descriptor loop", m_two_descriptor_loop, CL_DRV_DESC, FATAL, AT_POP },
	{ "chain of queue size + 1 (loop through all)", m_chain_of_size_plus_one, CL_DRV_DESC,
	  FATAL, AT_POP },
	{ "loop inside an indirect table", m_loop_inside_indirect, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "full direct chain then looping indirect table: walk still bounded",
	  m_full_direct_chain_then_indirect_loop, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect chain longer than queue size", m_indirect_chain_longer_than_queue_size,
	  CL_DRV_INDIRECT, FATAL, AT_POP },
	/* indices */
	{ "next out of range", m_next_out_of_range, CL_DRV_DESC, FATAL, AT_POP },
	{ "next 0xffff after a valid link", m_next_0xffff_after_valid_link, CL_DRV_DESC, FATAL,
	  AT_POP },
	{ "avail ring head out of range", m_head_out_of_range, CL_DRV_AVAIL, FATAL, AT_POP },
	{ "avail ring head 0xffff", m_head_0xffff, CL_DRV_AVAIL, FATAL, AT_POP },
	{ "avail idx jumps past queue size", m_avail_idx_past_queue_size, CL_DRV_AVAIL, FATAL,
	  AT_POP },
	{ "avail idx far ahead", m_avail_idx_far_ahead, CL_DRV_AVAIL, FATAL, AT_POP },
	{ "avail idx decremented (huge distance)", m_avail_idx_decremented, CL_DRV_AVAIL, FATAL,
	  AT_POP },
	{ "head made available again while in flight", m_head_in_flight_made_available_again,
	  CL_DRV_CLEANUP, FATAL, AT_POP },
	/* buffers */
	{ "addr + len wraps 2^64", m_addr_plus_len_wraps_2_64, CL_DRV_DESC, FATAL, AT_POP },
	{ "buffer in a hole", m_addr_in_hole, CL_DRV_DESC, FATAL, AT_POP },
	{ "buffer below the first region", m_addr_below_first_region, CL_DRV_DESC, FATAL, AT_POP },
	{ "buffer past the last region", m_addr_past_last_region, CL_DRV_DESC, FATAL, AT_POP },
	{ "buffer straddles two adjacent regions", m_buffer_straddles_two_adjacent_regions,
	  CL_DRV_DESC, FATAL, AT_POP },
	{ "buffer runs from a region into a hole", m_buffer_runs_from_region_into_hole,
	  CL_DRV_DESC, FATAL, AT_POP },
	{ "second descriptor of a chain in a hole", m_second_descriptor_in_hole, CL_DRV_DESC,
	  FATAL, AT_POP },
	{ "len 0xffffffff at a valid address", m_huge_len_at_valid_address, CL_DRV_DESC, FATAL,
	  AT_POP },
	{ "chain totals more than 2^32 bytes", m_chain_total_over_2_32_bytes, CL_DRV_DESC, FATAL,
	  AT_POP },
	/* framing */
	{ "readable after writable", m_readable_after_writable, CL_DRV_FRAMING, FATAL, AT_POP },
	{ "readable after writable inside an indirect table",
	  m_readable_after_writable_inside_indirect, CL_DRV_FRAMING, FATAL, AT_POP },
	{ "writable direct then readable indirect entry",
	  m_writable_direct_then_readable_in_indirect, CL_DRV_FRAMING, FATAL, AT_POP },
	/* indirect */
	{ "indirect without VIRTIO_F_INDIRECT_DESC", m_indirect_without_feature, CL_DRV_INDIRECT,
	  FATAL, AT_POP },
	{ "indirect with NEXT", m_indirect_with_next, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "two indirect descriptors via NEXT", m_two_indirect_descriptors_via_next,
	  CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "nested indirect", m_nested_indirect, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect len 0", m_indirect_len_zero, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect len not a multiple of 16", m_indirect_len_not_multiple_of_16, CL_DRV_INDIRECT,
	  FATAL, AT_POP },
	{ "indirect len below one descriptor", m_indirect_len_below_one_descriptor,
	  CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect table in a hole", m_indirect_table_in_hole, CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect table straddles a region end", m_indirect_table_straddles_region_end,
	  CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "indirect table addr + len wraps 2^64", m_indirect_table_wraps_2_64, CL_DRV_INDIRECT,
	  FATAL, AT_POP },
	{ "next out of range inside an indirect table", m_indirect_next_out_of_range,
	  CL_DRV_INDIRECT, FATAL, AT_POP },
	{ "buffer in a hole inside an indirect table", m_indirect_buffer_in_hole, CL_DRV_INDIRECT,
	  FATAL, AT_POP },
	/* configuration */
	{ "misaligned descriptor table", m_enable_desc_misaligned, CL_DRV_VIRTQUEUES, FATAL,
	  AT_ENABLE },
	{ "misaligned available ring", m_enable_avail_misaligned, CL_DRV_VIRTQUEUES, FATAL,
	  AT_ENABLE },
	{ "misaligned used ring", m_enable_used_misaligned, CL_DRV_VIRTQUEUES, FATAL, AT_ENABLE },
	{ "descriptor table in a hole", m_enable_desc_in_hole, CL_DRV_VIRTQUEUES, FATAL,
	  AT_ENABLE },
	{ "available ring past the last region", m_enable_avail_past_last_region,
	  CL_DRV_VIRTQUEUES, FATAL, AT_ENABLE },
	{ "used ring straddles a region end", m_enable_used_straddles_region_end,
	  CL_DRV_VIRTQUEUES, FATAL, AT_ENABLE },
	{ "descriptor table straddles adjacent regions", m_enable_desc_straddles_adjacent_regions,
	  CL_DRV_VIRTQUEUES, FATAL, AT_ENABLE },
	{ "queue size not a power of two", m_enable_size_not_power_of_two, CL_DRV_PCI_COMMON,
	  FATAL, AT_ENABLE },
	{ "queue size 0", m_enable_size_zero, CL_DRV_PCI_COMMON, FATAL, AT_ENABLE },
	{ "queue size 0xffff", m_enable_size_0xffff, CL_DRV_PCI_COMMON, FATAL, AT_ENABLE },
	/* IN_ORDER */
	{ "IN_ORDER: next skips a slot", m_in_order_next_skips_a_slot, CL_DRV_DESC, FATAL,
	  AT_POP },
	{ "IN_ORDER: last slot does not link to 0", m_in_order_last_slot_not_linking_to_0,
	  CL_DRV_DESC, FATAL, AT_POP },
	{ "IN_ORDER: indirect entries out of sequence",
	  m_in_order_indirect_entries_out_of_sequence, CL_DRV_INDIRECT, FATAL, AT_POP },
};

#define N_HOSTILE (int)(sizeof(hostile) / sizeof(hostile[0]))

START_TEST(hostile_driver_is_refused_once_and_bounded)
{
	const struct hostile *h = &hostile[_i];
	const struct vq_dev_stats *st = vq_dev_stats(fx.vq);
	uint64_t popped, walked;
	struct vc_elem e;
	uint32_t inflight;

	h->mutate();
	popped = st->popped;
	inflight = vq_dev_inflight(fx.vq);
	if (h->stage == AT_ENABLE) {
		ck_assert_msg(fx.enable_rc == -1, "%s: enable accepted", h->name);
		ck_assert_msg(!vq_dev_enabled(fx.vq), "%s: queue enabled", h->name);
		ck_assert_msg(fx.log.n == 1, "%s: %u reports at enable", h->name, fx.log.n);
		ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN);
	} else {
		ck_assert_msg(vq_dev_enabled(fx.vq) && fx.log.n == 0,
			      "%s: the setup itself was refused", h->name);
		ck_assert_msg(vq_dev_pop(fx.vq, &e) == VC_POP_BROKEN, "%s: pop not refused",
			      h->name);
	}
	ck_assert_msg(fx.log.n == 1, "%s: %u reports", h->name, fx.log.n);
	ck_assert_msg(strcmp(fx.log.v[0].clause, h->clause) == 0, "%s: clause %s, expected %s",
		      h->name, fx.log.v[0].clause, h->clause);
	ck_assert_msg(fx.log.v[0].sev == h->sev, "%s: severity %d", h->name, fx.log.v[0].sev);
	ck_assert_uint_eq(fx.log.v[0].queue, QINDEX);
	ck_assert_msg(fx.log.v[0].msg[0] != '\0', "%s: empty message", h->name);
	ck_assert_msg(vq_dev_broken(fx.vq), "%s: queue not broken", h->name);

	walked = st->descs_walked;
	ck_assert_msg(walked <= vq_dev_walk_limit(fx.vq), "%s: walked %llu > limit %u", h->name,
		      (unsigned long long)walked, vq_dev_walk_limit(fx.vq));
	/* nothing was handed out */
	ck_assert_uint_eq(st->popped, popped);
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), inflight);

	/* refused from now on, silently, without walking again */
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN);
	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 0), -1);
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_msg(fx.log.n == 1, "%s: reported again (%u)", h->name, fx.log.n);
	ck_assert_uint_eq(st->descs_walked, walked);
	ck_assert(vq_dev_broken(fx.vq));
}
END_TEST

/* ================================================== well-formed: accepted */

START_TEST(pop_builds_element_in_chain_order)
{
	struct vc_elem e;

	/* head 5 -> 2 -> 7: the walk must follow next, not table order */
	desc(5, BUF(1), 100, F_N, 2);
	desc(2, BUF(2) + 3, 28, F_N, 7);
	desc(7, BUF(3), 64, F_W, 0);
	make_avail(5);

	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_OK);
	ck_assert_uint_eq(e.head, 5);
	ck_assert_uint_eq(e.n_readable, 2);
	ck_assert_uint_eq(e.n_writable, 1);
	ck_assert_uint_eq(e.readable_bytes, 128);
	ck_assert_uint_eq(e.writable_bytes, 64);
	assert_seg(&e, 0, BUF(1), 100, false);
	assert_seg(&e, 1, BUF(2) + 3, 28, false);
	assert_seg(&e, 2, BUF(3), 64, true);
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 1);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->popped, 1);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, 3);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert(!vq_dev_broken(fx.vq));
	assert_no_violation();
}
END_TEST

START_TEST(vring_base_counts_the_avail_ring_positions_consumed)
{
	struct vc_elem e;

	ck_assert_uint_eq(vq_dev_vring_base(fx.vq), 0);
	desc(5, BUF(1), 100, F_W, 0);
	desc(6, BUF(2), 100, F_W, 0);
	make_avail(5);
	make_avail(6);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_OK);
	ck_assert_uint_eq(vq_dev_vring_base(fx.vq), 1);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_OK);
	ck_assert_uint_eq(vq_dev_vring_base(fx.vq), 2);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert_uint_eq(vq_dev_vring_base(fx.vq), 2);
	assert_no_violation();
}
END_TEST

START_TEST(pop_on_empty_ring_and_disabled_queue)
{
	struct vc_elem e;
	vq_dev_t *off = vq_dev_new(fx.dev, record, &fx.log);

	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert(!vq_dev_broken(fx.vq));

	/* a queue never enabled does nothing and reports nothing */
	ck_assert_ptr_nonnull(off);
	ck_assert(!vq_dev_enabled(off));
	ck_assert_int_eq(vq_dev_pop(off, &e), VC_POP_BROKEN);
	ck_assert_int_eq(vq_dev_push(off, 0, 0), -1);
	ck_assert(!vq_dev_flush(off));
	vq_dev_free(off);
	assert_no_violation();
}
END_TEST

START_TEST(zero_length_descriptors_are_accepted_and_not_segments)
{
	struct vc_elem e;

	desc(0, BUF(0), 0, F_N, 1);
	desc(1, BUF(1), 16, F_N, 2);
	desc(2, BUF(2), 0, F_W | F_N, 3);
	desc(3, BUF(3), 32, F_W | F_N, 4);
	desc(4, BUF(4), 0, F_W, 0);
	make_avail(0);
	/* a chain of only one empty descriptor */
	desc(6, BUF(6), 0, 0, 0);
	make_avail(6);

	pop_ok(&e);
	ck_assert_uint_eq(e.head, 0);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 1);
	ck_assert_uint_eq(e.readable_bytes, 16);
	ck_assert_uint_eq(e.writable_bytes, 32);
	assert_seg(&e, 0, BUF(1), 16, false);
	assert_seg(&e, 1, BUF(3), 32, true);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, 5);

	pop_ok(&e);
	ck_assert_uint_eq(e.head, 6);
	ck_assert_uint_eq(e.n_readable + e.n_writable, 0);
	ck_assert_uint_eq(e.readable_bytes + e.writable_bytes, 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 6, 0), 0);
	assert_no_violation();
}
END_TEST

START_TEST(buffers_ending_at_the_last_byte_of_a_region_are_accepted)
{
	struct vc_elem e;

	desc(0, R0_END - 16, 16, F_N, 1);   /* R1 follows directly */
	desc(1, R1_END - 64, 64, F_N, 2);   /* a hole follows */
	desc(2, R2_END - 1, 1, F_W, 0);     /* the very last guest byte */
	make_avail(0);

	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, 2);
	ck_assert_uint_eq(e.n_writable, 1);
	assert_seg(&e, 0, R0_END - 16, 16, false);
	assert_seg(&e, 1, R1_END - 64, 64, false);
	assert_seg(&e, 2, R2_END - 1, 1, true);
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 0, "z", 1), 1);
	ck_assert_int_eq(*(uint8_t *)gm_translate(fx.drv, R2_END - 1, 1, GM_READ), 'z');
	assert_no_violation();
}
END_TEST

/* devicenormative Indirect Descriptors: zero or more direct, then one indirect */
START_TEST(direct_descriptors_then_final_indirect_are_accepted)
{
	struct virtq_desc *t = table_at(IND(0), 3);
	struct vc_elem e;

	desc(0, BUF(0), 10, F_N, 1);
	desc(1, BUF(1), 20, F_N, 2);
	desc(2, IND(0), 48, F_I, 0);
	put_desc(t, 0, BUF(2), 30, F_N, 1);
	put_desc(t, 1, BUF(3), 40, F_W | F_N, 2);
	put_desc(t, 2, BUF(4), 50, F_W, 0);
	make_avail(0);

	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, 3);
	ck_assert_uint_eq(e.n_writable, 2);
	ck_assert_uint_eq(e.readable_bytes, 60);
	ck_assert_uint_eq(e.writable_bytes, 90);
	assert_seg(&e, 0, BUF(0), 10, false);
	assert_seg(&e, 1, BUF(1), 20, false);
	assert_seg(&e, 2, BUF(2), 30, false);
	assert_seg(&e, 3, BUF(3), 40, true);
	assert_seg(&e, 4, BUF(4), 50, true);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, 6);
	assert_no_violation();
}
END_TEST

START_TEST(indirect_only_chain_follows_next_inside_table)
{
	struct virtq_desc *t = table_at(IND(2), 3);
	struct vc_elem e;

	/* entry 0 -> 2 -> 1: the walk follows next inside the table */
	put_desc(t, 0, BUF(0), 8, F_N, 2);
	put_desc(t, 2, BUF(2), 9, F_W | F_N, 1);
	put_desc(t, 1, BUF(1), 10, F_W, 0);
	desc(4, IND(2), 48, F_I, 0);
	make_avail(4);

	pop_ok(&e);
	ck_assert_uint_eq(e.head, 4);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 2);
	assert_seg(&e, 0, BUF(0), 8, false);
	assert_seg(&e, 1, BUF(2), 9, true);
	assert_seg(&e, 2, BUF(1), 10, true);
	ck_assert_uint_eq(e.writable_bytes, 19);
	assert_no_violation();
}
END_TEST

/* devicenormative Indirect Descriptors: WRITE on the table's descriptor is ignored */
START_TEST(write_flag_on_indirect_descriptor_is_ignored)
{
	struct virtq_desc *t = table_at(IND(0), 2);
	struct vc_elem e;

	put_desc(t, 0, BUF(0), 12, F_N, 1);
	put_desc(t, 1, BUF(1), 24, F_W, 0);
	desc(0, IND(0), 32, F_I | F_W, 0);
	make_avail(0);

	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 1);
	assert_seg(&e, 0, BUF(0), 12, false);
	assert_seg(&e, 1, BUF(1), 24, true);
	ck_assert_uint_eq(e.readable_bytes, 12);
	ck_assert_uint_eq(e.writable_bytes, 24);
	assert_no_violation();
}
END_TEST

START_TEST(chain_of_exactly_queue_size_is_accepted)
{
	static const uint16_t order[QSZ] = { 3, 6, 1, 0, 7, 2, 5, 4 };
	struct vc_elem e;
	unsigned k;

	for (k = 0; k < QSZ; k++) {
		uint16_t fl = (k >= QSZ / 2 ? F_W : 0) | (k + 1 < QSZ ? F_N : 0);

		desc(order[k], BUF(k), 16 + k, fl, k + 1 < QSZ ? order[k + 1] : 0);
	}
	make_avail(order[0]);

	pop_ok(&e);
	ck_assert_uint_eq(e.head, order[0]);
	ck_assert_uint_eq(e.n_readable, QSZ / 2);
	ck_assert_uint_eq(e.n_writable, QSZ / 2);
	for (k = 0; k < QSZ; k++)
		assert_seg(&e, k, BUF(k), 16 + k, k >= QSZ / 2);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, QSZ);
	assert_no_violation();
}
END_TEST

START_TEST(indirect_table_of_exactly_queue_size_entries_is_accepted)
{
	struct virtq_desc *t = table_at(IND(0), QSZ);
	struct vc_elem e;
	unsigned k;

	for (k = 0; k < QSZ; k++)
		put_desc(t, k, BUF(k), 100, (k >= 2 ? F_W : 0) | (k + 1 < QSZ ? F_N : 0),
			 (uint16_t)(k + 1));
	desc(1, IND(0), 16 * QSZ, F_I, 0);
	make_avail(1);

	pop_ok(&e);
	ck_assert_uint_eq(e.head, 1);
	ck_assert_uint_eq(e.n_readable, 2);
	ck_assert_uint_eq(e.n_writable, QSZ - 2);
	ck_assert_uint_eq(e.readable_bytes, 200);
	ck_assert_uint_eq(e.writable_bytes, 100 * (QSZ - 2));
	for (k = 0; k < QSZ; k++)
		assert_seg(&e, k, BUF(k), 100, k >= 2);
	assert_no_violation();
}
END_TEST

/* The spec's limit is "longer than 2^32 bytes": exactly 2^32 is legal. */
START_TEST(chain_totalling_exactly_2_32_bytes_is_accepted)
{
	unsigned i, n = 4096;
	struct vc_elem e;

	fx_enable_at(BIG_QSZ, BIG_DESC, BIG_AVAIL, BIG_USED, false, true);
	ck_assert_int_eq(fx.enable_rc, 0);
	for (i = 0; i < n; i++)
		desc(i, R0_GPA, (uint32_t)R0_SIZE, i + 1 < n ? F_N : 0, (uint16_t)(i + 1));
	make_avail(0);

	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, n);
	ck_assert_uint_eq(e.readable_bytes, 1ull << 32);
	ck_assert_uint_eq(e.writable_bytes, 0);
	assert_seg(&e, n - 1, R0_GPA, (uint32_t)R0_SIZE, false);
	assert_no_violation();
}
END_TEST

/*
 * The spec places no alignment requirement on an indirect table (only on
 * the three ring parts), so a table at any address must be walked.
 */
START_TEST(indirect_table_at_unaligned_address_is_accepted)
{
	const uint64_t tgpa = IND(0) + 4;
	struct virtq_desc t[2];
	struct vc_elem e;

	memset(t, 0, sizeof(t));
	put_desc(t, 0, BUF(0), 12, F_N, 1);
	put_desc(t, 1, BUF(1), 24, F_W, 0);
	ck_assert_int_eq(gm_write(fx.drv, tgpa, t, sizeof(t)), 0);
	desc(0, tgpa, sizeof(t), F_I, 0);
	make_avail(0);

	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 1);
	assert_seg(&e, 0, BUF(0), 12, false);
	assert_seg(&e, 1, BUF(1), 24, true);
	assert_no_violation();
}
END_TEST

/*
 * Ring part sizes are 16*N, 6+2*N (used_event included) and 6+8*N
 * (avail_event included): a driver may place a part so that it ends exactly
 * at the end of a region.
 */
START_TEST(ring_parts_ending_at_a_region_end_are_accepted)
{
	const uint64_t d = R1_END - virtq_desc_bytes(QSZ);
	const uint64_t a = R2_END - virtq_avail_bytes(QSZ);
	struct vc_elem e;
	uint8_t tail[2];

	ck_assert_uint_eq(a % VIRTQ_AVAIL_ALIGN, 0);
	ck_assert_int_eq(fx_enable_at(QSZ, d, a, USED_GPA, true, true), 0);
	assert_no_violation();

	/* used_event is the region's last two bytes */
	set_used_event(0);
	ck_assert_int_eq(gm_read(fx.drv, R2_END - 2, tail, 2), 0);
	ck_assert_uint_eq(tail[0] | tail[1], 0);
	desc(QSZ - 1, BUF(0), 8, F_W, 0);
	make_avail(QSZ - 1);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, QSZ - 1);
	ck_assert_int_eq(vq_dev_push(fx.vq, e.head, 8), 0);
	ck_assert(vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 1);
	assert_no_violation();
}
END_TEST

/* ================================================= used ring and notifies */

/* Post a one-descriptor writable chain at head, pop it, push it. */
static void cycle(uint16_t head, uint32_t written)
{
	struct vc_elem e;

	desc(head, BUF(head), 64, F_W, 0);
	make_avail(head);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, head);
	ck_assert_int_eq(vq_dev_push(fx.vq, head, written), 0);
}

START_TEST(push_writes_used_element_and_flush_publishes_idx)
{
	struct vc_elem e;

	desc(5, BUF(0), 16, F_N, 6);
	desc(6, BUF(1), 64, F_W, 0);
	make_avail(5);
	pop_ok(&e);

	ck_assert_int_eq(vq_dev_push(fx.vq, 5, 40), 0);
	/* the element (id, len) is written, idx is not yet published */
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].id), 5);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].len), 40);
	ck_assert_uint_eq(used_idx(), 0);
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 0);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->pushed, 1);

	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 1);
	/* nothing new: nothing published, no notification */
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 1);

	/* the next element goes to the next slot */
	cycle(2, 3);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[1].id), 2);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[1].len), 3);
	ck_assert_uint_eq(used_idx(), 1);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 2);
	assert_no_violation();
}
END_TEST

START_TEST(notification_without_event_idx_follows_no_interrupt)
{
	const struct vq_dev_stats *st = vq_dev_stats(fx.vq);

	fx.avail->flags = cpu_to_le16(0);
	cycle(0, 1);
	ck_assert(vq_dev_flush(fx.vq));
	ck_assert_uint_eq(st->notifications, 1);

	fx.avail->flags = cpu_to_le16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	cycle(1, 1);
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(st->notifications, 1);

	/* used_event means nothing without EVENT_IDX: it must be ignored */
	fx.avail->flags = cpu_to_le16(0);
	set_used_event(0x1234);
	cycle(2, 1);
	ck_assert(vq_dev_flush(fx.vq));
	ck_assert_uint_eq(st->notifications, 2);
	fx.avail->flags = cpu_to_le16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	set_used_event((uint16_t)(used_idx()));
	cycle(3, 1);
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 4);
	ck_assert(!vq_dev_broken(fx.vq));
	assert_no_violation();
}
END_TEST

START_TEST(notification_with_event_idx_follows_used_event)
{
	const struct vq_dev_stats *st = vq_dev_stats(fx.vq);
	static const struct {
		uint16_t used_event;
		unsigned batch;
	} steps[] = {
		{ 0, 1 },  /* 0 -> 1 crosses 0 */
		{ 3, 1 },  /* 1 -> 2 */
		{ 3, 1 },  /* 2 -> 3 */
		{ 3, 1 },  /* 3 -> 4 crosses 3 */
		{ 3, 1 },  /* 4 -> 5, already past */
		{ 6, 3 },  /* 5 -> 8 crosses 6 in one batch */
		{ 20, 3 }, /* 8 -> 11 */
		{ 7, 2 },  /* 11 -> 13, event behind */
		{ 12, 2 }, /* 13 -> 15, event just behind */
		{ 14, 2 }, /* 15 -> 17, event is the first index before: no */
		{ 17, 1 }, /* 17 -> 18 crosses 17 */
	};
	unsigned s, k, expected_notes = 0;

	fx_enable(QSZ, true, true);
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		uint16_t old = used_idx(), now;
		bool want;

		set_used_event(steps[s].used_event);
		for (k = 0; k < steps[s].batch; k++)
			cycle((uint16_t)k, 1);
		now = (uint16_t)(old + steps[s].batch);
		want = virtq_need_event(steps[s].used_event, now, old);
		ck_assert_msg(vq_dev_flush(fx.vq) == want, "step %u: used_event %u, %u -> %u", s,
			      steps[s].used_event, old, now);
		ck_assert_uint_eq(used_idx(), now);
		expected_notes += want;
	}
	/* the table above is not vacuous: both outcomes occur */
	ck_assert_uint_eq(expected_notes, 4);
	ck_assert_uint_eq(st->notifications, expected_notes);
	assert_no_violation();
}
END_TEST

START_TEST(avail_flags_with_event_idx_are_ignored_and_recorded)
{
	fx_enable(QSZ, true, true);
	fx.avail->flags = cpu_to_le16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	set_used_event(0);
	cycle(0, 1);
	/* the decision follows used_event only */
	ck_assert(vq_dev_flush(fx.vq));
	ck_assert_uint_eq(fx.log.n, 1);
	ck_assert_str_eq(fx.log.v[0].clause, CL_DRV_USED_SUPPR);
	ck_assert_int_eq(fx.log.v[0].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.vq));
	/* the queue keeps working */
	set_used_event(5);
	cycle(1, 1);
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert_str_eq(fx.log.v[fx.log.n - 1].clause, CL_DRV_USED_SUPPR);
}
END_TEST

START_TEST(bad_avail_flags_without_event_idx_are_recorded_not_fatal)
{
	struct vc_elem e;
	unsigned i;

	fx.avail->flags = cpu_to_le16(2);
	cycle(0, 1);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(fx.log.n, 1);
	ck_assert_str_eq(fx.log.v[0].clause, CL_DRV_USED_SUPPR);
	ck_assert_int_eq(fx.log.v[0].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert_uint_eq(used_idx(), 1);

	/* still usable; with flags back to 1 the request is honoured */
	fx.avail->flags = cpu_to_le16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	cycle(1, 1);
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 2);
	desc(2, BUF(2), 8, 0, 0);
	make_avail(2);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_OK);
	ck_assert(!vq_dev_broken(fx.vq));
	for (i = 0; i < fx.log.n && i < LOG_MAX; i++) {
		ck_assert_str_eq(fx.log.v[i].clause, CL_DRV_USED_SUPPR);
		ck_assert_int_eq(fx.log.v[i].sev, VC_SEV_RECORD);
	}
}
END_TEST

START_TEST(push_refuses_an_id_that_is_not_outstanding)
{
	struct vc_elem e;
	unsigned i;

	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 0), -1);       /* nothing popped yet */
	ck_assert_int_eq(vq_dev_push(fx.vq, QSZ, 0), -1);     /* out of range */
	ck_assert_int_eq(vq_dev_push(fx.vq, 0xffffffffu, 0), -1);

	desc(2, BUF(2), 16, F_W, 0);
	make_avail(2);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.vq, 3, 0), -1);       /* not the popped head */
	ck_assert_uint_eq(fx.log.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(fx.log.v[i].clause, CL_DEV_USED);
		ck_assert_int_eq(fx.log.v[i].sev, VC_SEV_RECORD);
	}
	/* nothing reached the used ring, the queue still works */
	ck_assert(!vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 0);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].id), 0);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].len), 0);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 1);

	ck_assert_int_eq(vq_dev_push(fx.vq, 2, 16), 0);
	/* pushed once: no longer outstanding */
	ck_assert_int_eq(vq_dev_push(fx.vq, 2, 16), -1);
	ck_assert_uint_eq(fx.log.n, 5);
	ck_assert_str_eq(fx.log.v[4].clause, CL_DEV_USED);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].id), 2);
	ck_assert(!vq_dev_broken(fx.vq));
}
END_TEST

START_TEST(push_refuses_a_len_above_the_writable_bytes)
{
	struct vc_elem e;

	desc(0, BUF(0), 16, F_N, 1);
	desc(1, BUF(1), 32, F_W | F_N, 2);
	desc(2, BUF(2), 8, F_W, 0);
	make_avail(0);
	desc(4, BUF(4), 100, 0, 0);   /* no writable bytes at all */
	make_avail(4);
	pop_ok(&e);
	pop_ok(&e);

	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 41), -1);
	ck_assert_int_eq(vq_dev_push(fx.vq, 4, 1), -1);
	ck_assert_uint_eq(fx.log.n, 2);
	ck_assert_str_eq(fx.log.v[0].clause, CL_DEV_USED);
	ck_assert_int_eq(fx.log.v[0].sev, VC_SEV_RECORD);
	ck_assert_str_eq(fx.log.v[1].clause, CL_DEV_USED);
	ck_assert_int_eq(fx.log.v[1].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 2);

	/* exactly the writable bytes, and 0 for a read-only chain, are fine */
	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 40), 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 4, 0), 0);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].id), 0);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].len), 40);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[1].id), 4);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[1].len), 0);
	ck_assert_uint_eq(fx.log.n, 2);
}
END_TEST

/* ====================================================== element copies */

static void fill(uint64_t gpa, uint8_t start, unsigned len)
{
	uint8_t *p = gm_translate(fx.drv, gpa, len, GM_WRITE);
	unsigned i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(start + i);
}

static uint8_t *drv_bytes(uint64_t gpa, unsigned len)
{
	uint8_t *p = gm_translate(fx.drv, gpa, len, GM_READ);

	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(elem_read_and_write_span_segments)
{
	const uint64_t a = BUF(1), b = R0_END - 7, c = BUF(3) + 1, d = R2_END - 20;
	uint8_t out[64], src[64], exp[64];
	struct vc_elem e;
	unsigned i;

	fill(a, 0x10, 10);
	fill(b, 0x40, 7);
	memset(drv_bytes(c, 5), 0xee, 5);
	memset(drv_bytes(d, 20), 0xee, 20);
	desc(0, a, 10, F_N, 1);
	desc(1, b, 7, F_N, 2);
	desc(2, c, 5, F_W | F_N, 3);
	desc(3, d, 20, F_W, 0);
	make_avail(0);
	pop_ok(&e);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(0xa0 + i);

	/* reads see only the readable bytes, concatenated */
	memcpy(exp, drv_bytes(a, 10), 10);
	memcpy(exp + 10, drv_bytes(b, 7), 7);
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 0, out, sizeof(out)), 17);
	ck_assert_mem_eq(out, exp, 17);
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 8, out, 5), 5);
	ck_assert_mem_eq(out, exp + 8, 5);
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 10, out, 100), 7);
	ck_assert_mem_eq(out, exp + 10, 7);
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 17, out, 1), 0);

	/* writes land in the writable bytes only, across the two segments */
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 0, src, 25), 25);
	ck_assert_mem_eq(drv_bytes(c, 5), src, 5);
	ck_assert_mem_eq(drv_bytes(d, 20), src + 5, 20);
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 3, src + 30, 100), 22);
	ck_assert_mem_eq(drv_bytes(c, 5), src, 3);
	ck_assert_mem_eq(drv_bytes(c + 3, 2), src + 30, 2);
	ck_assert_mem_eq(drv_bytes(d, 20), src + 32, 20);
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 25, src, 1), 0);
	/* the readable bytes were never touched */
	ck_assert_mem_eq(drv_bytes(a, 10), exp, 10);
	ck_assert_mem_eq(drv_bytes(b, 7), exp + 10, 7);
	assert_no_violation();
}
END_TEST

/*
 * The element is the device's to hold and it may come back altered (a
 * plugin is untrusted): vq_elem_write() copies into segments flagged
 * writable only, and vq_elem_read() out of readable ones only, whatever the
 * counts claim.
 */
START_TEST(elem_copies_never_cross_segment_direction)
{
	struct vc_seg segs[2] = {
		{ .gpa = BUF(1), .len = 8, .writable = 1 },
		{ .gpa = BUF(2), .len = 8, .writable = 0 },
	};
	struct vc_elem e = {
		.head = 0, .n_readable = 1, .n_writable = 1,
		.readable_bytes = 8, .writable_bytes = 8, .segs = segs,
	};
	uint8_t out[16], zero[8];

	memset(zero, 0, sizeof(zero));
	fill(BUF(1), 0x30, 8);
	ck_assert_int_eq(gm_track_enable(fx.dev, true), 0);
	/* the "writable" slot holds a readable segment: nothing is written */
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 0, "12345678", 8), 0);
	ck_assert_mem_eq(drv_bytes(BUF(2), 8), zero, 8);
	ck_assert_uint_eq(gm_track_total(fx.dev), 0);
	/* the "readable" slot holds a writable segment: nothing is read */
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 0, out, sizeof(out)), 0);
}
END_TEST

/*
 * With write tracking on the device's view, every byte the device obtained
 * write access to is inside a writable segment (or the used ring, which is
 * mapped once at enable and therefore not in the tracked set here).
 */
START_TEST(device_writes_only_inside_writable_segments)
{
	struct virtq_desc *t = table_at(IND(0), 3);
	uint8_t big[256], out[256];
	struct vc_elem e;
	uint64_t wtotal = 0;
	unsigned k;

	desc(3, BUF(0), 40, F_N, 5);
	desc(5, BUF(1), 30, F_W | F_N, 6);
	desc(6, IND(0), 48, F_I, 0);
	put_desc(t, 0, BUF(2), 20, F_W | F_N, 1);
	put_desc(t, 1, BUF(3) + 7, 0, F_W | F_N, 2);
	put_desc(t, 2, R2_END - 10, 10, F_W, 0);
	make_avail(3);

	ck_assert_int_eq(gm_track_enable(fx.dev, true), 0);
	ck_assert_uint_eq(gm_track_total(fx.dev), 0);
	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 3);
	memset(big, 0x77, sizeof(big));
	ck_assert_uint_eq(vq_elem_read(fx.dev, &e, 0, out, sizeof(out)), 40);
	ck_assert_uint_eq(gm_track_total(fx.dev), 0);
	ck_assert_uint_eq(vq_elem_write(fx.dev, &e, 0, big, sizeof(big)), 60);
	ck_assert_int_eq(vq_dev_push(fx.vq, 3, 60), 0);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 1);

	for (k = 0; k < e.n_readable + e.n_writable; k++) {
		const struct vc_seg *s = &e.segs[k];
		uint64_t n = gm_track_count(fx.dev, s->gpa, s->len);

		ck_assert_uint_eq(n, s->writable ? s->len : 0);
		wtotal += n;
	}
	ck_assert_uint_eq(wtotal, 60);
	ck_assert_uint_eq(gm_track_total(fx.dev), wtotal);
	ck_assert_uint_eq(gm_track_count(fx.dev, DESC_GPA, virtq_desc_bytes(QSZ)), 0);
	ck_assert_uint_eq(gm_track_count(fx.dev, AVAIL_GPA, virtq_avail_bytes(QSZ)), 0);
	ck_assert_uint_eq(gm_track_count(fx.dev, IND(0), 48), 0);
	ck_assert_uint_eq(gm_track_count(fx.dev, BUF(0), 40), 0);
	assert_no_violation();
}
END_TEST

/* ====================================================== driver notifies */

START_TEST(avail_event_tracks_consumption_with_event_idx)
{
	struct vc_elem e;

	fx_enable(QSZ, true, true);
	*virtq_avail_event(fx.used, QSZ) = cpu_to_le16(0xbeef);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert_uint_eq(avail_event(), 0);

	desc(0, BUF(0), 8, 0, 0);
	desc(1, BUF(1), 8, 0, 0);
	make_avail(0);
	make_avail(1);
	pop_ok(&e);
	ck_assert_uint_eq(avail_event(), 1);
	pop_ok(&e);
	ck_assert_uint_eq(avail_event(), 2);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert_uint_eq(avail_event(), 2);

	/* re-asking for notifications republishes the current position */
	vq_dev_set_notify(fx.vq, false);
	desc(2, BUF(2), 8, 0, 0);
	make_avail(2);
	pop_ok(&e);
	vq_dev_set_notify(fx.vq, true);
	ck_assert_uint_eq(avail_event(), 3);
	/* the used ring flags are not the mechanism with EVENT_IDX */
	ck_assert_uint_eq(le16_to_cpu(fx.used->flags), 0);
	assert_no_violation();
}
END_TEST

START_TEST(used_flags_and_no_avail_event_without_event_idx)
{
	struct vc_elem e;

	*virtq_avail_event(fx.used, QSZ) = cpu_to_le16(0xbeef);
	vq_dev_set_notify(fx.vq, false);
	ck_assert_uint_eq(le16_to_cpu(fx.used->flags), VIRTQ_USED_F_NO_NOTIFY);
	vq_dev_set_notify(fx.vq, true);
	ck_assert_uint_eq(le16_to_cpu(fx.used->flags), 0);

	desc(0, BUF(0), 8, 0, 0);
	make_avail(0);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	/* avail_event only exists with EVENT_IDX */
	ck_assert_uint_eq(avail_event(), 0xbeef);
	assert_no_violation();
}
END_TEST

/* ============================================================ index wrap */

#define WRAP_QSZ    4
#define WRAP_CYCLES 70000u

START_TEST(indices_wrap_past_65536_cycles)
{
	const struct vq_dev_stats *st;
	struct vc_elem e;
	uint32_t i;

	fx_enable(WRAP_QSZ, true, true);
	st = vq_dev_stats(fx.vq);
	for (i = 0; i < WRAP_CYCLES; i++) {
		uint16_t head = (uint16_t)((i * 3) % WRAP_QSZ), u;
		uint64_t buf = BUF(head);
		uint32_t stamp = i;

		desc(head, buf, 4, F_W, 0);
		make_avail(head);
		if (vq_dev_pop(fx.vq, &e) != VC_POP_OK || e.head != head || e.writable_bytes != 4)
			ck_abort_msg("cycle %u: pop failed or wrong element", i);
		if (avail_event() != (uint16_t)(i + 1))
			ck_abort_msg("cycle %u: avail_event %u", i, avail_event());
		if (vq_elem_write(fx.dev, &e, 0, &stamp, 4) != 4)
			ck_abort_msg("cycle %u: elem write", i);
		if (vq_dev_push(fx.vq, head, 4) != 0)
			ck_abort_msg("cycle %u: push refused", i);
		set_used_event((uint16_t)i);
		if (!vq_dev_flush(fx.vq))
			ck_abort_msg("cycle %u: used_event %u crossed but no notification", i,
				     (uint16_t)i);
		u = used_idx();
		if (u != (uint16_t)(i + 1) ||
		    le32_to_cpu(fx.used->ring[i % WRAP_QSZ].id) != head ||
		    le32_to_cpu(fx.used->ring[i % WRAP_QSZ].len) != 4 ||
		    memcmp(drv_bytes(buf, 4), &stamp, 4) != 0)
			ck_abort_msg("cycle %u: used idx %u or used element wrong", i, u);
	}
	ck_assert_uint_eq(used_idx(), (uint16_t)WRAP_CYCLES);
	ck_assert_uint_eq(avail_event(), (uint16_t)WRAP_CYCLES);
	ck_assert_uint_eq(st->popped, WRAP_CYCLES);
	ck_assert_uint_eq(st->pushed, WRAP_CYCLES);
	ck_assert_uint_eq(st->notifications, WRAP_CYCLES);
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 0);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	ck_assert(!vq_dev_broken(fx.vq));
	assert_no_violation();
}
END_TEST

/* =================================================================== reset */

START_TEST(reset_makes_a_broken_queue_usable_again)
{
	struct vc_elem e;

	m_self_loop();
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN);
	ck_assert(vq_dev_broken(fx.vq));
	ck_assert_uint_eq(fx.log.n, 1);

	vq_dev_reset(fx.vq);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert(!vq_dev_enabled(fx.vq));
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, 0);
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 0);
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN); /* off until enabled */

	/* the driver re-initialises its rings, then enables again */
	memset(fx.avail, 0, virtq_avail_bytes(QSZ));
	memset(fx.used, 0, virtq_used_bytes(QSZ));
	fx_enable(QSZ, false, true);
	ck_assert(vq_dev_enabled(fx.vq));
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_EMPTY);
	desc(0, BUF(0), 16, F_W, 0);
	make_avail(0);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 16), 0);
	ck_assert(vq_dev_flush(fx.vq));
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(fx.log.n, 1);
	ck_assert(!vq_dev_broken(fx.vq));
}
END_TEST

START_TEST(in_order_chain_wrapping_to_slot_0_is_accepted)
{
	struct vc_elem e;

	fx_enable_in_order();
	desc(QSZ - 1, BUF(0), 16, F_N, 0);
	desc(0, BUF(1), 16, F_N | F_W, 1);
	desc(1, BUF(2), 16, F_W, 0);
	make_avail(QSZ - 1);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, QSZ - 1);
	ck_assert_uint_eq(e.n_readable + e.n_writable, 3);
	assert_no_violation();
}
END_TEST

START_TEST(in_order_push_out_of_order_is_a_host_error)
{
	struct vc_elem e;

	fx_enable_in_order();
	desc(0, BUF(0), 16, F_W, 1);
	desc(1, BUF(1), 16, F_W, 2);
	make_avail(0);
	make_avail(1);
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.vq, 1, 16), -1);
	ck_assert_uint_eq(fx.log.n, 1);
	ck_assert_str_eq(fx.log.v[0].clause, CL_DEV_RESERVED);
	ck_assert_int_eq(fx.log.v[0].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.vq));
	ck_assert_uint_eq(vq_dev_inflight(fx.vq), 2);
	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 16), 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 1, 16), 0);
	ck_assert_uint_eq(fx.log.n, 1);
}
END_TEST

START_TEST(in_order_flush_writes_one_used_entry_per_batch)
{
	struct vc_elem e;
	unsigned i;

	fx_enable_in_order();
	for (i = 0; i < 5; i++) {
		desc(i, BUF(i), 16, F_W, (uint16_t)(i + 1));
		make_avail((uint16_t)i);
		pop_ok(&e);
	}
	ck_assert_int_eq(vq_dev_push(fx.vq, 0, 16), 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 1, 16), 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 2, 5), 0);
	/* staged until the flush */
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].len), 0);
	vq_dev_flush(fx.vq);
	/* the entry at the batch's first offset names its last buffer; idx
	 * moves by the batch size */
	ck_assert_uint_eq(used_idx(), 3);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].id), 2);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[0].len), 5);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[1].len), 0);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->used_entries, 1);
	/* a partly written buffer ends its batch */
	ck_assert_int_eq(vq_dev_push(fx.vq, 3, 1), 0);
	ck_assert_int_eq(vq_dev_push(fx.vq, 4, 16), 0);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), 5);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[3].id), 3);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[3].len), 1);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[4].id), 4);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->used_entries, 3);
	assert_no_violation();
}
END_TEST

/*
 * A pushed head may be made available again before flush publishes it, so a
 * driver that recycles one head has the device push it more times than the
 * queue has entries between two flushes. The staging array holds QSZ
 * entries: past that the device writes the used entries at once (and
 * flush publishes them all), instead of writing past the array (a heap
 * overflow fuzz_vq_batch found under ASan).
 */
START_TEST(in_order_recycled_head_pushed_past_the_queue_size_before_a_flush)
{
	struct vc_elem e;
	unsigned i, rounds = 3 * QSZ + 1;

	fx_enable_in_order();
	desc(0, BUF(0), 16, F_W, 1);
	for (i = 0; i < rounds; i++) {
		make_avail(0);
		pop_ok(&e);
		ck_assert_uint_eq(e.head, 0);
		ck_assert_int_eq(vq_dev_push(fx.vq, 0, 16), 0);
	}
	assert_no_violation();
	/* the entries written early are not published before the flush */
	ck_assert_uint_eq(used_idx(), 0);
	vq_dev_flush(fx.vq);
	ck_assert_uint_eq(used_idx(), (uint16_t)rounds);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->pushed, rounds);
	ck_assert_uint_eq(le32_to_cpu(fx.used->ring[(rounds - 1) & (QSZ - 1)].id), 0);
	assert_no_violation();
}
END_TEST

START_TEST(set_broken_refuses_work_without_report)
{
	struct vc_elem e;

	desc(0, BUF(0), 16, 0, 0);
	make_avail(0);
	vq_dev_set_broken(fx.vq);
	ck_assert(vq_dev_broken(fx.vq));
	ck_assert_int_eq(vq_dev_pop(fx.vq, &e), VC_POP_BROKEN);
	ck_assert_uint_eq(vq_dev_stats(fx.vq)->descs_walked, 0);
	assert_no_violation();
	/* only reset (and a fresh enable) lifts it */
	vq_dev_reset(fx.vq);
	fx_enable(QSZ, false, true);
	pop_ok(&e);
	assert_no_violation();
}
END_TEST

static Suite *vq_dev_suite(void)
{
	Suite *s = suite_create("vq_dev");
	TCase *tc;

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, hostile_driver_is_refused_once_and_bounded, 0, N_HOSTILE);
	suite_add_tcase(s, tc);

	tc = tcase_create("accept");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pop_builds_element_in_chain_order);
	tcase_add_test(tc, pop_on_empty_ring_and_disabled_queue);
	tcase_add_test(tc, vring_base_counts_the_avail_ring_positions_consumed);
	tcase_add_test(tc, zero_length_descriptors_are_accepted_and_not_segments);
	tcase_add_test(tc, buffers_ending_at_the_last_byte_of_a_region_are_accepted);
	tcase_add_test(tc, direct_descriptors_then_final_indirect_are_accepted);
	tcase_add_test(tc, indirect_only_chain_follows_next_inside_table);
	tcase_add_test(tc, write_flag_on_indirect_descriptor_is_ignored);
	tcase_add_test(tc, chain_of_exactly_queue_size_is_accepted);
	tcase_add_test(tc, indirect_table_of_exactly_queue_size_entries_is_accepted);
	tcase_add_test(tc, chain_totalling_exactly_2_32_bytes_is_accepted);
	tcase_add_test(tc, indirect_table_at_unaligned_address_is_accepted);
	tcase_add_test(tc, ring_parts_ending_at_a_region_end_are_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("used");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, push_writes_used_element_and_flush_publishes_idx);
	tcase_add_test(tc, notification_without_event_idx_follows_no_interrupt);
	tcase_add_test(tc, notification_with_event_idx_follows_used_event);
	tcase_add_test(tc, avail_flags_with_event_idx_are_ignored_and_recorded);
	tcase_add_test(tc, bad_avail_flags_without_event_idx_are_recorded_not_fatal);
	tcase_add_test(tc, push_refuses_an_id_that_is_not_outstanding);
	tcase_add_test(tc, push_refuses_a_len_above_the_writable_bytes);
	tcase_add_test(tc, avail_event_tracks_consumption_with_event_idx);
	tcase_add_test(tc, used_flags_and_no_avail_event_without_event_idx);
	suite_add_tcase(s, tc);

	tc = tcase_create("copy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, elem_read_and_write_span_segments);
	tcase_add_test(tc, elem_copies_never_cross_segment_direction);
	tcase_add_test(tc, device_writes_only_inside_writable_segments);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, indices_wrap_past_65536_cycles);
	tcase_add_test(tc, reset_makes_a_broken_queue_usable_again);
	tcase_add_test(tc, set_broken_refuses_work_without_report);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("in_order");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, in_order_chain_wrapping_to_slot_0_is_accepted);
	tcase_add_test(tc, in_order_push_out_of_order_is_a_host_error);
	tcase_add_test(tc, in_order_flush_writes_one_used_entry_per_batch);
	tcase_add_test(tc, in_order_recycled_head_pushed_past_the_queue_size_before_a_flush);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vq_dev_suite)
