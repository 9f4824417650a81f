// SPDX-License-Identifier: Apache-2.0
/*
 * Reference driver core, PCI modern transport. See vdrv.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdrv.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define VDRV_RESET_POLLS   1000
#define VDRV_CAP_WALK_MAX  48
#define VDRV_CFG_RETRIES   32

struct vdrv_cap {
	bool present;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

struct vdrv {
	gm_t *gm;
	gm_view_t *mem;
	struct vdrv_transport t;
	struct galloc alloc;

	struct vdrv_cap common, notify, isr, device;
	uint32_t notify_mult;
	bool msix;

	struct vdrv_config cfg;
	uint64_t device_features;
	uint64_t features;
	uint16_t num_queues;
	vq_drv_t *vq[VDRV_MAX_QUEUES];
	uint16_t notify_off[VDRV_MAX_QUEUES];
	bool broken;
	struct vc_findings findings;
	struct vdrv_irq_stats irq;
};

/* ------------------------------------------------------ the choke point */

void vdrv_violation(vdrv_t *d, const struct vc_violation *v)
{
	vc_findings_add(&d->findings, v);
	if (v->severity != VC_SEV_FATAL)
		return;
	if (v->queue < VDRV_MAX_QUEUES && d->vq[v->queue])
		vq_drv_set_broken(d->vq[v->queue]);
	else
		d->broken = true;
}

static void ring_sink(void *owner, const struct vc_violation *v)
{
	vdrv_violation(owner, v);
}

__attribute__((format(printf, 5, 6)))
static void finding(vdrv_t *d, enum vc_severity sev, const char *clause, uint16_t queue,
		    const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, sev, clause, queue, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdrv_violation(d, &v);
}

/* ---------------------------------------------------------- lifecycle */

vdrv_t *vdrv_new(gm_t *gm, gm_view_t *mem, const struct vdrv_transport *t)
{
	vdrv_t *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->gm = gm;
	d->mem = mem;
	d->t = *t;
	galloc_init(&d->alloc, gm, 4096);
	return d;
}

static void drop_queues(vdrv_t *d)
{
	uint16_t i;

	for (i = 0; i < VDRV_MAX_QUEUES; i++) {
		vq_drv_free(d->vq[i]);
		d->vq[i] = NULL;
	}
	d->num_queues = 0;
	galloc_reset(&d->alloc);
}

void vdrv_free(vdrv_t *d)
{
	if (!d)
		return;
	drop_queues(d);
	free(d);
}

uint64_t vdrv_device_features(const vdrv_t *d) { return d->device_features; }
uint64_t vdrv_features(const vdrv_t *d) { return d->features; }
bool vdrv_broken(const vdrv_t *d) { return d->broken; }
const struct vc_findings *vdrv_findings(const vdrv_t *d) { return &d->findings; }
const struct vdrv_irq_stats *vdrv_irq_stats(const vdrv_t *d) { return &d->irq; }
gm_view_t *vdrv_mem(vdrv_t *d) { return d->mem; }

vq_drv_t *vdrv_queue(vdrv_t *d, uint16_t q)
{
	return q < VDRV_MAX_QUEUES ? d->vq[q] : NULL;
}

uint64_t vdrv_alloc(vdrv_t *d, uint64_t size, uint64_t align)
{
	return galloc_alloc(&d->alloc, size, align);
}

/* ------------------------------------------------------------ registers */

uint64_t vdrv_common_read(vdrv_t *d, uint32_t off, unsigned width)
{
	return d->t.bar_read(d->t.ctx, d->common.bar, d->common.offset + off, width);
}

void vdrv_common_write(vdrv_t *d, uint32_t off, unsigned width, uint64_t val)
{
	d->t.bar_write(d->t.ctx, d->common.bar, d->common.offset + off, width, val);
}

