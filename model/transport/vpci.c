// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-pci modern transport, device side. See vpci.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define VPCI_MAX_QUEUES 64

struct vpci_queue {
	uint16_t size;
	uint16_t msix_vector;
	uint16_t enable;
	uint16_t reset;
	uint16_t reset_reads_left; /* queue_reset reads 1 while this is > 0 */
	uint64_t desc, driver, device;
	vq_dev_t *vq;
};

struct vpci_pcicfg {      /* VIRTIO_PCI_CAP_PCI_CFG window */
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

struct vpci {
	gm_view_t *mem;
	const struct vc_device_ops *ops;
	void *dev;
	struct vc_host_ops host;
	vpci_irq_fn irq;
	void *irq_ctx;

	uint64_t offered;
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	bool driver_features_high; /* driver wrote bits beyond the 64 we have */
	uint64_t negotiated;
	uint16_t msix_config;
	uint8_t status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint8_t isr;
	bool msix_enabled;
	bool broken;
	uint16_t queue_reset_reads;
	uint16_t num_queues;
	struct vpci_queue q[VPCI_MAX_QUEUES];
	uint8_t cfg[VPCI_CFG_SPACE];
	struct vpci_pcicfg pcicfg;
	uint32_t bar0;            /* BAR 0 address as programmed */
	struct vc_findings findings;
	struct vpci_stats stats;
};

/* ------------------------------------------------------- the choke point */

static void raise_config_irq(vpci_t *p);

void vpci_violation(vpci_t *p, const struct vc_violation *v)
{
	uint16_t i;

	vc_findings_add(&p->findings, v);
	if (v->severity != VC_SEV_FATAL || p->broken)
		return;
	p->broken = true;
	for (i = 0; i < p->num_queues; i++)
		if (p->q[i].vq)
			vq_dev_set_broken(p->q[i].vq);
	p->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	/* devicenormative: Device Status Field -- config-change notification
	 * after setting DEVICE_NEEDS_RESET while DRIVER_OK */
	if (p->status & VIRTIO_STATUS_DRIVER_OK)
		raise_config_irq(p);
}

static void ring_sink(void *owner, const struct vc_violation *v)
{
	vpci_violation(owner, v);
}

__attribute__((format(printf, 5, 6)))
static void finding(vpci_t *p, enum vc_severity sev, const char *clause, uint16_t queue,
		    const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, sev, clause, queue, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vpci_violation(p, &v);
}

/* ------------------------------------------------------------ interrupts */

static void raise_config_irq(vpci_t *p)
{
	/* devicenormative: ISR status capability -- ISR bit before interrupt */
	p->isr |= VIRTIO_PCI_ISR_CONFIG;
	if (p->msix_enabled) {
		/* devicenormative: Notification of Device Configuration Changes */
		if (p->msix_config == VIRTIO_MSI_NO_VECTOR)
			return;
		p->stats.config_interrupts++;
		p->irq(p->irq_ctx, p->msix_config);
		return;
	}
	p->stats.config_interrupts++;
	p->irq(p->irq_ctx, VPCI_IRQ_INTX);
}

static void raise_queue_irq(vpci_t *p, uint16_t q)
{
	if (p->msix_enabled) {
		/* devicenormative: Used Buffer Notifications -- NO_VECTOR: none */
		if (p->q[q].msix_vector == VIRTIO_MSI_NO_VECTOR)
			return;
		p->stats.queue_interrupts++;
		p->irq(p->irq_ctx, p->q[q].msix_vector);
		return;
	}
	p->isr |= VIRTIO_PCI_ISR_QUEUE;
	p->stats.queue_interrupts++;
	p->irq(p->irq_ctx, VPCI_IRQ_INTX);
}

void vpci_raise_isr(vpci_t *p, uint8_t bits)
{
	bits &= VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG;
	if (!bits)
		return;
	if (p->msix_enabled) {
		/* with MSI-X each cause has its own vector */
		if (bits & VIRTIO_PCI_ISR_CONFIG)
			raise_config_irq(p);
		if (bits & VIRTIO_PCI_ISR_QUEUE)
			raise_queue_irq(p, 0);
		return;
	}
	p->isr |= bits;
	if (bits & VIRTIO_PCI_ISR_CONFIG)
		p->stats.config_interrupts++;
	if (bits & VIRTIO_PCI_ISR_QUEUE)
		p->stats.queue_interrupts++;
	p->irq(p->irq_ctx, VPCI_IRQ_INTX);
}

static uint16_t msix_table_size(const vpci_t *p) { return (uint16_t)(p->num_queues + 1); }

/* ------------------------------------------------------ host ops (ABI) */

static int host_mem_read(void *h, uint64_t gpa, void *dst, uint64_t len)
{
	return gm_read(((vpci_t *)h)->mem, gpa, dst, len);
}

static int host_mem_write(void *h, uint64_t gpa, const void *src, uint64_t len)
{
	return gm_write(((vpci_t *)h)->mem, gpa, src, len);
}

static bool queue_usable(vpci_t *p, uint16_t q, const char *what)
{
	if (q >= p->num_queues || !p->q[q].vq)
		return false;
	/* devicenormative: Device Status Field -- nothing before DRIVER_OK */
	if (!(p->status & VIRTIO_STATUS_DRIVER_OK)) {
		finding(p, VC_SEV_RECORD, CL_DEV_STATUS, q,
			"device tried to %s queue %u before DRIVER_OK", what, q);
		return false;
	}
	return true;
}

static int host_queue_pop(void *h, uint16_t q, struct vc_elem *elem)
{
	vpci_t *p = h;

	if (p->broken || !queue_usable(p, q, "consume from"))
		return VC_POP_BROKEN;
	return vq_dev_pop(p->q[q].vq, elem);
}

static int host_queue_push(void *h, uint16_t q, const struct vc_elem *elem, uint32_t written)
{
	vpci_t *p = h;

	if (p->broken || !queue_usable(p, q, "complete on"))
		return -1;
	return vq_dev_push(p->q[q].vq, elem->head, written);
}

static void host_queue_flush(void *h, uint16_t q)
{
	vpci_t *p = h;

	if (p->broken || !queue_usable(p, q, "notify on"))
		return;
	if (vq_dev_flush(p->q[q].vq))
		raise_queue_irq(p, q);
}

static uint64_t host_elem_read(void *h, const struct vc_elem *e, uint64_t off, void *dst,
			       uint64_t len)
{
	return vq_elem_read(((vpci_t *)h)->mem, e, off, dst, len);
}

static uint64_t host_elem_write(void *h, const struct vc_elem *e, uint64_t off, const void *src,
				uint64_t len)
{
	return vq_elem_write(((vpci_t *)h)->mem, e, off, src, len);
}

static void host_config_changed(void *h)
{
	vpci_t *p = h;

	/* devicenormative: Common configuration structure layout -- a new
	 * generation whenever the configuration changed */
	p->config_generation++;
	if (p->status & VIRTIO_STATUS_DRIVER_OK)
		raise_config_irq(p);
}

static void host_fail(void *h, const char *clause, const char *msg)
{
	finding(h, VC_SEV_FATAL, clause, VC_NO_QUEUE, "%s", msg);
}

/* --------------------------------------------------- PCI config space */

static void put16(uint8_t *b, uint32_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	put16(b, off, (uint16_t)v);
	put16(b, off + 2, (uint16_t)(v >> 16));
}

#define CAP_COMMON 0x40
#define CAP_NOTIFY 0x50
#define CAP_ISR    0x64
#define CAP_DEVICE 0x74
#define CAP_PCICFG 0x84
#define CAP_MSIX   0x98

static void virtio_cap(uint8_t *b, uint32_t at, uint8_t next, uint8_t len, uint8_t type,
		       uint32_t offset, uint32_t length)
{
	b[at] = 0x09; /* PCI_CAP_ID_VNDR */
	b[at + 1] = next;
	b[at + 2] = len;
	b[at + 3] = type;
	b[at + 4] = 0; /* bar */
	b[at + 5] = 0; /* id */
	put32(b, at + 8, offset);
	put32(b, at + 12, length);
}

static void build_cfg_space(vpci_t *p)
{
	uint8_t *b = p->cfg;

	memset(b, 0, sizeof(p->cfg));
	/* devicenormative: PCI Device Discovery */
	put16(b, 0x00, VIRTIO_PCI_VENDOR_ID);
	put16(b, 0x02, (uint16_t)(VIRTIO_PCI_DEVICE_ID_BASE + p->ops->device_id));
	put16(b, 0x06, 0x0010);       /* status: capabilities list */
	b[0x08] = 1;                  /* revision ID: modern */
	b[0x0b] = 0xff;               /* class: misc */
	put32(b, 0x10, 0x00000000);   /* BAR0: 32-bit memory */
	put16(b, 0x2c, VIRTIO_PCI_VENDOR_ID);
	/* 4.1.2.1: a non-transitional device SHOULD use a subsystem
	 * device ID of 0x40 or higher */
	put16(b, 0x2e, (uint16_t)(0x40 + p->ops->device_id));
	b[0x34] = CAP_COMMON;
	virtio_cap(b, CAP_COMMON, CAP_NOTIFY, 16, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_BAR_COMMON,
		   VIRTIO_PCI_COMMON_SIZE);
	virtio_cap(b, CAP_NOTIFY, CAP_ISR, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_BAR_NOTIFY,
		   VPCI_NOTIFY_MULT * (uint32_t)(p->num_queues ? p->num_queues : 1));
	put32(b, CAP_NOTIFY + 16, VPCI_NOTIFY_MULT);
	virtio_cap(b, CAP_ISR, CAP_DEVICE, 16, VIRTIO_PCI_CAP_ISR_CFG, VPCI_BAR_ISR, 1);
	virtio_cap(b, CAP_DEVICE, CAP_PCICFG, 16, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_BAR_DEVICE,
		   p->ops->config_size);
	virtio_cap(b, CAP_PCICFG, CAP_MSIX, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	b[CAP_MSIX] = 0x11; /* PCI_CAP_ID_MSIX */
	b[CAP_MSIX + 1] = 0;
	put16(b, CAP_MSIX + 2, (uint16_t)(msix_table_size(p) - 1));
}

/*
 * drivernormative: PCI configuration access capability -- a window access
 * names BAR 0, a length of 1, 2 or 4, an offset that is a multiple of the
 * length, and lies inside one of the virtio structures. Returns false (and
 * records why) when the window may not be used.
 */
static bool pcicfg_window_ok(vpci_t *p)
{
	static const uint8_t caps[] = { CAP_COMMON, CAP_NOTIFY, CAP_ISR, CAP_DEVICE };
	uint32_t off = p->pcicfg.offset, len = p->pcicfg.length;
	size_t i;

	if (p->pcicfg.bar != 0 || (len != 1 && len != 2 && len != 4) || off % len) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_CFGACCESS, VC_NO_QUEUE,
			"PCI_CFG window bar %u offset 0x%x length %u is not an aligned 1/2/4-byte "
			"access", p->pcicfg.bar, off, len);
		return false;
	}
	for (i = 0; i < sizeof(caps); i++) {
		uint32_t base = (uint32_t)p->cfg[caps[i] + 8] | (uint32_t)p->cfg[caps[i] + 9] << 8 |
				(uint32_t)p->cfg[caps[i] + 10] << 16 |
				(uint32_t)p->cfg[caps[i] + 11] << 24;
		uint32_t size = (uint32_t)p->cfg[caps[i] + 12] | (uint32_t)p->cfg[caps[i] + 13] << 8 |
				(uint32_t)p->cfg[caps[i] + 14] << 16 |
				(uint32_t)p->cfg[caps[i] + 15] << 24;

		if (off >= base && off - base < size && len <= size - (off - base))
			return true;
	}
	finding(p, VC_SEV_RECORD, CL_DRV_PCI_CFGACCESS, VC_NO_QUEUE,
		"PCI_CFG window offset 0x%x length %u is outside every virtio structure", off, len);
	return false;
}

