// SPDX-License-Identifier: Apache-2.0
/*
 * The balloon device in the model executor: the balloon_* steps drive the
 * reference balloon driver (balloon_drv.h), raw buffers of a misbehaving
 * driver, and the device's host end (balloon.h); the "balloon" expectation
 * reads both sides' state. docs/spec-case-format.md, "balloon steps", is
 * the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon.h"
#include "balloon_drv.h"
#include "devices.h"
#include "virtiocheck/le.h"

#include "case_balloon.h"
#include "exec_priv.h"

struct bal_x {
	struct vballoon_drv drv;
	bool attached;
	char raw_token;
};

static void *bdev(struct xstate *x)
{
	return vdev_device(x->pair.core);
}

static struct bal_x *bx(struct xstate *x)
{
	if (!x->balloon_x)
		x->balloon_x = calloc(1, sizeof(struct bal_x));
	return x->balloon_x;
}

void exec_balloon_detach(struct xstate *x)
{
	struct bal_x *b = x->balloon_x;

	if (b && b->attached)
		vballoon_drv_detach(&b->drv);
	free(b);
	x->balloon_x = NULL;
}

static int ensure_bal(struct xstate *x, struct bal_x **out)
{
	struct bal_x *b = bx(x);

	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	*out = b;
	if (b->attached)
		return 0;
	if (vballoon_drv_attach(&b->drv, x->pair.drv) != 0) {
		vballoon_drv_detach(&b->drv);
		return xfail(x, V_FAIL, NULL, "the balloon driver could not attach (status 0x%02x)",
			     vdrv_status(x->pair.drv));
	}
	b->attached = true;
	xtrace(x, "  balloon driver attached: features 0x%llx, num_pages %u",
	       (unsigned long long)b->drv.features, b->drv.num_pages);
	return 0;
}

static int outcome(struct xstate *x, const struct step_balloon *s, const char *what, bool ok)
{
	xtrace(x, "  %s -> %s", what, ok ? "ok" : "failed");
	if (ok == s->expect_fail)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", what,
			     s->expect_fail ? "failure" : "success", ok ? "success" : "failure");
	return 0;
}

/* A count-returning operation: r < 0 is a failure; count checks r. */
static int counted(struct xstate *x, const struct step_balloon *s, const char *what, long r)
{
	char cb[64];

	if (outcome(x, s, what, r >= 0))
		return -1;
	if (r >= 0 && s->has_count && !xcmp_ok(&s->count, (uint64_t)r)) {
		xcmp_str(&s->count, cb, sizeof(cb));
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %ld", what, cb, r);
	}
	return 0;
}

static int seg_bufs(struct xstate *x, const struct case_seg *g, unsigned n, struct vq_buf *out,
		    bool writable)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct named *nb = xbuf_find(x, g[i].buf);

		if (!nb)
			return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", g[i].buf);
		out[i] = (struct vq_buf){ nb->gpa + g[i].offset, g[i].len };
		if (writable)
			nb->posted_writable = true;
	}
	return 0;
}

#define BAL_RAW_NAME "balloon.raw"
#define BAL_RAW_SIZE (BAL_CASE_REPEAT * 4u + 16u)

/* Post a chain on queue q through the driver core (the balloon driver
 * need not be attached) and notify; an attached balloon driver reaps. */
static int post_raw(struct xstate *x, const struct step_balloon *s, uint16_t q,
		    const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		    unsigned n_in, bool indirect, const char *what)
{
	vq_drv_t *vq = vdrv_queue(x->pair.drv, q);
	struct bal_x *b = bx(x);
	int head = -1;

	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (vq)
		head = vq_drv_add(vq, out, n_out, in, n_in, &b->raw_token, indirect);
	if (head >= 0)
		vdrv_kick(x->pair.drv, q);
	xtrace(x, "  %s q%u: %u out, %u in%s -> head %d", what, q, n_out, n_in,
	       indirect ? ", indirect" : "", head);
	if (outcome(x, s, what, head >= 0))
		return -1;
	if (b->attached)
		vballoon_drv_poll(&b->drv);
	return 0;
}

