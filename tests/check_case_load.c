// SPDX-License-Identifier: Apache-2.0
/*
 * The spec-case loader: every malformed file in tests/cases-bad/ produces
 * exactly the one-line "file:line:col: message" stored beside it in
 * NAME.expected; well-formed files load into the right structures and
 * matrices expand as documented.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case_load.h"
#include "catalogue.h"
#include "harness.h"
#include "virtiocheck/virtio.h"

#define BAD_DIR VC_SOURCE_DIR "/tests/cases-bad"
#define DESC_LABEL \
	"drivernormative:Basic Facilities of a Virtio Device / Virtqueues / The Virtqueue Descriptor Table"

static struct catalogue cat;
static char names[128][256];
static int n_names;

static void setup(void)
{
	char err[512];
	DIR *d;
	struct dirent *de;

	ck_assert_msg(catalogue_load(&cat, VC_SOURCE_DIR "/spec-cases/clauses.yaml", err,
				     sizeof(err)) == 0, "%s", err);
	n_names = 0;
	d = opendir(BAD_DIR);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) && n_names < 128) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"))
			snprintf(names[n_names++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n_names, sizeof(names[0]),
	      (int (*)(const void *, const void *))strcmp);
}

static void teardown(void)
{
	catalogue_free(&cat);
}

START_TEST(there_are_at_least_40_malformed_files)
{
	ck_assert_int_ge(n_names, 40);
}
END_TEST

START_TEST(malformed_file_gives_its_exact_error)
{
	struct case_set set = { 0 };
	char err[1024] = "", want[1024] = "", exp_path[300];
	FILE *f;
	size_t len;
	struct timespec t0, t1;
	int rc;

	ck_assert_int_lt(_i, n_names);
	ck_assert_int_eq(chdir(BAD_DIR), 0);
	snprintf(exp_path, sizeof(exp_path), "%.*s.expected", (int)strlen(names[_i]) - 5,
		 names[_i]);
	f = fopen(exp_path, "r");
	ck_assert_msg(f != NULL, "no golden %s", exp_path);
	len = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[len] = '\0';
	if (len && want[len - 1] == '\n')
		want[len - 1] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = case_load_path(&set, names[_i], &cat, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	case_set_free(&set);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(err, want);
	/* refused quickly, alias bombs included: well under a second */
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec), 2);
}
END_TEST

static int load_str(struct case_set *set, const char *yaml, char *err, size_t n)
{
	return case_load_buffer(set, "mem.yaml", (const unsigned char *)yaml, strlen(yaml), &cat,
				err, n);
}

