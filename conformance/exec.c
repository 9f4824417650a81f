// SPDX-License-Identifier: Apache-2.0
/*
 * One case point against the reference model. The pair is fresh for every
 * point; the harness plays the driver (role device) or the device (role
 * driver) through the same primitives: raw register accesses, raw ring
 * edits through its own view of guest memory, and the reference driver or
 * device for the well-formed side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_load.h"
#include "devices.h"
#include "exec.h"
#include "exec_priv.h"
#include "target.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

__attribute__((format(printf, 2, 3)))
void xtrace(struct xstate *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->tlen + 2 >= sizeof(x->o->trace))
		return;
	va_start(ap, fmt);
	n = vsnprintf(x->o->trace + x->tlen, sizeof(x->o->trace) - x->tlen - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	x->tlen += (size_t)n;
	if (x->tlen >= sizeof(x->o->trace) - 1)
		x->tlen = sizeof(x->o->trace) - 2;
	x->o->trace[x->tlen++] = '\n';
	x->o->trace[x->tlen] = '\0';
}

__attribute__((format(printf, 4, 5)))
int xfail(struct xstate *x, enum verdict v, const char *violated, const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	x->o->verdict = v;
	va_start(ap, fmt);
	vsnprintf(x->o->message, sizeof(x->o->message), fmt, ap);
	va_end(ap);
	x->o->clause_index = 0;
	if (violated) {
		snprintf(x->o->violated, sizeof(x->o->violated), "%s", violated);
		for (i = 0; i < x->c->n_clauses; i++)
			if (!strcmp(x->c->clauses[i], violated))
				x->o->clause_index = (int)i;
	}
	xtrace(x, "  -> %s: %s", verdict_name(v), x->o->message);
	return -1;
}

static void status_str(uint8_t s, char *buf, size_t n)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ VIRTIO_STATUS_ACKNOWLEDGE, "ACKNOWLEDGE" }, { VIRTIO_STATUS_DRIVER, "DRIVER" },
		{ VIRTIO_STATUS_FEATURES_OK, "FEATURES_OK" }, { VIRTIO_STATUS_DRIVER_OK, "DRIVER_OK" },
		{ VIRTIO_STATUS_DEVICE_NEEDS_RESET, "DEVICE_NEEDS_RESET" },
		{ VIRTIO_STATUS_FAILED, "FAILED" },
	};
	size_t i, len;

	len = (size_t)snprintf(buf, n, "0x%02x", s);
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && len < n; i++)
		if (s & names[i].bit)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len > 4 ? "|" : " ",
						names[i].name);
}

/* ---------------------------------------------------------- guest memory */

struct named *xbuf_find(struct xstate *x, const char *name)
{
	unsigned i;

	for (i = 0; i < x->nbufs; i++)
		if (!strcmp(x->bufs[i].name, name))
			return &x->bufs[i];
	return NULL;
}

int xresolve(struct xstate *x, const struct case_addr *a, uint64_t *gpa, uint32_t *size)
{
	struct named *b;

	if (!a->name[0]) {
		*gpa = a->value;
		if (size)
			*size = 0;
		return 0;
	}
	b = xbuf_find(x, a->name);
	if (!b)
		return xfail(x, V_ERROR, NULL, "case error: no buffer or table named '%s'", a->name);
	*gpa = b->gpa + a->value;
	if (size)
		*size = b->size;
	return 0;
}

/* Guest memory for a buffer placed in a given region: taken from the top of
 * the region downward, clear of the driver's own allocations (which grow
 * upward from the bottom of region 0). 0 when it does not fit. */
static uint64_t alloc_in_region(struct xstate *x, unsigned region, uint32_t size, uint64_t align)
{
	const struct gm_region_info *r = gm_region(x->pair.gm, region);
	uint64_t floor, at;

	if (!r)
		return 0;
	if (!x->region_top[region])
		x->region_top[region] = r->gpa + r->size;
	floor = r->gpa + (region == 0 ? r->size / 2 : 0);
	if (x->region_top[region] - floor < size)
		return 0;
	at = (x->region_top[region] - size) & ~(align - 1);
	if (at < floor)
		return 0;
	x->region_top[region] = at;
	return at;
}

static void forget_buffers(struct xstate *x)
{
	x->nbufs = 0;
	memset(x->region_top, 0, sizeof(x->region_top));
}

struct named *xbuf_new(struct xstate *x, const char *name, uint32_t size, uint8_t fill,
			     uint64_t align, int region)
{
	struct named *b;
	void *p;

	if (xbuf_find(x, name) || x->nbufs == EXEC_MAX_BUFS) {
		xfail(x, V_ERROR, NULL, "case error: buffer '%s' defined twice or too many", name);
		return NULL;
	}
	b = &x->bufs[x->nbufs];
	b->gpa = region < 0 ? vdrv_alloc(x->pair.drv, size, align)
			    : alloc_in_region(x, (unsigned)region, size, align);
	p = b->gpa ? gm_translate(x->pair.drv_mem, b->gpa, size, GM_WRITE) : NULL;
	if (!p) {
		xfail(x, V_ERROR, NULL, "case error: cannot allocate %u bytes for '%s'", size, name);
		return NULL;
	}
	memset(p, fill, size);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->size = size;
	b->fill = fill;
	x->nbufs++;
	return b;
}

/*
 * The geometry of queue q as the driver programmed it into the transport
 * (the transport's register state, the same on PCI and MMIO; MMIO makes the
 * address registers write-only, so they are not read back through it).
 */
int xqueue_geom(struct xstate *x, uint16_t q, struct qgeom *g)
{
	vdev_t *core = x->pair.core;

	g->size = vdev_queue_size(core, q);
	g->desc = vdev_queue_area(core, q, VDEV_AREA_DESC);
	g->avail = vdev_queue_area(core, q, VDEV_AREA_DRIVER);
	g->used = vdev_queue_area(core, q, VDEV_AREA_DEVICE);
	if (!g->size || !g->desc || (!x->p->packed && (g->size & (g->size - 1))))
		return xfail(x, V_ERROR, NULL, "case error: queue %u is not set up", q);
	return 0;
}

