// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-net driver. See net_drv.h.
 *
 * Every used entry has been checked by the ring (outstanding id, len within
 * the posted writable bytes, descriptors untouched) before it gets here;
 * this layer checks what the net section asks of the device: the
 * configuration values (5.1.4.1) and each received packet's header and
 * buffer use (5.1.6.3.2, 5.1.6.4.1).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "net_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

#define VNET_POLL_ROUNDS 64u
#define VNET_SCRATCH (VNET_RX_BUFS_MAX * VNET_MRG_BUF_SIZE)
#define VNET_BIG_BUF_SIZE (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_GSO_FRAME)
#define VNET_SMALL_BUF_SIZE (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME)
/* receive buffer memory per queue pair: a large MTU takes fewer buffers,
 * not more guest memory than the driver has */
#define VNET_RX_BYTES_MAX (512u << 10)

/* 5.1.4 */
struct vnet_cfg_raw {
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
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	le16 hdr_len;
	le16 gso_size;
	le16 csum_start;
	le16 csum_offset;
	le16 num_buffers;
};

_Static_assert(sizeof(struct vnet_cfg_raw) == VIRTIO_NET_CFG_SIZE, "config");
_Static_assert(sizeof(struct vnet_hdr) == VIRTIO_NET_HDR_SIZE, "hdr");
_Static_assert(VNET_MAX_QUEUES <= VDRV_MAX_QUEUES, "queues");

struct vnet_frame {
	struct vnet_frame *next;
	struct vnet_rx_info info;
	uint8_t data[];
};

static uint16_t rxq(uint32_t pair) { return (uint16_t)(2u * pair); }
static uint16_t txq(uint32_t pair) { return (uint16_t)(2u * pair + 1u); }

static bool has(const struct vnet_drv *n, unsigned bit)
{
	return n->features & VIRTIO_BIT(bit);
}

__attribute__((format(printf, 5, 6)))
static void bad(struct vnet_drv *n, enum vc_severity sev, const char *clause, uint16_t q,
		const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, sev, clause, q, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdrv_violation(n->d, &v);
}

static bool dead(struct vnet_drv *n)
{
	return vdrv_broken(n->d) || (vdrv_status(n->d) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* ------------------------------------------------------------ queue setup */

/* max_virtqueue_pairs as the queue numbering uses it (5.1.2). */
static uint32_t layout_pairs(vdrv_t *drv)
{
	uint64_t f = vdrv_features(drv);
	le16 raw;
	uint32_t v;

	if (!(f & (VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_RSS))))
		return 1;
	if (vdrv_config_read(drv, VIRTIO_NET_CFG_MAX_VQ_PAIRS, &raw, sizeof(raw)) != 0)
		return 0;
	v = le16_to_cpu(raw);
	return v >= 1 && v <= VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX ? v : 0;
}

enum vdrv_hook_action vnet_drv_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	uint32_t pairs, driven;

	(void)ctx;
	if (s->step != VDRV_STEP_QUEUE_SETUP)
		return VDRV_PROCEED;
	pairs = layout_pairs(drv);
	if (pairs == 0) /* refused at attach; the first pair only */
		return s->queue < 2 ? VDRV_PROCEED : VDRV_SKIP;
	driven = pairs < VNET_MAX_PAIRS ? pairs : VNET_MAX_PAIRS;
	if (s->queue < 2 * driven)
		return VDRV_PROCEED;
	if ((vdrv_features(drv) & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)) && s->queue == 2 * pairs)
		return VDRV_PROCEED;
	return VDRV_SKIP;
}

void vnet_drv_config(struct vdrv_config *cfg, uint64_t wanted)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_NET;
	cfg->wanted_features = wanted | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	if (wanted & (VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_RSS)))
		cfg->num_queues = VNET_MAX_QUEUES;
	else
		cfg->num_queues = (wanted & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)) ? 3 : 2;
	cfg->queue_size = VNET_QUEUE_SIZE;
	cfg->indirect_max = VNET_INDIRECT_MAX;
	cfg->use_msix = true;
	cfg->hook = vnet_drv_hook;
}

/* ---------------------------------------------------------------- buffers */

static int slot_of(const void *tok, const bool *slots, unsigned cnt)
{
	uintptr_t t = (uintptr_t)tok, base = (uintptr_t)slots;

	if (t < base || t - base >= cnt * sizeof(*slots))
		return -1;
	return (int)((t - base) / sizeof(*slots));
}

static void post_rx(struct vnet_drv *n, uint32_t p)
{
	vq_drv_t *vq = vdrv_queue(n->d, rxq(p));
	bool added = false;
	uint32_t i;

	if (!vq || !n->rx_area[p])
		return;
	/* drivernormative: Setting Up Receive Buffers -- device-writable
	 * buffers, each at least a header with MRG_RXBUF, a whole packet
	 * without it; drivernormative: Device configuration layout -- room
	 * for an mtu-sized packet with MTU */
	for (i = 0; i < n->rx_bufs; i++) {
		struct vq_buf in = { n->rx_area[p] + (uint64_t)i * n->rx_buf_size, n->rx_buf_size };

		if (n->rx_posted[p][i])
			continue;
		if (vq_drv_add(vq, NULL, 0, &in, 1, &n->rx_posted[p][i], false) < 0)
			break;
		n->rx_posted[p][i] = true;
		added = true;
	}
	if (added)
		vdrv_kick(n->d, rxq(p));
}

