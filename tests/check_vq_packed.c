// SPDX-License-Identifier: Apache-2.0
/*
 * Packed virtqueue (VIRTIO 1.2 2.8), both sides, through the one vq_dev_* /
 * vq_drv_* API with cfg.packed set.
 *
 * - "dev-hostile": the test plays a hostile DRIVER, writing raw packed
 *   descriptors through the driver's view; the device side must refuse each
 *   ring state once, with the exact label, its walk bounded.
 * - "drv-hostile": the test plays a hostile DEVICE, writing raw used
 *   descriptors through the device's view; the driver side must refuse each.
 * - the remaining cases run the real driver against the real device (two views
 *   of one memfd), across many wraps of both ring wrap counters, with queue
 *   sizes that are not powers of two, indirect tables, all three event
 *   suppression modes in both directions, IN_ORDER batching and reset.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "gm.h"
#include "vq.h"
#include "vq_packed_layout.h"
#include "virtiocheck/clause.h"

/* R0 (buffers) and R1 are adjacent; R2 (rings, tables) sits after a hole */
#define R0_GPA   0x10000ull
#define R0_SIZE  0x100000ull
#define R1_GPA   (R0_GPA + R0_SIZE)
#define R1_SIZE  0x10000ull
#define R2_GPA   0x1000000ull
#define R2_SIZE  0x200000ull
#define R0_END   (R0_GPA + R0_SIZE)
#define R1_END   (R1_GPA + R1_SIZE)
#define R2_END   (R2_GPA + R2_SIZE)
#define HOLE_GPA 0x800000ull

#define QSZ      6          /* not a power of two */
#define QINDEX   2
#define DRV_EV   (R2_GPA + 0x104) /* 4-aligned, not 8 */
#define DEV_EV   (R2_GPA + 0x208)
#define DESC_GPA (R2_GPA + 0x1000)
#define IND_GPA  (R2_GPA + 0x100000) /* raw tables (hostile driver), 0x1000 apart */
#define IND(k)   (IND_GPA + 0x1000ull * (k))
#define POOL_GPA (R2_GPA + 0x100010) /* the driver side's indirect pool */
#define BUF(k)   (R0_GPA + 0x1000ull * (k))
#define QMAX     32768

#define F_N VIRTQ_DESC_F_NEXT
#define F_W VIRTQ_DESC_F_WRITE
#define F_I VIRTQ_DESC_F_INDIRECT
#define F_A VIRTQ_DESC_F_AVAIL
#define F_U VIRTQ_DESC_F_USED

_Static_assert(DESC_GPA + 16ull * QMAX <= IND_GPA, "ring overlaps the tables");

#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

#define LOG_MAX 16

struct sink_log {
	unsigned n;
	struct {
		const char *clause;
		enum vc_severity sev;
		uint16_t queue;
		uint32_t head;
		char msg[192];
	} v[LOG_MAX];
};

static void record(void *owner, const struct vc_violation *v)
{
	struct sink_log *log = owner;

	if (log->n < LOG_MAX) {
		log->v[log->n].clause = v->clause;
		log->v[log->n].sev = v->severity;
		log->v[log->n].queue = v->queue;
		log->v[log->n].head = v->head;
		memcpy(log->v[log->n].msg, v->msg, sizeof(log->v[0].msg));
	}
	log->n++;
}

static struct fx {
	gm_t *gm;
	gm_view_t *drv_view;
	gm_view_t *dev_view;
	vq_dev_t *dev;
	vq_drv_t *drv;
	struct vq_cfg cfg;
	struct sink_log dev_log; /* the device side's findings */
	struct sink_log drv_log; /* the driver side's findings */
	int enable_rc;
	/* the hostile driver's view of the ring and its wrap counter */
	struct pvirtq_desc *ring;
	struct pvirtq_event_suppress *drv_ev;
	struct pvirtq_event_suppress *dev_ev;
	uint16_t slot;
	bool wrap;
	/* the hostile device's view and position */
	struct pvirtq_desc *dring;
	uint16_t uslot;
	bool uwrap;
} fx;

static void setup(void)
{
	static const struct gm_region_spec regions[] = {
		{ R0_GPA, R0_SIZE },
		{ R1_GPA, R1_SIZE },
		{ R2_GPA, R2_SIZE },
	};

	memset(&fx, 0, sizeof(fx));
	vc_test_memory(regions, 3, &fx.gm, &fx.drv_view, &fx.dev_view);
	fx.dev = vq_dev_new(fx.dev_view, record, &fx.dev_log);
	fx.drv = vq_drv_new(fx.drv_view, record, &fx.drv_log);
	ck_assert_ptr_nonnull(fx.dev);
	ck_assert_ptr_nonnull(fx.drv);
}

static void teardown(void)
{
	vq_dev_free(fx.dev);
	vq_drv_free(fx.drv);
	gm_view_unmap(fx.drv_view);
	gm_view_unmap(fx.dev_view);
	gm_destroy(fx.gm);
	memset(&fx, 0, sizeof(fx));
}

static struct vq_cfg packed_cfg(uint16_t size, bool event_idx, bool indirect, bool in_order)
{
	return (struct vq_cfg){ .index = QINDEX, .size = size, .desc = DESC_GPA,
				.driver = DRV_EV, .device = DEV_EV, .event_idx = event_idx,
				.indirect = indirect, .packed = true, .in_order = in_order };
}

static void map_views(uint16_t size)
{
	fx.ring = gm_translate(fx.drv_view, DESC_GPA, 16ull * size, GM_WRITE);
	fx.dring = gm_translate(fx.dev_view, DESC_GPA, 16ull * size, GM_WRITE);
	fx.drv_ev = gm_translate(fx.drv_view, DRV_EV, 4, GM_WRITE);
	fx.dev_ev = gm_translate(fx.drv_view, DEV_EV, 4, GM_WRITE);
	ck_assert_ptr_nonnull(fx.ring);
	ck_assert_ptr_nonnull(fx.dring);
	fx.slot = fx.uslot = 0;
	fx.wrap = fx.uwrap = true;
}

/* the device side alone; the test is the driver */
static int dev_enable_cfg(struct vq_cfg c)
{
	fx.cfg = c;
	fx.enable_rc = vq_dev_enable(fx.dev, &fx.cfg);
	if (fx.enable_rc == 0) {
		map_views(c.size);
		memset(fx.ring, 0, 16ull * c.size);
		memset(fx.drv_ev, 0, 4);
		memset(fx.dev_ev, 0, 4);
	}
	return fx.enable_rc;
}

static void dev_only(uint16_t size, bool event_idx, bool indirect, bool in_order)
{
	ck_assert_int_eq(dev_enable_cfg(packed_cfg(size, event_idx, indirect, in_order)), 0);
}

/* both sides on one ring */
static void pair(uint16_t size, bool event_idx, bool indirect, bool in_order, uint16_t ind_max)
{
	fx.cfg = packed_cfg(size, event_idx, indirect, in_order);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, ind_max ? POOL_GPA : 0, ind_max), 0);
	ck_assert_int_eq(vq_dev_enable(fx.dev, &fx.cfg), 0);
	map_views(size);
}

static void dev_setup(void)
{
	setup();
	dev_only(QSZ, false, true, false);
}

static void drv_setup(void)
{
	setup();
	fx.cfg = packed_cfg(QSZ, false, true, false);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, POOL_GPA, 4), 0);
	map_views(QSZ);
}

/* ------------------------------------------------ the hostile driver */

static void raw(uint16_t slot, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	fx.ring[slot].addr = cpu_to_le64(addr);
	fx.ring[slot].len = cpu_to_le32(len);
	fx.ring[slot].id = cpu_to_le16(id);
	le16_store_release(&fx.ring[slot].flags, flags);
}

/* the next descriptor, available for the driver's wrap counter */
static void avail(uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	raw(fx.slot, addr, len, id, (uint16_t)(flags | pvirtq_avail_flags(fx.wrap)));
	if (++fx.slot == fx.cfg.size) {
		fx.slot = 0;
		fx.wrap = !fx.wrap;
	}
}

static void put_table(uint64_t gpa, unsigned k, uint64_t addr, uint32_t len, uint16_t flags)
{
	struct pvirtq_desc *t = gm_translate(fx.drv_view, gpa + 16ull * k, 16, GM_WRITE);

	ck_assert_ptr_nonnull(t);
	t->addr = cpu_to_le64(addr);
	t->len = cpu_to_le32(len);
	t->id = cpu_to_le16(0);
	t->flags = cpu_to_le16(flags);
}

static void pop_ok(struct vc_elem *e)
{
	ck_assert_int_eq(vq_dev_pop(fx.dev, e), VC_POP_OK);
}

static void m_avail_and_used_both_set(void)
{
	/* wrap counter 1: AVAIL=USED=1 is a used descriptor's pattern */
	raw(0, BUF(0), 16, 0, F_A | F_U);
}

static void m_avail_and_used_both_set_second_lap(void)
{
	struct vc_elem e;
	unsigned i;

	for (i = 0; i < QSZ; i++) {
		avail(BUF(i), 16, (uint16_t)i, 0);
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 0), 0);
		vq_dev_flush(fx.dev);
	}
	/* wrap counter 0 now: AVAIL = USED = 0 is a used descriptor's
	 * pattern for this lap, never an available one */
	raw(0, BUF(0), 16, 0, 0);
}

