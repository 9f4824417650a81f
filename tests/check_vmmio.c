// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-mmio transport (VIRTIO 1.2 4.2), both sides:
 *  - the device's register file (model/transport/vmmio.c on the device core):
 *    register values, each device-normative MUST of "MMIO Device Register
 *    Layout", and the driver-normative findings it records;
 *  - the reference driver over MMIO (model/drivers/vdrv.c): identification,
 *    initialization, rng traffic, interrupt status and acknowledgement,
 *    configuration generation retry, queue reset, re-initialization, and its
 *    refusal of a device with a wrong magic, version or device ID.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "vdev_core.h"
#include "vdrv.h"
#include "vmmio.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_mmio.h"

#define ST_ACK  VIRTIO_STATUS_ACKNOWLEDGE
#define ST_DRV  VIRTIO_STATUS_DRIVER
#define ST_FOK  VIRTIO_STATUS_FEATURES_OK
#define ST_DOK  VIRTIO_STATUS_DRIVER_OK
#define ST_NR   VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define ST_FAIL VIRTIO_STATUS_FAILED

#define F_V1     VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_RRESET VIRTIO_BIT(VIRTIO_F_RING_RESET)

#define INT_VRING  VIRTIO_MMIO_INT_VRING
#define INT_CONFIG VIRTIO_MMIO_INT_CONFIG

static const struct gm_region_spec regions[] = {
	{ 0x00010000ull, 0x00200000ull },
	{ 0x100000000ull, 0x00100000ull },
};

/* ------------------------------------------------------------ fake device */

/* 8 bytes of configuration holding a "version" twice; while unstable_reads
 * is non-zero each configuration read first changes it (config_changed). */
#define FAKE_ID     26
#define FAKE_QUEUES 2
#define FAKE_QMAX   32

static struct fake {
	const struct vc_host_ops *host;
	void *h;
	uint32_t version;
	unsigned unstable_reads;
	unsigned config_reads;
	uint8_t written[8];
	unsigned notified[FAKE_QUEUES];
} fk;

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	fk.host = host;
	fk.h = h;
	return &fk;
}

static uint64_t fake_get_features(void *dev)
{
	return F_V1 | F_RRESET | VIRTIO_BIT(0);
}

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	uint8_t cfg[8];
	unsigned k;

	fk.config_reads++;
	if (fk.unstable_reads) {
		fk.unstable_reads--;
		fk.version++;
		fk.host->config_changed(fk.h);
	}
	for (k = 0; k < 8; k++)
		cfg[k] = (uint8_t)(fk.version >> (8 * (k % 4)));
	memcpy(dst, cfg + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	memcpy(fk.written + off, src, len);
}

static void fake_notify(void *dev, uint16_t q)
{
	if (q < FAKE_QUEUES)
		fk.notified[q]++;
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fake",
	.device_id = FAKE_ID,
	.num_queues = FAKE_QUEUES,
	.queue_size_max = FAKE_QMAX,
	.config_size = 8,
	.create = fake_create,
	.get_features = fake_get_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.queue_notify = fake_notify,
};

/* ------------------------------------------------- the device on its own */

static gm_t *gm;
static gm_view_t *drv_view, *dev_view;
static vmmio_t *m;
static unsigned irqs;

static void count_irq(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static void open_device(const struct vc_device_ops *ops, const struct vdev_params *params)
{
	memset(&fk, 0, sizeof(fk));
	irqs = 0;
	vc_test_memory(regions, 2, &gm, &drv_view, &dev_view);
	m = vmmio_new(dev_view, ops, NULL, params, count_irq, &irqs);
	ck_assert_ptr_nonnull(m);
}

static void setup_fake(void)
{
	open_device(&fake_ops, NULL);
}

static void teardown_device(void)
{
	vmmio_free(m);
	m = NULL;
	gm_view_unmap(drv_view);
	gm_view_unmap(dev_view);
	gm_destroy(gm);
	gm = NULL;
}

static uint32_t rd(uint32_t off) { return (uint32_t)vmmio_read(m, off, 4); }
static void wr(uint32_t off, uint32_t v) { vmmio_write(m, off, 4, v); }

static unsigned count_clause(const struct vc_findings *f, const char *clause)
{
	unsigned i, n = 0;

	for (i = 0; i < f->count; i++)
		if (f->v[i].clause && strcmp(f->v[i].clause, clause) == 0)
			n++;
	return n;
}

static unsigned dev_find(const char *clause)
{
	return count_clause(vmmio_findings(m), clause);
}

static void assert_device_clean(void)
{
	const struct vc_findings *f = vmmio_findings(m);

	ck_assert_msg(f->count == 0, "device finding: %s: %s", f->count ? f->v[0].clause : "",
		      f->count ? f->v[0].msg : "");
}

/* What a conforming driver does first: identify, reset, negotiate. */
static void identify(void)
{
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_ne(rd(VIRTIO_MMIO_DEVICE_ID), 0);
}

static void negotiate(uint64_t features)
{
	identify();
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, ST_ACK);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_ne(rd(VIRTIO_MMIO_STATUS) & ST_FOK, 0);
}

/* Queue q with rings in guest memory, size 8, ready. */
static void setup_queue(uint16_t q)
{
	uint64_t base = 0x20000 + 0x1000ull * q;

	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(base + 0x400));
	wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(base + 0x800));
	wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

