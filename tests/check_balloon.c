// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-balloon end to end (VIRTIO 1.2 5.5): the balloon driver against
 * the balloon device on a vc_pair, PCI and MMIO. Inflate and deflate
 * accounting with content checks, hostile PFN lists (outside guest memory,
 * in holes, duplicates, huge lists, beyond the cap) recorded without
 * damage, statistics round trips, free page hinting with stale and reused
 * command IDs, page reporting with poison, queue numbering for every
 * feature combination, a misbehaving driver against the device and a
 * misbehaving device against the driver, reset then working again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "balloon.h"
#include "balloon_drv.h"
#include "devices.h"
#include "gm.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define ST_LIVE (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
		 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
#define ST_NR VIRTIO_STATUS_DEVICE_NEEDS_RESET

#define F_TELL   VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST)
#define F_STATS  VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ)
#define F_OOM    VIRTIO_BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM)
#define F_HINT   VIRTIO_BIT(VIRTIO_BALLOON_F_FREE_PAGE_HINT)
#define F_POISON VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)
#define F_REPORT VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_REPORTING)
#define F_RR     VIRTIO_BIT(VIRTIO_F_RING_RESET)
#define F_ALL    (F_TELL | F_STATS | F_OOM | F_HINT | F_POISON | F_REPORT)

static struct vc_pair pr;
static bool pr_open;
static struct vballoon_drv bal;

static void teardown(void)
{
	vballoon_drv_detach(&bal);
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

static void *dev(void)
{
	return vdev_device(pr.core);
}

static void open_pair(const char *args, bool mmio)
{
	if (mmio)
		ck_assert_int_eq(vc_pair_open_mmio(&pr, &vc_balloon_device_ops, args, NULL, NULL, 0),
				 0);
	else
		ck_assert_int_eq(vc_pair_open(&pr, &vc_balloon_device_ops, args, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_BALLOON), 0);
}

static void init_driver(uint64_t wanted)
{
	struct vdrv_config cfg;

	vballoon_drv_config(&cfg, wanted);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vdev_status(pr.core), ST_LIVE);
}

static void open_balloon(const char *args, uint64_t wanted, bool mmio)
{
	open_pair(args, mmio);
	init_driver(wanted);
	ck_assert_int_eq(vballoon_drv_attach(&bal, pr.drv), 0);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vdev_findings(pr.core), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static void assert_device_failed(const char *clause)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	ck_assert_msg(vc_findings_find(f, clause) >= 0, "no device finding citing %s (%u found%s%s)",
		      clause, f->count, f->count ? ": " : "", f->count ? f->v[0].clause : "");
	ck_assert(vdev_status(pr.core) & ST_NR);
}

static void assert_driver_found(const char *clause)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	ck_assert_msg(vc_findings_find(f, clause) >= 0, "no driver finding citing %s (%u found%s%s)",
		      clause, f->count, f->count ? ": " : "", f->count ? f->v[0].clause : "");
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}

static uint32_t pfn_of(uint32_t i)
{
	return (uint32_t)(vballoon_drv_page_gpa(&bal, i) >> VIRTIO_BALLOON_PFN_SHIFT);
}

static void write_page_byte(uint32_t i, uint32_t off, uint8_t v)
{
	ck_assert_int_eq(gm_write(pr.drv_mem, vballoon_drv_page_gpa(&bal, i) + off, &v, 1), 0);
}

static uint32_t cfg32(uint32_t off)
{
	return (uint32_t)vdrv_space_read(pr.drv, VDRV_SPACE_DEVICE, off, 4);
}

static void submit_pfns(uint16_t q, const uint32_t *pfns, size_t n)
{
	le32 *raw = calloc(n, sizeof(*raw));
	size_t k;

	ck_assert_ptr_nonnull(raw);
	for (k = 0; k < n; k++)
		raw[k] = cpu_to_le32(pfns[k]);
	ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, q, raw, n * sizeof(*raw)), 0);
	free(raw);
	vballoon_drv_poll(&bal);
}

/* ------------------------------------------------ inflate and deflate */

