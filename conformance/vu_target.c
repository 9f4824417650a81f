// SPDX-License-Identifier: Apache-2.0
/*
 * `--target vhost-user:SOCKET[,key=value…]` and `--target
 * vhost-user[,key=value…] --spawn 'CMD … {sock} …'`: the vhost-user proxy
 * device (vu_device.c) as the target of every point.
 *
 * Keys: device=blk|net|console|rng|gpu|balloon|fs (vhost-user does not
 * reveal the device type; default blk; fs has no built-in model device and
 * is for control-plane cases: virtiofsd), num_queues=N, queue_size=N (the maximum
 * the transport offers; vhost-user does not tell it; default 256),
 * timeout_ms=N (per message, default 5000), settle_ms=N (how long a kick
 * waits for the used ring, default 500).
 *
 * The back-end is probed once here, in the parent (with --spawn: a
 * throwaway instance), for what the transport must know before any point
 * runs: its features, protocol features, queue count and configuration
 * size. Each point then gets a fresh proxy instance (and with --spawn a
 * fresh back-end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "target.h"
#include "virtiocheck/virtio.h"
#include "vu_device.h"
#include "vu_proto.h"

struct vu_type {
	const char *name;
	uint32_t device_id;
	uint16_t queues;        /* the type's queue count without MQ */
	bool holds_buffers;     /* receive queues keep buffers until data comes */
	uint32_t config_size;   /* when no built-in device of the type says */
};

static const struct vu_type vu_types[] = {
	{ "blk", VIRTIO_ID_BLOCK, 1, false, 60 },
	{ "net", 1, 2, true, 12 },
	{ "console", 3, 2, true, 12 },
	{ "rng", 4, 1, false, 0 },
	{ "balloon", 5, 3, true, 8 },
	{ "gpu", 16, 2, false, 24 },
	/* hiprio + one request queue; the front-end owns the configuration
	 * (tag, num_request_queues) unless the back-end offers CONFIG */
	{ "fs", VIRTIO_ID_FS, 2, true, 0 },
};

struct vu_target {
	struct vc_device_ops ops;
	char name[32];
	struct vu_args a;
	struct vu_handshake hs;
};

static void vu_release(struct vc_target *t)
{
	free(t->priv);
	t->priv = NULL;
	t->ops = NULL;
}

/* ------------------------------------------------------------ SKIP rules */

static const char *step_cannot_run(const struct case_step *s)
{
	const struct step_expect *e = &s->u.expect;

	switch (s->kind) {
	case ST_USED:
	case ST_USED_IDX:
	case ST_USED_FLAGS:
	case ST_AVAIL_EVENT:
	case ST_DESC_REWRITE:
	case ST_PACKED_USED:
		return "the case plays the device's part in the rings, which the back-end owns";
	case ST_PACKED_EVENT:
		return s->u.pevent.device_area
			       ? "the case plays the device's part in the rings, which the back-end owns"
			       : NULL;
	case ST_DRIVER_QUEUE_RESET:
		return "vhost-user has no per-queue reset the proxy could forward";
	case ST_EXPECT:
		break;
	default:
		return NULL;
	}
	if (e->has_irq_queue || e->has_irq_config)
		return "interrupt counts: the back-end applies notification suppression, the "
		       "harness sees only its call signals";
	if (e->has_notifies)
		return "notification counters of the model device";
	if (e->has_device_wrote_only_writable || e->has_used_len_written)
		return "write tracking sees only the model device's writes, not the back-end's";
	/* an expected device violation is met by the back-end refusing the
	 * buffers (VC_FAIL_REFUSED, mapped by the executor) */
	return NULL;
}

static const char *vu_cannot_run(const struct vc_target *t, const struct vc_case *c)
{
	unsigned i;

	(void)t;
	if (c->role == ROLE_DRIVER)
		return "role driver: the case tests the harness's reference driver against a "
		       "scripted device, not the back-end";
	for (i = 0; i < c->n_steps; i++) {
		const char *why = step_cannot_run(&c->steps[i]);

		if (why)
			return why;
	}
	return NULL;
}

