// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-pci modern transport, device side: PCI configuration space, the
 * capabilities and BAR 0 decoded onto the transport-independent device core
 * (vdev_core.c). See vpci.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

struct vpci_pcicfg {      /* VIRTIO_PCI_CAP_PCI_CFG window */
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

struct vpci {
	vdev_t *core;
	vpci_irq_fn irq;
	void *irq_ctx;

	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint16_t queue_select;
	uint16_t num_queues;
	uint8_t isr;
	bool msix_enabled;
	uint16_t msix_vector[VDEV_MAX_QUEUES];
	uint8_t cfg[VPCI_CFG_SPACE];
	struct vpci_pcicfg pcicfg;
	uint32_t bar0;            /* BAR 0 address as programmed */
};

/* Every finding goes through the core's choke point. */
#define finding(p, ...) vdev_finding((p)->core, __VA_ARGS__)

void vpci_violation(vpci_t *p, const struct vc_violation *v)
{
	vdev_violation(p->core, v);
}

/* ------------------------------------------------------------ interrupts */

static uint16_t msix_table_size(const vpci_t *p) { return (uint16_t)(p->num_queues + 1); }

/* The core's notification, delivered the PCI way: an MSI-X vector, or the
 * ISR bit and INTx. */
static bool pci_interrupt(void *ctx, enum vdev_irq_cause cause, uint16_t q)
{
	vpci_t *p = ctx;

	if (cause == VDEV_IRQ_CONFIG) {
		/* devicenormative: ISR status capability -- ISR bit before
		 * the interrupt */
		p->isr |= VIRTIO_PCI_ISR_CONFIG;
		if (p->msix_enabled) {
			/* devicenormative: Notification of Device
			 * Configuration Changes -- NO_VECTOR: none */
			if (p->msix_config == VIRTIO_MSI_NO_VECTOR)
				return false;
			p->irq(p->irq_ctx, p->msix_config);
			return true;
		}
		p->irq(p->irq_ctx, VPCI_IRQ_INTX);
		return true;
	}
	if (p->msix_enabled) {
		/* devicenormative: Used Buffer Notifications -- NO_VECTOR: none */
		if (q >= p->num_queues || p->msix_vector[q] == VIRTIO_MSI_NO_VECTOR)
			return false;
		p->irq(p->irq_ctx, p->msix_vector[q]);
		return true;
	}
	p->isr |= VIRTIO_PCI_ISR_QUEUE;
	p->irq(p->irq_ctx, VPCI_IRQ_INTX);
	return true;
}

void vpci_raise_isr(vpci_t *p, uint8_t bits)
{
	bits &= VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG;
	if (!bits)
		return;
	if (p->msix_enabled) {
		/* with MSI-X each cause has its own vector */
		if (bits & VIRTIO_PCI_ISR_CONFIG)
			vdev_interrupt(p->core, VDEV_IRQ_CONFIG, VC_NO_QUEUE);
		if (bits & VIRTIO_PCI_ISR_QUEUE)
			vdev_interrupt(p->core, VDEV_IRQ_QUEUE, 0);
		return;
	}
	p->isr |= bits;
	if (bits & VIRTIO_PCI_ISR_CONFIG)
		vdev_count_interrupt(p->core, VDEV_IRQ_CONFIG);
	if (bits & VIRTIO_PCI_ISR_QUEUE)
		vdev_count_interrupt(p->core, VDEV_IRQ_QUEUE);
	p->irq(p->irq_ctx, VPCI_IRQ_INTX);
}

/* Device reset: the PCI registers back to their defaults. */
static void pci_reset(void *ctx)
{
	vpci_t *p = ctx;

	p->dfselect = p->gfselect = 0;
	p->msix_config = VIRTIO_MSI_NO_VECTOR;
	p->queue_select = 0;
	p->isr = 0;
}

static void pci_queue_reset(void *ctx, uint16_t q)
{
	vpci_t *p = ctx;

	if (q < VDEV_MAX_QUEUES)
		p->msix_vector[q] = VIRTIO_MSI_NO_VECTOR;
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
	put16(b, 0x02, (uint16_t)(VIRTIO_PCI_DEVICE_ID_BASE + vdev_ops(p->core)->device_id));
	put16(b, 0x06, 0x0010);       /* status: capabilities list */
	b[0x08] = 1;                  /* revision ID: modern */
	b[0x0b] = 0xff;               /* class: misc */
	put32(b, 0x10, 0x00000000);   /* BAR0: 32-bit memory */
	put16(b, 0x2c, VIRTIO_PCI_VENDOR_ID);
	/* 4.1.2.1: a non-transitional device SHOULD use a subsystem
	 * device ID of 0x40 or higher */
	put16(b, 0x2e, (uint16_t)(0x40 + vdev_ops(p->core)->device_id));
	b[0x34] = CAP_COMMON;
	virtio_cap(b, CAP_COMMON, CAP_NOTIFY, 16, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_BAR_COMMON,
		   VIRTIO_PCI_COMMON_SIZE);
	virtio_cap(b, CAP_NOTIFY, CAP_ISR, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_BAR_NOTIFY,
		   VPCI_NOTIFY_MULT * (uint32_t)(p->num_queues ? p->num_queues : 1));
	put32(b, CAP_NOTIFY + 16, VPCI_NOTIFY_MULT);
	virtio_cap(b, CAP_ISR, CAP_DEVICE, 16, VIRTIO_PCI_CAP_ISR_CFG, VPCI_BAR_ISR, 1);
	virtio_cap(b, CAP_DEVICE, CAP_PCICFG, 16, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_BAR_DEVICE,
		   vdev_config_size(p->core));
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

static uint64_t common_read(vpci_t *p, const struct reg *r)
{
	uint16_t qs = p->queue_select;

	if (r->per_queue && qs >= p->num_queues)
		return 0; /* devicenormative: queue_size 0 for an unavailable queue */
	switch (r->id) {
	case R_DFSELECT: return p->dfselect;
	case R_DF: return vdev_device_features(p->core, p->dfselect);
	case R_GFSELECT: return p->gfselect;
	case R_GF: return vdev_driver_features(p->core, p->gfselect);
	case R_MSIX: return p->msix_config;
	case R_NUMQ: return p->num_queues;
	case R_STATUS: return vdev_status(p->core);
	case R_CFGGEN: return vdev_config_generation(p->core);
	case R_QSELECT: return qs;
	case R_QSIZE: return vdev_queue_size(p->core, qs);
	case R_QMSIX: return p->msix_vector[qs];
	case R_QENABLE: return vdev_queue_enabled(p->core, qs);
	case R_QNOFF: return qs;
	case R_QDESCLO: return (uint32_t)vdev_queue_area(p->core, qs, VDEV_AREA_DESC);
	case R_QDESCHI: return (uint32_t)(vdev_queue_area(p->core, qs, VDEV_AREA_DESC) >> 32);
	case R_QAVAILLO: return (uint32_t)vdev_queue_area(p->core, qs, VDEV_AREA_DRIVER);
	case R_QAVAILHI: return (uint32_t)(vdev_queue_area(p->core, qs, VDEV_AREA_DRIVER) >> 32);
	case R_QUSEDLO: return (uint32_t)vdev_queue_area(p->core, qs, VDEV_AREA_DEVICE);
	case R_QUSEDHI: return (uint32_t)(vdev_queue_area(p->core, qs, VDEV_AREA_DEVICE) >> 32);
	case R_QNDATA: return qs;
	case R_QRESET: return vdev_queue_reset_read(p->core, qs);
	}
	return 0;
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
	uint16_t qs = p->queue_select;

	if (r->ro) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, VC_NO_QUEUE,
			"driver wrote read-only field %s", r->name);
		return;
	}
	switch (r->id) {
	case R_DFSELECT: p->dfselect = v; break;
	case R_GFSELECT: p->gfselect = v; break;
	case R_GF: vdev_write_driver_features(p->core, p->gfselect, v); break;
	case R_MSIX: p->msix_config = checked_vector(p, (uint16_t)v); break;
	case R_STATUS: vdev_write_status(p->core, (uint8_t)v); break;
	case R_QSELECT: p->queue_select = (uint16_t)v; break;
	case R_QSIZE: vdev_queue_set_size(p->core, qs, r->name, v); break;
	case R_QMSIX:
		/* the vector may change while the queue is enabled */
		if (vdev_queue_may_write(p->core, qs, r->name, false))
			p->msix_vector[qs] = checked_vector(p, (uint16_t)v);
		break;
	case R_QENABLE:
		if (vdev_queue_enabled(p->core, qs) && v == 1)
			return; /* enabling an enabled queue again changes nothing */
		if (!vdev_queue_may_write(p->core, qs, r->name, true))
			return;
		if (v != 1) {
			finding(p, VC_SEV_RECORD, CL_DRV_PCI_COMMON, qs,
				"queue_enable written %u (only 1 is allowed)", v);
			return;
		}
		vdev_queue_enable(p->core, qs, r->name);
		break;
	case R_QDESCLO: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DESC, false, v); break;
	case R_QDESCHI: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DESC, true, v); break;
	case R_QAVAILLO: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DRIVER, false, v); break;
	case R_QAVAILHI: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DRIVER, true, v); break;
	case R_QUSEDLO: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DEVICE, false, v); break;
	case R_QUSEDHI: vdev_queue_set_area(p->core, qs, r->name, VDEV_AREA_DEVICE, true, v); break;
	case R_QRESET: vdev_queue_reset_write(p->core, qs, r->name, v); break;
	default:
		break;
	}
}

