// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-console device (VIRTIO 1.2 5.3), a user of the vc_device_ops ABI.
 *
 * Queues follow 5.3.2; the ops expose the 64 a 31-port device needs and the
 * ones a configuration does not use stay idle. Receive buffers are popped
 * only when there is host input to put in them, so a port's receiveq holds
 * the driver's buffers until then; transmit buffers are consumed as long as
 * the port's output backlog is below VC_CONSOLE_OUT_BACKLOG. No element is
 * kept across calls: a queue reset the device is not told about cannot
 * leave it holding a stale head.
 *
 * In multiport mode the control protocol of 5.3.6.2 runs on queues 2 and 3:
 * DEVICE_ADD for every present port once the driver sent DEVICE_READY, then
 * CONSOLE_PORT / PORT_NAME / PORT_OPEN for a port once the driver answered
 * PORT_READY. Host input for a port waits until the driver opened it.
 */
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "dev_args.h"
#include "devices.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define CONS_MAGIC 0x636f6e73u
#define CONS_QUEUE_SIZE_MAX 256
#define CONS_NUM_QUEUES (2 + 2 * VC_CONSOLE_MAX_PORTS)
/* Control messages waiting for control receiveq buffers. A full bring-up
 * of every port queues four per port. */
#define CONS_CTRL_QUEUED 256u
#define CONS_CHUNK 4096u

/* 5.3.4 */
struct virtio_console_config {
	le16 cols;
	le16 rows;
	le32 max_nr_ports;
	le32 emerg_wr;
};

/* 5.3.6.2 */
struct virtio_console_control {
	le32 id;
	le16 event;
	le16 value;
};

struct virtio_console_resize {
	le16 cols;
	le16 rows;
};

_Static_assert(sizeof(struct virtio_console_config) == VIRTIO_CONSOLE_CFG_SIZE, "config");
_Static_assert(sizeof(struct virtio_console_control) == VIRTIO_CONSOLE_CONTROL_SIZE, "control");
_Static_assert(sizeof(struct virtio_console_resize) == VIRTIO_CONSOLE_RESIZE_SIZE, "resize");
_Static_assert(CONS_NUM_QUEUES <= 64, "queues");

struct cons_fifo {
	uint8_t *buf;
	size_t cap, head, len;
};

struct cons_ctrl_msg {
	uint16_t len;
	uint8_t b[VC_CONSOLE_CTRL_MSG_MAX];
};

struct cons_port {
	bool present;
	bool added;
	bool ready;
	bool guest_open;
	bool host_open;
	bool console;
	bool console_pending; /* CONSOLE_PORT sent, PORT_OPEN not yet seen */
	uint16_t cols, rows;
	uint8_t name_len;
	char name[VC_CONSOLE_NAME_MAX];
	struct cons_fifo in, out;
};

struct cons_dev {
	uint32_t magic;
	const struct vc_host_ops *host;
	void *h;
	bool mp_offered, size_offered, emerg_offered;
	uint32_t max_nr_ports;
	uint16_t cols, rows;

	uint64_t features;
	bool live;      /* DRIVER_OK, until reset */
	bool drv_ready; /* DEVICE_READY with value 1 received */
	struct cons_port port[VC_CONSOLE_MAX_PORTS];
	struct cons_ctrl_msg ctrl[CONS_CTRL_QUEUED];
	uint32_t ctrl_head, ctrl_len;
	struct vc_console_stats stats;
};

/* ------------------------------------------------------------ byte fifos */

static size_t fifo_put(struct cons_fifo *f, const uint8_t *src, size_t n, size_t max)
{
	if (f->len >= max)
		return 0;
	if (n > max - f->len)
		n = max - f->len;
	if (n == 0)
		return 0;
	if (f->cap - f->len < n || f->cap - f->len - n < f->head) {
		if (f->head) {
			memmove(f->buf, f->buf + f->head, f->len);
			f->head = 0;
		}
		if (f->cap - f->len < n) {
			size_t cap = f->cap ? f->cap : CONS_CHUNK;
			uint8_t *nb;

			while (cap - f->len < n)
				cap *= 2;
			if (cap > max)
				cap = max;
			nb = realloc(f->buf, cap);
			if (!nb)
				return 0;
			f->buf = nb;
			f->cap = cap;
		}
	}
	memcpy(f->buf + f->head + f->len, src, n);
	f->len += n;
	return n;
}

