/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict parsing of the values in a device's args string ("key=value,..."
 * handed to create()): the whole value must be a number (decimal, or hex
 * with 0x) within [0, max], or "on"/"off". Anything else is refused, so a
 * case or command line with a typo fails at create() rather than running
 * with a default.
 */
#ifndef VIRTIOCHECK_DEV_ARGS_H
#define VIRTIOCHECK_DEV_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* 0, or -1 (nothing stored) for an empty string, another character, or a
 * value above max; no overflow for any max. */
int dev_arg_u64(const char *s, uint64_t max, uint64_t *out);
int dev_arg_u32(const char *s, uint32_t max, uint32_t *out);
/* "on" -> true, "off" -> false; 0 or -1. */
int dev_arg_onoff(const char *s, bool *out);

#endif