/* ----------------------------------------------------------------- BAR 0 */

static void notify(vpci_t *p, uint64_t off, unsigned width, uint64_t val)
{
	uint64_t rel = off - VPCI_BAR_NOTIFY;
	uint16_t q = (uint16_t)(rel / VPCI_NOTIFY_MULT);
	bool data = !!(vdev_negotiated_features(p->core) &
		       VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA));

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
	vdev_notify(p->core, q);
}

/* devicenormative: Device-specific configuration -- 1, 2 or 4 bytes,
 * aligned, inside the structure (drivernormative: PCI Device Layout) */
static bool device_cfg_access_ok(vpci_t *p, uint32_t rel, unsigned width, bool write)
{
	uint32_t size = vdev_config_size(p->core);

	if ((width != 1 && width != 2 && width != 4) || rel % width || width > size - rel) {
		finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
			"device config %s of width %u at 0x%x", write ? "write" : "read", width,
			rel);
		return false;
	}
	return true;
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
	if (off >= VPCI_BAR_DEVICE && off < VPCI_BAR_DEVICE + vdev_config_size(p->core)) {
		uint32_t rel = (uint32_t)(off - VPCI_BAR_DEVICE);

		if (!device_cfg_access_ok(p, rel, width, false))
			return 0;
		return vdev_config_read(p->core, rel, width);
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
	if (off >= VPCI_BAR_DEVICE && off < VPCI_BAR_DEVICE + vdev_config_size(p->core)) {
		uint32_t rel = (uint32_t)(off - VPCI_BAR_DEVICE);

		if (device_cfg_access_ok(p, rel, width, true))
			vdev_config_write(p->core, rel, width, (uint32_t)val);
		return;
	}
	finding(p, VC_SEV_RECORD, CL_DRV_PCI_LAYOUT, VC_NO_QUEUE,
		"write of width %u to BAR 0 offset 0x%llx, which holds no register", width,
		(unsigned long long)off);
}

