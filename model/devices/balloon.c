// SPDX-License-Identifier: Apache-2.0
/*
 * Traditional virtio-balloon device (VIRTIO 1.2 5.5), a user of the
 * vc_device_ops ABI.
 *
 * inflateq and deflateq carry arrays of le32 PFNs. Each PFN's 4096-byte
 * page is checked through the host's translator (mem_read of the whole
 * page) before anything else; the device keeps the set of inflated pages
 * in a hash set capped at max_pages and acknowledges every request at once.
 * Nothing a driver puts in a PFN list breaks a device MUST, so odd PFNs are
 * counted, never fatal. What is fatal is a page the device overwrote in
 * the balloon coming back changed, which shows the driver used it before
 * it was allowed to (5.5.6.1).
 *
 * statsq: the device keeps the one buffer the driver posts and returns it
 * to ask for statistics (vc_balloon_request_stats). free_page_vq: command
 * IDs per 5.5.6.4. reporting_vq: reported pages, overwritten when allowed.
 *
 * The ops expose five queues; which of them exist depends on the
 * negotiated features (5.5.2) and the numbering argument.
 */
#include <stdlib.h>
#include <string.h>

#include "balloon.h"
#include "dev_args.h"
#include "devices.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define BAL_MAGIC 0x62616c6cu
#define BAL_QUEUE_SIZE_MAX 128
#define BAL_PAGE VIRTIO_BALLOON_PAGE_SIZE
#define BAL_PFN_CHUNK 256u
#define BAL_SET_MIN 64u

/* 5.5.4 */
struct virtio_balloon_config {
	le32 num_pages;
	le32 actual;
	le32 free_page_hint_cmd_id;
	le32 poison_val;
};

_Static_assert(sizeof(struct virtio_balloon_config) == VIRTIO_BALLOON_CFG_SIZE, "config");

enum bal_role { R_NONE, R_INFLATE, R_DEFLATE, R_STATS, R_HINT, R_REPORT };
enum bal_scribble { SCR_OFF, SCR_ON, SCR_LATE };

/* Flags of a set entry; 0 is an empty slot. */
#define E_USED      1u
#define E_SCRIBBLED 2u /* the device overwrote the page while inflated */

/* An open-addressing set of PFNs (linear probing, backward-shift delete),
 * grown on demand up to twice its cap. */
struct pfn_set {
	uint32_t *key;
	uint8_t *flags;
	uint32_t cap_slots; /* power of two, 0 before the first insert */
	uint32_t count;
	uint32_t max;       /* entries allowed */
};

struct bal_dev {
	uint32_t magic;
	const struct vc_host_ops *host;
	void *h;
	/* arguments */
	uint64_t offer;          /* balloon feature bits offered */
	uint32_t init_poison, init_cmd_id;
	enum bal_scribble scribble;
	bool compact, report_garbage, hint_reuse, require_tell_host, stats_strict;

	uint64_t features;
	bool live;
	uint32_t num_pages, actual, poison_val, cmd_id;
	bool poison_written;
	struct pfn_set inflated, modified;
	/* statsq */
	bool stats_held;
	struct vc_elem stats_elem; /* head and byte totals only (segs NULL) */
	bool stats_mask_known;
	uint32_t stats_mask;
	struct vc_balloon_guest_stats gstats;
	/* free page hinting */
	uint32_t issued[VC_BALLOON_HINT_IDS];
	uint32_t n_issued;
	uint32_t highest_id;
	bool cmd_started;   /* the driver sent the current ID */
	bool any_cmd;       /* any output buffer since reset */
	uint32_t block_id;  /* the ID the hints that follow belong to */
	bool block_valid;
	struct vc_balloon_stats stats;
	uint8_t page[BAL_PAGE];
};

/* ------------------------------------------------------------- PFN sets */

static uint32_t pfn_hash(uint32_t pfn, uint32_t mask)
{
	return (pfn * 0x9e3779b1u) & mask;
}

static int set_find(const struct pfn_set *s, uint32_t pfn)
{
	uint32_t mask, i, n;

	if (!s->cap_slots)
		return -1;
	mask = s->cap_slots - 1;
	for (i = pfn_hash(pfn, mask), n = 0; n < s->cap_slots; i = (i + 1) & mask, n++) {
		if (!s->flags[i])
			return -1;
		if (s->key[i] == pfn)
			return (int)i;
	}
	return -1;
}

static void set_put(struct pfn_set *s, uint32_t pfn, uint8_t flags)
{
	uint32_t mask = s->cap_slots - 1, i = pfn_hash(pfn, mask);

	while (s->flags[i])
		i = (i + 1) & mask;
	s->key[i] = pfn;
	s->flags[i] = flags;
	s->count++;
}