START_TEST(inflate_deflate_accounting)
{
	bool mmio = _i & 1, tell = !(_i & 2);
	uint32_t i, in_balloon = 0;

	open_balloon(tell ? "num_pages=24,page_poison=on"
			  : "num_pages=24,page_poison=on,must_tell_host=off",
		     F_ALL & ~F_REPORT, mmio);
	ck_assert_uint_eq(bal.num_pages, 24);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 24);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 24);
	ck_assert_uint_eq(vc_balloon_actual(dev()), 24);
	ck_assert_uint_eq(cfg32(VIRTIO_BALLOON_CFG_ACTUAL), 24);
	for (i = 0; i < VBALLOON_POOL_PAGES; i++) {
		bool in = bal.state[i] == VB_INFLATED;

		ck_assert_int_eq(vc_balloon_is_inflated(dev(), pfn_of(i)), in);
		/* the device overwrote each page before acknowledging */
		ck_assert_int_eq(vc_balloon_page_modified(dev(), pfn_of(i)), in);
		in_balloon += in;
	}
	ck_assert_uint_eq(in_balloon, 24);
	ck_assert_uint_eq(vc_balloon_stats(dev())->pages_modified, 24);
	/* the host wants 20 pages back */
	ck_assert_int_eq(vc_balloon_set_num_pages(dev(), 4), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(bal.num_pages, 4);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 4);
	ck_assert_uint_eq(vc_balloon_actual(dev()), 4);
	ck_assert_uint_eq(vc_balloon_stats(dev())->pages_deflated, 20);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_FREE), VBALLOON_POOL_PAGES - 4);
	/* deflated pages were refilled (poison_val) and kept */
	ck_assert_int_eq(vballoon_drv_check_pages(&bal), 0);
	ck_assert_uint_eq(vc_balloon_poison_val(dev()), VBALLOON_POISON);
	ck_assert_int_eq(vc_balloon_audit(dev()), 0);
	assert_no_findings();
}
END_TEST

START_TEST(deflate_refused_without_need)
{
	bool oom = _i;

	open_balloon(oom ? "num_pages=8,deflate_on_oom=on" : "num_pages=8", F_ALL, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 8);
	/* num_pages == actual: nothing may come back but under OOM */
	ck_assert_int_eq(vballoon_drv_deflate(&bal, 4, false), -1);
	if (oom) {
		ck_assert_int_eq(vballoon_drv_deflate(&bal, 4, true), 4);
		ck_assert_uint_eq(vc_balloon_inflated(dev()), 4);
	} else {
		ck_assert_int_eq(vballoon_drv_deflate(&bal, 4, true), -1);
		ck_assert_uint_eq(vc_balloon_inflated(dev()), 8);
	}
	ck_assert_uint_eq(vc_balloon_stats(dev())->deflate_over_target, 0);
	assert_no_findings();
}
END_TEST

