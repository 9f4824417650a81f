// SPDX-License-Identifier: Apache-2.0
/*
 * The model device as a vhost-user back-end. See vu_server.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gm.h"
#include "vdev_core.h"
#include "vq.h"
#include "vq_packed_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"
#include "vu_client.h"
#include "vu_proto.h"
#include "vu_server.h"

/* protocol features this back-end offers */
#define SRV_PF ((1ull << VU_PF_MQ) | (1ull << VU_PF_REPLY_ACK) | (1ull << VU_PF_CONFIG) | \
		(1ull << VU_PF_RESET_DEVICE) | (1ull << VU_PF_STATUS) | (1ull << VU_PF_SLAVE_REQ))
/* the back-end request channel (vhost-user.rst "back-end communication"):
 * the front-end's request that hands it over, and the one message this
 * back-end sends on it */
#define SRV_SET_BACKEND_REQ_FD 21u
#define SRV_BACKEND_CONFIG_CHANGE_MSG 2u
/* SET_VRING_BASE of a packed ring that starts afresh: slot 0 with wrap
 * counter 1, for the driver side (bits 0-15) and the device side (16-31);
 * some front-ends send the driver half only */
#define BASE_FRESH_PACKED 0x80008000u
#define BASE_FRESH_PACKED_AVAIL 0x8000u

struct srv_queue {
	uint32_t num;
	uint64_t desc_va, avail_va, used_va;
	int kick, call;
	bool have_addr;
	bool enabled;        /* SET_VRING_ENABLE 1 (or implied without protocol features) */
	bool started;        /* handed to the device core */
	bool kick_pending;   /* kicked before the ring was started */
	uint64_t used_gpa;   /* the split used ring, once started */
	uint64_t desc_gpa;   /* the descriptor ring (packed: where used ones go) */
	uint32_t base;       /* the last SET_VRING_BASE */
	/* stopped by GET_VRING_BASE with the device kept as it was: the ring
	 * may resume where it stopped (a SET_VRING_BASE of stopped_base) */
	bool stopped;
	uint32_t stopped_base;
};

struct srv_region {
	uint64_t gpa, size, uaddr;
};

struct srv {
	const struct vu_server_opts *o;
	int conn;
	struct vu_session *s;
	gm_t *gm;                /* the front-end's memory, or a one-page stand-in */
	gm_view_t *view;
	vdev_t *dev;
	struct srv_region reg[VU_MEM_REGIONS_MAX];
	unsigned nreg;
	uint16_t nq;
	struct srv_queue q[VDEV_MAX_QUEUES];
	uint64_t features;       /* SET_FEATURES, virtio bits */
	bool pf_acked;           /* SET_FEATURES acked VHOST_USER_F_PROTOCOL_FEATURES */
	uint64_t pf;             /* SET_PROTOCOL_FEATURES */
	bool running;            /* DRIVER_OK replayed (or resumed) */
	int backend_fd;          /* the back-end request channel, or -1 */
	uint8_t fe_status;       /* the last SET_STATUS (PROTOCOL_F_STATUS) */
	bool fe_status_set;      /* ... and whether there was one */
	bool needs_reset;        /* hostile needs-reset: the device gave up */
	uint32_t harvested;      /* findings of the current core already kept */
	uint32_t harvested_dropped;
	/* hostile mode: used-buffer notifications wait until the deviation
	 * has been written */
	uint64_t completed;      /* used entries seen */
	uint64_t held_calls;     /* queues with a notification held (bit per queue) */
};

static const char *const hostile_names[] = {
	[VU_HOSTILE_NONE] = "none",
	[VU_HOSTILE_USED_LEN_LONG] = "used-len-long",
	[VU_HOSTILE_USED_ID_RANGE] = "used-id-range",
	[VU_HOSTILE_USED_ID_DUP] = "used-id-dup",
	[VU_HOSTILE_USED_IDX_JUMP] = "used-idx-jump",
	[VU_HOSTILE_NEEDS_RESET] = "needs-reset",
};

int vu_hostile_parse(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(hostile_names) / sizeof(hostile_names[0]); i++)
		if (!strcmp(name, hostile_names[i]))
			return (int)i;
	return -1;
}

const char *vu_hostile_name(enum vu_hostile h)
{
	return (unsigned)h < sizeof(hostile_names) / sizeof(hostile_names[0]) ? hostile_names[h]
									       : "?";
}

__attribute__((format(printf, 2, 3)))
static void logf_(struct srv *v, const char *fmt, ...)
{
	va_list ap;

	if (!v->o->log)
		return;
	va_start(ap, fmt);
	vfprintf(v->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', v->o->log);
	fflush(v->o->log);
}

/* The connection ends: the front-end broke the protocol. */
__attribute__((format(printf, 2, 3)))
static int proto_error(struct srv *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->s->end, sizeof(v->s->end), fmt, ap);
	va_end(ap);
	v->s->protocol_error = true;
	logf_(v, "protocol error: %s", v->s->end);
	return -1;
}

/* ------------------------------------------------------------- transport */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A used-buffer notification: one write to the queue's call eventfd. */
static bool signal_call(struct srv *v, uint16_t q)
{
	uint64_t one = 1;

	if (write(v->q[q].call, &one, sizeof(one)) != sizeof(one))
		return false;
	v->s->calls++;
	return true;
}

/*
 * A configuration change notification: VHOST_USER_BACKEND_CONFIG_CHANGE_MSG
 * on the back-end request channel, when the front-end set one up. No reply
 * is asked for: the front-end answers it by a GET_CONFIG on the main
 * channel, which this loop must be free to serve.
 */
static bool send_config_change(struct srv *v)
{
	const struct vu_hdr h = {
		.request = cpu_to_le32(SRV_BACKEND_CONFIG_CHANGE_MSG),
		.flags = cpu_to_le32(VU_VERSION),
		.size = cpu_to_le32(0),
	};
	ssize_t w;

	if (v->backend_fd < 0)
		return false;
	do
		w = send(v->backend_fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(h)) {
		logf_(v, "back-end request channel: %s; closed",
		      w < 0 ? strerror(errno) : "short write");
		close_fd(&v->backend_fd);
		return false;
	}
	v->s->config_notifications++;
	logf_(v, "configuration change notification sent");
	return true;
}

