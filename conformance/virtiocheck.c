// SPDX-License-Identifier: Apache-2.0
/*
 * virtiocheck: command-line entry point.
 *
 *   virtiocheck selfcheck [--report-dir DIR]   model self-check, JSON report
 *   virtiocheck version
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "selfcheck.h"

#define VC_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f, "usage: virtiocheck selfcheck [--report-dir DIR]\n"
		   "       virtiocheck version\n");
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

static int cmd_selfcheck(int argc, char **argv)
{
	static struct selfcheck_result res[SELFCHECK_MAX];
	const char *dir = "reports/out";
	char path[4200];
	unsigned n, i, failed = 0;
	int a;

	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--report-dir") == 0 && a + 1 < argc) {
			dir = argv[++a];
		} else {
			fprintf(stderr, "virtiocheck selfcheck: unknown argument '%s'\n", argv[a]);
			usage(stderr);
			return 2;
		}
	}
	n = selfcheck_run(res, SELFCHECK_MAX);
	for (i = 0; i < n; i++) {
		printf("%s  %s\n      [%s]%s%s\n", res[i].passed ? "ok  " : "FAIL", res[i].name,
		       res[i].clause, res[i].detail[0] ? " " : "", res[i].detail);
		failed += !res[i].passed;
	}
	if (write_selfcheck_report(dir, res, n, failed, path, sizeof(path)) != 0) {
		fprintf(stderr, "virtiocheck: cannot write report %s: %m\n", path);
		return 2;
	}
	printf("selfcheck: %u passed, %u failed\n", n - failed, failed);
	printf("report: %s\n", path);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "selfcheck") == 0)
		return cmd_selfcheck(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("virtiocheck %s\n", VC_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "virtiocheck: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
