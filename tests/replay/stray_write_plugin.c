// SPDX-License-Identifier: Apache-2.0
/*
 * An rng device plugin with one fault, for the replay tests: after filling
 * each request it also writes one byte just past the end of the request's
 * last buffer (through mem_write, which only checks that the byte is guest
 * memory). `virtiocheck replay` must report that write as an oracle
 * violation (CL_DEV_DESC: the device changed memory it was not given).
 */
#include <stdlib.h>
#include <string.h>

#include <virtiocheck/plugin.h>
#include <virtiocheck/virtio.h>

#define QUEUE_SIZE_MAX 256

struct stray {
	const struct vc_host_ops *host;
	void *ctx;
};

static void *stray_create(const struct vc_host_ops *host, void *ctx, const char *args)
{
	struct stray *s = calloc(1, sizeof(*s));

	(void)args;
	if (!s)
		return NULL;
	s->host = host;
	s->ctx = ctx;
	return s;
}

static void stray_destroy(void *dev)
{
	free(dev);
}

static uint64_t stray_get_features(void *dev)
{
	(void)dev;
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
}

static int stray_set_features(void *dev, uint64_t features)
{
	(void)dev;
	(void)features;
	return 0;
}

static void stray_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	(void)dev;
	(void)off;
	memset(dst, 0, len);
}

static void stray_reset(void *dev)
{
	(void)dev;
}

static void stray_queue_notify(void *dev, uint16_t q)
{
	struct stray *s = dev;
	struct vc_elem e;
	unsigned budget = QUEUE_SIZE_MAX;
	uint8_t fill[64], mark = 0xa5;

	if (q != 0)
		return;
	memset(fill, 0x5a, sizeof(fill));
	while (budget-- && s->host->queue_pop(s->ctx, 0, &e) == VC_POP_OK) {
		uint32_t n = e.n_readable + e.n_writable;
		uint64_t w = e.writable_bytes < sizeof(fill) ? e.writable_bytes : sizeof(fill);
		const struct vc_seg *last = n ? &e.segs[n - 1] : NULL;

		w = s->host->elem_write(s->ctx, &e, 0, fill, w);
		/* the fault: one byte past the last buffer */
		if (last)
			s->host->mem_write(s->ctx, last->gpa + last->len, &mark, 1);
		s->host->queue_push(s->ctx, 0, &e, (uint32_t)w);
	}
	s->host->queue_flush(s->ctx, 0);
}

static const struct vc_device_ops stray_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "stray-write-rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_size_max = QUEUE_SIZE_MAX,
	.config_size = 0,
	.create = stray_create,
	.destroy = stray_destroy,
	.get_features = stray_get_features,
	.set_features = stray_set_features,
	.config_read = stray_config_read,
	.config_write = NULL,
	.activate = NULL,
	.reset = stray_reset,
	.queue_notify = stray_queue_notify,
};

VC_PLUGIN_DEFINE_ENTRY(stray_ops)
