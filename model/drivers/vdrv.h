/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reference virtio driver core: discovery, the initialization sequence
 * of 3.1.1 with a hook before every step (so a case can skip a step, write a
 * wrong value or do things out of order), queue setup, notifications and
 * interrupts, over either transport:
 *
 *  - virtio-pci modern (vdrv_new): PCI configuration space, the capability
 *    list and the BARs it names;
 *  - virtio-mmio version 2 (vdrv_new_mmio): one register window.
 *
 * The same vdrv_init (and hooks), queue setup, notifications, interrupt
 * handling, config reads with generation retry and vdrv_queue_reset work on
 * both; only a small table of register operations differs.
 *
 * The driver trusts nothing the device presents. Whatever breaks a
 * device-normative rule goes through vdrv_violation(), the driver side's
 * choke point, which records it and marks the queue (or the device) broken.
 */
#ifndef VIRTIOCHECK_VDRV_H
#define VIRTIOCHECK_VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "galloc.h"
#include "gm.h"
#include "vq_split.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio_mmio.h"

#define VDRV_MAX_QUEUES 64

/* How the driver reaches one PCI function. */
struct vdrv_transport {
	void *ctx;
	uint32_t (*cfg_read)(void *ctx, uint32_t off, unsigned width);
	void (*cfg_write)(void *ctx, uint32_t off, unsigned width, uint32_t val);
	uint64_t (*bar_read)(void *ctx, uint8_t bar, uint64_t off, unsigned width);
	void (*bar_write)(void *ctx, uint8_t bar, uint64_t off, unsigned width, uint64_t val);
};

/* How the driver reaches one virtio-mmio device: its register window
 * (offsets from the base, 32-bit control registers, configuration at 0x100). */
struct vdrv_mmio_transport {
	void *ctx;
	uint64_t (*read)(void *ctx, uint64_t off, unsigned width);
	void (*write)(void *ctx, uint64_t off, unsigned width, uint64_t val);
	uint64_t size; /* bytes of the window: 0x100 + configuration size */
};

enum vdrv_step {
	VDRV_STEP_RESET,             /* write 0 to device_status */
	VDRV_STEP_WAIT_RESET,        /* poll until device_status reads 0 */
	VDRV_STEP_ACKNOWLEDGE,
	VDRV_STEP_DRIVER,
	VDRV_STEP_READ_FEATURES,
	VDRV_STEP_WRITE_FEATURES,    /* s->features: what will be written */
	VDRV_STEP_FEATURES_OK,
	VDRV_STEP_CHECK_FEATURES_OK, /* re-read status, FAILED if refused */
	VDRV_STEP_QUEUE_SETUP,       /* once per queue: s->queue, s->queue_size */
	VDRV_STEP_DRIVER_OK,
	VDRV_STEP_COUNT
};

/* The values a step is about to use; a hook may change them. */
struct vdrv_step_ctx {
	enum vdrv_step step;
	uint8_t status;       /* status byte a status step writes */
	uint64_t features;    /* WRITE_FEATURES: driver features to write */
	uint16_t queue;       /* QUEUE_SETUP */
	uint16_t queue_size;  /* QUEUE_SETUP: size to program */
};

enum vdrv_hook_action {
	VDRV_PROCEED,  /* do the step with the (possibly edited) values */
	VDRV_SKIP,     /* leave the step out */
	VDRV_ABORT,    /* stop initialization here (vdrv_init returns -1) */
};

typedef struct vdrv vdrv_t;
typedef enum vdrv_hook_action (*vdrv_hook_fn)(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s);

struct vdrv_config {
	uint16_t device_id;        /* virtio device ID the driver binds to */
	uint64_t wanted_features;  /* features the driver can use */
	uint64_t required_features;/* without these: FAILED */
	uint16_t num_queues;       /* queues to set up */
	uint16_t queue_size;       /* 0: device maximum */
	uint16_t indirect_max;     /* entries per indirect table, 0: none */
	bool use_msix;             /* PCI only */
	vdrv_hook_fn hook;
	void *hook_ctx;
};

struct vdrv_irq_stats {
	uint64_t config;
	uint64_t queue[VDRV_MAX_QUEUES];
	uint64_t intx;             /* INTx (PCI) or line (MMIO) interrupts */
};