START_TEST(page_used_before_deflate_ack_needs_reset)
{
	uint32_t i;

	open_balloon("num_pages=4", F_TELL, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	for (i = 0; bal.state[i] != VB_INFLATED; i++)
		;
	/* the guest writes a page still in the balloon, then deflates it */
	write_page_byte(i, 100, 0x42);
	submit_pfns(VIRTIO_BALLOON_Q_DEFLATE, (uint32_t[]){ pfn_of(i) }, 1);
	assert_device_failed(CL_DRV_BALLOON_OP);
}
END_TEST

START_TEST(audit_finds_page_used_without_deflate)
{
	uint32_t i;

	open_balloon("num_pages=4,must_tell_host=off", 0, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	ck_assert_int_eq(vc_balloon_audit(dev()), 0);
	for (i = 0; bal.state[i] != VB_INFLATED; i++)
		;
	write_page_byte(i, 7, 0x99);
	ck_assert_int_eq(vc_balloon_audit(dev()), 1);
	assert_device_failed(CL_DRV_BALLOON_OP);
}
END_TEST

START_TEST(reuse_before_ack_allowed_without_tell_host)
{
	uint32_t i;

	open_balloon("num_pages=4,must_tell_host=off", 0, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	for (i = 0; bal.state[i] != VB_INFLATED; i++)
		;
	/* 5.5.6: without MUST_TELL_HOST the page may be reused before the
	 * deflate is acknowledged */
	write_page_byte(i, 0, 1);
	submit_pfns(VIRTIO_BALLOON_Q_DEFLATE, (uint32_t[]){ pfn_of(i) }, 1);
	ck_assert_int_eq(vc_balloon_is_inflated(dev(), pfn_of(i)), 0);
	ck_assert_uint_eq(vdev_status(pr.core), ST_LIVE);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

/* -------------------------------------------------- hostile PFN lists */

START_TEST(hostile_pfn_lists_recorded)
{
	uint32_t good, *many, k;
	const struct vc_balloon_stats *st;
	static const uint8_t odd[6] = { 0x10, 0, 0, 0, 0xaa, 0xbb };

	open_balloon("max_pages=8", 0, _i);
	st = vc_balloon_stats(dev());
	good = pfn_of(0);
	/* a hole between the regions, past the end, the top, gpa 0 page */
	submit_pfns(VIRTIO_BALLOON_Q_INFLATE,
		    (uint32_t[]){ 0x500, 0x410, 0x100200, 0xffffffffu, 0, good, good }, 7);
	ck_assert_uint_eq(st->pfn_outside, 5);
	ck_assert_uint_eq(st->pfn_dup_inflate, 1);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 1);
	/* a trailing half PFN */
	ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_INFLATE, odd, 6), 0);
	vballoon_drv_poll(&bal);
	ck_assert_uint_eq(st->trailing_bytes, 2);
	ck_assert_int_eq(vc_balloon_is_inflated(dev(), 0x10), 1);
	/* a huge list: 16384 PFNs, beyond the cap of 8 */
	many = calloc(16384, sizeof(*many));
	ck_assert_ptr_nonnull(many);
	for (k = 0; k < 16384; k++)
		many[k] = pfn_of(10 + k % 64);
	submit_pfns(VIRTIO_BALLOON_Q_INFLATE, many, 16384);
	free(many);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 8);
	ck_assert_uint_gt(st->pfn_untracked, 0);
	ck_assert_uint_eq(st->pages_inflated - st->pages_deflated, vc_balloon_inflated(dev()));
	/* deflating what is not there */
	submit_pfns(VIRTIO_BALLOON_Q_DEFLATE, (uint32_t[]){ pfn_of(200), 0x500, good }, 3);
	ck_assert_uint_eq(st->pfn_not_inflated, 1);
	ck_assert_uint_eq(st->pfn_outside, 6);
	ck_assert_int_eq(vc_balloon_is_inflated(dev(), good), 0);
	ck_assert_uint_eq(st->pages_inflated - st->pages_deflated, vc_balloon_inflated(dev()));
	ck_assert_uint_eq(bal.stats.raw_used, 4);
	ck_assert_uint_eq(vdev_status(pr.core), ST_LIVE);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

/* ---------------------------------------------------------- statistics */

static void stat_entry(uint8_t *p, uint16_t tag, uint64_t val)
{
	le16 t = cpu_to_le16(tag);
	le64 v = cpu_to_le64(val);

	memcpy(p, &t, 2);
	memcpy(p + 2, &v, 8);
}

START_TEST(stats_round_trip)
{
	struct vc_balloon_guest_stats gs;

	open_balloon(NULL, F_STATS, _i);
	ck_assert_int_eq(vballoon_drv_set_stat(&bal, VIRTIO_BALLOON_S_MEMFREE, 1234), 0);
	ck_assert_int_eq(vballoon_drv_set_stat(&bal, VIRTIO_BALLOON_S_HTLB_PGFAIL, 1), -1);
	ck_assert_int_eq(vc_balloon_guest_stats(dev(), &gs), 0);
	ck_assert_uint_eq(gs.buffers, 1);
	ck_assert_uint_eq(gs.present, VBALLOON_STATS_MASK);
	ck_assert_uint_eq(gs.val[VIRTIO_BALLOON_S_MEMFREE], 0);
	ck_assert_int_eq(vc_balloon_request_stats(dev()), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_int_eq(vc_balloon_guest_stats(dev(), &gs), 0);
	ck_assert_uint_eq(gs.buffers, 2);
	ck_assert_uint_eq(gs.val[VIRTIO_BALLOON_S_MEMFREE], 1234);
	ck_assert_uint_eq(bal.stats.stats_requests, 1);
	ck_assert_uint_eq(bal.stats.stats_sent, 2);
	assert_no_findings();
}
END_TEST

START_TEST(stats_unknown_tags_and_order)
{
	uint8_t buf[11 * VIRTIO_BALLOON_STAT_SIZE];
	struct vc_balloon_guest_stats gs;
	unsigned k;

	memset(buf, 0, sizeof(buf));
	open_balloon(NULL, F_STATS, false);
	ck_assert_int_eq(vc_balloon_request_stats(dev()), 0);
	/* the driver's own buffer is not re-posted (no poll): a raw one with
	 * the same nine tags backwards, an unknown tag between them and a
	 * partial entry at the end */
	for (k = 0; k < 9; k++)
		stat_entry(buf + k * 10, (uint16_t)(8 - k), 100 + k);
	stat_entry(buf + 90, 0x4242, 7);
	ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_STATS, buf, 105), 0);
	ck_assert_int_eq(vc_balloon_guest_stats(dev(), &gs), 0);
	ck_assert_uint_eq(gs.present, VBALLOON_STATS_MASK);
	ck_assert_uint_eq(gs.val[8], 100);
	ck_assert_uint_eq(gs.val[0], 108);
	ck_assert_uint_eq(vc_balloon_stats(dev())->stats_unknown_tags, 1);
	ck_assert_uint_eq(vc_balloon_stats(dev())->stats_partial, 1);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

struct bad_stats {
	const char *args;
	uint32_t n_entries;   /* 0: a 7-byte buffer */
	bool release_first;   /* return the driver's buffer first */
	bool writable;
};

static const struct bad_stats bad_stats[] = {
	{ NULL, 9, false, false },            /* a second buffer */
	{ NULL, 4, true, false },             /* another subset */
	{ "stats_strict=on", 0, true, false },/* not a multiple of 6 */
	{ NULL, 9, true, true },              /* device-writable */
};

START_TEST(stats_misuse_needs_reset)
{
	const struct bad_stats *t = &bad_stats[_i];
	uint8_t buf[9 * VIRTIO_BALLOON_STAT_SIZE];
	uint32_t k, len = t->n_entries ? t->n_entries * 10 : 7;

	open_balloon(t->args, F_STATS, false);
	if (t->release_first)
		ck_assert_int_eq(vc_balloon_request_stats(dev()), 0);
	for (k = 0; k < 9; k++)
		stat_entry(buf + k * 10, (uint16_t)k, k);
	if (t->writable) {
		struct vq_buf in = { vballoon_drv_page_gpa(&bal, 0), 90 };

		ck_assert_int_ge(vballoon_drv_submit_raw(&bal, VIRTIO_BALLOON_Q_STATS, NULL, 0, &in,
							 1, false), 0);
	} else {
		ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_STATS, buf, len),
				 0);
	}
	assert_device_failed(CL_DRV_BALLOON_STATS);
}
END_TEST

