// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-console end to end (VIRTIO 1.2 5.3): the console driver against
 * the console device on a vc_pair. Single-port echo both ways, the
 * multiport bring-up (DEVICE_READY, DEVICE_ADD, PORT_READY, CONSOLE_PORT,
 * PORT_NAME, PORT_OPEN), hot plug, resize, emergency write, bulk data with
 * content checks and backpressure, queue and device reset; a hostile driver
 * (wrong buffer directions, odd control messages) against the device and a
 * hostile device (control messages breaking 5.3.6.2) against the driver.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "console.h"
#include "console_drv.h"
#include "devices.h"
#include "gm.h"
#include "vc_pair.h"
#include "vdrv.h"
#include "vpci.h"
#include "vq_split.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/le.h"
#include "virtiocheck/violation.h"
#include "virtiocheck/virtio.h"

#define ST_LIVE (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
		 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)
#define ST_NR VIRTIO_STATUS_DEVICE_NEEDS_RESET

#define F_IND  VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define F_EVT  VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define F_RR   VIRTIO_BIT(VIRTIO_F_RING_RESET)
#define F_V1   VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define F_SIZE VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE)
#define F_MP   VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT)
#define F_EMRG VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE)
#define F_RINGS (F_IND | F_EVT | F_RR)

static struct vc_pair pr;
static bool pr_open;
static struct vcons_drv con;

static void teardown(void)
{
	vcons_drv_detach(&con);
	if (pr_open)
		vc_pair_close(&pr);
	pr_open = false;
}

static void *dev(void)
{
	return vpci_device(pr.dev);
}

static void init_driver(uint64_t wanted)
{
	struct vdrv_config cfg;

	vcons_drv_config(&cfg, wanted);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
}

static void open_pair(const char *args)
{
	ck_assert_int_eq(vc_pair_open(&pr, &vc_console_device_ops, args, NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_CONSOLE), 0);
}

/* A pair with the console driver attached. */
static void open_console(const char *args, uint64_t wanted)
{
	open_pair(args);
	init_driver(wanted);
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), 0);
}

static void assert_no_findings(void)
{
	const struct vc_findings *d = vpci_findings(pr.dev), *r = vdrv_findings(pr.drv);

	ck_assert_msg(d->count == 0, "device finding: %s: %s", d->count ? d->v[0].clause : "",
		      d->count ? d->v[0].msg : "");
	ck_assert_msg(r->count == 0, "driver finding: %s: %s", r->count ? r->v[0].clause : "",
		      r->count ? r->v[0].msg : "");
}

static struct vc_console_port_state dev_port(uint32_t p)
{
	struct vc_console_port_state st;

	ck_assert_int_eq(vc_console_port_state(dev(), p, &st), 0);
	return st;
}

/* Read exactly n bytes of port (bounded number of polls). */
static void read_exact(uint32_t port, void *dst, size_t n)
{
	uint8_t *out = dst;
	size_t got = 0;
	unsigned spins = 0;

	while (got < n) {
		long r = vcons_drv_read(&con, port, out + got, n - got);

		ck_assert_int_ge(r, 0);
		if (r == 0)
			ck_assert_uint_lt(++spins, 4);
		got += (size_t)r;
	}
}

static void echo(uint32_t port, const char *in, const char *out)
{
	char buf[256];
	size_t n = strlen(out);

	ck_assert_uint_eq(vc_console_inject(dev(), port, in, strlen(in)), strlen(in));
	read_exact(port, buf, strlen(in));
	ck_assert_mem_eq(buf, in, strlen(in));
	ck_assert_int_eq(vcons_drv_write(&con, port, out, n), (long)n);
	ck_assert_uint_eq(vc_console_output(dev(), port, buf, sizeof(buf)), n);
	ck_assert_mem_eq(buf, out, n);
}

static void le_msg(uint8_t *m, uint32_t id, uint16_t event, uint16_t value)
{
	le32 i = cpu_to_le32(id);
	le16 e = cpu_to_le16(event), v = cpu_to_le16(value);

	memcpy(m, &i, 4);
	memcpy(m + 4, &e, 2);
	memcpy(m + 6, &v, 2);
}

/* ------------------------------------------------------------ single port */

/* _i: bit 0 EVENT_IDX, bit 1 INDIRECT */
START_TEST(single_port_echo_both_ways)
{
	uint64_t wanted = ((_i & 1) ? F_EVT : 0) | ((_i & 2) ? F_IND : 0);

	open_console(NULL, wanted);
	ck_assert_uint_eq(vpci_offered_features(pr.dev), F_V1 | F_RINGS);
	ck_assert_uint_eq(vdrv_features(pr.drv), F_V1 | wanted);
	ck_assert(!con.multiport);
	ck_assert_uint_eq(con.nports, 1);
	ck_assert(dev_port(0).guest_open);
	echo(0, "hello, guest\n", "hello, host\n");
	echo(0, "x", "yz");
	ck_assert_uint_eq(vc_console_stats(dev())->rx_bytes, 14);
	ck_assert_uint_eq(vc_console_stats(dev())->tx_bytes, 14);
	/* no control queues without MULTIPORT */
	ck_assert_ptr_null(vdrv_queue(pr.drv, 2));
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 0);
	assert_no_findings();
}
END_TEST

START_TEST(input_waits_for_receive_buffers)
{
	char buf[32];

	open_pair(NULL);
	/* before DRIVER_OK and before any buffer: held */
	ck_assert_uint_eq(vc_console_inject(dev(), 0, "early", 5), 5);
	ck_assert_uint_eq(dev_port(0).pending_input, 5);
	init_driver(0);
	ck_assert_uint_eq(dev_port(0).pending_input, 5);
	/* the driver posts its receive buffers: delivered on the notification */
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), 0);
	ck_assert_uint_eq(dev_port(0).pending_input, 0);
	read_exact(0, buf, 5);
	ck_assert_mem_eq(buf, "early", 5);
	/* buffers already posted: delivered at once */
	ck_assert_uint_eq(vc_console_inject(dev(), 0, "late", 4), 4);
	ck_assert_uint_eq(dev_port(0).pending_input, 0);
	read_exact(0, buf, 4);
	ck_assert_mem_eq(buf, "late", 4);
	/* no other port without MULTIPORT */
	ck_assert_uint_eq(vc_console_inject(dev(), 1, "x", 1), 0);
	assert_no_findings();
}
END_TEST

