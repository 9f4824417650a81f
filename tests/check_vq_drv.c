// SPDX-License-Identifier: Apache-2.0
/*
 * Split virtqueue, driver side (vq_drv_*). The code under test works through
 * the "driver" view of guest memory; the test plays the device, usually a
 * hostile one, by writing the used ring and the descriptor tables raw through
 * a second, "device" view. For the round trips the real device side
 * (vq_dev_*) runs on the device view instead.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "gm.h"
#include "vq_split.h"
#include "vq_split_layout.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/violation.h"

/* ------------------------------------------------------------ memory map */

/* three regions with holes between them */
#define R0_GPA  0x10000ull
#define R0_SIZE 0x100000ull
#define R1_GPA  0x1000000ull
#define R1_SIZE 0x100000ull
#define R2_GPA  0x4000000ull
#define R2_SIZE 0x10000ull

/* ring parts: non-zero, at their alignment but no more */
#define DESC_GPA  0x1000100ull /* region 1, 16-aligned */
#define AVAIL_GPA 0x20002ull   /* region 0, 2-aligned */
#define USED_GPA  0x4000004ull /* region 2, 4-aligned */
#define IND_GPA   0x1008010ull /* region 1, indirect pool */
#define DATA0     0x40000ull   /* buffers, region 0 */
#define DATA1     0x1020000ull /* buffers, region 1 */

#define QIDX    3
#define QSIZE   16
#define IND_MAX 4
#define QMAX    256 /* largest queue size any test uses */

_Static_assert(IND_GPA + 16ull * QMAX * 16 <= DATA1, "indirect pool overlaps buffers");
_Static_assert(DESC_GPA + 16ull * QMAX <= IND_GPA, "descriptor table overlaps the pool");

/* A failed check in a hot loop: ck_assert() marks a point on every call,
 * which costs a write in fork mode; this only calls into Check on failure. */
#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

/* ------------------------------------------------------------ violation sink */

#define REC_MAX 16

struct rec_entry {
	const char *clause;
	enum vc_severity sev;
	uint16_t queue;
	uint32_t head;
	char msg[192];
};

struct sink_rec {
	struct rec_entry e[REC_MAX];
	unsigned count;
};

static void rec_sink(void *owner, const struct vc_violation *v)
{
	struct sink_rec *r = owner;

	if (r->count < REC_MAX) {
		struct rec_entry *e = &r->e[r->count];

		e->clause = v->clause ? v->clause : "(null)";
		e->sev = v->severity;
		e->queue = v->queue;
		e->head = v->head;
		memcpy(e->msg, v->msg, sizeof(e->msg));
		e->msg[sizeof(e->msg) - 1] = '\0';
	}
	r->count++;
}

static const char *rec_first(const struct sink_rec *r)
{
	return r->count ? r->e[0].msg : "(none)";
}

/* ------------------------------------------------------------ fixture */

struct fixture {
	gm_t *gm;
	gm_view_t *drv_view;
	gm_view_t *dev_view;
	vq_drv_t *drv;
	vq_dev_t *dev;
	struct vq_cfg cfg;
	uint16_t ind_max;
	struct sink_rec rec;     /* the driver's findings */
	struct sink_rec dev_rec; /* the device side's findings (round trips) */
	uint16_t uidx;           /* the test device's used idx */
	int h[QMAX];             /* heads posted by a setup */
	uint32_t expect_head;    /* head a hostile case expects in the report */
};

static struct fixture fx;
static char tok_store[QMAX];
#define TOK(i) ((void *)&tok_store[(i)])

static void drv_configure(uint16_t size, bool event_idx, bool indirect, uint16_t ind_max)
{
	memset(&fx.cfg, 0, sizeof(fx.cfg));
	fx.cfg.index = QIDX;
	fx.cfg.size = size;
	fx.cfg.desc = DESC_GPA;
	fx.cfg.driver = AVAIL_GPA;
	fx.cfg.device = USED_GPA;
	fx.cfg.event_idx = event_idx;
	fx.cfg.indirect = indirect;
	fx.ind_max = ind_max;
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, ind_max ? IND_GPA : 0, ind_max), 0);
	fx.uidx = 0;
	fx.rec.count = 0;
}

static void fx_setup(void)
{
	static const struct gm_region_spec regs[] = {
		{ R0_GPA, R0_SIZE },
		{ R1_GPA, R1_SIZE },
		{ R2_GPA, R2_SIZE },
	};

	memset(&fx, 0, sizeof(fx));
	vc_test_memory(regs, 3, &fx.gm, &fx.drv_view, &fx.dev_view);
	fx.drv = vq_drv_new(fx.drv_view, rec_sink, &fx.rec);
	ck_assert_ptr_nonnull(fx.drv);
	drv_configure(QSIZE, false, true, IND_MAX);
}

static void fx_teardown(void)
{
	vq_dev_free(fx.dev);
	vq_drv_free(fx.drv);
	gm_view_unmap(fx.dev_view);
	gm_view_unmap(fx.drv_view);
	gm_destroy(fx.gm);
	memset(&fx, 0, sizeof(fx));
}

/* ------------------------------------------------------------ device view */

static void *dev_ptr(uint64_t gpa, uint64_t len)
{
	void *p = gm_translate(fx.dev_view, gpa, len, GM_WRITE);

	REQUIRE(p != NULL, "0x%llx+%llu not in guest memory", (unsigned long long)gpa,
		(unsigned long long)len);
	return p;
}

static struct virtq_desc *dev_desc(void)
{
	return dev_ptr(fx.cfg.desc, virtq_desc_bytes(fx.cfg.size));
}

static struct virtq_avail *dev_avail(void)
{
	return dev_ptr(fx.cfg.driver, virtq_avail_bytes(fx.cfg.size) + 2);
}

static struct virtq_used *dev_used(void)
{
	return dev_ptr(fx.cfg.device, virtq_used_bytes(fx.cfg.size) + 2);
}

/* the indirect table a head descriptor points to, as the device sees it */
static struct virtq_desc *dev_ind_table(int head)
{
	const struct virtq_desc *d = &dev_desc()[head];

	return dev_ptr(le64_to_cpu(d->addr), le32_to_cpu(d->len));
}

static uint16_t avail_idx_seen(void) { return le16_load_acquire(&dev_avail()->idx); }
static uint16_t avail_flags_seen(void) { return le16_load_once(&dev_avail()->flags); }

static uint16_t used_event_seen(void)
{
	return le16_load_once(virtq_used_event(dev_avail(), fx.cfg.size));
}

static void set_used_flags(uint16_t flags) { le16_store_release(&dev_used()->flags, flags); }

static void set_avail_event(uint16_t ev)
{
	le16_store_release(virtq_avail_event(dev_used(), fx.cfg.size), ev);
}

/* write one used element at the device's used idx, without publishing */
static void put_used(uint32_t id, uint32_t len)
{
	struct virtq_used_elem *e = &dev_used()->ring[fx.uidx & (fx.cfg.size - 1)];

	le32_store_once(&e->id, id);
	le32_store_once(&e->len, len);
	fx.uidx++;
}

static void publish_used(uint16_t idx) { le16_store_release(&dev_used()->idx, idx); }

static void complete_raw(uint32_t id, uint32_t len)
{
	put_used(id, len);
	publish_used(fx.uidx);
}

static int add_ok(const struct vq_buf *out, unsigned n_out, const struct vq_buf *in,
		  unsigned n_in, void *token, bool indirect)
{
	int h = vq_drv_add(fx.drv, out, n_out, in, n_in, token, indirect);

	REQUIRE(h >= 0 && h < fx.cfg.size, "vq_drv_add returned %d", h);
	return h;
}

/* a well-behaved completion, reaped at once */
static void legit_reap(int head, void *token, uint32_t len)
{
	void *t = NULL;
	uint32_t l = ~0u;
	int rc;

	vq_drv_kick_prepare(fx.drv); /* a device only sees published chains */
	complete_raw((uint32_t)head, len);
	rc = vq_drv_get(fx.drv, &t, &l);
	REQUIRE(rc == 1, "legit completion of head %d: get returned %d (%s)", head, rc,
		rec_first(&fx.rec));
	REQUIRE(t == token && l == len, "legit completion of head %d: wrong token/len", head);
}

/* n cycles of post one / kick / complete / reap, to move the indices */
static void advance(uint32_t n)
{
	struct vq_buf b = { DATA0 + 0x800, 8 };
	uint32_t i;

	for (i = 0; i < n; i++) {
		int h = add_ok(&b, 1, NULL, 0, TOK(QMAX - 1), false);

		vq_drv_kick_prepare(fx.drv);
		legit_reap(h, TOK(QMAX - 1), 0);
	}
	REQUIRE(fx.rec.count == 0, "warm-up reported: %s", rec_first(&fx.rec));
}

