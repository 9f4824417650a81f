/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console driver (VIRTIO 1.2 5.3) on top of the driver core.
 *
 * Polled: vcons_drv_poll() reaps every queue, handles the device's control
 * messages and keeps receive buffers posted; read and write poll too.
 * Received bytes wait in a private buffer per port until vcons_drv_read().
 * Whatever the device does wrong goes through vdrv_violation() with the
 * console clause it breaks.
 *
 * Use: vcons_drv_config(&cfg, wanted); vdrv_init(d, &cfg);
 * vcons_drv_attach(&c, d); ... vcons_drv_detach(&c).
 */
#ifndef VIRTIOCHECK_CONSOLE_DRV_H
#define VIRTIOCHECK_CONSOLE_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdrv.h"

#include "virtiocheck/virtio_console.h"

/* Ports this driver can drive: queues 0..63 of the driver core. */
#define VCONS_MAX_PORTS 31u
#define VCONS_MAX_QUEUES (2u + 2u * VCONS_MAX_PORTS)
#define VCONS_QUEUE_SIZE 64u
#define VCONS_INDIRECT_MAX 8u
#define VCONS_RX_BUFS 8u
#define VCONS_RX_BUF_SIZE 512u
#define VCONS_TX_SLOTS 8u
#define VCONS_TX_SLOT_SIZE 2048u
#define VCONS_CTRL_BUFS 16u
#define VCONS_CTRL_BUF_SIZE 256u
#define VCONS_CTRL_TX_SLOTS 16u
#define VCONS_CTRL_TX_SIZE 256u
#define VCONS_IN_CAP (64u << 10)
#define VCONS_NAME_MAX 127u
#define VCONS_LOG_MAX 64u

struct vcons_port {
	bool added;       /* DEVICE_ADD seen (port 0 without MULTIPORT) */
	bool open;        /* the driver's side is open (PORT_OPEN 1 sent) */
	bool host_open;   /* the device's last PORT_OPEN value */
	bool console;     /* nominated with CONSOLE_PORT */
	bool named;
	uint16_t cols, rows; /* last RESIZE (port 0: also the config size) */
	uint32_t name_len;
	char name[VCONS_NAME_MAX + 1]; /* NUL-terminated copy */
	uint64_t rx_area, tx_area;     /* guest buffers, 0 until first add */
	bool rx_posted[VCONS_RX_BUFS];
	bool tx_busy[VCONS_TX_SLOTS];
	uint8_t *in;                   /* received, not yet read */
	uint32_t in_head, in_len;
};

/* One control message the device sent. */
struct vcons_event {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};

struct vcons_stats {
	uint64_t ctrl_from_device[8];
	uint64_t ctrl_to_device[8];
	uint64_t ctrl_rejected;   /* device control messages refused */
	uint64_t raw_used;        /* used entries of vcons_drv_submit_raw buffers */
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t config_changes;  /* configuration re-reads after a change */
};

struct vcons_drv {
	vdrv_t *d;
	uint64_t features;
	bool multiport;
	uint32_t max_nr_ports;  /* the device's value (1 without MULTIPORT) */
	uint32_t nports;        /* ports this driver handles */
	uint16_t cols, rows;    /* configuration size (VIRTIO_CONSOLE_F_SIZE) */
	uint64_t config_irqs_seen;
	uint64_t ctrl_rx_area, ctrl_tx_area;
	bool ctrl_rx_posted[VCONS_CTRL_BUFS];
	bool ctrl_tx_busy[VCONS_CTRL_TX_SLOTS];
	struct vcons_port port[VCONS_MAX_PORTS];
	struct vcons_event log[VCONS_LOG_MAX]; /* the first control messages */
	uint32_t n_log;                        /* all of them, counted */
	struct vcons_stats stats;
	char raw_token; /* the token of raw submissions */
};

/* Driver configuration: the features the driver can use (VERSION_1 is
 * added) and a hook that sets up only the queues the device's max_nr_ports
 * calls for. With MULTIPORT wanted, num_queues is VCONS_MAX_QUEUES: the
 * driver core requires the device to expose that many, and the hook skips
 * the ones beyond max_nr_ports. */
void vcons_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
/* The queue-setup hook vcons_drv_config installs, for hooks that chain. */
enum vdrv_hook_action vcons_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s);

/* After vdrv_init: validate the configuration, post the receive buffers,
 * and in multiport mode send DEVICE_READY and bring the ports up. c must be
 * zeroed or detached. 0 or -1. */
int vcons_drv_attach(struct vcons_drv *c, vdrv_t *d);
void vcons_drv_detach(struct vcons_drv *c);

/* Reap every queue and act on what the device did. 0, or -1 when the
 * driver or the device is broken (DEVICE_NEEDS_RESET). */
int vcons_drv_poll(struct vcons_drv *c);

/* Send data on port's transmitq; returns the bytes queued (less than len
 * when the device holds the transmit buffers), or -1. */
long vcons_drv_write(struct vcons_drv *c, uint32_t port, const void *data, size_t len);
/* Take up to max received bytes of port; returns the count, or -1. */
long vcons_drv_read(struct vcons_drv *c, uint32_t port, void *dst, size_t max);
/* Open or close the driver's side of a port (PORT_OPEN; multiport). */
int vcons_drv_port_open(struct vcons_drv *c, uint32_t port, bool open);
/* Emergency write of len bytes through emerg_wr (EMERG_WRITE negotiated). */
int vcons_drv_emerg_write(struct vcons_drv *c, const void *data, size_t len);
/* Reset queue q (VIRTIO_F_RING_RESET), set it up again and re-post what the
 * driver keeps posted there. 0 or -1. */
int vcons_drv_queue_reset(struct vcons_drv *c, uint16_t q);

/* For cases that play a misbehaving driver. */
/* Post any segments on any console queue and notify; the used entry is
 * counted in stats.raw_used. Returns the head or -1. */
int vcons_drv_submit_raw(struct vcons_drv *c, uint16_t q, const struct vq_buf *out,
			 unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect);
/* Any bytes (0..VCONS_CTRL_TX_SIZE) as one control transmitq buffer. */
int vcons_drv_ctrl_raw(struct vcons_drv *c, const void *msg, size_t len);
/* A well-formed control message. */
int vcons_drv_send_ctrl(struct vcons_drv *c, uint32_t id, uint16_t event, uint16_t value);

#endif