/* ---------------------------------------------------------------- args */

struct arg_case {
	const char *args;
	bool ok;
	uint64_t console_features; /* SIZE | MULTIPORT | EMERG_WRITE offered */
	uint32_t max_nr_ports;
};

static const struct arg_case arg_cases[] = {
	{ NULL, true, 0, 1 },
	{ "", true, 0, 1 },
	{ "multiport=off", true, 0, 1 },
	{ "multiport=on", true, F_MP, 1 },
	{ "multiport=on,max_nr_ports=4", true, F_MP, 4 },
	{ "cols=132", true, F_SIZE, 1 },
	{ "cols=80,rows=25,emerg_write=on", true, F_SIZE | F_EMRG, 1 },
	{ "emerg_write=off", true, 0, 1 },
	{ "multiport=on,max_nr_ports=3,ports=0:2,console=2,open=2,name0=a.b,name2=x-y_Z9", true,
	  F_MP, 3 },
	{ "multiport=on,max_nr_ports=31,ports=none,console=none,open=none", true, F_MP, 31 },
	{ "bogus=1", false, 0, 0 },
	{ "multiport", false, 0, 0 },
	{ "multiport=yes", false, 0, 0 },
	{ "multiport=on,multiport=on", false, 0, 0 },
	{ "max_nr_ports=2", false, 0, 0 },
	{ "multiport=on,max_nr_ports=0", false, 0, 0 },
	{ "multiport=on,max_nr_ports=32", false, 0, 0 },
	{ "multiport=on,max_nr_ports=4x", false, 0, 0 },
	{ "cols=65536", false, 0, 0 },
	{ "cols=-1", false, 0, 0 },
	{ "rows=", false, 0, 0 },
	{ "emerg_write=1", false, 0, 0 },
	{ "ports=0", false, 0, 0 },
	{ "name0=x", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0:2", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0:0", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0::1", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0:", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0,console=1", false, 0, 0 },
	{ "multiport=on,max_nr_ports=2,ports=0,open=1", false, 0, 0 },
	{ "multiport=on,name1=x", false, 0, 0 },
	{ "multiport=on,name0=bad name", false, 0, 0 },
	{ "multiport=on,name0=", false, 0, 0 },
	{ "multiport=on,name0=a,name0=b", false, 0, 0 },
	{ "multiport=on,console=7", false, 0, 0 },
	{ "cols=80,,rows=2", false, 0, 0 },
};

START_TEST(args_parsed_strictly)
{
	const struct arg_case *a = &arg_cases[_i];
	const struct vc_device_ops *ops = &vc_console_device_ops;
	void *d = ops->create(NULL, NULL, a->args);
	le32 max;

	if (!a->ok) {
		ck_assert_msg(d == NULL, "accepted \"%s\"", a->args);
		return;
	}
	ck_assert_msg(d != NULL, "refused \"%s\"", a->args ? a->args : "(null)");
	ck_assert_uint_eq(ops->get_features(d), F_V1 | F_RINGS | a->console_features);
	ops->config_read(d, VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, &max, 4);
	ck_assert_uint_eq(le32_to_cpu(max), a->max_nr_ports);
	ops->destroy(d);
}
END_TEST

START_TEST(config_space_layout)
{
	const struct vc_device_ops *ops = &vc_console_device_ops;
	void *d = ops->create(NULL, NULL, "multiport=on,max_nr_ports=5,cols=132,rows=43");
	uint8_t c[VIRTIO_CONSOLE_CFG_SIZE];
	static const uint8_t want[VIRTIO_CONSOLE_CFG_SIZE] = { 132, 0, 43, 0, 5, 0, 0, 0,
							       0, 0, 0, 0 };

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(ops->config_size, VIRTIO_CONSOLE_CFG_SIZE);
	ck_assert_uint_eq(ops->device_id, VIRTIO_ID_CONSOLE);
	ck_assert_uint_eq(ops->num_queues, 2 + 2 * VC_CONSOLE_MAX_PORTS);
	ops->config_read(d, 0, c, sizeof(c));
	ck_assert_mem_eq(c, want, sizeof(c));
	/* the fields are read-only */
	ops->config_write(d, 0, "\x01\x02\x03\x04", 4);
	ops->config_read(d, 0, c, sizeof(c));
	ck_assert_mem_eq(c, want, sizeof(c));
	ops->destroy(d);
	/* without VIRTIO_CONSOLE_F_SIZE cols and rows read 0 */
	d = ops->create(NULL, NULL, NULL);
	ops->config_read(d, 0, c, 4);
	ck_assert_mem_eq(c, "\0\0\0\0", 4);
	ops->destroy(d);
	ck_assert_ptr_eq(vc_device_lookup("console"), ops);
}
END_TEST

/* ------------------------------------------------------------- multiport */

static int log_index(uint16_t event, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < con.n_log && i < VCONS_LOG_MAX; i++)
		if (con.log[i].event == event && con.log[i].id == id)
			return (int)i;
	return -1;
}

