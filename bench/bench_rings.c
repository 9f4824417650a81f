// SPDX-License-Identifier: Apache-2.0
/*
 * Split vs packed ring throughput with two threads: a driver thread and a
 * device thread share one memfd through their own views, as in a real guest
 * and host, and poll each other (no notifications). Next to them, measured in
 * the same run, minimal "ringtest-style" rings with no validation at all: one
 * of the split layout (sbase), one of the packed layout (pbase), and the
 * original index ring (base: descriptors plus an available and a used index,
 * as ringtest's ring.c). The ratio of each model ring to the baseline of its
 * own layout is what the checks cost.
 *
 * For each batch size B the driver posts B one-descriptor buffers, publishes
 * them with one kick_prepare and reaps what is used; the device pops up to B,
 * pushes each with 16 bytes "written" and flushes once per round. Each model
 * ring runs twice: through the batch calls (vq_dev_pop_batch/push_batch,
 * vq_drv_add_batch/get_batch: "split", "packed") and through the one-buffer
 * calls ("split1", "packed1"), with the same checks.
 *
 * usage: bench_rings [buffers per run]   (default 400000; 5 runs per cell)
 *        bench_rings --single split|packed|split-batch|packed-batch BATCH N
 *                    (one thread playing both sides, for callgrind)
 * It prints one line per batch size and, last, the goal check of issue #5:
 * the best split and packed rates (batch calls) and how many times slower
 * than the baseline of their own layout they are at that batch.
 * Numbers from a shared or loaded machine are noisy: compare within a run.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vq.h"

#define QSIZE 256
#define RUNS 5
#define BUF_GPA 0x1000000ull

static const unsigned batches[] = { 1, 4, 16, 64, 256 };
#define N_BATCHES (sizeof(batches) / sizeof(batches[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a polling loop that does not starve the other thread on a busy machine */
static void relax(unsigned *spins)
{
	if (++*spins % 128 == 0)
		sched_yield();
#if defined(__x86_64__) || defined(__i386__)
	else
		__builtin_ia32_pause();
#endif
}

static void sink(void *owner, const struct vc_violation *v)
{
	fprintf(stderr, "bench: unexpected violation %s: %s\n", v->clause, v->msg);
	exit(1);
}

/* ------------------------------------------------------ the model rings */

struct ring_run {
	gm_t *gm;
	gm_view_t *drv_mem, *dev_mem;
	vq_drv_t *drv;
	vq_dev_t *dev;
	unsigned batch;
	uint64_t total;
	bool stop; /* atomic */
};

/* one-buffer calls: vq_dev_pop, vq_dev_push per buffer */
static void *device_thread(void *arg)
{
	struct ring_run *r = arg;
	unsigned spins = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct vc_elem e;
		unsigned n = 0;

		while (n < r->batch && vq_dev_pop(r->dev, &e) == VC_POP_OK) {
			if (vq_dev_push(r->dev, e.head, 16) != 0)
				exit(1);
			n++;
		}
		if (n)
			vq_dev_flush(r->dev);
		else
			relax(&spins);
	}
	return NULL;
}

/* batch calls: vq_dev_pop_batch, vq_dev_push_batch per round */
static void *device_thread_batched(void *arg)
{
	struct ring_run *r = arg;
	struct vc_elem e[QSIZE];
	struct vq_used_buf u[QSIZE];
	unsigned spins = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int n = vq_dev_pop_batch(r->dev, e, r->batch), k;

		if (n < 0)
			exit(1);
		if (!n) {
			relax(&spins);
			continue;
		}
		for (k = 0; k < n; k++) {
			if (e[k].writable_bytes < 16) /* "write" 16 bytes into it */
				exit(1);
			u[k] = (struct vq_used_buf){ e[k].head, 16 };
		}
		if (vq_dev_push_batch(r->dev, u, (unsigned)n) != (unsigned)n)
			exit(1);
		vq_dev_flush(r->dev);
	}
	return NULL;
}