/* ------------------------------------------------------------ hostile device */

/*
 * Chains every hostile case starts from:
 *   h[0] A: direct, out 64 | in 100 + 28 (3 descriptors, 128 writable)
 *   h[1] B: direct, out 16 (readable only, 1 descriptor)
 *   h[2] C: indirect, out 32 | in 48 + 16 (3 table entries, 64 writable)
 */
static const struct vq_buf a_out[] = { { DATA0, 64 } };
static const struct vq_buf a_in[] = { { DATA0 + 0x100, 100 }, { DATA1, 28 } };
static const struct vq_buf b_out[] = { { DATA0 + 0x200, 16 } };
static const struct vq_buf c_out[] = { { DATA1 + 0x100, 32 } };
static const struct vq_buf c_in[] = { { DATA0 + 0x300, 48 }, { DATA1 + 0x200, 16 } };

static void post_mixed(void)
{
	fx.h[0] = add_ok(a_out, 1, a_in, 2, TOK(0), false);
	fx.h[1] = add_ok(b_out, 1, NULL, 0, TOK(1), false);
	fx.h[2] = add_ok(c_out, 1, c_in, 2, TOK(2), true);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 3);
}

static void setup_mixed(void) { post_mixed(); }

/* the same, with last_used at 0xffff so the used idx wraps next */
static void setup_wrapped(void)
{
	advance(0xffff);
	post_mixed();
}

/* every descriptor in use by a one-descriptor chain */
static void setup_full(void)
{
	struct vq_buf in = { DATA0 + 0x400, 32 };
	int i;

	for (i = 0; i < fx.cfg.size; i++)
		fx.h[i] = add_ok(NULL, 0, &in, 1, TOK(i), false);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), 0);
	ck_assert(vq_drv_kick_prepare(fx.drv));
}

static uint16_t desc_next_of(int idx) { return le16_to_cpu(dev_desc()[idx].next); }

static void mut_id_ge_size(void)
{
	fx.expect_head = fx.cfg.size;
	complete_raw(fx.cfg.size, 0);
}

static void mut_id_all_ones(void)
{
	fx.expect_head = 0xffffffffu;
	complete_raw(0xffffffffu, 0);
}

/* the low 16 bits name an outstanding head: no truncation allowed */
static void mut_id_high_bits(void)
{
	fx.expect_head = 0x10000u + (uint32_t)fx.h[3];
	complete_raw(fx.expect_head, 0);
}

static void mut_id_nonhead_middle(void)
{
	fx.expect_head = desc_next_of(fx.h[0]);
	complete_raw(fx.expect_head, 0);
}

static void mut_id_nonhead_last(void)
{
	fx.expect_head = desc_next_of(desc_next_of(fx.h[0]));
	complete_raw(fx.expect_head, 0);
}

static void mut_id_free(void)
{
	uint32_t id = fx.cfg.size - 1u; /* five descriptors are in use: 0..4 */

	ck_assert_uint_eq(vq_drv_num_free(fx.drv), fx.cfg.size - 5u);
	ck_assert(id != (uint32_t)fx.h[0] && id != (uint32_t)fx.h[1] && id != (uint32_t)fx.h[2]);
	ck_assert(id != desc_next_of(fx.h[0]) && id != desc_next_of(desc_next_of(fx.h[0])));
	fx.expect_head = id;
	complete_raw(id, 0);
}

static void mut_id_twice(void)
{
	legit_reap(fx.h[0], TOK(0), 5);
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw((uint32_t)fx.h[0], 5);
}

static void mut_len_gt_writable(void)
{
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 129);
}

static void mut_len_readonly(void)
{
	fx.expect_head = (uint32_t)fx.h[1];
	complete_raw(fx.expect_head, 1);
}

static void mut_len_all_ones(void)
{
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 0xffffffffu);
}

static void mut_len_gt_writable_indirect(void)
{
	fx.expect_head = (uint32_t)fx.h[2];
	complete_raw(fx.expect_head, 65);
}

/* four valid-looking entries, three outstanding chains */
static void mut_idx_past_outstanding(void)
{
	put_used((uint32_t)fx.h[0], 0);
	put_used((uint32_t)fx.h[1], 0);
	put_used((uint32_t)fx.h[2], 0);
	put_used((uint32_t)fx.h[0], 0);
	publish_used(fx.uidx);
}

static void mut_idx_jump_8000(void)
{
	put_used((uint32_t)fx.h[0], 0);
	publish_used((uint16_t)(fx.uidx - 1 + 0x8000));
}

/* one good completion, then idx one below what was reaped */
static void mut_idx_backwards(void)
{
	legit_reap(fx.h[1], TOK(1), 0);
	publish_used((uint16_t)(fx.uidx - 1));
}

static void mut_desc_addr(void)
{
	struct virtq_desc *d = &dev_desc()[fx.h[0]];

	d->addr = cpu_to_le64(le64_to_cpu(d->addr) ^ 0x1000);
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 0);
}

static void mut_desc_len(void)
{
	struct virtq_desc *d = &dev_desc()[fx.h[0]];

	d->len = cpu_to_le32(le32_to_cpu(d->len) + 1);
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 0);
}

static void mut_desc_flags(void)
{
	struct virtq_desc *d = &dev_desc()[fx.h[0]];

	d->flags = cpu_to_le16((uint16_t)(le16_to_cpu(d->flags) | VIRTQ_DESC_F_WRITE));
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 0);
}

static void mut_desc_next(void)
{
	struct virtq_desc *d = &dev_desc()[fx.h[0]];

	d->next = cpu_to_le16((uint16_t)(fx.cfg.size - 1));
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 0);
}

static void mut_desc_middle_of_three(void)
{
	struct virtq_desc *d = &dev_desc()[desc_next_of(fx.h[0])];

	d->addr = cpu_to_le64(le64_to_cpu(d->addr) + 0x40);
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 100);
}

static void mut_desc_last_of_three(void)
{
	struct virtq_desc *d = &dev_desc()[desc_next_of(desc_next_of(fx.h[0]))];

	d->len = cpu_to_le32(0x10000);
	fx.expect_head = (uint32_t)fx.h[0];
	complete_raw(fx.expect_head, 128);
}

static void mut_indirect_entry(void)
{
	struct virtq_desc *t = dev_ind_table(fx.h[2]);

	t[1].len = cpu_to_le32(le32_to_cpu(t[1].len) + 0x1000);
	fx.expect_head = (uint32_t)fx.h[2];
	complete_raw(fx.expect_head, 10);
}

static void mut_indirect_head(void)
{
	struct virtq_desc *d = &dev_desc()[fx.h[2]];

	d->flags = cpu_to_le16(0);
	fx.expect_head = (uint32_t)fx.h[2];
	complete_raw(fx.expect_head, 0);
}

struct hostile_case {
	const char *name;
	void (*setup)(void);
	void (*mutate)(void);
	const char *clause;
	enum vc_severity sev;
};

static const struct hostile_case hostile_cases[] = {
	{ "used id == queue size", setup_mixed, mut_id_ge_size, CL_DEV_USED, VC_SEV_FATAL },
	{ "used id == queue size, queue full", setup_full, mut_id_ge_size, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "used id 0xffffffff", setup_mixed, mut_id_all_ones, CL_DEV_USED, VC_SEV_FATAL },
	{ "used id 0x10000 + outstanding head", setup_full, mut_id_high_bits, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "used id names the 2nd descriptor of a chain", setup_mixed, mut_id_nonhead_middle,
	  CL_DEV_USED, VC_SEV_FATAL },
	{ "used id names the last descriptor of a chain", setup_mixed, mut_id_nonhead_last,
	  CL_DEV_USED, VC_SEV_FATAL },
	{ "used id names a never-posted descriptor", setup_mixed, mut_id_free, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "same head completed twice", setup_mixed, mut_id_twice, CL_DEV_USED, VC_SEV_FATAL },
	{ "same head completed twice, across the wrap", setup_wrapped, mut_id_twice, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "len > writable bytes", setup_mixed, mut_len_gt_writable, CL_DEV_USED, VC_SEV_FATAL },
	{ "len 1 on a readable-only chain", setup_mixed, mut_len_readonly, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "len 0xffffffff", setup_mixed, mut_len_all_ones, CL_DEV_USED, VC_SEV_FATAL },
	{ "len > writable bytes of an indirect chain", setup_mixed, mut_len_gt_writable_indirect,
	  CL_DEV_USED, VC_SEV_FATAL },
	{ "used idx past the outstanding count", setup_mixed, mut_idx_past_outstanding,
	  CL_DEV_USED, VC_SEV_FATAL },
	{ "used idx past the outstanding count, across the wrap", setup_wrapped,
	  mut_idx_past_outstanding, CL_DEV_USED, VC_SEV_FATAL },
	{ "used idx jumps by 0x8000", setup_mixed, mut_idx_jump_8000, CL_DEV_USED,
	  VC_SEV_FATAL },
	{ "used idx goes backwards", setup_mixed, mut_idx_backwards, CL_DEV_USED, VC_SEV_FATAL },
	{ "used idx goes backwards across the wrap", setup_wrapped, mut_idx_backwards,
	  CL_DEV_USED, VC_SEV_FATAL },
	{ "head descriptor addr rewritten", setup_mixed, mut_desc_addr, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "head descriptor len rewritten", setup_mixed, mut_desc_len, CL_DEV_DESC, VC_SEV_FATAL },
	{ "head descriptor flags rewritten", setup_mixed, mut_desc_flags, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "head descriptor next rewritten", setup_mixed, mut_desc_next, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "middle descriptor of 3 rewritten", setup_mixed, mut_desc_middle_of_three, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "last descriptor of 3 rewritten", setup_mixed, mut_desc_last_of_three, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "indirect table entry rewritten", setup_mixed, mut_indirect_entry, CL_DEV_DESC,
	  VC_SEV_FATAL },
	{ "indirect head descriptor rewritten", setup_mixed, mut_indirect_head, CL_DEV_DESC,
	  VC_SEV_FATAL },
};

