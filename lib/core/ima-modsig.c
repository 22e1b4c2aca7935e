/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "ima-modsig.h"

void ima_modsig_done(ImaModsig *m) {
        if (!m)
                return;
        CMS_ContentInfo_free(m->cms);
        *m = (ImaModsig) {};
}

/* The digest algorithm, and the key type the signature algorithm names
 * (rsaEncryption, or a combined algorithm such as ecdsa-with-SHA256 whose
 * digest must then be the SignerInfo's). */
static int parse_algorithms(ImaModsig *m) {
        X509_ALGOR *dig_alg = NULL, *sig_alg = NULL;
        const ASN1_OBJECT *obj;
        int dig_nid, sig_nid, sig_dig_nid, pkey_nid;

        CMS_SignerInfo_get0_algs(m->si, NULL, NULL, &dig_alg, &sig_alg);
        if (!dig_alg || !sig_alg)
                return -EBADMSG;
        X509_ALGOR_get0(&obj, NULL, NULL, dig_alg);
        dig_nid = OBJ_obj2nid(obj);
        m->alg = dig_nid == NID_undef ? NULL : hash_alg_from_name(OBJ_nid2sn(dig_nid));
        if (!m->alg || !hash_alg_md(m->alg))
                return -EPROTONOSUPPORT;

        X509_ALGOR_get0(&obj, NULL, NULL, sig_alg);
        sig_nid = OBJ_obj2nid(obj);
        if (OBJ_find_sigid_algs(sig_nid, &sig_dig_nid, &pkey_nid) != 1) {
                sig_dig_nid = NID_undef;
                pkey_nid = sig_nid;
        }
        if (sig_dig_nid != NID_undef && sig_dig_nid != dig_nid)
                return -EBADMSG;
        if (pkey_nid == NID_rsaEncryption)
                m->pkey_type = EVP_PKEY_RSA;
        else if (pkey_nid == NID_X9_62_id_ecPublicKey)
                m->pkey_type = EVP_PKEY_EC;
        else
                return -EPROTONOSUPPORT;
        return 0;
}

/* A count or size from the DER: present and within its limit. */
static int check_size(int n, size_t max) {
        if (n <= 0)
                return -EBADMSG;
        return (size_t) n > max ? -E2BIG : 0;
}

static int parse_signer(ImaModsig *m) {
        ASN1_OCTET_STRING *keyid = NULL, *sig;
        X509_NAME *issuer = NULL;
        ASN1_INTEGER *serial = NULL;
        int r;

        if (CMS_SignerInfo_get0_signer_id(m->si, &keyid, &issuer, &serial) != 1)
                return -EBADMSG;
        if (keyid) {
                r = check_size(ASN1_STRING_length(keyid), IMA_MODSIG_SKID_MAX);
                if (r < 0)
                        return r;
                m->skid_size = (size_t) ASN1_STRING_length(keyid);
                memcpy(m->skid, ASN1_STRING_get0_data(keyid), m->skid_size);
        } else if (!issuer || !serial)
                return -EBADMSG;

        sig = CMS_SignerInfo_get0_signature(m->si);
        r = check_size(sig ? ASN1_STRING_length(sig) : 0, IMA_MODSIG_SIGNATURE_MAX);
        if (r < 0)
                return r;
        m->signed_attrs = CMS_signed_get_attr_count(m->si) > 0;
        return 0;
}

static int parse_signed_data(ImaModsig *m) {
        STACK_OF(CMS_SignerInfo) *sis;
        int r;

        if (OBJ_obj2nid(CMS_get0_type(m->cms)) != NID_pkcs7_signed)
                return -EPROTONOSUPPORT;
        sis = CMS_get0_SignerInfos(m->cms);
        r = check_size(sis ? sk_CMS_SignerInfo_num(sis) : 0, IMA_MODSIG_SIGNERS_MAX);
        if (r < 0)
                return r;
        m->si = sk_CMS_SignerInfo_value(sis, 0);
        r = parse_algorithms(m);
        if (r < 0)
                return r;
        return parse_signer(m);
}

