// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the DEVICE side of virtio-gpu 2D (model/devices/gpu.c)
 * facing a driver that sends any command stream on the controlq and the
 * cursorq. A real pair (PCI or MMIO, split or packed) runs the device with
 * small caps; the reference gpu driver brings it up, then, from the input:
 *  - raw commands: any type (the 2D, cursor, 3D and blob codes, or any
 *    number), any fields, FENCE or not, cut to any length, split over up to
 *    four descriptors (direct or indirect), with a response buffer of any
 *    size (0 included);
 *  - ATTACH_BACKING with entries inside, across and outside guest memory,
 *    wrapping 2^64, and nr_entries that lie;
 *  - well-formed framebuffer traffic through the driver;
 *  - display changes, configuration writes, device resets.
 *
 * Oracles (clause cited on failure):
 *  - the device writes nothing outside the response buffer: the request
 *    bytes and a guard after the response buffer stay as written
 *    (CL_DEV_USED: the device writes only into device-writable buffers);
 *  - used len <= the response buffer's bytes (CL_DEV_USED);
 *  - a response is well-formed: used len 0 only when the buffer cannot hold
 *    a header, otherwise a response type, 24 bytes for an error, the
 *    command's full size for a success; with VIRTIO_GPU_FLAG_FENCE the flag
 *    and the fence_id come back (CL_DEV_GPU_FENCE);
 *  - resource accounting stays within the caps (resources, host bytes);
 *  - the device never records a finding nor sets DEVICE_NEEDS_RESET (every
 *    request is well-framed; per-request faults are answered);
 *  - after a reset and a new bring-up, and at the end, the device serves a
 *    RESOURCE_CREATE_2D / UNREF (liveness).
 *
 * Input (missing bytes read as zero): byte 0 bit 0 MMIO, bit 1 packed,
 * bit 2 EDID, bit 3 indirect descriptors allowed; byte 1 num_scanouts - 1
 * (% 4); byte 2 caps (max_resources 1 + b % 8, max_bytes 4 KiB << (b >> 4) % 6);
 * then operations: one byte (% 8) and operands, see run_op().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "gpu.h"
#include "gpu_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_gpu_cmd"
#define MAX_OPS 48
#define MAX_RESETS 3
#define REQ_MAX 512u
#define RESP_MAX 1200u
#define GUARD 64u
#define GUARD_BYTE 0xa5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vc_pair pr;
static struct vgpu_drv g;
static struct vdrv_config cfg;
static uint64_t req_gpa, resp_gpa, back_gpa;
static uint32_t max_res;
static uint64_t max_bytes;
static unsigned resets;

static const uint32_t types[] = {
	VIRTIO_GPU_CMD_GET_DISPLAY_INFO, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
	VIRTIO_GPU_CMD_RESOURCE_UNREF, VIRTIO_GPU_CMD_SET_SCANOUT, VIRTIO_GPU_CMD_RESOURCE_FLUSH,
	VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING,
	VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, VIRTIO_GPU_CMD_GET_CAPSET_INFO,
	VIRTIO_GPU_CMD_GET_CAPSET, VIRTIO_GPU_CMD_GET_EDID, VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB,
	VIRTIO_GPU_CMD_CTX_CREATE, VIRTIO_GPU_CMD_SUBMIT_3D, VIRTIO_GPU_CMD_UPDATE_CURSOR,
	VIRTIO_GPU_CMD_MOVE_CURSOR,
};

static void *dev(void) { return vdev_device(pr.core); }

static uint32_t ok_size(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPU_RESP_OK_DISPLAY_INFO: return sizeof(struct virtio_gpu_resp_display_info);
	case VIRTIO_GPU_RESP_OK_EDID: return sizeof(struct virtio_gpu_resp_edid);
	case VIRTIO_GPU_RESP_OK_CAPSET_INFO: return sizeof(struct virtio_gpu_resp_capset_info);
	case VIRTIO_GPU_RESP_OK_CAPSET: return 24 + 16;
	default: return 24;
	}
}