static void reap_tx(struct vnet_drv *n, uint32_t p)
{
	vq_drv_t *vq = vdrv_queue(n->d, txq(p));
	uint32_t len;
	void *tok;
	int k;

	if (!vq)
		return;
	while (vq_drv_get(vq, &tok, &len) == 1) {
		if (tok == &n->raw_token) {
			n->stats.raw_used++;
			continue;
		}
		k = slot_of(tok, n->tx_busy[p], VNET_TX_SLOTS);
		if (k >= 0)
			n->tx_busy[p][k] = false;
	}
}

/* ---------------------------------------------------------------- receive */

static bool rx_hdr_ok(struct vnet_drv *n, uint16_t q, const struct vnet_hdr *h, uint32_t len)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t cs = le16_to_cpu(h->csum_start), co = le16_to_cpu(h->csum_offset);
	bool ok;

	/* devicenormative: Processing of Incoming Packets -- flags 0 without
	 * GUEST_CSUM, RSC_INFO only with RSC_EXT, GSO types as negotiated,
	 * with NEEDS_CSUM and a gso_size, csum_start/csum_offset inside the
	 * packet */
	if (h->flags && !has(n, VIRTIO_NET_F_GUEST_CSUM)) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q, "flags 0x%x without GUEST_CSUM", h->flags);
		return false;
	}
	if (h->flags & VIRTIO_NET_HDR_F_RSC_INFO) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q, "RSC_INFO without RSC_EXT negotiated");
		return false;
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		ok = (gso == VIRTIO_NET_HDR_GSO_TCPV4 && has(n, VIRTIO_NET_F_GUEST_TSO4)) ||
		     (gso == VIRTIO_NET_HDR_GSO_TCPV6 && has(n, VIRTIO_NET_F_GUEST_TSO6)) ||
		     (gso == VIRTIO_NET_HDR_GSO_UDP && has(n, VIRTIO_NET_F_GUEST_UFO));
		if (!ok) {
			bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
			    "gso_type 0x%x the driver did not negotiate", h->gso_type);
			return false;
		}
		if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || le16_to_cpu(h->gso_size) == 0) {
			bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
			    "GSO packet without NEEDS_CSUM or without gso_size");
			return false;
		}
	}
	/* drivernormative: Processing of Incoming Packets -- csum_start and
	 * csum_offset are used only with NEEDS_CSUM and RSC_INFO clear */
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && cs + co + 2 > len) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
		    "csum_start %u + csum_offset %u outside the %u-byte packet", cs, co, len);
		return false;
	}
	/* devicenormative: Device configuration layout -- no non-GSO packet
	 * above mtu + 14 with MTU */
	if (gso == VIRTIO_NET_HDR_GSO_NONE && has(n, VIRTIO_NET_F_MTU) &&
	    len > (uint32_t)n->cfg.mtu + VIRTIO_NET_ETH_HLEN) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_CONFIG, q,
		    "received a %u-byte non-GSO packet, mtu is %u", len, n->cfg.mtu);
		return false;
	}
	return true;
}

static void keep_frame(struct vnet_drv *n, uint16_t p, const struct vnet_hdr *h,
		       const uint8_t *data, uint32_t len, uint16_t nb)
{
	struct vnet_frame *f;

	if (n->rx_n >= VNET_RX_KEEP || !(f = malloc(sizeof(*f) + len))) {
		n->stats.rx_dropped++;
		return;
	}
	f->next = NULL;
	f->info = (struct vnet_rx_info){
		.pair = p, .flags = h->flags, .gso_type = h->gso_type,
		.hdr_len = le16_to_cpu(h->hdr_len), .gso_size = le16_to_cpu(h->gso_size),
		.csum_start = le16_to_cpu(h->csum_start),
		.csum_offset = le16_to_cpu(h->csum_offset), .num_buffers = nb, .len = len,
	};
	memcpy(f->data, data, len);
	if (n->rx_tail)
		n->rx_tail->next = f;
	else
		n->rx_head = f;
	n->rx_tail = f;
	n->rx_n++;
	n->stats.rx_frames++;
	n->stats.rx_bytes += len;
}

/* Take the buffer a used token names; its index, or -1 (raw, unknown). */
static int take_rx(struct vnet_drv *n, uint32_t p, void *tok)
{
	int k;

	if (tok == &n->raw_token) {
		n->stats.raw_used++;
		return -1;
	}
	k = slot_of(tok, n->rx_posted[p], n->rx_bufs);
	if (k >= 0) {
		n->rx_posted[p][k] = false;
		n->stats.rx_buffers++;
	}
	return k;
}

static uint64_t rx_buf(const struct vnet_drv *n, uint32_t p, int k)
{
	return n->rx_area[p] + (uint64_t)k * n->rx_buf_size;
}

