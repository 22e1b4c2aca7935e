/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PAM_ATTEST_TIMEOUT_DEFAULT_USEC (5ULL * 1000000ULL)
#define PAM_ATTEST_TIMEOUT_MAX_USEC (300ULL * 1000000ULL)
#define PAM_ATTEST_ALLOW_DEFAULT "pass"
#define PAM_ATTEST_ALLOW_MAX 256

typedef struct PamAttestArgs {
        uint64_t timeout_usec;
        uint64_t max_age_usec;      /* 0: any age */
        const char *allow;          /* points into argv */
        bool debug;
        const char *unknown;        /* first argument not understood, if any */
} PamAttestArgs;

/* Parses the module arguments. -EINVAL (with *ret_bad set to the argument)
 * when a known argument has a bad value; unknown ones are reported through
 * ret->unknown and otherwise ignored, as PAM modules do. */
int pam_attest_parse_args(int argc, const char **argv, PamAttestArgs *ret, const char **ret_bad);

/* "5", "5s", "500ms", "2min": a duration in µs; bare numbers are seconds. */
int pam_attest_parse_duration(const char *s, uint64_t *ret);