static const struct vdrv_cap *space_cap(const vdrv_t *d, enum vdrv_space s)
{
	switch (s) {
	case VDRV_SPACE_COMMON: return &d->common;
	case VDRV_SPACE_DEVICE: return &d->device;
	case VDRV_SPACE_NOTIFY: return &d->notify;
	case VDRV_SPACE_ISR: return &d->isr;
	}
	return &d->common;
}

uint64_t vdrv_space_read(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width)
{
	const struct vdrv_cap *c = space_cap(d, s);

	return d->t.bar_read(d->t.ctx, c->bar, c->offset + off, width);
}

void vdrv_space_write(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width, uint64_t val)
{
	const struct vdrv_cap *c = space_cap(d, s);

	d->t.bar_write(d->t.ctx, c->bar, c->offset + off, width, val);
}

uint32_t vdrv_pci_cfg_read(vdrv_t *d, uint32_t off, unsigned width)
{
	return d->t.cfg_read(d->t.ctx, off, width);
}

void vdrv_pci_cfg_write(vdrv_t *d, uint32_t off, unsigned width, uint32_t val)
{
	d->t.cfg_write(d->t.ctx, off, width, val);
}

uint8_t vdrv_status(vdrv_t *d)
{
	return (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1);
}

void vdrv_set_status(vdrv_t *d, uint8_t status)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, status);
}

