// SPDX-License-Identifier: Apache-2.0
/*
 * The vhost-user proxy device. See vu_device.h.
 *
 * Lifecycle, as the harness's device core drives it:
 *   create      connect (or spawn), handshake, map the guest memory
 *   get/set_features, config_read/write   GET/SET_FEATURES, GET/SET_CONFIG
 *   activate    (DRIVER_OK) SET_MEM_TABLE, then per enabled queue
 *               SET_VRING_NUM/BASE/ADDR/KICK/CALL/ERR and SET_VRING_ENABLE 1
 *   queue_notify  write the kick eventfd, wait (time-boxed) until the used
 *               ring has caught up with the avail ring, turn call signals
 *               into used-buffer interrupts
 *   reset       SET_VRING_ENABLE 0 + GET_VRING_BASE per started queue,
 *               RESET_DEVICE when negotiated; after a dropped connection,
 *               connect again (a back-end that survives serves the next one)
 *
 * What the back-end does wrong becomes a finding through host->fail():
 * VC_FAIL_REFUSED when it refused the driver's buffers (dropped the
 * connection, signalled the error eventfd, or left a request of a device
 * that completes every request unused), VC_FAIL_BROKEN when it stopped
 * working for another reason (setup failed, the process died).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"
#include "vu_device.h"
#include "vu_proto.h"

struct vu_queue {
	bool started;
	bool packed;
	uint16_t size;
	int kick, call, err;
};

struct vu_dev {
	const struct vc_host_ops *host;
	void *hctx;
	struct vu_args a;
	struct vu_client c;
	struct vu_handshake hs;
	uint8_t cfg[VU_CONFIG_MAX];
	bool cfg_valid;
	uint8_t *map;                 /* our mapping of the whole memory file */
	size_t map_len;
	int memfd;                    /* the host's; not ours to close */
	struct vc_mem_region reg[VU_MEM_REGIONS_MAX];
	unsigned nreg;
	struct vu_queue q[VU_MAX_QUEUES];
	bool failed;                  /* a finding was reported since the last reset */
};

/* ------------------------------------------------------------ arguments */

static int parse_uint(const char *v, size_t len, unsigned long max, unsigned long *out)
{
	char buf[32], *end;
	unsigned long x;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	errno = 0;
	x = strtoul(buf, &end, 10);
	if (errno || *end || buf[0] == '-' || x > max)
		return -1;
	*out = x;
	return 0;
}

int vu_args_parse(struct vu_args *a, const char *s, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = VU_TIMEOUT_MS_DEFAULT;
	a->settle_ms = 500;
	a->queue_size = 256;
	a->num_queues = 1;
	while (s && *s) {
		const char *eq = strchr(s, '='), *comma;
		size_t klen, vlen;
		unsigned long v = 0;

		if (!eq) {
			snprintf(err, n, "'%s': expected key=value", s);
			return -1;
		}
		klen = (size_t)(eq - s);
		if (klen == 5 && !strncmp(s, "spawn", 5)) {
			if (strlen(eq + 1) >= sizeof(a->spawn)) {
				snprintf(err, n, "spawn: command longer than %zu bytes",
					 sizeof(a->spawn) - 1);
				return -1;
			}
			snprintf(a->spawn, sizeof(a->spawn), "%s", eq + 1);
			break;
		}
		comma = strchr(eq, ',');
		vlen = comma ? (size_t)(comma - eq - 1) : strlen(eq + 1);
#define KEY(k) (klen == sizeof(k) - 1 && !strncmp(s, k, klen))
		if (KEY("socket")) {
			if (vlen == 0 || vlen >= sizeof(a->socket)) {
				snprintf(err, n, "socket: empty or longer than %zu bytes",
					 sizeof(a->socket) - 1);
				return -1;
			}
			memcpy(a->socket, eq + 1, vlen);
			a->socket[vlen] = 0;
		} else if (KEY("device_id") && !parse_uint(eq + 1, vlen, 0xffff, &v)) {
			a->device_id = (uint32_t)v;
		} else if (KEY("num_queues") && !parse_uint(eq + 1, vlen, VU_MAX_QUEUES, &v) && v) {
			a->num_queues = (uint16_t)v;
		} else if (KEY("queue_size") && !parse_uint(eq + 1, vlen, 32768, &v) && v &&
			   !(v & (v - 1))) {
			a->queue_size = (uint16_t)v;
		} else if (KEY("config_size") && !parse_uint(eq + 1, vlen, VU_CONFIG_MAX, &v)) {
			a->config_size = (uint32_t)v;
		} else if (KEY("timeout_ms") && !parse_uint(eq + 1, vlen, 600000, &v) && v) {
			a->timeout_ms = (int)v;
		} else if (KEY("settle_ms") && !parse_uint(eq + 1, vlen, 600000, &v)) {
			a->settle_ms = (int)v;
		} else if (KEY("holds_buffers") && !parse_uint(eq + 1, vlen, 1, &v)) {
			a->holds_buffers = v != 0;
		} else {
			snprintf(err, n, "'%.*s': unknown key or bad value", (int)(comma ? (size_t)(comma - s) : strlen(s)), s);
			return -1;
		}
#undef KEY
		s = comma ? comma + 1 : NULL;
	}
	if (!a->socket[0] == !a->spawn[0]) {
		snprintf(err, n, "exactly one of socket= and spawn= is needed");
		return -1;
	}
	return 0;
}

