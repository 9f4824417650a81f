// SPDX-License-Identifier: Apache-2.0
/*
 * `virtiocheck serve`: the model device as a vhost-user back-end with the
 * driver monitor (vu_server.h). After each front-end connection it prints
 * what the front-end's driver did wrong, by clause, and rewrites the
 * reports in REPORT_DIR (serve_report.h) with every connection so far.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "serve.h"
#include "serve_report.h"
#include "vu_server.h"

static const char usage[] =
	"usage: virtiocheck serve --device NAME --socket PATH [--device-args ARGS]\n"
	"                         [--connections N] [--idle-timeout MS] [--report-dir DIR]\n"
	"                         [--hostile MODE] [--hostile-after N] [--verbose]\n"
	"  Serve the model device NAME (rng, blk, console, ...) as a vhost-user back-end\n"
	"  on PATH; a front-end's driver is checked against the driver-normative clauses.\n"
	"  --connections N  stop after N front-end connections (default: serve forever)\n"
	"  --hostile MODE   once, after N used buffers (--hostile-after, default 20),\n"
	"                   rewrite a used ring entry: used-len-long, used-id-range,\n"
	"                   used-id-dup, used-idx-jump; or needs-reset: set\n"
	"                   DEVICE_NEEDS_RESET and complete nothing more until a reset\n"
	"                   (driver-hardening checks)\n"
	"  --report-dir DIR serve.json, junit.xml and serve.html, rewritten after each\n"
	"                   connection\n"
	"  exit status: 0 when no connection showed a driver violation or a protocol\n"
	"  error, 1 otherwise, 2 for usage errors\n";

#define SERVE_MAX_SESSIONS 64

struct serve_state {
	const char *device;
	const char *report_dir;      /* where the reports go, or NULL */
	struct vu_session *s;        /* the sessions so far (at most SERVE_MAX_SESSIONS) */
	unsigned n, total;
	bool bad;
};

static void write_reports(const struct serve_state *st)
{
	const struct serve_report r = {
		.device = st->device, .s = st->s, .n = st->n, .total = st->total,
	};

	if (st->report_dir)
		serve_report_write(&r, st->report_dir); /* says on stderr what failed */
}

static void on_session(void *ctx, unsigned index, const struct vu_session *s)
{
	struct serve_state *st = ctx;
	uint32_t k;

	printf("front-end %u: %u messages, %u kicks, %u used-buffer notifications, "
	       "%u device start(s), features 0x%llx; %s\n", index, s->messages, s->kicks,
	       s->calls, s->starts, (unsigned long long)s->acked_features, s->end);
	if (s->resumes || s->config_notifications)
		printf("  %u ring resume(s), %u configuration change notification(s)\n", s->resumes,
		       s->config_notifications);
	if (s->hostile_done)
		printf("  hostile device: %s\n", s->hostile_what);
	for (k = 0; k < s->n_findings; k++)
		printf("  DRIVER VIOLATION [%s] %s\n", s->findings[k].clause, s->findings[k].msg);
	if (s->findings_dropped)
		printf("  ... and %u more findings\n", s->findings_dropped);
	if (!s->n_findings && !s->protocol_error)
		printf("  no driver violation seen\n");
	fflush(stdout);
	st->bad |= s->n_findings || s->protocol_error;
	st->total++;
	if (st->n < SERVE_MAX_SESSIONS)
		st->s[st->n++] = *s;
	write_reports(st);
}

int cmd_serve(int argc, char **argv)
{
	struct vu_server_opts o = { .hostile_after = 20 };
	struct serve_state st = { 0 };
	const char *device = NULL, *report_dir = NULL;
	bool verbose = false;
	int a, rc;

	for (a = 0; a < argc; a++) {
		const char *s = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
		char *end;

		if (!strcmp(s, "--verbose")) {
			verbose = true;
			continue;
		}
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (s[0] != '-' || !val) {
			fprintf(stderr, "virtiocheck serve: %s '%s'\n%s",
				s[0] == '-' ? "missing value for" : "unexpected argument", s, usage);
			return 2;
		}
		a++;
		if (!strcmp(s, "--device")) {
			device = val;
		} else if (!strcmp(s, "--socket")) {
			o.socket_path = val;
		} else if (!strcmp(s, "--device-args")) {
			o.device_args = val;
		} else if (!strcmp(s, "--report-dir")) {
			report_dir = val;
		} else if (!strcmp(s, "--hostile")) {
			int h = vu_hostile_parse(val);

			if (h < 0) {
				fprintf(stderr, "virtiocheck serve: unknown hostile mode '%s'\n%s",
					val, usage);
				return 2;
			}
			o.hostile = (enum vu_hostile)h;
		} else if (!strcmp(s, "--connections") || !strcmp(s, "--idle-timeout") ||
			   !strcmp(s, "--hostile-after")) {
			long n = strtol(val, &end, 10);

			if (*end || n < 1 || n > 1000000) {
				fprintf(stderr, "virtiocheck serve: %s takes 1..1000000, not '%s'\n", s,
					val);
				return 2;
			}
			if (s[2] == 'c')
				o.connections = (unsigned)n;
			else if (s[2] == 'h')
				o.hostile_after = (unsigned)n;
			else
				o.idle_timeout_ms = (int)n;
		} else {
			fprintf(stderr, "virtiocheck serve: unknown option '%s'\n%s", s, usage);
			return 2;
		}
	}
	if (!device || !o.socket_path) {
		fprintf(stderr, "virtiocheck serve: --device and --socket are required\n%s", usage);
		return 2;
	}
	o.ops = vc_device_lookup(device);
	if (!o.ops) {
		fprintf(stderr, "virtiocheck serve: unknown device '%s'\n", device);
		return 2;
	}
	if (verbose)
		o.log = stderr;
	st.device = device;
	st.report_dir = report_dir;
	st.s = calloc(SERVE_MAX_SESSIONS, sizeof(*st.s));
	if (!st.s)
		return 2;
	printf("serving the model %s device on %s\n", device, o.socket_path);
	fflush(stdout);
	rc = vu_serve(&o, on_session, &st);
	free(st.s);
	if (rc != 0)
		return 2;
	return st.bad ? 1 : 0;
}