int vdrv_config_read(vdrv_t *d, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *out = dst;
	unsigned tries;

	if (!d->device.present || off > d->device.length || len > d->device.length - off)
		return -1;
	/* drivernormative: Device Configuration Space -- no atomicity across
	 * fields: retry until config_generation is stable */
	for (tries = 0; tries < VDRV_CFG_RETRIES; tries++) {
		uint8_t g0 = (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_CFGGENERATION, 1), g1;
		uint32_t i = 0;

		while (i < len) {
			unsigned w = ((off + i) % 4 == 0 && len - i >= 4) ? 4
				   : ((off + i) % 2 == 0 && len - i >= 2) ? 2 : 1;
			uint64_t v = d->t.bar_read(d->t.ctx, d->device.bar, d->device.offset + off + i, w);
			unsigned k;

			for (k = 0; k < w; k++)
				out[i + k] = (uint8_t)(v >> (8 * k));
			i += w;
		}
		g1 = (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
		if (g0 == g1)
			return 0;
	}
	finding(d, VC_SEV_RECORD, CL_DEV_PCI_COMMON, VC_NO_QUEUE,
		"config_generation never stable over %u reads", VDRV_CFG_RETRIES);
	return -1;
}

/* -------------------------------------------------------------- probing */

static uint32_t cfg32(vdrv_t *d, uint32_t off) { return d->t.cfg_read(d->t.ctx, off, 4); }

int vdrv_probe(vdrv_t *d, uint16_t device_id)
{
	uint16_t vendor = (uint16_t)d->t.cfg_read(d->t.ctx, 0x00, 2);
	uint16_t devid = (uint16_t)d->t.cfg_read(d->t.ctx, 0x02, 2);
	uint8_t ptr;
	unsigned walked = 0;

	/* drivernormative: PCI Device Discovery -- bind to 0x1af4 and
	 * 0x1040..0x107f, whatever the revision ID */
	if (vendor != VIRTIO_PCI_VENDOR_ID || devid < VIRTIO_PCI_DEVICE_ID_BASE || devid > 0x107f ||
	    devid - VIRTIO_PCI_DEVICE_ID_BASE != device_id)
		return -1;
	memset(&d->common, 0, sizeof(d->common));
	memset(&d->notify, 0, sizeof(d->notify));
	memset(&d->isr, 0, sizeof(d->isr));
	memset(&d->device, 0, sizeof(d->device));
	d->msix = false;
	if (!(d->t.cfg_read(d->t.ctx, 0x06, 2) & 0x10))
		return -1;
	ptr = (uint8_t)(d->t.cfg_read(d->t.ctx, 0x34, 1) & ~3u);
	while (ptr >= 0x40 && walked++ < VDRV_CAP_WALK_MAX) {
		uint8_t id = (uint8_t)d->t.cfg_read(d->t.ctx, ptr, 1);
		uint8_t next = (uint8_t)d->t.cfg_read(d->t.ctx, ptr + 1, 1);

		if (id == 0x11) {
			d->msix = true;
		} else if (id == 0x09 && ptr <= VC_PCI_CFG_SPACE - 16) {
			uint8_t len = (uint8_t)d->t.cfg_read(d->t.ctx, ptr + 2, 1);
			uint8_t type = (uint8_t)d->t.cfg_read(d->t.ctx, ptr + 3, 1);
			uint8_t bar = (uint8_t)d->t.cfg_read(d->t.ctx, ptr + 4, 1);
			struct vdrv_cap c = { true, bar, cfg32(d, ptr + 8), cfg32(d, ptr + 12) };
			struct vdrv_cap *slot = NULL;

			/* drivernormative: Virtio Structure PCI Capabilities --
			 * skip reserved types and BARs; first of each type wins */
			if (len < 16 || bar > 5)
				goto next;
			if (type == VIRTIO_PCI_CAP_COMMON_CFG)
				slot = &d->common;
			else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && len >= 20)
				slot = &d->notify;
			else if (type == VIRTIO_PCI_CAP_ISR_CFG)
				slot = &d->isr;
			else if (type == VIRTIO_PCI_CAP_DEVICE_CFG)
				slot = &d->device;
			if (slot && !slot->present) {
				*slot = c;
				if (slot == &d->notify)
					d->notify_mult = cfg32(d, ptr + 16);
			}
		}
next:
		ptr = (uint8_t)(next & ~3u);
	}
	if (!d->common.present || d->common.length < VIRTIO_PCI_COMMON_SIZE) {
		finding(d, VC_SEV_FATAL, CL_DEV_PCI_COMMON, VC_NO_QUEUE,
			"no usable common configuration capability");
		return -1;
	}
	if (d->common.offset % 4)
		finding(d, VC_SEV_RECORD, CL_DEV_PCI_COMMON, VC_NO_QUEUE,
			"common configuration at unaligned offset 0x%x", d->common.offset);
	if (!d->notify.present) {
		finding(d, VC_SEV_FATAL, CL_DEV_PCI_NOTIFY, VC_NO_QUEUE, "no notification capability");
		return -1;
	}
	/* devicenormative: Notification capability -- multiplier is an even
	 * power of two or 0; notify offset 2-byte aligned */
	if ((d->notify_mult & (d->notify_mult - 1)) || d->notify_mult == 1 || d->notify.offset % 2)
		finding(d, VC_SEV_RECORD, CL_DEV_PCI_NOTIFY, VC_NO_QUEUE,
			"notify_off_multiplier %u / offset 0x%x break the alignment rules",
			d->notify_mult, d->notify.offset);
	if (!d->isr.present)
		finding(d, VC_SEV_RECORD, CL_DEV_PCI_ISR, VC_NO_QUEUE, "no ISR capability");
	if (d->device.present && d->device.offset % 4)
		finding(d, VC_SEV_RECORD, CL_DEV_PCI_DEVCFG, VC_NO_QUEUE,
			"device configuration at unaligned offset 0x%x", d->device.offset);
	return 0;
}

/* ------------------------------------------------------- initialization */

static enum vdrv_hook_action hook(vdrv_t *d, struct vdrv_step_ctx *s)
{
	return d->cfg.hook ? d->cfg.hook(d->cfg.hook_ctx, d, s) : VDRV_PROCEED;
}

