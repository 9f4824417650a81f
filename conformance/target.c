// SPDX-License-Identifier: Apache-2.0
/*
 * `--target`: parse the spec, open the kind (target_plugin.c, vu_target.c),
 * and decide which cases a target other than the model cannot judge.
 */
#include <stdio.h>
#include <string.h>

#include "case_blk.h"
#include "case_console.h"
#include "case_load.h"
#include "exec_priv.h"
#include "target.h"

static const char target_forms[] =
	"model, plugin:PATH.so[,key=value...] or vhost-user[:SOCKET][,key=value...]";

int vc_target_open(struct vc_target *t, const char *spec, const char *spawn, char *err,
		   size_t n)
{
	static const char vu[] = "vhost-user";
	int rc;

	memset(t, 0, sizeof(*t));
	if (!spec || !spec[0]) {
		snprintf(err, n, "--target: empty (expected %s)", target_forms);
		return -1;
	}
	if (strlen(spec) >= sizeof(t->spec)) {
		snprintf(err, n, "--target: longer than %zu characters", sizeof(t->spec) - 1);
		return -1;
	}
	snprintf(t->spec, sizeof(t->spec), "%s", spec);
	/* the name in reports: the spec without its key=value arguments */
	snprintf(t->name, sizeof(t->name), "%.*s", (int)strcspn(spec, ","), spec);
	if (!strcmp(spec, "model")) {
		t->kind = VC_TARGET_MODEL;
		if (spawn) {
			snprintf(err, n, "--spawn: only with --target vhost-user (the target is model)");
			return -1;
		}
		return 0;
	}
	if (!strncmp(spec, "plugin", 6) && (spec[6] == ':' || !spec[6])) {
		if (spawn) {
			snprintf(err, n, "--spawn: only with --target vhost-user (the target is %s)",
				 spec);
			return -1;
		}
		if (!spec[6] || !spec[7]) {
			snprintf(err, n, "--target plugin: the path is missing "
				 "(expected plugin:PATH.so[,key=value...])");
			return -1;
		}
		t->kind = VC_TARGET_PLUGIN;
		rc = vc_target_open_plugin(t, spec + 7, err, n);
	} else if (!strncmp(spec, vu, sizeof(vu) - 1) &&
		   (spec[sizeof(vu) - 1] == ':' || spec[sizeof(vu) - 1] == ',' ||
		    !spec[sizeof(vu) - 1])) {
		t->kind = VC_TARGET_VHOST_USER;
		rc = vc_target_open_vhost_user(t, spec + sizeof(vu) - 1, spawn, err, n);
	} else {
		snprintf(err, n, "--target '%s': unknown kind (expected %s)", spec, target_forms);
		return -1;
	}
	if (rc == 0 && !t->ops) {
		snprintf(err, n, "--target %s: the target provides no device", spec);
		rc = -1;
	}
	if (rc != 0)
		vc_target_close(t);
	return rc;
}

void vc_target_close(struct vc_target *t)
{
	if (t->release)
		t->release(t);
	t->release = NULL;
	t->priv = NULL;
	t->ops = NULL;
}

const char *vc_target_name(const struct vc_target *t)
{
	if (!t || t->kind == VC_TARGET_MODEL || !t->name[0])
		return "model";
	return t->name;
}

/* ------------------------------------------------------ the device type */

/* The executor's device type whose built-in device has this virtio ID. */
static const struct exec_device *exec_device_by_id(uint32_t device_id)
{
	static const char *const names[] = { "rng", "blk", "console", "net", "balloon", "gpu",
					     "fs" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct exec_device *d = exec_device_find(names[i]);

		if (d && (d->ops ? d->ops->device_id : d->device_id) == device_id)
			return d;
	}
	return NULL;
}

const struct exec_device *vc_target_exec_device(const struct vc_target *t,
						const struct vc_case *c)
{
	if (!t || t->kind == VC_TARGET_MODEL || !t->ops)
		return exec_device_find(c->device);
	/* core cases are about the transport and the rings: they follow the
	 * target's device type (its reference driver, its liveness probe) */
	if (!strcmp(c->device, "core"))
		return exec_device_by_id(t->ops->device_id);
	return exec_device_find(c->device);
}

/* ------------------------------------------------- model-only steps */

