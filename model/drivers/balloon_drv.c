// SPDX-License-Identifier: Apache-2.0
/*
 * Traditional virtio-balloon driver. See balloon_drv.h.
 *
 * Every used entry has been checked by the ring (outstanding id, len within
 * the posted writable bytes, descriptors untouched) before it gets here;
 * this layer checks what the balloon section asks of the device: which
 * pages it may change and when, and its free page hint command IDs.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "balloon_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define VB_PAGE VIRTIO_BALLOON_PAGE_SIZE
#define VB_POLL_ROUNDS 64u
#define VB_WAIT_ROUNDS 8u

/* 5.5.4 */
struct vballoon_config {
	le32 num_pages;
	le32 actual;
	le32 free_page_hint_cmd_id;
	le32 poison_val;
};

_Static_assert(sizeof(struct vballoon_config) == VIRTIO_BALLOON_CFG_SIZE, "config");

__attribute__((format(printf, 4, 5)))
static void device_wrong(struct vballoon_drv *b, uint16_t q, const char *clause,
			 const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, VC_SEV_RECORD, clause, q, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdrv_violation(b->d, &v);
}

/* ------------------------------------------------------------ queue setup */

/* 5.5.2 as listed: fixed indices, each optional queue with its feature. */
static bool queue_exists(uint64_t f, uint16_t q)
{
	switch (q) {
	case VIRTIO_BALLOON_Q_INFLATE:
	case VIRTIO_BALLOON_Q_DEFLATE:
		return true;
	case VIRTIO_BALLOON_Q_STATS:
		return f & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ);
	case VIRTIO_BALLOON_Q_FREE_PAGE:
		return f & VIRTIO_BIT(VIRTIO_BALLOON_F_FREE_PAGE_HINT);
	case VIRTIO_BALLOON_Q_REPORTING:
		return f & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_REPORTING);
	default:
		return false;
	}
}

enum vdrv_hook_action vballoon_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	(void)ctx;
	switch (s->step) {
	case VDRV_STEP_WRITE_FEATURES:
		/* drivernormative: Feature bits -- a driver that wants
		 * PAGE_POISON keeps its free pages initialized and relies on
		 * it: without PAGE_POISON no PAGE_REPORTING. PAGE_POISON offered
		 * and not taken means this driver does not want it (it then
		 * treats reported pages as uninitialized); not offered, the
		 * driver cannot tell and keeps to the safe side. */
		if (!(s->features & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)) &&
		    !(vdrv_device_features(drv) & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)))
			s->features &= ~VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_REPORTING);
		return VDRV_PROCEED;
	case VDRV_STEP_QUEUE_SETUP:
		return queue_exists(vdrv_features(drv), s->queue) ? VDRV_PROCEED : VDRV_SKIP;
	case VDRV_STEP_DRIVER_OK:
		/* drivernormative: Page Poison -- poison_val before DRIVER_OK */
		if (vdrv_features(drv) & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON))
			vdrv_space_write(drv, VDRV_SPACE_DEVICE, VIRTIO_BALLOON_CFG_POISON_VAL, 4,
					 VBALLOON_POISON);
		return VDRV_PROCEED;
	default:
		return VDRV_PROCEED;
	}
}

void vballoon_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_BALLOON;
	cfg->wanted_features = wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg->num_queues = VIRTIO_BALLOON_NUM_QUEUES;
	cfg->queue_size = VBALLOON_QUEUE_SIZE;
	cfg->use_msix = true;
	cfg->hook = vballoon_drv_hook;
}

/* ------------------------------------------------------------- page data */

static uint64_t page_gpa(const struct vballoon_drv *b, uint32_t i)
{
	return b->pool + (uint64_t)i * VB_PAGE;
}

static uint32_t page_pfn(const struct vballoon_drv *b, uint32_t i)
{
	return (uint32_t)(page_gpa(b, i) >> VIRTIO_BALLOON_PFN_SHIFT);
}

