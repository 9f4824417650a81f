/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Traditional virtio-balloon device (VIRTIO 1.2 5.5): the host side that
 * tests and cases drive. The device itself is vc_balloon_device_ops
 * (devices.h); the functions below take the instance its create() returned
 * (vpci_device() of a vc_pair) and return an error for anything else.
 *
 * The device keeps the set of inflated pages (PFNs of 4096-byte pages, at
 * most max_pages of them), the statistics the driver last sent, the free
 * page hinting state and counters of everything a driver did that the
 * spec does not forbid but a driver should not do (PFNs outside guest
 * memory, inflating a page twice, deflating one that is not inflated).
 *
 * Arguments of create(), comma-separated key=value, parsed strictly (an
 * unknown key, a repeated key or a bad value makes create() return NULL):
 *   num_pages=N          initial target, 0..2^32-1 (default 0)
 *   must_tell_host, stats_vq, deflate_on_oom, free_page_hint, page_poison,
 *   page_reporting=on|off  offer the feature (defaults: must_tell_host and
 *                        stats_vq on, the others off)
 *   poison_val=N         poison_val before the driver writes it (default 0)
 *   hint_cmd_id=N        free_page_hint_cmd_id at reset (default 0, STOP)
 *   max_pages=N          pages tracked, 1..VC_BALLOON_MAX_PAGES (default
 *                        65536); inflated pages beyond it are counted only
 *   numbering=spec|compact  queue indices: spec (default) as 5.5.2 lists
 *                        them, a missing queue leaves a gap; compact: the
 *                        existing queues numbered without gaps, as Linux
 *                        and QEMU do
 *   scribble=on|off|late on (default): the device overwrites an inflated
 *                        page before acknowledging the inflate, and the
 *                        pages of a report when the spec allows it; late
 *                        (a misbehaving device): it overwrites a page in
 *                        the balloon when it processes its deflate, after
 *                        the inflate was acknowledged, which only
 *                        MUST_TELL_HOST allows
 *   report_garbage=on    (a misbehaving device) reported pages are
 *                        overwritten with bytes other than poison_val even
 *                        with PAGE_POISON negotiated
 *   hint_reuse=on        (a misbehaving device) vc_balloon_set_hint_cmd_id
 *                        accepts an ID again before the driver sent STOP
 *   require_tell_host=on refuse FEATURES_OK when MUST_TELL_HOST is offered
 *                        and not accepted (5.5.3.2 allows it)
 *   stats_strict=on      a statsq buffer whose size is not a multiple of 6
 *                        bytes (5.5.6.3.1, as written) needs a reset;
 *                        default: a trailing partial entry is ignored
 */
#ifndef VIRTIOCHECK_BALLOON_H
#define VIRTIOCHECK_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "virtiocheck/virtio_balloon.h"

#define VC_BALLOON_MAX_PAGES (1u << 20)
/* PFNs one inflate or deflate buffer is read for; the rest is counted in
 * pfn_ignored */
#define VC_BALLOON_PFNS_PER_REQ 65536u
/* statsq entries read per buffer */
#define VC_BALLOON_STATS_ENTRIES_MAX 1024u
/* bytes a report request gets overwritten with, at most */
#define VC_BALLOON_SCRIBBLE_MAX (4u << 20)
/* free page hint command IDs issued and not yet closed by a STOP */
#define VC_BALLOON_HINT_IDS 32u

/* The 64-bit word an overwritten page of the balloon holds, repeated. */
static inline uint64_t vc_balloon_scribble_word(uint32_t pfn)
{
	return 0xba11005cb1bb1e00ull ^ ((uint64_t)pfn << 8);
}

