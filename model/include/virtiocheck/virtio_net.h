/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net layout constants (VIRTIO 1.2 5.1): feature bits (5.1.3),
 * configuration offsets (5.1.4), the packet header (5.1.6) and the control
 * queue's classes and commands (5.1.6.5). Shared by the device and the
 * driver, as the ring layouts are; nothing else is.
 */
#ifndef VIRTIOCHECK_VIRTIO_NET_H
#define VIRTIOCHECK_VIRTIO_NET_H

/* 5.1.3 feature bits */
#define VIRTIO_NET_F_CSUM                0
#define VIRTIO_NET_F_GUEST_CSUM          1
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MTU                 3
#define VIRTIO_NET_F_MAC                 5
#define VIRTIO_NET_F_GUEST_TSO4          7
#define VIRTIO_NET_F_GUEST_TSO6          8
#define VIRTIO_NET_F_GUEST_ECN           9
#define VIRTIO_NET_F_GUEST_UFO           10
#define VIRTIO_NET_F_HOST_TSO4           11
#define VIRTIO_NET_F_HOST_TSO6           12
#define VIRTIO_NET_F_HOST_ECN            13
#define VIRTIO_NET_F_HOST_UFO            14
#define VIRTIO_NET_F_MRG_RXBUF           15
#define VIRTIO_NET_F_STATUS              16
#define VIRTIO_NET_F_CTRL_VQ             17
#define VIRTIO_NET_F_CTRL_RX             18
#define VIRTIO_NET_F_CTRL_VLAN           19
#define VIRTIO_NET_F_CTRL_RX_EXTRA       20
#define VIRTIO_NET_F_GUEST_ANNOUNCE      21
#define VIRTIO_NET_F_MQ                  22
#define VIRTIO_NET_F_CTRL_MAC_ADDR       23
#define VIRTIO_NET_F_HOST_USO            56
#define VIRTIO_NET_F_HASH_REPORT         57
#define VIRTIO_NET_F_GUEST_HDRLEN        59
#define VIRTIO_NET_F_RSS                 60
#define VIRTIO_NET_F_RSC_EXT             61
#define VIRTIO_NET_F_STANDBY             62
#define VIRTIO_NET_F_SPEED_DUPLEX        63

/* 5.1.4 status bits */
#define VIRTIO_NET_S_LINK_UP  1u
#define VIRTIO_NET_S_ANNOUNCE 2u

/* struct virtio_net_config offsets and size */
#define VIRTIO_NET_CFG_MAC                 0u
#define VIRTIO_NET_CFG_STATUS              6u
#define VIRTIO_NET_CFG_MAX_VQ_PAIRS        8u
#define VIRTIO_NET_CFG_MTU                 10u
#define VIRTIO_NET_CFG_SPEED               12u
#define VIRTIO_NET_CFG_DUPLEX              16u
#define VIRTIO_NET_CFG_RSS_MAX_KEY         17u
#define VIRTIO_NET_CFG_RSS_MAX_TABLE       18u
#define VIRTIO_NET_CFG_HASH_TYPES          20u
#define VIRTIO_NET_CFG_SIZE                24u

#define VIRTIO_NET_DUPLEX_FULL    0x00u
#define VIRTIO_NET_DUPLEX_HALF    0x01u
#define VIRTIO_NET_DUPLEX_UNKNOWN 0xffu
#define VIRTIO_NET_SPEED_UNKNOWN  0xffffffffu
#define VIRTIO_NET_SPEED_MAX      0x7fffffffu

/* 5.1.6 struct virtio_net_hdr (without HASH_REPORT): u8 flags, u8 gso_type,
 * le16 hdr_len, gso_size, csum_start, csum_offset, num_buffers */