static void msix_enable(vdrv_t *d, bool on)
{
	uint8_t ptr = (uint8_t)(d->t.cfg_read(d->t.ctx, 0x34, 1) & ~3u);
	unsigned walked = 0;

	while (ptr >= 0x40 && walked++ < VDRV_CAP_WALK_MAX) {
		if ((d->t.cfg_read(d->t.ctx, ptr, 1) & 0xff) == 0x11) {
			uint16_t ctl = (uint16_t)d->t.cfg_read(d->t.ctx, ptr + 2, 2);

			d->t.cfg_write(d->t.ctx, ptr + 2, 2,
				       on ? (ctl | 0x8000u) : (ctl & 0x7fffu));
			return;
		}
		ptr = (uint8_t)(d->t.cfg_read(d->t.ctx, ptr + 1, 1) & ~3u);
	}
}

static int setup_queue(vdrv_t *d, uint16_t q, uint16_t want)
{
	uint16_t max, size;
	uint64_t desc, avail, used, pool = 0;
	struct vq_cfg c;
	uint16_t ind = d->cfg.indirect_max;

	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	max = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (max == 0)
		return -1; /* queue unavailable */
	if (max & (max - 1)) {
		/* devicenormative: Common configuration -- split ring sizes
		 * are 0 or a power of two */
		finding(d, VC_SEV_FATAL, CL_DEV_PCI_COMMON, q,
			"queue %u reports size %u, not a power of two", q, max);
		return -1;
	}
	size = want && want < max ? want : max;
	if (size != max)
		vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	desc = vdrv_alloc(d, virtq_desc_bytes(size), VIRTQ_DESC_ALIGN);
	avail = vdrv_alloc(d, virtq_avail_bytes(size), VIRTQ_AVAIL_ALIGN);
	used = vdrv_alloc(d, virtq_used_bytes(size), VIRTQ_USED_ALIGN);
	if (!(d->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)))
		ind = 0;
	if (ind > size)
		ind = size;
	if (ind)
		pool = vdrv_alloc(d, 16ull * size * ind, 16);
	if (!desc || !avail || !used || (ind && !pool))
		return -1;
	c = (struct vq_cfg){
		.index = q, .size = size, .desc = desc, .driver = avail, .device = used,
		.event_idx = !!(d->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)),
		.indirect = !!(d->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)),
	};
	d->vq[q] = vq_drv_new(d->mem, ring_sink, d);
	if (!d->vq[q] || vq_drv_setup(d->vq[q], &c, pool, ind) != 0)
		return -1;
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)desc);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(desc >> 32));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)avail);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)(avail >> 32));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)used);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)(used >> 32));
	if (d->msix && d->cfg.use_msix) {
		uint16_t vec = (uint16_t)(q + 1), back;

		vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_MSIX, 2, vec);
		/* drivernormative: MSI-X Vector Configuration -- read back */
		back = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_MSIX, 2);
		if (back != vec && back != VIRTIO_MSI_NO_VECTOR)
			finding(d, VC_SEV_RECORD, CL_DEV_PCI_MSIX, q,
				"queue %u vector reads back %u after writing %u", q, back, vec);
	}
	d->notify_off[q] = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_NOFF, 2);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	return 0;
}

/* The status bit a status step sets; a skipped step leaves it out of the
 * later status writes too. */
static uint8_t step_bit(enum vdrv_step st)
{
	switch (st) {
	case VDRV_STEP_ACKNOWLEDGE: return VIRTIO_STATUS_ACKNOWLEDGE;
	case VDRV_STEP_DRIVER: return VIRTIO_STATUS_DRIVER;
	case VDRV_STEP_FEATURES_OK: return VIRTIO_STATUS_FEATURES_OK;
	case VDRV_STEP_DRIVER_OK: return VIRTIO_STATUS_DRIVER_OK;
	default: return 0;
	}
}

static int fail_init(vdrv_t *d)
{
	/* drivernormative: Device Initialization -- stop and set FAILED */
	vdrv_set_status(d, (uint8_t)(vdrv_status(d) | VIRTIO_STATUS_FAILED));
	return -1;
}