uint64_t vpci_bar_size(const vpci_t *p)
{
	(void)p;
	return VPCI_BAR_NOTIFY + 0x1000;
}

/* ------------------------------------------------------------ lifecycle */

vpci_t *vpci_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, vpci_irq_fn irq, void *irq_ctx)
{
	struct vdev_front front = {
		.drv_regs_clause = CL_DRV_PCI_COMMON,
		.interrupt = pci_interrupt,
		.reset = pci_reset,
		.queue_reset = pci_queue_reset,
	};
	vpci_t *p;

	if (!irq)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->irq = irq;
	p->irq_ctx = irq_ctx;
	front.ctx = p;
	p->core = vdev_new(dev_mem, ops, args, params, &front);
	if (!p->core) {
		free(p);
		return NULL;
	}
	p->num_queues = ops->num_queues;
	build_cfg_space(p);
	return p;
}

void vpci_free(vpci_t *p)
{
	if (!p)
		return;
	vdev_free(p->core);
	free(p);
}

vdev_t *vpci_core(vpci_t *p) { return p->core; }
uint8_t vpci_status(const vpci_t *p) { return vdev_status(p->core); }
uint64_t vpci_offered_features(const vpci_t *p) { return vdev_offered_features(p->core); }
uint64_t vpci_negotiated_features(const vpci_t *p) { return vdev_negotiated_features(p->core); }
bool vpci_broken(const vpci_t *p) { return vdev_broken(p->core); }
const struct vc_findings *vpci_findings(const vpci_t *p) { return vdev_findings(p->core); }
const struct vdev_stats *vpci_stats(const vpci_t *p) { return vdev_stats(p->core); }
void *vpci_device(vpci_t *p) { return vdev_device(p->core); }
const struct vc_device_ops *vpci_ops(const vpci_t *p) { return vdev_ops(p->core); }
struct vq_dev *vpci_queue(vpci_t *p, uint16_t q) { return vdev_queue(p->core, q); }
