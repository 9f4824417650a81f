// SPDX-License-Identifier: Apache-2.0
/*
 * Guest memory: region layout, the translator's bounds (holes, region ends,
 * straddles, 2^64 wrap), copies, write tracking, and the shared memfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "gm.h"

/*
 * Three regions with holes below, between and above them. Every boundary is
 * a multiple of 64 KiB, so the layout is page aligned for 4 KiB and 64 KiB
 * pages alike.
 */
#define R0_GPA  0x10000ull
#define R0_SIZE 0x20000ull
#define R1_GPA  0x100000ull
#define R1_SIZE 0x10000ull
#define R2_GPA  0x200000ull
#define R2_SIZE 0x30000ull
#define R0_END  (R0_GPA + R0_SIZE)
#define R1_END  (R1_GPA + R1_SIZE)
#define R2_END  (R2_GPA + R2_SIZE)
#define TOTAL   (R0_SIZE + R1_SIZE + R2_SIZE)

static const struct gm_region_spec layout[] = {
	{ R0_GPA, R0_SIZE },
	{ R1_GPA, R1_SIZE },
	{ R2_GPA, R2_SIZE },
};

#define N_LAYOUT (unsigned)(sizeof(layout) / sizeof(layout[0]))

static gm_t *gm;
static gm_view_t *va, *vb;

static void setup(void)
{
	gm = gm_create(layout, N_LAYOUT);
	ck_assert_ptr_nonnull(gm);
	va = gm_view_map(gm, "driver");
	vb = gm_view_map(gm, "device");
	ck_assert_ptr_nonnull(va);
	ck_assert_ptr_nonnull(vb);
}

static void teardown(void)
{
	gm_view_unmap(va);
	gm_view_unmap(vb);
	gm_destroy(gm);
	va = vb = NULL;
	gm = NULL;
}

static uint64_t page(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

/* ---------------------------------------------------------------- create */

START_TEST(create_reports_regions_and_memfd_offsets)
{
	const struct gm_region_info *r;

	ck_assert_uint_eq(gm_region_count(gm), 3);
	ck_assert_uint_eq(gm_total_size(gm), TOTAL);
	ck_assert_int_ge(gm_fd(gm), 0);

	r = gm_region(gm, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->gpa, R0_GPA);
	ck_assert_uint_eq(r->size, R0_SIZE);
	ck_assert_uint_eq(r->fd_offset, 0);
	r = gm_region(gm, 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->gpa, R1_GPA);
	ck_assert_uint_eq(r->size, R1_SIZE);
	ck_assert_uint_eq(r->fd_offset, R0_SIZE);
	r = gm_region(gm, 2);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->gpa, R2_GPA);
	ck_assert_uint_eq(r->size, R2_SIZE);
	ck_assert_uint_eq(r->fd_offset, R0_SIZE + R1_SIZE);
	ck_assert_ptr_null(gm_region(gm, 3));
}
END_TEST

START_TEST(create_accepts_the_maximum_region_count)
{
	struct gm_region_spec s[GM_REGIONS_MAX];
	gm_t *g;
	unsigned i;

	for (i = 0; i < GM_REGIONS_MAX; i++) {
		s[i].gpa = 0x100000ull * (i + 1);
		s[i].size = 0x10000ull;
	}
	g = gm_create(s, GM_REGIONS_MAX);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(gm_region_count(g), GM_REGIONS_MAX);
	ck_assert_uint_eq(gm_total_size(g), 0x10000ull * GM_REGIONS_MAX);
	ck_assert_uint_eq(gm_region(g, GM_REGIONS_MAX - 1)->fd_offset,
			  0x10000ull * (GM_REGIONS_MAX - 1));
	gm_destroy(g);
}
END_TEST

enum bad_fixup {
	FIX_NONE,
	FIX_HALF_PAGE_GPA,  /* r[0].gpa += page / 2 */
	FIX_HALF_PAGE_SIZE, /* r[0].size += page / 2 */
	FIX_MANY,           /* n valid, disjoint, sorted regions */
};

struct bad_spec {
	const char *name;
	struct gm_region_spec r[2];
	unsigned n;
	enum bad_fixup fix;
};