static bool front_interrupt(void *ctx, enum vdev_irq_cause cause, uint16_t q)
{
	struct srv *v = ctx;

	if (cause == VDEV_IRQ_CONFIG)
		return send_config_change(v);
	if (cause != VDEV_IRQ_QUEUE || q >= v->nq || v->q[q].call < 0)
		return false;
	if (v->o->hostile && !v->s->hostile_done) {
		v->held_calls |= 1ull << q; /* sent after the deviation is in place */
		return true;
	}
	return signal_call(v, q);
}

/* The device core reset itself (status 0): nothing of ours is started. */
static void front_reset(void *ctx)
{
	struct srv *v = ctx;
	uint16_t i;

	for (i = 0; i < v->nq; i++)
		v->q[i].started = v->q[i].stopped = false;
	v->running = false;
	v->needs_reset = false;
}

/* Keep what the device core found about the driver since the last look. */
static void harvest(struct srv *v)
{
	const struct vc_findings *f;
	uint32_t i;

	if (!v->dev)
		return;
	f = vdev_findings(v->dev);
	for (i = v->harvested; i < f->count; i++) {
		const struct vc_violation *x = &f->v[i];
		struct vu_finding *k;

		logf_(v, "finding: [%s] queue %u: %s", x->clause, x->queue, x->msg);
		if (v->s->n_findings == VU_FINDINGS_MAX) {
			v->s->findings_dropped++;
			continue;
		}
		k = &v->s->findings[v->s->n_findings++];
		snprintf(k->clause, sizeof(k->clause), "%s", x->clause ? x->clause : "");
		snprintf(k->msg, sizeof(k->msg), "%s", x->msg);
		k->severity = x->severity;
		k->queue = x->queue;
	}
	v->harvested = f->count;
	v->s->findings_dropped += f->dropped - v->harvested_dropped;
	v->harvested_dropped = f->dropped;
}

static void drop_device(struct srv *v)
{
	harvest(v);
	vdev_free(v->dev);
	v->dev = NULL;
	gm_view_unmap(v->view);
	v->view = NULL;
	gm_destroy(v->gm);
	v->gm = NULL;
	v->running = false;
}

/* A device core on gm (owned from here on). */
static int make_device(struct srv *v, gm_t *gm)
{
	static const struct vdev_params none;
	const struct vdev_front front = {
		.ctx = v,
		.drv_regs_clause = CL_DRV_INIT,
		.interrupt = front_interrupt,
		.reset = front_reset,
	};
	uint16_t i;

	drop_device(v);
	v->harvested = v->harvested_dropped = 0;
	v->gm = gm;
	v->view = gm ? gm_view_map(gm, "vhost-user back-end") : NULL;
	v->dev = v->view ? vdev_new(v->view, v->o->ops, v->o->device_args, &none, &front)
			 : NULL;
	if (!v->dev) {
		gm_view_unmap(v->view);
		v->view = NULL;
		gm_destroy(v->gm);
		v->gm = NULL;
		return -1;
	}
	v->nq = vdev_num_queues(v->dev);
	for (i = 0; i < VDEV_MAX_QUEUES; i++)
		v->q[i].stopped = false; /* a new device: no ring to resume */
	return 0;
}

/* Until the front-end sends its memory table: one page nobody addresses. */
static int make_standin_device(struct srv *v)
{
	const struct gm_region_spec one = { .gpa = 0, .size = 4096 };

	return make_device(v, gm_create(&one, 1));
}

/* A front-end virtual address to a guest-physical one, for len bytes. */
static int va_to_gpa(const struct srv *v, uint64_t va, uint64_t len, uint64_t *gpa)
{
	unsigned i;

	for (i = 0; i < v->nreg; i++) {
		const struct srv_region *r = &v->reg[i];

		if (va >= r->uaddr && va - r->uaddr < r->size && len <= r->size - (va - r->uaddr)) {
			*gpa = r->gpa + (va - r->uaddr);
			return 0;
		}
	}
	return -1;
}

static void notify_queue(struct srv *v, uint16_t i);

/* A SET_VRING_BASE that starts a ring at its beginning. */
static bool base_fresh(uint32_t b)
{
	return b == 0 || b == BASE_FRESH_PACKED || b == BASE_FRESH_PACKED_AVAIL;
}

/* Whether queue i may resume where GET_VRING_BASE stopped it: its
 * SET_VRING_BASE names that position (for a packed ring some front-ends
 * send the driver half only). */
static bool base_resumes(const struct srv *v, uint16_t i)
{
	const struct srv_queue *q = &v->q[i];

	return q->stopped && (q->base == q->stopped_base ||
			      (q->base <= 0xffff && q->base == (q->stopped_base & 0xffff)));
}

static bool queue_configured(const struct srv_queue *q)
{
	return q->have_addr && q->kick >= 0 && q->num;
}

/* Deliver the kicks that came before the front-end started its rings. */
static void deliver_pending_kicks(struct srv *v)
{
	uint16_t i;

	for (i = 0; v->running && i < v->nq; i++)
		if (v->q[i].started && v->q[i].kick_pending) {
			v->q[i].kick_pending = false;
			notify_queue(v, i);
		}
}

/*
 * A restart whose SET_VRING_BASE is not a ring's beginning: legal in
 * vhost-user after GET_VRING_BASE (the front-end paused the device). Every
 * configured ring must resume where it stopped, on the same device, with
 * the same size and addresses; the device core then simply goes on. 1 when
 * resumed, 0 when every ring starts afresh (the caller replays the
 * initialization), -1 with a protocol error saying what the front-end
 * asked for and where the device stands.
 */
