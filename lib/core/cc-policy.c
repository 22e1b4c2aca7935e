/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "cc-policy.h"
#include "hexdecode.h"
#include "json-parse.h"
#include "parse-util.h"

static int why(const char **ret_why, const char *text) {
        if (ret_why)
                *ret_why = text;
        return -EBADMSG;
}

bool cc_digest_list_allows(const CcDigestList *l, const uint8_t value[static CC_MEASUREMENT_SIZE]) {
        if (!l->has)
                return true;
        for (size_t i = 0; i < l->n; i++)
                if (memcmp(l->values[i], value, CC_MEASUREMENT_SIZE) == 0)
                        return true;
        return false;
}

static int hex_exact(json_object *v, uint8_t *buf, size_t size) {
        const char *s;

        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        if ((size_t) json_object_get_string_len(v) != 2 * size)
                return -EBADMSG;
        return hex_decode_into(s, 2 * size, buf, size) < 0 ? -EBADMSG : 0;
}

/* ["<96 hex>", …] */
static int digest_list(json_object *v, CcDigestList *ret, const char **ret_why) {
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return why(ret_why, "a digest list must be an array of hex strings");
        n = json_object_array_length(v);
        if (n > CC_POLICY_VALUES_MAX)
                return -E2BIG;
        ret->values = n > 0 ? calloc(n, sizeof *ret->values) : NULL;
        if (n > 0 && !ret->values)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (hex_exact(json_object_array_get_idx(v, i), ret->values[i], CC_MEASUREMENT_SIZE) < 0)
                        return why(ret_why, "a digest must be 96 hex digits (48 bytes)");
        ret->n = n;
        ret->has = true;
        return 0;
}

static int get_bool(json_object *v, bool *ret, const char **ret_why) {
        if (!json_object_is_type(v, json_type_boolean))
                return why(ret_why, "allow_* members must be true or false");
        *ret = json_object_get_boolean(v);
        return 0;
}

static int get_uint(json_object *v, uint32_t max, uint32_t *ret, const char **ret_why) {
        int64_t x;

        if (!json_object_is_type(v, json_type_int))
                return why(ret_why, "a number member must be an integer");
        x = json_object_get_int64(v);
        if (x < 0 || x > (int64_t) max)
                return why(ret_why, "a number member is out of range");
        *ret = (uint32_t) x;
        return 0;
}

/* "1.51" */
static int parse_abi(json_object *v, uint8_t *major, uint8_t *minor, const char **ret_why) {
        char text[8], *dot;
        uint16_t a, b;

        /* Digits only on both sides of the dot: no sign, no blanks, each at most 255. */
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) >= (int) sizeof text)
                return why(ret_why, "min_abi must be \"MAJOR.MINOR\"");
        memcpy(text, json_object_get_string(v), (size_t) json_object_get_string_len(v) + 1);
        dot = strchr(text, '.');
        if (!dot)
                return why(ret_why, "min_abi must be \"MAJOR.MINOR\"");
        *dot = 0;
        if (safe_atou16(text, &a) < 0 || safe_atou16(dot + 1, &b) < 0 || a > 255 || b > 255)
                return why(ret_why, "min_abi must be \"MAJOR.MINOR\"");
        *major = (uint8_t) a;
        *minor = (uint8_t) b;
        return 0;
}

/* The security patch levels of an SNP TCB as policies and reports name them. */
static const struct {
        const char *name;
        size_t offset;
} tcb_parts[] = {
        { "fmc",        offsetof(SnpTcb, fmc)        },
        { "bootloader", offsetof(SnpTcb, bootloader) },
        { "tee",        offsetof(SnpTcb, tee)        },
        { "snp",        offsetof(SnpTcb, snp)        },
        { "microcode",  offsetof(SnpTcb, microcode)  },
};

json_object *snp_tcb_to_json(SnpTcb t, SnpProduct product) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(tcb_parts); i++) {
                /* Only Turin has an FMC level: elsewhere its byte is reserved. */
                if (strcmp(tcb_parts[i].name, "fmc") == 0 && product != SNP_PRODUCT_TURIN)
                        continue;
                json_object_object_add(o, tcb_parts[i].name,
                                       json_object_new_int(*((const uint8_t *) &t + tcb_parts[i].offset)));
        }
        return o;
}

