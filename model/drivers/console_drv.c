// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-console driver. See console_drv.h.
 *
 * Every used entry has been checked by the ring (outstanding id, len within
 * the posted writable bytes, descriptors untouched) before it gets here;
 * this layer checks what the console section asks of the device: the
 * control messages' port numbers and events, and their lengths.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "console_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define VCONS_CTRL_RXQ 2u
#define VCONS_CTRL_TXQ 3u
/* rounds of vcons_drv_poll: each one reaps what the last one's kicks made
 * the device complete */
#define VCONS_POLL_ROUNDS 64u

/* 5.3.4 */
struct vcons_config {
	le16 cols;
	le16 rows;
	le32 max_nr_ports;
	le32 emerg_wr;
};

/* 5.3.6.2 */
struct vcons_control {
	le32 id;
	le16 event;
	le16 value;
};

struct vcons_resize {
	le16 cols;
	le16 rows;
};

_Static_assert(sizeof(struct vcons_config) == VIRTIO_CONSOLE_CFG_SIZE, "config");
_Static_assert(sizeof(struct vcons_control) == VIRTIO_CONSOLE_CONTROL_SIZE, "control");
_Static_assert(sizeof(struct vcons_resize) == VIRTIO_CONSOLE_RESIZE_SIZE, "resize");

static uint16_t rxq(uint32_t port) { return (uint16_t)(port == 0 ? 0 : 2 + 2 * port); }
static uint16_t txq(uint32_t port) { return (uint16_t)(rxq(port) + 1); }

__attribute__((format(printf, 4, 5)))
static void reject(struct vcons_drv *c, enum vc_severity sev, const char *clause,
		   const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, sev, clause, VCONS_CTRL_RXQ, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	c->stats.ctrl_rejected++;
	vdrv_violation(c->d, &v);
}

/* ------------------------------------------------------------ queue setup */

static uint32_t queues_needed(vdrv_t *drv)
{
	le32 raw;
	uint32_t max;

	if (!(vdrv_features(drv) & VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT)))
		return 2;
	if (vdrv_config_read(drv, VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, &raw, sizeof(raw)) != 0)
		return 4;
	max = le32_to_cpu(raw);
	if (max == 0)
		max = 1; /* refused at attach */
	if (max > VCONS_MAX_PORTS)
		max = VCONS_MAX_PORTS;
	return 2 + 2 * max;
}

enum vdrv_hook_action vcons_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	if (s->step != VDRV_STEP_QUEUE_SETUP)
		return VDRV_PROCEED;
	return s->queue < queues_needed(drv) ? VDRV_PROCEED : VDRV_SKIP;
}

void vcons_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_CONSOLE;
	cfg->wanted_features = wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg->num_queues = (wanted_features & VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT))
				  ? VCONS_MAX_QUEUES : 2;
	cfg->queue_size = VCONS_QUEUE_SIZE;
	cfg->indirect_max = VCONS_INDIRECT_MAX;
	cfg->use_msix = true;
	cfg->hook = vcons_drv_hook;
}

/* ---------------------------------------------------------------- buffers */

/* Which of n slot flags tok points at (the tokens this driver posts are
 * the addresses of its slot flags), or -1. */
static int slot_of(const void *tok, const bool *slots, unsigned n)
{
	uintptr_t t = (uintptr_t)tok, base = (uintptr_t)slots;

	if (t < base || t - base >= n * sizeof(*slots))
		return -1;
	return (int)((t - base) / sizeof(*slots));
}

static int port_buffers(struct vcons_drv *c, struct vcons_port *port)
{
	if (!port->rx_area)
		port->rx_area = vdrv_alloc(c->d, (uint64_t)VCONS_RX_BUFS * VCONS_RX_BUF_SIZE, 64);
	if (!port->tx_area)
		port->tx_area = vdrv_alloc(c->d, (uint64_t)VCONS_TX_SLOTS * VCONS_TX_SLOT_SIZE, 64);
	if (!port->in)
		port->in = malloc(VCONS_IN_CAP);
	return port->rx_area && port->tx_area && port->in ? 0 : -1;
}

/* Post every receive buffer of an area that is not posted yet (n buffers
 * of size bytes) on queue q, and notify once. drivernormative: Console
 * Device / Device Operation -- receive buffers are device-writable only. */