static void m_first_made_available_before_the_rest(void)
{
	avail(BUF(0), 16, 0, F_N);
	/* slot 1 still zero: not available */
}

static void m_chain_longer_than_queue(void)
{
	unsigned i;

	for (i = 0; i < QSZ; i++)
		avail(BUF(i), 16, 0, F_N);
}

static void m_list_runs_into_outstanding_slots(void)
{
	struct vc_elem e;

	avail(BUF(0), 16, 1, F_N);
	avail(BUF(1), 16, 1, F_N);
	avail(BUF(2), 16, 1, F_N);
	avail(BUF(3), 16, 1, 0);
	pop_ok(&e);
	/* slots 0..3 are out; slots 4, 5 and then 0 (lap 2) again */
	avail(BUF(4), 16, 2, F_N);
	avail(BUF(5), 16, 2, F_N);
	avail(BUF(6), 16, 2, 0);
}

static void m_duplicate_outstanding_id(void)
{
	struct vc_elem e;

	avail(BUF(0), 16, 7, 0);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 7);
	avail(BUF(1), 16, 7, F_W);
}

static void m_duplicate_outstanding_id_below_queue_size(void)
{
	struct vc_elem e;

	avail(BUF(0), 16, 2, 0);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 2);
	avail(BUF(1), 16, 2, F_W);
}

/* one-descriptor buffers fill the ring; slot 0 comes round again while
 * its buffer is still out */
static void m_one_descriptor_runs_into_outstanding_slots(void)
{
	struct vc_elem e;
	unsigned i;

	for (i = 0; i < QSZ; i++) {
		avail(BUF(i), 16, (uint16_t)i, F_W);
		pop_ok(&e);
	}
	avail(BUF(0), 16, QSZ, F_W);
}

static void m_indirect_with_next(void)
{
	put_table(IND(0), 0, BUF(0), 16, 0);
	avail(IND(0), 16, 0, F_I | F_N);
	avail(BUF(1), 16, 0, F_W);
}

static void m_indirect_after_direct(void)
{
	put_table(IND(0), 0, BUF(0), 16, F_W);
	avail(BUF(1), 16, 0, F_N);
	avail(IND(0), 16, 0, F_I);
}

static void m_indirect_without_feature(void)
{
	dev_only(QSZ, false, false, false);
	put_table(IND(0), 0, BUF(0), 16, 0);
	avail(IND(0), 16, 0, F_I);
}

static void m_nested_indirect(void)
{
	put_table(IND(1), 0, BUF(0), 16, 0);
	put_table(IND(0), 0, IND(1), 16, F_I);
	avail(IND(0), 16, 0, F_I);
}

static void m_indirect_len_zero(void)
{
	put_table(IND(0), 0, BUF(0), 16, 0);
	avail(IND(0), 0, 0, F_I);
}

static void m_indirect_len_not_multiple_of_16(void)
{
	put_table(IND(0), 0, BUF(0), 16, 0);
	put_table(IND(0), 1, BUF(1), 16, 0);
	avail(IND(0), 24, 0, F_I);
}

static void m_indirect_longer_than_queue(void)
{
	unsigned k;

	for (k = 0; k <= QSZ; k++)
		put_table(IND(0), k, BUF(k), 16, 0);
	avail(IND(0), 16 * (QSZ + 1), 0, F_I);
}

static void m_indirect_table_in_hole(void)
{
	avail(HOLE_GPA, 32, 0, F_I);
}

static void m_indirect_table_wraps_2_64(void)
{
	avail(0xfffffffffffffff0ull, 32, 0, F_I);
}

static void m_indirect_table_straddles_region_end(void)
{
	avail(R2_END - 16, 32, 0, F_I);
}

static void m_indirect_entry_in_hole(void)
{
	put_table(IND(0), 0, BUF(0), 16, 0);
	put_table(IND(0), 1, HOLE_GPA, 16, F_W);
	avail(IND(0), 32, 0, F_I);
}

static void m_readable_after_writable(void)
{
	avail(BUF(0), 16, 0, F_W | F_N);
	avail(BUF(1), 16, 0, 0);
}

static void m_readable_after_writable_in_table(void)
{
	put_table(IND(0), 0, BUF(0), 16, F_W);
	put_table(IND(0), 1, BUF(1), 16, 0);
	avail(IND(0), 32, 0, F_I);
}

static void m_buffer_in_hole(void)
{
	avail(HOLE_GPA, 16, 0, 0);
}

static void m_addr_plus_len_wraps_2_64(void)
{
	avail(0xfffffffffffff000ull, 0x2000, 0, 0);
}

static void m_buffer_straddles_adjacent_regions(void)
{
	avail(R0_END - 8, 16, 0, 0);
}

static void m_huge_len(void)
{
	avail(BUF(0), 0xffffffffu, 0, 0);
}

static void m_second_descriptor_in_hole(void)
{
	avail(BUF(0), 16, 0, F_N);
	avail(R1_END, 16, 0, F_W);
}

static void m_enable_desc_misaligned(void)
{
	struct vq_cfg c = packed_cfg(QSZ, false, true, false);

	c.desc += 8;
	dev_enable_cfg(c);
}

static void m_enable_driver_area_misaligned(void)
{
	struct vq_cfg c = packed_cfg(QSZ, false, true, false);

	c.driver += 2;
	dev_enable_cfg(c);
}

static void m_enable_device_area_misaligned(void)
{
	struct vq_cfg c = packed_cfg(QSZ, false, true, false);

	c.device += 2;
	dev_enable_cfg(c);
}

static void m_enable_ring_in_hole(void)
{
	struct vq_cfg c = packed_cfg(QSZ, false, true, false);

	c.desc = HOLE_GPA;
	dev_enable_cfg(c);
}

static void m_enable_ring_straddles_region_end(void)
{
	struct vq_cfg c = packed_cfg(QSZ, false, true, false);

	c.desc = R2_END - 64;
	dev_enable_cfg(c);
}

static void m_enable_size_zero(void)
{
	dev_enable_cfg(packed_cfg(0, false, true, false));
}

static void m_enable_size_over_32768(void)
{
	dev_enable_cfg(packed_cfg(40000, false, true, false));
}

enum stage { AT_POP, AT_ENABLE };

struct hostile {
	const char *name;
	void (*mutate)(void);
	const char *clause;
	enum stage stage;
};

static const struct hostile dev_hostile[] = {
	{ "AVAIL and USED both set for wrap counter 1", m_avail_and_used_both_set, CL_DRV_PDESC,
	  AT_POP },
	{ "AVAIL and USED both set on the second lap", m_avail_and_used_both_set_second_lap,
	  CL_DRV_PDESC, AT_POP },
	{ "first descriptor available before the rest", m_first_made_available_before_the_rest,
	  CL_DRV_PSG, AT_POP },
	{ "list longer than the queue size", m_chain_longer_than_queue, CL_DRV_PSG, AT_POP },
	{ "list runs into slots of an outstanding buffer", m_list_runs_into_outstanding_slots,
	  CL_DRV_PDESC, AT_POP },
	{ "buffer id made available twice while outstanding", m_duplicate_outstanding_id,
	  CL_DRV_PDESC, AT_POP },
	{ "buffer id below the queue size made available twice",
	  m_duplicate_outstanding_id_below_queue_size, CL_DRV_PDESC, AT_POP },
	{ "one-descriptor buffer runs into slots of outstanding buffers",
	  m_one_descriptor_runs_into_outstanding_slots, CL_DRV_PDESC, AT_POP },
	{ "INDIRECT with NEXT", m_indirect_with_next, CL_DRV_PINDIRECT, AT_POP },
	{ "INDIRECT after a direct descriptor of the list", m_indirect_after_direct,
	  CL_DRV_PINDIRECT, AT_POP },
	{ "INDIRECT without VIRTIO_F_INDIRECT_DESC", m_indirect_without_feature, CL_DRV_PINDIRECT,
	  AT_POP },
	{ "nested indirect", m_nested_indirect, CL_DRV_PINDIRECT, AT_POP },
	{ "indirect len 0", m_indirect_len_zero, CL_DRV_PINDIRECT, AT_POP },
	{ "indirect len not a multiple of 16", m_indirect_len_not_multiple_of_16, CL_DRV_PINDIRECT,
	  AT_POP },
	{ "indirect table longer than the queue size", m_indirect_longer_than_queue,
	  CL_DRV_PINDIRECT, AT_POP },
	{ "indirect table in a hole", m_indirect_table_in_hole, CL_DRV_PINDIRECT, AT_POP },
	{ "indirect table addr + len wraps 2^64", m_indirect_table_wraps_2_64, CL_DRV_PINDIRECT,
	  AT_POP },
	{ "indirect table straddles a region end", m_indirect_table_straddles_region_end,
	  CL_DRV_PINDIRECT, AT_POP },
	{ "indirect entry buffer in a hole", m_indirect_entry_in_hole, CL_DRV_PINDIRECT, AT_POP },
	{ "readable after writable", m_readable_after_writable, CL_DRV_PSG, AT_POP },
	{ "readable after writable inside an indirect table", m_readable_after_writable_in_table,
	  CL_DRV_PSG, AT_POP },
	{ "buffer in a hole", m_buffer_in_hole, CL_DRV_PDESC, AT_POP },
	{ "addr + len wraps 2^64", m_addr_plus_len_wraps_2_64, CL_DRV_PDESC, AT_POP },
	{ "buffer straddles two adjacent regions", m_buffer_straddles_adjacent_regions,
	  CL_DRV_PDESC, AT_POP },
	{ "len 0xffffffff at a valid address", m_huge_len, CL_DRV_PDESC, AT_POP },
	{ "second descriptor of a list in a hole", m_second_descriptor_in_hole, CL_DRV_PDESC,
	  AT_POP },
	{ "misaligned descriptor ring", m_enable_desc_misaligned, CL_DRV_PACKED, AT_ENABLE },
	{ "misaligned driver event suppression", m_enable_driver_area_misaligned, CL_DRV_PACKED,
	  AT_ENABLE },
	{ "misaligned device event suppression", m_enable_device_area_misaligned, CL_DRV_PACKED,
	  AT_ENABLE },
	{ "descriptor ring in a hole", m_enable_ring_in_hole, CL_DRV_PACKED, AT_ENABLE },
	{ "descriptor ring straddles a region end", m_enable_ring_straddles_region_end,
	  CL_DRV_PACKED, AT_ENABLE },
	{ "queue size 0", m_enable_size_zero, CL_DRV_PCI_COMMON, AT_ENABLE },
	{ "queue size above 32768", m_enable_size_over_32768, CL_DRV_PCI_COMMON, AT_ENABLE },
};

