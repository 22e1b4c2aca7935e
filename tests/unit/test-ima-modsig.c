/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The appended signature parser and its verification, over the fixtures of
 * tests/data/ima/modsig (generate.sh there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ima-fixture.h"
#include "ima-test-keys.h"
#include "ima-modsig.h"
#include "macro.h"

#define DIR "ima/modsig/"

static ImaKeyring rsa_ring, ec_ring;
static ImaEntryBuffer entry_buffer;

static int parse_case(const char *name, ImaModsig *ret) {
        char path[256];
        size_t size;

        snprintf(path, sizeof path, DIR "%s.p7s", name);
        _cleanup_free_ char *der = fixture_read(path, &size);
        return ima_modsig_parse((const uint8_t *) der, size, ret);
}

/* The d-modsig digest of a case's ascii line. */
static ImaDigest dmodsig(const char *name) {
        char path[256];
        ImaEntry e;

        snprintf(path, sizeof path, DIR "%s.ascii", name);
        _cleanup_free_ char *line = fixture_read(path, NULL);
        assert_int_equal(ima_entry_parse_ascii(line, strcspn(line, "\n"), &entry_buffer, &e), 0);
        return e.modsig_digest;
}

/* Parses a case and verifies it against its own d-modsig with the rings. */
static int verify_case(const char *name, const ImaKeyring *a, const ImaKeyring *b) {
        const ImaKeyring *rings[] = { a, b };
        ImaDigest d = dmodsig(name);
        ImaModsig m;
        int r;

        assert_int_equal(parse_case(name, &m), 0);
        r = ima_modsig_verify(&m, &d, rings, ELEMENTSOF(rings));
        ima_modsig_done(&m);
        return r;
}

static void test_parse_fields(void **state) {
        uint8_t skid[IMA_KEY_SKID_SIZE];
        ImaModsig m;

        assert_int_equal(parse_case("good-rsa", &m), 0);
        assert_string_equal(m.alg->name, "sha256");
        assert_int_equal(m.pkey_type, EVP_PKEY_RSA);
        assert_int_equal(m.skid_size, 0);   /* issuer and serial */
        assert_false(m.signed_attrs);
        ima_modsig_done(&m);

        /* The SKID of the certificate is the one the keyring computes from the key. */
        assert_int_equal(parse_case("good-ec", &m), 0);
        assert_int_equal(m.pkey_type, EVP_PKEY_EC);
        assert_int_equal(m.skid_size, IMA_KEY_SKID_SIZE);
        assert_int_equal(ima_key_skid(ec_ring.keys[0].pkey, skid), 0);
        assert_memory_equal(m.skid, skid, sizeof skid);
        ima_modsig_done(&m);

        assert_int_equal(parse_case("good-rsa-sha512", &m), 0);
        assert_string_equal(m.alg->name, "sha512");
        ima_modsig_done(&m);

        assert_int_equal(parse_case("signed-attrs", &m), 0);
        assert_true(m.signed_attrs);
        ima_modsig_done(&m);
}

static void test_parse_malformed(void **state) {
        /* A ContentInfo of type id-data, not SignedData. */
        static const uint8_t data_type[] = { 0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                             0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02, 0x04, 0x00 };
        size_t size;
        _cleanup_free_ char *good = fixture_read(DIR "good-rsa.p7s", &size);
        _cleanup_free_ uint8_t *longer = malloc(size + 1);
        ImaModsig m;

        assert_int_equal(parse_case("truncated", &m), -EBADMSG);
        assert_int_equal(ima_modsig_parse((const uint8_t *) good, 0, &m), -EBADMSG);
        assert_int_equal(ima_modsig_parse((const uint8_t *) good, 1, &m), -EBADMSG);
        memcpy(longer, good, size);
        longer[size] = 0;
        assert_int_equal(ima_modsig_parse(longer, size + 1, &m), -EBADMSG);   /* trailing byte */
        assert_int_equal(ima_modsig_parse(data_type, sizeof data_type, &m), -EPROTONOSUPPORT);
        assert_int_equal(parse_case("md5", &m), -EPROTONOSUPPORT);
}

static void test_parse_limits(void **state) {
        _cleanup_free_ uint8_t *big = calloc(1, IMA_MODSIG_MAX + 1);
        ImaModsig m;

        assert_int_equal(ima_modsig_parse(big, IMA_MODSIG_MAX + 1, &m), -E2BIG);   /* IMA_MODSIG_MAX */
        assert_int_equal(parse_case("two-signers", &m), -E2BIG);      /* IMA_MODSIG_SIGNERS_MAX */
        assert_int_equal(parse_case("rsa8192", &m), -E2BIG);          /* IMA_MODSIG_SIGNATURE_MAX */
        assert_int_equal(parse_case("long-skid", &m), -E2BIG);        /* IMA_MODSIG_SKID_MAX */
}

static void test_verify_good(void **state) {
        assert_int_equal(verify_case("good-rsa", &rsa_ring, NULL), 0);
        assert_int_equal(verify_case("good-rsa", NULL, &rsa_ring), 0);   /* the second ring is searched too */
        assert_int_equal(verify_case("good-rsa", &ec_ring, &rsa_ring), 0);
        assert_int_equal(verify_case("good-ec", &rsa_ring, &ec_ring), 0);
        assert_int_equal(verify_case("good-rsa-sha512", &rsa_ring, NULL), 0);
        assert_int_equal(verify_case("signed-attrs", &rsa_ring, NULL), 0);
}

static void test_verify_unknown_signer(void **state) {
        assert_int_equal(verify_case("good-rsa", NULL, NULL), -ENOKEY);
        assert_int_equal(verify_case("good-rsa", &ec_ring, NULL), -ENOKEY);    /* no key of its type */
        assert_int_equal(verify_case("good-ec", &rsa_ring, NULL), -ENOKEY);    /* no key has its SKID */
        assert_int_equal(verify_case("unknown-key", &rsa_ring, &ec_ring), -ENOKEY);
        assert_int_equal(verify_case("unknown-issuer", &rsa_ring, &ec_ring), -ENOKEY);
        /* Issuer and serial name nobody: a bad signature cannot be told from another signer's. */
        assert_int_equal(verify_case("tampered", &rsa_ring, NULL), -ENOKEY);
}

static void test_verify_rejected(void **state) {
        const ImaKeyring *rings[] = { &rsa_ring, &ec_ring };
        ImaDigest d;
        ImaModsig m;

        assert_int_equal(verify_case("tampered-ec", &ec_ring, NULL), -EKEYREJECTED);
        assert_int_equal(verify_case("alg-mismatch", &rsa_ring, NULL), -EKEYREJECTED);
        assert_int_equal(verify_case("attrs-other-content", &rsa_ring, NULL), -EKEYREJECTED);

        /* Another d-modsig under the key its SKID names. */
        d = dmodsig("good-ec");
        d.data[0] ^= 1;
        assert_int_equal(parse_case("good-ec", &m), 0);
        assert_int_equal(ima_modsig_verify(&m, &d, rings, ELEMENTSOF(rings)), -EKEYREJECTED);
        ima_modsig_done(&m);

        /* An empty or unknown d-modsig. */
        d = (ImaDigest) {};
        assert_int_equal(parse_case("good-rsa", &m), 0);
        assert_int_equal(ima_modsig_verify(&m, &d, rings, ELEMENTSOF(rings)), -EKEYREJECTED);
        ima_modsig_done(&m);
}

static int keys_setup(void **state) {
        add_pem(&rsa_ring, DIR "rsa.pub.pem");
        add_pem(&ec_ring, DIR "ec.pub.pem");
        return 0;
}

static int keys_teardown(void **state) {
        ima_keyring_done(&rsa_ring);
        ima_keyring_done(&ec_ring);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_fields),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_verify_good),
                cmocka_unit_test(test_verify_unknown_signer),
                cmocka_unit_test(test_verify_rejected),
        };

        return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
