// SPDX-License-Identifier: Apache-2.0
/*
 * Parsers of the gpu_* steps and the expect "gpu" key
 * (docs/spec-case-format.md, "gpu steps"). Every error is reported at the
 * offending node through cl_bad().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_gpu.h"
#include "case_load_priv.h"
#include "virtiocheck/virtio_gpu.h"

static const struct name_val cmd_names[] = {
	{ "GET_DISPLAY_INFO", VIRTIO_GPU_CMD_GET_DISPLAY_INFO },
	{ "RESOURCE_CREATE_2D", VIRTIO_GPU_CMD_RESOURCE_CREATE_2D },
	{ "RESOURCE_UNREF", VIRTIO_GPU_CMD_RESOURCE_UNREF },
	{ "SET_SCANOUT", VIRTIO_GPU_CMD_SET_SCANOUT },
	{ "RESOURCE_FLUSH", VIRTIO_GPU_CMD_RESOURCE_FLUSH },
	{ "TRANSFER_TO_HOST_2D", VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D },
	{ "RESOURCE_ATTACH_BACKING", VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING },
	{ "RESOURCE_DETACH_BACKING", VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING },
	{ "GET_CAPSET_INFO", VIRTIO_GPU_CMD_GET_CAPSET_INFO },
	{ "GET_CAPSET", VIRTIO_GPU_CMD_GET_CAPSET },
	{ "GET_EDID", VIRTIO_GPU_CMD_GET_EDID },
	{ "RESOURCE_ASSIGN_UUID", VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID },
	{ "RESOURCE_CREATE_BLOB", VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB },
	{ "SET_SCANOUT_BLOB", VIRTIO_GPU_CMD_SET_SCANOUT_BLOB },
	{ "CTX_CREATE", VIRTIO_GPU_CMD_CTX_CREATE },
	{ "SUBMIT_3D", VIRTIO_GPU_CMD_SUBMIT_3D },
	{ "UPDATE_CURSOR", VIRTIO_GPU_CMD_UPDATE_CURSOR },
	{ "MOVE_CURSOR", VIRTIO_GPU_CMD_MOVE_CURSOR },
	{ NULL, 0 }
};

static const struct name_val resp_names[] = {
	{ "OK_NODATA", VIRTIO_GPU_RESP_OK_NODATA },
	{ "OK_DISPLAY_INFO", VIRTIO_GPU_RESP_OK_DISPLAY_INFO },
	{ "OK_CAPSET_INFO", VIRTIO_GPU_RESP_OK_CAPSET_INFO },
	{ "OK_CAPSET", VIRTIO_GPU_RESP_OK_CAPSET },
	{ "OK_EDID", VIRTIO_GPU_RESP_OK_EDID },
	{ "ERR_UNSPEC", VIRTIO_GPU_RESP_ERR_UNSPEC },
	{ "ERR_OUT_OF_MEMORY", VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY },
	{ "ERR_INVALID_SCANOUT_ID", VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID },
	{ "ERR_INVALID_RESOURCE_ID", VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID },
	{ "ERR_INVALID_CONTEXT_ID", VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID },
	{ "ERR_INVALID_PARAMETER", VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER },
	{ NULL, 0 }
};

static const struct name_val format_names[] = {
	{ "B8G8R8A8_UNORM", 1 }, { "B8G8R8X8_UNORM", 2 }, { "A8R8G8B8_UNORM", 3 },
	{ "X8R8G8B8_UNORM", 4 }, { "R8G8B8A8_UNORM", 67 }, { "X8B8G8R8_UNORM", 68 },
	{ "A8B8G8R8_UNORM", 121 }, { "R8G8B8X8_UNORM", 134 }, { NULL, 0 }
};

static bool is_number(const struct ynode *n)
{
	return n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9';
}

/* A name from tab, or any 32-bit number. */
static int get_code(struct lctx *x, const struct ynode *n, const char *what,
		    const struct name_val *tab, uint32_t *out)
{
	uint64_t v;

	if (is_number(n)) {
		if (cl_get_u64(x, n, what, 0, UINT32_MAX, &v))
			return -1;
	} else if (cl_lookup(x, n, what, tab, &v)) {
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int opt_u32(struct lctx *x, const struct ynode *m, const char *key, uint32_t *out)
{
	const struct ynode *v = cl_map_get(m, key);

	return v ? GET_NUM(x, v, key, 0, UINT32_MAX, *out) : 0;
}

static int opt_bool(struct lctx *x, const struct ynode *m, const char *key, bool *out)
{
	const struct ynode *v = cl_map_get(m, key);

	return v ? cl_get_bool(x, v, key, out) : 0;
}

static int get_rgba(struct lctx *x, const struct ynode *n, uint8_t rgba[4])
{
	uint32_t v;

	if (GET_NUM(x, n, "rgba (0xRRGGBBAA)", 0, UINT32_MAX, v))
		return -1;
	rgba[0] = (uint8_t)(v >> 24);
	rgba[1] = (uint8_t)(v >> 16);
	rgba[2] = (uint8_t)(v >> 8);
	rgba[3] = (uint8_t)v;
	return 0;
}

static int get_entries(struct lctx *x, const struct ynode *l, struct step_gpu *s)
{
	static const char *const keys[] = { "buf", "offset", "addr", "len", NULL };
	size_t i;

	if (cl_want_kind(x, l, YN_SEQ, "entries"))
		return -1;
	if (l->n > GPU_CASE_ENTRIES)
		return cl_bad(x, l, "entries lists at most %u mem entries", GPU_CASE_ENTRIES);
	s->n_entries = (unsigned)l->n;
	for (i = 0; i < l->n; i++) {
		const struct ynode *m = l->items[i], *v;
		struct gpu_case_entry *e = &s->entries[i];

		if (cl_check_keys(x, m, "a mem entry", keys))
			return -1;
		if ((v = cl_map_get(m, "buf"))) {
			if (cl_map_get(m, "addr"))
				return cl_bad(x, m, "a mem entry has buf or addr, not both");
			if (cl_get_name(x, v, "buffer name", e->buf, sizeof(e->buf)) ||
			    opt_u32(x, m, "offset", &e->offset))
				return -1;
		} else if ((v = cl_map_get(m, "addr"))) {
			if (cl_map_get(m, "offset"))
				return cl_bad(x, m, "offset goes with buf");
			if (GET_NUM(x, v, "addr", 0, UINT64_MAX, e->addr))
				return -1;
		} else {
			return cl_bad(x, m, "a mem entry needs buf or addr");
		}
		if (!(v = cl_map_get(m, "len")))
			return cl_bad(x, m, "a mem entry needs 'len'");
		if (GET_NUM(x, v, "len", 0, UINT32_MAX, e->len))
			return -1;
	}
	return 0;
}

/* The fields of a command (gpu_cmd, gpu_request). */
static int parse_command(struct lctx *x, const struct ynode *v, struct step_gpu *s)
{
	const struct ynode *w;

	if (!(w = cl_map_get(v, "cmd")))
		return cl_bad(x, v, "a gpu command needs 'cmd'");
	if (get_code(x, w, "gpu command", cmd_names, &s->cmd))
		return -1;
	if ((w = cl_map_get(v, "queue"))) {
		s->has_queue = true;
		if (GET_NUM(x, w, "queue", 0, 1, s->queue))
			return -1;
	}
	if ((w = cl_map_get(v, "format")) && get_code(x, w, "format", format_names, &s->format))
		return -1;
	if ((w = cl_map_get(v, "fence_id"))) {
		s->has_fence_id = true;
		if (GET_NUM(x, w, "fence_id", 0, UINT64_MAX, s->fence_id))
			return -1;
	}
	if ((w = cl_map_get(v, "offset")) && GET_NUM(x, w, "offset", 0, UINT64_MAX, s->offset))
		return -1;
	if ((w = cl_map_get(v, "entries")) && get_entries(x, w, s))
		return -1;
	if ((w = cl_map_get(v, "nr_entries"))) {
		s->has_nr = true;
		if (GET_NUM(x, w, "nr_entries", 0, UINT32_MAX, s->nr_entries))
			return -1;
	}
	if ((w = cl_map_get(v, "len"))) {
		s->has_len = true;
		if (GET_NUM(x, w, "len", 0, GPU_CASE_REQ_MAX, s->len))
			return -1;
	}
	return opt_bool(x, v, "fence", &s->fence) || opt_u32(x, v, "resource_id", &s->resource_id) ||
	       opt_u32(x, v, "width", &s->width) || opt_u32(x, v, "height", &s->height) ||
	       opt_u32(x, v, "scanout", &s->scanout) || opt_u32(x, v, "x", &s->x) ||
	       opt_u32(x, v, "y", &s->y) || opt_u32(x, v, "w", &s->w) || opt_u32(x, v, "h", &s->h) ||
	       opt_u32(x, v, "index", &s->index) || opt_u32(x, v, "version", &s->version) ||
	       opt_u32(x, v, "hot_x", &s->hot_x) || opt_u32(x, v, "hot_y", &s->hot_y);
}

#define CMD_KEYS "cmd", "queue", "fence", "fence_id", "resource_id", "format", "width", \
	"height", "scanout", "x", "y", "w", "h", "offset", "index", "version", "hot_x", "hot_y", \
	"entries", "nr_entries", "len"

struct op_def {
	const char *name;
	enum gpu_op op;
	bool bare;
	const char *const keys[32];
};

static const struct op_def ops[] = {
	{ "gpu_attach", GO_ATTACH, true, { "expect_fail", NULL } },
	{ "gpu_cmd", GO_CMD, false, { CMD_KEYS, "expect", "expect_fail", NULL } },
	{ "gpu_request", GO_REQUEST, false, { CMD_KEYS, "into", "at", NULL } },
	{ "gpu_fb", GO_FB, false,
	  { "resource_id", "format", "width", "height", "scanout", "pieces", "fence", "expect_fail",
	    NULL } },
	{ "gpu_fill", GO_FILL, false,
	  { "resource_id", "x", "y", "w", "h", "rgba", "fence", "expect_fail", NULL } },
	{ "gpu_display_change", GO_DISPLAY_CHANGE, false,
	  { "scanout", "width", "height", "enabled", "expect_fail", NULL } },
	{ "gpu_poll_events", GO_POLL_EVENTS, true, { "expect_fail", NULL } },
	{ "gpu_snapshot", GO_SNAPSHOT, false, { "scanout", "name", NULL } },
};

static int unknown_step(struct lctx *x, const struct ynode *key, const char *name)
{
	char list[256] = "";
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		strncat(list, ops[i].name, sizeof(list) - strlen(list) - 1);
		if (i + 1 < sizeof(ops) / sizeof(ops[0]))
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
	}
	return cl_bad(x, key, "unknown gpu step '%s' (expected one of: %s)", name, list);
}

static int need(struct lctx *x, const struct ynode *m, const char *key, const char *who)
{
	return cl_map_get(m, key) ? 0 : cl_bad(x, m, "%s needs '%s'", who, key);
}

static int parse_args(struct lctx *x, const struct ynode *v, const char *who, struct step_gpu *s)
{
	const struct ynode *w;

	switch (s->op) {
	case GO_ATTACH:
	case GO_POLL_EVENTS:
		return 0;
	case GO_CMD:
		if (parse_command(x, v, s))
			return -1;
		if ((w = cl_map_get(v, "expect"))) {
			s->has_expect = true;
			return get_code(x, w, "response type", resp_names, &s->expect);
		}
		return 0;
	case GO_REQUEST:
		if (need(x, v, "into", who) || parse_command(x, v, s))
			return -1;
		if (cl_get_name(x, cl_map_get(v, "into"), "buffer name", s->buf, sizeof(s->buf)))
			return -1;
		return opt_u32(x, v, "at", &s->buf_offset);
	case GO_FB:
		s->pieces = 1;
		s->format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
		if (need(x, v, "resource_id", who) || need(x, v, "width", who) ||
		    need(x, v, "height", who))
			return -1;
		if ((w = cl_map_get(v, "format")) &&
		    get_code(x, w, "format", format_names, &s->format))
			return -1;
		if ((w = cl_map_get(v, "pieces")) && GET_NUM(x, w, "pieces", 1, 255, s->pieces))
			return -1;
		return opt_u32(x, v, "resource_id", &s->resource_id) ||
		       opt_u32(x, v, "width", &s->width) || opt_u32(x, v, "height", &s->height) ||
		       opt_u32(x, v, "scanout", &s->scanout) || opt_bool(x, v, "fence", &s->fence);
	case GO_FILL:
		if (need(x, v, "resource_id", who) || need(x, v, "rgba", who) ||
		    get_rgba(x, cl_map_get(v, "rgba"), s->rgba))
			return -1;
		s->w = s->h = UINT32_MAX; /* default: the whole framebuffer */
		return opt_u32(x, v, "resource_id", &s->resource_id) || opt_u32(x, v, "x", &s->x) ||
		       opt_u32(x, v, "y", &s->y) || opt_u32(x, v, "w", &s->w) ||
		       opt_u32(x, v, "h", &s->h) || opt_bool(x, v, "fence", &s->fence);
	case GO_DISPLAY_CHANGE:
		s->enabled = true;
		if (need(x, v, "width", who) || need(x, v, "height", who))
			return -1;
		return opt_u32(x, v, "scanout", &s->scanout) || opt_u32(x, v, "width", &s->width) ||
		       opt_u32(x, v, "height", &s->height) || opt_bool(x, v, "enabled", &s->enabled);
	case GO_SNAPSHOT:
		if ((w = cl_map_get(v, "name")) &&
		    cl_get_name(x, w, "snapshot name", s->name, sizeof(s->name)))
			return -1;
		return opt_u32(x, v, "scanout", &s->scanout);
	}
	return cl_bad(x, v, "unhandled gpu step");
}

int cl_parse_gpu_step(struct lctx *x, const char *name, const struct ynode *key,
		      const struct ynode *v, struct step_gpu **out)
{
	const struct op_def *d = NULL;
	struct step_gpu *s;
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			d = &ops[i];
	if (!d)
		return unknown_step(x, key, name);
	if (cl_step_value(x, name, key, &v, d->bare, d->keys))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cl_bad(x, key, "out of memory");
	s->op = d->op;
	if (v && (opt_bool(x, v, "expect_fail", &s->expect_fail) || parse_args(x, v, name, s))) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* ------------------------------------------------------- expectations */

static int get_cmp_u(struct lctx *x, const struct ynode *m, const char *key, bool *has,
		     uint32_t *out)
{
	const struct ynode *v = cl_map_get(m, key);

	*has = v != NULL;
	return v ? GET_NUM(x, v, key, 0, UINT32_MAX, *out) : 0;
}

static int get_resource(struct lctx *x, const struct ynode *m, struct expect_gpu *e)
{
	static const char *const keys[] = { "id", "exists", "width", "height", "format", "backing",
					    NULL };
	const struct ynode *v;

	if (cl_check_keys(x, m, "a resource expectation", keys))
		return -1;
	if (!(v = cl_map_get(m, "id")))
		return cl_bad(x, m, "a resource expectation needs 'id'");
	e->has_res = true;
	if (GET_NUM(x, v, "id", 0, UINT32_MAX, e->res_id))
		return -1;
	e->has_exists = cl_map_get(m, "exists") != NULL;
	e->has_backing = cl_map_get(m, "backing") != NULL;
	if ((v = cl_map_get(m, "format"))) {
		e->has_res_format = true;
		if (get_code(x, v, "format", format_names, &e->res_format))
			return -1;
	}
	return opt_bool(x, m, "exists", &e->exists) || opt_bool(x, m, "backing", &e->backing) ||
	       get_cmp_u(x, m, "width", &e->has_res_w, &e->res_w) ||
	       get_cmp_u(x, m, "height", &e->has_res_h, &e->res_h);
}

static int get_scanout(struct lctx *x, const struct ynode *m, struct expect_gpu *e)
{
	static const char *const keys[] = { "scanout", "resource_id", "width", "height", "pixels",
					    NULL };
	static const char *const pkeys[] = { "x", "y", "rgba", NULL };
	const struct ynode *v, *wv, *hv;
	size_t i;

	if (cl_check_keys(x, m, "a scanout expectation", keys))
		return -1;
	e->has_scanout = true;
	if (opt_u32(x, m, "scanout", &e->scanout) ||
	    get_cmp_u(x, m, "resource_id", &e->has_so_res, &e->so_res))
		return -1;
	wv = cl_map_get(m, "width");
	hv = cl_map_get(m, "height");
	if (!wv != !hv)
		return cl_bad(x, m, "a scanout expectation has width and height, or neither");
	if (wv) {
		e->has_so_size = true;
		if (GET_NUM(x, wv, "width", 0, UINT32_MAX, e->so_w) ||
		    GET_NUM(x, hv, "height", 0, UINT32_MAX, e->so_h))
			return -1;
	}
	if (!(v = cl_map_get(m, "pixels")))
		return 0;
	if (cl_want_kind(x, v, YN_SEQ, "pixels"))
		return -1;
	if (v->n > GPU_CASE_PIXELS)
		return cl_bad(x, v, "pixels lists at most %u pixels", GPU_CASE_PIXELS);
	e->n_pixels = (unsigned)v->n;
	for (i = 0; i < v->n; i++) {
		const struct ynode *p = v->items[i];
		struct gpu_pixel *px = &e->pixels[i];

		if (cl_check_keys(x, p, "a pixel", pkeys))
			return -1;
		if (need(x, p, "x", "a pixel") || need(x, p, "y", "a pixel") ||
		    need(x, p, "rgba", "a pixel") || opt_u32(x, p, "x", &px->x) ||
		    opt_u32(x, p, "y", &px->y) || get_rgba(x, cl_map_get(p, "rgba"), px->rgba))
			return -1;
	}
	return 0;
}

static int get_last(struct lctx *x, const struct ynode *m, struct expect_gpu *e)
{
	static const char *const keys[] = { "type", "flags", "fence_id", "used_len", NULL };
	const struct ynode *v;

	if (cl_check_keys(x, m, "a last_response expectation", keys))
		return -1;
	if ((v = cl_map_get(m, "type"))) {
		e->has_last_type = true;
		if (get_code(x, v, "response type", resp_names, &e->last_type))
			return -1;
	}
	if ((v = cl_map_get(m, "fence_id"))) {
		e->has_last_fence = true;
		if (GET_NUM(x, v, "fence_id", 0, UINT64_MAX, e->last_fence))
			return -1;
	}
	if ((v = cl_map_get(m, "used_len"))) {
		e->has_last_used = true;
		if (cl_get_cmp(x, v, "used_len", &e->last_used))
			return -1;
	}
	return get_cmp_u(x, m, "flags", &e->has_last_flags, &e->last_flags);
}

static int get_display(struct lctx *x, const struct ynode *m, struct expect_gpu *e)
{
	static const char *const keys[] = { "scanout", "enabled", "width", "height", NULL };
	const struct ynode *wv = cl_map_get(m, "width"), *hv = cl_map_get(m, "height");

	if (cl_check_keys(x, m, "a display expectation", keys))
		return -1;
	e->has_display = true;
	e->has_disp_enabled = cl_map_get(m, "enabled") != NULL;
	if (!wv != !hv)
		return cl_bad(x, m, "a display expectation has width and height, or neither");
	e->has_disp_size = wv != NULL;
	return opt_u32(x, m, "scanout", &e->disp_scanout) ||
	       opt_bool(x, m, "enabled", &e->disp_enabled) || opt_u32(x, m, "width", &e->disp_w) ||
	       opt_u32(x, m, "height", &e->disp_h);
}

static int add_counter(struct lctx *x, const struct ynode *n, struct expect_gpu *e,
		       unsigned which, const char *what)
{
	struct gpu_counter *c;

	if (e->n_counters == GPU_CASE_COUNTERS)
		return cl_bad(x, n, "more than %u gpu counters in one expect step",
			      GPU_CASE_COUNTERS);
	c = &e->counters[e->n_counters++];
	c->which = (uint8_t)which;
	return cl_get_cmp(x, n, what, &c->cmp);
}

struct counter_name {
	const char *name;
	uint8_t which;
};

static int get_counters(struct lctx *x, const struct ynode *m, struct expect_gpu *e,
			const struct counter_name *tab, const char *what)
{
	const char *keys[16];
	size_t i, k;

	for (k = 0; tab[k].name; k++)
		keys[k] = tab[k].name;
	keys[k] = NULL;
	if (cl_check_keys(x, m, what, keys))
		return -1;
	if (m->n == 0)
		return cl_bad(x, m, "%s needs at least one counter", what);
	for (i = 0; i < m->n; i++) {
		const struct ynode *key = m->items[2 * i], *val = m->items[2 * i + 1];

		for (k = 0; strcmp(tab[k].name, key->str); k++)
			;
		if (tab[k].which != GC_RESP) {
			if (add_counter(x, val, e, tab[k].which, key->str))
				return -1;
			continue;
		}
		if (cl_want_kind(x, val, YN_MAP, "responses"))
			return -1;
		for (size_t j = 0; j < val->n; j++) {
			uint32_t t;
			unsigned slot;

			if (get_code(x, val->items[2 * j], "response type", resp_names, &t))
				return -1;
			slot = t < VIRTIO_GPU_RESP_ERR_UNSPEC ? t - VIRTIO_GPU_RESP_OK_NODATA
							      : 7 + t - VIRTIO_GPU_RESP_ERR_UNSPEC;
			if (add_counter(x, val->items[2 * j + 1], e, GC_RESP + slot, "responses"))
				return -1;
		}
	}
	return 0;
}

static const struct counter_name dev_counters[] = {
	{ "fenced", GC_FENCED }, { "no_response", GC_NO_RESPONSE },
	{ "short_response", GC_SHORT_RESPONSE }, { "flushes", GC_FLUSHES },
	{ "cfg_ignored", GC_CFG_IGNORED }, { "resources", GC_RESOURCES },
	{ "host_bytes", GC_HOST_BYTES }, { "events_read", GC_EVENTS_READ },
	{ "responses", GC_RESP }, { NULL, 0 }
};

static const struct counter_name drv_counters[] = {
	{ "cmds", GC_DRV_CMDS }, { "fenced", GC_DRV_FENCED }, { "errors", GC_DRV_ERRORS },
	{ "config_changes", GC_DRV_CONFIG_CHANGES }, { NULL, 0 }
};

static int parse_expect(struct lctx *x, const struct ynode *v, struct expect_gpu *e)
{
	static const char *const keys[] = { "resource", "scanout", "cursor", "last_response",
					    "display", "device_stats", "driver_stats", NULL };
	static const char *const ckeys[] = { "visible", "x", "y", NULL };
	const struct ynode *w;

	if (cl_check_keys(x, v, "a gpu expectation", keys))
		return -1;
	if (v->n == 0)
		return cl_bad(x, v, "a gpu expectation needs at least one key");
	if ((w = cl_map_get(v, "resource")) && get_resource(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "scanout")) && get_scanout(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "cursor"))) {
		if (cl_check_keys(x, w, "a cursor expectation", ckeys))
			return -1;
		e->has_visible = cl_map_get(w, "visible") != NULL;
		e->has_cursor_pos = cl_map_get(w, "x") != NULL || cl_map_get(w, "y") != NULL;
		if (opt_bool(x, w, "visible", &e->visible) || opt_u32(x, w, "x", &e->cursor_x) ||
		    opt_u32(x, w, "y", &e->cursor_y))
			return -1;
	}
	if ((w = cl_map_get(v, "last_response")) && get_last(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "display")) && get_display(x, w, e))
		return -1;
	if ((w = cl_map_get(v, "device_stats")) &&
	    get_counters(x, w, e, dev_counters, "device_stats"))
		return -1;
	if ((w = cl_map_get(v, "driver_stats")) &&
	    get_counters(x, w, e, drv_counters, "driver_stats"))
		return -1;
	return 0;
}

int cl_parse_gpu_expect(struct lctx *x, const struct ynode *v, struct expect_gpu **out)
{
	struct expect_gpu *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return cl_bad(x, v, "out of memory");
	if (parse_expect(x, v, e)) {
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