static int set_grow(struct pfn_set *s)
{
	uint32_t old_slots = s->cap_slots, i, slots;
	uint32_t *old_key = s->key, *key;
	uint8_t *old_flags = s->flags, *flags;

	slots = old_slots ? old_slots * 2 : BAL_SET_MIN;
	key = calloc(slots, sizeof(*key));
	flags = calloc(slots, 1);
	if (!key || !flags) {
		free(key);
		free(flags);
		return -1;
	}
	s->key = key;
	s->flags = flags;
	s->cap_slots = slots;
	s->count = 0;
	for (i = 0; i < old_slots; i++)
		if (old_flags[i])
			set_put(s, old_key[i], old_flags[i]);
	free(old_key);
	free(old_flags);
	return 0;
}

/* 1 added, 0 already there, -1 full (or no memory). */
static int set_add(struct pfn_set *s, uint32_t pfn, uint8_t flags)
{
	if (set_find(s, pfn) >= 0)
		return 0;
	if (s->count >= s->max)
		return -1;
	/* load factor at most 1/2 */
	if ((uint64_t)(s->count + 1) * 2 > s->cap_slots && set_grow(s) != 0)
		return -1;
	set_put(s, pfn, flags);
	return 1;
}

static void set_del_slot(struct pfn_set *s, uint32_t i)
{
	uint32_t mask = s->cap_slots - 1, j = i, home;

	s->flags[i] = 0;
	s->count--;
	/* backward shift: move later entries of the run into the hole */
	for (;;) {
		j = (j + 1) & mask;
		if (!s->flags[j])
			return;
		home = pfn_hash(s->key[j], mask);
		/* j's entry may move to i unless its home lies in (i, j] */
		if ((i < j && (home <= i || home > j)) || (i > j && home <= i && home > j)) {
			s->key[i] = s->key[j];
			s->flags[i] = s->flags[j];
			s->flags[j] = 0;
			i = j;
		}
	}
}

static void set_clear(struct pfn_set *s)
{
	free(s->key);
	free(s->flags);
	s->key = NULL;
	s->flags = NULL;
	s->cap_slots = s->count = 0;
}

/* ------------------------------------------------------------ arguments */

enum {
	A_NUM_PAGES, A_TELL, A_STATS, A_OOM, A_HINT, A_POISON, A_REPORT, A_POISON_VAL,
	A_CMD_ID, A_MAX_PAGES, A_NUMBERING, A_SCRIBBLE, A_REPORT_GARBAGE, A_HINT_REUSE,
	A_REQUIRE_TELL, A_STATS_STRICT, A_COUNT
};

static int parse_args(struct bal_dev *d, const char *args)
{
	static const char *const keys[A_COUNT] = {
		"num_pages", "must_tell_host", "stats_vq", "deflate_on_oom", "free_page_hint",
		"page_poison", "page_reporting", "poison_val", "hint_cmd_id", "max_pages",
		"numbering", "scribble", "report_garbage", "hint_reuse", "require_tell_host",
		"stats_strict",
	};
	static const int feature_of[A_COUNT] = {
		[A_TELL] = VIRTIO_BALLOON_F_MUST_TELL_HOST, [A_STATS] = VIRTIO_BALLOON_F_STATS_VQ,
		[A_OOM] = VIRTIO_BALLOON_F_DEFLATE_ON_OOM, [A_HINT] = VIRTIO_BALLOON_F_FREE_PAGE_HINT,
		[A_POISON] = VIRTIO_BALLOON_F_PAGE_POISON,
		[A_REPORT] = VIRTIO_BALLOON_F_PAGE_REPORTING,
	};
	bool seen[A_COUNT] = { false }, on;
	char *copy, *tok, *rest;
	uint32_t v;
	int rc = -1, k;

	d->offer = VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		   VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ);
	d->scribble = SCR_ON;
	d->inflated.max = d->modified.max = 65536;
	if (!args || !*args)
		return 0;
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
		switch (k) {
		case A_NUM_PAGES:
			if (dev_arg_u32(val, UINT32_MAX, &d->num_pages) != 0)
				goto out;
			break;
		case A_TELL:
		case A_STATS:
		case A_OOM:
		case A_HINT:
		case A_POISON:
		case A_REPORT:
			if (dev_arg_onoff(val, &on) != 0)
				goto out;
			if (on)
				d->offer |= VIRTIO_BIT(feature_of[k]);
			else
				d->offer &= ~VIRTIO_BIT(feature_of[k]);
			break;
		case A_POISON_VAL:
			if (dev_arg_u32(val, UINT32_MAX, &d->init_poison) != 0)
				goto out;
			break;
		case A_CMD_ID:
			if (dev_arg_u32(val, UINT32_MAX, &d->init_cmd_id) != 0)
				goto out;
			break;
		case A_MAX_PAGES:
			if (dev_arg_u32(val, VC_BALLOON_MAX_PAGES, &v) != 0 || v == 0)
				goto out;
			d->inflated.max = d->modified.max = v;
			break;
		case A_NUMBERING:
			if (strcmp(val, "spec") == 0)
				d->compact = false;
			else if (strcmp(val, "compact") == 0)
				d->compact = true;
			else
				goto out;
			break;
		case A_SCRIBBLE:
			if (strcmp(val, "on") == 0)
				d->scribble = SCR_ON;
			else if (strcmp(val, "off") == 0)
				d->scribble = SCR_OFF;
			else if (strcmp(val, "late") == 0)
				d->scribble = SCR_LATE;
			else
				goto out;
			break;
		case A_REPORT_GARBAGE:
			if (dev_arg_onoff(val, &d->report_garbage) != 0)
				goto out;
			break;
		case A_HINT_REUSE:
			if (dev_arg_onoff(val, &d->hint_reuse) != 0)
				goto out;
			break;
		case A_REQUIRE_TELL:
			if (dev_arg_onoff(val, &d->require_tell_host) != 0)
				goto out;
			break;
		case A_STATS_STRICT:
			if (dev_arg_onoff(val, &d->stats_strict) != 0)
				goto out;
			break;
		}
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* ------------------------------------------------------------- helpers */