static void fifo_drop(struct cons_fifo *f, size_t n)
{
	if (n > f->len)
		n = f->len;
	f->head += n;
	f->len -= n;
	if (f->len == 0)
		f->head = 0;
}

static size_t fifo_get(struct cons_fifo *f, uint8_t *dst, size_t n)
{
	if (n > f->len)
		n = f->len;
	if (n)
		memcpy(dst, f->buf + f->head, n);
	fifo_drop(f, n);
	return n;
}

static void fifo_free(struct cons_fifo *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ arguments */

/* "none" or N[:N...], each < VC_CONSOLE_MAX_PORTS, into a bit mask. */
static int parse_port_list(const char *s, uint32_t *mask)
{
	char buf[128], *tok, *rest = buf;
	uint32_t p;

	*mask = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	/* strsep: an empty item is an error, not skipped */
	while ((tok = strsep(&rest, ":")) != NULL) {
		if (dev_arg_u32(tok, VC_CONSOLE_MAX_PORTS - 1, &p) != 0 || (*mask & (1u << p)))
			return -1;
		*mask |= 1u << p;
	}
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > VC_CONSOLE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

enum { A_MULTIPORT, A_MAX, A_COLS, A_ROWS, A_EMERG, A_PORTS, A_CONSOLE, A_OPEN, A_COUNT };

static int parse_args(struct cons_dev *d, const char *args)
{
	static const char *const keys[A_COUNT] = {
		"multiport", "max_nr_ports", "cols", "rows", "emerg_write", "ports", "console", "open",
	};
	bool seen[A_COUNT] = { false }, named[VC_CONSOLE_MAX_PORTS] = { false };
	uint32_t ports = 1, open = 0, console = 0, v, p;
	bool console_none = false, any_multiport_key = false;
	char *copy, *tok, *rest;
	int rc = -1, k;

	d->max_nr_ports = 1;
	d->cols = 80;
	d->rows = 25;
	if (!args || !*args)
		goto apply;
	copy = strdup(args);
	if (!copy)
		return -1;
	rest = copy;
	while ((tok = strsep(&rest, ",")) != NULL) {
		char *val = strchr(tok, '=');

		if (!val)
			goto out;
		*val++ = '\0';
		if (strncmp(tok, "name", 4) == 0 && tok[4]) {
			if (dev_arg_u32(tok + 4, VC_CONSOLE_MAX_PORTS - 1, &p) != 0 || named[p] ||
			    !name_ok(val))
				goto out;
			named[p] = true;
			d->port[p].name_len = (uint8_t)strlen(val);
			memcpy(d->port[p].name, val, d->port[p].name_len);
			any_multiport_key = true;
			continue;
		}
		for (k = 0; k < A_COUNT; k++)
			if (strcmp(tok, keys[k]) == 0)
				break;
		if (k == A_COUNT || seen[k])
			goto out;
		seen[k] = true;
		switch (k) {
		case A_MULTIPORT:
			if (dev_arg_onoff(val, &d->mp_offered) != 0)
				goto out;
			break;
		case A_MAX:
			if (dev_arg_u32(val, VC_CONSOLE_MAX_PORTS, &v) != 0 || v == 0)
				goto out;
			d->max_nr_ports = v;
			break;
		case A_COLS:
		case A_ROWS:
			if (dev_arg_u32(val, 0xffff, &v) != 0)
				goto out;
			if (k == A_COLS)
				d->cols = (uint16_t)v;
			else
				d->rows = (uint16_t)v;
			d->size_offered = true;
			break;
		case A_EMERG:
			if (dev_arg_onoff(val, &d->emerg_offered) != 0)
				goto out;
			break;
		case A_PORTS:
			if (parse_port_list(val, &ports) != 0)
				goto out;
			any_multiport_key = true;
			break;
		case A_CONSOLE:
			if (strcmp(val, "none") == 0)
				console_none = true;
			else if (dev_arg_u32(val, VC_CONSOLE_MAX_PORTS - 1, &console) != 0)
				goto out;
			any_multiport_key = true;
			break;
		case A_OPEN:
			if (parse_port_list(val, &open) != 0)
				goto out;
			any_multiport_key = true;
			break;
		}
	}
	rc = 0;
out:
	free(copy);
	if (rc != 0)
		return -1;
	/* the port keys describe a multiport device */
	if (!d->mp_offered && (any_multiport_key || d->max_nr_ports > 1))
		return -1;
	if (d->mp_offered && !seen[A_PORTS])
		ports = d->max_nr_ports >= 32 ? ~0u : (1u << d->max_nr_ports) - 1;
apply:
	if (!seen[A_OPEN])
		open = ports;
	if (!seen[A_CONSOLE])
		console_none = !(ports & 1u);
	for (p = 0; p < VC_CONSOLE_MAX_PORTS; p++) {
		bool present = ports & (1u << p);

		if (p >= d->max_nr_ports && (present || named[p] || (open & (1u << p))))
			return -1;
		if ((open & (1u << p)) && !present)
			return -1;
		d->port[p].present = present;
		d->port[p].host_open = open & (1u << p);
	}
	if (!console_none) {
		if (console >= d->max_nr_ports || !d->port[console].present)
			return -1;
		d->port[console].console = true;
	}
	d->port[0].cols = d->cols;
	d->port[0].rows = d->rows;
	return 0;
}

/* ------------------------------------------------------------- helpers */

static struct cons_dev *cons_of(void *dev)
{
	struct cons_dev *d = dev;

	return d && d->magic == CONS_MAGIC ? d : NULL;
}

static bool multiport(const struct cons_dev *d)
{
	return d->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT);
}

static void ctrl_queue(struct cons_dev *d, const void *msg, size_t len)
{
	struct cons_ctrl_msg *m;

	if (d->ctrl_len == CONS_CTRL_QUEUED || len > VC_CONSOLE_CTRL_MSG_MAX) {
		d->stats.ctrl_dropped++;
		return;
	}
	m = &d->ctrl[(d->ctrl_head + d->ctrl_len) % CONS_CTRL_QUEUED];
	m->len = (uint16_t)len;
	memcpy(m->b, msg, len);
	d->ctrl_len++;
}

static void ctrl_send(struct cons_dev *d, uint32_t id, uint16_t event, uint16_t value,
		      const void *extra, size_t extra_len)
{
	uint8_t m[VC_CONSOLE_CTRL_MSG_MAX];
	struct virtio_console_control c = {
		.id = cpu_to_le32(id), .event = cpu_to_le16(event), .value = cpu_to_le16(value),
	};

	if (extra_len > sizeof(m) - sizeof(c))
		extra_len = sizeof(m) - sizeof(c);
	memcpy(m, &c, sizeof(c));
	if (extra_len)
		memcpy(m + sizeof(c), extra, extra_len);
	ctrl_queue(d, m, sizeof(c) + extra_len);
	if (event < 8)
		d->stats.ctrl_to_driver[event]++;
}

/* Move queued control messages into control receiveq buffers. */
static void ctrl_deliver(struct cons_dev *d)
{
	struct vc_elem e;
	bool pushed = false;

	if (!d->live || !multiport(d))
		return;
	while (d->ctrl_len) {
		const struct cons_ctrl_msg *m = &d->ctrl[d->ctrl_head];
		uint64_t n;

		if (d->host->queue_pop(d->h, VC_CONSOLE_CTRL_RXQ, &e) != VC_POP_OK)
			break;
		/* drivernormative: Console Device / Device Operation -- no
		 * device-readable buffer in a receiveq (the control receiveq is
		 * one) */
		if (e.n_readable) {
			d->host->fail(d->h, CL_DRV_CONSOLE,
				      "control receiveq buffer has a device-readable part");
			return;
		}
		n = d->host->elem_write(d->h, &e, 0, m->b, m->len);
		if (n < m->len)
			d->stats.ctrl_truncated++;
		d->host->queue_push(d->h, VC_CONSOLE_CTRL_RXQ, &e, (uint32_t)n);
		pushed = true;
		d->ctrl_head = (d->ctrl_head + 1) % CONS_CTRL_QUEUED;
		d->ctrl_len--;
	}
	if (pushed)
		d->host->queue_flush(d->h, VC_CONSOLE_CTRL_RXQ);
}

static bool accepts_input(const struct cons_dev *d, uint32_t p)
{
	const struct cons_port *port = &d->port[p];

	if (!d->live)
		return false;
	if (!multiport(d))
		return p == 0;
	return port->added && port->ready && port->guest_open;
}

/* Put port p's pending input into its receive buffers. */
static void rx_deliver(struct cons_dev *d, uint32_t p)
{
	struct cons_port *port = &d->port[p];
	uint16_t q = vc_console_rxq(p);
	struct vc_elem e;
	bool pushed = false;

	if (!accepts_input(d, p))
		return;
	while (port->in.len) {
		uint64_t n, w;

		if (d->host->queue_pop(d->h, q, &e) != VC_POP_OK)
			break;
		/* drivernormative: Console Device / Device Operation -- no
		 * device-readable buffer in a receiveq */
		if (e.n_readable) {
			d->host->fail(d->h, CL_DRV_CONSOLE, "receiveq buffer has a device-readable part");
			return;
		}
		n = port->in.len < e.writable_bytes ? port->in.len : e.writable_bytes;
		w = d->host->elem_write(d->h, &e, 0, port->in.buf + port->in.head, n);
		fifo_drop(&port->in, (size_t)w);
		d->stats.rx_bytes += w;
		d->host->queue_push(d->h, q, &e, (uint32_t)w);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* Consume port p's transmit buffers into its output. */
static void tx_process(struct cons_dev *d, uint32_t p)
{
	struct cons_port *port = &d->port[p];
	uint16_t q = vc_console_txq(p);
	bool exists = multiport(d) ? port->added : p == 0;
	uint8_t chunk[CONS_CHUNK];
	struct vc_elem e;
	bool pushed = false;

	if (!d->live)
		return;
	while (port->out.len < VC_CONSOLE_OUT_BACKLOG) {
		uint64_t off = 0;

		if (d->host->queue_pop(d->h, q, &e) != VC_POP_OK)
			break;
		/* drivernormative: Console Device / Device Operation -- no
		 * device-writable buffer in a transmitq */
		if (e.n_writable) {
			d->host->fail(d->h, CL_DRV_CONSOLE,
				      "transmitq buffer has a device-writable part");
			return;
		}
		while (exists && off < e.readable_bytes && port->out.len < VC_CONSOLE_OUT_MAX) {
			uint64_t want = e.readable_bytes - off, got, put;

			if (want > sizeof(chunk))
				want = sizeof(chunk);
			got = d->host->elem_read(d->h, &e, off, chunk, want);
			if (got == 0)
				break;
			put = fifo_put(&port->out, chunk, (size_t)got, VC_CONSOLE_OUT_MAX);
			d->stats.tx_bytes += put;
			d->stats.tx_discarded += got - put;
			off += got;
		}
		d->stats.tx_discarded += e.readable_bytes - off;
		/* nothing written into a device-readable buffer: used len 0 */
		d->host->queue_push(d->h, q, &e, 0);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* The driver is ready for port p: tell it what the host knows of it. */
static void port_configure(struct cons_dev *d, uint32_t p)
{
	struct cons_port *port = &d->port[p];

	if (port->console) {
		ctrl_send(d, p, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL, 0);
		port->console_pending = true;
	}
	if (port->name_len)
		ctrl_send(d, p, VIRTIO_CONSOLE_PORT_NAME, 0, port->name, port->name_len);
	if (port->host_open)
		ctrl_send(d, p, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL, 0);
}

static void port_announce(struct cons_dev *d, uint32_t p)
{
	/* devicenormative: Multiport Device Operation -- DEVICE_ADD only for
	 * a port that does not exist yet, below max_nr_ports */
	if (p >= d->max_nr_ports || d->port[p].added)
		return;
	d->port[p].added = true;
	ctrl_send(d, p, VIRTIO_CONSOLE_DEVICE_ADD, 0, NULL, 0);
}

static void port_forget(struct cons_port *port)
{
	port->added = false;
	port->ready = false;
	port->guest_open = false;
	port->console_pending = false;
}

/* One message from the control transmitq. Returns -1 once the device
 * failed. */
static int ctrl_handle(struct cons_dev *d, uint32_t id, uint16_t event, uint16_t value)
{
	struct cons_port *port = id < d->max_nr_ports ? &d->port[id] : NULL;
	uint32_t p;

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		/* id is unused; value 0 reports a driver failure. A repeated
		 * DEVICE_READY adds nothing: every present port exists. */
		d->stats.ctrl_from_driver[event]++;
		if (value != 1 || d->drv_ready)
			return 0;
		d->drv_ready = true;
		for (p = 0; p < d->max_nr_ports; p++)
			if (d->port[p].present)
				port_announce(d, p);
		return 0;
	case VIRTIO_CONSOLE_PORT_READY:
		if (!port || !port->added)
			break;
		d->stats.ctrl_from_driver[event]++;
		if (value != 1) {
			port->ready = false; /* the driver could not set it up */
			return 0;
		}
		if (!port->ready) {
			port->ready = true;
			port_configure(d, id);
		}
		return 0;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (!port || !port->added)
			break;
		if (port->console_pending) {
			port->console_pending = false;
			/* drivernormative: Multiport Device Operation -- answer
			 * CONSOLE_PORT with PORT_OPEN of value 1 */
			if (value != 1) {
				d->host->fail(d->h, CL_DRV_CONSOLE_MP,
					      "PORT_OPEN answering CONSOLE_PORT has a value other than 1");
				return -1;
			}
		}
		if (value > 1)
			break;
		d->stats.ctrl_from_driver[event]++;
		port->guest_open = value == 1;
		rx_deliver(d, id);
		return 0;
	default:
		/* DEVICE_ADD, DEVICE_REMOVE, CONSOLE_PORT, RESIZE and PORT_NAME
		 * are the device's to send, other values are undefined: no
		 * requirement on the driver, the message is ignored */
		break;
	}
	d->stats.ctrl_ignored++;
	return 0;
}

static void ctrl_receive(struct cons_dev *d)
{
	struct vc_elem e;
	bool pushed = false;

	while (d->host->queue_pop(d->h, VC_CONSOLE_CTRL_TXQ, &e) == VC_POP_OK) {
		struct virtio_console_control c;
		uint64_t got;

		/* drivernormative: Console Device / Device Operation -- no
		 * device-writable buffer in a transmitq (the control transmitq
		 * is one) */
		if (e.n_writable) {
			d->host->fail(d->h, CL_DRV_CONSOLE,
				      "control transmitq buffer has a device-writable part");
			return;
		}
		got = d->host->elem_read(d->h, &e, 0, &c, sizeof(c));
		d->host->queue_push(d->h, VC_CONSOLE_CTRL_TXQ, &e, 0);
		pushed = true;
		if (got < sizeof(c)) {
			d->stats.ctrl_ignored++; /* shorter than a control message */
			continue;
		}
		if (ctrl_handle(d, le32_to_cpu(c.id), le16_to_cpu(c.event),
				le16_to_cpu(c.value)) != 0)
			return;
	}
	if (pushed)
		d->host->queue_flush(d->h, VC_CONSOLE_CTRL_TXQ);
	ctrl_deliver(d);
}

/* ------------------------------------------------------------ the ops */

static void *cons_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct cons_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = CONS_MAGIC;
	d->host = host;
	d->h = h;
	if (parse_args(d, args) != 0) {
		free(d);
		return NULL;
	}
	return d;
}

static void cons_destroy(void *dev)
{
	struct cons_dev *d = dev;
	uint32_t p;

	if (!d)
		return;
	for (p = 0; p < VC_CONSOLE_MAX_PORTS; p++) {
		fifo_free(&d->port[p].in);
		fifo_free(&d->port[p].out);
	}
	d->magic = 0;
	free(d);
}

static uint64_t cons_get_features(void *dev)
{
	struct cons_dev *d = dev;
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
		     VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_RESET);

	if (d->size_offered)
		f |= VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE);
	if (d->mp_offered)
		f |= VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT);
	if (d->emerg_offered)
		f |= VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE);
	return f;
}

