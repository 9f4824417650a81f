/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A YAML file as a plain tree with source positions, loaded with libyaml.
 * Aliases are expanded into copies under a node budget (a billion-laughs
 * file is refused quickly); nesting depth and file size are bounded too.
 */
#ifndef VIRTIOCHECK_YTREE_H
#define VIRTIOCHECK_YTREE_H

#include <stddef.h>

#define YTREE_MAX_FILE  (4u << 20)  /* bytes */
#define YTREE_MAX_NODES 200000u     /* after alias expansion */
#define YTREE_MAX_DEPTH 64u

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col;   /* 1-based */
	char *str;            /* YN_SCALAR: value, NUL-terminated */
	int quoted;           /* YN_SCALAR: was written quoted */
	size_t n;             /* YN_SEQ: items; YN_MAP: pairs */
	struct ynode **items; /* YN_SEQ: n; YN_MAP: 2n (key, value, ...) */
};

struct ytree {
	struct ynode *root;   /* NULL for an empty document */
	size_t nodes;
};

/* Read a whole file of at most YTREE_MAX_FILE bytes (+1, so that a larger
 * one is seen as such); *buf is malloc'ed. 0, or -1 with a message. */
int ytree_read_file(const char *path, unsigned char **buf, size_t *len, char *err,
		    size_t errlen);
/* 0, or -1 with "file:line:col: message" in err. */
int ytree_load(struct ytree *t, const char *path, char *err, size_t errlen);
/* Same, from memory (name is used in messages). */
int ytree_load_buffer(struct ytree *t, const char *name, const unsigned char *buf, size_t len,
		      char *err, size_t errlen);
void ytree_free(struct ytree *t);

#endif