uint32_t vpci_cfg_read(vpci_t *p, uint32_t off, unsigned width)
{
	uint32_t v = 0;
	unsigned i;

	if ((width != 1 && width != 2 && width != 4) || off % width || off + width > VPCI_CFG_SPACE)
		return 0xffffffffu;
	/* PCI status, Interrupt Status (bit 3): in INTx mode the OR of the
	 * ISR bits (devicenormative: ISR status capability) */
	if (!p->msix_enabled && p->isr)
		p->cfg[0x06] |= 0x08;
	else
		p->cfg[0x06] &= (uint8_t)~0x08;
	if (off >= CAP_PCICFG + 16 && off < CAP_PCICFG + 20) {
		/* a window the driver may not use reads 0 */
		if (!pcicfg_window_ok(p))
			return 0;
		/* devicenormative: PCI configuration access capability -- a read
		 * of pci_cfg_data reads cap.length bytes at cap.offset of the BAR
		 * into pci_cfg_data; the access returns its own bytes of it */
		uint32_t got = (uint32_t)vpci_bar_read(p, p->pcicfg.offset, p->pcicfg.length);
		unsigned k;

		for (k = 0; k < p->pcicfg.length; k++)
			p->cfg[CAP_PCICFG + 16 + k] = (uint8_t)(got >> (8 * k));
	}
	for (i = 0; i < width; i++)
		v |= (uint32_t)p->cfg[off + i] << (8 * i);
	return v;
}

