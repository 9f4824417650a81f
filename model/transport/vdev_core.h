/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport-independent half of a virtio device (VIRTIO 1.2 2.1, 2.2,
 * 3.1): the status state machine, feature offer and negotiation with the
 * FEATURES_OK rules, per-queue state and the rings it owns, queue enable and
 * reset, the host services handed to the device (struct vc_host_ops), the
 * configuration generation, interrupts by cause, and the device side's single
 * choke point for violations.
 *
 * A register front-end (vpci.c for PCI, vmmio.c for MMIO) decodes its own
 * register file onto these calls; the core knows no register layout. So a
 * behaviour fix here lands in both transports.
 *
 * Findings about the driver's use of the queue and feature registers cite
 * the front-end's own clause (struct vdev_front.drv_regs_clause); the rules of
 * chapters 2 and 3 cite their own clauses.
 */
#ifndef VIRTIOCHECK_VDEV_CORE_H
#define VIRTIOCHECK_VDEV_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "gm.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define VDEV_MAX_QUEUES 64

/* Reserved features the core does not implement: offered only when a
 * harness adds them, and then refused at FEATURES_OK. */
#define VDEV_UNIMPLEMENTED_FEATURES \
	(VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA) | VIRTIO_BIT(VIRTIO_F_SR_IOV))

typedef struct vdev vdev_t;

/* What a harness may change about the device's behaviour. */
struct vdev_params {
	uint64_t extra_features;    /* OR-ed into the device's offer */
	uint64_t withheld_features; /* removed from the device's offer */
	/* reads of queue_reset / QueueReset that still return 1 after a queue
	 * reset was requested (0: the reset completes at once) */
	uint16_t queue_reset_reads;
};

struct vdev_stats {
	uint64_t notifies;          /* accepted available-buffer notifications */
	uint64_t queue_interrupts;
	uint64_t config_interrupts;
	uint64_t resets;
};

/* Why the device interrupts the driver. */
enum vdev_irq_cause {
	VDEV_IRQ_QUEUE,  /* used buffer notification for one queue */
	VDEV_IRQ_CONFIG, /* configuration change notification */
};

/* The three areas of a queue, by their 1.2 names. */
enum vdev_area { VDEV_AREA_DESC, VDEV_AREA_DRIVER, VDEV_AREA_DEVICE };

/* What a register front-end gives the core. */
struct vdev_front {
	void *ctx;
	/* cited when the driver misuses the queue or feature registers */
	const char *drv_regs_clause;
	/* Deliver one notification; return true when an interrupt was sent
	 * (the core counts it in its stats). */
	bool (*interrupt)(void *ctx, enum vdev_irq_cause cause, uint16_t queue);
	/* Device reset: the front-end's own registers back to defaults. */
	void (*reset)(void *ctx);
	/* Queue q back to defaults (device reset or queue reset); may be NULL. */
	void (*queue_reset)(void *ctx, uint16_t q);
};

/* NULL when ops is unusable (ABI major, queue count or size, missing
 * mandatory entries) or out of memory. */
vdev_t *vdev_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		 const struct vdev_params *params, const struct vdev_front *front);
void vdev_free(vdev_t *d);

/* ------------------------------------------------- status and features */

uint8_t vdev_status(const vdev_t *d);
/* 0 resets; otherwise the 2.1 / 3.1 rules (bits never cleared, FEATURES_OK
 * only for an acceptable subset, DRIVER_OK only after FEATURES_OK). */
void vdev_write_status(vdev_t *d, uint8_t val);
/* Feature word sel (bits 32*sel .. 32*sel+31); 0 beyond the 64 bits. */
uint32_t vdev_device_features(const vdev_t *d, uint32_t sel);
uint32_t vdev_driver_features(const vdev_t *d, uint32_t sel);
/* Ignored (and recorded) after FEATURES_OK. */
void vdev_write_driver_features(vdev_t *d, uint32_t sel, uint32_t val);
uint64_t vdev_offered_features(const vdev_t *d);
uint64_t vdev_negotiated_features(const vdev_t *d);
uint8_t vdev_config_generation(const vdev_t *d);

