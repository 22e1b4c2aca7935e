/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "fileio.h"
#include "hash-alg.h"
#include "makecredential.h"
#include "pcr-blob.h"
#include "sim-node.h"
#include "tcg-eventlog.h"
#include "tcg-replay.h"
#include "tpm2-kdf.h"

#define SIM_UEFI_MAX (16u * 1024u * 1024u)

static int sha256(const void *a, size_t an, const void *b, size_t bn, uint8_t out[static SIM_DIGEST]) {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(c, a, an) == 1 &&
                 (bn == 0 || EVP_DigestUpdate(c, b, bn) == 1) && EVP_DigestFinal_ex(c, out, NULL) == 1;
        EVP_MD_CTX_free(c);
        return ok ? 0 : -EIO;
}

static void extend(uint8_t pcr[static SIM_DIGEST], const uint8_t digest[static SIM_DIGEST]) {
        (void) sha256(pcr, SIM_DIGEST, digest, SIM_DIGEST, pcr);
}

int sim_uefi_load(const char *path, SimUefi *ret) {
        const HashAlg *h = hash_alg_from_name("sha256");
        SimUefi u = {};
        TcgEventLog *log = NULL;
        PcrValues *v = calloc(1, sizeof *v);
        const PcrBank *b;
        int r;

        if (!v)
                return -ENOMEM;
        r = read_full_file(path, SIM_UEFI_MAX, &u.log, &u.size);
        if (r >= 0)
                r = tcg_eventlog_parse(u.log, u.size, &log);
        if (r >= 0)
                r = tcg_eventlog_replay(log, v);
        tcg_eventlog_free(log);
        if (r >= 0 && !(b = pcr_values_bank(v, h)))
                r = -EOPNOTSUPP;
        if (r < 0) {
                free(v);
                free(u.log);
                return r;
        }
        u.mask = b->mask & TCG_UEFI_PCR_MASK;
        for (unsigned i = 0; i < SIM_PCRS; i++)
                if (b->mask & (UINT32_C(1) << i))
                        memcpy(u.pcrs[i], b->values[i], SIM_DIGEST);
        free(v);
        *ret = u;
        return 0;
}

void sim_uefi_done(SimUefi *u) {
        free(u->log);
        *u = (SimUefi) {};
}

typedef enum KeyKind {
        KEY_EK,         /* restricted decryption, AES-128-CFB */
        KEY_AK,         /* restricted signing, ECDSA/SHA-256 (RSASSA/SHA-256 for an RSA key) */
        KEY_DECRYPT,    /* unrestricted decryption (ECDH): a key secrets are wrapped to */
} KeyKind;

static TPMA_OBJECT key_attributes(KeyKind kind) {
        const TPMA_OBJECT fixed = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN;

        switch (kind) {
        case KEY_EK:
                return fixed | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_ADMINWITHPOLICY;
        case KEY_AK:
                return fixed | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
        default:
                return fixed | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_USERWITHAUTH;
        }
}

/* The TPM2B_PUBLIC of an RSA-2048 signing key. */
static int public_area_rsa(EVP_PKEY *key, SimBuf *ret) {
        TPM2B_PUBLIC p = { .publicArea = {
                .type = TPM2_ALG_RSA,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = key_attributes(KEY_AK),
        } };
        TPMS_RSA_PARMS *e = &p.publicArea.parameters.rsaDetail;
        BIGNUM *modulus = NULL;
        size_t off = 0;
        int ok;

        e->symmetric.algorithm = TPM2_ALG_NULL;
        e->scheme.scheme = TPM2_ALG_RSASSA;
        e->scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
        e->keyBits = 2048;
        e->exponent = 0;        /* 65537 */
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &modulus) == 1 &&
             BN_bn2binpad(modulus, p.publicArea.unique.rsa.buffer, 256) == 256;
        BN_free(modulus);
        if (!ok)
                return -EIO;
        p.publicArea.unique.rsa.size = 256;
        if (Tss2_MU_TPM2B_PUBLIC_Marshal(&p, ret->data, sizeof ret->data, &off) != TSS2_RC_SUCCESS)
                return -EIO;
        ret->size = off;
        return 0;
}