static void post_in_bufs(struct vcons_drv *c, uint16_t q, uint64_t area, unsigned n,
			 uint32_t size, bool *posted)
{
	vq_drv_t *vq = vdrv_queue(c->d, q);
	bool added = false;
	unsigned i;

	if (!vq || !area)
		return;
	for (i = 0; i < n; i++) {
		struct vq_buf in = { area + (uint64_t)i * size, size };

		if (posted[i])
			continue;
		if (vq_drv_add(vq, NULL, 0, &in, 1, &posted[i], false) < 0)
			break;
		posted[i] = true;
		added = true;
	}
	if (added)
		vdrv_kick(c->d, q);
}

static void post_rx(struct vcons_drv *c, uint32_t p)
{
	struct vcons_port *port = &c->port[p];

	post_in_bufs(c, rxq(p), port->rx_area, VCONS_RX_BUFS, VCONS_RX_BUF_SIZE,
		     port->rx_posted);
}

static void post_ctrl_rx(struct vcons_drv *c)
{
	post_in_bufs(c, VCONS_CTRL_RXQ, c->ctrl_rx_area, VCONS_CTRL_BUFS, VCONS_CTRL_BUF_SIZE,
		     c->ctrl_rx_posted);
}

/* Reap completed transmit buffers of one queue into their slot map. */
static int reap_tx(struct vcons_drv *c, uint16_t q, bool *busy, unsigned n)
{
	vq_drv_t *vq = vdrv_queue(c->d, q);
	int progress = 0, rc, k;
	uint32_t len;
	void *tok;

	if (!vq)
		return 0;
	while ((rc = vq_drv_get(vq, &tok, &len)) == 1) {
		progress = 1;
		if (tok == &c->raw_token) {
			c->stats.raw_used++;
			continue;
		}
		k = slot_of(tok, busy, n);
		if (k >= 0)
			busy[k] = false;
	}
	return progress;
}

/* ------------------------------------------------------ control messages */

static int ctrl_send_bytes(struct vcons_drv *c, const void *msg, size_t len)
{
	vq_drv_t *vq = vdrv_queue(c->d, VCONS_CTRL_TXQ);
	struct vq_buf out;
	unsigned i;

	if (!vq || !c->ctrl_tx_area || len > VCONS_CTRL_TX_SIZE)
		return -1;
	reap_tx(c, VCONS_CTRL_TXQ, c->ctrl_tx_busy, VCONS_CTRL_TX_SLOTS);
	for (i = 0; i < VCONS_CTRL_TX_SLOTS && c->ctrl_tx_busy[i]; i++)
		;
	if (i == VCONS_CTRL_TX_SLOTS)
		return -1;
	out = (struct vq_buf){ c->ctrl_tx_area + (uint64_t)i * VCONS_CTRL_TX_SIZE, (uint32_t)len };
	if (len && gm_write(vdrv_mem(c->d), out.gpa, msg, len) != 0)
		return -1;
	/* drivernormative: Console Device / Device Operation -- transmit
	 * buffers are device-readable only */
	if (vq_drv_add(vq, &out, 1, NULL, 0, &c->ctrl_tx_busy[i], false) < 0)
		return -1;
	c->ctrl_tx_busy[i] = true;
	vdrv_kick(c->d, VCONS_CTRL_TXQ);
	return 0;
}

int vcons_drv_send_ctrl(struct vcons_drv *c, uint32_t id, uint16_t event, uint16_t value)
{
	struct vcons_control m = {
		.id = cpu_to_le32(id), .event = cpu_to_le16(event), .value = cpu_to_le16(value),
	};

	if (!c->multiport || ctrl_send_bytes(c, &m, sizeof(m)) != 0)
		return -1;
	if (event < 8)
		c->stats.ctrl_to_device[event]++;
	return 0;
}

int vcons_drv_ctrl_raw(struct vcons_drv *c, const void *msg, size_t len)
{
	if (!c->multiport || (len && !msg))
		return -1;
	return ctrl_send_bytes(c, msg, len);
}

static void port_drop_input(struct vcons_port *port)
{
	port->in_head = port->in_len = 0;
}