START_TEST(multiport_bring_up)
{
	const struct vc_console_stats *ds;
	uint32_t p;
	int add;

	open_console("multiport=on,max_nr_ports=4,name1=org.test.one,name3=org.test.three,"
		     "open=0:1:3", F_MP);
	ck_assert(con.multiport);
	ck_assert_uint_eq(con.max_nr_ports, 4);
	ck_assert_uint_eq(con.nports, 4);
	/* queues for 4 ports and the control pair, no more */
	ck_assert_ptr_nonnull(vdrv_queue(pr.drv, 9));
	ck_assert_ptr_null(vdrv_queue(pr.drv, 10));
	/* DEVICE_READY first, then DEVICE_ADD for each port, in port order */
	ck_assert_uint_eq(con.stats.ctrl_to_device[VIRTIO_CONSOLE_DEVICE_READY], 1);
	for (p = 0; p < 4; p++) {
		ck_assert_uint_eq(con.log[p].event, VIRTIO_CONSOLE_DEVICE_ADD);
		ck_assert_uint_eq(con.log[p].id, p);
	}
	/* PORT_READY for each; then what the device knows of each port, never
	 * before its DEVICE_ADD */
	ck_assert_uint_eq(con.stats.ctrl_to_device[VIRTIO_CONSOLE_PORT_READY], 4);
	add = log_index(VIRTIO_CONSOLE_DEVICE_ADD, 0);
	ck_assert_int_gt(log_index(VIRTIO_CONSOLE_CONSOLE_PORT, 0), add);
	ck_assert_int_gt(log_index(VIRTIO_CONSOLE_PORT_NAME, 1), log_index(VIRTIO_CONSOLE_DEVICE_ADD, 1));
	ck_assert_int_gt(log_index(VIRTIO_CONSOLE_PORT_NAME, 3), log_index(VIRTIO_CONSOLE_DEVICE_ADD, 3));
	ck_assert_int_eq(log_index(VIRTIO_CONSOLE_PORT_OPEN, 2), -1); /* host end closed */
	ck_assert_int_gt(log_index(VIRTIO_CONSOLE_PORT_OPEN, 3), log_index(VIRTIO_CONSOLE_DEVICE_ADD, 3));
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_DEVICE_ADD], 4);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_CONSOLE_PORT], 1);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_PORT_NAME], 2);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_PORT_OPEN], 3);
	/* the console port was answered with PORT_OPEN 1 */
	ck_assert_uint_eq(con.stats.ctrl_to_device[VIRTIO_CONSOLE_PORT_OPEN], 1);
	ck_assert(con.port[0].console && con.port[0].open);
	ck_assert_str_eq(con.port[1].name, "org.test.one");
	ck_assert_str_eq(con.port[3].name, "org.test.three");
	ck_assert(!con.port[0].named && !con.port[2].named);
	ck_assert(con.port[0].host_open && con.port[1].host_open && !con.port[2].host_open);

	/* the device's view */
	ds = vc_console_stats(dev());
	ck_assert_uint_eq(ds->ctrl_from_driver[VIRTIO_CONSOLE_DEVICE_READY], 1);
	ck_assert_uint_eq(ds->ctrl_from_driver[VIRTIO_CONSOLE_PORT_READY], 4);
	ck_assert_uint_eq(ds->ctrl_from_driver[VIRTIO_CONSOLE_PORT_OPEN], 1);
	ck_assert_uint_eq(ds->ctrl_ignored, 0);
	for (p = 0; p < 4; p++) {
		struct vc_console_port_state st = dev_port(p);

		ck_assert(st.present && st.added && st.ready);
		ck_assert_uint_eq(st.guest_open, p == 0);
		ck_assert_uint_eq(st.console, p == 0);
	}
	echo(0, "console in", "console out");
	assert_no_findings();
}
END_TEST

START_TEST(multiport_input_waits_for_port_open)
{
	char buf[16];

	open_console("multiport=on,max_nr_ports=3", F_MP | F_EVT);
	ck_assert_uint_eq(vc_console_inject(dev(), 2, "abc", 3), 3);
	ck_assert_uint_eq(dev_port(2).pending_input, 3);
	ck_assert_int_eq(vcons_drv_read(&con, 2, buf, sizeof(buf)), 0);
	ck_assert_int_eq(vcons_drv_port_open(&con, 2, true), 0);
	ck_assert(dev_port(2).guest_open);
	read_exact(2, buf, 3);
	ck_assert_mem_eq(buf, "abc", 3);
	/* output needs no open port, and stays on its port */
	ck_assert_int_eq(vcons_drv_write(&con, 1, "xyz", 3), 3);
	ck_assert_uint_eq(vc_console_output(dev(), 1, buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "xyz", 3);
	ck_assert_uint_eq(vc_console_output(dev(), 0, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vc_console_output(dev(), 2, buf, sizeof(buf)), 0);
	/* closed again: input waits */
	ck_assert_int_eq(vcons_drv_port_open(&con, 2, false), 0);
	ck_assert(!dev_port(2).guest_open);
	ck_assert_uint_eq(vc_console_inject(dev(), 2, "def", 3), 3);
	ck_assert_uint_eq(dev_port(2).pending_input, 3);
	ck_assert_int_eq(vcons_drv_read(&con, 2, buf, sizeof(buf)), 0);
	assert_no_findings();
}
END_TEST

START_TEST(hot_add_and_remove)
{
	char buf[16];

	open_console("multiport=on,max_nr_ports=4,ports=0:1", F_MP);
	ck_assert(con.port[0].added && con.port[1].added);
	ck_assert(!con.port[2].added && !con.port[3].added);

	ck_assert_int_eq(vc_console_port_add(dev(), 3, "hot.plug"), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert(con.port[3].added);
	ck_assert_str_eq(con.port[3].name, "hot.plug");
	ck_assert(dev_port(3).ready);
	ck_assert_int_eq(vcons_drv_port_open(&con, 3, true), 0);
	echo(3, "to three", "from three");

	ck_assert_int_eq(vc_console_port_remove(dev(), 1), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert(!con.port[1].added);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_DEVICE_REMOVE], 1);
	ck_assert(!dev_port(1).present && !dev_port(1).added);
	ck_assert_int_eq(vcons_drv_write(&con, 1, "x", 1), -1);
	ck_assert_uint_eq(vc_console_inject(dev(), 1, "x", 1), 0);

	/* back again: its receive buffers are still posted */
	ck_assert_int_eq(vc_console_port_add(dev(), 1, NULL), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert(con.port[1].added && !con.port[1].named);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_DEVICE_ADD], 4);
	ck_assert_int_eq(vcons_drv_port_open(&con, 1, true), 0);
	echo(1, "one again", "yes");

	/* refused by the backend: not a misbehaving device */
	ck_assert_int_eq(vc_console_port_add(dev(), 1, NULL), -1);
	ck_assert_int_eq(vc_console_port_add(dev(), 4, NULL), -1);
	ck_assert_int_eq(vc_console_port_add(dev(), 2, "bad name"), -1);
	ck_assert_int_eq(vc_console_port_remove(dev(), 2), -1);
	ck_assert_uint_eq(vc_console_output(dev(), 0, buf, sizeof(buf)), 0);
	assert_no_findings();
}
END_TEST

START_TEST(hot_add_before_device_ready_waits)
{
	open_pair("multiport=on,max_nr_ports=2,ports=0");
	init_driver(F_MP);
	/* DRIVER_OK, but no DEVICE_READY yet: nothing is announced */
	ck_assert_int_eq(vc_console_port_add(dev(), 1, NULL), 0);
	ck_assert(!dev_port(1).added);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 0);
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), 0);
	ck_assert(con.port[0].added && con.port[1].added);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 2);
	assert_no_findings();
}
END_TEST

