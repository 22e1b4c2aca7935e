/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include "cursor.h"
#include "tpm2-public.h"

static const struct {
        uint16_t curve_id;
        const char *group;
        unsigned bits;
} curves[] = {
        { TPM2_ECC_NIST_P256, "prime256v1", 256 },
        { TPM2_ECC_NIST_P384, "secp384r1",  384 },
        { TPM2_ECC_NIST_P521, "secp521r1",  521 },
};

const char *tpm2_curve_to_group(uint16_t curve_id) {
        for (size_t i = 0; i < ELEMENTSOF(curves); i++)
                if (curves[i].curve_id == curve_id)
                        return curves[i].group;
        return NULL;
}

static unsigned curve_bits(uint16_t curve_id) {
        for (size_t i = 0; i < ELEMENTSOF(curves); i++)
                if (curves[i].curve_id == curve_id)
                        return curves[i].bits;
        return 0;
}

Tpm2Public *tpm2_public_free(Tpm2Public *p) {
        if (!p)
                return NULL;
        free(p->tpmt);
        return mfree(p);
}

int tpm2_name_compute(uint16_t name_alg, const uint8_t *data, size_t len, uint8_t *ret, size_t *ret_size) {
        const HashAlg *h = hash_alg_from_tpm_id(name_alg);
        int r;

        assert(ret && ret_size);
        if (!h)
                return -EOPNOTSUPP;
        r = hash_alg_digest(h, data, len, ret + 2);
        if (r < 0)
                return r;
        ret[0] = name_alg >> 8;
        ret[1] = name_alg & 0xff;
        *ret_size = 2 + h->size;
        return 0;
}

static int check_rsa(const TPMT_PUBLIC *a, unsigned *ret_bits) {
        unsigned bits = a->parameters.rsaDetail.keyBits;

        if (bits != 2048 && bits != 3072 && bits != 4096)
                return -EBADMSG;
        if (a->unique.rsa.size != bits / 8)
                return -EBADMSG;
        /* A TPM only generates keys with the default exponent (0 = 65537) or an explicit odd one. */
        if (a->parameters.rsaDetail.exponent != 0 && (a->parameters.rsaDetail.exponent & 1) == 0)
                return -EBADMSG;
        *ret_bits = bits;
        return 0;
}

static int check_ecc(const TPMT_PUBLIC *a, unsigned *ret_bits) {
        unsigned bits = curve_bits(a->parameters.eccDetail.curveID);
        size_t coord = (bits + 7) / 8;

        if (bits == 0)
                return -EBADMSG;
        /* Coordinates are TPM2B_ECC_PARAMETER: at most the field size, leading zeros may be stripped. */
        if (a->unique.ecc.x.size == 0 || a->unique.ecc.x.size > coord ||
            a->unique.ecc.y.size == 0 || a->unique.ecc.y.size > coord)
                return -EBADMSG;
        *ret_bits = bits;
        return 0;
}

int tpm2_public_parse_tpmt(const uint8_t *buf, size_t len, Tpm2Public **ret) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        size_t off = 0;
        int r;

        assert(buf || len == 0);
        assert(ret);

        if (len == 0 || len > TPM2_PUBLIC_SIZE_MAX)
                return -EBADMSG;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (Tss2_MU_TPMT_PUBLIC_Unmarshal(buf, len, &off, &p->area) != TSS2_RC_SUCCESS)
                return -EBADMSG;
        if (off != len)
                return -EBADMSG;

        p->name_alg = hash_alg_from_tpm_id(p->area.nameAlg);
        if (!p->name_alg)
                return -EBADMSG;

        switch (p->area.type) {
        case TPM2_ALG_RSA:
                r = check_rsa(&p->area, &p->key_bits);
                break;
        case TPM2_ALG_ECC:
                r = check_ecc(&p->area, &p->key_bits);
                break;
        default:
                r = -EBADMSG;
        }
        if (r < 0)
                return r;

        r = tpm2_name_compute(p->area.nameAlg, buf, len, p->name, &p->name_size);
        if (r < 0)
                return r;

        p->tpmt = malloc(len);
        if (!p->tpmt)
                return -ENOMEM;
        memcpy(p->tpmt, buf, len);
        p->tpmt_size = len;

        *ret = TAKE_PTR(p);
        return 0;
}

