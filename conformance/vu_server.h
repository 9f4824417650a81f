/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model device as a vhost-user back-end (`virtiocheck serve`): a Unix
 * socket server that a front-end (QEMU, DPDK's virtio_user, ...) connects
 * to. The front-end's driver -- Linux's virtio_blk, SeaBIOS, ... -- then
 * drives the model device through its rings in the front-end's shared
 * memory, and every driver-normative rule the device side checks becomes a
 * finding of the driver monitor: the same choke point (vdev_violation) that
 * judges the harness's own driver.
 *
 * The front-end owns the transport: the server replays what the front-end
 * tells it (features, memory table, ring sizes and addresses, enables) onto
 * the device core's status machine and queues, in the order a virtio driver
 * would have written them, and turns kicks into notifications and used-
 * buffer interrupts into call-eventfd signals.
 *
 * The front-end is another program and may misbehave: every message is
 * checked (header, size, payload layout, file descriptor count, addresses
 * inside the memory table, queue indices) and a malformed one ends the
 * connection with the reason; the server then waits for the next front-end.
 */
#ifndef VIRTIOCHECK_VU_SERVER_H
#define VIRTIOCHECK_VU_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "virtiocheck/device.h"
#include "virtiocheck/violation.h"

/* Scripted deviations of the device, for driver-hardening checks: once,
 * after `hostile_after` used buffers, the server rewrites one used ring
 * entry the device just wrote, before the driver is notified -- or, for
 * needs-reset, the device sets DEVICE_NEEDS_RESET and stops completing. */
enum vu_hostile {
	VU_HOSTILE_NONE = 0,
	VU_HOSTILE_USED_LEN_LONG,  /* len far beyond any buffer */
	VU_HOSTILE_USED_ID_RANGE,  /* id = queue size + 3: not a descriptor */
	VU_HOSTILE_USED_ID_DUP,    /* one buffer returned twice in a row */
	VU_HOSTILE_USED_IDX_JUMP,  /* used idx advanced by queue size + 1 */
	VU_HOSTILE_NEEDS_RESET,    /* DEVICE_NEEDS_RESET, then no more completions */
};

/* "used-len-long", ... -> the mode, or -1 for an unknown name. */
int vu_hostile_parse(const char *name);
const char *vu_hostile_name(enum vu_hostile h);

struct vu_server_opts {
	const char *socket_path;
	const struct vc_device_ops *ops;
	const char *device_args;      /* handed to ops->create(); NULL: none */
	unsigned connections;         /* serve this many front-ends, 0: forever */
	int idle_timeout_ms;          /* a connection silent this long ends; 0: none */
	FILE *log;                    /* one line per message and finding; NULL: quiet */
	enum vu_hostile hostile;
	unsigned hostile_after;       /* used buffers before the deviation */
};

/* One finding of the driver monitor, held by value: the device core's own
 * log (and the clause strings it keeps) ends with the connection. */
struct vu_finding {
	char clause[224];
	char msg[sizeof(((struct vc_violation *)0)->msg)];
	enum vc_severity severity;
	uint16_t queue;               /* VC_NO_QUEUE when none */
};

#define VU_FINDINGS_MAX VC_FINDINGS_MAX

/* What one front-end connection showed. Plain data: it may be copied. */
struct vu_session {
	unsigned messages;
	unsigned kicks;
	unsigned calls;
	unsigned starts;              /* times the device reached DRIVER_OK */
	unsigned resumes;             /* rings resumed mid-stream (SET_VRING_BASE) */
	unsigned config_notifications; /* sent on the back-end request channel */
	uint64_t acked_features;      /* the last SET_FEATURES (virtio bits) */
	char end[160];                /* why the connection ended */
	bool protocol_error;          /* the front-end broke the protocol */
	bool hostile_done;            /* the scripted deviation happened */
	char hostile_what[160];       /* what it changed */
	/* the driver monitor: what the device side found about the driver,
	 * the first VU_FINDINGS_MAX kept, the rest counted */
	struct vu_finding findings[VU_FINDINGS_MAX];
	uint32_t n_findings;
	uint32_t findings_dropped;
};

/* Called after each connection ends. */
typedef void (*vu_session_fn)(void *ctx, unsigned index, const struct vu_session *s);

/* Serve one front-end already connected on fd until it goes or breaks the
 * protocol (fd stays open); what it showed goes to *s. */
void vu_serve_fd(const struct vu_server_opts *opts, int fd, struct vu_session *s);

/* Listen on opts->socket_path (replacing a stale socket file) and serve
 * front-ends one at a time. 0 after the requested connections, -1 with a
 * message on stderr when the socket cannot be made. */
int vu_serve(const struct vu_server_opts *opts, vu_session_fn done, void *ctx);

#endif
