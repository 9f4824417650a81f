// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-gpu 2D end to end (VIRTIO 1.2 5.7): the gpu driver against the gpu
 * device on a vc_pair. Display information, EDID, the framebuffer path with
 * pixel checks in every format, every error response, rectangles that wrap
 * 2^32, backing outside guest memory, fences (echo and order), the cursor,
 * the device's caps, display-change events, reset; a hostile device
 * (quirks) against the driver; the PNG writer checked by an independent
 * decoder of stored deflate blocks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "gpu.h"
#include "gpu_drv.h"
#include "png.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define F_EDID VIRTIO_BIT(VIRTIO_GPU_F_EDID)
#define F_PACKED VIRTIO_BIT(VIRTIO_F_RING_PACKED)
#define HDR 24u

static struct vc_pair pr;
static bool pr_open;
static struct vgpu_drv g;

static void teardown(void)
{
	vgpu_drv_detach(&g);
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

static void *dev(void)
{
	return vdev_device(pr.core);
}

static void open_pair_t(enum vc_transport t, const char *args)
{
	struct vc_pair_opts o = { .transport = t };

	ck_assert_int_eq(vc_pair_open_opts(&pr, &vc_gpu_device_ops, args, &o), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_GPU), 0);
}

static void init_driver(uint64_t wanted)
{
	struct vdrv_config cfg;

	vgpu_drv_config(&cfg, wanted);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
}

static void open_gpu_t(enum vc_transport t, const char *args, uint64_t wanted)
{
	open_pair_t(t, args);
	init_driver(wanted);
	ck_assert_int_eq(vgpu_drv_attach(&g, pr.drv), 0);
}

static void open_gpu(const char *args, uint64_t wanted)
{
	open_gpu_t(VC_TRANSPORT_PCI, args, wanted);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vdev_findings(pr.core), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static void assert_driver_finding(const char *clause)
{
	const struct vc_findings *r = vdrv_findings(pr.drv);

	ck_assert_uint_ge(r->count, 1);
	ck_assert_str_eq(r->v[0].clause, clause);
}

static uint8_t *scanout_pixels(uint32_t s, uint32_t *w, uint32_t *h)
{
	static uint8_t px[256 * 256 * 4];

	ck_assert_int_eq(vc_gpu_scanout_rgba(dev(), s, px, w, h, sizeof(px)), 0);
	return px;
}

static void assert_pixel(const uint8_t *px, uint32_t w, uint32_t x, uint32_t y,
			 const uint8_t want[4])
{
	const uint8_t *p = px + ((size_t)y * w + x) * 4;

	ck_assert_msg(!memcmp(p, want, 4), "pixel %u,%u: %02x%02x%02x%02x, want %02x%02x%02x%02x",
		      x, y, p[0], p[1], p[2], p[3], want[0], want[1], want[2], want[3]);
}

/* ------------------------------------------------------- display, EDID */

START_TEST(display_info_reports_every_scanout)
{
	struct vc_gpu_scanout_info si;

	open_gpu("num_scanouts=3,width=800,height=600", 0);
	ck_assert_uint_eq(g.num_scanouts, 3);
	ck_assert(g.disp[0].enabled && g.disp[1].enabled && g.disp[2].enabled);
	ck_assert(!g.disp[3].enabled);
	ck_assert_uint_eq(g.disp[0].r.w, 800);
	ck_assert_uint_eq(g.disp[0].r.h, 600);
	ck_assert_uint_eq(g.disp[1].r.x, 800);
	ck_assert_uint_eq(g.disp[2].r.x, 1600);
	ck_assert_int_eq(vc_gpu_scanout(dev(), 2, &si), 0);
	ck_assert_uint_eq(si.resource_id, 0);
	ck_assert_int_eq(vc_gpu_scanout(dev(), 3, &si), -1);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resp[vc_gpu_resp_slot(VIRTIO_GPU_RESP_OK_DISPLAY_INFO)], 1);
	assert_no_findings();
}
END_TEST

