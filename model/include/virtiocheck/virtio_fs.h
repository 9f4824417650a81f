/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-fs layout constants (VIRTIO 1.2 5.11): queues (5.11.2), feature
 * bits (5.11.3), configuration offsets (5.11.4), and the FUSE headers of
 * a request (5.11.6.1, struct virtio_fs_req) with the one request the
 * harness sends: FUSE_INIT, which starts a session (5.11.5). The harness
 * has no model fs device; this is the driver side's view, used to probe a
 * third-party fs back-end (virtiofsd) for liveness.
 */
#ifndef VIRTIOCHECK_VIRTIO_FS_H
#define VIRTIOCHECK_VIRTIO_FS_H

#include "virtiocheck/le.h"

#define VIRTIO_FS_F_NOTIFICATION 0

#define VIRTIO_FS_HIPRIO_QUEUE   0
/* the first request queue when VIRTIO_FS_F_NOTIFICATION is not negotiated */
#define VIRTIO_FS_REQUEST_QUEUE  1

/* struct virtio_fs_config offsets */
#define VIRTIO_FS_CFG_TAG                0u   /* char tag[36] */
#define VIRTIO_FS_CFG_TAG_SIZE           36u
#define VIRTIO_FS_CFG_NUM_REQUEST_QUEUES 36u  /* le32 */
#define VIRTIO_FS_CFG_NOTIFY_BUF_SIZE    40u  /* le32, with NOTIFICATION */

/* FUSE (the protocol version the harness speaks: 7.31, little-endian) */
#define FUSE_KERNEL_VERSION       7
#define FUSE_KERNEL_MINOR_VERSION 31
#define FUSE_INIT                 26

struct fuse_in_header {
	le32 len;
	le32 opcode;
	le64 unique;
	le64 nodeid;
	le32 uid;
	le32 gid;
	le32 pid;
	le16 total_extlen;
	le16 padding;
};

struct fuse_out_header {
	le32 len;
	le32 error;               /* 0 or a negative errno */
	le64 unique;
};

/* FUSE_INIT's argument up to protocol 7.35 */
struct fuse_init_in {
	le32 major;
	le32 minor;
	le32 max_readahead;
	le32 flags;
};

/* FUSE_INIT's answer (7.31 size); a device may answer less */
struct fuse_init_out {
	le32 major;
	le32 minor;
	le32 max_readahead;
	le32 flags;
	le16 max_background;
	le16 congestion_threshold;
	le32 max_write;
	le32 time_gran;
	le16 max_pages;
	le16 map_alignment;
	le32 flags2;
	le32 unused[7];
};

_Static_assert(sizeof(struct fuse_in_header) == 40, "fuse_in_header layout");
_Static_assert(sizeof(struct fuse_out_header) == 16, "fuse_out_header layout");
_Static_assert(sizeof(struct fuse_init_in) == 16, "fuse_init_in layout");
_Static_assert(sizeof(struct fuse_init_out) == 64, "fuse_init_out layout");

#endif
