// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile virtio-gpu DEVICE facing the reference gpu driver
 * (model/drivers/gpu_drv.c). The device is an ops table in this file, built
 * only on the public plugin ABI (virtiocheck/device.h), run on a real pair
 * (PCI or MMIO). From the input it takes the configuration (num_scanouts
 * and num_capsets, any values) and, for every command it receives, the
 * answer: a well-formed success or error response (payload bytes from the
 * input), a wrong type, a used len short of the response, a fence flag or
 * fence_id not echoed, or no answer. The driver runs every command helper,
 * the framebuffer helpers, event polling and resets with re-initialization.
 *
 * Oracles (clause cited on failure):
 *  - the driver never crashes or loops (sanitizers; bounded operations);
 *  - attach fails with a CL_DEV_GPU_INIT finding exactly when num_scanouts
 *    is outside 1..16;
 *  - an operation that got a bad answer (wrong type, short used len, fence
 *    not echoed, EDID size over 1024, an undefined capset_id) returns -1
 *    with exactly one new finding citing CL_DEV_GPU_FENCE; without a bad
 *    answer it records nothing, and a single-command helper returns the
 *    type the device answered;
 *  - what the driver sends keeps its own rules: a known command on its
 *    queue, the readable part exactly the command's structure (ATTACH:
 *    plus nr_entries entries), a writable part exactly the response size,
 *    flags 0 or FENCE, fence_ids increasing.
 *
 * Input (missing bytes read as zero): byte 0 bit 0 MMIO, bit 1 EDID offered;
 * bytes 1-4 num_scanouts (le32; small unless bit 7 of byte 5), byte 5
 * num_capsets % 4; then operations: one byte (% 16) and operands; each
 * command the device receives reads its answer from the same stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_gpu_driver"
#define MAX_OPS 48
#define MAX_RESETS 2
#define REQ_MAX 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct fin *in;
	bool edid;
	uint32_t num_scanouts, num_capsets, events;
	bool bad;          /* a bad answer was given in this operation */
	bool silent;       /* a command was not answered */
	uint32_t answered; /* commands answered in this operation */
	uint32_t last_type;
	uint64_t last_fence;
} F;

struct fake {
	const struct vc_host_ops *host;
	void *h;
};

static struct vc_pair pr;
static struct vgpu_drv g;

/* ------------------------------------------------------------ device */

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct fake *d = calloc(1, sizeof(*d));

	(void)args;
	if (d) {
		d->host = host;
		d->h = h;
	}
	return d;
}

static void fake_destroy(void *dev) { free(dev); }

static uint64_t fake_features(void *dev)
{
	(void)dev;
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       (F.edid ? VIRTIO_BIT(VIRTIO_GPU_F_EDID) : 0);
}

static int fake_set_features(void *dev, uint64_t f) { (void)dev; (void)f; return 0; }

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct virtio_gpu_config c = {
		.events_read = cpu_to_le32(F.events), .num_scanouts = cpu_to_le32(F.num_scanouts),
		.num_capsets = cpu_to_le32(F.num_capsets),
	};

	(void)dev;
	memset(dst, 0, len);
	if (off < sizeof(c))
		memcpy(dst, (uint8_t *)&c + off, len < sizeof(c) - off ? len : sizeof(c) - off);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	le32 v;

	(void)dev;
	/* the driver writes only events_clear, 32 bits */
	ORACLE(off == VIRTIO_GPU_CFG_EVENTS_CLEAR && len == 4, HARNESS,
	       "driver config write at %u, %u bytes", off, len);
	memcpy(&v, src, 4);
	F.events &= ~le32_to_cpu(v);
}

static void fake_activate(void *dev) { (void)dev; }
static void fake_reset(void *dev) { (void)dev; F.events = 0; }