static const struct bad_spec bad_specs[] = {
	{ "unsorted", { { 0x200000, 0x10000 }, { 0x100000, 0x10000 } }, 2, FIX_NONE },
	{ "overlapping", { { 0x100000, 0x20000 }, { 0x110000, 0x10000 } }, 2, FIX_NONE },
	{ "same start", { { 0x100000, 0x10000 }, { 0x100000, 0x10000 } }, 2, FIX_NONE },
	{ "second inside first", { { 0x100000, 0x40000 }, { 0x110000, 0x10000 } }, 2, FIX_NONE },
	{ "zero size", { { 0x100000, 0 } }, 1, FIX_NONE },
	{ "zero size after valid", { { 0x100000, 0x10000 }, { 0x200000, 0 } }, 2, FIX_NONE },
	{ "unaligned gpa", { { 0x100000, 0x10000 } }, 1, FIX_HALF_PAGE_GPA },
	{ "unaligned size", { { 0x100000, 0x10000 } }, 1, FIX_HALF_PAGE_SIZE },
	{ "unaligned second gpa", { { 0x100000, 0x10000 }, { 0x200800, 0x10000 } }, 2, FIX_NONE },
	{ "end wraps 2^64", { { 0xffffffffffff0000ull, 0x20000 } }, 1, FIX_NONE },
	{ "no regions", { { 0x100000, 0x10000 } }, 0, FIX_NONE },
	{ "too many regions", { { 0 } }, GM_REGIONS_MAX + 1, FIX_MANY },
};

#define N_BAD_SPECS (int)(sizeof(bad_specs) / sizeof(bad_specs[0]))

START_TEST(create_rejects_bad_specs)
{
	const struct bad_spec *b = &bad_specs[_i];
	struct gm_region_spec s[GM_REGIONS_MAX + 1];
	unsigned i;
	gm_t *g;

	memset(s, 0, sizeof(s));
	memcpy(s, b->r, sizeof(b->r));
	if (b->fix == FIX_HALF_PAGE_GPA)
		s[0].gpa += page() / 2;
	if (b->fix == FIX_HALF_PAGE_SIZE)
		s[0].size += page() / 2;
	if (b->fix == FIX_MANY) {
		/* sorted, aligned, disjoint: only the count is wrong */
		for (i = 0; i < b->n; i++) {
			s[i].gpa = 0x100000ull * (i + 1);
			s[i].size = 0x10000;
		}
	}
	errno = 0;
	g = gm_create(s, b->n);
	ck_assert_msg(g == NULL, "%s: accepted", b->name);
	ck_assert_msg(errno == EINVAL, "%s: errno %d", b->name, errno);
}
END_TEST

