/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pool of forked children, one per item, at most `jobs` at a time, each
 * within a time limit: the isolation of everything that runs an
 * implementation under test (a case point, a replayed corpus input). The
 * child computes a fixed-size result and sends it through a pipe; the
 * parent gets it with how the child ended. A child that crashes, hangs
 * (killed at the limit) or sends less is reported as such, never taken
 * for a result, and never takes the parent down.
 */
#ifndef VIRTIOCHECK_FORKPOOL_H
#define VIRTIOCHECK_FORKPOOL_H

#include <stdbool.h>
#include <stddef.h>

/* How one child ended. */
struct forkpool_end {
	bool complete;      /* exited 0 after sending the whole result */
	bool killed;        /* killed at the time limit */
	bool fork_failed;   /* no child: err says why */
	int signal;         /* the signal that ended it, or 0 */
	int exit_status;    /* its exit status, or -1 */
	size_t got;         /* result bytes received */
	double ms;          /* from fork to end */
	char err[96];
};

struct forkpool_ops {
	/* In the child: compute item idx's result into out (result_size bytes). */
	void (*child)(void *ctx, size_t idx, void *out);
	/* In the parent, once per item, in completion order: out holds the
	 * result when end->complete (else its first end->got bytes). */
	void (*done)(void *ctx, size_t idx, const void *out, const struct forkpool_end *end);
};

/* Run items 0..n-1. jobs is capped at FORKPOOL_MAX_JOBS; timeout_s > 0.
 * Returns 0, or -1 when the pool could not allocate its buffers (then no
 * item ran). */
#define FORKPOOL_MAX_JOBS 64
int forkpool_run(size_t n, unsigned jobs, double timeout_s, size_t result_size,
		 const struct forkpool_ops *ops, void *ctx);

#endif
