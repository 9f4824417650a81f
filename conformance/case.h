/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spec cases in memory: what the loader (case_load.c) builds from YAML and
 * the runner (run.c) executes. docs/spec-case-format.md is the reference for
 * every field.
 */
#ifndef VIRTIOCHECK_CASE_H
#define VIRTIOCHECK_CASE_H

#include <stdbool.h>
#include <stdint.h>

#define CASE_MAX_CLAUSES  8
#define CASE_MAX_TAGS     12
#define CASE_MAX_LIST     32
#define CASE_MAX_MATRIX_FEATURES 4
#define CASE_MAX_EXCLUDES 8
#define CASE_MAX_NAME     64

enum case_role { ROLE_DEVICE, ROLE_DRIVER };

/* where a step or an error came from */
struct case_pos {
	unsigned line, col;
};

/* A guest address: a number, or a named buffer/table plus an offset. */
struct case_addr {
	char name[CASE_MAX_NAME]; /* empty: absolute */
	uint64_t value;           /* absolute address, or offset into name */
};

/* A comparison for counters and lengths. */
struct case_cmp {
	bool has_eq, has_min, has_max;
	uint64_t eq, min, max;
};

struct case_desc {
	struct case_addr addr;
	bool len_auto;            /* len omitted and addr names a table */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct case_seg {
	char buf[CASE_MAX_NAME];
	uint32_t offset;
	uint32_t len;
};

enum step_kind {
	ST_INIT, ST_RESET, ST_WRITE, ST_READ, ST_BUFFER, ST_TABLE, ST_DESC, ST_AVAIL,
	ST_AVAIL_RAW, ST_AVAIL_IDX, ST_AVAIL_FLAGS, ST_USED_EVENT, ST_POST, ST_KICK,
	ST_RNG_READ, ST_REAP, ST_USED, ST_USED_IDX, ST_USED_FLAGS, ST_AVAIL_EVENT, ST_DESC_REWRITE,
	ST_DEVICE_FAIL, ST_EXPECT, ST_DRIVER_QUEUE_RESET, ST_DEVICE_INTERRUPT,
	ST_PACKED_DESC, ST_PACKED_CHAIN, ST_PACKED_USED, ST_PACKED_EVENT,
	ST_BLK,      /* blk_*: conformance/case_blk.h */
	ST_CONSOLE,  /* console_*: conformance/case_console.h */
	ST_NET,      /* net_*: conformance/case_net.h */
	ST_BALLOON,  /* balloon_*: conformance/case_balloon.h */
	ST_GPU,      /* gpu_*: conformance/case_gpu.h */
};

/* Device step families, defined with their parsers and executors. */
struct step_blk;
struct step_console;
struct expect_blk;
struct expect_console;
struct step_net;
struct step_balloon;
struct step_gpu;
struct expect_net;
struct expect_balloon;
struct expect_gpu;

enum reg_space { SPACE_COMMON, SPACE_DEVICE, SPACE_NOTIFY, SPACE_ISR, SPACE_PCI_CFG, SPACE_MMIO };

/* matrix dimensions, as bit masks of the values a case lists */
#define CASE_RING_SPLIT        1u
#define CASE_RING_PACKED       2u
#define CASE_TRANSPORT_PCI     1u
#define CASE_TRANSPORT_MMIO    2u

struct step_init {
	uint32_t skip;              /* bit per vdrv_step */
	int stop_before;            /* vdrv_step or -1 */
	bool has_features;
	uint64_t features;          /* written instead of the negotiated word */
	int16_t status_step[16];    /* status byte override per step, -1 none */
	uint16_t queue_size;        /* 0: device maximum */
	bool expect_fail;           /* vdrv_init is expected to fail */
	bool intx;                  /* do not enable MSI-X */
};

/* A value a read or write step takes from the device under test rather
 * than from the case: what the transport reports for it (so a case runs
 * unchanged on a device with another ID, queue count or queue size). */
enum reg_sym {
	REG_SYM_NONE,
	REG_SYM_DEVICE_ID,       /* the virtio device ID */
	REG_SYM_NUM_QUEUES,      /* its queue count: also the first missing queue */
	REG_SYM_QUEUE_SIZE_MAX,  /* the maximum size of queue 0 */
};

struct step_reg {
	enum reg_space space;
	uint32_t offset;
	/* reg: NAME only: the same register on virtio-mmio, -1 if MMIO has
	 * no equivalent (the step then needs transport pci) */
	int32_t mmio_offset;
	uint8_t mmio_width;
	uint8_t width;
	uint64_t value;
	bool has_expect;
	struct case_cmp expect;
	uint64_t mask;              /* read: compare (value & mask) */
	enum reg_sym value_sym;     /* write: value from the device */
	enum reg_sym expect_sym;    /* read: expect == this, from the device */
};

struct step_buffer {
	char name[CASE_MAX_NAME];
	uint32_t size;
	uint8_t fill;
	int region;                 /* -1: any */
};

/* A packed-ring descriptor (2.8.13): avail / used -1 mean "as the harness's
 * wrap counter makes it available (driver) or used (device)". */
struct case_pdesc {
	struct case_desc d;         /* addr, len, flags (next unused) */
	uint16_t id;
	bool has_id;
	bool has_flags;
	int8_t avail, used;
};

struct step_table {
	char name[CASE_MAX_NAME];
	unsigned n;
	bool packed;                /* entries in the packed layout */
	struct case_desc e[CASE_MAX_LIST];
	uint16_t id[CASE_MAX_LIST]; /* packed: the id field */
};

/* packed_chain: a descriptor list at the harness driver's position, the
 * first descriptor's flags written last */
struct step_pchain {
	unsigned n;
	struct case_pdesc e[CASE_MAX_LIST];
	uint16_t id;                /* buffer id, in the last descriptor */
	bool auto_next;             /* NEXT on all but the last (default) */
};

/* packed_event: one event suppression structure */
struct step_pevent {
	bool device_area;           /* device area (written by the device) */
	uint16_t flags;
	uint16_t off;
	bool wrap;
	bool raw;                   /* value: the whole off_wrap word given */
	uint16_t off_wrap;
};

struct step_post {
	unsigned n_out, n_in;
	struct case_seg out[CASE_MAX_LIST], in[CASE_MAX_LIST];
	bool indirect;
	bool expect_fail;
};

struct step_rng {
	uint32_t bytes;
	uint32_t segments;
	bool indirect;
	bool expect_fail;
};

struct step_used {
	unsigned n;
	uint32_t id[CASE_MAX_LIST];
	uint32_t len[CASE_MAX_LIST];
	bool publish;
};

/* Expectations; each has_ flag says whether it is checked. */
struct step_expect {
	bool has_status_set, has_status_clear;
	uint8_t status_set, status_clear;
	bool has_negotiated_has, has_negotiated_lacks;
	uint64_t negotiated_has, negotiated_lacks;
	unsigned n_device_violation, n_driver_violation;
	const char *device_violation[CASE_MAX_CLAUSES];
	const char *driver_violation[CASE_MAX_CLAUSES];
	bool has_no_findings;
	bool has_no_fatal;
	bool has_used_idx;
	uint16_t used_idx;
	bool has_used_len;          /* latest used entry on the queue */
	struct case_cmp used_len;
	bool has_used_id;
	uint32_t used_id;
	bool has_refused;
	bool has_live;
	bool has_driver_broken;
	bool driver_broken;
	bool has_irq_queue, has_irq_config;
	struct case_cmp irq_queue, irq_config;
	bool has_notifies;
	struct case_cmp notifies;
	bool has_buffer;
	char buffer[CASE_MAX_NAME];
	bool buffer_untouched, buffer_changed;
	unsigned buffer_n;
	uint8_t buffer_bytes[CASE_MAX_LIST];
	bool has_device_wrote_only_writable;
	bool has_used_len_written;  /* the device wrote every byte the used len claims */
	char used_len_written[CASE_MAX_NAME];
	uint64_t queue;                 /* the queue the ring expectations look at */
	struct expect_blk *blk;         /* owned; NULL when absent */
	struct expect_console *console; /* owned; NULL when absent */
	struct expect_net *net;         /* owned; NULL when absent */
	struct expect_balloon *balloon; /* owned; NULL when absent */
	struct expect_gpu *gpu;         /* owned; NULL when absent */
};

struct case_step {
	enum step_kind kind;
	struct case_pos pos;
	uint16_t queue;
	union {
		struct step_init init;
		struct step_reg reg;
		struct step_buffer buffer;
		struct step_table table;
		struct { uint16_t index; struct case_desc d; uint8_t fields; } desc;
		struct { unsigned n; uint16_t heads[CASE_MAX_LIST]; } avail;
		struct { uint16_t slot, head; } avail_raw;
		uint16_t value16;
		struct step_post post;
		struct step_rng rng;
		struct { bool expect_broken, expect_empty; bool has_len; struct case_cmp len; } reap;
		struct step_used used;
		struct step_expect expect;
		const char *fail_clause;
		struct { uint16_t size; bool expect_fail; } qreset;
		struct { uint16_t slot; struct case_pdesc p; } pdesc;
		struct step_pchain pchain;
		struct { struct case_pdesc p; uint16_t skip; bool has_slot; uint16_t slot; } pused;
		struct step_pevent pevent;
		struct step_blk *blk;          /* owned */
		struct step_console *console;  /* owned */
		struct step_net *net;          /* owned */
		struct step_balloon *balloon;  /* owned */
		struct step_gpu *gpu;          /* owned */
	} u;
};

struct matrix_feature {
	uint8_t bit;
	bool values[2];            /* values[0]: off listed, values[1]: on listed */
};

struct matrix_exclude {
	/* a point is excluded when every set key matches */
	int feature_bit[CASE_MAX_MATRIX_FEATURES];
	int feature_on[CASE_MAX_MATRIX_FEATURES];
	unsigned n_features;
	uint16_t queue_size;       /* 0: any */
	uint8_t ring;              /* CASE_RING_*, 0: any */
	uint8_t transport;         /* CASE_TRANSPORT_*, 0: any */
};

struct case_matrix {
	uint8_t rings;             /* CASE_RING_* listed; 0: split, not a dimension */
	uint8_t transports;        /* CASE_TRANSPORT_* listed; 0: pci, not a dimension */
	unsigned n_features;
	struct matrix_feature features[CASE_MAX_MATRIX_FEATURES];
	unsigned n_sizes;
	uint16_t sizes[8];
	unsigned n_excludes;
	struct matrix_exclude excludes[CASE_MAX_EXCLUDES];
};

struct vc_case {
	char id[96];
	char title[200];
	unsigned n_clauses;
	const char *clauses[CASE_MAX_CLAUSES]; /* interned catalogue labels */
	enum case_role role;
	char device[16];           /* "rng" or "core" */
	char spec[8];
	unsigned n_tags;
	char tags[CASE_MAX_TAGS][32];
	struct case_matrix matrix;
	/* setup */
	uint64_t offer_add, offer_remove;  /* device offer edits */
	uint64_t accept;                   /* features the driver wants */
	uint64_t requires;                 /* SKIP when the target lacks these */
	uint16_t queue_size;               /* 0: device maximum */
	uint16_t queue_reset_delay;        /* reads of queue_reset that return 1 */
	char device_args[256];             /* passed to the device's create() */
	unsigned n_steps;
	struct case_step *steps;
	const char *file;
	struct case_pos pos;
};

/* One matrix point of a case. */
struct case_point {
	const struct vc_case *c;
	uint64_t features_on, features_off;
	uint16_t queue_size;
	bool packed;       /* ring: packed (the driver accepts RING_PACKED) */
	bool mmio;         /* transport: mmio */
	char label[128];   /* e.g. "EVENT_IDX=on,qsize=8" */
};

#endif