START_TEST(edid_is_a_valid_base_block)
{
	static const uint8_t magic[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	uint8_t edid[VIRTIO_GPU_EDID_MAX];
	uint32_t size = 0, i;
	uint8_t sum = 0;

	open_gpu("num_scanouts=2,width=640,height=480", F_EDID);
	ck_assert(g.features & F_EDID);
	ck_assert_int_eq(vgpu_drv_get_edid(&g, 1, edid, &size), VIRTIO_GPU_RESP_OK_EDID);
	ck_assert_uint_eq(size, 128);
	ck_assert_mem_eq(edid, magic, 8);
	for (i = 0; i < 128; i++)
		sum = (uint8_t)(sum + edid[i]);
	ck_assert_uint_eq(sum, 0);
	/* the preferred mode is the first detailed timing */
	ck_assert_uint_eq(edid[56] | ((edid[58] >> 4) << 8), 640);
	ck_assert_uint_eq(edid[59] | ((edid[61] >> 4) << 8), 480);
	ck_assert_int_eq(vgpu_drv_get_edid(&g, 2, edid, &size),
			 VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
	assert_no_findings();
}
END_TEST

START_TEST(edid_without_the_feature_is_unspec)
{
	struct virtio_gpu_get_edid req;

	open_gpu("edid=on", 0);
	ck_assert(!(g.features & F_EDID));
	ck_assert_int_eq(vgpu_drv_get_edid(&g, 0, NULL, NULL), -1); /* the driver won't */
	memset(&req, 0, sizeof(req));
	req.hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_GET_EDID);
	ck_assert_int_eq(vgpu_drv_cmd(&g, 0, &req, sizeof(req), VIRTIO_GPU_RESP_OK_EDID, NULL,
				      sizeof(struct virtio_gpu_resp_edid), false),
			 VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------- framebuffer */

static const uint32_t formats[] = {
	VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
	VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM,
	VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
	VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM,
};

static bool has_x(uint32_t f)
{
	return f == VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM || f == VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM ||
	       f == VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM || f == VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM;
}

START_TEST(framebuffer_path_shows_pixels_in_every_format)
{
	uint32_t f = formats[_i], w, h;
	const uint8_t red[4] = { 0xff, 0x10, 0x20, 0x80 }, green[4] = { 0x01, 0xee, 0x02, 0x40 };
	uint8_t want_red[4], want_green[4];
	struct vgpu_rect all = { 0, 0, 40, 24 }, part = { 8, 4, 5, 3 };
	struct vgpu_fb fb;
	uint8_t *px;

	memcpy(want_red, red, 4);
	memcpy(want_green, green, 4);
	if (has_x(f))
		want_red[3] = want_green[3] = 0xff;
	open_gpu(NULL, 0);
	/* scatter: the 40x24 framebuffer in 7 backing entries */
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 1, f, 40, 24, 0, 7), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &all, red), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &part, green), 0);
	px = scanout_pixels(0, &w, &h);
	ck_assert_uint_eq(w, 40);
	ck_assert_uint_eq(h, 24);
	assert_pixel(px, w, 0, 0, want_red);
	assert_pixel(px, w, 39, 23, want_red);
	assert_pixel(px, w, 8, 4, want_green);
	assert_pixel(px, w, 12, 6, want_green);
	assert_pixel(px, w, 13, 6, want_red);
	assert_pixel(px, w, 12, 7, want_red);
	assert_pixel(px, w, 7, 4, want_red);
	assert_no_findings();
}
END_TEST

START_TEST(transfer_without_flush_is_not_displayed)
{
	const uint8_t blue[4] = { 0, 0, 0xff, 0xff }, white[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t black[4] = { 0, 0, 0, 0xff };
	struct vgpu_rect all = { 0, 0, 16, 16 };
	struct vgpu_fb fb;
	uint32_t w, h, x, y;
	uint8_t *px;

	open_gpu(NULL, 0);
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 7, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16, 16, 0,
					   1), 0);
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 3, 3, black); /* a new resource is zero */
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &all, blue), 0);
	/* paint and transfer white, no flush: the display still shows blue */
	for (y = 0; y < 16; y++)
		for (x = 0; x < 16; x++)
			ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), fb.gpa + (y * 16 + x) * 4, white,
						  4), 0);
	ck_assert_int_eq(vgpu_drv_transfer(&g, 7, &all, 0), VIRTIO_GPU_RESP_OK_NODATA);
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 5, 5, blue);
	ck_assert_int_eq(vgpu_drv_flush(&g, 7, &(struct vgpu_rect){ 0, 0, 8, 16 }),
			 VIRTIO_GPU_RESP_OK_NODATA);
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 5, 5, white);
	assert_pixel(px, w, 8, 5, blue);
	assert_no_findings();
}
END_TEST

START_TEST(scanout_rect_and_disable)
{
	const uint8_t c[4] = { 0x11, 0x22, 0x33, 0xff };
	struct vgpu_fb fb;
	uint32_t w, h;
	uint8_t *px;

	open_gpu("num_scanouts=2", 0);
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 3, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, 32, 32, 0,
					   2), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 16, 16, 16, 16 }, c), 0);
	/* mirror the lower right quarter on scanout 1 */
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 1, 3, &(struct vgpu_rect){ 16, 16, 16, 16 }),
			 VIRTIO_GPU_RESP_OK_NODATA);
	px = scanout_pixels(1, &w, &h);
	ck_assert_uint_eq(w, 16);
	assert_pixel(px, w, 0, 0, c);
	/* resource_id 0 disables the scanout */
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 1, 0, &(struct vgpu_rect){ 0, 0, 0, 0 }),
			 VIRTIO_GPU_RESP_OK_NODATA);
	scanout_pixels(1, &w, &h);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(h, 0);
	/* unref disables the scanouts it was on */
	ck_assert_int_eq(vgpu_drv_unref(&g, 3), VIRTIO_GPU_RESP_OK_NODATA);
	scanout_pixels(0, &w, &h);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resources, 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->host_bytes, 0);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------- error responses */

struct err_case {
	const char *name;
	int (*run)(void);
	uint32_t want;
};

static const struct vgpu_rect r16 = { 0, 0, 16, 16 };

static void res16(uint32_t id, bool backing)
{
	ck_assert_int_eq(vgpu_drv_create_2d(&g, id, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 16, 16),
			 VIRTIO_GPU_RESP_OK_NODATA);
	if (backing) {
		struct vgpu_mem m = { vdrv_alloc(pr.drv, 1024, 64), 1000 };

		ck_assert_int_eq(vgpu_drv_attach_backing(&g, id, &m, 1), VIRTIO_GPU_RESP_OK_NODATA);
	}
}

