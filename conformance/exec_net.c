// SPDX-License-Identifier: Apache-2.0
/*
 * The net device in the model executor: the net_* steps drive the reference
 * net driver (net_drv.h) and the device's host end (net.h), and the "net"
 * expectation reads both sides' state. docs/spec-case-format.md, "net
 * steps", is the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "net.h"
#include "net_drv.h"
#include "virtiocheck/le.h"

#include "case_net.h"
#include "exec_priv.h"

struct net_x {
	struct vnet_drv drv;
	bool attached;
	uint32_t last_len;                 /* the last frame built (send/inject) */
	uint8_t last[NET_CASE_FRAME_MAX];
	uint8_t got[NET_CASE_FRAME_MAX];
};

/* The Microsoft RSS verification key; longer keys repeat it. */
static const uint8_t rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static void *ndev(struct xstate *x)
{
	return vdev_device(x->pair.core);
}

static struct net_x *nx(struct xstate *x)
{
	if (!x->net_x)
		x->net_x = calloc(1, sizeof(struct net_x));
	return x->net_x;
}

void exec_net_detach(struct xstate *x)
{
	struct net_x *n = x->net_x;

	if (n) {
		if (n->attached)
			vnet_drv_detach(&n->drv);
		free(n);
	}
	x->net_x = NULL;
}

static int ensure_net(struct xstate *x)
{
	struct net_x *n = nx(x);

	if (!n)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (n->attached)
		return 0;
	if (vnet_drv_attach(&n->drv, x->pair.drv) != 0)
		return xfail(x, V_FAIL, NULL, "the net driver could not attach (status 0x%02x)",
			     vdrv_status(x->pair.drv));
	n->attached = true;
	xtrace(x, "  net driver attached: %u pair(s), control queue %u", n->drv.nqueues_pairs,
	       n->drv.ctrlq);
	return 0;
}

static int outcome(struct xstate *x, const struct step_net *s, const char *what, bool ok)
{
	xtrace(x, "  %s -> %s", what, ok ? "ok" : "failed");
	if (ok == s->expect_fail)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", what,
			     s->expect_fail ? "failure" : "success", ok ? "success" : "failure");
	return 0;
}

/* A control command's result against the expected ack (default OK). */
static int ctrl_outcome(struct xstate *x, const struct step_net *s, const char *what, int rc)
{
	static const char *const names[] = { "OK", "ERR", "EMPTY", "NONE" };
	uint8_t want = s->has_ack ? s->ack : NA_OK, got;

	if (s->expect_fail || rc == -1)
		return outcome(x, s, what, rc != -1);
	got = rc == 0 ? NA_OK : rc == 1 ? NA_ERR : rc == -2 ? NA_EMPTY : NA_NONE;
	xtrace(x, "  %s -> %s", what, names[got]);
	if (got != want)
		return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %s", what, names[want],
			     names[got]);
	return 0;
}

/* ------------------------------------------------------------- frames */

static uint32_t build_frame(struct xstate *x, const struct net_frame_spec *f, uint8_t *b)
{
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 };
	static const uint8_t ip4s[4] = { 66, 9, 149, 187 }, ip4d[4] = { 161, 142, 100, 80 };
	struct vc_net_state st;
	uint32_t l2 = 12, i, l3;
	uint8_t proto = 6;

	memset(b, 0, f->len);
	if (f->has_dst)
		memcpy(b, f->dst, 6);
	else if (vc_net_state(ndev(x), &st) == 0)
		memcpy(b, st.mac, 6);
	memcpy(b + 6, src, 6);
	if (f->has_vlan) {
		b[12] = 0x81;
		b[13] = 0x00;
		b[14] = (uint8_t)(f->vlan >> 8);
		b[15] = (uint8_t)f->vlan;
		l2 = 16;
	}
	l3 = l2 + 2;
	for (i = l3; i < f->len; i++)
		b[i] = (uint8_t)(i * 7 + f->seed);
	switch (f->kind) {
	case NF_ARP:
		b[l2] = 0x08;
		b[l2 + 1] = 0x06;
		break;
	case NF_TCP6:
		b[l2] = 0x86;
		b[l2 + 1] = 0xdd;
		memset(b + l3, 0, 40);
		b[l3] = 0x60;
		b[l3 + 6] = 6;
		b[l3 + 23] = 1;
		b[l3 + 39] = 2;
		break;
	case NF_PLAIN:
		b[l2] = 0x08;
		b[l2 + 1] = 0x00;
		break;
	default:
		proto = f->kind == NF_UDP4 ? 17 : f->kind == NF_ICMP4 ? 1 : 6;
		b[l2] = 0x08;
		b[l2 + 1] = 0x00;
		memset(b + l3, 0, 20);
		b[l3] = 0x45;
		b[l3 + 9] = proto;
		memcpy(b + l3 + 12, ip4s, 4);
		memcpy(b + l3 + 16, ip4d, 4);
		b[l3 + 20] = 2794 >> 8;
		b[l3 + 21] = 2794 & 0xff;
		b[l3 + 22] = 1766 >> 8;
		b[l3 + 23] = 1766 & 0xff;
		break;
	}
	return f->len;
}

