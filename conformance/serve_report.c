// SPDX-License-Identifier: Apache-2.0
/*
 * The reports of `virtiocheck serve`. See serve_report.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "serve_report.h"
#include "virtiocheck/clause.h"

static const char *const monitored[] = {
	CL_DRV_INIT,
	CL_DRV_FEATURES,
	CL_DRV_RESERVED,
	CL_DRV_STATUS,
	CL_DRV_VIRTQUEUES,
	CL_DRV_FRAMING,
	CL_DRV_DESC,
	CL_DRV_INDIRECT,
	CL_DRV_AVAIL,
	CL_DRV_USED_SUPPR,
	CL_DRV_PACKED,
	CL_DRV_PDESC,
	CL_DRV_PSG,
	CL_DRV_PINDIRECT,
};

#define N_MONITORED (sizeof(monitored) / sizeof(monitored[0]))
/* the testcase of the vhost-user protocol itself */
#define PROTOCOL_CASE "vhost-user protocol"

const char *const *serve_monitored_clauses(unsigned *n)
{
	*n = N_MONITORED;
	return monitored;
}

static const char *finding_clause(const struct vu_finding *v)
{
	return v->clause[0] ? v->clause : "(no clause)";
}

/*
 * The clauses one session is judged by: the monitored ones, then each
 * other clause a finding cited, in the order first cited. labels must hold
 * N_MONITORED + s->n_findings entries. Returns the count.
 */
static unsigned session_clauses(const struct vu_session *s, const char **labels)
{
	unsigned n = 0, k, j;

	for (k = 0; k < N_MONITORED; k++)
		labels[n++] = monitored[k];
	for (k = 0; k < s->n_findings && k < VU_FINDINGS_MAX; k++) {
		const char *c = finding_clause(&s->findings[k]);

		for (j = 0; j < n && strcmp(labels[j], c); j++)
			;
		if (j == n)
			labels[n++] = c;
	}
	return n;
}

static unsigned findings_for(const struct vu_session *s, const char *clause)
{
	unsigned k, c = 0;

	for (k = 0; k < s->n_findings && k < VU_FINDINGS_MAX; k++)
		c += !strcmp(finding_clause(&s->findings[k]), clause);
	return c;
}

/* Clauses of the session with at least one finding. */
static unsigned failing_clauses(const struct vu_session *s)
{
	const char *labels[N_MONITORED + VU_FINDINGS_MAX];
	unsigned n = session_clauses(s, labels), k, c = 0;

	for (k = 0; k < n; k++)
		c += findings_for(s, labels[k]) > 0;
	return c;
}

static bool session_bad(const struct vu_session *s)
{
	return s->n_findings || s->findings_dropped || s->protocol_error;
}

/* ------------------------------------------------------------------ JSON */

int serve_report_json(const struct serve_report *r, const char *path)
{
	struct atomic_file af;
	unsigned i, k;

	if (atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "{\n  \"kind\": \"serve\",\n  \"device\": ");
	json_string(af.f, r->device);
	fprintf(af.f, ",\n  \"connections\": %u,\n  \"sessions\": [", r->total);
	for (i = 0; i < r->n; i++) {
		const struct vu_session *s = &r->s[i];

		fprintf(af.f, "%s\n    {\"messages\": %u, \"kicks\": %u, \"calls\": %u, "
			"\"starts\": %u, \"resumes\": %u, \"config_notifications\": %u, "
			"\"features\": \"0x%llx\", \"protocol_error\": %s,\n     \"end\": ",
			i ? "," : "", s->messages, s->kicks, s->calls, s->starts, s->resumes,
			s->config_notifications, (unsigned long long)s->acked_features,
			s->protocol_error ? "true" : "false");
		json_string(af.f, s->end);
		fprintf(af.f, ", \"hostile\": ");
		if (s->hostile_done)
			json_string(af.f, s->hostile_what);
		else
			fputs("null", af.f);
		fprintf(af.f, ", \"findings_dropped\": %u, \"findings\": [", s->findings_dropped);
		for (k = 0; k < s->n_findings && k < VU_FINDINGS_MAX; k++) {
			const struct vu_finding *v = &s->findings[k];

			fprintf(af.f, "%s\n      {\"clause\": ", k ? "," : "");
			json_string(af.f, v->clause);
			fprintf(af.f, ", \"severity\": \"%s\", \"queue\": %d, \"message\": ",
				v->severity == VC_SEV_FATAL ? "fatal" : "recorded",
				v->queue == VC_NO_QUEUE ? -1 : (int)v->queue);
			json_string(af.f, v->msg);
			fputc('}', af.f);
		}
		fprintf(af.f, "]}");
	}
	fprintf(af.f, "\n  ]\n}\n");
	return atomic_file_commit(&af);
}