static int e_create_id0(void) { return vgpu_drv_create_2d(&g, 0, 1, 4, 4); }
static int e_create_dup(void) { res16(5, false); return vgpu_drv_create_2d(&g, 5, 1, 4, 4); }
static int e_create_format(void) { return vgpu_drv_create_2d(&g, 1, 5, 4, 4); }
static int e_create_width0(void) { return vgpu_drv_create_2d(&g, 1, 1, 0, 4); }
static int e_create_huge(void) { return vgpu_drv_create_2d(&g, 1, 1, 4097, 4); }
static int e_unref_unknown(void) { return vgpu_drv_unref(&g, 9); }
static int e_scanout_id(void) { res16(1, false); return vgpu_drv_set_scanout(&g, 1, 1, &r16); }
static int e_scanout_res(void) { return vgpu_drv_set_scanout(&g, 0, 4, &r16); }
static int e_scanout_rect(void)
{
	res16(1, false);
	return vgpu_drv_set_scanout(&g, 0, 1, &(struct vgpu_rect){ 1, 0, 16, 16 });
}
static int e_scanout_empty(void)
{
	res16(1, false);
	return vgpu_drv_set_scanout(&g, 0, 1, &(struct vgpu_rect){ 0, 0, 0, 16 });
}
static int e_flush_unknown(void) { return vgpu_drv_flush(&g, 2, &r16); }
static int e_flush_rect(void)
{
	res16(1, false);
	return vgpu_drv_flush(&g, 1, &(struct vgpu_rect){ 0, 10, 16, 7 });
}
static int e_transfer_unknown(void) { return vgpu_drv_transfer(&g, 3, &r16, 0); }
static int e_transfer_no_backing(void) { res16(1, false); return vgpu_drv_transfer(&g, 1, &r16, 0); }
static int e_transfer_beyond_backing(void)
{
	res16(1, true); /* 1000 bytes back 15 of the 16 64-byte rows */
	return vgpu_drv_transfer(&g, 1, &(struct vgpu_rect){ 0, 0, 16, 16 }, 0);
}
static int e_transfer_offset(void)
{
	res16(1, true);
	return vgpu_drv_transfer(&g, 1, &(struct vgpu_rect){ 0, 0, 1, 1 }, 997);
}
static int e_attach_unknown(void)
{
	struct vgpu_mem m = { vdrv_alloc(pr.drv, 64, 64), 64 };

	return vgpu_drv_attach_backing(&g, 8, &m, 1);
}
static int e_attach_twice(void)
{
	struct vgpu_mem m = { vdrv_alloc(pr.drv, 64, 64), 64 };

	res16(1, true);
	return vgpu_drv_attach_backing(&g, 1, &m, 1);
}
static int e_attach_zero(void) { res16(1, false); return vgpu_drv_attach_backing(&g, 1, NULL, 0); }
static int e_detach_none(void) { res16(1, false); return vgpu_drv_detach_backing(&g, 1); }
static int e_detach_unknown(void) { return vgpu_drv_detach_backing(&g, 1); }
static int e_capset_index(void) { return vgpu_drv_capset_info(&g, 0, NULL, NULL, NULL); }
static int e_unknown_cmd(void)
{
	struct virtio_gpu_ctrl_hdr h = { .type = cpu_to_le32(0x0999) };

	return vgpu_drv_cmd(&g, 0, &h, sizeof(h), VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, false);
}
static int e_3d_cmd(void)
{
	uint8_t req[96] = { 0 };
	le32 t = cpu_to_le32(VIRTIO_GPU_CMD_CTX_CREATE);

	memcpy(req, &t, 4);
	return vgpu_drv_cmd(&g, 0, req, sizeof(req), VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, false);
}
static int e_blob_cmd(void)
{
	uint8_t req[64] = { 0 };
	le32 t = cpu_to_le32(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB);

	memcpy(req, &t, 4);
	return vgpu_drv_cmd(&g, 0, req, sizeof(req), VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, false);
}
static int e_cursor_on_controlq(void)
{
	struct virtio_gpu_update_cursor c = { .hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_MOVE_CURSOR) };

	return vgpu_drv_cmd(&g, 0, &c, sizeof(c), VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, false);
}
static int e_ctrl_on_cursorq(void)
{
	struct virtio_gpu_ctrl_hdr h = { .type = cpu_to_le32(VIRTIO_GPU_CMD_GET_DISPLAY_INFO) };

	return vgpu_drv_cmd(&g, 1, &h, sizeof(h), VIRTIO_GPU_RESP_OK_DISPLAY_INFO, NULL, HDR,
			    false);
}
static int e_short_body(void)
{
	struct virtio_gpu_resource_create_2d c = {
		.hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D),
		.resource_id = cpu_to_le32(1), .format = cpu_to_le32(1),
	};

	return vgpu_drv_cmd(&g, 0, &c, sizeof(c) - 4, VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, false);
}
static int e_move_cursor_scanout(void) { return vgpu_drv_move_cursor(&g, 1, 0, 0); }
static int e_cursor_not_64(void) { res16(1, false); return vgpu_drv_update_cursor(&g, 0, 0, 0, 1, 0, 0); }
static int e_cursor_unknown(void) { return vgpu_drv_update_cursor(&g, 0, 0, 0, 6, 0, 0); }