/* One packet starting with buffer k (len bytes used). -1 once the queue is
 * broken. */
static int rx_packet(struct vnet_drv *n, uint32_t p, int k, uint32_t len)
{
	vq_drv_t *vq = vdrv_queue(n->d, rxq(p));
	uint16_t q = rxq(p), nb, i;
	struct vnet_hdr h;
	uint32_t total, blen;
	void *tok;

	if (len == 0) {
		n->stats.rx_empty++; /* returned unused */
		return 0;
	}
	if (len < sizeof(h)) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
		    "used len %u is shorter than struct virtio_net_hdr", len);
		return -1;
	}
	if (gm_read(vdrv_mem(n->d), rx_buf(n, p, k), &h, sizeof(h)) != 0 ||
	    gm_read(vdrv_mem(n->d), rx_buf(n, p, k) + sizeof(h), n->scratch,
		    len - sizeof(h)) != 0)
		return -1;
	nb = le16_to_cpu(h.num_buffers);
	total = len - (uint32_t)sizeof(h);
	/* devicenormative: Setting Up Receive Buffers -- num_buffers is the
	 * number of buffers used: 1 without MRG_RXBUF */
	if (!has(n, VIRTIO_NET_F_MRG_RXBUF)) {
		if (nb != 1) {
			bad(n, VC_SEV_FATAL, CL_DEV_NET_RXBUF, q,
			    "num_buffers %u without MRG_RXBUF", nb);
			return -1;
		}
	} else if (nb == 0 || nb > n->rx_bufs) {
		bad(n, VC_SEV_FATAL, CL_DEV_NET_RXBUF, q,
		    "num_buffers %u, %u buffers posted", nb, n->rx_bufs);
		return -1;
	}
	blen = len;
	for (i = 1; i < nb; i++) {
		int rc, kk;

		/* devicenormative: Processing of Incoming Packets -- all buffers
		 * but the last filled completely, all used together */
		if (blen != n->rx_buf_size) {
			bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
			    "buffer %u of %u holds %u of %u bytes", i, nb, blen, n->rx_buf_size);
			return -1;
		}
		rc = vq_drv_get(vq, &tok, &blen);
		if (rc != 1) {
			if (rc == 0)
				bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
				    "num_buffers %u, only %u buffers used together", nb, i);
			return -1;
		}
		kk = take_rx(n, p, tok);
		if (kk < 0) {
			bad(n, VC_SEV_FATAL, CL_DEV_NET_RX, q,
			    "packet continues into a buffer not posted for receiving");
			return -1;
		}
		if (total + blen > VNET_SCRATCH ||
		    gm_read(vdrv_mem(n->d), rx_buf(n, p, kk), n->scratch + total, blen) != 0)
			return -1;
		total += blen;
	}
	if (!rx_hdr_ok(n, q, &h, total)) {
		n->stats.rx_rejected++;
		return -1;
	}
	keep_frame(n, (uint16_t)p, &h, n->scratch, total, nb);
	return 0;
}

static int reap_rx(struct vnet_drv *n, uint32_t p)
{
	vq_drv_t *vq = vdrv_queue(n->d, rxq(p));
	int progress = 0, k;
	uint32_t len;
	void *tok;

	if (!vq)
		return 0;
	while (!vq_drv_broken(vq) && vq_drv_get(vq, &tok, &len) == 1) {
		progress = 1;
		k = take_rx(n, p, tok);
		if (k < 0)
			continue;
		if (rx_packet(n, p, k, len) != 0)
			break;
	}
	if (!vq_drv_broken(vq))
		post_rx(n, p);
	return progress;
}

/* ---------------------------------------------------------------- control */

/* Post cmd (len bytes) and ack_len writable bytes on the control queue;
 * the ack, -2 for a used len of 0, -1 when nothing came back. */
static int ctrl_exchange(struct vnet_drv *n, const void *cmd, size_t len, uint32_t ack_len)
{
	vq_drv_t *vq = n->d && has(n, VIRTIO_NET_F_CTRL_VQ) ? vdrv_queue(n->d, n->ctrlq) : NULL;
	struct vq_buf out = { n->ctrl_area, (uint32_t)len };
	struct vq_buf in = { n->ctrl_area + VNET_CTRL_MAX, ack_len };
	uint8_t ack = 0xff;
	uint32_t used;
	void *tok;
	int rc;

	if (!vq || n->ctrl_busy || len > VNET_CTRL_MAX || ack_len > 64 || (!len && !ack_len) ||
	    dead(n))
		return -1;
	if ((len && gm_write(vdrv_mem(n->d), out.gpa, cmd, len) != 0) ||
	    (ack_len && gm_write(vdrv_mem(n->d), in.gpa, &ack, 1) != 0))
		return -1;
	if (vq_drv_add(vq, len ? &out : NULL, len ? 1 : 0, ack_len ? &in : NULL, ack_len ? 1 : 0,
		       &n->ctrl_busy, false) < 0)
		return -1;
	n->ctrl_busy = true;
	vdrv_kick(n->d, n->ctrlq);
	rc = vq_drv_get(vq, &tok, &used);
	if (rc != 1 || tok != &n->ctrl_busy)
		return -1;
	n->ctrl_busy = false;
	if (used == 0)
		return -2;
	if (gm_read(vdrv_mem(n->d), in.gpa, &ack, 1) != 0)
		return -1;
	return ack;
}

