/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tss2/tss2_mu.h>

#include "log.h"
#include "tpm-ek.h"
#include "tpm-nv.h"

#define EK_CERT_NV_RSA2048  0x01c00002
#define EK_CERT_NV_ECC_P256 0x01c0000a
#define EK_CERT_NV_ECC_P384 0x01c00016

/* Largest EK certificate read from NV; real ones are 1-2 KiB. */
#define EK_CERT_SIZE_MAX (16 * 1024)

/* Attribute sets A (low range) and B (high range: adds userWithAuth). */
#define EK_ATTRS_A (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
                    TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define EK_ATTRS_B (EK_ATTRS_A | TPMA_OBJECT_USERWITHAUTH)

/* PolicySecret(TPM_RH_ENDORSEMENT) under SHA-256: "policy A". */
static const uint8_t policy_a_sha256[32] = {
        0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
        0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

/* PolicyOR of policies A and C under SHA-384: "policy B". */
static const uint8_t policy_b_sha384[48] = {
        0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc, 0xf5, 0xfd, 0x3a, 0x1a,
        0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4, 0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca,
        0xcb, 0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12,
};

static const char *const ek_type_names[_EK_TYPE_MAX] = {
        [EK_RSA2048] = "rsa2048",
        [EK_ECC_P256] = "ecc256",
        [EK_ECC_P384] = "ecc384",
};

const char *ek_type_to_string(EkType t) {
        if (t == EK_AUTO)
                return "auto";
        if (t < 0 || t >= _EK_TYPE_MAX)
                return NULL;
        return ek_type_names[t];
}

int ek_type_from_string(const char *s, EkType *ret) {
        static const struct {
                const char *name;
                EkType type;
        } table[] = {
                { "auto", EK_AUTO },
                { "rsa", EK_RSA2048 }, { "rsa2048", EK_RSA2048 },
                { "ecc", EK_ECC_P256 }, { "ecc256", EK_ECC_P256 }, { "p256", EK_ECC_P256 },
                { "ecc384", EK_ECC_P384 }, { "p384", EK_ECC_P384 },
        };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(s, table[i].name) == 0) {
                        *ret = table[i].type;
                        return 0;
                }
        return -EINVAL;
}

/* What distinguishes the templates; the rest is common to all of them. */
typedef struct EkTemplate {
        TPMI_ALG_PUBLIC type;
        TPMI_ALG_HASH name_alg;
        TPMA_OBJECT attributes;
        const uint8_t *policy;
        size_t policy_size;
        uint16_t aes_bits;
        uint16_t key;           /* RSA bits or ECC curve */
        uint16_t unique_size;   /* zero-filled unique field: RSA modulus or each ECC coordinate */
} EkTemplate;

static const EkTemplate ek_templates[_EK_TYPE_MAX] = {
        [EK_RSA2048]  = { TPM2_ALG_RSA, TPM2_ALG_SHA256, EK_ATTRS_A, policy_a_sha256, sizeof(policy_a_sha256),
                          128, 2048, 256 },
        [EK_ECC_P256] = { TPM2_ALG_ECC, TPM2_ALG_SHA256, EK_ATTRS_A, policy_a_sha256, sizeof(policy_a_sha256),
                          128, TPM2_ECC_NIST_P256, 32 },
        /* High range: empty unique. */
        [EK_ECC_P384] = { TPM2_ALG_ECC, TPM2_ALG_SHA384, EK_ATTRS_B, policy_b_sha384, sizeof(policy_b_sha384),
                          256, TPM2_ECC_NIST_P384, 0 },
};

static void ek_template(EkType type, TPM2B_PUBLIC *ret) {
        const EkTemplate *e = &ek_templates[type];
        TPMT_PUBLIC *p = &ret->publicArea;

        assert(type >= 0 && type < _EK_TYPE_MAX);
        memset(ret, 0, sizeof(*ret));
        p->type = e->type;
        p->nameAlg = e->name_alg;
        p->objectAttributes = e->attributes;
        p->authPolicy.size = e->policy_size;
        memcpy(p->authPolicy.buffer, e->policy, e->policy_size);
        /* symmetric and scheme sit at the same place for RSA and ECC. */
        p->parameters.asymDetail.symmetric.algorithm = TPM2_ALG_AES;
        p->parameters.asymDetail.symmetric.keyBits.aes = e->aes_bits;
        p->parameters.asymDetail.symmetric.mode.aes = TPM2_ALG_CFB;
        p->parameters.asymDetail.scheme.scheme = TPM2_ALG_NULL;

        if (e->type == TPM2_ALG_RSA) {
                p->parameters.rsaDetail.keyBits = e->key;
                p->parameters.rsaDetail.exponent = 0;
                p->unique.rsa.size = e->unique_size;
        } else {
                p->parameters.eccDetail.curveID = e->key;
                p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
                p->unique.ecc.x.size = e->unique_size;
                p->unique.ecc.y.size = e->unique_size;
        }
}

