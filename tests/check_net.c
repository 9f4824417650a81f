// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-net end to end (VIRTIO 1.2 5.1): the net driver against the net
 * device on a vc_pair. Transmit -> loopback -> receive byte equality with
 * and without MRG_RXBUF (small and 64 KiB frames), checksum offload, the
 * header split at every byte, the receive filter, multiqueue and RSS
 * steering, control commands, announcements, queue and device reset; a
 * hostile driver against the device and a hostile device against the
 * driver.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "gm.h"
#include "net.h"
#include "net_drv.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define NB(b) VIRTIO_BIT(VIRTIO_NET_F_##b)
#define ST_NR VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define BIG 65550u

static struct vc_pair pr;
static bool pr_open;
static struct vnet_drv net;
static const uint8_t dev_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static uint8_t fbuf[BIG], rbuf[BIG];

static void teardown(void)
{
	vnet_drv_detach(&net);
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

static void *dev(void)
{
	return vpci_device(pr.dev);
}

static void open_pair(const char *args)
{
	ck_assert_int_eq(vc_pair_open(&pr, &vc_net_device_ops, args, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_NET), 0);
}

static void init_driver(uint64_t wanted)
{
	struct vdrv_config cfg;

	vnet_drv_config(&cfg, wanted);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
}

static void open_net(const char *args, uint64_t wanted)
{
	open_pair(args);
	init_driver(wanted);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), 0);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vpci_findings(pr.dev), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static void assert_device_found(const char *clause)
{
	ck_assert_msg(vc_findings_find(vpci_findings(pr.dev), clause) >= 0,
		      "no device finding of %s", clause);
	ck_assert(vpci_status(pr.dev) & ST_NR);
}

static void assert_driver_found(const char *clause)
{
	ck_assert_msg(vc_findings_find(vdrv_findings(pr.drv), clause) >= 0,
		      "no driver finding of %s", clause);
}

/* An ethernet frame of len bytes to dst, IPv4 ethertype, payload pattern. */
static void mkframe(uint8_t *f, const uint8_t *dst, uint32_t len, uint8_t seed)
{
	uint32_t i;

	memcpy(f, dst, 6);
	memcpy(f + 6, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 9 }, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed);
}

/* Receive one frame and compare it with want. */
static void expect_rx(const uint8_t *want, uint32_t len, struct vnet_rx_info *info)
{
	struct vnet_rx_info tmp;
	long got = vnet_drv_recv(&net, info ? info : &tmp, rbuf, sizeof(rbuf));

	ck_assert_int_eq(got, (long)len);
	ck_assert(memcmp(rbuf, want, len) == 0);
}

static void expect_no_rx(void)
{
	ck_assert_int_eq(vnet_drv_recv(&net, NULL, rbuf, sizeof(rbuf)), -1);
}

/* ------------------------------------------------------------- loopback */

/* _i: bit 0 MRG_RXBUF, bit 1 EVENT_IDX, bit 2 INDIRECT */
START_TEST(loopback_small_frames)
{
	uint64_t wanted = ((_i & 1) ? NB(MRG_RXBUF) : 0) |
			  ((_i & 2) ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0) |
			  ((_i & 4) ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0) | NB(MAC);
	struct vnet_rx_info info;
	struct vc_net_tx_info ti;
	uint32_t len;

	open_net(NULL, wanted);
	ck_assert(memcmp(net.mac, dev_mac, 6) == 0);
	for (len = 14; len <= 1514; len += 100) {
		mkframe(fbuf, dev_mac, len, (uint8_t)len);
		ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, len, NULL), 0);
		ck_assert_int_eq(vc_net_tx_pop(dev(), &ti, rbuf, sizeof(rbuf)), (long)len);
		ck_assert(memcmp(rbuf, fbuf, len) == 0);
		ck_assert(!ti.csum_completed);
		expect_rx(fbuf, len, &info);
		ck_assert_uint_eq(info.num_buffers, 1);
		ck_assert_uint_eq(info.flags, 0);
		ck_assert_uint_eq(info.gso_type, 0);
	}
	ck_assert_uint_eq(vc_net_stats(dev())->rx_frames, 16);
	assert_no_findings();
}
END_TEST

/* _i: 0 MRG_RXBUF (spread over 2048-byte buffers), 1 big buffers (GUEST_TSO4) */
START_TEST(loopback_64k_frame)
{
	uint64_t wanted = _i == 0 ? NB(MRG_RXBUF) : NB(GUEST_TSO4) | NB(GUEST_CSUM);
	struct vnet_rx_info info;

	open_net("guest_tso4=on", wanted);
	mkframe(fbuf, dev_mac, 65000, 3);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 65000, NULL), 0);
	expect_rx(fbuf, 65000, &info);
	ck_assert_uint_eq(info.num_buffers, _i == 0 ? (65012 + 2047) / 2048 : 1);
	ck_assert_uint_eq(vc_net_stats(dev())->rx_buffers, info.num_buffers);
	assert_no_findings();
}
END_TEST

/* Without MRG_RXBUF and with 1526-byte buffers a 4000-byte frame does not
 * fit: dropped, the buffer back with len 0. */
START_TEST(frame_too_big_for_buffer_dropped)
{
	open_net(NULL, 0);
	mkframe(fbuf, dev_mac, 4000, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 4000), 0);
	expect_no_rx();
	ck_assert_uint_eq(vc_net_stats(dev())->rx_dropped_nobuf, 1);
	ck_assert_uint_eq(net.stats.rx_empty, 1);
	mkframe(fbuf, dev_mac, 1514, 2);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 1514), 0);
	expect_rx(fbuf, 1514, NULL);
	assert_no_findings();
}
END_TEST