static int ctrl_cmd(struct vnet_drv *n, uint8_t cls, uint8_t cmd, const void *data, size_t len)
{
	uint8_t buf[VNET_CTRL_MAX];
	int rc;

	if (len > sizeof(buf) - 2)
		return -1;
	buf[0] = cls;
	buf[1] = cmd;
	if (len)
		memcpy(buf + 2, data, len);
	rc = ctrl_exchange(n, buf, len + 2, 1);
	if (rc == VIRTIO_NET_OK)
		n->stats.ctrl_ok++;
	else if (rc >= 0)
		n->stats.ctrl_err++;
	return rc < 0 ? -1 : rc;
}

int vnet_drv_rx_mode(struct vnet_drv *n, uint8_t cmd, bool on)
{
	uint8_t v = on ? 1 : 0;

	/* drivernormative: Packet Receive Filtering -- PROMISC and ALLMULTI
	 * only with CTRL_RX, the others only with CTRL_RX_EXTRA */
	if (cmd > VIRTIO_NET_CTRL_RX_NOBCAST)
		return -1;
	if (cmd <= VIRTIO_NET_CTRL_RX_ALLMULTI ? !has(n, VIRTIO_NET_F_CTRL_RX)
					       : !has(n, VIRTIO_NET_F_CTRL_RX_EXTRA))
		return -1;
	return ctrl_cmd(n, VIRTIO_NET_CTRL_RX, cmd, &v, 1);
}

int vnet_drv_mac_table(struct vnet_drv *n, const uint8_t (*uni)[6], uint32_t n_uni,
		       const uint8_t (*multi)[6], uint32_t n_multi)
{
	uint8_t buf[VNET_CTRL_MAX];
	uint64_t need = 8 + 6ull * n_uni + 6ull * n_multi;
	uint32_t i, off = 0;
	le32 c;

	/* drivernormative: Setting MAC Address Filtering -- only with
	 * CTRL_RX; count, unicast addresses, count, multicast addresses */
	if (!has(n, VIRTIO_NET_F_CTRL_RX) || need > sizeof(buf) - 2 ||
	    (n_uni && !uni) || (n_multi && !multi))
		return -1;
	for (i = 0; i < n_uni; i++)
		if (uni[i][0] & 1)
			return -1;
	for (i = 0; i < n_multi; i++)
		if (!(multi[i][0] & 1))
			return -1;
	c = cpu_to_le32(n_uni);
	memcpy(buf, &c, 4);
	off = 4;
	for (i = 0; i < n_uni; i++, off += 6)
		memcpy(buf + off, uni[i], 6);
	c = cpu_to_le32(n_multi);
	memcpy(buf + off, &c, 4);
	off += 4;
	for (i = 0; i < n_multi; i++, off += 6)
		memcpy(buf + off, multi[i], 6);
	return ctrl_cmd(n, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, buf, off);
}

int vnet_drv_set_mac(struct vnet_drv *n, const uint8_t mac[6])
{
	int rc;

	if (!has(n, VIRTIO_NET_F_CTRL_RX) || !has(n, VIRTIO_NET_F_CTRL_MAC_ADDR) || !mac)
		return -1;
	rc = ctrl_cmd(n, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6);
	if (rc == VIRTIO_NET_OK)
		memcpy(n->mac, mac, 6);
	return rc;
}

int vnet_drv_vlan(struct vnet_drv *n, uint16_t vid, bool add)
{
	le16 v = cpu_to_le16(vid);

	if (!has(n, VIRTIO_NET_F_CTRL_VLAN) || vid >= 4096)
		return -1;
	return ctrl_cmd(n, VIRTIO_NET_CTRL_VLAN,
			add ? VIRTIO_NET_CTRL_VLAN_ADD : VIRTIO_NET_CTRL_VLAN_DEL, &v, 2);
}