/* Bytes into the scratch buffer, posted as one device-readable buffer. */
static int submit_bytes(struct xstate *x, const struct step_balloon *s, uint16_t q,
			const void *bytes, size_t len, const char *what)
{
	struct named *nb = xbuf_find(x, BAL_RAW_NAME);
	struct vq_buf out;

	if (!nb && !(nb = xbuf_new(x, BAL_RAW_NAME, BAL_RAW_SIZE, 0, 64, -1)))
		return -1;
	if (len > nb->size || gm_write(x->pair.drv_mem, nb->gpa, bytes, len) != 0)
		return xfail(x, V_ERROR, NULL, "case error: %zu bytes do not fit the scratch buffer",
			     len);
	out = (struct vq_buf){ nb->gpa, (uint32_t)len };
	return post_raw(x, s, q, &out, 1, NULL, 0, false, what);
}

static int do_pfns(struct xstate *x, struct bal_x *b, const struct step_balloon *s)
{
	size_t n = (size_t)s->n_pfns * s->repeat, len = n * 4 + s->tail, k;
	uint8_t *raw;
	int rc;

	for (k = 0; k < s->n_pfns; k++)
		if (s->pfns[k].pool && ensure_bal(x, &b))
			return -1;
	raw = calloc(1, len);
	if (!raw)
		return xfail(x, V_ERROR, NULL, "out of memory");
	for (k = 0; k < n; k++) {
		const struct balloon_pfn *p = &s->pfns[k % s->n_pfns];
		uint32_t pfn = p->pool ? (uint32_t)(vballoon_drv_page_gpa(&b->drv, p->value) >>
						   VIRTIO_BALLOON_PFN_SHIFT)
				       : p->value;

		wr32(raw + 4 * k, pfn);
	}
	rc = submit_bytes(x, s, s->has_queue ? s->queue : VIRTIO_BALLOON_Q_INFLATE, raw, len,
			  "balloon_pfns");
	free(raw);
	return rc;
}

static int do_stats_buffer(struct xstate *x, const struct step_balloon *s)
{
	uint8_t raw[BAL_CASE_STATS * VIRTIO_BALLOON_STAT_SIZE + 16] = { 0 };
	size_t len = (size_t)s->n_stats * VIRTIO_BALLOON_STAT_SIZE + s->tail;
	unsigned k;

	for (k = 0; k < s->n_stats; k++) {
		le64 v = cpu_to_le64(s->stats[k].val);

		wr16(raw + k * VIRTIO_BALLOON_STAT_SIZE, s->stats[k].tag);
		memcpy(raw + k * VIRTIO_BALLOON_STAT_SIZE + 2, &v, sizeof(v));
	}
	return submit_bytes(x, s, s->has_queue ? s->queue : VIRTIO_BALLOON_Q_STATS, raw, len,
			    "balloon_stats_buffer");
}

static int do_cmd(struct xstate *x, const struct step_balloon *s)
{
	uint8_t raw[64] = { 0 };

	wr32(raw, s->id);
	return submit_bytes(x, s, s->has_queue ? s->queue : VIRTIO_BALLOON_Q_FREE_PAGE, raw,
			    s->len, "balloon_cmd");
}

static int do_submit(struct xstate *x, const struct step_balloon *s)
{
	struct vq_buf out[BAL_CASE_SEGS], in[BAL_CASE_SEGS];

	if (seg_bufs(x, s->out, s->n_out, out, false) || seg_bufs(x, s->in, s->n_in, in, true))
		return -1;
	return post_raw(x, s, s->queue, out, s->n_out, in, s->n_in, s->indirect, "balloon_submit");
}

