// SPDX-License-Identifier: Apache-2.0
/*
 * Structure-aware mutator of fuzz_negotiation: splits the input into its
 * operations (neg_op_len, the split the target itself checks), and
 * mutates whole operations: delete, duplicate, move (which reorders status
 * writes against feature, queue and reset operations), insert one from a
 * table of meaningful templates (status writes in and out of the 3.1.1
 * order, reset, feature words with a bit toggled, queue set-up, enable,
 * notify, the whole initialization, a device reopened with other offer
 * bits, PCI_CFG window accesses), toggle a feature bit or a status bit
 * inside an operation, or re-roll an operation's value. Packed-aware ones:
 * reopen with RING_PACKED in the offer, flip a reopen's layout bit or a
 * ring set-up's layout choice, give a packed ring an odd size (not a power
 * of two), write the packed driver event suppression structure (ENABLE,
 * DISABLE, DESC with an off/wrap near the ring position, the reserved value)
 * or toggle its mode. One input in eight (and every one that would not fit)
 * gets libFuzzer's byte mutations.
 */
#include <stdint.h>
#include <string.h>

#include "mutate.h"
#include "neg_ops.h"

#define NOPS 200

struct nop {
	uint8_t n;
	uint8_t b[NEG_OP_MAXLEN];
};

static struct nop ops_a[NOPS], ops_b[NOPS];
static int neg_mutator_on = 1;

void neg_mutator_init(void)
{
	neg_mutator_on = mutator_enabled_from_env();
}

/* the operations of an input; trailing bytes of a cut operation kept */
static unsigned split(const uint8_t *p, size_t n, struct nop *ops)
{
	size_t off = 0;
	unsigned k = 0;

	while (off < n && k < NOPS) {
		size_t len = neg_op_len(p + off, n - off), m = len < n - off ? len : n - off;

		ops[k].n = (uint8_t)len;
		memset(ops[k].b, 0, sizeof(ops[k].b));
		memcpy(ops[k].b, p + off, m);
		off += m;
		k++;
	}
	return k;
}

static size_t join(const struct nop *ops, unsigned k, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < k; i++) {
		if (n + ops[i].n > max)
			return 0;
		memcpy(out + n, ops[i].b, ops[i].n);
		n += ops[i].n;
	}
	return n;
}

/* a value (pick_value encoding) written at b; returns its length */
static uint8_t value_template(struct mrng *r, uint8_t *b)
{
	switch (mrng_below(r, 6)) {
	case 0: /* a status combination */
		b[0] = 0;
		b[1] = (uint8_t)mrng_below(r, 16);
		return 2;
	case 1: /* the offered feature word (lo/hi), masked or with a bit added */
		b[0] = 1;
		b[1] = (uint8_t)(mrng_below(r, 2) | mrng_below(r, 4) << 1);
		switch ((b[1] >> 1) % 4) {
		case 1:
			memset(b + 2, 0xff, 4);
			b[2 + mrng_below(r, 4)] ^= (uint8_t)(1u << mrng_below(r, 8));
			return 6;
		case 2:
			b[2] = (uint8_t)mrng_below(r, 32);
			return 3;
		default:
			return 2;
		}
	case 2: /* a power of two */
		b[0] = 2;
		b[1] = (uint8_t)mrng_below(r, 64);
		return 2;
	case 3:
		b[0] = 3;
		b[1] = (uint8_t)mrng_below(r, 8);
		return 2;
	case 4:
		b[0] = 5;
		b[1] = (uint8_t)mrng_next(r);
		b[2] = (uint8_t)mrng_next(r);
		return 3;
	default:
		b[0] = 4;
		b[1] = (uint8_t)mrng_next(r);
		return 2;
	}
}