int vnet_drv_announce_ack(struct vnet_drv *n)
{
	if (!has(n, VIRTIO_NET_F_GUEST_ANNOUNCE))
		return -1;
	return ctrl_cmd(n, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
}

int vnet_drv_set_pairs(struct vnet_drv *n, uint16_t pairs)
{
	le16 v = cpu_to_le16(pairs);
	uint16_t p;
	int rc;

	/* drivernormative: Automatic receive steering -- 1..max_virtqueue_pairs,
	 * queues set up before they are enabled */
	if (!has(n, VIRTIO_NET_F_MQ) || pairs < 1 || pairs > n->cfg.max_pairs ||
	    pairs > n->nqueues_pairs)
		return -1;
	/* nothing on the transmit queues beyond the new count once the
	 * command is queued: reap what is there first */
	for (p = pairs; p < n->tx_pairs; p++)
		reap_tx(n, p);
	rc = ctrl_cmd(n, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, 2);
	if (rc == VIRTIO_NET_OK) {
		n->pairs = n->tx_pairs = pairs;
		n->rss = false;
	}
	return rc;
}

int vnet_drv_rss(struct vnet_drv *n, const struct vnet_rss *r)
{
	uint8_t buf[VNET_CTRL_MAX];
	uint32_t i, off;
	int rc;

	/* drivernormative: Receive-side scaling (RSS) -- only with RSS; a
	 * power-of-two table of enabled queues, mask below the device's table
	 * length, supported hash types only */
	if (!has(n, VIRTIO_NET_F_RSS) || !r || r->table_len == 0 ||
	    (r->table_len & (r->table_len - 1)) || r->table_len > n->cfg.rss_max_table ||
	    r->table_len > sizeof(r->table) / sizeof(r->table[0]) ||
	    (r->hash_types & ~n->cfg.hash_types) || r->key_len > n->cfg.rss_max_key ||
	    r->max_tx_vq == 0 || r->max_tx_vq > n->nqueues_pairs ||
	    r->unclassified >= n->nqueues_pairs)
		return -1;
	for (i = 0; i < r->table_len; i++)
		if (r->table[i] >= n->nqueues_pairs)
			return -1;
	if (8u + 2u * r->table_len + 3u + r->key_len > sizeof(buf) - 2)
		return -1;
	buf[0] = (uint8_t)r->hash_types;
	buf[1] = (uint8_t)(r->hash_types >> 8);
	buf[2] = (uint8_t)(r->hash_types >> 16);
	buf[3] = (uint8_t)(r->hash_types >> 24);
	buf[4] = (uint8_t)(r->table_len - 1);
	buf[5] = (uint8_t)((r->table_len - 1) >> 8);
	buf[6] = (uint8_t)r->unclassified;
	buf[7] = (uint8_t)(r->unclassified >> 8);
	off = 8;
	for (i = 0; i < r->table_len; i++, off += 2) {
		buf[off] = (uint8_t)r->table[i];
		buf[off + 1] = (uint8_t)(r->table[i] >> 8);
	}
	buf[off++] = (uint8_t)r->max_tx_vq;
	buf[off++] = (uint8_t)(r->max_tx_vq >> 8);
	buf[off++] = r->key_len;
	memcpy(buf + off, r->key, r->key_len);
	off += r->key_len;
	rc = ctrl_cmd(n, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG, buf, off);
	if (rc == VIRTIO_NET_OK) {
		n->rss = true;
		n->tx_pairs = r->max_tx_vq;
		n->pairs = n->nqueues_pairs;
	}
	return rc;
}

int vnet_drv_set_offloads(struct vnet_drv *n, uint64_t offloads)
{
	const uint64_t guest = VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
			       VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
			       VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) |
			       VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN) |
			       VIRTIO_BIT(VIRTIO_NET_F_GUEST_UFO);
	uint8_t b[8];
	int i;

	/* drivernormative: Setting Offloads State -- only negotiated ones */
	if (!has(n, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || (offloads & ~(n->features & guest)))
		return -1;
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(offloads >> (8 * i));
	return ctrl_cmd(n, VIRTIO_NET_CTRL_GUEST_OFFLOADS, VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET, b,
			8);
}

int vnet_drv_ctrl_raw(struct vnet_drv *n, const void *cmd, size_t len, uint32_t ack_len)
{
	if (len && !cmd)
		return -1;
	return ctrl_exchange(n, cmd, len, ack_len);
}

/* ------------------------------------------------------------------- poll */

static void read_status(struct vnet_drv *n)
{
	le16 st;
	le32 sp;
	uint8_t du;

	if (has(n, VIRTIO_NET_F_STATUS) &&
	    vdrv_config_read(n->d, VIRTIO_NET_CFG_STATUS, &st, 2) == 0)
		n->cfg.status = le16_to_cpu(st);
	/* drivernormative: Device configuration layout -- speed above
	 * 0x7fffffff and duplex other than 0/1 mean unknown */
	if (has(n, VIRTIO_NET_F_SPEED_DUPLEX) &&
	    vdrv_config_read(n->d, VIRTIO_NET_CFG_SPEED, &sp, 4) == 0 &&
	    vdrv_config_read(n->d, VIRTIO_NET_CFG_DUPLEX, &du, 1) == 0) {
		uint32_t s = le32_to_cpu(sp);

		if (s > VIRTIO_NET_SPEED_MAX && s != VIRTIO_NET_SPEED_UNKNOWN)
			bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
			    "speed 0x%x is neither 0..0x7fffffff nor unknown", s);
		if (du != VIRTIO_NET_DUPLEX_FULL && du != VIRTIO_NET_DUPLEX_HALF &&
		    du != VIRTIO_NET_DUPLEX_UNKNOWN)
			bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
			    "duplex 0x%x is not 0x00, 0x01 or 0xff", du);
		n->cfg.speed = s <= VIRTIO_NET_SPEED_MAX ? s : VIRTIO_NET_SPEED_UNKNOWN;
		n->cfg.duplex = du <= VIRTIO_NET_DUPLEX_HALF ? du : VIRTIO_NET_DUPLEX_UNKNOWN;
	}
}

