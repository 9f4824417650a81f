// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "exec.h"
#include "forkpool.h"
#include "runner.h"

struct run_ctx {
	struct case_result *res;
	size_t n, done;
	const struct run_opts *o;
	double timeout;
};

static void run_child(void *ctx, size_t idx, void *out)
{
	struct run_ctx *rc = ctx;

	exec_point(&rc->res[idx].point, rc->o->env, out);
}

static void set_error(struct case_outcome *oc, double ms)
{
	memset(oc, 0, sizeof(*oc));
	oc->verdict = V_ERROR;
	oc->failed_step = oc->clause_index = -1;
	oc->ms = ms;
}

/* The child ended: what it sent, or a verdict on how it ended. */
static void run_done(void *ctx, size_t idx, const void *out, const struct forkpool_end *end)
{
	struct run_ctx *rc = ctx;
	struct case_outcome *oc = &rc->res[idx].o;

	if (end->complete) {
		memcpy(oc, out, sizeof(*oc));
	} else {
		set_error(oc, end->ms);
		if (end->fork_failed)
			snprintf(oc->message, sizeof(oc->message), "%s", end->err);
		else if (end->killed)
			snprintf(oc->message, sizeof(oc->message),
				 "the implementation did not finish within %.1f s (killed)", rc->timeout);
		else if (end->signal)
			snprintf(oc->message, sizeof(oc->message),
				 "the implementation crashed: signal %d (%s)", end->signal,
				 strsignal(end->signal));
		else
			snprintf(oc->message, sizeof(oc->message),
				 "the case process ended abnormally (exit status %d, %zu of %zu result bytes)",
				 end->exit_status, end->got, sizeof(*oc));
	}
	rc->done++;
	if (rc->o->progress)
		rc->o->progress(rc->o->progress_ctx, rc->done, rc->n, &rc->res[idx]);
}

void run_points(struct case_result *res, size_t n, const struct run_opts *o)
{
	static const struct forkpool_ops ops = { .child = run_child, .done = run_done };
	struct run_ctx rc = {
		.res = res, .n = n, .o = o, .timeout = o->timeout_s > 0 ? o->timeout_s : 10.0,
	};
	size_t i;

	if (forkpool_run(n, o->jobs, rc.timeout, sizeof(struct case_outcome), &ops, &rc) == 0)
		return;
	for (i = 0; i < n; i++) {
		set_error(&res[i].o, 0);
		snprintf(res[i].o.message, sizeof(res[i].o.message),
			 "out of memory for the runner's result buffers");
	}
}
