// SPDX-License-Identifier: Apache-2.0
/*
 * Transport-independent device core. See vdev_core.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev_core.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

struct vdev_queue {
	uint16_t size;
	uint16_t enable;
	uint16_t reset;
	uint16_t reset_reads_left; /* the reset register reads 1 while > 0 */
	uint64_t area[3];          /* enum vdev_area */
	vq_dev_t *vq;
	/* what the device holds: popped, not yet pushed heads (split) or
	 * buffer ids (packed: any u16) with a digest of each element, so
	 * elem_read/elem_write serve only elements the host handed out */
	struct held_elem *held;    /* open addressing, held_cap slots */
	uint32_t held_cap;         /* a power of two >= 2 * queue_size_max */
	uint32_t held_n;           /* slots in use */
};

struct held_elem {
	uint64_t digest;           /* 0: the slot is free */
	uint32_t head;
};

#define VDEV_CLAUSES_MAX 16

struct vdev {
	gm_view_t *mem;
	const struct vc_device_ops *ops;
	void *dev;
	struct vc_host_ops host;
	struct vdev_front front;

	uint64_t offered;
	uint64_t driver_features;
	bool driver_features_high; /* driver wrote bits beyond the 64 we have */
	uint64_t negotiated;
	uint8_t status;
	uint8_t config_generation;
	bool broken;
	uint16_t queue_reset_reads;
	uint16_t num_queues;
	struct vdev_queue q[VDEV_MAX_QUEUES];
	struct vc_findings findings;
	struct vdev_stats stats;
	/* clause labels a device passed to fail(): a plugin's strings may not
	 * outlive the call, so the core keeps its own copies */
	char *clauses[VDEV_CLAUSES_MAX];
	unsigned n_clauses;
};

/* ------------------------------------------------------- the choke point */

void vdev_violation(vdev_t *d, const struct vc_violation *v)
{
	uint16_t i;

	vc_findings_add(&d->findings, v);
	if (v->severity != VC_SEV_FATAL || d->broken)
		return;
	d->broken = true;
	for (i = 0; i < d->num_queues; i++)
		if (d->q[i].vq)
			vq_dev_set_broken(d->q[i].vq);
	d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	/* devicenormative: Device Status Field -- config-change notification
	 * after setting DEVICE_NEEDS_RESET while DRIVER_OK */
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		vdev_interrupt(d, VDEV_IRQ_CONFIG, VC_NO_QUEUE);
}

static void ring_sink(void *owner, const struct vc_violation *v)
{
	vdev_violation(owner, v);
}

void vdev_finding(vdev_t *d, enum vc_severity sev, const char *clause, uint16_t queue,
		  const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, sev, clause, queue, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdev_violation(d, &v);
}

/* ------------------------------------------------------------ interrupts */

void vdev_count_interrupt(vdev_t *d, enum vdev_irq_cause cause)
{
	if (cause == VDEV_IRQ_CONFIG)
		d->stats.config_interrupts++;
	else
		d->stats.queue_interrupts++;
}

void vdev_interrupt(vdev_t *d, enum vdev_irq_cause cause, uint16_t q)
{
	if (d->front.interrupt(d->front.ctx, cause, q))
		vdev_count_interrupt(d, cause);
}

/* ------------------------------------------------------ host ops (ABI) */

static int host_mem_read(void *h, uint64_t gpa, void *dst, uint64_t len)
{
	return gm_read(((vdev_t *)h)->mem, gpa, dst, len);
}

static int host_mem_write(void *h, uint64_t gpa, const void *src, uint64_t len)
{
	return gm_write(((vdev_t *)h)->mem, gpa, src, len);
}

static bool queue_usable(vdev_t *d, uint16_t q, const char *what)
{
	if (q >= d->num_queues || !d->q[q].vq)
		return false;
	/* devicenormative: Device Status Field -- nothing before DRIVER_OK */
	if (!(d->status & VIRTIO_STATUS_DRIVER_OK)) {
		vdev_finding(d, VC_SEV_RECORD, CL_DEV_STATUS, q,
			     "device tried to %s queue %u before DRIVER_OK", what, q);
		return false;
	}
	/* devicenormative: MMIO Device Register Layout -- no access to a queue
	 * whose ready bit is 0 (and on PCI a queue not enabled is not live) */
	return d->q[q].enable != 0;
}

