// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: `virtiocheck serve`'s vhost-user back-end (conformance/
 * vu_server.c) facing a hostile front-end. The input is a stream of
 * vhost-user messages -- any request (known or not), flags, payload bytes,
 * announced sizes that lie, and file descriptors attached as the request
 * would want them or not (memfds for SET_MEM_TABLE, eventfds for the vring
 * fds, too many, none). Pseudo-messages write bytes into the first memory
 * region the front-end sent, so rings the front-end sets up can hold
 * anything, and arm kick eventfds, so the device really walks those rings.
 *
 * The whole stream goes into one end of a socketpair, which is then shut
 * down for writing; the server serves the other end until the stream ends
 * or it finds a protocol error.
 *
 * Oracles:
 *  - nothing crashes, hangs or touches memory it was not given (sanitizers;
 *    a region past the end of its memfd must be refused, never mapped and
 *    faulted on);
 *  - no file descriptor leaks: the process has as many open descriptors
 *    after the session as before it;
 *  - the session ends with a reason, and a session without a protocol
 *    error ends because the front-end closed the connection;
 *  - every finding of the driver monitor cites a normative label.
 *
 * Input (missing bytes read as zero): byte 0 bit 0 selects the device (rng
 * or blk); then messages: byte kind (% 32: a request from the table, 30 =
 * poke memory, 31 = arm a kick), byte flags (bit 0 NEED_REPLY, bit 1 a bad
 * version, bit 2 the REPLY bit), byte fds (0 as the request wants, 1 none,
 * 2 one more, 3 eight), le16 payload length (% 300), byte lie (0xff: the
 * header announces 64 bytes more than follow, and the stream ends there),
 * then the payload. At most MAX_MSGS messages.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices.h"
#include "oracle.h"
#include "vu_proto.h"
#include "vu_server.h"

#define MAX_MSGS 128
#define MEMFD_SIZE (1u << 20)
#define MAX_ARMED 8

static const uint32_t requests[30] = {
	VU_GET_FEATURES, VU_SET_FEATURES, VU_SET_OWNER, VU_RESET_OWNER, VU_SET_MEM_TABLE,
	VU_SET_LOG_BASE, VU_SET_LOG_FD, VU_SET_VRING_NUM, VU_SET_VRING_ADDR, VU_SET_VRING_BASE,
	VU_GET_VRING_BASE, VU_SET_VRING_KICK, VU_SET_VRING_CALL, VU_SET_VRING_ERR,
	VU_GET_PROTOCOL_FEATURES, VU_SET_PROTOCOL_FEATURES, VU_GET_QUEUE_NUM,
	VU_SET_VRING_ENABLE, VU_GET_CONFIG, VU_SET_CONFIG, VU_RESET_DEVICE,
	VU_GET_MAX_MEM_SLOTS, VU_SET_STATUS, VU_GET_STATUS,
	/* the common start-up ones again, so streams find their way */
	VU_SET_VRING_ADDR, VU_SET_VRING_KICK, VU_SET_VRING_ENABLE, VU_SET_MEM_TABLE,
	0, 1000,
};

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

struct stream {
	int sock;
	uint8_t *mem;         /* the first memfd sent, mapped here */
	int armed[MAX_ARMED]; /* kick eventfds kept to write to */
	unsigned narmed;
};

static int make_memfd(struct stream *st)
{
	int fd = memfd_create("fuzz-front-end", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, MEMFD_SIZE) != 0)
		abort();
	if (!st->mem) {
		st->mem = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ORACLE(st->mem != MAP_FAILED, "harness", "mmap of the front-end memory failed");
	}
	return fd;
}

static int make_eventfd(struct stream *st, bool keep)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		abort();
	if (keep && st->narmed < MAX_ARMED)
		st->armed[st->narmed++] = dup(fd);
	return fd;
}

/* The descriptors request req would carry, per the fds selector. */
static unsigned attach(struct stream *st, uint32_t req, const uint8_t *pl, uint32_t len,
		       unsigned sel, int *fds)
{
	unsigned n = 0, k, want = 0;

	if (sel == 1)
		return 0;
	if (req == VU_SET_MEM_TABLE)
		want = len >= 4 ? (pl[0] % 9u) : 0;
	else if (req == VU_SET_VRING_KICK || req == VU_SET_VRING_CALL ||
		 req == VU_SET_VRING_ERR || req == VU_SET_LOG_FD || req == VU_SET_LOG_BASE)
		want = len >= 2 && (pl[1] & 1) ? 0 : 1; /* the NOFD bit (bit 8) */
	if (sel == 2)
		want++;
	if (sel == 3)
		want = 8;
	for (k = 0; k < want && k < 8; k++)
		fds[n++] = req == VU_SET_MEM_TABLE || req == VU_SET_LOG_BASE
				   ? make_memfd(st)
				   : make_eventfd(st, req == VU_SET_VRING_KICK);
	return n;
}

