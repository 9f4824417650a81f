// SPDX-License-Identifier: Apache-2.0
/*
 * The gpu device in the model executor: the gpu_* steps drive the reference
 * gpu driver (gpu_drv.h) and the device's host side (gpu.h), the "gpu"
 * expectation reads both, and gpu_snapshot renders a scanout to a PNG in the
 * report directory. docs/spec-case-format.md, "gpu steps", is the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "gpu.h"
#include "gpu_drv.h"
#include "png.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#include "case_gpu.h"
#include "exec_priv.h"

#define GX_FBS 8u
/* largest scanout rendered (bytes of RGBA) */
#define GX_SNAP_MAX (64u << 20)

struct gx {
	struct vgpu_drv drv;
	bool attached;
	struct vgpu_fb fb[GX_FBS];
	unsigned n_fb;
	unsigned snapshots;
};

static void *gdev(struct xstate *x)
{
	return vdev_device(x->pair.core);
}

static struct gx *gx_get(struct xstate *x)
{
	if (!x->gpu_x)
		x->gpu_x = calloc(1, sizeof(struct gx));
	return x->gpu_x;
}

void exec_gpu_detach(struct xstate *x)
{
	free(x->gpu_x);
	x->gpu_x = NULL;
}

static int ensure_drv(struct xstate *x, struct gx **out)
{
	struct gx *g = gx_get(x);

	*out = g;
	if (!g)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (g->attached)
		return 0;
	if (vgpu_drv_attach(&g->drv, x->pair.drv) != 0)
		return xfail(x, V_FAIL, NULL, "the gpu driver could not attach (status 0x%02x)",
			     vdrv_status(x->pair.drv));
	g->attached = true;
	xtrace(x, "  gpu driver attached: %u scanout(s)", g->drv.num_scanouts);
	return 0;
}

static int outcome(struct xstate *x, const struct step_gpu *s, const char *what, bool ok)
{
	xtrace(x, "  %s -> %s", what, ok ? "ok" : "failed");
	if (ok == s->expect_fail)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", what,
			     s->expect_fail ? "failure" : "success", ok ? "success" : "failure");
	return 0;
}

/* ---------------------------------------------------------- requests */

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	le32 l = cpu_to_le32(v);

	memcpy(b + off, &l, 4);
}

static void put64(uint8_t *b, uint32_t off, uint64_t v)
{
	le64 l = cpu_to_le64(v);

	memcpy(b + off, &l, 8);
}

static void put_rect(uint8_t *b, uint32_t off, const struct step_gpu *s)
{
	put32(b, off, s->x);
	put32(b, off + 4, s->y);
	put32(b, off + 8, s->w);
	put32(b, off + 12, s->h);
}

/* The request bytes of a gpu_cmd / gpu_request step (header flags and
 * fence_id included); its length, the success response type and size. -1
 * after xfail. */
