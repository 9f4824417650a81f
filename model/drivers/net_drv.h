/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net driver (VIRTIO 1.2 5.1) on top of the driver core.
 *
 * Polled: vnet_drv_poll() reaps every queue, checks each received packet's
 * header against what the device may do (5.1.6.3.2, 5.1.6.4.1), keeps the
 * frames for vnet_drv_recv() and re-posts receive buffers. Control commands
 * are synchronous: the command is posted, notified and its ack read back.
 * The driver refuses (returns -1, no violation) what the drivernormative
 * rules forbid it: a GSO type, NEEDS_CSUM or a frame size the negotiated
 * features do not allow, a control command whose feature was not
 * negotiated, a queue-pair count outside 1..max_virtqueue_pairs, ...
 * Whatever the device does wrong goes through vdrv_violation() with the net
 * clause it breaks.
 *
 * Use: vnet_drv_config(&cfg, wanted); vdrv_init(d, &cfg);
 * vnet_drv_attach(&n, d); ... vnet_drv_detach(&n).
 */
#ifndef VIRTIOCHECK_NET_DRV_H
#define VIRTIOCHECK_NET_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdrv.h"

#include "virtiocheck/virtio_net.h"

/* Queue pairs this driver drives, and the queues it asks the device for
 * with MQ or RSS wanted (the control queue of a 16-pair device is 32). */
#define VNET_MAX_PAIRS 4u
#define VNET_MAX_QUEUES 33u
#define VNET_QUEUE_SIZE 256u
#define VNET_INDIRECT_MAX 8u
/* Receive buffers per queue (at most the queue size): with MRG_RXBUF
 * VNET_MRG_BUFS of VNET_MRG_BUF_SIZE bytes; without it VNET_BIG_BUFS of
 * 65562 bytes when a GUEST_TSO4/TSO6/UFO is negotiated, else VNET_SMALL_BUFS
 * of max(1526, mtu + 26) bytes (5.1.6.3.1, 5.1.4.2). */
#define VNET_MRG_BUFS 64u
#define VNET_MRG_BUF_SIZE 2048u
#define VNET_BIG_BUFS 4u
#define VNET_SMALL_BUFS 32u
#define VNET_RX_BUFS_MAX 64u
#define VNET_TX_SLOTS 4u
#define VNET_TX_SLOT_SIZE (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_GSO_FRAME)
/* Received frames kept until vnet_drv_recv (more are counted and dropped) */
#define VNET_RX_KEEP 128u
#define VNET_CTRL_MAX 4096u

struct vnet_tx_opts {
	bool needs_csum;              /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	uint16_t csum_start, csum_offset;
	uint8_t gso_type;             /* VIRTIO_NET_HDR_GSO_*, ECN bit included */
	uint16_t gso_size, hdr_len;
};

struct vnet_rx_info {
	uint16_t pair;
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
	uint32_t len;                 /* frame bytes (after the header) */
};

struct vnet_rss {
	uint32_t hash_types;
	uint16_t table_len;           /* entries: mask + 1 */
	uint16_t unclassified;
	uint16_t max_tx_vq;
	uint8_t key_len;
	uint8_t key[255];
	uint16_t table[VIRTIO_NET_RSS_MIN_TABLE * 8];
};

struct vnet_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_pairs;           /* max_virtqueue_pairs (1 without MQ/RSS) */
	uint16_t mtu;                 /* 0 without MTU */
	uint32_t speed;               /* VIRTIO_NET_SPEED_UNKNOWN unless valid */
	uint8_t duplex;               /* VIRTIO_NET_DUPLEX_UNKNOWN unless valid */
	uint8_t rss_max_key;
	uint16_t rss_max_table;
	uint32_t hash_types;
};

struct vnet_stats {
	uint64_t tx_frames, tx_bytes;
	uint64_t rx_frames, rx_bytes, rx_buffers;
	uint64_t rx_empty;            /* buffers returned with used len 0 */
	uint64_t rx_dropped;          /* not kept: VNET_RX_KEEP frames waiting */
	uint64_t rx_rejected;         /* packets refused for a device violation */
	uint64_t ctrl_ok, ctrl_err;
	uint64_t announce_acks;       /* ANNOUNCE_ACK sent for an ANNOUNCE */
	uint64_t config_changes;
	uint64_t raw_used;            /* used entries of vnet_drv_submit_raw buffers */
};

