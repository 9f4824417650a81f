// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-blk end to end (VIRTIO 1.2 5.2): the blk driver against the blk
 * device on a vc_pair. Every request type on its OK path with the backing
 * store checked; each status rule of the device (IOERR beyond capacity and
 * on overflow, RO, UNSUPP for unknown and un-negotiated types and for flags,
 * segment limits, request lengths); the header split across descriptors at
 * every byte; requests the device cannot answer (driver violations, NEEDS_
 * RESET); a driver refusing configurations it cannot use; multiqueue; and a
 * 64 MiB file-backed disk through 10^4 random requests against a shadow.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "blk.h"
#include "blk_drv.h"
#include "devices.h"
#include "gm.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define ST_LIVE (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
		 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
#define ST_NR VIRTIO_STATUS_DEVICE_NEEDS_RESET

#define F(b) VIRTIO_BIT(b)
#define F_ALL (F(VIRTIO_BLK_F_SIZE_MAX) | F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_GEOMETRY) | \
	       F(VIRTIO_BLK_F_BLK_SIZE) | F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_TOPOLOGY) |   \
	       F(VIRTIO_BLK_F_CONFIG_WCE) | F(VIRTIO_BLK_F_MQ) | F(VIRTIO_BLK_F_DISCARD) |     \
	       F(VIRTIO_BLK_F_WRITE_ZEROES) | F(VIRTIO_BLK_F_LIFETIME) |                        \
	       F(VIRTIO_BLK_F_SECURE_ERASE) | F(VIRTIO_F_INDIRECT_DESC) | F(VIRTIO_F_EVENT_IDX))

#define SECT 512u
#define CAP_DEFAULT 16384ull

static struct vc_pair pr;
static bool pr_open;
static struct vblk_drv blk;
static char tmp_path[256];

static void teardown(void)
{
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	if (tmp_path[0])
		unlink(tmp_path);
	tmp_path[0] = 0;
}

static void *dev(void) { return vpci_device(pr.dev); }
static const struct vc_blk_stats *stats(void) { return vc_blk_stats(dev()); }

/* Open a pair with these device args; initialize the driver with these
 * features and request queues. Returns vdrv_init's result. */
static int try_open(const char *args, uint64_t wanted, uint16_t nq)
{
	struct vdrv_config cfg;

	ck_assert_int_eq(vc_pair_open(&pr, &vc_blk_device_ops, args, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_BLOCK), 0);
	vblk_drv_config(&cfg, wanted);
	cfg.num_queues = nq;
	return vdrv_init(pr.drv, &cfg);
}

static void open_blk(const char *args, uint64_t wanted, uint16_t nq)
{
	ck_assert_int_eq(try_open(args, wanted, nq), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	ck_assert_int_eq(vblk_drv_attach(&blk, pr.drv), 0);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vpci_findings(pr.dev), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 9)) ^ (seed >> 3));
}

/* Fill the whole RAM disk with a pattern, directly. */
static uint8_t *fill_backing(uint32_t seed)
{
	uint64_t bytes = vc_blk_capacity(dev()) * SECT;
	uint8_t *img = malloc(bytes);

	ck_assert_ptr_nonnull(img);
	pattern(img, bytes, seed);
	ck_assert_int_eq(vc_blk_backing_write(dev(), 0, img, bytes), 0);
	return img;
}

static void assert_backing_eq(const uint8_t *img)
{
	uint64_t bytes = vc_blk_capacity(dev()) * SECT;
	uint8_t *now = malloc(bytes);

	ck_assert_ptr_nonnull(now);
	ck_assert_int_eq(vc_blk_backing_read(dev(), 0, now, bytes), 0);
	ck_assert_msg(memcmp(now, img, bytes) == 0, "backing store changed");
	free(now);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ------------------------------------------------------- raw requests */

struct raw_answer {
	int rc;
	uint32_t used;
	uint8_t status;
	uint8_t in[2048];
};

/* A request built from a header and readable data; in_len writable bytes
 * (data and status). Cut the header into two at hdr_cut (0: no cut). */
static struct raw_answer raw(uint16_t q, uint32_t type, uint64_t sector, const void *data,
			     uint32_t data_len, uint32_t in_len)
{
	static uint8_t out[16 + 65536];
	struct virtio_blk_req_hdr h = {
		.type = cpu_to_le32(type), .reserved = cpu_to_le32(0), .sector = cpu_to_le64(sector),
	};
	struct vblk_raw r = { .queue = q, .out = out, .out_len = 16 + data_len, .in_len = in_len };
	struct vblk_raw_result res;
	struct raw_answer a;

	ck_assert_uint_le(data_len, 65536);
	ck_assert_uint_le(in_len, sizeof(a.in));
	memcpy(out, &h, 16);
	if (data_len)
		memcpy(out + 16, data, data_len);
	memset(&a, 0, sizeof(a));
	a.rc = vblk_drv_submit_raw(&blk, &r, a.in, &res);
	a.used = res.used_len;
	a.status = res.status;
	return a;
}

static void assert_answer(const struct raw_answer *a, uint8_t status, uint32_t in_len)
{
	ck_assert_int_eq(a->rc, 1);
	ck_assert_uint_eq(a->status, status);
	/* the device writes every writable byte; the used len covers them */
	ck_assert_uint_eq(a->used, in_len);
}

static struct virtio_blk_discard_write_zeroes seg(uint64_t sector, uint32_t n, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes s = {
		.sector = cpu_to_le64(sector), .num_sectors = cpu_to_le32(n),
		.flags = cpu_to_le32(flags),
	};

	return s;
}

/* ------------------------------------------------------- OK paths */

/* _i: bit 0 indirect, bits 1-2 segments index, bit 3 random cuts */
START_TEST(write_then_read_matches_backing)
{
	static const uint32_t segs[] = { 1, 2, 5, 16 };
	uint8_t w[8 * SECT], r[8 * SECT], back[8 * SECT];
	const uint64_t sector = 1000;

	open_blk(NULL, F_ALL, 1);
	blk.indirect = _i & 1;
	blk.segments = segs[(_i >> 1) & 3];
	blk.seg_state = (_i & 8) ? 0x1234 + (uint64_t)_i : 0;
	pattern(w, sizeof(w), (uint32_t)_i);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, sector, w, 8), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(vc_blk_backing_read(dev(), sector * SECT, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, w, sizeof(w));
	memset(r, 0, sizeof(r));
	ck_assert_int_eq(vblk_drv_read(&blk, 0, sector, r, 8), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(r, w, sizeof(w));
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_OUT][VIRTIO_BLK_S_OK], 1);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_IN][VIRTIO_BLK_S_OK], 1);
	ck_assert_uint_eq(stats()->backing_bytes_written, sizeof(w));
	assert_no_findings();
}
END_TEST

START_TEST(read_returns_backing_content)
{
	uint8_t *img, got[32 * SECT];

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(5);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 0, got, 32), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(got, img, sizeof(got));
	ck_assert_int_eq(vblk_drv_read(&blk, 0, CAP_DEFAULT - 32, got, 32), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(got, img + (CAP_DEFAULT - 32) * SECT, sizeof(got));
	ck_assert_uint_eq(stats()->backing_bytes_written, 0);
	free(img);
	assert_no_findings();
}
END_TEST

