// SPDX-License-Identifier: Apache-2.0
/*
 * `virtiocheck replay --target T [--spawn CMD] [--format F] [--report-dir D]
 * [--timeout-ms N] [--jobs N] CORPUS_DIR|FILE...`: every corpus input in
 * its own forked child with a time limit (replay_input.c does the work),
 * one line per input, a summary, and JSON and JUnit reports written
 * atomically. Exit status 0 without an oracle violation, crash or hang, 1
 * with one, 2 for usage or input-file errors.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "forkpool.h"
#include "replay.h"
#include "target.h"

#define MAX_JOBS 16
#define INPUT_MAX (1u << 20)   /* bytes of one corpus input */
#define FILES_MAX 100000u

static const char *const class_names[RC_COUNT] = {
	"ok", "refused", "dropped-connection", "crashed", "hung", "oracle-violation",
};

static const char *const format_names[REPLAY_FORMAT_COUNT] = {
	"fuzz_split_device",
	"fuzz_blk_request",
};

const char *replay_class_name(enum replay_class c)
{
	return (unsigned)c < RC_COUNT ? class_names[c] : "?";
}

const char *replay_format_name(enum replay_format f)
{
	return (unsigned)f < REPLAY_FORMAT_COUNT ? format_names[f] : "?";
}

int replay_format_of(const char *name)
{
	unsigned i;

	for (i = 0; i < REPLAY_FORMAT_COUNT; i++)
		if (!strcmp(name, format_names[i]))
			return (int)i;
	return -1;
}

struct input {
	char path[4096];
	uint8_t *data;
	size_t n;
	struct replay_result r;
};

struct inputs {
	struct input *v;
	size_t n, cap;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ inputs */

static int add_file(struct inputs *in, const char *path)
{
	struct input *it;
	FILE *f;
	long len;

	if (in->n >= FILES_MAX) {
		fprintf(stderr, "virtiocheck replay: more than %u inputs\n", FILES_MAX);
		return -1;
	}
	if (in->n == in->cap) {
		size_t cap = in->cap ? 2 * in->cap : 64;
		struct input *v = realloc(in->v, cap * sizeof(*v));

		if (!v)
			return -1;
		in->v = v;
		in->cap = cap;
	}
	it = &in->v[in->n];
	memset(it, 0, sizeof(*it));
	if (strlen(path) >= sizeof(it->path)) {
		fprintf(stderr, "virtiocheck replay: %s: path too long\n", path);
		return -1;
	}
	snprintf(it->path, sizeof(it->path), "%s", path);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "virtiocheck replay: %s: cannot read: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if ((unsigned long)len > INPUT_MAX) {
		fprintf(stderr, "virtiocheck replay: %s: %ld bytes, a corpus input has at most %u\n",
			path, len, INPUT_MAX);
		fclose(f);
		return -1;
	}
	it->data = malloc(len ? (size_t)len : 1);
	if (!it->data || fread(it->data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "virtiocheck replay: %s: cannot read\n", path);
		free(it->data);
		fclose(f);
		return -1;
	}
	fclose(f);
	it->n = (size_t)len;
	in->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir (not hidden), in name order. */
static int add_dir(struct inputs *in, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "virtiocheck replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!v) {
				rc = -1;
				break;
			}
			names = v;
		}
		if (!(names[n] = strdup(path))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!rc && add_file(in, names[i]))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* The format a path's name says: the directory itself, or a file's
 * directory. -1 if neither names one. */
