// SPDX-License-Identifier: Apache-2.0
/* The gpu device in the model executor (case_gpu.h). */
#include "case_gpu.h"
#include "exec_priv.h"

/* ops stays NULL until the gpu device exists: no pair can be built */
const struct exec_device exec_gpu_device = { .name = "gpu" };

void exec_gpu_detach(struct xstate *x)
{
	x->gpu_x = NULL;
}

int exec_gpu_step(struct xstate *x, const struct case_step *s)
{
	(void)s;
	return xfail(x, V_ERROR, NULL, "gpu steps are not implemented");
}

int exec_gpu_expect(struct xstate *x, const struct step_expect *e)
{
	(void)e;
	return xfail(x, V_ERROR, NULL, "gpu expectations are not implemented");
}
