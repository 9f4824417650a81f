// SPDX-License-Identifier: Apache-2.0
/*
 * The reference driver core (model/drivers/vdrv.c) on a vc_pair: probing,
 * the 3.1.1 initialization sequence and its hooks, interrupts, the
 * config_generation retry loop and re-initialization.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "devices.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define ST_ACK  VIRTIO_STATUS_ACKNOWLEDGE
#define ST_DRV  VIRTIO_STATUS_DRIVER
#define ST_FOK  VIRTIO_STATUS_FEATURES_OK
#define ST_DOK  VIRTIO_STATUS_DRIVER_OK
#define ST_NR   VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define ST_FAIL VIRTIO_STATUS_FAILED
#define ST_LIVE (ST_ACK | ST_DRV | ST_FOK | ST_DOK)

#define F_V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_IND VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define F_EVT VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define F_RRESET VIRTIO_BIT(VIRTIO_F_RING_RESET)

#define RNG_BUF 64

/* ------------------------------------------------------------ fake device */

/* A device with 8 bytes of configuration: two 32-bit fields that both hold
 * the current "version". While unstable_reads is non-zero, every config read
 * first changes the configuration (version++, config_changed). */
#define FAKE_ID     26
#define FAKE_QUEUES 2

static struct fake {
	const struct vc_host_ops *host;
	void *h;
	uint32_t version;
	unsigned unstable_reads;
	unsigned config_reads;
} fk;

static void *fake_create(const struct vc_host_ops *host, void *h, const char *args)
{
	fk.host = host;
	fk.h = h;
	return &fk;
}

static uint64_t fake_get_features(void *dev)
{
	return F_V1 | VIRTIO_BIT(0);
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

static const struct vc_device_ops fake_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "fake",
	.device_id = FAKE_ID,
	.num_queues = FAKE_QUEUES,
	.queue_size_max = 32,
	.config_size = 8,
	.create = fake_create,
	.get_features = fake_get_features,
	.config_read = fake_config_read,
};

/* -------------------------------------------------------------- the pair */

static struct vc_pair pr;
static bool pr_open;

static void open_dev(const struct vc_device_ops *ops, const char *args,
		     const struct vpci_params *params)
{
	memset(&fk, 0, sizeof(fk));
	ck_assert_int_eq(vc_pair_open(&pr, ops, args, params, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, (uint16_t)ops->device_id), 0);
}

static void open_rng(void)
{
	open_dev(&vc_rng_device_ops, "seed=7", NULL);
}

static void teardown(void)
{
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

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
	return count_clause(vpci_findings(pr.dev), clause);
}