static int cons_set_features(void *dev, uint64_t f)
{
	((struct cons_dev *)dev)->features = f;
	return 0;
}

static void cons_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct cons_dev *d = dev;
	struct virtio_console_config c = {
		.cols = cpu_to_le16(d->size_offered ? d->cols : 0),
		.rows = cpu_to_le16(d->size_offered ? d->rows : 0),
		.max_nr_ports = cpu_to_le32(d->max_nr_ports),
		.emerg_wr = cpu_to_le32(0),
	};

	if (off > sizeof(c) || len > sizeof(c) - off) {
		memset(dst, 0, len);
		return;
	}
	memcpy(dst, (const uint8_t *)&c + off, len);
}

static void cons_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct cons_dev *d = dev;
	uint8_t byte;

	/* devicenormative: Console Device / Device Initialization -- a write
	 * to emerg_wr is allowed whenever EMERG_WRITE is offered, negotiated or
	 * not; its lower byte goes to port 0's output. The other fields are
	 * read-only: writes are ignored. */
	if (!d->emerg_offered || off > VIRTIO_CONSOLE_CFG_EMERG_WR ||
	    len <= VIRTIO_CONSOLE_CFG_EMERG_WR - off)
		return;
	byte = ((const uint8_t *)src)[VIRTIO_CONSOLE_CFG_EMERG_WR - off];
	if (fifo_put(&d->port[0].out, &byte, 1, VC_CONSOLE_OUT_MAX) == 1)
		d->stats.emerg_bytes++;
	else
		d->stats.tx_discarded++;
}

