/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside `virtiocheck replay`'s child: the session of one input, shared by
 * replay_input.c (memory oracles, liveness, the split-ring format) and
 * replay_blk.c (the blk request format).
 */
#ifndef VIRTIOCHECK_REPLAY_PRIV_H
#define VIRTIOCHECK_REPLAY_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "../fuzz/fsd_input.h"
#include "replay.h"
#include "vc_pair.h"

#define NREG_MAX (FSD_NREG + 1)
#define NHEADS 65536u
#define RANGE_MAX (1u << 20) /* allowed ranges kept before they are merged */

struct rp_range {
	uint64_t lo, hi;   /* [lo, hi) */
};

struct sess {
	const struct replay_env *e;
	struct replay_result *r;
	struct vc_pair p;
	bool open;
	struct gm_region_spec reg[NREG_MAX];
	unsigned nreg;
	uint8_t *snap[NREG_MAX];   /* memory as the device found it */
	uint8_t *allow[NREG_MAX];  /* 1: the device may write this byte */
	/* ranges rp_allow() collected, merged and marked in allow[] by
	 * rp_check_writes(): overlapping buffers cost one pass, not one each */
	struct rp_range *ranges;
	size_t nranges;
	const struct fsd_state *st; /* split format: the ring the input made */
	bool programmed;           /* queue 0 got the input's ring */
	uint16_t qmax;             /* the transport's maximum queue size */
	uint32_t avail_count[NHEADS]; /* times each head was made available */
	uint32_t used_count[NHEADS];
};

/* The device every input runs on: the target's, or the model's own device
 * of the format (rng for the split ring, blk for blk requests). */
const struct vc_device_ops *rp_ops(const struct sess *x);
int rp_dev_type(const struct sess *x);
/* Open the pair on x->reg[0..nreg) with the target's device and probe it:
 * 0, or -1 with the input classified. */
int rp_open(struct sess *x);
/* The driver configuration of the device type (one queue unless changed). */
void rp_drv_config(const struct sess *x, struct vdrv_config *cfg, uint64_t want);

/* Set the input's class unless a stronger one is already set (the order
 * of enum replay_class, ok weakest). */
__attribute__((format(printf, 4, 5)))
void rp_classify(struct sess *x, enum replay_class c, const char *clause, const char *fmt, ...);
/* The vhost-user proxy's reports (process died, connection closed, no
 * reply) as crashed, dropped or hung. */
void rp_classify_findings(struct sess *x, const char *when);

/* Copy all guest memory (buffers reused across calls) and forget what was
 * allowed. 0 or -1. */
int rp_snapshot(struct sess *x);
/* The device may write [gpa, gpa + len). */
void rp_allow(struct sess *x, uint64_t gpa, uint64_t len);
/* A changed byte that was not allowed: an oracle violation (CL_DEV_DESC). */
void rp_check_writes(struct sess *x);
/* Reset, initialize normally and send one well-formed request. */
void rp_liveness(struct sess *x);

/* The blk request format (replay_blk.c). */
void rp_replay_blk(struct sess *x, const uint8_t *data, size_t n);

#endif
