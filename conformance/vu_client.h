/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vhost-user front-end protocol engine: one connection to a back-end
 * (connect to a socket, or spawn a fresh back-end on a fresh socket), the
 * messages with their file descriptors, a time limit on every message, and
 * REPLY_ACK when negotiated.
 *
 * A back-end is another program and may misbehave: it may close the
 * connection, die, hang, or answer with the wrong request, flags or size.
 * Each of those ends the call with -1 and a one-line reason in c->err; the
 * connection is then dead (c->dead) and every later call fails at once with
 * the same reason, until vu_reconnect().
 */
#ifndef VIRTIOCHECK_VU_CLIENT_H
#define VIRTIOCHECK_VU_CLIENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VU_TIMEOUT_MS_DEFAULT 5000

struct vu_client {
	int sock;                 /* -1 when not connected */
	int timeout_ms;           /* per message (and for connecting) */
	char path[108];           /* the socket (sun_path) */
	/* a spawned back-end: its process, its directory (removed at close)
	 * and its log of stdout and stderr inside that directory */
	pid_t pid;
	char dir[96];
	char log[128];
	bool exited;              /* the spawned back-end ended (err says how) */
	bool reply_ack;           /* REPLY_ACK negotiated: set requests ask for an ack */
	bool dead;                /* the connection failed; err says why */
	char err[512];
};

/* Zero the client (no socket, no process). */
void vu_init(struct vu_client *c, int timeout_ms);
/* Connect to a back-end listening on path, retrying until it appears or
 * the time limit passes. 0 or -1. */
int vu_connect(struct vu_client *c, const char *path);
/*
 * Start a back-end: make a fresh directory (mktemp -d style), replace every
 * "{sock}" of cmd with a socket path inside it ("{dir}" with the directory),
 * run the result with /bin/sh -c in a child that dies with its parent
 * (PR_SET_PDEATHSIG), its output going to a log in the directory, then wait
 * for the socket and connect. 0 or -1 (a child that exited early or a
 * socket that never appeared, with the log's last line in err).
 */
int vu_spawn(struct vu_client *c, const char *cmd);
/* Close the connection and connect again to the same socket (the same
 * spawned back-end, if it still runs). 0 or -1. */
int vu_reconnect(struct vu_client *c);
/* Close the connection; kill a spawned back-end by its PID (SIGTERM, then
 * SIGKILL), reap it and remove its directory. */
void vu_close(struct vu_client *c);

/* Whether the spawned back-end still runs; if it ended, why (into c->err,
 * connection marked dead). true without a spawned back-end. */
bool vu_backend_alive(struct vu_client *c);
/* The last non-empty line of the spawned back-end's log ("" if none). */
void vu_log_tail(const struct vu_client *c, char *buf, size_t n);

/*
 * One request. payload/size: what to send; fds/nfds: descriptors to pass.
 * reply non-NULL: the request has a reply of exactly reply_size bytes
 * (request and flags checked). reply NULL: with REPLY_ACK negotiated, the
 * request asks for an ack and a nonzero ack is a refusal (-1, "NACK").
 * 0 or -1 with c->err.
 */
int vu_call(struct vu_client *c, uint32_t req, const void *payload, uint32_t size,
	    const int *fds, unsigned nfds, void *reply, uint32_t reply_size);
/* A request without payload whose reply is one u64 (GET_FEATURES, ...). */
int vu_get_u64(struct vu_client *c, uint32_t req, uint64_t *v);
/* A request with one u64 payload and no reply (SET_FEATURES, ...). */
int vu_set_u64(struct vu_client *c, uint32_t req, uint64_t v, const int *fds, unsigned nfds);

/* GET_CONFIG of len bytes at off into dst; SET_CONFIG from src. An empty
 * reply to GET_CONFIG (libvhost-user's refusal) is -1 with the connection
 * still alive. 0 or -1. */
int vu_get_config(struct vu_client *c, uint32_t off, uint32_t len, void *dst);
int vu_set_config(struct vu_client *c, uint32_t off, uint32_t len, const void *src);

/* The request's name ("SET_MEM_TABLE"), or "request N". */
const char *vu_request_name(uint32_t req, char *buf, size_t n);

/* Whether the back-end closed the connection or sent something nobody
 * asked for, without waiting (for use between requests). true marks the
 * connection dead with the reason. */
bool vu_peer_gone(struct vu_client *c);

#endif