/* A pointer into a ring part, through the driver's or the device's view. */
static void *ring_ptr(struct xstate *x, bool device_side, uint64_t gpa, uint64_t len)
{
	void *p = gm_translate(device_side ? x->pair.dev_mem : x->pair.drv_mem, gpa, len,
			       GM_WRITE);

	if (!p)
		xfail(x, V_ERROR, NULL, "case error: ring address 0x%llx not in guest memory",
		     (unsigned long long)gpa);
	return p;
}

/*
 * Ring fields at byte offsets. A hostile case may place a ring part at any
 * address (the device must refuse it, but the harness still writes it), so
 * the harness never accesses rings through typed pointers.
 */
#define AVAIL_IDX       2u
#define AVAIL_RING(i)   (4u + 2u * (i))
#define USED_IDX        2u
#define USED_ID(i)      (4u + 8u * (i))
#define USED_LEN(i)     (8u + 8u * (i))

/* an index store: everything written before it is visible first */
static void publish16(uint8_t *p, uint16_t val)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	wr16(p, val);
}

/* How many used elements the device has published on queue q (mod 2^16):
 * the split ring's used idx, or the used descriptors found so far on a
 * packed ring. */
static int used_idx_now(struct xstate *x, uint16_t q, uint16_t *idx)
{
	struct qgeom g;
	const uint8_t *u;

	if (x->p->packed) {
		if (xpk_scan_used(x, q))
			return -1;
		*idx = x->pk[q].used_seen;
		return 0;
	}

	if (xqueue_geom(x, q, &g))
		return -1;
	u = gm_translate(x->pair.drv_mem, g.used, virtq_used_bytes(g.size), GM_READ);
	if (!u)
		return xfail(x, V_ERROR, NULL, "case error: used ring not in guest memory");
	*idx = rd16(u + USED_IDX);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 0;
}

/* ------------------------------------------------------------------ init */

static enum vdrv_hook_action init_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	struct xstate *x = ctx;
	const struct step_init *in = x->cur_init;

	if (!in)
		return VDRV_PROCEED;
	if (in->stop_before == (int)s->step)
		return VDRV_ABORT;
	if (in->skip & (1u << s->step))
		return VDRV_SKIP;
	if (s->step == VDRV_STEP_WRITE_FEATURES && in->has_features)
		s->features = in->features;
	if (in->status_step[s->step] >= 0)
		s->status = (uint8_t)in->status_step[s->step];
	if (s->step == VDRV_STEP_QUEUE_SETUP && in->queue_size)
		s->queue_size = in->queue_size;
	return VDRV_PROCEED;
}

/* The case's edits first, then the device driver's own hook. */
static enum vdrv_hook_action chained_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	struct xstate *x = ctx;
	enum vdrv_hook_action a = init_hook(ctx, drv, s);

	if (a != VDRV_PROCEED || !x->drv_hook)
		return a;
	return x->drv_hook(x->drv_hook_ctx, drv, s);
}

void xdetach(struct xstate *x)
{
	x->rng_attached = false;
	if (x->blk_attached)
		memset(&x->blk, 0, sizeof(x->blk));
	x->blk_attached = false;
	if (x->cons_attached)
		vcons_drv_detach(&x->cons);
	x->cons_attached = false;
	exec_net_detach(x);
	exec_balloon_detach(x);
	exec_gpu_detach(x);
}

static int do_init(struct xstate *x, const struct step_init *in)
{
	struct vdrv_config cfg = x->cfg;
	char st[96];
	int rc;

	x->cur_init = in;
	cfg.use_msix = in ? !in->intx : true;
	rc = vdrv_init(x->pair.drv, &cfg);
	x->cur_init = NULL;
	xdetach(x);
	xpk_reset(x, -1);
	forget_buffers(x); /* the driver's allocator restarted */
	status_str(vdrv_status(x->pair.drv), st, sizeof(st));
	xtrace(x, "  init -> %s, status %s, features 0x%llx", rc ? "failed" : "DRIVER_OK", st,
	       (unsigned long long)vdrv_features(x->pair.drv));
	if (in && in->expect_fail) {
		if (rc == 0)
			return xfail(x, V_FAIL, NULL, "expected initialization to fail; it reached DRIVER_OK");
		return 0;
	}
	if (rc != 0 && (!in || in->stop_before < 0))
		return xfail(x, V_FAIL, NULL, "initialization failed: status %s", st);
	return 0;
}

static int ensure_rng(struct xstate *x)
{
	if (x->rng_attached)
		return 0;
	if (vrng_drv_attach(&x->rng, x->pair.drv, 4096) != 0)
		return xfail(x, V_ERROR, NULL, "case error: rng_read needs an initialized queue 0");
	x->rng_attached = true;
	return 0;
}

/* Liveness: after a reset the device answers a well-formed request. */
static int liveness(struct xstate *x, char *why, size_t n)
{
	struct vdrv_config cfg = x->cfg;

	vdrv_reset(x->pair.drv);
	forget_buffers(x);
	xdetach(x);
	xpk_reset(x, -1);
	cfg.hook = x->drv_hook;
	cfg.hook_ctx = x->drv_hook_ctx;
	if (vdrv_init(x->pair.drv, &cfg) != 0) {
		snprintf(why, n, "re-initialization after reset failed (status 0x%02x)",
			 vdrv_status(x->pair.drv));
		return -1;
	}
	return x->dev->live(x, why, n);
}

static int rng_live(struct xstate *x, char *why, size_t n)
{
	uint8_t b[16];

	if (ensure_rng(x) != 0 || vrng_drv_read(&x->rng, b, sizeof(b)) != (long)sizeof(b)) {
		snprintf(why, n, "no answer to a well-formed request after reset");
		return -1;
	}
	return 0;
}

static const struct exec_device exec_rng_device = {
	.name = "rng", .ops = &vc_rng_device_ops, .config = vrng_drv_config, .live = rng_live,
};

