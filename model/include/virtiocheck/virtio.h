/* SPDX-License-Identifier: Apache-2.0 */
/* Constants of the VIRTIO 1.2 specification used by both sides. */
#ifndef VIRTIOCHECK_VIRTIO_H
#define VIRTIOCHECK_VIRTIO_H

/* 2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* 6 Reserved Feature Bits */
#define VIRTIO_F_INDIRECT_DESC     28
#define VIRTIO_F_EVENT_IDX         29
#define VIRTIO_F_VERSION_1         32
#define VIRTIO_F_ACCESS_PLATFORM   33
#define VIRTIO_F_RING_PACKED       34
#define VIRTIO_F_IN_ORDER          35
#define VIRTIO_F_ORDER_PLATFORM    36
#define VIRTIO_F_SR_IOV            37
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_F_NOTIF_CONFIG_DATA 39
#define VIRTIO_F_RING_RESET        40

#define VIRTIO_BIT(b) (1ull << (b))

/* 5 Device Types */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG     4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_GPU     16
#define VIRTIO_ID_FS      26

/* 2.7.5 / 2.7.6 / 2.7.8 split virtqueue flags */
#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY     1u

/* 2.7 Split Virtqueues: a queue size is at most 32768 */
#define VIRTQ_SIZE_MAX 32768u

/* 4.1.4.3 Common configuration structure */
#define VIRTIO_MSI_NO_VECTOR 0xffffu

/* 4.1.2 PCI Device Discovery */
#define VIRTIO_PCI_VENDOR_ID      0x1af4u
#define VIRTIO_PCI_DEVICE_ID_BASE 0x1040u

/* 4.1.4 Virtio Structure PCI Capabilities: cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* The vector an interrupt callback receives for legacy INTx (not MSI-X). */
#define VC_IRQ_INTX 0xfffeu
/* PCI configuration space size of a conventional function */
#define VC_PCI_CFG_SPACE 256u

#define VIRTIO_PCI_ISR_QUEUE  1u
#define VIRTIO_PCI_ISR_CONFIG 2u

/* 4.1.4.3 offsets inside struct virtio_pci_common_cfg */
#define VIRTIO_PCI_COMMON_DFSELECT      0x00
#define VIRTIO_PCI_COMMON_DF            0x04
#define VIRTIO_PCI_COMMON_GFSELECT      0x08
#define VIRTIO_PCI_COMMON_GF            0x0c
#define VIRTIO_PCI_COMMON_MSIX          0x10
#define VIRTIO_PCI_COMMON_NUMQ          0x12
#define VIRTIO_PCI_COMMON_STATUS        0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT      0x16
#define VIRTIO_PCI_COMMON_Q_SIZE        0x18
#define VIRTIO_PCI_COMMON_Q_MSIX        0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE      0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF        0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO      0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI      0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO     0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI     0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO      0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI      0x34
#define VIRTIO_PCI_COMMON_Q_NDATA       0x38
#define VIRTIO_PCI_COMMON_Q_RESET       0x3a
#define VIRTIO_PCI_COMMON_SIZE          0x3c

#endif