void vpci_cfg_write(vpci_t *p, uint32_t off, unsigned width, uint32_t val)
{
	if ((width != 1 && width != 2 && width != 4) || off % width || off + width > VPCI_CFG_SPACE)
		return;
	if (off >= CAP_PCICFG && off < CAP_PCICFG + 20) {
		uint32_t rel = off - CAP_PCICFG;

		if (rel == 4 && width == 1) {
			p->pcicfg.bar = (uint8_t)val;
			p->cfg[off] = (uint8_t)val;
		} else if (rel == 8 && width == 4) {
			p->pcicfg.offset = val;
			put32(p->cfg, off, val);
		} else if (rel == 12 && width == 4) {
			p->pcicfg.length = val;
			put32(p->cfg, off, val);
		} else if (rel >= 16) {
			/* devicenormative: PCI configuration access capability --
			 * the access lands in pci_cfg_data, then its first
			 * cap.length bytes are written at cap.offset of the BAR */
			unsigned k;
			uint32_t data = 0;

			for (k = 0; k < width; k++)
				p->cfg[off + k] = (uint8_t)(val >> (8 * k));
			if (pcicfg_window_ok(p)) {
				for (k = 0; k < p->pcicfg.length; k++)
					data |= (uint32_t)p->cfg[CAP_PCICFG + 16 + k] << (8 * k);
				vpci_bar_write(p, p->pcicfg.offset, p->pcicfg.length, data);
			}
		} else {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_CAPS, VC_NO_QUEUE,
				"write to PCI_CFG capability byte %u", rel);
		}
		return;
	}
	if (off >= CAP_MSIX + 2 && off < CAP_MSIX + 4) {
		/* MSI-X message control: only Enable (bit 15) is writable */
		if (off == CAP_MSIX + 2 && width == 2)
			p->msix_enabled = !!(val & 0x8000);
		else if (off == CAP_MSIX + 3 && width == 1)
			p->msix_enabled = !!(val & 0x80);
		put16(p->cfg, CAP_MSIX + 2,
		      (uint16_t)((msix_table_size(p) - 1) | (p->msix_enabled ? 0x8000 : 0)));
		return;
	}
	if (off >= CAP_COMMON && off < CAP_MSIX) {
		/* drivernormative: Virtio Structure PCI Capabilities */
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_CAPS, VC_NO_QUEUE,
			"driver wrote capability byte 0x%x", off);
		return;
	}
	if (off == 0x04 && width == 2)
		put16(p->cfg, 0x04, (uint16_t)val); /* command register */
	if (off == 0x10 && width == 4) {
		/* BAR 0: 32-bit memory, naturally aligned; the address bits
		 * below its size read back 0 (the standard sizing probe) */
		p->bar0 = val & ~(uint32_t)(vpci_bar_size(p) - 1);
		put32(p->cfg, 0x10, p->bar0);
	}
}