/* What a free page holds: poison_val with PAGE_POISON, else a pattern. */
static void free_contents(const struct vballoon_drv *b, uint32_t i, uint8_t *page)
{
	uint32_t k;

	if (b->poison) {
		le32 pv = cpu_to_le32(b->poison_val);

		for (k = 0; k < VB_PAGE; k += 4)
			memcpy(page + k, &pv, 4);
		return;
	}
	for (k = 0; k < VB_PAGE; k += 8) {
		uint64_t w = 0xd00d000000000000ull ^ ((uint64_t)page_pfn(b, i) << 16) ^ k;

		memcpy(page + k, &w, 8);
	}
}

/* drivernormative: Page Poison -- a page taken back is filled with
 * poison_val (or, without it, initialized with the pattern) */
static int refill(struct vballoon_drv *b, uint32_t i)
{
	uint8_t page[VB_PAGE];

	free_contents(b, i, page);
	return gm_write(vdrv_mem(b->d), page_gpa(b, i), page, VB_PAGE);
}

static uint64_t page_sum(struct vballoon_drv *b, uint32_t i)
{
	uint8_t page[VB_PAGE];
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t k;

	if (gm_read(vdrv_mem(b->d), page_gpa(b, i), page, VB_PAGE) != 0)
		return 0;
	for (k = 0; k < VB_PAGE; k++)
		h = (h ^ page[k]) * 0x100000001b3ull;
	return h;
}

/* Does free page i hold what the driver left? */
static bool page_intact(struct vballoon_drv *b, uint32_t i)
{
	uint8_t want[VB_PAGE], have[VB_PAGE];

	free_contents(b, i, want);
	if (gm_read(vdrv_mem(b->d), page_gpa(b, i), have, VB_PAGE) != 0)
		return false;
	return memcmp(want, have, VB_PAGE) == 0;
}

static int pick_free(struct vballoon_drv *b, uint32_t n, uint16_t *out)
{
	uint32_t i, k = 0;

	for (i = 0; i < VBALLOON_POOL_PAGES && k < n; i++)
		if (b->state[i] == VB_FREE)
			out[k++] = (uint16_t)i;
	return (int)k;
}

/* ------------------------------------------------------------- requests */

static void write_actual(struct vballoon_drv *b)
{
	/* drivernormative: Device Operation -- actual after every change */
	vdrv_space_write(b->d, VDRV_SPACE_DEVICE, VIRTIO_BALLOON_CFG_ACTUAL, 4, b->actual);
}

static int submit_pfns(struct vballoon_drv *b, uint16_t q, struct vballoon_req *r)
{
	vq_drv_t *vq = q == VBALLOON_NO_QUEUE ? NULL : vdrv_queue(b->d, q);
	le32 pfns[VBALLOON_REQ_PFNS];
	struct vq_buf out;
	uint32_t k;

	if (!vq)
		return -1;
	for (k = 0; k < r->n; k++)
		pfns[k] = cpu_to_le32(page_pfn(b, r->page[k]));
	out = (struct vq_buf){ r->area, r->n * VIRTIO_BALLOON_PFN_SIZE };
	if (gm_write(vdrv_mem(b->d), out.gpa, pfns, out.len) != 0)
		return -1;
	if (vq_drv_add(vq, &out, 1, NULL, 0, r, false) < 0)
		return -1;
	r->busy = true;
	vdrv_kick(b->d, q);
	return 0;
}

static void inflate_done(struct vballoon_drv *b)
{
	uint32_t k;

	for (k = 0; k < b->infl.n; k++) {
		uint32_t i = b->infl.page[k];

		b->state[i] = VB_INFLATED;
		/* without MUST_TELL_HOST the device may change the page only
		 * until now: remember what it holds */
		if (!b->tell_host)
			b->sum[i] = page_sum(b, i);
	}
	b->actual += b->infl.n;
	b->stats.pages_inflated += b->infl.n;
	b->infl.busy = false;
	write_actual(b);
}

