/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-gpu device, 2D mode (VIRTIO 1.2 5.7): the backend side that tests
 * and cases observe. The device itself is vc_gpu_device_ops (devices.h); the
 * functions below take the instance its create() returned (vdev_device() of
 * a vc_pair) and return an error for anything else.
 *
 * 2D only: no VIRTIO_GPU_F_VIRGL, no RESOURCE_UUID, no RESOURCE_BLOB, no
 * CONTEXT_INIT and no shared memory regions: the 3D, blob and UUID commands
 * are answered with ERR_UNSPEC.
 * Every command runs to completion before its buffer is returned, so a
 * fenced command (VIRTIO_GPU_FLAG_FENCE) and everything before it are done
 * when its response arrives.
 *
 * Per-request faults get an error response (5.7.6.7), never DEVICE_NEEDS_
 * RESET: the spec puts no MUST on the shape of a request, so a short or
 * malformed one is answered, not failed:
 *   - readable part shorter than struct virtio_gpu_ctrl_hdr: ERR_UNSPEC;
 *   - unknown command, a 3D / blob / UUID command, a cursor command on the
 *     controlq or a controlq command on the cursorq: ERR_UNSPEC;
 *   - readable part shorter than the command's structure: ERR_INVALID_PARAMETER;
 *   - writable part shorter than the response: the device answers the
 *     24-byte ERR_UNSPEC header when that fits, nothing otherwise (used len
 *     0; counted in no_response).
 *
 * Arguments of create(), comma-separated key=value, parsed strictly (an
 * unknown key, a repeated key or a bad value makes create() return NULL):
 *   num_scanouts=N     1..16 scanouts (default 1)
 *   width=N, height=N  preferred mode of every scanout (default 1024x768)
 *   edid=on|off        offer VIRTIO_GPU_F_EDID (default on)
 *   num_capsets=N      0..2 capability sets (VIRGL, VIRGL2; default 0)
 *   max_resources=N    1..1024 resources at once (default 64)
 *   max_bytes=N        4096..2^30 host bytes for resources and scanout
 *                      frames together (default 64 MiB)
 *   max_dim=N          1..16384 width and height of a resource (default 4096)
 *   max_entries=N      1..16384 entries of one ATTACH_BACKING (default 1024)
 *   max_backing=N      4096..2^30 bytes of one resource's backing (default
 *                      64 MiB)
 * and, to play a misbehaving device for driver-role cases:
 *   cfg_num_scanouts=N the num_scanouts the configuration reports (any u32)
 *   quirk=NAME         fence_flag (responses drop VIRTIO_GPU_FLAG_FENCE),
 *                      fence_id (the fence_id echoed is off by one),
 *                      resp_type (success responses carry the wrong type),
 *                      used_len (used len 4 bytes short of the response),
 *                      edid_size (EDID size 2048, beyond the 1024 bytes)
 */
#ifndef VIRTIOCHECK_GPU_H
#define VIRTIOCHECK_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtiocheck/virtio_gpu.h"

#define VC_GPU_QUEUE_SIZE_MAX 256u

/* Counter slots of vc_gpu_stats.cmd: 2D commands 0x0100.. at 0..13, the two
 * cursor commands at 14 and 15, anything else at 16. */
#define VC_GPU_CMD_SLOTS 17u
#define VC_GPU_CMD_SLOT_CURSOR 14u
#define VC_GPU_CMD_SLOT_OTHER 16u
/* Slots of vc_gpu_stats.resp: OK_* 0x1100.. at 0..6, ERR_* 0x1200.. at 7..12 */
#define VC_GPU_RESP_SLOTS 13u

