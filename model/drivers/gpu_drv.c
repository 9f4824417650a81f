// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-gpu driver, 2D (VIRTIO 1.2 5.7). See gpu_drv.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

/* vq_drv_get polls after a kick before the device counts as not answering */
#define VGPU_POLLS 100000u
#define HDR ((uint32_t)sizeof(struct virtio_gpu_ctrl_hdr))

__attribute__((format(printf, 4, 5)))
static void violation(vdrv_t *d, const char *clause, uint16_t queue, const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, VC_SEV_FATAL, clause, queue, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdrv_violation(d, &v);
}

static bool resp_type_ok(uint32_t t)
{
	return t <= VIRTIO_GPU_RESP_OK_MAP_INFO ? t >= VIRTIO_GPU_RESP_OK_NODATA
						: t >= VIRTIO_GPU_RESP_ERR_UNSPEC &&
							  t <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
}

/* ------------------------------------------------------- configuration */

static int read_config(vdrv_t *d, uint32_t *scanouts, uint32_t *capsets)
{
	le32 v;

	if (vdrv_config_read(d, VIRTIO_GPU_CFG_NUM_SCANOUTS, &v, sizeof(v)) != 0)
		return -1;
	*scanouts = le32_to_cpu(v);
	if (vdrv_config_read(d, VIRTIO_GPU_CFG_NUM_CAPSETS, &v, sizeof(v)) != 0)
		return -1;
	*capsets = le32_to_cpu(v);
	/* 5.7.4: num_scanouts is 1..16 */
	if (*scanouts < 1 || *scanouts > VIRTIO_GPU_MAX_SCANOUTS) {
		violation(d, CL_DEV_GPU_INIT, VC_NO_QUEUE,
			  "num_scanouts is %u, not in 1..%u", *scanouts, VIRTIO_GPU_MAX_SCANOUTS);
		return -1;
	}
	return 0;
}

void vgpu_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_GPU;
	cfg->wanted_features = wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg->num_queues = 2;
	cfg->queue_size = VGPU_QUEUE_SIZE;
	cfg->indirect_max = VGPU_INDIRECT_MAX;
	cfg->use_msix = true;
}

int vgpu_drv_attach(struct vgpu_drv *g, vdrv_t *d)
{
	memset(g, 0, sizeof(*g));
	g->d = d;
	g->features = vdrv_features(d);
	g->next_fence = 1;
	g->config_irqs_seen = vdrv_irq_stats(d)->config;
	if (!vdrv_queue(d, VIRTIO_GPU_CONTROLQ) || !vdrv_queue(d, VIRTIO_GPU_CURSORQ))
		return -1;
	if (read_config(d, &g->num_scanouts, &g->num_capsets) != 0)
		return -1;
	g->req_area = vdrv_alloc(d, (uint64_t)VGPU_BATCH_MAX * VGPU_REQ_SLOT, 64);
	g->resp_area = vdrv_alloc(d, (uint64_t)VGPU_BATCH_MAX * VGPU_RESP_SLOT, 64);
	if (!g->req_area || !g->resp_area)
		return -1;
	/* 5.7.5: query the display information for the initial setup */
	return vgpu_drv_get_display_info(g) == VIRTIO_GPU_RESP_OK_DISPLAY_INFO ? 0 : -1;
}

void vgpu_drv_detach(struct vgpu_drv *g)
{
	memset(g, 0, sizeof(*g));
}

/* ---------------------------------------------------------- commands */

/* Check one response: used len, type, expected type and size, fence. The
 * response type, or -1 after a violation. */
