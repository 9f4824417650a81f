/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_negotiation's input is a sequence of operations (see the comment at
 * the top of fuzz_negotiation.c). neg_op_len() gives the bytes one operation
 * takes, from its bytes alone, exactly as the target's decoder reads them;
 * the target checks that after every operation (so the two cannot drift),
 * and the custom mutator (neg_mutate.c) uses it to mutate whole operations.
 */
#ifndef VIRTIOCHECK_FUZZ_NEG_OPS_H
#define VIRTIOCHECK_FUZZ_NEG_OPS_H

#include <stddef.h>
#include <stdint.h>

#define NEG_OP_MAXLEN 16 /* 1 + 3 + a value of 1 + 8: 13 at most */

static inline uint8_t neg_byte(const uint8_t *p, size_t n, size_t i)
{
	return i < n ? p[i] : 0;
}

/* bytes taken by a value (pick_value) at p[i] */
static inline size_t neg_value_len(const uint8_t *p, size_t n, size_t i)
{
	static const uint8_t fixed[8] = { 2, 0, 2, 2, 2, 3, 5, 9 };
	uint8_t s = neg_byte(p, n, i);

	if (s % 8 == 1) {
		uint8_t k = neg_byte(p, n, i + 1);

		switch ((k >> 1) % 4) {
		case 1: return 2 + 4;
		case 2: return 2 + 1;
		default: return 2;
		}
	}
	return fixed[s % 8];
}

/* bytes taken by the operation at p[0] (n bytes available; bytes past the
 * end read as zero, as in the target) */
static inline size_t neg_op_len(const uint8_t *p, size_t n)
{
	uint8_t op = neg_byte(p, n, 0), s = neg_byte(p, n, 1);
	size_t len;

	switch (op % 16) {
	case 0: case 1: case 2:
		len = 1 + (s < 0xf0 ? 2 : 3);
		return len + neg_value_len(p, n, len);
	case 3: case 4:
		return 1 + (s < 0xf0 ? 2 : 3);
	case 5: case 6:
		return 2 + (s & 0x80 ? 1 : 0);
	case 7:
		return 2 + neg_value_len(p, n, 2);
	case 8:
		return 2;
	case 9:
		len = 2 + (s % 4 == 3 ? 1 : 0) + 1;
		return len + (s & 0x80 ? neg_value_len(p, n, len) : 0);
	case 10:
		if (op & 0x80)
			return 2;
		return 4 + (s & 1 ? neg_value_len(p, n, 4) : 0);
	case 11:
		return 4 + (s & 0x80 ? neg_value_len(p, n, 4) : 0);
	case 12:
		return 4 + (s & 8 ? neg_value_len(p, n, 4) : 0);
	case 13: case 14:
		return 4;
	default:
		return 4 + (s & 0x80 ? neg_value_len(p, n, 4) : 0);
	}
}

#endif
