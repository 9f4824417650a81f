// SPDX-License-Identifier: Apache-2.0
/*
 * The console device in the model executor: the console_* steps drive the
 * reference console driver (console_drv.h) and the device's host end
 * (console.h), and the "console" expectation reads both sides' state.
 * docs/spec-case-format.md, "console steps", is the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "devices.h"
#include "vq_split_layout.h"
#include "virtiocheck/le.h"

#include "case_console.h"
#include "exec_priv.h"

/* reads of a port that return nothing before console_read gives up */
#define CONS_READ_IDLE 2u
#define CONS_CHUNK (64u << 10)

static void *cdev(struct xstate *x)
{
	return vdev_device(x->pair.core);
}

static int ensure_cons(struct xstate *x)
{
	if (x->cons_attached)
		return 0;
	if (vcons_drv_attach(&x->cons, x->pair.drv) != 0) {
		vcons_drv_detach(&x->cons);
		return xfail(x, V_FAIL, NULL,
			     "the console driver could not attach (status 0x%02x)",
			     vdrv_status(x->pair.drv));
	}
	x->cons_attached = true;
	xtrace(x, "  console driver attached: %u port(s)%s", x->cons.nports,
	       x->cons.multiport ? ", multiport" : "");
	return 0;
}

/* A step's success or failure against its expect_fail. */
static int outcome(struct xstate *x, const struct step_console *s, const char *what, bool ok)
{
	xtrace(x, "  %s -> %s", what, ok ? "ok" : "failed");
	if (ok == s->expect_fail)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", what,
			     s->expect_fail ? "failure" : "success", ok ? "success" : "failure");
	return 0;
}

/* data repeated: byte off of the pattern */
static uint8_t pat(const uint8_t *data, uint32_t len, uint64_t off)
{
	return data[off % len];
}

static uint8_t *pattern_new(const uint8_t *data, uint32_t len, uint32_t repeat)
{
	uint8_t *b = malloc((size_t)len * repeat);
	uint32_t i;

	for (i = 0; b && i < repeat; i++)
		memcpy(b + (size_t)i * len, data, len);
	return b;
}

/* The first offset where got differs from the pattern at base, or -1. */
static long pattern_diff(const uint8_t *got, size_t n, const uint8_t *data, uint32_t len,
			 uint64_t base)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != pat(data, len, base + i))
			return (long)i;
	return -1;
}

static int check_count(struct xstate *x, const char *what, bool has, const struct case_cmp *c,
		       uint64_t dflt, uint64_t got)
{
	struct case_cmp d = { .has_eq = true, .eq = dflt };
	char cb[64];

	if (!has)
		c = &d;
	if (xcmp_ok(c, got))
		return 0;
	xcmp_str(c, cb, sizeof(cb));
	return xfail(x, V_FAIL, NULL, "%s: expected %s bytes, observed %llu", what, cb,
		     (unsigned long long)got);
}

/* struct virtio_console_control, then the name or the resize payload. */
static uint32_t msg_build(const struct console_msg *m, uint8_t *b)
{
	le32 id = cpu_to_le32(m->id);
	le16 ev = cpu_to_le16(m->event), val = cpu_to_le16(m->value);
	uint32_t n = 8;

	memcpy(b, &id, 4);
	memcpy(b + 4, &ev, 2);
	memcpy(b + 6, &val, 2);
	if (m->has_resize) {
		le16 c = cpu_to_le16(m->cols), r = cpu_to_le16(m->rows);

		memcpy(b + 8, &c, 2);
		memcpy(b + 10, &r, 2);
		n += 4;
	}
	memcpy(b + n, m->name, m->name_len);
	n += m->name_len;
	return m->has_len ? m->len : n;
}

/* ------------------------------------------------------ driver steps */

static int do_attach(struct xstate *x, const struct step_console *s)
{
	bool ok;

	if (x->cons_attached)
		return xfail(x, V_ERROR, NULL, "case error: the console driver is attached already");
	ok = vcons_drv_attach(&x->cons, x->pair.drv) == 0;
	if (ok)
		x->cons_attached = true;
	else
		vcons_drv_detach(&x->cons);
	return outcome(x, s, "console_attach", ok);
}

