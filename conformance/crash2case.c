// SPDX-License-Identifier: Apache-2.0
/*
 * crash2case: a fuzz_split_device input (decoded and materialized with the
 * target's own code, fuzz/fsd_input.c) as a spec case.
 *
 * Memory: the fuzz regions become case buffers placed at the top of a case
 * region, so that a region's end stays a region end: R0 -> region 0,
 * R1 and R2 -> region 1 (R1 on top), R3 -> region 2 (in world B only its
 * first 1 MiB). Addresses in a fuzz hole go to the case hole in the same
 * position, keeping their distance from the nearer end. The rings are the
 * reference driver's (the case format has no ring placement).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fsd_input.h"
#include "atomic_file.h"
#include "crash2case.h"

#define TABLE_MAX_ENTRIES 32 /* CASE_MAX_LIST */
#define STEPS_MAX 256        /* steps of one case (case_load.c) */

static const char *const rname[FSD_NREG] = { "r0", "r1", "r2", "r3" };
static const int rcase[FSD_NREG] = { 0, 1, 1, 2 };

/* case memory holes, [lo, last] (model/pair/vc_pair.c) */
static const uint64_t chole_lo[FSD_NREG] = { 0, 0x410000ull, 0x1400000ull, 0x100200000ull };
static const uint64_t chole_last[FSD_NREG] = { 0xffffull, 0xffffffull, 0xffffffffull, UINT64_MAX };

struct ctx {
	const struct fsd_state *st;
	const struct fsd_layout *l;
	uint64_t rsize[FSD_NREG]; /* case buffer sizes */
	bool rused[FSD_NREG];
	unsigned approx;          /* addresses that could not keep their meaning */
};

/* which fuzz region holds a (or -1) */
static int region_of(const struct ctx *c, uint64_t a, uint64_t *off)
{
	unsigned i;

	for (i = 0; i < FSD_NREG; i++)
		if (a >= c->l->r_gpa[i] && a - c->l->r_gpa[i] < c->l->r_size[i]) {
			*off = a - c->l->r_gpa[i];
			return (int)i;
		}
	return -1;
}

static void note_addr(struct ctx *c, uint64_t a)
{
	uint64_t off;
	int r = region_of(c, a, &off);

	if (r >= 0)
		c->rused[r] = true;
}

/* the address as YAML: {buf: rN, offset: O}, a table name, or a number */
static void put_addr(struct ctx *c, FILE *f, uint64_t a, int upto_table)
{
	uint64_t off, from_lo, from_hi;
	unsigned i;
	int r, t;

	for (t = 0; t < upto_table; t++)
		if (a == c->st->tab_gpa[t]) {
			fprintf(f, "t%d", t);
			return;
		}
	r = region_of(c, a, &off);
	if (r >= 0 && off < c->rsize[r]) {
		fprintf(f, "{buf: %s, offset: 0x%llx}", rname[r], (unsigned long long)off);
		return;
	}
	if (r >= 0) {
		/* world B's big R3 beyond the case buffer: past case region 2 */
		c->approx++;
		fprintf(f, "0x%llx", (unsigned long long)(chole_lo[3] + (off - c->rsize[r])));
		return;
	}
	for (i = 0; i < FSD_NREG; i++) {
		if (a < c->l->hole_lo[i] || a > c->l->hole_last[i])
			continue;
		from_lo = a - c->l->hole_lo[i];
		from_hi = c->l->hole_last[i] - a;
		if (from_lo <= from_hi)
			a = from_lo <= chole_last[i] - chole_lo[i] ? chole_lo[i] + from_lo : chole_last[i];
		else
			a = from_hi <= chole_last[i] - chole_lo[i] ? chole_last[i] - from_hi : chole_lo[i];
		break;
	}
	fprintf(f, "0x%llx", (unsigned long long)a);
}

