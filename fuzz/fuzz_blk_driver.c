// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile virtio-blk DEVICE facing the reference blk driver
 * (model/drivers/blk_drv.c). The device is an ops table in this file, built
 * only on the public plugin ABI (virtiocheck/device.h), run on a real pair
 * (PCI or MMIO). From the input it takes:
 *  - the offered features and the whole configuration space: capacity (near
 *    2^64 too), size_max, seg_max (0 too), blk_size (0, odd, huge),
 *    topology, writeback, unused bytes, num_queues (0, huge), the discard /
 *    write-zeroes / secure-erase limits (0 too);
 *  - for every request it receives, the answer: data, status byte (any
 *    value), used len (short of the status byte too), no answer at all,
 *    GET_ID bytes (ASCII or not), lifetime values (reserved ones too).
 * The driver runs reads, writes, flushes, GET_ID, GET_LIFETIME, discard /
 * write-zeroes / secure-erase, request shapes (segments, indirect, cuts) and
 * resets with re-initialization.
 *
 * Oracles (clause cited on failure):
 *  - the driver never crashes, divides by zero or loops (sanitizers; every
 *    operation bounded);
 *  - initialization fails exactly when the configuration is one the driver
 *    documents it cannot use (blk_drv.h / vblk_drv_read_config rules,
 *    re-derived here), and then with a recorded device violation citing
 *    CL_DEV_BLK_INIT; otherwise it succeeds without a finding;
 *  - every bad answer -- used len not covering the status byte, status > 2,
 *    OK for a modifying request with VIRTIO_BLK_F_RO offered, a GET_ID that
 *    is not a NUL-padded ASCII string, reserved lifetime values -- makes the
 *    operation return -1 with exactly one new device violation citing
 *    CL_DEV_BLK_OP; a request never answered makes it return -1 without one;
 *    a well-formed answer is returned as its status, without a finding;
 *  - data: an OK read returns exactly the bytes the device wrote for it,
 *    chunk after chunk, never stale or foreign bytes; GET_ID and
 *    GET_LIFETIME return exactly what the device wrote;
 *  - what the driver sends keeps its own rules (CL_DRV_BLK_OP): segments
 *    only inside its request buffer, a 16-byte header with reserved 0, the
 *    status byte writable, IN/OUT data a multiple of 512 within capacity
 *    (overflow-safe), sectors contiguous across the chunks of one operation,
 *    FLUSH at sector 0 with no data, GET_ID 20 bytes, ranges within the
 *    negotiated limits, unmap 0 on DISCARD, nothing for features not
 *    negotiated, one request in flight.
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bits 1..7 request shape defaults
 *   bytes 1-2: offered features (bit i: feat_bits[i]); bytes 3-4: wanted
 *   byte 5: config mode (which fields take raw input bytes), then the fields
 *   then operations: one byte (b % 8) and operands; each request the device
 *   receives reads its answer from the same stream, right after the
 *   operation's operands.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "blk_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_blk_driver"

#define SECT 512u
#define FAKE_QUEUES 16
#define MAX_OPS 32
#define MAX_RESETS 3
#define MAX_REQS 64      /* requests one operation may send */
#define MAX_NSECT 16u
#define READ_MAX (MAX_NSECT * SECT)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned feat_bits[16] = {
	VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_GEOMETRY, VIRTIO_BLK_F_RO,
	VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_TOPOLOGY, VIRTIO_BLK_F_CONFIG_WCE,
	VIRTIO_BLK_F_MQ, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES, VIRTIO_BLK_F_LIFETIME,
	VIRTIO_BLK_F_SECURE_ERASE, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX, VIRTIO_BLK_F_GEOMETRY,
};

/* ------------------------------------------------------ the fake device */

struct req_rec {
	uint32_t type;
	uint64_t sector;
	uint64_t readable, writable;
	bool answered;
	uint8_t status;       /* the status byte as the driver will read it */
	uint32_t used;
	uint32_t data_len;    /* data bytes the device wrote (IN, GET_ID, LIFETIME) */
	uint32_t data_off;    /* where they are in ans_data */
};

