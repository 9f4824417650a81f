// SPDX-License-Identifier: Apache-2.0
/*
 * The vhost-user front-end protocol engine. See vu_client.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vu_client.h"
#include "vu_proto.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *vu_request_name(uint32_t req, char *buf, size_t n)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_RESET_OWNER] = "RESET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_LOG_BASE] = "SET_LOG_BASE",
		[VU_SET_LOG_FD] = "SET_LOG_FD",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_SET_VRING_ERR] = "SET_VRING_ERR",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VU_GET_CONFIG] = "GET_CONFIG",
		[VU_SET_CONFIG] = "SET_CONFIG",
		[VU_RESET_DEVICE] = "RESET_DEVICE",
		[VU_GET_MAX_MEM_SLOTS] = "GET_MAX_MEM_SLOTS",
		[VU_SET_STATUS] = "SET_STATUS",
		[VU_GET_STATUS] = "GET_STATUS",
	};

	if (req < sizeof(names) / sizeof(names[0]) && names[req])
		return names[req];
	snprintf(buf, n, "request %u", req);
	return buf;
}

void vu_init(struct vu_client *c, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->sock = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : VU_TIMEOUT_MS_DEFAULT;
}

void vu_log_tail(const struct vu_client *c, char *buf, size_t n)
{
	char chunk[2048];
	ssize_t got;
	off_t size;
	int fd;
	char *end, *start;

	if (n)
		buf[0] = 0;
	if (!c->log[0] || n == 0)
		return;
	fd = open(c->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(chunk) - 1)
		lseek(fd, size - (off_t)sizeof(chunk) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	got = read(fd, chunk, sizeof(chunk) - 1);
	close(fd);
	if (got <= 0)
		return;
	chunk[got] = 0;
	end = chunk + got;
	while (end > chunk && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = 0;
	start = end;
	while (start > chunk && start[-1] != '\n')
		start--;
	got = (ssize_t)strlen(start);
	if ((size_t)got >= n)
		got = (ssize_t)(n - 1);
	memcpy(buf, start, (size_t)got);
	buf[got] = 0;
}

static int die(struct vu_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Mark the connection dead with a reason; the back-end's last log line is
 * appended when there is one. Always returns -1. */
static int die(struct vu_client *c, const char *fmt, ...)
{
	char tail[200];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	vu_log_tail(c, tail, sizeof(tail));
	len = strlen(c->err);
	if (tail[0] && len < sizeof(c->err))
		snprintf(c->err + len, sizeof(c->err) - len, " (back-end log: %s)", tail);
	c->dead = true;
	if (c->sock >= 0) {
		close(c->sock);
		c->sock = -1;
	}
	return -1;
}