/* The request size and the success response (type, size) of a command. */
static bool cmd_shape(uint32_t type, uint16_t q, uint32_t *req, uint32_t *ok, uint32_t *resp)
{
	bool cursor = type == VIRTIO_GPU_CMD_UPDATE_CURSOR || type == VIRTIO_GPU_CMD_MOVE_CURSOR;

	*ok = VIRTIO_GPU_RESP_OK_NODATA;
	*resp = 24;
	if (cursor != (q == VIRTIO_GPU_CURSORQ))
		return false;
	switch (type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO:
		*req = 24;
		*ok = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
		*resp = sizeof(struct virtio_gpu_resp_display_info);
		return true;
	case VIRTIO_GPU_CMD_GET_EDID:
		*req = 32;
		*ok = VIRTIO_GPU_RESP_OK_EDID;
		*resp = sizeof(struct virtio_gpu_resp_edid);
		return true;
	case VIRTIO_GPU_CMD_GET_CAPSET_INFO:
		*req = 32;
		*ok = VIRTIO_GPU_RESP_OK_CAPSET_INFO;
		*resp = sizeof(struct virtio_gpu_resp_capset_info);
		return true;
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: *req = 40; return true;
	case VIRTIO_GPU_CMD_RESOURCE_UNREF:
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: *req = 32; return true;
	case VIRTIO_GPU_CMD_SET_SCANOUT:
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH: *req = 48; return true;
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: *req = 56; return true;
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: *req = 32; return true;
	case VIRTIO_GPU_CMD_UPDATE_CURSOR:
	case VIRTIO_GPU_CMD_MOVE_CURSOR: *req = 56; return true;
	default: return false;
	}
}

static void answer(struct fake *d, uint16_t q, const struct vc_elem *e)
{
	uint8_t req[REQ_MAX], resp[sizeof(struct virtio_gpu_resp_edid)];
	struct virtio_gpu_ctrl_hdr h, *r = (struct virtio_gpu_ctrl_hdr *)(void *)resp;
	uint32_t type, flags, want_req, ok, size, used, i;
	uint64_t fence;
	uint64_t got = d->host->elem_read(d->h, e, 0, req, sizeof(req));
	uint8_t mode = fin_u8(F.in);
	bool err;

	ORACLE(got >= 24 && e->readable_bytes == got, CL_DRV_FRAMING,
	       "a request of %llu readable bytes", (unsigned long long)e->readable_bytes);
	memcpy(&h, req, sizeof(h));
	type = le32_to_cpu(h.type);
	flags = le32_to_cpu(h.flags);
	fence = le64_to_cpu(h.fence_id);
	ORACLE(cmd_shape(type, q, &want_req, &ok, &size), HARNESS,
	       "the driver sent command 0x%x on queue %u", type, q);
	if (type == VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING) {
		le32 nr;

		memcpy(&nr, req + 28, 4);
		want_req = 32 + 16 * le32_to_cpu(nr);
	}
	ORACLE(got == want_req, HARNESS, "command 0x%x with %llu bytes, its structure has %u",
	       type, (unsigned long long)got, want_req);
	ORACLE(e->writable_bytes == size, HARNESS,
	       "command 0x%x with a %llu-byte response buffer, the response has %u", type,
	       (unsigned long long)e->writable_bytes, size);
	ORACLE(flags == 0 || flags == VIRTIO_GPU_FLAG_FENCE, HARNESS, "request flags 0x%x", flags);
	if (flags) {
		ORACLE(fence > F.last_fence, HARNESS, "fence_id %llu after %llu",
		       (unsigned long long)fence, (unsigned long long)F.last_fence);
		F.last_fence = fence;
	}
	if (mode % 8 == 7) {
		F.silent = true; /* no answer: the buffer stays with the device */
		return;
	}
	/* the payload after the header: as many bytes as the response has */
	memset(resp, 0, sizeof(resp));
	for (i = 24; i < size; i++)
		resp[i] = fin_u8(F.in);
	err = mode & 0x80;
	r->type = cpu_to_le32(err ? VIRTIO_GPU_RESP_ERR_UNSPEC + (uint32_t)((mode >> 4) % 6) : ok);
	r->flags = cpu_to_le32(flags);
	r->fence_id = cpu_to_le64(fence);
	used = err ? 24 : size;
	switch (mode % 8) {
	case 4: {
		uint32_t t = fin_u32(F.in);

		r->type = cpu_to_le32(t);
		if (t != ok && !(t >= VIRTIO_GPU_RESP_ERR_UNSPEC &&
				 t <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER))
			F.bad = true;
		if (t >= VIRTIO_GPU_RESP_ERR_UNSPEC && t <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER)
			err = true;
		else if (t == ok)
			err = false;
		break;
	}
	case 5:
		used = fin_u16(F.in) % (err ? 24 : size);
		F.bad = true;
		break;
	case 6:
		if (flags) {
			if (fin_u8(F.in) & 1)
				r->flags = cpu_to_le32(0);
			else
				r->fence_id = cpu_to_le64(fence + 1);
			F.bad = true;
		}
		break;
	default:
		break;
	}
	if (!F.bad && !err) {
		/* the payload rules a helper checks */
		if (type == VIRTIO_GPU_CMD_GET_EDID) {
			le32 sz;

			memcpy(&sz, resp + 24, 4);
			if (le32_to_cpu(sz) > VIRTIO_GPU_EDID_MAX)
				F.bad = true;
		}
		if (type == VIRTIO_GPU_CMD_GET_CAPSET_INFO) {
			le32 id;

			memcpy(&id, resp + 24, 4);
			if (le32_to_cpu(id) < 1 || le32_to_cpu(id) > 5)
				F.bad = true;
		}
	}
	F.last_type = le32_to_cpu(r->type);
	ORACLE(d->host->elem_write(d->h, e, 0, resp, used) == used, HARNESS, "elem_write");
	d->host->queue_push(d->h, q, e, used);
	d->host->queue_flush(d->h, q);
	F.answered++;
}

