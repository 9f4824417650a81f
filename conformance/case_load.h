/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec-case loader: YAML files -> struct vc_case, validated against the
 * schema of docs/spec-case-format.md and the clause catalogue. Every error is
 * one line "file:line:col: message".
 */
#ifndef VIRTIOCHECK_CASE_LOAD_H
#define VIRTIOCHECK_CASE_LOAD_H

#include <stddef.h>

#include "case.h"
#include "catalogue.h"

struct case_set {
	size_t n, cap;
	struct vc_case *cases;
	size_t n_files;
	char **files;             /* owned paths, referenced by vc_case.file */
};

/* Load one file or every *.yaml below a directory (sorted). 0 or -1. */
int case_load_path(struct case_set *set, const char *path, const struct catalogue *cat,
		   char *err, size_t errlen);
/* Load from memory (for tests and the fuzzer). */
int case_load_buffer(struct case_set *set, const char *name, const unsigned char *buf,
		     size_t len, const struct catalogue *cat, char *err, size_t errlen);
void case_set_free(struct case_set *set);

/* Expand a case's matrix; returns the number of points (<= max). */
unsigned case_expand(const struct vc_case *c, struct case_point *pts, unsigned max);

/* Name tables shared with the runner and reports. */
const char *case_feature_name(unsigned bit);
const char *case_step_name(enum step_kind k);

#endif