/* ------------------------------------------------------ state machine */

static void queue_defaults(vpci_t *p, uint16_t i)
{
	struct vpci_queue *q = &p->q[i];

	q->size = p->ops->queue_size_max;
	q->msix_vector = VIRTIO_MSI_NO_VECTOR;
	q->enable = 0;
	q->reset = 0;
	q->reset_reads_left = 0;
	q->desc = q->driver = q->device = 0;
	vq_dev_reset(q->vq);
}

static void device_reset(vpci_t *p)
{
	uint16_t i;

	p->status = 0;
	p->dfselect = p->gfselect = 0;
	p->driver_features = 0;
	p->driver_features_high = false;
	p->negotiated = 0;
	p->msix_config = VIRTIO_MSI_NO_VECTOR;
	p->queue_select = 0;
	p->isr = 0;
	p->broken = false;
	for (i = 0; i < p->num_queues; i++)
		queue_defaults(p, i);
	p->stats.resets++;
	if (p->ops->reset)
		p->ops->reset(p->dev);
}

/* The reserved-range prerequisites this transport knows of. */
static const char *core_feature_problem(uint64_t f)
{
	if ((f & VIRTIO_BIT(VIRTIO_F_NOTIF_CONFIG_DATA)) &&
	    !(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return "NOTIF_CONFIG_DATA without VERSION_1";
	return NULL;
}

static void set_features_ok(vpci_t *p)
{
	uint64_t f = p->driver_features;
	const char *why;

	/* drivernormative: Feature Bits -- only offered features */
	if ((f & ~p->offered) || p->driver_features_high) {
		finding(p, VC_SEV_RECORD, CL_DRV_FEATURES, VC_NO_QUEUE,
			"driver accepted unoffered features 0x%llx%s",
			(unsigned long long)(f & ~p->offered),
			p->driver_features_high ? " (and bits above 63)" : "");
		return; /* devicenormative: Feature Bits -- FEATURES_OK stays clear */
	}
	/* drivernormative: Reserved Feature Bits -- accept VERSION_1 */
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		finding(p, VC_SEV_RECORD, CL_DRV_RESERVED, VC_NO_QUEUE,
			"driver did not accept VIRTIO_F_VERSION_1");
		return;
	}
	/* a layout this model does not implement: the device refuses, and
	 * that is no fault of the driver that accepted an offered bit */
	if (f & VIRTIO_BIT(VIRTIO_F_RING_PACKED))
		return;
	why = core_feature_problem(f);
	if (why) {
		finding(p, VC_SEV_RECORD, CL_DRV_FEATURES, VC_NO_QUEUE, "unacceptable features: %s",
			why);
		return;
	}
	/* A device may refuse a subset it cannot work with: that is no
	 * violation by the driver, so nothing is recorded. */
	if (p->ops->set_features && p->ops->set_features(p->dev, f) != 0)
		return;
	p->negotiated = f;
	p->status |= VIRTIO_STATUS_FEATURES_OK;
}

static void write_status(vpci_t *p, uint8_t val)
{
	uint8_t old = p->status, want, added;

	if (val == 0) {
		/* devicenormative: Device Reset -- reads back 0 */
		device_reset(p);
		return;
	}
	want = (uint8_t)(val & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if ((old & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) & ~want)
		/* drivernormative: Device Status Field -- never clear a bit */
		finding(p, VC_SEV_RECORD, CL_DRV_STATUS, VC_NO_QUEUE,
			"status write 0x%02x clears bits of 0x%02x", val, old);
	added = (uint8_t)(want & ~old);
	if (added & VIRTIO_STATUS_FAILED)
		p->status |= VIRTIO_STATUS_FAILED;
	if (added & VIRTIO_STATUS_ACKNOWLEDGE)
		p->status |= VIRTIO_STATUS_ACKNOWLEDGE;
	if (added & VIRTIO_STATUS_DRIVER) {
		if (!(p->status & VIRTIO_STATUS_ACKNOWLEDGE))
			finding(p, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				"DRIVER set before ACKNOWLEDGE");
		p->status |= VIRTIO_STATUS_DRIVER;
	}
	if (added & VIRTIO_STATUS_FEATURES_OK) {
		if (!(p->status & VIRTIO_STATUS_DRIVER))
			finding(p, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				"FEATURES_OK set before DRIVER");
		set_features_ok(p);
	}
	if (added & VIRTIO_STATUS_DRIVER_OK) {
		if (!(p->status & VIRTIO_STATUS_FEATURES_OK)) {
			/* refuse: no buffer may be used without negotiation */
			finding(p, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				"DRIVER_OK set without FEATURES_OK; refused");
		} else {
			p->status |= VIRTIO_STATUS_DRIVER_OK;
			if (p->ops->activate)
				p->ops->activate(p->dev);
		}
	}
}

static void enable_queue(vpci_t *p, uint16_t i)
{
	struct vpci_queue *q = &p->q[i];
	struct vq_cfg c = {
		.index = i,
		.size = q->size,
		.desc = q->desc,
		.driver = q->driver,
		.device = q->device,
		.event_idx = !!(p->negotiated & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)),
		.indirect = !!(p->negotiated & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)),
	};

	if (!(p->status & VIRTIO_STATUS_FEATURES_OK))
		finding(p, VC_SEV_RECORD, CL_DRV_INIT, i,
			"queue %u enabled before FEATURES_OK", i);
	if (vq_dev_enable(q->vq, &c) == 0)
		q->enable = 1;
}

