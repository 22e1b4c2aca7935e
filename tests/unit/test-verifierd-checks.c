/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's own checks: policies (through the built engines) and names, and EK certificate checking
 * with the quirks it tolerates (certificates are made here with OpenSSL). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verifierd.h"
#include "conf-parser.h"
#include "verifierd-config.h"
#include "verifierd-policy.h"

/* A manager with only what policy validation uses: the built plugins and a policy cache. */
static Manager manager;

static int setup_manager(void) {
        const char *root = getenv("ATTEST_BUILD_ROOT");
        char dir[4096];

        assert_non_null(root);
        assert_true((size_t) snprintf(dir, sizeof dir, "%s/plugins", root) < sizeof dir);
        assert_int_equal(plugin_set_load(dir, &manager.push.plugins), 0);
        assert_int_equal(policy_cache_new(&manager.push.cache), 0);
        return 0;
}

static char error[POLICY_ERROR_MAX];

static int validate(const char *kind, const char *text) {
        error[0] = 0;
        return policy_validate(&manager, kind, (const uint8_t *) text, strlen(text), error, sizeof error);
}

#define ZERO32 "\"0000000000000000000000000000000000000000000000000000000000000000\""

/* What the tpm engine accepts, and its message when it does not. */
static void test_tpm_policy(void **state) {
        assert_int_equal(validate("tpm", "{\"0\": [" ZERO32 "], \"7\": " ZERO32 ", \"mask\": \"0x81\"}"), 0);
        assert_int_equal(validate("tpm", "{}"), 0);
        assert_int_equal(validate("tpm", "{\"01\": [" ZERO32 "]}"), -EBADMSG);   /* PCR keys have no leading zero */
        assert_int_equal(validate("tpm", "{\"15\": [" ZERO32 "], \"max_reboots_since_enrolment\": 2, "
                                         "\"require_clock_safe\": true}"), 0); /* the clock rules */
        assert_int_equal(validate("tpm", "{\"7\": \"ff\"}"), -EBADMSG);         /* no bank has 1-byte digests */
        assert_non_null(strstr(error, "tpm policy: an allowed value is not the hex digest of a known bank"));
        assert_int_equal(validate("tpm", "{\"24\": [" ZERO32 "]}"), -EBADMSG);  /* no such PCR */
        assert_non_null(strstr(error, "PCR numbers are 0-23"));
        assert_int_equal(validate("tpm", "{\"x\": [" ZERO32 "]}"), -EBADMSG);   /* not a PCR number */
        assert_int_equal(validate("tpm", "{\"0\": [1]}"), -EBADMSG);            /* not a string */
        assert_int_equal(validate("tpm", "{\"0\": {}}"), -EBADMSG);
        assert_int_equal(validate("tpm", "{\"mask\": 5}"), -EBADMSG);
        assert_int_equal(validate("tpm", "{\"require_clock_safe\": 1}"), -EBADMSG);
        assert_int_equal(validate("tpm", "{\"max_reboots_since_enrolment\": -1}"), -EBADMSG);
        assert_int_equal(validate("tpm", "[]"), -EBADMSG);
        assert_int_equal(policy_cache_size(manager.push.cache), 0);             /* validation keeps nothing */
}

static void test_other_policies(void **state) {
        assert_int_equal(validate("runtime", "{\"a\": 1} trailing"), -EBADMSG);
        assert_non_null(strstr(error, "runtime policy: "));
        assert_true(validate("runtime", "[]") < 0);
        assert_true(validate("boot", "{") < 0);
        assert_non_null(strstr(error, "boot policy: "));
        assert_int_equal(validate("Other!", "{}"), -EINVAL);              /* not a kind */
        assert_int_equal(validate("other", "{}"), -ENOPKG);               /* an engine kind, not loaded */
        assert_string_equal(error, "no policy engine plugin 'other'");
        assert_int_equal(validate("mb", "{}"), -EINVAL);                  /* mb policies are the boot kind */
        assert_int_equal(policy_validate(&manager, "boot", (const uint8_t *) "", 0, error, sizeof error) < 0, 1);
}

