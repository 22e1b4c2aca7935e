/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compact JWS with ECDSA (ES256, ES384) and JWK sets: the signed attestation
 * results of the verifier and their offline check. Tokens and key sets may come
 * from anyone: every part is bounded, decoded strictly and rejected whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>

#include "hexdecode.h"
#include "json-util.h"
#include "jws.h"
#include "macro.h"

#define EC_COORD_MAX 48u        /* P-384 */

typedef struct JwsAlg {
        const char *alg, *curve, *crv, *md;
        size_t coord;
} JwsAlg;

static const JwsAlg algs[] = {
        { "ES256", "prime256v1", "P-256", "SHA256", 32 },
        { "ES384", "secp384r1",  "P-384", "SHA384", 48 },
};

static const JwsAlg *alg_by_name(const char *alg) {
        for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                if (strcmp(algs[i].alg, alg) == 0)
                        return &algs[i];
        return NULL;
}

static const JwsAlg *alg_by_crv(const char *crv) {
        for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                if (strcmp(algs[i].crv, crv) == 0)
                        return &algs[i];
        return NULL;
}

static const JwsAlg *alg_of_key(EVP_PKEY *key) {
        char group[64];

        if (!key || !EVP_PKEY_is_a(key, "EC") ||
            EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(algs); i++)
                if (strcmp(algs[i].curve, group) == 0)
                        return &algs[i];
        return NULL;
}

int jws_key_alg(EVP_PKEY *key, const char **ret_alg) {
        const JwsAlg *a = alg_of_key(key);

        if (!a)
                return -EOPNOTSUPP;
        *ret_alg = a->alg;
        return 0;
}

char *jws_base64url_encode(const void *data, size_t len) {
        char *s = base64_encode(data, len);
        size_t k = 0;

        if (!s)
                return NULL;
        for (char *p = s; *p && *p != '='; p++, k++)
                *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
        s[k] = '\0';
        return s;
}

/* Unpadded base64url only (RFC 7515 §2); canonical, as base64_decode() demands. */
static int base64url_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ char *t = NULL;

        if (len % 4 == 1)
                return -EBADMSG;
        t = malloc(len + 1);
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '+' || c == '/' || c == '=')
                        return -EBADMSG;
                t[i] = c == '-' ? '+' : c == '_' ? '/' : c;
        }
        t[len] = '\0';
        return base64_decode(t, len, ret, ret_size) < 0 ? -EBADMSG : 0;
}

/* The public point's coordinates, each left-padded to the curve's size. */
static int key_coordinates(EVP_PKEY *key, const JwsAlg *a, uint8_t x[static EC_COORD_MAX], uint8_t y[static EC_COORD_MAX]) {
        BIGNUM *bx = NULL, *by = NULL;
        int r = -EINVAL;

        if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
            EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
            BN_bn2binpad(bx, x, (int) a->coord) == (int) a->coord && BN_bn2binpad(by, y, (int) a->coord) == (int) a->coord)
                r = 0;
        BN_free(bx);
        BN_free(by);
        return r;
}

/* The required members of the public JWK in lexicographic order, as RFC 7638 hashes them. */
static int jwk_members(EVP_PKEY *key, const JwsAlg **ret_alg, char **ret_x, char **ret_y) {
        const JwsAlg *a = alg_of_key(key);
        uint8_t x[EC_COORD_MAX], y[EC_COORD_MAX];

        if (!a)
                return -EOPNOTSUPP;
        if (key_coordinates(key, a, x, y) < 0)
                return -EINVAL;
        *ret_x = jws_base64url_encode(x, a->coord);
        *ret_y = jws_base64url_encode(y, a->coord);
        if (!*ret_x || !*ret_y) {
                free(*ret_x);
                free(*ret_y);
                return -ENOMEM;
        }
        *ret_alg = a;
        return 0;
}

