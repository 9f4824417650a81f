// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the virtqueue batch calls (vq_dev_pop_batch,
 * vq_dev_push_batch, vq_drv_add_batch, vq_drv_get_batch) against the
 * one-buffer calls they stand for, differentially.
 *
 * Two identical worlds, each its own guest memory (two adjacent regions, a
 * hole, a ring region), a driver queue on the driver's view and a device
 * queue on the device's view. Every operation of the input is applied to
 * both: world A with one-buffer calls, world B with the batch call, and a
 * hostile side's raw ring writes to both alike.
 *
 * Input: byte 0 the configuration (bit 0 packed, 1 IN_ORDER, 2 EVENT_IDX,
 * 3 INDIRECT), byte 1 the queue size (split: 1 << (b % 5); packed: 1 + b %
 * 16), then operations, each an opcode byte (op % 12) and its operands:
 *   0 add_batch     n, flags (bit 0 writable, bit 1 NULL tokens), len
 *   1 add chain     shape (bits 0-1 readable, 2-3 writable, 4 indirect), len
 *   2 kick
 *   3 pop           max (% 22)
 *   4 push          count (% 9), per buffer: pick, how (written)
 *   5 flush
 *   6 get           max (% 22)
 *   7 raw desc      slot, addr kind, len (u16), flags, next/id (driver view)
 *   8 raw avail     split: entry, head / idx delta; packed: slot, flags
 *   9 raw used      split: id, len, idx delta; packed: slot, id, len, flags
 *  10 notify        bits (device set_notify, driver set_interrupt)
 *  11 reset         both queues reset and set up again
 *
 * Oracle after every operation (vq.h, "Batches"): the same return values;
 * the same elements (head, counts, byte totals, every segment), tokens and
 * lengths; the same violations (clause, severity, queue, index, head,
 * message) in the same order on both sides; the counters popped, pushed,
 * used_entries, added and reaped; in-flight and free counts, broken flags;
 * and every byte of guest memory, event suppression words included (each
 * batch call has published them when it returns).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gm.h"
#include "oracle.h"
#include "vq.h"
#include "vq_packed_layout.h"
#include "vq_split_layout.h"

#define R0_GPA     0x10000ull
#define R0_SIZE    0x8000ull
#define R1_GPA     (R0_GPA + R0_SIZE)
#define R1_SIZE    0x1000ull
#define R2_GPA     0x100000ull
#define R2_SIZE    0x4000ull
#define HOLE_GPA   0x80000ull
#define DESC_GPA   R2_GPA
#define DRIVER_GPA (R2_GPA + 0x1000)
#define DEVICE_GPA (R2_GPA + 0x2000)
#define POOL_GPA   (R2_GPA + 0x3000)
#define IND_MAX    4
#define MAXQ       16
#define MAXB       21
#define MAX_OPS    256
#define NPEND      64

#define CONTRACT "vq.h batch contract"

struct vlog {
	unsigned n;
	struct vc_violation v[8];
};

static void record(void *owner, const struct vc_violation *v)
{
	struct vlog *log = owner;

	if (log->n < 8)
		log->v[log->n] = *v;
	log->n++;
}

struct world {
	gm_t *gm;
	gm_view_t *drv_view;
	gm_view_t *dev_view;
	vq_dev_t *dev;
	vq_drv_t *drv;
	struct vlog dev_log;
	struct vlog drv_log;
};

static struct world W[2];
#define A (&W[0])
#define B (&W[1])

static struct vq_cfg cfg;
static bool trace; /* VC_BATCH_TRACE=1: each operation and its results on stderr */
static struct vq_used_buf pend[NPEND]; /* popped, not yet pushed */
static unsigned npend;
static uintptr_t next_token;