/*
 * A digest of an element as the host handed it out: counts, totals and
 * every segment. Never 0 (0 marks a head the device does not hold). It
 * tells a device's copy of an element (net keeps copies across pops)
 * from an element the device made up or altered; it is not a defence
 * against in-process code that sets out to forge one.
 */
static uint64_t elem_digest(const struct vc_elem *e)
{
	uint64_t hsh = 0xcbf29ce484222325ull;
	uint64_t w[4] = { e->head, (uint64_t)e->n_readable << 32 | e->n_writable,
			  e->readable_bytes, e->writable_bytes };
	uint32_t i, n = e->n_readable + e->n_writable;
	unsigned k;

	for (k = 0; k < 4; k++)
		hsh = (hsh ^ w[k]) * 0x100000001b3ull;
	for (i = 0; e->segs && i < n; i++) {
		hsh = (hsh ^ e->segs[i].gpa) * 0x100000001b3ull;
		hsh = (hsh ^ ((uint64_t)e->segs[i].len << 1 | e->segs[i].writable)) *
		      0x100000001b3ull;
	}
	return hsh ? hsh : 1;
}

/* Linear probing; at most queue_size_max heads are held, so a slot is
 * always free. */
static struct held_elem *held_slot(struct vdev_queue *q, uint32_t head)
{
	uint32_t i = (head * 0x9e3779b1u) & (q->held_cap - 1);

	while (q->held[i].digest && q->held[i].head != head)
		i = (i + 1) & (q->held_cap - 1);
	return &q->held[i];
}

static void held_drop(struct vdev_queue *q, uint32_t head)
{
	struct held_elem *e = held_slot(q, head);
	uint32_t i = (uint32_t)(e - q->held), j = i, home;

	if (!e->digest)
		return;
	e->digest = 0;
	q->held_n--;
	/* shift the entries after it back so no probe sequence breaks */
	for (;;) {
		j = (j + 1) & (q->held_cap - 1);
		if (!q->held[j].digest)
			return;
		home = (q->held[j].head * 0x9e3779b1u) & (q->held_cap - 1);
		if (((j - home) & (q->held_cap - 1)) >= ((j - i) & (q->held_cap - 1))) {
			q->held[i] = q->held[j];
			q->held[j].digest = 0;
			i = j;
		}
	}
}

static int host_queue_pop(void *h, uint16_t q, struct vc_elem *elem)
{
	vdev_t *d = h;
	struct vdev_queue *vq;
	struct held_elem *slot;
	int rc;

	if (d->broken || !queue_usable(d, q, "consume from"))
		return VC_POP_BROKEN;
	vq = &d->q[q];
	if (!vq->held) {
		uint32_t cap = 2;

		while (cap < 2u * d->ops->queue_size_max)
			cap <<= 1;
		vq->held = calloc(cap, sizeof(*vq->held));
		if (!vq->held) {
			vdev_finding(d, VC_SEV_FATAL, CL_HARNESS_LIMIT, q,
				     "no memory to track the elements of queue %u", q);
			return VC_POP_BROKEN;
		}
		vq->held_cap = cap;
	}
	/* a queue has at most its size outstanding; more held heads mean a
	 * device that pops and never pushes -- keep a slot free regardless */
	if (vq->held_n >= vq->held_cap - 1) {
		vdev_finding(d, VC_SEV_FATAL, CL_HARNESS_LIMIT, q,
			     "the device holds %u elements of queue %u without completing them",
			     vq->held_n, q);
		return VC_POP_BROKEN;
	}
	rc = vq_dev_pop(vq->vq, elem);
	if (rc == VC_POP_OK) {
		slot = held_slot(vq, elem->head);
		if (!slot->digest)
			vq->held_n++;
		slot->head = elem->head;
		slot->digest = elem_digest(elem);
	}
	return rc;
}

/* The element the device hands back is one it holds, unchanged. */
static bool elem_held(vdev_t *d, const struct vc_elem *e, const char *what)
{
	uint64_t dg;
	uint16_t q;

	if (e && (e->segs || e->n_readable + e->n_writable == 0)) {
		dg = elem_digest(e);
		for (q = 0; q < d->num_queues; q++)
			if (d->q[q].held && held_slot(&d->q[q], e->head)->digest == dg)
				return true;
	}
	/* devicenormative: The Virtqueue Descriptor Table -- the device
	 * touches only the buffers the driver made available to it */
	vdev_finding(d, VC_SEV_RECORD, CL_DEV_DESC, VC_NO_QUEUE,
		     "the device asked to %s an element the host did not hand out or that was "
		     "altered (head %u): refused", what, e ? e->head : 0);
	return false;
}