const struct exec_device *exec_device_find(const char *name)
{
	static const struct exec_device *const table[] = {
		&exec_rng_device, &exec_blk_device, &exec_console_device,
		&exec_net_device, &exec_balloon_device, &exec_gpu_device, &exec_fs_device,
	};
	size_t i;

	if (!strcmp(name, "core"))
		return &exec_rng_device; /* transport and ring cases run on rng */
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	return NULL;
}

/* ----------------------------------------------------------- expectations */

bool xcmp_ok(const struct case_cmp *c, uint64_t v)
{
	return (!c->has_eq || v == c->eq) && (!c->has_min || v >= c->min) &&
	       (!c->has_max || v <= c->max);
}

void xcmp_str(const struct case_cmp *c, char *buf, size_t n)
{
	if (c->has_eq)
		snprintf(buf, n, "== %llu", (unsigned long long)c->eq);
	else if (c->has_min && c->has_max)
		snprintf(buf, n, "in [%llu, %llu]", (unsigned long long)c->min,
			 (unsigned long long)c->max);
	else if (c->has_min)
		snprintf(buf, n, ">= %llu", (unsigned long long)c->min);
	else
		snprintf(buf, n, "<= %llu", (unsigned long long)c->max);
}

static bool has_fatal(const struct vc_findings *f)
{
	uint32_t i;

	for (i = 0; i < f->count; i++)
		if (f->v[i].severity == VC_SEV_FATAL)
			return true;
	return false;
}

/* The latest used element of queue q: *any false when there is none. */
static int last_used(struct xstate *x, uint16_t q, bool *any, uint32_t *id, uint32_t *len)
{
	struct qgeom g;
	const uint8_t *u;
	uint16_t idx, slot;

	if (x->p->packed) {
		if (xpk_scan_used(x, q))
			return -1;
		*any = x->pk[q].have_last;
		*id = x->pk[q].last_id;
		*len = x->pk[q].last_len;
		return 0;
	}
	if (xqueue_geom(x, q, &g))
		return -1;
	u = gm_translate(x->pair.drv_mem, g.used, virtq_used_bytes(g.size), GM_READ);
	if (!u)
		return xfail(x, V_ERROR, NULL, "case error: used ring not in guest memory");
	idx = rd16(u + USED_IDX);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	slot = (uint16_t)(idx - 1) & (g.size - 1);
	*any = idx != 0;
	*id = rd32(u + USED_ID(slot));
	*len = rd32(u + USED_LEN(slot));
	return 0;
}

static int check_buffer(struct xstate *x, const struct step_expect *e)
{
	struct named *b = xbuf_find(x, e->buffer);
	const uint8_t *p;
	uint32_t i, changed = 0;

	if (!b)
		return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", e->buffer);
	p = gm_translate(x->pair.drv_mem, b->gpa, b->size, GM_READ);
	for (i = 0; i < b->size; i++)
		changed += p[i] != b->fill;
	if (e->buffer_untouched && changed)
		return xfail(x, V_FAIL, NULL, "buffer '%s': expected untouched, %u of %u bytes changed",
			    b->name, changed, b->size);
	if (e->buffer_changed && !changed)
		return xfail(x, V_FAIL, NULL, "buffer '%s': expected written, it is untouched",
			    b->name);
	for (i = 0; i < e->buffer_n; i++)
		if (i >= b->size || p[i] != e->buffer_bytes[i])
			return xfail(x, V_FAIL, NULL, "buffer '%s' byte %u: expected 0x%02x, observed 0x%02x",
				    b->name, i, e->buffer_bytes[i], i < b->size ? p[i] : 0);
	return 0;
}

static int check_wrote_only_writable(struct xstate *x, uint16_t q)
{
	struct qgeom g;
	unsigned i;
	uint64_t n;

	if (!x->tracking)
		return xfail(x, V_ERROR, NULL, "case error: write tracking is off");
	if (xqueue_geom(x, q, &g))
		return -1;
	/* devicenormative: Descriptor Table -- no writes to descriptors,
	 * nor to the driver area. A packed ring's device writes its used
	 * descriptors into the ring itself, so only the driver area counts. */
	if (!x->p->packed) {
		n = gm_track_count(x->pair.dev_mem, g.desc, virtq_desc_bytes(g.size));
		if (n)
			return xfail(x, V_FAIL, CL_DEV_DESC,
				     "device wrote %llu bytes of the descriptor table",
				     (unsigned long long)n);
	}
	n = gm_track_count(x->pair.dev_mem, g.avail,
			   x->p->packed ? 4 : virtq_avail_bytes(g.size));
	if (n)
		return xfail(x, V_FAIL, x->p->packed ? CL_DEV_PDESC : CL_DEV_DESC,
			     "device wrote %llu bytes of the %s", (unsigned long long)n,
			     x->p->packed ? "driver event suppression area" : "available ring");
	for (i = 0; i < x->nbufs; i++) {
		const struct named *b = &x->bufs[i];

		if (b->posted_writable)
			continue;
		n = gm_track_count(x->pair.dev_mem, b->gpa, b->size);
		if (n)
			return xfail(x, V_FAIL, CL_DEV_DESC,
				    "device wrote %llu bytes of '%s', never posted device-writable",
				    (unsigned long long)n, b->name);
	}
	return 0;
}

/* devicenormative: The Virtqueue Used Ring -- the device wrote at least len
 * bytes (from the first writable buffer, here the named one) before it
 * published the used element. */
static int check_used_len_written(struct xstate *x, uint16_t q, const char *name)
{
	struct named *b = xbuf_find(x, name);
	uint32_t id, len;
	uint64_t written;
	bool any;

	if (!b)
		return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", name);
	if (!x->tracking)
		return xfail(x, V_ERROR, NULL, "case error: write tracking is off");
	if (last_used(x, q, &any, &id, &len))
		return -1;
	if (!any)
		return xfail(x, V_FAIL, NULL, "no used entry was written");
	if (len > b->size)
		return xfail(x, V_FAIL, x->p->packed ? CL_DEV_PDESC : CL_DEV_USED,
			     "used len %u exceeds buffer '%s' (%u bytes)", len, b->name, b->size);
	written = gm_track_count(x->pair.dev_mem, b->gpa, len);
	if (written != len)
		return xfail(x, V_FAIL, x->p->packed ? CL_DEV_PDESC : CL_DEV_USED,
			     "used len %u, but the device wrote only %llu of those bytes of '%s'", len,
			     (unsigned long long)written, b->name);
	return 0;
}

