/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Traditional virtio-balloon driver (VIRTIO 1.2 5.5) on top of the driver
 * core.
 *
 * The driver owns a pool of VBALLOON_POOL_PAGES guest pages (its "free
 * memory"). A free page always holds known contents: poison_val repeated
 * with PAGE_POISON negotiated, otherwise a pattern of its PFN. A driver
 * that wants PAGE_POISON relies on them, so it never accepts
 * PAGE_REPORTING without PAGE_POISON (5.5.3.1; when the device does not
 * offer PAGE_POISON the hook cannot tell what was wanted and drops
 * PAGE_REPORTING); one that leaves PAGE_POISON offered and not taken
 * treats reported pages as uninitialized and refills them. Pages move between the states of enum vballoon_page_state;
 * a page submitted to the device is not touched until the device used the
 * buffer. Whatever the device does wrong goes through vdrv_violation() with
 * the balloon clause it breaks: a page changed when the device was not
 * allowed to change it (after an inflate was acknowledged without
 * MUST_TELL_HOST, a reported page changed to something other than
 * poison_val, a hinted page changed after DONE), a free page hint command
 * ID reused before the driver's STOP.
 *
 * Queue indices follow 5.5.2 as 1.2 lists them (a missing queue leaves a
 * gap).
 *
 * Use: vballoon_drv_config(&cfg, wanted); vdrv_init(d, &cfg);
 * vballoon_drv_attach(&b, d); ... vballoon_drv_detach(&b).
 */
#ifndef VIRTIOCHECK_BALLOON_DRV_H
#define VIRTIOCHECK_BALLOON_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdrv.h"

#include "virtiocheck/virtio_balloon.h"

#define VBALLOON_POOL_PAGES 256u
#define VBALLOON_QUEUE_SIZE 64u
#define VBALLOON_REQ_PFNS 256u    /* PFNs per inflate or deflate request */
#define VBALLOON_REPORT_MAX 16u   /* pages per report */
#define VBALLOON_HINT_AUTO 8u     /* pages hinted per command ID */
#define VBALLOON_HINT_IDS 32u
#define VBALLOON_CMD_SLOTS 8u
#define VBALLOON_RAW_MAX 65536u   /* bytes of one raw submission */
#define VBALLOON_POISON 0xaaaaaaaau
/* the statistics this driver supplies in every buffer: tags 0..8, nine
 * 10-byte entries, 90 bytes (a multiple of 6 and of 10) */
#define VBALLOON_STATS_MASK 0x1ffu
#define VBALLOON_STATS_N 9u
#define VBALLOON_NO_QUEUE 0xffffu

enum vballoon_page_state {
	VB_FREE = 0,
	VB_INFLATING,  /* in an inflate request not yet used */
	VB_INFLATED,
	VB_DEFLATING,  /* in a deflate request not yet used */
	VB_HINTED,     /* hinted, until DONE */
	VB_REPORTING,  /* in a report not yet used */
};

/* Where a free page came back from (the clause a later change cites). */
enum vballoon_origin { VB_ORIGIN_POOL = 0, VB_ORIGIN_DEFLATE, VB_ORIGIN_REPORT, VB_ORIGIN_HINT };

struct vballoon_req {
	bool busy;
	uint32_t n;
	uint16_t page[VBALLOON_REQ_PFNS]; /* pool indices */
	uint64_t area;                    /* the PFN array (inflate/deflate) */
};

struct vballoon_stats {
	uint64_t inflate_reqs, deflate_reqs, report_reqs;
	uint64_t pages_inflated, pages_deflated, pages_reported, pages_hinted;
	uint64_t stats_sent;       /* statsq buffers posted */
	uint64_t stats_requests;   /* statsq buffers the device used */
	uint64_t hint_cmds, hint_stops, hint_done;
	uint64_t raw_used;         /* used entries of raw submissions */
	uint64_t config_changes;
	uint64_t pages_checked;
};

struct vballoon_drv {
	vdrv_t *d;
	uint64_t features;
	bool tell_host, poison, oom;
	uint16_t q_inflate, q_deflate, q_stats, q_hint, q_report; /* or VBALLOON_NO_QUEUE */
	uint32_t poison_val;
	uint32_t num_pages;        /* last read */
	uint32_t actual;           /* pages in the balloon, acknowledged */
	uint32_t cmd_id;           /* last free_page_hint_cmd_id read */
	uint64_t config_irqs_seen;
	uint64_t pool;             /* gpa of page 0 of the pool */
	uint8_t state[VBALLOON_POOL_PAGES];
	uint8_t origin[VBALLOON_POOL_PAGES];
	uint64_t sum[VBALLOON_POOL_PAGES]; /* contents when the inflate was used */
	struct vballoon_req infl, defl, rep;
	/* statsq */
	uint64_t stats_area;
	bool stats_posted;
	uint64_t stat_val[VIRTIO_BALLOON_S_NR];
	/* free page hinting */
	uint64_t cmd_area;
	bool cmd_busy[VBALLOON_CMD_SLOTS];
	uint32_t cmd_val[VBALLOON_CMD_SLOTS];
	uint32_t hint_cur;         /* the last ID the driver sent, 0 none */
	uint32_t open_ids[VBALLOON_HINT_IDS]; /* sent since the driver's last STOP */
	uint32_t n_open;
	char hint_token;
	uint64_t raw_area;
	char raw_token;
	struct vballoon_stats stats;
};

/* Driver configuration: the features the driver can use (VERSION_1 is
 * added) and vballoon_drv_hook. */
void vballoon_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
/* The hook: drops PAGE_REPORTING without PAGE_POISON (see above), sets up only
 * the queues the features make exist, writes poison_val before DRIVER_OK
 * (5.5.6.5.1). For hooks that chain. */
enum vdrv_hook_action vballoon_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s);

