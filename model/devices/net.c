// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-net device (VIRTIO 1.2 5.1), a user of the vc_device_ops ABI. See
 * net.h for the host end and the arguments.
 *
 * Queues follow 5.1.2; the ops expose VC_NET_NUM_QUEUES and the control
 * queue is 2N, N being max_virtqueue_pairs with MQ or RSS negotiated and 1
 * otherwise. No element is kept across calls: receive buffers are taken
 * only when a frame is waiting, and a frame needing more buffers than are
 * available is dropped at once.
 *
 * What the driver does wrong goes to the host's fail() citing the
 * drivernormative label it breaks: transmit headers (5.1.6.2.1), receive
 * buffers (5.1.6.3.1), control commands whose feature was not negotiated or
 * whose data breaks the command's MUSTs (5.1.6.5). A command that is only
 * invalid (unknown class or command, bad length, VLAN id >= 4096) is
 * answered VIRTIO_NET_ERR.
 */
#include <stdlib.h>
#include <string.h>

#include "dev_args.h"
#include "devices.h"
#include "net.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define NET_MAGIC 0x6e657430u
#define NET_PENDING_BYTES (8u << 20)
#define NET_TX_LOG_BYTES (8u << 20)
/* receive buffers one frame may take with MRG_RXBUF, and their segments */
#define NET_RX_ELEMS VC_NET_QUEUE_SIZE_MAX
#define NET_RX_SEGS 4096u
#define NET_VLANS 4096u
#define NET_KEY_MAX 255u

/* 5.1.4 */
struct virtio_net_config {
	uint8_t mac[6];
	le16 status;
	le16 max_virtqueue_pairs;
	le16 mtu;
	le32 speed;
	uint8_t duplex;
	uint8_t rss_max_key_size;
	le16 rss_max_indirection_table_length;
	le32 supported_hash_types;
} __attribute__((packed));

/* 5.1.6 */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	le16 hdr_len;
	le16 gso_size;
	le16 csum_start;
	le16 csum_offset;
	le16 num_buffers;
};

_Static_assert(sizeof(struct virtio_net_config) == VIRTIO_NET_CFG_SIZE, "config");
_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_SIZE, "hdr");
_Static_assert(VC_NET_NUM_QUEUES <= 64, "queues");

struct net_pkt {
	struct net_pkt *next;
	struct virtio_net_hdr hdr; /* num_buffers filled at delivery */
	uint32_t len;
	uint8_t data[];
};

struct net_txrec {
	struct net_txrec *next;
	struct vc_net_tx_info info;
	uint8_t data[];
};

struct net_rxq {
	struct net_pkt *head, *tail;
	uint32_t n;
};

struct net_dev {
	uint32_t magic;
	const struct vc_host_ops *host;
	void *h;

	/* what the host configured */
	uint64_t offer;
	uint8_t cfg_mac[6];
	uint16_t mtu;
	uint32_t speed;
	uint8_t duplex;
	uint16_t status;
	uint16_t max_pairs, cfg_max_pairs;
	uint8_t rss_max_key;
	uint16_t rss_max_table;
	uint32_t hash_types_supported;
	bool loopback;
	bool responder;             /* answer ARP and ICMP echo for responder_ip */
	uint8_t responder_ip[4];

	/* what the driver set up */
	uint64_t features;
	bool live;
	uint8_t mac[6], config_mac[6];
	bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
	uint8_t uni[VC_NET_MAC_TABLE_MAX][6], multi[VC_NET_MAC_TABLE_MAX][6];
	uint32_t n_uni, n_multi;
	bool uni_overflow, multi_overflow;
	uint8_t vlans[NET_VLANS / 8];
	uint64_t offloads;
	uint16_t rx_pairs, tx_pairs;
	bool rss;
	uint32_t rss_hash_types;
	uint16_t rss_mask, rss_unclassified, rss_max_tx;
	uint16_t rss_table[VC_NET_RSS_TABLE_MAX];
	uint8_t rss_key[NET_KEY_MAX];
	uint8_t rss_key_len;

	/* the wire */
	struct net_rxq rxq[VC_NET_MAX_PAIRS];
	uint64_t pending_bytes;
	struct net_txrec *log_head, *log_tail;
	uint32_t log_n;
	uint64_t log_bytes;
	uint8_t *frame, *frame2;          /* VIRTIO_NET_MAX_GSO_FRAME each */
	uint8_t *ctrl;                    /* VC_NET_CTRL_DATA_MAX */
	struct vc_elem rx_elems[NET_RX_ELEMS];
	struct vc_seg rx_segs[NET_RX_SEGS];
	struct vc_net_stats stats;
};

static bool has(const struct net_dev *d, unsigned bit)
{
	return d->features & VIRTIO_BIT(bit);
}

static struct net_dev *net_of(void *dev)
{
	struct net_dev *d = dev;

	return d && d->magic == NET_MAGIC ? d : NULL;
}

/* Pairs the queue numbering uses (5.1.2). */
static uint16_t layout_pairs(const struct net_dev *d)
{
	if (has(d, VIRTIO_NET_F_MQ) || has(d, VIRTIO_NET_F_RSS))
		return d->max_pairs;
	return 1;
}

static uint16_t ctrlq(const struct net_dev *d)
{
	return (uint16_t)(2u * layout_pairs(d));
}