START_TEST(stats_second_buffer_replaces_with_ring_reset)
{
	uint8_t buf[9 * VIRTIO_BALLOON_STAT_SIZE];
	uint32_t k;

	/* with RING_RESET a queue reset may have taken the held buffer back:
	 * the new one replaces it */
	open_balloon(NULL, F_STATS | F_RR, false);
	for (k = 0; k < 9; k++)
		stat_entry(buf + k * 10, (uint16_t)k, 5);
	ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_STATS, buf, 90), 0);
	ck_assert_uint_eq(vc_balloon_stats(dev())->stats_buffers, 2);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

/* ------------------------------------------------------ free page hints */

START_TEST(hinting_round_then_done)
{
	const struct vc_balloon_stats *st;
	uint32_t id;

	open_balloon("free_page_hint=on", F_HINT, _i);
	st = vc_balloon_stats(dev());
	id = vc_balloon_hint_start(dev());
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(st->hint_cmd_bufs, 1);
	ck_assert_uint_eq(st->hint_pages, VBALLOON_HINT_AUTO);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_HINTED), VBALLOON_HINT_AUTO);
	/* STOP from the device: pages stay hinted */
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), VIRTIO_BALLOON_CMD_ID_STOP), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_HINTED), VBALLOON_HINT_AUTO);
	/* 2 was issued and the driver sent no STOP: not again */
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), 2), -1);
	ck_assert_int_eq(vballoon_drv_hint_stop(&bal), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(st->hint_stops, 1);
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), 2), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(st->hint_cmd_bufs, 2);
	/* DONE: every hinted page is the driver's again */
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), VIRTIO_BALLOON_CMD_ID_DONE), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_HINTED), 0);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_FREE), VBALLOON_POOL_PAGES);
	ck_assert_int_eq(vballoon_drv_check_pages(&bal), 0);
	assert_no_findings();
}
END_TEST

