// SPDX-License-Identifier: Apache-2.0
/*
 * Parsers of the balloon_* steps and the expect "balloon" key
 * (docs/spec-case-format.md, "balloon steps"). Every error is reported at
 * the offending node through cl_bad().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_balloon.h"
#include "case_load_priv.h"

/* 5.5.6.3 statistic tags */
static const struct name_val tag_names[] = {
	{ "SWAP_IN", 0 }, { "SWAP_OUT", 1 }, { "MAJFLT", 2 }, { "MINFLT", 3 }, { "MEMFREE", 4 },
	{ "MEMTOT", 5 }, { "AVAIL", 6 }, { "CACHES", 7 }, { "HTLB_PGALLOC", 8 },
	{ "HTLB_PGFAIL", 9 }, { NULL, 0 }
};

/* the same tags as bits, for stat_tags */
static const struct name_val tag_bits[] = {
	{ "SWAP_IN", 1u << 0 }, { "SWAP_OUT", 1u << 1 }, { "MAJFLT", 1u << 2 },
	{ "MINFLT", 1u << 3 }, { "MEMFREE", 1u << 4 }, { "MEMTOT", 1u << 5 },
	{ "AVAIL", 1u << 6 }, { "CACHES", 1u << 7 }, { "HTLB_PGALLOC", 1u << 8 },
	{ "HTLB_PGFAIL", 1u << 9 }, { NULL, 0 }
};

/* 5.5.6.4 reserved command IDs */
static const struct name_val cmd_names[] = { { "STOP", 0 }, { "DONE", 1 }, { NULL, 0 } };

/* enum vballoon_page_state (balloon_drv.h) */
static const struct name_val state_names[] = {
	{ "free", 0 }, { "inflating", 1 }, { "inflated", 2 }, { "deflating", 3 }, { "hinted", 4 },
	{ "reporting", 5 }, { NULL, 0 }
};

#define BAL_POOL_PAGES 256u /* VBALLOON_POOL_PAGES */
#define BAL_QUEUE_MAX 4u

/* ------------------------------------------------------------ values */

static bool is_number(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9';
}

/* A name from tab, or a number up to max. */
static int get_named(struct lctx *x, const struct ynode *n, const char *what,
		     const struct name_val *tab, uint64_t max, uint64_t *out)
{
	if (is_number(n))
		return cl_get_u64(x, n, what, 0, max, out);
	return cl_lookup(x, n, what, tab, out);
}

static int get_flag(struct lctx *x, const struct ynode *m, const char *key, bool *out)
{
	const struct ynode *v = cl_map_get(m, key);

	return v ? cl_get_bool(x, v, key, out) : 0;
}

static int get_cmp_key(struct lctx *x, const struct ynode *m, const char *key, bool *has,
		       struct case_cmp *c)
{
	const struct ynode *v = cl_map_get(m, key);

	*has = v != NULL;
	return v ? cl_get_cmp(x, v, key, c) : 0;
}

static int get_queue(struct lctx *x, const struct ynode *m, const char *who, bool required,
		     struct step_balloon *s)
{
	const struct ynode *v = cl_map_get(m, "queue");

	if (!v)
		return required ? cl_bad(x, m, "%s needs 'queue'", who) : 0;
	s->has_queue = true;
	return GET_NUM(x, v, "queue", 0, BAL_QUEUE_MAX, s->queue);
}

static int get_pages(struct lctx *x, const struct ynode *m, const char *who, uint32_t max,
		     uint32_t *out)
{
	const struct ynode *v = cl_map_get(m, "pages");

	if (!v)
		return cl_bad(x, m, "%s needs 'pages'", who);
	return GET_NUM(x, v, "pages", 1, max, *out);
}

static int get_segs(struct lctx *x, const struct ynode *m, const char *key,
		    struct case_seg *out, unsigned *n)
{
	struct case_seg tmp[CASE_MAX_LIST];
	const struct ynode *v = cl_map_get(m, key);

	*n = 0;
	if (!v)
		return 0;
	if (cl_get_segs(x, v, tmp, n))
		return -1;
	if (*n > BAL_CASE_SEGS)
		return cl_bad(x, v, "a balloon chain has at most %u %s segments", BAL_CASE_SEGS, key);
	memcpy(out, tmp, *n * sizeof(*out));
	return 0;
}