static int seg_bufs(struct xstate *x, const struct case_seg *g, unsigned n, struct vq_buf *out,
		    bool writable)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct named *nb = xbuf_find(x, g[i].buf);

		if (!nb)
			return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", g[i].buf);
		out[i] = (struct vq_buf){ nb->gpa + g[i].offset, g[i].len };
		if (writable)
			nb->posted_writable = true;
	}
	return 0;
}

/* -------------------------------------------------------- driver steps */

static int do_send(struct xstate *x, struct net_x *n, const struct step_net *s)
{
	struct vnet_tx_opts o = {
		.needs_csum = s->csum, .csum_start = s->csum_start, .csum_offset = s->csum_offset,
		.gso_type = s->gso_type, .gso_size = s->gso_size, .hdr_len = s->hdr_len,
	};
	int rc;

	n->last_len = build_frame(x, &s->f, n->last);
	if (s->op == NO_SEND_RAW)
		rc = vnet_drv_send_raw(&n->drv, s->queue, s->bytes, n->last, n->last_len);
	else
		rc = vnet_drv_send(&n->drv, s->pair, n->last, n->last_len, &o);
	return outcome(x, s, s->op == NO_SEND_RAW ? "net_send_raw" : "net_send", rc == 0);
}

static int do_recv(struct xstate *x, struct net_x *n, const struct step_net *s)
{
	struct vnet_rx_info info;
	long len = vnet_drv_recv(&n->drv, &info, n->got, sizeof(n->got));

	if (s->expect_none) {
		xtrace(x, "  net_recv -> %s", len < 0 ? "nothing" : "a frame");
		if (len >= 0)
			return xfail(x, V_FAIL, NULL, "net_recv: expected no frame, got %ld bytes",
				     len);
		return 0;
	}
	if (len < 0)
		return outcome(x, s, "net_recv", false);
	xtrace(x, "  net_recv -> %ld bytes on pair %u, flags 0x%x, gso 0x%x, num_buffers %u",
	       len, info.pair, info.flags, info.gso_type, info.num_buffers);
	if (s->expect_fail)
		return outcome(x, s, "net_recv", true);
	if (s->has_len && (uint32_t)len != s->len)
		return xfail(x, V_FAIL, NULL, "net_recv: expected %u bytes, observed %ld", s->len,
			     len);
	if (s->same && ((uint32_t)len != n->last_len || memcmp(n->got, n->last, n->last_len)))
		return xfail(x, V_FAIL, NULL,
			     "net_recv: the %ld bytes differ from the %u-byte frame sent", len,
			     n->last_len);
	if (s->has_rpair && info.pair != s->rpair)
		return xfail(x, V_FAIL, NULL, "net_recv: expected pair %u, observed %u", s->rpair,
			     info.pair);
	if (s->has_flags && info.flags != s->flags)
		return xfail(x, V_FAIL, NULL, "net_recv: expected flags 0x%x, observed 0x%x",
			     s->flags, info.flags);
	if (s->has_gso && info.gso_type != s->gso)
		return xfail(x, V_FAIL, NULL, "net_recv: expected gso_type 0x%x, observed 0x%x",
			     s->gso, info.gso_type);
	if (s->has_nb && info.num_buffers != s->nb)
		return xfail(x, V_FAIL, NULL, "net_recv: expected num_buffers %u, observed %u",
			     s->nb, info.num_buffers);
	return 0;
}

static int do_rss(struct xstate *x, struct net_x *n, const struct step_net *s)
{
	struct vnet_rss *r = calloc(1, sizeof(*r));
	uint32_t i;
	int rc;

	if (!r)
		return xfail(x, V_ERROR, NULL, "out of memory");
	r->hash_types = s->hash_types;
	r->table_len = s->table_len;
	r->unclassified = s->unclassified;
	r->max_tx_vq = s->max_tx_vq;
	r->key_len = s->key_len;
	for (i = 0; i < s->key_len; i++)
		r->key[i] = rss_key[i % sizeof(rss_key)];
	for (i = 0; i < s->table_len && i < sizeof(r->table) / sizeof(r->table[0]); i++)
		r->table[i] = s->table[i % s->n_table];
	rc = vnet_drv_rss(&n->drv, r);
	free(r);
	return ctrl_outcome(x, s, "net_rss", rc);
}

