/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

#include "attestctl-quote.h"
#include "attestctl-tpm.h"

#define ATTESTCTL_VERBS \
        { "quote", verb_quote, "Verify TPM quotes" }, \
        { "tpm",   verb_tpm,   "TPM operations done in software (makecredential)" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