static int host_queue_push(void *h, uint16_t q, const struct vc_elem *elem, uint32_t written)
{
	vdev_t *d = h;
	int rc;

	if (d->broken || !queue_usable(d, q, "complete on"))
		return -1;
	rc = vq_dev_push(d->q[q].vq, elem->head, written);
	if (rc == 0 && d->q[q].held)
		held_drop(&d->q[q], elem->head);
	return rc;
}

static void host_queue_flush(void *h, uint16_t q)
{
	vdev_t *d = h;

	if (d->broken || !queue_usable(d, q, "notify on"))
		return;
	if (vq_dev_flush(d->q[q].vq))
		vdev_interrupt(d, VDEV_IRQ_QUEUE, q);
}

static uint64_t host_elem_read(void *h, const struct vc_elem *e, uint64_t off, void *dst,
			       uint64_t len)
{
	if (!elem_held(h, e, "read"))
		return 0;
	return vq_elem_read(((vdev_t *)h)->mem, e, off, dst, len);
}

static uint64_t host_elem_write(void *h, const struct vc_elem *e, uint64_t off, const void *src,
				uint64_t len)
{
	if (!elem_held(h, e, "write"))
		return 0;
	return vq_elem_write(((vdev_t *)h)->mem, e, off, src, len);
}

static void host_config_changed(void *h)
{
	vdev_t *d = h;

	/* devicenormative: Common configuration structure layout / MMIO
	 * Device Register Layout -- a new generation whenever the
	 * configuration changed */
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		vdev_interrupt(d, VDEV_IRQ_CONFIG, VC_NO_QUEUE);
}

/* A stable copy of a label a device gave; the same label, the same copy. */
static const char *keep_clause(vdev_t *d, const char *clause)
{
	unsigned i;
	char *c;

	if (!clause || !*clause)
		return "implementation: fail() without a clause";
	for (i = 0; i < d->n_clauses; i++)
		if (!strcmp(d->clauses[i], clause))
			return d->clauses[i];
	if (d->n_clauses == VDEV_CLAUSES_MAX || !(c = strndup(clause, 256)))
		return "implementation: fail() with more distinct clauses than kept";
	d->clauses[d->n_clauses++] = c;
	return c;
}

static void host_fail(void *h, const char *clause, const char *msg)
{
	vdev_t *d = h;

	vdev_finding(d, VC_SEV_FATAL, keep_clause(d, clause), VC_NO_QUEUE, "%s",
		     msg ? msg : "(no message)");
}

/* ABI minor 1: raw-ring devices (device.h) */

static int host_mem_regions(void *h, int *fd, struct vc_mem_region *r, uint32_t max)
{
	const gm_t *gm = gm_view_gm(((vdev_t *)h)->mem);
	unsigned i, n = gm_region_count(gm);

	if (fd)
		*fd = gm_fd(gm);
	for (i = 0; i < n && i < max && r; i++) {
		const struct gm_region_info *g = gm_region(gm, i);

		r[i] = (struct vc_mem_region){ .gpa = g->gpa, .size = g->size,
					       .fd_offset = g->fd_offset };
	}
	return (int)n;
}

static int host_queue_info(void *h, uint16_t q, struct vc_queue_info *info)
{
	vdev_t *d = h;

	if (q >= d->num_queues || !info)
		return -1;
	*info = (struct vc_queue_info){
		.size = d->q[q].size,
		.enabled = d->q[q].enable,
		.packed = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_RING_PACKED)),
		.desc = d->q[q].area[VDEV_AREA_DESC],
		.driver = d->q[q].area[VDEV_AREA_DRIVER],
		.device = d->q[q].area[VDEV_AREA_DEVICE],
	};
	return 0;
}

static void host_queue_interrupt(void *h, uint16_t q)
{
	vdev_t *d = h;

	if (q >= d->num_queues || d->broken || !(d->status & VIRTIO_STATUS_DRIVER_OK) ||
	    !d->q[q].enable)
		return;
	vdev_interrupt(d, VDEV_IRQ_QUEUE, q);
}