/* A frame waits for buffers: injected before the driver posts any. */
START_TEST(inject_waits_for_buffers)
{
	struct vc_net_state st;

	open_pair(NULL);
	init_driver(0);
	mkframe(fbuf, dev_mac, 100, 4);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 100), 0);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.pending[0], 1);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), 0);
	expect_rx(fbuf, 100, NULL);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------- checksum */

/* The ones' complement sum of n bytes plus the pseudo-header sum the driver
 * left in the checksum field (0x1234): 0xffff for a correct checksum. */
static uint16_t fold(const uint8_t *p, uint32_t n)
{
	uint32_t sum = 0x1234, i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* _i: 0 the device completes the checksum, 1 GUEST_CSUM: passed on partial */
START_TEST(csum_offload_completed_or_passed)
{
	uint64_t wanted = NB(CSUM) | (_i ? NB(GUEST_CSUM) : 0);
	struct vnet_tx_opts o = { .needs_csum = true, .csum_start = 34, .csum_offset = 16 };
	struct vnet_rx_info info;
	struct vc_net_tx_info ti;
	long len;

	open_net(NULL, wanted);
	mkframe(fbuf, dev_mac, 200, 5);
	fbuf[50] = 0x12; /* the pseudo-header sum the driver leaves in the field */
	fbuf[51] = 0x34;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 200, &o), 0);
	ck_assert_int_eq(vc_net_tx_pop(dev(), &ti, rbuf, sizeof(rbuf)), 200);
	ck_assert(ti.csum_completed);
	ck_assert_uint_eq(fold(rbuf + 34, 200 - 34), 0xffff);
	len = vnet_drv_recv(&net, &info, rbuf, sizeof(rbuf));
	ck_assert_int_eq(len, 200);
	if (_i) {
		ck_assert_uint_eq(info.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		ck_assert_uint_eq(info.csum_start, 34);
		ck_assert_uint_eq(info.csum_offset, 16);
		ck_assert(memcmp(rbuf, fbuf, 200) == 0);
	} else {
		ck_assert_uint_eq(info.flags, 0);
		ck_assert_uint_eq(fold(rbuf + 34, 200 - 34), 0xffff);
		ck_assert(memcmp(rbuf, fbuf, 50) == 0);
	}
	/* refused by the driver: the checksum field beyond the frame */
	o.csum_start = 190;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 200, &o), -1);
	assert_no_findings();
}
END_TEST

START_TEST(gso_frame_reaches_guest_tso4)
{
	struct vnet_tx_opts o = { .needs_csum = true, .csum_start = 34, .csum_offset = 16,
				  .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1448,
				  .hdr_len = 54 };
	struct vnet_rx_info info;

	open_net("host_tso4=on,guest_tso4=on",
		 NB(CSUM) | NB(GUEST_CSUM) | NB(HOST_TSO4) | NB(GUEST_TSO4) | NB(MRG_RXBUF) |
		 NB(CTRL_VQ) | NB(CTRL_GUEST_OFFLOADS));
	mkframe(fbuf, dev_mac, 30000, 6);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 30000, &o), 0);
	expect_rx(fbuf, 30000, &info);
	ck_assert_uint_eq(info.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	ck_assert_uint_eq(info.gso_size, 1448);
	ck_assert_uint_eq(info.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	/* the driver refuses GSO types it did not negotiate */
	o.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 30000, &o), -1);
	o.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 30000, &o), -1);
	/* GUEST_TSO4 switched off: the device drops what the guest cannot take */
	ck_assert_int_eq(vnet_drv_set_offloads(&net, NB(GUEST_CSUM)), VIRTIO_NET_OK);
	o.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 30000, &o), 0);
	expect_no_rx();
	ck_assert_uint_eq(vc_net_stats(dev())->rx_gso_dropped, 1);
	assert_no_findings();
}
END_TEST

/* The 12-byte header split at byte _i + 1 over two descriptors. */
START_TEST(header_split_at_every_byte)
{
	uint8_t hdr[12] = { 0 };
	uint64_t b;
	struct vq_buf out[2];
	struct vc_net_tx_info ti;
	uint32_t cut = (uint32_t)_i + 1;

	open_net(NULL, 0);
	b = vdrv_alloc(pr.drv, 4096, 64);
	mkframe(fbuf, dev_mac, 64, 7);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), b, hdr, 12), 0);
	ck_assert_int_eq(gm_write(vdrv_mem(pr.drv), b + 12, fbuf, 64), 0);
	out[0] = (struct vq_buf){ b, cut };
	out[1] = (struct vq_buf){ b + cut, 76 - cut };
	ck_assert_int_ge(vnet_drv_submit_raw(&net, 1, out, 2, NULL, 0, false), 0);
	ck_assert_int_eq(vc_net_tx_pop(dev(), &ti, rbuf, sizeof(rbuf)), 64);
	ck_assert(memcmp(rbuf, fbuf, 64) == 0);
	expect_rx(fbuf, 64, NULL);
	ck_assert_uint_eq(net.stats.raw_used, 1);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------ filtering */

