// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-pci modern transport, device side (model/transport/vpci.c),
 * driven through raw register accesses: PCI configuration space, the common
 * configuration structure, the ISR, the device configuration and the
 * notification area of BAR 0.
 *
 * Each test opens a vc_pair and gives its device an interrupt line this suite
 * records (the pair's own vpci is replaced by one created on the same guest
 * memory view with rec_irq). The rings are driven from the test with the
 * driver side of the split ring code; the transport registers are written by
 * hand. A fake device records which device ops the transport called.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "vc_pair.h"
#include "vpci.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11
#define CAP_WALK_MAX    48

#define ST_ACK   VIRTIO_STATUS_ACKNOWLEDGE
#define ST_DRV   VIRTIO_STATUS_DRIVER
#define ST_FOK   VIRTIO_STATUS_FEATURES_OK
#define ST_DOK   VIRTIO_STATUS_DRIVER_OK
#define ST_NR    VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define ST_LIVE  (ST_ACK | ST_DRV | ST_FOK | ST_DOK)

#define F_V1     VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_RRESET VIRTIO_BIT(VIRTIO_F_RING_RESET)

/* Ring placement in guest region 0 (0x10000 + 4 MiB) for queue q. */
#define RING_BASE   0x100000ull
#define RING_STRIDE 0x10000ull
#define RING_BUF    0x8000ull
#define QSIZE       16

#define RNG_QMAX 256 /* the rng device's queue_size_max */

/* ------------------------------------------------------------ fake device */

#define FAKE_ID       26
#define FAKE_QUEUES   2
#define FAKE_QMAX     64
#define FAKE_CFG_SIZE 8
#define FAKE_FEATURES (VIRTIO_BIT(0) | VIRTIO_BIT(1) | F_V1 | F_RRESET)

static struct fake {
	const struct vc_host_ops *host;
	void *h;
	unsigned set_features, activate, reset, notify, config_writes;
	uint64_t features;
	uint16_t last_notify;
	bool refuse;
	uint8_t config[FAKE_CFG_SIZE];
} fk;

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	fk.host = host;
	fk.h = h;
	return &fk;
}

static void fake_destroy(void *dev)
{
}

static uint64_t fake_get_features(void *dev)
{
	return FAKE_FEATURES;
}

static int fake_set_features(void *dev, uint64_t f)
{
	fk.set_features++;
	fk.features = f;
	return fk.refuse ? -1 : 0;
}

static void fake_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	memcpy(dst, fk.config + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	fk.config_writes++;
	memcpy(fk.config + off, src, len);
}

static void fake_activate(void *dev)
{
	fk.activate++;
}

static void fake_reset(void *dev)
{
	fk.reset++;
}

static void fake_queue_notify(void *dev, uint16_t q)
{
	fk.notify++;
	fk.last_notify = q;
}

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fake",
	.device_id = FAKE_ID,
	.num_queues = FAKE_QUEUES,
	.queue_size_max = FAKE_QMAX,
	.config_size = FAKE_CFG_SIZE,
	.create = fake_create,
	.destroy = fake_destroy,
	.get_features = fake_get_features,
	.set_features = fake_set_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_activate,
	.reset = fake_reset,
	.queue_notify = fake_queue_notify,
};

/* ------------------------------------------------------------- the pair */

static struct vc_pair pr;
static bool pr_open;
static vq_drv_t *dq[FAKE_QUEUES];
static unsigned ring_findings;

#define IRQ_LOG 32
static struct {
	unsigned n;
	uint16_t vec[IRQ_LOG];
	uint8_t isr[IRQ_LOG]; /* INTx: the ISR byte the handler read */
	bool read_isr;        /* handler reads the ISR (as a driver would) */
} irq;

static void rec_irq(void *ctx, uint16_t vector)
{
	if (irq.n < IRQ_LOG) {
		irq.vec[irq.n] = vector;
		if (irq.read_isr && vector == VPCI_IRQ_INTX)
			irq.isr[irq.n] = (uint8_t)vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1);
	}
	irq.n++;
}

static void ring_sink(void *owner, const struct vc_violation *v)
{
	ring_findings++;
}

static void open_dev(const struct vc_device_ops *ops, const char *args,
		     const struct vpci_params *params)
{
	memset(&fk, 0, sizeof(fk));
	ck_assert_int_eq(vc_pair_open(&pr, ops, args, params, NULL, 0), 0);
	pr_open = true;
	vpci_free(pr.dev);
	pr.dev = vpci_new(pr.dev_mem, ops, args, params, rec_irq, NULL);
	ck_assert_ptr_nonnull(pr.dev);
	memset(&irq, 0, sizeof(irq));
	fk.set_features = fk.activate = fk.reset = fk.notify = fk.config_writes = 0;
	ring_findings = 0;
}

static void open_rng(void)
{
	open_dev(&vc_rng_device_ops, "seed=7", NULL);
}

static void open_fake(void)
{
	open_dev(&fake_ops, NULL, NULL);
}

