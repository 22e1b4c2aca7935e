/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The EAR encoder and the JWS/JWK set code, checked against themselves and
 * against an independent implementation (tests/unit/jose-check.py). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/ec.h>

#include "ear.h"
#include "fileio.h"
#include "json-util.h"
#include "jws.h"

#define MAX_AGE 300u
#define NOW_USEC (UINT64_C(1700000000) * 1000000u)

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);

static char tmpdir[] = "/tmp/test-ear.XXXXXX";

static EVP_PKEY *key_new(const char *curve) {
        EVP_PKEY *k = EVP_EC_gen(curve);
        assert_non_null(k);
        return k;
}

/* A passing attestation judged by a tpm and an mb policy. */
static void attestation_pass(Attestation *a, uint64_t when_usec) {
        static const EarAppraisal l[] = {
                { "tpm", "1111111111111111111111111111111111111111111111111111111111111111", EAR_STATUS_AFFIRMING },
                { "mb",  "2222222222222222222222222222222222222222222222222222222222222222", EAR_STATUS_AFFIRMING },
        };
        *a = (Attestation) { .updated_usec = when_usec };
        memset(a->nonce, 0xab, sizeof a->nonce);
        a->appraisal = ear_appraisals_to_json(l, 2);
        assert_non_null(a->appraisal);
}

static char *claims_of(const Attestation *a) {
        EarContext c = { .node_id = "node-1", .build = "0.1.0", .max_age_sec = MAX_AGE };
        char *claims = NULL;

        assert_int_equal(ear_claims_build(a, &c, &claims), 0);
        return claims;
}

static char *token_new(EVP_PKEY *key, uint64_t when_usec) {
        _cleanup_free_ char *claims = NULL;
        Attestation a;
        char *t = NULL;

        attestation_pass(&a, when_usec);
        claims = claims_of(&a);
        attestation_done(&a);
        assert_int_equal(jws_sign(key, claims, &t), 0);
        return t;
}

static char *jwks_of(EVP_PKEY *key) {
        _cleanup_json_ json_object *doc = json_object_new_object();
        json_object *a = json_object_new_array(), *jwk = NULL;

        assert_int_equal(jws_key_to_jwk(key, &jwk), 0);
        assert_int_equal(json_object_array_add(a, jwk), 0);
        assert_int_equal(json_object_object_add(doc, "keys", a), 0);
        return strdup(json_object_to_json_string_ext(doc, JSON_TEXT_PLAIN));
}

static void keys_of(EVP_PKEY *key, JwsKeySet *ret) {
        _cleanup_free_ char *doc = jwks_of(key);
        assert_int_equal(jws_key_set_parse(doc, strlen(doc), ret), 0);
        assert_int_equal(ret->n, 1);
}

static int verify(const char *token, const JwsKeySet *keys) {
        json_object *claims = NULL;
        int r = jws_verify(token, strlen(token), keys, &claims);
        json_object_put(claims);
        return r;
}

static json_object *submod(json_object *claims, const char *name) {
        json_object *s, *m;
        assert_true(json_object_object_get_ex(claims, "submods", &s));
        assert_true(json_object_object_get_ex(s, name, &m));
        return m;
}

static const char *member_string(json_object *o, const char *key) {
        json_object *v;
        assert_true(json_object_object_get_ex(o, key, &v));
        return json_object_get_string(v);
}

static int vector_claim(json_object *sub, const char *claim) {
        json_object *v, *c;
        assert_true(json_object_object_get_ex(sub, "ear.trustworthiness-vector", &v));
        return json_object_object_get_ex(v, claim, &c) ? json_object_get_int(c) : 0;
}

static void roundtrip(const char *curve, const char *alg) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new(curve);
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *t = token_new(key, NOW_USEC);
        _cleanup_json_ json_object *claims = NULL;
        const char *got_alg;

        keys_of(key, &keys);
        assert_int_equal(jws_key_alg(key, &got_alg), 0);
        assert_string_equal(got_alg, alg);
        assert_int_equal(jws_verify(t, strlen(t), &keys, &claims), 0);
        assert_int_equal(ear_claims_check(claims, NOW_USEC / 1000000u), 0);
        assert_string_equal(member_string(claims, "eat_profile"), EAR_PROFILE);
        assert_string_equal(member_string(claims, "sub"), "node-1");
        assert_string_equal(member_string(claims, "eat_nonce"), "q6urq6urq6urq6urq6urqw");
        assert_int_equal(json_object_get_int64(json_object_object_get(claims, "exp")) -
                         json_object_get_int64(json_object_object_get(claims, "iat")), MAX_AGE);
        assert_string_equal(member_string(submod(claims, "tpm"), "ear.status"), "affirming");
        assert_int_equal(vector_claim(submod(claims, "tpm"), "instance-identity"), 2);
        assert_int_equal(vector_claim(submod(claims, "tpm"), "configuration"), 2);
        assert_string_equal(member_string(submod(claims, "mb"), "ear.appraisal-policy-id"),
                            "sha256:2222222222222222222222222222222222222222222222222222222222222222");
        assert_int_equal(vector_claim(submod(claims, "mb"), "executables"), 3);
}

