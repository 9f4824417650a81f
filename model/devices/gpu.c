// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-gpu device in 2D mode (VIRTIO 1.2 5.7), a user of the vc_device_ops
 * ABI. See gpu.h for what it offers and how it answers malformed requests.
 *
 * Resources live in host memory (width x height x 4 bytes); their backing is
 * a copy of the driver's struct virtio_gpu_mem_entry list, each entry checked
 * to lie inside guest memory when attached. TRANSFER_TO_HOST_2D copies from
 * the backing into the resource, SET_SCANOUT and RESOURCE_FLUSH copy the
 * scanout's rectangle of the resource into the scanout's frame: the frame is
 * what vc_gpu_scanout_rgba() shows. Everything the guest can make the device
 * allocate is counted against max_bytes / max_resources / max_entries.
 *
 * Requests are read with elem_read only (split anywhere), the header once,
 * then the command's body from offset 24; responses are written with
 * elem_write into the writable part. Every command completes before its
 * buffer is returned, in the order the driver made them available.
 */
#include <stdlib.h>
#include <string.h>

#include "dev_args.h"
#include "devices.h"
#include "gpu.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define GPU_MAGIC 0x67707532u
#define HDR ((uint32_t)sizeof(struct virtio_gpu_ctrl_hdr))
#define BPP VIRTIO_GPU_BYTES_PER_PIXEL
#define EDID_BLOCK 128u
#define CAPSET_MAX 2u
#define CAPSET_SIZE 16u
#define CAPSET_VERSION 1u
/* scratch bytes read at once when checking a backing entry */
#define PROBE_CHUNK 16384u

enum gpu_quirk { Q_NONE, Q_FENCE_FLAG, Q_FENCE_ID, Q_RESP_TYPE, Q_USED_LEN, Q_EDID_SIZE };

struct gpu_ent {
	uint64_t addr;
	uint32_t len;
};

struct gpu_res {
	uint32_t id, format, width, height;
	uint8_t *pix;             /* width * height * BPP bytes */
	struct gpu_ent *ents;     /* backing, NULL when none attached */
	uint32_t n_ents;
	uint64_t backing_bytes;
};

struct gpu_scanout {
	bool enabled;
	uint32_t mode_w, mode_h;
	uint32_t res_id;          /* 0: no resource */
	uint32_t format;
	uint32_t x, y, w, h;
	uint8_t *frame;           /* w * h * BPP bytes, resource format */
	uint64_t flushes;
};

struct gpu_dev {
	uint32_t magic;
	const struct vc_host_ops *host;
	void *h;
	/* arguments */
	uint32_t num_scanouts, num_capsets;
	bool edid;
	uint32_t max_resources, max_dim, max_entries;
	uint64_t max_bytes, max_backing;
	bool cfg_scanouts_set;
	uint32_t cfg_num_scanouts;
	enum gpu_quirk quirk;
	/* state */
	uint64_t features;
	bool live;
	uint32_t events_read;
	struct gpu_res *res;      /* max_resources slots, nres used */
	uint32_t nres;
	uint64_t host_bytes;
	struct gpu_scanout so[VIRTIO_GPU_MAX_SCANOUTS];
	struct vc_gpu_cursor_info cursor;
	struct vc_gpu_stats stats;
	uint8_t probe[PROBE_CHUNK];
};

/* The largest response: GET_EDID's. */
union gpu_resp {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_resp_display_info info;
	struct virtio_gpu_resp_edid edid;
	struct virtio_gpu_resp_capset_info capset_info;
	uint8_t b[sizeof(struct virtio_gpu_resp_edid)];
};

/* ------------------------------------------------------------ arguments */

enum {
	A_SCANOUTS, A_WIDTH, A_HEIGHT, A_EDID, A_CAPSETS, A_MAXRES, A_MAXBYTES, A_MAXDIM,
	A_MAXENT, A_MAXBACK, A_CFGSCAN, A_QUIRK, A_COUNT
};