static void teardown(void)
{
	unsigned i;

	for (i = 0; i < FAKE_QUEUES; i++) {
		vq_drv_free(dq[i]);
		dq[i] = NULL;
	}
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

/* -------------------------------------------------------------- registers */

static uint64_t cr(uint32_t off, unsigned width)
{
	return vpci_bar_read(pr.dev, VPCI_BAR_COMMON + off, width);
}

static void cw(uint32_t off, unsigned width, uint64_t val)
{
	vpci_bar_write(pr.dev, VPCI_BAR_COMMON + off, width, val);
}

static uint8_t st(void)
{
	return (uint8_t)cr(VIRTIO_PCI_COMMON_STATUS, 1);
}

static void set_st(uint8_t v)
{
	cw(VIRTIO_PCI_COMMON_STATUS, 1, v);
}

static void write_features(uint64_t f)
{
	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	cw(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	cw(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
}

static uint64_t read_driver_features(void)
{
	uint64_t f;

	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	f = cr(VIRTIO_PCI_COMMON_GF, 4);
	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	return f | cr(VIRTIO_PCI_COMMON_GF, 4) << 32;
}

static void select_queue(uint16_t q)
{
	cw(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
}

static unsigned nfind(const char *clause)
{
	const struct vc_findings *f = vpci_findings(pr.dev);
	unsigned i, n = 0;

	for (i = 0; i < f->count; i++)
		if (f->v[i].clause && strcmp(f->v[i].clause, clause) == 0)
			n++;
	return n;
}

static unsigned nall(void)
{
	return vpci_findings(pr.dev)->count;
}

/* Walk the capability list; the config-space offset of the first capability
 * with this id (and virtio cfg_type, for vendor capabilities), or 0. */
static uint8_t find_cap(uint8_t id, int type)
{
	uint8_t ptr = (uint8_t)(vpci_cfg_read(pr.dev, 0x34, 1) & ~3u);
	unsigned walked = 0;

	while (ptr && walked++ < CAP_WALK_MAX) {
		if (vpci_cfg_read(pr.dev, ptr, 1) == id &&
		    (type < 0 || vpci_cfg_read(pr.dev, ptr + 3u, 1) == (uint32_t)type))
			return ptr;
		ptr = (uint8_t)(vpci_cfg_read(pr.dev, ptr + 1u, 1) & ~3u);
	}
	return 0;
}

static void msix_set(bool on)
{
	uint8_t m = find_cap(PCI_CAP_ID_MSIX, -1);
	uint16_t ctl;

	ck_assert_uint_ne(m, 0);
	ctl = (uint16_t)vpci_cfg_read(pr.dev, m + 2u, 2);
	vpci_cfg_write(pr.dev, m + 2u, 2, on ? (ctl | 0x8000u) : (ctl & 0x7fffu));
	ck_assert_uint_eq(!!(vpci_cfg_read(pr.dev, m + 2u, 2) & 0x8000u), on);
}

/* Program queue q's registers and the test's driver-side ring, then enable. */
static void ring_setup(uint16_t q, uint16_t size, uint16_t vector)
{
	uint64_t base = RING_BASE + q * RING_STRIDE;
	struct vq_cfg c = {
		.index = q,
		.size = size,
		.desc = base,
		.driver = base + 0x1000,
		.device = base + 0x2000,
		.event_idx = !!(vpci_negotiated_features(pr.dev) &
				VIRTIO_BIT(VIRTIO_F_EVENT_IDX)),
		.indirect = false,
	};

	if (!dq[q])
		dq[q] = vq_drv_new(pr.drv_mem, ring_sink, NULL);
	ck_assert_ptr_nonnull(dq[q]);
	ck_assert_int_eq(vq_drv_setup(dq[q], &c, 0, 0), 0);
	select_queue(q);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	cw(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)c.desc);
	cw(VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(c.desc >> 32));
	cw(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)c.driver);
	cw(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)(c.driver >> 32));
	cw(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)c.device);
	cw(VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)(c.device >> 32));
	cw(VIRTIO_PCI_COMMON_Q_MSIX, 2, vector);
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
}

/* Reset, negotiate features, set up queues 0..nq-1; DRIVER_OK when live. */
static void raw_init_to(uint64_t features, unsigned nq, bool msix, bool live)
{
	unsigned q;

	msix_set(msix);
	set_st(0);
	ck_assert_uint_eq(st(), 0);
	set_st(ST_ACK);
	set_st(ST_ACK | ST_DRV);
	write_features(features);
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV | ST_FOK);
	cw(VIRTIO_PCI_COMMON_MSIX, 2, msix ? 0 : VIRTIO_MSI_NO_VECTOR);
	for (q = 0; q < nq; q++)
		ring_setup((uint16_t)q, QSIZE, msix ? (uint16_t)(q + 1) : VIRTIO_MSI_NO_VECTOR);
	if (live) {
		set_st(ST_LIVE);
		ck_assert_uint_eq(st(), ST_LIVE);
	}
}

static void raw_init(uint64_t features, unsigned nq, bool msix)
{
	raw_init_to(features, nq, msix, true);
}

/* Post one device-writable buffer of len bytes on queue q (no notification). */
static void post(uint16_t q, uint32_t len)
{
	struct vq_buf in = { RING_BASE + q * RING_STRIDE + RING_BUF, len };

	ck_assert_int_ge(vq_drv_add(dq[q], NULL, 0, &in, 1, &fk, false), 0);
	vq_drv_kick_prepare(dq[q]);
}

static uint64_t notify_addr(uint16_t q)
{
	select_queue(q);
	return VPCI_BAR_NOTIFY + cr(VIRTIO_PCI_COMMON_Q_NOFF, 2) * VPCI_NOTIFY_MULT;
}

static void kick(uint16_t q)
{
	vpci_bar_write(pr.dev, notify_addr(q), 2, q);
}

/* 1 and *len when queue q has a used entry, 0 when none. */
static int reap(uint16_t q, uint32_t *len)
{
	void *tok;

	return vq_drv_get(dq[q], &tok, len);
}

/* ----------------------------------------------------------- discovery */

