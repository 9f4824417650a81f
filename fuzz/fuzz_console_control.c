// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the DEVICE side of virtio-console (model/devices/console.c)
 * facing a driver that sends anything on the control transmitq, and a host
 * that plugs, unplugs, opens, resizes and feeds ports at any time. A real
 * pair (PCI or MMIO) runs the device with multiport on or off (offered and
 * negotiated separately), 1..8 ports, ports present / open / named /
 * nominated as console at start, and the reference console driver (so the
 * normal protocol runs) plus, from the input:
 *  - control messages with any id / event / value / length / name bytes
 *    (vcons_drv_ctrl_raw) and well-formed ones with any values
 *    (vcons_drv_send_ctrl);
 *  - data written on ports, by the driver and as raw transmit buffers;
 *  - host actions: port add / remove, host open / close, resize, console
 *    nomination, input injection;
 *  - wrong-direction buffers: a device-writable part on a transmitq or the
 *    control transmitq, a device-readable part on a receiveq;
 *  - device resets and re-initialization.
 *
 * Oracles (clause cited on failure):
 *  - the control messages the driver receives (its log), checked against a
 *    port model of this file: DEVICE_ADD never for a port that exists nor
 *    for one >= max_nr_ports, DEVICE_REMOVE only for an added port, any
 *    other port event only for an added port (CL_DEV_CONSOLE_MP); no control
 *    message at all without MULTIPORT negotiated;
 *  - the reference driver never records a device violation;
 *  - bytes the driver transmitted on a port that exists (and emergency
 *    writes, on port 0) come out of vc_console_output byte-exact and in
 *    order, and nothing else does (cited under CL_DRV_CONSOLE, the clause
 *    of the transmit buffers the device consumes);
 *  - host input injected on a port reaches the driver byte-exact and in
 *    order (every byte read is the next one injected); at the end, a port
 *    the device considers open to input has delivered everything;
 *  - a wrong-direction buffer on a transmitq the device serves ends in
 *    DEVICE_NEEDS_RESET with a CL_DRV_CONSOLE finding; DEVICE_NEEDS_RESET
 *    never appears without a console drivernormative finding; after a reset
 *    and a new bring-up the device serves again;
 *  - nothing crashes or hangs (sanitizers; at most MAX_OPS operations,
 *    MAX_RESETS resets, bounded data).
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 multiport offered, bit 1 multiport wanted by the driver,
 *           bit 2 SIZE (cols/rows args), bit 3 emerg_write, bit 4 MMIO
 *   byte 1: max_nr_ports = 1 + b % 8 (multiport offered only)
 *   byte 2: ports present at start (mask), byte 3: ports open at start,
 *   byte 4: console port (b < 8: that port if present, else none),
 *   byte 5: named ports (mask; names from a charset)
 *   then operations: one byte (b % 16) and operands, see run_op().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "console_drv.h"
#include "devices.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_console_control"

#define MAX_PORTS 8u
#define MAX_OPS 64
#define MAX_RESETS 3
#define STREAM_MAX (48u << 10) /* bytes per port and direction */
#define IO_MAX 3000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vc_pair pr;
static bool pr_open;
static struct vcons_drv cd;
static bool cd_attached;
static struct vdrv_config cfg;
static uint64_t scratch; /* guest memory for raw buffers */

/* one direction of one port: bytes expected, bytes already matched */
struct stream {
	uint8_t b[STREAM_MAX];
	uint32_t len, pos;
};

static struct {
	bool mp;            /* MULTIPORT negotiated */
	uint32_t max_ports; /* ports in use: max_nr_ports, 1 without MULTIPORT */
	uint32_t cfg_ports; /* max_nr_ports of the device arguments */
	bool added[MAX_PORTS];
	uint32_t log_seen;  /* driver log entries checked */
	unsigned resets;
	uint64_t dev_findings;
	struct stream out[MAX_PORTS]; /* driver -> host */
	struct stream in[MAX_PORTS];  /* host -> driver */
} M;

static uint8_t tmp[STREAM_MAX];

static void *dev(void) { return vdev_device(pr.core); }

static uint64_t dev_findings_total(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return (uint64_t)f->count + f->dropped;
}

static const char *last_dev_finding(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return f->count ? f->v[f->count - 1].msg : "(none)";
}