int vu_args_format(const struct vu_args *a, char *out, size_t n)
{
	int w = snprintf(out, n,
			 "device_id=%u,num_queues=%u,queue_size=%u,config_size=%u,timeout_ms=%d,"
			 "settle_ms=%d,holds_buffers=%d,%s%s",
			 a->device_id, a->num_queues, a->queue_size, a->config_size, a->timeout_ms,
			 a->settle_ms, a->holds_buffers, a->spawn[0] ? "spawn=" : "socket=",
			 a->spawn[0] ? a->spawn : a->socket);

	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* ------------------------------------------------------------ handshake */

int vu_handshake(struct vu_client *c, struct vu_handshake *h)
{
	memset(h, 0, sizeof(*h));
	c->reply_ack = false;
	if (vu_call(c, VU_SET_OWNER, NULL, 0, NULL, 0, NULL, 0) ||
	    vu_get_u64(c, VU_GET_FEATURES, &h->features))
		return -1;
	if (h->features & (1ull << VU_F_PROTOCOL_FEATURES)) {
		if (vu_get_u64(c, VU_GET_PROTOCOL_FEATURES, &h->offered_pf))
			return -1;
		h->protocol = h->offered_pf & VU_PF_WANTED;
		if (vu_set_u64(c, VU_SET_PROTOCOL_FEATURES, h->protocol, NULL, 0))
			return -1;
		/* acks are asked for from the next message on */
		c->reply_ack = !!(h->protocol & (1ull << VU_PF_REPLY_ACK));
		if (h->protocol & (1ull << VU_PF_MQ)) {
			uint64_t qn = 0;

			if (vu_get_u64(c, VU_GET_QUEUE_NUM, &qn))
				return -1;
			h->queue_num = qn > 0xffff ? 0xffff : (uint16_t)qn;
		}
	}
	return 0;
}

/* ----------------------------------------------------------- reporting */

static void report(struct vu_dev *d, const char *clause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct vu_dev *d, const char *clause, const char *fmt, ...)
{
	char msg[sizeof(d->c.err) + 160];
	va_list ap;

	if (d->failed)
		return; /* the first is the one that counts */
	d->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->host->fail(d->hctx, clause, msg);
}

/* ------------------------------------------------------------- queues */

static void queue_close(struct vu_queue *q)
{
	if (q->kick >= 0)
		close(q->kick);
	if (q->call >= 0)
		close(q->call);
	if (q->err >= 0)
		close(q->err);
	q->kick = q->call = q->err = -1;
	q->started = false;
}

/* The front-end virtual address of [gpa, gpa + len), or 0 when the range
 * is not wholly inside one region. */
static uint64_t to_uva(const struct vu_dev *d, uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < d->nreg; i++) {
		const struct vc_mem_region *r = &d->reg[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return (uint64_t)(uintptr_t)d->map + r->fd_offset + (gpa - r->gpa);
	}
	return 0;
}

static int send_mem_table(struct vu_dev *d)
{
	struct vu_mem_table t;
	int fds[VU_MEM_REGIONS_MAX];
	unsigned i;

	memset(&t, 0, sizeof(t));
	t.nregions = cpu_to_le32(d->nreg);
	for (i = 0; i < d->nreg; i++) {
		t.regions[i] = (struct vu_mem_region){
			.guest_phys_addr = cpu_to_le64(d->reg[i].gpa),
			.memory_size = cpu_to_le64(d->reg[i].size),
			.userspace_addr = cpu_to_le64((uint64_t)(uintptr_t)d->map + d->reg[i].fd_offset),
			.mmap_offset = cpu_to_le64(d->reg[i].fd_offset),
		};
		fds[i] = d->memfd;
	}
	return vu_call(&d->c, VU_SET_MEM_TABLE, &t, 8 + d->nreg * (uint32_t)sizeof(t.regions[0]),
		       fds, d->nreg, NULL, 0);
}

static int vring_state(struct vu_dev *d, uint32_t req, uint16_t q, uint32_t num)
{
	struct vu_vring_state s = { cpu_to_le32(q), cpu_to_le32(num) };

	return vu_call(&d->c, req, &s, sizeof(s), NULL, 0, NULL, 0);
}

static int start_queue(struct vu_dev *d, uint16_t i, const struct vc_queue_info *qi)
{
	struct vu_queue *q = &d->q[i];
	uint64_t desc_len = qi->packed ? 16ull * qi->size : 16ull * qi->size;
	uint64_t drv_len = qi->packed ? 4 : 6 + 2ull * qi->size;
	uint64_t dev_len = qi->packed ? 4 : 6 + 8ull * qi->size;
	struct vu_vring_addr va;
	uint64_t udesc = to_uva(d, qi->desc, desc_len), udrv = to_uva(d, qi->driver, drv_len),
		 udev = to_uva(d, qi->device, dev_len);

	if (!udesc || !udrv || !udev) {
		snprintf(d->c.err, sizeof(d->c.err), "queue %u: rings outside guest memory", i);
		return -1;
	}
	q->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->err = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->kick < 0 || q->call < 0 || q->err < 0) {
		snprintf(d->c.err, sizeof(d->c.err), "eventfd: %s", strerror(errno));
		queue_close(q);
		return -1;
	}
	q->packed = qi->packed;
	q->size = qi->size;
	va = (struct vu_vring_addr){
		.index = cpu_to_le32(i),
		.desc_user_addr = cpu_to_le64(udesc),
		.used_user_addr = cpu_to_le64(udev),
		.avail_user_addr = cpu_to_le64(udrv),
	};
	if (vring_state(d, VU_SET_VRING_NUM, i, qi->size) ||
	    vring_state(d, VU_SET_VRING_BASE, i, qi->packed ? VU_VRING_PACKED_WRAP : 0) ||
	    vu_call(&d->c, VU_SET_VRING_ADDR, &va, sizeof(va), NULL, 0, NULL, 0) ||
	    vu_set_u64(&d->c, VU_SET_VRING_KICK, i, &q->kick, 1) ||
	    vu_set_u64(&d->c, VU_SET_VRING_CALL, i, &q->call, 1) ||
	    vu_set_u64(&d->c, VU_SET_VRING_ERR, i, &q->err, 1)) {
		queue_close(q);
		return -1;
	}
	q->started = true;
	/* with protocol features a ring starts disabled */
	if ((d->hs.features & (1ull << VU_F_PROTOCOL_FEATURES)) &&
	    vring_state(d, VU_SET_VRING_ENABLE, i, 1))
		return -1;
	return 0;
}