static void go_live(uint64_t features)
{
	negotiate(features);
	setup_queue(0);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ST_ACK | ST_DRV | ST_FOK | ST_DOK);
}

/* ----------------------------------------------------- register values */

START_TEST(identification_registers)
{
	/* devicenormative: MMIO Device Register Layout -- magic and version */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976u);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VENDOR_ID), VMMIO_VENDOR_ID);
	ck_assert_uint_eq(vmmio_size(m), 0x100 + 8);
	assert_device_clean();
}
END_TEST

START_TEST(device_features_by_word)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES),
			  (uint32_t)((F_V1 | F_RRESET) >> 32));
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
	assert_device_clean();
}
END_TEST

START_TEST(driver_features_negotiated)
{
	negotiate(F_V1 | VIRTIO_BIT(0));
	ck_assert_uint_eq(vmmio_negotiated_features(m), F_V1 | VIRTIO_BIT(0));
	assert_device_clean();
}
END_TEST

START_TEST(unoffered_feature_keeps_features_ok_clear)
{
	identify();
	wr(VIRTIO_MMIO_STATUS, ST_ACK);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << 5); /* bit 5 is not offered */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(F_V1 >> 32));
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & ST_FOK, 0);
	ck_assert_uint_eq(dev_find(CL_DRV_FEATURES), 1);
}
END_TEST

START_TEST(queue_num_max_zero_for_missing_queue)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), FAKE_QMAX);
	wr(VIRTIO_MMIO_QUEUE_SEL, FAKE_QUEUES - 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), FAKE_QMAX);
	/* devicenormative: QueueNumMax 0 for a queue that is not available */
	wr(VIRTIO_MMIO_QUEUE_SEL, FAKE_QUEUES);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0x10000); /* must not alias queue 0 */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_device_clean();
}
END_TEST

START_TEST(shared_memory_registers_read_all_ones)
{
	unsigned sel;

	for (sel = 0; sel < 3; sel++) {
		wr(VIRTIO_MMIO_SHM_SEL, sel);
		ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
		ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffffu);
		ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffffu);
		ck_assert_uint_eq(rd(VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffffu);
	}
	assert_device_clean();
}
END_TEST

START_TEST(config_space_at_0x100)
{
	uint32_t v;

	fk.version = 0x11223344;
	ck_assert_uint_eq(vmmio_read(m, 0x100, 4), 0x11223344u);
	ck_assert_uint_eq(vmmio_read(m, 0x104, 2), 0x3344u);
	ck_assert_uint_eq(vmmio_read(m, 0x107, 1), 0x11u);
	negotiate(F_V1);
	vmmio_write(m, 0x104, 4, 0xa1b2c3d4u);
	memcpy(&v, fk.written + 4, 4);
	ck_assert_uint_eq(v, 0xa1b2c3d4u);
	assert_device_clean();
}
END_TEST

/* recorded against the driver, and still handed to the device, which
 * decides (console emerg_wr must work on an unconfigured device) */
START_TEST(config_write_before_features_ok_recorded)
{
	vmmio_write(m, 0x100, 1, 0x5a);
	ck_assert_uint_eq(fk.written[0], 0x5a);
	ck_assert_uint_eq(dev_find(CL_DRV_INIT), 1);
}
END_TEST

/* -------------------------------------- device-normative MUSTs (4.2.2.1) */

START_TEST(reset_clears_ready_and_interrupt_status)
{
	go_live(F_V1);
	setup_queue(1);
	fk.host->config_changed(fk.h);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_CONFIG);
	wr(VIRTIO_MMIO_STATUS, 0);
	/* devicenormative: upon reset InterruptStatus and every QueueReady 0 */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!vq_dev_enabled(vmmio_queue(m, 0)));
	ck_assert(!vq_dev_enabled(vmmio_queue(m, 1)));
	assert_device_clean();
}
END_TEST

START_TEST(interrupt_status_held_until_acked)
{
	go_live(F_V1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	fk.host->config_changed(fk.h);
	ck_assert_uint_eq(irqs, 1);
	/* devicenormative: the bit stays set from the event until acked, and
	 * no bit that represents no event is set */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(vmmio_stats(m)->config_interrupts, 1);
	assert_device_clean();
}
END_TEST

START_TEST(one_interrupt_with_both_causes)
{
	go_live(F_V1);
	vmmio_raise_interrupt(m, INT_VRING | INT_CONFIG | 0x80);
	ck_assert_uint_eq(irqs, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_VRING | INT_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, INT_VRING);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_device_clean();
}
END_TEST

START_TEST(config_generation_changes_with_config)
{
	uint32_t g0 = rd(VIRTIO_MMIO_CONFIG_GENERATION);

	ck_assert_uint_eq(rd(VIRTIO_MMIO_CONFIG_GENERATION), g0);
	fk.host->config_changed(fk.h);
	/* devicenormative: a new ConfigGeneration when the config changed */
	ck_assert_uint_ne(rd(VIRTIO_MMIO_CONFIG_GENERATION), g0);
	/* before DRIVER_OK a change raises no interrupt */
	ck_assert_uint_eq(irqs, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_device_clean();
}
END_TEST

START_TEST(queue_not_ready_is_not_accessed)
{
	struct vc_elem e;

	go_live(F_V1);
	/* queue 1 was never made ready: the device may not touch it */
	ck_assert_int_eq(fk.host->queue_pop(fk.h, 1, &e), VC_POP_BROKEN);
	ck_assert(!vq_dev_enabled(vmmio_queue(m, 1)));
	/* and queue 0 once the driver wrote 0 to QueueReady */
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!vq_dev_enabled(vmmio_queue(m, 0)));
	ck_assert_int_eq(fk.host->queue_pop(fk.h, 0, &e), VC_POP_BROKEN);
	/* the configuration may be written again, and the queue re-enabled */
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	ck_assert_uint_eq(vdev_queue_size(vmmio_core(m), 0), 16);
	ck_assert_int_eq(fk.host->queue_pop(fk.h, 0, &e), VC_POP_EMPTY);
	assert_device_clean();
}
END_TEST

START_TEST(queue_reset_register)
{
	struct vdev_params params = { .queue_reset_reads = 2 };

	teardown_device();
	open_device(&fake_ops, &params);
	/* devicenormative: QueueReset reads 0 on reset */
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 0);
	go_live(F_V1 | F_RRESET);
	/* ... and after the queue was enabled with QueueReady */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 0);
	wr(VIRTIO_MMIO_QUEUE_RESET, 1);
	/* devicenormative: 1 while the reset is ongoing, then 0 in both
	 * QueueReset and QueueReady */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(!vq_dev_enabled(vmmio_queue(m, 0)));
	/* the queue is set up again as at discovery */
	setup_queue(0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_RESET), 0);
	assert_device_clean();
}
END_TEST