#define N_HOSTILE (int)(sizeof(hostile_cases) / sizeof(hostile_cases[0]))

#define SENTINEL_TOK ((void *)&fx)
#define SENTINEL_LEN 0xdeadbeefu

START_TEST(hostile_device_is_fatal)
{
	const struct hostile_case *c = &hostile_cases[_i];
	struct vq_buf b = { DATA0 + 0x600, 8 };
	void *tok = SENTINEL_TOK;
	uint32_t len = SENTINEL_LEN;
	uint64_t added, reaped;
	uint16_t outstanding, nfree;

	c->setup();
	fx.expect_head = VC_NO_INDEX;
	c->mutate();
	ck_assert_msg(fx.rec.count == 0, "%s: reported before the bad get: %s", c->name,
		      rec_first(&fx.rec));
	ck_assert_msg(!vq_drv_broken(fx.drv), "%s: broken before the bad get", c->name);
	added = vq_drv_stats(fx.drv)->added;
	reaped = vq_drv_stats(fx.drv)->reaped;
	outstanding = vq_drv_outstanding(fx.drv);
	nfree = vq_drv_num_free(fx.drv);

	ck_assert_msg(vq_drv_get(fx.drv, &tok, &len) == -1, "%s: get did not refuse", c->name);
	ck_assert_msg(fx.rec.count == 1, "%s: %u reports", c->name, fx.rec.count);
	ck_assert_msg(strcmp(fx.rec.e[0].clause, c->clause) == 0, "%s: clause \"%s\"", c->name,
		      fx.rec.e[0].clause);
	ck_assert_msg(fx.rec.e[0].sev == c->sev, "%s: severity %d", c->name, fx.rec.e[0].sev);
	ck_assert_msg(fx.rec.e[0].queue == QIDX, "%s: queue %u", c->name, fx.rec.e[0].queue);
	ck_assert_msg(fx.rec.e[0].head == fx.expect_head, "%s: head %u, expected %u", c->name,
		      fx.rec.e[0].head, fx.expect_head);
	ck_assert_msg(fx.rec.e[0].msg[0] != '\0', "%s: empty message", c->name);
	ck_assert_msg(vq_drv_broken(fx.drv), "%s: queue not broken", c->name);
	/* nothing handed out, nothing freed */
	ck_assert_msg(tok == SENTINEL_TOK && len == SENTINEL_LEN, "%s: token/len written",
		      c->name);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->reaped, reaped);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), outstanding);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), nfree);

	/* refuses from now on, without a second report */
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), -1);
	ck_assert_ptr_eq(tok, SENTINEL_TOK);
	ck_assert_uint_eq(len, SENTINEL_LEN);
	ck_assert_int_eq(vq_drv_add(fx.drv, &b, 1, NULL, 0, TOK(9), false), -1);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, added);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), -1);
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert(vq_drv_broken(fx.drv));
}
END_TEST

/* ------------------------------------------------------------ suppression findings */

static const uint16_t bad_flags_no_evt[] = { 2, 3, 0x8000, 0xffff };

START_TEST(bad_used_flags_recorded_once_without_event_idx)
{
	uint16_t flags = bad_flags_no_evt[_i];
	bool want = !(flags & VIRTQ_USED_F_NO_NOTIFY);
	struct vq_buf b = { DATA0, 8 };
	void *tok;
	uint32_t len;
	int h0, h1;

	set_used_flags(flags);
	h0 = add_ok(&b, 1, NULL, 0, TOK(0), false);
	ck_assert_int_eq(vq_drv_kick_prepare(fx.drv), want);
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert_str_eq(fx.rec.e[0].clause, CL_DEV_AVAIL_SUPPR);
	ck_assert_int_eq(fx.rec.e[0].sev, VC_SEV_RECORD);
	ck_assert_uint_eq(fx.rec.e[0].queue, QIDX);
	ck_assert_uint_eq(fx.rec.e[0].head, VC_NO_INDEX);
	ck_assert(!vq_drv_broken(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 1); /* published all the same */

	/* reported once only */
	h1 = add_ok(&b, 1, NULL, 0, TOK(1), false);
	ck_assert_int_eq(vq_drv_kick_prepare(fx.drv), want);
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert(!vq_drv_broken(fx.drv));

	/* and the queue keeps working */
	put_used((uint32_t)h1, 0);
	complete_raw((uint32_t)h0, 0);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(1));
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(0));
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->kicks, want ? 2 : 0);
	ck_assert_uint_eq(fx.rec.count, 1);
}
END_TEST

static const uint16_t bad_flags_evt[] = { 1, 2, 3, 0xffff };

