/* SPDX-License-Identifier: Apache-2.0 */
/* The project's clause catalogue (spec-cases/clauses.yaml). */
#ifndef VIRTIOCHECK_CATALOGUE_H
#define VIRTIOCHECK_CATALOGUE_H

#include <stddef.h>

struct clause_info {
	char *label;
	char *section;
	char *role;
	char *area;
	unsigned musts;
	char *description;
};

struct catalogue {
	size_t n;
	struct clause_info *c;
};

/* 0, or -1 with "file:line:col: message" in err. */
int catalogue_load(struct catalogue *cat, const char *path, char *err, size_t errlen);
void catalogue_free(struct catalogue *cat);
/* The entry for label, or NULL. */
const struct clause_info *catalogue_find(const struct catalogue *cat, const char *label);

#endif
