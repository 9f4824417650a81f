// SPDX-License-Identifier: Apache-2.0
/* model/devices/dev_args.c: the value parsers every device's args use. */
#include <stdint.h>

#include "harness.h"
#include "dev_args.h"

static const struct {
	const char *s;
	uint64_t max;
	int rc;
	uint64_t v;
} u64_cases[] = {
	{ "0", 10, 0, 0 },
	{ "10", 10, 0, 10 },
	{ "11", 10, -1, 0 },            /* above max */
	{ "0x1f", 31, 0, 31 },
	{ "0X1F", 31, 0, 31 },
	{ "0x20", 31, -1, 0 },
	{ "", 10, -1, 0 },              /* empty */
	{ "0x", 10, -1, 0 },            /* no digits after 0x */
	{ "1a", 100, -1, 0 },           /* hex digit without 0x */
	{ "-1", UINT64_MAX, -1, 0 },
	{ " 1", 10, -1, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -1, 0 },  /* 2^64: overflow, not wrap */
	{ "0xffffffffffffffff", UINT64_MAX, 0, UINT64_MAX },
	{ "0x10000000000000000", UINT64_MAX, -1, 0 },
};

START_TEST(u64_accepts_exactly_numbers_within_max)
{
	uint64_t v = 12345;
	int rc = dev_arg_u64(u64_cases[_i].s, u64_cases[_i].max, &v);

	ck_assert_msg(rc == u64_cases[_i].rc, "'%s': rc %d", u64_cases[_i].s, rc);
	ck_assert_uint_eq(v, rc == 0 ? u64_cases[_i].v : 12345); /* untouched on refusal */
}
END_TEST

START_TEST(u32_narrows_after_the_max_check)
{
	uint32_t v = 7;

	ck_assert_int_eq(dev_arg_u32("4294967295", UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(dev_arg_u32("4294967296", UINT32_MAX, &v), -1);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(dev_arg_u32("0x10", 15, &v), -1);
}
END_TEST

START_TEST(onoff_takes_only_on_and_off)
{
	bool b = false;

	ck_assert_int_eq(dev_arg_onoff("on", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(dev_arg_onoff("off", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(dev_arg_onoff("1", &b), -1);
	ck_assert_int_eq(dev_arg_onoff("On", &b), -1);
	ck_assert_int_eq(dev_arg_onoff("", &b), -1);
	ck_assert(!b);
}
END_TEST

static Suite *dev_args_suite(void)
{
	Suite *s = suite_create("dev_args");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, u64_accepts_exactly_numbers_within_max, 0,
			    (int)(sizeof(u64_cases) / sizeof(u64_cases[0])));
	tcase_add_test(tc, u32_narrows_after_the_max_check);
	tcase_add_test(tc, onoff_takes_only_on_and_off);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(dev_args_suite)