static void cons_activate(void *dev)
{
	struct cons_dev *d = dev;

	d->live = true;
	if (!multiport(d)) {
		rx_deliver(d, 0);
		tx_process(d, 0);
	}
}

static void cons_reset(void *dev)
{
	struct cons_dev *d = dev;
	uint32_t p;

	/* the host end (present ports, their names, open state and pending
	 * input) survives; what the driver was told does not */
	d->features = 0;
	d->live = false;
	d->drv_ready = false;
	d->ctrl_head = d->ctrl_len = 0;
	for (p = 0; p < VC_CONSOLE_MAX_PORTS; p++)
		port_forget(&d->port[p]);
}

static void cons_queue_notify(void *dev, uint16_t q)
{
	struct cons_dev *d = dev;
	uint32_t p;

	if (!d->live)
		return;
	if (q == VC_CONSOLE_CTRL_RXQ || q == VC_CONSOLE_CTRL_TXQ) {
		if (!multiport(d))
			return; /* the control queues exist only with MULTIPORT */
		if (q == VC_CONSOLE_CTRL_RXQ)
			ctrl_deliver(d);
		else
			ctrl_receive(d);
		return;
	}
	p = q < 2 ? 0 : q / 2u - 1u;
	if (p >= d->max_nr_ports || (p > 0 && !multiport(d)))
		return; /* a queue this configuration does not use */
	if (q == vc_console_rxq(p))
		rx_deliver(d, p);
	else
		tx_process(d, p);
}

