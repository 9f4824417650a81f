/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `virtiocheck crash2case FILE [--target fuzz_split_device] [-o OUT.yaml]`:
 * a fuzz_split_device input as a readable regression case in the spec-case
 * format (docs/spec-case-format.md).
 */
#ifndef VIRTIOCHECK_CRASH2CASE_H
#define VIRTIOCHECK_CRASH2CASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Write the case for input data[0..n) to f. The case reproduces the ring
 * state the target's driver writes (descriptor table, indirect tables up to
 * 32 entries, avail ring, flags, idx and used_event, features, queue size),
 * kicks, and expects that the device wrote only what it was given writable,
 * then the liveness probe. A comment header names the input (FNV-1a 64 of
 * its bytes), the target's oracles and whatever the case format cannot
 * reproduce exactly (ring placement, refused configurations, region edges).
 * name: shown in the header. 0, or -1 on a write error.
 */
int crash2case_split(const uint8_t *data, size_t n, const char *name, FILE *f);

/* The subcommand; argv[0] is the first argument after "crash2case". */
int crash2case_main(int argc, char **argv);

#endif