static int build_req(struct xstate *x, const struct step_gpu *s, uint8_t *b, uint32_t *len,
		     uint32_t *ok_type, uint32_t *resp_len)
{
	uint32_t n = 24, i;

	memset(b, 0, GPU_CASE_REQ_MAX);
	put32(b, 0, s->cmd);
	put32(b, 4, s->fence ? VIRTIO_GPU_FLAG_FENCE : 0);
	put64(b, 8, s->has_fence_id ? s->fence_id : 0);
	*ok_type = VIRTIO_GPU_RESP_OK_NODATA;
	*resp_len = 24;
	switch (s->cmd) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO:
		*ok_type = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
		*resp_len = sizeof(struct virtio_gpu_resp_display_info);
		break;
	case VIRTIO_GPU_CMD_GET_EDID:
		put32(b, 24, s->scanout);
		n = 32;
		*ok_type = VIRTIO_GPU_RESP_OK_EDID;
		*resp_len = sizeof(struct virtio_gpu_resp_edid);
		break;
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D:
		put32(b, 24, s->resource_id);
		put32(b, 28, s->format);
		put32(b, 32, s->width);
		put32(b, 36, s->height);
		n = 40;
		break;
	case VIRTIO_GPU_CMD_RESOURCE_UNREF:
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING:
		put32(b, 24, s->resource_id);
		n = 32;
		break;
	case VIRTIO_GPU_CMD_SET_SCANOUT:
		put_rect(b, 24, s);
		put32(b, 40, s->scanout);
		put32(b, 44, s->resource_id);
		n = 48;
		break;
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH:
		put_rect(b, 24, s);
		put32(b, 40, s->resource_id);
		n = 48;
		break;
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D:
		put_rect(b, 24, s);
		put64(b, 40, s->offset);
		put32(b, 48, s->resource_id);
		n = 56;
		break;
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING:
		put32(b, 24, s->resource_id);
		put32(b, 28, s->has_nr ? s->nr_entries : s->n_entries);
		for (i = 0; i < s->n_entries; i++) {
			const struct gpu_case_entry *e = &s->entries[i];
			uint64_t addr = e->addr;

			if (e->buf[0]) {
				struct named *nb = xbuf_find(x, e->buf);

				if (!nb)
					return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'",
						     e->buf);
				addr = nb->gpa + e->offset;
			}
			put64(b, 32 + 16 * i, addr);
			put32(b, 40 + 16 * i, e->len);
		}
		n = 32 + 16 * s->n_entries;
		break;
	case VIRTIO_GPU_CMD_GET_CAPSET_INFO:
		put32(b, 24, s->index);
		n = 32;
		*ok_type = VIRTIO_GPU_RESP_OK_CAPSET_INFO;
		*resp_len = sizeof(struct virtio_gpu_resp_capset_info);
		break;
	case VIRTIO_GPU_CMD_GET_CAPSET:
		put32(b, 24, s->index);
		put32(b, 28, s->version);
		n = 32;
		*ok_type = VIRTIO_GPU_RESP_OK_CAPSET;
		*resp_len = 24 + 16;
		break;
	case VIRTIO_GPU_CMD_UPDATE_CURSOR:
	case VIRTIO_GPU_CMD_MOVE_CURSOR:
		put32(b, 24, s->scanout);
		put32(b, 28, s->x);
		put32(b, 32, s->y);
		put32(b, 40, s->resource_id);
		put32(b, 44, s->hot_x);
		put32(b, 48, s->hot_y);
		n = 56;
		break;
	default:
		break;
	}
	*len = s->has_len ? s->len : n;
	return 0;
}

static uint16_t cmd_queue(const struct step_gpu *s)
{
	if (s->has_queue)
		return s->queue;
	return s->cmd == VIRTIO_GPU_CMD_UPDATE_CURSOR || s->cmd == VIRTIO_GPU_CMD_MOVE_CURSOR;
}

static int do_cmd(struct xstate *x, const struct step_gpu *s)
{
	uint8_t b[GPU_CASE_REQ_MAX];
	uint32_t len = 0, ok_type = 0, resp_len = 0, want;
	struct virtio_gpu_ctrl_hdr *h;
	struct gx *g;
	uint64_t next;
	int t;

	if (ensure_drv(x, &g) || build_req(x, s, b, &len, &ok_type, &resp_len))
		return -1;
	if (len < 24)
		return xfail(x, V_ERROR, NULL, "case error: gpu_cmd sends whole headers; use gpu_request and post for shorter ones");
	/* the driver sets flags and fence_id; a case's fence_id is used */
	next = g->drv.next_fence;
	if (s->has_fence_id)
		g->drv.next_fence = s->fence_id;
	if (s->cmd == VIRTIO_GPU_CMD_GET_EDID && !s->has_len && !s->has_queue &&
	    (g->drv.features & VIRTIO_BIT(VIRTIO_GPU_F_EDID))) {
		/* through the driver's helper, which checks the EDID size too */
		g->drv.fence = s->fence;
		t = vgpu_drv_get_edid(&g->drv, s->scanout, NULL, NULL);
		g->drv.fence = false;
	} else {
		t = vgpu_drv_cmd(&g->drv, cmd_queue(s), b, len, ok_type, NULL, resp_len, s->fence);
	}
	if (s->has_fence_id)
		g->drv.next_fence = next;
	h = &g->drv.last;
	xtrace(x, "  gpu_cmd 0x%04x on q%u%s (%u bytes) -> %s 0x%04x, used len %u", s->cmd,
	       cmd_queue(s), s->fence ? ", fenced" : "", len, t < 0 ? "failed," : "response",
	       le32_to_cpu(h->type), g->drv.last_used);
	if (t < 0 || s->expect_fail)
		return outcome(x, s, "gpu_cmd", t >= 0);
	want = s->has_expect ? s->expect : ok_type;
	if ((uint32_t)t != want)
		return xfail(x, V_FAIL, NULL, "gpu_cmd 0x%04x: expected response 0x%04x, observed 0x%04x",
			     s->cmd, want, (uint32_t)t);
	return 0;
}

