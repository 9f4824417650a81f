// SPDX-License-Identifier: Apache-2.0
/*
 * Split vs packed ring throughput with two threads: a driver thread and a
 * device thread share one memfd through their own views, as in a real guest
 * and host, and poll each other (no notifications). Next to them, measured in
 * the same run, a minimal "ringtest-style" ring of the same shape: one
 * producer, one consumer, descriptors plus an available and a used index, no
 * validation at all. The ratio to the baseline is what the checks cost.
 *
 * For each batch size B the driver posts B one-descriptor buffers, publishes
 * them with one kick_prepare and reaps what is used; the device pops up to B,
 * pushes each with 16 bytes "written" and flushes once per round.
 *
 * usage: bench_rings [buffers per run]   (default 400000; best of 3 runs)
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
#define RUNS 3
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

static double run_ring(bool packed, unsigned batch, uint64_t total)
{
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
	if (pthread_create(&th, NULL, device_thread, &r))
		exit(1);
	t0 = now();
	while (reaped < total) {
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

/* One thread plays both sides in turn: for an instruction count with
 * `valgrind --tool=callgrind`, which is repeatable whatever the load. */
static void run_single(bool packed, unsigned batch, uint64_t total)
{
	struct gm_region_spec regions[2] = { { 0x10000, 0x100000 }, { BUF_GPA, 0x100000 } };
	struct vq_ring_geometry g;
	struct vq_cfg c = { .index = 0, .size = QSIZE, .packed = packed };
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
		unsigned k;
		void *tok;

		for (k = 0; k < batch && posted < total; k++) {
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

enum kind { SPLIT, PACKED, BASE };

static double measure(enum kind k, unsigned batch, uint64_t total)
{
	double best = 0;
	int r;

	for (r = 0; r < RUNS; r++) {
		double v = k == BASE ? run_base(batch, total) : run_ring(k == PACKED, batch, total);

		if (v > best)
			best = v;
	}
	return best;
}

int main(int argc, char **argv)
{
	uint64_t total;
	unsigned i;

	if (argc == 5 && !strcmp(argv[1], "--single")) {
		/* bench_rings --single split|packed BATCH N */
		unsigned batch = (unsigned)strtoul(argv[3], NULL, 0);

		total = strtoull(argv[4], NULL, 0);
		if (batch < 1 || batch > QSIZE || !total ||
		    (strcmp(argv[2], "split") && strcmp(argv[2], "packed"))) {
			fprintf(stderr, "usage: bench_rings --single split|packed BATCH(1..%u) N\n",
				QSIZE);
			return 2;
		}
		run_single(!strcmp(argv[2], "packed"), batch, total);
		return 0;
	}
	total = argc > 1 ? strtoull(argv[1], NULL, 0) : 400000;

	if (!total) {
		fprintf(stderr, "usage: bench_rings [buffers per run > 0]\n");
		return 2;
	}
	printf("two threads (driver, device) polling one memfd, queue size %u, one-descriptor\n"
	       "buffers, best of %d runs of %llu buffers; Mbuf/s = million buffers per second\n\n",
	       QSIZE, RUNS, (unsigned long long)total);
	printf("%6s  %12s  %12s  %12s  %8s  %8s\n", "batch", "split Mbuf/s", "packed Mbuf/s",
	       "base Mbuf/s", "split/b", "packed/b");
	for (i = 0; i < N_BATCHES; i++) {
		double s = measure(SPLIT, batches[i], total);
		double p = measure(PACKED, batches[i], total);
		double b = measure(BASE, batches[i], total);

		printf("%6u  %12.2f  %13.2f  %12.2f  %8.2f  %8.2f\n", batches[i], s / 1e6, p / 1e6,
		       b / 1e6, s / b, p / b);
	}
	return 0;
}
