/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-gpu driver, 2D (VIRTIO 1.2 5.7), on top of the driver core.
 *
 * Use: vgpu_drv_config(&cfg, wanted); vdrv_init(d, &cfg);
 * vgpu_drv_attach(&g, d); ... vgpu_drv_detach(&g).
 *
 * Every command is posted with a device-writable buffer big enough for its
 * response, waited for, and its response checked: the used len covers the
 * header, the type is a response type, a success type is the one the
 * command calls for and the used len covers its structure, and with
 * VIRTIO_GPU_FLAG_FENCE the response carries the flag and the same
 * fence_id. A device that breaks one of these is reported through
 * vdrv_violation() citing the GPU "Command lifecycle and fencing" label (the
 * only normative section on the command/response exchange; the response
 * rules themselves are in 5.7.6.7's descriptive text), and the command
 * returns -1. A configuration the driver cannot use (num_scanouts outside
 * 1..16) is reported citing the GPU "Device Initialization" label.
 *
 * The command helpers return the response type (VIRTIO_GPU_RESP_OK_* or an
 * ERR_*, >= 0) or -1 (not sent, no answer, or a device violation).
 */
#ifndef VIRTIOCHECK_GPU_DRV_H
#define VIRTIOCHECK_GPU_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdrv.h"
#include "virtiocheck/virtio_gpu.h"

#define VGPU_QUEUE_SIZE 64u
#define VGPU_INDIRECT_MAX 8u
/* Commands one vgpu_drv_batch() may carry. */
#define VGPU_BATCH_MAX 16u
/* Bytes of one request / response slot in guest memory. */
#define VGPU_REQ_SLOT 4096u
#define VGPU_RESP_SLOT 1088u
/* Entries one ATTACH_BACKING of the driver carries at most (fits a slot). */
#define VGPU_MAX_ENTRIES ((VGPU_REQ_SLOT - 32u) / 16u)

struct vgpu_rect {
	uint32_t x, y, w, h;
};

struct vgpu_display {
	bool enabled;
	struct vgpu_rect r;
	uint32_t flags;
};

struct vgpu_mem {
	uint64_t addr;
	uint32_t len;
};

struct vgpu_stats {
	uint64_t cmds;            /* commands answered */
	uint64_t fenced;          /* of which fenced */
	uint64_t errors;          /* ERR_* responses */
	uint64_t raw_used;        /* raw submissions the device returned */
	uint64_t config_changes;  /* display events handled */
};

struct vgpu_drv {
	vdrv_t *d;
	uint64_t features;
	uint32_t num_scanouts;    /* validated: 1..16 */
	uint32_t num_capsets;
	struct vgpu_display disp[VIRTIO_GPU_MAX_SCANOUTS]; /* last display info */
	bool fence;               /* helpers set VIRTIO_GPU_FLAG_FENCE */
	uint64_t next_fence;      /* the fence_id of the next fenced command */
	uint64_t req_area, resp_area;   /* VGPU_BATCH_MAX slots each */
	uint64_t config_irqs_seen;
	bool stuck;               /* a command was never answered */
	struct virtio_gpu_ctrl_hdr last; /* the last response header */
	uint32_t last_used;       /* and its used len */
	struct vgpu_stats stats;
};

/* A framebuffer: a resource with guest backing, shown on a scanout. */
struct vgpu_fb {
	uint32_t id, format, width, height, scanout;
	uint64_t gpa;             /* width * height * 4 bytes of guest memory */
	uint32_t pieces;          /* mem entries the backing was cut into */
};

/* One command of a batch: the request bytes, the response type expected,
 * and (filled in) the response type returned. */
struct vgpu_batch_cmd {
	uint16_t q;
	const void *req;
	uint32_t req_len;
	uint32_t expect;          /* success response type */
	uint32_t resp_len;        /* success response size */
	uint32_t got;             /* filled: the response type */
};

void vgpu_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
/* After vdrv_init: validate the configuration, allocate the command
 * buffers, read the display information. g must be zeroed or detached. */
int vgpu_drv_attach(struct vgpu_drv *g, vdrv_t *d);
void vgpu_drv_detach(struct vgpu_drv *g);

/* Any command: req (req_len bytes, its header's flags and fence_id are set
 * here from fence) with a resp_len-byte writable buffer; the response
 * (resp_len bytes) is copied to resp (may be NULL). expect is the success
 * type the command calls for. */
int vgpu_drv_cmd(struct vgpu_drv *g, uint16_t q, void *req, uint32_t req_len, uint32_t expect,
		 void *resp, uint32_t resp_len, bool fence);

int vgpu_drv_get_display_info(struct vgpu_drv *g);
/* edid: VIRTIO_GPU_EDID_MAX bytes; *size the EDID size (<= 1024). */
int vgpu_drv_get_edid(struct vgpu_drv *g, uint32_t scanout, uint8_t *edid, uint32_t *size);
int vgpu_drv_create_2d(struct vgpu_drv *g, uint32_t id, uint32_t format, uint32_t w,
		       uint32_t h);
int vgpu_drv_unref(struct vgpu_drv *g, uint32_t id);
int vgpu_drv_set_scanout(struct vgpu_drv *g, uint32_t scanout, uint32_t id,
			 const struct vgpu_rect *r);
int vgpu_drv_flush(struct vgpu_drv *g, uint32_t id, const struct vgpu_rect *r);
int vgpu_drv_transfer(struct vgpu_drv *g, uint32_t id, const struct vgpu_rect *r,
		      uint64_t offset);
int vgpu_drv_attach_backing(struct vgpu_drv *g, uint32_t id, const struct vgpu_mem *ents,
			    uint32_t n);
int vgpu_drv_detach_backing(struct vgpu_drv *g, uint32_t id);
int vgpu_drv_capset_info(struct vgpu_drv *g, uint32_t index, uint32_t *id,
			 uint32_t *max_version, uint32_t *max_size);
int vgpu_drv_update_cursor(struct vgpu_drv *g, uint32_t scanout, uint32_t x, uint32_t y,
			   uint32_t id, uint32_t hot_x, uint32_t hot_y);
int vgpu_drv_move_cursor(struct vgpu_drv *g, uint32_t scanout, uint32_t x, uint32_t y);

/* Post every command of the batch, notify once, reap them all. Checks each
 * response as vgpu_drv_cmd does, and that no fenced command comes back
 * before a fenced command made available earlier (fence order). 0 (each
 * cmds[i].got filled) or -1. Each request's fence flag is as given. */
int vgpu_drv_batch(struct vgpu_drv *g, struct vgpu_batch_cmd *cmds, unsigned n);

/*
 * Framebuffer: create a width x height resource of format, back it with
 * guest memory cut into pieces mem entries (1..VGPU_MAX_ENTRIES), and show
 * it on scanout (the whole resource). 0, the error response type, or -1.
 */
int vgpu_drv_fb_setup(struct vgpu_drv *g, struct vgpu_fb *fb, uint32_t id, uint32_t format,
		      uint32_t width, uint32_t height, uint32_t scanout, uint32_t pieces);
/* Paint r with rgba (R, G, B, A) in the framebuffer's format in guest
 * memory, transfer it to the host and flush it. 0, an error type or -1. */
int vgpu_drv_fb_fill(struct vgpu_drv *g, const struct vgpu_fb *fb, const struct vgpu_rect *r,
		     const uint8_t rgba[4]);

/* Handle a display change: when events_read has VIRTIO_GPU_EVENT_DISPLAY,
 * fetch the display information again and clear the event. 1 handled, 0
 * nothing pending, -1 on failure. */
int vgpu_drv_poll_events(struct vgpu_drv *g);

/* For cases that play a misbehaving driver: any segments on any queue,
 * unchecked. 1 with *used_len when the device returned the buffer, 0 when
 * it did not, -1 when it could not be posted. */
int vgpu_drv_submit_raw(struct vgpu_drv *g, uint16_t q, const struct vq_buf *out,
			unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect,
			uint32_t *used_len);

#endif
