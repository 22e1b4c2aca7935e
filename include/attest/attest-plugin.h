/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The hostattest plugin ABI, see attest-plugin(7).
 *
 * A plugin is a shared object named libattest-plugin-<name>.so that exports
 * exactly one symbol, attest_plugin_info, in the version node ATTEST_PLUGIN_1.
 * Every structure that crosses the boundary starts with (or carries) a
 * struct_size; structures only grow at their end, so a reader checks
 * struct_size before touching a field added later. Strings are NUL-terminated
 * UTF-8; pointers handed to a plugin are valid only for the duration of the
 * call. The host never frees plugin memory and the plugin never frees host
 * memory, except through the free functions of the vtables. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTEST_PLUGIN_ABI_VERSION 1u
#define ATTEST_PLUGIN_ENTRY "attest_plugin_info"
#define ATTEST_PLUGIN_VERSION_NODE "ATTEST_PLUGIN_1"
#define ATTEST_PLUGIN_NAME_MAX 32u              /* [a-z0-9_-], starting with a letter */

/* Whether (ptr)->field lies inside the struct_size the other side declared. */
#define ATTEST_HAS_FIELD(ptr, type, field) \
        ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *) 0)->field))

typedef enum AttestPluginKind {
        ATTEST_PLUGIN_POLICY_ENGINE     = 1,    /* vtable: AttestPolicyEngine */
        ATTEST_PLUGIN_FAILURE_ACTION    = 2,    /* vtable: AttestFailureAction */
        ATTEST_PLUGIN_EVIDENCE_VERIFIER = 3,    /* reserved: confidential-computing reports */
} AttestPluginKind;

typedef struct AttestPluginInfo {
        uint32_t abi_version;                   /* ATTEST_PLUGIN_ABI_VERSION */
        uint32_t struct_size;                   /* sizeof(AttestPluginInfo) */
        const char *name;                       /* must equal <name> of the file name */
        uint32_t kind;                          /* AttestPluginKind */
        const void *vtable;                     /* starts with uint32_t struct_size */
} AttestPluginInfo;

/* The entry point. Returns a pointer to static, read-only data. */
typedef const AttestPluginInfo *(*AttestPluginInfoFn)(void);
const AttestPluginInfo *attest_plugin_info(void);

/* ---- Validated evidence ---------------------------------------------------
 *
 * What a policy engine sees: only evidence that validation accepted (quote
 * signed by the node's AK over the expected nonce, PCR values matching the
 * quoted digest, clock monotonic, UEFI log replayed to the quoted PCRs, IMA
 * entries replayed to the quoted PCR 10). */

typedef enum AttestSeverity {
        ATTEST_SEVERITY_INFO     = 1,
        ATTEST_SEVERITY_WARNING  = 2,
        ATTEST_SEVERITY_ERROR    = 3,           /* makes the verdict FAIL */
        ATTEST_SEVERITY_CRITICAL = 4,           /* makes the verdict FAIL */
} AttestSeverity;

typedef struct AttestClockInfo {
        uint64_t clock;                         /* ms the TPM has been powered */
        uint32_t reset_count;
        uint32_t restart_count;
        uint32_t safe;                          /* 0 or 1 */
} AttestClockInfo;

/* One quoted PCR bank. */
typedef struct AttestPcrBank {
        uint32_t struct_size;
        uint16_t alg_id;                        /* TPM_ALG_ID, e.g. 0x000B */
        const char *alg_name;                   /* "sha256" */
        uint32_t digest_size;
        uint32_t mask;                          /* bit n: PCR n was quoted */
        const uint8_t *values;                  /* PCR n at values + n * stride */
        uint32_t stride;
} AttestPcrBank;

typedef enum AttestImaFormat {
        ATTEST_IMA_ASCII  = 0,                  /* ascii_runtime_measurements lines */
        ATTEST_IMA_BINARY = 1,                  /* binary_runtime_measurements records */
} AttestImaFormat;

/* One IMA entry, as handed out by AttestEvidence.ima_foreach. */
typedef struct AttestImaEntry {
        uint32_t struct_size;
        uint64_t entry_no;                      /* number in the node's log since boot, from 0 */
        uint32_t pcr;
        const char *template_name;              /* "ima-ng", "ima-sig", … */
        uint32_t violation;                     /* 1: zero template hash, no digest is meaningful */
        const char *digest_alg;                 /* "sha256" as the template spells it */
        const uint8_t *digest;
        size_t digest_size;
        const char *path;                       /* file or ima-buf name */
        size_t path_len;
        const uint8_t *sig;                     /* NULL when the template has none */
        size_t sig_size;
        const uint8_t *buf;                     /* ima-buf payload, else NULL */
        size_t buf_size;
} AttestImaEntry;

struct AttestEvidence;

typedef enum AttestCcKind {
        ATTEST_CC_SEV_SNP = 1,                  /* AMD SEV-SNP ATTESTATION_REPORT */
        ATTEST_CC_TDX     = 2,                  /* Intel TDX quote, version 4 or 5 */
} AttestCcKind;

typedef struct AttestCcReport {
        uint32_t struct_size;
        uint32_t kind;                          /* AttestCcKind */
        const uint8_t *report;                  /* the report or quote as the node sent it */
        size_t report_size;
        const char *product;                    /* SEV-SNP: "Milan", "Genoa", "Turin" (from the chain) */
        const char *tcb_status;                 /* TDX: "UpToDate", … of platform, TDX module and QE */
        const char *const *advisory_ids;        /* TDX: NULL-terminated, of the matching TCB levels */
} AttestCcReport;

