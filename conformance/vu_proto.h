/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vhost-user protocol as a front-end speaks it (QEMU
 * docs/interop/vhost-user.rst): message numbers, flags, protocol feature
 * bits and the wire layouts of the payloads this tool sends and receives.
 *
 * Every message is a 12-byte header (request, flags, size; little-endian)
 * followed by size bytes of payload; file descriptors travel alongside as
 * SCM_RIGHTS ancillary data. The layouts use the le wrappers of
 * virtiocheck/le.h: the back-end is another program, so its bytes are read
 * through the accessors, never as host integers.
 */
#ifndef VIRTIOCHECK_VU_PROTO_H
#define VIRTIOCHECK_VU_PROTO_H

#include <stdint.h>

#include "virtiocheck/le.h"

/* front-end -> back-end requests */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
};

/* header flags */
#define VU_VERSION 0x1u
#define VU_VERSION_MASK 0x3u
#define VU_FLAG_REPLY 0x4u
#define VU_FLAG_NEED_REPLY 0x8u

/* the virtio feature bit that announces protocol features */
#define VU_F_PROTOCOL_FEATURES 30

/* protocol feature bits */
enum vu_protocol_feature {
	VU_PF_MQ = 0,
	VU_PF_LOG_SHMFD = 1,
	VU_PF_RARP = 2,
	VU_PF_REPLY_ACK = 3,
	VU_PF_NET_MTU = 4,
	VU_PF_SLAVE_REQ = 5,
	VU_PF_CROSS_ENDIAN = 6,
	VU_PF_CRYPTO_SESSION = 7,
	VU_PF_PAGEFAULT = 8,
	VU_PF_CONFIG = 9,
	VU_PF_SLAVE_SEND_FD = 10,
	VU_PF_HOST_NOTIFIER = 11,
	VU_PF_INFLIGHT_SHMFD = 12,
	VU_PF_RESET_DEVICE = 13,
	VU_PF_INBAND_NOTIFICATIONS = 14,
	VU_PF_CONFIGURE_MEM_SLOTS = 15,
	VU_PF_STATUS = 16,
};

/* The protocol features this front-end implements and asks for when
 * offered. */
#define VU_PF_WANTED                                                              \
	((1ull << VU_PF_MQ) | (1ull << VU_PF_REPLY_ACK) | (1ull << VU_PF_CONFIG) |  \
	 (1ull << VU_PF_RESET_DEVICE) | (1ull << VU_PF_STATUS))

struct vu_hdr {
	le32 request;
	le32 flags;
	le32 size;
};

#define VU_HDR_SIZE 12u
#define VU_MAX_FDS 8u
/* the largest payload either side sends here (a full memory table) */
#define VU_MAX_PAYLOAD 4096u

/* SET/GET_VRING_NUM, _BASE, _ENABLE */
struct vu_vring_state {
	le32 index;
	le32 num;
};

/* SET_VRING_ADDR: front-end virtual addresses of the three areas */
struct vu_vring_addr {
	le32 index;
	le32 flags;
	le64 desc_user_addr;
	le64 used_user_addr;
	le64 avail_user_addr;
	le64 log_guest_addr;
};

/* SET_VRING_KICK/CALL/ERR payload (a u64): the queue index, and this bit
 * when no file descriptor comes with it */
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD (1u << 8)

/* SET_VRING_BASE of a packed ring: bit 15 holds the wrap counter */
#define VU_VRING_PACKED_WRAP (1u << 15)

#define VU_MEM_REGIONS_MAX 8u

struct vu_mem_region {
	le64 guest_phys_addr;
	le64 memory_size;
	le64 userspace_addr;
	le64 mmap_offset;
};

struct vu_mem_table {
	le32 nregions;
	le32 padding;
	struct vu_mem_region regions[VU_MEM_REGIONS_MAX];
};

/* GET/SET_CONFIG: the payload holds at most this much configuration */
#define VU_CONFIG_MAX 256u

struct vu_config {
	le32 offset;
	le32 size;
	le32 flags; /* 0: writable, 1: migration (not used here) */
	uint8_t payload[VU_CONFIG_MAX];
};

#define VU_CONFIG_HDR_SIZE 12u

#endif
