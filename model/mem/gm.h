/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory: several guest-physical regions with holes between them, all
 * backed by one memfd mapped MAP_SHARED, so another process (a vhost-user
 * peer) can map the same bytes -- or imported from another process's file
 * descriptors (gm_import: a vhost-user front-end's memory table). Each side gets its own view, mapped at its
 * own host address, so a pointer that leaks from one side to the other is a
 * bug a test can see.
 *
 * gm_translate() is the only way from a guest address to a host pointer.
 */
#ifndef VIRTIOCHECK_GM_H
#define VIRTIOCHECK_GM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_REGIONS_MAX 8

typedef struct gm gm_t;
typedef struct gm_view gm_view_t;

struct gm_region_spec {
	uint64_t gpa;   /* page aligned */
	uint64_t size;  /* page aligned, non-zero */
};

struct gm_region_info {
	uint64_t gpa;
	uint64_t size;
	uint64_t fd_offset; /* where its bytes start in the memfd */
};

/* A region of another process's memory (a vhost-user front-end's memory
 * table): its own file descriptor, mapped from fd_offset. */
struct gm_import_region {
	uint64_t gpa;        /* page aligned */
	uint64_t size;       /* page aligned, non-zero */
	int fd;              /* gm_import() takes ownership, also on failure */
	uint64_t fd_offset;  /* page aligned */
};

enum gm_access {
	GM_READ = 1,
	GM_WRITE = 2,
};

/* Regions must be sorted, page aligned, non-overlapping. NULL on error
 * (errno set). */
gm_t *gm_create(const struct gm_region_spec *regions, unsigned n);
/* Regions in any order, non-overlapping, and (for a regular file or memfd)
 * inside their file; each fd is owned by the result (closed by gm_destroy,
 * or right away on failure). A view maps each region from its own fd. NULL
 * on error (errno set). */
gm_t *gm_import(const struct gm_import_region *regions, unsigned n);
void gm_destroy(gm_t *gm);
/* The memfd of gm_create()'s memory; -1 for imported memory. */
int gm_fd(const gm_t *gm);
unsigned gm_region_count(const gm_t *gm);
const struct gm_region_info *gm_region(const gm_t *gm, unsigned i);
uint64_t gm_total_size(const gm_t *gm);

/* Map a new view of all regions: one mmap of the memfd, or for imported
 * memory one reservation with each region mapped into it. */
gm_view_t *gm_view_map(gm_t *gm, const char *name);
void gm_view_unmap(gm_view_t *v);
const char *gm_view_name(const gm_view_t *v);
/* The guest memory a view maps (for its fd and regions). */
gm_t *gm_view_gm(const gm_view_t *v);

/*
 * Host pointer for [gpa, gpa + len) in this view, or NULL unless the whole
 * range lies inside one region. len 0 is accepted for any gpa inside a region
 * or at its end. With write tracking on, a GM_WRITE translation marks the
 * range as written by this view's side.
 */
void *gm_translate(gm_view_t *v, uint64_t gpa, uint64_t len, enum gm_access access);
/* true when the whole range is inside one region (no tracking side effect) */
bool gm_range_ok(const gm_view_t *v, uint64_t gpa, uint64_t len);

/*
 * For loops that check many ranges (the ring batch calls): the region that
 * holds [gpa, gpa + len), as a window, or false when gm_range_ok() would say
 * false. gm_window_has() is then gm_range_ok()'s answer for any range inside
 * that window, inline: the same bounds, subtraction before comparison, no
 * overflow for any gpa or len. A range outside the window may still be in
 * another region: ask gm_window_of() again. A zeroed window holds no range
 * of non-zero length.
 */
struct gm_window {
	uint64_t gpa;
	uint64_t size;
};

bool gm_window_of(const gm_view_t *v, uint64_t gpa, uint64_t len, struct gm_window *w);

static inline bool gm_window_has(const struct gm_window *w, uint64_t gpa, uint64_t len)
{
	uint64_t rel = gpa - w->gpa;

	return gpa >= w->gpa && rel <= w->size && len <= w->size - rel;
}

/* Copies through the translator; 0 or -1 (nothing copied). */
int gm_read(gm_view_t *v, uint64_t gpa, void *dst, uint64_t len);
int gm_write(gm_view_t *v, uint64_t gpa, const void *src, uint64_t len);

/*
 * Write tracking, for oracles: which guest bytes did this side obtain write
 * access to. Off by default; costs one branch per translation when off.
 */
int gm_track_enable(gm_view_t *v, bool on);
void gm_track_clear(gm_view_t *v);
/* Number of bytes of [gpa, gpa + len) marked written (0 if tracking is off
 * or the range is outside guest memory). */
uint64_t gm_track_count(const gm_view_t *v, uint64_t gpa, uint64_t len);
/* Number of bytes marked written in total. */
uint64_t gm_track_total(const gm_view_t *v);

#endif