#define N_DEV_HOSTILE (int)(sizeof(dev_hostile) / sizeof(dev_hostile[0]))

START_TEST(hostile_driver_is_refused_once_and_bounded)
{
	const struct hostile *h = &dev_hostile[_i];
	const struct vq_dev_stats *st = vq_dev_stats(fx.dev);
	uint64_t popped, walked;
	uint32_t inflight;
	struct vc_elem e;

	h->mutate();
	popped = st->popped;
	inflight = vq_dev_inflight(fx.dev);
	if (h->stage == AT_ENABLE) {
		ck_assert_msg(fx.enable_rc == -1, "%s: enable accepted", h->name);
		ck_assert_msg(!vq_dev_enabled(fx.dev), "%s: queue enabled", h->name);
	} else {
		ck_assert_msg(fx.dev_log.n == 0, "%s: the setup itself was refused: %s", h->name,
			      fx.dev_log.v[0].msg);
		ck_assert_msg(vq_dev_pop(fx.dev, &e) == VC_POP_BROKEN, "%s: pop not refused",
			      h->name);
	}
	ck_assert_msg(fx.dev_log.n == 1, "%s: %u reports", h->name, fx.dev_log.n);
	ck_assert_msg(strcmp(fx.dev_log.v[0].clause, h->clause) == 0,
		      "%s: clause %s, expected %s (%s)", h->name, fx.dev_log.v[0].clause, h->clause,
		      fx.dev_log.v[0].msg);
	ck_assert_int_eq(fx.dev_log.v[0].sev, VC_SEV_FATAL);
	ck_assert_uint_eq(fx.dev_log.v[0].queue, QINDEX);
	ck_assert(fx.dev_log.v[0].msg[0] != '\0');
	ck_assert_msg(vq_dev_broken(fx.dev), "%s: queue not broken", h->name);
	walked = st->descs_walked;
	ck_assert_msg(walked <= (uint64_t)vq_dev_walk_limit(fx.dev) * (popped + 1),
		      "%s: walked %llu", h->name, (unsigned long long)walked);
	ck_assert_uint_eq(st->popped, popped);
	ck_assert_uint_eq(vq_dev_inflight(fx.dev), inflight);
	/* refused from now on, silently, without walking again */
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_BROKEN);
	ck_assert_int_eq(vq_dev_push(fx.dev, 0, 0), -1);
	ck_assert(!vq_dev_flush(fx.dev));
	ck_assert_uint_eq(fx.dev_log.n, 1);
	ck_assert_uint_eq(st->descs_walked, walked);
}
END_TEST

/* ------------------------------------------- the device side accepts */

static void assert_seg(const struct vc_elem *e, unsigned k, uint64_t gpa, uint32_t len, bool w)
{
	ck_assert_uint_lt(k, e->n_readable + e->n_writable);
	ck_assert_uint_eq(e->segs[k].gpa, gpa);
	ck_assert_uint_eq(e->segs[k].len, len);
	ck_assert_uint_eq(e->segs[k].writable, w ? 1 : 0);
}

static void assert_no_dev_violation(void)
{
	ck_assert_msg(fx.dev_log.n == 0, "unexpected violation: %s: %s", fx.dev_log.v[0].clause,
		      fx.dev_log.v[0].msg);
}

START_TEST(pop_takes_the_id_from_the_last_descriptor)
{
	struct vc_elem e;

	avail(BUF(0), 16, 0x1111, F_N);
	avail(BUF(1), 32, 0x2222, F_N | F_W);
	avail(BUF(2), 0, 0x3333, F_N | F_W); /* zero length: no segment */
	avail(BUF(3), 64, 0xabcd, F_W);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 0xabcd);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 2);
	ck_assert_uint_eq(e.readable_bytes, 16);
	ck_assert_uint_eq(e.writable_bytes, 96);
	assert_seg(&e, 0, BUF(0), 16, false);
	assert_seg(&e, 1, BUF(1), 32, true);
	assert_seg(&e, 2, BUF(3), 64, true);
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 4);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	assert_no_dev_violation();
}
END_TEST

START_TEST(any_16_bit_buffer_id_is_accepted)
{
	static const uint16_t ids[] = { 0xffff, QSZ, 0x8000, 0 };
	struct vc_elem e;
	unsigned i;

	for (i = 0; i < 4; i++)
		avail(BUF(i), 16, ids[i], F_W);
	for (i = 0; i < 4; i++) {
		pop_ok(&e);
		ck_assert_uint_eq(e.head, ids[i]);
	}
	/* pushed in another order, each by its id */
	ck_assert_int_eq(vq_dev_push(fx.dev, 0x8000, 1), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 0xffff, 2), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 0, 3), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, QSZ, 4), 0);
	ck_assert_uint_eq(vq_dev_inflight(fx.dev), 0);
	vq_dev_flush(fx.dev);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].id), 0x8000);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[1].id), 0xffff);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[2].id), 0);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[3].id), QSZ);
	assert_no_dev_violation();
}
END_TEST

START_TEST(indirect_table_flags_other_than_write_are_ignored)
{
	struct vc_elem e;

	/* NEXT and a bogus id inside the table, WRITE on the ring
	 * descriptor: reserved or ignored (2.8.7) */
	put_table(IND(0), 0, BUF(0), 16, F_N);
	put_table(IND(0), 1, BUF(1), 0, F_N);
	put_table(IND(0), 2, BUF(2), 48, F_W | F_N | F_A);
	avail(IND(0), 48, 9, F_I | F_W);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 9);
	ck_assert_uint_eq(e.n_readable, 1);
	ck_assert_uint_eq(e.n_writable, 1);
	assert_seg(&e, 0, BUF(0), 16, false);
	assert_seg(&e, 1, BUF(2), 48, true);
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 1);
	assert_no_dev_violation();
}
END_TEST

START_TEST(indirect_table_of_queue_size_entries_at_odd_address_is_accepted)
{
	struct vc_elem e;
	unsigned k;

	for (k = 0; k < QSZ; k++)
		put_table(IND(0) + 8, k, BUF(k), 16, k < 2 ? 0 : F_W);
	avail(IND(0) + 8, 16 * QSZ, 3, F_I);
	pop_ok(&e);
	ck_assert_uint_eq(e.n_readable + e.n_writable, QSZ);
	assert_no_dev_violation();
}
END_TEST

START_TEST(list_of_exactly_queue_size_wrapping_the_ring_is_accepted)
{
	struct vc_elem e;
	unsigned i;

	/* move to slot 4 first, so the list wraps and its tail has wrap 0 */
	for (i = 0; i < 4; i++) {
		avail(BUF(i), 16, (uint16_t)i, F_W);
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 16), 0);
	}
	vq_dev_flush(fx.dev);
	for (i = 0; i < QSZ; i++)
		avail(BUF(i), 16, 77, i + 1 < QSZ ? F_N : 0);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 77);
	ck_assert_uint_eq(e.n_readable, QSZ);
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), QSZ);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	assert_no_dev_violation();
}
END_TEST

START_TEST(vring_base_holds_both_slots_with_their_wrap_counters)
{
	struct vc_elem e;
	unsigned i;

	/* slot 0 of lap 1 (wrap counters 1) on both sides */
	ck_assert_uint_eq(vq_dev_vring_base(fx.dev), 0x80008000u);
	avail(BUF(0), 16, 0, F_N);
	avail(BUF(1), 16, 0, 0);
	pop_ok(&e);
	ck_assert_uint_eq(vq_dev_vring_base(fx.dev), 0x80008002u);
	ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 0), 0);
	vq_dev_flush(fx.dev);
	/* the used descriptor of the 2-slot list skips both slots */
	ck_assert_uint_eq(vq_dev_vring_base(fx.dev), 0x80028002u);
	for (i = 2; i < QSZ; i++) {
		avail(BUF(i), 16, (uint16_t)i, 0);
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 0), 0);
	}
	vq_dev_flush(fx.dev);
	/* both wrapped: slot 0 of lap 2, wrap counters 0 */
	ck_assert_uint_eq(vq_dev_vring_base(fx.dev), 0);
	assert_no_dev_violation();
}
END_TEST

