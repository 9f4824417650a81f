// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the DEVICE side of virtio-blk (model/devices/blk.c) facing
 * arbitrary requests. A real pair (PCI or MMIO, RAM backend of 1..64
 * sectors, device arguments from the input: RO, offered and negotiated
 * features, segment and sector limits, serial, lifetime, queues) receives a
 * sequence of requests sent with vblk_drv_submit_raw -- any type, reserved
 * field, sector, data length and direction, discard / write-zeroes /
 * secure-erase segments with any flags, with or without a status byte, a
 * header cut short, descriptor cut points, indirect -- interleaved with
 * well-formed reads, writes and flushes through the reference driver, and
 * with device resets.
 *
 * The checker keeps its own copy of the disk (shadow[]) and decides from the
 * spec text what each request may do. Oracles (clause cited on failure):
 *  - an answered request's status byte is OK, IOERR or UNSUPP (5.2.6,
 *    CL_DEV_BLK_OP); its used len is exactly the writable length: it never
 *    exceeds it (CL_DEV_USED) and covers the status byte (CL_DEV_BLK_OP);
 *  - after every request the backing store equals the shadow: OUT within
 *    capacity on a writable device updates it, IN returns the shadow's bytes,
 *    DISCARD / WRITE_ZEROES / SECURE_ERASE of valid ranges read back zeros;
 *    anything past capacity (overflow-safe), a write on an RO device (IOERR
 *    exactly), an unknown type (UNSUPP exactly), an un-negotiated type, bad
 *    segment flags (UNSUPP exactly) and any refused request leave the store
 *    untouched and vc_blk_stats backing_bytes_written unchanged; an OK write
 *    adds exactly its bytes (CL_DEV_BLK_OP);
 *  - requests the spec makes valid complete OK (IN, OUT, FLUSH, GET_ID with
 *    the configured serial, GET_LIFETIME with the configured values, ranges);
 *  - malformed framing (fewer than 16 readable bytes, no writable byte) is
 *    not answered: DEVICE_NEEDS_RESET and a recorded CL_DRV_BLK_OP finding,
 *    never a crash; a well-framed request never produces a device finding;
 *  - after a reset the device comes back live: a full re-initialization and
 *    a read through the reference driver return the shadow;
 *  - the reference driver against the model device never records a device
 *    violation, and its reads and writes within capacity return OK.
 * Work is bounded: at most MAX_OPS operations and MAX_RESETS resets.
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 RO, bit 2 reference driver uses indirect,
 *           bits 3..5 reference driver segments - 1
 *   byte 1: capacity = 1 + b % 64 sectors
 *   bytes 2-3: offered features to remove (bit i: offer_bits[i])
 *   bytes 4-5: features the driver does not want (bit i: offer_bits[i])
 *   bytes 6-11: max_discard_seg, max_write_zeroes_seg, max_secure_erase_seg
 *           (1 + b % 4), max_*_sectors (1 + b % 80)
 *   byte 12: num_queues 1 + b % 4; byte 13: serial length (b % 21), serial
 *           bytes from a charset; bytes 14-19: lifetime (3 le16)
 *   then operations, one byte each selecting (b % 16) with operands:
 *     0..8 raw request, 9 read, 10 write, 11 flush, 12 reset,
 *     13 direct backing poke (shadow too), 14..15 raw request
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "blk_drv.h"
#include "devices.h"
#include "blk_req_input.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_blk_request"

#define SECT BLK_REQ_SECT
#define CAP_MAX BLK_REQ_CAP_MAX
#define DISK_MAX (CAP_MAX * SECT)
#define DATA_MAX BLK_REQ_DATA_MAX
#define SEGS_MAX BLK_REQ_SEGS_MAX
#define MAX_OPS 48
#define MAX_RESETS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct gm_region_spec regions[2] = {
	{ 0x00010000ull, 0x00100000ull },
	{ 0x100000000ull, 0x00080000ull },
};