static unsigned drv_find(const char *clause)
{
	return count_clause(vdrv_findings(pr.drv), clause);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vpci_findings(pr.dev), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static void rng_config(struct vdrv_config *cfg, bool msix)
{
	vrng_drv_config(cfg, 0);
	cfg->use_msix = msix;
}

/* Read n bytes through the rng driver; asserts it worked. */
static void rng_read_ok(size_t n)
{
	struct vrng_drv r;
	uint8_t buf[1024];
	size_t i, nonzero = 0;

	ck_assert_uint_le(n, sizeof(buf));
	ck_assert_int_eq(vrng_drv_attach(&r, pr.drv, RNG_BUF), 0);
	ck_assert_int_eq(vrng_drv_read(&r, buf, n), (long)n);
	for (i = 0; i < n; i++)
		nonzero += buf[i] != 0;
	ck_assert_uint_gt(nonzero, 0);
}

static uint16_t device_queue_size(uint16_t q)
{
	vpci_bar_write(pr.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	return (uint16_t)vpci_bar_read(pr.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SIZE, 2);
}

static uint16_t device_queue_enabled(uint16_t q)
{
	vpci_bar_write(pr.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	return (uint16_t)vpci_bar_read(pr.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_ENABLE, 2);
}

/* MSI-X message control, found by walking the capability list. */
static uint16_t msix_control(void)
{
	uint8_t ptr = (uint8_t)(vpci_cfg_read(pr.dev, 0x34, 1) & ~3u);
	unsigned walked = 0;

	while (ptr && walked++ < 48) {
		if (vpci_cfg_read(pr.dev, ptr, 1) == 0x11)
			return (uint16_t)vpci_cfg_read(pr.dev, ptr + 2u, 2);
		ptr = (uint8_t)(vpci_cfg_read(pr.dev, ptr + 1u, 1) & ~3u);
	}
	ck_abort_msg("no MSI-X capability");
	return 0;
}

/* ---------------------------------------------------------------- hooks */

#define HOOK_LOG 32

static struct hook_rec {
	unsigned n;
	enum vdrv_step step[HOOK_LOG];
	uint8_t status[HOOK_LOG];     /* s->status as handed to the hook */
	uint8_t dev_status[HOOK_LOG]; /* the device's status at that moment */
	uint64_t features[HOOK_LOG];
	uint16_t queue[HOOK_LOG];
	/* deviation */
	enum vdrv_step at;
	enum vdrv_hook_action action;
	uint64_t add_features;
	uint16_t queue_size;
	uint8_t write_status;   /* written by the hook itself when non-zero */
	bool write_features;    /* the hook writes driver_feature itself */
	unsigned skip_mask;     /* steps (1 << step) to skip */
} hk;

static enum vdrv_hook_action rec_hook(void *ctx, vdrv_t *d, struct vdrv_step_ctx *s)
{
	struct hook_rec *h = ctx;

	if (h->n < HOOK_LOG) {
		h->step[h->n] = s->step;
		h->status[h->n] = s->status;
		h->dev_status[h->n] = vpci_status(pr.dev);
		h->features[h->n] = s->features;
		h->queue[h->n] = s->queue;
	}
	h->n++;
	if (h->skip_mask & (1u << s->step))
		return VDRV_SKIP;
	if (s->step != h->at)
		return VDRV_PROCEED;
	s->features |= h->add_features;
	if (h->queue_size)
		s->queue_size = h->queue_size;
	if (h->write_status)
		vdrv_set_status(d, h->write_status);
	if (h->write_features) {
		vdrv_common_write(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
		vdrv_common_write(d, VIRTIO_PCI_COMMON_GF, 4, 0);
	}
	return h->action;
}

static void hook_config(struct vdrv_config *cfg, enum vdrv_step at, enum vdrv_hook_action a)
{
	rng_config(cfg, true);
	memset(&hk, 0, sizeof(hk));
	hk.at = at;
	hk.action = a;
	cfg->hook = rec_hook;
	cfg->hook_ctx = &hk;
}

/* ------------------------------------------------------------- probing */

START_TEST(probe_accepts_rng)
{
	ck_assert_int_eq(vc_pair_open(&pr, &vc_rng_device_ops, NULL, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_RNG), 0);
	assert_no_findings();
}
END_TEST

static const uint16_t wrong_ids[] = { VIRTIO_ID_NET, VIRTIO_ID_BLOCK, 0, 0x3f, 0x1044 };

START_TEST(probe_rejects_wrong_device_id)
{
	ck_assert_int_eq(vc_pair_open(&pr, &vc_rng_device_ops, NULL, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, wrong_ids[_i]), -1);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_RNG), 0);
}
END_TEST

/* --------------------------------------------------------- initialization */

static const uint64_t wanted_sets[] = {
	0,
	F_EVT,
	F_IND,
	F_RRESET | F_IND,
	F_EVT | F_IND | VIRTIO_BIT(0) | VIRTIO_BIT(5), /* 0 and 5 are not offered */
	VIRTIO_BIT(VIRTIO_F_RING_PACKED) | VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA),
	~0ull & ~VIRTIO_BIT(VIRTIO_F_RING_PACKED),
};

START_TEST(init_negotiates_offered_and_wanted)
{
	struct vdrv_config cfg;
	uint64_t offered, want;

	open_rng();
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = VIRTIO_ID_RNG;
	cfg.wanted_features = wanted_sets[_i]; /* VERSION_1 not asked for: added */
	cfg.num_queues = 1;
	cfg.use_msix = true;
	offered = vpci_offered_features(pr.dev);
	want = (offered & wanted_sets[_i]) | F_V1;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vdrv_device_features(pr.drv), offered);
	ck_assert_uint_eq(vdrv_features(pr.drv), want);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), want);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	ck_assert_uint_eq(vdrv_status(pr.drv), ST_LIVE);
	assert_no_findings();
	rng_read_ok(200);
	assert_no_findings();
}
END_TEST

