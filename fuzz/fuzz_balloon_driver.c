// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile traditional virtio-balloon DEVICE facing the
 * reference balloon driver (model/drivers/balloon_drv.c). The device is an
 * ops table in this file, built only on the public plugin ABI
 * (virtiocheck/device.h), run on a real pair (PCI or MMIO). From the input
 * it takes its feature offer, num_pages and free_page_hint_cmd_id at any
 * time (configuration change notifications), and for every buffer it pops
 * what to do: acknowledge at once or hold it (answered later, in any
 * order), overwrite pages it may overwrite (inflated pages before the
 * acknowledgement, or until the deflate with MUST_TELL_HOST; reported pages
 * with poison_val or, without PAGE_POISON, anything; hinted pages before
 * DONE) and, on purpose, pages it may not (balloon pages after the inflate
 * was acknowledged without MUST_TELL_HOST, reported pages with garbage
 * under PAGE_POISON, free pages of the driver, hinted pages after DONE),
 * and command IDs issued again before the driver's STOP.
 *
 * Oracles (clause cited on failure):
 *  - what the driver sends keeps its own rules: inflate/deflate buffers
 *    are device-readable le32 PFN arrays of its own pool pages; a page is
 *    inflated only when not in the balloon, deflated only after its
 *    inflate was acknowledged, and not touched while the device holds it
 *    or has it in the balloon (CL_DRV_BALLOON_OP); actual equals the
 *    acknowledged balance once nothing is pending (CL_DRV_BALLOON_OP);
 *    at most one statsq buffer, device-readable, all nine tags once, a
 *    multiple of 6 bytes (CL_DRV_BALLOON_STATS); free_page_vq output
 *    buffers of 4 bytes, one per command ID per round, hints only after one
 *    (CL_DRV_BALLOON_HINT); poison_val written before DRIVER_OK and never
 *    changed after (CL_DRV_BALLOON_POISON); reported pages hold poison_val
 *    with PAGE_POISON (CL_DRV_BALLOON_REPORT) and are not touched while
 *    held; no PAGE_REPORTING without PAGE_POISON when PAGE_POISON is not
 *    offered (CL_DRV_BALLOON_FEAT);
 *  - the driver blames the device only after the device did something
 *    wrong, and always does for a garbage report under PAGE_POISON and for
 *    a free page the device wrote (check_pages);
 *  - nothing crashes or hangs (sanitizers; every operation bounded).
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 RING_PACKED offered, bit 2 INDIRECT_DESC,
 *           bit 3 EVENT_IDX, bit 4 RING_RESET
 *   byte 1: balloon features offered (bits 0..5), byte 2: wanted
 *   byte 3: num_pages, byte 4: free_page_hint_cmd_id
 *   then operations: one byte (b % 12) and operands; every buffer the
 *   device pops reads its answer from the same stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_balloon.h"

#define HARNESS "harness:fuzz_balloon_driver"

#define MAX_OPS 40
#define MAX_RESETS 2
#define HELD_MAX 16
#define SEGS_MAX 20
#define PAGE VIRTIO_BALLOON_PAGE_SIZE
#define NPOOL VBALLOON_POOL_PAGES

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum role { R_NONE, R_INFLATE, R_DEFLATE, R_STATS, R_HINT, R_REPORT };

struct held {
	uint16_t q;
	enum role role;
	struct vc_elem e;
	uint32_t nseg;
	struct vc_seg segs[SEGS_MAX];
	uint16_t pages[VBALLOON_REQ_PFNS]; /* inflate/deflate: pool indices */
	uint32_t npages;
};

struct fake_dev {
	const struct vc_host_ops *host;
	void *h;
	uint64_t features;
	bool live;
};

static struct {
	uint64_t offer;
	uint32_t num_pages, cmd_id, actual, poison;
	bool poison_written;
	struct fin *script;
	struct fake_dev *dev;
	/* the device's model of the driver's pool */
	bool inflated[NPOOL];     /* acknowledged inflates */
	bool pending[NPOOL];      /* in a held inflate/deflate/report */
	bool scribbled[NPOOL];    /* holds scribble(i) */
	bool hinted[NPOOL];
	struct held held[HELD_MAX];
	unsigned nheld;
	bool stats_held;
	uint32_t stats_mask;
	bool stats_seen;
	/* hinting */
	uint32_t ids[64];         /* IDs received since the driver's last STOP */
	unsigned nids;
	bool any_cmd;
	uint32_t issued[64];      /* IDs issued since the last STOP received */
	unsigned nissued;
	bool done;                /* DONE set: hinted pages are off limits */
	/* did the device break a rule (the driver may then blame it) */
	bool bad;
	bool garbage_reaped;      /* a garbage report the driver must catch */
} F;