static int parse_tcb(json_object *v, SnpTcb *ret, const char **ret_why) {
        SnpTcb t = {};

        if (!json_object_is_type(v, json_type_object))
                return why(ret_why, "min_tcb must be an object of security patch levels");
        json_object_object_foreach(v, key, val) {
                size_t i;
                uint32_t x;

                for (i = 0; i < ELEMENTSOF(tcb_parts); i++)
                        if (strcmp(tcb_parts[i].name, key) == 0)
                                break;
                if (i == ELEMENTSOF(tcb_parts))
                        return why(ret_why, "min_tcb knows fmc, bootloader, tee, snp and microcode");
                if (get_uint(val, 255, &x, ret_why) < 0)
                        return -EBADMSG;
                *((uint8_t *) &t + tcb_parts[i].offset) = (uint8_t) x;
        }
        *ret = t;
        return 0;
}

/* A list of names as a mask of the values from_string gives (negative: unknown). */
static int name_mask(json_object *v, int (*from_string)(const char *), uint32_t *ret, const char **ret_why,
                     const char *error) {
        uint32_t m = 0;

        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0 ||
            json_object_array_length(v) > 8)
                return why(ret_why, error);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *e = json_object_array_get_idx(v, i);
                int k = json_object_is_type(e, json_type_string) ? from_string(json_object_get_string(e)) : -1;

                if (k < 0 || k >= 32)
                        return why(ret_why, error);
                m |= UINT32_C(1) << k;
        }
        *ret = m;
        return 0;
}

static int product_from_string(const char *s) {
        SnpProduct p = snp_product_from_string(s);
        return p == SNP_PRODUCT_UNKNOWN ? -1 : (int) p;
}

static int signing_key_from_string(const char *s) {
        return strcmp(s, "vcek") == 0 ? SNP_SIGNING_KEY_VCEK : strcmp(s, "vlek") == 0 ? SNP_SIGNING_KEY_VLEK : -1;
}

static int snp_member(void *policy, const char *key, json_object *v, const char **ret_why) {
        SnpEnginePolicy *p = policy;

        if (strcmp(key, "measurements") == 0)
                return digest_list(v, &p->measurements, ret_why);
        if (strcmp(key, "allow_debug") == 0)
                return get_bool(v, &p->allow_debug, ret_why);
        if (strcmp(key, "allow_smt") == 0)
                return get_bool(v, &p->allow_smt, ret_why);
        if (strcmp(key, "allow_migration_agent") == 0)
                return get_bool(v, &p->allow_migration_agent, ret_why);
        if (strcmp(key, "min_abi") == 0)
                return p->has_min_abi = true, parse_abi(v, &p->min_abi_major, &p->min_abi_minor, ret_why);
        if (strcmp(key, "max_vmpl") == 0)
                return p->has_max_vmpl = true, get_uint(v, 3, &p->max_vmpl, ret_why);
        if (strcmp(key, "min_tcb") == 0)
                return p->has_min_tcb = true, parse_tcb(v, &p->min_tcb, ret_why);
        if (strcmp(key, "min_guest_svn") == 0)
                return p->has_min_guest_svn = true, get_uint(v, UINT32_MAX, &p->min_guest_svn, ret_why);
        if (strcmp(key, "host_data") == 0) {
                p->has_host_data = true;
                return hex_exact(v, p->host_data, sizeof p->host_data) < 0 ?
                        why(ret_why, "host_data must be 64 hex digits") : 0;
        }
        if (strcmp(key, "products") == 0)
                return name_mask(v, product_from_string, &p->products, ret_why,
                                 "products must be a list of Milan, Genoa, Turin");
        if (strcmp(key, "signing_keys") == 0)
                return name_mask(v, signing_key_from_string, &p->signing_keys, ret_why,
                                 "signing_keys must be a list of vcek, vlek");
        return why(ret_why, "unknown member");
}

SnpEnginePolicy *snp_engine_policy_free(SnpEnginePolicy *p) {
        if (!p)
                return NULL;
        free(p->measurements.values);
        return mfree(p);
}

static int parse_root(const char *text, size_t size, json_object **ret, const char **ret_why) {
        json_object *root = NULL;
        int r;

        r = json_parse_text(text ?: "", text ? size : 0, CC_POLICY_SIZE_MAX, &root);
        if (r == -E2BIG || r == -ENOMEM)
                return r;
        if (r < 0)
                return why(ret_why, "malformed JSON");
        if (!json_object_is_type(root, json_type_object)) {
                json_object_put(root);
                return why(ret_why, "not a JSON object");
        }
        *ret = root;
        return 0;
}