static void reset_queue(vpci_t *p, uint16_t i)
{
	/* devicenormative: Virtqueue Reset -- no more requests, all queue
	 * state to defaults; queue_reset reads 1 until the reset is done */
	queue_defaults(p, i);
	p->q[i].reset_reads_left = p->queue_reset_reads;
	p->q[i].reset = p->queue_reset_reads ? 1 : 0;
}

/* ------------------------------------------------- common config table */

enum reg_id {
	R_DFSELECT, R_DF, R_GFSELECT, R_GF, R_MSIX, R_NUMQ, R_STATUS, R_CFGGEN, R_QSELECT,
	R_QSIZE, R_QMSIX, R_QENABLE, R_QNOFF, R_QDESCLO, R_QDESCHI, R_QAVAILLO, R_QAVAILHI,
	R_QUSEDLO, R_QUSEDHI, R_QNDATA, R_QRESET,
};

struct reg {
	uint16_t off;
	uint8_t width;
	bool ro;       /* drivernormative: the driver never writes it */
	bool per_queue;
	enum reg_id id;
	const char *name;
};

/* sorted by offset */
static const struct reg common_regs[] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4, false, false, R_DFSELECT, "device_feature_select" },
	{ VIRTIO_PCI_COMMON_DF, 4, true, false, R_DF, "device_feature" },
	{ VIRTIO_PCI_COMMON_GFSELECT, 4, false, false, R_GFSELECT, "driver_feature_select" },
	{ VIRTIO_PCI_COMMON_GF, 4, false, false, R_GF, "driver_feature" },
	{ VIRTIO_PCI_COMMON_MSIX, 2, false, false, R_MSIX, "config_msix_vector" },
	{ VIRTIO_PCI_COMMON_NUMQ, 2, true, false, R_NUMQ, "num_queues" },
	{ VIRTIO_PCI_COMMON_STATUS, 1, false, false, R_STATUS, "device_status" },
	{ VIRTIO_PCI_COMMON_CFGGENERATION, 1, true, false, R_CFGGEN, "config_generation" },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2, false, false, R_QSELECT, "queue_select" },
	{ VIRTIO_PCI_COMMON_Q_SIZE, 2, false, true, R_QSIZE, "queue_size" },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2, false, true, R_QMSIX, "queue_msix_vector" },
	{ VIRTIO_PCI_COMMON_Q_ENABLE, 2, false, true, R_QENABLE, "queue_enable" },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2, true, true, R_QNOFF, "queue_notify_off" },
	{ VIRTIO_PCI_COMMON_Q_DESCLO, 4, false, true, R_QDESCLO, "queue_desc (low)" },
	{ VIRTIO_PCI_COMMON_Q_DESCHI, 4, false, true, R_QDESCHI, "queue_desc (high)" },
	{ VIRTIO_PCI_COMMON_Q_AVAILLO, 4, false, true, R_QAVAILLO, "queue_driver (low)" },
	{ VIRTIO_PCI_COMMON_Q_AVAILHI, 4, false, true, R_QAVAILHI, "queue_driver (high)" },
	{ VIRTIO_PCI_COMMON_Q_USEDLO, 4, false, true, R_QUSEDLO, "queue_device (low)" },
	{ VIRTIO_PCI_COMMON_Q_USEDHI, 4, false, true, R_QUSEDHI, "queue_device (high)" },
	{ VIRTIO_PCI_COMMON_Q_NDATA, 2, true, true, R_QNDATA, "queue_notify_data" },
	{ VIRTIO_PCI_COMMON_Q_RESET, 2, false, true, R_QRESET, "queue_reset" },
};

