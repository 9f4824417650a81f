/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueue layout (VIRTIO 1.2 2.7). Shared by both sides of the ring
 * code and by tests that play a hostile peer; nothing else includes it.
 */
#ifndef VIRTIOCHECK_VQ_SPLIT_LAYOUT_H
#define VIRTIOCHECK_VQ_SPLIT_LAYOUT_H

#include <stdint.h>
#include "virtiocheck/le.h"
#include "virtiocheck/virtio.h"

/* 2.7.5 The Virtqueue Descriptor Table */
struct virtq_desc {
	le64 addr;
	le32 len;
	le16 flags;
	le16 next;
};

/* 2.7.6 The Virtqueue Available Ring: ring[size] is followed by used_event */
struct virtq_avail {
	le16 flags;
	le16 idx;
	le16 ring[];
};

/* 2.7.8 The Virtqueue Used Ring: ring[size] is followed by avail_event */
struct virtq_used_elem {
	le32 id;
	le32 len;
};

struct virtq_used {
	le16 flags;
	le16 idx;
	struct virtq_used_elem ring[];
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");

/* 2.7 alignment of each part (drivernormative: Virtqueues) */
#define VIRTQ_DESC_ALIGN  16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN  4u

static inline uint64_t virtq_desc_bytes(uint32_t size) { return 16ull * size; }
static inline uint64_t virtq_avail_bytes(uint32_t size) { return 6ull + 2ull * size; }
static inline uint64_t virtq_used_bytes(uint32_t size) { return 6ull + 8ull * size; }

static inline le16 *virtq_used_event(struct virtq_avail *a, uint32_t size) { return &a->ring[size]; }
static inline le16 *virtq_avail_event(struct virtq_used *u, uint32_t size)
{
	return (le16 *)(void *)&u->ring[size];
}

/* 2.7.10 the event index test: did [old, new) cross event? */
static inline int virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