const struct vc_device_ops vc_console_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = CONS_NUM_QUEUES,
	.queue_size_max = CONS_QUEUE_SIZE_MAX,
	.config_size = VIRTIO_CONSOLE_CFG_SIZE,
	.create = cons_create,
	.destroy = cons_destroy,
	.get_features = cons_get_features,
	.set_features = cons_set_features,
	.config_read = cons_config_read,
	.config_write = cons_config_write,
	.activate = cons_activate,
	.reset = cons_reset,
	.queue_notify = cons_queue_notify,
};

/* ---------------------------------------------------------- backend API */

size_t vc_console_inject(void *dev, uint32_t port, const void *data, size_t len)
{
	struct cons_dev *d = cons_of(dev);
	size_t n;

	if (!d || port >= d->max_nr_ports || !d->port[port].present || !data)
		return 0;
	n = fifo_put(&d->port[port].in, data, len, VC_CONSOLE_IN_MAX);
	rx_deliver(d, port);
	return n;
}

size_t vc_console_output(void *dev, uint32_t port, void *dst, size_t max)
{
	struct cons_dev *d = cons_of(dev);
	size_t n;

	if (!d || port >= d->max_nr_ports || !dst)
		return 0;
	n = fifo_get(&d->port[port].out, dst, max);
	/* buffers held back by the backlog can go now */
	if (n && (port == 0 || multiport(d)))
		tx_process(d, port);
	return n;
}

