// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "ytree.h"

static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	size_t i;

	if (!m || m->kind != YN_MAP)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (m->items[2 * i]->kind == YN_SCALAR && strcmp(m->items[2 * i]->str, key) == 0)
			return m->items[2 * i + 1];
	return NULL;
}

static char *dup_scalar(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR ? strdup(n->str) : NULL;
}

int catalogue_load(struct catalogue *cat, const char *path, char *err, size_t errlen)
{
	struct ytree t;
	const struct ynode *list;
	size_t i;

	memset(cat, 0, sizeof(*cat));
	if (ytree_load(&t, path, err, errlen) != 0)
		return -1;
	list = map_get(t.root, "clauses");
	if (!list || list->kind != YN_SEQ) {
		snprintf(err, errlen, "%s:1:1: no 'clauses' list", path);
		ytree_free(&t);
		return -1;
	}
	cat->c = calloc(list->n ? list->n : 1, sizeof(*cat->c));
	for (i = 0; cat->c && i < list->n; i++) {
		const struct ynode *e = list->items[i], *musts = map_get(e, "musts");
		struct clause_info *ci = &cat->c[cat->n];

		ci->label = dup_scalar(map_get(e, "label"));
		ci->section = dup_scalar(map_get(e, "section"));
		ci->role = dup_scalar(map_get(e, "role"));
		ci->area = dup_scalar(map_get(e, "area"));
		ci->description = dup_scalar(map_get(e, "description"));
		ci->musts = musts && musts->kind == YN_SCALAR ? (unsigned)strtoul(musts->str, NULL, 10) : 0;
		cat->n++;
		if (!ci->label || !ci->section || !ci->role || !ci->area || !ci->description) {
			snprintf(err, errlen, "%s:%u:%u: clause entry needs label, section, role, area, "
				 "musts and description", path, e->line, e->col);
			ytree_free(&t);
			catalogue_free(cat);
			return -1;
		}
	}
	ytree_free(&t);
	return cat->c ? 0 : -1;
}

void catalogue_free(struct catalogue *cat)
{
	size_t i;

	for (i = 0; i < cat->n; i++) {
		free(cat->c[i].label);
		free(cat->c[i].section);
		free(cat->c[i].role);
		free(cat->c[i].area);
		free(cat->c[i].description);
	}
	free(cat->c);
	memset(cat, 0, sizeof(*cat));
}

const struct clause_info *catalogue_find(const struct catalogue *cat, const char *label)
{
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->c[i].label, label) == 0)
			return &cat->c[i];
	return NULL;
}