static void config_reread(struct vnet_drv *n)
{
	uint64_t seen = vdrv_irq_stats(n->d)->config;

	if (seen == n->config_irqs_seen)
		return;
	n->config_irqs_seen = seen;
	n->stats.config_changes++;
	read_status(n);
	/* drivernormative: Gratuitous Packet Sending -- ANNOUNCE_ACK for an
	 * announcement */
	if ((n->cfg.status & VIRTIO_NET_S_ANNOUNCE) && has(n, VIRTIO_NET_F_GUEST_ANNOUNCE) &&
	    vnet_drv_announce_ack(n) >= 0)
		n->stats.announce_acks++;
}

int vnet_drv_poll(struct vnet_drv *n)
{
	unsigned round;
	uint32_t p;

	if (!n->d || dead(n))
		return -1;
	config_reread(n);
	for (round = 0; round < VNET_POLL_ROUNDS; round++) {
		int progress = 0;

		for (p = 0; p < n->nqueues_pairs; p++) {
			progress |= reap_rx(n, p);
			reap_tx(n, p);
		}
		if (!progress)
			break;
	}
	return dead(n) ? -1 : 0;
}

/* --------------------------------------------------------------- transmit */

static int tx_post(struct vnet_drv *n, uint32_t p, const struct vnet_hdr *h, const void *frame,
		   size_t len)
{
	vq_drv_t *vq = vdrv_queue(n->d, txq(p));
	struct vq_buf out;
	unsigned i;

	if (!vq || !n->tx_area[p] || len > VIRTIO_NET_MAX_GSO_FRAME || (len && !frame) || dead(n))
		return -1;
	reap_tx(n, p);
	for (i = 0; i < VNET_TX_SLOTS && n->tx_busy[p][i]; i++)
		;
	if (i == VNET_TX_SLOTS)
		return -1;
	out = (struct vq_buf){ n->tx_area[p] + (uint64_t)i * VNET_TX_SLOT_SIZE,
			       (uint32_t)(sizeof(*h) + len) };
	if (gm_write(vdrv_mem(n->d), out.gpa, h, sizeof(*h)) != 0 ||
	    (len && gm_write(vdrv_mem(n->d), out.gpa + sizeof(*h), frame, len) != 0))
		return -1;
	if (vq_drv_add(vq, &out, 1, NULL, 0, &n->tx_busy[p][i], false) < 0)
		return -1;
	n->tx_busy[p][i] = true;
	vdrv_kick(n->d, txq(p));
	reap_tx(n, p);
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	return 0;
}

int vnet_drv_send(struct vnet_drv *n, uint16_t pair, const void *frame, size_t len,
		  const struct vnet_tx_opts *o)
{
	static const struct vnet_tx_opts plain;
	struct vnet_hdr h;
	uint8_t gso;

	if (!n->d)
		return -1;
	if (!o)
		o = &plain;
	gso = o->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	/* drivernormative: Automatic receive steering -- transmitq1 only
	 * before VQ_PAIRS_SET, none above virtqueue_pairs after it */
	if (pair >= n->tx_pairs || pair >= n->nqueues_pairs)
		return -1;
	/* drivernormative: Packet Transmission -- NEEDS_CSUM only with CSUM
	 * and with room for the checksum; GSO types only as negotiated, with
	 * NEEDS_CSUM and gso_size; the ECN bit only with HOST_ECN */
	if (o->needs_csum && (!has(n, VIRTIO_NET_F_CSUM) ||
			      (uint32_t)o->csum_start + o->csum_offset + 2u > len))
		return -1;
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		bool ok = (gso == VIRTIO_NET_HDR_GSO_TCPV4 && has(n, VIRTIO_NET_F_HOST_TSO4)) ||
			  (gso == VIRTIO_NET_HDR_GSO_TCPV6 && has(n, VIRTIO_NET_F_HOST_TSO6)) ||
			  (gso == VIRTIO_NET_HDR_GSO_UDP && has(n, VIRTIO_NET_F_HOST_UFO));

		if (!ok || !o->needs_csum || o->gso_size == 0)
			return -1;
		if ((o->gso_type & VIRTIO_NET_HDR_GSO_ECN) && !has(n, VIRTIO_NET_F_HOST_ECN))
			return -1;
	} else if (o->gso_type) {
		return -1;
	}
	/* drivernormative: Device configuration layout -- no non-GSO packet
	 * above mtu + 14 with MTU */
	if (gso == VIRTIO_NET_HDR_GSO_NONE && has(n, VIRTIO_NET_F_MTU) &&
	    len > (size_t)n->cfg.mtu + VIRTIO_NET_ETH_HLEN)
		return -1;
	memset(&h, 0, sizeof(h));
	h.flags = o->needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
	h.gso_type = o->gso_type;
	h.hdr_len = cpu_to_le16(o->hdr_len);
	h.gso_size = cpu_to_le16(o->gso_size);
	h.csum_start = cpu_to_le16(o->needs_csum ? o->csum_start : 0);
	h.csum_offset = cpu_to_le16(o->needs_csum ? o->csum_offset : 0);
	h.num_buffers = cpu_to_le16(0);
	return tx_post(n, pair, &h, frame, len);
}