static const struct err_case err_cases[] = {
	{ "create id 0", e_create_id0, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "create duplicate id", e_create_dup, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "create unknown format", e_create_format, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "create width 0", e_create_width0, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "create beyond max_dim", e_create_huge, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "unref unknown", e_unref_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "set_scanout id 1 of 1", e_scanout_id, VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID },
	{ "set_scanout unknown resource", e_scanout_res, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "set_scanout rect not covered", e_scanout_rect, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "set_scanout empty rect", e_scanout_empty, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "flush unknown", e_flush_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "flush rect outside", e_flush_rect, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "transfer unknown", e_transfer_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "transfer without backing", e_transfer_no_backing, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "transfer beyond backing", e_transfer_beyond_backing,
	  VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "transfer offset beyond backing", e_transfer_offset,
	  VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "attach unknown", e_attach_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "attach twice", e_attach_twice, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "attach 0 entries", e_attach_zero, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "detach without backing", e_detach_none, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "detach unknown", e_detach_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "capset index >= num_capsets", e_capset_index, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "unknown command", e_unknown_cmd, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "3D command", e_3d_cmd, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "blob command", e_blob_cmd, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "cursor command on the controlq", e_cursor_on_controlq, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "controlq command on the cursorq", e_ctrl_on_cursorq, VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "request shorter than its structure", e_short_body,
	  VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "move cursor to scanout 1 of 1", e_move_cursor_scanout,
	  VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID },
	{ "cursor resource not 64x64", e_cursor_not_64, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ "cursor resource unknown", e_cursor_unknown, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
};

START_TEST(error_responses)
{
	const struct err_case *c = &err_cases[_i];
	int got;

	open_gpu(NULL, 0);
	got = c->run();
	ck_assert_msg(got == (int)c->want, "%s: response 0x%x, want 0x%x", c->name, got, c->want);
	ck_assert_uint_eq(le32_to_cpu(g.last.type), c->want);
	ck_assert_uint_eq(g.last_used, HDR);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resp[vc_gpu_resp_slot(c->want)], 1);
	/* an error is an answer, not a failure: the device goes on */
	ck_assert_int_eq(vgpu_drv_get_display_info(&g), VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------ overflow, backing */

START_TEST(rectangles_wrapping_2_32_are_refused)
{
	const uint32_t big = 0xfffffff0u;
	struct vc_gpu_resource_info ri;

	open_gpu(NULL, 0);
	res16(1, true);
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 0, 1, &(struct vgpu_rect){ big, 0, 0x20, 16 }),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 0, 1, &(struct vgpu_rect){ 0, big, 16, 0x20 }),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_flush(&g, 1, &(struct vgpu_rect){ 1, 0, 0xffffffffu, 1 }),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_transfer(&g, 1, &(struct vgpu_rect){ 1, 0, 0xffffffffu, 1 }, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_transfer(&g, 1, &(struct vgpu_rect){ 0, 0, 1, 1 },
					   UINT64_MAX - 3),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_transfer(&g, 1, &(struct vgpu_rect){ 0, 0, 16, 4 }, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_resource(dev(), 1, &ri), 0);
	ck_assert(ri.backing);
	assert_no_findings();
}
END_TEST

START_TEST(backing_outside_guest_memory_is_refused)
{
	const struct gm_region_spec *rg = vc_pair_default_regions;
	struct vgpu_mem hole = { rg[0].gpa + rg[0].size - 16, 32 };   /* into the hole */
	struct vgpu_mem beyond = { rg[2].gpa + rg[2].size, 64 };      /* past the end */
	struct vgpu_mem wrap = { UINT64_MAX - 8, 64 };                /* wraps 2^64 */
	struct vgpu_mem two[2];
	struct vc_gpu_resource_info ri;

	open_gpu(NULL, 0);
	/* a good entry, then one straddling the hole below region 1 */
	two[0] = (struct vgpu_mem){ vdrv_alloc(pr.drv, 64, 64), 64 };
	two[1] = (struct vgpu_mem){ rg[1].gpa - 32, 64 };
	res16(1, false);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, &hole, 1),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, &beyond, 1),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, &wrap, 1),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, two, 2),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vc_gpu_resource(dev(), 1, &ri), 0);
	ck_assert(!ri.backing);
	ck_assert_uint_eq(vc_gpu_stats(dev())->host_bytes, 16 * 16 * 4);
	assert_no_findings();
}
END_TEST

START_TEST(overlapping_backing_entries_are_read_in_order)
{
	/* the spec sets no rule against overlapping entries: the device takes
	 * them and a transfer reads the entries one after the other */
	uint64_t a;
	struct vgpu_mem m[2];
	const uint8_t row0[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t px[2 * 2 * 4];
	struct vgpu_rect all = { 0, 0, 2, 2 };
	uint32_t w, h;

	open_gpu(NULL, 0);
	a = vdrv_alloc(pr.drv, 64, 64);
	m[0] = (struct vgpu_mem){ a, 8 };
	m[1] = (struct vgpu_mem){ a, 8 }; /* the same 8 bytes again */
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), a, row0, 8), 0);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 1, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, 2, 2),
			 VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, m, 2), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 0, 1, &all), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_transfer(&g, 1, &all, 0), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_flush(&g, 1, &all), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_scanout_rgba(dev(), 0, px, &w, &h, sizeof(px)), 0);
	ck_assert_mem_eq(px, row0, 8);
	ck_assert_mem_eq(px + 8, row0, 8);
	assert_no_findings();
}
END_TEST

