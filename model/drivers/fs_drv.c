// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "fs_drv.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_fs.h"

void vfs_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_FS;
	/* no VIRTIO_FS_F_NOTIFICATION: queue 1 is then the first request queue */
	cfg->wanted_features = (wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1)) &
			       ~VIRTIO_BIT(VIRTIO_FS_F_NOTIFICATION);
	cfg->num_queues = 2;
	cfg->use_msix = true;
}

/* The request as it sits in guest memory: the device-readable part, then
 * the device-writable part (struct virtio_fs_req, 5.11.6.1). */
struct vfs_init_req {
	struct fuse_in_header in;
	struct fuse_init_in init;
	struct fuse_out_header out;
	struct fuse_init_out init_out;
};

int vfs_drv_init_session(vdrv_t *d, uint64_t unique, struct vfs_init_result *r, char *why,
			 size_t n)
{
	vq_drv_t *vq = vdrv_queue(d, VIRTIO_FS_REQUEST_QUEUE);
	const size_t rd = offsetof(struct vfs_init_req, out);
	struct vfs_init_req req;
	struct vq_buf out, in;
	uint64_t gpa;
	uint32_t len, hdr_len;
	void *token;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!vq) {
		snprintf(why, n, "the fs request queue (%u) is not set up", VIRTIO_FS_REQUEST_QUEUE);
		return -1;
	}
	gpa = vdrv_alloc(d, sizeof(req), 64);
	if (!gpa) {
		snprintf(why, n, "no guest memory for a FUSE_INIT request");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.in.len = cpu_to_le32((uint32_t)rd);
	req.in.opcode = cpu_to_le32(FUSE_INIT);
	req.in.unique = cpu_to_le64(unique);
	req.init.major = cpu_to_le32(FUSE_KERNEL_VERSION);
	req.init.minor = cpu_to_le32(FUSE_KERNEL_MINOR_VERSION);
	/* the writable part is poisoned so a short answer is visible */
	memset(&req.out, 0xa5, sizeof(req) - rd);
	if (gm_write(vdrv_mem(d), gpa, &req, sizeof(req)) != 0) {
		snprintf(why, n, "cannot write the FUSE_INIT request to guest memory");
		return -1;
	}
	out.gpa = gpa;
	out.len = (uint32_t)rd;
	in.gpa = gpa + rd;
	in.len = (uint32_t)(sizeof(req) - rd);
	if (vq_drv_add(vq, &out, 1, &in, 1, &req, false) < 0) {
		snprintf(why, n, "the fs request queue refused a two-descriptor chain");
		return -1;
	}
	vdrv_kick(d, VIRTIO_FS_REQUEST_QUEUE);
	rc = vq_drv_get(vq, &token, &len);
	if (rc < 0) {
		snprintf(why, n, "the fs request queue is broken (the driver recorded why)");
		return -1;
	}
	if (rc == 0) {
		snprintf(why, n, "no used entry for FUSE_INIT");
		return -1;
	}
	r->used_len = len;
	/* the driver relies only on the first len bytes of the writable part */
	if (len > sizeof(req) - rd) {
		snprintf(why, n, "FUSE_INIT answered with used len %u, more than its %zu writable "
			 "bytes", len, sizeof(req) - rd);
		return -1;
	}
	if (len < sizeof(req.out)) {
		snprintf(why, n, "FUSE_INIT answered with used len %u, less than a FUSE out "
			 "header (%zu)", len, sizeof(req.out));
		return -1;
	}
	if (gm_read(vdrv_mem(d), gpa + rd, &req.out, len) != 0) {
		snprintf(why, n, "cannot read the FUSE_INIT answer from guest memory");
		return -1;
	}
	hdr_len = le32_to_cpu(req.out.len);
	if (hdr_len != len || le64_to_cpu(req.out.unique) != unique) {
		snprintf(why, n, "malformed FUSE_INIT answer: out.len %u for used len %u, unique "
			 "%llu for %llu", hdr_len, len,
			 (unsigned long long)le64_to_cpu(req.out.unique), (unsigned long long)unique);
		return -1;
	}
	r->error = (int32_t)le32_to_cpu(req.out.error);
	if (r->error == 0 && len >= sizeof(req.out) + 8) {
		r->major = le32_to_cpu(req.init_out.major);
		r->minor = le32_to_cpu(req.init_out.minor);
	}
	return 0;
}