static struct vc_pair pr;
static bool pr_open;
static struct vballoon_drv bd;
static bool bd_ok;
static struct vdrv_config dcfg;
static unsigned resets;

static bool has(int bit) { return F.dev && (F.dev->features & VIRTIO_BIT(bit)); }

static uint64_t scribble_word(uint32_t i) { return 0x5c41bb1e00000000ull ^ i; }

/* ------------------------------------------------------ pool pages */

static int pool_index(uint64_t gpa)
{
	if (!bd.pool || gpa < bd.pool || gpa - bd.pool >= (uint64_t)NPOOL * PAGE ||
	    (gpa - bd.pool) % PAGE)
		return -1;
	return (int)((gpa - bd.pool) / PAGE);
}

static int pool_of_pfn(uint32_t pfn)
{
	return pool_index((uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT);
}

static void fill_word(uint8_t *p, uint64_t w)
{
	uint32_t k;

	for (k = 0; k < PAGE; k += 8)
		memcpy(p + k, &w, 8);
}

static bool page_is_word(const uint8_t *p, uint64_t w)
{
	uint32_t k;

	for (k = 0; k < PAGE; k += 8)
		if (memcmp(p + k, &w, 8))
			return false;
	return true;
}

static void write_page(uint32_t i, uint64_t w)
{
	uint8_t page[PAGE];

	fill_word(page, w);
	F.dev->host->mem_write(F.dev->h, bd.pool + (uint64_t)i * PAGE, page, PAGE);
}

static bool read_page(uint32_t i, uint8_t *page)
{
	return F.dev->host->mem_read(F.dev->h, bd.pool + (uint64_t)i * PAGE, page, PAGE) == 0;
}

static uint64_t poison_word(void)
{
	return (uint64_t)F.poison << 32 | F.poison;
}

/* The page still holds what the device left in it. */
static void check_untouched(uint32_t i, const char *when)
{
	uint8_t page[PAGE];

	if (!F.scribbled[i] || !read_page(i, page))
		return;
	ORACLE(page_is_word(page, scribble_word(i)), CL_DRV_BALLOON_OP,
	       "pool page %u changed %s", i, when);
}

/* ------------------------------------------------------ the fake device */

static enum role role_of(uint16_t q)
{
	switch (q) {
	case VIRTIO_BALLOON_Q_INFLATE: return R_INFLATE;
	case VIRTIO_BALLOON_Q_DEFLATE: return R_DEFLATE;
	case VIRTIO_BALLOON_Q_STATS: return has(VIRTIO_BALLOON_F_STATS_VQ) ? R_STATS : R_NONE;
	case VIRTIO_BALLOON_Q_FREE_PAGE:
		return has(VIRTIO_BALLOON_F_FREE_PAGE_HINT) ? R_HINT : R_NONE;
	case VIRTIO_BALLOON_Q_REPORTING:
		return has(VIRTIO_BALLOON_F_PAGE_REPORTING) ? R_REPORT : R_NONE;
	default: return R_NONE;
	}
}

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct fake_dev *d = calloc(1, sizeof(*d));

	(void)args;
	if (d) {
		d->host = host;
		d->h = h;
	}
	F.dev = d;
	return d;
}

static void fake_destroy(void *dev)
{
	if (F.dev == dev)
		F.dev = NULL;
	free(dev);
}

static uint64_t fake_get_features(void *dev) { (void)dev; return F.offer; }

