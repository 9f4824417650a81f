// SPDX-License-Identifier: Apache-2.0
/*
 * A misbehaving vhost-user front-end for `virtiocheck serve`: each mode is
 * one connection that breaks the protocol in one way, then goes away.
 * The last mode ("hello") is well-formed and checks the back-end still
 * answers. The test script runs every mode against one serve process and
 * reads its serve.json.
 *
 * The driver modes are a small but complete front-end with a driver of
 * the model's rng device (one split queue of 8 in a memfd): well-formed
 * I/O, or one driver rule broken so that the monitor must find it, or a
 * pause and resume of the ring, or an answer to the hostile needs-reset
 * device (see driver_modes[] below).
 *
 * usage: bad_frontend SOCKET MODE
 * exit status: 0 when the mode ran (for "hello": when the back-end answered
 * GET_FEATURES with VERSION_1 offered; for a driver mode: when the device
 * behaved as that mode expects), 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtiocheck/virtio.h"
#include "vq_split_layout.h"
#include "vu_client.h"
#include "vu_proto.h"

static int conn(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int tries;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (tries = 0; tries < 200; tries++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(10000);
	}
	close(fd);
	return -1;
}

/* One message: header + payload, optional fds. */
static int send_msg(int fd, uint32_t req, uint32_t flags, uint32_t size, const void *payload,
		    uint32_t send_bytes, const int *fds, unsigned nfds)
{
	uint8_t buf[VU_HDR_SIZE + 4096];
	struct vu_hdr h = { cpu_to_le32(req), cpu_to_le32(flags), cpu_to_le32(size) };
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { buf, VU_HDR_SIZE + send_bytes };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, &h, sizeof(h));
	if (send_bytes)
		memcpy(buf + VU_HDR_SIZE, payload, send_bytes);
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* Wait until the back-end closes the connection (it must, after a
 * protocol error): 0, or -1 after 5 s. */
static int wait_closed(int fd)
{
	struct timeval tv = { 5, 0 };
	char b[64];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t r = recv(fd, b, sizeof(b), 0);

		if (r == 0)
			return 0;
		if (r < 0)
			return errno == EAGAIN ? -1 : 0;
	}
}

/* ------------------------------------------------------- driver modes */

#define FE_QSIZE 8u
#define FE_MEM (1u << 20)
#define FE_GPA 0x100000ull
#define FE_DESC 0x0u
#define FE_AVAIL 0x1000u
#define FE_USED 0x2000u
#define FE_BUF 0x10000u
#define FE_BUFLEN 64u
/* the back-end request channel (vhost-user.rst) */
#define FE_SET_BACKEND_REQ_FD 21u
#define FE_BACKEND_CONFIG_CHANGE_MSG 2u
#define FE_STATUS_READY (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			 VIRTIO_STATUS_FEATURES_OK)

struct fe {
	struct vu_client c;
	uint8_t *mem;
	int memfd, kick, call;
	int backend[2];       /* the back-end request channel: ours, theirs */
	uint64_t pf;          /* protocol features agreed */
	uint16_t avail_idx;
};

static int fe_fail(struct fe *f, const char *what)
{
	fprintf(stderr, "bad_frontend: %s%s%s\n", what, f->c.err[0] ? ": " : "", f->c.err);
	return -1;
}

static int fe_state(struct fe *f, uint32_t req, uint32_t num)
{
	struct vu_vring_state st = { cpu_to_le32(0), cpu_to_le32(num) };

	return vu_call(&f->c, req, &st, sizeof(st), NULL, 0, NULL, 0);
}

/* Queue 0's size, base, addresses and eventfds, as a front-end sets a ring
 * up before it starts it. */
static int fe_ring(struct fe *f, uint32_t base)
{
	const uint64_t va = (uint64_t)(uintptr_t)f->mem;
	struct vu_vring_addr a = {
		.desc_user_addr = cpu_to_le64(va + FE_DESC),
		.used_user_addr = cpu_to_le64(va + FE_USED),
		.avail_user_addr = cpu_to_le64(va + FE_AVAIL),
	};

	if (fe_state(f, VU_SET_VRING_NUM, FE_QSIZE) || fe_state(f, VU_SET_VRING_BASE, base) ||
	    vu_call(&f->c, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL, 0) ||
	    vu_set_u64(&f->c, VU_SET_VRING_KICK, 0, &f->kick, 1) ||
	    vu_set_u64(&f->c, VU_SET_VRING_CALL, 0, &f->call, 1))
		return fe_fail(f, "ring setup");
	return 0;
}

