// SPDX-License-Identifier: Apache-2.0
/*
 * `--target plugin:PATH.so[,key=value...]`: a third-party device in a shared
 * object, loaded once in the runner's process before any case runs (so a
 * broken object is one clear error at start, not an ERROR per point), and
 * inherited by every forked point.
 *
 * The object exports vc_device_entry (virtiocheck/plugin.h). Its table is
 * checked field by field against the ABI before it is used; every refusal
 * names the object and the field.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"
#include "vdrv.h"
#include "virtiocheck/plugin.h"

/* struct vc_device_ops as ABI 1.0 defined it: a plugin's table is at least
 * this long, whatever minor it was built with. */
#define OPS_SIZE_1_0 (offsetof(struct vc_device_ops, queue_notify) + sizeof(void (*)(void)))

#define PLUGIN_NAME_MAX 64

struct plugin {
	void *handle;
};

static void plugin_release(struct vc_target *t)
{
	struct plugin *p = t->priv;

	if (!p)
		return;
	/* t->ops points into the object: it goes first */
	t->ops = NULL;
	if (p->handle)
		dlclose(p->handle);
	free(p);
	t->priv = NULL;
}

/* The key=value list: each item a non-empty key, '=', any value. */
static int check_args(const char *path, const char *args, char *err, size_t n)
{
	const char *item = args;

	if (!args[0]) {
		snprintf(err, n, "--target plugin:%s: nothing after ',' (expected key=value)", path);
		return -1;
	}
	while (item) {
		const char *end = strchr(item, ','), *eq = strchr(item, '=');
		size_t len = end ? (size_t)(end - item) : strlen(item);

		if (!eq || (end && eq > end) || eq == item) {
			snprintf(err, n, "--target plugin:%s: argument '%.*s' is not key=value", path,
				 (int)len, item);
			return -1;
		}
		item = end ? end + 1 : NULL;
	}
	return 0;
}