bool vu_backend_alive(struct vu_client *c)
{
	int status;
	pid_t r;

	if (c->exited)
		return false;
	if (c->pid <= 0)
		return true;
	r = waitpid(c->pid, &status, WNOHANG);
	if (r == 0)
		return true;
	c->pid = 0;
	c->exited = true;
	if (r < 0)
		die(c, "the back-end process is gone (%s)", strerror(errno));
	else if (WIFSIGNALED(status))
		die(c, "the back-end process died: signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		die(c, "the back-end process exited with status %d", WEXITSTATUS(status));
	return false;
}

static int lost(struct vu_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A connection that failed: say whether the process died as well. */
static int lost(struct vu_client *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a process that crashed closes its end a moment before it can be
	 * reaped: give it that moment, so a crash is told from a drop */
	for (int i = 0; i < 50 && c->pid > 0; i++) {
		if (!vu_backend_alive(c))
			break;
		sleep_ms(1);
	}
	if (c->exited) {
		char why[sizeof(c->err)];

		snprintf(why, sizeof(why), "%s", c->err);
		return die(c, "%s: %s", msg, why);
	}
	return die(c, "%s", msg);
}

static int try_connect(const char *path, int *fd_out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int vu_connect(struct vu_client *c, const char *path)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	int fd = -1, e = 0;

	if (strlen(path) >= sizeof(c->path)) {
		snprintf(c->err, sizeof(c->err), "socket path too long (%zu bytes, at most %zu): %s",
			 strlen(path), sizeof(c->path) - 1, path);
		c->dead = true;
		return -1;
	}
	if (path != c->path) /* vu_reconnect passes c->path itself */
		snprintf(c->path, sizeof(c->path), "%s", path);
	for (;;) {
		if (try_connect(path, &fd) == 0)
			break;
		e = errno;
		if (!vu_backend_alive(c)) {
			char why[sizeof(c->err)];

			snprintf(why, sizeof(why), "%s", c->err);
			return die(c, "cannot connect to %s: %s", path, why);
		}
		/* a back-end still starting: no socket yet, or not listening */
		if ((e != ENOENT && e != ECONNREFUSED) || now_ms() >= deadline)
			return die(c, "cannot connect to %s within %d ms: %s", path, c->timeout_ms,
				   strerror(e));
		sleep_ms(2);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		close(fd);
		return die(c, "cannot configure the socket: %s", strerror(errno));
	}
	c->sock = fd;
	c->dead = false;
	c->reply_ack = false;
	c->err[0] = 0;
	return 0;
}

int vu_reconnect(struct vu_client *c)
{
	if (c->sock >= 0) {
		close(c->sock);
		c->sock = -1;
	}
	if (!c->path[0])
		return -1;
	return vu_connect(c, c->path);
}

/* cmd with {sock} and {dir} replaced; -1 when it does not fit */
static int expand(char *out, size_t n, const char *cmd, const char *sock, const char *dir)
{
	size_t o = 0;

	while (*cmd) {
		const char *rep = NULL;
		size_t skip = 1, len;

		if (!strncmp(cmd, "{sock}", 6)) {
			rep = sock;
			skip = 6;
		} else if (!strncmp(cmd, "{dir}", 5)) {
			rep = dir;
			skip = 5;
		}
		len = rep ? strlen(rep) : 1;
		if (o + len >= n)
			return -1;
		memcpy(out + o, rep ? rep : cmd, len);
		o += len;
		cmd += skip;
	}
	out[o] = 0;
	return 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		int dfd = dirfd(d);

		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dfd, e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

int vu_spawn(struct vu_client *c, const char *cmd)
{
	const char *tmp = getenv("TMPDIR");
	char sock[128], line[8192];
	pid_t parent = getpid(), pid;

	if (!tmp || !tmp[0] || strlen(tmp) > 64)
		tmp = "/tmp";
	snprintf(c->dir, sizeof(c->dir), "%s/virtiocheck-vu-XXXXXX", tmp);
	if (!mkdtemp(c->dir)) {
		c->dir[0] = 0;
		return die(c, "cannot make a directory for the back-end: %s", strerror(errno));
	}
	snprintf(sock, sizeof(sock), "%s/sock", c->dir);
	snprintf(c->log, sizeof(c->log), "%s/backend.log", c->dir);
	if (snprintf(line, sizeof(line), "exec ") < 0 ||
	    expand(line + 5, sizeof(line) - 5, cmd, sock, c->dir) != 0)
		return die(c, "the --spawn command is too long (at most %zu bytes expanded)",
			   sizeof(line) - 6);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return die(c, "cannot fork the back-end: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		/* the back-end goes when the point goes, even when the runner
		 * kills the point */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		close_range(3, ~0u, 0);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	c->pid = pid;
	return vu_connect(c, sock);
}

void vu_close(struct vu_client *c)
{
	if (c->sock >= 0) {
		close(c->sock);
		c->sock = -1;
	}
	if (c->pid > 0) {
		int64_t deadline = now_ms() + 1000;
		int status;

		kill(c->pid, SIGTERM);
		while (waitpid(c->pid, &status, WNOHANG) == 0) {
			if (now_ms() >= deadline) {
				kill(c->pid, SIGKILL);
				waitpid(c->pid, &status, 0);
				break;
			}
			sleep_ms(1);
		}
		c->pid = 0;
	}
	if (c->dir[0]) {
		remove_dir(c->dir);
		c->dir[0] = 0;
		c->log[0] = 0;
	}
}

/* Wait until the socket is ready for events or the deadline passes:
 * 1 ready, 0 timeout, -1 error. */
static int wait_sock(struct vu_client *c, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = c->sock, .events = events };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, left > 50 ? 50 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		/* a dead back-end never answers: notice it early */
		if (r == 0 && c->pid > 0 && !vu_backend_alive(c))
			return -1;
	}
}

static int send_msg(struct vu_client *c, const char *name, const void *buf, size_t len,
		    const int *fds, unsigned nfds)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	const uint8_t *p = buf;
	bool fds_sent = nfds == 0;

	while (len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t w;
		int r;

		if (!fds_sent) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			m.msg_control = ctl.buf;
			m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
		}
		w = sendmsg(c->sock, &m, MSG_NOSIGNAL);
		if (w > 0) {
			fds_sent = true;
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = wait_sock(c, POLLOUT, deadline);
			if (r == 0)
				return lost(c, "the back-end did not take %s within %d ms", name,
					    c->timeout_ms);
			if (r < 0)
				return lost(c, "the connection failed while sending %s", name);
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return lost(c, "the back-end closed the connection before %s", name);
		return lost(c, "the connection failed while sending %s", name);
	}
	return 0;
}

/* Read exactly len bytes. got_any tells a clean close from one in the
 * middle of a message. 0 or -1. */
static int recv_exact(struct vu_client *c, const char *name, void *buf, size_t len,
		      int64_t deadline, bool mid)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = p + got, .iov_len = len - got };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *cm;
		ssize_t r = recvmsg(c->sock, &m, MSG_CMSG_CLOEXEC);

		if (r > 0) {
			/* replies carry no descriptors here: drop any */
			for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
					size_t k, n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
					int fd;

					for (k = 0; k < n; k++) {
						memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(fd));
						close(fd);
					}
				}
			got += (size_t)r;
			continue;
		}
		if (r == 0)
		{
			if (mid || got)
				return lost(c, "the back-end closed the connection in the middle of "
					       "its reply to %s", name);
			return lost(c, "the back-end closed the connection instead of replying "
				       "to %s", name);
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int w = wait_sock(c, POLLIN, deadline);

			if (w == 0 && (mid || got))
				return lost(c, "the back-end stopped in the middle of its reply to %s",
					    name);
			if (w == 0)
				return lost(c, "the back-end did not reply to %s within %d ms", name,
					    c->timeout_ms);
			if (w < 0)
				return lost(c, "the connection failed while waiting for the reply to %s",
					    name);
			continue;
		}
		return lost(c, "the connection failed while waiting for the reply to %s", name);
	}
	return 0;
}

