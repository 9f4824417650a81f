// SPDX-License-Identifier: Apache-2.0
/* Parsers of the blk_* steps and the expect "blk" key. */
#include <stdlib.h>
#include <string.h>

#include "case_blk.h"
#include "case_load_priv.h"

static const struct name_val type_names[] = {
	{ "IN", 0 }, { "OUT", 1 }, { "FLUSH", 4 }, { "GET_ID", 8 }, { "GET_LIFETIME", 10 },
	{ "DISCARD", 11 }, { "WRITE_ZEROES", 13 }, { "SECURE_ERASE", 14 }, { NULL, 0 }
};

static const struct name_val status_names[] = {
	{ "OK", 0 }, { "IOERR", 1 }, { "UNSUPP", 2 }, { NULL, 0 }
};

static const struct name_val counter_names[] = {
	{ "backing_written", BLK_CNT_BACKING_WRITTEN },
	{ "driver_errors", BLK_CNT_DRIVER_ERRORS },
	{ "malformed", BLK_CNT_MALFORMED },
	{ "syncs", BLK_CNT_SYNCS },
	{ "config_writes_ignored", BLK_CNT_CONFIG_WRITES_IGNORED },
	{ "writeback_read_early", BLK_CNT_WRITEBACK_READ_EARLY },
	{ "ignored_notifies", BLK_CNT_IGNORED_NOTIFIES },
	{ NULL, 0 }
};

/* ------------------------------------------------------------- values */

static bool is_number(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9';
}

/* A name from tab or a number in [0, max]; an unknown name lists them. */
static int get_named(struct lctx *x, const struct ynode *n, const char *what,
		     const struct name_val *tab, uint64_t max, uint64_t *out)
{
	const struct name_val *t;
	char list[160] = "";

	if (is_number(n))
		return cl_get_u64(x, n, what, 0, max, out);
	if (n->kind != YN_SCALAR)
		return cl_bad(x, n, "%s must be a name or a number, not %s", what, cl_kind_name(n));
	for (t = tab; t->name; t++) {
		if (!strcmp(t->name, n->str)) {
			*out = t->val;
			return 0;
		}
		strncat(list, t->name, sizeof(list) - strlen(list) - 1);
		strncat(list, ", ", sizeof(list) - strlen(list) - 1);
	}
	return cl_bad(x, n, "unknown %s '%s' (%sor a number)", what, n->str, list);
}

static int get_type(struct lctx *x, const struct ynode *n, uint32_t *type)
{
	uint64_t v;

	if (get_named(x, n, "request type", type_names, UINT32_MAX, &v))
		return -1;
	*type = (uint32_t)v;
	return 0;
}

static int get_status(struct lctx *x, const struct ynode *n, uint8_t *status)
{
	uint64_t v;

	if (get_named(x, n, "status", status_names, 255, &v))
		return -1;
	*status = (uint8_t)v;
	return 0;
}

/* expect_status: a status, or (blk_request) a list of the statuses allowed */
static int get_statuses(struct lctx *x, const struct ynode *n, struct step_blk *b)
{
	size_t i;

	if (n->kind != YN_SEQ) {
		if (get_status(x, n, &b->status))
			return -1;
		b->statuses[0] = b->status;
		b->n_statuses = 1;
		return 0;
	}
	if (b->op != BLK_OP_REQUEST)
		return cl_bad(x, n, "a list of statuses is for blk_request only");
	if (n->n == 0 || n->n > BLK_CASE_MAX_STATUSES)
		return cl_bad(x, n, "expect_status lists 1 to %u statuses", BLK_CASE_MAX_STATUSES);
	for (i = 0; i < n->n; i++)
		if (get_status(x, n->items[i], &b->statuses[i]))
			return -1;
	b->n_statuses = (unsigned)n->n;
	b->status = b->statuses[0];
	return 0;
}

/* The fill and bytes keys of n (other keys checked by the caller). */
static int get_data_keys(struct lctx *x, const struct ynode *n, const char *what,
			 struct blk_case_data *d)
{
	const struct ynode *v;
	size_t i;

