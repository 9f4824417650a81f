// SPDX-License-Identifier: Apache-2.0
/*
 * One corpus input against the target's device, in the child replay.c
 * forked for it.
 *
 * fuzz_split_device: the input is decoded and materialized with the
 * fuzzer's own code (fuzz/fsd_input.c). Guest memory is the fuzzer's
 * layout (R0..R3, world S or B) plus one driver region far from every hole
 * an input names. The driver side initializes the device with queue 0
 * programmed raw at the input's ring placement and size, writes the
 * descriptor table, the indirect tables and the available ring, snapshots
 * all guest memory, notifies queue 0 and judges what the device did:
 *
 *  - no byte changed outside the writable buffers of the chains made
 *    available (a lenient walk from every available head: everything
 *    writable it reaches counts) and the used ring (CL_DEV_DESC);
 *  - used idx moved by at most the chains made available, every used id is
 *    a head made available and not used more often than it was, and every
 *    used len is at most the writable bytes of its chain (CL_DEV_USED);
 *  - after a reset and a normal initialization the device answers a
 *    well-formed request (rng: 64 bytes; blk: a one-sector read), else
 *    CL_DEV_RESET.
 * What the vhost-user proxy reports (a dead back-end, a dropped connection,
 * a message timeout) classifies the input as crashed, dropped or hung.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk_drv.h"
#include "devices.h"
#include "replay.h"
#include "replay_priv.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

/* the driver's own region: far above every fuzz region and hole address */
#define DRV_GPA  0x200000000ull
#define DRV_SIZE 0x100000ull
#define WALK_MAX 4096u      /* descriptors one lenient walk reads */

const struct vc_device_ops *rp_ops(const struct sess *x)
{
	if (x->e->ops)
		return x->e->ops;
	return x->e->fmt == REPLAY_BLK ? &vc_blk_device_ops : &vc_rng_device_ops;
}

int rp_dev_type(const struct sess *x)
{
	return (int)rp_ops(x)->device_id;
}

int rp_open(struct sess *x)
{
	struct vc_pair_opts po;

	memset(&po, 0, sizeof(po));
	po.transport = VC_TRANSPORT_PCI;
	po.regions = x->reg;
	po.n_regions = x->nreg;
	if (vc_pair_open_opts(&x->p, rp_ops(x), x->e->args, &po)) {
		rp_classify(x, RC_CRASHED, NULL, "the device could not be created (create() failed)");
		return -1;
	}
	x->open = true;
	if (vdrv_probe(x->p.drv, (uint16_t)rp_dev_type(x)) != 0) {
		rp_classify_findings(x, "probe");
		rp_classify(x, RC_VIOLATION, CL_DEV_RESET, "the driver could not probe the device");
		return -1;
	}
	return 0;
}