static inline unsigned vc_gpu_cmd_slot(uint32_t type)
{
	if (type >= VIRTIO_GPU_CMD_GET_DISPLAY_INFO && type <= VIRTIO_GPU_CMD_SET_SCANOUT_BLOB)
		return type - VIRTIO_GPU_CMD_GET_DISPLAY_INFO;
	if (type == VIRTIO_GPU_CMD_UPDATE_CURSOR || type == VIRTIO_GPU_CMD_MOVE_CURSOR)
		return VC_GPU_CMD_SLOT_CURSOR + (type - VIRTIO_GPU_CMD_UPDATE_CURSOR);
	return VC_GPU_CMD_SLOT_OTHER;
}

/* -1 for a type that is not a response */
static inline int vc_gpu_resp_slot(uint32_t type)
{
	if (type >= VIRTIO_GPU_RESP_OK_NODATA && type <= VIRTIO_GPU_RESP_OK_MAP_INFO)
		return (int)(type - VIRTIO_GPU_RESP_OK_NODATA);
	if (type >= VIRTIO_GPU_RESP_ERR_UNSPEC && type <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER)
		return 7 + (int)(type - VIRTIO_GPU_RESP_ERR_UNSPEC);
	return -1;
}

struct vc_gpu_stats {
	uint64_t cmd[VC_GPU_CMD_SLOTS];   /* requests seen, by command */
	uint64_t resp[VC_GPU_RESP_SLOTS]; /* responses written, by type */
	uint64_t fenced;          /* requests with VIRTIO_GPU_FLAG_FENCE */
	uint64_t no_response;     /* writable part too short for any response */
	uint64_t short_response;  /* ERR_UNSPEC instead of a response too big */
	uint64_t flushes;         /* RESOURCE_FLUSH that reached a scanout */
	uint64_t cfg_ignored;     /* writes to read-only configuration fields */
	uint32_t resources;       /* resources now */
	uint64_t host_bytes;      /* host bytes now (resources + frames) */
	uint32_t events_read;     /* the configuration's events_read */
};

struct vc_gpu_resource_info {
	uint32_t id, format, width, height;
	bool backing;             /* ATTACH_BACKING done, not detached */
	uint32_t nr_entries;
	uint64_t backing_bytes;
};

struct vc_gpu_scanout_info {
	bool enabled;             /* the display is connected (display info) */
	uint32_t width, height;   /* its preferred mode */
	uint32_t resource_id;     /* 0: no resource set (scanout disabled) */
	uint32_t x, y, w, h;      /* the rectangle of the resource shown */
	uint64_t flushes;         /* flushes that updated this scanout */
};

struct vc_gpu_cursor_info {
	bool visible;
	uint32_t resource_id, scanout, x, y, hot_x, hot_y;
	uint64_t updates, moves;
};

const struct vc_gpu_stats *vc_gpu_stats(void *dev);
/* 0 and *out, or -1 when no resource has that id. */
int vc_gpu_resource(void *dev, uint32_t id, struct vc_gpu_resource_info *out);
int vc_gpu_scanout(void *dev, uint32_t scanout, struct vc_gpu_scanout_info *out);
int vc_gpu_cursor(void *dev, struct vc_gpu_cursor_info *out);
/*
 * What scanout displays, as of its last SET_SCANOUT and RESOURCE_FLUSH,
 * converted from the resource format to RGBA (R, G, B, A bytes; formats
 * with an X channel give A = 255): *w x *h pixels, row by row, into dst.
 * 0 (a disabled scanout gives 0x0), or -1 when scanout is out of range or
 * max < *w * *h * 4 (then *w and *h are still set).
 */
int vc_gpu_scanout_rgba(void *dev, uint32_t scanout, uint8_t *dst, uint32_t *w, uint32_t *h,
			size_t max);
/* The host changed a display: new preferred mode and connection state,
 * VIRTIO_GPU_EVENT_DISPLAY set in events_read and a configuration change
 * notification. 0 or -1 (scanout out of range, a size of 0). */
int vc_gpu_display_change(void *dev, uint32_t scanout, uint32_t width, uint32_t height,
			  bool enabled);

#endif