/* ------------------------------------------------------------ arguments */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	int i;

	if (strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static const struct {
	const char *key;
	unsigned bit;
	bool dflt;
} feature_keys[] = {
	{ "csum", VIRTIO_NET_F_CSUM, true },
	{ "guest_csum", VIRTIO_NET_F_GUEST_CSUM, true },
	{ "ctrl_guest_offloads", VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, true },
	{ "mac_feature", VIRTIO_NET_F_MAC, true },
	{ "guest_tso4", VIRTIO_NET_F_GUEST_TSO4, false },
	{ "guest_tso6", VIRTIO_NET_F_GUEST_TSO6, false },
	{ "guest_ecn", VIRTIO_NET_F_GUEST_ECN, false },
	{ "guest_ufo", VIRTIO_NET_F_GUEST_UFO, false },
	{ "host_tso4", VIRTIO_NET_F_HOST_TSO4, false },
	{ "host_tso6", VIRTIO_NET_F_HOST_TSO6, false },
	{ "host_ecn", VIRTIO_NET_F_HOST_ECN, false },
	{ "host_ufo", VIRTIO_NET_F_HOST_UFO, false },
	{ "mrg_rxbuf", VIRTIO_NET_F_MRG_RXBUF, true },
	{ "status", VIRTIO_NET_F_STATUS, true },
	{ "ctrl_vq", VIRTIO_NET_F_CTRL_VQ, true },
	{ "ctrl_rx", VIRTIO_NET_F_CTRL_RX, true },
	{ "ctrl_vlan", VIRTIO_NET_F_CTRL_VLAN, true },
	{ "ctrl_rx_extra", VIRTIO_NET_F_CTRL_RX_EXTRA, true },
	{ "guest_announce", VIRTIO_NET_F_GUEST_ANNOUNCE, true },
	{ "mq", VIRTIO_NET_F_MQ, false },
	{ "ctrl_mac_addr", VIRTIO_NET_F_CTRL_MAC_ADDR, true },
	{ "rss", VIRTIO_NET_F_RSS, false },
};
#define N_FEATURE_KEYS (sizeof(feature_keys) / sizeof(feature_keys[0]))

enum {
	A_MAC, A_MTU, A_SPEED, A_DUPLEX, A_LINK, A_ANNOUNCE, A_PAIRS, A_CFG_PAIRS, A_KEY,
	A_TABLE, A_HASH, A_LOOPBACK, A_RESPONDER, A_COUNT
};

/* A dotted-quad unicast IPv4 address: four decimal parts 0..255 without
 * leading zeros; not 0.0.0.0, not multicast, not broadcast. 0 or -1. */
static int parse_ipv4(const char *s, uint8_t ip[4])
{
	int part, digits;
	unsigned v;

	for (part = 0; part < 4; part++) {
		v = 0;
		for (digits = 0; s[digits] >= '0' && s[digits] <= '9'; digits++) {
			if (digits == 3 || (digits == 1 && s[0] == '0'))
				return -1;
			v = v * 10 + (unsigned)(s[digits] - '0');
		}
		if (digits == 0 || v > 255)
			return -1;
		ip[part] = (uint8_t)v;
		s += digits;
		if (*s != (part < 3 ? '.' : '\0'))
			return -1;
		s++;
	}
	if ((ip[0] | ip[1] | ip[2] | ip[3]) == 0 || ip[0] >= 224)
		return -1;
	return 0;
}

static int parse_args(struct net_dev *d, const char *args)
{
	static const char *const keys[A_COUNT] = {
		"mac", "mtu", "speed", "duplex", "link", "announce", "max_queue_pairs",
		"cfg_max_pairs", "rss_max_key_size", "rss_max_indirection_table_length",
		"supported_hash_types", "loopback", "responder",
	};
	bool seen[A_COUNT] = { false }, fseen[N_FEATURE_KEYS] = { false };
	bool on, speed_dup = false, cfg_pairs_set = false;
	char *copy, *tok, *rest;
	uint64_t v;
	size_t f;
	int rc = -1, k;

	static const uint8_t dflt_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memcpy(d->cfg_mac, dflt_mac, 6);
	d->speed = 1000;
	d->duplex = VIRTIO_NET_DUPLEX_FULL;
	d->status = VIRTIO_NET_S_LINK_UP;
	d->max_pairs = 1;
	d->rss_max_key = VIRTIO_NET_RSS_MIN_KEY;
	d->rss_max_table = VIRTIO_NET_RSS_MIN_TABLE;
	d->hash_types_supported = 0x3f;
	d->loopback = true;
	for (f = 0; f < N_FEATURE_KEYS; f++)
		if (feature_keys[f].dflt)
			d->offer |= VIRTIO_BIT(feature_keys[f].bit);
	if (!args || !*args)
		goto done;
	copy = strdup(args);
	if (!copy)
		return -1;
	rest = copy;
	while ((tok = strsep(&rest, ",")) != NULL) {
		char *val = strchr(tok, '=');

		if (!val)
			goto out;
		*val++ = '\0';
		for (f = 0; f < N_FEATURE_KEYS; f++)
			if (strcmp(tok, feature_keys[f].key) == 0)
				break;
		if (f < N_FEATURE_KEYS) {
			if (fseen[f] || dev_arg_onoff(val, &on) != 0)
				goto out;
			fseen[f] = true;
			if (on)
				d->offer |= VIRTIO_BIT(feature_keys[f].bit);
			else
				d->offer &= ~VIRTIO_BIT(feature_keys[f].bit);
			continue;
		}
		for (k = 0; k < A_COUNT; k++)
			if (strcmp(tok, keys[k]) == 0)
				break;
		if (k == A_COUNT || seen[k])
			goto out;
		seen[k] = true;
		switch (k) {
		case A_MAC:
			if (parse_mac(val, d->cfg_mac) != 0)
				goto out;
			break;
		case A_MTU:
			if (dev_arg_u64(val, 0xffff, &v) != 0)
				goto out;
			d->mtu = (uint16_t)v;
			d->offer |= VIRTIO_BIT(VIRTIO_NET_F_MTU);
			break;
		case A_SPEED:
			if (dev_arg_u64(val, 0xffffffffu, &v) != 0)
				goto out;
			d->speed = (uint32_t)v;
			speed_dup = true;
			break;
		case A_DUPLEX:
			if (dev_arg_u64(val, 0xff, &v) != 0)
				goto out;
			d->duplex = (uint8_t)v;
			speed_dup = true;
			break;
		case A_LINK:
			if (strcmp(val, "up") == 0)
				d->status |= VIRTIO_NET_S_LINK_UP;
			else if (strcmp(val, "down") == 0)
				d->status &= (uint16_t)~VIRTIO_NET_S_LINK_UP;
			else
				goto out;
			break;
		case A_ANNOUNCE:
			if (dev_arg_onoff(val, &on) != 0)
				goto out;
			if (on)
				d->status |= VIRTIO_NET_S_ANNOUNCE;
			break;
		case A_PAIRS:
			if (dev_arg_u64(val, VC_NET_MAX_PAIRS, &v) != 0 || v == 0)
				goto out;
			d->max_pairs = (uint16_t)v;
			break;
		case A_CFG_PAIRS:
			if (dev_arg_u64(val, 0xffff, &v) != 0)
				goto out;
			d->cfg_max_pairs = (uint16_t)v;
			cfg_pairs_set = true;
			break;
		case A_KEY:
			if (dev_arg_u64(val, 0xff, &v) != 0)
				goto out;
			d->rss_max_key = (uint8_t)v;
			break;
		case A_TABLE:
			if (dev_arg_u64(val, VC_NET_RSS_TABLE_MAX, &v) != 0)
				goto out;
			d->rss_max_table = (uint16_t)v;
			break;
		case A_HASH:
			if (dev_arg_u64(val, 0x1ff, &v) != 0)
				goto out;
			d->hash_types_supported = (uint32_t)v;
			break;
		case A_LOOPBACK:
			if (dev_arg_onoff(val, &d->loopback) != 0)
				goto out;
			break;
		case A_RESPONDER:
			if (parse_ipv4(val, d->responder_ip) != 0)
				goto out;
			d->responder = true;
			break;
		}
	}
	rc = 0;
out:
	free(copy);
	if (rc != 0)
		return -1;
	/* mq defaults to "more than one pair" */
	for (f = 0; f < N_FEATURE_KEYS; f++)
		if (feature_keys[f].bit == VIRTIO_NET_F_MQ && !fseen[f] && d->max_pairs > 1)
			d->offer |= VIRTIO_BIT(VIRTIO_NET_F_MQ);
	if (speed_dup)
		d->offer |= VIRTIO_BIT(VIRTIO_NET_F_SPEED_DUPLEX);
	if (!cfg_pairs_set)
		d->cfg_max_pairs = d->max_pairs;
	/* the control features need the control queue offered (5.1.3.1) */
	if (!(d->offer & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		d->offer &= ~(VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) |
			      VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX_EXTRA) |
			      VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) |
			      VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) |
			      VIRTIO_BIT(VIRTIO_NET_F_RSS) |
			      VIRTIO_BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS));
	if (d->max_pairs > 1 && !(d->offer & (VIRTIO_BIT(VIRTIO_NET_F_MQ) |
					      VIRTIO_BIT(VIRTIO_NET_F_RSS))))
		return -1;
	return 0;
done:
	d->cfg_max_pairs = d->max_pairs;
	return 0;
}

/* ---------------------------------------------------------- wire queues */

static void rxq_clear(struct net_dev *d)
{
	uint32_t p;

	for (p = 0; p < VC_NET_MAX_PAIRS; p++) {
		struct net_pkt *k = d->rxq[p].head, *n;

		for (; k; k = n) {
			n = k->next;
			free(k);
		}
		d->rxq[p].head = d->rxq[p].tail = NULL;
		d->rxq[p].n = 0;
	}
	d->pending_bytes = 0;
}

static void log_clear(struct net_dev *d)
{
	struct net_txrec *r = d->log_head, *n;

	for (; r; r = n) {
		n = r->next;
		free(r);
	}
	d->log_head = d->log_tail = NULL;
	d->log_n = 0;
	d->log_bytes = 0;
}

static bool is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

static bool is_broadcast(const uint8_t *mac)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return memcmp(mac, bc, 6) == 0;
}

static bool vlan_on(const struct net_dev *d, uint16_t vid)
{
	return vid < NET_VLANS && (d->vlans[vid / 8] & (1u << (vid % 8)));
}

/* The receive filter (5.1.6.5.1, 5.1.6.5.2, 5.1.6.5.3), applied only when
 * CTRL_RX is negotiated: without it the driver has no way to set one up. */