/* ------------------------------------------------------ state machine */

static void queue_defaults(vdev_t *d, uint16_t i)
{
	struct vdev_queue *q = &d->q[i];

	q->size = d->ops->queue_size_max;
	q->enable = 0;
	q->reset = 0;
	q->reset_reads_left = 0;
	q->area[VDEV_AREA_DESC] = q->area[VDEV_AREA_DRIVER] = q->area[VDEV_AREA_DEVICE] = 0;
	if (q->held)
		memset(q->held, 0, q->held_cap * sizeof(*q->held));
	q->held_n = 0;
	vq_dev_reset(q->vq);
	if (d->front.queue_reset)
		d->front.queue_reset(d->front.ctx, i);
}

static void device_reset(vdev_t *d)
{
	uint16_t i;

	d->status = 0;
	d->driver_features = 0;
	d->driver_features_high = false;
	d->negotiated = 0;
	d->broken = false;
	/* devicenormative: MMIO Device Register Layout -- ready bits clear */
	for (i = 0; i < d->num_queues; i++)
		queue_defaults(d, i);
	d->front.reset(d->front.ctx);
	d->stats.resets++;
	if (d->ops->reset)
		d->ops->reset(d->dev);
}

/* The reserved-range prerequisites this model knows of. */
static const char *core_feature_problem(uint64_t f)
{
	if ((f & VIRTIO_BIT(VIRTIO_F_NOTIF_CONFIG_DATA)) &&
	    !(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return "NOTIF_CONFIG_DATA without VERSION_1";
	return NULL;
}

static void set_features_ok(vdev_t *d)
{
	uint64_t f = d->driver_features;
	const char *why;

	/* drivernormative: Feature Bits -- only offered features */
	if ((f & ~d->offered) || d->driver_features_high) {
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_FEATURES, VC_NO_QUEUE,
			     "driver accepted unoffered features 0x%llx%s",
			     (unsigned long long)(f & ~d->offered),
			     d->driver_features_high ? " (and bits above 63)" : "");
		return; /* devicenormative: Feature Bits -- FEATURES_OK stays clear */
	}
	/* drivernormative: Reserved Feature Bits -- accept VERSION_1 */
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_RESERVED, VC_NO_QUEUE,
			     "driver did not accept VIRTIO_F_VERSION_1");
		return;
	}
	/* transport features this core does not implement (a harness can
	 * still offer them, with params->extra_features): the device refuses,
	 * and that is no fault of the driver that accepted an offered bit */
	if (f & VDEV_UNIMPLEMENTED_FEATURES)
		return;
	why = core_feature_problem(f);
	if (why) {
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_FEATURES, VC_NO_QUEUE,
			     "unacceptable features: %s", why);
		return;
	}
	/* A device may refuse a subset it cannot work with: that is no
	 * violation by the driver, so nothing is recorded. */
	if (d->ops->set_features && d->ops->set_features(d->dev, f) != 0)
		return;
	d->negotiated = f;
	d->status |= VIRTIO_STATUS_FEATURES_OK;
}

void vdev_write_status(vdev_t *d, uint8_t val)
{
	uint8_t old = d->status, want, added;

	if (val == 0) {
		/* devicenormative: Device Reset -- reads back 0 */
		device_reset(d);
		return;
	}
	want = (uint8_t)(val & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if ((old & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) & ~want)
		/* drivernormative: Device Status Field -- never clear a bit */
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_STATUS, VC_NO_QUEUE,
			     "status write 0x%02x clears bits of 0x%02x", val, old);
	added = (uint8_t)(want & ~old);
	if (added & VIRTIO_STATUS_FAILED)
		d->status |= VIRTIO_STATUS_FAILED;
	if (added & VIRTIO_STATUS_ACKNOWLEDGE)
		d->status |= VIRTIO_STATUS_ACKNOWLEDGE;
	if (added & VIRTIO_STATUS_DRIVER) {
		if (!(d->status & VIRTIO_STATUS_ACKNOWLEDGE))
			vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				     "DRIVER set before ACKNOWLEDGE");
		d->status |= VIRTIO_STATUS_DRIVER;
	}
	if (added & VIRTIO_STATUS_FEATURES_OK) {
		if (!(d->status & VIRTIO_STATUS_DRIVER))
			vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				     "FEATURES_OK set before DRIVER");
		set_features_ok(d);
	}
	if (added & VIRTIO_STATUS_DRIVER_OK) {
		if (!(d->status & VIRTIO_STATUS_FEATURES_OK)) {
			/* refuse: no buffer may be used without negotiation */
			vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				     "DRIVER_OK set without FEATURES_OK; refused");
		} else {
			d->status |= VIRTIO_STATUS_DRIVER_OK;
			if (d->ops->activate)
				d->ops->activate(d->dev);
		}
	}
}

