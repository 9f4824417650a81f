// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the DEVICE side of the traditional virtio-balloon
 * (model/devices/balloon.c) facing a driver that puts anything on any of
 * its queues, and a host that changes the target, the free page hint
 * command ID and asks for statistics at any time. A real pair (PCI or MMIO,
 * split or packed) runs the device with any feature offer and arguments
 * from the input, the reference balloon driver for the normal protocol,
 * plus:
 *  - PFN lists with any values (pool pages, pages of the harness's scratch
 *    area, PFNs in holes, past the end, at the top) and any trailing bytes,
 *    on any queue;
 *  - statistics buffers with any tags, values and sizes;
 *  - free page hint command ID buffers of any ID and length;
 *  - device-writable chains (hints, reports, and wrong-direction buffers);
 *  - configuration writes of any width at any offset;
 *  - the guest writing pages it gave to the balloon;
 *  - device resets and re-initialization.
 *
 * Oracles (clause cited on failure):
 *  - the device writes no pool or scratch page it had no right to: every
 *    page it wrote during an operation was in its balloon before or after
 *    it (5.5.6.1 lets it change inflated pages), or lay in a device-writable
 *    buffer posted during it (CL_DEV_USED: the rule on what a device
 *    writes);
 *  - the reference driver's ring checks never fire: used ids and used
 *    lengths (<= the writable bytes) are right (CL_DEV_USED);
 *  - every device finding cites a drivernormative clause and comes with
 *    DEVICE_NEEDS_RESET; DEVICE_NEEDS_RESET never appears without one; once
 *    it is set the device consumes nothing more (its counters and balloon
 *    stay as they are) until the reset;
 *  - page accounting: the pages in the balloon equal inflated - deflated -
 *    released, never more than max_pages; no PFN whose page is not wholly
 *    inside guest memory is ever in the balloon (CL_DEV_BALLOON_OP);
 *  - after a reset and a new initialization the device inflates a page
 *    again (liveness);
 *  - nothing crashes or hangs (sanitizers; at most MAX_OPS operations,
 *    MAX_RESETS resets, bounded lists).
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 RING_PACKED, bit 2 INDIRECT_DESC, bit 3
 *           EVENT_IDX, bit 4 RING_RESET, bits 5-6 scribble (off/on/late),
 *           bit 7 stats_strict
 *   byte 1: balloon features offered (bits 0..5), byte 2: features wanted
 *   byte 3: max_pages = 1 + b * 4 (0: the default), byte 4: num_pages
 *   then operations: one byte (b % 16) and operands, see run_op().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon.h"
#include "balloon_drv.h"
#include "devices.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_balloon"

#define MAX_OPS 48
#define MAX_RESETS 3
#define SCRATCH_PAGES 16u
#define MAX_PFNS 512u
#define MAX_OUTSIDE 256u
#define PAGE VIRTIO_BALLOON_PAGE_SIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vc_pair pr;
static bool pr_open;
static struct vballoon_drv bd;
static bool bd_attached;
static struct vdrv_config cfg;
static char raw_token;

static struct {
	uint64_t scratch;          /* SCRATCH_PAGES pages for raw buffers */
	uint32_t max_pages;
	unsigned resets;
	/* pages of pool and scratch: in the balloon before the operation,
	 * posted device-writable during it */
	bool before[VBALLOON_POOL_PAGES + SCRATCH_PAGES];
	bool writable[VBALLOON_POOL_PAGES + SCRATCH_PAGES];
	uint32_t outside[MAX_OUTSIDE];
	unsigned n_outside;
	uint64_t dev_base;         /* device findings before the last reset */
	bool frozen;               /* DEVICE_NEEDS_RESET seen: nothing moves */
	struct vc_balloon_stats frozen_stats;
	uint32_t frozen_inflated;
} M;

static uint8_t buf[MAX_PFNS * 4 + 16];

static void *dev(void) { return vdev_device(pr.core); }

