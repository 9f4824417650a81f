/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console_* steps and console expectations (docs/spec-case-format.md,
 * "console steps"; virtio-console, VIRTIO 1.2 5.3). Both structures are
 * flat: case_set_free() releases them with one free().
 */
#ifndef VIRTIOCHECK_CASE_CONSOLE_H
#define VIRTIOCHECK_CASE_CONSOLE_H

#include "case.h"

#define CONS_CASE_DATA_MAX 256u      /* bytes of a data string */
#define CONS_CASE_TOTAL_MAX (4u << 20) /* data times repeat */
#define CONS_CASE_NAME_MAX 128u      /* a PORT_NAME payload */
#define CONS_CASE_SEGS 8u
#define CONS_CASE_MAX_PORT 30u          /* the device has up to 31 ports */
#define CONS_CASE_COUNTERS 24u
#define CONS_CASE_MSG_REPEAT 256u       /* copies of one control message */

enum console_op {
	/* the reference console driver */
	CO_ATTACH,      /* console_attach */
	CO_POLL,        /* console_poll */
	CO_WRITE,       /* console_write */
	CO_READ,        /* console_read */
	CO_OPEN,        /* console_open */
	CO_EMERG_WRITE, /* console_emerg_write */
	CO_CTRL,        /* console_ctrl: a control message from the driver */
	CO_SUBMIT,      /* console_submit: any chain on any console queue */
	CO_QUEUE_RESET, /* console_queue_reset */
	CO_MESSAGE,     /* console_message: control message bytes into a buffer */
	/* the device's host end, and a misbehaving device */
	CO_INJECT,      /* console_inject */
	CO_HOST_OPEN,   /* console_host_open */
	CO_PORT_ADD,    /* console_port_add */
	CO_PORT_REMOVE, /* console_port_remove */
	CO_SET_CONSOLE, /* console_set_console */
	CO_RESIZE,      /* console_resize */
	CO_DEVICE_CTRL, /* console_device_ctrl: a raw message from the device */
};

/* One struct virtio_console_control, optionally followed by a name or a
 * struct virtio_console_resize, cut to len bytes. */
struct console_msg {
	uint32_t id;
	uint16_t event, value;
	bool has_resize;
	uint16_t cols, rows;
	uint32_t name_len;
	char name[CONS_CASE_NAME_MAX + 1];
	bool has_len;
	uint32_t len;
};

struct step_console {
	enum console_op op;
	uint32_t port;
	uint16_t queue;
	bool open;
	bool expect_fail;
	/* data, repeated: write, read, inject */
	uint32_t data_len;
	uint32_t repeat;
	uint8_t data[CONS_CASE_DATA_MAX];
	bool has_count;              /* bytes written / read / accepted */
	struct case_cmp count;
	uint16_t cols, rows;         /* resize */
	char name[CONS_CASE_NAME_MAX]; /* port_add: the port's name, "" none */
	struct console_msg msg;      /* ctrl, device_ctrl, message */
	char buf[CASE_MAX_NAME];     /* message: the guest buffer */
	uint32_t offset;
	unsigned n_out, n_in;        /* submit */
	struct case_seg out[CONS_CASE_SEGS], in[CONS_CASE_SEGS];
	bool indirect;
};

/* A counter of the device's or the driver's statistics. */
struct console_counter {
	uint8_t which;               /* enum in case_load_console.c / exec_console.c */
	struct case_cmp cmp;
};

/* The values a port-state expectation may check; has_* say which. */
struct console_port_expect {
	bool active;
	uint32_t port;
	bool has_present, present;
	bool has_added, added;
	bool has_ready, ready;
	bool has_guest_open, guest_open;  /* device: guest_open; driver: open */
	bool has_host_open, host_open;
	bool has_console, console;
	bool has_cols, has_rows;
	uint16_t cols, rows;
	bool has_pending;                 /* device: pending_input; driver: input */
	struct case_cmp pending;
	bool has_output;                  /* device only: output not yet read */
	struct case_cmp output;
	bool has_name;                    /* driver only */
	char name[CONS_CASE_NAME_MAX + 1];
};

struct console_event {
	uint32_t id;
	uint16_t event, value;
};

struct expect_console {
	/* output: the port's transmitted bytes, drained */
	bool has_output;
	uint32_t out_port;
	uint32_t out_len, out_repeat;
	uint8_t out_data[CONS_CASE_DATA_MAX];
	bool has_out_bytes;
	struct case_cmp out_bytes;
	struct console_port_expect port;    /* the device's view */
	struct console_port_expect dport;   /* the reference driver's view */
	unsigned n_counters;
	struct console_counter counters[CONS_CASE_COUNTERS];
	bool has_events;                    /* the driver's log, exactly */
	unsigned n_events;
	struct console_event events[CASE_MAX_LIST];
	bool has_size;                      /* the driver's configuration size */
	uint16_t cols, rows;
	bool has_queue;                     /* one queue as the driver sees it */
	uint16_t queue;
	bool has_broken, broken;
	bool has_used_idx;
	uint16_t used_idx;
	bool has_used_len;
	struct case_cmp used_len;
	bool has_used_id;
	uint32_t used_id;
};

/* Counter identifiers shared by the parser and the executor. */
enum console_counter_id {
	CC_DEV_CTRL_IGNORED, CC_DEV_CTRL_DROPPED, CC_DEV_CTRL_TRUNCATED, CC_DEV_RX_BYTES,
	CC_DEV_TX_BYTES, CC_DEV_TX_DISCARDED, CC_DEV_EMERG_BYTES,
	CC_DRV_CTRL_REJECTED, CC_DRV_RAW_USED, CC_DRV_RX_BYTES, CC_DRV_TX_BYTES,
	CC_DRV_CONFIG_CHANGES, CC_DRV_EVENTS,
	CC_DEV_TO_DRIVER = 32,     /* + event: control messages the device sent */
	CC_DEV_FROM_DRIVER = 40,   /* + event: well-formed ones it received */
	CC_DRV_FROM_DEVICE = 48,   /* + event: messages the driver received */
	CC_DRV_TO_DEVICE = 56,     /* + event: messages the driver sent */
};

#endif