static const struct reg *find_reg(uint64_t off)
{
	size_t lo = 0, hi = sizeof(common_regs) / sizeof(common_regs[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (common_regs[mid].off == off)
			return &common_regs[mid];
		if (common_regs[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A 64-bit access to a 64-bit field pair is allowed as two halves only. */
static const struct reg *decode(vpci_t *p, uint64_t off, unsigned width, bool write)
{
	const struct reg *r = find_reg(off);

	if (!r || r->width != width) {
		/* drivernormative: PCI Device Layout -- natural width, aligned */
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
			"%s of width %u at common config offset 0x%llx%s%s",
			write ? "write" : "read", width, (unsigned long long)off,
			r ? ", field " : " (no field starts there)", r ? r->name : "");
		return NULL;
	}
	return r;
}

static struct vpci_queue *selected(vpci_t *p)
{
	return p->queue_select < p->num_queues ? &p->q[p->queue_select] : NULL;
}

static uint64_t common_read(vpci_t *p, const struct reg *r)
{
	struct vpci_queue *q = selected(p);

	if (r->per_queue && !q)
		return 0; /* devicenormative: queue_size 0 for an unavailable queue */
	switch (r->id) {
	case R_DFSELECT: return p->dfselect;
	case R_DF:
		/* devicenormative: Common configuration -- offered bits */
		return p->dfselect < 2 ? (uint32_t)(p->offered >> (32 * p->dfselect)) : 0;
	case R_GFSELECT: return p->gfselect;
	case R_GF:
		return p->gfselect < 2 ? (uint32_t)(p->driver_features >> (32 * p->gfselect)) : 0;
	case R_MSIX: return p->msix_config;
	case R_NUMQ: return p->num_queues;
	case R_STATUS: return p->status;
	case R_CFGGEN: return p->config_generation;
	case R_QSELECT: return p->queue_select;
	case R_QSIZE: return q->size;
	case R_QMSIX: return q->msix_vector;
	case R_QENABLE: return q->enable;
	case R_QNOFF: return p->queue_select;
	case R_QDESCLO: return (uint32_t)q->desc;
	case R_QDESCHI: return (uint32_t)(q->desc >> 32);
	case R_QAVAILLO: return (uint32_t)q->driver;
	case R_QAVAILHI: return (uint32_t)(q->driver >> 32);
	case R_QUSEDLO: return (uint32_t)q->device;
	case R_QUSEDHI: return (uint32_t)(q->device >> 32);
	case R_QNDATA: return p->queue_select;
	case R_QRESET:
		if (q->reset_reads_left) {
			q->reset_reads_left--;
			return 1;
		}
		q->reset = 0; /* the driver has now seen the reset complete */
		return 0;
	}
	return 0;
}

static void set_half(uint64_t *field, bool high, uint32_t v)
{
	if (high)
		*field = (*field & 0xffffffffull) | ((uint64_t)v << 32);
	else
		*field = (*field & ~0xffffffffull) | v;
}

static uint16_t checked_vector(vpci_t *p, uint16_t v)
{
	/* devicenormative: MSI-X Vector Configuration -- a failed mapping
	 * reads back NO_VECTOR */
	if (v != VIRTIO_MSI_NO_VECTOR && v >= msix_table_size(p))
		return VIRTIO_MSI_NO_VECTOR;
	return v;
}

static void common_write(vpci_t *p, const struct reg *r, uint32_t v)
{
	struct vpci_queue *q = selected(p);
	uint16_t qi = p->queue_select;

	if (r->ro) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, VC_NO_QUEUE,
			"driver wrote read-only field %s", r->name);
		return;
	}
	if (r->per_queue) {
		if (!q) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qi,
				"write to %s of queue %u, which does not exist", r->name, qi);
			return;
		}
		if (q->enable && r->id == R_QENABLE && v == 1)
			return; /* enabling an enabled queue again changes nothing */
		if (q->reset && r->id != R_QRESET) {
			/* drivernormative: Virtqueue Reset -- wait until the
			 * reset is confirmed complete */
			finding(p, VC_SEV_RECORD, CL_DRV_QRESET, qi,
				"%s of queue %u written while its reset is in progress", r->name, qi);
			return;
		}
		if (q->enable && r->id != R_QRESET && r->id != R_QMSIX) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qi,
				"write to %s of queue %u after it was enabled", r->name, qi);
			return;
		}
	}
	switch (r->id) {
	case R_DFSELECT: p->dfselect = v; break;
	case R_GFSELECT: p->gfselect = v; break;
	case R_GF:
		if (p->status & VIRTIO_STATUS_FEATURES_OK) {
			/* drivernormative: Device Initialization */
			finding(p, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				"driver_feature written after FEATURES_OK; ignored");
			return;
		}
		if (p->gfselect < 2) {
			uint64_t mask = 0xffffffffull << (32 * p->gfselect);

			p->driver_features = (p->driver_features & ~mask) |
					     ((uint64_t)v << (32 * p->gfselect));
		} else if (v) {
			p->driver_features_high = true;
		}
		break;
	case R_MSIX: p->msix_config = checked_vector(p, (uint16_t)v); break;
	case R_STATUS: write_status(p, (uint8_t)v); break;
	case R_QSELECT: p->queue_select = (uint16_t)v; break;
	case R_QSIZE:
		/* devicenormative + drivernormative: split ring sizes are powers
		 * of two, at most the maximum the device reported */
		if (!v || (v & (v - 1)) || v > p->ops->queue_size_max) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qi,
				"queue_size %u for queue %u is not a power of two <= %u; ignored", v,
				qi, p->ops->queue_size_max);
			return;
		}
		q->size = (uint16_t)v;
		break;
	case R_QMSIX: q->msix_vector = checked_vector(p, (uint16_t)v); break;
	case R_QENABLE:
		if (v != 1) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qi,
				"queue_enable written %u (only 1 is allowed)", v);
			return;
		}
		if (!q->enable)
			enable_queue(p, qi);
		break;
	case R_QDESCLO: set_half(&q->desc, false, v); break;
	case R_QDESCHI: set_half(&q->desc, true, v); break;
	case R_QAVAILLO: set_half(&q->driver, false, v); break;
	case R_QAVAILHI: set_half(&q->driver, true, v); break;
	case R_QUSEDLO: set_half(&q->device, false, v); break;
	case R_QUSEDHI: set_half(&q->device, true, v); break;
	case R_QRESET:
		if (!(p->negotiated & VIRTIO_BIT(VIRTIO_F_RING_RESET))) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qi,
				"queue_reset written without VIRTIO_F_RING_RESET negotiated");
			return;
		}
		if (v == 1)
			reset_queue(p, qi);
		break;
	default:
		break;
	}
}