static struct {
	struct virtio_blk_config cfg;
	uint64_t offer;
	struct fin *script;   /* answers */
	struct req_rec rec[MAX_REQS];
	unsigned nrec;
	bool overflow;        /* more requests than MAX_REQS */
	uint8_t ans_data[MAX_REQS * 64 + READ_MAX];
	uint32_t ans_len;
	uint32_t salt;
	unsigned outstanding; /* popped, not pushed */
} F;

struct fake_dev {
	const struct vc_host_ops *host;
	void *h;
	uint64_t features;
};

static struct vc_pair pr;
static bool pr_open;
static struct vblk_drv blk;
static bool blk_ok;       /* attached */
static struct vdrv_config dcfg;
static unsigned resets;

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct fake_dev *d = calloc(1, sizeof(*d));

	if (d) {
		d->host = host;
		d->h = h;
	}
	return d;
}

static void fake_destroy(void *dev) { free(dev); }
static uint64_t fake_get_features(void *dev) { return F.offer; }

static int fake_set_features(void *dev, uint64_t f)
{
	((struct fake_dev *)dev)->features = f;
	return 0;
}

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	memcpy(dst, (const uint8_t *)&F.cfg + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len) {}

static void fake_reset(void *dev)
{
	((struct fake_dev *)dev)->features = 0;
	F.outstanding = 0;
}

static uint64_t cfg_capacity(void) { return le64_to_cpu(F.cfg.capacity); }

static bool cap_ok(uint64_t sector, uint64_t n)
{
	return sector <= cfg_capacity() && n <= cfg_capacity() - sector;
}