static void deflate_done(struct vballoon_drv *b)
{
	uint32_t k, changed = 0, first = 0;

	for (k = 0; k < b->defl.n; k++) {
		uint32_t i = b->defl.page[k];

		/* devicenormative: Device Operation -- without MUST_TELL_HOST
		 * a page in the balloon changes only before its inflate is
		 * acknowledged */
		if (!b->tell_host && page_sum(b, i) != b->sum[i]) {
			if (!changed)
				first = page_pfn(b, i);
			changed++;
		}
		refill(b, i);
		b->state[i] = VB_FREE;
		b->origin[i] = VB_ORIGIN_DEFLATE;
	}
	if (changed)
		device_wrong(b, b->q_deflate, CL_DEV_BALLOON_OP,
			     "%u page(s) of the balloon (first PFN 0x%x) changed after the inflate was "
			     "acknowledged, without MUST_TELL_HOST", changed, first);
	b->actual -= b->defl.n;
	b->stats.pages_deflated += b->defl.n;
	b->defl.busy = false;
	write_actual(b);
}

static void report_done(struct vballoon_drv *b)
{
	uint32_t k, changed = 0, first = 0;

	for (k = 0; k < b->rep.n; k++) {
		uint32_t i = b->rep.page[k];

		/* devicenormative: Free Page Reporting -- with PAGE_POISON a
		 * reported page changes to poison_val or not at all */
		if (b->poison && !page_intact(b, i)) {
			if (!changed)
				first = page_pfn(b, i);
			changed++;
		}
		/* drivernormative: Free Page Reporting -- without PAGE_POISON
		 * reported pages are uninitialized: initialize them */
		if (!b->poison || !page_intact(b, i))
			refill(b, i);
		b->state[i] = VB_FREE;
		b->origin[i] = VB_ORIGIN_REPORT;
	}
	if (changed)
		device_wrong(b, b->q_report, CL_DEV_BALLOON_REPORT,
			     "%u reported page(s) (first PFN 0x%x) hold something other than "
			     "poison_val", changed, first);
	b->stats.pages_reported += b->rep.n;
	b->rep.busy = false;
}

/* --------------------------------------------------------------- statsq */

static int post_stats(struct vballoon_drv *b)
{
	vq_drv_t *vq = b->q_stats == VBALLOON_NO_QUEUE ? NULL : vdrv_queue(b->d, b->q_stats);
	uint8_t buf[VBALLOON_STATS_N * VIRTIO_BALLOON_STAT_SIZE];
	struct vq_buf out;
	uint16_t t, k = 0;

	if (!vq || b->stats_posted)
		return -1;
	/* drivernormative: Memory Statistics -- initialized, one entry per
	 * supported statistic, the same ones every time, a multiple of 6
	 * bytes (nine 10-byte entries: 90) */
	for (t = 0; t < VIRTIO_BALLOON_S_NR; t++) {
		le16 tag = cpu_to_le16(t);
		le64 val = cpu_to_le64(b->stat_val[t]);

		if (!(VBALLOON_STATS_MASK & (1u << t)))
			continue;
		memcpy(buf + k * VIRTIO_BALLOON_STAT_SIZE, &tag, sizeof(tag));
		memcpy(buf + k * VIRTIO_BALLOON_STAT_SIZE + sizeof(tag), &val, sizeof(val));
		k++;
	}
	out = (struct vq_buf){ b->stats_area, (uint32_t)k * VIRTIO_BALLOON_STAT_SIZE };
	if (gm_write(vdrv_mem(b->d), out.gpa, buf, out.len) != 0)
		return -1;
	/* at most one buffer available: stats_posted guards it */
	if (vq_drv_add(vq, &out, 1, NULL, 0, &b->stats_posted, false) < 0)
		return -1;
	b->stats_posted = true;
	b->stats.stats_sent++;
	vdrv_kick(b->d, b->q_stats);
	return 0;
}

/* ---------------------------------------------------- free page hinting */