START_TEST(rx_filter_modes_and_tables)
{
	static const uint8_t other[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	uint8_t uni_t[1][6], multi_t[1][6];
	struct vc_net_state st;

	open_net(NULL, NB(CTRL_VQ) | NB(CTRL_RX) | NB(CTRL_RX_EXTRA) | NB(MAC));
	mkframe(fbuf, dev_mac, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	expect_rx(fbuf, 60, NULL);
	mkframe(fbuf, other, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 1);
	mkframe(fbuf, mcast, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 1);
	mkframe(fbuf, bcast, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	expect_rx(fbuf, 60, NULL);
	/* the MAC table lets the other unicast address and the group in */
	memcpy(uni_t[0], other, 6);
	memcpy(multi_t[0], mcast, 6);
	ck_assert_int_eq(vnet_drv_mac_table(&net, uni_t, 1, multi_t, 1), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.n_uni, 1);
	ck_assert_uint_eq(st.n_multi, 1);
	mkframe(fbuf, other, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	mkframe(fbuf, mcast, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	/* the driver refuses a multicast address in the unicast table */
	ck_assert_int_eq(vnet_drv_mac_table(&net, multi_t, 1, NULL, 0), -1);
	/* NOMULTI beats the table, NOBCAST stops broadcasts, PROMISC all */
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_NOMULTI, true), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 1);
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_NOBCAST, true), VIRTIO_NET_OK);
	mkframe(fbuf, bcast, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 1);
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_PROMISC, true), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_PROMISC, false), VIRTIO_NET_OK);
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_NOUNI, true), VIRTIO_NET_OK);
	mkframe(fbuf, dev_mac, 60, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 1);
	ck_assert_uint_eq(vc_net_stats(dev())->rx_filtered, 5);
	ck_assert_uint_eq(vc_net_stats(dev())->ctrl_ok[VIRTIO_NET_CTRL_RX], 5);
	/* a reset empties the table and the modes */
	vnet_drv_detach(&net);
	vdrv_reset(pr.drv);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.n_uni, 0);
	ck_assert(!st.nouni && !st.promisc);
	assert_no_findings();
}
END_TEST

START_TEST(vlan_filter)
{
	uint8_t f[64];

	open_net(NULL, NB(CTRL_VQ) | NB(CTRL_RX) | NB(CTRL_VLAN));
	mkframe(f, dev_mac, 64, 2);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x00;
	f[15] = 0x05;
	ck_assert_int_eq(vc_net_inject(dev(), 0, f, 64), 1);
	ck_assert_int_eq(vnet_drv_vlan(&net, 5, true), VIRTIO_NET_OK);
	ck_assert(vc_net_vlan_allowed(dev(), 5));
	ck_assert_int_eq(vc_net_inject(dev(), 0, f, 64), 0);
	expect_rx(f, 64, NULL);
	ck_assert_int_eq(vnet_drv_vlan(&net, 5, false), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_inject(dev(), 0, f, 64), 1);
	ck_assert_int_eq(vnet_drv_vlan(&net, 4096, true), -1);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------ multiqueue */

START_TEST(mq_pairs_and_steering)
{
	struct vnet_rx_info info;
	struct vc_net_state st;

	open_net("max_queue_pairs=4", NB(CTRL_VQ) | NB(MQ) | NB(MRG_RXBUF));
	ck_assert_uint_eq(net.cfg.max_pairs, 4);
	ck_assert_uint_eq(net.ctrlq, 8);
	mkframe(fbuf, dev_mac, 80, 3);
	/* before VQ_PAIRS_SET: transmitq1 only, receiveq1 only */
	ck_assert_int_eq(vnet_drv_send(&net, 1, fbuf, 80, NULL), -1);
	ck_assert_int_eq(vc_net_inject(dev(), 3, fbuf, 80), 0);
	expect_rx(fbuf, 80, &info);
	ck_assert_uint_eq(info.pair, 0);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 0), -1);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 5), -1);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 3), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.rx_pairs, 3);
	/* loopback of transmitq3 comes back on receiveq3 */
	ck_assert_int_eq(vnet_drv_send(&net, 2, fbuf, 80, NULL), 0);
	expect_rx(fbuf, 80, &info);
	ck_assert_uint_eq(info.pair, 2);
	/* automatic steering stays below virtqueue_pairs */
	ck_assert_int_eq(vc_net_inject(dev(), 7, fbuf, 80), 0);
	expect_rx(fbuf, 80, &info);
	ck_assert_uint_eq(info.pair, 1);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 1), VIRTIO_NET_OK);
	ck_assert_int_eq(vnet_drv_send(&net, 2, fbuf, 80, NULL), -1);
	ck_assert_int_eq(vc_net_inject(dev(), 2, fbuf, 80), 0);
	expect_rx(fbuf, 80, &info);
	ck_assert_uint_eq(info.pair, 0);
	assert_no_findings();
}
END_TEST

/* Frames waiting on receiveq3 when VQ_PAIRS_SET drops to one pair move to
 * receiveq1: nothing is queued above virtqueue_pairs afterwards. */
START_TEST(mq_shrink_moves_waiting_frames)
{
	struct vnet_rx_info info;
	struct vc_net_state st;
	unsigned i, on0 = 0, on2 = 0;

	open_net("max_queue_pairs=3", NB(CTRL_VQ) | NB(MQ) | NB(MRG_RXBUF));
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 3), VIRTIO_NET_OK);
	mkframe(fbuf, dev_mac, 100, 1);
	for (i = 0; i < net.rx_bufs + 5; i++)
		ck_assert_int_eq(vc_net_inject(dev(), 2, fbuf, 100), 0);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.pending[2], 5);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 1), VIRTIO_NET_OK);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert_uint_eq(st.pending[2], 0);
	ck_assert_uint_eq(st.pending[0], 0);
	while (vnet_drv_recv(&net, &info, rbuf, sizeof(rbuf)) == 100) {
		on0 += info.pair == 0;
		on2 += info.pair == 2;
	}
	ck_assert_uint_eq(on2, net.rx_bufs);
	ck_assert_uint_eq(on0, 5);
	assert_no_findings();
}
END_TEST

/* The Microsoft RSS verification vector: 66.9.149.187:2794 ->
 * 161.142.100.80:1766 hashes to 0x51ccc178 (TCPv4), 0x323e8fc2 (IPv4). */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint32_t tcp4_frame(uint8_t *f, uint8_t proto)
{
	static const uint8_t src[4] = { 66, 9, 149, 187 }, dst[4] = { 161, 142, 100, 80 };

	mkframe(f, dev_mac, 74, 0);
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[23] = proto;
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	f[34] = 2794 >> 8;
	f[35] = 2794 & 0xff;
	f[36] = 1766 >> 8;
	f[37] = 1766 & 0xff;
	return 74;
}