static bool needs_reset(void)
{
	return (vdev_status(pr.core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* Page i of the checked range: pool pages, then scratch pages. */
static uint64_t page_gpa(unsigned i)
{
	if (i < VBALLOON_POOL_PAGES)
		return bd_attached ? vballoon_drv_page_gpa(&bd, i) : 0;
	return M.scratch ? M.scratch + (uint64_t)(i - VBALLOON_POOL_PAGES) * PAGE : 0;
}

#define N_CHECKED (VBALLOON_POOL_PAGES + SCRATCH_PAGES)

/* ------------------------------------------------------------ oracles */

static uint64_t dev_findings_total(void)
{
	const struct vc_findings *d = vdev_findings(pr.core);

	return (uint64_t)d->count + d->dropped;
}

static void check_findings(void)
{
	const struct vc_findings *d = vdev_findings(pr.core), *r = vdrv_findings(pr.drv);
	bool fatal = false;
	uint32_t i;

	for (i = 0; i < d->count; i++) {
		ORACLE(strncmp(d->v[i].clause, "drivernormative:", 16) == 0, d->v[i].clause,
		       "the device recorded a finding against itself: %s", d->v[i].msg);
		if (i >= M.dev_base && d->v[i].severity == VC_SEV_FATAL)
			fatal = true;
	}
	ORACLE(!fatal || needs_reset(), HARNESS, "a fatal device finding without DEVICE_NEEDS_RESET");
	ORACLE(!needs_reset() || dev_findings_total() > M.dev_base, HARNESS,
	       "DEVICE_NEEDS_RESET without a device finding");
	/* the driver may blame the balloon device for what the raw driver
	 * did to its pages, never for ring misuse */
	for (i = 0; i < r->count; i++)
		ORACLE(strstr(r->v[i].clause, "Memory Balloon Device") != NULL, r->v[i].clause,
		       "the reference driver found the model device at fault: %s", r->v[i].msg);
}

static void check_accounting(void)
{
	const struct vc_balloon_stats *st = vc_balloon_stats(dev());
	uint32_t n = vc_balloon_inflated(dev());
	unsigned i;

	ORACLE(st->pages_inflated - st->pages_deflated - st->pages_released == n, CL_DEV_BALLOON_OP,
	       "balloon holds %u pages, inflated %llu - deflated %llu - released %llu", n,
	       (unsigned long long)st->pages_inflated, (unsigned long long)st->pages_deflated,
	       (unsigned long long)st->pages_released);
	ORACLE(n <= M.max_pages, CL_DEV_BALLOON_OP, "%u pages tracked, cap %u", n, M.max_pages);
	for (i = 0; i < M.n_outside; i++)
		ORACLE(vc_balloon_is_inflated(dev(), M.outside[i]) == 0, CL_DEV_BALLOON_OP,
		       "PFN 0x%x, outside guest memory, is in the balloon", M.outside[i]);
}

static void before_op(void)
{
	unsigned i;

	for (i = 0; i < N_CHECKED; i++) {
		uint64_t g = page_gpa(i);

		M.before[i] = g && vc_balloon_is_inflated(dev(), (uint32_t)(g >> 12)) == 1;
		M.writable[i] = false;
	}
	gm_track_clear(pr.dev_mem);
}

/* Device-writable [gpa, gpa+len) was posted: its pages may be written. */
static void note_writable(uint64_t gpa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < N_CHECKED; i++) {
		uint64_t g = page_gpa(i);

		if (g && len && gpa < g + PAGE && g < gpa + len)
			M.writable[i] = true;
	}
}

static void after_op(const char *what)
{
	unsigned i;

	for (i = 0; i < N_CHECKED; i++) {
		uint64_t g = page_gpa(i);
		bool after;

		if (!g || gm_track_count(pr.dev_mem, g, PAGE) == 0)
			continue;
		after = vc_balloon_is_inflated(dev(), (uint32_t)(g >> 12)) == 1;
		ORACLE(M.before[i] || after || M.writable[i], CL_DEV_USED,
		       "after %s the device wrote page 0x%llx, neither in its balloon nor in a "
		       "device-writable buffer", what, (unsigned long long)g);
	}
	check_findings();
	check_accounting();
	if (M.frozen) {
		const uint64_t *was = (const uint64_t *)&M.frozen_stats;
		const uint64_t *now = (const uint64_t *)vc_balloon_stats(dev());

		/* the queue counters; configuration writes still reach it */
		for (i = 0; i < offsetof(struct vc_balloon_stats, actual_writes) / sizeof(uint64_t); i++)
			ORACLE(was[i] == now[i], HARNESS,
			       "after %s counter %u of the device moved (%llu -> %llu) while it needs "
			       "a reset", what, i, (unsigned long long)was[i],
			       (unsigned long long)now[i]);
		ORACLE(M.frozen_inflated == vc_balloon_inflated(dev()), HARNESS,
		       "after %s the balloon changed while the device needs a reset", what);
	} else if (needs_reset()) {
		M.frozen = true;
		M.frozen_stats = *vc_balloon_stats(dev());
		M.frozen_inflated = vc_balloon_inflated(dev());
	}
}

/* ------------------------------------------------------------- set-up */

static void attach(void)
{
	M.scratch = vdrv_alloc(pr.drv, (uint64_t)SCRATCH_PAGES * PAGE, PAGE);
	ORACLE(M.scratch != 0, HARNESS, "no scratch memory");
	bd_attached = vballoon_drv_attach(&bd, pr.drv) == 0;
	ORACLE(bd_attached, HARNESS, "the balloon driver did not attach (status 0x%02x)",
	       vdrv_status(pr.drv));
}

static void init_driver(void)
{
	int rc = vdrv_init(pr.drv, &cfg);

	ORACLE(rc == 0, HARNESS, "initialization failed (status 0x%02x)", vdrv_status(pr.drv));
	attach();
}

static void setup(struct fin *f)
{
	uint8_t b0 = fin_u8(f), offer = fin_u8(f) & 0x3f, want = fin_u8(f) & 0x3f;
	uint8_t mp = fin_u8(f), np = fin_u8(f);
	static const char *const scr[] = { "off", "on", "late", "on" };
	static const char *const fname[6] = {
		"must_tell_host", "stats_vq", "deflate_on_oom", "free_page_hint", "page_poison",
		"page_reporting",
	};
	char args[400];
	size_t n;
	uint64_t wanted = 0;
	unsigned i;

	memset(&M, 0, sizeof(M));
	M.max_pages = mp ? 1u + mp * 4u : 65536u;
	n = (size_t)snprintf(args, sizeof(args), "num_pages=%u,scribble=%s,stats_strict=%s,max_pages=%u",
			     np, scr[(b0 >> 5) & 3], (b0 & 0x80) ? "on" : "off", M.max_pages);
	for (i = 0; i < 6; i++)
		n += (size_t)snprintf(args + n, sizeof(args) - n, ",%s=%s", fname[i],
				      (offer >> i) & 1 ? "on" : "off");
	if (b0 & 1)
		pr_open = vc_pair_open_mmio(&pr, &vc_balloon_device_ops, args, NULL, NULL, 0) == 0;
	else
		pr_open = vc_pair_open(&pr, &vc_balloon_device_ops, args, NULL, NULL, 0) == 0;
	ORACLE(pr_open, HARNESS, "pair did not open (%s)", args);
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_BALLOON) == 0, HARNESS, "probe failed");
	ORACLE(gm_track_enable(pr.dev_mem, true) == 0, HARNESS, "no write tracking");
	for (i = 0; i < 6; i++)
		if ((want >> i) & 1)
			wanted |= VIRTIO_BIT(i);
	if (b0 & 2)
		wanted |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	if (b0 & 4)
		wanted |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (b0 & 8)
		wanted |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	if (b0 & 16)
		wanted |= VIRTIO_BIT(VIRTIO_F_RING_RESET);
	vballoon_drv_config(&cfg, wanted);
	cfg.indirect_max = 8;
	init_driver();
}