START_TEST(queue_reset_in_progress_blocks_setup)
{
	struct vdev_params params = { .queue_reset_reads = 3 };

	teardown_device();
	open_device(&fake_ops, &params);
	go_live(F_V1 | F_RRESET);
	wr(VIRTIO_MMIO_QUEUE_RESET, 1);
	/* drivernormative: Virtqueue Reset -- wait for QueueReset 0 */
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(dev_find(CL_DRV_QRESET), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
}
END_TEST

START_TEST(queue_reset_needs_ring_reset)
{
	go_live(F_V1);
	wr(VIRTIO_MMIO_QUEUE_RESET, 1);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	ck_assert(vq_dev_enabled(vmmio_queue(m, 0)));
}
END_TEST

START_TEST(notification_reaches_device)
{
	go_live(F_V1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(fk.notified[0], 1);
	ck_assert_uint_eq(vmmio_stats(m)->notifies, 1);
	assert_device_clean();
}
END_TEST

/* ------------------------------------ driver-normative findings (4.2.2.2) */

struct bad_access {
	const char *name;
	uint32_t off;
	unsigned width;
	bool write;
};

static const struct bad_access bad_accesses[] = {
	{ "narrow read of Status", VIRTIO_MMIO_STATUS, 1, false },
	{ "16-bit read of MagicValue", VIRTIO_MMIO_MAGIC_VALUE, 2, false },
	{ "64-bit read of MagicValue", VIRTIO_MMIO_MAGIC_VALUE, 8, false },
	{ "unaligned 32-bit read", VIRTIO_MMIO_STATUS + 2, 4, false },
	{ "narrow write of Status", VIRTIO_MMIO_STATUS, 1, true },
	{ "16-bit write of QueueSel", VIRTIO_MMIO_QUEUE_SEL, 2, true },
	{ "unaligned 32-bit write", VIRTIO_MMIO_QUEUE_SEL + 1, 4, true },
	{ "read of DeviceFeaturesSel (W)", VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, false },
	{ "read of DriverFeatures (W)", VIRTIO_MMIO_DRIVER_FEATURES, 4, false },
	{ "read of QueueNum (W)", VIRTIO_MMIO_QUEUE_NUM, 4, false },
	{ "read of QueueNotify (W)", VIRTIO_MMIO_QUEUE_NOTIFY, 4, false },
	{ "read of InterruptACK (W)", VIRTIO_MMIO_INTERRUPT_ACK, 4, false },
	{ "read of QueueDescLow (W)", VIRTIO_MMIO_QUEUE_DESC_LOW, 4, false },
	{ "read of SHMSel (W)", VIRTIO_MMIO_SHM_SEL, 4, false },
	{ "write of MagicValue (R)", VIRTIO_MMIO_MAGIC_VALUE, 4, true },
	{ "write of DeviceID (R)", VIRTIO_MMIO_DEVICE_ID, 4, true },
	{ "write of DeviceFeatures (R)", VIRTIO_MMIO_DEVICE_FEATURES, 4, true },
	{ "write of QueueNumMax (R)", VIRTIO_MMIO_QUEUE_NUM_MAX, 4, true },
	{ "write of InterruptStatus (R)", VIRTIO_MMIO_INTERRUPT_STATUS, 4, true },
	{ "write of SHMLenLow (R)", VIRTIO_MMIO_SHM_LEN_LOW, 4, true },
	{ "write of ConfigGeneration (R)", VIRTIO_MMIO_CONFIG_GENERATION, 4, true },
	{ "read of an undescribed offset", 0x018, 4, false },
	{ "write of an undescribed offset", 0x040, 4, true },
	{ "read just below the config", 0x0f8, 4, false },
	{ "config read past its size", 0x108, 1, false },
	{ "config write past its size", 0x10c, 4, true },
	{ "unaligned 16-bit config read", 0x101, 2, false },
	{ "64-bit config read", 0x100, 8, false },
};

START_TEST(forbidden_access_recorded_and_ignored)
{
	const struct bad_access *a = &bad_accesses[_i];
	uint64_t got = 0;

	negotiate(F_V1);
	if (a->write)
		vmmio_write(m, a->off, a->width, 0xffffffffu);
	else
		got = vmmio_read(m, a->off, a->width);
	ck_assert_msg(dev_find(CL_DRV_MMIO) == 1, "%s not recorded", a->name);
	ck_assert_uint_eq(vmmio_findings(m)->count, 1);
	ck_assert_uint_eq(got, 0);
	/* nothing changed */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert(!vmmio_broken(m));
	ck_assert_uint_eq(fk.written[0] | fk.written[4], 0);
}
END_TEST

static const uint32_t locked_regs[] = {
	VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
};

START_TEST(queue_config_locked_while_ready)
{
	vdev_t *core = vmmio_core(m);
	uint64_t desc, drv, dev;

	negotiate(F_V1);
	setup_queue(0);
	desc = vdev_queue_area(core, 0, VDEV_AREA_DESC);
	drv = vdev_queue_area(core, 0, VDEV_AREA_DRIVER);
	dev = vdev_queue_area(core, 0, VDEV_AREA_DEVICE);
	/* drivernormative: no QueueNum or address writes while QueueReady */
	wr(locked_regs[_i], 4);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	ck_assert_uint_eq(vdev_queue_size(core, 0), 8);
	ck_assert_uint_eq(vdev_queue_area(core, 0, VDEV_AREA_DESC), desc);
	ck_assert_uint_eq(vdev_queue_area(core, 0, VDEV_AREA_DRIVER), drv);
	ck_assert_uint_eq(vdev_queue_area(core, 0, VDEV_AREA_DEVICE), dev);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}
END_TEST

START_TEST(queue_num_above_max_recorded)
{
	vdev_t *core = vmmio_core(m);

	negotiate(F_V1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	/* drivernormative: QueueNum <= QueueNumMax */
	wr(VIRTIO_MMIO_QUEUE_NUM, FAKE_QMAX * 2);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	/* a split ring's size is a power of two */
	wr(VIRTIO_MMIO_QUEUE_NUM, 12);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 2);
	ck_assert_uint_eq(vdev_queue_size(core, 0), FAKE_QMAX);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	ck_assert_uint_eq(vdev_queue_size(core, 0), 4);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 2);
}
END_TEST

START_TEST(queue_ready_only_0_or_1)
{
	negotiate(F_V1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 2);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
}
END_TEST

START_TEST(feature_registers_need_selection_first)
{
	/* drivernormative: write DeviceFeaturesSel before reading
	 * DeviceFeatures, DriverFeaturesSel before writing DriverFeatures */
	rd(VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 2);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	rd(VIRTIO_MMIO_DEVICE_FEATURES);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 2);
	/* a reset forgets the selections */
	wr(VIRTIO_MMIO_STATUS, 0);
	rd(VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 3);
}
END_TEST