static struct bal_dev *bal_of(void *dev)
{
	struct bal_dev *d = dev;

	return d && d->magic == BAL_MAGIC ? d : NULL;
}

static bool has(const struct bal_dev *d, int bit)
{
	return d->features & VIRTIO_BIT(bit);
}

/* 5.5.2: the role of queue q under the negotiated features. */
static enum bal_role role_of(const struct bal_dev *d, uint16_t q)
{
	static const int feat[3] = {
		VIRTIO_BALLOON_F_STATS_VQ, VIRTIO_BALLOON_F_FREE_PAGE_HINT,
		VIRTIO_BALLOON_F_PAGE_REPORTING,
	};
	static const enum bal_role opt[3] = { R_STATS, R_HINT, R_REPORT };
	uint16_t next = 2;
	unsigned i;

	if (q == VIRTIO_BALLOON_Q_INFLATE)
		return R_INFLATE;
	if (q == VIRTIO_BALLOON_Q_DEFLATE)
		return R_DEFLATE;
	for (i = 0; i < 3; i++) {
		uint16_t idx = d->compact ? next : (uint16_t)(VIRTIO_BALLOON_Q_STATS + i);

		if (!has(d, feat[i]))
			continue;
		if (q == idx)
			return opt[i];
		next++;
	}
	return R_NONE;
}

static uint16_t queue_of(const struct bal_dev *d, enum bal_role r)
{
	uint16_t q;

	for (q = 0; q < VIRTIO_BALLOON_NUM_QUEUES; q++)
		if (role_of(d, q) == r)
			return q;
	return VIRTIO_BALLOON_NUM_QUEUES;
}

static void scribble_page(struct bal_dev *d, uint32_t pfn)
{
	uint64_t w = vc_balloon_scribble_word(pfn);
	uint32_t i;

	for (i = 0; i < BAL_PAGE; i += 8)
		memcpy(d->page + i, &w, 8);
}

/* Is the page of pfn what scribble_page wrote? (d->page holds it) */
static bool page_is_scribble(const struct bal_dev *d, uint32_t pfn)
{
	uint64_t w = vc_balloon_scribble_word(pfn), x;
	uint32_t i;

	for (i = 0; i < BAL_PAGE; i += 8) {
		memcpy(&x, d->page + i, 8);
		if (x != w)
			return false;
	}
	return true;
}

static void note_modified(struct bal_dev *d, uint32_t pfn)
{
	d->stats.pages_modified++;
	set_add(&d->modified, pfn, E_USED);
}

