// SPDX-License-Identifier: Apache-2.0
/*
 * bad_backend MODE SOCKET [REQ]: a vhost-user back-end that misbehaves on
 * purpose, for the tests that prove the runner survives one.
 *
 * It listens on SOCKET and serves one front-end at a time, answering the
 * control plane of a small blk device (VERSION_1 and PROTOCOL_FEATURES;
 * REPLY_ACK, CONFIG, MQ; one queue; capacity 2048 sectors) and never
 * processing a ring. At the first message whose request number is REQ
 * (default 5, SET_MEM_TABLE, which only a started device sends), MODE
 * decides what happens instead of the normal answer:
 *
 *   ok            nothing: the normal answer
 *   crash         the process kills itself with SIGSEGV
 *   hang          it stops answering (and reading) for good
 *   garbage       a reply header of junk
 *   close-mid     half a reply header, then it closes the connection
 *   wrong-size    a reply whose payload is 4 bytes longer than the request's
 *   no-fds        (any REQ) it receives without room for descriptors, so the
 *                 memory table's fds are lost, and it NACKs SET_MEM_TABLE
 *   crash-on-kick the normal answers; it dies with SIGSEGV when a kick
 *                 eventfd fires
 *   drop-on-kick  the normal answers; it closes the connection when a kick
 *                 eventfd fires (what qemu-storage-daemon does with a
 *                 malformed chain)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HDR 12u
#define F_REPLY 0x4u
#define F_NEED_REPLY 0x8u

enum mode { M_OK, M_CRASH, M_HANG, M_GARBAGE, M_CLOSE_MID, M_WRONG_SIZE, M_NO_FDS,
	    M_CRASH_ON_KICK, M_DROP_ON_KICK };

static const char *const mode_names[] = { "ok", "crash", "hang", "garbage", "close-mid",
					  "wrong-size", "no-fds", "crash-on-kick",
					  "drop-on-kick" };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int reply(int fd, uint32_t req, const void *payload, uint32_t size)
{
	uint8_t m[HDR + 512];

	put32(m, req);
	put32(m + 4, 0x1 | F_REPLY);
	put32(m + 8, size);
	memcpy(m + HDR, payload, size);
	return write_all(fd, m, HDR + size);
}

static void die_now(void)
{
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	_exit(99);
}

/* Read one message; fds it carries go to fds (up to 8), or are lost when
 * no_fds. 1 got one, 0 the peer closed, -1 error. */