int vc_console_port_state(void *dev, uint32_t port, struct vc_console_port_state *st)
{
	struct cons_dev *d = cons_of(dev);
	const struct cons_port *p;

	if (!d || port >= d->max_nr_ports || !st)
		return -1;
	p = &d->port[port];
	*st = (struct vc_console_port_state){
		.present = p->present,
		.added = p->added,
		.ready = p->ready,
		.guest_open = multiport(d) ? p->guest_open : d->live && port == 0,
		.host_open = p->host_open,
		.console = p->console,
		.cols = p->cols,
		.rows = p->rows,
		.pending_input = (uint32_t)p->in.len,
		.output = (uint32_t)p->out.len,
	};
	return 0;
}

const struct vc_console_stats *vc_console_stats(void *dev)
{
	struct cons_dev *d = cons_of(dev);

	return d ? &d->stats : NULL;
}

static bool hotplug_live(const struct cons_dev *d)
{
	return d->live && multiport(d) && d->drv_ready;
}

int vc_console_port_add(void *dev, uint32_t port, const char *name)
{
	struct cons_dev *d = cons_of(dev);
	struct cons_port *p;

	if (!d || !d->mp_offered || port >= d->max_nr_ports || d->port[port].present)
		return -1;
	if (name && !name_ok(name))
		return -1;
	p = &d->port[port];
	p->present = true;
	p->host_open = true;
	p->name_len = name ? (uint8_t)strlen(name) : 0;
	if (p->name_len)
		memcpy(p->name, name, p->name_len);
	if (hotplug_live(d)) {
		port_announce(d, port);
		ctrl_deliver(d);
	}
	return 0;
}

