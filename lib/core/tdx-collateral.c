/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>

#include "cc-cert.h"
#include "hexdecode.h"
#include "json-parse.h"
#include "tdx-collateral.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_TIME *, ASN1_TIME_free);

static const char *const status_names[_TDX_TCB_STATUS_MAX] = {
        [TDX_TCB_UP_TO_DATE]                            = "UpToDate",
        [TDX_TCB_SW_HARDENING_NEEDED]                   = "SWHardeningNeeded",
        [TDX_TCB_CONFIGURATION_NEEDED]                  = "ConfigurationNeeded",
        [TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
        [TDX_TCB_OUT_OF_DATE]                           = "OutOfDate",
        [TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED]      = "OutOfDateConfigurationNeeded",
        [TDX_TCB_REVOKED]                               = "Revoked",
};

const char *tdx_tcb_status_to_string(TdxTcbStatus s) {
        return s >= 0 && s < _TDX_TCB_STATUS_MAX ? status_names[s] : NULL;
}

TdxTcbStatus tdx_tcb_status_from_string(const char *s) {
        for (size_t i = 0; s && i < _TDX_TCB_STATUS_MAX; i++)
                if (strcmp(status_names[i], s) == 0)
                        return (TdxTcbStatus) i;
        return TDX_TCB_STATUS_INVALID;
}

/* OpenSSL validates the calendar; only the separators are Intel's. */
int tdx_parse_time(const char *s, time_t *ret) {
        _cleanup_(ASN1_TIME_freep) ASN1_TIME *t = ASN1_TIME_new();
        char generalized[16];
        struct tm tm;

        if (!t)
                return -ENOMEM;
        if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
            s[19] != 'Z')
                return -EBADMSG;
        (void) snprintf(generalized, sizeof generalized, "%.4s%.2s%.2s%.2s%.2s%.2sZ", s, s + 5, s + 8, s + 11, s + 14, s + 17);
        if (!ASN1_TIME_set_string(t, generalized) || !ASN1_TIME_to_tm(t, &tm))
                return -EBADMSG;
        *ret = timegm(&tm);
        return 0;
}

static int get_string(json_object *o, const char *key, const char **ret) {
        json_object *v = json_get_typed(o, key, json_type_string);
        if (!v)
                return -EBADMSG;
        *ret = json_object_get_string(v);
        return 0;
}

static int get_hex(json_object *o, const char *key, uint8_t *buf, size_t size) {
        const char *s;
        if (get_string(o, key, &s) < 0 || hex_decode_into(s, strlen(s), buf, size) < 0)
                return -EBADMSG;
        return 0;
}

static int get_uint(json_object *o, const char *key, uint32_t max, uint32_t *ret) {
        json_object *v = json_get_typed(o, key, json_type_int);
        int64_t i;

        if (!v)
                return -EBADMSG;
        i = json_object_get_int64(v);
        if (i < 0 || i > (int64_t) max)
                return -EBADMSG;
        *ret = (uint32_t) i;
        return 0;
}

static int get_time(json_object *o, const char *key, time_t *ret) {
        const char *s;
        return get_string(o, key, &s) < 0 ? -EBADMSG : tdx_parse_time(s, ret);
}

static int parse_advisories(json_object *level, TdxAdvisories *a) {
        json_object *ids = json_get_typed(level, "advisoryIDs", json_type_array);
        size_t n;

        a->n = 0;
        if (!ids)
                return json_object_object_get_ex(level, "advisoryIDs", NULL) ? -EBADMSG : 0;
        n = json_object_array_length(ids);
        if (n > TDX_ADVISORY_IDS_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(ids, i);
                size_t len = json_object_is_type(v, json_type_string) ? (size_t) json_object_get_string_len(v) : SIZE_MAX;
                const char *s = len != SIZE_MAX ? json_object_get_string(v) : NULL;

                if (!s || len > TDX_ADVISORY_ID_MAX || memchr(s, 0, len))
                        return -EBADMSG;
                memcpy(a->ids[a->n], s, len);
                a->ids[a->n++][len] = 0;
        }
        return 0;
}

/* sgxtcbcomponents / tdxtcbcomponents: 16 objects with "svn". */
static int parse_components(json_object *tcb, const char *key, uint8_t out[static 16]) {
        json_object *arr = json_get_typed(tcb, key, json_type_array);

        if (!arr || json_object_array_length(arr) != 16)
                return -EBADMSG;
        for (size_t i = 0; i < 16; i++) {
                uint32_t svn;
                if (get_uint(json_object_array_get_idx(arr, i), "svn", 255, &svn) < 0)
                        return -EBADMSG;
                out[i] = (uint8_t) svn;
        }
        return 0;
}

typedef enum LevelKind {
        LEVEL_PLATFORM,       /* tcbInfo.tcbLevels: SGX and TDX components, pcesvn */
        LEVEL_ISVSVN,         /* module identities and QE Identity: isvsvn */
} LevelKind;