static int read_msg(int c, uint8_t *m, uint32_t *size, int *fds, int *nfds, int no_fds)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = HDR };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t r;
	size_t got;

	*nfds = 0;
	if (!no_fds) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
	}
	r = recvmsg(c, &mh, MSG_WAITALL);
	if (r == 0)
		return 0;
	if (r != (ssize_t)HDR)
		return -1;
	for (cm = no_fds ? NULL : CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			if (n > 8)
				n = 8;
			memcpy(fds, CMSG_DATA(cm), (size_t)n * sizeof(int));
			*nfds = n;
		}
	*size = get32(m + 8);
	if (*size > 4096)
		return -1;
	for (got = 0; got < *size;) {
		r = read(c, m + HDR + got, *size - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 1;
}

/* Serve one connection. */
static void serve(int c, enum mode mode, uint32_t trigger)
{
	static uint8_t m[HDR + 4096];
	int kick[64], i;
	bool ack = false, triggered = false;

	for (i = 0; i < 64; i++)
		kick[i] = -1;
	for (;;) {
		struct pollfd p[65];
		int np = 0, fds[8], nfds = 0, k;
		uint32_t req, flags, size = 0;
		uint8_t pay[512];
		uint32_t psize = 8;
		bool has_reply = true;

		p[np++] = (struct pollfd){ .fd = c, .events = POLLIN };
		for (i = 0; i < 64; i++)
			if (kick[i] >= 0)
				p[np++] = (struct pollfd){ .fd = kick[i], .events = POLLIN };
		if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR)
			break;
		for (k = 1; k < np; k++) {
			uint64_t v;

			if (!p[k].revents)
				continue;
			if (mode == M_CRASH_ON_KICK)
				die_now();
			if (mode == M_DROP_ON_KICK)
				goto out;
			if (read(p[k].fd, &v, sizeof(v)) < 0)
				continue;
		}
		if (!p[0].revents)
			continue;
		k = read_msg(c, m, &size, fds, &nfds, mode == M_NO_FDS);
		if (k <= 0)
			break;
		req = get32(m);
		flags = get32(m + 4);
		if (!triggered && req == trigger && mode != M_OK && mode != M_NO_FDS &&
		    mode != M_CRASH_ON_KICK && mode != M_DROP_ON_KICK) {
			triggered = true;
			switch (mode) {
			case M_CRASH:
				die_now();
				break;
			case M_HANG:
				for (;;)
					pause();
			case M_GARBAGE:
				memset(pay, 0xa5, HDR);
				write_all(c, pay, HDR);
				continue;
			case M_CLOSE_MID:
				put32(pay, req);
				put32(pay + 4, 0x1 | F_REPLY);
				write_all(c, pay, 6);
				goto out;
			case M_WRONG_SIZE:
				memset(pay, 0, sizeof(pay));
				reply(c, req, pay, 12);
				continue;
			default:
				break;
			}
		}
		memset(pay, 0, sizeof(pay));
		switch (req) {
		case 1: /* GET_FEATURES: VERSION_1, PROTOCOL_FEATURES */
			put64(pay, (1ull << 32) | (1ull << 30));
			break;
		case 15: /* GET_PROTOCOL_FEATURES: MQ, REPLY_ACK, CONFIG */
			put64(pay, (1ull << 0) | (1ull << 3) | (1ull << 9));
			break;
		case 16: /* SET_PROTOCOL_FEATURES */
			ack = size >= 8 && (get32(m + HDR) & (1u << 3));
			has_reply = false;
			break;
		case 17: /* GET_QUEUE_NUM */
			put64(pay, 1);
			break;
		case 24: /* GET_CONFIG: the request's own header, capacity 2048 */
			if (size < 12 || size > 12 + 256) {
				has_reply = false;
				break;
			}
			psize = size;
			memcpy(pay, m + HDR, 12);
			if (get32(m + HDR) == 0 && get32(m + HDR + 4) >= 8)
				put64(pay + 12, 2048);
			break;
		case 11: /* GET_VRING_BASE */
			psize = 8;
			memcpy(pay, m + HDR, 4);
			break;
		case 12: /* SET_VRING_KICK */
			if (size >= 8 && nfds > 0 && (m[HDR] & 0x3f) < 64) {
				int q = m[HDR] & 0x3f;

				if (kick[q] >= 0)
					close(kick[q]);
				kick[q] = fds[0];
				nfds = 0; /* kept */
			}
			has_reply = false;
			break;
		default:
			has_reply = false;
			break;
		}
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		if (has_reply) {
			if (reply(c, req, pay, psize))
				break;
		} else if (ack && (flags & F_NEED_REPLY)) {
			/* no fds arrived with the memory table: refuse it */
			put64(pay, mode == M_NO_FDS && req == 5 ? 1 : 0);
			if (reply(c, req, pay, 8))
				break;
		}
	}
out:
	for (i = 0; i < 64; i++)
		if (kick[i] >= 0)
			close(kick[i]);
	close(c);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	enum mode mode = M_OK;
	uint32_t trigger = 5;
	unsigned i;
	int s;

	if (argc < 3) {
		fprintf(stderr, "usage: bad_backend MODE SOCKET [REQ]\n");
		return 2;
	}
	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(argv[1], mode_names[i]))
			mode = (enum mode)i;
	if (strcmp(argv[1], mode_names[mode])) {
		fprintf(stderr, "bad_backend: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	if (argc > 3)
		trigger = (uint32_t)strtoul(argv[3], NULL, 10);
	if (strlen(argv[2]) >= sizeof(sa.sun_path))
		return 2;
	memcpy(sa.sun_path, argv[2], strlen(argv[2]) + 1);
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[2]);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4)) {
		perror("bad_backend");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		serve(c, mode, trigger);
	}
}