/* [N | {page: I}, ...] */
static int get_pfns(struct lctx *x, const struct ynode *l, struct step_balloon *s)
{
	static const char *const keys[] = { "page", NULL };
	size_t i;

	if (cl_want_kind(x, l, YN_SEQ, "pfns"))
		return -1;
	if (l->n == 0 || l->n > BAL_CASE_PFNS)
		return cl_bad(x, l, "pfns lists 1 to %u entries", BAL_CASE_PFNS);
	s->n_pfns = (unsigned)l->n;
	for (i = 0; i < l->n; i++) {
		const struct ynode *e = l->items[i];
		struct balloon_pfn *p = &s->pfns[i];

		if (e->kind == YN_MAP) {
			if (cl_check_keys(x, e, "a pool page", keys))
				return -1;
			if (!cl_map_get(e, "page"))
				return cl_bad(x, e, "a pool page needs 'page'");
			p->pool = true;
			if (GET_NUM(x, cl_map_get(e, "page"), "page", 0, BAL_POOL_PAGES - 1, p->value))
				return -1;
		} else if (GET_NUM(x, e, "PFN", 0, UINT32_MAX, p->value)) {
			return -1;
		}
	}
	return 0;
}

static int get_stats(struct lctx *x, const struct ynode *l, struct step_balloon *s)
{
	static const char *const keys[] = { "tag", "value", NULL };
	size_t i;

	if (cl_want_kind(x, l, YN_SEQ, "entries"))
		return -1;
	if (l->n > BAL_CASE_STATS)
		return cl_bad(x, l, "entries lists at most %u statistics", BAL_CASE_STATS);
	s->n_stats = (unsigned)l->n;
	for (i = 0; i < l->n; i++) {
		const struct ynode *e = l->items[i], *v;
		uint64_t t;

		if (cl_check_keys(x, e, "a statistic", keys))
			return -1;
		if (!(v = cl_map_get(e, "tag")))
			return cl_bad(x, e, "a statistic needs 'tag'");
		if (get_named(x, v, "statistic tag", tag_names, 0xffff, &t))
			return -1;
		s->stats[i].tag = (uint16_t)t;
		if ((v = cl_map_get(e, "value")) &&
		    cl_get_u64(x, v, "value", 0, UINT64_MAX, &s->stats[i].val))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- steps */

struct op_def {
	const char *name;
	enum balloon_op op;
	bool bare;                  /* may be written without arguments */
	const char *const keys[8];
};

static const struct op_def ops[] = {
	{ "balloon_attach", BO_ATTACH, true, { "expect_fail", NULL } },
	{ "balloon_poll", BO_POLL, true, { "expect_fail", NULL } },
	{ "balloon_inflate", BO_INFLATE, false, { "pages", "count", "expect_fail", NULL } },
	{ "balloon_deflate", BO_DEFLATE, false, { "pages", "oom", "count", "expect_fail", NULL } },
	{ "balloon_balance", BO_BALANCE, true, { "actual", "expect_fail", NULL } },
	{ "balloon_report", BO_REPORT, false, { "pages", "count", "expect_fail", NULL } },
	{ "balloon_hint_stop", BO_HINT_STOP, true, { "expect_fail", NULL } },
	{ "balloon_set_stat", BO_SET_STAT, false, { "tag", "value", "expect_fail", NULL } },
	{ "balloon_check_pages", BO_CHECK_PAGES, true, { "changed", NULL } },
	{ "balloon_submit", BO_SUBMIT, false,
	  { "queue", "out", "in", "indirect", "expect_fail", NULL } },
	{ "balloon_pfns", BO_PFNS, false,
	  { "queue", "pfns", "repeat", "tail", "expect_fail", NULL } },
	{ "balloon_stats_buffer", BO_STATS_BUFFER, false,
	  { "queue", "entries", "tail", "expect_fail", NULL } },
	{ "balloon_cmd", BO_CMD, false, { "id", "len", "queue", "expect_fail", NULL } },
	{ "balloon_page_write", BO_PAGE_WRITE, false, { "page", "offset", "value", NULL } },
	{ "balloon_set_num_pages", BO_SET_NUM_PAGES, false, { "pages", NULL } },
	{ "balloon_request_stats", BO_REQUEST_STATS, true, { "expect_fail", NULL } },
	{ "balloon_hint_cmd", BO_HINT_CMD, false, { "id", "expect_fail", NULL } },
	{ "balloon_audit", BO_AUDIT, true, { "found", NULL } },
};

#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static const struct op_def *op_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_OPS; i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static int unknown_step(struct lctx *x, const struct ynode *key, const char *name)
{
	char list[640] = "";
	size_t i;

	for (i = 0; i < N_OPS; i++) {
		strncat(list, ops[i].name, sizeof(list) - strlen(list) - 1);
		if (i + 1 < N_OPS)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
	}
	return cl_bad(x, key, "unknown balloon step '%s' (expected one of: %s)", name, list);
}

static int parse_args(struct lctx *x, const struct ynode *v, const char *who,
		      struct step_balloon *s)
{
	const struct ynode *w;
	uint64_t n;

	switch (s->op) {
	case BO_ATTACH:
	case BO_POLL:
	case BO_HINT_STOP:
	case BO_REQUEST_STATS:
		return 0;
	case BO_INFLATE:
	case BO_DEFLATE:
		return get_pages(x, v, who, 256, &s->pages) ||
		       get_flag(x, v, "oom", &s->oom) ||
		       get_cmp_key(x, v, "count", &s->has_count, &s->count);
	case BO_REPORT:
		return get_pages(x, v, who, 16, &s->pages) ||
		       get_cmp_key(x, v, "count", &s->has_count, &s->count);
	case BO_BALANCE:
		return get_cmp_key(x, v, "actual", &s->has_count, &s->count);
	case BO_CHECK_PAGES:
		return get_cmp_key(x, v, "changed", &s->has_count, &s->count);
	case BO_AUDIT:
		return get_cmp_key(x, v, "found", &s->has_count, &s->count);
	case BO_SET_STAT:
		if (!(w = cl_map_get(v, "tag")))
			return cl_bad(x, v, "balloon_set_stat needs 'tag'");
		if (get_named(x, w, "statistic tag", tag_names, 0xffff, &n))
			return -1;
		s->tag = (uint16_t)n;
		if (!(w = cl_map_get(v, "value")))
			return cl_bad(x, v, "balloon_set_stat needs 'value'");
		return cl_get_u64(x, w, "value", 0, UINT64_MAX, &s->value);
	case BO_SUBMIT:
		if (get_queue(x, v, who, true, s) || get_segs(x, v, "out", s->out, &s->n_out) ||
		    get_segs(x, v, "in", s->in, &s->n_in) || get_flag(x, v, "indirect", &s->indirect))
			return -1;
		if (s->n_out + s->n_in == 0)
			return cl_bad(x, v, "balloon_submit needs out or in segments");
		return 0;
	case BO_PFNS:
		if (get_queue(x, v, who, false, s))
			return -1;
		if (!(w = cl_map_get(v, "pfns")))
			return cl_bad(x, v, "balloon_pfns needs 'pfns'");
		if (get_pfns(x, w, s))
			return -1;
		if ((w = cl_map_get(v, "repeat")) &&
		    GET_NUM(x, w, "repeat", 1, BAL_CASE_REPEAT / s->n_pfns, s->repeat))
			return -1;
		if ((w = cl_map_get(v, "tail")) && GET_NUM(x, w, "tail", 0, 3, s->tail))
			return -1;
		return 0;
	case BO_STATS_BUFFER:
		if (get_queue(x, v, who, false, s))
			return -1;
		if (!(w = cl_map_get(v, "entries")))
			return cl_bad(x, v, "balloon_stats_buffer needs 'entries'");
		if (get_stats(x, w, s))
			return -1;
		if ((w = cl_map_get(v, "tail")) && GET_NUM(x, w, "tail", 0, 9, s->tail))
			return -1;
		if (s->n_stats == 0 && s->tail == 0)
			return cl_bad(x, v, "balloon_stats_buffer needs at least one byte");
		return 0;
	case BO_CMD:
		if (get_queue(x, v, who, false, s))
			return -1;
		if (!(w = cl_map_get(v, "id")))
			return cl_bad(x, v, "balloon_cmd needs 'id'");
		if (get_named(x, w, "command ID", cmd_names, UINT32_MAX, &n))
			return -1;
		s->id = (uint32_t)n;
		s->len = 4;
		if ((w = cl_map_get(v, "len")) && GET_NUM(x, w, "len", 1, 64, s->len))
			return -1;
		return 0;
	case BO_PAGE_WRITE:
		if (!(w = cl_map_get(v, "page")))
			return cl_bad(x, v, "balloon_page_write needs 'page'");
		if (GET_NUM(x, w, "page", 0, BAL_POOL_PAGES - 1, s->pages))
			return -1;
		if ((w = cl_map_get(v, "offset")) && GET_NUM(x, w, "offset", 0, 4095, s->offset))
			return -1;
		s->value = 0xff;
		if ((w = cl_map_get(v, "value")) && GET_NUM(x, w, "value", 0, 255, s->value))
			return -1;
		return 0;
	case BO_SET_NUM_PAGES:
		if (!(w = cl_map_get(v, "pages")))
			return cl_bad(x, v, "balloon_set_num_pages needs 'pages'");
		return cl_get_u64(x, w, "pages", 0, UINT32_MAX, &s->value);
	case BO_HINT_CMD:
		if (!(w = cl_map_get(v, "id")))
			return cl_bad(x, v, "balloon_hint_cmd needs 'id'");
		if (get_named(x, w, "command ID", cmd_names, UINT32_MAX, &n))
			return -1;
		s->id = (uint32_t)n;
		return 0;
	}
	return cl_bad(x, v, "unhandled balloon step");
}

int cl_parse_balloon_step(struct lctx *x, const char *name, const struct ynode *key,
			  const struct ynode *v, struct step_balloon **out)
{
	const struct op_def *d = op_find(name);
	struct step_balloon *s;

	*out = NULL;
	if (!d)
		return unknown_step(x, key, name);
	if (cl_step_value(x, name, key, &v, d->bare, d->keys))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cl_bad(x, key, "out of memory");
	s->op = d->op;
	s->repeat = 1;
	if (v && (get_flag(x, v, "expect_fail", &s->expect_fail) || parse_args(x, v, name, s))) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ------------------------------------------------------- expectations */

struct counter_name {
	const char *name;
	uint8_t which;
};

static const struct counter_name dev_counters[] = {
	{ "inflate_reqs", BC_DEV_INFLATE_REQS }, { "deflate_reqs", BC_DEV_DEFLATE_REQS },
	{ "pages_inflated", BC_DEV_PAGES_INFLATED }, { "pages_deflated", BC_DEV_PAGES_DEFLATED },
	{ "pages_released", BC_DEV_PAGES_RELEASED }, { "pfn_outside", BC_DEV_PFN_OUTSIDE },
	{ "pfn_dup_inflate", BC_DEV_PFN_DUP }, { "pfn_not_inflated", BC_DEV_PFN_NOT_INFLATED },
	{ "pfn_untracked", BC_DEV_PFN_UNTRACKED }, { "pfn_ignored", BC_DEV_PFN_IGNORED },
	{ "trailing_bytes", BC_DEV_TRAILING }, { "writable_ignored", BC_DEV_WRITABLE_IGNORED },
	{ "deflate_over_target", BC_DEV_OVER_TARGET }, { "pages_modified", BC_DEV_MODIFIED },
	{ "stats_buffers", BC_DEV_STATS_BUFFERS }, { "stats_entries", BC_DEV_STATS_ENTRIES },
	{ "stats_unknown_tags", BC_DEV_STATS_UNKNOWN }, { "stats_partial", BC_DEV_STATS_PARTIAL },
	{ "stats_requests", BC_DEV_STATS_REQUESTS }, { "hint_cmd_bufs", BC_DEV_HINT_CMDS },
	{ "hint_stale_cmd", BC_DEV_HINT_STALE }, { "hint_stops", BC_DEV_HINT_STOPS },
	{ "hint_pages", BC_DEV_HINT_PAGES }, { "hint_ignored", BC_DEV_HINT_IGNORED },
	{ "report_reqs", BC_DEV_REPORT_REQS }, { "report_pages", BC_DEV_REPORT_PAGES },
	{ "actual_writes", BC_DEV_ACTUAL_WRITES }, { "ro_writes", BC_DEV_RO_WRITES },
	{ "ignored_notifies", BC_DEV_IGNORED_NOTIFIES }, { NULL, 0 }
};

static const struct counter_name drv_counters[] = {
	{ "inflate_reqs", BC_DRV_INFLATE_REQS }, { "deflate_reqs", BC_DRV_DEFLATE_REQS },
	{ "report_reqs", BC_DRV_REPORT_REQS }, { "pages_inflated", BC_DRV_PAGES_INFLATED },
	{ "pages_deflated", BC_DRV_PAGES_DEFLATED }, { "pages_reported", BC_DRV_PAGES_REPORTED },
	{ "pages_hinted", BC_DRV_PAGES_HINTED }, { "stats_sent", BC_DRV_STATS_SENT },
	{ "stats_requests", BC_DRV_STATS_REQUESTS }, { "hint_cmds", BC_DRV_HINT_CMDS },
	{ "hint_stops", BC_DRV_HINT_STOPS }, { "hint_done", BC_DRV_HINT_DONE },
	{ "raw_used", BC_DRV_RAW_USED }, { "config_changes", BC_DRV_CONFIG_CHANGES },
	{ NULL, 0 }
};

static int get_counters(struct lctx *x, const struct ynode *m, struct expect_balloon *e,
			const struct counter_name *tab, const char *what)
{
	const char *keys[40];
	size_t i, k;

	for (k = 0; tab[k].name; k++)
		keys[k] = tab[k].name;
	keys[k] = NULL;
	if (cl_check_keys(x, m, what, keys))
		return -1;
	if (m->n == 0)
		return cl_bad(x, m, "%s needs at least one counter", what);
	for (i = 0; i < m->n; i++) {
		const struct ynode *key = m->items[2 * i], *val = m->items[2 * i + 1];
		struct balloon_counter *c;

		for (k = 0; strcmp(tab[k].name, key->str); k++)
			;
		if (e->n_counters == BAL_CASE_COUNTERS)
			return cl_bad(x, key, "more than %u balloon counters in one expect step",
				      BAL_CASE_COUNTERS);
		c = &e->counters[e->n_counters++];
		c->which = tab[k].which;
		if (cl_get_cmp(x, val, key->str, &c->cmp))
			return -1;
	}
	return 0;
}

static int get_bool_key(struct lctx *x, const struct ynode *m, const char *key, bool *has,
			bool *val)
{
	const struct ynode *v = cl_map_get(m, key);

	*has = v != NULL;
	return v ? cl_get_bool(x, v, key, val) : 0;
}

static int get_page_expect(struct lctx *x, const struct ynode *m, struct expect_balloon *e)
{
	static const char *const keys[] = { "page", "inflated", "modified", "state", NULL };
	struct balloon_page_expect *p;
	const struct ynode *v;
	uint64_t st;

	if (cl_check_keys(x, m, "a page expectation", keys))
		return -1;
	if (!(v = cl_map_get(m, "page")) || m->n < 2)
		return cl_bad(x, m, "a page expectation needs page and at least one value");
	if (e->n_pages == sizeof(e->pages) / sizeof(e->pages[0]))
		return cl_bad(x, m, "at most 4 page expectations in one expect step");
	p = &e->pages[e->n_pages++];
	p->active = true;
	if (GET_NUM(x, v, "page", 0, BAL_POOL_PAGES - 1, p->page) ||
	    get_bool_key(x, m, "inflated", &p->has_inflated, &p->inflated) ||
	    get_bool_key(x, m, "modified", &p->has_modified, &p->modified))
		return -1;
	if ((v = cl_map_get(m, "state"))) {
		if (cl_lookup(x, v, "page state", state_names, &st))
			return -1;
		p->has_state = true;
		p->state = (uint8_t)st;
	}
	return 0;
}

static int get_pages_expect(struct lctx *x, const struct ynode *v, struct expect_balloon *e)
{
	size_t i;

	if (v->kind == YN_MAP)
		return get_page_expect(x, v, e);
	if (cl_want_kind(x, v, YN_SEQ, "pages"))
		return -1;
	for (i = 0; i < v->n; i++)
		if (get_page_expect(x, v->items[i], e))
			return -1;
	return 0;
}

static int get_stat_expect(struct lctx *x, const struct ynode *m, struct expect_balloon *e)
{
	static const char *const keys[] = { "tag", "value", "present", NULL };
	const struct ynode *v;
	uint64_t t;

	if (cl_check_keys(x, m, "a stat expectation", keys))
		return -1;
	if (!(v = cl_map_get(m, "tag")))
		return cl_bad(x, m, "a stat expectation needs 'tag'");
	if (get_named(x, v, "statistic tag", tag_names, 9, &t))
		return -1;
	e->has_stat = true;
	e->stat_tag = (uint16_t)t;
	e->stat_present = true;
	if ((v = cl_map_get(m, "present")) && cl_get_bool(x, v, "present", &e->stat_present))
		return -1;
	if ((v = cl_map_get(m, "value"))) {
		if (!e->stat_present)
			return cl_bad(x, v, "a statistic that is not present has no value");
		return cl_get_u64(x, v, "value", 0, UINT64_MAX, &e->stat_val);
	}
	return 0;
}

static int parse_expect(struct lctx *x, const struct ynode *v, struct expect_balloon *e)
{
	static const char *const keys[] = {
		"inflated", "actual", "driver_actual", "num_pages", "poison_val", "hint_cmd_id",
		"accounting", "stat", "stat_tags", "page", "driver_free", "driver_inflated",
		"driver_hinted", "device_stats", "driver_stats", NULL
	};
	const struct ynode *w;
	uint64_t n;

	if (cl_want_kind(x, v, YN_MAP, "a balloon expectation") ||
	    cl_check_keys(x, v, "a balloon expectation", keys))
		return -1;
	if (v->n == 0)
		return cl_bad(x, v, "a balloon expectation needs at least one key");
	if (get_cmp_key(x, v, "inflated", &e->has_inflated, &e->inflated) ||
	    get_cmp_key(x, v, "actual", &e->has_actual, &e->actual) ||
	    get_cmp_key(x, v, "driver_actual", &e->has_driver_actual, &e->driver_actual) ||
	    get_cmp_key(x, v, "num_pages", &e->has_num_pages, &e->num_pages) ||
	    get_cmp_key(x, v, "driver_free", &e->has_driver_free, &e->driver_free) ||
	    get_cmp_key(x, v, "driver_inflated", &e->has_driver_inflated, &e->driver_inflated) ||
	    get_cmp_key(x, v, "driver_hinted", &e->has_driver_hinted, &e->driver_hinted))
		return -1;
	if ((w = cl_map_get(v, "poison_val"))) {
		e->has_poison = true;
		if (GET_NUM(x, w, "poison_val", 0, UINT32_MAX, e->poison))
			return -1;
	}
	if ((w = cl_map_get(v, "hint_cmd_id"))) {
		e->has_cmd_id = true;
		if (get_named(x, w, "command ID", cmd_names, UINT32_MAX, &n))
			return -1;
		e->cmd_id = (uint32_t)n;
	}
	if ((w = cl_map_get(v, "accounting"))) {
		if (cl_get_bool(x, w, "accounting", &e->accounting))
			return -1;
		if (!e->accounting)
			return cl_bad(x, w, "accounting can only be checked, write true");
	}
	if ((w = cl_map_get(v, "stat")) && get_stat_expect(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "stat_tags"))) {
		e->has_stat_mask = true;
		if (cl_get_bits(x, w, "stat_tags", tag_bits, false, &n))
			return -1;
		if (n > 0x3ff)
			return cl_bad(x, w, "stat_tags: tags are 0..9");
		e->stat_mask = (uint32_t)n;
	}
	if ((w = cl_map_get(v, "page")) && get_pages_expect(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "device_stats")) &&
	    get_counters(x, w, e, dev_counters, "device_stats"))
		return -1;
	if ((w = cl_map_get(v, "driver_stats")) &&
	    get_counters(x, w, e, drv_counters, "driver_stats"))
		return -1;
	return 0;
}

int cl_parse_balloon_expect(struct lctx *x, const struct ynode *v, struct expect_balloon **out)
{
	struct expect_balloon *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return cl_bad(x, v, "out of memory");
	if (parse_expect(x, v, e)) {
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