START_TEST(pci_ids_name_a_modern_virtio_device)
{
	open_rng();
	ck_assert_uint_eq(vpci_cfg_read(pr.dev, 0x00, 2), 0x1af4);
	ck_assert_uint_eq(vpci_cfg_read(pr.dev, 0x02, 2), 0x1040 + VIRTIO_ID_RNG);
	ck_assert_uint_ge(vpci_cfg_read(pr.dev, 0x08, 1), 1); /* revision: modern */
	ck_assert_uint_ne(vpci_cfg_read(pr.dev, 0x06, 2) & 0x10, 0); /* capabilities list */
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

static const struct vc_device_ops *const walk_devices[] = { &vc_rng_device_ops, &fake_ops };

START_TEST(capability_list_is_walkable)
{
	const struct vc_device_ops *ops = walk_devices[_i];
	unsigned seen[6] = { 0 }, msix = 0, walked = 0;
	uint8_t ptr;
	uint16_t q;

	open_dev(ops, NULL, NULL);
	ptr = (uint8_t)vpci_cfg_read(pr.dev, 0x34, 1);
	while (ptr) {
		uint8_t id = (uint8_t)vpci_cfg_read(pr.dev, ptr, 1);

		ck_assert_uint_lt(walked++, CAP_WALK_MAX);
		ck_assert_uint_ge(ptr, 0x40);
		ck_assert_uint_eq(ptr % 4, 0);
		if (id == PCI_CAP_ID_MSIX) {
			uint16_t ctl = (uint16_t)vpci_cfg_read(pr.dev, ptr + 2u, 2);

			/* one vector for configuration changes plus one per queue */
			ck_assert_uint_eq((ctl & 0x7ffu) + 1u, ops->num_queues + 1u);
			msix++;
		} else {
			uint8_t len = (uint8_t)vpci_cfg_read(pr.dev, ptr + 2u, 1);
			uint8_t type = (uint8_t)vpci_cfg_read(pr.dev, ptr + 3u, 1);
			uint32_t off = vpci_cfg_read(pr.dev, ptr + 8u, 4);
			uint32_t length = vpci_cfg_read(pr.dev, ptr + 12u, 4);

			ck_assert_uint_eq(id, PCI_CAP_ID_VNDR);
			ck_assert_uint_ge(len, 16);
			ck_assert_uint_ge(type, VIRTIO_PCI_CAP_COMMON_CFG);
			ck_assert_uint_le(type, VIRTIO_PCI_CAP_PCI_CFG);
			seen[type]++;
			/* every structure is in BAR 0 */
			if (type != VIRTIO_PCI_CAP_PCI_CFG)
				ck_assert_uint_eq(vpci_cfg_read(pr.dev, ptr + 4u, 1), 0);
			switch (type) {
			case VIRTIO_PCI_CAP_COMMON_CFG:
				ck_assert_uint_eq(off, VPCI_BAR_COMMON);
				ck_assert_uint_ge(length, VIRTIO_PCI_COMMON_SIZE);
				break;
			case VIRTIO_PCI_CAP_NOTIFY_CFG: {
				uint32_t mult;

				ck_assert_uint_ge(len, 20);
				mult = vpci_cfg_read(pr.dev, ptr + 16u, 4);
				ck_assert_uint_eq(mult, VPCI_NOTIFY_MULT);
				/* an even power of two (or 0) */
				ck_assert(mult == 0 || (!(mult & (mult - 1)) && mult != 1));
				ck_assert_uint_eq(off, VPCI_BAR_NOTIFY);
				ck_assert_uint_eq(off % 2, 0);
				for (q = 0; q < ops->num_queues; q++) {
					uint64_t end;

					select_queue(q);
					end = cr(VIRTIO_PCI_COMMON_Q_NOFF, 2) * mult + 2;
					ck_assert_uint_le(end, length);
				}
				break;
			}
			case VIRTIO_PCI_CAP_ISR_CFG:
				ck_assert_uint_eq(off, VPCI_BAR_ISR);
				ck_assert_uint_ge(length, 1);
				break;
			case VIRTIO_PCI_CAP_DEVICE_CFG:
				ck_assert_uint_eq(off, VPCI_BAR_DEVICE);
				ck_assert_uint_eq(off % 4, 0);
				ck_assert_uint_eq(length, ops->config_size);
				break;
			case VIRTIO_PCI_CAP_PCI_CFG:
				ck_assert_uint_ge(len, 20); /* cap + pci_cfg_data */
				break;
			}
		}
		ptr = (uint8_t)vpci_cfg_read(pr.dev, ptr + 1u, 1);
	}
	for (q = VIRTIO_PCI_CAP_COMMON_CFG; q <= VIRTIO_PCI_CAP_PCI_CFG; q++)
		ck_assert_msg(seen[q] == 1, "cfg_type %u present %u times", q, seen[q]);
	ck_assert_uint_eq(msix, 1);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(device_feature_select_windows)
{
	static const uint32_t beyond[] = { 2, 3, 0x80000000u, 0xffffffffu };
	uint64_t offered;
	unsigned i;

	open_rng();
	offered = vpci_offered_features(pr.dev);
	ck_assert_uint_ne(offered & F_V1, 0);
	cw(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_DFSELECT, 4), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_DF, 4), (uint32_t)offered);
	cw(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_DF, 4), (uint32_t)(offered >> 32));
	ck_assert_uint_ne(cr(VIRTIO_PCI_COMMON_DF, 4) & 1u, 0); /* VERSION_1 is bit 32 */
	for (i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
		cw(VIRTIO_PCI_COMMON_DFSELECT, 4, beyond[i]);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_DFSELECT, 4), beyond[i]);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_DF, 4), 0);
	}
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

/* ------------------------------------------------------- status machine */

START_TEST(status_zero_resets_to_defaults)
{
	unsigned resets;
	uint16_t q;

	open_fake();
	raw_init(F_V1 | VIRTIO_BIT(0), 1, true);
	/* queue 1: programmed, not enabled */
	select_queue(1);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	cw(VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
	cw(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x200000);
	cw(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 1);
	cw(VIRTIO_PCI_COMMON_Q_USEDLO, 4, 0x300000);
	ck_assert_uint_eq(nall(), 0);
	resets = fk.reset;

	set_st(0);
	ck_assert_uint_eq(st(), 0);
	ck_assert_uint_eq(fk.reset, resets + 1);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
	ck_assert_uint_eq(read_driver_features(), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	for (q = 0; q < FAKE_QUEUES; q++) {
		select_queue(q);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), FAKE_QMAX);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_DESCHI, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_AVAILLO, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_AVAILHI, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_USEDLO, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_USEDHI, 4), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_RESET, 2), 0);
	}
	ck_assert_uint_eq(vpci_stats(pr.dev)->resets, 2); /* raw_init's and this one */
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(status_happy_path)
{
	const uint64_t f = F_V1 | VIRTIO_BIT(1);

	open_fake();
	set_st(ST_ACK);
	ck_assert_uint_eq(st(), ST_ACK);
	set_st(ST_ACK | ST_DRV);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV);
	write_features(f);
	ck_assert_uint_eq(read_driver_features(), f);
	ck_assert_uint_eq(fk.set_features, 0); /* only at FEATURES_OK */
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(fk.set_features, 1);
	ck_assert_uint_eq(fk.features, f);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), f);
	ring_setup(0, QSIZE, VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(fk.activate, 0); /* only at DRIVER_OK */
	set_st(ST_LIVE);
	ck_assert_uint_eq(st(), ST_LIVE);
	ck_assert_uint_eq(fk.activate, 1);
	set_st(ST_LIVE); /* nothing new: no second activation */
	ck_assert_uint_eq(fk.activate, 1);
	ck_assert_uint_eq(fk.set_features, 1);
	ck_assert_uint_eq(fk.reset, 0);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

static void negotiate_prefix(void)
{
	set_st(ST_ACK);
	set_st(ST_ACK | ST_DRV);
}

START_TEST(features_ok_refused_for_unoffered_bit)
{
	open_fake();
	negotiate_prefix();
	write_features(F_V1 | VIRTIO_BIT(5));
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st() & ST_FOK, 0);
	ck_assert_uint_eq(nfind(CL_DRV_FEATURES), 1);
	ck_assert_uint_eq(fk.set_features, 0);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
}
END_TEST

