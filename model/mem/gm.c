// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "gm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct gm {
	int fd;                          /* gm_create's memfd, or -1 */
	unsigned n;
	uint64_t total;
	/* fd_offset of a region: its place in the linear offset space every
	 * view maps (and the write-tracking bitmaps index); for gm_create
	 * also its offset in the memfd */
	struct gm_region_info r[GM_REGIONS_MAX];
	/* imported memory: each region's own fd and offset in it */
	int rfd[GM_REGIONS_MAX];
	uint64_t rfd_off[GM_REGIONS_MAX];
};

struct gm_view {
	gm_t *gm;
	uint8_t *base;          /* host address of memfd offset 0 */
	uint8_t *written;       /* one bit per byte of the memfd, or NULL */
	/* The region of the last successful lookup: a hint, not state. The
	 * region table never changes after gm_create/gm_import, and every use
	 * re-checks the range against that region's bounds, so a hint can
	 * only make a lookup faster, never change its answer. Relaxed atomic
	 * loads and stores: a view shared by two threads stays race-free. */
	unsigned last_hit;
	char name[32];
};

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (uint64_t)p : 4096;
}

gm_t *gm_create(const struct gm_region_spec *regions, unsigned n)
{
	uint64_t ps = page_size(), off = 0, prev_end = 0;
	gm_t *gm;
	unsigned i;

	if (!regions || n == 0 || n > GM_REGIONS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	gm = calloc(1, sizeof(*gm));
	if (!gm)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t gpa = regions[i].gpa, size = regions[i].size, end;

		if (size == 0 || gpa % ps || size % ps || __builtin_add_overflow(gpa, size, &end) ||
		    (i > 0 && gpa < prev_end) || __builtin_add_overflow(off, size, &off)) {
			free(gm);
			errno = EINVAL;
			return NULL;
		}
		gm->r[i].gpa = gpa;
		gm->r[i].size = size;
		gm->r[i].fd_offset = off - size;
		prev_end = end;
	}
	gm->n = n;
	gm->total = off;
	gm->fd = memfd_create("virtiocheck-guest", MFD_CLOEXEC);
	if (gm->fd < 0 || ftruncate(gm->fd, (off_t)gm->total) < 0) {
		int e = errno;

		if (gm->fd >= 0)
			close(gm->fd);
		free(gm);
		errno = e;
		return NULL;
	}
	return gm;
}

