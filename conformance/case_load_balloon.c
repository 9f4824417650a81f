// SPDX-License-Identifier: Apache-2.0
/* Parsing of the balloon_* steps and the balloon expectation (case_balloon.h). */
#include "case_balloon.h"
#include "case_load_priv.h"

int cl_parse_balloon_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_balloon **out)
{
	(void)v;
	*out = NULL;
	return cl_bad(x, key, "unknown step '%s' (the balloon device has no steps yet)", name);
}

int cl_parse_balloon_expect(struct lctx *x, const struct ynode *v, struct expect_balloon **out)
{
	*out = NULL;
	return cl_bad(x, v, "the balloon device has no expectations yet");
}
