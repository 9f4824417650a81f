/* SPDX-License-Identifier: Apache-2.0 */
/* Files that appear whole or not at all: write a temporary beside the
 * target, fsync, rename. */
#ifndef VIRTIOCHECK_ATOMIC_FILE_H
#define VIRTIOCHECK_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *f;
	char path[4096];
	char tmp[4096 + 32];
};

/* 0 or -1 (errno set). Creates missing parent directories. */
int atomic_file_open(struct atomic_file *a, const char *path);
/* Flush, fsync and rename into place; 0 or -1. */
int atomic_file_commit(struct atomic_file *a);
/* Drop the temporary. */
void atomic_file_abort(struct atomic_file *a);
/* Write s as a JSON string literal (quotes included). */
void json_string(FILE *f, const char *s);
/* Write s as XML/HTML text or attribute content (<>&"' escaped, control
 * characters other than newline and tab as '?'). */
void xml_text(FILE *f, const char *s);

#endif
