/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console device (VIRTIO 1.2 5.3): the backend side that tests and
 * cases drive. The device itself is vc_console_device_ops (devices.h); the
 * functions below take the instance its create() returned (vpci_device() of
 * a vc_pair) and return an error for anything else.
 *
 * The host end of each port has two byte streams: input the host injects
 * (delivered to the guest as receive buffers become available, and in
 * multiport mode only once the driver opened the port), and output the
 * guest transmitted (read and drained by vc_console_output()).
 *
 * Arguments of create(), comma-separated key=value, parsed strictly (an
 * unknown key, a repeated key or a bad value makes create() return NULL):
 *   multiport=on|off     offer VIRTIO_CONSOLE_F_MULTIPORT (default off)
 *   max_nr_ports=N       1..VC_CONSOLE_MAX_PORTS (above 1 only with multiport)
 *   cols=N, rows=N       0..65535; either one offers VIRTIO_CONSOLE_F_SIZE
 *                        (the other defaults to 80 cols / 25 rows)
 *   emerg_write=on|off   offer VIRTIO_CONSOLE_F_EMERG_WRITE (default off)
 *   ports=LIST|none      ports present at start, LIST = N[:N...] (multiport;
 *                        default: all of 0..max_nr_ports-1)
 *   console=N|none       the port nominated with CONSOLE_PORT (multiport;
 *                        default 0 when port 0 is present)
 *   open=LIST|none       ports whose host end is open at start (multiport;
 *                        default: every present port)
 *   nameN=STR            the PORT_NAME of port N (multiport), 1..127 chars
 *                        of [A-Za-z0-9._-]
 */
#ifndef VIRTIOCHECK_CONSOLE_H
#define VIRTIOCHECK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtiocheck/virtio_console.h"

/* Queue numbers of 5.3.2: receiveq(port0)=0, transmitq(port0)=1, control
 * receiveq=2, control transmitq=3, then receiveq/transmitq of port 1, ... */
#define VC_CONSOLE_CTRL_RXQ 2u
#define VC_CONSOLE_CTRL_TXQ 3u
static inline uint16_t vc_console_rxq(uint32_t port)
{
	return (uint16_t)(port == 0 ? 0 : 2 + 2 * port);
}
static inline uint16_t vc_console_txq(uint32_t port)
{
	return (uint16_t)(vc_console_rxq(port) + 1);
}

/* The device exposes 64 queues: the control pair and 31 port pairs. */
#define VC_CONSOLE_MAX_PORTS 31u
#define VC_CONSOLE_NAME_MAX 127u
/* Host input a port buffers before delivery, guest output it keeps until
 * read; the transmitq is not consumed while the output holds
 * VC_CONSOLE_OUT_BACKLOG bytes or more (backpressure, no loss). */
#define VC_CONSOLE_IN_MAX (1u << 20)
#define VC_CONSOLE_OUT_MAX (4u << 20)
#define VC_CONSOLE_OUT_BACKLOG (256u << 10)
/* A raw control message from the device (vc_console_ctrl_raw) */
#define VC_CONSOLE_CTRL_MSG_MAX (VIRTIO_CONSOLE_CONTROL_SIZE + VC_CONSOLE_NAME_MAX + 1)

struct vc_console_port_state {
	bool present;     /* plugged at the host end */
	bool added;       /* DEVICE_ADD sent to the current driver */
	bool ready;       /* the driver answered PORT_READY with value 1 */
	bool guest_open;  /* the driver's last PORT_OPEN value (or single port) */
	bool host_open;   /* the host end is open (the device's PORT_OPEN) */
	bool console;     /* nominated with CONSOLE_PORT */
	uint16_t cols, rows; /* last size reported for the port */
	uint32_t pending_input;  /* injected bytes not yet delivered */
	uint32_t output;         /* transmitted bytes not yet read */
};

struct vc_console_stats {
	uint64_t ctrl_to_driver[8];    /* control messages sent, by event */
	uint64_t ctrl_from_driver[8];  /* well-formed ones received, by event */
	uint64_t ctrl_ignored;    /* short, unknown event, no such port, ... */
	uint64_t ctrl_dropped;    /* not sent: the message queue was full */
	uint64_t ctrl_truncated;  /* sent into a receive buffer too small */
	uint64_t rx_bytes;        /* delivered to the guest */
	uint64_t tx_bytes;        /* received from the guest */
	uint64_t tx_discarded;    /* for ports that do not exist, or past
				   * VC_CONSOLE_OUT_MAX */
	uint64_t emerg_bytes;     /* written through emerg_wr */
};

/* Queue host input for port; returns the bytes accepted (0 when the port is
 * not present, less than len when its input buffer is full). Delivers at
 * once when the guest has receive buffers posted. */
size_t vc_console_inject(void *dev, uint32_t port, const void *data, size_t len);
/* Take up to max bytes the guest transmitted on port; returns the count. */
size_t vc_console_output(void *dev, uint32_t port, void *dst, size_t max);
/* 0 and *st, or -1 for a bad instance or port. */
int vc_console_port_state(void *dev, uint32_t port, struct vc_console_port_state *st);
const struct vc_console_stats *vc_console_stats(void *dev);

/* Hot plug (multiport offered): add a port (name may be NULL) and send
 * DEVICE_ADD if the driver is ready; remove one and send DEVICE_REMOVE if it
 * was added. 0, or -1 when the port is out of range, already present /
 * absent, or the device has no multiport. */
int vc_console_port_add(void *dev, uint32_t port, const char *name);
int vc_console_port_remove(void *dev, uint32_t port);
/* Host end opened or closed: PORT_OPEN to the driver when the port is
 * ready. 0 or -1. */
int vc_console_set_host_open(void *dev, uint32_t port, bool open);
/* Nominate a console port now: CONSOLE_PORT once the port is ready. */
int vc_console_set_console(void *dev, uint32_t port);
/* A console size change: port 0 updates cols/rows in the configuration
 * space (VIRTIO_CONSOLE_F_SIZE) with a configuration change notification;
 * with MULTIPORT negotiated an added port also gets a RESIZE message. 0 or
 * -1 when neither applies. */
int vc_console_resize(void *dev, uint32_t port, uint16_t cols, uint16_t rows);
/* Queue any bytes (1..VC_CONSOLE_CTRL_MSG_MAX) as one control message to
 * the driver, unchecked: for cases that play a misbehaving device. 0 or
 * -1. */
int vc_console_ctrl_raw(void *dev, const void *msg, size_t len);

#endif