static int fake_set_features(void *dev, uint64_t f)
{
	/* drivernormative: Feature bits -- not offered, the driver cannot
	 * know PAGE_POISON would keep its pages: no PAGE_REPORTING alone */
	ORACLE(!(f & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_REPORTING)) ||
		       (f & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)) ||
		       (F.offer & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)),
	       CL_DRV_BALLOON_FEAT, "PAGE_REPORTING accepted without PAGE_POISON");
	((struct fake_dev *)dev)->features = f;
	return 0;
}

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	le32 c[4] = { cpu_to_le32(F.num_pages), cpu_to_le32(F.actual), cpu_to_le32(F.cmd_id),
		      cpu_to_le32(F.poison) };

	(void)dev;
	memcpy(dst, (const uint8_t *)c + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct fake_dev *d = dev;
	le32 c[4] = { cpu_to_le32(F.num_pages), cpu_to_le32(F.actual), cpu_to_le32(F.cmd_id),
		      cpu_to_le32(F.poison) };
	uint32_t poison;

	ORACLE((off >= 4 && off + len <= 8) || off >= 12, CL_DRV_BALLOON_OP,
	       "the driver wrote configuration bytes %u..%u (only actual and poison_val are its)",
	       off, off + len - 1);
	memcpy((uint8_t *)c + off, src, len);
	F.actual = le32_to_cpu(c[1]);
	poison = le32_to_cpu(c[3]);
	if (off + len > 12) {
		/* drivernormative: Page Poison -- not changed while DRIVER_OK */
		ORACLE(!d->live || !has(VIRTIO_BALLOON_F_PAGE_POISON) || poison == F.poison,
		       CL_DRV_BALLOON_POISON, "poison_val changed while DRIVER_OK is set");
		F.poison = poison;
		F.poison_written = true;
	}
}

static void fake_activate(void *dev)
{
	((struct fake_dev *)dev)->live = true;
	/* drivernormative: Page Poison -- written before DRIVER_OK */
	ORACLE(!has(VIRTIO_BALLOON_F_PAGE_POISON) || F.poison_written, CL_DRV_BALLOON_POISON,
	       "DRIVER_OK without poison_val written");
}

static void fake_reset(void *dev)
{
	struct fake_dev *d = dev;

	d->features = 0;
	d->live = false;
	memset(F.inflated, 0, sizeof(F.inflated));
	memset(F.pending, 0, sizeof(F.pending));
	memset(F.scribbled, 0, sizeof(F.scribbled));
	memset(F.hinted, 0, sizeof(F.hinted));
	F.nheld = 0;
	F.stats_held = F.stats_seen = false;
	F.nids = F.nissued = 0;
	F.any_cmd = F.done = false;
	F.poison_written = false;
	F.actual = 0;
}

static void push(uint16_t q, const struct vc_elem *e, uint32_t len)
{
	if (F.dev->host->queue_push(F.dev->h, q, e, len) == 0)
		F.dev->host->queue_flush(F.dev->h, q);
}

/* ---------------------------------------------------- what arrives */

static void pfn_request(struct held *hd)
{
	uint8_t raw[VBALLOON_REQ_PFNS * 4];
	uint64_t n = hd->e.readable_bytes / 4, k;
	bool inflate = hd->role == R_INFLATE;

	ORACLE(hd->e.n_writable == 0 && hd->e.readable_bytes % 4 == 0 && n >= 1 &&
		       n <= VBALLOON_REQ_PFNS,
	       CL_DRV_BALLOON_OP, "%s buffer of %llu readable, %u writable segments",
	       inflate ? "inflate" : "deflate", (unsigned long long)hd->e.readable_bytes,
	       hd->e.n_writable);
	ORACLE(F.dev->host->elem_read(F.dev->h, &hd->e, 0, raw, n * 4) == n * 4, HARNESS,
	       "PFN list unreadable");
	hd->npages = (uint32_t)n;
	for (k = 0; k < n; k++) {
		le32 v;
		int i;

		memcpy(&v, raw + 4 * k, 4);
		i = pool_of_pfn(le32_to_cpu(v));
		ORACLE(i >= 0, CL_DRV_BALLOON_OP, "PFN 0x%x is not a page of the driver's pool",
		       le32_to_cpu(v));
		ORACLE(!F.pending[i], CL_DRV_BALLOON_OP, "pool page %d in two requests at once", i);
		if (inflate) {
			ORACLE(!F.inflated[i], CL_DRV_BALLOON_OP,
			       "pool page %d inflated while in the balloon", i);
		} else {
			/* drivernormative: Device Operation -- deflate only pages
			 * whose inflate was acknowledged; not used while in the
			 * balloon */
			ORACLE(F.inflated[i], CL_DRV_BALLOON_OP,
			       "pool page %d deflated, its inflate not acknowledged", i);
			check_untouched((uint32_t)i, "while in the balloon");
		}
		F.pending[i] = true;
		hd->pages[k] = (uint16_t)i;
	}
	/* the device MAY change a page it is about to acknowledge */
	if (inflate && fin_u8(F.script) & 1)
		for (k = 0; k < n; k++) {
			write_page(hd->pages[k], scribble_word(hd->pages[k]));
			F.scribbled[hd->pages[k]] = true;
		}
}