static bool filter_pass(const struct net_dev *d, const uint8_t *f, uint32_t len)
{
	const uint8_t *dst = f;
	uint32_t i;

	if (has(d, VIRTIO_NET_F_CTRL_VLAN) && len >= 18 && f[12] == 0x81 && f[13] == 0x00) {
		uint16_t vid = (uint16_t)(((f[14] << 8) | f[15]) & 0xfff);

		if (!d->promisc && !vlan_on(d, vid))
			return false;
	}
	if (!has(d, VIRTIO_NET_F_CTRL_RX) || d->promisc)
		return true;
	if (is_broadcast(dst))
		return !d->nobcast;
	if (is_multicast(dst)) {
		if (d->nomulti)
			return false;
		if (d->allmulti || d->multi_overflow)
			return true;
		for (i = 0; i < d->n_multi; i++)
			if (memcmp(d->multi[i], dst, 6) == 0)
				return true;
		return false;
	}
	if (d->nouni)
		return false;
	if (d->alluni || d->uni_overflow || memcmp(d->mac, dst, 6) == 0)
		return true;
	for (i = 0; i < d->n_uni; i++)
		if (memcmp(d->uni[i], dst, 6) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ RSS */

static uint32_t toeplitz(const uint8_t *key, uint32_t klen, const uint8_t *in, uint32_t n)
{
	uint32_t hash = 0, win = 0, i, b;

	/* the 32-bit window starts with the key's first four bytes */
	for (i = 0; i < 4; i++)
		win = win << 8 | (i < klen ? key[i] : 0);
	for (i = 0; i < n; i++) {
		uint8_t next = i + 4 < klen ? key[i + 4] : 0;

		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80u >> b))
				hash ^= win;
			win = win << 1 | ((next >> (7 - b)) & 1u);
		}
	}
	return hash;
}

/* Hash of the frame per 5.1.6.4.3 for the enabled types (IPv4 and IPv6
 * without extension headers, TCP and UDP ports); false when none applies. */
static bool rss_hash(const struct net_dev *d, const uint8_t *f, uint32_t len, uint32_t *hash)
{
	uint32_t t = d->rss_hash_types, l3 = VIRTIO_NET_ETH_HLEN, n = 0, l4 = 0;
	uint16_t etype;
	uint8_t in[36], proto = 0;
	bool ports = false;

	if (len < VIRTIO_NET_ETH_HLEN)
		return false;
	etype = (uint16_t)(f[12] << 8 | f[13]);
	if (etype == 0x8100 && len >= 18) {
		etype = (uint16_t)(f[16] << 8 | f[17]);
		l3 = 18;
	}
	if (etype == 0x0800 && len >= l3 + 20) {
		uint32_t ihl = (f[l3] & 0xfu) * 4u;
		bool frag = ((f[l3 + 6] & 0x3fu) | f[l3 + 7]) != 0;

		if ((f[l3] >> 4) != 4 || ihl < 20 || len < l3 + ihl)
			return false;
		proto = f[l3 + 9];
		memcpy(in, f + l3 + 12, 8);
		n = 8;
		l4 = l3 + ihl;
		if (!frag && ((proto == 6 && (t & VIRTIO_NET_HASH_TYPE_TCPv4)) ||
			      (proto == 17 && (t & VIRTIO_NET_HASH_TYPE_UDPv4))))
			ports = true;
		else if (!(t & VIRTIO_NET_HASH_TYPE_IPv4))
			return false;
	} else if (etype == 0x86dd && len >= l3 + 40) {
		if ((f[l3] >> 4) != 6)
			return false;
		proto = f[l3 + 6];
		memcpy(in, f + l3 + 8, 32);
		n = 32;
		l4 = l3 + 40;
		if ((proto == 6 && (t & VIRTIO_NET_HASH_TYPE_TCPv6)) ||
		    (proto == 17 && (t & VIRTIO_NET_HASH_TYPE_UDPv6)))
			ports = true;
		else if (!(t & VIRTIO_NET_HASH_TYPE_IPv6))
			return false;
	} else {
		return false;
	}
	if (ports) {
		if (len < l4 + 4)
			return false;
		memcpy(in + n, f + l4, 4);
		n += 4;
	}
	*hash = toeplitz(d->rss_key, d->rss_key_len, in, n);
	return true;
}

/* The receive queue (pair) a frame goes to. */
static uint16_t steer(const struct net_dev *d, const uint8_t *f, uint32_t len, uint16_t hint)
{
	uint32_t hash;
	uint16_t q;

	if (d->rss) {
		/* devicenormative: RSS processing -- the hash indexes the
		 * indirection table through the mask; no hash: unclassified */
		if (rss_hash(d, f, len, &hash))
			q = d->rss_table[hash & d->rss_mask];
		else
			q = d->rss_unclassified;
		return q < d->max_pairs ? q : 0;
	}
	/* devicenormative: Automatic receive steering -- receiveq1 only after
	 * reset, nothing above virtqueue_pairs after VQ_PAIRS_SET */
	if (d->rx_pairs <= 1)
		return 0;
	return (uint16_t)(hint % d->rx_pairs);
}

/* -------------------------------------------------------------- receive */

static bool elem_copy(struct net_dev *d, const struct vc_elem *e, uint32_t *nsegs,
		      struct vc_elem *out)
{
	uint32_t n = e->n_readable + e->n_writable;

	if (n > NET_RX_SEGS - *nsegs)
		return false;
	memcpy(&d->rx_segs[*nsegs], e->segs, n * sizeof(struct vc_seg));
	*out = *e;
	out->segs = &d->rx_segs[*nsegs];
	*nsegs += n;
	return true;
}

enum rx_result { RX_DONE, RX_WAIT, RX_FAILED };

/* Deliver one frame (hdr + bytes) into buffers of queue q. RX_WAIT: no
 * buffer at all (the frame stays queued). */
static enum rx_result rx_one(struct net_dev *d, uint16_t q, struct virtio_net_hdr hdr,
			     const uint8_t *bytes, uint32_t len, uint32_t max_bufs, bool raw)
{
	bool mrg = has(d, VIRTIO_NET_F_MRG_RXBUF) || raw;
	uint64_t need = raw ? len : (uint64_t)VIRTIO_NET_HDR_SIZE + len, have = 0, off;
	uint32_t n = 0, nsegs = 0, i;
	struct vc_elem e;

	if (!mrg)
		max_bufs = 1;
	/* raw: exactly max_bufs buffers; else until the frame fits */
	while (n < max_bufs && (raw || n == 0 || have < need)) {
		int rc = d->host->queue_pop(d->h, q, &e);

		if (rc != VC_POP_OK) {
			if (rc == VC_POP_BROKEN)
				return RX_FAILED;
			break;
		}
		/* drivernormative: Setting Up Receive Buffers -- a receive
		 * buffer is device-writable, and with MRG_RXBUF at least a
		 * header long */
		if (e.n_readable) {
			d->host->fail(d->h, CL_DRV_NET_RXBUF,
				      "receive buffer with a device-readable part");
			return RX_FAILED;
		}
		if (has(d, VIRTIO_NET_F_MRG_RXBUF) && e.writable_bytes < VIRTIO_NET_HDR_SIZE) {
			d->host->fail(d->h, CL_DRV_NET_RXBUF,
				      "MRG_RXBUF receive buffer shorter than struct virtio_net_hdr");
			return RX_FAILED;
		}
		if (!elem_copy(d, &e, &nsegs, &d->rx_elems[n])) {
			/* no room to remember it: give it back unused */
			d->host->queue_push(d->h, q, &e, 0);
			break;
		}
		have += e.writable_bytes;
		n++;
	}
	if (n == 0)
		return RX_WAIT;
	if (have < need || (raw && n < max_bufs)) {
		for (i = 0; i < n; i++)
			d->host->queue_push(d->h, q, &d->rx_elems[i], 0);
		d->host->queue_flush(d->h, q);
		d->stats.rx_dropped_nobuf++;
		return RX_DONE;
	}
	/* devicenormative: Setting Up Receive Buffers / Processing of Incoming
	 * Packets -- num_buffers is the count of buffers the packet spans (1
	 * without MRG_RXBUF); all but the last are filled completely */
	off = 0;
	for (i = 0; i < n; i++) {
		const struct vc_elem *b = &d->rx_elems[i];
		uint64_t room = b->writable_bytes, put = 0, w;
		uint32_t written;

		if (i == 0 && !raw) {
			hdr.num_buffers = cpu_to_le16((uint16_t)n);
			w = d->host->elem_write(d->h, b, 0, &hdr, sizeof(hdr));
			put = w;
			if (w < sizeof(hdr))
				goto short_write;
		}
		if (room - put > len - off) {
			w = d->host->elem_write(d->h, b, put, bytes + off, len - off);
		} else {
			w = d->host->elem_write(d->h, b, put, bytes + off, room - put);
		}
		off += w;
		put += w;
short_write:
		written = (uint32_t)put;
		d->host->queue_push(d->h, q, b, written);
	}
	d->host->queue_flush(d->h, q);
	d->stats.rx_buffers += n;
	if (!raw) {
		d->stats.rx_frames++;
		d->stats.rx_bytes += len;
	}
	return RX_DONE;
}