static int check_resp(struct vgpu_drv *g, uint16_t q, const struct virtio_gpu_ctrl_hdr *req,
		      uint32_t used, const struct virtio_gpu_ctrl_hdr *resp, uint32_t expect,
		      uint32_t resp_len)
{
	uint32_t cmd = le32_to_cpu(req->type), type = le32_to_cpu(resp->type);
	uint32_t rflags = le32_to_cpu(resp->flags);
	bool fenced = le32_to_cpu(req->flags) & VIRTIO_GPU_FLAG_FENCE;

	g->last = *resp;
	g->last_used = used;
	/* drivernormative: The Virtqueue Used Ring -- nothing beyond len is
	 * relied upon: a response needs its header inside it */
	if (used < HDR) {
		violation(g->d, CL_DEV_GPU_FENCE, q,
			  "command 0x%04x: used len %u does not cover the response header", cmd, used);
		return -1;
	}
	if (!resp_type_ok(type)) {
		violation(g->d, CL_DEV_GPU_FENCE, q,
			  "command 0x%04x: response type 0x%04x is not a response", cmd, type);
		return -1;
	}
	if (type < VIRTIO_GPU_RESP_ERR_UNSPEC) {
		if (type != expect) {
			violation(g->d, CL_DEV_GPU_FENCE, q,
				  "command 0x%04x: success response 0x%04x, the command's is 0x%04x",
				  cmd, type, expect);
			return -1;
		}
		if (used < resp_len) {
			violation(g->d, CL_DEV_GPU_FENCE, q,
				  "command 0x%04x: used len %u is shorter than the %u-byte response",
				  cmd, used, resp_len);
			return -1;
		}
	}
	/* 5.7.6.7 fence_id: with VIRTIO_GPU_FLAG_FENCE the device sets the flag
	 * in the response and copies fence_id, and responds only once the
	 * command is complete (the fencing label) */
	if (fenced && (!(rflags & VIRTIO_GPU_FLAG_FENCE) ||
		       le64_to_cpu(resp->fence_id) != le64_to_cpu(req->fence_id))) {
		violation(g->d, CL_DEV_GPU_FENCE, q,
			  "command 0x%04x fenced with id %llu: response flags 0x%x, fence_id %llu",
			  cmd, (unsigned long long)le64_to_cpu(req->fence_id), rflags,
			  (unsigned long long)le64_to_cpu(resp->fence_id));
		return -1;
	}
	g->stats.cmds++;
	if (fenced)
		g->stats.fenced++;
	if (type >= VIRTIO_GPU_RESP_ERR_UNSPEC)
		g->stats.errors++;
	return (int)type;
}

static void set_fence(struct vgpu_drv *g, void *req, bool fence)
{
	struct virtio_gpu_ctrl_hdr *h = req;

	h->flags = cpu_to_le32(fence ? VIRTIO_GPU_FLAG_FENCE : 0);
	h->fence_id = cpu_to_le64(fence ? g->next_fence++ : 0);
}