START_TEST(stale_command_id_hints_ignored)
{
	const struct vc_balloon_stats *st;
	le32 stale = cpu_to_le32(77);
	struct vq_buf in;

	open_balloon("free_page_hint=on", F_HINT, false);
	st = vc_balloon_stats(dev());
	ck_assert_uint_eq(vc_balloon_hint_start(dev()), 2);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_FREE_PAGE, &stale, 4), 0);
	in = (struct vq_buf){ vballoon_drv_page_gpa(&bal, 100), 2 * VIRTIO_BALLOON_PAGE_SIZE };
	ck_assert_int_ge(vballoon_drv_submit_raw(&bal, VIRTIO_BALLOON_Q_FREE_PAGE, NULL, 0, &in, 1,
						 false), 0);
	ck_assert_uint_eq(st->hint_stale_cmd, 1);
	ck_assert_uint_eq(st->hint_ignored, 2 * VIRTIO_BALLOON_PAGE_SIZE);
	ck_assert_uint_eq(st->hint_pages, VBALLOON_HINT_AUTO);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

struct bad_hint {
	uint32_t len;      /* of the output buffer */
	bool current;      /* its ID is the current one */
	bool before_start; /* sent before the driver attached its round */
};

static const struct bad_hint bad_hints[] = {
	{ 4, true, false },   /* a second buffer with the current ID */
	{ 8, false, false },  /* not 4 bytes */
	{ 0, false, true },   /* hints before any command ID */
};

START_TEST(hint_misuse_needs_reset)
{
	const struct bad_hint *t = &bad_hints[_i];
	uint8_t raw[8] = { 0 };
	le32 id;

	open_balloon("free_page_hint=on", F_HINT, false);
	if (t->before_start) {
		struct vq_buf in = { vballoon_drv_page_gpa(&bal, 0), 4096 };

		ck_assert_int_ge(vballoon_drv_submit_raw(&bal, VIRTIO_BALLOON_Q_FREE_PAGE, NULL, 0,
							 &in, 1, false), 0);
	} else {
		ck_assert_uint_eq(vc_balloon_hint_start(dev()), 2);
		ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
		id = cpu_to_le32(t->current ? 2 : 9);
		memcpy(raw, &id, 4);
		ck_assert_int_ge(vballoon_drv_submit_bytes(&bal, VIRTIO_BALLOON_Q_FREE_PAGE, raw,
							   t->len), 0);
	}
	assert_device_failed(CL_DRV_BALLOON_HINT);
}
END_TEST

START_TEST(device_reusing_command_id_found)
{
	open_balloon("free_page_hint=on,hint_reuse=on", F_HINT, false);
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), 5), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), 6), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_uint_eq(bal.stats.hint_cmds, 2);
	ck_assert_int_eq(vc_balloon_set_hint_cmd_id(dev(), 5), 0);
	vballoon_drv_poll(&bal);
	assert_driver_found(CL_DEV_BALLOON_HINT);
	ck_assert_uint_eq(vc_balloon_stats(dev())->hint_cmd_bufs, 2);
}
END_TEST

/* ------------------------------------------------------- page reporting */

START_TEST(reporting_with_poison)
{
	const struct vc_balloon_stats *st;
	uint32_t i;

	open_balloon("page_poison=on,page_reporting=on", F_POISON | F_REPORT, _i);
	st = vc_balloon_stats(dev());
	ck_assert(bal.features & F_REPORT);
	ck_assert_uint_eq(cfg32(VIRTIO_BALLOON_CFG_POISON_VAL), VBALLOON_POISON);
	ck_assert_int_eq(vballoon_drv_report(&bal, 6), 6);
	ck_assert_uint_eq(st->report_reqs, 1);
	ck_assert_uint_eq(st->report_pages, 6);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(vc_balloon_page_modified(dev(), pfn_of(i)), 1);
	ck_assert_uint_eq(vballoon_drv_count(&bal, VB_FREE), VBALLOON_POOL_PAGES);
	ck_assert_int_eq(vballoon_drv_check_pages(&bal), 0);
	assert_no_findings();
}
END_TEST

