/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The results key: where it comes from, how it is published (JWK set with the
 * previous key, so that results signed before a key change still verify until
 * they expire), and EARs signed with it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "ear.h"
#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "memory-util.h"
#include "verifierd.h"
#include "verifierd-results.h"

#define RESULTS_KEY_FILE_MAX (64u * 1024u)
#define RESULTS_PUBLISHED_KEYS 2u       /* the current key and the one before */

ResultsKeys *results_keys_free(ResultsKeys *k) {
        if (!k)
                return NULL;
        EVP_PKEY_free(k->key);
        jws_key_set_done(&k->published);
        free(k->jwks);
        free(k);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(ResultsKeys *, results_keys_free);

/* A PEM private key usable for results: EC P-256 or P-384. */
static int key_from_pem(const uint8_t *data, size_t size, EVP_PKEY **ret) {
        BIO *b = size <= RESULTS_KEY_FILE_MAX ? BIO_new_mem_buf(data, (int) size) : NULL;
        EVP_PKEY *key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
        const char *alg;

        BIO_free(b);
        if (!key)
                return -EBADMSG;
        if (jws_key_alg(key, &alg) < 0) {
                EVP_PKEY_free(key);
                return -EOPNOTSUPP;
        }
        *ret = key;
        return 0;
}

static int key_read(const char *path, EVP_PKEY **ret) {
        uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, RESULTS_KEY_FILE_MAX, &data, &size);
        if (r < 0)
                return r;
        r = key_from_pem(data, size, ret);
        erase_and_free_size(data, size);
        return r;
}

/* The service's credential, unless absent or the unit's SetCredential= default "none". */
static int credential_key(EVP_PKEY **ret) {
        _cleanup_free_ char *path = NULL;
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        uint8_t *data = NULL;
        size_t size;
        bool none;
        int r;

        if (!dir)
                return -ENOENT;
        if (asprintf(&path, "%s/%s", dir, RESULTS_KEY_CREDENTIAL) < 0)
                return -ENOMEM;
        r = read_full_file(path, RESULTS_KEY_FILE_MAX, &data, &size);
        if (r < 0)
                return r;
        none = size == 0 || (size >= 4 && memcmp(data, "none", 4) == 0 && (size == 4 || data[4] == '\n'));
        erase_and_free_size(data, size);
        return none ? -ENOENT : key_read(path, ret);
}

/* A new P-256 key as PEM, in a wiped-on-free blob. */
static int key_generate(Blob *ret) {
        EVP_PKEY *key = EVP_EC_gen("P-256");
        BIO *b = BIO_new(BIO_s_mem());
        char *pem;
        long size;
        int r = -ENOMEM;

        if (key && b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1 &&
            (size = BIO_get_mem_data(b, &pem)) > 0) {
                r = blob_set(ret, pem, (size_t) size);
                OPENSSL_cleanse(pem, (size_t) size);
        }
        EVP_PKEY_free(key);
        BIO_free_all(b);
        return r;
}

static void blob_erase(Blob *b) {
        b->data = erase_and_free_size(b->data, b->size);
        b->size = 0;
}

/* Creates <dir>/results-key.pem unless another instance sharing the directory did first. */
static int key_create(const char *path) {
        _cleanup_(blob_erase) Blob pem = {};
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = key_generate(&pem);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.new", path) < 0)
                return -ENOMEM;
        r = write_file_atomic(tmp, pem.data, pem.size, 0600);
        /* link() never replaces: of two instances starting together, one key wins. */
        if (r >= 0 && link(tmp, path) < 0 && errno != EEXIST)
                r = -errno;
        (void) unlink(tmp);
        return r;
}

/* The key every instance of the storage signs with: ours if we are the first. */
static int storage_key(Storage *storage, EVP_PKEY **ret) {
        _cleanup_(blob_erase) Blob candidate = {}, stored = {};
        int r;

        if (!storage || !storage->ops->key_claim)
                return -EOPNOTSUPP;
        r = key_generate(&candidate);
        if (r >= 0)
                r = storage_key_claim(storage, RESULTS_KEY_STORAGE_NAME, &candidate, &stored);
        if (r >= 0)
                r = key_from_pem(stored.data, stored.size, ret);
        return r;
}

static int state_key(const char *state_directory, EVP_PKEY **ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/" RESULTS_KEY_FILE, state_directory) < 0)
                return -ENOMEM;
        r = key_read(path, ret);
        if (r != -ENOENT)
                return r;
        r = key_create(path);
        if (r < 0)
                return r;
        log_info("Created the results signing key %s.", path);
        return key_read(path, ret);
}