/* Transfers larger than one request are split; the whole disk round-trips. */
START_TEST(whole_disk_round_trip)
{
	uint64_t bytes = CAP_DEFAULT * SECT;
	uint8_t *w = malloc(bytes), *r = malloc(bytes);

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(r);
	open_blk(NULL, F_ALL, 1);
	pattern(w, bytes, 11);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 0, w, (uint32_t)CAP_DEFAULT), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 0, r, (uint32_t)CAP_DEFAULT), VIRTIO_BLK_S_OK);
	ck_assert(memcmp(w, r, bytes) == 0);
	assert_backing_eq(w);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_OUT][VIRTIO_BLK_S_OK],
			  bytes / blk.max_data);
	/* the driver refuses to go beyond capacity on its own */
	ck_assert_int_eq(vblk_drv_read(&blk, 0, CAP_DEFAULT - 1, r, 2), -1);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, CAP_DEFAULT, w, 1), -1);
	free(w);
	free(r);
	assert_no_findings();
}
END_TEST

START_TEST(flush_ok)
{
	open_blk(NULL, F_ALL, 1);
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_FLUSH][VIRTIO_BLK_S_OK], 1);
	assert_no_findings();
}
END_TEST

/* _i: 0 discard, 1 write zeroes, 2 write zeroes with unmap, 3 secure erase */
START_TEST(ranges_read_back_as_zeroes)
{
	const struct vblk_range rg[3] = { { 0, 8 }, { 100, 1 }, { CAP_DEFAULT - 64, 64 } };
	uint8_t *img, got[64 * SECT];
	unsigned k;
	int st;

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(3);
	switch (_i) {
	case 0: st = vblk_drv_discard(&blk, 0, rg, 3); break;
	case 1: st = vblk_drv_write_zeroes(&blk, 0, rg, 3, false); break;
	case 2: st = vblk_drv_write_zeroes(&blk, 0, rg, 3, true); break;
	default: st = vblk_drv_secure_erase(&blk, 0, rg, 3); break;
	}
	ck_assert_int_eq(st, VIRTIO_BLK_S_OK);
	for (k = 0; k < 3; k++) {
		memset(img + rg[k].sector * SECT, 0, (size_t)rg[k].num_sectors * SECT);
		ck_assert_int_eq(vblk_drv_read(&blk, 0, rg[k].sector, got, rg[k].num_sectors),
				 VIRTIO_BLK_S_OK);
		ck_assert(all_zero(got, (size_t)rg[k].num_sectors * SECT));
	}
	/* the ranges and nothing else */
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->backing_bytes_written, (8 + 1 + 64) * SECT);
	free(img);
	assert_no_findings();
}
END_TEST

START_TEST(get_id_is_nul_padded_serial)
{
	char id[20];
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	ck_assert_int_eq(vblk_drv_get_id(&blk, 0, id), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(id, "virtiocheck-blk0\0\0\0\0", 20);
	/* the padding is written by the device, not left over */
	a = raw(0, VIRTIO_BLK_T_GET_ID, 0, NULL, 0, 21);
	assert_answer(&a, VIRTIO_BLK_S_OK, 21);
	ck_assert_mem_eq(a.in, "virtiocheck-blk0\0\0\0\0", 20);
	vc_pair_close(&pr);
	pr_open = false;

	/* 20 bytes long: no terminator */
	open_blk("serial=ABCDEFGHIJKLMNOPQRST", F_ALL, 1);
	ck_assert_int_eq(vblk_drv_get_id(&blk, 0, id), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(id, "ABCDEFGHIJKLMNOPQRST", 20);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_GET_ID][VIRTIO_BLK_S_OK], 1);
	assert_no_findings();
}
END_TEST

START_TEST(get_lifetime_reports_values)
{
	struct vblk_lifetime lt;

	open_blk("lifetime=2/5/11", F_ALL, 1);
	ck_assert_int_eq(vblk_drv_get_lifetime(&blk, 0, &lt), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(lt.pre_eol_info, VIRTIO_BLK_PRE_EOL_INFO_WARNING);
	ck_assert_uint_eq(lt.device_lifetime_est_typ_a, 5);
	ck_assert_uint_eq(lt.device_lifetime_est_typ_b, 11);
	assert_no_findings();
}
END_TEST

/* A device sending reserved lifetime values is caught by the driver. */
START_TEST(driver_rejects_reserved_lifetime)
{
	static const char *const args[] = { "lifetime=4/1/1", "lifetime=1/12/1",
					    "lifetime=1/1/0xffff" };
	struct vblk_lifetime lt;
	const struct vc_findings *f;

	open_blk(args[_i], F_ALL, 1);
	ck_assert_int_eq(vblk_drv_get_lifetime(&blk, 0, &lt), -1);
	f = vdrv_findings(pr.drv);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(f->v[0].clause, CL_DEV_BLK_OP);
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 0);
}
END_TEST

START_TEST(config_space_layout)
{
	struct virtio_blk_config c;

	open_blk("capacity=4096,size_max=8192,seg_max=7,geometry=300/4/17,blk_size=4096,"
		 "physical_block_exp=2,alignment_offset=1,min_io_size=3,opt_io_size=9,"
		 "num_queues=5,max_discard_sectors=11,max_discard_seg=12,"
		 "discard_sector_alignment=13,max_write_zeroes_sectors=14,max_write_zeroes_seg=15,"
		 "write_zeroes_may_unmap=0,max_secure_erase_sectors=17,max_secure_erase_seg=18,"
		 "secure_erase_sector_alignment=19", F_ALL, 1);
	ck_assert_int_eq(vdrv_config_read(pr.drv, 0, &c, sizeof(c)), 0);
	ck_assert_uint_eq(le64_to_cpu(c.capacity), 4096);
	ck_assert_uint_eq(le32_to_cpu(c.size_max), 8192);
	ck_assert_uint_eq(le32_to_cpu(c.seg_max), 7);
	ck_assert_uint_eq(le16_to_cpu(c.geometry.cylinders), 300);
	ck_assert_uint_eq(c.geometry.heads, 4);
	ck_assert_uint_eq(c.geometry.sectors, 17);
	ck_assert_uint_eq(le32_to_cpu(c.blk_size), 4096);
	ck_assert_uint_eq(c.topology.physical_block_exp, 2);
	ck_assert_uint_eq(c.topology.alignment_offset, 1);
	ck_assert_uint_eq(le16_to_cpu(c.topology.min_io_size), 3);
	ck_assert_uint_eq(le32_to_cpu(c.topology.opt_io_size), 9);
	ck_assert_uint_eq(c.writeback, 1);
	ck_assert_uint_eq(c.unused0, 0);
	ck_assert_uint_eq(le16_to_cpu(c.num_queues), 5);
	ck_assert_uint_eq(le32_to_cpu(c.max_discard_sectors), 11);
	ck_assert_uint_eq(le32_to_cpu(c.max_discard_seg), 12);
	ck_assert_uint_eq(le32_to_cpu(c.discard_sector_alignment), 13);
	ck_assert_uint_eq(le32_to_cpu(c.max_write_zeroes_sectors), 14);
	ck_assert_uint_eq(le32_to_cpu(c.max_write_zeroes_seg), 15);
	ck_assert_uint_eq(c.write_zeroes_may_unmap, 0);
	ck_assert(all_zero(c.unused1, 3));
	ck_assert_uint_eq(le32_to_cpu(c.max_secure_erase_sectors), 17);
	ck_assert_uint_eq(le32_to_cpu(c.max_secure_erase_seg), 18);
	ck_assert_uint_eq(le32_to_cpu(c.secure_erase_sector_alignment), 19);
	/* the driver saw the same, and limits its requests by them */
	ck_assert_uint_eq(blk.info.capacity, 4096);
	ck_assert_uint_eq(blk.info.num_queues, 5);
	ck_assert_uint_eq(blk.max_data, 7 * 8192);
	/* the driver read writeback only after FEATURES_OK */
	ck_assert_uint_eq(stats()->writeback_read_early, 0);
	assert_no_findings();
}
END_TEST