static int send_cmd(struct vballoon_drv *b, uint32_t id)
{
	vq_drv_t *vq = b->q_hint == VBALLOON_NO_QUEUE ? NULL : vdrv_queue(b->d, b->q_hint);
	struct vq_buf out;
	le32 raw = cpu_to_le32(id);
	unsigned s;

	if (!vq)
		return -1;
	for (s = 0; s < VBALLOON_CMD_SLOTS && b->cmd_busy[s]; s++)
		;
	if (s == VBALLOON_CMD_SLOTS)
		return -1;
	/* drivernormative: Free Page Hinting -- output buffers of 4 bytes */
	out = (struct vq_buf){ b->cmd_area + s * VIRTIO_BALLOON_CMD_ID_SIZE,
			       VIRTIO_BALLOON_CMD_ID_SIZE };
	if (gm_write(vdrv_mem(b->d), out.gpa, &raw, sizeof(raw)) != 0 ||
	    vq_drv_add(vq, &out, 1, NULL, 0, &b->cmd_busy[s], false) < 0)
		return -1;
	b->cmd_busy[s] = true;
	b->cmd_val[s] = id;
	vdrv_kick(b->d, b->q_hint);
	return 0;
}

static bool id_open(const struct vballoon_drv *b, uint32_t id)
{
	uint32_t k;

	for (k = 0; k < b->n_open; k++)
		if (b->open_ids[k] == id)
			return true;
	return false;
}

int vballoon_drv_hint_stop(struct vballoon_drv *b)
{
	if (!b->d || b->q_hint == VBALLOON_NO_QUEUE)
		return -1;
	if (send_cmd(b, VIRTIO_BALLOON_CMD_ID_STOP) != 0)
		return -1;
	/* the device may have it from now on: an ID it issues again is no
	 * longer a reuse the driver can blame it for */
	b->n_open = 0;
	b->stats.hint_stops++;
	return 0;
}

/* A new command ID: start hinting with it. */
static void hint_round(struct vballoon_drv *b, uint32_t id)
{
	vq_drv_t *vq = vdrv_queue(b->d, b->q_hint);
	uint16_t pages[VBALLOON_HINT_AUTO];
	int n, k;

	/* devicenormative: Free Page Hinting -- no command ID again before
	 * the driver's STOP reached the device */
	if (id_open(b, id)) {
		device_wrong(b, b->q_hint, CL_DEV_BALLOON_HINT,
			     "command ID %u reused before the driver sent STOP", id);
		b->hint_cur = id; /* one output buffer per ID: no second one */
		return;
	}
	/* too many rounds open: close them first */
	if (b->n_open == VBALLOON_HINT_IDS && vballoon_drv_hint_stop(b) != 0)
		return;
	/* drivernormative: Free Page Hinting -- start with an output buffer
	 * holding the current command ID, only one per ID */
	if (send_cmd(b, id) != 0)
		return;
	b->hint_cur = id;
	b->open_ids[b->n_open++] = id;
	b->stats.hint_cmds++;
	n = pick_free(b, VBALLOON_HINT_AUTO, pages);
	for (k = 0; k < n && vq; k++) {
		struct vq_buf in = { page_gpa(b, pages[k]), VB_PAGE };

		if (vq_drv_add(vq, NULL, 0, &in, 1, &b->hint_token, false) < 0)
			break;
		b->state[pages[k]] = VB_HINTED;
		b->stats.pages_hinted++;
	}
	if (k)
		vdrv_kick(b->d, b->q_hint);
	/* drivernormative: Free Page Hinting -- unable to supply pages:
	 * complete with STOP */
	if (n == 0)
		vballoon_drv_hint_stop(b);
}

/* DONE: the hinted pages are the driver's again, contents undefined. */
static void hint_release(struct vballoon_drv *b)
{
	uint32_t i;

	for (i = 0; i < VBALLOON_POOL_PAGES; i++) {
		if (b->state[i] != VB_HINTED)
			continue;
		/* drivernormative: Free Page Hinting -- treat as uninitialized */
		refill(b, i);
		b->state[i] = VB_FREE;
		b->origin[i] = VB_ORIGIN_HINT;
	}
}

