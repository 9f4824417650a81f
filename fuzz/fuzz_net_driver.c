// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: a hostile virtio-net DEVICE facing the reference net driver
 * (model/drivers/net_drv.c). The device is an ops table in this file, built
 * only on the public plugin ABI (virtiocheck/device.h), run on a real pair
 * (PCI or MMIO). From the input it takes:
 *  - the offered features and the whole configuration: mac, status,
 *    max_virtqueue_pairs (0, 0x8000, 0x8001, 0xffff too), mtu (below 68
 *    too), speed and duplex (out of range too), the RSS sizes (0 too);
 *  - receive traffic: for each packet, the header bytes (num_buffers,
 *    flags, gso_type, csum fields: valid or not), the number of buffers it
 *    takes, each buffer's used length (full, short, 0);
 *  - its answers to the driver: control acks (OK, ERR, any byte), used
 *    lengths of 0, or no answer at all; configuration changes (ANNOUNCE,
 *    link, speed).
 * The driver attaches, sends frames, issues control commands, polls,
 * resets and attaches again.
 *
 * Oracles (clause cited on failure):
 *  - attach fails exactly when the configuration breaks a rule the driver
 *    needs (max_virtqueue_pairs with MQ, mtu with MTU, the RSS minimums
 *    with RSS -- 5.1.4.1), then with a CL_DEV_NET_CONFIG finding; an
 *    out-of-range speed/duplex is recorded and read as unknown; a device
 *    with more pairs than the driver reaches is refused without a finding;
 *  - every received packet gets the verdict re-derived here (used len
 *    covering the header, num_buffers 1 without MRG_RXBUF and within the
 *    buffers used together with it, all but the last buffer full, flags and
 *    GSO types as negotiated, csum fields inside the packet, the MTU bound):
 *    a valid one reaches vnet_drv_recv byte-exact with its header fields, a
 *    bad one is refused with exactly one finding citing the expected clause
 *    and its queue is marked broken;
 *  - what the driver sends keeps its own rules (CL_DRV_NET_TX, MQ, RX
 *    filter, MAC, RSS, offloads, announce): transmit headers with
 *    num_buffers 0, no NEEDS_CSUM without CSUM, GSO only as negotiated,
 *    device-readable buffers holding the frame sent; receive buffers
 *    device-writable and at least a header long with MRG_RXBUF; control
 *    commands only for negotiated features and with valid data; an
 *    ANNOUNCE answered with ANNOUNCE_ACK;
 *  - nothing crashes or hangs.
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 packed
 *   bytes 1-3: offered features (bit i: feat_bits[i]); bytes 4-6: wanted
 *   then the configuration (see setup()), then operations: one byte (b % 8)
 *   and operands.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gm.h"
#include "net_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_net.h"

#define HARNESS "harness:fuzz_net_driver"
#define MAX_OPS 48
#define MAX_RESETS 3
#define FAKE_QUEUES VNET_MAX_QUEUES
#define MAX_BUFS 6u
#define FRAME_MAX 3000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned feat_bits[24] = {
	VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS,
	VIRTIO_NET_F_MTU, VIRTIO_NET_F_MAC, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
	VIRTIO_NET_F_GUEST_UFO, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_MRG_RXBUF,
	VIRTIO_NET_F_STATUS, VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VLAN,
	VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_MQ,
	VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_RSS, VIRTIO_NET_F_SPEED_DUPLEX,
	VIRTIO_NET_F_HOST_ECN, VIRTIO_NET_F_GUEST_ECN, VIRTIO_NET_F_HOST_TSO6,
	VIRTIO_NET_F_HOST_UFO,
};

