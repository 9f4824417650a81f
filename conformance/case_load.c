// SPDX-License-Identifier: Apache-2.0
/*
 * Spec-case loader. The schema lives in docs/spec-case-format.md; this file
 * is its executable form. Every check reports "file:line:col: message" at the
 * offending node and stops the load.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case_load.h"
#include "case_load_priv.h"
#include "devices.h"
#include "ytree.h"
#include "virtiocheck/virtio.h"


__attribute__((format(printf, 3, 4)))
int cl_bad(struct lctx *x, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (x->failed)
		return -1;
	x->failed = 1;
	k = snprintf(x->err, x->errlen, "%s:%u:%u: ", x->file, n ? n->line : 1, n ? n->col : 1);
	if (k >= 0 && (size_t)k < x->errlen) {
		char msg[1024];
		size_t i, o = (size_t)k;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		/* one line, whatever the case file quoted back: control
		 * characters become \xNN */
		for (i = 0; msg[i] && o + 5 < x->errlen; i++) {
			unsigned char c = (unsigned char)msg[i];

			if (c < 0x20 || c == 0x7f)
				o += (size_t)snprintf(x->err + o, x->errlen - o, "\\x%02x", c);
			else
				x->err[o++] = (char)c;
		}
		x->err[o] = '\0';
	}
	return -1;
}

/* ------------------------------------------------------------ name tables */


static const struct name_val feature_names[] = {
	{ "INDIRECT_DESC", VIRTIO_F_INDIRECT_DESC }, { "EVENT_IDX", VIRTIO_F_EVENT_IDX },
	{ "VERSION_1", VIRTIO_F_VERSION_1 }, { "ACCESS_PLATFORM", VIRTIO_F_ACCESS_PLATFORM },
	{ "RING_PACKED", VIRTIO_F_RING_PACKED }, { "IN_ORDER", VIRTIO_F_IN_ORDER },
	{ "ORDER_PLATFORM", VIRTIO_F_ORDER_PLATFORM }, { "SR_IOV", VIRTIO_F_SR_IOV },
	{ "NOTIFICATION_DATA", VIRTIO_F_NOTIFICATION_DATA },
	{ "NOTIF_CONFIG_DATA", VIRTIO_F_NOTIF_CONFIG_DATA }, { "RING_RESET", VIRTIO_F_RING_RESET },
	{ NULL, 0 }
};

static const struct name_val status_names[] = {
	{ "ACKNOWLEDGE", VIRTIO_STATUS_ACKNOWLEDGE }, { "DRIVER", VIRTIO_STATUS_DRIVER },
	{ "DRIVER_OK", VIRTIO_STATUS_DRIVER_OK }, { "FEATURES_OK", VIRTIO_STATUS_FEATURES_OK },
	{ "DEVICE_NEEDS_RESET", VIRTIO_STATUS_DEVICE_NEEDS_RESET },
	{ "FAILED", VIRTIO_STATUS_FAILED }, { NULL, 0 }
};

static const struct name_val desc_flag_names[] = {
	{ "NEXT", VIRTQ_DESC_F_NEXT }, { "WRITE", VIRTQ_DESC_F_WRITE },
	{ "INDIRECT", VIRTQ_DESC_F_INDIRECT }, { NULL, 0 }
};

/* order matches enum vdrv_step */
static const struct name_val init_step_names[] = {
	{ "RESET", 0 }, { "WAIT_RESET", 1 }, { "ACKNOWLEDGE", 2 }, { "DRIVER", 3 },
	{ "READ_FEATURES", 4 }, { "WRITE_FEATURES", 5 }, { "FEATURES_OK", 6 },
	{ "CHECK_FEATURES_OK", 7 }, { "QUEUE_SETUP", 8 }, { "DRIVER_OK", 9 }, { NULL, 0 }
};

struct reg_name {
	const char *name;
	uint32_t offset;
	uint8_t width;
	int32_t mmio_offset;   /* the same register on virtio-mmio, -1: none */
};

/* Common configuration (4.1.4.3) by name, with the virtio-mmio register
 * (4.2.2) that plays the same part. queue_size maps to QueueNum, which MMIO
 * makes write-only. */
static const struct reg_name common_names[] = {
	{ "device_feature_select", VIRTIO_PCI_COMMON_DFSELECT, 4, 0x014 },
	{ "device_feature", VIRTIO_PCI_COMMON_DF, 4, 0x010 },
	{ "driver_feature_select", VIRTIO_PCI_COMMON_GFSELECT, 4, 0x024 },
	{ "driver_feature", VIRTIO_PCI_COMMON_GF, 4, 0x020 },
	{ "config_msix_vector", VIRTIO_PCI_COMMON_MSIX, 2, -1 },
	{ "num_queues", VIRTIO_PCI_COMMON_NUMQ, 2, -1 },
	{ "device_status", VIRTIO_PCI_COMMON_STATUS, 1, 0x070 },
	{ "config_generation", VIRTIO_PCI_COMMON_CFGGENERATION, 1, 0x0fc },
	{ "queue_select", VIRTIO_PCI_COMMON_Q_SELECT, 2, 0x030 },
	{ "queue_size", VIRTIO_PCI_COMMON_Q_SIZE, 2, 0x038 },
	{ "queue_msix_vector", VIRTIO_PCI_COMMON_Q_MSIX, 2, -1 },
	{ "queue_enable", VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0x044 },
	{ "queue_notify_off", VIRTIO_PCI_COMMON_Q_NOFF, 2, -1 },
	{ "queue_desc_lo", VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x080 },
	{ "queue_desc_hi", VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0x084 },
	{ "queue_driver_lo", VIRTIO_PCI_COMMON_Q_AVAILLO, 4, 0x090 },
	{ "queue_driver_hi", VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0x094 },
	{ "queue_device_lo", VIRTIO_PCI_COMMON_Q_USEDLO, 4, 0x0a0 },
	{ "queue_device_hi", VIRTIO_PCI_COMMON_Q_USEDHI, 4, 0x0a4 },
	{ "queue_notify_data", VIRTIO_PCI_COMMON_Q_NDATA, 2, -1 },
	{ "queue_reset", VIRTIO_PCI_COMMON_Q_RESET, 2, 0x0c0 },
	{ NULL, 0, 0, -1 }
};

/* virtio-mmio registers without a common-configuration twin (4.2.2);
 * space mmio, so the step needs transport mmio. */
static const struct reg_name mmio_names[] = {
	{ "magic_value", 0x000, 4, 0x000 }, { "version", 0x004, 4, 0x004 },
	{ "device_id", 0x008, 4, 0x008 }, { "vendor_id", 0x00c, 4, 0x00c },
	{ "queue_num_max", 0x034, 4, 0x034 }, { "queue_ready", 0x044, 4, 0x044 },
	{ "queue_notify", 0x050, 4, 0x050 },
	{ "interrupt_status", 0x060, 4, 0x060 }, { "interrupt_ack", 0x064, 4, 0x064 },
	{ "shm_sel", 0x0ac, 4, 0x0ac }, { "shm_len_low", 0x0b0, 4, 0x0b0 },
	{ "shm_len_high", 0x0b4, 4, 0x0b4 }, { "shm_base_low", 0x0b8, 4, 0x0b8 },
	{ "shm_base_high", 0x0bc, 4, 0x0bc },
	{ NULL, 0, 0, -1 }
};

static const char *const step_names[] = {
	[ST_INIT] = "init", [ST_RESET] = "reset", [ST_WRITE] = "write", [ST_READ] = "read",
	[ST_BUFFER] = "buffer", [ST_TABLE] = "table", [ST_DESC] = "desc", [ST_AVAIL] = "avail",
	[ST_AVAIL_RAW] = "avail_raw", [ST_AVAIL_IDX] = "avail_idx",
	[ST_AVAIL_FLAGS] = "avail_flags", [ST_USED_EVENT] = "used_event", [ST_POST] = "post",
	[ST_KICK] = "kick", [ST_RNG_READ] = "rng_read", [ST_REAP] = "reap", [ST_USED] = "used",
	[ST_USED_IDX] = "used_idx", [ST_USED_FLAGS] = "used_flags",
	[ST_AVAIL_EVENT] = "avail_event", [ST_DESC_REWRITE] = "desc_rewrite",
	[ST_DEVICE_FAIL] = "device_fail", [ST_EXPECT] = "expect",
	[ST_DRIVER_QUEUE_RESET] = "driver_queue_reset",
	[ST_DEVICE_INTERRUPT] = "device_interrupt", [ST_PACKED_DESC] = "packed_desc",
	[ST_PACKED_CHAIN] = "packed_chain", [ST_PACKED_USED] = "packed_used",
	[ST_PACKED_EVENT] = "packed_event", [ST_BLK] = "blk", [ST_CONSOLE] = "console",
	[ST_NET] = "net", [ST_BALLOON] = "balloon", [ST_GPU] = "gpu",
};

const char *case_step_name(enum step_kind k)
{
	return (unsigned)k < sizeof(step_names) / sizeof(step_names[0]) ? step_names[k] : "?";
}

const char *case_feature_name(unsigned bit)
{
	const struct name_val *n;

	for (n = feature_names; n->name; n++)
		if (n->val == bit)
			return n->name;
	return NULL;
}

/* ------------------------------------------------------- typed accessors */

const struct ynode *cl_map_get(const struct ynode *m, const char *key)
{
	size_t i;

	for (i = 0; m && m->kind == YN_MAP && i < m->n; i++)
		if (m->items[2 * i]->kind == YN_SCALAR && strcmp(m->items[2 * i]->str, key) == 0)
			return m->items[2 * i + 1];
	return NULL;
}

const char *cl_kind_name(const struct ynode *n)
{
	return n->kind == YN_MAP ? "a mapping" : n->kind == YN_SEQ ? "a list" : "a scalar";
}