static int try_resume(struct srv *v)
{
	bool any_resume = false;
	uint16_t i;

	for (i = 0; i < v->nq; i++)
		if (queue_configured(&v->q[i]) && !base_fresh(v->q[i].base))
			any_resume = true;
	if (!any_resume)
		return 0;
	for (i = 0; i < v->nq; i++) {
		const struct srv_queue *q = &v->q[i];

		if (!queue_configured(q) || base_resumes(v, i))
			continue;
		if (q->stopped)
			return proto_error(v, "SET_VRING_BASE 0x%x for queue %u, which stopped at "
					   "0x%x: a ring resumes only where it stopped", q->base, i,
					   q->stopped_base);
		return proto_error(v, "SET_VRING_BASE 0x%x for queue %u, which has no position to "
				   "resume (never started on this device, or a new memory table, "
				   "size or addresses since it stopped)", q->base, i);
	}
	for (i = 0; i < v->nq; i++)
		if (queue_configured(&v->q[i])) {
			v->q[i].started = true;
			v->q[i].stopped = false;
		}
	v->running = true;
	v->s->resumes++;
	logf_(v, "device resumed where the front-end stopped it");
	deliver_pending_kicks(v);
	return 1;
}

/*
 * Replay a driver's initialization (3.1.1) onto the device core with what
 * the front-end said: status, features, FEATURES_OK, each configured queue,
 * DRIVER_OK. The core judges every step as it judges any driver.
 */
static void start_device(struct srv *v)
{
	uint8_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	const bool packed = v->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	bool rings_ok = true;
	uint16_t i;

	vdev_write_status(v->dev, 0);
	vdev_write_status(v->dev, VIRTIO_STATUS_ACKNOWLEDGE);
	vdev_write_status(v->dev, st);
	vdev_write_driver_features(v->dev, 0, (uint32_t)v->features);
	vdev_write_driver_features(v->dev, 1, (uint32_t)(v->features >> 32));
	st |= VIRTIO_STATUS_FEATURES_OK;
	vdev_write_status(v->dev, st);
	if (!(vdev_status(v->dev) & VIRTIO_STATUS_FEATURES_OK)) {
		logf_(v, "FEATURES_OK refused for features 0x%llx",
		      (unsigned long long)v->features);
		return;
	}
	for (i = 0; i < v->nq; i++) {
		struct srv_queue *q = &v->q[i];
		uint64_t d, a, u;

		struct vq_ring_geometry g;

		if (!queue_configured(q))
			continue;
		/* the three areas, sized by the negotiated layout; for a packed
		 * ring the "avail" and "used" addresses are the driver and
		 * device event suppression areas */
		vq_ring_geometry((uint16_t)q->num, packed, &g);
		if (q->num > 32768 || va_to_gpa(v, q->desc_va, g.desc.bytes, &d) ||
		    va_to_gpa(v, q->avail_va, g.driver.bytes, &a) ||
		    va_to_gpa(v, q->used_va, g.device.bytes, &u)) {
			vdev_finding(v->dev, VC_SEV_FATAL, CL_DRV_VIRTQUEUES, i,
				     "ring addresses of queue %u are outside the memory table", i);
			rings_ok = false;
			continue;
		}
		vdev_queue_set_size(v->dev, i, "SET_VRING_NUM", q->num);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DESC, false, (uint32_t)d);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DESC, true, d >> 32);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DRIVER, false, (uint32_t)a);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DRIVER, true, a >> 32);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DEVICE, false, (uint32_t)u);
		vdev_queue_set_area(v->dev, i, "SET_VRING_ADDR", VDEV_AREA_DEVICE, true, u >> 32);
		vdev_queue_enable(v->dev, i, "SET_VRING_ENABLE");
		q->started = vdev_queue_enabled(v->dev, i);
		q->used_gpa = u;
		q->desc_gpa = d;
	}
	if (!rings_ok)
		return;
	vdev_write_status(v->dev, st | VIRTIO_STATUS_DRIVER_OK);
	v->running = !!(vdev_status(v->dev) & VIRTIO_STATUS_DRIVER_OK);
	if (v->running)
		v->s->starts++;
	logf_(v, "device %s, status 0x%02x", v->running ? "started" : "not started",
	      vdev_status(v->dev));
	deliver_pending_kicks(v);
}

/* A queue became usable: kick fd, addresses and enable all there. The
 * device resumes or starts afresh; 0, or -1 on a protocol error. */
static int maybe_start(struct srv *v, uint16_t i)
{
	struct srv_queue *q = &v->q[i];
	uint16_t k;
	int r;

	if (v->running || q->kick < 0 || !q->have_addr || !q->enabled || !v->nreg)
		return 0;
	/* a front-end that enabled several rings before setting them up
	 * (QEMU's vhost-user net does, at FEATURES_OK) starts them together */
	for (k = 0; k < v->nq; k++)
		if (v->q[k].enabled && (v->q[k].kick < 0 || !v->q[k].have_addr))
			return 0;
	r = try_resume(v);
	if (r < 0)
		return -1;
	if (r == 0)
		start_device(v);
	return 0;
}

/* ---------------------------------------------------------------- wire */

struct msg {
	uint32_t req, flags, size;
	uint8_t payload[VU_MAX_PAYLOAD];
	int fds[VU_MAX_FDS];
	unsigned nfds;
};

static void msg_close_fds(struct msg *m)
{
	unsigned i;

	for (i = 0; i < m->nfds; i++)
		close_fd(&m->fds[i]);
	m->nfds = 0;
}

/* Read exactly n bytes (with descriptors on the first read); 0, 1 at a
 * clean end of stream before any byte, -1 on error. */