static int load_signing_key(Storage *storage, const char *state_directory, const char *key_file, EVP_PKEY **ret) {
        int r;

        if (key_file) {
                r = key_read(key_file, ret);
                if (r < 0)
                        return log_error_errno(r, "Failed to load the results key %s (PEM EC P-256 or P-384): %m", key_file);
                return 0;
        }
        r = credential_key(ret);
        if (r != -ENOENT) {
                if (r < 0)
                        return log_error_errno(r, "Failed to load the results key from the credential %s: %m",
                                               RESULTS_KEY_CREDENTIAL);
                return 0;
        }
        r = storage_key(storage, ret);
        if (r != -EOPNOTSUPP) {
                if (r < 0)
                        return log_error_errno(r, "Failed to load or create the results key in the storage: %m");
                return 0;
        }
        r = state_key(state_directory, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to load or create the results key in %s: %m", state_directory);
        return 0;
}

/* The public keys published before, newest first; none when never published. */
static int published_read(const char *path, JwsKeySet *ret) {
        uint8_t *data = NULL;
        JwsKeySet s = {};
        size_t size;
        BIO *b;
        int r;

        r = read_full_file(path, RESULTS_KEY_FILE_MAX, &data, &size);
        if (r == -ENOENT) {
                *ret = s;
                return 0;
        }
        if (r < 0)
                return r;
        b = BIO_new_mem_buf(data, (int) size);
        for (EVP_PKEY *k; b && s.n < RESULTS_PUBLISHED_KEYS && (k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL));) {
                r = jws_key_set_add(&s, k);
                EVP_PKEY_free(k);
                if (r < 0)
                        break;
        }
        BIO_free(b);
        free(data);
        if (r < 0) {
                jws_key_set_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

static int published_write(const char *path, const JwsKeySet *s) {
        BIO *b = BIO_new(BIO_s_mem());
        char *pem;
        long size;
        int r = -ENOMEM;

        for (size_t i = 0; b && i < s->n; i++)
                if (PEM_write_bio_PUBKEY(b, s->keys[i].pkey) != 1)
                        goto done;
        if (b && (size = BIO_get_mem_data(b, &pem)) > 0)
                r = write_file_atomic(path, pem, (size_t) size, 0644);
done:
        BIO_free_all(b);
        return r;
}

/* The current key first; the previously current one stays published after a change. */
static int publish(ResultsKeys *k, const char *state_directory) {
        _cleanup_free_ char *path = NULL;
        JwsKeySet old = {};
        int r;

        if (asprintf(&path, "%s/" RESULTS_PUBLISHED_FILE, state_directory) < 0)
                return -ENOMEM;
        r = published_read(path, &old);
        if (r < 0)
                log_warning_errno(r, "Ignoring unreadable %s: %m", path);
        r = jws_key_set_add(&k->published, k->key);
        if (r >= 0 && old.n > 0 && strcmp(old.keys[0].kid, k->published.keys[0].kid) != 0)
                r = jws_key_set_add(&k->published, old.keys[0].pkey);
        else if (r >= 0 && old.n > 1)
                r = jws_key_set_add(&k->published, old.keys[1].pkey);
        if (r >= 0 && (old.n == 0 || strcmp(old.keys[0].kid, k->published.keys[0].kid) != 0))
                r = published_write(path, &k->published);
        jws_key_set_done(&old);
        return r;
}

static int jwks_build(ResultsKeys *k) {
        _cleanup_json_ json_object *doc = json_object_new_object();
        json_object *a = json_object_new_array();

        if (!doc || !a || json_object_object_add(doc, "keys", a) < 0) {
                json_object_put(a);
                return -ENOMEM;
        }
        for (size_t i = 0; i < k->published.n; i++) {
                json_object *jwk = NULL;
                int r = jws_key_to_jwk(k->published.keys[i].pkey, &jwk);
                if (r < 0)
                        return r;
                if (json_object_array_add(a, jwk) < 0) {
                        json_object_put(jwk);
                        return -ENOMEM;
                }
        }
        k->jwks = strdup(json_object_to_json_string_ext(doc, JSON_TEXT_PLAIN));
        return k->jwks ? 0 : -ENOMEM;
}

int results_keys_open(Storage *storage, const char *state_directory, const char *key_file, ResultsKeys **ret) {
        _cleanup_(results_keys_freep) ResultsKeys *k = calloc(1, sizeof *k);
        int r;

        if (!k)
                return log_oom();
        r = load_signing_key(storage, state_directory, key_file, &k->key);
        if (r < 0)
                return r;
        r = publish(k, state_directory);
        if (r >= 0)
                r = jwks_build(k);
        if (r < 0)
                return log_error_errno(r, "Failed to publish the results key: %m");
        log_info("Signing attestation results with key %s.", k->published.keys[0].kid);
        *ret = TAKE_PTR(k);
        return 0;
}

int results_sign(Manager *m, const char *node_id, const Attestation *a, char **ret_jwt) {
        _cleanup_free_ char *claims = NULL;
        EarContext c = {
                .node_id = node_id,
                .build = PACKAGE_VERSION,
                .max_age_sec = m->config.secret_max_age_sec,
        };
        int r;

        if (!m->results)
                return -ENOKEY;
        r = ear_claims_build(a, &c, &claims);
        if (r < 0)
                return r;
        return jws_sign(m->results->key, claims, ret_jwt);
}

void results_attach(Manager *m, const char *node_id, const Attestation *a, json_object *o) {
        _cleanup_free_ char *jwt = NULL;
        int r;

        if (!o)
                return;
        r = results_sign(m, node_id, a, &jwt);
        if (r < 0) {
                log_debug_errno(r, "Cannot sign the result of node %s: %m", node_id);
                return;
        }
        (void) json_add_string(o, "ear", jwt);
}

bool route_well_known(Request *q, const char *const *seg, size_t n) {
        if (n != 2 || strcmp(seg[0], ".well-known") != 0 || strcmp(seg[1], "jwks.json") != 0)
                return false;
        if (strcmp(q->http->method, "GET") != 0) {
                reply_error(q, 405, "method_not_allowed", NULL, "Use GET.");
                return true;
        }
        if (!q->manager->results) {
                reply_error(q, 404, "not_found", NULL, "No results key.");
                return true;
        }
        q->resp->content_type = "application/jwk-set+json";
        (void) http_response_set(q->resp, 200, strdup(q->manager->results->jwks));
        return true;
}