int cl_want_kind(struct lctx *x, const struct ynode *n, enum ynode_kind k, const char *what)
{
	if (n->kind == k)
		return 0;
	return cl_bad(x, n, "%s must be %s, not %s", what,
		   k == YN_MAP ? "a mapping" : k == YN_SEQ ? "a list" : "a scalar", cl_kind_name(n));
}

/* Unknown or duplicate keys of a mapping are errors. */
int cl_step_value(struct lctx *x, const char *name, const struct ynode *key,
		  const struct ynode **v, bool bare, const char *const *allowed)
{
	const struct ynode *n = *v;
	char what[64];

	if (!n || (n->kind == YN_SCALAR && n->str[0] == '\0' && !n->quoted)) {
		if (!bare)
			return cl_bad(x, key, "step '%s' needs arguments", name);
		*v = NULL;
		return 0;
	}
	snprintf(what, sizeof(what), "a %s step", name);
	return cl_check_keys(x, n, what, allowed);
}

int cl_check_keys(struct lctx *x, const struct ynode *m, const char *what,
		      const char *const *allowed)
{
	size_t i, j;

	if (cl_want_kind(x, m, YN_MAP, what))
		return -1;
	for (i = 0; i < m->n; i++) {
		const struct ynode *k = m->items[2 * i];
		const char *const *a;
		char list[512] = "";

		if (k->kind != YN_SCALAR)
			return cl_bad(x, k, "keys of %s must be scalars", what);
		for (j = 0; j < i; j++)
			if (strcmp(m->items[2 * j]->str, k->str) == 0)
				return cl_bad(x, k, "duplicate key '%s' in %s", k->str, what);
		for (a = allowed; *a; a++)
			if (strcmp(*a, k->str) == 0)
				break;
		if (*a)
			continue;
		for (a = allowed; *a; a++) {
			strncat(list, *a, sizeof(list) - strlen(list) - 1);
			if (a[1])
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		}
		return cl_bad(x, k, "unknown key '%s' in %s (expected one of: %s)", k->str, what, list);
	}
	return 0;
}

