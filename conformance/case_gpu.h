/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gpu_* steps and gpu expectations (docs/spec-case-format.md, "gpu steps";
 * virtio-gpu 2D, VIRTIO 1.2 5.7). Both structures are flat:
 * case_set_free() releases them with one free().
 */
#ifndef VIRTIOCHECK_CASE_GPU_H
#define VIRTIOCHECK_CASE_GPU_H

#include "case.h"

#define GPU_CASE_ENTRIES 8u
#define GPU_CASE_PIXELS 16u
#define GPU_CASE_COUNTERS 16u
#define GPU_CASE_REQ_MAX 4096u

enum gpu_op {
	GO_ATTACH,          /* gpu_attach: the reference driver attaches */
	GO_CMD,             /* gpu_cmd: one command, response checked */
	GO_REQUEST,         /* gpu_request: a command's bytes into a buffer */
	GO_FB,              /* gpu_fb: framebuffer set up and shown */
	GO_FILL,            /* gpu_fill: paint, transfer, flush */
	GO_DISPLAY_CHANGE,  /* gpu_display_change: the host changes a display */
	GO_POLL_EVENTS,     /* gpu_poll_events: the driver handles events */
	GO_SNAPSHOT,        /* gpu_snapshot: the scanout rendered to a PNG */
};

/* A mem entry: a named buffer (+ offset) or an absolute address. */
struct gpu_case_entry {
	char buf[CASE_MAX_NAME];
	uint64_t addr;
	uint32_t offset, len;
};

struct step_gpu {
	enum gpu_op op;
	bool expect_fail;
	/* gpu_cmd / gpu_request */
	uint32_t cmd;                 /* VIRTIO_GPU_CMD_* (or any number) */
	bool has_queue;
	uint16_t queue;
	bool fence;
	bool has_fence_id;
	uint64_t fence_id;
	uint32_t resource_id, format, width, height, scanout;
	uint32_t x, y, w, h;
	uint64_t offset;
	uint32_t index, version;      /* capset_index / capset_id, capset_version */
	uint32_t hot_x, hot_y;
	unsigned n_entries;
	struct gpu_case_entry entries[GPU_CASE_ENTRIES];
	bool has_nr;
	uint32_t nr_entries;          /* nr_entries written (default n_entries) */
	bool has_len;
	uint32_t len;                 /* request bytes (cut or zero-padded) */
	bool has_expect;
	uint32_t expect;              /* response type expected */
	char buf[CASE_MAX_NAME];      /* gpu_request: the buffer */
	uint32_t buf_offset;
	/* gpu_fb / gpu_fill */
	uint32_t pieces;
	uint8_t rgba[4];
	/* gpu_display_change */
	bool enabled;
	/* gpu_snapshot */
	char name[48];
};

enum gpu_counter_id {
	GC_FENCED, GC_NO_RESPONSE, GC_SHORT_RESPONSE, GC_FLUSHES, GC_CFG_IGNORED, GC_RESOURCES,
	GC_HOST_BYTES, GC_EVENTS_READ, GC_DRV_CMDS, GC_DRV_FENCED, GC_DRV_ERRORS,
	GC_DRV_CONFIG_CHANGES,
	GC_RESP = 32,                 /* + response slot (vc_gpu_resp_slot) */
};

struct gpu_counter {
	uint8_t which;
	struct case_cmp cmp;
};

struct gpu_pixel {
	uint32_t x, y;
	uint8_t rgba[4];
};

struct expect_gpu {
	/* one resource */
	bool has_res;
	uint32_t res_id;
	bool has_exists, exists;
	bool has_res_w, has_res_h, has_res_format, has_backing;
	uint32_t res_w, res_h, res_format;
	bool backing;
	/* one scanout as displayed */
	bool has_scanout;
	uint32_t scanout;
	bool has_so_res;
	uint32_t so_res;
	bool has_so_size;
	uint32_t so_w, so_h;
	unsigned n_pixels;
	struct gpu_pixel pixels[GPU_CASE_PIXELS];
	/* the cursor */
	bool has_visible, visible;
	bool has_cursor_pos;
	uint32_t cursor_x, cursor_y;
	/* the reference driver's last response */
	bool has_last_type;
	uint32_t last_type;
	bool has_last_flags;
	uint32_t last_flags;
	bool has_last_fence;
	uint64_t last_fence;
	bool has_last_used;
	struct case_cmp last_used;
	/* the driver's display information */
	bool has_display;
	uint32_t disp_scanout;
	bool has_disp_enabled, disp_enabled;
	bool has_disp_size;
	uint32_t disp_w, disp_h;
	unsigned n_counters;
	struct gpu_counter counters[GPU_CASE_COUNTERS];
};

#endif