static void check_device(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);
	const struct vc_gpu_stats *st = vc_gpu_stats(dev());

	ORACLE(f->count == 0 && f->dropped == 0, f->count ? f->v[0].clause : HARNESS,
	       "the device recorded a finding: %s", f->count ? f->v[0].msg : "(dropped)");
	ORACLE(!(vdev_status(pr.core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET), HARNESS,
	       "DEVICE_NEEDS_RESET on well-framed requests");
	ORACLE(st->resources <= max_res, HARNESS, "%u resources, the cap is %u", st->resources,
	       max_res);
	ORACLE(st->host_bytes <= max_bytes, HARNESS, "%llu host bytes, the cap is %llu",
	       (unsigned long long)st->host_bytes, (unsigned long long)max_bytes);
}

static bool bring_up(void)
{
	if (vdrv_init(pr.drv, &cfg) != 0)
		return false;
	if (vgpu_drv_attach(&g, pr.drv) != 0)
		return false;
	req_gpa = vdrv_alloc(pr.drv, REQ_MAX, 64);
	resp_gpa = vdrv_alloc(pr.drv, RESP_MAX + GUARD, 64);
	back_gpa = vdrv_alloc(pr.drv, 64 * 1024, 4096);
	return req_gpa && resp_gpa && back_gpa;
}

static void check_live(void)
{
	int t;

	ORACLE(vgpu_drv_get_display_info(&g) == VIRTIO_GPU_RESP_OK_DISPLAY_INFO, CL_DEV_GPU_FENCE,
	       "GET_DISPLAY_INFO failed on a live device");
	/* the caps may be reached: OUT_OF_MEMORY is an answer too */
	t = vgpu_drv_create_2d(&g, 0x7ffffff0u, 1, 2, 2);
	ORACLE(t == VIRTIO_GPU_RESP_OK_NODATA || t == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
	       CL_DEV_GPU_FENCE, "RESOURCE_CREATE_2D on a live device: %d", t);
	if (t == VIRTIO_GPU_RESP_OK_NODATA)
		ORACLE(vgpu_drv_unref(&g, 0x7ffffff0u) == VIRTIO_GPU_RESP_OK_NODATA,
		       CL_DEV_GPU_FENCE, "RESOURCE_UNREF of a resource just created failed");
	check_device();
}

/* Post req (len bytes, cut into up to 4 pieces) and a resp_len response
 * buffer on q, then check what the device did. */