START_TEST(attach_entries_beyond_the_request_or_the_cap)
{
	struct virtio_gpu_resource_attach_backing a;
	struct vgpu_mem m[5];
	unsigned i;

	open_gpu("max_entries=4", 0);
	res16(1, false);
	for (i = 0; i < 5; i++)
		m[i] = (struct vgpu_mem){ vdrv_alloc(pr.drv, 256, 64), 256 };
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, m, 5), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	/* nr_entries 3 but no entry in the request */
	memset(&a, 0, sizeof(a));
	a.hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
	a.resource_id = cpu_to_le32(1);
	a.nr_entries = cpu_to_le32(3);
	ck_assert_int_eq(vgpu_drv_cmd(&g, 0, &a, sizeof(a), VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR,
				      false),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	ck_assert_int_eq(vgpu_drv_attach_backing(&g, 1, m, 4), VIRTIO_GPU_RESP_OK_NODATA);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------- fences */

START_TEST(fence_is_echoed_and_the_command_complete)
{
	const uint8_t c[4] = { 9, 8, 7, 255 };
	struct vgpu_fb fb;
	uint32_t w, h;
	uint8_t *px;

	open_gpu(NULL, 0);
	g.fence = true;
	g.next_fence = 0x1122334455667788ull;
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 1, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, 8, 8, 0,
					   1), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 0, 0, 8, 8 }, c), 0);
	ck_assert_uint_eq(le32_to_cpu(g.last.flags), VIRTIO_GPU_FLAG_FENCE);
	ck_assert_uint_eq(le64_to_cpu(g.last.fence_id), 0x1122334455667788ull + 4);
	/* the fenced flush is complete when it comes back: the pixels show */
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 7, 7, c);
	ck_assert_uint_eq(vc_gpu_stats(dev())->fenced, 5);
	ck_assert_uint_eq(g.stats.fenced, 5);
	assert_no_findings();
}
END_TEST

START_TEST(batch_of_fenced_and_plain_commands_completes_in_order)
{
	struct virtio_gpu_resource_create_2d cr[4];
	struct virtio_gpu_update_cursor mv;
	struct vgpu_batch_cmd b[5];
	unsigned i;

	open_gpu(NULL, 0);
	for (i = 0; i < 4; i++) {
		memset(&cr[i], 0, sizeof(cr[i]));
		cr[i].hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
		cr[i].hdr.flags = cpu_to_le32(i % 2 ? VIRTIO_GPU_FLAG_FENCE : 0);
		cr[i].hdr.fence_id = cpu_to_le64(i % 2 ? 100 + i : 0);
		cr[i].resource_id = cpu_to_le32(10 + i);
		cr[i].format = cpu_to_le32(1);
		cr[i].width = cr[i].height = cpu_to_le32(2);
		b[i] = (struct vgpu_batch_cmd){ 0, &cr[i], sizeof(cr[i]), VIRTIO_GPU_RESP_OK_NODATA,
						HDR, 0 };
	}
	memset(&mv, 0, sizeof(mv));
	mv.hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_MOVE_CURSOR);
	mv.pos.x = cpu_to_le32(5);
	b[4] = (struct vgpu_batch_cmd){ 1, &mv, sizeof(mv), VIRTIO_GPU_RESP_OK_NODATA, HDR, 0 };
	ck_assert_int_eq(vgpu_drv_batch(&g, b, 5), 0);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(b[i].got, VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resources, 4);
	ck_assert_uint_eq(vc_gpu_stats(dev())->fenced, 2);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------ hostile device */

struct quirk_case {
	const char *args;
	uint64_t wanted;
	bool edid;
	const char *clause;
};

static const struct quirk_case quirk_cases[] = {
	{ "quirk=fence_flag", 0, false, CL_DEV_GPU_FENCE },
	{ "quirk=fence_id", 0, false, CL_DEV_GPU_FENCE },
	{ "quirk=resp_type", 0, false, CL_DEV_GPU_FENCE },
	{ "quirk=used_len", 0, false, CL_DEV_GPU_FENCE },
	{ "quirk=edid_size", F_EDID, true, CL_DEV_GPU_FENCE },
};

START_TEST(driver_reports_a_misbehaving_device)
{
	const struct quirk_case *c = &quirk_cases[_i];
	int t;

	open_pair_t(VC_TRANSPORT_PCI, c->args);
	init_driver(c->wanted);
	t = vgpu_drv_attach(&g, pr.drv);
	if (c->edid) {
		ck_assert_int_eq(t, 0);
		ck_assert_int_eq(vgpu_drv_get_edid(&g, 0, NULL, NULL), -1);
	} else if (t == 0) {
		/* unfenced commands pass with the fence quirks: fence one */
		g.fence = true;
		ck_assert_int_eq(vgpu_drv_create_2d(&g, 1, 1, 4, 4), -1);
	}
	assert_driver_finding(c->clause);
	ck_assert_uint_eq(vdev_findings(pr.core)->count, 0);
}
END_TEST

START_TEST(num_scanouts_out_of_range_is_a_device_violation)
{
	static const char *const args[] = { "cfg_num_scanouts=0", "cfg_num_scanouts=17" };

	open_pair_t(VC_TRANSPORT_PCI, args[_i]);
	init_driver(0);
	ck_assert_int_eq(vgpu_drv_attach(&g, pr.drv), -1);
	assert_driver_finding(CL_DEV_GPU_INIT);
}
END_TEST

/* ---------------------------------------------------------- cursor */