static const uint32_t high_windows[] = { 2, 3, 0xffffffffu };

START_TEST(features_ok_refused_for_bits_beyond_window_1)
{
	open_fake();
	negotiate_prefix();
	write_features(F_V1);
	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, high_windows[_i]);
	cw(VIRTIO_PCI_COMMON_GF, 4, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_GF, 4), 0);
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st() & ST_FOK, 0);
	ck_assert_uint_eq(nfind(CL_DRV_FEATURES), 1);
	ck_assert_uint_eq(fk.set_features, 0);
}
END_TEST

START_TEST(features_ok_refused_without_version_1)
{
	open_fake();
	negotiate_prefix();
	write_features(VIRTIO_BIT(0) | VIRTIO_BIT(1));
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st() & ST_FOK, 0);
	ck_assert_uint_eq(nfind(CL_DRV_RESERVED), 1);
	ck_assert_uint_eq(fk.set_features, 0);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
}
END_TEST

START_TEST(features_ok_refused_when_device_refuses)
{
	open_fake();
	fk.refuse = true;
	negotiate_prefix();
	write_features(F_V1 | VIRTIO_BIT(0));
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(fk.set_features, 1);
	ck_assert_uint_eq(fk.features, F_V1 | VIRTIO_BIT(0));
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
	/* a device's refusal is not the driver's fault: nothing recorded */
	ck_assert_uint_eq(nall(), 0);
	/* and without FEATURES_OK, DRIVER_OK is refused too */
	set_st(ST_ACK | ST_DRV | ST_FOK | ST_DOK);
	ck_assert_uint_eq(st() & (ST_FOK | ST_DOK), 0);
	ck_assert_uint_eq(fk.activate, 0);
}
END_TEST

START_TEST(driver_feature_write_after_features_ok_ignored)
{
	open_fake();
	negotiate_prefix();
	write_features(F_V1 | VIRTIO_BIT(0));
	set_st(ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(nall(), 0);
	cw(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	cw(VIRTIO_PCI_COMMON_GF, 4, 3);
	ck_assert_uint_eq(nfind(CL_DRV_INIT), 1);
	ck_assert_uint_eq(read_driver_features(), F_V1 | VIRTIO_BIT(0));
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), F_V1 | VIRTIO_BIT(0));
	ck_assert_uint_eq(fk.set_features, 1);
}
END_TEST

START_TEST(driver_ok_without_features_ok_refused)
{
	open_fake();
	negotiate_prefix();
	write_features(F_V1);
	set_st(ST_ACK | ST_DRV | ST_DOK);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV);
	ck_assert_uint_eq(nfind(CL_DRV_INIT), 1);
	ck_assert_uint_eq(fk.activate, 0);
}
END_TEST

START_TEST(status_bit_clear_recorded)
{
	open_fake();
	negotiate_prefix();
	ck_assert_uint_eq(nall(), 0);
	set_st(ST_ACK);
	ck_assert_uint_eq(nfind(CL_DRV_STATUS), 1);
	ck_assert_uint_eq(st(), ST_ACK | ST_DRV); /* the write is ignored */
	ck_assert_uint_eq(fk.reset, 0);
}
END_TEST

/* --------------------------------------------------- register decoding */

static const struct ro_field {
	uint32_t off;
	unsigned width;
	const char *name;
} ro_fields[] = {
	{ VIRTIO_PCI_COMMON_DF, 4, "device_feature" },
	{ VIRTIO_PCI_COMMON_NUMQ, 2, "num_queues" },
	{ VIRTIO_PCI_COMMON_CFGGENERATION, 1, "config_generation" },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2, "queue_notify_off" },
	{ VIRTIO_PCI_COMMON_Q_NDATA, 2, "queue_notify_data" },
};

START_TEST(read_only_field_write_recorded)
{
	const struct ro_field *r = &ro_fields[_i];
	uint64_t before, mask = r->width == 4 ? 0xffffffffull : (1ull << (8 * r->width)) - 1;

	open_fake();
	select_queue(1);
	before = cr(r->off, r->width);
	cw(r->off, r->width, ~before & mask);
	ck_assert_msg(nfind(CL_DRV_PCI_COMMON) == 1, "write to %s not recorded", r->name);
	ck_assert_uint_eq(nall(), 1);
	ck_assert_uint_eq(cr(r->off, r->width), before);
}
END_TEST

static const struct bad_access {
	uint64_t off;   /* BAR 0 offset */
	unsigned width;
	bool write;
} bad_accesses[] = {
	{ VIRTIO_PCI_COMMON_DF, 2, false },
	{ VIRTIO_PCI_COMMON_DF, 8, false },
	{ VIRTIO_PCI_COMMON_DF + 1, 1, false },
	{ VIRTIO_PCI_COMMON_DFSELECT + 2, 2, false },
	{ VIRTIO_PCI_COMMON_STATUS, 2, true },
	{ VIRTIO_PCI_COMMON_STATUS, 4, true },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 4, false },
	{ VIRTIO_PCI_COMMON_NUMQ + 1, 1, true },
	{ VIRTIO_PCI_COMMON_Q_DESCLO, 8, true },
	{ VIRTIO_PCI_COMMON_Q_DESCLO + 2, 2, true },
	{ VIRTIO_PCI_COMMON_Q_RESET + 1, 1, true },
	{ 0, 3, false },
	{ VPCI_BAR_DEVICE + 1, 2, false },
	{ VPCI_BAR_DEVICE + 2, 4, true },
	{ VPCI_BAR_DEVICE, 8, false },
	{ VPCI_BAR_DEVICE + 6, 4, false },
	{ 0x800, 4, true },
};