struct fake_cfg {
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

_Static_assert(sizeof(struct fake_cfg) == VIRTIO_NET_CFG_SIZE, "config");

enum ctrl_mode { CM_ANSWER, CM_EMPTY, CM_SILENT };

static struct {
	const struct vc_host_ops *host;
	void *h;
	uint64_t offer, features;
	struct fake_cfg cfg;
	enum ctrl_mode ctrl_mode;
	uint8_t ack;
	bool live;
	/* what the driver did last */
	uint32_t tx_seen, ctrl_seen;
	uint8_t last_cls, last_cmd;
	uint8_t sent[FRAME_MAX];
	uint32_t sent_len;
	bool announce_acked;
	uint32_t tx_used_len;
} F;

static struct vc_pair pr;
static struct vnet_drv nd;
static bool nd_ok;
static struct vdrv_config dcfg;
static unsigned resets;
static uint8_t pkt[MAX_BUFS * (VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_GSO_FRAME)], got[MAX_BUFS * 65562u];

static bool has(unsigned bit) { return F.features & VIRTIO_BIT(bit); }

static uint16_t layout_pairs(void)
{
	if (!has(VIRTIO_NET_F_MQ) && !has(VIRTIO_NET_F_RSS))
		return 1;
	return le16_to_cpu(F.cfg.max_virtqueue_pairs);
}

/* ------------------------------------------------------------ the device */

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	F.host = host;
	F.h = h;
	return &F;
}

static void fake_destroy(void *dev) {}
static uint64_t fake_get_features(void *dev) { return F.offer; }

static int fake_set_features(void *dev, uint64_t f)
{
	F.features = f;
	return 0;
}

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	memcpy(dst, (const uint8_t *)&F.cfg + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	ORACLE(false, CL_DRV_NET_CONFIG, "the driver wrote the read-only configuration");
}

static void fake_activate(void *dev) { F.live = true; }
static void fake_reset(void *dev) { F.live = false; F.features = 0; }

static bool gso_ok(uint8_t gso)
{
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE: return true;
	case VIRTIO_NET_HDR_GSO_TCPV4: return has(VIRTIO_NET_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6: return has(VIRTIO_NET_F_HOST_TSO6);
	case VIRTIO_NET_HDR_GSO_UDP: return has(VIRTIO_NET_F_HOST_UFO);
	default: return false;
	}
}

/* A transmit buffer: the driver's rules of 5.1.6.2.1. */
static void check_tx(uint16_t q, const struct vc_elem *e)
{
	uint8_t h[12];
	uint32_t flen, cs, co;

	F.tx_seen++;
	ORACLE(e->n_writable == 0, CL_DRV_NET_TX, "transmit buffer with a writable part");
	ORACLE(e->readable_bytes >= 12 && F.host->elem_read(F.h, e, 0, h, 12) == 12, CL_DRV_NET_TX,
	       "transmit buffer shorter than the header");
	ORACLE(h[10] == 0 && h[11] == 0, CL_DRV_NET_TX, "num_buffers not 0 on transmit");
	ORACLE(!(h[0] & ~1u) && (!(h[0] & 1) || has(VIRTIO_NET_F_CSUM)), CL_DRV_NET_TX,
	       "flags 0x%x on transmit", h[0]);
	ORACLE(gso_ok(h[1] & 0x7f), CL_DRV_NET_TX, "gso_type 0x%x not negotiated", h[1]);
	ORACLE(!(h[1] & 0x80) || has(VIRTIO_NET_F_HOST_ECN), CL_DRV_NET_TX, "ECN without HOST_ECN");
	flen = (uint32_t)(e->readable_bytes - 12);
	cs = (uint32_t)(h[6] | h[7] << 8);
	co = (uint32_t)(h[8] | h[9] << 8);
	if (h[1])
		ORACLE((h[0] & 1) && (h[4] | h[5]), CL_DRV_NET_TX, "GSO without NEEDS_CSUM/gso_size");
	if (h[0] & 1)
		ORACLE(cs + co + 2 <= flen, CL_DRV_NET_TX, "checksum field outside the frame");
	if (!(h[1] & 0x7f) && has(VIRTIO_NET_F_MTU))
		ORACLE(flen <= (uint32_t)le16_to_cpu(F.cfg.mtu) + 14, CL_DRV_NET_CONFIG,
		       "frame above mtu + 14");
	/* drivernormative: Automatic receive steering -- the queue is one in
	 * use (the driver's own count, which the harness checks against the
	 * commands it saw) */
	ORACLE(q / 2 < nd.tx_pairs, CL_DRV_NET_MQ, "transmit on queue %u, %u pairs", q, nd.tx_pairs);
	if (flen <= FRAME_MAX && F.sent_len == flen) {
		uint8_t fr[FRAME_MAX];

		ORACLE(F.host->elem_read(F.h, e, 12, fr, flen) == flen &&
		       !memcmp(fr, F.sent, flen), CL_DRV_NET_TX, "transmitted bytes differ");
	}
}