static void rx_deliver(struct net_dev *d, uint16_t pair)
{
	struct net_rxq *rq = &d->rxq[pair];

	if (!d->live || pair >= d->max_pairs)
		return;
	while (rq->head) {
		struct net_pkt *k = rq->head;
		enum rx_result r = rx_one(d, vc_net_rxq(pair), k->hdr, k->data, k->len,
					  NET_RX_ELEMS, false);

		if (r != RX_DONE)
			return;
		rq->head = k->next;
		if (!rq->head)
			rq->tail = NULL;
		rq->n--;
		d->pending_bytes -= k->len;
		free(k);
	}
}

/* Guest offloads in force for RX: negotiated and not switched off. */
static bool rx_offload(const struct net_dev *d, unsigned bit)
{
	return (d->offloads & VIRTIO_BIT(bit)) != 0;
}

/* A frame for the guest: filter, MTU and GSO rules, steering, queueing.
 * 0 queued, 1 filtered, -1 dropped. */
static int rx_arrive(struct net_dev *d, uint16_t hint, struct virtio_net_hdr hdr,
		     const uint8_t *f, uint32_t len)
{
	uint8_t gso = hdr.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	struct net_pkt *k;
	uint16_t pair;

	if (!d->live) {
		d->stats.rx_dropped_queue++;
		return -1;
	}
	if (len < VIRTIO_NET_ETH_HLEN) {
		d->stats.rx_runt++;
		return -1;
	}
	if (!filter_pass(d, f, len)) {
		d->stats.rx_filtered++;
		return 1;
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		bool ok = (gso == VIRTIO_NET_HDR_GSO_TCPV4 && rx_offload(d, VIRTIO_NET_F_GUEST_TSO4)) ||
			  (gso == VIRTIO_NET_HDR_GSO_TCPV6 && rx_offload(d, VIRTIO_NET_F_GUEST_TSO6)) ||
			  (gso == VIRTIO_NET_HDR_GSO_UDP && rx_offload(d, VIRTIO_NET_F_GUEST_UFO));

		/* devicenormative: Processing of Incoming Packets -- GSO types
		 * only as negotiated, ECN only with GUEST_ECN */
		if ((hdr.gso_type & VIRTIO_NET_HDR_GSO_ECN) && !rx_offload(d, VIRTIO_NET_F_GUEST_ECN))
			ok = false;
		if (!ok || !rx_offload(d, VIRTIO_NET_F_GUEST_CSUM)) {
			d->stats.rx_gso_dropped++;
			return -1;
		}
	} else {
		hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
		hdr.gso_size = cpu_to_le16(0);
		/* devicenormative: Device configuration layout -- no non-GSO
		 * frame above mtu + the ethernet header with MTU */
		if (has(d, VIRTIO_NET_F_MTU) && len > (uint32_t)d->mtu + VIRTIO_NET_ETH_HLEN) {
			d->stats.rx_dropped_mtu++;
			return -1;
		}
	}
	/* devicenormative: Processing of Incoming Packets -- flags 0 without
	 * GUEST_CSUM; never RSC_INFO (RSC_EXT is not offered) */
	if (!rx_offload(d, VIRTIO_NET_F_GUEST_CSUM))
		hdr.flags = 0;
	hdr.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	if (!(hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		hdr.csum_start = cpu_to_le16(0);
		hdr.csum_offset = cpu_to_le16(0);
	}
	pair = steer(d, f, len, hint);
	if (d->rxq[pair].n >= VC_NET_PENDING_MAX || d->pending_bytes + len > NET_PENDING_BYTES) {
		d->stats.rx_dropped_queue++;
		return -1;
	}
	k = malloc(sizeof(*k) + len);
	if (!k) {
		d->stats.rx_dropped_queue++;
		return -1;
	}
	k->next = NULL;
	k->hdr = hdr;
	k->len = len;
	memcpy(k->data, f, len);
	if (d->rxq[pair].tail)
		d->rxq[pair].tail->next = k;
	else
		d->rxq[pair].head = k;
	d->rxq[pair].tail = k;
	d->rxq[pair].n++;
	d->pending_bytes += len;
	rx_deliver(d, pair);
	return 0;
}

/* ------------------------------------------------------------- transmit */

static uint16_t csum_fold(const uint8_t *p, uint32_t n)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void tx_log(struct net_dev *d, const struct vc_net_tx_info *info, const uint8_t *f)
{
	struct net_txrec *r;

	if (d->log_n >= VC_NET_TX_LOG_MAX || d->log_bytes + info->len > NET_TX_LOG_BYTES) {
		d->stats.tx_log_dropped++;
		return;
	}
	r = malloc(sizeof(*r) + info->len);
	if (!r) {
		d->stats.tx_log_dropped++;
		return;
	}
	r->next = NULL;
	r->info = *info;
	memcpy(r->data, f, info->len);
	if (d->log_tail)
		d->log_tail->next = r;
	else
		d->log_head = r;
	d->log_tail = r;
	d->log_n++;
	d->log_bytes += info->len;
}

/* ------------------------------------------------------------ responder */

static const uint8_t responder_mac[6] = VC_NET_RESPONDER_MAC;

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An ARP request (ethernet, IPv4) for the responder's address: the reply
 * into r. Its length, or 0 when f is no such request. */
static uint32_t arp_reply(const struct net_dev *d, const uint8_t *f, uint32_t len, uint8_t *r)
{
	static const uint8_t arp_reply_hdr[8] = { 0, 1, 0x08, 0x00, 6, 4, 0, 2 };

	if (len < 42 || be16_at(f + 14) != 1 || be16_at(f + 16) != 0x0800 || f[18] != 6 ||
	    f[19] != 4 || be16_at(f + 20) != 1 || memcmp(f + 38, d->responder_ip, 4) != 0)
		return 0;
	memcpy(r, f + 22, 6);
	memcpy(r + 6, responder_mac, 6);
	put_be16(r + 12, 0x0806);
	memcpy(r + 14, arp_reply_hdr, 8);
	memcpy(r + 22, responder_mac, 6);
	memcpy(r + 28, d->responder_ip, 4);
	memcpy(r + 32, f + 22, 10); /* the requester's mac and address */
	return 42;
}

/* An ICMP echo request to the responder's address, unfragmented and with
 * both checksums right: the echo reply into r. Its length, or 0. */
static uint32_t echo_reply(const struct net_dev *d, const uint8_t *f, uint32_t len, uint8_t *r)
{
	const uint8_t *ip = f + VIRTIO_NET_ETH_HLEN;
	uint32_t ihl, tot;
	uint8_t *rip, *ricmp;

	if (len < VIRTIO_NET_ETH_HLEN + 28u || ip[0] >> 4 != 4)
		return 0;
	ihl = 4u * (ip[0] & 0xfu);
	tot = be16_at(ip + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > len - VIRTIO_NET_ETH_HLEN ||
	    (be16_at(ip + 6) & 0x3fffu) != 0 || ip[9] != 1 ||
	    memcmp(ip + 16, d->responder_ip, 4) != 0 || ip[ihl] != 8 || ip[ihl + 1] != 0 ||
	    csum_fold(ip, ihl) != 0xffff || csum_fold(ip + ihl, tot - ihl) != 0xffff)
		return 0;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, responder_mac, 6);
	put_be16(r + 12, 0x0800);
	rip = r + VIRTIO_NET_ETH_HLEN;
	memcpy(rip, ip, tot);
	memcpy(rip + 12, ip + 16, 4);
	memcpy(rip + 16, ip + 12, 4);
	rip[8] = 64; /* ttl */
	put_be16(rip + 10, 0);
	put_be16(rip + 10, (uint16_t)~csum_fold(rip, ihl));
	ricmp = rip + ihl;
	ricmp[0] = 0; /* echo reply */
	put_be16(ricmp + 2, 0);
	put_be16(ricmp + 2, (uint16_t)~csum_fold(ricmp, tot - ihl));
	return VIRTIO_NET_ETH_HLEN + tot;
}

