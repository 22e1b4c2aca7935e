/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "boot-policy-json.h"
#include "efi-decode.h"
#include "fileio.h"

static TcgEventLog *load_log(const char *rel) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *path = NULL;
        TcgEventLog *log = NULL;
        size_t size;

        assert_true(asprintf(&path, "%s/eventlog/%s", getenv("ATTEST_TEST_DATA"), rel) > 0);
        assert_int_equal(read_full_file(path, TCG_EVENTLOG_SIZE_MAX, &data, &size), 0);
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        return log;
}

/* The reference state create-mb makes for a log, as JSON objects to edit. */
static json_object *policy_for(const TcgEventLog *log) {
        BootState s;
        json_object *o;

        assert_int_equal(boot_state_extract(log, boot_state_default_alg(log), &s), 0);
        assert_int_equal(boot_state_to_policy_json(&s, &o), 0);
        boot_state_done(&s);
        return o;
}

static int evaluate(json_object *policy, const TcgEventLog *log, BootFailures *f) {
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL;
        const char *text = json_object_to_json_string(policy), *err = NULL;

        assert_int_equal(boot_policy_parse(text, strlen(text), &p, &err), 0);
        return boot_policy_evaluate(p, log, f);
}

/* A copy of a hex string with its first digit changed. */
static json_object *flipped(json_object *v) {
        char *s = strdup(json_object_get_string(v));
        json_object *n;
        s[0] = s[0] == '0' ? '1' : '0';
        n = json_object_new_string(s);
        free(s);
        return n;
}

static void flip(json_object *o, const char *key) {
        json_object_object_add(o, key, flipped(json_object_object_get(o, key)));
}

static void flip_idx(json_object *a, size_t i) {
        json_object_array_put_idx(a, i, flipped(json_object_array_get_idx(a, i)));
}

static void expect_one(json_object *policy, const TcgEventLog *log, const char *id) {
        BootFailures f = {};
        assert_int_equal(evaluate(policy, log, &f), 1);
        assert_string_equal(f.items[0].id, id);
        assert_true(f.items[0].event >= 0);
        assert_string_not_equal(f.items[0].expected, f.items[0].actual);
        boot_failures_done(&f);
}

static void test_created_policy_passes(void **state) {
        static const char *const logs[] = {
                "keylime/mb_log.bin", "keylime/binary_bios_measurements", "go-tpm-tools/ubuntu-1804-amd-sev.bin",
                "tpm2-tools/event-moklisttrusted.bin", "tpm2-tools/event-uefi-sha1-log.bin",
                "tpm2-tools/event-sd-boot-fedora37.bin",
                "go-attestation/sb_cert_eventlog",
        };
        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log(logs[i]);
                json_object *p = policy_for(log);
                BootFailures f = {};
                assert_int_equal(evaluate(p, log, &f), 0);
                json_object_put(p);
        }
}

static void test_tampered_digests(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("keylime/mb_log.bin");
        json_object *p;

        p = policy_for(log);
        flip(json_object_array_get_idx(json_object_object_get(p, "kernels"), 0), "kernel");
        expect_one(p, log, "mb.kernel_digest");
        json_object_put(p);

        p = policy_for(log);
        flip_idx(json_object_object_get(json_object_array_get_idx(json_object_object_get(p, "boot_applications"), 1), "digests"), 0);
        expect_one(p, log, "mb.boot_app_digest");
        json_object_put(p);

        p = policy_for(log);
        flip(json_object_array_get_idx(json_object_object_get(p, "db"), 0), "digest");
        expect_one(p, log, "mb.db");
        json_object_put(p);

        p = policy_for(log);
        flip_idx(json_object_object_get(json_object_array_get_idx(json_object_object_get(p, "kernels"), 0), "initrd"), 0);
        expect_one(p, log, "mb.initrd_digest");
        json_object_put(p);

        p = policy_for(log);
        json_object_object_add(json_object_array_get_idx(json_object_object_get(p, "kernels"), 0), "cmdline",
                               json_object_new_string("quiet"));
        expect_one(p, log, "mb.kernel_cmdline");
        json_object_put(p);

        p = policy_for(log);
        flip_idx(json_object_object_get(json_object_array_get_idx(json_object_object_get(p, "firmware"), 0), "blobs"), 1);
        expect_one(p, log, "mb.firmware_blob");
        json_object_put(p);
}