/* ---------------------------------------------------------------- resize */

START_TEST(resize_through_config_space)
{
	uint64_t irqs;

	open_console("cols=80,rows=25", F_SIZE);
	ck_assert_uint_eq(con.cols, 80);
	ck_assert_uint_eq(con.rows, 25);
	irqs = vdrv_irq_stats(pr.drv)->config;
	ck_assert_int_eq(vc_console_resize(dev(), 0, 132, 43), 0);
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->config, irqs + 1);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(con.cols, 132);
	ck_assert_uint_eq(con.rows, 43);
	ck_assert_uint_eq(con.stats.config_changes, 1);
	ck_assert_uint_eq(dev_port(0).cols, 132);
	/* no port 1 without MULTIPORT */
	ck_assert_int_eq(vc_console_resize(dev(), 1, 1, 1), -1);
	assert_no_findings();
}
END_TEST

START_TEST(resize_without_size_refused)
{
	open_console(NULL, 0);
	ck_assert_int_eq(vc_console_resize(dev(), 0, 100, 30), -1);
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->config, 0);
	assert_no_findings();
}
END_TEST

START_TEST(resize_message_per_port)
{
	open_console("multiport=on,max_nr_ports=3,cols=80,rows=25", F_MP | F_SIZE);
	ck_assert_int_eq(vc_console_resize(dev(), 2, 100, 30), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_RESIZE], 1);
	ck_assert_uint_eq(con.port[2].cols, 100);
	ck_assert_uint_eq(con.port[2].rows, 30);
	ck_assert_uint_eq(con.cols, 80); /* the config size is port 0's */
	/* port 0: the config space and a RESIZE message */
	ck_assert_int_eq(vc_console_resize(dev(), 0, 90, 20), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(con.stats.ctrl_from_device[VIRTIO_CONSOLE_RESIZE], 2);
	ck_assert_uint_eq(con.cols, 90);
	ck_assert_uint_eq(con.port[0].rows, 20);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------------------- emergency write */

START_TEST(emergency_write_reaches_port0_output)
{
	char buf[16];

	open_console("emerg_write=on", F_EMRG);
	ck_assert_uint_ne(vdrv_features(pr.drv) & F_EMRG, 0);
	ck_assert_int_eq(vcons_drv_emerg_write(&con, "SOS", 3), 0);
	ck_assert_uint_eq(vc_console_output(dev(), 0, buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "SOS", 3);
	ck_assert_uint_eq(vc_console_stats(dev())->emerg_bytes, 3);
	/* the ordinary transmitq after it */
	echo(0, "in", "out");
	assert_no_findings();
}
END_TEST

START_TEST(emergency_write_needs_the_feature)
{
	char buf[16];

	/* offered but not negotiated: the driver does not use it */
	open_console("emerg_write=on", 0);
	ck_assert_int_eq(vcons_drv_emerg_write(&con, "x", 1), -1);
	teardown();
	/* not offered: a write to emerg_wr goes nowhere */
	open_console(NULL, 0);
	vdrv_space_write(pr.drv, VDRV_SPACE_DEVICE, VIRTIO_CONSOLE_CFG_EMERG_WR, 4, 'x');
	ck_assert_uint_eq(vc_console_output(dev(), 0, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vc_console_stats(dev())->emerg_bytes, 0);
}
END_TEST

/* devicenormative: Console Device / Device Initialization -- the device
 * itself takes emerg_wr on an unconfigured device (called here through the
 * ops: the transport decides which config writes reach a device) */
START_TEST(emergency_write_accepted_unconfigured)
{
	const struct vc_device_ops *ops = &vc_console_device_ops;
	char buf[4];

	open_pair("emerg_write=on");
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	ops->config_write(dev(), VIRTIO_CONSOLE_CFG_EMERG_WR, "!\0\0\0", 4);
	ops->config_write(dev(), VIRTIO_CONSOLE_CFG_EMERG_WR, "?\0", 2);
	ops->config_write(dev(), VIRTIO_CONSOLE_CFG_EMERG_WR + 1, "\x55", 1); /* not the low byte */
	ck_assert_uint_eq(vc_console_output(dev(), 0, buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "!?", 2);
}
END_TEST

/* ------------------------------------------------------------- bulk data */

#define BULK (1u << 20)

static uint8_t pattern(size_t i, unsigned seed)
{
	return (uint8_t)((i * 131u) ^ (i >> 9) ^ seed);
}

/* _i: bit 0 multiport (port 2), bit 1 EVENT_IDX */
START_TEST(bulk_both_directions)
{
	uint32_t port = (_i & 1) ? 2 : 0;
	uint64_t wanted = ((_i & 1) ? F_MP : 0) | ((_i & 2) ? F_EVT : 0);
	uint8_t *src = malloc(BULK), *dst = malloc(BULK);
	size_t in = 0, got = 0, out = 0, seen = 0, i;
	unsigned spins = 0;
	bool stalled = false;

	ck_assert_ptr_nonnull(src);
	ck_assert_ptr_nonnull(dst);
	open_console((_i & 1) ? "multiport=on,max_nr_ports=3" : NULL, wanted);
	if (port)
		ck_assert_int_eq(vcons_drv_port_open(&con, port, true), 0);

	/* host to guest */
	for (i = 0; i < BULK; i++)
		src[i] = pattern(i, 1);
	while (got < BULK) {
		long r;

		if (in < BULK)
			in += vc_console_inject(dev(), port, src + in, BULK - in > 70000 ? 70000 : BULK - in);
		r = vcons_drv_read(&con, port, dst + got, BULK - got);
		ck_assert_int_ge(r, 0);
		got += (size_t)r;
		ck_assert_uint_lt(++spins, 100000);
	}
	ck_assert_mem_eq(dst, src, BULK);

	/* guest to host: write until the device holds back, then drain */
	for (i = 0; i < BULK; i++)
		src[i] = pattern(i, 2);
	spins = 0;
	while (seen < BULK) {
		long w = 0;

		if (out < BULK) {
			w = vcons_drv_write(&con, port, src + out, BULK - out > 5000 ? 5000 : BULK - out);
			ck_assert_int_ge(w, 0);
			out += (size_t)w;
		}
		if (w == 0 || out == BULK) {
			stalled |= out < BULK;
			seen += vc_console_output(dev(), port, dst + seen, BULK - seen);
		}
		ck_assert_uint_lt(++spins, 100000);
	}
	ck_assert_mem_eq(dst, src, BULK);
	ck_assert_msg(stalled, "the device never held transmit buffers back");
	ck_assert_uint_eq(vc_console_stats(dev())->tx_discarded, 0);
	ck_assert_uint_eq(vc_console_stats(dev())->tx_bytes, BULK);
	ck_assert_uint_eq(vc_console_stats(dev())->rx_bytes, BULK);
	assert_no_findings();
	free(src);
	free(dst);
}
END_TEST

/* --------------------------------------------------------------- resets */

struct qreset_case {
	bool multiport;
	uint16_t q;
};

static const struct qreset_case qreset_cases[] = {
	{ false, 0 }, { false, 1 }, { true, 0 }, { true, 1 }, { true, 2 }, { true, 3 },
	{ true, 4 }, { true, 5 },
};

START_TEST(queue_reset_then_traffic)
{
	const struct qreset_case *c = &qreset_cases[_i];

	open_console(c->multiport ? "multiport=on,max_nr_ports=2" : NULL,
		     F_RR | (c->multiport ? F_MP : 0));
	if (c->multiport)
		ck_assert_int_eq(vcons_drv_port_open(&con, 1, true), 0);
	echo(0, "before", "before");
	ck_assert_int_eq(vcons_drv_queue_reset(&con, c->q), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	echo(0, "after0", "after0!");
	if (c->multiport) {
		echo(1, "after1", "after1!");
		/* the control queues carry messages again */
		ck_assert_int_eq(vc_console_resize(dev(), 1, 10, 11), 0);
		ck_assert_int_eq(vcons_drv_poll(&con), 0);
		ck_assert_uint_eq(con.port[1].cols, 10);
		ck_assert_int_eq(vcons_drv_port_open(&con, 1, false), 0);
		ck_assert(!dev_port(1).guest_open);
	}
	assert_no_findings();
}
END_TEST

START_TEST(device_reset_then_traffic)
{
	bool mp = _i;
	char buf[8];

	open_console(mp ? "multiport=on,max_nr_ports=3,name2=two" : NULL, mp ? F_MP : 0);
	echo(0, "first life", "first");
	vcons_drv_detach(&con);
	vdrv_reset(pr.drv);
	ck_assert_uint_eq(vpci_status(pr.dev), 0);
	ck_assert(!dev_port(0).guest_open);
	ck_assert(!dev_port(0).added);
	/* input while reset waits for the next driver */
	ck_assert_uint_eq(vc_console_inject(dev(), 0, "held", 4), 4);
	init_driver(mp ? F_MP : 0);
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), 0);
	read_exact(0, buf, 4);
	ck_assert_mem_eq(buf, "held", 4);
	if (mp) {
		ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 6);
		ck_assert(con.port[2].added);
		ck_assert_str_eq(con.port[2].name, "two");
	}
	echo(0, "second life", "second");
	assert_no_findings();
}
END_TEST

/* ------------------------------------------- a misbehaving driver */

struct bad_buffer {
	const char *args;
	uint64_t wanted;
	uint16_t q;
	bool readable, writable;
};

static const struct bad_buffer bad_buffers[] = {
	{ NULL, 0, 0, true, false },                      /* receiveq(port0) */
	{ NULL, F_IND, 0, true, true },
	{ NULL, 0, 1, false, true },                      /* transmitq(port0) */
	{ NULL, F_IND, 1, true, true },
	{ "multiport=on,max_nr_ports=2", F_MP, 2, true, false }, /* control receiveq */
	{ "multiport=on,max_nr_ports=2", F_MP, 3, true, true },  /* control transmitq */
	{ "multiport=on,max_nr_ports=2", F_MP, 4, true, true },  /* receiveq(port1) */
	{ "multiport=on,max_nr_ports=2", F_MP, 5, false, true }, /* transmitq(port1) */
};

START_TEST(wrong_direction_buffer_needs_reset)
{
	const struct bad_buffer *b = &bad_buffers[_i];
	const struct vc_findings *f;
	struct vq_buf out, in;
	uint8_t *fill = NULL, buf[4];
	uint64_t area;
	uint32_t left;
	unsigned k;

	open_console(b->args, b->wanted);
	if (b->q == 4)
		ck_assert_int_eq(vcons_drv_port_open(&con, 1, true), 0);
	area = vdrv_alloc(pr.drv, 256, 64);
	out = (struct vq_buf){ area, 64 };
	in = (struct vq_buf){ area + 128, 64 };
	if (b->q == 2) {
		/* fill the driver's control buffers so the device reaches ours */
		uint8_t m[8];

		le_msg(m, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
		for (k = 0; k < VCONS_CTRL_BUFS; k++)
			ck_assert_int_eq(vc_console_ctrl_raw(dev(), m, sizeof(m)), 0);
	}
	ck_assert_int_ge(vcons_drv_submit_raw(&con, b->q, b->readable ? &out : NULL,
					      b->readable ? 1 : 0, b->writable ? &in : NULL,
					      b->writable ? 1 : 0, b->wanted & F_IND), 0);
	if (b->q == 0 || b->q == 4) {
		/* receive buffers are used when there is input: past the
		 * driver's own ones */
		size_t n = VCONS_RX_BUFS * VCONS_RX_BUF_SIZE + 1;

		fill = calloc(1, n);
		ck_assert_uint_eq(vc_console_inject(dev(), b->q == 0 ? 0 : 1, fill, n), n);
	} else if (b->q == 2) {
		uint8_t m[8];

		le_msg(m, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
		ck_assert_int_eq(vc_console_ctrl_raw(dev(), m, sizeof(m)), 0);
	}
	free(fill);
	f = vpci_findings(pr.dev);
	ck_assert_int_ge(vc_findings_find(f, CL_DRV_CONSOLE), 0);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE | ST_NR);
	ck_assert_int_eq(vcons_drv_poll(&con), -1);
	ck_assert_uint_eq(vdrv_findings(pr.drv)->count, 0);

	/* liveness: reset and initialize again; host input not delivered
	 * before the reset is still there */
	vcons_drv_detach(&con);
	vdrv_reset(pr.drv);
	ck_assert(!vpci_broken(pr.dev));
	left = dev_port(0).pending_input;
	ck_assert_uint_eq(left, b->q == 0 ? 1 : 0);
	init_driver(b->wanted);
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), 0);
	read_exact(0, buf, left);
	echo(0, "alive", "again");
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 1);
}
END_TEST