/* writeback is the only writable field, and only with CONFIG_WCE. */
START_TEST(writeback_toggles_only_with_config_wce)
{
	struct virtio_blk_config c;
	uint64_t before;

	open_blk(NULL, F_ALL, 1);
	ck_assert_int_eq(vc_blk_writeback(dev()), 1);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, offsetof(struct virtio_blk_config, writeback),
			 1, 0);
	ck_assert_int_eq(vc_blk_writeback(dev()), 0);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, offsetof(struct virtio_blk_config, writeback),
			 1, 7); /* neither 0 nor 1: ignored */
	ck_assert_int_eq(vc_blk_writeback(dev()), 0);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, offsetof(struct virtio_blk_config, writeback),
			 1, 1);
	ck_assert_int_eq(vc_blk_writeback(dev()), 1);
	before = stats()->config_writes_ignored;
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, 0, 4, 0x1234);
	ck_assert_uint_eq(stats()->config_writes_ignored, before + 4);
	ck_assert_int_eq(vdrv_config_read(pr.drv, 0, &c, sizeof(c)), 0);
	ck_assert_uint_eq(le64_to_cpu(c.capacity), CAP_DEFAULT);
	vc_pair_close(&pr);
	pr_open = false;

	/* without CONFIG_WCE negotiated the write is ignored */
	open_blk(NULL, F_ALL & ~F(VIRTIO_BLK_F_CONFIG_WCE), 1);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, offsetof(struct virtio_blk_config, writeback),
			 1, 0);
	ck_assert_int_eq(vc_blk_writeback(dev()), 1);
	assert_no_findings();
}
END_TEST

/* devicenormative: Device Initialization -- CONFIG_WCE without FLUSH: 0 */
START_TEST(config_wce_without_flush_starts_writethrough)
{
	open_blk(NULL, F(VIRTIO_BLK_F_CONFIG_WCE), 1);
	ck_assert_int_eq(vc_blk_writeback(dev()), 0);
	ck_assert_uint_eq(blk.info.writeback, 0);
	assert_no_findings();
}
END_TEST

static enum vdrv_hook_action early_read_hook(void *ctx, vdrv_t *d, struct vdrv_step_ctx *s)
{
	uint8_t b[8];

	if (s->step == VDRV_STEP_DRIVER)
		vdrv_config_read(d, 32, b, sizeof(b));
	return VDRV_PROCEED;
}

/* drivernormative: Device Initialization -- writeback read before
 * FEATURES_OK is answered and counted */
START_TEST(writeback_read_before_features_ok_counted)
{
	struct vdrv_config cfg;

	ck_assert_int_eq(vc_pair_open(&pr, &vc_blk_device_ops, NULL, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_BLOCK), 0);
	vblk_drv_config(&cfg, 0);
	cfg.hook = early_read_hook;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(stats()->writeback_read_early, 1);
}
END_TEST

/* ------------------------------------------------------- status rules */

static const uint64_t bad_sectors[][2] = {
	/* sector, sectors: beyond capacity, or wrapping around 2^64 */
	{ CAP_DEFAULT, 1 },
	{ CAP_DEFAULT - 1, 2 },
	{ CAP_DEFAULT + 1, 0 },
	{ UINT64_MAX, 1 },
	{ UINT64_MAX - 1, 2 },       /* sector + 2 wraps to 0 */
	{ 1ull << 55, 1 },           /* sector * 512 wraps to 0 */
	{ (1ull << 55) - 1, 2 },
	{ UINT64_MAX / 512 + 1, 1 },
};

/* _i: row of bad_sectors; IN and OUT both IOERR, nothing written */
START_TEST(beyond_capacity_is_ioerr)
{
	uint64_t sector = bad_sectors[_i][0];
	uint32_t n = (uint32_t)bad_sectors[_i][1];
	uint8_t data[2 * SECT];
	uint8_t *img;
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(9);
	pattern(data, sizeof(data), 1);
	a = raw(0, VIRTIO_BLK_T_OUT, sector, data, n * SECT, 1);
	assert_answer(&a, VIRTIO_BLK_S_IOERR, 1);
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, n * SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_IOERR, n * SECT + 1);
	ck_assert(all_zero(a.in, n * SECT)); /* zero-filled, no disk data */
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->backing_bytes_written, 0);
	ck_assert_uint_eq(stats()->driver_errors, 2);
	free(img);
	assert_no_findings();
}
END_TEST

/* The last sector and an empty transfer at capacity are inside. */
START_TEST(capacity_edge_is_ok)
{
	uint8_t data[SECT];
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	pattern(data, sizeof(data), 2);
	a = raw(0, VIRTIO_BLK_T_OUT, CAP_DEFAULT - 1, data, SECT, 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, 1);
	a = raw(0, VIRTIO_BLK_T_IN, CAP_DEFAULT - 1, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);
	ck_assert_mem_eq(a.in, data, SECT);
	a = raw(0, VIRTIO_BLK_T_IN, CAP_DEFAULT, NULL, 0, 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, 1);
	assert_no_findings();
}
END_TEST

/* _i: 0 discard, 1 write zeroes, 2 secure erase: a segment beyond capacity
 * (or wrapping) is IOERR and no segment is applied */
START_TEST(range_beyond_capacity_is_ioerr)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
					  VIRTIO_BLK_T_SECURE_ERASE };
	struct virtio_blk_discard_write_zeroes s[2];
	uint8_t *img;
	unsigned k;
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(4);
	for (k = 0; k < sizeof(bad_sectors) / sizeof(bad_sectors[0]); k++) {
		s[0] = seg(0, 8, 0);
		s[1] = seg(bad_sectors[k][0], (uint32_t)bad_sectors[k][1], 0);
		a = raw(0, types[_i], 0, s, sizeof(s), 1);
		assert_answer(&a, VIRTIO_BLK_S_IOERR, 1);
	}
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->backing_bytes_written, 0);
	free(img);
	assert_no_findings();
}
END_TEST

/* devicenormative: Device Operation -- RO offered: writes IOERR, nothing
 * written; reads still work */
START_TEST(read_only_refuses_writes)
{
	const struct vblk_range rg = { 10, 4 };
	uint8_t w[4 * SECT], r[4 * SECT];
	uint8_t *img;

	open_blk("ro=1", F_ALL, 1);
	ck_assert(blk.info.ro);
	ck_assert(vdrv_features(pr.drv) & F(VIRTIO_BLK_F_RO));
	img = fill_backing(6);
	pattern(w, sizeof(w), 77);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 10, w, 4), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(vblk_drv_discard(&blk, 0, &rg, 1), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(vblk_drv_write_zeroes(&blk, 0, &rg, 1, false), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(vblk_drv_write_zeroes(&blk, 0, &rg, 1, true), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(vblk_drv_secure_erase(&blk, 0, &rg, 1), VIRTIO_BLK_S_IOERR);
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->backing_bytes_written, 0);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 10, r, 4), VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(r, img + 10 * SECT, sizeof(r));
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), VIRTIO_BLK_S_OK);
	free(img);
	assert_no_findings();
}
END_TEST

static const uint32_t unknown_types[] = { 2, 3, 5, 6, 7, 9, 12, 15, 16, 0x80000000u, UINT32_MAX };

START_TEST(unknown_type_is_unsupp)
{
	uint8_t data[SECT];
	uint8_t *img;
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(8);
	memset(data, 0x5a, sizeof(data));
	a = raw(0, unknown_types[_i], 0, data, sizeof(data), 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	a = raw(0, unknown_types[_i], 0, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, SECT + 1);
	ck_assert(all_zero(a.in, SECT));
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_OTHER][VIRTIO_BLK_S_UNSUPP], 2);
	free(img);
	assert_no_findings();
}
END_TEST

