/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk (VIRTIO 1.2 5.2): the spec's constants and layouts, and the
 * observation API of the built-in block device (model/devices/blk.c) for
 * tests and cases.
 *
 * The constants and struct layouts below are the spec's and are shared by the
 * device and the reference driver the way virtio.h is; neither side's logic
 * lives here.
 */
#ifndef VIRTIOCHECK_BLK_H
#define VIRTIOCHECK_BLK_H

#include <stdint.h>

#include "virtiocheck/le.h"

/* 5.2.3 Feature bits */
#define VIRTIO_BLK_F_SIZE_MAX      1
#define VIRTIO_BLK_F_SEG_MAX       2
#define VIRTIO_BLK_F_GEOMETRY      4
#define VIRTIO_BLK_F_RO            5
#define VIRTIO_BLK_F_BLK_SIZE      6
#define VIRTIO_BLK_F_FLUSH         9
#define VIRTIO_BLK_F_TOPOLOGY      10
#define VIRTIO_BLK_F_CONFIG_WCE    11
#define VIRTIO_BLK_F_MQ            12
#define VIRTIO_BLK_F_DISCARD       13
#define VIRTIO_BLK_F_WRITE_ZEROES  14
#define VIRTIO_BLK_F_LIFETIME      15
#define VIRTIO_BLK_F_SECURE_ERASE  16

/* 5.2.6 Device Operation: request types */
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

/* status byte values */
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* struct virtio_blk_discard_write_zeroes: flags */
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1u

/* struct virtio_blk_lifetime: pre_eol_info */
#define VIRTIO_BLK_PRE_EOL_INFO_UNDEFINED 0
#define VIRTIO_BLK_PRE_EOL_INFO_NORMAL    1
#define VIRTIO_BLK_PRE_EOL_INFO_WARNING   2
#define VIRTIO_BLK_PRE_EOL_INFO_URGENT    3
/* device_lifetime_est_typ_a/b: 0 undefined, 1..10 by 10%, 11 exceeded */
#define VIRTIO_BLK_LIFETIME_EST_MAX       11

#define VIRTIO_BLK_SECTOR_SIZE 512u
#define VIRTIO_BLK_ID_BYTES    20u

/* 5.2.4 Device configuration layout */
struct virtio_blk_geometry {
	le16 cylinders;
	uint8_t heads;
	uint8_t sectors;
};

struct virtio_blk_topology {
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	le16 min_io_size;
	le32 opt_io_size;
};

struct virtio_blk_config {
	le64 capacity;
	le32 size_max;
	le32 seg_max;
	struct virtio_blk_geometry geometry;
	le32 blk_size;
	struct virtio_blk_topology topology;
	uint8_t writeback;
	uint8_t unused0;
	le16 num_queues;
	le32 max_discard_sectors;
	le32 max_discard_seg;
	le32 discard_sector_alignment;
	le32 max_write_zeroes_sectors;
	le32 max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
	le32 max_secure_erase_sectors;
	le32 max_secure_erase_seg;
	le32 secure_erase_sector_alignment;
};

_Static_assert(sizeof(struct virtio_blk_config) == 72, "virtio_blk_config is 72 bytes");

/* 5.2.6 the fixed head of every request (data and status follow) */
struct virtio_blk_req_hdr {
	le32 type;
	le32 reserved;
	le64 sector;
};

struct virtio_blk_discard_write_zeroes {
	le64 sector;
	le32 num_sectors;
	le32 flags; /* bit 0 unmap, bits 1..31 reserved */
};

struct virtio_blk_lifetime {
	le16 pre_eol_info;
	le16 device_lifetime_est_typ_a;
	le16 device_lifetime_est_typ_b;
};

_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req header is 16 bytes");
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "segment is 16 bytes");
_Static_assert(sizeof(struct virtio_blk_lifetime) == 6, "virtio_blk_lifetime is 6 bytes");

/* ------------------------------------------- the built-in device's API */

/* Request queues the built-in device exposes on the transport; the config's
 * num_queues (args) says how many of them are request queues under MQ. */
#define VC_BLK_MAX_QUEUES 8

/* Counter slots per request type (vc_blk_type_slot). */
enum vc_blk_slot {
	VC_BLK_SLOT_IN,
	VC_BLK_SLOT_OUT,
	VC_BLK_SLOT_FLUSH,
	VC_BLK_SLOT_GET_ID,
	VC_BLK_SLOT_GET_LIFETIME,
	VC_BLK_SLOT_DISCARD,
	VC_BLK_SLOT_WRITE_ZEROES,
	VC_BLK_SLOT_SECURE_ERASE,
	VC_BLK_SLOT_OTHER, /* unknown type */
	VC_BLK_SLOTS
};

struct vc_blk_stats {
	/* completed requests per type slot and status (OK, IOERR, UNSUPP) */
	uint64_t requests[VC_BLK_SLOTS][3];
	uint64_t per_queue[VC_BLK_MAX_QUEUES];
	/* bytes the device wrote to its backing store (writes, discards,
	 * write zeroes, secure erase) */
	uint64_t backing_bytes_written;
	/* requests refused because the driver broke a request rule: IOERR
	 * (beyond capacity, data length or direction, FLUSH sector, GET_ID
	 * length, num_sectors above the limit) or UNSUPP (more segments than
	 * max_*_seg) */
	uint64_t driver_errors;
	/* requests that could not be answered at all (no status byte, short
	 * header): reported through fail() */
	uint64_t malformed;
	uint64_t syncs;                  /* commits to a file backend */
	uint64_t config_writes_ignored;  /* bytes of config writes ignored */
	/* reads covering writeback before FEATURES_OK (drivernormative:
	 * Block Device / Device Initialization) */
	uint64_t writeback_read_early;
	/* notifications of queues that are not request queues */
	uint64_t ignored_notifies;
};

/* enum vc_blk_slot of a request type */
enum vc_blk_slot vc_blk_type_slot(uint32_t type);

/* dev: the instance create() returned (vpci_device() of a pair). Each
 * returns -1 (or 0 / NULL) when dev is not a blk instance. */
/* Backing store access, bypassing the device: 0 or -1 (out of range, I/O
 * error). Writes through here are not counted in backing_bytes_written. */
int vc_blk_backing_read(void *dev, uint64_t off, void *dst, uint64_t len);
int vc_blk_backing_write(void *dev, uint64_t off, const void *src, uint64_t len);
/* capacity in 512-byte sectors */
uint64_t vc_blk_capacity(void *dev);
/* current writeback (cache mode) field */
int vc_blk_writeback(void *dev);
const struct vc_blk_stats *vc_blk_stats(void *dev);

/* Test hook: the device as a hostile one. The next request the device
 * completes (on any queue) reports status (0..255; -1: the device's own) in
 * its status byte, written where the device writes it, and/or used_len
 * (0..UINT32_MAX; -1: the writable length) as its used len, passed to the
 * host's queue_push as is (the host refuses one beyond the writable bytes).
 * The device does the request's work as usual and counts it in vc_blk_stats
 * with its own status. One-shot: that completion disarms it, and each call
 * replaces what an earlier one armed (-1, -1 disarms). Requests the device
 * cannot answer (fail()) do not consume it; a reset does not clear it.
 * 0, or -1 when dev is not a blk instance or a value is out of range
 * (nothing changes then). */
int vc_blk_override_next_answer(void *dev, int status, int64_t used_len);

#endif