START_TEST(bad_width_or_offset_recorded)
{
	const struct bad_access *a = &bad_accesses[_i];

	open_fake();
	if (a->write)
		vpci_bar_write(pr.dev, a->off, a->width, 0x0101010101010101ull);
	else
		ck_assert_uint_eq(vpci_bar_read(pr.dev, a->off, a->width), 0);
	ck_assert_msg(nfind(CL_DRV_PCI_LAYOUT) == 1, "access %u/%u not recorded", _i, a->width);
	ck_assert_uint_eq(nall(), 1);
	/* nothing changed */
	ck_assert_uint_eq(st(), 0);
	select_queue(0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	ck_assert_uint_eq(fk.config_writes, 0);
	ck_assert_uint_eq(nall(), 1);
}
END_TEST

START_TEST(isr_bad_width_recorded_and_isr_kept)
{
	open_fake();
	raw_init(F_V1, 1, false);
	fk.host->config_changed(fk.h); /* INTx: sets the config bit, not read */
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(nall(), 0);
	vpci_bar_read(pr.dev, VPCI_BAR_ISR, 4);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_LAYOUT), 1);
	/* an ignored access does not consume the interrupt cause */
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
}
END_TEST

START_TEST(queue_address_halves_independent)
{
	static const uint32_t lo_regs[] = { VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_AVAILLO,
					    VIRTIO_PCI_COMMON_Q_USEDLO };
	uint32_t lo = lo_regs[_i], hi = lo + 4;

	open_rng();
	select_queue(0);
	cw(lo, 4, 0x11223340);
	ck_assert_uint_eq(cr(lo, 4), 0x11223340);
	ck_assert_uint_eq(cr(hi, 4), 0);
	cw(hi, 4, 0x00000001);
	ck_assert_uint_eq(cr(lo, 4), 0x11223340);
	ck_assert_uint_eq(cr(hi, 4), 1);
	cw(lo, 4, 0x5000);
	ck_assert_uint_eq(cr(hi, 4), 1);
	ck_assert_uint_eq(cr(lo, 4), 0x5000);
	cw(hi, 4, 0xfedcba98);
	ck_assert_uint_eq(cr(lo, 4), 0x5000);
	ck_assert_uint_eq(cr(hi, 4), 0xfedcba98);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

/* A queue above 4 GiB: both halves reach the ring code. */
START_TEST(queue_above_4g_works)
{
	const uint64_t base = 0x100000000ull + 0x10000;
	struct vq_cfg c = { .index = 0, .size = QSIZE, .desc = base, .driver = base + 0x1000,
				  .device = base + 0x2000 };
	struct vq_buf in = { base + 0x8000, 32 };
	uint32_t len = 0;

	open_rng();
	set_st(ST_ACK);
	set_st(ST_ACK | ST_DRV);
	write_features(F_V1);
	set_st(ST_ACK | ST_DRV | ST_FOK);
	dq[0] = vq_drv_new(pr.drv_mem, ring_sink, NULL);
	ck_assert_int_eq(vq_drv_setup(dq[0], &c, 0, 0), 0);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
	cw(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)c.desc);
	cw(VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(c.desc >> 32));
	cw(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)c.driver);
	cw(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)(c.driver >> 32));
	cw(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)c.device);
	cw(VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)(c.device >> 32));
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	set_st(ST_LIVE);
	ck_assert_int_ge(vq_drv_add(dq[0], NULL, 0, &in, 1, &fk, false), 0);
	vq_drv_kick_prepare(dq[0]);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(len, 32);
	ck_assert_uint_eq(nall(), 0);
	ck_assert_uint_eq(ring_findings, 0);
}
END_TEST

static const uint32_t bad_sizes[] = { 0, 3, 100, 2 * RNG_QMAX, 0x8000, 0xffff };

START_TEST(queue_size_invalid_ignored)
{
	open_rng();
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, 64);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	ck_assert_uint_eq(nall(), 0);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, bad_sizes[_i]);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
}
END_TEST

START_TEST(queue_size_power_of_two_accepted)
{
	uint32_t size = 1u << _i;

	open_rng();
	select_queue(0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), RNG_QMAX);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), size);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(queue_size_zero_for_absent_queue)
{
	static const uint16_t absent[] = { 1, 2, 63, 64, 0xffff };
	unsigned i;

	open_rng();
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	select_queue(0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), RNG_QMAX);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		select_queue(absent[i]);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	}
	ck_assert_uint_eq(nall(), 0);
	select_queue(1);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 2);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
}
END_TEST

START_TEST(queue_fields_locked_once_enabled)
{
	static const uint32_t regs[] = {
		VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI,
		VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI,
		VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI,
	};
	uint64_t before[6];
	unsigned i;

	open_rng();
	raw_init_to(F_V1, 1, false, false);
	select_queue(0);
	for (i = 0; i < 6; i++)
		before[i] = cr(regs[i], 4);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 1);
	for (i = 0; i < 6; i++) {
		cw(regs[i], 4, 0x40000);
		ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 2 + i);
		ck_assert_uint_eq(cr(regs[i], 4), before[i]);
	}
	ck_assert_uint_eq(nall(), 7);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
}
END_TEST

START_TEST(queue_enable_zero_recorded)
{
	uint32_t len = 0;

	open_rng();
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0); /* on a disabled queue */
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	raw_init(F_V1, 1, false);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0); /* on an enabled one */
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 2);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	/* the queue still works */
	post(0, 16);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(nall(), 2);
}
END_TEST

static const struct misalign {
	uint64_t desc_off, avail_off, used_off;
} misaligned[] = {
	{ 8, 0, 0 },  /* desc needs 16 */
	{ 0, 1, 0 },  /* avail needs 2 */
	{ 0, 0, 2 },  /* used needs 4 */
};