static void port_add(struct vcons_drv *c, uint32_t p)
{
	struct vcons_port *port;

	if (p >= c->nports || port_buffers(c, &c->port[p]) != 0) {
		/* a port this driver cannot drive: the device is told */
		vcons_drv_send_ctrl(c, p, VIRTIO_CONSOLE_PORT_READY, 0);
		return;
	}
	port = &c->port[p];
	port->added = true;
	port->open = port->host_open = port->console = port->named = false;
	port->name_len = 0;
	port->name[0] = '\0';
	port->cols = port->rows = 0;
	port_drop_input(port);
	post_rx(c, p);
	vcons_drv_send_ctrl(c, p, VIRTIO_CONSOLE_PORT_READY, 1);
}

/* A control message names a port: it must be one the device added. */
static struct vcons_port *named_port(struct vcons_drv *c, uint32_t id, uint16_t event)
{
	if (id < c->nports && c->port[id].added)
		return &c->port[id];
	reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
	       "control event %u names port %u, which the device has not added", event, id);
	return NULL;
}

static void ctrl_message(struct vcons_drv *c, const uint8_t *b, uint32_t len)
{
	struct vcons_control m;
	struct vcons_port *port;
	uint32_t id, n;
	uint16_t event, value;

	if (len < sizeof(m)) {
		reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
		       "control message of %u bytes, shorter than struct virtio_console_control",
		       len);
		return;
	}
	memcpy(&m, b, sizeof(m));
	id = le32_to_cpu(m.id);
	event = le16_to_cpu(m.event);
	value = le16_to_cpu(m.value);
	if (c->n_log < VCONS_LOG_MAX)
		c->log[c->n_log] = (struct vcons_event){ id, event, value };
	c->n_log++;
	if (event < 8)
		c->stats.ctrl_from_device[event]++;

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_ADD:
		/* devicenormative: Multiport Device Operation -- never a port
		 * that exists, nor one >= max_nr_ports */
		if (id >= c->max_nr_ports) {
			reject(c, VC_SEV_FATAL, CL_DEV_CONSOLE_MP,
			       "DEVICE_ADD for port %u, max_nr_ports is %u", id, c->max_nr_ports);
			return;
		}
		if (id < c->nports && c->port[id].added) {
			reject(c, VC_SEV_FATAL, CL_DEV_CONSOLE_MP,
			       "DEVICE_ADD for port %u, which exists", id);
			return;
		}
		port_add(c, id);
		return;
	case VIRTIO_CONSOLE_DEVICE_REMOVE:
		/* devicenormative: Multiport Device Operation -- only a port
		 * created with DEVICE_ADD */
		if (id >= c->nports || !c->port[id].added) {
			reject(c, VC_SEV_FATAL, CL_DEV_CONSOLE_MP,
			       "DEVICE_REMOVE for port %u, which was not added", id);
			return;
		}
		port = &c->port[id];
		port->added = port->open = port->host_open = port->console = false;
		port_drop_input(port);
		return;
	case VIRTIO_CONSOLE_CONSOLE_PORT:
		port = named_port(c, id, event);
		if (!port)
			return;
		port->console = true;
		/* drivernormative: Multiport Device Operation -- answer with
		 * PORT_OPEN, value 1 */
		if (vcons_drv_send_ctrl(c, id, VIRTIO_CONSOLE_PORT_OPEN, 1) == 0)
			port->open = true;
		return;
	case VIRTIO_CONSOLE_RESIZE:
		port = named_port(c, id, event);
		if (!port)
			return;
		if (len - sizeof(m) < sizeof(struct vcons_resize)) {
			reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
			       "RESIZE for port %u of %u bytes, without its struct virtio_console_resize",
			       id, len);
			return;
		} else {
			struct vcons_resize r;

			memcpy(&r, b + sizeof(m), sizeof(r));
			port->cols = le16_to_cpu(r.cols);
			port->rows = le16_to_cpu(r.rows);
		}
		return;
	case VIRTIO_CONSOLE_PORT_OPEN:
		port = named_port(c, id, event);
		if (!port)
			return;
		if (value > 1) {
			reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
			       "PORT_OPEN for port %u with value %u, neither 0 nor 1", id, value);
			return;
		}
		port->host_open = value == 1;
		return;
	case VIRTIO_CONSOLE_PORT_NAME:
		port = named_port(c, id, event);
		if (!port)
			return;
		n = len - (uint32_t)sizeof(m);
		if (n > VCONS_NAME_MAX)
			n = VCONS_NAME_MAX;
		memcpy(port->name, b + sizeof(m), n);
		port->name[n] = '\0';
		port->name_len = n;
		port->named = true;
		return;
	default:
		reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
		       "control event %u (port %u) is not one the device sends", event, id);
		return;
	}
}