START_TEST(interrupt_ack_rules)
{
	go_live(F_V1);
	fk.host->config_changed(fk.h);
	/* drivernormative: no undefined bits in InterruptACK */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, INT_CONFIG | 0x10);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* drivernormative: Notifications From The Device -- ack what was
	 * handled: an event that did not take place was not */
	wr(VIRTIO_MMIO_INTERRUPT_ACK, INT_VRING);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO_NOTIFY), 1);
}
END_TEST

START_TEST(initialization_starts_with_identification)
{
	/* drivernormative: MMIO Device Initialization -- MagicValue, Version
	 * and DeviceID come first */
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, ST_ACK);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO_INIT), 1);
	wr(VIRTIO_MMIO_STATUS, 0);
	identify();
	wr(VIRTIO_MMIO_STATUS, ST_ACK);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO_INIT), 1);
}
END_TEST

START_TEST(notification_checks)
{
	negotiate(F_V1);
	setup_queue(0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(dev_find(CL_DRV_INIT), 1); /* before DRIVER_OK */
	ck_assert_uint_eq(fk.notified[0], 0);
	wr(VIRTIO_MMIO_STATUS, ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, FAKE_QUEUES);
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 1); /* no such queue */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);       /* only an index */
	ck_assert_uint_eq(dev_find(CL_DRV_MMIO), 2);
	ck_assert_uint_eq(fk.notified[0], 0);
	/* queue 1 is not ready: the notification does not reach the device */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_uint_eq(fk.notified[1], 0);
}
END_TEST

START_TEST(device_failure_sets_needs_reset_and_interrupts)
{
	go_live(F_V1);
	(*fk.host->fail)(fk.h, CL_DRV_FRAMING, "bad request"); /* not Check's fail() */
	ck_assert_uint_ne(rd(VIRTIO_MMIO_STATUS) & ST_NR, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), INT_CONFIG);
	ck_assert_uint_eq(irqs, 1);
	ck_assert(vmmio_broken(m));
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert(!vmmio_broken(m));
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
}
END_TEST

/* -------------------------------------------- the reference driver on MMIO */

/*
 * The driver reaches the device through this window, which can lie: a wrong
 * magic, version or device ID, QueueReady stuck at 1, extra InterruptStatus
 * bits. It also counts the driver's accesses.
 */
static struct win {
	vmmio_t *m;
	vdrv_t *drv;
	bool fake_magic, fake_version, fake_devid;
	uint32_t magic, version, devid;
	bool ready_stuck;
	uint32_t extra_status;
	unsigned reads, writes;
	uint64_t highest_read;
	unsigned bad_width; /* accesses other than 32 bits below 0x100 */
} w;