/* ----------------------------------------------------------- operations */

/* A PFN from the input: a pool or scratch page, a hostile value. */
static uint32_t pick_pfn(struct fin *f)
{
	uint8_t k = fin_u8(f);
	uint64_t g;

	switch (k & 3) {
	case 0:
		g = page_gpa(fin_u8(f) % N_CHECKED);
		return (uint32_t)(g >> 12);
	case 1:
		return fin_u32(f);
	case 2: {
		static const uint32_t edge[] = { 0, 0xf, 0x10, 0x40f, 0x410, 0x500, 0xfff, 0x1000,
						 0x13ff, 0x1400, 0x100000, 0x1001ff, 0x100200,
						 0xffffffffu };

		return edge[fin_u8(f) % (sizeof(edge) / sizeof(edge[0]))];
	}
	default:
		return (uint32_t)(page_gpa(VBALLOON_POOL_PAGES) >> 12) + (fin_u8(f) % SCRATCH_PAGES);
	}
}

static void note_outside(uint32_t pfn)
{
	if (M.n_outside == MAX_OUTSIDE)
		return;
	/* the harness's own view decides */
	if (gm_translate(pr.drv_mem, (uint64_t)pfn << 12, PAGE, GM_READ) != NULL)
		return;
	M.outside[M.n_outside++] = pfn;
}

static int post(uint16_t q, const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		unsigned n_in, bool indirect)
{
	vq_drv_t *vq = vdrv_queue(pr.drv, q);
	unsigned i;
	int head;

	if (!vq)
		return -1;
	for (i = 0; i < n_in; i++)
		note_writable(in[i].gpa, in[i].len);
	head = vq_drv_add(vq, out, n_out, in, n_in, &raw_token, indirect);
	if (head >= 0)
		vdrv_kick(pr.drv, q);
	return head;
}

