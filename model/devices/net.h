/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net device (VIRTIO 1.2 5.1): the backend side that tests and cases
 * drive. The device itself is vc_net_device_ops (devices.h); the functions
 * below take the instance its create() returned (vpci_device() of a
 * vc_pair) and return an error for anything else.
 *
 * The host end is a wire: every frame the guest transmits is kept for
 * vc_net_tx_pop() (up to VC_NET_TX_LOG_MAX frames) and, with loopback on,
 * delivered back to the guest; frames injected with vc_net_inject() arrive
 * from the wire. Arriving frames pass the receive filter (CTRL_RX mode, MAC
 * tables, VLAN table) when they arrive, are steered to a receive queue (MQ
 * or RSS), and wait there (VC_NET_PENDING_MAX frames per queue) until the
 * driver posts receive buffers.
 *
 * A frame that does not fit the posted buffers (one buffer without
 * MRG_RXBUF, the buffers available at that moment with it) is dropped and
 * counted in rx_dropped_nobuf; the buffers it took go back with used len 0.
 * A GSO frame goes to a receive queue only when the driver takes that GSO
 * type (GUEST_TSO4/TSO6/UFO, GUEST_ECN for the ECN bit, and the offload
 * enabled); otherwise it is dropped and counted in rx_gso_dropped (no
 * software segmentation). A NEEDS_CSUM frame reaches the guest with the
 * partial checksum when the guest's GUEST_CSUM offload is on, otherwise with
 * the checksum completed.
 *
 * Arguments of create(), comma-separated key=value, parsed strictly (an
 * unknown key, a repeated key or a bad value makes create() return NULL):
 *   mac=xx:xx:xx:xx:xx:xx   the configuration mac (default 52:54:00:12:34:56)
 *   mac_feature=on|off      offer VIRTIO_NET_F_MAC (default on)
 *   mtu=N                   offer VIRTIO_NET_F_MTU with this mtu, 0..65535
 *                           (below 68 is a hostile configuration)
 *   speed=N, duplex=N       offer SPEED_DUPLEX with these values (any u32 /
 *                           0..255; defaults 1000 and 0)
 *   link=up|down            the LINK_UP status bit (default up)
 *   status=on|off           offer VIRTIO_NET_F_STATUS (default on)
 *   announce=on|off         start with VIRTIO_NET_S_ANNOUNCE set
 *   max_queue_pairs=N       1..VC_NET_MAX_PAIRS, offers MQ when above 1
 *   mq=on|off               offer VIRTIO_NET_F_MQ (default: max_queue_pairs>1)
 *   cfg_max_pairs=N         report N (0..65535) as max_virtqueue_pairs
 *                           instead (hostile configuration)
 *   csum, guest_csum, host_tso4, host_tso6, host_ecn, host_ufo, guest_tso4,
 *   guest_tso6, guest_ecn, guest_ufo, mrg_rxbuf, ctrl_vq, ctrl_rx,
 *   ctrl_vlan, ctrl_rx_extra, guest_announce, ctrl_mac_addr,
 *   ctrl_guest_offloads, rss   =on|off: offer that feature. Defaults: csum,
 *                           guest_csum, mrg_rxbuf, ctrl_vq, ctrl_rx,
 *                           ctrl_vlan, ctrl_rx_extra, guest_announce,
 *                           ctrl_mac_addr, ctrl_guest_offloads on; the
 *                           GSO features and rss off
 *   rss_max_key_size=N      0..255 (default 40)
 *   rss_max_indirection_table_length=N  0..VC_NET_RSS_TABLE_MAX (default 128)
 *   supported_hash_types=N  (default 0x3f: IPv4/TCPv4/UDPv4/IPv6/TCPv6/UDPv6)
 *   loopback=on|off         transmitted frames come back (default on)
 *   responder=A.B.C.D       a neighbour on the wire at this unicast IPv4
 *                           address (mac VC_NET_RESPONDER_MAC): an ARP
 *                           request for it and an ICMP echo request to it
 *                           (unfragmented, checksums right) are answered,
 *                           the answer arriving like an injected frame
 *                           (counted in responder_replies); so a guest's
 *                           ping gets replies. Off by default
 * The device offers VERSION_1, INDIRECT_DESC, EVENT_IDX, RING_PACKED and
 * RING_RESET besides.
 */
#ifndef VIRTIOCHECK_NET_H
#define VIRTIOCHECK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtiocheck/virtio_net.h"

#define VC_NET_MAX_PAIRS 16u
#define VC_NET_NUM_QUEUES (2u * VC_NET_MAX_PAIRS + 1u)
#define VC_NET_QUEUE_SIZE_MAX 256u
#define VC_NET_PENDING_MAX 64u
#define VC_NET_TX_LOG_MAX 256u
#define VC_NET_MAC_TABLE_MAX 64u
#define VC_NET_RSS_TABLE_MAX 4096u
/* Control command data the device reads (longer commands get ERR) */
#define VC_NET_CTRL_DATA_MAX 16384u
#define VC_NET_NCLASSES 6u
/* the responder's mac: locally administered, unicast */
#define VC_NET_RESPONDER_MAC { 0x02, 0x76, 0x63, 0x00, 0x00, 0x01 }

