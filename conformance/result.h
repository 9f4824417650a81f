/* SPDX-License-Identifier: Apache-2.0 */
/* The outcome of one case point. */
#ifndef VIRTIOCHECK_RESULT_H
#define VIRTIOCHECK_RESULT_H

#include "case.h"

enum verdict { V_PASS, V_FAIL, V_ERROR, V_SKIP, V_XFAIL, V_COUNT };

#define RESULT_MSG   512
#define RESULT_TRACE 6144

/* Plain data (no pointers), so a forked child can send it whole. */
struct case_outcome {
	enum verdict verdict;
	int failed_step;               /* -1 if none */
	int clause_index;              /* index into the case's clauses, -1 none */
	char violated[256];            /* clause the expectation named, if any */
	char message[RESULT_MSG];      /* expected vs observed, or the error */
	char trace[RESULT_TRACE];      /* one line per step */
	char artifact[160];            /* a file under the report directory, "" none */
	double ms;
};

struct case_result {
	struct case_point point;
	struct case_outcome o;
	char xfail_reason[160];
};

const char *verdict_name(enum verdict v);

#endif