START_TEST(nonzero_used_flags_recorded_once_with_event_idx)
{
	uint16_t flags = bad_flags_evt[_i];
	struct vq_buf b = { DATA0, 8 };

	drv_configure(QSIZE, true, true, IND_MAX);
	set_used_flags(flags);
	set_avail_event(0);
	add_ok(&b, 1, NULL, 0, TOK(0), false);
	/* the decision follows avail_event, whatever the flags say */
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert_str_eq(fx.rec.e[0].clause, CL_DEV_AVAIL_SUPPR);
	ck_assert_int_eq(fx.rec.e[0].sev, VC_SEV_RECORD);
	ck_assert_uint_eq(fx.rec.e[0].queue, QIDX);
	ck_assert(!vq_drv_broken(fx.drv));

	add_ok(&b, 1, NULL, 0, TOK(1), false);
	ck_assert(!vq_drv_kick_prepare(fx.drv)); /* avail_event 0 already passed */
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert(!vq_drv_broken(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 2);
	legit_reap(0, TOK(0), 0);
}
END_TEST

START_TEST(valid_used_flags_not_reported)
{
	struct vq_buf b = { DATA0, 8 };
	int k;

	/* 0 and 1 without EVENT_IDX, 0 with it */
	for (k = 0; k < 4; k++) {
		set_used_flags((uint16_t)(k & 1));
		add_ok(&b, 1, NULL, 0, TOK(k), false);
		vq_drv_kick_prepare(fx.drv);
	}
	ck_assert_uint_eq(fx.rec.count, 0);
	drv_configure(QSIZE, true, true, IND_MAX);
	set_used_flags(0);
	for (k = 0; k < 4; k++) {
		set_avail_event((uint16_t)k);
		add_ok(&b, 1, NULL, 0, TOK(k), false);
		ck_assert(vq_drv_kick_prepare(fx.drv));
	}
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

/* ------------------------------------------------------------ layout */

START_TEST(direct_chain_layout)
{
	static const struct vq_buf out[] = { { DATA0 + 0x10, 10 }, { DATA1 + 0x10, 20 } };
	static const struct vq_buf in[] = { { DATA0 + 0x100, 30 }, { DATA1 + 0x200, 40 } };
	const struct virtq_desc *d = dev_desc();
	bool used[QSIZE] = { false };
	int h, h2, k;
	uint16_t i;

	set_used_flags(0);
	h = add_ok(out, 2, in, 2, TOK(0), false);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 4);
	for (i = (uint16_t)h, k = 0; k < 4; k++) {
		const struct vq_buf *b = k < 2 ? &out[k] : &in[k - 2];
		uint16_t want = (uint16_t)((k >= 2 ? VIRTQ_DESC_F_WRITE : 0) |
					   (k < 3 ? VIRTQ_DESC_F_NEXT : 0));

		ck_assert_uint_lt(i, QSIZE);
		ck_assert_msg(!used[i], "descriptor %u used twice in one chain", i);
		used[i] = true;
		ck_assert_uint_eq(le64_to_cpu(d[i].addr), b->gpa);
		ck_assert_uint_eq(le32_to_cpu(d[i].len), b->len);
		ck_assert_uint_eq(le16_to_cpu(d[i].flags), want);
		i = le16_to_cpu(d[i].next);
	}

	/* readable-only: no WRITE anywhere, last is 0; writable-only: all WRITE */
	h2 = add_ok(out, 2, NULL, 0, TOK(1), false);
	ck_assert(!used[h2]);
	ck_assert_uint_eq(le16_to_cpu(d[h2].flags), VIRTQ_DESC_F_NEXT);
	i = le16_to_cpu(d[h2].next);
	ck_assert(!used[i] && i != h2);
	ck_assert_uint_eq(le16_to_cpu(d[i].flags), 0);
	ck_assert_uint_eq(le64_to_cpu(d[i].addr), out[1].gpa);
	h2 = add_ok(NULL, 0, in, 1, TOK(2), false);
	ck_assert_uint_eq(le16_to_cpu(d[h2].flags), VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(le32_to_cpu(d[h2].len), in[0].len);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 7);

	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 3);
	ck_assert_uint_eq(le16_to_cpu(dev_avail()->ring[0]), h);
	ck_assert_uint_eq(le16_to_cpu(dev_avail()->ring[2]), h2);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(indirect_chain_layout)
{
	static const struct vq_buf out[] = { { DATA0 + 0x10, 10 } };
	static const struct vq_buf in[] = { { DATA1 + 0x10, 20 }, { DATA0 + 0x100, 30 } };
	const struct virtq_desc *d = dev_desc(), *t, *t2;
	uint64_t a, a2;
	int h, h2, k;

	h = add_ok(out, 1, in, 2, TOK(0), true);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 1);
	ck_assert_uint_eq(le16_to_cpu(d[h].flags), VIRTQ_DESC_F_INDIRECT);
	ck_assert_uint_eq(le32_to_cpu(d[h].len), 16 * 3);
	a = le64_to_cpu(d[h].addr);
	ck_assert(a >= IND_GPA && a + 48 <= IND_GPA + 16ull * QSIZE * IND_MAX);
	t = dev_ind_table(h);
	for (k = 0; k < 3; k++) {
		const struct vq_buf *b = k < 1 ? &out[k] : &in[k - 1];
		uint16_t want = (uint16_t)((k >= 1 ? VIRTQ_DESC_F_WRITE : 0) |
					   (k < 2 ? VIRTQ_DESC_F_NEXT : 0));

		ck_assert_uint_eq(le64_to_cpu(t[k].addr), b->gpa);
		ck_assert_uint_eq(le32_to_cpu(t[k].len), b->len);
		ck_assert_uint_eq(le16_to_cpu(t[k].flags), want);
		if (k < 2)
			ck_assert_uint_eq(le16_to_cpu(t[k].next), k + 1);
	}

	/* a second, readable-only one: its own table, no WRITE anywhere */
	h2 = add_ok(in, 2, NULL, 0, TOK(1), true);
	ck_assert_int_ne(h2, h);
	ck_assert_uint_eq(le16_to_cpu(d[h2].flags), VIRTQ_DESC_F_INDIRECT);
	ck_assert_uint_eq(le32_to_cpu(d[h2].len), 32);
	a2 = le64_to_cpu(d[h2].addr);
	ck_assert(a2 + 32 <= a || a + 48 <= a2);
	t2 = dev_ind_table(h2);
	ck_assert_uint_eq(le16_to_cpu(t2[0].flags), VIRTQ_DESC_F_NEXT);
	ck_assert_uint_eq(le16_to_cpu(t2[0].next), 1);
	ck_assert_uint_eq(le16_to_cpu(t2[1].flags), 0);
	ck_assert_uint_eq(le64_to_cpu(t2[1].addr), in[1].gpa);
	/* the first table is untouched */
	ck_assert_uint_eq(le64_to_cpu(t[0].addr), out[0].gpa);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 2);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(avail_idx_published_only_by_kick_prepare)
{
	struct vq_buf b = { DATA0, 8 };
	struct vc_elem e;
	int k, heads[5];

	fx.dev = vq_dev_new(fx.dev_view, rec_sink, &fx.dev_rec);
	ck_assert_ptr_nonnull(fx.dev);
	ck_assert_int_eq(vq_dev_enable(fx.dev, &fx.cfg), 0);

	for (k = 0; k < 3; k++)
		heads[k] = add_ok(&b, 1, NULL, 0, TOK(k), false);
	ck_assert_uint_eq(avail_idx_seen(), 0);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	vq_drv_kick_prepare(fx.drv);
	ck_assert_uint_eq(avail_idx_seen(), 3);
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_OK);
		ck_assert_uint_eq(e.head, heads[k]);
	}
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);

	for (k = 3; k < 5; k++)
		heads[k] = add_ok(&b, 1, NULL, 0, TOK(k), true);
	ck_assert_uint_eq(avail_idx_seen(), 3);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_EMPTY);
	vq_drv_kick_prepare(fx.drv);
	ck_assert_uint_eq(avail_idx_seen(), 5);
	ck_assert_int_eq(vq_dev_pop(fx.dev, &e), VC_POP_OK);
	ck_assert_uint_eq(e.head, heads[3]);
	/* nothing new: a second kick_prepare publishes nothing, asks nothing */
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 5);
	ck_assert_uint_eq(fx.rec.count, 0);
	ck_assert_uint_eq(fx.dev_rec.count, 0);
}
END_TEST

/* ------------------------------------------------------------ notifications */

START_TEST(kick_without_event_idx_follows_no_notify)
{
	struct vq_buf b = { DATA0, 8 };

	set_avail_event(0x1234); /* ignored without EVENT_IDX */
	add_ok(&b, 1, NULL, 0, TOK(0), false);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	set_used_flags(VIRTQ_USED_F_NO_NOTIFY);
	add_ok(&b, 1, NULL, 0, TOK(1), false);
	add_ok(&b, 1, NULL, 0, TOK(2), false);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 3); /* suppressed, still published */
	set_used_flags(0);
	add_ok(&b, 1, NULL, 0, TOK(3), false);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert(!vq_drv_kick_prepare(fx.drv)); /* nothing new */
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->kicks, 2);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

struct evt_case {
	uint16_t start; /* avail idx published before the batch */
	uint16_t n;     /* chains in the batch */
	int ev_delta;   /* avail_event - start */
	bool kick;
};

/* [old, new) crosses avail_event iff old <= event < new, modulo 2^16 */
static const struct evt_case evt_cases[] = {
	{ 0, 1, 0, true },
	{ 0, 16, 15, true },
	{ 0, 16, 16, false },
	{ 5, 1, 0, true },
	{ 5, 3, 0, true },
	{ 5, 3, 2, true },
	{ 5, 3, 3, false },
	{ 5, 3, -1, false },
	{ 5, 3, 100, false },
	{ 0xfffe, 3, 0, true },     /* event 0xfffe */
	{ 0xfffe, 3, 1, true },     /* event 0xffff */
	{ 0xfffe, 3, 2, true },     /* event 0, past the wrap */
	{ 0xfffe, 3, 3, false },    /* event 1 == new */
	{ 0xfffe, 3, -1, false },   /* event 0xfffd */
	{ 0xfffe, 3, 0x8000, false },
};

