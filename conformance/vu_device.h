/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vhost-user proxy device: a vc_device_ops whose instance forwards to a
 * vhost-user back-end. The harness keeps the transport, the status register
 * and the driver side; the proxy hands the back-end the guest memory (the
 * memfd, by SCM_RIGHTS) and the rings the driver set up, and never pops an
 * element itself: the back-end processes the rings in shared memory and the
 * harness's driver side judges completion by the used ring.
 *
 * The args string create() takes is the one vu_args_format() writes:
 * comma-separated key=value pairs, "spawn=" last (it takes the rest of the
 * string, commas included).
 */
#ifndef VIRTIOCHECK_VU_DEVICE_H
#define VIRTIOCHECK_VU_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtiocheck/device.h"
#include "vu_client.h"

#define VU_MAX_QUEUES 64

struct vu_args {
	char socket[108];       /* connect here, or */
	char spawn[768];        /* start this command per instance ({sock}) */
	uint32_t device_id;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t config_size;
	int timeout_ms;         /* per message */
	int settle_ms;          /* how long a kick waits for the used ring */
	/* the device type legitimately holds buffers (receive queues): a
	 * kick without a used entry within settle_ms is no refusal */
	bool holds_buffers;
};

/* What the back-end said in the handshake. */
struct vu_handshake {
	uint64_t features;   /* GET_FEATURES, bit 30 included */
	uint64_t offered_pf; /* GET_PROTOCOL_FEATURES (0 without bit 30) */
	uint64_t protocol;   /* the protocol features negotiated */
	uint16_t queue_num;  /* GET_QUEUE_NUM (0 without MQ) */
};

/* 0, or -1 with a message naming the key at fault. */
int vu_args_parse(struct vu_args *a, const char *s, char *err, size_t n);
/* 0, or -1 when it does not fit in n. */
int vu_args_format(const struct vu_args *a, char *out, size_t n);

/* SET_OWNER, GET_FEATURES, GET/SET_PROTOCOL_FEATURES (the wanted ones of
 * those offered; REPLY_ACK turns acks on), GET_QUEUE_NUM. 0 or -1. */
int vu_handshake(struct vu_client *c, struct vu_handshake *h);

/* The proxy's entry points; vc_target_open_vhost_user() copies them into
 * the ops table it fills with the probed name, id, queues and sizes. */
void *vu_device_create(const struct vc_host_ops *host, void *host_ctx, const char *args);
void vu_device_fill_ops(struct vc_device_ops *ops);

#endif
