// SPDX-License-Identifier: Apache-2.0
/*
 * The blk device in the model executor: raw requests the harness shapes as a
 * (possibly hostile) driver, the reference driver's operations, the backing
 * store, and -- as a hostile device -- rewritten answers.
 *
 * Raw requests and the reference driver's operations go through the rings
 * only, so they run on any blk target (the model, a plugin, a vhost-user
 * back-end). blk_backing_write, blk_device_answer and the expectations that
 * read the device's state need the built-in model device; target.c SKIPs
 * them elsewhere. blk_device_answer arms the model's test hook
 * (vc_blk_override_next_answer) to replace the status byte and/or the used
 * len of its next completion. That is how a case makes the device answer
 * what the reference driver must refuse; the device still does the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "devices.h"
#include "virtiocheck/virtio.h"

#include "case_blk.h"
#include "exec_priv.h"
#include "target.h"

#define SECTOR VIRTIO_BLK_SECTOR_SIZE

/* ------------------------------------------------------------ helpers */

/*
 * The model blk device, or NULL when the target is another implementation:
 * vdev_device() is then that implementation's private state. Only the steps
 * and expectations target.c lists as model-only use it (it SKIPs them on
 * any other target); the rest go through the reference driver and the
 * rings alone.
 */
static void *model_blk(struct xstate *x)
{
	const struct vc_target *t = x->env->target;

	if (t && t->kind != VC_TARGET_MODEL)
		return NULL;
	return vc_blk_stats(vdev_device(x->pair.core)) ? vdev_device(x->pair.core) : NULL;
}

static int no_model_blk(struct xstate *x, const char *what)
{
	return xfail(x, V_ERROR, NULL, "case error: %s needs the model blk device (the target "
		     "is %s)", what, vc_target_name(x->env->target));
}

static int ensure_blk(struct xstate *x)
{
	if (x->blk_attached)
		return 0;
	if (vblk_drv_attach(&x->blk, x->pair.drv) != 0)
		return xfail(x, V_ERROR, NULL,
			     "case error: blk steps need an initialized blk device (the driver "
			     "could not attach)");
	x->blk_attached = true;
	return 0;
}

/* Remember the used idx before the step's notification, for `refused`. */
static int mark_kick(struct xstate *x, uint16_t q)
{
	struct qgeom g;
	const le16 *idx;

	if (q >= VDRV_MAX_QUEUES || xqueue_geom(x, q, &g))
		return xfail(x, V_ERROR, NULL, "case error: queue %u is not set up", q);
	idx = gm_translate(x->pair.drv_mem, g.used + 2, sizeof(*idx), GM_READ);
	if (!idx)
		return xfail(x, V_ERROR, NULL, "case error: used ring not in guest memory");
	x->used_at_kick[q] = le16_to_cpu(*idx);
	x->kicked[q] = true;
	return 0;
}

static const char *op_name(enum blk_step_op op)
{
	static const char *const names[] = {
		[BLK_OP_REQUEST] = "blk_request", [BLK_OP_READ] = "blk_read",
		[BLK_OP_WRITE] = "blk_write", [BLK_OP_FLUSH] = "blk_flush",
		[BLK_OP_DISCARD] = "blk_discard", [BLK_OP_WRITE_ZEROES] = "blk_write_zeroes",
		[BLK_OP_SECURE_ERASE] = "blk_secure_erase", [BLK_OP_GET_ID] = "blk_get_id",
		[BLK_OP_GET_LIFETIME] = "blk_get_lifetime",
		[BLK_OP_BACKING_WRITE] = "blk_backing_write",
		[BLK_OP_DEVICE_ANSWER] = "blk_device_answer",
	};

	return names[op];
}

static const char *status_name(int st)
{
	switch (st) {
	case VIRTIO_BLK_S_OK: return "OK";
	case VIRTIO_BLK_S_IOERR: return "IOERR";
	case VIRTIO_BLK_S_UNSUPP: return "UNSUPP";
	case -1: return "failure (-1)";
	default: return "a status beyond UNSUPP";
	}
}

