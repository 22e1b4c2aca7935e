/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

int verb_tpm(int argc, char *argv[]);