static int parse_level(json_object *o, LevelKind kind, TdxTcbLevel *l) {
        json_object *tcb = json_get_typed(o, "tcb", json_type_object);
        const char *status;
        uint32_t v;

        if (!tcb || get_string(o, "tcbStatus", &status) < 0)
                return -EBADMSG;
        l->status = tdx_tcb_status_from_string(status);
        if (l->status < 0)
                return -EBADMSG;
        if (kind == LEVEL_PLATFORM) {
                if (parse_components(tcb, "sgxtcbcomponents", l->sgx_components) < 0 ||
                    parse_components(tcb, "tdxtcbcomponents", l->tdx_components) < 0 ||
                    get_uint(tcb, "pcesvn", UINT16_MAX, &v) < 0)
                        return -EBADMSG;
                l->pcesvn = (uint16_t) v;
        } else {
                if (get_uint(tcb, "isvsvn", UINT16_MAX, &v) < 0)
                        return -EBADMSG;
                l->isvsvn = (uint16_t) v;
        }
        return parse_advisories(o, &l->advisories);
}

static int parse_levels(json_object *o, LevelKind kind, TdxTcbLevel **ret, size_t *ret_n) {
        json_object *arr = json_get_typed(o, "tcbLevels", json_type_array);
        TdxTcbLevel *levels;
        size_t n;
        int r;

        if (!arr)
                return -EBADMSG;
        n = json_object_array_length(arr);
        if (n == 0)
                return -EBADMSG;
        if (n > TDX_TCB_LEVELS_MAX)
                return -E2BIG;
        levels = calloc(n, sizeof *levels);
        if (!levels)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_level(json_object_array_get_idx(arr, i), kind, levels + i);
                if (r < 0) {
                        free(levels);
                        return r;
                }
        }
        *ret = levels;
        *ret_n = n;
        return 0;
}

static int parse_module(json_object *o, bool with_levels, TdxModuleIdentity *m) {
        if (get_hex(o, "mrsigner", m->mrsigner, sizeof m->mrsigner) < 0 ||
            get_hex(o, "attributes", m->attributes, sizeof m->attributes) < 0 ||
            get_hex(o, "attributesMask", m->attributes_mask, sizeof m->attributes_mask) < 0)
                return -EBADMSG;
        if (!with_levels)
                return 0;
        const char *id;
        if (get_string(o, "id", &id) < 0 || strlen(id) >= sizeof m->id)
                return -EBADMSG;
        strcpy(m->id, id);
        return parse_levels(o, LEVEL_ISVSVN, &m->levels, &m->n_levels);
}

static int parse_module_identities(json_object *info, TdxTcbInfo *t) {
        json_object *arr = json_get_typed(info, "tdxModuleIdentities", json_type_array);
        size_t n;
        int r;

        if (!arr)
                return json_object_object_get_ex(info, "tdxModuleIdentities", NULL) ? -EBADMSG : 0;
        n = json_object_array_length(arr);
        if (n > TDX_MODULE_IDENTITIES_MAX)
                return -E2BIG;
        t->module_identities = calloc(MAX(n, 1u), sizeof *t->module_identities);
        if (!t->module_identities)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *m = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(m, json_type_object))
                        return -EBADMSG;
                r = parse_module(m, true, t->module_identities + i);
                t->n_module_identities = i + 1;   /* freed with the others even when half parsed */
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_tcb_info(const char *text, TdxTcbInfo *t) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        json_object *module;
        const char *id;
        uint32_t version;
        int r;

        r = json_parse_text(text, strlen(text), TDX_COLLATERAL_SIZE_MAX, &root);
        if (r < 0)
                return r;
        if (get_string(root, "id", &id) < 0 || strcmp(id, "TDX") != 0 ||
            get_uint(root, "version", UINT32_MAX, &version) < 0 || version != 3 ||
            get_time(root, "issueDate", &t->issue_date) < 0 ||
            get_time(root, "nextUpdate", &t->next_update) < 0 ||
            get_hex(root, "fmspc", t->fmspc, sizeof t->fmspc) < 0 ||
            get_hex(root, "pceId", t->pce_id, sizeof t->pce_id) < 0)
                return -EBADMSG;
        module = json_get_typed(root, "tdxModule", json_type_object);
        if (module) {
                if (parse_module(module, false, &t->module) < 0)
                        return -EBADMSG;
                t->has_module = true;
        }
        r = parse_module_identities(root, t);
        if (r < 0)
                return r;
        return parse_levels(root, LEVEL_PLATFORM, &t->levels, &t->n_levels);
}