/* ----------------------------------------------------------------- BAR 0 */

static void notify(vpci_t *p, uint64_t off, unsigned width, uint64_t val)
{
	uint64_t rel = off - VPCI_BAR_NOTIFY;
	uint16_t q = (uint16_t)(rel / VPCI_NOTIFY_MULT);
	bool data = !!(p->negotiated & VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA));

	if (rel % VPCI_NOTIFY_MULT || q >= p->num_queues || width != (data ? 4u : 2u)) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_NOTIFY, VC_NO_QUEUE,
			"notification of width %u at notify offset 0x%llx", width,
			(unsigned long long)rel);
		return;
	}
	if ((uint16_t)val != q) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_NOTIFY, q,
			"notification for queue %u carries queue index %u", q, (uint16_t)val);
		return;
	}
	/* drivernormative: Device Initialization -- no notifications before
	 * DRIVER_OK; devicenormative: Device Status Field -- no buffers used */
	if (!(p->status & VIRTIO_STATUS_DRIVER_OK)) {
		finding(p, VC_SEV_RECORD, CL_DRV_INIT, q,
			"queue %u notified before DRIVER_OK; ignored", q);
		return;
	}
	if (p->broken || !p->q[q].enable || vq_dev_broken(p->q[q].vq))
		return;
	p->stats.notifies++;
	if (p->ops->queue_notify)
		p->ops->queue_notify(p->dev, q);
}

uint64_t vpci_bar_read(vpci_t *p, uint64_t off, unsigned width)
{
	if (off < VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_SIZE) {
		const struct reg *r = decode(p, off, width, false);

		return r ? common_read(p, r) : 0;
	}
	if (off == VPCI_BAR_ISR) {
		/* devicenormative: ISR status capability -- read clears */
		uint8_t v = p->isr;

		if (width != 1) {
			/* drivernormative: PCI Device Layout -- 8-bit field */
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
				"ISR status read of width %u", width);
			return 0;
		}
		p->isr = 0;
		return v;
	}
	if (off >= VPCI_BAR_DEVICE && off < VPCI_BAR_DEVICE + p->ops->config_size) {
		uint32_t rel = (uint32_t)(off - VPCI_BAR_DEVICE);
		uint8_t buf[4] = { 0 };

		if ((width != 1 && width != 2 && width != 4) || rel % width ||
		    width > p->ops->config_size - rel) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
				"device config read of width %u at 0x%x", width, rel);
			return 0;
		}
		p->ops->config_read(p->dev, rel, buf, width);
		return (uint64_t)buf[0] | (uint64_t)buf[1] << 8 | (uint64_t)buf[2] << 16 |
		       (uint64_t)buf[3] << 24;
	}
	return 0;
}