int cl_get_u64(struct lctx *x, const struct ynode *n, const char *what, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (n->kind != YN_SCALAR || n->quoted)
		return cl_bad(x, n, "%s must be an integer", what);
	if (n->str[0] == '-' || n->str[0] == '\0')
		return cl_bad(x, n, "%s must be a non-negative integer, got '%s'", what, n->str);
	errno = 0;
	v = strtoull(n->str, &end, 0);
	if (*end)
		return cl_bad(x, n, "%s must be an integer, got '%s'", what, n->str);
	if (errno == ERANGE || v < min || v > max)
		return cl_bad(x, n, "%s %s out of range [%llu, %llu]", what, n->str,
			   (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}


int cl_get_bool(struct lctx *x, const struct ynode *n, const char *what, bool *out)
{
	if (n->kind == YN_SCALAR && !n->quoted) {
		if (!strcmp(n->str, "true") || !strcmp(n->str, "on") || !strcmp(n->str, "yes")) {
			*out = true;
			return 0;
		}
		if (!strcmp(n->str, "false") || !strcmp(n->str, "off") || !strcmp(n->str, "no")) {
			*out = false;
			return 0;
		}
	}
	return cl_bad(x, n, "%s must be true or false", what);
}

int cl_get_str(struct lctx *x, const struct ynode *n, const char *what, char *dst,
		   size_t size)
{
	if (n->kind != YN_SCALAR)
		return cl_bad(x, n, "%s must be a string, not %s", what, cl_kind_name(n));
	if (strlen(n->str) >= size)
		return cl_bad(x, n, "%s longer than %zu characters", what, size - 1);
	memcpy(dst, n->str, strlen(n->str) + 1);
	return 0;
}

int cl_get_name(struct lctx *x, const struct ynode *n, const char *what, char *dst,
		    size_t size)
{
	const char *p;

	if (cl_get_str(x, n, what, dst, size))
		return -1;
	if (!dst[0])
		return cl_bad(x, n, "%s must not be empty", what);
	for (p = dst; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return cl_bad(x, n, "%s '%s' may hold only letters, digits, '_', '-', '.'",
				   what, dst);
	return 0;
}

int cl_lookup(struct lctx *x, const struct ynode *n, const char *what,
		  const struct name_val *tab, uint64_t *out)
{
	const struct name_val *t;

	if (n->kind != YN_SCALAR)
		return cl_bad(x, n, "%s must be a name, not %s", what, cl_kind_name(n));
	for (t = tab; t->name; t++)
		if (strcmp(t->name, n->str) == 0) {
			*out = t->val;
			return 0;
		}
	return cl_bad(x, n, "unknown %s '%s'", what, n->str);
}

/* A feature: a name from the reserved range or an explicit bit number. */
int cl_get_feature_bit(struct lctx *x, const struct ynode *n, uint64_t *bit)
{
	if (n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9')
		return cl_get_u64(x, n, "feature bit", 0, 63, bit);
	return cl_lookup(x, n, "feature", feature_names, bit);
}

/* A list of names (or numbers for features) OR-ed into a mask. */
int cl_get_bits(struct lctx *x, const struct ynode *n, const char *what,
		    const struct name_val *tab, bool as_bit_numbers, uint64_t *out)
{
	size_t i;

	*out = 0;
	if (n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9')
		return cl_get_u64(x, n, what, 0, UINT64_MAX, out);
	if (cl_want_kind(x, n, YN_SEQ, what))
		return -1;
	for (i = 0; i < n->n; i++) {
		uint64_t v = 0;

		if (as_bit_numbers) {
			if (cl_get_feature_bit(x, n->items[i], &v))
				return -1;
			*out |= 1ull << v;
		} else {
			if (cl_lookup(x, n->items[i], what, tab, &v))
				return -1;
			*out |= v;
		}
	}
	return 0;
}

int cl_get_cmp(struct lctx *x, const struct ynode *n, const char *what, struct case_cmp *c)
{
	static const char *const keys[] = { "eq", "min", "max", NULL };
	const struct ynode *v;

	memset(c, 0, sizeof(*c));
	if (n->kind == YN_SCALAR) {
		c->has_eq = true;
		return cl_get_u64(x, n, what, 0, UINT64_MAX, &c->eq);
	}
	if (cl_check_keys(x, n, what, keys))
		return -1;
	if ((v = cl_map_get(n, "eq")) && (c->has_eq = true) && cl_get_u64(x, v, "eq", 0, UINT64_MAX, &c->eq))
		return -1;
	if ((v = cl_map_get(n, "min")) && (c->has_min = true) &&
	    cl_get_u64(x, v, "min", 0, UINT64_MAX, &c->min))
		return -1;
	if ((v = cl_map_get(n, "max")) && (c->has_max = true) &&
	    cl_get_u64(x, v, "max", 0, UINT64_MAX, &c->max))
		return -1;
	if (!c->has_eq && !c->has_min && !c->has_max)
		return cl_bad(x, n, "%s needs eq, min or max", what);
	return 0;
}

int cl_get_clause(struct lctx *x, const struct ynode *n, const char **out)
{
	const struct clause_info *ci;

	if (n->kind != YN_SCALAR)
		return cl_bad(x, n, "a clause label must be a string");
	ci = x->cat ? catalogue_find(x->cat, n->str) : NULL;
	if (!ci)
		return cl_bad(x, n, "unknown clause label '%s' (not in the clause catalogue)", n->str);
	*out = ci->label;
	return 0;
}

int cl_get_addr(struct lctx *x, const struct ynode *n, struct case_addr *a)
{
	static const char *const keys[] = { "buf", "offset", NULL };
	const struct ynode *v;

	memset(a, 0, sizeof(*a));
	if (n->kind == YN_SCALAR && !n->quoted && n->str[0] >= '0' && n->str[0] <= '9')
		return cl_get_u64(x, n, "address", 0, UINT64_MAX, &a->value);
	if (n->kind == YN_SCALAR)
		return cl_get_name(x, n, "buffer name", a->name, sizeof(a->name));
	if (cl_check_keys(x, n, "an address", keys))
		return -1;
	v = cl_map_get(n, "buf");
	if (!v)
		return cl_bad(x, n, "an address mapping needs 'buf'");
	if (cl_get_name(x, v, "buffer name", a->name, sizeof(a->name)))
		return -1;
	v = cl_map_get(n, "offset");
	return v ? cl_get_u64(x, v, "offset", 0, UINT32_MAX, &a->value) : 0;
}

static int get_desc(struct lctx *x, const struct ynode *n, struct case_desc *d, uint8_t *fields)
{
	static const char *const keys[] = { "addr", "len", "flags", "next", NULL };
	const struct ynode *v;
	uint64_t f;

	memset(d, 0, sizeof(*d));
	if (cl_check_keys(x, n, "a descriptor", keys))
		return -1;
	*fields = 0;
	if ((v = cl_map_get(n, "addr"))) {
		*fields |= 1;
		if (cl_get_addr(x, v, &d->addr))
			return -1;
	}
	if ((v = cl_map_get(n, "len"))) {
		*fields |= 2;
		if (GET_NUM(x, v, "len", 0, UINT32_MAX, d->len))
			return -1;
	} else {
		d->len_auto = true;
	}
	if ((v = cl_map_get(n, "flags"))) {
		*fields |= 4;
		if (cl_get_bits(x, v, "descriptor flag", desc_flag_names, false, &f))
			return -1;
		if (f > 0xffff)
			return cl_bad(x, v, "descriptor flags 0x%llx do not fit 16 bits",
				   (unsigned long long)f);
		d->flags = (uint16_t)f;
	}
	if ((v = cl_map_get(n, "next"))) {
		*fields |= 8;
		if (GET_NUM(x, v, "next", 0, 0xffff, d->next))
			return -1;
	}
	return 0;
}

/* A packed descriptor: addr, len, flags, id, avail, used (2.8.13). */
static int get_pdesc(struct lctx *x, const struct ynode *n, struct case_pdesc *p,
		     const char *const *keys)
{
	const struct ynode *v;
	uint64_t f;

	memset(p, 0, sizeof(*p));
	p->avail = p->used = -1;
	if (cl_check_keys(x, n, "a packed descriptor", keys))
		return -1;
	if ((v = cl_map_get(n, "addr")) && cl_get_addr(x, v, &p->d.addr))
		return -1;
	if ((v = cl_map_get(n, "len"))) {
		if (GET_NUM(x, v, "len", 0, UINT32_MAX, p->d.len))
			return -1;
	} else {
		p->d.len_auto = true;
	}
	if ((v = cl_map_get(n, "flags"))) {
		if (cl_get_bits(x, v, "descriptor flag", desc_flag_names, false, &f))
			return -1;
		if (f > 0xffff)
			return cl_bad(x, v, "descriptor flags 0x%llx do not fit 16 bits",
				      (unsigned long long)f);
		p->d.flags = (uint16_t)f;
		p->has_flags = true;
	}
	if ((v = cl_map_get(n, "id"))) {
		p->has_id = true;
		if (GET_NUM(x, v, "id", 0, 0xffff, p->id))
			return -1;
	}
	if ((v = cl_map_get(n, "avail")) && GET_NUM(x, v, "avail", 0, 1, p->avail))
		return -1;
	if ((v = cl_map_get(n, "used")) && GET_NUM(x, v, "used", 0, 1, p->used))
		return -1;
	return 0;
}

int cl_get_seg(struct lctx *x, const struct ynode *n, struct case_seg *s)
{
	static const char *const keys[] = { "buf", "offset", "len", NULL };
	const struct ynode *v;

	memset(s, 0, sizeof(*s));
	if (cl_check_keys(x, n, "a buffer segment", keys))
		return -1;
	if (!(v = cl_map_get(n, "buf")))
		return cl_bad(x, n, "a buffer segment needs 'buf'");
	if (cl_get_name(x, v, "buffer name", s->buf, sizeof(s->buf)))
		return -1;
	if ((v = cl_map_get(n, "offset")) && GET_NUM(x, v, "offset", 0, UINT32_MAX, s->offset))
		return -1;
	if (!(v = cl_map_get(n, "len")))
		return cl_bad(x, n, "a buffer segment needs 'len'");
	return GET_NUM(x, v, "len", 0, UINT32_MAX, s->len);
}

int cl_get_segs(struct lctx *x, const struct ynode *n, struct case_seg *out, unsigned *cnt)
{
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, "a segment list"))
		return -1;
	if (n->n > CASE_MAX_LIST)
		return cl_bad(x, n, "more than %u segments", CASE_MAX_LIST);
	for (i = 0; i < n->n; i++)
		if (cl_get_seg(x, n->items[i], &out[i]))
			return -1;
	*cnt = (unsigned)n->n;
	return 0;
}

/* ------------------------------------------------------------------ steps */

/* A device property named instead of a number (enum reg_sym): 1 if v is
 * one, 0 if it is not a name at all, -1 for an unknown name. */
static int parse_reg_sym(struct lctx *x, const struct ynode *v, enum reg_sym *sym)
{
	static const struct name_val syms[] = {
		{ "device_id", REG_SYM_DEVICE_ID }, { "num_queues", REG_SYM_NUM_QUEUES },
		{ "queue_size_max", REG_SYM_QUEUE_SIZE_MAX }, { NULL, 0 }
	};
	const struct name_val *nv;

	if (v->kind != YN_SCALAR || !v->str[0] || (v->str[0] >= '0' && v->str[0] <= '9'))
		return 0;
	for (nv = syms; nv->name; nv++)
		if (!strcmp(nv->name, v->str)) {
			*sym = (enum reg_sym)nv->val;
			return 1;
		}
	return cl_bad(x, v, "unknown device property '%s' (a number, or device_id, num_queues, "
		      "queue_size_max)", v->str);
}

static int parse_reg(struct lctx *x, const struct ynode *n, struct step_reg *r, bool is_read)
{
	static const char *const wkeys[] = { "reg", "space", "offset", "width", "value", NULL };
	static const char *const rkeys[] = { "reg", "space", "offset", "width", "expect", "mask",
					     NULL };
	static const struct name_val spaces[] = {
		{ "common", SPACE_COMMON }, { "device", SPACE_DEVICE }, { "notify", SPACE_NOTIFY },
		{ "isr", SPACE_ISR }, { "pci_cfg", SPACE_PCI_CFG }, { "mmio", SPACE_MMIO },
		{ NULL, 0 }
	};
	const struct ynode *v;
	uint64_t sp = 0;

	memset(r, 0, sizeof(*r));
	r->mask = UINT64_MAX;
	if (cl_check_keys(x, n, is_read ? "a read step" : "a write step", is_read ? rkeys : wkeys))
		return -1;
	r->mmio_offset = -1;
	if ((v = cl_map_get(n, "reg"))) {
		const struct reg_name *rn;
		bool mmio = false;

		if (v->kind != YN_SCALAR)
			return cl_bad(x, v, "reg must be a register name");
		for (rn = common_names; rn->name; rn++)
			if (!strcmp(rn->name, v->str))
				break;
		if (!rn->name) {
			for (rn = mmio_names; rn->name; rn++)
				if (!strcmp(rn->name, v->str))
					break;
			mmio = true;
		}
		if (!rn->name)
			return cl_bad(x, v, "unknown register '%s' (common configuration or "
				   "virtio-mmio names, see docs/spec-case-format.md)", v->str);
		if (cl_map_get(n, "space") || cl_map_get(n, "offset"))
			return cl_bad(x, v, "give either reg or space/offset, not both");
		r->space = mmio ? SPACE_MMIO : SPACE_COMMON;
		r->offset = rn->offset;
		r->width = rn->width;
		r->mmio_offset = rn->mmio_offset;
		r->mmio_width = 4;
		/* QueueNum is write-only on virtio-mmio */
		if (is_read && !strcmp(rn->name, "queue_size"))
			r->mmio_offset = -1;
	} else {
		if (!(v = cl_map_get(n, "space")))
			return cl_bad(x, n, "a register access needs reg, or space and offset");
		if (cl_lookup(x, v, "register space", spaces, &sp))
			return -1;
		r->space = (enum reg_space)sp;
		if (!(v = cl_map_get(n, "offset")))
			return cl_bad(x, n, "a register access needs an offset");
		if (GET_NUM(x, v, "offset", 0, 0xffff, r->offset))
			return -1;
		r->width = r->space == SPACE_ISR ? 1 : r->space == SPACE_NOTIFY ? 2 : 4;
		/* device configuration lives on both transports */
		if (r->space == SPACE_DEVICE || r->space == SPACE_MMIO) {
			r->mmio_offset = (int32_t)r->offset;
			r->mmio_width = r->width;
		}
	}
	if ((v = cl_map_get(n, "width"))) {
		if (GET_NUM(x, v, "width", 1, 8, r->width))
			return -1;
		if (r->width != 1 && r->width != 2 && r->width != 4 && r->width != 8)
			return cl_bad(x, v, "width must be 1, 2, 4 or 8");
		r->mmio_width = r->width;
	}
	if (!is_read) {
		if (!(v = cl_map_get(n, "value")))
			return cl_bad(x, n, "a write step needs a value");
		switch (parse_reg_sym(x, v, &r->value_sym)) {
		case 1: return 0;
		case 0: return cl_get_u64(x, v, "value", 0, UINT64_MAX, &r->value);
		default: return -1;
		}
	}
	if ((v = cl_map_get(n, "expect"))) {
		int sym = parse_reg_sym(x, v, &r->expect_sym);

		r->has_expect = true;
		if (sym < 0 || (sym == 0 && cl_get_cmp(x, v, "expect", &r->expect)))
			return -1;
	}
	if ((v = cl_map_get(n, "mask")) && cl_get_u64(x, v, "mask", 0, UINT64_MAX, &r->mask))
		return -1;
	return 0;
}

static int parse_init(struct lctx *x, const struct ynode *n, struct step_init *in)
{
	static const char *const keys[] = { "skip", "stop_before", "features", "status",
					    "queue_size", "expect_fail", "intx", NULL };
	const struct ynode *v;
	uint64_t s = 0;
	size_t i;

	memset(in, 0, sizeof(*in));
	in->stop_before = -1;
	for (i = 0; i < 16; i++)
		in->status_step[i] = -1;
	if (!n || (n->kind == YN_SCALAR && n->str[0] == '\0'))
		return 0; /* "- init" or "- init:" with no value */
	if (cl_check_keys(x, n, "an init step", keys))
		return -1;
	if ((v = cl_map_get(n, "skip"))) {
		if (cl_want_kind(x, v, YN_SEQ, "skip"))
			return -1;
		for (i = 0; i < v->n; i++) {
			if (cl_lookup(x, v->items[i], "init step", init_step_names, &s))
				return -1;
			in->skip |= 1u << s;
		}
	}
	if ((v = cl_map_get(n, "stop_before"))) {
		if (cl_lookup(x, v, "init step", init_step_names, &s))
			return -1;
		in->stop_before = (int)s;
	}
	if ((v = cl_map_get(n, "features"))) {
		in->has_features = true;
		if (cl_get_bits(x, v, "feature", feature_names, true, &in->features))
			return -1;
	}
	if ((v = cl_map_get(n, "status"))) {
		if (cl_want_kind(x, v, YN_MAP, "status overrides"))
			return -1;
		for (i = 0; i < v->n; i++) {
			uint64_t val;

			if (cl_lookup(x, v->items[2 * i], "init step", init_step_names, &s) ||
			    cl_get_u64(x, v->items[2 * i + 1], "status value", 0, 255, &val))
				return -1;
			in->status_step[s] = (int16_t)val;
		}
	}
	if ((v = cl_map_get(n, "queue_size")) && GET_NUM(x, v, "queue_size", 1, 32768, in->queue_size))
		return -1;
	if ((v = cl_map_get(n, "expect_fail")) && cl_get_bool(x, v, "expect_fail", &in->expect_fail))
		return -1;
	if ((v = cl_map_get(n, "intx")) && cl_get_bool(x, v, "intx", &in->intx))
		return -1;
	return 0;
}

static int parse_expect(struct lctx *x, const struct ynode *n, struct step_expect *e)
{
	static const char *const keys[] = {
		"status", "negotiated", "device_violation", "driver_violation", "no_findings",
		"no_fatal", "used_idx", "used_len", "used_id", "refused", "live", "driver_broken",
		"queue_interrupts", "config_interrupts", "notifies", "buffer",
		"device_wrote_only_writable", "used_len_written", "blk", "console", "net", "balloon", "gpu", "queue", NULL
	};
	const struct ynode *v;
	bool flag;
	size_t i;

	memset(e, 0, sizeof(*e));
	if (cl_check_keys(x, n, "an expect step", keys))
		return -1;
	if (n->n == 0)
		return cl_bad(x, n, "an expect step needs at least one expectation");
	if ((v = cl_map_get(n, "blk")) && cl_parse_blk_expect(x, v, &e->blk))
		return -1;
	if ((v = cl_map_get(n, "queue")) && cl_get_u64(x, v, "queue", 0, 63, &e->queue))
		return -1;
	if ((v = cl_map_get(n, "console")) && cl_parse_console_expect(x, v, &e->console))
		return -1;
	if ((v = cl_map_get(n, "net")) && cl_parse_net_expect(x, v, &e->net))
		return -1;
	if ((v = cl_map_get(n, "balloon")) && cl_parse_balloon_expect(x, v, &e->balloon))
		return -1;
	if ((v = cl_map_get(n, "gpu")) && cl_parse_gpu_expect(x, v, &e->gpu))
		return -1;
	if ((v = cl_map_get(n, "status"))) {
		static const char *const sk[] = { "set", "clear", NULL };
		const struct ynode *w;
		uint64_t m;

		if (cl_check_keys(x, v, "status expectation", sk))
			return -1;
		if ((w = cl_map_get(v, "set"))) {
			if (cl_get_bits(x, w, "status bit", status_names, false, &m))
				return -1;
			e->has_status_set = true;
			e->status_set = (uint8_t)m;
		}
		if ((w = cl_map_get(v, "clear"))) {
			if (cl_get_bits(x, w, "status bit", status_names, false, &m))
				return -1;
			e->has_status_clear = true;
			e->status_clear = (uint8_t)m;
		}
	}
	if ((v = cl_map_get(n, "negotiated"))) {
		static const char *const nk[] = { "has", "lacks", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "negotiated expectation", nk))
			return -1;
		if ((w = cl_map_get(v, "has")) && (e->has_negotiated_has = true) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &e->negotiated_has))
			return -1;
		if ((w = cl_map_get(v, "lacks")) && (e->has_negotiated_lacks = true) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &e->negotiated_lacks))
			return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *key = i ? "driver_violation" : "device_violation";
		const char **dst = i ? e->driver_violation : e->device_violation;
		unsigned *cnt = i ? &e->n_driver_violation : &e->n_device_violation;

		if (!(v = cl_map_get(n, key)))
			continue;
		if (v->kind == YN_SCALAR) {
			if (cl_get_clause(x, v, &dst[0]))
				return -1;
			*cnt = 1;
			continue;
		}
		if (cl_want_kind(x, v, YN_SEQ, key))
			return -1;
		if (v->n == 0 || v->n > CASE_MAX_CLAUSES)
			return cl_bad(x, v, "%s lists 1 to %u clause labels", key, CASE_MAX_CLAUSES);
		for (*cnt = 0; *cnt < v->n; (*cnt)++)
			if (cl_get_clause(x, v->items[*cnt], &dst[*cnt]))
				return -1;
	}
#define FLAG(key, has)                                                        \
	if ((v = cl_map_get(n, key))) {                                          \
		if (cl_get_bool(x, v, key, &flag))                               \
			return -1;                                            \
		if (!flag)                                                    \
			return cl_bad(x, v, "%s can only be true", key);         \
		has = true;                                                   \
	}
	FLAG("no_findings", e->has_no_findings);
	FLAG("no_fatal", e->has_no_fatal);
	FLAG("refused", e->has_refused);
	FLAG("live", e->has_live);
	FLAG("device_wrote_only_writable", e->has_device_wrote_only_writable);
#undef FLAG
	if ((v = cl_map_get(n, "used_idx")) && (e->has_used_idx = true) &&
	    GET_NUM(x, v, "used_idx", 0, 0xffff, e->used_idx))
		return -1;
	if ((v = cl_map_get(n, "used_len")) && (e->has_used_len = true) &&
	    cl_get_cmp(x, v, "used_len", &e->used_len))
		return -1;
	if ((v = cl_map_get(n, "used_id")) && (e->has_used_id = true) &&
	    GET_NUM(x, v, "used_id", 0, UINT32_MAX, e->used_id))
		return -1;
	if ((v = cl_map_get(n, "driver_broken")) && (e->has_driver_broken = true) &&
	    cl_get_bool(x, v, "driver_broken", &e->driver_broken))
		return -1;
	if ((v = cl_map_get(n, "queue_interrupts")) && (e->has_irq_queue = true) &&
	    cl_get_cmp(x, v, "queue_interrupts", &e->irq_queue))
		return -1;
	if ((v = cl_map_get(n, "config_interrupts")) && (e->has_irq_config = true) &&
	    cl_get_cmp(x, v, "config_interrupts", &e->irq_config))
		return -1;
	if ((v = cl_map_get(n, "notifies")) && (e->has_notifies = true) &&
	    cl_get_cmp(x, v, "notifies", &e->notifies))
		return -1;
	if ((v = cl_map_get(n, "used_len_written"))) {
		e->has_used_len_written = true;
		if (cl_get_name(x, v, "buffer name", e->used_len_written, sizeof(e->used_len_written)))
			return -1;
	}
	if ((v = cl_map_get(n, "buffer"))) {
		static const char *const bk[] = { "name", "untouched", "changed", "bytes", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "buffer expectation", bk))
			return -1;
		e->has_buffer = true;
		if (!(w = cl_map_get(v, "name")))
			return cl_bad(x, v, "buffer expectation needs a name");
		if (cl_get_name(x, w, "buffer name", e->buffer, sizeof(e->buffer)))
			return -1;
		if ((w = cl_map_get(v, "untouched")) && cl_get_bool(x, w, "untouched", &e->buffer_untouched))
			return -1;
		if ((w = cl_map_get(v, "changed")) && cl_get_bool(x, w, "changed", &e->buffer_changed))
			return -1;
		if ((w = cl_map_get(v, "bytes"))) {
			if (cl_want_kind(x, w, YN_SEQ, "bytes"))
				return -1;
			if (w->n > CASE_MAX_LIST)
				return cl_bad(x, w, "at most %u bytes", CASE_MAX_LIST);
			for (i = 0; i < w->n; i++)
				if (GET_NUM(x, w->items[i], "byte", 0, 255, e->buffer_bytes[i]))
					return -1;
			e->buffer_n = (unsigned)w->n;
		}
		if (!e->buffer_untouched && !e->buffer_changed && !e->buffer_n)
			return cl_bad(x, v, "buffer expectation needs untouched, changed or bytes");
	}
	return 0;
}

