/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loader's schema helpers, shared by case_load.c and the device step
 * parsers (case_load_<device>.c). Each reports "file:line:col: message" at
 * the node through cl_bad() and returns -1.
 */
#ifndef VIRTIOCHECK_CASE_LOAD_PRIV_H
#define VIRTIOCHECK_CASE_LOAD_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "case.h"
#include "catalogue.h"
#include "ytree.h"

struct lctx {
	const char *file;
	const struct catalogue *cat;
	char *err;
	size_t errlen;
	int failed;
};

struct name_val {
	const char *name;
	uint64_t val;
};

__attribute__((format(printf, 3, 4)))
int cl_bad(struct lctx *x, const struct ynode *n, const char *fmt, ...);
const struct ynode *cl_map_get(const struct ynode *m, const char *key);
const char *cl_kind_name(const struct ynode *n);
int cl_want_kind(struct lctx *x, const struct ynode *n, enum ynode_kind k, const char *what);
/* m is a mapping whose keys are all in allowed (NULL-terminated), once. */
int cl_check_keys(struct lctx *x, const struct ynode *m, const char *what,
		  const char *const *allowed);
/* A device step's value: *v becomes NULL for a bare step (no value, or an
 * empty unquoted one), refused unless bare is allowed; otherwise its keys
 * must be among allowed. 0 or -1. */
int cl_step_value(struct lctx *x, const char *name, const struct ynode *key,
		  const struct ynode **v, bool bare, const char *const *allowed);
int cl_get_u64(struct lctx *x, const struct ynode *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out);
int cl_get_bool(struct lctx *x, const struct ynode *n, const char *what, bool *out);
int cl_get_str(struct lctx *x, const struct ynode *n, const char *what, char *dst, size_t size);
int cl_get_name(struct lctx *x, const struct ynode *n, const char *what, char *dst,
		size_t size);
int cl_lookup(struct lctx *x, const struct ynode *n, const char *what,
	      const struct name_val *tab, uint64_t *out);
int cl_get_cmp(struct lctx *x, const struct ynode *n, const char *what, struct case_cmp *c);
int cl_get_clause(struct lctx *x, const struct ynode *n, const char **out);
int cl_get_feature_bit(struct lctx *x, const struct ynode *n, uint64_t *bit);
/* A list of names from tab OR-ed into a mask, or (as_bit_numbers) of
 * features by name or bit number; a bare integer is the mask itself. */
int cl_get_bits(struct lctx *x, const struct ynode *n, const char *what,
		const struct name_val *tab, bool as_bit_numbers, uint64_t *out);
int cl_get_addr(struct lctx *x, const struct ynode *n, struct case_addr *a);
int cl_get_seg(struct lctx *x, const struct ynode *n, struct case_seg *s);
int cl_get_segs(struct lctx *x, const struct ynode *n, struct case_seg *out, unsigned *cnt);

#define GET_NUM(x, n, what, min, max, dst)                                 \
	({                                                                 \
		uint64_t v__;                                              \
		int r__ = cl_get_u64((x), (n), (what), (min), (max), &v__);   \
		if (!r__)                                                  \
			(dst) = (__typeof__(dst))v__;                      \
		r__;                                                       \
	})

/* Device step parsers: name is the step's key (e.g. "blk_request"), v its
 * value. 0 or -1. They allocate *out; case_set_free() frees it. */
int cl_parse_blk_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_blk **out);
int cl_parse_console_step(struct lctx *x, const char *name, const struct ynode *key,
			  const struct ynode *v, struct step_console **out);
int cl_parse_net_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_net **out);
int cl_parse_balloon_step(struct lctx *x, const char *name, const struct ynode *key,
			  const struct ynode *v, struct step_balloon **out);
int cl_parse_gpu_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_gpu **out);
/* Device expectations: the value of expect's "blk" / "console" / ... key. */
int cl_parse_net_expect(struct lctx *x, const struct ynode *v, struct expect_net **out);
int cl_parse_balloon_expect(struct lctx *x, const struct ynode *v,
			    struct expect_balloon **out);
int cl_parse_gpu_expect(struct lctx *x, const struct ynode *v, struct expect_gpu **out);
int cl_parse_blk_expect(struct lctx *x, const struct ynode *v, struct expect_blk **out);
int cl_parse_console_expect(struct lctx *x, const struct ynode *v,
			    struct expect_console **out);

#endif
