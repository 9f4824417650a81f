// SPDX-License-Identifier: Apache-2.0
/*
 * An example virtiocheck device plugin: a virtio entropy device (VIRTIO 1.2
 * section 5.4), written only against the installed plugin ABI
 * (<virtiocheck/plugin.h>). See README.md for how to build and run it.
 *
 * The host (virtiocheck) owns the transport, the status register and the
 * rings. This file only answers requests: it pops validated elements from
 * queue 0, writes entropy into their device-writable bytes through the
 * host, and returns them.
 *
 * Arguments (after the path: plugin:./libvc-plugin-rng.so,seed=7):
 *   seed=N    seed of the generator (default 1), so runs are reproducible
 */
#include <stdlib.h>
#include <string.h>

#include <virtiocheck/plugin.h>
#include <virtiocheck/virtio.h>

/* The label of the clause a driver breaks by posting a device-readable
 * buffer on the request queue (5.4.6.2); virtiocheck reports it verbatim. */
#define RNG_DRIVER_CLAUSE "drivernormative:Device Types / Entropy Device / Device Operation"

#define RNG_QUEUE_SIZE_MAX 256
/* At most this many bytes per request, so no request costs unbounded work. */
#define RNG_BYTES_PER_REQUEST 2048u

struct rng {
	const struct vc_host_ops *host;
	void *host_ctx;
	uint64_t seed;
	uint64_t x;         /* xorshift64* state, never 0 */
	uint64_t negotiated;
};

static uint64_t next_random(struct rng *r)
{
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dull;
}

static void restart_generator(struct rng *r)
{
	r->x = r->seed ? r->seed : 0x9e3779b97f4a7c15ull;
}

static void *rng_create(const struct vc_host_ops *host, void *host_ctx, const char *args)
{
	struct rng *r = calloc(1, sizeof(*r));
	const char *s;

	if (!r)
		return NULL;
	r->host = host;
	r->host_ctx = host_ctx;
	r->seed = 1;
	for (s = args; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, "seed=", 5))
			r->seed = strtoull(s + 5, NULL, 0);
	restart_generator(r);
	return r;
}

static void rng_destroy(void *dev)
{
	free(dev);
}

static uint64_t rng_get_features(void *dev)
{
	(void)dev;
	/* answering every request at once keeps buffers in order: IN_ORDER
	 * costs nothing; the rest is the host's ring handling */
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
	       VIRTIO_BIT(VIRTIO_F_IN_ORDER) | VIRTIO_BIT(VIRTIO_F_RING_RESET);
}

static int rng_set_features(void *dev, uint64_t features)
{
	((struct rng *)dev)->negotiated = features;
	return 0;
}

/* 5.4.4: no device configuration; reads see zeros. */
static void rng_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	(void)dev;
	(void)off;
	memset(dst, 0, len);
}

static void rng_reset(void *dev)
{
	struct rng *r = dev;

	r->negotiated = 0;
	restart_generator(r);
}

/* One request: entropy into the writable bytes, then back to the driver. */
static void answer(struct rng *r, const struct vc_elem *e)
{
	uint64_t want = e->writable_bytes < RNG_BYTES_PER_REQUEST ? e->writable_bytes
								  : RNG_BYTES_PER_REQUEST;
	uint64_t done = 0;

	while (done < want) {
		uint64_t v = next_random(r), n = want - done < 8 ? want - done : 8;

		if (r->host->elem_write(r->host_ctx, e, done, &v, n) != n)
			break;
		done += n;
	}
	/* 5.4.6.1: one or more random bytes into the buffer (every element
	 * here has a writable byte); the used len is what was written */
	r->host->queue_push(r->host_ctx, 0, e, (uint32_t)done);
}

static void rng_queue_notify(void *dev, uint16_t q)
{
	struct rng *r = dev;
	struct vc_elem e;
	unsigned budget = RNG_QUEUE_SIZE_MAX;

	if (q != 0)
		return;
	while (budget-- && r->host->queue_pop(r->host_ctx, 0, &e) == VC_POP_OK) {
		/* 5.4.6.2: the driver places only device-writable buffers */
		if (e.n_readable || !e.writable_bytes) {
			r->host->fail(r->host_ctx, RNG_DRIVER_CLAUSE,
				      e.n_readable ? "request with a device-readable part"
						   : "request without writable bytes");
			return;
		}
		answer(r, &e);
	}
	r->host->queue_flush(r->host_ctx, 0);
}

static const struct vc_device_ops rng_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "example-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_size_max = RNG_QUEUE_SIZE_MAX,
	.config_size = 0,
	.create = rng_create,
	.destroy = rng_destroy,
	.get_features = rng_get_features,
	.set_features = rng_set_features,
	.config_read = rng_config_read,
	.config_write = NULL,
	.activate = NULL,
	.reset = rng_reset,
	.queue_notify = rng_queue_notify,
};

VC_PLUGIN_DEFINE_ENTRY(rng_ops)