START_TEST(create_rejects_null_regions)
{
	errno = 0;
	ck_assert_ptr_null(gm_create(NULL, 1));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/*
 * Adjacent regions (one starts where the previous ends) are sorted and
 * non-overlapping, so they are a valid layout; a range wholly inside the
 * second one must translate, and one straddling the seam must not.
 */
START_TEST(adjacent_regions_translate_inside_each_region)
{
	static const struct gm_region_spec adj[] = {
		{ 0x10000, 0x10000 },
		{ 0x20000, 0x10000 },
	};
	gm_t *g = gm_create(adj, 2);
	gm_view_t *v;
	uint8_t *base;

	ck_assert_ptr_nonnull(g);
	v = gm_view_map(g, "adj");
	ck_assert_ptr_nonnull(v);
	base = gm_translate(v, 0x10000, 0, GM_READ);
	ck_assert_ptr_nonnull(base);

	/* first region */
	ck_assert_ptr_eq(gm_translate(v, 0x1fff0, 16, GM_READ), base + 0xfff0);
	/* the seam itself, len 0: either region is fine */
	ck_assert_ptr_eq(gm_translate(v, 0x20000, 0, GM_READ), base + 0x10000);
	/* wholly inside the second region, starting at its first byte */
	ck_assert_ptr_eq(gm_translate(v, 0x20000, 16, GM_READ), base + 0x10000);
	ck_assert_ptr_eq(gm_translate(v, 0x20000, 0x10000, GM_READ), base + 0x10000);
	ck_assert(gm_range_ok(v, 0x20000, 1));
	ck_assert_ptr_eq(gm_translate(v, 0x28000, 16, GM_READ), base + 0x18000);
	/* straddling the seam: two regions, refused */
	ck_assert_ptr_null(gm_translate(v, 0x1fff0, 32, GM_READ));
	ck_assert(!gm_range_ok(v, 0x1ffff, 2));

	gm_view_unmap(v);
	gm_destroy(g);
}
END_TEST

/* ----------------------------------------------------------------- views */

START_TEST(two_views_see_the_same_bytes_at_different_addresses)
{
	uint8_t *pa, *pb;
	unsigned r;

	ck_assert_str_eq(gm_view_name(va), "driver");
	ck_assert_str_eq(gm_view_name(vb), "device");
	for (r = 0; r < N_LAYOUT; r++) {
		uint64_t gpa = layout[r].gpa + 0x123;

		pa = gm_translate(va, gpa, 8, GM_READ);
		pb = gm_translate(vb, gpa, 8, GM_READ);
		ck_assert_ptr_nonnull(pa);
		ck_assert_ptr_nonnull(pb);
		ck_assert_ptr_ne(pa, pb);
		memcpy(pa, "ABCDEFG", 8);
		ck_assert_mem_eq(pb, "ABCDEFG", 8);
		pb[3] = 'x';
		ck_assert_int_eq(pa[3], 'x');
	}
	/* the views are two whole mappings that do not overlap */
	pa = gm_translate(va, R0_GPA, 0, GM_READ);
	pb = gm_translate(vb, R0_GPA, 0, GM_READ);
	ck_assert(pa + TOTAL <= pb || pb + TOTAL <= pa);
}
END_TEST

START_TEST(view_names_are_bounded_and_defaulted)
{
	gm_view_t *v = gm_view_map(gm, NULL);
	gm_view_t *w = gm_view_map(gm, "a-view-name-that-is-much-longer-than-the-buffer");

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(gm_view_name(v), "view");
	ck_assert_uint_lt(strlen(gm_view_name(w)), 32);
	ck_assert_int_eq(strncmp(gm_view_name(w), "a-view-name", 11), 0);
	gm_view_unmap(v);
	gm_view_unmap(w);
}
END_TEST

/* ------------------------------------------------------------- translate */

START_TEST(translate_accepts_ranges_inside_one_region)
{
	unsigned r;

	for (r = 0; r < N_LAYOUT; r++) {
		uint64_t gpa = layout[r].gpa, size = layout[r].size, end = gpa + size;
		uint8_t *base = gm_translate(va, gpa, 1, GM_READ);

		ck_assert_ptr_nonnull(base);
		/* the whole region */
		ck_assert_ptr_eq(gm_translate(va, gpa, size, GM_READ), base);
		/* middle, with consistent pointer arithmetic */
		ck_assert_ptr_eq(gm_translate(va, gpa + 0x800, 0x100, GM_READ), base + 0x800);
		/* ending exactly at the last byte of the region */
		ck_assert_ptr_eq(gm_translate(va, end - 0x40, 0x40, GM_READ), base + size - 0x40);
		ck_assert_ptr_eq(gm_translate(va, end - 1, 1, GM_READ), base + size - 1);
		/* len 0 at the region's start and end */
		ck_assert_ptr_eq(gm_translate(va, gpa, 0, GM_READ), base);
		ck_assert_ptr_eq(gm_translate(va, end, 0, GM_READ), base + size);
		ck_assert(gm_range_ok(va, end - 1, 1));
		ck_assert(gm_range_ok(va, end, 0));
	}
}
END_TEST

START_TEST(translate_refuses_holes_and_past_the_last_region)
{
	/* below the first region */
	ck_assert_ptr_null(gm_translate(va, 0, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R0_GPA - 1, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(va, 0, 0, GM_READ));
	/* the holes between regions, len 0 included */
	ck_assert_ptr_null(gm_translate(va, R0_END, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R0_END + 1, 0, GM_READ));
	ck_assert_ptr_null(gm_translate(va, (R0_END + R1_GPA) / 2, 16, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R1_GPA - 1, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R1_END, 16, GM_WRITE));
	/* past the last region */
	ck_assert_ptr_null(gm_translate(va, R2_END, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R2_END + 1, 0, GM_READ));
	ck_assert_ptr_null(gm_translate(va, 0x100000000ull, 16, GM_READ));
	ck_assert_ptr_null(gm_translate(va, UINT64_MAX, 0, GM_READ));
	ck_assert_ptr_null(gm_translate(va, UINT64_MAX, 1, GM_READ));
	ck_assert(!gm_range_ok(va, R0_END, 1));
	ck_assert(!gm_range_ok(va, R2_END, 1));
}
END_TEST

START_TEST(translate_refuses_ranges_leaving_their_region)
{
	/* one byte too long at each region's end */
	ck_assert_ptr_null(gm_translate(va, R0_END - 1, 2, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R1_END - 0x40, 0x41, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R2_GPA, R2_SIZE + 1, GM_READ));
	/* starting in a hole, ending inside a region */
	ck_assert_ptr_null(gm_translate(va, R1_GPA - 1, 2, GM_READ));
	/* straddling two regions and the hole between them */
	ck_assert_ptr_null(gm_translate(va, R0_END - 16, R1_GPA - R0_END + 32, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R0_GPA, R2_END - R0_GPA, GM_READ));
	ck_assert(!gm_range_ok(va, R0_END - 16, R1_GPA - R0_END + 32));
}
END_TEST

START_TEST(translate_refuses_ranges_wrapping_2_64)
{
	/* no region up there, and gpa + len wraps */
	ck_assert_ptr_null(gm_translate(va, 0xfffffffffffff000ull, 0x2000, GM_READ));
	/* starts inside a region, len runs past 2^64 */
	ck_assert_ptr_null(gm_translate(va, R0_GPA + 0x10, UINT64_MAX, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R2_GPA, UINT64_MAX, GM_READ));
	/* gpa + len wraps to an address inside the same region */
	ck_assert_ptr_null(gm_translate(va, R0_GPA + 0x100, 0 - (uint64_t)0x80, GM_READ));
	ck_assert_ptr_null(gm_translate(va, R1_GPA + 0x100, (0 - R1_GPA) + 0x10, GM_READ));
	ck_assert(!gm_range_ok(va, R0_GPA + 0x10, UINT64_MAX));
	ck_assert(!gm_range_ok(va, R2_END - 1, UINT64_MAX));
}
END_TEST

struct range {
	uint64_t gpa, len;
	bool ok;
};

static const struct range ranges[] = {
	{ R0_GPA, R0_SIZE, true },
	{ R0_GPA, R0_SIZE + 1, false },
	{ R0_END, 0, true },
	{ R0_END, 1, false },
	{ R1_GPA + 7, 9, true },
	{ R1_GPA - 7, 9, false },
	{ R2_END - 1, 1, true },
	{ R2_END - 1, 2, false },
	{ R2_END, 0, true },
	{ 0, 0, false },
	{ 0xfffffffffffff000ull, 0x2000, false },
	{ R2_GPA + 1, UINT64_MAX, false },
};

#define N_RANGES (int)(sizeof(ranges) / sizeof(ranges[0]))

START_TEST(range_ok_agrees_with_translate_and_never_tracks)
{
	const struct range *r = &ranges[_i];

	ck_assert_int_eq(gm_track_enable(va, true), 0);
	ck_assert_int_eq(gm_range_ok(va, r->gpa, r->len), r->ok);
	ck_assert_uint_eq(gm_track_total(va), 0);
	ck_assert_int_eq(gm_translate(vb, r->gpa, r->len, GM_READ) != NULL, r->ok);
}
END_TEST

/*
 * The translator remembers the region of its last hit. Whatever came
 * before, each lookup must give the answer (and the host pointer) a fresh
 * view gives: every ordered pair of the ranges above, on one view, against
 * a view that saw nothing but the second range.
 */
START_TEST(last_hit_region_never_changes_an_answer)
{
	int a, b;

	for (a = 0; a < N_RANGES; a++)
		for (b = 0; b < N_RANGES; b++) {
			gm_view_t *used = gm_view_map(gm, "used");
			gm_view_t *fresh = gm_view_map(gm, "fresh");
			uint8_t *want, *got;

			ck_assert_ptr_nonnull(used);
			ck_assert_ptr_nonnull(fresh);
			(void)gm_translate(used, ranges[a].gpa, ranges[a].len, GM_READ);
			want = gm_translate(fresh, ranges[b].gpa, ranges[b].len, GM_READ);
			got = gm_translate(used, ranges[b].gpa, ranges[b].len, GM_READ);
			ck_assert_msg((got != NULL) == ranges[b].ok && (want != NULL) == ranges[b].ok,
				      "range %d after range %d: %p, fresh view %p", b, a, (void *)got,
				      (void *)want);
			/* the same offset in each view's own mapping */
			if (got)
				ck_assert_uint_eq((uint64_t)(got - (uint8_t *)gm_translate(used, R0_GPA, 0,
									      GM_READ)),
						  (uint64_t)(want - (uint8_t *)gm_translate(fresh, R0_GPA,
										 0, GM_READ)));
			(void)gm_range_ok(used, ranges[a].gpa, ranges[a].len);
			ck_assert_int_eq(gm_range_ok(used, ranges[b].gpa, ranges[b].len), ranges[b].ok);
			gm_view_unmap(used);
			gm_view_unmap(fresh);
		}
}
END_TEST

/*
 * gm_window_of()/gm_window_has(), the ring batch calls' inline form of
 * gm_range_ok(): a window exists exactly when gm_range_ok() says yes, holds
 * the range it was asked for, and never admits a range of non-zero length
 * that gm_range_ok() refuses -- the table's ranges and probes at and across
 * the window's edges, including lengths that wrap 2^64.
 */
START_TEST(window_admits_only_what_range_ok_admits)
{
	const struct gm_window zero = { 0, 0 };
	int a, b;

	for (a = 0; a < N_RANGES; a++) {
		struct gm_window w = { 0, 0 };
		bool have = gm_window_of(va, ranges[a].gpa, ranges[a].len, &w);

		ck_assert_msg(have == ranges[a].ok, "range %d: window %d, range_ok %d", a, have,
			      ranges[a].ok);
		if (ranges[a].len)
			ck_assert(!gm_window_has(&zero, ranges[a].gpa, ranges[a].len));
		if (!have)
			continue;
		ck_assert(gm_window_has(&w, ranges[a].gpa, ranges[a].len));
		for (b = 0; b < N_RANGES; b++)
			if (ranges[b].len && gm_window_has(&w, ranges[b].gpa, ranges[b].len))
				ck_assert_msg(gm_range_ok(va, ranges[b].gpa, ranges[b].len),
					      "window of range %d admits range %d", a, b);
		{
			const struct range edge[] = {
				{ w.gpa - 1, 1, false },
				{ w.gpa - 1, 2, false },
				{ w.gpa, w.size, true },
				{ w.gpa, w.size + 1, false },
				{ w.gpa + w.size - 1, 1, true },
				{ w.gpa + w.size - 1, 2, false },
				{ w.gpa + w.size, 1, false },
				{ w.gpa + 1, UINT64_MAX, false },
				{ w.gpa + 0x10, 0 - (uint64_t)0x8, false },
			};
			unsigned e;

			for (e = 0; e < sizeof(edge) / sizeof(edge[0]); e++) {
				ck_assert_msg(gm_window_has(&w, edge[e].gpa, edge[e].len) == edge[e].ok,
					      "range %d, edge %u", a, e);
				if (edge[e].ok)
					ck_assert(gm_range_ok(va, edge[e].gpa, edge[e].len));
			}
		}
	}
}
END_TEST

/* Views keep their hints apart, and a view of other guest memory (another
 * region table) starts from nothing it could mistake for a hit. */
START_TEST(last_hit_is_per_view_and_per_region_table)
{
	static const struct gm_region_spec other[] = { { R2_GPA, 0x1000 } };
	gm_t *gm2 = gm_create(other, 1);
	gm_view_t *v2;

	ck_assert_ptr_nonnull(gm2);
	v2 = gm_view_map(gm2, "other");
	ck_assert_ptr_nonnull(v2);
	/* va hits R2 (index 2), vb hits R0 */
	ck_assert(gm_range_ok(va, R2_GPA + 0x2000, 16));
	ck_assert(gm_range_ok(vb, R0_GPA, 16));
	ck_assert(gm_range_ok(vb, R0_END - 16, 16));
	ck_assert(!gm_range_ok(vb, R2_GPA + 0x2000, 0x30000));
	/* the one-region table: R2's old extent is no longer memory */
	ck_assert(gm_range_ok(v2, R2_GPA, 0x1000));
	ck_assert(!gm_range_ok(v2, R2_GPA + 0x1000, 1));
	ck_assert(!gm_range_ok(v2, R2_GPA + 0x2000, 16));
	ck_assert(!gm_range_ok(v2, R0_GPA, 16));
	ck_assert_ptr_null(gm_translate(v2, R1_GPA, 1, GM_READ));
	ck_assert(gm_range_ok(va, R2_GPA + 0x2000, 16));
	gm_view_unmap(v2);
	gm_destroy(gm2);
}
END_TEST

/* ---------------------------------------------------------- read / write */

START_TEST(read_write_copy_through_either_view)
{
	uint8_t in[300], out[300];
	unsigned i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(gm_write(va, R1_GPA + 0x100, in, sizeof(in)), 0);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(gm_read(vb, R1_GPA + 0x100, out, sizeof(out)), 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	/* and at the last bytes of the last region */
	ck_assert_int_eq(gm_write(vb, R2_END - 4, "wxyz", 4), 0);
	ck_assert_int_eq(gm_read(va, R2_END - 4, out, 4), 0);
	ck_assert_mem_eq(out, "wxyz", 4);
	/* len 0 at a region end copies nothing and succeeds */
	ck_assert_int_eq(gm_read(va, R2_END, out, 0), 0);
	ck_assert_int_eq(gm_write(va, R0_END, in, 0), 0);
}
END_TEST

START_TEST(read_write_refusals_copy_nothing)
{
	uint8_t buf[64], guest[64];

	memset(buf, 0xa5, sizeof(buf));
	/* straddles the end of R0: nothing of R0 may change */
	ck_assert_int_eq(gm_write(va, R0_END - 32, buf, 64), -1);
	ck_assert_int_eq(gm_read(vb, R0_END - 32, guest, 32), 0);
	memset(buf, 0, 32);
	ck_assert_mem_eq(guest, buf, 32);
	/* a failed read leaves the destination alone */
	memset(buf, 0x5a, sizeof(buf));
	ck_assert_int_eq(gm_read(va, R2_END - 8, buf, 16), -1);
	ck_assert_int_eq(gm_read(va, R0_END, buf, 1), -1);
	ck_assert_int_eq(gm_read(va, 0xfffffffffffff000ull, buf, 0x20), -1);
	memset(guest, 0x5a, sizeof(guest));
	ck_assert_mem_eq(buf, guest, sizeof(buf));
	ck_assert_int_eq(gm_write(va, R1_END, buf, 1), -1);
}
END_TEST

/* -------------------------------------------------------- write tracking */

START_TEST(tracking_is_off_by_default)
{
	ck_assert_ptr_nonnull(gm_translate(va, R0_GPA, 64, GM_WRITE));
	ck_assert_int_eq(gm_write(va, R1_GPA, "abcd", 4), 0);
	ck_assert_uint_eq(gm_track_count(va, R0_GPA, 64), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA, 4), 0);
	ck_assert_uint_eq(gm_track_total(va), 0);
}
END_TEST

START_TEST(tracking_marks_exactly_the_write_translations)
{
	const uint64_t a = R0_GPA + 0x1001;
	uint8_t tmp[16];

	ck_assert_int_eq(gm_track_enable(va, true), 0);
	ck_assert_uint_eq(gm_track_total(va), 0);

	ck_assert_ptr_nonnull(gm_translate(va, a, 100, GM_WRITE));
	ck_assert_uint_eq(gm_track_count(va, a, 100), 100);
	ck_assert_uint_eq(gm_track_count(va, a - 1, 1), 0);
	ck_assert_uint_eq(gm_track_count(va, a + 100, 1), 0);
	ck_assert_uint_eq(gm_track_count(va, a - 8, 116), 100);
	ck_assert_uint_eq(gm_track_total(va), 100);

	/* reads never mark */
	ck_assert_ptr_nonnull(gm_translate(va, R1_GPA, 64, GM_READ));
	ck_assert_int_eq(gm_read(va, R2_GPA, tmp, sizeof(tmp)), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA, 64), 0);
	ck_assert_uint_eq(gm_track_total(va), 100);

	/* gm_write marks; a refused write marks nothing */
	ck_assert_int_eq(gm_write(va, R2_END - 10, "0123456789", 10), 0);
	ck_assert_uint_eq(gm_track_count(va, R2_END - 10, 10), 10);
	ck_assert_int_eq(gm_write(va, R2_END - 4, "01234567", 8), -1);
	ck_assert_ptr_null(gm_translate(va, R1_END - 4, 8, GM_WRITE));
	ck_assert_uint_eq(gm_track_total(va), 110);

	/* an access asking for both counts as a write */
	ck_assert_ptr_nonnull(gm_translate(va, R1_GPA + 8, 8, GM_READ | GM_WRITE));
	ck_assert_uint_eq(gm_track_count(va, R1_GPA, 64), 8);
	ck_assert_uint_eq(gm_track_total(va), 118);

	/* a range outside guest memory counts 0 */
	ck_assert_uint_eq(gm_track_count(va, R0_GPA, R2_END - R0_GPA), 0);
	/* tracking is per view */
	ck_assert_uint_eq(gm_track_total(vb), 0);
	ck_assert_int_eq(gm_track_enable(vb, true), 0);
	ck_assert_uint_eq(gm_track_total(vb), 0);
	ck_assert_uint_eq(gm_track_count(vb, a, 100), 0);
}
END_TEST

START_TEST(tracking_clear_and_disable_forget_marks)
{
	ck_assert_int_eq(gm_track_enable(va, true), 0);
	ck_assert_int_eq(gm_write(va, R1_GPA + 3, "abc", 3), 0);
	ck_assert_uint_eq(gm_track_total(va), 3);
	gm_track_clear(va);
	ck_assert_uint_eq(gm_track_total(va), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA, 16), 0);

	/* still on after clear */
	ck_assert_int_eq(gm_write(va, R1_GPA + 3, "abc", 3), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA + 3, 3), 3);

	/* off: nothing counts, and turning it back on starts clean */
	ck_assert_int_eq(gm_track_enable(va, false), 0);
	ck_assert_uint_eq(gm_track_total(va), 0);
	ck_assert_int_eq(gm_write(va, R1_GPA + 3, "abc", 3), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA + 3, 3), 0);
	ck_assert_int_eq(gm_track_enable(va, true), 0);
	ck_assert_uint_eq(gm_track_total(va), 0);
}
END_TEST

