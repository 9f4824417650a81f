// SPDX-License-Identifier: Apache-2.0
/*
 * The model self-check: a fixed set of end-to-end scenarios on the reference
 * device/driver pair, each naming the clause it exercises. It proves that a
 * build works before any spec case runs: the well-formed paths leave no
 * finding on either side, and each hostile scenario ends in the recorded
 * violation of the clause it breaks, after which the device still answers.
 */
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "rng_drv.h"
#include "selfcheck.h"
#include "vc_pair.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define ENTROPY_BYTES (64u * 1024u)

static void result(struct selfcheck_result *r, const char *name, const char *clause, bool ok,
		   const char *detail)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->clause = clause;
	r->passed = ok;
	snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
}

static int open_rng(struct vc_pair *p, struct vrng_drv *r, uint64_t features, bool msix,
		    uint32_t segments, bool indirect)
{
	struct vdrv_config cfg;

	if (vc_pair_open(p, &vc_rng_device_ops, "seed=1", NULL, NULL, 0) != 0)
		return -1;
	if (vdrv_probe(p->drv, VIRTIO_ID_RNG) != 0)
		return -1;
	vrng_drv_config(&cfg, features);
	cfg.use_msix = msix;
	if (vdrv_init(p->drv, &cfg) != 0 || vrng_drv_attach(r, p->drv, 4096) != 0)
		return -1;
	r->segments = segments;
	r->indirect = indirect;
	return 0;
}

static bool no_findings(const struct vc_pair *p, char *why, size_t n)
{
	const struct vc_findings *fd = vpci_findings(p->dev), *fv = vdrv_findings(p->drv);

	if (fd->count)
		snprintf(why, n, "device recorded %s: %s", fd->v[0].clause, fd->v[0].msg);
	else if (fv->count)
		snprintf(why, n, "driver recorded %s: %s", fv->v[0].clause, fv->v[0].msg);
	return !fd->count && !fv->count;
}

/* Well-formed entropy reads across the feature and layout matrix. */
static void wellformed(struct selfcheck_result *r, uint64_t features, bool msix, uint32_t segs,
		       bool indirect)
{
	static uint8_t buf[ENTROPY_BYTES];
	struct vc_pair p;
	struct vrng_drv rng;
	char name[128], why[256] = "";
	bool ok;

	snprintf(name, sizeof(name), "rng read %u KiB: event_idx=%d indirect=%d msix=%d segments=%u",
		 ENTROPY_BYTES / 1024, !!(features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)), indirect,
		 msix, segs);
	ok = open_rng(&p, &rng, features, msix, segs, indirect) == 0 &&
	     vrng_drv_read(&rng, buf, sizeof(buf)) == (long)sizeof(buf) &&
	     no_findings(&p, why, sizeof(why));
	if (ok) {
		/* devicenormative: Device Reset -- status reads 0 after reset */
		vdrv_reset(p.drv);
		ok = vpci_status(p.dev) == 0;
		if (!ok)
			snprintf(why, sizeof(why), "status 0x%x after reset", vpci_status(p.dev));
	} else if (!why[0]) {
		snprintf(why, sizeof(why), "init or read failed");
	}
	result(r, name, CL_DEV_RNG, ok, why);
	vc_pair_close(&p);
}