static int cmp_import(const void *a, const void *b)
{
	const struct gm_import_region *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

gm_t *gm_import(const struct gm_import_region *regions, unsigned n)
{
	struct gm_import_region r[GM_REGIONS_MAX];
	uint64_t ps = page_size(), off = 0, prev_end = 0;
	gm_t *gm = NULL;
	unsigned i;

	if (!regions || n == 0 || n > GM_REGIONS_MAX)
		goto bad;
	memcpy(r, regions, n * sizeof(r[0]));
	qsort(r, n, sizeof(r[0]), cmp_import);
	gm = calloc(1, sizeof(*gm));
	if (!gm)
		goto fail;
	for (i = 0; i < n; i++) {
		uint64_t end;

		struct stat st;

		if (r[i].fd < 0 || r[i].size == 0 || r[i].gpa % ps || r[i].size % ps ||
		    r[i].fd_offset % ps || __builtin_add_overflow(r[i].gpa, r[i].size, &end) ||
		    (i > 0 && r[i].gpa < prev_end) || __builtin_add_overflow(off, r[i].size, &off) ||
		    r[i].fd_offset > UINT64_MAX - r[i].size || fstat(r[i].fd, &st) != 0)
			goto bad;
		/* a region past the end of its file would fault (SIGBUS) at the
		 * first access: refuse it here */
		if (S_ISREG(st.st_mode) && r[i].fd_offset + r[i].size > (uint64_t)st.st_size)
			goto bad;
		gm->r[i] = (struct gm_region_info){ r[i].gpa, r[i].size, off - r[i].size };
		gm->rfd[i] = r[i].fd;
		gm->rfd_off[i] = r[i].fd_offset;
		prev_end = end;
	}
	gm->n = n;
	gm->total = off;
	gm->fd = -1;
	return gm;
bad:
	errno = EINVAL;
fail:
	for (i = 0; regions && i < n; i++)
		if (regions[i].fd >= 0)
			close(regions[i].fd);
	free(gm);
	return NULL;
}

void gm_destroy(gm_t *gm)
{
	unsigned i;

	if (!gm)
		return;
	if (gm->fd >= 0)
		close(gm->fd);
	else
		for (i = 0; i < gm->n; i++)
			close(gm->rfd[i]);
	free(gm);
}

int gm_fd(const gm_t *gm) { return gm->fd; }
unsigned gm_region_count(const gm_t *gm) { return gm->n; }
uint64_t gm_total_size(const gm_t *gm) { return gm->total; }

const struct gm_region_info *gm_region(const gm_t *gm, unsigned i)
{
	return i < gm->n ? &gm->r[i] : NULL;
}

gm_view_t *gm_view_map(gm_t *gm, const char *name)
{
	gm_view_t *v = calloc(1, sizeof(*v));
	void *p;

	if (!v)
		return NULL;
	if (gm->fd >= 0) {
		p = mmap(NULL, gm->total, PROT_READ | PROT_WRITE, MAP_SHARED, gm->fd, 0);
	} else {
		unsigned i;

		/* reserve the whole linear space, then map each region into
		 * its place from its own fd */
		p = mmap(NULL, gm->total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
		for (i = 0; p != MAP_FAILED && i < gm->n; i++)
			if (mmap((uint8_t *)p + gm->r[i].fd_offset, gm->r[i].size,
				 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, gm->rfd[i],
				 (off_t)gm->rfd_off[i]) == MAP_FAILED) {
				munmap(p, gm->total);
				p = MAP_FAILED;
			}
	}
	if (p == MAP_FAILED) {
		free(v);
		return NULL;
	}
	v->gm = gm;
	v->base = p;
	snprintf(v->name, sizeof(v->name), "%s", name ? name : "view");
	return v;
}

void gm_view_unmap(gm_view_t *v)
{
	if (!v)
		return;
	munmap(v->base, v->gm->total);
	free(v->written);
	free(v);
}

const char *gm_view_name(const gm_view_t *v) { return v->name; }
gm_t *gm_view_gm(const gm_view_t *v) { return v->gm; }

/* Is [gpa, gpa + len) inside region r? Then its file offset. */
static inline bool in_region(const struct gm_region_info *r, uint64_t gpa, uint64_t len,
			     uint64_t *fd_off)
{
	uint64_t rel = gpa - r->gpa;

	/* gpa below the region wraps rel past any size; subtract before
	 * comparing len: no overflow for any len */
	if (gpa < r->gpa || rel > r->size || len > r->size - rel)
		return false;
	*fd_off = r->fd_offset + rel;
	return true;
}

/* File offset of [gpa, gpa + len) if it lies wholly inside one region. */
static bool locate_slow(const gm_t *gm, uint64_t gpa, uint64_t len, unsigned *hit,
			uint64_t *fd_off)
{
	unsigned i;

	for (i = 0; i < gm->n; i++) {
		const struct gm_region_info *r = &gm->r[i];
		uint64_t rel;

		if (gpa < r->gpa)
			return false; /* sorted: gpa is in a hole */
		rel = gpa - r->gpa;
		if (rel > r->size || (rel == r->size && len != 0))
			continue; /* not in this region (maybe in an adjacent one) */
		/* subtract first: no overflow for any len */
		if (len > r->size - rel)
			return false;
		*fd_off = r->fd_offset + rel;
		*hit = i;
		return true;
	}
	return false;
}

/*
 * The region of the last hit first (the rings and a driver's buffers each
 * stay in one region), then the sorted walk. An empty range at a region's
 * end belongs to that region, so a hit there is as right as the walk's.
 */
static bool locate_region(const gm_view_t *v, uint64_t gpa, uint64_t len, uint64_t *fd_off,
			  unsigned *region)
{
	const gm_t *gm = v->gm;
	unsigned i = __atomic_load_n(&v->last_hit, __ATOMIC_RELAXED);

	if (i < gm->n && in_region(&gm->r[i], gpa, len, fd_off)) {
		*region = i;
		return true;
	}
	if (!locate_slow(gm, gpa, len, &i, fd_off))
		return false;
	/* the hint is not part of the view's value: written through const */
	__atomic_store_n((unsigned *)&v->last_hit, i, __ATOMIC_RELAXED);
	*region = i;
	return true;
}

static bool locate(const gm_view_t *v, uint64_t gpa, uint64_t len, uint64_t *fd_off)
{
	unsigned i;

	return locate_region(v, gpa, len, fd_off, &i);
}

/* Set bits [off, off + len): single bits at the edges, whole bytes between. */
static void track_mark(gm_view_t *v, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	for (; off < end && (off & 7); off++)
		v->written[off >> 3] |= (uint8_t)(1u << (off & 7));
	if (end - off >= 8) {
		memset(v->written + (off >> 3), 0xff, (end - off) >> 3);
		off += (end - off) & ~7ull;
	}
	for (; off < end; off++)
		v->written[off >> 3] |= (uint8_t)(1u << (off & 7));
}

bool gm_range_ok(const gm_view_t *v, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	return locate(v, gpa, len, &off);
}

bool gm_window_of(const gm_view_t *v, uint64_t gpa, uint64_t len, struct gm_window *w)
{
	uint64_t off;
	unsigned i;

	if (!locate_region(v, gpa, len, &off, &i))
		return false;
	w->gpa = v->gm->r[i].gpa;
	w->size = v->gm->r[i].size;
	return true;
}

void *gm_translate(gm_view_t *v, uint64_t gpa, uint64_t len, enum gm_access access)
{
	uint64_t off;

	if (!locate(v, gpa, len, &off))
		return NULL;
	if (v->written && (access & GM_WRITE))
		track_mark(v, off, len);
	return v->base + off;
}

int gm_read(gm_view_t *v, uint64_t gpa, void *dst, uint64_t len)
{
	void *p = gm_translate(v, gpa, len, GM_READ);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int gm_write(gm_view_t *v, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gm_translate(v, gpa, len, GM_WRITE);

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

int gm_track_enable(gm_view_t *v, bool on)
{
	if (!on) {
		free(v->written);
		v->written = NULL;
		return 0;
	}
	if (!v->written) {
		v->written = calloc(1, (v->gm->total + 7) / 8);
		if (!v->written)
			return -1;
	}
	return 0;
}

void gm_track_clear(gm_view_t *v)
{
	if (v->written)
		memset(v->written, 0, (v->gm->total + 7) / 8);
}

/* Count bits [off, off + len): single bits at the edges, popcounts between. */
static uint64_t count_bits(const uint8_t *bm, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, n = 0;

	for (; off < end && (off & 7); off++)
		n += (bm[off >> 3] >> (off & 7)) & 1u;
	while (end - off >= 64) {
		uint64_t w;

		memcpy(&w, bm + (off >> 3), sizeof(w));
		n += (uint64_t)__builtin_popcountll(w);
		off += 64;
	}
	while (end - off >= 8) {
		n += (uint64_t)__builtin_popcount(bm[off >> 3]);
		off += 8;
	}
	for (; off < end; off++)
		n += (bm[off >> 3] >> (off & 7)) & 1u;
	return n;
}

uint64_t gm_track_count(const gm_view_t *v, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (!v->written || !locate(v, gpa, len, &off))
		return 0;
	return count_bits(v->written, off, len);
}

uint64_t gm_track_total(const gm_view_t *v)
{
	return v->written ? count_bits(v->written, 0, v->gm->total) : 0;
}
