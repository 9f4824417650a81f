// SPDX-License-Identifier: Apache-2.0
/*
 * export-corpus: device-role split-ring spec cases -> fuzz_split_device
 * inputs (the encoding of fuzz/fsd_input.h), one per case point, written as
 * DIR/fuzz_split_device/spec-<content hash>. Existing files are never
 * overwritten or deleted: the same content has the same name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fuzz/fsd_input.h"
#include "case_load.h"
#include "catalogue.h"
#include "export_corpus.h"
#include "virtiocheck/virtio.h"

#define EXPORT_MAX_POINTS 256

/* case memory (model/pair/vc_pair.c) */
#define CASE_R0_GPA 0x10000ull

struct xbuf {
	char name[CASE_MAX_NAME];
	uint64_t gpa;
	uint32_t size;
};

struct xstate {
	struct fsd_input in;
	uint16_t size;
	struct xbuf bufs[40];
	unsigned nbufs, ntab;
	uint64_t r0_low, r0_top, r3_top; /* allocation cursors in fuzz memory */
	bool used[FSD_QMAX];
	uint64_t d_addr[FSD_QMAX];
	uint32_t d_len[FSD_QMAX];
	uint16_t d_flags[FSD_QMAX], d_next[FSD_QMAX];
	uint16_t av_ring[FSD_QMAX], av_idx;
	bool av_written[FSD_QMAX];
};

static struct xbuf *xfind(struct xstate *x, const char *name)
{
	unsigned i;

	for (i = 0; i < x->nbufs; i++)
		if (!strcmp(x->bufs[i].name, name))
			return &x->bufs[i];
	return NULL;
}

/* Where a case buffer goes in the fuzz world S (R0, R1 and R3 of 8 KiB;
 * R1 holds the indirect-table slots, R2 the rings). */
static int xalloc(struct xstate *x, const char *name, uint32_t size, int region, uint64_t *gpa)
{
	const struct fsd_layout *l = fsd_layout(0);
	uint64_t at;

	if (x->nbufs == sizeof(x->bufs) / sizeof(x->bufs[0]) || xfind(x, name))
		return -1;
	if (region < 0) {
		at = (x->r0_low + 15) & ~15ull;
		if (at + size > x->r0_top)
			return -1;
		x->r0_low = at + size;
	} else if (region == 0) {
		if (x->r0_top - x->r0_low < size)
			return -1;
		at = (x->r0_top - size) & ~15ull;
		if (at < x->r0_low)
			return -1;
		x->r0_top = at;
	} else {
		if (x->r3_top - l->r_gpa[3] < size)
			return -1;
		at = (x->r3_top - size) & ~15ull;
		x->r3_top = at;
	}
	snprintf(x->bufs[x->nbufs].name, sizeof(x->bufs[0].name), "%s", name);
	x->bufs[x->nbufs].gpa = at;
	x->bufs[x->nbufs].size = size;
	x->nbufs++;
	*gpa = at;
	return 0;
}

/* A case's absolute address in the fuzz memory: case holes to the matching
 * holes (offsets kept from the nearer end), case regions to R0 / R3. */
static uint64_t map_abs(uint64_t a)
{
	static const struct {
		uint64_t lo, last; /* case */
		uint64_t flo, flast; /* fuzz world S */
	} m[] = {
		{ 0, CASE_R0_GPA - 1, 0, FSD_R0_GPA - 1 },
		{ 0x10000ull, 0x40ffffull, FSD_R0_GPA, FSD_R0_GPA + FSD_RSZ - 1 },
		{ 0x410000ull, 0xffffffull, FSD_R1_GPA + FSD_RSZ, FSD_R2_GPA - 1 },
		{ 0x1000000ull, 0x13fffffull, FSD_R3_GPA, FSD_R3_GPA + FSD_RSZ - 1 },
		{ 0x1400000ull, 0xffffffffull, FSD_R2_GPA + FSD_RSZ, FSD_R3_GPA - 1 },
		{ 0x100000000ull, 0x1001fffffull, FSD_R3_GPA, FSD_R3_GPA + FSD_RSZ - 1 },
		{ 0x100200000ull, UINT64_MAX, FSD_R3_GPA + FSD_RSZ, UINT64_MAX },
	};
	unsigned i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		uint64_t from_lo, from_hi;

		if (a < m[i].lo || a > m[i].last)
			continue;
		from_lo = a - m[i].lo;
		from_hi = m[i].last - a;
		if (from_lo <= from_hi)
			return from_lo <= m[i].flast - m[i].flo ? m[i].flo + from_lo : m[i].flast;
		return from_hi <= m[i].flast - m[i].flo ? m[i].flast - from_hi : m[i].flo;
	}
	return a;
}