START_TEST(kick_with_event_idx_follows_avail_event)
{
	const struct evt_case *c = &evt_cases[_i];
	struct vq_buf b = { DATA0, 8 };
	uint64_t kicks;
	int k;

	drv_configure(QSIZE, true, true, IND_MAX);
	advance(c->start);
	ck_assert_uint_eq(avail_idx_seen(), c->start);
	kicks = vq_drv_stats(fx.drv)->kicks;
	for (k = 0; k < c->n; k++)
		add_ok(&b, 1, NULL, 0, TOK(k), (k & 1) != 0);
	set_used_flags(0);
	set_avail_event((uint16_t)(c->start + c->ev_delta));
	/* the table agrees with the spec's formula, and so does the driver */
	ck_assert_int_eq(virtq_need_event((uint16_t)(c->start + c->ev_delta),
					  (uint16_t)(c->start + c->n), c->start),
			 c->kick);
	ck_assert_int_eq(vq_drv_kick_prepare(fx.drv), c->kick);
	ck_assert_uint_eq(avail_idx_seen(), (uint16_t)(c->start + c->n));
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->kicks, kicks + (c->kick ? 1 : 0));
	/* nothing new since: never a kick, wherever avail_event points */
	set_avail_event((uint16_t)(c->start + c->n));
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(set_interrupt_without_event_idx_writes_avail_flags)
{
	struct vq_buf b = { DATA0, 8 };

	ck_assert_uint_eq(avail_flags_seen(), 0);
	vq_drv_set_interrupt(fx.drv, false);
	ck_assert_uint_eq(avail_flags_seen(), VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* reaping does not turn interrupts back on */
	legit_reap(add_ok(&b, 1, NULL, 0, TOK(0), false), TOK(0), 0);
	ck_assert_uint_eq(avail_flags_seen(), VIRTQ_AVAIL_F_NO_INTERRUPT);
	vq_drv_set_interrupt(fx.drv, true);
	ck_assert_uint_eq(avail_flags_seen(), 0);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

/* The device cannot have seen a chain before its avail idx was published. */
START_TEST(used_entry_for_unpublished_chain_is_fatal)
{
	struct vq_buf in = { DATA0, 8 };
	void *t = NULL;
	uint32_t l = 0;
	int h;

	h = add_ok(NULL, 0, &in, 1, TOK(1), false);
	complete_raw((uint32_t)h, 4); /* no vq_drv_kick_prepare: still private */
	ck_assert_int_eq(vq_drv_get(fx.drv, &t, &l), -1);
	ck_assert(vq_drv_broken(fx.drv));
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert_str_eq(fx.rec.e[0].clause, CL_DEV_USED);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(set_interrupt_with_event_idx_writes_used_event)
{
	drv_configure(QSIZE, true, true, IND_MAX);
	ck_assert_uint_eq(used_event_seen(), 0);
	advance(5);
	ck_assert_uint_eq(used_event_seen(), 5); /* follows each reap */
	vq_drv_set_interrupt(fx.drv, false);
	ck_assert_uint_eq(avail_flags_seen(), 0); /* flags stay 0 with EVENT_IDX */
	advance(3);
	ck_assert_uint_eq(avail_flags_seen(), 0);
	vq_drv_set_interrupt(fx.drv, true);
	ck_assert_uint_eq(used_event_seen(), 8);
	ck_assert_uint_eq(avail_flags_seen(), 0);
	advance(2);
	ck_assert_uint_eq(used_event_seen(), 10);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(setup_zeroes_used_flags)
{
	bool evt = _i != 0;
	struct vq_buf b = { DATA0, 8 };

	/* stale bytes where the rings go */
	memset(dev_used(), 0xff, virtq_used_bytes(QSIZE) + 2);
	memset(dev_avail(), 0xff, virtq_avail_bytes(QSIZE) + 2);
	drv_configure(QSIZE, evt, true, IND_MAX);
	ck_assert_uint_eq(le16_to_cpu(dev_used()->flags), 0);
	ck_assert_uint_eq(le16_to_cpu(dev_used()->idx), 0);
	ck_assert_uint_eq(avail_flags_seen(), 0);
	ck_assert_uint_eq(avail_idx_seen(), 0);
	ck_assert_uint_eq(used_event_seen(), 0);
	ck_assert_uint_eq(le16_to_cpu(*virtq_avail_event(dev_used(), QSIZE)), 0);
	/* the first buffer is announced, and no stale used entry is reaped */
	add_ok(&b, 1, NULL, 0, TOK(0), false);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

/* ------------------------------------------------------------ add */

START_TEST(add_fails_when_full)
{
	struct vq_buf b = { DATA0, 8 }, two[2] = { { DATA0, 8 }, { DATA1, 8 } };
	int k;

	for (k = 0; k < QSIZE - 2; k++)
		add_ok(&b, 1, NULL, 0, TOK(k), false);
	/* two free: a 3-descriptor chain does not fit, a 2-descriptor one does */
	ck_assert_int_eq(vq_drv_add(fx.drv, &b, 1, two, 2, TOK(20), false), -1);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), 2);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, QSIZE - 2);
	add_ok(&b, 1, &b, 1, TOK(21), false);
	ck_assert(vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), QSIZE - 1);
	le16_store_once(&dev_avail()->ring[QSIZE - 1], 0xbeef);

	ck_assert_uint_eq(vq_drv_num_free(fx.drv), 0);
	ck_assert_int_eq(vq_drv_add(fx.drv, &b, 1, NULL, 0, TOK(22), false), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, &b, 1, NULL, 0, TOK(23), true), -1);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, QSIZE - 1);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), QSIZE - 1);
	ck_assert_uint_eq(le16_to_cpu(dev_avail()->ring[QSIZE - 1]), 0xbeef);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), QSIZE - 1);
	ck_assert_uint_eq(fx.rec.count, 0);
	ck_assert(!vq_drv_broken(fx.drv));

	/* one reaped: room again */
	legit_reap(0, TOK(0), 0);
	add_ok(&b, 1, NULL, 0, TOK(24), true);
}
END_TEST

START_TEST(add_fails_over_4gib_total)
{
	struct vq_buf big[3] = {
		{ DATA0, 0x80000000u },
		{ DATA1, 0x80000001u },
		{ DATA0, 0xffffffffu },
	};
	struct vq_buf half[2] = { { DATA0, 0x80000000u }, { DATA1, 0x80000000u } };

	le16_store_once(&dev_avail()->ring[0], 0xbeef);
	ck_assert_int_eq(vq_drv_add(fx.drv, big, 1, big + 1, 1, TOK(0), false), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, NULL, 0, big, 2, TOK(0), false), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, big, 2, NULL, 0, TOK(0), true), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, big, 3, NULL, 0, TOK(0), false), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, big + 2, 1, big + 2, 1, TOK(0), true), -1);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, 0);
	ck_assert_uint_eq(le16_to_cpu(dev_avail()->ring[0]), 0xbeef);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 0);
	ck_assert_uint_eq(fx.rec.count, 0);
	ck_assert(!vq_drv_broken(fx.drv));

	/* exactly 2^32 bytes is allowed */
	add_ok(half, 1, half + 1, 1, TOK(1), false);
	add_ok(half, 2, NULL, 0, TOK(2), true);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 3);
}
END_TEST

START_TEST(add_fails_indirect_not_negotiated)
{
	struct vq_buf b[2] = { { DATA0, 8 }, { DATA1, 8 } };

	/* pool present, feature not negotiated */
	drv_configure(QSIZE, false, false, IND_MAX);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 1, b + 1, 1, TOK(0), true), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 1, NULL, 0, TOK(0), true), -1);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, 0);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 0);
	ck_assert_uint_eq(fx.rec.count, 0);
	/* direct still works, and never carries INDIRECT */
	add_ok(b, 1, b + 1, 1, TOK(1), false);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 2);
	ck_assert_uint_eq(le16_to_cpu(dev_desc()[0].flags) & VIRTQ_DESC_F_INDIRECT, 0);
}
END_TEST

START_TEST(add_fails_over_indirect_max)
{
	struct vq_buf b[IND_MAX + 1];
	int k;

	for (k = 0; k <= IND_MAX; k++) {
		b[k].gpa = DATA0 + 0x40ull * (unsigned)k;
		b[k].len = 16;
	}
	ck_assert_int_eq(vq_drv_add(fx.drv, b, 2, b + 2, IND_MAX - 1, TOK(0), true), -1);
	ck_assert_int_eq(vq_drv_add(fx.drv, b, IND_MAX + 1, NULL, 0, TOK(0), true), -1);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, 0);
	ck_assert_uint_eq(fx.rec.count, 0);
	ck_assert(!vq_drv_kick_prepare(fx.drv));
	ck_assert_uint_eq(avail_idx_seen(), 0);
	/* IND_MAX entries fit; the same request direct fits too */
	add_ok(b, 2, b + 2, IND_MAX - 2, TOK(1), true);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 1);
	add_ok(b, 2, b + 2, IND_MAX - 1, TOK(2), false);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 1 - (IND_MAX + 1));
}
END_TEST

/* ------------------------------------------------------------ reaping */

START_TEST(num_free_restored_after_reaping)
{
	void *tok;
	uint32_t len;

	post_mixed();
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 5);
	/* out of order; each len at the chain's limit */
	put_used((uint32_t)fx.h[2], 64);
	put_used((uint32_t)fx.h[1], 0);
	publish_used(fx.uidx);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(2));
	ck_assert_uint_eq(len, 64);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 4);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(1));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 3);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 0);
	complete_raw((uint32_t)fx.h[0], 128);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(0));
	ck_assert_uint_eq(len, 128);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 0);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 0);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->added, 3);
	ck_assert_uint_eq(vq_drv_stats(fx.drv)->reaped, 3);
	ck_assert_uint_eq(fx.rec.count, 0);

	/* and every descriptor can be used again */
	setup_full();
}
END_TEST

