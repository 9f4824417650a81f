// SPDX-License-Identifier: Apache-2.0
/*
 * Parsers of the net_* steps and the expect "net" key (case_net.h,
 * docs/spec-case-format.md, "net steps"). Every error is reported at the
 * offending node through cl_bad().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_net.h"
#include "case_load_priv.h"

const char *const net_state_names[] = {
	"live", "promisc", "allmulti", "alluni", "nomulti", "nouni", "nobcast", "rss",
	"announce", "link_up", "rx_pairs", "tx_pairs", "n_uni", "n_multi", "n_vlans",
	"pending", "tx_log", "offloads", NULL,
};
const char *const net_dev_stat_names[] = {
	"tx_frames", "tx_csum_completed", "tx_gso", "tx_flags_ignored", "tx_dropped",
	"rx_frames", "rx_buffers", "rx_filtered", "rx_dropped_nobuf", "rx_dropped_queue",
	"rx_dropped_mtu", "rx_gso_dropped", "rx_runt", "ctrl_ok", "ctrl_err", "ctrl_unknown",
	"ctrl_malformed", "config_writes", NULL,
};
const char *const net_drv_stat_names[] = {
	"tx_frames", "rx_frames", "rx_buffers", "rx_empty", "rx_rejected", "ctrl_ok", "ctrl_err",
	"announce_acks", "config_changes", "raw_used", "max_pairs", "mtu", "speed", "duplex",
	"status", "pairs", "tx_pairs", NULL,
};

static const struct name_val mode_names[] = {
	{ "PROMISC", 0 }, { "ALLMULTI", 1 }, { "ALLUNI", 2 }, { "NOMULTI", 3 }, { "NOUNI", 4 },
	{ "NOBCAST", 5 }, { NULL, 0 }
};
static const struct name_val ack_names[] = {
	{ "OK", NA_OK }, { "ERR", NA_ERR }, { "EMPTY", NA_EMPTY }, { "NONE", NA_NONE }, { NULL, 0 }
};
static const struct name_val result_names[] = {
	{ "queued", NI_QUEUED }, { "filtered", NI_FILTERED }, { "dropped", NI_DROPPED },
	{ NULL, 0 }
};
static const struct name_val kind_names[] = {
	{ "plain", NF_PLAIN }, { "tcp4", NF_TCP4 }, { "udp4", NF_UDP4 }, { "icmp4", NF_ICMP4 },
	{ "arp", NF_ARP }, { "tcp6", NF_TCP6 }, { NULL, 0 }
};
static const struct name_val gso_names[] = {
	{ "NONE", 0 }, { "TCPV4", 1 }, { "UDP", 3 }, { "TCPV6", 4 }, { "UDP_L4", 5 },
	{ "TCPV4_ECN", 0x81 }, { "TCPV6_ECN", 0x84 }, { NULL, 0 }
};

/* ------------------------------------------------------------ values */

static bool is_number(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9';
}

static int get_flag(struct lctx *x, const struct ynode *m, const char *key, bool *out)
{
	const struct ynode *v = cl_map_get(m, key);

	return v ? cl_get_bool(x, v, key, out) : 0;
}

static int get_mac(struct lctx *x, const struct ynode *n, uint8_t mac[6])
{
	char s[32];
	unsigned b[6];
	int i, used = 0;

	if (cl_get_str(x, n, "MAC address", s, sizeof(s)))
		return -1;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &used) != 6 || used != 17 || s[17])
		return cl_bad(x, n, "a MAC address is xx:xx:xx:xx:xx:xx, not '%s'", s);
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int get_macs(struct lctx *x, const struct ynode *n, uint8_t (*macs)[6], uint32_t *cnt)
{
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, "a list of MAC addresses"))
		return -1;
	if (n->n > NET_CASE_MACS)
		return cl_bad(x, n, "at most %u MAC addresses", NET_CASE_MACS);
	for (i = 0; i < n->n; i++)
		if (get_mac(x, n->items[i], macs[i]))
			return -1;
	*cnt = (uint32_t)n->n;
	return 0;
}

static int get_bytes(struct lctx *x, const struct ynode *n, uint8_t *dst, uint32_t *cnt)
{
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, "a list of bytes"))
		return -1;
	if (n->n > NET_CASE_BYTES)
		return cl_bad(x, n, "at most %u bytes", NET_CASE_BYTES);
	for (i = 0; i < n->n; i++)
		if (GET_NUM(x, n->items[i], "byte", 0, 255, dst[i]))
			return -1;
	*cnt = (uint32_t)n->n;
	return 0;
}