static int driver_step(struct xstate *x, struct net_x *n, const struct step_net *s)
{
	struct vq_buf out[NET_CASE_SEGS], in[NET_CASE_SEGS];
	uint8_t m[NET_CASE_MACS][6];
	int rc;

	if (s->op == NO_ATTACH) {
		if (n->attached)
			return xfail(x, V_ERROR, NULL, "case error: the net driver is attached already");
		rc = vnet_drv_attach(&n->drv, x->pair.drv);
		n->attached = rc == 0;
		return outcome(x, s, "net_attach", rc == 0);
	}
	if (ensure_net(x))
		return -1;
	switch (s->op) {
	case NO_POLL:
		return outcome(x, s, "net_poll", vnet_drv_poll(&n->drv) == 0);
	case NO_SEND:
	case NO_SEND_RAW:
		return do_send(x, n, s);
	case NO_RECV:
		return do_recv(x, n, s);
	case NO_RX_MODE:
		return ctrl_outcome(x, s, "net_rx_mode", vnet_drv_rx_mode(&n->drv, s->mode, s->on));
	case NO_MAC_TABLE:
		memcpy(m, s->multi, sizeof(m));
		return ctrl_outcome(x, s, "net_mac_table",
				    vnet_drv_mac_table(&n->drv, s->uni, s->n_uni, m, s->n_multi));
	case NO_SET_MAC:
		return ctrl_outcome(x, s, "net_set_mac", vnet_drv_set_mac(&n->drv, s->mac));
	case NO_VLAN:
		return ctrl_outcome(x, s, "net_vlan", vnet_drv_vlan(&n->drv, s->vid, s->on));
	case NO_ANNOUNCE_ACK:
		return ctrl_outcome(x, s, "net_announce_ack", vnet_drv_announce_ack(&n->drv));
	case NO_PAIRS:
		return ctrl_outcome(x, s, "net_pairs", vnet_drv_set_pairs(&n->drv, s->pairs));
	case NO_RSS:
		return do_rss(x, n, s);
	case NO_OFFLOADS:
		return ctrl_outcome(x, s, "net_offloads",
				    vnet_drv_set_offloads(&n->drv, s->offloads));
	case NO_QUEUE_RESET:
		return outcome(x, s, "net_queue_reset",
			       vnet_drv_queue_reset(&n->drv, s->queue) == 0);
	case NO_CTRL_RAW:
		rc = vnet_drv_ctrl_raw(&n->drv, s->bytes, s->n_bytes, s->ack_len);
		return ctrl_outcome(x, s, "net_ctrl_raw", rc == -1 ? -3 : rc);
	case NO_SUBMIT:
		if (seg_bufs(x, s->out, s->n_out, out, false) ||
		    seg_bufs(x, s->in, s->n_in, in, true))
			return -1;
		rc = vnet_drv_submit_raw(&n->drv, s->queue, out, s->n_out, in, s->n_in,
					 s->indirect);
		return outcome(x, s, "net_submit", rc >= 0);
	default:
		return 1;
	}
}

/* -------------------------------------------------------- device steps */

static int device_step(struct xstate *x, struct net_x *n, const struct step_net *s)
{
	static const char *const results[] = { "queued", "filtered", "dropped" };
	uint8_t *raw;
	int rc;

	switch (s->op) {
	case NO_INJECT:
		n->last_len = build_frame(x, &s->f, n->last);
		rc = vc_net_inject(ndev(x), s->pair, n->last, n->last_len);
		rc = rc == 0 ? NI_QUEUED : rc == 1 ? NI_FILTERED : NI_DROPPED;
		xtrace(x, "  net_inject %u bytes -> %s", n->last_len, results[rc]);
		if (s->has_result && rc != s->result)
			return xfail(x, V_FAIL, NULL, "net_inject: expected %s, observed %s",
				     results[s->result], results[rc]);
		return 0;
	case NO_INJECT_RAW:
		raw = calloc(1, s->len ? s->len : 1);
		if (!raw)
			return xfail(x, V_ERROR, NULL, "out of memory");
		memcpy(raw, s->bytes, s->n_bytes);
		memset(raw + s->n_bytes, 0x5a, s->len - s->n_bytes);
		rc = vc_net_inject_raw(ndev(x), s->queue, raw, s->len, s->nbufs);
		free(raw);
		return outcome(x, s, "net_inject_raw", rc == 0);
	case NO_LINK:
		return outcome(x, s, "net_link", vc_net_set_link(ndev(x), s->up) == 0);
	case NO_ANNOUNCE:
		return outcome(x, s, "net_announce", vc_net_announce(ndev(x)) == 0);
	case NO_SPEED:
		return outcome(x, s, "net_speed",
			       vc_net_set_speed(ndev(x), s->speed, s->duplex) == 0);
	default:
		return xfail(x, V_ERROR, NULL, "case error: unknown net step");
	}
}

