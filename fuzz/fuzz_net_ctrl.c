// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the control queue and the receive filter of the virtio-net
 * DEVICE (model/devices/net.c) facing a driver that sends any command. A
 * real pair (PCI or MMIO, split or packed) runs the device with the control
 * features (CTRL_RX, CTRL_RX_EXTRA, CTRL_VLAN, GUEST_ANNOUNCE,
 * CTRL_MAC_ADDR, CTRL_GUEST_OFFLOADS, MQ, RSS) negotiated from the input,
 * and the reference net driver to post the commands (vnet_drv_ctrl_raw):
 * any class, command and data bytes (MAC tables with any counts and
 * addresses, RSS configurations with any mask, table and key), with an ack
 * part of 0..3 bytes; frames from the wire to any address, tagged or not;
 * announcements; resets.
 *
 * Oracles (clause cited on failure):
 *  - every command gets the answer re-derived here from 5.1.6.5: OK, ERR
 *    for what is only invalid, no answer (used len 0) without an ack byte,
 *    and for a command breaking a drivernormative rule (feature not
 *    negotiated, MAC_TABLE_SET layout, pairs out of range, RSS table rules,
 *    offloads not negotiated) DEVICE_NEEDS_RESET with a finding citing that
 *    rule; afterwards nothing is consumed until a reset;
 *  - after an OK the device state is what the command set (modes, MAC
 *    tables, mac in the configuration with MAC negotiated, VLAN ids, pairs,
 *    offloads, ANNOUNCE cleared before the buffer is used); after a reset
 *    the tables are empty (5.1.6.5.2.1);
 *  - every frame from the wire is accepted or filtered as the filter model
 *    here says (modes, tables, VLANs, broadcast), and steered below the
 *    pairs in use;
 *  - the device writes at most the ack byte into a command buffer, nothing
 *    into its readable part (write tracking); the reference driver never
 *    finds the device at fault;
 *  - nothing crashes or hangs.
 *
 * Input (missing bytes read as zero):
 *   byte 0: bit 0 MMIO, bit 1 packed, bit 2 MQ, bit 3 RSS, bit 4 announce
 *           pending at start
 *   byte 1: wanted: bit 0 CTRL_RX, 1 CTRL_RX_EXTRA, 2 CTRL_VLAN,
 *           3 GUEST_ANNOUNCE, 4 CTRL_MAC_ADDR, 5 CTRL_GUEST_OFFLOADS, 6 MAC,
 *           7 GUEST_CSUM
 *   byte 2: max_queue_pairs 1 + b % 4 (with MQ or RSS)
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
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define HARNESS "harness:fuzz_net_ctrl"
#define MAX_OPS 48
#define MAX_RESETS 3
#define CMD_MAX 600u
#define TABLE_MAX 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vc_pair pr;
static struct vnet_drv nd;
static struct vdrv_config cfg;
static uint8_t cmd[CMD_MAX];

static const uint8_t dev_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

enum verdict { V_OK, V_ERR, V_EMPTY, V_FAIL };

