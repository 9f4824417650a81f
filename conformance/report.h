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

/* Per-clause verdict counts over all case points citing the clause. */
struct clause_tally {
	unsigned points[V_COUNT];
	unsigned cases;      /* distinct cases citing it */
};

struct run_report {
	const char *target;
	const struct catalogue *cat;
	const struct case_result *res;
	size_t n;
	double wall_ms;
	long long started;  /* unix time */
	unsigned jobs;
	/* filled by report_summarize() */
	unsigned verdicts[V_COUNT];   /* points per verdict */
	struct clause_tally *tally;   /* one per catalogue entry */
	size_t covered;               /* labels with >= 1 PASS */
};

/* Count verdicts and tally them per clause, once for all writers. 0 or -1. */
int report_summarize(struct run_report *r);
void report_release(struct run_report *r);

int report_json(const struct run_report *r, const char *path);
int report_junit(const struct run_report *r, const char *path);
int report_html(const struct run_report *r, const char *path);

#endif
