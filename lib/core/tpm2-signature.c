/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/rsa.h>
#include <tss2/tss2_tpm2_types.h>

#include "macro.h"
#include "cursor.h"
#include "tpm2b.h"
#include "tpm2-signature.h"

static const struct {
        uint16_t alg;
        const char *name;
} sig_algs[] = {
        { TPM2_ALG_RSASSA, "rsassa" },
        { TPM2_ALG_RSAPSS, "rsapss" },
        { TPM2_ALG_ECDSA,  "ecdsa"  },
};

const char *tpm2_sig_alg_to_string(uint16_t sig_alg) {
        for (size_t i = 0; i < ELEMENTSOF(sig_algs); i++)
                if (sig_algs[i].alg == sig_alg)
                        return sig_algs[i].name;
        return NULL;
}

int tpm2_sig_alg_from_string(const char *s, uint16_t *ret) {
        for (size_t i = 0; i < ELEMENTSOF(sig_algs); i++)
                if (s && strcasecmp(sig_algs[i].name, s) == 0) {
                        *ret = sig_algs[i].alg;
                        return 0;
                }
        return -EINVAL;
}

/* Appends an unsigned DER INTEGER of the big-endian bytes v (leading zeros stripped). */
static size_t der_integer(uint8_t *out, const uint8_t *v, size_t n) {
        size_t o = 0;

        while (n > 1 && v[0] == 0) {
                v++;
                n--;
        }
        out[o++] = 0x02;
        out[o++] = (uint8_t) (n + (v[0] & 0x80 ? 1 : 0));
        if (v[0] & 0x80)
                out[o++] = 0;
        memcpy(out + o, v, n);
        return o + n;
}

/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }; each part is at most 67 bytes
 * of content here, so the sequence length fits in the one-byte long form. */
static size_t der_ecdsa_sig(uint8_t *out, const uint8_t *r, size_t rn, const uint8_t *s, size_t sn) {
        uint8_t body[2 * (3 + TPM2_ECC_PARAMETER_SIZE_MAX)];
        size_t n = der_integer(body, r, rn);
        size_t o = 0;

        n += der_integer(body + n, s, sn);
        out[o++] = 0x30;
        if (n > 127)
                out[o++] = 0x81;
        out[o++] = (uint8_t) n;
        memcpy(out + o, body, n);
        return o + n;
}

int tpm2_signature_parse(const uint8_t *buf, size_t len, Tpm2Signature *ret) {
        Tpm2Signature s = {};
        const uint8_t *a, *b;
        size_t off = 0, an, bn;
        uint16_t hash;

        assert(buf || len == 0);
        assert(ret);
        if (len > TPM2_SIGNATURE_SIZE_MAX)
                return -EBADMSG;
        if (cursor_read_be16(buf, len, &off, &s.sig_alg) < 0 || !tpm2_sig_alg_to_string(s.sig_alg))
                return -EBADMSG;
        if (cursor_read_be16(buf, len, &off, &hash) < 0)
                return -EBADMSG;
        s.hash = hash_alg_from_tpm_id(hash);
        if (!s.hash || hash == TPM2_ALG_ID_SM3_256)
                return -EBADMSG;

        if (s.sig_alg == TPM2_ALG_ECDSA) {
                if (tpm2b_read(buf, len, &off, TPM2_ECC_PARAMETER_SIZE_MAX, false, &a, &an) < 0 ||
                    tpm2b_read(buf, len, &off, TPM2_ECC_PARAMETER_SIZE_MAX, false, &b, &bn) < 0)
                        return -EBADMSG;
                s.sig_size = der_ecdsa_sig(s.sig, a, an, b, bn);
        } else {
                if (tpm2b_read(buf, len, &off, TPM2_RSA_SIGNATURE_SIZE_MAX, false, &a, &an) < 0)
                        return -EBADMSG;
                memcpy(s.sig, a, an);
                s.sig_size = an;
        }
        if (off != len)
                return -EBADMSG;

        *ret = s;
        return 0;
}

int tpm2_signature_verify_ctx(EVP_MD_CTX *ctx, const Tpm2Signature *sig, EVP_PKEY *key,
                              const uint8_t *msg, size_t len) {
        const EVP_MD *md = hash_alg_md(sig->hash);
        bool rsa = EVP_PKEY_is_a(key, "RSA");
        EVP_PKEY_CTX *pctx = NULL;
        int r;

        assert(ctx && sig && key);
        if (!md)
                return -EOPNOTSUPP;
        if (rsa != (sig->sig_alg != TPM2_ALG_ECDSA) || (!rsa && !EVP_PKEY_is_a(key, "EC")))
                return -EKEYREJECTED;

        if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1)
                return -EIO;
        if (sig->sig_alg == TPM2_ALG_RSAPSS &&
            (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
                return -EIO;

        r = EVP_DigestVerify(ctx, sig->sig, sig->sig_size, msg, len);
        if (r == 1)
                return 0;
        /* 0 is a bad signature; a negative value is a malformed one (wrong length, bad DER): also bad. */
        return -EBADMSG;
}

int tpm2_signature_verify(const Tpm2Signature *sig, EVP_PKEY *key, const uint8_t *msg, size_t len) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int r;

        if (!ctx)
                return -ENOMEM;
        r = tpm2_signature_verify_ctx(ctx, sig, key, msg, len);
        EVP_MD_CTX_free(ctx);
        return r;
}

int attest_check_signature(EVP_MD_CTX *ctx, EVP_PKEY *key, uint32_t hash_mask, uint32_t sig_mask,
                           const Tpm2Signature *sig, const uint8_t *msg, size_t len, AttestVerdict *ret) {
        int r;

        if (!((hash_mask ?: attest_default_hash_mask()) & TPM2_ALG_BIT(sig->hash->tpm_alg_id))) {
                *ret = ATTEST_HASH_ALG_DISALLOWED;
                return 0;
        }
        if (!((sig_mask ?: attest_default_sig_mask()) & TPM2_ALG_BIT(sig->sig_alg))) {
                *ret = ATTEST_SIG_ALG_DISALLOWED;
                return 0;
        }
        r = tpm2_signature_verify_ctx(ctx, sig, key, msg, len);
        if (r == -EKEYREJECTED)
                *ret = ATTEST_KEY_MISMATCH;
        else if (r == -EBADMSG)
                *ret = ATTEST_BAD_SIGNATURE;
        else if (r < 0)
                return r;
        else
                *ret = ATTEST_VALID;
        return 0;
}