/* Marks land on the region's own bytes, not at the same offset elsewhere. */
START_TEST(tracking_is_per_region)
{
	ck_assert_int_eq(gm_track_enable(va, true), 0);
	ck_assert_ptr_nonnull(gm_translate(va, R2_GPA + 0x40, 0x20, GM_WRITE));
	ck_assert_uint_eq(gm_track_count(va, R2_GPA + 0x40, 0x20), 0x20);
	ck_assert_uint_eq(gm_track_count(va, R0_GPA + 0x40, 0x20), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA + 0x40, 0x20), 0);
	ck_assert_uint_eq(gm_track_count(va, R1_GPA, R1_SIZE), 0);
	ck_assert_uint_eq(gm_track_total(va), 0x20);
}
END_TEST

/* ---------------------------------------------------------------- memfd */

START_TEST(memfd_is_shareable)
{
	const struct gm_region_info *r1 = gm_region(gm, 1), *r2 = gm_region(gm, 2);
	struct stat st;
	uint8_t *map, out[8];

	ck_assert_int_eq(fstat(gm_fd(gm), &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, TOTAL);
	map = mmap(NULL, TOTAL, PROT_READ | PROT_WRITE, MAP_SHARED, gm_fd(gm), 0);
	ck_assert_ptr_ne(map, MAP_FAILED);

	/* the view's writes appear in a foreign mapping at the region's fd offset */
	ck_assert_int_eq(gm_write(va, R2_GPA + 0x20, "peer-see", 8), 0);
	ck_assert_mem_eq(map + r2->fd_offset + 0x20, "peer-see", 8);
	/* and the foreign mapping's writes appear in both views */
	memcpy(map + r1->fd_offset + r1->size - 8, "from-fd!", 8);
	ck_assert_int_eq(gm_read(vb, R1_END - 8, out, 8), 0);
	ck_assert_mem_eq(out, "from-fd!", 8);
	ck_assert_int_eq(gm_read(va, R1_END - 8, out, 8), 0);
	ck_assert_mem_eq(out, "from-fd!", 8);
	ck_assert_int_eq(munmap(map, TOTAL), 0);
}
END_TEST

/* ------------------------------------------------------------ import */

/* A memfd of size bytes whose page k starts with the byte 'A' + k. */
static int foreign_memfd(uint64_t size)
{
	int fd = memfd_create("foreign", MFD_CLOEXEC);
	uint64_t k;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	for (k = 0; k < size / 4096; k++) {
		char c = (char)('A' + k);

		ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)(k * 4096)), 1);
	}
	return fd;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