START_TEST(reporting_without_poison_not_accepted)
{
	/* the driver keeps page contents: no PAGE_REPORTING without
	 * PAGE_POISON (5.5.3.1) */
	open_balloon("page_reporting=on", F_POISON | F_REPORT, false);
	ck_assert(!(bal.features & F_REPORT));
	ck_assert(!(vdev_negotiated_features(pr.core) & F_REPORT));
	ck_assert_int_eq(vballoon_drv_report(&bal, 1), -1);
	assert_no_findings();
}
END_TEST

START_TEST(report_scribbled_without_poison)
{
	uint8_t page[64];
	struct vq_buf in;
	unsigned k;
	bool changed = false;

	/* a driver that treats reported pages as uninitialized (no
	 * PAGE_POISON): the device overwrites them */
	open_pair("page_reporting=on,page_poison=off", false);
	{
		struct vdrv_config cfg;

		vballoon_drv_config(&cfg, F_REPORT);
		cfg.hook = NULL;
		ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	}
	ck_assert_int_eq(vballoon_drv_attach(&bal, pr.drv), 0);
	ck_assert_uint_eq(bal.q_report, VIRTIO_BALLOON_Q_REPORTING);
	in = (struct vq_buf){ vballoon_drv_page_gpa(&bal, 3), VIRTIO_BALLOON_PAGE_SIZE };
	ck_assert_int_ge(vballoon_drv_submit_raw(&bal, VIRTIO_BALLOON_Q_REPORTING, NULL, 0, &in, 1,
						 false), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	ck_assert_int_eq(vc_balloon_page_modified(dev(), pfn_of(3)), 1);
	ck_assert_int_eq(gm_read(pr.drv_mem, in.gpa, page, sizeof(page)), 0);
	for (k = 0; k < sizeof(page); k++)
		changed |= page[k] != 0;
	ck_assert(changed);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

START_TEST(report_garbage_found)
{
	open_balloon("page_poison=on,page_reporting=on,report_garbage=on", F_POISON | F_REPORT,
		     false);
	ck_assert_int_eq(vballoon_drv_report(&bal, 2), 2);
	assert_driver_found(CL_DEV_BALLOON_REPORT);
}
END_TEST

START_TEST(late_scribble_found)
{
	open_balloon("num_pages=4,must_tell_host=off,scribble=late", 0, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	ck_assert_int_eq(vc_balloon_set_num_pages(dev(), 0), 0);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 0);
	assert_driver_found(CL_DEV_BALLOON_OP);
}
END_TEST

START_TEST(late_scribble_allowed_with_tell_host)
{
	open_balloon("num_pages=4,scribble=late", F_TELL, false);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 4);
	ck_assert_int_eq(vc_balloon_set_num_pages(dev(), 0), 0);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 0);
	ck_assert_int_eq(vballoon_drv_check_pages(&bal), 0);
	assert_no_findings();
}
END_TEST

/* ----------------------------------------------------------- poison_val */

START_TEST(poison_changed_while_live_needs_reset)
{
	open_balloon("page_poison=on", F_POISON, false);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, VIRTIO_BALLOON_CFG_POISON_VAL, 4, 0x55);
	assert_device_failed(CL_DRV_BALLOON_POISON);
}
END_TEST

START_TEST(poison_never_written_needs_reset)
{
	struct vdrv_config cfg;

	open_pair("page_poison=on", false);
	vballoon_drv_config(&cfg, F_POISON);
	cfg.hook = NULL;
	vdrv_init(pr.drv, &cfg);
	assert_device_failed(CL_DRV_BALLOON_POISON);
}
END_TEST

/* ------------------------------------------------ features and queues */

START_TEST(tell_host_required_refuses_features_ok)
{
	struct vdrv_config cfg;

	open_pair("require_tell_host=on", false);
	vballoon_drv_config(&cfg, F_STATS);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert(!(vdev_status(pr.core) & VIRTIO_STATUS_FEATURES_OK));
	/* and accepted with it */
	vballoon_drv_config(&cfg, F_STATS | F_TELL);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
}
END_TEST

