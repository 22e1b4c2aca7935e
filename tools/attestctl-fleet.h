/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

/* attestctl nodes: its options. */
typedef struct NodesArgs {
        bool json, summary;
        const char *state, *verdict;    /* filters, case-insensitive; verdict NONE: no verdict yet */
} NodesArgs;

/* -EALREADY after --help, -EINVAL on a usage error (reported). */
int nodes_parse_args(int argc, char *argv[], NodesArgs *a);
/* The nodes (node_to_json() objects) that pass a's filters, a new array. */
json_object *nodes_filter(json_object *nodes, const NodesArgs *a);
/* attestctl nodes --summary [--json]: an exit status. */
int nodes_summary(bool json);

/* attestctl history NODE [--limit N] [--since TIME] [--json] */
int verb_history(int argc, char *argv[]);