struct vnet_frame;

struct vnet_drv {
	vdrv_t *d;
	uint64_t features;
	struct vnet_config cfg;
	uint8_t mac[6];               /* the address in use */
	uint16_t nqueues_pairs;       /* pairs driven: min(max_pairs, VNET_MAX_PAIRS) */
	uint16_t pairs;               /* pairs in use (VQ_PAIRS_SET) */
	uint16_t tx_pairs;            /* transmit queues allowed */
	uint16_t ctrlq;
	bool rss;
	uint32_t rx_buf_size, rx_bufs;
	uint64_t rx_area[VNET_MAX_PAIRS], tx_area[VNET_MAX_PAIRS];
	bool rx_posted[VNET_MAX_PAIRS][VNET_RX_BUFS_MAX];
	bool tx_busy[VNET_MAX_PAIRS][VNET_TX_SLOTS];
	uint64_t ctrl_area;
	bool ctrl_busy;
	uint64_t config_irqs_seen;
	struct vnet_frame *rx_head, *rx_tail;
	uint32_t rx_n;
	uint8_t *scratch;             /* one frame being assembled */
	struct vnet_stats stats;
	char raw_token;
};

/* Driver configuration: the features the driver can use (VERSION_1 is
 * added) and a hook that sets up the queues the device's
 * max_virtqueue_pairs and CTRL_VQ call for. */
void vnet_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);
enum vdrv_hook_action vnet_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s);

/* After vdrv_init: validate the configuration (a device value out of its
 * range is recorded and refused), post the receive buffers. n must be
 * zeroed or detached. 0 or -1. */
int vnet_drv_attach(struct vnet_drv *n, vdrv_t *d);
void vnet_drv_detach(struct vnet_drv *n);
/* Reap every queue; answer an ANNOUNCE. 0, or -1 when broken / the device
 * needs a reset. */
int vnet_drv_poll(struct vnet_drv *n);

/* Send one frame on pair's transmitq. o may be NULL (a checksummed, non-GSO
 * frame). -1 when refused or the queue is full. */
int vnet_drv_send(struct vnet_drv *n, uint16_t pair, const void *frame, size_t len,
		  const struct vnet_tx_opts *o);
/* The oldest received frame: its length (the frame is cut to max bytes), or
 * -1 when none. Polls first. */
long vnet_drv_recv(struct vnet_drv *n, struct vnet_rx_info *info, void *dst, size_t max);

/* Control commands: the ack (VIRTIO_NET_OK 0 / VIRTIO_NET_ERR 1), or -1
 * when the driver refuses or the device did not answer. */
int vnet_drv_rx_mode(struct vnet_drv *n, uint8_t cmd, bool on);
int vnet_drv_mac_table(struct vnet_drv *n, const uint8_t (*uni)[6], uint32_t n_uni,
		       const uint8_t (*multi)[6], uint32_t n_multi);
int vnet_drv_set_mac(struct vnet_drv *n, const uint8_t mac[6]);
int vnet_drv_vlan(struct vnet_drv *n, uint16_t vid, bool add);
int vnet_drv_announce_ack(struct vnet_drv *n);
int vnet_drv_set_pairs(struct vnet_drv *n, uint16_t pairs);
int vnet_drv_rss(struct vnet_drv *n, const struct vnet_rss *r);
int vnet_drv_set_offloads(struct vnet_drv *n, uint64_t offloads);
/* Reset queue q (RING_RESET), set it up again, re-post its buffers. */
int vnet_drv_queue_reset(struct vnet_drv *n, uint16_t q);

/* For cases that play a misbehaving driver. */
/* Any command bytes (0..VNET_CTRL_MAX) readable, then ack_len writable
 * bytes (0: none); returns the ack byte, -2 when the device used the buffer
 * without writing one, -1 otherwise. */
int vnet_drv_ctrl_raw(struct vnet_drv *n, const void *cmd, size_t len, uint32_t ack_len);
/* Post any segments on any queue and notify; counted in stats.raw_used. */
int vnet_drv_submit_raw(struct vnet_drv *n, uint16_t q, const struct vq_buf *out,
			unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect);
/* Send with any header (num_buffers, flags, gso fields as given). */
int vnet_drv_send_raw(struct vnet_drv *n, uint16_t q, const void *hdr12, const void *frame,
		      size_t len);

#endif
