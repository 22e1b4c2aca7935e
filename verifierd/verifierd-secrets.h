/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "verifierd.h"

uint64_t secrets_now_usec(void);
/* Loads a node for a secret operation, answering the error itself: 400 for a
 * bad id, 503 without a secret key, 404 for no such node and, for_node, 409
 * unless the node is ENROLLED or TERMINATED. */
int secrets_load_node(Request *q, const char *id, bool for_node, Node **ret);
