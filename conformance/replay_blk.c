// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_blk_request inputs against the target's blk device.
 *
 * The input is read exactly as fuzz/fuzz_blk_request.c reads it (the same
 * bytes for the same operands; see the format comment there), but what it
 * configures on the model -- capacity, RO, offered features, limits,
 * serial, lifetime, backing pokes -- is the target's own business: those
 * bytes are consumed and ignored, and sectors and lengths are drawn
 * relative to the device's real capacity. The driver does not use
 * indirect tables (so every byte the driver writes is one it knows).
 *
 * Oracles per request:
 *  - no byte of guest memory changed outside the request's buffer and the
 *    request queue's rings, and the readable part of the buffer still holds
 *    what the driver put there (CL_DEV_DESC);
 *  - an answered request: used len <= the writable bytes (CL_DEV_USED) and
 *    a status byte of OK, IOERR or UNSUPP (CL_DEV_BLK_OP); the reference
 *    driver's own checks of the used ring (ids, lens) hold -- its findings
 *    are violations under their clauses;
 *  - data: a sector written OK in this input and read back OK returns what
 *    was written (CL_DEV_BLK_OP); sectors touched by anything else are
 *    forgotten;
 *  - a request the device leaves unused (or DEVICE_NEEDS_RESET) makes the
 *    input "refused" and is followed by a reset and a one-sector read, as
 *    the fuzzer does, at most MAX_RESETS times; the input ends with the
 *    liveness check.
 */
#include <stdlib.h>
#include <string.h>

#include "blk_drv.h"
#include "../fuzz/blk_req_input.h"
#include "replay_priv.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define SECT BLK_REQ_SECT
#define DATA_MAX BLK_REQ_DATA_MAX      /* the fuzzer's data lengths */
#define MAX_OPS 48
#define MAX_RESETS 4
#define KNOWN_SECT 1024u               /* sectors whose contents are tracked */
#define BLK_QMAX 4

/* the fuzzer's offer_bits order: bit i of the "does not want" word */
static const unsigned want_bits[] = {
	VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES,
	VIRTIO_BLK_F_SECURE_ERASE, VIRTIO_BLK_F_LIFETIME, VIRTIO_BLK_F_MQ,
	VIRTIO_BLK_F_CONFIG_WCE, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX,
	VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_BLK_SIZE,
	VIRTIO_BLK_F_TOPOLOGY, VIRTIO_BLK_F_GEOMETRY,
};

static const struct gm_region_spec blk_regions[2] = {
	{ 0x00010000ull, 0x00100000ull },
	{ 0x100000000ull, 0x00080000ull },
};

struct bstate {
	struct sess *x;
	struct fin f;
	struct vblk_drv blk;
	struct vdrv_config cfg;
	uint64_t cap;
	uint16_t nq;
	unsigned resets, requests;
	unsigned refusals;  /* requests left unused, or NEEDS_RESET, seen */
	struct { uint64_t desc, avail, used; uint16_t size; } q[BLK_QMAX];
	bool known[KNOWN_SECT];
	uint8_t disk[KNOWN_SECT][SECT];
	uint8_t out[16 + DATA_MAX];
	uint8_t in[DATA_MAX + 8];
	uint8_t io[8 * SECT];
};

static bool violated(const struct bstate *b)
{
	return b->x->r->cls == RC_VIOLATION || b->x->r->cls == RC_CRASHED ||
	       b->x->r->cls == RC_HUNG;
}

static bool needs_reset(const struct bstate *b)
{
	return b->blk.stuck || (vdrv_status(b->x->p.drv) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* ------------------------------------------------------------ driver */

static void ring_geometry(struct bstate *b)
{
	uint16_t i;

	for (i = 0; i < b->nq && i < BLK_QMAX; i++) {
		vdrv_t *d = b->x->p.drv;

		vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, i);
		b->q[i].size = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_SIZE, 2);
		b->q[i].desc = vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_DESCLO, 4) |
			       vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_DESCHI, 4) << 32;
		b->q[i].avail = vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_AVAILLO, 4) |
				vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 4) << 32;
		b->q[i].used = vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_USEDLO, 4) |
			       vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_USEDHI, 4) << 32;
	}
}

