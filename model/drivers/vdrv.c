// SPDX-License-Identifier: Apache-2.0
/*
 * Reference driver core, PCI modern and MMIO transports. See vdrv.h.
 *
 * Everything above the register level -- the 3.1.1 sequence with its hooks,
 * queue setup by ring layout, config reads with generation retry, queue
 * reset, the choke point -- is written once. The two transports differ only
 * in a table of register operations (struct vdrv_tops): the PCI one works
 * through the capabilities vdrv_probe located, the MMIO one through the
 * 4.2.2 register file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdrv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_mmio.h"

#define VDRV_RESET_POLLS   1000
#define VDRV_CAP_WALK_MAX  48
#define VDRV_CFG_RETRIES   32

struct vdrv_cap {
	bool present;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

/* The register operations one transport supplies. */
struct vdrv_tops {
	/* cited when the device's registers break a device-normative rule */
	const char *dev_clause;
	int (*probe)(vdrv_t *d, uint16_t device_id);
	/* first thing vdrv_init does (MMIO: identify the device); may be NULL */
	int (*init_begin)(vdrv_t *d, uint16_t device_id);
	uint8_t (*get_status)(vdrv_t *d);
	void (*set_status)(vdrv_t *d, uint8_t status);
	/* after the reset, before ACKNOWLEDGE (PCI: MSI-X); may be NULL */
	void (*after_reset)(vdrv_t *d);
	uint64_t (*read_features)(vdrv_t *d);
	void (*write_features)(vdrv_t *d, uint64_t features);
	/* does the device have at least n queues (where it says so)? */
	bool (*has_queues)(vdrv_t *d, uint16_t n);
	/* select queue q and read its maximum size (0: unavailable); -1 when
	 * the device broke a rule about it */
	int (*queue_open)(vdrv_t *d, uint16_t q, uint16_t *max);
	/* tell the device the size the driver chose for the selected queue */
	void (*queue_set_size)(vdrv_t *d, uint16_t q, uint16_t size, uint16_t max);
	/* program the areas of the selected queue q and enable it */
	void (*queue_program)(vdrv_t *d, uint16_t q, const struct vq_cfg *c);
	void (*queue_reset_start)(vdrv_t *d, uint16_t q);
	bool (*queue_reset_pending)(vdrv_t *d, uint16_t q);
	/* the reset read complete: -1 when the queue's state says otherwise */
	int (*queue_reset_done)(vdrv_t *d, uint16_t q);
	uint32_t (*generation)(vdrv_t *d);
	/* device configuration: its length and one access */
	uint32_t (*config_length)(vdrv_t *d);
	uint64_t (*config_access)(vdrv_t *d, uint32_t off, unsigned width);
	void (*notify)(vdrv_t *d, uint16_t q);
	void (*interrupt)(vdrv_t *d, uint16_t vector);
	uint64_t (*space_read)(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width);
	void (*space_write)(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width,
			    uint64_t val);
};