/*
 * Connect and set up: features (extra: bits beyond the offer to accept),
 * protocol features (want), the memory table and queue 0. The ring is
 * not yet enabled.
 */
static int fe_setup(struct fe *f, const char *path, uint64_t extra, uint64_t want)
{
	struct vu_mem_table t = { .nregions = cpu_to_le32(1) };
	uint64_t offered;

	memset(f, 0, sizeof(*f));
	f->memfd = f->kick = f->call = f->backend[0] = f->backend[1] = -1;
	vu_init(&f->c, 5000);
	f->memfd = memfd_create("bad_frontend", MFD_CLOEXEC);
	f->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->memfd < 0 || f->kick < 0 || f->call < 0 || ftruncate(f->memfd, FE_MEM) != 0)
		return fe_fail(f, "memfd or eventfd");
	f->mem = mmap(NULL, FE_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
	if (f->mem == MAP_FAILED) {
		f->mem = NULL;
		return fe_fail(f, "mmap");
	}
	if (vu_connect(&f->c, path) || vu_get_u64(&f->c, VU_GET_FEATURES, &offered) ||
	    vu_get_u64(&f->c, VU_GET_PROTOCOL_FEATURES, &f->pf))
		return fe_fail(f, "connect");
	f->pf &= want;
	if (vu_set_u64(&f->c, VU_SET_FEATURES, VIRTIO_BIT(VIRTIO_F_VERSION_1) | extra |
					       (1ull << VU_F_PROTOCOL_FEATURES), NULL, 0) ||
	    vu_set_u64(&f->c, VU_SET_PROTOCOL_FEATURES, f->pf, NULL, 0))
		return fe_fail(f, "features");
	f->c.reply_ack = f->pf & (1ull << VU_PF_REPLY_ACK);
	if (vu_call(&f->c, VU_SET_OWNER, NULL, 0, NULL, 0, NULL, 0))
		return fe_fail(f, "SET_OWNER");
	if (f->pf & (1ull << VU_PF_SLAVE_REQ)) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->backend) ||
		    vu_call(&f->c, FE_SET_BACKEND_REQ_FD, NULL, 0, &f->backend[1], 1, NULL, 0))
			return fe_fail(f, "back-end request channel");
	}
	t.regions[0].guest_phys_addr = cpu_to_le64(FE_GPA);
	t.regions[0].memory_size = cpu_to_le64(FE_MEM);
	t.regions[0].userspace_addr = cpu_to_le64((uint64_t)(uintptr_t)f->mem);
	if (vu_call(&f->c, VU_SET_MEM_TABLE, &t, 8 + sizeof(t.regions[0]), &f->memfd, 1, NULL, 0))
		return fe_fail(f, "SET_MEM_TABLE");
	return fe_ring(f, 0);
}

static void fe_close(struct fe *f)
{
	vu_close(&f->c);
	if (f->mem)
		munmap(f->mem, FE_MEM);
	if (f->memfd >= 0)
		close(f->memfd);
	if (f->kick >= 0)
		close(f->kick);
	if (f->call >= 0)
		close(f->call);
	if (f->backend[0] >= 0)
		close(f->backend[0]);
	if (f->backend[1] >= 0)
		close(f->backend[1]);
}

static int fe_status(struct fe *f, uint8_t status)
{
	if (vu_set_u64(&f->c, VU_SET_STATUS, status, NULL, 0))
		return fe_fail(f, "SET_STATUS");
	return 0;
}

static int fe_enable(struct fe *f, bool on)
{
	if (fe_state(f, VU_SET_VRING_ENABLE, on))
		return fe_fail(f, "SET_VRING_ENABLE");
	return 0;
}

/* Post one 64-byte writable buffer and kick. */
static int fe_post(struct fe *f)
{
	struct virtq_desc *d = (struct virtq_desc *)(f->mem + FE_DESC);
	struct virtq_avail *av = (struct virtq_avail *)(f->mem + FE_AVAIL);
	uint16_t slot = f->avail_idx % FE_QSIZE;
	uint64_t one = 1;

	d[slot].addr = cpu_to_le64(FE_GPA + FE_BUF + FE_BUFLEN * slot);
	d[slot].len = cpu_to_le32(FE_BUFLEN);
	d[slot].flags = cpu_to_le16(VIRTQ_DESC_F_WRITE);
	d[slot].next = cpu_to_le16(0);
	av->ring[slot] = cpu_to_le16(slot);
	le16_store_release(&av->idx, ++f->avail_idx);
	return write(f->kick, &one, sizeof(one)) == sizeof(one) ? 0 : fe_fail(f, "kick");
}

