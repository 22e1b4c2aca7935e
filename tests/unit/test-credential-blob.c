/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "credential-blob.h"
#include "limits.h"

/* Builds magic ‖ version ‖ u16 id_size ‖ id ‖ u16 secret_size ‖ secret ‖ trailing. */
static size_t build(uint8_t *buf, uint32_t magic, uint32_t version, uint16_t id_size, uint16_t secret_size,
                    size_t trailing) {
        size_t o = 0;
        for (int i = 3; i >= 0; i--)
                buf[o++] = (magic >> (8 * i)) & 0xff;
        for (int i = 3; i >= 0; i--)
                buf[o++] = (version >> (8 * i)) & 0xff;
        buf[o++] = id_size >> 8;
        buf[o++] = id_size & 0xff;
        memset(buf + o, 0xaa, id_size);
        o += id_size;
        buf[o++] = secret_size >> 8;
        buf[o++] = secret_size & 0xff;
        memset(buf + o, 0xbb, secret_size);
        o += secret_size;
        memset(buf + o, 0, trailing);
        return o + trailing;
}

static uint8_t buf[2048];

static void test_valid(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 68, 256, 0);

        assert_int_equal(credential_blob_parse(buf, n, &b), 0);
        assert_int_equal(b.id_object_size, 68);
        assert_int_equal(b.secret_size, 256);
        assert_ptr_equal(b.id_object, buf + 10);
        assert_int_equal(b.id_object[0], 0xaa);
        assert_int_equal(b.secret[255], 0xbb);
}

static void test_largest(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, TPM2_ID_OBJECT_SIZE_MAX, TPM2_ENCRYPTED_SECRET_SIZE_MAX, 0);

        assert_int_equal(n, TPM2_CREDENTIAL_BLOB_SIZE_MAX);
        assert_int_equal(credential_blob_parse(buf, n, &b), 0);
}

static void test_bad_magic(void **state) {
        CredentialBlob b;
        size_t n = build(buf, 0xBADCC0DF, 1, 68, 256, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_bad_version(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 2, 68, 256, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_truncated(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 68, 256, 0);

        /* Every prefix is refused, including the empty one and the header alone. */
        for (size_t k = 0; k < n; k++)
                assert_int_equal(credential_blob_parse(buf, k, &b), -EBADMSG);
}

static void test_trailing(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 68, 256, 1);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_empty_fields(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 0, 256, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
        n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 68, 0, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_id_object_limit(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, TPM2_ID_OBJECT_SIZE_MAX + 1, 256, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_secret_limit(void **state) {
        CredentialBlob b;
        size_t n = build(buf, CREDENTIAL_BLOB_MAGIC, 1, 68, TPM2_ENCRYPTED_SECRET_SIZE_MAX + 1, 0);
        assert_int_equal(credential_blob_parse(buf, n, &b), -EBADMSG);
}

static void test_blob_size_limit(void **state) {
        CredentialBlob b;
        assert_int_equal(credential_blob_parse(buf, TPM2_CREDENTIAL_BLOB_SIZE_MAX + 1, &b), -EBADMSG);
}

static void test_null(void **state) {
        CredentialBlob b;
        assert_int_equal(credential_blob_parse(NULL, 10, &b), -EINVAL);
        assert_int_equal(credential_blob_parse(buf, 10, NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_largest),
                cmocka_unit_test(test_bad_magic),
                cmocka_unit_test(test_bad_version),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_trailing),
                cmocka_unit_test(test_empty_fields),
                cmocka_unit_test(test_id_object_limit),
                cmocka_unit_test(test_secret_limit),
                cmocka_unit_test(test_blob_size_limit),
                cmocka_unit_test(test_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