/* Every combination of the three optional queues, fixed 1.2 numbering:
 * each existing queue works at its listed index. */
START_TEST(queue_numbering_spec)
{
	bool stats = _i & 1, hint = _i & 2, report = _i & 4;
	char args[160];
	uint64_t want = F_POISON | (stats ? F_STATS : 0) | (hint ? F_HINT : 0) |
			(report ? F_REPORT : 0);
	const struct vc_balloon_stats *st;

	snprintf(args, sizeof(args),
		 "num_pages=2,page_poison=on,stats_vq=%s,free_page_hint=%s,page_reporting=%s",
		 stats ? "on" : "off", hint ? "on" : "off", report ? "on" : "off");
	open_balloon(args, want, false);
	st = vc_balloon_stats(dev());
	ck_assert_uint_eq(bal.q_stats, stats ? 2 : VBALLOON_NO_QUEUE);
	ck_assert_uint_eq(bal.q_hint, hint ? 3 : VBALLOON_NO_QUEUE);
	ck_assert_uint_eq(bal.q_report, report ? 4 : VBALLOON_NO_QUEUE);
	ck_assert(vdev_queue_enabled(pr.core, 2) == stats);
	ck_assert(vdev_queue_enabled(pr.core, 3) == hint);
	ck_assert(vdev_queue_enabled(pr.core, 4) == report);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 2);
	ck_assert_uint_eq(st->stats_buffers, stats ? 1 : 0);
	if (hint) {
		ck_assert_uint_eq(vc_balloon_hint_start(dev()), 2);
		ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
		ck_assert_uint_eq(st->hint_cmd_bufs, 1);
	}
	if (report)
		ck_assert_int_eq(vballoon_drv_report(&bal, 1), 1);
	else
		ck_assert_int_eq(vballoon_drv_report(&bal, 1), -1);
	ck_assert_uint_eq(st->report_reqs, report ? 1 : 0);
	assert_no_findings();
}
END_TEST

static enum vdrv_hook_action first_four(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	(void)ctx;
	if (s->step == VDRV_STEP_QUEUE_SETUP && s->queue >= 4)
		return VDRV_SKIP;
	if (s->step == VDRV_STEP_DRIVER_OK)
		vdrv_space_write(drv, VDRV_SPACE_DEVICE, VIRTIO_BALLOON_CFG_POISON_VAL, 4, 0);
	return VDRV_PROCEED;
}

START_TEST(queue_numbering_compact)
{
	struct vdrv_config cfg;
	le32 id;
	struct vq_buf out, in;
	const struct vc_balloon_stats *st;

	/* numbering=compact: without STATS_VQ, free_page_vq is 2 and
	 * reporting_vq 3 */
	open_pair("numbering=compact,stats_vq=off,free_page_hint=on,page_reporting=on,"
		  "page_poison=on,hint_cmd_id=2",
		  false);
	st = vc_balloon_stats(dev());
	vballoon_drv_config(&cfg, F_HINT | F_REPORT | F_POISON);
	cfg.hook = first_four;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	id = cpu_to_le32(2);
	out = (struct vq_buf){ vdrv_alloc(pr.drv, 4096, 4096), 4 };
	ck_assert_int_eq(gm_write(pr.drv_mem, out.gpa, &id, 4), 0);
	ck_assert_int_ge(vq_drv_add(vdrv_queue(pr.drv, 2), &out, 1, NULL, 0, &out, false), 0);
	vdrv_kick(pr.drv, 2);
	ck_assert_uint_eq(st->hint_cmd_bufs, 1);
	in = (struct vq_buf){ vdrv_alloc(pr.drv, 4096, 4096), 4096 };
	ck_assert_int_ge(vq_drv_add(vdrv_queue(pr.drv, 3), NULL, 0, &in, 1, &in, false), 0);
	vdrv_kick(pr.drv, 3);
	ck_assert_uint_eq(st->report_reqs, 1);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

START_TEST(reset_then_working_again)
{
	const struct vc_balloon_stats *st;

	open_balloon("num_pages=10", F_TELL | F_STATS, _i);
	st = vc_balloon_stats(dev());
	ck_assert_int_eq(vballoon_drv_balance(&bal), 10);
	vballoon_drv_detach(&bal);
	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vdev_status(pr.core), 0);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 0);
	ck_assert_uint_eq(st->pages_released, 10);
	ck_assert_uint_eq(vc_balloon_actual(dev()), 0);
	init_driver(F_TELL | F_STATS);
	ck_assert_int_eq(vballoon_drv_attach(&bal, pr.drv), 0);
	ck_assert_int_eq(vballoon_drv_balance(&bal), 10);
	ck_assert_uint_eq(vc_balloon_inflated(dev()), 10);
	ck_assert_uint_eq(st->pages_inflated - st->pages_deflated - st->pages_released, 10);
	ck_assert_int_eq(vc_balloon_request_stats(dev()), 0);
	ck_assert_int_eq(vballoon_drv_poll(&bal), 0);
	assert_no_findings();
}
END_TEST