static int do_write(struct xstate *x, const struct step_console *s)
{
	uint64_t total = (uint64_t)s->data_len * s->repeat;
	uint8_t *b;
	long r;

	if (ensure_cons(x))
		return -1;
	b = pattern_new(s->data, s->data_len, s->repeat);
	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	r = vcons_drv_write(&x->cons, s->port, b, total);
	free(b);
	xtrace(x, "  console_write port %u, %llu bytes -> %ld", s->port,
	       (unsigned long long)total, r);
	if (s->expect_fail != (r < 0))
		return outcome(x, s, "console_write", r >= 0);
	if (r < 0)
		return 0;
	return check_count(x, "console_write", s->has_count, &s->count, total, (uint64_t)r);
}

static int do_read(struct xstate *x, const struct step_console *s)
{
	uint64_t total = (uint64_t)s->data_len * s->repeat;
	size_t cap = s->data_len ? (size_t)total + 1 : CONS_CASE_TOTAL_MAX + 1, got = 0;
	unsigned idle = 0;
	uint8_t *b;
	long r = 0, diff;

	if (ensure_cons(x))
		return -1;
	b = malloc(cap);
	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	while (got < cap && idle < CONS_READ_IDLE) {
		r = vcons_drv_read(&x->cons, s->port, b + got, cap - got);
		if (r < 0)
			break;
		idle = r ? 0 : idle + 1;
		got += (size_t)r;
	}
	xtrace(x, "  console_read port %u -> %zu bytes%s", s->port, got, r < 0 ? ", then failed" : "");
	if (s->expect_fail || r < 0) {
		free(b);
		return outcome(x, s, "console_read", r >= 0);
	}
	diff = s->data_len ? pattern_diff(b, got < total ? got : (size_t)total, s->data,
					  s->data_len, 0) : -1;
	free(b);
	if (diff >= 0)
		return xfail(x, V_FAIL, NULL, "console_read port %u: byte %ld differs from the data",
			     s->port, diff);
	if (got == cap)
		return xfail(x, V_FAIL, NULL, "console_read port %u: more than the %zu bytes expected",
			     s->port, cap - 1);
	if (s->has_count || s->data_len)
		return check_count(x, "console_read", s->has_count, &s->count, total, got);
	return 0;
}

