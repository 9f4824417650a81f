// SPDX-License-Identifier: Apache-2.0
/* Parsing of the gpu_* steps and the gpu expectation (case_gpu.h). */
#include "case_gpu.h"
#include "case_load_priv.h"

int cl_parse_gpu_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_gpu **out)
{
	(void)v;
	*out = NULL;
	return cl_bad(x, key, "unknown step '%s' (the gpu device has no steps yet)", name);
}

int cl_parse_gpu_expect(struct lctx *x, const struct ynode *v, struct expect_gpu **out)
{
	*out = NULL;
	return cl_bad(x, v, "the gpu device has no expectations yet");
}