static double run_ring(bool packed, bool batched, unsigned batch, uint64_t total)
{
	struct vq_buf bufs[QSIZE];
	void *toks[QSIZE];
	uint32_t lens[QSIZE];
	struct gm_region_spec regions[2] = { { 0x10000, 0x100000 }, { BUF_GPA, 0x100000 } };
	struct vq_ring_geometry g;
	struct ring_run r = { .batch = batch, .total = total };
	struct vq_cfg c = { .index = 0, .size = QSIZE, .packed = packed };
	uint64_t posted = 0, reaped = 0;
	unsigned spins = 0;
	pthread_t th;
	double t0, t1;

	/* place the three parts with the layout's own geometry */
	vq_ring_geometry(QSIZE, packed, &g);
	c.desc = 0x10000;
	c.driver = (c.desc + g.desc.bytes + g.driver.align - 1) & ~(g.driver.align - 1);
	c.device = (c.driver + g.driver.bytes + 4095) & ~4095ull;
	r.gm = gm_create(regions, 2);
	r.drv_mem = r.gm ? gm_view_map(r.gm, "driver") : NULL;
	r.dev_mem = r.gm ? gm_view_map(r.gm, "device") : NULL;
	r.drv = vq_drv_new(r.drv_mem, sink, NULL);
	r.dev = vq_dev_new(r.dev_mem, sink, NULL);
	if (!r.drv_mem || !r.dev_mem || !r.drv || !r.dev || vq_drv_setup(r.drv, &c, 0, 0) ||
	    vq_dev_enable(r.dev, &c)) {
		fprintf(stderr, "bench: setup failed\n");
		exit(1);
	}
	if (pthread_create(&th, NULL, batched ? device_thread_batched : device_thread, &r))
		exit(1);
	t0 = now();
	while (batched && reaped < total) {
		unsigned k, want = batch;
		int n;

		if (want > total - posted)
			want = (unsigned)(total - posted);
		for (k = 0; k < want; k++)
			bufs[k] = (struct vq_buf){ BUF_GPA + 64ull * ((posted + k) % QSIZE), 64 };
		n = want ? vq_drv_add_batch(r.drv, bufs, want, true, NULL) : 0;
		if (n < 0)
			exit(1);
		posted += (unsigned)n;
		vq_drv_kick_prepare(r.drv);
		n = vq_drv_get_batch(r.drv, toks, lens, QSIZE);
		if (n < 0)
			exit(1);
		for (k = 0; k < (unsigned)n; k++)
			if (lens[k] != 16)
				exit(1);
		reaped += (unsigned)n;
		if (!n)
			relax(&spins);
	}
	while (!batched && reaped < total) {
		unsigned k, n = 0;
		uint32_t len;
		void *tok;

		for (k = 0; k < batch && posted < total; k++) {
			struct vq_buf in = { BUF_GPA + 64ull * (posted % QSIZE), 64 };

			if (vq_drv_add(r.drv, NULL, 0, &in, 1, &r, false) < 0)
				break; /* ring full: reap first */
			posted++;
		}
		vq_drv_kick_prepare(r.drv);
		while (vq_drv_get(r.drv, &tok, &len) == 1) {
			if (len != 16)
				exit(1);
			reaped++;
			n++;
		}
		if (!n)
			relax(&spins);
	}
	t1 = now();
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	vq_drv_free(r.drv);
	vq_dev_free(r.dev);
	gm_view_unmap(r.drv_mem);
	gm_view_unmap(r.dev_mem);
	gm_destroy(r.gm);
	return (double)total / (t1 - t0);
}

/* ------------------------------------------- the ringtest-style baseline */

struct base_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct base_used {
	uint32_t id;
	uint32_t len;
};

struct base_ring {
	struct base_desc desc[QSIZE];
	struct base_used used[QSIZE];
	uint16_t avail_idx __attribute__((aligned(64)));
	uint16_t used_idx __attribute__((aligned(64)));
	unsigned batch;
	bool stop;
};

