// SPDX-License-Identifier: Apache-2.0
/*
 * The fs device type in the executor: no model device (ops NULL), so it
 * exists only for targets whose device is an fs device (virtiofsd over
 * vhost-user). Core cases that exercise the control plane -- feature
 * negotiation, status, initialization order, queue setup, reset -- run on
 * it; the liveness probe after a reset is one FUSE_INIT round trip on the
 * request queue (fs_drv.c).
 */
#include <stdio.h>

#include "fs_drv.h"
#include "virtiocheck/virtio.h"

#include "exec_priv.h"

static int fs_live(struct xstate *x, char *why, size_t n)
{
	struct vfs_init_result r;
	char err[160];

	if (vfs_drv_init_session(x->pair.drv, 1, &r, err, sizeof(err)) != 0) {
		snprintf(why, n, "no well-formed answer to FUSE_INIT after reset: %s", err);
		return -1;
	}
	xtrace(x, "  FUSE_INIT answered: used len %u, error %d, version %u.%u", r.used_len,
	       r.error, r.major, r.minor);
	return 0;
}

const struct exec_device exec_fs_device = {
	.name = "fs", .ops = NULL, .device_id = VIRTIO_ID_FS, .config = vfs_drv_config,
	.live = fs_live,
};