/* Hands every member of the policy's JSON object to member(), which refuses
 * what it does not know; the first refusal ends the parse. */
static int parse_members(const char *text, size_t size, void *policy,
                         int (*member)(void *policy, const char *key, json_object *v, const char **ret_why),
                         const char **ret_why) {
        json_object *root = NULL;
        int r;

        r = parse_root(text, size, &root, ret_why);
        if (r < 0)
                return r;
        json_object_object_foreach(root, key, v) {
                r = member(policy, key, v, ret_why);
                if (r < 0)
                        break;
        }
        json_object_put(root);
        return r < 0 ? r : 0;
}

int snp_engine_policy_parse(const char *text, size_t size, SnpEnginePolicy **ret, const char **ret_why) {
        _cleanup_(snp_engine_policy_freep) SnpEnginePolicy *p = NULL;
        int r;

        assert_return(ret, -EINVAL);
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->allow_smt = true;
        r = parse_members(text, size, p, snp_member, ret_why);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int advisories(json_object *v, TdxEnginePolicy *p, const char **ret_why) {
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return why(ret_why, "forbidden_advisory_ids must be a list of ids");
        n = json_object_array_length(v);
        if (n > CC_POLICY_VALUES_MAX)
                return -E2BIG;
        p->forbidden_advisories = n > 0 ? calloc(n, sizeof *p->forbidden_advisories) : NULL;
        if (n > 0 && !p->forbidden_advisories)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string) || json_object_get_string_len(e) == 0 ||
                    (size_t) json_object_get_string_len(e) > TDX_ADVISORY_ID_MAX ||
                    strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        return why(ret_why, "an advisory id must be a short string");
                memcpy(p->forbidden_advisories[i], json_object_get_string(e), (size_t) json_object_get_string_len(e));
        }
        p->n_forbidden_advisories = n;
        return 0;
}

static int tdx_member(void *policy, const char *key, json_object *v, const char **ret_why) {
        TdxEnginePolicy *p = policy;
        static const char *const rtmrs[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

        if (strcmp(key, "mrtd") == 0)
                return digest_list(v, &p->mrtd, ret_why);
        for (size_t i = 0; i < ELEMENTSOF(rtmrs); i++)
                if (strcmp(key, rtmrs[i]) == 0)
                        return digest_list(v, &p->rtmr[i], ret_why);
        if (strcmp(key, "mrconfigid") == 0)
                return digest_list(v, &p->mrconfigid, ret_why);
        if (strcmp(key, "mrowner") == 0)
                return digest_list(v, &p->mrowner, ret_why);
        if (strcmp(key, "allow_debug") == 0)
                return get_bool(v, &p->allow_debug, ret_why);
        if (strcmp(key, "min_tcb_status") == 0) {
                TdxTcbStatus s = json_object_is_type(v, json_type_string) ?
                        tdx_tcb_status_from_string(json_object_get_string(v)) : TDX_TCB_STATUS_INVALID;
                if (s < 0)
                        return why(ret_why, "min_tcb_status must be a TCB status such as UpToDate");
                p->has_min_tcb_status = true;
                p->min_tcb_status = s;
                return 0;
        }
        if (strcmp(key, "forbidden_advisory_ids") == 0)
                return advisories(v, p, ret_why);
        return why(ret_why, "unknown member");
}

TdxEnginePolicy *tdx_engine_policy_free(TdxEnginePolicy *p) {
        if (!p)
                return NULL;
        free(p->mrtd.values);
        for (size_t i = 0; i < ELEMENTSOF(p->rtmr); i++)
                free(p->rtmr[i].values);
        free(p->mrconfigid.values);
        free(p->mrowner.values);
        free(p->forbidden_advisories);
        return mfree(p);
}

int tdx_engine_policy_parse(const char *text, size_t size, TdxEnginePolicy **ret, const char **ret_why) {
        _cleanup_(tdx_engine_policy_freep) TdxEnginePolicy *p = NULL;
        int r;

        assert_return(ret, -EINVAL);
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        r = parse_members(text, size, p, tdx_member, ret_why);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}
