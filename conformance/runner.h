/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs case points, each in a forked child with a time limit, up to `jobs`
 * at a time. A child that crashes or hangs yields an ERROR verdict; the
 * runner itself never dies with the implementation under test.
 */
#ifndef VIRTIOCHECK_RUNNER_H
#define VIRTIOCHECK_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "exec.h"
#include "result.h"

struct run_opts {
	unsigned jobs;
	double timeout_s;
	const struct exec_env *env;     /* handed to every point; NULL: defaults */
	void (*progress)(void *ctx, size_t done, size_t total, const struct case_result *r);
	void *progress_ctx;
};

/* Fills res[i].o for every res[i].point. */
void run_points(struct case_result *res, size_t n, const struct run_opts *o);

#endif