START_TEST(rss_steers_by_toeplitz_hash)
{
	static struct vnet_rss r;
	struct vnet_rx_info info;
	uint32_t len, i;

	open_net("max_queue_pairs=4,rss=on", NB(CTRL_VQ) | NB(RSS) | NB(MRG_RXBUF));
	memset(&r, 0, sizeof(r));
	r.hash_types = VIRTIO_NET_HASH_TYPE_IPv4 | VIRTIO_NET_HASH_TYPE_TCPv4;
	r.table_len = 128;
	for (i = 0; i < 128; i++)
		r.table[i] = (uint16_t)((i >> 3) & 3);
	r.unclassified = 1;
	r.max_tx_vq = 4;
	r.key_len = 40;
	memcpy(r.key, ms_key, 40);
	ck_assert_int_eq(vnet_drv_rss(&net, &r), VIRTIO_NET_OK);
	len = tcp4_frame(fbuf, 6);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, len), 0);
	expect_rx(fbuf, len, &info);
	ck_assert_uint_eq(info.pair, ((0x51ccc178u & 127) >> 3) & 3);
	/* not TCP (ICMP): the IPv4 hash */
	len = tcp4_frame(fbuf, 1);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, len), 0);
	expect_rx(fbuf, len, &info);
	ck_assert_uint_eq(info.pair, ((0x323e8fc2u & 127) >> 3) & 3);
	/* no hash (ARP): unclassified_queue */
	mkframe(fbuf, dev_mac, 60, 0);
	fbuf[12] = 0x08;
	fbuf[13] = 0x06;
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	expect_rx(fbuf, 60, &info);
	ck_assert_uint_eq(info.pair, 1);
	/* the driver refuses a table that is not a power of two */
	r.table_len = 96;
	ck_assert_int_eq(vnet_drv_rss(&net, &r), -1);
	assert_no_findings();
}
END_TEST

/* ---------------------------------------------------------------- control */

START_TEST(control_ok_and_err)
{
	static const uint8_t unknown[] = { 9, 0 }, vlan_big[] = { 2, 0, 0x00, 0x10 },
			     promisc_long[] = { 0, 0, 1, 1 }, short_cmd[] = { 0 },
			     addr_short[] = { 1, 1, 1, 2, 3 };
	static const uint8_t new_mac[6] = { 0x52, 0x54, 0, 0xaa, 0xbb, 0xcc };
	uint8_t m[6];
	struct vc_net_state st;

	open_net(NULL, NB(CTRL_VQ) | NB(CTRL_RX) | NB(CTRL_VLAN) | NB(CTRL_MAC_ADDR) | NB(MAC));
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, unknown, 2, 1), VIRTIO_NET_ERR);
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, vlan_big, 4, 1), VIRTIO_NET_ERR);
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, promisc_long, 4, 1), VIRTIO_NET_ERR);
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, short_cmd, 1, 1), VIRTIO_NET_ERR);
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, addr_short, 5, 1), VIRTIO_NET_ERR);
	/* no ack byte: nothing to answer with, the buffer comes back empty */
	ck_assert_int_eq(vnet_drv_ctrl_raw(&net, unknown, 2, 0), -2);
	ck_assert_uint_eq(vc_net_stats(dev())->ctrl_malformed, 1);
	ck_assert_uint_eq(vc_net_stats(dev())->ctrl_unknown, 1);
	/* without CTRL_RX_EXTRA / ANNOUNCE / offloads negotiated the driver refuses */
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_ALLUNI, true), -1);
	ck_assert_int_eq(vnet_drv_announce_ack(&net), -1);
	ck_assert_int_eq(vnet_drv_set_offloads(&net, 0), -1);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 1), -1);
	/* MAC_ADDR_SET changes the filter and, with MAC, the configuration */
	ck_assert_int_eq(vnet_drv_set_mac(&net, new_mac), VIRTIO_NET_OK);
	ck_assert_int_eq(vdrv_config_read(pr.drv, VIRTIO_NET_CFG_MAC, m, 6), 0);
	ck_assert(memcmp(m, new_mac, 6) == 0);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert(memcmp(st.mac, new_mac, 6) == 0);
	mkframe(fbuf, new_mac, 60, 0);
	ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
	/* the configuration is read-only */
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, VIRTIO_NET_CFG_MTU, 2, 9000);
	ck_assert_int_eq(vdrv_config_read(pr.drv, VIRTIO_NET_CFG_MAC, m, 6), 0);
	ck_assert(memcmp(m, new_mac, 6) == 0);
	ck_assert_uint_eq(vc_net_stats(dev())->config_writes, 1);
	assert_no_findings();
}
END_TEST

START_TEST(announce_acknowledged)
{
	struct vc_net_state st;

	open_net(NULL, NB(CTRL_VQ) | NB(GUEST_ANNOUNCE) | NB(STATUS));
	ck_assert_int_eq(vc_net_announce(dev()), 0);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert(st.status & VIRTIO_NET_S_ANNOUNCE);
	ck_assert_int_eq(vnet_drv_poll(&net), 0);
	ck_assert_uint_eq(net.stats.announce_acks, 1);
	ck_assert_int_eq(vc_net_state(dev(), &st), 0);
	ck_assert(!(st.status & VIRTIO_NET_S_ANNOUNCE));
	ck_assert(st.status & VIRTIO_NET_S_LINK_UP);
	ck_assert_uint_eq(vc_net_stats(dev())->ctrl_ok[VIRTIO_NET_CTRL_ANNOUNCE], 1);
	/* link down: the driver sees it on the next poll */
	ck_assert_int_eq(vc_net_set_link(dev(), false), 0);
	ck_assert_int_eq(vnet_drv_poll(&net), 0);
	ck_assert(!(net.cfg.status & VIRTIO_NET_S_LINK_UP));
	assert_no_findings();
}
END_TEST

