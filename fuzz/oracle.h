/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Oracle failures in fuzz targets: print the clause the model broke and
 * abort, so libFuzzer saves the input and the replay build fails.
 */
#ifndef VIRTIOCHECK_FUZZ_ORACLE_H
#define VIRTIOCHECK_FUZZ_ORACLE_H

#include <stdio.h>
#include <stdlib.h>

#include "fin.h"

#define ORACLE(cond, clause, ...)                                                   \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "ORACLE FAILURE [%s] %s:%d: ", (clause),    \
				__FILE__, __LINE__);                                \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			abort();                                                    \
		}                                                                   \
	} while (0)

#endif