static int xresolve(struct xstate *x, const struct case_addr *a, uint64_t *gpa, uint32_t *size)
{
	const struct xbuf *b;

	if (!a->name[0]) {
		*gpa = map_abs(a->value);
		*size = 0;
		return 0;
	}
	b = xfind(x, a->name);
	if (!b)
		return -1;
	*gpa = b->gpa + a->value;
	*size = b->size;
	return 0;
}

/* one descriptor as a record that writes exactly it */
static void raw_rec(struct fsd_rec *r, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	memset(r, 0, sizeof(*r));
	r->asel = 5;
	r->raw_addr = addr;
	r->lsel = 5;
	r->raw_len = len;
	/* NEXT/WRITE/INDIRECT, and the unknown bits the format has */
	r->fb = (uint8_t)(flags & 7);
	if (flags & 0x0008)
		r->fb |= 0x10;
	if (flags & 0x0080)
		r->fb |= 0x20;
	if (flags & 0x8000)
		r->fb |= 0x40;
	r->nb = 0xfa;
	r->raw_next = next;
}

/* a head as an avail entry byte */
static uint8_t head_byte(uint16_t h, uint16_t size)
{
	if (h < size && h < 0xf8)
		return (uint8_t)h;
	if (h == size)
		return 0xf8;
	if (h == 0xffff)
		return 0xf9;
	if (h == size + 1u)
		return 0xfa;
	if (h >= 0xfb && h <= 0xff && h >= size)
		return (uint8_t)h;
	return h < size ? (uint8_t)(h % 0xf8) : 0xf8;
}

static int step(struct xstate *x, const struct case_step *s, const char **why)
{
	uint64_t gpa;
	uint32_t bsize;
	unsigned i;

	if (s->queue != 0) {
		*why = "a queue other than 0";
		return -1;
	}
	switch (s->kind) {
	case ST_INIT: {
		const struct step_init *in = &s->u.init;

		if (in->skip || in->stop_before >= 0 || in->has_features || in->expect_fail ||
		    in->queue_size) {
			*why = "init with options";
			return -1;
		}
		return 0;
	}
	case ST_BUFFER:
		if (xalloc(x, s->u.buffer.name, s->u.buffer.size, s->u.buffer.region, &gpa)) {
			*why = "buffers do not fit the fuzz target's memory";
			return -1;
		}
		return 0;
	case ST_TABLE: {
		const struct step_table *t = &s->u.table;
		struct fsd_table *tb;

		if (x->ntab == FSD_NTAB || x->nbufs == sizeof(x->bufs) / sizeof(x->bufs[0])) {
			*why = "more than four indirect tables";
			return -1;
		}
		tb = &x->in.tab[x->ntab];
		tb->pk = 0; /* slot t of R1 */
		tb->poff = 0;
		tb->nrec = 0;
		for (i = 0; i < t->n; i++) {
			if (xresolve(x, &t->e[i].addr, &gpa, &bsize)) {
				*why = "unknown buffer";
				return -1;
			}
			raw_rec(&tb->rec[tb->nrec++], gpa, t->e[i].len, t->e[i].flags, t->e[i].next);
		}
		snprintf(x->bufs[x->nbufs].name, sizeof(x->bufs[0].name), "%s", t->name);
		x->bufs[x->nbufs].gpa = fsd_layout(0)->r_gpa[1] + 0x800ull * x->ntab;
		x->bufs[x->nbufs].size = 16u * t->n;
		x->nbufs++;
		x->ntab++;
		return 0;
	}
	case ST_DESC: {
		const struct case_desc *d = &s->u.desc.d;
		uint16_t k = s->u.desc.index;
		uint32_t len;

		if (k >= x->size) {
			*why = "descriptor beyond the queue size";
			return -1;
		}
		if (xresolve(x, &d->addr, &gpa, &bsize)) {
			*why = "unknown buffer";
			return -1;
		}
		/* as the runner does: len given, else the rest of a named buffer, else 0 */
		if (s->u.desc.fields & 2)
			len = d->len;
		else if (d->addr.name[0])
			len = bsize - (uint32_t)d->addr.value;
		else
			len = 0;
		x->used[k] = true;
		x->d_addr[k] = gpa;
		x->d_len[k] = len;
		x->d_flags[k] = d->flags;
		x->d_next[k] = d->next;
		return 0;
	}
	case ST_AVAIL:
		for (i = 0; i < s->u.avail.n; i++) {
			unsigned slot = (uint16_t)(x->av_idx + i) & (x->size - 1u);

			x->av_ring[slot] = s->u.avail.heads[i];
			x->av_written[slot] = true;
		}
		x->av_idx = (uint16_t)(x->av_idx + s->u.avail.n);
		return 0;
	case ST_AVAIL_RAW:
		x->av_ring[s->u.avail_raw.slot & (x->size - 1u)] = s->u.avail_raw.head;
		x->av_written[s->u.avail_raw.slot & (x->size - 1u)] = true;
		return 0;
	case ST_AVAIL_IDX:
		x->av_idx = s->u.value16;
		return 0;
	case ST_AVAIL_FLAGS:
		x->in.amode = (uint8_t)((x->in.amode & 3) | 2 << 2);
		x->in.raw_flags = s->u.value16;
		return 0;
	case ST_USED_EVENT:
		x->in.used_event = s->u.value16;
		return 0;
	case ST_EXPECT:
		return 0;
	default:
		*why = "a step the fuzz target does not model";
		return -1;
	}
}