int vc_console_port_remove(void *dev, uint32_t port)
{
	struct cons_dev *d = cons_of(dev);
	struct cons_port *p;

	if (!d || !d->mp_offered || port >= d->max_nr_ports || !d->port[port].present)
		return -1;
	p = &d->port[port];
	p->present = false;
	p->console = false;
	fifo_free(&p->in);
	if (p->added) {
		/* devicenormative: Multiport Device Operation -- DEVICE_REMOVE
		 * only for a port added before */
		port_forget(p);
		ctrl_send(d, port, VIRTIO_CONSOLE_DEVICE_REMOVE, 0, NULL, 0);
		ctrl_deliver(d);
	}
	return 0;
}

int vc_console_set_host_open(void *dev, uint32_t port, bool open)
{
	struct cons_dev *d = cons_of(dev);
	struct cons_port *p;

	if (!d || port >= d->max_nr_ports || !d->port[port].present)
		return -1;
	p = &d->port[port];
	p->host_open = open;
	if (hotplug_live(d) && p->ready) {
		ctrl_send(d, port, VIRTIO_CONSOLE_PORT_OPEN, open ? 1 : 0, NULL, 0);
		ctrl_deliver(d);
	}
	return 0;
}

int vc_console_set_console(void *dev, uint32_t port)
{
	struct cons_dev *d = cons_of(dev);
	struct cons_port *p;

	if (!d || !d->mp_offered || port >= d->max_nr_ports || !d->port[port].present)
		return -1;
	p = &d->port[port];
	p->console = true;
	if (hotplug_live(d) && p->ready) {
		ctrl_send(d, port, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL, 0);
		p->console_pending = true;
		ctrl_deliver(d);
	}
	return 0;
}

int vc_console_resize(void *dev, uint32_t port, uint16_t cols, uint16_t rows)
{
	struct cons_dev *d = cons_of(dev);
	bool done = false;

	if (!d || port >= d->max_nr_ports)
		return -1;
	if (port == 0 && d->size_offered) {
		/* 5.3.6: the configuration's size applies to port 0 only */
		d->cols = cols;
		d->rows = rows;
		d->host->config_changed(d->h);
		done = true;
	}
	if (hotplug_live(d) && d->port[port].added) {
		struct virtio_console_resize r = {
			.cols = cpu_to_le16(cols), .rows = cpu_to_le16(rows),
		};

		ctrl_send(d, port, VIRTIO_CONSOLE_RESIZE, 0, &r, sizeof(r));
		ctrl_deliver(d);
		done = true;
	}
	if (!done)
		return -1;
	d->port[port].cols = cols;
	d->port[port].rows = rows;
	return 0;
}

int vc_console_ctrl_raw(void *dev, const void *msg, size_t len)
{
	struct cons_dev *d = cons_of(dev);
	uint32_t before;

	if (!d || !msg || len == 0 || len > VC_CONSOLE_CTRL_MSG_MAX)
		return -1;
	before = d->ctrl_len;
	ctrl_queue(d, msg, len);
	if (d->ctrl_len == before)
		return -1;
	ctrl_deliver(d);
	return 0;
}