static const struct gm_region_spec regions[] = {
	{ R0_GPA, R0_SIZE },
	{ R1_GPA, R1_SIZE },
	{ R2_GPA, R2_SIZE },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned i;

	(void)argc;
	(void)argv;
	trace = getenv("VC_BATCH_TRACE") && atoi(getenv("VC_BATCH_TRACE"));
	for (i = 0; i < 2; i++) {
		W[i].gm = gm_create(regions, 3);
		W[i].drv_view = W[i].gm ? gm_view_map(W[i].gm, "driver") : NULL;
		W[i].dev_view = W[i].gm ? gm_view_map(W[i].gm, "device") : NULL;
		W[i].dev = W[i].dev_view ? vq_dev_new(W[i].dev_view, record, &W[i].dev_log) : NULL;
		W[i].drv = W[i].drv_view ? vq_drv_new(W[i].drv_view, record, &W[i].drv_log) : NULL;
		if (!W[i].dev || !W[i].drv) {
			fprintf(stderr, "fuzz_vq_batch: cannot set up guest memory\n");
			exit(1);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ oracle */

static void same_log(const struct vlog *a, const struct vlog *b, const char *side)
{
	unsigned k;

	ORACLE(a->n == b->n, CONTRACT, "%s violations: %u one-buffer ('%s'), %u batch ('%s')", side,
	       a->n, a->n ? a->v[0].msg : "", b->n, b->n ? b->v[0].msg : "");
	for (k = 0; k < a->n && k < 8; k++) {
		const struct vc_violation *x = &a->v[k], *y = &b->v[k];

		ORACLE(!strcmp(x->clause, y->clause) && x->severity == y->severity &&
			       x->queue == y->queue && x->avail_idx == y->avail_idx &&
			       x->head == y->head && !strcmp(x->msg, y->msg),
		       CONTRACT, "%s violation %u: [%s] '%s' sev %d idx %u head %u vs [%s] '%s' sev %d idx %u head %u",
		       side, k, x->clause, x->msg, x->severity, x->avail_idx, x->head, y->clause,
		       y->msg, y->severity, y->avail_idx, y->head);
	}
}

static void same(const char *after)
{
	const struct vq_dev_stats *da = vq_dev_stats(A->dev), *db = vq_dev_stats(B->dev);
	const struct vq_drv_stats *ra = vq_drv_stats(A->drv), *rb = vq_drv_stats(B->drv);
	unsigned r;

	same_log(&A->dev_log, &B->dev_log, "device");
	same_log(&A->drv_log, &B->drv_log, "driver");
	ORACLE(da->popped == db->popped && da->pushed == db->pushed &&
		       da->used_entries == db->used_entries && ra->added == rb->added &&
		       ra->reaped == rb->reaped,
	       CONTRACT, "after %s: counters popped %llu/%llu pushed %llu/%llu used %llu/%llu added %llu/%llu reaped %llu/%llu",
	       after, (unsigned long long)da->popped, (unsigned long long)db->popped,
	       (unsigned long long)da->pushed, (unsigned long long)db->pushed,
	       (unsigned long long)da->used_entries, (unsigned long long)db->used_entries,
	       (unsigned long long)ra->added, (unsigned long long)rb->added,
	       (unsigned long long)ra->reaped, (unsigned long long)rb->reaped);
	ORACLE(vq_dev_inflight(A->dev) == vq_dev_inflight(B->dev) &&
		       vq_dev_ring_busy(A->dev) == vq_dev_ring_busy(B->dev) &&
		       vq_dev_vring_base(A->dev) == vq_dev_vring_base(B->dev) &&
		       vq_dev_broken(A->dev) == vq_dev_broken(B->dev) &&
		       vq_drv_num_free(A->drv) == vq_drv_num_free(B->drv) &&
		       vq_drv_outstanding(A->drv) == vq_drv_outstanding(B->drv) &&
		       vq_drv_broken(A->drv) == vq_drv_broken(B->drv),
	       CONTRACT, "after %s: queue state differs (inflight %u/%u base 0x%x/0x%x free %u/%u)",
	       after, vq_dev_inflight(A->dev), vq_dev_inflight(B->dev), vq_dev_vring_base(A->dev),
	       vq_dev_vring_base(B->dev), vq_drv_num_free(A->drv), vq_drv_num_free(B->drv));
	for (r = 0; r < 3; r++) {
		const uint8_t *a = gm_translate(A->drv_view, regions[r].gpa, regions[r].size, GM_READ);
		const uint8_t *b = gm_translate(B->drv_view, regions[r].gpa, regions[r].size, GM_READ);
		uint64_t off = 0;

		if (!memcmp(a, b, regions[r].size))
			continue;
		while (a[off] == b[off])
			off++;
		ORACLE(0, CONTRACT, "after %s: guest memory differs at 0x%llx: 0x%02x / 0x%02x", after,
		       (unsigned long long)(regions[r].gpa + off), a[off], b[off]);
	}
}

/* ------------------------------------------------------------ operations */

static void op_add_batch(struct fin *f)
{
	unsigned n = fin_u8(f) % (MAXB + 1), fl = fin_u8(f), len = fin_u8(f), k;
	bool writable = fl & 1, refused = vq_drv_broken(A->drv);
	struct vq_buf bufs[MAXB];
	void *tokens[MAXB];
	int ka = 0, kb;

	for (k = 0; k < n; k++) {
		bufs[k] = (struct vq_buf){ R0_GPA + 0x400ull * ((next_token + k) % 32),
					   (len + 37 * k) % 0x400 };
		tokens[k] = (void *)(next_token + k + 1);
	}
	next_token += n;
	while ((unsigned)ka < n) {
		void *tok = fl & 2 ? NULL : tokens[ka];
		int h = writable ? vq_drv_add(A->drv, NULL, 0, &bufs[ka], 1, tok, false)
				 : vq_drv_add(A->drv, &bufs[ka], 1, NULL, 0, tok, false);

		if (h < 0)
			break;
		ka++;
	}
	kb = vq_drv_add_batch(B->drv, bufs, n, writable, fl & 2 ? NULL : tokens);
	if (trace)
		fprintf(stderr, "add_batch(%u, w%d) -> %d\n", n, writable, kb);
	ORACLE(refused ? kb == -1 && ka == 0 : kb == ka, CONTRACT,
	       "add_batch(%u) returned %d, the adds %d (broken %d)", n, kb, ka, refused);
	same("add_batch");
}

static void op_add_chain(struct fin *f)
{
	unsigned shape = fin_u8(f), len = fin_u8(f), n_out = shape & 3, n_in = (shape >> 2) & 3, k;
	struct vq_buf out[3], in[3];
	void *tok = (void *)++next_token;
	int a, b;

	for (k = 0; k < 3; k++) {
		out[k] = (struct vq_buf){ R0_GPA + 0x400ull * ((next_token + k) % 32), 16 + len + k };
		in[k] = (struct vq_buf){ R0_GPA + 0x400ull * ((next_token + 8 + k) % 32), 64 + len };
	}
	a = vq_drv_add(A->drv, out, n_out, in, n_in, tok, shape & 16);
	b = vq_drv_add(B->drv, out, n_out, in, n_in, tok, shape & 16);
	if (trace)
		fprintf(stderr, "add(%u out, %u in, ind %d) -> %d\n", n_out, n_in, !!(shape & 16), a);
	ORACLE(a == b, CONTRACT, "add %d/%d", a, b);
	same("add");
}

static void op_kick(void)
{
	bool a = vq_drv_kick_prepare(A->drv), b = vq_drv_kick_prepare(B->drv);

	ORACLE(a == b, CONTRACT, "kick_prepare %d/%d", a, b);
	same("kick");
}

static void op_pop(struct fin *f)
{
	unsigned max = fin_u8(f) % (MAXB + 1), s;
	struct vc_elem eb[MAXB], ea;
	int nb, ra, k;

	nb = vq_dev_pop_batch(B->dev, eb, max);
	if (trace)
		fprintf(stderr, "pop_batch(%u) -> %d\n", max, nb);
	ORACLE(nb == VC_POP_BROKEN || (nb >= 0 && (unsigned)nb <= max), CONTRACT,
	       "pop_batch(%u) returned %d", max, nb);
	ORACLE(max || nb <= 0, CONTRACT, "pop_batch(0) returned %d", nb);
	if (nb <= 0 && max) {
		ra = vq_dev_pop(A->dev, &ea);
		ORACLE(ra == (nb < 0 ? VC_POP_BROKEN : VC_POP_EMPTY), CONTRACT,
		       "pop_batch(%u) returned %d, pop %d", max, nb, ra);
	}
	for (k = 0; k < nb; k++) {
		ra = vq_dev_pop(A->dev, &ea);
		ORACLE(ra == VC_POP_OK, CONTRACT, "pop_batch returned %d, pop %d returned %d", nb, k,
		       ra);
		ORACLE(ea.head == eb[k].head && ea.n_readable == eb[k].n_readable &&
			       ea.n_writable == eb[k].n_writable &&
			       ea.readable_bytes == eb[k].readable_bytes &&
			       ea.writable_bytes == eb[k].writable_bytes,
		       CONTRACT, "element %d: head %u/%u", k, ea.head, eb[k].head);
		for (s = 0; s < ea.n_readable + ea.n_writable; s++)
			ORACLE(ea.segs[s].gpa == eb[k].segs[s].gpa &&
				       ea.segs[s].len == eb[k].segs[s].len &&
				       ea.segs[s].writable == eb[k].segs[s].writable,
			       CONTRACT, "element %d seg %u differs", k, s);
		if (npend < NPEND)
			pend[npend++] = (struct vq_used_buf){ eb[k].head,
							      (uint32_t)eb[k].writable_bytes };
	}
	/* vq.h: "buffers handed out before a violation are returned and the
	 * next call returns VC_POP_BROKEN": the batch may have made the failing
	 * call itself; then so does A */
	if (nb > 0 && B->dev_log.n > A->dev_log.n) {
		ra = vq_dev_pop(A->dev, &ea);
		ORACLE(ra == VC_POP_BROKEN, CONTRACT,
		       "pop_batch reported a violation with %d buffers; the next pop returned %d", nb,
		       ra);
	}
	same("pop");
}

static void op_push(struct fin *f)
{
	unsigned n = fin_u8(f) % 9, k, ka = 0, kb, j;
	struct vq_used_buf u[8];

	for (k = 0; k < n; k++) {
		unsigned pick = fin_u8(f), how = fin_u8(f);

		if (npend && pick < 0xf0) {
			u[k] = pend[pick % npend];
			if (how % 4 == 1)
				u[k].written /= 2;
			else if (how % 4 == 2)
				u[k].written += 1;
		} else {
			u[k] = (struct vq_used_buf){ (uint32_t)(pick << 8 | how) % 0x11000u, how };
		}
	}
	while (ka < n && vq_dev_push(A->dev, u[ka].head, u[ka].written) == 0)
		ka++;
	kb = vq_dev_push_batch(B->dev, u, n);
	if (trace) {
		fprintf(stderr, "push_batch(");
		for (k = 0; k < n; k++)
			fprintf(stderr, "%s%u:%u", k ? " " : "", u[k].head, u[k].written);
		fprintf(stderr, ") -> %u\n", kb);
	}
	ORACLE(ka == kb, CONTRACT, "push_batch took %u of %u, the pushes %u", kb, n, ka);
	for (k = 0; k < kb; k++)
		for (j = 0; j < npend; j++)
			if (pend[j].head == u[k].head) {
				pend[j] = pend[--npend];
				break;
			}
	same("push_batch");
}

static void op_flush(void)
{
	bool a = vq_dev_flush(A->dev), b = vq_dev_flush(B->dev);

	if (trace)
		fprintf(stderr, "flush -> %d\n", b);
	ORACLE(a == b, CONTRACT, "flush %d/%d", a, b);
	same("flush");
}

static void op_get(struct fin *f)
{
	unsigned max = fin_u8(f) % (MAXB + 1);
	void *tb[MAXB], *ta;
	uint32_t lb[MAXB], la;
	int nb, ra, k;

	nb = vq_drv_get_batch(B->drv, tb, lb, max);
	if (trace) {
		fprintf(stderr, "get_batch(%u) -> %d:", max, nb);
		for (k = 0; k < nb; k++)
			fprintf(stderr, " %p/%u", tb[k], lb[k]);
		fprintf(stderr, "\n");
	}
	ORACLE(nb >= -1 && nb <= (int)max, CONTRACT, "get_batch(%u) returned %d", max, nb);
	if (nb <= 0 && max) {
		ra = vq_drv_get(A->drv, &ta, &la);
		ORACLE(ra == nb, CONTRACT, "get_batch(%u) returned %d, get %d", max, nb, ra);
	}
	for (k = 0; k < nb; k++) {
		ra = vq_drv_get(A->drv, &ta, &la);
		ORACLE(ra == 1 && ta == tb[k] && la == lb[k], CONTRACT,
		       "get_batch reaped %d; get %d: %d token %p/%p len %u/%u", nb, k, ra, ta, tb[k],
		       la, lb[k]);
	}
	/* vq.h: "buffers reaped before a violation are returned and the next
	 * call returns -1": the batch may have made the failing call itself */
	if (nb > 0 && B->drv_log.n > A->drv_log.n) {
		ra = vq_drv_get(A->drv, &ta, &la);
		ORACLE(ra == -1, CONTRACT,
		       "get_batch reported a violation with %d buffers; the next get returned %d", nb,
		       ra);
	}
	same("get_batch");
}

static uint64_t pick_addr(unsigned kind, unsigned v)
{
	switch (kind % 8) {
	case 0:
	case 1:
	case 2:
		return R0_GPA + 0x100ull * (v % 0x80);
	case 3:
		return R1_GPA + R1_SIZE - 8; /* runs into the hole */
	case 4:
		return HOLE_GPA;
	case 5:
		return 0xfffffffffffff000ull; /* addr + len wraps */
	case 6:
		return POOL_GPA + 0x40ull * (v % 8); /* where indirect tables live */
	default:
		return R2_GPA + R2_SIZE; /* just past guest memory */
	}
}

/* both worlds, through the given side's view */
static void *at(struct world *w, bool device, uint64_t gpa, uint64_t len)
{
	return gm_translate(device ? w->dev_view : w->drv_view, gpa, len, GM_WRITE);
}

static void op_raw_desc(struct fin *f)
{
	unsigned slot = fin_u8(f) % cfg.size, kind = fin_u8(f), len = fin_u16(f);
	unsigned flags = fin_u8(f), nx = fin_u8(f), i;
	uint64_t addr = pick_addr(kind, kind >> 3);

	/* flags byte: bits 0-2 NEXT/WRITE/INDIRECT; packed: bit 3 AVAIL, 4 USED */
	flags = (flags & 7) | (flags & 8 ? VIRTQ_DESC_F_AVAIL : 0) | (flags & 16 ? VIRTQ_DESC_F_USED : 0);
	for (i = 0; i < 2; i++) {
		if (cfg.packed) {
			struct pvirtq_desc *d = at(&W[i], false, DESC_GPA + 16ull * slot, 16);

			d->addr = cpu_to_le64(addr);
			d->len = cpu_to_le32(len);
			d->id = cpu_to_le16((uint16_t)(nx % (cfg.size + 2)));
			le16_store_release(&d->flags, (uint16_t)flags);
		} else {
			struct virtq_desc *d = at(&W[i], false, DESC_GPA + 16ull * slot, 16);

			d->addr = cpu_to_le64(addr);
			d->len = cpu_to_le32(len);
			d->flags = cpu_to_le16((uint16_t)(flags & 7));
			d->next = cpu_to_le16((uint16_t)(nx % (cfg.size + 2)));
		}
	}
	same("raw descriptor");
}

static void op_raw_avail(struct fin *f)
{
	unsigned a = fin_u8(f), b = fin_u8(f), i;

	for (i = 0; i < 2; i++) {
		if (cfg.packed) {
			struct pvirtq_desc *d = at(&W[i], false, DESC_GPA + 16ull * (a % cfg.size), 16);
			uint16_t fl = le16_to_cpu(d->flags);

			/* flip AVAIL / USED of a slot as b says */
			fl = (uint16_t)((fl & ~(VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED)) |
					(b & 1 ? VIRTQ_DESC_F_AVAIL : 0) | (b & 2 ? VIRTQ_DESC_F_USED : 0));
			le16_store_release(&d->flags, fl);
		} else {
			struct virtq_avail *av = at(&W[i], false, DRIVER_GPA,
						    virtq_avail_bytes(cfg.size));
			uint16_t idx = le16_to_cpu(av->idx);

			if (a & 0x80) {
				le16_store_release(&av->idx, (uint16_t)(idx + (b % (cfg.size + 3))));
			} else {
				av->ring[idx % cfg.size] = cpu_to_le16((uint16_t)(b % (cfg.size + 2)));
				if (a & 1)
					le16_store_release(&av->idx, (uint16_t)(idx + 1));
			}
		}
	}
	same("raw avail");
}

static void op_raw_used(struct fin *f)
{
	unsigned a = fin_u8(f), id = fin_u8(f), len = fin_u16(f), fl = fin_u8(f), i;

	for (i = 0; i < 2; i++) {
		if (cfg.packed) {
			struct pvirtq_desc *d = at(&W[i], true, DESC_GPA + 16ull * (a % cfg.size), 16);

			d->id = cpu_to_le16((uint16_t)(id % (cfg.size + 2)));
			d->len = cpu_to_le32(len);
			le16_store_release(&d->flags,
					   (uint16_t)((fl & 1 ? VIRTQ_DESC_F_AVAIL : 0) |
						      (fl & 2 ? VIRTQ_DESC_F_USED : 0) |
						      (fl & 4 ? VIRTQ_DESC_F_WRITE : 0)));
		} else {
			struct virtq_used *u = at(&W[i], true, DEVICE_GPA, virtq_used_bytes(cfg.size));
			uint16_t idx = le16_to_cpu(u->idx);

			u->ring[idx % cfg.size].id = cpu_to_le32(id % (cfg.size + 2));
			u->ring[idx % cfg.size].len = cpu_to_le32(len);
			le16_store_release(&u->idx, (uint16_t)(idx + (a % 3)));
		}
	}
	same("raw used");
}

static void op_notify(struct fin *f)
{
	unsigned b = fin_u8(f), i;

	for (i = 0; i < 2; i++) {
		if (b & 4)
			vq_dev_set_notify(W[i].dev, b & 1);
		if (b & 8)
			vq_drv_set_interrupt(W[i].drv, b & 2);
	}
	same("notify");
}

static void start_queues(void)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		vq_drv_reset(W[i].drv);
		vq_dev_reset(W[i].dev);
		(void)vq_drv_setup(W[i].drv, &cfg, cfg.indirect ? POOL_GPA : 0,
				   cfg.indirect ? IND_MAX : 0);
		(void)vq_dev_enable(W[i].dev, &cfg);
	}
	npend = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned c, sz, i, ops = 0;

	if (!W[0].gm)
		LLVMFuzzerInitialize(NULL, NULL);
	c = fin_u8(&f);
	sz = fin_u8(&f);
	cfg = (struct vq_cfg){ .index = 1, .desc = DESC_GPA, .driver = DRIVER_GPA,
			       .device = DEVICE_GPA, .packed = c & 1, .in_order = c & 2,
			       .event_idx = c & 4, .indirect = c & 8 };
	cfg.size = (uint16_t)(cfg.packed ? 1 + sz % MAXQ : 1u << (sz % 5));
	for (i = 0; i < 2; i++) {
		unsigned r;

		for (r = 0; r < 3; r++)
			memset(gm_translate(W[i].drv_view, regions[r].gpa, regions[r].size, GM_WRITE),
			       0, regions[r].size);
		memset(&W[i].dev_log, 0, sizeof(W[i].dev_log));
		memset(&W[i].drv_log, 0, sizeof(W[i].drv_log));
	}
	next_token = 0;
	start_queues();
	same("setup");
	while (!fin_done(&f) && ops++ < MAX_OPS) {
		switch (fin_u8(&f) % 12) {
		case 0: op_add_batch(&f); break;
		case 1: op_add_chain(&f); break;
		case 2: op_kick(); break;
		case 3: op_pop(&f); break;
		case 4: op_push(&f); break;
		case 5: op_flush(); break;
		case 6: op_get(&f); break;
		case 7: op_raw_desc(&f); break;
		case 8: op_raw_avail(&f); break;
		case 9: op_raw_used(&f); break;
		case 10: op_notify(&f); break;
		default:
			start_queues();
			same("reset");
			break;
		}
	}
	return 0;
}