int vnet_drv_send_raw(struct vnet_drv *n, uint16_t q, const void *hdr12, const void *frame,
		      size_t len)
{
	struct vnet_hdr h;

	if (!n->d || !(q & 1) || q / 2u >= n->nqueues_pairs || !hdr12)
		return -1;
	memcpy(&h, hdr12, sizeof(h));
	return tx_post(n, q / 2u, &h, frame, len);
}

long vnet_drv_recv(struct vnet_drv *n, struct vnet_rx_info *info, void *dst, size_t max)
{
	struct vnet_frame *f;
	long len;

	if (!n->d || (max && !dst))
		return -1;
	if (!n->rx_head)
		vnet_drv_poll(n);
	f = n->rx_head;
	if (!f)
		return -1;
	n->rx_head = f->next;
	if (!n->rx_head)
		n->rx_tail = NULL;
	n->rx_n--;
	if (info)
		*info = f->info;
	if (max)
		memcpy(dst, f->data, max < f->info.len ? max : f->info.len);
	len = (long)f->info.len;
	free(f);
	return len;
}

int vnet_drv_submit_raw(struct vnet_drv *n, uint16_t q, const struct vq_buf *out,
			unsigned n_out, const struct vq_buf *in, unsigned n_in, bool indirect)
{
	vq_drv_t *vq = n->d ? vdrv_queue(n->d, q) : NULL;
	int head;

	if (!vq)
		return -1;
	head = vq_drv_add(vq, out, n_out, in, n_in, &n->raw_token, indirect);
	if (head >= 0)
		vdrv_kick(n->d, q);
	return head;
}

int vnet_drv_queue_reset(struct vnet_drv *n, uint16_t q)
{
	uint32_t p = q / 2u;

	if (!n->d || vdrv_queue_reset(n->d, q, VNET_QUEUE_SIZE) != 0)
		return -1;
	if (has(n, VIRTIO_NET_F_CTRL_VQ) && q == n->ctrlq) {
		n->ctrl_busy = false;
		return 0;
	}
	if (p >= n->nqueues_pairs)
		return 0;
	if (q & 1) {
		memset(n->tx_busy[p], 0, sizeof(n->tx_busy[p]));
	} else {
		memset(n->rx_posted[p], 0, sizeof(n->rx_posted[p]));
		post_rx(n, p);
	}
	return 0;
}

/* ----------------------------------------------------------------- attach */

static int read_config(struct vnet_drv *n)
{
	uint64_t offered = vdrv_device_features(n->d);
	struct vnet_cfg_raw c;
	int rc = 0;

	if (vdrv_config_read(n->d, 0, &c, sizeof(c)) != 0)
		return -1;
	memset(&n->cfg, 0, sizeof(n->cfg));
	memcpy(n->cfg.mac, c.mac, 6);
	n->cfg.status = has(n, VIRTIO_NET_F_STATUS) ? le16_to_cpu(c.status)
						     : VIRTIO_NET_S_LINK_UP;
	n->cfg.max_pairs = 1;
	n->cfg.speed = VIRTIO_NET_SPEED_UNKNOWN;
	n->cfg.duplex = VIRTIO_NET_DUPLEX_UNKNOWN;
	/* devicenormative: Device configuration layout -- each value in its
	 * range; the driver refuses a device that breaks one it needs */
	if (has(n, VIRTIO_NET_F_MQ) || has(n, VIRTIO_NET_F_RSS)) {
		uint16_t v = le16_to_cpu(c.max_virtqueue_pairs);

		if (v < 1 || v > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
			if (has(n, VIRTIO_NET_F_MQ))
				bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
				    "max_virtqueue_pairs %u outside 1..0x8000 with MQ", v);
			rc = -1;
		}
		n->cfg.max_pairs = v;
	}
	if (has(n, VIRTIO_NET_F_MTU)) {
		n->cfg.mtu = le16_to_cpu(c.mtu);
		if (n->cfg.mtu < VIRTIO_NET_MIN_MTU) {
			bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
			    "mtu %u below 68 with MTU", n->cfg.mtu);
			rc = -1;
		}
	}
	if (offered & (VIRTIO_BIT(VIRTIO_NET_F_RSS) | VIRTIO_BIT(VIRTIO_NET_F_HASH_REPORT))) {
		n->cfg.rss_max_key = c.rss_max_key_size;
		n->cfg.hash_types = le32_to_cpu(c.supported_hash_types);
		if (n->cfg.rss_max_key < VIRTIO_NET_RSS_MIN_KEY) {
			bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
			    "rss_max_key_size %u below 40", n->cfg.rss_max_key);
			if (has(n, VIRTIO_NET_F_RSS))
				rc = -1;
		}
	}
	if (offered & VIRTIO_BIT(VIRTIO_NET_F_RSS)) {
		n->cfg.rss_max_table = le16_to_cpu(c.rss_max_indirection_table_length);
		if (n->cfg.rss_max_table < VIRTIO_NET_RSS_MIN_TABLE) {
			bad(n, VC_SEV_RECORD, CL_DEV_NET_CONFIG, VC_NO_QUEUE,
			    "rss_max_indirection_table_length %u below 128",
			    n->cfg.rss_max_table);
			if (has(n, VIRTIO_NET_F_RSS))
				rc = -1;
		}
	}
	read_status(n);
	return rc;
}