/* ----------------------------------------------------------------- JUnit */

static void junit_property(FILE *f, const char *name, const char *value)
{
	fprintf(f, "      <property name=\"%s\" value=\"", name);
	xml_text(f, value);
	fputs("\"/>\n", f);
}

static void junit_session(FILE *f, const char *device, unsigned index,
			  const struct vu_session *s)
{
	const char *labels[N_MONITORED + VU_FINDINGS_MAX];
	unsigned n = session_clauses(s, labels), k, j;
	char suite[64], buf[64];

	snprintf(suite, sizeof(suite), "serve.%s.frontend-%u", device, index);
	fputs("  <testsuite name=\"", f);
	xml_text(f, suite);
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"0\">\n", n + 1,
		failing_clauses(s), s->protocol_error ? 1u : 0u);
	fputs("    <properties>\n", f);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->acked_features);
	junit_property(f, "features", buf);
	junit_property(f, "end", s->end);
	if (s->hostile_done)
		junit_property(f, "hostile", s->hostile_what);
	fputs("    </properties>\n", f);
	for (k = 0; k < n; k++) {
		unsigned c = findings_for(s, labels[k]);
		const struct vu_finding *first = NULL;

		fputs("    <testcase classname=\"", f);
		xml_text(f, suite);
		fputs("\" name=\"", f);
		xml_text(f, labels[k]);
		fputs("\">", f);
		if (!c) {
			fputs("</testcase>\n", f);
			continue;
		}
		for (j = 0; j < s->n_findings && j < VU_FINDINGS_MAX && !first; j++)
			if (!strcmp(finding_clause(&s->findings[j]), labels[k]))
				first = &s->findings[j];
		fputs("\n      <failure message=\"", f);
		xml_text(f, first->msg);
		if (c > 1)
			fprintf(f, " (and %u more)", c - 1);
		fputs("\" type=\"driver-violation\">", f);
		for (j = 0; j < s->n_findings && j < VU_FINDINGS_MAX; j++) {
			const struct vu_finding *v = &s->findings[j];

			if (strcmp(finding_clause(v), labels[k]))
				continue;
			fprintf(f, "%s queue %d: ", v->severity == VC_SEV_FATAL ? "fatal" : "recorded",
				v->queue == VC_NO_QUEUE ? -1 : (int)v->queue);
			xml_text(f, v->msg);
			fputc('\n', f);
		}
		fputs("</failure>\n    </testcase>\n", f);
	}
	fputs("    <testcase classname=\"", f);
	xml_text(f, suite);
	fputs("\" name=\"" PROTOCOL_CASE "\">", f);
	if (s->protocol_error) {
		fputs("\n      <error message=\"", f);
		xml_text(f, s->end);
		fputs("\" type=\"protocol-error\"/>\n    ", f);
	}
	fputs("</testcase>\n", f);
	fprintf(f, "    <system-out>%u messages, %u kicks, %u used-buffer notifications, "
		"%u device start(s), %u resume(s), %u configuration-change notification(s); ",
		s->messages, s->kicks, s->calls, s->starts, s->resumes, s->config_notifications);
	xml_text(f, s->end);
	if (s->hostile_done) {
		fputs("\nhostile device: ", f);
		xml_text(f, s->hostile_what);
	}
	if (s->findings_dropped)
		fprintf(f, "\n%u more findings not kept", s->findings_dropped);
	fputs("</system-out>\n  </testsuite>\n", f);
}