int vgpu_drv_batch(struct vgpu_drv *g, struct vgpu_batch_cmd *cmds, unsigned n)
{
	gm_view_t *mem;
	bool done[VGPU_BATCH_MAX] = { false }, used_q[2] = { false, false };
	unsigned i, left = n, polls = 0;
	uint16_t q;

	if (!g->d || g->stuck || n == 0 || n > VGPU_BATCH_MAX)
		return -1;
	mem = vdrv_mem(g->d);
	for (i = 0; i < n; i++) {
		uint64_t req = g->req_area + (uint64_t)i * VGPU_REQ_SLOT;
		uint64_t resp = g->resp_area + (uint64_t)i * VGPU_RESP_SLOT;
		struct vq_buf out = { req, cmds[i].req_len }, in = { resp, cmds[i].resp_len };
		vq_drv_t *vq = vdrv_queue(g->d, cmds[i].q);

		if (cmds[i].q > VIRTIO_GPU_CURSORQ || !vq || cmds[i].req_len < HDR ||
		    cmds[i].req_len > VGPU_REQ_SLOT || cmds[i].resp_len < HDR ||
		    cmds[i].resp_len > VGPU_RESP_SLOT ||
		    gm_write(mem, req, cmds[i].req, cmds[i].req_len) != 0 ||
		    vq_drv_add(vq, &out, 1, &in, 1, &cmds[i], false) < 0) {
			/* the ones added before are never reaped: stuck */
			g->stuck = i > 0;
			return -1;
		}
		used_q[cmds[i].q] = true;
	}
	for (q = 0; q < 2; q++)
		if (used_q[q])
			vdrv_kick(g->d, q);
	while (left && polls < VGPU_POLLS) {
		bool any = false;

		for (q = 0; q < 2 && left; q++) {
			vq_drv_t *vq = vdrv_queue(g->d, q);
			void *tok;
			uint32_t used;
			int rc = vq_drv_get(vq, &tok, &used);
			struct virtio_gpu_ctrl_hdr req, resp;
			struct vgpu_batch_cmd *c;
			unsigned k, j;

			if (rc < 0)
				return -1;
			if (rc == 0)
				continue;
			any = true;
			if ((uintptr_t)tok < (uintptr_t)cmds ||
			    (uintptr_t)tok >= (uintptr_t)(cmds + n))
				return -1; /* not one of this batch's buffers */
			c = tok;
			k = (unsigned)(c - cmds);
			if (done[k])
				return -1;
			done[k] = true;
			left--;
			memcpy(&req, c->req, HDR);
			if (gm_read(mem, g->resp_area + (uint64_t)k * VGPU_RESP_SLOT, &resp, HDR))
				return -1;
			if (used < HDR)
				memset(&resp, 0, sizeof(resp));
			rc = check_resp(g, q, &req, used, &resp, c->expect, c->resp_len);
			if (rc < 0)
				return -1;
			c->got = (uint32_t)rc;
			/* fence order: a fenced command made available earlier is
			 * complete when a later fenced one comes back (fence ids
			 * form one timeline; cf. the ring_idx rule of 5.7.6.7) */
			if (!(le32_to_cpu(req.flags) & VIRTIO_GPU_FLAG_FENCE))
				continue;
			for (j = 0; j < k; j++) {
				struct virtio_gpu_ctrl_hdr e;

				memcpy(&e, cmds[j].req, HDR);
				if (!done[j] && (le32_to_cpu(e.flags) & VIRTIO_GPU_FLAG_FENCE)) {
					violation(g->d, CL_DEV_GPU_FENCE, q,
						  "fence %llu returned before fence %llu made available earlier",
						  (unsigned long long)le64_to_cpu(req.fence_id),
						  (unsigned long long)le64_to_cpu(e.fence_id));
					return -1;
				}
			}
		}
		if (!any)
			polls++;
	}
	if (left) {
		g->stuck = true;
		return -1;
	}
	return 0;
}

int vgpu_drv_cmd(struct vgpu_drv *g, uint16_t q, void *req, uint32_t req_len, uint32_t expect,
		 void *resp, uint32_t resp_len, bool fence)
{
	struct vgpu_batch_cmd c = {
		.q = q, .req = req, .req_len = req_len, .expect = expect, .resp_len = resp_len,
	};

	if (req_len < HDR)
		return -1;
	set_fence(g, req, fence);
	if (vgpu_drv_batch(g, &c, 1) != 0)
		return -1;
	if (resp && gm_read(vdrv_mem(g->d), g->resp_area, resp, resp_len) != 0)
		return -1;
	return (int)c.got;
}

static void hdr_init(void *req, uint32_t type)
{
	struct virtio_gpu_ctrl_hdr *h = req;

	memset(h, 0, sizeof(*h));
	h->type = cpu_to_le32(type);
}

/* A command whose success response is OK_NODATA. */
static int nodata(struct vgpu_drv *g, uint16_t q, void *req, uint32_t len)
{
	return vgpu_drv_cmd(g, q, req, len, VIRTIO_GPU_RESP_OK_NODATA, NULL, HDR, g->fence);
}

