// SPDX-License-Identifier: Apache-2.0
/*
 * virtiocheck: command-line entry point. `virtiocheck --help` lists the
 * commands; exit codes: 0 all passed, 1 failures or errors, 2 usage or load
 * errors.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "case_load.h"
#include "crash2case.h"
#include "replay.h"
#include "export_corpus.h"
#include "report.h"
#include "runner.h"
#include "serve.h"
#include "selfcheck.h"
#include "target.h"
#include "ytree.h"

#define VC_VERSION "0.1.0"
#define MAX_POINTS_PER_CASE 256

static const char usage_text[] =
	"usage: virtiocheck COMMAND [OPTIONS] [PATH...]\n"
	"\n"
	"commands:\n"
	"  run [OPTIONS] PATH...   run the spec cases found in PATHs (files or directories)\n"
	"  list [OPTIONS] PATH...  list the case points without running them\n"
	"  validate PATH...        load and check case files only\n"
	"  clauses [OPTIONS] PATH...  run, then print the clause coverage table\n"
	"  selfcheck               end-to-end check of the reference model\n"
	"  export-corpus [--out DIR] PATH...  spec cases as fuzz_split_device inputs\n"
	"  crash2case FILE [--target T] [-o OUT.yaml]  a fuzz input as a regression case\n"
	"  replay --target T [--spawn CMD] [--jobs N] [--timeout-ms N] [--report-dir DIR] CORPUS...\n"
	"             fuzz corpus inputs through the target, each classified (docs/replay.md)\n"
	"  serve --device NAME --socket PATH [...]  the model device as a vhost-user\n"
	"                          back-end; checks the front-end's driver (serve --help)\n"
	"  version                 print the version\n"
	"\n"
	"options:\n"
	"  --target TARGET         implementation under test (default: model):\n"
	"                            model                        the built-in devices\n"
	"                            plugin:PATH.so[,key=value...] a device plugin\n"
	"                              (docs/plugins.md); key=value... reaches its create()\n"
	"                            vhost-user:SOCKET[,key=value...] a running back-end\n"
	"                            vhost-user[,key=value...] with --spawn CMD\n"
	"  --spawn 'CMD ... {sock} ...'  vhost-user: start a fresh back-end per case point\n"
	"  --compare-with model    run: also run every point on the model and report the\n"
	"                          points whose verdict or failure differs\n"
	"  --jobs N                case points run in parallel (default: online CPUs)\n"
	"  --timeout SECONDS       time limit of one case point (default 10)\n"
	"  --filter GLOB           only cases whose id matches GLOB\n"
	"  --tag TAG               only cases carrying TAG\n"
	"  --report-dir DIR        where reports go (default reports/out)\n"
	"  --catalogue FILE        clause catalogue (default: clauses.yaml beside the cases)\n"
	"  --known-deviations FILE expected failures of this target, with reasons\n"
	"  --verbose               print every case point, not only the ones that did not pass\n"
	"\n"
	"exit status: 0 all case points passed (or were skipped / known deviations),\n"
	"             1 a case point failed or errored, 2 usage or case-file errors\n";

struct opts {
	const char *target;
	const char *spawn;
	const char *compare_with;
	unsigned jobs;
	double timeout;
	const char *filter;
	const char *tag;
	const char *report_dir;
	const char *catalogue;
	const char *deviations;
	bool verbose;
	int n_paths;
	char **paths;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int a;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->target = "model";
	o->jobs = ncpu > 0 ? (unsigned)ncpu : 1;
	o->timeout = 10.0;
	o->report_dir = "reports/out";
	o->paths = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->paths)
		return -1;
	for (a = 0; a < argc; a++) {
		const char *s = argv[a];
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;

#define OPT(name) (!strcmp(s, name) && (val || (fprintf(stderr, \
		"virtiocheck: %s needs a value\n", name), 0)) && ++a)
		if (!strcmp(s, "--verbose")) {
			o->verbose = true;
		} else if (OPT("--target")) {
			o->target = val;
		} else if (OPT("--spawn")) {
			o->spawn = val;
		} else if (OPT("--compare-with")) {
			if (strcmp(val, "model")) {
				fprintf(stderr, "virtiocheck: --compare-with takes 'model', not '%s'\n",
					val);
				return -1;
			}
			o->compare_with = val;
		} else if (OPT("--jobs")) {
			char *end;
			long j = strtol(val, &end, 10);

			if (*end || j < 1 || j > 64) {
				fprintf(stderr, "virtiocheck: --jobs takes 1..64, not '%s'\n", val);
				return -1;
			}
			o->jobs = (unsigned)j;
		} else if (OPT("--timeout")) {
			char *end;

			o->timeout = strtod(val, &end);
			if (*end || o->timeout <= 0 || o->timeout > 3600) {
				fprintf(stderr, "virtiocheck: --timeout takes seconds in (0, 3600]\n");
				return -1;
			}
		} else if (OPT("--filter")) {
			o->filter = val;
		} else if (OPT("--tag")) {
			o->tag = val;
		} else if (OPT("--report-dir")) {
			o->report_dir = val;
		} else if (OPT("--catalogue")) {
			o->catalogue = val;
		} else if (OPT("--known-deviations")) {
			o->deviations = val;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "virtiocheck: unknown option '%s'\n", s);
			return -1;
		} else {
			o->paths[o->n_paths++] = argv[a];
		}
#undef OPT
	}
	if (o->compare_with && !strcmp(o->target, "model")) {
		fprintf(stderr, "virtiocheck: --compare-with model needs a --target other than model\n");
		return -1;
	}
	return 0;
}

/* clauses.yaml in PATH (a directory) or beside it, up to three levels up. */
static int find_catalogue(const struct opts *o, char *out, size_t n)
{
	char dir[4096];
	struct stat st;
	int up;

	if (o->catalogue) {
		snprintf(out, n, "%s", o->catalogue);
		return 0;
	}
	if (!o->n_paths)
		return -1;
	snprintf(dir, sizeof(dir), "%s", o->paths[0]);
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *sl = strrchr(dir, '/');

		if (sl)
			*sl = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	for (up = 0; up < 4; up++) {
		snprintf(out, n, "%s/clauses.yaml", dir);
		if (stat(out, &st) == 0)
			return 0;
		snprintf(out, n, "%s/spec-cases/clauses.yaml", dir);
		if (stat(out, &st) == 0)
			return 0;
		strncat(dir, "/..", sizeof(dir) - strlen(dir) - 1);
	}
	return -1;
}