/* The TPM2B_PUBLIC of a P-256 key of the given kind (an RSA AK: RSA-2048). */
static int public_area(EVP_PKEY *key, KeyKind kind, SimBuf *ret) {
        TPM2B_PUBLIC p = { .publicArea = {
                .type = TPM2_ALG_ECC,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = key_attributes(kind),
        } };
        TPMS_ECC_PARMS *e = &p.publicArea.parameters.eccDetail;
        uint8_t point[65];
        size_t n = 0, off = 0;

        if (kind == KEY_AK && EVP_PKEY_is_a(key, "RSA"))
                return public_area_rsa(key, ret);
        if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &n) != 1 || n != 65)
                return -EIO;
        e->curveID = TPM2_ECC_NIST_P256;
        e->kdf.scheme = TPM2_ALG_NULL;
        e->symmetric.algorithm = TPM2_ALG_NULL;
        e->scheme.scheme = TPM2_ALG_NULL;
        if (kind == KEY_EK)
                e->symmetric = (TPMT_SYM_DEF_OBJECT) { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
                                                       .mode.aes = TPM2_ALG_CFB };
        else if (kind == KEY_AK) {
                e->scheme.scheme = TPM2_ALG_ECDSA;
                e->scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        }
        p.publicArea.unique.ecc.x.size = 32;
        memcpy(p.publicArea.unique.ecc.x.buffer, point + 1, 32);
        p.publicArea.unique.ecc.y.size = 32;
        memcpy(p.publicArea.unique.ecc.y.buffer, point + 33, 32);
        if (Tss2_MU_TPM2B_PUBLIC_Marshal(&p, ret->data, sizeof ret->data, &off) != TSS2_RC_SUCCESS)
                return -EIO;
        ret->size = off;
        return 0;
}

/* The SHA-256 TPM name of a TPM2B_PUBLIC. */
static int public_name(const SimBuf *pub, uint8_t name[static SIM_NAME_SIZE]) {
        name[0] = 0x00;
        name[1] = 0x0b;
        return sha256(pub->data + 2, pub->size - 2, NULL, 0, name + 2);
}

int sim_node_new(const char *id, const SimUefi *uefi, uint64_t boot_time, SimNode **ret) {
        return sim_node_new_ak(id, uefi, boot_time, false, ret);
}

int sim_node_new_ak(const char *id, const SimUefi *uefi, uint64_t boot_time, bool rsa, SimNode **ret) {
        SimNode *n = calloc(1, sizeof *n);
        int r = -EIO;

        if (!n)
                return -ENOMEM;
        (void) snprintf(n->id, sizeof n->id, "%s", id);
        n->uefi = uefi;
        n->ek = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        n->ak = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048) : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        n->ak_rsa = rsa;
        if (n->ek && n->ak && public_area(n->ek, KEY_EK, &n->ek_tpm) >= 0 && public_area(n->ak, KEY_AK, &n->ak_tpm) >= 0)
                r = public_name(&n->ak_tpm, n->ak_name);
        n->clock = (SimClock) { .clock = 1000000, .reset_count = 10, .restart_count = 0, .safe = true };
        if (r >= 0)
                r = sim_node_boot(n, boot_time);
        if (r < 0) {
                sim_node_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

SimNode *sim_node_free(SimNode *n) {
        if (!n)
                return NULL;
        EVP_PKEY_free(n->ek);
        EVP_PKEY_free(n->ak);
        free(n->ima);
        free(n->ima_lines);
        free(n);
        return NULL;
}

static void le32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
        p[2] = (uint8_t) (v >> 16);
        p[3] = (uint8_t) (v >> 24);
}

static int ima_append_text(SimNode *n, const char *line, size_t len) {
        if (n->ima_size + len + 1 > n->ima_alloc) {
                size_t a = (n->ima_alloc ?: 4096) * 2 + len;
                char *m = realloc(n->ima, a);
                if (!m)
                        return -ENOMEM;
                n->ima = m;
                n->ima_alloc = a;
        }
        if ((n->ima_entries & 63) == 0) {
                size_t *l = realloc(n->ima_lines, (n->ima_entries + 64) * sizeof *l);
                if (!l)
                        return -ENOMEM;
                n->ima_lines = l;
        }
        n->ima_lines[n->ima_entries++] = n->ima_size;
        memcpy(n->ima + n->ima_size, line, len);
        n->ima_size += len;
        n->ima[n->ima_size] = '\0';
        return 0;
}