/* The driver's request against its own rules (drivernormative). */
static void check_request(const struct vc_elem *e, const struct virtio_blk_req_hdr *h,
			  const struct fake_dev *d)
{
	uint32_t type = le32_to_cpu(h->type);
	uint64_t sector = le64_to_cpu(h->sector), data_out = e->readable_bytes - 16;
	uint64_t data_in = e->writable_bytes - 1;
	uint32_t i;

	for (i = 0; i < e->n_readable + e->n_writable; i++)
		ORACLE(e->segs[i].gpa >= blk.buf &&
			       e->segs[i].gpa - blk.buf + e->segs[i].len <= blk.buf_size,
		       CL_DRV_BLK_OP,
		       "segment %u at 0x%llx (%u bytes) outside the request buffer 0x%llx+%u", i,
		       (unsigned long long)e->segs[i].gpa, e->segs[i].len,
		       (unsigned long long)blk.buf, blk.buf_size);
	ORACLE(le32_to_cpu(h->reserved) == 0, CL_DRV_BLK_OP, "reserved field 0x%x",
	       le32_to_cpu(h->reserved));
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		uint64_t n = type == VIRTIO_BLK_T_IN ? data_in : data_out;

		ORACLE((type == VIRTIO_BLK_T_IN ? data_out : data_in) == 0, CL_DRV_BLK_OP,
		       "type %u with data in the wrong direction", type);
		ORACLE(n % SECT == 0 && n > 0, CL_DRV_BLK_OP, "type %u with %llu data bytes", type,
		       (unsigned long long)n);
		ORACLE(cap_ok(sector, n / SECT), CL_DRV_BLK_OP,
		       "type %u at sector %llu, %llu sectors, beyond capacity %llu", type,
		       (unsigned long long)sector, (unsigned long long)(n / SECT),
		       (unsigned long long)cfg_capacity());
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		ORACLE(d->features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH), CL_DRV_BLK_OP,
		       "FLUSH without VIRTIO_BLK_F_FLUSH");
		ORACLE(sector == 0 && data_out == 0 && data_in == 0, CL_DRV_BLK_OP,
		       "FLUSH at sector %llu with %llu/%llu data bytes", (unsigned long long)sector,
		       (unsigned long long)data_out, (unsigned long long)data_in);
		break;
	case VIRTIO_BLK_T_GET_ID:
		ORACLE(data_out == 0 && data_in == VIRTIO_BLK_ID_BYTES, CL_DRV_BLK_OP,
		       "GET_ID with %llu/%llu data bytes", (unsigned long long)data_out,
		       (unsigned long long)data_in);
		break;
	case VIRTIO_BLK_T_GET_LIFETIME:
		ORACLE(d->features & VIRTIO_BIT(VIRTIO_BLK_F_LIFETIME), CL_DRV_BLK_OP,
		       "GET_LIFETIME without VIRTIO_BLK_F_LIFETIME");
		ORACLE(data_out == 0 && data_in == 6, CL_DRV_BLK_OP,
		       "GET_LIFETIME with %llu/%llu data bytes", (unsigned long long)data_out,
		       (unsigned long long)data_in);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
	case VIRTIO_BLK_T_SECURE_ERASE: {
		unsigned bit = type == VIRTIO_BLK_T_DISCARD ? VIRTIO_BLK_F_DISCARD :
			       type == VIRTIO_BLK_T_WRITE_ZEROES ? VIRTIO_BLK_F_WRITE_ZEROES :
								   VIRTIO_BLK_F_SECURE_ERASE;
		uint32_t max_seg = type == VIRTIO_BLK_T_DISCARD ? le32_to_cpu(F.cfg.max_discard_seg) :
				   type == VIRTIO_BLK_T_WRITE_ZEROES ?
							  le32_to_cpu(F.cfg.max_write_zeroes_seg) :
							  le32_to_cpu(F.cfg.max_secure_erase_seg);
		uint32_t max_sect = type == VIRTIO_BLK_T_DISCARD ?
					    le32_to_cpu(F.cfg.max_discard_sectors) :
				    type == VIRTIO_BLK_T_WRITE_ZEROES ?
					    le32_to_cpu(F.cfg.max_write_zeroes_sectors) :
					    le32_to_cpu(F.cfg.max_secure_erase_sectors);
		uint64_t n = data_out / 16, k;

		ORACLE(d->features & VIRTIO_BIT(bit), CL_DRV_BLK_OP, "type %u not negotiated", type);
		ORACLE(data_in == 0 && data_out % 16 == 0 && n >= 1 && n <= max_seg, CL_DRV_BLK_OP,
		       "type %u with %llu segment bytes (max_seg %u), %llu writable", type,
		       (unsigned long long)data_out, max_seg, (unsigned long long)data_in);
		for (k = 0; k < n; k++) {
			struct virtio_blk_discard_write_zeroes s;
			uint32_t flags;

			d->host->elem_read(d->h, e, 16 + 16 * k, &s, 16);
			flags = le32_to_cpu(s.flags);
			ORACLE(le32_to_cpu(s.num_sectors) <= max_sect &&
				       cap_ok(le64_to_cpu(s.sector), le32_to_cpu(s.num_sectors)),
			       CL_DRV_BLK_OP, "type %u segment %llu: %u sectors at %llu", type,
			       (unsigned long long)k, le32_to_cpu(s.num_sectors),
			       (unsigned long long)le64_to_cpu(s.sector));
			ORACLE(!(flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) &&
				       !(type != VIRTIO_BLK_T_WRITE_ZEROES && flags),
			       CL_DRV_BLK_OP, "type %u segment flags 0x%x", type, flags);
		}
		break;
	}
	default:
		ORACLE(0, CL_DRV_BLK_OP, "the driver sent request type %u", type);
	}
}

