/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tss2/tss2_tpm2_types.h>

#include "pcr-blob.h"
#include "test-data.h"
#include "tpm2-attest.h"

/* Layout offsets of the tpm2-tools file. */
#define SEL_SIZE 132u
#define LIST_SIZE 532u

static PcrValues *fixture(uint8_t **ret_buf, size_t *ret_size) {
        PcrValues *v = calloc(1, sizeof(*v));
        assert_non_null(v);
        test_data_read("tpm/keylime/files/quotepcr.out", ret_buf, ret_size);
        assert_int_equal(pcr_blob_parse(*ret_buf, *ret_size, v), 0);
        return v;
}

static void test_keylime_pcrs(void **state) {
        _cleanup_free_ uint8_t *buf = NULL, *again = NULL, *quote = NULL;
        _cleanup_free_ PcrValues *v = NULL;
        uint8_t digest[32];
        size_t n, m, q;
        Tpm2Attest a;

        v = fixture(&buf, &n);
        assert_int_equal(v->n_banks, 1);
        assert_int_equal(v->banks[0].alg->tpm_alg_id, TPM2_ALG_SHA256);
        assert_int_equal(v->banks[0].mask, (1u << 15) | (1u << 16) | (1u << 22));
        assert_int_equal(v->banks[0].values[22][0], 0xff);
        assert_int_equal(v->banks[0].values[16][0], 0x9d);
        assert_non_null(pcr_values_bank(v, TPM2_ALG_SHA256));
        assert_null(pcr_values_bank(v, TPM2_ALG_SHA1));

        /* The values digest to the quote's pcrDigest. */
        test_data_read("tpm/keylime/files/quote.out", &quote, &q);
        assert_int_equal(tpm2_attest_parse(quote, q, &a), 0);
        assert_true(pcr_selection_equal(&a.quote.pcr_select, &v->selection));
        assert_int_equal(pcr_values_digest(v, &a.quote.pcr_select, hash_alg_from_tpm_id(TPM2_ALG_SHA256), digest), 0);
        assert_memory_equal(digest, a.quote.pcr_digest, 32);

        /* Serialising gives the tpm2-tools file back byte for byte. */
        assert_int_equal(pcr_blob_serialize(v, &again, &m), 0);
        assert_int_equal(m, n);
        assert_memory_equal(again, buf, n);
}

static void test_many_values_roundtrip(void **state) {
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v)), *w = calloc(1, sizeof(*w));
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        /* Two banks, 24 PCRs each: six TPML_DIGEST lists. */
        v->selection.count = v->n_banks = 2;
        v->selection.banks[0].hash_alg = TPM2_ALG_SHA1;
        v->selection.banks[1].hash_alg = TPM2_ALG_SHA256;
        for (size_t i = 0; i < 2; i++) {
                v->selection.banks[i].mask = 0xffffff;
                v->banks[i].alg = hash_alg_from_tpm_id(v->selection.banks[i].hash_alg);
                v->banks[i].mask = 0xffffff;
                for (unsigned p = 0; p < 24; p++)
                        memset(v->banks[i].values[p], (int) (p + 24 * i), v->banks[i].alg->size);
        }
        assert_int_equal(pcr_blob_serialize(v, &buf, &n), 0);
        assert_int_equal(n, SEL_SIZE + 4 + 6 * LIST_SIZE);
        assert_int_equal(pcr_blob_parse(buf, n, w), 0);
        assert_int_equal(w->banks[1].values[23][0], 47);
        assert_int_equal(w->banks[0].values[0][19], 0);
        assert_int_equal(w->banks[1].mask, 0xffffff);
}

static void test_reject_truncated(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ PcrValues *v = NULL, *w = calloc(1, sizeof(*w));
        size_t n;

        v = fixture(&buf, &n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(pcr_blob_parse(buf, i, w), -EBADMSG);
}

static void test_reject_trailing(void **state) {
        _cleanup_free_ uint8_t *buf = NULL, *copy = NULL;
        _cleanup_free_ PcrValues *v = NULL, *w = calloc(1, sizeof(*w));
        size_t n;

        v = fixture(&buf, &n);
        copy = calloc(1, n + 1);
        memcpy(copy, buf, n);
        assert_int_equal(pcr_blob_parse(copy, n + 1, w), -EBADMSG);
}

/* Runs pcr_blob_parse on the fixture with one byte changed. */
static int mutate(size_t offset, uint8_t value) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ PcrValues *v = NULL, *w = calloc(1, sizeof(*w));
        size_t n;

        v = fixture(&buf, &n);
        buf[offset] = value;
        return pcr_blob_parse(buf, n, w);
}

static void test_limit_selection_count(void **state) {
        assert_int_equal(mutate(0, PCR_BLOB_SELECTION_SLOTS + 1), -EBADMSG);
}

static void test_limit_select_size(void **state) {
        assert_int_equal(mutate(4 + 2, TPM2_PCR_SELECT_SIZE_MAX + 1), -EBADMSG);
        /* sizeofSelect 4 is allowed: the fourth byte is zero here. */
        assert_int_equal(mutate(4 + 2, TPM2_PCR_SELECT_SIZE_MAX), 0);
}

static void test_reject_unknown_bank(void **state) {
        assert_int_equal(mutate(4, 0x10), -EBADMSG);
}