static bool name_ok(const char *s)
{
	size_t i;

	for (i = 0; i < PLUGIN_NAME_MAX && s[i]; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return i > 0 && i < PLUGIN_NAME_MAX;
}

/* The table against the ABI: 0, or -1 with the first field at fault. */
static int check_ops(const char *path, const struct vc_device_ops *o, char *err, size_t n)
{
	static const struct { size_t off; const char *name; } mandatory[] = {
		{ offsetof(struct vc_device_ops, create), "create" },
		{ offsetof(struct vc_device_ops, destroy), "destroy" },
		{ offsetof(struct vc_device_ops, get_features), "get_features" },
		{ offsetof(struct vc_device_ops, config_read), "config_read" },
		{ offsetof(struct vc_device_ops, reset), "reset" },
		{ offsetof(struct vc_device_ops, queue_notify), "queue_notify" },
	};
	size_t i;

	if (VC_ABI_MAJOR_OF(o->abi_version) != VC_DEVICE_ABI_MAJOR) {
		snprintf(err, n, "%s: abi_version %u.%u: major %u is not the host's %u (host ABI %u.%u)",
			 path, VC_ABI_MAJOR_OF(o->abi_version), VC_ABI_MINOR_OF(o->abi_version),
			 VC_ABI_MAJOR_OF(o->abi_version), VC_DEVICE_ABI_MAJOR, VC_DEVICE_ABI_MAJOR,
			 VC_DEVICE_ABI_MINOR);
		return -1;
	}
	if (o->struct_size < OPS_SIZE_1_0) {
		snprintf(err, n, "%s: struct_size %u is smaller than struct vc_device_ops of ABI 1.0 "
			 "(%zu bytes)", path, o->struct_size, (size_t)OPS_SIZE_1_0);
		return -1;
	}
	for (i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		void (*fn)(void);

		memcpy(&fn, (const char *)o + mandatory[i].off, sizeof(fn));
		if (!fn) {
			snprintf(err, n, "%s: %s is NULL (a mandatory callback)", path,
				 mandatory[i].name);
			return -1;
		}
	}
	if (!o->name || !name_ok(o->name)) {
		snprintf(err, n, "%s: name is %s (expected 1..%d printable characters, no spaces)",
			 path, o->name ? "not a valid name" : "NULL", PLUGIN_NAME_MAX - 1);
		return -1;
	}
	/* virtio-pci: PCI device ID 0x1040 + device_id, at most 0x107f */
	if (o->device_id < 1 || o->device_id > 63) {
		snprintf(err, n, "%s: device_id %u is not a virtio device ID (1..63)", path,
			 o->device_id);
		return -1;
	}
	if (o->num_queues < 1 || o->num_queues > VDRV_MAX_QUEUES) {
		snprintf(err, n, "%s: num_queues %u is not in 1..%u", path, o->num_queues,
			 VDRV_MAX_QUEUES);
		return -1;
	}
	if (!o->queue_size_max || o->queue_size_max > 32768 ||
	    (o->queue_size_max & (o->queue_size_max - 1))) {
		snprintf(err, n, "%s: queue_size_max %u is not a power of two in 1..32768", path,
			 o->queue_size_max);
		return -1;
	}
	if (o->config_size > 4096) {
		snprintf(err, n, "%s: config_size %u is larger than 4096", path, o->config_size);
		return -1;
	}
	return 0;
}

int vc_target_open_plugin(struct vc_target *t, const char *rest, char *err, size_t n)
{
	struct plugin *plug;
	char path[1024], file[1030];
	const char *comma = strchr(rest, ',');
	size_t plen = comma ? (size_t)(comma - rest) : strlen(rest);
	const struct vc_device_ops *ops;
	vc_device_entry_fn entry;
	void *h, *sym;

	if (!plen) {
		snprintf(err, n, "--target plugin:%s: the path is missing before ',' "
			 "(expected plugin:PATH.so[,key=value...])", rest);
		return -1;
	}
	if (plen >= sizeof(path)) {
		snprintf(err, n, "--target plugin: the path is longer than %zu characters",
			 sizeof(path) - 1);
		return -1;
	}
	memcpy(path, rest, plen);
	path[plen] = '\0';
	if (comma) {
		if (check_args(path, comma + 1, err, n) != 0)
			return -1;
		snprintf(t->args, sizeof(t->args), "%s", comma + 1);
	}
	/* a path is a file, never a name for the library search path */
	snprintf(file, sizeof(file), "%s%s", strchr(path, '/') ? "" : "./", path);
	if (access(file, R_OK) != 0) {
		snprintf(err, n, "%s: cannot open the plugin: %s", path, strerror(errno));
		return -1;
	}
	dlerror();
	h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, n, "%s: cannot load the plugin: %s", path, dlerror());
		return -1;
	}
	plug = calloc(1, sizeof(*plug));
	if (!plug) {
		dlclose(h);
		snprintf(err, n, "%s: out of memory", path);
		return -1;
	}
	plug->handle = h;
	t->priv = plug;
	t->release = plugin_release;
	dlerror();
	sym = dlsym(h, VC_PLUGIN_ENTRY);
	if (!sym) {
		snprintf(err, n, "%s: no symbol %s (the entry point of virtiocheck/plugin.h is "
			 "missing or not exported)", path, VC_PLUGIN_ENTRY);
		return -1;
	}
	memcpy(&entry, &sym, sizeof(entry));
	ops = entry(VC_DEVICE_ABI_VERSION);
	if (!ops) {
		snprintf(err, n, "%s: %s(%u.%u) returned NULL: the plugin refuses this host's ABI",
			 path, VC_PLUGIN_ENTRY, VC_DEVICE_ABI_MAJOR, VC_DEVICE_ABI_MINOR);
		return -1;
	}
	if (check_ops(path, ops, err, n) != 0)
		return -1;
	t->ops = ops;
	return 0;
}
