/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "attest-limits.h"
#include "hexdecode.h"
#include "json-util.h"
#include "secret-wrap-json.h"

static int add_b64(json_object *o, const char *key, const void *data, size_t size) {
        _cleanup_free_ char *b64 = base64_encode(data, size);
        return b64 ? json_add_string(o, key, b64) : -ENOMEM;
}

json_object *secret_wrapped_to_json(const SecretWrapped *w) {
        json_object *o;

        if (!w || !w->hash)
                return NULL;
        o = json_object_new_object();
        if (!o || json_add_string(o, "kem", secret_kem_to_string(w->kem)) < 0 ||
            json_add_string(o, "hash", w->hash->name) < 0 ||
            add_b64(o, "encapsulated", w->encapsulated, w->encapsulated_size) < 0 ||
            add_b64(o, "iv", w->iv, sizeof(w->iv)) < 0 ||
            add_b64(o, "ciphertext", w->ciphertext, w->ciphertext_size) < 0 ||
            add_b64(o, "tag", w->tag, sizeof(w->tag)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* A base64 field of exactly size bytes into buf. */
static int get_fixed(json_object *o, const char *key, uint8_t *buf, size_t size) {
        _cleanup_free_ uint8_t *d = NULL;
        size_t n;

        if (json_get_base64(o, key, size, &d, &n) < 0 || n != size)
                return -EBADMSG;
        memcpy(buf, d, size);
        return 0;
}

int secret_wrapped_from_json(json_object *o, SecretWrapped *ret) {
        _cleanup_(secret_wrapped_done) SecretWrapped w = {};
        const char *kem, *hash;

        if (!o || !ret)
                return -EINVAL;
        if (json_get_string_required(o, "kem", 16, &kem) < 0 ||
            json_get_string_required(o, "hash", 16, &hash) < 0)
                return -EBADMSG;
        if (strcmp(kem, secret_kem_to_string(SECRET_KEM_RSA_OAEP)) == 0)
                w.kem = SECRET_KEM_RSA_OAEP;
        else if (strcmp(kem, secret_kem_to_string(SECRET_KEM_ECDH)) == 0)
                w.kem = SECRET_KEM_ECDH;
        else
                return -EBADMSG;
        w.hash = hash_alg_from_name(hash);
        if (!w.hash)
                return -EBADMSG;
        if (json_get_base64(o, "encapsulated", SECRET_ENCAPSULATED_MAX, &w.encapsulated, &w.encapsulated_size) < 0 ||
            w.encapsulated_size == 0 ||
            json_get_base64(o, "ciphertext", SECRET_SIZE_MAX, &w.ciphertext, &w.ciphertext_size) < 0 ||
            w.ciphertext_size == 0 ||
            get_fixed(o, "iv", w.iv, sizeof(w.iv)) < 0 || get_fixed(o, "tag", w.tag, sizeof(w.tag)) < 0)
                return -EBADMSG;
        *ret = w;
        w = (SecretWrapped) {};
        return 0;
}