int vdrv_init(vdrv_t *d, const struct vdrv_config *cfg)
{
	struct vdrv_step_ctx s;
	uint8_t status = 0;
	unsigned polls;
	uint16_t q;

	drop_queues(d);
	d->cfg = *cfg;
	d->features = 0;
	d->broken = false;
	if (cfg->num_queues > VDRV_MAX_QUEUES)
		return -1;

#define STEP(st)                                  \
	memset(&s, 0, sizeof(s));                 \
	s.step = (st);                            \
	s.status = status;                        \
	switch (hook(d, &s)) {                    \
	case VDRV_ABORT: return -1;               \
	case VDRV_SKIP:                           \
		status &= (uint8_t)~step_bit(st); \
		goto skip_##st;                   \
	case VDRV_PROCEED: break;                 \
	}

	STEP(VDRV_STEP_RESET);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_RESET:
	STEP(VDRV_STEP_WAIT_RESET);
	for (polls = 0; polls < VDRV_RESET_POLLS && vdrv_status(d) != 0; polls++)
		;
	if (polls == VDRV_RESET_POLLS) {
		finding(d, VC_SEV_FATAL, CL_DEV_RESET, VC_NO_QUEUE,
			"device_status does not read 0 after reset");
		return -1;
	}
skip_VDRV_STEP_WAIT_RESET:
	msix_enable(d, d->msix && cfg->use_msix);
	if (d->msix && cfg->use_msix) {
		uint16_t back;

		vdrv_common_write(d, VIRTIO_PCI_COMMON_MSIX, 2, 0);
		/* drivernormative: MSI-X Vector Configuration -- read back */
		back = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_MSIX, 2);
		if (back != 0 && back != VIRTIO_MSI_NO_VECTOR)
			finding(d, VC_SEV_RECORD, CL_DEV_PCI_MSIX, VC_NO_QUEUE,
				"config vector reads back %u after writing 0", back);
	}
	status |= VIRTIO_STATUS_ACKNOWLEDGE;
	STEP(VDRV_STEP_ACKNOWLEDGE);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_ACKNOWLEDGE:
	status |= VIRTIO_STATUS_DRIVER;
	STEP(VDRV_STEP_DRIVER);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_DRIVER:
	STEP(VDRV_STEP_READ_FEATURES);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	d->device_features = vdrv_common_read(d, VIRTIO_PCI_COMMON_DF, 4);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	d->device_features |= vdrv_common_read(d, VIRTIO_PCI_COMMON_DF, 4) << 32;
skip_VDRV_STEP_READ_FEATURES:
	/* devicenormative: Reserved Feature Bits -- VERSION_1 always offered */
	if (!(d->device_features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		finding(d, VC_SEV_RECORD, CL_DEV_RESERVED, VC_NO_QUEUE,
			"device does not offer VIRTIO_F_VERSION_1");
		return fail_init(d);
	}
	/* drivernormative: Feature Bits -- accept only offered bits;
	 * drivernormative: Reserved Feature Bits -- accept VERSION_1 */
	d->features = (d->device_features & cfg->wanted_features) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	if ((d->features & cfg->required_features) != cfg->required_features)
		return fail_init(d);
	memset(&s, 0, sizeof(s));
	s.step = VDRV_STEP_WRITE_FEATURES;
	s.features = d->features;
	switch (hook(d, &s)) {
	case VDRV_ABORT: return -1;
	case VDRV_SKIP: goto skip_write_features;
	case VDRV_PROCEED: break;
	}
	d->features = s.features;
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)d->features);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(d->features >> 32));
skip_write_features:
	status |= VIRTIO_STATUS_FEATURES_OK;
	STEP(VDRV_STEP_FEATURES_OK);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_FEATURES_OK:
	STEP(VDRV_STEP_CHECK_FEATURES_OK);
	/* drivernormative: Device Initialization -- re-read FEATURES_OK */
	if (!(vdrv_status(d) & VIRTIO_STATUS_FEATURES_OK))
		return fail_init(d);