static void pfn_answer(struct held *hd)
{
	uint32_t k;

	for (k = 0; k < hd->npages; k++) {
		uint32_t i = hd->pages[k];

		F.pending[i] = false;
		if (hd->role == R_INFLATE) {
			F.inflated[i] = true;
		} else {
			/* drivernormative: Device Operation -- with MUST_TELL_HOST
			 * not used before this acknowledgement */
			if (has(VIRTIO_BALLOON_F_MUST_TELL_HOST))
				check_untouched(i, "before its deflate was acknowledged");
			F.inflated[i] = false;
			F.scribbled[i] = false;
		}
	}
	push(hd->q, &hd->e, 0);
}

static void stats_arrive(struct held *hd)
{
	uint8_t raw[VBALLOON_STATS_N * VIRTIO_BALLOON_STAT_SIZE];
	uint64_t n = hd->e.readable_bytes / VIRTIO_BALLOON_STAT_SIZE, k;
	uint32_t mask = 0;

	/* drivernormative: Memory Statistics */
	ORACLE(!F.stats_held, CL_DRV_BALLOON_STATS, "a second statsq buffer");
	ORACLE(hd->e.n_writable == 0 && hd->e.readable_bytes % 6 == 0 &&
		       hd->e.readable_bytes == sizeof(raw),
	       CL_DRV_BALLOON_STATS, "statsq buffer of %llu readable bytes, %u writable segments",
	       (unsigned long long)hd->e.readable_bytes, hd->e.n_writable);
	ORACLE(F.dev->host->elem_read(F.dev->h, &hd->e, 0, raw, sizeof(raw)) == sizeof(raw),
	       HARNESS, "stats unreadable");
	for (k = 0; k < n; k++) {
		le16 t;

		memcpy(&t, raw + k * VIRTIO_BALLOON_STAT_SIZE, 2);
		ORACLE(le16_to_cpu(t) < 32 && !(mask & 1u << le16_to_cpu(t)), CL_DRV_BALLOON_STATS,
		       "tag %u twice or out of range", le16_to_cpu(t));
		mask |= 1u << le16_to_cpu(t);
	}
	ORACLE(!F.stats_seen || mask == F.stats_mask, CL_DRV_BALLOON_STATS,
	       "another subset of statistics: 0x%x, before 0x%x", mask, F.stats_mask);
	F.stats_seen = true;
	F.stats_mask = mask;
	F.stats_held = true;
}

static bool id_in(const uint32_t *l, unsigned n, uint32_t id)
{
	unsigned k;

	for (k = 0; k < n; k++)
		if (l[k] == id)
			return true;
	return false;
}

static void hint_arrive(struct held *hd)
{
	uint32_t s;

	if (hd->e.n_readable) {
		le32 v;
		uint32_t id;

		/* drivernormative: Free Page Hinting */
		ORACLE(hd->e.readable_bytes == 4 && hd->e.n_writable == 0, CL_DRV_BALLOON_HINT,
		       "free_page_vq output buffer of %llu bytes",
		       (unsigned long long)hd->e.readable_bytes);
		F.dev->host->elem_read(F.dev->h, &hd->e, 0, &v, 4);
		id = le32_to_cpu(v);
		F.any_cmd = true;
		if (id == VIRTIO_BALLOON_CMD_ID_STOP) {
			F.nids = 0;
			F.nissued = 0;
			return;
		}
		ORACLE(!id_in(F.ids, F.nids, id), CL_DRV_BALLOON_HINT,
		       "a second output buffer with command ID %u", id);
		if (F.nids < 64)
			F.ids[F.nids++] = id;
		return;
	}
	ORACLE(F.any_cmd, CL_DRV_BALLOON_HINT, "hints before any command ID");
	for (s = 0; s < hd->e.n_writable; s++) {
		int i = pool_index(hd->e.segs[s].gpa);

		ORACLE(i >= 0 && hd->e.segs[s].len == PAGE, CL_DRV_BALLOON_HINT,
		       "a hint that is not one pool page");
		F.hinted[i] = true;
	}
}