static int do_request(struct xstate *x, const struct step_gpu *s)
{
	uint8_t b[GPU_CASE_REQ_MAX];
	uint32_t len = 0, ok_type = 0, resp_len = 0;
	struct named *nb = xbuf_find(x, s->buf);

	if (!nb)
		return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", s->buf);
	if (build_req(x, s, b, &len, &ok_type, &resp_len))
		return -1;
	if ((uint64_t)s->buf_offset + len > nb->size)
		return xfail(x, V_ERROR, NULL, "case error: a %u-byte request at %u overflows '%s'",
			     len, s->buf_offset, s->buf);
	if (gm_write(x->pair.drv_mem, nb->gpa + s->buf_offset, b, len) != 0)
		return xfail(x, V_ERROR, NULL, "case error: '%s' is not in guest memory", s->buf);
	xtrace(x, "  gpu_request 0x%04x into '%s'+%u: %u bytes", s->cmd, s->buf, s->buf_offset,
	       len);
	return 0;
}

static struct vgpu_fb *fb_find(struct gx *g, uint32_t id)
{
	unsigned i;

	for (i = 0; i < g->n_fb; i++)
		if (g->fb[i].id == id)
			return &g->fb[i];
	return NULL;
}

static int do_fb(struct xstate *x, const struct step_gpu *s)
{
	struct vgpu_fb fb;
	struct gx *g;
	int rc;

	if (ensure_drv(x, &g))
		return -1;
	if (g->n_fb == GX_FBS || fb_find(g, s->resource_id))
		return xfail(x, V_ERROR, NULL, "case error: at most %u framebuffers, ids unique",
			     GX_FBS);
	g->drv.fence = s->fence;
	rc = vgpu_drv_fb_setup(&g->drv, &fb, s->resource_id, s->format, s->width, s->height,
			       s->scanout, s->pieces);
	xtrace(x, "  gpu_fb %u: %ux%u format %u on scanout %u, %u backing entries -> %d",
	       s->resource_id, s->width, s->height, s->format, s->scanout, s->pieces, rc);
	if (rc == 0)
		g->fb[g->n_fb++] = fb;
	return outcome(x, s, "gpu_fb", rc == 0);
}

static int do_fill(struct xstate *x, const struct step_gpu *s)
{
	struct vgpu_rect r;
	struct vgpu_fb *fb;
	struct gx *g;
	int rc;

	if (ensure_drv(x, &g))
		return -1;
	fb = fb_find(g, s->resource_id);
	if (!fb)
		return xfail(x, V_ERROR, NULL, "case error: no framebuffer %u (gpu_fb)",
			     s->resource_id);
	r = (struct vgpu_rect){ s->x, s->y, s->w, s->h };
	if (s->w == UINT32_MAX)
		r.w = fb->width - (s->x < fb->width ? s->x : fb->width);
	if (s->h == UINT32_MAX)
		r.h = fb->height - (s->y < fb->height ? s->y : fb->height);
	g->drv.fence = s->fence;
	rc = vgpu_drv_fb_fill(&g->drv, fb, &r, s->rgba);
	xtrace(x, "  gpu_fill %u (%u,%u %ux%u) with %02x%02x%02x%02x -> %d", s->resource_id, r.x,
	       r.y, r.w, r.h, s->rgba[0], s->rgba[1], s->rgba[2], s->rgba[3], rc);
	return outcome(x, s, "gpu_fill", rc == 0);
}

/* [A-Za-z0-9._-], the rest '_' */
static void sanitize(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++) {
		char c = src[i];

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				 c == '.' || c == '-' || c == '_' ? c : '_';
	}
	dst[i] = '\0';
}