static void drain(int fd)
{
	uint64_t v;

	while (fd >= 0 && read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static void stop_queues(struct vu_dev *d)
{
	uint16_t i;

	for (i = 0; i < d->a.num_queues; i++) {
		struct vu_queue *q = &d->q[i];

		if (!q->started)
			continue;
		if (!d->c.dead) {
			struct vu_vring_state s = { cpu_to_le32(i), cpu_to_le32(0) };
			struct vu_vring_state r;

			if (d->hs.features & (1ull << VU_F_PROTOCOL_FEATURES))
				vring_state(d, VU_SET_VRING_ENABLE, i, 0);
			vu_call(&d->c, VU_GET_VRING_BASE, &s, sizeof(s), NULL, 0, &r, sizeof(r));
		}
		queue_close(q);
	}
}

/* ----------------------------------------------------------- the ops */

static void vu_destroy(void *dev)
{
	struct vu_dev *d = dev;
	uint16_t i;

	if (!d)
		return;
	for (i = 0; i < VU_MAX_QUEUES; i++)
		queue_close(&d->q[i]);
	if (d->map)
		munmap(d->map, d->map_len);
	vu_close(&d->c);
	free(d);
}

static int connect_backend(struct vu_dev *d)
{
	if (d->a.spawn[0] ? vu_spawn(&d->c, d->a.spawn) : vu_connect(&d->c, d->a.socket))
		return -1;
	return vu_handshake(&d->c, &d->hs);
}

static int map_memory(struct vu_dev *d)
{
	int n = d->host->mem_regions(d->hctx, &d->memfd, d->reg, VU_MEM_REGIONS_MAX);
	unsigned i;
	uint64_t end = 0;

	if (n <= 0 || n > (int)VU_MEM_REGIONS_MAX || d->memfd < 0) {
		snprintf(d->c.err, sizeof(d->c.err), "guest memory has %d regions (1..%u usable)",
			 n, VU_MEM_REGIONS_MAX);
		return -1;
	}
	d->nreg = (unsigned)n;
	for (i = 0; i < d->nreg; i++) {
		uint64_t e;

		if (__builtin_add_overflow(d->reg[i].fd_offset, d->reg[i].size, &e))
			return -1;
		if (e > end)
			end = e;
	}
	d->map = mmap(NULL, (size_t)end, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		snprintf(d->c.err, sizeof(d->c.err), "cannot map guest memory: %s", strerror(errno));
		return -1;
	}
	d->map_len = (size_t)end;
	return 0;
}

void *vu_device_create(const struct vc_host_ops *host, void *host_ctx, const char *args)
{
	struct vu_dev *d;
	char err[256];
	uint16_t i;

	if (!host || !VC_HOST_HAS(host, mem_regions) || !VC_HOST_HAS(host, queue_info) ||
	    !VC_HOST_HAS(host, queue_interrupt)) {
		fprintf(stderr, "virtiocheck: vhost-user: the host lacks the raw-ring services "
				"(ABI minor 1)\n");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->host = host;
	d->hctx = host_ctx;
	d->memfd = -1;
	for (i = 0; i < VU_MAX_QUEUES; i++)
		d->q[i].kick = d->q[i].call = d->q[i].err = -1;
	if (vu_args_parse(&d->a, args, err, sizeof(err))) {
		fprintf(stderr, "virtiocheck: vhost-user: %s\n", err);
		free(d);
		return NULL;
	}
	vu_init(&d->c, d->a.timeout_ms);
	if (connect_backend(d) || map_memory(d)) {
		fprintf(stderr, "virtiocheck: vhost-user: %s\n", d->c.err);
		vu_destroy(d);
		return NULL;
	}
	return d;
}

static uint64_t vu_get_features(void *dev)
{
	struct vu_dev *d = dev;

	/* bit 30 is vhost-user's own, not the device's offer */
	return d->hs.features & ~(1ull << VU_F_PROTOCOL_FEATURES);
}

static int vu_set_features(void *dev, uint64_t f)
{
	struct vu_dev *d = dev;

	if (d->hs.features & (1ull << VU_F_PROTOCOL_FEATURES))
		f |= 1ull << VU_F_PROTOCOL_FEATURES;
	if (vu_set_u64(&d->c, VU_SET_FEATURES, f, NULL, 0) == 0)
		return 0;
	if (d->c.dead)
		report(d, VC_FAIL_BROKEN, "vhost-user SET_FEATURES: %s", d->c.err);
	return -1; /* a NACK: the device does not accept the subset */
}

static void fetch_config(struct vu_dev *d)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	d->cfg_valid = true; /* one attempt per generation */
	if (!d->a.config_size || !(d->hs.protocol & (1ull << VU_PF_CONFIG)))
		return;
	if (vu_get_config(&d->c, 0, d->a.config_size, d->cfg) && d->c.dead)
		report(d, VC_FAIL_BROKEN, "vhost-user GET_CONFIG: %s", d->c.err);
}

static void vu_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct vu_dev *d = dev;

	if (!d->cfg_valid)
		fetch_config(d);
	if (off > sizeof(d->cfg) || len > sizeof(d->cfg) - off) {
		memset(dst, 0, len);
		return;
	}
	memcpy(dst, d->cfg + off, len);
}

static void vu_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct vu_dev *d = dev;

	if (!(d->hs.protocol & (1ull << VU_PF_CONFIG)))
		return;
	if (vu_set_config(&d->c, off, len, src) && d->c.dead)
		report(d, VC_FAIL_BROKEN, "vhost-user SET_CONFIG: %s", d->c.err);
	d->cfg_valid = false;
}