static uint64_t w_read(void *ctx, uint64_t off, unsigned width)
{
	struct win *x = ctx;
	uint64_t v = vmmio_read(x->m, off, width);

	x->reads++;
	if (off > x->highest_read)
		x->highest_read = off;
	if (off < 0x100 && width != 4)
		x->bad_width++;
	if (off == VIRTIO_MMIO_MAGIC_VALUE && x->fake_magic)
		return x->magic;
	if (off == VIRTIO_MMIO_VERSION && x->fake_version)
		return x->version;
	if (off == VIRTIO_MMIO_DEVICE_ID && x->fake_devid)
		return x->devid;
	if (off == VIRTIO_MMIO_QUEUE_READY && x->ready_stuck)
		return 1;
	if (off == VIRTIO_MMIO_INTERRUPT_STATUS)
		return v | x->extra_status;
	return v;
}

static void w_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	struct win *x = ctx;

	x->writes++;
	if (off < 0x100 && width != 4)
		x->bad_width++;
	vmmio_write(x->m, off, width, val);
}

static void w_line(void *ctx)
{
	struct win *x = ctx;

	if (x->drv)
		vdrv_interrupt(x->drv, VC_IRQ_INTX);
}

static void open_driver(const struct vc_device_ops *ops, const char *args,
			const struct vdev_params *params)
{
	struct vdrv_mmio_transport t = { .ctx = &w, .read = w_read, .write = w_write };

	memset(&fk, 0, sizeof(fk));
	memset(&w, 0, sizeof(w));
	vc_test_memory(regions, 2, &gm, &drv_view, &dev_view);
	m = w.m = vmmio_new(dev_view, ops, args, params, w_line, &w);
	ck_assert_ptr_nonnull(w.m);
	t.size = vmmio_size(w.m);
	w.drv = vdrv_new_mmio(gm, drv_view, &t);
	ck_assert_ptr_nonnull(w.drv);
	ck_assert(vdrv_is_mmio(w.drv));
}

static void open_rng(const struct vdev_params *params)
{
	open_driver(&vc_rng_device_ops, "seed=7", params);
}

static void setup_rng_driver(void)
{
	open_rng(NULL);
}

static void teardown_driver(void)
{
	vdrv_free(w.drv);
	w.drv = NULL;
	teardown_device();
	w.m = NULL;
}

static unsigned drv_find(const char *clause)
{
	return count_clause(vdrv_findings(w.drv), clause);
}

static void assert_clean(void)
{
	const struct vc_findings *r = vdrv_findings(w.drv);

	assert_device_clean();
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
	ck_assert_uint_eq(w.bad_width, 0);
}

static void rng_read_ok(vdrv_t *d, size_t n)
{
	struct vrng_drv r;
	uint8_t buf[1024];
	size_t i, nonzero = 0;

	ck_assert_uint_le(n, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(vrng_drv_attach(&r, d, 64), 0);
	ck_assert_int_eq(vrng_drv_read(&r, buf, n), (long)n);
	for (i = 0; i < n; i++)
		nonzero += buf[i] != 0;
	ck_assert_uint_gt(nonzero, 0);
}

static void rng_init(uint64_t wanted)
{
	struct vdrv_config cfg;

	vrng_drv_config(&cfg, wanted);
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), 0);
}

START_TEST(driver_runs_rng_over_mmio)
{
	const struct vdrv_irq_stats *irq;

	ck_assert_int_eq(vdrv_probe(w.drv, VIRTIO_ID_RNG), 0);
	rng_init(0);
	ck_assert_uint_eq(vmmio_status(w.m), ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	ck_assert_uint_eq(vdrv_status(w.drv), ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	ck_assert_uint_ne(vdrv_features(w.drv) & F_V1, 0);
	ck_assert_uint_eq(vmmio_negotiated_features(w.m), vdrv_features(w.drv));
	rng_read_ok(w.drv, 1000);
	/* every used buffer notification was read from InterruptStatus and
	 * acknowledged */
	irq = vdrv_irq_stats(w.drv);
	ck_assert_uint_gt(vmmio_stats(w.m)->queue_interrupts, 0);
	ck_assert_uint_eq(irq->intx, vmmio_stats(w.m)->queue_interrupts);
	ck_assert_uint_eq(irq->queue[0], irq->intx);
	ck_assert_uint_eq(vmmio_interrupt_status(w.m), 0);
	ck_assert_uint_gt(vmmio_stats(w.m)->notifies, 0);
	assert_clean();
}
END_TEST

static struct hook_log {
	unsigned n;
	enum vdrv_step step[16];
	uint8_t dev_status[16];
} hl;

static enum vdrv_hook_action log_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	struct hook_log *l = ctx;

	if (l->n < 16) {
		l->step[l->n] = s->step;
		l->dev_status[l->n] = vmmio_status(w.m);
		l->n++;
	}
	return VDRV_PROCEED;
}

START_TEST(driver_init_hooks_run_in_order)
{
	/* the hook sees the same steps on MMIO as on PCI, each before its
	 * register writes */
	static const enum vdrv_step order[] = {
		VDRV_STEP_RESET, VDRV_STEP_WAIT_RESET, VDRV_STEP_ACKNOWLEDGE, VDRV_STEP_DRIVER,
		VDRV_STEP_READ_FEATURES, VDRV_STEP_WRITE_FEATURES, VDRV_STEP_FEATURES_OK,
		VDRV_STEP_CHECK_FEATURES_OK, VDRV_STEP_QUEUE_SETUP, VDRV_STEP_DRIVER_OK,
	};
	static const uint8_t before[] = {
		0, 0, 0, ST_ACK, ST_ACK | ST_DRV, ST_ACK | ST_DRV, ST_ACK | ST_DRV,
		ST_ACK | ST_DRV | ST_FOK, ST_ACK | ST_DRV | ST_FOK, ST_ACK | ST_DRV | ST_FOK,
	};
	struct vdrv_config cfg;
	unsigned k;

	memset(&hl, 0, sizeof(hl));
	vrng_drv_config(&cfg, 0);
	cfg.hook = log_hook;
	cfg.hook_ctx = &hl;
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), 0);
	ck_assert_uint_eq(hl.n, sizeof(order) / sizeof(order[0]));
	for (k = 0; k < hl.n; k++) {
		ck_assert_msg(hl.step[k] == order[k], "hook call %u: step %d, want %d", k,
			      hl.step[k], order[k]);
		ck_assert_msg(hl.dev_status[k] == before[k], "step %d: device status 0x%x",
			      hl.step[k], hl.dev_status[k]);
	}
	assert_clean();
}
END_TEST

