/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "json-parse.h"
#include "tpm-policy.h"

TpmPolicy *tpm_policy_free(TpmPolicy *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i <= TPM_POLICY_PCR_MAX; i++)
                free(p->pcrs[i].values);
        return mfree(p);
}

/* "0".."23" without sign, leading zeros or spaces. */
static int parse_pcr_key(const char *key, unsigned *ret) {
        size_t n = strlen(key);
        unsigned v = 0;

        if (n == 0 || n > 2 || (n == 2 && key[0] == '0'))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (key[i] < '0' || key[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (unsigned) (key[i] - '0');
        }
        if (v > TPM_POLICY_PCR_MAX)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_value(json_object *o, TpmPolicyValue *ret) {
        const char *s;
        size_t n;

        if (!json_object_is_type(o, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(o);
        n = (size_t) json_object_get_string_len(o);
        if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2, n -= 2;
        ret->alg = n % 2 == 0 ? hash_alg_from_size(n / 2) : NULL;
        if (!ret->alg)
                return -EBADMSG;
        return hex_decode_into(s, n, ret->digest, ret->alg->size) < 0 ? -EBADMSG : 0;
}

/* A list of values, or one value as a string. */
static int parse_pcr(TpmPolicy *p, unsigned pcr, json_object *list, const char **ret_error) {
        TpmPolicyPcr *e = &p->pcrs[pcr];
        bool one = json_object_is_type(list, json_type_string);
        size_t n;

        if (!one && !json_object_is_type(list, json_type_array)) {
                *ret_error = "a PCR's allowed values must be an array or a string";
                return -EBADMSG;
        }
        n = one ? 1 : json_object_array_length(list);
        if (n > TPM_POLICY_VALUES_MAX) {
                *ret_error = "too many allowed values for one PCR";
                return -E2BIG;
        }
        e->values = calloc(MAX(n, 1u), sizeof(*e->values));
        if (!e->values)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (parse_value(one ? list : json_object_array_get_idx(list, i), &e->values[i]) < 0) {
                        *ret_error = "an allowed value is not the hex digest of a known bank";
                        return -EBADMSG;
                }
        e->n_values = n;
        p->pcr_mask |= UINT32_C(1) << pcr;
        return 0;
}

/* "0x" and 1-6 hex digits. */
static int parse_hex_mask(const char *s, uint32_t *ret) {
        uint32_t v = 0;
        size_t n;

        if (strncmp(s, "0x", 2) != 0 && strncmp(s, "0X", 2) != 0)
                return -EBADMSG;
        s += 2;
        n = strlen(s);
        if (n == 0 || n > 6)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
                        s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 :
                        s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;
                if (d < 0)
                        return -EBADMSG;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

static int parse_mask(TpmPolicy *p, json_object *v, const char **ret_error) {
        uint32_t mask;

        if (!json_object_is_type(v, json_type_string) || parse_hex_mask(json_object_get_string(v), &mask) < 0) {
                *ret_error = "\"mask\" must be a hex string of PCRs 0-23, like \"0x408000\"";
                return -EBADMSG;
        }
        p->quote_mask |= mask;
        return 0;
}

static int parse_member(TpmPolicy *p, const char *key, json_object *v, const char **ret_error) {
        unsigned pcr;

        if (0 == strcmp(key, "mask"))
                return parse_mask(p, v, ret_error);
        if (0 == strcmp(key, "max_reboots_since_enrolment")) {
                int64_t n = json_object_get_int64(v);

                if (!json_object_is_type(v, json_type_int) || n < 0 || n > UINT32_MAX) {
                        *ret_error = "\"max_reboots_since_enrolment\" must be a non-negative integer";
                        return -EBADMSG;
                }
                p->has_max_reboots = true;
                p->max_reboots = (uint32_t) n;
                return 0;
        }
        if (0 == strcmp(key, "require_clock_safe")) {
                if (!json_object_is_type(v, json_type_boolean)) {
                        *ret_error = "\"require_clock_safe\" must be true or false";
                        return -EBADMSG;
                }
                p->require_clock_safe = json_object_get_boolean(v);
                return 0;
        }
        if (parse_pcr_key(key, &pcr) < 0) {
                *ret_error = "unknown key (PCR numbers are 0-23)";
                return -EBADMSG;
        }
        return parse_pcr(p, pcr, v, ret_error);
}

int tpm_policy_parse(const char *text, size_t len, TpmPolicy **ret, const char **ret_error) {
        _cleanup_(tpm_policy_freep) TpmPolicy *p = NULL;
        const char *error = "malformed JSON";
        json_object *root = NULL;
        int r;

        assert_return(text && ret, -EINVAL);
        r = json_parse_text(text, len, TPM_POLICY_SIZE_MAX, &root);
        if (r == -E2BIG)
                error = "policy too large";
        if (r < 0)
                goto fail;
        p = calloc(1, sizeof(*p));
        if (!p) {
                json_object_put(root);
                return -ENOMEM;
        }
        if (!json_object_is_type(root, json_type_object)) {
                error = "the policy must be a JSON object";
                r = -EBADMSG;
        } else {
                json_object_object_foreach(root, key, v) {
                        r = parse_member(p, key, v, &error);
                        if (r < 0)
                                break;
                }
        }
        json_object_put(root);
        if (r < 0)
                goto fail;
        p->quote_mask |= p->pcr_mask;
        *ret = TAKE_PTR(p);
        return 0;
fail:
        if (ret_error)
                *ret_error = error;
        return r;
}

int tpm_policy_check(const TpmPolicy *p, unsigned pcr, const HashAlg *alg, const uint8_t *value) {
        bool listed = false;

        assert(p && alg && value);
        if (pcr > TPM_POLICY_PCR_MAX)
                return -ENOENT;
        for (size_t i = 0; i < p->pcrs[pcr].n_values; i++) {
                const TpmPolicyValue *v = &p->pcrs[pcr].values[i];

                if (v->alg != alg)
                        continue;
                listed = true;
                if (memcmp(v->digest, value, alg->size) == 0)
                        return 1;
        }
        return listed ? 0 : -ENOENT;
}