/* One ima-ng entry for a file with a SHA-256 digest: the line, and PCR 10 extended. */
static int ima_add(SimNode *n, const char *path, const uint8_t digest[static SIM_DIGEST]) {
        size_t plen = strlen(path) + 1, tlen = 4 + 8 + SIM_DIGEST + 4 + plen;
        uint8_t *t = malloc(tlen), th[SIM_DIGEST], sha1[20];
        char line[4200], dhex[2 * SIM_DIGEST + 1], shex[41];
        int len, r;

        if (!t || plen > 4096) {
                free(t);
                return -EINVAL;
        }
        le32(t, 8 + SIM_DIGEST);
        memcpy(t + 4, "sha256:", 8);
        memcpy(t + 12, digest, SIM_DIGEST);
        le32(t + 12 + SIM_DIGEST, (uint32_t) plen);
        memcpy(t + 16 + SIM_DIGEST, path, plen);
        r = sha256(t, tlen, NULL, 0, th);
        if (r >= 0 && EVP_Digest(t, tlen, sha1, NULL, EVP_sha1(), NULL) != 1)
                r = -EIO;
        free(t);
        if (r < 0)
                return r;
        extend(n->pcrs[10], th);
        for (size_t i = 0; i < SIM_DIGEST; i++)
                (void) snprintf(dhex + 2 * i, 3, "%02x", digest[i]);
        for (size_t i = 0; i < 20; i++)
                (void) snprintf(shex + 2 * i, 3, "%02x", sha1[i]);
        len = snprintf(line, sizeof line, "10 %s ima-ng sha256:%s %s\n", shex, dhex, path);
        return ima_append_text(n, line, (size_t) len);
}

int sim_node_boot(SimNode *n, uint64_t boot_time) {
        uint8_t agg[SIM_DIGEST];
        EVP_MD_CTX *c;
        int ok;

        memset(n->pcrs, 0, sizeof n->pcrs);
        for (unsigned i = 0; i < SIM_PCRS; i++)
                if (n->uefi->mask & (UINT32_C(1) << i))
                        memcpy(n->pcrs[i], n->uefi->pcrs[i], SIM_DIGEST);
        n->ima_size = 0;
        n->ima_entries = 0;
        n->boot_time = boot_time;
        n->clock.reset_count++;
        n->clock.restart_count = 0;
        /* boot_aggregate over PCRs 0–9 of the SHA-256 bank */
        c = EVP_MD_CTX_new();
        ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
        for (unsigned i = 0; ok && i < 10; i++)
                ok = EVP_DigestUpdate(c, n->pcrs[i], SIM_DIGEST) == 1;
        ok = ok && EVP_DigestFinal_ex(c, agg, NULL) == 1;
        EVP_MD_CTX_free(c);
        return ok ? ima_add(n, "boot_aggregate", agg) : -EIO;
}

int sim_node_ima_grow(SimNode *n, unsigned n_lines, const char *dir) {
        for (unsigned i = 0; i < n_lines; i++) {
                char path[512];
                uint8_t d[SIM_DIGEST];
                int r;

                (void) snprintf(path, sizeof path, "%s/file-%llu", dir, (unsigned long long) n->ima_entries);
                r = sha256(path, strlen(path), NULL, 0, d);
                if (r >= 0)
                        r = ima_add(n, path, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *sim_node_ima_from(const SimNode *n, uint64_t entry, size_t *ret_size) {
        if (entry > n->ima_entries)
                return NULL;
        size_t off = entry == n->ima_entries ? n->ima_size : n->ima_lines[entry];
        *ret_size = n->ima_size - off;
        return n->ima + off;
}

/* The seed of an ECC EK's credential: ECDH with the ephemeral point, then KDFe. */
static int ecc_seed(EVP_PKEY *ek, const uint8_t *secret, size_t size, uint8_t seed[static SIM_DIGEST]) {
        uint8_t point[65], ekpoint[65], z[32];
        size_t zn = sizeof z, ekn = 0;
        EVP_PKEY *peer = NULL;
        EVP_PKEY_CTX *ctx;
        OSSL_PARAM params[3];
        int ok;

        if (size != 2 + 32 + 2 + 32 || secret[0] != 0 || secret[1] != 32 || secret[34] != 0 || secret[35] != 32)
                return -EBADMSG;
        point[0] = 4;
        memcpy(point + 1, secret + 2, 32);
        memcpy(point + 33, secret + 36, 32);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *) "P-256", 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point);
        params[2] = OSSL_PARAM_construct_end();
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) == 1;
        EVP_PKEY_CTX_free(ctx);
        ctx = ok ? EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL) : NULL;
        ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
             EVP_PKEY_derive(ctx, z, &zn) == 1 &&
             EVP_PKEY_get_octet_string_param(ek, OSSL_PKEY_PARAM_PUB_KEY, ekpoint, sizeof ekpoint, &ekn) == 1 && ekn == 65;
        EVP_PKEY_CTX_free(ctx);
        EVP_PKEY_free(peer);
        if (!ok)
                return -EIO;
        return tpm2_kdfe(hash_alg_from_name("sha256"), z, zn, "IDENTITY", point + 1, 32, ekpoint + 1, 32, 256, seed);
}