static int reap_ctrl_rx(struct vcons_drv *c)
{
	vq_drv_t *vq = vdrv_queue(c->d, VCONS_CTRL_RXQ);
	uint8_t msg[VCONS_CTRL_BUF_SIZE];
	int progress = 0, rc, k;
	uint32_t len;
	void *tok;

	if (!vq)
		return 0;
	while ((rc = vq_drv_get(vq, &tok, &len)) == 1) {
		progress = 1;
		if (tok == &c->raw_token) {
			c->stats.raw_used++;
			continue;
		}
		k = slot_of(tok, c->ctrl_rx_posted, VCONS_CTRL_BUFS);
		if (k < 0)
			continue;
		c->ctrl_rx_posted[k] = false;
		/* drivernormative: The Virtqueue Used Ring -- only the first
		 * len bytes (len <= the buffer, checked by the ring) */
		if (len > sizeof(msg) ||
		    gm_read(vdrv_mem(c->d), c->ctrl_rx_area + (uint64_t)k * VCONS_CTRL_BUF_SIZE,
			    msg, len) != 0)
			continue;
		ctrl_message(c, msg, len);
	}
	post_ctrl_rx(c);
	return progress;
}

/* ------------------------------------------------------------------ data */

static int reap_rx(struct vcons_drv *c, uint32_t p)
{
	struct vcons_port *port = &c->port[p];
	vq_drv_t *vq = vdrv_queue(c->d, rxq(p));
	uint8_t buf[VCONS_RX_BUF_SIZE];
	int progress = 0, rc, k;
	uint32_t len, i;
	void *tok;

	if (!vq)
		return 0;
	/* leave used buffers in the ring while there is no room to take one */
	while (!port->in || VCONS_IN_CAP - port->in_len >= VCONS_RX_BUF_SIZE) {
		rc = vq_drv_get(vq, &tok, &len);
		if (rc != 1)
			break;
		progress = 1;
		if (tok == &c->raw_token) {
			c->stats.raw_used++;
			continue;
		}
		k = slot_of(tok, port->rx_posted, VCONS_RX_BUFS);
		if (k < 0)
			continue;
		port->rx_posted[k] = false;
		if (!port->added || !port->in || len == 0 || len > sizeof(buf))
			continue;
		if (gm_read(vdrv_mem(c->d), port->rx_area + (uint64_t)k * VCONS_RX_BUF_SIZE, buf,
			    len) != 0)
			continue;
		for (i = 0; i < len; i++)
			port->in[(port->in_head + port->in_len + i) % VCONS_IN_CAP] = buf[i];
		port->in_len += len;
		c->stats.rx_bytes += len;
	}
	if (port->added)
		post_rx(c, p);
	return progress;
}

static void config_reread(struct vcons_drv *c)
{
	uint64_t seen = vdrv_irq_stats(c->d)->config;
	struct vcons_config cfg;

	if (seen == c->config_irqs_seen)
		return;
	c->config_irqs_seen = seen;
	if (!(c->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE)) ||
	    vdrv_config_read(c->d, 0, &cfg, sizeof(cfg)) != 0)
		return;
	c->cols = le16_to_cpu(cfg.cols);
	c->rows = le16_to_cpu(cfg.rows);
	c->port[0].cols = c->cols;
	c->port[0].rows = c->rows;
	c->stats.config_changes++;
}

