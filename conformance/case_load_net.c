// SPDX-License-Identifier: Apache-2.0
/* Parsing of the net_* steps and the net expectation (case_net.h). */
#include "case_net.h"
#include "case_load_priv.h"

int cl_parse_net_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_net **out)
{
	(void)v;
	*out = NULL;
	return cl_bad(x, key, "unknown step '%s' (the net device has no steps yet)", name);
}

int cl_parse_net_expect(struct lctx *x, const struct ynode *v, struct expect_net **out)
{
	*out = NULL;
	return cl_bad(x, v, "the net device has no expectations yet");
}
