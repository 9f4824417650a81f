// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-rng device (VIRTIO 1.2 5.4), a user of the vc_device_ops ABI like
 * any third-party device. One request queue; each available buffer must be
 * wholly device-writable and receives at least one byte of entropy.
 *
 * Entropy comes from a seeded generator so that runs are reproducible; the
 * seed is the only argument ("seed=N").
 */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define RNG_QUEUE_SIZE_MAX 256
/* Bytes produced per buffer at most: bounds the work one request costs. */
#define RNG_MAX_PER_BUFFER 4096u

struct rng_dev {
	const struct vc_host_ops *host;
	void *h;
	uint64_t seed;
	uint64_t state;
	uint64_t features;
	uint64_t bytes_out;
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *rng_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct rng_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->host = host;
	d->h = h;
	d->seed = 0x5eed;
	if (args && strncmp(args, "seed=", 5) == 0)
		d->seed = strtoull(args + 5, NULL, 0);
	d->state = d->seed;
	return d;
}

static void rng_destroy(void *dev) { free(dev); }

static uint64_t rng_get_features(void *dev)
{
	/* every request is answered at once, so buffers are always used in
	 * the order they were made available: IN_ORDER is free */
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_RESET) |
	       VIRTIO_BIT(VIRTIO_F_RING_PACKED) | VIRTIO_BIT(VIRTIO_F_IN_ORDER);
}

static int rng_set_features(void *dev, uint64_t f)
{
	((struct rng_dev *)dev)->features = f;
	return 0;
}

/* virtio-rng has no device-specific configuration. */
static void rng_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	memset(dst, 0, len);
}

static void rng_reset(void *dev)
{
	struct rng_dev *d = dev;

	d->features = 0;
}

static void rng_fill(struct rng_dev *d, const struct vc_elem *e)
{
	uint64_t want = e->writable_bytes, done = 0;
	uint8_t chunk[256];

	if (want > RNG_MAX_PER_BUFFER)
		want = RNG_MAX_PER_BUFFER;
	while (done < want) {
		uint64_t n = want - done < sizeof(chunk) ? want - done : sizeof(chunk), i;

		for (i = 0; i < n; i += 8) {
			uint64_t r = splitmix64(&d->state);

			memcpy(chunk + i, &r, n - i < 8 ? n - i : 8);
		}
		if (d->host->elem_write(d->h, e, done, chunk, n) != n)
			break;
		done += n;
	}
	d->bytes_out += done;
	/* devicenormative: Entropy Device / Device Operation -- at least one
	 * byte into each buffer (every writable buffer has one, see below) */
	d->host->queue_push(d->h, 0, e, (uint32_t)done);
}

static void rng_queue_notify(void *dev, uint16_t q)
{
	struct rng_dev *d = dev;
	struct vc_elem e;
	int r;

	if (q != 0)
		return;
	while ((r = d->host->queue_pop(d->h, 0, &e)) == VC_POP_OK) {
		/* drivernormative: Entropy Device / Device Operation -- only
		 * device-writable buffers on the request queue */
		if (e.n_readable) {
			d->host->fail(d->h, CL_DRV_RNG,
				      "request buffer has a device-readable part");
			return;
		}
		if (e.writable_bytes == 0) {
			d->host->fail(d->h, CL_DRV_RNG, "request buffer has no writable bytes");
			return;
		}
		rng_fill(d, &e);
	}
	d->host->queue_flush(d->h, 0);
}

const struct vc_device_ops vc_rng_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "rng",
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