static void report_arrive(struct held *hd)
{
	uint8_t page[PAGE];
	uint32_t s;

	ORACLE(hd->e.n_readable == 0 && hd->e.n_writable >= 1 &&
		       hd->e.n_writable <= VBALLOON_REPORT_MAX,
	       CL_DRV_BALLOON_REPORT, "report of %u readable, %u writable segments",
	       hd->e.n_readable, hd->e.n_writable);
	for (s = 0; s < hd->e.n_writable; s++) {
		int i = pool_index(hd->e.segs[s].gpa);

		ORACLE(i >= 0 && hd->e.segs[s].len == PAGE, CL_DRV_BALLOON_REPORT,
		       "a report segment that is not one pool page");
		ORACLE(!F.pending[i] && !F.inflated[i], CL_DRV_BALLOON_REPORT,
		       "pool page %d reported while in the balloon or held", i);
		/* drivernormative: Free Page Reporting -- poison_val first */
		if (has(VIRTIO_BALLOON_F_PAGE_POISON) && read_page((uint32_t)i, page))
			ORACLE(page_is_word(page, poison_word()), CL_DRV_BALLOON_REPORT,
			       "reported pool page %d does not hold poison_val", i);
		F.pending[i] = true;
		hd->pages[s] = (uint16_t)i;
	}
	hd->npages = hd->e.n_writable;
}

static void report_answer(struct held *hd, uint8_t how)
{
	uint32_t k;

	for (k = 0; k < hd->npages; k++) {
		uint32_t i = hd->pages[k];

		F.pending[i] = false;
		switch (how & 3) {
		case 1: /* allowed: poison_val, or anything without PAGE_POISON */
			write_page(i, has(VIRTIO_BALLOON_F_PAGE_POISON) ? poison_word()
									: scribble_word(i) ^ 0xff);
			break;
		case 2: /* garbage */
			write_page(i, scribble_word(i) ^ 0x77);
			if (has(VIRTIO_BALLOON_F_PAGE_POISON) && F.poison != 0 &&
			    poison_word() != (scribble_word(i) ^ 0x77)) {
				F.bad = true;
				F.garbage_reaped = true;
			}
			break;
		default:
			break;
		}
	}
	push(hd->q, &hd->e, 0);
}

static void answer(struct held *hd, uint8_t how)
{
	switch (hd->role) {
	case R_INFLATE:
	case R_DEFLATE:
		pfn_answer(hd);
		break;
	case R_REPORT:
		report_answer(hd, how);
		break;
	default:
		push(hd->q, &hd->e, 0);
		break;
	}
}

static void fake_queue_notify(void *dev, uint16_t q)
{
	struct vc_elem e;
	unsigned guard = 0;

	(void)dev;
	while (guard++ < 256 && F.dev->host->queue_pop(F.dev->h, q, &e) == VC_POP_OK) {
		struct held hd;
		uint8_t how;

		memset(&hd, 0, sizeof(hd));
		hd.q = q;
		hd.role = role_of(q);
		hd.e = e;
		ORACLE(hd.role != R_NONE, CL_DRV_BALLOON_OP, "a buffer on queue %u, which does not "
		       "exist", q);
		switch (hd.role) {
		case R_INFLATE:
		case R_DEFLATE:
			pfn_request(&hd);
			break;
		case R_STATS:
			stats_arrive(&hd);
			break;
		case R_HINT:
			hint_arrive(&hd);
			break;
		default:
			report_arrive(&hd);
			break;
		}
		how = fin_u8(F.script);
		/* statistics buffers are held until a request; others at
		 * random */
		if (hd.role == R_STATS || ((how & 0x80) && F.nheld < HELD_MAX)) {
			hd.nseg = e.n_readable + e.n_writable < SEGS_MAX ? e.n_readable + e.n_writable
									 : SEGS_MAX;
			memcpy(hd.segs, e.segs, hd.nseg * sizeof(*hd.segs));
			hd.e.segs = NULL;
			if (hd.role == R_STATS) {
				if (F.nheld < HELD_MAX)
					F.held[F.nheld++] = hd;
				continue;
			}
			F.held[F.nheld++] = hd;
			continue;
		}
		answer(&hd, how);
	}
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fake-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.num_queues = VIRTIO_BALLOON_NUM_QUEUES,
	.queue_size_max = 64,
	.config_size = VIRTIO_BALLOON_CFG_SIZE,
	.create = fake_create,
	.destroy = fake_destroy,
	.get_features = fake_get_features,
	.set_features = fake_set_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_activate,
	.reset = fake_reset,
	.queue_notify = fake_queue_notify,
};