static int do_snapshot(struct xstate *x, const struct step_gpu *s)
{
	struct gx *g = gx_get(x);
	char id[48], label[40], name[40], rel[160], path[4096 + 160];
	uint32_t w = 0, h = 0;
	uint8_t *px;

	if (!g)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (vc_gpu_scanout_rgba(gdev(x), s->scanout, NULL, &w, &h, 0) != 0 && (w == 0 || h == 0))
		return xfail(x, V_ERROR, NULL, "case error: the device has no scanout %u", s->scanout);
	if (w == 0 || h == 0)
		return xfail(x, V_FAIL, NULL, "gpu_snapshot: scanout %u shows nothing", s->scanout);
	if ((uint64_t)w * h * 4 > GX_SNAP_MAX)
		return xfail(x, V_ERROR, NULL, "gpu_snapshot: %ux%u is too large to render", w, h);
	g->snapshots++;
	if (!x->env->artifact_dir) {
		xtrace(x, "  gpu_snapshot scanout %u: %ux%u (no report directory: not written)",
		       s->scanout, w, h);
		return 0;
	}
	px = malloc((size_t)w * h * 4);
	if (!px)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (vc_gpu_scanout_rgba(gdev(x), s->scanout, px, &w, &h, (size_t)w * h * 4) != 0) {
		free(px);
		return xfail(x, V_ERROR, NULL, "gpu_snapshot: scanout %u changed", s->scanout);
	}
	sanitize(id, sizeof(id), x->c->id);
	sanitize(label, sizeof(label), x->p->label);
	if (s->name[0])
		sanitize(name, sizeof(name), s->name);
	else
		snprintf(name, sizeof(name), "%u", g->snapshots);
	snprintf(rel, sizeof(rel), "artifacts/%s%s%s-%s.png", id, label[0] ? "-" : "", label, name);
	snprintf(path, sizeof(path), "%s/%s", x->env->artifact_dir, rel);
	if (png_write_rgba(path, px, w, h) != 0) {
		free(px);
		return xfail(x, V_ERROR, NULL, "gpu_snapshot: cannot write %s", path);
	}
	free(px);
	snprintf(x->o->artifact, sizeof(x->o->artifact), "%s", rel);
	xtrace(x, "  gpu_snapshot scanout %u: %ux%u -> %s", s->scanout, w, h, rel);
	return 0;
}

int exec_gpu_step(struct xstate *x, const struct case_step *cs)
{
	const struct step_gpu *s = cs->u.gpu;
	struct gx *g;
	char what[96];
	int rc;

	switch (s->op) {
	case GO_ATTACH:
		g = gx_get(x);
		if (!g)
			return xfail(x, V_ERROR, NULL, "out of memory");
		if (g->attached)
			return xfail(x, V_ERROR, NULL, "case error: the gpu driver is attached already");
		g->attached = vgpu_drv_attach(&g->drv, x->pair.drv) == 0;
		return outcome(x, s, "gpu_attach", g->attached);
	case GO_CMD:
		return do_cmd(x, s);
	case GO_REQUEST:
		return do_request(x, s);
	case GO_FB:
		return do_fb(x, s);
	case GO_FILL:
		return do_fill(x, s);
	case GO_DISPLAY_CHANGE:
		rc = vc_gpu_display_change(gdev(x), s->scanout, s->width, s->height, s->enabled);
		snprintf(what, sizeof(what), "gpu_display_change scanout %u to %ux%u%s", s->scanout,
			 s->width, s->height, s->enabled ? "" : ", disabled");
		return outcome(x, s, what, rc == 0);
	case GO_POLL_EVENTS:
		if (ensure_drv(x, &g))
			return -1;
		rc = vgpu_drv_poll_events(&g->drv);
		xtrace(x, "  gpu_poll_events -> %d", rc);
		return outcome(x, s, "gpu_poll_events", rc >= 0);
	case GO_SNAPSHOT:
		return do_snapshot(x, s);
	}
	return xfail(x, V_ERROR, NULL, "unknown gpu step");
}

/* ------------------------------------------------------ expectations */

static int want_u(struct xstate *x, const char *what, bool has, uint64_t want, uint64_t got)
{
	if (!has || want == got)
		return 0;
	return xfail(x, V_FAIL, NULL, "%s: expected %llu, observed %llu", what,
		     (unsigned long long)want, (unsigned long long)got);
}

static int check_resource(struct xstate *x, const struct expect_gpu *e)
{
	struct vc_gpu_resource_info ri;
	bool exists = vc_gpu_resource(gdev(x), e->res_id, &ri) == 0;
	char w[48];

	snprintf(w, sizeof(w), "resource %u", e->res_id);
	if (e->has_exists && exists != e->exists)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", w,
			     e->exists ? "present" : "absent", exists ? "present" : "absent");
	if (!exists) {
		if (e->has_res_w || e->has_res_h || e->has_res_format || e->has_backing)
			return xfail(x, V_FAIL, NULL, "%s: expected present, observed absent", w);
		return 0;
	}
	return want_u(x, "resource width", e->has_res_w, e->res_w, ri.width) ||
	       want_u(x, "resource height", e->has_res_h, e->res_h, ri.height) ||
	       want_u(x, "resource format", e->has_res_format, e->res_format, ri.format) ||
	       want_u(x, "resource backing", e->has_backing, e->backing, ri.backing) ? -1 : 0;
}