static int check_expect(struct xstate *x, const struct case_step *s)
{
	const struct step_expect *e = &s->u.expect;
	const struct vc_findings *fdev = vdev_findings(x->pair.core);
	const struct vc_findings *fdrv = vdrv_findings(x->pair.drv);
	uint8_t st = vdrv_status(x->pair.drv);
	char buf[96], cb[64];
	unsigned i;

	/* what the device did to guest memory first: it is the most direct
	 * evidence, and names the clause a wrong write breaks */
	if (e->has_device_wrote_only_writable && check_wrote_only_writable(x, s->queue))
		return -1;
	if (e->has_used_len_written && check_used_len_written(x, s->queue, e->used_len_written))
		return -1;
	status_str(st, buf, sizeof(buf));
	if (e->has_status_set && (st & e->status_set) != e->status_set) {
		char want[96];

		status_str(e->status_set, want, sizeof(want));
		return xfail(x, V_FAIL, NULL, "status: expected %s set, observed %s", want, buf);
	}
	if (e->has_status_clear && (st & e->status_clear)) {
		char want[96];

		status_str(e->status_clear, want, sizeof(want));
		return xfail(x, V_FAIL, NULL, "status: expected %s clear, observed %s", want, buf);
	}
	if (e->has_negotiated_has || e->has_negotiated_lacks) {
		uint64_t f = vdev_negotiated_features(x->pair.core);

		if (e->has_negotiated_has && (f & e->negotiated_has) != e->negotiated_has)
			return xfail(x, V_FAIL, NULL,
				    "negotiated features 0x%llx lack 0x%llx",
				    (unsigned long long)f,
				    (unsigned long long)(e->negotiated_has & ~f));
		if (e->has_negotiated_lacks && (f & e->negotiated_lacks))
			return xfail(x, V_FAIL, NULL, "negotiated features 0x%llx include 0x%llx",
				    (unsigned long long)f,
				    (unsigned long long)(f & e->negotiated_lacks));
	}
	/* a target that cannot name a clause (device.h: VC_FAIL_REFUSED) meets
	 * an expected device violation by refusing the buffers */
	for (i = 0; i < e->n_device_violation; i++)
		if (vc_findings_find(fdev, e->device_violation[i]) < 0 &&
		    vc_findings_find(fdev, VC_FAIL_REFUSED) < 0)
			return xfail(x, V_FAIL, e->device_violation[i],
				    "the device recorded no violation of %s (%u findings%s%s)",
				    e->device_violation[i], fdev->count, fdev->count ? ", first: " : "",
				    fdev->count ? fdev->v[0].clause : "");
	for (i = 0; i < e->n_driver_violation; i++)
		if (vc_findings_find(fdrv, e->driver_violation[i]) < 0)
			return xfail(x, V_FAIL, e->driver_violation[i],
				    "the driver recorded no violation of %s (%u findings%s%s)",
				    e->driver_violation[i], fdrv->count, fdrv->count ? ", first: " : "",
				    fdrv->count ? fdrv->v[0].clause : "");
	if (e->has_no_findings && (fdev->count || fdrv->count)) {
		const struct vc_violation *v = fdev->count ? &fdev->v[0] : &fdrv->v[0];

		return xfail(x, V_FAIL, v->clause, "expected no findings; the %s recorded %s: %s",
			    fdev->count ? "device" : "driver", v->clause, v->msg);
	}
	if (e->has_no_fatal && (has_fatal(fdev) || has_fatal(fdrv) || vdev_broken(x->pair.core)))
		return xfail(x, V_FAIL, NULL, "expected no fatal violation; device status %s", buf);
	if (e->has_used_idx) {
		uint16_t idx = 0;

		if (used_idx_now(x, s->queue, &idx))
			return -1;
		if (idx != e->used_idx)
			return xfail(x, V_FAIL, NULL, "used idx: expected %u, observed %u", e->used_idx,
				     idx);
	}
	if (e->has_used_len || e->has_used_id) {
		uint32_t id, len;
		bool any;

		if (last_used(x, s->queue, &any, &id, &len))
			return -1;
		if (!any && !e->has_used_idx)
			return xfail(x, V_FAIL, NULL, "no used entry was written");
		if (e->has_used_len && !xcmp_ok(&e->used_len, len)) {
			xcmp_str(&e->used_len, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "used len: expected %s, observed %u", cb, len);
		}
		if (e->has_used_id && id != e->used_id)
			return xfail(x, V_FAIL, NULL, "used id: expected %u, observed %u", e->used_id,
				     id);
	}
	if (e->has_refused) {
		uint16_t idx = 0;

		if (used_idx_now(x, s->queue, &idx))
			return -1;
		if (!(st & VIRTIO_STATUS_DEVICE_NEEDS_RESET) && idx != x->used_at_kick[s->queue])
			return xfail(x, V_FAIL, NULL,
				    "expected the device to refuse (DEVICE_NEEDS_RESET or no used entry); "
				    "status %s, used idx %u -> %u", buf, x->used_at_kick[s->queue], idx);
	}
	if (e->has_driver_broken) {
		vq_drv_t *vq = vdrv_queue(x->pair.drv, s->queue);
		bool broken = vdrv_broken(x->pair.drv) || (vq && vq_drv_broken(vq));

		if (broken != e->driver_broken)
			return xfail(x, V_FAIL, NULL, "driver queue %u: expected %s, observed %s",
				    s->queue, e->driver_broken ? "broken" : "working",
				    broken ? "broken" : "working");
	}
	if (e->has_irq_queue) {
		uint64_t n = vdrv_irq_stats(x->pair.drv)->queue[s->queue];

		if (!xcmp_ok(&e->irq_queue, n)) {
			xcmp_str(&e->irq_queue, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "queue %u interrupts: expected %s, observed %llu",
				    s->queue, cb, (unsigned long long)n);
		}
	}
	if (e->has_irq_config) {
		uint64_t n = vdrv_irq_stats(x->pair.drv)->config;

		if (!xcmp_ok(&e->irq_config, n)) {
			xcmp_str(&e->irq_config, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "config interrupts: expected %s, observed %llu", cb,
				    (unsigned long long)n);
		}
	}
	if (e->has_notifies) {
		uint64_t n = vdev_stats(x->pair.core)->notifies;

		if (!xcmp_ok(&e->notifies, n)) {
			xcmp_str(&e->notifies, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "notifications accepted: expected %s, observed %llu",
				    cb, (unsigned long long)n);
		}
	}
	if (e->has_buffer && check_buffer(x, e))
		return -1;
	if (e->blk && exec_blk_expect(x, e))
		return -1;
	if (e->console && exec_console_expect(x, e))
		return -1;
	if (e->net && exec_net_expect(x, e))
		return -1;
	if (e->balloon && exec_balloon_expect(x, e))
		return -1;
	if (e->gpu && exec_gpu_expect(x, e))
		return -1;

	if (e->has_live) {
		char why[160];

		if (liveness(x, why, sizeof(why)) != 0)
			return xfail(x, V_FAIL, NULL, "liveness: %s", why);
		xtrace(x, "  liveness: reset, re-init and a well-formed request succeeded");
	}
	return 0;
}

