/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "secret-release.h"
#include "secret-wrap.h"
#include "tpm2-public.h"
#include "tpm2-test-attest.h"

#define DECRYPT_KEY (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
                     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT)
#define NOW (UINT64_C(1700000000) * 1000000)
#define MAX_AGE (UINT64_C(300) * 1000000)

/* One node: its AK, a fresh decryption key, and a certification of that key
 * by the AK over a challenge. */
typedef struct Node {
        EVP_PKEY *ak, *dk_priv;
        uint8_t dk_public[1200];
        size_t dk_public_size;
        Tpm2Public *dk;
        uint8_t challenge[32];
        TestBuf attest, sig;
} Node;

static void certify(Node *n, EVP_PKEY *signer, const Tpm2Public *certified, const uint8_t challenge[32], uint32_t magic) {
        n->attest.size = 0;
        test_attest_certify(&n->attest, magic, TPM2_ST_ATTEST_CERTIFY, challenge, 32,
                            certified->name, certified->name_size);
        test_sign(signer, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, n->attest.data, n->attest.size, &n->sig);
}

static Node *make_node(TPMA_OBJECT dk_attributes, uint8_t challenge_byte) {
        Node *n = calloc(1, sizeof(*n));
        TPMT_PUBLIC t;

        n->ak = test_key_ec("prime256v1");
        n->dk_priv = test_key_rsa(2048);
        test_tpmt_from_key(n->dk_priv, false, TPM2_ALG_NULL, 0, &t);
        t.objectAttributes = dk_attributes;
        n->dk_public_size = test_marshal_tpm2b_public(&t, n->dk_public);
        assert_int_equal(tpm2_public_parse(n->dk_public, n->dk_public_size, &n->dk), 0);
        memset(n->challenge, challenge_byte, sizeof(n->challenge));
        certify(n, n->ak, n->dk, n->challenge, TPM2_GENERATED_VALUE);
        return n;
}

static void free_node(Node *n) {
        EVP_PKEY_free(n->ak);
        EVP_PKEY_free(n->dk_priv);
        tpm2_public_free(n->dk);
        free(n);
}

static const SecretNodeStatus passed_now = { .verdict = "PASS", .last_attestation_usec = NOW - 1000000 };

/* The checks for node n's request as the verifier sees it: its AK, the
 * challenge it issued. */
static SecretRefusal check(Node *n, EVP_PKEY *registered_ak, const uint8_t *issued,
                           const SecretNodeStatus *status, Tpm2Public **ret_key) {
        SecretReleaseRequest req = {
                .ak = registered_ak,
                .challenge = issued,
                .challenge_size = 32,
                .key_public = n->dk_public,
                .key_public_size = n->dk_public_size,
                .certify_attest = n->attest.data,
                .certify_attest_size = n->attest.size,
                .certify_signature = n->sig.data,
                .certify_signature_size = n->sig.size,
        };
        SecretRefusal refusal = _SECRET_REFUSAL_MAX;

        assert_int_equal(secret_release_check(&req, status, NOW, MAX_AGE, &refusal, ret_key), 0);
        return refusal;
}

static void test_released(void **state) {
        Node *n = make_node(DECRYPT_KEY, 0xa5);
        Tpm2Public *key = NULL;
        SecretWrapped w = {};

        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, &key), SECRET_RELEASE_OK);
        assert_non_null(key);
        assert_memory_equal(key->name, n->dk->name, n->dk->name_size);
        assert_int_equal(secret_wrap(key, NULL, 0, (const uint8_t *) "s", 1, &w), 0);
        secret_wrapped_done(&w);
        tpm2_public_free(key);
        free_node(n);
}

/* A TERMINATED node that just passed its last attestation fetches too: only
 * the verdict and its age count here. */
static void test_released_at_window_edge(void **state) {
        Node *n = make_node(DECRYPT_KEY, 1);
        SecretNodeStatus edge = { .verdict = "pass", .last_attestation_usec = NOW - MAX_AGE };

        assert_int_equal(check(n, n->ak, n->challenge, &edge, NULL), SECRET_RELEASE_OK);
        free_node(n);
}

static void test_refused_stale_pass(void **state) {
        Node *n = make_node(DECRYPT_KEY, 2);
        SecretNodeStatus old = { .verdict = "PASS", .last_attestation_usec = NOW - MAX_AGE - 1 };
        SecretNodeStatus never = { .verdict = "PASS", .last_attestation_usec = 0 };
        SecretNodeStatus future = { .verdict = "PASS", .last_attestation_usec = NOW + 1 };
        Tpm2Public *key = NULL;

        assert_int_equal(check(n, n->ak, n->challenge, &old, &key), SECRET_REFUSED_STALE);
        assert_null(key);
        assert_int_equal(check(n, n->ak, n->challenge, &never, NULL), SECRET_REFUSED_STALE);
        assert_int_equal(check(n, n->ak, n->challenge, &future, NULL), SECRET_REFUSED_STALE);
        free_node(n);
}

