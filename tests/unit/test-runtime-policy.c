/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "ima-fixture.h"
#include "macro.h"
#include "runtime-policy.h"

static int load_text(const char *json, RuntimePolicy **ret) {
        RuntimePolicyError err = {};
        int r = runtime_policy_load(json, strlen(json), ret, &err);
        if (r < 0)
                assert_true(err.text[0] != 0);   /* every refusal says why */
        return r;
}

static int load_fixture(const char *path, RuntimePolicy **ret) {
        _cleanup_free_ char *json = fixture_read(path, NULL);
        return load_text(json, ret);
}

static bool has(const DigestIndex *ix, const char *name, const char *hex) {
        uint8_t d[64];
        const uint8_t *rec = digest_index_find(ix, name, strlen(name));

        assert_int_equal(hex_decode_into(hex, strlen(hex), d, strlen(hex) / 2), 0);
        return rec && digest_index_record_has(rec, d, strlen(hex) / 2);
}

static void test_keylime_policy(void **state) {
        RuntimePolicy *p = NULL;

        assert_int_equal(load_fixture("ima/keylime/runtime-policy/runtime-policy-test.json", &p), 0);
        assert_int_equal(digest_index_names(p->digests), 21);
        assert_true(has(p->digests, "/boot/grub2/i386-pc/testload.mod", "68e1d012e3f193dcde955e6ffbbc80e22b0f8778"));
        assert_false(has(p->digests, "/boot/grub2/i386-pc/testload.mod", "68e1d012e3f193dcde955e6ffbbc80e22b0f8779"));
        assert_false(has(p->digests, "/boot/grub2/i386-pc/testload.mo", "68e1d012e3f193dcde955e6ffbbc80e22b0f8778"));
        assert_true(has(p->keyrings, ".ima", "a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4a6b1a42257065f3d5a"));
        assert_null(p->excludes);
        assert_true(has(p->digests, "boot_aggregate", "4309217e9709def327c3409407f4d52907aeba46ef1b4f46529fd095f2ef9fb2"));
        assert_ptr_equal(p->log_hash_alg, hash_alg_from_name("sha1"));
        runtime_policy_free(p);
}

