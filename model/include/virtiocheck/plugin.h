/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plugin entry point: how virtiocheck finds a third-party device in a
 * shared object (`virtiocheck run --target plugin:PATH.so[,key=value...]`).
 *
 * A plugin exports exactly one symbol, vc_device_entry. The host calls it
 * once, right after dlopen(), with its own ABI version; the plugin returns
 * its device table (which must live as long as the object is loaded), or
 * NULL to refuse a host it cannot work with. The host then checks the table
 * (abi_version major, struct_size, name, device_id, num_queues,
 * queue_size_max, config_size, the mandatory callbacks) before any case
 * runs; see docs/plugins.md.
 *
 * Mandatory callbacks: create, destroy, get_features, config_read, reset,
 * queue_notify. Optional (NULL: nothing to do): set_features (accepts
 * every subset), config_write (writes ignored), activate.
 *
 * The key=value list after the path reaches create() as its args string,
 * unchanged ("seed=7,mode=fast"); NULL when there is none.
 *
 * Smallest plugin:
 *
 *	#include <virtiocheck/plugin.h>
 *
 *	static const struct vc_device_ops my_ops = {
 *		.abi_version = VC_DEVICE_ABI_VERSION,
 *		.struct_size = sizeof(struct vc_device_ops),
 *		...
 *	};
 *	VC_PLUGIN_DEFINE_ENTRY(my_ops)
 */
#ifndef VIRTIOCHECK_PLUGIN_H
#define VIRTIOCHECK_PLUGIN_H

#include <stdint.h>

#include "virtiocheck/device.h"

/* The name of the entry point, for dlsym(). */
#define VC_PLUGIN_ENTRY "vc_device_entry"

/* The major and minor parts of an ABI version word. */
#define VC_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define VC_ABI_MINOR_OF(v) ((uint32_t)(v) & 0xffffu)

/* The entry point's type and declaration. host_abi_version is the host's
 * VC_DEVICE_ABI_VERSION: a plugin built against the same major works with
 * any minor (members are only appended; struct_size says which exist). */
typedef const struct vc_device_ops *(*vc_device_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
extern "C"
#endif
__attribute__((visibility("default")))
const struct vc_device_ops *vc_device_entry(uint32_t host_abi_version);

/*
 * Define the entry point for one static device table: it returns &ops to a
 * host of the same ABI major and NULL to any other. Use it once, at file
 * scope, in one source file of the plugin.
 */
#define VC_PLUGIN_DEFINE_ENTRY(ops)                                              \
	const struct vc_device_ops *vc_device_entry(uint32_t host_abi_version)   \
	{                                                                        \
		if (VC_ABI_MAJOR_OF(host_abi_version) != VC_DEVICE_ABI_MAJOR)    \
			return NULL;                                             \
		return &(ops);                                                   \
	}

#endif