START_TEST(import_maps_each_region_from_its_own_fd_and_offset)
{
	/* given out of order, the second region from page 2 of its fd */
	int fa = foreign_memfd(0x4000), fb = foreign_memfd(0x8000);
	struct gm_import_region r[2] = {
		{ .gpa = 0x200000, .size = 0x2000, .fd = fb, .fd_offset = 0x2000 },
		{ .gpa = 0x10000, .size = 0x4000, .fd = fa, .fd_offset = 0 },
	};
	gm_t *g = gm_import(r, 2);
	gm_view_t *v;
	char c, out[8];
	uint8_t *map;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gm_fd(g), -1);
	ck_assert_uint_eq(gm_region_count(g), 2);
	ck_assert_uint_eq(gm_region(g, 0)->gpa, 0x10000);   /* sorted */
	ck_assert_uint_eq(gm_total_size(g), 0x6000);
	v = gm_view_map(g, "imported");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(gm_read(v, 0x10000 + 0x3000, &c, 1), 0);
	ck_assert_int_eq(c, 'D');
	ck_assert_int_eq(gm_read(v, 0x200000, &c, 1), 0);
	ck_assert_int_eq(c, 'C');                           /* page 2 of fb */
	/* holes and ranges leaving a region stay refused */
	ck_assert_ptr_null(gm_translate(v, 0x14000, 1, GM_READ));
	ck_assert_ptr_null(gm_translate(v, 0x201000, 0x1001, GM_READ));
	/* writes reach the foreign fd at its offset */
	ck_assert_int_eq(gm_write(v, 0x200000 + 0x10, "foreign!", 8), 0);
	map = mmap(NULL, 0x8000, PROT_READ, MAP_SHARED, fb, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	memcpy(out, map + 0x2010, 8);
	ck_assert_mem_eq(out, "foreign!", 8);
	ck_assert_int_eq(munmap(map, 0x8000), 0);
	gm_view_unmap(v);
	gm_destroy(g);
	ck_assert(!fd_open(fa));
	ck_assert(!fd_open(fb));
}
END_TEST