/* --------------------------------------------------------- the harness */

static void answer_held(unsigned k, uint8_t how)
{
	struct held hd = F.held[k];

	if (hd.role == R_STATS)
		F.stats_held = false;
	F.held[k] = F.held[--F.nheld];
	hd.e.segs = hd.segs;
	answer(&hd, how);
}

static void check_driver(void)
{
	const struct vc_findings *r = vdrv_findings(pr.drv);
	uint32_t i;

	for (i = 0; i < r->count; i++)
		ORACLE(F.bad && strncmp(r->v[i].clause, "devicenormative:", 16) == 0,
		       r->v[i].clause, "the driver blamed a device that broke no rule: %s",
		       r->v[i].msg);
}

static void check_actual(void)
{
	unsigned i, n = 0;

	if (!bd_ok || bd.infl.busy || bd.defl.busy)
		return;
	for (i = 0; i < NPOOL; i++)
		n += F.inflated[i];
	ORACLE(F.actual == n && bd.actual == n, CL_DRV_BALLOON_OP,
	       "actual %u (driver %u), %u pages acknowledged in the balloon", F.actual, bd.actual,
	       n);
}

static void attach(void)
{
	if (vdrv_init(pr.drv, &dcfg) != 0) {
		bd_ok = false;
		return;
	}
	bd_ok = vballoon_drv_attach(&bd, pr.drv) == 0;
}