/* Overwrite the page of pfn with its scribble. 0 or -1. */
static int write_scribble(struct bal_dev *d, uint32_t pfn)
{
	scribble_page(d, pfn);
	if (d->host->mem_write(d->h, (uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT, d->page,
			       BAL_PAGE) != 0)
		return -1;
	note_modified(d, pfn);
	return 0;
}

/* ------------------------------------------------- inflate and deflate */

static void inflate_pfn(struct bal_dev *d, uint32_t pfn)
{
	uint64_t gpa = (uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT;
	int r, i;

	/* the page must lie wholly inside guest memory: the translator says */
	if (d->host->mem_read(d->h, gpa, d->page, BAL_PAGE) != 0) {
		d->stats.pfn_outside++;
		return;
	}
	r = set_add(&d->inflated, pfn, E_USED);
	if (r == 0) {
		d->stats.pfn_dup_inflate++;
		return;
	}
	if (r < 0) {
		d->stats.pfn_untracked++;
		return;
	}
	d->stats.pages_inflated++;
	/* devicenormative: Device Operation -- the device MAY modify the page
	 * after detecting it in an inflate request, before acknowledging it */
	if (d->scribble == SCR_ON && write_scribble(d, pfn) == 0) {
		i = set_find(&d->inflated, pfn);
		if (i >= 0)
			d->inflated.flags[i] |= E_SCRIBBLED;
	}
}

/* 0, or -1 once the device failed. */
static int deflate_pfn(struct bal_dev *d, uint32_t pfn)
{
	uint64_t gpa = (uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT;
	int i;

	if (d->host->mem_read(d->h, gpa, d->page, BAL_PAGE) != 0) {
		d->stats.pfn_outside++;
		return 0;
	}
	i = set_find(&d->inflated, pfn);
	if (i < 0) {
		d->stats.pfn_not_inflated++;
		return 0;
	}
	/* drivernormative: Device Operation -- with MUST_TELL_HOST the driver
	 * does not use a page of the balloon before its deflate request is
	 * acknowledged; this one is being processed, not acknowledged */
	if (has(d, VIRTIO_BALLOON_F_MUST_TELL_HOST) && (d->inflated.flags[i] & E_SCRIBBLED) &&
	    !page_is_scribble(d, pfn)) {
		d->host->fail(d->h, CL_DRV_BALLOON_OP,
			      "page of PFN in a deflate request was written before the deflate was "
			      "acknowledged (MUST_TELL_HOST)");
		return -1;
	}
	/* scribble=late: a change after the inflate was acknowledged, which
	 * only MUST_TELL_HOST allows (devicenormative: Device Operation) */
	if (d->scribble == SCR_LATE)
		write_scribble(d, pfn);
	set_del_slot(&d->inflated, (uint32_t)i);
	d->stats.pages_deflated++;
	return 0;
}

/* Drain inflateq or deflateq. */
static void pfn_requests(struct bal_dev *d, uint16_t q, bool inflate)
{
	uint8_t raw[BAL_PFN_CHUNK * VIRTIO_BALLOON_PFN_SIZE];
	struct vc_elem e;
	bool pushed = false;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		uint64_t n = e.readable_bytes / VIRTIO_BALLOON_PFN_SIZE, off = 0, i;
		bool over;

		if (inflate)
			d->stats.inflate_reqs++;
		else
			d->stats.deflate_reqs++;
		/* the PFN array is device-readable; a writable part is not
		 * written (no balloon rule names it) */
		if (e.n_writable)
			d->stats.writable_ignored++;
		d->stats.trailing_bytes += e.readable_bytes % VIRTIO_BALLOON_PFN_SIZE;
		if (n > VC_BALLOON_PFNS_PER_REQ) {
			d->stats.pfn_ignored += n - VC_BALLOON_PFNS_PER_REQ;
			n = VC_BALLOON_PFNS_PER_REQ;
		}
		/* drivernormative: Device Operation -- without DEFLATE_ON_OOM
		 * pages are taken back only while num_pages < actual; recorded,
		 * the target may have moved since the driver looked */
		over = !inflate && !has(d, VIRTIO_BALLOON_F_DEFLATE_ON_OOM) &&
		       d->inflated.count <= d->num_pages;
		if (over && n)
			d->stats.deflate_over_target++;
		while (off < n) {
			uint64_t chunk = n - off < BAL_PFN_CHUNK ? n - off : BAL_PFN_CHUNK, got;

			got = d->host->elem_read(d->h, &e, off * VIRTIO_BALLOON_PFN_SIZE, raw,
						 chunk * VIRTIO_BALLOON_PFN_SIZE);
			if (got != chunk * VIRTIO_BALLOON_PFN_SIZE)
				break;
			for (i = 0; i < chunk; i++) {
				le32 p;

				memcpy(&p, raw + i * VIRTIO_BALLOON_PFN_SIZE, sizeof(p));
				if (inflate)
					inflate_pfn(d, le32_to_cpu(p));
				else if (deflate_pfn(d, le32_to_cpu(p)) != 0)
					return;
			}
			off += chunk;
		}
		/* nothing written: the acknowledgement is the used entry */
		d->host->queue_push(d->h, q, &e, 0);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* --------------------------------------------------------------- statsq */

static void stats_receive(struct bal_dev *d, uint16_t q)
{
	uint8_t raw[VIRTIO_BALLOON_STAT_SIZE];
	struct vc_elem e;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		uint64_t n = e.readable_bytes / VIRTIO_BALLOON_STAT_SIZE, i;
		uint32_t mask = 0;

		/* drivernormative: Memory Statistics -- at most one buffer
		 * available at all times. With RING_RESET negotiated a queue
		 * reset may have taken the held one back without the device
		 * being told: the new buffer replaces it. */
		if (d->stats_held && !has(d, VIRTIO_F_RING_RESET)) {
			d->host->fail(d->h, CL_DRV_BALLOON_STATS,
				      "a second statsq buffer while the device holds one");
			return;
		}
		/* drivernormative: Memory Statistics -- an output buffer */
		if (e.n_writable) {
			d->host->fail(d->h, CL_DRV_BALLOON_STATS,
				      "statsq buffer has a device-writable part");
			return;
		}
		/* drivernormative: Memory Statistics -- "a multiple of 6 bytes"
		 * as 1.2 writes it (entries are 10 bytes); only when asked */
		if (d->stats_strict && e.readable_bytes % 6) {
			d->host->fail(d->h, CL_DRV_BALLOON_STATS,
				      "statsq buffer size is not a multiple of 6 bytes");
			return;
		}
		if (e.readable_bytes % VIRTIO_BALLOON_STAT_SIZE)
			d->stats.stats_partial++;
		if (n > VC_BALLOON_STATS_ENTRIES_MAX)
			n = VC_BALLOON_STATS_ENTRIES_MAX;
		d->stats.stats_buffers++;
		d->gstats.buffers++;
		d->gstats.present = 0;
		/* devicenormative: Memory Statistics -- entries in any order,
		 * unknown tags ignored */
		for (i = 0; i < n; i++) {
			le16 tag;
			le64 val;
			uint16_t t;

			if (d->host->elem_read(d->h, &e, i * VIRTIO_BALLOON_STAT_SIZE, raw,
					       sizeof(raw)) != sizeof(raw))
				break;
			memcpy(&tag, raw, sizeof(tag));
			memcpy(&val, raw + sizeof(tag), sizeof(val));
			t = le16_to_cpu(tag);
			d->stats.stats_entries++;
			if (t >= VIRTIO_BALLOON_S_NR) {
				d->stats.stats_unknown_tags++;
				continue;
			}
			mask |= 1u << t;
			d->gstats.val[t] = le64_to_cpu(val);
		}
		d->gstats.present = mask;
		/* drivernormative: Memory Statistics -- the same subset of
		 * statistics in every buffer */
		if (d->stats_mask_known && mask != d->stats_mask) {
			d->host->fail(d->h, CL_DRV_BALLOON_STATS,
				      "statsq buffer supplies another subset of statistics than before");
			return;
		}
		d->stats_mask_known = true;
		d->stats_mask = mask;
		/* keep it: returning it is the next request (5.5.6.3) */
		d->stats_elem = e;
		d->stats_elem.segs = NULL;
		d->stats_held = true;
	}
}

/* ------------------------------------------------- free page hinting */

static bool id_issued(const struct bal_dev *d, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < d->n_issued; i++)
		if (d->issued[i] == id)
			return true;
	return false;
}

/* 0, or -1 once the device failed. */
static int hint_command(struct bal_dev *d, uint32_t id)
{
	d->any_cmd = true;
	if (id == VIRTIO_BALLOON_CMD_ID_STOP) {
		/* the driver finished hinting: IDs may be used again */
		d->stats.hint_stops++;
		d->n_issued = 0;
		d->block_valid = false;
		return 0;
	}
	if (id >= 2 && id == d->cmd_id) {
		/* drivernormative: Free Page Hinting -- not more than one output
		 * buffer containing the current command ID */
		if (d->cmd_started) {
			d->host->fail(d->h, CL_DRV_BALLOON_HINT,
				      "a second output buffer with the current command ID");
			return -1;
		}
		d->cmd_started = true;
		d->stats.hint_cmd_bufs++;
		d->block_id = id;
		d->block_valid = true;
		return 0;
	}
	/* an ID the device no longer uses (or DONE): what follows is stale */
	d->stats.hint_stale_cmd++;
	d->block_id = id;
	d->block_valid = true;
	return 0;
}

static void hint_receive(struct bal_dev *d, uint16_t q)
{
	struct vc_elem e;
	bool pushed = false;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		if (e.n_readable) {
			le32 id;

			/* drivernormative: Free Page Hinting -- output buffers
			 * are 4 bytes */
			if (e.readable_bytes != VIRTIO_BALLOON_CMD_ID_SIZE) {
				d->host->fail(d->h, CL_DRV_BALLOON_HINT,
					      "free_page_vq output buffer is not 4 bytes");
				return;
			}
			if (d->host->elem_read(d->h, &e, 0, &id, sizeof(id)) != sizeof(id) ||
			    hint_command(d, le32_to_cpu(id)) != 0)
				return;
		}
		if (e.n_writable) {
			/* drivernormative: Free Page Hinting -- hinting starts
			 * with an output buffer carrying the command ID */
			if (!d->any_cmd) {
				d->host->fail(d->h, CL_DRV_BALLOON_HINT,
					      "free page hints before any command ID output buffer");
				return;
			}
			/* devicenormative: Free Page Hinting -- ignore pages
			 * sent with an ID other than the current one */
			if (d->block_valid && d->block_id >= 2 && d->block_id == d->cmd_id)
				d->stats.hint_pages += e.writable_bytes / BAL_PAGE;
			else
				d->stats.hint_ignored += e.writable_bytes;
		}
		d->host->queue_push(d->h, q, &e, 0);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* ------------------------------------------------ free page reporting */

static void report_receive(struct bal_dev *d, uint16_t q)
{
	struct vc_elem e;
	bool pushed = false;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		bool poison = has(d, VIRTIO_BALLOON_F_PAGE_POISON);
		uint64_t written = 0, off, total;
		uint32_t s;

		d->stats.report_reqs++;
		d->stats.report_pages += e.writable_bytes / BAL_PAGE;
		if (e.n_readable)
			d->stats.writable_ignored++; /* a part the device ignores */
		/* devicenormative: Free Page Reporting -- without PAGE_POISON
		 * the pages MAY change before the acknowledgement; with it,
		 * only to poison_val (report_garbage breaks that on purpose) */
		if (d->scribble != SCR_OFF) {
			uint32_t i;

			if (poison && !d->report_garbage) {
				le32 pv = cpu_to_le32(d->poison_val);

				for (i = 0; i < BAL_PAGE; i += 4)
					memcpy(d->page + i, &pv, 4);
			} else {
				for (i = 0; i < BAL_PAGE; i++)
					d->page[i] = (uint8_t)(0xe5 ^ i);
			}
			total = e.writable_bytes < VC_BALLOON_SCRIBBLE_MAX ? e.writable_bytes
									   : VC_BALLOON_SCRIBBLE_MAX;
			for (off = 0; off < total;) {
				uint64_t n = total - off < BAL_PAGE ? total - off : BAL_PAGE, w;

				w = d->host->elem_write(d->h, &e, off, d->page, n);
				if (w == 0)
					break;
				off += w;
			}
			written = off;
			/* which pages were touched, for vc_balloon_page_modified */
			for (s = e.n_readable; s < e.n_readable + e.n_writable; s++) {
				uint64_t a = e.segs[s].gpa, end = a + e.segs[s].len;
				uint32_t pages = 0;

				for (a &= ~(uint64_t)(BAL_PAGE - 1); a < end && pages < 1024;
				     a += BAL_PAGE, pages++)
					if ((a >> VIRTIO_BALLOON_PFN_SHIFT) <= UINT32_MAX)
						note_modified(d,
							      (uint32_t)(a >> VIRTIO_BALLOON_PFN_SHIFT));
			}
		}
		d->host->queue_push(d->h, q, &e, (uint32_t)written);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* ------------------------------------------------------------ the ops */

static void *bal_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct bal_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = BAL_MAGIC;
	d->host = host;
	d->h = h;
	if (parse_args(d, args) != 0) {
		free(d);
		return NULL;
	}
	d->poison_val = d->init_poison;
	d->cmd_id = d->init_cmd_id;
	if (d->cmd_id >= 2) {
		d->issued[d->n_issued++] = d->cmd_id;
		d->highest_id = d->cmd_id;
	}
	return d;
}

static void bal_destroy(void *dev)
{
	struct bal_dev *d = dev;

	if (!d)
		return;
	set_clear(&d->inflated);
	set_clear(&d->modified);
	d->magic = 0;
	free(d);
}

static uint64_t bal_get_features(void *dev)
{
	struct bal_dev *d = dev;

	return d->offer | VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
	       VIRTIO_BIT(VIRTIO_F_RING_RESET);
}

static int bal_set_features(void *dev, uint64_t f)
{
	struct bal_dev *d = dev;

	/* devicenormative: Feature bits -- the device MAY refuse FEATURES_OK
	 * when MUST_TELL_HOST is offered and not accepted */
	if (d->require_tell_host && (d->offer & VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST)) &&
	    !(f & VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST)))
		return -1;
	d->features = f;
	return 0;
}

static void bal_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct bal_dev *d = dev;
	struct virtio_balloon_config c = {
		.num_pages = cpu_to_le32(d->num_pages),
		.actual = cpu_to_le32(d->actual),
		.free_page_hint_cmd_id = cpu_to_le32(d->cmd_id),
		.poison_val = cpu_to_le32(d->poison_val),
	};

	if (off > sizeof(c) || len > sizeof(c) - off) {
		memset(dst, 0, len);
		return;
	}
	memcpy(dst, (const uint8_t *)&c + off, len);
}