/* Bytes into scratch page 0..1 (the raw area), one readable buffer. */
static void post_bytes(uint16_t q, const uint8_t *b, uint32_t len)
{
	struct vq_buf out = { M.scratch, len };

	if (!len || len > 2 * PAGE || gm_write(pr.drv_mem, M.scratch, b, len) != 0)
		return;
	post(q, &out, 1, NULL, 0, false);
}

static void op_pfns(struct fin *f)
{
	uint16_t q = fin_u8(f) % VIRTIO_BALLOON_NUM_QUEUES;
	uint32_t n = fin_u8(f) % 64u, i, tail = fin_u8(f) % 4u, rep = 1 + fin_u8(f) % 8u;

	if ((uint64_t)n * rep > MAX_PFNS)
		rep = 1;
	for (i = 0; i < n; i++) {
		uint32_t pfn = pick_pfn(f);

		le32 v = cpu_to_le32(pfn);

		note_outside(pfn);
		memcpy(buf + 4 * i, &v, 4);
	}
	for (i = 1; i < rep; i++)
		memcpy(buf + 4 * n * i, buf, 4 * n);
	memset(buf + 4 * n * rep, 0xa5, tail);
	post_bytes(q, buf, 4 * n * rep + tail);
}

static void op_stats(struct fin *f)
{
	uint16_t q = fin_u8(f) % 8 ? VIRTIO_BALLOON_Q_STATS : fin_u8(f) % VIRTIO_BALLOON_NUM_QUEUES;
	uint32_t n = fin_u8(f) % 24u, i, tail = fin_u8(f) % 10u;

	for (i = 0; i < n; i++) {
		le16 t = cpu_to_le16(fin_u8(f) & 0x80 ? fin_u16(f) : fin_u8(f) % 12);
		le64 v = cpu_to_le64(fin_u64(f));

		memcpy(buf + 10 * i, &t, 2);
		memcpy(buf + 10 * i + 2, &v, 8);
	}
	memset(buf + 10 * n, 0, tail);
	post_bytes(q, buf, 10 * n + tail);
}

static void op_cmd(struct fin *f)
{
	uint8_t k = fin_u8(f);
	uint32_t id, len = 4;
	le32 v;

	switch (k & 3) {
	case 0: id = vc_balloon_hint_cmd_id(dev()); break;
	case 1: id = k >> 2 & 1; break;
	case 2: id = fin_u32(f); break;
	default: id = vc_balloon_hint_cmd_id(dev()) + 1; break;
	}
	if (k & 0x10)
		len = 1 + fin_u8(f) % 12u;
	memset(buf, 0, 16);
	v = cpu_to_le32(id);
	memcpy(buf, &v, 4);
	post_bytes(k & 0x20 ? fin_u8(f) % VIRTIO_BALLOON_NUM_QUEUES : VIRTIO_BALLOON_Q_FREE_PAGE,
		   buf, len);
}

/* A chain of segments in the scratch area (or pool pages), any mix of
 * directions, on any queue. */
static void op_chain(struct fin *f)
{
	uint16_t q = fin_u8(f) % VIRTIO_BALLOON_NUM_QUEUES;
	uint8_t k = fin_u8(f);
	unsigned n_out = k & 3, n_in = 1 + (k >> 2 & 3), i;
	struct vq_buf out[3], in[4];

	for (i = 0; i < n_out + n_in; i++) {
		uint64_t base = fin_u8(f) & 1 ? page_gpa(fin_u8(f) % VBALLOON_POOL_PAGES)
					      : M.scratch + 2 * PAGE;
		uint32_t off = fin_u16(f) % (4 * PAGE), len = 1 + fin_u16(f) % (4 * PAGE);
		struct vq_buf *b = i < n_out ? &out[i] : &in[i - n_out];

		if (!base)
			base = M.scratch + 2 * PAGE;
		if (base == M.scratch + 2 * PAGE) {
			/* stay inside the scratch area */
			if (off >= (SCRATCH_PAGES - 2) * PAGE)
				off = 0;
			if (len > (SCRATCH_PAGES - 2) * PAGE - off)
				len = (SCRATCH_PAGES - 2) * PAGE - off;
		} else {
			off %= PAGE;
			if (len > PAGE - off)
				len = PAGE - off;
		}
		*b = (struct vq_buf){ base + off, len };
	}
	post(q, out, n_out, in, n_in, k & 0x40);
}