void rp_classify(struct sess *x, enum replay_class c, const char *clause, const char *fmt, ...)
{
	va_list ap;

	/* the first finding of the strongest class stands */
	if (x->r->cls != RC_OK && x->r->cls >= c)
		return;
	x->r->cls = c;
	snprintf(x->r->clause, sizeof(x->r->clause), "%s", clause ? clause : "");
	va_start(ap, fmt);
	vsnprintf(x->r->msg, sizeof(x->r->msg), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ memory */

static int reg_of(const struct sess *x, uint64_t gpa, uint64_t len, uint64_t *off)
{
	unsigned i;

	for (i = 0; i < x->nreg; i++)
		if (gpa >= x->reg[i].gpa && gpa - x->reg[i].gpa <= x->reg[i].size &&
		    len <= x->reg[i].size - (gpa - x->reg[i].gpa)) {
			*off = gpa - x->reg[i].gpa;
			return (int)i;
		}
	return -1;
}

/* Read from the snapshot: false unless [gpa, gpa + len) is in one region. */
static bool snap_read(const struct sess *x, uint64_t gpa, void *dst, uint64_t len)
{
	uint64_t off;
	int i = reg_of(x, gpa, len, &off);

	if (i < 0)
		return false;
	memcpy(dst, x->snap[i] + off, len);
	return true;
}

static void mark(struct sess *x, uint64_t gpa, uint64_t end)
{
	unsigned i;

	for (i = 0; i < x->nreg; i++) {
		uint64_t lo = x->reg[i].gpa, hi = lo + x->reg[i].size;
		uint64_t a = gpa > lo ? gpa : lo, b = end < hi ? end : hi;

		if (a < b)
			memset(x->allow[i] + (a - lo), 1, b - a);
	}
}

void rp_allow(struct sess *x, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len < gpa ? UINT64_MAX : gpa + len;

	if (gpa >= end)
		return;
	if (!x->ranges)
		x->ranges = malloc(RANGE_MAX * sizeof(*x->ranges));
	if (x->ranges && x->nranges < RANGE_MAX)
		x->ranges[x->nranges++] = (struct rp_range){ gpa, end };
	else
		mark(x, gpa, end);
}

static int cmp_range(const void *a, const void *b)
{
	const struct rp_range *p = a, *q = b;

	return p->lo < q->lo ? -1 : p->lo > q->lo;
}

/* The collected ranges, merged, into allow[]. */
static void mark_ranges(struct sess *x)
{
	size_t i;
	uint64_t lo, hi;

	if (!x->nranges)
		return;
	qsort(x->ranges, x->nranges, sizeof(*x->ranges), cmp_range);
	lo = x->ranges[0].lo;
	hi = x->ranges[0].hi;
	for (i = 1; i < x->nranges; i++) {
		if (x->ranges[i].lo <= hi) {
			if (x->ranges[i].hi > hi)
				hi = x->ranges[i].hi;
			continue;
		}
		mark(x, lo, hi);
		lo = x->ranges[i].lo;
		hi = x->ranges[i].hi;
	}
	mark(x, lo, hi);
	x->nranges = 0;
}

/* Write through the driver's view; parts outside guest memory are not
 * written (as the fuzzer does). */
static void put(struct sess *x, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gm_translate(x->p.drv_mem, gpa, len, GM_WRITE);

	if (p)
		memcpy(p, src, len);
}

int rp_snapshot(struct sess *x)
{
	unsigned i;

	for (i = 0; i < x->nreg; i++) {
		const void *p = gm_translate(x->p.drv_mem, x->reg[i].gpa, x->reg[i].size, GM_READ);

		if (!x->snap[i])
			x->snap[i] = malloc(x->reg[i].size);
		if (!x->allow[i])
			x->allow[i] = malloc(x->reg[i].size);
		if (!p || !x->snap[i] || !x->allow[i])
			return -1;
		memcpy(x->snap[i], p, x->reg[i].size);
		memset(x->allow[i], 0, x->reg[i].size);
		x->nranges = 0;
	}
	return 0;
}

/* ------------------------------------------------------------ chains */

/*
 * Lenient walk from head over the snapshot: follows NEXT and one level of
 * INDIRECT whatever the flags' validity, bounded by WALK_MAX, and marks every
 * writable descriptor's bytes allowed. Returns the writable bytes (saturated
 * at UINT64_MAX).
 */
static uint64_t walk(struct sess *x, uint16_t head, bool mark)
{
	const struct fsd_state *st = x->st;
	uint64_t base = st->ring[0], total = 0;
	uint32_t tsize = st->size, idx = head, steps;
	bool indirect = false;
	uint8_t d[16];

	for (steps = 0; steps < WALK_MAX && idx < tsize; steps++) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags;

		if (!snap_read(x, base + 16ull * idx, d, 16))
			break;
		addr = fsd_ld64(d);
		len = fsd_ld32(d + 8);
		flags = fsd_ld16(d + 12);
		if ((flags & 4) && !indirect) {
			base = addr;
			tsize = len / 16;
			idx = 0;
			indirect = true;
			continue;
		}
		if (flags & 2) {
			if (mark)
				rp_allow(x, addr, len);
			total = total + len < total ? UINT64_MAX : total + len;
		}
		if (!(flags & 1))
			break;
		idx = fsd_ld16(d + 14);
	}
	return total;
}

/* ------------------------------------------------------------ driver side */

void rp_drv_config(const struct sess *x, struct vdrv_config *cfg, uint64_t want)
{
	if (rp_dev_type(x) == VIRTIO_ID_BLOCK)
		vblk_drv_config(cfg, want);
	else
		vrng_drv_config(cfg, want);
	cfg->device_id = (uint16_t)rp_dev_type(x);
	cfg->num_queues = 1;
}

static enum vdrv_hook_action raw_ring(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	struct sess *x = ctx;
	const struct fsd_state *st = x->st;
	unsigned i;

	if (s->step != VDRV_STEP_QUEUE_SETUP)
		return VDRV_PROCEED;
	if (s->queue != 0)
		return VDRV_SKIP;
	vdrv_common_write(drv, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	x->qmax = (uint16_t)vdrv_common_read(drv, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (!x->qmax || st->size > x->qmax)
		return VDRV_SKIP;
	vdrv_common_write(drv, VIRTIO_PCI_COMMON_Q_SIZE, 2, st->cfg_size);
	for (i = 0; i < 3; i++) {
		uint32_t lo = VIRTIO_PCI_COMMON_Q_DESCLO + 8 * i;

		vdrv_common_write(drv, lo, 4, (uint32_t)st->ring[i]);
		vdrv_common_write(drv, lo + 4, 4, (uint32_t)(st->ring[i] >> 32));
	}
	vdrv_common_write(drv, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	x->programmed = vdrv_common_read(drv, VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1;
	return VDRV_SKIP;
}

/* What the vhost-user proxy (or a plugin) reported, as a class. */
void rp_classify_findings(struct sess *x, const char *when)
{
	const struct vc_findings *f = vdev_findings(x->p.core);
	uint32_t i;

	for (i = 0; i < f->count; i++) {
		const char *m = f->v[i].msg;

		if (strcmp(f->v[i].clause, VC_FAIL_BROKEN) && strcmp(f->v[i].clause, VC_FAIL_REFUSED))
			continue;
		if (strstr(m, "process died"))
			rp_classify(x, RC_CRASHED, NULL, "%s: %s", when, m);
		else if (strstr(m, "did not reply") || strstr(m, "timed out"))
			rp_classify(x, RC_HUNG, NULL, "%s: %s", when, m);
		else if (strstr(m, "closed the connection") || strstr(m, "unavailable"))
			rp_classify(x, RC_DROPPED, NULL, "%s: %s", when, m);
	}
}

/* ------------------------------------------------------------ oracles */

static const char *place_of(const struct sess *x, uint64_t gpa)
{
	const struct fsd_state *st = x->st;
	unsigned t;

	if (!st)
		return "memory it was not given as writable";
	if (gpa >= st->ring[0] && gpa - st->ring[0] < 16ull * st->size)
		return "the descriptor table";
	if (gpa >= st->ring[1] && gpa - st->ring[1] < 6ull + 2ull * st->size)
		return "the available ring";
	for (t = 0; t < st->ntab; t++)
		if (gpa >= st->tab_gpa[t] && gpa - st->tab_gpa[t] < 16ull * st->tab_n[t])
			return "an indirect table";
	return "memory it was not given as writable";
}

void rp_check_writes(struct sess *x)
{
	uint64_t bytes = 0, first = 0;
	unsigned i;

	mark_ranges(x);
	for (i = 0; i < x->nreg; i++) {
		const uint8_t *now = gm_translate(x->p.drv_mem, x->reg[i].gpa, x->reg[i].size, GM_READ);
		uint64_t k;

		if (!now)
			continue;
		for (k = 0; k < x->reg[i].size; k++)
			if (now[k] != x->snap[i][k] && !x->allow[i][k]) {
				if (!bytes)
					first = x->reg[i].gpa + k;
				bytes++;
			}
	}
	if (bytes)
		rp_classify(x, RC_VIOLATION, CL_DEV_DESC,
			 "the device changed %llu byte(s) outside the writable buffers and the used "
			 "ring, the first at 0x%llx in %s", (unsigned long long)bytes,
			 (unsigned long long)first, place_of(x, first));
}

static void check_used(struct sess *x, uint32_t n_avail)
{
	const struct fsd_state *st = x->st;
	uint8_t u[8];
	uint16_t used_idx, i, first;
	uint8_t h2[2];

	if (!gm_range_ok(x->p.drv_mem, st->ring[2], 6ull + 8ull * st->size) ||
	    gm_read(x->p.drv_mem, st->ring[2] + 2, h2, 2))
		return;
	used_idx = fsd_ld16(h2);
	x->r->used = used_idx;
	if (used_idx > n_avail) {
		rp_classify(x, RC_VIOLATION, CL_DEV_USED,
			 "used idx moved to %u, but only %u chain(s) were made available", used_idx,
			 n_avail);
		return;
	}
	/* the entries still in the ring: the last min(used_idx, size) */
	first = used_idx > st->size ? (uint16_t)(used_idx - st->size) : 0;
	for (i = first; i < used_idx; i++) {
		uint64_t at = st->ring[2] + 4 + 8ull * (i % st->size), wr;
		uint32_t id, len;

		if (gm_read(x->p.drv_mem, at, u, 8))
			return;
		id = fsd_ld32(u);
		len = fsd_ld32(u + 4);
		if (id >= NHEADS || !x->avail_count[id]) {
			rp_classify(x, RC_VIOLATION, CL_DEV_USED,
				 "used entry %u has id %u, which was never made available", i, id);
			return;
		}
		if (++x->used_count[id] > x->avail_count[id]) {
			rp_classify(x, RC_VIOLATION, CL_DEV_USED,
				 "used entry %u returns head %u a %u. time; it was made available %u "
				 "time(s)", i, id, x->used_count[id], x->avail_count[id]);
			return;
		}
		wr = walk(x, (uint16_t)id, false);
		if (len > wr) {
			rp_classify(x, RC_VIOLATION, CL_DEV_USED,
				 "used entry %u (head %u) says %u bytes written; the chain has %llu "
				 "writable byte(s)", i, id, len, (unsigned long long)wr);
			return;
		}
	}
}

/* ------------------------------------------------------------ liveness */

/* The device did not come back: a finding, unless the back-end already
 * dropped the connection (then the drop is the class, and this its note). */
static void not_live(struct sess *x, const char *what)
{
	size_t len;

	rp_classify_findings(x, "liveness");
	if (x->r->cls == RC_DROPPED) {
		const struct vc_findings *f = vdev_findings(x->p.core);

		len = strlen(x->r->msg);
		snprintf(x->r->msg + len, sizeof(x->r->msg) - len, "; then %s%s%s%s", what,
			 f->count ? " (" : "", f->count ? f->v[f->count - 1].msg : "",
			 f->count ? ")" : "");
		return;
	}
	rp_classify(x, RC_VIOLATION, CL_DEV_RESET, "%s", what);
}

void rp_liveness(struct sess *x)
{
	struct vdrv_config cfg;
	uint8_t buf[512];

	if (rp_dev_type(x) != VIRTIO_ID_BLOCK && rp_dev_type(x) != VIRTIO_ID_RNG) {
		size_t len = strlen(x->r->msg);

		snprintf(x->r->msg + len, sizeof(x->r->msg) - len,
			 "%sliveness not checked: no well-formed request for device ID %d",
			 len ? "; " : "", rp_dev_type(x));
		return;
	}
	vdrv_reset(x->p.drv);
	rp_drv_config(x, &cfg, 0);
	cfg.queue_size = 8;
	cfg.indirect_max = 0;
	if (vdrv_init(x->p.drv, &cfg) != 0) {
		not_live(x, "after a reset the device could not be initialized again");
		return;
	}
	if (rp_dev_type(x) == VIRTIO_ID_BLOCK) {
		static struct vblk_drv b;

		memset(&b, 0, sizeof(b));
		if (vblk_drv_attach(&b, x->p.drv) == 0 &&
		    vblk_drv_read(&b, 0, 0, buf, 1) == VIRTIO_BLK_S_OK)
			return;
	} else {
		struct vrng_drv g;

		memset(&g, 0, sizeof(g));
		if (vrng_drv_attach(&g, x->p.drv, 4096) == 0 && vrng_drv_read(&g, buf, 64) == 64)
			return;
	}
	not_live(x, rp_dev_type(x) == VIRTIO_ID_BLOCK
			    ? "after a reset the device did not answer a one-sector read"
			    : "after a reset the device did not answer a 64-byte request");
}

/* ------------------------------------------------------------ split */

static void replay_split(struct sess *x, const uint8_t *data, size_t n)
{
	static struct fsd_input in;
	static struct fsd_state st;
	const struct fsd_layout *l;
	struct vdrv_config cfg;
	uint64_t want = 0;
	uint32_t n_avail, i;
	unsigned k, t;
	uint8_t h2[2];

	fsd_decode(data, n, &in);
	fsd_materialize(&in, &st);
	x->st = &st;
	l = fsd_layout(st.world);
	for (k = 0; k < FSD_NREG; k++)
		x->reg[k] = (struct gm_region_spec){ l->r_gpa[k], l->r_size[k] };
	x->reg[FSD_NREG] = (struct gm_region_spec){ DRV_GPA, DRV_SIZE };
	x->nreg = FSD_NREG + 1;
	if (rp_open(x))
		return;
	if (st.event_idx)
		want |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	if (st.indirect)
		want |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	rp_drv_config(x, &cfg, want);
	cfg.hook = raw_ring;
	cfg.hook_ctx = x;
	if (vdrv_init(x->p.drv, &cfg) != 0 || !x->programmed) {
		rp_classify_findings(x, "initialization");
		if (x->r->cls == RC_OK)
			rp_classify(x, RC_REFUSED, NULL,
				 "the ring was not accepted (queue size %u, maximum %u; desc 0x%llx "
				 "avail 0x%llx used 0x%llx)", st.cfg_size, x->qmax,
				 (unsigned long long)st.ring[0], (unsigned long long)st.ring[1],
				 (unsigned long long)st.ring[2]);
		if (x->r->cls == RC_REFUSED)
			rp_liveness(x);
		return;
	}
	/* the ring as the fuzzer's driver writes it */
	for (k = 0; k < st.n_desc; k++)
		put(x, st.ring[0] + 16ull * k, st.desc_img + 16 * k, 16);
	for (t = 0; t < st.ntab; t++)
		for (k = 0; k < st.tab_written[t]; k++)
			put(x, st.tab_gpa[t] + 16ull * k, st.tab_img[t] + 16 * k, 16);
	for (k = 0; k < 3u + st.size; k++)
		put(x, st.ring[1] + 2ull * k, st.avail_img + 2 * k, 2);
	if (rp_snapshot(x)) {
		rp_classify(x, RC_CRASHED, NULL, "out of memory for the snapshot");
		return;
	}
	/* what was made available, and where the device may write */
	n_avail = snap_read(x, st.ring[1] + 2, h2, 2) ? fsd_ld16(h2) : 0;
	x->r->chains = n_avail;
	for (i = 0; i < n_avail; i++) {
		uint16_t head = snap_read(x, st.ring[1] + 4 + 2ull * (i % st.size), h2, 2) ? fsd_ld16(h2)
											     : 0;

		if (x->avail_count[head]++ == 0 && i < st.size)
			walk(x, head, true);
	}
	rp_allow(x, st.ring[2], 6ull + 8ull * st.size);

	vdrv_notify(x->p.drv, 0);

	rp_check_writes(x);
	check_used(x, n_avail);
	rp_classify_findings(x, "after the kick");
	if (x->r->cls == RC_OK &&
	    (x->r->used != n_avail || n_avail > st.size ||
	     (vdrv_status(x->p.drv) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)))
		rp_classify(x, RC_REFUSED, NULL, "%u of %u chain(s) used, device status 0x%02x%s%s",
			 x->r->used, n_avail, vdrv_status(x->p.drv),
			 vdev_findings(x->p.core)->count ? ": " : "",
			 vdev_findings(x->p.core)->count ? vdev_findings(x->p.core)->v[0].msg : "");
	/* after a dropped connection the back-end is not judged again: the
	 * next input gets a fresh one (--spawn) */
	if (x->r->cls == RC_OK || x->r->cls == RC_REFUSED)
		rp_liveness(x);
}

void replay_input(const struct replay_env *e, const uint8_t *data, size_t n,
		  struct replay_result *r)
{
	static struct sess x;
	unsigned i;

	memset(&x, 0, sizeof(x));
	memset(r, 0, sizeof(*r));
	x.e = e;
	x.r = r;
	if (e->fmt == REPLAY_BLK)
		rp_replay_blk(&x, data, n);
	else
		replay_split(&x, data, n);
	if (x.open)
		vc_pair_close(&x.p);
	for (i = 0; i < NREG_MAX; i++) {
		free(x.snap[i]);
		free(x.allow[i]);
	}
	free(x.ranges);
}
