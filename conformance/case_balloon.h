/* SPDX-License-Identifier: Apache-2.0 */
/*
 * balloon_* steps and balloon expectations (docs/spec-case-format.md,
 * "balloon steps"; traditional virtio-balloon, VIRTIO 1.2 5.5). Both
 * structures are flat: case_set_free() releases them with one free().
 */
#ifndef VIRTIOCHECK_CASE_BALLOON_H
#define VIRTIOCHECK_CASE_BALLOON_H

#include "case.h"

#define BAL_CASE_PFNS 64u       /* PFNs listed in one balloon_pfns step */
#define BAL_CASE_SEGS 8u
#define BAL_CASE_STATS 16u      /* entries of one balloon_stats_buffer */
#define BAL_CASE_COUNTERS 24u
#define BAL_CASE_REPEAT 16384u  /* copies of a PFN list */

enum balloon_op {
	/* the reference balloon driver */
	BO_ATTACH,        /* balloon_attach */
	BO_POLL,          /* balloon_poll */
	BO_INFLATE,       /* balloon_inflate */
	BO_DEFLATE,       /* balloon_deflate */
	BO_BALANCE,       /* balloon_balance */
	BO_REPORT,        /* balloon_report */
	BO_HINT_STOP,     /* balloon_hint_stop */
	BO_SET_STAT,      /* balloon_set_stat */
	BO_CHECK_PAGES,   /* balloon_check_pages */
	/* a driver that misbehaves: raw buffers */
	BO_SUBMIT,        /* balloon_submit: any chain on any queue */
	BO_PFNS,          /* balloon_pfns: a PFN list on any queue */
	BO_STATS_BUFFER,  /* balloon_stats_buffer: stat entries on any queue */
	BO_CMD,           /* balloon_cmd: a command ID output buffer */
	BO_PAGE_WRITE,    /* balloon_page_write: the guest writes a pool page */
	/* the device's host end */
	BO_SET_NUM_PAGES, /* balloon_set_num_pages */
	BO_REQUEST_STATS, /* balloon_request_stats */
	BO_HINT_CMD,      /* balloon_hint_cmd */
	BO_AUDIT,         /* balloon_audit */
};

struct balloon_pfn {
	bool pool;       /* value is a pool page index, else a raw PFN */
	uint32_t value;
};

struct balloon_stat {
	uint16_t tag;
	uint64_t val;
};

struct step_balloon {
	enum balloon_op op;
	bool expect_fail;
	uint32_t pages;              /* inflate, deflate, report; page_write: the page */
	bool oom;                    /* deflate */
	bool has_count;              /* inflate/deflate/report/balance/check/audit result */
	struct case_cmp count;
	uint16_t queue;
	bool has_queue;
	/* submit */
	unsigned n_out, n_in;
	struct case_seg out[BAL_CASE_SEGS], in[BAL_CASE_SEGS];
	bool indirect;
	/* pfns: the list, repeated, then tail extra bytes */
	unsigned n_pfns;
	struct balloon_pfn pfns[BAL_CASE_PFNS];
	uint32_t repeat;
	uint32_t tail;
	/* stats_buffer */
	unsigned n_stats;
	struct balloon_stat stats[BAL_CASE_STATS];
	/* cmd: id in len bytes (4 unless given); set_stat: tag and value;
	 * set_num_pages, hint_cmd: value; page_write: offset and value */
	uint32_t id;
	uint32_t len;
	uint16_t tag;
	uint64_t value;
	uint32_t offset;
};

/* A counter of the device's or the driver's statistics. */
struct balloon_counter {
	uint8_t which;               /* enum balloon_counter_id */
	struct case_cmp cmp;
};

struct balloon_page_expect {
	bool active;
	uint32_t page;               /* pool page index */
	bool has_inflated, inflated; /* in the device's balloon */
	bool has_modified, modified; /* the device overwrote it */
	bool has_state;
	uint8_t state;               /* enum vballoon_page_state */
};

struct expect_balloon {
	bool has_inflated;           /* pages in the device's balloon */
	struct case_cmp inflated;
	bool has_actual;             /* actual as the device holds it */
	struct case_cmp actual;
	bool has_driver_actual;
	struct case_cmp driver_actual;
	bool has_num_pages;          /* num_pages as the driver last read it */
	struct case_cmp num_pages;
	bool has_poison;             /* poison_val as the device holds it */
	uint32_t poison;
	bool has_cmd_id;             /* free_page_hint_cmd_id of the device */
	uint32_t cmd_id;
	bool accounting;             /* the device's set == inflated - deflated - released */
	bool has_stat;               /* one statistic the device received */
	uint16_t stat_tag;
	bool stat_present;
	uint64_t stat_val;
	bool has_stat_mask;          /* the tags of the last statsq buffer */
	uint32_t stat_mask;
	unsigned n_pages;
	struct balloon_page_expect pages[4];
	bool has_driver_free, has_driver_inflated, has_driver_hinted;
	struct case_cmp driver_free, driver_inflated, driver_hinted;
	unsigned n_counters;
	struct balloon_counter counters[BAL_CASE_COUNTERS];
};

enum balloon_counter_id {
	BC_DEV_INFLATE_REQS, BC_DEV_DEFLATE_REQS, BC_DEV_PAGES_INFLATED, BC_DEV_PAGES_DEFLATED,
	BC_DEV_PAGES_RELEASED, BC_DEV_PFN_OUTSIDE, BC_DEV_PFN_DUP, BC_DEV_PFN_NOT_INFLATED,
	BC_DEV_PFN_UNTRACKED, BC_DEV_PFN_IGNORED, BC_DEV_TRAILING, BC_DEV_WRITABLE_IGNORED,
	BC_DEV_OVER_TARGET, BC_DEV_MODIFIED, BC_DEV_STATS_BUFFERS, BC_DEV_STATS_ENTRIES,
	BC_DEV_STATS_UNKNOWN, BC_DEV_STATS_PARTIAL, BC_DEV_STATS_REQUESTS, BC_DEV_HINT_CMDS,
	BC_DEV_HINT_STALE, BC_DEV_HINT_STOPS, BC_DEV_HINT_PAGES, BC_DEV_HINT_IGNORED,
	BC_DEV_REPORT_REQS, BC_DEV_REPORT_PAGES, BC_DEV_ACTUAL_WRITES, BC_DEV_RO_WRITES,
	BC_DEV_IGNORED_NOTIFIES,
	BC_DRV_FIRST = 64,
	BC_DRV_INFLATE_REQS = BC_DRV_FIRST, BC_DRV_DEFLATE_REQS, BC_DRV_REPORT_REQS,
	BC_DRV_PAGES_INFLATED, BC_DRV_PAGES_DEFLATED, BC_DRV_PAGES_REPORTED, BC_DRV_PAGES_HINTED,
	BC_DRV_STATS_SENT, BC_DRV_STATS_REQUESTS, BC_DRV_HINT_CMDS, BC_DRV_HINT_STOPS,
	BC_DRV_HINT_DONE, BC_DRV_RAW_USED, BC_DRV_CONFIG_CHANGES,
};

#endif
