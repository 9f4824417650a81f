/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_* steps and net expectations (docs/spec-case-format.md, "net steps";
 * virtio-net, VIRTIO 1.2 5.1). Both structures are flat: case_set_free()
 * releases them with one free().
 */
#ifndef VIRTIOCHECK_CASE_NET_H
#define VIRTIOCHECK_CASE_NET_H

#include "case.h"

#define NET_CASE_BYTES 64u     /* raw header / control bytes */
#define NET_CASE_MACS 8u       /* addresses per MAC table */
#define NET_CASE_TABLE 64u     /* RSS table entries listed (repeated to table_len) */
#define NET_CASE_SEGS 8u
#define NET_CASE_COUNTERS 24u
#define NET_CASE_FRAME_MAX 65550u

enum net_op {
	/* the reference net driver */
	NO_ATTACH,      /* net_attach */
	NO_POLL,        /* net_poll */
	NO_SEND,        /* net_send */
	NO_RECV,        /* net_recv */
	NO_RX_MODE,     /* net_rx_mode */
	NO_MAC_TABLE,   /* net_mac_table */
	NO_SET_MAC,     /* net_set_mac */
	NO_VLAN,        /* net_vlan */
	NO_ANNOUNCE_ACK,/* net_announce_ack */
	NO_PAIRS,       /* net_pairs */
	NO_RSS,         /* net_rss */
	NO_OFFLOADS,    /* net_offloads */
	NO_QUEUE_RESET, /* net_queue_reset */
	/* a misbehaving driver */
	NO_CTRL_RAW,    /* net_ctrl_raw */
	NO_SEND_RAW,    /* net_send_raw */
	NO_SUBMIT,      /* net_submit */
	/* the device's host end, and a misbehaving device */
	NO_INJECT,      /* net_inject */
	NO_INJECT_RAW,  /* net_inject_raw */
	NO_LINK,        /* net_link */
	NO_ANNOUNCE,    /* net_announce */
	NO_SPEED,       /* net_speed */
};

enum net_frame_kind { NF_PLAIN, NF_TCP4, NF_UDP4, NF_ICMP4, NF_ARP, NF_TCP6 };

/* A test frame: ethernet header (dst, a fixed source, ethertype by kind,
 * an 802.1Q tag when vlan is set), then kind's headers and a pattern. */
struct net_frame_spec {
	uint32_t len;
	bool has_dst;
	uint8_t dst[6];
	uint8_t kind;
	bool has_vlan;
	uint16_t vlan;
	uint8_t seed;
};

/* Expected control results: an ack, or what the device did without one. */
enum net_ack { NA_OK = 0, NA_ERR = 1, NA_EMPTY = 2, NA_NONE = 3 };

/* inject results */
enum net_inject_result { NI_QUEUED, NI_FILTERED, NI_DROPPED };

struct step_net {
	enum net_op op;
	bool expect_fail;
	uint16_t pair, queue;
	struct net_frame_spec f;
	/* send options */
	bool csum;
	uint16_t csum_start, csum_offset;
	uint8_t gso_type;
	uint16_t gso_size, hdr_len;
	/* recv checks */
	bool expect_none, same;
	bool has_flags, has_gso, has_nb, has_rpair, has_len;
	uint8_t flags, gso;
	uint16_t nb, rpair;
	uint32_t len;
	/* control */
	uint8_t mode;
	bool on;
	uint32_t n_uni, n_multi;
	uint8_t uni[NET_CASE_MACS][6], multi[NET_CASE_MACS][6];
	uint8_t mac[6];
	uint16_t vid;
	uint16_t pairs;
	uint32_t hash_types;
	uint16_t table_len, n_table;
	uint16_t table[NET_CASE_TABLE];
	uint16_t unclassified, max_tx_vq;
	uint8_t key_len;
	uint64_t offloads;
	bool has_ack;
	uint8_t ack;                  /* enum net_ack */
	/* raw */
	uint32_t n_bytes;
	uint8_t bytes[NET_CASE_BYTES];
	uint32_t ack_len;
	uint32_t nbufs;
	unsigned n_out, n_in;
	struct case_seg out[NET_CASE_SEGS], in[NET_CASE_SEGS];
	bool indirect;
	/* host end */
	bool up;
	uint32_t speed;
	uint8_t duplex;
	bool has_result;
	uint8_t result;               /* enum net_inject_result */
};

/* A counter of the device's or the driver's state or statistics. */
struct net_counter {
	uint8_t which;                /* enum in exec_net.c, names in case_load_net.c */
	struct case_cmp cmp;
};

struct expect_net {
	/* the oldest transmitted frame, taken off the device's log */
	bool has_tx, tx_none, tx_same;
	bool has_tx_len, has_tx_pair, has_tx_csum, has_tx_gso;
	uint32_t tx_len;
	uint16_t tx_pair;
	bool tx_csum_completed;
	uint8_t tx_gso;
	bool has_mac, has_config_mac;
	uint8_t mac[6], config_mac[6];
	unsigned n_state, n_dev, n_drv;
	struct net_counter state[NET_CASE_COUNTERS];  /* device state */
	struct net_counter dev[NET_CASE_COUNTERS];    /* device statistics */
	struct net_counter drv[NET_CASE_COUNTERS];    /* driver statistics and view */
};

/* Counter names (case_load_net.c) and their indices (exec_net.c). */
extern const char *const net_state_names[];
extern const char *const net_dev_stat_names[];
extern const char *const net_drv_stat_names[];

#endif