uint8_t vdev_status(const vdev_t *d) { return d->status; }
uint64_t vdev_offered_features(const vdev_t *d) { return d->offered; }
uint64_t vdev_negotiated_features(const vdev_t *d) { return d->negotiated; }
uint8_t vdev_config_generation(const vdev_t *d) { return d->config_generation; }

uint32_t vdev_device_features(const vdev_t *d, uint32_t sel)
{
	/* devicenormative: Feature Bits -- the offered bits, 0 beyond them */
	return sel < 2 ? (uint32_t)(d->offered >> (32 * sel)) : 0;
}

uint32_t vdev_driver_features(const vdev_t *d, uint32_t sel)
{
	return sel < 2 ? (uint32_t)(d->driver_features >> (32 * sel)) : 0;
}

void vdev_write_driver_features(vdev_t *d, uint32_t sel, uint32_t val)
{
	if (d->status & VIRTIO_STATUS_FEATURES_OK) {
		/* drivernormative: Device Initialization */
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
			     "driver features written after FEATURES_OK; ignored");
		return;
	}
	if (sel < 2) {
		uint64_t mask = 0xffffffffull << (32 * sel);

		d->driver_features = (d->driver_features & ~mask) | ((uint64_t)val << (32 * sel));
	} else if (val) {
		d->driver_features_high = true;
	}
}

/* ---------------------------------------------------------------- queues */

uint16_t vdev_num_queues(const vdev_t *d) { return d->num_queues; }

uint16_t vdev_queue_size_max(const vdev_t *d, uint16_t q)
{
	/* devicenormative: queue_size / QueueNumMax 0 for an unavailable queue */
	return q < d->num_queues ? d->ops->queue_size_max : 0;
}

uint16_t vdev_queue_size(const vdev_t *d, uint16_t q)
{
	return q < d->num_queues ? d->q[q].size : 0;
}

bool vdev_queue_enabled(const vdev_t *d, uint16_t q)
{
	return q < d->num_queues && d->q[q].enable;
}

uint64_t vdev_queue_area(const vdev_t *d, uint16_t q, enum vdev_area a)
{
	return q < d->num_queues && (unsigned)a < 3 ? d->q[q].area[a] : 0;
}

bool vdev_queue_may_write(vdev_t *d, uint16_t q, const char *reg, bool locked_when_enabled)
{
	if (q >= d->num_queues) {
		vdev_finding(d, VC_SEV_RECORD, d->front.drv_regs_clause, q,
			     "write to %s of queue %u, which does not exist", reg, q);
		return false;
	}
	if (d->q[q].reset) {
		/* drivernormative: Virtqueue Reset -- wait until the reset is
		 * confirmed complete */
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_QRESET, q,
			     "%s of queue %u written while its reset is in progress", reg, q);
		return false;
	}
	if (locked_when_enabled && d->q[q].enable) {
		vdev_finding(d, VC_SEV_RECORD, d->front.drv_regs_clause, q,
			     "write to %s of queue %u after it was enabled", reg, q);
		return false;
	}
	return true;
}

void vdev_queue_set_size(vdev_t *d, uint16_t q, const char *reg, uint32_t v)
{
	bool packed = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_RING_PACKED));

	if (!vdev_queue_may_write(d, q, reg, true))
		return;
	/* split ring sizes are powers of two; any ring at most the maximum
	 * the device reported (drivernormative: QueueNum <= QueueNumMax) */
	if (v > d->ops->queue_size_max || !vq_size_valid(v, packed)) {
		vdev_finding(d, VC_SEV_RECORD, d->front.drv_regs_clause, q,
			     "%s %u for queue %u is not a %s <= %u; ignored", reg, v, q,
			     packed ? "value" : "power of two", d->ops->queue_size_max);
		return;
	}
	d->q[q].size = (uint16_t)v;
}