static int bring_up(struct bstate *b, uint32_t segments)
{
	if (vdrv_init(b->x->p.drv, &b->cfg) != 0)
		return -1;
	memset(&b->blk, 0, sizeof(b->blk));
	if (vblk_drv_attach(&b->blk, b->x->p.drv) != 0)
		return -1;
	b->blk.indirect = false;
	b->blk.segments = segments;
	b->cap = b->blk.info.capacity;
	b->nq = b->blk.num_queues ? b->blk.num_queues : 1;
	ring_geometry(b);
	return 0;
}

/* The reference driver judged the device: its findings are violations. */
static void driver_findings(struct bstate *b, uint32_t before)
{
	const struct vc_findings *f = vdrv_findings(b->x->p.drv);

	if (f->count > before)
		rp_classify(b->x, RC_VIOLATION, f->v[before].clause, "the driver side: %s",
			    f->v[before].msg);
}

/* ------------------------------------------------------------ shadow */

static void forget(struct bstate *b, uint64_t sector, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n && sector + i < KNOWN_SECT && sector + i >= sector; i++)
		b->known[sector + i] = false;
}

static void learn(struct bstate *b, uint64_t sector, const uint8_t *src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (sector + i < KNOWN_SECT) {
			memcpy(b->disk[sector + i], src + (size_t)i * SECT, SECT);
			b->known[sector + i] = true;
		}
}

static void compare(struct bstate *b, uint64_t sector, const uint8_t *got, uint32_t n,
		    const char *what)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (sector + i < KNOWN_SECT && b->known[sector + i] &&
		    memcmp(b->disk[sector + i], got + (size_t)i * SECT, SECT)) {
			rp_classify(b->x, RC_VIOLATION, CL_DEV_BLK_OP,
				    "%s: sector %llu differs from what this input wrote there", what,
				    (unsigned long long)(sector + i));
			return;
		}
}

/* ------------------------------------------------------------ operations */

static void reset_and_check(struct bstate *b, uint32_t segments)
{
	uint64_t sector;
	int rc;

	b->resets++;
	vdrv_reset(b->x->p.drv);
	if (bring_up(b, segments) != 0) {
		rp_classify_findings(b->x, "reset");
		rp_classify(b->x, RC_VIOLATION, CL_DEV_RESET,
			    "the device could not be initialized again after a reset");
		return;
	}
	sector = b->cap ? fin_u8(&b->f) % b->cap : 0;
	rc = vblk_drv_read(&b->blk, 0, sector, b->io, 1);
	if (rc != VIRTIO_BLK_S_OK) {
		rp_classify_findings(b->x, "reset");
		rp_classify(b->x, RC_VIOLATION, CL_DEV_RESET,
			    "a one-sector read at %llu after a reset returned %d",
			    (unsigned long long)sector, rc);
		return;
	}
	compare(b, sector, b->io, 1, "read after a reset");
}

static void drv_read_write(struct bstate *b, bool write)
{
	uint64_t sector = fin_u8(&b->f) % (b->cap + 2);
	uint32_t n = fin_u8(&b->f) % 9, i;
	uint16_t q = (uint16_t)(fin_u8(&b->f) % b->nq);
	uint32_t f0 = vdrv_findings(b->x->p.drv)->count;
	int rc;

	b->blk.seg_state = fin_u8(&b->f);
	if (write) {
		for (i = 0; i < n * SECT; i++)
			b->io[i] = (uint8_t)(i * 13u + sector + n);
		rc = vblk_drv_write(&b->blk, q, sector, b->io, n);
	} else {
		rc = vblk_drv_read(&b->blk, q, sector, b->io, n);
	}
	driver_findings(b, f0);
	if (rc == VIRTIO_BLK_S_OK && write)
		learn(b, sector, b->io, n);
	else if (rc == VIRTIO_BLK_S_OK)
		compare(b, sector, b->io, n, "a driver read");
	else if (write && rc >= 0)
		forget(b, sector, n);
	if (rc > VIRTIO_BLK_S_UNSUPP)
		rp_classify(b->x, RC_VIOLATION, CL_DEV_BLK_OP, "%s of %u sectors at %llu: status %d",
			    write ? "write" : "read", n, (unsigned long long)sector, rc);
}

/* The memory oracle of one request: only its buffer and its queue's rings
 * changed, and the readable part is what the driver wrote. */