int vgpu_drv_get_display_info(struct vgpu_drv *g)
{
	struct virtio_gpu_ctrl_hdr req;
	struct virtio_gpu_resp_display_info r;
	uint32_t i;
	int t;

	hdr_init(&req, VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
	t = vgpu_drv_cmd(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req), VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
			 &r, sizeof(r), g->fence);
	if (t != VIRTIO_GPU_RESP_OK_DISPLAY_INFO)
		return t;
	for (i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; i++) {
		const struct virtio_gpu_display_one *m = &r.pmodes[i];
		struct vgpu_display *o = &g->disp[i];

		if (i >= g->num_scanouts) {
			memset(o, 0, sizeof(*o));
			continue;
		}
		o->enabled = le32_to_cpu(m->enabled) != 0;
		o->r = (struct vgpu_rect){ le32_to_cpu(m->r.x), le32_to_cpu(m->r.y),
					   le32_to_cpu(m->r.width), le32_to_cpu(m->r.height) };
		o->flags = le32_to_cpu(m->flags);
	}
	return t;
}

int vgpu_drv_get_edid(struct vgpu_drv *g, uint32_t scanout, uint8_t *edid, uint32_t *size)
{
	struct virtio_gpu_get_edid req;
	struct virtio_gpu_resp_edid *r;
	uint32_t n;
	int t;

	if (!(g->features & VIRTIO_BIT(VIRTIO_GPU_F_EDID)))
		return -1; /* the command exists only with VIRTIO_GPU_F_EDID */
	r = malloc(sizeof(*r));
	if (!r)
		return -1;
	hdr_init(&req, VIRTIO_GPU_CMD_GET_EDID);
	req.scanout = cpu_to_le32(scanout);
	req.padding = cpu_to_le32(0);
	t = vgpu_drv_cmd(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req), VIRTIO_GPU_RESP_OK_EDID, r,
			 sizeof(*r), g->fence);
	if (t == VIRTIO_GPU_RESP_OK_EDID) {
		n = le32_to_cpu(r->size);
		/* struct virtio_gpu_resp_edid holds 1024 bytes of EDID */
		if (n > VIRTIO_GPU_EDID_MAX) {
			violation(g->d, CL_DEV_GPU_FENCE, VIRTIO_GPU_CONTROLQ,
				  "GET_EDID size %u exceeds the %u-byte edid field", n,
				  VIRTIO_GPU_EDID_MAX);
			t = -1;
		} else {
			if (edid)
				memcpy(edid, r->edid, VIRTIO_GPU_EDID_MAX);
			if (size)
				*size = n;
		}
	}
	free(r);
	return t;
}

