/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/pem.h>

#include "hexdecode.h"
#include "pcr-blob.h"
#include "quote-verify.h"
#include "test-data.h"
#include "tpm2-public.h"
#include "tpm2-test-attest.h"

static const uint8_t nonce[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
#define MASK ((1u << 0) | (1u << 1) | (1u << 16))

typedef struct Scenario {
        EVP_PKEY *key;
        uint16_t scheme, hash;
        uint32_t magic;
        uint16_t type;
        PcrValues pcrs;          /* what the host reports */
        TestBuf attest, sig;
} Scenario;

static void values(PcrValues *v, uint16_t bank, uint32_t mask) {
        memset(v, 0, sizeof(*v));
        v->selection.count = v->n_banks = 1;
        v->selection.banks[0].hash_alg = bank;
        v->selection.banks[0].mask = mask;
        v->banks[0].alg = hash_alg_from_tpm_id(bank);
        v->banks[0].mask = mask;
        for (unsigned p = 0; p < 24; p++)
                memset(v->banks[0].values[p], (int) p + 1, v->banks[0].alg->size);
}

/* Builds a quote the way a TPM would: over the given values, signed by key. */
static void build(Scenario *s, uint16_t bank) {
        const HashAlg *h = hash_alg_from_tpm_id(s->hash);
        uint8_t digest[64];

        values(&s->pcrs, bank, MASK);
        assert_int_equal(pcr_values_digest(&s->pcrs, &s->pcrs.selection, h, digest), 0);
        s->attest.size = 0;
        test_attest_quote(&s->attest, s->magic ?: TPM2_GENERATED_VALUE, s->type ?: TPM2_ST_ATTEST_QUOTE,
                          nonce, sizeof(nonce), bank, MASK, digest, h->size);
        test_sign(s->key, s->scheme, s->hash, s->attest.data, s->attest.size, &s->sig);
}

static int verify(Scenario *s, const QuoteVerifyParams *override, AttestVerdict *v, QuoteResult *res) {
        QuoteVerifyParams p = { .ak = s->key, .nonce = nonce, .nonce_size = sizeof(nonce) };
        if (override)
                p = *override;
        return quote_verify(&p, s->attest.data, s->attest.size, s->sig.data, s->sig.size, &s->pcrs, v, res);
}

static AttestVerdict verdict(Scenario *s, const QuoteVerifyParams *override) {
        AttestVerdict v;
        assert_int_equal(verify(s, override, &v, NULL), 0);
        return v;
}

static void test_keylime_fixture(void **state) {
        _cleanup_free_ uint8_t *msg = NULL, *sig = NULL, *blob = NULL, *pem = NULL;
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v));
        _cleanup_free_ QuoteResult *res = calloc(1, sizeof(*res));
        size_t m, s, b, n;
        uint8_t kl_nonce[20];
        AttestVerdict verdict_;
        EVP_PKEY *ak;
        BIO *bio;

        test_data_read("tpm/keylime/files/quote.out", &msg, &m);
        test_data_read("tpm/keylime/files/quotesig.out", &sig, &s);
        test_data_read("tpm/keylime/files/quotepcr.out", &blob, &b);
        test_data_read("tpm/keylime/files/akpub.pem", &pem, &n);
        bio = BIO_new_mem_buf(pem, (int) n);
        ak = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        assert_non_null(ak);
        assert_int_equal(hex_decode_into("db1db298db6d60e6385b7231743e9c3056a18003", 40, kl_nonce, 20), 0);
        assert_int_equal(pcr_blob_parse(blob, b, v), 0);

        QuoteVerifyParams p = { .ak = ak, .nonce = kl_nonce, .nonce_size = 20 };
        assert_int_equal(quote_verify(&p, msg, m, sig, s, v, &verdict_, res), 0);
        assert_int_equal(verdict_, ATTEST_VALID);
        assert_int_equal(res->clock_info.clock, 5994);
        assert_true(res->clock_info.safe);
        assert_int_equal(res->firmware_version, UINT64_C(0x2016051100162800));
        assert_int_equal(res->hash_alg, TPM2_ALG_SHA256);
        assert_int_equal(res->sig_alg, TPM2_ALG_RSASSA);
        assert_int_equal(res->pcrs.banks[0].mask, (1u << 15) | (1u << 16) | (1u << 22));

        kl_nonce[0] ^= 1;
        assert_int_equal(quote_verify(&p, msg, m, sig, s, v, &verdict_, res), 0);
        assert_int_equal(verdict_, ATTEST_NONCE_MISMATCH);
        EVP_PKEY_free(ak);
}