static void op_config_write(struct fin *f)
{
	static const unsigned widths[] = { 1, 2, 4, 4 };
	uint8_t k = fin_u8(f);
	unsigned w = widths[k & 3];
	uint32_t off = (uint32_t)(fin_u8(f) % VIRTIO_BALLOON_CFG_SIZE) & ~(w - 1u);

	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, off, w, fin_u32(f));
}

static void reset_and_check(void)
{
	uint32_t before;
	unsigned i;

	M.resets++;
	M.dev_base = dev_findings_total();
	vballoon_drv_detach(&bd);
	bd_attached = false;
	init_driver();
	M.frozen = false;
	ORACLE(!needs_reset(), HARNESS, "DEVICE_NEEDS_RESET right after initialization");
	ORACLE(vc_balloon_inflated(dev()) == 0, CL_DEV_BALLOON_OP,
	       "%u pages still in the balloon after a reset", vc_balloon_inflated(dev()));
	/* liveness: one page in, and the device has it */
	before_op();
	before = vc_balloon_inflated(dev());
	ORACLE(vballoon_drv_inflate(&bd, 1) == 1, HARNESS, "no inflate after a reset");
	for (i = 0; i < VBALLOON_POOL_PAGES && bd.state[i] != VB_INFLATED; i++)
		;
	ORACLE(i < VBALLOON_POOL_PAGES && vc_balloon_inflated(dev()) == before + 1 &&
		       vc_balloon_is_inflated(dev(), (uint32_t)(page_gpa(i) >> 12)) == 1,
	       CL_DEV_BALLOON_OP, "the device did not take a page after a reset");
	after_op("the liveness inflate");
}

static void run_op(struct fin *f, uint8_t op)
{
	uint32_t v;

	before_op();
	switch (op % 16) {
	case 0:
		vballoon_drv_inflate(&bd, 1 + fin_u8(f) % 64u);
		break;
	case 1:
		v = fin_u8(f);
		vballoon_drv_deflate(&bd, 1 + v % 64u, v & 0x80);
		break;
	case 2:
	case 3:
		op_pfns(f);
		break;
	case 4:
		op_stats(f);
		break;
	case 5:
		op_cmd(f);
		break;
	case 6:
		op_chain(f);
		break;
	case 7:
		vc_balloon_set_num_pages(dev(), fin_u8(f) & 0x80 ? fin_u32(f) : fin_u8(f));
		vballoon_drv_poll(&bd);
		break;
	case 8:
		v = fin_u8(f);
		if (v & 1)
			vc_balloon_hint_start(dev());
		else
			vc_balloon_set_hint_cmd_id(dev(), v >> 1 & 1 ? v >> 2 & 1 : fin_u32(f));
		vballoon_drv_poll(&bd);
		break;
	case 9:
		vc_balloon_request_stats(dev());
		vballoon_drv_set_stat(&bd, fin_u8(f) % 10, fin_u64(f));
		vballoon_drv_poll(&bd);
		break;
	case 10: {
		long n;

		v = fin_u8(f);
		n = vballoon_drv_report(&bd, 1 + v % VBALLOON_REPORT_MAX);
		if (n > 0) {
			uint32_t k;

			for (k = 0; k < bd.rep.n; k++)
				note_writable(vballoon_drv_page_gpa(&bd, bd.rep.page[k]), PAGE);
		}
		break;
	}
	case 11:
		v = fin_u8(f);
		if (v & 1)
			vballoon_drv_hint_stop(&bd);
		else
			vballoon_drv_balance(&bd);
		break;
	case 12: {
		uint8_t val = fin_u8(f);
		uint64_t g = page_gpa(fin_u8(f) % N_CHECKED);

		if (g)
			gm_write(pr.drv_mem, g + fin_u16(f) % PAGE, &val, 1);
		break;
	}
	case 13:
		op_config_write(f);
		break;
	case 14:
		vc_balloon_audit(dev());
		break;
	default:
		vballoon_drv_poll(&bd);
		break;
	}
	/* hinted pages are posted device-writable */
	for (v = 0; v < VBALLOON_POOL_PAGES; v++)
		if (bd.state[v] == VB_HINTED)
			M.writable[v] = true;
	after_op("an operation");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned ops = 0;

	setup(&f);
	while (!fin_done(&f) && ops++ < MAX_OPS) {
		uint8_t op = fin_u8(&f);

		if (op == 0xff) {
			if (M.resets >= MAX_RESETS)
				break;
			reset_and_check();
			continue;
		}
		run_op(&f, op);
	}
	if (needs_reset() && M.resets < MAX_RESETS)
		reset_and_check();
	if (bd_attached)
		vballoon_drv_detach(&bd);
	bd_attached = false;
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
	return 0;
}