static int check_scanout(struct xstate *x, const struct expect_gpu *e)
{
	struct vc_gpu_scanout_info si;
	uint32_t w = 0, h = 0;
	uint8_t *px = NULL;
	unsigned i;

	if (vc_gpu_scanout(gdev(x), e->scanout, &si) != 0)
		return xfail(x, V_ERROR, NULL, "case error: the device has no scanout %u", e->scanout);
	if (want_u(x, "scanout resource_id", e->has_so_res, e->so_res, si.resource_id))
		return -1;
	vc_gpu_scanout_rgba(gdev(x), e->scanout, NULL, &w, &h, 0);
	if (e->has_so_size && (w != e->so_w || h != e->so_h))
		return xfail(x, V_FAIL, NULL, "scanout %u: expected %ux%u shown, observed %ux%u",
			     e->scanout, e->so_w, e->so_h, w, h);
	if (!e->n_pixels)
		return 0;
	if ((uint64_t)w * h * 4 > GX_SNAP_MAX || !(px = malloc((size_t)w * h * 4 + 4)) ||
	    vc_gpu_scanout_rgba(gdev(x), e->scanout, px, &w, &h, (size_t)w * h * 4) != 0) {
		free(px);
		return xfail(x, V_ERROR, NULL, "scanout %u: cannot read its %ux%u pixels", e->scanout,
			     w, h);
	}
	for (i = 0; i < e->n_pixels; i++) {
		const struct gpu_pixel *p = &e->pixels[i];
		const uint8_t *g;

		if (p->x >= w || p->y >= h) {
			free(px);
			return xfail(x, V_FAIL, NULL, "scanout %u: pixel %u,%u is outside the %ux%u shown",
				     e->scanout, p->x, p->y, w, h);
		}
		g = px + ((size_t)p->y * w + p->x) * 4;
		if (memcmp(g, p->rgba, 4)) {
			int rc = xfail(x, V_FAIL, NULL,
				       "scanout %u pixel %u,%u: expected rgba 0x%02x%02x%02x%02x, observed 0x%02x%02x%02x%02x",
				       e->scanout, p->x, p->y, p->rgba[0], p->rgba[1], p->rgba[2],
				       p->rgba[3], g[0], g[1], g[2], g[3]);

			free(px);
			return rc;
		}
	}
	free(px);
	return 0;
}

static int counter_value(struct xstate *x, struct gx *g, unsigned which, uint64_t *v)
{
	const struct vc_gpu_stats *ds = vc_gpu_stats(gdev(x));

	if (which >= GC_DRV_CMDS && which < GC_RESP && (!g || !g->attached))
		return -1;
	switch (which) {
	case GC_FENCED: *v = ds->fenced; break;
	case GC_NO_RESPONSE: *v = ds->no_response; break;
	case GC_SHORT_RESPONSE: *v = ds->short_response; break;
	case GC_FLUSHES: *v = ds->flushes; break;
	case GC_CFG_IGNORED: *v = ds->cfg_ignored; break;
	case GC_RESOURCES: *v = ds->resources; break;
	case GC_HOST_BYTES: *v = ds->host_bytes; break;
	case GC_EVENTS_READ: *v = ds->events_read; break;
	case GC_DRV_CMDS: *v = g->drv.stats.cmds; break;
	case GC_DRV_FENCED: *v = g->drv.stats.fenced; break;
	case GC_DRV_ERRORS: *v = g->drv.stats.errors; break;
	case GC_DRV_CONFIG_CHANGES: *v = g->drv.stats.config_changes; break;
	default:
		*v = which - GC_RESP < VC_GPU_RESP_SLOTS ? ds->resp[which - GC_RESP] : 0;
		break;
	}
	return 0;
}

static const char *counter_name(unsigned which)
{
	static const char *const names[] = {
		[GC_FENCED] = "device fenced", [GC_NO_RESPONSE] = "device no_response",
		[GC_SHORT_RESPONSE] = "device short_response", [GC_FLUSHES] = "device flushes",
		[GC_CFG_IGNORED] = "device cfg_ignored", [GC_RESOURCES] = "device resources",
		[GC_HOST_BYTES] = "device host_bytes", [GC_EVENTS_READ] = "device events_read",
		[GC_DRV_CMDS] = "driver cmds", [GC_DRV_FENCED] = "driver fenced",
		[GC_DRV_ERRORS] = "driver errors", [GC_DRV_CONFIG_CHANGES] = "driver config_changes",
	};

	if (which < sizeof(names) / sizeof(names[0]) && names[which])
		return names[which];
	return "device responses";
}

