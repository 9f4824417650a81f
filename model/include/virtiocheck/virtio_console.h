/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console layout constants (VIRTIO 1.2 5.3): feature bits (5.3.3),
 * configuration offsets (5.3.4) and control events (5.3.6.2). Shared by the
 * device and the driver, as the ring layouts are; nothing else is.
 */
#ifndef VIRTIOCHECK_VIRTIO_CONSOLE_H
#define VIRTIOCHECK_VIRTIO_CONSOLE_H

#define VIRTIO_CONSOLE_F_SIZE        0
#define VIRTIO_CONSOLE_F_MULTIPORT   1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define VIRTIO_CONSOLE_DEVICE_READY  0
#define VIRTIO_CONSOLE_DEVICE_ADD    1
#define VIRTIO_CONSOLE_DEVICE_REMOVE 2
#define VIRTIO_CONSOLE_PORT_READY    3
#define VIRTIO_CONSOLE_CONSOLE_PORT  4
#define VIRTIO_CONSOLE_RESIZE        5
#define VIRTIO_CONSOLE_PORT_OPEN     6
#define VIRTIO_CONSOLE_PORT_NAME     7

/* struct virtio_console_control: le32 id, le16 event, le16 value */
#define VIRTIO_CONSOLE_CONTROL_SIZE  8u
/* struct virtio_console_resize: le16 cols, le16 rows */
#define VIRTIO_CONSOLE_RESIZE_SIZE   4u
/* struct virtio_console_config offsets */
#define VIRTIO_CONSOLE_CFG_COLS          0u
#define VIRTIO_CONSOLE_CFG_ROWS          2u
#define VIRTIO_CONSOLE_CFG_MAX_NR_PORTS  4u
#define VIRTIO_CONSOLE_CFG_EMERG_WR      8u
#define VIRTIO_CONSOLE_CFG_SIZE          12u

#endif