/* Wait up to ms for the used idx to reach want. */
static int fe_wait_used(struct fe *f, uint16_t want, int ms)
{
	struct virtq_used *u = (struct virtq_used *)(f->mem + FE_USED);
	struct pollfd p = { .fd = f->call, .events = POLLIN };
	int waited;

	for (waited = 0; waited <= ms; waited += 10) {
		uint64_t n;

		if (le16_load_acquire(&u->idx) == want)
			return 0;
		if (poll(&p, 1, 10) == 1 && read(f->call, &n, sizeof(n)) < 0 && errno != EAGAIN)
			break;
	}
	fprintf(stderr, "bad_frontend: used idx %u, expected %u\n", le16_load_acquire(&u->idx),
		want);
	return -1;
}

#define FE_PF_BASE ((1ull << VU_PF_REPLY_ACK) | (1ull << VU_PF_STATUS))

/* rng-io: a well-formed driver reads two buffers of entropy. */
static int mode_rng_io(struct fe *f, const char *path)
{
	if (fe_setup(f, path, 0, FE_PF_BASE) || fe_status(f, FE_STATUS_READY) ||
	    fe_enable(f, true) || fe_status(f, FE_STATUS_READY | VIRTIO_STATUS_DRIVER_OK))
		return -1;
	return fe_post(f) || fe_post(f) || fe_wait_used(f, 2, 3000);
}

/* features-beyond-offer: SET_FEATURES accepts a bit the device did not
 * offer (drivernormative: Feature Bits). */
static int mode_features_beyond_offer(struct fe *f, const char *path)
{
	uint64_t offered, bit;

	if (fe_setup(f, path, 0, FE_PF_BASE) || vu_get_u64(&f->c, VU_GET_FEATURES, &offered))
		return fe_fail(f, "setup");
	for (bit = 24; bit < 64; bit++)
		if (bit != VU_F_PROTOCOL_FEATURES && !(offered & (1ull << bit)))
			break;
	if (bit == 64)
		return fe_fail(f, "every feature bit is offered");
	if (vu_set_u64(&f->c, VU_SET_FEATURES, VIRTIO_BIT(VIRTIO_F_VERSION_1) | (1ull << bit) |
					       (1ull << VU_F_PROTOCOL_FEATURES), NULL, 0))
		return fe_fail(f, "SET_FEATURES");
	return fe_enable(f, true);
}

/* kick-before-driver-ok: the driver's status (SET_STATUS) lacks DRIVER_OK
 * when it notifies (drivernormative: Device Initialization); then it sets
 * DRIVER_OK and goes on. */
static int mode_kick_before_driver_ok(struct fe *f, const char *path)
{
	if (fe_setup(f, path, 0, FE_PF_BASE) || fe_status(f, FE_STATUS_READY) ||
	    fe_enable(f, true) || fe_post(f) || fe_wait_used(f, 1, 3000) ||
	    fe_status(f, FE_STATUS_READY | VIRTIO_STATUS_DRIVER_OK))
		return -1;
	return fe_post(f) || fe_wait_used(f, 2, 3000);
}

/* Stop queue 0 (GET_VRING_BASE) after one buffer; base: the position it
 * reported, in *stopped. */
static int fe_pause(struct fe *f, uint32_t *stopped)
{
	struct vu_vring_state st = { cpu_to_le32(0), cpu_to_le32(0) }, r;

	if (fe_enable(f, false) ||
	    vu_call(&f->c, VU_GET_VRING_BASE, &st, sizeof(st), NULL, 0, &r, sizeof(r)))
		return fe_fail(f, "GET_VRING_BASE");
	*stopped = le32_to_cpu(r.num);
	return 0;
}

/* resume: one buffer, a pause, then the ring resumes where it stopped
 * (SET_VRING_BASE of the position GET_VRING_BASE gave) and one more
 * buffer completes after it. */