START_TEST(scribble_after_completion_is_harmless)
{
	struct vq_buf b = { DATA0 + 0x400, 24 };
	bool seen[QSIZE] = { false };
	void *tok;
	uint32_t len;
	int k;

	post_mixed();
	legit_reap(fx.h[0], TOK(0), 128);
	legit_reap(fx.h[2], TOK(2), 64);
	legit_reap(fx.h[1], TOK(1), 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);

	/* every descriptor is free now: the device scribbles over all of them */
	memset(dev_desc(), 0xff, virtq_desc_bytes(QSIZE));
	memset(dev_ptr(IND_GPA, 16ull * QSIZE * IND_MAX), 0xff, 16ull * QSIZE * IND_MAX);

	/* the free list came from the shadows: all QSIZE descriptors, once each */
	for (k = 0; k < QSIZE; k++) {
		const struct virtq_desc *d;

		fx.h[k] = add_ok(&b, 1, NULL, 0, TOK(k), false);
		ck_assert_msg(!seen[fx.h[k]], "descriptor %d handed out twice", fx.h[k]);
		seen[fx.h[k]] = true;
		d = &dev_desc()[fx.h[k]];
		ck_assert_uint_eq(le64_to_cpu(d->addr), b.gpa);
		ck_assert_uint_eq(le32_to_cpu(d->len), b.len);
		ck_assert_uint_eq(le16_to_cpu(d->flags), 0);
	}
	ck_assert_int_eq(vq_drv_add(fx.drv, &b, 1, NULL, 0, TOK(99), false), -1);
	vq_drv_kick_prepare(fx.drv);
	for (k = QSIZE - 1; k >= 0; k--)
		put_used((uint32_t)fx.h[k], 0);
	publish_used(fx.uidx);
	for (k = QSIZE - 1; k >= 0; k--) {
		ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
		ck_assert_ptr_eq(tok, TOK(k));
	}

	/* later chains of every shape, over the scribbled tables, complete cleanly */
	post_mixed();
	legit_reap(fx.h[2], TOK(2), 64);
	legit_reap(fx.h[0], TOK(0), 100);
	legit_reap(fx.h[1], TOK(1), 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(fx.rec.count, 0);
	ck_assert(!vq_drv_broken(fx.drv));
}
END_TEST

/* ------------------------------------------------------------ round trips */

#define RT_SEG_MAX  96
#define RT_MAXSEG   8 /* per direction */
#define RT_DIRECT_MAX 6
#define RT_SLOT_BYTES (2ull * RT_MAXSEG * RT_SEG_MAX)

_Static_assert(DATA0 + QMAX * RT_SLOT_BYTES <= R0_GPA + R0_SIZE, "round-trip buffers");
_Static_assert(DATA1 + QMAX * RT_SLOT_BYTES <= R1_GPA + R1_SIZE, "round-trip buffers");

struct rt_cfg {
	uint16_t size;
	bool event_idx;
	uint16_t ind_max;
};

static const struct rt_cfg rt_cfgs[] = {
	{ 16, false, 8 },
	{ 8, true, 4 },
	{ 256, true, 12 },
};

#define N_RT (int)(sizeof(rt_cfgs) / sizeof(rt_cfgs[0]))

struct rt_req {
	uint32_t seq;
	int head;
	bool inflight;
	bool popped;
	bool indirect;
	unsigned n_out, n_in;
	struct vq_buf out[RT_MAXSEG], in[RT_MAXSEG];
	uint64_t rbytes, wbytes;
	uint32_t written;
};

struct rt_state {
	struct rt_req req[QMAX];
	uint16_t free_slot[QMAX];
	unsigned n_free_slot;
	int head_slot[QMAX];
	uint32_t held[QMAX];
	unsigned n_held;
	uint32_t seq;
	uint32_t rng;
	uint64_t posted, reaped, flushes;
	uint64_t n_indirect;
	uint64_t by_total[2 * RT_MAXSEG + 1]; /* chains posted, by descriptor count */
	uint8_t scratch[RT_MAXSEG * RT_SEG_MAX];
};

static struct rt_state rt;

static uint32_t rnd(void)
{
	rt.rng ^= rt.rng << 13;
	rt.rng ^= rt.rng >> 17;
	rt.rng ^= rt.rng << 5;
	return rt.rng;
}

static uint8_t pat(uint32_t seq, uint64_t off, uint8_t salt)
{
	return (uint8_t)(((seq * 2654435761u) >> 24) ^ (uint32_t)(off * 7u) ^ salt);
}

static uint64_t rt_buf_gpa(unsigned slot, unsigned dir, unsigned j)
{
	return ((j & 1) ? DATA1 : DATA0) + slot * RT_SLOT_BYTES +
	       (uint64_t)(dir * RT_MAXSEG + j) * RT_SEG_MAX;
}

static void rt_init(const struct rt_cfg *c)
{
	unsigned k;

	memset(&rt, 0, sizeof(rt));
	rt.rng = 0x9e3779b9u ^ c->size;
	for (k = 0; k < c->size; k++)
		rt.free_slot[rt.n_free_slot++] = (uint16_t)(c->size - 1 - k);
	for (k = 0; k < QMAX; k++)
		rt.head_slot[k] = -1;
	drv_configure(c->size, c->event_idx, true, c->ind_max);
	fx.dev = vq_dev_new(fx.dev_view, rec_sink, &fx.dev_rec);
	ck_assert_ptr_nonnull(fx.dev);
	ck_assert_int_eq(vq_dev_enable(fx.dev, &fx.cfg), 0);
}

/* Build and post one request; false only when the queue is full. */
static bool rt_post(void)
{
	unsigned slot, total, max, j;
	struct rt_req *r;
	uint64_t off = 0;
	int h;

	REQUIRE(rt.n_free_slot > 0, "no free slot with %u outstanding",
		(unsigned)vq_drv_outstanding(fx.drv));
	slot = rt.free_slot[rt.n_free_slot - 1];
	r = &rt.req[slot];
	memset(r, 0, sizeof(*r));
	r->seq = rt.seq;
	r->indirect = (rnd() & 1) != 0;
	max = r->indirect ? fx.ind_max : (fx.cfg.size < RT_DIRECT_MAX ? fx.cfg.size
								  : RT_DIRECT_MAX);
	total = 1 + rnd() % max;
	r->n_out = rnd() % (total + 1);
	if (r->n_out > RT_MAXSEG)
		r->n_out = RT_MAXSEG;
	r->n_in = total - r->n_out;
	if (r->n_in > RT_MAXSEG) {
		r->n_in = RT_MAXSEG;
		r->n_out = total - RT_MAXSEG;
	}
	for (j = 0; j < r->n_out; j++) {
		uint8_t *p;
		uint32_t b;

		r->out[j].gpa = rt_buf_gpa(slot, 0, j);
		r->out[j].len = 1 + rnd() % RT_SEG_MAX;
		p = gm_translate(fx.drv_view, r->out[j].gpa, r->out[j].len, GM_WRITE);
		REQUIRE(p != NULL, "buffer outside guest memory");
		for (b = 0; b < r->out[j].len; b++)
			p[b] = pat(r->seq, off++, 0x11);
		r->rbytes += r->out[j].len;
	}
	for (j = 0; j < r->n_in; j++) {
		uint8_t *p;

		r->in[j].gpa = rt_buf_gpa(slot, 1, j);
		r->in[j].len = 1 + rnd() % RT_SEG_MAX;
		p = gm_translate(fx.drv_view, r->in[j].gpa, r->in[j].len, GM_WRITE);
		REQUIRE(p != NULL, "buffer outside guest memory");
		memset(p, 0xa5, r->in[j].len);
		r->wbytes += r->in[j].len;
	}
	h = vq_drv_add(fx.drv, r->out, r->n_out, r->in, r->n_in, r, r->indirect);
	if (h < 0) {
		uint16_t nf = vq_drv_num_free(fx.drv);

		REQUIRE(r->indirect ? nf == 0 : nf < total,
			"add refused a %s chain of %u with %u descriptors free",
			r->indirect ? "indirect" : "direct", total, nf);
		return false;
	}
	REQUIRE(h < fx.cfg.size && rt.head_slot[h] < 0, "head %d already outstanding", h);
	rt.n_free_slot--;
	r->head = h;
	r->inflight = true;
	rt.head_slot[h] = (int)slot;
	rt.seq++;
	rt.posted++;
	rt.n_indirect += r->indirect;
	rt.by_total[total]++;
	return true;
}

/* The device: pop everything available, check it, fill the writable part. */
static unsigned rt_dev_pop_all(void)
{
	unsigned n = 0;
	struct vc_elem e;
	int rc;

	while ((rc = vq_dev_pop(fx.dev, &e)) == VC_POP_OK) {
		struct rt_req *r;
		uint64_t k;
		unsigned j;
		int slot;

		REQUIRE(e.head < fx.cfg.size && rt.head_slot[e.head] >= 0, "popped head %u",
			e.head);
		slot = rt.head_slot[e.head];
		r = &rt.req[slot];
		REQUIRE(r->inflight && !r->popped, "head %u popped twice", e.head);
		REQUIRE(e.n_readable == r->n_out && e.n_writable == r->n_in &&
				e.readable_bytes == r->rbytes && e.writable_bytes == r->wbytes,
			"seq %u: element shape differs from what was posted", r->seq);
		for (j = 0; j < r->n_out + r->n_in; j++) {
			const struct vq_buf *b = j < r->n_out ? &r->out[j] : &r->in[j - r->n_out];

			REQUIRE(e.segs[j].gpa == b->gpa && e.segs[j].len == b->len &&
					e.segs[j].writable == (uint32_t)(j >= r->n_out),
				"seq %u: segment %u differs", r->seq, j);
		}
		REQUIRE(vq_elem_read(fx.dev_view, &e, 0, rt.scratch, r->rbytes) == r->rbytes,
			"seq %u: short read", r->seq);
		for (k = 0; k < r->rbytes; k++)
			REQUIRE(rt.scratch[k] == pat(r->seq, k, 0x11),
				"seq %u: readable byte %llu corrupt", r->seq,
				(unsigned long long)k);
		r->written = (uint32_t)(rnd() % (r->wbytes + 1));
		for (k = 0; k < r->written; k++)
			rt.scratch[k] = pat(r->seq, k, 0x22);
		REQUIRE(vq_elem_write(fx.dev_view, &e, 0, rt.scratch, r->written) == r->written,
			"seq %u: short write", r->seq);
		r->popped = true;
		rt.held[rt.n_held++] = e.head;
		n++;
	}
	REQUIRE(rc == VC_POP_EMPTY, "pop returned %d (%s)", rc, rec_first(&fx.dev_rec));
	return n;
}

/* Push held[from, to) and flush; the driver always asked for a notification. */
static void rt_dev_push(unsigned from, unsigned to)
{
	unsigned k;

	if (from == to)
		return;
	for (k = from; k < to; k++) {
		const struct rt_req *r = &rt.req[rt.head_slot[rt.held[k]]];

		REQUIRE(vq_dev_push(fx.dev, rt.held[k], r->written) == 0, "push of head %u refused",
			rt.held[k]);
	}
	REQUIRE(vq_dev_flush(fx.dev), "flush of %u entries not notified", to - from);
	rt.flushes++;
}

/* The driver: reap everything used, check token, len and content. */
static unsigned rt_reap_all(void)
{
	unsigned n = 0;
	uint32_t len;
	void *tok;
	int rc;

	while ((rc = vq_drv_get(fx.drv, &tok, &len)) == 1) {
		struct rt_req *r = tok;
		uint64_t off = 0;
		unsigned j, slot;

		REQUIRE(r >= rt.req && r < rt.req + fx.cfg.size, "foreign token %p", tok);
		REQUIRE(r->inflight && r->popped, "token of seq %u reaped twice", r->seq);
		REQUIRE(len == r->written, "seq %u: len %u, device wrote %u", r->seq, len,
			r->written);
		for (j = 0; j < r->n_in; j++) {
			const uint8_t *p = gm_translate(fx.drv_view, r->in[j].gpa, r->in[j].len,
							GM_READ);
			uint32_t b;

			REQUIRE(p != NULL, "buffer outside guest memory");
			for (b = 0; b < r->in[j].len; b++, off++) {
				uint8_t want = off < len ? pat(r->seq, off, 0x22) : 0xa5;

				REQUIRE(p[b] == want,
					"seq %u: writable byte %llu is 0x%02x, not 0x%02x", r->seq,
					(unsigned long long)off, p[b], want);
			}
		}
		slot = (unsigned)(r - rt.req);
		rt.head_slot[r->head] = -1;
		r->inflight = false;
		rt.free_slot[rt.n_free_slot++] = (uint16_t)slot;
		rt.reaped++;
		n++;
	}
	REQUIRE(rc == 0, "get returned %d (%s)", rc, rec_first(&fx.rec));
	return n;
}

static void rt_check_end(uint64_t n, uint64_t batches)
{
	const struct vq_drv_stats *ds = vq_drv_stats(fx.drv);
	const struct vq_dev_stats *vs = vq_dev_stats(fx.dev);
	unsigned k;

	ck_assert_uint_ge(n, 100000);
	ck_assert_uint_eq(rt.posted, n);
	ck_assert_uint_eq(rt.reaped, n);
	ck_assert_uint_eq(ds->added, n);
	ck_assert_uint_eq(ds->reaped, n);
	ck_assert_uint_eq(ds->kicks, batches);
	ck_assert_uint_eq(vs->popped, n);
	ck_assert_uint_eq(vs->pushed, n);
	ck_assert_uint_eq(vs->notifications, rt.flushes);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), fx.cfg.size);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 0);
	ck_assert_uint_eq(vq_dev_inflight(fx.dev), 0);
	ck_assert_uint_eq(avail_idx_seen(), (uint16_t)n);
	ck_assert_uint_eq(le16_to_cpu(dev_used()->idx), (uint16_t)n);
	ck_assert_msg(fx.rec.count == 0, "driver reported: %s", rec_first(&fx.rec));
	ck_assert_msg(fx.dev_rec.count == 0, "device reported: %s", rec_first(&fx.dev_rec));
	ck_assert(!vq_drv_broken(fx.drv));
	ck_assert(!vq_dev_broken(fx.dev));
	/* the mix really was mixed: both kinds, every chain length */
	ck_assert_uint_gt(rt.n_indirect, n / 4);
	ck_assert_uint_lt(rt.n_indirect, n - n / 4);
	for (k = 1; k <= fx.ind_max; k++)
		ck_assert_msg(rt.by_total[k] > 0, "no chain of %u descriptors", k);
}