START_TEST(init_hook_sees_steps_in_order)
{
	static const enum vdrv_step order[] = {
		VDRV_STEP_RESET, VDRV_STEP_WAIT_RESET, VDRV_STEP_ACKNOWLEDGE, VDRV_STEP_DRIVER,
		VDRV_STEP_READ_FEATURES, VDRV_STEP_WRITE_FEATURES, VDRV_STEP_FEATURES_OK,
		VDRV_STEP_CHECK_FEATURES_OK,
	};
	/* device status when each step's hook runs: what the steps before it did */
	static const uint8_t dev_before[] = { 0, 0, 0, ST_ACK, ST_ACK | ST_DRV, ST_ACK | ST_DRV,
					      ST_ACK | ST_DRV, ST_ACK | ST_DRV | ST_FOK };
	const struct vc_device_ops *ops = _i ? &fake_ops : &vc_rng_device_ops;
	struct vdrv_config cfg;
	unsigned k, nq = ops->num_queues;

	open_dev(ops, NULL, NULL);
	hook_config(&cfg, VDRV_STEP_COUNT, VDRV_PROCEED);
	cfg.device_id = (uint16_t)ops->device_id;
	cfg.num_queues = (uint16_t)nq;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(hk.n, 8 + nq + 1);
	for (k = 0; k < 8; k++) {
		ck_assert_msg(hk.step[k] == order[k], "hook call %u: step %d, want %d", k,
			      hk.step[k], order[k]);
		ck_assert_msg(hk.dev_status[k] == dev_before[k], "step %d: device status 0x%x",
			      hk.step[k], hk.dev_status[k]);
	}
	for (k = 0; k < nq; k++) {
		ck_assert_uint_eq(hk.step[8 + k], VDRV_STEP_QUEUE_SETUP);
		ck_assert_uint_eq(hk.queue[8 + k], k);
		ck_assert_uint_eq(hk.dev_status[8 + k], ST_ACK | ST_DRV | ST_FOK);
	}
	ck_assert_uint_eq(hk.step[8 + nq], VDRV_STEP_DRIVER_OK);
	ck_assert_uint_eq(hk.dev_status[8 + nq], ST_ACK | ST_DRV | ST_FOK);
	/* the status byte each status step is about to write */
	ck_assert_uint_eq(hk.status[0], 0);
	ck_assert_uint_eq(hk.status[2], ST_ACK);
	ck_assert_uint_eq(hk.status[3], ST_ACK | ST_DRV);
	ck_assert_uint_eq(hk.status[6], ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(hk.status[8 + nq], ST_LIVE);
	/* the features WRITE_FEATURES is about to write */
	ck_assert_uint_eq(hk.features[5], vdrv_features(pr.drv));
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	for (k = 0; k < nq; k++)
		ck_assert_uint_eq(device_queue_enabled((uint16_t)k), 1);
	assert_no_findings();
}
END_TEST

START_TEST(skip_acknowledge_recorded)
{
	const struct vc_findings *f;
	struct vdrv_config cfg;
	int i;

	open_rng();
	hook_config(&cfg, VDRV_STEP_ACKNOWLEDGE, VDRV_SKIP);
	vdrv_init(pr.drv, &cfg);
	f = vpci_findings(pr.dev);
	i = vc_findings_find(f, CL_DRV_INIT);
	ck_assert_msg(i >= 0, "device did not record DRIVER without ACKNOWLEDGE");
	ck_assert_ptr_nonnull(strstr(f->v[i].msg, "ACKNOWLEDGE"));
}
END_TEST

START_TEST(unoffered_feature_refused_sets_failed)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_WRITE_FEATURES, VDRV_PROCEED);
	hk.add_features = VIRTIO_BIT(5);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_eq(dev_find(CL_DRV_FEATURES), 1);
	ck_assert_uint_eq(vpci_status(pr.dev) & ST_FOK, 0);
	ck_assert_uint_ne(vpci_status(pr.dev) & ST_FAIL, 0);
	ck_assert_uint_eq(vpci_status(pr.dev) & ST_DOK, 0);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
	ck_assert_uint_eq(device_queue_enabled(0), 0);
	/* it stopped at the check: no queue setup, no DRIVER_OK step */
	ck_assert_uint_eq(hk.step[hk.n - 1], VDRV_STEP_CHECK_FEATURES_OK);
}
END_TEST

