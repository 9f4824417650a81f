// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-rng end to end (VIRTIO 1.2 5.4): the rng driver against the rng
 * device on a vc_pair, over direct and indirect chains of 1..4 segments,
 * with and without EVENT_IDX, with MSI-X and with INTx. Also the device's
 * reaction to a device-readable request buffer, and which guest bytes the
 * device wrote (write tracking on its view of guest memory).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "gm.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define ST_LIVE (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
		 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
#define ST_NR VIRTIO_STATUS_DEVICE_NEEDS_RESET

#define F_IND VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define F_EVT VIRTIO_BIT(VIRTIO_F_EVENT_IDX)

#define READ_N   1000
#define READ_BUF 128
#define READ_REQS ((READ_N + READ_BUF - 1) / READ_BUF)

struct shape {
	bool indirect;
	unsigned segments;
	bool event_idx;
	bool msix;
};

#define N_SHAPES 32

static struct shape shape_of(int i)
{
	struct shape s = {
		.indirect = i & 1,
		.segments = 1 + ((unsigned)i >> 1 & 3),
		.event_idx = (i >> 3) & 1,
		.msix = (i >> 4) & 1,
	};

	return s;
}

static struct vc_pair pr;
static bool pr_open;
static struct vrng_drv rng;

static void teardown(void)
{
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

/* Open a pair and bring the rng up with this shape; track the device's
 * writes from before queue setup when track is set. */
static void open_live(const char *args, struct shape sh, bool track)
{
	struct vdrv_config cfg;

	ck_assert_int_eq(vc_pair_open(&pr, &vc_rng_device_ops, args, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_RNG), 0);
	if (track)
		ck_assert_int_eq(gm_track_enable(pr.dev_mem, true), 0);
	vrng_drv_config(&cfg, (sh.event_idx ? F_EVT : 0) | (sh.indirect ? F_IND : 0));
	cfg.use_msix = sh.msix;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	ck_assert_int_eq(vrng_drv_attach(&rng, pr.drv, READ_BUF), 0);
	rng.indirect = sh.indirect;
	rng.segments = sh.segments;
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vpci_findings(pr.dev), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

/* A whole run: n bytes with this seed argument and shape, no findings. */
static void read_stream(const char *args, struct shape sh, uint8_t *out, size_t n)
{
	open_live(args, sh, false);
	ck_assert_int_eq(vrng_drv_read(&rng, out, n), (long)n);
	assert_no_findings();
	teardown();
}

static size_t count_nonzero(const uint8_t *b, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += b[i] != 0;
	return k;
}

/* ---------------------------------------------------------------- reads */

START_TEST(read_all_shapes)
{
	struct shape sh = shape_of(_i);
	const struct vdrv_irq_stats *irq;
	uint8_t buf[READ_N];
	uint64_t f;

	memset(buf, 0, sizeof(buf));
	open_live("seed=7", sh, false);
	f = vdrv_features(pr.drv);
	ck_assert_uint_eq(!!(f & F_EVT), sh.event_idx);
	ck_assert_uint_eq(!!(f & F_IND), sh.indirect);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), f);

	ck_assert_int_eq(vrng_drv_read(&rng, buf, READ_N), READ_N);
	ck_assert_uint_gt(count_nonzero(buf, READ_N), READ_N / 2);
	ck_assert_uint_eq(vq_drv_stats(vdrv_queue(pr.drv, 0))->reaped, READ_REQS);
	ck_assert_uint_eq(vq_dev_stats(vpci_queue(pr.dev, 0))->popped, READ_REQS);
	/* each request was a chain of this shape */
	ck_assert_uint_eq(vq_dev_stats(vpci_queue(pr.dev, 0))->descs_walked,
			  READ_REQS * (sh.segments + (sh.indirect ? 1 : 0)));
	irq = vdrv_irq_stats(pr.drv);
	ck_assert_uint_eq(irq->queue[0], READ_REQS);
	ck_assert_uint_eq(irq->intx, sh.msix ? 0 : READ_REQS);
	ck_assert_uint_eq(irq->config, 0);
	assert_no_findings();
}
END_TEST

static const int seed_shapes[] = { 0, 7, 24, 31 };

START_TEST(same_seed_same_bytes)
{
	struct shape sh = shape_of(seed_shapes[_i]);
	uint8_t a[READ_N], b[READ_N];

	read_stream("seed=7", sh, a, READ_N);
	read_stream("seed=7", sh, b, READ_N);
	ck_assert_mem_eq(a, b, READ_N);
}
END_TEST

