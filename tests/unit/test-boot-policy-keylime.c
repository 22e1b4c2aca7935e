/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keylime measured-boot reference states (tests/data/keylime-mb, written by
 * keylime-policy from the logs under tests/data/eventlog) in the mb engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "boot-policy-json.h"
#include "fileio.h"
#include "json-parse.h"

static char *data_path(const char *rel) {
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", getenv("ATTEST_TEST_DATA"), rel) > 0);
        return path;
}

static TcgEventLog *load_log(const char *rel) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *path = data_path(rel);
        TcgEventLog *log = NULL;
        size_t size;

        assert_int_equal(read_full_file(path, TCG_EVENTLOG_SIZE_MAX, &data, &size), 0);
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        return log;
}

static json_object *load_ref(const char *rel) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *path = data_path(rel);
        json_object *o = NULL;
        size_t size;

        assert_int_equal(read_full_file(path, BOOT_POLICY_SIZE_MAX, &data, &size), 0);
        assert_int_equal(json_parse_text((const char *) data, size, BOOT_POLICY_SIZE_MAX, &o), 0);
        return o;
}

static int evaluate(json_object *ref, const TcgEventLog *log, BootFailures *f) {
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL;
        const char *text = json_object_to_json_string(ref), *err = NULL;

        assert_int_equal(boot_policy_parse(text, strlen(text), &p, &err), 0);
        assert_true(p->keylime);
        return boot_policy_evaluate(p, log, f);
}

/* "0x…" with its last digit changed. */
static void flip(json_object *o, const char *key) {
        char *s = strdup(json_object_get_string(json_object_object_get(o, key)));
        size_t n = strlen(s);

        s[n - 1] = s[n - 1] == '0' ? '1' : '0';
        json_object_object_add(o, key, json_object_new_string(s));
        free(s);
}

/* At least one failure, all of them named id. */
static void expect_only(json_object *ref, const TcgEventLog *log, const char *id) {
        BootFailures f = {};
        int n = evaluate(ref, log, &f);

        assert_true(n >= 1);
        for (size_t i = 0; i < f.n; i++)
                assert_string_equal(f.items[i].id, id);
        boot_failures_done(&f);
        json_object_put(ref);
}

static json_object *kernel0(json_object *ref) {
        return json_object_array_get_idx(json_object_object_get(ref, "kernels"), 0);
}

static json_object *firmware0(json_object *ref) {
        return json_object_array_get_idx(json_object_object_get(ref, "scrtm_and_bios"), 0);
}

static void test_reference_passes_its_log(void **state) {
        static const char *const logs[] = {
                "keylime/mb_log.bin", "go-attestation/sb_cert_eventlog",
                "go-tpm-tools/ubuntu-2104-no-secure-boot.bin", "go-tpm-tools/ubuntu-1804-amd-sev.bin",
        };
        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                _cleanup_free_ char *log_path = NULL, *ref_path = NULL;
                _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
                json_object *ref;
                BootFailures f = {};

                assert_true(asprintf(&log_path, "eventlog/%s", logs[i]) > 0);
                assert_true(asprintf(&ref_path, "keylime-mb/%s.json", strrchr(logs[i], '/') + 1) > 0);
                log = load_log(log_path);
                ref = load_ref(ref_path);
                assert_int_equal(evaluate(ref, log, &f), 0);
                json_object_put(ref);
        }
}

static void test_other_log_fails(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("eventlog/go-attestation/sb_cert_eventlog");
        json_object *ref = load_ref("keylime-mb/mb_log.bin.json");
        BootFailures f = {};

        assert_true(evaluate(ref, log, &f) > 0);
        boot_failures_done(&f);
        json_object_put(ref);
}