/*
 * Steps and expectations that drive or read the model device's host end --
 * every use of vdev_device() in conformance/exec_*.c. On another target
 * vdev_device() is that implementation's private state, which those steps
 * would read as a model device; and what they check (a backing store, a
 * port's host side, the model's counters) has no counterpart the harness
 * can observe. A case containing one is SKIP on any target but the model.
 *
 * exec_blk.c: the raw requests (blk_request) and the reference driver's
 * operations (blk_read ... blk_get_lifetime) use only the rings, and so do
 * the expectation on the driver's queues (driver_queues): they run on any
 * blk target. The rows below are the steps that drive the model device's
 * host end (blk_backing_write, blk_device_answer) and the expectations that
 * read its state (backing, the counters, completed, queue_requests,
 * writeback), one row each.
 * exec_console.c: the driver steps do not touch the device; the rows below
 * are the host-end steps (cdev()), the device-side expectations, the
 * counters (counter_value() reads the device's statistics for every
 * counter) and the liveness probe (console_live reads port 0's output).
 * exec_net.c, exec_balloon.c, exec_gpu.c (new, still changing): their host-
 * end uses are not yet told apart op by op, so their whole step families
 * and expectations are listed; the net and balloon liveness probes read
 * the model device (net_live: vc_net_tx_pop; balloon_live:
 * vc_balloon_inflated), gpu_live does not.
 */
enum mo_family {
	MO_BLK_STEP, MO_BLK_EXPECT, MO_CONS_STEP, MO_CONS_EXPECT,
	MO_NET_STEP, MO_NET_EXPECT, MO_BALLOON_STEP, MO_BALLOON_EXPECT, MO_GPU_STEP,
	MO_GPU_EXPECT, MO_LIVE,
};

struct model_only {
	enum mo_family family;
	int op;                 /* console_op, blk_step_op, -1: any; expectations: field index */
	const char *what;
	const struct exec_device *live; /* MO_LIVE: the device type whose probe */
};

enum { MOC_OUTPUT, MOC_PORT, MOC_COUNTERS };
enum { MOB_BACKING, MOB_COUNTERS, MOB_COMPLETED, MOB_QUEUE_REQUESTS, MOB_WRITEBACK };

static const struct model_only model_only[] = {
	{ MO_BLK_STEP, BLK_OP_BACKING_WRITE,
	  "blk_backing_write (writes the model device's backing store)", NULL },
	{ MO_BLK_STEP, BLK_OP_DEVICE_ANSWER,
	  "blk_device_answer (rewrites the model device's next answer)", NULL },
	{ MO_BLK_EXPECT, MOB_BACKING, "blk backing (reads the model device's backing store)",
	  NULL },
	{ MO_BLK_EXPECT, MOB_COUNTERS,
	  "blk counters (backing_written, driver_errors, malformed, syncs, ...: the model "
	  "device's statistics)", NULL },
	{ MO_BLK_EXPECT, MOB_COMPLETED,
	  "blk completed (the model device's count of completed requests)", NULL },
	{ MO_BLK_EXPECT, MOB_QUEUE_REQUESTS,
	  "blk queue_requests (the model device's per-queue count)", NULL },
	{ MO_BLK_EXPECT, MOB_WRITEBACK,
	  "blk writeback (the model device's cache mode; read the configuration instead)",
	  NULL },
	{ MO_CONS_STEP, CO_INJECT, "console_inject (input at the model device's host end)", NULL },
	{ MO_CONS_STEP, CO_HOST_OPEN, "console_host_open (the model device's host end)", NULL },
	{ MO_CONS_STEP, CO_PORT_ADD, "console_port_add (hot-plug at the model device)", NULL },
	{ MO_CONS_STEP, CO_PORT_REMOVE,
	  "console_port_remove (hot-unplug at the model device)", NULL },
	{ MO_CONS_STEP, CO_SET_CONSOLE, "console_set_console (the model device's host end)", NULL },
	{ MO_CONS_STEP, CO_RESIZE, "console_resize (the model device's host end)", NULL },
	{ MO_CONS_STEP, CO_DEVICE_CTRL,
	  "console_device_ctrl (raw messages from the model device)", NULL },
	{ MO_CONS_EXPECT, MOC_OUTPUT,
	  "console output (drained from the model device's host end)", NULL },
	{ MO_CONS_EXPECT, MOC_PORT, "console port (the model device's view of a port)", NULL },
	{ MO_CONS_EXPECT, MOC_COUNTERS,
	  "console counters (read from the model device's statistics)", NULL },
	{ MO_NET_STEP, -1,
	  "net_* steps (exec_net.c drives the model net device's host end)", NULL },
	{ MO_NET_EXPECT, -1,
	  "net expectations (exec_net.c reads the model net device's state)", NULL },
	{ MO_BALLOON_STEP, -1,
	  "balloon_* steps (exec_balloon.c drives the model balloon device)", NULL },
	{ MO_BALLOON_EXPECT, -1, "balloon expectations (exec_balloon.c reads the model balloon "
	  "device's state)", NULL },
	{ MO_GPU_STEP, -1, "gpu_* steps (exec_gpu.c reads the model gpu device's scanouts)", NULL },
	{ MO_GPU_EXPECT, -1,
	  "gpu expectations (exec_gpu.c reads the model gpu device's state)", NULL },
	{ MO_LIVE, -1, "console liveness (reads port 0's output at the model device's host end)",
	  &exec_console_device },
	{ MO_LIVE, -1, "net liveness (reads the transmitted frame at the model device's host end)",
	  &exec_net_device },
	{ MO_LIVE, -1, "balloon liveness (reads the model device's inflated page count)",
	  &exec_balloon_device },
};

