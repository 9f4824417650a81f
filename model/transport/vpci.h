/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-pci modern transport, device side (VIRTIO 1.2 4.1): PCI
 * configuration space with the virtio capabilities, and BAR 0 holding the
 * common configuration structure, the ISR, the device-specific configuration
 * and the notification area, decoded onto the transport-independent device
 * core (vdev_core.h), which holds the status state machine of 2.1 / 3.1, the
 * queues and the device side's single choke point for violations.
 *
 * Every register access is decoded through one table; an access the spec
 * forbids becomes a recorded finding, never a crash.
 */
#ifndef VIRTIOCHECK_VPCI_H
#define VIRTIOCHECK_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "gm.h"
#include "vdev_core.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

/* BAR 0 layout */
#define VPCI_BAR_COMMON   0x0000u
#define VPCI_BAR_ISR      0x1000u
#define VPCI_BAR_DEVICE   0x2000u
#define VPCI_BAR_NOTIFY   0x3000u
#define VPCI_NOTIFY_MULT  4u
#define VPCI_CFG_SPACE    256u

/* irq vector passed for a legacy INTx interrupt */
#define VPCI_IRQ_INTX VC_IRQ_INTX

typedef struct vpci vpci_t;
typedef void (*vpci_irq_fn)(void *ctx, uint16_t vector);

/* The core's parameters under their PCI-era name (both transports use
 * them); vpci_stats() returns the core's struct vdev_stats. */
#define vpci_params vdev_params

vpci_t *vpci_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, vpci_irq_fn irq, void *irq_ctx);
void vpci_free(vpci_t *p);

/* PCI configuration space (vendor/device ID, capability list, MSI-X). */
uint32_t vpci_cfg_read(vpci_t *p, uint32_t off, unsigned width);
void vpci_cfg_write(vpci_t *p, uint32_t off, unsigned width, uint32_t val);

/* BAR 0 (width 1, 2, 4 or 8). */
uint64_t vpci_bar_read(vpci_t *p, uint64_t off, unsigned width);
void vpci_bar_write(vpci_t *p, uint64_t off, unsigned width, uint64_t val);
uint64_t vpci_bar_size(const vpci_t *p);

/* Observation for tests, cases and oracles. */
uint8_t vpci_status(const vpci_t *p);
uint64_t vpci_offered_features(const vpci_t *p);
uint64_t vpci_negotiated_features(const vpci_t *p);
bool vpci_broken(const vpci_t *p);
const struct vc_findings *vpci_findings(const vpci_t *p);
const struct vdev_stats *vpci_stats(const vpci_t *p);
struct vq_dev *vpci_queue(vpci_t *p, uint16_t q);
void *vpci_device(vpci_t *p);
const struct vc_device_ops *vpci_ops(const vpci_t *p);
/* The transport-independent core behind the registers. */
vdev_t *vpci_core(vpci_t *p);

/* Raise one interrupt carrying the given ISR bits (VIRTIO_PCI_ISR_*), as a
 * device does when a queue and its configuration change at once. */
void vpci_raise_isr(vpci_t *p, uint8_t bits);

/* The choke point (also reachable through the host ops' fail service). */
void vpci_violation(vpci_t *p, const struct vc_violation *v);

#endif
