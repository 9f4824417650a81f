/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `virtiocheck replay`: fuzz corpus inputs driven through a target device
 * (model, plugin or vhost-user back-end) with oracles on shared memory,
 * each input classified (docs/replay.md).
 *
 * replay.c is the command: options, the forked and time-boxed child per
 * input, the summary and the reports. replay_input.c runs one input in
 * that child: the pair, the memory oracles, the liveness check and the
 * split-ring format; replay_blk.c the blk request format.
 */
#ifndef VIRTIOCHECK_REPLAY_H
#define VIRTIOCHECK_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "virtiocheck/device.h"

enum replay_format {
	REPLAY_SPLIT = 0,  /* fuzz_split_device: a materialized split ring */
	REPLAY_BLK,        /* fuzz_blk_request: blk requests, well-formed and raw */
	REPLAY_FORMAT_COUNT
};

enum replay_class {
	RC_OK = 0,         /* every chain completed, oracles hold, live */
	RC_REFUSED,        /* not all chains completed (or NEEDS_RESET), live after reset */
	RC_DROPPED,        /* the back-end closed the vhost-user connection */
	RC_CRASHED,        /* the back-end or plugin died */
	RC_HUNG,           /* time-box exceeded, or the back-end stopped answering */
	RC_VIOLATION,      /* an oracle failed: clause and message */
	RC_COUNT
};

struct replay_result {
	enum replay_class cls;
	char clause[160];
	char msg[400];
	uint32_t chains;   /* chains the driver side made available */
	uint32_t used;     /* used entries the device published */
	double ms;
};

/* What every input runs against. ops/args: the target's device (the
 * model's own device of the format when the target is the model). */
struct replay_env {
	enum replay_format fmt;
	const struct vc_device_ops *ops;
	const char *args;        /* NULL: none */
};

const char *replay_class_name(enum replay_class c);
/* The format a corpus directory name or --format value names; -1 if none. */
int replay_format_of(const char *name);
const char *replay_format_name(enum replay_format f);

/* Run one input (in the forked child) and fill r. */
void replay_input(const struct replay_env *e, const uint8_t *data, size_t n,
		  struct replay_result *r);

/* `virtiocheck replay ARGS...`: exit status 0, 1 or 2. */
int replay_main(int argc, char **argv);

#endif