static bool row_matches(const struct model_only *m, const struct case_step *s,
			const struct exec_device *dev)
{
	const struct step_expect *e = s->kind == ST_EXPECT ? &s->u.expect : NULL;

	switch (m->family) {
	case MO_BLK_STEP:
		return s->kind == ST_BLK && s->u.blk && (int)s->u.blk->op == m->op;
	case MO_BLK_EXPECT:
		if (!e || !e->blk)
			return false;
		return m->op == MOB_BACKING ? e->blk->has_backing
		     : m->op == MOB_COUNTERS ? e->blk->n_counters > 0
		     : m->op == MOB_COMPLETED ? e->blk->has_completed
		     : m->op == MOB_QUEUE_REQUESTS ? e->blk->has_queue_requests
						   : e->blk->has_writeback;
	case MO_CONS_STEP:
		return s->kind == ST_CONSOLE && s->u.console && (int)s->u.console->op == m->op;
	case MO_CONS_EXPECT:
		if (!e || !e->console)
			return false;
		return m->op == MOC_OUTPUT ? e->console->has_output
		     : m->op == MOC_PORT ? e->console->port.active
					 : e->console->n_counters > 0;
	case MO_NET_STEP:
		return s->kind == ST_NET;
	case MO_NET_EXPECT:
		return e && e->net;
	case MO_BALLOON_STEP:
		return s->kind == ST_BALLOON;
	case MO_BALLOON_EXPECT:
		return e && e->balloon;
	case MO_GPU_STEP:
		return s->kind == ST_GPU;
	case MO_GPU_EXPECT:
		return e && e->gpu;
	case MO_LIVE:
		return e && e->has_live && dev == m->live;
	}
	return false;
}

/* ------------------------------------------------------- SKIP rules */

static const char *type_name(const struct exec_device *d)
{
	return d ? d->name : "unknown";
}

const char *vc_target_cannot_run(const struct vc_target *t, const struct vc_case *c)
{
	static char why[RESULT_MSG];
	const struct exec_device *tdev, *dev;
	unsigned i, k;

	if (!t || t->kind == VC_TARGET_MODEL)
		return NULL;
	if (!t->ops)
		return "the target provides no device";
	tdev = exec_device_by_id(t->ops->device_id);
	if (c->role == ROLE_DRIVER)
		return "role: driver cases judge the reference driver (the harness plays the "
		       "device), not the target";
	if (!strcmp(c->device, "core")) {
		if (!tdev) {
			snprintf(why, sizeof(why), "a core case needs a reference driver for the "
				 "target's device type [device ID %u]", t->ops->device_id);
			return why;
		}
		/* core cases are written for rng: a notification makes the
		 * device process what the case posted as rng requests */
		if (tdev != exec_device_find("rng"))
			for (i = 0; i < c->n_steps; i++)
				if (c->steps[i].kind == ST_RNG_READ || c->steps[i].kind == ST_KICK) {
					snprintf(why, sizeof(why),
						 "a core case that makes rng requests, on a non-rng "
						 "target [step %u (%s, line %u); the target is %s]",
						 i + 1, case_step_name(c->steps[i].kind),
						 c->steps[i].pos.line, type_name(tdev));
					return why;
				}
		dev = tdev;
	} else {
		dev = exec_device_find(c->device);
		if (!dev || !dev->ops || dev != tdev) {
			snprintf(why, sizeof(why), "the case's device type is not the target's "
				 "[%s case; the target is %s, device ID %u]", c->device,
				 type_name(tdev), t->ops->device_id);
			return why;
		}
	}
	if (c->device_args[0]) {
		snprintf(why, sizeof(why), "the case configures the model device [device_args: %s]",
			 c->device_args);
		return why;
	}
	if (c->offer_add)
		return "the case adds features to the device's offer (offer_add), which the "
		       "target never made";
	for (i = 0; i < c->n_steps; i++)
		for (k = 0; k < sizeof(model_only) / sizeof(model_only[0]); k++)
			if (row_matches(&model_only[k], &c->steps[i], dev)) {
				snprintf(why, sizeof(why), "model-only: %s [step %u, line %u]",
					 model_only[k].what, i + 1, c->steps[i].pos.line);
				return why;
			}
	return t->cannot_run ? t->cannot_run(t, c) : NULL;
}