struct drv_msg {
	uint32_t id;
	uint16_t event, value;
	uint32_t len; /* bytes sent of the 8-byte message */
};

/* No MUST covers these: the device ignores them (5.3.6.2). */
static const struct drv_msg ignored_msgs[] = {
	{ 9, VIRTIO_CONSOLE_PORT_READY, 1, 8 },            /* port >= max_nr_ports */
	{ 0xffffffffu, VIRTIO_CONSOLE_PORT_READY, 1, 8 },
	{ 3, VIRTIO_CONSOLE_PORT_OPEN, 1, 8 },             /* port not present */
	{ 3, VIRTIO_CONSOLE_PORT_READY, 1, 8 },
	{ 0, 42, 0, 8 },                                   /* unknown event */
	{ 0, VIRTIO_CONSOLE_PORT_OPEN, 1, 4 },             /* short */
	{ 0, VIRTIO_CONSOLE_PORT_OPEN, 1, 0 },             /* empty */
	{ 2, VIRTIO_CONSOLE_DEVICE_ADD, 0, 8 },            /* the device's events */
	{ 1, VIRTIO_CONSOLE_DEVICE_REMOVE, 0, 8 },
	{ 1, VIRTIO_CONSOLE_RESIZE, 0, 8 },
	{ 1, VIRTIO_CONSOLE_PORT_OPEN, 7, 8 },             /* value neither 0 nor 1 */
};

