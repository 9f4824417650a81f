// SPDX-License-Identifier: Apache-2.0
/*
 * The device core serves elem_read/elem_write only for elements it handed
 * out and the device has not completed (a plugin's elements are not
 * trusted): the element as popped and a faithful copy are served; an
 * altered segment, a made-up head, an element after its push, and one from
 * before a reset are refused with a finding citing the Descriptor Table
 * clause, and nothing is written to guest memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "gm.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define T_ID    30   /* a device ID 1.2 lists; the driver probes by PCI ID 0x1040 + ID */
#define T_QMAX  8
#define BUF_LEN 64

enum t_action {
	ACT_AS_POPPED,      /* write through the element as popped */
	ACT_COPY,           /* through a copy of it and of its segments */
	ACT_ALTERED_GPA,    /* a copy with one segment moved */
	ACT_ALTERED_LEN,    /* a copy with one segment longer */
	ACT_MADE_UP_HEAD,   /* a copy naming another head */
	ACT_AFTER_PUSH,     /* push first, then write */
	ACT_READ_ALTERED,   /* elem_read through a moved segment */
	ACT_HOLD,           /* keep the element, complete nothing */
	N_ACT
};

static struct t_dev {
	const struct vc_host_ops *host;
	void *h;
	enum t_action act;
	uint64_t done;      /* what elem_write / elem_read returned */
	bool popped;
	struct vc_elem kept;            /* for a write after a reset */
	struct vc_seg kept_segs[4];
} td;

static void *t_create(const struct vc_host_ops *host, void *h, const char *args)
{
	(void)args;
	td.host = host;
	td.h = h;
	return &td;
}

static void t_destroy(void *dev) { (void)dev; }
static uint64_t t_features(void *dev) { (void)dev; return VIRTIO_BIT(VIRTIO_F_VERSION_1); }
static int t_set_features(void *dev, uint64_t f) { (void)dev; (void)f; return 0; }
static void t_cfg_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	(void)dev; (void)off;
	memset(dst, 0, len);
}
static void t_cfg_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	(void)dev; (void)off; (void)src; (void)len;
}
static void t_activate(void *dev) { (void)dev; }
static void t_reset(void *dev) { (void)dev; }

static void t_notify(void *dev, uint16_t q)
{
	static const uint8_t pattern[BUF_LEN] = { [0 ... BUF_LEN - 1] = 0x5a };
	struct vc_elem e, c;
	struct vc_seg segs[4];
	uint8_t rd[BUF_LEN];

	(void)dev;
	if (td.host->queue_pop(td.h, q, &e) != VC_POP_OK)
		return;
	td.popped = true;
	ck_assert_uint_le(e.n_readable + e.n_writable, 4);
	memcpy(segs, e.segs, (e.n_readable + e.n_writable) * sizeof(segs[0]));
	c = e;
	c.segs = segs;
	td.kept = e;
	memcpy(td.kept_segs, segs, sizeof(segs));
	td.kept.segs = td.kept_segs;
	switch (td.act) {
	case ACT_AS_POPPED:
		td.done = td.host->elem_write(td.h, &e, 0, pattern, BUF_LEN);
		break;
	case ACT_COPY:
		td.done = td.host->elem_write(td.h, &c, 0, pattern, BUF_LEN);
		break;
	case ACT_ALTERED_GPA:
		segs[e.n_readable].gpa += 0x1000;
		td.done = td.host->elem_write(td.h, &c, 0, pattern, BUF_LEN);
		break;
	case ACT_ALTERED_LEN:
		segs[e.n_readable].len += 0x1000;
		c.writable_bytes += 0x1000;
		td.done = td.host->elem_write(td.h, &c, 0, pattern, BUF_LEN);
		break;
	case ACT_MADE_UP_HEAD:
		c.head = (e.head + 1) % T_QMAX;
		td.done = td.host->elem_write(td.h, &c, 0, pattern, BUF_LEN);
		break;
	case ACT_AFTER_PUSH:
		td.host->queue_push(td.h, q, &e, 0);
		td.done = td.host->elem_write(td.h, &c, 0, pattern, BUF_LEN);
		td.host->queue_flush(td.h, q);
		return;
	case ACT_READ_ALTERED:
		segs[0].gpa += 0x100;
		td.done = td.host->elem_read(td.h, &c, 0, rd, 16);
		break;
	case ACT_HOLD:
		return;
	case N_ACT:
		break;
	}
	td.host->queue_push(td.h, q, &e, (uint32_t)td.done);
	td.host->queue_flush(td.h, q);
}