int jws_key_thumbprint(EVP_PKEY *key, char ret_kid[static JWS_KID_MAX + 1]) {
        _cleanup_free_ char *x = NULL, *y = NULL, *text = NULL, *kid = NULL;
        uint8_t md[32];
        const JwsAlg *a;
        int r;

        r = jwk_members(key, &a, &x, &y);
        if (r < 0)
                return r;
        if (asprintf(&text, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", a->crv, x, y) < 0)
                return -ENOMEM;
        if (EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL) != 1)
                return -EIO;
        kid = jws_base64url_encode(md, sizeof md);
        if (!kid)
                return -ENOMEM;
        (void) snprintf(ret_kid, JWS_KID_MAX + 1, "%s", kid);
        return 0;
}

int jws_key_to_jwk(EVP_PKEY *key, json_object **ret) {
        _cleanup_free_ char *x = NULL, *y = NULL;
        char kid[JWS_KID_MAX + 1];
        json_object *o;
        const JwsAlg *a;
        int r;

        r = jwk_members(key, &a, &x, &y);
        if (r >= 0)
                r = jws_key_thumbprint(key, kid);
        if (r < 0)
                return r;
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "kty", "EC");
        r = r ?: json_add_string(o, "crv", a->crv);
        r = r ?: json_add_string(o, "x", x);
        r = r ?: json_add_string(o, "y", y);
        r = r ?: json_add_string(o, "kid", kid);
        r = r ?: json_add_string(o, "alg", a->alg);
        r = r ?: json_add_string(o, "use", "sig");
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

void jws_key_set_done(JwsKeySet *s) {
        for (size_t i = 0; i < s->n; i++)
                EVP_PKEY_free(s->keys[i].pkey);
        free(s->keys);
        *s = (JwsKeySet) {};
}

static int key_set_append(JwsKeySet *s, const char *kid, EVP_PKEY *key) {
        JwsKey *k;

        if (s->n >= JWKS_KEYS_MAX)
                return -E2BIG;
        k = reallocarray(s->keys, s->n + 1, sizeof *k);
        if (!k)
                return -ENOMEM;
        s->keys = k;
        k[s->n] = (JwsKey) { .pkey = key };
        (void) snprintf(k[s->n].kid, sizeof k[s->n].kid, "%s", kid);
        s->n++;
        return 0;
}

int jws_key_set_add(JwsKeySet *s, EVP_PKEY *key) {
        char kid[JWS_KID_MAX + 1];
        int r;

        r = jws_key_thumbprint(key, kid);
        if (r < 0)
                return r;
        if (EVP_PKEY_up_ref(key) != 1)
                return -ENOMEM;
        r = key_set_append(s, kid, key);
        if (r < 0)
                EVP_PKEY_free(key);
        return r;
}

/* JWS ECDSA signatures are R ‖ S, each of the curve's size (RFC 7518 §3.4); OpenSSL speaks DER. */
static int signature_to_raw(const uint8_t *der, size_t der_size, const JwsAlg *a, uint8_t raw[static 2 * EC_COORD_MAX]) {
        const unsigned char *p = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long) der_size);
        const BIGNUM *r, *s;
        int k = -EIO;

        if (!sig)
                return -EIO;
        ECDSA_SIG_get0(sig, &r, &s);
        if (BN_bn2binpad(r, raw, (int) a->coord) == (int) a->coord &&
            BN_bn2binpad(s, raw + a->coord, (int) a->coord) == (int) a->coord)
                k = 0;
        ECDSA_SIG_free(sig);
        return k;
}

static int signature_to_der(const uint8_t *raw, const JwsAlg *a, uint8_t **ret, size_t *ret_size) {
        ECDSA_SIG *sig = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(raw, (int) a->coord, NULL), *s = BN_bin2bn(raw + a->coord, (int) a->coord, NULL);
        unsigned char *der = NULL;
        int len;

        if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
                ECDSA_SIG_free(sig);
                BN_free(r);
                BN_free(s);
                return -ENOMEM;
        }
        len = i2d_ECDSA_SIG(sig, &der);
        ECDSA_SIG_free(sig);
        if (len <= 0)
                return -ENOMEM;
        *ret = der;
        *ret_size = (size_t) len;
        return 0;
}

static int sign_input(EVP_PKEY *key, const JwsAlg *a, const char *input, uint8_t raw[static 2 * EC_COORD_MAX]) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t der[2 * EC_COORD_MAX + 16];
        size_t der_size = sizeof der;
        int r = -EIO;

        if (ctx && EVP_DigestSignInit_ex(ctx, NULL, a->md, NULL, NULL, key, NULL) == 1 &&
            EVP_DigestSign(ctx, der, &der_size, (const uint8_t *) input, strlen(input)) == 1)
                r = signature_to_raw(der, der_size, a, raw);
        EVP_MD_CTX_free(ctx);
        return r;
}

