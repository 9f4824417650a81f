/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Executes one case point in the calling process against the reference
 * model target: builds a fresh device/driver pair, plays the steps, checks
 * the expectations. The runner calls it in a forked child.
 */
#ifndef VIRTIOCHECK_EXEC_H
#define VIRTIOCHECK_EXEC_H

#include "case.h"
#include "result.h"

void exec_point(const struct case_point *p, struct case_outcome *o);

#endif