#define N_BAD_IMPORTS 6
START_TEST(import_rejects_bad_tables_and_closes_their_fds)
{
	int fa = foreign_memfd(0x4000), fb = foreign_memfd(0x4000);
	struct gm_import_region r[2] = {
		{ .gpa = 0x10000, .size = 0x4000, .fd = fa },
		{ .gpa = 0x20000, .size = 0x4000, .fd = fb },
	};

	switch (_i) {
	case 0: r[1].gpa = 0x12000; break;          /* overlap */
	case 1: r[0].gpa = 0x10800; break;          /* unaligned gpa */
	case 2: r[1].fd_offset = 0x100; break;      /* unaligned offset */
	case 3: r[1].size = 0; break;               /* empty */
	case 4: r[1].fd_offset = 0x1000; break;     /* past the end of its file */
	default: r[1].gpa = UINT64_MAX - 0xfff; break; /* wraps 2^64 */
	}
	errno = 0;
	ck_assert_ptr_null(gm_import(r, 2));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(!fd_open(fa));
	ck_assert(!fd_open(fb));
}
END_TEST

static Suite *gm_suite(void)
{
	Suite *s = suite_create("gm");
	TCase *tc;

	tc = tcase_create("create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_reports_regions_and_memfd_offsets);
	tcase_add_test(tc, create_accepts_the_maximum_region_count);
	tcase_add_loop_test(tc, create_rejects_bad_specs, 0, N_BAD_SPECS);
	tcase_add_test(tc, create_rejects_null_regions);
	tcase_add_test(tc, adjacent_regions_translate_inside_each_region);
	suite_add_tcase(s, tc);

	tc = tcase_create("views");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_views_see_the_same_bytes_at_different_addresses);
	tcase_add_test(tc, view_names_are_bounded_and_defaulted);
	tcase_add_test(tc, memfd_is_shareable);
	suite_add_tcase(s, tc);

	tc = tcase_create("translate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, translate_accepts_ranges_inside_one_region);
	tcase_add_test(tc, translate_refuses_holes_and_past_the_last_region);
	tcase_add_test(tc, translate_refuses_ranges_leaving_their_region);
	tcase_add_test(tc, translate_refuses_ranges_wrapping_2_64);
	tcase_add_loop_test(tc, range_ok_agrees_with_translate_and_never_tracks, 0, N_RANGES);
	tcase_add_test(tc, last_hit_region_never_changes_an_answer);
	tcase_add_test(tc, last_hit_is_per_view_and_per_region_table);
	tcase_add_test(tc, window_admits_only_what_range_ok_admits);
	tcase_add_test(tc, read_write_copy_through_either_view);
	tcase_add_test(tc, read_write_refusals_copy_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("tracking");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tracking_is_off_by_default);
	tcase_add_test(tc, tracking_marks_exactly_the_write_translations);
	tcase_add_test(tc, tracking_clear_and_disable_forget_marks);
	tcase_add_test(tc, tracking_is_per_region);
	suite_add_tcase(s, tc);

	tc = tcase_create("import");
	tcase_add_test(tc, import_maps_each_region_from_its_own_fd_and_offset);
	tcase_add_loop_test(tc, import_rejects_bad_tables_and_closes_their_fds, 0, N_BAD_IMPORTS);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(gm_suite)
