// SPDX-License-Identifier: Apache-2.0
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "report.h"

#define VC_VERSION "0.1.0"

int report_summarize(struct run_report *r)
{
	struct clause_tally *tally = calloc(r->cat->n ? r->cat->n : 1, sizeof(*tally));
	size_t i, k, covered = 0;

	if (!tally)
		return -1;
	memset(r->verdicts, 0, sizeof(r->verdicts));
	for (i = 0; i < r->n; i++)
		r->verdicts[r->res[i].o.verdict]++;
	for (i = 0; i < r->n; i++) {
		const struct vc_case *c = r->res[i].point.c;
		bool first = i == 0 || r->res[i - 1].point.c != c;
		unsigned j;

		for (j = 0; j < c->n_clauses; j++)
			for (k = 0; k < r->cat->n; k++)
				if (r->cat->c[k].label == c->clauses[j] ||
				    !strcmp(r->cat->c[k].label, c->clauses[j])) {
					tally[k].points[r->res[i].o.verdict]++;
					tally[k].cases += first;
				}
	}
	for (k = 0; k < r->cat->n; k++)
		covered += tally[k].points[V_PASS] > 0;
	free(r->tally);
	r->tally = tally;
	r->covered = covered;
	return 0;
}

void report_release(struct run_report *r)
{
	free(r->tally);
	r->tally = NULL;
}

static const char *failed_clause(const struct case_result *cr)
{
	if (cr->o.violated[0])
		return cr->o.violated;
	if (cr->o.clause_index >= 0 && (unsigned)cr->o.clause_index < cr->point.c->n_clauses)
		return cr->point.c->clauses[cr->o.clause_index];
	return cr->point.c->clauses[0];
}

/* ------------------------------------------------------------------ JSON */

int report_json(const struct run_report *r, const char *path)
{
	const struct clause_tally *t = r->tally;
	const unsigned *v = r->verdicts;
	size_t i, covered = r->covered;
	struct atomic_file af;
	int k;

	if (!t || atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "{\n  \"schema\": \"virtiocheck-report/1\",\n  \"tool\": \"virtiocheck\",\n"
		      "  \"version\": \"%s\",\n  \"spec\": \"1.2\",\n  \"target\": ", VC_VERSION);
	json_string(af.f, r->target);
	fprintf(af.f, ",\n  \"started\": %lld,\n  \"wall_ms\": %.1f,\n  \"jobs\": %u,\n", r->started,
		r->wall_ms, r->jobs);
	fprintf(af.f, "  \"summary\": {\"points\": %zu, \"pass\": %u, \"fail\": %u, \"error\": %u, "
		      "\"skip\": %u, \"xfail\": %u, \"clauses_in_catalogue\": %zu, "
		      "\"clauses_passing\": %zu},\n",
		r->n, v[V_PASS], v[V_FAIL], v[V_ERROR], v[V_SKIP], v[V_XFAIL], r->cat->n, covered);
	fputs("  \"clauses\": [\n", af.f);
	for (i = 0; i < r->cat->n; i++) {
		const struct clause_info *ci = &r->cat->c[i];

		fputs("    {\"label\": ", af.f);
		json_string(af.f, ci->label);
		fputs(", \"section\": ", af.f);
		json_string(af.f, ci->section);
		fprintf(af.f, ", \"role\": \"%s\", \"area\": \"%s\", \"cases\": %u", ci->role, ci->area,
			t[i].cases);
		for (k = 0; k < V_COUNT; k++)
			fprintf(af.f, ", \"%s\": %u", verdict_name((enum verdict)k), t[i].points[k]);
		fprintf(af.f, "}%s\n", i + 1 < r->cat->n ? "," : "");
	}
	fputs("  ],\n  \"results\": [\n", af.f);
	for (i = 0; i < r->n; i++) {
		const struct case_result *cr = &r->res[i];
		const struct vc_case *c = cr->point.c;
		unsigned j;

		fputs("    {\"id\": ", af.f);
		json_string(af.f, c->id);
		fputs(", \"point\": ", af.f);
		json_string(af.f, cr->point.label);
		fputs(", \"title\": ", af.f);
		json_string(af.f, c->title);
		fprintf(af.f, ", \"role\": \"%s\", \"device\": ", c->role == ROLE_DEVICE ? "device"
											: "driver");
		json_string(af.f, c->device);
		fputs(", \"file\": ", af.f);
		json_string(af.f, c->file);
		fprintf(af.f, ", \"line\": %u, \"clauses\": [", c->pos.line);
		for (j = 0; j < c->n_clauses; j++) {
			json_string(af.f, c->clauses[j]);
			if (j + 1 < c->n_clauses)
				fputs(", ", af.f);
		}
		fprintf(af.f, "], \"verdict\": \"%s\", \"ms\": %.3f", verdict_name(cr->o.verdict),
			cr->o.ms);
		if (cr->o.verdict != V_PASS) {
			fputs(", \"failed_clause\": ", af.f);
			json_string(af.f, failed_clause(cr));
			fprintf(af.f, ", \"failed_step\": %d, \"message\": ", cr->o.failed_step + 1);
			json_string(af.f, cr->o.message);
		}
		if (cr->xfail_reason[0]) {
			fputs(", \"known_deviation\": ", af.f);
			json_string(af.f, cr->xfail_reason);
		}
		if (cr->o.artifact[0]) {
			/* a file the point left under the report directory */
			fputs(", \"artifact\": ", af.f);
			json_string(af.f, cr->o.artifact);
		}
		fputs(", \"trace\": ", af.f);
		json_string(af.f, cr->o.trace);
		fprintf(af.f, "}%s\n", i + 1 < r->n ? "," : "");
	}
	fputs("  ]\n}\n", af.f);
	return atomic_file_commit(&af);
}

