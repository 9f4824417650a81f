// SPDX-License-Identifier: Apache-2.0
/*
 * Misbehaving device plugins: one source, one shared object per BAD_*
 * macro (tests/CMakeLists.txt builds them). Each is an rng device that is
 * correct except for the one fault its macro names, so a test can tell the
 * fault's effect from everything else.
 *
 * Refused at load: BAD_ABI_MAJOR, BAD_NO_ENTRY, BAD_REFUSES, BAD_STRUCT_SIZE,
 * BAD_NULL_NOTIFY, BAD_NULL_NAME, BAD_DEVICE_ID, BAD_NUM_QUEUES,
 * BAD_QUEUE_SIZE, BAD_CONFIG_SIZE.
 * Loaded, misbehaving at run time: BAD_CRASH_CREATE, BAD_CRASH_NOTIFY,
 * BAD_HANG_NOTIFY, BAD_WRITE_PAST, BAD_PUSH_OVERLONG, BAD_NO_VERSION_1,
 * BAD_FAIL_WILD.
 */
#include <stdlib.h>
#include <string.h>

#include "virtiocheck/plugin.h"
#include "virtiocheck/virtio.h"

#define RNG_DRIVER_CLAUSE "drivernormative:Device Types / Entropy Device / Device Operation"

#if defined(BAD_CRASH_CREATE) || defined(BAD_CRASH_NOTIFY)
/* a NULL pointer the compiler cannot see through */
static int *volatile nowhere;
#endif

struct bad {
	const struct vc_host_ops *host;
	void *ctx;
	uint64_t x;
};

static void *bad_create(const struct vc_host_ops *host, void *ctx, const char *args)
{
	struct bad *b;

#ifdef BAD_CRASH_CREATE
	*nowhere = 1; /* SIGSEGV */
#endif
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->host = host;
	b->ctx = ctx;
	b->x = 0x1234567;
	return b;
}

static void bad_destroy(void *dev)
{
	free(dev);
}

static uint64_t bad_get_features(void *dev)
{
#ifdef BAD_NO_VERSION_1
	return VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | 0xdead0000ull;
#else
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
#endif
}

static void bad_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	memset(dst, 0, len);
}

static void bad_reset(void *dev)
{
}

static void bad_answer(struct bad *b, const struct vc_elem *e)
{
	uint8_t chunk[256];
	uint64_t done = 0, want = e->writable_bytes > 4096 ? 4096 : e->writable_bytes;
	uint32_t written;

	memset(chunk, 0xa5, sizeof(chunk));
#ifdef BAD_WRITE_PAST
	/* ask for 64 bytes more than the element has: the host copies only
	 * what is writable and says so */
	want = e->writable_bytes + 64;
#endif
	while (done < want) {
		uint64_t n = want - done < sizeof(chunk) ? want - done : sizeof(chunk);
		uint64_t got = b->host->elem_write(b->ctx, e, done, chunk, n);

		done += got;
		if (got != n)
			break;
	}
	written = (uint32_t)done;
#ifdef BAD_PUSH_OVERLONG
	/* a used len beyond the writable bytes: the host must refuse it */
	written = (uint32_t)e->writable_bytes + 1;
#endif
	b->host->queue_push(b->ctx, 0, e, written);
}

__attribute__((unused))
static void bad_queue_notify(void *dev, uint16_t q)
{
	struct bad *b = dev;
	struct vc_elem e;

#ifdef BAD_CRASH_NOTIFY
	*nowhere = 1; /* SIGSEGV */
#endif
#ifdef BAD_HANG_NOTIFY
	for (;;)
		__atomic_fetch_add(&b->x, 1, __ATOMIC_RELAXED);
#endif
#ifdef BAD_FAIL_WILD
	{
		char msg[8192];

		/* unknown clause labels, an oversized message, and again and
		 * again: the host records and carries on */
		memset(msg, 'x', sizeof(msg) - 1);
		msg[sizeof(msg) - 1] = '\0';
		b->host->fail(b->ctx, "not-a-clause", msg);
		b->host->fail(b->ctx, "", "");
		for (int i = 0; i < 1000; i++)
			b->host->fail(b->ctx, "drivernormative:no such section", "again");
	}
#endif
	if (q != 0)
		return;
	while (b->host->queue_pop(b->ctx, 0, &e) == VC_POP_OK) {
		if (e.n_readable || !e.writable_bytes) {
			b->host->fail(b->ctx, RNG_DRIVER_CLAUSE, "not a device-writable buffer");
			return;
		}
		bad_answer(b, &e);
	}
	b->host->queue_flush(b->ctx, 0);
}

static const struct vc_device_ops bad_ops = {
#ifdef BAD_ABI_MAJOR
	.abi_version = (VC_DEVICE_ABI_MAJOR + 1) << 16,
#else
	.abi_version = VC_DEVICE_ABI_VERSION,
#endif
#ifdef BAD_STRUCT_SIZE
	.struct_size = 16,
#else
	.struct_size = sizeof(struct vc_device_ops),
#endif
#ifdef BAD_NULL_NAME
	.name = NULL,
#else
	.name = "bad-rng",
#endif
#ifdef BAD_DEVICE_ID
	.device_id = 0,
#else
	.device_id = VIRTIO_ID_RNG,
#endif
#ifdef BAD_NUM_QUEUES
	.num_queues = 0,
#else
	.num_queues = 1,
#endif
#ifdef BAD_QUEUE_SIZE
	.queue_size_max = 100,
#else
	.queue_size_max = 256,
#endif
#ifdef BAD_CONFIG_SIZE
	.config_size = 8192,
#else
	.config_size = 0,
#endif
	.create = bad_create,
	.destroy = bad_destroy,
	.get_features = bad_get_features,
	.config_read = bad_config_read,
	.reset = bad_reset,
#ifndef BAD_NULL_NOTIFY
	.queue_notify = bad_queue_notify,
#endif
};

#if defined(BAD_REFUSES)
/* refuses every host, whatever its version */
const struct vc_device_ops *vc_device_entry(uint32_t host_abi_version)
{
	return host_abi_version == 0 ? &bad_ops : NULL;
}
#elif defined(BAD_NO_ENTRY)
/* the table is there, under another name than the entry point's */
__attribute__((visibility("default")))
const struct vc_device_ops *vc_device_entry_v0(uint32_t host_abi_version);
const struct vc_device_ops *vc_device_entry_v0(uint32_t host_abi_version)
{
	return &bad_ops;
}
#else
VC_PLUGIN_DEFINE_ENTRY(bad_ops)
#endif