START_TEST(bad_arguments_refused)
{
	static const char *const bad[] = {
		"num_pages=-1", "num_pages=4294967296", "stats_vq=yes", "max_pages=0",
		"max_pages=2000000", "numbering=dense", "scribble=always", "bogus=1",
		"num_pages=1,num_pages=2", "num_pages", "",
	};
	const struct vc_host_ops host = { 0 };
	unsigned k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]) - 1; k++)
		ck_assert_msg(vc_balloon_device_ops.create(&host, NULL, bad[k]) == NULL, "%s",
			      bad[k]);
	/* the empty string is no argument */
	{
		void *d = vc_balloon_device_ops.create(&host, NULL, "");

		ck_assert_ptr_nonnull(d);
		vc_balloon_device_ops.destroy(d);
	}
}
END_TEST

static Suite *balloon_suite(void)
{
	Suite *s = suite_create("balloon");
	TCase *tc;

	tc = tcase_create("inflate-deflate");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, inflate_deflate_accounting, 0, 4);
	tcase_add_loop_test(tc, deflate_refused_without_need, 0, 2);
	tcase_add_test(tc, page_used_before_deflate_ack_needs_reset);
	tcase_add_test(tc, audit_finds_page_used_without_deflate);
	tcase_add_test(tc, reuse_before_ack_allowed_without_tell_host);
	tcase_add_loop_test(tc, hostile_pfn_lists_recorded, 0, 2);
	tcase_add_test(tc, late_scribble_found);
	tcase_add_test(tc, late_scribble_allowed_with_tell_host);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, stats_round_trip, 0, 2);
	tcase_add_test(tc, stats_unknown_tags_and_order);
	tcase_add_loop_test(tc, stats_misuse_needs_reset, 0,
			    (int)(sizeof(bad_stats) / sizeof(bad_stats[0])));
	tcase_add_test(tc, stats_second_buffer_replaces_with_ring_reset);
	suite_add_tcase(s, tc);

	tc = tcase_create("hinting");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, hinting_round_then_done, 0, 2);
	tcase_add_test(tc, stale_command_id_hints_ignored);
	tcase_add_loop_test(tc, hint_misuse_needs_reset, 0,
			    (int)(sizeof(bad_hints) / sizeof(bad_hints[0])));
	tcase_add_test(tc, device_reusing_command_id_found);
	suite_add_tcase(s, tc);

	tc = tcase_create("reporting-poison");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, reporting_with_poison, 0, 2);
	tcase_add_test(tc, reporting_without_poison_not_accepted);
	tcase_add_test(tc, report_scribbled_without_poison);
	tcase_add_test(tc, report_garbage_found);
	tcase_add_test(tc, poison_changed_while_live_needs_reset);
	tcase_add_test(tc, poison_never_written_needs_reset);
	suite_add_tcase(s, tc);

	tc = tcase_create("features-queues-reset");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, tell_host_required_refuses_features_ok);
	tcase_add_loop_test(tc, queue_numbering_spec, 0, 8);
	tcase_add_test(tc, queue_numbering_compact);
	tcase_add_loop_test(tc, reset_then_working_again, 0, 2);
	tcase_add_test(tc, bad_arguments_refused);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(balloon_suite)