int jws_sign(EVP_PKEY *key, const char *payload, char **ret_token) {
        _cleanup_free_ char *header = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL;
        const JwsAlg *a = alg_of_key(key);
        uint8_t raw[2 * EC_COORD_MAX];
        char kid[JWS_KID_MAX + 1];
        int r;

        if (!a)
                return -EOPNOTSUPP;
        r = jws_key_thumbprint(key, kid);
        if (r < 0)
                return r;
        if (asprintf(&header, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", a->alg, kid) < 0)
                return -ENOMEM;
        h64 = jws_base64url_encode(header, strlen(header));
        p64 = jws_base64url_encode(payload, strlen(payload));
        if (!h64 || !p64 || asprintf(&input, "%s.%s", h64, p64) < 0)
                return -ENOMEM;
        r = sign_input(key, a, input, raw);
        if (r < 0)
                return r;
        s64 = jws_base64url_encode(raw, 2 * a->coord);
        if (!s64 || asprintf(ret_token, "%s.%s", input, s64) < 0)
                return -ENOMEM;
        return 0;
}

/* A fixed-size coordinate of a JWK. */
static int jwk_coordinate(json_object *jwk, const char *name, const JwsAlg *a, uint8_t out[static EC_COORD_MAX]) {
        _cleanup_free_ uint8_t *b = NULL;
        const char *s;
        size_t size;

        if (json_get_string_required(jwk, name, 2 * EC_COORD_MAX, &s) < 0 ||
            base64url_decode(s, strlen(s), &b, &size) < 0 || size != a->coord)
                return -EBADMSG;
        memcpy(out, b, size);
        return 0;
}

/* An EC public key from its curve and coordinates; OpenSSL refuses a point off the curve. */
static int key_from_point(const JwsAlg *a, const uint8_t *x, const uint8_t *y, EVP_PKEY **ret) {
        uint8_t point[1 + 2 * EC_COORD_MAX] = { 0x04 };
        OSSL_PARAM params[] = {
                OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *) a->curve, 0),
                OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * a->coord),
                OSSL_PARAM_END,
        };
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        EVP_PKEY *key = NULL;
        int r = -EBADMSG;

        memcpy(point + 1, x, a->coord);
        memcpy(point + 1 + a->coord, y, a->coord);
        if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
                *ret = key;
                r = 0;
        }
        EVP_PKEY_CTX_free(ctx);
        return r;
}

/* One member of "keys": 1 when added, 0 when skipped as not ours to understand. */
static int key_set_parse_one(json_object *jwk, JwsKeySet *s) {
        const char *kty, *crv, *kid, *use;
        uint8_t x[EC_COORD_MAX], y[EC_COORD_MAX];
        const JwsAlg *a;
        EVP_PKEY *key;
        int r;

        if (!json_object_is_type(jwk, json_type_object) || json_get_string_required(jwk, "kty", 16, &kty) < 0)
                return -EBADMSG;
        if (strcmp(kty, "EC") != 0 || json_get_string(jwk, "crv", 16, &crv) < 0 || !(a = alg_by_crv(crv)))
                return 0;
        if (json_get_string(jwk, "use", 16, &use) >= 0 && strcmp(use, "sig") != 0)
                return 0;
        /* Tokens name their key: one without a kid can verify none of them. */
        r = json_get_string(jwk, "kid", JWS_KID_MAX, &kid);
        if (r == -ENOENT)
                return 0;
        if (r < 0 || !kid[0])
                return -EBADMSG;
        if (jwk_coordinate(jwk, "x", a, x) < 0 || jwk_coordinate(jwk, "y", a, y) < 0 ||
            key_from_point(a, x, y, &key) < 0)
                return -EBADMSG;
        r = key_set_append(s, kid, key);
        if (r < 0) {
                EVP_PKEY_free(key);
                return r;
        }
        return 1;
}