static int recv_all(struct srv *v, void *buf, size_t n, struct msg *m)
{
	size_t got = 0;

	while (got < n) {
		char cbuf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct iovec iov = { (char *)buf + got, n - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct cmsghdr *c;
		ssize_t r;

		if (m) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
		}
		r = recvmsg(v->conn, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && got == 0)
			return 1;
		if (r == 0)
			errno = 0; /* the stream ended inside the message */
		if (r <= 0)
			return -1;
		for (c = m ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k, nf;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < nf; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
				if (m->nfds < VU_MAX_FDS)
					m->fds[m->nfds++] = fd;
				else
					close(fd);
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int send_reply(struct srv *v, const struct msg *m, const void *payload, uint32_t size)
{
	uint8_t buf[VU_HDR_SIZE + VU_MAX_PAYLOAD];
	struct vu_hdr h = {
		.request = cpu_to_le32(m->req),
		.flags = cpu_to_le32(VU_VERSION | VU_FLAG_REPLY),
		.size = cpu_to_le32(size),
	};
	size_t off = 0, n = VU_HDR_SIZE + size;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + VU_HDR_SIZE, payload, size);
	while (off < n) {
		ssize_t w = send(v->conn, buf + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return proto_error(v, "the front-end does not take replies (%s)",
					   w < 0 ? strerror(errno) : "closed");
		off += (size_t)w;
	}
	return 0;
}

static int reply_u64(struct srv *v, const struct msg *m, uint64_t val)
{
	le64 x = cpu_to_le64(val);

	return send_reply(v, m, &x, sizeof(x));
}

static uint64_t pl_u64(const struct msg *m)
{
	le64 x;

	memcpy(&x, m->payload, sizeof(x));
	return le64_to_cpu(x);
}

/* ------------------------------------------------------------ requests */

static const char *rname(const struct msg *m, char *buf, size_t n)
{
	return vu_request_name(m->req, buf, n);
}

static int need(struct srv *v, const struct msg *m, uint32_t size, unsigned nfds)
{
	char nb[32];

	if (m->size != size)
		return proto_error(v, "%s with %u payload bytes (expected %u)",
				   rname(m, nb, sizeof(nb)), m->size, size);
	if (m->nfds != nfds)
		return proto_error(v, "%s with %u file descriptors (expected %u)",
				   rname(m, nb, sizeof(nb)), m->nfds, nfds);
	return 0;
}

static int vring_index(struct srv *v, uint32_t idx)
{
	if (idx >= v->nq)
		return proto_error(v, "vring index %u, the device has %u queues", idx, v->nq);
	return 0;
}

static int set_mem_table(struct srv *v, struct msg *m)
{
	struct gm_import_region r[VU_MEM_REGIONS_MAX];
	struct vu_mem_table t;
	uint32_t n, i;
	gm_t *gm;

	if (m->size < 8 || m->size > sizeof(t))
		return proto_error(v, "SET_MEM_TABLE of %u bytes", m->size);
	memset(&t, 0, sizeof(t));
	memcpy(&t, m->payload, m->size);
	n = le32_to_cpu(t.nregions);
	if (n == 0 || n > VU_MEM_REGIONS_MAX || m->size != 8 + n * sizeof(t.regions[0]) ||
	    m->nfds != n)
		return proto_error(v, "SET_MEM_TABLE with %u regions, %u bytes and %u fds", n,
				   m->size, m->nfds);
	for (i = 0; i < n; i++) {
		const struct vu_mem_region *w = &t.regions[i];
		uint64_t ua = le64_to_cpu(w->userspace_addr), sz = le64_to_cpu(w->memory_size), e;

		r[i] = (struct gm_import_region){
			.gpa = le64_to_cpu(w->guest_phys_addr), .size = sz, .fd = m->fds[i],
			.fd_offset = le64_to_cpu(w->mmap_offset),
		};
		if (__builtin_add_overflow(ua, sz, &e)) {
			msg_close_fds(m);
			return proto_error(v, "memory region %u: userspace address range wraps", i);
		}
		v->reg[i] = (struct srv_region){ r[i].gpa, sz, ua };
	}
	m->nfds = 0; /* gm_import owns them now, also on failure */
	gm = gm_import(r, n);
	if (!gm)
		return proto_error(v, "memory table refused (%s)", strerror(errno));
	v->nreg = n;
	if (make_device(v, gm) != 0)
		return proto_error(v, "cannot map the memory table or create the device");
	logf_(v, "memory table: %u region(s), %llu bytes", n,
	      (unsigned long long)gm_total_size(v->gm));
	return 0;
}

/* SET_VRING_KICK / SET_VRING_CALL: a queue index, maybe an eventfd. */
static int vring_fd(struct srv *v, struct msg *m, bool kick)
{
	uint64_t val;
	uint16_t i;
	bool nofd;
	int *slot;

	char nb[32];

	if (m->size != 8)
		return proto_error(v, "%s with %u payload bytes (expected 8)",
				   rname(m, nb, sizeof(nb)), m->size);
	val = pl_u64(m);
	nofd = val & VU_VRING_NOFD;
	if ((val & ~(uint64_t)(VU_VRING_IDX_MASK | VU_VRING_NOFD)) ||
	    m->nfds != (nofd ? 0u : 1u))
		return proto_error(v, "%s payload 0x%llx (%s) with %u file descriptors",
				   rname(m, nb, sizeof(nb)), (unsigned long long)val,
				   nofd ? "no fd" : "an fd", m->nfds);
	if (vring_index(v, (uint32_t)(val & VU_VRING_IDX_MASK)))
		return -1;
	i = (uint16_t)(val & VU_VRING_IDX_MASK);
	slot = kick ? &v->q[i].kick : &v->q[i].call;
	close_fd(slot);
	if (!nofd) {
		*slot = m->fds[0];
		m->nfds = 0;
	}
	if (kick && *slot >= 0) {
		/* An eventfd already signalled when it arrives carries a
		 * notification from before this back-end had the ring (QEMU
		 * hands its host notifiers over signalled, so nothing is
		 * lost): kept for the ring's start, and not judged by the
		 * DRIVER_OK rule -- the driver sent it to the front-end. */
		struct pollfd p = { .fd = *slot, .events = POLLIN };
		uint64_t n;

		if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
		    read(*slot, &n, sizeof(n)) == sizeof(n)) {
			v->s->kicks++;
			v->q[i].kick_pending = true;
		}
	}
	return 0;
}

static int vring_state(struct srv *v, const struct msg *m, uint32_t *idx, uint32_t *num)
{
	struct vu_vring_state s;

	if (need(v, m, sizeof(s), 0))
		return -1;
	memcpy(&s, m->payload, sizeof(s));
	*idx = le32_to_cpu(s.index);
	*num = le32_to_cpu(s.num);
	return vring_index(v, *idx);
}

static int get_vring_base(struct srv *v, const struct msg *m)
{
	struct vu_vring_state s;
	uint32_t idx, num, base = 0;
	uint16_t i;
	bool any = false;

	if (vring_state(v, m, &idx, &num))
		return -1;
	if (v->q[idx].started && v->dev) {
		base = vq_dev_vring_base(vdev_queue(v->dev, (uint16_t)idx));
		v->q[idx].stopped = true;
		v->q[idx].stopped_base = base;
	}
	v->q[idx].enabled = false;
	v->q[idx].started = false;
	v->q[idx].kick_pending = false;
	close_fd(&v->q[idx].kick);
	for (i = 0; i < v->nq; i++)
		any |= v->q[i].started;
	/* the front-end stopped the last ring: the device stops too (a
	 * guest reset, or the front-end pausing). It is kept as it is: the
	 * next start either resumes every ring where it stopped (a
	 * SET_VRING_BASE of that position) or, from a fresh setup, replays
	 * the initialization, whose first step resets the device. */
	if (!any && v->running) {
		harvest(v);
		v->running = false;
	}
	s = (struct vu_vring_state){ cpu_to_le32(idx), cpu_to_le32(base) };
	return send_reply(v, m, &s, sizeof(s));
}

/* GET_STATUS: the status the front-end set, with DEVICE_NEEDS_RESET when
 * the device (or the hostile mode) set it. */
static uint8_t device_status(const struct srv *v)
{
	uint8_t st = v->fe_status & (uint8_t)~VIRTIO_STATUS_DEVICE_NEEDS_RESET;

	if (v->needs_reset || (v->dev && (vdev_status(v->dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)))
		st |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	return st;
}

static int config_msg(struct srv *v, const struct msg *m, bool get)
{
	struct vu_config c;
	uint32_t off, len, i, csize = v->dev ? vdev_config_size(v->dev) : 0;

	if (m->size < VU_CONFIG_HDR_SIZE || m->size > sizeof(c) || m->nfds)
		return proto_error(v, "%s_CONFIG of %u bytes", get ? "GET" : "SET", m->size);
	memset(&c, 0, sizeof(c));
	memcpy(&c, m->payload, m->size);
	off = le32_to_cpu(c.offset);
	len = le32_to_cpu(c.size);
	if (len > VU_CONFIG_MAX || m->size != VU_CONFIG_HDR_SIZE + len)
		return proto_error(v, "%s_CONFIG of %u bytes at %u in a %u-byte message",
				   get ? "GET" : "SET", len, off, m->size);
	for (i = 0; i < len; i++) {
		/* bytes past the device's configuration read as zero */
		bool in = off < csize && i < csize - off;

		if (get)
			c.payload[i] = in ? (uint8_t)vdev_config_read(v->dev, off + i, 1) : 0;
		else if (in)
			vdev_config_write(v->dev, off + i, 1, c.payload[i]);
	}
	return get ? send_reply(v, m, &c, VU_CONFIG_HDR_SIZE + len) : 0;
}

/* One request; replies included. 0, or -1 when the connection ends. */
static int handle(struct srv *v, struct msg *m)
{
	uint32_t idx, num;
	int rc = 0;

	switch (m->req) {
	case VU_GET_FEATURES:
		if (need(v, m, 0, 0))
			return -1;
		return reply_u64(v, m, vdev_offered_features(v->dev) |
				       (1ull << VU_F_PROTOCOL_FEATURES));
	case VU_SET_FEATURES:
		if (need(v, m, 8, 0))
			return -1;
		v->features = pl_u64(m) & ~(1ull << VU_F_PROTOCOL_FEATURES);
		v->pf_acked = pl_u64(m) & (1ull << VU_F_PROTOCOL_FEATURES);
		v->s->acked_features = v->features;
		break;
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
		if (need(v, m, 0, 0))
			return -1;
		break;
	case VU_GET_PROTOCOL_FEATURES:
		if (need(v, m, 0, 0))
			return -1;
		return reply_u64(v, m, SRV_PF);
	case VU_SET_PROTOCOL_FEATURES:
		if (need(v, m, 8, 0))
			return -1;
		v->pf = pl_u64(m);
		if (v->pf & ~SRV_PF)
			return proto_error(v, "protocol features 0x%llx beyond the offer 0x%llx",
					   (unsigned long long)v->pf, (unsigned long long)SRV_PF);
		break;
	case VU_GET_QUEUE_NUM:
		if (need(v, m, 0, 0))
			return -1;
		return reply_u64(v, m, v->nq);
	case VU_SET_MEM_TABLE:
		rc = set_mem_table(v, m);
		break;
	case VU_SET_VRING_NUM:
		if (vring_state(v, m, &idx, &num))
			return -1;
		if (num != v->q[idx].num)
			v->q[idx].stopped = false; /* another ring: nothing to resume */
		v->q[idx].num = num;
		break;
	case VU_SET_VRING_BASE:
		if (vring_state(v, m, &idx, &num))
			return -1;
		/* a ring's beginning, or (after GET_VRING_BASE) where it stopped;
		 * judged when the rings start (try_resume) */
		v->q[idx].base = num;
		break;
	case VU_SET_VRING_ADDR: {
		struct vu_vring_addr a;

		if (need(v, m, sizeof(a), 0))
			return -1;
		memcpy(&a, m->payload, sizeof(a));
		idx = le32_to_cpu(a.index);
		if (vring_index(v, idx))
			return -1;
		if (v->q[idx].desc_va != le64_to_cpu(a.desc_user_addr) ||
		    v->q[idx].avail_va != le64_to_cpu(a.avail_user_addr) ||
		    v->q[idx].used_va != le64_to_cpu(a.used_user_addr))
			v->q[idx].stopped = false; /* moved: nothing to resume */
		v->q[idx].desc_va = le64_to_cpu(a.desc_user_addr);
		v->q[idx].avail_va = le64_to_cpu(a.avail_user_addr);
		v->q[idx].used_va = le64_to_cpu(a.used_user_addr);
		v->q[idx].have_addr = true;
		break;
	}
	case VU_SET_VRING_KICK:
		if (vring_fd(v, m, true))
			return -1;
		idx = (uint32_t)(pl_u64(m) & VU_VRING_IDX_MASK);
		/* without VHOST_USER_F_PROTOCOL_FEATURES a ring starts enabled
		 * at its kick; with it, at SET_VRING_ENABLE 1 */
		if (!v->pf_acked)
			v->q[idx].enabled = true;
		rc = maybe_start(v, (uint16_t)idx);
		break;
	case VU_SET_VRING_CALL:
		rc = vring_fd(v, m, false);
		break;
	case VU_SET_VRING_ERR: {
		int err = -1;

		if (m->size != 8 || m->nfds > 1)
			return proto_error(v, "SET_VRING_ERR of %u bytes with %u fds", m->size,
					   m->nfds);
		/* nothing to report through it: close it */
		if (m->nfds)
			err = m->fds[0];
		m->nfds = 0;
		close_fd(&err);
		break;
	}
	case VU_SET_VRING_ENABLE:
		if (vring_state(v, m, &idx, &num))
			return -1;
		v->q[idx].enabled = num != 0;
		if (num)
			rc = maybe_start(v, (uint16_t)idx);
		break;
	case VU_GET_VRING_BASE:
		return get_vring_base(v, m);
	case VU_GET_CONFIG:
		return config_msg(v, m, true);
	case VU_SET_CONFIG:
		rc = config_msg(v, m, false);
		break;
	case VU_RESET_DEVICE:
		if (need(v, m, 0, 0))
			return -1;
		harvest(v);
		vdev_write_status(v->dev, 0);
		break;
	case VU_SET_STATUS:
		if (need(v, m, 8, 0))
			return -1;
		if (pl_u64(m) > 0xff)
			return proto_error(v, "SET_STATUS 0x%llx is not a device status",
					   (unsigned long long)pl_u64(m));
		/* the driver's status as the front-end forwards it; judged at
		 * each kick (on_kick) */
		v->fe_status = (uint8_t)pl_u64(m);
		v->fe_status_set = true;
		logf_(v, "front-end status 0x%02x", v->fe_status);
		break;
	case VU_GET_STATUS:
		if (need(v, m, 0, 0))
			return -1;
		return reply_u64(v, m, device_status(v));
	case SRV_SET_BACKEND_REQ_FD:
		if (!(v->pf & (1ull << VU_PF_SLAVE_REQ)))
			return proto_error(v, "SET_BACKEND_REQ_FD without PROTOCOL_F_BACKEND_REQ");
		if (need(v, m, 0, 1))
			return -1;
		close_fd(&v->backend_fd);
		v->backend_fd = m->fds[0];
		m->nfds = 0;
		break;
	default: {
		char nb[32];

		return proto_error(v, "%s is not supported by this back-end",
				   rname(m, nb, sizeof(nb)));
	}
	}
	if (rc)
		return -1;
	/* REPLY_ACK: requests without their own reply ask for an ack */
	if ((m->flags & VU_FLAG_NEED_REPLY) && (v->pf & (1ull << VU_PF_REPLY_ACK)))
		return reply_u64(v, m, 0);
	return 0;
}

static int recv_msg(struct srv *v, struct msg *m)
{
	struct vu_hdr h;
	char nb[32];
	int r;

	m->nfds = 0;
	r = recv_all(v, &h, sizeof(h), m);
	if (r == 1) {
		snprintf(v->s->end, sizeof(v->s->end), "the front-end closed the connection");
		return -1;
	}
	if (r < 0)
		return proto_error(v, "a message header was cut short (%s)",
				   errno ? strerror(errno) : "end of stream");
	m->req = le32_to_cpu(h.request);
	m->flags = le32_to_cpu(h.flags);
	m->size = le32_to_cpu(h.size);
	if ((m->flags & VU_VERSION_MASK) != VU_VERSION || (m->flags & VU_FLAG_REPLY))
		return proto_error(v, "message flags 0x%x (version 1, not a reply, expected)",
				   m->flags);
	if (m->size > VU_MAX_PAYLOAD)
		return proto_error(v, "%s announces %u payload bytes", rname(m, nb, sizeof(nb)),
				   m->size);
	if (m->size && recv_all(v, m->payload, m->size, NULL) != 0)
		return proto_error(v, "%s: payload cut short", rname(m, nb, sizeof(nb)));
	v->s->messages++;
	logf_(v, "%s, %u bytes, %u fds", rname(m, nb, sizeof(nb)), m->size, m->nfds);
	return 0;
}

/* ----------------------------------------------------------- the loop */

/* The split used ring's idx, or -1 when it cannot be mapped. */
static int used_idx(struct srv *v, uint16_t i)
{
	le16 *p = gm_translate(v->view, v->q[i].used_gpa + 2, 2, GM_READ);

	return p ? le16_load_once(p) : -1;
}

/* Rewrite one of the used entries [from, to) of queue i, as the mode says. */
static void deviate(struct srv *v, uint16_t i, uint16_t from, uint16_t to)
{
	const uint32_t num = v->q[i].num;
	uint16_t k;

	for (k = from; k != to; k++) {
		uint64_t e = v->q[i].used_gpa + 4 + 8ull * (k % num);
		le32 *id = gm_translate(v->view, e, 4, GM_WRITE);
		le32 *len = gm_translate(v->view, e + 4, 4, GM_WRITE);
		le16 *idx = gm_translate(v->view, v->q[i].used_gpa + 2, 2, GM_WRITE);
		uint32_t was;

		if (!id || !len || !idx)
			return;
		if (++v->completed <= v->o->hostile_after)
			continue;
		switch (v->o->hostile) {
		case VU_HOSTILE_USED_LEN_LONG:
			was = le32_load_once(len);
			le32_store_once(len, 0x10000000u);
			snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
				 "queue %u used entry %u: len %u -> 0x10000000", i, k, was);
			break;
		case VU_HOSTILE_USED_ID_RANGE:
			was = le32_load_once(id);
			le32_store_once(id, num + 3);
			snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
				 "queue %u used entry %u: id %u -> %u (queue size %u)", i, k, was,
				 num + 3, num);
			break;
		case VU_HOSTILE_USED_ID_DUP: {
			/* the same entry once more, after the last one */
			uint64_t d = v->q[i].used_gpa + 4 + 8ull * (to % num);
			le32 *did = gm_translate(v->view, d, 4, GM_WRITE);
			le32 *dlen = gm_translate(v->view, d + 4, 4, GM_WRITE);

			if (!did || !dlen)
				return;
			was = le32_load_once(id);
			le32_store_once(did, was);
			le32_store_once(dlen, le32_load_once(len));
			le16_store_release(idx, (uint16_t)(to + 1));
			snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
				 "queue %u used entry %u: id %u returned again as entry %u", i, k, was,
				 to);
			break;
		}
		case VU_HOSTILE_USED_IDX_JUMP:
			le16_store_release(idx, (uint16_t)(to + num + 1));
			snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
				 "queue %u used idx %u -> %u", i, to, (uint16_t)(to + num + 1));
			break;
		default:
			return;
		}
		v->s->hostile_done = true;
		logf_(v, "hostile: %s", v->s->hostile_what);
		return;
	}
}