static int parse_step(struct lctx *x, const struct ynode *n, struct case_step *s,
		      enum case_role role)
{
	const struct ynode *key, *v;
	unsigned k;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->pos.line = n->line;
	s->pos.col = n->col;
	if (n->kind == YN_SCALAR) {
		key = n;
		v = NULL;
	} else {
		if (cl_want_kind(x, n, YN_MAP, "a step"))
			return -1;
		if (n->n != 1)
			return cl_bad(x, n, "a step is a mapping with exactly one key (the step kind)");
		key = n->items[0];
		v = n->items[1];
	}
	if (key->kind == YN_SCALAR && !strncmp(key->str, "blk_", 4)) {
		s->kind = ST_BLK;
		return cl_parse_blk_step(x, key->str, key, v, &s->u.blk);
	}
	if (key->kind == YN_SCALAR && !strncmp(key->str, "console_", 8)) {
		s->kind = ST_CONSOLE;
		return cl_parse_console_step(x, key->str, key, v, &s->u.console);
	}
	if (key->kind == YN_SCALAR && !strncmp(key->str, "net_", 4)) {
		s->kind = ST_NET;
		return cl_parse_net_step(x, key->str, key, v, &s->u.net);
	}
	if (key->kind == YN_SCALAR && !strncmp(key->str, "balloon_", 8)) {
		s->kind = ST_BALLOON;
		return cl_parse_balloon_step(x, key->str, key, v, &s->u.balloon);
	}
	if (key->kind == YN_SCALAR && !strncmp(key->str, "gpu_", 4)) {
		s->kind = ST_GPU;
		return cl_parse_gpu_step(x, key->str, key, v, &s->u.gpu);
	}
	for (k = 0; k < sizeof(step_names) / sizeof(step_names[0]); k++)
		if (step_names[k] && k != ST_BLK && k != ST_CONSOLE && k != ST_NET &&
		    k != ST_BALLOON && k != ST_GPU && key->kind == YN_SCALAR &&
		    !strcmp(step_names[k], key->str))
			break;
	if (k == sizeof(step_names) / sizeof(step_names[0]))
		return cl_bad(x, key, "unknown step '%s'", key->kind == YN_SCALAR ? key->str : "?");
	s->kind = (enum step_kind)k;
	if (!v) {
		/* bare steps take no arguments */
		if (s->kind == ST_INIT)
			return parse_init(x, NULL, &s->u.init);
		if (s->kind == ST_RESET || s->kind == ST_KICK || s->kind == ST_DRIVER_QUEUE_RESET)
			return 0;
		return cl_bad(x, key, "step '%s' needs arguments", key->str);
	}
	switch (s->kind) {
	case ST_BLK:
	case ST_CONSOLE:
	case ST_NET:
	case ST_BALLOON:
	case ST_GPU:
		break; /* dispatched by name above */
	case ST_PACKED_DESC: {
		static const char *const keys[] = { "slot", "addr", "len", "flags", "id", "avail",
						    "used", "queue", NULL };
		const struct ynode *w;

		if (get_pdesc(x, v, &s->u.pdesc.p, keys))
			return -1;
		if (!(w = cl_map_get(v, "slot")))
			return cl_bad(x, v, "packed_desc needs a slot");
		if (GET_NUM(x, w, "slot", 0, 32767, s->u.pdesc.slot))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		return 0;
	}
	case ST_PACKED_CHAIN: {
		static const char *const keys[] = { "descs", "id", "auto_next", "queue", NULL };
		static const char *const dkeys[] = { "addr", "len", "flags", NULL };
		struct step_pchain *pc = &s->u.pchain;
		const struct ynode *w;

		if (cl_check_keys(x, v, "a packed_chain step", keys))
			return -1;
		pc->auto_next = true;
		if (!(w = cl_map_get(v, "descs")) || cl_want_kind(x, w, YN_SEQ, "descs"))
			return w ? -1 : cl_bad(x, v, "packed_chain needs descs");
		if (w->n == 0 || w->n > CASE_MAX_LIST)
			return cl_bad(x, w, "a chain holds 1 to %u descriptors", CASE_MAX_LIST);
		for (i = 0; i < w->n; i++)
			if (get_pdesc(x, w->items[i], &pc->e[i], dkeys))
				return -1;
		pc->n = (unsigned)w->n;
		if (!(w = cl_map_get(v, "id")))
			return cl_bad(x, v, "packed_chain needs the buffer id");
		if (GET_NUM(x, w, "id", 0, 0xffff, pc->id))
			return -1;
		if ((w = cl_map_get(v, "auto_next")) && cl_get_bool(x, w, "auto_next", &pc->auto_next))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		return 0;
	}
	case ST_PACKED_USED: {
		static const char *const keys[] = { "id", "len", "flags", "avail", "used", "skip",
						    "slot", "queue", NULL };
		const struct ynode *w;

		if (get_pdesc(x, v, &s->u.pused.p, keys))
			return -1;
		if (!s->u.pused.p.has_id)
			return cl_bad(x, v, "packed_used needs the buffer id");
		s->u.pused.skip = 1;
		if ((w = cl_map_get(v, "skip")) && GET_NUM(x, w, "skip", 1, 32768, s->u.pused.skip))
			return -1;
		if ((w = cl_map_get(v, "slot"))) {
			s->u.pused.has_slot = true;
			if (GET_NUM(x, w, "slot", 0, 32767, s->u.pused.slot))
				return -1;
		}
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		return 0;
	}
	case ST_PACKED_EVENT: {
		static const char *const keys[] = { "area", "flags", "off", "wrap", "off_wrap",
						    "queue", NULL };
		static const struct name_val areas[] = { { "driver", 0 }, { "device", 1 },
							 { NULL, 0 } };
		static const struct name_val eflags[] = { { "ENABLE", 0 }, { "DISABLE", 1 },
							  { "DESC", 2 }, { NULL, 0 } };
		struct step_pevent *pe = &s->u.pevent;
		const struct ynode *w;
		uint64_t val = 0;

		if (cl_check_keys(x, v, "a packed_event step", keys))
			return -1;
		if (!(w = cl_map_get(v, "area")) || cl_lookup(x, w, "event area", areas, &val))
			return w ? -1 : cl_bad(x, v, "packed_event needs area: driver or device");
		pe->device_area = val;
		if ((w = cl_map_get(v, "flags"))) {
			if (w->kind == YN_SCALAR && !w->quoted && w->str[0] >= '0' && w->str[0] <= '9') {
				if (GET_NUM(x, w, "event flags", 0, 0xffff, pe->flags))
					return -1;
			} else if (cl_lookup(x, w, "event flags", eflags, &val)) {
				return -1;
			} else {
				pe->flags = (uint16_t)val;
			}
		}
		if ((w = cl_map_get(v, "off")) && GET_NUM(x, w, "off", 0, 0x7fff, pe->off))
			return -1;
		if ((w = cl_map_get(v, "wrap")) && cl_get_bool(x, w, "wrap", &pe->wrap))
			return -1;
		if ((w = cl_map_get(v, "off_wrap"))) {
			pe->raw = true;
			if (GET_NUM(x, w, "off_wrap", 0, 0xffff, pe->off_wrap))
				return -1;
		}
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		return 0;
	}
	case ST_INIT:
		return parse_init(x, v, &s->u.init);
	case ST_RESET:
		if (!(v->kind == YN_SCALAR && v->str[0] == '\0') && !(v->kind == YN_MAP && v->n == 0))
			return cl_bad(x, v, "reset takes no arguments");
		return 0;
	case ST_WRITE:
	case ST_READ:
		return parse_reg(x, v, &s->u.reg, s->kind == ST_READ);
	case ST_BUFFER: {
		static const char *const keys[] = { "name", "size", "fill", "region", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "a buffer step", keys))
			return -1;
		s->u.buffer.region = -1;
		if (!(w = cl_map_get(v, "name")) ||
		    cl_get_name(x, w, "buffer name", s->u.buffer.name, sizeof(s->u.buffer.name)))
			return w ? -1 : cl_bad(x, v, "a buffer needs a name");
		if (!(w = cl_map_get(v, "size")))
			return cl_bad(x, v, "a buffer needs a size");
		if (GET_NUM(x, w, "size", 1, 1u << 20, s->u.buffer.size))
			return -1;
		if ((w = cl_map_get(v, "fill")) && GET_NUM(x, w, "fill", 0, 255, s->u.buffer.fill))
			return -1;
		if ((w = cl_map_get(v, "region")) && GET_NUM(x, w, "region", 0, 7, s->u.buffer.region))
			return -1;
		return 0;
	}
	case ST_TABLE: {
		static const char *const keys[] = { "name", "entries", "packed", NULL };
		static const char *const pkeys[] = { "addr", "len", "flags", "id", NULL };
		const struct ynode *w;
		uint8_t fields;

		if (cl_check_keys(x, v, "a table step", keys))
			return -1;
		if ((w = cl_map_get(v, "packed")) && cl_get_bool(x, w, "packed", &s->u.table.packed))
			return -1;
		if (!(w = cl_map_get(v, "name")) ||
		    cl_get_name(x, w, "table name", s->u.table.name, sizeof(s->u.table.name)))
			return w ? -1 : cl_bad(x, v, "a table needs a name");
		if (!(w = cl_map_get(v, "entries")) || cl_want_kind(x, w, YN_SEQ, "entries"))
			return w ? -1 : cl_bad(x, v, "a table needs entries");
		if (w->n == 0 || w->n > CASE_MAX_LIST)
			return cl_bad(x, w, "a table holds 1 to %u entries", CASE_MAX_LIST);
		for (i = 0; i < w->n; i++) {
			if (s->u.table.packed) {
				struct case_pdesc pd;

				if (get_pdesc(x, w->items[i], &pd, pkeys))
					return -1;
				if (!cl_map_get(w->items[i], "addr") || pd.d.len_auto)
					return cl_bad(x, w->items[i], "a table entry needs addr and len");
				s->u.table.e[i] = pd.d;
				s->u.table.id[i] = pd.id;
				continue;
			}
			if (get_desc(x, w->items[i], &s->u.table.e[i], &fields))
				return -1;
			if (!(fields & 1) || !(fields & 2))
				return cl_bad(x, w->items[i], "a table entry needs addr and len");
		}
		s->u.table.n = (unsigned)w->n;
		return 0;
	}
	case ST_DESC:
	case ST_DESC_REWRITE: {
		static const char *const keys[] = { "index", "queue", "addr", "len", "flags",
						    "next", NULL };
		struct ynode tmp;
		const struct ynode *w;
		size_t j, m = 0;
		struct ynode *items[8];

		if (cl_check_keys(x, v, "a descriptor step", keys))
			return -1;
		if (!(w = cl_map_get(v, "index")))
			return cl_bad(x, v, "a descriptor step needs an index");
		if (GET_NUM(x, w, "index", 0, 0xffff, s->u.desc.index))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		/* the descriptor fields, without index and queue */
		tmp = *v;
		for (j = 0; j < v->n && m < 8; j++) {
			const char *kn = v->items[2 * j]->str;

			if (strcmp(kn, "index") && strcmp(kn, "queue")) {
				items[m++] = v->items[2 * j];
				items[m++] = v->items[2 * j + 1];
			}
		}
		tmp.items = items;
		tmp.n = m / 2;
		if (get_desc(x, &tmp, &s->u.desc.d, &s->u.desc.fields))
			return -1;
		if (s->kind == ST_DESC && !(s->u.desc.fields & 1))
			return cl_bad(x, v, "a descriptor step needs addr");
		return 0;
	}
	case ST_AVAIL: {
		static const char *const keys[] = { "heads", "queue", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "an avail step", keys))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if (!(w = cl_map_get(v, "heads")) || cl_want_kind(x, w, YN_SEQ, "heads"))
			return w ? -1 : cl_bad(x, v, "an avail step needs heads");
		if (w->n == 0 || w->n > CASE_MAX_LIST)
			return cl_bad(x, w, "heads lists 1 to %u entries", CASE_MAX_LIST);
		for (i = 0; i < w->n; i++)
			if (GET_NUM(x, w->items[i], "head", 0, 0xffff, s->u.avail.heads[i]))
				return -1;
		s->u.avail.n = (unsigned)w->n;
		return 0;
	}
	case ST_AVAIL_RAW: {
		static const char *const keys[] = { "slot", "head", "queue", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "an avail_raw step", keys))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if (!(w = cl_map_get(v, "slot")) || GET_NUM(x, w, "slot", 0, 32767, s->u.avail_raw.slot))
			return w ? -1 : cl_bad(x, v, "avail_raw needs slot");
		if (!(w = cl_map_get(v, "head")) || GET_NUM(x, w, "head", 0, 0xffff, s->u.avail_raw.head))
			return w ? -1 : cl_bad(x, v, "avail_raw needs head");
		return 0;
	}
	case ST_AVAIL_IDX:
	case ST_AVAIL_FLAGS:
	case ST_USED_EVENT:
	case ST_USED_IDX:
	case ST_USED_FLAGS:
	case ST_AVAIL_EVENT:
		return GET_NUM(x, v, case_step_name(s->kind), 0, 0xffff, s->u.value16);
	case ST_KICK:
		if (v->kind == YN_SCALAR && v->str[0] == '\0')
			return 0;
		return GET_NUM(x, v, "queue", 0, 63, s->queue);
	case ST_POST: {
		static const char *const keys[] = { "out", "in", "indirect", "expect_fail",
						    "queue", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "a post step", keys))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if ((w = cl_map_get(v, "out")) && cl_get_segs(x, w, s->u.post.out, &s->u.post.n_out))
			return -1;
		if ((w = cl_map_get(v, "in")) && cl_get_segs(x, w, s->u.post.in, &s->u.post.n_in))
			return -1;
		if (s->u.post.n_out + s->u.post.n_in == 0)
			return cl_bad(x, v, "a post step needs out or in segments");
		if ((w = cl_map_get(v, "indirect")) && cl_get_bool(x, w, "indirect", &s->u.post.indirect))
			return -1;
		if ((w = cl_map_get(v, "expect_fail")) &&
		    cl_get_bool(x, w, "expect_fail", &s->u.post.expect_fail))
			return -1;
		return 0;
	}
	case ST_RNG_READ: {
		static const char *const keys[] = { "bytes", "segments", "indirect", "expect_fail",
						    NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "an rng_read step", keys))
			return -1;
		s->u.rng.segments = 1;
		if (!(w = cl_map_get(v, "bytes")) || GET_NUM(x, w, "bytes", 1, 1u << 20, s->u.rng.bytes))
			return w ? -1 : cl_bad(x, v, "rng_read needs bytes");
		if ((w = cl_map_get(v, "segments")) && GET_NUM(x, w, "segments", 1, 16, s->u.rng.segments))
			return -1;
		if ((w = cl_map_get(v, "indirect")) && cl_get_bool(x, w, "indirect", &s->u.rng.indirect))
			return -1;
		if ((w = cl_map_get(v, "expect_fail")) &&
		    cl_get_bool(x, w, "expect_fail", &s->u.rng.expect_fail))
			return -1;
		return 0;
	}
	case ST_REAP: {
		static const char *const keys[] = { "queue", "expect_broken", "len", "expect_empty",
						    NULL };
		const struct ynode *w;

		if (v->kind == YN_SCALAR && v->str[0] == '\0')
			return 0;
		if (cl_check_keys(x, v, "a reap step", keys))
			return -1;
		if ((w = cl_map_get(v, "expect_empty")) &&
		    cl_get_bool(x, w, "expect_empty", &s->u.reap.expect_empty))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if ((w = cl_map_get(v, "expect_broken")) &&
		    cl_get_bool(x, w, "expect_broken", &s->u.reap.expect_broken))
			return -1;
		if ((w = cl_map_get(v, "len")) && (s->u.reap.has_len = true) &&
		    cl_get_cmp(x, w, "len", &s->u.reap.len))
			return -1;
		return 0;
	}
	case ST_USED: {
		static const char *const keys[] = { "entries", "publish", "queue", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "a used step", keys))
			return -1;
		s->u.used.publish = true;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if ((w = cl_map_get(v, "publish")) && cl_get_bool(x, w, "publish", &s->u.used.publish))
			return -1;
		if (!(w = cl_map_get(v, "entries")) || cl_want_kind(x, w, YN_SEQ, "entries"))
			return w ? -1 : cl_bad(x, v, "a used step needs entries");
		if (w->n == 0 || w->n > CASE_MAX_LIST)
			return cl_bad(x, w, "entries lists 1 to %u used elements", CASE_MAX_LIST);
		for (i = 0; i < w->n; i++) {
			static const char *const ek[] = { "id", "len", NULL };
			const struct ynode *e = w->items[i], *f;

			if (cl_check_keys(x, e, "a used element", ek))
				return -1;
			if (!(f = cl_map_get(e, "id")) || GET_NUM(x, f, "id", 0, UINT32_MAX, s->u.used.id[i]))
				return f ? -1 : cl_bad(x, e, "a used element needs id");
			if (!(f = cl_map_get(e, "len")) ||
			    GET_NUM(x, f, "len", 0, UINT32_MAX, s->u.used.len[i]))
				return f ? -1 : cl_bad(x, e, "a used element needs len");
		}
		s->u.used.n = (unsigned)w->n;
		return 0;
	}
	case ST_DEVICE_FAIL:
		if (role != ROLE_DRIVER)
			return cl_bad(x, key, "device_fail is a step of driver-role cases");
		return cl_get_clause(x, v, &s->u.fail_clause);
	case ST_EXPECT:
		if (parse_expect(x, v, &s->u.expect))
			return -1;
		s->queue = (uint16_t)s->u.expect.queue; /* ring expectations look here */
		return 0;
	case ST_DEVICE_INTERRUPT: {
		static const char *const keys[] = { "queue", "config", NULL };
		const struct ynode *w;
		bool on = false;

		if (role != ROLE_DRIVER)
			return cl_bad(x, key, "device_interrupt is a step of driver-role cases");
		if (cl_check_keys(x, v, "a device_interrupt step", keys))
			return -1;
		s->u.value16 = 0;
		if ((w = cl_map_get(v, "queue"))) {
			if (cl_get_bool(x, w, "queue", &on))
				return -1;
			s->u.value16 |= on ? VIRTIO_PCI_ISR_QUEUE : 0;
		}
		if ((w = cl_map_get(v, "config"))) {
			if (cl_get_bool(x, w, "config", &on))
				return -1;
			s->u.value16 |= on ? VIRTIO_PCI_ISR_CONFIG : 0;
		}
		if (!s->u.value16)
			return cl_bad(x, v, "device_interrupt needs queue: true and/or config: true");
		return 0;
	}
	case ST_DRIVER_QUEUE_RESET: {
		static const char *const keys[] = { "queue", "queue_size", "expect_fail", NULL };
		const struct ynode *w;

		if (v->kind == YN_SCALAR && v->str[0] == '\0')
			return 0;
		if (cl_check_keys(x, v, "a driver_queue_reset step", keys))
			return -1;
		if ((w = cl_map_get(v, "queue")) && GET_NUM(x, w, "queue", 0, 63, s->queue))
			return -1;
		if ((w = cl_map_get(v, "queue_size"))) {
			if (GET_NUM(x, w, "queue_size", 1, 32768, s->u.qreset.size))
				return -1;
			if (s->u.qreset.size & (s->u.qreset.size - 1))
				return cl_bad(x, w, "queue_size %u is not a power of two", s->u.qreset.size);
		}
		if ((w = cl_map_get(v, "expect_fail")) &&
		    cl_get_bool(x, w, "expect_fail", &s->u.qreset.expect_fail))
			return -1;
		return 0;
	}
	}
	return cl_bad(x, key, "unhandled step");
}

