// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "rng_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define VRNG_MAX_SEGMENTS 16

void vrng_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_RNG;
	cfg->wanted_features = wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	cfg->num_queues = 1;
	cfg->indirect_max = VRNG_MAX_SEGMENTS;
	cfg->use_msix = true;
}

int vrng_drv_attach(struct vrng_drv *r, vdrv_t *d, uint32_t buf_size)
{
	memset(r, 0, sizeof(*r));
	r->d = d;
	r->buf_size = buf_size;
	r->segments = 1;
	r->buf = vdrv_alloc(d, buf_size, 64);
	return r->buf && vdrv_queue(d, 0) ? 0 : -1;
}

static int one_request(struct vrng_drv *r, uint8_t *dst, uint32_t want, uint32_t *got)
{
	vq_drv_t *vq = vdrv_queue(r->d, 0);
	struct vq_buf in[VRNG_MAX_SEGMENTS];
	uint32_t nseg = r->segments ? r->segments : 1, k, off = 0, len;
	void *token;
	int rc;

	if (nseg > want)
		nseg = want;
	if (nseg > VRNG_MAX_SEGMENTS)
		nseg = VRNG_MAX_SEGMENTS;
	for (k = 0; k < nseg; k++) {
		uint32_t part = want / nseg + (k < want % nseg ? 1 : 0);

		in[k].gpa = r->buf + off;
		in[k].len = part;
		off += part;
	}
	/* drivernormative: Entropy Device -- device-writable buffers only */
	if (vq_drv_add(vq, NULL, 0, in, nseg, r, r->indirect) < 0)
		return -1;
	vdrv_kick(r->d, 0);
	rc = vq_drv_get(vq, &token, &len);
	if (rc <= 0)
		return -1; /* broken (recorded), or the device did not answer */
	if (len == 0) {
		struct vc_violation v;

		/* devicenormative: Entropy Device -- at least one byte */
		vc_violation_set(&v, VC_SEV_FATAL, CL_DEV_RNG, 0, VC_NO_INDEX,
				 "device returned a request buffer with used len 0");
		vdrv_violation(r->d, &v);
		return -1;
	}
	/* drivernormative: The Virtqueue Used Ring -- rely only on the first
	 * len bytes */
	if (gm_read(vdrv_mem(r->d), r->buf, dst, len) != 0)
		return -1;
	*got = len;
	return 0;
}

long vrng_drv_read(struct vrng_drv *r, void *dst, size_t n)
{
	uint8_t *out = dst;
	size_t done = 0;

	while (done < n) {
		uint32_t want = n - done < r->buf_size ? (uint32_t)(n - done) : r->buf_size, got = 0;

		if (one_request(r, out + done, want, &got) != 0)
			return -1;
		done += got;
	}
	return (long)done;
}