struct vdrv {
	gm_t *gm;
	gm_view_t *mem;
	const struct vdrv_tops *tops;
	struct vdrv_transport t;        /* PCI */
	struct vdrv_mmio_transport mt;  /* MMIO */
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

static const struct vdrv_tops pci_tops, mmio_tops;

static vdrv_t *driver_new(gm_t *gm, gm_view_t *mem, const struct vdrv_tops *tops)
{
	vdrv_t *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->gm = gm;
	d->mem = mem;
	d->tops = tops;
	galloc_init(&d->alloc, gm, 4096);
	return d;
}

vdrv_t *vdrv_new(gm_t *gm, gm_view_t *mem, const struct vdrv_transport *t)
{
	vdrv_t *d;

	if (!t || !t->cfg_read || !t->cfg_write || !t->bar_read || !t->bar_write)
		return NULL;
	d = driver_new(gm, mem, &pci_tops);
	if (d)
		d->t = *t;
	return d;
}

vdrv_t *vdrv_new_mmio(gm_t *gm, gm_view_t *mem, const struct vdrv_mmio_transport *t)
{
	vdrv_t *d;

	if (!t || !t->read || !t->write)
		return NULL;
	d = driver_new(gm, mem, &mmio_tops);
	if (d)
		d->mt = *t;
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

bool vdrv_is_mmio(const vdrv_t *d) { return d->tops == &mmio_tops; }
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
	return d->tops->space_read(d, VDRV_SPACE_COMMON, off, width);
}

void vdrv_common_write(vdrv_t *d, uint32_t off, unsigned width, uint64_t val)
{
	d->tops->space_write(d, VDRV_SPACE_COMMON, off, width, val);
}

uint64_t vdrv_space_read(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width)
{
	return d->tops->space_read(d, s, off, width);
}

void vdrv_space_write(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width, uint64_t val)
{
	d->tops->space_write(d, s, off, width, val);
}

uint32_t vdrv_pci_cfg_read(vdrv_t *d, uint32_t off, unsigned width)
{
	if (vdrv_is_mmio(d))
		return 0xffffffffu; /* no PCI configuration space */
	return d->t.cfg_read(d->t.ctx, off, width);
}

void vdrv_pci_cfg_write(vdrv_t *d, uint32_t off, unsigned width, uint32_t val)
{
	if (!vdrv_is_mmio(d))
		d->t.cfg_write(d->t.ctx, off, width, val);
}

uint8_t vdrv_status(vdrv_t *d)
{
	return d->tops->get_status(d);
}

void vdrv_set_status(vdrv_t *d, uint8_t status)
{
	d->tops->set_status(d, status);
}

int vdrv_config_read(vdrv_t *d, uint32_t off, void *dst, uint32_t len)
{
	uint32_t length = d->tops->config_length(d);
	uint8_t *out = dst;
	unsigned tries;

	if (off > length || len > length - off)
		return -1;
	/* drivernormative: Device Configuration Space -- no atomicity across
	 * fields: retry until the configuration generation is stable */
	for (tries = 0; tries < VDRV_CFG_RETRIES; tries++) {
		uint32_t g0 = d->tops->generation(d), g1;
		uint32_t i = 0;

		/* natural, aligned accesses of at most 32 bits (what both
		 * transports ask of the driver) */
		while (i < len) {
			unsigned w = ((off + i) % 4 == 0 && len - i >= 4) ? 4
				   : ((off + i) % 2 == 0 && len - i >= 2) ? 2 : 1;
			uint64_t v = d->tops->config_access(d, off + i, w);
			unsigned k;

			for (k = 0; k < w; k++)
				out[i + k] = (uint8_t)(v >> (8 * k));
			i += w;
		}
		g1 = d->tops->generation(d);
		if (g0 == g1)
			return 0;
	}
	finding(d, VC_SEV_RECORD, d->tops->dev_clause, VC_NO_QUEUE,
		"config generation never stable over %u reads", VDRV_CFG_RETRIES);
	return -1;
}

int vdrv_probe(vdrv_t *d, uint16_t device_id)
{
	return d->tops->probe(d, device_id);
}

/* ------------------------------------------------------------------ PCI */

static uint32_t cfg32(vdrv_t *d, uint32_t off) { return d->t.cfg_read(d->t.ctx, off, 4); }

static int pci_probe(vdrv_t *d, uint16_t device_id)
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

static uint8_t pci_get_status(vdrv_t *d)
{
	return (uint8_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_STATUS, 1);
}

static void pci_set_status(vdrv_t *d, uint8_t status)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_STATUS, 1, status);
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

static void pci_after_reset(vdrv_t *d)
{
	msix_enable(d, d->msix && d->cfg.use_msix);
	if (d->msix && d->cfg.use_msix) {
		uint16_t back;

		vdrv_common_write(d, VIRTIO_PCI_COMMON_MSIX, 2, 0);
		/* drivernormative: MSI-X Vector Configuration -- read back */
		back = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_MSIX, 2);
		if (back != 0 && back != VIRTIO_MSI_NO_VECTOR)
			finding(d, VC_SEV_RECORD, CL_DEV_PCI_MSIX, VC_NO_QUEUE,
				"config vector reads back %u after writing 0", back);
	}
}

static uint64_t pci_read_features(vdrv_t *d)
{
	uint64_t f;

	vdrv_common_write(d, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	f = vdrv_common_read(d, VIRTIO_PCI_COMMON_DF, 4);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	f |= vdrv_common_read(d, VIRTIO_PCI_COMMON_DF, 4) << 32;
	return f;
}

static void pci_write_features(vdrv_t *d, uint64_t f)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
}

