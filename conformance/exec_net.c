// SPDX-License-Identifier: Apache-2.0
/* The net device in the model executor (case_net.h). */
#include "case_net.h"
#include "exec_priv.h"

/* ops stays NULL until the net device exists: no pair can be built */
const struct exec_device exec_net_device = { .name = "net" };

void exec_net_detach(struct xstate *x)
{
	x->net_x = NULL;
}

int exec_net_step(struct xstate *x, const struct case_step *s)
{
	(void)s;
	return xfail(x, V_ERROR, NULL, "net steps are not implemented");
}

int exec_net_expect(struct xstate *x, const struct step_expect *e)
{
	(void)e;
	return xfail(x, V_ERROR, NULL, "net expectations are not implemented");
}