START_TEST(stale_descriptors_of_earlier_laps_read_as_empty)
{
	struct vc_elem e;
	unsigned i;

	/* lap 1: a 2-descriptor list at 0..1 and singles; the device writes
	 * a used descriptor only over slot 0, slot 1 keeps lap 1's flags */
	avail(BUF(0), 16, 0, F_N);
	avail(BUF(1), 16, 0, 0);
	for (i = 2; i < QSZ; i++)
		avail(BUF(i), 16, (uint16_t)i, 0);
	for (i = 0; i < QSZ - 1; i++) {
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 0), 0);
	}
	vq_dev_flush(fx.dev);
	/* lap 2, wrap 0: slot 0 is the old used descriptor, slot 1 the old
	 * available one -- neither is available now */
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	avail(BUF(0), 16, 1, 0);
	pop_ok(&e);
	ck_assert_uint_eq(e.head, 1);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	assert_no_dev_violation();
}
END_TEST

START_TEST(used_descriptor_is_written_at_flush_and_skips_the_list)
{
	struct vc_elem e;

	avail(BUF(0), 16, 4, F_N);
	avail(BUF(1), 16, 4, F_N | F_W);
	avail(BUF(2), 16, 4, F_W);
	avail(BUF(3), 16, 5, 0);
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, 4, 20), 0);
	/* staged: slot 0 still shows the available descriptor */
	ck_assert(pvirtq_is_avail(le16_to_cpu(fx.ring[0].flags), true));
	vq_dev_flush(fx.dev);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].flags), F_A | F_U | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].id), 4);
	ck_assert_uint_eq(le32_to_cpu(fx.ring[0].len), 20);
	ck_assert_uint_eq(le64_to_cpu(fx.ring[0].addr), BUF(0)); /* unused, untouched */
	/* the next used descriptor goes 3 slots on; no WRITE for len 0 */
	ck_assert_int_eq(vq_dev_push(fx.dev, 5, 0), 0);
	vq_dev_flush(fx.dev);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[3].flags), F_A | F_U);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[3].id), 5);
	ck_assert(pvirtq_is_avail(le16_to_cpu(fx.ring[1].flags), true));
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 0);
	assert_no_dev_violation();
}
END_TEST

START_TEST(used_descriptors_of_the_second_lap_carry_wrap_0)
{
	struct vc_elem e;
	unsigned i;

	for (i = 0; i < QSZ + 2; i++) {
		avail(BUF(i), 16, (uint16_t)i, F_W);
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 8), 0);
		vq_dev_flush(fx.dev);
	}
	ck_assert_uint_eq(le16_to_cpu(fx.ring[QSZ - 1].flags), F_A | F_U | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].flags), F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].id), QSZ);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[1].flags), F_W);
	assert_no_dev_violation();
}
END_TEST

/* ------------------- one-descriptor fast path against the list walk */

struct elem_copy {
	struct vc_elem e;
	struct vc_seg segs[2];
};

static void pop_copy(struct elem_copy *c)
{
	unsigned k;

	pop_ok(&c->e);
	ck_assert_uint_le(c->e.n_readable + c->e.n_writable, 2);
	for (k = 0; k < c->e.n_readable + c->e.n_writable; k++)
		c->segs[k] = c->e.segs[k];
}

static void assert_same_elem(const struct elem_copy *a, const struct elem_copy *b,
			     const char *what)
{
	unsigned k;

	ck_assert_msg(a->e.head == b->e.head && a->e.n_readable == b->e.n_readable &&
			      a->e.n_writable == b->e.n_writable && a->e.reserved == b->e.reserved &&
			      a->e.readable_bytes == b->e.readable_bytes &&
			      a->e.writable_bytes == b->e.writable_bytes,
		      "%s: element differs", what);
	for (k = 0; k < a->e.n_readable + a->e.n_writable; k++)
		ck_assert_msg(a->segs[k].gpa == b->segs[k].gpa && a->segs[k].len == b->segs[k].len &&
				      a->segs[k].writable == b->segs[k].writable,
			      "%s: segment %u differs", what, k);
}

static void push_flush(uint32_t head)
{
	ck_assert_int_eq(vq_dev_push(fx.dev, head, 0), 0);
	vq_dev_flush(fx.dev);
}

/*
 * A one-descriptor buffer (the fast path) gives the element the list walk
 * gives for the same buffer followed by a zero-length descriptor, and the
 * indirect walk for a one-entry table: readable and writable, empty, and
 * ids in the direct range, at its end and far above it.
 */
START_TEST(one_descriptor_element_equals_the_list_walk_element)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
		uint16_t id, flags;
	} shapes[] = {
		{ BUF(1), 16, 0, 0 },        { BUF(2), 64, QSZ - 1, F_W },
		{ BUF(3), 0, 1, 0 },         { BUF(4), 0, 2, F_W },
		{ R1_END - 8, 8, 0xffff, F_W }, { R0_GPA, 1, QSZ, 0 },
	};
	unsigned i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct elem_copy one, list, ind;

		avail(shapes[i].addr, shapes[i].len, shapes[i].id, shapes[i].flags);
		pop_copy(&one);
		ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 1);
		push_flush(one.e.head);

		avail(shapes[i].addr, shapes[i].len, 0x5555, (uint16_t)(shapes[i].flags | F_N));
		avail(BUF(9), 0, shapes[i].id, shapes[i].flags);
		pop_copy(&list);
		push_flush(list.e.head);
		assert_same_elem(&one, &list, "list");

		put_table(IND(i), 0, shapes[i].addr, shapes[i].len, shapes[i].flags);
		avail(IND(i), 16, shapes[i].id, F_I);
		pop_copy(&ind);
		push_flush(ind.e.head);
		assert_same_elem(&one, &ind, "indirect table");
		ck_assert_uint_eq(one.e.head, shapes[i].id);
		ck_assert_uint_eq(one.e.n_readable + one.e.n_writable, shapes[i].len ? 1 : 0);
	}
	ck_assert_uint_eq(vq_dev_inflight(fx.dev), 0);
	assert_no_dev_violation();
}
END_TEST

/* Hostile one-descriptor buffers reach the choke point with the clause and
 * the wording of the list walk: even _i alone, odd _i after a zero-length
 * descriptor of the same list. */
static const struct {
	uint64_t addr;
	uint32_t len;
} bad_buffers[] = {
	{ HOLE_GPA, 16 },
	{ 0xfffffffffffff000ull, 0x2000 },
	{ R0_END - 8, 16 },
	{ BUF(0), 0xffffffffu },
	{ R2_END, 1 },
};

#define N_BAD_BUFFERS (int)(sizeof(bad_buffers) / sizeof(bad_buffers[0]))

START_TEST(hostile_one_descriptor_reports_as_the_list_walk)
{
	const uint64_t addr = bad_buffers[_i / 2].addr;
	const uint32_t len = bad_buffers[_i / 2].len;
	const unsigned slot = _i % 2;
	char want[192];
	struct vc_elem e;

	if (slot)
		avail(BUF(0), 0, 0x4444, F_N);
	avail(addr, len, 3, 0);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_BROKEN);
	snprintf(want, sizeof(want), "descriptor in slot %u buffer 0x%llx+%u not inside guest memory",
		 slot, (unsigned long long)addr, len);
	ck_assert_uint_eq(fx.dev_log.n, 1);
	ck_assert_str_eq(fx.dev_log.v[0].clause, CL_DRV_PDESC);
	ck_assert_uint_eq(fx.dev_log.v[0].head, 3);
	ck_assert_int_eq(fx.dev_log.v[0].sev, VC_SEV_FATAL);
	ck_assert_str_eq(fx.dev_log.v[0].msg, want);
	ck_assert(vq_dev_broken(fx.dev));
	ck_assert_uint_eq(vq_dev_inflight(fx.dev), 0);
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 0);
}
END_TEST

/* Ids below the queue size live in a flat table, the others in a hash
 * table: each is outstanding once, pushed once, and free again after. */
START_TEST(ids_in_and_above_the_queue_size_are_claimed_and_freed_alike)
{
	static const uint16_t ids[] = { 0, QSZ - 1, QSZ, 0xffff, 40503, 3 };
	struct vc_elem e;
	unsigned i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < QSZ; i++) {
			avail(BUF(i), 16, ids[i], F_W);
			pop_ok(&e);
			ck_assert_uint_eq(e.head, ids[i]);
		}
		ck_assert_uint_eq(vq_dev_inflight(fx.dev), QSZ);
		/* every one is outstanding: a second push of one not taken */
		for (i = QSZ; i-- > 0;)
			ck_assert_int_eq(vq_dev_push(fx.dev, ids[i], 16), 0);
		for (i = 0; i < QSZ; i++)
			ck_assert_int_eq(vq_dev_push(fx.dev, ids[i], 0), -1);
		ck_assert_uint_eq(fx.dev_log.n, (round + 1) * QSZ);
		vq_dev_flush(fx.dev);
		ck_assert_uint_eq(vq_dev_inflight(fx.dev), 0);
	}
	ck_assert(!vq_dev_broken(fx.dev));
}
END_TEST

