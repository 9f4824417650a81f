/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reports of `virtiocheck serve`: what each front-end's driver did,
 * judged by the driver monitor, as the runner's three formats. Each file is
 * written atomically (atomic_file.h):
 *
 *   serve.json     every connection with its counters and findings
 *   junit.xml      one testsuite per connection, one testcase per clause
 *                  the monitor checks (failing with that clause's findings)
 *                  and one for the vhost-user protocol
 *   serve.html     the same, one self-contained page
 *
 * Formats: docs/serve.md.
 */
#ifndef VIRTIOCHECK_SERVE_REPORT_H
#define VIRTIOCHECK_SERVE_REPORT_H

#include "vu_server.h"

struct serve_report {
	const char *device;          /* the model device served */
	const struct vu_session *s;  /* the sessions kept (the first ones) */
	unsigned n;                  /* sessions in s */
	unsigned total;              /* connections so far (>= n) */
};

/* The driver-normative clauses the monitor checks on every connection, in
 * report order; *n gets their count. */
const char *const *serve_monitored_clauses(unsigned *n);

/* Write DIR/serve.json, DIR/junit.xml and DIR/serve.html. 0, or -1 when a
 * file could not be written (errno set; the others are still tried). */
int serve_report_write(const struct serve_report *r, const char *dir);

int serve_report_json(const struct serve_report *r, const char *path);
int serve_report_junit(const struct serve_report *r, const char *path);
int serve_report_html(const struct serve_report *r, const char *path);

#endif