size_t export_split_point(const struct case_point *pt, uint8_t *out, size_t cap,
			  const char **why)
{
	static struct xstate x;
	const struct vc_case *c = pt->c;
	uint64_t feat = c->accept | pt->features_on;
	unsigned i, k, n, last, kicks = 0, descs = 0;

	*why = NULL;
	if (c->role != ROLE_DEVICE || pt->packed || pt->mmio) {
		*why = "not a device-role split-ring PCI point";
		return 0;
	}
	memset(&x, 0, sizeof(x));
	x.size = pt->queue_size ? pt->queue_size : c->queue_size ? c->queue_size : FSD_QMAX;
	if (x.size > FSD_QMAX || (x.size & (x.size - 1))) {
		*why = "queue size above 256";
		return 0;
	}
	x.in.qsel = 0;
	while (fsd_size(x.in.qsel) != x.size)
		x.in.qsel++;
	x.in.feat = 0;
	if ((feat >> VIRTIO_F_EVENT_IDX) & 1 && !((pt->features_off >> VIRTIO_F_EVENT_IDX) & 1))
		x.in.feat |= FSD_F_EVENT_IDX;
	if ((feat >> VIRTIO_F_INDIRECT_DESC) & 1 &&
	    !((pt->features_off >> VIRTIO_F_INDIRECT_DESC) & 1))
		x.in.feat |= FSD_F_INDIRECT;
	x.r0_low = FSD_R0_GPA;
	x.r0_top = FSD_R0_GPA + FSD_RSZ;
	x.r3_top = FSD_R3_GPA + FSD_RSZ;
	for (i = 0; i < c->n_steps && !kicks; i++) {
		const struct case_step *s = &c->steps[i];

		if (s->kind == ST_KICK) {
			kicks++;
			continue;
		}
		if (step(&x, s, why))
			return 0;
		descs += s->kind == ST_DESC || s->kind == ST_AVAIL || s->kind == ST_AVAIL_RAW;
	}
	if (!kicks || !descs) {
		*why = "no ring state before a kick";
		return 0;
	}

	/* main table: entry 0 up to the last one written, gaps as zero runs */
	last = 0;
	for (k = 0; k < x.size; k++)
		if (x.used[k])
			last = k + 1;
	n = 0;
	for (k = 0; k < last;) {
		struct fsd_rec *r = &x.in.rec[n++];

		if (x.used[k]) {
			raw_rec(r, x.d_addr[k], x.d_len[k], x.d_flags[k], x.d_next[k]);
			k++;
			continue;
		}
		raw_rec(r, 0, 0, 0, 0);
		r->nb = 0; /* next = 0 % size */
		r->rep_raw = 0;
		while (r->rep_raw < 7 && k + r->rep_raw + 1 < last && !x.used[k + r->rep_raw + 1])
			r->rep_raw++;
		k += r->rep_raw + 1u;
	}
	x.in.nrec = n;
	x.in.ntab_raw = (uint8_t)x.ntab; /* written whatever the features say */

	/* available ring: entries up to the last one written, idx as published */
	last = 0;
	for (k = 0; k < x.size; k++)
		if (x.av_written[k])
			last = k + 1;
	if (last > 255)
		last = 255;
	for (k = 0; k < last; k++)
		x.in.ent[k] = head_byte(x.av_ring[k], x.size);
	x.in.nent = last;
	x.in.nent_raw = (uint8_t)last;
	if (x.av_idx != last) {
		x.in.amode = (uint8_t)((x.in.amode & ~3) | 1);
		x.in.raw_idx = x.av_idx;
	}
	/* the device writes everything it may into each element */
	x.in.nact = last < FSD_ACT_MAX ? last + 1 : FSD_ACT_MAX;
	for (k = 0; k < x.in.nact; k++) {
		x.in.act[k] = 1;
		x.in.val[k] = 0;
	}
	fsd_normalize(&x.in);
	n = (unsigned)fsd_encode(&x.in, out, cap);
	if (!n)
		*why = "input too large";
	return n;
}