static void test_refused_not_passing(void **state) {
        Node *n = make_node(DECRYPT_KEY, 3);
        SecretNodeStatus failed = { .verdict = "FAIL", .last_attestation_usec = NOW };
        SecretNodeStatus pending = { .verdict = "PENDING", .last_attestation_usec = NOW };
        SecretNodeStatus none = { .verdict = NULL, .last_attestation_usec = NOW };

        assert_int_equal(check(n, n->ak, n->challenge, &failed, NULL), SECRET_REFUSED_NOT_PASSING);
        assert_int_equal(check(n, n->ak, n->challenge, &pending, NULL), SECRET_REFUSED_NOT_PASSING);
        assert_int_equal(check(n, n->ak, n->challenge, &none, NULL), SECRET_REFUSED_NOT_PASSING);
        free_node(n);
}

/* A certification made for an earlier challenge is useless with the next one. */
static void test_refused_replayed_certification(void **state) {
        Node *n = make_node(DECRYPT_KEY, 4);
        uint8_t next[32];

        memset(next, 5, sizeof(next));
        assert_int_equal(check(n, n->ak, next, &passed_now, NULL), SECRET_REFUSED_CHALLENGE);
        free_node(n);
}

/* Another node (another TPM, another AK) cannot fetch this node's secret. */
static void test_refused_other_node(void **state) {
        Node *a = make_node(DECRYPT_KEY, 6), *b = make_node(DECRYPT_KEY, 6);

        /* b's request, certified by b's AK, sent to a's endpoint. */
        assert_int_equal(check(b, a->ak, a->challenge, &passed_now, NULL), SECRET_REFUSED_CERTIFICATION);
        free_node(a);
        free_node(b);
}

/* The certification is of another key than the one the secret would be wrapped to. */
static void test_refused_wrong_key_certification(void **state) {
        Node *n = make_node(DECRYPT_KEY, 7), *other = make_node(DECRYPT_KEY, 7);

        certify(n, n->ak, other->dk, n->challenge, TPM2_GENERATED_VALUE);
        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, NULL), SECRET_REFUSED_WRONG_KEY);
        free_node(n);
        free_node(other);
}

static void test_refused_not_tpm_generated(void **state) {
        Node *n = make_node(DECRYPT_KEY, 8);

        certify(n, n->ak, n->dk, n->challenge, 0x12345678);
        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, NULL), SECRET_REFUSED_CERTIFICATION);
        n->attest.size = 10;   /* truncated */
        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, NULL), SECRET_REFUSED_CERTIFICATION);
        free_node(n);
}

static void test_refused_key_not_tpm_bound(void **state) {
        Node *n = make_node(DECRYPT_KEY & ~TPMA_OBJECT_FIXEDTPM, 9);
        Node *s = make_node(DECRYPT_KEY | TPMA_OBJECT_SIGN_ENCRYPT, 9);

        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, NULL), SECRET_REFUSED_KEY_NOT_TPM_BOUND);
        assert_int_equal(check(s, s->ak, s->challenge, &passed_now, NULL), SECRET_REFUSED_KEY_NOT_TPM_BOUND);
        free_node(n);
        free_node(s);
}

static void test_refused_bad_key(void **state) {
        Node *n = make_node(DECRYPT_KEY, 10);

        n->dk_public_size -= 1;   /* truncated TPM2B_PUBLIC */
        assert_int_equal(check(n, n->ak, n->challenge, &passed_now, NULL), SECRET_REFUSED_BAD_KEY);
        free_node(n);
}

static void test_refusal_names(void **state) {
        for (SecretRefusal r = 0; r < _SECRET_REFUSAL_MAX; r++) {
                assert_non_null(secret_refusal_to_string(r));
                assert_non_null(secret_refusal_to_message(r));
        }
        assert_null(secret_refusal_to_string(_SECRET_REFUSAL_MAX));
        assert_string_equal(secret_refusal_to_string(SECRET_REFUSED_STALE), "stale_attestation");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_released),
                cmocka_unit_test(test_released_at_window_edge),
                cmocka_unit_test(test_refused_stale_pass),
                cmocka_unit_test(test_refused_not_passing),
                cmocka_unit_test(test_refused_replayed_certification),
                cmocka_unit_test(test_refused_other_node),
                cmocka_unit_test(test_refused_wrong_key_certification),
                cmocka_unit_test(test_refused_not_tpm_generated),
                cmocka_unit_test(test_refused_key_not_tpm_bound),
                cmocka_unit_test(test_refused_bad_key),
                cmocka_unit_test(test_refusal_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