static void test_alternatives(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("keylime/mb_log.bin");
        json_object *p = policy_for(log), *stage, *digests, *kernels, *alt = NULL;
        BootFailures f = {};

        /* a second, different kernel and a second shim: still passes */
        stage = json_object_array_get_idx(json_object_object_get(p, "boot_applications"), 0);
        digests = json_object_object_get(stage, "digests");
        json_object_array_put_idx(digests, 1, json_object_get(json_object_array_get_idx(digests, 0)));
        flip_idx(digests, 0);
        kernels = json_object_object_get(p, "kernels");
        json_object_deep_copy(json_object_array_get_idx(kernels, 0), &alt, NULL);
        flip(alt, "kernel");
        json_object_array_add(kernels, json_object_get(json_object_array_get_idx(kernels, 0)));
        json_object_array_put_idx(kernels, 0, alt);   /* the real one is now last */
        assert_int_equal(evaluate(p, log, &f), 0);
        json_object_put(p);
}

static void test_stub_cmdline_and_initrd(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("tpm2-tools/event-sd-boot-fedora37.bin");
        json_object *p = policy_for(log), *k;

        /* systemd-stub: the command line from PCR 12, the initrd from the kernel's tagged event */
        k = json_object_array_get_idx(json_object_object_get(p, "kernels"), 0);
        assert_non_null(k);
        assert_null(json_object_object_get(k, "kernel"));
        assert_string_equal(json_object_get_string(json_object_object_get(k, "cmdline")),
                            " console=ttyS0 console=tty0 efi=debug ");
        assert_int_equal(json_object_array_length(json_object_object_get(k, "initrd")), 1);
        flip_idx(json_object_object_get(k, "initrd"), 0);
        expect_one(p, log, "mb.initrd_digest");
        json_object_put(p);
}

static void test_secure_boot_required(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("keylime/binary_bios_measurements");
        json_object *p = policy_for(log);

        assert_false(json_object_get_boolean(json_object_object_get(p, "secure_boot")));
        json_object_object_add(p, "secure_boot", json_object_new_boolean(true));
        expect_one(p, log, "mb.secure_boot");
        json_object_put(p);
}

#define TPM12_LOG "go-attestation/linux_tpm12.bin"

/* The reference state create-mb --quirk driver_config_data_only makes. */
static json_object *policy_with_quirk(const TcgEventLog *log) {
        BootState s;
        json_object *o;

        assert_int_equal(boot_state_extract_quirks(log, boot_state_default_alg(log),
                                                   BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY, &s), 0);
        assert_int_equal(s.problems.n, 0);
        assert_int_equal(s.notices.n, 5);
        assert_int_equal(s.pk.n_entries, 1);
        assert_int_equal(boot_state_to_policy_json(&s, &o), 0);
        boot_state_done(&s);
        return o;
}

static int evaluate_notices(json_object *policy, const TcgEventLog *log, BootFailures *f, BootFailures *n) {
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL;
        const char *text = json_object_to_json_string(policy), *err = NULL;

        assert_int_equal(boot_policy_parse(text, strlen(text), &p, &err), 0);
        return boot_policy_evaluate_notices(p, log, f, n);
}

/* The TPM 1.2 ThinkPad's firmware measures only the data of SecureBoot, PK, KEK, db and dbx
 * (events 6-10): refused by default, naming the events and the quirk. */
static void test_data_only_refused(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log(TPM12_LOG);
        json_object *p = policy_for(log);
        BootFailures f = {};

        assert_null(json_object_object_get(p, "quirks"));
        assert_int_equal(json_object_array_length(json_object_object_get(p, "pk")), 0);
        assert_int_equal(evaluate(p, log, &f), 5);
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(f.items[i].id, "mb.event_data");
                assert_int_equal(f.items[i].event, 6 + i);
                assert_non_null(strstr(f.items[i].expected, "driver_config_data_only"));
        }
        boot_failures_done(&f);
        json_object_put(p);
}

