// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forkpool.h"

struct slot {
	pid_t pid;
	int fd;
	size_t idx;
	size_t got;
	double start;
	bool killed;
	unsigned char *out;     /* result_size bytes */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

static int start(struct slot *s, size_t idx, size_t result_size, const struct forkpool_ops *ops,
		 void *ctx)
{
	int fds[2];

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		s->pid = 0;
		errno = e;
		return -1;
	}
	if (s->pid == 0) {
		close(fds[0]);
		memset(s->out, 0, result_size);
		ops->child(ctx, idx, s->out);
		write_all(fds[1], s->out, result_size);
		close(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	s->fd = fds[0];
	s->idx = idx;
	s->got = 0;
	s->killed = false;
	s->start = now_s();
	return 0;
}

/* The child closed its end: reap it and say how it ended. */
static void finish(struct slot *s, size_t result_size, const struct forkpool_ops *ops, void *ctx)
{
	struct forkpool_end end;
	int status = 0;

	memset(&end, 0, sizeof(end));
	close(s->fd);
	s->fd = -1;
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	end.killed = s->killed;
	end.got = s->got;
	end.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	end.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	end.complete = s->got == result_size && !s->killed && end.exit_status == 0;
	end.ms = (now_s() - s->start) * 1e3;
	s->pid = 0;
	ops->done(ctx, s->idx, s->out, &end);
}

int forkpool_run(size_t n, unsigned jobs, double timeout_s, size_t result_size,
		 const struct forkpool_ops *ops, void *ctx)
{
	struct slot slots[FORKPOOL_MAX_JOBS];
	unsigned char *bufs;
	size_t next = 0, done = 0;
	unsigned i;

	if (jobs < 1)
		jobs = 1;
	if (jobs > FORKPOOL_MAX_JOBS)
		jobs = FORKPOOL_MAX_JOBS;
	if (jobs > n && n > 0)
		jobs = (unsigned)n;
	bufs = calloc(jobs, result_size ? result_size : 1);
	if (!bufs)
		return -1;
	memset(slots, 0, sizeof(slots));
	for (i = 0; i < jobs; i++) {
		slots[i].fd = -1;
		slots[i].out = bufs + (size_t)i * result_size;
	}
	while (done < n) {
		struct pollfd pfd[FORKPOOL_MAX_JOBS];
		unsigned map[FORKPOOL_MAX_JOBS], np = 0;
		double t = now_s();

		for (i = 0; i < jobs && next < n; i++) {
			if (slots[i].pid)
				continue;
			if (start(&slots[i], next, result_size, ops, ctx) != 0) {
				struct forkpool_end end;

				memset(&end, 0, sizeof(end));
				end.fork_failed = true;
				end.exit_status = -1;
				snprintf(end.err, sizeof(end.err), "cannot fork: %s", strerror(errno));
				ops->done(ctx, next, slots[i].out, &end);
				done++;
			}
			next++;
		}
		for (i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			if (!slots[i].killed && t - slots[i].start > timeout_s) {
				kill(slots[i].pid, SIGKILL);
				slots[i].killed = true;
			}
			pfd[np].fd = slots[i].fd;
			pfd[np].events = POLLIN;
			map[np++] = i;
		}
		if (!np)
			continue;
		if (poll(pfd, np, 50) < 0 && errno != EINTR)
			break;
		for (i = 0; i < np; i++) {
			struct slot *s = &slots[map[i]];
			ssize_t rd;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			rd = read(s->fd, s->out + s->got,
				  s->got < result_size ? result_size - s->got : 1);
			if (rd > 0 && s->got + (size_t)rd <= result_size) {
				s->got += (size_t)rd;
				continue;
			}
			if (rd < 0 && errno == EINTR)
				continue;
			finish(s, result_size, ops, ctx);
			done++;
		}
	}
	free(bufs);
	return 0;
}
