/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw virtio-blk request of fuzz_blk_request's input, decoded once for
 * both of its readers: the fuzz target and `virtiocheck replay`'s blk format
 * (conformance/replay_blk.c). One decoder, so a corpus entry means the same
 * request to both.
 */
#ifndef VIRTIOCHECK_FUZZ_BLK_REQ_INPUT_H
#define VIRTIOCHECK_FUZZ_BLK_REQ_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fin.h"

#define BLK_REQ_SECT     512u
#define BLK_REQ_CAP_MAX  64u  /* the fuzzer's largest disk, in sectors */
#define BLK_REQ_DATA_MAX ((BLK_REQ_CAP_MAX + 8u) * BLK_REQ_SECT)
#define BLK_REQ_SEGS_MAX 8u
#define BLK_REQ_CUTS_MAX 4

struct blk_req_seg {
	uint64_t sector;
	uint32_t num, flags;
};

struct blk_req {
	uint8_t tb, shape;     /* the type and shape bytes as read */
	uint32_t type, reserved;
	uint64_t sector;
	uint32_t data_out, data_in; /* data bytes after the header / before the status */
	uint32_t out_len, in_len;   /* device-readable and device-writable bytes */
	unsigned nseg;              /* discard / write zeroes segments */
	struct blk_req_seg segs[BLK_REQ_SEGS_MAX];
	uint32_t out_cuts[BLK_REQ_CUTS_MAX], in_cuts[BLK_REQ_CUTS_MAX];
	unsigned n_out_cuts, n_in_cuts;
};

/*
 * Read one raw request from f into q and its device-readable bytes
 * (header, data, segments; q->out_len of them) into out, which holds
 * 16 + BLK_REQ_DATA_MAX. Sectors are picked around cap (the disk's
 * capacity in sectors); lengths scale with len_cap, the fuzzer's capacity
 * (a replay against a larger disk passes at most BLK_REQ_CAP_MAX, so the
 * lengths stay the fuzzer's).
 */
void blk_req_decode(struct fin *f, uint64_t cap, uint64_t len_cap, struct blk_req *q,
		    uint8_t *out);

/* The request is malformed: no whole header, or no status byte. */
static inline bool blk_req_malformed(const struct blk_req *q)
{
	return q->out_len < 16 || q->in_len == 0;
}

#endif