START_TEST(driver_control_messages_ignored)
{
	const struct drv_msg *m = &ignored_msgs[_i];
	uint8_t b[8];

	open_console("multiport=on,max_nr_ports=4,ports=0:1:2", F_MP);
	ck_assert_int_eq(vcons_drv_port_open(&con, 1, true), 0);
	le_msg(b, m->id, m->event, m->value);
	ck_assert_int_eq(vcons_drv_ctrl_raw(&con, b, m->len), 0);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_ignored, 1);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE);
	/* nothing changed: no port 3, port 1 still open, no second DEVICE_ADD */
	ck_assert(!dev_port(3).added);
	ck_assert(dev_port(1).guest_open);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 3);
	echo(1, "still", "working");
	assert_no_findings();
}
END_TEST

START_TEST(repeated_device_ready_adds_nothing)
{
	open_console("multiport=on,max_nr_ports=2", F_MP);
	ck_assert_int_eq(vcons_drv_send_ctrl(&con, 0, VIRTIO_CONSOLE_DEVICE_READY, 1), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 2);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_from_driver[VIRTIO_CONSOLE_DEVICE_READY], 2);
	assert_no_findings();
}
END_TEST

START_TEST(device_ready_failure_adds_no_port)
{
	open_pair("multiport=on,max_nr_ports=2");
	init_driver(F_MP);
	/* a driver that reports failure in DEVICE_READY (value 0): the
	 * control transmitq alone, without vcons_drv_attach */
	memset(&con, 0, sizeof(con));
	con.d = pr.drv;
	con.multiport = true;
	con.ctrl_tx_area = vdrv_alloc(pr.drv, VCONS_CTRL_TX_SLOTS * VCONS_CTRL_TX_SIZE, 64);
	ck_assert_int_eq(vcons_drv_send_ctrl(&con, 0, VIRTIO_CONSOLE_DEVICE_READY, 0), 0);
	ck_assert(!dev_port(0).added);
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_to_driver[VIRTIO_CONSOLE_DEVICE_ADD], 0);
	assert_no_findings();
}
END_TEST