/* --------------------------------------------------------- hostile driver */

enum bad_kind { BK_TX_HDR, BK_TX_WRITABLE, BK_TX_SHORT, BK_RX_READABLE, BK_RX_SMALL, BK_TX_PAIR1,
		BK_CTRL };

struct bad_case {
	const char *args;
	uint64_t wanted;
	enum bad_kind kind;
	uint8_t hdr[12];
	uint8_t ctrl[16];
	uint32_t ctrl_len;
	const char *clause;
};

static const struct bad_case bad_cases[] = {
	{ NULL, 0, BK_TX_HDR, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ NULL, 0, BK_TX_HDR, { 1, 0, 0, 0, 0, 0, 14, 0, 16, 0, 0, 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ NULL, NB(CSUM), BK_TX_HDR, { 1, 1, 0, 0, 0, 4, 14, 0, 16, 0, 0, 0 }, { 0 }, 0,
	  CL_DRV_NET_TX },
	{ "host_tso4=on", NB(CSUM) | NB(HOST_TSO4), BK_TX_HDR,
	  { 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ "host_tso4=on", NB(CSUM) | NB(HOST_TSO4), BK_TX_HDR,
	  { 1, 9, 0, 0, 0, 4, 14, 0, 16, 0, 0, 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ NULL, NB(CSUM), BK_TX_HDR, { 1, 0, 0, 0, 0, 0, 0xff, 0xff, 3, 0, 0, 0 }, { 0 }, 0,
	  CL_DRV_NET_TX },
	{ NULL, 0, BK_TX_WRITABLE, { 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ NULL, 0, BK_TX_SHORT, { 0 }, { 0 }, 0, CL_DRV_NET_TX },
	{ NULL, VIRTIO_BIT(VIRTIO_F_RING_RESET), BK_RX_READABLE, { 0 }, { 0 }, 0, CL_DRV_NET_RXBUF },
	{ NULL, NB(MRG_RXBUF) | VIRTIO_BIT(VIRTIO_F_RING_RESET), BK_RX_SMALL, { 0 }, { 0 }, 0, CL_DRV_NET_RXBUF },
	{ "max_queue_pairs=2", NB(CTRL_VQ) | NB(MQ), BK_TX_PAIR1, { 0 }, { 0 }, 0, CL_DRV_NET_MQ },
	{ "mtu=1000", NB(MTU), BK_TX_HDR, { 0 }, { 0 }, 0, CL_DRV_NET_CONFIG },
	{ "ctrl_rx=off", NB(CTRL_VQ), BK_CTRL, { 0 }, { 0, 0, 1 }, 3, CL_DRV_NET_RXFILTER },
	{ NULL, NB(CTRL_VQ) | NB(CTRL_RX), BK_CTRL, { 0 }, { 0, 2, 1 }, 3, CL_DRV_NET_RXFILTER },
	{ "ctrl_rx=off", NB(CTRL_VQ), BK_CTRL, { 0 }, { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 10,
	  CL_DRV_NET_MAC },
	{ NULL, NB(CTRL_VQ) | NB(CTRL_RX), BK_CTRL, { 0 }, { 1, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, 10,
	  CL_DRV_NET_MAC },
	{ "max_queue_pairs=2", NB(CTRL_VQ) | NB(MQ), BK_CTRL, { 0 }, { 4, 0, 3, 0 }, 4,
	  CL_DRV_NET_MQ },
	{ "max_queue_pairs=2", NB(CTRL_VQ) | NB(MQ), BK_CTRL, { 0 }, { 4, 0, 0, 0 }, 4,
	  CL_DRV_NET_MQ },
	{ NULL, NB(CTRL_VQ), BK_CTRL, { 0 }, { 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 13,
	  CL_DRV_NET_RSS },
	{ "max_queue_pairs=2,rss=on", NB(CTRL_VQ) | NB(RSS), BK_CTRL, { 0 },
	  { 4, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16, CL_DRV_NET_RSS },
	{ NULL, NB(CTRL_VQ) | NB(CTRL_GUEST_OFFLOADS), BK_CTRL, { 0 },
	  { 5, 0, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, CL_DRV_NET_OFFLOADS },
};

START_TEST(hostile_driver_needs_reset)
{
	const struct bad_case *c = &bad_cases[_i];
	uint64_t b;
	struct vq_buf out[2], in[1];
	uint64_t tx_before;

	open_net(c->args, c->wanted);
	b = vdrv_alloc(pr.drv, 4096, 64);
	mkframe(fbuf, dev_mac, 1100, 0);
	switch (c->kind) {
	case BK_TX_HDR:
		ck_assert_int_eq(vnet_drv_send_raw(&net, 1, c->hdr, fbuf, 1100), 0);
		break;
	case BK_TX_WRITABLE:
		out[0] = (struct vq_buf){ b, 74 };
		in[0] = (struct vq_buf){ b + 128, 16 };
		ck_assert_int_ge(vnet_drv_submit_raw(&net, 1, out, 1, in, 1, false), 0);
		break;
	case BK_TX_SHORT:
		out[0] = (struct vq_buf){ b, 6 };
		ck_assert_int_ge(vnet_drv_submit_raw(&net, 1, out, 1, NULL, 0, false), 0);
		break;
	case BK_RX_READABLE:
	case BK_RX_SMALL:
		/* the receive queue's own buffers are all posted: reset it to
		 * make room, then post the bad one first */
		ck_assert_int_eq(vdrv_queue_reset(pr.drv, 0, 0), 0);
		out[0] = (struct vq_buf){ b, 16 };
		in[0] = (struct vq_buf){ b + 128, c->kind == BK_RX_SMALL ? 8 : 2048 };
		ck_assert_int_ge(vnet_drv_submit_raw(&net, 0, out,
						     c->kind == BK_RX_READABLE ? 1 : 0, in, 1,
						     false), 0);
		ck_assert_int_eq(vc_net_inject(dev(), 0, fbuf, 60), 0);
		break;
	case BK_TX_PAIR1:
		ck_assert_int_eq(vnet_drv_send_raw(&net, 3, (const uint8_t[12]){ 0 }, fbuf, 60), 0);
		break;
	case BK_CTRL:
		ck_assert_int_eq(vnet_drv_ctrl_raw(&net, c->ctrl, c->ctrl_len, 1), -1);
		break;
	}
	assert_device_found(c->clause);
	/* nothing further consumed */
	tx_before = vc_net_stats(dev())->tx_frames;
	out[0] = (struct vq_buf){ b, 74 };
	gm_write(vdrv_mem(pr.drv), b, (const uint8_t[12]){ 0 }, 12);
	vnet_drv_submit_raw(&net, 1, out, 1, NULL, 0, false);
	ck_assert_uint_eq(vc_net_stats(dev())->tx_frames, tx_before);
	/* live again after a reset */
	vnet_drv_detach(&net);
	init_driver(c->wanted);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), 0);
	mkframe(fbuf, dev_mac, 100, 9);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 100, NULL), 0);
	expect_rx(fbuf, 100, NULL);
}
END_TEST

/* --------------------------------------------------------- hostile device */

struct cfg_case {
	const char *args;
	uint64_t wanted;
	bool attach_ok;
	bool finding;
};

static const struct cfg_case cfg_cases[] = {
	{ "max_queue_pairs=2,cfg_max_pairs=0", NB(CTRL_VQ) | NB(MQ), false, true },
	{ "max_queue_pairs=2,cfg_max_pairs=0x8001", NB(CTRL_VQ) | NB(MQ), false, true },
	{ "mtu=60", NB(MTU), false, true },
	{ "rss=on,rss_max_key_size=0", NB(CTRL_VQ) | NB(RSS), false, true },
	{ "rss=on,rss_max_indirection_table_length=0", NB(CTRL_VQ) | NB(RSS), false, true },
	{ "speed=0x80000000", NB(SPEED_DUPLEX), true, true },
	{ "duplex=7", NB(SPEED_DUPLEX), true, true },
	/* valid, but its controlq (65536, which wraps to 0 in 16 bits) is
	 * beyond what the driver reaches: refused without a finding */
	{ "max_queue_pairs=2,cfg_max_pairs=0x8000", NB(CTRL_VQ) | NB(MQ), false, false },
	/* without CTRL_VQ the driver drives the first pairs only */
	{ "max_queue_pairs=2,cfg_max_pairs=0x8000,ctrl_vq=on", NB(MQ), true, false },
};

START_TEST(hostile_config_refused)
{
	const struct cfg_case c = cfg_cases[_i];

	open_pair(c.args);
	init_driver(c.wanted);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), c.attach_ok ? 0 : -1);
	if (c.finding)
		assert_driver_found(CL_DEV_NET_CONFIG);
	else
		assert_no_findings();
	if (c.attach_ok && c.finding) {
		ck_assert_uint_eq(net.cfg.speed, _i == 5 ? VIRTIO_NET_SPEED_UNKNOWN : 1000);
		ck_assert_uint_eq(net.cfg.duplex, _i == 6 ? VIRTIO_NET_DUPLEX_UNKNOWN : 0);
	}
}
END_TEST

struct rx_bad {
	uint64_t wanted;
	uint8_t hdr[12];
	uint32_t len;   /* bytes written in all */
	uint32_t nbufs;
	const char *clause;
};

static const struct rx_bad rx_bads[] = {
	{ 0, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0 }, 72, 1, CL_DEV_NET_RXBUF },
	{ 0, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 72, 1, CL_DEV_NET_RXBUF },
	{ 0, { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 72, 1, CL_DEV_NET_RX },
	{ NB(GUEST_CSUM), { 1, 1, 0, 0, 0, 4, 0, 0, 0, 0, 1, 0 }, 72, 1, CL_DEV_NET_RX },
	{ NB(GUEST_CSUM), { 1, 0, 0, 0, 0, 0, 60, 0, 10, 0, 1, 0 }, 72, 1, CL_DEV_NET_RX },
	{ NB(GUEST_CSUM), { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 72, 1, CL_DEV_NET_RX },
	{ 0, { 0 }, 5, 1, CL_DEV_NET_RX },
	{ NB(MRG_RXBUF), { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0 }, 3000, 2, CL_DEV_NET_RX },
	{ NB(MRG_RXBUF), { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0 }, 1000, 2, CL_DEV_NET_RX },
	{ NB(MTU), { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, 1200, 1, CL_DEV_NET_CONFIG },
};

START_TEST(hostile_device_rx_refused)
{
	const struct rx_bad *c = &rx_bads[_i];
	uint8_t data[3000];

	open_net("mtu=1000", c->wanted);
	memset(data, 0x5a, sizeof(data));
	memcpy(data, c->hdr, c->len < 12 ? c->len : 12);
	ck_assert_int_eq(vc_net_inject_raw(dev(), 0, data, c->len, c->nbufs), 0);
	ck_assert_int_eq(vnet_drv_recv(&net, NULL, rbuf, sizeof(rbuf)), -1);
	assert_driver_found(c->clause);
	ck_assert(vq_drv_broken(vdrv_queue(pr.drv, 0)));
}
END_TEST

/* ------------------------------------------------------------------ reset */

/* _i: 0 receiveq1, 1 transmitq1, 2 controlq */
START_TEST(queue_reset_then_traffic)
{
	uint16_t q = (uint16_t)_i;

	open_net(NULL, VIRTIO_BIT(VIRTIO_F_RING_RESET) | NB(CTRL_VQ) | NB(CTRL_RX));
	mkframe(fbuf, dev_mac, 300, 1);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 300, NULL), 0);
	expect_rx(fbuf, 300, NULL);
	ck_assert_int_eq(vnet_drv_queue_reset(&net, q), 0);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 300, NULL), 0);
	expect_rx(fbuf, 300, NULL);
	ck_assert_int_eq(vnet_drv_rx_mode(&net, VIRTIO_NET_CTRL_RX_ALLMULTI, true), VIRTIO_NET_OK);
	assert_no_findings();
}
END_TEST

/* _i: 0 PCI, 1 MMIO */
START_TEST(device_reset_then_traffic)
{
	struct vc_net_state st;
	uint64_t wanted = NB(CTRL_VQ) | NB(MQ) | NB(MRG_RXBUF);

	if (_i)
		ck_assert_int_eq(vc_pair_open_mmio(&pr, &vc_net_device_ops, "max_queue_pairs=2",
						   NULL, NULL, 0), 0);
	else
		ck_assert_int_eq(vc_pair_open(&pr, &vc_net_device_ops, "max_queue_pairs=2",
					      NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_NET), 0);
	init_driver(wanted);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), 0);
	ck_assert_int_eq(vnet_drv_set_pairs(&net, 2), VIRTIO_NET_OK);
	vnet_drv_detach(&net);
	vdrv_reset(pr.drv);
	ck_assert_int_eq(vc_net_state(_i ? vmmio_device(pr.mmio) : dev(), &st), 0);
	ck_assert_uint_eq(st.rx_pairs, 1);
	ck_assert(!st.live);
	init_driver(wanted);
	ck_assert_int_eq(vnet_drv_attach(&net, pr.drv), 0);
	mkframe(fbuf, dev_mac, 500, 2);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 500, NULL), 0);
	expect_rx(fbuf, 500, NULL);
}
END_TEST