/* The reply to req: exactly size payload bytes, or (alt_empty) none at
 * all, which returns 1. 0, 1 or -1. */
static int recv_reply_alt(struct vu_client *c, uint32_t req, const char *name, void *payload,
			  uint32_t size, bool alt_empty)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	uint8_t body[VU_MAX_PAYLOAD];
	struct vu_hdr h;
	uint32_t rreq, flags, rsize;

	if (recv_exact(c, name, &h, VU_HDR_SIZE, deadline, false))
		return -1;
	rreq = le32_to_cpu(h.request);
	flags = le32_to_cpu(h.flags);
	rsize = le32_to_cpu(h.size);
	if (rreq != req || !(flags & VU_FLAG_REPLY) || (flags & VU_VERSION_MASK) != VU_VERSION)
		return die(c, "garbage reply to %s: request %u, flags 0x%x, size %u", name, rreq,
			   flags, rsize);
	if (rsize > sizeof(body))
		return die(c, "garbage reply to %s: payload size %u exceeds %u", name, rsize,
			   VU_MAX_PAYLOAD);
	if (recv_exact(c, name, body, rsize, deadline, true))
		return -1;
	if (alt_empty && rsize == 0)
		return 1;
	if (rsize != size)
		return die(c, "reply to %s has %u payload bytes, expected %u", name, rsize, size);
	memcpy(payload, body, size);
	return 0;
}

static int recv_reply(struct vu_client *c, uint32_t req, const char *name, void *payload,
		      uint32_t size)
{
	return recv_reply_alt(c, req, name, payload, size, false);
}

static int send_request(struct vu_client *c, uint32_t req, const char *name,
			const void *payload, uint32_t size, const int *fds, unsigned nfds,
			bool need_reply)
{
	uint8_t msg[VU_HDR_SIZE + VU_MAX_PAYLOAD];
	struct vu_hdr h;

	if (c->dead || c->sock < 0) {
		if (!c->err[0])
			snprintf(c->err, sizeof(c->err), "not connected");
		return -1;
	}
	if (size > VU_MAX_PAYLOAD || nfds > VU_MAX_FDS) {
		snprintf(c->err, sizeof(c->err), "%s: payload %u or %u fds too large", name, size,
			 nfds);
		return -1;
	}
	h.request = cpu_to_le32(req);
	h.flags = cpu_to_le32(VU_VERSION | (need_reply ? VU_FLAG_NEED_REPLY : 0));
	h.size = cpu_to_le32(size);
	memcpy(msg, &h, VU_HDR_SIZE);
	if (size)
		memcpy(msg + VU_HDR_SIZE, payload, size);
	return send_msg(c, name, msg, VU_HDR_SIZE + size, fds, nfds);
}

