// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-mmio transport, version 2, device side: the register file decoded
 * onto the device core (vdev_core.c). See vmmio.h.
 */
#include <stdlib.h>

#include "vmmio.h"
#include "virtiocheck/clause.h"

/* identification registers the driver has read (initialization starts with
 * them: drivernormative MMIO Device Initialization) */
#define READ_MAGIC   1u
#define READ_VERSION 2u
#define READ_DEVID   4u

struct vmmio {
	vdev_t *core;
	vmmio_irq_fn irq;
	void *irq_ctx;

	uint32_t device_features_sel, driver_features_sel;
	bool device_features_sel_written, driver_features_sel_written;
	uint32_t queue_sel;
	uint32_t shm_sel;
	uint32_t interrupt_status;
	uint32_t ident_read;
	uint32_t device_id;
};

#define finding(m, ...) vdev_finding((m)->core, __VA_ARGS__)

void vmmio_violation(vmmio_t *m, const struct vc_violation *v)
{
	vdev_violation(m->core, v);
}

/* ------------------------------------------------------------ interrupts */

/*
 * devicenormative: MMIO Device Register Layout -- each event sets its bit in
 * InterruptStatus from the moment it takes place until the driver acks it;
 * the one line is asserted while a bit is set (an edge per event here).
 */
static bool mmio_interrupt(void *ctx, enum vdev_irq_cause cause, uint16_t q)
{
	vmmio_t *m = ctx;

	(void)q;
	m->interrupt_status |= cause == VDEV_IRQ_CONFIG ? VIRTIO_MMIO_INT_CONFIG
							: VIRTIO_MMIO_INT_VRING;
	m->irq(m->irq_ctx);
	return true;
}

void vmmio_raise_interrupt(vmmio_t *m, uint32_t bits)
{
	bits &= VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;
	if (!bits)
		return;
	m->interrupt_status |= bits;
	if (bits & VIRTIO_MMIO_INT_CONFIG)
		vdev_count_interrupt(m->core, VDEV_IRQ_CONFIG);
	if (bits & VIRTIO_MMIO_INT_VRING)
		vdev_count_interrupt(m->core, VDEV_IRQ_QUEUE);
	m->irq(m->irq_ctx);
}

/* Device reset: the register file back to its defaults.
 * devicenormative: MMIO Device Register Layout -- InterruptStatus clear
 * (the core clears the ready bits). */
static void mmio_reset(void *ctx)
{
	vmmio_t *m = ctx;

	m->device_features_sel = m->driver_features_sel = 0;
	m->device_features_sel_written = m->driver_features_sel_written = false;
	m->queue_sel = 0;
	m->shm_sel = 0;
	m->interrupt_status = 0;
}

/* ------------------------------------------------------ register table */

enum mmio_reg_id {
	M_MAGIC, M_VERSION, M_DEVICE_ID, M_VENDOR_ID, M_DEVICE_FEATURES, M_DEVICE_FEATURES_SEL,
	M_DRIVER_FEATURES, M_DRIVER_FEATURES_SEL, M_QUEUE_SEL, M_QUEUE_NUM_MAX, M_QUEUE_NUM,
	M_QUEUE_READY, M_QUEUE_NOTIFY, M_INTERRUPT_STATUS, M_INTERRUPT_ACK, M_STATUS,
	M_QUEUE_DESC_LOW, M_QUEUE_DESC_HIGH, M_QUEUE_DRIVER_LOW, M_QUEUE_DRIVER_HIGH,
	M_QUEUE_DEVICE_LOW, M_QUEUE_DEVICE_HIGH, M_SHM_SEL, M_SHM_LEN_LOW, M_SHM_LEN_HIGH,
	M_SHM_BASE_LOW, M_SHM_BASE_HIGH, M_QUEUE_RESET, M_CONFIG_GENERATION,
};

#define DIR_R  1u
#define DIR_W  2u
#define DIR_RW (DIR_R | DIR_W)

struct mmio_reg {
	uint16_t off;
	uint8_t dir;      /* the table's Direction column */
	enum mmio_reg_id id;
	const char *name;
};