static void answer(struct fake_dev *d, uint16_t q, const struct vc_elem *e)
{
	struct virtio_blk_req_hdr h;
	struct req_rec *r;
	uint8_t a, st = VIRTIO_BLK_S_OK, buf[64];
	uint64_t data_in;
	uint32_t used = (uint32_t)e->writable_bytes, i;
	bool write_status = true;

	ORACLE(e->readable_bytes >= 16 && e->writable_bytes >= 1 &&
		       d->host->elem_read(d->h, e, 0, &h, 16) == 16,
	       CL_DRV_BLK_OP, "request with %llu readable, %llu writable bytes",
	       (unsigned long long)e->readable_bytes, (unsigned long long)e->writable_bytes);
	ORACLE(e->writable_bytes <= 1 + READ_MAX, HARNESS, "request of %llu writable bytes",
	       (unsigned long long)e->writable_bytes);
	check_request(e, &h, d);
	if (F.nrec == MAX_REQS) {
		F.overflow = true;
		return; /* not answered */
	}
	r = &F.rec[F.nrec++];
	memset(r, 0, sizeof(*r));
	r->type = le32_to_cpu(h.type);
	r->sector = le64_to_cpu(h.sector);
	r->readable = e->readable_bytes;
	r->writable = e->writable_bytes;
	data_in = e->writable_bytes - 1;

	a = fin_u8(F.script);
	switch (a & 7) {
	case 3:
		st = (uint8_t)((a >> 3) % 3);
		break;
	case 4:
		st = (uint8_t)(3 + fin_u8(F.script) % 253);
		break;
	case 5:
		used = e->writable_bytes > 1 ? fin_u32(F.script) % (uint32_t)e->writable_bytes : 0;
		break;
	case 6:
		F.outstanding++;
		return; /* never answered */
	case 7:
		write_status = false; /* the driver's 0xff stays */
		break;
	default:
		break;
	}
	/* data for requests that carry some back */
	r->data_off = F.ans_len;
	if (r->type == VIRTIO_BLK_T_GET_ID && data_in == VIRTIO_BLK_ID_BYTES) {
		uint8_t m = fin_u8(F.script);

		for (i = 0; i < VIRTIO_BLK_ID_BYTES; i++) {
			uint8_t c = fin_u8(F.script);

			buf[i] = (m & 1) ? c : (i < (m >> 1) % 21u ? (uint8_t)(0x20 + c % 0x5f) : 0);
		}
		r->data_len = VIRTIO_BLK_ID_BYTES;
	} else if (r->type == VIRTIO_BLK_T_GET_LIFETIME && data_in == 6) {
		uint8_t m = fin_u8(F.script);

		for (i = 0; i < 3; i++) {
			uint16_t v = (m & 1) ? fin_u16(F.script) : fin_u8(F.script) % (i ? 12 : 4);

			buf[2 * i] = (uint8_t)v;
			buf[2 * i + 1] = (uint8_t)(v >> 8);
		}
		r->data_len = 6;
	} else if (r->type == VIRTIO_BLK_T_IN) {
		r->data_len = (uint32_t)data_in;
	}
	if (r->type == VIRTIO_BLK_T_IN) {
		for (i = 0; i < r->data_len; i++)
			F.ans_data[F.ans_len + i] = (uint8_t)(i * 11u + F.salt * 29u + (i >> 9));
		F.salt++;
	} else if (r->data_len) {
		memcpy(F.ans_data + F.ans_len, buf, r->data_len);
	}
	if (r->data_len)
		ORACLE(d->host->elem_write(d->h, e, 0, F.ans_data + F.ans_len, r->data_len) ==
			       r->data_len, HARNESS, "elem_write failed");
	F.ans_len += r->data_len;
	if (write_status)
		ORACLE(d->host->elem_write(d->h, e, data_in, &st, 1) == 1, HARNESS,
		       "status write failed");
	else
		st = 0xff;
	r->answered = true;
	r->status = st;
	r->used = used;
	d->host->queue_push(d->h, q, e, used);
	d->host->queue_flush(d->h, q);
}

static void fake_queue_notify(void *dev, uint16_t q)
{
	struct fake_dev *d = dev;
	struct vc_elem e;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		/* the driver sends one request at a time */
		ORACLE(F.outstanding == 0, CL_DRV_BLK_OP,
		       "a new request while %u are outstanding", F.outstanding);
		answer(d, q, &e);
	}
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fuzz-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = FAKE_QUEUES,
	.queue_size_max = 256,
	.config_size = sizeof(struct virtio_blk_config),
	.create = fake_create,
	.destroy = fake_destroy,
	.get_features = fake_get_features,
	.set_features = fake_set_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = NULL,
	.reset = fake_reset,
	.queue_notify = fake_queue_notify,
};

/* ------------------------------------------------ configuration checker */

/* The configurations the driver documents it cannot use, from the
 * configuration and the negotiated features: a reason, or NULL. */