static bool pci_has_queues(vdrv_t *d, uint16_t n)
{
	return vdrv_common_read(d, VIRTIO_PCI_COMMON_NUMQ, 2) >= n;
}

static int pci_queue_open(vdrv_t *d, uint16_t q, uint16_t *max)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	*max = (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (*max && (*max & (*max - 1)) && !(d->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED))) {
		/* devicenormative: Common configuration -- split ring sizes
		 * are 0 or a power of two */
		finding(d, VC_SEV_FATAL, CL_DEV_PCI_COMMON, q,
			"queue %u reports size %u, not a power of two", q, *max);
		return -1;
	}
	return 0;
}

static void pci_queue_set_size(vdrv_t *d, uint16_t q, uint16_t size, uint16_t max)
{
	(void)q;
	if (size != max)
		vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
}

static void pci_queue_program(vdrv_t *d, uint16_t q, const struct vq_cfg *c)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)c->desc);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(c->desc >> 32));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)c->driver);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)(c->driver >> 32));
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)c->device);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)(c->device >> 32));
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
}

static void pci_queue_reset_start(vdrv_t *d, uint16_t q)
{
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	vdrv_common_write(d, VIRTIO_PCI_COMMON_Q_RESET, 2, 1);
}

static bool pci_queue_reset_pending(vdrv_t *d, uint16_t q)
{
	(void)q;
	return vdrv_common_read(d, VIRTIO_PCI_COMMON_Q_RESET, 2) != 0;
}

static int pci_queue_reset_done(vdrv_t *d, uint16_t q)
{
	(void)d;
	(void)q;
	return 0;
}