/* After vdrv_init: read the configuration, allocate the pool, post the
 * first statistics buffer. b must be zeroed or detached. 0 or -1. */
int vballoon_drv_attach(struct vballoon_drv *b, vdrv_t *d);
void vballoon_drv_detach(struct vballoon_drv *b);

/* Reap every queue, follow configuration changes (num_pages, command IDs:
 * hinting starts and stops here), answer statistics requests. 0, or -1
 * when the driver or the device is broken. */
int vballoon_drv_poll(struct vballoon_drv *b);
/* Give n free pages (1..VBALLOON_REQ_PFNS) to the balloon in one inflate
 * request; waits for it to be used and updates actual. Returns the pages
 * inflated (fewer than n when the pool runs short), or -1 (busy, broken). */
long vballoon_drv_inflate(struct vballoon_drv *b, uint32_t n);
/* Take n pages back in one deflate request, refilled (poison_val or the
 * pattern) once the device used it. oom: under memory pressure, which
 * needs DEFLATE_ON_OOM; otherwise only while num_pages < actual and not
 * below num_pages (5.5.6.1). Returns the pages deflated, or -1. */
long vballoon_drv_deflate(struct vballoon_drv *b, uint32_t n, bool oom);
/* Inflate or deflate toward num_pages. Returns actual, or -1. */
long vballoon_drv_balance(struct vballoon_drv *b);
/* Report n free pages (1..VBALLOON_REPORT_MAX) in one request
 * (PAGE_REPORTING negotiated); they are free again once it was used, and
 * checked then. Returns the pages reported, or -1. */
long vballoon_drv_report(struct vballoon_drv *b, uint32_t n);
/* Send CMD_ID_STOP on free_page_vq (FREE_PAGE_HINT negotiated). 0 or -1. */
int vballoon_drv_hint_stop(struct vballoon_drv *b);
/* The value of one statistic for the buffers from now on. 0 or -1. */
int vballoon_drv_set_stat(struct vballoon_drv *b, uint16_t tag, uint64_t val);
/* Check every free page still holds what the driver left in it. Returns
 * the number of pages that changed (a device violation each), or -1. */
long vballoon_drv_check_pages(struct vballoon_drv *b);
/* The guest-physical address of pool page i (0 past the pool). */
uint64_t vballoon_drv_page_gpa(const struct vballoon_drv *b, uint32_t i);
/* Pages in each state. */
uint32_t vballoon_drv_count(const struct vballoon_drv *b, enum vballoon_page_state s);

/* For cases that play a misbehaving driver. */
/* Post any segments on any queue and notify; the used entry is counted in
 * stats.raw_used. Returns the head or -1. */
int vballoon_drv_submit_raw(struct vballoon_drv *b, uint16_t q, const struct vq_buf *out,
			    unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect);
/* Any bytes (1..VBALLOON_RAW_MAX), e.g. a PFN list, as one device-readable
 * buffer on queue q (the driver's raw area; one at a time). Head or -1. */
int vballoon_drv_submit_bytes(struct vballoon_drv *b, uint16_t q, const void *bytes, size_t len);

#endif