/* ----------------------------------------------------------------- steps */

static int write_desc(struct xstate *x, const struct case_desc *d, struct virtq_desc *out,
		      uint8_t fields, const struct virtq_desc *old)
{
	uint64_t gpa = old ? le64_to_cpu(old->addr) : 0;
	uint32_t size = 0, len = old ? le32_to_cpu(old->len) : 0;

	if ((fields & 1) && xresolve(x, &d->addr, &gpa, &size))
		return -1;
	if (fields & 2)
		len = d->len;
	else if ((fields & 1) && d->addr.name[0])
		len = size - (uint32_t)d->addr.value; /* the rest of the named buffer */
	out->addr = cpu_to_le64(gpa);
	out->len = cpu_to_le32(len);
	out->flags = (fields & 4) ? cpu_to_le16(d->flags) : (old ? old->flags : cpu_to_le16(0));
	out->next = (fields & 8) ? cpu_to_le16(d->next) : (old ? old->next : cpu_to_le16(0));
	if ((fields & 1) && d->addr.name[0] && (d->flags & VIRTQ_DESC_F_WRITE)) {
		struct named *b = xbuf_find(x, d->addr.name);

		if (b)
			b->posted_writable = true;
	}
	return 0;
}

static int do_post(struct xstate *x, const struct case_step *s)
{
	const struct step_post *p = &s->u.post;
	struct vq_buf out[CASE_MAX_LIST], in[CASE_MAX_LIST];
	vq_drv_t *vq = vdrv_queue(x->pair.drv, s->queue);
	unsigned i;
	int head;

	if (!vq)
		return xfail(x, V_ERROR, NULL, "case error: queue %u is not initialized", s->queue);
	for (i = 0; i < p->n_out + p->n_in; i++) {
		const struct case_seg *g = i < p->n_out ? &p->out[i] : &p->in[i - p->n_out];
		struct vq_buf *b = i < p->n_out ? &out[i] : &in[i - p->n_out];
		struct named *nb = xbuf_find(x, g->buf);

		if (!nb)
			return xfail(x, V_ERROR, NULL, "case error: no buffer named '%s'", g->buf);
		b->gpa = nb->gpa + g->offset;
		b->len = g->len;
		if (i >= p->n_out)
			nb->posted_writable = true;
	}
	head = vq_drv_add(vq, out, p->n_out, in, p->n_in, x, p->indirect);
	if (head >= 0) {
		vq_drv_kick_prepare(vq);
		if (x->p->packed) /* head is the buffer id */
			xpk_posted(x, s->queue, (uint16_t)head,
				   (uint16_t)(p->indirect ? 1 : p->n_out + p->n_in));
	}
	xtrace(x, "  post -> head %d", head);
	if (p->expect_fail != (head < 0))
		return xfail(x, V_FAIL, NULL, "post: expected %s, observed %s",
			    p->expect_fail ? "refusal" : "success", head < 0 ? "refusal" : "success");
	return 0;
}

static enum vdrv_space drv_space(enum reg_space s)
{
	switch (s) {
	case SPACE_DEVICE: return VDRV_SPACE_DEVICE;
	case SPACE_NOTIFY: return VDRV_SPACE_NOTIFY;
	case SPACE_ISR: return VDRV_SPACE_ISR;
	default: return VDRV_SPACE_COMMON;
	}
}

/* A device property a read or write step names (enum reg_sym), as the
 * device core presents the device under test. */
static uint64_t reg_sym_value(struct xstate *x, enum reg_sym sym)
{
	switch (sym) {
	case REG_SYM_DEVICE_ID:
		return vdev_ops(x->pair.core)->device_id;
	case REG_SYM_NUM_QUEUES:
		return vdev_num_queues(x->pair.core);
	case REG_SYM_QUEUE_SIZE_MAX:
		return vdev_queue_size_max(x->pair.core, 0);
	case REG_SYM_NONE:
		break;
	}
	return 0;
}

