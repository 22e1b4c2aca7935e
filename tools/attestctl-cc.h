/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* attestctl snp …, attestctl tdx …: offline verification of confidential-computing evidence. */
int verb_snp(int argc, char *argv[]);
int verb_tdx(int argc, char *argv[]);
/* attestctl cc collateral check (attestctl-cc-collateral.c). */
int verb_cc(int argc, char *argv[]);
