/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared bits of the Check suites. Each tests/check_<module>.c defines
 * Suite *<module>_suite(void) and ends with VC_CHECK_MAIN(<module>_suite),
 * which runs the suite in fork mode (a crashing test is a failure, not the
 * end of the run) and writes a JUnit-style XML file when VC_CHECK_XML_DIR is
 * set.
 */
#ifndef VIRTIOCHECK_TESTS_HARNESS_H
#define VIRTIOCHECK_TESTS_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "gm.h"

/* Guest memory for a fixture: the given regions, one view for the driver
 * side and one for the device side, at different host addresses. */
static inline void vc_test_memory(const struct gm_region_spec *regions, unsigned n, gm_t **gm,
				  gm_view_t **drv, gm_view_t **dev)
{
	*gm = gm_create(regions, n);
	ck_assert_ptr_nonnull(*gm);
	*drv = gm_view_map(*gm, "driver");
	*dev = gm_view_map(*gm, "device");
	ck_assert_ptr_nonnull(*drv);
	ck_assert_ptr_nonnull(*dev);
}

#define VC_CHECK_MAIN(suite_fn)                                                   \
	int main(void)                                                            \
	{                                                                         \
		SRunner *sr = srunner_create(suite_fn());                         \
		const char *dir = getenv("VC_CHECK_XML_DIR");                     \
		char xml[512];                                                    \
		int failed;                                                       \
                                                                                  \
		if (dir) {                                                        \
			snprintf(xml, sizeof(xml), "%s/%s.xml", dir, #suite_fn);  \
			srunner_set_xml(sr, xml);                                 \
		}                                                                 \
		srunner_run_all(sr, CK_NORMAL);                                   \
		failed = srunner_ntests_failed(sr);                               \
		srunner_free(sr);                                                 \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                      \
	}

#endif