static void enable_misaligned(uint16_t q, const struct misalign *m)
{
	uint64_t base = RING_BASE + q * RING_STRIDE;

	select_queue(q);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
	cw(VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)(base + m->desc_off));
	cw(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)(base + 0x1000 + m->avail_off));
	cw(VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)(base + 0x2000 + m->used_off));
	cw(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

START_TEST(misaligned_ring_sets_needs_reset)
{
	open_rng();
	raw_init_to(F_V1, 0, false, false);
	enable_misaligned(0, &misaligned[_i]);
	ck_assert_uint_eq(nfind(CL_DRV_VIRTQUEUES), 1);
	ck_assert_uint_ne(st() & ST_NR, 0);
	ck_assert(vpci_broken(pr.dev));
	select_queue(0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(irq.n, 0); /* no DRIVER_OK yet: no notification */
	ck_assert_uint_eq(vpci_stats(pr.dev)->config_interrupts, 0);
}
END_TEST

/* _i: 0 MSI-X (config vector 0), 1 INTx */
START_TEST(misaligned_ring_after_driver_ok_notifies_config)
{
	bool msix = _i == 0;

	open_fake();
	irq.read_isr = true;
	raw_init(F_V1, 1, msix);
	ck_assert_uint_eq(irq.n, 0);
	enable_misaligned(1, &misaligned[0]);
	ck_assert_uint_eq(nfind(CL_DRV_VIRTQUEUES), 1);
	ck_assert_uint_eq(st(), ST_LIVE | ST_NR);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(vpci_stats(pr.dev)->config_interrupts, 1);
	if (msix) {
		ck_assert_uint_eq(irq.vec[0], 0);
	} else {
		ck_assert_uint_eq(irq.vec[0], VPCI_IRQ_INTX);
		ck_assert_uint_ne(irq.isr[0] & VIRTIO_PCI_ISR_CONFIG, 0);
	}
}
END_TEST

/* ---------------------------------------------------------- interrupts */

START_TEST(msix_vector_out_of_range_reads_no_vector)
{
	static const struct { uint16_t w, r; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 2, VIRTIO_MSI_NO_VECTOR }, { 0x7ff, VIRTIO_MSI_NO_VECTOR },
		{ 0xfffe, VIRTIO_MSI_NO_VECTOR }, { VIRTIO_MSI_NO_VECTOR, VIRTIO_MSI_NO_VECTOR },
	};
	unsigned i;

	open_rng(); /* one queue: vectors 0 and 1 exist */
	msix_set(true);
	select_queue(0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cw(VIRTIO_PCI_COMMON_MSIX, 2, 1); /* a mapped vector first */
		cw(VIRTIO_PCI_COMMON_MSIX, 2, cases[i].w);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_MSIX, 2), cases[i].r);
		cw(VIRTIO_PCI_COMMON_Q_MSIX, 2, 0);
		cw(VIRTIO_PCI_COMMON_Q_MSIX, 2, cases[i].w);
		ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_MSIX, 2), cases[i].r);
	}
}
END_TEST

START_TEST(msix_queue_interrupt_uses_queue_vector)
{
	uint32_t len = 0;

	open_rng();
	raw_init(F_V1, 1, true);
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(irq.vec[0], 1);
	ck_assert_uint_eq(vpci_stats(pr.dev)->queue_interrupts, 1);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(queue_no_vector_no_interrupt)
{
	uint32_t len = 0;

	open_rng();
	raw_init(F_V1, 1, true);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_MSIX, 2, VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1); /* the buffer was used ... */
	ck_assert_uint_ge(len, 1);
	ck_assert_uint_eq(irq.n, 0); /* ... without an interrupt */
	ck_assert_uint_eq(vpci_stats(pr.dev)->queue_interrupts, 0);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(config_no_vector_no_interrupt)
{
	uint8_t g;

	open_fake();
	raw_init(F_V1, 1, true);
	cw(VIRTIO_PCI_COMMON_MSIX, 2, VIRTIO_MSI_NO_VECTOR);
	g = (uint8_t)cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	fk.host->config_changed(fk.h);
	ck_assert_uint_ne(cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1), g);
	ck_assert_uint_eq(irq.n, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->config_interrupts, 0);
	/* the same change with a vector does interrupt */
	cw(VIRTIO_PCI_COMMON_MSIX, 2, 0);
	fk.host->config_changed(fk.h);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(irq.vec[0], 0);
}
END_TEST

START_TEST(intx_isr_set_before_interrupt)
{
	uint32_t len = 0;

	open_rng();
	irq.read_isr = true;
	raw_init(F_V1, 1, false);
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(irq.vec[0], VPCI_IRQ_INTX);
	ck_assert_uint_eq(irq.isr[0], VIRTIO_PCI_ISR_QUEUE);
	/* the handler's read cleared it */
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1), 0);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(intx_config_change_sets_isr_config)
{
	open_fake();
	irq.read_isr = true;
	raw_init(F_V1, 1, false);
	fk.host->config_changed(fk.h);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(irq.vec[0], VPCI_IRQ_INTX);
	ck_assert_uint_eq(irq.isr[0], VIRTIO_PCI_ISR_CONFIG);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(isr_read_clears)
{
	uint32_t len = 0;

	open_rng();
	raw_init(F_V1, 1, false);
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1), 0);
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_ISR, 1), 0);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

/* -------------------------------------------------------- notifications */

START_TEST(notify_before_driver_ok_ignored)
{
	open_fake();
	raw_init_to(F_V1, 1, false, false);
	post(0, 8);
	kick(0);
	ck_assert_uint_eq(nfind(CL_DRV_INIT), 1);
	ck_assert_uint_eq(fk.notify, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->notifies, 0);
	set_st(ST_LIVE);
	kick(0);
	ck_assert_uint_eq(fk.notify, 1);
	ck_assert_uint_eq(fk.last_notify, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->notifies, 1);
	ck_assert_uint_eq(nall(), 1);
}
END_TEST

START_TEST(notify_wrong_queue_index_recorded)
{
	open_fake();
	raw_init(F_V1, 2, false);
	vpci_bar_write(pr.dev, notify_addr(0), 2, 1);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_NOTIFY), 1);
	ck_assert_uint_eq(fk.notify, 0);
	vpci_bar_write(pr.dev, notify_addr(1), 2, 0);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_NOTIFY), 2);
	ck_assert_uint_eq(fk.notify, 0);
	kick(1);
	ck_assert_uint_eq(fk.notify, 1);
	ck_assert_uint_eq(fk.last_notify, 1);
	ck_assert_uint_eq(nall(), 2);
}
END_TEST

