/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packed virtqueue layout (VIRTIO 1.2 2.8). Self-contained: shared by both
 * sides of the ring code, by tests that play a hostile peer and by the YAML
 * case executor, which writes raw packed descriptors with it.
 */
#ifndef VIRTIOCHECK_VQ_PACKED_LAYOUT_H
#define VIRTIOCHECK_VQ_PACKED_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include "virtiocheck/le.h"

/* 2.8.13 The Virtqueue Descriptor Format */
struct pvirtq_desc {
	le64 addr;
	le32 len;
	le16 id;
	le16 flags;
};

/* 2.8.14 Event Suppression Structure Format:
 * off_wrap = desc_event_off (bits 0..14) | desc_event_wrap (bit 15),
 * flags = desc_event_flags (bits 0..1), the rest reserved */
struct pvirtq_event_suppress {
	le16 off_wrap;
	le16 flags;
};

_Static_assert(sizeof(struct pvirtq_desc) == 16, "pvirtq_desc layout");
_Static_assert(sizeof(struct pvirtq_event_suppress) == 4, "pvirtq_event_suppress layout");

/* descriptor flags (2.8.1, 2.8.3, 2.8.6, 2.8.7); the first three have the
 * same values as the split ring's */
#ifndef VIRTQ_DESC_F_NEXT
#define VIRTQ_DESC_F_NEXT     1u
#endif
#ifndef VIRTQ_DESC_F_WRITE
#define VIRTQ_DESC_F_WRITE    2u
#endif
#ifndef VIRTQ_DESC_F_INDIRECT
#define VIRTQ_DESC_F_INDIRECT 4u
#endif
#define VIRTQ_DESC_F_AVAIL    (1u << 7)
#define VIRTQ_DESC_F_USED     (1u << 15)

/* 2.8.10 Driver and Device Event Suppression: desc_event_flags */
#define RING_EVENT_FLAGS_ENABLE  0x0u
#define RING_EVENT_FLAGS_DISABLE 0x1u
#define RING_EVENT_FLAGS_DESC    0x2u /* only with VIRTIO_F_EVENT_IDX */
#define RING_EVENT_FLAGS_MASK    0x3u /* 0x3 is reserved */
#define RING_EVENT_WRAP_SHIFT    15
#define RING_EVENT_OFF_MASK      0x7fffu

/* 2.8.10.1 Structure Size and Alignment */
#define PVIRTQ_DESC_ALIGN  16u
#define PVIRTQ_EVENT_ALIGN 4u
#define PVIRTQ_SIZE_MAX    32768u /* need not be a power of two */

static inline uint64_t pvirtq_desc_bytes(uint32_t size) { return 16ull * size; }
static inline uint64_t pvirtq_event_bytes(void) { return 4ull; }

/* 2.8.1 flags of a descriptor made available / used with wrap counter w */
static inline uint16_t pvirtq_avail_flags(bool w)
{
	return (uint16_t)(w ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED);
}
static inline uint16_t pvirtq_used_flags(bool w)
{
	return (uint16_t)(w ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0);
}
/* available: AVAIL matches w and USED does not; used: both match w */
static inline bool pvirtq_is_avail(uint16_t flags, bool w)
{
	return !!(flags & VIRTQ_DESC_F_AVAIL) == w && !!(flags & VIRTQ_DESC_F_USED) != w;
}
static inline bool pvirtq_is_used(uint16_t flags, bool w)
{
	return !!(flags & VIRTQ_DESC_F_AVAIL) == w && !!(flags & VIRTQ_DESC_F_USED) == w;
}

static inline uint16_t pvirtq_off_wrap(uint16_t off, bool wrap)
{
	return (uint16_t)((off & RING_EVENT_OFF_MASK) | ((unsigned)wrap << RING_EVENT_WRAP_SHIFT));
}

/*
 * The event test of 2.8.10 for a descriptor-specific event: did the slots
 * advanced this round, [new - count, new) in ring order with new's wrap
 * counter new_wrap, include slot off of lap wrap? An event in the lap
 * before (wrap != new_wrap) counts from -size. count <= size <= 32768.
 */
static inline bool pvirtq_need_event(uint16_t off_wrap, uint16_t new_slot, bool new_wrap,
				     uint16_t count, uint16_t size)
{
	uint16_t ev = off_wrap & RING_EVENT_OFF_MASK;
	uint16_t old = (uint16_t)(new_slot - count);

	if (!!(off_wrap >> RING_EVENT_WRAP_SHIFT) != new_wrap)
		ev = (uint16_t)(ev - size);
	return (uint16_t)(new_slot - ev - 1) < (uint16_t)(new_slot - old);
}

#endif