static const char *config_refusal(uint64_t offer, uint64_t f)
{
	const struct virtio_blk_config *c = &F.cfg;
#define HAS(x, b) (((x) >> (b)) & 1)

	if (HAS(offer, VIRTIO_BLK_F_CONFIG_WCE) && !HAS(offer, VIRTIO_BLK_F_FLUSH))
		return "CONFIG_WCE offered without FLUSH";
	if (c->unused0 || c->unused1[0] || c->unused1[1] || c->unused1[2])
		return "unused bytes not zero";
	if (le64_to_cpu(c->capacity) > UINT64_MAX / SECT)
		return "capacity not addressable in bytes";
	if (HAS(f, VIRTIO_BLK_F_SIZE_MAX) && le32_to_cpu(c->size_max) < SECT)
		return "size_max below a sector";
	if (HAS(f, VIRTIO_BLK_F_SEG_MAX) && le32_to_cpu(c->seg_max) == 0)
		return "seg_max 0";
	if (HAS(f, VIRTIO_BLK_F_BLK_SIZE)) {
		uint32_t bs = le32_to_cpu(c->blk_size);

		if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
			return "blk_size";
	}
	if (HAS(f, VIRTIO_BLK_F_TOPOLOGY) && c->topology.physical_block_exp > 15)
		return "physical_block_exp";
	if (HAS(f, VIRTIO_BLK_F_CONFIG_WCE) &&
	    (c->writeback > 1 || (!HAS(f, VIRTIO_BLK_F_FLUSH) && c->writeback)))
		return "writeback";
	if (HAS(f, VIRTIO_BLK_F_MQ) &&
	    (le16_to_cpu(c->num_queues) == 0 || le16_to_cpu(c->num_queues) > FAKE_QUEUES))
		return "num_queues";
	if (HAS(f, VIRTIO_BLK_F_DISCARD) && (!le32_to_cpu(c->max_discard_sectors) || !le32_to_cpu(c->max_discard_seg)))
		return "discard limits";
	if (HAS(f, VIRTIO_BLK_F_WRITE_ZEROES) &&
	    (!le32_to_cpu(c->max_write_zeroes_sectors) || !le32_to_cpu(c->max_write_zeroes_seg)))
		return "write zeroes limits";
	if (HAS(f, VIRTIO_BLK_F_SECURE_ERASE) &&
	    (!le32_to_cpu(c->max_secure_erase_sectors) || !le32_to_cpu(c->max_secure_erase_seg)))
		return "secure erase limits";
#undef HAS
	return NULL;
}

static uint64_t driver_findings(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	return (uint64_t)f->count + f->dropped;
}

static const char *last_driver_finding(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	return f->count ? f->v[f->count - 1].msg : "(none)";
}

static const char *last_driver_clause(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	return f->count ? f->v[f->count - 1].clause : "";
}

/* Initialize (again). Returns true when the driver is attached. */
static bool bring_up(bool first)
{
	uint64_t f0 = driver_findings(), neg;
	const char *why;
	int rc;

	F.nrec = 0;
	F.outstanding = 0;
	rc = vdrv_init(pr.drv, &dcfg);
	neg = vdrv_features(pr.drv);
	why = config_refusal(F.offer, neg);
	if (why) {
		/* drivernormative: Device Initialization -- refuse, FAILED, and
		 * say why (a device violation) */
		ORACLE(rc != 0, CL_DEV_BLK_INIT, "the driver accepted a configuration with %s", why);
		ORACLE(driver_findings() > f0 && strcmp(last_driver_clause(), CL_DEV_BLK_INIT) == 0,
		       CL_DEV_BLK_INIT, "refused (%s) without a %s finding (last: %s)", why,
		       CL_DEV_BLK_INIT, last_driver_finding());
		ORACLE(vdev_status(pr.core) & VIRTIO_STATUS_FAILED, CL_DRV_INIT,
		       "refused configuration (%s) without FAILED (status 0x%02x)", why,
		       vdev_status(pr.core));
		return false;
	}
	ORACLE(rc == 0, CL_DEV_BLK_INIT, "the driver refused a usable configuration: %s",
	       last_driver_finding());
	ORACLE(vblk_drv_attach(&blk, pr.drv) == 0, CL_DEV_BLK_INIT,
	       "attach failed on a usable configuration: %s", last_driver_finding());
	ORACLE(driver_findings() == f0, CL_DEV_BLK_INIT, "finding on a usable configuration: %s",
	       last_driver_finding());
	ORACLE(F.nrec == 0, CL_DRV_BLK_OP, "requests sent during initialization");
	(void)first;
	return true;
}

/* ------------------------------------------------------------ operations */