static uint32_t pci_generation(vdrv_t *d)
{
	return (uint32_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
}

static uint32_t pci_config_length(vdrv_t *d)
{
	return d->device.present ? d->device.length : 0;
}

static uint64_t pci_config_access(vdrv_t *d, uint32_t off, unsigned width)
{
	return d->t.bar_read(d->t.ctx, d->device.bar, d->device.offset + (uint64_t)off, width);
}

static void pci_notify(vdrv_t *d, uint16_t q)
{
	uint64_t off = d->notify.offset + (uint64_t)d->notify_off[q < VDRV_MAX_QUEUES ? q : 0] *
						  d->notify_mult;

	d->t.bar_write(d->t.ctx, d->notify.bar, off, 2, q);
}

static void pci_interrupt(vdrv_t *d, uint16_t vector)
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

static uint64_t pci_space_read(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width)
{
	const struct vdrv_cap *c = space_cap(d, s);

	return d->t.bar_read(d->t.ctx, c->bar, c->offset + off, width);
}

static void pci_space_write(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width,
			    uint64_t val)
{
	const struct vdrv_cap *c = space_cap(d, s);

	d->t.bar_write(d->t.ctx, c->bar, c->offset + off, width, val);
}

static const struct vdrv_tops pci_tops = {
	.dev_clause = CL_DEV_PCI_COMMON,
	.probe = pci_probe,
	.get_status = pci_get_status,
	.set_status = pci_set_status,
	.after_reset = pci_after_reset,
	.read_features = pci_read_features,
	.write_features = pci_write_features,
	.has_queues = pci_has_queues,
	.queue_open = pci_queue_open,
	.queue_set_size = pci_queue_set_size,
	.queue_program = pci_queue_program,
	.queue_reset_start = pci_queue_reset_start,
	.queue_reset_pending = pci_queue_reset_pending,
	.queue_reset_done = pci_queue_reset_done,
	.generation = pci_generation,
	.config_length = pci_config_length,
	.config_access = pci_config_access,
	.notify = pci_notify,
	.interrupt = pci_interrupt,
	.space_read = pci_space_read,
	.space_write = pci_space_write,
};

/* ----------------------------------------------------------------- MMIO */

/* drivernormative: MMIO Device Register Layout -- the control registers
 * only with 32-bit aligned accesses */
static uint32_t mrd(vdrv_t *d, uint32_t off)
{
	return (uint32_t)d->mt.read(d->mt.ctx, off, 4);
}

static void mwr(vdrv_t *d, uint32_t off, uint32_t val)
{
	d->mt.write(d->mt.ctx, off, 4, val);
}

/*
 * drivernormative: MMIO Device Initialization -- start by reading and
 * checking MagicValue and Version; then DeviceID, and 0 means stop without
 * touching another register. drivernormative: MMIO Device Register Layout --
 * ignore a device with a wrong magic or version (and, as allowed, report it:
 * the device broke devicenormative MMIO Device Register Layout), ignore
 * DeviceID 0 without reporting anything.
 */
static int mmio_identify(vdrv_t *d, uint16_t device_id)
{
	uint32_t magic = mrd(d, VIRTIO_MMIO_MAGIC_VALUE), version, id;

	if (magic != VIRTIO_MMIO_MAGIC) {
		finding(d, VC_SEV_RECORD, CL_DEV_MMIO, VC_NO_QUEUE,
			"MagicValue reads 0x%08x, not 0x%08x; device ignored", magic,
			VIRTIO_MMIO_MAGIC);
		return -1;
	}
	version = mrd(d, VIRTIO_MMIO_VERSION);
	if (version != VIRTIO_MMIO_VERSION_2) {
		finding(d, VC_SEV_RECORD, CL_DEV_MMIO, VC_NO_QUEUE,
			"Version reads %u, not %u; device ignored", version,
			VIRTIO_MMIO_VERSION_2);
		return -1;
	}
	id = mrd(d, VIRTIO_MMIO_DEVICE_ID);
	if (id == 0)
		return -1; /* a placeholder: no error, no further access */
	return id == device_id ? 0 : -1;
}

static int mmio_probe(vdrv_t *d, uint16_t device_id)
{
	return mmio_identify(d, device_id);
}

static uint8_t mmio_get_status(vdrv_t *d)
{
	return (uint8_t)mrd(d, VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(vdrv_t *d, uint8_t status)
{
	mwr(d, VIRTIO_MMIO_STATUS, status);
}

/* drivernormative: MMIO Device Register Layout -- select the word before
 * reading DeviceFeatures or writing DriverFeatures */
static uint64_t mmio_read_features(vdrv_t *d)
{
	uint64_t f;

	mwr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = mrd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	mwr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)mrd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	return f;
}

static void mmio_write_features(vdrv_t *d, uint64_t f)
{
	mwr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mwr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	mwr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mwr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static bool mmio_has_queues(vdrv_t *d, uint16_t n)
{
	/* MMIO has no queue count: QueueNumMax 0 tells a missing queue */
	(void)d;
	(void)n;
	return true;
}

/* 4.2.3.2 Virtqueue Configuration: select, check not in use, read the
 * maximum */
static int mmio_queue_open(vdrv_t *d, uint16_t q, uint16_t *max)
{
	uint32_t ready, num_max;

	*max = 0;
	mwr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	ready = mrd(d, VIRTIO_MMIO_QUEUE_READY);
	if (ready != 0) {
		/* devicenormative: MMIO Device Register Layout -- QueueReady
		 * cleared on reset (and this driver has not enabled it) */
		finding(d, VC_SEV_RECORD, CL_DEV_MMIO, q,
			"QueueReady of queue %u reads %u before the queue was set up", q, ready);
		return -1;
	}
	num_max = mrd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (num_max > VIRTQ_SIZE_MAX) {
		/* a queue is at most 32768 entries whatever the layout */
		finding(d, VC_SEV_RECORD, CL_DEV_MMIO, q,
			"QueueNumMax of queue %u reads %u, above %u", q, num_max, VIRTQ_SIZE_MAX);
		num_max = VIRTQ_SIZE_MAX;
	}
	/* a split ring is a power of two: the largest one the device takes */
	if (num_max && !(d->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)))
		while (num_max & (num_max - 1))
			num_max &= num_max - 1;
	*max = (uint16_t)num_max;
	return 0;
}

static void mmio_queue_set_size(vdrv_t *d, uint16_t q, uint16_t size, uint16_t max)
{
	(void)q;
	(void)max;
	/* drivernormative: QueueNum <= QueueNumMax (size was bounded by it) */
	mwr(d, VIRTIO_MMIO_QUEUE_NUM, size);
}

static void mmio_queue_program(vdrv_t *d, uint16_t q, const struct vq_cfg *c)
{
	(void)q;
	mwr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)c->desc);
	mwr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(c->desc >> 32));
	mwr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)c->driver);
	mwr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(c->driver >> 32));
	mwr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)c->device);
	mwr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(c->device >> 32));
	mwr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void mmio_queue_reset_start(vdrv_t *d, uint16_t q)
{
	mwr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	mwr(d, VIRTIO_MMIO_QUEUE_RESET, 1);
}