/* ----------------------------------------------------------------- matrix */

static const struct name_val rings[] = {
	{ "split", CASE_RING_SPLIT }, { "packed", CASE_RING_PACKED }, { NULL, 0 }
};
static const struct name_val transports[] = {
	{ "pci", CASE_TRANSPORT_PCI }, { "mmio", CASE_TRANSPORT_MMIO }, { NULL, 0 }
};

/* A matrix dimension: a non-empty list of distinct names, as a bit mask. */
static int get_dim(struct lctx *x, const struct ynode *n, const char *what,
		   const struct name_val *names, uint8_t *mask)
{
	size_t i;

	if (cl_want_kind(x, n, YN_SEQ, what))
		return -1;
	if (n->n == 0)
		return cl_bad(x, n, "%s lists no values", what);
	*mask = 0;
	for (i = 0; i < n->n; i++) {
		uint64_t b = 0;

		if (cl_lookup(x, n->items[i], what, names, &b))
			return -1;
		if (*mask & b)
			return cl_bad(x, n->items[i], "%s '%s' is listed twice", what,
				   n->items[i]->str);
		*mask |= (uint8_t)b;
	}
	return 0;
}

static int parse_matrix(struct lctx *x, const struct ynode *n, struct case_matrix *m)
{
	static const char *const keys[] = { "ring", "transport", "features", "queue_size",
					    "exclude", NULL };
	const struct ynode *v;
	size_t i, j;

	memset(m, 0, sizeof(*m));
	if (cl_check_keys(x, n, "matrix", keys))
		return -1;
	if ((v = cl_map_get(n, "ring")) && get_dim(x, v, "ring", rings, &m->rings))
		return -1;
	if ((v = cl_map_get(n, "transport")) &&
	    get_dim(x, v, "transport", transports, &m->transports))
		return -1;
	if ((v = cl_map_get(n, "features"))) {
		if (cl_want_kind(x, v, YN_MAP, "matrix features"))
			return -1;
		if (v->n > CASE_MAX_MATRIX_FEATURES)
			return cl_bad(x, v, "at most %u matrix features", CASE_MAX_MATRIX_FEATURES);
		for (i = 0; i < v->n; i++) {
			struct matrix_feature *f = &m->features[i];
			const struct ynode *vals = v->items[2 * i + 1];
			uint64_t bit;

			if (cl_get_feature_bit(x, v->items[2 * i], &bit))
				return -1;
			f->bit = (uint8_t)bit;
			if (cl_want_kind(x, vals, YN_SEQ, "feature values"))
				return -1;
			if (vals->n == 0)
				return cl_bad(x, vals, "feature values list is empty");
			for (j = 0; j < vals->n; j++) {
				bool on = false;

				if (cl_get_bool(x, vals->items[j], "feature value (on/off)", &on))
					return -1;
				f->values[on] = true;
			}
		}
		m->n_features = (unsigned)v->n;
	}
	if ((v = cl_map_get(n, "queue_size"))) {
		if (cl_want_kind(x, v, YN_SEQ, "queue_size"))
			return -1;
		if (v->n == 0 || v->n > 8)
			return cl_bad(x, v, "queue_size lists 1 to 8 sizes");
		for (i = 0; i < v->n; i++) {
			if (GET_NUM(x, v->items[i], "queue_size", 1, 32768, m->sizes[i]))
				return -1;
			if (m->sizes[i] & (m->sizes[i] - 1))
				return cl_bad(x, v->items[i], "queue_size %u is not a power of two",
					   m->sizes[i]);
		}
		m->n_sizes = (unsigned)v->n;
	}
	if ((v = cl_map_get(n, "exclude"))) {
		if (cl_want_kind(x, v, YN_SEQ, "exclude"))
			return -1;
		if (v->n > CASE_MAX_EXCLUDES)
			return cl_bad(x, v, "at most %u exclusions", CASE_MAX_EXCLUDES);
		for (i = 0; i < v->n; i++) {
			const struct ynode *e = v->items[i];
			struct matrix_exclude *ex = &m->excludes[i];

			if (cl_want_kind(x, e, YN_MAP, "an exclusion"))
				return -1;
			for (j = 0; j < e->n; j++) {
				const struct ynode *k = e->items[2 * j], *val = e->items[2 * j + 1];
				uint64_t bit;
				bool on = false;

				uint64_t dv = 0;

				if (k->kind == YN_SCALAR && !strcmp(k->str, "queue_size")) {
					if (GET_NUM(x, val, "queue_size", 1, 32768, ex->queue_size))
						return -1;
					continue;
				}
				if (k->kind == YN_SCALAR && !strcmp(k->str, "ring")) {
					if (cl_lookup(x, val, "ring", rings, &dv))
						return -1;
					ex->ring = (uint8_t)dv;
					continue;
				}
				if (k->kind == YN_SCALAR && !strcmp(k->str, "transport")) {
					if (cl_lookup(x, val, "transport", transports, &dv))
						return -1;
					ex->transport = (uint8_t)dv;
					continue;
				}
				if (cl_get_feature_bit(x, k, &bit) || cl_get_bool(x, val, "on/off", &on))
					return -1;
				if (ex->n_features == CASE_MAX_MATRIX_FEATURES)
					return cl_bad(x, k, "too many keys in an exclusion");
				ex->feature_bit[ex->n_features] = (int)bit;
				ex->feature_on[ex->n_features++] = on;
			}
		}
		m->n_excludes = (unsigned)v->n;
	}
	return 0;
}