/* ----------------------------------------------------------------- JUnit */

int report_junit(const struct run_report *r, const char *path)
{
	const unsigned *v = r->verdicts;
	struct atomic_file af;
	size_t i;

	if (atomic_file_open(&af, path) != 0)
		return -1;
	fprintf(af.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(af.f, "<testsuites name=\"virtiocheck\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
		      "skipped=\"%u\" time=\"%.3f\">\n", r->n, v[V_FAIL], v[V_ERROR],
		v[V_SKIP] + v[V_XFAIL], r->wall_ms / 1e3);
	fprintf(af.f, "  <testsuite name=\"virtiocheck.");
	xml_text(af.f, r->target);
	fprintf(af.f, "\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\">\n",
		r->n, v[V_FAIL], v[V_ERROR], v[V_SKIP] + v[V_XFAIL], r->wall_ms / 1e3);
	for (i = 0; i < r->n; i++) {
		const struct case_result *cr = &r->res[i];
		const struct vc_case *c = cr->point.c;

		fputs("    <testcase classname=\"", af.f);
		xml_text(af.f, c->file);
		fputs("\" name=\"", af.f);
		xml_text(af.f, c->id);
		if (cr->point.label[0]) {
			fputc('[', af.f);
			xml_text(af.f, cr->point.label);
			fputc(']', af.f);
		}
		fprintf(af.f, "\" time=\"%.6f\">", cr->o.ms / 1e3);
		switch (cr->o.verdict) {
		case V_PASS:
			break;
		case V_FAIL:
		case V_ERROR:
			fprintf(af.f, "\n      <%s message=\"[", cr->o.verdict == V_FAIL ? "failure"
										 : "error");
			xml_text(af.f, failed_clause(cr));
			fputs("] ", af.f);
			xml_text(af.f, cr->o.message);
			fprintf(af.f, "\" type=\"%s\">", verdict_name(cr->o.verdict));
			xml_text(af.f, cr->o.trace);
			fprintf(af.f, "</%s>\n    ", cr->o.verdict == V_FAIL ? "failure" : "error");
			break;
		case V_SKIP:
		case V_XFAIL:
			fputs("\n      <skipped message=\"", af.f);
			if (cr->o.verdict == V_XFAIL) {
				fputs("known deviation: ", af.f);
				xml_text(af.f, cr->xfail_reason);
				fputs("; ", af.f);
			}
			xml_text(af.f, cr->o.message);
			fputs("\"/>\n    ", af.f);
			break;
		default:
			break;
		}
		fputs("</testcase>\n", af.f);
	}
	fputs("  </testsuite>\n</testsuites>\n", af.f);
	return atomic_file_commit(&af);
}

/* ------------------------------------------------------------------ HTML */

static const char *const verdict_class[V_COUNT] = { "pass", "fail", "error", "skip", "xfail" };

int report_html(const struct run_report *r, const char *path)
{
	const struct clause_tally *t = r->tally;
	const unsigned *v = r->verdicts;
	size_t i, covered = r->covered;
	struct atomic_file af;
	int k;

	if (!t || atomic_file_open(&af, path) != 0)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>virtiocheck report</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\n"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
	      "text-align:left;vertical-align:top}\n"
	      "th{background:#f3f3f3}.num{text-align:right}\n"
	      ".pass{background:#d7f5d7}.fail{background:#f8caca}.error{background:#f5b46c}"
	      ".skip{background:#e6e6e6}.xfail{background:#f2e8a8}.none{background:#fff}\n"
	      "pre{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:6px}\n"
	      "details{margin:2px 0}summary{cursor:pointer}#filter{width:30em}\n"
	      "</style></head><body>\n<h1>virtiocheck report</h1>\n", af.f);
	fputs("<p>Target <b>", af.f);
	xml_text(af.f, r->target);
	fprintf(af.f, "</b>, VIRTIO 1.2, %zu case points in %.0f ms with %u jobs.</p>\n", r->n,
		r->wall_ms, r->jobs);
	fputs("<table id=\"summary\"><tr>", af.f);
	for (k = 0; k < V_COUNT; k++)
		fprintf(af.f, "<th class=\"%s\">%s</th>", verdict_class[k],
			verdict_name((enum verdict)k));
	fputs("</tr><tr>", af.f);
	for (k = 0; k < V_COUNT; k++)
		fprintf(af.f, "<td class=\"num\">%u</td>", v[k]);
	fprintf(af.f, "</tr></table>\n<p>%zu of %zu catalogued normative clauses have a passing "
		      "case.</p>\n", covered, r->cat->n);
	fputs("<h2>Clause coverage</h2>\n<p><input id=\"filter\" placeholder=\"filter clauses "
	      "(text, or pass/fail/error/none)\" oninput=\"filt()\"></p>\n"
	      "<table id=\"coverage\"><thead><tr><th>section</th><th>label</th><th>role</th>"
	      "<th>area</th><th>cases</th>", af.f);
	for (k = 0; k < V_COUNT; k++)
		fprintf(af.f, "<th>%s</th>", verdict_name((enum verdict)k));
	fputs("</tr></thead><tbody>\n", af.f);
	for (i = 0; i < r->cat->n; i++) {
		const struct clause_info *ci = &r->cat->c[i];
		const char *state = t[i].points[V_FAIL] ? "fail" : t[i].points[V_ERROR] ? "error" :
				    t[i].points[V_PASS] ? "pass" : "none";

		fprintf(af.f, "<tr class=\"%s\" data-state=\"%s\"><td>", state, state);
		xml_text(af.f, ci->section);
		fputs("</td><td title=\"", af.f);
		xml_text(af.f, ci->description);
		fputs("\">", af.f);
		xml_text(af.f, ci->label);
		fprintf(af.f, "</td><td>%s</td><td>%s</td><td class=\"num\">%u</td>", ci->role,
			ci->area, t[i].cases);
		for (k = 0; k < V_COUNT; k++)
			fprintf(af.f, "<td class=\"num\">%u</td>", t[i].points[k]);
		fputs("</tr>\n", af.f);
	}
	fputs("</tbody></table>\n<h2>Cases</h2>\n<div id=\"cases\">\n", af.f);
	for (i = 0; i < r->n; i++) {
		const struct case_result *cr = &r->res[i];
		const struct vc_case *c = cr->point.c;
		unsigned j;

		fprintf(af.f, "<details class=\"case %s\"><summary><b>%s</b> ",
			verdict_class[cr->o.verdict], verdict_name(cr->o.verdict));
		xml_text(af.f, c->id);
		if (cr->point.label[0]) {
			fputs(" [", af.f);
			xml_text(af.f, cr->point.label);
			fputc(']', af.f);
		}
		fputs(" &mdash; ", af.f);
		xml_text(af.f, c->title);
		fputs("</summary>\n<p>", af.f);
		xml_text(af.f, c->file);
		fprintf(af.f, ":%u, role %s, %.2f ms</p><ul>", c->pos.line,
			c->role == ROLE_DEVICE ? "device" : "driver", cr->o.ms);
		for (j = 0; j < c->n_clauses; j++) {
			const struct clause_info *ci = catalogue_find(r->cat, c->clauses[j]);

			fputs("<li>", af.f);
			if (ci) {
				xml_text(af.f, ci->section);
				fputc(' ', af.f);
			}
			xml_text(af.f, c->clauses[j]);
			fputs("</li>", af.f);
		}
		fputs("</ul>\n", af.f);
		if (cr->o.verdict != V_PASS) {
			fputs("<p><b>", af.f);
			xml_text(af.f, failed_clause(cr));
			fputs("</b>: ", af.f);
			xml_text(af.f, cr->o.message);
			if (cr->xfail_reason[0]) {
				fputs(" (known deviation: ", af.f);
				xml_text(af.f, cr->xfail_reason);
				fputc(')', af.f);
			}
			fputs("</p>\n", af.f);
		}
		if (cr->o.artifact[0]) {
			/* a rendered artifact (a scanout PNG), relative to the report */
			fputs("<p><img class=\"artifact\" alt=\"", af.f);
			xml_text(af.f, cr->o.artifact);
			fputs("\" src=\"", af.f);
			xml_text(af.f, cr->o.artifact);
			fputs("\"></p>\n", af.f);
		}
		fputs("<pre>", af.f);
		xml_text(af.f, cr->o.trace);
		fputs("</pre></details>\n", af.f);
	}
	fputs("</div>\n<script>\nfunction filt(){var q=document.getElementById('filter').value"
	      ".toLowerCase();var rows=document.querySelectorAll('#coverage tbody tr');"
	      "for(var i=0;i<rows.length;i++){var r=rows[i];var s=r.getAttribute('data-state');"
	      "var m=!q||s===q||r.textContent.toLowerCase().indexOf(q)>=0;"
	      "r.style.display=m?'':'none';}}\n"
	      "var h=decodeURIComponent(location.hash||'');if(h.indexOf('#filter=')===0){"
	      "document.getElementById('filter').value=h.substring(8);filt();}\n"
	      "</script>\n</body></html>\n", af.f);
	return atomic_file_commit(&af);
}