static void op_template(struct mrng *r, struct nop *o)
{
	uint8_t *b = o->b;

	memset(o, 0, sizeof(*o));
	switch (mrng_below(r, 15)) {
	case 0: /* status write from the table (0 = reset), sometimes read back */
		b[0] = (uint8_t)(5 | (mrng_one_in(r, 2) ? 0x80 : 0));
		b[1] = (uint8_t)mrng_below(r, 16);
		o->n = 2;
		break;
	case 1: /* a raw status byte */
		b[0] = 6;
		b[1] = 0x80;
		b[2] = (uint8_t)mrng_next(r);
		o->n = 3;
		break;
	case 2: /* a feature word */
		b[0] = 7;
		b[1] = (uint8_t)mrng_below(r, 8);
		o->n = (uint8_t)(2 + value_template(r, b + 2));
		break;
	case 3: /* a common-configuration field at its natural width */
		b[0] = (uint8_t)mrng_below(r, 3);
		b[1] = (uint8_t)mrng_below(r, 21);
		b[2] = (uint8_t)mrng_below(r, 6);
		o->n = (uint8_t)(3 + value_template(r, b + 3));
		break;
	case 4: /* read a common-configuration field */
		b[0] = 3;
		b[1] = (uint8_t)mrng_below(r, 21);
		b[2] = (uint8_t)mrng_below(r, 6);
		o->n = 3;
		break;
	case 5: /* ISR read */
		b[0] = 8;
		o->n = 2;
		break;
	case 6: /* notify */
		b[0] = 9;
		b[1] = (uint8_t)mrng_below(r, 3);
		o->n = 3;
		break;
	case 7: /* reopen with other parameters, RING_PACKED offered or not */
		b[0] = (uint8_t)(10 | 0x80 | (mrng_one_in(r, 2) ? 0x10 : 0));
		b[1] = (uint8_t)mrng_next(r);
		o->n = 2;
		break;
	case 8: /* PCI_CFG window */
		b[0] = 12;
		b[1] = (uint8_t)(mrng_next(r) & ~8u);
		b[2] = (uint8_t)mrng_next(r);
		b[3] = (uint8_t)mrng_next(r);
		o->n = 4;
		break;
	case 9: /* queue: set-up, post, reap, enable, notify, suppression, program */
		b[0] = 13;
		b[1] = (uint8_t)mrng_below(r, 8);
		b[2] = (uint8_t)mrng_below(r, 16);
		b[3] = (uint8_t)mrng_next(r);
		o->n = 4;
		break;
	case 12: /* reopen offering RING_PACKED, then initialize (packed unless
		  * feature byte bit 7) */
		b[0] = 10 | 0x80 | 0x10;
		b[1] = (uint8_t)mrng_next(r);
		o->n = 2;
		break;
	case 13: /* ring set-up: odd packed size, layout flipped or not */
		b[0] = 13;
		b[1] = 0;
		b[2] = (uint8_t)(mrng_one_in(r, 2) ? 0x80 | mrng_next(r) : mrng_below(r, 9));
		b[3] = (uint8_t)(1 | 4 | (mrng_one_in(r, 4) ? 8 : 0) | (mrng_one_in(r, 4) ? 2 : 0));
		o->n = 4;
		break;
	case 14: /* packed driver event suppression: flags, off/wrap */
		b[0] = 13;
		b[1] = 6;
		b[2] = (uint8_t)(2 | mrng_below(r, 4) << 2 | (mrng_next(r) & 0x30));
		b[3] = (uint8_t)mrng_next(r);
		o->n = 4;
		break;
	case 10: /* the whole initialization, stopping at some step */
		b[0] = 14;
		b[1] = (uint8_t)mrng_next(r);
		b[2] = (uint8_t)mrng_next(r);
		b[3] = (uint8_t)mrng_below(r, 16);
		o->n = 4;
		break;
	default: /* device configuration read */
		b[0] = 10;
		b[1] = 0;
		b[2] = (uint8_t)mrng_below(r, 16);
		o->n = 4;
		break;
	}
}