START_TEST(push_refuses_ids_and_lens_the_driver_did_not_post)
{
	struct vc_elem e;

	avail(BUF(0), 32, 3, F_W);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, 4, 0), -1);
	ck_assert_int_eq(vq_dev_push(fx.dev, 0x10003, 0), -1);
	ck_assert_int_eq(vq_dev_push(fx.dev, 3, 33), -1);
	ck_assert_uint_eq(fx.dev_log.n, 3);
	ck_assert_str_eq(fx.dev_log.v[0].clause, CL_DEV_PDESC);
	ck_assert_str_eq(fx.dev_log.v[1].clause, CL_DEV_PDESC);
	ck_assert_str_eq(fx.dev_log.v[2].clause, CL_DEV_PDESC);
	ck_assert_int_eq(fx.dev_log.v[2].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.dev));
	ck_assert_int_eq(vq_dev_push(fx.dev, 3, 32), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 3, 32), -1); /* no longer outstanding */
	ck_assert(vq_dev_flush(fx.dev));
}
END_TEST

/* ------------------------------- event suppression, device side decides */

static void drv_event(uint16_t flags, uint16_t off, bool wrap)
{
	fx.drv_ev->off_wrap = cpu_to_le16(pvirtq_off_wrap(off, wrap));
	fx.drv_ev->flags = cpu_to_le16(flags);
}

/* make one single-descriptor buffer available, pop and push it, flush */
static bool one_used(void)
{
	struct vc_elem e;

	avail(BUF(0), 16, 0, F_W);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 1), 0);
	return vq_dev_flush(fx.dev);
}

START_TEST(flush_notifies_per_driver_event_flags_enable_and_disable)
{
	drv_event(RING_EVENT_FLAGS_ENABLE, 0, false);
	ck_assert(one_used());
	drv_event(RING_EVENT_FLAGS_DISABLE, 0, false);
	ck_assert(!one_used());
	ck_assert(!one_used());
	/* DESC and the reserved value without EVENT_IDX read as ENABLE */
	drv_event(RING_EVENT_FLAGS_DESC, 5, true);
	ck_assert(one_used());
	drv_event(3, 5, true);
	ck_assert(one_used());
	/* reserved bits above the two flag bits do not matter */
	drv_event(0xfffc | RING_EVENT_FLAGS_DISABLE, 0, false);
	ck_assert(!one_used());
	ck_assert_uint_eq(vq_dev_stats(fx.dev)->notifications, 3);
	assert_no_dev_violation();
}
END_TEST

START_TEST(flush_notifies_at_the_driver_event_descriptor)
{
	unsigned i;

	dev_only(QSZ, true, true, false);
	/* slot 2 of lap 1 (wrap 1) */
	drv_event(RING_EVENT_FLAGS_DESC, 2, true);
	ck_assert(!one_used()); /* slot 0 */
	ck_assert(!one_used()); /* slot 1 */
	ck_assert(one_used());  /* slot 2 */
	ck_assert(!one_used()); /* slot 3 */
	/* slot 1 of lap 2 (wrap 0): not in lap 1 */
	drv_event(RING_EVENT_FLAGS_DESC, 1, false);
	ck_assert(!one_used()); /* 4 */
	ck_assert(!one_used()); /* 5 */
	ck_assert(!one_used()); /* 0, lap 2 */
	ck_assert(one_used());  /* 1, lap 2 */
	/* an event slot inside a batch counts */
	drv_event(RING_EVENT_FLAGS_DESC, 3, false);
	for (i = 0; i < 3; i++) {
		struct vc_elem e;

		avail(BUF(i), 16, (uint16_t)i, F_W);
		pop_ok(&e);
		ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 1), 0);
	}
	ck_assert(vq_dev_flush(fx.dev)); /* slots 2, 3, 4 */
	ck_assert_uint_eq(vq_dev_stats(fx.dev)->notifications, 3);
	assert_no_dev_violation();
}
END_TEST

START_TEST(set_notify_writes_the_device_event_structure)
{
	struct vc_elem e;

	vq_dev_set_notify(fx.dev, false);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->flags), RING_EVENT_FLAGS_DISABLE);
	vq_dev_set_notify(fx.dev, true);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->flags), RING_EVENT_FLAGS_ENABLE);

	dev_only(QSZ, true, true, false);
	vq_dev_set_notify(fx.dev, true);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->flags), RING_EVENT_FLAGS_DESC);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->off_wrap), pvirtq_off_wrap(0, true));
	/* it follows consumption, across the wrap */
	avail(BUF(0), 16, 0, F_N);
	avail(BUF(1), 16, 0, F_N);
	avail(BUF(2), 16, 0, F_N);
	avail(BUF(3), 16, 0, F_N);
	avail(BUF(4), 16, 0, 0);
	pop_ok(&e);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->off_wrap), pvirtq_off_wrap(5, true));
	ck_assert_int_eq(vq_dev_push(fx.dev, 0, 0), 0);
	vq_dev_flush(fx.dev);
	avail(BUF(5), 16, 1, 0);
	pop_ok(&e);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->off_wrap), pvirtq_off_wrap(0, false));
	vq_dev_set_notify(fx.dev, false);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->flags), RING_EVENT_FLAGS_DISABLE);
	/* suppressed: consumption no longer moves the event */
	ck_assert_int_eq(vq_dev_push(fx.dev, 1, 0), 0);
	vq_dev_flush(fx.dev);
	avail(BUF(0), 16, 2, 0);
	pop_ok(&e);
	ck_assert_uint_eq(le16_to_cpu(fx.dev_ev->off_wrap), pvirtq_off_wrap(0, false));
	assert_no_dev_violation();
}
END_TEST

/* ------------------------------------------------- IN_ORDER, device side */

START_TEST(in_order_push_out_of_order_is_a_host_error)
{
	struct vc_elem e;

	dev_only(QSZ, false, true, true);
	avail(BUF(0), 16, 10, F_W);
	avail(BUF(1), 16, 11, F_W);
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, 11, 1), -1);
	ck_assert_uint_eq(fx.dev_log.n, 1);
	ck_assert_str_eq(fx.dev_log.v[0].clause, CL_DEV_RESERVED);
	ck_assert_int_eq(fx.dev_log.v[0].sev, VC_SEV_RECORD);
	ck_assert(!vq_dev_broken(fx.dev));
	ck_assert_int_eq(vq_dev_push(fx.dev, 10, 1), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 11, 1), 0);
	ck_assert_uint_eq(fx.dev_log.n, 1);
}
END_TEST

START_TEST(in_order_batch_writes_one_used_descriptor)
{
	struct vc_elem e;

	dev_only(QSZ, false, true, true);
	/* buffers of 1, 2 and 1 slots; the first two written completely */
	avail(BUF(0), 16, 20, F_W);
	avail(BUF(1), 8, 21, F_N);
	avail(BUF(2), 32, 21, F_W);
	avail(BUF(3), 64, 22, F_W);
	pop_ok(&e);
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, 20, 16), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 21, 32), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 22, 5), 0);
	vq_dev_flush(fx.dev);
	/* one used descriptor over the batch's first slot, for the last id */
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].flags), F_A | F_U | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[0].id), 22);
	ck_assert_uint_eq(le32_to_cpu(fx.ring[0].len), 5);
	ck_assert(pvirtq_is_avail(le16_to_cpu(fx.ring[1].flags), true));
	ck_assert(pvirtq_is_avail(le16_to_cpu(fx.ring[3].flags), true));
	ck_assert_uint_eq(vq_dev_ring_busy(fx.dev), 0);

	/* a partly written buffer ends its batch: two used descriptors */
	avail(BUF(0), 16, 30, F_W);
	avail(BUF(1), 16, 31, F_W);
	avail(BUF(2), 16, 32, F_W);
	pop_ok(&e);
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, 30, 3), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 31, 16), 0);
	ck_assert_int_eq(vq_dev_push(fx.dev, 32, 16), 0);
	vq_dev_flush(fx.dev);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[4].id), 30);
	ck_assert_uint_eq(le32_to_cpu(fx.ring[4].len), 3);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[4].flags), F_A | F_U | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[5].id), 32);
	ck_assert_uint_eq(le16_to_cpu(fx.ring[5].flags), F_A | F_U | F_W);
	/* slot 0 (lap 2), skipped, still holds the available descriptor */
	ck_assert(pvirtq_is_avail(le16_to_cpu(fx.ring[0].flags), false));
	assert_no_dev_violation();
}
END_TEST

/* ------------------------------------------------ the hostile device */

static int add1(uint32_t len, unsigned k)
{
	struct vq_buf in = { BUF(k), len };
	int id = vq_drv_add(fx.drv, NULL, 0, &in, 1, (void *)(uintptr_t)(0x100 + k), false);

	ck_assert_int_ge(id, 0);
	return id;
}

/* a used descriptor at the hostile device's next used slot */
static void used_raw(uint16_t id, uint32_t len, uint16_t flags, uint16_t skip)
{
	struct pvirtq_desc *d = &fx.dring[fx.uslot];

	d->id = cpu_to_le16(id);
	d->len = cpu_to_le32(len);
	le16_store_release(&d->flags, flags);
	fx.uslot = (uint16_t)(fx.uslot + skip);
	if (fx.uslot >= fx.cfg.size) {
		fx.uslot = (uint16_t)(fx.uslot - fx.cfg.size);
		fx.uwrap = !fx.uwrap;
	}
}

static void used(uint16_t id, uint32_t len, uint16_t skip)
{
	used_raw(id, len, (uint16_t)(pvirtq_used_flags(fx.uwrap) | (len ? F_W : 0)), skip);
}

static int get1(uint32_t *len)
{
	void *tok;

	return vq_drv_get(fx.drv, &tok, len);
}