START_TEST(wellformed_case_loads_every_field)
{
	static const char y[] =
		"cases:\n"
		"  - id: t.one\n"
		"    title: a title\n"
		"    clauses: [\"" DESC_LABEL "\"]\n"
		"    role: driver\n"
		"    device: rng\n"
		"    spec: \"1.2\"\n"
		"    tags: [a, b]\n"
		"    setup: {accept: [EVENT_IDX, 40], queue_size: 16, requires: [INDIRECT_DESC]}\n"
		"    steps:\n"
		"      - init: {skip: [ACKNOWLEDGE], status: {DRIVER: 3}, stop_before: DRIVER_OK}\n"
		"      - buffer: {name: b0, size: 64, fill: 0xaa}\n"
		"      - desc: {index: 3, addr: {buf: b0, offset: 8}, len: 16, flags: [WRITE, NEXT], next: 4}\n"
		"      - used: {entries: [{id: 3, len: 9}]}\n"
		"      - expect: {used_len: {min: 1, max: 9}, status: {set: [DRIVER]}, driver_violation: \""
		DESC_LABEL "\"}\n";
	struct case_set set = { 0 };
	const struct vc_case *c;
	char err[512] = "";

	ck_assert_msg(load_str(&set, y, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(set.n, 1);
	c = &set.cases[0];
	ck_assert_str_eq(c->id, "t.one");
	ck_assert_int_eq(c->role, ROLE_DRIVER);
	ck_assert_uint_eq(c->n_tags, 2);
	ck_assert_uint_eq(c->accept, (1ull << 29) | (1ull << 40));
	ck_assert_uint_eq(c->requires, 1ull << 28);
	ck_assert_uint_eq(c->queue_size, 16);
	ck_assert_uint_eq(c->n_steps, 5);
	ck_assert_int_eq(c->steps[0].kind, ST_INIT);
	ck_assert_uint_eq(c->steps[0].u.init.skip, 1u << 2);
	ck_assert_int_eq(c->steps[0].u.init.status_step[3], 3);
	ck_assert_int_eq(c->steps[0].u.init.stop_before, 9);
	ck_assert_uint_eq(c->steps[1].u.buffer.fill, 0xaa);
	ck_assert_str_eq(c->steps[2].u.desc.d.addr.name, "b0");
	ck_assert_uint_eq(c->steps[2].u.desc.d.addr.value, 8);
	ck_assert_uint_eq(c->steps[2].u.desc.d.flags, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
	ck_assert_uint_eq(c->steps[2].u.desc.index, 3);
	ck_assert_uint_eq(c->steps[3].u.used.len[0], 9);
	ck_assert(c->steps[4].u.expect.has_used_len);
	ck_assert_uint_eq(c->steps[4].u.expect.used_len.max, 9);
	ck_assert_uint_eq(c->steps[4].u.expect.n_driver_violation, 1);
	/* labels are interned: the catalogue's own string */
	ck_assert_ptr_eq(c->clauses[0], catalogue_find(&cat, DESC_LABEL)->label);
	case_set_free(&set);
}
END_TEST

START_TEST(matrix_expands_with_exclusions)
{
	static const char y[] =
		"cases:\n"
		"  - id: t.m\n"
		"    title: m\n"
		"    clauses: [\"" DESC_LABEL "\"]\n"
		"    role: device\n"
		"    device: core\n"
		"    spec: \"1.2\"\n"
		"    matrix:\n"
		"      features: {EVENT_IDX: [on, off], INDIRECT_DESC: [on]}\n"
		"      queue_size: [8, 64, 256]\n"
		"      exclude:\n"
		"        - {EVENT_IDX: on, queue_size: 8}\n"
		"    steps: [init]\n";
	struct case_set set = { 0 };
	struct case_point pts[16];
	char err[512] = "";
	unsigned n, i, with_ev = 0;

	ck_assert_msg(load_str(&set, y, err, sizeof(err)) == 0, "%s", err);
	n = case_expand(&set.cases[0], pts, 16);
	/* 2 (EVENT_IDX) x 1 (INDIRECT on) x 3 sizes - 1 excluded */
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++) {
		ck_assert(pts[i].features_on & (1ull << 28));
		if (pts[i].features_on & (1ull << 29)) {
			with_ev++;
			ck_assert_uint_ne(pts[i].queue_size, 8);
		}
	}
	ck_assert_uint_eq(with_ev, 2);
	ck_assert_str_eq(pts[0].label, "EVENT_IDX=off,INDIRECT_DESC=on,qsize=8");
	case_set_free(&set);
}
END_TEST

START_TEST(case_without_matrix_is_one_point)
{
	static const char y[] =
		"cases:\n"
		"  - {id: t.s, title: s, clauses: [\"" DESC_LABEL "\"], role: device, device: rng,"
		" spec: \"1.2\", steps: [init, kick, reset]}\n";
	struct case_set set = { 0 };
	struct case_point pts[4];
	char err[512] = "";

	ck_assert_msg(load_str(&set, y, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(case_expand(&set.cases[0], pts, 4), 1);
	ck_assert_str_eq(pts[0].label, "");
	ck_assert_int_eq(set.cases[0].steps[1].kind, ST_KICK);
	ck_assert_int_eq(set.cases[0].steps[2].kind, ST_RESET);
	case_set_free(&set);
}
END_TEST

START_TEST(project_suite_loads)
{
	struct case_set set = { 0 };
	char err[1024] = "";

	ck_assert_msg(case_load_path(&set, VC_SOURCE_DIR "/spec-cases", &cat, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_ge(set.n, 1);
	case_set_free(&set);
}
END_TEST

static int count_bad_files(void)
{
	DIR *d = opendir(BAD_DIR);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		n += l > 5 && !strcmp(de->d_name + l - 5, ".yaml");
	}
	if (d)
		closedir(d);
	return n;
}

static Suite *case_load_suite(void)
{
	Suite *s = suite_create("case_load");
	TCase *bad = tcase_create("malformed");
	TCase *good = tcase_create("wellformed");

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, there_are_at_least_40_malformed_files);
	tcase_add_loop_test(bad, malformed_file_gives_its_exact_error, 0, count_bad_files());
	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, wellformed_case_loads_every_field);
	tcase_add_test(good, matrix_expands_with_exclusions);
	tcase_add_test(good, case_without_matrix_is_one_point);
	tcase_add_test(good, project_suite_loads);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, good);
	return s;
}

VC_CHECK_MAIN(case_load_suite)