static void send_msg(struct stream *st, uint32_t req, uint32_t flags, uint32_t announced,
		     const uint8_t *pl, uint32_t len, const int *fds, unsigned nfds)
{
	uint8_t buf[VU_HDR_SIZE + 512];
	struct vu_hdr h = { cpu_to_le32(req), cpu_to_le32(flags), cpu_to_le32(announced) };
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { buf, VU_HDR_SIZE + len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + VU_HDR_SIZE, pl, len);
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
	ORACLE(sendmsg(st->sock, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len, "harness",
	       "the socketpair did not take the message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	struct stream st = { .sock = -1 };
	struct vu_server_opts o = { .socket_path = "fuzz" };
	struct vu_session *s = calloc(1, sizeof(*s));
	int sv[2], before = open_fds(), sndbuf = 1 << 20;
	unsigned m, k;

	if (!s)
		abort();
	o.ops = (fin_u8(&f) & 1) ? vc_device_lookup("blk") : vc_device_lookup("rng");
	ORACLE(o.ops && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "harness",
	       "no device or socketpair");
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	st.sock = sv[0];
	for (m = 0; m < MAX_MSGS && !fin_done(&f); m++) {
		uint8_t kind = fin_u8(&f) % 32, fl = fin_u8(&f), sel = fin_u8(&f) % 4;
		uint32_t len = fin_u16(&f) % 300u, flags = VU_VERSION;
		uint8_t lie = fin_u8(&f), pl[300];
		int fds[8];
		unsigned nfds;

		for (k = 0; k < len; k++)
			pl[k] = fin_u8(&f);
		if (kind == 30) {
			/* poke: le32 offset, then the rest of the payload */
			uint32_t off = len >= 4 ? (uint32_t)(pl[0] | pl[1] << 8 | pl[2] << 16 |
							     (uint32_t)pl[3] << 24) % MEMFD_SIZE : 0;

			if (st.mem && len > 4)
				memcpy(st.mem + off, pl + 4,
				       len - 4 < MEMFD_SIZE - off ? len - 4 : MEMFD_SIZE - off);
			continue;
		}
		if (kind == 31) {
			uint64_t one = 1;

			for (k = 0; k < st.narmed; k++)
				if (write(st.armed[k], &one, sizeof(one)) != sizeof(one))
					break;
			continue;
		}
		if (fl & 1)
			flags |= VU_FLAG_NEED_REPLY;
		if (fl & 2)
			flags ^= 3; /* version 2 */
		if (fl & 4)
			flags |= VU_FLAG_REPLY;
		nfds = attach(&st, requests[kind], pl, len, sel, fds);
		send_msg(&st, requests[kind], flags, lie == 0xff ? len + 64 : len, pl, len, fds,
			 nfds);
		for (k = 0; k < nfds; k++)
			close(fds[k]);
		if (lie == 0xff)
			break;
	}
	shutdown(sv[0], SHUT_WR);
	vu_serve_fd(&o, sv[1], s);

	ORACLE(s->end[0], "harness", "the session ended without a reason");
	ORACLE(s->protocol_error || !strcmp(s->end, "the front-end closed the connection"),
	       "harness", "a session without a protocol error ended with: %s", s->end);
	for (k = 0; k < s->n_findings; k++)
		ORACLE(!strncmp(s->findings[k].clause, "drivernormative:", 16) ||
		       !strncmp(s->findings[k].clause, "devicenormative:", 16),
		       "harness", "a finding without a normative label: %s", s->findings[k].msg);
	close(sv[0]);
	close(sv[1]);
	for (k = 0; k < st.narmed; k++)
		close(st.armed[k]);
	if (st.mem)
		munmap(st.mem, MEMFD_SIZE);
	free(s);
	ORACLE(open_fds() == before, "harness", "file descriptors leaked: %d open, %d before",
	       open_fds(), before);
	return 0;
}