static void test_tampered_secure_boot(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("eventlog/keylime/mb_log.bin");
        const char *path = "keylime-mb/mb_log.bin.json";
        json_object *ref, *sig;

        ref = load_ref(path);
        flip(kernel0(ref), "shim_authcode_sha256");
        expect_only(ref, log, "mb.boot_app_digest");

        ref = load_ref(path);
        flip(kernel0(ref), "grub_authcode_sha256");
        expect_only(ref, log, "mb.boot_app_digest");

        ref = load_ref(path);
        flip(kernel0(ref), "kernel_authcode_sha256");
        expect_only(ref, log, "mb.boot_app_digest");

        ref = load_ref(path);
        flip(kernel0(ref), "initrd_plain_sha256");
        expect_only(ref, log, "mb.initrd_digest");

        ref = load_ref(path);
        json_object_object_add(kernel0(ref), "kernel_cmdline", json_object_new_string("quiet"));
        expect_only(ref, log, "mb.kernel_cmdline");

        ref = load_ref(path);
        flip(json_object_object_get(firmware0(ref), "scrtm"), "sha256");
        expect_only(ref, log, "mb.scrtm");

        ref = load_ref(path);
        flip(json_object_array_get_idx(json_object_object_get(firmware0(ref), "platform_firmware"), 0), "sha256");
        expect_only(ref, log, "mb.firmware_blob");

        ref = load_ref(path);
        flip(json_object_array_get_idx(json_object_object_get(ref, "mokdig"), 0), "sha256");
        expect_only(ref, log, "mb.moklist");

        ref = load_ref(path);
        flip(json_object_array_get_idx(json_object_object_get(ref, "mokxdig"), 0), "sha256");
        expect_only(ref, log, "mb.moklistx");

        ref = load_ref(path);
        json_object_object_add(ref, "mokdig", json_object_new_array());
        expect_only(ref, log, "mb.moklist");

        static const char *const lists[] = { "pk", "kek", "db", "dbx" };
        static const char *const ids[] = { "mb.pk", "mb.kek", "mb.db", "mb.dbx" };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
                ref = load_ref(path);
                sig = json_object_array_get_idx(json_object_object_get(ref, lists[i]), 0);
                flip(sig, "SignatureData");
                expect_only(ref, log, ids[i]);
        }

        /* Not in the log: a Secure Boot variable measured as enabled where the reference says disabled. */
        ref = load_ref(path);
        json_object_object_add(ref, "has_secureboot", json_object_new_boolean(false));
        json_object_object_add(kernel0(ref), "vmlinuz_plain_sha256", json_object_new_string(
                "0x0000000000000000000000000000000000000000000000000000000000000000"));
        {
                BootFailures f = {};
                bool secure_boot = false;
                assert_true(evaluate(ref, log, &f) >= 1);
                for (size_t i = 0; i < f.n; i++)
                        secure_boot = secure_boot || strcmp(f.items[i].id, "mb.secure_boot") == 0;
                assert_true(secure_boot);
                boot_failures_done(&f);
                json_object_put(ref);
        }
}

static void test_tampered_no_secure_boot(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("eventlog/go-tpm-tools/ubuntu-2104-no-secure-boot.bin");
        const char *path = "keylime-mb/ubuntu-2104-no-secure-boot.bin.json";
        json_object *ref;

        ref = load_ref(path);
        flip(kernel0(ref), "vmlinuz_plain_sha256");
        expect_only(ref, log, "mb.kernel_digest");

        ref = load_ref(path);
        flip(kernel0(ref), "shim_authcode_sha256");
        expect_only(ref, log, "mb.boot_app_digest");

        ref = load_ref(path);
        json_object_object_add(kernel0(ref), "kernel_cmdline", json_object_new_string("ro\\ quiet"));
        expect_only(ref, log, "mb.kernel_cmdline");

        ref = load_ref(path);
        json_object_object_add(ref, "has_secureboot", json_object_new_boolean(true));
        json_object_object_add(kernel0(ref), "kernel_authcode_sha256", json_object_new_string(
                "0x0000000000000000000000000000000000000000000000000000000000000000"));
        {
                BootFailures f = {};
                assert_true(evaluate(ref, log, &f) >= 1);
                assert_string_equal(f.items[0].id, "mb.secure_boot");
                boot_failures_done(&f);
                json_object_put(ref);
        }
}