START_TEST(skip_features_ok_fails_init)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_FEATURES_OK, VDRV_SKIP);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_ACK | ST_DRV | ST_FAIL);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
	ck_assert_uint_eq(device_queue_enabled(0), 0);
}
END_TEST

/* Skipping FEATURES_OK and its check: queues are set up un-negotiated. */
START_TEST(skip_features_ok_and_check_recorded)
{
	const struct vc_findings *f;
	struct vdrv_config cfg;
	int i;

	open_rng();
	hook_config(&cfg, VDRV_STEP_COUNT, VDRV_PROCEED);
	hk.skip_mask = 1u << VDRV_STEP_FEATURES_OK | 1u << VDRV_STEP_CHECK_FEATURES_OK;
	vdrv_init(pr.drv, &cfg);
	f = vpci_findings(pr.dev);
	i = vc_findings_find(f, CL_DRV_INIT);
	ck_assert_msg(i >= 0, "device did not record a queue enabled before FEATURES_OK");
	ck_assert_ptr_nonnull(strstr(f->v[i].msg, "before FEATURES_OK"));
}
END_TEST

START_TEST(abort_at_driver_ok_leaves_device_not_live)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_DRIVER_OK, VDRV_ABORT);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_ACK | ST_DRV | ST_FOK);
	ck_assert_uint_eq(device_queue_enabled(0), 1);
	assert_no_findings();
}
END_TEST

START_TEST(driver_ok_before_features_ok_recorded)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_READ_FEATURES, VDRV_PROCEED);
	hk.write_status = ST_ACK | ST_DRV | ST_DOK;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(dev_find(CL_DRV_INIT), 1);
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 1);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE); /* reached the proper way later */
}
END_TEST

START_TEST(feature_write_at_queue_setup_recorded)
{
	struct vdrv_config cfg;
	uint64_t negotiated;

	open_rng();
	hook_config(&cfg, VDRV_STEP_QUEUE_SETUP, VDRV_PROCEED);
	hk.write_features = true;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	negotiated = vpci_negotiated_features(pr.dev);
	ck_assert_uint_eq(dev_find(CL_DRV_INIT), 1);
	ck_assert_uint_eq(negotiated, vdrv_features(pr.drv));
	ck_assert_uint_ne(negotiated & F_V1, 0);
	rng_read_ok(100);
}
END_TEST

START_TEST(queue_setup_smaller_size)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_QUEUE_SETUP, VDRV_PROCEED);
	hk.queue_size = 16;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(device_queue_size(0), 16);
	rng_read_ok(1000); /* 16 requests: wraps the 16-entry ring */
	assert_no_findings();
}
END_TEST

START_TEST(queue_setup_bad_size_recorded)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_QUEUE_SETUP, VDRV_PROCEED);
	hk.queue_size = 100;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_eq(dev_find(CL_DRV_PCI_COMMON), 1);
	ck_assert_uint_eq(device_queue_size(0), 256);
	ck_assert_uint_eq(device_queue_enabled(0), 0);
	ck_assert_uint_ne(vpci_status(pr.dev) & ST_FAIL, 0);
}
END_TEST

/* ------------------------------------------------------------ interrupts */