static int do_page_write(struct xstate *x, struct bal_x *b, const struct step_balloon *s)
{
	uint8_t v = (uint8_t)s->value;
	uint64_t gpa = vballoon_drv_page_gpa(&b->drv, s->pages);

	if (!gpa || gm_write(x->pair.drv_mem, gpa + s->offset, &v, 1) != 0)
		return xfail(x, V_ERROR, NULL, "case error: pool page %u is not in guest memory",
			     s->pages);
	xtrace(x, "  balloon_page_write page %u (gpa 0x%llx) +%u = 0x%02x", s->pages,
	       (unsigned long long)gpa, s->offset, v);
	return 0;
}

static int driver_step(struct xstate *x, const struct step_balloon *s)
{
	struct bal_x *b = bx(x);
	bool ok;

	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (s->op == BO_ATTACH) {
		if (b->attached)
			return xfail(x, V_ERROR, NULL, "case error: the balloon driver is attached already");
		ok = vballoon_drv_attach(&b->drv, x->pair.drv) == 0;
		if (ok)
			b->attached = true;
		else
			vballoon_drv_detach(&b->drv);
		return outcome(x, s, "balloon_attach", ok);
	}
	switch (s->op) {
	case BO_SUBMIT:
		return do_submit(x, s);
	case BO_PFNS:
		return do_pfns(x, b, s);
	case BO_STATS_BUFFER:
		return do_stats_buffer(x, s);
	case BO_CMD:
		return do_cmd(x, s);
	default:
		break;
	}
	if (ensure_bal(x, &b))
		return -1;
	switch (s->op) {
	case BO_POLL:
		return outcome(x, s, "balloon_poll", vballoon_drv_poll(&b->drv) == 0);
	case BO_INFLATE:
		return counted(x, s, "balloon_inflate", vballoon_drv_inflate(&b->drv, s->pages));
	case BO_DEFLATE:
		return counted(x, s, "balloon_deflate",
			       vballoon_drv_deflate(&b->drv, s->pages, s->oom));
	case BO_BALANCE:
		return counted(x, s, "balloon_balance", vballoon_drv_balance(&b->drv));
	case BO_REPORT:
		return counted(x, s, "balloon_report", vballoon_drv_report(&b->drv, s->pages));
	case BO_HINT_STOP:
		return outcome(x, s, "balloon_hint_stop", vballoon_drv_hint_stop(&b->drv) == 0);
	case BO_SET_STAT:
		return outcome(x, s, "balloon_set_stat",
			       vballoon_drv_set_stat(&b->drv, s->tag, s->value) == 0);
	case BO_CHECK_PAGES:
		return counted(x, s, "balloon_check_pages", vballoon_drv_check_pages(&b->drv));
	case BO_PAGE_WRITE:
		return do_page_write(x, b, s);
	default:
		return xfail(x, V_ERROR, NULL, "unhandled balloon step");
	}
}

static int device_step(struct xstate *x, const struct step_balloon *s)
{
	void *d = bdev(x);
	struct bal_x *b = x->balloon_x;
	int rc;

	switch (s->op) {
	case BO_SET_NUM_PAGES:
		rc = vc_balloon_set_num_pages(d, (uint32_t)s->value);
		xtrace(x, "  balloon_set_num_pages %llu -> %d", (unsigned long long)s->value, rc);
		if (rc != 0)
			return xfail(x, V_ERROR, NULL, "balloon_set_num_pages failed");
		break;
	case BO_REQUEST_STATS:
		if (outcome(x, s, "balloon_request_stats", vc_balloon_request_stats(d) == 0))
			return -1;
		break;
	case BO_HINT_CMD:
		if (outcome(x, s, "balloon_hint_cmd", vc_balloon_set_hint_cmd_id(d, s->id) == 0))
			return -1;
		break;
	case BO_AUDIT:
		return counted(x, s, "balloon_audit", vc_balloon_audit(d));
	default:
		return xfail(x, V_ERROR, NULL, "unhandled balloon step");
	}
	/* an attached driver sees the change at once */
	if (b && b->attached)
		vballoon_drv_poll(&b->drv);
	return 0;
}