static bool dead(struct vcons_drv *c)
{
	return vdrv_broken(c->d) || (vdrv_status(c->d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

int vcons_drv_poll(struct vcons_drv *c)
{
	unsigned round;
	uint32_t p;

	if (!c->d || dead(c))
		return -1;
	config_reread(c);
	for (round = 0; round < VCONS_POLL_ROUNDS; round++) {
		int progress = 0;

		if (c->multiport) {
			progress |= reap_ctrl_rx(c);
			progress |= reap_tx(c, VCONS_CTRL_TXQ, c->ctrl_tx_busy, VCONS_CTRL_TX_SLOTS);
		}
		for (p = 0; p < c->nports; p++) {
			progress |= reap_rx(c, p);
			progress |= reap_tx(c, txq(p), c->port[p].tx_busy, VCONS_TX_SLOTS);
		}
		if (!progress)
			break;
	}
	return dead(c) ? -1 : 0;
}

long vcons_drv_write(struct vcons_drv *c, uint32_t port, const void *data, size_t len)
{
	const uint8_t *src = data;
	struct vcons_port *pt;
	vq_drv_t *vq;
	size_t done = 0;
	bool unkicked = false;

	if (!c->d || port >= c->nports || !c->port[port].added || (len && !data))
		return -1;
	pt = &c->port[port];
	vq = vdrv_queue(c->d, txq(port));
	if (!vq || dead(c))
		return -1;
	while (done < len) {
		uint32_t n = len - done < VCONS_TX_SLOT_SIZE ? (uint32_t)(len - done)
							     : VCONS_TX_SLOT_SIZE;
		struct vq_buf out;
		unsigned i;

		reap_tx(c, txq(port), pt->tx_busy, VCONS_TX_SLOTS);
		for (i = 0; i < VCONS_TX_SLOTS && pt->tx_busy[i]; i++)
			;
		if (i == VCONS_TX_SLOTS) {
			if (!unkicked)
				break; /* the device holds every slot */
			vdrv_kick(c->d, txq(port));
			unkicked = false;
			continue;
		}
		out = (struct vq_buf){ pt->tx_area + (uint64_t)i * VCONS_TX_SLOT_SIZE, n };
		if (gm_write(vdrv_mem(c->d), out.gpa, src + done, n) != 0)
			break;
		/* drivernormative: Console Device / Device Operation -- transmit
		 * buffers are device-readable only */
		if (vq_drv_add(vq, &out, 1, NULL, 0, &pt->tx_busy[i], false) < 0)
			break;
		pt->tx_busy[i] = true;
		unkicked = true;
		done += n;
		c->stats.tx_bytes += n;
	}
	if (unkicked)
		vdrv_kick(c->d, txq(port));
	reap_tx(c, txq(port), pt->tx_busy, VCONS_TX_SLOTS);
	if (done == 0 && len && dead(c))
		return -1;
	return (long)done;
}

long vcons_drv_read(struct vcons_drv *c, uint32_t port, void *dst, size_t max)
{
	struct vcons_port *pt;
	uint8_t *out = dst;
	size_t n, i;

	if (!c->d || port >= c->nports || (max && !dst))
		return -1;
	vcons_drv_poll(c);
	pt = &c->port[port];
	n = max < pt->in_len ? max : pt->in_len;
	for (i = 0; i < n; i++)
		out[i] = pt->in[(pt->in_head + i) % VCONS_IN_CAP];
	pt->in_head = (uint32_t)((pt->in_head + n) % VCONS_IN_CAP);
	pt->in_len -= (uint32_t)n;
	/* room again: take what the device completed meanwhile */
	if (n)
		vcons_drv_poll(c);
	if (n == 0 && dead(c))
		return -1;
	return (long)n;
}

int vcons_drv_port_open(struct vcons_drv *c, uint32_t port, bool open)
{
	if (!c->d || port >= c->nports || !c->port[port].added)
		return -1;
	if (!c->multiport)
		return open ? 0 : -1; /* port 0 is always open */
	if (vcons_drv_send_ctrl(c, port, VIRTIO_CONSOLE_PORT_OPEN, open ? 1 : 0) != 0)
		return -1;
	c->port[port].open = open;
	vcons_drv_poll(c);
	return 0;
}

int vcons_drv_emerg_write(struct vcons_drv *c, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	if (!c->d || !(c->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE)) || (len && !b))
		return -1;
	for (i = 0; i < len; i++)
		vdrv_space_write(c->d, VDRV_SPACE_DEVICE, VIRTIO_CONSOLE_CFG_EMERG_WR, 4, b[i]);
	return 0;
}

int vcons_drv_submit_raw(struct vcons_drv *c, uint16_t q, const struct vq_buf *out,
			 unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect)
{
	vq_drv_t *vq = c->d ? vdrv_queue(c->d, q) : NULL;
	int head;

	if (!vq)
		return -1;
	head = vq_drv_add(vq, out, n_out, in, n_in, &c->raw_token, indirect);
	if (head >= 0)
		vdrv_kick(c->d, q);
	return head;
}

int vcons_drv_queue_reset(struct vcons_drv *c, uint16_t q)
{
	uint32_t p;

	if (!c->d || vdrv_queue_reset(c->d, q, VCONS_QUEUE_SIZE) != 0)
		return -1;
	/* the old buffers are the driver's again */
	if (q == VCONS_CTRL_RXQ) {
		memset(c->ctrl_rx_posted, 0, sizeof(c->ctrl_rx_posted));
		post_ctrl_rx(c);
		return 0;
	}
	if (q == VCONS_CTRL_TXQ) {
		memset(c->ctrl_tx_busy, 0, sizeof(c->ctrl_tx_busy));
		return 0;
	}
	p = q < 2 ? 0 : q / 2u - 1u;
	if (p >= c->nports)
		return 0;
	if (q == rxq(p)) {
		memset(c->port[p].rx_posted, 0, sizeof(c->port[p].rx_posted));
		if (c->port[p].added)
			post_rx(c, p);
	} else {
		memset(c->port[p].tx_busy, 0, sizeof(c->port[p].tx_busy));
	}
	return 0;
}

/* ---------------------------------------------------------------- attach */

int vcons_drv_attach(struct vcons_drv *c, vdrv_t *d)
{
	struct vcons_config cfg;
	uint32_t q;

	memset(c, 0, sizeof(*c));
	c->d = d;
	c->features = vdrv_features(d);
	c->multiport = c->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT);
	c->config_irqs_seen = vdrv_irq_stats(d)->config;
	if (vdrv_config_read(d, 0, &cfg, sizeof(cfg)) != 0)
		return -1;
	/* drivernormative: Device Configuration Space -- cols and rows only
	 * when VIRTIO_CONSOLE_F_SIZE is there */
	if (c->features & VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE)) {
		c->cols = c->port[0].cols = le16_to_cpu(cfg.cols);
		c->rows = c->port[0].rows = le16_to_cpu(cfg.rows);
	}
	if (!c->multiport) {
		c->max_nr_ports = c->nports = 1;
		if (!vdrv_queue(d, 0) || !vdrv_queue(d, 1) || port_buffers(c, &c->port[0]) != 0)
			return -1;
		c->port[0].added = c->port[0].open = true;
		post_rx(c, 0);
		return 0;
	}

	c->max_nr_ports = le32_to_cpu(cfg.max_nr_ports);
	if (c->max_nr_ports == 0) {
		reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
		       "max_nr_ports is 0 with VIRTIO_CONSOLE_F_MULTIPORT: no port can exist");
		return -1;
	}
	/* 5.3.5: a queue pair for each of max_nr_ports ports (as far as this
	 * driver goes) and the control pair */
	c->nports = c->max_nr_ports < VCONS_MAX_PORTS ? c->max_nr_ports : VCONS_MAX_PORTS;
	for (q = 0; q < 2 + 2 * c->nports; q++) {
		if (!vdrv_queue(d, (uint16_t)q)) {
			reject(c, VC_SEV_RECORD, CL_DEV_CONSOLE_MP,
			       "max_nr_ports %u, but queue %u is not available", c->max_nr_ports,
			       q);
			return -1;
		}
	}
	c->ctrl_rx_area = vdrv_alloc(d, (uint64_t)VCONS_CTRL_BUFS * VCONS_CTRL_BUF_SIZE, 64);
	c->ctrl_tx_area = vdrv_alloc(d, (uint64_t)VCONS_CTRL_TX_SLOTS * VCONS_CTRL_TX_SIZE, 64);
	if (!c->ctrl_rx_area || !c->ctrl_tx_area)
		return -1;
	post_ctrl_rx(c);
	/* drivernormative: Multiport Device Operation -- DEVICE_READY */
	if (vcons_drv_send_ctrl(c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1) != 0)
		return -1;
	return vcons_drv_poll(c);
}

void vcons_drv_detach(struct vcons_drv *c)
{
	uint32_t p;

	for (p = 0; p < VCONS_MAX_PORTS; p++) {
		free(c->port[p].in);
		c->port[p].in = NULL;
	}
	c->d = NULL;
}
