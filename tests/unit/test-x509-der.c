/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "fileio.h"
#include "hexdecode.h"
#include "memory-util.h"
#include "x509-der.h"

#define PEM_FIXTURE "ekcerts/go-tpm-tools/pca_tpm_ecc_sign_cert.pem"
#define DER_FIXTURE "ekcerts/go-tpm-tools/gcp_ek_ak_ca_root.crt"

static uint8_t *load(const char *rel, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        uint8_t *data = NULL;

        assert_true(asprintf(&path, "%s/%s", getenv("ATTEST_TEST_DATA"), rel) > 0);
        assert_int_equal(read_full_file(path, X509_PEM_SIZE_MAX, &data, ret_size), 0);
        return data;
}

/* The DER inside a PEM file, decoded independently of OpenSSL's PEM reader. */
static uint8_t *pem_body(const uint8_t *pem, size_t size, size_t *ret_size) {
        _cleanup_free_ char *b64 = calloc(1, size + 1);
        const char *p = strstr((const char *) pem, "-----BEGIN CERTIFICATE-----");
        const char *end = strstr((const char *) pem, "-----END CERTIFICATE-----");
        uint8_t *der = NULL;
        size_t n = 0;

        assert_non_null(b64);
        assert_non_null(p);
        assert_non_null(end);
        for (p = strchr(p, '\n') + 1; p < end; p++)
                if (*p != '\n' && *p != '\r')
                        b64[n++] = *p;
        assert_int_equal(base64_decode(b64, n, &der, ret_size), 0);
        return der;
}

static void expect_der(const uint8_t *in, size_t in_size, const uint8_t *want, size_t want_size) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t out_size;

        assert_int_equal(x509_der_normalize(in, in_size, &out, &out_size), 0);
        assert_int_equal(out_size, want_size);
        assert_memory_equal(out, want, want_size);
}

static void expect_bad(const uint8_t *in, size_t in_size) {
        uint8_t *out = (uint8_t *) 0x1;
        size_t out_size = 7;

        assert_int_equal(x509_der_normalize(in, in_size, &out, &out_size), -EBADMSG);
        assert_ptr_equal(out, (uint8_t *) 0x1);   /* outputs untouched on failure */
        assert_int_equal(out_size, 7);
}

static void test_der_as_is(void **state) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t size;

        der = load(DER_FIXTURE, &size);
        expect_der(der, size, der, size);
}

/* A copy of der followed by n bytes of tail. */
static uint8_t *with_tail(const uint8_t *der, size_t size, const char *tail, size_t n) {
        uint8_t *b = malloc(size + n);

        assert_non_null(b);
        memcpy(b, der, size);
        memcpy(b + size, tail, n);
        return b;
}

static void test_der_padding(void **state) {
        _cleanup_free_ uint8_t *der = NULL, *zeros = NULL, *ones = NULL;
        size_t size;

        der = load(DER_FIXTURE, &size);
        zeros = with_tail(der, size, "\0\0\0\0\0\0\0\0", 8);
        ones = with_tail(der, size, "\xff\xff\xff\xff", 4);
        expect_der(zeros, size + 8, der, size);
        expect_der(ones, size + 4, der, size);
}

static void test_der_trailing_junk(void **state) {
        _cleanup_free_ uint8_t *der = NULL, *junk = NULL;
        size_t size;

        der = load(DER_FIXTURE, &size);
        junk = with_tail(der, size, "\0\0x\0", 4);
        expect_bad(junk, size + 4);
}

static void test_der_truncated(void **state) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t size;

        der = load(DER_FIXTURE, &size);
        expect_bad(der, size - 1);
        expect_bad(der, 4);
}

static void test_der_corrupt(void **state) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t size;

        der = load(DER_FIXTURE, &size);
        der[1] ^= 0x01;   /* the outer length no longer fits */
        expect_bad(der, size);
}

static void test_pem(void **state) {
        _cleanup_free_ uint8_t *pem = NULL, *der = NULL;
        size_t size, der_size;

        pem = load(PEM_FIXTURE, &size);
        der = pem_body(pem, size, &der_size);
        expect_der(pem, size, der, der_size);
}

static void test_pem_bundle(void **state) {
        _cleanup_free_ uint8_t *pem = NULL, *two = NULL;
        size_t size;

        pem = load(PEM_FIXTURE, &size);
        two = with_tail(pem, size, (const char *) pem, size);
        expect_bad(two, 2 * size);
}

static void test_pem_damaged(void **state) {
        _cleanup_free_ uint8_t *pem = NULL;
        char *body;
        size_t size;

        pem = load(PEM_FIXTURE, &size);
        body = strstr((char *) pem, "CERTIFICATE-----\n");
        assert_non_null(body);
        body[17 + 10] = '*';   /* not base64 */
        expect_bad(pem, size);
}

static void test_not_a_certificate(void **state) {
        static const char text[] = "[TPM]\nTCTI=device:/dev/tpmrm0\n";
        static const uint8_t der_int[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };   /* SEQUENCE { INTEGER 5 } */

        expect_bad((const uint8_t *) text, strlen(text));
        expect_bad(der_int, sizeof der_int);
}

static void test_sizes(void **state) {
        _cleanup_free_ uint8_t *big = NULL;
        uint8_t *out;
        size_t out_size;

        expect_bad((const uint8_t *) "", 0);
        assert_int_equal(x509_der_normalize(NULL, 10, &out, &out_size), -EBADMSG);
        big = calloc(1, X509_PEM_SIZE_MAX + 1);
        assert_non_null(big);
        big[0] = 0x30;
        expect_bad(big, X509_PEM_SIZE_MAX + 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_der_as_is),
                cmocka_unit_test(test_der_padding),
                cmocka_unit_test(test_der_trailing_junk),
                cmocka_unit_test(test_der_truncated),
                cmocka_unit_test(test_der_corrupt),
                cmocka_unit_test(test_pem),
                cmocka_unit_test(test_pem_bundle),
                cmocka_unit_test(test_pem_damaged),
                cmocka_unit_test(test_not_a_certificate),
                cmocka_unit_test(test_sizes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