static bool mmio_queue_reset_pending(vdrv_t *d, uint16_t q)
{
	(void)q;
	return mrd(d, VIRTIO_MMIO_QUEUE_RESET) != 0;
}

static int mmio_queue_reset_done(vdrv_t *d, uint16_t q)
{
	uint32_t ready = mrd(d, VIRTIO_MMIO_QUEUE_READY);

	/* devicenormative: MMIO Device Register Layout -- 0 in both QueueReset
	 * and QueueReady once the reset has completed */
	if (ready != 0) {
		finding(d, VC_SEV_FATAL, CL_DEV_MMIO, q,
			"QueueReady of queue %u reads %u after its reset completed", q, ready);
		return -1;
	}
	return 0;
}

static uint32_t mmio_generation(vdrv_t *d)
{
	return mrd(d, VIRTIO_MMIO_CONFIG_GENERATION);
}

static uint32_t mmio_config_length(vdrv_t *d)
{
	uint64_t n = d->mt.size > VIRTIO_MMIO_CONFIG ? d->mt.size - VIRTIO_MMIO_CONFIG : 0;

	return n > 0xffffffffull ? 0xffffffffu : (uint32_t)n;
}

static uint64_t mmio_config_access(vdrv_t *d, uint32_t off, unsigned width)
{
	return d->mt.read(d->mt.ctx, VIRTIO_MMIO_CONFIG + (uint64_t)off, width);
}

