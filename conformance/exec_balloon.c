// SPDX-License-Identifier: Apache-2.0
/* The balloon device in the model executor (case_balloon.h). */
#include "case_balloon.h"
#include "exec_priv.h"

/* ops stays NULL until the balloon device exists: no pair can be built */
const struct exec_device exec_balloon_device = { .name = "balloon" };

void exec_balloon_detach(struct xstate *x)
{
	x->balloon_x = NULL;
}

int exec_balloon_step(struct xstate *x, const struct case_step *s)
{
	(void)s;
	return xfail(x, V_ERROR, NULL, "balloon steps are not implemented");
}

int exec_balloon_expect(struct xstate *x, const struct step_expect *e)
{
	(void)e;
	return xfail(x, V_ERROR, NULL, "balloon expectations are not implemented");
}
