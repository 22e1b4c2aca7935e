/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "hexdecode.h"
#include "json-parse.h"
#include "limits.h"
#include "macro.h"
#include "parse-util.h"
#include "pcr-values.h"

PcrBank *pcr_values_bank(PcrValues *v, const HashAlg *alg) {
        for (size_t i = 0; i < v->n_banks; i++)
                if (v->banks[i].alg == alg)
                        return v->banks + i;
        return NULL;
}

const PcrBank *pcr_values_bank_const(const PcrValues *v, const HashAlg *alg) {
        return pcr_values_bank((PcrValues *) v, alg);
}

int pcr_values_add_bank(PcrValues *v, const HashAlg *alg, PcrBank **ret) {
        PcrBank *b;

        assert_return(v && alg, -EINVAL);
        b = pcr_values_bank(v, alg);
        if (!b) {
                if (v->n_banks >= PCR_VALUES_BANKS_MAX)
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

        assert_return(pcr < PCR_VALUES_COUNT, -EINVAL);
        r = pcr_values_add_bank(v, alg, &b);
        if (r < 0)
                return r;
        memcpy(b->values[pcr], value, alg->size);
        b->present |= UINT32_C(1) << pcr;
        return 0;
}

static int parse_bank(PcrValues *v, const HashAlg *alg, json_object *bank) {
        if (!json_object_is_type(bank, json_type_object))
                return -EBADMSG;
        json_object_object_foreach(bank, key, val) {
                uint8_t value[HASH_ALG_MAX_DIGEST_SIZE];
                const char *hex;
                uint32_t pcr;

                if (safe_atou32(key, &pcr) < 0 || pcr >= PCR_VALUES_COUNT)
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
