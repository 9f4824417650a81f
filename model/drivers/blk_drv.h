/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk driver (VIRTIO 1.2 5.2) on top of the driver core.
 *
 * Bring-up: vblk_drv_config() fills a vdrv_config whose hook validates the
 * device configuration once FEATURES_OK is set (before any queue is set up):
 * a value the driver cannot use is a device violation and initialization
 * fails with FAILED. cfg->num_queues (default 1) is how many request queues
 * the driver wants; queues beyond what the device's configuration provides
 * are not set up. After vdrv_init(), vblk_drv_attach() reads and validates
 * the configuration again and allocates the request buffer. After a reset
 * and a new vdrv_init(), attach again.
 *
 * Each operation sends one request at a time (large transfers are split),
 * waits for its completion and checks it: the used len covers the status
 * byte, the status is OK, IOERR or UNSUPP, RO is honoured, the answer is
 * well-formed. A device that breaks a rule is reported through
 * vdrv_violation() and the operation returns -1. Otherwise an operation
 * returns the status byte: VIRTIO_BLK_S_OK, _IOERR or _UNSUPP.
 *
 * The operations keep the driver's own rules (nothing beyond capacity, the
 * segment limits, unmap 0 on discard, ...) and refuse with -1, sending
 * nothing, what would break them. vblk_drv_submit_raw() sends anything.
 */
#ifndef VIRTIOCHECK_BLK_DRV_H
#define VIRTIOCHECK_BLK_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "blk.h"
#include "vdrv.h"

/* Descriptors one request may use at most (each part split included). */
#define VBLK_MAX_DESC 256
/* Entries of an indirect table the driver sets up. */
#define VBLK_INDIRECT_MAX 32
/* Data bytes of one request at most (the request buffer's size). */
#define VBLK_MAX_DATA (256u * 1024u)

/* The device configuration as validated (host byte order). */
struct vblk_info {
	uint64_t capacity;
	uint32_t size_max;   /* SIZE_MAX negotiated, else 0 */
	uint32_t seg_max;    /* SEG_MAX negotiated, else 0 */
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t blk_size;   /* BLK_SIZE negotiated, else 512 */
	uint8_t physical_block_exp, alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint16_t num_queues; /* request queues the device provides */
	uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
	uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint32_t max_secure_erase_sectors, max_secure_erase_seg, secure_erase_sector_alignment;
	bool ro;             /* VIRTIO_BLK_F_RO offered */
};

struct vblk_drv {
	vdrv_t *d;
	uint64_t features;     /* negotiated */
	struct vblk_info info;
	uint16_t num_queues;   /* request queues set up and usable */
	uint64_t buf;          /* guest buffer: header, data, status */
	uint32_t buf_size;
	uint32_t max_data;     /* data bytes per request */
	bool stuck;            /* a request never completed: buffers not reused */

	/* Request shape, for the operations. Each part (header, data, status)
	 * goes into up to `segments` descriptors (within size_max / seg_max);
	 * with seg_state nonzero the number and the cut points are drawn from
	 * a generator seeded by it. */
	bool indirect;
	uint32_t segments;
	uint64_t seg_state;
};

struct vblk_range {
	uint64_t sector;
	uint32_t num_sectors;
};

struct vblk_lifetime {
	uint16_t pre_eol_info;
	uint16_t device_lifetime_est_typ_a;
	uint16_t device_lifetime_est_typ_b;
};

/* Driver configuration for a blk device: wanted features (VERSION_1 and
 * VIRTIO_BLK_F_RO are always accepted when offered), one request queue. */
void vblk_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
/* After vdrv_init: validate the configuration, allocate buffers. 0 or -1. */
int vblk_drv_attach(struct vblk_drv *b, vdrv_t *d);
/* Read and validate the configuration now, recording what is wrong. 0/-1. */
int vblk_drv_read_config(vdrv_t *d, struct vblk_info *info);

int vblk_drv_read(struct vblk_drv *b, uint16_t q, uint64_t sector, void *dst, uint32_t nsect);
int vblk_drv_write(struct vblk_drv *b, uint16_t q, uint64_t sector, const void *src,
		   uint32_t nsect);
int vblk_drv_flush(struct vblk_drv *b, uint16_t q);
int vblk_drv_discard(struct vblk_drv *b, uint16_t q, const struct vblk_range *r, unsigned n);
int vblk_drv_write_zeroes(struct vblk_drv *b, uint16_t q, const struct vblk_range *r, unsigned n,
			  bool unmap);
int vblk_drv_secure_erase(struct vblk_drv *b, uint16_t q, const struct vblk_range *r,
			  unsigned n);
/* The 20-byte device ID string (NUL-padded, no terminator when 20 long). */
int vblk_drv_get_id(struct vblk_drv *b, uint16_t q, char id[VIRTIO_BLK_ID_BYTES]);
int vblk_drv_get_lifetime(struct vblk_drv *b, uint16_t q, struct vblk_lifetime *lt);

/*
 * A request exactly as the caller shapes it: out_len device-readable bytes
 * (usually header and data) then in_len device-writable bytes (usually data
 * and status), each part cut into descriptors at the given ascending offsets
 * (a cut at 0 or a repeated cut makes a zero-length descriptor).
 */
struct vblk_raw {
	uint16_t queue;
	bool indirect;
	const void *out;
	uint32_t out_len;
	uint32_t in_len;
	const uint32_t *out_cuts;
	unsigned n_out_cuts;
	const uint32_t *in_cuts;
	unsigned n_in_cuts;
};

struct vblk_raw_result {
	uint32_t used_len;
	uint8_t status;  /* the last writable byte after completion (0xff
			  * before; 0xff too when in_len is 0) */
};

/*
 * Send r without judging the answer. The writable bytes are set to 0xff
 * before posting; in (in_len bytes, may be NULL) receives them afterwards.
 * Returns 1 when the device used the buffer, 0 when it did not (the driver
 * then stops reusing its buffers: b->stuck), -1 when r could not be posted.
 */
int vblk_drv_submit_raw(struct vblk_drv *b, const struct vblk_raw *r, void *in,
			struct vblk_raw_result *res);

#endif