static void test_malformed(void **state) {
#define MIN_REF "\"scrtm_and_bios\": [{\"platform_firmware\": []}], \"pk\": [], \"kek\": [], \"db\": [], " \
                "\"dbx\": [], \"mokdig\": [], \"mokxdig\": []"
#define D "\"0x0000000000000000000000000000000000000000000000000000000000000000\""
#define SB_KERNEL "\"kernels\": [{\"shim_authcode_sha256\": " D ", \"grub_authcode_sha256\": " D \
                  ", \"kernel_authcode_sha256\": " D "}]"
        static const struct {
                const char *text, *reason;
        } bad[] = {
                { "{\"has_secureboot\": \"yes\", " MIN_REF ", " SB_KERNEL "}", "\"has_secureboot\" must be" },
                { "{\"has_secureboot\": true, " MIN_REF "}", "\"kernels\" must be a list" },
                { "{\"has_secureboot\": true, " MIN_REF ", " SB_KERNEL ", \"allowlist\": []}", "unknown key \"allowlist\"" },
                { "{\"has_secureboot\": true, \"scrtm_and_bios\": [{}], \"pk\": [], \"kek\": [], \"db\": [], "
                  "\"dbx\": [], \"mokdig\": [], \"mokxdig\": [], " SB_KERNEL "}", "\"platform_firmware\" must be a list" },
                { "{\"has_secureboot\": true, \"scrtm_and_bios\": [{\"scrtm\": {\"sha1\": \"0x00\"}, "
                  "\"platform_firmware\": []}], \"pk\": [], \"kek\": [], \"db\": [], \"dbx\": [], \"mokdig\": [], "
                  "\"mokxdig\": [], " SB_KERNEL "}", "{\"sha256\": \"0x…\"}" },
                { "{\"has_secureboot\": true, \"scrtm_and_bios\": [{\"platform_firmware\": []}], \"pk\": [], "
                  "\"kek\": [], \"db\": [], \"dbx\": [], \"mokdig\": [], " SB_KERNEL "}", "\"mokxdig\" must be a list" },
                { "{\"has_secureboot\": true, \"scrtm_and_bios\": [{\"platform_firmware\": []}], \"pk\": "
                  "[{\"SignatureData\": \"0x00\"}], \"kek\": [], \"db\": [], \"dbx\": [], \"mokdig\": [], "
                  "\"mokxdig\": [], " SB_KERNEL "}", "\"SignatureOwner\"" },
                { "{\"has_secureboot\": true, " MIN_REF ", \"kernels\": [{\"shim_authcode_sha256\": " D
                  ", \"grub_authcode_sha256\": " D "}]}", "\"kernel_authcode_sha256\"" },
                { "{\"has_secureboot\": false, " MIN_REF ", \"kernels\": [{\"shim_authcode_sha256\": " D
                  ", \"grub_authcode_sha256\": " D "}]}", "\"vmlinuz_plain_sha256\"" },
                { "{\"has_secureboot\": true, " MIN_REF ", \"kernels\": [{\"shim_authcode_sha256\": \"00\", "
                  "\"grub_authcode_sha256\": " D ", \"kernel_authcode_sha256\": " D "}]}", "64 hex digits" },
                { "{\"has_secureboot\": true, " MIN_REF ", \"kernels\": [{\"shim_authcode_sha256\": " D
                  ", \"grub_authcode_sha256\": " D ", \"kernel_authcode_sha256\": " D
                  ", \"kernel_cmdline\": \"ro .*\"}]}", "escaped literal" },
                { "{\"has_secureboot\": true, " MIN_REF ", \"vendor_db\": [{\"SignatureOwner\": \"x\", "
                  "\"SignatureData\": \"0x00\"}], " SB_KERNEL "}", "\"vendor_db\" entries are not supported" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                BootPolicy *p = NULL;
                const char *err = NULL;
                assert_int_equal(boot_policy_parse(bad[i].text, strlen(bad[i].text), &p, &err), -EBADMSG);
                assert_non_null(err);
                if (!strstr(err, bad[i].reason))
                        fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].reason);
                assert_null(p);
        }
}

