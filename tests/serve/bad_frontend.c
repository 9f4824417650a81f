// SPDX-License-Identifier: Apache-2.0
/*
 * A misbehaving vhost-user front-end for `virtiocheck serve`: each mode is
 * one connection that breaks the protocol in one way, then goes away.
 * The last mode ("hello") is well-formed and checks the back-end still
 * answers. The test script runs every mode against one serve process and
 * reads its serve.json.
 *
 * usage: bad_frontend SOCKET MODE
 * exit status: 0 when the mode ran (for "hello": when the back-end answered
 * GET_FEATURES with VERSION_1 offered), 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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
