// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtiocheck/violation.h"

void vc_findings_add(struct vc_findings *f, const struct vc_violation *v)
{
	if (f->count < VC_FINDINGS_MAX)
		f->v[f->count++] = *v;
	else
		f->dropped++;
}

void vc_findings_clear(struct vc_findings *f)
{
	f->count = 0;
	f->dropped = 0;
}

int vc_findings_find(const struct vc_findings *f, const char *clause)
{
	uint32_t i;

	for (i = 0; i < f->count; i++)
		if (f->v[i].clause && strcmp(f->v[i].clause, clause) == 0)
			return (int)i;
	return -1;
}

void vc_violation_vset(struct vc_violation *v, enum vc_severity sev, const char *clause,
		       uint16_t queue, uint32_t head, const char *fmt, va_list ap)
{
	memset(v, 0, sizeof(*v));
	v->clause = clause;
	v->severity = sev;
	v->queue = queue;
	v->avail_idx = VC_NO_INDEX;
	v->head = head;
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
}

void vc_violation_set(struct vc_violation *v, enum vc_severity sev, const char *clause,
		      uint16_t queue, uint32_t head, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(v, sev, clause, queue, head, fmt, ap);
	va_end(ap);
}