static void d_id_never_posted(void)
{
	add1(16, 0);
	vq_drv_kick_prepare(fx.drv);
	used(4, 1, 1);
}

static void d_id_out_of_range(void)
{
	add1(16, 0);
	vq_drv_kick_prepare(fx.drv);
	used(0xffff, 1, 1);
}

static void d_id_already_completed(void)
{
	uint32_t len;
	int a = add1(16, 0);

	add1(16, 1);
	vq_drv_kick_prepare(fx.drv);
	used((uint16_t)a, 1, 1);
	ck_assert_int_eq(get1(&len), 1);
	used((uint16_t)a, 1, 1);
}

static void d_id_added_but_not_published(void)
{
	int b;

	add1(16, 0);
	vq_drv_kick_prepare(fx.drv);
	b = add1(16, 1);
	used((uint16_t)b, 1, 1);
}

static void d_len_over_writable(void)
{
	int a = add1(16, 0);

	vq_drv_kick_prepare(fx.drv);
	used((uint16_t)a, 17, 1);
}

static void d_avail_clear_used_set(void)
{
	int a = add1(16, 0);

	vq_drv_kick_prepare(fx.drv);
	used_raw((uint16_t)a, 1, F_U | F_W, 1);
}

static void d_used_with_the_old_wrap(void)
{
	int a = add1(16, 0);

	vq_drv_kick_prepare(fx.drv);
	used_raw((uint16_t)a, 1, F_W, 1); /* AVAIL = USED = 0, wrap counter is 1 */
}

static void d_used_with_nothing_outstanding(void)
{
	used(0, 0, 1);
}

static void d_indirect_table_rewritten(void)
{
	struct vq_buf out = { BUF(0), 16 }, in = { BUF(1), 16 };
	struct pvirtq_desc *t;
	int a = vq_drv_add(fx.drv, &out, 1, &in, 1, NULL, true);

	ck_assert_int_ge(a, 0);
	vq_drv_kick_prepare(fx.drv);
	t = gm_translate(fx.dev_view, POOL_GPA + 16ull * 4 * (unsigned)a + 16, 16, GM_WRITE);
	ck_assert_ptr_nonnull(t);
	t->len = cpu_to_le32(4096);
	used((uint16_t)a, 16, 1);
}

static void d_in_order_id_returned_again(void)
{
	uint32_t len;
	int a;

	fx.cfg = packed_cfg(QSZ, false, true, true);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, POOL_GPA, 4), 0);
	a = add1(16, 0);
	add1(16, 1);
	vq_drv_kick_prepare(fx.drv);
	used((uint16_t)a, 16, 1);
	ck_assert_int_eq(get1(&len), 1);
	used((uint16_t)a, 16, 1);
}

struct hostile_dev {
	const char *name;
	void (*mutate)(void);
	const char *clause;
};

static const struct hostile_dev drv_hostile[] = {
	{ "used id never posted", d_id_never_posted, CL_DEV_PDESC },
	{ "used id 0xffff", d_id_out_of_range, CL_DEV_PDESC },
	{ "used id already completed", d_id_already_completed, CL_DEV_PDESC },
	{ "used id added but not yet made available", d_id_added_but_not_published, CL_DEV_PDESC },
	{ "used len above the writable bytes", d_len_over_writable, CL_DEV_PDESC },
	{ "used flags AVAIL clear, USED set", d_avail_clear_used_set, CL_DEV_PDESC },
	{ "used flags of the wrong wrap counter", d_used_with_the_old_wrap, CL_DEV_PDESC },
	{ "used descriptor with nothing outstanding", d_used_with_nothing_outstanding,
	  CL_DEV_PDESC },
	{ "indirect table rewritten by the device", d_indirect_table_rewritten, CL_DEV_PDESC },
	{ "IN_ORDER: a completed id used again", d_in_order_id_returned_again, CL_DEV_RESERVED },
};

#define N_DRV_HOSTILE (int)(sizeof(drv_hostile) / sizeof(drv_hostile[0]))

START_TEST(hostile_device_is_fatal)
{
	const struct hostile_dev *h = &drv_hostile[_i];
	struct vq_buf in = { BUF(9), 8 };
	uint32_t len;
	void *tok;

	h->mutate();
	ck_assert_msg(get1(&len) == -1, "%s: get not refused", h->name);
	ck_assert_msg(fx.drv_log.n == 1, "%s: %u reports", h->name, fx.drv_log.n);
	ck_assert_msg(strcmp(fx.drv_log.v[0].clause, h->clause) == 0,
		      "%s: clause %s, expected %s (%s)", h->name, fx.drv_log.v[0].clause, h->clause,
		      fx.drv_log.v[0].msg);
	ck_assert_int_eq(fx.drv_log.v[0].sev, VC_SEV_FATAL);
	ck_assert_uint_eq(fx.drv_log.v[0].queue, QINDEX);
	ck_assert(vq_drv_broken(fx.drv));
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, NULL, 0, &in, 1, NULL, false), -1);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(fx.drv_log.n, 1);
}
END_TEST

/* --------------------------------------- the driver side, layout checks */

START_TEST(add_writes_the_chain_and_kick_publishes_the_first_flags_last)
{
	struct vq_buf out = { BUF(0), 16 }, in[2] = { { BUF(1), 32 }, { BUF(2), 64 } };
	int id = vq_drv_add(fx.drv, &out, 1, in, 2, NULL, false), id2;

	ck_assert_int_eq(id, 0);
	/* the list's first flags are not written yet: the device sees nothing */
	ck_assert(!pvirtq_is_avail(le16_to_cpu(fx.dring[0].flags), true));
	ck_assert_uint_eq(le16_to_cpu(fx.dring[1].flags), F_A | F_N | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.dring[2].flags), F_A | F_W);
	ck_assert_uint_eq(le16_to_cpu(fx.dring[2].id), 0);
	ck_assert_uint_eq(le64_to_cpu(fx.dring[2].addr), BUF(2));
	ck_assert_uint_eq(le32_to_cpu(fx.dring[2].len), 64);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSZ - 3);
	/* ids are not slots */
	id2 = add1(8, 3);
	ck_assert_int_eq(id2, 1);
	ck_assert_uint_eq(le16_to_cpu(fx.dring[3].id), 1);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(le16_to_cpu(fx.dring[0].flags), F_A | F_N);
	ck_assert_uint_eq(le16_to_cpu(fx.dring[3].flags), F_A | F_W);
	/* nothing new: no kick */
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

/* The one-buffer add: the descriptor and its id at the next slot, the
 * flags held back until kick_prepare, across two laps of the ring. */
START_TEST(one_buffer_add_publishes_its_flags_only_at_kick)
{
	unsigned k;

	for (k = 0; k < 2u * QSZ + 1; k++) {
		struct vq_buf b = { BUF(k % 8), (uint32_t)(16 + k) };
		const bool writable = k % 2;
		const uint16_t slot = (uint16_t)(k % QSZ);
		const bool wrap = (k / QSZ) % 2 == 0;
		uint32_t len;
		void *tok;
		int id;

		id = writable ? vq_drv_add(fx.drv, NULL, 0, &b, 1, (void *)(uintptr_t)(k + 1), false)
			      : vq_drv_add(fx.drv, &b, 1, NULL, 0, (void *)(uintptr_t)(k + 1), false);
		ck_assert_int_ge(id, 0);
		ck_assert_uint_eq(le64_to_cpu(fx.dring[slot].addr), b.gpa);
		ck_assert_uint_eq(le32_to_cpu(fx.dring[slot].len), b.len);
		ck_assert_uint_eq(le16_to_cpu(fx.dring[slot].id), (uint16_t)id);
		ck_assert(!pvirtq_is_avail(le16_to_cpu(fx.dring[slot].flags), wrap));
		ck_assert(vq_drv_kick_prepare(fx.drv));
		ck_assert_uint_eq(le16_to_cpu(fx.dring[slot].flags),
				  pvirtq_avail_flags(wrap) | (writable ? F_W : 0));
		ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSZ - 1);
		used((uint16_t)id, writable ? b.len : 0, 1);
		ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
		ck_assert_ptr_eq(tok, (void *)(uintptr_t)(k + 1));
		ck_assert_uint_eq(len, writable ? b.len : 0);
		ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSZ);
	}
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

START_TEST(add_refuses_what_does_not_fit)
{
	struct vq_buf b[QSZ + 1];
	unsigned k;

	for (k = 0; k <= QSZ; k++)
		b[k] = (struct vq_buf){ BUF(k), 16 };
	ck_assert_int_eq(vq_drv_add(fx.drv, b, QSZ + 1, NULL, 0, NULL, false), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 5, NULL, 0, NULL, true), -1); /* ind_max 4 */
	ck_assert_int_ge(vq_drv_add(fx.drv, b, 4, NULL, 0, NULL, false), 0);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 3, NULL, 0, NULL, false), -1);
	ck_assert_int_ge(vq_drv_add(fx.drv, b, 4, NULL, 0, NULL, true), 0);
	ck_assert_int_ge(vq_drv_add(fx.drv, b, 1, NULL, 0, NULL, false), 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), 0);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 1, NULL, 0, NULL, true), -1);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 3);
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