int sim_node_activate(const SimNode *n, const uint8_t *file, size_t size, uint8_t *ret, size_t *ret_size) {
        const HashAlg *h = hash_alg_from_name("sha256");
        uint8_t seed[SIM_DIGEST], hkey[SIM_DIGEST], mac[SIM_DIGEST], key[16], iv[16] = {}, plain[CREDENTIAL_ID_OBJECT_SIZE_MAX];
        const uint8_t *enc;
        size_t enc_size, cred;
        CredentialBlob b;
        EVP_CIPHER_CTX *c;
        int r, len = 0;

        r = credential_blob_parse(file, size, &b);
        if (r >= 0)
                r = ecc_seed(n->ek, b.encrypted_secret, b.encrypted_secret_size, seed);
        if (r < 0)
                return r;
        if (b.id_object_size < 2 + SIM_DIGEST + 2 || b.id_object[0] != 0 || b.id_object[1] != SIM_DIGEST)
                return -EBADMSG;
        enc = b.id_object + 2 + SIM_DIGEST;
        enc_size = b.id_object_size - 2 - SIM_DIGEST;
        r = tpm2_kdfa(h, seed, sizeof seed, "INTEGRITY", NULL, 0, NULL, 0, 256, hkey);
        if (r >= 0)
                r = tpm2_hmac(h, hkey, sizeof hkey, enc, enc_size, n->ak_name, sizeof n->ak_name, mac);
        if (r >= 0 && CRYPTO_memcmp(mac, b.id_object + 2, SIM_DIGEST) != 0)
                r = -EPERM;     /* not for this AK */
        if (r >= 0)
                r = tpm2_kdfa(h, seed, sizeof seed, "STORAGE", n->ak_name, sizeof n->ak_name, NULL, 0, 128, key);
        if (r < 0)
                return r;
        c = EVP_CIPHER_CTX_new();
        if (!c || EVP_DecryptInit_ex2(c, EVP_aes_128_cfb128(), key, iv, NULL) != 1 ||
            EVP_DecryptUpdate(c, plain, &len, enc, (int) enc_size) != 1) {
                EVP_CIPHER_CTX_free(c);
                return -EIO;
        }
        EVP_CIPHER_CTX_free(c);
        cred = (size_t) plain[0] << 8 | plain[1];
        if (cred + 2 != enc_size)
                return -EBADMSG;
        memcpy(ret, plain + 2, cred);
        *ret_size = cred;
        return 0;
}