static void run_op(struct fin *f, uint8_t op)
{
	uint8_t v;
	unsigned i;

	switch (op % 12) {
	case 0:
		vballoon_drv_inflate(&bd, 1 + fin_u8(f) % 32u);
		break;
	case 1:
		v = fin_u8(f);
		vballoon_drv_deflate(&bd, 1 + v % 32u, v & 0x80);
		break;
	case 2:
		vballoon_drv_balance(&bd);
		break;
	case 3:
		vballoon_drv_report(&bd, 1 + fin_u8(f) % VBALLOON_REPORT_MAX);
		break;
	case 4: /* a new target */
		F.num_pages = fin_u8(f) & 0x80 ? fin_u32(f) : fin_u8(f);
		F.dev->host->config_changed(F.dev->h);
		vballoon_drv_poll(&bd);
		break;
	case 5: { /* a command ID: fresh, STOP, DONE, or one issued before */
		uint32_t id;

		v = fin_u8(f);
		switch (v & 3) {
		case 0: id = VIRTIO_BALLOON_CMD_ID_STOP; break;
		case 1: id = VIRTIO_BALLOON_CMD_ID_DONE; break;
		case 2: id = F.nissued ? F.issued[fin_u8(f) % F.nissued] : 2; break;
		default: id = 2 + fin_u8(f); break;
		}
		if (id >= 2 && id_in(F.issued, F.nissued, id) && id_in(F.ids, F.nids, id))
			F.bad = true; /* reused before the driver's STOP */
		if (id >= 2 && !id_in(F.issued, F.nissued, id) && F.nissued < 64)
			F.issued[F.nissued++] = id;
		if (id == VIRTIO_BALLOON_CMD_ID_DONE)
			F.done = true;
		else if (id >= 2)
			F.done = false;
		F.cmd_id = id;
		F.dev->host->config_changed(F.dev->h);
		vballoon_drv_poll(&bd);
		break;
	}
	case 6: /* answer a held buffer */
		if (F.nheld)
			answer_held(fin_u8(f) % F.nheld, fin_u8(f));
		vballoon_drv_poll(&bd);
		break;
	case 7: { /* ask for statistics */
		for (i = 0; i < F.nheld; i++)
			if (F.held[i].role == R_STATS) {
				answer_held(i, 0);
				break;
			}
		vballoon_drv_set_stat(&bd, fin_u8(f) % 10, fin_u64(f));
		vballoon_drv_poll(&bd);
		break;
	}
	case 8: { /* the device writes a page: allowed or not */
		uint32_t p = fin_u8(f) % NPOOL;
		bool allowed = (F.inflated[p] && has(VIRTIO_BALLOON_F_MUST_TELL_HOST)) ||
			       (F.hinted[p] && !F.done && bd.state[p] == VB_HINTED);

		if (F.pending[p])
			break; /* held requests are checked on their answer */
		if (!allowed)
			F.bad = true; /* in the balloon after the acknowledgement
				       * without MUST_TELL_HOST, or the driver's */
		write_page(p, scribble_word(p) ^ 0x1234);
		if (F.inflated[p])
			F.scribbled[p] = false;
		if (!F.inflated[p] && bd.state[p] == VB_FREE) {
			long n = vballoon_drv_check_pages(&bd);

			/* the driver must see its free page changed */
			ORACLE(n >= 1 || vdrv_broken(pr.drv), CL_DEV_BALLOON_OP,
			       "the driver missed a change to its free pool page %u", p);
		}
		break;
	}
	case 9:
		v = fin_u8(f);
		if (v & 1)
			vballoon_drv_hint_stop(&bd);
		else
			vballoon_drv_poll(&bd);
		break;
	case 10:
		vballoon_drv_check_pages(&bd);
		break;
	default:
		if (resets < MAX_RESETS) {
			resets++;
			vballoon_drv_detach(&bd);
			vdrv_reset(pr.drv);
			attach();
		}
		break;
	}
	if (F.garbage_reaped && bd_ok && !bd.rep.busy) {
		/* a garbage report under PAGE_POISON the driver took back */
		ORACLE(vc_findings_find(vdrv_findings(pr.drv), CL_DEV_BALLOON_REPORT) >= 0 ||
			       !(bd.features & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON)),
		       CL_DEV_BALLOON_REPORT, "the driver missed a garbage report");
		F.garbage_reaped = false;
	}
	check_driver();
	check_actual();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t b0, want;
	uint64_t wanted = 0;
	unsigned ops = 0, i;

	memset(&F, 0, sizeof(F));
	memset(&bd, 0, sizeof(bd));
	resets = 0;
	F.script = &f;
	b0 = fin_u8(&f);
	F.offer = (fin_u8(&f) & 0x3f) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	want = fin_u8(&f) & 0x3f;
	F.num_pages = fin_u8(&f);
	F.cmd_id = fin_u8(&f);
	if (F.cmd_id >= 2)
		F.issued[F.nissued++] = F.cmd_id;
	if (b0 & 2)
		F.offer |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	if (b0 & 4)
		F.offer |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (b0 & 8)
		F.offer |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	if (b0 & 16)
		F.offer |= VIRTIO_BIT(VIRTIO_F_RING_RESET);
	for (i = 0; i < 6; i++)
		if ((want >> i) & 1)
			wanted |= VIRTIO_BIT(i);
	wanted |= F.offer & ~VIRTIO_BIT(VIRTIO_F_VERSION_1) & ~0x3full;
	if (b0 & 1)
		pr_open = vc_pair_open_mmio(&pr, &fake_ops, NULL, NULL, NULL, 0) == 0;
	else
		pr_open = vc_pair_open(&pr, &fake_ops, NULL, NULL, NULL, 0) == 0;
	ORACLE(pr_open, HARNESS, "pair did not open");
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_BALLOON) == 0, HARNESS, "probe failed");
	vballoon_drv_config(&dcfg, wanted);
	attach();
	if (bd_ok)
		check_driver();
	while (bd_ok && !fin_done(&f) && ops++ < MAX_OPS)
		run_op(&f, fin_u8(&f));
	if (bd_ok) {
		/* answer everything still held, then the driver settles */
		while (F.nheld)
			answer_held(0, 0);
		vballoon_drv_poll(&bd);
		check_driver();
		check_actual();
		vballoon_drv_detach(&bd);
	}
	bd_ok = false;
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	return 0;
}
