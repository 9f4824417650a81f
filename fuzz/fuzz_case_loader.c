// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the YAML spec-case loader (a trust boundary: case files come
 * from users and third parties).
 *
 * Oracles: the loader either accepts the input or refuses it with exactly one
 * line "fuzz.yaml:LINE:COL: message" (1-based position, non-empty message);
 * an accepted file expands into bounded matrices whose clauses are all
 * catalogue labels and whose ids are unique.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "case_load.h"
#include "catalogue.h"
#include "oracle.h"

#define HARNESS "harness:spec-case loader"

static struct catalogue cat;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("VC_CATALOGUE");
	char err[512];

	if (!path)
		path = VC_SOURCE_DIR "/spec-cases/clauses.yaml";
	if (catalogue_load(&cat, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_case_loader: %s (set VC_CATALOGUE)\n", err);
		exit(1);
	}
	return 0;
}

static void check_error(const char *err)
{
	const char *p = err;
	unsigned long line, col;
	char *end;

	ORACLE(strncmp(p, "fuzz.yaml:", 10) == 0, HARNESS, "error without the file name: '%s'", err);
	p += 10;
	line = strtoul(p, &end, 10);
	ORACLE(end != p && *end == ':' && line >= 1, HARNESS, "bad line in '%s'", err);
	p = end + 1;
	col = strtoul(p, &end, 10);
	ORACLE(end != p && *end == ':' && col >= 1, HARNESS, "bad column in '%s'", err);
	ORACLE(end[1] == ' ' && end[2] != '\0', HARNESS, "no message in '%s'", err);
	ORACLE(!strchr(err, '\n'), HARNESS, "multi-line error '%s'", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct case_point pts[512];
	struct case_set set = { 0 };
	char err[1024] = "";
	size_t i, j;

	if (case_load_buffer(&set, "fuzz.yaml", data, size, &cat, err, sizeof(err)) != 0) {
		check_error(err);
		case_set_free(&set);
		return 0;
	}
	ORACLE(err[0] == '\0', HARNESS, "accepted, yet an error was written: %s", err);
	for (i = 0; i < set.n; i++) {
		const struct vc_case *c = &set.cases[i];
		unsigned n = case_expand(c, pts, 512);

		/* 4 features x on/off x 8 sizes at most */
		ORACLE(n <= 16 * 8, HARNESS, "case %s expands to %u points", c->id, n);
		ORACLE(c->n_clauses >= 1 && c->n_steps >= 1, HARNESS, "case %s is empty", c->id);
		for (j = 0; j < c->n_clauses; j++)
			ORACLE(catalogue_find(&cat, c->clauses[j]) != NULL, HARNESS,
			       "case %s cites an uncatalogued label", c->id);
		for (j = 0; j < i; j++)
			ORACLE(strcmp(set.cases[j].id, c->id) != 0, HARNESS, "duplicate id %s", c->id);
	}
	case_set_free(&set);
	return 0;
}