static int parse_qe_identity(const char *text, TdxQeIdentity *q) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        uint8_t misc[4], misc_mask[4];
        const char *id;
        uint32_t v;
        int r;

        r = json_parse_text(text, strlen(text), TDX_COLLATERAL_SIZE_MAX, &root);
        if (r < 0)
                return r;
        if (get_string(root, "id", &id) < 0 || strcmp(id, "TD_QE") != 0 ||
            get_uint(root, "version", UINT32_MAX, &v) < 0 || v != 2 ||
            get_time(root, "issueDate", &q->issue_date) < 0 ||
            get_time(root, "nextUpdate", &q->next_update) < 0 ||
            get_hex(root, "miscselect", misc, sizeof misc) < 0 ||
            get_hex(root, "miscselectMask", misc_mask, sizeof misc_mask) < 0 ||
            get_hex(root, "attributes", q->attributes, sizeof q->attributes) < 0 ||
            get_hex(root, "attributesMask", q->attributes_mask, sizeof q->attributes_mask) < 0 ||
            get_hex(root, "mrsigner", q->mrsigner, sizeof q->mrsigner) < 0 ||
            get_uint(root, "isvprodid", UINT16_MAX, &v) < 0)
                return -EBADMSG;
        /* The hex text is the value as written, most significant byte first. */
        q->miscselect = (uint32_t) misc[0] << 24 | (uint32_t) misc[1] << 16 | (uint32_t) misc[2] << 8 | misc[3];
        q->miscselect_mask = (uint32_t) misc_mask[0] << 24 | (uint32_t) misc_mask[1] << 16 |
                             (uint32_t) misc_mask[2] << 8 | misc_mask[3];
        q->isv_prod_id = (uint16_t) v;
        return parse_levels(root, LEVEL_ISVSVN, &q->levels, &q->n_levels);
}

static int get_chain(json_object *o, const char *key, STACK_OF(X509) **ret) {
        const char *s;
        if (get_string(o, key, &s) < 0)
                return -EBADMSG;
        return cc_cert_parse_bundle((const uint8_t *) s, strlen(s), CC_CERT_BUNDLE_MAX, ret);
}

static int get_crl(json_object *o, const char *key, X509_CRL **ret) {
        _cleanup_free_ uint8_t *der = NULL;
        const char *s;
        size_t n;

        if (get_string(o, key, &s) < 0 || hex_decode(s, strlen(s), &der, &n) < 0)
                return -EBADMSG;
        return cc_crl_parse(der, n, ret);
}

static int get_text(json_object *o, const char *key, char **ret) {
        const char *s;
        if (get_string(o, key, &s) < 0)
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int tdx_collateral_parse(const char *text, size_t size, TdxCollateral **ret) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = NULL;
        int r;

        assert_return(text && ret, -EINVAL);
        r = json_parse_text(text, size, TDX_COLLATERAL_SIZE_MAX, &root);
        if (r < 0)
                return r;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        if ((r = get_chain(root, "pck_crl_issuer_chain", &c->pck_crl_issuer_chain)) < 0 ||
            (r = get_crl(root, "root_ca_crl", &c->root_ca_crl)) < 0 ||
            (r = get_crl(root, "pck_crl", &c->pck_crl)) < 0 ||
            (r = get_chain(root, "tcb_info_issuer_chain", &c->tcb_info_issuer_chain)) < 0 ||
            (r = get_text(root, "tcb_info", &c->tcb_info_text)) < 0 ||
            (r = get_hex(root, "tcb_info_signature", c->tcb_info_signature, sizeof c->tcb_info_signature)) < 0 ||
            (r = get_chain(root, "qe_identity_issuer_chain", &c->qe_identity_issuer_chain)) < 0 ||
            (r = get_text(root, "qe_identity", &c->qe_identity_text)) < 0 ||
            (r = get_hex(root, "qe_identity_signature", c->qe_identity_signature, sizeof c->qe_identity_signature)) < 0 ||
            (r = parse_tcb_info(c->tcb_info_text, &c->tcb_info)) < 0 ||
            (r = parse_qe_identity(c->qe_identity_text, &c->qe_identity)) < 0)
                return r == -ENOMEM || r == -E2BIG ? r : -EBADMSG;
        *ret = TAKE_PTR(c);
        return 0;
}

TdxCollateral *tdx_collateral_free(TdxCollateral *c) {
        if (!c)
                return NULL;
        sk_X509_pop_free(c->pck_crl_issuer_chain, X509_free);
        sk_X509_pop_free(c->tcb_info_issuer_chain, X509_free);
        sk_X509_pop_free(c->qe_identity_issuer_chain, X509_free);
        X509_CRL_free(c->root_ca_crl);
        X509_CRL_free(c->pck_crl);
        free(c->tcb_info_text);
        free(c->qe_identity_text);
        for (size_t i = 0; i < c->tcb_info.n_module_identities; i++)
                free(c->tcb_info.module_identities[i].levels);
        free(c->tcb_info.module_identities);
        free(c->tcb_info.levels);
        free(c->qe_identity.levels);
        free(c);
        return NULL;
}
