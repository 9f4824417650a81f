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

#include "exec.h"
#include "runner.h"

#define MAX_JOBS 64

struct slot {
	pid_t pid;
	int fd;
	size_t idx;
	size_t got;
	double start;
	bool killed;
	struct case_outcome out;
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

static int start(struct slot *s, struct case_result *r, size_t idx, const struct exec_env *env)
{
	int fds[2];

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		struct case_outcome o;

		close(fds[0]);
		exec_point(&r->point, env, &o);
		write_all(fds[1], &o, sizeof(o));
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

/* The child ended (EOF): turn what it sent and how it ended into a verdict. */
static void finish(struct slot *s, struct case_result *r, double timeout)
{
	int status = 0;

	close(s->fd);
	s->fd = -1;
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (s->got == sizeof(s->out) && !s->killed && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r->o = s->out;
	} else {
		memset(&r->o, 0, sizeof(r->o));
		r->o.verdict = V_ERROR;
		r->o.failed_step = -1;
		r->o.clause_index = -1;
		if (s->killed)
			snprintf(r->o.message, sizeof(r->o.message),
				 "the implementation did not finish within %.1f s (killed)", timeout);
		else if (WIFSIGNALED(status))
			snprintf(r->o.message, sizeof(r->o.message),
				 "the implementation crashed: signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		else
			snprintf(r->o.message, sizeof(r->o.message),
				 "the case process ended abnormally (exit status %d, %zu of %zu result bytes)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, s->got, sizeof(s->out));
		r->o.ms = (now_s() - s->start) * 1e3;
	}
	s->pid = 0;
}

void run_points(struct case_result *res, size_t n, const struct run_opts *o)
{
	struct slot slots[MAX_JOBS];
	unsigned jobs = o->jobs ? o->jobs : 1, i;
	size_t next = 0, done = 0;
	double timeout = o->timeout_s > 0 ? o->timeout_s : 10.0;

	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	memset(slots, 0, sizeof(slots));
	for (i = 0; i < jobs; i++)
		slots[i].fd = -1;
	while (done < n) {
		struct pollfd pfd[MAX_JOBS];
		unsigned map[MAX_JOBS], np = 0;
		double t = now_s();

		for (i = 0; i < jobs && next < n; i++) {
			if (slots[i].pid)
				continue;
			if (start(&slots[i], &res[next], next, o->env) != 0) {
				struct case_outcome *oc = &res[next].o;

				memset(oc, 0, sizeof(*oc));
				oc->verdict = V_ERROR;
				oc->failed_step = oc->clause_index = -1;
				snprintf(oc->message, sizeof(oc->message), "cannot fork: %s",
					 strerror(errno));
				next++;
				done++;
				continue;
			}
			next++;
		}
		for (i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			if (!slots[i].killed && t - slots[i].start > timeout) {
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
			rd = read(s->fd, (char *)&s->out + s->got,
				  s->got < sizeof(s->out) ? sizeof(s->out) - s->got : 1);
			if (rd > 0 && s->got + (size_t)rd <= sizeof(s->out)) {
				s->got += (size_t)rd;
				continue;
			}
			if (rd < 0 && errno == EINTR)
				continue;
			finish(s, &res[s->idx], timeout);
			done++;
			if (o->progress)
				o->progress(o->progress_ctx, done, n, &res[s->idx]);
		}
	}
}