/* _i: 0 offered but not negotiated, 1 not offered -- FLUSH, GET_LIFETIME,
 * DISCARD, WRITE_ZEROES, SECURE_ERASE are UNSUPP without their feature */
START_TEST(unnegotiated_feature_is_unsupp)
{
	struct virtio_blk_discard_write_zeroes s = seg(0, 8, 0);
	uint8_t *img;
	struct raw_answer a;

	if (_i == 0)
		open_blk(NULL, F_ALL & ~(F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_CONFIG_WCE) |
					 F(VIRTIO_BLK_F_LIFETIME) | F(VIRTIO_BLK_F_DISCARD) |
					 F(VIRTIO_BLK_F_WRITE_ZEROES) |
					 F(VIRTIO_BLK_F_SECURE_ERASE)), 1);
	else
		open_blk("features=-flush-config_wce-lifetime-discard-write_zeroes-secure_erase",
			 F_ALL, 1);
	img = fill_backing(10);
	a = raw(0, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	a = raw(0, VIRTIO_BLK_T_GET_LIFETIME, 0, NULL, 0, 7);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 7);
	ck_assert(all_zero(a.in, 6));
	a = raw(0, VIRTIO_BLK_T_DISCARD, 0, &s, sizeof(s), 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	a = raw(0, VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, sizeof(s), 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	a = raw(0, VIRTIO_BLK_T_SECURE_ERASE, 0, &s, sizeof(s), 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	assert_backing_eq(img);
	/* the driver does not send what was not negotiated */
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), -1);
	free(img);
	assert_no_findings();
}
END_TEST

struct flag_case {
	uint32_t type;
	uint32_t flags;
	uint8_t status;
};

static const struct flag_case flag_cases[] = {
	{ VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_DISCARD, 2, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_DISCARD, 1u << 31, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_WRITE_ZEROES, 2, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_WRITE_ZEROES, 3, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_WRITE_ZEROES, 0x80000001u, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_SECURE_ERASE, 4, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_SECURE_ERASE, 0xfffffffeu, VIRTIO_BLK_S_UNSUPP },
	{ VIRTIO_BLK_T_WRITE_ZEROES, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, VIRTIO_BLK_S_OK },
};

/* devicenormative: Device Operation -- UNSUPP for any unknown flag, and for
 * unmap on DISCARD; the flag may be in any segment and nothing is applied */
START_TEST(flags_other_than_unmap_are_unsupp)
{
	const struct flag_case *fc = &flag_cases[_i];
	struct virtio_blk_discard_write_zeroes s[3] = { seg(0, 4, 0), seg(50, 4, 0),
							seg(90, 4, 0) };
	uint8_t *img;
	struct raw_answer a;

	open_blk(NULL, F_ALL, 1);
	img = fill_backing(12);
	s[2] = seg(90, 4, fc->flags);
	a = raw(0, fc->type, 0, s, sizeof(s), 1);
	assert_answer(&a, fc->status, 1);
	if (fc->status == VIRTIO_BLK_S_OK) {
		memset(img, 0, 4 * SECT);
		memset(img + 50 * SECT, 0, 4 * SECT);
		memset(img + 90 * SECT, 0, 4 * SECT);
	}
	assert_backing_eq(img);
	free(img);
	assert_no_findings();
}
END_TEST

/* _i: 0 discard, 1 write zeroes, 2 secure erase: the segment limit is
 * max_*_seg; more is UNSUPP; num_sectors above max_*_sectors is IOERR */
START_TEST(segment_limits)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
					  VIRTIO_BLK_T_SECURE_ERASE };
	static const char *const args[] = {
		"max_discard_seg=4,max_discard_sectors=16",
		"max_write_zeroes_seg=4,max_write_zeroes_sectors=16",
		"max_secure_erase_seg=4,max_secure_erase_sectors=16",
	};
	struct virtio_blk_discard_write_zeroes s[5];
	struct vblk_range rg[5];
	uint8_t *img;
	unsigned k;
	struct raw_answer a;

	open_blk(args[_i], F_ALL, 1);
	img = fill_backing(13);
	for (k = 0; k < 5; k++) {
		s[k] = seg(100 * k, 2, 0);
		rg[k] = (struct vblk_range){ 100 * k, 2 };
	}
	a = raw(0, types[_i], 0, s, 5 * sizeof(s[0]), 1);
	assert_answer(&a, VIRTIO_BLK_S_UNSUPP, 1);
	s[0] = seg(0, 17, 0);
	a = raw(0, types[_i], 0, s, sizeof(s[0]), 1);
	assert_answer(&a, VIRTIO_BLK_S_IOERR, 1);
	assert_backing_eq(img);
	ck_assert_uint_eq(stats()->driver_errors, 2);
	/* the driver keeps the limits itself */
	switch (_i) {
	case 0: ck_assert_int_eq(vblk_drv_discard(&blk, 0, rg, 5), -1); break;
	case 1: ck_assert_int_eq(vblk_drv_write_zeroes(&blk, 0, rg, 5, false), -1); break;
	default: ck_assert_int_eq(vblk_drv_secure_erase(&blk, 0, rg, 5), -1); break;
	}
	s[0] = seg(0, 16, 0);
	a = raw(0, types[_i], 0, s, 4 * sizeof(s[0]), 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, 1);
	free(img);
	assert_no_findings();
}
END_TEST

struct len_case {
	const char *name;
	uint32_t type;
	uint64_t sector;
	uint32_t out_data; /* readable bytes after the header */
	uint32_t in_len;   /* writable bytes, status included */
	uint8_t status;
};

/* drivernormative: Device Operation -- request lengths; a driver error the
 * device answers with IOERR (5.2.6: "device or driver error") */
static const struct len_case len_cases[] = {
	{ "GET_ID short", VIRTIO_BLK_T_GET_ID, 0, 0, 20, VIRTIO_BLK_S_IOERR },
	{ "GET_ID 1 byte", VIRTIO_BLK_T_GET_ID, 0, 0, 2, VIRTIO_BLK_S_IOERR },
	{ "GET_ID status only", VIRTIO_BLK_T_GET_ID, 0, 0, 1, VIRTIO_BLK_S_IOERR },
	{ "GET_ID long", VIRTIO_BLK_T_GET_ID, 0, 0, 22, VIRTIO_BLK_S_IOERR },
	{ "GET_ID readable data", VIRTIO_BLK_T_GET_ID, 0, 20, 21, VIRTIO_BLK_S_IOERR },
	{ "IN 513", VIRTIO_BLK_T_IN, 0, 0, 514, VIRTIO_BLK_S_IOERR },
	{ "IN 1", VIRTIO_BLK_T_IN, 0, 0, 2, VIRTIO_BLK_S_IOERR },
	{ "IN readable data", VIRTIO_BLK_T_IN, 0, 512, 513, VIRTIO_BLK_S_IOERR },
	{ "OUT 100", VIRTIO_BLK_T_OUT, 0, 100, 1, VIRTIO_BLK_S_IOERR },
	{ "OUT 1023", VIRTIO_BLK_T_OUT, 0, 1023, 1, VIRTIO_BLK_S_IOERR },
	{ "OUT writable data", VIRTIO_BLK_T_OUT, 0, 512, 513, VIRTIO_BLK_S_IOERR },
	{ "FLUSH sector 1", VIRTIO_BLK_T_FLUSH, 1, 0, 1, VIRTIO_BLK_S_IOERR },
	{ "FLUSH with data", VIRTIO_BLK_T_FLUSH, 0, 512, 1, VIRTIO_BLK_S_OK },
	{ "LIFETIME short", VIRTIO_BLK_T_GET_LIFETIME, 0, 0, 6, VIRTIO_BLK_S_IOERR },
	{ "LIFETIME long", VIRTIO_BLK_T_GET_LIFETIME, 0, 0, 8, VIRTIO_BLK_S_IOERR },
	{ "DISCARD 15 bytes", VIRTIO_BLK_T_DISCARD, 0, 15, 1, VIRTIO_BLK_S_IOERR },
	{ "DISCARD no segment", VIRTIO_BLK_T_DISCARD, 0, 0, 1, VIRTIO_BLK_S_IOERR },
	{ "WRITE_ZEROES 17 bytes", VIRTIO_BLK_T_WRITE_ZEROES, 0, 17, 1, VIRTIO_BLK_S_IOERR },
	{ "SECURE_ERASE 40 bytes", VIRTIO_BLK_T_SECURE_ERASE, 0, 40, 1, VIRTIO_BLK_S_IOERR },
	{ "DISCARD writable data", VIRTIO_BLK_T_DISCARD, 0, 16, 17, VIRTIO_BLK_S_IOERR },
};

