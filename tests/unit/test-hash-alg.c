/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hash-alg.h"
#include "hexdecode.h"
#include "macro.h"

static void test_lookup(void **state) {
        assert_int_equal(hash_alg_from_tpm_id(TPM2_ALG_ID_SHA256)->size, 32);
        assert_string_equal(hash_alg_from_name("SHA384")->name, "sha384");
        assert_int_equal(hash_alg_from_name("sm3")->tpm_alg_id, TPM2_ALG_ID_SM3_256);
        assert_null(hash_alg_from_name("md5"));
        assert_null(hash_alg_from_tpm_id(0x0010));
        assert_string_equal(hash_alg_from_size(20)->name, "sha1");
        assert_string_equal(hash_alg_from_size(32)->name, "sha256");
}

/* Names inside longer text: only the given bytes count, in either case. */
static void test_lookup_len(void **state) {
        static const char text[] = "sha256:abcd SHA1x sm3_256 sm3";

        assert_ptr_equal(hash_alg_from_name_len(text, 6), hash_alg_from_name("sha256"));
        assert_null(hash_alg_from_name_len(text, 7));           /* "sha256:" */
        assert_null(hash_alg_from_name_len(text, 5));           /* "sha25" */
        assert_null(hash_alg_from_name_len(text, 0));
        assert_ptr_equal(hash_alg_from_name_len(text + 12, 4), hash_alg_from_name("sha1"));
        assert_null(hash_alg_from_name_len(text + 12, 5));      /* "SHA1x" */
        assert_ptr_equal(hash_alg_from_name_len(text + 18, 7), hash_alg_from_name("sm3_256"));
        assert_ptr_equal(hash_alg_from_name_len(text + 26, 3), hash_alg_from_name("sm3_256"));
        assert_null(hash_alg_from_name_len(text + 26, 2));      /* "sm" */
        assert_null(hash_alg_from_name_len("sha1\0", 5));       /* a NUL is no part of a name */
        assert_null(hash_alg_from_name_len(NULL, 4));
}

static void test_digest_abc(void **state) {
        uint8_t out[HASH_ALG_MAX_DIGEST_SIZE];
        _cleanup_free_ char *hex = NULL;
        HashCtx h = {};

        assert_int_equal(hash_alg_digest(hash_alg_from_name("sha256"), "abc", 3, out), 0);
        hex = hex_encode(out, 32);
        assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        assert_int_equal(hash_ctx_init(&h, hash_alg_from_name("sha1")), 0);
        assert_int_equal(hash_ctx_update(&h, "a", 1), 0);
        assert_int_equal(hash_ctx_update(&h, "bc", 2), 0);
        assert_int_equal(hash_ctx_final(&h, out), 0);
        hash_ctx_done(&h);
        free(hex);
        hex = hex_encode(out, 20);
        assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lookup),
                cmocka_unit_test(test_lookup_len),
                cmocka_unit_test(test_digest_abc),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