static void fake_notify(void *dev, uint16_t q)
{
	struct fake *d = dev;
	struct vc_elem e;

	while (!F.silent && d->host->queue_pop(d->h, q, &e) == VC_POP_OK)
		answer(d, q, &e);
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fuzz-gpu",
	.device_id = VIRTIO_ID_GPU,
	.num_queues = 2,
	.queue_size_max = 64,
	.config_size = VIRTIO_GPU_CFG_SIZE,
	.create = fake_create,
	.destroy = fake_destroy,
	.get_features = fake_features,
	.set_features = fake_set_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_activate,
	.reset = fake_reset,
	.queue_notify = fake_notify,
};

/* ------------------------------------------------------------ driver */

static uint32_t findings(void)
{
	return vdrv_findings(pr.drv)->count;
}

/* After one operation: rc its return, single: one command. */
static bool judge(int rc, uint32_t before, bool single)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	if (F.bad) {
		ORACLE(rc == -1, CL_DEV_GPU_FENCE, "a bad answer, yet the operation returned %d", rc);
		ORACLE(f->count == before + 1, CL_DEV_GPU_FENCE,
		       "a bad answer made %u findings", f->count - before);
		ORACLE(!strcmp(f->v[before].clause, CL_DEV_GPU_FENCE), f->v[before].clause,
		       "a bad answer cited another clause: %s", f->v[before].msg);
		return false;
	}
	ORACLE(f->count == before, f->count ? f->v[f->count - 1].clause : HARNESS,
	       "the driver found a well-behaved answer at fault: %s",
	       f->count ? f->v[f->count - 1].msg : "");
	if (F.silent)
		return false;
	if (single && F.answered == 1)
		ORACLE(rc == (int)F.last_type, HARNESS, "the helper returned %d, the device answered 0x%x",
		       rc, F.last_type);
	return true;
}

static bool attach(void)
{
	struct vdrv_config cfg;
	uint32_t before;
	int rc;

	vgpu_drv_config(&cfg, fin_u8(F.in) & 1 ? VIRTIO_BIT(VIRTIO_GPU_F_EDID) : 0);
	if (vdrv_init(pr.drv, &cfg) != 0)
		return false;
	before = findings();
	F.bad = F.silent = false;
	F.answered = 0;
	rc = vgpu_drv_attach(&g, pr.drv);
	if (F.num_scanouts < 1 || F.num_scanouts > VIRTIO_GPU_MAX_SCANOUTS) {
		ORACLE(rc == -1 && findings() == before + 1 &&
			       !strcmp(vdrv_findings(pr.drv)->v[before].clause, CL_DEV_GPU_INIT),
		       CL_DEV_GPU_INIT, "num_scanouts %u accepted", F.num_scanouts);
		return false;
	}
	if (F.bad || F.silent) {
		judge(rc, before, false);
		return false;
	}
	/* a well-formed error answer to GET_DISPLAY_INFO fails attach too */
	ORACLE(findings() == before, HARNESS, "attach: finding without a bad answer");
	return rc == 0;
}

