/* SPDX-License-Identifier: Apache-2.0 */
/*
 * balloon_* steps and balloon expectations (docs/spec-case-format.md, "balloon
 * steps"). Both structures are flat: case_set_free() releases them with one
 * free(). Not designed yet: the balloon device's helper owns this file.
 */
#ifndef VIRTIOCHECK_CASE_BALLOON_H
#define VIRTIOCHECK_CASE_BALLOON_H

#include "case.h"

struct step_balloon {
	int op;
};

struct expect_balloon {
	int what;
};

#endif
