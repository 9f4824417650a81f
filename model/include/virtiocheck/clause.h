/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normative clause labels of VIRTIO 1.2, exactly as the spec writes them.
 * Every check the model makes names one of these; tests/check_clause.c proves
 * that each label below is present in the project's catalogue
 * (spec-cases/clauses.yaml), so a typo cannot slip into a report.
 */
#ifndef VIRTIOCHECK_CLAUSE_H
#define VIRTIOCHECK_CLAUSE_H

#define VC_BF "Basic Facilities of a Virtio Device / "
#define VC_PCI "Virtio Transport Options / Virtio Over PCI Bus / "

#define CL_DEV_STATUS      "devicenormative:" VC_BF "Device Status Field"
#define CL_DRV_STATUS      "drivernormative:" VC_BF "Device Status Field"
#define CL_DEV_FEATURES    "devicenormative:" VC_BF "Feature Bits"
#define CL_DRV_FEATURES    "drivernormative:" VC_BF "Feature Bits"
#define CL_DEV_RESET       "devicenormative:" VC_BF "Device Reset"
#define CL_DEV_CONFIG      "devicenormative:" VC_BF "Device Configuration Space"
#define CL_DRV_CONFIG      "drivernormative:" VC_BF "Device Configuration Space"
#define CL_DRV_VIRTQUEUES  "drivernormative:" VC_BF "Virtqueues"
#define CL_DEV_FRAMING     "devicenormative:" VC_BF "Message Framing"
#define CL_DRV_FRAMING     "drivernormative:" VC_BF "Message Framing"
#define CL_DEV_DESC        "devicenormative:" VC_BF "Virtqueues / The Virtqueue Descriptor Table"
#define CL_DRV_DESC        "drivernormative:" VC_BF "Virtqueues / The Virtqueue Descriptor Table"
#define CL_DRV_INDIRECT    "drivernormative:" VC_BF "Virtqueues / The Virtqueue Descriptor Table / Indirect Descriptors"
#define CL_DEV_INDIRECT    "devicenormative:" VC_BF "Virtqueues / The Virtqueue Descriptor Table / Indirect Descriptors"
#define CL_DRV_AVAIL       "drivernormative:" VC_BF "Virtqueues / The Virtqueue Available Ring"
#define CL_DRV_USED_SUPPR  "drivernormative:" VC_BF "Virtqueues / Used Buffer Notification Suppression"
#define CL_DEV_USED_SUPPR  "devicenormative:" VC_BF "Virtqueues / Used Buffer Notification Suppression"
#define CL_DEV_USED        "devicenormative:" VC_BF "Virtqueues / The Virtqueue Used Ring"
#define CL_DRV_USED        "drivernormative:" VC_BF "Virtqueues / The Virtqueue Used Ring"
#define CL_DRV_AVAIL_SUPPR "drivernormative:" VC_BF "Virtqueues / Available Buffer Notification Suppression"
#define CL_DEV_AVAIL_SUPPR "devicenormative:" VC_BF "Virtqueues / Available Buffer Notification Suppression"
#define CL_DRV_UPDATE_IDX  "drivernormative:" VC_BF "Virtqueues / Supplying Buffers to The Device / Updating idx"
#define CL_DRV_NOTIFYING   "drivernormative:" VC_BF "Virtqueues / Supplying Buffers to The Device / Notifying The Device"
#define CL_DRV_INIT        "drivernormative:General Initialization And Device Operation / Device Initialization"
#define CL_DEV_QRESET      "devicenormative:" VC_BF "Virtqueues / Virtqueue Reset / Virtqueue Reset"
#define CL_DRV_QRESET      "drivernormative:" VC_BF "Virtqueues / Virtqueue Reset / Virtqueue Reset"
#define CL_DRV_QREENABLE   "drivernormative:" VC_BF "Virtqueues / Virtqueue Reset / Virtqueue Re-enable"
#define CL_DRV_CLEANUP     "drivernormative:General Initialization And Device Operation / Device Cleanup"
#define CL_DEV_RESERVED    "devicenormative:Reserved Feature Bits"
#define CL_DRV_RESERVED    "drivernormative:Reserved Feature Bits"
#define CL_DEV_PCI_DISCOVERY "devicenormative:" VC_PCI "PCI Device Discovery"
#define CL_DRV_PCI_DISCOVERY "drivernormative:" VC_PCI "PCI Device Discovery"
#define CL_DRV_PCI_LAYOUT  "drivernormative:" VC_PCI "PCI Device Layout"
#define CL_DEV_PCI_CAPS    "devicenormative:" VC_PCI "Virtio Structure PCI Capabilities"
#define CL_DEV_PCI_DEVCFG  "devicenormative:" VC_PCI "PCI Device Layout / Device-specific configuration"
#define CL_DRV_PCI_CFGACCESS "drivernormative:" VC_PCI "PCI Device Layout / PCI configuration access capability"
#define CL_DRV_PCI_CAPS    "drivernormative:" VC_PCI "Virtio Structure PCI Capabilities"
#define CL_DEV_PCI_COMMON  "devicenormative:" VC_PCI "PCI Device Layout / Common configuration structure layout"
#define CL_DRV_PCI_COMMON  "drivernormative:" VC_PCI "PCI Device Layout / Common configuration structure layout"
#define CL_DEV_PCI_NOTIFY  "devicenormative:" VC_PCI "PCI Device Layout / Notification capability"
#define CL_DEV_PCI_ISR     "devicenormative:" VC_PCI "PCI Device Layout / ISR status capability"
#define CL_DEV_PCI_MSIX    "devicenormative:" VC_PCI "PCI-specific Initialization And Device Operation / Device Initialization / MSI-X Vector Configuration"
#define CL_DRV_PCI_MSIX    "drivernormative:" VC_PCI "PCI-specific Initialization And Device Operation / Device Initialization / MSI-X Vector Configuration"
#define CL_DRV_PCI_NOTIFY  "drivernormative:" VC_PCI "PCI-specific Initialization And Device Operation / Available Buffer Notifications"
#define CL_DEV_PCI_USED_NOTIFY "devicenormative:" VC_PCI "PCI-specific Initialization And Device Operation / Used Buffer Notifications"
#define CL_DEV_PCI_CONFIG_NOTIFY "devicenormative:" VC_PCI "PCI-specific Initialization And Device Operation / Notification of Device Configuration Changes"
#define CL_DRV_PCI_CONFIG_NOTIFY "drivernormative:" VC_PCI "PCI-specific Initialization And Device Operation / Notification of Device Configuration Changes"
#define CL_DEV_RNG         "devicenormative:Device Types / Entropy Device / Device Operation"
#define CL_DRV_RNG         "drivernormative:Device Types / Entropy Device / Device Operation"
#define CL_DRV_PACKED      "drivernormative:" VC_BF "Packed Virtqueues"
#define CL_DEV_PDESC       "devicenormative:" VC_BF "Packed Virtqueues / The Virtqueue Descriptor Table"
/* the spec's own label spells "PAcked" here */
#define CL_DRV_PDESC       "drivernormative:" VC_BF "PAcked Virtqueues / The Virtqueue Descriptor Table"
#define CL_DRV_PSG         "drivernormative:" VC_BF "Packed Virtqueues / Scatter-Gather Support"
#define CL_DRV_PINDIRECT   "drivernormative:" VC_BF "Packed Virtqueues / The Virtqueue Descriptor Table / Indirect Descriptors"
#define VC_MMIO "Virtio Transport Options / Virtio Over MMIO / "
#define CL_DEV_MMIO        "devicenormative:" VC_MMIO "MMIO Device Register Layout"
#define CL_DRV_MMIO        "drivernormative:" VC_MMIO "MMIO Device Register Layout"
#define CL_DRV_MMIO_INIT   "drivernormative:" VC_MMIO "MMIO-specific Initialization And Device Operation / Device Initialization"
#define CL_DRV_MMIO_NOTIFY "drivernormative:" VC_MMIO "MMIO-specific Initialization And Device Operation / Notifications From The Device"

#define VC_BLK "Device Types / Block Device / "
#define CL_DEV_BLK_INIT    "devicenormative:" VC_BLK "Device Initialization"
#define CL_DRV_BLK_INIT    "drivernormative:" VC_BLK "Device Initialization"
#define CL_DEV_BLK_OP      "devicenormative:" VC_BLK "Device Operation"
#define CL_DRV_BLK_OP      "drivernormative:" VC_BLK "Device Operation"

#define VC_CONS "Device Types / Console Device / "
#define CL_DEV_CONSOLE_INIT "devicenormative:" VC_CONS "Device Initialization"
#define CL_DRV_CONSOLE     "drivernormative:" VC_CONS "Device Operation"
#define CL_DEV_CONSOLE_MP  "devicenormative:" VC_CONS "Device Operation / Multiport Device Operation"
#define CL_DRV_CONSOLE_MP  "drivernormative:" VC_CONS "Device Operation / Multiport Device Operation"

/* Tool-side findings that no clause covers (the harness's own limits). */
#define CL_HARNESS_LIMIT   "harness:resource limit"

#endif
