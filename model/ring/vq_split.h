/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtqueue API predates the packed layout and kept this header's name;
 * everything now lives in the layout-independent vq.h.
 */
#ifndef VIRTIOCHECK_VQ_SPLIT_H
#define VIRTIOCHECK_VQ_SPLIT_H

#include "vq.h"

#endif