/* ---------------------------------------------------------------- queues */

uint16_t vdev_num_queues(const vdev_t *d);
/* 0 for a queue that does not exist. */
uint16_t vdev_queue_size_max(const vdev_t *d, uint16_t q);
uint16_t vdev_queue_size(const vdev_t *d, uint16_t q);
bool vdev_queue_enabled(const vdev_t *d, uint16_t q);
uint64_t vdev_queue_area(const vdev_t *d, uint16_t q, enum vdev_area a);
/*
 * May the driver write a register of queue q now? Records why not (queue
 * missing, reset in progress, or -- for the registers locked_when_enabled --
 * the queue enabled) and returns false. reg names the register for the
 * finding (also in the setters below, which make this check themselves).
 */
bool vdev_queue_may_write(vdev_t *d, uint16_t q, const char *reg, bool locked_when_enabled);
/* A split ring's size is a power of two; a packed ring's is any value; both
 * at most the maximum. A bad size is recorded and ignored. */
void vdev_queue_set_size(vdev_t *d, uint16_t q, const char *reg, uint32_t size);
/* One 32-bit half of an area's address. */
void vdev_queue_set_area(vdev_t *d, uint16_t q, const char *reg, enum vdev_area a, bool high,
			 uint32_t half);
/* Check and map the rings; the queue stays off when they are unusable. */
void vdev_queue_enable(vdev_t *d, uint16_t q, const char *reg);
/* Stop using queue q (MMIO QueueReady 0): the rings are let go, the
 * configuration is kept. */
void vdev_queue_disable(vdev_t *d, uint16_t q, const char *reg);
/* The driver wrote val to queue q's reset register: 1 resets the queue
 * (VIRTIO_F_RING_RESET must have been negotiated), 0 does nothing. */
void vdev_queue_reset_write(vdev_t *d, uint16_t q, const char *reg, uint32_t val);
/* The queue reset register as read: 1 while a reset is in progress. */
uint16_t vdev_queue_reset_read(vdev_t *d, uint16_t q);
/* An available buffer notification for queue q (already decoded). */
void vdev_notify(vdev_t *d, uint16_t q);

/* ------------------------------------------------- device configuration */

uint32_t vdev_config_size(const vdev_t *d);
/* off + width <= config size, width 1, 2 or 4: checked by the front-end. */
uint32_t vdev_config_read(vdev_t *d, uint32_t off, unsigned width);
/* Ignored (and recorded) before FEATURES_OK. */
void vdev_config_write(vdev_t *d, uint32_t off, unsigned width, uint32_t val);

/* ----------------------------------------------------------- interrupts */

/* Send a notification through the front-end (counted when sent). */
void vdev_interrupt(vdev_t *d, enum vdev_irq_cause cause, uint16_t q);
/* Count an interrupt a front-end sent on its own (one interrupt carrying
 * several causes). */
void vdev_count_interrupt(vdev_t *d, enum vdev_irq_cause cause);

/* ------------------------------------------------------- the choke point */

void vdev_violation(vdev_t *d, const struct vc_violation *v);
__attribute__((format(printf, 5, 6)))
void vdev_finding(vdev_t *d, enum vc_severity sev, const char *clause, uint16_t queue,
		  const char *fmt, ...);

/* ------------------------------------------------------------ observing */

bool vdev_broken(const vdev_t *d);
const struct vc_findings *vdev_findings(const vdev_t *d);
const struct vdev_stats *vdev_stats(const vdev_t *d);
struct vq_dev *vdev_queue(vdev_t *d, uint16_t q);
void *vdev_device(vdev_t *d);
const struct vc_device_ops *vdev_ops(const vdev_t *d);

#endif