	if ((v = cl_map_get(n, "fill"))) {
		d->has_fill = true;
		if (GET_NUM(x, v, "fill", 0, 255, d->fill))
			return -1;
	}
	if ((v = cl_map_get(n, "bytes"))) {
		if (cl_want_kind(x, v, YN_SEQ, "bytes"))
			return -1;
		if (v->n == 0 || v->n > BLK_CASE_MAX_BYTES)
			return cl_bad(x, v, "bytes lists 1 to %u values", BLK_CASE_MAX_BYTES);
		for (i = 0; i < v->n; i++)
			if (GET_NUM(x, v->items[i], "byte", 0, 255, d->bytes[i]))
				return -1;
		d->n = (unsigned)v->n;
	}
	if (!d->has_fill && !d->n)
		return cl_bad(x, n, "%s needs fill or bytes", what);
	return 0;
}

/* {fill, bytes} */
static int get_data(struct lctx *x, const struct ynode *n, const char *what,
		    struct blk_case_data *d)
{
	static const char *const keys[] = { "fill", "bytes", NULL };

	if (cl_check_keys(x, n, what, keys))
		return -1;
	return get_data_keys(x, n, what, d);
}

static int get_cuts(struct lctx *x, const struct ynode *n, const char *what, uint32_t *cuts,
		    unsigned *cnt)
{
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, what))
		return -1;
	if (n->n > BLK_CASE_MAX_CUTS)
		return cl_bad(x, n, "%s lists at most %u offsets", what, BLK_CASE_MAX_CUTS);
	for (i = 0; i < n->n; i++) {
		if (GET_NUM(x, n->items[i], "cut offset", 0, BLK_CASE_MAX_DATA + 16, cuts[i]))
			return -1;
		if (i && cuts[i] < cuts[i - 1])
			return cl_bad(x, n->items[i], "cut offsets must not decrease");
	}
	*cnt = (unsigned)n->n;
	return 0;
}

static int get_ranges(struct lctx *x, const struct ynode *n, bool with_flags,
		      struct step_blk *b)
{
	static const char *const keys_flags[] = { "sector", "num_sectors", "flags", NULL };
	static const char *const keys[] = { "sector", "num_sectors", NULL };
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, "ranges"))
		return -1;
	if (n->n == 0 || n->n > BLK_CASE_MAX_RANGES)
		return cl_bad(x, n, "ranges lists 1 to %u segments", BLK_CASE_MAX_RANGES);
	for (i = 0; i < n->n; i++) {
		const struct ynode *r = n->items[i], *v;
		struct blk_case_range *o = &b->ranges[i];

		if (cl_check_keys(x, r, "a range", with_flags ? keys_flags : keys))
			return -1;
		if (!(v = cl_map_get(r, "sector")))
			return cl_bad(x, r, "a range needs sector");
		if (cl_get_u64(x, v, "sector", 0, UINT64_MAX, &o->sector))
			return -1;
		if (!(v = cl_map_get(r, "num_sectors")))
			return cl_bad(x, r, "a range needs num_sectors");
		if (GET_NUM(x, v, "num_sectors", 0, UINT32_MAX, o->num_sectors))
			return -1;
		if ((v = cl_map_get(r, "flags")) && GET_NUM(x, v, "flags", 0, UINT32_MAX, o->flags))
			return -1;
	}
	b->n_ranges = (unsigned)n->n;
	return 0;
}

/* -------------------------------------------------------------- steps */

struct blk_step_def {
	const char *name;
	enum blk_step_op op;
	bool bare_ok;                /* "- blk_flush" without arguments */
	const char *const *keys;
};

