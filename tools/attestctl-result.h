/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* attestctl result verify TOKEN --jwks URL|FILE [--json] */
int verb_result(int argc, char *argv[]);
