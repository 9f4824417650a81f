/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_* steps and net expectations (docs/spec-case-format.md, "net
 * steps"). Both structures are flat: case_set_free() releases them with one
 * free(). Not designed yet: the net device's helper owns this file.
 */
#ifndef VIRTIOCHECK_CASE_NET_H
#define VIRTIOCHECK_CASE_NET_H

#include "case.h"

struct step_net {
	int op;
};

struct expect_net {
	int what;
};

#endif