START_TEST(console_port_answered_with_open)
{
	open_console("multiport=on,max_nr_ports=2,console=none", F_MP);
	ck_assert(!con.port[1].console);
	ck_assert_int_eq(vc_console_set_console(dev(), 1), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert(con.port[1].console && con.port[1].open);
	ck_assert(dev_port(1).guest_open && dev_port(1).console);
	assert_no_findings();
}
END_TEST

/* drivernormative: Multiport Device Operation -- PORT_OPEN answering
 * CONSOLE_PORT has value 1 */
START_TEST(console_port_answered_with_close_needs_reset)
{
	const struct vc_findings *f;

	open_console("multiport=on,max_nr_ports=2,console=none", F_MP);
	ck_assert_int_eq(vc_console_set_console(dev(), 1), 0);
	/* before the reference driver sees CONSOLE_PORT, a PORT_OPEN 0 */
	ck_assert_int_eq(vcons_drv_send_ctrl(&con, 1, VIRTIO_CONSOLE_PORT_OPEN, 0), 0);
	f = vpci_findings(pr.dev);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(f->v[0].clause, CL_DRV_CONSOLE_MP);
	ck_assert_uint_eq(vpci_status(pr.dev), ST_LIVE | ST_NR);
	ck_assert_uint_eq(vdrv_irq_stats(pr.drv)->config, 1);
}
END_TEST

START_TEST(small_control_buffer_gets_truncated_message)
{
	struct vq_buf in;
	uint8_t m[8], got[4], want[4];
	unsigned k;

	open_console("multiport=on,max_nr_ports=2", F_MP);
	le_msg(m, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	for (k = 0; k < VCONS_CTRL_BUFS; k++)
		ck_assert_int_eq(vc_console_ctrl_raw(dev(), m, sizeof(m)), 0);
	in = (struct vq_buf){ vdrv_alloc(pr.drv, 64, 64), 4 };
	ck_assert_int_ge(vcons_drv_submit_raw(&con, 2, NULL, 0, &in, 1, false), 0);
	le_msg(m, 1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ck_assert_int_eq(vc_console_ctrl_raw(dev(), m, sizeof(m)), 0);
	/* what fits, and the used len says so */
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_truncated, 1);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(con.stats.raw_used, 1);
	ck_assert_int_eq(gm_read(pr.drv_mem, in.gpa, got, 4), 0);
	memcpy(want, m, 4);
	ck_assert_mem_eq(got, want, 4);
	assert_no_findings();
}
END_TEST

START_TEST(output_of_a_removed_port_is_discarded)
{
	struct vq_buf out;
	char buf[8];

	open_console("multiport=on,max_nr_ports=2", F_MP);
	ck_assert_int_eq(vc_console_port_remove(dev(), 1), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	out = (struct vq_buf){ vdrv_alloc(pr.drv, 64, 64), 40 };
	ck_assert_int_ge(vcons_drv_submit_raw(&con, 5, &out, 1, NULL, 0, false), 0);
	ck_assert_int_eq(vcons_drv_poll(&con), 0);
	ck_assert_uint_eq(con.stats.raw_used, 1);
	ck_assert_uint_eq(vc_console_stats(dev())->tx_discarded, 40);
	ck_assert_uint_eq(vc_console_output(dev(), 1, buf, sizeof(buf)), 0);
	assert_no_findings();
}
END_TEST

/* ------------------------------------------- a misbehaving device */

struct dev_msg {
	uint32_t id;
	uint16_t event, value;
	uint32_t len;
	enum vc_severity sev;
};

static const struct dev_msg hostile_msgs[] = {
	/* devicenormative: Multiport Device Operation, the MUSTs */
	{ 1, VIRTIO_CONSOLE_DEVICE_ADD, 0, 8, VC_SEV_FATAL },   /* exists */
	{ 4, VIRTIO_CONSOLE_DEVICE_ADD, 0, 8, VC_SEV_FATAL },   /* == max_nr_ports */
	{ 0xffffffffu, VIRTIO_CONSOLE_DEVICE_ADD, 0, 8, VC_SEV_FATAL },
	{ 2, VIRTIO_CONSOLE_DEVICE_REMOVE, 0, 8, VC_SEV_FATAL }, /* never added */
	{ 9, VIRTIO_CONSOLE_DEVICE_REMOVE, 0, 8, VC_SEV_FATAL },
	/* malformed: refused and ignored */
	{ 0, VIRTIO_CONSOLE_PORT_OPEN, 1, 4, VC_SEV_RECORD },    /* short */
	{ 7, VIRTIO_CONSOLE_CONSOLE_PORT, 1, 8, VC_SEV_RECORD }, /* no such port */
	{ 3, VIRTIO_CONSOLE_PORT_NAME, 0, 8, VC_SEV_RECORD },    /* not added */
	{ 2, VIRTIO_CONSOLE_PORT_OPEN, 1, 8, VC_SEV_RECORD },
	{ 0, VIRTIO_CONSOLE_RESIZE, 0, 8, VC_SEV_RECORD },       /* no size */
	{ 0, VIRTIO_CONSOLE_PORT_OPEN, 5, 8, VC_SEV_RECORD },
	{ 0, 99, 0, 8, VC_SEV_RECORD },
	{ 0, VIRTIO_CONSOLE_DEVICE_READY, 1, 8, VC_SEV_RECORD }, /* the driver's events */
	{ 1, VIRTIO_CONSOLE_PORT_READY, 1, 8, VC_SEV_RECORD },
};

START_TEST(hostile_device_control_refused)
{
	const struct dev_msg *m = &hostile_msgs[_i];
	const struct vc_findings *f;
	uint8_t b[8];
	int k;

	open_console("multiport=on,max_nr_ports=4,ports=0:1", F_MP);
	le_msg(b, m->id, m->event, m->value);
	ck_assert_int_eq(vc_console_ctrl_raw(dev(), b, m->len), 0);
	vcons_drv_poll(&con);
	f = vdrv_findings(pr.drv);
	ck_assert_uint_eq(f->count, 1);
	k = vc_findings_find(f, CL_DEV_CONSOLE_MP);
	ck_assert_int_eq(k, 0);
	ck_assert_int_eq(f->v[k].severity, m->sev);
	ck_assert_uint_eq(f->v[k].queue, 2);
	ck_assert_uint_eq(con.stats.ctrl_rejected, 1);
	/* the driver's state did not follow the message */
	ck_assert(con.port[0].added && con.port[1].added);
	ck_assert(!con.port[2].added && !con.port[3].added);
	ck_assert(!con.port[2].named && !con.port[3].named && !con.port[0].named);
	ck_assert_uint_eq(con.port[0].cols, 0);
	if (m->sev == VC_SEV_FATAL) {
		/* no more control messages believed */
		ck_assert(vq_drv_broken(vdrv_queue(pr.drv, 2)));
	} else {
		ck_assert(!vq_drv_broken(vdrv_queue(pr.drv, 2)));
		ck_assert_int_eq(vc_console_port_add(dev(), 2, "later"), 0);
		ck_assert_int_eq(vcons_drv_poll(&con), 0);
		ck_assert(con.port[2].added);
		ck_assert_str_eq(con.port[2].name, "later");
	}
	/* data queues are unaffected */
	echo(0, "data", "flows");
	ck_assert_uint_eq(vpci_findings(pr.dev)->count, 0);
}
END_TEST

/* A console device whose configuration says max_nr_ports 0 while it
 * offers MULTIPORT. */
static void zero_ports_config_read(void *d, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *b = dst;
	uint32_t i;

	vc_console_device_ops.config_read(d, off, dst, len);
	for (i = 0; i < len; i++)
		if (off + i >= VIRTIO_CONSOLE_CFG_MAX_NR_PORTS &&
		    off + i < VIRTIO_CONSOLE_CFG_MAX_NR_PORTS + 4)
			b[i] = 0;
}

START_TEST(zero_max_nr_ports_refused)
{
	/* the pair keeps the table until it is closed */
	static struct vc_device_ops ops;
	const struct vc_findings *f;
	struct vdrv_config cfg;

	ops = vc_console_device_ops;
	ops.config_read = zero_ports_config_read;
	ck_assert_int_eq(vc_pair_open(&pr, &ops, "multiport=on", NULL, NULL, 0), 0);
	pr_open = true;
	ck_assert_int_eq(vdrv_probe(pr.drv, VIRTIO_ID_CONSOLE), 0);
	vcons_drv_config(&cfg, F_MP);
	ck_assert_int_eq(vdrv_init(pr.drv, &cfg), 0);
	ck_assert_int_eq(vcons_drv_attach(&con, pr.drv), -1);
	f = vdrv_findings(pr.drv);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(f->v[0].clause, CL_DEV_CONSOLE_MP);
	ck_assert_int_eq(f->v[0].severity, VC_SEV_RECORD);
	/* nothing sent: no DEVICE_READY to a device without ports */
	ck_assert_uint_eq(vc_console_stats(dev())->ctrl_from_driver[VIRTIO_CONSOLE_DEVICE_READY], 0);
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc;

	tc = tcase_create("single");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, single_port_echo_both_ways, 0, 4);
	tcase_add_test(tc, input_waits_for_receive_buffers);
	tcase_add_loop_test(tc, args_parsed_strictly, 0,
			    (int)(sizeof(arg_cases) / sizeof(arg_cases[0])));
	tcase_add_test(tc, config_space_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("multiport");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, multiport_bring_up);
	tcase_add_test(tc, multiport_input_waits_for_port_open);
	tcase_add_test(tc, hot_add_and_remove);
	tcase_add_test(tc, hot_add_before_device_ready_waits);
	tcase_add_test(tc, console_port_answered_with_open);
	tcase_add_test(tc, repeated_device_ready_adds_nothing);
	tcase_add_test(tc, zero_max_nr_ports_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("resize-emerg");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, resize_through_config_space);
	tcase_add_test(tc, resize_without_size_refused);
	tcase_add_test(tc, resize_message_per_port);
	tcase_add_test(tc, emergency_write_reaches_port0_output);
	tcase_add_test(tc, emergency_write_needs_the_feature);
	tcase_add_test(tc, emergency_write_accepted_unconfigured);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, bulk_both_directions, 0, 4);
	tcase_add_loop_test(tc, queue_reset_then_traffic, 0,
			    (int)(sizeof(qreset_cases) / sizeof(qreset_cases[0])));
	tcase_add_loop_test(tc, device_reset_then_traffic, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile-driver");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, wrong_direction_buffer_needs_reset, 0,
			    (int)(sizeof(bad_buffers) / sizeof(bad_buffers[0])));
	tcase_add_loop_test(tc, driver_control_messages_ignored, 0,
			    (int)(sizeof(ignored_msgs) / sizeof(ignored_msgs[0])));
	tcase_add_test(tc, device_ready_failure_adds_no_port);
	tcase_add_test(tc, console_port_answered_with_close_needs_reset);
	tcase_add_test(tc, small_control_buffer_gets_truncated_message);
	tcase_add_test(tc, output_of_a_removed_port_is_discarded);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile-device");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, hostile_device_control_refused, 0,
			    (int)(sizeof(hostile_msgs) / sizeof(hostile_msgs[0])));
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(console_suite)