int jws_key_set_parse(const char *buf, size_t len, JwsKeySet *ret) {
        _cleanup_json_ json_object *doc = NULL;
        JwsKeySet s = {};
        json_object *keys;
        size_t n;
        int r;

        r = json_parse_object_max(buf, len, JWKS_SIZE_MAX, &doc);
        if (r < 0)
                return r == -E2BIG ? r : -EBADMSG;
        if (!json_object_object_get_ex(doc, "keys", &keys) || !json_object_is_type(keys, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(keys);
        if (n > 4 * JWKS_KEYS_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                r = key_set_parse_one(json_object_array_get_idx(keys, i), &s);
                if (r < 0) {
                        jws_key_set_done(&s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

/* Header and payload of a compact JWS, each a base64url JSON object. */
static int decode_json_part(const char *s, size_t len, json_object **ret) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t size;

        if (base64url_decode(s, len, &b, &size) < 0)
                return -EBADMSG;
        return json_parse_object_max((const char *) b, size, JWT_SIZE_MAX, ret) < 0 ? -EBADMSG : 0;
}

/* The header: a known alg and a kid, nothing critical we would have to understand. */
static int check_header(json_object *h, const JwsAlg **ret_alg, const char **ret_kid) {
        const char *alg, *kid;
        json_object *crit;

        if (json_get_string_required(h, "alg", 16, &alg) < 0 || json_get_string_required(h, "kid", JWS_KID_MAX, &kid) < 0)
                return -EBADMSG;
        if (json_object_object_get_ex(h, "crit", &crit))
                return -EOPNOTSUPP;
        *ret_alg = alg_by_name(alg);
        if (!*ret_alg)
                return -EOPNOTSUPP;
        *ret_kid = kid;
        return 0;
}

static int verify_signature(EVP_PKEY *key, const JwsAlg *a, const char *input, size_t input_len, const uint8_t *raw) {
        _cleanup_free_ uint8_t *der = NULL;
        EVP_MD_CTX *ctx;
        size_t der_size;
        int r;

        if (alg_of_key(key) != a)
                return -EKEYREJECTED;
        r = signature_to_der(raw, a, &der, &der_size);
        if (r < 0)
                return r;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        r = EVP_DigestVerifyInit_ex(ctx, NULL, a->md, NULL, NULL, key, NULL) == 1 &&
                EVP_DigestVerify(ctx, der, der_size, (const uint8_t *) input, input_len) == 1 ? 0 : -EKEYREJECTED;
        EVP_MD_CTX_free(ctx);
        return r;
}

static const JwsKey *key_set_find(const JwsKeySet *s, const char *kid) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->keys[i].kid, kid) == 0)
                        return &s->keys[i];
        return NULL;
}

/* Splits header.payload.signature; each part non-empty, base64url characters only. */
static int split_token(const char *t, size_t len, size_t ret_dot[static 2]) {
        size_t k = 0;

        if (len == 0 || len > JWT_SIZE_MAX)
                return len > JWT_SIZE_MAX ? -E2BIG : -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                char c = t[i];
                if (c == '.') {
                        if (k >= 2)
                                return -EBADMSG;
                        ret_dot[k++] = i;
                } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                        return -EBADMSG;
        }
        if (k != 2 || ret_dot[0] == 0 || ret_dot[1] == ret_dot[0] + 1 || ret_dot[1] + 1 == len)
                return -EBADMSG;
        return 0;
}

int jws_verify(const char *token, size_t len, const JwsKeySet *keys, json_object **ret_payload) {
        _cleanup_json_ json_object *header = NULL, *payload = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        const JwsAlg *a;
        const JwsKey *k;
        const char *kid;
        size_t dot[2], sig_size;
        int r;

        r = split_token(token, len, dot);
        if (r < 0)
                return r;
        if (decode_json_part(token, dot[0], &header) < 0 ||
            base64url_decode(token + dot[1] + 1, len - dot[1] - 1, &sig, &sig_size) < 0)
                return -EBADMSG;
        r = check_header(header, &a, &kid);
        if (r < 0)
                return r;
        if (sig_size != 2 * a->coord)
                return -EBADMSG;
        k = key_set_find(keys, kid);
        if (!k)
                return -ENOKEY;
        r = verify_signature(k->pkey, a, token, dot[1], sig);
        if (r < 0)
                return r;
        /* Only a signed payload is parsed. */
        if (decode_json_part(token + dot[0] + 1, dot[1] - dot[0] - 1, &payload) < 0)
                return -EBADMSG;
        *ret_payload = TAKE_PTR(payload);
        return 0;
}