static void test_data_only_quirk(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log(TPM12_LOG);
        json_object *p = policy_with_quirk(log), *q;
        BootFailures f = {}, n = {};

        q = json_object_object_get(p, "quirks");
        assert_int_equal(json_object_array_length(q), 1);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(q, 0)), "driver_config_data_only");
        assert_int_equal(evaluate_notices(p, log, &f, &n), 0);
        assert_int_equal(n.n, 5);
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(n.items[i].id, "mb.driver_config_data_only");
                assert_int_equal(n.items[i].event, 6 + i);
        }
        assert_non_null(strstr(n.items[1].actual, "PK"));
        boot_failures_done(&n);

        /* the content read under the quirk is checked: another PK fails */
        flip(json_object_array_get_idx(json_object_object_get(p, "pk"), 0), "digest");
        expect_one(p, log, "mb.pk");

        /* without the key the same content is refused (and the dbx counts as unmeasured) */
        json_object_object_del(p, "quirks");
        assert_true(evaluate(p, log, &f) > 5);
        assert_string_equal(f.items[0].id, "mb.event_data");
        assert_int_equal(f.items[0].event, 6);
        boot_failures_done(&f);
        json_object_put(p);
}

/* The digest does not cover the variable's name: a log that relabels PK is refused even with the quirk. */
static void test_data_only_relabelled(void **state) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL, *orig = load_log(TPM12_LOG);
        static const uint8_t pk_name[] = { 'P', 0, 'K', 0, 0xa1, 0x59 };   /* "PK" and its first signature list */
        json_object *p = policy_with_quirk(orig);
        BootFailures f = {};
        uint8_t *at;
        size_t size;

        assert_true(asprintf(&path, "%s/eventlog/%s", getenv("ATTEST_TEST_DATA"), TPM12_LOG) > 0);
        assert_int_equal(read_full_file(path, TCG_EVENTLOG_SIZE_MAX, &data, &size), 0);
        at = memmem(data, size, pk_name, sizeof pk_name);
        assert_non_null(at);
        at[2] = 'X';
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        /* the first failure is the relabelled event; the variables after it are out of order */
        assert_true(evaluate(p, log, &f) >= 1);
        assert_string_equal(f.items[0].id, "mb.event_data");
        assert_int_equal(f.items[0].event, 7);
        assert_non_null(strstr(f.items[0].expected, "SecureBoot, PK, KEK, db, dbx"));
        boot_failures_done(&f);
        json_object_put(p);
}

/* A quirk the log does not need changes nothing: no notice, and create-mb leaves it out. */
static void test_data_only_unneeded(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("go-attestation/sb_cert_eventlog");
        json_object *p = policy_for(log), *q = json_object_new_array();
        BootFailures f = {}, n = {};
        BootState s;

        assert_int_equal(boot_state_extract_quirks(log, boot_state_default_alg(log),
                                                   BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY, &s), 0);
        assert_int_equal(s.notices.n, 0);
        boot_state_done(&s);
        json_object_array_add(q, json_object_new_string("driver_config_data_only"));
        json_object_object_add(p, "quirks", q);
        assert_int_equal(evaluate_notices(p, log, &f, &n), 0);
        assert_int_equal(n.n, 0);
        json_object_put(p);
}

static void test_quirks_malformed(void **state) {
        static const char *const bad[] = {
                "{\"version\": 1, \"hash_alg\": \"sha1\", \"quirks\": \"driver_config_data_only\"}",
                "{\"version\": 1, \"hash_alg\": \"sha1\", \"quirks\": [1]}",
                "{\"version\": 1, \"hash_alg\": \"sha1\", \"quirks\": [\"ebs\"]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                BootPolicy *p = NULL;
                const char *err = NULL;
                assert_int_equal(boot_policy_parse(bad[i], strlen(bad[i]), &p, &err), -EBADMSG);
                assert_non_null(strstr(err, i == 2 ? "unknown quirk \"ebs\"" : i == 1 ? "quirk" : "list"));
                assert_null(p);
        }
}