int exec_net_step(struct xstate *x, const struct case_step *s)
{
	struct net_x *n = nx(x);
	int rc;

	if (!n)
		return xfail(x, V_ERROR, NULL, "out of memory");
	rc = driver_step(x, n, s->u.net);
	if (rc <= 0)
		return rc;
	return device_step(x, n, s->u.net);
}

/* -------------------------------------------------------- expectation */

static int check_counter(struct xstate *x, const char *what, const char *name,
			 const struct case_cmp *c, uint64_t got)
{
	char cb[64];

	if (xcmp_ok(c, got))
		return 0;
	xcmp_str(c, cb, sizeof(cb));
	return xfail(x, V_FAIL, NULL, "net %s %s: expected %s, observed %llu", what, name, cb,
		     (unsigned long long)got);
}

static uint64_t state_value(const struct vc_net_state *st, unsigned which)
{
	uint64_t sum = 0;
	unsigned p;

	switch (which) {
	case 0: return st->live;
	case 1: return st->promisc;
	case 2: return st->allmulti;
	case 3: return st->alluni;
	case 4: return st->nomulti;
	case 5: return st->nouni;
	case 6: return st->nobcast;
	case 7: return st->rss;
	case 8: return (st->status & VIRTIO_NET_S_ANNOUNCE) != 0;
	case 9: return (st->status & VIRTIO_NET_S_LINK_UP) != 0;
	case 10: return st->rx_pairs;
	case 11: return st->tx_pairs;
	case 12: return st->n_uni;
	case 13: return st->n_multi;
	case 14: return st->n_vlans;
	case 15:
		for (p = 0; p < VC_NET_MAX_PAIRS; p++)
			sum += st->pending[p];
		return sum;
	case 16: return st->tx_log;
	default: return st->offloads;
	}
}

static uint64_t dev_stat(const struct vc_net_stats *s, unsigned which)
{
	uint64_t sum = 0;
	unsigned c;

	switch (which) {
	case 0: return s->tx_frames;
	case 1: return s->tx_csum_completed;
	case 2: return s->tx_gso;
	case 3: return s->tx_flags_ignored;
	case 4: return s->tx_dropped;
	case 5: return s->rx_frames;
	case 6: return s->rx_buffers;
	case 7: return s->rx_filtered;
	case 8: return s->rx_dropped_nobuf;
	case 9: return s->rx_dropped_queue;
	case 10: return s->rx_dropped_mtu;
	case 11: return s->rx_gso_dropped;
	case 12: return s->rx_runt;
	case 13:
		for (c = 0; c < VC_NET_NCLASSES; c++)
			sum += s->ctrl_ok[c];
		return sum;
	case 14:
		for (c = 0; c < VC_NET_NCLASSES; c++)
			sum += s->ctrl_err[c];
		return sum + s->ctrl_unknown;
	case 15: return s->ctrl_unknown;
	case 16: return s->ctrl_malformed;
	default: return s->config_writes;
	}
}

static uint64_t drv_stat(const struct vnet_drv *d, unsigned which)
{
	switch (which) {
	case 0: return d->stats.tx_frames;
	case 1: return d->stats.rx_frames;
	case 2: return d->stats.rx_buffers;
	case 3: return d->stats.rx_empty;
	case 4: return d->stats.rx_rejected;
	case 5: return d->stats.ctrl_ok;
	case 6: return d->stats.ctrl_err;
	case 7: return d->stats.announce_acks;
	case 8: return d->stats.config_changes;
	case 9: return d->stats.raw_used;
	case 10: return d->cfg.max_pairs;
	case 11: return d->cfg.mtu;
	case 12: return d->cfg.speed;
	case 13: return d->cfg.duplex;
	case 14: return d->cfg.status;
	case 15: return d->pairs;
	default: return d->tx_pairs;
	}
}