static int load_all(const struct opts *o, struct catalogue *cat, struct case_set *set)
{
	char path[4200], err[1024];
	int i;

	if (!o->n_paths) {
		fprintf(stderr, "virtiocheck: no case files or directories given\n");
		return -1;
	}
	if (find_catalogue(o, path, sizeof(path)) != 0) {
		fprintf(stderr, "virtiocheck: no clause catalogue found (use --catalogue)\n");
		return -1;
	}
	if (catalogue_load(cat, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	memset(set, 0, sizeof(*set));
	for (i = 0; i < o->n_paths; i++)
		if (case_load_path(set, o->paths[i], cat, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			case_set_free(set);
			catalogue_free(cat);
			return -1;
		}
	return 0;
}

static bool selected(const struct opts *o, const struct vc_case *c)
{
	unsigned i;

	if (o->filter && fnmatch(o->filter, c->id, 0) != 0)
		return false;
	if (!o->tag)
		return true;
	for (i = 0; i < c->n_tags; i++)
		if (!strcmp(c->tags[i], o->tag))
			return true;
	return false;
}

static struct case_result *expand_all(const struct opts *o, const struct case_set *set,
				      size_t *n_out, size_t *n_cases)
{
	static struct case_point pts[MAX_POINTS_PER_CASE];
	struct case_result *res = NULL;
	size_t n = 0, cap = 0, i;

	*n_cases = 0;
	for (i = 0; i < set->n; i++) {
		unsigned k, np;

		if (!selected(o, &set->cases[i]))
			continue;
		(*n_cases)++;
		np = case_expand(&set->cases[i], pts, MAX_POINTS_PER_CASE);
		for (k = 0; k < np; k++) {
			if (n == cap) {
				struct case_result *nr;

				cap = cap ? 2 * cap : 256;
				nr = realloc(res, cap * sizeof(*res));
				if (!nr) {
					free(res);
					return NULL;
				}
				res = nr;
			}
			memset(&res[n], 0, sizeof(res[n]));
			res[n++].point = pts[k];
		}
	}
	*n_out = n;
	return res ? res : calloc(1, sizeof(*res));
}

/* Known deviations: "deviations: [{case: ID, reason: TEXT}]". */
static int apply_deviations(const char *path, struct case_result *res, size_t n)
{
	struct ytree t;
	char err[1024];
	const struct ynode *list = NULL;
	size_t i, j, k;

	if (ytree_load(&t, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (i = 0; t.root && t.root->kind == YN_MAP && i < t.root->n; i++)
		if (!strcmp(t.root->items[2 * i]->str, "deviations"))
			list = t.root->items[2 * i + 1];
	if (!list || list->kind != YN_SEQ) {
		fprintf(stderr, "%s:1:1: expected a 'deviations' list\n", path);
		ytree_free(&t);
		return -1;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *e = list->items[i];
		const char *id = NULL, *reason = NULL;

		for (j = 0; e->kind == YN_MAP && j < e->n; j++) {
			const struct ynode *kk = e->items[2 * j], *vv = e->items[2 * j + 1];

			if (vv->kind != YN_SCALAR)
				continue;
			if (!strcmp(kk->str, "case"))
				id = vv->str;
			else if (!strcmp(kk->str, "reason"))
				reason = vv->str;
		}
		if (!id || !reason || !reason[0]) {
			fprintf(stderr, "%s:%u:%u: a deviation needs 'case' and a non-empty 'reason'\n",
				path, e->line, e->col);
			ytree_free(&t);
			return -1;
		}
		for (k = 0; k < n; k++) {
			if (fnmatch(id, res[k].point.c->id, 0) != 0)
				continue;
			snprintf(res[k].xfail_reason, sizeof(res[k].xfail_reason), "%s", reason);
			if (res[k].o.verdict == V_FAIL || res[k].o.verdict == V_ERROR)
				res[k].o.verdict = V_XFAIL;
		}
	}
	ytree_free(&t);
	return 0;
}

struct progress {
	bool tty, color, verbose;
};

static const char *vcolor(enum verdict v)
{
	static const char *const c[] = { "\033[32m", "\033[31m", "\033[35m", "\033[33m", "\033[36m" };

	return c[v];
}

static void on_progress(void *ctx, size_t done, size_t total, const struct case_result *r)
{
	struct progress *p = ctx;
	enum verdict v = r->o.verdict;

	if (v != V_PASS || p->verbose) {
		if (p->tty)
			fputs("\r\033[K", stdout);
		printf("%s%-5s%s %s%s%s%s\n", p->color ? vcolor(v) : "", verdict_name(v),
		       p->color ? "\033[0m" : "", r->point.c->id, r->point.label[0] ? " [" : "",
		       r->point.label, r->point.label[0] ? "]" : "");
		if (v == V_FAIL || v == V_ERROR)
			printf("      %s:%u: %s\n", r->point.c->file, r->point.c->pos.line,
			       r->o.message);
	}
	if (p->tty) {
		printf("\r\033[K[%zu/%zu] %s", done, total, r->point.c->id);
		if (done == total)
			fputs("\r\033[K", stdout);
		fflush(stdout);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_coverage(const struct run_report *r)
{
	const struct clause_tally *t = r->tally;
	size_t i;

	printf("%-10s %-6s %5s %5s %5s %5s  %s\n", "section", "role", "cases", "pass", "fail",
	       "error", "label");
	for (i = 0; i < r->cat->n; i++) {
		const struct clause_info *ci = &r->cat->c[i];

		printf("%-10s %-6s %5u %5u %5u %5u  %s\n", ci->section, ci->role, t[i].cases,
		       t[i].points[V_PASS], t[i].points[V_FAIL], t[i].points[V_ERROR], ci->label);
	}
	printf("clauses: %zu of %zu have a passing case\n", r->covered, r->cat->n);
}

/* The part of a SKIP message that names the reason; per-point details
 * follow in " [...]". */
static size_t reason_len(const char *msg)
{
	const char *b = strstr(msg, " [");

	return b ? (size_t)(b - msg) : strlen(msg);
}

/* SKIP counts by reason, most frequent first. */
static void print_skip_reasons(const struct case_result *res, size_t n)
{
	size_t *first = calloc(n ? n : 1, sizeof(*first)), *count = calloc(n ? n : 1, sizeof(*count));
	size_t nr = 0, i, k;

	if (!first || !count) {
		free(first);
		free(count);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *m = res[i].o.message;
		size_t len = reason_len(m);

		if (res[i].o.verdict != V_SKIP)
			continue;
		for (k = 0; k < nr; k++) {
			const char *f = res[first[k]].o.message;

			if (reason_len(f) == len && !strncmp(f, m, len))
				break;
		}
		if (k == nr)
			first[nr++] = i;
		count[k]++;
	}
	if (nr)
		printf("\nSKIP reasons:\n");
	while (nr) {
		size_t best = 0;

		for (k = 1; k < nr; k++)
			if (count[k] > count[best])
				best = k;
		printf("%6zu  %.*s\n", count[best], (int)reason_len(res[first[best]].o.message),
		       res[first[best]].o.message);
		first[best] = first[nr - 1];
		count[best] = count[nr - 1];
		nr--;
	}
	free(first);
	free(count);
}

/* Observable results of one point that differ between the target (t) and
 * the model (m): the verdict, or for two failures the step and message. */
static bool differs(const struct case_outcome *t, const struct case_outcome *m)
{
	if (t->verdict != m->verdict)
		return true;
	if (t->verdict != V_FAIL && t->verdict != V_ERROR)
		return false;
	return t->failed_step != m->failed_step || strcmp(t->message, m->message);
}

static void json_outcome(FILE *f, const char *key, const struct case_outcome *o)
{
	fprintf(f, "\"%s\": {\"verdict\": \"%s\", \"failed_step\": %d, \"message\": ", key,
		verdict_name(o->verdict), o->failed_step >= 0 ? o->failed_step + 1 : 0);
	json_string(f, o->message);
	fputs("}", f);
}

/* --compare-with model: print the points whose results differ and write
 * them to DIR/compare.json. The number of differences, or -1 when the
 * report cannot be written. */
static long compare_report(const struct opts *o, const char *target, const struct case_result *t,
			   const struct case_result *m, size_t n)
{
	struct atomic_file af;
	char path[4200];
	size_t i, compared = 0, diff = 0, not_run = 0;

	snprintf(path, sizeof(path), "%s/compare.json", o->report_dir);
	if (atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "{\n  \"tool\": \"virtiocheck\",\n  \"kind\": \"compare\",\n  \"target\": ");
	json_string(af.f, target);
	fputs(",\n  \"compared_with\": \"model\",\n  \"differences\": [", af.f);
	printf("\ndifferences from the model (--compare-with model):\n");
	for (i = 0; i < n; i++) {
		if (t[i].o.verdict == V_SKIP) {
			not_run++;
			continue;
		}
		compared++;
		if (!differs(&t[i].o, &m[i].o))
			continue;
		printf("  %s%s%s%s\n    target: %s%s%s\n    model:  %s%s%s\n", t[i].point.c->id,
		       t[i].point.label[0] ? " [" : "", t[i].point.label, t[i].point.label[0] ? "]" : "",
		       verdict_name(t[i].o.verdict), t[i].o.message[0] ? ": " : "", t[i].o.message,
		       verdict_name(m[i].o.verdict), m[i].o.message[0] ? ": " : "", m[i].o.message);
		fprintf(af.f, "%s\n    {\"case\": ", diff ? "," : "");
		json_string(af.f, t[i].point.c->id);
		fputs(", \"point\": ", af.f);
		json_string(af.f, t[i].point.label);
		fputs(", ", af.f);
		json_outcome(af.f, "target", &t[i].o);
		fputs(", ", af.f);
		json_outcome(af.f, "model", &m[i].o);
		fputs("}", af.f);
		diff++;
	}
	fprintf(af.f, "%s],\n  \"compared\": %zu,\n  \"not_run_on_target\": %zu,\n"
		"  \"differing\": %zu\n}\n", diff ? "\n  " : "", compared, not_run, diff);
	printf("%zu of %zu points compared differ (%zu SKIP on the target, not compared)\n"
	       "comparison: %s\n", diff, compared, not_run, path);
	if (atomic_file_commit(&af) != 0)
		return -1;
	return (long)diff;
}

static int cmd_run(struct opts *o, bool coverage)
{
	struct catalogue cat;
	struct case_set set;
	struct case_result *res;
	struct run_report rep;
	struct progress pr;
	struct run_opts ro;
	struct exec_env env;
	struct vc_target target;
	size_t n, n_cases;
	const unsigned *v;
	char path[4200];
	double t0;
	size_t i;
	int rc = 0;

	if (load_all(o, &cat, &set) != 0)
		return 2;
	if (vc_target_open(&target, o->target, o->spawn, path, sizeof(path)) != 0) {
		fprintf(stderr, "virtiocheck: %s\n", path);
		case_set_free(&set);
		catalogue_free(&cat);
		return 2;
	}
	res = expand_all(o, &set, &n, &n_cases);
	if (!res) {
		vc_target_close(&target);
		case_set_free(&set);
		catalogue_free(&cat);
		return 2;
	}
	pr.tty = isatty(STDOUT_FILENO);
	pr.color = pr.tty && !getenv("NO_COLOR");
	pr.verbose = o->verbose;
	env = (struct exec_env){ .artifact_dir = o->report_dir, .target = &target };
	ro = (struct run_opts){ .jobs = o->jobs, .timeout_s = o->timeout, .env = &env,
				.progress = on_progress, .progress_ctx = &pr };
	t0 = now_ms();
	run_points(res, n, &ro);
	if (o->deviations && apply_deviations(o->deviations, res, n) != 0) {
		vc_target_close(&target);
		free(res);
		case_set_free(&set);
		catalogue_free(&cat);
		return 2;
	}
	rep = (struct run_report){ .target = vc_target_name(&target), .cat = &cat, .res = res, .n = n,
				   .wall_ms = now_ms() - t0, .started = (long long)time(NULL),
				   .jobs = o->jobs };
	if (report_summarize(&rep) != 0) {
		vc_target_close(&target);
		free(res);
		case_set_free(&set);
		catalogue_free(&cat);
		return 2;
	}
	v = rep.verdicts;
	if (coverage)
		print_coverage(&rep);
	printf("\n%-8s %6s\n", "verdict", "points");
	for (i = 0; i < V_COUNT; i++)
		printf("%-8s %6u\n", verdict_name((enum verdict)i), v[i]);
	print_skip_reasons(res, n);
	printf("target: %s\n", vc_target_name(&target));
	printf("%zu cases, %zu case points in %.0f ms (%u jobs); %zu of %zu clauses have a passing case\n",
	       n_cases, n, rep.wall_ms, o->jobs, rep.covered, cat.n);
	snprintf(path, sizeof(path), "%s/virtiocheck.json", o->report_dir);
	rc |= report_json(&rep, path);
	snprintf(path, sizeof(path), "%s/junit.xml", o->report_dir);
	rc |= report_junit(&rep, path);
	snprintf(path, sizeof(path), "%s/virtiocheck.html", o->report_dir);
	rc |= report_html(&rep, path);
	if (!rc) {
		printf("reports: %s/virtiocheck.json, %s/junit.xml\nHTML report: %s\n",
		       o->report_dir, o->report_dir, path);
		printf("%u passed, %u failed\n", v[V_PASS], v[V_FAIL] + v[V_ERROR]);
	}
	if (!rc && o->compare_with) {
		struct case_result *mres = malloc(n ? n * sizeof(*mres) : 1);
		struct case_result *todo = malloc(n ? n * sizeof(*todo) : 1);
		struct exec_env menv = { .artifact_dir = NULL, .target = NULL };
		size_t k, nt = 0;
		long d = -1;

		if (mres && todo) {
			/* the model runs only what ran on the target */
			memcpy(mres, res, n * sizeof(*mres));
			for (k = 0; k < n; k++)
				if (res[k].o.verdict != V_SKIP)
					todo[nt++] = res[k];
			ro.env = &menv;
			ro.progress = NULL;
			run_points(todo, nt, &ro);
			for (k = 0, nt = 0; k < n; k++)
				if (res[k].o.verdict != V_SKIP)
					mres[k] = todo[nt++];
			d = compare_report(o, vc_target_name(&target), res, mres, n);
		}
		free(todo);
		free(mres);
		if (d < 0)
			rc = -1;
	}
	report_release(&rep);
	vc_target_close(&target);
	free(res);
	case_set_free(&set);
	catalogue_free(&cat);
	if (rc) {
		fprintf(stderr, "virtiocheck: cannot write reports in %s\n", o->report_dir);
		return 2;
	}
	return v[V_FAIL] || v[V_ERROR] ? 1 : 0;
}

static int cmd_list(struct opts *o, bool validate_only)
{
	static struct case_point pts[MAX_POINTS_PER_CASE];
	struct catalogue cat;
	struct case_set set;
	size_t i, total = 0, shown = 0;

	if (load_all(o, &cat, &set) != 0)
		return 2;
	for (i = 0; i < set.n; i++) {
		unsigned k, np = case_expand(&set.cases[i], pts, MAX_POINTS_PER_CASE);

		total += np;
		if (validate_only || !selected(o, &set.cases[i]))
			continue;
		shown++;
		for (k = 0; k < np; k++)
			printf("%s%s%s%s\n", set.cases[i].id, pts[k].label[0] ? " [" : "",
			       pts[k].label, pts[k].label[0] ? "]" : "");
	}
	if (validate_only)
		printf("%zu case files, %zu cases, %zu case points: valid\n", set.n_files, set.n,
		       total);
	case_set_free(&set);
	catalogue_free(&cat);
	return 0;
}

static int write_selfcheck_report(const char *dir, const struct selfcheck_result *r,
				  unsigned n, unsigned failed, char *path, size_t path_len)
{
	struct atomic_file af;
	unsigned i;

	snprintf(path, path_len, "%s/selfcheck.json", dir);
	if (atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "{\n  \"tool\": \"virtiocheck\",\n  \"version\": \"%s\",\n", VC_VERSION);
	fprintf(af.f, "  \"kind\": \"selfcheck\",\n  \"target\": \"model\",\n");
	fprintf(af.f, "  \"spec\": \"VIRTIO 1.2\",\n  \"time\": %lld,\n", (long long)time(NULL));
	fprintf(af.f, "  \"passed\": %u,\n  \"failed\": %u,\n  \"results\": [\n", n - failed,
		failed);
	for (i = 0; i < n; i++) {
		fputs("    {\"name\": ", af.f);
		json_string(af.f, r[i].name);
		fputs(", \"clause\": ", af.f);
		json_string(af.f, r[i].clause);
		fprintf(af.f, ", \"verdict\": \"%s\", \"detail\": ", r[i].passed ? "pass" : "fail");
		json_string(af.f, r[i].detail);
		fprintf(af.f, "}%s\n", i + 1 < n ? "," : "");
	}
	fputs("  ]\n}\n", af.f);
	return atomic_file_commit(&af);
}

static int cmd_selfcheck(const struct opts *o)
{
	static struct selfcheck_result res[SELFCHECK_MAX];
	char path[4200];
	unsigned n, i, failed = 0;

	n = selfcheck_run(res, SELFCHECK_MAX);
	for (i = 0; i < n; i++) {
		printf("%s  %s\n      [%s]%s%s\n", res[i].passed ? "ok  " : "FAIL", res[i].name,
		       res[i].clause, res[i].detail[0] ? " " : "", res[i].detail);
		failed += !res[i].passed;
	}
	if (write_selfcheck_report(o->report_dir, res, n, failed, path, sizeof(path)) != 0) {
		fprintf(stderr, "virtiocheck: cannot write report %s\n", path);
		return 2;
	}
	printf("selfcheck: %u passed, %u failed\nreport: %s\n", n - failed, failed, path);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;
	int rc;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("virtiocheck %s (VIRTIO 1.2)\n", VC_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "export-corpus"))
		return export_corpus_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "crash2case"))
		return crash2case_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "replay"))
		return replay_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argc - 2, argv + 2);
	if (parse_opts(argc - 2, argv + 2, &o) != 0) {
		free(o.paths);
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(cmd, "run"))
		rc = cmd_run(&o, false);
	else if (!strcmp(cmd, "clauses"))
		rc = cmd_run(&o, true);
	else if (!strcmp(cmd, "list"))
		rc = cmd_list(&o, false);
	else if (!strcmp(cmd, "validate"))
		rc = cmd_list(&o, true);
	else if (!strcmp(cmd, "selfcheck"))
		rc = cmd_selfcheck(&o);
	else {
		fprintf(stderr, "virtiocheck: unknown command '%s'\n", cmd);
		fputs(usage_text, stderr);
		rc = 2;
	}
	free(o.paths);
	return rc;
}