/* ------------------------------------------------------------ the command */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* 1 written, 0 already there, -1 error */
static int write_new(const char *dir, const uint8_t *p, size_t n)
{
	char path[4200];
	int fd;
	ssize_t w;

	int len = snprintf(path, sizeof(path), "%s/spec-%016llx", dir,
			   (unsigned long long)fnv1a(p, n));

	if (len < 0 || (size_t)len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	w = write(fd, p, n);
	if (close(fd) != 0 || w != (ssize_t)n)
		return -1;
	return 1;
}

static int find_catalogue(const char *given, const char *first, char *out, size_t n)
{
	char dir[4096];
	struct stat st;
	int up;

	if (given) {
		snprintf(out, n, "%s", given);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", first);
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *sl = strrchr(dir, '/');

		if (sl)
			*sl = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	for (up = 0; up < 4; up++) {
		snprintf(out, n, "%s/clauses.yaml", dir);
		if (stat(out, &st) == 0)
			return 0;
		snprintf(out, n, "%s/spec-cases/clauses.yaml", dir);
		if (stat(out, &st) == 0)
			return 0;
		strncat(dir, "/..", sizeof(dir) - strlen(dir) - 1);
	}
	return -1;
}

int export_corpus_main(int argc, char **argv)
{
	static struct case_point pts[EXPORT_MAX_POINTS];
	static uint8_t buf[1 << 16];
	const char *outdir = "corpus", *catpath = NULL;
	char path[4200], dir[4200], err[1024];
	struct catalogue cat;
	struct case_set set;
	unsigned written = 0, existing = 0, skipped = 0, npaths = 0;
	int a, first = -1;
	size_t i;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--out") && a + 1 < argc) {
			outdir = argv[++a];
		} else if (!strcmp(argv[a], "--catalogue") && a + 1 < argc) {
			catpath = argv[++a];
		} else if (argv[a][0] == '-') {
			fprintf(stderr, "usage: virtiocheck export-corpus [--out DIR] "
					"[--catalogue FILE] PATH...\n");
			return 2;
		} else {
			if (first < 0)
				first = a;
			npaths++;
		}
	}
	if (!npaths || find_catalogue(catpath, argv[first], path, sizeof(path)) != 0) {
		fprintf(stderr, "virtiocheck: export-corpus needs case paths and a clause catalogue\n");
		return 2;
	}
	if (catalogue_load(&cat, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	memset(&set, 0, sizeof(set));
	for (a = first; a < argc; a++) {
		if (!strcmp(argv[a], "--out") || !strcmp(argv[a], "--catalogue")) {
			a++;
			continue;
		}
		if (case_load_path(&set, argv[a], &cat, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			case_set_free(&set);
			catalogue_free(&cat);
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/fuzz_split_device", outdir);
	if ((mkdir(outdir, 0755) != 0 && errno != EEXIST) || (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "virtiocheck: cannot create %s\n", dir);
		case_set_free(&set);
		catalogue_free(&cat);
		return 2;
	}
	for (i = 0; i < set.n; i++) {
		unsigned np = case_expand(&set.cases[i], pts, EXPORT_MAX_POINTS), k;

		for (k = 0; k < np; k++) {
			const char *why;
			size_t n = export_split_point(&pts[k], buf, sizeof(buf), &why);
			int rc;

			if (!n) {
				skipped++;
				continue;
			}
			rc = write_new(dir, buf, n);
			if (rc < 0) {
				fprintf(stderr, "virtiocheck: cannot write into %s\n", dir);
				case_set_free(&set);
				catalogue_free(&cat);
				return 2;
			}
			written += rc == 1;
			existing += rc == 0;
		}
	}
	printf("export-corpus: %u new inputs, %u already present in %s; %u case points "
	       "not expressible as fuzz_split_device inputs\n",
	       written, existing, dir, skipped);
	case_set_free(&set);
	catalogue_free(&cat);
	return 0;
}