static enum vdrv_hook_action small_queue_hook(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	unsigned *calls = ctx;

	(*calls)++;
	if (s->step == VDRV_STEP_QUEUE_SETUP)
		s->queue_size = 16;
	return VDRV_PROCEED;
}

START_TEST(driver_hook_sets_queue_size)
{
	struct vdrv_config cfg;
	unsigned calls = 0;

	vrng_drv_config(&cfg, 0);
	cfg.hook = small_queue_hook;
	cfg.hook_ctx = &calls;
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), 0);
	ck_assert_uint_eq(calls, 10);
	ck_assert_uint_eq(vdev_queue_size(vmmio_core(w.m), 0), 16);
	rng_read_ok(w.drv, 1000); /* wraps the 16-entry ring */
	assert_clean();
}
END_TEST

START_TEST(driver_queue_reset_over_mmio)
{
	struct vdev_params params = { .queue_reset_reads = 3 };

	teardown_driver();
	open_rng(&params);
	rng_init(F_RRESET);
	ck_assert_uint_ne(vdrv_features(w.drv) & F_RRESET, 0);
	rng_read_ok(w.drv, 200);
	ck_assert_int_eq(vdrv_queue_reset(w.drv, 0, 8), 0);
	ck_assert_uint_eq(vdev_queue_size(vmmio_core(w.m), 0), 8);
	ck_assert_uint_eq(vmmio_read(w.m, VIRTIO_MMIO_QUEUE_READY, 4), 1);
	rng_read_ok(w.drv, 200);
	assert_clean();
}
END_TEST

START_TEST(driver_refuses_queue_ready_after_reset)
{
	rng_init(F_RRESET);
	w.ready_stuck = true;
	/* devicenormative: QueueReady 0 once the queue reset completed */
	ck_assert_int_eq(vdrv_queue_reset(w.drv, 0, 0), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_MMIO), 1);
}
END_TEST

START_TEST(driver_reset_and_reinit)
{
	rng_init(0);
	rng_read_ok(w.drv, 100);
	vdrv_reset(w.drv);
	ck_assert_uint_eq(vmmio_status(w.m), 0);
	ck_assert_uint_eq(vmmio_read(w.m, VIRTIO_MMIO_QUEUE_READY, 4), 0);
	ck_assert_uint_eq(vmmio_interrupt_status(w.m), 0);
	rng_init(0);
	rng_read_ok(w.drv, 100);
	ck_assert_uint_eq(vmmio_stats(w.m)->resets, 3); /* two inits, one reset */
	assert_clean();
}
END_TEST

START_TEST(driver_config_read_retries_generation)
{
	struct vdrv_config cfg;
	uint32_t v[2];

	teardown_driver();
	open_driver(&fake_ops, NULL, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = FAKE_ID;
	cfg.num_queues = 1;
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), 0);
	fk.unstable_reads = 3;
	ck_assert_int_eq(vdrv_config_read(w.drv, 0, v, sizeof(v)), 0);
	/* the two fields come from one generation */
	ck_assert_uint_eq(v[0], v[1]);
	ck_assert_uint_eq(v[0], 3);
	/* two 32-bit reads per attempt; the first two attempts saw changes */
	ck_assert_uint_eq(fk.config_reads, 3 * 2);
	/* each config change while DRIVER_OK interrupted, and was acked */
	ck_assert_uint_eq(vdrv_irq_stats(w.drv)->config, 3);
	ck_assert_uint_eq(vmmio_interrupt_status(w.m), 0);
	/* an access past the configuration is refused by the driver */
	ck_assert_int_eq(vdrv_config_read(w.drv, 4, v, 8), -1);
	assert_clean();
}
END_TEST

START_TEST(driver_config_read_gives_up_on_unstable_generation)
{
	struct vdrv_config cfg;
	uint32_t v;

	teardown_driver();
	open_driver(&fake_ops, NULL, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = FAKE_ID;
	cfg.num_queues = 1;
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), 0);
	fk.unstable_reads = 1000;
	ck_assert_int_eq(vdrv_config_read(w.drv, 0, &v, sizeof(v)), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_MMIO), 1);
}
END_TEST