/* Merge the bytes of [off, off+len) that fall into the 4-byte field at
 * field into *v. Returns whether any did. */
static bool merge_field(uint32_t *v, uint32_t field, uint32_t off, const uint8_t *src,
			uint32_t len)
{
	le32 raw = cpu_to_le32(*v);
	uint8_t b[4];
	bool any = false;
	uint32_t i;

	memcpy(b, &raw, 4);
	for (i = 0; i < 4; i++) {
		uint32_t at = field + i;

		if (at >= off && at - off < len) {
			b[i] = src[at - off];
			any = true;
		}
	}
	memcpy(&raw, b, 4);
	*v = le32_to_cpu(raw);
	return any;
}

static void bal_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct bal_dev *d = dev;
	const uint8_t *b = src;
	uint32_t v, i;
	bool other = false;

	if (off >= VIRTIO_BALLOON_CFG_SIZE || len > VIRTIO_BALLOON_CFG_SIZE - off)
		return;
	for (i = off; i < off + len; i++)
		if (i < VIRTIO_BALLOON_CFG_ACTUAL ||
		    (i >= VIRTIO_BALLOON_CFG_CMD_ID && i < VIRTIO_BALLOON_CFG_POISON_VAL))
			other = true;
	/* num_pages and free_page_hint_cmd_id are the device's: ignored */
	if (other)
		d->stats.ro_writes++;
	if (merge_field(&d->actual, VIRTIO_BALLOON_CFG_ACTUAL, off, b, len))
		d->stats.actual_writes++;
	v = d->poison_val;
	if (merge_field(&v, VIRTIO_BALLOON_CFG_POISON_VAL, off, b, len)) {
		/* drivernormative: Page Poison -- poison_val does not change
		 * while DRIVER_OK is set */
		if (d->live && has(d, VIRTIO_BALLOON_F_PAGE_POISON) && v != d->poison_val) {
			d->host->fail(d->h, CL_DRV_BALLOON_POISON,
				      "poison_val modified while DRIVER_OK is set");
			return;
		}
		d->poison_val = v;
		d->poison_written = true;
	}
}