/* toggle a feature or status bit, or re-roll a value, inside op o */
static void op_tweak(struct mrng *r, struct nop *o)
{
	uint8_t kind = o->b[0] % 16;

	if ((kind == 5 || kind == 6) && !(o->b[1] & 0x80)) {
		o->b[1] = (uint8_t)((o->b[1] & 0xf0) | mrng_below(r, 16));
	} else if ((kind == 5 || kind == 6) && o->n >= 3) {
		o->b[2] ^= (uint8_t)(1u << mrng_below(r, 8));
	} else if (kind == 7) {
		uint8_t vb[NEG_OP_MAXLEN];
		uint8_t n;

		if (o->b[2] % 8 == 1 && (o->b[3] >> 1) % 4 == 1 && o->n >= 8) {
			o->b[4 + mrng_below(r, 4)] ^= (uint8_t)(1u << mrng_below(r, 8));
			return;
		}
		o->b[1] ^= (uint8_t)(1u << mrng_below(r, 3));
		n = value_template(r, vb);
		memcpy(o->b + 2, vb, n);
		o->n = (uint8_t)(2 + n);
	} else if (kind == 14) {
		o->b[2] ^= (uint8_t)(1u << mrng_below(r, 8)); /* features bits 24..31 */
		o->b[1] ^= (uint8_t)(1u << mrng_below(r, 8));
	} else if (kind == 10 && (o->b[0] & 0x80) && mrng_one_in(r, 2)) {
		o->b[0] ^= 0x10; /* RING_PACKED offered or withheld */
	} else if (kind == 13 && o->b[1] % 8 == 0 && mrng_one_in(r, 2)) {
		/* ring set-up: the layout choice, or an odd packed size */
		if (mrng_one_in(r, 2))
			o->b[3] ^= 8;
		else
			o->b[2] ^= 0x80;
	} else if (kind == 13 && o->b[1] % 8 == 6 && mrng_one_in(r, 2)) {
		/* event suppression: raw write or not, its mode, off/wrap */
		o->b[2] ^= (uint8_t)(mrng_one_in(r, 2) ? 2 : 4u << mrng_below(r, 4));
	} else if (o->n > 1) {
		o->b[1 + mrng_below(r, o->n - 1)] ^= (uint8_t)(1u << mrng_below(r, 8));
		/* the length may have changed: re-split */
		o->n = (uint8_t)neg_op_len(o->b, sizeof(o->b));
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct mrng r;
	unsigned n, k, m, i, j;
	size_t out;

	mrng_seed(&r, seed);
	if (!neg_mutator_on || mrng_one_in(&r, 8))
		return mutate_bytes(&r, data, size, max_size);
	n = split(data, size, ops_a);
	m = 1 + mrng_below(&r, 3);
	for (k = 0; k < m; k++) {
		struct nop t;

		switch (mrng_below(&r, 6)) {
		case 0: /* delete */
			if (n) {
				i = mrng_below(&r, n);
				memmove(&ops_a[i], &ops_a[i + 1], (n - i - 1) * sizeof(ops_a[0]));
				n--;
			}
			break;
		case 1: /* duplicate */
			if (n && n < NOPS) {
				i = mrng_below(&r, n);
				j = mrng_below(&r, n + 1);
				t = ops_a[i];
				memmove(&ops_a[j + 1], &ops_a[j], (n - j) * sizeof(ops_a[0]));
				ops_a[j] = t;
				n++;
			}
			break;
		case 2: /* move (reorder) */
			if (n >= 2) {
				i = mrng_below(&r, n);
				t = ops_a[i];
				memmove(&ops_a[i], &ops_a[i + 1], (n - i - 1) * sizeof(ops_a[0]));
				j = mrng_below(&r, n);
				memmove(&ops_a[j + 1], &ops_a[j], (n - 1 - j) * sizeof(ops_a[0]));
				ops_a[j] = t;
			}
			break;
		case 3:
		case 4: /* insert a template */
			if (n < NOPS) {
				j = mrng_below(&r, n + 1);
				op_template(&r, &t);
				memmove(&ops_a[j + 1], &ops_a[j], (n - j) * sizeof(ops_a[0]));
				ops_a[j] = t;
				n++;
			}
			break;
		default:
			if (n)
				op_tweak(&r, &ops_a[mrng_below(&r, n)]);
			break;
		}
	}
	out = join(ops_a, n, data, max_size);
	return out ? out : mutate_bytes(&r, data, size, max_size);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
	struct mrng r;
	unsigned na, nb, i, j, k;
	size_t n;

	mrng_seed(&r, seed);
	if (!neg_mutator_on)
		return splice_bytes(&r, data1, size1, data2, size2, out, max_out_size);
	na = split(data1, size1, ops_a);
	nb = split(data2, size2, ops_b);
	/* operations of the first up to i, then the second's from j */
	i = mrng_below(&r, na + 1);
	j = mrng_below(&r, nb + 1);
	for (k = j; k < nb && i < NOPS; k++)
		ops_a[i++] = ops_b[k];
	n = join(ops_a, i, out, max_out_size);
	return n ? n : splice_bytes(&r, data1, size1, data2, size2, out, max_out_size);
}