START_TEST(msix_interrupts_counted_per_queue)
{
	const struct vdrv_irq_stats *irq;
	struct vdrv_config cfg;

	open_rng();
	rng_config(&cfg, true);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	rng_read_ok(10 * RNG_BUF);
	irq = vdrv_irq_stats(pr.drv);
	ck_assert_uint_eq(irq->queue[0], 10);
	ck_assert_uint_eq(irq->queue[1], 0);
	ck_assert_uint_eq(irq->config, 0);
	ck_assert_uint_eq(irq->intx, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->queue_interrupts, 10);
	assert_no_findings();
}
END_TEST

START_TEST(intx_interrupts_counted)
{
	const struct vdrv_irq_stats *irq;
	struct vdrv_config cfg;

	open_rng();
	rng_config(&cfg, false);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	/* MSI-X stays disabled: the device's vector registers are unused */
	ck_assert_uint_eq(msix_control() & 0x8000u, 0);
	rng_read_ok(10 * RNG_BUF);
	irq = vdrv_irq_stats(pr.drv);
	ck_assert_uint_eq(irq->intx, 10);
	ck_assert_uint_eq(irq->queue[0], 10);
	ck_assert_uint_eq(irq->config, 0);
	ck_assert_uint_eq(vpci_stats(pr.dev)->queue_interrupts, 10);
	assert_no_findings();
}
END_TEST

/* _i: 0 MSI-X, 1 INTx */
START_TEST(config_interrupt_counted)
{
	const struct vdrv_irq_stats *irq;
	struct vdrv_config cfg;

	open_dev(&fake_ops, NULL, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = FAKE_ID;
	cfg.num_queues = FAKE_QUEUES;
	cfg.use_msix = _i == 0;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	fk.host->config_changed(fk.h);
	fk.host->config_changed(fk.h);
	irq = vdrv_irq_stats(pr.drv);
	ck_assert_uint_eq(irq->config, 2);
	ck_assert_uint_eq(irq->queue[0], 0);
	ck_assert_uint_eq(irq->queue[1], 0);
	ck_assert_uint_eq(irq->intx, _i == 0 ? 0 : 2);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------ config_generation */

static void open_fake_live(void)
{
	struct vdrv_config cfg;

	open_dev(&fake_ops, NULL, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device_id = FAKE_ID;
	cfg.num_queues = FAKE_QUEUES;
	cfg.use_msix = true;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	fk.config_reads = 0;
}

static const unsigned unstable_counts[] = { 1, 2, 5, 20 };

START_TEST(config_read_retries_until_stable)
{
	uint32_t v[2] = { 0, 0 };

	open_fake_live();
	fk.version = 100;
	fk.unstable_reads = unstable_counts[_i];
	ck_assert_int_eq(vdrv_config_read(pr.drv, 0, v, sizeof(v)), 0);
	ck_assert_uint_eq(fk.unstable_reads, 0);
	/* a consistent snapshot: both fields of one version, the last one */
	ck_assert_uint_eq(v[0], v[1]);
	ck_assert_uint_eq(v[0], 100 + unstable_counts[_i]);
	ck_assert_uint_gt(fk.config_reads, 2); /* it did retry */
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->config, unstable_counts[_i]);
	assert_no_findings();
}
END_TEST

START_TEST(config_read_gives_up_when_never_stable)
{
	uint32_t v[2];

	open_fake_live();
	fk.unstable_reads = ~0u;
	ck_assert_int_eq(vdrv_config_read(pr.drv, 0, v, sizeof(v)), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_PCI_COMMON), 1);
	ck_assert_uint_gt(fk.config_reads, 2);
	ck_assert_uint_le(fk.config_reads, 1000); /* bounded */
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 0);
}
END_TEST

START_TEST(config_read_out_of_range_refused)
{
	uint32_t v[3];

	open_fake_live();
	ck_assert_int_eq(vdrv_config_read(pr.drv, 0, v, 12), -1);
	ck_assert_int_eq(vdrv_config_read(pr.drv, 6, v, 4), -1);
	ck_assert_int_eq(vdrv_config_read(pr.drv, 9, v, 0), -1);
	ck_assert_uint_eq(fk.config_reads, 0);
	ck_assert_int_eq(vdrv_config_read(pr.drv, 4, v, 4), 0);
	assert_no_findings();
}
END_TEST

