// SPDX-License-Identifier: Apache-2.0
/*
 * Parsers of the console_* steps and the expect "console" key
 * (docs/spec-case-format.md, "console steps"). Every error is reported at
 * the offending node through cl_bad().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_console.h"
#include "case_load_priv.h"

/* 5.3.6.2 control events */
static const struct name_val event_names[] = {
	{ "DEVICE_READY", 0 }, { "DEVICE_ADD", 1 }, { "DEVICE_REMOVE", 2 }, { "PORT_READY", 3 },
	{ "CONSOLE_PORT", 4 }, { "RESIZE", 5 }, { "PORT_OPEN", 6 }, { "PORT_NAME", 7 },
	{ NULL, 0 }
};

#define CONS_CTRL_HDR 8u    /* struct virtio_console_control */
#define CONS_RESIZE_LEN 4u  /* struct virtio_console_resize */

/* ------------------------------------------------------------ values */

static bool is_number(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9';
}

/* An event by name, or any 16-bit number. */
static int get_event(struct lctx *x, const struct ynode *n, uint64_t max, uint16_t *out)
{
	uint64_t v;

	if (is_number(n)) {
		if (cl_get_u64(x, n, "control event", 0, max, &v))
			return -1;
	} else if (cl_lookup(x, n, "control event", event_names, &v)) {
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

static int get_port(struct lctx *x, const struct ynode *m, const char *who, uint32_t *port)
{
	const struct ynode *v = cl_map_get(m, "port");

	*port = 0;
	if (!v)
		return cl_bad(x, m, "%s needs 'port'", who);
	return GET_NUM(x, v, "port", 0, CONS_CASE_MAX_PORT, *port);
}

static int get_flag(struct lctx *x, const struct ynode *m, const char *key, bool *out)
{
	const struct ynode *v = cl_map_get(m, key);

	return v ? cl_get_bool(x, v, key, out) : 0;
}

/* data (a non-empty string) and repeat (default 1), within the total cap. */
static int get_data(struct lctx *x, const struct ynode *m, const char *who, bool required,
		    uint8_t *dst, uint32_t *len, uint32_t *repeat)
{
	const struct ynode *v = cl_map_get(m, "data"), *r = cl_map_get(m, "repeat");
	char s[CONS_CASE_DATA_MAX];

	*len = 0;
	*repeat = 1;
	if (!v) {
		if (r)
			return cl_bad(x, r, "repeat needs data");
		return required ? cl_bad(x, m, "%s needs 'data'", who) : 0;
	}
	if (cl_get_str(x, v, "data", s, sizeof(s)))
		return -1;
	if (!s[0])
		return cl_bad(x, v, "data must not be empty");
	*len = (uint32_t)strlen(s);
	memcpy(dst, s, *len);
	if (r && GET_NUM(x, r, "repeat", 1, CONS_CASE_TOTAL_MAX / *len, *repeat))
		return -1;
	return 0;
}

static int get_cmp_key(struct lctx *x, const struct ynode *m, const char *key, bool *has,
		       struct case_cmp *c)
{
	const struct ynode *v = cl_map_get(m, key);

	*has = v != NULL;
	return v ? cl_get_cmp(x, v, key, c) : 0;
}

/* id, event, value, name | cols+rows, len: one control message. */
static int get_msg(struct lctx *x, const struct ynode *m, struct console_msg *msg)
{
	const struct ynode *v, *c, *r;
	uint32_t full;

	memset(msg, 0, sizeof(*msg));
	if ((v = cl_map_get(m, "id")) && GET_NUM(x, v, "id", 0, UINT32_MAX, msg->id))
		return -1;
	if (!(v = cl_map_get(m, "event")))
		return cl_bad(x, m, "a control message needs 'event'");
	if (get_event(x, v, 0xffff, &msg->event))
		return -1;
	if ((v = cl_map_get(m, "value")) && GET_NUM(x, v, "value", 0, 0xffff, msg->value))
		return -1;
	c = cl_map_get(m, "cols");
	r = cl_map_get(m, "rows");
	if (!c != !r)
		return cl_bad(x, c ? c : r, "a resize payload needs both cols and rows");
	if (c) {
		msg->has_resize = true;
		if (GET_NUM(x, c, "cols", 0, 0xffff, msg->cols) ||
		    GET_NUM(x, r, "rows", 0, 0xffff, msg->rows))
			return -1;
	}
	if ((v = cl_map_get(m, "name"))) {
		if (c)
			return cl_bad(x, v, "a control message carries a name or cols/rows, not both");
		if (cl_get_str(x, v, "name", msg->name, sizeof(msg->name)))
			return -1;
		msg->name_len = (uint32_t)strlen(msg->name);
	}
	full = CONS_CTRL_HDR + msg->name_len + (msg->has_resize ? CONS_RESIZE_LEN : 0);
	if ((v = cl_map_get(m, "len"))) {
		msg->has_len = true;
		if (GET_NUM(x, v, "len", 0, full, msg->len))
			return -1;
	}
	return 0;
}

static int get_queue(struct lctx *x, const struct ynode *m, const char *who, uint16_t *q)
{
	const struct ynode *v = cl_map_get(m, "queue");

	if (!v)
		return cl_bad(x, m, "%s needs 'queue'", who);
	return GET_NUM(x, v, "queue", 0, 63, *q);
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
	if (*n > CONS_CASE_SEGS)
		return cl_bad(x, v, "a console chain has at most %u %s segments", CONS_CASE_SEGS,
			      key);
	memcpy(out, tmp, *n * sizeof(*out));
	return 0;
}

/* ------------------------------------------------------------- steps */

struct op_def {
	const char *name;
	enum console_op op;
	bool bare;                  /* may be written without arguments */
	const char *const keys[12];
};

static const struct op_def ops[] = {
	{ "console_attach", CO_ATTACH, true, { "expect_fail", NULL } },
	{ "console_poll", CO_POLL, true, { "expect_fail", NULL } },
	{ "console_write", CO_WRITE, false,
	  { "port", "data", "repeat", "bytes", "expect_fail", NULL } },
	{ "console_read", CO_READ, false,
	  { "port", "data", "repeat", "bytes", "expect_fail", NULL } },
	{ "console_open", CO_OPEN, false, { "port", "open", "expect_fail", NULL } },
	{ "console_emerg_write", CO_EMERG_WRITE, false, { "data", "expect_fail", NULL } },
	{ "console_ctrl", CO_CTRL, false,
	  { "id", "event", "value", "name", "cols", "rows", "len", "repeat", "expect_fail",
	    NULL } },
	{ "console_submit", CO_SUBMIT, false,
	  { "queue", "out", "in", "indirect", "expect_fail", NULL } },
	{ "console_queue_reset", CO_QUEUE_RESET, false, { "queue", "expect_fail", NULL } },
	{ "console_message", CO_MESSAGE, false,
	  { "buf", "offset", "id", "event", "value", "name", "cols", "rows", "len", NULL } },
	{ "console_inject", CO_INJECT, false, { "port", "data", "repeat", "accepted", NULL } },
	{ "console_host_open", CO_HOST_OPEN, false, { "port", "open", "expect_fail", NULL } },
	{ "console_port_add", CO_PORT_ADD, false, { "port", "name", "expect_fail", NULL } },
	{ "console_port_remove", CO_PORT_REMOVE, false, { "port", "expect_fail", NULL } },
	{ "console_set_console", CO_SET_CONSOLE, false, { "port", "expect_fail", NULL } },
	{ "console_resize", CO_RESIZE, false,
	  { "port", "cols", "rows", "expect_fail", NULL } },
	{ "console_device_ctrl", CO_DEVICE_CTRL, false,
	  { "id", "event", "value", "name", "cols", "rows", "len", "repeat", "expect_fail",
	    NULL } },
};

static const struct op_def *op_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static int unknown_step(struct lctx *x, const struct ynode *key, const char *name)
{
	char list[512] = "";
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		strncat(list, ops[i].name, sizeof(list) - strlen(list) - 1);
		if (i + 1 < sizeof(ops) / sizeof(ops[0]))
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
	}
	return cl_bad(x, key, "unknown console step '%s' (expected one of: %s)", name, list);
}

static int parse_submit(struct lctx *x, const struct ynode *v, struct step_console *s)
{
	if (get_queue(x, v, "console_submit", &s->queue) ||
	    get_segs(x, v, "out", s->out, &s->n_out) ||
	    get_segs(x, v, "in", s->in, &s->n_in) || get_flag(x, v, "indirect", &s->indirect))
		return -1;
	if (s->n_out + s->n_in == 0)
		return cl_bad(x, v, "console_submit needs out or in segments");
	return 0;
}

static int parse_message(struct lctx *x, const struct ynode *v, struct step_console *s)
{
	const struct ynode *w = cl_map_get(v, "buf");

	if (!w)
		return cl_bad(x, v, "console_message needs 'buf'");
	if (cl_get_name(x, w, "buffer name", s->buf, sizeof(s->buf)))
		return -1;
	if ((w = cl_map_get(v, "offset")) && GET_NUM(x, w, "offset", 0, 1u << 20, s->offset))
		return -1;
	return get_msg(x, v, &s->msg);
}

static int parse_args(struct lctx *x, const struct ynode *v, const char *who,
		      struct step_console *s)
{
	const struct ynode *w;

	switch (s->op) {
	case CO_ATTACH:
	case CO_POLL:
		return 0;
	case CO_WRITE:
	case CO_READ:
		if (get_port(x, v, who, &s->port) ||
		    get_data(x, v, who, s->op == CO_WRITE, s->data, &s->data_len, &s->repeat) ||
		    get_cmp_key(x, v, "bytes", &s->has_count, &s->count))
			return -1;
		if (s->op == CO_READ && !s->data_len && !s->has_count && !s->expect_fail)
			return cl_bad(x, v, "console_read needs data, bytes or expect_fail");
		return 0;
	case CO_OPEN:
	case CO_HOST_OPEN:
		s->open = true;
		return get_port(x, v, who, &s->port) || get_flag(x, v, "open", &s->open);
	case CO_EMERG_WRITE:
		if (get_data(x, v, who, true, s->data, &s->data_len, &s->repeat))
			return -1;
		return 0;
	case CO_CTRL:
	case CO_DEVICE_CTRL:
		if ((w = cl_map_get(v, "repeat")) &&
		    GET_NUM(x, w, "repeat", 1, CONS_CASE_MSG_REPEAT, s->repeat))
			return -1;
		return get_msg(x, v, &s->msg);
	case CO_SUBMIT:
		return parse_submit(x, v, s);
	case CO_QUEUE_RESET:
		return get_queue(x, v, who, &s->queue);
	case CO_MESSAGE:
		return parse_message(x, v, s);
	case CO_INJECT:
		return get_port(x, v, who, &s->port) ||
		       get_data(x, v, who, true, s->data, &s->data_len, &s->repeat) ||
		       get_cmp_key(x, v, "accepted", &s->has_count, &s->count);
	case CO_PORT_ADD:
		if (get_port(x, v, who, &s->port))
			return -1;
		if ((w = cl_map_get(v, "name")) &&
		    cl_get_name(x, w, "port name", s->name, sizeof(s->name)))
			return -1;
		return 0;
	case CO_PORT_REMOVE:
	case CO_SET_CONSOLE:
		return get_port(x, v, who, &s->port);
	case CO_RESIZE:
		if (get_port(x, v, who, &s->port))
			return -1;
		if (!(w = cl_map_get(v, "cols")) || GET_NUM(x, w, "cols", 0, 0xffff, s->cols))
			return w ? -1 : cl_bad(x, v, "console_resize needs cols and rows");
		if (!(w = cl_map_get(v, "rows")) || GET_NUM(x, w, "rows", 0, 0xffff, s->rows))
			return w ? -1 : cl_bad(x, v, "console_resize needs cols and rows");
		return 0;
	}
	return cl_bad(x, v, "unhandled console step");
}

int cl_parse_console_step(struct lctx *x, const char *name, const struct ynode *key,
			  const struct ynode *v, struct step_console **out)
{
	const struct op_def *d = op_find(name);
	struct step_console *s;

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
	{ "ctrl_ignored", CC_DEV_CTRL_IGNORED }, { "ctrl_dropped", CC_DEV_CTRL_DROPPED },
	{ "ctrl_truncated", CC_DEV_CTRL_TRUNCATED }, { "rx_bytes", CC_DEV_RX_BYTES },
	{ "tx_bytes", CC_DEV_TX_BYTES }, { "tx_discarded", CC_DEV_TX_DISCARDED },
	{ "emerg_bytes", CC_DEV_EMERG_BYTES }, { "ctrl_to_driver", CC_DEV_TO_DRIVER },
	{ "ctrl_from_driver", CC_DEV_FROM_DRIVER }, { NULL, 0 }
};

static const struct counter_name drv_counters[] = {
	{ "ctrl_rejected", CC_DRV_CTRL_REJECTED }, { "raw_used", CC_DRV_RAW_USED },
	{ "rx_bytes", CC_DRV_RX_BYTES }, { "tx_bytes", CC_DRV_TX_BYTES },
	{ "config_changes", CC_DRV_CONFIG_CHANGES }, { "events", CC_DRV_EVENTS },
	{ "ctrl_from_device", CC_DRV_FROM_DEVICE }, { "ctrl_to_device", CC_DRV_TO_DEVICE },
	{ NULL, 0 }
};

static int add_counter(struct lctx *x, const struct ynode *n, struct expect_console *e,
		       unsigned which, const char *what)
{
	struct console_counter *c;

	if (e->n_counters == CONS_CASE_COUNTERS)
		return cl_bad(x, n, "more than %u console counters in one expect step",
			      CONS_CASE_COUNTERS);
	c = &e->counters[e->n_counters++];
	c->which = (uint8_t)which;
	return cl_get_cmp(x, n, what, &c->cmp);
}

/* {EVENT: count, ...} for one of the per-event counters. */
static int get_event_counters(struct lctx *x, const struct ynode *m, struct expect_console *e,
			      unsigned base, const char *what)
{
	size_t i;

	if (cl_want_kind(x, m, YN_MAP, what))
		return -1;
	if (m->n == 0)
		return cl_bad(x, m, "%s needs at least one event", what);
	for (i = 0; i < m->n; i++) {
		uint16_t ev;

		if (get_event(x, m->items[2 * i], 7, &ev) ||
		    add_counter(x, m->items[2 * i + 1], e, base + ev, what))
			return -1;
	}
	return 0;
}

static int get_counters(struct lctx *x, const struct ynode *m, struct expect_console *e,
			const struct counter_name *tab, const char *what)
{
	const char *keys[16];
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

		for (k = 0; strcmp(tab[k].name, key->str); k++)
			;
		if (tab[k].which >= CC_DEV_TO_DRIVER) {
			if (get_event_counters(x, val, e, tab[k].which, key->str))
				return -1;
		} else if (add_counter(x, val, e, tab[k].which, key->str)) {
			return -1;
		}
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

static int get_u16_key(struct lctx *x, const struct ynode *m, const char *key, bool *has,
		       uint16_t *val)
{
	const struct ynode *v = cl_map_get(m, key);

	*has = v != NULL;
	return v ? GET_NUM(x, v, key, 0, 0xffff, *val) : 0;
}

/* The device's (driver false) or the driver's view of one port. */
static int get_port_expect(struct lctx *x, const struct ynode *m, bool driver,
			   struct console_port_expect *p)
{
	static const char *const dkeys[] = { "port", "present", "added", "ready", "guest_open",
					     "host_open", "console", "cols", "rows",
					     "pending_input", "output", NULL };
	static const char *const rkeys[] = { "port", "added", "open", "host_open", "console",
					     "name", "cols", "rows", "input", NULL };
	const struct ynode *v;

	if (cl_check_keys(x, m, driver ? "a driver_port expectation" : "a port expectation",
			  driver ? rkeys : dkeys))
		return -1;
	if (m->n < 2)
		return cl_bad(x, m, "a port expectation needs port and at least one value");
	p->active = true;
	if (get_port(x, m, driver ? "a driver_port expectation" : "a port expectation", &p->port) ||
	    get_bool_key(x, m, "added", &p->has_added, &p->added) ||
	    get_bool_key(x, m, "host_open", &p->has_host_open, &p->host_open) ||
	    get_bool_key(x, m, "console", &p->has_console, &p->console) ||
	    get_u16_key(x, m, "cols", &p->has_cols, &p->cols) ||
	    get_u16_key(x, m, "rows", &p->has_rows, &p->rows))
		return -1;
	if (driver) {
		if (get_bool_key(x, m, "open", &p->has_guest_open, &p->guest_open) ||
		    get_cmp_key(x, m, "input", &p->has_pending, &p->pending))
			return -1;
		if ((v = cl_map_get(m, "name"))) {
			p->has_name = true;
			return cl_get_str(x, v, "name", p->name, sizeof(p->name));
		}
		return 0;
	}
	return get_bool_key(x, m, "present", &p->has_present, &p->present) ||
	       get_bool_key(x, m, "ready", &p->has_ready, &p->ready) ||
	       get_bool_key(x, m, "guest_open", &p->has_guest_open, &p->guest_open) ||
	       get_cmp_key(x, m, "pending_input", &p->has_pending, &p->pending) ||
	       get_cmp_key(x, m, "output", &p->has_output, &p->output);
}

static int get_output(struct lctx *x, const struct ynode *m, struct expect_console *e)
{
	static const char *const keys[] = { "port", "data", "repeat", "bytes", NULL };

	if (cl_check_keys(x, m, "an output expectation", keys))
		return -1;
	e->has_output = true;
	if (get_port(x, m, "an output expectation", &e->out_port) ||
	    get_data(x, m, "an output expectation", false, e->out_data, &e->out_len,
		     &e->out_repeat) ||
	    get_cmp_key(x, m, "bytes", &e->has_out_bytes, &e->out_bytes))
		return -1;
	if (!e->out_len && !e->has_out_bytes)
		return cl_bad(x, m, "an output expectation needs data or bytes");
	return 0;
}

static int get_events(struct lctx *x, const struct ynode *l, struct expect_console *e)
{
	static const char *const keys[] = { "id", "event", "value", NULL };
	size_t i;

	if (cl_want_kind(x, l, YN_SEQ, "events"))
		return -1;
	if (l->n > CASE_MAX_LIST)
		return cl_bad(x, l, "events lists at most %u control messages", CASE_MAX_LIST);
	e->has_events = true;
	e->n_events = (unsigned)l->n;
	for (i = 0; i < l->n; i++) {
		const struct ynode *m = l->items[i], *v;
		struct console_event *ev = &e->events[i];

		if (cl_check_keys(x, m, "a control event", keys))
			return -1;
		if ((v = cl_map_get(m, "id")) && GET_NUM(x, v, "id", 0, UINT32_MAX, ev->id))
			return -1;
		if (!(v = cl_map_get(m, "event")))
			return cl_bad(x, m, "a control event needs 'event'");
		if (get_event(x, v, 0xffff, &ev->event))
			return -1;
		if ((v = cl_map_get(m, "value")) && GET_NUM(x, v, "value", 0, 0xffff, ev->value))
			return -1;
	}
	return 0;
}

static int get_size(struct lctx *x, const struct ynode *m, struct expect_console *e)
{
	static const char *const keys[] = { "cols", "rows", NULL };
	const struct ynode *c, *r;

	if (cl_check_keys(x, m, "a driver_size expectation", keys))
		return -1;
	c = cl_map_get(m, "cols");
	r = cl_map_get(m, "rows");
	if (!c || !r)
		return cl_bad(x, m, "driver_size needs cols and rows");
	e->has_size = true;
	return GET_NUM(x, c, "cols", 0, 0xffff, e->cols) || GET_NUM(x, r, "rows", 0, 0xffff, e->rows);
}

static int get_queue_expect(struct lctx *x, const struct ynode *m, struct expect_console *e)
{
	static const char *const keys[] = { "queue", "broken", "used_idx", "used_len", "used_id",
					    NULL };
	const struct ynode *v;

	if (cl_check_keys(x, m, "a queue expectation", keys))
		return -1;
	if (m->n < 2)
		return cl_bad(x, m, "a queue expectation needs queue and at least one value");
	e->has_queue = true;
	if (get_queue(x, m, "a queue expectation", &e->queue) ||
	    get_bool_key(x, m, "broken", &e->has_broken, &e->broken) ||
	    get_u16_key(x, m, "used_idx", &e->has_used_idx, &e->used_idx) ||
	    get_cmp_key(x, m, "used_len", &e->has_used_len, &e->used_len))
		return -1;
	if ((v = cl_map_get(m, "used_id"))) {
		e->has_used_id = true;
		return GET_NUM(x, v, "used_id", 0, UINT32_MAX, e->used_id);
	}
	return 0;
}

static int parse_expect(struct lctx *x, const struct ynode *v, struct expect_console *e)
{
	static const char *const keys[] = { "output", "port", "driver_port", "device_stats",
					    "driver_stats", "events", "driver_size", "queue",
					    NULL };
	const struct ynode *w;

	if (cl_check_keys(x, v, "a console expectation", keys))
		return -1;
	if (v->n == 0)
		return cl_bad(x, v, "a console expectation needs at least one key");
	if ((w = cl_map_get(v, "output")) && get_output(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "port")) && get_port_expect(x, w, false, &e->port))
		return -1;
	if ((w = cl_map_get(v, "driver_port")) && get_port_expect(x, w, true, &e->dport))
		return -1;
	if ((w = cl_map_get(v, "device_stats")) &&
	    get_counters(x, w, e, dev_counters, "device_stats"))
		return -1;
	if ((w = cl_map_get(v, "driver_stats")) &&
	    get_counters(x, w, e, drv_counters, "driver_stats"))
		return -1;
	if ((w = cl_map_get(v, "events")) && get_events(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "driver_size")) && get_size(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "queue")) && get_queue_expect(x, w, e))
		return -1;
	return 0;
}

int cl_parse_console_expect(struct lctx *x, const struct ynode *v, struct expect_console **out)
{
	struct expect_console *e = calloc(1, sizeof(*e));

	if (!e)
		return cl_bad(x, v, "out of memory");
	if (parse_expect(x, v, e)) {
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