static const char *const request_keys[] = {
	"queue", "type", "sector", "reserved", "header", "data", "out_data", "in_data",
	"status_byte", "fill", "ranges", "out_cuts", "in_cuts", "indirect", "answered",
	"expect_status", "expect_len", "expect_data", NULL
};
static const char *const read_keys[] = {
	"queue", "sector", "sectors", "segments", "seed", "indirect", "expect_status",
	"expect_fail", "expect_data", NULL
};
static const char *const write_keys[] = {
	"queue", "sector", "sectors", "fill", "segments", "seed", "indirect", "expect_status",
	"expect_fail", NULL
};
static const char *const plain_keys[] = {
	"queue", "segments", "seed", "indirect", "expect_status", "expect_fail", NULL
};
static const char *const range_keys[] = {
	"queue", "ranges", "segments", "seed", "indirect", "expect_status", "expect_fail", NULL
};
static const char *const wz_keys[] = {
	"queue", "ranges", "unmap", "segments", "seed", "indirect", "expect_status",
	"expect_fail", NULL
};
static const char *const id_keys[] = {
	"queue", "segments", "seed", "indirect", "expect_status", "expect_fail", "expect_id", NULL
};
static const char *const lifetime_keys[] = {
	"queue", "segments", "seed", "indirect", "expect_status", "expect_fail",
	"expect_lifetime", NULL
};
static const char *const backing_keys[] = { "sector", "sectors", "fill", NULL };
static const char *const answer_keys[] = { "status", "used_len", NULL };

static const struct blk_step_def step_defs[] = {
	{ "blk_request", BLK_OP_REQUEST, false, request_keys },
	{ "blk_read", BLK_OP_READ, false, read_keys },
	{ "blk_write", BLK_OP_WRITE, false, write_keys },
	{ "blk_flush", BLK_OP_FLUSH, true, plain_keys },
	{ "blk_discard", BLK_OP_DISCARD, false, range_keys },
	{ "blk_write_zeroes", BLK_OP_WRITE_ZEROES, false, wz_keys },
	{ "blk_secure_erase", BLK_OP_SECURE_ERASE, false, range_keys },
	{ "blk_get_id", BLK_OP_GET_ID, true, id_keys },
	{ "blk_get_lifetime", BLK_OP_GET_LIFETIME, true, lifetime_keys },
	{ "blk_backing_write", BLK_OP_BACKING_WRITE, false, backing_keys },
	{ "blk_device_answer", BLK_OP_DEVICE_ANSWER, false, answer_keys },
};

/* The data bytes, by direction: data follows the type, out_data / in_data
 * name the direction. */
static int parse_request_data(struct lctx *x, const struct ynode *n, struct step_blk *b)
{
	const struct ynode *d = cl_map_get(n, "data"), *o = cl_map_get(n, "out_data"),
			   *i = cl_map_get(n, "in_data");
	uint32_t len = 0;

	if (d && (o || i))
		return cl_bad(x, d, "data and out_data/in_data exclude each other");
	if (d) {
		if (GET_NUM(x, d, "data", 0, BLK_CASE_MAX_DATA, len))
			return -1;
		if (b->type == 0 || b->type == 8 || b->type == 10) /* IN, GET_ID, GET_LIFETIME */
			b->in_data = len;
		else
			b->out_data = len;
	}
	if (o && GET_NUM(x, o, "out_data", 0, BLK_CASE_MAX_DATA, b->out_data))
		return -1;
	if (i && GET_NUM(x, i, "in_data", 0, BLK_CASE_MAX_DATA, b->in_data))
		return -1;
	return 0;
}