START_TEST(cursor_update_move_hide)
{
	struct vc_gpu_cursor_info ci;

	open_gpu("num_scanouts=2", 0);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 4, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 64, 64),
			 VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_update_cursor(&g, 1, 100, 50, 4, 3, 2), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_cursor(dev(), &ci), 0);
	ck_assert(ci.visible);
	ck_assert_uint_eq(ci.resource_id, 4);
	ck_assert_uint_eq(ci.scanout, 1);
	ck_assert_uint_eq(ci.x, 100);
	ck_assert_uint_eq(ci.hot_x, 3);
	ck_assert_int_eq(vgpu_drv_move_cursor(&g, 0, 7, 8), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_cursor(dev(), &ci), 0);
	ck_assert(ci.visible);
	ck_assert_uint_eq(ci.scanout, 0);
	ck_assert_uint_eq(ci.y, 8);
	ck_assert_uint_eq(ci.moves, 1);
	/* unref of the cursor's resource hides it */
	ck_assert_int_eq(vgpu_drv_unref(&g, 4), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_cursor(dev(), &ci), 0);
	ck_assert(!ci.visible);
	ck_assert_int_eq(vgpu_drv_update_cursor(&g, 0, 1, 1, 0, 0, 0), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_uint_eq(vc_gpu_stats(dev())->cmd[VC_GPU_CMD_SLOT_CURSOR], 2);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------ caps */

START_TEST(caps_reached_give_out_of_memory)
{
	open_gpu("max_resources=2,max_bytes=65536", 0);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 1, 1, 64, 128), VIRTIO_GPU_RESP_OK_NODATA);
	/* 32 KiB in use, 32 KiB + 4 asked */
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 2, 1, 64, 129), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 2, 1, 64, 128), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_uint_eq(vc_gpu_stats(dev())->host_bytes, 65536);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 3, 1, 1, 1), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	/* a scanout frame counts too */
	ck_assert_int_eq(vgpu_drv_set_scanout(&g, 0, 1, &(struct vgpu_rect){ 0, 0, 1, 1 }),
			 VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	ck_assert_int_eq(vgpu_drv_unref(&g, 2), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vgpu_drv_create_2d(&g, 3, 1, 1, 1), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resources, 2);
	assert_no_findings();
}
END_TEST

/* ---------------------------------------------- events, reset, framing */

START_TEST(display_change_event_and_events_clear)
{
	uint64_t irqs;

	open_gpu("num_scanouts=2", 0);
	irqs = vdrv_irq_stats(pr.drv)->config;
	ck_assert_int_eq(vgpu_drv_poll_events(&g), 0);
	ck_assert_int_eq(vc_gpu_display_change(dev(), 1, 320, 200, false), 0);
	ck_assert_uint_gt(vdrv_irq_stats(pr.drv)->config, irqs);
	ck_assert_uint_eq(vc_gpu_stats(dev())->events_read, VIRTIO_GPU_EVENT_DISPLAY);
	/* events_read is read-only: a write changes nothing */
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, VIRTIO_GPU_CFG_EVENTS_READ, 4, 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->events_read, VIRTIO_GPU_EVENT_DISPLAY);
	ck_assert_uint_eq(vc_gpu_stats(dev())->cfg_ignored, 1);
	ck_assert_int_eq(vgpu_drv_poll_events(&g), 1);
	ck_assert(!g.disp[1].enabled);
	ck_assert_uint_eq(g.disp[1].r.w, 320);
	ck_assert_uint_eq(vc_gpu_stats(dev())->events_read, 0);
	ck_assert_int_eq(vgpu_drv_poll_events(&g), 0);
	ck_assert_int_eq(vc_gpu_display_change(dev(), 2, 320, 200, true), -1);
	assert_no_findings();
}
END_TEST

START_TEST(reset_then_working_again)
{
	const uint8_t c[4] = { 1, 2, 3, 255 };
	struct vgpu_fb fb;
	uint32_t w, h;
	uint8_t *px;

	open_gpu(NULL, 0);
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 1, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, 8, 8, 0,
					   2), 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resources, 1);
	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vc_gpu_stats(dev())->resources, 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->host_bytes, 0);
	scanout_pixels(0, &w, &h);
	ck_assert_uint_eq(w, 0);
	init_driver(0);
	ck_assert_int_eq(vgpu_drv_attach(&g, pr.drv), 0);
	/* the same id again: the old resource is gone */
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 1, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, 8, 8, 0,
					   2), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 0, 0, 8, 8 }, c), 0);
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 4, 4, c);
	assert_no_findings();
}
END_TEST

START_TEST(short_requests_and_responses)
{
	gm_view_t *m;
	uint64_t req, resp;
	struct virtio_gpu_ctrl_hdr h = { .type = cpu_to_le32(VIRTIO_GPU_CMD_GET_DISPLAY_INFO) };
	struct virtio_gpu_ctrl_hdr r;
	struct vq_buf out, in;
	uint32_t used;

	open_gpu(NULL, 0);
	m = vdrv_mem(pr.drv);
	req = vdrv_alloc(pr.drv, 64, 64);
	resp = vdrv_alloc(pr.drv, 512, 64);
	ck_assert_int_eq(gm_write(m, req, &h, sizeof(h)), 0);
	/* a 10-byte request has no type: ERR_UNSPEC */
	out = (struct vq_buf){ req, 10 };
	in = (struct vq_buf){ resp, 64 };
	ck_assert_int_eq(vgpu_drv_submit_raw(&g, 0, &out, 1, &in, 1, false, &used), 1);
	ck_assert_uint_eq(used, HDR);
	ck_assert_int_eq(gm_read(m, resp, &r, sizeof(r)), 0);
	ck_assert_uint_eq(le32_to_cpu(r.type), VIRTIO_GPU_RESP_ERR_UNSPEC);
	/* display info into a 24-byte buffer: ERR_UNSPEC instead */
	out.len = HDR;
	in.len = HDR;
	ck_assert_int_eq(vgpu_drv_submit_raw(&g, 0, &out, 1, &in, 1, false, &used), 1);
	ck_assert_uint_eq(used, HDR);
	ck_assert_int_eq(gm_read(m, resp, &r, sizeof(r)), 0);
	ck_assert_uint_eq(le32_to_cpu(r.type), VIRTIO_GPU_RESP_ERR_UNSPEC);
	ck_assert_uint_eq(vc_gpu_stats(dev())->short_response, 1);
	/* an 8-byte response buffer: no answer fits, used len 0 */
	in.len = 8;
	ck_assert_int_eq(vgpu_drv_submit_raw(&g, 0, &out, 1, &in, 1, false, &used), 1);
	ck_assert_uint_eq(used, 0);
	/* no writable part (the cursorq's usual form): done, used len 0 */
	ck_assert_int_eq(vgpu_drv_submit_raw(&g, 0, &out, 1, NULL, 0, false, &used), 1);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(vc_gpu_stats(dev())->no_response, 2);
	ck_assert_uint_eq(g.stats.raw_used, 4);
	assert_no_findings();
}
END_TEST