/* Any loaded engine's policies, compiled by that engine: here the built exec engine. */
static void test_engine_policies(void **state) {
        assert_int_equal(validate("exec", "{\"command\": [\"/bin/true\"], \"needs\": [\"ima_log\"]}"), 0);
        assert_true(validate("exec", "{}") < 0);
        assert_non_null(strstr(error, "command"));
        assert_true(validate("exec", "{\"command\": [\"relative\"]}") < 0);
        assert_int_equal(policy_cache_size(manager.push.cache), 0);
}

/* tenant.conf policy.ENGINE= settings: one per engine, the last wins, empty drops it. */
static void test_tenant_engine_policies(void **state) {
        char path[] = "/tmp/test-tenant-XXXXXX";
        TenantConfig t = {};
        int fd = mkstemp(path);
        char **l = NULL;

        assert_true(fd >= 0);
        assert_true(dprintf(fd, "[Enrolment]\nruntime_policy = fleet\npolicy.exec = /etc/hostattest/exec.json\n"
                               "policy.opa = site\npolicy.exec = /etc/hostattest/exec2.json\npolicy.old = x\n"
                               "policy.old =\n") > 0);
        close(fd);
        assert_int_equal(tenant_config_load(path, &t), 0);
        assert_string_equal(t.runtime_policy, "fleet");
        assert_int_equal(strv_length(t.engine_policies), 2);
        assert_string_equal(t.engine_policies[0], "opa=site");
        assert_string_equal(t.engine_policies[1], "exec=/etc/hostattest/exec2.json");
        tenant_config_done(&t);
        assert_int_equal(unlink(path), 0);

        assert_int_equal(config_parse_engine_policy("=x", &l), -EINVAL);
        assert_int_equal(config_parse_engine_policy("novalue", &l), -EINVAL);
        assert_null(l);
}

static void test_missing_engine(void **state) {
        PluginSet *plugins = manager.push.plugins;

        manager.push.plugins = NULL;
        assert_int_equal(validate("tpm", "{}"), -ENOPKG);
        assert_string_equal(error, "no policy engine plugin 'tpm'");
        manager.push.plugins = plugins;
}

static void test_policy_names(void **state) {
        char long_name[66];

        assert_true(policy_kind_is_valid("tpm") && policy_kind_is_valid("boot") && policy_kind_is_valid("runtime"));
        assert_false(policy_kind_is_valid("ima"));
        assert_false(policy_kind_is_valid("mb"));
        assert_true(policy_kind_is_valid("exec") && policy_kind_is_valid("opa-v2") && policy_kind_is_valid("x_1"));
        assert_false(policy_kind_is_valid("Exec") || policy_kind_is_valid("1x") || policy_kind_is_valid("") ||
                     policy_kind_is_valid("a.b") || policy_kind_is_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_true(policy_kind_is_engine("exec"));
        assert_false(policy_kind_is_engine("tpm") || policy_kind_is_engine("boot") || policy_kind_is_engine("runtime") ||
                     policy_kind_is_engine("mb") || policy_kind_is_engine("ima"));
        assert_string_equal(policy_kind_engine("exec"), "exec");
        assert_null(policy_kind_engine("ima"));
        assert_string_equal(policy_kind_engine("tpm"), "tpm");
        assert_string_equal(policy_kind_engine("boot"), "mb");
        assert_string_equal(policy_kind_engine("runtime"), "ima");
        assert_true(policy_name_is_valid("fleet-2024.1_a"));
        assert_false(policy_name_is_valid(""));
        assert_false(policy_name_is_valid(".x"));
        assert_false(policy_name_is_valid("/etc/x"));
        assert_false(policy_name_is_valid("a b"));
        memset(long_name, 'a', 64);
        long_name[64] = 0;
        assert_true(policy_name_is_valid(long_name));
        long_name[64] = 'a';
        long_name[65] = 0;
        assert_false(policy_name_is_valid(long_name));
}

/* --- EK certificates */

static EVP_PKEY *ca_key, *ek_key, *other_key;
static X509 *ca_cert;
static X509_STORE *store;

static EVP_PKEY *new_key(void) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        assert_non_null(k);
        return k;
}