/* 4.2.2, sorted by offset; every register is 32 bits wide */
static const struct mmio_reg mmio_regs[] = {
	{ VIRTIO_MMIO_MAGIC_VALUE, DIR_R, M_MAGIC, "MagicValue" },
	{ VIRTIO_MMIO_VERSION, DIR_R, M_VERSION, "Version" },
	{ VIRTIO_MMIO_DEVICE_ID, DIR_R, M_DEVICE_ID, "DeviceID" },
	{ VIRTIO_MMIO_VENDOR_ID, DIR_R, M_VENDOR_ID, "VendorID" },
	{ VIRTIO_MMIO_DEVICE_FEATURES, DIR_R, M_DEVICE_FEATURES, "DeviceFeatures" },
	{ VIRTIO_MMIO_DEVICE_FEATURES_SEL, DIR_W, M_DEVICE_FEATURES_SEL, "DeviceFeaturesSel" },
	{ VIRTIO_MMIO_DRIVER_FEATURES, DIR_W, M_DRIVER_FEATURES, "DriverFeatures" },
	{ VIRTIO_MMIO_DRIVER_FEATURES_SEL, DIR_W, M_DRIVER_FEATURES_SEL, "DriverFeaturesSel" },
	{ VIRTIO_MMIO_QUEUE_SEL, DIR_W, M_QUEUE_SEL, "QueueSel" },
	{ VIRTIO_MMIO_QUEUE_NUM_MAX, DIR_R, M_QUEUE_NUM_MAX, "QueueNumMax" },
	{ VIRTIO_MMIO_QUEUE_NUM, DIR_W, M_QUEUE_NUM, "QueueNum" },
	{ VIRTIO_MMIO_QUEUE_READY, DIR_RW, M_QUEUE_READY, "QueueReady" },
	{ VIRTIO_MMIO_QUEUE_NOTIFY, DIR_W, M_QUEUE_NOTIFY, "QueueNotify" },
	{ VIRTIO_MMIO_INTERRUPT_STATUS, DIR_R, M_INTERRUPT_STATUS, "InterruptStatus" },
	{ VIRTIO_MMIO_INTERRUPT_ACK, DIR_W, M_INTERRUPT_ACK, "InterruptACK" },
	{ VIRTIO_MMIO_STATUS, DIR_RW, M_STATUS, "Status" },
	{ VIRTIO_MMIO_QUEUE_DESC_LOW, DIR_W, M_QUEUE_DESC_LOW, "QueueDescLow" },
	{ VIRTIO_MMIO_QUEUE_DESC_HIGH, DIR_W, M_QUEUE_DESC_HIGH, "QueueDescHigh" },
	{ VIRTIO_MMIO_QUEUE_DRIVER_LOW, DIR_W, M_QUEUE_DRIVER_LOW, "QueueDriverLow" },
	{ VIRTIO_MMIO_QUEUE_DRIVER_HIGH, DIR_W, M_QUEUE_DRIVER_HIGH, "QueueDriverHigh" },
	{ VIRTIO_MMIO_QUEUE_DEVICE_LOW, DIR_W, M_QUEUE_DEVICE_LOW, "QueueDeviceLow" },
	{ VIRTIO_MMIO_QUEUE_DEVICE_HIGH, DIR_W, M_QUEUE_DEVICE_HIGH, "QueueDeviceHigh" },
	{ VIRTIO_MMIO_SHM_SEL, DIR_W, M_SHM_SEL, "SHMSel" },
	{ VIRTIO_MMIO_SHM_LEN_LOW, DIR_R, M_SHM_LEN_LOW, "SHMLenLow" },
	{ VIRTIO_MMIO_SHM_LEN_HIGH, DIR_R, M_SHM_LEN_HIGH, "SHMLenHigh" },
	{ VIRTIO_MMIO_SHM_BASE_LOW, DIR_R, M_SHM_BASE_LOW, "SHMBaseLow" },
	{ VIRTIO_MMIO_SHM_BASE_HIGH, DIR_R, M_SHM_BASE_HIGH, "SHMBaseHigh" },
	{ VIRTIO_MMIO_QUEUE_RESET, DIR_RW, M_QUEUE_RESET, "QueueReset" },
	{ VIRTIO_MMIO_CONFIG_GENERATION, DIR_R, M_CONFIG_GENERATION, "ConfigGeneration" },
};

