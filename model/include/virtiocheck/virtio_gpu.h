/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-gpu layout (VIRTIO 1.2 5.7, virtio-gpu.tex): feature bits (5.7.3),
 * the configuration (5.7.4), command and response codes, the request and
 * response structures of the 2D controlq and the cursorq (5.7.6.7-5.7.6.10).
 * Shared by the device and the driver, as the ring layouts are; nothing else
 * is. Every multi-byte field is a little-endian wrapper (le.h).
 */
#ifndef VIRTIOCHECK_VIRTIO_GPU_H
#define VIRTIOCHECK_VIRTIO_GPU_H

#include <stdint.h>

#include "virtiocheck/le.h"

/* 5.7.2 virtqueues */
#define VIRTIO_GPU_CONTROLQ 0u
#define VIRTIO_GPU_CURSORQ  1u

/* 5.7.3 feature bits */
#define VIRTIO_GPU_F_VIRGL         0
#define VIRTIO_GPU_F_EDID          1
#define VIRTIO_GPU_F_RESOURCE_UUID 2
#define VIRTIO_GPU_F_RESOURCE_BLOB 3
#define VIRTIO_GPU_F_CONTEXT_INIT  4

/* 5.7.4 configuration */
#define VIRTIO_GPU_EVENT_DISPLAY (1u << 0)

struct virtio_gpu_config {
	le32 events_read;
	le32 events_clear;
	le32 num_scanouts;
	le32 num_capsets;
};

#define VIRTIO_GPU_CFG_EVENTS_READ  0u
#define VIRTIO_GPU_CFG_EVENTS_CLEAR 4u
#define VIRTIO_GPU_CFG_NUM_SCANOUTS 8u
#define VIRTIO_GPU_CFG_NUM_CAPSETS  12u
#define VIRTIO_GPU_CFG_SIZE         16u

/* 5.7.6.7 enum virtio_gpu_ctrl_type */
enum virtio_gpu_ctrl_type {
	/* 2d commands */
	VIRTIO_GPU_CMD_GET_DISPLAY_INFO = 0x0100,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
	VIRTIO_GPU_CMD_RESOURCE_UNREF,
	VIRTIO_GPU_CMD_SET_SCANOUT,
	VIRTIO_GPU_CMD_RESOURCE_FLUSH,
	VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
	VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING,
	VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
	VIRTIO_GPU_CMD_GET_CAPSET_INFO,
	VIRTIO_GPU_CMD_GET_CAPSET,
	VIRTIO_GPU_CMD_GET_EDID,
	VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB,
	VIRTIO_GPU_CMD_SET_SCANOUT_BLOB,

	/* 3d commands */
	VIRTIO_GPU_CMD_CTX_CREATE = 0x0200,
	VIRTIO_GPU_CMD_CTX_DESTROY,
	VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE,
	VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE,
	VIRTIO_GPU_CMD_RESOURCE_CREATE_3D,
	VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D,
	VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D,
	VIRTIO_GPU_CMD_SUBMIT_3D,
	VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB,
	VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB,

	/* cursor commands */
	VIRTIO_GPU_CMD_UPDATE_CURSOR = 0x0300,
	VIRTIO_GPU_CMD_MOVE_CURSOR,

	/* success responses */
	VIRTIO_GPU_RESP_OK_NODATA = 0x1100,
	VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
	VIRTIO_GPU_RESP_OK_CAPSET_INFO,
	VIRTIO_GPU_RESP_OK_CAPSET,
	VIRTIO_GPU_RESP_OK_EDID,
	VIRTIO_GPU_RESP_OK_RESOURCE_UUID,
	VIRTIO_GPU_RESP_OK_MAP_INFO,

	/* error responses */
	VIRTIO_GPU_RESP_ERR_UNSPEC = 0x1200,
	VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
	VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID,
	VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
};

#define VIRTIO_GPU_FLAG_FENCE         (1u << 0)
#define VIRTIO_GPU_FLAG_INFO_RING_IDX (1u << 1)

struct virtio_gpu_ctrl_hdr {
	le32 type;
	le32 flags;
	le64 fence_id;
	le32 ctx_id;
	uint8_t ring_idx;
	uint8_t padding[3];
};

/* 5.7.6.8 controlq */
#define VIRTIO_GPU_MAX_SCANOUTS 16u