static int parse_request(struct lctx *x, const struct ynode *n, struct step_blk *b)
{
	const struct ynode *v;

	if (!(v = cl_map_get(n, "type")))
		return cl_bad(x, n, "blk_request needs a type");
	if (get_type(x, v, &b->type))
		return -1;
	if ((v = cl_map_get(n, "reserved")) && GET_NUM(x, v, "reserved", 0, UINT32_MAX, b->reserved))
		return -1;
	if ((v = cl_map_get(n, "header")) && GET_NUM(x, v, "header", 0, 16, b->header))
		return -1;
	if (parse_request_data(x, n, b))
		return -1;
	if ((v = cl_map_get(n, "status_byte")) && cl_get_bool(x, v, "status_byte", &b->status_byte))
		return -1;
	if ((v = cl_map_get(n, "ranges")) && get_ranges(x, v, true, b))
		return -1;
	if ((v = cl_map_get(n, "out_cuts")) && get_cuts(x, v, "out_cuts", b->out_cuts, &b->n_out_cuts))
		return -1;
	if ((v = cl_map_get(n, "in_cuts")) && get_cuts(x, v, "in_cuts", b->in_cuts, &b->n_in_cuts))
		return -1;
	if ((v = cl_map_get(n, "answered")) && cl_get_bool(x, v, "answered", &b->answered))
		return -1;
	if ((v = cl_map_get(n, "expect_len")) && (b->has_len = true) &&
	    cl_get_cmp(x, v, "expect_len", &b->len))
		return -1;
	if (!b->answered && (b->has_len || cl_map_get(n, "expect_status") ||
			     cl_map_get(n, "expect_data")))
		return cl_bad(x, n, "answered: false excludes expect_status, expect_len and "
			      "expect_data");
	return 0;
}

static int parse_id(struct lctx *x, const struct ynode *v, struct step_blk *b)
{
	if (cl_get_str(x, v, "expect_id", b->id, sizeof(b->id)))
		return -1;
	b->has_id = true;
	return 0;
}

static int parse_lifetime(struct lctx *x, const struct ynode *v, struct step_blk *b)
{
	size_t i;

	if (cl_want_kind(x, v, YN_SEQ, "expect_lifetime"))
		return -1;
	if (v->n != 3)
		return cl_bad(x, v, "expect_lifetime lists pre_eol_info, est_typ_a, est_typ_b");
	for (i = 0; i < 3; i++)
		if (GET_NUM(x, v->items[i], "lifetime value", 0, 0xffff, b->lifetime[i]))
			return -1;
	b->has_lifetime = true;
	return 0;
}

static int parse_answer(struct lctx *x, const struct ynode *n, struct step_blk *b)
{
	const struct ynode *v;

	if ((v = cl_map_get(n, "status"))) {
		b->answer_status = true;
		if (get_status(x, v, &b->answer_status_val))
			return -1;
	}
	if ((v = cl_map_get(n, "used_len"))) {
		b->answer_len = true;
		if (GET_NUM(x, v, "used_len", 0, UINT32_MAX, b->answer_len_val))
			return -1;
	}
	if (!b->answer_status && !b->answer_len)
		return cl_bad(x, n, "blk_device_answer needs status or used_len");
	return 0;
}

/* Keys every operation shares; the per-op key list said which are allowed. */
static int parse_common(struct lctx *x, const struct ynode *n, struct step_blk *b)
{
	const struct ynode *v;

	if ((v = cl_map_get(n, "queue")) && GET_NUM(x, v, "queue", 0, 63, b->queue))
		return -1;
	if ((v = cl_map_get(n, "sector")) && cl_get_u64(x, v, "sector", 0, UINT64_MAX, &b->sector))
		return -1;
	if ((v = cl_map_get(n, "sectors")) &&
	    GET_NUM(x, v, "sectors", 1, BLK_CASE_MAX_SECTORS, b->sectors))
		return -1;
	if ((v = cl_map_get(n, "fill")) && GET_NUM(x, v, "fill", 0, 255, b->fill))
		return -1;
	if ((v = cl_map_get(n, "segments")) && GET_NUM(x, v, "segments", 1, 256, b->segments))
		return -1;
	if ((v = cl_map_get(n, "seed")) && cl_get_u64(x, v, "seed", 0, UINT64_MAX, &b->seed))
		return -1;
	if ((v = cl_map_get(n, "indirect")) && cl_get_bool(x, v, "indirect", &b->indirect))
		return -1;
	if ((v = cl_map_get(n, "unmap")) && cl_get_bool(x, v, "unmap", &b->unmap))
		return -1;
	if ((v = cl_map_get(n, "expect_fail")) && cl_get_bool(x, v, "expect_fail", &b->expect_fail))
		return -1;
	if ((v = cl_map_get(n, "expect_status"))) {
		if (b->expect_fail)
			return cl_bad(x, v, "expect_status and expect_fail exclude each other");
		b->has_status = true;
		if (get_statuses(x, v, b))
			return -1;
	}
	if ((v = cl_map_get(n, "expect_data")) && (b->has_data = true) &&
	    get_data(x, v, "expect_data", &b->data))
		return -1;
	if ((v = cl_map_get(n, "expect_id")) && parse_id(x, v, b))
		return -1;
	if ((v = cl_map_get(n, "expect_lifetime")) && parse_lifetime(x, v, b))
		return -1;
	if (b->op != BLK_OP_REQUEST && (v = cl_map_get(n, "ranges")) && get_ranges(x, v, false, b))
		return -1;
	return 0;
}