/* p[0..n) against d: every byte the fill, then the prefix. */
static int check_data(struct xstate *x, const char *what, const uint8_t *p, uint64_t n,
		      const struct blk_case_data *d)
{
	uint64_t i;

	if (d->has_fill)
		for (i = 0; i < n; i++)
			if (p[i] != d->fill)
				return xfail(x, V_FAIL, NULL,
					     "%s byte %llu: expected 0x%02x (fill), observed 0x%02x",
					     what, (unsigned long long)i, d->fill, p[i]);
	if (d->n > n)
		return xfail(x, V_FAIL, NULL, "%s: expected at least %u bytes, observed %llu", what,
			     d->n, (unsigned long long)n);
	for (i = 0; i < d->n; i++)
		if (p[i] != d->bytes[i])
			return xfail(x, V_FAIL, NULL, "%s byte %llu: expected 0x%02x, observed 0x%02x",
				     what, (unsigned long long)i, d->bytes[i], p[i]);
	return 0;
}

/* ------------------------------------------------------- raw requests */

static void put_le32(uint8_t *p, uint32_t v)
{
	le32 l = cpu_to_le32(v);

	memcpy(p, &l, sizeof(l));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	le64 l = cpu_to_le64(v);

	memcpy(p, &l, sizeof(l));
}

/* header (cut to b->header bytes), ranges, out_data bytes of fill */
static uint32_t build_out(const struct step_blk *b, uint8_t *out)
{
	uint8_t hdr[16];
	uint32_t len = b->header;
	unsigned i;

	put_le32(hdr, b->type);
	put_le32(hdr + 4, b->reserved);
	put_le64(hdr + 8, b->sector);
	memcpy(out, hdr, b->header);
	for (i = 0; i < b->n_ranges; i++, len += 16) {
		put_le64(out + len, b->ranges[i].sector);
		put_le32(out + len + 8, b->ranges[i].num_sectors);
		put_le32(out + len + 12, b->ranges[i].flags);
	}
	memset(out + len, b->fill, b->out_data);
	return len + b->out_data;
}

static bool status_allowed(const struct step_blk *b, uint8_t st)
{
	unsigned i;

	for (i = 0; i < b->n_statuses && i < BLK_CASE_MAX_STATUSES; i++)
		if (b->statuses[i] == st)
			return true;
	return false;
}