/* Fresh swtpm quotes (tests/data/tpm/swtpm/generate.sh): verify with the AK's TPM2B_PUBLIC. */
static void swtpm_case(const char *ak_file, const char *base, uint16_t sig_alg, uint16_t hash, size_t n_banks) {
        _cleanup_free_ uint8_t *akbuf = NULL, *msg = NULL, *sig = NULL, *blob = NULL, *hex = NULL;
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v));
        _cleanup_free_ QuoteResult *res = calloc(1, sizeof(*res));
        _cleanup_(tpm2_public_freep) Tpm2Public *pub = NULL;
        uint8_t n[16];
        size_t a, m, s, b, h;
        char path[256];
        AttestVerdict verdict_;
        EVP_PKEY *ak;

        test_data_read(ak_file, &akbuf, &a);
        assert_int_equal(tpm2_public_parse(akbuf, a, &pub), 0);
        assert_int_equal(tpm2_public_to_evp_pkey(pub, &ak), 0);
        snprintf(path, sizeof(path), "tpm/swtpm/%s.msg", base);
        test_data_read(path, &msg, &m);
        snprintf(path, sizeof(path), "tpm/swtpm/%s.sig", base);
        test_data_read(path, &sig, &s);
        snprintf(path, sizeof(path), "tpm/swtpm/%s.pcrs", base);
        test_data_read(path, &blob, &b);
        test_data_read("tpm/swtpm/nonce.hex", &hex, &h);
        assert_int_equal(hex_decode_into((const char *) hex, 32, n, sizeof(n)), 0);
        assert_int_equal(pcr_blob_parse(blob, b, v), 0);

        QuoteVerifyParams p = { .ak = ak, .nonce = n, .nonce_size = sizeof(n) };
        assert_int_equal(quote_verify(&p, msg, m, sig, s, v, &verdict_, res), 0);
        assert_int_equal(verdict_, ATTEST_VALID);
        assert_int_equal(res->sig_alg, sig_alg);
        assert_int_equal(res->hash_alg, hash);
        assert_int_equal(res->pcrs.n_banks, n_banks);
        EVP_PKEY_free(ak);
}

static void test_swtpm_fixtures(void **state) {
        swtpm_case("tpm/swtpm/ak-p384.pub", "quote-multibank", TPM2_ALG_ECDSA, TPM2_ALG_SHA384, 2);
        swtpm_case("tpm/swtpm/ak-rsapss.pub", "quote-rsapss", TPM2_ALG_RSAPSS, TPM2_ALG_SHA256, 1);
}

static void valid_case(EVP_PKEY *key, uint16_t scheme, uint16_t hash, uint16_t bank) {
        Scenario *s = calloc(1, sizeof(*s));
        QuoteResult *res = calloc(1, sizeof(*res));
        AttestVerdict v;

        s->key = key;
        s->scheme = scheme;
        s->hash = hash;
        build(s, bank);
        assert_int_equal(verify(s, NULL, &v, res), 0);
        assert_int_equal(v, ATTEST_VALID);
        assert_int_equal(res->clock_info.clock, 123456);
        assert_int_equal(res->clock_info.reset_count, 7);
        assert_int_equal(res->clock_info.restart_count, 3);
        assert_int_equal(res->pcrs.banks[0].mask, MASK);
        free(res);
        free(s);
}