/* ------------------------------------------------------------------- args */

static const struct {
	const char *args;
	bool ok;
} arg_cases[] = {
	{ NULL, true }, { "", true }, { "mac=02:00:00:00:00:01", true },
	{ "mac=02:00:00:00:00", false }, { "mtu=1500", true }, { "mtu=65536", false },
	{ "max_queue_pairs=16", true }, { "max_queue_pairs=17", false },
	{ "max_queue_pairs=0", false }, { "max_queue_pairs=2,mq=off", false },
	{ "max_queue_pairs=2,mq=off,rss=on", true }, { "link=sideways", false },
	{ "bogus=1", false }, { "csum=on,csum=off", false }, { "csum", false },
	{ "speed=10,duplex=1", true }, { "loopback=off", true },
};

START_TEST(args_parsed_strictly)
{
	const struct vc_host_ops *h = NULL;
	void *d;

	/* create() needs no host services */
	d = vc_net_device_ops.create(h, NULL, arg_cases[_i].args);
	ck_assert_msg((d != NULL) == arg_cases[_i].ok, "%s", arg_cases[_i].args);
	if (d)
		vc_net_device_ops.destroy(d);
}
END_TEST

START_TEST(offer_and_queue_layout)
{
	uint64_t f;

	open_net("max_queue_pairs=3", NB(CTRL_VQ) | NB(MQ));
	f = vpci_offered_features(pr.dev);
	ck_assert(f & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
	ck_assert(f & NB(MQ));
	ck_assert(!(f & NB(MTU)));
	ck_assert_uint_eq(net.ctrlq, 6);
	ck_assert_ptr_nonnull(vdrv_queue(pr.drv, 6));
	ck_assert_ptr_null(vdrv_queue(pr.drv, 7));
	ck_assert_uint_eq(net.nqueues_pairs, 3);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------------ responder */

static const uint8_t resp_mac[6] = VC_NET_RESPONDER_MAC;
static const uint8_t resp_ip[4] = { 10, 0, 2, 2 }, guest_ip[4] = { 10, 0, 2, 15 };

static uint16_t ck_sum(const uint8_t *p, uint32_t n)
{
	uint32_t sum = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An ARP request from the guest for target ip. 42 bytes. */
static void mk_arp_request(uint8_t *f, const uint8_t target[4])
{
	static const uint8_t hdr[8] = { 0, 1, 0x08, 0x00, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, net.mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, net.mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, target, 4);
}

/* An ICMP echo request to the responder with payload bytes of data. */
static uint32_t mk_echo_request(uint8_t *f, uint32_t payload, uint16_t seq)
{
	uint8_t *ip = f + 14, *icmp = f + 34;
	uint32_t tot = 20 + 8 + payload, i;
	uint16_t c;

	memcpy(f, resp_mac, 6);
	memcpy(f + 6, net.mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, guest_ip, 4);
	memcpy(ip + 16, resp_ip, 4);
	c = ck_sum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	icmp[0] = 8;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	icmp[4] = 0x12;
	icmp[5] = 0x34;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	for (i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)(i * 13 + seq);
	c = ck_sum(icmp, 8 + payload);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + tot;
}

static void fix_ip_csum(uint8_t *f)
{
	uint16_t c;

	f[24] = f[25] = 0;
	c = ck_sum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
}

/* responder=10.0.2.2 answers an ARP request for it and a ping to it (with
 * checksums right, addresses swapped, the payload unchanged); it ignores
 * requests for other addresses, a bad checksum, and fragments. */
START_TEST(responder_answers_arp_and_ping)
{
	static const uint8_t other[4] = { 10, 0, 2, 3 };
	uint32_t len, payload = _i ? 1400 : 56;
	struct vnet_rx_info info;
	long got;

	open_net("loopback=off,responder=10.0.2.2", NB(MRG_RXBUF) | NB(MAC));
	mk_arp_request(fbuf, other);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 42, NULL), 0);
	expect_no_rx();
	mk_arp_request(fbuf, resp_ip);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, 42, NULL), 0);
	got = vnet_drv_recv(&net, &info, rbuf, sizeof(rbuf));
	ck_assert_int_eq(got, 42);
	ck_assert(memcmp(rbuf, net.mac, 6) == 0 && memcmp(rbuf + 6, resp_mac, 6) == 0);
	ck_assert(rbuf[12] == 0x08 && rbuf[13] == 0x06 && rbuf[20] == 0 && rbuf[21] == 2);
	ck_assert(memcmp(rbuf + 22, resp_mac, 6) == 0 && memcmp(rbuf + 28, resp_ip, 4) == 0);
	ck_assert(memcmp(rbuf + 32, net.mac, 6) == 0 && memcmp(rbuf + 38, guest_ip, 4) == 0);

	len = mk_echo_request(fbuf, payload, 7);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, len, NULL), 0);
	got = vnet_drv_recv(&net, &info, rbuf, sizeof(rbuf));
	ck_assert_int_eq(got, (long)len);
	ck_assert(memcmp(rbuf, net.mac, 6) == 0 && memcmp(rbuf + 6, resp_mac, 6) == 0);
	ck_assert(memcmp(rbuf + 26, resp_ip, 4) == 0 && memcmp(rbuf + 30, guest_ip, 4) == 0);
	ck_assert_uint_eq(ck_sum(rbuf + 14, 20), 0);
	ck_assert_uint_eq(rbuf[34], 0); /* echo reply */
	ck_assert_uint_eq(ck_sum(rbuf + 34, len - 34), 0);
	ck_assert(memcmp(rbuf + 38, fbuf + 38, len - 38) == 0); /* id, seq, data */

	/* no answer: a bad ICMP checksum, a fragment, another address */
	len = mk_echo_request(fbuf, payload, 8);
	fbuf[36] ^= 1;
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, len, NULL), 0);
	expect_no_rx();
	len = mk_echo_request(fbuf, payload, 9);
	fbuf[20] = 0x20; /* MF instead of DF */
	fix_ip_csum(fbuf);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, len, NULL), 0);
	expect_no_rx();
	len = mk_echo_request(fbuf, payload, 10);
	fbuf[33] = 3; /* to 10.0.2.3 */
	fix_ip_csum(fbuf);
	ck_assert_int_eq(vnet_drv_send(&net, 0, fbuf, len, NULL), 0);
	expect_no_rx();
	ck_assert_uint_eq(vc_net_stats(dev())->responder_replies, 2);
	ck_assert_uint_eq(vc_net_stats(dev())->tx_frames, 6);
	assert_no_findings();
}
END_TEST

