/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `--target` names: the implementation under test that case points run
 * against.
 *
 *   model                         the built-in device of each case's type
 *   plugin:PATH.so[,key=value…]   a third-party device loaded through the
 *                                 stable C ABI (virtiocheck/device.h)
 *   vhost-user:SOCKET[,key=value…] a running vhost-user back-end
 *   vhost-user[,key=value…] with --spawn 'CMD … {sock} …'
 *                                 a fresh back-end per point on a fresh socket
 *
 * A target other than the model is one vc_device_ops table (the plugin's,
 * or the vhost-user proxy device that forwards to the back-end) and the
 * args string its create() gets. The harness keeps the transport, the
 * status register and the driver side; the rest is the target's.
 *
 * A case that the target cannot judge -- it configures the model device
 * (device_args), observes the model device's internals, or needs a device
 * type the target does not implement -- is SKIP with the reason, never
 * silently passed.
 */
#ifndef VIRTIOCHECK_TARGET_H
#define VIRTIOCHECK_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "case.h"
#include "virtiocheck/device.h"

enum vc_target_kind {
	VC_TARGET_MODEL = 0,
	VC_TARGET_PLUGIN,
	VC_TARGET_VHOST_USER,
};

struct vc_target {
	enum vc_target_kind kind;
	char spec[1024];                  /* as given on the command line */
	char name[1024];                  /* spec without its key=value list */
	/* the device every point runs on; NULL with the model */
	const struct vc_device_ops *ops;
	char args[1024];                  /* handed to ops->create() */
	/* the kind's own state (dlopen handle, probed back-end, ...) and how
	 * to release it; NULL when none */
	void *priv;
	void (*release)(struct vc_target *t);
	/* the kind's own SKIP rules on top of the common ones: NULL if the
	 * case can run, else why not */
	const char *(*cannot_run)(const struct vc_target *t, const struct vc_case *c);
};

/* Parse spec (and the --spawn command, NULL if none), load or probe the
 * target. 0, or -1 with a message in err naming the spec's part at fault. */
int vc_target_open(struct vc_target *t, const char *spec, const char *spawn, char *err,
		   size_t n);
void vc_target_close(struct vc_target *t);
/* A short name for reports: "model", "plugin:libfoo.so", ... */
const char *vc_target_name(const struct vc_target *t);
/* NULL if case c can run on t, else why it is SKIP. */
const char *vc_target_cannot_run(const struct vc_target *t, const struct vc_case *c);

/* The executor's device type a point of case c runs with on t: the case's
 * own, or for a core case on a target other than the model the type of the
 * target's device ID (NULL when the harness has none). */
struct exec_device;
const struct exec_device *vc_target_exec_device(const struct vc_target *t,
						const struct vc_case *c);

/* The kinds (target_plugin.c, vu_target.c): fill t from the part of the
 * spec after "plugin:" / "vhost-user" (rest may be empty). 0 or -1 + err. */
int vc_target_open_plugin(struct vc_target *t, const char *rest, char *err, size_t n);
int vc_target_open_vhost_user(struct vc_target *t, const char *rest, const char *spawn,
			      char *err, size_t n);

#endif