enum op_kind { K_READ, K_WRITE, K_FLUSH, K_GET_ID, K_LIFETIME, K_RANGES };

/* The driver's answer to the operation, from what the device did. */
static void judge(enum op_kind k, int rc, uint64_t f0, const uint8_t *got, uint64_t sector,
		  uint32_t nsect)
{
	bool modifies = k == K_WRITE || k == K_RANGES;
	bool ro = (F.offer >> VIRTIO_BLK_F_RO) & 1;
	int want = VIRTIO_BLK_S_OK;
	bool violation = false, stop = false;
	uint64_t next = sector, data = 0;
	unsigned i;

	ORACLE(!F.overflow, HARNESS, "more than %u requests in one operation", MAX_REQS);
	if (F.nrec == 0) {
		/* refused before sending, or an empty read / write */
		ORACLE(rc == -1 || ((k == K_READ || k == K_WRITE) && nsect == 0 &&
				    rc == VIRTIO_BLK_S_OK),
		       CL_DEV_BLK_OP, "operation %d returned %d without a request", k, rc);
		ORACLE(driver_findings() == f0, HARNESS, "finding without a request: %s",
		       last_driver_finding());
		return;
	}
	for (i = 0; i < F.nrec; i++) {
		const struct req_rec *r = &F.rec[i];

		ORACLE(!stop, CL_DRV_BLK_OP, "request %u of operation %d after a failed one", i, k);
		if (k == K_READ || k == K_WRITE) {
			uint64_t n = (k == K_READ ? r->writable - 1 : r->readable - 16) / SECT;

			ORACLE(r->sector == next, CL_DRV_BLK_OP,
			       "chunk %u at sector %llu, expected %llu", i,
			       (unsigned long long)r->sector, (unsigned long long)next);
			next += n;
			data += n;
		}
		if (!r->answered) {
			want = -1;
			stop = true;
			continue;
		}
		if (r->used < r->writable || r->status > VIRTIO_BLK_S_UNSUPP ||
		    (modifies && ro && r->status == VIRTIO_BLK_S_OK)) {
			want = -1;
			violation = true;
			stop = true;
			continue;
		}
		if (r->status != VIRTIO_BLK_S_OK) {
			want = r->status;
			stop = true;
			continue;
		}
		if (k == K_GET_ID) {
			const uint8_t *s = F.ans_data + r->data_off;
			bool nul = false;
			unsigned j;

			for (j = 0; j < VIRTIO_BLK_ID_BYTES; j++) {
				if ((nul && s[j]) || s[j] > 0x7f)
					violation = true;
				nul = nul || !s[j];
			}
			if (violation)
				want = -1;
		}
		if (k == K_LIFETIME) {
			const uint8_t *s = F.ans_data + r->data_off;
			uint16_t pre = (uint16_t)(s[0] | s[1] << 8), a = (uint16_t)(s[2] | s[3] << 8),
				 b = (uint16_t)(s[4] | s[5] << 8);

			if (pre > VIRTIO_BLK_PRE_EOL_INFO_URGENT || a > VIRTIO_BLK_LIFETIME_EST_MAX ||
			    b > VIRTIO_BLK_LIFETIME_EST_MAX) {
				violation = true;
				want = -1;
			}
		}
	}
	/* devicenormative: Block Device / Device Operation -- every bad answer
	 * is the device's fault, reported once, and the operation fails */
	ORACLE(rc == want, CL_DEV_BLK_OP,
	       "operation %d: driver returned %d, the answers (%u requests, last status %u used "
	       "%u of %llu, answered %d) call for %d", k, rc, F.nrec, F.rec[F.nrec - 1].status,
	       F.rec[F.nrec - 1].used, (unsigned long long)F.rec[F.nrec - 1].writable,
	       F.rec[F.nrec - 1].answered, want);
	ORACLE(driver_findings() == f0 + (violation ? 1 : 0), CL_DEV_BLK_OP,
	       "operation %d: %llu new findings, expected %d (last: %s)", k,
	       (unsigned long long)(driver_findings() - f0), violation ? 1 : 0,
	       last_driver_finding());
	if (violation)
		ORACLE(strcmp(last_driver_clause(), CL_DEV_BLK_OP) == 0, CL_DEV_BLK_OP,
		       "bad answer reported under %s", last_driver_clause());
	if (rc != VIRTIO_BLK_S_OK)
		return;
	if (k == K_READ || k == K_WRITE)
		ORACLE(data == nsect, CL_DRV_BLK_OP, "operation of %u sectors sent %llu", nsect,
		       (unsigned long long)data);
	/* the data returned is exactly what the device wrote */
	if (k == K_READ)
		ORACLE(F.ans_len == nsect * SECT && memcmp(got, F.ans_data, F.ans_len) == 0,
		       CL_DRV_USED, "read returned bytes the device did not write for it");
	if (k == K_GET_ID || k == K_LIFETIME)
		ORACLE(memcmp(got, F.ans_data + F.rec[F.nrec - 1].data_off,
			      F.rec[F.nrec - 1].data_len) == 0,
		       CL_DRV_USED, "GET_ID / GET_LIFETIME returned bytes the device did not write");
}

