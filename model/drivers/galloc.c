// SPDX-License-Identifier: Apache-2.0
#include "galloc.h"

void galloc_init(struct galloc *a, const gm_t *gm, uint64_t reserve_low)
{
	a->gm = gm;
	a->reserve_low = reserve_low ? reserve_low : 1;
	galloc_reset(a);
}

void galloc_reset(struct galloc *a)
{
	a->region = 0;
	a->next = gm_region(a->gm, 0)->gpa + a->reserve_low;
}

uint64_t galloc_alloc(struct galloc *a, uint64_t size, uint64_t align)
{
	if (!size || !align || (align & (align - 1)))
		return 0;
	while (a->region < gm_region_count(a->gm)) {
		const struct gm_region_info *r = gm_region(a->gm, a->region);
		uint64_t end = r->gpa + r->size, at;

		if (__builtin_add_overflow(a->next, align - 1, &at))
			return 0;
		at &= ~(align - 1);
		if (at < end && size <= end - at) {
			a->next = at + size;
			return at;
		}
		if (++a->region < gm_region_count(a->gm))
			a->next = gm_region(a->gm, a->region)->gpa;
	}
	return 0;
}