static void request_writes(struct bstate *b, uint16_t q, uint32_t out_len, uint32_t in_len)
{
	const uint8_t *p;

	rp_allow(b->x, b->blk.buf, (uint64_t)out_len + in_len);
	if (q < BLK_QMAX && b->q[q].size) {
		rp_allow(b->x, b->q[q].desc, 16ull * b->q[q].size);
		rp_allow(b->x, b->q[q].avail, 6ull + 2ull * b->q[q].size);
		rp_allow(b->x, b->q[q].used, 6ull + 8ull * b->q[q].size);
	}
	rp_check_writes(b->x);
	p = gm_translate(b->x->p.drv_mem, b->blk.buf, out_len, GM_READ);
	if (out_len && p && memcmp(p, b->out, out_len))
		rp_classify(b->x, RC_VIOLATION, CL_DEV_DESC,
			    "the device changed the device-readable part of a request (%u bytes)",
			    out_len);
}

static void raw_request(struct bstate *b)
{
	struct blk_req q;
	uint32_t i;
	uint32_t f0 = vdrv_findings(b->x->p.drv)->count;
	struct vblk_raw r;
	struct vblk_raw_result res;
	int rc;

	/* the fuzzer's decoder, with its lengths whatever the disk's size */
	blk_req_decode(&b->f, b->cap, b->cap < BLK_REQ_CAP_MAX ? b->cap : BLK_REQ_CAP_MAX, &q,
		       b->out);

	memset(&r, 0, sizeof(r));
	r.queue = (uint16_t)((q.shape >> 5) % b->nq);
	r.out = b->out;
	r.out_len = q.out_len;
	r.in_len = q.in_len;
	r.out_cuts = q.out_cuts;
	r.n_out_cuts = q.n_out_cuts;
	r.in_cuts = q.in_cuts;
	r.n_in_cuts = q.n_in_cuts;
	if (rp_snapshot(b->x)) {
		rp_classify(b->x, RC_CRASHED, NULL, "out of memory for the snapshot");
		return;
	}
	b->requests++;
	rc = vblk_drv_submit_raw(&b->blk, &r, b->in, &res);
	if (rc < 0)
		return; /* not posted: too many descriptors */
	request_writes(b, r.queue, q.out_len, q.in_len);
	driver_findings(b, f0);
	/* whatever it did to the disk in these sectors is no longer known */
	if (q.type == VIRTIO_BLK_T_OUT && (rc != 1 || res.status != VIRTIO_BLK_S_OK ||
					 q.data_out % SECT || q.out_len != 16 + q.data_out))
		forget(b, q.sector, q.data_out / SECT + 1);
	else if (q.type == VIRTIO_BLK_T_OUT)
		learn(b, q.sector, b->out + 16, q.data_out / SECT);
	for (i = 0; i < q.nseg; i++)
		forget(b, q.segs[i].sector, q.segs[i].num);
	if (rc == 0)
		return; /* left unused: the loop resets */
	if (res.used_len > q.in_len)
		rp_classify(b->x, RC_VIOLATION, CL_DEV_USED,
			    "type %u request: used len %u, but only %u bytes were writable", q.type,
			    res.used_len, q.in_len);
	if (q.in_len && res.status > VIRTIO_BLK_S_UNSUPP)
		rp_classify(b->x, RC_VIOLATION, CL_DEV_BLK_OP,
			    "type %u request answered with status byte %u (not OK, IOERR or UNSUPP)",
			    q.type, res.status);
	if (q.type == VIRTIO_BLK_T_IN && res.status == VIRTIO_BLK_S_OK && q.in_len > 1 &&
	    q.n_in_cuts == 0 && q.data_in % SECT == 0 && q.out_len == 16)
		compare(b, q.sector, b->in, q.data_in / SECT, "a raw IN request");
}

/* ------------------------------------------------------------ the input */