static void test_valid(void **state) {
        EVP_PKEY *rsa = test_key_rsa(2048), *ec = test_key_ec("prime256v1"), *ec384 = test_key_ec("secp384r1");

        valid_case(rsa, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, TPM2_ALG_SHA1);
        valid_case(rsa, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, TPM2_ALG_SHA256);
        valid_case(rsa, TPM2_ALG_RSAPSS, TPM2_ALG_SHA384, TPM2_ALG_SHA256);
        valid_case(ec, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, TPM2_ALG_SHA1);
        valid_case(ec384, TPM2_ALG_ECDSA, TPM2_ALG_SHA512, TPM2_ALG_SHA384);
        EVP_PKEY_free(rsa);
        EVP_PKEY_free(ec);
        EVP_PKEY_free(ec384);
}

static Scenario *scenario(void) {
        Scenario *s = calloc(1, sizeof(*s));
        s->key = test_key_ec("prime256v1");
        s->scheme = TPM2_ALG_ECDSA;
        s->hash = TPM2_ALG_SHA256;
        return s;
}

static void scenario_free(Scenario *s) {
        EVP_PKEY_free(s->key);
        free(s);
}

static void test_hash_disallowed(void **state) {
        Scenario *s = scenario();
        QuoteVerifyParams p = { .ak = s->key, .nonce = nonce, .nonce_size = sizeof(nonce),
                                .allowed_hash_mask = TPM2_ALG_BIT(TPM2_ALG_SHA1) };

        s->hash = TPM2_ALG_SHA1;
        build(s, TPM2_ALG_SHA256);
        /* SHA-1 is out of the default set, in when asked for. */
        assert_int_equal(verdict(s, NULL), ATTEST_HASH_ALG_DISALLOWED);
        assert_int_equal(verdict(s, &p), ATTEST_VALID);
        scenario_free(s);
}

static void test_sig_disallowed(void **state) {
        Scenario *s = scenario();
        QuoteVerifyParams p = { .ak = s->key, .nonce = nonce, .nonce_size = sizeof(nonce),
                                .allowed_sig_mask = TPM2_ALG_BIT(TPM2_ALG_RSASSA) };
        build(s, TPM2_ALG_SHA256);
        assert_int_equal(verdict(s, &p), ATTEST_SIG_ALG_DISALLOWED);
        scenario_free(s);
}

static void test_key_mismatch(void **state) {
        Scenario *s = scenario();
        EVP_PKEY *rsa = test_key_rsa(2048);
        QuoteVerifyParams p = { .ak = rsa, .nonce = nonce, .nonce_size = sizeof(nonce) };
        build(s, TPM2_ALG_SHA256);
        assert_int_equal(verdict(s, &p), ATTEST_KEY_MISMATCH);
        EVP_PKEY_free(rsa);
        scenario_free(s);
}

static void test_bad_signature(void **state) {
        Scenario *s = scenario();
        EVP_PKEY *other = test_key_ec("prime256v1");
        QuoteVerifyParams p = { .ak = other, .nonce = nonce, .nonce_size = sizeof(nonce) };

        build(s, TPM2_ALG_SHA256);
        assert_int_equal(verdict(s, &p), ATTEST_BAD_SIGNATURE);
        s->attest.data[50] ^= 1;
        assert_int_equal(verdict(s, NULL), ATTEST_BAD_SIGNATURE);
        EVP_PKEY_free(other);
        scenario_free(s);
}

static void test_not_tpm_generated(void **state) {
        Scenario *s = scenario();
        s->magic = 0xff544348;
        build(s, TPM2_ALG_SHA256);
        assert_int_equal(verdict(s, NULL), ATTEST_NOT_TPM_GENERATED);
        scenario_free(s);
}