static bool guest_offload_ok(uint64_t off)
{
	const uint64_t mask = VIRTIO_BIT(1) | VIRTIO_BIT(7) | VIRTIO_BIT(8) | VIRTIO_BIT(9) |
			      VIRTIO_BIT(10);

	return !(off & ~(F.features & mask));
}

/* A control command: the driver's rules of 5.1.6.5. */
static void check_ctrl(const uint8_t *b, uint32_t n)
{
	uint8_t cls = b[0], c = b[1];

	F.ctrl_seen++;
	F.last_cls = cls;
	F.last_cmd = c;
	switch (cls) {
	case VIRTIO_NET_CTRL_RX:
		ORACLE(c <= 5 && n == 3 && b[2] <= 1, CL_DRV_NET_RXFILTER, "RX command %u, %u bytes",
		       c, n);
		ORACLE(c <= 1 ? has(VIRTIO_NET_F_CTRL_RX) : has(VIRTIO_NET_F_CTRL_RX_EXTRA),
		       CL_DRV_NET_RXFILTER, "RX command %u without its feature", c);
		break;
	case VIRTIO_NET_CTRL_MAC:
		ORACLE(has(VIRTIO_NET_F_CTRL_RX), CL_DRV_NET_MAC, "MAC command without CTRL_RX");
		if (c == VIRTIO_NET_CTRL_MAC_TABLE_SET) {
			uint64_t n1, n2;

			ORACLE(n >= 10, CL_DRV_NET_MAC, "MAC_TABLE_SET too short");
			n1 = (uint64_t)b[2] | (uint64_t)b[3] << 8 | (uint64_t)b[4] << 16 |
			     (uint64_t)b[5] << 24;
			ORACLE(10 + 6 * n1 <= n, CL_DRV_NET_MAC, "unicast count beyond the data");
			n2 = b[6 + 6 * n1];
			ORACLE(10 + 6 * (n1 + n2) == n, CL_DRV_NET_MAC, "counts do not match");
		} else {
			ORACLE(c == VIRTIO_NET_CTRL_MAC_ADDR_SET && n == 8 &&
			       has(VIRTIO_NET_F_CTRL_MAC_ADDR), CL_DRV_NET_MAC, "MAC command %u", c);
		}
		break;
	case VIRTIO_NET_CTRL_VLAN:
		ORACLE(has(VIRTIO_NET_F_CTRL_VLAN) && c <= 1 && n == 4 &&
		       (uint16_t)(b[2] | b[3] << 8) < 4096, CL_DRV_NET_RXFILTER, "VLAN command");
		break;
	case VIRTIO_NET_CTRL_ANNOUNCE:
		ORACLE(has(VIRTIO_NET_F_GUEST_ANNOUNCE) && c == 0 && n == 2, CL_DRV_NET_ANNOUNCE,
		       "ANNOUNCE command");
		F.announce_acked = true;
		break;
	case VIRTIO_NET_CTRL_MQ:
		if (c == VIRTIO_NET_CTRL_MQ_RSS_CONFIG) {
			ORACLE(has(VIRTIO_NET_F_RSS), CL_DRV_NET_RSS, "RSS_CONFIG without RSS");
			break;
		}
		ORACLE(c == 0 && n == 4 && has(VIRTIO_NET_F_MQ), CL_DRV_NET_MQ, "MQ command");
		ORACLE((uint16_t)(b[2] | b[3] << 8) >= 1 &&
		       (uint16_t)(b[2] | b[3] << 8) <= layout_pairs(), CL_DRV_NET_MQ,
		       "VQ_PAIRS_SET %u of %u", b[2] | b[3] << 8, layout_pairs());
		break;
	case VIRTIO_NET_CTRL_GUEST_OFFLOADS: {
		uint64_t off = 0;
		int i;

		ORACLE(has(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) && c == 0 && n == 10,
		       CL_DRV_NET_OFFLOADS, "offloads command");
		for (i = 9; i >= 2; i--)
			off = off << 8 | b[i];
		ORACLE(guest_offload_ok(off), CL_DRV_NET_OFFLOADS, "offload not negotiated");
		break;
	}
	default:
		ORACLE(false, CL_DRV_NET_RXFILTER, "unknown class %u", cls);
	}
}