static void set_defaults(struct step_blk *b, enum blk_step_op op)
{
	memset(b, 0, sizeof(*b));
	b->op = op;
	b->header = 16;
	b->status_byte = true;
	b->answered = true;
	b->fill = 0x5a;
	b->sectors = 1;
	b->segments = 1;
}

int cl_parse_blk_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_blk **out)
{
	const struct blk_step_def *def = NULL;
	struct step_blk *b;
	size_t i;

	for (i = 0; i < sizeof(step_defs) / sizeof(step_defs[0]); i++)
		if (!strcmp(step_defs[i].name, name))
			def = &step_defs[i];
	if (!def)
		return cl_bad(x, key, "unknown step '%s' (blk steps: blk_request, blk_read, "
			      "blk_write, blk_flush, blk_discard, blk_write_zeroes, "
			      "blk_secure_erase, blk_get_id, blk_get_lifetime, blk_backing_write, "
			      "blk_device_answer)", name);
	if (!v && !def->bare_ok)
		return cl_bad(x, key, "step '%s' needs arguments", name);
	b = calloc(1, sizeof(*b));
	if (!b)
		return cl_bad(x, key, "out of memory");
	set_defaults(b, def->op);
	*out = b; /* case_set_free() frees it, also after an error */
	if (!v)
		return 0;
	if (cl_check_keys(x, v, name, def->keys) || parse_common(x, v, b))
		return -1;
	if (def->op == BLK_OP_REQUEST)
		return parse_request(x, v, b);
	if (def->op == BLK_OP_DEVICE_ANSWER)
		return parse_answer(x, v, b);
	if ((def->op == BLK_OP_DISCARD || def->op == BLK_OP_WRITE_ZEROES ||
	     def->op == BLK_OP_SECURE_ERASE) && !b->n_ranges)
		return cl_bad(x, v, "step '%s' needs ranges", name);
	return 0;
}

/* -------------------------------------------------------- expectation */

static int parse_backing(struct lctx *x, const struct ynode *n, struct expect_blk *e)
{
	static const char *const keys[] = { "sector", "sectors", "fill", "bytes", NULL };
	const struct ynode *v;

	if (cl_check_keys(x, n, "backing expectation", keys))
		return -1;
	e->has_backing = true;
	e->backing_sectors = 1;
	if ((v = cl_map_get(n, "sector")) &&
	    cl_get_u64(x, v, "sector", 0, UINT64_MAX, &e->backing_sector))
		return -1;
	if ((v = cl_map_get(n, "sectors")) &&
	    GET_NUM(x, v, "sectors", 1, BLK_CASE_MAX_SECTORS, e->backing_sectors))
		return -1;
	return get_data_keys(x, n, "backing expectation", &e->backing);
}