static void test_roundtrip_es256(void **state) {
        roundtrip("P-256", "ES256");
}

static void test_roundtrip_es384(void **state) {
        roundtrip("P-384", "ES384");
}

static char *write_tmp(const char *name, const char *content) {
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
        assert_int_equal(write_file_atomic(path, content, strlen(content), 0600), 0);
        return path;
}

/* Runs jose-check.py with the arguments; its stdout into out (may be NULL). */
static int jose(const char *args, char *out, size_t size) {
        _cleanup_free_ char *cmd = NULL;
        const char *data = getenv("ATTEST_TEST_DATA");
        size_t n = 0;
        FILE *p;
        int st;

        assert_non_null(data);
        assert_true(asprintf(&cmd, "python3 %s/../unit/jose-check.py %s", data, args) > 0);
        p = popen(cmd, "r");
        assert_non_null(p);
        if (out) {
                n = fread(out, 1, size - 1, p);
                out[n] = '\0';
        }
        st = pclose(p);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Our tokens verify with another implementation, which sees our claims. */
static void independent_verify(const char *curve) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new(curve);
        _cleanup_free_ char *t = token_new(key, NOW_USEC), *doc = jwks_of(key), *jwks = NULL, *tok = NULL,
                            *args = NULL, *claims = NULL;
        Attestation a;
        char out[8192];
        int r;

        jwks = write_tmp("jwks.json", doc);
        tok = write_tmp("token", t);
        assert_true(asprintf(&args, "verify %s %s", jwks, tok) > 0);
        r = jose(args, out, sizeof out);
        if (r == 77)
                skip();
        assert_int_equal(r, 0);
        attestation_pass(&a, NOW_USEC);
        claims = claims_of(&a);
        attestation_done(&a);
        assert_string_equal(out, claims);
        /* A flipped signature bit is refused there too. */
        t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
        free(tok);
        tok = write_tmp("token", t);
        assert_int_equal(jose(args, NULL, 0), 1);
}

static void test_independent_verify(void **state) {
        independent_verify("P-256");
        independent_verify("P-384");
}

/* Tokens of another implementation verify with ours (its JWK set also holds an RSA key, skipped). */
static void independent_sign(const char *crv) {
        _cleanup_free_ char *payload = NULL, *jwks_path = NULL, *tok_path = NULL, *args = NULL, *claims = NULL;
        _cleanup_free_ uint8_t *doc = NULL, *tok = NULL;
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_json_ json_object *got = NULL;
        size_t doc_size, tok_size;
        Attestation a;
        int r;

        attestation_pass(&a, NOW_USEC);
        claims = claims_of(&a);
        attestation_done(&a);
        payload = write_tmp("payload", claims);
        assert_true(asprintf(&jwks_path, "%s/ext.jwks", tmpdir) > 0);
        assert_true(asprintf(&tok_path, "%s/ext.token", tmpdir) > 0);
        assert_true(asprintf(&args, "sign %s %s %s %s", crv, payload, jwks_path, tok_path) > 0);
        r = jose(args, NULL, 0);
        if (r == 77)
                skip();
        assert_int_equal(r, 0);
        assert_int_equal(read_full_file(jwks_path, JWKS_SIZE_MAX, &doc, &doc_size), 0);
        assert_int_equal(read_full_file(tok_path, JWT_SIZE_MAX, &tok, &tok_size), 0);
        assert_int_equal(jws_key_set_parse((char *) doc, doc_size, &keys), 0);
        assert_int_equal(keys.n, 1);
        assert_int_equal(jws_verify((char *) tok, tok_size - 1, &keys, &got), 0);
        assert_int_equal(ear_claims_check(got, NOW_USEC / 1000000u), 0);
        assert_string_equal(json_object_to_json_string_ext(got, JSON_TEXT_PLAIN), claims);
}

static void test_independent_sign(void **state) {
        independent_sign("P-256");
        independent_sign("P-384");
}

