// SPDX-License-Identifier: Apache-2.0
/*
 * The raw virtio-blk request decoder of fuzz_blk_request's input (see
 * blk_req_input.h). Reads are in a fixed order, so an input decodes to the
 * same request in the fuzz target and in `virtiocheck replay`.
 */
#include <string.h>

#include "blk.h"
#include "blk_req_input.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

static uint64_t pick_sector(struct fin *f, uint64_t cap)
{
	uint8_t m = fin_u8(f);

	switch (m & 7) {
	case 0: case 1: case 2:
		return (uint64_t)(m >> 3) % (cap + 1);
	case 3:
		return cap - (m >> 3) % 3; /* 0..2 below capacity, maybe 0 */
	case 4:
		return cap + (m >> 3);
	case 5:
		return UINT64_MAX - (m >> 3);
	case 6:
		return (1ull << 55) + (m >> 3); /* sector * 512 overflows */
	default:
		return fin_u64(f);
	}
}

static uint32_t pick_len(struct fin *f, uint64_t len_cap)
{
	uint8_t m = fin_u8(f);

	switch (m & 3) {
	case 0: case 1:
		return (uint32_t)((m >> 2) % (len_cap + 3)) * BLK_REQ_SECT;
	case 2:
		return (uint32_t)(m >> 2) % 8 * BLK_REQ_SECT;
	default:
		return (uint32_t)fin_u16(f) % BLK_REQ_DATA_MAX;
	}
}

/* where a buffer of len bytes is split into descriptors: ascending cuts */
static void pick_cuts(struct fin *f, uint32_t len, uint32_t *cuts, unsigned *n)
{
	unsigned k = fin_u8(f) % (BLK_REQ_CUTS_MAX + 1), i;
	uint32_t prev = 0;

	for (i = 0; i < k; i++) {
		uint32_t span = len - prev;

		cuts[i] = prev + (span ? (uint32_t)(fin_u16(f) % (span + 1)) : 0);
		prev = cuts[i];
	}
	*n = k;
}

static void st32(uint8_t *p, uint32_t v)
{
	le32 x = cpu_to_le32(v);

	memcpy(p, &x, 4);
}

static void st64(uint8_t *p, uint64_t v)
{
	le64 x = cpu_to_le64(v);

	memcpy(p, &x, 8);
}

void blk_req_decode(struct fin *f, uint64_t cap, uint64_t len_cap, struct blk_req *q,
		    uint8_t *out)
{
	static const uint32_t types[12] = {
		VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID,
		VIRTIO_BLK_T_GET_LIFETIME, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
		VIRTIO_BLK_T_SECURE_ERASE, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_IN,
		VIRTIO_BLK_T_OUT,
	};
	uint8_t tb = fin_u8(f), shape = fin_u8(f);
	uint32_t hdr_len = 16, i;
	bool no_status = false;

	memset(q, 0, sizeof(*q));
	q->tb = tb;
	q->shape = shape;
	q->type = (tb & 15) < 12 ? types[tb & 15] : fin_u32(f);
	q->reserved = (tb & 0x10) ? fin_u32(f) : 0;
	q->sector = pick_sector(f, cap);
	if (q->type == VIRTIO_BLK_T_FLUSH && !(tb & 0x20))
		q->sector = 0;
	/* data: the natural direction of the type, or the other one */
	switch (q->type) {
	case VIRTIO_BLK_T_IN:
		q->data_in = pick_len(f, len_cap);
		break;
	case VIRTIO_BLK_T_OUT:
		q->data_out = pick_len(f, len_cap);
		break;
	case VIRTIO_BLK_T_GET_ID:
		q->data_in = (tb & 0x40) ? fin_u8(f) % 40 : VIRTIO_BLK_ID_BYTES;
		break;
	case VIRTIO_BLK_T_GET_LIFETIME:
		q->data_in = (tb & 0x40) ? fin_u8(f) % 16
					 : (uint32_t)sizeof(struct virtio_blk_lifetime);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
	case VIRTIO_BLK_T_SECURE_ERASE:
		q->nseg = fin_u8(f) % (BLK_REQ_SEGS_MAX + 1);
		for (i = 0; i < q->nseg; i++) {
			uint8_t fm = fin_u8(f);

			q->segs[i].sector = pick_sector(f, cap);
			q->segs[i].num = (fm & 0x80) ? fin_u32(f) : fin_u8(f) % (len_cap + 2);
			q->segs[i].flags = (fm & 3) == 3 ? fin_u32(f) : (fm & 1);
		}
		q->data_out = q->nseg * 16u;
		if ((tb & 0x40) && q->data_out)
			q->data_out -= 1 + fin_u8(f) % 15; /* not a whole segment */
		break;
	default:
		break;
	}
	if (shape & 0x01) { /* data in the other direction too */
		uint32_t extra = pick_len(f, len_cap) % 2048;

		if (shape & 0x02)
			q->data_in += extra;
		else
			q->data_out += extra;
	}
	if (q->data_out > BLK_REQ_DATA_MAX)
		q->data_out = BLK_REQ_DATA_MAX;
	if (q->data_in > BLK_REQ_DATA_MAX)
		q->data_in = BLK_REQ_DATA_MAX;
	if ((shape & 0x0c) == 0x0c) { /* malformed framing */
		if (shape & 0x10) {
			hdr_len = fin_u8(f) % 16;
			q->data_out = 0;
		} else {
			no_status = true;
			q->data_in = 0;
		}
	}
	q->out_len = hdr_len + q->data_out;
	q->in_len = no_status ? 0 : q->data_in + 1;

	st32(out, q->type);
	st32(out + 4, q->reserved);
	st64(out + 8, q->sector);
	for (i = 0; i < q->data_out; i++)
		out[16 + i] = (uint8_t)(i * 37u + tb + shape + (i >> 9));
	for (i = 0; i < q->nseg && 16u * (i + 1) <= q->data_out; i++) {
		st64(out + 16 + 16 * i, q->segs[i].sector);
		st32(out + 24 + 16 * i, q->segs[i].num);
		st32(out + 28 + 16 * i, q->segs[i].flags);
	}
	pick_cuts(f, q->out_len, q->out_cuts, &q->n_out_cuts);
	pick_cuts(f, q->in_len, q->in_cuts, &q->n_in_cuts);
}