static const struct {
	const char *args;
	bool ok;
} responder_args[] = {
	{ "responder=10.0.2.2", true },
	{ "responder=192.168.255.254,loopback=off", true },
	{ "responder=1.2.3.4,responder=1.2.3.5", false },
	{ "responder=0.0.0.0", false },
	{ "responder=224.0.0.1", false },
	{ "responder=255.255.255.255", false },
	{ "responder=10.0.2", false },
	{ "responder=10.0.2.2.", false },
	{ "responder=10.0.2.256", false },
	{ "responder=10.0.02.2", false },
	{ "responder=10.0.2.2x", false },
	{ "responder=", false },
	{ "responder=1000.0.0.1", false },
};

START_TEST(responder_args_parsed_strictly)
{
	void *d = vc_net_device_ops.create(NULL, NULL, responder_args[_i].args);

	ck_assert_msg((d != NULL) == responder_args[_i].ok, "%s", responder_args[_i].args);
	if (d)
		vc_net_device_ops.destroy(d);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc;

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, loopback_small_frames, 0, 8);
	tcase_add_loop_test(tc, loopback_64k_frame, 0, 2);
	tcase_add_test(tc, frame_too_big_for_buffer_dropped);
	tcase_add_test(tc, inject_waits_for_buffers);
	tcase_add_loop_test(tc, csum_offload_completed_or_passed, 0, 2);
	tcase_add_test(tc, gso_frame_reaches_guest_tso4);
	tcase_add_loop_test(tc, header_split_at_every_byte, 0, 75);
	suite_add_tcase(s, tc);

	tc = tcase_create("control");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rx_filter_modes_and_tables);
	tcase_add_test(tc, vlan_filter);
	tcase_add_test(tc, mq_pairs_and_steering);
	tcase_add_test(tc, mq_shrink_moves_waiting_frames);
	tcase_add_test(tc, rss_steers_by_toeplitz_hash);
	tcase_add_test(tc, control_ok_and_err);
	tcase_add_test(tc, announce_acknowledged);
	tcase_add_loop_test(tc, args_parsed_strictly, 0,
			    (int)(sizeof(arg_cases) / sizeof(arg_cases[0])));
	tcase_add_test(tc, offer_and_queue_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, hostile_driver_needs_reset, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, hostile_config_refused, 0,
			    (int)(sizeof(cfg_cases) / sizeof(cfg_cases[0])));
	tcase_add_loop_test(tc, hostile_device_rx_refused, 0,
			    (int)(sizeof(rx_bads) / sizeof(rx_bads[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("reset");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, queue_reset_then_traffic, 0, 3);
	tcase_add_loop_test(tc, device_reset_then_traffic, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("responder");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, responder_answers_arp_and_ping, 0, 2);
	tcase_add_loop_test(tc, responder_args_parsed_strictly, 0,
			    (int)(sizeof(responder_args) / sizeof(responder_args[0])));
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(net_suite)