static void test_wrong_type(void **state) {
        static const uint8_t name[34] = { 0, 0x0b };
        Scenario *s = scenario();
        build(s, TPM2_ALG_SHA256);
        s->attest.size = 0;
        test_attest_certify(&s->attest, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY, nonce, sizeof(nonce), name, sizeof(name));
        test_sign(s->key, s->scheme, s->hash, s->attest.data, s->attest.size, &s->sig);
        assert_int_equal(verdict(s, NULL), ATTEST_WRONG_TYPE);
        scenario_free(s);
}

static void test_nonce_mismatch(void **state) {
        Scenario *s = scenario();
        QuoteVerifyParams p = { .ak = s->key, .nonce = nonce, .nonce_size = sizeof(nonce) - 1 };
        build(s, TPM2_ALG_SHA256);
        assert_int_equal(verdict(s, &p), ATTEST_NONCE_MISMATCH);
        p.nonce_size = 0;
        assert_int_equal(verdict(s, &p), ATTEST_NONCE_MISMATCH);
        scenario_free(s);
}

static void test_selection_mismatch(void **state) {
        Scenario *s = scenario();
        build(s, TPM2_ALG_SHA256);
        /* Host reports more PCRs than were quoted. */
        s->pcrs.selection.banks[0].mask |= 1u << 7;
        assert_int_equal(verdict(s, NULL), ATTEST_PCR_SELECTION_MISMATCH);
        /* Or the right PCRs of another bank. */
        values(&s->pcrs, TPM2_ALG_SHA1, MASK);
        assert_int_equal(verdict(s, NULL), ATTEST_PCR_SELECTION_MISMATCH);
        scenario_free(s);
}

static void test_selection_without_values(void **state) {
        Scenario *s = scenario();
        build(s, TPM2_ALG_SHA256);
        /* Selection claims PCR 16 but no value came with it. */
        s->pcrs.banks[0].mask &= ~(1u << 16);
        assert_int_equal(verdict(s, NULL), ATTEST_PCR_SELECTION_MISMATCH);
        scenario_free(s);
}

static void test_digest_mismatch(void **state) {
        Scenario *s = scenario();
        build(s, TPM2_ALG_SHA256);
        s->pcrs.banks[0].values[16][5] ^= 1;
        assert_int_equal(verdict(s, NULL), ATTEST_PCR_DIGEST_MISMATCH);
        scenario_free(s);
}

static void test_unusable_input(void **state) {
        Scenario *s = scenario();
        AttestVerdict v = _ATTEST_VERDICT_MAX;
        build(s, TPM2_ALG_SHA256);
        s->attest.size--;
        assert_int_equal(verify(s, NULL, &v, NULL), -EBADMSG);
        s->attest.size++;
        s->sig.size--;
        assert_int_equal(verify(s, NULL, &v, NULL), -EBADMSG);
        assert_int_equal(v, _ATTEST_VERDICT_MAX);
        scenario_free(s);
}

static void test_verdict_strings(void **state) {
        for (AttestVerdict v = 0; v < _ATTEST_VERDICT_MAX; v++) {
                assert_non_null(attest_verdict_to_string(v));
                assert_non_null(attest_verdict_to_message(v));
        }
        assert_null(attest_verdict_to_string(_ATTEST_VERDICT_MAX));
        assert_string_equal(attest_verdict_to_string(ATTEST_PCR_DIGEST_MISMATCH), "pcr_digest_mismatch");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_fixture),
                cmocka_unit_test(test_swtpm_fixtures),
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_hash_disallowed),
                cmocka_unit_test(test_sig_disallowed),
                cmocka_unit_test(test_key_mismatch),
                cmocka_unit_test(test_bad_signature),
                cmocka_unit_test(test_not_tpm_generated),
                cmocka_unit_test(test_wrong_type),
                cmocka_unit_test(test_nonce_mismatch),
                cmocka_unit_test(test_selection_mismatch),
                cmocka_unit_test(test_selection_without_values),
                cmocka_unit_test(test_digest_mismatch),
                cmocka_unit_test(test_unusable_input),
                cmocka_unit_test(test_verdict_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