static const struct mmio_reg *find_reg(uint64_t off)
{
	size_t lo = 0, hi = sizeof(mmio_regs) / sizeof(mmio_regs[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (mmio_regs[mid].off == off)
			return &mmio_regs[mid];
		if (mmio_regs[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * drivernormative: MMIO Device Register Layout -- only the described
 * registers, 32 bits wide and aligned, reads only of R / RW ones and writes
 * only of W / RW ones. NULL (recorded) when the access breaks one of these.
 */
static const struct mmio_reg *decode(vmmio_t *m, uint64_t off, unsigned width, bool write)
{
	const struct mmio_reg *r = find_reg(off);
	const char *what = write ? "write" : "read";

	if (width != 4 || off % 4) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"%s of width %u at offset 0x%llx: control registers take 32-bit aligned "
			"accesses only%s%s", what, width, (unsigned long long)off,
			r ? " -- register " : "", r ? r->name : "");
		return NULL;
	}
	if (!r) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"%s at offset 0x%llx, where the layout describes no register", what,
			(unsigned long long)off);
		return NULL;
	}
	if (write && !(r->dir & DIR_W)) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"write to the read-only register %s", r->name);
		return NULL;
	}
	if (!write && !(r->dir & DIR_R)) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"read of the write-only register %s", r->name);
		return NULL;
	}
	return r;
}

/* The selected queue as a core index; a selector beyond 16 bits names no
 * queue (and must not alias a real one). */
static uint16_t sel_queue(const vmmio_t *m)
{
	return m->queue_sel > 0xffffu ? 0xffffu : (uint16_t)m->queue_sel;
}

static uint32_t reg_read(vmmio_t *m, const struct mmio_reg *r)
{
	uint16_t q = sel_queue(m);

	switch (r->id) {
	/* devicenormative: MMIO Device Register Layout -- magic and version */
	case M_MAGIC:
		m->ident_read |= READ_MAGIC;
		return VIRTIO_MMIO_MAGIC;
	case M_VERSION:
		m->ident_read |= READ_VERSION;
		return VIRTIO_MMIO_VERSION_2;
	case M_DEVICE_ID:
		m->ident_read |= READ_DEVID;
		return m->device_id;
	case M_VENDOR_ID: return VMMIO_VENDOR_ID;
	case M_DEVICE_FEATURES:
		/* drivernormative: MMIO Device Register Layout -- select first */
		if (!m->device_features_sel_written)
			finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
				"DeviceFeatures read before DeviceFeaturesSel was written");
		return vdev_device_features(m->core, m->device_features_sel);
	case M_QUEUE_NUM_MAX: return vdev_queue_size_max(m->core, q);
	case M_QUEUE_READY: return vdev_queue_enabled(m->core, q) ? 1 : 0;
	case M_INTERRUPT_STATUS: return m->interrupt_status;
	case M_STATUS: return vdev_status(m->core);
	/* no shared memory regions: a non-existent region's length is -1 and
	 * its base all ones */
	case M_SHM_LEN_LOW:
	case M_SHM_LEN_HIGH:
	case M_SHM_BASE_LOW:
	case M_SHM_BASE_HIGH:
		return 0xffffffffu;
	/* devicenormative: MMIO Device Register Layout -- QueueReset reads 1
	 * while the reset is ongoing, then 0 (and 0 after reset / enable) */
	case M_QUEUE_RESET: return vdev_queue_reset_read(m->core, q);
	case M_CONFIG_GENERATION: return vdev_config_generation(m->core);
	default:
		return 0;
	}
}