/* A negative return stops the iteration and is returned by ima_foreach. */
typedef int (*AttestImaEntryFn)(const AttestImaEntry *e, void *userdata);

typedef struct AttestEvidence {
        uint32_t struct_size;
        const char *node_id;

        /* The quote */
        AttestClockInfo clock;
        uint64_t firmware_version;
        uint16_t quote_hash_alg;                /* TPM_ALG_ID of the signature hash */
        uint16_t quote_sig_alg;                 /* TPM_ALG_ID of the signature scheme */
        uint32_t n_banks;
        const AttestPcrBank *banks;

        /* Node context the host keeps */
        uint64_t boot_time;                     /* seconds since the epoch, 0 when unknown */
        uint32_t has_enrolment_clock;           /* 1: enrolment_clock holds the first validated quote's clock */
        AttestClockInfo enrolment_clock;

        /* The UEFI event log, replayed against the quoted PCRs in uefi_pcr_mask;
         * NULL when this attestation did not ask for it. */
        const uint8_t *uefi_log;
        size_t uefi_log_size;
        uint32_t uefi_pcr_mask;

        /* The IMA entries new in this attestation and covered by the quote:
         * entries ima_first_entry … ima_first_entry + ima_n_entries - 1 as raw
         * log bytes (complete lines or records). has_ima is 0 when the log was
         * not asked for. */
        uint32_t has_ima;
        uint32_t ima_format;                    /* AttestImaFormat */
        const uint8_t *ima_log;
        size_t ima_log_size;
        uint64_t ima_first_entry;
        uint64_t ima_n_entries;

        /* Calls fn for each new IMA entry in order; 0 when all were visited. */
        int (*ima_foreach)(const struct AttestEvidence *ev, AttestImaEntryFn fn, void *userdata);

        const void *host_private;               /* for ima_foreach; opaque to plugins */

        /* A confidential VM's report, validated by the host (signature, chain
         * to the trust anchors, collateral, and report data binding this
         * attestation's nonce and the node's AK); NULL when none was asked
         * for. Check ATTEST_HAS_FIELD(ev, AttestEvidence, cc) first. */
        const struct AttestCcReport *cc;
} AttestEvidence;

/* ---- Policy engines -------------------------------------------------------- */

/* What a compiled policy needs from an attestation, so that the host asks a
 * node only for that. */
enum {
        ATTEST_NEED_QUOTE    = 1u << 0,
        ATTEST_NEED_UEFI_LOG = 1u << 1,
        ATTEST_NEED_IMA_LOG  = 1u << 2,
        ATTEST_NEED_SEV_SNP  = 1u << 3,        /* an SEV-SNP report bound to the nonce and AK */
        ATTEST_NEED_TDX      = 1u << 4,        /* a TDX quote bound to the nonce and AK */
};

typedef struct AttestRequirements {
        uint32_t struct_size;
        uint32_t needs;                         /* ATTEST_NEED_* */
        uint32_t pcr_mask;                      /* PCRs to quote */
} AttestRequirements;

/* Where an engine reports; the host copies everything it is given. */
typedef struct AttestFailureSink {
        uint32_t struct_size;
        void *userdata;
        /* id: "<engine>.<what>" ([a-z0-9_.-]); context: a JSON object as
         * text, or NULL. Returns 0 or a negative errno (then stop). */
        int (*add_failure)(void *userdata, const char *id, uint32_t severity, const char *context);
        /* Replaces the node's per-engine state (stored by the host, handed
         * back to the next evaluation of this node). */
        int (*set_state)(void *userdata, const uint8_t *state, size_t size);
} AttestFailureSink;

/* Per-node engine state as stored by the host; empty at the first evaluation. */
typedef struct AttestNodeState {
        uint32_t struct_size;
        const uint8_t *data;
        size_t size;
} AttestNodeState;

typedef enum AttestEvalResult {
        ATTEST_EVAL_PASS = 0,
        ATTEST_EVAL_FAIL = 1,
} AttestEvalResult;

typedef struct AttestPolicyEngine {
        uint32_t struct_size;                   /* sizeof(AttestPolicyEngine) */

        /* Compiles a policy document. Must be reentrant: the host may compile
         * in several threads. The compiled object is shared, read-only, by
         * every node with the same policy bytes and may be evaluated from
         * several threads at once. Returns 0, or a negative errno with a
         * message in error (NUL-terminated, may be truncated). */
        int (*compile)(const uint8_t *policy, size_t size, void **ret_compiled, char *error, size_t error_size);
        void (*free_compiled)(void *compiled);

        void (*requirements)(const void *compiled, AttestRequirements *ret);

        /* ATTEST_EVAL_PASS or ATTEST_EVAL_FAIL after reporting every failure
         * to sink; a negative errno when the engine itself failed (the host
         * records "<engine>.engine_error" and the verdict is FAIL). */
        int (*evaluate)(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                        const AttestFailureSink *sink);
} AttestPolicyEngine;

/* ---- Failure actions ------------------------------------------------------- */

typedef struct AttestFailureAction {
        uint32_t struct_size;                   /* sizeof(AttestFailureAction) */

        /* Creates an instance from its configuration (a JSON object as text,
         * see attest-failure-actions(7)); error as for compile. */
        int (*configure)(const char *config, size_t size, void **ret_instance, char *error, size_t error_size);
        void (*free_instance)(void *instance);

        /* Acts on one event (a JSON object, see attest-failure-actions(7)).
         * May block (retries, a child process); the host calls it outside
         * its event loop. 0 or a negative errno. */
        int (*run)(void *instance, const char *event, size_t size);
} AttestFailureAction;

#ifdef __cplusplus
}
#endif