static int check_tx(struct xstate *x, struct net_x *n, const struct expect_net *e)
{
	struct vc_net_tx_info ti;
	long len = vc_net_tx_pop(ndev(x), &ti, n->got, sizeof(n->got));

	if (e->tx_none) {
		if (len >= 0)
			return xfail(x, V_FAIL, NULL, "net tx: expected no frame, got %ld bytes", len);
		return 0;
	}
	if (len < 0)
		return xfail(x, V_FAIL, NULL, "net tx: the device transmitted no frame");
	xtrace(x, "  transmitted: %ld bytes on pair %u, gso 0x%x%s", len, ti.pair, ti.gso_type,
	       ti.csum_completed ? ", checksum completed" : "");
	if (e->has_tx_len && (uint32_t)len != e->tx_len)
		return xfail(x, V_FAIL, NULL, "net tx: expected %u bytes, observed %ld", e->tx_len,
			     len);
	if (e->tx_same && ((uint32_t)len != n->last_len || memcmp(n->got, n->last, n->last_len)))
		return xfail(x, V_FAIL, NULL, "net tx: the %ld bytes differ from the frame sent",
			     len);
	if (e->has_tx_pair && ti.pair != e->tx_pair)
		return xfail(x, V_FAIL, NULL, "net tx: expected pair %u, observed %u", e->tx_pair,
			     ti.pair);
	if (e->has_tx_csum && ti.csum_completed != e->tx_csum_completed)
		return xfail(x, V_FAIL, NULL, "net tx: checksum %scompleted",
			     ti.csum_completed ? "" : "not ");
	if (e->has_tx_gso && ti.gso_type != e->tx_gso)
		return xfail(x, V_FAIL, NULL, "net tx: expected gso_type 0x%x, observed 0x%x",
			     e->tx_gso, ti.gso_type);
	return 0;
}

int exec_net_expect(struct xstate *x, const struct step_expect *se)
{
	const struct expect_net *e = se->net;
	struct net_x *n = nx(x);
	struct vc_net_state st;
	unsigned i;

	if (!n || vc_net_state(ndev(x), &st) != 0)
		return xfail(x, V_ERROR, NULL, "case error: no net device");
	if (e->has_tx && check_tx(x, n, e))
		return -1;
	if (e->has_mac && memcmp(st.mac, e->mac, 6))
		return xfail(x, V_FAIL, NULL, "net mac: the filter address differs");
	if (e->has_config_mac && memcmp(st.config_mac, e->config_mac, 6))
		return xfail(x, V_FAIL, NULL, "net config_mac: mac in the configuration differs");
	for (i = 0; i < e->n_state; i++)
		if (check_counter(x, "state", net_state_names[e->state[i].which], &e->state[i].cmp,
				  state_value(&st, e->state[i].which)))
			return -1;
	for (i = 0; i < e->n_dev; i++)
		if (check_counter(x, "device_stats", net_dev_stat_names[e->dev[i].which],
				  &e->dev[i].cmp, dev_stat(vc_net_stats(ndev(x)), e->dev[i].which)))
			return -1;
	if (e->n_drv && !n->attached)
		return xfail(x, V_ERROR, NULL, "case error: the net driver is not attached");
	for (i = 0; i < e->n_drv; i++)
		if (check_counter(x, "driver", net_drv_stat_names[e->drv[i].which], &e->drv[i].cmp,
				  drv_stat(&n->drv, e->drv[i].which)))
			return -1;
	return 0;
}

/* Liveness: one frame through the transmit queue reaches the wire. */
static int net_live(struct xstate *x, char *why, size_t wn)
{
	static const struct net_frame_spec f = {
		.len = 60, .has_dst = true, .dst = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct net_x *n = nx(x);
	uint8_t frame[60];
	long len;

	if (!n) {
		snprintf(why, wn, "out of memory");
		return -1;
	}
	if (!n->attached) {
		if (vnet_drv_attach(&n->drv, x->pair.drv) != 0) {
			snprintf(why, wn, "the net driver could not attach after reset");
			return -1;
		}
		n->attached = true;
	}
	while (vc_net_tx_pop(ndev(x), NULL, NULL, 0) >= 0)
		;
	build_frame(x, &f, frame);
	if (vnet_drv_send(&n->drv, 0, frame, sizeof(frame), NULL) != 0) {
		snprintf(why, wn, "a transmit after reset failed");
		return -1;
	}
	len = vc_net_tx_pop(ndev(x), NULL, n->got, sizeof(n->got));
	if (len != (long)sizeof(frame) || memcmp(n->got, frame, sizeof(frame))) {
		snprintf(why, wn, "the frame transmitted after reset did not reach the wire");
		return -1;
	}
	return 0;
}

const struct exec_device exec_net_device = {
	.name = "net", .ops = &vc_net_device_ops, .config = vnet_drv_config, .live = net_live,
};