/* 5.1.2 queue numbers */
static inline uint16_t vc_net_rxq(uint32_t pair) { return (uint16_t)(2u * pair); }
static inline uint16_t vc_net_txq(uint32_t pair) { return (uint16_t)(2u * pair + 1u); }

struct vc_net_stats {
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_csum_completed;  /* NEEDS_CSUM frames the device completed */
	uint64_t tx_gso;             /* GSO frames accepted */
	uint64_t tx_flags_ignored;   /* DATA_VALID, RSC_INFO or unknown bits on TX */
	uint64_t tx_dropped;         /* oversized (> 65550 bytes) or link down */
	uint64_t tx_log_dropped;     /* not kept: the log was full */
	uint64_t rx_frames, rx_bytes, rx_buffers;
	uint64_t rx_filtered;        /* refused by the receive filter */
	uint64_t rx_dropped_nobuf;   /* did not fit the buffers */
	uint64_t rx_dropped_queue;   /* the pending queue was full, or not live */
	uint64_t rx_dropped_mtu;     /* non-GSO frame above mtu + 14 (MTU) */
	uint64_t rx_gso_dropped;     /* GSO type the driver does not take */
	uint64_t rx_runt;            /* shorter than an ethernet header */
	uint64_t ctrl_ok[VC_NET_NCLASSES];
	uint64_t ctrl_err[VC_NET_NCLASSES];
	uint64_t ctrl_unknown;       /* unknown class: ERR */
	uint64_t ctrl_malformed;     /* no writable ack byte: used len 0 */
	uint64_t config_writes;      /* driver writes to the read-only config */
	uint64_t responder_replies;  /* ARP and echo replies of the responder */
};

struct vc_net_state {
	bool live;
	bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
	bool uni_overflow, multi_overflow;  /* table larger than the device keeps */
	uint8_t mac[6];          /* the address the filter accepts */
	uint8_t config_mac[6];   /* mac in the configuration space */
	uint16_t status;
	uint16_t max_pairs;      /* pairs the device has */
	uint16_t rx_pairs;       /* receive queues in use (VQ_PAIRS_SET) */
	uint16_t tx_pairs;       /* transmit queues the driver may use */
	bool rss;                /* RSS_CONFIG in force */
	uint32_t rss_hash_types;
	uint16_t rss_mask, rss_unclassified, rss_max_tx;
	uint32_t n_uni, n_multi; /* MAC table entries kept */
	uint32_t n_vlans;
	uint64_t features;       /* negotiated */
	uint64_t offloads;       /* guest offloads in force */
	uint32_t pending[VC_NET_MAX_PAIRS]; /* frames waiting per receive queue */
	uint32_t tx_log;         /* frames waiting for vc_net_tx_pop */
};

/* What vc_net_tx_pop reports of a transmitted frame. */
struct vc_net_tx_info {
	uint16_t pair;
	uint8_t flags;     /* the header's flags as sent */
	uint8_t gso_type;
	uint16_t gso_size, hdr_len;
	uint16_t csum_start, csum_offset;
	bool csum_completed;
	uint32_t len;      /* the frame's full length */
};

/* A frame arriving from the wire for the guest; pair is the receive queue
 * to use in automatic steering (modulo the pairs in use; RSS decides by
 * itself; without MQ it is receiveq1). 0 when it passed the filter and was
 * queued or delivered, 1 when the filter refused it, -1 when it was dropped
 * (not live, runt, too long, queue full) or the arguments are bad. */
int vc_net_inject(void *dev, uint16_t pair, const void *frame, size_t len);
/* Put len raw bytes (header included, unchecked) into the next nbufs
 * buffers of receive queue q, filling each but the last, and publish them
 * together: for cases that play a misbehaving device. 0 or -1 (not live, no
 * such queue, not enough buffers: those taken go back with len 0). */
int vc_net_inject_raw(void *dev, uint16_t q, const void *data, size_t len, uint32_t nbufs);
/* The oldest transmitted frame: up to max bytes into dst, its info into
 * *info (may be NULL). Returns the frame length, or -1 when there is none. */
long vc_net_tx_pop(void *dev, struct vc_net_tx_info *info, void *dst, size_t max);
const struct vc_net_stats *vc_net_stats(void *dev);
int vc_net_state(void *dev, struct vc_net_state *st);
/* Entry i of the unicast (multicast false) or multicast table. 0 or -1. */
int vc_net_mac_entry(void *dev, bool multicast, uint32_t i, uint8_t mac[6]);
bool vc_net_vlan_allowed(void *dev, uint16_t vid);
/* Link state and announcements: update status, configuration change
 * notification. 0 or -1 (STATUS not offered, or GUEST_ANNOUNCE not
 * negotiated for announce). */
int vc_net_set_link(void *dev, bool up);
int vc_net_announce(void *dev);
/* Change speed and duplex (SPEED_DUPLEX offered), with a configuration
 * change notification. 0 or -1. */
int vc_net_set_speed(void *dev, uint32_t speed, uint8_t duplex);

#endif