START_TEST(request_length_rules)
{
	const struct len_case *lc = &len_cases[_i];
	uint8_t data[2048];
	uint8_t *img;
	struct raw_answer a;

	memset(data, 0, sizeof(data)); /* zero segments: sector 0, 0 sectors */
	open_blk(NULL, F_ALL, 1);
	img = fill_backing(14);
	a = raw(0, lc->type, lc->sector, data, lc->out_data, lc->in_len);
	ck_assert_msg(a.rc == 1 && a.status == lc->status, "%s: rc %d status %u", lc->name, a.rc,
		      a.status);
	ck_assert_uint_eq(a.used, lc->in_len);
	if (lc->status != VIRTIO_BLK_S_OK) {
		ck_assert(all_zero(a.in, lc->in_len - 1));
		ck_assert_uint_eq(stats()->driver_errors, 1);
	}
	assert_backing_eq(img);
	free(img);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------- framing */

/* _i: 0..15 where the header is cut (0: every byte its own descriptor),
 * +16 indirect, +32 a read instead of a write */
START_TEST(header_split_at_every_byte)
{
	unsigned cutpos = (unsigned)_i & 15;
	bool indirect = (_i >> 4) & 1, read = (_i >> 5) & 1;
	uint8_t out[16 + 2 * SECT], data[2 * SECT], back[2 * SECT];
	uint8_t in[2 * SECT + 1];
	uint32_t out_cuts[17], in_cuts[2];
	unsigned n_out = 0, n_in = 0, k;
	struct virtio_blk_req_hdr h = {
		.type = cpu_to_le32(read ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT),
		.reserved = cpu_to_le32(0x5a5a5a5a), /* reserved: not looked at */
		.sector = cpu_to_le64(0x0102 + (uint64_t)_i),
	};
	struct vblk_raw r = { .queue = 0, .indirect = indirect, .out = out };
	struct vblk_raw_result res;

	open_blk(NULL, F_ALL, 1);
	pattern(data, sizeof(data), (uint32_t)_i + 100);
	memcpy(out, &h, 16);
	if (cutpos == 0)
		for (k = 1; k < 16; k++)
			out_cuts[n_out++] = k;
	else
		out_cuts[n_out++] = cutpos;
	if (read) {
		ck_assert_int_eq(vc_blk_backing_write(dev(), (0x0102 + (uint64_t)_i) * SECT, data,
						      sizeof(data)), 0);
		r.out_len = 16;
		r.in_len = sizeof(in);
		in_cuts[n_in++] = 300; /* data cut inside a sector */
		in_cuts[n_in++] = 2 * SECT; /* status alone */
	} else {
		memcpy(out + 16, data, sizeof(data));
		out_cuts[n_out++] = 16 + 7;
		r.out_len = sizeof(out);
		r.in_len = 1;
	}
	r.out_cuts = out_cuts;
	r.n_out_cuts = n_out;
	r.in_cuts = in_cuts;
	r.n_in_cuts = n_in;
	ck_assert_int_eq(vblk_drv_submit_raw(&blk, &r, in, &res), 1);
	ck_assert_uint_eq(res.status, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(res.used_len, r.in_len);
	if (read) {
		ck_assert_mem_eq(in, data, sizeof(data));
	} else {
		ck_assert_int_eq(vc_blk_backing_read(dev(), (0x0102 + (uint64_t)_i) * SECT, back,
						     sizeof(back)), 0);
		ck_assert_mem_eq(back, data, sizeof(data));
	}
	assert_no_findings();
}
END_TEST

/* Header and data in one descriptor; data and status in one descriptor. */
START_TEST(no_framing_assumptions)
{
	uint8_t out[16 + SECT], in[SECT + 1], data[SECT];
	struct virtio_blk_req_hdr h = {
		.type = cpu_to_le32(VIRTIO_BLK_T_OUT), .reserved = cpu_to_le32(0),
		.sector = cpu_to_le64(77),
	};
	struct vblk_raw r = { .queue = 0, .out = out, .out_len = sizeof(out), .in_len = 1 };
	struct vblk_raw_result res;

	open_blk(NULL, F_ALL, 1);
	pattern(data, sizeof(data), 55);
	memcpy(out, &h, 16);
	memcpy(out + 16, data, SECT);
	ck_assert_int_eq(vblk_drv_submit_raw(&blk, &r, NULL, &res), 1);
	ck_assert_uint_eq(res.status, VIRTIO_BLK_S_OK);
	h.type = cpu_to_le32(VIRTIO_BLK_T_IN);
	memcpy(out, &h, 16);
	r = (struct vblk_raw){ .queue = 0, .out = out, .out_len = 16, .in_len = sizeof(in) };
	ck_assert_int_eq(vblk_drv_submit_raw(&blk, &r, in, &res), 1);
	ck_assert_uint_eq(res.status, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(res.used_len, sizeof(in));
	ck_assert_mem_eq(in, data, SECT);
	assert_no_findings();
}
END_TEST

/* The device writes only the request's writable bytes (and the used ring). */
START_TEST(device_writes_only_writable_bytes)
{
	uint8_t buf[4 * SECT];

	open_blk(NULL, F_ALL, 1);
	blk.segments = 3;
	ck_assert_int_eq(gm_track_enable(pr.dev_mem, true), 0);
	gm_track_clear(pr.dev_mem);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 5, buf, 4), VIRTIO_BLK_S_OK);
	/* data and status: 4 sectors + 1 at buf + 16 */
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, blk.buf + 16, 4 * SECT + 1), 4 * SECT + 1);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, blk.buf, 16), 0);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, blk.buf + 16 + 4 * SECT + 1, 64), 0);
	gm_track_clear(pr.dev_mem);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 5, buf, 4), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, blk.buf, 16 + 4 * SECT), 0);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, blk.buf + 16 + 4 * SECT, 1), 1);
	assert_no_findings();
}
END_TEST

/* The test hook vc_blk_override_next_answer: the next completion only reports
 * the armed status byte and/or used len; the device does the work and counts
 * its own status; the completion after it is the device's own again. */