static bool run_op(struct fin *in)
{
	uint8_t op = fin_u8(in) % 16;
	uint32_t before = findings(), id = 1 + fin_u8(in) % 4;
	struct vgpu_rect r = { fin_u8(in) % 8, fin_u8(in) % 8, fin_u8(in) % 40, fin_u8(in) % 40 };
	struct vgpu_mem m[4];
	struct vgpu_fb fb;
	uint8_t rgba[4] = { 1, 2, 3, 4 };
	unsigned n, i;
	bool single = true;
	int rc;

	F.bad = F.silent = false;
	F.answered = 0;
	g.fence = fin_u8(in) & 1;
	switch (op) {
	case 0: rc = vgpu_drv_get_display_info(&g); break;
	case 1: rc = vgpu_drv_create_2d(&g, id, 1 + fin_u8(in) % 4, 1 + r.w, 1 + r.h); break;
	case 2: rc = vgpu_drv_unref(&g, id); break;
	case 3: rc = vgpu_drv_set_scanout(&g, fin_u8(in) % 2, id, &r); break;
	case 4: rc = vgpu_drv_flush(&g, id, &r); break;
	case 5: rc = vgpu_drv_transfer(&g, id, &r, fin_u16(in)); break;
	case 6:
		n = 1 + fin_u8(in) % 4;
		for (i = 0; i < n; i++)
			m[i] = (struct vgpu_mem){ 0x20000 + 4096 * i, 4096 };
		rc = vgpu_drv_attach_backing(&g, id, m, n);
		break;
	case 7: rc = vgpu_drv_detach_backing(&g, id); break;
	case 8: rc = vgpu_drv_capset_info(&g, fin_u8(in) % 4, NULL, NULL, NULL); break;
	case 9:
		if (!(g.features & VIRTIO_BIT(VIRTIO_GPU_F_EDID)))
			return true;
		rc = vgpu_drv_get_edid(&g, fin_u8(in) % 2, NULL, NULL);
		break;
	case 10: rc = vgpu_drv_update_cursor(&g, 0, r.x, r.y, id, 1, 1); break;
	case 11: rc = vgpu_drv_move_cursor(&g, 0, r.x, r.y); break;
	case 12:
		single = false;
		rc = vgpu_drv_fb_setup(&g, &fb, id, 2, 1 + r.w, 1 + r.h, 0, 1 + fin_u8(in) % 3);
		if (rc == 0 && !F.bad && !F.silent)
			rc = vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 0, 0, 1 + r.w, 1 + r.h },
					      rgba);
		break;
	case 13:
		single = false;
		F.events = fin_u8(in) & 1 ? VIRTIO_GPU_EVENT_DISPLAY : 0;
		rc = vgpu_drv_poll_events(&g);
		break;
	default:
		return true;
	}
	return judge(rc, before, single);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size, 0 };
	struct vc_pair_opts o = { .transport = VC_TRANSPORT_PCI };
	uint8_t b0 = fin_u8(&in);
	uint32_t ns = fin_u32(&in);
	uint8_t b5 = fin_u8(&in);
	unsigned resets = 0;
	int ops;

	memset(&F, 0, sizeof(F));
	F.in = &in;
	F.edid = b0 & 2;
	F.num_scanouts = b5 & 0x80 ? ns : ns % 18;
	F.num_capsets = b5 % 4;
	o.transport = b0 & 1 ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI;
	if (vc_pair_open_opts(&pr, &fake_ops, NULL, &o) != 0)
		return 0;
	memset(&g, 0, sizeof(g));
	if (vdrv_probe(pr.drv, VIRTIO_ID_GPU) == 0 && attach()) {
		for (ops = 0; ops < MAX_OPS && !fin_done(&in); ops++) {
			if (fin_u8(&in) == 0xff && resets++ < MAX_RESETS) {
				vdrv_reset(pr.drv);
				vgpu_drv_detach(&g);
				F.silent = false;
				if (!attach())
					break;
				continue;
			}
			if (!run_op(&in))
				break;
		}
	}
	vgpu_drv_detach(&g);
	vc_pair_close(&pr);
	return 0;
}