START_TEST(request_split_over_descriptors)
{
	struct virtio_gpu_resource_create_2d c = {
		.hdr.type = cpu_to_le32(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D),
		.resource_id = cpu_to_le32(77), .format = cpu_to_le32(2),
		.width = cpu_to_le32(3), .height = cpu_to_le32(5),
	};
	struct vc_gpu_resource_info ri;
	struct vq_buf out[4], in[2];
	uint64_t req, resp;
	uint32_t used;
	struct virtio_gpu_ctrl_hdr r;

	open_gpu(NULL, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	req = vdrv_alloc(pr.drv, 64, 64);
	resp = vdrv_alloc(pr.drv, 64, 64);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), req, &c, sizeof(c)), 0);
	/* split inside the header, at its end, and inside the body */
	out[0] = (struct vq_buf){ req, 5 };
	out[1] = (struct vq_buf){ req + 5, 19 };
	out[2] = (struct vq_buf){ req + 24, 7 };
	out[3] = (struct vq_buf){ req + 31, 9 };
	in[0] = (struct vq_buf){ resp, 3 };
	in[1] = (struct vq_buf){ resp + 3, 21 };
	ck_assert_int_eq(vgpu_drv_submit_raw(&g, 0, out, 4, in, 2, _i == 1, &used), 1);
	ck_assert_uint_eq(used, HDR);
	ck_assert_int_eq(gm_read(vdrv_mem(pr.drv), resp, &r, sizeof(r)), 0);
	ck_assert_uint_eq(le32_to_cpu(r.type), VIRTIO_GPU_RESP_OK_NODATA);
	ck_assert_int_eq(vc_gpu_resource(dev(), 77, &ri), 0);
	ck_assert_uint_eq(ri.width, 3);
	ck_assert_uint_eq(ri.height, 5);
	ck_assert_uint_eq(ri.format, 2);
	assert_no_findings();
}
END_TEST

START_TEST(framebuffer_over_mmio_and_packed)
{
	const uint8_t c[4] = { 0x80, 0x40, 0x20, 0xff };
	struct vgpu_fb fb;
	uint32_t w, h;
	uint8_t *px;

	open_gpu_t(_i ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI, NULL, F_PACKED | F_EDID);
	ck_assert(g.features & F_PACKED);
	ck_assert_int_eq(vgpu_drv_fb_setup(&g, &fb, 2, VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, 24, 10, 0,
					   3), 0);
	ck_assert_int_eq(vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 0, 0, 24, 10 }, c), 0);
	px = scanout_pixels(0, &w, &h);
	assert_pixel(px, w, 23, 9, c);
	ck_assert_int_eq(vgpu_drv_get_edid(&g, 0, NULL, NULL), VIRTIO_GPU_RESP_OK_EDID);
	assert_no_findings();
}
END_TEST

START_TEST(device_args_are_parsed_strictly)
{
	static const char *const bad[] = {
		"num_scanouts=0", "num_scanouts=17", "edid=maybe", "bogus=1", "width=0",
		"num_scanouts=2,num_scanouts=2", "max_bytes=10", "quirk=nope", "num_capsets=3",
		"width", "max_resources=1x",
	};
	const struct vc_host_ops *none = NULL;
	unsigned i;
	void *d;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vc_gpu_device_ops.create(none, NULL, bad[i]) == NULL, "%s accepted",
			      bad[i]);
	d = vc_gpu_device_ops.create(none, NULL, "num_scanouts=16,width=1,height=1,edid=off");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(vc_gpu_device_ops.get_features(d) & F_EDID, 0);
	vc_gpu_device_ops.destroy(d);
}
END_TEST