void rp_replay_blk(struct sess *x, const uint8_t *data, size_t n)
{
	static struct bstate b;
	uint16_t no_want;
	uint64_t want = 0;
	uint32_t segments, i;
	unsigned ops = 0;
	uint8_t b0, slen;

	memset(&b, 0, sizeof(b));
	b.x = x;
	b.f = (struct fin){ data, n, 0 };
	if (rp_dev_type(x) != VIRTIO_ID_BLOCK) {
		rp_classify(x, RC_VIOLATION, NULL, "fuzz_blk_request needs a blk device; the target's "
			    "device ID is %d", rp_dev_type(x));
		return;
	}
	/* the header: what configures the model is read and set aside */
	b0 = fin_u8(&b.f);
	segments = 1 + ((b0 >> 3) & 7);
	(void)fin_u8(&b.f);            /* capacity */
	(void)fin_u16(&b.f);           /* offered features */
	no_want = fin_u16(&b.f);
	for (i = 0; i < 7; i++)    /* limits, num_queues */
		(void)fin_u8(&b.f);
	slen = fin_u8(&b.f) % 21;
	for (i = 0; i < slen; i++) /* serial */
		(void)fin_u8(&b.f);
	for (i = 0; i < 3; i++)    /* lifetime */
		(void)fin_u16(&b.f);
	for (i = 0; i < sizeof(want_bits) / sizeof(want_bits[0]); i++)
		if (!(no_want & (1u << i)))
			want |= VIRTIO_BIT(want_bits[i]);
	/* no indirect tables (see above); no SIZE_MAX: qemu-storage-daemon
	 * offers it with size_max 0, which the reference driver refuses
	 * (docs/third-party/qemu-storage-daemon.md, deviation 1), and the raw
	 * requests cut their segments without it anyway */
	want &= ~(VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX));

	memcpy(x->reg, blk_regions, sizeof(blk_regions));
	x->nreg = 2;
	if (rp_open(x))
		return;
	rp_drv_config(x, &b.cfg, want);
	/* the fuzzer asks for 4 queues of a model that has 1..4; a target
	 * has what it has */
	b.cfg.num_queues = (uint16_t)vdrv_common_read(x->p.drv, VIRTIO_PCI_COMMON_NUMQ, 2);
	if (b.cfg.num_queues > BLK_QMAX)
		b.cfg.num_queues = BLK_QMAX;
	if (!b.cfg.num_queues)
		b.cfg.num_queues = 1;
	b.cfg.queue_size = (b0 & 0x40) ? 8 : 64;
	b.cfg.indirect_max = 0;
	if (bring_up(&b, segments) != 0) {
		rp_classify_findings(x, "initialization");
		rp_classify(x, RC_VIOLATION, CL_DEV_RESET,
			    "the reference driver could not initialize the device (status 0x%02x)%s%s",
			    vdrv_status(x->p.drv), vdrv_findings(x->p.drv)->count ? ": " : "",
			    vdrv_findings(x->p.drv)->count ? vdrv_findings(x->p.drv)->v[0].msg : "");
		return;
	}
	while (b.f.off < b.f.n && ops++ < MAX_OPS && !violated(&b)) {
		uint8_t op = fin_u8(&b.f) % 16;

		if (needs_reset(&b)) {
			b.refusals++;
			if (b.resets >= MAX_RESETS)
				break;
			reset_and_check(&b, segments);
			continue;
		}
		switch (op) {
		case 9:
			drv_read_write(&b, false);
			break;
		case 10:
			drv_read_write(&b, true);
			break;
		case 11: {
			uint32_t f0 = vdrv_findings(x->p.drv)->count;
			int rc = vblk_drv_flush(&b.blk, (uint16_t)(fin_u8(&b.f) % b.nq));

			driver_findings(&b, f0);
			if (rc > VIRTIO_BLK_S_UNSUPP)
				rp_classify(x, RC_VIOLATION, CL_DEV_BLK_OP, "FLUSH: status %d", rc);
			break;
		}
		case 12:
			if (b.resets < MAX_RESETS)
				reset_and_check(&b, segments);
			break;
		case 13:
			/* a backing poke of the model: nothing to poke on a target */
			(void)fin_u8(&b.f);
			(void)fin_u8(&b.f);
			break;
		default:
			raw_request(&b);
			break;
		}
		rp_classify_findings(x, "after a request");
	}
	x->r->chains = b.requests;
	if (needs_reset(&b))
		b.refusals++;
	if (x->r->cls == RC_OK && b.refusals)
		rp_classify(x, RC_REFUSED, NULL, "%u raw request(s), %u time(s) a request was left "
			    "unused or the device needed a reset, %u reset(s)%s%s", b.requests,
			    b.refusals, b.resets,
			    vdev_findings(x->p.core)->count ? ": " : "",
			    vdev_findings(x->p.core)->count ? vdev_findings(x->p.core)->v[0].msg : "");
	/* after a dropped connection the back-end is not judged again: the
	 * next input gets a fresh one (--spawn) */
	if (x->r->cls == RC_OK || x->r->cls == RC_REFUSED)
		rp_liveness(x);
}
