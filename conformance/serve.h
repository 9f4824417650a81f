/* SPDX-License-Identifier: Apache-2.0 */
/* `virtiocheck serve` (serve.c): argv after the command word. */
#ifndef VIRTIOCHECK_SERVE_H
#define VIRTIOCHECK_SERVE_H

int cmd_serve(int argc, char **argv);

#endif