struct virtio_gpu_rect {
	le32 x;
	le32 y;
	le32 width;
	le32 height;
};

struct virtio_gpu_display_one {
	struct virtio_gpu_rect r;
	le32 enabled;
	le32 flags;
};

struct virtio_gpu_resp_display_info {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_display_one pmodes[VIRTIO_GPU_MAX_SCANOUTS];
};

struct virtio_gpu_get_edid {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 scanout;
	le32 padding;
};

#define VIRTIO_GPU_EDID_MAX 1024u

struct virtio_gpu_resp_edid {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 size;
	le32 padding;
	uint8_t edid[VIRTIO_GPU_EDID_MAX];
};

enum virtio_gpu_formats {
	VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM = 1,
	VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM = 2,
	VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM = 3,
	VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM = 4,
	VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM = 67,
	VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM = 68,
	VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM = 121,
	VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM = 134,
};

/* Every 2D format of the spec has four bytes per pixel. */
#define VIRTIO_GPU_BYTES_PER_PIXEL 4u

struct virtio_gpu_resource_create_2d {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 resource_id;
	le32 format;
	le32 width;
	le32 height;
};

struct virtio_gpu_resource_unref {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 resource_id;
	le32 padding;
};

struct virtio_gpu_set_scanout {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	le32 scanout_id;
	le32 resource_id;
};

struct virtio_gpu_resource_flush {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	le32 resource_id;
	le32 padding;
};

struct virtio_gpu_transfer_to_host_2d {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_rect r;
	le64 offset;
	le32 resource_id;
	le32 padding;
};

struct virtio_gpu_resource_attach_backing {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 resource_id;
	le32 nr_entries;
};

struct virtio_gpu_mem_entry {
	le64 addr;
	le32 length;
	le32 padding;
};

struct virtio_gpu_resource_detach_backing {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 resource_id;
	le32 padding;
};

struct virtio_gpu_get_capset_info {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 capset_index;
	le32 padding;
};

#define VIRTIO_GPU_CAPSET_VIRGL        1
#define VIRTIO_GPU_CAPSET_VIRGL2       2
#define VIRTIO_GPU_CAPSET_GFXSTREAM    3
#define VIRTIO_GPU_CAPSET_VENUS        4
#define VIRTIO_GPU_CAPSET_CROSS_DOMAIN 5

struct virtio_gpu_resp_capset_info {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 capset_id;
	le32 capset_max_version;
	le32 capset_max_size;
	le32 padding;
};

struct virtio_gpu_get_capset {
	struct virtio_gpu_ctrl_hdr hdr;
	le32 capset_id;
	le32 capset_version;
};

/* 5.7.6.10 cursorq */
struct virtio_gpu_cursor_pos {
	le32 scanout_id;
	le32 x;
	le32 y;
	le32 padding;
};

struct virtio_gpu_update_cursor {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_cursor_pos pos;
	le32 resource_id;
	le32 hot_x;
	le32 hot_y;
	le32 padding;
};

/* 5.7.6.9: a cursor image is a 64x64 resource */
#define VIRTIO_GPU_CURSOR_DIM 64u

_Static_assert(sizeof(struct virtio_gpu_config) == VIRTIO_GPU_CFG_SIZE, "config");
_Static_assert(sizeof(struct virtio_gpu_ctrl_hdr) == 24, "ctrl_hdr");
_Static_assert(sizeof(struct virtio_gpu_resp_display_info) == 24 + 16 * 24, "display_info");
_Static_assert(sizeof(struct virtio_gpu_resp_edid) == 32 + 1024, "resp_edid");
_Static_assert(sizeof(struct virtio_gpu_resource_create_2d) == 40, "create_2d");
_Static_assert(sizeof(struct virtio_gpu_set_scanout) == 48, "set_scanout");
_Static_assert(sizeof(struct virtio_gpu_resource_flush) == 48, "flush");
_Static_assert(sizeof(struct virtio_gpu_transfer_to_host_2d) == 56, "transfer");
_Static_assert(sizeof(struct virtio_gpu_resource_attach_backing) == 32, "attach");
_Static_assert(sizeof(struct virtio_gpu_mem_entry) == 16, "mem_entry");
_Static_assert(sizeof(struct virtio_gpu_resp_capset_info) == 40, "capset_info");
_Static_assert(sizeof(struct virtio_gpu_update_cursor) == 56, "update_cursor");

#endif