/*
 * The packed layout (2.8): the used descriptors the device wrote during one
 * notification start at its used position before it (slot and Device Ring
 * Wrap Counter, from vq_dev_vring_base) and end at the one after; n is how
 * many buffers it returned. The first is rewritten as the mode says; for
 * used-id-dup and used-idx-jump the slot after the last one is made used.
 * Each descriptor's flags are stored last, with release, as a device does.
 */
static void deviate_packed(struct srv *v, uint16_t i, uint32_t before, uint32_t after, uint64_t n)
{
	const uint32_t num = v->q[i].num;
	uint16_t first = (uint16_t)(before >> 16 & 0x7fff), next = (uint16_t)(after >> 16 & 0x7fff);
	bool next_wrap = after >> 31;
	struct pvirtq_desc *d, *e;

	if (!n || first >= num || next >= num)
		return;
	v->completed += n;
	if (v->completed <= v->o->hostile_after)
		return;
	d = gm_translate(v->view, v->q[i].desc_gpa + 16ull * first, sizeof(*d), GM_WRITE);
	e = gm_translate(v->view, v->q[i].desc_gpa + 16ull * next, sizeof(*e), GM_WRITE);
	if (!d || !e)
		return;
	switch (v->o->hostile) {
	case VU_HOSTILE_USED_LEN_LONG:
		snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
			 "queue %u used descriptor at slot %u: len %u -> 0x10000000", i, first,
			 le32_load_once(&d->len));
		le32_store_once(&d->len, 0x10000000u);
		break;
	case VU_HOSTILE_USED_ID_RANGE:
		snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
			 "queue %u used descriptor at slot %u: id %u -> %u (queue size %u)", i, first,
			 le16_load_once(&d->id), num + 3, num);
		le16_store_once(&d->id, (uint16_t)(num + 3));
		break;
	case VU_HOSTILE_USED_ID_DUP:
		/* the first buffer returned once more, in the next slot */
		e->len = d->len;
		e->id = d->id;
		le16_store_release(&e->flags, pvirtq_used_flags(next_wrap));
		snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
			 "queue %u used descriptor at slot %u: id %u returned again at slot %u", i,
			 first, le16_load_once(&d->id), next);
		break;
	case VU_HOSTILE_USED_IDX_JUMP:
		/* the layout has no used idx: the device marks a slot used
		 * that it never processed, ahead of where it is */
		le16_store_release(&e->flags, pvirtq_used_flags(next_wrap));
		snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
			 "queue %u slot %u marked used (id %u) without being processed", i, next,
			 le16_load_once(&e->id));
		break;
	default:
		return;
	}
	v->s->hostile_done = true;
	logf_(v, "hostile: %s", v->s->hostile_what);
}