static void write_status(vmmio_t *m, uint32_t v)
{
	const uint32_t ident = READ_MAGIC | READ_VERSION | READ_DEVID;

	/* drivernormative: MMIO Device Initialization -- initialization starts
	 * by reading MagicValue, Version and DeviceID */
	if (vdev_status(m->core) == 0 && (v & VIRTIO_STATUS_ACKNOWLEDGE) &&
	    (m->ident_read & ident) != ident)
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO_INIT, VC_NO_QUEUE,
			"ACKNOWLEDGE set before the driver read MagicValue, Version and DeviceID");
	vdev_write_status(m->core, (uint8_t)v);
}

static void write_notify(vmmio_t *m, uint32_t v)
{
	bool data = !!(vdev_negotiated_features(m->core) & VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA));
	uint16_t q = (uint16_t)v;

	/* Available Buffer Notifications: the 16-bit queue index, or with
	 * NOTIFICATION_DATA the index in the low 16 bits */
	if (!data && v > 0xffffu) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"QueueNotify written 0x%x: without NOTIFICATION_DATA it carries only a "
			"queue index", v);
		return;
	}
	if (q >= vdev_num_queues(m->core)) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"QueueNotify names queue %u, which does not exist", q);
		return;
	}
	vdev_notify(m->core, q);
}

static void write_ack(vmmio_t *m, uint32_t v)
{
	const uint32_t defined = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;

	/* drivernormative: MMIO Device Register Layout -- no undefined bits */
	if (v & ~defined)
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"InterruptACK written 0x%x, which sets undefined bits", v);
	/* drivernormative: Notifications From The Device -- the mask names the
	 * events handled, so only events that took place */
	if (v & defined & ~m->interrupt_status)
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO_NOTIFY, VC_NO_QUEUE,
			"InterruptACK 0x%x acknowledges events that are not pending (status 0x%x)",
			v, m->interrupt_status);
	m->interrupt_status &= ~(v & defined);
}

static void reg_write(vmmio_t *m, const struct mmio_reg *r, uint32_t v)
{
	uint16_t q = sel_queue(m);

	switch (r->id) {
	case M_DEVICE_FEATURES_SEL:
		m->device_features_sel = v;
		m->device_features_sel_written = true;
		break;
	case M_DRIVER_FEATURES:
		/* drivernormative: MMIO Device Register Layout -- select first */
		if (!m->driver_features_sel_written)
			finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
				"DriverFeatures written before DriverFeaturesSel");
		vdev_write_driver_features(m->core, m->driver_features_sel, v);
		break;
	case M_DRIVER_FEATURES_SEL:
		m->driver_features_sel = v;
		m->driver_features_sel_written = true;
		break;
	case M_QUEUE_SEL: m->queue_sel = v; break;
	/* drivernormative: MMIO Device Register Layout -- QueueNum <=
	 * QueueNumMax; no queue configuration while QueueReady is not 0 */
	case M_QUEUE_NUM: vdev_queue_set_size(m->core, q, r->name, v); break;
	case M_QUEUE_READY:
		if (v == 1)
			vdev_queue_enable(m->core, q, r->name);
		else if (v == 0)
			vdev_queue_disable(m->core, q, r->name);
		else
			finding(m, VC_SEV_RECORD, CL_DRV_MMIO, q,
				"QueueReady written %u (only 0 and 1 mean anything)", v);
		break;
	case M_QUEUE_NOTIFY: write_notify(m, v); break;
	case M_INTERRUPT_ACK: write_ack(m, v); break;
	case M_STATUS: write_status(m, v); break;
	case M_QUEUE_DESC_LOW: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DESC, false, v); break;
	case M_QUEUE_DESC_HIGH: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DESC, true, v); break;
	case M_QUEUE_DRIVER_LOW: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DRIVER, false, v); break;
	case M_QUEUE_DRIVER_HIGH: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DRIVER, true, v); break;
	case M_QUEUE_DEVICE_LOW: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DEVICE, false, v); break;
	case M_QUEUE_DEVICE_HIGH: vdev_queue_set_area(m->core, q, r->name, VDEV_AREA_DEVICE, true, v); break;
	case M_SHM_SEL: m->shm_sel = v; break;
	case M_QUEUE_RESET: vdev_queue_reset_write(m->core, q, r->name, v); break;
	default:
		break;
	}
}

