/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */

/* IMA measurement list */
#define IMA_LINE_MAX               (128u * 1024u)   /* one ascii line, without its newline */
#define IMA_LOG_ENTRIES_MAX        (64u * 1024u * 1024u) /* entries replayed in one state */
#define IMA_PCR_MAX                23u              /* highest PCR an entry may name */
#define IMA_ALG_NAME_MAX           15u              /* "sha256" in "sha256:<hex>" */
#define IMA_NAME_MAX               4096u            /* file name or ima-buf name, bytes */
#define IMA_LEGACY_NAME_MAX        255u             /* template "ima": name field (IMA_EVENT_NAME_LEN_MAX) */
#define IMA_SIG_MAX                2048u            /* sig field, bytes */
#define IMA_BUF_MAX                (32u * 1024u)    /* ima-buf payload, bytes */
#define IMA_MODSIG_MAX             (16u * 1024u)    /* modsig field (PKCS#7), bytes */
#define IMA_TEMPLATE_NAME_MAX      32u              /* binary list: template name */
#define IMA_TEMPLATE_DATA_MAX      (64u * 1024u)    /* binary list: template data; ascii rebuilt */

/* Runtime policy (Keylime format version 1) */
#define RUNTIME_POLICY_SIZE_MAX           (2048u * 1024u * 1024u - 1u) /* policy text, bytes */
#define RUNTIME_POLICY_DIGESTS_MAX        (16u * 1024u * 1024u) /* digests in all maps together */
#define RUNTIME_POLICY_DIGESTS_PER_NAME_MAX 255u
#define RUNTIME_POLICY_EXCLUDES_MAX       8192u
#define RUNTIME_POLICY_EXCLUDE_LEN_MAX    4096u
#define RUNTIME_POLICY_KEYS_MAX           256u
#define RUNTIME_POLICY_KEY_DER_MAX        16384u
#define RUNTIME_POLICY_NAMES_MAX          128u  /* ignored_keyrings entries */
#define RUNTIME_POLICY_FAILURES_MAX       1000u /* failures kept per evaluation (all are counted) */