skip_VDRV_STEP_CHECK_FEATURES_OK:
	d->num_queues = cfg->num_queues;
	if (vdrv_common_read(d, VIRTIO_PCI_COMMON_NUMQ, 2) < cfg->num_queues)
		return fail_init(d);
	for (q = 0; q < cfg->num_queues; q++) {
		memset(&s, 0, sizeof(s));
		s.step = VDRV_STEP_QUEUE_SETUP;
		s.queue = q;
		s.queue_size = cfg->queue_size;
		switch (hook(d, &s)) {
		case VDRV_ABORT: return -1;
		case VDRV_SKIP: continue;
		case VDRV_PROCEED: break;
		}
		if (setup_queue(d, q, s.queue_size) != 0)
			return fail_init(d);
	}
	status |= VIRTIO_STATUS_DRIVER_OK;
	STEP(VDRV_STEP_DRIVER_OK);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_DRIVER_OK:
#undef STEP
	status = vdrv_status(d);
	if (status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return -1;
	return (status & VIRTIO_STATUS_DRIVER_OK) ? 0 : -1;
}

void vdrv_reset(vdrv_t *d)
{
	unsigned polls;

	vdrv_set_status(d, 0);
	for (polls = 0; polls < VDRV_RESET_POLLS && vdrv_status(d) != 0; polls++)
		;
	/* drivernormative: Device Cleanup -- buffers are reclaimed only after
	 * the reset */
	drop_queues(d);
	d->features = 0;
	d->broken = false;
}

int vdrv_queue_reset(vdrv_t *d, uint16_t q, uint16_t size)
{
	unsigned polls;

	if (q >= d->num_queues || !d->vq[q] || !(d->features & VIRTIO_BIT(VIRTIO_F_RING_RESET)))
		return -1;
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_RESET, 2, 1);
	/* drivernormative: Virtqueue Reset -- proceed only once queue_reset
	 * reads 0 */
	for (polls = 0; polls < VDRV_RESET_POLLS &&
			vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_RESET, 2) != 0; polls++)
		;
	if (polls == VDRV_RESET_POLLS) {
		finding(d, VC_SEV_FATAL, CL_DEV_PCI_COMMON, q,
			"queue_reset of queue %u never reads 0", q);
		return -1;
	}
	/* drivernormative: Device Cleanup -- the old buffers are reclaimed
	 * only now that the device has let go of them */
	vq_drv_free(d->vq[q]);
	d->vq[q] = NULL;
	/* drivernormative: Virtqueue Re-enable -- set up as at discovery */
	return setup_queue(d, q, size);
}

/* -------------------------------------------------------- notifications */

void vdrv_notify(vdrv_t *d, uint16_t q)
{
	uint64_t off = d->notify.offset + (uint64_t)d->notify_off[q < VDRV_MAX_QUEUES ? q : 0] *
						  d->notify_mult;

	d->t.bar_write(d->t.ctx, d->notify.bar, off, 2, q);
}

void vdrv_kick(vdrv_t *d, uint16_t q)
{
	if (q >= VDRV_MAX_QUEUES || !d->vq[q])
		return;
	if (vq_drv_kick_prepare(d->vq[q]))
		vdrv_notify(d, q);
}

void vdrv_interrupt(vdrv_t *d, uint16_t vector)
{
	if (vector == VC_IRQ_INTX) {
		uint8_t isr = (uint8_t)d->t.bar_read(d->t.ctx, d->isr.bar, d->isr.offset, 1);

		d->irq.intx++;
		if (isr & VIRTIO_PCI_ISR_CONFIG)
			d->irq.config++;
		if (isr & VIRTIO_PCI_ISR_QUEUE) {
			uint16_t q;

			for (q = 0; q < d->num_queues; q++)
				d->irq.queue[q]++;
		}
		return;
	}
	if (vector == 0)
		d->irq.config++;
	else if (vector - 1u < VDRV_MAX_QUEUES)
		d->irq.queue[vector - 1]++;
}
