/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the structure-aware custom mutators (fsd_mutate.c,
 * neg_mutate.c): a PRNG seeded from libFuzzer's seed argument (so a mutation
 * is deterministic given the seed), libFuzzer's byte mutator as a weak
 * symbol (absent in the standalone replay build), and the switch that turns
 * the structured mutations off: VC_FUZZ_CUSTOM_MUTATOR=0 in the environment
 * (read once, in LLVMFuzzerInitialize) leaves only byte mutations, for
 * comparisons.
 */
#ifndef VIRTIOCHECK_FUZZ_MUTATE_H
#define VIRTIOCHECK_FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size,
				 unsigned int seed);

/* read VC_FUZZ_CUSTOM_MUTATOR; called from each target's LLVMFuzzerInitialize */
void fsd_mutator_init(void);
void neg_mutator_init(void);

struct mrng {
	uint64_t s;
};

static inline void mrng_seed(struct mrng *r, unsigned int seed)
{
	r->s = 0x9e3779b97f4a7c15ull * ((uint64_t)seed + 1) ^ 0xd1b54a32d192ed03ull;
}

/* splitmix64 */
static inline uint64_t mrng_next(struct mrng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform-ish in [0, n), n > 0 */
static inline uint32_t mrng_below(struct mrng *r, uint32_t n)
{
	return (uint32_t)(mrng_next(r) % n);
}

/* 1 with probability 1/n */
static inline int mrng_one_in(struct mrng *r, uint32_t n)
{
	return mrng_below(r, n) == 0;
}

/* Is the structured mutator on? (default yes) */
static inline int mutator_enabled_from_env(void)
{
	const char *e = getenv("VC_FUZZ_CUSTOM_MUTATOR");

	return !e || atoi(e) != 0;
}

/* Byte-level mutation: libFuzzer's when linked, else a few random byte
 * writes (the standalone build never calls the mutator; this keeps it
 * well-defined). */
static inline size_t mutate_bytes(struct mrng *r, uint8_t *data, size_t size, size_t max)
{
	unsigned k;

	if (LLVMFuzzerMutate)
		return LLVMFuzzerMutate(data, size, max);
	if (!size)
		return 0;
	for (k = 0; k < 4; k++)
		data[mrng_below(r, (uint32_t)size)] = (uint8_t)mrng_next(r);
	return size;
}

/* Byte-level crossover (what the mutators do when switched off): a prefix
 * of one input and a suffix of the other. */
static inline size_t splice_bytes(struct mrng *r, const uint8_t *a, size_t na, const uint8_t *b,
				  size_t nb, uint8_t *out, size_t max)
{
	size_t i = na ? mrng_below(r, (uint32_t)na + 1) : 0;
	size_t j = nb ? mrng_below(r, (uint32_t)nb + 1) : 0;
	size_t n = i + (nb - j) < max ? i + (nb - j) : max;

	if (i > n)
		i = n;
	memcpy(out, a, i);
	memcpy(out + i, b + j, n - i);
	return n;
}

#endif