static int attach(struct vnet_drv *n, vdrv_t *d);

int vnet_drv_attach(struct vnet_drv *n, vdrv_t *d)
{
	if (attach(n, d) == 0)
		return 0;
	vnet_drv_detach(n);
	return -1;
}

static int attach(struct vnet_drv *n, vdrv_t *d)
{
	uint32_t p, qsize;
	vq_drv_t *vq;

	memset(n, 0, sizeof(*n));
	n->d = d;
	n->features = vdrv_features(d);
	n->config_irqs_seen = vdrv_irq_stats(d)->config;
	n->scratch = malloc(VNET_SCRATCH);
	if (!n->scratch || read_config(n) != 0)
		return -1;
	/* drivernormative: Device configuration layout -- the NIC's address
	 * is mac when MAC is negotiated; else a locally administered one */
	if (has(n, VIRTIO_NET_F_MAC))
		memcpy(n->mac, n->cfg.mac, 6);
	else
		memcpy(n->mac, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	n->nqueues_pairs = n->cfg.max_pairs < VNET_MAX_PAIRS ? n->cfg.max_pairs
							     : (uint16_t)VNET_MAX_PAIRS;
	n->pairs = n->tx_pairs = 1;
	if (has(n, VIRTIO_NET_F_CTRL_VQ)) {
		uint32_t cq = 2u * n->cfg.max_pairs;

		if (cq >= VNET_MAX_QUEUES || !vdrv_queue(d, (uint16_t)cq))
			return -1; /* more pairs than this driver reaches */
		n->ctrlq = (uint16_t)cq;
		n->ctrl_area = vdrv_alloc(d, VNET_CTRL_MAX + 64, 64);
		if (!n->ctrl_area)
			return -1;
	}
	if (has(n, VIRTIO_NET_F_MRG_RXBUF)) {
		n->rx_buf_size = VNET_MRG_BUF_SIZE;
		n->rx_bufs = VNET_MRG_BUFS;
	} else if (has(n, VIRTIO_NET_F_GUEST_TSO4) || has(n, VIRTIO_NET_F_GUEST_TSO6) ||
		   has(n, VIRTIO_NET_F_GUEST_UFO)) {
		n->rx_buf_size = VNET_BIG_BUF_SIZE;
		n->rx_bufs = VNET_BIG_BUFS;
	} else {
		n->rx_buf_size = VNET_SMALL_BUF_SIZE;
		if (has(n, VIRTIO_NET_F_MTU) &&
		    (uint32_t)n->cfg.mtu + VIRTIO_NET_ETH_HLEN + VIRTIO_NET_HDR_SIZE > n->rx_buf_size)
			n->rx_buf_size = (uint32_t)n->cfg.mtu + VIRTIO_NET_ETH_HLEN +
					 VIRTIO_NET_HDR_SIZE;
		n->rx_bufs = VNET_SMALL_BUFS;
	}
	for (p = 0; p < n->nqueues_pairs; p++) {
		vq = vdrv_queue(d, rxq(p));
		if (!vq || !vdrv_queue(d, txq(p)))
			return -1;
		qsize = vq_drv_num_free(vq);
		if (qsize < n->rx_bufs)
			n->rx_bufs = qsize;
	}
	if ((uint64_t)n->rx_bufs * n->rx_buf_size > VNET_RX_BYTES_MAX)
		n->rx_bufs = VNET_RX_BYTES_MAX / n->rx_buf_size ? VNET_RX_BYTES_MAX / n->rx_buf_size
								 : 1;
	for (p = 0; p < n->nqueues_pairs; p++) {
		n->rx_area[p] = vdrv_alloc(d, (uint64_t)n->rx_bufs * n->rx_buf_size, 64);
		n->tx_area[p] = vdrv_alloc(d, (uint64_t)VNET_TX_SLOTS * VNET_TX_SLOT_SIZE, 64);
		if (!n->rx_area[p] || !n->tx_area[p])
			return -1;
	}
	for (p = 0; p < n->nqueues_pairs; p++)
		post_rx(n, p);
	return 0;
}

void vnet_drv_detach(struct vnet_drv *n)
{
	struct vnet_frame *f = n->rx_head, *next;

	for (; f; f = next) {
		next = f->next;
		free(f);
	}
	n->rx_head = n->rx_tail = NULL;
	n->rx_n = 0;
	free(n->scratch);
	n->scratch = NULL;
	n->d = NULL;
}