static bool needs_reset(void)
{
	return (vdev_status(pr.core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* a port the driver may use for data (its own view, which the device
 * keeps current through the control queue) */
static bool port_live(uint32_t p)
{
	return p < M.max_ports && p < cd.nports && cd.port[p].added;
}

/* --------------------------------------------------------------- checks */

static void check_driver_findings(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	ORACLE(f->count == 0 && f->dropped == 0, f->count ? f->v[0].clause : HARNESS,
	       "the reference driver found the model device at fault: %s",
	       f->count ? f->v[0].msg : "(dropped)");
}

/* New control messages the driver received, against the port model. */
static void check_log(void)
{
	uint32_t n = cd.n_log < VCONS_LOG_MAX ? cd.n_log : VCONS_LOG_MAX;

	if (!M.mp)
		ORACLE(cd.n_log == 0, CL_DEV_CONSOLE_MP,
		       "%u control messages without VIRTIO_CONSOLE_F_MULTIPORT", cd.n_log);
	for (; M.log_seen < n; M.log_seen++) {
		const struct vcons_event *e = &cd.log[M.log_seen];

		switch (e->event) {
		case VIRTIO_CONSOLE_DEVICE_ADD:
			ORACLE(e->id < M.max_ports, CL_DEV_CONSOLE_MP,
			       "DEVICE_ADD for port %u, max_nr_ports is %u", e->id, M.max_ports);
			ORACLE(!M.added[e->id], CL_DEV_CONSOLE_MP,
			       "DEVICE_ADD for port %u, which exists", e->id);
			M.added[e->id] = true;
			break;
		case VIRTIO_CONSOLE_DEVICE_REMOVE:
			ORACLE(e->id < M.max_ports && M.added[e->id], CL_DEV_CONSOLE_MP,
			       "DEVICE_REMOVE for port %u, which was not added", e->id);
			M.added[e->id] = false;
			break;
		case VIRTIO_CONSOLE_CONSOLE_PORT:
		case VIRTIO_CONSOLE_RESIZE:
		case VIRTIO_CONSOLE_PORT_OPEN:
		case VIRTIO_CONSOLE_PORT_NAME:
			ORACLE(e->id < M.max_ports && M.added[e->id], CL_DEV_CONSOLE_MP,
			       "control event %u for port %u, which was not added", e->event,
			       e->id);
			if (e->event == VIRTIO_CONSOLE_PORT_OPEN || e->event == VIRTIO_CONSOLE_CONSOLE_PORT)
				ORACLE(e->value <= 1, CL_DEV_CONSOLE_MP,
				       "event %u for port %u with value %u", e->event, e->id, e->value);
			break;
		default:
			ORACLE(0, CL_DEV_CONSOLE_MP, "the device sent control event %u (port %u)",
			       e->event, e->id);
		}
	}
}

/* Everything the host can read now is the next part of what was sent. */
static void check_output(void)
{
	uint32_t p;

	for (p = 0; p < M.cfg_ports; p++) {
		struct stream *s = &M.out[p];
		size_t n = vc_console_output(dev(), p, tmp, sizeof(tmp));

		if (!n)
			continue;
		ORACLE(n <= s->len - s->pos, CL_DRV_CONSOLE,
		       "port %u: the host read %zu bytes, the driver sent only %u more", p, n,
		       s->len - s->pos);
		ORACLE(memcmp(tmp, s->b + s->pos, n) == 0, CL_DRV_CONSOLE,
		       "port %u: output at byte %u differs from what the driver transmitted", p,
		       s->pos);
		s->pos += (uint32_t)n;
	}
}

/* Read what the driver received on p: the next bytes the host injected. */
static void drain_input(uint32_t p, size_t max)
{
	struct stream *s = &M.in[p];
	long n;

	if (!cd_attached || p >= cd.nports)
		return;
	n = vcons_drv_read(&cd, p, tmp, max < sizeof(tmp) ? max : sizeof(tmp));
	if (n <= 0)
		return;
	ORACLE((uint32_t)n <= s->len - s->pos, CL_DRV_CONSOLE,
	       "port %u: the driver received %ld bytes, the host injected only %u more", p, n,
	       s->len - s->pos);
	ORACLE(memcmp(tmp, s->b + s->pos, (size_t)n) == 0, CL_DRV_CONSOLE,
	       "port %u: input at byte %u differs from what the host injected", p, s->pos);
	s->pos += (uint32_t)n;
}

static void drain_all_input(void)
{
	uint32_t p;

	for (p = 0; p < M.max_ports; p++)
		drain_input(p, sizeof(tmp));
}

/* After every operation: let the driver catch up, then check. A device
 * that needs a reset must have said why (a console drivernormative clause). */
static void settle(const char *what)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	if (cd_attached)
		vcons_drv_poll(&cd);
	if (needs_reset()) {
		const char *cl = f->count ? f->v[f->count - 1].clause : "";

		ORACLE(dev_findings_total() > M.dev_findings, CL_DEV_STATUS,
		       "DEVICE_NEEDS_RESET after %s without a finding", what);
		ORACLE(strcmp(cl, CL_DRV_CONSOLE) == 0 || strcmp(cl, CL_DRV_CONSOLE_MP) == 0,
		       CL_DEV_STATUS, "DEVICE_NEEDS_RESET after %s citing %s: %s", what, cl,
		       last_dev_finding());
	} else {
		ORACLE(dev_findings_total() == M.dev_findings, HARNESS,
		       "%s produced a device finding without DEVICE_NEEDS_RESET: %s: %s", what,
		       f->count ? f->v[f->count - 1].clause : "", last_dev_finding());
	}
	M.dev_findings = dev_findings_total();
	check_driver_findings();
	if (cd_attached)
		check_log();
	check_output();
}

/* ------------------------------------------------------------- bring-up */

static int bring_up(void)
{
	if (vdrv_init(pr.drv, &cfg) != 0)
		return -1;
	if (vcons_drv_attach(&cd, pr.drv) != 0) {
		vcons_drv_detach(&cd);
		return -1;
	}
	cd_attached = true;
	scratch = vdrv_alloc(pr.drv, 8192, 64);
	M.mp = cd.multiport;
	memset(M.added, 0, sizeof(M.added));
	M.log_seen = 0;
	return scratch ? 0 : -1;
}

static void reset_and_check(void)
{
	bool broken = needs_reset();
	uint32_t p;

	/* what the driver holds goes with it: take it first */
	drain_all_input();
	for (p = 0; p < M.max_ports; p++) {
		struct vc_console_port_state st;
		uint32_t left = M.in[p].len - M.in[p].pos;

		if (vc_console_port_state(dev(), p, &st) != 0)
			continue;
		if (broken) {
			/* after a fatal error the device may have taken bytes it
			 * never handed over (pushed, not published): the ones
			 * still pending are the last of the stream */
			if (st.pending_input < left)
				M.in[p].pos = M.in[p].len - st.pending_input;
		} else {
			ORACLE(st.pending_input == left, CL_DRV_CONSOLE,
			       "port %u: %u injected bytes neither received nor pending (%u "
			       "pending)", p, left, st.pending_input);
		}
	}
	vcons_drv_detach(&cd);
	cd_attached = false;
	vdrv_reset(pr.drv);
	ORACLE(vdev_status(pr.core) == 0, CL_DEV_STATUS, "status 0x%02x after reset",
	       vdev_status(pr.core));
	ORACLE(bring_up() == 0, CL_DEV_CONSOLE_INIT,
	       "the device is not usable after a reset (status 0x%02x, last finding %s)",
	       vdev_status(pr.core), last_dev_finding());
	ORACLE(!needs_reset(), CL_DEV_STATUS, "DEVICE_NEEDS_RESET right after a bring-up");
	M.resets++;
	settle("a reset");
}

/* ------------------------------------------------------------ operations */

static uint32_t pick_port(struct fin *f)
{
	uint8_t b = fin_u8(f);

	return (b & 0x80) ? b & 0x1f : b % M.max_ports;
}

static void fill(uint8_t *dst, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		dst[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 8));
}

static void driver_write(struct fin *f)
{
	uint32_t p = pick_port(f), len = fin_u16(f) % IO_MAX;
	uint8_t seed = fin_u8(f);
	static uint8_t buf[IO_MAX];
	long n;

	if (p < MAX_PORTS && M.out[p].len + len > STREAM_MAX)
		return; /* bounded work */
	fill(buf, len, seed);
	n = vcons_drv_write(&cd, p, buf, len);
	if (n <= 0 || p >= MAX_PORTS)
		return;
	/* the driver wrote only to a port it saw added, and the device told it
	 * synchronously: the port exists on both sides */
	/* the transmit buffers were consumed: the bytes are the host's */
	if (M.out[p].len + (uint32_t)n <= STREAM_MAX) {
		memcpy(M.out[p].b + M.out[p].len, buf, (size_t)n);
		M.out[p].len += (uint32_t)n;
	} else {
		ORACLE(0, HARNESS, "stream bound exceeded");
	}
}

static void host_inject(struct fin *f)
{
	uint32_t p = pick_port(f), len = fin_u16(f) % IO_MAX;
	uint8_t seed = fin_u8(f);
	static uint8_t buf[IO_MAX];
	size_t n;

	if (p < MAX_PORTS && M.in[p].len + len > STREAM_MAX)
		return;
	fill(buf, len, seed ^ 0x5a);
	n = vc_console_inject(dev(), p, buf, len);
	if (p >= M.cfg_ports) {
		ORACLE(n == 0, HARNESS, "inject on port %u >= max_nr_ports accepted %zu", p, n);
		return;
	}
	memcpy(M.in[p].b + M.in[p].len, buf, n);
	M.in[p].len += (uint32_t)n;
}

static void ctrl_raw(struct fin *f)
{
	uint8_t m[VCONS_CTRL_TX_SIZE];
	uint8_t shape = fin_u8(f);
	size_t len, i;
	uint32_t id = (shape & 0x80) ? fin_u32(f) : fin_u8(f) % (M.max_ports + 2);
	uint16_t event = (shape & 0x40) ? fin_u16(f) : fin_u8(f) % 9;
	uint16_t value = (shape & 0x20) ? fin_u16(f) : fin_u8(f) % 3;

	len = (shape & 0x10) ? fin_u8(f) % 24 : 8 + fin_u8(f) % 20;
	memset(m, 0, sizeof(m));
	m[0] = (uint8_t)id;
	m[1] = (uint8_t)(id >> 8);
	m[2] = (uint8_t)(id >> 16);
	m[3] = (uint8_t)(id >> 24);
	m[4] = (uint8_t)event;
	m[5] = (uint8_t)(event >> 8);
	m[6] = (uint8_t)value;
	m[7] = (uint8_t)(value >> 8);
	for (i = 8; i < len; i++)
		m[i] = fin_u8(f);
	vcons_drv_ctrl_raw(&cd, m, len);
}

/* A buffer on a queue with the wrong direction (or a correct raw transmit
 * buffer carrying data). */
static void raw_buffer(struct fin *f)
{
	uint8_t kind = fin_u8(f);
	uint32_t p = fin_u8(f) % M.max_ports;
	uint32_t len = 1 + fin_u16(f) % 1024;
	struct vq_buf rd = { scratch, len }, wr = { scratch + 4096, 1 + len % 512 };
	bool txq_served = p < cd.nports && (M.mp || p == 0);
	int head;

	switch (kind % 4) {
	case 0: /* writable part on a transmitq */
		head = vcons_drv_submit_raw(&cd, vc_console_txq(p), (kind & 4) ? &rd : NULL,
					    (kind & 4) ? 1 : 0, &wr, 1, false);
		vcons_drv_poll(&cd);
		if (head >= 0 && txq_served)
			/* drivernormative: Console Device / Device Operation --
			 * transmit buffers are device-readable only */
			ORACLE(needs_reset() &&
				       vc_findings_find(vdev_findings(pr.core), CL_DRV_CONSOLE) >= 0,
			       CL_DRV_CONSOLE,
			       "device-writable buffer on transmitq %u accepted (status 0x%02x)",
			       vc_console_txq(p), vdev_status(pr.core));
		break;
	case 1: /* writable part on the control transmitq */
		if (!M.mp)
			break;
		head = vcons_drv_submit_raw(&cd, VC_CONSOLE_CTRL_TXQ, &rd, 1, &wr, 1, false);
		vcons_drv_poll(&cd);
		if (head >= 0)
			ORACLE(needs_reset() &&
				       vc_findings_find(vdev_findings(pr.core), CL_DRV_CONSOLE) >= 0,
			       CL_DRV_CONSOLE,
			       "device-writable buffer on the control transmitq accepted (status "
			       "0x%02x)", vdev_status(pr.core));
		break;
	case 2: /* readable part on a receiveq (found when input is delivered) */
		vcons_drv_submit_raw(&cd, (kind & 4) && M.mp ? VC_CONSOLE_CTRL_RXQ :
							       vc_console_rxq(p),
				     &rd, 1, (kind & 8) ? &wr : NULL, (kind & 8) ? 1 : 0, false);
		break;
	default: { /* a correct raw transmit buffer with data */
		uint32_t n = len;

		fill(tmp, n, kind);
		if (!port_live(p) || M.out[p].len + n > STREAM_MAX)
			break;
		if (gm_write(vdrv_mem(pr.drv), scratch, tmp, n) != 0)
			break;
		head = vcons_drv_submit_raw(&cd, vc_console_txq(p), &rd, 1, NULL, 0, false);
		if (head >= 0) {
			memcpy(M.out[p].b + M.out[p].len, tmp, n);
			M.out[p].len += n;
		}
		break;
	}
	}
}

static void run_op(struct fin *f, uint8_t op)
{
	uint32_t p;
	char name[32];
	unsigned i, nl;
	static const char charset[] = "abcdefghijklmnopqrstuvwxyz0123456789._-";

	switch (op % 16) {
	case 0:
	case 15:
		ctrl_raw(f);
		settle("a raw control message");
		break;
	case 1: {
		uint32_t id = fin_u8(f) % (M.max_ports + 2);
		uint16_t ev = fin_u8(f) % 9, val = fin_u8(f) % 3;

		vcons_drv_send_ctrl(&cd, id, ev, val);
		settle("a control message");
		break;
	}
	case 2:
		driver_write(f);
		settle("a driver write");
		break;
	case 3:
		p = pick_port(f) % M.max_ports;
		drain_input(p, 1 + fin_u16(f) % sizeof(tmp));
		settle("a driver read");
		break;
	case 4:
		host_inject(f);
		settle("an injection");
		break;
	case 5:
		p = pick_port(f);
		nl = fin_u8(f) % 9;
		memset(name, 0, sizeof(name));
		for (i = 0; i < nl && i + 1 < sizeof(name); i++)
			name[i] = charset[fin_u8(f) % (sizeof(charset) - 1)];
		vc_console_port_add(dev(), p, nl ? name : NULL);
		settle("a port add");
		break;
	case 6:
		p = pick_port(f);
		/* input not delivered is dropped with the port: take what the
		 * driver has first */
		if (p < M.max_ports)
			drain_input(p, sizeof(tmp));
		if (vc_console_port_remove(dev(), p) == 0 && p < M.max_ports)
			M.in[p].len = M.in[p].pos;
		settle("a port remove");
		/* the driver dropped what it held for the port (DEVICE_REMOVE) */
		if (p < M.max_ports)
			M.in[p].len = M.in[p].pos;
		break;
	case 7:
		p = pick_port(f);
		vc_console_set_host_open(dev(), p, fin_u8(f) & 1);
		settle("a host open/close");
		break;
	case 8:
		p = pick_port(f);
		vc_console_resize(dev(), p, fin_u16(f), fin_u16(f));
		settle("a resize");
		break;
	case 9:
		p = pick_port(f);
		vc_console_set_console(dev(), p);
		settle("a console nomination");
		break;
	case 10:
		p = pick_port(f);
		vcons_drv_port_open(&cd, p, fin_u8(f) & 1);
		settle("a driver port open/close");
		break;
	case 11:
		raw_buffer(f);
		settle("a raw buffer");
		break;
	case 12:
		if (M.resets < MAX_RESETS)
			reset_and_check();
		break;
	case 13:
		/* emerg_wr: the byte goes to port 0's output (5.3.4) */
		if (vcons_drv_emerg_write(&cd, "e", 1) == 0 && M.out[0].len < STREAM_MAX)
			M.out[0].b[M.out[0].len++] = 'e';
		settle("an emergency write");
		break;
	default:
		settle("a poll");
		break;
	}
}

/* At the end: a port the device holds open to input has delivered it all. */
static void final_delivery(void)
{
	uint32_t p, round;

	if (needs_reset())
		return;
	for (p = 0; p < M.max_ports && p < cd.nports; p++) {
		struct vc_console_port_state st;

		for (round = 0; round < 64 && M.in[p].pos < M.in[p].len; round++)
			drain_input(p, sizeof(tmp));
		if (vc_console_port_state(dev(), p, &st) != 0)
			continue;
		if (!(M.mp ? (st.added && st.ready && st.guest_open) : p == 0))
			continue;
		ORACLE(st.pending_input == 0 && M.in[p].pos == M.in[p].len, CL_DRV_CONSOLE,
		       "port %u open to input: %u bytes still pending, %u injected bytes not "
		       "received", p, st.pending_input, M.in[p].len - M.in[p].pos);
	}
}

static int setup(struct fin *f)
{
	static const char charset[] = "abcdefghijklmnopqrstuvwxyz0123456789._-";
	char args[1024];
	size_t n = 0;
	uint8_t b0 = fin_u8(f), present, open, console, named;
	uint64_t want = 0;
	unsigned p, i;
	bool mp_offer = b0 & 1;
	struct vc_pair_opts opts = {
		.transport = (b0 & 0x10) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI,
	};

	memset(&M, 0, sizeof(M));
	M.max_ports = mp_offer ? 1 + fin_u8(f) % MAX_PORTS : 1;
	M.cfg_ports = M.max_ports;
	present = fin_u8(f);
	open = fin_u8(f);
	console = fin_u8(f);
	named = fin_u8(f);
	n += (size_t)snprintf(args + n, sizeof(args) - n, "multiport=%s,emerg_write=%s",
			      mp_offer ? "on" : "off", (b0 & 8) ? "on" : "off");
	if (b0 & 4)
		n += (size_t)snprintf(args + n, sizeof(args) - n, ",cols=%u,rows=%u",
				      fin_u8(f), fin_u8(f));
	if (mp_offer) {
		const char *sep = "";

		n += (size_t)snprintf(args + n, sizeof(args) - n, ",max_nr_ports=%u", M.max_ports);
		present &= (uint8_t)((1u << M.max_ports) - 1);
		open &= present;
		n += (size_t)snprintf(args + n, sizeof(args) - n, ",ports=");
		if (!present)
			n += (size_t)snprintf(args + n, sizeof(args) - n, "none");
		for (p = 0; p < M.max_ports; p++)
			if (present & (1u << p)) {
				n += (size_t)snprintf(args + n, sizeof(args) - n, "%s%u", sep, p);
				sep = ":";
			}
		sep = "";
		n += (size_t)snprintf(args + n, sizeof(args) - n, ",open=");
		if (!open)
			n += (size_t)snprintf(args + n, sizeof(args) - n, "none");
		for (p = 0; p < M.max_ports; p++)
			if (open & (1u << p)) {
				n += (size_t)snprintf(args + n, sizeof(args) - n, "%s%u", sep, p);
				sep = ":";
			}
		if (console < M.max_ports && (present & (1u << console)))
			n += (size_t)snprintf(args + n, sizeof(args) - n, ",console=%u", console);
		else
			n += (size_t)snprintf(args + n, sizeof(args) - n, ",console=none");
		for (p = 0; p < M.max_ports; p++) {
			unsigned nl;

			if (!(named & (1u << p)))
				continue;
			nl = 1 + fin_u8(f) % 12;
			n += (size_t)snprintf(args + n, sizeof(args) - n, ",name%u=", p);
			for (i = 0; i < nl; i++)
				n += (size_t)snprintf(args + n, sizeof(args) - n, "%c",
						      charset[fin_u8(f) % (sizeof(charset) - 1)]);
		}
	}
	if (b0 & 2)
		want |= VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT);
	if (b0 & 0x20)
		want |= VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE);
	if (b0 & 0x40)
		want |= VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE);

	ORACLE(vc_pair_open_opts(&pr, &vc_console_device_ops, args, &opts) == 0, HARNESS,
	       "cannot open a console pair with \"%s\"", args);
	pr_open = true;
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_CONSOLE) == 0, HARNESS, "probe failed");
	vcons_drv_config(&cfg, want);
	ORACLE(bring_up() == 0, CL_DEV_CONSOLE_INIT,
	       "the reference driver cannot bring up the model device (\"%s\"): %s", args,
	       vdrv_findings(pr.drv)->count ? vdrv_findings(pr.drv)->v[0].msg : "(no finding)");
	if (!M.mp)
		M.max_ports = 1;
	settle("the bring-up");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned ops = 0;

	setup(&f);
	while (!fin_done(&f) && ops++ < MAX_OPS) {
		if (needs_reset()) {
			if (M.resets >= MAX_RESETS)
				break;
			reset_and_check();
			continue;
		}
		run_op(&f, fin_u8(&f));
	}
	if (cd_attached && !needs_reset()) {
		final_delivery();
		settle("the final reads");
	}
	if (cd_attached)
		vcons_drv_detach(&cd);
	cd_attached = false;
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	return 0;
}
