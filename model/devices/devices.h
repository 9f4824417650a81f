/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in devices: each is a vc_device_ops table, the plugin ABI. */
#ifndef VIRTIOCHECK_DEVICES_H
#define VIRTIOCHECK_DEVICES_H

#include "virtiocheck/device.h"

extern const struct vc_device_ops vc_rng_device_ops;
extern const struct vc_device_ops vc_blk_device_ops;
extern const struct vc_device_ops vc_console_device_ops;
extern const struct vc_device_ops vc_gpu_device_ops;

extern const struct vc_device_ops vc_balloon_device_ops;
extern const struct vc_device_ops vc_net_device_ops;
/* Look a built-in device up by name ("rng"); NULL if unknown. */
const struct vc_device_ops *vc_device_lookup(const char *name);
/* The i-th built-in device, NULL past the last. */
const struct vc_device_ops *vc_device_at(size_t i);

#endif