/* A driver for a PCI function. */
vdrv_t *vdrv_new(gm_t *gm, gm_view_t *mem, const struct vdrv_transport *t);
/* A driver for a virtio-mmio device. */
vdrv_t *vdrv_new_mmio(gm_t *gm, gm_view_t *mem, const struct vdrv_mmio_transport *t);
void vdrv_free(vdrv_t *d);
bool vdrv_is_mmio(const vdrv_t *d);

/*
 * Probe the device. 0 or -1.
 * PCI: vendor and device IDs, then the virtio capabilities.
 * MMIO: MagicValue and Version first (a wrong one is recorded, citing the
 * MMIO device clause, and the device ignored), then DeviceID: 0 (a
 * placeholder) is refused silently without touching another register, any
 * other ID but device_id is not this driver's device.
 */
int vdrv_probe(vdrv_t *d, uint16_t device_id);
/* Run 3.1.1 with cfg's hook. 0 when DRIVER_OK was reached. On MMIO it
 * starts, as 4.2.3.1.1 says, by checking MagicValue, Version and DeviceID
 * (cfg->device_id) and stops without another access if they do not fit. */
int vdrv_init(vdrv_t *d, const struct vdrv_config *cfg);
/* Reset the device and forget all queues. */
void vdrv_reset(vdrv_t *d);
/* Reset queue q alone (VIRTIO_F_RING_RESET), wait until the device reports
 * the reset complete, and set the queue up again as at first discovery,
 * with size (0: the device maximum). 0 or -1. */
int vdrv_queue_reset(vdrv_t *d, uint16_t q, uint16_t size);

/* Registers, for hooks and cases that deviate. PCI: the common
 * configuration structure (VIRTIO_PCI_COMMON_* offsets); MMIO: the register
 * file (VIRTIO_MMIO_* offsets). */
uint64_t vdrv_common_read(vdrv_t *d, uint32_t off, unsigned width);
void vdrv_common_write(vdrv_t *d, uint32_t off, unsigned width, uint64_t val);
uint8_t vdrv_status(vdrv_t *d);

/*
 * Raw access to one part of the device's registers.
 * PCI: the structures the capabilities located.
 * MMIO: COMMON is the register file (offsets from the base), DEVICE the
 * configuration space (offsets from 0x100), NOTIFY offsets from QueueNotify
 * (0x050) and ISR offsets from InterruptStatus (0x060).
 */
enum vdrv_space { VDRV_SPACE_COMMON, VDRV_SPACE_DEVICE, VDRV_SPACE_NOTIFY, VDRV_SPACE_ISR };
uint64_t vdrv_space_read(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width);
void vdrv_space_write(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width, uint64_t val);
/* PCI configuration space; an MMIO device has none: reads are all ones,
 * writes go nowhere. */
uint32_t vdrv_pci_cfg_read(vdrv_t *d, uint32_t off, unsigned width);
void vdrv_pci_cfg_write(vdrv_t *d, uint32_t off, unsigned width, uint32_t val);
void vdrv_set_status(vdrv_t *d, uint8_t status);
/* Read device config [off, off+len) consistently (config_generation retry). */
int vdrv_config_read(vdrv_t *d, uint32_t off, void *dst, uint32_t len);

vq_drv_t *vdrv_queue(vdrv_t *d, uint16_t q);
/* Publish and notify the device if it asked for it. */
void vdrv_kick(vdrv_t *d, uint16_t q);
/* Write the notification unconditionally (used by cases). */
void vdrv_notify(vdrv_t *d, uint16_t q);
/* Allocate guest memory for buffers. */
uint64_t vdrv_alloc(vdrv_t *d, uint64_t size, uint64_t align);
gm_view_t *vdrv_mem(vdrv_t *d);

uint64_t vdrv_device_features(const vdrv_t *d);
uint64_t vdrv_features(const vdrv_t *d); /* negotiated */
bool vdrv_broken(const vdrv_t *d);
const struct vc_findings *vdrv_findings(const vdrv_t *d);
const struct vdrv_irq_stats *vdrv_irq_stats(const vdrv_t *d);

/* Interrupt entry: the transport delivers a vector (or INTx). On MMIO the
 * one line (vector ignored): read InterruptStatus, handle, ack with
 * InterruptACK. */
void vdrv_interrupt(vdrv_t *d, uint16_t vector);

/* The driver side's choke point. */
void vdrv_violation(vdrv_t *d, const struct vc_violation *v);

#endif
