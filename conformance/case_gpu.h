/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gpu_* steps and gpu expectations (docs/spec-case-format.md, "gpu
 * steps"). Both structures are flat: case_set_free() releases them with one
 * free(). Not designed yet: the gpu device's helper owns this file.
 */
#ifndef VIRTIOCHECK_CASE_GPU_H
#define VIRTIOCHECK_CASE_GPU_H

#include "case.h"

struct step_gpu {
	int op;
};

struct expect_gpu {
	int what;
};

#endif