START_TEST(other_seed_other_bytes)
{
	struct shape sh = shape_of(seed_shapes[_i]);
	uint8_t a[READ_N], b[READ_N];
	size_t i, same = 0;

	read_stream("seed=7", sh, a, READ_N);
	read_stream("seed=8", sh, b, READ_N);
	for (i = 0; i < READ_N; i++)
		same += a[i] == b[i];
	ck_assert_uint_lt(same, READ_N / 8);
}
END_TEST

/* The segments of one chain are filled in order: any shape yields the bytes
 * of a single direct descriptor per request. */
START_TEST(segmented_chain_filled_in_order)
{
	uint8_t ref[READ_N], got[READ_N];

	read_stream("seed=7", shape_of(0), ref, READ_N);
	read_stream("seed=7", shape_of(_i), got, READ_N);
	ck_assert_mem_eq(ref, got, READ_N);
}
END_TEST

static const uint32_t req_sizes[] = { 1, 7, 64, 4096, 6000 };

START_TEST(used_len_within_posted_buffer)
{
	uint32_t size = req_sizes[_i], len = 0;
	vq_drv_t *vq;
	struct vq_buf in;
	void *tok = NULL;
	uint64_t buf;

	open_live(NULL, shape_of(0), false);
	vq = vdrv_queue(pr.drv, 0);
	buf = vdrv_alloc(pr.drv, size + 128, 64) + 64;
	ck_assert_int_eq(gm_track_enable(pr.dev_mem, true), 0);
	in = (struct vq_buf){ buf, size };
	ck_assert_int_ge(vq_drv_add(vq, NULL, 0, &in, 1, &rng, false), 0);
	vdrv_kick(pr.drv, 0);
	ck_assert_int_eq(vq_drv_get(vq, &tok, &len), 1);
	ck_assert_ptr_eq(tok, &rng);
	ck_assert_uint_ge(len, 1);
	ck_assert_uint_le(len, size);
	/* at least len bytes written, from the start of the buffer; nothing else */
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, buf, len), len);
	ck_assert_uint_eq(gm_track_total(pr.dev_mem), gm_track_count(pr.dev_mem, buf, size));
	assert_no_findings();
}
END_TEST

/* -------------------------------------------------------- write tracking */

#define GUARD 64

static uint64_t used_ring(uint64_t *bytes)
{
	uint64_t lo, hi;
	uint16_t size;

	vdrv_common_write(pr.drv, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	size = (uint16_t)vdrv_common_read(pr.drv, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	lo = vdrv_common_read(pr.drv, VIRTIO_PCI_COMMON_Q_USEDLO, 4);
	hi = vdrv_common_read(pr.drv, VIRTIO_PCI_COMMON_Q_USEDHI, 4);
	*bytes = virtq_used_bytes(size); /* flags, idx, ring and avail_event */
	return hi << 32 | lo;
}

/* _i: bit 0 indirect, bits 1-2 segments - 1 */
START_TEST(device_writes_only_posted_buffers)
{
	bool indirect = _i & 1;
	unsigned nseg = 1 + ((unsigned)_i >> 1), k;
	uint8_t canary[GUARD], seen[GUARD];
	struct vq_buf in[4];
	uint64_t area, used, used_bytes, total = 0, left, written = 0;
	uint32_t len = 0;
	void *tok;
	vq_drv_t *vq;

	open_live(NULL, (struct shape){ .indirect = true, .segments = 1, .msix = true }, true);
	vq = vdrv_queue(pr.drv, 0);
	area = vdrv_alloc(pr.drv, 0x4000, 64);
	ck_assert_uint_ne(area, 0);
	/* segments in all three regions, odd lengths, odd addresses */
	in[0] = (struct vq_buf){ area + 0x100, 100 };
	in[1] = (struct vq_buf){ 0x01000000ull + 0x2040, 333 };
	in[2] = (struct vq_buf){ 0x100000000ull + 0x3003, 1000 };
	in[3] = (struct vq_buf){ area + 0x2001, 7 };
	memset(canary, 0xa5, sizeof(canary));
	for (k = 0; k < nseg; k++) {
		ck_assert_int_eq(gm_write(pr.drv_mem, in[k].gpa - GUARD, canary, GUARD), 0);
		ck_assert_int_eq(gm_write(pr.drv_mem, in[k].gpa + in[k].len, canary, GUARD), 0);
		total += in[k].len;
	}
	used = used_ring(&used_bytes);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, used, used_bytes), used_bytes);
	ck_assert_uint_eq(gm_track_total(pr.dev_mem), used_bytes); /* nothing else yet */

	ck_assert_int_ge(vq_drv_add(vq, NULL, 0, in, nseg, &rng, indirect), 0);
	vdrv_kick(pr.drv, 0);
	ck_assert_int_eq(vq_drv_get(vq, &tok, &len), 1);
	ck_assert_uint_ge(len, 1);
	ck_assert_uint_le(len, total);
	left = len;
	for (k = 0; k < nseg; k++) {
		uint64_t n = gm_track_count(pr.dev_mem, in[k].gpa, in[k].len);
		uint64_t want = left < in[k].len ? left : in[k].len;

		/* the first len bytes of the buffer, in segment order */
		ck_assert_uint_ge(n, want);
		left -= want;
		written += n;
		ck_assert_uint_eq(gm_track_count(pr.dev_mem, in[k].gpa - GUARD, GUARD), 0);
		ck_assert_uint_eq(gm_track_count(pr.dev_mem, in[k].gpa + in[k].len, GUARD), 0);
		ck_assert_int_eq(gm_read(pr.drv_mem, in[k].gpa - GUARD, seen, GUARD), 0);
		ck_assert_mem_eq(seen, canary, GUARD);
		ck_assert_int_eq(gm_read(pr.drv_mem, in[k].gpa + in[k].len, seen, GUARD), 0);
		ck_assert_mem_eq(seen, canary, GUARD);
	}
	/* everything the device wrote: the segments and the used ring */
	ck_assert_uint_eq(gm_track_total(pr.dev_mem), written + used_bytes);
	assert_no_findings();
}
END_TEST

