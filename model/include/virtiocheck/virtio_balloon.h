/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-balloon (traditional, VIRTIO 1.2 5.5) layout constants: feature
 * bits (5.5.3), queue indices (5.5.2), configuration offsets (5.5.4), the
 * statistics entry (5.5.6.3) and the reserved command IDs of free page
 * hinting (5.5.6.4). Shared by the device and the driver, as the ring
 * layouts are; nothing else is.
 */
#ifndef VIRTIOCHECK_VIRTIO_BALLOON_H
#define VIRTIOCHECK_VIRTIO_BALLOON_H

#define VIRTIO_BALLOON_F_MUST_TELL_HOST  0
#define VIRTIO_BALLOON_F_STATS_VQ        1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM  2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT  3
#define VIRTIO_BALLOON_F_PAGE_POISON     4
#define VIRTIO_BALLOON_F_PAGE_REPORTING  5

/* 5.5.2: the indices as 1.2 lists them. statsq, free_page_vq and
 * reporting_vq exist only with their feature; the list gives each queue
 * its own index, so a missing one leaves a gap (e.g. reporting_vq stays 4
 * without STATS_VQ and FREE_PAGE_HINT). */
#define VIRTIO_BALLOON_Q_INFLATE   0
#define VIRTIO_BALLOON_Q_DEFLATE   1
#define VIRTIO_BALLOON_Q_STATS     2
#define VIRTIO_BALLOON_Q_FREE_PAGE 3
#define VIRTIO_BALLOON_Q_REPORTING 4
#define VIRTIO_BALLOON_NUM_QUEUES  5

/* 5.5.6: page frame numbers count 4096-byte pages, whatever the guest's
 * page size */
#define VIRTIO_BALLOON_PFN_SHIFT 12
#define VIRTIO_BALLOON_PAGE_SIZE 4096u
#define VIRTIO_BALLOON_PFN_SIZE  4u /* le32 */

/* struct virtio_balloon_config offsets (5.5.4) */
#define VIRTIO_BALLOON_CFG_NUM_PAGES  0u
#define VIRTIO_BALLOON_CFG_ACTUAL     4u
#define VIRTIO_BALLOON_CFG_CMD_ID     8u  /* free_page_hint_cmd_id */
#define VIRTIO_BALLOON_CFG_POISON_VAL 12u
#define VIRTIO_BALLOON_CFG_SIZE       16u

/* struct virtio_balloon_stat (5.5.6.3): le16 tag, le64 val, packed */
#define VIRTIO_BALLOON_STAT_SIZE 10u
#define VIRTIO_BALLOON_S_SWAP_IN      0
#define VIRTIO_BALLOON_S_SWAP_OUT     1
#define VIRTIO_BALLOON_S_MAJFLT       2
#define VIRTIO_BALLOON_S_MINFLT       3
#define VIRTIO_BALLOON_S_MEMFREE      4
#define VIRTIO_BALLOON_S_MEMTOT       5
#define VIRTIO_BALLOON_S_AVAIL        6
#define VIRTIO_BALLOON_S_CACHES       7
#define VIRTIO_BALLOON_S_HTLB_PGALLOC 8
#define VIRTIO_BALLOON_S_HTLB_PGFAIL  9
#define VIRTIO_BALLOON_S_NR           10

/* 5.5.6.4: reserved values of free_page_hint_cmd_id; the command ID in a
 * free_page_vq output buffer is one le32 */
#define VIRTIO_BALLOON_CMD_ID_STOP 0u
#define VIRTIO_BALLOON_CMD_ID_DONE 1u
#define VIRTIO_BALLOON_CMD_ID_SIZE 4u

#endif