static int parse_args(struct gpu_dev *d, const char *args)
{
	static const char *const keys[A_COUNT] = {
		"num_scanouts", "width", "height", "edid", "num_capsets", "max_resources",
		"max_bytes", "max_dim", "max_entries", "max_backing", "cfg_num_scanouts", "quirk",
	};
	static const char *const quirks[] = { "none", "fence_flag", "fence_id", "resp_type",
					      "used_len", "edid_size" };
	static const struct { uint64_t min, max; } range[A_COUNT] = {
		[A_SCANOUTS] = { 1, VIRTIO_GPU_MAX_SCANOUTS }, [A_WIDTH] = { 1, 16384 },
		[A_HEIGHT] = { 1, 16384 }, [A_CAPSETS] = { 0, CAPSET_MAX },
		[A_MAXRES] = { 1, 1024 }, [A_MAXBYTES] = { 4096, 1u << 30 },
		[A_MAXDIM] = { 1, 16384 }, [A_MAXENT] = { 1, 16384 },
		[A_MAXBACK] = { 4096, 1u << 30 }, [A_CFGSCAN] = { 0, UINT32_MAX },
	};
	bool seen[A_COUNT] = { false };
	uint64_t v[A_COUNT] = {
		[A_SCANOUTS] = 1, [A_WIDTH] = 1024, [A_HEIGHT] = 768, [A_CAPSETS] = 0,
		[A_MAXRES] = 64, [A_MAXBYTES] = 64u << 20, [A_MAXDIM] = 4096,
		[A_MAXENT] = 1024, [A_MAXBACK] = 64u << 20,
	};
	char *copy = NULL, *tok, *rest;
	uint32_t i;
	int k, rc = -1;

	d->edid = true;
	if (args && *args) {
		copy = strdup(args);
		if (!copy)
			return -1;
		rest = copy;
		while ((tok = strsep(&rest, ",")) != NULL) {
			char *val = strchr(tok, '=');

			if (!val)
				goto out;
			*val++ = '\0';
			for (k = 0; k < A_COUNT; k++)
				if (strcmp(tok, keys[k]) == 0)
					break;
			if (k == A_COUNT || seen[k])
				goto out;
			seen[k] = true;
			if (k == A_EDID) {
				if (strcmp(val, "on") && strcmp(val, "off"))
					goto out;
				d->edid = strcmp(val, "on") == 0;
			} else if (k == A_QUIRK) {
				size_t q;

				for (q = 0; q < sizeof(quirks) / sizeof(quirks[0]); q++)
					if (strcmp(val, quirks[q]) == 0)
						break;
				if (q == sizeof(quirks) / sizeof(quirks[0]))
					goto out;
				d->quirk = (enum gpu_quirk)q;
			} else if (dev_arg_u64(val, range[k].max, &v[k]) != 0 || v[k] < range[k].min) {
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(copy);
	if (rc != 0)
		return -1;
	d->num_scanouts = (uint32_t)v[A_SCANOUTS];
	d->num_capsets = (uint32_t)v[A_CAPSETS];
	d->max_resources = (uint32_t)v[A_MAXRES];
	d->max_bytes = v[A_MAXBYTES];
	d->max_dim = (uint32_t)v[A_MAXDIM];
	d->max_entries = (uint32_t)v[A_MAXENT];
	d->max_backing = v[A_MAXBACK];
	d->cfg_scanouts_set = seen[A_CFGSCAN];
	d->cfg_num_scanouts = (uint32_t)v[A_CFGSCAN];
	for (i = 0; i < d->num_scanouts; i++) {
		d->so[i].enabled = true;
		d->so[i].mode_w = (uint32_t)v[A_WIDTH];
		d->so[i].mode_h = (uint32_t)v[A_HEIGHT];
	}
	return 0;
}

/* ------------------------------------------------------------ resources */

static struct gpu_dev *gpu_of(void *dev)
{
	struct gpu_dev *d = dev;

	return d && d->magic == GPU_MAGIC ? d : NULL;
}

static struct gpu_res *res_find(struct gpu_dev *d, uint32_t id)
{
	uint32_t i;

	if (id == 0)
		return NULL;
	for (i = 0; i < d->nres; i++)
		if (d->res[i].id == id)
			return &d->res[i];
	return NULL;
}

static bool format_known(uint32_t f)
{
	switch (f) {
	case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
	case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
	case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
	case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM:
	case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
	case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM:
	case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM:
	case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
		return true;
	default:
		return false;
	}
}

/* Host bytes can grow by n within max_bytes? */
static bool room_for(const struct gpu_dev *d, uint64_t n)
{
	return n <= d->max_bytes && d->host_bytes <= d->max_bytes - n;
}

static void backing_free(struct gpu_dev *d, struct gpu_res *r)
{
	if (!r->ents)
		return;
	d->host_bytes -= (uint64_t)r->n_ents * sizeof(*r->ents);
	free(r->ents);
	r->ents = NULL;
	r->n_ents = 0;
	r->backing_bytes = 0;
}

static void scanout_clear(struct gpu_dev *d, struct gpu_scanout *s)
{
	if (s->frame)
		d->host_bytes -= (uint64_t)s->w * s->h * BPP;
	free(s->frame);
	s->frame = NULL;
	s->res_id = 0;
	s->format = 0;
	s->x = s->y = s->w = s->h = 0;
}

static void res_destroy(struct gpu_dev *d, struct gpu_res *r)
{
	uint32_t i;

	for (i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; i++)
		if (d->so[i].res_id == r->id)
			scanout_clear(d, &d->so[i]);
	if (d->cursor.visible && d->cursor.resource_id == r->id) {
		d->cursor.visible = false;
		d->cursor.resource_id = 0;
	}
	backing_free(d, r);
	d->host_bytes -= (uint64_t)r->width * r->height * BPP;
	free(r->pix);
	*r = d->res[--d->nres];
	memset(&d->res[d->nres], 0, sizeof(d->res[0]));
}

static void destroy_all(struct gpu_dev *d)
{
	while (d->nres)
		res_destroy(d, &d->res[d->nres - 1]);
	d->cursor = (struct vc_gpu_cursor_info){ 0 };
}

/* [x, x + w) x [y, y + h) inside width x height, overflow-safe */
static bool rect_inside(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t width,
			uint32_t height)
{
	return x <= width && w <= width - x && y <= height && h <= height - y;
}

/* Copy len bytes at off of r's backing into dst. 0 or -1. */
static int backing_read(struct gpu_dev *d, const struct gpu_res *r, uint64_t off, uint8_t *dst,
			uint64_t len)
{
	uint32_t i;

	for (i = 0; i < r->n_ents && len; i++) {
		const struct gpu_ent *e = &r->ents[i];
		uint64_t n;

		if (off >= e->len) {
			off -= e->len;
			continue;
		}
		n = e->len - off < len ? e->len - off : len;
		if (d->host->mem_read(d->h, e->addr + off, dst, n) != 0)
			return -1;
		dst += n;
		len -= n;
		off = 0;
	}
	return len ? -1 : 0;
}

/* Copy the scanout's rectangle of its resource (rows [ry, ry + rh) and
 * columns [rx, rx + rw) in resource coordinates, clipped) into its frame. */
static void frame_update(struct gpu_scanout *s, const struct gpu_res *r, uint32_t rx,
			 uint32_t ry, uint32_t rw, uint32_t rh)
{
	uint64_t x0 = rx > s->x ? rx : s->x, y0 = ry > s->y ? ry : s->y;
	uint64_t x1 = (uint64_t)rx + rw, y1 = (uint64_t)ry + rh, y;

	if (x1 > (uint64_t)s->x + s->w)
		x1 = (uint64_t)s->x + s->w;
	if (y1 > (uint64_t)s->y + s->h)
		y1 = (uint64_t)s->y + s->h;
	if (x0 >= x1 || y0 >= y1)
		return;
	for (y = y0; y < y1; y++)
		memcpy(s->frame + ((y - s->y) * s->w + (x0 - s->x)) * BPP,
		       r->pix + (y * r->width + x0) * BPP, (size_t)(x1 - x0) * BPP);
}

/* ------------------------------------------------------------- commands */

struct gpu_cmd {
	const struct vc_elem *e;
	uint16_t q;
	struct virtio_gpu_ctrl_hdr hdr; /* the request's header, read once */
	union gpu_resp resp;
	uint32_t resp_len;              /* bytes of resp to write */
};

/* The command's body after the header: want - HDR bytes into (req + HDR).
 * false when the readable part is shorter. */
static bool read_body(struct gpu_dev *d, struct gpu_cmd *c, void *req, uint32_t want)
{
	memcpy(req, &c->hdr, HDR);
	return d->host->elem_read(d->h, c->e, HDR, (uint8_t *)req + HDR, want - HDR) == want - HDR;
}

static uint32_t cmd_display_info(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resp_display_info *r = &c->resp.info;
	uint32_t i, x = 0;

	for (i = 0; i < d->num_scanouts; i++) {
		struct virtio_gpu_display_one *m = &r->pmodes[i];

		m->r.x = cpu_to_le32(x);
		m->r.y = cpu_to_le32(0);
		m->r.width = cpu_to_le32(d->so[i].mode_w);
		m->r.height = cpu_to_le32(d->so[i].mode_h);
		m->enabled = cpu_to_le32(d->so[i].enabled ? 1 : 0);
		m->flags = cpu_to_le32(0);
		if (d->so[i].enabled)
			x += d->so[i].mode_w;
	}
	c->resp_len = sizeof(*r);
	return VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
}

/* A 128-byte EDID 1.4 base block with the scanout's preferred mode as its
 * first detailed timing. */
static void edid_build(const struct gpu_scanout *s, uint32_t index, uint8_t *b)
{
	static const uint8_t magic[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	static const char name[13] = "virtiocheck\n ";
	uint32_t hact = s->mode_w > 4095 ? 4095 : s->mode_w, vact = s->mode_h > 4095 ? 4095 : s->mode_h;
	uint32_t hblank = 160, vblank = 30, clock, i;
	uint8_t sum = 0;

	memset(b, 0, EDID_BLOCK);
	memcpy(b, magic, sizeof(magic));
	b[8] = 0x58;            /* manufacturer "VCK" */
	b[9] = 0x6b;
	b[10] = 0x34;           /* product code */
	b[11] = 0x12;
	b[12] = (uint8_t)index; /* serial */
	b[17] = 36;             /* 2026 */
	b[18] = 1;
	b[19] = 4;
	b[20] = 0x80;           /* digital input */
	b[23] = 120;            /* gamma 2.2 */
	b[24] = 0x06;
	for (i = 38; i < 54; i++)
		b[i] = 0x01;    /* standard timings unused */
	clock = (uint32_t)(((uint64_t)(hact + hblank) * (vact + vblank) * 60) / 10000);
	if (clock > 0xffff)
		clock = 0xffff;
	b[54] = (uint8_t)clock;
	b[55] = (uint8_t)(clock >> 8);
	b[56] = (uint8_t)hact;
	b[57] = (uint8_t)hblank;
	b[58] = (uint8_t)(((hact >> 8) << 4) | (hblank >> 8));
	b[59] = (uint8_t)vact;
	b[60] = (uint8_t)vblank;
	b[61] = (uint8_t)(((vact >> 8) << 4) | (vblank >> 8));
	b[62] = 48;
	b[63] = 32;
	b[64] = (3 << 4) | 5;
	b[71] = 0x18;
	b[75] = 0xfc;           /* monitor name */
	memcpy(b + 77, name, sizeof(name));
	b[93] = 0x10;           /* dummy descriptors */
	b[111] = 0x10;
	for (i = 0; i < EDID_BLOCK - 1; i++)
		sum = (uint8_t)(sum + b[i]);
	b[127] = (uint8_t)(0x100 - sum);
}

static uint32_t cmd_get_edid(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_get_edid req;
	struct virtio_gpu_resp_edid *r = &c->resp.edid;
	uint32_t scanout;

	if (!(d->features & VIRTIO_BIT(VIRTIO_GPU_F_EDID)))
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	scanout = le32_to_cpu(req.scanout);
	if (scanout >= d->num_scanouts)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	edid_build(&d->so[scanout], scanout, r->edid);
	r->size = cpu_to_le32(d->quirk == Q_EDID_SIZE ? 2048 : EDID_BLOCK);
	c->resp_len = sizeof(*r);
	return VIRTIO_GPU_RESP_OK_EDID;
}

static uint32_t cmd_create_2d(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resource_create_2d req;
	uint32_t id, format, w, h;
	struct gpu_res *r;
	uint64_t bytes;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	id = le32_to_cpu(req.resource_id);
	format = le32_to_cpu(req.format);
	w = le32_to_cpu(req.width);
	h = le32_to_cpu(req.height);
	/* resource id 0 means "none" (SET_SCANOUT); ids are unique */
	if (id == 0 || res_find(d, id))
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!format_known(format) || w == 0 || h == 0 || w > d->max_dim || h > d->max_dim)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	bytes = (uint64_t)w * h * BPP; /* <= 16384^2 * 4: no overflow */
	if (d->nres == d->max_resources || !room_for(d, bytes))
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	r = &d->res[d->nres];
	r->pix = calloc(1, (size_t)bytes);
	if (!r->pix)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	r->id = id;
	r->format = format;
	r->width = w;
	r->height = h;
	d->nres++;
	d->host_bytes += bytes;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t cmd_unref(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resource_unref req;
	struct gpu_res *r;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r = res_find(d, le32_to_cpu(req.resource_id));
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	res_destroy(d, r);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t cmd_set_scanout(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_set_scanout req;
	struct gpu_scanout *s;
	struct gpu_res *r;
	uint32_t sid, rid, x, y, w, h;
	uint64_t bytes, old;
	uint8_t *frame;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	sid = le32_to_cpu(req.scanout_id);
	rid = le32_to_cpu(req.resource_id);
	x = le32_to_cpu(req.r.x);
	y = le32_to_cpu(req.r.y);
	w = le32_to_cpu(req.r.width);
	h = le32_to_cpu(req.r.height);
	if (sid >= d->num_scanouts)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	s = &d->so[sid];
	if (rid == 0) {
		/* "The driver can use resource_id = 0 to disable a scanout." */
		scanout_clear(d, s);
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	r = res_find(d, rid);
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	/* "Scanout rectangles must be completely covered by the underlying
	 * resource." */
	if (w == 0 || h == 0 || !rect_inside(x, y, w, h, r->width, r->height))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	bytes = (uint64_t)w * h * BPP;
	old = s->frame ? (uint64_t)s->w * s->h * BPP : 0;
	if (bytes > d->max_bytes || d->host_bytes - old > d->max_bytes - bytes)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	frame = malloc((size_t)bytes);
	if (!frame)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	scanout_clear(d, s);
	s->frame = frame;
	d->host_bytes += bytes;
	s->res_id = rid;
	s->format = r->format;
	s->x = x;
	s->y = y;
	s->w = w;
	s->h = h;
	frame_update(s, r, x, y, w, h);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t cmd_flush(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resource_flush req;
	struct gpu_res *r;
	uint32_t x, y, w, h, i;
	bool shown = false;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r = res_find(d, le32_to_cpu(req.resource_id));
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	x = le32_to_cpu(req.r.x);
	y = le32_to_cpu(req.r.y);
	w = le32_to_cpu(req.r.width);
	h = le32_to_cpu(req.r.height);
	if (!rect_inside(x, y, w, h, r->width, r->height))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	for (i = 0; i < d->num_scanouts; i++) {
		struct gpu_scanout *s = &d->so[i];

		if (s->res_id != r->id)
			continue;
		frame_update(s, r, x, y, w, h);
		s->flushes++;
		shown = true;
	}
	if (shown)
		d->stats.flushes++;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t cmd_transfer(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_transfer_to_host_2d req;
	struct gpu_res *r;
	uint32_t x, y, w, h, row;
	uint64_t off, stride, last;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r = res_find(d, le32_to_cpu(req.resource_id));
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!r->ents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC; /* no backing to transfer from */
	x = le32_to_cpu(req.r.x);
	y = le32_to_cpu(req.r.y);
	w = le32_to_cpu(req.r.width);
	h = le32_to_cpu(req.r.height);
	off = le64_to_cpu(req.offset);
	if (!rect_inside(x, y, w, h, r->width, r->height))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if (w == 0 || h == 0)
		return VIRTIO_GPU_RESP_OK_NODATA;
	/* row n comes from offset + n * stride: the last byte read is
	 * offset + (h - 1) * stride + w * BPP, inside the backing */
	stride = (uint64_t)r->width * BPP;
	if (__builtin_add_overflow(off, (uint64_t)(h - 1) * stride + (uint64_t)w * BPP, &last) ||
	    last > r->backing_bytes)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	for (row = 0; row < h; row++)
		if (backing_read(d, r, off + row * stride,
				 r->pix + ((uint64_t)(y + row) * r->width + x) * BPP,
				 (uint64_t)w * BPP) != 0)
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* [addr, addr + len) lies inside guest memory: read it through in chunks,
 * each of which the host's translator checks. The work is bounded by
 * max_backing per ATTACH_BACKING. */
static bool range_in_memory(struct gpu_dev *d, uint64_t addr, uint32_t len)
{
	uint64_t done = 0, end;

	if (__builtin_add_overflow(addr, (uint64_t)len, &end))
		return false;
	while (done < len) {
		uint64_t n = len - done < PROBE_CHUNK ? len - done : PROBE_CHUNK;

		if (d->host->mem_read(d->h, addr + done, d->probe, n) != 0)
			return false;
		done += n;
	}
	return true;
}

static uint32_t cmd_attach(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resource_attach_backing req;
	struct gpu_ent *ents;
	struct gpu_res *r;
	uint32_t nr, i;
	uint64_t need, total = 0, host;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r = res_find(d, le32_to_cpu(req.resource_id));
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (r->ents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC; /* backing attached already */
	nr = le32_to_cpu(req.nr_entries);
	if (nr == 0)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if (nr > d->max_entries)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	need = sizeof(req) + (uint64_t)nr * sizeof(struct virtio_gpu_mem_entry);
	if (c->e->readable_bytes < need)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	host = (uint64_t)nr * sizeof(*ents);
	if (!room_for(d, host))
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	ents = calloc(nr, sizeof(*ents));
	if (!ents)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	for (i = 0; i < nr; i++) {
		struct virtio_gpu_mem_entry me;
		uint64_t off = sizeof(req) + (uint64_t)i * sizeof(me);

		if (d->host->elem_read(d->h, c->e, off, &me, sizeof(me)) != sizeof(me))
			goto bad;
		ents[i].addr = le64_to_cpu(me.addr);
		ents[i].len = le32_to_cpu(me.length);
		total += ents[i].len;
		if (total > d->max_backing) {
			free(ents);
			return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
		}
		if (!range_in_memory(d, ents[i].addr, ents[i].len))
			goto bad;
	}
	r->ents = ents;
	r->n_ents = nr;
	r->backing_bytes = total;
	d->host_bytes += host;
	return VIRTIO_GPU_RESP_OK_NODATA;
bad:
	free(ents);
	return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
}

static uint32_t cmd_detach(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_resource_detach_backing req;
	struct gpu_res *r;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r = res_find(d, le32_to_cpu(req.resource_id));
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!r->ents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC; /* nothing attached */
	backing_free(d, r);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t cmd_capset_info(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_get_capset_info req;
	struct virtio_gpu_resp_capset_info *r = &c->resp.capset_info;
	uint32_t index;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	index = le32_to_cpu(req.capset_index);
	/* capset_index "MUST [be] less than num_capsets" */
	if (index >= d->num_capsets)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	r->capset_id = cpu_to_le32(VIRTIO_GPU_CAPSET_VIRGL + index);
	r->capset_max_version = cpu_to_le32(CAPSET_VERSION);
	r->capset_max_size = cpu_to_le32(CAPSET_SIZE);
	c->resp_len = sizeof(*r);
	return VIRTIO_GPU_RESP_OK_CAPSET_INFO;
}

static uint32_t cmd_capset(struct gpu_dev *d, struct gpu_cmd *c)
{
	struct virtio_gpu_get_capset req;
	uint32_t id, version;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	id = le32_to_cpu(req.capset_id);
	version = le32_to_cpu(req.capset_version);
	if (id < VIRTIO_GPU_CAPSET_VIRGL || id >= VIRTIO_GPU_CAPSET_VIRGL + d->num_capsets ||
	    version > CAPSET_VERSION)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	/* capset_data: CAPSET_SIZE bytes, the id then the version */
	c->resp.b[HDR] = (uint8_t)id;
	c->resp.b[HDR + 1] = (uint8_t)version;
	c->resp_len = HDR + CAPSET_SIZE;
	return VIRTIO_GPU_RESP_OK_CAPSET;
}

static uint32_t cmd_cursor(struct gpu_dev *d, struct gpu_cmd *c, uint32_t type)
{
	struct virtio_gpu_update_cursor req;
	struct vc_gpu_cursor_info *cur = &d->cursor;
	uint32_t sid, rid;
	struct gpu_res *r;

	if (!read_body(d, c, &req, sizeof(req)))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	sid = le32_to_cpu(req.pos.scanout_id);
	if (sid >= d->num_scanouts)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	if (type == VIRTIO_GPU_CMD_UPDATE_CURSOR) {
		rid = le32_to_cpu(req.resource_id);
		if (rid != 0) {
			r = res_find(d, rid);
			if (!r)
				return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
			/* 5.7.6.9: a cursor resource is 64x64 */
			if (r->width != VIRTIO_GPU_CURSOR_DIM || r->height != VIRTIO_GPU_CURSOR_DIM)
				return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		}
		cur->visible = rid != 0;
		cur->resource_id = rid;
		cur->hot_x = le32_to_cpu(req.hot_x);
		cur->hot_y = le32_to_cpu(req.hot_y);
		cur->updates++;
	} else {
		/* "The other fields are not used and will be ignored" */
		cur->moves++;
	}
	cur->scanout = sid;
	cur->x = le32_to_cpu(req.pos.x);
	cur->y = le32_to_cpu(req.pos.y);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static uint32_t dispatch(struct gpu_dev *d, struct gpu_cmd *c, uint32_t type)
{
	bool cursor = type == VIRTIO_GPU_CMD_UPDATE_CURSOR || type == VIRTIO_GPU_CMD_MOVE_CURSOR;

	/* 5.7.2: cursor commands go to the cursorq, the others to the
	 * controlq */
	if (cursor != (c->q == VIRTIO_GPU_CURSORQ))
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	switch (type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO:
		return cmd_display_info(d, c);
	case VIRTIO_GPU_CMD_GET_EDID:
		return cmd_get_edid(d, c);
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D:
		return cmd_create_2d(d, c);
	case VIRTIO_GPU_CMD_RESOURCE_UNREF:
		return cmd_unref(d, c);
	case VIRTIO_GPU_CMD_SET_SCANOUT:
		return cmd_set_scanout(d, c);
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH:
		return cmd_flush(d, c);
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D:
		return cmd_transfer(d, c);
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING:
		return cmd_attach(d, c);
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING:
		return cmd_detach(d, c);
	case VIRTIO_GPU_CMD_GET_CAPSET_INFO:
		return cmd_capset_info(d, c);
	case VIRTIO_GPU_CMD_GET_CAPSET:
		return cmd_capset(d, c);
	case VIRTIO_GPU_CMD_UPDATE_CURSOR:
	case VIRTIO_GPU_CMD_MOVE_CURSOR:
		return cmd_cursor(d, c, type);
	default:
		/* 3D, blob and UUID commands (features not offered), unknown
		 * types */
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	}
}

static bool resp_ok(uint32_t type)
{
	return type >= VIRTIO_GPU_RESP_OK_NODATA && type <= VIRTIO_GPU_RESP_OK_MAP_INFO;
}

/* Write the response into the writable part and return the buffer. */
static void respond(struct gpu_dev *d, struct gpu_cmd *c, uint32_t type, bool have_hdr)
{
	struct virtio_gpu_ctrl_hdr *h = &c->resp.hdr;
	uint32_t flags = have_hdr ? le32_to_cpu(c->hdr.flags) : 0;
	bool fenced = flags & VIRTIO_GPU_FLAG_FENCE;
	uint64_t written = 0;
	uint32_t used;
	int slot;

	if (!resp_ok(type))
		c->resp_len = HDR; /* an error response is the bare header */
	if (c->e->writable_bytes < c->resp_len) {
		if (c->e->writable_bytes >= HDR) {
			type = VIRTIO_GPU_RESP_ERR_UNSPEC;
			c->resp_len = HDR;
			d->stats.short_response++;
		} else {
			c->resp_len = 0;
			d->stats.no_response++;
		}
	}
	if (c->resp_len) {
		if (d->quirk == Q_RESP_TYPE && resp_ok(type))
			type = type == VIRTIO_GPU_RESP_OK_NODATA ? VIRTIO_GPU_RESP_OK_DISPLAY_INFO
								 : VIRTIO_GPU_RESP_OK_NODATA;
		h->type = cpu_to_le32(type);
		/* 5.7.6.7: with VIRTIO_GPU_FLAG_FENCE the response sets the flag
		 * and copies fence_id; the command is complete by now */
		h->flags = cpu_to_le32(fenced && d->quirk != Q_FENCE_FLAG ? VIRTIO_GPU_FLAG_FENCE : 0);
		h->fence_id = cpu_to_le64(!fenced ? 0
				       : le64_to_cpu(c->hdr.fence_id) + (d->quirk == Q_FENCE_ID));
		h->ctx_id = cpu_to_le32(0);
		h->ring_idx = 0;
		memset(h->padding, 0, sizeof(h->padding));
		written = d->host->elem_write(d->h, c->e, 0, c->resp.b, c->resp_len);
		slot = vc_gpu_resp_slot(type);
		if (slot >= 0)
			d->stats.resp[slot]++;
	}
	used = (uint32_t)written;
	if (d->quirk == Q_USED_LEN && used >= 4)
		used -= 4;
	d->host->queue_push(d->h, c->q, c->e, used);
}

static void process(struct gpu_dev *d, uint16_t q)
{
	struct vc_elem e;
	bool pushed = false;

	while (d->live && d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		struct gpu_cmd c;
		uint32_t type = VIRTIO_GPU_RESP_ERR_UNSPEC;
		bool have_hdr;

		memset(&c, 0, sizeof(c));
		c.e = &e;
		c.q = q;
		c.resp_len = HDR;
		/* the header once; a request too short for it has no type */
		have_hdr = d->host->elem_read(d->h, &e, 0, &c.hdr, HDR) == HDR;
		if (have_hdr) {
			uint32_t t = le32_to_cpu(c.hdr.type);

			d->stats.cmd[vc_gpu_cmd_slot(t)]++;
			if (le32_to_cpu(c.hdr.flags) & VIRTIO_GPU_FLAG_FENCE)
				d->stats.fenced++;
			type = dispatch(d, &c, t);
		}
		respond(d, &c, type, have_hdr);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
	d->stats.resources = d->nres;
	d->stats.host_bytes = d->host_bytes;
}

/* ------------------------------------------------------------ the ops */

static void *gpu_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct gpu_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = GPU_MAGIC;
	d->host = host;
	d->h = h;
	if (parse_args(d, args) != 0) {
		free(d);
		return NULL;
	}
	d->res = calloc(d->max_resources, sizeof(*d->res));
	if (!d->res) {
		free(d);
		return NULL;
	}
	return d;
}

static void gpu_destroy(void *dev)
{
	struct gpu_dev *d = dev;

	if (!d)
		return;
	destroy_all(d);
	free(d->res);
	d->magic = 0;
	free(d);
}

static uint64_t gpu_get_features(void *dev)
{
	struct gpu_dev *d = dev;
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
		     VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
		     VIRTIO_BIT(VIRTIO_F_RING_RESET);

	if (d->edid)
		f |= VIRTIO_BIT(VIRTIO_GPU_F_EDID);
	return f;
}

static int gpu_set_features(void *dev, uint64_t f)
{
	((struct gpu_dev *)dev)->features = f;
	return 0;
}

static void gpu_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct gpu_dev *d = dev;
	struct virtio_gpu_config c = {
		.events_read = cpu_to_le32(d->events_read),
		.events_clear = cpu_to_le32(0),
		.num_scanouts = cpu_to_le32(d->cfg_scanouts_set ? d->cfg_num_scanouts
								: d->num_scanouts),
		.num_capsets = cpu_to_le32(d->num_capsets),
	};

	if (off > sizeof(c) || len > sizeof(c) - off) {
		memset(dst, 0, len);
		return;
	}
	memcpy(dst, (const uint8_t *)&c + off, len);
}

static void gpu_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct gpu_dev *d = dev;
	const uint8_t *b = src;
	bool ignored = false;
	uint32_t i;

	/* events_clear: "Writing a '1' into a bit will clear the corresponding
	 * bit in events_read". The other fields are read-only (the driver
	 * MUST NOT write events_read): such writes change nothing. */
	for (i = 0; i < len; i++) {
		uint64_t at = (uint64_t)off + i;

		if (at >= VIRTIO_GPU_CFG_EVENTS_CLEAR && at < VIRTIO_GPU_CFG_EVENTS_CLEAR + 4)
			d->events_read &= ~((uint32_t)b[i] << (8 * (at - VIRTIO_GPU_CFG_EVENTS_CLEAR)));
		else
			ignored = true;
	}
	if (ignored)
		d->stats.cfg_ignored++;
	d->stats.events_read = d->events_read;
}

static void gpu_activate(void *dev)
{
	struct gpu_dev *d = dev;

	d->live = true;
	process(d, VIRTIO_GPU_CONTROLQ);
	process(d, VIRTIO_GPU_CURSORQ);
}

static void gpu_reset(void *dev)
{
	struct gpu_dev *d = dev;

	/* the displays (host side) survive; resources, scanout setup, the
	 * cursor and pending events do not */
	d->features = 0;
	d->live = false;
	d->events_read = 0;
	destroy_all(d);
	d->stats.resources = 0;
	d->stats.host_bytes = d->host_bytes;
	d->stats.events_read = 0;
}

static void gpu_queue_notify(void *dev, uint16_t q)
{
	struct gpu_dev *d = dev;

	if (q == VIRTIO_GPU_CONTROLQ || q == VIRTIO_GPU_CURSORQ)
		process(d, q);
}

const struct vc_device_ops vc_gpu_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "gpu",
	.device_id = VIRTIO_ID_GPU,
	.num_queues = 2,
	.queue_size_max = VC_GPU_QUEUE_SIZE_MAX,
	.config_size = VIRTIO_GPU_CFG_SIZE,
	.create = gpu_create,
	.destroy = gpu_destroy,
	.get_features = gpu_get_features,
	.set_features = gpu_set_features,
	.config_read = gpu_config_read,
	.config_write = gpu_config_write,
	.activate = gpu_activate,
	.reset = gpu_reset,
	.queue_notify = gpu_queue_notify,
};

/* ---------------------------------------------------------- backend API */

const struct vc_gpu_stats *vc_gpu_stats(void *dev)
{
	struct gpu_dev *d = gpu_of(dev);

	return d ? &d->stats : NULL;
}

int vc_gpu_resource(void *dev, uint32_t id, struct vc_gpu_resource_info *out)
{
	struct gpu_dev *d = gpu_of(dev);
	const struct gpu_res *r = d ? res_find(d, id) : NULL;

	if (!r || !out)
		return -1;
	*out = (struct vc_gpu_resource_info){
		.id = r->id, .format = r->format, .width = r->width, .height = r->height,
		.backing = r->ents != NULL, .nr_entries = r->n_ents,
		.backing_bytes = r->backing_bytes,
	};
	return 0;
}

int vc_gpu_scanout(void *dev, uint32_t scanout, struct vc_gpu_scanout_info *out)
{
	struct gpu_dev *d = gpu_of(dev);
	const struct gpu_scanout *s;

	if (!d || !out || scanout >= d->num_scanouts)
		return -1;
	s = &d->so[scanout];
	*out = (struct vc_gpu_scanout_info){
		.enabled = s->enabled, .width = s->mode_w, .height = s->mode_h,
		.resource_id = s->res_id, .x = s->x, .y = s->y, .w = s->w, .h = s->h,
		.flushes = s->flushes,
	};
	return 0;
}

int vc_gpu_cursor(void *dev, struct vc_gpu_cursor_info *out)
{
	struct gpu_dev *d = gpu_of(dev);

	if (!d || !out)
		return -1;
	*out = d->cursor;
	return 0;
}

/* One pixel of format f (memory byte order) to R, G, B, A. */
static void to_rgba(uint32_t f, const uint8_t *p, uint8_t *o)
{
	switch (f) {
	case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM:
	case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM:
		o[0] = p[2], o[1] = p[1], o[2] = p[0], o[3] = p[3];
		break;
	case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM:
	case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM:
		o[0] = p[1], o[1] = p[2], o[2] = p[3], o[3] = p[0];
		break;
	case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM:
	case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM:
		o[0] = p[0], o[1] = p[1], o[2] = p[2], o[3] = p[3];
		break;
	default: /* X8B8G8R8, A8B8G8R8 */
		o[0] = p[3], o[1] = p[2], o[2] = p[1], o[3] = p[0];
		break;
	}
	if (f == VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM || f == VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM ||
	    f == VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM || f == VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM)
		o[3] = 0xff;
}

int vc_gpu_scanout_rgba(void *dev, uint32_t scanout, uint8_t *dst, uint32_t *w, uint32_t *h,
			size_t max)
{
	struct gpu_dev *d = gpu_of(dev);
	const struct gpu_scanout *s;
	uint64_t i, n;

	if (!d || !w || !h || scanout >= d->num_scanouts)
		return -1;
	s = &d->so[scanout];
	*w = s->frame ? s->w : 0;
	*h = s->frame ? s->h : 0;
	n = (uint64_t)*w * *h;
	if (n * BPP > max || (n && !dst))
		return -1;
	for (i = 0; i < n; i++)
		to_rgba(s->format, s->frame + i * BPP, dst + i * BPP);
	return 0;
}

int vc_gpu_display_change(void *dev, uint32_t scanout, uint32_t width, uint32_t height,
			  bool enabled)
{
	struct gpu_dev *d = gpu_of(dev);

	if (!d || scanout >= d->num_scanouts || width == 0 || height == 0 || width > 16384 ||
	    height > 16384)
		return -1;
	d->so[scanout].mode_w = width;
	d->so[scanout].mode_h = height;
	d->so[scanout].enabled = enabled;
	d->events_read |= VIRTIO_GPU_EVENT_DISPLAY;
	d->stats.events_read = d->events_read;
	d->host->config_changed(d->h);
	return 0;
}
