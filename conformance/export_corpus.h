/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `virtiocheck export-corpus [--out DIR] [--catalogue FILE] PATH...`: the
 * device-role split-ring spec cases as fuzz_split_device inputs, so that the
 * fuzz corpus is seeded from the cases.
 */
#ifndef VIRTIOCHECK_EXPORT_CORPUS_H
#define VIRTIOCHECK_EXPORT_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"

/*
 * Translate one case point into a fuzz_split_device input: the steps up to
 * the first kick (buffer, table, desc, avail, avail_raw, avail_idx,
 * avail_flags, used_event; init without options) become the target's
 * descriptor records (raw addresses, lengths, flags and next), indirect
 * tables (in their slots) and available ring; case buffers are placed in the
 * target's regions the way the case places them (the allocator's from the
 * bottom of R0, `region: N` from the top of R0 or R3, so that region ends
 * stay region ends). Returns the input's length, or 0 when the point cannot
 * be expressed (another step kind, a queue size above 256, more than four
 * tables, buffers that do not fit); *why then says why.
 */
size_t export_split_point(const struct case_point *pt, uint8_t *out, size_t cap,
			  const char **why);

/* The subcommand; argv[0] is the first argument after "export-corpus". */
int export_corpus_main(int argc, char **argv);

#endif