static void release_calls(struct srv *v)
{
	uint16_t q;

	for (q = 0; q < v->nq && v->held_calls; q++)
		if (v->held_calls & (1ull << q)) {
			v->held_calls &= ~(1ull << q);
			if (v->q[q].call >= 0)
				signal_call(v, q);
		}
}

/* Buffers queue i has returned (used), for the needs-reset count. */
static uint64_t queue_pushed(struct srv *v, uint16_t i)
{
	const vq_dev_t *q = vdev_queue(v->dev, i);

	return q ? vq_dev_stats(q)->pushed : 0;
}

/*
 * Hostile needs-reset: after hostile_after used buffers the device gives up
 * as a device that hit an unrecoverable error does (2.1.1): it sets
 * DEVICE_NEEDS_RESET (GET_STATUS shows it), sends a configuration change
 * notification when the back-end request channel allows, and completes no
 * request until it is reset.
 */
static void notify_needs_reset(struct srv *v, uint16_t i)
{
	uint64_t before = queue_pushed(v, i);

	vdev_notify(v->dev, i);
	v->completed += queue_pushed(v, i) - before;
	if (!v->s->hostile_done && v->completed >= v->o->hostile_after) {
		bool sent;

		v->needs_reset = true;
		v->s->hostile_done = true;
		sent = send_config_change(v);
		snprintf(v->s->hostile_what, sizeof(v->s->hostile_what),
			 "DEVICE_NEEDS_RESET after %llu used buffers (queue %u), then no completion; "
			 "config change notification %s", (unsigned long long)v->completed, i,
			 sent ? "sent" : "impossible (no back-end channel)");
		logf_(v, "hostile: %s", v->s->hostile_what);
	}
	release_calls(v);
}

