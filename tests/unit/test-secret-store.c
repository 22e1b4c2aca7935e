/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "secret-wrap.h"
#include "secret-wrap-json.h"
#include "verifierd-secret-store.h"

static char dir[] = "/tmp/test-secret-store-XXXXXX";
static Storage *storage;

static void write_file(const char *path, const void *data, size_t n) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        fclose(f);
}

static SecretStore *open_with_key(const char *key, size_t n) {
        char path[256];
        SecretStore *s = NULL;

        snprintf(path, sizeof(path), "%s/key", dir);
        write_file(path, key, n);
        assert_int_equal(secret_store_open(storage, dir, path, &s), 0);
        return s;
}

static const char hex_key[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

static void test_put_get_list_delete(void **state) {
        SecretStore *s = open_with_key(hex_key, strlen(hex_key));
        SecretBuffer b = {};
        char **l = NULL;

        assert_true(secret_store_enabled(s));
        assert_int_equal(secret_store_put(s, "node-1", "disk", (const uint8_t *) "pw", 2, false), 0);
        assert_int_equal(secret_store_put(s, "node-1", "disk", (const uint8_t *) "pw2", 3, false), -EEXIST);
        assert_int_equal(secret_store_put(s, "node-1", "disk", (const uint8_t *) "pw3", 3, true), 0);
        assert_int_equal(secret_store_put(s, "node-1", "a-key", (const uint8_t *) "x", 1, false), 0);
        assert_int_equal(secret_store_get(s, "node-1", "disk", &b), 0);
        assert_int_equal(b.size, 3);
        assert_memory_equal(b.data, "pw3", 3);
        secret_buffer_done(&b);
        assert_int_equal(secret_store_get(s, "node-2", "disk", &b), -ENOENT);
        assert_int_equal(secret_store_list(s, "node-1", &l), 0);
        assert_string_equal(l[0], "a-key");
        assert_string_equal(l[1], "disk");
        assert_null(l[2]);
        free(l[0]); free(l[1]); free(l);
        assert_int_equal(secret_store_delete(s, "node-1", "disk"), 0);
        assert_int_equal(secret_store_delete(s, "node-1", "disk"), -ENOENT);
        assert_int_equal(secret_store_delete_node(s, "node-1"), 0);
        assert_int_equal(secret_store_list(s, "node-1", &l), 0);
        assert_null(l[0]);
        free(l);
        secret_store_free(s);
}

static void test_bad_arguments(void **state) {
        SecretStore *s = open_with_key(hex_key, strlen(hex_key));
        uint8_t big[SECRET_SIZE_MAX + 1] = {};

        assert_int_equal(secret_store_put(s, "../x", "disk", big, 1, false), -EINVAL);
        assert_int_equal(secret_store_put(s, ".hidden", "disk", big, 1, false), -EINVAL);
        assert_int_equal(secret_store_put(s, "node", "a/b", big, 1, false), -EINVAL);
        assert_int_equal(secret_store_put(s, "node", "disk", big, 0, false), -EINVAL);
        assert_int_equal(secret_store_put(s, "node", "disk", big, sizeof(big), false), -EINVAL);
        secret_store_free(s);
}

/* A secret sealed under one key does not open under another, nor under another name. */
static void test_other_key(void **state) {
        static const char raw_key[32] = "0123456789abcdef0123456789abcdef";
        SecretStore *s = open_with_key(hex_key, strlen(hex_key)), *t;
        SecretBuffer b = {};
        Blob sealed = {};

        assert_int_equal(secret_store_put(s, "node-3", "disk", (const uint8_t *) "pw", 2, false), 0);
        t = open_with_key(raw_key, sizeof(raw_key));
        assert_int_equal(secret_store_get(t, "node-3", "disk", &b), -EBADMSG);
        /* Copying a sealed row to another name or node does not make it that secret. */
        assert_int_equal(storage_secret_get(storage, "node-3", "disk", &sealed), 0);
        assert_int_equal(storage_secret_put(storage, "node-3", "other", &sealed, false, 64), 0);
        assert_int_equal(storage_secret_put(storage, "node-4", "disk", &sealed, false, 64), 0);
        blob_done(&sealed);
        assert_int_equal(secret_store_get(s, "node-3", "other", &b), -EBADMSG);
        assert_int_equal(secret_store_get(s, "node-4", "disk", &b), -EBADMSG);
        assert_int_equal(secret_store_delete_node(s, "node-4"), 0);
        assert_int_equal(secret_store_delete_node(s, "node-3"), 0);
        secret_store_free(s);
        secret_store_free(t);
}

static void test_key_files(void **state) {
        char path[256];
        SecretStore *s = NULL;

        snprintf(path, sizeof(path), "%s/key", dir);
        write_file(path, "short", 5);
        assert_int_equal(secret_store_open(storage, dir, path, &s), -EINVAL);
        write_file(path, "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 64);
        assert_int_equal(secret_store_open(storage, dir, path, &s), -EINVAL);
        snprintf(path, sizeof(path), "%s/no-such-key", dir);
        assert_true(secret_store_open(storage, dir, path, &s) < 0);
}

static void test_disabled(void **state) {
        SecretStore *s = NULL;
        uint8_t c[SECRET_CHALLENGE_SIZE];
        SecretBuffer b = {};

        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(secret_store_open(storage, dir, NULL, &s), 0);
        assert_false(secret_store_enabled(s));
        assert_int_equal(secret_store_put(s, "n", "d", (const uint8_t *) "x", 1, false), -ENOKEY);
        assert_int_equal(secret_store_get(s, "n", "d", &b), -ENOKEY);
        assert_int_equal(secret_challenge_issue(s, "n", "d", 1, c), -ENOKEY);
        secret_store_free(s);
}

static void test_credential_preferred(void **state) {
        char creds[256], path[300];
        SecretStore *s = NULL;

        snprintf(creds, sizeof(creds), "%s/creds", dir);
        assert_int_equal(mkdir(creds, 0700), 0);
        snprintf(path, sizeof(path), "%s/%s", creds, SECRET_KEY_CREDENTIAL);
        write_file(path, hex_key, strlen(hex_key));
        setenv("CREDENTIALS_DIRECTORY", creds, 1);
        /* The key file named in the configuration is not even read. */
        assert_int_equal(secret_store_open(storage, dir, "/nonexistent/key", &s), 0);
        assert_true(secret_store_enabled(s));
        unsetenv("CREDENTIALS_DIRECTORY");
        secret_store_free(s);
        unlink(path);
        rmdir(creds);
}

static void test_challenges(void **state) {
        SecretStore *s = open_with_key(hex_key, strlen(hex_key));
        uint8_t a[SECRET_CHALLENGE_SIZE], b[SECRET_CHALLENGE_SIZE], got[SECRET_CHALLENGE_SIZE];
        const uint64_t t0 = UINT64_C(1000000000000), ttl = SECRET_CHALLENGE_TTL_SEC * UINT64_C(1000000);

        assert_int_equal(secret_challenge_take(s, "n", "d", t0, got), -ENOENT);
        assert_int_equal(secret_challenge_issue(s, "n", "d", t0, a), 0);
        /* Good once. */
        assert_int_equal(secret_challenge_take(s, "n", "d", t0 + 1, got), 0);
        assert_memory_equal(got, a, sizeof(a));
        assert_int_equal(secret_challenge_take(s, "n", "d", t0 + 2, got), -ENOENT);
        /* Bound to node and name. */
        assert_int_equal(secret_challenge_issue(s, "n", "d", t0, a), 0);
        assert_int_equal(secret_challenge_take(s, "m", "d", t0, got), -ENOENT);
        assert_int_equal(secret_challenge_take(s, "n", "e", t0, got), -ENOENT);
        /* A new one replaces the old. */
        assert_int_equal(secret_challenge_issue(s, "n", "d", t0, b), 0);
        assert_memory_not_equal(a, b, sizeof(a));
        assert_int_equal(secret_challenge_take(s, "n", "d", t0, got), 0);
        assert_memory_equal(got, b, sizeof(b));
        /* Expires. */
        assert_int_equal(secret_challenge_issue(s, "n", "d", t0, a), 0);
        assert_int_equal(secret_challenge_take(s, "n", "d", t0 + ttl, got), -ENOENT);
        secret_store_free(s);
}

static void test_challenges_full(void **state) {
        SecretStore *s = open_with_key(hex_key, strlen(hex_key));
        uint8_t c[SECRET_CHALLENGE_SIZE];
        char name[32];

        /* Many nodes: nobody's challenge is pushed out by another's. */
        assert_int_equal(secret_challenge_issue(s, "node-a", "d", 1000000000, c), 0);
        for (unsigned i = 0; i < 5000; i++) {
                snprintf(name, sizeof(name), "node-%u", i);
                assert_int_equal(secret_challenge_issue(s, name, "d", 1000000000 + i, c), 0);
        }
        assert_int_equal(secret_challenge_peek(s, "node-a", "d", 1000000000, c), 0);
        assert_int_equal(secret_challenge_take(s, "node-a", "d", 1000000000, c), 0);
        assert_int_equal(secret_challenge_take(s, "node-4999", "d", 1000000000, c), 0);

        /* One node past SECRETS_PER_NODE_MAX names: its own oldest goes. */
        for (unsigned i = 0; i < SECRETS_PER_NODE_MAX + 1; i++) {
                snprintf(name, sizeof(name), "s%u", i);
                assert_int_equal(secret_challenge_issue(s, "node-b", name, 1000000000 + i, c), 0);
        }
        assert_int_equal(secret_challenge_take(s, "node-b", "s0", 1000000000, c), -ENOENT);
        assert_int_equal(secret_challenge_take(s, "node-b", "s1", 1000000000, c), 0);
        assert_int_equal(secret_challenge_take(s, "node-1", "d", 1000000000, c), 0);
        secret_store_free(s);
}

static void test_wrapped_json(void **state) {
        SecretWrapped w = { .kem = SECRET_KEM_ECDH, .hash = hash_alg_from_name("sha256") }, v = {};
        uint8_t point[65] = { 0x04 };
        json_object *o;

        w.encapsulated = point;
        w.encapsulated_size = sizeof(point);
        w.ciphertext = (uint8_t *) "abc";
        w.ciphertext_size = 3;
        o = secret_wrapped_to_json(&w);
        assert_non_null(o);
        assert_int_equal(secret_wrapped_from_json(o, &v), 0);
        assert_int_equal(v.kem, SECRET_KEM_ECDH);
        assert_int_equal(v.encapsulated_size, 65);
        assert_memory_equal(v.ciphertext, "abc", 3);
        secret_wrapped_done(&v);

        json_object_object_add(o, "kem", json_object_new_string("rsa-pkcs1"));
        assert_int_equal(secret_wrapped_from_json(o, &v), -EBADMSG);
        json_object_object_add(o, "kem", json_object_new_string("rsa-oaep"));
        json_object_object_add(o, "hash", json_object_new_string("md5"));
        assert_int_equal(secret_wrapped_from_json(o, &v), -EBADMSG);
        json_object_object_add(o, "hash", json_object_new_string("sha384"));
        json_object_object_add(o, "iv", json_object_new_string("AAAA"));     /* 3 bytes, not 12 */
        assert_int_equal(secret_wrapped_from_json(o, &v), -EBADMSG);
        json_object_object_del(o, "iv");
        assert_int_equal(secret_wrapped_from_json(o, &v), -EBADMSG);
        json_object_put(o);
}

/* Secrets that an earlier version left as sealed files move into the storage at open. */
static void test_files_imported(void **state) {
        SecretStore *s = open_with_key(hex_key, strlen(hex_key));
        char path[300];
        Blob sealed = {};
        SecretBuffer b = {};

        assert_int_equal(secret_store_put(s, "node-f", "old", (const uint8_t *) "legacy", 6, false), 0);
        assert_int_equal(storage_secret_get(storage, "node-f", "old", &sealed), 0);
        assert_int_equal(secret_store_delete_node(s, "node-f"), 0);
        secret_store_free(s);
        snprintf(path, sizeof(path), "%s/secrets", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/secrets/node-f", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/secrets/node-f/old.secret", dir);
        write_file(path, sealed.data, sealed.size);
        blob_done(&sealed);

        s = open_with_key(hex_key, strlen(hex_key));
        assert_int_equal(access(path, F_OK), -1);
        snprintf(path, sizeof(path), "%s/secrets", dir);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(secret_store_get(s, "node-f", "old", &b), 0);
        assert_memory_equal(b.data, "legacy", 6);
        secret_buffer_done(&b);
        secret_store_free(s);
}

static int setup(void **state) {
        char path[256];

        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/verifier.db", dir);
        return storage_open_sqlite(path, &storage) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        char cmd[128];

        storage = storage_close(storage);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get_list_delete),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_other_key),
                cmocka_unit_test(test_key_files),
                cmocka_unit_test(test_disabled),
                cmocka_unit_test(test_credential_preferred),
                cmocka_unit_test(test_challenges),
                cmocka_unit_test(test_challenges_full),
                cmocka_unit_test(test_wrapped_json),
                cmocka_unit_test(test_files_imported),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