/* --------------------------------------------------------- the window */

/* drivernormative: MMIO Device Register Layout -- configuration fields take
 * 8-, 16- or 32-bit aligned accesses inside the device's configuration */
static bool config_access_ok(vmmio_t *m, uint64_t rel, unsigned width, bool write)
{
	uint32_t size = vdev_config_size(m->core);

	if ((width != 1 && width != 2 && width != 4) || rel % width || rel >= size ||
	    width > size - rel) {
		finding(m, VC_SEV_RECORD, CL_DRV_MMIO, VC_NO_QUEUE,
			"device configuration %s of width %u at 0x%llx (configuration size %u)",
			write ? "write" : "read", width, (unsigned long long)rel, size);
		return false;
	}
	return true;
}

uint64_t vmmio_read(vmmio_t *m, uint64_t off, unsigned width)
{
	if (off < VIRTIO_MMIO_CONFIG) {
		const struct mmio_reg *r = decode(m, off, width, false);

		return r ? reg_read(m, r) : 0;
	}
	if (!config_access_ok(m, off - VIRTIO_MMIO_CONFIG, width, false))
		return 0;
	return vdev_config_read(m->core, (uint32_t)(off - VIRTIO_MMIO_CONFIG), width);
}

void vmmio_write(vmmio_t *m, uint64_t off, unsigned width, uint64_t val)
{
	/* a bus carries only the bytes of the access */
	if (width < 8)
		val &= (1ull << (8 * width)) - 1;
	if (off < VIRTIO_MMIO_CONFIG) {
		const struct mmio_reg *r = decode(m, off, width, true);

		if (r)
			reg_write(m, r, (uint32_t)val);
		return;
	}
	if (config_access_ok(m, off - VIRTIO_MMIO_CONFIG, width, true))
		vdev_config_write(m->core, (uint32_t)(off - VIRTIO_MMIO_CONFIG), width,
				  (uint32_t)val);
}

uint64_t vmmio_size(const vmmio_t *m)
{
	return VIRTIO_MMIO_CONFIG + (uint64_t)vdev_config_size(m->core);
}

/* ------------------------------------------------------------ lifecycle */

vmmio_t *vmmio_new(gm_view_t *dev_mem, const struct vc_device_ops *ops, const char *args,
		   const struct vdev_params *params, vmmio_irq_fn irq, void *irq_ctx)
{
	struct vdev_front front = {
		.drv_regs_clause = CL_DRV_MMIO,
		.interrupt = mmio_interrupt,
		.reset = mmio_reset,
	};
	vmmio_t *m;

	if (!irq)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->irq = irq;
	m->irq_ctx = irq_ctx;
	front.ctx = m;
	m->core = vdev_new(dev_mem, ops, args, params, &front);
	if (!m->core) {
		free(m);
		return NULL;
	}
	m->device_id = ops->device_id;
	return m;
}

void vmmio_free(vmmio_t *m)
{
	if (!m)
		return;
	vdev_free(m->core);
	free(m);
}

vdev_t *vmmio_core(vmmio_t *m) { return m->core; }
uint8_t vmmio_status(const vmmio_t *m) { return vdev_status(m->core); }
uint32_t vmmio_interrupt_status(const vmmio_t *m) { return m->interrupt_status; }
uint64_t vmmio_offered_features(const vmmio_t *m) { return vdev_offered_features(m->core); }
uint64_t vmmio_negotiated_features(const vmmio_t *m) { return vdev_negotiated_features(m->core); }
bool vmmio_broken(const vmmio_t *m) { return vdev_broken(m->core); }
const struct vc_findings *vmmio_findings(const vmmio_t *m) { return vdev_findings(m->core); }
const struct vdev_stats *vmmio_stats(const vmmio_t *m) { return vdev_stats(m->core); }
struct vq_dev *vmmio_queue(vmmio_t *m, uint16_t q) { return vdev_queue(m->core, q); }
void *vmmio_device(vmmio_t *m) { return vdev_device(m->core); }
const struct vc_device_ops *vmmio_ops(const vmmio_t *m) { return vdev_ops(m->core); }
