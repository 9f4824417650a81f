/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-memory allocator of the driver side: hands out aligned ranges of
 * guest-physical memory, region by region (a range never straddles a hole).
 * A bump allocator: drivers allocate at init and release everything at once.
 */
#ifndef VIRTIOCHECK_GALLOC_H
#define VIRTIOCHECK_GALLOC_H

#include <stdint.h>

#include "gm.h"

struct galloc {
	const gm_t *gm;
	unsigned region;   /* region currently allocated from */
	uint64_t next;     /* next free gpa in that region */
	uint64_t reserve_low; /* bytes at the start of region 0 never handed out */
};

void galloc_init(struct galloc *a, const gm_t *gm, uint64_t reserve_low);
void galloc_reset(struct galloc *a);
/* 0 on failure (gpa 0 is never handed out). align is a power of two. */
uint64_t galloc_alloc(struct galloc *a, uint64_t size, uint64_t align);

#endif
