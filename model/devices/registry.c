// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "devices.h"

static const struct vc_device_ops *const builtin[] = {
	&vc_rng_device_ops,
	&vc_blk_device_ops,
	&vc_console_device_ops,
	&vc_net_device_ops,
	&vc_balloon_device_ops,
	&vc_gpu_device_ops,
};

const struct vc_device_ops *vc_device_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcmp(builtin[i]->name, name) == 0)
			return builtin[i];
	return NULL;
}

const struct vc_device_ops *vc_device_at(size_t i)
{
	return i < sizeof(builtin) / sizeof(builtin[0]) ? builtin[i] : NULL;
}