/* The filter model of this file. */
static struct {
	uint64_t features;
	uint16_t max_pairs, pairs;
	bool mode[6];
	uint8_t mac[6];
	uint32_t n_uni, n_multi;
	bool uni_over, multi_over;
	uint8_t uni[TABLE_MAX][6], multi[TABLE_MAX][6];
	bool vlan[4096];
	bool rss;
	bool failed;
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

static void model_reset(void)
{
	uint64_t f = M.features;
	uint16_t mp = M.max_pairs;
	unsigned r = M.resets;

	memset(&M, 0, sizeof(M));
	M.features = f;
	M.max_pairs = mp;
	M.resets = r;
	M.pairs = 1;
	memcpy(M.mac, dev_mac, 6);
}

static void bring_up(void)
{
	struct vc_net_state st;

	ORACLE(vdrv_init(pr.drv, &cfg) == 0, HARNESS, "initialization failed");
	M.features = vdrv_features(pr.drv);
	model_reset();
	ORACLE(vnet_drv_attach(&nd, pr.drv) == 0, HARNESS, "attach failed");
	ORACLE(vc_net_state(dev(), &st) == 0, HARNESS, "no state");
	/* devicenormative: Setting MAC Address Filtering -- empty after reset */
	ORACLE(st.n_uni == 0 && st.n_multi == 0 && !st.uni_overflow && !st.multi_overflow,
	       CL_DEV_NET_MAC, "MAC table not empty after reset");
	ORACLE(st.rx_pairs == 1, CL_DEV_NET_MQ, "%u receive pairs after reset", st.rx_pairs);
	gm_track_clear(pr.dev_mem);
}

/* ------------------------------------------------------ re-derived answers */

static uint32_t le32at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16at(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static enum verdict judge_mac(uint8_t c, const uint8_t *d, uint32_t n, const char **cl)
{
	uint64_t n1, n2, off;
	uint32_t i;

	*cl = CL_DRV_NET_MAC;
	if (!has(VIRTIO_NET_F_CTRL_RX))
		return V_FAIL;
	if (c == VIRTIO_NET_CTRL_MAC_ADDR_SET)
		return has(VIRTIO_NET_F_CTRL_MAC_ADDR) && n == 6 ? V_OK : V_ERR;
	if (c != VIRTIO_NET_CTRL_MAC_TABLE_SET)
		return V_ERR;
	if (n < 8)
		return V_FAIL;
	n1 = le32at(d);
	if (4 + 6 * n1 + 4 > n)
		return V_FAIL;
	off = 4 + 6 * n1;
	n2 = le32at(d + off);
	off += 4;
	if (off + 6 * n2 != n)
		return V_FAIL;
	for (i = 0; i < n1; i++)
		if (d[4 + 6 * i] & 1)
			return V_FAIL;
	for (i = 0; i < n2; i++)
		if (!(d[off + 6 * i] & 1))
			return V_FAIL;
	return V_OK;
}

static enum verdict judge_rss(const uint8_t *d, uint32_t n, const char **cl)
{
	struct vc_net_state st;
	uint32_t entries, i, types;
	uint16_t mask;
	uint8_t klen;

	*cl = CL_DRV_NET_RSS;
	if (!has(VIRTIO_NET_F_RSS))
		return V_FAIL;
	if (n < 8)
		return V_ERR;
	types = le32at(d);
	mask = le16at(d + 4);
	entries = (uint32_t)mask + 1;
	if (entries & (entries - 1) || mask >= VIRTIO_NET_RSS_MIN_TABLE || (types & ~0x3fu))
		return V_FAIL;
	if (8 + 2 * entries + 3 > n)
		return V_ERR;
	for (i = 0; i < entries; i++)
		if (le16at(d + 8 + 2 * i) >= M.max_pairs)
			return V_FAIL;
	klen = d[8 + 2 * entries + 2];
	(void)vc_net_state(dev(), &st);
	if (8 + 2 * entries + 3 + klen != n || klen > VIRTIO_NET_RSS_MIN_KEY ||
	    le16at(d + 6) >= M.max_pairs || le16at(d + 8 + 2 * entries) == 0 ||
	    le16at(d + 8 + 2 * entries) > M.max_pairs)
		return V_ERR;
	return V_OK;
}

static enum verdict judge(const uint8_t *b, uint32_t len, uint32_t ack_len, const char **cl)
{
	const uint8_t *d = b + 2;
	uint32_t n = len - 2;
	uint64_t off;
	uint8_t c;

	*cl = NULL;
	if (ack_len == 0)
		return V_EMPTY;
	if (len < 2)
		return V_ERR;
	c = b[1];
	switch (b[0]) {
	case VIRTIO_NET_CTRL_RX:
		*cl = CL_DRV_NET_RXFILTER;
		if (c > 5)
			return V_ERR;
		if (c <= 1 ? !has(VIRTIO_NET_F_CTRL_RX) : !has(VIRTIO_NET_F_CTRL_RX_EXTRA))
			return V_FAIL;
		return n == 1 && d[0] <= 1 ? V_OK : V_ERR;
	case VIRTIO_NET_CTRL_MAC:
		return judge_mac(c, d, n, cl);
	case VIRTIO_NET_CTRL_VLAN:
		return has(VIRTIO_NET_F_CTRL_VLAN) && n == 2 && c <= 1 && le16at(d) < 4096 ? V_OK
											  : V_ERR;
	case VIRTIO_NET_CTRL_ANNOUNCE:
		return has(VIRTIO_NET_F_GUEST_ANNOUNCE) && c == 0 && n == 0 ? V_OK : V_ERR;
	case VIRTIO_NET_CTRL_MQ:
		if (c == VIRTIO_NET_CTRL_MQ_RSS_CONFIG)
			return judge_rss(d, n, cl);
		if (c != 0 || !has(VIRTIO_NET_F_MQ) || n != 2)
			return V_ERR;
		*cl = CL_DRV_NET_MQ;
		return le16at(d) >= 1 && le16at(d) <= M.max_pairs ? V_OK : V_FAIL;
	case VIRTIO_NET_CTRL_GUEST_OFFLOADS:
		if (!has(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || c != 0 || n != 8)
			return V_ERR;
		off = (uint64_t)le32at(d) | (uint64_t)le32at(d + 4) << 32;
		*cl = CL_DRV_NET_OFFLOADS;
		if (off & ~M.features)
			return V_FAIL;
		return off & ~(VIRTIO_BIT(1) | VIRTIO_BIT(7) | VIRTIO_BIT(8) | VIRTIO_BIT(9) |
			       VIRTIO_BIT(10)) ? V_ERR : V_OK;
	default:
		return V_ERR;
	}
}

/* What an OK command changes in the model. */
static void apply(const uint8_t *b, uint32_t len)
{
	const uint8_t *d = b + 2;
	uint32_t n1, n2, i;

	switch (b[0]) {
	case VIRTIO_NET_CTRL_RX:
		M.mode[b[1]] = d[0] == 1;
		break;
	case VIRTIO_NET_CTRL_MAC:
		if (b[1] == VIRTIO_NET_CTRL_MAC_ADDR_SET) {
			memcpy(M.mac, d, 6);
			break;
		}
		n1 = le32at(d);
		n2 = le32at(d + 4 + 6 * n1);
		M.uni_over = n1 > TABLE_MAX;
		M.multi_over = n2 > TABLE_MAX;
		M.n_uni = M.uni_over ? 0 : n1;
		M.n_multi = M.multi_over ? 0 : n2;
		for (i = 0; i < M.n_uni; i++)
			memcpy(M.uni[i], d + 4 + 6 * i, 6);
		for (i = 0; i < M.n_multi; i++)
			memcpy(M.multi[i], d + 8 + 6 * n1 + 6 * i, 6);
		break;
	case VIRTIO_NET_CTRL_VLAN:
		M.vlan[le16at(d)] = b[1] == 0;
		break;
	case VIRTIO_NET_CTRL_MQ:
		if (b[1] == 0) {
			M.pairs = le16at(d);
			M.rss = false;
		} else {
			M.pairs = M.max_pairs;
			M.rss = true;
		}
		break;
	default:
		break;
	}
	(void)len;
}

static void check_state(const uint8_t *b)
{
	struct vc_net_state st;
	uint8_t m[6];
	uint32_t i;

	ORACLE(vc_net_state(dev(), &st) == 0, HARNESS, "no state");
	ORACLE(st.promisc == M.mode[0] && st.allmulti == M.mode[1] && st.alluni == M.mode[2] &&
	       st.nomulti == M.mode[3] && st.nouni == M.mode[4] && st.nobcast == M.mode[5],
	       CL_DEV_NET_RXFILTER, "receive modes differ from the commands");
	ORACLE(st.n_uni == M.n_uni && st.n_multi == M.n_multi && st.uni_overflow == M.uni_over &&
	       st.multi_overflow == M.multi_over, CL_DEV_NET_MAC,
	       "MAC table not the one MAC_TABLE_SET gave");
	for (i = 0; i < M.n_uni; i++)
		ORACLE(vc_net_mac_entry(dev(), false, i, m) == 0 && !memcmp(m, M.uni[i], 6),
		       CL_DEV_NET_MAC, "unicast entry %u differs", i);
	for (i = 0; i < M.n_multi; i++)
		ORACLE(vc_net_mac_entry(dev(), true, i, m) == 0 && !memcmp(m, M.multi[i], 6),
		       CL_DEV_NET_MAC, "multicast entry %u differs", i);
	ORACLE(!memcmp(st.mac, M.mac, 6), CL_DEV_NET_MAC, "filter address differs");
	if (has(VIRTIO_NET_F_MAC)) {
		ORACLE(!memcmp(st.config_mac, M.mac, 6), CL_DEV_NET_MAC,
		       "mac in the configuration not updated by MAC_ADDR_SET");
		ORACLE(vdrv_config_read(pr.drv, 0, m, 6) == 0 && !memcmp(m, M.mac, 6),
		       CL_DEV_NET_MAC, "mac read from the configuration differs");
	}
	ORACLE(st.rx_pairs == M.pairs && st.rss == M.rss, CL_DEV_NET_MQ,
	       "pairs %u (model %u)", st.rx_pairs, M.pairs);
	if (b && b[0] == VIRTIO_NET_CTRL_ANNOUNCE)
		ORACLE(!(st.status & VIRTIO_NET_S_ANNOUNCE), CL_DEV_NET_ANNOUNCE,
		       "ANNOUNCE still set after ANNOUNCE_ACK was used");
	if (b && b[0] == VIRTIO_NET_CTRL_VLAN)
		ORACLE(vc_net_vlan_allowed(dev(), le16at(b + 2)) == (b[1] == 0), CL_DEV_NET_RXFILTER,
		       "VLAN %u not %s", le16at(b + 2), b[1] == 0 ? "added" : "deleted");
	if (b && b[0] == VIRTIO_NET_CTRL_GUEST_OFFLOADS)
		ORACLE(st.offloads == ((uint64_t)le32at(b + 2) | (uint64_t)le32at(b + 6) << 32),
		       CL_DRV_NET_OFFLOADS, "offloads not the ones set");
}

/* -------------------------------------------------------------- commands */

static uint32_t build_cmd(struct fin *f)
{
	uint8_t sel = fin_u8(f);
	uint32_t len, i, n1, n2;

	cmd[0] = (uint8_t)(fin_u8(f) % 7);
	cmd[1] = (uint8_t)(fin_u8(f) % 4);
	switch (sel % 4) {
	case 0: /* raw bytes */
		len = 2 + fin_u8(f) % 24;
		for (i = 2; i < len; i++)
			cmd[i] = fin_u8(f);
		return (sel & 0x80) ? len % 3 : len;
	case 1: /* a one-byte or two-byte argument (modes, VLAN, pairs) */
		cmd[2] = fin_u8(f);
		cmd[3] = (sel & 0x10) ? fin_u8(f) : 0;
		return (sel & 0x20) ? 4 : 3;
	case 2: /* MAC table: counts and addresses, consistent or not */
		cmd[0] = VIRTIO_NET_CTRL_MAC;
		cmd[1] = VIRTIO_NET_CTRL_MAC_TABLE_SET;
		n1 = fin_u8(f) % 70;
		n2 = fin_u8(f) % 70;
		if (2 + 8 + 6 * (n1 + n2) > CMD_MAX)
			n2 = 0;
		memset(cmd + 2, 0, 4);
		cmd[2] = (uint8_t)n1;
		for (i = 0; i < n1; i++) {
			memcpy(cmd + 6 + 6 * i, dev_mac, 6);
			cmd[6 + 6 * i + 5] = (uint8_t)i;
			if (fin_u8(f) == 1)
				cmd[6 + 6 * i] |= 1;
		}
		len = 6 + 6 * n1;
		memset(cmd + len, 0, 4);
		cmd[len] = (uint8_t)(n2 + ((sel & 0x40) ? 1 : 0));
		len += 4;
		for (i = 0; i < n2; i++) {
			static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 0 };

			memcpy(cmd + len + 6 * i, mc, 6);
			cmd[len + 6 * i + 5] = (uint8_t)i;
			if (fin_u8(f) == 1)
				cmd[len + 6 * i] &= 0xfe;
		}
		return len + 6 * n2;
	default: /* RSS config: mask, table, key length from the input */
		cmd[0] = VIRTIO_NET_CTRL_MQ;
		cmd[1] = VIRTIO_NET_CTRL_MQ_RSS_CONFIG;
		{
			uint32_t types = fin_u8(f) & 0x7f, mask = (1u << (fin_u8(f) % 9)) - 1;
			uint32_t klen = fin_u8(f) % 48, e;

			if (sel & 0x10)
				mask = fin_u8(f);
			cmd[2] = (uint8_t)types;
			cmd[3] = cmd[4] = cmd[5] = 0;
			cmd[6] = (uint8_t)mask;
			cmd[7] = (uint8_t)(mask >> 8);
			cmd[8] = fin_u8(f) % 5;
			cmd[9] = 0;
			len = 10;
			for (e = 0; e <= mask && len + 2 < CMD_MAX - 64; e++, len += 2) {
				cmd[len] = (uint8_t)(e % 5 == 4 ? fin_u8(f) % 6 : e % 4);
				cmd[len + 1] = 0;
			}
			cmd[len] = (uint8_t)(1 + fin_u8(f) % 4);
			cmd[len + 1] = 0;
			cmd[len + 2] = (uint8_t)klen;
			len += 3;
			for (e = 0; e < klen; e++)
				cmd[len + e] = (uint8_t)e;
			return len + klen - ((sel & 0x20) ? 1 : 0);
		}
	}
}

static void op_cmd(struct fin *f)
{
	uint32_t len = build_cmd(f), ack_len = fin_u8(f) % 4;
	struct vc_net_stats before = *vc_net_stats(dev());
	uint64_t f0 = dev_findings();
	const char *cl;
	enum verdict v;
	int rc;

	if (len == 0 && ack_len == 0)
		ack_len = 1;
	v = judge(cmd, len, ack_len, &cl);
	rc = vnet_drv_ctrl_raw(&nd, cmd, len, ack_len);
	if (M.failed) {
		ORACLE(rc == -1 && dev_findings() == f0 &&
		       !memcmp(&before, vc_net_stats(dev()), sizeof(before)),
		       CL_DEV_STATUS, "a command was consumed after the device needed a reset");
		return;
	}
	switch (v) {
	case V_FAIL:
		ORACLE(rc == -1 && needs_reset() && dev_findings() > f0 &&
		       !strcmp(last_dev_clause(), cl), cl,
		       "class %u command %u (%u bytes) not refused (rc %d, last finding %s)",
		       cmd[0], cmd[1], len, rc, last_dev_clause());
		M.failed = true;
		return;
	case V_EMPTY:
		ORACLE(rc == -2, HARNESS, "a command without an ack byte: rc %d", rc);
		break;
	case V_ERR:
		ORACLE(rc == VIRTIO_NET_ERR, HARNESS,
		       "class %u command %u (%u bytes): expected ERR, got %d (%s)", cmd[0], cmd[1],
		       len, rc, last_dev_clause());
		break;
	case V_OK:
		ORACLE(rc == VIRTIO_NET_OK, HARNESS,
		       "class %u command %u (%u bytes): expected OK, got %d (%s)", cmd[0], cmd[1],
		       len, rc, last_dev_clause());
		apply(cmd, len);
		break;
	}
	ORACLE(!needs_reset() && dev_findings() == f0, HARNESS, "unexpected finding: %s",
	       last_dev_clause());
	check_state(v == V_OK ? cmd : NULL);
}

/* ----------------------------------------------------------------- frames */

static bool model_pass(const uint8_t *fr, uint32_t len)
{
	const uint8_t *dst = fr;
	uint32_t i;

	if (has(VIRTIO_NET_F_CTRL_VLAN) && len >= 18 && fr[12] == 0x81 && fr[13] == 0 &&
	    !M.mode[0] && !M.vlan[((fr[14] << 8) | fr[15]) & 0xfff])
		return false;
	if (!has(VIRTIO_NET_F_CTRL_RX) || M.mode[0])
		return true;
	if (!memcmp(dst, "\xff\xff\xff\xff\xff\xff", 6))
		return !M.mode[5];
	if (dst[0] & 1) {
		if (M.mode[3])
			return false;
		if (M.mode[1] || M.multi_over)
			return true;
		for (i = 0; i < M.n_multi; i++)
			if (!memcmp(M.multi[i], dst, 6))
				return true;
		return false;
	}
	if (M.mode[4])
		return false;
	if (M.mode[2] || M.uni_over || !memcmp(M.mac, dst, 6))
		return true;
	for (i = 0; i < M.n_uni; i++)
		if (!memcmp(M.uni[i], dst, 6))
			return true;
	return false;
}

static void op_frame(struct fin *f)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 0 };
	uint8_t fr[80], sel = fin_u8(f);
	struct vc_net_state st, before;
	uint64_t dropped, delivered;
	uint32_t p;
	uint16_t last_pair = 0;
	int rc;