static void bal_activate(void *dev)
{
	struct bal_dev *d = dev;

	d->live = true;
	/* drivernormative: Page Poison -- poison_val populated before
	 * DRIVER_OK */
	if (has(d, VIRTIO_BALLOON_F_PAGE_POISON) && !d->poison_written)
		d->host->fail(d->h, CL_DRV_BALLOON_POISON,
			      "DRIVER_OK set with PAGE_POISON negotiated and poison_val never written");
}

static void bal_reset(void *dev)
{
	struct bal_dev *d = dev;

	/* every page of the balloon is the guest's again */
	d->stats.pages_released += d->inflated.count;
	set_clear(&d->inflated);
	set_clear(&d->modified);
	d->features = 0;
	d->live = false;
	d->actual = 0;
	d->poison_val = d->init_poison;
	d->poison_written = false;
	d->stats_held = false;
	d->stats_mask_known = false;
	d->cmd_id = d->init_cmd_id;
	d->n_issued = 0;
	if (d->cmd_id >= 2)
		d->issued[d->n_issued++] = d->cmd_id;
	d->cmd_started = d->any_cmd = d->block_valid = false;
}

static void bal_queue_notify(void *dev, uint16_t q)
{
	struct bal_dev *d = dev;

	if (!d->live)
		return;
	switch (role_of(d, q)) {
	case R_INFLATE:
		pfn_requests(d, q, true);
		break;
	case R_DEFLATE:
		pfn_requests(d, q, false);
		break;
	case R_STATS:
		stats_receive(d, q);
		break;
	case R_HINT:
		hint_receive(d, q);
		break;
	case R_REPORT:
		report_receive(d, q);
		break;
	case R_NONE:
		d->stats.ignored_notifies++;
		break;
	}
}