START_TEST(notify_wrong_width_recorded)
{
	open_fake();
	raw_init(F_V1, 1, false);
	vpci_bar_write(pr.dev, notify_addr(0), 4, 0);
	vpci_bar_write(pr.dev, notify_addr(0), 1, 0);
	vpci_bar_write(pr.dev, notify_addr(0) + 1, 1, 0);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_NOTIFY), 3);
	ck_assert_uint_eq(fk.notify, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->notifies, 0);
}
END_TEST

/* ------------------------------------------------------------ queue reset */

START_TEST(queue_reset_without_ring_reset_recorded)
{
	uint32_t len = 0;

	open_rng();
	raw_init(F_V1, 1, false);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_RESET, 2, 1);
	ck_assert_uint_eq(nfind(CL_DRV_PCI_COMMON), 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(nall(), 1);
}
END_TEST

START_TEST(queue_reset_resets_one_queue)
{
	uint32_t len = 0;
	unsigned k;

	open_rng();
	raw_init(F_V1 | F_RRESET, 1, true);
	for (k = 0; k < 3; k++) {
		post(0, 8);
		kick(0);
		ck_assert_int_eq(reap(0, &len), 1);
	}
	ck_assert_uint_eq(irq.n, 3);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_RESET, 2, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_RESET, 2), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SIZE, 2), RNG_QMAX);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_AVAILLO, 4), 0);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_USEDLO, 4), 0);
	ck_assert_uint_eq(st(), ST_LIVE); /* the device itself is not reset */
	/* a reset queue executes nothing and notifies nothing */
	post(0, 8);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 0);
	ck_assert_uint_eq(irq.n, 3);
	/* set up again: usable */
	ring_setup(0, QSIZE, 1);
	post(0, 24);
	kick(0);
	ck_assert_int_eq(reap(0, &len), 1);
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(irq.n, 4);
	ck_assert_uint_eq(nall(), 0);
	ck_assert_uint_eq(ring_findings, 0);
}
END_TEST

/* ------------------------------------------------- device configuration */

START_TEST(config_generation_changes_on_config_change)
{
	uint8_t g0, g1, g2;

	open_fake();
	g0 = (uint8_t)cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1), g0); /* stable when idle */
	fk.host->config_changed(fk.h);
	g1 = (uint8_t)cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ck_assert_uint_ne(g1, g0);
	ck_assert_uint_eq(irq.n, 0); /* before DRIVER_OK: no notification */
	raw_init(F_V1, 1, true);
	fk.host->config_changed(fk.h);
	g2 = (uint8_t)cr(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ck_assert_uint_ne(g2, g1);
	ck_assert_uint_eq(irq.n, 1);
	ck_assert_uint_eq(irq.vec[0], 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->config_interrupts, 1);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

/* recorded against the driver, and still handed to the device, which
 * decides (console emerg_wr must work on an unconfigured device) */
START_TEST(device_config_write_before_features_ok_recorded)
{
	open_fake();
	memcpy(fk.config, "\x01\x02\x03\x04\x05\x06\x07\x08", FAKE_CFG_SIZE);
	negotiate_prefix();
	vpci_bar_write(pr.dev, VPCI_BAR_DEVICE + 4, 4, 0xdeadbeef);
	ck_assert_uint_eq(nfind(CL_DRV_INIT), 1);
	ck_assert_uint_eq(fk.config_writes, 1);
	memcpy(fk.config, "\x01\x02\x03\x04\x05\x06\x07\x08", FAKE_CFG_SIZE);
	fk.config_writes = 0;
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_DEVICE + 4, 4), 0x08070605);
	write_features(F_V1);
	set_st(ST_ACK | ST_DRV | ST_FOK);
	vpci_bar_write(pr.dev, VPCI_BAR_DEVICE + 4, 4, 0xdeadbeef);
	ck_assert_uint_eq(fk.config_writes, 1);
	ck_assert_uint_eq(vpci_bar_read(pr.dev, VPCI_BAR_DEVICE + 4, 4), 0xdeadbeef);
	ck_assert_uint_eq(nall(), 1);
}
END_TEST