START_TEST(override_next_answer_once)
{
	const uint64_t sector = 7;
	const struct vc_blk_stats *st;
	uint8_t data[SECT];
	struct raw_answer a;
	int i;

	open_blk(NULL, F_ALL, 1);
	st = stats();
	pattern(data, SECT, 9);
	ck_assert_int_eq(vc_blk_backing_write(dev(), sector * SECT, data, SECT), 0);

	/* refused: not a blk instance, values out of range */
	ck_assert_int_eq(vc_blk_override_next_answer(NULL, 3, -1), -1);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), 256, -1), -1);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), -2, -1), -1);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), -1, -2), -1);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), -1, (int64_t)UINT32_MAX + 1), -1);
	/* a refused call arms nothing */
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);

	/* the status byte: the data is read as usual, the statistics keep
	 * the device's own status */
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), 0x42, -1), 0);
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
	assert_answer(&a, 0x42, SECT + 1);
	ck_assert_mem_eq(a.in, data, SECT);
	ck_assert_uint_eq(st->requests[VC_BLK_SLOT_IN][VIRTIO_BLK_S_OK], 2);
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);

	/* OK for a request the device refused: nothing is written */
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), VIRTIO_BLK_S_OK, -1), 0);
	a = raw(0, VIRTIO_BLK_T_IN, CAP_DEFAULT, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);
	ck_assert_uint_eq(st->requests[VC_BLK_SLOT_IN][VIRTIO_BLK_S_IOERR], 1);
	a = raw(0, VIRTIO_BLK_T_IN, CAP_DEFAULT, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_IOERR, SECT + 1);

	/* the used len, short of the status byte */
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), -1, SECT), 0);
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
	ck_assert_int_eq(a.rc, 1);
	ck_assert_uint_eq(a.used, SECT);
	ck_assert_uint_eq(a.status, VIRTIO_BLK_S_OK);
	a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
	assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);

	/* both at once; then a later call replaces an earlier one */
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), VIRTIO_BLK_S_UNSUPP, 0), 0);
	a = raw(0, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 1);
	ck_assert_int_eq(a.rc, 1);
	ck_assert_uint_eq(a.used, 0);
	ck_assert_uint_eq(a.status, VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(st->requests[VC_BLK_SLOT_FLUSH][VIRTIO_BLK_S_OK], 1);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), 0x80, 1), 0);
	ck_assert_int_eq(vc_blk_override_next_answer(dev(), -1, -1), 0);
	for (i = 0; i < 2; i++) {
		a = raw(0, VIRTIO_BLK_T_IN, sector, NULL, 0, SECT + 1);
		assert_answer(&a, VIRTIO_BLK_S_OK, SECT + 1);
		ck_assert_mem_eq(a.in, data, SECT);
	}
	ck_assert_uint_eq(st->requests[VC_BLK_SLOT_IN][VIRTIO_BLK_S_OK], 7);
}
END_TEST

struct bad_frame {
	const char *name;
	uint32_t out_len;
	uint32_t in_len;
};

static const struct bad_frame bad_frames[] = {
	{ "no writable byte", 16, 0 },
	{ "no writable byte, with data", 16 + SECT, 0 },
	{ "header of 8 bytes", 8, 1 },
	{ "header of 15 bytes", 15, 513 },
	{ "header in the writable part", 0, 17 },
};

/* drivernormative: Device Operation -- nothing the device can answer:
 * reported, DEVICE_NEEDS_RESET; the driver resets and goes on */
START_TEST(malformed_request_needs_reset)
{
	const struct bad_frame *bf = &bad_frames[_i];
	uint8_t out[16 + SECT];
	struct virtio_blk_req_hdr h = {
		.type = cpu_to_le32(VIRTIO_BLK_T_IN), .reserved = cpu_to_le32(0),
		.sector = cpu_to_le64(0),
	};
	struct vblk_raw r = { .queue = 0, .out = out, .out_len = bf->out_len, .in_len = bf->in_len };
	struct vblk_raw_result res;
	struct vdrv_config cfg;
	const struct vc_findings *f;
	uint8_t buf[SECT];

	memset(out, 0, sizeof(out));
	memcpy(out, &h, 16);
	open_blk(NULL, F_ALL, 1);
	ck_assert_int_eq(vblk_drv_submit_raw(&blk, &r, NULL, &res), 0);
	f = vpci_findings(pr.dev);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(f->v[0].clause, CL_DRV_BLK_OP);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE | ST_NR);
	ck_assert_uint_eq(stats()->malformed, 1);
	/* the driver does not reuse buffers the device may still own */
	ck_assert(blk.stuck);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 0, buf, 1), -1);

	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	vblk_drv_config(&cfg, F_ALL);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_int_eq(vblk_drv_attach(&blk, pr.drv), 0);
	ck_assert_int_eq(vblk_drv_read(&blk, 0, 0, buf, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(vdrv_findings(pr.drv)->count, 0);
}
END_TEST

/* ------------------------------------------------------- hostile config */

struct hostile {
	const char *args;
	uint64_t feature; /* the feature that makes the field count */
};

static const struct hostile hostile[] = {
	{ "blk_size=0", F(VIRTIO_BLK_F_BLK_SIZE) },
	{ "blk_size=256", F(VIRTIO_BLK_F_BLK_SIZE) },
	{ "blk_size=1536", F(VIRTIO_BLK_F_BLK_SIZE) },
	{ "blk_size=131072", F(VIRTIO_BLK_F_BLK_SIZE) },
	{ "num_queues=0", F(VIRTIO_BLK_F_MQ) },
	{ "num_queues=9", F(VIRTIO_BLK_F_MQ) },
	{ "num_queues=65535", F(VIRTIO_BLK_F_MQ) },
	{ "seg_max=0", F(VIRTIO_BLK_F_SEG_MAX) },
	{ "size_max=0", F(VIRTIO_BLK_F_SIZE_MAX) },
	{ "size_max=511", F(VIRTIO_BLK_F_SIZE_MAX) },
	{ "max_discard_seg=0", F(VIRTIO_BLK_F_DISCARD) },
	{ "max_discard_sectors=0", F(VIRTIO_BLK_F_DISCARD) },
	{ "max_write_zeroes_seg=0", F(VIRTIO_BLK_F_WRITE_ZEROES) },
	{ "max_write_zeroes_sectors=0", F(VIRTIO_BLK_F_WRITE_ZEROES) },
	{ "max_secure_erase_seg=0", F(VIRTIO_BLK_F_SECURE_ERASE) },
	{ "max_secure_erase_sectors=0", F(VIRTIO_BLK_F_SECURE_ERASE) },
	{ "physical_block_exp=16", F(VIRTIO_BLK_F_TOPOLOGY) },
	{ "writeback=2", F(VIRTIO_BLK_F_CONFIG_WCE) },
};

#define N_HOSTILE (int)(sizeof(hostile) / sizeof(hostile[0]))

/* _i < N_HOSTILE: the driver negotiates the feature and refuses;
 * otherwise it does not negotiate it and the value does not matter */
START_TEST(driver_refuses_unusable_config)
{
	const struct hostile *h = &hostile[_i % N_HOSTILE];
	const struct vc_findings *f;

	if (_i < N_HOSTILE) {
		ck_assert_int_eq(try_open(h->args, F_ALL, 1), -1);
		f = vdrv_findings(pr.drv);
		ck_assert_uint_eq(f->count, 1);
		ck_assert_str_eq(f->v[0].clause, CL_DEV_BLK_INIT);
		ck_assert(vdrv_status(pr.drv) & VIRTIO_STATUS_FAILED);
		ck_assert(!(vpci_status(pr.dev) & VIRTIO_STATUS_DRIVER_OK));
		ck_assert_uint_eq(vpci_findings(pr.dev)->count, 0);
	} else {
		open_blk(h->args, F_ALL & ~h->feature, 1);
		assert_no_findings();
	}
}
END_TEST

/* devicenormative: Device Initialization -- a device offering CONFIG_WCE
 * without FLUSH is refused whatever the driver wants */
START_TEST(driver_refuses_config_wce_without_flush)
{
	const struct vc_findings *f;

	ck_assert_int_eq(try_open("features=-flush", _i ? F_ALL : 0, 1), -1);
	f = vdrv_findings(pr.drv);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(f->v[0].clause, CL_DEV_BLK_INIT);
	ck_assert(vdrv_status(pr.drv) & VIRTIO_STATUS_FAILED);
}
END_TEST

static const char *const bad_args[] = {
	"bogus=1", "capacity=", "capacity=abc", "capacity=-1", "capacity=12x",
	"capacity=0x", "capacity=99999999999999999999", "capacity=2097153", /* RAM disk > 1 GiB */
	"blk_size=4294967296", "num_queues=65536", "geometry=1/2", "geometry=1/2/3/4",
	"geometry=1/256/3", "max_discard_seg=4097", "serial=123456789012345678901",
	"features=flush+nope", "features=flush++discard", "ro=2", "physical_block_exp=256",
	"capacity=8,", ",capacity=8", "capacity", "=5", "file=", "file=/nonexistent/x/y",
	"lifetime=1/2", "writeback=256",
};

START_TEST(strict_argument_parsing)
{
	struct vc_pair p;

	ck_assert_msg(vc_pair_open(&p, &vc_blk_device_ops, bad_args[_i], NULL, NULL, 0) != 0,
		      "accepted \"%s\"", bad_args[_i]);
}
END_TEST

START_TEST(argument_forms_accepted)
{
	static const char *const good[] = {
		"capacity=0x800,serial=x", "features=flush", "features=", "features=+ro-mq",
		"geometry=65535/255/255", "ro=0,ro=1",
	};
	struct vc_pair p;
	uint64_t f;

	ck_assert_int_eq(vc_pair_open(&p, &vc_blk_device_ops, good[_i], NULL, NULL, 0), 0);
	f = vpci_offered_features(p.dev);
	ck_assert(f & F(VIRTIO_F_VERSION_1));
	switch (_i) {
	case 0: ck_assert_uint_eq(vc_blk_capacity(vpci_device(p.dev)), 2048); break;
	case 1: ck_assert_uint_eq(f, F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_FLUSH)); break;
	case 2: ck_assert_uint_eq(f, F(VIRTIO_F_VERSION_1)); break;
	case 3: ck_assert(f & F(VIRTIO_BLK_F_RO)); ck_assert(!(f & F(VIRTIO_BLK_F_MQ))); break;
	case 4: ck_assert(f & F(VIRTIO_BLK_F_GEOMETRY)); break;
	default: ck_assert(f & F(VIRTIO_BLK_F_RO)); break;
	}
	vc_pair_close(&p);
}
END_TEST