static void put(SimBuf *b, uint64_t v, size_t n) {
        for (size_t i = 0; i < n && b->size < sizeof b->data; i++)
                b->data[b->size++] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static void put_tpm2b(SimBuf *b, const void *p, size_t n) {
        put(b, n, 2);
        if (n <= sizeof b->data - b->size) {
                memcpy(b->data + b->size, p, n);
                b->size += n;
        }
}

/* TPMS_ATTEST up to and including firmwareVersion. */
static void attest_header(SimNode *n, uint16_t type, const uint8_t *extra, size_t extra_size, SimBuf *b) {
        b->size = 0;
        put(b, TPM2_GENERATED_VALUE, 4);
        put(b, type, 2);
        put_tpm2b(b, n->ak_name, sizeof n->ak_name);
        put_tpm2b(b, extra, extra_size);
        n->clock.clock += 1000;
        put(b, n->clock.clock, 8);
        put(b, n->clock.reset_count, 4);
        put(b, n->clock.restart_count, 4);
        put(b, n->clock.safe, 1);
        put(b, UINT64_C(0x0001000200030004), 8);
}

/* RSASSA-PKCS1-v1_5/SHA-256 over the attestation, as a TPMT_SIGNATURE. */
static int sign_rsa(EVP_PKEY *key, const SimBuf *msg, SimBuf *sig) {
        uint8_t out[256];
        size_t n = sizeof out;
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        int ok;

        ok = c && EVP_DigestSignInit_ex(c, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
             EVP_DigestSign(c, out, &n, msg->data, msg->size) == 1 && n == sizeof out;
        EVP_MD_CTX_free(c);
        if (!ok)
                return -EIO;
        sig->size = 0;
        put(sig, TPM2_ALG_RSASSA, 2);
        put(sig, TPM2_ALG_SHA256, 2);
        put_tpm2b(sig, out, sizeof out);
        return 0;
}

/* ECDSA/SHA-256 over the attestation, as a TPMT_SIGNATURE (RSASSA for an RSA key). */
static int sign(EVP_PKEY *key, const SimBuf *msg, SimBuf *sig) {
        uint8_t der[128], r[32], s[32];
        const uint8_t *p = der;
        size_t n = sizeof der;
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        ECDSA_SIG *es = NULL;
        int ok;

        if (EVP_PKEY_is_a(key, "RSA")) {
                EVP_MD_CTX_free(c);
                return sign_rsa(key, msg, sig);
        }
        ok = c && EVP_DigestSignInit_ex(c, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
             EVP_DigestSign(c, der, &n, msg->data, msg->size) == 1 && (es = d2i_ECDSA_SIG(NULL, &p, (long) n)) &&
             BN_bn2binpad(ECDSA_SIG_get0_r(es), r, 32) == 32 && BN_bn2binpad(ECDSA_SIG_get0_s(es), s, 32) == 32;
        ECDSA_SIG_free(es);
        EVP_MD_CTX_free(c);
        if (!ok)
                return -EIO;
        sig->size = 0;
        put(sig, TPM2_ALG_ECDSA, 2);
        put(sig, TPM2_ALG_SHA256, 2);
        put_tpm2b(sig, r, 32);
        put_tpm2b(sig, s, 32);
        return 0;
}

int sim_node_certify_name(SimNode *n, const uint8_t name[static SIM_NAME_SIZE], const uint8_t *qualifying,
                          size_t size, SimBuf *ret_attest, SimBuf *ret_sig) {
        attest_header(n, TPM2_ST_ATTEST_CERTIFY, qualifying, size, ret_attest);
        put_tpm2b(ret_attest, name, SIM_NAME_SIZE);
        put_tpm2b(ret_attest, name, SIM_NAME_SIZE);
        return sign(n->ak, ret_attest, ret_sig);
}

int sim_node_certify(SimNode *n, const uint8_t *qualifying, size_t size, SimBuf *ret_attest, SimBuf *ret_sig) {
        return sim_node_certify_name(n, n->ak_name, qualifying, size, ret_attest, ret_sig);
}

int sim_decrypt_key_new(SimBuf *ret_public, uint8_t ret_name[static SIM_NAME_SIZE]) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        int r = k ? public_area(k, KEY_DECRYPT, ret_public) : -ENOMEM;

        EVP_PKEY_free(k);
        return r < 0 ? r : public_name(ret_public, ret_name);
}

int sim_node_quote(SimNode *n, const uint8_t *nonce, size_t nonce_size, uint32_t mask, EVP_PKEY *signer,
                   SimBuf *ret_attest, SimBuf *ret_sig, uint8_t **ret_blob, size_t *ret_blob_size) {
        const HashAlg *h = hash_alg_from_name("sha256");
        PcrValues *v = calloc(1, sizeof *v);
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        uint8_t digest[SIM_DIGEST];
        int r = 0, ok;

        ok = v && c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
        for (unsigned i = 0; ok && i < SIM_PCRS; i++)
                if (mask & (UINT32_C(1) << i))
                        ok = EVP_DigestUpdate(c, n->pcrs[i], SIM_DIGEST) == 1 && pcr_values_set(v, h, i, n->pcrs[i]) >= 0;
        ok = ok && EVP_DigestFinal_ex(c, digest, NULL) == 1;
        EVP_MD_CTX_free(c);
        if (!ok) {
                free(v);
                return -EIO;
        }
        attest_header(n, TPM2_ST_ATTEST_QUOTE, nonce, nonce_size, ret_attest);
        put(ret_attest, 1, 4);
        put(ret_attest, TPM2_ALG_SHA256, 2);
        put(ret_attest, 3, 1);
        put(ret_attest, mask & 0xff, 1);
        put(ret_attest, (mask >> 8) & 0xff, 1);
        put(ret_attest, (mask >> 16) & 0xff, 1);
        put_tpm2b(ret_attest, digest, sizeof digest);
        r = sign(signer ?: n->ak, ret_attest, ret_sig);
        if (r >= 0)
                r = pcr_blob_serialize(v, ret_blob, ret_blob_size);
        free(v);
        return r;
}