static int do_ctrl(struct xstate *x, const struct step_console *s)
{
	uint8_t b[CONS_CASE_NAME_MAX + 16];
	uint32_t n, i;
	int rc;

	if (ensure_cons(x))
		return -1;
	n = msg_build(&s->msg, b);
	for (i = 0, rc = 0; i < s->repeat && rc == 0; i++) {
		if (!s->msg.has_len && !s->msg.has_resize && !s->msg.name_len)
			rc = vcons_drv_send_ctrl(&x->cons, s->msg.id, s->msg.event, s->msg.value);
		else
			rc = vcons_drv_ctrl_raw(&x->cons, b, n);
	}
	xtrace(x, "  console_ctrl id %u event %u value %u, %u bytes, %u sent", s->msg.id,
	       s->msg.event, s->msg.value, n, rc ? i - 1 : i);
	return outcome(x, s, "console_ctrl", rc == 0);
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

static int do_submit(struct xstate *x, const struct step_console *s)
{
	struct vq_buf out[CONS_CASE_SEGS], in[CONS_CASE_SEGS];
	int head;

	if (ensure_cons(x) || seg_bufs(x, s->out, s->n_out, out, false) ||
	    seg_bufs(x, s->in, s->n_in, in, true))
		return -1;
	head = vcons_drv_submit_raw(&x->cons, s->queue, out, s->n_out, in, s->n_in, s->indirect);
	xtrace(x, "  console_submit q%u: %u out, %u in%s -> head %d", s->queue, s->n_out, s->n_in,
	       s->indirect ? ", indirect" : "", head);
	return outcome(x, s, "console_submit", head >= 0);
}

static int do_message(struct xstate *x, const struct step_console *s)
{
	struct named *nb = xbuf_find(x, s->buf);
	uint8_t b[CONS_CASE_NAME_MAX + 16];
	uint32_t n = msg_build(&s->msg, b);

	if (!nb)
		return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", s->buf);
	if ((uint64_t)s->offset + n > nb->size)
		return xfail(x, V_ERROR, NULL, "case error: a %u-byte message at %u overflows '%s'",
			     n, s->offset, s->buf);
	if (gm_write(x->pair.drv_mem, nb->gpa + s->offset, b, n) != 0)
		return xfail(x, V_ERROR, NULL, "case error: '%s' is not in guest memory", s->buf);
	xtrace(x, "  console_message into '%s'+%u: id %u event %u value %u, %u bytes", s->buf,
	       s->offset, s->msg.id, s->msg.event, s->msg.value, n);
	return 0;
}

static int driver_step(struct xstate *x, const struct step_console *s)
{
	int rc;

	switch (s->op) {
	case CO_ATTACH:
		return do_attach(x, s);
	case CO_POLL:
		if (ensure_cons(x))
			return -1;
		return outcome(x, s, "console_poll", vcons_drv_poll(&x->cons) == 0);
	case CO_WRITE:
		return do_write(x, s);
	case CO_READ:
		return do_read(x, s);
	case CO_OPEN:
		if (ensure_cons(x))
			return -1;
		rc = vcons_drv_port_open(&x->cons, s->port, s->open);
		return outcome(x, s, s->open ? "console_open" : "console_open (close)", rc == 0);
	case CO_EMERG_WRITE:
		if (ensure_cons(x))
			return -1;
		rc = vcons_drv_emerg_write(&x->cons, s->data, s->data_len);
		return outcome(x, s, "console_emerg_write", rc == 0);
	case CO_CTRL:
		return do_ctrl(x, s);
	case CO_SUBMIT:
		return do_submit(x, s);
	case CO_QUEUE_RESET:
		if (ensure_cons(x))
			return -1;
		rc = vcons_drv_queue_reset(&x->cons, s->queue);
		return outcome(x, s, "console_queue_reset", rc == 0);
	case CO_MESSAGE:
		return do_message(x, s);
	default:
		return 1; /* not a driver step */
	}
}

/* ------------------------------------------------------ device steps */

static int do_inject(struct xstate *x, const struct step_console *s)
{
	uint64_t total = (uint64_t)s->data_len * s->repeat;
	uint8_t *b = pattern_new(s->data, s->data_len, s->repeat);
	size_t n;

	if (!b)
		return xfail(x, V_ERROR, NULL, "out of memory");
	n = vc_console_inject(cdev(x), s->port, b, total);
	free(b);
	xtrace(x, "  console_inject port %u, %llu bytes -> %zu accepted", s->port,
	       (unsigned long long)total, n);
	return check_count(x, "console_inject", s->has_count, &s->count, total, n);
}

static int do_device_ctrl(struct xstate *x, const struct step_console *s)
{
	uint8_t b[CONS_CASE_NAME_MAX + 16];
	uint32_t n = msg_build(&s->msg, b), i;
	int rc = 0;

	for (i = 0; i < s->repeat && rc == 0; i++)
		rc = vc_console_ctrl_raw(cdev(x), b, n);
	xtrace(x, "  console_device_ctrl id %u event %u value %u, %u bytes, %u queued", s->msg.id,
	       s->msg.event, s->msg.value, n, rc ? i - 1 : i);
	return outcome(x, s, "console_device_ctrl", rc == 0);
}

static int device_step(struct xstate *x, const struct step_console *s)
{
	void *d = cdev(x);
	char what[64];
	int rc;

	switch (s->op) {
	case CO_INJECT:
		return do_inject(x, s);
	case CO_HOST_OPEN:
		rc = vc_console_set_host_open(d, s->port, s->open);
		snprintf(what, sizeof(what), "console_host_open port %u %s", s->port,
			 s->open ? "open" : "closed");
		break;
	case CO_PORT_ADD:
		rc = vc_console_port_add(d, s->port, s->name[0] ? s->name : NULL);
		snprintf(what, sizeof(what), "console_port_add port %u", s->port);
		break;
	case CO_PORT_REMOVE:
		rc = vc_console_port_remove(d, s->port);
		snprintf(what, sizeof(what), "console_port_remove port %u", s->port);
		break;
	case CO_SET_CONSOLE:
		rc = vc_console_set_console(d, s->port);
		snprintf(what, sizeof(what), "console_set_console port %u", s->port);
		break;
	case CO_RESIZE:
		rc = vc_console_resize(d, s->port, s->cols, s->rows);
		snprintf(what, sizeof(what), "console_resize port %u to %ux%u", s->port, s->cols,
			 s->rows);
		break;
	case CO_DEVICE_CTRL:
		return do_device_ctrl(x, s);
	default:
		return xfail(x, V_ERROR, NULL, "unknown console step");
	}
	return outcome(x, s, what, rc == 0);
}

static void event_name(uint16_t ev, char *buf, size_t n);

/* The control messages the driver took from the device since n0. */
static void trace_events(struct xstate *x, uint32_t n0)
{
	const struct vcons_drv *c = &x->cons;
	char name[32];
	uint32_t i;

	if (!x->cons_attached)
		return;
	for (i = n0; i < c->n_log && i < VCONS_LOG_MAX; i++) {
		event_name(c->log[i].event, name, sizeof(name));
		xtrace(x, "  device -> driver: %s id %u value %u", name, c->log[i].id,
		       c->log[i].value);
	}
}

int exec_console_step(struct xstate *x, const struct case_step *s)
{
	uint32_t n0 = x->cons_attached ? x->cons.n_log : 0;
	int rc = driver_step(x, s->u.console);

	if (rc <= 0) {
		trace_events(x, n0);
		return rc;
	}
	return device_step(x, s->u.console);
}

/* ------------------------------------------------------ expectations */

static int check_output(struct xstate *x, const struct expect_console *e)
{
	uint64_t total = (uint64_t)e->out_len * e->out_repeat, got = 0;
	uint8_t *chunk = malloc(CONS_CHUNK);
	long diff = -1;
	size_t n;

	if (!chunk)
		return xfail(x, V_ERROR, NULL, "out of memory");
	while ((n = vc_console_output(cdev(x), e->out_port, chunk, CONS_CHUNK)) > 0) {
		if (e->out_len && diff < 0 && got < total) {
			size_t k = total - got < n ? (size_t)(total - got) : n;
			long dd = pattern_diff(chunk, k, e->out_data, e->out_len, got);

			if (dd >= 0)
				diff = (long)got + dd;
		}
		got += n;
	}
	free(chunk);
	xtrace(x, "  port %u output: %llu bytes", e->out_port, (unsigned long long)got);
	if (diff >= 0)
		return xfail(x, V_FAIL, NULL, "port %u output byte %ld differs from the data",
			     e->out_port, diff);
	if (e->out_len || e->has_out_bytes)
		return check_count(x, "port output", e->has_out_bytes, &e->out_bytes, total, got);
	return 0;
}

static int want_bool(struct xstate *x, const char *who, uint32_t port, const char *what,
		     bool has, bool want, bool got)
{
	if (!has || want == got)
		return 0;
	return xfail(x, V_FAIL, NULL, "%s port %u: expected %s %s, observed %s", who, port,
		     what, want ? "true" : "false", got ? "true" : "false");
}

static int want_u16(struct xstate *x, const char *who, uint32_t port, const char *what,
		    bool has, uint16_t want, uint16_t got)
{
	if (!has || want == got)
		return 0;
	return xfail(x, V_FAIL, NULL, "%s port %u: expected %s %u, observed %u", who, port, what,
		     want, got);
}

static int want_cmp(struct xstate *x, const char *who, uint32_t port, const char *what,
		    bool has, const struct case_cmp *c, uint64_t got)
{
	char cb[64];

	if (!has || xcmp_ok(c, got))
		return 0;
	xcmp_str(c, cb, sizeof(cb));
	return xfail(x, V_FAIL, NULL, "%s port %u: expected %s %s, observed %llu", who, port, what,
		     cb, (unsigned long long)got);
}

static int check_port(struct xstate *x, const struct console_port_expect *p)
{
	struct vc_console_port_state st;
	const char *w = "device";

	if (vc_console_port_state(cdev(x), p->port, &st) != 0)
		return xfail(x, V_ERROR, NULL, "case error: the device has no port %u", p->port);
	return want_bool(x, w, p->port, "present", p->has_present, p->present, st.present) ||
	       want_bool(x, w, p->port, "added", p->has_added, p->added, st.added) ||
	       want_bool(x, w, p->port, "ready", p->has_ready, p->ready, st.ready) ||
	       want_bool(x, w, p->port, "guest_open", p->has_guest_open, p->guest_open,
			 st.guest_open) ||
	       want_bool(x, w, p->port, "host_open", p->has_host_open, p->host_open,
			 st.host_open) ||
	       want_bool(x, w, p->port, "console", p->has_console, p->console, st.console) ||
	       want_u16(x, w, p->port, "cols", p->has_cols, p->cols, st.cols) ||
	       want_u16(x, w, p->port, "rows", p->has_rows, p->rows, st.rows) ||
	       want_cmp(x, w, p->port, "pending_input", p->has_pending, &p->pending,
			st.pending_input) ||
	       want_cmp(x, w, p->port, "output", p->has_output, &p->output, st.output) ? -1 : 0;
}

static int check_driver_port(struct xstate *x, const struct console_port_expect *p)
{
	const struct vcons_port *d;
	const char *w = "driver";

	if (!x->cons_attached)
		return xfail(x, V_ERROR, NULL, "case error: the console driver is not attached");
	if (p->port >= VCONS_MAX_PORTS)
		return xfail(x, V_ERROR, NULL, "case error: the driver has no port %u", p->port);
	d = &x->cons.port[p->port];
	if (want_bool(x, w, p->port, "added", p->has_added, p->added, d->added) ||
	    want_bool(x, w, p->port, "open", p->has_guest_open, p->guest_open, d->open) ||
	    want_bool(x, w, p->port, "host_open", p->has_host_open, p->host_open, d->host_open) ||
	    want_bool(x, w, p->port, "console", p->has_console, p->console, d->console) ||
	    want_u16(x, w, p->port, "cols", p->has_cols, p->cols, d->cols) ||
	    want_u16(x, w, p->port, "rows", p->has_rows, p->rows, d->rows) ||
	    want_cmp(x, w, p->port, "input", p->has_pending, &p->pending, d->in_len))
		return -1;
	if (p->has_name && (!d->named || strcmp(p->name, d->name)))
		return xfail(x, V_FAIL, NULL, "driver port %u: expected name '%s', observed %s%s%s",
			     p->port, p->name, d->named ? "'" : "none", d->named ? d->name : "",
			     d->named ? "'" : "");
	return 0;
}

static const char *const event_str[8] = {
	"DEVICE_READY", "DEVICE_ADD", "DEVICE_REMOVE", "PORT_READY", "CONSOLE_PORT", "RESIZE",
	"PORT_OPEN", "PORT_NAME",
};

/* The counter's value and name, or -1 when it needs the driver attached. */
static int counter_value(struct xstate *x, unsigned which, uint64_t *v, char *name, size_t n)
{
	const struct vc_console_stats *ds = vc_console_stats(cdev(x));
	const struct vcons_stats *rs = &x->cons.stats;
	static const char *const names[] = {
		[CC_DEV_CTRL_IGNORED] = "device ctrl_ignored",
		[CC_DEV_CTRL_DROPPED] = "device ctrl_dropped",
		[CC_DEV_CTRL_TRUNCATED] = "device ctrl_truncated",
		[CC_DEV_RX_BYTES] = "device rx_bytes", [CC_DEV_TX_BYTES] = "device tx_bytes",
		[CC_DEV_TX_DISCARDED] = "device tx_discarded",
		[CC_DEV_EMERG_BYTES] = "device emerg_bytes",
		[CC_DRV_CTRL_REJECTED] = "driver ctrl_rejected",
		[CC_DRV_RAW_USED] = "driver raw_used", [CC_DRV_RX_BYTES] = "driver rx_bytes",
		[CC_DRV_TX_BYTES] = "driver tx_bytes",
		[CC_DRV_CONFIG_CHANGES] = "driver config_changes",
		[CC_DRV_EVENTS] = "driver events",
	};
	static const char *const groups[] = { "device ctrl_to_driver", "device ctrl_from_driver",
					      "driver ctrl_from_device", "driver ctrl_to_device" };

	if (which >= CC_DEV_TO_DRIVER) {
		unsigned g = (which - CC_DEV_TO_DRIVER) / 8, ev = (which - CC_DEV_TO_DRIVER) % 8;

		snprintf(name, n, "%s %s", groups[g], event_str[ev]);
		if (g >= 2 && !x->cons_attached)
			return -1;
		*v = g == 0 ? ds->ctrl_to_driver[ev] : g == 1 ? ds->ctrl_from_driver[ev]
			   : g == 2 ? rs->ctrl_from_device[ev] : rs->ctrl_to_device[ev];
		return 0;
	}
	snprintf(name, n, "%s", names[which]);
	if (which >= CC_DRV_CTRL_REJECTED && !x->cons_attached)
		return -1;
	switch (which) {
	case CC_DEV_CTRL_IGNORED: *v = ds->ctrl_ignored; break;
	case CC_DEV_CTRL_DROPPED: *v = ds->ctrl_dropped; break;
	case CC_DEV_CTRL_TRUNCATED: *v = ds->ctrl_truncated; break;
	case CC_DEV_RX_BYTES: *v = ds->rx_bytes; break;
	case CC_DEV_TX_BYTES: *v = ds->tx_bytes; break;
	case CC_DEV_TX_DISCARDED: *v = ds->tx_discarded; break;
	case CC_DEV_EMERG_BYTES: *v = ds->emerg_bytes; break;
	case CC_DRV_CTRL_REJECTED: *v = rs->ctrl_rejected; break;
	case CC_DRV_RAW_USED: *v = rs->raw_used; break;
	case CC_DRV_RX_BYTES: *v = rs->rx_bytes; break;
	case CC_DRV_TX_BYTES: *v = rs->tx_bytes; break;
	case CC_DRV_CONFIG_CHANGES: *v = rs->config_changes; break;
	default: *v = x->cons.n_log; break;
	}
	return 0;
}

static int check_counters(struct xstate *x, const struct expect_console *e)
{
	char name[64], cb[64];
	unsigned i;
	uint64_t v;

	for (i = 0; i < e->n_counters; i++) {
		const struct console_counter *c = &e->counters[i];

		if (counter_value(x, c->which, &v, name, sizeof(name)) != 0)
			return xfail(x, V_ERROR, NULL, "case error: %s needs the console driver attached",
				     name);
		if (!xcmp_ok(&c->cmp, v)) {
			xcmp_str(&c->cmp, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %llu", name, cb,
				     (unsigned long long)v);
		}
	}
	return 0;
}

static void event_name(uint16_t ev, char *buf, size_t n)
{
	if (ev < 8)
		snprintf(buf, n, "%s", event_str[ev]);
	else
		snprintf(buf, n, "event %u", ev);
}

static int check_events(struct xstate *x, const struct expect_console *e)
{
	const struct vcons_drv *c = &x->cons;
	char want[32], got[32];
	unsigned i;

	if (!x->cons_attached)
		return xfail(x, V_ERROR, NULL, "case error: the console driver is not attached");
	for (i = 0; i < e->n_events && i < c->n_log && i < VCONS_LOG_MAX; i++) {
		const struct console_event *w = &e->events[i];
		const struct vcons_event *g = &c->log[i];

		if (w->id == g->id && w->event == g->event && w->value == g->value)
			continue;
		event_name(w->event, want, sizeof(want));
		event_name(g->event, got, sizeof(got));
		return xfail(x, V_FAIL, NULL,
			     "control message %u from the device: expected %s id %u value %u, observed %s id %u value %u",
			     i + 1, want, w->id, w->value, got, g->id, g->value);
	}
	if (c->n_log > e->n_events && e->n_events < VCONS_LOG_MAX) {
		const struct vcons_event *g = &c->log[e->n_events];

		event_name(g->event, got, sizeof(got));
		return xfail(x, V_FAIL, NULL,
			     "control messages from the device: expected %u, observed %u (message %u: %s id %u value %u)",
			     e->n_events, c->n_log, e->n_events + 1, got, g->id, g->value);
	}
	if (c->n_log != e->n_events)
		return xfail(x, V_FAIL, NULL,
			     "control messages from the device: expected %u, observed %u", e->n_events,
			     c->n_log);
	return 0;
}

static int check_queue(struct xstate *x, const struct expect_console *e)
{
	vq_drv_t *vq = vdrv_queue(x->pair.drv, e->queue);
	const uint8_t *u;
	struct qgeom g;
	uint16_t idx, slot;
	uint32_t len, id;
	le16 i16;
	le32 i32;
	char cb[64];

	if (!vq)
		return xfail(x, V_ERROR, NULL, "case error: queue %u is not initialized", e->queue);
	if (e->has_broken && vq_drv_broken(vq) != e->broken)
		return xfail(x, V_FAIL, NULL, "driver queue %u: expected %s, observed %s", e->queue,
			     e->broken ? "broken" : "working", e->broken ? "working" : "broken");
	if (!e->has_used_idx && !e->has_used_len && !e->has_used_id)
		return 0;
	if (x->p->packed)
		return xfail(x, V_ERROR, NULL, "case error: used ring checks are split-only");
	if (xqueue_geom(x, e->queue, &g))
		return -1;
	u = gm_translate(x->pair.drv_mem, g.used, virtq_used_bytes(g.size), GM_READ);
	if (!u)
		return xfail(x, V_ERROR, NULL, "case error: used ring not in guest memory");
	memcpy(&i16, u + 2, 2);
	idx = le16_to_cpu(i16);
	if (e->has_used_idx && idx != e->used_idx)
		return xfail(x, V_FAIL, NULL, "queue %u used idx: expected %u, observed %u", e->queue,
			     e->used_idx, idx);
	if (!e->has_used_len && !e->has_used_id)
		return 0;
	if (idx == 0)
		return xfail(x, V_FAIL, NULL, "queue %u: no used entry was written", e->queue);
	slot = (uint16_t)(idx - 1) & (g.size - 1);
	memcpy(&i32, u + 4 + 8u * slot, 4);
	id = le32_to_cpu(i32);
	memcpy(&i32, u + 8 + 8u * slot, 4);
	len = le32_to_cpu(i32);
	if (e->has_used_len && !xcmp_ok(&e->used_len, len)) {
		xcmp_str(&e->used_len, cb, sizeof(cb));
		return xfail(x, V_FAIL, NULL, "queue %u used len: expected %s, observed %u", e->queue,
			     cb, len);
	}
	if (e->has_used_id && id != e->used_id)
		return xfail(x, V_FAIL, NULL, "queue %u used id: expected %u, observed %u", e->queue,
			     e->used_id, id);
	return 0;
}

int exec_console_expect(struct xstate *x, const struct step_expect *se)
{
	const struct expect_console *e = se->console;

	if (e->has_output && check_output(x, e))
		return -1;
	if (e->port.active && check_port(x, &e->port))
		return -1;
	if (e->dport.active && check_driver_port(x, &e->dport))
		return -1;
	if (e->n_counters && check_counters(x, e))
		return -1;
	if (e->has_events && check_events(x, e))
		return -1;
	if (e->has_size) {
		if (!x->cons_attached)
			return xfail(x, V_ERROR, NULL, "case error: the console driver is not attached");
		if (x->cons.cols != e->cols || x->cons.rows != e->rows)
			return xfail(x, V_FAIL, NULL, "driver console size: expected %ux%u, observed %ux%u",
				     e->cols, e->rows, x->cons.cols, x->cons.rows);
	}
	if (e->has_queue && check_queue(x, e))
		return -1;
	return 0;
}

static int console_live(struct xstate *x, char *why, size_t n)
{
	static const char probe[] = "live";
	char got[sizeof(probe)];
	size_t have;

	if (!x->cons_attached) {
		if (vcons_drv_attach(&x->cons, x->pair.drv) != 0) {
			vcons_drv_detach(&x->cons);
			snprintf(why, n, "the console driver could not attach after reset");
			return -1;
		}
		x->cons_attached = true;
	}
	/* drop what port 0 sent before, then one write must come out whole */
	while (vc_console_output(vdev_device(x->pair.core), 0, got, sizeof(got)))
		;
	if (vcons_drv_write(&x->cons, 0, probe, sizeof(probe) - 1) != (long)(sizeof(probe) - 1)) {
		snprintf(why, n, "a write to port 0 after reset failed");
		return -1;
	}
	have = vc_console_output(vdev_device(x->pair.core), 0, got, sizeof(got));
	if (have != sizeof(probe) - 1 || memcmp(got, probe, have)) {
		snprintf(why, n, "port 0 output after reset: %zu bytes, not the %zu written", have,
			 sizeof(probe) - 1);
		return -1;
	}
	return 0;
}

const struct exec_device exec_console_device = {
	.name = "console", .ops = &vc_console_device_ops, .config = vcons_drv_config,
	.live = console_live,
};
