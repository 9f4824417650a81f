// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ytree.h"

struct conv {
	yaml_document_t *doc;
	size_t nodes;
	const char *name;
	char *err;
	size_t errlen;
	int failed;
};

__attribute__((format(printf, 5, 6)))
static void fail_at(struct conv *c, const char *name, unsigned line, unsigned col,
		    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->failed)
		return;
	c->failed = 1;
	n = snprintf(c->err, c->errlen, "%s:%u:%u: ", name, line, col);
	if (n < 0 || (size_t)n >= c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void free_node(struct ynode *n)
{
	size_t i, k;

	if (!n)
		return;
	k = n->kind == YN_MAP ? 2 * n->n : n->kind == YN_SEQ ? n->n : 0;
	for (i = 0; i < k; i++)
		free_node(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static struct ynode *convert(struct conv *c, yaml_node_t *yn, unsigned depth)
{
	struct ynode *n;
	unsigned line = (unsigned)yn->start_mark.line + 1, col = (unsigned)yn->start_mark.column + 1;

	if (c->failed)
		return NULL;
	if (depth > YTREE_MAX_DEPTH) {
		fail_at(c, c->name, line, col, "nesting deeper than %u levels", YTREE_MAX_DEPTH);
		return NULL;
	}
	if (++c->nodes > YTREE_MAX_NODES) {
		fail_at(c, c->name, line, col,
			"document expands to more than %u nodes (alias bomb?)", YTREE_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		fail_at(c, c->name, line, col, "out of memory");
		return NULL;
	}
	n->line = line;
	n->col = col;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->kind = YN_SCALAR;
		n->str = malloc(yn->data.scalar.length + 1);
		if (!n->str)
			break;
		memcpy(n->str, yn->data.scalar.value, yn->data.scalar.length);
		n->str[yn->data.scalar.length] = '\0';
		if (strlen(n->str) != yn->data.scalar.length)
			fail_at(c, c->name, line, col, "NUL byte inside a scalar");
		n->quoted = yn->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			    yn->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it = yn->data.sequence.items.start;
		size_t cnt = (size_t)(yn->data.sequence.items.top - it), i;

		n->kind = YN_SEQ;
		n->items = calloc(cnt ? cnt : 1, sizeof(*n->items));
		if (!n->items)
			break;
		for (i = 0; i < cnt && !c->failed; i++) {
			n->items[i] = convert(c, yaml_document_get_node(c->doc, it[i]), depth + 1);
			n->n = i + 1;
		}
		return n;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *pr = yn->data.mapping.pairs.start;
		size_t cnt = (size_t)(yn->data.mapping.pairs.top - pr), i;

		n->kind = YN_MAP;
		n->items = calloc(cnt ? 2 * cnt : 1, sizeof(*n->items));
		if (!n->items)
			break;
		for (i = 0; i < cnt && !c->failed; i++) {
			n->items[2 * i] = convert(c, yaml_document_get_node(c->doc, pr[i].key), depth + 1);
			n->items[2 * i + 1] =
				convert(c, yaml_document_get_node(c->doc, pr[i].value), depth + 1);
			n->n = i + 1;
		}
		return n;
	}
	default:
		fail_at(c, c->name, line, col, "unsupported YAML node");
		return n;
	}
	fail_at(c, c->name, line, col, "out of memory");
	return n;
}

int ytree_load_buffer(struct ytree *t, const char *name, const unsigned char *buf, size_t len,
		      char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct conv c = { .doc = &doc, .name = name, .err = err, .errlen = errlen };
	yaml_node_t *root;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (len > YTREE_MAX_FILE) {
		snprintf(err, errlen, "%s:1:1: file larger than %u bytes", name, YTREE_MAX_FILE);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s:1:1: cannot initialise the YAML parser", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root) {
		t->root = convert(&c, root, 0);
		t->nodes = c.nodes;
	}
	if (!c.failed) {
		/* one document per file */
		if (!yaml_parser_load(&parser, &extra)) {
			snprintf(err, errlen, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "YAML error");
			c.failed = 1;
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);

			if (r2) {
				snprintf(err, errlen, "%s:%zu:%zu: a case file holds one YAML document",
					 name, r2->start_mark.line + 1, r2->start_mark.column + 1);
				c.failed = 1;
			}
			yaml_document_delete(&extra);
		}
	}
	rc = c.failed ? -1 : 0;
	if (rc)
		ytree_free(t);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int ytree_read_file(const char *path, unsigned char **buf, size_t *len, char *err,
		    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	int bad;

	*buf = NULL;
	if (!f) {
		snprintf(err, errlen, "%s:1:1: cannot open: %s", path, strerror(errno));
		return -1;
	}
	*buf = malloc(YTREE_MAX_FILE + 1);
	if (!*buf) {
		fclose(f);
		snprintf(err, errlen, "%s:1:1: out of memory", path);
		return -1;
	}
	*len = fread(*buf, 1, YTREE_MAX_FILE + 1, f);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		free(*buf);
		*buf = NULL;
		snprintf(err, errlen, "%s:1:1: read error", path);
		return -1;
	}
	return 0;
}

int ytree_load(struct ytree *t, const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int rc;

	memset(t, 0, sizeof(*t));
	if (ytree_read_file(path, &buf, &len, err, errlen) != 0)
		return -1;
	rc = ytree_load_buffer(t, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

void ytree_free(struct ytree *t)
{
	free_node(t->root);
	t->root = NULL;
	t->nodes = 0;
}