static void vu_activate(void *dev)
{
	struct vu_dev *d = dev;
	struct vc_queue_info qi;
	uint16_t i;

	if (d->c.dead) {
		report(d, VC_FAIL_BROKEN, "vhost-user back-end unavailable: %s", d->c.err);
		return;
	}
	if (send_mem_table(d)) {
		report(d, VC_FAIL_BROKEN, "vhost-user SET_MEM_TABLE: %s", d->c.err);
		return;
	}
	for (i = 0; i < d->a.num_queues; i++) {
		if (d->host->queue_info(d->hctx, i, &qi) || !qi.enabled)
			continue;
		if (start_queue(d, i, &qi)) {
			report(d, VC_FAIL_BROKEN, "vhost-user setup of queue %u: %s", i, d->c.err);
			return;
		}
	}
	/* libvhost-user signals each call eventfd once while it handles
	 * SET_VRING_CALL; that is no completion. A reply makes sure every
	 * message was handled before the signals are dropped. */
	if (!d->c.reply_ack) {
		uint64_t f;

		if (vu_get_u64(&d->c, VU_GET_FEATURES, &f)) {
			report(d, VC_FAIL_BROKEN, "vhost-user: %s", d->c.err);
			return;
		}
	}
	for (i = 0; i < d->a.num_queues; i++)
		drain(d->q[i].call);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Split ring: the avail idx and used idx as published now. */
static int split_idx(struct vu_dev *d, uint16_t i, uint16_t *avail, uint16_t *used)
{
	struct vc_queue_info qi;
	le16 a, u;

	if (d->host->queue_info(d->hctx, i, &qi) ||
	    d->host->mem_read(d->hctx, qi.driver + 2, &a, sizeof(a)) ||
	    d->host->mem_read(d->hctx, qi.device + 2, &u, sizeof(u)))
		return -1;
	*avail = le16_to_cpu(a);
	*used = le16_to_cpu(u);
	return 0;
}

static void vu_queue_notify(void *dev, uint16_t qn)
{
	struct vu_dev *d = dev;
	struct vu_queue *q;
	struct pollfd p[1 + 2 * VU_MAX_QUEUES];
	bool signalled[VU_MAX_QUEUES] = { false };
	int64_t deadline;
	uint16_t avail = 0, used = 0, i;
	uint64_t one = 1;
	bool done = false;

	if (qn >= d->a.num_queues || !d->q[qn].started || d->c.dead)
		return;
	q = &d->q[qn];
	if (write(q->kick, &one, sizeof(one)) != (ssize_t)sizeof(one))
		return;
	deadline = mono_ms() + d->a.settle_ms;
	for (;;) {
		int64_t left;
		unsigned np = 0;

		if (!q->packed && split_idx(d, qn, &avail, &used) == 0 && avail == used) {
			done = true;
			break;
		}
		left = deadline - mono_ms();
		if (left <= 0)
			break;
		p[np++] = (struct pollfd){ .fd = d->c.sock, .events = POLLIN };
		for (i = 0; i < d->a.num_queues; i++) {
			if (!d->q[i].started)
				continue;
			p[np++] = (struct pollfd){ .fd = d->q[i].call, .events = POLLIN };
			p[np++] = (struct pollfd){ .fd = d->q[i].err, .events = POLLIN };
		}
		if (poll(p, np, left > 2 ? 2 : (int)left) < 0 && errno != EINTR)
			break;
		if (p[0].revents && vu_peer_gone(&d->c)) {
			/* a drop is a refusal of the buffers; a death is not */
			report(d, d->c.exited ? VC_FAIL_BROKEN : VC_FAIL_REFUSED,
			       "vhost-user back-end after the kick of queue %u: %s", qn, d->c.err);
			return;
		}
		np = 1;
		for (i = 0; i < d->a.num_queues; i++) {
			if (!d->q[i].started)
				continue;
			if (p[np++].revents) {
				drain(d->q[i].call);
				signalled[i] = true;
			}
			if (p[np++].revents) {
				drain(d->q[i].err);
				report(d, VC_FAIL_REFUSED,
				       "vhost-user back-end signalled the error eventfd of queue %u", i);
				return;
			}
		}
		/* a packed ring has no index to compare: its completion is the
		 * back-end's used-buffer signal (or the time-box) */
		if (q->packed && signalled[qn]) {
			done = true;
			break;
		}
	}
	if (!done && !d->c.dead && !vu_backend_alive(&d->c)) {
		report(d, VC_FAIL_BROKEN, "vhost-user back-end after the kick of queue %u: %s", qn,
		       d->c.err);
		return;
	}
	if (!done && !q->packed && !d->a.holds_buffers && avail != used)
		report(d, VC_FAIL_REFUSED,
		       "vhost-user back-end left %u buffers of queue %u unused for %d ms after the kick",
		       (uint16_t)(avail - used), qn, d->a.settle_ms);
	for (i = 0; i < d->a.num_queues; i++)
		if (signalled[i])
			d->host->queue_interrupt(d->hctx, i);
}

static void vu_reset(void *dev)
{
	struct vu_dev *d = dev;

	stop_queues(d);
	if (!d->c.dead && (d->hs.protocol & (1ull << VU_PF_RESET_DEVICE)))
		vu_call(&d->c, VU_RESET_DEVICE, NULL, 0, NULL, 0, NULL, 0);
	if (d->c.dead && vu_backend_alive(&d->c)) {
		/* a back-end that dropped the connection and lives on serves
		 * the next front-end: be that one */
		if (vu_reconnect(&d->c) == 0)
			vu_handshake(&d->c, &d->hs);
	}
	d->cfg_valid = false;
	d->failed = false;
}

void vu_device_fill_ops(struct vc_device_ops *ops)
{
	ops->abi_version = VC_DEVICE_ABI_VERSION;
	ops->struct_size = sizeof(*ops);
	ops->create = vu_device_create;
	ops->destroy = vu_destroy;
	ops->get_features = vu_get_features;
	ops->set_features = vu_set_features;
	ops->config_read = vu_config_read;
	ops->config_write = vu_config_write;
	ops->activate = vu_activate;
	ops->reset = vu_reset;
	ops->queue_notify = vu_queue_notify;
}