START_TEST(roundtrip_one_at_a_time)
{
	const uint64_t n = 5ull * 65536 + 777; /* the 16-bit indices wrap five times */
	uint64_t i;

	rt_init(&rt_cfgs[_i]);
	for (i = 0; i < n; i++) {
		REQUIRE(rt_post(), "add refused on an empty queue");
		REQUIRE(vq_drv_kick_prepare(fx.drv), "request %llu: device not kicked",
			(unsigned long long)i);
		rt.n_held = 0;
		REQUIRE(rt_dev_pop_all() == 1, "request %llu: not popped once",
			(unsigned long long)i);
		rt_dev_push(0, 1);
		REQUIRE(rt_reap_all() == 1, "request %llu: not reaped once", (unsigned long long)i);
	}
	rt_check_end(n, n);
}
END_TEST

START_TEST(roundtrip_batched)
{
	const uint64_t n = 3ull * 65536 + 333;
	uint64_t batches = 0;

	rt_init(&rt_cfgs[_i]);
	while (rt.posted < n) {
		unsigned want = 1 + rnd() % fx.cfg.size, posted = 0, split, k;
		struct vc_elem e;

		if (want > n - rt.posted)
			want = (unsigned)(n - rt.posted);
		while (posted < want && rt_post())
			posted++;
		REQUIRE(posted > 0, "nothing posted on an empty queue");
		/* nothing reaches the device before the kick */
		REQUIRE(vq_dev_pop(fx.dev, &e) == VC_POP_EMPTY, "popped before the kick");
		REQUIRE(vq_drv_kick_prepare(fx.drv), "batch %llu: device not kicked",
			(unsigned long long)batches);
		batches++;
		rt.n_held = 0;
		REQUIRE(rt_dev_pop_all() == posted, "batch %llu: popped a different count",
			(unsigned long long)batches);
		/* complete in a random order, in two flushes */
		for (k = rt.n_held; k > 1; k--) {
			unsigned j = rnd() % k;
			uint32_t t = rt.held[k - 1];

			rt.held[k - 1] = rt.held[j];
			rt.held[j] = t;
		}
		split = rnd() % (rt.n_held + 1);
		rt_dev_push(0, split);
		REQUIRE(rt_reap_all() == split, "first half not reaped");
		rt_dev_push(split, rt.n_held);
		REQUIRE(rt_reap_all() == rt.n_held - split, "second half not reaped");
	}
	rt_check_end(n, batches);
	ck_assert_uint_lt(batches, n); /* batches really held several requests */
}
END_TEST