static void *base_device(void *arg)
{
	struct base_ring *b = arg;
	uint16_t last = 0, uidx = 0;
	unsigned spins = 0;

	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		uint16_t avail = __atomic_load_n(&b->avail_idx, __ATOMIC_ACQUIRE);
		unsigned n = 0;

		while (last != avail && n < b->batch) {
			const struct base_desc *d = &b->desc[last % QSIZE];

			b->used[uidx % QSIZE] = (struct base_used){ d->id, 16 };
			uidx++;
			last++;
			n++;
		}
		if (n)
			__atomic_store_n(&b->used_idx, uidx, __ATOMIC_RELEASE);
		else
			relax(&spins);
	}
	return NULL;
}

static double run_base(unsigned batch, uint64_t total)
{
	struct base_ring *b = calloc(1, sizeof(*b));
	uint64_t posted = 0, reaped = 0;
	uint16_t aidx = 0, last_used = 0;
	unsigned spins = 0;
	pthread_t th;
	double t0, t1;

	if (!b)
		exit(1);
	b->batch = batch;
	if (pthread_create(&th, NULL, base_device, b))
		exit(1);
	t0 = now();
	while (reaped < total) {
		uint16_t used;
		unsigned k, n = 0;

		for (k = 0; k < batch && posted < total && (uint16_t)(aidx - last_used) < QSIZE;
		     k++) {
			b->desc[aidx % QSIZE] = (struct base_desc){
				BUF_GPA + 64ull * (posted % QSIZE), 64, (uint16_t)(aidx % QSIZE), 2 };
			aidx++;
			posted++;
		}
		__atomic_store_n(&b->avail_idx, aidx, __ATOMIC_RELEASE);
		used = __atomic_load_n(&b->used_idx, __ATOMIC_ACQUIRE);
		while (last_used != used) {
			if (b->used[last_used % QSIZE].len != 16)
				exit(1);
			last_used++;
			reaped++;
			n++;
		}
		if (!n)
			relax(&spins);
	}
	t1 = now();
	__atomic_store_n(&b->stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	free(b);
	return (double)total / (t1 - t0);
}

/* ---------------------------------- baselines of the two real layouts */

/*
 * Minimal rings of the virtio layouts themselves, as tools/virtio/ringtest
 * builds them (virtio_ring_0_9.c for split; the packed one the same way):
 * the real descriptor, available and used structures, a free list of ids
 * and a token per id on the driver side, acquire/release on the published
 * index or flags -- and no validation of anything the peer wrote. Same
 * batching as the model runs: the driver posts up to B buffers, publishes
 * and reaps what is used; the device takes up to B per round.
 */
struct lay_desc {               /* split: addr, len, flags, next */
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct lay_used_elem {
	uint32_t id;
	uint32_t len;
};

struct sbase_ring {
	struct lay_desc desc[QSIZE] __attribute__((aligned(64)));
	uint16_t avail_flags __attribute__((aligned(64)));
	uint16_t avail_idx;
	uint16_t avail_ring[QSIZE];
	uint16_t used_flags __attribute__((aligned(64)));
	uint16_t used_idx;
	struct lay_used_elem used_ring[QSIZE] __attribute__((aligned(8)));
	unsigned batch __attribute__((aligned(64)));
	bool stop;
};

static void *sbase_device(void *arg)
{
	struct sbase_ring *b = arg;
	uint16_t last = 0, uidx = 0;
	unsigned spins = 0;

	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		uint16_t avail = __atomic_load_n(&b->avail_idx, __ATOMIC_ACQUIRE);
		unsigned n = 0;

		while (last != avail && n < b->batch) {
			uint16_t head = b->avail_ring[last % QSIZE];
			const struct lay_desc *d = &b->desc[head % QSIZE];

			if (d->len < 16) /* "write" 16 bytes into it */
				exit(1);
			b->used_ring[uidx % QSIZE] = (struct lay_used_elem){ head, 16 };
			uidx++;
			last++;
			n++;
		}
		if (n)
			__atomic_store_n(&b->used_idx, uidx, __ATOMIC_RELEASE);
		else
			relax(&spins);
	}
	return NULL;
}

static double run_sbase(unsigned batch, uint64_t total)
{
	struct sbase_ring *b = aligned_alloc(64, sizeof(struct sbase_ring));
	void *token[QSIZE];
	uint16_t free_ids[QSIZE];
	unsigned n_free = QSIZE, i, spins = 0;
	uint64_t posted = 0, reaped = 0;
	uint16_t aidx = 0, last_used = 0;
	pthread_t th;
	double t0, t1;

	if (!b)
		exit(1);
	memset(b, 0, sizeof(*b));
	for (i = 0; i < QSIZE; i++)
		free_ids[i] = (uint16_t)(QSIZE - 1 - i);
	b->batch = batch;
	if (pthread_create(&th, NULL, sbase_device, b))
		exit(1);
	t0 = now();
	while (reaped < total) {
		uint16_t used;
		unsigned k, n = 0;

		for (k = 0; k < batch && posted < total && n_free; k++) {
			uint16_t head = free_ids[--n_free];

			b->desc[head] = (struct lay_desc){ BUF_GPA + 64ull * (posted % QSIZE), 64, 2, 0 };
			token[head] = b;
			b->avail_ring[aidx % QSIZE] = head;
			aidx++;
			posted++;
		}
		__atomic_store_n(&b->avail_idx, aidx, __ATOMIC_RELEASE);
		used = __atomic_load_n(&b->used_idx, __ATOMIC_ACQUIRE);
		while (last_used != used) {
			struct lay_used_elem u = b->used_ring[last_used % QSIZE];

			if (u.len != 16 || token[u.id % QSIZE] != b)
				exit(1);
			free_ids[n_free++] = (uint16_t)(u.id % QSIZE);
			last_used++;
			reaped++;
			n++;
		}
		if (!n)
			relax(&spins);
	}
	t1 = now();
	__atomic_store_n(&b->stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	free(b);
	return (double)total / (t1 - t0);
}

struct lay_pdesc {              /* packed: addr, len, id, flags */
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

#define P_AVAIL (1u << 7)
#define P_USED  (1u << 15)
#define P_WRITE 2u

struct pbase_ring {
	struct lay_pdesc desc[QSIZE] __attribute__((aligned(64)));
	unsigned batch __attribute__((aligned(64)));
	bool stop;
};

static bool pbase_avail(uint16_t f, bool w)
{
	return !!(f & P_AVAIL) == w && !!(f & P_USED) != w;
}

static bool pbase_used(uint16_t f, bool w)
{
	return !!(f & P_AVAIL) == w && !!(f & P_USED) == w;
}

static void *pbase_device(void *arg)
{
	struct pbase_ring *b = arg;
	uint16_t slot = 0;
	bool wrap = true; /* the driver's and device's counters move together:
			   * one slot per buffer, used in order */
	unsigned spins = 0;

	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		unsigned n = 0;

		while (n < b->batch) {
			struct lay_pdesc *d = &b->desc[slot];
			uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

			if (!pbase_avail(f, wrap))
				break;
			if (d->len < 16) /* "write" 16 bytes into it */
				exit(1);
			d->len = 16; /* the id stays where the driver put it */
			__atomic_store_n(&d->flags,
					 (uint16_t)(P_WRITE | (wrap ? P_AVAIL | P_USED : 0)),
					 __ATOMIC_RELEASE);
			if (++slot == QSIZE) {
				slot = 0;
				wrap = !wrap;
			}
			n++;
		}
		if (!n)
			relax(&spins);
	}
	return NULL;
}

static double run_pbase(unsigned batch, uint64_t total)
{
	struct pbase_ring *b = aligned_alloc(64, sizeof(struct pbase_ring));
	void *token[QSIZE];
	uint16_t free_ids[QSIZE];
	unsigned n_free = QSIZE, i, spins = 0;
	uint64_t posted = 0, reaped = 0;
	uint16_t aslot = 0, uslot = 0;
	bool awrap = true, uwrap = true;
	pthread_t th;
	double t0, t1;

	if (!b)
		exit(1);
	memset(b, 0, sizeof(*b));
	for (i = 0; i < QSIZE; i++)
		free_ids[i] = (uint16_t)(QSIZE - 1 - i);
	b->batch = batch;
	if (pthread_create(&th, NULL, pbase_device, b))
		exit(1);
	t0 = now();
	while (reaped < total) {
		unsigned k, n = 0;

		for (k = 0; k < batch && posted < total && n_free; k++) {
			uint16_t id = free_ids[--n_free];
			struct lay_pdesc *d = &b->desc[aslot];

			token[id] = b;
			d->addr = BUF_GPA + 64ull * (posted % QSIZE);
			d->len = 64;
			d->id = id;
			__atomic_store_n(&d->flags, (uint16_t)(P_WRITE | (awrap ? P_AVAIL : P_USED)),
					 __ATOMIC_RELEASE);
			if (++aslot == QSIZE) {
				aslot = 0;
				awrap = !awrap;
			}
			posted++;
		}
		for (;;) {
			struct lay_pdesc *d = &b->desc[uslot];
			uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE), id;

			if (!pbase_used(f, uwrap))
				break;
			id = d->id;
			if (d->len != 16 || token[id % QSIZE] != b)
				exit(1);
			free_ids[n_free++] = (uint16_t)(id % QSIZE);
			if (++uslot == QSIZE) {
				uslot = 0;
				uwrap = !uwrap;
			}
			reaped++;
			n++;
		}
		if (!n)
			relax(&spins);
	}
	t1 = now();
	__atomic_store_n(&b->stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	free(b);
	return (double)total / (t1 - t0);
}

/* One thread plays both sides in turn: for an instruction count with
 * `valgrind --tool=callgrind`, which is repeatable whatever the load. */
static void run_single(bool packed, bool batched, unsigned batch, uint64_t total)
{
	struct gm_region_spec regions[2] = { { 0x10000, 0x100000 }, { BUF_GPA, 0x100000 } };
	struct vq_ring_geometry g;
	struct vq_cfg c = { .index = 0, .size = QSIZE, .packed = packed };
	struct vc_elem el[QSIZE];
	struct vq_used_buf u[QSIZE];
	struct vq_buf bufs[QSIZE];
	void *toks[QSIZE];
	uint32_t lens[QSIZE];
	uint64_t posted = 0, reaped = 0;
	gm_t *gm;
	gm_view_t *dm, *vm;
	vq_drv_t *drv;
	vq_dev_t *dev;

	vq_ring_geometry(QSIZE, packed, &g);
	c.desc = 0x10000;
	c.driver = (c.desc + g.desc.bytes + g.driver.align - 1) & ~(g.driver.align - 1);
	c.device = (c.driver + g.driver.bytes + 4095) & ~4095ull;
	gm = gm_create(regions, 2);
	dm = gm ? gm_view_map(gm, "driver") : NULL;
	vm = gm ? gm_view_map(gm, "device") : NULL;
	drv = vq_drv_new(dm, sink, NULL);
	dev = vq_dev_new(vm, sink, NULL);
	if (!dm || !vm || !drv || !dev || vq_drv_setup(drv, &c, 0, 0) || vq_dev_enable(dev, &c))
		exit(1);
	while (reaped < total) {
		struct vc_elem e;
		uint32_t len;
		unsigned k, want = batch;
		void *tok;
		int n;

		if (want > total - posted)
			want = (unsigned)(total - posted);
		if (batched) {
			for (k = 0; k < want; k++)
				bufs[k] = (struct vq_buf){ BUF_GPA + 64ull * ((posted + k) % QSIZE), 64 };
			if (vq_drv_add_batch(drv, bufs, want, true, NULL) != (int)want)
				exit(1);
			posted += want;
			vq_drv_kick_prepare(drv);
			while ((n = vq_dev_pop_batch(dev, el, QSIZE)) > 0) {
				for (k = 0; k < (unsigned)n; k++)
					u[k] = (struct vq_used_buf){ el[k].head, 16 };
				if (vq_dev_push_batch(dev, u, (unsigned)n) != (unsigned)n)
					exit(1);
			}
			vq_dev_flush(dev);
			while ((n = vq_drv_get_batch(drv, toks, lens, QSIZE)) > 0)
				for (k = 0; k < (unsigned)n; k++, reaped++)
					if (lens[k] != 16)
						exit(1);
			continue;
		}
		for (k = 0; k < want; k++) {
			struct vq_buf in = { BUF_GPA + 64ull * (posted % QSIZE), 64 };

			if (vq_drv_add(drv, NULL, 0, &in, 1, dev, false) < 0)
				exit(1);
			posted++;
		}
		vq_drv_kick_prepare(drv);
		while (vq_dev_pop(dev, &e) == VC_POP_OK)
			if (vq_dev_push(dev, e.head, 16) != 0)
				exit(1);
		vq_dev_flush(dev);
		while (vq_drv_get(drv, &tok, &len) == 1) {
			if (len != 16)
				exit(1);
			reaped++;
		}
	}
	vq_drv_free(drv);
	vq_dev_free(dev);
	gm_view_unmap(dm);
	gm_view_unmap(vm);
	gm_destroy(gm);
}

/* ------------------------------------------------------------------ main */

/* SPLIT1, PACKED1: the one-buffer calls; SPLIT, PACKED: the batch calls */
enum kind { SPLIT1, SPLIT, SBASE, PACKED1, PACKED, PBASE, BASE, N_KINDS };

static double run_kind(enum kind k, unsigned batch, uint64_t total)
{
	switch (k) {
	case SPLIT1:
		return run_ring(false, false, batch, total);
	case SPLIT:
		return run_ring(false, true, batch, total);
	case PACKED1:
		return run_ring(true, false, batch, total);
	case PACKED:
		return run_ring(true, true, batch, total);
	case SBASE:
		return run_sbase(batch, total);
	case PBASE:
		return run_pbase(batch, total);
	default:
		return run_base(batch, total);
	}
}

/*
 * RUNS runs per kind, the kinds interleaved run by run so a change of load
 * hits them alike. rate[] is each kind's best run; a slowdown is the median
 * over runs of baseline / model within the same run, so one lucky or
 * unlucky run cannot make a ratio on its own.
 */
struct cell {
	double rate[N_KINDS];
	double run[RUNS][N_KINDS];
};

static void measure(unsigned batch, uint64_t total, struct cell *c)
{
	int r, k;

	for (k = 0; k < N_KINDS; k++)
		c->rate[k] = 0;
	for (r = 0; r < RUNS; r++)
		for (k = 0; k < N_KINDS; k++) {
			double v = run_kind((enum kind)k, batch, total);

			c->run[r][k] = v;
			if (v > c->rate[k])
				c->rate[k] = v;
		}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median over the runs of base / model */
static double slowdown(const struct cell *c, enum kind base, enum kind model)
{
	double q[RUNS];
	int r;

	for (r = 0; r < RUNS; r++)
		q[r] = c->run[r][base] / c->run[r][model];
	qsort(q, RUNS, sizeof(q[0]), cmp_double);
	return q[RUNS / 2];
}

static void print_goal(const char *what, double best, unsigned at, double base, double slow,
		       double goal)
{
	printf("goal %-6s >= %2.0f M/s: best %6.2f M/s at batch %3u: %s; its baseline %6.2f M/s, "
	       "%.2fx slower (median of runs; goal <= 1.50x): %s\n",
	       what, goal, best / 1e6, at, best / 1e6 >= goal ? "MET" : "NOT MET", base / 1e6,
	       slow, slow <= 1.5 ? "MET" : "NOT MET");
}

int main(int argc, char **argv)
{
	double best_s = 0, best_p = 0, base_s = 0, base_p = 0, slow_s = 0, slow_p = 0;
	unsigned i, at_s = 0, at_p = 0;
	uint64_t total;

	if (argc == 5 && !strcmp(argv[1], "--single")) {
		/* bench_rings --single split|packed|split-batch|packed-batch BATCH N */
		static const char *const modes[] = { "split", "packed", "split-batch",
						      "packed-batch" };
		unsigned batch = (unsigned)strtoul(argv[3], NULL, 0), m;

		total = strtoull(argv[4], NULL, 0);
		for (m = 0; m < 4 && strcmp(argv[2], modes[m]); m++)
			;
		if (batch < 1 || batch > QSIZE || !total || m == 4) {
			fprintf(stderr,
				"usage: bench_rings --single split|packed|split-batch|packed-batch BATCH(1..%u) N\n",
				QSIZE);
			return 2;
		}
		run_single(m % 2 == 1, m >= 2, batch, total);
		return 0;
	}
	total = argc > 1 ? strtoull(argv[1], NULL, 0) : 400000;

	if (!total) {
		fprintf(stderr, "usage: bench_rings [buffers per run > 0]\n");
		return 2;
	}
	printf("two threads (driver, device) polling one memfd, queue size %u, one-descriptor\n"
	       "buffers, best of %d runs of %llu buffers; M/s = million buffers per second.\n"
	       "split, packed: the validated rings through the batch calls (vq_*_batch);\n"
	       "split1, packed1: the same rings through the one-buffer calls.\n"
	       "sbase, pbase: unvalidated rings of the split and packed layouts (ringtest\n"
	       "virtio_ring_0_9 style); base: ringtest ring.c style (index ring, no layout).\n"
	       "x = baseline / batch calls, x1 = baseline / one-buffer calls: how many times\n"
	       "slower the validated ring is, the median over runs of the ratio in a run.\n\n",
	       QSIZE, RUNS, (unsigned long long)total);
	printf("%5s  %7s %7s %7s %5s %5s  %7s %7s %7s %5s %5s  %7s\n", "batch", "split1", "split",
	       "sbase", "x1", "x", "packed1", "packed", "pbase", "x1", "x", "base");
	for (i = 0; i < N_BATCHES; i++) {
		struct cell c;
		const double *m = c.rate;

		measure(batches[i], total, &c);
		printf("%5u  %7.2f %7.2f %7.2f %5.2f %5.2f  %7.2f %7.2f %7.2f %5.2f %5.2f  %7.2f\n",
		       batches[i], m[SPLIT1] / 1e6, m[SPLIT] / 1e6, m[SBASE] / 1e6,
		       slowdown(&c, SBASE, SPLIT1), slowdown(&c, SBASE, SPLIT), m[PACKED1] / 1e6,
		       m[PACKED] / 1e6, m[PBASE] / 1e6, slowdown(&c, PBASE, PACKED1),
		       slowdown(&c, PBASE, PACKED), m[BASE] / 1e6);
		fflush(stdout);
		if (m[SPLIT] > best_s) {
			best_s = m[SPLIT];
			base_s = m[SBASE];
			slow_s = slowdown(&c, SBASE, SPLIT);
			at_s = batches[i];
		}
		if (m[PACKED] > best_p) {
			best_p = m[PACKED];
			base_p = m[PBASE];
			slow_p = slowdown(&c, PBASE, PACKED);
			at_p = batches[i];
		}
	}
	printf("\n");
	print_goal("split", best_s, at_s, base_s, slow_s, 10);
	print_goal("packed", best_p, at_p, base_p, slow_p, 25);
	return 0;
}