static void fake_queue_notify(void *dev, uint16_t q)
{
	struct vc_elem e;
	bool pushed = false;

	if (!F.live)
		return;
	if (has(VIRTIO_NET_F_CTRL_VQ) && q == 2 * layout_pairs()) {
		if (F.ctrl_mode == CM_SILENT)
			return;
		while (F.host->queue_pop(F.h, q, &e) == VC_POP_OK) {
			uint8_t b[VNET_CTRL_MAX];
			uint64_t n = e.readable_bytes;

			ORACLE(n >= 2 && n <= sizeof(b) && e.n_writable == 1 && e.writable_bytes == 1,
			       HARNESS, "control buffer of %llu + %llu bytes",
			       (unsigned long long)n, (unsigned long long)e.writable_bytes);
			F.host->elem_read(F.h, &e, 0, b, n);
			check_ctrl(b, (uint32_t)n);
			if (F.ctrl_mode == CM_ANSWER)
				F.host->elem_write(F.h, &e, 0, &F.ack, 1);
			F.host->queue_push(F.h, q, &e, F.ctrl_mode == CM_ANSWER ? 1 : 0);
			pushed = true;
		}
	} else if (q & 1) {
		while (F.host->queue_pop(F.h, q, &e) == VC_POP_OK) {
			check_tx(q, &e);
			F.host->queue_push(F.h, q, &e, F.tx_used_len);
			pushed = true;
		}
	}
	if (pushed)
		F.host->queue_flush(F.h, q);
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fake-net",
	.device_id = VIRTIO_ID_NET,
	.num_queues = FAKE_QUEUES,
	.queue_size_max = 64,
	.config_size = VIRTIO_NET_CFG_SIZE,
	.create = fake_create,
	.destroy = fake_destroy,
	.get_features = fake_get_features,
	.set_features = fake_set_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_activate,
	.reset = fake_reset,
	.queue_notify = fake_queue_notify,
};

/* ------------------------------------------------------------ findings */

static uint64_t driver_findings(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	return (uint64_t)f->count + f->dropped;
}

static const char *last_driver_clause(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	return f->count ? f->v[f->count - 1].clause : "";
}

/* ------------------------------------------------------------- attach */