/* The host end's one neighbour: a frame the guest sent (f, checksums
 * complete) that asks the responder's address gets its answer, arriving
 * like any frame from the wire. Builds the answer in d->frame. */
static void respond(struct net_dev *d, uint16_t pair, const uint8_t *f, uint32_t len)
{
	const struct virtio_net_hdr none = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	uint32_t n = 0;

	if (len < VIRTIO_NET_ETH_HLEN)
		return;
	if (be16_at(f + 12) == 0x0806)
		n = arp_reply(d, f, len, d->frame);
	else if (be16_at(f + 12) == 0x0800)
		n = echo_reply(d, f, len, d->frame);
	if (n && rx_arrive(d, pair, none, d->frame, n) == 0)
		d->stats.responder_replies++;
}

static bool gso_allowed(const struct net_dev *d, uint8_t gso)
{
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has(d, VIRTIO_NET_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has(d, VIRTIO_NET_F_HOST_TSO6);
	case VIRTIO_NET_HDR_GSO_UDP:
		return has(d, VIRTIO_NET_F_HOST_UFO);
	default:
		return false; /* UDP_L4 needs HOST_USO, never offered */
	}
}

/* One transmit buffer; -1 once the device failed. */
static int tx_one(struct net_dev *d, uint16_t pair, const struct vc_elem *e)
{
	struct virtio_net_hdr h;
	struct vc_net_tx_info info;
	uint64_t flen;
	uint8_t gso, flags;
	uint16_t cs, co;

	/* drivernormative: Packet Transmission -- the header and packet are
	 * device-readable */
	if (e->n_writable) {
		d->host->fail(d->h, CL_DRV_NET_TX, "transmit buffer with a device-writable part");
		return -1;
	}
	if (e->readable_bytes < sizeof(h) ||
	    d->host->elem_read(d->h, e, 0, &h, sizeof(h)) != sizeof(h)) {
		d->host->fail(d->h, CL_DRV_NET_TX,
			      "transmit buffer shorter than struct virtio_net_hdr");
		return -1;
	}
	flags = h.flags;
	gso = h.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	cs = le16_to_cpu(h.csum_start);
	co = le16_to_cpu(h.csum_offset);
	flen = e->readable_bytes - sizeof(h);
	/* drivernormative: Packet Transmission -- num_buffers 0; flags 0
	 * without CSUM (the bits the device knows: it ignores unknown ones,
	 * devicenormative); GSO types only as negotiated, with NEEDS_CSUM and
	 * a gso_size */
	if (le16_to_cpu(h.num_buffers) != 0) {
		d->host->fail(d->h, CL_DRV_NET_TX, "transmit header with num_buffers not 0");
		return -1;
	}
	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(d, VIRTIO_NET_F_CSUM)) {
		d->host->fail(d->h, CL_DRV_NET_TX, "NEEDS_CSUM without VIRTIO_NET_F_CSUM");
		return -1;
	}
	if (flags & (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		d->stats.tx_flags_ignored++;
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		if (!gso_allowed(d, gso)) {
			d->host->fail(d->h, CL_DRV_NET_TX,
				      "gso_type whose HOST_* feature was not negotiated");
			return -1;
		}
		if (!(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || le16_to_cpu(h.gso_size) == 0) {
			d->host->fail(d->h, CL_DRV_NET_TX,
				      "GSO packet without NEEDS_CSUM or without gso_size");
			return -1;
		}
	}
	if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (uint32_t)cs + co + 2u > flen) {
		d->host->fail(d->h, CL_DRV_NET_TX,
			      "csum_start + csum_offset do not leave room for the checksum");
		return -1;
	}
	if (flen > VIRTIO_NET_MAX_GSO_FRAME) {
		d->stats.tx_dropped++;
		return 0;
	}
	/* drivernormative: Device configuration layout -- no non-GSO packet
	 * above mtu + the ethernet header with MTU */
	if (gso == VIRTIO_NET_HDR_GSO_NONE && has(d, VIRTIO_NET_F_MTU) &&
	    flen > (uint64_t)d->mtu + VIRTIO_NET_ETH_HLEN) {
		d->host->fail(d->h, CL_DRV_NET_CONFIG, "non-GSO packet larger than mtu + 14");
		return -1;
	}
	if (d->host->elem_read(d->h, e, sizeof(h), d->frame, flen) != flen) {
		d->stats.tx_dropped++;
		return 0;
	}
	if (!(d->status & VIRTIO_NET_S_LINK_UP) && (d->offer & VIRTIO_BIT(VIRTIO_NET_F_STATUS))) {
		d->stats.tx_dropped++;
		return 0;
	}
	memcpy(d->frame2, d->frame, flen);
	info = (struct vc_net_tx_info){
		.pair = pair, .flags = flags, .gso_type = h.gso_type,
		.gso_size = le16_to_cpu(h.gso_size), .hdr_len = le16_to_cpu(h.hdr_len),
		.csum_start = cs, .csum_offset = co, .len = (uint32_t)flen,
	};
	/* devicenormative: Packet Transmission -- csum_start/csum_offset are
	 * used only with NEEDS_CSUM; hdr_len is not relied upon */
	if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint16_t sum;

		/* the field held the pseudo-header sum: fold it in */
		sum = csum_fold(d->frame + cs, (uint32_t)(flen - cs));
		sum = (uint16_t)~sum;
		d->frame2[cs + co] = (uint8_t)(sum >> 8);
		d->frame2[cs + co + 1] = (uint8_t)sum;
		info.csum_completed = true;
		d->stats.tx_csum_completed++;
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE)
		d->stats.tx_gso++;
	d->stats.tx_frames++;
	d->stats.tx_bytes += flen;
	tx_log(d, &info, d->frame2);
	if (d->loopback) {
		struct virtio_net_hdr rh = h;
		bool partial = (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
			       rx_offload(d, VIRTIO_NET_F_GUEST_CSUM);

		rh.num_buffers = cpu_to_le16(0);
		rh.flags = partial ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
		rh.hdr_len = gso != VIRTIO_NET_HDR_GSO_NONE ? h.hdr_len : cpu_to_le16(0);
		if (gso != VIRTIO_NET_HDR_GSO_NONE && !partial) {
			d->stats.rx_gso_dropped++;
			return 0;
		}
		rx_arrive(d, pair, rh, partial ? d->frame : d->frame2, (uint32_t)flen);
	}
	if (d->responder && gso == VIRTIO_NET_HDR_GSO_NONE)
		respond(d, pair, d->frame2, (uint32_t)flen);
	return 0;
}

static bool tx_queue_ok(const struct net_dev *d, uint16_t pair)
{
	/* RSS (max_tx_vq) sets no rule on the transmit queues */
	return d->rss || pair < d->tx_pairs;
}