static int format_of_path(const char *path, bool is_dir)
{
	char buf[4096], *slash;
	size_t len;

	snprintf(buf, sizeof(buf), "%s", path);
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	if (!is_dir) {
		slash = strrchr(buf, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	slash = strrchr(buf, '/');
	return replay_format_of(slash ? slash + 1 : buf);
}

/* ------------------------------------------------------------ children */

struct run_ctx {
	struct inputs *in;
	const struct replay_env *env;
	double timeout;
};

static void print_line(const struct input *it)
{
	const struct replay_result *r = &it->r;

	printf("%s: %s%s%s%s %s\n", it->path, replay_class_name(r->cls), r->clause[0] ? " [" : "",
	       r->clause, r->clause[0] ? "]" : "", r->msg);
	fflush(stdout);
}

static void replay_child(void *ctx, size_t idx, void *out)
{
	struct run_ctx *rc = ctx;
	struct replay_result *r = out;
	double t0 = now_s();

	replay_input(rc->env, rc->in->v[idx].data, rc->in->v[idx].n, r);
	r->ms = (now_s() - t0) * 1e3;
}

/* The child ended: its result, or hung / crashed by how it ended. */
static void replay_done(void *ctx, size_t idx, const void *out, const struct forkpool_end *end)
{
	struct run_ctx *rc = ctx;
	struct replay_result *r = &rc->in->v[idx].r;

	if (end->complete) {
		memcpy(r, out, sizeof(*r));
	} else {
		memset(r, 0, sizeof(*r));
		r->cls = end->killed ? RC_HUNG : RC_CRASHED;
		if (end->fork_failed)
			snprintf(r->msg, sizeof(r->msg), "%s", end->err);
		else if (end->killed)
			snprintf(r->msg, sizeof(r->msg), "the input did not finish within %.1f s (killed)",
				 rc->timeout);
		else if (end->signal)
			snprintf(r->msg, sizeof(r->msg), "the device crashed the replay: signal %d (%s)",
				 end->signal, strsignal(end->signal));
		else
			snprintf(r->msg, sizeof(r->msg), "the replay ended abnormally (exit status %d)",
				 end->exit_status);
		r->ms = end->ms;
	}
	print_line(&rc->in->v[idx]);
}

static int run_all(struct inputs *in, const struct replay_env *env, unsigned jobs, double timeout)
{
	static const struct forkpool_ops ops = { .child = replay_child, .done = replay_done };
	struct run_ctx rc = { .in = in, .env = env, .timeout = timeout };

	return forkpool_run(in->n, jobs, timeout, sizeof(struct replay_result), &ops, &rc);
}

/* ------------------------------------------------------------ reports */

static bool is_failure(enum replay_class c)
{
	return c == RC_VIOLATION || c == RC_CRASHED || c == RC_HUNG;
}

struct run_info {
	const char *target, *format;
	unsigned counts[RC_COUNT];
	double wall_ms;
};

static int write_json(const struct inputs *in, const struct run_info *ri, const char *path)
{
	struct atomic_file af;
	size_t i;
	unsigned c;

	if (atomic_file_open(&af, path) != 0)
		return -1;
	fputs("{\n  \"tool\": \"virtiocheck replay\",\n  \"target\": ", af.f);
	json_string(af.f, ri->target);
	fputs(",\n  \"format\": ", af.f);
	json_string(af.f, ri->format);
	fprintf(af.f, ",\n  \"wall_ms\": %.1f,\n  \"counts\": {", ri->wall_ms);
	for (c = 0; c < RC_COUNT; c++)
		fprintf(af.f, "%s\"%s\": %u", c ? ", " : "", class_names[c], ri->counts[c]);
	fputs("},\n  \"inputs\": [\n", af.f);
	for (i = 0; i < in->n; i++) {
		const struct replay_result *r = &in->v[i].r;

		fputs("    {\"file\": ", af.f);
		json_string(af.f, in->v[i].path);
		fprintf(af.f, ", \"bytes\": %zu, \"class\": \"%s\", \"clause\": ", in->v[i].n,
			class_names[r->cls]);
		json_string(af.f, r->clause);
		fputs(", \"message\": ", af.f);
		json_string(af.f, r->msg);
		fprintf(af.f, ", \"chains\": %u, \"used\": %u, \"ms\": %.1f}%s\n", r->chains, r->used,
			r->ms, i + 1 < in->n ? "," : "");
	}
	fputs("  ]\n}\n", af.f);
	return atomic_file_commit(&af);
}

static int write_junit(const struct inputs *in, const struct run_info *ri, const char *path)
{
	struct atomic_file af;
	unsigned fails = ri->counts[RC_VIOLATION] + ri->counts[RC_CRASHED] + ri->counts[RC_HUNG];
	size_t i;

	if (atomic_file_open(&af, path) != 0)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"replay ",
	      af.f);
	xml_text(af.f, ri->format);
	fputs(" on ", af.f);
	xml_text(af.f, ri->target);
	fprintf(af.f, "\" tests=\"%zu\" failures=\"%u\" time=\"%.3f\">\n", in->n, fails,
		ri->wall_ms / 1e3);
	for (i = 0; i < in->n; i++) {
		const struct replay_result *r = &in->v[i].r;

		fputs("  <testcase classname=\"replay.", af.f);
		xml_text(af.f, ri->format);
		fputs("\" name=\"", af.f);
		xml_text(af.f, in->v[i].path);
		fprintf(af.f, "\" time=\"%.3f\">", r->ms / 1e3);
		if (is_failure(r->cls)) {
			fprintf(af.f, "<failure type=\"%s\" message=\"", class_names[r->cls]);
			xml_text(af.f, r->clause[0] ? r->clause : class_names[r->cls]);
			fputs("\">", af.f);
			xml_text(af.f, r->msg);
			fputs("</failure>", af.f);
		} else {
			fprintf(af.f, "<system-out>%s: ", class_names[r->cls]);
			xml_text(af.f, r->msg);
			fputs("</system-out>", af.f);
		}
		fputs("</testcase>\n", af.f);
	}
	fputs("</testsuite>\n</testsuites>\n", af.f);
	return atomic_file_commit(&af);
}

/* ------------------------------------------------------------ command */

static const char usage[] =
	"usage: virtiocheck replay --target model|plugin:PATH.so[,k=v]|vhost-user[:SOCK][,k=v]\n"
	"         [--spawn CMD] [--format fuzz_split_device|fuzz_blk_request] [--report-dir DIR]\n"
	"         [--timeout-ms N] [--jobs N] CORPUS_DIR|FILE...\n"
	"  The corpus directory's name (or --format) names the input format.\n"
	"  Exit status: 0 no oracle violation, crash or hang; 1 some; 2 usage or input errors.\n";

static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int replay_main(int argc, char **argv)
{
	const char *spec = NULL, *spawn = NULL, *report_dir = NULL, *fmt_name = NULL;
	unsigned long timeout_ms = 10000, jobs = 1;
	struct inputs in = { 0 };
	struct vc_target tgt;
	struct replay_env env;
	struct run_info ri;
	char err[512], path[4096];
	int a, fmt = -1, rc = 0;
	double t0;
	size_t i;

	for (a = 0; a < argc; a++) {
		const char *o = argv[a];

		if (o[0] != '-') {
			continue;
		} else if (a + 1 >= argc) {
			fprintf(stderr, "virtiocheck replay: %s needs a value\n%s", o, usage);
			return 2;
		} else if (!strcmp(o, "--target")) {
			spec = argv[++a];
		} else if (!strcmp(o, "--spawn")) {
			spawn = argv[++a];
		} else if (!strcmp(o, "--report-dir")) {
			report_dir = argv[++a];
		} else if (!strcmp(o, "--format")) {
			fmt_name = argv[++a];
		} else if (!strcmp(o, "--timeout-ms")) {
			if (parse_uint(argv[++a], 1, 3600000, &timeout_ms)) {
				fprintf(stderr, "virtiocheck replay: --timeout-ms %s: 1..3600000\n", argv[a]);
				return 2;
			}
		} else if (!strcmp(o, "--jobs")) {
			if (parse_uint(argv[++a], 1, MAX_JOBS, &jobs)) {
				fprintf(stderr, "virtiocheck replay: --jobs %s: 1..%d\n", argv[a], MAX_JOBS);
				return 2;
			}
		} else {
			fprintf(stderr, "virtiocheck replay: unknown option %s\n%s", o, usage);
			return 2;
		}
	}
	if (!spec) {
		fprintf(stderr, "virtiocheck replay: --target is required\n%s", usage);
		return 2;
	}
	if (fmt_name && (fmt = replay_format_of(fmt_name)) < 0) {
		fprintf(stderr, "virtiocheck replay: --format %s: replay knows %s and %s\n", fmt_name,
			format_names[REPLAY_SPLIT], format_names[REPLAY_BLK]);
		return 2;
	}
	/* the inputs (and each path's format) */
	for (a = 0; a < argc; a++) {
		struct stat sb;
		int f;

		if (argv[a][0] == '-') {
			a++;
			continue;
		}
		if (stat(argv[a], &sb) != 0) {
			fprintf(stderr, "virtiocheck replay: %s: %s\n", argv[a], strerror(errno));
			rc = 2;
			break;
		}
		f = fmt_name ? fmt : format_of_path(argv[a], S_ISDIR(sb.st_mode));
		if (f < 0) {
			fprintf(stderr, "virtiocheck replay: %s: no input format in its name (a corpus "
				"directory named fuzz_split_device or fuzz_blk_request, or --format)\n", argv[a]);
			rc = 2;
			break;
		}
		if (fmt >= 0 && f != fmt) {
			fprintf(stderr, "virtiocheck replay: %s: format %s, but an earlier path is %s\n",
				argv[a], format_names[f], format_names[fmt]);
			rc = 2;
			break;
		}
		fmt = f;
		if (S_ISDIR(sb.st_mode) ? add_dir(&in, argv[a]) : add_file(&in, argv[a])) {
			rc = 2;
			break;
		}
	}
	if (!rc && !in.n) {
		fprintf(stderr, "virtiocheck replay: no corpus inputs given\n%s", usage);
		rc = 2;
	}
	if (rc)
		goto out;
	if (vc_target_open(&tgt, spec, spawn, err, sizeof(err)) != 0) {
		fprintf(stderr, "virtiocheck replay: --target %s: %s\n", spec, err);
		rc = 2;
		goto out;
	}
	if (fmt == REPLAY_BLK && tgt.ops && tgt.ops->device_id != 2) {
		fprintf(stderr, "virtiocheck replay: --target %s: fuzz_blk_request inputs need a blk "
			"device (ID 2); this target's device ID is %u\n", spec, tgt.ops->device_id);
		vc_target_close(&tgt);
		rc = 2;
		goto out;
	}
	env.fmt = (enum replay_format)fmt;
	env.ops = tgt.ops;
	env.args = tgt.args[0] ? tgt.args : NULL;

	t0 = now_s();
	if (run_all(&in, &env, (unsigned)jobs, (double)timeout_ms / 1e3) != 0) {
		fprintf(stderr, "virtiocheck replay: out of memory\n");
		rc = 2;
		goto out;
	}
	memset(&ri, 0, sizeof(ri));
	ri.target = vc_target_name(&tgt);
	ri.format = format_names[fmt];
	ri.wall_ms = (now_s() - t0) * 1e3;
	for (i = 0; i < in.n; i++)
		ri.counts[in.v[i].r.cls]++;
	printf("replayed %zu %s input(s) against %s in %.1f s:", in.n, ri.format, ri.target,
	       ri.wall_ms / 1e3);
	for (a = 0; a < RC_COUNT; a++)
		printf(" %s %u%s", class_names[a], ri.counts[a], a + 1 < RC_COUNT ? "," : "\n");
	rc = ri.counts[RC_VIOLATION] || ri.counts[RC_CRASHED] || ri.counts[RC_HUNG] ? 1 : 0;
	if (report_dir) {
		snprintf(path, sizeof(path), "%s/replay.json", report_dir);
		if (write_json(&in, &ri, path) != 0) {
			fprintf(stderr, "virtiocheck replay: cannot write %s\n", path);
			rc = 2;
		}
		snprintf(path, sizeof(path), "%s/replay.junit.xml", report_dir);
		if (write_junit(&in, &ri, path) != 0) {
			fprintf(stderr, "virtiocheck replay: cannot write %s\n", path);
			rc = 2;
		}
	}
	vc_target_close(&tgt);
out:
	for (i = 0; i < in.n; i++)
		free(in.v[i].data);
	free(in.v);
	return rc;
}
