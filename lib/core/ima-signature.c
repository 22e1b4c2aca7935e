/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/x509.h>

#include "cursor.h"
#include "hexdecode.h"
#include "ima-signature.h"
#include "attest-limits.h"
#include "runtime-policy.h"

/* The kernel's enum hash_algo values that IMA signatures use. */
static const struct {
        uint8_t id;
        const char *name;
} kernel_hash_algos[] = {
        { 2, "sha1" }, { 4, "sha256" }, { 5, "sha384" }, { 6, "sha512" }, { 17, "sm3_256" },
};

int ima_signature_parse(const uint8_t *data, size_t size, ImaSignature *ret) {
        uint8_t type, version, algo;
        uint16_t sig_size;
        ImaSignature s = {};
        size_t o = 0;

        if (cursor_read_u8(data, size, &o, &type) < 0 || cursor_read_u8(data, size, &o, &version) < 0 ||
            cursor_read_u8(data, size, &o, &algo) < 0 || cursor_read_be32(data, size, &o, &s.keyid) < 0 ||
            cursor_read_be16(data, size, &o, &sig_size) < 0)
                return -EBADMSG;
        if (type != IMA_XATTR_DIGSIG || version != 2)
                return -EPROTONOSUPPORT;
        for (size_t i = 0; i < ELEMENTSOF(kernel_hash_algos); i++)
                if (kernel_hash_algos[i].id == algo)
                        s.alg = hash_alg_from_name(kernel_hash_algos[i].name);
        if (!s.alg)
                return -EPROTONOSUPPORT;
        if (sig_size == 0 || sig_size != size - o)
                return -EBADMSG;
        s.sig = data + o;
        s.sig_size = sig_size;
        *ret = s;
        return 0;
}

void ima_keyring_done(ImaKeyring *k) {
        if (!k)
                return;
        for (size_t i = 0; i < k->n_keys; i++)
                EVP_PKEY_free(k->keys[i].pkey);
        k->keys = mfree(k->keys);
        k->n_keys = 0;
}

int ima_key_skid(EVP_PKEY *pkey, uint8_t ret[static IMA_KEY_SKID_SIZE]) {
        X509_PUBKEY *xpk = NULL;
        const unsigned char *pk;
        int pklen, r = -EINVAL;

        if (X509_PUBKEY_set(&xpk, pkey) == 1 && X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) == 1 &&
            pklen > 0 && hash_alg_digest(hash_alg_from_name("sha1"), pk, (size_t) pklen, ret) >= 0)
                r = 0;
        X509_PUBKEY_free(xpk);
        return r;
}

static uint32_t skid_to_keyid(const uint8_t h[static IMA_KEY_SKID_SIZE]) {
        return (uint32_t) h[16] << 24 | (uint32_t) h[17] << 16 | (uint32_t) h[18] << 8 | h[19];
}

int ima_key_id(EVP_PKEY *pkey, uint32_t *ret) {
        uint8_t h[IMA_KEY_SKID_SIZE];
        int r = ima_key_skid(pkey, h);

        if (r < 0)
                return r;
        *ret = skid_to_keyid(h);
        return 0;
}

int ima_keyring_add_pkey(ImaKeyring *k, EVP_PKEY *pkey) {
        ImaKey key = { .pkey = pkey };
        int r;

        if (k->n_keys >= RUNTIME_POLICY_KEYS_MAX)
                return -E2BIG;
        r = ima_key_skid(pkey, key.skid);
        if (r < 0)
                return r;
        key.keyid = skid_to_keyid(key.skid);
        ImaKey *n = realloc(k->keys, (k->n_keys + 1) * sizeof(ImaKey));
        if (!n)
                return -ENOMEM;
        k->keys = n;
        if (EVP_PKEY_up_ref(pkey) != 1)
                return -EIO;
        k->keys[k->n_keys++] = key;
        return 0;
}

int ima_keyring_add_spki(ImaKeyring *k, const uint8_t *der, size_t len) {
        const unsigned char *p = der;
        EVP_PKEY *pkey;
        int r;

        if (len == 0 || len > RUNTIME_POLICY_KEY_DER_MAX)
                return -E2BIG;
        pkey = d2i_PUBKEY(NULL, &p, (long) len);
        if (!pkey)
                return -EBADMSG;
        if (p != der + len) {
                EVP_PKEY_free(pkey);
                return -EBADMSG;   /* trailing bytes */
        }
        r = ima_keyring_add_pkey(k, pkey);
        EVP_PKEY_free(pkey);
        return r;
}

static int add_b64_key(ImaKeyring *k, json_object *v, json_object *id) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len;
        int64_t keyid;
        int r;

        if (!json_object_is_type(v, json_type_string) || !json_object_is_type(id, json_type_int))
                return -EBADMSG;
        keyid = json_object_get_int64(id);
        if (keyid < 0 || keyid > UINT32_MAX)
                return -EBADMSG;
        if (base64_decode(json_object_get_string(v), (size_t) json_object_get_string_len(v), &der, &der_len) < 0)
                return -EBADMSG;
        r = ima_keyring_add_spki(k, der, der_len);
        if (r < 0)
                return r;
        k->keys[k->n_keys - 1].keyid = (uint32_t) keyid;   /* the id the keyring gives wins, as in Keylime */
        return 0;
}

int ima_keyring_parse_json(ImaKeyring *k, const char *json, size_t len) {
        json_object *root = NULL, *pubkeys, *keyids;
        int r;

        r = runtime_policy_json_parse(json, len, &root);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "pubkeys", &pubkeys) || !json_object_is_type(pubkeys, json_type_array) ||
            !json_object_object_get_ex(root, "keyids", &keyids) || !json_object_is_type(keyids, json_type_array) ||
            json_object_array_length(keyids) != json_object_array_length(pubkeys))
                r = -EBADMSG;
        else if (json_object_array_length(pubkeys) > RUNTIME_POLICY_KEYS_MAX)
                r = -E2BIG;
        for (size_t i = 0; r >= 0 && i < json_object_array_length(pubkeys); i++)
                r = add_b64_key(k, json_object_array_get_idx(pubkeys, i), json_object_array_get_idx(keyids, i));
        json_object_put(root);
        return r;
}

const ImaKey *ima_keyring_find(const ImaKeyring *k, uint32_t keyid) {
        for (size_t i = 0; k && i < k->n_keys; i++)
                if (k->keys[i].keyid == keyid)
                        return k->keys + i;
        return NULL;
}

int ima_signature_verify(const ImaKeyring *k, const ImaSignature *s, const ImaDigest *digest) {
        const ImaKey *key = ima_keyring_find(k, s->keyid);
        EVP_PKEY_CTX *ctx;
        int ok;

        if (!key)
                return -ENOKEY;
        if (digest->alg != s->alg || digest->size != s->alg->size)
                return -EKEYREJECTED;
        ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
        if (!ctx)
                return -ENOMEM;
        ok = EVP_PKEY_verify_init(ctx) == 1 &&
                EVP_PKEY_CTX_set_signature_md(ctx, hash_alg_md(s->alg)) == 1 &&
                EVP_PKEY_verify(ctx, s->sig, s->sig_size, digest->data, digest->size) == 1;
        EVP_PKEY_CTX_free(ctx);
        return ok ? 0 : -EKEYREJECTED;
}