static void test_reject_duplicate_bank(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ PcrValues *v = NULL, *w = calloc(1, sizeof(*w));
        size_t n;

        v = fixture(&buf, &n);
        buf[0] = 2;
        memcpy(buf + 12, buf + 4, 8);
        assert_int_equal(pcr_blob_parse(buf, n, w), -EBADMSG);
}

/* One sha256 value in the first of n lists, the others empty: well formed but for the count of lists. */
static int lists_case(uint32_t n) {
        size_t size = SEL_SIZE + 4 + (size_t) n * LIST_SIZE;
        _cleanup_free_ uint8_t *buf = calloc(1, size);
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v));

        buf[0] = 1;                                     /* one selection */
        buf[4] = 0x0b;                                  /* sha256 */
        buf[6] = 3;                                     /* sizeofSelect */
        buf[7] = 0x01;                                  /* PCR 0 */
        memcpy(buf + SEL_SIZE, &(uint8_t[4]) { (uint8_t) n, (uint8_t) (n >> 8) }, 4);
        buf[SEL_SIZE + 4] = 1;                          /* first list: one digest */
        buf[SEL_SIZE + 8] = 32;                         /* of 32 bytes */
        return pcr_blob_parse(buf, size, v);
}

static void test_limit_digest_lists(void **state) {
        assert_int_equal(lists_case(PCR_BLOB_DIGEST_LISTS_MAX), 0);
        assert_int_equal(lists_case(PCR_BLOB_DIGEST_LISTS_MAX + 1), -EBADMSG);
        assert_int_equal(mutate(SEL_SIZE, PCR_BLOB_DIGEST_LISTS_MAX + 1), -EBADMSG);
}

static void test_limit_digests_per_list(void **state) {
        assert_int_equal(mutate(SEL_SIZE + 4, PCR_BLOB_DIGESTS_PER_LIST + 1), -EBADMSG);
}

static void test_reject_digest_size(void **state) {
        /* First value's size 0x20 → 0x14: does not fit the sha256 bank. */
        assert_int_equal(mutate(SEL_SIZE + 8, 0x14), -EBADMSG);
}

static void test_reject_too_few_values(void **state) {
        assert_int_equal(mutate(SEL_SIZE + 4, 2), -EBADMSG);
}

static void test_reject_too_many_values(void **state) {
        /* Four values for a selection of three. */
        assert_int_equal(mutate(SEL_SIZE + 4, 4), -EBADMSG);
}

static void test_reject_value_count_mismatch_lists(void **state) {
        /* N = 0 with a non-empty selection: the size check fails first. */
        assert_int_equal(mutate(SEL_SIZE, 0), -EBADMSG);
}

static void test_digest_missing_value(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ PcrValues *v = NULL;
        PcrSelection sel = { .count = 1, .banks = { { TPM2_ALG_SHA256, 1u << 3 } } };
        uint8_t d[32];
        size_t n;

        v = fixture(&buf, &n);
        assert_int_equal(pcr_values_digest(v, &sel, hash_alg_from_tpm_id(TPM2_ALG_SHA256), d), -ENOENT);
        sel.banks[0].hash_alg = TPM2_ALG_SHA1;
        assert_int_equal(pcr_values_digest(v, &sel, hash_alg_from_tpm_id(TPM2_ALG_SHA256), d), -ENOENT);
}

static void test_selection_equal(void **state) {
        PcrSelection a = { .count = 2, .banks = { { TPM2_ALG_SHA1, 3 }, { TPM2_ALG_SHA256, 5 } } };
        PcrSelection b = { .count = 3, .banks = { { TPM2_ALG_SHA256, 5 }, { TPM2_ALG_SHA384, 0 }, { TPM2_ALG_SHA1, 3 } } };
        PcrSelection c = { .count = 1, .banks = { { TPM2_ALG_SHA1, 3 } } };
        uint8_t sel[4] = { 0x01, 0x80, 0x00, 0x80 };
        uint32_t m;

        assert_true(pcr_selection_equal(&a, &b));
        assert_false(pcr_selection_equal(&a, &c));
        assert_false(pcr_selection_equal(&c, &a));
        assert_int_equal(pcr_select_to_mask(sel, 4, &m), 0);
        assert_int_equal(m, 0x80008001u);
        assert_int_equal(pcr_select_to_mask(sel, 5, &m), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_pcrs),
                cmocka_unit_test(test_many_values_roundtrip),
                cmocka_unit_test(test_reject_truncated),
                cmocka_unit_test(test_reject_trailing),
                cmocka_unit_test(test_limit_selection_count),
                cmocka_unit_test(test_limit_select_size),
                cmocka_unit_test(test_reject_unknown_bank),
                cmocka_unit_test(test_reject_duplicate_bank),
                cmocka_unit_test(test_limit_digest_lists),
                cmocka_unit_test(test_limit_digests_per_list),
                cmocka_unit_test(test_reject_digest_size),
                cmocka_unit_test(test_reject_too_few_values),
                cmocka_unit_test(test_reject_too_many_values),
                cmocka_unit_test(test_reject_value_count_mismatch_lists),
                cmocka_unit_test(test_digest_missing_value),
                cmocka_unit_test(test_selection_equal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