START_TEST(rng_driver_reads_stay_in_its_buffer)
{
	uint8_t buf[READ_N];
	uint64_t used, used_bytes;

	open_live("seed=3", shape_of(_i), true);
	used = used_ring(&used_bytes);
	ck_assert_int_eq(vrng_drv_read(&rng, buf, READ_N), READ_N);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, rng.buf, rng.buf_size), rng.buf_size);
	ck_assert_uint_eq(gm_track_count(pr.dev_mem, used, used_bytes), used_bytes);
	ck_assert_uint_eq(gm_track_total(pr.dev_mem), rng.buf_size + used_bytes);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------ a misbehaving driver */

/* _i: 0 readable only, 1 readable then writable */
START_TEST(readable_request_buffer_needs_reset)
{
	struct vq_buf out, in;
	struct vdrv_config cfg;
	uint8_t buf[256];
	uint32_t len;
	void *tok;
	vq_drv_t *vq;
	const struct vc_findings *f;

	open_live("seed=7", shape_of(16), false);
	vq = vdrv_queue(pr.drv, 0);
	out = (struct vq_buf){ vdrv_alloc(pr.drv, 16, 16), 16 };
	in = (struct vq_buf){ vdrv_alloc(pr.drv, 16, 16), 16 };
	ck_assert_int_ge(vq_drv_add(vq, &out, 1, _i ? &in : NULL, _i ? 1 : 0, &rng, false), 0);
	vdrv_kick(pr.drv, 0);
	f = vpci_findings(pr.dev);
	ck_assert_int_ge(vc_findings_find(f, CL_DRV_RNG), 0);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE | ST_NR);
	ck_assert_uint_eq(vdrv_status(pr.drv), ST_LIVE | ST_NR);
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->config, 1); /* told the driver */
	ck_assert_int_eq(vq_drv_get(vq, &tok, &len), 0);     /* nothing used */
	/* a broken device does no more work */
	ck_assert_int_eq(vrng_drv_read(&rng, buf, 16), -1);
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->queue[0], 0);

	/* liveness: reset and initialize again */
	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	ck_assert(!vpci_broken(pr.dev));
	vrng_drv_config(&cfg, 0);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	ck_assert_int_eq(vrng_drv_attach(&rng, pr.drv, 64), 0);
	ck_assert_int_eq(vrng_drv_read(&rng, buf, sizeof(buf)), (long)sizeof(buf));
	ck_assert_uint_gt(count_nonzero(buf, sizeof(buf)), sizeof(buf) / 2);
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 1);
	ck_assert_uint_eq(vdrv_findings(pr.drv)->count, 0);
}
END_TEST

static Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc;

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, read_all_shapes, 0, N_SHAPES);
	tcase_add_loop_test(tc, same_seed_same_bytes, 0,
			    (int)(sizeof(seed_shapes) / sizeof(seed_shapes[0])));
	tcase_add_loop_test(tc, other_seed_other_bytes, 0,
			    (int)(sizeof(seed_shapes) / sizeof(seed_shapes[0])));
	tcase_add_loop_test(tc, segmented_chain_filled_in_order, 0, N_SHAPES);
	tcase_add_loop_test(tc, used_len_within_posted_buffer, 0,
			    (int)(sizeof(req_sizes) / sizeof(req_sizes[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("writes");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, device_writes_only_posted_buffers, 0, 8);
	tcase_add_loop_test(tc, rng_driver_reads_stay_in_its_buffer, 0, N_SHAPES);
	suite_add_tcase(s, tc);

	tc = tcase_create("misbehaving");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, readable_request_buffer_needs_reset, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(rng_suite)
