/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio device interface: the stable C ABI between the harness (the
 * "host": transport, rings, guest memory) and a device implementation.
 *
 * The built-in devices of model/devices implement it, and so does a third-
 * party device loaded as a plugin. Only fixed-width types and the structures
 * declared here cross it; nothing of the harness's internals leaks.
 *
 * Versioning: both structures start with abi_version and struct_size. The
 * host refuses a device whose abi_version major differs; new members are only
 * appended, and struct_size tells which ones the other side knows.
 *
 * Threading: every call happens on the host's thread; a device must not call
 * host services from another thread.
 *
 * ABI minor 1 appended three host services for "raw-ring" devices, which do
 * not pop elements but hand the guest memory and the rings to another
 * process (the vhost-user proxy of the conformance tool): mem_regions,
 * queue_info and queue_interrupt. A device checks VC_HOST_HAS(host, member)
 * before it calls one, so it still runs on a minor-0 host.
 */
#ifndef VIRTIOCHECK_DEVICE_H
#define VIRTIOCHECK_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#define VC_DEVICE_ABI_MAJOR 1
#define VC_DEVICE_ABI_MINOR 1
#define VC_DEVICE_ABI_VERSION ((VC_DEVICE_ABI_MAJOR << 16) | VC_DEVICE_ABI_MINOR)

/* One guest-physical segment of a chain, already validated by the host:
 * it lies wholly inside guest memory. */
struct vc_seg {
	uint64_t gpa;
	uint32_t len;
	uint32_t writable; /* 1: device-writable, 0: device-readable */
};

/*
 * A validated available buffer as the host hands it to a device. Segments
 * are ordered: all readable ones first, then all writable ones. The segs
 * array belongs to the host and stays valid until the next pop on the same
 * queue, a push of this element, or a reset; a device that holds elements
 * across pops copies what it needs.
 */
struct vc_elem {
	uint32_t head;           /* descriptor head (split) or buffer id */
	uint32_t n_readable;
	uint32_t n_writable;
	uint32_t reserved;
	uint64_t readable_bytes;
	uint64_t writable_bytes;
	const struct vc_seg *segs; /* n_readable + n_writable entries */
};

enum vc_pop_result {
	VC_POP_EMPTY = 0,   /* nothing available */
	VC_POP_OK = 1,      /* *elem filled */
	VC_POP_BROKEN = -1, /* queue refused (violation recorded, or not live) */
};

/* One region of guest memory as the host backs it (ABI minor 1): the
 * guest-physical range [gpa, gpa + size) is the bytes [fd_offset,
 * fd_offset + size) of the memory file mem_regions returns. */
struct vc_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t fd_offset;
};

/* Where the driver placed queue q and whether it is live (ABI minor 1).
 * desc/driver/device are the guest-physical addresses of the descriptor
 * area, the driver area (avail ring / driver event suppression) and the
 * device area (used ring / device event suppression). */
struct vc_queue_info {
	uint16_t size;
	uint16_t enabled; /* 1: the driver enabled it and the host accepted the rings */
	uint16_t packed;  /* 1: VIRTIO_F_RING_PACKED negotiated */
	uint16_t reserved;
	uint64_t desc;
	uint64_t driver;
	uint64_t device;
};

/* Services the host offers a device. */
struct vc_host_ops {
	uint32_t abi_version;
	uint32_t struct_size;

	/* Guest memory, through the host's bounds-checked translator. Return 0
	 * or -1 when the range is not wholly inside guest memory. */
	int (*mem_read)(void *host, uint64_t gpa, void *dst, uint64_t len);
	int (*mem_write)(void *host, uint64_t gpa, const void *src, uint64_t len);

	/* Next available buffer of queue q. */
	int (*queue_pop)(void *host, uint16_t q, struct vc_elem *elem);
	/* Copy between an element and host memory, offset counted within the
	 * element's readable (read) or writable (write) bytes. Return the bytes
	 * copied, which is less than len only at the end of those bytes. Only
	 * for an element the device holds (popped, not pushed, no reset since)
	 * as popped or faithfully copied: anything else copies 0 bytes and is
	 * recorded against the device. */
	uint64_t (*elem_read)(void *host, const struct vc_elem *elem, uint64_t off,
			      void *dst, uint64_t len);
	uint64_t (*elem_write)(void *host, const struct vc_elem *elem, uint64_t off,
			       const void *src, uint64_t len);
	/* Return a buffer to the driver: used id = elem->head, used len =
	 * written. The host checks written <= elem->writable_bytes. */
	int (*queue_push)(void *host, uint16_t q, const struct vc_elem *elem, uint32_t written);
	/* Publish pushed entries and send a used-buffer notification when the
	 * driver's suppression settings ask for one. */
	void (*queue_flush)(void *host, uint16_t q);