#define VIRTIO_NET_HDR_SIZE          12u
#define VIRTIO_NET_HDR_F_NEEDS_CSUM  1u
#define VIRTIO_NET_HDR_F_DATA_VALID  2u
#define VIRTIO_NET_HDR_F_RSC_INFO    4u
#define VIRTIO_NET_HDR_GSO_NONE      0u
#define VIRTIO_NET_HDR_GSO_TCPV4     1u
#define VIRTIO_NET_HDR_GSO_UDP       3u
#define VIRTIO_NET_HDR_GSO_TCPV6     4u
#define VIRTIO_NET_HDR_GSO_UDP_L4    5u
#define VIRTIO_NET_HDR_GSO_ECN       0x80u

/* 5.1.6.3: the largest packet (a TCP or UDP packet plus the 14-byte
 * ethernet header) and the usual one */
#define VIRTIO_NET_ETH_HLEN      14u
#define VIRTIO_NET_MAX_GSO_FRAME 65550u
#define VIRTIO_NET_MAX_FRAME     1514u
#define VIRTIO_NET_MIN_MTU       68u

/* 5.1.6.5 control queue */
#define VIRTIO_NET_OK  0u
#define VIRTIO_NET_ERR 1u

#define VIRTIO_NET_CTRL_RX              0u
#define VIRTIO_NET_CTRL_RX_PROMISC      0u
#define VIRTIO_NET_CTRL_RX_ALLMULTI     1u
#define VIRTIO_NET_CTRL_RX_ALLUNI       2u
#define VIRTIO_NET_CTRL_RX_NOMULTI      3u
#define VIRTIO_NET_CTRL_RX_NOUNI        4u
#define VIRTIO_NET_CTRL_RX_NOBCAST      5u

#define VIRTIO_NET_CTRL_MAC             1u
#define VIRTIO_NET_CTRL_MAC_TABLE_SET   0u
#define VIRTIO_NET_CTRL_MAC_ADDR_SET    1u

#define VIRTIO_NET_CTRL_VLAN            2u
#define VIRTIO_NET_CTRL_VLAN_ADD        0u
#define VIRTIO_NET_CTRL_VLAN_DEL        1u

#define VIRTIO_NET_CTRL_ANNOUNCE        3u
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK    0u

#define VIRTIO_NET_CTRL_MQ              4u
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0u
#define VIRTIO_NET_CTRL_MQ_RSS_CONFIG   1u
#define VIRTIO_NET_CTRL_MQ_HASH_CONFIG  2u
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN 1u
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX 0x8000u

#define VIRTIO_NET_CTRL_GUEST_OFFLOADS     5u
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET 0u

/* 5.1.6.4.3.1 supported/enabled hash types */
#define VIRTIO_NET_HASH_TYPE_IPv4   (1u << 0)
#define VIRTIO_NET_HASH_TYPE_TCPv4  (1u << 1)
#define VIRTIO_NET_HASH_TYPE_UDPv4  (1u << 2)
#define VIRTIO_NET_HASH_TYPE_IPv6   (1u << 3)
#define VIRTIO_NET_HASH_TYPE_TCPv6  (1u << 4)
#define VIRTIO_NET_HASH_TYPE_UDPv6  (1u << 5)
#define VIRTIO_NET_HASH_TYPE_IP_EX  (1u << 6)
#define VIRTIO_NET_HASH_TYPE_TCP_EX (1u << 7)
#define VIRTIO_NET_HASH_TYPE_UDP_EX (1u << 8)

/* struct virtio_net_rss_config: le32 hash_types, le16
 * indirection_table_mask, le16 unclassified_queue, le16
 * indirection_table[mask + 1], le16 max_tx_vq, u8 hash_key_length, u8
 * hash_key_data[hash_key_length] */
#define VIRTIO_NET_RSS_HEAD_SIZE 8u
#define VIRTIO_NET_RSS_TAIL_SIZE 3u
#define VIRTIO_NET_RSS_MIN_KEY   40u
#define VIRTIO_NET_RSS_MIN_TABLE 128u

#endif