static bool bring_up(void)
{
	uint64_t f0 = driver_findings(), offered = F.offer;
	uint16_t pairs = le16_to_cpu(F.cfg.max_virtqueue_pairs), mtu = le16_to_cpu(F.cfg.mtu);
	bool refuse = false, record = false;
	uint32_t sp;

	nd_ok = false;
	if (vdrv_init(pr.drv, &dcfg) != 0)
		return false;
	/* devicenormative: Device configuration layout, re-derived */
	if (has(VIRTIO_NET_F_MQ) && (pairs < 1 || pairs > 0x8000))
		refuse = record = true;
	if (has(VIRTIO_NET_F_RSS) && (pairs < 1 || pairs > 0x8000))
		refuse = true;
	if (has(VIRTIO_NET_F_MTU) && mtu < 68)
		refuse = record = true;
	if ((offered & VIRTIO_BIT(VIRTIO_NET_F_RSS)) &&
	    F.cfg.rss_max_key_size < VIRTIO_NET_RSS_MIN_KEY) {
		record = true;
		refuse |= has(VIRTIO_NET_F_RSS);
	}
	if ((offered & VIRTIO_BIT(VIRTIO_NET_F_RSS)) &&
	    le16_to_cpu(F.cfg.rss_max_indirection_table_length) < VIRTIO_NET_RSS_MIN_TABLE) {
		record = true;
		refuse |= has(VIRTIO_NET_F_RSS);
	}
	sp = le32_to_cpu(F.cfg.speed);
	if (has(VIRTIO_NET_F_SPEED_DUPLEX) &&
	    ((sp > 0x7fffffffu && sp != 0xffffffffu) ||
	     (F.cfg.duplex > 1 && F.cfg.duplex != 0xff)))
		record = true;
	if (!refuse && has(VIRTIO_NET_F_CTRL_VQ) && 2u * layout_pairs() >= VNET_MAX_QUEUES)
		refuse = true; /* more pairs than the driver reaches */
	nd_ok = vnet_drv_attach(&nd, pr.drv) == 0;
	ORACLE(nd_ok == !refuse, CL_DEV_NET_CONFIG,
	       "attach %s (pairs %u, mtu %u, key %u, table %u)", nd_ok ? "accepted" : "refused",
	       pairs, mtu, F.cfg.rss_max_key_size,
	       le16_to_cpu(F.cfg.rss_max_indirection_table_length));
	if (record)
		ORACLE(driver_findings() > f0 && !strcmp(last_driver_clause(), CL_DEV_NET_CONFIG),
		       CL_DEV_NET_CONFIG, "a bad configuration value was not recorded");
	else
		ORACLE(driver_findings() == f0, CL_DEV_NET_CONFIG, "finding on a valid configuration: %s",
		       last_driver_clause());
	if (!nd_ok)
		return false;
	if (has(VIRTIO_NET_F_SPEED_DUPLEX))
		ORACLE(nd.cfg.speed <= 0x7fffffffu || nd.cfg.speed == 0xffffffffu, CL_DRV_NET_CONFIG,
		       "speed out of range not read as unknown");
	/* drivernormative: Setting Up Receive Buffers -- checked here on the
	 * sizes the driver chose */
	if (has(VIRTIO_NET_F_MRG_RXBUF))
		ORACLE(nd.rx_buf_size >= 12, CL_DRV_NET_RXBUF, "receive buffers below the header");
	else if (has(VIRTIO_NET_F_GUEST_TSO4) || has(VIRTIO_NET_F_GUEST_TSO6) ||
		 has(VIRTIO_NET_F_GUEST_UFO))
		ORACLE(nd.rx_buf_size >= 65562, CL_DRV_NET_RXBUF, "GSO receive buffers too small");
	else
		ORACLE(nd.rx_buf_size >= 1526 &&
		       (!has(VIRTIO_NET_F_MTU) || nd.rx_buf_size >= (uint32_t)mtu + 26),
		       CL_DRV_NET_CONFIG, "receive buffers too small for the mtu");
	return true;
}

/* ------------------------------------------------------------- receive */

/* The clause a packet breaks, or NULL; *total the frame bytes. */
static const char *rx_verdict(const uint8_t *h, const uint32_t *lens, uint32_t nbufs,
			      uint32_t bsize, uint32_t *total)
{
	uint16_t nb = (uint16_t)(h[10] | h[11] << 8);
	uint8_t gso = h[1] & 0x7f;
	uint32_t cs = (uint32_t)(h[6] | h[7] << 8), co = (uint32_t)(h[8] | h[9] << 8), i;
	bool ok;

	if (lens[0] < 12)
		return CL_DEV_NET_RX;
	if (!has(VIRTIO_NET_F_MRG_RXBUF) ? nb != 1 : (nb == 0 || nb > nd.rx_bufs))
		return CL_DEV_NET_RXBUF;
	*total = lens[0] - 12;
	for (i = 1; i < nb; i++) {
		if (lens[i - 1] != bsize || i >= nbufs)
			return CL_DEV_NET_RX;
		*total += lens[i];
	}
	if (h[0] && !has(VIRTIO_NET_F_GUEST_CSUM))
		return CL_DEV_NET_RX;
	if (h[0] & VIRTIO_NET_HDR_F_RSC_INFO)
		return CL_DEV_NET_RX;
	if (gso) {
		ok = (gso == 1 && has(VIRTIO_NET_F_GUEST_TSO4)) ||
		     (gso == 4 && has(VIRTIO_NET_F_GUEST_TSO6)) ||
		     (gso == 3 && has(VIRTIO_NET_F_GUEST_UFO));
		if (!ok || !(h[0] & 1) || !(h[4] | h[5]))
			return CL_DEV_NET_RX;
	}
	if ((h[0] & 1) && cs + co + 2 > *total)
		return CL_DEV_NET_RX;
	if (!gso && has(VIRTIO_NET_F_MTU) && *total > (uint32_t)le16_to_cpu(F.cfg.mtu) + 14)
		return CL_DEV_NET_CONFIG;
	return NULL;
}

