// SPDX-License-Identifier: Apache-2.0
/*
 * Every clause label the model cites must be a label of the project's clause
 * catalogue, spelled exactly as the spec writes it.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "catalogue.h"
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
	CL_DEV_PCI_CONFIG_NOTIFY, CL_DEV_RNG, CL_DRV_RNG, CL_DEV_QRESET, CL_DRV_QRESET,
	CL_DRV_QREENABLE, CL_DRV_PCI_CFGACCESS, CL_DRV_PCI_CONFIG_NOTIFY,
	CL_DRV_PACKED, CL_DEV_PDESC, CL_DRV_PDESC, CL_DRV_PSG, CL_DRV_PINDIRECT,
	CL_DEV_MMIO, CL_DRV_MMIO, CL_DRV_MMIO_INIT, CL_DRV_MMIO_NOTIFY,
	CL_DEV_BLK_INIT, CL_DRV_BLK_INIT, CL_DEV_BLK_OP, CL_DRV_BLK_OP,
	CL_DEV_CONSOLE_INIT, CL_DRV_CONSOLE, CL_DEV_CONSOLE_MP, CL_DRV_CONSOLE_MP,
	CL_DEV_NET_CONFIG, CL_DRV_NET_CONFIG, CL_DRV_NET_TX, CL_DEV_NET_TX, CL_DRV_NET_RXBUF,
	CL_DEV_NET_RXBUF, CL_DEV_NET_RX, CL_DRV_NET_RX, CL_DEV_NET_RXFILTER, CL_DRV_NET_RXFILTER,
	CL_DEV_NET_MAC, CL_DRV_NET_MAC, CL_DRV_NET_ANNOUNCE, CL_DEV_NET_ANNOUNCE, CL_DRV_NET_MQ,
	CL_DEV_NET_MQ, CL_DRV_NET_RSS, CL_DEV_NET_RSS, CL_DRV_NET_OFFLOADS,
	CL_DEV_GPU_INIT, CL_DEV_GPU_FENCE,
	CL_DRV_BALLOON_FEAT, CL_DEV_BALLOON_OP, CL_DRV_BALLOON_OP, CL_DRV_BALLOON_STATS,
	CL_DRV_BALLOON_HINT, CL_DEV_BALLOON_HINT, CL_DRV_BALLOON_POISON, CL_DEV_BALLOON_REPORT,
	CL_DEV_BALLOON_FEAT, CL_DEV_BALLOON_STATS, CL_DEV_BALLOON_POISON, CL_DRV_BALLOON_REPORT,
};

#define N_CITED (int)(sizeof(cited) / sizeof(cited[0]))

static struct catalogue cat;

static void load_catalogue(void)
{
	char err[512];

	catalogue_free(&cat);
	ck_assert_msg(catalogue_load(&cat, VC_SOURCE_DIR "/spec-cases/clauses.yaml", err,
				     sizeof(err)) == 0, "%s", err);
}

START_TEST(catalogue_has_the_in_scope_sections)
{
	size_t i, musts = 0;

	load_catalogue();
	/* 113 normative sections of 1.2 are in the project's scope, holding
	 * 362 MUST-level statements */
	ck_assert_uint_eq(cat.n, 113);
	for (i = 0; i < cat.n; i++) {
		musts += cat.c[i].musts;
		ck_assert_msg(cat.c[i].section[0] >= '1' && cat.c[i].section[0] <= '9',
			      "no section number for %s", cat.c[i].label);
		ck_assert_msg(strlen(cat.c[i].description) > 20, "no description for %s",
			      cat.c[i].label);
	}
	ck_assert_uint_eq(musts, 362);
}
END_TEST

START_TEST(cited_label_is_in_catalogue)
{
	load_catalogue();
	ck_assert_msg(catalogue_find(&cat, cited[_i]) != NULL, "label not in catalogue: %s",
		      cited[_i]);
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