/* --------------------------------------------------------------- others */

START_TEST(device_without_version_1_fails)
{
	struct vpci_params params = { .withheld_features = F_V1 };
	struct vdrv_config cfg;

	open_dev(&vc_rng_device_ops, NULL, &params);
	ck_assert_uint_eq(dev_find(CL_DEV_RESERVED), 1); /* the device's own record */
	rng_config(&cfg, true);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_eq(drv_find(CL_DEV_RESERVED), 1);
	ck_assert_uint_ne(vpci_status(pr.dev) & ST_FAIL, 0);
	ck_assert_uint_eq(vpci_status(pr.dev) & (ST_FOK | ST_DOK), 0);
	ck_assert_uint_eq(vpci_negotiated_features(pr.dev), 0);
}
END_TEST

START_TEST(reset_then_reinit_works)
{
	struct vdrv_config cfg;

	open_rng();
	rng_config(&cfg, true);
	cfg.wanted_features = F_V1 | F_EVT | F_IND;
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	rng_read_ok(300);
	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	ck_assert_uint_eq(device_queue_enabled(0), 0);
	ck_assert_ptr_null(vdrv_queue(pr.drv, 0));
	ck_assert_uint_eq(vdrv_features(pr.drv), 0);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	rng_read_ok(300);
	/* and once more, letting vdrv_init reset a live device itself */
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	rng_read_ok(300);
	ck_assert_uint_eq(vpci_stats(pr.dev)->resets, 4); /* init, reset, init, init */
	assert_no_findings();
}
END_TEST

START_TEST(reinit_after_failed_init_works)
{
	struct vdrv_config cfg;

	open_rng();
	hook_config(&cfg, VDRV_STEP_WRITE_FEATURES, VDRV_PROCEED);
	hk.add_features = VIRTIO_BIT(5);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), -1);
	ck_assert_uint_ne(vpci_status(pr.dev) & ST_FAIL, 0);
	rng_config(&cfg, true);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	rng_read_ok(200);
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 1); /* only the first attempt's */
}
END_TEST

static Suite *vdrv_suite(void)
{
	Suite *s = suite_create("vdrv");
	TCase *tc;

	tc = tcase_create("probe");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, probe_accepts_rng);
	tcase_add_loop_test(tc, probe_rejects_wrong_device_id, 0,
			    (int)(sizeof(wrong_ids) / sizeof(wrong_ids[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("init");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, init_negotiates_offered_and_wanted, 0,
			    (int)(sizeof(wanted_sets) / sizeof(wanted_sets[0])));
	tcase_add_loop_test(tc, init_hook_sees_steps_in_order, 0, 2);
	tcase_add_test(tc, skip_acknowledge_recorded);
	tcase_add_test(tc, unoffered_feature_refused_sets_failed);
	tcase_add_test(tc, skip_features_ok_fails_init);
	tcase_add_test(tc, skip_features_ok_and_check_recorded);
	tcase_add_test(tc, abort_at_driver_ok_leaves_device_not_live);
	tcase_add_test(tc, driver_ok_before_features_ok_recorded);
	tcase_add_test(tc, feature_write_at_queue_setup_recorded);
	tcase_add_test(tc, queue_setup_smaller_size);
	tcase_add_test(tc, queue_setup_bad_size_recorded);
	suite_add_tcase(s, tc);

	tc = tcase_create("interrupts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, msix_interrupts_counted_per_queue);
	tcase_add_test(tc, intx_interrupts_counted);
	tcase_add_loop_test(tc, config_interrupt_counted, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, config_read_retries_until_stable, 0,
			    (int)(sizeof(unstable_counts) / sizeof(unstable_counts[0])));
	tcase_add_test(tc, config_read_gives_up_when_never_stable);
	tcase_add_test(tc, config_read_out_of_range_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, device_without_version_1_fails);
	tcase_add_test(tc, reset_then_reinit_works);
	tcase_add_test(tc, reinit_after_failed_init_works);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(vdrv_suite)