static int run_step(struct xstate *x, const struct case_step *s)
{
	vdrv_t *d = x->pair.drv;
	struct qgeom g;

	switch (s->kind) {
	case ST_INIT:
		return do_init(x, &s->u.init);
	case ST_RESET:
		vdrv_reset(d);
		forget_buffers(x);
		xdetach(x);
		xpk_reset(x, -1);
		xtrace(x, "  reset -> status 0x%02x", vdrv_status(d));
		return 0;
	case ST_WRITE:
	case ST_READ: {
		const struct step_reg *r = &s->u.reg;
		enum vdrv_space sp = drv_space(r->space);
		uint32_t off = r->offset;
		unsigned width = r->width;
		uint64_t v = 0, value = r->value;
		struct case_cmp expect = r->expect;

		/* on virtio-mmio a named register is its MMIO twin (the
		 * loader refused names without one); device configuration
		 * keeps its offsets */
		if (x->p->mmio && r->space != SPACE_DEVICE) {
			sp = VDRV_SPACE_COMMON;
			off = (uint32_t)r->mmio_offset;
			width = r->mmio_width;
		}
		if (r->value_sym)
			value = reg_sym_value(x, r->value_sym);
		if (r->expect_sym) {
			memset(&expect, 0, sizeof(expect));
			expect.has_eq = true;
			expect.eq = reg_sym_value(x, r->expect_sym);
		}
		if (s->kind == ST_WRITE) {
			if (r->space == SPACE_PCI_CFG)
				vdrv_pci_cfg_write(d, off, width, (uint32_t)value);
			else
				vdrv_space_write(d, sp, off, width, value);
			xtrace(x, "  write space %d offset 0x%x width %u value 0x%llx", r->space, off,
			       width, (unsigned long long)value);
			return 0;
		}
		v = r->space == SPACE_PCI_CFG ? vdrv_pci_cfg_read(d, off, width)
					      : vdrv_space_read(d, sp, off, width);
		xtrace(x, "  read space %d offset 0x%x width %u -> 0x%llx", r->space, off, width,
		       (unsigned long long)v);
		if (r->has_expect && !xcmp_ok(&expect, v & r->mask)) {
			char cb[64];

			xcmp_str(&expect, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "read offset 0x%x: expected %s, observed 0x%llx",
				     off, cb, (unsigned long long)(v & r->mask));
		}
		return 0;
	}
	case ST_BUFFER:
		return xbuf_new(x, s->u.buffer.name, s->u.buffer.size, s->u.buffer.fill, 16,
			       s->u.buffer.region) ? 0 : -1;
	case ST_TABLE: {
		const struct step_table *t = &s->u.table;
		struct named *b = xbuf_new(x, t->name, 16u * t->n, 0, 16, -1);
		uint8_t *tab;
		unsigned i;

		if (!b)
			return -1;
		tab = gm_translate(x->pair.drv_mem, b->gpa, b->size, GM_WRITE);
		for (i = 0; i < t->n; i++) {
			struct virtq_desc nd;

			if (t->packed) {
				if (xpk_encode(x, &t->e[i], t->id[i], t->e[i].flags, tab + 16u * i))
					return -1;
				continue;
			}
			if (write_desc(x, &t->e[i], &nd, 0xf, NULL))
				return -1;
			memcpy(tab + 16u * i, &nd, sizeof(nd));
		}
		return 0;
	}
	case ST_DESC:
	case ST_DESC_REWRITE: {
		bool dev = s->kind == ST_DESC_REWRITE;
		struct virtq_desc nd, old;
		uint8_t *tab;

		if (xqueue_geom(x, s->queue, &g))
			return -1;
		if (s->u.desc.index >= g.size)
			return xfail(x, V_ERROR, NULL, "case error: descriptor %u beyond queue size %u",
				    s->u.desc.index, g.size);
		tab = ring_ptr(x, dev, g.desc, virtq_desc_bytes(g.size));
		if (!tab)
			return -1;
		/* a new descriptor: every field (len from the named buffer when
		 * omitted); a device rewrite: only the fields given */
		memcpy(&old, tab + 16u * s->u.desc.index, sizeof(old));
		if (write_desc(x, &s->u.desc.d, &nd, dev ? s->u.desc.fields : s->u.desc.fields | 0xd,
			       dev ? &old : NULL))
			return -1;
		if (!dev && !(s->u.desc.fields & 2) && !s->u.desc.d.addr.name[0])
			nd.len = cpu_to_le32(0);
		memcpy(tab + 16u * s->u.desc.index, &nd, sizeof(nd));
		xtrace(x, "  desc[%u] = {0x%llx, %u, 0x%x, %u}%s", s->u.desc.index,
		       (unsigned long long)le64_to_cpu(nd.addr), le32_to_cpu(nd.len),
		       le16_to_cpu(nd.flags), le16_to_cpu(nd.next), dev ? " (by the device)" : "");
		return 0;
	}
	case ST_AVAIL:
	case ST_AVAIL_RAW:
	case ST_AVAIL_IDX:
	case ST_AVAIL_FLAGS:
	case ST_USED_EVENT: {
		uint8_t *a;
		unsigned i;
		uint16_t idx = 0;

		if (xqueue_geom(x, s->queue, &g))
			return -1;
		a = ring_ptr(x, false, g.avail, virtq_avail_bytes(g.size));
		if (!a)
			return -1;
		idx = rd16(a + AVAIL_IDX);
		if (s->kind == ST_AVAIL) {
			for (i = 0; i < s->u.avail.n; i++)
				wr16(a + AVAIL_RING((uint16_t)(idx + i) & (g.size - 1)),
				     s->u.avail.heads[i]);
			publish16(a + AVAIL_IDX, (uint16_t)(idx + s->u.avail.n));
			xtrace(x, "  avail: %u heads, idx %u -> %u", s->u.avail.n, idx,
			       (uint16_t)(idx + s->u.avail.n));
		} else if (s->kind == ST_AVAIL_RAW) {
			wr16(a + AVAIL_RING(s->u.avail_raw.slot & (g.size - 1)), s->u.avail_raw.head);
		} else if (s->kind == ST_AVAIL_IDX) {
			publish16(a + AVAIL_IDX, s->u.value16);
			xtrace(x, "  avail idx %u -> %u", idx, s->u.value16);
		} else if (s->kind == ST_AVAIL_FLAGS) {
			publish16(a, s->u.value16);                   /* flags */
		} else {
			publish16(a + AVAIL_RING(g.size), s->u.value16); /* used_event */
		}
		return 0;
	}
	case ST_USED:
	case ST_USED_IDX:
	case ST_USED_FLAGS:
	case ST_AVAIL_EVENT: {
		uint8_t *u;
		unsigned i;
		uint16_t idx = 0;

		if (xqueue_geom(x, s->queue, &g))
			return -1;
		u = ring_ptr(x, true, g.used, virtq_used_bytes(g.size));
		if (!u)
			return -1;
		idx = rd16(u + USED_IDX);
		if (s->kind == ST_USED) {
			for (i = 0; i < s->u.used.n; i++) {
				uint16_t slot = (uint16_t)(idx + i) & (g.size - 1);

				wr32(u + USED_ID(slot), s->u.used.id[i]);
				wr32(u + USED_LEN(slot), s->u.used.len[i]);
			}
			if (s->u.used.publish)
				publish16(u + USED_IDX, (uint16_t)(idx + s->u.used.n));
			xtrace(x, "  used (by the device): %u entries%s", s->u.used.n,
			       s->u.used.publish ? ", published" : "");
		} else if (s->kind == ST_USED_IDX) {
			publish16(u + USED_IDX, s->u.value16);
			xtrace(x, "  used idx (by the device) %u -> %u", idx, s->u.value16);
		} else if (s->kind == ST_USED_FLAGS) {
			publish16(u, s->u.value16);                     /* flags */
		} else {
			publish16(u + USED_ID(g.size), s->u.value16);   /* avail_event */
		}
		return 0;
	}
	case ST_POST:
		return do_post(x, s);
	case ST_KICK: {
		char st[96];
		uint16_t after;

		if (used_idx_now(x, s->queue, &x->used_at_kick[s->queue]))
			return -1;
		x->kicked[s->queue] = true;
		vdrv_notify(d, s->queue);
		after = x->used_at_kick[s->queue];
		used_idx_now(x, s->queue, &after);
		status_str(vdrv_status(d), st, sizeof(st));
		xtrace(x, "  kick q%u -> used idx %u -> %u, status %s", s->queue,
		       x->used_at_kick[s->queue], after, st);
		return 0;
	}
	case ST_RNG_READ: {
		uint8_t buf[4096];
		uint32_t left = s->u.rng.bytes;
		bool ok = true;

		if (ensure_rng(x))
			return -1;
		x->rng.segments = s->u.rng.segments;
		x->rng.indirect = s->u.rng.indirect;
		while (left && ok) {
			uint32_t n = left < sizeof(buf) ? left : (uint32_t)sizeof(buf);

			ok = vrng_drv_read(&x->rng, buf, n) == (long)n;
			left -= n;
		}
		xtrace(x, "  rng_read %u bytes -> %s", s->u.rng.bytes, ok ? "ok" : "failed");
		if (ok == s->u.rng.expect_fail)
			return xfail(x, V_FAIL, NULL, "rng read: expected %s, observed %s",
				    s->u.rng.expect_fail ? "failure" : "success",
				    ok ? "success" : "failure");
		return 0;
	}
	case ST_REAP: {
		vq_drv_t *vq = vdrv_queue(d, s->queue);
		void *tok;
		uint32_t len = 0;
		int rc;

		if (!vq)
			return xfail(x, V_ERROR, NULL, "case error: queue %u is not initialized", s->queue);
		rc = vq_drv_get(vq, &tok, &len);
		xtrace(x, "  reap q%u -> %s len %u", s->queue,
		       rc > 0 ? "entry" : rc == 0 ? "nothing" : "refused (queue broken)", len);
		if (s->u.reap.expect_empty) {
			if (rc != 0)
				return xfail(x, V_FAIL, NULL, "reap: expected nothing, observed %s",
					     rc > 0 ? "an entry" : "a refusal");
			return 0;
		}
		if (s->u.reap.expect_broken != (rc < 0))
			return xfail(x, V_FAIL, NULL, "reap: expected %s, observed %s",
				    s->u.reap.expect_broken ? "the driver to refuse the entry" : "an entry",
				    rc > 0 ? "an entry" : rc == 0 ? "nothing" : "a refusal");
		if (!s->u.reap.expect_broken && rc == 0)
			return xfail(x, V_FAIL, NULL, "reap: no used entry");
		if (rc > 0 && s->u.reap.has_len && !xcmp_ok(&s->u.reap.len, len)) {
			char cb[64];

			xcmp_str(&s->u.reap.len, cb, sizeof(cb));
			return xfail(x, V_FAIL, NULL, "reap: len expected %s, observed %u", cb, len);
		}
		return 0;
	}
	case ST_DEVICE_FAIL: {
		struct vc_violation v;

		vc_violation_set(&v, VC_SEV_FATAL, s->u.fail_clause, VC_NO_QUEUE, VC_NO_INDEX,
				 "scripted by the case");
		vdev_violation(x->pair.core, &v);
		xtrace(x, "  device sets DEVICE_NEEDS_RESET");
		return 0;
	}
	case ST_EXPECT:
		return check_expect(x, s);
	case ST_PACKED_DESC:
	case ST_PACKED_CHAIN:
	case ST_PACKED_USED:
	case ST_PACKED_EVENT:
		return exec_packed_step(x, s);
	case ST_BLK:
		return exec_blk_step(x, s);
	case ST_CONSOLE:
		return exec_console_step(x, s);
	case ST_NET:
		return exec_net_step(x, s);
	case ST_BALLOON:
		return exec_balloon_step(x, s);
	case ST_GPU:
		return exec_gpu_step(x, s);
	case ST_DEVICE_INTERRUPT:
		if (x->pair.mmio)
			vmmio_raise_interrupt(x->pair.mmio, s->u.value16);
		else
			vpci_raise_isr(x->pair.dev, (uint8_t)s->u.value16);
		xtrace(x, "  device raises one interrupt, ISR bits 0x%x", s->u.value16);
		return 0;
	case ST_DRIVER_QUEUE_RESET: {
		int rc = vdrv_queue_reset(d, s->queue, s->u.qreset.size);

		xdetach(x); /* the queue's ring is new */
		xpk_reset(x, s->queue);
		xtrace(x, "  driver resets queue %u -> %s", s->queue, rc ? "failed" : "re-enabled");
		if ((rc != 0) != s->u.qreset.expect_fail)
			return xfail(x, V_FAIL, NULL, "driver queue reset: expected %s, observed %s",
				    s->u.qreset.expect_fail ? "failure" : "success",
				    rc ? "failure" : "success");
		return 0;
	}
	}
	return xfail(x, V_ERROR, NULL, "unknown step");
}

