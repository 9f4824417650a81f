// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the virtio-pci transport's register file and status state
 * machine (model/transport/vpci.c) with the rng device, driven by sequences
 * of raw register reads and writes: the common configuration structure, the
 * ISR, the device configuration, the notification area, PCI configuration
 * space and its PCI_CFG access window. Some inputs also set up a real queue
 * through the driver view (vq_drv on the pair's driver memory) and post rng
 * buffers, so notifications can consume them.
 *
 * The pair (guest memory, views) is created once; the transport is created
 * afresh per input (vpci_new is a few callocs), so no state carries over,
 * and the first access of every input writes status 0 and checks the reset.
 *
 * An independent model in this file mirrors the register semantics of
 * 4.1.4.3 and the status rules of 2.1 / 3.1 (writes at a wrong width or
 * offset are ignored, as docs/ARCHITECTURE.md documents). Oracles, after
 * every access:
 *  - status: bits other than DEVICE_NEEDS_RESET equal the model; status
 *    reads 0 right after a 0 write (CL_DEV_RESET / CL_DEV_STATUS);
 *  - FEATURES_OK is set only for a driver-feature word that is a subset of
 *    the offer including VERSION_1, and negotiated == that word, a subset of
 *    the offer (CL_DEV_FEATURES);
 *  - no buffer consumed, no used-buffer interrupt, no notification passed
 *    to the device unless DRIVER_OK was set and DEVICE_NEEDS_RESET was not
 *    (CL_DEV_STATUS);
 *  - DEVICE_NEEDS_RESET is sticky until status 0, appears only with a fatal
 *    finding, always when a queue with a bad ring is enabled, and with
 *    DRIVER_OK it comes with a configuration-change interrupt;
 *  - every register reads back what the model says: queue_size 0 or a
 *    power of two <= max (0 for an absent queue) unless RING_PACKED was
 *    negotiated, then any value 1..max the driver wrote (4.1.4.3.1),
 *    queue_enable 0 after reset (CL_DEV_PCI_COMMON); MSI-X vectors the
 *    written value or NO_VECTOR (CL_DEV_PCI_MSIX); ISR reads clear and hold only bits 0..1, INTx
 *    interrupts come with the ISR bit set, MSI-X ones with a configured
 *    vector, none for NO_VECTOR;
 *  - PCI configuration space: identity and capabilities never change; a
 *    read never returns more bits than its width; pci_cfg_data is a 4-byte
 *    latch: an access of any width lands in it, the BAR access uses its
 *    first cap.length bytes, a read returns the bytes it addresses, the
 *    bytes beyond cap.length keep what was latched, an unusable window is
 *    recorded and reads 0 (4.1.4.9; failures during a window access cite
 *    4.1.4.9.1);
 *  - queue_reset reads 1 until the reset completes (vpci_params can make
 *    that take a few reads), and queue fields are refused meanwhile;
 *  - the findings log: count <= 64, dropped only when full, the first entry
 *    never overwritten, and count + dropped grows by exactly the number of
 *    findings the model expects whenever the model knows it;
 *  - a queue whose rings match the driver's: a notification after DRIVER_OK
 *    consumes every available buffer and the driver reaps each with
 *    1 <= len <= its size, with no finding on the driver side; the
 *    used-buffer interrupt follows the driver's suppression settings.
 *
 * Layouts. By default the offer withholds RING_PACKED and IN_ORDER, so the
 * queue is a split ring. A reopen with bit 4 of its operation byte set keeps
 * RING_PACKED in the offer (IN_ORDER stays withheld); op_init then
 * negotiates it (unless bit 7 of its feature byte is set) and the device
 * lays queue 0 out packed (2.8) from the enable on. The driver ring follows
 * the negotiated layout, or with set-up flag bit 3 (only where the device
 * offers RING_PACKED) its opposite: then the rings are inconsistent and only
 * the tolerant oracles apply. Packed driver rings may have any size 1..255,
 * not only powers of two. On a consistent packed ring the same oracles
 * hold; "everything consumed" means the device's next used slot and wrap
 * counter equal the driver's next available ones, and the used-buffer
 * interrupt follows the driver event suppression structure (2.8.10):
 * DISABLE none, ENABLE one, DESC with EVENT_IDX one exactly when the
 * descriptor slot off of lap wrap was among those used (any choice for the
 * reserved flags value, DESC without EVENT_IDX, or off >= size). The
 * suppression operation can also write that structure raw on a packed ring
 * (packed_event_write). A reset and a new set-up may switch the layout in
 * either direction.
 *
 * Input: operations until the input ends (at most MAX_OPS); missing bytes
 * read as zero. Operation byte % 16: 0-2 common write, 3-4 common read,
 * 5-6 status write, 7 feature word, 8 ISR read, 9 notification, 10 device
 * configuration (with bit 7 set: a new device with other vpci_params --
 * extra or withheld offer bits, a queue reset that takes a few reads to
 * complete), 11 PCI configuration space, 12 PCI_CFG window, 13 queue
 * (driver ring setup / post / reap / enable / notify / suppression), 14 the
 * whole initialization in one go, 15 any BAR 0 offset. Values are biased to
 * status bit combinations, feature words, powers of two and 0xffff; widths
 * to the natural width of the field.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "gm.h"
#include "mutate.h"
#include "neg_ops.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vpci.h"
#include "vq_packed_layout.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_negotiation"
/* 4.1.4.9.1, in the catalogue (clause.h has only the driver side) */
#define CL_DEV_PCI_CFGACCESS \
	"devicenormative:" VC_PCI "PCI Device Layout / PCI configuration access capability"
/* an oracle that fails during a PCI_CFG window access blames the window */
#define W(clause) (via_window ? CL_DEV_PCI_CFGACCESS : (clause))
#define PCI_HARNESS "harness:PCI configuration space"

#define MAX_OPS 160

#define ST_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define ST_DRV VIRTIO_STATUS_DRIVER
#define ST_DOK VIRTIO_STATUS_DRIVER_OK
#define ST_FOK VIRTIO_STATUS_FEATURES_OK
#define ST_NR  VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define ST_FAILED VIRTIO_STATUS_FAILED
#define NO_VEC VIRTIO_MSI_NO_VECTOR

/* the driver's ring, in the pair's region 0 (0x10000 + 4 MiB) */
#define RING_DESC  0x100000ull
#define RING_AVAIL 0x101000ull
#define RING_USED  0x102000ull
#define RING_POOL  0x103000ull
#define RING_BUF   0x110000ull /* buffer k at RING_BUF + k * 0x1000 */
#define RING_MAX   256
#define IND_MAX    4

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vc_device_ops *const ops = &vc_rng_device_ops;
static struct vc_pair pr;
static vpci_t *dev;
static uint64_t offer0; /* the rng device's own offer */
static uint64_t offered; /* this device's (after vpci_params) */
static struct vpci_params params;
static uint16_t qmax, nq;
static bool via_window; /* the access in progress goes through pci_cfg_data */

/* discovered once from a fresh device: capability offsets and the image */
static uint8_t cap_pcicfg, cap_msix, cap_notify;
static uint32_t notify_len, notify_mult;
/* BAR 0 ranges of the common, notify, ISR and device structures */
static struct { uint32_t off, len; } vstruct[4];
static unsigned n_vstruct;
static uint8_t img0[VPCI_CFG_SPACE];

/* ------------------------------------------------------------ the model */

enum fid {
	F_DFSEL, F_DF, F_GFSEL, F_GF, F_MSIX, F_NUMQ, F_STATUS, F_CFGGEN, F_QSEL, F_QSIZE,
	F_QMSIX, F_QENABLE, F_QNOFF, F_QDESCLO, F_QDESCHI, F_QAVAILLO, F_QAVAILHI, F_QUSEDLO,
	F_QUSEDHI, F_QNDATA, F_QRESET, F_COUNT
};

/* 4.1.4.3 struct virtio_pci_common_cfg, from the spec's layout */
static const struct field {
	uint16_t off;
	uint8_t width;
	bool ro, per_queue;
} fld[F_COUNT] = {
	[F_DFSEL] = { VIRTIO_PCI_COMMON_DFSELECT, 4, false, false },
	[F_DF] = { VIRTIO_PCI_COMMON_DF, 4, true, false },
	[F_GFSEL] = { VIRTIO_PCI_COMMON_GFSELECT, 4, false, false },
	[F_GF] = { VIRTIO_PCI_COMMON_GF, 4, false, false },
	[F_MSIX] = { VIRTIO_PCI_COMMON_MSIX, 2, false, false },
	[F_NUMQ] = { VIRTIO_PCI_COMMON_NUMQ, 2, true, false },
	[F_STATUS] = { VIRTIO_PCI_COMMON_STATUS, 1, false, false },
	[F_CFGGEN] = { VIRTIO_PCI_COMMON_CFGGENERATION, 1, true, false },
	[F_QSEL] = { VIRTIO_PCI_COMMON_Q_SELECT, 2, false, false },
	[F_QSIZE] = { VIRTIO_PCI_COMMON_Q_SIZE, 2, false, true },
	[F_QMSIX] = { VIRTIO_PCI_COMMON_Q_MSIX, 2, false, true },
	[F_QENABLE] = { VIRTIO_PCI_COMMON_Q_ENABLE, 2, false, true },
	[F_QNOFF] = { VIRTIO_PCI_COMMON_Q_NOFF, 2, true, true },
	[F_QDESCLO] = { VIRTIO_PCI_COMMON_Q_DESCLO, 4, false, true },
	[F_QDESCHI] = { VIRTIO_PCI_COMMON_Q_DESCHI, 4, false, true },
	[F_QAVAILLO] = { VIRTIO_PCI_COMMON_Q_AVAILLO, 4, false, true },
	[F_QAVAILHI] = { VIRTIO_PCI_COMMON_Q_AVAILHI, 4, false, true },
	[F_QUSEDLO] = { VIRTIO_PCI_COMMON_Q_USEDLO, 4, false, true },
	[F_QUSEDHI] = { VIRTIO_PCI_COMMON_Q_USEDHI, 4, false, true },
	[F_QNDATA] = { VIRTIO_PCI_COMMON_Q_NDATA, 2, true, true },
	[F_QRESET] = { VIRTIO_PCI_COMMON_Q_RESET, 2, false, true },
};

struct mqueue {
	uint16_t size, msix;
	bool enable;
	uint64_t desc, driver, device;
	bool dev_evt;          /* EVENT_IDX as negotiated when it was enabled */
	bool packed;           /* RING_PACKED as negotiated when it was enabled */
	unsigned enable_gen;   /* driver ring generation at enable */
	bool resetting;        /* queue_reset written 1, not yet read back 0 */
	uint16_t reset_left;   /* reads of queue_reset that still return 1 */
};

static struct {
	uint8_t status; /* without DEVICE_NEEDS_RESET */
	bool nr;        /* DEVICE_NEEDS_RESET seen, sticky until reset */
	uint32_t dfsel, gfsel;
	uint64_t drvf;
	bool drvf_high;
	uint64_t negotiated;
	uint16_t msix_cfg; /* last written; reads back this or NO_VECTOR */
	uint16_t qsel;
	struct mqueue q;   /* the rng device has one queue */
	uint8_t cfggen;
	bool msix_en;
	struct { uint8_t bar; uint32_t off, len; } win;
	/* pci_cfg_data is a 4-byte latch (its bytes live in img[]); bit j:
	 * the model knows byte j */
	uint8_t latch_known;
	bool isr_zero;     /* the ISR is known to read 0 */
	bool isr_cfg;      /* INTx: a config interrupt was sent since the last ISR read */
	unsigned reset_gen;
	uint8_t img[VPCI_CFG_SPACE]; /* expected PCI configuration space */
	/* first finding, once there is one */
	bool first_seen;
	const char *first_clause;
	char first_msg[sizeof(((struct vc_violation *)0)->msg)];
	/* an access the model says must set DEVICE_NEEDS_RESET */
	bool expect_nr;
} nm;

/* the driver's ring (vq_drv on the pair's driver view) */
static struct {
	vq_drv_t *vq;
	bool ready;
	struct vq_cfg cfg;
	unsigned gen;        /* bumped by every setup */
	unsigned reset_gen;  /* nm.reset_gen at setup */
	unsigned posted;     /* buffers posted since setup */
	bool posted_bad;     /* a buffer the rng device must refuse was posted */
	unsigned reports;    /* findings of the driver side */
} ring;

static void ring_sink(void *owner, const struct vc_violation *v)
{
	ring.reports++;
}

#define IRQ_LOG 16
static struct {
	unsigned n;
	uint16_t vec[IRQ_LOG];
} irq;

static void on_irq(void *ctx, uint16_t vector)
{
	if (irq.n < IRQ_LOG)
		irq.vec[irq.n] = vector;
	irq.n++;
	if (vector == VPCI_IRQ_INTX) {
		/* devicenormative: ISR status capability -- the ISR bit is set
		 * before the interrupt; PCI status bit 3 mirrors it in INTx */
		ORACLE(vpci_cfg_read(dev, 0x06, 1) & 0x08, CL_DEV_PCI_ISR,
		       "INTx interrupt with the PCI Interrupt Status bit clear");
		ORACLE(!nm.msix_en, CL_DEV_PCI_USED_NOTIFY, "INTx interrupt with MSI-X enabled");
	} else {
		ORACLE(nm.msix_en && vector != NO_VEC && vector < nq + 1u, CL_DEV_PCI_MSIX,
		       "MSI-X interrupt on vector %u (MSI-X %s, table size %u)", vector,
		       nm.msix_en ? "on" : "off", nq + 1u);
	}
}

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static bool neg_packed(void)
{
	return !!(nm.negotiated & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
}

/* 4.1.4.3: a queue size the device takes (split: a power of two; packed,
 * 2.8.10.1: any size; both at most the maximum it presented) */
static bool qsize_ok(uint64_t v)
{
	return v && v <= qmax && (neg_packed() || is_pow2(v));
}

static uint64_t width_mask(unsigned w)
{
	return w >= 8 ? ~0ull : (1ull << (8 * w)) - 1;
}

static void model_queue_defaults(void)
{
	memset(&nm.q, 0, sizeof(nm.q));
	nm.q.size = qmax;
	nm.q.msix = NO_VEC;
	nm.reset_gen++;
}

static void model_reset(void)
{
	nm.status = 0;
	nm.nr = false;
	nm.dfsel = nm.gfsel = 0;
	nm.drvf = 0;
	nm.drvf_high = false;
	nm.negotiated = 0;
	nm.msix_cfg = NO_VEC;
	nm.qsel = 0;
	model_queue_defaults();
	nm.isr_zero = true;
	nm.isr_cfg = false;
}

/* 2.1 / 3.1.1 / 2.2: what a status write does */
static void model_status(uint8_t val)
{
	uint8_t want, added;

	if (val == 0) {
		model_reset();
		return;
	}
	want = (uint8_t)(val & ~ST_NR);
	added = (uint8_t)(want & ~nm.status);
	nm.status |= (uint8_t)(added & (ST_FAILED | ST_ACK | ST_DRV));
	if (added & ST_FOK) {
		uint64_t f = nm.drvf;

		/* subset of the offer, VERSION_1 accepted, nothing this model
		 * does not implement (the rng device accepts every subset) */
		if (!(f & ~offered) && !nm.drvf_high && (f & VIRTIO_BIT(VIRTIO_F_VERSION_1)) &&
		    !(f & VDEV_UNIMPLEMENTED_FEATURES)) {
			/* (NOTIF_CONFIG_DATA needs VERSION_1, which is there) */
			nm.status |= ST_FOK;
			nm.negotiated = f;
		}
	}
	if ((added & ST_DOK) && (nm.status & ST_FOK))
		nm.status |= ST_DOK;
}

static int field_at(uint64_t off)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (fld[i].off == off)
			return i;
	return -1;
}

static bool ring_range_ok(uint64_t gpa, uint64_t len, uint64_t align)
{
	return gpa % align == 0 && gm_range_ok(pr.dev_mem, gpa, len);
}

/* enabling succeeds exactly when the parts are aligned and in memory */
static void model_enable(void)
{
	uint16_t s = nm.q.size;
	bool ok;

	if (neg_packed()) /* 2.8.10.1: 16 * size, 4 and 4 bytes */
		ok = s && ring_range_ok(nm.q.desc, 16ull * s, 16) &&
		     ring_range_ok(nm.q.driver, 4, 4) && ring_range_ok(nm.q.device, 4, 4);
	else
		ok = is_pow2(s) && ring_range_ok(nm.q.desc, virtq_desc_bytes(s), 16) &&
		     ring_range_ok(nm.q.driver, virtq_avail_bytes(s), 2) &&
		     ring_range_ok(nm.q.device, virtq_used_bytes(s), 4);
	if (!ok) {
		nm.expect_nr = true;
		return;
	}
	nm.q.enable = true;
	nm.q.dev_evt = !!(nm.negotiated & VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	nm.q.packed = neg_packed();
	nm.q.enable_gen = ring.gen;
}

static bool live(void)
{
	return (nm.status & ST_DOK) && !nm.nr;
}

/* the device's queue and the driver's ring describe the same memory */
static bool ring_consistent(void)
{
	return ring.ready && nm.q.enable && nm.q.enable_gen == ring.gen &&
	       ring.reset_gen == nm.reset_gen && nm.q.size == ring.cfg.size &&
	       nm.q.desc == ring.cfg.desc && nm.q.driver == ring.cfg.driver &&
	       nm.q.device == ring.cfg.device && nm.q.dev_evt == ring.cfg.event_idx &&
	       nm.q.packed == ring.cfg.packed;
}

/* -------------------------------------------------- per-access checking */

struct snap {
	uint8_t status;
	uint64_t total;
	uint64_t popped, pushed, qirq, cirq, notifies;
	unsigned nirq;
};

static uint64_t findings_total(void)
{
	const struct vc_findings *f = vpci_findings(dev);

	return (uint64_t)f->count + f->dropped;
}

static void take(struct snap *s)
{
	const struct vdev_stats *st = vpci_stats(dev);
	const struct vq_dev_stats *qs = vq_dev_stats(vpci_queue(dev, 0));

	s->status = vpci_status(dev);
	s->total = findings_total();
	s->popped = qs->popped;
	s->pushed = qs->pushed;
	s->qirq = st->queue_interrupts;
	s->cirq = st->config_interrupts;
	s->notifies = st->notifies;
	s->nirq = irq.n;
}

/* raw reads the model does not see (no side effects, no findings) */
static uint16_t peek_msix_config(void)
{
	return (uint16_t)vpci_bar_read(dev, VIRTIO_PCI_COMMON_MSIX, 2);
}

static uint16_t peek_queue_msix(void)
{
	uint64_t sel = vpci_bar_read(dev, VIRTIO_PCI_COMMON_Q_SELECT, 2);
	uint16_t v;

	vpci_bar_write(dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	v = (uint16_t)vpci_bar_read(dev, VIRTIO_PCI_COMMON_Q_MSIX, 2);
	vpci_bar_write(dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, sel);
	return v;
}

static void check_findings_log(void)
{
	const struct vc_findings *f = vpci_findings(dev);

	ORACLE(f->count <= VC_FINDINGS_MAX, HARNESS, "findings count %u > %u", f->count,
	       VC_FINDINGS_MAX);
	ORACLE(f->dropped == 0 || f->count == VC_FINDINGS_MAX, HARNESS,
	       "%u findings dropped while the log holds only %u", f->dropped, f->count);
	if (f->count && !nm.first_seen) {
		nm.first_seen = true;
		nm.first_clause = f->v[0].clause;
		memcpy(nm.first_msg, f->v[0].msg, sizeof(nm.first_msg));
	}
	if (nm.first_seen)
		ORACLE(f->count && f->v[0].clause == nm.first_clause &&
			       memcmp(f->v[0].msg, nm.first_msg, sizeof(nm.first_msg)) == 0,
		       HARNESS, "the first finding was overwritten");
}

/*
 * After every top-level access. exp_delta: findings the access must add, or
 * -1 when the model cannot tell.
 */
static void post_check(const struct snap *pre, int exp_delta)
{
	struct snap now;
	uint8_t st;
	unsigned k;

	take(&now);
	st = now.status;
	check_findings_log();
	ORACLE(now.total >= pre->total, W(HARNESS), "findings count went down");
	if (exp_delta >= 0)
		ORACLE(now.total - pre->total == (uint64_t)exp_delta, W(HARNESS),
		       "access added %llu findings, the model expects %d (last: %s)",
		       (unsigned long long)(now.total - pre->total), exp_delta,
		       vpci_findings(dev)->count
			       ? vpci_findings(dev)->v[vpci_findings(dev)->count - 1].msg
			       : "-");
	/* DEVICE_NEEDS_RESET: sticky, only with a finding, whenever expected */
	if (nm.nr)
		ORACLE(st & ST_NR, W(CL_DEV_STATUS), "DEVICE_NEEDS_RESET cleared without a reset");
	if (nm.expect_nr)
		ORACLE(st & ST_NR, W(CL_DEV_STATUS),
		       "enabling a queue with a bad ring did not set DEVICE_NEEDS_RESET");
	nm.expect_nr = false;
	if ((st & ST_NR) && !nm.nr) {
		ORACLE(now.total > pre->total, W(CL_DEV_STATUS),
		       "DEVICE_NEEDS_RESET set without a finding");
		nm.nr = true;
		nm.isr_zero = false;
		if (nm.status & ST_DOK) {
			uint16_t v = peek_msix_config();

			/* devicenormative: Device Status Field -- a configuration
			 * change notification after DEVICE_NEEDS_RESET with DRIVER_OK */
			if (!nm.msix_en || v != NO_VEC)
				ORACLE(now.cirq > pre->cirq, W(CL_DEV_STATUS),
				       "DEVICE_NEEDS_RESET set while DRIVER_OK, no config interrupt");
			if (!nm.msix_en)
				nm.isr_cfg = true;
		}
	}
	ORACLE(vpci_broken(dev) == !!(st & ST_NR), W(HARNESS), "broken=%d with status 0x%02x",
	       vpci_broken(dev), st);
	ORACLE((uint8_t)(st & ~ST_NR) == nm.status, W(CL_DEV_STATUS),
	       "status 0x%02x, the model says 0x%02x (+NEEDS_RESET)", st, nm.status);
	/* FEATURES_OK only for an acceptable subset, negotiated == that subset */
	if (st & ST_FOK) {
		uint64_t n = vpci_negotiated_features(dev);

		ORACLE(!(n & ~offered) && (n & VIRTIO_BIT(VIRTIO_F_VERSION_1)), W(CL_DEV_FEATURES),
		       "FEATURES_OK with negotiated 0x%llx, offer 0x%llx", (unsigned long long)n,
		       (unsigned long long)offered);
	}
	ORACLE(vpci_negotiated_features(dev) == nm.negotiated, W(CL_DEV_FEATURES),
	       "negotiated 0x%llx, the model says 0x%llx",
	       (unsigned long long)vpci_negotiated_features(dev),
	       (unsigned long long)nm.negotiated);
	/* nothing used, no used-buffer interrupt, no notification passed on
	 * before DRIVER_OK (or while the device needs a reset) */
	if (!(pre->status & ST_DOK) || (pre->status & ST_NR)) {
		ORACLE(now.popped <= pre->popped && now.pushed <= pre->pushed, W(CL_DEV_STATUS),
		       "buffers used with status 0x%02x", pre->status);
		ORACLE(now.qirq == pre->qirq, W(CL_DEV_STATUS),
		       "used-buffer interrupt with status 0x%02x", pre->status);
		ORACLE(now.notifies == pre->notifies, W(CL_DEV_STATUS),
		       "notification passed to the device with status 0x%02x", pre->status);
	}
	/* rng never changes its configuration: config interrupts only come
	 * with DEVICE_NEEDS_RESET */
	if (now.cirq > pre->cirq)
		ORACLE((st & ST_NR) && !(pre->status & ST_NR), W(CL_DEV_PCI_CONFIG_NOTIFY),
		       "configuration-change interrupt without a configuration change");
	if (now.nirq > pre->nirq) {
		uint16_t vc = peek_msix_config(), vq = peek_queue_msix();

		nm.isr_zero = false;
		for (k = pre->nirq; k < now.nirq && k < IRQ_LOG; k++)
			if (irq.vec[k] != VPCI_IRQ_INTX)
				ORACLE(irq.vec[k] == vc || irq.vec[k] == vq, W(CL_DEV_PCI_MSIX),
				       "MSI-X interrupt on vector %u; config vector %u, queue vector %u",
				       irq.vec[k], vc, vq);
		if (nm.msix_en && now.qirq > pre->qirq)
			ORACLE(vq != NO_VEC, W(CL_DEV_PCI_USED_NOTIFY),
			       "used-buffer interrupt for a queue with NO_VECTOR");
		if (nm.msix_en && now.cirq > pre->cirq)
			ORACLE(vc != NO_VEC, W(CL_DEV_PCI_CONFIG_NOTIFY),
			       "configuration interrupt with config_msix_vector NO_VECTOR");
	}
	ORACLE(now.nirq - pre->nirq == (now.qirq - pre->qirq) + (now.cirq - pre->cirq), W(HARNESS),
	       "%u interrupts, stats count %llu", now.nirq - pre->nirq,
	       (unsigned long long)((now.qirq - pre->qirq) + (now.cirq - pre->cirq)));
}

/* -------------------------------------------------- BAR 0, through the model */

/*
 * A BAR 0 read the device performed (directly or through the PCI_CFG
 * window): check v when known, apply side effects. *delta accumulates the
 * findings the model expects (-1: cannot tell).
 */
static void m_bar_read(uint64_t off, unsigned w, uint64_t v, bool known, int *delta)
{
	int i;

	if (known && w < 8)
		ORACLE(v <= width_mask(w),
		       W(CL_DRV_PCI_LAYOUT), "read of width %u returned 0x%llx", w,
		       (unsigned long long)v);
	if (off < VIRTIO_PCI_COMMON_SIZE) {
		const struct field *fd;

		i = field_at(off);
		if (i < 0 || fld[i].width != w) {
			ORACLE(!known || v == 0, W(CL_DEV_PCI_COMMON),
			       "ignored read (width %u at 0x%llx) returned 0x%llx", w,
			       (unsigned long long)off, (unsigned long long)v);
			if (*delta >= 0)
				(*delta)++;
			return;
		}
		fd = &fld[i];
		if (!known) {
			if (i == F_QRESET && nm.qsel < nq) {
				if (nm.q.reset_left)
					nm.q.reset_left--;
				else
					nm.q.resetting = false;
			}
			return;
		}
		if (fd->per_queue && nm.qsel >= nq) {
			ORACLE(v == 0,
			       W(CL_DEV_PCI_COMMON), "field 0x%x of absent queue %u reads 0x%llx",
			       fd->off, nm.qsel, (unsigned long long)v);
			return;
		}
		switch ((enum fid)i) {
		case F_DFSEL:
			ORACLE(v == nm.dfsel, W(CL_DEV_PCI_COMMON), "device_feature_select 0x%llx",
			       (unsigned long long)v);
			break;
		case F_DF:
			ORACLE(v == (nm.dfsel < 2 ? (uint32_t)(offered >> (32 * nm.dfsel)) : 0),
			       W(CL_DEV_FEATURES), "device_feature[%u] reads 0x%llx, offer 0x%llx",
			       nm.dfsel, (unsigned long long)v, (unsigned long long)offered);
			break;
		case F_GFSEL:
			ORACLE(v == nm.gfsel, W(CL_DEV_PCI_COMMON), "driver_feature_select 0x%llx",
			       (unsigned long long)v);
			break;
		case F_GF:
			ORACLE(v == (nm.gfsel < 2 ? (uint32_t)(nm.drvf >> (32 * nm.gfsel)) : 0),
			       W(CL_DEV_PCI_COMMON), "driver_feature[%u] reads 0x%llx, written 0x%llx",
			       nm.gfsel, (unsigned long long)v, (unsigned long long)nm.drvf);
			break;
		case F_MSIX:
			ORACLE(v == nm.msix_cfg || v == NO_VEC, W(CL_DEV_PCI_MSIX),
			       "config_msix_vector reads 0x%llx after 0x%x was written",
			       (unsigned long long)v, nm.msix_cfg);
			break;
		case F_NUMQ:
			ORACLE(v == nq,
			       W(CL_DEV_PCI_COMMON), "num_queues %llu", (unsigned long long)v);
			break;
		case F_STATUS:
			ORACLE((uint8_t)(v & ~ST_NR) == nm.status && !!(v & ST_NR) >= nm.nr,
			       W(CL_DEV_STATUS), "device_status reads 0x%02llx, model 0x%02x nr %d",
			       (unsigned long long)v, nm.status, nm.nr);
			break;
		case F_CFGGEN:
			ORACLE(v == nm.cfggen, W(CL_DEV_PCI_COMMON),
			       "config_generation %llu changed without a configuration change",
			       (unsigned long long)v);
			break;
		case F_QSEL:
			ORACLE(v == nm.qsel, W(CL_DEV_PCI_COMMON), "queue_select %llu, written %u",
			       (unsigned long long)v, nm.qsel);
			break;
		case F_QSIZE:
			/* devicenormative: Common configuration structure
			 * layout -- 0 or a power of 2 unless RING_PACKED was
			 * negotiated; never more than the maximum */
			ORACLE(v == 0 || qsize_ok(v), W(CL_DEV_PCI_COMMON),
			       "queue_size %llu is neither 0 nor a %s <= %u", (unsigned long long)v,
			       neg_packed() ? "size" : "power of two", qmax);
			ORACLE(v == nm.q.size, W(CL_DEV_PCI_COMMON), "queue_size %llu, model %u",
			       (unsigned long long)v, nm.q.size);
			break;
		case F_QMSIX:
			ORACLE(v == nm.q.msix || v == NO_VEC, W(CL_DEV_PCI_MSIX),
			       "queue_msix_vector reads 0x%llx after 0x%x was written",
			       (unsigned long long)v, nm.q.msix);
			break;
		case F_QENABLE:
			ORACLE(v == nm.q.enable,
			       W(CL_DEV_PCI_COMMON), "queue_enable reads %llu, model %d",
			       (unsigned long long)v, nm.q.enable);
			break;
		case F_QNOFF:
			ORACLE(v * notify_mult + 2 <= notify_len, W(CL_DEV_PCI_NOTIFY),
			       "queue_notify_off %llu * %u is outside the notification area of %u",
			       (unsigned long long)v, notify_mult, notify_len);
			break;
		case F_QDESCLO: case F_QDESCHI:
			ORACLE(v == (uint32_t)(nm.q.desc >> (i == F_QDESCHI ? 32 : 0)),
			       W(CL_DEV_PCI_COMMON),
			       "queue_desc half reads 0x%llx, model 0x%llx", (unsigned long long)v,
			       (unsigned long long)nm.q.desc);
			break;
		case F_QAVAILLO: case F_QAVAILHI:
			ORACLE(v == (uint32_t)(nm.q.driver >> (i == F_QAVAILHI ? 32 : 0)),
			       W(CL_DEV_PCI_COMMON), "queue_driver half reads 0x%llx, model 0x%llx",
			       (unsigned long long)v, (unsigned long long)nm.q.driver);
			break;
		case F_QUSEDLO: case F_QUSEDHI:
			ORACLE(v == (uint32_t)(nm.q.device >> (i == F_QUSEDHI ? 32 : 0)),
			       W(CL_DEV_PCI_COMMON), "queue_device half reads 0x%llx, model 0x%llx",
			       (unsigned long long)v, (unsigned long long)nm.q.device);
			break;
		case F_QNDATA:
			break;
		case F_QRESET:
			/* devicenormative: Virtqueue Reset -- 1 until the reset is
			 * done (after params.queue_reset_reads reads here), then 0 */
			ORACLE(v == (nm.q.reset_left ? 1u : 0u), W(CL_DEV_QRESET),
			       "queue_reset reads %llu, %u reads of 1 left", (unsigned long long)v,
			       nm.q.reset_left);
			if (nm.q.reset_left)
				nm.q.reset_left--;
			else
				nm.q.resetting = false;
			break;
		case F_COUNT:
			break;
		}
		return;
	}
	if (off == VPCI_BAR_ISR) {
		if (w != 1) {
			ORACLE(!known || v == 0,
			       W(CL_DEV_PCI_ISR), "ISR read of width %u returned 0x%llx", w,
			       (unsigned long long)v);
			if (*delta >= 0)
				(*delta)++;
			return; /* an ignored read does not clear it */
		}
		if (known) {
			ORACLE(!(v & ~3ull), W(CL_DEV_PCI_ISR), "ISR 0x%llx has reserved bits",
			       (unsigned long long)v);
			ORACLE(!nm.isr_zero || v == 0, W(CL_DEV_PCI_ISR),
			       "ISR reads 0x%llx though nothing happened since it was cleared",
			       (unsigned long long)v);
			ORACLE(!nm.isr_cfg || (v & VIRTIO_PCI_ISR_CONFIG), W(CL_DEV_PCI_ISR),
			       "INTx configuration interrupt sent, ISR reads 0x%llx",
			       (unsigned long long)v);
		}
		nm.isr_zero = true;
		nm.isr_cfg = false;
		return;
	}
	/* the rng device has no device configuration; nothing else reads */
	ORACLE(!known || v == 0, W(HARNESS), "BAR 0 offset 0x%llx reads 0x%llx",
	       (unsigned long long)off, (unsigned long long)v);
}

/* 4.1.5.2: with VIRTIO_F_NOTIFICATION_DATA the driver writes 32 bits */
static unsigned notify_width(void)
{
	return nm.negotiated & VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA) ? 4 : 2;
}

static void m_notify(uint64_t off, unsigned w, uint64_t v, int *delta)
{
	uint64_t rel = off - VPCI_BAR_NOTIFY;

	if (rel % notify_mult || w != notify_width() || (uint16_t)v != rel / notify_mult ||
	    !(nm.status & ST_DOK)) {
		if (*delta >= 0)
			(*delta)++;
		return;
	}
	if (live() && nm.q.enable)
		*delta = -1; /* the device may find faults in the driver's ring */
}

static void m_bar_write(uint64_t off, unsigned w, uint64_t v, int *delta)
{
	const struct field *fd;
	int i;

	if (off >= VPCI_BAR_NOTIFY && off < VPCI_BAR_NOTIFY + notify_len) {
		m_notify(off, w, v, delta);
		return;
	}
	i = off < VIRTIO_PCI_COMMON_SIZE ? field_at(off) : -1;
	if (i < 0 || fld[i].width != w || fld[i].ro ||
	    (fld[i].per_queue && nm.qsel >= nq)) {
		/* no field, wrong width, read-only, absent queue: ignored */
		if (*delta >= 0)
			(*delta)++;
		return;
	}
	fd = &fld[i];
	if (fd->per_queue && nm.q.enable && i == F_QENABLE && v == 1)
		return;
	if (fd->per_queue && nm.q.resetting && i != F_QRESET) {
		/* drivernormative: Virtqueue Reset -- wait for the reset */
		if (*delta >= 0)
			(*delta)++;
		return;
	}
	if (fd->per_queue && nm.q.enable) {
		if (i == F_QENABLE && v == 1)
			return;
		if (i != F_QRESET && i != F_QMSIX) {
			if (*delta >= 0)
				(*delta)++;
			return;
		}
	}
	switch ((enum fid)i) {
	case F_DFSEL: nm.dfsel = (uint32_t)v; break;
	case F_GFSEL: nm.gfsel = (uint32_t)v; break;
	case F_GF:
		if (nm.status & ST_FOK) {
			if (*delta >= 0)
				(*delta)++;
			return;
		}
		if (nm.gfsel < 2)
			nm.drvf = (nm.drvf & ~(0xffffffffull << (32 * nm.gfsel))) |
				  ((uint64_t)(uint32_t)v << (32 * nm.gfsel));
		else if (v)
			nm.drvf_high = true;
		break;
	case F_MSIX: nm.msix_cfg = (uint16_t)v; break;
	case F_STATUS:
		model_status((uint8_t)v);
		*delta = -1; /* ordering findings: not modelled */
		break;
	case F_QSEL: nm.qsel = (uint16_t)v; break;
	case F_QSIZE:
		if (!qsize_ok(v)) {
			if (*delta >= 0)
				(*delta)++;
			return;
		}
		nm.q.size = (uint16_t)v;
		break;
	case F_QMSIX: nm.q.msix = (uint16_t)v; break;
	case F_QENABLE:
		if (v != 1) {
			if (*delta >= 0)
				(*delta)++;
			return;
		}
		model_enable();
		*delta = -1; /* before FEATURES_OK: one more finding */
		break;
	case F_QDESCLO: nm.q.desc = (nm.q.desc & ~0xffffffffull) | (uint32_t)v; break;
	case F_QDESCHI: nm.q.desc = (nm.q.desc & 0xffffffffull) | v << 32; break;
	case F_QAVAILLO: nm.q.driver = (nm.q.driver & ~0xffffffffull) | (uint32_t)v; break;
	case F_QAVAILHI: nm.q.driver = (nm.q.driver & 0xffffffffull) | v << 32; break;
	case F_QUSEDLO: nm.q.device = (nm.q.device & ~0xffffffffull) | (uint32_t)v; break;
	case F_QUSEDHI: nm.q.device = (nm.q.device & 0xffffffffull) | v << 32; break;
	case F_QRESET:
		if (!(nm.negotiated & VIRTIO_BIT(VIRTIO_F_RING_RESET))) {
			if (*delta >= 0)
				(*delta)++;
			return;
		}
		if (v == 1) {
			model_queue_defaults();
			nm.q.reset_left = params.queue_reset_reads;
			nm.q.resetting = params.queue_reset_reads > 0;
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------ top-level accesses */

static uint64_t bar_read(uint64_t off, unsigned w)
{
	struct snap pre;
	uint64_t v;
	int delta = 0;

	take(&pre);
	v = vpci_bar_read(dev, off, w);
	m_bar_read(off, w, v, true, &delta);
	post_check(&pre, delta);
	return v;
}

/* A notification the model expects the device to act on, with the driver's
 * ring matching the device's queue: everything available is consumed. */
struct notify_expect {
	bool armed;
	uint16_t used_before, used_event, avail_flags;
	bool evt;
	/* packed: the device's next used slot and wrap counter, and the
	 * driver event suppression structure, before the notification */
	bool packed, wrap_before;
	uint16_t off_wrap, ev_flags;
};

/* the device's next used descriptor slot and Device Ring Wrap Counter (the
 * vring base of a packed queue, vq.h) */
static void packed_used_pos(uint16_t *slot, bool *wrap)
{
	uint32_t base = vq_dev_vring_base(vpci_queue(dev, 0));

	*slot = (uint16_t)((base >> 16) & 0x7fff);
	*wrap = !!(base >> 31);
}

static void notify_prepare_packed(struct notify_expect *ne)
{
	const struct pvirtq_event_suppress *ev =
		gm_translate(pr.drv_mem, ring.cfg.driver, sizeof(*ev), GM_READ);

	if (!ev) { /* vq_drv_setup mapped it: cannot happen */
		ne->armed = false;
		return;
	}
	ne->packed = true;
	ne->evt = ring.cfg.event_idx;
	ne->off_wrap = le16_load_once(&ev->off_wrap);
	ne->ev_flags = le16_load_once(&ev->flags) & RING_EVENT_FLAGS_MASK;
	packed_used_pos(&ne->used_before, &ne->wrap_before);
}

static void notify_prepare(struct notify_expect *ne, uint64_t off, unsigned w, uint64_t v)
{
	const struct virtq_avail *a;
	const struct virtq_used *u;

	memset(ne, 0, sizeof(*ne));
	if (off != VPCI_BAR_NOTIFY || w != notify_width() || (uint16_t)v != 0 || !live() ||
	    !ring_consistent() || ring.posted_bad)
		return;
	ne->armed = true;
	if (ring.cfg.packed) {
		notify_prepare_packed(ne);
		return;
	}
	a = gm_translate(pr.drv_mem, ring.cfg.driver, virtq_avail_bytes(ring.cfg.size), GM_READ);
	u = gm_translate(pr.drv_mem, ring.cfg.device, virtq_used_bytes(ring.cfg.size), GM_READ);
	ne->used_before = le16_load_once(&u->idx);
	ne->evt = ring.cfg.event_idx;
	ne->used_event = le16_load_once(virtq_used_event((struct virtq_avail *)a, ring.cfg.size));
	ne->avail_flags = le16_load_once(&a->flags);
}

static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/*
 * 2.8.10 for a consistent packed ring after the device consumed everything:
 * its next used slot and wrap counter are the driver's next available ones
 * (each rng buffer is one descriptor), and the interrupt follows the driver
 * event suppression structure read before the notification.
 */
static void notify_check_packed(const struct notify_expect *ne, const struct snap *pre)
{
	uint16_t size = ring.cfg.size, slot, want_slot = (uint16_t)(ring.posted % size);
	bool wrap, want_wrap = !((ring.posted / size) & 1), need = false, free_choice = false;
	uint16_t off = ne->off_wrap & RING_EVENT_OFF_MASK, s = ne->used_before, k, count;
	bool ev_wrap = !!(ne->off_wrap >> RING_EVENT_WRAP_SHIFT), w = ne->wrap_before;
	uint64_t irqs = vpci_stats(dev)->queue_interrupts - pre->qirq, vec_ok;

	packed_used_pos(&slot, &wrap);
	ORACLE(slot == want_slot && wrap == want_wrap, CL_DEV_RNG,
	       "after a notification the next used slot is %u (wrap %d); the driver made "
	       "%u buffers available, next slot %u (wrap %d)",
	       slot, wrap, ring.posted, want_slot, want_wrap);
	count = (uint16_t)(wrap == w ? slot - s : slot + size - s);
	if (slot == s && wrap == w) {
		ORACLE(irqs == 0, CL_DEV_USED_SUPPR, "used-buffer interrupt with nothing used");
		return;
	}
	switch (ne->ev_flags) {
	case RING_EVENT_FLAGS_DISABLE:
		break;
	case RING_EVENT_FLAGS_ENABLE:
		need = true;
		break;
	case RING_EVENT_FLAGS_DESC:
		/* DESC without EVENT_IDX, or off past the ring: any choice */
		free_choice = !ne->evt || off >= size;
		/* was slot off of lap ev_wrap among the slots used? */
		for (k = 0; k < count && !need && !free_choice; k++) {
			need = s == off && w == ev_wrap;
			if (++s == size) {
				s = 0;
				w = !w;
			}
		}
		break;
	default:
		free_choice = true; /* the reserved value */
		break;
	}
	vec_ok = !nm.msix_en || peek_queue_msix() != NO_VEC;
	ORACLE(free_choice ? irqs <= vec_ok : irqs == (need && vec_ok), CL_DEV_USED_SUPPR,
	       "%llu used-buffer interrupts for used slots %u+%u (wrap %d); driver event flags "
	       "%u off_wrap 0x%04x%s, expected %s%d",
	       (unsigned long long)irqs, ne->used_before, count, ne->wrap_before, ne->ev_flags,
	       ne->off_wrap, ne->evt ? " EVENT_IDX" : "", free_choice ? "at most " : "",
	       free_choice ? (int)vec_ok : (int)(need && vec_ok));
}

static void notify_check(const struct notify_expect *ne, const struct snap *pre)
{
	const struct vq_dev_stats *qs = vq_dev_stats(vpci_queue(dev, 0));
	const struct virtq_used *u;
	uint16_t now;
	bool need;
	uint64_t want_irq;

	if (!ne->armed)
		return;
	ORACLE(!(vpci_status(dev) & ST_NR), CL_DEV_RNG,
	       "a notification with only valid rng buffers set DEVICE_NEEDS_RESET: %s",
	       vpci_findings(dev)->count ? vpci_findings(dev)->v[vpci_findings(dev)->count - 1].msg
					 : "");
	ORACLE(vq_dev_inflight(vpci_queue(dev, 0)) == 0 && qs->popped == qs->pushed, CL_DEV_RNG,
	       "after a notification %u buffers are still in flight",
	       vq_dev_inflight(vpci_queue(dev, 0)));
	if (ne->packed) {
		notify_check_packed(ne, pre);
		return;
	}
	u = gm_translate(pr.drv_mem, ring.cfg.device, virtq_used_bytes(ring.cfg.size), GM_READ);
	now = le16_load_once(&u->idx);
	if (now == ne->used_before) {
		ORACLE(vpci_stats(dev)->queue_interrupts == pre->qirq, CL_DEV_USED_SUPPR,
		       "used-buffer interrupt with nothing used");
		return;
	}
	need = ne->evt ? need_event(ne->used_event, now, ne->used_before)
		       : !(ne->avail_flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	want_irq = need && (!nm.msix_en || peek_queue_msix() != NO_VEC);
	ORACLE(vpci_stats(dev)->queue_interrupts - pre->qirq == want_irq, CL_DEV_USED_SUPPR,
	       "%llu used-buffer interrupts for used idx %u -> %u (event %s %u, flags 0x%x), "
	       "expected %llu",
	       (unsigned long long)(vpci_stats(dev)->queue_interrupts - pre->qirq), ne->used_before,
	       now, ne->evt ? "used_event" : "off", ne->used_event, ne->avail_flags,
	       (unsigned long long)want_irq);
}

static void bar_write(uint64_t off, unsigned w, uint64_t v)
{
	struct snap pre;
	struct notify_expect ne;
	int delta = 0;

	v &= width_mask(w); /* a width-w access carries w bytes */
	notify_prepare(&ne, off, w, v);
	take(&pre);
	vpci_bar_write(dev, off, w, v);
	m_bar_write(off, w, v, &delta);
	post_check(&pre, delta);
	notify_check(&ne, &pre);
}

/* ------------------------------------------------- PCI configuration space */

static uint32_t img_get(uint32_t off, unsigned w)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < w; i++)
		v |= (uint32_t)nm.img[off + i] << (8 * i);
	return v;
}

static void img_put(uint32_t off, unsigned w, uint32_t v)
{
	unsigned i;

	for (i = 0; i < w; i++)
		nm.img[off + i] = (uint8_t)(v >> (8 * i));
}

static bool in_data(uint32_t off) { return off >= cap_pcicfg + 16u && off < cap_pcicfg + 20u; }

/*
 * 4.1.4.9: a usable window names BAR 0, a length of 1, 2 or 4, an offset
 * that is a multiple of it, inside a structure another virtio capability
 * describes. The transport records any other window access and ignores it
 * (CL_DRV_PCI_CFGACCESS).
 */
static bool window_live(void)
{
	uint32_t off = nm.win.off, len = nm.win.len;
	unsigned i;

	if (nm.win.bar != 0 || (len != 1 && len != 2 && len != 4) || off % len)
		return false;
	for (i = 0; i < n_vstruct; i++)
		if (off >= vstruct[i].off && off - vstruct[i].off < vstruct[i].len &&
		    len <= vstruct[i].len - (off - vstruct[i].off))
			return true;
	return false;
}

static uint32_t cfg_read(uint32_t off, unsigned w)
{
	struct snap pre;
	uint32_t v, want, mask;
	int delta = 0;
	unsigned i;

	take(&pre);
	v = vpci_cfg_read(dev, off, w);
	if ((w != 1 && w != 2 && w != 4) || off % w || off + w > VPCI_CFG_SPACE) {
		ORACLE(v == 0xffffffffu, PCI_HARNESS, "bad config read (%u at 0x%x) returned 0x%x", w,
		       off, v);
		post_check(&pre, 0);
		return v;
	}
	ORACLE(v <= width_mask(w), in_data(off) ? CL_DEV_PCI_CFGACCESS : PCI_HARNESS,
	       "config read of width %u at 0x%x returned 0x%x (more than %u bytes)", w, off, v, w);
	if (in_data(off)) {
		uint32_t rel = off - (cap_pcicfg + 16u), len = nm.win.len, j;

		via_window = true;
		if (!window_live()) {
			/* a window the driver may not use: recorded, reads 0 */
			ORACLE(v == 0, CL_DEV_PCI_CFGACCESS,
			       "pci_cfg_data through an unusable window reads 0x%x", v);
			delta = 1;
		} else {
			/* devicenormative: PCI configuration access capability --
			 * cap.length bytes of BAR 0 at cap.offset go into
			 * pci_cfg_data; the access returns its own bytes of it */
			bool whole = rel == 0 && w >= len;

			for (j = rel; j < rel + w; j++) {
				uint8_t b = (uint8_t)(v >> (8 * (j - rel)));

				if (j >= len && (nm.latch_known & (1u << j)))
					ORACLE(b == nm.img[cap_pcicfg + 16u + j], CL_DEV_PCI_CFGACCESS,
					       "pci_cfg_data byte %u (beyond cap.length %u) reads 0x%02x, "
					       "latched 0x%02x",
					       j, len, b, nm.img[cap_pcicfg + 16u + j]);
			}
			m_bar_read(nm.win.off, len, whole ? v & width_mask(len) : 0, whole, &delta);
			for (j = 0; j < len; j++) {
				if (j >= rel && j < rel + w) {
					nm.img[cap_pcicfg + 16u + j] = (uint8_t)(v >> (8 * (j - rel)));
					nm.latch_known |= (uint8_t)(1u << j);
				} else {
					nm.latch_known &= (uint8_t)~(1u << j);
				}
			}
		}
		post_check(&pre, delta);
		via_window = false;
		return v;
	}
	/* everything else: the expected image; bit 3 of the PCI status is the
	 * INTx Interrupt Status (checked against the ISR where known) */
	want = img_get(off, w);
	mask = 0xffffffffu;
	for (i = 0; i < w; i++)
		if (off + i == 0x06)
			mask &= ~(0x08u << (8 * i));
	ORACLE((v & mask) == (want & mask), off < 0x40 ? CL_DEV_PCI_DISCOVERY : CL_DEV_PCI_CAPS,
	       "config space 0x%x (width %u) reads 0x%x, expected 0x%x", off, w, v, want);
	for (i = 0; i < w; i++)
		if (off + i == 0x06 && nm.isr_zero)
			ORACLE(!((v >> (8 * i)) & 0x08), CL_DEV_PCI_ISR,
			       "PCI Interrupt Status set with the ISR clear");
	post_check(&pre, 0);
	return v;
}

static void cfg_write(uint32_t off, unsigned w, uint32_t v)
{
	struct snap pre;
	struct notify_expect ne = { .armed = false };
	int delta = 0;
	uint8_t latch[4] = { 0 };
	uint32_t data = 0;
	bool data_known = false;

	v &= (uint32_t)width_mask(w);
	if (in_data(off) && (w == 1 || w == 2 || w == 4) && !(off % w)) {
		/* the access lands in pci_cfg_data; the BAR gets its first
		 * cap.length bytes */
		uint32_t rel = off - (cap_pcicfg + 16u), j;

		memcpy(latch, &nm.img[cap_pcicfg + 16u], 4);
		for (j = rel; j < rel + w; j++)
			latch[j] = (uint8_t)(v >> (8 * (j - rel)));
		if (window_live()) {
			data_known = true;
			for (j = 0; j < nm.win.len; j++) {
				data |= (uint32_t)latch[j] << (8 * j);
				if (!(j >= rel && j < rel + w) && !(nm.latch_known & (1u << j)))
					data_known = false;
			}
			if (data_known)
				notify_prepare(&ne, nm.win.off, nm.win.len, data);
		}
	}
	take(&pre);
	vpci_cfg_write(dev, off, w, v);
	if ((w != 1 && w != 2 && w != 4) || off % w || off + w > VPCI_CFG_SPACE) {
		post_check(&pre, 0);
		return;
	}
	if (off >= cap_pcicfg && off < cap_pcicfg + 20u) {
		uint32_t rel = off - cap_pcicfg;

		if (rel == 4 && w == 1) {
			nm.win.bar = (uint8_t)v;
			img_put(off, 1, v);
		} else if (rel == 8 && w == 4) {
			nm.win.off = v;
			img_put(off, 4, v);
		} else if (rel == 12 && w == 4) {
			nm.win.len = v;
			img_put(off, 4, v);
		} else if (rel >= 16) {
			uint32_t j;

			for (j = rel - 16; j < rel - 16 + w; j++) {
				nm.img[cap_pcicfg + 16u + j] = latch[j];
				nm.latch_known |= (uint8_t)(1u << j);
			}
			if (!window_live()) {
				delta = 1; /* recorded; the BAR is not touched */
			} else if (!data_known) {
				delta = -1; /* the generator avoids this */
			} else {
				via_window = true;
				m_bar_write(nm.win.off, nm.win.len, data, &delta);
				post_check(&pre, delta);
				notify_check(&ne, &pre);
				via_window = false;
				return;
			}
		} else {
			delta = 1; /* other capability bytes: recorded, ignored */
		}
		post_check(&pre, delta);
		return;
	}
	if (off >= cap_msix + 2u && off < cap_msix + 4u) {
		if (off == cap_msix + 2u && w == 2)
			nm.msix_en = !!(v & 0x8000);
		else if (off == cap_msix + 3u && w == 1)
			nm.msix_en = !!(v & 0x80);
		img_put(cap_msix + 2u, 2, (img_get(cap_msix + 2u, 2) & 0x7fff) |
						  (nm.msix_en ? 0x8000u : 0));
	} else if (off >= 0x40 && off < cap_msix) {
		delta = 1; /* drivernormative: capabilities are read-only */
	} else if (off == 0x04 && w == 2) {
		img_put(0x04, 2, v); /* command */
	} else if (off == 0x10 && w == 4) {
		img_put(0x10, 4, v & ~(uint32_t)(vpci_bar_size(dev) - 1));
	}
	post_check(&pre, delta);
}

/* ------------------------------------------------------------ the queue */

static void ring_free(void)
{
	vq_drv_free(ring.vq);
	memset(&ring, 0, sizeof(ring));
}

/* program queue 0's registers for the driver ring (through the model) */
static void program_queue(void)
{
	bar_write(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	bar_write(VIRTIO_PCI_COMMON_Q_SIZE, 2, ring.cfg.size);
	bar_write(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)ring.cfg.desc);
	bar_write(VIRTIO_PCI_COMMON_Q_DESCHI, 4, ring.cfg.desc >> 32);
	bar_write(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)ring.cfg.driver);
	bar_write(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, ring.cfg.driver >> 32);
	bar_write(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)ring.cfg.device);
	bar_write(VIRTIO_PCI_COMMON_Q_USEDHI, 4, ring.cfg.device >> 32);
}

/* RING_PACKED is in this device's offer (a reopen with the layout bit) */
static bool packed_offered(void)
{
	return !!(offered & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
}

/*
 * Flags: bit 0 follow the negotiated EVENT_IDX (else its opposite), bit 1
 * indirect, bit 2 program the queue registers, bit 3 (only where the offer
 * has RING_PACKED, so older inputs keep their meaning) the layout opposite
 * to the negotiated one. A packed ring with bit 7 of s takes an odd size.
 */
static void ring_setup(uint8_t s, uint8_t flags)
{
	bool packed = neg_packed() ^ (packed_offered() && (flags & 8));
	uint16_t size = packed && (s & 0x80) ? (uint16_t)(1u + (s & 0x7fu) * 2u)
					     : (uint16_t)(1u << (s % 9));

	if (!ring.vq) {
		ring.vq = vq_drv_new(pr.drv_mem, ring_sink, NULL);
		ORACLE(ring.vq != NULL, HARNESS, "out of memory");
	}
	memset(&ring.cfg, 0, sizeof(ring.cfg));
	ring.cfg.size = size;
	ring.cfg.desc = RING_DESC;
	ring.cfg.driver = RING_AVAIL;
	ring.cfg.device = RING_USED;
	/* flags bit 0: follow the negotiated EVENT_IDX (else its opposite) */
	ring.cfg.event_idx = !!(nm.negotiated & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) ^ !(flags & 1);
	ring.cfg.indirect = !!(flags & 2);
	ring.cfg.packed = packed;
	ORACLE(vq_drv_setup(ring.vq, &ring.cfg, RING_POOL, IND_MAX) == 0, HARNESS,
	       "driver ring setup failed");
	ring.ready = true;
	ring.gen++;
	ring.reset_gen = nm.reset_gen;
	ring.posted = 0;
	ring.posted_bad = false;
	ring.reports = 0;
	if (flags & 4)
		program_queue();
}

static void ring_post(uint8_t n, uint8_t how)
{
	unsigned k;

	if (!ring.ready)
		return;
	for (k = 0; k < (n % 8) + 1u; k++) {
		uint32_t len = how & 0x80 ? 0 : (uint32_t)(how & 0x3f) * 64u + 1u;
		struct vq_buf b = { RING_BUF + 0x1000ull * (ring.posted % RING_MAX), len };
		bool readable = (how & 0x40) && k == 0;
		/* the token carries the buffer's size */
		void *tok = (void *)(uintptr_t)((uint64_t)len + 1);
		int h = readable ? vq_drv_add(ring.vq, &b, 1, NULL, 0, tok, false)
				 : vq_drv_add(ring.vq, NULL, 0, &b, 1, tok, false);

		if (h < 0)
			break;
		ring.posted++;
		/* rng refuses readable parts and empty buffers (a driver fault) */
		if (readable || len == 0)
			ring.posted_bad = true;
	}
	vq_drv_kick_prepare(ring.vq);
}

/* Reap what the device returned; with matching rings and only valid rng
 * buffers, the driver side must accept every entry. */
static void ring_reap(void)
{
	bool consistent = ring_consistent() && !ring.posted_bad;
	unsigned k;

	if (!ring.ready)
		return;
	for (k = 0; k <= ring.cfg.size; k++) {
		void *tok = NULL;
		uint32_t len = 0;
		int rc = vq_drv_get(ring.vq, &tok, &len);

		if (!consistent) {
			if (rc != 1)
				break;
			continue;
		}
		ORACLE(rc >= 0 && ring.reports == 0, CL_DEV_USED,
		       "the driver refused what the rng device returned (%u findings)", ring.reports);
		if (rc == 0)
			break;
		/* devicenormative: Entropy Device -- at least one byte, never
		 * more than the buffer */
		ORACLE(len >= 1 && len <= (uint64_t)(uintptr_t)tok - 1, CL_DEV_RNG,
		       "rng returned len %u for a buffer of %llu bytes", len,
		       (unsigned long long)((uintptr_t)tok - 1));
	}
}

/* ------------------------------------------------------------ decoding */

static const uint8_t status_vals[16] = {
	0,
	ST_ACK,
	ST_ACK | ST_DRV,
	ST_ACK | ST_DRV | ST_FOK,
	ST_ACK | ST_DRV | ST_FOK | ST_DOK,
	ST_ACK | ST_DRV | ST_DOK,
	ST_FOK,
	ST_DOK,
	ST_FAILED,
	ST_NR,
	ST_NR | ST_ACK | ST_DRV,
	ST_FAILED | ST_ACK | ST_DRV | ST_FOK,
	0xff,
	ST_DRV,
	ST_ACK | ST_FOK,
	ST_NR | ST_ACK | ST_DRV | ST_FOK | ST_DOK,
};

static uint64_t pick_value(struct fin *f)
{
	static const uint64_t misc[8] = { 0, 1, 0xffff, 0xffffffffu, 0x8000, 2, 0x100, 0x10000 };
	uint8_t s = fin_u8(f);

	switch (s % 8) {
	case 0:
		return status_vals[fin_u8(f) % 16];
	case 1: {
		uint8_t k = fin_u8(f);
		uint32_t word = (k & 1) ? (uint32_t)(offered >> 32) : (uint32_t)offered;

		switch ((k >> 1) % 4) {
		case 0: return word;
		case 1: return word & fin_u32(f);
		case 2: return word | 1u << (fin_u8(f) % 32);
		default: return 0xffffffffu;
		}
	}
	case 2: return 1ull << (fin_u8(f) % 64);
	case 3: return misc[fin_u8(f) % 8];
	case 4: return fin_u8(f);
	case 5: return fin_u16(f);
	case 6: return fin_u32(f);
	default: return fin_u64(f);
	}
}

static unsigned pick_width(struct fin *f, unsigned natural)
{
	static const uint8_t other[4] = { 1, 2, 4, 8 };
	uint8_t s = fin_u8(f) % 10;

	return s < 6 ? natural : other[s - 6];
}

/* a common-configuration offset (biased to real fields) and width */
static void pick_common(struct fin *f, uint64_t *off, unsigned *w)
{
	uint8_t s = fin_u8(f);

	if (s < 0xf0) {
		*off = fld[s % F_COUNT].off;
		*w = pick_width(f, fld[s % F_COUNT].width);
	} else {
		*off = fin_u8(f) % (VIRTIO_PCI_COMMON_SIZE + 4);
		*w = pick_width(f, 4);
	}
}

static void op_feature_word(struct fin *f)
{
	uint8_t s = fin_u8(f);
	static const uint32_t sel[4] = { 0, 1, 2, 0xffffffffu };

	bar_write(VIRTIO_PCI_COMMON_GFSELECT, 4, sel[s % 4]);
	bar_write(VIRTIO_PCI_COMMON_GF, 4, pick_value(f));
	if (s & 4)
		bar_read(VIRTIO_PCI_COMMON_GF, 4);
}

static void op_notify(struct fin *f)
{
	uint8_t s = fin_u8(f);
	uint64_t off = VPCI_BAR_NOTIFY + (s % 4 == 3 ? fin_u8(f) % 16 : 0);
	unsigned w = pick_width(f, notify_width());
	uint64_t v = s & 0x80 ? pick_value(f) : 0;

	bar_write(off, w, v);
}

static void op_devcfg(struct fin *f)
{
	uint8_t s = fin_u8(f);
	uint64_t off = VPCI_BAR_DEVICE + fin_u8(f) % 16;
	unsigned w = pick_width(f, 4);

	if (s & 1)
		bar_write(off, w, pick_value(f));
	else
		bar_read(off, w);
}

static void op_pci_cfg(struct fin *f)
{
	static const uint8_t where[8] = { 0x00, 0x04, 0x06, 0x10, 0x34, 0x3c, 0, 0 };
	uint8_t s = fin_u8(f), k = fin_u8(f);
	uint32_t off;
	unsigned w = (unsigned[]){ 1, 2, 4, 4, 2, 1, 3, 8 }[fin_u8(f) % 8];

	switch (s % 6) {
	case 0: off = where[k % 6]; break;
	case 1: off = cap_msix + k % 4u; break;
	case 2: off = cap_pcicfg + k % 20u; break;
	case 3: off = 0x40u + k % 0x70u; break;
	default: off = k; break;
	}
	if (in_data(off))
		off = cap_pcicfg + 12u; /* pci_cfg_data: only through op_window */
	if (s & 0x80)
		cfg_write(off, w, (uint32_t)pick_value(f));
	else
		cfg_read(off, w);
}

/* set the PCI_CFG window, then read or write pci_cfg_data */
static void op_window(struct fin *f)
{
	static const uint8_t lens[8] = { 1, 2, 4, 4, 4, 2, 0, 3 };
	uint8_t s = fin_u8(f), fsel = fin_u8(f), l = fin_u8(f);
	uint64_t off;
	uint32_t rel;
	unsigned w;

	if (s & 1)
		cfg_write(cap_pcicfg + 4u, 1, s & 2 ? 1 : 0);
	if (s & 4) {
		off = fsel < 0xe0 ? fld[fsel % F_COUNT].off
			: fsel < 0xf0 ? VPCI_BAR_ISR : VPCI_BAR_NOTIFY;
		cfg_write(cap_pcicfg + 8u, 4, (uint32_t)off);
		cfg_write(cap_pcicfg + 12u, 4, lens[l % 8]);
	}
	w = (unsigned[]){ 4, 4, 1, 2 }[(s >> 4) % 4];
	rel = (uint32_t)((s >> 6) * w) % 4u;
	if (s & 8) {
		uint32_t v = (uint32_t)pick_value(f), j;

		/* a BAR write from latch bytes the model lost track of
		 * (after a partial read) becomes a whole write */
		for (j = 0; j < nm.win.len && j < 4; j++)
			if (!(j >= rel && j < rel + w) && !(nm.latch_known & (1u << j)))
				w = 4, rel = 0;
		cfg_write(cap_pcicfg + 16u + rel, w, v);
	} else {
		cfg_read(cap_pcicfg + 16u + rel, w);
	}
}

/*
 * A packed ring's driver event suppression structure written directly (the
 * driver's own memory): flags (a >> 2) % 4 -- ENABLE, DISABLE, DESC or the
 * reserved 3 -- and off_wrap: with a bit 4 clear, a slot and its wrap
 * counter up to one lap behind or ahead of the driver's next available one
 * (b picks it), else b's slot (size and size + 1 out of range) with wrap a
 * bit 5.
 */
static void packed_event_write(uint8_t a, uint8_t b)
{
	struct pvirtq_event_suppress *ev =
		gm_translate(pr.drv_mem, ring.cfg.driver, sizeof(*ev), GM_WRITE);
	uint16_t size = ring.cfg.size, off;
	bool wrap;

	if (!ev)
		return;
	if (!(a & 0x10)) {
		/* slot posted - size + (b % (2 * size + 1)), two laps on
		 * (which keeps its wrap parity) so that it is not negative */
		uint32_t at = ring.posted + size + (b & 0x7fu) % (2u * size + 1u);

		off = (uint16_t)(at % size);
		wrap = !((at / size) & 1);
	} else {
		off = (uint16_t)(b % (size + 2u)); /* size and size + 1: out of range */
		wrap = !!(a & 0x20);
	}
	le16_store_once(&ev->off_wrap, pvirtq_off_wrap(off, wrap));
	le16_store_release(&ev->flags, (uint16_t)((a >> 2) % 4));
}

static void op_queue(struct fin *f)
{
	uint8_t s = fin_u8(f), a = fin_u8(f), b = fin_u8(f);

	switch (s % 8) {
	case 0: ring_setup(a, b); break;
	case 1: case 2: ring_post(a, b); break;
	case 3: ring_reap(); break;
	case 4:
		bar_write(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
		bar_write(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
		break;
	case 5: bar_write(VPCI_BAR_NOTIFY, notify_width(), 0); break;
	case 6:
		if (ring.ready && ring.cfg.packed && (a & 2))
			packed_event_write(a, b);
		else if (ring.ready)
			vq_drv_set_interrupt(ring.vq, a & 1);
		break;
	default:
		if (ring.ready)
			program_queue();
		break;
	}
}

/* 3.1.1 in one go, with input-chosen features, vectors and stopping point */
static void op_init(struct fin *f)
{
	uint8_t s = fin_u8(f), fm = fin_u8(f), rs = fin_u8(f);
	uint64_t feat = offered & ((uint64_t)fm << 24 | VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				   VIRTIO_BIT(VIRTIO_F_RING_RESET));

	/* where the offer has it, the packed layout unless fm bit 7 says no
	 * (feature 31, which the rng device never offers) */
	if (!(fm & 0x80))
		feat |= offered & VIRTIO_BIT(VIRTIO_F_RING_PACKED);

	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	if (s & 0x40)
		cfg_write(cap_msix + 2u, 2, 0x8000);
	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, ST_ACK);
	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, ST_ACK | ST_DRV);
	bar_write(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	bar_write(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)feat);
	bar_write(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	bar_write(VIRTIO_PCI_COMMON_GF, 4, feat >> 32);
	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, ST_ACK | ST_DRV | ST_FOK);
	if ((s & 3) == 0)
		return;
	bar_write(VIRTIO_PCI_COMMON_MSIX, 2, s & 0x10 ? 0 : NO_VEC);
	ring_setup(rs, 1 | 4);
	bar_write(VIRTIO_PCI_COMMON_Q_MSIX, 2, s & 0x20 ? 1 : NO_VEC);
	bar_write(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	if ((s & 3) == 1)
		return;
	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	if ((s & 3) == 2)
		return;
	ring_post(s >> 2, rs);
	bar_write(VPCI_BAR_NOTIFY, notify_width(), 0);
	ring_reap();
}

static void op_any_bar(struct fin *f)
{
	uint8_t s = fin_u8(f);
	uint64_t off = fin_u16(f) % vpci_bar_size(dev);
	unsigned w = (unsigned[]){ 1, 2, 4, 8 }[s % 4];

	if (s & 0x80)
		bar_write(off, w, pick_value(f));
	else
		bar_read(off, w);
}

/* ------------------------------------------------------------ set-up */

static uint8_t find_cap(const uint8_t *cs, uint8_t id, int type)
{
	uint8_t ptr = cs[0x34] & 0xfc;
	unsigned walked = 0;

	while (ptr >= 0x40 && walked++ < 48) {
		if (cs[ptr] == id && (type < 0 || cs[ptr + 3] == type))
			return ptr;
		ptr = cs[ptr + 1] & 0xfc;
	}
	return 0;
}

static vpci_t *new_device(void)
{
	return vpci_new(pr.dev_mem, ops, "seed=7", &params, on_irq, NULL);
}

/* A fresh transport with the current params; it must come up reset. */
static void start_device(void)
{
	pr.dev = dev = new_device();
	ORACLE(dev != NULL, HARNESS, "cannot create the device");
	offered = vpci_offered_features(dev);
	ORACLE(offered == ((offer0 | params.extra_features) & ~params.withheld_features), HARNESS,
	       "offer 0x%llx with params +0x%llx -0x%llx", (unsigned long long)offered,
	       (unsigned long long)params.extra_features,
	       (unsigned long long)params.withheld_features);
	memset(&nm, 0, sizeof(nm));
	memset(&irq, 0, sizeof(irq));
	memcpy(nm.img, img0, sizeof(nm.img));
	nm.latch_known = 0xf;
	model_reset();
	nm.cfggen = (uint8_t)vpci_bar_read(dev, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	/* every device starts with a reset that must take */
	bar_write(VIRTIO_PCI_COMMON_STATUS, 1, 0);
	ORACLE(bar_read(VIRTIO_PCI_COMMON_STATUS, 1) == 0, CL_DEV_RESET,
	       "status does not read 0 after reset");
	bar_write(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	ORACLE(bar_read(VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 0 &&
		       bar_read(VIRTIO_PCI_COMMON_Q_SIZE, 2) == qmax,
	       CL_DEV_RESET, "queue 0 not at its defaults after reset");
}

/* The identity and capabilities are intact; then the device goes. */
static void stop_device(void)
{
	unsigned i;

	for (i = 0; i < 0x40; i += 4)
		cfg_read(i, 4);
	for (i = 0x40; i < cap_msix + 4u; i += 4)
		if (!in_data(i))
			cfg_read(i, 4);
	ring_free();
	vpci_free(dev);
	pr.dev = dev = NULL;
}

/* By default the layout features stay out of the offer, so the queue is a
 * split ring; op_reopen can put RING_PACKED back. */
#define SPLIT_ONLY (VIRTIO_BIT(VIRTIO_F_RING_PACKED) | VIRTIO_BIT(VIRTIO_F_IN_ORDER))

/* Replace the device by one created with other vpci_params: extra or
 * withheld offer bits, a queue reset that takes some reads to finish; bit 4
 * of the operation byte keeps RING_PACKED in the offer. */
static void op_reopen(struct fin *f, uint8_t op)
{
	static const uint64_t extra[8] = {
		0,
		VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA),
		VIRTIO_BIT(VIRTIO_F_RING_PACKED),
		VIRTIO_BIT(VIRTIO_F_NOTIF_CONFIG_DATA),
		VIRTIO_BIT(0) | VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM),
		VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM),
		VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA) | VIRTIO_BIT(VIRTIO_F_RING_PACKED),
		0,
	};
	static const uint64_t withheld[8] = {
		0,
		0,
		VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
		VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC),
		VIRTIO_BIT(VIRTIO_F_RING_RESET),
		VIRTIO_BIT(VIRTIO_F_VERSION_1),
		VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC),
		0,
	};
	uint8_t b = fin_u8(f);

	stop_device();
	params.queue_reset_reads = b % 4;
	params.extra_features = extra[(b >> 2) % 8];
	params.withheld_features = withheld[(b >> 5) % 8] | SPLIT_ONLY;
	if (op & 0x10) {
		params.extra_features |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
		params.withheld_features &= ~VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	}
	start_device();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned i;

	if (vc_pair_open(&pr, ops, "seed=7", NULL, NULL, 0) != 0) {
		fprintf(stderr, "fuzz_negotiation: cannot open the pair\n");
		exit(1);
	}
	/* the pair's own transport is replaced per input by one whose
	 * interrupts this target records */
	vpci_free(pr.dev);
	pr.dev = dev = new_device();
	if (!dev) {
		fprintf(stderr, "fuzz_negotiation: cannot create the device\n");
		exit(1);
	}
	for (i = 0; i < VPCI_CFG_SPACE; i++)
		img0[i] = (uint8_t)vpci_cfg_read(dev, i, 1);
	/* devicenormative: PCI Device Discovery */
	ORACLE((img0[0] | img0[1] << 8) == VIRTIO_PCI_VENDOR_ID &&
		       (unsigned)(img0[2] | img0[3] << 8) == VIRTIO_PCI_DEVICE_ID_BASE + ops->device_id &&
		       img0[8] >= 1,
	       CL_DEV_PCI_DISCOVERY, "wrong PCI identity");
	cap_pcicfg = find_cap(img0, 0x09, VIRTIO_PCI_CAP_PCI_CFG);
	cap_notify = find_cap(img0, 0x09, VIRTIO_PCI_CAP_NOTIFY_CFG);
	cap_msix = find_cap(img0, 0x11, -1);
	ORACLE(cap_pcicfg && cap_notify && cap_msix &&
		       find_cap(img0, 0x09, VIRTIO_PCI_CAP_COMMON_CFG) &&
		       find_cap(img0, 0x09, VIRTIO_PCI_CAP_ISR_CFG),
	       CL_DEV_PCI_CAPS, "capability missing");
	notify_len = img0[cap_notify + 12] | img0[cap_notify + 13] << 8 |
		     (uint32_t)img0[cap_notify + 14] << 16 | (uint32_t)img0[cap_notify + 15] << 24;
	notify_mult = img0[cap_notify + 16] | img0[cap_notify + 17] << 8 |
		      (uint32_t)img0[cap_notify + 18] << 16 | (uint32_t)img0[cap_notify + 19] << 24;
	ORACLE(notify_mult >= 2 && is_pow2(notify_mult) && notify_len >= 2, CL_DEV_PCI_NOTIFY,
	       "notify multiplier %u, length %u", notify_mult, notify_len);
	for (i = VIRTIO_PCI_CAP_COMMON_CFG; i <= VIRTIO_PCI_CAP_DEVICE_CFG; i++) {
		uint8_t c = find_cap(img0, 0x09, (int)i);

		if (c && img0[c + 4] == 0) {
			vstruct[n_vstruct].off = img0[c + 8] | img0[c + 9] << 8 |
						 (uint32_t)img0[c + 10] << 16 |
						 (uint32_t)img0[c + 11] << 24;
			vstruct[n_vstruct].len = img0[c + 12] | img0[c + 13] << 8 |
						 (uint32_t)img0[c + 14] << 16 |
						 (uint32_t)img0[c + 15] << 24;
			n_vstruct++;
		}
	}
	neg_mutator_init();
	offer0 = offered = vpci_offered_features(dev);
	qmax = ops->queue_size_max;
	nq = ops->num_queues;
	vpci_free(dev);
	pr.dev = dev = NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned n_ops;

	memset(&params, 0, sizeof(params));
	params.withheld_features = SPLIT_ONLY;
	start_device();
	for (n_ops = 0; n_ops < MAX_OPS && !fin_done(&f); n_ops++) {
		/* where this operation ends, as the custom mutator splits inputs */
		const size_t at = f.off, end = at + neg_op_len(data + at, size - at);
		uint8_t op = fin_u8(&f);

		switch (op % 16) {
		case 0: case 1: case 2: {
			uint64_t off;
			unsigned w;

			pick_common(&f, &off, &w);
			bar_write(VPCI_BAR_COMMON + off, w, pick_value(&f));
			break;
		}
		case 3: case 4: {
			uint64_t off;
			unsigned w;

			pick_common(&f, &off, &w);
			bar_read(VPCI_BAR_COMMON + off, w);
			break;
		}
		case 5: case 6: {
			uint8_t s = fin_u8(&f);

			bar_write(VIRTIO_PCI_COMMON_STATUS, 1, s & 0x80 ? fin_u8(&f) : status_vals[s % 16]);
			if (op & 0x80)
				bar_read(VIRTIO_PCI_COMMON_STATUS, 1);
			break;
		}
		case 7: op_feature_word(&f); break;
		case 8: bar_read(VPCI_BAR_ISR, pick_width(&f, 1)); break;
		case 9: op_notify(&f); break;
		case 10:
			if (op & 0x80)
				op_reopen(&f, op);
			else
				op_devcfg(&f);
			break;
		case 11: op_pci_cfg(&f); break;
		case 12: op_window(&f); break;
		case 13: op_queue(&f); break;
		case 14: op_init(&f); break;
		default: op_any_bar(&f); break;
		}
		ORACLE(f.off == (end < size ? end : size), HARNESS,
		       "operation 0x%02x at byte %zu read up to %zu; neg_op_len says %zu", op, at,
		       f.off, end);
	}
	stop_device();
	return 0;
}