/* An available-buffer notification for started queue i, with the scripted
 * deviation (if any) applied before the driver hears of the used buffers. */
static void notify_queue(struct srv *v, uint16_t i)
{
	int before[VDEV_MAX_QUEUES], after;
	uint16_t k;

	if (v->needs_reset)
		return; /* the device gave up: nothing is completed until a reset */
	if (v->o->hostile == VU_HOSTILE_NEEDS_RESET) {
		notify_needs_reset(v, i);
		return;
	}
	if (!v->o->hostile || v->s->hostile_done) {
		vdev_notify(v->dev, i);
		release_calls(v);
		return;
	}
	if (v->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) {
		uint32_t pos[VDEV_MAX_QUEUES];
		uint64_t pushed[VDEV_MAX_QUEUES];

		for (k = 0; k < v->nq; k++) {
			const vq_dev_t *q = v->q[k].started ? vdev_queue(v->dev, k) : NULL;

			pos[k] = q ? vq_dev_vring_base(q) : 0;
			pushed[k] = q ? queue_pushed(v, k) : 0;
		}
		vdev_notify(v->dev, i);
		for (k = 0; k < v->nq && !v->s->hostile_done; k++) {
			const vq_dev_t *q = v->q[k].started ? vdev_queue(v->dev, k) : NULL;

			if (q)
				deviate_packed(v, k, pos[k], vq_dev_vring_base(q),
					       queue_pushed(v, k) - pushed[k]);
		}
		release_calls(v);
		return;
	}
	/* the device may complete on other queues too (net: a frame sent on
	 * a transmit queue arrives on a receive queue): each is a candidate */
	for (k = 0; k < v->nq; k++)
		before[k] = v->q[k].started ? used_idx(v, k) : -1;
	vdev_notify(v->dev, i);
	for (k = 0; k < v->nq && !v->s->hostile_done; k++) {
		after = before[k] >= 0 ? used_idx(v, k) : -1;
		if (after >= 0)
			deviate(v, k, (uint16_t)before[k], (uint16_t)after);
	}
	release_calls(v);
}