static const struct vc_device_ops t_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "elem-test",
	.device_id = T_ID,
	.num_queues = 1,
	.queue_size_max = T_QMAX,
	.config_size = 0,
	.create = t_create,
	.destroy = t_destroy,
	.get_features = t_features,
	.set_features = t_set_features,
	.config_read = t_cfg_read,
	.config_write = t_cfg_write,
	.activate = t_activate,
	.reset = t_reset,
	.queue_notify = t_notify,
};

static struct vc_pair pr;
static bool pr_open;
static uint64_t req, buf;

static void teardown(void)
{
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

static void open_live(enum t_action act)
{
	struct vdrv_config cfg;
	uint8_t hdr[16] = { 1, 2, 3, 4 };
	uint8_t zero[BUF_LEN] = { 0 };

	memset(&td, 0, sizeof(td));
	td.act = act;
	ck_assert_int_eq(vc_pair_open(&pr, &t_ops, NULL, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, T_ID), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = T_ID;
	cfg.wanted_features = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg.num_queues = 1;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	req = vdrv_alloc(pr.drv, sizeof(hdr), 16);
	buf = vdrv_alloc(pr.drv, 2 * BUF_LEN + 0x2000, 64);
	ck_assert(req && buf);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), req, hdr, sizeof(hdr)), 0);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), buf, zero, sizeof(zero)), 0);
}

/* One chain: 16 readable bytes, BUF_LEN writable ones at buf. */
static void post_and_kick(void)
{
	struct vq_buf out = { req, 16 }, in = { buf, BUF_LEN };

	ck_assert_int_ge(vq_drv_add(vdrv_queue(pr.drv, 0), &out, 1, &in, 1, &td, false), 0);
	vdrv_kick(pr.drv, 0);
	ck_assert(td.popped);
}

static int desc_findings(void)
{
	const struct vc_findings *f = vpci_findings(pr.dev);
	uint32_t i;
	int n = 0;

	for (i = 0; i < f->count; i++)
		if (!strcmp(f->v[i].clause, CL_DEV_DESC))
			n++;
	return n;
}

static bool buffer_untouched(void)
{
	uint8_t got[BUF_LEN], zero[BUF_LEN] = { 0 };

	ck_assert_int_eq(gm_read(vdrv_mem(pr.drv), buf, got, sizeof(got)), 0);
	return !memcmp(got, zero, sizeof(got));
}

START_TEST(held_element_and_faithful_copy_served)
{
	open_live(_i ? ACT_COPY : ACT_AS_POPPED);
	post_and_kick();
	ck_assert_uint_eq(td.done, BUF_LEN);
	ck_assert_int_eq(desc_findings(), 0);
	ck_assert(!buffer_untouched());
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 0);
}
END_TEST

static const enum t_action refused[] = {
	ACT_ALTERED_GPA, ACT_ALTERED_LEN, ACT_MADE_UP_HEAD, ACT_AFTER_PUSH, ACT_READ_ALTERED,
};

START_TEST(altered_or_completed_element_refused)
{
	open_live(refused[_i]);
	post_and_kick();
	ck_assert_uint_eq(td.done, 0);
	ck_assert_int_eq(desc_findings(), 1);
	ck_assert(buffer_untouched());
}
END_TEST

START_TEST(element_from_before_reset_refused)
{
	static const uint8_t pattern[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vdrv_config cfg;

	open_live(ACT_HOLD);
	post_and_kick();
	/* held: served */
	ck_assert_uint_eq(td.host->elem_write(td.h, &td.kept, 0, pattern, sizeof(pattern)),
			  sizeof(pattern));
	ck_assert_int_eq(desc_findings(), 0);
	vdrv_reset(pr.drv);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = T_ID;
	cfg.wanted_features = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg.num_queues = 1;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), buf, (uint8_t[BUF_LEN]){ 0 }, BUF_LEN), 0);
	/* the device was reset: it holds nothing any more */
	ck_assert_uint_eq(td.host->elem_write(td.h, &td.kept, 0, pattern, sizeof(pattern)), 0);
	ck_assert_int_eq(desc_findings(), 1);
	ck_assert(buffer_untouched());
}
END_TEST

static Suite *vdev_elem_suite(void)
{
	Suite *s = suite_create("vdev_elem");
	TCase *tc = tcase_create("held");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, held_element_and_faithful_copy_served, 0, 2);
	tcase_add_loop_test(tc, altered_or_completed_element_refused, 0,
			    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_test(tc, element_from_before_reset_refused);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vdev_elem_suite)