void vdev_queue_set_area(vdev_t *d, uint16_t q, const char *reg, enum vdev_area a, bool high,
			 uint32_t half)
{
	uint64_t *field;

	if ((unsigned)a >= 3 || !vdev_queue_may_write(d, q, reg, true))
		return;
	field = &d->q[q].area[a];
	if (high)
		*field = (*field & 0xffffffffull) | ((uint64_t)half << 32);
	else
		*field = (*field & ~0xffffffffull) | half;
}

void vdev_queue_enable(vdev_t *d, uint16_t i, const char *reg)
{
	struct vdev_queue *q;
	struct vq_cfg c;

	if (i < d->num_queues && d->q[i].enable && !d->q[i].reset)
		return; /* enabling an enabled queue again changes nothing */
	if (!vdev_queue_may_write(d, i, reg, true))
		return;
	q = &d->q[i];
	c = (struct vq_cfg){
		.index = i,
		.size = q->size,
		.desc = q->area[VDEV_AREA_DESC],
		.driver = q->area[VDEV_AREA_DRIVER],
		.device = q->area[VDEV_AREA_DEVICE],
		.event_idx = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)),
		.indirect = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)),
		.packed = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_RING_PACKED)),
		.in_order = !!(d->negotiated & VIRTIO_BIT(VIRTIO_F_IN_ORDER)),
	};
	if (!(d->status & VIRTIO_STATUS_FEATURES_OK))
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, i,
			     "queue %u enabled before FEATURES_OK", i);
	if (vq_dev_enable(q->vq, &c) == 0)
		q->enable = 1;
}

void vdev_queue_disable(vdev_t *d, uint16_t i, const char *reg)
{
	if (!vdev_queue_may_write(d, i, reg, false) || !d->q[i].enable)
		return;
	d->q[i].enable = 0;
	vq_dev_reset(d->q[i].vq);
}

void vdev_queue_reset_write(vdev_t *d, uint16_t i, const char *reg, uint32_t val)
{
	if (i >= d->num_queues) {
		vdev_finding(d, VC_SEV_RECORD, d->front.drv_regs_clause, i,
			     "write to %s of queue %u, which does not exist", reg, i);
		return;
	}
	if (!(d->negotiated & VIRTIO_BIT(VIRTIO_F_RING_RESET))) {
		vdev_finding(d, VC_SEV_RECORD, d->front.drv_regs_clause, i,
			     "%s written without VIRTIO_F_RING_RESET negotiated", reg);
		return;
	}
	if (val != 1)
		return;
	/* devicenormative: Virtqueue Reset -- no more requests, all queue
	 * state to defaults; the reset register reads 1 until it is done */
	queue_defaults(d, i);
	d->q[i].reset_reads_left = d->queue_reset_reads;
	d->q[i].reset = d->queue_reset_reads ? 1 : 0;
}

uint16_t vdev_queue_reset_read(vdev_t *d, uint16_t i)
{
	struct vdev_queue *q;

	if (i >= d->num_queues)
		return 0;
	q = &d->q[i];
	if (q->reset_reads_left) {
		q->reset_reads_left--;
		return 1;
	}
	q->reset = 0; /* the driver has now seen the reset complete */
	return 0;
}

void vdev_notify(vdev_t *d, uint16_t q)
{
	if (q >= d->num_queues)
		return;
	/* drivernormative: Device Initialization -- no notifications before
	 * DRIVER_OK; devicenormative: Device Status Field -- no buffers used */
	if (!(d->status & VIRTIO_STATUS_DRIVER_OK)) {
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, q,
			     "queue %u notified before DRIVER_OK; ignored", q);
		return;
	}
	if (d->broken || !d->q[q].enable || vq_dev_broken(d->q[q].vq))
		return;
	d->stats.notifies++;
	if (d->ops->queue_notify)
		d->ops->queue_notify(d->dev, q);
}

/* ------------------------------------------------- device configuration */

uint32_t vdev_config_size(const vdev_t *d) { return d->ops->config_size; }

