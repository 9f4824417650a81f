/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Oracle failures in fuzz targets: print the clause the model broke and
 * abort, so libFuzzer saves the input and the replay build fails.
 */
#ifndef VIRTIOCHECK_FUZZ_ORACLE_H
#define VIRTIOCHECK_FUZZ_ORACLE_H

#include <stdio.h>
#include <stdlib.h>

#define ORACLE(cond, clause, ...)                                                   \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "ORACLE FAILURE [%s] %s:%d: ", (clause),    \
				__FILE__, __LINE__);                                \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* A cursor over the fuzz input: reads past the end yield zeros. */
struct fin {
	const unsigned char *p;
	size_t n, off;
};

static inline unsigned char fin_u8(struct fin *f)
{
	return f->off < f->n ? f->p[f->off++] : 0;
}

static inline unsigned short fin_u16(struct fin *f)
{
	unsigned short lo = fin_u8(f);

	return (unsigned short)(lo | (unsigned short)fin_u8(f) << 8);
}

static inline unsigned int fin_u32(struct fin *f)
{
	unsigned int lo = fin_u16(f);

	return lo | (unsigned int)fin_u16(f) << 16;
}

static inline unsigned long long fin_u64(struct fin *f)
{
	unsigned long long lo = fin_u32(f);

	return lo | (unsigned long long)fin_u32(f) << 32;
}

static inline int fin_done(const struct fin *f)
{
	return f->off >= f->n;
}

#endif