static int mode_resume(struct fe *f, const char *path)
{
	uint32_t base;

	if (mode_rng_io(f, path) || fe_pause(f, &base))
		return -1;
	if (base != 2) {
		fprintf(stderr, "bad_frontend: GET_VRING_BASE %u after 2 buffers\n", base);
		return -1;
	}
	if (fe_ring(f, base) || fe_enable(f, true))
		return -1;
	return fe_post(f) || fe_wait_used(f, 3, 3000);
}

/* resume-elsewhere: after the pause, SET_VRING_BASE names a position the
 * ring never stopped at; the back-end must refuse (close) with a reason. */
static int mode_resume_elsewhere(struct fe *f, const char *path)
{
	uint32_t base;

	if (mode_rng_io(f, path) || fe_pause(f, &base) || fe_ring(f, base + 3))
		return -1;
	if (fe_enable(f, true) == 0 && !vu_peer_gone(&f->c)) {
		/* no REPLY_ACK refusal: the connection must end */
		struct timeval tv = { 5, 0 };
		char b;

		setsockopt(f->c.sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (recv(f->c.sock, &b, 1, 0) != 0) {
			fprintf(stderr, "bad_frontend: the back-end resumed elsewhere\n");
			return -1;
		}
	}
	return 0;
}

/* needs-reset (against --hostile needs-reset --hostile-after 2): after two
 * buffers the device sends a configuration change notification on the
 * back-end request channel, GET_STATUS has DEVICE_NEEDS_RESET, and a third
 * buffer is not completed. */
static int mode_needs_reset(struct fe *f, const char *path)
{
	struct pollfd p;
	struct vu_hdr h;
	uint64_t status;

	if (fe_setup(f, path, 0, FE_PF_BASE | (1ull << VU_PF_SLAVE_REQ)))
		return -1;
	if (!(f->pf & (1ull << VU_PF_SLAVE_REQ)))
		return fe_fail(f, "PROTOCOL_F_BACKEND_REQ not offered");
	if (fe_status(f, FE_STATUS_READY) || fe_enable(f, true) ||
	    fe_status(f, FE_STATUS_READY | VIRTIO_STATUS_DRIVER_OK) || fe_post(f) || fe_post(f) ||
	    fe_wait_used(f, 2, 3000))
		return -1;
	p = (struct pollfd){ .fd = f->backend[0], .events = POLLIN };
	if (poll(&p, 1, 3000) != 1 || recv(f->backend[0], &h, sizeof(h), MSG_WAITALL) != sizeof(h) ||
	    le32_to_cpu(h.request) != FE_BACKEND_CONFIG_CHANGE_MSG)
		return fe_fail(f, "no configuration change message on the back-end channel");
	if (vu_get_u64(&f->c, VU_GET_STATUS, &status))
		return fe_fail(f, "GET_STATUS");
	if (!(status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
		fprintf(stderr, "bad_frontend: GET_STATUS 0x%llx without NEEDS_RESET\n",
			(unsigned long long)status);
		return -1;
	}
	if (fe_post(f))
		return -1;
	if (fe_wait_used(f, 3, 500) == 0) {
		fprintf(stderr, "bad_frontend: a request completed after NEEDS_RESET\n");
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*run)(struct fe *f, const char *path);
} driver_modes[] = {
	{ "rng-io", mode_rng_io },
	{ "features-beyond-offer", mode_features_beyond_offer },
	{ "kick-before-driver-ok", mode_kick_before_driver_ok },
	{ "resume", mode_resume },
	{ "resume-elsewhere", mode_resume_elsewhere },
	{ "needs-reset", mode_needs_reset },
};

/* A driver mode by name: its exit status, or -1 when there is none. */
static int run_driver_mode(const char *path, const char *mode)
{
	unsigned i;

	for (i = 0; i < sizeof(driver_modes) / sizeof(driver_modes[0]); i++)
		if (!strcmp(mode, driver_modes[i].name)) {
			struct fe f;
			int rc = driver_modes[i].run(&f, path);

			fe_close(&f);
			return rc ? 1 : 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	const uint32_t V = VU_VERSION;
	const char *mode;
	int fd, rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bad_frontend SOCKET MODE\n");
		return 2;
	}
	mode = argv[2];
	rc = run_driver_mode(argv[1], mode);
	if (rc >= 0)
		return rc;
	rc = 0;
	fd = conn(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "bad_frontend: cannot connect to %s\n", argv[1]);
		return 1;
	}
	if (!strcmp(mode, "half-header")) {
		/* 5 of the 12 header bytes, then gone */
		le32 r = cpu_to_le32(VU_GET_FEATURES);

		rc = send(fd, &r, 4, MSG_NOSIGNAL) == 4 && send(fd, "\x01", 1, MSG_NOSIGNAL) == 1
			     ? 0 : -1;
	} else if (!strcmp(mode, "huge-size")) {
		rc = send_msg(fd, VU_SET_FEATURES, V, 1u << 30, NULL, 0, NULL, 0) ||
		     wait_closed(fd);
	} else if (!strcmp(mode, "mid-payload")) {
		/* a SET_FEATURES that announces 8 bytes and sends 3 */
		rc = send_msg(fd, VU_SET_FEATURES, V, 8, "abc", 3, NULL, 0);
	} else if (!strcmp(mode, "bad-flags")) {
		rc = send_msg(fd, VU_GET_FEATURES, 0x7, 0, NULL, 0, NULL, 0) || wait_closed(fd);
	} else if (!strcmp(mode, "unknown-request")) {
		rc = send_msg(fd, 999, V, 0, NULL, 0, NULL, 0) || wait_closed(fd);
	} else if (!strcmp(mode, "mem-table-no-fds")) {
		struct vu_mem_table t = { .nregions = cpu_to_le32(2) };

		t.regions[0].memory_size = cpu_to_le64(0x100000);
		t.regions[1].guest_phys_addr = cpu_to_le64(0x200000);
		t.regions[1].memory_size = cpu_to_le64(0x100000);
		rc = send_msg(fd, VU_SET_MEM_TABLE, V, 8 + 2 * 32, &t, 8 + 2 * 32, NULL, 0) ||
		     wait_closed(fd);
	} else if (!strcmp(mode, "mem-table-overlap")) {
		/* two regions of one memfd that overlap in guest-physical space */
		int m = memfd_create("bad", MFD_CLOEXEC), fds[2];
		struct vu_mem_table t = { .nregions = cpu_to_le32(2) };

		if (m < 0 || ftruncate(m, 0x200000) != 0)
			return 1;
		fds[0] = fds[1] = m;
		t.regions[0].memory_size = cpu_to_le64(0x200000);
		t.regions[1].guest_phys_addr = cpu_to_le64(0x100000);
		t.regions[1].memory_size = cpu_to_le64(0x100000);
		rc = send_msg(fd, VU_SET_MEM_TABLE, V, 8 + 2 * 32, &t, 8 + 2 * 32, fds, 2) ||
		     wait_closed(fd);
		close(m);
	} else if (!strcmp(mode, "vring-index")) {
		struct vu_vring_state s = { cpu_to_le32(200), cpu_to_le32(128) };

		rc = send_msg(fd, VU_SET_VRING_NUM, V, sizeof(s), &s, sizeof(s), NULL, 0) ||
		     wait_closed(fd);
	} else if (!strcmp(mode, "kick-without-fd")) {
		le64 idx = cpu_to_le64(0); /* no NOFD bit, and no fd either */

		rc = send_msg(fd, VU_SET_VRING_KICK, V, 8, &idx, 8, NULL, 0) || wait_closed(fd);
	} else if (!strcmp(mode, "config-overrun")) {
		struct vu_config c = { .size = cpu_to_le32(4096) };

		rc = send_msg(fd, VU_GET_CONFIG, V, VU_CONFIG_HDR_SIZE + 8, &c,
			      VU_CONFIG_HDR_SIZE + 8, NULL, 0) || wait_closed(fd);
	} else if (!strcmp(mode, "hello")) {
		struct vu_hdr h;
		le64 f;

		if (send_msg(fd, VU_GET_FEATURES, V, 0, NULL, 0, NULL, 0) ||
		    recv(fd, &h, sizeof(h), MSG_WAITALL) != sizeof(h) ||
		    recv(fd, &f, sizeof(f), MSG_WAITALL) != sizeof(f) ||
		    le32_to_cpu(h.request) != VU_GET_FEATURES ||
		    !(le32_to_cpu(h.flags) & VU_FLAG_REPLY) || le32_to_cpu(h.size) != 8 ||
		    !(le64_to_cpu(f) & (1ull << 32))) {
			fprintf(stderr, "bad_frontend: no proper GET_FEATURES reply\n");
			rc = -1;
		}
	} else {
		fprintf(stderr, "bad_frontend: unknown mode %s\n", mode);
		rc = -1;
	}
	close(fd);
	return rc ? 1 : 0;
}