int vu_call(struct vu_client *c, uint32_t req, const void *payload, uint32_t size,
	    const int *fds, unsigned nfds, void *reply, uint32_t reply_size)
{
	char nb[32];
	const char *name = vu_request_name(req, nb, sizeof(nb));
	bool ack = !reply && c->reply_ack;

	if (send_request(c, req, name, payload, size, fds, nfds, ack))
		return -1;
	if (reply)
		return recv_reply(c, req, name, reply, reply_size);
	if (ack) {
		le64 v;

		if (recv_reply(c, req, name, &v, sizeof(v)))
			return -1;
		if (le64_to_cpu(v) != 0) {
			/* a refusal, not a broken connection */
			snprintf(c->err, sizeof(c->err), "the back-end refused %s (NACK 0x%llx)",
				 name, (unsigned long long)le64_to_cpu(v));
			return -1;
		}
	}
	return 0;
}

int vu_get_config(struct vu_client *c, uint32_t off, uint32_t len, void *dst)
{
	struct vu_config m = { .offset = cpu_to_le32(off), .size = cpu_to_le32(len) };
	struct vu_config r;
	int rc;

	if (len > VU_CONFIG_MAX) {
		snprintf(c->err, sizeof(c->err), "GET_CONFIG of %u bytes: at most %u", len,
			 VU_CONFIG_MAX);
		return -1;
	}
	if (send_request(c, VU_GET_CONFIG, "GET_CONFIG", &m, VU_CONFIG_HDR_SIZE + len, NULL, 0,
			 false))
		return -1;
	rc = recv_reply_alt(c, VU_GET_CONFIG, "GET_CONFIG", &r, VU_CONFIG_HDR_SIZE + len, true);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* libvhost-user's way of saying no: an empty reply */
		snprintf(c->err, sizeof(c->err),
			 "the back-end refused GET_CONFIG of %u bytes at offset %u", len, off);
		return -1;
	}
	if (le32_to_cpu(r.offset) != off || le32_to_cpu(r.size) != len)
		return die(c, "reply to GET_CONFIG describes offset %u size %u, asked %u/%u",
			   le32_to_cpu(r.offset), le32_to_cpu(r.size), off, len);
	memcpy(dst, r.payload, len);
	return 0;
}

int vu_set_config(struct vu_client *c, uint32_t off, uint32_t len, const void *src)
{
	struct vu_config m = { .offset = cpu_to_le32(off), .size = cpu_to_le32(len) };

	if (len > VU_CONFIG_MAX) {
		snprintf(c->err, sizeof(c->err), "SET_CONFIG of %u bytes: at most %u", len,
			 VU_CONFIG_MAX);
		return -1;
	}
	memcpy(m.payload, src, len);
	return vu_call(c, VU_SET_CONFIG, &m, VU_CONFIG_HDR_SIZE + len, NULL, 0, NULL, 0);
}

int vu_get_u64(struct vu_client *c, uint32_t req, uint64_t *v)
{
	le64 r;

	if (vu_call(c, req, NULL, 0, NULL, 0, &r, sizeof(r)))
		return -1;
	*v = le64_to_cpu(r);
	return 0;
}

int vu_set_u64(struct vu_client *c, uint32_t req, uint64_t v, const int *fds, unsigned nfds)
{
	le64 p = cpu_to_le64(v);

	return vu_call(c, req, &p, sizeof(p), fds, nfds, NULL, 0);
}

bool vu_peer_gone(struct vu_client *c)
{
	struct pollfd p = { .fd = c->sock, .events = POLLIN };
	uint8_t b;
	ssize_t r;

	if (c->dead || c->sock < 0)
		return true;
	if (poll(&p, 1, 0) <= 0)
		return !vu_backend_alive(c);
	r = recv(c->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		lost(c, "the back-end closed the connection");
		return true;
	}
	if (r > 0) {
		die(c, "the back-end sent a message nobody asked for");
		return true;
	}
	return false;
}