int exec_balloon_step(struct xstate *x, const struct case_step *s)
{
	const struct step_balloon *b = s->u.balloon;

	if (!bdev(x) || x->dev->ops != &vc_balloon_device_ops)
		return xfail(x, V_ERROR, NULL, "case error: balloon steps need device: balloon");
	if (b->op >= BO_SET_NUM_PAGES)
		return device_step(x, b);
	return driver_step(x, b);
}

/* ------------------------------------------------------- expectations */

static const char *const dev_counter_names[] = {
	"inflate_reqs", "deflate_reqs", "pages_inflated", "pages_deflated", "pages_released",
	"pfn_outside", "pfn_dup_inflate", "pfn_not_inflated", "pfn_untracked", "pfn_ignored",
	"trailing_bytes", "writable_ignored", "deflate_over_target", "pages_modified",
	"stats_buffers", "stats_entries", "stats_unknown_tags", "stats_partial", "stats_requests",
	"hint_cmd_bufs", "hint_stale_cmd", "hint_stops", "hint_pages", "hint_ignored",
	"report_reqs", "report_pages", "actual_writes", "ro_writes", "ignored_notifies",
};

static const char *const drv_counter_names[] = {
	"inflate_reqs", "deflate_reqs", "report_reqs", "pages_inflated", "pages_deflated",
	"pages_reported", "pages_hinted", "stats_sent", "stats_requests", "hint_cmds",
	"hint_stops", "hint_done", "raw_used", "config_changes",
};

static int counter_value(struct xstate *x, unsigned which, uint64_t *v, char *name, size_t n)
{
	const struct vc_balloon_stats *d = vc_balloon_stats(bdev(x));
	struct bal_x *b = x->balloon_x;
	const struct vballoon_stats *r;

	if (which < BC_DRV_FIRST) {
		const uint64_t vals[] = {
			d->inflate_reqs, d->deflate_reqs, d->pages_inflated, d->pages_deflated,
			d->pages_released, d->pfn_outside, d->pfn_dup_inflate, d->pfn_not_inflated,
			d->pfn_untracked, d->pfn_ignored, d->trailing_bytes, d->writable_ignored,
			d->deflate_over_target, d->pages_modified, d->stats_buffers, d->stats_entries,
			d->stats_unknown_tags, d->stats_partial, d->stats_requests, d->hint_cmd_bufs,
			d->hint_stale_cmd, d->hint_stops, d->hint_pages, d->hint_ignored,
			d->report_reqs, d->report_pages, d->actual_writes, d->ro_writes,
			d->ignored_notifies,
		};

		_Static_assert(sizeof(vals) / sizeof(vals[0]) ==
				       sizeof(dev_counter_names) / sizeof(dev_counter_names[0]),
			       "device counters");
		if (which >= sizeof(vals) / sizeof(vals[0]))
			return -1;
		snprintf(name, n, "device %s", dev_counter_names[which]);
		*v = vals[which];
		return 0;
	}
	which -= BC_DRV_FIRST;
	if (which >= sizeof(drv_counter_names) / sizeof(drv_counter_names[0]))
		return -1;
	snprintf(name, n, "driver %s", drv_counter_names[which]);
	if (!b || !b->attached)
		return -1;
	r = &b->drv.stats;
	{
		const uint64_t vals[] = {
			r->inflate_reqs, r->deflate_reqs, r->report_reqs, r->pages_inflated,
			r->pages_deflated, r->pages_reported, r->pages_hinted, r->stats_sent,
			r->stats_requests, r->hint_cmds, r->hint_stops, r->hint_done, r->raw_used,
			r->config_changes,
		};

		_Static_assert(sizeof(vals) / sizeof(vals[0]) ==
				       sizeof(drv_counter_names) / sizeof(drv_counter_names[0]),
			       "driver counters");
		*v = vals[which];
	}
	return 0;
}