uint32_t vdev_config_read(vdev_t *d, uint32_t off, unsigned width)
{
	uint8_t buf[4] = { 0 };

	if (width > 4 || off > d->ops->config_size || width > d->ops->config_size - off)
		return 0;
	d->ops->config_read(d->dev, off, buf, width);
	return (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	       (uint32_t)buf[3] << 24;
}

void vdev_config_write(vdev_t *d, uint32_t off, unsigned width, uint32_t val)
{
	uint8_t buf[4] = { (uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16),
			   (uint8_t)(val >> 24) };

	if (width > 4 || off > d->ops->config_size || width > d->ops->config_size - off)
		return;
	/* drivernormative: Device Initialization -- no device config writes
	 * before FEATURES_OK. Recorded, but still handed to the device: some
	 * fields must work on an unconfigured device (console emerg_wr,
	 * 5.3.5.1), and a device ignores what it does not take yet. */
	if (!(d->status & VIRTIO_STATUS_FEATURES_OK))
		vdev_finding(d, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
			     "device config written before FEATURES_OK");
	if (d->ops->config_write)
		d->ops->config_write(d->dev, off, buf, width);
}

/* ------------------------------------------------------------ lifecycle */

vdev_t *vdev_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		 const struct vdev_params *params, const struct vdev_front *front)
{
	vdev_t *d;
	uint16_t i;

	if (!ops || (ops->abi_version >> 16) != VC_DEVICE_ABI_MAJOR ||
	    ops->num_queues > VDEV_MAX_QUEUES || !ops->queue_size_max ||
	    (ops->queue_size_max & (ops->queue_size_max - 1)) || !ops->create ||
	    !ops->config_read || !ops->get_features || !front || !front->interrupt ||
	    !front->reset || !front->drv_regs_clause)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->mem = dev_mem;
	d->ops = ops;
	d->front = *front;
	d->num_queues = ops->num_queues;
	d->host = (struct vc_host_ops){
		.abi_version = VC_DEVICE_ABI_VERSION,
		.struct_size = sizeof(struct vc_host_ops),
		.mem_read = host_mem_read,
		.mem_write = host_mem_write,
		.queue_pop = host_queue_pop,
		.elem_read = host_elem_read,
		.elem_write = host_elem_write,
		.queue_push = host_queue_push,
		.queue_flush = host_queue_flush,
		.config_changed = host_config_changed,
		.fail = host_fail,
		.mem_regions = host_mem_regions,
		.queue_info = host_queue_info,
		.queue_interrupt = host_queue_interrupt,
	};
	for (i = 0; i < d->num_queues; i++) {
		d->q[i].vq = vq_dev_new(dev_mem, ring_sink, d);
		if (!d->q[i].vq)
			goto fail;
	}
	d->dev = ops->create(&d->host, d, args);
	if (!d->dev)
		goto fail;
	d->offered = ops->get_features(d->dev);
	if (params) {
		d->offered = (d->offered | params->extra_features) & ~params->withheld_features;
		d->queue_reset_reads = params->queue_reset_reads;
	}
	/* devicenormative: Reserved Feature Bits -- always offer VERSION_1 */
	if (!(d->offered & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		vdev_finding(d, VC_SEV_RECORD, CL_DEV_RESERVED, VC_NO_QUEUE,
			     "device %s does not offer VIRTIO_F_VERSION_1", ops->name);
	device_reset(d);
	d->stats.resets = 0;
	return d;
fail:
	for (i = 0; i < d->num_queues; i++)
		vq_dev_free(d->q[i].vq);
	free(d);
	return NULL;
}

void vdev_free(vdev_t *d)
{
	uint16_t i;

	if (!d)
		return;
	if (d->ops->destroy)
		d->ops->destroy(d->dev);
	for (i = 0; i < d->num_queues; i++) {
		vq_dev_free(d->q[i].vq);
		free(d->q[i].held);
	}
	for (i = 0; i < d->n_clauses; i++)
		free(d->clauses[i]);
	free(d);
}

bool vdev_broken(const vdev_t *d) { return d->broken; }
const struct vc_findings *vdev_findings(const vdev_t *d) { return &d->findings; }
const struct vdev_stats *vdev_stats(const vdev_t *d) { return &d->stats; }
void *vdev_device(vdev_t *d) { return d->dev; }
const struct vc_device_ops *vdev_ops(const vdev_t *d) { return d->ops; }

struct vq_dev *vdev_queue(vdev_t *d, uint16_t q)
{
	return q < d->num_queues ? d->q[q].vq : NULL;
}