static void test_fixture_policies(void **state) {
        static const struct {
                const char *path;
                int result;
                size_t names;
        } cases[] = {
                { "ima/keylime/create-runtime-policy/policy-sha1", 0, 1 },
                { "ima/keylime/create-runtime-policy/policy-sha256", 0, 1 },
                { "ima/keylime/create-runtime-policy/policy-sha384", 0, 1 },
                { "ima/keylime/create-runtime-policy/policy-sm3_256", 0, 1 },
                { "ima/keylime/create-runtime-policy/policy-unknown", 0, 1 },   /* 31-byte digest, kept as bytes */
                { "ima/keylime/runtime-policy/sign-runtime-policy/runtime-policy.json", 0, 7 },
                { "ima/keylime/runtime-policy/sign-runtime-policy/runtime-policy-empty.json", 0, 0 },
                { "ima/keylime/runtime-policy/sign-runtime-policy/runtime-policy-bogus.json", -EBADMSG, 0 },
                { "ima/keylime/ima-sig-scenario/runtime_policy_test.json", 0, 6 },
                { "ima/keylime/ima-sig-scenario/runtime_policy_wrong.json", 0, 2 },
                { "ima/keylime/ima-sig-scenario/runtime_policy_with_verification_keys.json", 0, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RuntimePolicy *p = NULL;
                int r = load_fixture(cases[i].path, &p);
                if (r != cases[i].result)
                        fail_msg("%s: %d", cases[i].path, r);
                if (r >= 0)
                        assert_int_equal(digest_index_names(p->digests), cases[i].names);
                runtime_policy_free(p);
        }
}

static void test_verification_keys(void **state) {
        RuntimePolicy *p = NULL;
        uint32_t id;

        assert_int_equal(load_fixture("ima/keylime/ima-sig-scenario/runtime_policy_with_verification_keys.json", &p), 0);
        assert_int_equal(p->keys.n_keys, 2);
        assert_int_equal(p->keys.keys[0].keyid, 4081397027u);
        assert_int_equal(p->keys.keys[1].keyid, 1394556965u);
        /* The ids the policy gives are the ones computed from the keys. */
        for (size_t i = 0; i < 2; i++) {
                assert_int_equal(ima_key_id(p->keys.keys[i].pkey, &id), 0);
                assert_int_equal(id, p->keys.keys[i].keyid);
        }
        runtime_policy_free(p);
}

static void test_keyring_json(void **state) {
        _cleanup_free_ char *good = fixture_read("ima/keylime/ima-sig-scenario/ima_keyring.json", NULL);
        _cleanup_free_ char *bad = fixture_read("ima/keylime/ima-sig-scenario/ima_bad_keyring.json", NULL);
        ImaKeyring k = {};

        assert_int_equal(ima_keyring_parse_json(&k, good, strlen(good)), 0);
        assert_int_equal(k.n_keys, 2);
        assert_non_null(ima_keyring_find(&k, 0xf3452d23));
        ima_keyring_done(&k);
        assert_int_equal(ima_keyring_parse_json(&k, bad, strlen(bad)), -EBADMSG);   /* no keyids */
        ima_keyring_done(&k);
        assert_int_equal(ima_keyring_parse_json(&k, "{\"pubkeys\":[\"AAAA\"],\"keyids\":[1]}", 33), -EBADMSG);
        ima_keyring_done(&k);
        assert_int_equal(ima_keyring_parse_json(&k, "{\"pubkeys\":[\"!\"],\"keyids\":[1]}", 30), -EBADMSG);
        ima_keyring_done(&k);
}

#define META "\"meta\":{\"version\":1}"

static void test_malformed(void **state) {
        static const struct {
                const char *json;
                int result;
        } cases[] = {
                { "[]", -EBADMSG },
                { "{}", -EBADMSG },                                              /* no meta */
                { "{\"meta\":{}}", -EBADMSG },                                   /* no version */
                { "{\"meta\":{\"version\":\"1\"}}", -EBADMSG },
                { "{\"meta\":{\"version\":2}}", -EPROTONOSUPPORT },
                { "{" META "} x", -EBADMSG },                                    /* trailing bytes */
                { "{" META ",\"digests\":[]}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":\"00\"}}", -EBADMSG },           /* not a list */
                { "{" META ",\"digests\":{\"/a\":[1]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"0\"]}}", -EBADMSG },          /* odd hex */
                { "{" META ",\"digests\":{\"/a\":[\"\"]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"zz\"]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"sha1:00\"]}}", -EBADMSG },   /* size for alg */
                { "{" META ",\"digests\":{\"/a\":[\"md5:00\"]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\":00\"]}}", -EBADMSG },
                { "{" META ",\"keyrings\":{\".ima\":[\"0g\"]}}", -EBADMSG },
                { "{" META ",\"ima-buf\":3}", -EBADMSG },
                { "{" META ",\"excludes\":{}}", -EBADMSG },
                { "{" META ",\"excludes\":[3]}", -EBADMSG },
                { "{" META ",\"excludes\":[\"(unclosed\"]}", -EBADMSG },
                { "{" META ",\"ima\":[]}", -EBADMSG },
                { "{" META ",\"ima\":{\"log_hash_alg\":\"md5\"}}", -EBADMSG },
                { "{" META ",\"ima\":{\"ignored_keyrings\":{}}}", -EBADMSG },
                { "{" META ",\"ima\":{\"ignored_keyrings\":[1]}}", -EBADMSG },
                { "{" META ",\"verification-keys\":[]}", -EBADMSG },
                { "{" META ",\"verification-keys\":\"{}\"}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"00\"],\"/a\":[\"01\"]}}", -EBADMSG }, /* name twice */
                { "{" META ",\"digests\":{},\"digests\":{}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"00\"]}", -EBADMSG },          /* unterminated */
                { "{" META ",\"digests\":{\"/a\" [\"00\"]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"00\"]]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\":[\"00\" \"01\"]}}", -EBADMSG },
                { "{" META ",\"digests\":{\"/a\\u0000b\":[\"00\"]}}", -EBADMSG },  /* NUL in a name */
                { "{" META ",\"digests\":{3:[]}}", -EBADMSG },
                { "{" META ",\"other\":{\"x\":[1,]}}", -EBADMSG },                /* skipped, still checked */
                { "{" META ",\"ima-buf\":null,\"keyrings\":{}}", 0 },
                { "{" META ",\"an_unknown_key_longer_than_the_key_buffer\":[{}]}", 0 },
                { "{" META ",\"meta\":{\"version\":3}}", -EPROTONOSUPPORT },      /* the last meta counts */
                { "{" META ",\"digests\":{},\"excludes\":[],\"ima\":{\"ignored_keyrings\":[\"*\"]},"
                  "\"verification-keys\":\"\"}", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RuntimePolicy *p = NULL;
                int r = load_text(cases[i].json, &p);
                if (r != cases[i].result)
                        fail_msg("%s: %d", cases[i].json, r);
                runtime_policy_free(p);
        }
}

/* "{meta, <key>: <prefix> item × n <suffix>}" for the limit tests. */
static char *repeat_json(const char *head, const char *item, size_t n, const char *tail) {
        size_t a = strlen(head), b = strlen(item), c = strlen(tail);
        char *s = malloc(a + n * (b + 1) + c + 1), *p = s;

        memcpy(p, head, a);
        p += a;
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        *p++ = ',';
                memcpy(p, item, b);
                p += b;
        }
        memcpy(p, tail, c + 1);
        return s;
}

static void check_limit(const char *head, const char *item, size_t max, const char *tail) {
        RuntimePolicy *p = NULL;
        char *s;

        s = repeat_json(head, item, max, tail);
        assert_int_equal(load_text(s, &p), 0);
        p = runtime_policy_free(p);
        free(s);
        s = repeat_json(head, item, max + 1, tail);
        assert_int_equal(load_text(s, &p), -E2BIG);
        free(s);
}

static void test_limits(void **state) {
        RuntimePolicy *q = NULL;
        assert_int_equal(runtime_policy_load("{", (size_t) RUNTIME_POLICY_SIZE_MAX + 1, &q, NULL), -E2BIG);
        char name[IMA_NAME_MAX + 64], exclude[RUNTIME_POLICY_EXCLUDE_LEN_MAX + 64];

        check_limit("{" META ",\"digests\":{\"/a\":[", "\"00\"", RUNTIME_POLICY_DIGESTS_PER_NAME_MAX, "]}}");
        check_limit("{" META ",\"excludes\":[", "\"a\"", RUNTIME_POLICY_EXCLUDES_MAX, "]}");
        check_limit("{" META ",\"ima\":{\"ignored_keyrings\":[", "\"k\"", RUNTIME_POLICY_NAMES_MAX, "]}}");

        /* IMA_NAME_MAX for a name, RUNTIME_POLICY_EXCLUDE_LEN_MAX for an exclude */
        snprintf(name, sizeof name, "{" META ",\"digests\":{\"/%0*d\":[\"00\"]}}", IMA_NAME_MAX, 0);
        RuntimePolicy *p = NULL;
        assert_int_equal(load_text(name, &p), -E2BIG);
        snprintf(name, sizeof name, "{" META ",\"digests\":{\"%0*d\":[\"00\"]}}", IMA_NAME_MAX, 0);
        assert_int_equal(load_text(name, &p), 0);
        p = runtime_policy_free(p);
        snprintf(exclude, sizeof exclude, "{" META ",\"excludes\":[\"%0*d\"]}", RUNTIME_POLICY_EXCLUDE_LEN_MAX + 1, 0);
        assert_int_equal(load_text(exclude, &p), -E2BIG);
        snprintf(exclude, sizeof exclude, "{" META ",\"excludes\":[\"%0*d\"]}", RUNTIME_POLICY_EXCLUDE_LEN_MAX, 0);
        assert_int_equal(load_text(exclude, &p), 0);
        runtime_policy_free(p);
}

static void test_key_limits(void **state) {
        _cleanup_free_ char *ring = fixture_read("ima/keylime/ima-sig-scenario/ima_keyring.json", NULL);
        char *b64 = strstr(ring, "MFYw"), *end = strchr(b64, '"');
        char item[256];
        ImaKeyring k = {};

        *end = 0;
        snprintf(item, sizeof item, "\"%s\"", b64);
        /* RUNTIME_POLICY_KEYS_MAX keys, then one more */
        for (size_t n = RUNTIME_POLICY_KEYS_MAX; n <= RUNTIME_POLICY_KEYS_MAX + 1; n++) {
                _cleanup_free_ char *keys = repeat_json("{\"pubkeys\":[", item, n, "],\"keyids\":[");
                _cleanup_free_ char *all = repeat_json(keys, "1", n, "]}");
                assert_int_equal(ima_keyring_parse_json(&k, all, strlen(all)), n > RUNTIME_POLICY_KEYS_MAX ? -E2BIG : 0);
                ima_keyring_done(&k);
        }
        /* RUNTIME_POLICY_KEY_DER_MAX */
        _cleanup_free_ uint8_t *der = calloc(1, RUNTIME_POLICY_KEY_DER_MAX + 1);
        assert_int_equal(ima_keyring_add_spki(&k, der, RUNTIME_POLICY_KEY_DER_MAX + 1), -E2BIG);
        assert_int_equal(ima_keyring_add_spki(&k, der, 16), -EBADMSG);
}

static void test_excludes_anchored(void **state) {
        RuntimePolicy *p = NULL;
        pcre2_match_data *md;

        assert_int_equal(load_text("{" META ",\"excludes\":[\"/tmp/.*\", \"boot_aggregate\", \".*\\\\.pyc$\"]}", &p), 0);
        assert_int_equal(p->n_excludes, 3);
        md = pcre2_match_data_create(1, NULL);
        assert_true(runtime_policy_excluded(p, md, "/tmp/x", 6));
        assert_false(runtime_policy_excluded(p, md, "/var/tmp/x", 10));   /* re.match: anchored at the start */
        assert_true(runtime_policy_excluded(p, md, "boot_aggregate", 14));
        assert_true(runtime_policy_excluded(p, md, "/usr/lib/a.pyc", 14));
        assert_false(runtime_policy_excluded(p, md, "/usr/lib/a.pyc2", 15));
        pcre2_match_data_free(md);
        runtime_policy_free(p);
}

/* Past what PCRE2 takes as one alternation, the excludes are matched one by one. */
static void test_excludes_many(void **state) {
        _cleanup_free_ char *s = repeat_json("{" META ",\"excludes\":[", "\"/nothing[0-9]+/.*\"",
                                             RUNTIME_POLICY_EXCLUDES_MAX - 1, ",\"/tmp/.*\"]}");
        RuntimePolicy *p = NULL;
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);

        assert_int_equal(load_text(s, &p), 0);
        assert_null(p->excludes);
        assert_int_equal(p->n_excludes, RUNTIME_POLICY_EXCLUDES_MAX);
        assert_true(runtime_policy_excluded(p, md, "/tmp/x", 6));
        assert_true(runtime_policy_excluded(p, md, "/nothing12/x", 12));
        assert_false(runtime_policy_excluded(p, md, "/var/tmp/x", 10));
        pcre2_match_data_free(md);
        runtime_policy_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_policy),
                cmocka_unit_test(test_fixture_policies),
                cmocka_unit_test(test_verification_keys),
                cmocka_unit_test(test_keyring_json),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_key_limits),
                cmocka_unit_test(test_excludes_anchored),
                cmocka_unit_test(test_excludes_many),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