static int check_cmp(struct xstate *x, const char *what, const struct case_cmp *c, uint64_t v)
{
	char cb[64];

	if (xcmp_ok(c, v))
		return 0;
	xcmp_str(c, cb, sizeof(cb));
	return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %llu", what, cb,
		     (unsigned long long)v);
}

static struct bal_x *attached(struct xstate *x)
{
	struct bal_x *b = x->balloon_x;

	if (!b || !b->attached) {
		xfail(x, V_ERROR, NULL, "case error: the balloon driver is not attached");
		return NULL;
	}
	return b;
}

static int check_page(struct xstate *x, const struct balloon_page_expect *p)
{
	static const char *const states[] = { "free", "inflating", "inflated", "deflating",
					      "hinted", "reporting" };
	struct bal_x *b = attached(x);
	uint32_t pfn;
	int r;

	if (!b)
		return -1;
	pfn = (uint32_t)(vballoon_drv_page_gpa(&b->drv, p->page) >> VIRTIO_BALLOON_PFN_SHIFT);
	if (p->has_inflated) {
		r = vc_balloon_is_inflated(bdev(x), pfn);
		if (r != (int)p->inflated)
			return xfail(x, V_FAIL, NULL, "pool page %u (PFN 0x%x): expected %s the device's "
				     "balloon, observed %s", p->page, pfn, p->inflated ? "in" : "not in",
				     r == 1 ? "in" : "not in");
	}
	if (p->has_modified) {
		r = vc_balloon_page_modified(bdev(x), pfn);
		if (r != (int)p->modified)
			return xfail(x, V_FAIL, NULL, "pool page %u (PFN 0x%x): expected %s by the "
				     "device, observed %s", p->page, pfn,
				     p->modified ? "modified" : "untouched",
				     r == 1 ? "modified" : "untouched");
	}
	if (p->has_state && b->drv.state[p->page] != p->state)
		return xfail(x, V_FAIL, NULL, "pool page %u: expected driver state %s, observed %s",
			     p->page, states[p->state % 6], states[b->drv.state[p->page] % 6]);
	return 0;
}