static void submit(struct fin *in, uint16_t q, const uint8_t *req, uint32_t len,
		   uint32_t resp_len)
{
	gm_view_t *m = vdrv_mem(pr.drv);
	uint8_t guard[RESP_MAX + GUARD], back[REQ_MAX], resp[RESP_MAX];
	struct vq_buf out[4], rin[2];
	unsigned n_out = 0, n_in = 0, pieces = 1 + fin_u8(in) % 4, i;
	bool indirect = fin_u8(in) & 1 && (g.features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	uint32_t used = 0, off = 0, type, flags;
	struct virtio_gpu_ctrl_hdr rq, rs;
	int rc;

	memset(guard, GUARD_BYTE, sizeof(guard));
	if (gm_write(m, req_gpa, req, len) || gm_write(m, resp_gpa, guard, sizeof(guard)))
		return;
	for (i = 0; i < pieces && off < len; i++) {
		uint32_t n = i + 1 == pieces ? len - off : 1 + fin_u8(in) % (len - off);

		out[n_out++] = (struct vq_buf){ req_gpa + off, n };
		off += n;
	}
	if (resp_len) {
		uint32_t cut = resp_len > 1 ? fin_u8(in) % resp_len : 0;

		if (cut)
			rin[n_in++] = (struct vq_buf){ resp_gpa, cut };
		rin[n_in++] = (struct vq_buf){ resp_gpa + cut, resp_len - cut };
	}
	if (n_out + n_in == 0)
		return;
	rc = vgpu_drv_submit_raw(&g, q, out, n_out, rin, n_in, indirect, &used);
	if (rc != 1) {
		check_device();
		return;
	}
	/* nothing outside the response buffer */
	ORACLE(gm_read(m, req_gpa, back, len) == 0 && memcmp(back, req, len) == 0, CL_DEV_USED,
	       "the device changed its device-readable request");
	ORACLE(gm_read(m, resp_gpa + resp_len, guard, GUARD) == 0, HARNESS, "guard unreadable");
	for (i = 0; i < GUARD; i++)
		ORACLE(guard[i] == GUARD_BYTE, CL_DEV_USED,
		       "the device wrote %u bytes past a %u-byte response buffer", i + 1, resp_len);
	ORACLE(used <= resp_len, CL_DEV_USED, "used len %u > %u writable bytes", used, resp_len);
	if (resp_len < 24) {
		ORACLE(used == 0, CL_DEV_GPU_FENCE, "used len %u in a %u-byte buffer", used, resp_len);
		check_device();
		return;
	}
	ORACLE(used >= 24, CL_DEV_GPU_FENCE, "used len %u with a %u-byte response buffer", used,
	       resp_len);
	gm_read(m, resp_gpa, resp, used);
	memcpy(&rs, resp, sizeof(rs));
	type = le32_to_cpu(rs.type);
	ORACLE(vc_gpu_resp_slot(type) >= 0, CL_DEV_GPU_FENCE, "response type 0x%x", type);
	ORACLE(type >= VIRTIO_GPU_RESP_ERR_UNSPEC ? used == 24 : used == ok_size(type),
	       CL_DEV_GPU_FENCE, "response 0x%x with used len %u", type, used);
	if (len >= 24) {
		memcpy(&rq, req, sizeof(rq));
		flags = le32_to_cpu(rq.flags);
		if (flags & VIRTIO_GPU_FLAG_FENCE)
			ORACLE((le32_to_cpu(rs.flags) & VIRTIO_GPU_FLAG_FENCE) &&
				       le64_to_cpu(rs.fence_id) == le64_to_cpu(rq.fence_id),
			       CL_DEV_GPU_FENCE, "fenced command 0x%x: flags 0x%x fence %llu",
			       le32_to_cpu(rq.type), le32_to_cpu(rs.flags),
			       (unsigned long long)le64_to_cpu(rs.fence_id));
	}
	check_device();
}

static uint64_t entry_addr(struct fin *in)
{
	const struct gm_region_spec *rg = vc_pair_default_regions;

	switch (fin_u8(in) % 6) {
	case 0: return back_gpa + fin_u16(in) % 4096;
	case 1: return back_gpa + (fin_u16(in) % 16) * 4096u;
	case 2: return rg[0].gpa + rg[0].size - fin_u8(in);           /* across the hole */
	case 3: return rg[2].gpa + rg[2].size - fin_u16(in) % 512;    /* across the end */
	case 4: return UINT64_MAX - fin_u8(in);                       /* wraps */
	default: return fin_u64(in);
	}
}

static void op_raw(struct fin *in, bool cursorq, bool attach)
{
	uint8_t req[REQ_MAX];
	uint32_t len, i, n, resp_len;
	uint8_t sel = fin_u8(in);
	le32 v;
	le64 v64;

	memset(req, 0, sizeof(req));
	v = cpu_to_le32(attach ? VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING
			       : sel < 240 ? types[sel % (sizeof(types) / sizeof(types[0]))]
					   : fin_u32(in));
	memcpy(req, &v, 4);
	v = cpu_to_le32(fin_u8(in) & 3);            /* flags: FENCE, INFO_RING_IDX */
	memcpy(req + 4, &v, 4);
	v64 = cpu_to_le64(fin_u64(in));             /* fence_id */
	memcpy(req + 8, &v64, 8);
	for (i = 0; i < 8; i++) {                   /* the body: small or any values */
		uint8_t k = fin_u8(in);
		uint32_t x = k < 128 ? k % 20 : k < 192 ? fin_u16(in) : fin_u32(in);

		v = cpu_to_le32(x);
		memcpy(req + 24 + 4 * i, &v, 4);
	}
	len = 56;
	if (attach) {
		n = fin_u8(in) % 9;
		for (i = 0; i < n; i++) {
			v64 = cpu_to_le64(entry_addr(in));
			memcpy(req + 32 + 16 * i, &v64, 8);
			v = cpu_to_le32(fin_u8(in) < 200 ? fin_u16(in) % 8192 : fin_u32(in));
			memcpy(req + 40 + 16 * i, &v, 4);
		}
		len = 32 + 16 * n;
		if (fin_u8(in) % 4 == 0) {          /* nr_entries lies */
			v = cpu_to_le32(fin_u16(in));
			memcpy(req + 28, &v, 4);
		} else {
			v = cpu_to_le32(n);
			memcpy(req + 28, &v, 4);
		}
	}
	if (fin_u8(in) % 4 == 0)
		len = fin_u16(in) % (REQ_MAX + 1);
	resp_len = fin_u8(in) % 4 == 0 ? fin_u16(in) % (RESP_MAX + 1) : RESP_MAX;
	if (len == 0 && resp_len == 0)
		len = 24;
	submit(in, cursorq ? VIRTIO_GPU_CURSORQ : VIRTIO_GPU_CONTROLQ, req, len, resp_len);
}

static void op_fb(struct fin *in)
{
	static const uint32_t fmts[] = { 1, 2, 3, 4, 67, 68, 121, 134 };
	uint32_t id = 1 + fin_u8(in) % 8, w = 1 + fin_u8(in) % 64, h = 1 + fin_u8(in) % 64;
	uint8_t rgba[4] = { fin_u8(in), fin_u8(in), fin_u8(in), fin_u8(in) };
	struct vgpu_fb fb;

	g.fence = fin_u8(in) & 1;
	if (vgpu_drv_fb_setup(&g, &fb, id, fmts[fin_u8(in) % 8], w, h, fin_u8(in) % 2,
			      1 + fin_u8(in) % 8) == 0)
		vgpu_drv_fb_fill(&g, &fb, &(struct vgpu_rect){ 0, 0, w, h }, rgba);
	g.fence = false;
	ORACLE(vdrv_findings(pr.drv)->count == 0, vdrv_findings(pr.drv)->v[0].clause,
	       "the reference driver found the device at fault: %s",
	       vdrv_findings(pr.drv)->v[0].msg);
	check_device();
}

static bool run_op(struct fin *in)
{
	uint8_t b = fin_u8(in);

	switch (b % 8) {
	case 0:
	case 1:
		op_raw(in, false, false);
		break;
	case 2:
		op_raw(in, false, true);
		break;
	case 3:
		op_raw(in, true, false);
		break;
	case 4:
		op_fb(in);
		break;
	case 5:
		vc_gpu_display_change(dev(), fin_u8(in) % 5, 1 + fin_u16(in), 1 + fin_u16(in),
				      fin_u8(in) & 1);
		vgpu_drv_poll_events(&g);
		check_device();
		break;
	case 6:
		/* aligned 32-bit writes: events_clear, and the read-only fields */
		vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, 4u * (fin_u8(in) % 4), 4, fin_u32(in));
		check_device();
		break;
	default:
		if (resets++ >= MAX_RESETS)
			break;
		vdrv_reset(pr.drv);
		ORACLE(vc_gpu_stats(dev())->resources == 0 && vc_gpu_stats(dev())->host_bytes == 0,
		       CL_DEV_RESET, "resources survive a device reset");
		vgpu_drv_detach(&g);
		if (!bring_up())
			return false;
		check_live();
		break;
	}
	return !g.stuck;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size, 0 };
	struct vc_pair_opts o = { .transport = VC_TRANSPORT_PCI };
	uint8_t b0 = fin_u8(&in), b1 = fin_u8(&in), b2 = fin_u8(&in);
	uint64_t wanted = 0;
	char args[160];
	int ops;

	o.transport = b0 & 1 ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI;
	max_res = 1 + b2 % 8;
	max_bytes = 4096ull << ((b2 >> 4) % 6);
	snprintf(args, sizeof(args),
		 "num_scanouts=%u,width=64,height=48,num_capsets=1,max_resources=%u,max_bytes=%llu,"
		 "max_entries=8,max_backing=65536",
		 1 + b1 % 4, max_res, (unsigned long long)max_bytes);
	if (vc_pair_open_opts(&pr, &vc_gpu_device_ops, args, &o) != 0)
		return 0;
	resets = 0;
	if (b0 & 2)
		wanted |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	if (b0 & 4)
		wanted |= VIRTIO_BIT(VIRTIO_GPU_F_EDID);
	if (b0 & 8)
		wanted |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	vgpu_drv_config(&cfg, wanted);
	memset(&g, 0, sizeof(g));
	if (vdrv_probe(pr.drv, VIRTIO_ID_GPU) == 0 && bring_up()) {
		for (ops = 0; ops < MAX_OPS && !fin_done(&in); ops++)
			if (!run_op(&in))
				break;
		if (!g.stuck && !vdrv_broken(pr.drv))
			check_live();
	}
	vgpu_drv_detach(&g);
	vc_pair_close(&pr);
	return 0;
}
