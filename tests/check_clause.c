// SPDX-License-Identifier: Apache-2.0
/*
 * Every clause label the model cites must be a label of the project's clause
 * catalogue, spelled exactly as the spec writes it.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "virtiocheck/clause.h"

static const char *const cited[] = {
	CL_DEV_STATUS, CL_DRV_STATUS, CL_DEV_FEATURES, CL_DRV_FEATURES, CL_DEV_RESET,
	CL_DEV_CONFIG, CL_DRV_CONFIG, CL_DRV_VIRTQUEUES, CL_DEV_FRAMING, CL_DRV_FRAMING,
	CL_DEV_DESC, CL_DRV_DESC, CL_DRV_INDIRECT, CL_DEV_INDIRECT, CL_DRV_AVAIL,
	CL_DRV_USED_SUPPR, CL_DEV_USED_SUPPR, CL_DEV_USED, CL_DRV_USED, CL_DRV_AVAIL_SUPPR,
	CL_DEV_AVAIL_SUPPR, CL_DRV_UPDATE_IDX, CL_DRV_NOTIFYING, CL_DRV_INIT, CL_DRV_CLEANUP,
	CL_DEV_RESERVED, CL_DRV_RESERVED, CL_DEV_PCI_DISCOVERY, CL_DRV_PCI_DISCOVERY,
	CL_DRV_PCI_LAYOUT, CL_DEV_PCI_CAPS, CL_DEV_PCI_DEVCFG, CL_DRV_PCI_CAPS,
	CL_DEV_PCI_COMMON, CL_DRV_PCI_COMMON, CL_DEV_PCI_NOTIFY, CL_DEV_PCI_ISR,
	CL_DEV_PCI_MSIX, CL_DRV_PCI_MSIX, CL_DRV_PCI_NOTIFY, CL_DEV_PCI_USED_NOTIFY,
	CL_DEV_PCI_CONFIG_NOTIFY, CL_DEV_RNG, CL_DRV_RNG,
};

#define N_CITED (int)(sizeof(cited) / sizeof(cited[0]))

static char catalogue[256][256];
static int n_catalogue;

static void load_catalogue(void)
{
	FILE *f = fopen(VC_SOURCE_DIR "/conformance/clauses.tsv", "r");
	char line[4096];

	ck_assert_msg(f != NULL, "cannot open the clause catalogue");
	n_catalogue = 0;
	while (fgets(line, sizeof(line), f) && n_catalogue < 256) {
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || !tab || strncmp(line, "label\t", 6) == 0)
			continue;
		*tab = '\0';
		ck_assert_uint_lt(strlen(line), sizeof(catalogue[0]));
		memcpy(catalogue[n_catalogue++], line, strlen(line) + 1);
	}
	fclose(f);
}

START_TEST(catalogue_has_the_in_scope_sections)
{
	load_catalogue();
	/* 113 normative sections of 1.2 are in the project's scope */
	ck_assert_int_eq(n_catalogue, 113);
}
END_TEST

START_TEST(cited_label_is_in_catalogue)
{
	int i, found = 0;

	load_catalogue();
	for (i = 0; i < n_catalogue; i++)
		if (strcmp(catalogue[i], cited[_i]) == 0)
			found = 1;
	ck_assert_msg(found, "label not in catalogue: %s", cited[_i]);
}
END_TEST

START_TEST(cited_labels_are_distinct)
{
	int j;

	for (j = 0; j < N_CITED; j++)
		if (j != _i)
			ck_assert_str_ne(cited[_i], cited[j]);
}
END_TEST

static Suite *clause_suite(void)
{
	Suite *s = suite_create("clause");
	TCase *tc = tcase_create("catalogue");

	tcase_add_test(tc, catalogue_has_the_in_scope_sections);
	tcase_add_loop_test(tc, cited_label_is_in_catalogue, 0, N_CITED);
	tcase_add_loop_test(tc, cited_labels_are_distinct, 0, N_CITED);
	suite_add_tcase(s, tc);
	return s;
}

VC_CHECK_MAIN(clause_suite)