static void op_deliver(struct fin *f)
{
	uint8_t sel = fin_u8(f), h[12];
	uint16_t pair = (uint16_t)(fin_u8(f) % (nd.nqueues_pairs ? nd.nqueues_pairs : 1));
	uint16_t q = (uint16_t)(2 * pair);
	vq_drv_t *vq = vdrv_queue(pr.drv, q);
	uint32_t nbufs = 1 + sel % MAX_BUFS, lens[MAX_BUFS], heads[MAX_BUFS], i, off = 0, total = 0;
	uint64_t f0 = driver_findings();
	struct vnet_rx_info info;
	struct vc_elem e;
	const char *bad;
	long n;

	if (!vq || vq_drv_broken(vq))
		return;
	for (i = 0; i < 12; i++)
		h[i] = fin_u8(f);
	if (!(sel & 0x80)) {
		/* mostly sane headers: num_buffers and flags from the setup */
		h[10] = (uint8_t)(has(VIRTIO_NET_F_MRG_RXBUF) ? nbufs : 1);
		h[11] = 0;
		if (!has(VIRTIO_NET_F_GUEST_CSUM))
			h[0] = 0;
		if (!(sel & 0x40))
			h[1] = 0;
	}
	if (!has(VIRTIO_NET_F_MRG_RXBUF) && !(sel & 0x20))
		nbufs = 1;
	for (i = 0; i < nbufs; i++) {
		uint8_t l = fin_u8(f);

		lens[i] = l < 200 ? nd.rx_buf_size : l == 255 ? 0 : (uint32_t)l * 13 % (nd.rx_buf_size + 1);
	}
	/* buffers past num_buffers come back unused */
	for (i = (h[10] | h[11] << 8); i < nbufs && (h[10] | h[11] << 8); i++)
		lens[i] = 0;
	if (lens[0] == 0)
		lens[0] = 12;
	memcpy(pkt, h, 12);
	for (i = 12; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 31 + sel);
	for (i = 0; i < nbufs; i++) {
		if (F.host->queue_pop(F.h, q, &e) != VC_POP_OK)
			break;
		/* drivernormative: Setting Up Receive Buffers */
		ORACLE(e.n_readable == 0, CL_DRV_NET_RXBUF, "receive buffer with a readable part");
		ORACLE(!has(VIRTIO_NET_F_MRG_RXBUF) || e.writable_bytes >= 12, CL_DRV_NET_RXBUF,
		       "receive buffer below the header with MRG_RXBUF");
		if (lens[i] > e.writable_bytes)
			lens[i] = (uint32_t)e.writable_bytes;
		F.host->elem_write(F.h, &e, 0, pkt + off, lens[i]);
		off += lens[i];
		heads[i] = e.head;
		(void)heads[i];
		F.host->queue_push(F.h, q, &e, lens[i]);
	}
	if (i == 0)
		return;
	nbufs = i;
	F.host->queue_flush(F.h, q);
	bad = rx_verdict(h, lens, nbufs, nd.rx_buf_size, &total);
	vnet_drv_poll(&nd);
	n = vnet_drv_recv(&nd, &info, got, sizeof(got));
	if (bad) {
		ORACLE(n < 0, bad, "a bad packet was received (%ld bytes)", n);
		ORACLE(driver_findings() == f0 + 1 && !strcmp(last_driver_clause(), bad), bad,
		       "bad packet: %llu findings, last %s", (unsigned long long)(driver_findings() - f0),
		       last_driver_clause());
		ORACLE(vq_drv_broken(vq), bad, "queue not broken after a bad packet");
		return;
	}
	ORACLE(driver_findings() == f0, HARNESS, "a valid packet refused: %s", last_driver_clause());
	ORACLE(n == (long)total && !memcmp(got, pkt + 12, total), CL_DEV_NET_RX,
	       "received %ld bytes, %u delivered", n, total);
	ORACLE(info.pair == pair && info.flags == h[0] && info.gso_type == h[1] &&
	       info.num_buffers == (h[10] | h[11] << 8), HARNESS, "header fields differ");
	ORACLE(vnet_drv_recv(&nd, NULL, NULL, 0) < 0, HARNESS, "more than one packet");
}

