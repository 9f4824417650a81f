/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio transport, version 2 (VIRTIO 1.2 4.2), device side: the
 * register file of 4.2.2 (MagicValue .. ConfigGeneration, then the
 * device-specific configuration at 0x100) decoded onto the
 * transport-independent device core (vdev_core.h), and the single interrupt
 * line with InterruptStatus / InterruptACK.
 *
 * Every access is decoded through one table. What the driver may not do --
 * a control register accessed other than 32 bits wide and aligned, a write to
 * a read-only register, a read of a write-only one, an offset the layout does
 * not describe, queue configuration written while QueueReady is 1 -- becomes
 * a recorded finding citing the MMIO clauses and is otherwise ignored (reads
 * return 0), never a crash.
 *
 * There are no shared memory regions: SHMLen and SHMBase read all ones.
 */
#ifndef VIRTIOCHECK_VMMIO_H
#define VIRTIOCHECK_VMMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "gm.h"
#include "vdev_core.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_mmio.h"

/* VendorID this model presents (the spec leaves the value open). */
#define VMMIO_VENDOR_ID 0x1af4u

typedef struct vmmio vmmio_t;
/* The device's one interrupt line: called whenever an event sets a bit of
 * InterruptStatus. */
typedef void (*vmmio_irq_fn)(void *ctx);

vmmio_t *vmmio_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		   const struct vdev_params *params, vmmio_irq_fn irq, void *irq_ctx);
void vmmio_free(vmmio_t *m);

/* The register window: off from the base, width 1, 2, 4 or 8 (only 4 is
 * allowed for the control registers below 0x100). */
uint64_t vmmio_read(vmmio_t *m, uint64_t off, unsigned width);
void vmmio_write(vmmio_t *m, uint64_t off, unsigned width, uint64_t val);
/* Bytes of the window: 0x100 + the device's configuration size. */
uint64_t vmmio_size(const vmmio_t *m);

/* Observation for tests, cases and oracles (no side effects). */
uint8_t vmmio_status(const vmmio_t *m);
uint32_t vmmio_interrupt_status(const vmmio_t *m);
uint64_t vmmio_offered_features(const vmmio_t *m);
uint64_t vmmio_negotiated_features(const vmmio_t *m);
bool vmmio_broken(const vmmio_t *m);
const struct vc_findings *vmmio_findings(const vmmio_t *m);
const struct vdev_stats *vmmio_stats(const vmmio_t *m);
struct vq_dev *vmmio_queue(vmmio_t *m, uint16_t q);
void *vmmio_device(vmmio_t *m);
const struct vc_device_ops *vmmio_ops(const vmmio_t *m);
vdev_t *vmmio_core(vmmio_t *m);

/* Raise one interrupt carrying the given InterruptStatus bits
 * (VIRTIO_MMIO_INT_*), as a device does when a queue and its configuration
 * change at once. */
void vmmio_raise_interrupt(vmmio_t *m, uint32_t bits);

/* The choke point (the core's; also reachable through the host ops). */
void vmmio_violation(vmmio_t *m, const struct vc_violation *v);

#endif
