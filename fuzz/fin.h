/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cursor over a fuzz input, shared by the fuzz targets and by the tools
 * that decode their corpora (virtiocheck replay).
 */
#ifndef VIRTIOCHECK_FUZZ_FIN_H
#define VIRTIOCHECK_FUZZ_FIN_H

#include <stddef.h>

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