/* ------------------------------------------------------------ IN_ORDER */

static void drv_configure_in_order(void)
{
	fx.cfg.in_order = true;
	ck_assert_int_eq(vq_drv_setup(fx.drv, &fx.cfg, fx.ind_max ? IND_GPA : 0, fx.ind_max), 0);
}

START_TEST(in_order_chains_take_consecutive_slots)
{
	static const struct vq_buf three[] = { { DATA0, 8 }, { DATA0 + 0x10, 8 }, { DATA0 + 0x20, 8 } };
	struct vq_buf in = { DATA1, 16 };
	int a, b, c, i;
	uint32_t len;
	void *tok;

	drv_configure_in_order();
	a = add_ok(three, 1, three + 1, 2, TOK(0), false);
	b = add_ok(three, 2, &in, 1, TOK(1), true);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(b, 3);
	ck_assert_uint_eq(desc_next_of(0), 1);
	ck_assert_uint_eq(desc_next_of(1), 2);
	ck_assert_uint_eq(le16_to_cpu(dev_ind_table(b)[0].next), 1);
	ck_assert_uint_eq(le16_to_cpu(dev_ind_table(b)[1].next), 2);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(add_ok(&in, 1, NULL, 0, TOK(2 + i), false), 4 + i);
	vq_drv_kick_prepare(fx.drv);
	complete_raw((uint32_t)a, 0);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	complete_raw((uint32_t)b, 16);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE - 10);
	/* the next chain continues at slot 14 and wraps: 14 -> 15 -> 0 */
	c = add_ok(three, 3, NULL, 0, TOK(20), false);
	ck_assert_int_eq(c, 14);
	ck_assert_uint_eq(desc_next_of(14), 15);
	ck_assert_uint_eq(desc_next_of(15), 0);
	ck_assert_uint_eq(le16_to_cpu(dev_desc()[15].flags), VIRTQ_DESC_F_NEXT);
	ck_assert_uint_eq(le64_to_cpu(dev_desc()[0].addr), DATA0 + 0x20);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(in_order_batched_used_entry_completes_the_batch)
{
	struct vq_buf in40 = { DATA0, 40 }, in32 = { DATA1, 32 };
	int c;
	uint32_t len;
	void *tok;

	drv_configure_in_order();
	add_ok(b_out, 1, NULL, 0, TOK(0), false);
	add_ok(NULL, 0, &in40, 1, TOK(1), false);
	c = add_ok(NULL, 0, &in32, 1, TOK(2), false);
	vq_drv_kick_prepare(fx.drv);
	/* one entry for all three, at the first one's offset; idx + 3 */
	put_used((uint32_t)c, 7);
	fx.uidx = 3;
	publish_used(3);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(0));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(1));
	ck_assert_uint_eq(len, 40); /* skipped: used completely */
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 1);
	ck_assert_ptr_eq(tok, TOK(2));
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), 0);
	ck_assert_uint_eq(vq_drv_num_free(fx.drv), QSIZE);
	ck_assert_uint_eq(vq_drv_outstanding(fx.drv), 0);
	ck_assert_uint_eq(fx.rec.count, 0);
}
END_TEST

START_TEST(in_order_completion_out_of_order_is_fatal)
{
	struct vq_buf in = { DATA0, 40 };
	int b;
	uint32_t len;
	void *tok;

	drv_configure_in_order();
	add_ok(NULL, 0, &in, 1, TOK(0), false);
	b = add_ok(NULL, 0, &in, 1, TOK(1), false);
	vq_drv_kick_prepare(fx.drv);
	/* the second buffer alone: used idx covers one buffer, not two */
	complete_raw((uint32_t)b, 4);
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), -1);
	ck_assert_uint_eq(fx.rec.count, 1);
	ck_assert_str_eq(fx.rec.e[0].clause, CL_DEV_RESERVED);
	ck_assert_int_eq(fx.rec.e[0].sev, VC_SEV_FATAL);
	ck_assert(vq_drv_broken(fx.drv));
	ck_assert_int_eq(vq_drv_get(fx.drv, &tok, &len), -1);
}
END_TEST

/* the device writes every writable byte of some buffers, so that the
 * in-order device may batch them */
static void rt_fill_completely(void)
{
	unsigned k, j;

	for (k = 0; k < rt.n_held; k++) {
		struct rt_req *r = &rt.req[rt.head_slot[rt.held[k]]];
		uint64_t off = 0;

		if (r->seq % 3 == 0)
			continue;
		for (j = 0; j < r->n_in; j++) {
			uint8_t *p = dev_ptr(r->in[j].gpa, r->in[j].len);
			uint32_t b;

			for (b = 0; b < r->in[j].len; b++)
				p[b] = pat(r->seq, off++, 0x22);
		}
		r->written = (uint32_t)r->wbytes;
	}
}

START_TEST(roundtrip_in_order)
{
	const uint64_t n = 100000 + 4321;
	uint64_t batches = 0;

	rt_init(&rt_cfgs[_i]);
	drv_configure_in_order();
	ck_assert_int_eq(vq_dev_enable(fx.dev, &fx.cfg), 0);
	while (rt.posted < n) {
		unsigned want = 1 + rnd() % fx.cfg.size, posted = 0, split;

		if (want > n - rt.posted)
			want = (unsigned)(n - rt.posted);
		while (posted < want && rt_post())
			posted++;
		REQUIRE(posted > 0, "nothing posted on an empty queue");
		REQUIRE(vq_drv_kick_prepare(fx.drv), "batch %llu: device not kicked",
			(unsigned long long)batches);
		batches++;
		rt.n_held = 0;
		REQUIRE(rt_dev_pop_all() == posted, "batch %llu: popped a different count",
			(unsigned long long)batches);
		rt_fill_completely();
		/* in the order made available, in two flushes */
		split = rnd() % (rt.n_held + 1);
		rt_dev_push(0, split);
		REQUIRE(rt_reap_all() == split, "first part not reaped");
		rt_dev_push(split, rt.n_held);
		REQUIRE(rt_reap_all() == rt.n_held - split, "second part not reaped");
	}
	rt_check_end(n, batches);
	/* the device batched: fewer used entries than buffers */
	ck_assert_uint_lt(vq_dev_stats(fx.dev)->used_entries, n - n / 4);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *vq_drv_suite(void)
{
	Suite *s = suite_create("vq_drv");
	TCase *tc;

	tc = tcase_create("hostile_device");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, hostile_device_is_fatal, 0, N_HOSTILE);
	suite_add_tcase(s, tc);

	tc = tcase_create("suppression_findings");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, bad_used_flags_recorded_once_without_event_idx, 0,
			    (int)(sizeof(bad_flags_no_evt) / sizeof(bad_flags_no_evt[0])));
	tcase_add_loop_test(tc, nonzero_used_flags_recorded_once_with_event_idx, 0,
			    (int)(sizeof(bad_flags_evt) / sizeof(bad_flags_evt[0])));
	tcase_add_test(tc, valid_used_flags_not_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, direct_chain_layout);
	tcase_add_test(tc, indirect_chain_layout);
	tcase_add_test(tc, avail_idx_published_only_by_kick_prepare);
	tcase_add_loop_test(tc, setup_zeroes_used_flags, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("notifications");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kick_without_event_idx_follows_no_notify);
	tcase_add_loop_test(tc, kick_with_event_idx_follows_avail_event, 0,
			    (int)(sizeof(evt_cases) / sizeof(evt_cases[0])));
	tcase_add_test(tc, set_interrupt_without_event_idx_writes_avail_flags);
	tcase_add_test(tc, set_interrupt_with_event_idx_writes_used_event);
	tcase_add_test(tc, used_entry_for_unpublished_chain_is_fatal);
	suite_add_tcase(s, tc);

	tc = tcase_create("add");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, add_fails_when_full);
	tcase_add_test(tc, add_fails_over_4gib_total);
	tcase_add_test(tc, add_fails_indirect_not_negotiated);
	tcase_add_test(tc, add_fails_over_indirect_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("reaping");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, num_free_restored_after_reaping);
	tcase_add_test(tc, scribble_after_completion_is_harmless);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, roundtrip_one_at_a_time, 0, N_RT);
	tcase_add_loop_test(tc, roundtrip_batched, 0, N_RT);
	tcase_add_loop_test(tc, roundtrip_in_order, 0, N_RT);
	suite_add_tcase(s, tc);

	tc = tcase_create("in_order");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, in_order_chains_take_consecutive_slots);
	tcase_add_test(tc, in_order_batched_used_entry_completes_the_batch);
	tcase_add_test(tc, in_order_completion_out_of_order_is_fatal);
	suite_add_tcase(s, tc);

	return s;
}

VC_CHECK_MAIN(vq_drv_suite)
