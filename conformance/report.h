/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports of a run: JUnit XML, JSON (schema in docs/report-json.md) and one
 * self-contained HTML page. Each file is written atomically.
 */
#ifndef VIRTIOCHECK_REPORT_H
#define VIRTIOCHECK_REPORT_H

#include <stddef.h>

#include "catalogue.h"
#include "result.h"

struct run_report {
	const char *target;
	const struct catalogue *cat;
	const struct case_result *res;
	size_t n;
	double wall_ms;
	long long started;  /* unix time */
	unsigned jobs;
};

/* Per-clause verdict counts over all case points citing the clause. */
struct clause_tally {
	unsigned points[V_COUNT];
	unsigned cases;      /* distinct cases citing it */
};

/* tally[i] for cat->c[i]; returns the number of labels with >= 1 PASS. */
size_t report_tally(const struct run_report *r, struct clause_tally *tally);

int report_json(const struct run_report *r, const char *path);
int report_junit(const struct run_report *r, const char *path);
int report_html(const struct run_report *r, const char *path);

#endif