static bool excluded(const struct case_matrix *m, uint64_t on, uint16_t qsize, uint8_t ring,
		     uint8_t transport)
{
	unsigned i, j;

	for (i = 0; i < m->n_excludes; i++) {
		const struct matrix_exclude *e = &m->excludes[i];
		bool match = (!e->queue_size || e->queue_size == qsize) &&
			     (!e->ring || e->ring == ring) &&
			     (!e->transport || e->transport == transport);

		for (j = 0; j < e->n_features && match; j++)
			match = !!(on & (1ull << e->feature_bit[j])) == !!e->feature_on[j];
		if (match)
			return true;
	}
	return false;
}

/* Append ",text" (or "text" at the start) to a point label. */
__attribute__((format(printf, 3, 4)))
static void label_add(struct case_point *p, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*len + 1 >= sizeof(p->label))
		return;
	if (*len)
		p->label[(*len)++] = ',';
	va_start(ap, fmt);
	w = vsnprintf(p->label + *len, sizeof(p->label) - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len += (size_t)w;
	if (*len >= sizeof(p->label))
		*len = sizeof(p->label) - 1;
	p->label[*len] = '\0';
}

unsigned case_expand(const struct vc_case *c, struct case_point *pts, unsigned max)
{
	const struct case_matrix *m = &c->matrix;
	unsigned nf = m->n_features, ns = m->n_sizes ? m->n_sizes : 1, combos = 1u << nf;
	uint8_t want_r = m->rings ? m->rings : CASE_RING_SPLIT;
	uint8_t want_t = m->transports ? m->transports : CASE_TRANSPORT_PCI;
	unsigned mask, s, i, n = 0;
	uint8_t r, t;

	for (t = CASE_TRANSPORT_PCI; t <= CASE_TRANSPORT_MMIO; t <<= 1) {
	for (r = CASE_RING_SPLIT; r <= CASE_RING_PACKED; r <<= 1) {
		if (!(want_r & r) || !(want_t & t))
			continue;
		for (s = 0; s < ns; s++) {
			for (mask = 0; mask < combos; mask++) {
				struct case_point p;
				bool ok = true;
				size_t len = 0;

				memset(&p, 0, sizeof(p));
				p.c = c;
				p.packed = r == CASE_RING_PACKED;
				p.mmio = t == CASE_TRANSPORT_MMIO;
				p.queue_size = m->n_sizes ? m->sizes[s] : c->queue_size;
				for (i = 0; i < nf && ok; i++) {
					bool on = (mask >> i) & 1;
					uint64_t b = 1ull << m->features[i].bit;

					ok = m->features[i].values[on];
					if (on)
						p.features_on |= b;
					else
						p.features_off |= b;
				}
				if (!ok || excluded(m, p.features_on, p.queue_size, r, t))
					continue;
				if (m->rings)
					label_add(&p, &len, "ring=%s", p.packed ? "packed" : "split");
				if (m->transports)
					label_add(&p, &len, "transport=%s", p.mmio ? "mmio" : "pci");
				for (i = 0; i < nf; i++) {
					const char *fname = case_feature_name(m->features[i].bit);
					bool on = (p.features_on >> m->features[i].bit) & 1;

					if (fname)
						label_add(&p, &len, "%s=%s", fname, on ? "on" : "off");
					else
						label_add(&p, &len, "bit%u=%s", m->features[i].bit,
							  on ? "on" : "off");
				}
				if (m->n_sizes)
					label_add(&p, &len, "qsize=%u", p.queue_size);
				if (n < max)
					pts[n] = p;
				n++;
			}
		}
	}
	}
	return n < max ? n : max;
}