	memset(fr, sel, sizeof(fr));
	switch (sel % 5) {
	case 0: memcpy(fr, M.mac, 6); break;
	case 1: memset(fr, 0xff, 6); break;
	case 2: memcpy(fr, mc, 6); fr[5] = fin_u8(f) % 8; break;
	case 3: memcpy(fr, dev_mac, 6); fr[5] = fin_u8(f) % 8; break;
	default: fr[0] = fin_u8(f); break;
	}
	if (sel & 0x20) {
		uint16_t vid = fin_u16(f) & 0xfff;

		fr[12] = 0x81;
		fr[13] = 0;
		fr[14] = (uint8_t)(vid >> 8);
		fr[15] = (uint8_t)vid;
	} else {
		fr[12] = 0x08;
		fr[13] = 0x00;
	}
	ORACLE(vc_net_state(dev(), &before) == 0, HARNESS, "no state");
	dropped = vc_net_stats(dev())->rx_dropped_queue;
	delivered = vc_net_stats(dev())->rx_frames;
	rc = vc_net_inject(dev(), fin_u8(f), fr, sizeof(fr));
	if (M.failed)
		return;
	if (rc == -1 && vc_net_stats(dev())->rx_dropped_queue > dropped)
		return; /* the queue was full: dropped, counted */
	ORACLE(rc == (model_pass(fr, sizeof(fr)) ? 0 : 1), CL_DEV_NET_RXFILTER,
	       "frame to %02x:%02x:%02x:%02x:%02x:%02x: device %d, model %s", fr[0], fr[1], fr[2],
	       fr[3], fr[4], fr[5], rc, model_pass(fr, sizeof(fr)) ? "pass" : "filter");
	ORACLE(vc_net_state(dev(), &st) == 0, HARNESS, "no state");
	/* devicenormative: Automatic receive steering -- nothing above the
	 * pairs in use (a frame delivered at once is checked by its queue in
	 * the driver) */
	for (p = M.rss ? M.max_pairs : M.pairs; p < VC_NET_MAX_PAIRS; p++)
		ORACLE(st.pending[p] <= before.pending[p], CL_DEV_NET_MQ,
		       "a frame waits on receive queue %u", p);
	if (rc == 0 && vc_net_stats(dev())->rx_frames > delivered) {
		struct vnet_rx_info info;
		long got;

		while ((got = vnet_drv_recv(&nd, &info, NULL, 0)) >= 0)
			last_pair = info.pair;
		ORACLE(last_pair < (M.rss ? M.max_pairs : M.pairs), CL_DEV_NET_MQ,
		       "frame delivered on receive pair %u, %u in use", last_pair, M.pairs);
	}
}