/* The token with one of its parts replaced. */
static char *replace_part(const char *t, unsigned part, const char *text) {
        _cleanup_free_ char *b64 = jws_base64url_encode(text, strlen(text));
        const char *d1 = strchr(t, '.'), *d2 = strchr(d1 + 1, '.');
        char *out = NULL;

        if (part == 0)
                assert_true(asprintf(&out, "%s%s", b64, d1) > 0);
        else
                assert_true(asprintf(&out, "%.*s%s%s", (int) (d1 - t + 1), t, b64, d2) > 0);
        return out;
}

static void test_tampered(void **state) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new("P-256");
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *t = token_new(key, NOW_USEC), *h = NULL, *p = NULL, *none = NULL, *crit = NULL,
                            *alg384 = NULL;
        char kid[JWS_KID_MAX + 1], text[256];

        keys_of(key, &keys);
        assert_int_equal(jws_key_thumbprint(key, kid), 0);
        assert_int_equal(verify(t, &keys), 0);

        (void) snprintf(text, sizeof text, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\",\"x\":1}", kid);
        h = replace_part(t, 0, text);
        assert_int_equal(verify(h, &keys), -EKEYREJECTED);
        p = replace_part(t, 1, "{\"eat_profile\":\"" EAR_PROFILE "\",\"sub\":\"other\"}");
        assert_int_equal(verify(p, &keys), -EKEYREJECTED);
        (void) snprintf(text, sizeof text, "{\"alg\":\"none\",\"kid\":\"%s\"}", kid);
        none = replace_part(t, 0, text);
        assert_int_equal(verify(none, &keys), -EOPNOTSUPP);
        (void) snprintf(text, sizeof text, "{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"exp\"]}", kid);
        crit = replace_part(t, 0, text);
        assert_int_equal(verify(crit, &keys), -EOPNOTSUPP);
        /* ES384 over a 64-byte signature: the size gives it away. */
        (void) snprintf(text, sizeof text, "{\"alg\":\"ES384\",\"kid\":\"%s\"}", kid);
        alg384 = replace_part(t, 0, text);
        assert_int_equal(verify(alg384, &keys), -EBADMSG);

        t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
        assert_int_equal(verify(t, &keys), -EKEYREJECTED);
}

static void test_unknown_kid(void **state) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new("P-256"), *other = key_new("P-256");
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *t = token_new(key, NOW_USEC);

        keys_of(other, &keys);
        assert_int_equal(verify(t, &keys), -ENOKEY);
}

/* A key set whose key has the token's kid but is another key. */
static void test_wrong_key_same_kid(void **state) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new("P-256"), *other = key_new("P-256");
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *t = token_new(key, NOW_USEC);

        keys_of(other, &keys);
        assert_int_equal(jws_key_thumbprint(key, keys.keys[0].kid), 0);
        assert_int_equal(verify(t, &keys), -EKEYREJECTED);
}

static void test_expired_and_profile(void **state) {
        _cleanup_json_ json_object *c = NULL;
        _cleanup_free_ char *claims = NULL;
        Attestation a;

        attestation_pass(&a, NOW_USEC);
        claims = claims_of(&a);
        attestation_done(&a);
        assert_int_equal(json_parse_object(claims, strlen(claims), &c), 0);
        assert_int_equal(ear_claims_check(c, NOW_USEC / 1000000u + MAX_AGE - 1), 0);
        assert_int_equal(ear_claims_check(c, NOW_USEC / 1000000u + MAX_AGE), -ESTALE);
        json_object_object_add(c, "eat_profile", json_object_new_string("tag:example.com,2024:other"));
        assert_int_equal(ear_claims_check(c, NOW_USEC / 1000000u), -EPROTO);
        json_object_object_del(c, "eat_profile");
        assert_int_equal(ear_claims_check(c, NOW_USEC / 1000000u), -EBADMSG);
}

static void test_claims_missing(void **state) {
        static const char *const bad[] = {
                "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,\"submods\":{},\"ear.verifier-id\":{}}",
                "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,\"exp\":\"2\",\"submods\":{},\"ear.verifier-id\":{}}",
                "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,\"exp\":2,\"ear.verifier-id\":{}}",
                "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,\"exp\":2,\"submods\":[],\"ear.verifier-id\":{}}",
                "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":3,\"exp\":2,\"submods\":{},\"ear.verifier-id\":{}}",
                "{\"eat_profile\":1,\"iat\":1,\"exp\":2,\"submods\":{},\"ear.verifier-id\":{}}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                _cleanup_json_ json_object *c = NULL;
                assert_int_equal(json_parse_object(bad[i], strlen(bad[i]), &c), 0);
                assert_int_equal(ear_claims_check(c, 0), -EBADMSG);
        }
}