/* ------------------------------------------------------------------ cases */

static void case_free_steps(struct vc_case *c)
{
	unsigned i;

	for (i = 0; c->steps && i < c->n_steps; i++) {
		struct case_step *s = &c->steps[i];

		if (s->kind == ST_BLK)
			free(s->u.blk);
		else if (s->kind == ST_CONSOLE)
			free(s->u.console);
		else if (s->kind == ST_NET)
			free(s->u.net);
		else if (s->kind == ST_BALLOON)
			free(s->u.balloon);
		else if (s->kind == ST_GPU)
			free(s->u.gpu);
		else if (s->kind == ST_EXPECT) {
			free(s->u.expect.blk);
			free(s->u.expect.console);
			free(s->u.expect.net);
			free(s->u.expect.balloon);
			free(s->u.expect.gpu);
		}
	}
	free(c->steps);
	c->steps = NULL;
}

/* Which ring layouts and transports a step can run on. */
static void step_scope(const struct case_step *s, uint8_t *rings_ok, uint8_t *transports_ok)
{
	*rings_ok = CASE_RING_SPLIT | CASE_RING_PACKED;
	*transports_ok = CASE_TRANSPORT_PCI | CASE_TRANSPORT_MMIO;
	switch (s->kind) {
	case ST_PACKED_DESC: case ST_PACKED_CHAIN: case ST_PACKED_USED: case ST_PACKED_EVENT:
		*rings_ok = CASE_RING_PACKED;
		break;
	case ST_TABLE:
		*rings_ok = s->u.table.packed ? CASE_RING_PACKED : CASE_RING_SPLIT;
		break;
	case ST_EXPECT:
		if (s->u.expect.has_used_idx)
			*rings_ok = CASE_RING_SPLIT;  /* the split used ring's idx */
		break;
	case ST_DESC: case ST_AVAIL: case ST_AVAIL_RAW: case ST_AVAIL_IDX:
	case ST_AVAIL_FLAGS: case ST_USED_EVENT: case ST_USED: case ST_USED_IDX:
	case ST_USED_FLAGS: case ST_AVAIL_EVENT: case ST_DESC_REWRITE:
		*rings_ok = CASE_RING_SPLIT;       /* raw edits of the split layout */
		break;
	case ST_WRITE: case ST_READ:
		if (s->u.reg.space == SPACE_MMIO)
			*transports_ok = CASE_TRANSPORT_MMIO;
		else if (s->u.reg.mmio_offset < 0)
			*transports_ok = CASE_TRANSPORT_PCI;
		break;
	case ST_INIT:
		if (s->u.init.intx)
			*transports_ok = CASE_TRANSPORT_PCI;
		break;
	default:
		break;
	}
}

/* Every matrix point must be able to run every step: a split-ring edit in a
 * case that lists ring packed, a PCI register on mmio, and so on, is an
 * error at the step. */
static int check_step_applies(struct lctx *x, const struct ynode *n, const struct vc_case *c,
			      const struct case_step *s)
{
	uint8_t want_r = c->matrix.rings ? c->matrix.rings : CASE_RING_SPLIT;
	uint8_t want_t = c->matrix.transports ? c->matrix.transports : CASE_TRANSPORT_PCI;
	uint8_t r_ok, t_ok;

	step_scope(s, &r_ok, &t_ok);
	if (want_r & ~r_ok)
		return cl_bad(x, n, "step '%s' only applies to the %s ring layout, but the case %s",
			      case_step_name(s->kind), r_ok == CASE_RING_SPLIT ? "split" : "packed",
			      r_ok == CASE_RING_SPLIT ? "lists ring packed"
			      : c->matrix.rings ? "lists ring split"
						: "runs on split (add matrix ring: [packed])");
	if (want_t & ~t_ok)
		return cl_bad(x, n, "step '%s' only applies to the %s transport, but the case %s",
			   case_step_name(s->kind), t_ok == CASE_TRANSPORT_PCI ? "pci" : "mmio",
			   t_ok == CASE_TRANSPORT_PCI ? "lists transport mmio"
						      : "runs on pci (add matrix transport: [mmio])");
	return 0;
}

