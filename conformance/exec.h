/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Executes one case point in the calling process against the target (the
 * reference model, or a third-party device: conformance/target.h): builds a
 * fresh device/driver pair, plays the steps, checks the expectations. The
 * runner calls it in a forked child.
 */
#ifndef VIRTIOCHECK_EXEC_H
#define VIRTIOCHECK_EXEC_H

#include "case.h"
#include "result.h"

struct vc_target;

/* What a point runs against and where it may leave files. */
struct exec_env {
	/* the report directory: a point may write artifacts (a rendered
	 * scanout, ...) there and name them in case_outcome.artifact; NULL:
	 * no artifacts */
	const char *artifact_dir;
	/* the implementation under test (conformance/target.h) */
	const struct vc_target *target; /* NULL: model */
};

void exec_point(const struct case_point *p, const struct exec_env *env, struct case_outcome *o);

#endif