/* ---------------------------------------------------------- driver ops */

static void op_send(struct fin *f)
{
	uint8_t sel = fin_u8(f);
	struct vnet_tx_opts o = { 0 };
	uint32_t len = 14 + fin_u16(f) % (FRAME_MAX - 14), i;
	uint32_t seen = F.tx_seen;
	int rc;

	for (i = 0; i < len; i++)
		F.sent[i] = (uint8_t)(i ^ sel);
	F.sent_len = len;
	if (sel & 1) {
		o.needs_csum = true;
		o.csum_start = fin_u8(f);
		o.csum_offset = fin_u8(f) % 20;
	}
	if (sel & 2) {
		o.gso_type = fin_u8(f);
		o.gso_size = fin_u16(f);
	}
	F.tx_used_len = (sel & 0x80) ? fin_u8(f) % 3 : 0;
	rc = vnet_drv_send(&nd, (uint16_t)((sel >> 3) & 3), F.sent, len, &o);
	if (rc == 0 && !vdrv_broken(pr.drv))
		ORACLE(F.tx_seen == seen + 1 || F.tx_used_len || vq_drv_broken(vdrv_queue(pr.drv, 1)),
		       HARNESS, "a send the driver accepted did not reach the device");
	F.sent_len = 0;
}

static void op_ctrl(struct fin *f)
{
	uint8_t sel = fin_u8(f), a = fin_u8(f);
	uint8_t uni[2][6] = { { 0x52, 0, 0, 0, 0, 1 }, { 0x01, 0, 0x5e, 0, 0, 1 } };
	int rc = -1;

	F.ctrl_mode = (enum ctrl_mode)(sel >> 6 < 3 ? (sel >> 6 == 2 ? CM_EMPTY : CM_ANSWER)
						       : CM_SILENT);
	F.ack = (sel & 0x20) ? fin_u8(f) : (uint8_t)(sel & 1);
	switch (sel % 8) {
	case 0: rc = vnet_drv_rx_mode(&nd, a % 7, a & 8); break;
	case 1: rc = vnet_drv_vlan(&nd, (uint16_t)(a * 17), sel & 8); break;
	case 2: rc = vnet_drv_set_pairs(&nd, a % 6); break;
	case 3: rc = vnet_drv_set_offloads(&nd, (uint64_t)a << 1); break;
	case 4: rc = vnet_drv_mac_table(&nd, (const uint8_t (*)[6])uni[a & 1], a & 2 ? 1 : 0,
					(const uint8_t (*)[6])uni[1], a & 4 ? 1 : 0);
		break;
	case 5: rc = vnet_drv_announce_ack(&nd); break;
	case 6: rc = vnet_drv_set_mac(&nd, uni[0]); break;
	default: {
		static struct vnet_rss r;

		memset(&r, 0, sizeof(r));
		r.table_len = (uint16_t)(1u << (a % 8));
		r.max_tx_vq = 1;
		r.key_len = a % 41;
		r.hash_types = (uint32_t)(a >> 4);
		rc = vnet_drv_rss(&nd, &r);
		break;
	}
	}
	if (rc >= 0)
		ORACLE(F.ctrl_mode == CM_ANSWER && rc == F.ack, HARNESS,
		       "control result %d, device answered mode %d ack %u", rc, F.ctrl_mode, F.ack);
}