/* A status a driver writes while it initializes the device (3.1.1). */
static bool driver_initializing(uint8_t st)
{
	const uint8_t init = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	return (st & init) == init && !(st & VIRTIO_STATUS_DRIVER_OK);
}

static void on_kick(struct srv *v, uint16_t i)
{
	uint64_t n;

	if (read(v->q[i].kick, &n, sizeof(n)) != sizeof(n))
		return;
	v->s->kicks++;
	/* drivernormative: Device Initialization -- no notification before
	 * DRIVER_OK. With PROTOCOL_F_STATUS the front-end may forward the
	 * driver's status; one in initialization (ACKNOWLEDGE and DRIVER
	 * set) without DRIVER_OK makes a kick the driver's fault. Other
	 * values are the front-end's own: QEMU 7.2 sends FEATURES_OK alone
	 * at SET_FEATURES, 0 when it stops, and for some devices never
	 * DRIVER_OK at all. */
	if (v->fe_status_set && driver_initializing(v->fe_status) && v->dev)
		vdev_finding(v->dev, VC_SEV_RECORD, CL_DRV_INIT, i,
			     "queue %u notified while the driver's status (SET_STATUS) is 0x%02x, "
			     "without DRIVER_OK", i, v->fe_status);
	if (!v->running || !v->q[i].started) {
		v->q[i].kick_pending = true;
		return;
	}
	notify_queue(v, i);
}

static void serve_one(struct srv *v)
{
	struct msg *m = calloc(1, sizeof(*m));
	struct pollfd pfd[1 + VDEV_MAX_QUEUES];
	uint16_t map[1 + VDEV_MAX_QUEUES];
	uint16_t i;

	if (!m || make_standin_device(v) != 0) {
		snprintf(v->s->end, sizeof(v->s->end), "out of memory");
		free(m);
		return;
	}
	for (;;) {
		unsigned n = 1, k;
		int r;

		pfd[0] = (struct pollfd){ .fd = v->conn, .events = POLLIN };
		for (i = 0; i < v->nq; i++)
			if (v->q[i].kick >= 0) {
				map[n] = i;
				pfd[n++] = (struct pollfd){ .fd = v->q[i].kick, .events = POLLIN };
			}
		r = poll(pfd, n, v->o->idle_timeout_ms > 0 ? v->o->idle_timeout_ms : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(v->s->end, sizeof(v->s->end), "no message for %d ms",
				 v->o->idle_timeout_ms);
			break;
		}
		if (r < 0) {
			snprintf(v->s->end, sizeof(v->s->end), "poll: %s", strerror(errno));
			break;
		}
		for (k = 1; k < n; k++)
			if (pfd[k].revents & POLLIN)
				on_kick(v, map[k]);
		if (!pfd[0].revents)
			continue;
		if (recv_msg(v, m) != 0 || handle(v, m) != 0) {
			msg_close_fds(m);
			break;
		}
		/* descriptors a request did not take */
		msg_close_fds(m);
	}
	for (i = 0; i < VDEV_MAX_QUEUES; i++) {
		close_fd(&v->q[i].kick);
		close_fd(&v->q[i].call);
	}
	close_fd(&v->backend_fd);
	drop_device(v);
	free(m);
}

void vu_serve_fd(const struct vu_server_opts *o, int fd, struct vu_session *s)
{
	struct srv *v = calloc(1, sizeof(*v));
	uint16_t i;

	memset(s, 0, sizeof(*s));
	if (!v) {
		snprintf(s->end, sizeof(s->end), "out of memory");
		return;
	}
	v->o = o;
	v->s = s;
	v->conn = fd;
	v->backend_fd = -1;
	for (i = 0; i < VDEV_MAX_QUEUES; i++)
		v->q[i].kick = v->q[i].call = -1;
	serve_one(v);
	free(v);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "virtiocheck: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* a stale socket from an earlier run; never remove anything else */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "virtiocheck: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
		fprintf(stderr, "virtiocheck: cannot listen on %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int vu_serve(const struct vu_server_opts *o, vu_session_fn done, void *ctx)
{
	int lfd = listen_on(o->socket_path);
	unsigned served;

	if (lfd < 0)
		return -1;
	for (served = 0; !o->connections || served < o->connections; served++) {
		struct vu_session *s = calloc(1, sizeof(*s));
		int fd;

		if (!s) {
			close(lfd);
			return -1;
		}
		do
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			fprintf(stderr, "virtiocheck: accept on %s: %s\n", o->socket_path,
				strerror(errno));
			free(s);
			close(lfd);
			return -1;
		}
		if (o->log)
			fprintf(o->log, "front-end %u connected\n", served);
		vu_serve_fd(o, fd, s);
		close(fd);
		if (o->log)
			fprintf(o->log, "front-end %u: %s\n", served, s->end);
		if (done)
			done(ctx, served, s);
		free(s);
	}
	close(lfd);
	unlink(o->socket_path);
	return 0;
}