/* ------------------------------------------------------- multiqueue */

START_TEST(every_request_queue_works)
{
	uint8_t w[SECT], r[SECT];
	uint16_t q;

	open_blk("num_queues=4", F_ALL, 4);
	ck_assert_uint_eq(blk.num_queues, 4);
	for (q = 0; q < 4; q++) {
		pattern(w, sizeof(w), q);
		/* written on one queue, read back on the next */
		ck_assert_int_eq(vblk_drv_write(&blk, q, 10 + q, w, 1), VIRTIO_BLK_S_OK);
		ck_assert_int_eq(vblk_drv_read(&blk, (uint16_t)((q + 1) % 4), 10 + q, r, 1),
				 VIRTIO_BLK_S_OK);
		ck_assert_mem_eq(r, w, sizeof(w));
	}
	for (q = 0; q < 4; q++)
		ck_assert_uint_eq(stats()->per_queue[q], 2);
	ck_assert_int_eq(vblk_drv_flush(&blk, 3), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->per_queue[3], 3);
	ck_assert_int_eq(vblk_drv_read(&blk, 4, 0, r, 1), -1); /* no such queue */
	assert_no_findings();
}
END_TEST

/* The driver sets up only the queues the device has, and only queue 0
 * without MQ. */
START_TEST(queues_limited_by_device)
{
	open_blk("num_queues=3", F_ALL, 8);
	ck_assert_uint_eq(blk.num_queues, 3);
	ck_assert_ptr_nonnull(vdrv_queue(pr.drv, 2));
	ck_assert_ptr_null(vdrv_queue(pr.drv, 3));
	vc_pair_close(&pr);
	pr_open = false;

	open_blk("num_queues=3", F_ALL & ~F(VIRTIO_BLK_F_MQ), 8);
	ck_assert_uint_eq(blk.num_queues, 1);
	ck_assert_ptr_null(vdrv_queue(pr.drv, 1));
	assert_no_findings();
}
END_TEST

/* Without MQ only queue 0 is a request queue (5.2.2): buffers on another
 * queue are left alone. */
START_TEST(non_request_queue_is_ignored)
{
	struct virtio_blk_req_hdr h = {
		.type = cpu_to_le32(VIRTIO_BLK_T_GET_ID), .reserved = cpu_to_le32(0),
		.sector = cpu_to_le64(0),
	};
	struct vdrv_config cfg;
	struct vq_buf out, in;
	uint32_t len;
	void *tok;
	vq_drv_t *vq;

	ck_assert_int_eq(vc_pair_open(&pr, &vc_blk_device_ops, NULL, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_BLOCK), 0);
	vblk_drv_config(&cfg, F_ALL & ~F(VIRTIO_BLK_F_MQ));
	cfg.hook = NULL; /* set up queue 1 as well */
	cfg.num_queues = 2;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_int_eq(vblk_drv_attach(&blk, pr.drv), 0);
	ck_assert_uint_eq(blk.num_queues, 1);
	vq = vdrv_queue(pr.drv, 1);
	ck_assert_ptr_nonnull(vq);
	out = (struct vq_buf){ vdrv_alloc(pr.drv, 16, 16), 16 };
	in = (struct vq_buf){ vdrv_alloc(pr.drv, 21, 16), 21 };
	ck_assert_int_eq(gm_write(pr.drv_mem, out.gpa, &h, 16), 0);
	ck_assert_int_ge(vq_drv_add(vq, &out, 1, &in, 1, &blk, false), 0);
	vdrv_kick(pr.drv, 1);
	ck_assert_uint_eq(stats()->ignored_notifies, 1);
	ck_assert_int_eq(vq_drv_get(vq, &tok, &len), 0);
	ck_assert_uint_eq(stats()->per_queue[1], 0);
	/* queue 0 works */
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), VIRTIO_BLK_S_OK);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------- file backend */