static void test_broken_chain(void **state) {
        static const EarAppraisal l[] = {
                { "tpm", "11", EAR_STATUS_NONE },
                { "ima", "33", EAR_STATUS_NONE },
        };
        _cleanup_json_ json_object *c = NULL;
        _cleanup_free_ char *claims = NULL;
        Attestation a = { .updated_usec = NOW_USEC };

        a.failure_reason = strdup("broken_evidence_chain");
        a.appraisal = ear_appraisals_to_json(l, 2);
        claims = claims_of(&a);
        attestation_done(&a);
        assert_int_equal(json_parse_object(claims, strlen(claims), &c), 0);
        assert_string_equal(member_string(submod(c, "tpm"), "ear.status"), "contraindicated");
        assert_int_equal(vector_claim(submod(c, "tpm"), "instance-identity"), 99);
        assert_string_equal(member_string(submod(c, "ima"), "ear.status"), "contraindicated");
        assert_int_equal(vector_claim(submod(c, "ima"), "executables"), 99);
}

/* A failed mb policy, a warning from a third-party engine, a node without policies. */
static void test_statuses(void **state) {
        static const EarAppraisal l[] = {
                { "mb", "22", EAR_STATUS_CONTRAINDICATED },
                { "opa", "44", EAR_STATUS_WARNING },
        };
        _cleanup_json_ json_object *c = NULL, *bare = NULL;
        _cleanup_free_ char *claims = NULL, *bare_claims = NULL;
        Attestation a = { .updated_usec = NOW_USEC };

        a.appraisal = ear_appraisals_to_json(l, 2);
        claims = claims_of(&a);
        attestation_done(&a);
        assert_int_equal(json_parse_object(claims, strlen(claims), &c), 0);
        assert_string_equal(member_string(submod(c, "tpm"), "ear.status"), "affirming");
        assert_string_equal(member_string(submod(c, "mb"), "ear.status"), "contraindicated");
        assert_int_equal(vector_claim(submod(c, "mb"), "executables"), 96);
        assert_string_equal(member_string(submod(c, "opa"), "ear.status"), "warning");

        a = (Attestation) { .updated_usec = NOW_USEC };
        bare_claims = claims_of(&a);
        assert_int_equal(json_parse_object(bare_claims, strlen(bare_claims), &bare), 0);
        assert_string_equal(member_string(submod(bare, "tpm"), "ear.status"), "affirming");
        assert_false(json_object_object_get_ex(submod(bare, "tpm"), "ear.appraisal-policy-id", NULL));
}