static void op_config(struct fin *f)
{
	uint8_t sel = fin_u8(f);
	uint64_t acks = nd.stats.announce_acks;

	F.announce_acked = false;
	F.ctrl_mode = CM_ANSWER;
	F.ack = VIRTIO_NET_OK;
	F.cfg.status = cpu_to_le16((uint16_t)(sel & 3));
	if (sel & 4)
		F.cfg.speed = cpu_to_le32(fin_u32(f));
	if (sel & 8)
		F.cfg.duplex = fin_u8(f);
	F.host->config_changed(F.h);
	vnet_drv_poll(&nd);
	/* drivernormative: Gratuitous Packet Sending */
	if ((sel & 2) && has(VIRTIO_NET_F_GUEST_ANNOUNCE) && has(VIRTIO_NET_F_STATUS) &&
	    has(VIRTIO_NET_F_CTRL_VQ) && !nd.ctrl_busy && !vdrv_broken(pr.drv) &&
	    vdrv_queue(pr.drv, nd.ctrlq) && !vq_drv_broken(vdrv_queue(pr.drv, nd.ctrlq)))
		ORACLE(F.announce_acked && nd.stats.announce_acks == acks + 1, CL_DRV_NET_ANNOUNCE,
		       "ANNOUNCE not acknowledged");
	if (has(VIRTIO_NET_F_SPEED_DUPLEX))
		ORACLE(nd.cfg.speed <= 0x7fffffffu || nd.cfg.speed == 0xffffffffu, CL_DRV_NET_CONFIG,
		       "speed out of range not read as unknown");
}

static void run_op(struct fin *f, uint8_t op)
{
	switch (op % 8) {
	case 0:
	case 1:
	case 2:
		op_deliver(f);
		break;
	case 3:
		op_send(f);
		break;
	case 4:
	case 5:
		op_ctrl(f);
		break;
	case 6:
		op_config(f);
		break;
	default:
		if (resets < MAX_RESETS) {
			resets++;
			vnet_drv_detach(&nd);
			vdrv_reset(pr.drv);
			bring_up();
		}
		break;
	}
}

static void setup(struct fin *f)
{
	uint8_t b0 = fin_u8(f), mode;
	uint32_t offer = fin_u8(f) | (uint32_t)fin_u8(f) << 8 | (uint32_t)fin_u8(f) << 16;
	uint32_t want_bits = fin_u8(f) | (uint32_t)fin_u8(f) << 8 | (uint32_t)fin_u8(f) << 16;
	static const uint16_t pairs_special[8] = { 0, 1, 2, 4, 16, 17, 0x8000, 0x8001 };
	static const uint16_t mtu_special[8] = { 0, 67, 68, 1000, 1500, 9000, 65535, 1280 };
	struct vc_pair_opts opts = { .transport = (b0 & 1) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI };
	uint64_t want = 0;
	unsigned i;

	memset(&F, 0, sizeof(F));
	resets = 0;
	F.offer = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	for (i = 0; i < 24; i++) {
		if (offer & (1u << i))
			F.offer |= VIRTIO_BIT(feat_bits[i]);
		if (want_bits & (1u << i))
			want |= VIRTIO_BIT(feat_bits[i]);
	}
	if (b0 & 2)
		want |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	mode = fin_u8(f);
	for (i = 0; i < 6; i++)
		F.cfg.mac[i] = fin_u8(f);
	F.cfg.status = cpu_to_le16(fin_u8(f) & 3);
	F.cfg.max_virtqueue_pairs =
		cpu_to_le16((mode & 1) ? fin_u16(f) : pairs_special[fin_u8(f) % 8]);
	F.cfg.mtu = cpu_to_le16((mode & 2) ? fin_u16(f) : mtu_special[fin_u8(f) % 8]);
	F.cfg.speed = cpu_to_le32((mode & 4) ? fin_u32(f) : 1000);
	F.cfg.duplex = (mode & 8) ? fin_u8(f) : 1;
	F.cfg.rss_max_key_size = (mode & 0x10) ? fin_u8(f) : 40;
	F.cfg.rss_max_indirection_table_length = cpu_to_le16((mode & 0x20) ? fin_u16(f) : 128);
	F.cfg.supported_hash_types = cpu_to_le32(fin_u8(f));

	ORACLE(vc_pair_open_opts(&pr, &fake_ops, NULL, &opts) == 0, HARNESS, "pair open failed");
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_NET) == 0, HARNESS, "probe failed");
	vnet_drv_config(&dcfg, want);
	dcfg.queue_size = 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	unsigned ops = 0;

	setup(&f);
	bring_up();
	while (nd_ok && !fin_done(&f) && ops++ < MAX_OPS) {
		if (vdrv_broken(pr.drv) || (vdrv_status(pr.drv) & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
			break;
		run_op(&f, fin_u8(&f));
	}
	vnet_drv_detach(&nd);
	nd_ok = false;
	vc_pair_close(&pr);
	return 0;
}
