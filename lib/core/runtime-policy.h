/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Keylime's runtime policy (format version 1), compiled once into a
 * read-only form: digest indexes for files, keyrings and ima-buf names, one
 * PCRE2 program for the excludes, the verification keys. A compiled policy
 * can be shared by every node that uses it and by many threads. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "digest-index.h"
#include "hash-alg.h"
#include "ima-entry.h"
#include "ima-signature.h"

typedef struct RuntimePolicy {
        DigestIndex *digests;      /* path → digests; "boot_aggregate" too */
        DigestIndex *keyrings;     /* keyring name → digests of keys measured onto it */
        DigestIndex *ima_buf;      /* ima-buf name → digests */
        pcre2_code *excludes;      /* all excludes as one alternation; NULL when none or too large */
        pcre2_code **exclude_list; /* each exclude alone, used when the alternation is too large */
        size_t n_excludes;
        char **ignored_keyrings;   /* "*" ignores every keyring */
        size_t n_ignored_keyrings;
        const HashAlg *log_hash_alg;
        ImaKeyring keys;           /* verification-keys */
} RuntimePolicy;

/* Why a policy was refused, for the operator. */
typedef struct RuntimePolicyError {
        char text[256];
} RuntimePolicyError;

/* Parses and compiles a policy. -EBADMSG for syntax or a wrong shape,
 * -EPROTONOSUPPORT for another format version, -E2BIG past a limit; err
 * (optional) says where. */
int runtime_policy_load(const char *json, size_t len, RuntimePolicy **ret, RuntimePolicyError *err);
RuntimePolicy *runtime_policy_free(RuntimePolicy *p);
DEFINE_POINTER_CLEANUP_FUNC(RuntimePolicy, runtime_policy_free);

/* Whether a path matches an exclude (Python re.match: anchored at the start). */
bool runtime_policy_excluded(const RuntimePolicy *p, pcre2_match_data *md, const char *path, size_t len);
bool runtime_policy_keyring_ignored(const RuntimePolicy *p, const char *name);

size_t runtime_policy_memory(const RuntimePolicy *p);   /* bytes of the digest indexes */

/* A whole JSON text: trailing whitespace only, nesting bounded. */
int runtime_policy_json_parse(const char *json, size_t len, json_object **ret);