int vgpu_drv_create_2d(struct vgpu_drv *g, uint32_t id, uint32_t format, uint32_t w, uint32_t h)
{
	struct virtio_gpu_resource_create_2d req;

	hdr_init(&req, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
	req.resource_id = cpu_to_le32(id);
	req.format = cpu_to_le32(format);
	req.width = cpu_to_le32(w);
	req.height = cpu_to_le32(h);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

int vgpu_drv_unref(struct vgpu_drv *g, uint32_t id)
{
	struct virtio_gpu_resource_unref req;

	hdr_init(&req, VIRTIO_GPU_CMD_RESOURCE_UNREF);
	req.resource_id = cpu_to_le32(id);
	req.padding = cpu_to_le32(0);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

static struct virtio_gpu_rect rect_le(const struct vgpu_rect *r)
{
	struct virtio_gpu_rect o = {
		cpu_to_le32(r->x), cpu_to_le32(r->y), cpu_to_le32(r->w), cpu_to_le32(r->h),
	};

	return o;
}

int vgpu_drv_set_scanout(struct vgpu_drv *g, uint32_t scanout, uint32_t id,
			 const struct vgpu_rect *r)
{
	struct virtio_gpu_set_scanout req;

	hdr_init(&req, VIRTIO_GPU_CMD_SET_SCANOUT);
	req.r = rect_le(r);
	req.scanout_id = cpu_to_le32(scanout);
	req.resource_id = cpu_to_le32(id);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

int vgpu_drv_flush(struct vgpu_drv *g, uint32_t id, const struct vgpu_rect *r)
{
	struct virtio_gpu_resource_flush req;

	hdr_init(&req, VIRTIO_GPU_CMD_RESOURCE_FLUSH);
	req.r = rect_le(r);
	req.resource_id = cpu_to_le32(id);
	req.padding = cpu_to_le32(0);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

int vgpu_drv_transfer(struct vgpu_drv *g, uint32_t id, const struct vgpu_rect *r,
		      uint64_t offset)
{
	struct virtio_gpu_transfer_to_host_2d req;

	hdr_init(&req, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
	req.r = rect_le(r);
	req.offset = cpu_to_le64(offset);
	req.resource_id = cpu_to_le32(id);
	req.padding = cpu_to_le32(0);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

int vgpu_drv_attach_backing(struct vgpu_drv *g, uint32_t id, const struct vgpu_mem *ents,
			    uint32_t n)
{
	uint8_t req[VGPU_REQ_SLOT];
	struct virtio_gpu_resource_attach_backing a;
	uint32_t i;

	if (n > VGPU_MAX_ENTRIES || (n && !ents))
		return -1;
	hdr_init(&a, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
	a.resource_id = cpu_to_le32(id);
	a.nr_entries = cpu_to_le32(n);
	memcpy(req, &a, sizeof(a));
	for (i = 0; i < n; i++) {
		struct virtio_gpu_mem_entry e = {
			.addr = cpu_to_le64(ents[i].addr), .length = cpu_to_le32(ents[i].len),
			.padding = cpu_to_le32(0),
		};

		memcpy(req + sizeof(a) + i * sizeof(e), &e, sizeof(e));
	}
	return nodata(g, VIRTIO_GPU_CONTROLQ, req,
		      (uint32_t)(sizeof(a) + n * sizeof(struct virtio_gpu_mem_entry)));
}

int vgpu_drv_detach_backing(struct vgpu_drv *g, uint32_t id)
{
	struct virtio_gpu_resource_detach_backing req;

	hdr_init(&req, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING);
	req.resource_id = cpu_to_le32(id);
	req.padding = cpu_to_le32(0);
	return nodata(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req));
}

int vgpu_drv_capset_info(struct vgpu_drv *g, uint32_t index, uint32_t *id,
			 uint32_t *max_version, uint32_t *max_size)
{
	struct virtio_gpu_get_capset_info req;
	struct virtio_gpu_resp_capset_info r;
	uint32_t cid;
	int t;

	hdr_init(&req, VIRTIO_GPU_CMD_GET_CAPSET_INFO);
	req.capset_index = cpu_to_le32(index);
	req.padding = cpu_to_le32(0);
	t = vgpu_drv_cmd(g, VIRTIO_GPU_CONTROLQ, &req, sizeof(req), VIRTIO_GPU_RESP_OK_CAPSET_INFO,
			 &r, sizeof(r), g->fence);
	if (t != VIRTIO_GPU_RESP_OK_CAPSET_INFO)
		return t;
	cid = le32_to_cpu(r.capset_id);
	/* 5.7.6.8 GET_CAPSET_INFO: capset_id MUST be one of the listed ones */
	if (cid < VIRTIO_GPU_CAPSET_VIRGL || cid > VIRTIO_GPU_CAPSET_CROSS_DOMAIN) {
		violation(g->d, CL_DEV_GPU_FENCE, VIRTIO_GPU_CONTROLQ,
			  "GET_CAPSET_INFO index %u: capset_id %u is not a defined capset", index,
			  cid);
		return -1;
	}
	if (id)
		*id = cid;
	if (max_version)
		*max_version = le32_to_cpu(r.capset_max_version);
	if (max_size)
		*max_size = le32_to_cpu(r.capset_max_size);
	return t;
}

static int cursor_cmd(struct vgpu_drv *g, uint32_t type, uint32_t scanout, uint32_t x,
		      uint32_t y, uint32_t id, uint32_t hot_x, uint32_t hot_y)
{
	struct virtio_gpu_update_cursor req;

	hdr_init(&req, type);
	req.pos.scanout_id = cpu_to_le32(scanout);
	req.pos.x = cpu_to_le32(x);
	req.pos.y = cpu_to_le32(y);
	req.pos.padding = cpu_to_le32(0);
	req.resource_id = cpu_to_le32(id);
	req.hot_x = cpu_to_le32(hot_x);
	req.hot_y = cpu_to_le32(hot_y);
	req.padding = cpu_to_le32(0);
	return nodata(g, VIRTIO_GPU_CURSORQ, &req, sizeof(req));
}

int vgpu_drv_update_cursor(struct vgpu_drv *g, uint32_t scanout, uint32_t x, uint32_t y,
			   uint32_t id, uint32_t hot_x, uint32_t hot_y)
{
	return cursor_cmd(g, VIRTIO_GPU_CMD_UPDATE_CURSOR, scanout, x, y, id, hot_x, hot_y);
}

int vgpu_drv_move_cursor(struct vgpu_drv *g, uint32_t scanout, uint32_t x, uint32_t y)
{
	return cursor_cmd(g, VIRTIO_GPU_CMD_MOVE_CURSOR, scanout, x, y, 0, 0, 0);
}

/* ------------------------------------------------------- framebuffer */

/* R, G, B, A to one pixel of format f in memory byte order. */
static void pixel_encode(uint32_t f, const uint8_t rgba[4], uint8_t out[4])
{
	uint8_t r = rgba[0], gr = rgba[1], b = rgba[2], a = rgba[3];

	switch (f) {
	case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
	case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
		out[0] = b, out[1] = gr, out[2] = r, out[3] = a;
		break;
	case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
	case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM:
		out[0] = a, out[1] = r, out[2] = gr, out[3] = b;
		break;
	case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
	case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
		out[0] = r, out[1] = gr, out[2] = b, out[3] = a;
		break;
	default: /* A8B8G8R8, X8B8G8R8 */
		out[0] = a, out[1] = b, out[2] = gr, out[3] = r;
		break;
	}
}

int vgpu_drv_fb_setup(struct vgpu_drv *g, struct vgpu_fb *fb, uint32_t id, uint32_t format,
		      uint32_t width, uint32_t height, uint32_t scanout, uint32_t pieces)
{
	struct vgpu_mem ents[VGPU_MAX_ENTRIES];
	struct vgpu_rect all = { 0, 0, width, height };
	uint64_t bytes = (uint64_t)width * height * VIRTIO_GPU_BYTES_PER_PIXEL, off = 0;
	uint32_t i;
	int t;

	memset(fb, 0, sizeof(*fb));
	if (!g->d || pieces == 0 || pieces > VGPU_MAX_ENTRIES || bytes == 0 || bytes > UINT32_MAX ||
	    pieces > bytes)
		return -1;
	fb->gpa = vdrv_alloc(g->d, bytes, 4096);
	if (!fb->gpa)
		return -1;
	fb->id = id;
	fb->format = format;
	fb->width = width;
	fb->height = height;
	fb->scanout = scanout;
	fb->pieces = pieces;
	/* scatter: pieces entries of (nearly) equal length, in order */
	for (i = 0; i < pieces; i++) {
		uint64_t len = bytes / pieces + (i < bytes % pieces ? 1 : 0);

		ents[i] = (struct vgpu_mem){ fb->gpa + off, (uint32_t)len };
		off += len;
	}
	t = vgpu_drv_create_2d(g, id, format, width, height);
	if (t != VIRTIO_GPU_RESP_OK_NODATA)
		return t;
	t = vgpu_drv_attach_backing(g, id, ents, pieces);
	if (t != VIRTIO_GPU_RESP_OK_NODATA)
		return t;
	t = vgpu_drv_set_scanout(g, scanout, id, &all);
	return t == VIRTIO_GPU_RESP_OK_NODATA ? 0 : t;
}

int vgpu_drv_fb_fill(struct vgpu_drv *g, const struct vgpu_fb *fb, const struct vgpu_rect *r,
		     const uint8_t rgba[4])
{
	uint64_t stride = (uint64_t)fb->width * VIRTIO_GPU_BYTES_PER_PIXEL;
	uint8_t px[4], *row;
	uint32_t x, y;
	int t;

	if (!g->d || !fb->gpa || r->x > fb->width || r->w > fb->width - r->x ||
	    r->y > fb->height || r->h > fb->height - r->y)
		return -1;
	pixel_encode(fb->format, rgba, px);
	row = malloc((size_t)r->w * 4 + 1);
	if (!row)
		return -1;
	for (x = 0; x < r->w; x++)
		memcpy(row + (size_t)x * 4, px, 4);
	for (y = 0; y < r->h; y++) {
		uint64_t at = fb->gpa + (uint64_t)(r->y + y) * stride + (uint64_t)r->x * 4;

		if (r->w && gm_write(vdrv_mem(g->d), at, row, (uint64_t)r->w * 4) != 0) {
			free(row);
			return -1;
		}
	}
	free(row);
	t = vgpu_drv_transfer(g, fb->id, r, (uint64_t)r->y * stride + (uint64_t)r->x * 4);
	if (t != VIRTIO_GPU_RESP_OK_NODATA)
		return t;
	t = vgpu_drv_flush(g, fb->id, r);
	return t == VIRTIO_GPU_RESP_OK_NODATA ? 0 : t;
}

/* ------------------------------------------------------------ events */

int vgpu_drv_poll_events(struct vgpu_drv *g)
{
	uint64_t seen;
	le32 v;
	uint32_t ev;

	if (!g->d)
		return -1;
	seen = vdrv_irq_stats(g->d)->config;
	g->config_irqs_seen = seen;
	if (vdrv_config_read(g->d, VIRTIO_GPU_CFG_EVENTS_READ, &v, sizeof(v)) != 0)
		return -1;
	ev = le32_to_cpu(v);
	if (!(ev & VIRTIO_GPU_EVENT_DISPLAY))
		return 0;
	/* 5.7.4.2: fetch the display information again, then clear */
	if (vgpu_drv_get_display_info(g) != VIRTIO_GPU_RESP_OK_DISPLAY_INFO)
		return -1;
	vdrv_space_write(g->d, VDRV_SPACE_DEVICE, VIRTIO_GPU_CFG_EVENTS_CLEAR, 4,
			 VIRTIO_GPU_EVENT_DISPLAY);
	g->stats.config_changes++;
	return 1;
}

/* ---------------------------------------------------------------- raw */

int vgpu_drv_submit_raw(struct vgpu_drv *g, uint16_t q, const struct vq_buf *out,
			unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect,
			uint32_t *used_len)
{
	vq_drv_t *vq = g->d ? vdrv_queue(g->d, q) : NULL;
	unsigned polls;
	void *tok;

	*used_len = 0;
	if (!vq || g->stuck || vq_drv_add(vq, out, n_out, in, n_in, &g->stats.raw_used, indirect) < 0)
		return -1;
	vdrv_kick(g->d, q);
	for (polls = 0; polls < VGPU_POLLS; polls++) {
		int rc = vq_drv_get(vq, &tok, used_len);

		if (rc == 1 && tok == &g->stats.raw_used) {
			g->stats.raw_used++;
			return 1;
		}
		if (rc != 0)
			break;
	}
	g->stuck = true;
	return 0;
}