/* Consume transmit queue pair's buffers. -1 once the device failed. */
static int tx_process(struct net_dev *d, uint16_t pair)
{
	uint16_t q = vc_net_txq(pair);
	struct vc_elem e;
	bool pushed = false;

	if (!d->live)
		return 0;
	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		/* drivernormative: Automatic receive steering in multiqueue
		 * mode -- only transmitq1 before VQ_PAIRS_SET, none above
		 * virtqueue_pairs after it */
		if (!tx_queue_ok(d, pair)) {
			d->host->fail(d->h, CL_DRV_NET_MQ,
				      "packet on a transmit queue above the pairs in use");
			return -1;
		}
		if (tx_one(d, pair, &e) != 0)
			return -1;
		d->host->queue_push(d->h, q, &e, 0);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
	return 0;
}

/* -------------------------------------------------------- control queue */

enum ctrl_result { C_OK, C_ERR, C_FAIL };

static enum ctrl_result c_fail(struct net_dev *d, const char *clause, const char *msg)
{
	d->host->fail(d->h, clause, msg);
	return C_FAIL;
}

static enum ctrl_result ctrl_rx(struct net_dev *d, uint8_t cmd, const uint8_t *p, uint32_t n)
{
	bool *mode[] = { &d->promisc, &d->allmulti, &d->alluni, &d->nomulti, &d->nouni,
			 &d->nobcast };

	if (cmd > VIRTIO_NET_CTRL_RX_NOBCAST)
		return C_ERR;
	/* drivernormative: Packet Receive Filtering -- PROMISC and ALLMULTI
	 * need CTRL_RX, the others CTRL_RX_EXTRA */
	if (cmd <= VIRTIO_NET_CTRL_RX_ALLMULTI && !has(d, VIRTIO_NET_F_CTRL_RX))
		return c_fail(d, CL_DRV_NET_RXFILTER, "RX mode command without CTRL_RX");
	if (cmd > VIRTIO_NET_CTRL_RX_ALLMULTI && !has(d, VIRTIO_NET_F_CTRL_RX_EXTRA))
		return c_fail(d, CL_DRV_NET_RXFILTER, "RX extra command without CTRL_RX_EXTRA");
	if (n != 1 || p[0] > 1)
		return C_ERR;
	/* devicenormative: Packet Receive Filtering -- supported */
	*mode[cmd] = p[0] == 1;
	return C_OK;
}

static enum ctrl_result ctrl_mac(struct net_dev *d, uint8_t cmd, const uint8_t *p, uint32_t n)
{
	uint64_t n1, n2, need;
	uint32_t i;

	/* drivernormative: Setting MAC Address Filtering -- no MAC class
	 * command without CTRL_RX */
	if (!has(d, VIRTIO_NET_F_CTRL_RX))
		return c_fail(d, CL_DRV_NET_MAC, "MAC class command without CTRL_RX");
	if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET) {
		if (!has(d, VIRTIO_NET_F_CTRL_MAC_ADDR) || n != 6)
			return C_ERR;
		/* devicenormative: Setting MAC Address Filtering -- mac in
		 * the configuration updated (MAC negotiated) before the
		 * buffer is used */
		memcpy(d->mac, p, 6);
		if (has(d, VIRTIO_NET_F_MAC))
			memcpy(d->config_mac, p, 6);
		return C_OK;
	}
	if (cmd != VIRTIO_NET_CTRL_MAC_TABLE_SET)
		return C_ERR;
	/* drivernormative: Setting MAC Address Filtering -- le32 count,
	 * unicast addresses, le32 count, multicast addresses */
	if (n < 8)
		return c_fail(d, CL_DRV_NET_MAC, "MAC_TABLE_SET shorter than its two counts");
	n1 = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
	if (n1 > (n - 8) / 6)
		return c_fail(d, CL_DRV_NET_MAC, "MAC_TABLE_SET unicast count beyond the data");
	need = 4 + 6 * n1;
	n2 = (uint64_t)p[need] | (uint64_t)p[need + 1] << 8 | (uint64_t)p[need + 2] << 16 |
	     (uint64_t)p[need + 3] << 24;
	need += 4;
	if (n2 > (n - need) / 6 || need + 6 * n2 != n)
		return c_fail(d, CL_DRV_NET_MAC,
			      "MAC_TABLE_SET multicast count does not match the data length");
	for (i = 0; i < n1; i++)
		if (is_multicast(p + 4 + 6 * i))
			return c_fail(d, CL_DRV_NET_MAC,
				      "multicast address in the MAC_TABLE_SET unicast table");
	for (i = 0; i < n2; i++)
		if (!is_multicast(p + need + 6 * i))
			return c_fail(d, CL_DRV_NET_MAC,
				      "unicast address in the MAC_TABLE_SET multicast table");
	/* devicenormative: Setting MAC Address Filtering -- the table is
	 * updated before the buffer is used; beyond what the device keeps it
	 * accepts all of that kind (allowed: no guarantees) */
	d->uni_overflow = n1 > VC_NET_MAC_TABLE_MAX;
	d->multi_overflow = n2 > VC_NET_MAC_TABLE_MAX;
	d->n_uni = d->uni_overflow ? 0 : (uint32_t)n1;
	d->n_multi = d->multi_overflow ? 0 : (uint32_t)n2;
	for (i = 0; i < d->n_uni; i++)
		memcpy(d->uni[i], p + 4 + 6 * i, 6);
	for (i = 0; i < d->n_multi; i++)
		memcpy(d->multi[i], p + need + 6 * i, 6);
	return C_OK;
}

static enum ctrl_result ctrl_vlan(struct net_dev *d, uint8_t cmd, const uint8_t *p, uint32_t n)
{
	uint16_t vid;

	if (!has(d, VIRTIO_NET_F_CTRL_VLAN) || n != 2 || cmd > VIRTIO_NET_CTRL_VLAN_DEL)
		return C_ERR;
	vid = (uint16_t)(p[0] | p[1] << 8);
	if (vid >= NET_VLANS)
		return C_ERR;
	if (cmd == VIRTIO_NET_CTRL_VLAN_ADD)
		d->vlans[vid / 8] |= (uint8_t)(1u << (vid % 8));
	else
		d->vlans[vid / 8] &= (uint8_t)~(1u << (vid % 8));
	return C_OK;
}

static enum ctrl_result ctrl_announce(struct net_dev *d, uint8_t cmd, uint32_t n)
{
	if (!has(d, VIRTIO_NET_F_GUEST_ANNOUNCE) || cmd != VIRTIO_NET_CTRL_ANNOUNCE_ACK || n != 0)
		return C_ERR;
	/* devicenormative: Gratuitous Packet Sending -- ANNOUNCE cleared
	 * before the buffer is used */
	d->status &= (uint16_t)~VIRTIO_NET_S_ANNOUNCE;
	return C_OK;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static enum ctrl_result ctrl_rss(struct net_dev *d, const uint8_t *p, uint32_t n)
{
	uint32_t types, entries, i;
	uint16_t mask, uncl, max_tx;
	uint8_t klen;

	/* drivernormative: Receive-side scaling (RSS) -- RSS_CONFIG only with
	 * RSS; a power-of-two table of enabled queues, the mask below the
	 * device's table length, supported hash types only */
	if (!has(d, VIRTIO_NET_F_RSS))
		return c_fail(d, CL_DRV_NET_RSS, "RSS_CONFIG without VIRTIO_NET_F_RSS");
	if (n < VIRTIO_NET_RSS_HEAD_SIZE)
		return C_ERR;
	types = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
	mask = rd16(p + 4);
	uncl = rd16(p + 6);
	entries = (uint32_t)mask + 1;
	if (entries & (entries - 1))
		return c_fail(d, CL_DRV_NET_RSS, "indirection table length not a power of two");
	if (mask >= d->rss_max_table)
		return c_fail(d, CL_DRV_NET_RSS,
			      "indirection_table_mask not below rss_max_indirection_table_length");
	if (types & ~d->hash_types_supported)
		return c_fail(d, CL_DRV_NET_RSS, "hash type the device does not support");
	if ((uint64_t)VIRTIO_NET_RSS_HEAD_SIZE + 2ull * entries + VIRTIO_NET_RSS_TAIL_SIZE > n)
		return C_ERR;
	for (i = 0; i < entries; i++)
		if (rd16(p + 8 + 2 * i) >= d->max_pairs)
			return c_fail(d, CL_DRV_NET_RSS,
				      "indirection table names a queue that is not there");
	max_tx = rd16(p + 8 + 2 * entries);
	klen = p[8 + 2 * entries + 2];
	if ((uint64_t)VIRTIO_NET_RSS_HEAD_SIZE + 2ull * entries + VIRTIO_NET_RSS_TAIL_SIZE +
	    klen != n || klen > d->rss_max_key || uncl >= d->max_pairs || max_tx == 0 ||
	    max_tx > d->max_pairs)
		return C_ERR;
	d->rss = true;
	d->rss_hash_types = types;
	d->rss_mask = mask;
	d->rss_unclassified = uncl;
	d->rss_max_tx = max_tx;
	for (i = 0; i < entries; i++)
		d->rss_table[i] = rd16(p + 8 + 2 * i);
	memcpy(d->rss_key, p + 8 + 2 * entries + 3, klen);
	d->rss_key_len = klen;
	d->tx_pairs = max_tx;
	d->rx_pairs = d->max_pairs;
	return C_OK;
}

static enum ctrl_result ctrl_mq(struct net_dev *d, uint8_t cmd, const uint8_t *p, uint32_t n)
{
	uint16_t pairs, k;