int tpm2_public_parse(const uint8_t *buf, size_t len, Tpm2Public **ret) {
        const uint8_t *area;
        size_t off = 0;
        uint16_t size;

        assert(buf || len == 0);
        assert(ret);

        if (cursor_read_be16(buf, len, &off, &size) < 0)
                return -EBADMSG;
        if (size == 0 || size > TPM2_PUBLIC_SIZE_MAX)
                return -EBADMSG;
        if (cursor_read_span(buf, len, &off, size, &area) < 0)
                return -EBADMSG;
        if (off != len)
                return -EBADMSG;
        return tpm2_public_parse_tpmt(area, size, ret);
}

bool tpm2_public_is_restricted_signing(const Tpm2Public *p) {
        TPMA_OBJECT a = p->area.objectAttributes;
        return (a & TPMA_OBJECT_RESTRICTED) && (a & TPMA_OBJECT_SIGN_ENCRYPT) && !(a & TPMA_OBJECT_DECRYPT);
}

bool tpm2_public_is_restricted_decryption(const Tpm2Public *p) {
        TPMA_OBJECT a = p->area.objectAttributes;
        return (a & TPMA_OBJECT_RESTRICTED) && (a & TPMA_OBJECT_DECRYPT) && !(a & TPMA_OBJECT_SIGN_ENCRYPT);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(OSSL_PARAM *, OSSL_PARAM_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free);

static int rsa_params(const TPMT_PUBLIC *a, OSSL_PARAM_BLD *bld, BIGNUM **n, BIGNUM **e) {
        uint32_t exponent = a->parameters.rsaDetail.exponent ?: 65537;

        *n = BN_bin2bn(a->unique.rsa.buffer, a->unique.rsa.size, NULL);
        *e = BN_new();
        if (!*n || !*e || BN_set_word(*e, exponent) != 1)
                return -ENOMEM;
        if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, *n) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e) != 1)
                return -ENOMEM;
        return 0;
}

/* Uncompressed point 04 ‖ x ‖ y with both coordinates left-padded to the field size. */
static int ecc_params(const TPMT_PUBLIC *a, OSSL_PARAM_BLD *bld, uint8_t *point, size_t *point_size) {
        const char *group = tpm2_curve_to_group(a->parameters.eccDetail.curveID);
        size_t coord = (curve_bits(a->parameters.eccDetail.curveID) + 7) / 8;
        const TPMS_ECC_POINT *q = &a->unique.ecc;

        if (!group)
                return -EBADMSG;
        memset(point, 0, 1 + 2 * coord);
        point[0] = 0x04;
        memcpy(point + 1 + coord - q->x.size, q->x.buffer, q->x.size);
        memcpy(point + 1 + 2 * coord - q->y.size, q->y.buffer, q->y.size);
        *point_size = 1 + 2 * coord;
        if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, *point_size) != 1)
                return -ENOMEM;
        return 0;
}

int tpm2_public_to_evp_pkey(const Tpm2Public *p, EVP_PKEY **ret) {
        _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = NULL;
        _cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL, *check = NULL;
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
        _cleanup_(BN_freep) BIGNUM *n = NULL, *e = NULL;
        uint8_t point[1 + 2 * TPM2_ECC_PARAMETER_SIZE_MAX];
        size_t point_size;
        bool rsa;
        int r;

        assert(p && ret);
        rsa = p->area.type == TPM2_ALG_RSA;

        bld = OSSL_PARAM_BLD_new();
        if (!bld)
                return -ENOMEM;
        r = rsa ? rsa_params(&p->area, bld, &n, &e) : ecc_params(&p->area, bld, point, &point_size);
        if (r < 0)
                return r;
        params = OSSL_PARAM_BLD_to_param(bld);
        if (!params)
                return -ENOMEM;

        ctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
                return -EBADMSG;

        /* A point off the curve (or a degenerate modulus) is refused here, not at verification. */
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!check)
                return -ENOMEM;
        if (EVP_PKEY_public_check(check) != 1)
                return -EBADMSG;

        *ret = TAKE_PTR(pkey);
        return 0;
}