START_TEST(capset_info_within_num_capsets)
{
	uint32_t id, ver, size;

	open_gpu("num_capsets=2", 0);
	ck_assert_uint_eq(g.num_capsets, 2);
	ck_assert_int_eq(vgpu_drv_capset_info(&g, 1, &id, &ver, &size),
			 VIRTIO_GPU_RESP_OK_CAPSET_INFO);
	ck_assert_uint_eq(id, VIRTIO_GPU_CAPSET_VIRGL2);
	ck_assert_uint_eq(ver, 1);
	ck_assert_int_eq(vgpu_drv_capset_info(&g, 2, NULL, NULL, NULL),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------- PNG */

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An independent table-driven CRC-32 (the writer's is bitwise). */
static uint32_t crc_tab(const uint8_t *p, size_t n)
{
	uint32_t t[256], c, i;
	size_t k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (int j = 0; j < 8; j++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		t[i] = c;
	}
	c = 0xffffffffu;
	for (k = 0; k < n; k++)
		c = t[(c ^ p[k]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

START_TEST(png_round_trip)
{
	/* big enough for two stored blocks: 200 x 90 x 4 + 90 > 65535 */
	const uint32_t w = 200, h = 90;
	uint8_t *rgba = malloc((size_t)w * h * 4), *png, *raw, *r;
	size_t len, pos = 8, rawlen = 0;
	uint32_t a = 1, b = 0, i;
	bool ihdr = false, iend = false;

	ck_assert_ptr_nonnull(rgba);
	for (i = 0; i < w * h * 4; i++)
		rgba[i] = (uint8_t)(i * 7 + (i >> 8));
	ck_assert_int_eq(png_encode_rgba(rgba, w, h, &png, &len), 0);
	ck_assert_mem_eq(png, "\x89PNG\r\n\x1a\n", 8);
	raw = malloc(len);
	while (pos + 12 <= len) {
		uint32_t n = rd_be32(png + pos);
		const uint8_t *type = png + pos + 4, *data = png + pos + 8;

		ck_assert_uint_le(pos + 12 + n, len);
		ck_assert_uint_eq(rd_be32(data + n), crc_tab(type, n + 4));
		if (!memcmp(type, "IHDR", 4)) {
			ck_assert_uint_eq(rd_be32(data), w);
			ck_assert_uint_eq(rd_be32(data + 4), h);
			ck_assert_uint_eq(data[8], 8);
			ck_assert_uint_eq(data[9], 6);
			ihdr = true;
		} else if (!memcmp(type, "IDAT", 4)) {
			/* zlib: CMF/FLG check, stored blocks, Adler-32 */
			const uint8_t *z = data + 2, *end = data + n - 4;
			bool final = false;

			ck_assert_uint_eq(((unsigned)data[0] << 8 | data[1]) % 31, 0);
			ck_assert_uint_eq(data[0] & 0x0f, 8);
			while (!final) {
				uint32_t bl, nl;

				ck_assert(z + 5 <= end);
				final = z[0] & 1;
				ck_assert_uint_eq((z[0] >> 1) & 3, 0);
				bl = z[1] | (uint32_t)z[2] << 8;
				nl = z[3] | (uint32_t)z[4] << 8;
				ck_assert_uint_eq(bl ^ 0xffff, nl);
				ck_assert(z + 5 + bl <= end);
				memcpy(raw + rawlen, z + 5, bl);
				rawlen += bl;
				z += 5 + bl;
			}
			ck_assert(z == end);
			for (size_t k = 0; k < rawlen; k++) {
				a = (a + raw[k]) % 65521;
				b = (b + a) % 65521;
			}
			ck_assert_uint_eq(rd_be32(end), b << 16 | a);
		} else if (!memcmp(type, "IEND", 4)) {
			ck_assert_uint_eq(n, 0);
			iend = true;
		}
		pos += 12 + n;
	}
	ck_assert(ihdr && iend);
	ck_assert_uint_eq(pos, len);
	ck_assert_uint_eq(rawlen, (size_t)h * (w * 4 + 1));
	for (r = raw, i = 0; i < h; i++, r += w * 4 + 1) {
		ck_assert_uint_eq(r[0], 0);
		ck_assert_mem_eq(r + 1, rgba + (size_t)i * w * 4, w * 4);
	}
	ck_assert_uint_eq(png_crc32(0, (const uint8_t *)"123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(png_adler32(1, (const uint8_t *)"Wikipedia", 9), 0x11e60398u);
	free(png);
	ck_assert_int_eq(png_encode_rgba(rgba, 0, 1, &png, &len), -1);
	ck_assert_ptr_null(png);
	free(raw);
	free(rgba);
}
END_TEST

Suite *gpu_suite(void);

Suite *gpu_suite(void)
{
	Suite *s = suite_create("gpu");
	TCase *t = tcase_create("device-driver");

	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_add_test(t, display_info_reports_every_scanout);
	tcase_add_test(t, edid_is_a_valid_base_block);
	tcase_add_test(t, edid_without_the_feature_is_unspec);
	tcase_add_loop_test(t, framebuffer_path_shows_pixels_in_every_format, 0,
			    sizeof(formats) / sizeof(formats[0]));
	tcase_add_test(t, transfer_without_flush_is_not_displayed);
	tcase_add_test(t, scanout_rect_and_disable);
	tcase_add_loop_test(t, error_responses, 0, sizeof(err_cases) / sizeof(err_cases[0]));
	tcase_add_test(t, rectangles_wrapping_2_32_are_refused);
	tcase_add_test(t, backing_outside_guest_memory_is_refused);
	tcase_add_test(t, overlapping_backing_entries_are_read_in_order);
	tcase_add_test(t, attach_entries_beyond_the_request_or_the_cap);
	tcase_add_test(t, fence_is_echoed_and_the_command_complete);
	tcase_add_test(t, batch_of_fenced_and_plain_commands_completes_in_order);
	tcase_add_loop_test(t, driver_reports_a_misbehaving_device, 0,
			    sizeof(quirk_cases) / sizeof(quirk_cases[0]));
	tcase_add_loop_test(t, num_scanouts_out_of_range_is_a_device_violation, 0, 2);
	tcase_add_test(t, cursor_update_move_hide);
	tcase_add_test(t, caps_reached_give_out_of_memory);
	tcase_add_test(t, display_change_event_and_events_clear);
	tcase_add_test(t, reset_then_working_again);
	tcase_add_test(t, short_requests_and_responses);
	tcase_add_loop_test(t, request_split_over_descriptors, 0, 2);
	tcase_add_loop_test(t, framebuffer_over_mmio_and_packed, 0, 2);
	tcase_add_test(t, device_args_are_parsed_strictly);
	tcase_add_test(t, capset_info_within_num_capsets);
	tcase_add_test(t, png_round_trip);
	suite_add_tcase(s, t);
	return s;
}

VC_CHECK_MAIN(gpu_suite)