static const struct window_field {
	uint32_t bar_off;
	unsigned width;
} window_fields[] = {
	{ VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_DF, 4 },
	{ VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_NUMQ, 2 },
	{ VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_STATUS, 1 },
	{ VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	{ VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_DESCLO, 4 },
	{ VPCI_BAR_DEVICE, 4 },
	{ VPCI_BAR_DEVICE + 6, 2 },
};

static void window_point(uint8_t cap, uint32_t bar_off, unsigned width)
{
	vpci_cfg_write(pr.dev, cap + 4u, 1, 0);
	vpci_cfg_write(pr.dev, cap + 8u, 4, bar_off);
	vpci_cfg_write(pr.dev, cap + 12u, 4, width);
}

START_TEST(pci_cfg_window_matches_bar)
{
	const struct window_field *w = &window_fields[_i];
	uint64_t mask = w->width == 4 ? 0xffffffffull : (1ull << (8 * w->width)) - 1;
	uint8_t cap;

	open_fake();
	memcpy(fk.config, "\x11\x22\x33\x44\x55\x66\x77\x88", FAKE_CFG_SIZE);
	negotiate_prefix();
	cw(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	select_queue(0);
	cw(VIRTIO_PCI_COMMON_Q_SIZE, 2, 32);
	cw(VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x123450);
	cap = find_cap(PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert_uint_ne(cap, 0);
	window_point(cap, w->bar_off, w->width);
	ck_assert_uint_eq(vpci_cfg_read(pr.dev, cap + 16u, 4) & mask,
			  vpci_bar_read(pr.dev, w->bar_off, w->width));
	ck_assert_uint_ne(vpci_bar_read(pr.dev, w->bar_off, w->width), 0);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

START_TEST(pci_cfg_window_writes_reach_bar)
{
	uint8_t cap;

	open_fake();
	cap = find_cap(PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert_uint_ne(cap, 0);
	window_point(cap, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_STATUS, 1);
	vpci_cfg_write(pr.dev, cap + 16u, 4, ST_ACK);
	ck_assert_uint_eq(st(), ST_ACK);
	window_point(cap, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SELECT, 2);
	vpci_cfg_write(pr.dev, cap + 16u, 4, 1);
	ck_assert_uint_eq(cr(VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	ck_assert_uint_eq(nall(), 0);
}
END_TEST

/* --------------------------------------------------------------- liveness */

START_TEST(fail_keeps_its_own_copy_of_the_clause)
{
	char label[160];
	const struct vc_findings *f;

	open_fake();
	raw_init(F_V1, 1, true);
	/* a plugin's clause may live on its stack: gone after the call */
	snprintf(label, sizeof(label), "%s", CL_DRV_VIRTQUEUES);
	(fk.host->fail)(fk.h, label, "test: device gives up");
	memset(label, 'x', sizeof(label) - 1);
	(fk.host->fail)(fk.h, NULL, NULL);
	f = vpci_findings(pr.dev);
	ck_assert_uint_eq(f->count, 2);
	ck_assert_str_eq(f->v[0].clause, CL_DRV_VIRTQUEUES);
	ck_assert_ptr_ne(f->v[0].clause, label);
	ck_assert_str_eq(f->v[1].clause, "implementation: fail() without a clause");
	ck_assert_str_eq(f->v[1].msg, "(no message)");
}
END_TEST

START_TEST(needs_reset_refuses_notify_until_reset)
{
	struct vc_elem e;

	open_fake();
	raw_init(F_V1, 1, true);
	(fk.host->fail)(fk.h, CL_DRV_VIRTQUEUES, "test: device gives up");
	ck_assert_uint_eq(st(), ST_LIVE | ST_NR);
	ck_assert(vpci_broken(pr.dev));
	ck_assert_uint_eq(irq.n, 1); /* config change notification */
	ck_assert_uint_eq(irq.vec[0], 0);
	post(0, 8);
	kick(0);
	ck_assert_uint_eq(fk.notify, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->notifies, 0);
	ck_assert_int_eq(fk.host->queue_pop(fk.h, 0, &e), VC_POP_BROKEN);

	set_st(0);
	ck_assert_uint_eq(st(), 0);
	ck_assert(!vpci_broken(pr.dev));
	raw_init(F_V1, 1, true);
	post(0, 8);
	kick(0);
	ck_assert_uint_eq(fk.notify, 1);
	ck_assert_int_eq(fk.host->queue_pop(fk.h, 0, &e), VC_POP_OK);
	ck_assert_uint_eq(e.n_writable, 1);
	ck_assert_uint_eq(e.writable_bytes, 8);
	ck_assert_uint_eq(nall(), 1);
}
END_TEST

static Suite *vpci_suite(void)
{
	Suite *s = suite_create("vpci");
	TCase *tc;

	tc = tcase_create("discovery");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, pci_ids_name_a_modern_virtio_device);
	tcase_add_loop_test(tc, capability_list_is_walkable, 0,
			    (int)(sizeof(walk_devices) / sizeof(walk_devices[0])));
	tcase_add_test(tc, device_feature_select_windows);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, status_zero_resets_to_defaults);
	tcase_add_test(tc, status_happy_path);
	tcase_add_test(tc, features_ok_refused_for_unoffered_bit);
	tcase_add_loop_test(tc, features_ok_refused_for_bits_beyond_window_1, 0,
			    (int)(sizeof(high_windows) / sizeof(high_windows[0])));
	tcase_add_test(tc, features_ok_refused_without_version_1);
	tcase_add_test(tc, features_ok_refused_when_device_refuses);
	tcase_add_test(tc, driver_feature_write_after_features_ok_ignored);
	tcase_add_test(tc, driver_ok_without_features_ok_refused);
	tcase_add_test(tc, status_bit_clear_recorded);
	suite_add_tcase(s, tc);

	tc = tcase_create("registers");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, read_only_field_write_recorded, 0,
			    (int)(sizeof(ro_fields) / sizeof(ro_fields[0])));
	tcase_add_loop_test(tc, bad_width_or_offset_recorded, 0,
			    (int)(sizeof(bad_accesses) / sizeof(bad_accesses[0])));
	tcase_add_test(tc, isr_bad_width_recorded_and_isr_kept);
	tcase_add_loop_test(tc, queue_address_halves_independent, 0, 3);
	tcase_add_test(tc, queue_above_4g_works);
	tcase_add_loop_test(tc, queue_size_invalid_ignored, 0,
			    (int)(sizeof(bad_sizes) / sizeof(bad_sizes[0])));
	tcase_add_loop_test(tc, queue_size_power_of_two_accepted, 0, 9); /* 1..256 */
	tcase_add_test(tc, queue_size_zero_for_absent_queue);
	tcase_add_test(tc, queue_fields_locked_once_enabled);
	tcase_add_test(tc, queue_enable_zero_recorded);
	tcase_add_loop_test(tc, misaligned_ring_sets_needs_reset, 0,
			    (int)(sizeof(misaligned) / sizeof(misaligned[0])));
	tcase_add_loop_test(tc, misaligned_ring_after_driver_ok_notifies_config, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("interrupts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, msix_vector_out_of_range_reads_no_vector);
	tcase_add_test(tc, msix_queue_interrupt_uses_queue_vector);
	tcase_add_test(tc, queue_no_vector_no_interrupt);
	tcase_add_test(tc, config_no_vector_no_interrupt);
	tcase_add_test(tc, intx_isr_set_before_interrupt);
	tcase_add_test(tc, intx_config_change_sets_isr_config);
	tcase_add_test(tc, isr_read_clears);
	suite_add_tcase(s, tc);

	tc = tcase_create("notify");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, notify_before_driver_ok_ignored);
	tcase_add_test(tc, notify_wrong_queue_index_recorded);
	tcase_add_test(tc, notify_wrong_width_recorded);
	tcase_add_test(tc, queue_reset_without_ring_reset_recorded);
	tcase_add_test(tc, queue_reset_resets_one_queue);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, config_generation_changes_on_config_change);
	tcase_add_test(tc, device_config_write_before_features_ok_recorded);
	tcase_add_loop_test(tc, pci_cfg_window_matches_bar, 0,
			    (int)(sizeof(window_fields) / sizeof(window_fields[0])));
	tcase_add_test(tc, pci_cfg_window_writes_reach_bar);
	tcase_add_test(tc, needs_reset_refuses_notify_until_reset);
	tcase_add_test(tc, fail_keeps_its_own_copy_of_the_clause);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vpci_suite)
