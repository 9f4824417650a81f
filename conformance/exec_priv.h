/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the parts of the model executor share: the state of one case point
 * and the helpers every step family uses. exec.c runs the transport and ring
 * steps; exec_<device>.c run the steps of one device type through its
 * reference driver.
 */
#ifndef VIRTIOCHECK_EXEC_PRIV_H
#define VIRTIOCHECK_EXEC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blk_drv.h"
#include "case.h"
#include "exec.h"
#include "console_drv.h"
#include "result.h"
#include "rng_drv.h"
#include "vc_pair.h"
#include "virtiocheck/le.h"

#define EXEC_MAX_BUFS 64

/* A guest buffer or table a case named. */
struct named {
	char name[CASE_MAX_NAME];
	uint64_t gpa;
	uint32_t size;
	uint8_t fill;
	bool posted_writable;
};

struct xstate;

/* How the executor drives one device type through its reference driver. */
struct exec_device {
	const char *name;                   /* the case's device type */
	const struct vc_device_ops *ops;    /* the model device; NULL: none (fs) */
	uint16_t device_id;                 /* when ops is NULL */
	/* fill the driver configuration for the wanted features */
	void (*config)(struct vdrv_config *cfg, uint64_t wanted);
	/* after a successful re-initialization: one well-formed request must
	 * succeed (the liveness probe). 0, or -1 with why. */
	int (*live)(struct xstate *x, char *why, size_t n);
};

/* The harness's own cursors on a packed queue (2.8.1): where it makes the
 * next descriptors available (playing the driver), where it looks for the
 * next used descriptor, where it writes used descriptors (playing the
 * device), and how many ring slots each outstanding buffer id took. */
struct xpacked {
	uint16_t drv_slot, used_slot, dev_slot;
	bool drv_wrap, used_wrap, dev_wrap;
	uint16_t used_seen;         /* used descriptors found (mod 2^16) */
	bool have_last;
	uint32_t last_id, last_len; /* the latest used descriptor found */
	uint16_t *slots_by_id;      /* 65536 entries, allocated on first use */
};

struct xstate {
	const struct case_point *p;
	const struct exec_env *env;     /* never NULL */
	const struct vc_case *c;
	struct case_outcome *o;
	const struct exec_device *dev;
	struct vc_pair pair;
	struct vdrv_config cfg;
	/* device drivers attached on first use after each initialization */
	struct vrng_drv rng;
	bool rng_attached;
	struct vblk_drv blk;
	bool blk_attached;
	struct vcons_drv cons;
	bool cons_attached;
	/* the state of exec_net.c, exec_balloon.c, exec_gpu.c: each file owns
	 * its pointer (NULL until first use) and frees it in its detach */
	void *net_x, *balloon_x, *gpu_x;
	bool tracking;
	const struct step_init *cur_init;
	/* the device driver's own init hook, run after the case's edits */
	vdrv_hook_fn drv_hook;
	void *drv_hook_ctx;
	struct named bufs[EXEC_MAX_BUFS];
	unsigned nbufs;
	uint16_t used_at_kick[VDRV_MAX_QUEUES];
	bool kicked[VDRV_MAX_QUEUES];
	uint64_t region_top[GM_REGIONS_MAX]; /* top-down cursors for buffer: region */
	struct xpacked pk[VDRV_MAX_QUEUES];
	size_t tlen;
};

struct qgeom {
	uint16_t size;
	uint64_t desc, avail, used;
};

/* Ring fields at byte offsets: a hostile case may place a ring part at any
 * address, so the harness never accesses rings through typed pointers. */
static inline uint16_t rd16(const uint8_t *p)
{
	le16 v;

	memcpy(&v, p, sizeof(v));
	return le16_to_cpu(v);
}

static inline uint32_t rd32(const uint8_t *p)
{
	le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static inline void wr16(uint8_t *p, uint16_t val)
{
	le16 v = cpu_to_le16(val);

	memcpy(p, &v, sizeof(v));
}

static inline void wr32(uint8_t *p, uint32_t val)
{
	le32 v = cpu_to_le32(val);

	memcpy(p, &v, sizeof(v));
}

/* One line of the point's trace. */
__attribute__((format(printf, 2, 3)))
void xtrace(struct xstate *x, const char *fmt, ...);
/* Set the verdict (first clause given, or the case's), trace it; -1. */
__attribute__((format(printf, 4, 5)))
int xfail(struct xstate *x, enum verdict v, const char *violated, const char *fmt, ...);
struct named *xbuf_find(struct xstate *x, const char *name);
struct named *xbuf_new(struct xstate *x, const char *name, uint32_t size, uint8_t fill,
		       uint64_t align, int region);
int xqueue_geom(struct xstate *x, uint16_t q, struct qgeom *g);
/* Resolve a named or absolute address; *size the named buffer's size. */
int xresolve(struct xstate *x, const struct case_addr *a, uint64_t *gpa, uint32_t *size);
bool xcmp_ok(const struct case_cmp *c, uint64_t v);
void xcmp_str(const struct case_cmp *c, char *buf, size_t n);

/* The device types the executor knows; NULL for an unknown name. */
const struct exec_device *exec_device_find(const char *name);
extern const struct exec_device exec_blk_device;     /* exec_blk.c */
extern const struct exec_device exec_fs_device;      /* exec_fs.c */
extern const struct exec_device exec_console_device; /* exec_console.c */
extern const struct exec_device exec_net_device;     /* exec_net.c */
extern const struct exec_device exec_balloon_device; /* exec_balloon.c */
extern const struct exec_device exec_gpu_device;     /* exec_gpu.c */
/* Forget (and free) a device file's state: the driver was re-initialized
 * or the point ends. */
void exec_net_detach(struct xstate *x);
void exec_balloon_detach(struct xstate *x);
void exec_gpu_detach(struct xstate *x);
/* Forget the attached device drivers (the driver was re-initialized). */
void xdetach(struct xstate *x);

/* Packed-ring steps and observation (exec_packed.c). */
int exec_packed_step(struct xstate *x, const struct case_step *s);
/* Back to the state after queue setup (init, reset, queue reset). */
void xpk_reset(struct xstate *x, int q /* -1: all */);
void xpk_free(struct xstate *x);
/* A chain of ndesc ring slots was made available under buffer id. */
void xpk_posted(struct xstate *x, uint16_t q, uint16_t id, uint16_t ndesc);
/* Find the used descriptors written since the last scan; 0 or -1. */
int xpk_scan_used(struct xstate *x, uint16_t q);
/* The bytes of a packed indirect table entry / descriptor. */
int xpk_encode(struct xstate *x, const struct case_desc *d, uint16_t id, uint16_t flags,
	       uint8_t out[16]);

/* Device steps (exec_blk.c, exec_console.c): 0, or -1 after xfail(). */
int exec_blk_step(struct xstate *x, const struct case_step *s);
int exec_console_step(struct xstate *x, const struct case_step *s);
int exec_net_step(struct xstate *x, const struct case_step *s);
int exec_balloon_step(struct xstate *x, const struct case_step *s);
int exec_gpu_step(struct xstate *x, const struct case_step *s);
/* Expectations on device state: 0, or -1 after xfail(). */
int exec_blk_expect(struct xstate *x, const struct step_expect *e);
int exec_console_expect(struct xstate *x, const struct step_expect *e);
int exec_net_expect(struct xstate *x, const struct step_expect *e);
int exec_balloon_expect(struct xstate *x, const struct step_expect *e);
int exec_gpu_expect(struct xstate *x, const struct step_expect *e);

#endif