static void run_op(struct fin *f, uint8_t op)
{
	switch (op % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		op_cmd(f);
		break;
	case 4:
	case 5:
		op_frame(f);
		break;
	case 6:
		if (M.resets < MAX_RESETS) {
			M.resets++;
			vnet_drv_detach(&nd);
			vdrv_reset(pr.drv);
			bring_up();
		}
		break;
	default:
		if (!M.failed && vc_net_announce(dev()) == 0) {
			struct vc_net_state st;

			vnet_drv_poll(&nd);
			/* drivernormative: Gratuitous Packet Sending -- the driver
			 * acknowledges; devicenormative: the device clears */
			ORACLE(vc_net_state(dev(), &st) == 0 && !(st.status & VIRTIO_NET_S_ANNOUNCE),
			       CL_DRV_NET_ANNOUNCE, "ANNOUNCE still set after the driver's poll");
		}
		break;
	}
	if (!M.failed) {
		vnet_drv_poll(&nd);
		check_driver();
	}
	/* commands and their ack parts live in the driver's control area:
	 * only ack bytes may have been written */
	ORACLE(gm_track_count(pr.dev_mem, nd.ctrl_area, VNET_CTRL_MAX) == 0, HARNESS,
	       "the device wrote into a control command's readable part");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size, 0 };
	uint8_t b0 = fin_u8(&f), b1 = fin_u8(&f), b2 = fin_u8(&f);
	struct vc_pair_opts opts = { .transport = (b0 & 1) ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI };
	uint64_t want = VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
	static const unsigned bits[8] = {
		VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_CTRL_VLAN,
		VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_CTRL_MAC_ADDR,
		VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, VIRTIO_NET_F_MAC, VIRTIO_NET_F_GUEST_CSUM,
	};
	char args[128];
	unsigned ops = 0, i;
	uint16_t pairs = (b0 & 0x0c) ? (uint16_t)(1 + b2 % 4) : 1;

	memset(&M, 0, sizeof(M));
	M.max_pairs = pairs;
	snprintf(args, sizeof(args), "max_queue_pairs=%u,mq=%s,rss=%s,announce=%s,guest_tso4=on",
		 pairs, (b0 & 4) ? "on" : "off", (b0 & 8) ? "on" : "off",
		 (b0 & 0x10) ? "on" : "off");
	for (i = 0; i < 8; i++)
		if (b1 & (1u << i))
			want |= VIRTIO_BIT(bits[i]);
	if (b0 & 2)
		want |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	if (b0 & 4)
		want |= VIRTIO_BIT(VIRTIO_NET_F_MQ);
	if (b0 & 8)
		want |= VIRTIO_BIT(VIRTIO_NET_F_RSS);
	want |= VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);

	ORACLE(vc_pair_open_opts(&pr, &vc_net_device_ops, args, &opts) == 0, HARNESS,
	       "pair open failed (%s)", args);
	ORACLE(gm_track_enable(pr.dev_mem, true) == 0, HARNESS, "no write tracking");
	ORACLE(vdrv_probe(pr.drv, VIRTIO_ID_NET) == 0, HARNESS, "probe failed");
	vnet_drv_config(&cfg, want);
	cfg.queue_size = 32;
	bring_up();
	check_state(NULL);
	while (!fin_done(&f) && ops++ < MAX_OPS)
		run_op(&f, fin_u8(&f));
	vnet_drv_detach(&nd);
	vc_pair_close(&pr);
	return 0;
}
