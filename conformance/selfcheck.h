/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIRTIOCHECK_SELFCHECK_H
#define VIRTIOCHECK_SELFCHECK_H

#include <stdbool.h>

struct selfcheck_result {
	char name[160];
	const char *clause;
	bool passed;
	char detail[256];
};

#define SELFCHECK_MAX 64

/* Run every self-check scenario; returns how many results were written. */
unsigned selfcheck_run(struct selfcheck_result *out, unsigned max);

#endif