static int ek_create_one(Tpm *t, EkType type, TpmEk *ret) {
        const TPM2B_SENSITIVE_CREATE sensitive = {};
        const TPM2B_DATA outside = {};
        const TPML_PCR_SELECTION creation_pcr = {};
        _cleanup_tpm_handle_ TpmHandle h = TPM_HANDLE_NULL(t);
        _cleanup_esys_ TPM2B_PUBLIC *out_public = NULL;
        TPM2B_PUBLIC template;
        TPM2B_NAME name;
        TSS2_RC rc;
        int r;

        ek_template(type, &template);
        rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT,
                                ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                &sensitive, &template, &outside, &creation_pcr,
                                &h.tr, &out_public, NULL, NULL, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_CreatePrimary(EK)");

        r = tpm_get_name(t, h.tr, &name);
        if (r < 0)
                return r;

        *ret = (TpmEk) {
                .tpm = t,
                .type = type,
                .handle = tpm_handle_take(&h),
                .public = *out_public,
                .name = name,
                .needs_policy = !(template.publicArea.objectAttributes & TPMA_OBJECT_USERWITHAUTH),
        };
        return 0;
}

int tpm_ek_create(Tpm *t, EkType type, TpmEk *ret) {
        int r;

        assert(t && ret);

        if (type != EK_AUTO) {
                r = ek_create_one(t, type, ret);
                if (r < 0)
                        return log_error_errno(r, "Failed to create %s EK: %m", ek_type_to_string(type));
                return 0;
        }

        for (EkType i = 0; i < _EK_TYPE_MAX; i++) {
                r = ek_create_one(t, i, ret);
                if (r >= 0) {
                        log_debug("Using %s EK.", ek_type_to_string(i));
                        return 0;
                }
                if (r == -ECONNREFUSED)
                        break;
        }
        return log_error_errno(r, "The TPM offers none of the default EK templates: %m");
}

void tpm_ek_done(TpmEk *ek) {
        if (!ek || !ek->tpm)
                return;
        tpm_flush(ek->tpm, &ek->handle);
        ek->tpm = NULL;
}

int tpm_ek_auth_session(const TpmEk *ek, ESYS_TR *ret_session) {
        if (!ek->needs_policy) {
                *ret_session = ESYS_TR_PASSWORD;
                return 0;
        }
        return tpm_start_ek_policy_session(ek->tpm, ret_session);
}

static uint32_t ek_cert_index(EkType type) {
        switch (type) {
        case EK_RSA2048:
                return EK_CERT_NV_RSA2048;
        case EK_ECC_P256:
                return EK_CERT_NV_ECC_P256;
        case EK_ECC_P384:
                return EK_CERT_NV_ECC_P384;
        default:
                return 0;
        }
}

int tpm_ek_read_cert(Tpm *t, EkType type, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint32_t index = ek_cert_index(type);
        size_t size;
        int r;

        if (index == 0)
                return -EINVAL;
        r = tpm_nv_read(t, index, EK_CERT_SIZE_MAX, &buf, &size);
        if (r == -ENODATA || r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;

        *ret = TAKE_PTR(buf);
        *ret_size = der_trim_padding(*ret, size);
        return 0;
}

int tpm_public_marshal(const TPM2B_PUBLIC *pub, uint8_t **ret, size_t *ret_size) {
        uint8_t buf[sizeof(TPM2B_PUBLIC)];
        size_t off = 0;
        uint8_t *copy;

        if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
                return -EINVAL;
        copy = malloc(off);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, buf, off);
        *ret = copy;
        *ret_size = off;
        return 0;
}