	if (cmd == VIRTIO_NET_CTRL_MQ_RSS_CONFIG)
		return ctrl_rss(d, p, n);
	if (cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || !has(d, VIRTIO_NET_F_MQ) || n != 2)
		return C_ERR;
	pairs = rd16(p);
	/* drivernormative: Automatic receive steering -- 1..max_virtqueue_pairs */
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > d->cfg_max_pairs ||
	    pairs > d->max_pairs)
		return c_fail(d, CL_DRV_NET_MQ,
			      "VQ_PAIRS_SET outside 1..max_virtqueue_pairs");
	/* what the driver queued above the new count before the command is
	 * transmitted first */
	for (k = pairs; k < d->tx_pairs; k++)
		if (tx_process(d, k) != 0)
			return C_FAIL;
	d->rss = false;
	d->rx_pairs = pairs;
	d->tx_pairs = pairs;
	/* devicenormative: Automatic receive steering -- no receive queue
	 * above virtqueue_pairs once the command is used: frames waiting there
	 * move to receiveq1 */
	for (k = pairs; k < VC_NET_MAX_PAIRS; k++) {
		struct net_rxq *from = &d->rxq[k], *to = &d->rxq[0];

		if (!from->head)
			continue;
		if (to->tail)
			to->tail->next = from->head;
		else
			to->head = from->head;
		to->tail = from->tail;
		to->n += from->n;
		from->head = from->tail = NULL;
		from->n = 0;
	}
	rx_deliver(d, 0);
	return C_OK;
}

static const uint64_t guest_offload_mask =
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN) |
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_UFO);

static enum ctrl_result ctrl_offloads(struct net_dev *d, uint8_t cmd, const uint8_t *p,
				      uint32_t n)
{
	uint64_t off = 0;
	int i;

	if (!has(d, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || cmd != VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET ||
	    n != 8)
		return C_ERR;
	for (i = 7; i >= 0; i--)
		off = off << 8 | p[i];
	/* drivernormative: Setting Offloads State -- only negotiated offloads */
	if (off & ~d->features)
		return c_fail(d, CL_DRV_NET_OFFLOADS, "offload enabled whose feature was not negotiated");
	if (off & ~guest_offload_mask)
		return C_ERR;
	d->offloads = off;
	return C_OK;
}

static void ctrl_process(struct net_dev *d)
{
	uint16_t q = ctrlq(d);
	struct vc_elem e;
	bool pushed = false;

	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK) {
		uint8_t cls_cmd[2], ack;
		enum ctrl_result r = C_ERR;
		uint64_t n = 0;

		if (e.n_writable == 0) {
			/* no ack byte: the command cannot be answered */
			d->stats.ctrl_malformed++;
			d->host->queue_push(d->h, q, &e, 0);
			pushed = true;
			continue;
		}
		if (e.readable_bytes >= 2 &&
		    d->host->elem_read(d->h, &e, 0, cls_cmd, 2) == 2) {
			n = e.readable_bytes - 2;
			if (n > VC_NET_CTRL_DATA_MAX ||
			    (n && d->host->elem_read(d->h, &e, 2, d->ctrl, n) != n))
				r = C_ERR;
			else
				switch (cls_cmd[0]) {
				case VIRTIO_NET_CTRL_RX:
					r = ctrl_rx(d, cls_cmd[1], d->ctrl, (uint32_t)n);
					break;
				case VIRTIO_NET_CTRL_MAC:
					r = ctrl_mac(d, cls_cmd[1], d->ctrl, (uint32_t)n);
					break;
				case VIRTIO_NET_CTRL_VLAN:
					r = ctrl_vlan(d, cls_cmd[1], d->ctrl, (uint32_t)n);
					break;
				case VIRTIO_NET_CTRL_ANNOUNCE:
					r = ctrl_announce(d, cls_cmd[1], (uint32_t)n);
					break;
				case VIRTIO_NET_CTRL_MQ:
					r = ctrl_mq(d, cls_cmd[1], d->ctrl, (uint32_t)n);
					break;
				case VIRTIO_NET_CTRL_GUEST_OFFLOADS:
					r = ctrl_offloads(d, cls_cmd[1], d->ctrl, (uint32_t)n);
					break;
				default:
					d->stats.ctrl_unknown++;
					cls_cmd[0] = 0xff;
					r = C_ERR;
					break;
				}
		} else {
			cls_cmd[0] = 0xff;
		}
		if (r == C_FAIL)
			return;
		if (cls_cmd[0] < VC_NET_NCLASSES) {
			if (r == C_OK)
				d->stats.ctrl_ok[cls_cmd[0]]++;
			else
				d->stats.ctrl_err[cls_cmd[0]]++;
		}
		ack = (uint8_t)(r == C_OK ? VIRTIO_NET_OK : VIRTIO_NET_ERR);
		d->host->elem_write(d->h, &e, 0, &ack, 1);
		d->host->queue_push(d->h, q, &e, 1);
		pushed = true;
	}
	if (pushed)
		d->host->queue_flush(d->h, q);
}

/* ------------------------------------------------------------ the ops */

static void net_forget(struct net_dev *d)
{
	d->features = 0;
	d->live = false;
	memcpy(d->mac, d->cfg_mac, 6);
	memcpy(d->config_mac, d->cfg_mac, 6);
	d->promisc = d->allmulti = d->alluni = d->nomulti = d->nouni = d->nobcast = false;
	/* devicenormative: Setting MAC Address Filtering -- an empty table
	 * after reset */
	d->n_uni = d->n_multi = 0;
	d->uni_overflow = d->multi_overflow = false;
	memset(d->vlans, 0, sizeof(d->vlans));
	d->offloads = 0;
	d->rx_pairs = d->tx_pairs = 1;
	d->rss = false;
	d->rss_key_len = 0;
	rxq_clear(d);
}

static void *net_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct net_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = NET_MAGIC;
	d->host = host;
	d->h = h;
	d->frame = malloc(VIRTIO_NET_MAX_GSO_FRAME);
	d->frame2 = malloc(VIRTIO_NET_MAX_GSO_FRAME);
	d->ctrl = malloc(VC_NET_CTRL_DATA_MAX);
	if (!d->frame || !d->frame2 || !d->ctrl || parse_args(d, args) != 0) {
		free(d->frame);
		free(d->frame2);
		free(d->ctrl);
		free(d);
		return NULL;
	}
	net_forget(d);
	return d;
}

static void net_destroy(void *dev)
{
	struct net_dev *d = dev;

	if (!d)
		return;
	rxq_clear(d);
	log_clear(d);
	free(d->frame);
	free(d->frame2);
	free(d->ctrl);
	d->magic = 0;
	free(d);
}

static uint64_t net_get_features(void *dev)
{
	struct net_dev *d = dev;

	return d->offer | VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	       VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
	       VIRTIO_BIT(VIRTIO_F_RING_RESET);
}