static void test_policy_malformed(void **state) {
        static const char *const bad[] = {
                "", "[]", "{}", "{\"version\": 2, \"hash_alg\": \"sha256\"}",
                "{\"version\": 1, \"hash_alg\": \"md5\"}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"secureboot\": true}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"secure_boot\": 1}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"firmware\": [{\"scrtm\": []}]}",
                "{\"version\": 1, \"hash_alg\": \"sha1\", \"firmware\": [{\"scrtm\": [\"00\"], \"blobs\": []}]}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"db\": [{\"type\": \"x509\"}]}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"db\": [{\"type\": \"pgp\", \"digest\": \"00\"}]}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"boot_applications\": [{\"stage\": \"shim\"}]}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"kernels\": [[]]}",
                "{\"version\": 1, \"hash_alg\": \"sha256\", \"kernels\": {}}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                BootPolicy *p = NULL;
                const char *err = NULL;
                assert_int_equal(boot_policy_parse(bad[i], strlen(bad[i]), &p, &err), -EBADMSG);
                assert_non_null(err);
                assert_null(p);
        }
}

static void test_policy_limits(void **state) {
        const char *head = "{\"version\": 1, \"hash_alg\": \"sha1\", \"boot_applications\": [{\"digests\": [";
        const char *entry = "\"0000000000000000000000000000000000000000\",";
        size_t n = strlen(head) + strlen(entry) * (BOOT_POLICY_ITEMS_MAX + 1) + 8;
        char *text = malloc(n), *p = text;
        BootPolicy *policy = NULL;
        const char *err = NULL;

        assert_non_null(text);
        p = stpcpy(p, head);
        for (size_t i = 0; i <= BOOT_POLICY_ITEMS_MAX; i++)
                p = stpcpy(p, entry);
        p[-1] = 0;
        p = stpcpy(p - 1, "]}]}");
        assert_int_equal(boot_policy_parse(text, strlen(text), &policy, &err), -E2BIG);   /* BOOT_POLICY_ITEMS_MAX */
        assert_int_equal(boot_policy_parse(text, BOOT_POLICY_SIZE_MAX + 1, &policy, &err), -E2BIG);   /* BOOT_POLICY_SIZE_MAX */
        assert_null(policy);
        free(text);
}

static void test_efi_decode(void **state) {
        static const uint8_t short_list[27] = {};
        uint8_t g[16];
        char s[EFI_GUID_STRING_MAX];
        EfiSignature *sigs = NULL;
        EfiVariable v;
        size_t n;

        assert_int_equal(efi_guid_from_string("8be4df61-93ca-11d2-aa0d-00e098032b8c", g), 0);
        efi_guid_to_string(g, s);
        assert_string_equal(s, "8be4df61-93ca-11d2-aa0d-00e098032b8c");
        assert_int_equal(efi_guid_from_string("8be4df61-93ca-11d2-aa0d-00e098032b8", g), -EINVAL);
        assert_int_equal(efi_signature_lists_parse(short_list, sizeof short_list, &sigs, &n), -EBADMSG);
        assert_int_equal(efi_variable_parse(short_list, sizeof short_list, &v), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_created_policy_passes),
                cmocka_unit_test(test_tampered_digests),
                cmocka_unit_test(test_alternatives),
                cmocka_unit_test(test_stub_cmdline_and_initrd),
                cmocka_unit_test(test_secure_boot_required),
                cmocka_unit_test(test_data_only_refused),
                cmocka_unit_test(test_data_only_quirk),
                cmocka_unit_test(test_data_only_relabelled),
                cmocka_unit_test(test_data_only_unneeded),
                cmocka_unit_test(test_quirks_malformed),
                cmocka_unit_test(test_policy_malformed),
                cmocka_unit_test(test_policy_limits),
                cmocka_unit_test(test_efi_decode),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