/* offerable features, by name (model/devices/blk.c feature_names) */
static const struct {
	const char *name;
	unsigned bit;
} offer_bits[] = {
	{ "flush", VIRTIO_BLK_F_FLUSH },
	{ "discard", VIRTIO_BLK_F_DISCARD },
	{ "write_zeroes", VIRTIO_BLK_F_WRITE_ZEROES },
	{ "secure_erase", VIRTIO_BLK_F_SECURE_ERASE },
	{ "lifetime", VIRTIO_BLK_F_LIFETIME },
	{ "mq", VIRTIO_BLK_F_MQ },
	{ "config_wce", VIRTIO_BLK_F_CONFIG_WCE },
	{ "indirect_desc", VIRTIO_F_INDIRECT_DESC },
	{ "event_idx", VIRTIO_F_EVENT_IDX },
	{ "seg_max", VIRTIO_BLK_F_SEG_MAX },
	{ "size_max", VIRTIO_BLK_F_SIZE_MAX },
	{ "blk_size", VIRTIO_BLK_F_BLK_SIZE },
	{ "topology", VIRTIO_BLK_F_TOPOLOGY },
	{ "geometry", VIRTIO_BLK_F_GEOMETRY },
};
#define N_OFFER (sizeof(offer_bits) / sizeof(offer_bits[0]))

static struct vc_pair pr;
static bool pr_open;
static struct vblk_drv blk;
static struct vdrv_config cfg;

/* the checker's view of the device */
static struct {
	uint64_t cap;      /* sectors */
	bool ro;
	uint64_t neg;      /* negotiated, as the driver reports it */
	uint32_t max_seg[3], max_sect[3]; /* DISCARD, WRITE_ZEROES, SECURE_ERASE */
	char serial[VIRTIO_BLK_ID_BYTES];
	uint16_t lifetime[3];
	bool drv_indirect;
	uint32_t drv_segments;
	unsigned resets;
} S;

static uint8_t shadow[DISK_MAX];
static uint8_t now_buf[DISK_MAX];
static uint8_t out_buf[16 + DATA_MAX];
static uint8_t in_buf[DATA_MAX + 8];
static uint8_t io_buf[DATA_MAX];

static void *dev(void) { return vdev_device(pr.core); }
static const struct vc_blk_stats *stats(void) { return vc_blk_stats(dev()); }
static uint64_t dev_findings_total(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return (uint64_t)f->count + f->dropped;
}
static bool negotiated(unsigned bit) { return (S.neg & VIRTIO_BIT(bit)) != 0; }

/* [sector, sector + n) within capacity, overflow-safe */
static bool in_range(uint64_t sector, uint64_t n)
{
	return sector <= S.cap && n <= S.cap - sector;
}

static const char *last_dev_finding(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return f->count ? f->v[f->count - 1].msg : "(none)";
}

static void check_backing(const char *what)
{
	uint64_t bytes = S.cap * SECT;
	uint64_t i;

	ORACLE(vc_blk_backing_read(dev(), 0, now_buf, bytes) == 0, HARNESS,
	       "backing store of %llu sectors unreadable", (unsigned long long)S.cap);
	if (memcmp(now_buf, shadow, bytes) == 0)
		return;
	for (i = 0; i < bytes && now_buf[i] == shadow[i]; i++)
		;
	ORACLE(0, CL_DEV_BLK_OP,
	       "after %s the backing store differs from the shadow at byte %llu (sector %llu): "
	       "0x%02x, expected 0x%02x", what, (unsigned long long)i,
	       (unsigned long long)(i / SECT), now_buf[i], shadow[i]);
}