static int net_set_features(void *dev, uint64_t f)
{
	struct net_dev *d = dev;

	d->features = f;
	/* 5.1.6.5.6.4: the offloads negotiated are on */
	d->offloads = f & guest_offload_mask;
	return 0;
}

static void net_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct net_dev *d = dev;
	struct virtio_net_config c;

	memset(&c, 0, sizeof(c));
	memcpy(c.mac, d->config_mac, 6);
	c.status = cpu_to_le16(d->status);
	c.max_virtqueue_pairs = cpu_to_le16(d->cfg_max_pairs);
	c.mtu = cpu_to_le16(d->mtu);
	c.speed = cpu_to_le32(d->speed);
	c.duplex = d->duplex;
	c.rss_max_key_size = d->rss_max_key;
	c.rss_max_indirection_table_length = cpu_to_le16(d->rss_max_table);
	c.supported_hash_types = cpu_to_le32(d->hash_types_supported);
	if (off > sizeof(c) || len > sizeof(c) - off) {
		memset(dst, 0, len);
		return;
	}
	memcpy(dst, (const uint8_t *)&c + off, len);
}

static void net_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct net_dev *d = dev;

	/* 5.1.4: every field is read-only for the driver: ignored */
	(void)off;
	(void)src;
	(void)len;
	d->stats.config_writes++;
}

static void net_activate(void *dev)
{
	struct net_dev *d = dev;

	d->live = true;
	tx_process(d, 0);
	rx_deliver(d, 0);
}

static void net_reset(void *dev)
{
	struct net_dev *d = dev;

	/* status is the host's (link, a pending announcement): kept */
	net_forget(d);
}

static void net_queue_notify(void *dev, uint16_t q)
{
	struct net_dev *d = dev;
	uint16_t pair;

	if (!d->live)
		return;
	if (has(d, VIRTIO_NET_F_CTRL_VQ) && q == ctrlq(d)) {
		ctrl_process(d);
		return;
	}
	pair = q / 2;
	if (pair >= layout_pairs(d))
		return; /* a queue this configuration does not have */
	if (q & 1)
		tx_process(d, pair);
	else
		rx_deliver(d, pair);
}

const struct vc_device_ops vc_net_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.num_queues = VC_NET_NUM_QUEUES,
	.queue_size_max = VC_NET_QUEUE_SIZE_MAX,
	.config_size = VIRTIO_NET_CFG_SIZE,
	.create = net_create,
	.destroy = net_destroy,
	.get_features = net_get_features,
	.set_features = net_set_features,
	.config_read = net_config_read,
	.config_write = net_config_write,
	.activate = net_activate,
	.reset = net_reset,
	.queue_notify = net_queue_notify,
};

/* ---------------------------------------------------------- backend API */

int vc_net_inject(void *dev, uint16_t pair, const void *frame, size_t len)
{
	struct net_dev *d = net_of(dev);
	struct virtio_net_hdr h;

	if (!d || (len && !frame) || len > VIRTIO_NET_MAX_GSO_FRAME)
		return -1;
	if (!(d->status & VIRTIO_NET_S_LINK_UP) && (d->offer & VIRTIO_BIT(VIRTIO_NET_F_STATUS))) {
		d->stats.rx_dropped_queue++;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	return rx_arrive(d, pair, h, frame, (uint32_t)len);
}

int vc_net_inject_raw(void *dev, uint16_t q, const void *data, size_t len, uint32_t nbufs)
{
	struct net_dev *d = net_of(dev);
	struct virtio_net_hdr none;

	if (!d || !d->live || (q & 1) || q / 2 >= layout_pairs(d) || nbufs == 0 ||
	    nbufs > NET_RX_ELEMS || (len && !data) || len > VIRTIO_NET_MAX_GSO_FRAME + 64)
		return -1;
	memset(&none, 0, sizeof(none));
	if (rx_one(d, q, none, data, (uint32_t)len, nbufs, true) != RX_DONE)
		return -1;
	return 0;
}

long vc_net_tx_pop(void *dev, struct vc_net_tx_info *info, void *dst, size_t max)
{
	struct net_dev *d = net_of(dev);
	struct net_txrec *r;
	long len;

	if (!d || !d->log_head || (max && !dst))
		return -1;
	r = d->log_head;
	d->log_head = r->next;
	if (!d->log_head)
		d->log_tail = NULL;
	d->log_n--;
	d->log_bytes -= r->info.len;
	if (info)
		*info = r->info;
	if (max)
		memcpy(dst, r->data, max < r->info.len ? max : r->info.len);
	len = (long)r->info.len;
	free(r);
	return len;
}

const struct vc_net_stats *vc_net_stats(void *dev)
{
	struct net_dev *d = net_of(dev);

	return d ? &d->stats : NULL;
}

int vc_net_state(void *dev, struct vc_net_state *st)
{
	struct net_dev *d = net_of(dev);
	uint32_t v, p;

	if (!d || !st)
		return -1;
	memset(st, 0, sizeof(*st));
	st->live = d->live;
	st->promisc = d->promisc;
	st->allmulti = d->allmulti;
	st->alluni = d->alluni;
	st->nomulti = d->nomulti;
	st->nouni = d->nouni;
	st->nobcast = d->nobcast;
	st->uni_overflow = d->uni_overflow;
	st->multi_overflow = d->multi_overflow;
	memcpy(st->mac, d->mac, 6);
	memcpy(st->config_mac, d->config_mac, 6);
	st->status = d->status;
	st->max_pairs = d->max_pairs;
	st->rx_pairs = d->rx_pairs;
	st->tx_pairs = d->tx_pairs;
	st->rss = d->rss;
	st->rss_hash_types = d->rss_hash_types;
	st->rss_mask = d->rss_mask;
	st->rss_unclassified = d->rss_unclassified;
	st->rss_max_tx = d->rss_max_tx;
	st->n_uni = d->n_uni;
	st->n_multi = d->n_multi;
	for (v = 0; v < NET_VLANS; v++)
		st->n_vlans += vlan_on(d, (uint16_t)v);
	st->features = d->features;
	st->offloads = d->offloads;
	for (p = 0; p < VC_NET_MAX_PAIRS; p++)
		st->pending[p] = d->rxq[p].n;
	st->tx_log = d->log_n;
	return 0;
}

int vc_net_mac_entry(void *dev, bool multicast, uint32_t i, uint8_t mac[6])
{
	struct net_dev *d = net_of(dev);

	if (!d || !mac || i >= (multicast ? d->n_multi : d->n_uni))
		return -1;
	memcpy(mac, multicast ? d->multi[i] : d->uni[i], 6);
	return 0;
}

bool vc_net_vlan_allowed(void *dev, uint16_t vid)
{
	struct net_dev *d = net_of(dev);

	return d && vlan_on(d, vid);
}

int vc_net_set_link(void *dev, bool up)
{
	struct net_dev *d = net_of(dev);

	if (!d || !(d->offer & VIRTIO_BIT(VIRTIO_NET_F_STATUS)))
		return -1;
	if (up)
		d->status |= VIRTIO_NET_S_LINK_UP;
	else
		d->status &= (uint16_t)~VIRTIO_NET_S_LINK_UP;
	d->host->config_changed(d->h);
	return 0;
}

int vc_net_announce(void *dev)
{
	struct net_dev *d = net_of(dev);

	if (!d || !has(d, VIRTIO_NET_F_GUEST_ANNOUNCE) || !has(d, VIRTIO_NET_F_STATUS))
		return -1;
	d->status |= VIRTIO_NET_S_ANNOUNCE;
	d->host->config_changed(d->h);
	return 0;
}

int vc_net_set_speed(void *dev, uint32_t speed, uint8_t duplex)
{
	struct net_dev *d = net_of(dev);

	if (!d || !(d->offer & VIRTIO_BIT(VIRTIO_NET_F_SPEED_DUPLEX)))
		return -1;
	d->speed = speed;
	d->duplex = duplex;
	d->host->config_changed(d->h);
	return 0;
}