static void add_ext(X509 *x, X509 *issuer, const char *name, const char *value) {
        X509V3_CTX ctx;
        X509_EXTENSION *e;

        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        e = X509V3_EXT_conf(NULL, &ctx, name, value);
        assert_non_null(e);
        assert_true(X509_add_ext(x, e, -1));
        X509_EXTENSION_free(e);
}

/* A certificate for key, signed by ca (self-signed when ca is NULL), with extensions
 * given as name/value pairs. Returns its DER. */
static uint8_t *make_cert(EVP_PKEY *key, const char *cn, const char *const *exts, size_t n_exts, size_t *ret_size,
                          X509 **ret_x509) {
        X509 *x = X509_new();
        X509_NAME *name = X509_NAME_new();
        uint8_t *der = NULL;
        int len;

        assert_non_null(x);
        assert_true(X509_set_version(x, 2));
        assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
        assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0));
        assert_true(X509_set_subject_name(x, name));
        assert_true(X509_set_issuer_name(x, ca_cert ? X509_get_subject_name(ca_cert) : name));
        assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
        assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
        assert_true(X509_set_pubkey(x, key));
        for (size_t i = 0; i < n_exts; i++)
                add_ext(x, ca_cert ?: x, exts[2 * i], exts[2 * i + 1]);
        assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
        X509_NAME_free(name);
        len = i2d_X509(x, &der);
        assert_true(len > 0);
        *ret_size = (size_t) len;
        if (ret_x509)
                *ret_x509 = x;
        else
                X509_free(x);
        return der;
}

static int setup_certs(void **state) {
        static const char *const ca_exts[] = { "basicConstraints", "critical,CA:TRUE", "keyUsage", "critical,keyCertSign" };
        size_t n;

        setup_manager();
        ca_key = new_key();
        ek_key = new_key();
        other_key = new_key();
        OPENSSL_free(make_cert(ca_key, "Test EK CA", ca_exts, 2, &n, &ca_cert));
        store = X509_STORE_new();
        assert_non_null(store);
        assert_true(X509_STORE_add_cert(store, ca_cert));
        return 0;
}

static int teardown_certs(void **state) {
        policy_cache_free(manager.push.cache);
        plugin_set_free(manager.push.plugins);
        X509_STORE_free(store);
        X509_free(ca_cert);
        EVP_PKEY_free(ca_key);
        EVP_PKEY_free(ek_key);
        EVP_PKEY_free(other_key);
        return 0;
}

static int check(const uint8_t *der, size_t n, EVP_PKEY *key, X509_STORE *s) {
        char *reason = NULL;
        int r = certificate_check(s, der, n, key, &reason);
        free(reason);
        return r;
}

static void test_ek_cert_plain(void **state) {
        size_t n;
        uint8_t *der = make_cert(ek_key, "EK", NULL, 0, &n, NULL);

        assert_int_equal(check(der, n, ek_key, store), 0);
        assert_int_equal(check(der, n, ek_key, NULL), 0);                  /* no CA directory: key only */
        assert_int_equal(check(der, n, other_key, store), -EKEYREJECTED);  /* not the EK's certificate */
        assert_int_equal(check(der, n - 1, ek_key, store), -EBADMSG);      /* truncated */
        assert_int_equal(check(der, 0, ek_key, store), -EBADMSG);
        OPENSSL_free(der);
}