/* "IOERR (1) or UNSUPP (2)" */
static const char *statuses_str(const struct step_blk *b, char *buf, size_t n)
{
	size_t len = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < b->n_statuses && i < BLK_CASE_MAX_STATUSES && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s (%u)", i ? " or " : "",
				 status_name(b->statuses[i]), b->statuses[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}

static int check_answer(struct xstate *x, const struct step_blk *b, int rc,
			const struct vblk_raw_result *res, const uint8_t *in)
{
	char cb[96];

	if (!b->answered) {
		if (rc != 0)
			return xfail(x, V_FAIL, NULL,
				     "expected the device not to use the request; it did (used len %u)",
				     res->used_len);
		return 0;
	}
	if (rc != 1)
		return xfail(x, V_FAIL, NULL, "the device did not use the request");
	if (b->has_status && (!b->status_byte || !status_allowed(b, res->status)))
		return xfail(x, V_FAIL, NULL, "status byte: expected %s, observed %s (%u)",
			     statuses_str(b, cb, sizeof(cb)), status_name(res->status),
			     res->status);
	if (b->has_len && !xcmp_ok(&b->len, res->used_len)) {
		xcmp_str(&b->len, cb, sizeof(cb));
		return xfail(x, V_FAIL, NULL, "used len: expected %s, observed %u", cb,
			     res->used_len);
	}
	if (b->has_data)
		return check_data(x, "returned data", in, b->in_data, &b->data);
	return 0;
}

static int do_request(struct xstate *x, const struct step_blk *b)
{
	uint32_t out_cap = 16 + 16 * BLK_CASE_MAX_RANGES + b->out_data;
	uint32_t in_len = b->in_data + (b->status_byte ? 1 : 0);
	uint8_t *out = calloc(1, out_cap), *in = calloc(1, in_len + 1);
	struct vblk_raw r = {
		.queue = b->queue, .indirect = b->indirect, .in_len = in_len,
		.out_cuts = b->out_cuts, .n_out_cuts = b->n_out_cuts,
		.in_cuts = b->in_cuts, .n_in_cuts = b->n_in_cuts,
	};
	struct vblk_raw_result res;
	int rc = -1;

	if (!out || !in) {
		rc = xfail(x, V_ERROR, NULL, "out of memory");
		goto out;
	}
	r.out = out;
	r.out_len = build_out(b, out);
	if (mark_kick(x, b->queue))
		goto out;
	rc = vblk_drv_submit_raw(&x->blk, &r, in, &res);
	xtrace(x, "  blk_request q%u type %u sector %llu: %u readable, %u writable -> %s, "
	       "used len %u, status 0x%02x", b->queue, b->type, (unsigned long long)b->sector,
	       r.out_len, in_len, rc == 1 ? "used" : rc == 0 ? "not used" : "not posted",
	       res.used_len, res.status);
	if (rc < 0) {
		rc = xfail(x, V_ERROR, NULL,
			   "case error: the request could not be posted (parts beyond the "
			   "request buffer, cuts beyond a part, too many descriptors, indirect "
			   "not negotiated, or an earlier request never completed)");
		goto out;
	}
	rc = check_answer(x, b, rc, &res, in);
out:
	free(out);
	free(in);
	return rc;
}

/* ------------------------------------------------ driver operations */

static int op_ranges(struct xstate *x, const struct step_blk *b)
{
	struct vblk_range r[BLK_CASE_MAX_RANGES];
	unsigned i;

	for (i = 0; i < b->n_ranges; i++)
		r[i] = (struct vblk_range){ b->ranges[i].sector, b->ranges[i].num_sectors };
	switch (b->op) {
	case BLK_OP_DISCARD:
		return vblk_drv_discard(&x->blk, b->queue, r, b->n_ranges);
	case BLK_OP_WRITE_ZEROES:
		return vblk_drv_write_zeroes(&x->blk, b->queue, r, b->n_ranges, b->unmap);
	default:
		return vblk_drv_secure_erase(&x->blk, b->queue, r, b->n_ranges);
	}
}

static int check_id(struct xstate *x, const struct step_blk *b, const char *id)
{
	char want[BLK_CASE_ID_BYTES];

	memset(want, 0, sizeof(want));
	memcpy(want, b->id, strlen(b->id));
	if (memcmp(want, id, sizeof(want)))
		return xfail(x, V_FAIL, NULL, "device ID: expected \"%s\" NUL-padded, observed "
			     "\"%.20s\"", b->id, id);
	return 0;
}

static int check_lifetime(struct xstate *x, const struct step_blk *b,
			  const struct vblk_lifetime *lt)
{
	if (lt->pre_eol_info != b->lifetime[0] || lt->device_lifetime_est_typ_a != b->lifetime[1] ||
	    lt->device_lifetime_est_typ_b != b->lifetime[2])
		return xfail(x, V_FAIL, NULL, "lifetime: expected %u/%u/%u, observed %u/%u/%u",
			     b->lifetime[0], b->lifetime[1], b->lifetime[2], lt->pre_eol_info,
			     lt->device_lifetime_est_typ_a, lt->device_lifetime_est_typ_b);
	return 0;
}

static int check_result(struct xstate *x, const struct step_blk *b, int rc)
{
	uint8_t want = b->has_status ? b->status : VIRTIO_BLK_S_OK;

	if (b->expect_fail && rc != -1)
		return xfail(x, V_FAIL, NULL,
			     "expected the driver to refuse or fail the operation; it returned %s",
			     status_name(rc));
	if (!b->expect_fail && rc != want)
		return xfail(x, V_FAIL, NULL, "expected status %s, the operation returned %s",
			     status_name(want), status_name(rc));
	return 0;
}

/* One operation of the reference driver; the data it read goes to io. */
static int run_op(struct xstate *x, const struct step_blk *b, uint8_t *io, char *id,
		  struct vblk_lifetime *lt)
{
	struct vblk_drv *d = &x->blk;

	switch (b->op) {
	case BLK_OP_READ:
		return vblk_drv_read(d, b->queue, b->sector, io, b->sectors);
	case BLK_OP_WRITE:
		memset(io, b->fill, (size_t)b->sectors * SECTOR);
		return vblk_drv_write(d, b->queue, b->sector, io, b->sectors);
	case BLK_OP_FLUSH:
		return vblk_drv_flush(d, b->queue);
	case BLK_OP_GET_ID:
		return vblk_drv_get_id(d, b->queue, id);
	case BLK_OP_GET_LIFETIME:
		return vblk_drv_get_lifetime(d, b->queue, lt);
	default:
		return op_ranges(x, b);
	}
}

/* What a successful operation returned: data read, ID, lifetime. */
static int check_outputs(struct xstate *x, const struct step_blk *b, const uint8_t *io,
			 const char *id, const struct vblk_lifetime *lt)
{
	if (b->has_data && io &&
	    check_data(x, "data read", io, (uint64_t)b->sectors * SECTOR, &b->data))
		return -1;
	if (b->has_id && check_id(x, b, id))
		return -1;
	if (b->has_lifetime && check_lifetime(x, b, lt))
		return -1;
	return 0;
}

static int do_op(struct xstate *x, const struct step_blk *b)
{
	struct vblk_lifetime lt = { 0 };
	char id[VIRTIO_BLK_ID_BYTES] = { 0 };
	uint8_t *io = NULL;
	int rc, ret;

	if (b->op == BLK_OP_READ || b->op == BLK_OP_WRITE) {
		io = malloc((size_t)b->sectors * SECTOR);
		if (!io)
			return xfail(x, V_ERROR, NULL, "out of memory");
	}
	x->blk.segments = b->segments;
	x->blk.seg_state = b->seed;
	x->blk.indirect = b->indirect;
	ret = mark_kick(x, b->queue);
	if (!ret) {
		rc = run_op(x, b, io, id, &lt);
		xtrace(x, "  %s q%u sector %llu x%u -> %s", op_name(b->op), b->queue,
		       (unsigned long long)b->sector, b->sectors, status_name(rc));
		ret = check_result(x, b, rc);
		if (!ret && rc == VIRTIO_BLK_S_OK)
			ret = check_outputs(x, b, io, id, &lt);
	}
	free(io);
	return ret;
}

/* -------------------------------------------------------- other steps */

static int do_backing_write(struct xstate *x, void *dev, const struct step_blk *b)
{
	uint64_t n = (uint64_t)b->sectors * SECTOR;
	uint8_t *p = malloc(n);
	int rc;

	if (!p)
		return xfail(x, V_ERROR, NULL, "out of memory");
	memset(p, b->fill, n);
	rc = b->sector > UINT64_MAX / SECTOR ? -1 :
	     vc_blk_backing_write(dev, b->sector * SECTOR, p, n);
	free(p);
	xtrace(x, "  backing store: sectors %llu..+%u = 0x%02x%s", (unsigned long long)b->sector,
	       b->sectors, b->fill, rc ? " (out of range)" : "");
	if (rc)
		return xfail(x, V_ERROR, NULL, "case error: sectors %llu..+%u are not on the disk",
			     (unsigned long long)b->sector, b->sectors);
	return 0;
}

static int do_device_answer(struct xstate *x, void *dev, const struct step_blk *b)
{
	int status = b->answer_status ? b->answer_status_val : -1;
	int64_t used_len = b->answer_len ? (int64_t)b->answer_len_val : -1;

	if (vc_blk_override_next_answer(dev, status, used_len) != 0)
		return xfail(x, V_ERROR, NULL,
			     "case error: the blk device is not the built-in model");
	if (b->answer_status)
		xtrace(x, "  the device's next answer: status byte 0x%02x", b->answer_status_val);
	if (b->answer_len)
		xtrace(x, "  the device's next answer: used len %u", b->answer_len_val);
	return 0;
}

int exec_blk_step(struct xstate *x, const struct case_step *s)
{
	const struct step_blk *b = s->u.blk;

	if (x->dev != &exec_blk_device)
		return xfail(x, V_ERROR, NULL, "case error: blk steps need device blk");
	if (b->op == BLK_OP_BACKING_WRITE || b->op == BLK_OP_DEVICE_ANSWER) {
		void *dev = model_blk(x);

		if (!dev)
			return no_model_blk(x, op_name(b->op));
		return b->op == BLK_OP_BACKING_WRITE ? do_backing_write(x, dev, b)
						     : do_device_answer(x, dev, b);
	}
	if (ensure_blk(x))
		return -1;
	if (b->queue >= x->blk.num_queues)
		return xfail(x, V_ERROR, NULL, "case error: queue %u is not a request queue the "
			     "driver set up (%u)", b->queue, x->blk.num_queues);
	if (b->op == BLK_OP_REQUEST)
		return do_request(x, b);
	return do_op(x, b);
}

/* ------------------------------------------------------- expectations */

static uint64_t counter(const struct vc_blk_stats *st, enum blk_counter c)
{
	switch (c) {
	case BLK_CNT_BACKING_WRITTEN: return st->backing_bytes_written;
	case BLK_CNT_DRIVER_ERRORS: return st->driver_errors;
	case BLK_CNT_MALFORMED: return st->malformed;
	case BLK_CNT_SYNCS: return st->syncs;
	case BLK_CNT_CONFIG_WRITES_IGNORED: return st->config_writes_ignored;
	case BLK_CNT_WRITEBACK_READ_EARLY: return st->writeback_read_early;
	case BLK_CNT_IGNORED_NOTIFIES: return st->ignored_notifies;
	}
	return 0;
}

static const char *const counter_label[] = {
	[BLK_CNT_BACKING_WRITTEN] = "backing bytes written",
	[BLK_CNT_DRIVER_ERRORS] = "requests refused for a driver error",
	[BLK_CNT_MALFORMED] = "malformed requests",
	[BLK_CNT_SYNCS] = "backing syncs",
	[BLK_CNT_CONFIG_WRITES_IGNORED] = "config bytes written and ignored",
	[BLK_CNT_WRITEBACK_READ_EARLY] = "reads of writeback before FEATURES_OK",
	[BLK_CNT_IGNORED_NOTIFIES] = "notifications of non-request queues",
};

static int check_cmp(struct xstate *x, const char *what, const struct case_cmp *c, uint64_t v)
{
	char cb[64];

	if (xcmp_ok(c, v))
		return 0;
	xcmp_str(c, cb, sizeof(cb));
	return xfail(x, V_FAIL, NULL, "%s: expected %s, observed %llu", what, cb,
		     (unsigned long long)v);
}

static int check_backing(struct xstate *x, void *dev, const struct expect_blk *e)
{
	uint64_t n = (uint64_t)e->backing_sectors * SECTOR;
	uint8_t *p = malloc(n);
	char what[64];
	int rc;

	if (!p)
		return xfail(x, V_ERROR, NULL, "out of memory");
	if (e->backing_sector > UINT64_MAX / SECTOR ||
	    vc_blk_backing_read(dev, e->backing_sector * SECTOR, p, n) != 0) {
		free(p);
		return xfail(x, V_ERROR, NULL, "case error: sectors %llu..+%u are not on the disk",
			     (unsigned long long)e->backing_sector, e->backing_sectors);
	}
	snprintf(what, sizeof(what), "backing store at sector %llu",
		 (unsigned long long)e->backing_sector);
	rc = check_data(x, what, p, n, &e->backing);
	free(p);
	return rc;
}

static uint64_t completed(const struct vc_blk_stats *st, const struct expect_blk *e)
{
	const uint64_t *slot = st->requests[vc_blk_type_slot(e->completed_type)];

	if (e->completed_has_status)
		return slot[e->completed_status];
	return slot[0] + slot[1] + slot[2];
}

/* backing, the counters, completed, queue_requests, writeback */
static bool reads_model(const struct expect_blk *b)
{
	return b->has_backing || b->n_counters || b->has_completed || b->has_queue_requests ||
	       b->has_writeback;
}

/* What the model device's own state says (target.c: model-only). */
static int expect_model(struct xstate *x, void *dev, const struct expect_blk *b)
{
	const struct vc_blk_stats *st = vc_blk_stats(dev);
	unsigned i;
	char what[96];

	for (i = 0; i < b->n_counters; i++)
		if (check_cmp(x, counter_label[b->counters[i].which], &b->counters[i].cmp,
			      counter(st, b->counters[i].which)))
			return -1;
	if (b->has_completed) {
		snprintf(what, sizeof(what), "requests of type %u completed%s%s", b->completed_type,
			 b->completed_has_status ? " with " : "",
			 b->completed_has_status ? status_name(b->completed_status) : "");
		if (check_cmp(x, what, &b->completed, completed(st, b)))
			return -1;
	}
	if (b->has_queue_requests) {
		snprintf(what, sizeof(what), "requests completed on queue %u", b->qr_queue);
		if (check_cmp(x, what, &b->queue_requests, st->per_queue[b->qr_queue]))
			return -1;
	}
	if (b->has_writeback && vc_blk_writeback(dev) != b->writeback)
		return xfail(x, V_FAIL, NULL, "device writeback: expected %u, observed %d",
			     b->writeback, vc_blk_writeback(dev));
	if (b->has_backing && check_backing(x, dev, b))
		return -1;
	return 0;
}

int exec_blk_expect(struct xstate *x, const struct step_expect *e)
{
	const struct expect_blk *b = e->blk;
	void *dev = NULL;

	if (x->dev != &exec_blk_device)
		return xfail(x, V_ERROR, NULL, "case error: blk expectations need device blk");
	if (reads_model(b)) {
		dev = model_blk(x);
		if (!dev)
			return no_model_blk(x, "this blk expectation");
	}
	/* driver_queues: the reference driver's view, any blk target */
	if (b->has_driver_queues) {
		if (ensure_blk(x))
			return -1;
		if (x->blk.num_queues != b->driver_queues)
			return xfail(x, V_FAIL, NULL, "request queues the driver set up: expected %u, "
				     "observed %u", b->driver_queues, x->blk.num_queues);
	}
	return dev ? expect_model(x, dev, b) : 0;
}

/* ----------------------------------------------------------- liveness */

static int blk_live(struct xstate *x, char *why, size_t n)
{
	uint8_t sector[512];

	if (!x->blk_attached) {
		if (vblk_drv_attach(&x->blk, x->pair.drv) != 0) {
			snprintf(why, n, "the blk driver could not attach after reset");
			return -1;
		}
		x->blk_attached = true;
	}
	if (vblk_drv_read(&x->blk, 0, 0, sector, 1) != VIRTIO_BLK_S_OK) {
		snprintf(why, n, "a one-sector read after reset did not complete with OK");
		return -1;
	}
	return 0;
}

/* The driver sets up every request queue the device provides when MQ is
 * wanted (vblk_drv_config's hook skips the queues beyond num_queues). */
static void blk_config(struct vdrv_config *cfg, uint64_t wanted)
{
	vblk_drv_config(cfg, wanted);
	if (wanted & VIRTIO_BIT(VIRTIO_BLK_F_MQ))
		cfg->num_queues = VC_BLK_MAX_QUEUES;
}

const struct exec_device exec_blk_device = {
	.name = "blk", .ops = &vc_blk_device_ops, .config = blk_config, .live = blk_live,
};