START_TEST(used_len_without_write_flag_is_ignored)
{
	uint32_t len = 99;
	int a = add1(16, 0);

	vq_drv_kick_prepare(fx.drv);
	ck_assert_int_eq(get1(&len), 0);
	used_raw((uint16_t)a, 0xffffffffu, pvirtq_used_flags(true), 1);
	ck_assert_int_eq(get1(&len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

START_TEST(in_order_batch_completes_every_buffer_up_to_its_id)
{
	void *tok;
	uint32_t len;
	struct vq_buf out = { BUF(5), 8 }, in = { BUF(6), 40 };
	int a, b, c;

	fx.cfg = packed_cfg(QSZ, false, true, true);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, POOL_GPA, 4), 0);
	a = add1(16, 0);
	b = vq_drv_add(fx.drv, &out, 1, &in, 1, (void *)(uintptr_t)0x200, false);
	c = add1(32, 1);
	ck_assert_int_ge(b, 0);
	vq_drv_kick_prepare(fx.drv);
	/* one used descriptor for all three, skipping their 4 slots */
	used((uint16_t)c, 7, 4);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)(uintptr_t)0x100);
	ck_assert_uint_eq(len, 16);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)(uintptr_t)0x200);
	ck_assert_uint_eq(len, 40);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)(uintptr_t)0x101);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 0);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSZ);
	/* the next used descriptor is expected at slot 4 */
	a = add1(16, 2);
	vq_drv_kick_prepare(fx.drv);
	used((uint16_t)a, 1, 1);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, (void *)(uintptr_t)0x102);
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

START_TEST(kick_follows_the_device_event_structure)
{
	struct pvirtq_event_suppress *ev = gm_translate(fx.dev_view, DEV_EV, 4, GM_WRITE);

	/* setup zeroed it: ENABLE */
	ck_assert_uint_eq(le16_to_cpu(ev->flags), 0);
	add1(8, 0);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ev->flags = cpu_to_le16(RING_EVENT_FLAGS_DISABLE);
	add1(8, 1);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	/* DESC without EVENT_IDX, and the reserved value: kick */
	ev->flags = cpu_to_le16(RING_EVENT_FLAGS_DESC);
	add1(8, 2);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ev->flags = cpu_to_le16(3);
	add1(8, 3);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->kicks, 3);

	/* with EVENT_IDX: only when the published range covers off/wrap */
	fx.cfg = packed_cfg(QSZ, true, true, false);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, POOL_GPA, 4), 0);
	ev->off_wrap = cpu_to_le16(pvirtq_off_wrap(1, true));
	ev->flags = cpu_to_le16(RING_EVENT_FLAGS_DESC);
	add1(8, 0);
	ck_assert(!vq_drv_kick_prepare(fx.drv)); /* slot 0 */
	add1(8, 1);
	add1(8, 2);
	ck_assert(vq_drv_kick_prepare(fx.drv)); /* slots 1, 2 */
	ev->off_wrap = cpu_to_le16(pvirtq_off_wrap(1, false)); /* lap 2 */
	add1(8, 3);
	add1(8, 4);
	add1(8, 5);
	ck_assert(!vq_drv_kick_prepare(fx.drv)); /* slots 3, 4, 5 of lap 1 */
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

START_TEST(set_interrupt_writes_the_driver_event_structure)
{
	struct pvirtq_event_suppress *ev = gm_translate(fx.dev_view, DRV_EV, 4, GM_READ);
	uint32_t len;
	int a;

	vq_drv_set_interrupt(fx.drv, false);
	ck_assert_uint_eq(le16_to_cpu(ev->flags), RING_EVENT_FLAGS_DISABLE);
	vq_drv_set_interrupt(fx.drv, true);
	ck_assert_uint_eq(le16_to_cpu(ev->flags), RING_EVENT_FLAGS_ENABLE);

	fx.cfg = packed_cfg(QSZ, true, true, false);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, POOL_GPA, 4), 0);
	fx.uslot = 0;
	fx.uwrap = true;
	vq_drv_set_interrupt(fx.drv, true);
	ck_assert_uint_eq(le16_to_cpu(ev->flags), RING_EVENT_FLAGS_DESC);
	ck_assert_uint_eq(le16_to_cpu(ev->off_wrap), pvirtq_off_wrap(0, true));
	/* it follows the used slot as buffers are reaped */
	{
		struct vq_buf o[3] = { { BUF(0), 8 }, { BUF(1), 8 }, { BUF(2), 8 } };

		a = vq_drv_add(fx.drv, o, 3, NULL, 0, NULL, false);
	}
	vq_drv_kick_prepare(fx.drv);
	used((uint16_t)a, 0, 3);
	ck_assert_int_eq(get1(&len), 1);
	ck_assert_uint_eq(le16_to_cpu(ev->off_wrap), pvirtq_off_wrap(3, true));
	vq_drv_set_interrupt(fx.drv, false);
	ck_assert_uint_eq(le16_to_cpu(ev->flags), RING_EVENT_FLAGS_DISABLE);
	ck_assert_uint_eq(fx.drv_log.n, 0);
}
END_TEST

/* ------------------------------------------- real driver, real device */

#define SEQ_MAX 65536u

static struct rt {
	uint32_t exp_len[SEQ_MAX];  /* by request sequence */
	uint32_t seq_of_id[SEQ_MAX];
	uint64_t writable[SEQ_MAX];
	struct held {
		uint32_t id;
		uint64_t writable;
	} held[QMAX];
	uint32_t n_held;
} rt;

struct rt_opts {
	uint16_t size;
	bool event_idx;
	bool indirect;
	bool in_order;
	unsigned max_chain;
	uint64_t requests;
};

/* Post requests until the ring is full, let the device complete some of what
 * it holds (out of order unless in_order), reap, repeat. Every token and len
 * is checked, and the wrap counters must flip many times. */
static void round_trip(const struct rt_opts *o)
{
	const uint16_t ind_max = o->indirect ? 4 : 0;
	uint64_t seq = 0, reaped = 0, iter = 0;
	struct vc_elem e;

	memset(&rt, 0, sizeof(rt));
	pair(o->size, o->event_idx, o->indirect, o->in_order, ind_max);
	while (reaped < o->requests) {
		unsigned want = 1 + (unsigned)(iter * 7 % 61), n, k;
		void *tok;
		uint32_t len;
		int rc;

		/* post */
		for (n = 0; n < want && seq < reaped + o->size; n++) {
			struct vq_buf b[8];
			unsigned nseg = 1 + (unsigned)(seq % o->max_chain), n_out = nseg / 2;
			bool ind = o->indirect && nseg <= ind_max && seq % 3 == 0;
			uint64_t w = 0;
			int id;

			for (k = 0; k < nseg; k++) {
				b[k] = (struct vq_buf){ BUF((seq + k) % 200), 16 + (uint32_t)(k * 8) };
				if (k >= n_out)
					w += b[k].len;
			}
			id = vq_drv_add(fx.drv, b, n_out, b + n_out, nseg - n_out,
					(void *)(uintptr_t)(seq + 1), ind);
			if (id < 0)
				break; /* full */
			rt.seq_of_id[id] = (uint32_t)seq;
			rt.writable[seq % SEQ_MAX] = w;
			seq++;
		}
		vq_drv_kick_prepare(fx.drv);
		/* the device takes all that is available */
		while ((rc = vq_dev_pop(fx.dev, &e)) == VC_POP_OK) {
			uint32_t s = rt.seq_of_id[e.head];

			REQUIRE(e.writable_bytes == rt.writable[s % SEQ_MAX],
				"request %u: %llu writable bytes", s,
				(unsigned long long)e.writable_bytes);
			rt.held[rt.n_held++] = (struct held){ e.head, e.writable_bytes };
		}
		REQUIRE(rc == VC_POP_EMPTY, "pop %d", rc);
		/* completes part of what it holds: in order, or from the end */
		n = rt.n_held - rt.n_held / 3;
		for (k = 0; k < n; k++) {
			unsigned idx = o->in_order ? k : rt.n_held - 1 - k;
			struct held *h = &rt.held[idx];
			uint32_t wr = (uint32_t)(h->id % 2 ? h->writable : h->writable / 2);

			rt.exp_len[rt.seq_of_id[h->id] % SEQ_MAX] = wr;
			REQUIRE(vq_dev_push(fx.dev, h->id, wr) == 0, "push %u", h->id);
		}
		if (o->in_order)
			memmove(rt.held, rt.held + n, (rt.n_held - n) * sizeof(rt.held[0]));
		rt.n_held -= n;
		vq_dev_flush(fx.dev);
		while ((rc = vq_drv_get(fx.drv, &tok, &len)) == 1) {
			uint64_t s = (uintptr_t)tok - 1;

			REQUIRE(len == rt.exp_len[s % SEQ_MAX], "request %llu: len %u, expected %u",
				(unsigned long long)s, len, rt.exp_len[s % SEQ_MAX]);
			reaped++;
		}
		REQUIRE(rc == 0, "get %d: %s", rc, fx.drv_log.n ? fx.drv_log.v[0].msg : "");
		iter++;
	}
	ck_assert_msg(fx.dev_log.n == 0, "device: %s", fx.dev_log.v[0].msg);
	ck_assert_msg(fx.drv_log.n == 0, "driver: %s", fx.drv_log.v[0].msg);
	ck_assert_uint_eq(vq_dev_stats(fx.dev)->popped, seq);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->reaped, reaped);
	/* many laps: at least 4 wraps of the ring */
	ck_assert_uint_ge(vq_dev_stats(fx.dev)->descs_walked, 4ull * o->size);
}

