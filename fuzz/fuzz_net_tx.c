// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the DEVICE side of virtio-net (model/devices/net.c) facing a
 * driver that puts anything on the transmit queues. A real pair (PCI or
 * MMIO, split or packed) runs the device with CSUM / HOST_TSO4 / TSO6 /
 * UFO / MTU / MQ offered and negotiated from the input, and the reference
 * net driver (loopback: transmitted frames come back on the receive queues,
 * so the receive path and the reference driver's checks of it run too).
 * From the input:
 *  - raw transmit buffers: any 12 header bytes (flags, gso_type, hdr_len,
 *    gso_size, csum_start, csum_offset, num_buffers), frames of 0..4000
 *    bytes, split over 1..4 descriptors at any points, direct or indirect,
 *    sometimes with a device-writable part or shorter than the header, on
 *    transmitq1 or transmitq2;
 *  - well-formed sends through the reference driver, VQ_PAIRS_SET, frames
 *    injected from the wire, resets with re-initialization.
 *
 * Oracles (clause cited on failure):
 *  - each raw buffer gets the verdict re-derived here from the spec rules
 *    the device enforces (5.1.6.2.1 header rules, the MTU bound of 5.1.4.2,
 *    transmitq1 only before VQ_PAIRS_SET of 5.1.6.5.6.1, buffers
 *    device-readable and at least a header long): a breach ends in
 *    DEVICE_NEEDS_RESET with a finding citing that clause, a valid buffer is
 *    transmitted -- the frame on the wire is byte-exact, except the checksum
 *    field of a NEEDS_CSUM frame, which then completes the checksum (the
 *    ones' complement sum from csum_start, plus the pseudo-header sum the
 *    driver left there, is 0xffff);
 *  - once the device needs a reset nothing more is consumed (no frame, no
 *    finding) until the driver resets it; then it transmits again;
 *  - the device writes nothing into transmit buffers (write tracking);
 *  - the reference driver never finds the model device at fault (receive
 *    headers, num_buffers, used lengths checked by the ring and net_drv);
 *  - nothing crashes or hangs (sanitizers; at most MAX_OPS operations).
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 packed, bit 2 MRG_RXBUF, bit 3 GUEST_CSUM,
 *           bit 4 MTU (mtu = 600 + byte 2 * 8), bit 5 MQ (2 pairs),
 *           bit 6 INDIRECT_DESC
 *   byte 1: offered and wanted: bit 0 CSUM, 1 HOST_TSO4, 2 HOST_TSO6,
 *           3 HOST_UFO, 4 HOST_ECN; bits 5..7 leave CSUM/TSO4/TSO6 offered
 *           but not wanted
 *   byte 2: mtu
 *   then operations: one byte (b % 8) and operands, see run_op().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "gm.h"
#include "net.h"
#include "net_drv.h"
#include "oracle.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_net_tx"
#define MAX_OPS 48
#define MAX_RESETS 3
#define FRAME_MAX 4000u
#define SCRATCH (2u * (FRAME_MAX + 64u))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vc_pair pr;
static bool pr_open;
static struct vnet_drv nd;
static bool nd_attached;
static struct vdrv_config cfg;
static uint64_t scratch;
static uint8_t buf[FRAME_MAX + 64], wire[VIRTIO_NET_MAX_GSO_FRAME];

static struct {
	uint64_t features;   /* negotiated */
	uint16_t mtu;
	uint16_t tx_pairs;   /* transmit queues the device serves */
	bool failed;         /* the device needs a reset */
	unsigned resets;
} M;

static void *dev(void) { return vdev_device(pr.core); }

static bool has(unsigned bit) { return M.features & VIRTIO_BIT(bit); }

static uint64_t dev_findings(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return (uint64_t)f->count + f->dropped;
}

static const char *last_dev_clause(void)
{
	const struct vc_findings *f = vdev_findings(pr.core);

	return f->count ? f->v[f->count - 1].clause : "";
}

static bool needs_reset(void)
{
	return (vdev_status(pr.core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

static void check_driver(void)
{
	const struct vc_findings *f = vdrv_findings(pr.drv);

	ORACLE(f->count == 0 && f->dropped == 0, f->count ? f->v[0].clause : HARNESS,
	       "the reference driver found the model device at fault: %s",
	       f->count ? f->v[0].msg : "(dropped)");
}

static void check_no_tx_writes(void)
{
	ORACLE(gm_track_count(pr.dev_mem, scratch, SCRATCH) == 0, CL_DRV_NET_TX,
	       "the device wrote into a transmit buffer");
}

static bool bring_up(void)
{
	struct vc_net_state st;

	nd_attached = false;
	M.failed = false;
	if (vdrv_init(pr.drv, &cfg) != 0)
		return false;
	M.features = vdrv_features(pr.drv);
	ORACLE(vnet_drv_attach(&nd, pr.drv) == 0, HARNESS, "attach failed on the model device");
	nd_attached = true;
	scratch = vdrv_alloc(pr.drv, SCRATCH, 64);
	ORACLE(scratch != 0, HARNESS, "no guest memory for raw buffers");
	ORACLE(vc_net_state(dev(), &st) == 0, HARNESS, "no device state");
	M.tx_pairs = st.tx_pairs;
	ORACLE(M.tx_pairs == 1, CL_DEV_NET_MQ, "transmit pairs %u after reset", M.tx_pairs);
	gm_track_clear(pr.dev_mem);
	return true;
}

/* ------------------------------------------------------- re-derived rules */

static bool gso_ok(uint8_t gso)
{
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_TCPV4: return has(VIRTIO_NET_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6: return has(VIRTIO_NET_F_HOST_TSO6);
	case VIRTIO_NET_HDR_GSO_UDP: return has(VIRTIO_NET_F_HOST_UFO);
	default: return false;
	}
}

/* The clause a raw transmit buffer breaks, or NULL. */
static const char *tx_breach(uint16_t pair, const uint8_t *h, uint32_t total, bool writable)
{
	uint8_t flags, gso;
	uint32_t flen, cs, co;

	if (pair >= M.tx_pairs)
		return CL_DRV_NET_MQ;
	if (writable || total < VIRTIO_NET_HDR_SIZE)
		return CL_DRV_NET_TX;
	flags = h[0];
	gso = h[1] & 0x7f;
	cs = (uint32_t)(h[6] | h[7] << 8);
	co = (uint32_t)(h[8] | h[9] << 8);
	flen = total - VIRTIO_NET_HDR_SIZE;
	if (h[10] || h[11])
		return CL_DRV_NET_TX;
	if ((flags & 1) && !has(VIRTIO_NET_F_CSUM))
		return CL_DRV_NET_TX;
	if (gso && (!gso_ok(gso) || !(flags & 1) || !(h[4] | h[5])))
		return CL_DRV_NET_TX;
	if ((flags & 1) && cs + co + 2 > flen)
		return CL_DRV_NET_TX;
	if (!gso && has(VIRTIO_NET_F_MTU) && flen > (uint32_t)M.mtu + 14)
		return CL_DRV_NET_CONFIG;
	return NULL;
}

static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The frame the device put on the wire against the one sent. */
static void check_wire(const uint8_t *h, const uint8_t *frame, uint32_t flen)
{
	struct vc_net_tx_info ti;
	long got = vc_net_tx_pop(dev(), &ti, wire, sizeof(wire));
	uint32_t cs = (uint32_t)(h[6] | h[7] << 8), co = (uint32_t)(h[8] | h[9] << 8), at;
	uint16_t sum;

	ORACLE(got == (long)flen, CL_DRV_NET_TX, "a valid %u-byte frame: %ld bytes on the wire",
	       flen, got);
	if (!(h[0] & 1)) {
		ORACLE(memcmp(wire, frame, flen) == 0 && !ti.csum_completed, CL_DEV_NET_TX,
		       "a frame without NEEDS_CSUM changed on the wire");
		return;
	}
	at = cs + co;
	ORACLE(ti.csum_completed, CL_DEV_NET_TX, "NEEDS_CSUM frame not completed");
	ORACLE(memcmp(wire, frame, at) == 0 && memcmp(wire + at + 2, frame + at + 2,
						      flen - at - 2) == 0,
	       CL_DEV_NET_TX, "bytes other than the checksum field changed");
	/* 5.1.6.2: the ones' complement checksum from csum_start to the end
	 * (the field holding the driver's pseudo-header sum) stored at
	 * csum_offset; with the field 16-bit aligned to csum_start the
	 * completed packet then verifies against that pseudo-header sum */
	sum = (uint16_t)~sum16(frame + cs, flen - cs, 0);
	ORACLE(wire[at] == (uint8_t)(sum >> 8) && wire[at + 1] == (uint8_t)sum, CL_DEV_NET_TX,
	       "the checksum stored is not the one computed from csum_start");
	if (!(co & 1))
		ORACLE(sum16(wire + cs, flen - cs, (uint32_t)(frame[at] << 8 | frame[at + 1])) ==
		       0xffff, CL_DEV_NET_TX, "the completed checksum does not verify");
}

/* -------------------------------------------------------------- operations */

/* A raw transmit buffer: header, frame, cut into segments. */
static void op_raw(struct fin *f)
{
	uint8_t sel = fin_u8(f), h[12];
	uint16_t pair = (sel & 1) ? 1 : 0;
	uint32_t flen = fin_u16(f) % (FRAME_MAX + 1), total, i, nseg = 1 + (sel >> 1) % 4;
	bool writable = (sel & 0x70) == 0x70, shorty = (sel & 0x80) && (sel & 0x08);
	struct vq_buf out[4], in[1];
	uint64_t f0 = dev_findings(), tx0 = vc_net_stats(dev())->tx_frames;
	uint32_t cuts[4], prev = 0, n;
	const char *breach;
	int head;

	for (i = 0; i < 12; i++)
		h[i] = fin_u8(f);
	/* keep many headers valid so the frame path runs: sel bit 3 zeroes
	 * num_buffers */
	if (!(sel & 0x08)) {
		h[10] = h[11] = 0;
		if (!has(VIRTIO_NET_F_CSUM))
			h[0] &= (uint8_t)~1u;
	}
	for (i = 0; i < flen; i++)
		buf[12 + i] = (uint8_t)(i * 13 + sel);
	memcpy(buf, h, 12);
	total = shorty ? flen % 12 : flen + 12;
	if (total == 0)
		total = 1;
	if (gm_write(vdrv_mem(pr.drv), scratch, buf, total) != 0)
		return;
	/* cut points in order; empty pieces are left out */
	for (i = 0; i + 1 < nseg; i++)
		cuts[i] = fin_u16(f) % (total + 1);
	cuts[nseg - 1] = total;
	n = 0;
	for (i = 0; i < nseg; i++) {
		uint32_t c = cuts[i] < prev ? prev : cuts[i];

		if (i + 1 == nseg)
			c = total;
		if (c > prev)
			out[n++] = (struct vq_buf){ scratch + prev, c - prev };
		prev = c;
	}
	in[0] = (struct vq_buf){ scratch + FRAME_MAX + 64, 16 };
	breach = tx_breach(pair, buf, total, writable);
	if (pair >= nd.nqueues_pairs)
		return;
	head = vnet_drv_submit_raw(&nd, vc_net_txq(pair), out, n, in, writable ? 1 : 0,
				   (sel & 0x40) && has(VIRTIO_F_INDIRECT_DESC));
	if (head < 0)
		return;
	if (M.failed) {
		ORACLE(vc_net_stats(dev())->tx_frames == tx0 && dev_findings() == f0,
		       CL_DEV_STATUS, "the device consumed a buffer after it needed a reset");
		return;
	}
	if (breach) {
		ORACLE(needs_reset() && dev_findings() > f0 && !strcmp(last_dev_clause(), breach),
		       breach, "a breaching transmit buffer was not refused (last finding: %s)",
		       last_dev_clause());
		ORACLE(vc_net_stats(dev())->tx_frames == tx0, breach,
		       "a refused transmit buffer reached the wire");
		M.failed = true;
		return;
	}
	ORACLE(!needs_reset() && dev_findings() == f0, HARNESS,
	       "a valid transmit buffer was refused: %s", last_dev_clause());
	check_wire(buf, buf + 12, total - 12);
}

static void op_send(struct fin *f)
{
	uint8_t sel = fin_u8(f);
	uint32_t len = 14 + fin_u16(f) % (FRAME_MAX - 13);
	struct vnet_tx_opts o = { 0 };
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i + sel);
	if (sel & 1) {
		o.needs_csum = true;
		o.csum_start = (uint16_t)(fin_u8(f) % len);
		o.csum_offset = (uint16_t)(fin_u8(f) % 32);
	}
	if (sel & 2) {
		o.gso_type = (uint8_t)((sel >> 2) % 6);
		o.gso_size = fin_u16(f);
	}
	if (vnet_drv_send(&nd, (sel >> 5) & 1, buf, len, &o) != 0 || M.failed)
		return;
	ORACLE(!needs_reset(), HARNESS, "a send the driver allowed was refused: %s",
	       last_dev_clause());
	{
		uint8_t h[12] = { (uint8_t)(o.needs_csum ? 1 : 0), o.gso_type, 0, 0,
				  (uint8_t)o.gso_size, (uint8_t)(o.gso_size >> 8),
				  (uint8_t)o.csum_start, (uint8_t)(o.csum_start >> 8),
				  (uint8_t)o.csum_offset, (uint8_t)(o.csum_offset >> 8), 0, 0 };

		check_wire(h, buf, len);
	}
}

static void reset_and_bring_up(void)
{
	if (M.resets >= MAX_RESETS)
		return;
	M.resets++;
	vnet_drv_detach(&nd);
	nd_attached = false;
	vdrv_reset(pr.drv);
	ORACLE(bring_up(), HARNESS, "re-initialization failed");
	/* live again */
	memset(buf, 0xee, 60);
	ORACLE(vnet_drv_send(&nd, 0, buf, 60, NULL) == 0, CL_DEV_RESET,
	       "no transmit after a reset");
	ORACLE(vc_net_tx_pop(dev(), NULL, wire, sizeof(wire)) == 60, CL_DEV_RESET,
	       "the frame sent after a reset did not reach the wire");
}

static void run_op(struct fin *f, uint8_t op)
{
	switch (op % 8) {
	case 0:
	case 1:
	case 2:
		op_raw(f);
		break;
	case 3:
		op_send(f);
		break;
	case 4: {
		uint16_t p = fin_u8(f) % 4;
		int rc = vnet_drv_set_pairs(&nd, p);

		if (rc == VIRTIO_NET_OK && !M.failed)
			M.tx_pairs = p;
		break;
	}
	case 5: {
		uint32_t len = fin_u16(f) % 3000;

		memset(buf, fin_u8(f), len);
		vc_net_inject(dev(), fin_u8(f), buf, len);
		break;
	}
	case 6:
		reset_and_bring_up();
		break;
	default:
		break;
	}
	if (!M.failed && needs_reset())
		ORACLE(false, last_dev_clause(), "DEVICE_NEEDS_RESET set without a verdict");
	if (!M.failed)
		vnet_drv_poll(&nd);
	/* drain the wire log: frames the oracle did not look at */
	while (vc_net_tx_pop(dev(), NULL, NULL, 0) >= 0)
		;
	check_no_tx_writes();
	check_driver();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t b0 = fin_u8(&f), b1 = fin_u8(&f), b2 = fin_u8(&f);
	struct vc_pair_opts opts = { .transport = (b0 & 1) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI };
	char args[256];
	uint64_t want = 0;
	unsigned ops = 0;

	memset(&M, 0, sizeof(M));
	M.mtu = (uint16_t)(600 + b2 * 8);
	snprintf(args, sizeof(args),
		 "csum=%s,host_tso4=%s,host_tso6=%s,host_ufo=%s,host_ecn=%s,%s%s",
		 (b1 & 0x21) ? "on" : "off", (b1 & 0x42) ? "on" : "off",
		 (b1 & 0x84) ? "on" : "off", (b1 & 8) ? "on" : "off", (b1 & 0x10) ? "on" : "off",
		 (b0 & 0x20) ? "max_queue_pairs=2" : "max_queue_pairs=1", "");
	if (b0 & 0x10) {
		size_t n = strlen(args);

		snprintf(args + n, sizeof(args) - n, ",mtu=%u", M.mtu);
	}
	if (b1 & 1)
		want |= VIRTIO_BIT(VIRTIO_NET_F_CSUM);
	if (b1 & 2)
		want |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4);
	if (b1 & 4)
		want |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6);
	if (b1 & 8)
		want |= VIRTIO_BIT(VIRTIO_NET_F_HOST_UFO);
	if (b1 & 0x10)
		want |= VIRTIO_BIT(VIRTIO_NET_F_HOST_ECN);
	if (b0 & 2)
		want |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	if (b0 & 4)
		want |= VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	if (b0 & 8)
		want |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
	if (b0 & 0x10)
		want |= VIRTIO_BIT(VIRTIO_NET_F_MTU);
	if (b0 & 0x20)
		want |= VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
	if (b0 & 0x40)
		want |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);

	ORACLE(vc_pair_open_opts(&pr, &vc_net_device_ops, args, &opts) == 0, HARNESS,
	       "pair open failed (%s)", args);
	pr_open = true;
	ORACLE(gm_track_enable(pr.dev_mem, true) == 0, HARNESS, "no write tracking");
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_NET) == 0, HARNESS, "probe failed");
	vnet_drv_config(&cfg, want);
	cfg.queue_size = 64;
	ORACLE(bring_up(), HARNESS, "initialization failed");
	while (!fin_done(&f) && ops++ < MAX_OPS)
		run_op(&f, fin_u8(&f));
	vnet_drv_detach(&nd);
	nd_attached = false;
	vc_pair_close(&pr);
	pr_open = false;
	return 0;
}
