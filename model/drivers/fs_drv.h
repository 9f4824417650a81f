/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-fs driver (VIRTIO 1.2 5.11), as much of it as the harness needs
 * to judge a third-party fs device (virtiofsd) at the control plane: the
 * driver configuration (hiprio + one request queue, no NOTIFICATION) and
 * one FUSE_INIT round trip on the request queue, which starts a session
 * (5.11.5) and shows the device processes requests. There is no model fs
 * device: FUSE itself is out of the harness's scope.
 */
#ifndef VIRTIOCHECK_FS_DRV_H
#define VIRTIOCHECK_FS_DRV_H

#include <stdint.h>

#include "vdrv.h"

/* Driver configuration for an fs device (features the driver can use). */
void vfs_drv_config(struct vdrv_config *cfg, uint64_t wanted_features);

/* What a FUSE_INIT round trip showed. */
struct vfs_init_result {
	uint32_t used_len;      /* the used entry's len */
	int32_t error;          /* fuse_out_header.error: 0 or -errno */
	uint32_t major, minor;  /* the device's protocol version, when error is 0 */
};

/*
 * Send FUSE_INIT on the first request queue and reap its answer. 0 when a
 * well-formed FUSE answer came back (out header complete, its len equal to
 * the used len, its unique the request's; error may be non-zero: the device
 * answered); -1 with why otherwise (no answer, queue broken, malformed).
 */
int vfs_drv_init_session(vdrv_t *d, uint64_t unique, struct vfs_init_result *r, char *why,
			 size_t n);

#endif