static void run_op(struct fin *f, uint8_t op)
{
	static uint8_t buf[READ_MAX];
	uint64_t f0 = driver_findings(), sector = 0, cap = cfg_capacity();
	uint16_t q = (uint16_t)(fin_u8(f) % (blk.num_queues + 1)); /* one beyond too */
	uint32_t nsect = 0;
	enum op_kind k;
	int rc;

	F.nrec = 0;
	F.overflow = false;
	F.ans_len = 0;
	switch (op % 8) {
	case 0:
	case 1: {
		uint8_t m = fin_u8(f);

		k = op % 8 == 0 ? K_READ : K_WRITE;
		nsect = fin_u8(f) % (MAX_NSECT + 1);
		sector = (m & 1) ? (cap > m ? cap - m : 0) : (m & 2) ? fin_u64(f) : m >> 2;
		memset(buf, 0xee, sizeof(buf));
		rc = k == K_READ ? vblk_drv_read(&blk, q, sector, buf, nsect)
				 : vblk_drv_write(&blk, q, sector, buf, nsect);
		break;
	}
	case 2:
		k = K_FLUSH;
		rc = vblk_drv_flush(&blk, q);
		break;
	case 3:
		k = K_GET_ID;
		rc = vblk_drv_get_id(&blk, q, (char *)buf);
		break;
	case 4: {
		struct vblk_lifetime lt;

		k = K_LIFETIME;
		rc = vblk_drv_get_lifetime(&blk, q, &lt);
		buf[0] = (uint8_t)lt.pre_eol_info;
		buf[1] = (uint8_t)(lt.pre_eol_info >> 8);
		buf[2] = (uint8_t)lt.device_lifetime_est_typ_a;
		buf[3] = (uint8_t)(lt.device_lifetime_est_typ_a >> 8);
		buf[4] = (uint8_t)lt.device_lifetime_est_typ_b;
		buf[5] = (uint8_t)(lt.device_lifetime_est_typ_b >> 8);
		break;
	}
	case 5: {
		struct vblk_range r[4];
		uint8_t m = fin_u8(f);
		unsigned n = m % 5, i;

		for (i = 0; i < n; i++) {
			uint8_t s = fin_u8(f);

			r[i].sector = (s & 1) ? fin_u64(f) : s >> 1;
			r[i].num_sectors = (s & 0x80) ? fin_u32(f) : fin_u8(f);
		}
		k = K_RANGES;
		rc = (m >> 3) % 3 == 0 ? vblk_drv_discard(&blk, q, r, n) :
		     (m >> 3) % 3 == 1 ? vblk_drv_write_zeroes(&blk, q, r, n, m & 0x80) :
					 vblk_drv_secure_erase(&blk, q, r, n);
		break;
	}
	case 6:
		if (resets >= MAX_RESETS)
			return;
		resets++;
		vdrv_reset(pr.drv);
		blk_ok = bring_up(false);
		return;
	default: {
		uint8_t m = fin_u8(f);

		blk.indirect = m & 1;
		blk.segments = (m >> 1) % 8;
		blk.seg_state = (m & 0x10) ? fin_u8(f) + 1u : 0;
		return;
	}
	}
	judge(k, rc, f0, buf, sector, nsect);
}

/* ------------------------------------------------------------ the input */