int serve_report_junit(const struct serve_report *r, const char *path)
{
	unsigned i, tests = 0, failures = 0, errors = 0;
	struct atomic_file af;

	for (i = 0; i < r->n; i++) {
		const char *labels[N_MONITORED + VU_FINDINGS_MAX];

		tests += session_clauses(&r->s[i], labels) + 1;
		failures += failing_clauses(&r->s[i]);
		errors += r->s[i].protocol_error;
	}
	if (atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fputs("<testsuites name=\"virtiocheck serve ", af.f);
	xml_text(af.f, r->device);
	fprintf(af.f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"0\">\n", tests,
		failures, errors);
	for (i = 0; i < r->n; i++)
		junit_session(af.f, r->device, i, &r->s[i]);
	fputs("</testsuites>\n", af.f);
	return atomic_file_commit(&af);
}

/* ------------------------------------------------------------------ HTML */

static void html_session(FILE *f, unsigned index, const struct vu_session *s)
{
	const char *labels[N_MONITORED + VU_FINDINGS_MAX];
	unsigned n = session_clauses(s, labels), k, j;
	const char *state = s->protocol_error ? "error" : session_bad(s) ? "fail" : "pass";

	fprintf(f, "<details class=\"session %s\"%s><summary><b>%s</b> front-end %u &mdash; ",
		state, session_bad(s) ? " open" : "", state, index);
	xml_text(f, s->end);
	fputs("</summary>\n", f);
	fprintf(f, "<p>%u messages, %u kicks, %u used-buffer notifications, %u device start(s), "
		"%u resume(s), %u configuration-change notification(s), features 0x%llx.</p>\n",
		s->messages, s->kicks, s->calls, s->starts, s->resumes, s->config_notifications,
		(unsigned long long)s->acked_features);
	if (s->hostile_done) {
		fputs("<p>Hostile device: ", f);
		xml_text(f, s->hostile_what);
		fputs("</p>\n", f);
	}
	fputs("<table><thead><tr><th>clause</th><th>verdict</th><th>findings</th></tr></thead>"
	      "<tbody>\n", f);
	for (k = 0; k < n; k++) {
		unsigned c = findings_for(s, labels[k]);

		fprintf(f, "<tr class=\"%s\"><td>", c ? "fail" : "pass");
		xml_text(f, labels[k]);
		fprintf(f, "</td><td>%s</td><td>", c ? "fail" : "pass");
		for (j = 0; j < s->n_findings && j < VU_FINDINGS_MAX; j++) {
			const struct vu_finding *v = &s->findings[j];

			if (strcmp(finding_clause(v), labels[k]))
				continue;
			fprintf(f, "<div>queue %d: ", v->queue == VC_NO_QUEUE ? -1 : (int)v->queue);
			xml_text(f, v->msg);
			fputs("</div>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr class=\"%s\"><td>" PROTOCOL_CASE "</td><td>%s</td><td>",
		s->protocol_error ? "error" : "pass", s->protocol_error ? "error" : "pass");
	if (s->protocol_error)
		xml_text(f, s->end);
	fputs("</td></tr>\n</tbody></table>\n", f);
	if (s->findings_dropped)
		fprintf(f, "<p>%u more findings were not kept.</p>\n", s->findings_dropped);
	fputs("</details>\n", f);
}

int serve_report_html(const struct serve_report *r, const char *path)
{
	unsigned i, bad = 0, errors = 0;
	struct atomic_file af;

	for (i = 0; i < r->n; i++) {
		bad += session_bad(&r->s[i]);
		errors += r->s[i].protocol_error;
	}
	if (atomic_file_open(&af, path) != 0)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>virtiocheck serve report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
	      "table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #ccc;"
	      "padding:2px 6px;text-align:left;vertical-align:top}\n"
	      "th{background:#f3f3f3}.num{text-align:right}\n"
	      ".pass{background:#d7f5d7}.fail{background:#f8caca}.error{background:#f5b46c}\n"
	      "details{margin:4px 0}summary{cursor:pointer}\n"
	      "</style></head><body>\n<h1>virtiocheck serve report</h1>\n", af.f);
	fputs("<p>The model <b>", af.f);
	xml_text(af.f, r->device);
	fprintf(af.f, "</b> device as a vhost-user back-end; each front-end's driver judged by the "
		      "driver monitor against %zu driver-normative clauses (VIRTIO 1.2).</p>\n",
		N_MONITORED);
	fprintf(af.f, "<table id=\"summary\"><tr><th>connections</th><th>shown</th>"
		      "<th class=\"fail\">with findings or errors</th>"
		      "<th class=\"error\">protocol errors</th></tr>\n<tr><td class=\"num\">%u</td>"
		      "<td class=\"num\">%u</td><td class=\"num\">%u</td><td class=\"num\">%u</td>"
		      "</tr></table>\n<h2>Front-ends</h2>\n", r->total, r->n, bad, errors);
	for (i = 0; i < r->n; i++)
		html_session(af.f, i, &r->s[i]);
	fputs("</body></html>\n", af.f);
	return atomic_file_commit(&af);
}

/* -------------------------------------------------------------- all three */

int serve_report_write(const struct serve_report *r, const char *dir)
{
	static const struct {
		const char *name;
		int (*write)(const struct serve_report *, const char *);
	} files[] = {
		{ "serve.json", serve_report_json },
		{ "junit.xml", serve_report_junit },
		{ "serve.html", serve_report_html },
	};
	char path[4096];
	int rc = 0, err = 0;
	unsigned i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "virtiocheck: report directory name too long: %s\n", dir);
			err = ENAMETOOLONG;
			rc = -1;
			continue;
		}
		if (files[i].write(r, path) != 0) {
			err = errno;
			fprintf(stderr, "virtiocheck: cannot write %s: %s\n", path, strerror(err));
			rc = -1;
		}
	}
	if (rc)
		errno = err;
	return rc;
}
