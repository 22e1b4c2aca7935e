/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The policies of the snp and tdx engines (attest-snp-policy(5),
 * attest-tdx-policy(5)): JSON objects whose every member is optional and
 * narrows what passes. Unknown members are refused, so a misspelt rule does
 * not silently allow everything. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "snp-report.h"
#include "tdx-collateral.h"

struct json_object;

#define CC_MEASUREMENT_SIZE 48u

typedef struct CcDigestList {
        uint8_t (*values)[CC_MEASUREMENT_SIZE];
        size_t n;                       /* 0 with has = true: nothing is allowed */
        bool has;                       /* the member was given */
} CcDigestList;

/* 1 when value is listed or the list was not given, else 0. */
bool cc_digest_list_allows(const CcDigestList *l, const uint8_t value[static CC_MEASUREMENT_SIZE]);

typedef struct SnpEnginePolicy {
        CcDigestList measurements;
        bool allow_debug;               /* default false */
        bool allow_smt;                 /* default true */
        bool allow_migration_agent;     /* default false */
        bool has_min_abi;
        uint8_t min_abi_major, min_abi_minor;
        bool has_max_vmpl;
        uint32_t max_vmpl;
        bool has_min_tcb;
        SnpTcb min_tcb;
        bool has_min_guest_svn;
        uint32_t min_guest_svn;
        bool has_host_data;
        uint8_t host_data[32];
        uint32_t products;              /* bit n: SnpProduct n allowed; 0: any */
        uint32_t signing_keys;          /* bit n: SnpSigningKey n allowed; 0: any */
} SnpEnginePolicy;

/* -EBADMSG with a static reason for a malformed policy, -E2BIG past a limit. */
int snp_engine_policy_parse(const char *text, size_t size, SnpEnginePolicy **ret, const char **ret_why);
SnpEnginePolicy *snp_engine_policy_free(SnpEnginePolicy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SnpEnginePolicy *, snp_engine_policy_free);

#define TDX_TD_ATTRIBUTES_DEBUG 0x01u   /* td_attributes byte 0, bit 0: TUD.DEBUG */

typedef struct TdxEnginePolicy {
        CcDigestList mrtd;
        CcDigestList rtmr[4];
        CcDigestList mrconfigid;
        CcDigestList mrowner;
        bool allow_debug;               /* default false */
        bool has_min_tcb_status;
        TdxTcbStatus min_tcb_status;    /* worst acceptable */
        char (*forbidden_advisories)[TDX_ADVISORY_ID_MAX + 1];
        size_t n_forbidden_advisories;
} TdxEnginePolicy;

int tdx_engine_policy_parse(const char *text, size_t size, TdxEnginePolicy **ret, const char **ret_why);
TdxEnginePolicy *tdx_engine_policy_free(TdxEnginePolicy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(TdxEnginePolicy *, tdx_engine_policy_free);

/* The TCB as a JSON object of its security patch levels, as min_tcb names them. */
struct json_object *snp_tcb_to_json(SnpTcb t, SnpProduct product);