static int parse_case(struct lctx *x, const struct ynode *n, struct vc_case *c)
{
	static const char *const keys[] = { "id", "title", "clauses", "role", "device", "spec",
					    "tags", "matrix", "setup", "steps", NULL };
	const struct ynode *v;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->pos.line = n->line;
	c->pos.col = n->col;
	c->file = x->file;
	if (cl_check_keys(x, n, "a case", keys))
		return -1;
	if (!(v = cl_map_get(n, "id")))
		return cl_bad(x, n, "a case needs an id");
	if (cl_get_name(x, v, "id", c->id, sizeof(c->id)))
		return -1;
	if (!(v = cl_map_get(n, "title")))
		return cl_bad(x, n, "case '%s' needs a title", c->id);
	if (cl_get_str(x, v, "title", c->title, sizeof(c->title)))
		return -1;
	if (!(v = cl_map_get(n, "clauses")))
		return cl_bad(x, n, "case '%s' needs clauses", c->id);
	if (cl_want_kind(x, v, YN_SEQ, "clauses"))
		return -1;
	if (v->n == 0 || v->n > CASE_MAX_CLAUSES)
		return cl_bad(x, v, "clauses lists 1 to %u labels", CASE_MAX_CLAUSES);
	for (i = 0; i < v->n; i++)
		if (cl_get_clause(x, v->items[i], &c->clauses[i]))
			return -1;
	c->n_clauses = (unsigned)v->n;
	if (!(v = cl_map_get(n, "role")))
		return cl_bad(x, n, "case '%s' needs a role (device or driver)", c->id);
	if (v->kind != YN_SCALAR || (strcmp(v->str, "device") && strcmp(v->str, "driver")))
		return cl_bad(x, v, "role must be device or driver");
	c->role = strcmp(v->str, "device") ? ROLE_DRIVER : ROLE_DEVICE;
	if (!(v = cl_map_get(n, "device")))
		return cl_bad(x, n, "case '%s' needs a device type (rng or core)", c->id);
	if (cl_get_str(x, v, "device", c->device, sizeof(c->device)))
		return -1;
	if (strcmp(c->device, "core") && !vc_device_lookup(c->device)) {
		char names[256];
		const struct vc_device_ops *d;
		size_t len = 0;

		for (i = 0; (d = vc_device_at(i)) && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, ", %s",
						d->name);
		return cl_bad(x, v, "device type '%s' is not supported (core%s)", c->device,
			   names);
	}
	if (!(v = cl_map_get(n, "spec")))
		return cl_bad(x, n, "case '%s' needs the spec version it follows", c->id);
	if (cl_get_str(x, v, "spec", c->spec, sizeof(c->spec)))
		return -1;
	if (strcmp(c->spec, "1.2"))
		return cl_bad(x, v, "spec version '%s' is not supported (1.2)", c->spec);
	if ((v = cl_map_get(n, "tags"))) {
		if (cl_want_kind(x, v, YN_SEQ, "tags"))
			return -1;
		if (v->n > CASE_MAX_TAGS)
			return cl_bad(x, v, "at most %u tags", CASE_MAX_TAGS);
		for (i = 0; i < v->n; i++)
			if (cl_get_name(x, v->items[i], "tag", c->tags[i], sizeof(c->tags[i])))
				return -1;
		c->n_tags = (unsigned)v->n;
	}
	if ((v = cl_map_get(n, "matrix")) && parse_matrix(x, v, &c->matrix))
		return -1;
	if ((v = cl_map_get(n, "setup"))) {
		static const char *const sk[] = { "offer_add", "offer_remove", "accept",
						  "requires", "queue_size", "queue_reset_delay",
						  "device_args", NULL };
		const struct ynode *w;

		if (cl_check_keys(x, v, "setup", sk))
			return -1;
		if ((w = cl_map_get(v, "device_args")) &&
		    cl_get_str(x, w, "device_args", c->device_args, sizeof(c->device_args)))
			return -1;
		if ((w = cl_map_get(v, "offer_add")) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &c->offer_add))
			return -1;
		if ((w = cl_map_get(v, "offer_remove")) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &c->offer_remove))
			return -1;
		if ((w = cl_map_get(v, "accept")) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &c->accept))
			return -1;
		if ((w = cl_map_get(v, "requires")) &&
		    cl_get_bits(x, w, "feature", feature_names, true, &c->requires))
			return -1;
		if ((w = cl_map_get(v, "queue_reset_delay")) &&
		    GET_NUM(x, w, "queue_reset_delay", 0, 64, c->queue_reset_delay))
			return -1;
		if ((w = cl_map_get(v, "queue_size"))) {
			if (GET_NUM(x, w, "queue_size", 1, 32768, c->queue_size))
				return -1;
			if (c->queue_size & (c->queue_size - 1))
				return cl_bad(x, w, "queue_size %u is not a power of two", c->queue_size);
		}
	}
	if (!(v = cl_map_get(n, "steps")))
		return cl_bad(x, n, "case '%s' needs steps", c->id);
	if (cl_want_kind(x, v, YN_SEQ, "steps"))
		return -1;
	if (v->n == 0 || v->n > 256)
		return cl_bad(x, v, "steps lists 1 to 256 steps");
	c->steps = calloc(v->n, sizeof(*c->steps));
	if (!c->steps)
		return cl_bad(x, v, "out of memory");
	for (i = 0; i < v->n; i++) {
		c->n_steps = (unsigned)i + 1; /* freed with the case even if it fails */
		if (parse_step(x, v->items[i], &c->steps[i], c->role))
			return -1;
	}
	for (i = 0; i < v->n; i++)
		if (check_step_applies(x, v->items[i], c, &c->steps[i]))
			return -1;
	return 0;
}

static int add_file_name(struct case_set *set, const char *name, const char **out)
{
	char **f = realloc(set->files, (set->n_files + 1) * sizeof(*f));

	if (!f)
		return -1;
	set->files = f;
	f[set->n_files] = strdup(name);
	if (!f[set->n_files])
		return -1;
	*out = f[set->n_files++];
	return 0;
}

int case_load_buffer(struct case_set *set, const char *name, const unsigned char *buf,
		     size_t len, const struct catalogue *cat, char *err, size_t errlen)
{
	struct ytree t;
	struct lctx x = { .cat = cat, .err = err, .errlen = errlen };
	const struct ynode *list;
	size_t i, j;
	int rc = -1;

	if (add_file_name(set, name, &x.file) != 0) {
		snprintf(err, errlen, "%s:1:1: out of memory", name);
		return -1;
	}
	if (ytree_load_buffer(&t, x.file, buf, len, err, errlen) != 0)
		return -1;
	if (!t.root) {
		cl_bad(&x, NULL, "empty case file");
		goto out;
	}
	{
		static const char *const keys[] = { "cases", NULL };

		if (cl_check_keys(&x, t.root, "a case file", keys))
			goto out;
	}
	list = cl_map_get(t.root, "cases");
	if (!list) {
		cl_bad(&x, t.root, "a case file needs a 'cases' list");
		goto out;
	}
	if (cl_want_kind(&x, list, YN_SEQ, "cases"))
		goto out;
	for (i = 0; i < list->n; i++) {
		struct vc_case c;

		if (set->n == set->cap) {
			size_t cap = set->cap ? 2 * set->cap : 64;
			struct vc_case *nc = realloc(set->cases, cap * sizeof(*nc));

			if (!nc) {
				cl_bad(&x, list->items[i], "out of memory");
				goto out;
			}
			set->cases = nc;
			set->cap = cap;
		}
		if (parse_case(&x, list->items[i], &c) != 0) {
			case_free_steps(&c);
			goto out;
		}
		for (j = 0; j < set->n; j++)
			if (!strcmp(set->cases[j].id, c.id)) {
				cl_bad(&x, list->items[i], "duplicate case id '%s' (first at %s:%u:%u)",
				    c.id, set->cases[j].file, set->cases[j].pos.line,
				    set->cases[j].pos.col);
				case_free_steps(&c);
				goto out;
			}
		set->cases[set->n++] = c;
	}
	rc = 0;
out:
	ytree_free(&t);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(struct case_set *set, const char *path, const struct catalogue *cat,
		     char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int rc;

	if (ytree_read_file(path, &buf, &len, err, errlen) != 0)
		return -1;
	rc = case_load_buffer(set, path, buf, len, cat, err, errlen);
	free(buf);
	return rc;
}

int case_load_path(struct case_set *set, const char *path, const struct catalogue *cat,
		   char *err, size_t errlen)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s:1:1: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(set, path, cat, err, errlen);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s:1:1: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nn;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		full = malloc(strlen(path) + l + 2);
		if (!full)
			break;
		sprintf(full, "%s/%s", path, de->d_name);
		if (stat(full, &st) != 0 || (!S_ISDIR(st.st_mode) &&
					      (l < 5 || strcmp(de->d_name + l - 5, ".yaml")))) {
			free(full);
			continue;
		}
		/* the catalogue is not a case file */
		if (!strcmp(de->d_name, "clauses.yaml")) {
			free(full);
			continue;
		}
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn) {
			free(full);
			break;
		}
		names = nn;
		names[n++] = full;
	}
	closedir(d);
	if (n) /* names is NULL for a directory without case files */
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!rc && case_load_path(set, names[i], cat, err, errlen) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

void case_set_free(struct case_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		case_free_steps(&set->cases[i]);
	free(set->cases);
	for (i = 0; i < set->n_files; i++)
		free(set->files[i]);
	free(set->files);
	memset(set, 0, sizeof(*set));
}
