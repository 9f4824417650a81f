/* SPDX-License-Identifier: Apache-2.0 */
/* blk_* steps and blk expectations (docs/spec-case-format.md, virtio-blk). */
#ifndef VIRTIOCHECK_CASE_BLK_H
#define VIRTIOCHECK_CASE_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "case.h"

#define BLK_CASE_MAX_RANGES   16
#define BLK_CASE_MAX_CUTS     16
#define BLK_CASE_MAX_BYTES    32
#define BLK_CASE_MAX_COUNTERS 8
#define BLK_CASE_ID_BYTES     20
#define BLK_CASE_MAX_STATUSES 4
/* data bytes of one raw request part, sectors of one driver operation */
#define BLK_CASE_MAX_DATA     (256u * 1024u)
#define BLK_CASE_MAX_SECTORS  2048u

enum blk_step_op {
	BLK_OP_REQUEST,        /* blk_request: a raw request, shaped freely */
	BLK_OP_READ,           /* blk_read ... blk_get_lifetime: the reference driver */
	BLK_OP_WRITE,
	BLK_OP_FLUSH,
	BLK_OP_DISCARD,
	BLK_OP_WRITE_ZEROES,
	BLK_OP_SECURE_ERASE,
	BLK_OP_GET_ID,
	BLK_OP_GET_LIFETIME,
	BLK_OP_BACKING_WRITE,  /* blk_backing_write: seed the backing store */
	BLK_OP_DEVICE_ANSWER,  /* blk_device_answer: the device's next answer */
};

/* One struct virtio_blk_discard_write_zeroes. */
struct blk_case_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* Expected bytes: every byte equal to fill, and/or a prefix. */
struct blk_case_data {
	bool has_fill;
	uint8_t fill;
	unsigned n;
	uint8_t bytes[BLK_CASE_MAX_BYTES];
};

struct step_blk {
	enum blk_step_op op;
	uint16_t queue;
	/* blk_request: the header, then ranges and out_data readable bytes
	 * (of fill), then in_data writable bytes and the status byte */
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	uint32_t header;               /* header bytes sent, 16 unless shortened */
	uint32_t out_data, in_data;
	bool status_byte;
	uint8_t fill;                  /* readable data; written sectors */
	unsigned n_ranges;
	struct blk_case_range ranges[BLK_CASE_MAX_RANGES];
	unsigned n_out_cuts, n_in_cuts;
	uint32_t out_cuts[BLK_CASE_MAX_CUTS], in_cuts[BLK_CASE_MAX_CUTS];
	bool indirect;
	bool answered;                 /* the device must use the buffer */
	/* driver operations and blk_backing_write */
	uint32_t sectors;
	uint32_t segments;             /* descriptors per part */
	uint64_t seed;                 /* random cuts, 0: even */
	bool unmap;
	/* outcome */
	bool expect_fail;              /* the operation returns -1 */
	bool has_status;
	uint8_t status;                /* expected status byte */
	/* blk_request: any one of these status bytes (statuses[0] == status);
	 * a list where the spec leaves the error open (IOERR or UNSUPP) */
	unsigned n_statuses;
	uint8_t statuses[BLK_CASE_MAX_STATUSES];
	bool has_len;
	struct case_cmp len;           /* used len of a raw request */
	bool has_data;
	struct blk_case_data data;     /* data read / returned */
	bool has_id;
	char id[BLK_CASE_ID_BYTES + 1];
	bool has_lifetime;
	uint16_t lifetime[3];
	/* blk_device_answer */
	bool answer_status, answer_len;
	uint8_t answer_status_val;
	uint32_t answer_len_val;
};

/* vc_blk_stats counters an expectation may name */
enum blk_counter {
	BLK_CNT_BACKING_WRITTEN,
	BLK_CNT_DRIVER_ERRORS,
	BLK_CNT_MALFORMED,
	BLK_CNT_SYNCS,
	BLK_CNT_CONFIG_WRITES_IGNORED,
	BLK_CNT_WRITEBACK_READ_EARLY,
	BLK_CNT_IGNORED_NOTIFIES,
};

struct blk_case_counter {
	enum blk_counter which;
	struct case_cmp cmp;
};

struct expect_blk {
	bool has_backing;
	uint64_t backing_sector;
	uint32_t backing_sectors;
	struct blk_case_data backing;
	unsigned n_counters;
	struct blk_case_counter counters[BLK_CASE_MAX_COUNTERS];
	bool has_completed;            /* requests completed of one type */
	uint32_t completed_type;
	bool completed_has_status;
	uint8_t completed_status;
	struct case_cmp completed;
	bool has_queue_requests;       /* requests completed on one queue */
	uint16_t qr_queue;
	struct case_cmp queue_requests;
	bool has_writeback;
	uint8_t writeback;             /* the device's current writeback */
	bool has_driver_queues;
	uint16_t driver_queues;        /* request queues the driver set up */
};

#endif