static int get_gso(struct lctx *x, const struct ynode *n, uint8_t *out)
{
	uint64_t v;

	if (is_number(n))
		return GET_NUM(x, n, "gso_type", 0, 255, *out);
	if (cl_lookup(x, n, "gso_type", gso_names, &v))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int get_enum(struct lctx *x, const struct ynode *m, const char *key,
		    const struct name_val *tab, bool *has, uint8_t *out)
{
	const struct ynode *v = cl_map_get(m, key);
	uint64_t r;

	if (!v)
		return 0;
	if (cl_lookup(x, v, key, tab, &r))
		return -1;
	*out = (uint8_t)r;
	if (has)
		*has = true;
	return 0;
}

#define OPT_NUM(x, m, key, min, max, dst)                                          \
	({                                                                         \
		const struct ynode *w__ = cl_map_get((m), (key));                  \
		w__ ? GET_NUM((x), w__, (key), (min), (max), (dst)) : 0;           \
	})

static int get_frame(struct lctx *x, const struct ynode *m, struct net_frame_spec *f)
{
	const struct ynode *v;

	f->len = 64;
	if (OPT_NUM(x, m, "len", 14, NET_CASE_FRAME_MAX, f->len) ||
	    OPT_NUM(x, m, "seed", 0, 255, f->seed))
		return -1;
	if ((v = cl_map_get(m, "dst"))) {
		if (get_mac(x, v, f->dst))
			return -1;
		f->has_dst = true;
	}
	if ((v = cl_map_get(m, "vlan"))) {
		if (GET_NUM(x, v, "vlan", 0, 4095, f->vlan))
			return -1;
		f->has_vlan = true;
	}
	if (get_enum(x, m, "kind", kind_names, NULL, &f->kind))
		return -1;
	if (f->kind != NF_PLAIN && f->len < 80) {
		if (cl_map_get(m, "len"))
			return cl_bad(x, cl_map_get(m, "len"),
				      "a frame of kind %s is at least 80 bytes", kind_names[f->kind].name);
		f->len = 80;
	}
	return 0;
}

/* ------------------------------------------------------------ steps */

struct step_def {
	const char *name;
	enum net_op op;
	bool bare_ok;
	const char *const *keys;
};

#define K(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define FRAME_KEYS "len", "dst", "vlan", "kind", "seed"

static const struct step_def defs[] = {
	{ "net_attach", NO_ATTACH, true, K("expect_fail") },
	{ "net_poll", NO_POLL, true, K("expect_fail") },
	{ "net_send", NO_SEND, false,
	  K("pair", FRAME_KEYS, "csum_start", "csum_offset", "gso_type", "gso_size", "hdr_len",
	    "expect_fail") },
	{ "net_recv", NO_RECV, true,
	  K("none", "same", "len", "pair", "flags", "gso_type", "num_buffers", "expect_fail") },
	{ "net_rx_mode", NO_RX_MODE, false, K("mode", "on", "ack", "expect_fail") },
	{ "net_mac_table", NO_MAC_TABLE, false, K("uni", "multi", "ack", "expect_fail") },
	{ "net_set_mac", NO_SET_MAC, false, K("mac", "ack", "expect_fail") },
	{ "net_vlan", NO_VLAN, false, K("vid", "on", "ack", "expect_fail") },
	{ "net_announce_ack", NO_ANNOUNCE_ACK, true, K("ack", "expect_fail") },
	{ "net_pairs", NO_PAIRS, false, K("pairs", "ack", "expect_fail") },
	{ "net_rss", NO_RSS, false,
	  K("hash_types", "table", "table_len", "unclassified", "max_tx_vq", "key_len", "ack",
	    "expect_fail") },
	{ "net_offloads", NO_OFFLOADS, false, K("offloads", "ack", "expect_fail") },
	{ "net_queue_reset", NO_QUEUE_RESET, false, K("queue", "expect_fail") },
	{ "net_ctrl_raw", NO_CTRL_RAW, false, K("bytes", "ack_len", "ack") },
	{ "net_send_raw", NO_SEND_RAW, false, K("queue", "hdr", FRAME_KEYS, "expect_fail") },
	{ "net_submit", NO_SUBMIT, false, K("queue", "out", "in", "indirect", "expect_fail") },
	{ "net_inject", NO_INJECT, false, K("pair", FRAME_KEYS, "result") },
	{ "net_inject_raw", NO_INJECT_RAW, false, K("queue", "hdr", "len", "bufs", "expect_fail") },
	{ "net_link", NO_LINK, false, K("up", "expect_fail") },
	{ "net_announce", NO_ANNOUNCE, true, K("expect_fail") },
	{ "net_speed", NO_SPEED, false, K("speed", "duplex", "expect_fail") },
};

static int parse_args(struct lctx *x, const struct step_def *d, const struct ynode *m,
		      struct step_net *s)
{
	const struct ynode *v;
	uint64_t u;
	size_t i;

	if (get_flag(x, m, "expect_fail", &s->expect_fail) ||
	    OPT_NUM(x, m, "pair", 0, 15, s->pair) || OPT_NUM(x, m, "queue", 0, 63, s->queue) ||
	    get_enum(x, m, "ack", ack_names, &s->has_ack, &s->ack))
		return -1;
	switch (d->op) {
	case NO_SEND:
	case NO_INJECT:
	case NO_SEND_RAW:
		if (get_frame(x, m, &s->f))
			return -1;
		if (d->op == NO_INJECT &&
		    get_enum(x, m, "result", result_names, &s->has_result, &s->result))
			return -1;
		if (d->op == NO_SEND_RAW) {
			if (!(v = cl_map_get(m, "hdr")))
				return cl_bad(x, m, "net_send_raw needs 'hdr' (12 bytes)");
			if (get_bytes(x, v, s->bytes, &s->n_bytes))
				return -1;
			if (s->n_bytes != 12)
				return cl_bad(x, v, "hdr is the 12 bytes of struct virtio_net_hdr");
			if (!(s->queue & 1))
				return cl_bad(x, m, "net_send_raw goes to a transmitq (odd queue)");
		}
		if ((v = cl_map_get(m, "csum_start"))) {
			if (GET_NUM(x, v, "csum_start", 0, 0xffff, s->csum_start))
				return -1;
			s->csum = true;
			if (!cl_map_get(m, "csum_offset"))
				return cl_bad(x, m, "csum_start needs csum_offset");
		}
		if (OPT_NUM(x, m, "csum_offset", 0, 0xffff, s->csum_offset) ||
		    OPT_NUM(x, m, "gso_size", 0, 0xffff, s->gso_size) ||
		    OPT_NUM(x, m, "hdr_len", 0, 0xffff, s->hdr_len))
			return -1;
		if ((v = cl_map_get(m, "gso_type")) && get_gso(x, v, &s->gso_type))
			return -1;
		return 0;
	case NO_RECV:
		if (get_flag(x, m, "none", &s->expect_none) || get_flag(x, m, "same", &s->same))
			return -1;
		if ((v = cl_map_get(m, "len"))) {
			if (GET_NUM(x, v, "len", 0, NET_CASE_FRAME_MAX, s->len))
				return -1;
			s->has_len = true;
		}
		if ((v = cl_map_get(m, "pair"))) {
			s->rpair = s->pair;
			s->has_rpair = true;
		}
		if ((v = cl_map_get(m, "flags"))) {
			if (GET_NUM(x, v, "flags", 0, 255, s->flags))
				return -1;
			s->has_flags = true;
		}
		if ((v = cl_map_get(m, "gso_type"))) {
			if (get_gso(x, v, &s->gso))
				return -1;
			s->has_gso = true;
		}
		if ((v = cl_map_get(m, "num_buffers"))) {
			if (GET_NUM(x, v, "num_buffers", 0, 0xffff, s->nb))
				return -1;
			s->has_nb = true;
		}
		return 0;
	case NO_RX_MODE:
		if (!(v = cl_map_get(m, "mode")))
			return cl_bad(x, m, "net_rx_mode needs 'mode'");
		if (cl_lookup(x, v, "mode", mode_names, &u))
			return -1;
		s->mode = (uint8_t)u;
		s->on = true;
		return get_flag(x, m, "on", &s->on);
	case NO_MAC_TABLE:
		if (((v = cl_map_get(m, "uni")) && get_macs(x, v, s->uni, &s->n_uni)) ||
		    ((v = cl_map_get(m, "multi")) && get_macs(x, v, s->multi, &s->n_multi)))
			return -1;
		return 0;
	case NO_SET_MAC:
		if (!(v = cl_map_get(m, "mac")))
			return cl_bad(x, m, "net_set_mac needs 'mac'");
		return get_mac(x, v, s->mac);
	case NO_VLAN:
		if (!(v = cl_map_get(m, "vid")))
			return cl_bad(x, m, "net_vlan needs 'vid'");
		s->on = true;
		return GET_NUM(x, v, "vid", 0, 0xffff, s->vid) || get_flag(x, m, "on", &s->on);
	case NO_PAIRS:
		if (!(v = cl_map_get(m, "pairs")))
			return cl_bad(x, m, "net_pairs needs 'pairs'");
		return GET_NUM(x, v, "pairs", 0, 0xffff, s->pairs);
	case NO_RSS:
		s->max_tx_vq = 1;
		s->key_len = 40;
		if (!(v = cl_map_get(m, "table")))
			return cl_bad(x, m, "net_rss needs 'table' (a list of queue indices)");
		if (cl_want_kind(x, v, YN_SEQ, "table"))
			return -1;
		if (v->n == 0 || v->n > NET_CASE_TABLE)
			return cl_bad(x, v, "table lists 1 to %u entries", NET_CASE_TABLE);
		for (i = 0; i < v->n; i++)
			if (GET_NUM(x, v->items[i], "table entry", 0, 0xffff, s->table[i]))
				return -1;
		s->n_table = (uint16_t)v->n;
		s->table_len = s->n_table;
		if (OPT_NUM(x, m, "table_len", 1, 1024, s->table_len) ||
		    OPT_NUM(x, m, "hash_types", 0, 0xffffffffu, s->hash_types) ||
		    OPT_NUM(x, m, "unclassified", 0, 0xffff, s->unclassified) ||
		    OPT_NUM(x, m, "max_tx_vq", 0, 0xffff, s->max_tx_vq) ||
		    OPT_NUM(x, m, "key_len", 0, 255, s->key_len))
			return -1;
		return 0;
	case NO_OFFLOADS:
		if (!(v = cl_map_get(m, "offloads")))
			return cl_bad(x, m, "net_offloads needs 'offloads' (feature bits)");
		return cl_get_bits(x, v, "offloads", NULL, true, &s->offloads);
	case NO_CTRL_RAW:
		s->ack_len = 1;
		if (!(v = cl_map_get(m, "bytes")))
			return cl_bad(x, m, "net_ctrl_raw needs 'bytes'");
		if (get_bytes(x, v, s->bytes, &s->n_bytes) ||
		    OPT_NUM(x, m, "ack_len", 0, 64, s->ack_len))
			return -1;
		if (!s->n_bytes && !s->ack_len)
			return cl_bad(x, m, "net_ctrl_raw needs bytes or an ack byte");
		return 0;
	case NO_SUBMIT:
		if ((v = cl_map_get(m, "out")) && cl_get_segs(x, v, s->out, &s->n_out))
			return -1;
		if ((v = cl_map_get(m, "in")) && cl_get_segs(x, v, s->in, &s->n_in))
			return -1;
		if (s->n_out > NET_CASE_SEGS || s->n_in > NET_CASE_SEGS)
			return cl_bad(x, m, "at most %u segments each way", NET_CASE_SEGS);
		if (!s->n_out && !s->n_in)
			return cl_bad(x, m, "net_submit needs 'out' or 'in' segments");
		return get_flag(x, m, "indirect", &s->indirect);
	case NO_INJECT_RAW:
		s->nbufs = 1;
		if ((v = cl_map_get(m, "hdr")) && get_bytes(x, v, s->bytes, &s->n_bytes))
			return -1;
		s->len = s->n_bytes;
		if (OPT_NUM(x, m, "len", 0, NET_CASE_FRAME_MAX, s->len) ||
		    OPT_NUM(x, m, "bufs", 1, 256, s->nbufs))
			return -1;
		if (s->len < s->n_bytes)
			return cl_bad(x, m, "len is below the hdr bytes given");
		if (s->queue & 1)
			return cl_bad(x, m, "net_inject_raw goes to a receiveq (even queue)");
		return 0;
	case NO_LINK:
		s->up = true;
		return get_flag(x, m, "up", &s->up);
	case NO_SPEED:
		return OPT_NUM(x, m, "speed", 0, 0xffffffffu, s->speed) ||
		       OPT_NUM(x, m, "duplex", 0, 255, s->duplex);
	default:
		return 0;
	}
}

int cl_parse_net_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_net **out)
{
	const struct step_def *d = NULL;
	struct step_net *s;
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (!strcmp(defs[i].name, name))
			d = &defs[i];
	if (!d)
		return cl_bad(x, key, "unknown step '%s'", name);
	if (!v && !d->bare_ok)
		return cl_bad(x, key, "step '%s' needs arguments", name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return cl_bad(x, key, "out of memory");
	*out = s;
	s->op = d->op;
	s->f.len = 64;
	if (!v)
		return 0;
	if (cl_want_kind(x, v, YN_MAP, name) || cl_check_keys(x, v, name, d->keys))
		return -1;
	return parse_args(x, d, v, s);
}

/* ------------------------------------------------------- expectation */

static int get_counters(struct lctx *x, const struct ynode *m, const char *what,
			const char *const *names, struct net_counter *out, unsigned *n)
{
	size_t i, k;

	if (cl_want_kind(x, m, YN_MAP, what) || cl_check_keys(x, m, what, names))
		return -1;
	for (i = 0; i < 2 * m->n; i += 2) {
		const struct ynode *key = m->items[i], *val = m->items[i + 1];

		for (k = 0; names[k] && strcmp(names[k], key->str); k++)
			;
		if (*n >= NET_CASE_COUNTERS)
			return cl_bad(x, key, "too many counters");
		out[*n].which = (uint8_t)k;
		if (val->kind == YN_SCALAR && (!strcmp(val->str, "true") ||
					      !strcmp(val->str, "false"))) {
			out[*n].cmp = (struct case_cmp){ .has_eq = true,
							 .eq = !strcmp(val->str, "true") };
		} else if (cl_get_cmp(x, val, key->str, &out[*n].cmp)) {
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int cl_parse_net_expect(struct lctx *x, const struct ynode *v, struct expect_net **out)
{
	static const char *const keys[] = { "tx", "state", "device_stats", "driver", "mac",
					    "config_mac", NULL };
	static const char *const tx_keys[] = { "none", "same", "len", "pair", "csum_completed",
					       "gso_type", NULL };
	struct expect_net *e;
	const struct ynode *w, *t;

	*out = NULL;
	if (cl_want_kind(x, v, YN_MAP, "the net expectation") ||
	    cl_check_keys(x, v, "the net expectation", keys))
		return -1;
	e = calloc(1, sizeof(*e));
	if (!e)
		return cl_bad(x, v, "out of memory");
	*out = e;
	if ((t = cl_map_get(v, "tx"))) {
		if (cl_want_kind(x, t, YN_MAP, "tx") || cl_check_keys(x, t, "tx", tx_keys) ||
		    get_flag(x, t, "none", &e->tx_none) || get_flag(x, t, "same", &e->tx_same))
			return -1;
		e->has_tx = true;
		if ((w = cl_map_get(t, "len"))) {
			if (GET_NUM(x, w, "len", 0, NET_CASE_FRAME_MAX, e->tx_len))
				return -1;
			e->has_tx_len = true;
		}
		if ((w = cl_map_get(t, "pair"))) {
			if (GET_NUM(x, w, "pair", 0, 15, e->tx_pair))
				return -1;
			e->has_tx_pair = true;
		}
		if ((w = cl_map_get(t, "csum_completed"))) {
			if (cl_get_bool(x, w, "csum_completed", &e->tx_csum_completed))
				return -1;
			e->has_tx_csum = true;
		}
		if ((w = cl_map_get(t, "gso_type"))) {
			if (get_gso(x, w, &e->tx_gso))
				return -1;
			e->has_tx_gso = true;
		}
	}
	if ((w = cl_map_get(v, "mac"))) {
		if (get_mac(x, w, e->mac))
			return -1;
		e->has_mac = true;
	}
	if ((w = cl_map_get(v, "config_mac"))) {
		if (get_mac(x, w, e->config_mac))
			return -1;
		e->has_config_mac = true;
	}
	if ((w = cl_map_get(v, "state")) &&
	    get_counters(x, w, "state", net_state_names, e->state, &e->n_state))
		return -1;
	if ((w = cl_map_get(v, "device_stats")) &&
	    get_counters(x, w, "device_stats", net_dev_stat_names, e->dev, &e->n_dev))
		return -1;
	if ((w = cl_map_get(v, "driver")) &&
	    get_counters(x, w, "driver", net_drv_stat_names, e->drv, &e->n_drv))
		return -1;
	return 0;
}