const struct vc_device_ops vc_balloon_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.num_queues = VIRTIO_BALLOON_NUM_QUEUES,
	.queue_size_max = BAL_QUEUE_SIZE_MAX,
	.config_size = VIRTIO_BALLOON_CFG_SIZE,
	.create = bal_create,
	.destroy = bal_destroy,
	.get_features = bal_get_features,
	.set_features = bal_set_features,
	.config_read = bal_config_read,
	.config_write = bal_config_write,
	.activate = bal_activate,
	.reset = bal_reset,
	.queue_notify = bal_queue_notify,
};

/* ------------------------------------------------------- the host end */

const struct vc_balloon_stats *vc_balloon_stats(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? &d->stats : NULL;
}

uint32_t vc_balloon_inflated(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? d->inflated.count : 0;
}

int vc_balloon_is_inflated(void *dev, uint32_t pfn)
{
	struct bal_dev *d = bal_of(dev);

	if (!d)
		return -1;
	return set_find(&d->inflated, pfn) >= 0;
}

int vc_balloon_page_modified(void *dev, uint32_t pfn)
{
	struct bal_dev *d = bal_of(dev);

	if (!d)
		return -1;
	return set_find(&d->modified, pfn) >= 0;
}

int vc_balloon_guest_stats(void *dev, struct vc_balloon_guest_stats *out)
{
	struct bal_dev *d = bal_of(dev);

	if (!d || !out)
		return -1;
	*out = d->gstats;
	return 0;
}