int exec_gpu_expect(struct xstate *x, const struct step_expect *se)
{
	const struct expect_gpu *e = se->gpu;
	struct gx *g = x->gpu_x;
	struct vc_gpu_cursor_info ci;
	char cb[64];
	unsigned i;

	if (e->has_res && check_resource(x, e))
		return -1;
	if (e->has_scanout && check_scanout(x, e))
		return -1;
	if (e->has_visible || e->has_cursor_pos) {
		vc_gpu_cursor(gdev(x), &ci);
		if (want_u(x, "cursor visible", e->has_visible, e->visible, ci.visible) ||
		    want_u(x, "cursor x", e->has_cursor_pos, e->cursor_x, ci.x) ||
		    want_u(x, "cursor y", e->has_cursor_pos, e->cursor_y, ci.y))
			return -1;
	}
	if (e->has_last_type || e->has_last_flags || e->has_last_fence || e->has_last_used ||
	    e->has_display) {
		if (!g || !g->attached)
			return xfail(x, V_ERROR, NULL, "case error: the gpu driver is not attached");
		if (want_u(x, "last response type", e->has_last_type, e->last_type,
			   le32_to_cpu(g->drv.last.type)) ||
		    want_u(x, "last response flags", e->has_last_flags, e->last_flags,
			   le32_to_cpu(g->drv.last.flags)) ||
		    want_u(x, "last response fence_id", e->has_last_fence, e->last_fence,
			   le64_to_cpu(g->drv.last.fence_id)))
			return -1;
		if (e->has_last_used && !xcmp_ok(&e->last_used, g->drv.last_used)) {
			xcmp_str(&e->last_used, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "last response used len: expected %s, observed %u",
				     cb, g->drv.last_used);
		}
		if (e->has_display) {
			const struct vgpu_display *d;

			if (e->disp_scanout >= VIRTIO_GPU_MAX_SCANOUTS)
				return xfail(x, V_ERROR, NULL, "case error: scanout %u", e->disp_scanout);
			d = &g->drv.disp[e->disp_scanout];
			if (want_u(x, "display enabled", e->has_disp_enabled, e->disp_enabled,
				   d->enabled) ||
			    want_u(x, "display width", e->has_disp_size, e->disp_w, d->r.w) ||
			    want_u(x, "display height", e->has_disp_size, e->disp_h, d->r.h))
				return -1;
		}
	}
	for (i = 0; i < e->n_counters; i++) {
		const struct gpu_counter *c = &e->counters[i];
		uint64_t v;

		if (counter_value(x, g, c->which, &v) != 0)
			return xfail(x, V_ERROR, NULL, "case error: driver_stats need the gpu driver attached");
		if (!xcmp_ok(&c->cmp, v)) {
			xcmp_str(&c->cmp, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "gpu %s: expected %s, observed %llu",
				     counter_name(c->which), cb, (unsigned long long)v);
		}
	}
	return 0;
}

/* Liveness after a re-initialization: the driver attaches (display info)
 * and a resource can be created and destroyed. */
static int gpu_live(struct xstate *x, char *why, size_t n)
{
	struct gx *g = gx_get(x);
	int t;

	if (!g) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	if (!g->attached) {
		if (vgpu_drv_attach(&g->drv, x->pair.drv) != 0) {
			snprintf(why, n, "the gpu driver could not attach after reset");
			return -1;
		}
		g->attached = true;
	}
	t = vgpu_drv_create_2d(&g->drv, 0x7fffffffu, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 1, 1);
	if (t != VIRTIO_GPU_RESP_OK_NODATA ||
	    vgpu_drv_unref(&g->drv, 0x7fffffffu) != VIRTIO_GPU_RESP_OK_NODATA) {
		snprintf(why, n, "RESOURCE_CREATE_2D/UNREF after reset: response 0x%04x", (unsigned)t);
		return -1;
	}
	return 0;
}

const struct exec_device exec_gpu_device = {
	.name = "gpu", .ops = &vc_gpu_device_ops, .config = vgpu_drv_config, .live = gpu_live,
};