START_TEST(driver_acks_only_defined_interrupt_bits)
{
	rng_init(0);
	w.extra_status = 0x100;
	vmmio_raise_interrupt(w.m, INT_CONFIG);
	/* drivernormative: undefined bits ignored, never acked; the device
	 * that set one broke its MUST */
	ck_assert_uint_eq(drv_find(CL_DEV_MMIO), 1);
	ck_assert_uint_eq(vdrv_irq_stats(w.drv)->config, 1);
	ck_assert_uint_eq(vmmio_interrupt_status(w.m), 0);
	assert_device_clean();
}
END_TEST

START_TEST(driver_space_accessors_on_mmio)
{
	teardown_driver();
	open_driver(&fake_ops, NULL, NULL);
	fk.version = 0x01020304;
	ck_assert_uint_eq(vdrv_space_read(w.drv, VDRV_SPACE_COMMON, VIRTIO_MMIO_MAGIC_VALUE, 4),
			  VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(vdrv_common_read(w.drv, VIRTIO_MMIO_VERSION, 4), 2);
	ck_assert_uint_eq(vdrv_space_read(w.drv, VDRV_SPACE_DEVICE, 0, 4), 0x01020304u);
	ck_assert_uint_eq(vdrv_space_read(w.drv, VDRV_SPACE_ISR, 0, 4), 0);
	ck_assert_uint_eq(vdrv_pci_cfg_read(w.drv, 0, 2), 0xffffffffu);
	vdrv_common_write(w.drv, VIRTIO_MMIO_QUEUE_SEL, 4, 1);
	ck_assert_uint_eq(vdrv_common_read(w.drv, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), FAKE_QMAX);
	assert_device_clean();
}
END_TEST

/* A device the driver must refuse, and whether it may say why. */
struct bad_ident {
	const char *name;
	bool magic, version, devid;
	uint32_t value;
	bool recorded;          /* a finding citing the MMIO device clause */
	uint64_t highest_read;  /* the driver touched nothing beyond this */
};

static const struct bad_ident bad_idents[] = {
	{ "legacy magic", true, false, false, 0x12345678u, true, VIRTIO_MMIO_MAGIC_VALUE },
	{ "no device (all ones)", true, false, false, 0xffffffffu, true, VIRTIO_MMIO_MAGIC_VALUE },
	{ "legacy version 1", false, true, false, 1, true, VIRTIO_MMIO_VERSION },
	{ "version 3", false, true, false, 3, true, VIRTIO_MMIO_VERSION },
	{ "placeholder device ID 0", false, false, true, 0, false, VIRTIO_MMIO_DEVICE_ID },
	{ "another device type", false, false, true, VIRTIO_ID_BLOCK, false,
	  VIRTIO_MMIO_DEVICE_ID },
};

START_TEST(driver_refuses_bad_identification)
{
	const struct bad_ident *b = &bad_idents[_i];
	struct vdrv_config cfg;

	w.fake_magic = b->magic;
	w.fake_version = b->version;
	w.fake_devid = b->devid;
	w.magic = w.version = w.devid = b->value;
	ck_assert_int_eq(vdrv_probe(w.drv, VIRTIO_ID_RNG), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_MMIO), b->recorded ? 1 : 0);
	ck_assert_uint_eq(vdrv_findings(w.drv)->count, b->recorded ? 1 : 0);
	/* drivernormative: ignore the device; with DeviceID 0 access no other
	 * register */
	ck_assert_uint_eq(w.highest_read, b->highest_read);
	ck_assert_uint_eq(w.writes, 0);
	/* initialization starts with the same check and stops there */
	vrng_drv_config(&cfg, 0);
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), -1);
	ck_assert_uint_eq(w.highest_read, b->highest_read);
	ck_assert_uint_eq(w.writes, 0);
	ck_assert_uint_eq(vmmio_status(w.m), 0);
}
END_TEST

START_TEST(driver_refuses_queue_already_ready)
{
	struct vdrv_config cfg;

	w.ready_stuck = true;
	vrng_drv_config(&cfg, 0);
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_MMIO), 1);
	ck_assert_uint_ne(vmmio_status(w.m) & ST_FAIL, 0);
	ck_assert_uint_eq(vmmio_status(w.m) & ST_DOK, 0);
}
END_TEST

START_TEST(driver_fails_init_when_queue_missing)
{
	struct vdrv_config cfg;

	vrng_drv_config(&cfg, 0);
	cfg.num_queues = 2; /* rng has one: QueueNumMax of queue 1 reads 0 */
	ck_assert_int_eq(vdrv_init(w.drv, &cfg), -1);
	ck_assert_uint_ne(vmmio_status(w.m) & ST_FAIL, 0);
	ck_assert_uint_eq(vmmio_status(w.m) & ST_DOK, 0);
	assert_clean();
}
END_TEST

/* ------------------------------------------------------------ vc_pair */