/* Hostile driver: a descriptor that loops onto itself. */
static void hostile_loop(struct selfcheck_result *r)
{
	struct vc_pair p;
	struct vrng_drv rng;
	uint8_t byte;
	char why[256] = "";
	bool ok = false;

	if (open_rng(&p, &rng, 0, true, 1, false) == 0) {
		vq_drv_t *vq = vdrv_queue(p.drv, 0);
		struct vq_buf in = { rng.buf, 16 };
		int head = vq_drv_add(vq, NULL, 0, &in, 1, &rng, false);
		uint64_t desc_gpa = 0;
		struct virtq_desc *d;

		/* find the descriptor table through the common config */
		vpci_bar_write(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
		desc_gpa = vpci_bar_read(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_DESCLO, 4) |
			   vpci_bar_read(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_DESCHI, 4) << 32;
		d = gm_translate(p.drv_mem, desc_gpa + 16ull * (unsigned)head, 16, GM_WRITE);
		if (head >= 0 && d) {
			d->flags = cpu_to_le16(VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
			d->next = cpu_to_le16((uint16_t)head);
			vdrv_kick(p.drv, 0);
			ok = vpci_broken(p.dev) &&
			     (vpci_status(p.dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) &&
			     vc_findings_find(vpci_findings(p.dev), CL_DRV_DESC) == 0;
			if (!ok)
				snprintf(why, sizeof(why), "loop not refused with %s", CL_DRV_DESC);
		}
		/* liveness: after a reset the device answers a good request */
		if (ok) {
			struct vdrv_config cfg;

			vrng_drv_config(&cfg, 0);
			ok = vdrv_init(p.drv, &cfg) == 0 && vrng_drv_attach(&rng, p.drv, 64) == 0 &&
			     vrng_drv_read(&rng, &byte, 1) == 1;
			if (!ok)
				snprintf(why, sizeof(why), "device dead after reset");
		}
	} else {
		snprintf(why, sizeof(why), "setup failed");
	}
	result(r, "hostile driver: self-looping descriptor chain is refused, device stays live",
	       CL_DRV_DESC, ok, why);
	vc_pair_close(&p);
}

/* Hostile device: a used entry claiming more bytes than were posted. */
static void hostile_used_len(struct selfcheck_result *r)
{
	struct vc_pair p;
	struct vrng_drv rng;
	char why[256] = "";
	bool ok = false;

	if (open_rng(&p, &rng, 0, true, 1, false) == 0) {
		vq_drv_t *vq = vdrv_queue(p.drv, 0);
		struct vq_buf in = { rng.buf, 8 };
		uint64_t used_gpa;
		struct virtq_used *u;
		void *tok;
		uint32_t len;
		int head = vq_drv_add(vq, NULL, 0, &in, 1, &rng, false);

		vq_drv_kick_prepare(vq); /* published, but the device is not told */
		vpci_bar_write(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
		used_gpa = vpci_bar_read(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_USEDLO, 4) |
			   vpci_bar_read(p.dev, VPCI_BAR_COMMON + VIRTIO_PCI_COMMON_Q_USEDHI, 4) << 32;
		u = gm_translate(p.dev_mem, used_gpa, 16, GM_WRITE);
		if (u && head >= 0) {
			u->ring[0].id = cpu_to_le32((uint32_t)head);
			u->ring[0].len = cpu_to_le32(9);
			le16_store_release(&u->idx, 1);
			ok = vq_drv_get(vq, &tok, &len) < 0 && vq_drv_broken(vq) &&
			     vc_findings_find(vdrv_findings(p.drv), CL_DEV_USED) == 0;
			if (!ok)
				snprintf(why, sizeof(why), "driver accepted used len 9 of 8");
		}
	} else {
		snprintf(why, sizeof(why), "setup failed");
	}
	result(r, "hostile device: used len beyond the posted buffer breaks the driver queue",
	       CL_DEV_USED, ok, why);
	vc_pair_close(&p);
}

/* Negotiation: a subset with an unoffered bit leaves FEATURES_OK clear. */
static enum vdrv_hook_action add_unoffered(void *ctx, vdrv_t *drv, struct vdrv_step_ctx *s)
{
	if (s->step == VDRV_STEP_WRITE_FEATURES)
		s->features |= VIRTIO_BIT(VIRTIO_F_RING_PACKED) | VIRTIO_BIT(5);
	return VDRV_PROCEED;
}

static void unoffered_features(struct selfcheck_result *r)
{
	struct vc_pair p;
	struct vdrv_config cfg;
	char why[256] = "";
	bool ok = false;

	if (vc_pair_open(&p, &vc_rng_device_ops, NULL, NULL, NULL, 0) == 0 &&
	    vdrv_probe(p.drv, VIRTIO_ID_RNG) == 0) {
		vrng_drv_config(&cfg, 0);
		cfg.hook = add_unoffered;
		ok = vdrv_init(p.drv, &cfg) != 0 &&
		     !(vpci_status(p.dev) & VIRTIO_STATUS_FEATURES_OK) &&
		     (vpci_status(p.dev) & VIRTIO_STATUS_FAILED) &&
		     vc_findings_find(vpci_findings(p.dev), CL_DRV_FEATURES) >= 0;
		if (!ok)
			snprintf(why, sizeof(why), "status 0x%x", vpci_status(p.dev));
	}
	result(r, "negotiation: FEATURES_OK stays clear for unoffered features", CL_DEV_FEATURES,
	       ok, why);
	vc_pair_close(&p);
}

unsigned selfcheck_run(struct selfcheck_result *out, unsigned max)
{
	static const uint64_t feats[] = {
		0,
		VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
		VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC),
		VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC),
	};
	unsigned n = 0, f, m, s;

	for (f = 0; f < 4; f++)
		for (m = 0; m < 2; m++)
			for (s = 1; s <= 3; s += 2) {
				bool ind = !!(feats[f] & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));

				if (n < max)
					wellformed(&out[n++], feats[f], m, s, ind);
			}
	if (n < max)
		hostile_loop(&out[n++]);
	if (n < max)
		hostile_used_len(&out[n++]);
	if (n < max)
		unoffered_features(&out[n++]);
	return n;
}