/* keylime-policy writes a reference without vmlinuz_plain_sha256 when grub measures no kernel;
 * Keylime refuses it, and so does the engine, naming the key. */
static void test_incomplete_reference_refused(void **state) {
        json_object *ref = load_ref("keylime-mb/arch-linux-workstation.bin.json");
        const char *text = json_object_to_json_string(ref), *err = NULL;
        BootPolicy *p = NULL;

        assert_int_equal(boot_policy_parse(text, strlen(text), &p, &err), -EBADMSG);
        assert_non_null(strstr(err, "vmlinuz_plain_sha256"));
        json_object_put(ref);
}

/* attestctl policy convert --to hostattest: the converted reference passes the log, keeps
 * "secure_boot": "disabled" and the optional second kernel measurement. */
static void test_convert(void **state) {
        static const char *const logs[] = { "keylime/mb_log.bin", "go-tpm-tools/ubuntu-2104-no-secure-boot.bin" };
        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                _cleanup_free_ char *log_path = NULL, *ref_path = NULL;
                _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
                _cleanup_(boot_policy_freep) BootPolicy *k = NULL, *h = NULL;
                json_object *ref, *o;
                const char *text, *err = NULL;
                BootFailures f = {};

                assert_true(asprintf(&log_path, "eventlog/%s", logs[i]) > 0);
                assert_true(asprintf(&ref_path, "keylime-mb/%s.json", strrchr(logs[i], '/') + 1) > 0);
                log = load_log(log_path);
                ref = load_ref(ref_path);
                text = json_object_to_json_string(ref);
                assert_int_equal(boot_policy_parse(text, strlen(text), &k, &err), 0);
                assert_int_equal(boot_policy_to_json(k, &o), 0);
                text = json_object_to_json_string(o);
                assert_int_equal(boot_policy_parse(text, strlen(text), &h, &err), 0);
                assert_false(h->keylime);
                assert_int_equal(h->secure_boot, k->secure_boot);
                assert_int_equal(h->n_stages, k->n_stages);
                assert_int_equal(h->stages[h->n_stages - 1].optional, i == 0);
                assert_true(h->has_moklist && h->has_moklistx);
                assert_int_equal(h->moklist.n, k->moklist.n);
                assert_int_equal(boot_policy_evaluate(h, log, &f), 0);
                json_object_put(o);
                json_object_put(ref);
        }
}

static void test_native_secure_boot_disabled(void **state) {
        static const char bad[] = "{\"version\": 1, \"hash_alg\": \"sha256\", \"secure_boot\": \"off\"}";
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("eventlog/keylime/mb_log.bin");
        static const char text[] = "{\"version\": 1, \"hash_alg\": \"sha256\", \"secure_boot\": \"disabled\"}";
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL;
        const char *err = NULL;
        BootFailures f = {};

        assert_int_equal(boot_policy_parse(bad, strlen(bad), &p, &err), -EBADMSG);
        assert_int_equal(boot_policy_parse(text, strlen(text), &p, &err), 0);
        assert_int_equal(boot_policy_evaluate(p, log, &f), 1);
        assert_string_equal(f.items[0].id, "mb.secure_boot");
        assert_string_equal(f.items[0].expected, "disabled");
        boot_failures_done(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reference_passes_its_log),
                cmocka_unit_test(test_other_log_fails),
                cmocka_unit_test(test_tampered_secure_boot),
                cmocka_unit_test(test_tampered_no_secure_boot),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_incomplete_reference_refused),
                cmocka_unit_test(test_convert),
                cmocka_unit_test(test_native_secure_boot_disabled),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