uint32_t vc_balloon_num_pages(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? d->num_pages : 0;
}

uint32_t vc_balloon_actual(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? d->actual : 0;
}

uint32_t vc_balloon_poison_val(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? d->poison_val : 0;
}

uint32_t vc_balloon_hint_cmd_id(void *dev)
{
	struct bal_dev *d = bal_of(dev);

	return d ? d->cmd_id : 0;
}

int vc_balloon_set_num_pages(void *dev, uint32_t num_pages)
{
	struct bal_dev *d = bal_of(dev);

	if (!d)
		return -1;
	d->num_pages = num_pages;
	d->host->config_changed(d->h);
	return 0;
}

int vc_balloon_request_stats(void *dev)
{
	struct bal_dev *d = bal_of(dev);
	uint16_t q;

	if (!d || !d->live || !d->stats_held)
		return -1;
	q = queue_of(d, R_STATS);
	d->stats_held = false;
	if (d->host->queue_push(d->h, q, &d->stats_elem, 0) != 0)
		return -1;
	d->host->queue_flush(d->h, q);
	d->stats.stats_requests++;
	return 0;
}

int vc_balloon_set_hint_cmd_id(void *dev, uint32_t id)
{
	struct bal_dev *d = bal_of(dev);

	if (!d)
		return -1;
	if (id >= 2) {
		/* devicenormative: Free Page Hinting -- no command ID again
		 * until the driver sent STOP */
		if (id_issued(d, id) && !d->hint_reuse)
			return -1;
		if (!id_issued(d, id)) {
			if (d->n_issued == VC_BALLOON_HINT_IDS)
				return -1;
			d->issued[d->n_issued++] = id;
		}
		if (id > d->highest_id)
			d->highest_id = id;
	}
	d->cmd_id = id;
	d->cmd_started = false;
	d->host->config_changed(d->h);
	return 0;
}

uint32_t vc_balloon_hint_start(void *dev)
{
	struct bal_dev *d = bal_of(dev);
	uint32_t id;

	if (!d)
		return 0;
	id = d->highest_id < 2 ? 2 : d->highest_id + 1;
	if (id < 2 || vc_balloon_set_hint_cmd_id(dev, id) != 0)
		return 0;
	return id;
}

int vc_balloon_audit(void *dev)
{
	struct bal_dev *d = bal_of(dev);
	uint32_t i, bad = 0;

	if (!d)
		return -1;
	if (d->live)
		pfn_requests(d, queue_of(d, R_DEFLATE), false);
	for (i = 0; i < d->inflated.cap_slots; i++) {
		uint32_t pfn = d->inflated.key[i];

		if (!(d->inflated.flags[i] & E_SCRIBBLED))
			continue;
		if (d->host->mem_read(d->h, (uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT, d->page,
				      BAL_PAGE) != 0 || page_is_scribble(d, pfn))
			continue;
		bad++;
	}
	/* drivernormative: Device Operation -- pages of the balloon are used
	 * only after telling the device through the deflateq */
	if (bad)
		d->host->fail(d->h, CL_DRV_BALLOON_OP,
			      "a page in the balloon was written without a deflate request");
	return (int)bad;
}
