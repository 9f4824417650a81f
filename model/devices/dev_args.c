// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "dev_args.h"

int dev_arg_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, base = 10;

	if (!*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -1;
	}
	for (; *s; s++) {
		uint64_t dig;

		if (*s >= '0' && *s <= '9')
			dig = (uint64_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			dig = (uint64_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			dig = (uint64_t)(*s - 'A' + 10);
		else
			return -1;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, dig, &v) ||
		    v > max)
			return -1;
	}
	*out = v;
	return 0;
}

int dev_arg_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (dev_arg_u64(s, max, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int dev_arg_onoff(const char *s, bool *out)
{
	if (strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}