static bool wants_tracking(const struct vc_case *c)
{
	unsigned i;

	for (i = 0; i < c->n_steps; i++)
		if (c->steps[i].kind == ST_EXPECT &&
		    (c->steps[i].u.expect.has_device_wrote_only_writable ||
		     c->steps[i].u.expect.has_used_len_written))
			return true;
	return false;
}

/* The device reported that it broke for a reason that is not the driver's
 * (device.h: VC_FAIL_BROKEN): the point's verdict is ERROR with that
 * reason, whatever a step concluded from the breakage. */
static bool target_broke(struct xstate *x)
{
	const struct vc_findings *f = vdev_findings(x->pair.core);
	int k = vc_findings_find(f, VC_FAIL_BROKEN);

	if (k < 0)
		return false;
	xfail(x, V_ERROR, NULL, "the device under test broke: %s", f->v[k].msg);
	return true;
}

void exec_point(const struct case_point *p, const struct exec_env *env, struct case_outcome *o)
{
	static const struct exec_env no_env;
	const struct vc_target *tg;
	struct xstate *x;
	const struct vc_case *c = p->c;
	struct vdev_params params = { 0 };
	struct vc_pair_opts popts = { 0 };
	struct timespec t0, t1;
	uint64_t needed, offered;
	unsigned i;

	memset(o, 0, sizeof(*o));
	o->failed_step = -1;
	o->clause_index = -1;
	x = calloc(1, sizeof(*x));
	if (!x) {
		o->verdict = V_ERROR;
		snprintf(o->message, sizeof(o->message), "out of memory");
		return;
	}
	x->p = p;
	x->env = env ? env : &no_env;
	x->c = c;
	x->o = o;
	xpk_reset(x, -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	params.extra_features = c->offer_add;
	params.withheld_features = c->offer_remove;
	params.queue_reset_reads = c->queue_reset_delay;
	popts.transport = p->mmio ? VC_TRANSPORT_MMIO : VC_TRANSPORT_PCI;
	popts.params = &params;
	/* a target other than the model: SKIP what it cannot judge, else
	 * the pair is built on its device (x->dev keeps the driver side) */
	tg = x->env->target && x->env->target->kind != VC_TARGET_MODEL ? x->env->target : NULL;
	if (tg) {
		const char *why = vc_target_cannot_run(tg, c);

		if (why) {
			o->verdict = V_SKIP;
			snprintf(o->message, sizeof(o->message), "%s", why);
			free(x);
			return;
		}
	}
	x->dev = vc_target_exec_device(tg, c);
	if (tg) {
		if (!x->dev || vc_pair_open_opts(&x->pair, tg->ops, tg->args[0] ? tg->args : NULL,
						 &popts) != 0) {
			xfail(x, V_ERROR, NULL, "cannot create the device/driver pair on target %s "
			      "(%s)", vc_target_name(tg), x->dev ? "create() failed" :
			      "no reference driver for its device type");
			free(x);
			return;
		}
	} else if (!x->dev || !x->dev->ops || vc_pair_open_opts(&x->pair, x->dev->ops,
						c->device_args[0] ? c->device_args : NULL,
						&popts) != 0) {
		xfail(x, V_ERROR, NULL, "cannot create the %s device/driver pair%s%s", c->device,
		     c->device_args[0] ? " with device_args " : "", c->device_args);
		free(x);
		return;
	}
	offered = vdev_offered_features(x->pair.core);
	needed = c->requires | p->features_on;
	if (needed & ~offered) {
		o->verdict = V_SKIP;
		snprintf(o->message, sizeof(o->message),
			 "the device does not offer features 0x%llx the case needs",
			 (unsigned long long)(needed & ~offered));
		goto out;
	}
	/* the layout is a matrix dimension: a packed point accepts
	 * RING_PACKED (SKIP if not offered), a split point never does */
	if (p->packed) {
		needed |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
		if (needed & ~offered) {
			o->verdict = V_SKIP;
			snprintf(o->message, sizeof(o->message),
				 "the device does not offer RING_PACKED");
			goto out;
		}
	}
	x->dev->config(&x->cfg, ((c->accept | p->features_on) & ~p->features_off &
				 ~VIRTIO_BIT(VIRTIO_F_RING_PACKED)) |
				(p->packed ? VIRTIO_BIT(VIRTIO_F_RING_PACKED) : 0));
	if (vdrv_probe(x->pair.drv, x->cfg.device_id) != 0) {
		xfail(x, V_FAIL, NULL, "the driver could not probe the device");
		goto out;
	}
	if (p->queue_size)
		x->cfg.queue_size = p->queue_size;
	x->drv_hook = x->cfg.hook;
	x->drv_hook_ctx = x->cfg.hook_ctx;
	x->cfg.hook = chained_hook;
	x->cfg.hook_ctx = x;
	if (wants_tracking(c)) {
		gm_track_enable(x->pair.dev_mem, true);
		x->tracking = true;
	}
	o->verdict = V_PASS;
	for (i = 0; i < c->n_steps; i++) {
		const struct case_step *s = &c->steps[i];

		xtrace(x, "step %u (%s, line %u)", i + 1, case_step_name(s->kind), s->pos.line);
		if (run_step(x, s) != 0) {
			o->failed_step = (int)i;
			target_broke(x);
			break;
		}
		if (target_broke(x)) {
			o->failed_step = (int)i;
			break;
		}
	}
out:
	xdetach(x);
	vc_pair_close(&x->pair);
	xpk_free(x);
	free(x);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "PASS", "FAIL", "ERROR", "SKIP", "XFAIL" };

	return (unsigned)v < V_COUNT ? names[v] : "?";
}