static uint32_t pick32(struct fin *f, bool raw, uint32_t sane)
{
	static const uint32_t special[8] = { 0, 1, 511, 512, 4096, 65536, 0x80000000u, 0xffffffffu };
	uint8_t b;

	if (raw)
		return fin_u32(f);
	b = fin_u8(f);
	return b < 8 ? special[b] : b < 16 ? sane : (uint32_t)b;
}

static void setup(struct fin *f)
{
	uint8_t b0 = fin_u8(f), mode;
	uint16_t offer = fin_u16(f), want_bits = fin_u16(f);
	uint64_t want = 0;
	struct virtio_blk_config *c = &F.cfg;
	struct vc_pair_opts opts = { .transport = (b0 & 1) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI };
	unsigned i;

	memset(&F, 0, sizeof(F));
	F.script = f;
	resets = 0;
	F.offer = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	for (i = 0; i < 16; i++) {
		if (offer & (1u << i))
			F.offer |= VIRTIO_BIT(feat_bits[i]);
		if (want_bits & (1u << i))
			want |= VIRTIO_BIT(feat_bits[i]);
	}
	mode = fin_u8(f);
	/* capacity: small, near the addressable limit, or raw */
	switch (mode & 3) {
	case 0: c->capacity = cpu_to_le64(fin_u8(f)); break;
	case 1: c->capacity = cpu_to_le64(UINT64_MAX / SECT - fin_u8(f) % 3); break;
	case 2: c->capacity = cpu_to_le64(UINT64_MAX / SECT + 1 + fin_u8(f)); break;
	default: c->capacity = cpu_to_le64(fin_u64(f)); break;
	}
	c->size_max = cpu_to_le32(pick32(f, mode & 4, 65536));
	c->seg_max = cpu_to_le32(pick32(f, mode & 4, 128));
	c->blk_size = cpu_to_le32(pick32(f, mode & 4, 512));
	c->topology.physical_block_exp = (mode & 8) ? fin_u8(f) : fin_u8(f) % 17;
	c->writeback = (mode & 8) ? fin_u8(f) : fin_u8(f) % 2;
	if (mode & 0x10) {
		c->unused0 = fin_u8(f);
		c->unused1[fin_u8(f) % 3] = fin_u8(f);
	}
	c->num_queues = cpu_to_le16((mode & 0x20) ? fin_u16(f) : fin_u8(f) % 6);
	c->max_discard_sectors = cpu_to_le32(pick32(f, mode & 0x40, 64));
	c->max_discard_seg = cpu_to_le32(pick32(f, mode & 0x40, 4) % 8);
	c->max_write_zeroes_sectors = cpu_to_le32(pick32(f, mode & 0x40, 64));
	c->max_write_zeroes_seg = cpu_to_le32(pick32(f, mode & 0x40, 4) % 8);
	c->max_secure_erase_sectors = cpu_to_le32(pick32(f, mode & 0x40, 64));
	c->max_secure_erase_seg = cpu_to_le32(pick32(f, mode & 0x40, 4) % 8);
	c->geometry.cylinders = cpu_to_le16(fin_u16(f));

	ORACLE(vc_pair_open_opts(&pr, &fake_ops, NULL, &opts) == 0, HARNESS, "pair open failed");
	pr_open = true;
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_BLOCK) == 0, HARNESS, "probe failed");
	vblk_drv_config(&dcfg, want);
	dcfg.num_queues = 4;
	dcfg.queue_size = (b0 & 2) ? 16 : 128;
	blk_ok = bring_up(true);
	if (blk_ok) {
		blk.indirect = (b0 >> 2) & 1;
		blk.segments = (b0 >> 3) & 7;
		blk.seg_state = (b0 & 0x40) ? b0 : 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned ops = 0;

	setup(&f);
	while (blk_ok && !fin_done(&f) && ops++ < MAX_OPS) {
		if (blk.stuck || vdrv_broken(pr.drv)) {
			/* a device that did not answer or was caught: start over */
			if (resets >= MAX_RESETS)
				break;
			resets++;
			vdrv_reset(pr.drv);
			blk_ok = bring_up(false);
			continue;
		}
		run_op(&f, fin_u8(&f));
	}
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	blk_ok = false;
	return 0;
}