void vpci_bar_write(vpci_t *p, uint64_t off, unsigned width, uint64_t val)
{
	/* a bus carries only the bytes of the access */
	if (width < 8)
		val &= (1ull << (8 * width)) - 1;
	if (off < VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_SIZE) {
		const struct reg *r = decode(p, off, width, true);

		if (r)
			common_write(p, r, (uint32_t)val);
		return;
	}
	if (off >= VPCI_BAR_NOTIFY && off < VPCI_BAR_NOTIFY + VPCI_NOTIFY_MULT * (uint64_t)p->num_queues) {
		notify(p, off, width, val);
		return;
	}
	if (off >= VPCI_BAR_DEVICE && off < VPCI_BAR_DEVICE + p->ops->config_size) {
		uint32_t rel = (uint32_t)(off - VPCI_BAR_DEVICE);
		uint8_t buf[4] = { (uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16),
				   (uint8_t)(val >> 24) };

		if ((width != 1 && width != 2 && width != 4) || rel % width ||
		    width > p->ops->config_size - rel) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
				"device config write of width %u at 0x%x", width, rel);
			return;
		}
		if (!(p->status & VIRTIO_STATUS_FEATURES_OK)) {
			finding(p, VC_SEV_RECORD, CL_DRV_INIT, VC_NO_QUEUE,
				"device config written before FEATURES_OK; ignored");
			return;
		}
		if (p->ops->config_write)
			p->ops->config_write(p->dev, rel, buf, width);
		return;
	}
	finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
		"write of width %u to BAR 0 offset 0x%llx, which holds no register", width,
		(unsigned long long)off);
}

uint64_t vpci_bar_size(const vpci_t *p)
{
	return VPCI_BAR_NOTIFY + 0x1000;
}

/* ------------------------------------------------------------ lifecycle */

vpci_t *vpci_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, vpci_irq_fn irq, void *irq_ctx)
{
	vpci_t *p;
	uint16_t i;

	if (!ops || (ops->abi_version >> 16) != VC_DEVICE_ABI_MAJOR ||
	    ops->num_queues > VPCI_MAX_QUEUES || !ops->queue_size_max ||
	    (ops->queue_size_max & (ops->queue_size_max - 1)) || !ops->create || !ops->config_read)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->mem = dev_mem;
	p->ops = ops;
	p->irq = irq;
	p->irq_ctx = irq_ctx;
	p->num_queues = ops->num_queues;
	p->host = (struct vc_host_ops){
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
	};
	for (i = 0; i < p->num_queues; i++) {
		p->q[i].vq = vq_dev_new(dev_mem, ring_sink, p);
		if (!p->q[i].vq)
			goto fail;
	}
	p->dev = ops->create(&p->host, p, args);
	if (!p->dev)
		goto fail;
	p->offered = ops->get_features(p->dev);
	if (params) {
		p->offered = (p->offered | params->extra_features) & ~params->withheld_features;
		p->queue_reset_reads = params->queue_reset_reads;
	}
	/* devicenormative: Reserved Feature Bits -- always offer VERSION_1 */
	if (!(p->offered & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		finding(p, VC_SEV_RECORD, CL_DEV_RESERVED, VC_NO_QUEUE,
			"device %s does not offer VIRTIO_F_VERSION_1", ops->name);
	build_cfg_space(p);
	device_reset(p);
	p->stats.resets = 0;
	return p;
fail:
	for (i = 0; i < p->num_queues; i++)
		vq_dev_free(p->q[i].vq);
	free(p);
	return NULL;
}

void vpci_free(vpci_t *p)
{
	uint16_t i;

	if (!p)
		return;
	if (p->ops->destroy)
		p->ops->destroy(p->dev);
	for (i = 0; i < p->num_queues; i++)
		vq_dev_free(p->q[i].vq);
	free(p);
}

uint8_t vpci_status(const vpci_t *p) { return p->status; }
uint64_t vpci_offered_features(const vpci_t *p) { return p->offered; }
uint64_t vpci_negotiated_features(const vpci_t *p) { return p->negotiated; }
bool vpci_broken(const vpci_t *p) { return p->broken; }
const struct vc_findings *vpci_findings(const vpci_t *p) { return &p->findings; }
const struct vpci_stats *vpci_stats(const vpci_t *p) { return &p->stats; }
void *vpci_device(vpci_t *p) { return p->dev; }
const struct vc_device_ops *vpci_ops(const vpci_t *p) { return p->ops; }

struct vq_dev *vpci_queue(vpci_t *p, uint16_t q)
{
	return q < p->num_queues ? p->q[q].vq : NULL;
}