/* Bring the driver up (again) on the open pair. 0 or -1. */
static int bring_up(void)
{
	if (vdrv_init(pr.drv, &cfg) != 0)
		return -1;
	if (vblk_drv_attach(&blk, pr.drv) != 0)
		return -1;
	blk.indirect = S.drv_indirect && (vdrv_features(pr.drv) & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	blk.segments = S.drv_segments;
	S.neg = vdrv_features(pr.drv);
	return 0;
}

/* A reset and a new initialization: the device must come back live. */
static void reset_and_check(struct fin *f)
{
	uint8_t st;
	uint64_t sector;

	vdrv_reset(pr.drv);
	st = vdev_status(pr.core);
	ORACLE(st == 0, CL_DEV_STATUS, "device status 0x%02x after reset", st);
	ORACLE(bring_up() == 0, CL_DEV_BLK_INIT,
	       "device not usable after a reset (status 0x%02x, last finding: %s)",
	       vdev_status(pr.core), last_dev_finding());
	st = vdev_status(pr.core);
	ORACLE(!(st & VIRTIO_STATUS_DEVICE_NEEDS_RESET), CL_DEV_STATUS,
	       "DEVICE_NEEDS_RESET still set after a reset and re-initialization (0x%02x)", st);
	sector = fin_u8(f) % S.cap;
	ORACLE(vblk_drv_read(&blk, 0, sector, io_buf, 1) == VIRTIO_BLK_S_OK, CL_DEV_BLK_OP,
	       "a one-sector read at %llu after a reset did not complete OK",
	       (unsigned long long)sector);
	ORACLE(memcmp(io_buf, shadow + sector * SECT, SECT) == 0, CL_DEV_BLK_OP,
	       "read after reset: sector %llu differs from the shadow", (unsigned long long)sector);
	check_backing("reset");
	S.resets++;
}

/* ------------------------------------------------------------ raw request */

struct seg {
	uint64_t sector;
	uint32_t num, flags;
};

static void raw_request(struct fin *f)
{
	struct blk_req q;
	uint8_t shape;
	struct seg segs[SEGS_MAX];
	unsigned nseg, i;
	bool malformed;
	struct vblk_raw r;
	struct vblk_raw_result res;
	uint64_t bw0 = stats()->backing_bytes_written, fd0 = dev_findings_total();
	uint64_t malformed0 = stats()->malformed;
	int rc;

	/* the request as fuzz/blk_req_input.c decodes it (replay decodes it
	 * with the same code) */
	blk_req_decode(f, S.cap, S.cap, &q, out_buf);
	shape = q.shape;
	malformed = blk_req_malformed(&q);

	memset(&r, 0, sizeof(r));
	r.queue = (uint16_t)((shape >> 5) % (blk.num_queues ? blk.num_queues : 1));
	r.indirect = (shape & 0x80) && (S.neg & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	r.out = out_buf;
	r.out_len = q.out_len;
	r.in_len = q.in_len;
	r.out_cuts = q.out_cuts;
	r.n_out_cuts = q.n_out_cuts;
	r.in_cuts = q.in_cuts;
	r.n_in_cuts = q.n_in_cuts;
	memset(in_buf, 0, q.in_len);
	rc = vblk_drv_submit_raw(&blk, &r, in_buf, &res);

	if (rc < 0) {
		/* not posted (too many descriptors, nothing to post) */
		ORACLE(dev_findings_total() == fd0, HARNESS,
		       "a request that was not posted produced a device finding: %s",
		       last_dev_finding());
		ORACLE(stats()->backing_bytes_written == bw0, CL_DEV_BLK_OP,
		       "a request that was not posted wrote the backing store");
		check_backing("an unposted request");
		return;
	}
	if (malformed) {
		uint8_t st = vdev_status(pr.core);

		/* drivernormative: a request is a whole header, data and a status
		 * byte: nothing the device can answer */
		ORACLE(rc == 0, CL_DRV_BLK_OP,
		       "malformed request (%u readable, %u writable bytes) was answered: status "
		       "%u, used len %u", q.out_len, q.in_len, res.status, res.used_len);
		ORACLE(st & VIRTIO_STATUS_DEVICE_NEEDS_RESET, CL_DEV_STATUS,
		       "malformed request (%u readable, %u writable bytes) without "
		       "DEVICE_NEEDS_RESET (status 0x%02x)", q.out_len, q.in_len, st);
		ORACLE(dev_findings_total() > fd0 &&
			       vc_findings_find(vdev_findings(pr.core), CL_DRV_BLK_OP) >= 0,
		       CL_DRV_BLK_OP, "malformed request without a recorded %s finding",
		       CL_DRV_BLK_OP);
		ORACLE(stats()->malformed == malformed0 + 1, HARNESS,
		       "malformed counter %llu, expected %llu",
		       (unsigned long long)stats()->malformed,
		       (unsigned long long)malformed0 + 1);
		ORACLE(stats()->backing_bytes_written == bw0, CL_DEV_BLK_OP,
		       "a malformed request wrote the backing store");
		check_backing("a malformed request");
		return;
	}
	ORACLE(rc == 1, CL_DEV_BLK_OP,
	       "well-framed request (type %u, %u readable, %u writable bytes) not answered; "
	       "status 0x%02x, last finding: %s", q.type, q.out_len, q.in_len, vdev_status(pr.core),
	       last_dev_finding());
	ORACLE(dev_findings_total() == fd0, CL_DEV_BLK_OP,
	       "well-framed request (type %u) produced a device finding: %s", q.type,
	       last_dev_finding());
	/* the used len: never beyond the writable bytes, covers the status byte */
	ORACLE(res.used_len <= q.in_len, CL_DEV_USED,
	       "type %u: used len %u exceeds the %u writable bytes", q.type, res.used_len, q.in_len);
	ORACLE(res.used_len >= q.in_len, CL_DEV_BLK_OP,
	       "type %u: used len %u does not cover the status byte (%u writable bytes)", q.type,
	       res.used_len, q.in_len);
	ORACLE(res.status <= VIRTIO_BLK_S_UNSUPP, CL_DEV_BLK_OP,
	       "type %u: status byte %u is not OK, IOERR or UNSUPP", q.type, res.status);

	/* what the spec makes of the request */
	{
		uint8_t st = res.status;
		int want = -1;       /* exact status required, -1: see ok/nok */
		bool must_ok = false, must_fail = false;
		uint64_t wrote = 0;  /* bytes an OK answer writes */

		switch (q.type) {
		case VIRTIO_BLK_T_IN:
			if (!in_range(q.sector, q.data_in / SECT + (q.data_in % SECT != 0)))
				must_fail = true;
			else if (q.data_out == 0 && q.data_in % SECT == 0)
				must_ok = true;
			if (st == VIRTIO_BLK_S_OK) {
				ORACLE(q.data_out == 0 && q.data_in % SECT == 0 &&
					       in_range(q.sector, q.data_in / SECT), CL_DEV_BLK_OP,
				       "IN at %llu of %u bytes (%u readable data) completed OK",
				       (unsigned long long)q.sector, q.data_in, q.data_out);
				ORACLE(memcmp(in_buf, shadow + q.sector * SECT, q.data_in) == 0,
				       CL_DEV_BLK_OP,
				       "IN at sector %llu of %u bytes returned bytes the disk does "
				       "not hold", (unsigned long long)q.sector, q.data_in);
			}
			break;
		case VIRTIO_BLK_T_OUT:
			if (S.ro)
				want = VIRTIO_BLK_S_IOERR;
			else if (!in_range(q.sector, q.data_out / SECT + (q.data_out % SECT != 0)))
				must_fail = true;
			else if (q.data_in == 0 && q.data_out % SECT == 0)
				must_ok = true;
			if (st == VIRTIO_BLK_S_OK) {
				ORACLE(!S.ro && q.data_in == 0 && q.data_out % SECT == 0 &&
					       in_range(q.sector, q.data_out / SECT), CL_DEV_BLK_OP,
				       "OUT at %llu of %u bytes (%u writable data, ro %d) completed OK",
				       (unsigned long long)q.sector, q.data_out, q.data_in, S.ro);
				memcpy(shadow + q.sector * SECT, out_buf + 16, q.data_out);
				wrote = q.data_out;
			}
			break;
		case VIRTIO_BLK_T_FLUSH:
			if (!negotiated(VIRTIO_BLK_F_FLUSH))
				must_fail = true;
			else if (q.sector == 0 && q.data_out == 0 && q.data_in == 0)
				must_ok = true;
			break;
		case VIRTIO_BLK_T_GET_ID:
			if (q.data_out == 0 && q.data_in == VIRTIO_BLK_ID_BYTES) {
				must_ok = true;
				if (st == VIRTIO_BLK_S_OK)
					ORACLE(memcmp(in_buf, S.serial, VIRTIO_BLK_ID_BYTES) == 0,
					       CL_DEV_BLK_OP, "GET_ID returned a different serial");
			}
			break;
		case VIRTIO_BLK_T_GET_LIFETIME:
			if (!negotiated(VIRTIO_BLK_F_LIFETIME)) {
				must_fail = true;
			} else if (q.data_out == 0 && q.data_in == 6) {
				must_ok = true;
				if (st == VIRTIO_BLK_S_OK)
					for (i = 0; i < 3; i++)
						ORACLE((uint16_t)(in_buf[2 * i] | in_buf[2 * i + 1] << 8) ==
							       S.lifetime[i], CL_DEV_BLK_OP,
						       "GET_LIFETIME field %u is %u, configured %u", i,
						       in_buf[2 * i] | in_buf[2 * i + 1] << 8,
						       S.lifetime[i]);
			}
			break;
		case VIRTIO_BLK_T_DISCARD:
		case VIRTIO_BLK_T_WRITE_ZEROES:
		case VIRTIO_BLK_T_SECURE_ERASE: {
			unsigned k = q.type == VIRTIO_BLK_T_DISCARD ? 0 :
				     q.type == VIRTIO_BLK_T_WRITE_ZEROES ? 1 : 2;
			static const unsigned fbit[3] = { VIRTIO_BLK_F_DISCARD,
							  VIRTIO_BLK_F_WRITE_ZEROES,
							  VIRTIO_BLK_F_SECURE_ERASE };
			/* the segments as the device sees them: decoded from the bytes
			 * sent, not from what this file meant to send */
			uint32_t nsent = q.data_out % 16 == 0 ? q.data_out / 16 : 0;
			bool framed = q.data_in == 0 && nsent && nsent <= S.max_seg[k];
			bool bad_flags = false, ranges_ok = true;

			if (framed)
				for (i = 0; i < nsent; i++) {
					struct virtio_blk_discard_write_zeroes w;

					memcpy(&w, out_buf + 16 + 16 * i, 16);
					segs[i].sector = le64_to_cpu(w.sector);
					segs[i].num = le32_to_cpu(w.num_sectors);
					segs[i].flags = le32_to_cpu(w.flags);
				}
			nseg = framed ? nsent : 0;
			if (!negotiated(fbit[k])) {
				must_fail = true;
				break;
			}
			for (i = 0; i < nseg; i++) {
				if (segs[i].flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
					bad_flags = true;
				if (q.type == VIRTIO_BLK_T_DISCARD &&
				    (segs[i].flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
					bad_flags = true;
				if (segs[i].num > S.max_sect[k] || !in_range(segs[i].sector, segs[i].num))
					ranges_ok = false;
			}
			if (!framed) {
				/* anything; checked below by the OK rule */
			} else if (bad_flags) {
				want = VIRTIO_BLK_S_UNSUPP;
			} else if (S.ro || !ranges_ok) {
				must_fail = true;
			} else {
				must_ok = true;
			}
			if (st == VIRTIO_BLK_S_OK) {
				ORACLE(framed && !bad_flags && !S.ro && ranges_ok, CL_DEV_BLK_OP,
				       "range request type %u (%u segments, %u data bytes, %u writable, "
				       "flags ok %d, ranges ok %d, ro %d) completed OK", q.type, nseg,
				       q.data_out, q.data_in, !bad_flags, ranges_ok, S.ro);
				for (i = 0; i < nseg; i++) {
					memset(shadow + segs[i].sector * SECT, 0,
					       (size_t)segs[i].num * SECT);
					wrote += (uint64_t)segs[i].num * SECT;
				}
			}
			break;
		}
		default:
			want = VIRTIO_BLK_S_UNSUPP;
			break;
		}
		if (want >= 0)
			ORACLE(st == want, CL_DEV_BLK_OP,
			       "type %u (ro %d): status %u, the spec requires %d", q.type, S.ro, st,
			       want);
		if (must_fail)
			ORACLE(st != VIRTIO_BLK_S_OK, CL_DEV_BLK_OP,
			       "type %u at sector %llu (%u/%u data bytes) must fail, completed OK",
			       q.type, (unsigned long long)q.sector, q.data_out, q.data_in);
		if (must_ok)
			ORACLE(st == VIRTIO_BLK_S_OK, CL_DEV_BLK_OP,
			       "valid type %u at sector %llu (%u readable, %u writable data bytes) "
			       "completed with status %u", q.type, (unsigned long long)q.sector,
			       q.data_out, q.data_in, st);
		ORACLE(stats()->backing_bytes_written == bw0 + wrote, CL_DEV_BLK_OP,
		       "type %u status %u: backing bytes written grew by %llu, expected %llu",
		       q.type, st, (unsigned long long)(stats()->backing_bytes_written - bw0),
		       (unsigned long long)wrote);
	}
	check_backing("a raw request");
}

/* ------------------------------------------------ reference driver calls */

static void drv_read_write(struct fin *f, bool write)
{
	uint64_t sector = fin_u8(f) % (S.cap + 2);
	uint32_t n = fin_u8(f) % 9, i;
	uint16_t q = (uint16_t)(fin_u8(f) % (blk.num_queues ? blk.num_queues : 1));
	bool ok = in_range(sector, n);
	uint64_t bw0 = stats()->backing_bytes_written, fd0 = dev_findings_total();
	int rc;

	blk.seg_state = fin_u8(f);
	if (write) {
		for (i = 0; i < n * SECT; i++)
			io_buf[i] = (uint8_t)(i * 13u + sector + n);
		rc = vblk_drv_write(&blk, q, sector, io_buf, n);
	} else {
		rc = vblk_drv_read(&blk, q, sector, io_buf, n);
	}
	ORACLE(vdrv_findings(pr.drv)->count == 0, CL_DEV_BLK_OP,
	       "the reference driver found the model device at fault: %s",
	       vdrv_findings(pr.drv)->v[0].msg);
	ORACLE(dev_findings_total() == fd0, CL_DRV_BLK_OP,
	       "the device found the reference driver at fault: %s", last_dev_finding());
	if (!ok) {
		ORACLE(rc == -1, HARNESS, "%s beyond capacity returned %d", write ? "write" : "read",
		       rc);
	} else if (write && S.ro && n) {
		ORACLE(rc == VIRTIO_BLK_S_IOERR, CL_DEV_BLK_OP,
		       "write on an RO device returned %d, not IOERR", rc);
	} else {
		ORACLE(rc == VIRTIO_BLK_S_OK, CL_DEV_BLK_OP,
		       "%s of %u sectors at %llu returned %d", write ? "write" : "read", n,
		       (unsigned long long)sector, rc);
		if (write)
			memcpy(shadow + sector * SECT, io_buf, (size_t)n * SECT);
		else
			ORACLE(memcmp(io_buf, shadow + sector * SECT, (size_t)n * SECT) == 0,
			       CL_DEV_BLK_OP, "read of %u sectors at %llu differs from the shadow",
			       n, (unsigned long long)sector);
	}
	if (rc != VIRTIO_BLK_S_OK || !write)
		ORACLE(stats()->backing_bytes_written == bw0, CL_DEV_BLK_OP,
		       "a read or failed write wrote the backing store");
	check_backing(write ? "a driver write" : "a driver read");
}

static void drv_flush(struct fin *f)
{
	int rc = vblk_drv_flush(&blk, (uint16_t)(fin_u8(f) % (blk.num_queues ? blk.num_queues : 1)));

	if (negotiated(VIRTIO_BLK_F_FLUSH))
		ORACLE(rc == VIRTIO_BLK_S_OK, CL_DEV_BLK_OP, "FLUSH returned %d", rc);
	else
		ORACLE(rc == -1, HARNESS, "FLUSH without VIRTIO_BLK_F_FLUSH returned %d", rc);
	check_backing("a flush");
}

/* ------------------------------------------------------------ the input */

static int setup(struct fin *f)
{
	static const char charset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	char args[1024];
	size_t n = 0;
	uint8_t b0 = fin_u8(f);
	uint16_t no_offer, no_want;
	uint64_t want = 0;
	unsigned i, slen;
	struct vc_pair_opts opts = {
		.transport = (b0 & 1) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI,
		.regions = regions,
		.n_regions = 2,
	};

	memset(&S, 0, sizeof(S));
	S.ro = (b0 & 2) != 0;
	S.drv_indirect = (b0 & 4) != 0;
	S.drv_segments = 1 + ((b0 >> 3) & 7);
	S.cap = 1 + fin_u8(f) % CAP_MAX;
	no_offer = fin_u16(f);
	no_want = fin_u16(f);
	/* CONFIG_WCE without FLUSH is a configuration the driver refuses */
	if (no_offer & 1)
		no_offer |= 1u << 6;
	for (i = 0; i < 3; i++)
		S.max_seg[i] = 1 + fin_u8(f) % 4;
	for (i = 0; i < 3; i++)
		S.max_sect[i] = 1 + fin_u8(f) % 80;
	n += (size_t)snprintf(args + n, sizeof(args) - n, "capacity=%llu,num_queues=%u",
			      (unsigned long long)S.cap, 1 + fin_u8(f) % 4);
	slen = fin_u8(f) % (VIRTIO_BLK_ID_BYTES + 1);
	for (i = 0; i < slen; i++)
		S.serial[i] = charset[fin_u8(f) % (sizeof(charset) - 1)];
	for (i = 0; i < 3; i++)
		S.lifetime[i] = fin_u16(f);
	n += (size_t)snprintf(args + n, sizeof(args) - n, ",serial=%.*s", (int)slen,
			      S.serial);
	n += (size_t)snprintf(args + n, sizeof(args) - n,
			      ",lifetime=%u/%u/%u,max_discard_seg=%u,max_write_zeroes_seg=%u,"
			      "max_secure_erase_seg=%u,max_discard_sectors=%u,"
			      "max_write_zeroes_sectors=%u,max_secure_erase_sectors=%u",
			      S.lifetime[0], S.lifetime[1], S.lifetime[2], S.max_seg[0],
			      S.max_seg[1], S.max_seg[2], S.max_sect[0], S.max_sect[1],
			      S.max_sect[2]);
	if (no_offer & ((1u << N_OFFER) - 1)) {
		n += (size_t)snprintf(args + n, sizeof(args) - n, ",features=");
		for (i = 0; i < N_OFFER; i++)
			if (no_offer & (1u << i))
				n += (size_t)snprintf(args + n, sizeof(args) - n, "-%s",
						      offer_bits[i].name);
	}
	n += (size_t)snprintf(args + n, sizeof(args) - n, ",ro=%d", S.ro ? 1 : 0);
	for (i = 0; i < N_OFFER; i++)
		if (!(no_want & (1u << i)))
			want |= VIRTIO_BIT(offer_bits[i].bit);

	ORACLE(vc_pair_open_opts(&pr, &vc_blk_device_ops, args, &opts) == 0, HARNESS,
	       "cannot open a blk pair with \"%s\"", args);
	pr_open = true;
	memset(shadow, 0, sizeof(shadow));
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_BLOCK) == 0, HARNESS, "probe failed");
	vblk_drv_config(&cfg, want);
	cfg.num_queues = 4;
	cfg.queue_size = (b0 & 0x40) ? 8 : 64;
	ORACLE(bring_up() == 0, CL_DEV_BLK_INIT,
	       "the reference driver refused the model device (\"%s\"): %s", args,
	       vdrv_findings(pr.drv)->count ? vdrv_findings(pr.drv)->v[0].msg : "(no finding)");
	/* a starting image, written directly (not counted as device writes) */
	for (i = 0; i < S.cap * SECT; i++)
		shadow[i] = (uint8_t)(i * 7u + (i >> 9) * 3u + S.cap);
	ORACLE(vc_blk_backing_write(dev(), 0, shadow, S.cap * SECT) == 0, HARNESS,
	       "backing write failed");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned ops = 0;

	if (setup(&f) != 0)
		goto out;
	while (!fin_done(&f) && ops++ < MAX_OPS) {
		uint8_t op = fin_u8(&f) % 16;

		if (blk.stuck || (vdev_status(pr.core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
			if (S.resets >= MAX_RESETS)
				break;
			reset_and_check(&f);
			continue;
		}
		switch (op) {
		case 9:
			drv_read_write(&f, false);
			break;
		case 10:
			drv_read_write(&f, true);
			break;
		case 11:
			drv_flush(&f);
			break;
		case 12:
			if (S.resets >= MAX_RESETS)
				break;
			reset_and_check(&f);
			break;
		case 13: {
			/* the host changes the disk behind the device's back */
			uint64_t sector = fin_u8(&f) % S.cap;
			uint8_t v = fin_u8(&f);

			memset(shadow + sector * SECT, v, SECT);
			ORACLE(vc_blk_backing_write(dev(), sector * SECT, shadow + sector * SECT,
						    SECT) == 0, HARNESS, "backing poke failed");
			break;
		}
		default:
			raw_request(&f);
			break;
		}
	}
out:
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	return 0;
}