/* ------------------------------------------------------------------ poll */

static bool dead(struct vballoon_drv *b)
{
	return vdrv_broken(b->d) || (vdrv_status(b->d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static int reap(struct vballoon_drv *b, uint16_t q)
{
	vq_drv_t *vq = q == VBALLOON_NO_QUEUE ? NULL : vdrv_queue(b->d, q);
	int progress = 0;
	uint32_t len;
	void *tok;
	unsigned s;

	if (!vq)
		return 0;
	while (vq_drv_get(vq, &tok, &len) == 1) {
		progress = 1;
		if (tok == &b->raw_token) {
			b->stats.raw_used++;
		} else if (tok == &b->infl && b->infl.busy) {
			inflate_done(b);
		} else if (tok == &b->defl && b->defl.busy) {
			deflate_done(b);
		} else if (tok == &b->rep && b->rep.busy) {
			report_done(b);
		} else if (tok == &b->stats_posted) {
			/* the device asks for statistics: a fresh buffer */
			b->stats_posted = false;
			b->stats.stats_requests++;
			post_stats(b);
		} else if (tok == &b->hint_token) {
			/* hint pages stay hinted until DONE */
		} else {
			for (s = 0; s < VBALLOON_CMD_SLOTS; s++)
				if (tok == &b->cmd_busy[s])
					b->cmd_busy[s] = false;
		}
	}
	return progress;
}

static void config_reread(struct vballoon_drv *b)
{
	uint64_t seen = vdrv_irq_stats(b->d)->config;
	struct vballoon_config cfg;
	uint32_t id;

	if (seen == b->config_irqs_seen)
		return;
	b->config_irqs_seen = seen;
	if (vdrv_config_read(b->d, 0, &cfg, sizeof(cfg)) != 0)
		return;
	b->stats.config_changes++;
	b->num_pages = le32_to_cpu(cfg.num_pages);
	if (b->q_hint == VBALLOON_NO_QUEUE)
		return;
	id = le32_to_cpu(cfg.free_page_hint_cmd_id);
	if (id == b->cmd_id)
		return;
	b->cmd_id = id;
	if (id == VIRTIO_BALLOON_CMD_ID_DONE) {
		b->stats.hint_done++;
		hint_release(b);
	} else if (id >= 2) {
		hint_round(b, id);
	}
	/* STOP: stop hinting, keep the hinted pages */
}

int vballoon_drv_poll(struct vballoon_drv *b)
{
	unsigned round;

	if (!b->d || dead(b))
		return -1;
	for (round = 0; round < VB_POLL_ROUNDS; round++) {
		int progress = 0;

		progress |= reap(b, b->q_inflate);
		progress |= reap(b, b->q_deflate);
		progress |= reap(b, b->q_stats);
		progress |= reap(b, b->q_hint);
		progress |= reap(b, b->q_report);
		/* after the reaps: a STOP the device used counts first */
		config_reread(b);
		if (!progress)
			break;
	}
	return dead(b) ? -1 : 0;
}

/* Poll until r is no longer busy (bounded). */
static void wait_req(struct vballoon_drv *b, const struct vballoon_req *r)
{
	unsigned k;

	for (k = 0; k < VB_WAIT_ROUNDS && r->busy; k++)
		if (vballoon_drv_poll(b) != 0)
			break;
}

long vballoon_drv_inflate(struct vballoon_drv *b, uint32_t n)
{
	int got;
	uint32_t k;

	if (!b->d || n == 0 || n > VBALLOON_REQ_PFNS || vballoon_drv_poll(b) != 0 || b->infl.busy)
		return -1;
	got = pick_free(b, n, b->infl.page);
	if (got == 0)
		return -1;
	b->infl.n = (uint32_t)got;
	/* drivernormative: Device Operation -- not touched from here until
	 * the device used the request */
	for (k = 0; k < b->infl.n; k++)
		b->state[b->infl.page[k]] = VB_INFLATING;
	if (submit_pfns(b, b->q_inflate, &b->infl) != 0) {
		for (k = 0; k < b->infl.n; k++)
			b->state[b->infl.page[k]] = VB_FREE;
		return -1;
	}
	b->stats.inflate_reqs++;
	wait_req(b, &b->infl);
	return got;
}

long vballoon_drv_deflate(struct vballoon_drv *b, uint32_t n, bool oom)
{
	uint32_t i, k = 0, allowed;

	if (!b->d || n == 0 || n > VBALLOON_REQ_PFNS || vballoon_drv_poll(b) != 0 || b->defl.busy)
		return -1;
	/* drivernormative: Device Operation -- without DEFLATE_ON_OOM, no
	 * page from the balloon while num_pages >= actual */
	if (oom) {
		if (!b->oom)
			return -1;
		allowed = b->actual;
	} else {
		allowed = b->actual > b->num_pages ? b->actual - b->num_pages : 0;
	}
	if (n > allowed)
		n = allowed;
	if (n == 0)
		return -1;
	/* drivernormative: Device Operation -- only pages whose inflate was
	 * acknowledged */
	for (i = 0; i < VBALLOON_POOL_PAGES && k < n; i++)
		if (b->state[i] == VB_INFLATED)
			b->defl.page[k++] = (uint16_t)i;
	if (k == 0)
		return -1;
	b->defl.n = k;
	for (i = 0; i < k; i++)
		b->state[b->defl.page[i]] = VB_DEFLATING;
	if (submit_pfns(b, b->q_deflate, &b->defl) != 0) {
		for (i = 0; i < k; i++)
			b->state[b->defl.page[i]] = VB_INFLATED;
		return -1;
	}
	b->stats.deflate_reqs++;
	/* drivernormative: Device Operation -- with MUST_TELL_HOST the pages
	 * are used only after the acknowledgement; this driver waits for it
	 * in either case */
	wait_req(b, &b->defl);
	return k;
}

long vballoon_drv_balance(struct vballoon_drv *b)
{
	unsigned k;

	if (!b->d || vballoon_drv_poll(b) != 0)
		return -1;
	for (k = 0; k < VBALLOON_POOL_PAGES / VBALLOON_REQ_PFNS + 2; k++) {
		long r = 0;

		if (b->num_pages > b->actual) {
			uint32_t want = b->num_pages - b->actual;

			if (want > VBALLOON_REQ_PFNS)
				want = VBALLOON_REQ_PFNS;
			if (vballoon_drv_count(b, VB_FREE) == 0)
				break;
			r = vballoon_drv_inflate(b, want);
		} else if (b->num_pages < b->actual) {
			uint32_t want = b->actual - b->num_pages;

			r = vballoon_drv_deflate(b, want > VBALLOON_REQ_PFNS ? VBALLOON_REQ_PFNS : want,
						 false);
		} else {
			break;
		}
		if (r <= 0)
			return dead(b) ? -1 : (long)b->actual;
	}
	return (long)b->actual;
}

long vballoon_drv_report(struct vballoon_drv *b, uint32_t n)
{
	vq_drv_t *vq;
	struct vq_buf in[VBALLOON_REPORT_MAX];
	int got;
	uint32_t k;

	if (!b->d || b->q_report == VBALLOON_NO_QUEUE || n == 0 || n > VBALLOON_REPORT_MAX ||
	    vballoon_drv_poll(b) != 0 || b->rep.busy)
		return -1;
	vq = vdrv_queue(b->d, b->q_report);
	got = pick_free(b, n, b->rep.page);
	if (!vq || got == 0)
		return -1;
	b->rep.n = (uint32_t)got;
	for (k = 0; k < b->rep.n; k++) {
		/* drivernormative: Free Page Reporting -- with PAGE_POISON
		 * each page holds poison_val when reported */
		if (b->poison && refill(b, b->rep.page[k]) != 0)
			return -1;
		in[k] = (struct vq_buf){ page_gpa(b, b->rep.page[k]), VB_PAGE };
	}
	if (vq_drv_add(vq, NULL, 0, in, b->rep.n, &b->rep, false) < 0)
		return -1;
	/* drivernormative: Free Page Reporting -- not used until the report
	 * is acknowledged */
	for (k = 0; k < b->rep.n; k++)
		b->state[b->rep.page[k]] = VB_REPORTING;
	b->rep.busy = true;
	b->stats.report_reqs++;
	vdrv_kick(b->d, b->q_report);
	wait_req(b, &b->rep);
	return got;
}

int vballoon_drv_set_stat(struct vballoon_drv *b, uint16_t tag, uint64_t val)
{
	if (tag >= VIRTIO_BALLOON_S_NR || !(VBALLOON_STATS_MASK & (1u << tag)))
		return -1;
	b->stat_val[tag] = val;
	return 0;
}

long vballoon_drv_check_pages(struct vballoon_drv *b)
{
	static const char *const clause_of[] = {
		[VB_ORIGIN_POOL] = CL_DEV_BALLOON_OP,
		[VB_ORIGIN_DEFLATE] = CL_DEV_BALLOON_OP,
		[VB_ORIGIN_REPORT] = CL_DEV_BALLOON_REPORT,
		[VB_ORIGIN_HINT] = CL_DEV_BALLOON_HINT,
	};
	uint32_t i;
	long bad = 0;

	if (!b->d)
		return -1;
	vballoon_drv_poll(b);
	for (i = 0; i < VBALLOON_POOL_PAGES; i++) {
		if (b->state[i] != VB_FREE)
			continue;
		b->stats.pages_checked++;
		if (page_intact(b, i))
			continue;
		bad++;
		device_wrong(b, VC_NO_QUEUE, clause_of[b->origin[i] & 3],
			     "free page PFN 0x%x changed while the driver owned it (the device "
			     "gave it back %s)", page_pfn(b, i),
			     b->origin[i] == VB_ORIGIN_HINT ? "with DONE" :
			     b->origin[i] == VB_ORIGIN_REPORT ? "by using a report" :
			     b->origin[i] == VB_ORIGIN_DEFLATE ? "by using a deflate" : "never");
		refill(b, i);
	}
	return bad;
}

uint64_t vballoon_drv_page_gpa(const struct vballoon_drv *b, uint32_t i)
{
	return i < VBALLOON_POOL_PAGES && b->pool ? page_gpa(b, i) : 0;
}

uint32_t vballoon_drv_count(const struct vballoon_drv *b, enum vballoon_page_state s)
{
	uint32_t i, n = 0;

	for (i = 0; i < VBALLOON_POOL_PAGES; i++)
		n += b->state[i] == s;
	return n;
}

int vballoon_drv_submit_raw(struct vballoon_drv *b, uint16_t q, const struct vq_buf *out,
			    unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect)
{
	vq_drv_t *vq = b->d ? vdrv_queue(b->d, q) : NULL;
	int head;

	if (!vq)
		return -1;
	head = vq_drv_add(vq, out, n_out, in, n_in, &b->raw_token, indirect);
	if (head >= 0)
		vdrv_kick(b->d, q);
	return head;
}

int vballoon_drv_submit_bytes(struct vballoon_drv *b, uint16_t q, const void *bytes, size_t len)
{
	struct vq_buf out;

	if (!b->d || !bytes || len == 0 || len > VBALLOON_RAW_MAX)
		return -1;
	out = (struct vq_buf){ b->raw_area, (uint32_t)len };
	if (gm_write(vdrv_mem(b->d), out.gpa, bytes, len) != 0)
		return -1;
	return vballoon_drv_submit_raw(b, q, &out, 1, NULL, 0, false);
}

/* ---------------------------------------------------------------- attach */

int vballoon_drv_attach(struct vballoon_drv *b, vdrv_t *d)
{
	struct vballoon_config cfg;
	uint32_t i;

	memset(b, 0, sizeof(*b));
	b->d = d;
	b->features = vdrv_features(d);
	b->tell_host = b->features & VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST);
	b->poison = b->features & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON);
	b->oom = b->features & VIRTIO_BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	b->q_inflate = VIRTIO_BALLOON_Q_INFLATE;
	b->q_deflate = VIRTIO_BALLOON_Q_DEFLATE;
	b->q_stats = b->q_hint = b->q_report = VBALLOON_NO_QUEUE;
	if (queue_exists(b->features, VIRTIO_BALLOON_Q_STATS))
		b->q_stats = VIRTIO_BALLOON_Q_STATS;
	if (queue_exists(b->features, VIRTIO_BALLOON_Q_FREE_PAGE))
		b->q_hint = VIRTIO_BALLOON_Q_FREE_PAGE;
	if (queue_exists(b->features, VIRTIO_BALLOON_Q_REPORTING))
		b->q_report = VIRTIO_BALLOON_Q_REPORTING;
	b->poison_val = VBALLOON_POISON;
	b->config_irqs_seen = vdrv_irq_stats(d)->config;
	if (vdrv_config_read(d, 0, &cfg, sizeof(cfg)) != 0)
		return -1;
	b->num_pages = le32_to_cpu(cfg.num_pages);
	if (b->poison)
		b->poison_val = le32_to_cpu(cfg.poison_val);
	if (!vdrv_queue(d, b->q_inflate) || !vdrv_queue(d, b->q_deflate) ||
	    (b->q_stats != VBALLOON_NO_QUEUE && !vdrv_queue(d, b->q_stats)) ||
	    (b->q_hint != VBALLOON_NO_QUEUE && !vdrv_queue(d, b->q_hint)) ||
	    (b->q_report != VBALLOON_NO_QUEUE && !vdrv_queue(d, b->q_report)))
		return -1;
	b->pool = vdrv_alloc(d, (uint64_t)VBALLOON_POOL_PAGES * VB_PAGE, VB_PAGE);
	b->infl.area = vdrv_alloc(d, VBALLOON_REQ_PFNS * VIRTIO_BALLOON_PFN_SIZE, 64);
	b->defl.area = vdrv_alloc(d, VBALLOON_REQ_PFNS * VIRTIO_BALLOON_PFN_SIZE, 64);
	b->stats_area = vdrv_alloc(d, VBALLOON_STATS_N * VIRTIO_BALLOON_STAT_SIZE, 64);
	b->cmd_area = vdrv_alloc(d, VBALLOON_CMD_SLOTS * VIRTIO_BALLOON_CMD_ID_SIZE, 64);
	b->raw_area = vdrv_alloc(d, VBALLOON_RAW_MAX, 64);
	if (!b->pool || !b->infl.area || !b->defl.area || !b->stats_area || !b->cmd_area ||
	    !b->raw_area || (b->pool >> VIRTIO_BALLOON_PFN_SHIFT) + VBALLOON_POOL_PAGES > UINT32_MAX)
		return -1;
	for (i = 0; i < VBALLOON_POOL_PAGES; i++)
		if (refill(b, i) != 0)
			return -1;
	/* drivernormative: Memory Statistics -- an output buffer after
	 * initialization */
	if (b->q_stats != VBALLOON_NO_QUEUE && post_stats(b) != 0)
		return -1;
	/* a command ID already current: hint now */
	if (b->q_hint != VBALLOON_NO_QUEUE) {
		uint32_t id = le32_to_cpu(cfg.free_page_hint_cmd_id);

		b->cmd_id = id;
		if (id >= 2)
			hint_round(b, id);
	}
	return vballoon_drv_poll(b);
}

void vballoon_drv_detach(struct vballoon_drv *b)
{
	b->d = NULL;
}