static void put_desc(struct ctx *c, FILE *f, const uint8_t *d, int upto_table)
{
	fputs("addr: ", f);
	put_addr(c, f, fsd_ld64(d), upto_table);
	fprintf(f, ", len: 0x%x, flags: 0x%x, next: %u", fsd_ld32(d + 8), fsd_ld16(d + 12), fsd_ld16(d + 14));
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int crash2case_split(const uint8_t *data, size_t n, const char *name, FILE *f)
{
	static struct fsd_input in;
	static struct fsd_state st;
	struct ctx c;
	unsigned k, t, i, ntrunc = 0, nav, budget, dropped = 0;
	const uint64_t hash = fnv1a(data, n);
	bool refused_cfg, placed;

	fsd_decode(data, n, &in);
	fsd_materialize(&in, &st);
	memset(&c, 0, sizeof(c));
	c.st = &st;
	c.l = fsd_layout(st.world);
	for (i = 0; i < FSD_NREG; i++)
		c.rsize[i] = c.l->r_size[i] < 0x100000 ? c.l->r_size[i] : 0x100000;
	for (k = 0; k < st.n_desc; k++)
		note_addr(&c, fsd_ld64(st.desc_img + 16 * k));
	for (t = 0; t < st.ntab; t++)
		for (k = 0; k < st.tab_written[t] && k < TABLE_MAX_ENTRIES; k++)
			note_addr(&c, fsd_ld64(st.tab_img[t] + 16 * k));
	for (t = 0; t < st.ntab; t++)
		ntrunc += st.tab_written[t] > TABLE_MAX_ENTRIES;
	refused_cfg = st.cfg_size != st.size;
	placed = (in.feat & (FSD_F_PLACE | FSD_F_RAWPLACE)) != 0;

	fprintf(f, "# Regression case written by `virtiocheck crash2case` from a fuzz_split_device input.\n");
	fprintf(f, "#   input: %s (%zu bytes, FNV-1a 64 %016llx)\n", name, n,
		(unsigned long long)hash);
	fputs("#   oracle: fuzz/fuzz_split_device.c -- the reference chain walker (the device accepts\n"
	      "#     exactly the valid chains and refuses the first invalid one citing a clause it\n"
	      "#     breaks), write tracking (only writable buffers and the used ring are written),\n"
	      "#     used ids/lens, notification suppression and bounded work. Replay the input with\n"
	      "#     build/<preset>/fuzz/fuzz_split_device FILE (VC_SPLIT_TRACE=1 prints each step).\n", f);
	fprintf(f, "#   ring state: world %s, queue size %u (queue %u in the target), avail idx %u, "
		"flags 0x%x, used_event %u, %u descriptors, %u indirect tables\n",
		st.world ? "B" : "S", st.size, st.qindex, st.avail_idx, st.avail_flags,
		st.used_event, st.n_desc, st.ntab);
	fputs("#   memory: fuzz regions R0..R3 are buffers r0..r3 at the top of case regions\n"
	      "#     0, 1, 1, 2; holes map to the case's holes. Ring parts are the reference\n"
	      "#     driver's, so descriptors that pointed into the rings now point into r2.\n", f);
	if (placed)
		fprintf(f, "#   not reproduced: the input placed the rings itself (desc 0x%llx avail 0x%llx "
			"used 0x%llx).\n", (unsigned long long)st.ring[0],
			(unsigned long long)st.ring[1], (unsigned long long)st.ring[2]);
	if (refused_cfg)
		fprintf(f, "#   not reproduced: the input enabled the queue with size %u, which the device "
			"must refuse.\n", st.cfg_size);
	if (ntrunc)
		fprintf(f, "#   not reproduced: %u indirect table(s) cut to %u entries.\n", ntrunc,
			TABLE_MAX_ENTRIES);
	if (st.notify_off || st.bogus || in.nact)
		fputs("#   not reproduced: the device's completion plan (bytes written, deferred pushes, "
		      "bogus push, notification suppression); the case's device is the rng device.\n", f);

	fputs("cases:\n", f);
	fprintf(f, "  - id: fuzz.split.%016llx\n", (unsigned long long)hash);
	fprintf(f, "    title: \"fuzz_split_device input %016llx as a case: the device writes only "
		"what it was given and stays live\"\n", (unsigned long long)hash);
	fputs("    clauses:\n"
	      "      - \"drivernormative:Basic Facilities of a Virtio Device / Virtqueues / The "
	      "Virtqueue Descriptor Table\"\n", f);
	fputs("    role: device\n    device: core\n    spec: \"1.2\"\n", f);
	fputs("    tags: [split, hostile, fuzz, regression]\n", f);
	fprintf(f, "    setup:\n      accept: [%s%s%s]\n      queue_size: %u\n",
		st.event_idx ? "EVENT_IDX" : "", st.event_idx && st.indirect ? ", " : "",
		st.indirect ? "INDIRECT_DESC" : "", st.size);
	fputs("    steps:\n      - init\n", f);
	/* r1 before r2: both at the top of region 1, r1 on top */
	for (i = 0; i < FSD_NREG; i++)
		if (c.rused[i])
			fprintf(f, "      - buffer: {name: %s, size: 0x%llx, region: %d}\n", rname[i],
				(unsigned long long)c.rsize[i], rcase[i]);
	for (t = 0; t < st.ntab; t++) {
		unsigned m = st.tab_written[t] < TABLE_MAX_ENTRIES ? st.tab_written[t]
								  : TABLE_MAX_ENTRIES;

		fprintf(f, "      - table:\n          name: t%u\n          entries:\n", t);
		for (k = 0; k < m; k++) {
			fputs("            - {", f);
			put_desc(&c, f, st.tab_img[t] + 16 * k, (int)t);
			fputs("}\n", f);
		}
		if (!m)
			fputs("            - {addr: 0, len: 0, flags: 0, next: 0}\n", f);
	}
	/* a case has at most STEPS_MAX steps: the avail ring 32 heads a step,
	 * the descriptors in what is left (the rest are dropped, and said so) */
	nav = (st.nent + TABLE_MAX_ENTRIES - 1) / TABLE_MAX_ENTRIES;
	budget = STEPS_MAX - 1 - FSD_NREG - st.ntab - nav - 6;
	for (k = 0; k < st.n_desc; k++) {
		const uint8_t *d = st.desc_img + 16 * k;

		if (!(fsd_ld64(d) | fsd_ld32(d + 8) | fsd_ld16(d + 12) | fsd_ld16(d + 14)))
			continue;
		if (!budget) {
			dropped++;
			continue;
		}
		budget--;
		fprintf(f, "      - desc: {index: %u, ", k);
		put_desc(&c, f, d, (int)st.ntab);
		fputs("}\n", f);
	}
	for (k = 0; k < st.nent; k += TABLE_MAX_ENTRIES) {
		fputs("      - avail: {heads: [", f);
		for (i = k; i < st.nent && i < k + TABLE_MAX_ENTRIES; i++)
			fprintf(f, "%s%u", i > k ? ", " : "", fsd_ld16(st.avail_img + 4 + 2 * i));
		fputs("]}\n", f);
	}
	if (st.avail_flags)
		fprintf(f, "      - avail_flags: 0x%x\n", st.avail_flags);
	if (st.used_event)
		fprintf(f, "      - used_event: %u\n", st.used_event);
	fprintf(f, "      - avail_idx: %u\n", st.avail_idx);
	fputs("      - kick\n"
	      "      - expect: {device_wrote_only_writable: true}\n"
	      "      - expect: {live: true}\n", f);
	if (dropped)
		fprintf(f, "# %u descriptor(s) after the first %u were left out (a case has at most %u "
			"steps).\n", dropped, st.n_desc - dropped, STEPS_MAX);
	if (c.approx)
		fprintf(f, "# %u address(es) beyond the 1 MiB kept of world B's R3 were moved past case "
			"region 2.\n", c.approx);
	return ferror(f) ? -1 : 0;
}

int crash2case_main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *target = "fuzz_split_device";
	struct atomic_file af;
	uint8_t *buf;
	long len;
	FILE *f;
	int a, rc;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--target") && a + 1 < argc)
			target = argv[++a];
		else if (!strcmp(argv[a], "-o") && a + 1 < argc)
			out = argv[++a];
		else if (argv[a][0] != '-' && !in)
			in = argv[a];
		else
			in = NULL, a = argc;
	}
	if (!in) {
		fprintf(stderr, "usage: virtiocheck crash2case FILE [--target fuzz_split_device] "
				"[-o OUT.yaml]\n");
		return 2;
	}
	if (strcmp(target, "fuzz_split_device")) {
		fprintf(stderr, "virtiocheck: crash2case knows the target fuzz_split_device only\n");
		return 2;
	}
	f = fopen(in, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "virtiocheck: cannot read %s\n", in);
		if (f)
			fclose(f);
		return 2;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "virtiocheck: cannot read %s\n", in);
		free(buf);
		fclose(f);
		return 2;
	}
	fclose(f);
	if (!out) {
		rc = crash2case_split(buf, (size_t)len, in, stdout);
	} else if (atomic_file_open(&af, out) != 0) {
		rc = -1;
	} else {
		rc = crash2case_split(buf, (size_t)len, in, af.f);
		rc |= atomic_file_commit(&af);
	}
	free(buf);
	if (rc) {
		fprintf(stderr, "virtiocheck: cannot write %s\n", out ? out : "the case");
		return 2;
	}
	return 0;
}