static void mmio_notify(vdrv_t *d, uint16_t q)
{
	/* 4.2.3.3: the 16-bit queue index, written as the 32-bit register */
	mwr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/*
 * drivernormative: MMIO Notifications From The Device -- read
 * InterruptStatus for the cause, handle it (a used buffer notification
 * counts for every active queue), then write the handled events to
 * InterruptACK. drivernormative: MMIO Device Register Layout -- undefined
 * bits are ignored and never acknowledged.
 */
static void mmio_interrupt(vdrv_t *d, uint16_t vector)
{
	const uint32_t defined = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;
	uint32_t status = mrd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
	uint32_t handled = status & defined;

	(void)vector;
	d->irq.intx++;
	if (status & ~defined)
		/* devicenormative: bits that represent no event are zero */
		finding(d, VC_SEV_RECORD, CL_DEV_MMIO, VC_NO_QUEUE,
			"InterruptStatus 0x%x sets undefined bits", status);
	if (handled & VIRTIO_MMIO_INT_CONFIG)
		d->irq.config++;
	if (handled & VIRTIO_MMIO_INT_VRING) {
		uint16_t q;

		for (q = 0; q < d->num_queues; q++)
			d->irq.queue[q]++;
	}
	if (handled)
		mwr(d, VIRTIO_MMIO_INTERRUPT_ACK, handled);
}

static uint64_t mmio_space_base(enum vdrv_space s)
{
	switch (s) {
	case VDRV_SPACE_COMMON: return 0;
	case VDRV_SPACE_DEVICE: return VIRTIO_MMIO_CONFIG;
	case VDRV_SPACE_NOTIFY: return VIRTIO_MMIO_QUEUE_NOTIFY;
	case VDRV_SPACE_ISR: return VIRTIO_MMIO_INTERRUPT_STATUS;
	}
	return 0;
}

static uint64_t mmio_space_read(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width)
{
	return d->mt.read(d->mt.ctx, mmio_space_base(s) + off, width);
}

static void mmio_space_write(vdrv_t *d, enum vdrv_space s, uint64_t off, unsigned width,
			     uint64_t val)
{
	d->mt.write(d->mt.ctx, mmio_space_base(s) + off, width, val);
}

static const struct vdrv_tops mmio_tops = {
	.dev_clause = CL_DEV_MMIO,
	.probe = mmio_probe,
	.init_begin = mmio_identify,
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.read_features = mmio_read_features,
	.write_features = mmio_write_features,
	.has_queues = mmio_has_queues,
	.queue_open = mmio_queue_open,
	.queue_set_size = mmio_queue_set_size,
	.queue_program = mmio_queue_program,
	.queue_reset_start = mmio_queue_reset_start,
	.queue_reset_pending = mmio_queue_reset_pending,
	.queue_reset_done = mmio_queue_reset_done,
	.generation = mmio_generation,
	.config_length = mmio_config_length,
	.config_access = mmio_config_access,
	.notify = mmio_notify,
	.interrupt = mmio_interrupt,
	.space_read = mmio_space_read,
	.space_write = mmio_space_write,
};

/* ------------------------------------------------------- initialization */

static enum vdrv_hook_action hook(vdrv_t *d, struct vdrv_step_ctx *s)
{
	return d->cfg.hook ? d->cfg.hook(d->cfg.hook_ctx, d, s) : VDRV_PROCEED;
}

static int setup_queue(vdrv_t *d, uint16_t q, uint16_t want)
{
	bool packed = !!(d->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
	uint16_t max, size;
	uint64_t desc, driver, device, pool = 0;
	struct vq_ring_geometry g;
	struct vq_cfg c;
	uint16_t ind = d->cfg.indirect_max;

	if (d->tops->queue_open(d, q, &max) != 0 || max == 0)
		return -1; /* broken rule recorded, or queue unavailable */
	size = want && want < max ? want : max;
	d->tops->queue_set_size(d, q, size, max);
	/* the areas as the negotiated layout places them (2.7 split: table,
	 * available and used rings; 2.8.10.1 packed: the descriptor ring and
	 * the two event suppression structures) */
	vq_ring_geometry(size, packed, &g);
	desc = vdrv_alloc(d, g.desc.bytes, g.desc.align);
	driver = vdrv_alloc(d, g.driver.bytes, g.driver.align);
	device = vdrv_alloc(d, g.device.bytes, g.device.align);
	if (!(d->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)))
		ind = 0;
	if (ind > size)
		ind = size;
	if (ind)
		pool = vdrv_alloc(d, 16ull * size * ind, 16);
	if (!desc || !driver || !device || (ind && !pool))
		return -1;
	c = (struct vq_cfg){
		.index = q, .size = size, .desc = desc, .driver = driver, .device = device,
		.event_idx = !!(d->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)),
		.indirect = !!(d->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)),
		.packed = packed,
		.in_order = !!(d->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER)),
	};
	d->vq[q] = vq_drv_new(d->mem, ring_sink, d);
	if (!d->vq[q] || vq_drv_setup(d->vq[q], &c, pool, ind) != 0)
		return -1;
	d->tops->queue_program(d, q, &c);
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
	if (d->tops->init_begin && d->tops->init_begin(d, cfg->device_id) != 0)
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
			"device status does not read 0 after reset");
		return -1;
	}
skip_VDRV_STEP_WAIT_RESET:
	if (d->tops->after_reset)
		d->tops->after_reset(d);
	status |= VIRTIO_STATUS_ACKNOWLEDGE;
	STEP(VDRV_STEP_ACKNOWLEDGE);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_ACKNOWLEDGE:
	status |= VIRTIO_STATUS_DRIVER;
	STEP(VDRV_STEP_DRIVER);
	vdrv_set_status(d, s.status);
skip_VDRV_STEP_DRIVER:
	STEP(VDRV_STEP_READ_FEATURES);
	d->device_features = d->tops->read_features(d);
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
	d->tops->write_features(d, d->features);
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
	if (!d->tops->has_queues(d, cfg->num_queues))
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
	d->tops->queue_reset_start(d, q);
	/* drivernormative: Virtqueue Reset -- proceed only once the queue
	 * reset register reads 0 */
	for (polls = 0; polls < VDRV_RESET_POLLS && d->tops->queue_reset_pending(d, q); polls++)
		;
	if (polls == VDRV_RESET_POLLS) {
		finding(d, VC_SEV_FATAL, d->tops->dev_clause, q,
			"queue reset of queue %u never reads 0", q);
		return -1;
	}
	if (d->tops->queue_reset_done(d, q) != 0)
		return -1;
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
	d->tops->notify(d, q);
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
	d->tops->interrupt(d, vector);
}