START_TEST(pair_opens_mmio)
{
	struct vc_pair p;
	struct vdrv_config cfg;

	ck_assert_int_eq(vc_pair_open_mmio(&p, &vc_rng_device_ops, "seed=3", NULL, NULL, 0), 0);
	ck_assert_int_eq(p.transport, VC_TRANSPORT_MMIO);
	ck_assert_ptr_null(p.dev);
	ck_assert_ptr_nonnull(p.mmio);
	ck_assert_ptr_eq(p.core, vmmio_core(p.mmio));
	ck_assert_int_eq(vdrv_probe(p.drv, VIRTIO_ID_RNG), 0);
	vrng_drv_config(&cfg, 0);
	ck_assert_int_eq(vdrv_init(p.drv, &cfg), 0);
	rng_read_ok(p.drv, 500);
	ck_assert_uint_eq(vdev_findings(p.core)->count, 0);
	ck_assert_uint_eq(vdrv_findings(p.drv)->count, 0);
	ck_assert_uint_eq(vmmio_interrupt_status(p.mmio), 0);
	vc_pair_close(&p);
}
END_TEST

START_TEST(pair_opens_pci_by_options)
{
	struct vc_pair p;
	struct vc_pair_opts o = { .transport = VC_TRANSPORT_PCI };
	struct vdrv_config cfg;

	ck_assert_int_eq(vc_pair_open_opts(&p, &vc_rng_device_ops, "seed=3", &o), 0);
	ck_assert_ptr_nonnull(p.dev);
	ck_assert_ptr_null(p.mmio);
	ck_assert_ptr_eq(p.core, vpci_core(p.dev));
	ck_assert(!vdrv_is_mmio(p.drv));
	ck_assert_int_eq(vdrv_probe(p.drv, VIRTIO_ID_RNG), 0);
	vrng_drv_config(&cfg, 0);
	ck_assert_int_eq(vdrv_init(p.drv, &cfg), 0);
	rng_read_ok(p.drv, 500);
	ck_assert_uint_eq(vdev_findings(p.core)->count, 0);
	vc_pair_close(&p);
}
END_TEST

static Suite *vmmio_suite(void)
{
	Suite *s = suite_create("vmmio");
	TCase *tc;

	tc = tcase_create("registers");
	tcase_add_checked_fixture(tc, setup_fake, teardown_device);
	tcase_add_test(tc, identification_registers);
	tcase_add_test(tc, device_features_by_word);
	tcase_add_test(tc, driver_features_negotiated);
	tcase_add_test(tc, unoffered_feature_keeps_features_ok_clear);
	tcase_add_test(tc, queue_num_max_zero_for_missing_queue);
	tcase_add_test(tc, shared_memory_registers_read_all_ones);
	tcase_add_test(tc, config_space_at_0x100);
	tcase_add_test(tc, config_write_before_features_ok_recorded);
	suite_add_tcase(s, tc);

	tc = tcase_create("device_musts");
	tcase_add_checked_fixture(tc, setup_fake, teardown_device);
	tcase_add_test(tc, reset_clears_ready_and_interrupt_status);
	tcase_add_test(tc, interrupt_status_held_until_acked);
	tcase_add_test(tc, one_interrupt_with_both_causes);
	tcase_add_test(tc, config_generation_changes_with_config);
	tcase_add_test(tc, queue_not_ready_is_not_accessed);
	tcase_add_test(tc, queue_reset_register);
	tcase_add_test(tc, queue_reset_in_progress_blocks_setup);
	tcase_add_test(tc, queue_reset_needs_ring_reset);
	tcase_add_test(tc, notification_reaches_device);
	tcase_add_test(tc, device_failure_sets_needs_reset_and_interrupts);
	suite_add_tcase(s, tc);

	tc = tcase_create("driver_findings");
	tcase_add_checked_fixture(tc, setup_fake, teardown_device);
	tcase_add_loop_test(tc, forbidden_access_recorded_and_ignored, 0,
			    (int)(sizeof(bad_accesses) / sizeof(bad_accesses[0])));
	tcase_add_loop_test(tc, queue_config_locked_while_ready, 0,
			    (int)(sizeof(locked_regs) / sizeof(locked_regs[0])));
	tcase_add_test(tc, queue_num_above_max_recorded);
	tcase_add_test(tc, queue_ready_only_0_or_1);
	tcase_add_test(tc, feature_registers_need_selection_first);
	tcase_add_test(tc, interrupt_ack_rules);
	tcase_add_test(tc, initialization_starts_with_identification);
	tcase_add_test(tc, notification_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("driver");
	tcase_add_checked_fixture(tc, setup_rng_driver, teardown_driver);
	tcase_add_test(tc, driver_runs_rng_over_mmio);
	tcase_add_test(tc, driver_init_hooks_run_in_order);
	tcase_add_test(tc, driver_hook_sets_queue_size);
	tcase_add_test(tc, driver_queue_reset_over_mmio);
	tcase_add_test(tc, driver_refuses_queue_ready_after_reset);
	tcase_add_test(tc, driver_reset_and_reinit);
	tcase_add_test(tc, driver_config_read_retries_generation);
	tcase_add_test(tc, driver_config_read_gives_up_on_unstable_generation);
	tcase_add_test(tc, driver_acks_only_defined_interrupt_bits);
	tcase_add_test(tc, driver_space_accessors_on_mmio);
	tcase_add_loop_test(tc, driver_refuses_bad_identification, 0,
			    (int)(sizeof(bad_idents) / sizeof(bad_idents[0])));
	tcase_add_test(tc, driver_refuses_queue_already_ready);
	tcase_add_test(tc, driver_fails_init_when_queue_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("pair");
	tcase_add_test(tc, pair_opens_mmio);
	tcase_add_test(tc, pair_opens_pci_by_options);
	suite_add_tcase(s, tc);

	return s;
}

VC_CHECK_MAIN(vmmio_suite)