int exec_balloon_expect(struct xstate *x, const struct step_expect *se)
{
	const struct expect_balloon *e = se->balloon;
	void *d = bdev(x);
	const struct vc_balloon_stats *st;
	struct vc_balloon_guest_stats gs;
	struct bal_x *b;
	char name[64];
	unsigned i;
	uint64_t v;

	if (!d || x->dev->ops != &vc_balloon_device_ops)
		return xfail(x, V_ERROR, NULL, "case error: a balloon expectation needs device: balloon");
	st = vc_balloon_stats(d);
	if (e->has_inflated && check_cmp(x, "pages in the device's balloon", &e->inflated,
					 vc_balloon_inflated(d)))
		return -1;
	if (e->has_actual && check_cmp(x, "actual (device)", &e->actual, vc_balloon_actual(d)))
		return -1;
	if (e->has_poison && vc_balloon_poison_val(d) != e->poison)
		return xfail(x, V_FAIL, NULL, "poison_val: expected 0x%x, observed 0x%x", e->poison,
			     vc_balloon_poison_val(d));
	if (e->has_cmd_id && vc_balloon_hint_cmd_id(d) != e->cmd_id)
		return xfail(x, V_FAIL, NULL, "free_page_hint_cmd_id: expected %u, observed %u",
			     e->cmd_id, vc_balloon_hint_cmd_id(d));
	if (e->accounting &&
	    st->pages_inflated - st->pages_deflated - st->pages_released != vc_balloon_inflated(d))
		return xfail(x, V_FAIL, NULL, "device accounting: %u pages in the balloon, %llu "
			     "inflated - %llu deflated - %llu released", vc_balloon_inflated(d),
			     (unsigned long long)st->pages_inflated,
			     (unsigned long long)st->pages_deflated,
			     (unsigned long long)st->pages_released);
	vc_balloon_guest_stats(d, &gs);
	if (e->has_stat_mask && gs.present != e->stat_mask)
		return xfail(x, V_FAIL, NULL, "statistics of the last statsq buffer: expected tags "
			     "0x%x, observed 0x%x", e->stat_mask, gs.present);
	if (e->has_stat) {
		bool present = gs.present & (1u << e->stat_tag);

		if (present != e->stat_present)
			return xfail(x, V_FAIL, NULL, "statistic %u: expected %s, observed %s",
				     e->stat_tag, e->stat_present ? "present" : "absent",
				     present ? "present" : "absent");
		if (present && gs.val[e->stat_tag] != e->stat_val)
			return xfail(x, V_FAIL, NULL, "statistic %u: expected %llu, observed %llu",
				     e->stat_tag, (unsigned long long)e->stat_val,
				     (unsigned long long)gs.val[e->stat_tag]);
	}
	for (i = 0; i < e->n_counters; i++) {
		if (counter_value(x, e->counters[i].which, &v, name, sizeof(name)) != 0)
			return xfail(x, V_ERROR, NULL, "case error: %s needs the balloon driver attached",
				     name);
		if (check_cmp(x, name, &e->counters[i].cmp, v))
			return -1;
	}
	if (e->has_driver_actual || e->has_num_pages || e->has_driver_free ||
	    e->has_driver_inflated || e->has_driver_hinted || e->n_pages) {
		if (!(b = attached(x)))
			return -1;
		if (e->has_driver_actual &&
		    check_cmp(x, "actual (driver)", &e->driver_actual, b->drv.actual))
			return -1;
		if (e->has_num_pages &&
		    check_cmp(x, "num_pages (driver)", &e->num_pages, b->drv.num_pages))
			return -1;
		if (e->has_driver_free && check_cmp(x, "driver's free pages", &e->driver_free,
						    vballoon_drv_count(&b->drv, VB_FREE)))
			return -1;
		if (e->has_driver_inflated &&
		    check_cmp(x, "driver's inflated pages", &e->driver_inflated,
			      vballoon_drv_count(&b->drv, VB_INFLATED)))
			return -1;
		if (e->has_driver_hinted && check_cmp(x, "driver's hinted pages", &e->driver_hinted,
						      vballoon_drv_count(&b->drv, VB_HINTED)))
			return -1;
		for (i = 0; i < e->n_pages; i++)
			if (check_page(x, &e->pages[i]))
				return -1;
	}
	return 0;
}

/* The liveness probe: one page inflated, and the device has it. */
static int balloon_live(struct xstate *x, char *why, size_t n)
{
	struct bal_x *b = bx(x);
	uint32_t before, i;

	if (!b) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	if (!b->attached) {
		if (vballoon_drv_attach(&b->drv, x->pair.drv) != 0) {
			vballoon_drv_detach(&b->drv);
			snprintf(why, n, "the balloon driver could not attach after reset");
			return -1;
		}
		b->attached = true;
	}
	before = vc_balloon_inflated(bdev(x));
	if (vballoon_drv_inflate(&b->drv, 1) != 1) {
		snprintf(why, n, "an inflate of one page after reset failed");
		return -1;
	}
	for (i = 0; i < VBALLOON_POOL_PAGES; i++) {
		if (b->drv.state[i] != VB_INFLATED)
			continue;
		if (vc_balloon_is_inflated(bdev(x), (uint32_t)(vballoon_drv_page_gpa(&b->drv, i) >>
							       VIRTIO_BALLOON_PFN_SHIFT)) == 1 &&
		    vc_balloon_inflated(bdev(x)) == before + 1)
			return 0;
	}
	snprintf(why, n, "the device did not take the page inflated after reset");
	return -1;
}

const struct exec_device exec_balloon_device = {
	.name = "balloon", .ops = &vc_balloon_device_ops, .config = vballoon_drv_config,
	.live = balloon_live,
};
