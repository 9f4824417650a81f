/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A violation is a broken normative requirement seen by one side about its
 * peer (or by the harness about an implementation under test). Each side has
 * exactly one choke point that fills one of these.
 */
#ifndef VIRTIOCHECK_VIOLATION_H
#define VIRTIOCHECK_VIOLATION_H

#include <stdint.h>

#define VC_NO_QUEUE 0xffffu
#define VC_NO_INDEX 0xffffffffu

enum vc_severity {
	/* Recorded; the peer's access is ignored, state is unchanged. */
	VC_SEV_RECORD = 1,
	/* Recorded; the device sets DEVICE_NEEDS_RESET and refuses further
	 * work (device side) or the queue is marked broken (driver side). */
	VC_SEV_FATAL = 2,
};

struct vc_violation {
	const char *clause;     /* exact normative label, static storage */
	enum vc_severity severity;
	uint16_t queue;         /* VC_NO_QUEUE when not queue-specific */
	uint32_t avail_idx;     /* ring position, VC_NO_INDEX if none */
	uint32_t head;          /* descriptor head or used id, VC_NO_INDEX if none */
	char msg[192];
};

/* The sink a ring or transport reports to; the owner is the choke point. */
typedef void (*vc_violation_fn)(void *owner, const struct vc_violation *v);

/* A bounded log of findings, kept by each side. The first violation is
 * never overwritten; later ones are counted once the log is full. */
#define VC_FINDINGS_MAX 64
struct vc_findings {
	struct vc_violation v[VC_FINDINGS_MAX];
	uint32_t count;   /* stored */
	uint32_t dropped; /* seen after the log filled up */
};

void vc_findings_add(struct vc_findings *f, const struct vc_violation *v);
void vc_findings_clear(struct vc_findings *f);
/* Index of the first finding citing clause, or -1. */
int vc_findings_find(const struct vc_findings *f, const char *clause);

#include <stdarg.h>

/* Fill *v (avail_idx = VC_NO_INDEX; callers set it when they know it). */
__attribute__((format(printf, 6, 0)))
void vc_violation_vset(struct vc_violation *v, enum vc_severity sev, const char *clause,
		       uint16_t queue, uint32_t head, const char *fmt, va_list ap);
__attribute__((format(printf, 6, 7)))
void vc_violation_set(struct vc_violation *v, enum vc_severity sev, const char *clause,
		      uint16_t queue, uint32_t head, const char *fmt, ...);

#endif