struct vc_balloon_stats {
	uint64_t inflate_reqs, deflate_reqs;
	uint64_t pages_inflated;    /* added to the set */
	uint64_t pages_deflated;    /* removed from the set by a deflate */
	uint64_t pages_released;    /* removed by a device reset */
	uint64_t pfn_outside;       /* page not wholly inside guest memory */
	uint64_t pfn_dup_inflate;   /* inflated while in the balloon */
	uint64_t pfn_not_inflated;  /* deflated while not in the balloon */
	uint64_t pfn_untracked;     /* inflated beyond max_pages */
	uint64_t pfn_ignored;       /* beyond VC_BALLOON_PFNS_PER_REQ */
	uint64_t trailing_bytes;    /* buffer bytes not a whole le32 PFN */
	uint64_t writable_ignored;  /* inflate/deflate/stats buffers with a
				     * device-writable part */
	uint64_t deflate_over_target; /* deflates while the balloon was not
				       * above num_pages, DEFLATE_ON_OOM not
				       * negotiated */
	uint64_t pages_modified;    /* pages the device overwrote */
	uint64_t stats_buffers, stats_entries, stats_unknown_tags, stats_partial;
	uint64_t stats_requests;    /* buffers returned to ask for statistics */
	uint64_t hint_cmd_bufs;     /* output buffers with the current ID */
	uint64_t hint_stale_cmd;    /* output buffers with another ID */
	uint64_t hint_stops;        /* CMD_ID_STOP received */
	uint64_t hint_pages;        /* pages hinted under the current ID */
	uint64_t hint_ignored;      /* hint bytes ignored (stale or no ID) */
	uint64_t report_reqs, report_pages;
	uint64_t actual_writes, ro_writes;
	uint64_t ignored_notifies;  /* for a queue that does not exist */
};

/* The statistics of the driver's last statsq buffer. */
struct vc_balloon_guest_stats {
	uint64_t buffers;                     /* statsq buffers consumed */
	uint32_t present;                     /* bit per tag of the last one */
	uint64_t val[VIRTIO_BALLOON_S_NR];
};

const struct vc_balloon_stats *vc_balloon_stats(void *dev);
/* Pages in the balloon (tracked), or 0 for a bad instance. */
uint32_t vc_balloon_inflated(void *dev);
/* 1 when pfn is in the balloon, 0 when not, -1 for a bad instance. */
int vc_balloon_is_inflated(void *dev, uint32_t pfn);
/* 1 when the device overwrote the page of pfn since the last reset (an
 * inflate or a report; kept for up to max_pages pages), 0, or -1. */
int vc_balloon_page_modified(void *dev, uint32_t pfn);
/* 0 and *out, or -1. */
int vc_balloon_guest_stats(void *dev, struct vc_balloon_guest_stats *out);
/* The configuration fields as the device holds them. */
uint32_t vc_balloon_num_pages(void *dev);
uint32_t vc_balloon_actual(void *dev);
uint32_t vc_balloon_poison_val(void *dev);
uint32_t vc_balloon_hint_cmd_id(void *dev);

/* A new target: num_pages changes with a configuration change
 * notification. 0 or -1. */
int vc_balloon_set_num_pages(void *dev, uint32_t num_pages);
/* Ask for statistics: return the statsq buffer the device holds. 0, or -1
 * when it holds none (STATS_VQ not negotiated, or the driver has not
 * posted one). */
int vc_balloon_request_stats(void *dev);
/* Set free_page_hint_cmd_id with a configuration change notification.
 * STOP and DONE are always accepted; an ID of 2 or more is refused (-1)
 * when it was issued before and the driver has not sent STOP since
 * (5.5.6.4.2), unless hint_reuse=on. */
int vc_balloon_set_hint_cmd_id(void *dev, uint32_t id);
/* Issue a fresh command ID (one more than the highest issued); returns it,
 * or 0 on error. */
uint32_t vc_balloon_hint_start(void *dev);
/* Process what the deflateq holds, then check that every page the device
 * overwrote in the balloon still holds what it wrote: a page that changed
 * was used by the driver without a deflate request (5.5.6.1). Returns the
 * number of such pages (the device then needs a reset), or -1. */
int vc_balloon_audit(void *dev);

#endif