static void test_ek_cert_untrusted(void **state) {
        X509_STORE *empty = X509_STORE_new();
        size_t n;
        uint8_t *der = make_cert(ek_key, "EK", NULL, 0, &n, NULL);

        assert_int_equal(check(der, n, ek_key, empty), -EPERM);
        X509_STORE_free(empty);
        OPENSSL_free(der);
}

static void test_ek_cert_padding(void **state) {
        size_t n;
        uint8_t *der = make_cert(ek_key, "EK", NULL, 0, &n, NULL);
        uint8_t *padded = malloc(n + 16);

        assert_non_null(padded);
        memcpy(padded, der, n);
        memset(padded + n, 0x00, 8);
        memset(padded + n + 8, 0xff, 8);
        assert_int_equal(check(padded, n + 16, ek_key, store), 0);
        padded[n + 3] = 0x42;                                               /* not padding */
        assert_int_equal(check(padded, n + 16, ek_key, store), -EBADMSG);
        free(padded);
        OPENSSL_free(der);
}

static void test_ek_cert_critical_extensions(void **state) {
        static const char *const tcg[] = {
                "2.5.29.9", "critical,DER:3000",             /* subjectDirectoryAttributes */
                "2.23.133.8.1", "critical,DER:0500",         /* a TCG OID */
        };
        static const char *const unknown[] = { "1.3.6.1.4.1.99999.1", "critical,DER:0500" };
        static const char *const noncritical[] = { "1.3.6.1.4.1.99999.1", "DER:0500" };
        size_t n;
        uint8_t *der;

        der = make_cert(ek_key, "EK", tcg, 2, &n, NULL);
        assert_int_equal(check(der, n, ek_key, store), 0);
        OPENSSL_free(der);
        der = make_cert(ek_key, "EK", unknown, 1, &n, NULL);
        assert_int_equal(check(der, n, ek_key, store), -EPERM);
        OPENSSL_free(der);
        der = make_cert(ek_key, "EK", noncritical, 1, &n, NULL);
        assert_int_equal(check(der, n, ek_key, store), 0);
        OPENSSL_free(der);
}

/* The address in an agent's Keylime entry, from verifier_url=. */
static void test_url_host_port(void **state) {
        static const struct {
                const char *url, *host;
                uint16_t port;
        } good[] = {
                { "https://127.0.0.1:8881/", "127.0.0.1", 8881 },
                { "https://verifier.example", "verifier.example", 443 },
                { "http://[fd00::1]/v3.0?x#y", "fd00::1", 80 },
                { "https://[fd00::1]:9/", "fd00::1", 9 },
        };
        static const char *const bad[] = {
                "ftp://host/",          /* not http(s) */
                "https://:8881/",       /* no host */
                "https://[]:1/",        /* empty IPv6 address */
                "https://[fd00::1/",    /* unclosed */
                "https://[fd00::1]x/",
                "https://h:/",          /* empty port */
                "https://h:0/",
                "https://h:65536/",
                "https://h:8a/",
        };
        char *host;
        uint16_t port;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                assert_int_equal(url_host_port(good[i].url, &host, &port), 0);
                assert_string_equal(host, good[i].host);
                assert_int_equal(port, good[i].port);
                free(host);
        }
        /* Refused: nothing written. */
        host = NULL;
        port = 1;
        assert_int_equal(url_host_port(NULL, &host, &port), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(url_host_port(bad[i], &host, &port), -EINVAL);
        assert_null(host);
        assert_int_equal(port, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tpm_policy),
                cmocka_unit_test(test_other_policies),
                cmocka_unit_test(test_engine_policies),
                cmocka_unit_test(test_tenant_engine_policies),
                cmocka_unit_test(test_missing_engine),
                cmocka_unit_test(test_policy_names),
                cmocka_unit_test(test_ek_cert_plain),
                cmocka_unit_test(test_ek_cert_untrusted),
                cmocka_unit_test(test_ek_cert_padding),
                cmocka_unit_test(test_ek_cert_critical_extensions),
                cmocka_unit_test(test_url_host_port),
        };
        return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
}