	/* The device changed its configuration space. */
	void (*config_changed)(void *host);
	/* The device found the driver in breach of clause: the host records it,
	 * sets DEVICE_NEEDS_RESET and stops the queues. */
	void (*fail)(void *host, const char *clause, const char *msg);

	/* ---- ABI minor 1: services for raw-ring devices ---- */

	/* The guest memory's file (a memfd the device may mmap MAP_SHARED or
	 * pass to another process; it stays owned by the host: do not close
	 * it) and up to max of its regions. Returns the number of regions
	 * (which may exceed max: only max are filled), or -1. */
	int (*mem_regions)(void *host, int *fd, struct vc_mem_region *regions, uint32_t max);
	/* Where queue q lives. 0, or -1 when q does not exist. */
	int (*queue_info)(void *host, uint16_t q, struct vc_queue_info *info);
	/* Raise a used-buffer notification for queue q now, regardless of the
	 * driver's suppression settings (a raw-ring device, or the process it
	 * hands the rings to, already applied them). Ignored before DRIVER_OK,
	 * for a queue not enabled, and once the device needs a reset. */
	void (*queue_interrupt)(void *host, uint16_t q);
};

/*
 * Two names a device may pass to fail() in place of a spec clause (ABI
 * minor 1), for devices that cannot name one:
 *
 * VC_FAIL_REFUSED  the device refused the driver's buffers without saying
 *                  which rule they broke (an out-of-process back-end that
 *                  dropped the connection, signalled its error eventfd or
 *                  left the buffers unused after a hostile chain). A
 *                  harness that supports it lets this finding satisfy an
 *                  expected device violation of any clause.
 * VC_FAIL_BROKEN   the device itself stopped working for a reason that is
 *                  not the driver's (its process died, the connection
 *                  failed during setup): the harness's verdict is ERROR
 *                  with msg, not a conformance failure.
 */
#define VC_FAIL_REFUSED "vc:refused"
#define VC_FAIL_BROKEN "vc:device-broken"

/* True when host (a struct vc_host_ops *) provides member, i.e. the host
 * was built with an ABI minor that has it. */
#define VC_HOST_HAS(host, member)                                                   \
	((host)->struct_size >= offsetof(struct vc_host_ops, member) +              \
				sizeof(((const struct vc_host_ops *)0)->member) &&  \
	 (host)->member != NULL)

/* What a device provides. */
struct vc_device_ops {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *name;
	uint32_t device_id;       /* virtio device ID (5 Device Types) */
	uint16_t num_queues;
	uint16_t queue_size_max;  /* power of two, <= 32768 */
	uint32_t config_size;     /* bytes of device-specific configuration */

	/* Create an instance. host/host_ctx stay valid until destroy. args is
	 * an implementation-defined string (may be NULL). */
	void *(*create)(const struct vc_host_ops *host, void *host_ctx, const char *args);
	void (*destroy)(void *dev);

	/* Features the device offers (bit 32 VIRTIO_F_VERSION_1 included). */
	uint64_t (*get_features)(void *dev);
	/* The driver set FEATURES_OK with these features (already a subset of
	 * the offer, checked by the host). Return 0 to accept, -1 to refuse:
	 * FEATURES_OK then stays clear. */
	int (*set_features)(void *dev, uint64_t features);

	/* Device-specific configuration space access; off + len <= config_size
	 * is guaranteed by the host. */
	void (*config_read)(void *dev, uint32_t off, void *dst, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const void *src, uint32_t len);

	/* DRIVER_OK was set: the device may start using its queues. */
	void (*activate)(void *dev);
	/* Reset to the initial state (status written 0). */
	void (*reset)(void *dev);
	/* The driver notified queue q (only after DRIVER_OK, only for an
	 * enabled, unbroken queue). */
	void (*queue_notify)(void *dev, uint16_t q);
};

#endif
