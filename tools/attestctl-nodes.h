/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

int verb_nodes(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
int verb_enrol(int argc, char *argv[]);       /* also "update" */
int verb_node_action(int argc, char *argv[]); /* "remove", "stop", "reactivate" */