int ima_modsig_parse(const uint8_t *der, size_t size, ImaModsig *ret) {
        const unsigned char *p = der;
        ImaModsig m = {};
        int r;

        if (size == 0)
                return -EBADMSG;
        if (size > IMA_MODSIG_MAX)
                return -E2BIG;
        m.cms = d2i_CMS_ContentInfo(NULL, &p, (long) size);
        if (!m.cms)
                r = -EBADMSG;
        else if (p != der + size)
                r = -EBADMSG;   /* trailing bytes */
        else
                r = parse_signed_data(&m);
        if (r < 0) {
                ima_modsig_done(&m);
                ERR_clear_error();
                return r;
        }
        *ret = m;
        return 0;
}

/* Without signed attributes the signature is over the digest itself. */
static bool verify_digest(const ImaModsig *m, EVP_PKEY *pkey, const ImaDigest *digest) {
        const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(m->si);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
        bool ok;

        ok = ctx && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, hash_alg_md(m->alg)) == 1 &&
                EVP_PKEY_verify(ctx, ASN1_STRING_get0_data(sig), (size_t) ASN1_STRING_length(sig), digest->data,
                                digest->size) == 1;
        EVP_PKEY_CTX_free(ctx);
        return ok;
}

/* With signed attributes the signature is over their DER, which only the CMS
 * code re-encodes; it takes the key from a signer certificate, so the key is
 * handed over in an otherwise empty one. */
static bool verify_signed_attrs(const ImaModsig *m, EVP_PKEY *pkey) {
        X509 *holder = X509_new();
        bool ok = false;

        if (holder && X509_set_pubkey(holder, pkey) == 1) {
                CMS_SignerInfo_set1_signer_cert(m->si, holder);
                ok = CMS_SignerInfo_verify(m->si) == 1;
                CMS_SignerInfo_set1_signer_cert(m->si, NULL);
        }
        X509_free(holder);
        return ok;
}

static bool verify_with(const ImaModsig *m, EVP_PKEY *pkey, const ImaDigest *digest) {
        bool ok;

        if (EVP_PKEY_get_base_id(pkey) != m->pkey_type)
                return false;
        ok = m->signed_attrs ? verify_signed_attrs(m, pkey) : verify_digest(m, pkey, digest);
        ERR_clear_error();
        return ok;
}

/* The signed messageDigest attribute must be the d-modsig digest. */
static bool message_digest_matches(const ImaModsig *m, const ImaDigest *digest) {
        const ASN1_OCTET_STRING *md =
                CMS_signed_get0_data_by_OBJ(m->si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);

        return md && (size_t) ASN1_STRING_length(md) == digest->size &&
                memcmp(ASN1_STRING_get0_data(md), digest->data, digest->size) == 0;
}

static const ImaKey *find_skid(const ImaModsig *m, const ImaKeyring *const *rings, size_t n_rings) {
        if (m->skid_size != IMA_KEY_SKID_SIZE)
                return NULL;
        for (size_t i = 0; i < n_rings; i++)
                for (size_t j = 0; rings[i] && j < rings[i]->n_keys; j++)
                        if (memcmp(rings[i]->keys[j].skid, m->skid, IMA_KEY_SKID_SIZE) == 0)
                                return rings[i]->keys + j;
        return NULL;
}

int ima_modsig_verify(const ImaModsig *m, const ImaDigest *digest, const ImaKeyring *const *rings, size_t n_rings) {
        if (!digest->alg || digest->alg != m->alg || digest->size != m->alg->size)
                return -EKEYREJECTED;
        if (m->signed_attrs && !message_digest_matches(m, digest))
                return -EKEYREJECTED;

        if (m->skid_size > 0) {
                const ImaKey *key = find_skid(m, rings, n_rings);
                if (!key)
                        return -ENOKEY;
                return verify_with(m, key->pkey, digest) ? 0 : -EKEYREJECTED;
        }
        for (size_t i = 0; i < n_rings; i++)
                for (size_t j = 0; rings[i] && j < rings[i]->n_keys; j++)
                        if (verify_with(m, rings[i]->keys[j].pkey, digest))
                                return 0;
        return -ENOKEY;
}
