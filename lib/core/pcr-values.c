/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "attest-limits.h"
#include "hexdecode.h"
#include "json-parse.h"
#include "macro.h"
#include "parse-util.h"
#include "pcr-values.h"

static PcrBank *find_bank(PcrValues *v, const HashAlg *alg) {
        for (size_t i = 0; i < v->n_banks; i++)
                if (v->banks[i].alg == alg)
                        return v->banks + i;
        return NULL;
}

const PcrBank *pcr_values_bank(const PcrValues *v, const HashAlg *alg) {
        assert(v);
        return find_bank((PcrValues *) v, alg);
}

const PcrBank *pcr_values_bank_by_id(const PcrValues *v, uint16_t tpm_alg_id) {
        assert(v);
        for (size_t i = 0; i < v->n_banks; i++)
                if (v->banks[i].alg->tpm_alg_id == tpm_alg_id)
                        return v->banks + i;
        return NULL;
}

int pcr_values_add_bank(PcrValues *v, const HashAlg *alg, PcrBank **ret) {
        PcrBank *b;

        assert_return(v && alg, -EINVAL);
        b = find_bank(v, alg);
        if (!b) {
                if (v->n_banks >= ELEMENTSOF(v->banks))
                        return -E2BIG;
                b = v->banks + v->n_banks++;
                *b = (PcrBank) { .alg = alg };
        }
        if (ret)
                *ret = b;
        return 0;
}

int pcr_values_set(PcrValues *v, const HashAlg *alg, unsigned pcr, const uint8_t *value) {
        PcrBank *b;
        int r;

        assert_return(pcr < TPM2_PCRS_PER_BANK_MAX, -EINVAL);
        r = pcr_values_add_bank(v, alg, &b);
        if (r < 0)
                return r;
        memcpy(b->values[pcr], value, alg->size);
        b->mask |= UINT32_C(1) << pcr;
        return 0;
}

void pcr_values_selection(const PcrValues *v, PcrSelection *ret) {
        PcrSelection s = { .count = v->n_banks };

        assert(v && ret);
        for (size_t i = 0; i < v->n_banks; i++) {
                s.banks[i].hash_alg = v->banks[i].alg->tpm_alg_id;
                s.banks[i].mask = v->banks[i].mask;
        }
        *ret = s;
}

int pcr_values_digest(const PcrValues *v, const PcrSelection *sel, const HashAlg *alg, uint8_t *out) {
        HashCtx h = {};
        int r;

        assert(v && sel && alg && out);
        r = hash_ctx_init(&h, alg);
        for (size_t i = 0; r >= 0 && i < sel->count; i++) {
                const PcrBank *b = pcr_values_bank_by_id(v, sel->banks[i].hash_alg);
                uint32_t m = sel->banks[i].mask;

                if (m != 0 && (!b || (b->mask & m) != m)) {
                        r = -ENOENT;
                        break;
                }
                for (unsigned pcr = 0; r >= 0 && pcr < TPM2_PCRS_PER_BANK_MAX; pcr++)
                        if (m & (UINT32_C(1) << pcr))
                                r = hash_ctx_update(&h, b->values[pcr], b->alg->size);
        }
        if (r >= 0)
                r = hash_ctx_final(&h, out);
        hash_ctx_done(&h);
        return r;
}

static int parse_bank(PcrValues *v, const HashAlg *alg, json_object *bank) {
        if (!json_object_is_type(bank, json_type_object))
                return -EBADMSG;
        json_object_object_foreach(bank, key, val) {
                uint8_t value[HASH_ALG_MAX_DIGEST_SIZE];
                const char *hex;
                uint32_t pcr;

                if (safe_atou32(key, &pcr) < 0 || pcr >= TPM2_PCRS_PER_BANK_MAX)
                        return -EBADMSG;
                if (!json_object_is_type(val, json_type_string))
                        return -EBADMSG;
                hex = json_object_get_string(val);
                if (strlen(hex) != alg->size * 2 || hex_decode_into(hex, alg->size * 2, value, alg->size) < 0)
                        return -EBADMSG;
                if (pcr_values_set(v, alg, pcr, value) < 0)
                        return -E2BIG;
        }
        return 0;
}

int pcr_values_from_json(const char *text, size_t len, PcrValues *ret) {
        json_object *root = NULL, *pcrs;
        PcrValues v = {};
        int r;

        assert_return(text && ret, -EINVAL);
        r = json_parse_text(text, len, PCR_VALUES_SIZE_MAX, &root);
        if (r < 0)
                return r;
        pcrs = json_get_typed(root, "pcrs", json_type_object);
        if (!pcrs) {
                r = -EBADMSG;
                goto finish;
        }
        json_object_object_foreach(pcrs, name, bank) {
                const HashAlg *alg = hash_alg_from_name(name);
                if (!alg) {
                        r = -EBADMSG;
                        goto finish;
                }
                r = parse_bank(&v, alg, bank);
                if (r < 0)
                        goto finish;
        }
        *ret = v;
finish:
        json_object_put(root);
        return r;
}