START_TEST(round_trip_many_wraps_across_queue_sizes)
{
	static const struct rt_opts opts[] = {
		{ 1, false, false, false, 1, 400 },
		{ 3, false, true, false, 3, 3000 },
		{ 255, true, true, false, 5, 20000 },
		{ 1000, false, true, false, 4, 20000 },
		{ 32768, true, false, false, 3, 80000 },
	};

	round_trip(&opts[_i]);
	/* without IN_ORDER one used descriptor per buffer */
	ck_assert_uint_eq(vq_dev_stats(fx.dev)->used_entries, vq_dev_stats(fx.dev)->pushed);
}
END_TEST

START_TEST(round_trip_in_order_batches)
{
	static const struct rt_opts opts[] = {
		{ 3, false, true, true, 3, 3000 },
		{ 255, true, true, true, 5, 20000 },
		{ 1000, false, false, true, 4, 20000 },
	};

	round_trip(&opts[_i]);
	/* batching happened (fewer used descriptors than buffers) and the
	 * driver accepted every batch */
	ck_assert_uint_lt(vq_dev_stats(fx.dev)->used_entries, vq_dev_stats(fx.dev)->pushed);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv) + vq_drv_stats(fx.drv)->reaped,
			  vq_drv_stats(fx.drv)->added);
}
END_TEST

START_TEST(notifications_round_trip_with_event_idx)
{
	struct vc_elem e;
	void *tok;
	uint32_t len;

	pair(QSZ, true, false, false, 0);
	/* the device asks for the next available descriptor */
	vq_dev_set_notify(fx.dev, true);
	add1(8, 0);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	add1(8, 1);
	ck_assert(!vq_drv_kick_prepare(fx.drv)); /* the device has not caught up */
	pop_ok(&e);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	add1(8, 2);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	vq_dev_set_notify(fx.dev, false);
	add1(8, 3);
	ck_assert(!vq_drv_kick_prepare(fx.drv));

	/* the driver asks for the next used descriptor */
	vq_drv_set_interrupt(fx.drv, true);
	ck_assert_int_eq(vq_dev_push(fx.dev, 0, 8), 0);
	ck_assert(vq_dev_flush(fx.dev));
	ck_assert_int_eq(vq_dev_push(fx.dev, 1, 8), 0);
	ck_assert(!vq_dev_flush(fx.dev)); /* not reaped yet: slot 0 was the event */
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 8), 0);
	ck_assert(vq_dev_flush(fx.dev));
	vq_drv_set_interrupt(fx.drv, false);
	pop_ok(&e);
	ck_assert_int_eq(vq_dev_push(fx.dev, e.head, 8), 0);
	ck_assert(!vq_dev_flush(fx.dev));
	ck_assert_uint_eq(fx.dev_log.n + fx.drv_log.n, 0);
}
END_TEST

START_TEST(reset_then_reuse)
{
	struct rt_opts o = { 7, true, true, false, 3, 500 };
	struct vc_elem e;

	/* break both sides, then reset and run again on the same objects */
	dev_only(QSZ, false, true, false);
	raw(0, BUF(0), 16, 0, F_A | F_U);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_BROKEN);
	vq_drv_set_broken(fx.drv);
	vq_dev_reset(fx.dev);
	vq_drv_reset(fx.drv);
	ck_assert(!vq_dev_broken(fx.dev) && !vq_dev_enabled(fx.dev));
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_BROKEN);
	fx.dev_log.n = 0;
	round_trip(&o);
	/* and once more, another queue size on the same objects */
	vq_dev_reset(fx.dev);
	o.size = 16;
	round_trip(&o);
}
END_TEST

START_TEST(ring_geometry_for_both_layouts)
{
	struct vq_ring_geometry g;

	vq_ring_geometry(1000, true, &g);
	ck_assert_uint_eq(g.desc.bytes, 16000);
	ck_assert_uint_eq(g.desc.align, 16);
	ck_assert_uint_eq(g.driver.bytes, 4);
	ck_assert_uint_eq(g.driver.align, 4);
	ck_assert_uint_eq(g.device.bytes, 4);
	ck_assert_uint_eq(g.device.align, 4);
	vq_ring_geometry(256, false, &g);
	ck_assert_uint_eq(g.desc.bytes, 4096);
	ck_assert_uint_eq(g.desc.align, 16);
	ck_assert_uint_eq(g.driver.bytes, 6 + 512);
	ck_assert_uint_eq(g.driver.align, 2);
	ck_assert_uint_eq(g.device.bytes, 6 + 2048);
	ck_assert_uint_eq(g.device.align, 4);
	ck_assert(vq_size_valid(1000, true));
	ck_assert(!vq_size_valid(1000, false));
	ck_assert(vq_size_valid(32768, true) && vq_size_valid(32768, false));
	ck_assert(!vq_size_valid(0, true) && !vq_size_valid(32769, true));
}
END_TEST

START_TEST(driver_setup_refuses_bad_placement)
{
	struct vq_cfg c = packed_cfg(1000, false, false, false);

	ck_assert_int_eq(vq_drv_setup(fx.drv, &c, 0, 0), 0);
	c.driver += 2;
	ck_assert_int_eq(vq_drv_setup(fx.drv, &c, 0, 0), -1);
	c = packed_cfg(0, false, false, false);
	ck_assert_int_eq(vq_drv_setup(fx.drv, &c, 0, 0), -1);
	c = packed_cfg(16, false, false, false);
	c.desc = HOLE_GPA;
	ck_assert_int_eq(vq_drv_setup(fx.drv, &c, 0, 0), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, NULL, 0, &(struct vq_buf){ BUF(0), 8 }, 1, NULL, false),
			 -1);
}
END_TEST

static Suite *vq_packed_suite(void)
{
	Suite *s = suite_create("vq_packed");
	TCase *tc;

	tc = tcase_create("dev-hostile");
	tcase_add_checked_fixture(tc, dev_setup, teardown);
	tcase_add_loop_test(tc, hostile_driver_is_refused_once_and_bounded, 0, N_DEV_HOSTILE);
	suite_add_tcase(s, tc);

	tc = tcase_create("dev");
	tcase_add_checked_fixture(tc, dev_setup, teardown);
	tcase_add_test(tc, pop_takes_the_id_from_the_last_descriptor);
	tcase_add_test(tc, any_16_bit_buffer_id_is_accepted);
	tcase_add_test(tc, indirect_table_flags_other_than_write_are_ignored);
	tcase_add_test(tc, indirect_table_of_queue_size_entries_at_odd_address_is_accepted);
	tcase_add_test(tc, list_of_exactly_queue_size_wrapping_the_ring_is_accepted);
	tcase_add_test(tc, stale_descriptors_of_earlier_laps_read_as_empty);
	tcase_add_test(tc, vring_base_holds_both_slots_with_their_wrap_counters);
	tcase_add_test(tc, used_descriptor_is_written_at_flush_and_skips_the_list);
	tcase_add_test(tc, used_descriptors_of_the_second_lap_carry_wrap_0);
	tcase_add_test(tc, push_refuses_ids_and_lens_the_driver_did_not_post);
	tcase_add_test(tc, one_descriptor_element_equals_the_list_walk_element);
	tcase_add_loop_test(tc, hostile_one_descriptor_reports_as_the_list_walk, 0,
			    2 * N_BAD_BUFFERS);
	tcase_add_test(tc, ids_in_and_above_the_queue_size_are_claimed_and_freed_alike);
	tcase_add_test(tc, flush_notifies_per_driver_event_flags_enable_and_disable);
	tcase_add_test(tc, flush_notifies_at_the_driver_event_descriptor);
	tcase_add_test(tc, set_notify_writes_the_device_event_structure);
	tcase_add_test(tc, in_order_push_out_of_order_is_a_host_error);
	tcase_add_test(tc, in_order_batch_writes_one_used_descriptor);
	suite_add_tcase(s, tc);

	tc = tcase_create("drv-hostile");
	tcase_add_checked_fixture(tc, drv_setup, teardown);
	tcase_add_loop_test(tc, hostile_device_is_fatal, 0, N_DRV_HOSTILE);
	suite_add_tcase(s, tc);

	tc = tcase_create("drv");
	tcase_add_checked_fixture(tc, drv_setup, teardown);
	tcase_add_test(tc, add_writes_the_chain_and_kick_publishes_the_first_flags_last);
	tcase_add_test(tc, add_refuses_what_does_not_fit);
	tcase_add_test(tc, one_buffer_add_publishes_its_flags_only_at_kick);
	tcase_add_test(tc, used_len_without_write_flag_is_ignored);
	tcase_add_test(tc, in_order_batch_completes_every_buffer_up_to_its_id);
	tcase_add_test(tc, kick_follows_the_device_event_structure);
	tcase_add_test(tc, set_interrupt_writes_the_driver_event_structure);
	suite_add_tcase(s, tc);

	tc = tcase_create("pair");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, round_trip_many_wraps_across_queue_sizes, 0, 5);
	tcase_add_loop_test(tc, round_trip_in_order_batches, 0, 3);
	tcase_add_test(tc, notifications_round_trip_with_event_idx);
	tcase_add_test(tc, reset_then_reuse);
	tcase_add_test(tc, ring_geometry_for_both_layouts);
	tcase_add_test(tc, driver_setup_refuses_bad_placement);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vq_packed_suite)