static int make_temp(uint64_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "%s/vc-blk-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(tmp_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define FILE_BYTES (64ull << 20)
#define FILE_SECTORS (FILE_BYTES / SECT)
#define RANDOM_OPS 10000
#define MAX_OP_SECTORS 64

/* REQUIRED by issue #6: a 64 MiB file-backed disk through 10^4 random
 * reads, writes and discards; every read and the final content match a
 * shadow copy. */
START_TEST(file_disk_random_ops_match_shadow)
{
	uint8_t *shadow = calloc(1, FILE_BYTES), *img = malloc(FILE_BYTES);
	uint8_t w[MAX_OP_SECTORS * SECT], r[MAX_OP_SECTORS * SECT];
	uint64_t s = 0x6b6c62ull, reads = 0, writes = 0, discards = 0;
	char args[320];
	int fd, i;

	ck_assert_ptr_nonnull(shadow);
	ck_assert_ptr_nonnull(img);
	fd = make_temp(FILE_BYTES);
	snprintf(args, sizeof(args), "file=%s", tmp_path);
	open_blk(args, F_ALL, 2);
	unlink(tmp_path); /* the device keeps it open */
	tmp_path[0] = 0;
	ck_assert_uint_eq(vc_blk_capacity(dev()), FILE_SECTORS);
	ck_assert_uint_eq(blk.info.capacity, FILE_SECTORS);
	blk.seg_state = 0x5e9;

	for (i = 0; i < RANDOM_OPS; i++) {
		uint64_t x = rng_next(&s), sector;
		uint32_t n = 1 + (uint32_t)(rng_next(&s) % MAX_OP_SECTORS), kind = x % 10;
		uint16_t q = (uint16_t)((x >> 8) & 1);

		sector = rng_next(&s) % (FILE_SECTORS - n + 1);
		blk.segments = 1 + (uint32_t)((x >> 16) % 8);
		blk.indirect = (x >> 24) & 1;
		if (kind < 4) {
			ck_assert_int_eq(vblk_drv_read(&blk, q, sector, r, n), VIRTIO_BLK_S_OK);
			ck_assert_msg(memcmp(r, shadow + sector * SECT, (size_t)n * SECT) == 0,
				      "op %d: read of %u sectors at %llu differs", i, n,
				      (unsigned long long)sector);
			reads++;
		} else if (kind < 9) {
			pattern(w, (size_t)n * SECT, (uint32_t)i);
			ck_assert_int_eq(vblk_drv_write(&blk, q, sector, w, n), VIRTIO_BLK_S_OK);
			memcpy(shadow + sector * SECT, w, (size_t)n * SECT);
			writes++;
		} else {
			struct vblk_range rg = { sector, n };

			ck_assert_int_eq(vblk_drv_discard(&blk, q, &rg, 1), VIRTIO_BLK_S_OK);
			/* this device documents discard as reading back zeroes */
			memset(shadow + sector * SECT, 0, (size_t)n * SECT);
			discards++;
		}
	}
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), VIRTIO_BLK_S_OK);
	ck_assert_uint_gt(reads, RANDOM_OPS / 5);
	ck_assert_uint_gt(writes, RANDOM_OPS / 5);
	ck_assert_uint_gt(discards, RANDOM_OPS / 50);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_IN][VIRTIO_BLK_S_OK], reads);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_OUT][VIRTIO_BLK_S_OK], writes);
	ck_assert_uint_eq(stats()->requests[VC_BLK_SLOT_DISCARD][VIRTIO_BLK_S_OK], discards);
	/* the final content, from the file itself */
	ck_assert_int_eq(pread(fd, img, FILE_BYTES, 0), (ssize_t)FILE_BYTES);
	ck_assert_msg(memcmp(img, shadow, FILE_BYTES) == 0, "file content differs from shadow");
	close(fd);
	free(shadow);
	free(img);
	assert_no_findings();
}
END_TEST

/* Stable writes (5.2.6.2): without FLUSH negotiated (but offered) every
 * write is committed before completion; with CONFIG_WCE, writeback 0
 * means the same; writeback 1 leaves it to FLUSH. */
START_TEST(file_writethrough_commits_each_write)
{
	uint8_t w[SECT];
	char args[320];
	uint64_t before;
	int fd;

	fd = make_temp(1 << 20);
	close(fd);
	snprintf(args, sizeof(args), "file=%s", tmp_path);
	pattern(w, sizeof(w), 3);

	open_blk(args, F_ALL & ~(F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_CONFIG_WCE)), 1);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 1, w, 1), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 2, w, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->syncs, 2);
	vc_pair_close(&pr);
	pr_open = false;

	open_blk(args, F_ALL, 1);
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 1, w, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->syncs, 0); /* writeback cache */
	ck_assert_int_eq(vblk_drv_flush(&blk, 0), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->syncs, 1);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, offsetof(struct virtio_blk_config, writeback),
			 1, 0);
	before = stats()->syncs;
	ck_assert_int_eq(vblk_drv_write(&blk, 0, 1, w, 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(stats()->syncs, before + 1);
	assert_no_findings();
}
END_TEST

/* capacity= extends a shorter file; without it the size gives capacity */
START_TEST(file_capacity)
{
	char args[320];
	struct stat st;
	int fd;

	fd = make_temp(3 * SECT + 100);
	snprintf(args, sizeof(args), "file=%s", tmp_path);
	open_blk(args, F_ALL, 1);
	ck_assert_uint_eq(blk.info.capacity, 3);
	vc_pair_close(&pr);
	pr_open = false;
	snprintf(args, sizeof(args), "file=%s,capacity=100", tmp_path);
	open_blk(args, F_ALL, 1);
	ck_assert_uint_eq(blk.info.capacity, 100);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 100 * SECT);
	close(fd);
	assert_no_findings();
}
END_TEST

static Suite *blk_suite(void)
{
	Suite *s = suite_create("blk");
	TCase *tc;

	tc = tcase_create("ok");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, write_then_read_matches_backing, 0, 16);
	tcase_add_test(tc, read_returns_backing_content);
	tcase_add_test(tc, whole_disk_round_trip);
	tcase_add_test(tc, flush_ok);
	tcase_add_loop_test(tc, ranges_read_back_as_zeroes, 0, 4);
	tcase_add_test(tc, get_id_is_nul_padded_serial);
	tcase_add_test(tc, get_lifetime_reports_values);
	tcase_add_loop_test(tc, driver_rejects_reserved_lifetime, 0, 3);
	tcase_add_test(tc, config_space_layout);
	tcase_add_test(tc, writeback_toggles_only_with_config_wce);
	tcase_add_test(tc, config_wce_without_flush_starts_writethrough);
	tcase_add_test(tc, writeback_read_before_features_ok_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, beyond_capacity_is_ioerr, 0,
			    (int)(sizeof(bad_sectors) / sizeof(bad_sectors[0])));
	tcase_add_test(tc, capacity_edge_is_ok);
	tcase_add_loop_test(tc, range_beyond_capacity_is_ioerr, 0, 3);
	tcase_add_test(tc, read_only_refuses_writes);
	tcase_add_loop_test(tc, unknown_type_is_unsupp, 0,
			    (int)(sizeof(unknown_types) / sizeof(unknown_types[0])));
	tcase_add_loop_test(tc, unnegotiated_feature_is_unsupp, 0, 2);
	tcase_add_loop_test(tc, flags_other_than_unmap_are_unsupp, 0,
			    (int)(sizeof(flag_cases) / sizeof(flag_cases[0])));
	tcase_add_loop_test(tc, segment_limits, 0, 3);
	tcase_add_loop_test(tc, request_length_rules, 0,
			    (int)(sizeof(len_cases) / sizeof(len_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, header_split_at_every_byte, 0, 64);
	tcase_add_test(tc, no_framing_assumptions);
	tcase_add_test(tc, device_writes_only_writable_bytes);
	tcase_add_test(tc, override_next_answer_once);
	tcase_add_loop_test(tc, malformed_request_needs_reset, 0,
			    (int)(sizeof(bad_frames) / sizeof(bad_frames[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, driver_refuses_unusable_config, 0, 2 * N_HOSTILE);
	tcase_add_loop_test(tc, driver_refuses_config_wce_without_flush, 0, 2);
	tcase_add_loop_test(tc, strict_argument_parsing, 0,
			    (int)(sizeof(bad_args) / sizeof(bad_args[0])));
	tcase_add_loop_test(tc, argument_forms_accepted, 0, 6);
	suite_add_tcase(s, tc);

	tc = tcase_create("multiqueue");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, every_request_queue_works);
	tcase_add_test(tc, queues_limited_by_device);
	tcase_add_test(tc, non_request_queue_is_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, file_disk_random_ops_match_shadow);
	tcase_add_test(tc, file_writethrough_commits_each_write);
	tcase_add_test(tc, file_capacity);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(blk_suite)
