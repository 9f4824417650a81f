/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The input format of fuzz_split_device (see the comment at the top of
 * fuzz/fuzz_split_device.c) as a structure: decode (bytes -> struct, the
 * decoder the target runs), encode (struct -> bytes, for the custom mutator
 * and `virtiocheck export-corpus`), and materialize (struct -> the ring state
 * the target's driver writes: descriptor table, indirect tables, available
 * ring and ring placement, for the target and `virtiocheck crash2case`).
 *
 * decode(encode(s)) == s for a normalized s, and encode(decode(b)) runs the
 * same as b: the decoder reads missing bytes as zeros and stops its loops at
 * the end of the input exactly as the target does.
 */
#ifndef VIRTIOCHECK_FUZZ_FSD_INPUT_H
#define VIRTIOCHECK_FUZZ_FSD_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSD_NREG    4
#define FSD_QMAX    256
#define FSD_NTAB    4
#define FSD_REC_MAX 255   /* records per table: a u8 count */
#define FSD_TAB_MAX 264   /* entries written per indirect table */
#define FSD_ACT_MAX (FSD_QMAX + 1)

/* feat bits */
#define FSD_F_EVENT_IDX 0x01
#define FSD_F_INDIRECT  0x02
#define FSD_F_WORLD_B   0x04
#define FSD_F_PLACE     0x08
#define FSD_F_NOTIFYOFF 0x10
#define FSD_F_BOGUS     0x20
#define FSD_F_RAWPLACE  0x40
#define FSD_F_CFGSIZE   0x80

/* the guest memory of both worlds: R0, R1 (adjacent), R2, R3 above 4 GiB */
#define FSD_R0_GPA 0x10000ull
#define FSD_R1_GPA 0x12000ull
#define FSD_R2_GPA 0x100000ull
#define FSD_R3_GPA 0x100000000ull
#define FSD_RSZ    0x2000ull
#define FSD_BIG_R3 0x4000000ull

/* One run of descriptors (see "record" in the input format). */
struct fsd_rec {
	uint8_t asel, lsel, fb, nb, rep_raw;
	uint16_t aoff, lval, raw_next;
	uint32_t raw_len;
	uint64_t raw_addr;
};

struct fsd_table {
	uint8_t pk;
	uint16_t poff;
	unsigned nrec;
	struct fsd_rec rec[FSD_REC_MAX];
};

struct fsd_input {
	uint8_t qsel, feat;
	uint16_t cfg_raw;                        /* feat & 128 */
	uint8_t place_sel[3];                    /* feat & (64 | 8) */
	uint16_t place_off[3];
	unsigned nrec;
	struct fsd_rec rec[FSD_REC_MAX];
	uint8_t ntab_raw;                        /* ntab_raw % 5 tables follow */
	struct fsd_table tab[FSD_NTAB];
	uint8_t amode, nent_raw;
	uint16_t used_event, raw_idx, raw_flags;
	unsigned nent;                           /* entries present */
	uint8_t ent[FSD_QMAX];
	uint8_t bkind, bat, order;
	uint32_t bval;
	unsigned nact;                           /* (act, val) pairs, one per pop */
	uint8_t act[FSD_ACT_MAX], val[FSD_ACT_MAX];
};

/* Region and hole geometry of one world. */
struct fsd_layout {
	uint64_t r_gpa[FSD_NREG], r_size[FSD_NREG];
	uint64_t hole_lo[FSD_NREG], hole_last[FSD_NREG];
};

/* The ring state an input makes (little-endian images as in guest memory). */
struct fsd_state {
	unsigned world;                          /* 0: S (tracked), 1: B (big R3) */
	uint16_t size, qindex, cfg_size;         /* cfg_size != size: must be refused */
	bool event_idx, indirect, notify_off, bogus;
	uint64_t ring[4];                        /* desc, avail, used, used + 4 */
	unsigned n_desc;                         /* main-table entries written */
	uint8_t desc_img[16 * FSD_QMAX];
	unsigned ntab;
	uint64_t tab_gpa[FSD_NTAB];
	uint32_t tab_n[FSD_NTAB];                /* entries of each table */
	unsigned tab_written[FSD_NTAB];          /* entries written (>= 1 when ntab) */
	uint8_t tab_img[FSD_NTAB][16 * FSD_TAB_MAX];
	uint16_t avail_idx, avail_flags, used_event;
	unsigned nent;                           /* ring entries written (others 0) */
	uint8_t avail_img[6 + 2 * FSD_QMAX];     /* flags, idx, ring[size], used_event */
};

const struct fsd_layout *fsd_layout(unsigned world);

/* The queue size an input asks for (qsel & 15). */
uint16_t fsd_size(uint8_t qsel);
/* How many avail entries the target reads for this nent byte. */
unsigned fsd_nent_of(uint8_t nent_raw, uint16_t size);
/* Descriptors a record writes (rep_raw decoded). */
unsigned fsd_rep_count(uint8_t rep_raw);

void fsd_decode(const uint8_t *data, size_t size, struct fsd_input *s);
/* Make the counts consistent (nent with the queue size, table count). */
void fsd_normalize(struct fsd_input *s);
/* Encode a normalized input; returns the length, or 0 if it needs more than
 * cap bytes. */
size_t fsd_encode(const struct fsd_input *s, uint8_t *out, size_t cap);

void fsd_materialize(const struct fsd_input *s, struct fsd_state *st);

/* Little-endian fields of the images above (and of ring bytes read back
 * next to them): descriptors, avail and used entries. */
static inline uint16_t fsd_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fsd_ld32(const uint8_t *p)
{
	return (uint32_t)fsd_ld16(p) | (uint32_t)fsd_ld16(p + 2) << 16;
}

static inline uint64_t fsd_ld64(const uint8_t *p)
{
	return (uint64_t)fsd_ld32(p) | (uint64_t)fsd_ld32(p + 4) << 32;
}

#endif