static void test_appraisals_json(void **state) {
        static const char *const bad[] = {
                "{}", "[1]", "[{\"engine\":\"mb\",\"policy\":\"1\"}]",
                "[{\"engine\":\"mb\",\"policy\":\"1\",\"status\":\"great\"}]",
                "[{\"engine\":\"an-engine-name-longer-than-32-bytes\",\"policy\":\"1\",\"status\":\"none\"}]",
        };
        EarAppraisal *l = NULL;
        size_t n;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(ear_appraisals_from_json(bad[i], &l, &n), -EBADMSG);
        assert_int_equal(ear_appraisals_from_json("[{\"engine\":\"mb\",\"policy\":\"ab\",\"status\":\"warning\"}]", &l, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(l[0].engine, "mb");
        assert_int_equal(l[0].status, EAR_STATUS_WARNING);
        free(l);
}

static void test_malformed_tokens(void **state) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new("P-256");
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *big = malloc(JWT_SIZE_MAX + 2), *notjson = NULL, *array = NULL, *nokid = NULL, *noalg = NULL;
        static const char *const bad[] = {
                "", ".", "..", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "e30.e30.a+b", "e30.e30.ab=",
                "e30.e30.YQ", "e30=.e30.YQ",
        };
        json_object *c = NULL;

        keys_of(key, &keys);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(verify(bad[i], &keys), -EBADMSG);
        assert_int_equal(jws_verify("e30.e\0.YQ", 9, &keys, &c), -EBADMSG);
        memset(big, 'A', JWT_SIZE_MAX + 1);
        big[10] = big[20] = '.';
        big[JWT_SIZE_MAX + 1] = '\0';
        assert_int_equal(verify(big, &keys), -E2BIG);
        notjson = replace_part("e30.e30.YQ", 0, "not json");
        assert_int_equal(verify(notjson, &keys), -EBADMSG);
        array = replace_part("e30.e30.YQ", 0, "[\"ES256\"]");
        assert_int_equal(verify(array, &keys), -EBADMSG);
        nokid = replace_part("e30.e30.YQ", 0, "{\"alg\":\"ES256\"}");
        assert_int_equal(verify(nokid, &keys), -EBADMSG);
        noalg = replace_part("e30.e30.YQ", 0, "{\"kid\":\"k\"}");
        assert_int_equal(verify(noalg, &keys), -EBADMSG);
}

static int parse_set(const char *doc) {
        JwsKeySet s = {};
        int r = jws_key_set_parse(doc, strlen(doc), &s);
        jws_key_set_done(&s);
        return r;
}

static void test_jwks_parse(void **state) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = key_new("P-256");
        static const char skipped[] = "{\"keys\":[{\"kty\":\"RSA\"},{\"kty\":\"EC\",\"crv\":\"P-521\"},"
                                      "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\"}]}";
        _cleanup_free_ char *good = jwks_of(key), *many = NULL, *offcurve = NULL;
        json_object *jwk = NULL;
        JwsKeySet s = {};
        const char *x;

        assert_int_equal(parse_set("not json"), -EBADMSG);
        assert_int_equal(parse_set("{}"), -EBADMSG);
        assert_int_equal(parse_set("{\"keys\":{}}"), -EBADMSG);
        assert_int_equal(parse_set("{\"keys\":[1]}"), -EBADMSG);
        assert_int_equal(parse_set("{\"keys\":[{\"crv\":\"P-256\"}]}"), -EBADMSG);       /* no kty */
        assert_int_equal(parse_set("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k\",\"x\":\"AA\",\"y\":\"AA\"}]}"),
                         -EBADMSG);                                                     /* short coordinates */
        /* Other key types, curves and uses are not ours: skipped. */
        assert_int_equal(jws_key_set_parse(skipped, strlen(skipped), &s), 0);
        assert_int_equal(s.n, 0);
        jws_key_set_done(&s);

        assert_int_equal(jws_key_to_jwk(key, &jwk), 0);
        assert_int_equal(json_get_string_required(jwk, "x", 64, &x), 0);
        /* Without a kid no token can name the key: skipped. A kid beyond JWS_KID_MAX: refused. */
        {
                _cleanup_free_ char *nokid = NULL, *longkid = NULL;
                const char *y;

                assert_int_equal(json_get_string_required(jwk, "y", 64, &y), 0);
                assert_true(asprintf(&nokid, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
                                     x, y) > 0);
                assert_int_equal(jws_key_set_parse(nokid, strlen(nokid), &s), 0);
                assert_int_equal(s.n, 0);
                jws_key_set_done(&s);
                assert_true(asprintf(&longkid, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\","
                                     "\"kid\":\"%065d\"}]}", x, y, 0) > 0);
                assert_int_equal(parse_set(longkid), -EBADMSG);
        }
        /* y := x is (almost surely) off the curve: refused. */
        assert_true(asprintf(&offcurve, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k\",\"x\":\"%s\",\"y\":\"%s\"}]}",
                             x, x) > 0);
        assert_int_equal(parse_set(offcurve), -EBADMSG);
        json_object_put(jwk);

        /* Beyond JWKS_KEYS_MAX usable keys. */
        many = malloc(strlen(good) * (JWKS_KEYS_MAX + 1) + 16);
        assert_non_null(many);
        /* {"keys":[JWK]} → {"keys":[JWK,JWK,…]} */
        const char *k = strchr(good, '[') + 1;
        size_t klen = strlen(k) - 2, n = 0;
        n += (size_t) sprintf(many, "{\"keys\":[");
        for (unsigned i = 0; i <= JWKS_KEYS_MAX; i++) {
                memcpy(many + n, k, klen);
                n += klen;
                n += (size_t) sprintf(many + n, "%s", i < JWKS_KEYS_MAX ? "," : "]}");
        }
        assert_int_equal(parse_set(many), -E2BIG);
        assert_int_equal(parse_set(good), 0);
}

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;
        return asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0 && system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        static const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_es256),
                cmocka_unit_test(test_roundtrip_es384),
                cmocka_unit_test(test_independent_verify),
                cmocka_unit_test(test_independent_sign),
                cmocka_unit_test(test_tampered),
                cmocka_unit_test(test_unknown_kid),
                cmocka_unit_test(test_wrong_key_same_kid),
                cmocka_unit_test(test_expired_and_profile),
                cmocka_unit_test(test_claims_missing),
                cmocka_unit_test(test_broken_chain),
                cmocka_unit_test(test_statuses),
                cmocka_unit_test(test_appraisals_json),
                cmocka_unit_test(test_malformed_tokens),
                cmocka_unit_test(test_jwks_parse),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