static int parse_completed(struct lctx *x, const struct ynode *n, struct expect_blk *e)
{
	static const char *const keys[] = { "type", "status", "count", NULL };
	const struct ynode *v;

	if (cl_check_keys(x, n, "completed expectation", keys))
		return -1;
	e->has_completed = true;
	if (!(v = cl_map_get(n, "type")))
		return cl_bad(x, n, "completed needs a type");
	if (get_type(x, v, &e->completed_type))
		return -1;
	if ((v = cl_map_get(n, "status"))) {
		e->completed_has_status = true;
		if (get_status(x, v, &e->completed_status))
			return -1;
		if (e->completed_status > 2)
			return cl_bad(x, v, "completed counts statuses OK, IOERR and UNSUPP only");
	}
	if (!(v = cl_map_get(n, "count")))
		return cl_bad(x, n, "completed needs a count");
	return cl_get_cmp(x, v, "count", &e->completed);
}

static int parse_queue_requests(struct lctx *x, const struct ynode *n, struct expect_blk *e)
{
	static const char *const keys[] = { "queue", "count", NULL };
	const struct ynode *v;

	if (cl_check_keys(x, n, "queue_requests expectation", keys))
		return -1;
	e->has_queue_requests = true;
	if ((v = cl_map_get(n, "queue")) && GET_NUM(x, v, "queue", 0, 7, e->qr_queue))
		return -1;
	if (!(v = cl_map_get(n, "count")))
		return cl_bad(x, n, "queue_requests needs a count");
	return cl_get_cmp(x, v, "count", &e->queue_requests);
}

static int parse_counter(struct lctx *x, const struct ynode *key, const struct ynode *v,
			 struct expect_blk *e)
{
	struct blk_case_counter *c;
	uint64_t which;

	if (cl_lookup(x, key, "blk expectation", counter_names, &which))
		return -1;
	if (e->n_counters == BLK_CASE_MAX_COUNTERS)
		return cl_bad(x, key, "at most %u blk counters", BLK_CASE_MAX_COUNTERS);
	c = &e->counters[e->n_counters++];
	c->which = (enum blk_counter)which;
	return cl_get_cmp(x, v, key->str, &c->cmp);
}

static int parse_writeback(struct lctx *x, const struct ynode *n, struct expect_blk *e)
{
	e->has_writeback = true;
	return GET_NUM(x, n, "writeback", 0, 255, e->writeback);
}

static int parse_driver_queues(struct lctx *x, const struct ynode *n, struct expect_blk *e)
{
	e->has_driver_queues = true;
	return GET_NUM(x, n, "driver_queues", 0, 64, e->driver_queues);
}

int cl_parse_blk_expect(struct lctx *x, const struct ynode *v, struct expect_blk **out)
{
	static const char *const keys[] = {
		"backing", "completed", "queue_requests", "writeback", "driver_queues",
		"backing_written", "driver_errors", "malformed", "syncs", "config_writes_ignored",
		"writeback_read_early", "ignored_notifies", NULL
	};
	struct expect_blk *e;
	size_t i;

	if (cl_check_keys(x, v, "a blk expectation", keys))
		return -1;
	if (v->n == 0)
		return cl_bad(x, v, "a blk expectation needs at least one key");
	e = calloc(1, sizeof(*e));
	if (!e)
		return cl_bad(x, v, "out of memory");
	*out = e; /* case_set_free() frees it, also after an error */
	for (i = 0; i < v->n; i++) {
		const struct ynode *k = v->items[2 * i], *w = v->items[2 * i + 1];
		int rc;

		if (!strcmp(k->str, "backing"))
			rc = parse_backing(x, w, e);
		else if (!strcmp(k->str, "completed"))
			rc = parse_completed(x, w, e);
		else if (!strcmp(k->str, "queue_requests"))
			rc = parse_queue_requests(x, w, e);
		else if (!strcmp(k->str, "writeback"))
			rc = parse_writeback(x, w, e);
		else if (!strcmp(k->str, "driver_queues"))
			rc = parse_driver_queues(x, w, e);
		else
			rc = parse_counter(x, k, w, e);
		if (rc)
			return -1;
	}
	return 0;
}
