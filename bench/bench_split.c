// SPDX-License-Identifier: Apache-2.0
/*
 * Split-ring round trips per second, single thread, driver and device in one
 * process over one memfd (two views). Three modes, measured in the same run
 * so their ratios are meaningful on a noisy machine:
 *
 *   ring      vq_drv_add -> publish -> vq_dev_pop -> 16-byte elem write ->
 *             push -> flush -> vq_drv_get, one request in flight
 *   batch32   the same with 32 requests per publish/flush
 *   stack     the full stack: driver core kick -> PCI notify register ->
 *             virtio-rng device (host ops ABI) -> interrupt -> reap
 *
 * usage: bench_split [iterations]   (default 2000000; best of 5 runs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/virtio.h"

#define QSIZE 256
#define RUNS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ring_fixture {
	gm_t *gm;
	gm_view_t *drv_mem, *dev_mem;
	vq_drv_t *drv;
	vq_dev_t *dev;
	uint64_t buf;
};

static void sink(void *owner, const struct vc_violation *v)
{
	fprintf(stderr, "bench: unexpected violation %s: %s\n", v->clause, v->msg);
	exit(1);
}

static void ring_open(struct ring_fixture *f)
{
	struct gm_region_spec r[2] = { { 0x10000, 0x100000 }, { 0x1000000, 0x100000 } };
	struct vq_cfg c = { .index = 0, .size = QSIZE, .desc = 0x10000,
				  .driver = 0x10000 + 16 * QSIZE,
				  .device = 0x10000 + 16 * QSIZE + 4096, .event_idx = true };

	f->gm = gm_create(r, 2);
	f->drv_mem = gm_view_map(f->gm, "driver");
	f->dev_mem = gm_view_map(f->gm, "device");
	f->drv = vq_drv_new(f->drv_mem, sink, NULL);
	f->dev = vq_dev_new(f->dev_mem, sink, NULL);
	if (!f->gm || !f->drv || !f->dev || vq_drv_setup(f->drv, &c, 0, 0) != 0 ||
	    vq_dev_enable(f->dev, &c) != 0) {
		fprintf(stderr, "bench: setup failed\n");
		exit(1);
	}
	f->buf = 0x1000000;
}

static void ring_close(struct ring_fixture *f)
{
	vq_drv_free(f->drv);
	vq_dev_free(f->dev);
	gm_view_unmap(f->drv_mem);
	gm_view_unmap(f->dev_mem);
	gm_destroy(f->gm);
}

static double run_ring(uint64_t iters, unsigned batch)
{
	struct ring_fixture f;
	static const uint8_t payload[16] = "virtiocheck!!!!";
	uint64_t done = 0;
	double t0, t1;

	ring_open(&f);
	t0 = now();
	while (done < iters) {
		struct vc_elem e;
		unsigned k;
		void *tok;
		uint32_t len;

		for (k = 0; k < batch; k++) {
			struct vq_buf in = { f.buf + 64ull * k, 64 };

			if (vq_drv_add(f.drv, NULL, 0, &in, 1, &f, false) < 0)
				exit(1);
		}
		vq_drv_kick_prepare(f.drv);
		while (vq_dev_pop(f.dev, &e) == VC_POP_OK) {
			vq_elem_write(f.dev_mem, &e, 0, payload, sizeof(payload));
			vq_dev_push(f.dev, e.head, sizeof(payload));
		}
		vq_dev_flush(f.dev);
		for (k = 0; k < batch; k++)
			if (vq_drv_get(f.drv, &tok, &len) != 1 || len != sizeof(payload))
				exit(1);
		done += batch;
	}
	t1 = now();
	ring_close(&f);
	return (double)done / (t1 - t0);
}

static double run_stack(uint64_t iters)
{
	struct vc_pair p;
	struct vdrv_config cfg;
	struct vrng_drv rng;
	uint8_t out[16];
	uint64_t i;
	double t0, t1;

	if (vc_pair_open(&p, &vc_rng_device_ops, NULL, NULL, NULL, 0) != 0 ||
	    vdrv_probe(p.drv, VIRTIO_ID_RNG) != 0)
		exit(1);
	vrng_drv_config(&cfg, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	if (vdrv_init(p.drv, &cfg) != 0 || vrng_drv_attach(&rng, p.drv, sizeof(out)) != 0)
		exit(1);
	t0 = now();
	for (i = 0; i < iters; i++)
		if (vrng_drv_read(&rng, out, sizeof(out)) != sizeof(out))
			exit(1);
	t1 = now();
	vc_pair_close(&p);
	return (double)iters / (t1 - t0);
}

static double best(double (*fn)(uint64_t, unsigned), uint64_t iters, unsigned arg)
{
	double b = 0;
	int r;

	for (r = 0; r < RUNS; r++) {
		double v = fn(iters, arg);

		if (v > b)
			b = v;
	}
	return b;
}

static double stack_adapter(uint64_t iters, unsigned unused)
{
	return run_stack(iters);
}

int main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	double ring, batch, stack;

	if (!iters) {
		fprintf(stderr, "usage: bench_split [iterations > 0]\n");
		return 2;
	}
	ring = best(run_ring, iters, 1);
	batch = best(run_ring, iters, 32);
	stack = best(stack_adapter, iters, 0);
	printf("split ring, single thread, queue size %u, best of %d runs of %llu requests\n",
	       QSIZE, RUNS, (unsigned long long)iters);
	printf("  ring     (1 in flight)      %12.0f round trips/s  %6.1f ns each\n", ring,
	       1e9 / ring);
	printf("  batch32  (32 per kick)      %12.0f round trips/s  %6.1f ns each  (%.2fx ring)\n",
	       batch, 1e9 / batch, batch / ring);
	printf("  stack    (PCI + rng device) %12.0f round trips/s  %6.1f ns each  (%.2fx ring)\n",
	       stack, 1e9 / stack, stack / ring);
	return 0;
}