/* -------------------------------------------------------------- opening */

static int keys(struct vu_args *a, const struct vu_type **type, const char *s, char *err,
		size_t n)
{
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char kv[128], *val;
		unsigned long v;
		char *end;
		size_t k;

		if (len == 0 || len >= sizeof(kv)) {
			snprintf(err, n, "vhost-user: bad option '%.*s'", (int)len, s);
			return -1;
		}
		memcpy(kv, s, len);
		kv[len] = 0;
		val = strchr(kv, '=');
		if (!val) {
			snprintf(err, n, "vhost-user: option '%s' is not key=value", kv);
			return -1;
		}
		*val++ = 0;
		if (!strcmp(kv, "device")) {
			*type = NULL;
			for (k = 0; k < sizeof(vu_types) / sizeof(vu_types[0]); k++)
				if (!strcmp(val, vu_types[k].name))
					*type = &vu_types[k];
			if (!*type) {
				snprintf(err, n, "vhost-user: device=%s: expected blk, net, console, rng, "
						 "gpu, balloon or fs", val);
				return -1;
			}
		} else {
			v = strtoul(val, &end, 10);
			if (!val[0] || *end || val[0] == '-') {
				snprintf(err, n, "vhost-user: %s=%s: not a number", kv, val);
				return -1;
			}
			if (!strcmp(kv, "num_queues") && v >= 1 && v <= VU_MAX_QUEUES)
				a->num_queues = (uint16_t)v;
			else if (!strcmp(kv, "queue_size") && v >= 1 && v <= 32768 && !(v & (v - 1)))
				a->queue_size = (uint16_t)v;
			else if (!strcmp(kv, "timeout_ms") && v >= 1 && v <= 600000)
				a->timeout_ms = (int)v;
			else if (!strcmp(kv, "settle_ms") && v <= 600000)
				a->settle_ms = (int)v;
			else {
				snprintf(err, n, "vhost-user: %s=%s: unknown key or value out of range "
						 "(num_queues 1..%u, queue_size a power of two <= 32768, "
						 "timeout_ms 1..600000, settle_ms 0..600000)",
					 kv, val, VU_MAX_QUEUES);
				return -1;
			}
		}
		s = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* The configuration size: the built-in device's of the type, or less when
 * the back-end refuses that much. */
static uint32_t probe_config(struct vu_client *c, const struct vu_handshake *hs, uint32_t want)
{
	uint8_t buf[VU_CONFIG_MAX];
	uint32_t len;

	if (!(hs->protocol & (1ull << VU_PF_CONFIG)))
		return 0;
	if (want > VU_CONFIG_MAX)
		want = VU_CONFIG_MAX;
	for (len = want; len > 0; len--) {
		if (vu_get_config(c, 0, len, buf) == 0)
			return len;
		if (c->dead)
			return 0;
	}
	return 0;
}

int vc_target_open_vhost_user(struct vc_target *t, const char *rest, const char *spawn,
			      char *err, size_t n)
{
	const struct vu_type *type = &vu_types[0];
	const struct vc_device_ops *model;
	struct vu_target *vt;
	struct vu_client c;
	bool user_queues;
	const char *opts = rest ? rest : "";
	uint16_t def_queues;

	vt = calloc(1, sizeof(*vt));
	if (!vt) {
		snprintf(err, n, "vhost-user: out of memory");
		return -1;
	}
	vt->a.timeout_ms = VU_TIMEOUT_MS_DEFAULT;
	vt->a.settle_ms = 500;
	vt->a.queue_size = 256;
	if (opts[0] == ':') {
		const char *comma = strchr(opts + 1, ',');
		size_t len = comma ? (size_t)(comma - opts - 1) : strlen(opts + 1);

		if (len == 0 || len >= sizeof(vt->a.socket)) {
			snprintf(err, n, "vhost-user:SOCKET: the socket path is empty or longer than "
					 "%zu bytes", sizeof(vt->a.socket) - 1);
			goto fail;
		}
		memcpy(vt->a.socket, opts + 1, len);
		opts = comma ? comma : "";
	}
	if (opts[0] == ',')
		opts++;
	else if (opts[0]) {
		snprintf(err, n, "vhost-user: expected ':SOCKET' or ',key=value' after 'vhost-user', "
				 "not '%s'", opts);
		goto fail;
	}
	if (keys(&vt->a, &type, opts, err, n))
		goto fail;
	user_queues = vt->a.num_queues != 0;
	if (spawn && spawn[0]) {
		if (vt->a.socket[0]) {
			snprintf(err, n, "vhost-user: give either a socket (vhost-user:SOCKET) or "
					 "--spawn, not both");
			goto fail;
		}
		if (!strstr(spawn, "{sock}")) {
			snprintf(err, n, "--spawn: the command must contain {sock} (the socket path "
					 "the back-end listens on)");
			goto fail;
		}
		if (strlen(spawn) >= sizeof(vt->a.spawn)) {
			snprintf(err, n, "--spawn: the command is longer than %zu bytes",
				 sizeof(vt->a.spawn) - 1);
			goto fail;
		}
		snprintf(vt->a.spawn, sizeof(vt->a.spawn), "%s", spawn);
	} else if (!vt->a.socket[0]) {
		snprintf(err, n, "vhost-user: a socket (vhost-user:SOCKET) or --spawn 'CMD {sock}' "
				 "is needed");
		goto fail;
	}

	/* the probe */
	vu_init(&c, vt->a.timeout_ms);
	if ((vt->a.spawn[0] ? vu_spawn(&c, vt->a.spawn) : vu_connect(&c, vt->a.socket)) ||
	    vu_handshake(&c, &vt->hs)) {
		snprintf(err, n, "vhost-user: probing the back-end: %s", c.err);
		vu_close(&c);
		goto fail;
	}
	model = vc_device_lookup(type->name);
	vt->a.config_size = probe_config(&c, &vt->hs, model ? model->config_size : type->config_size);
	if (c.dead) {
		snprintf(err, n, "vhost-user: probing the back-end: %s", c.err);
		vu_close(&c);
		goto fail;
	}
	vu_close(&c);

	def_queues = type->queues;
	if (vt->hs.queue_num && vt->hs.queue_num < def_queues)
		def_queues = vt->hs.queue_num;
	if (!user_queues)
		vt->a.num_queues = def_queues;
	else if (vt->hs.queue_num && vt->a.num_queues > vt->hs.queue_num) {
		snprintf(err, n, "vhost-user: num_queues=%u, but the back-end has %u queues",
			 vt->a.num_queues, vt->hs.queue_num);
		goto fail;
	}
	vt->a.device_id = type->device_id;
	vt->a.holds_buffers = type->holds_buffers;
	snprintf(vt->name, sizeof(vt->name), "vhost-user-%s", type->name);
	vu_device_fill_ops(&vt->ops);
	vt->ops.name = vt->name;
	vt->ops.device_id = vt->a.device_id;
	vt->ops.num_queues = vt->a.num_queues;
	vt->ops.queue_size_max = vt->a.queue_size;
	vt->ops.config_size = vt->a.config_size;
	if (vu_args_format(&vt->a, t->args, sizeof(t->args))) {
		snprintf(err, n, "vhost-user: the socket path or --spawn command is too long");
		goto fail;
	}
	t->kind = VC_TARGET_VHOST_USER;
	t->ops = &vt->ops;
	t->priv = vt;
	t->release = vu_release;
	t->cannot_run = vu_cannot_run;
	return 0;
fail:
	free(vt);
	return -1;
}
