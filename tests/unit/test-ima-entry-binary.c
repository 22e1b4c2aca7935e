/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "ima-entry.h"
#include "ima-fixture.h"
#include "macro.h"

static ImaEntryBuffer buffer, buffer2;

static size_t put_le32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v, p[1] = (uint8_t) (v >> 8), p[2] = (uint8_t) (v >> 16), p[3] = (uint8_t) (v >> 24);
        return 4;
}

/* A binary record: pcr, 20-byte hash, template name, data (with its length unless legacy). */
static size_t record(uint8_t *out, uint32_t pcr, const char *tname, const void *data, size_t size, bool with_len) {
        size_t o = put_le32(out, pcr);
        memset(out + o, 0x11, 20);
        o += 20;
        o += put_le32(out + o, (uint32_t) strlen(tname));
        memcpy(out + o, tname, strlen(tname));
        o += strlen(tname);
        if (with_len)
                o += put_le32(out + o, (uint32_t) size);
        memcpy(out + o, data, size);
        return o + size;
}

static void test_tpm2_tss_fixture(void **state) {
        static const char *const names[] = {
                "boot_aggregate", "/init", "/usr/bin/sh", "/usr/lib/x86_64-linux-gnu/ld-2.31.so",
                "/etc/ld.so.cache",
        };
        size_t size, o = 0, n = 0;
        _cleanup_free_ char *data = fixture_read("ima/tpm2-tss/sml-ima-ng-sha1.bin", &size);
        const uint8_t *p = (const uint8_t *) data;
        ImaEntry e;
        uint8_t h[20];

        while (o + 1 < size) {
                assert_int_equal(ima_entry_parse_binary(p, size, &o, &buffer, &e), 0);
                assert_int_equal(e.pcr, 10);
                assert_int_equal(e.template, IMA_TEMPLATE_IMA_NG);
                if (n < ELEMENTSOF(names))
                        assert_string_equal(e.name, names[n]);
                assert_int_equal(hash_alg_digest(hash_alg_from_name("sha1"), e.template_data, e.template_data_size, h), 0);
                assert_memory_equal(h, e.template_hash, 20);
                n++;
        }
        assert_int_equal(n, 6);
        /* The collection left one newline byte after the last record. */
        assert_int_equal(o, size - 1);
        assert_int_equal(ima_entry_parse_binary(p, size, &o, &buffer, &e), -EBADMSG);
        assert_int_equal(o, size - 1);
}

static void test_truncated_fixture(void **state) {
        size_t size, o = 0;
        _cleanup_free_ char *data = fixture_read("ima/tpm2-tss/sml-ima-ng-sha1-invalidated.bin", &size);
        ImaEntry e;

        /* The record declares 49 bytes of template data; 48 are present. */
        assert_int_equal(ima_entry_parse_binary((const uint8_t *) data, size, &o, &buffer, &e), -EBADMSG);
        assert_int_equal(o, 0);
}

/* The same entry as ascii and as binary has the same template data. */
static void test_ascii_binary_agree(void **state) {
        static const char *const lines[] = {
                "10 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng sha1:19f13b42c2745066347e76454788c0fe083643f3 /init",
                "10 d7026dc672344d3ee372217bdbc7395947788671 ima 6f66d1d8e2fffcc12dfcb78c04b81fe5b8bbae4e /usr/bin/kmod",
        };
        uint8_t rec[1024];
        ImaEntry a, b;

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                size_t o = 0, n;
                assert_int_equal(ima_entry_parse_ascii(lines[i], strlen(lines[i]), &buffer, &a), 0);
                if (a.template == IMA_TEMPLATE_IMA) {
                        uint8_t legacy[20 + 4 + 64];
                        memcpy(legacy, a.digest.data, 20);
                        put_le32(legacy + 20, (uint32_t) a.name_len);
                        memcpy(legacy + 24, a.name, a.name_len);
                        n = record(rec, 10, "ima", legacy, 24 + a.name_len, false);
                } else
                        n = record(rec, 10, "ima-ng", a.template_data, a.template_data_size, true);
                assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer2, &b), 0);
                assert_int_equal(o, n);
                assert_int_equal(b.template, a.template);
                assert_string_equal(b.name, a.name);
                assert_int_equal(b.template_data_size, a.template_data_size);
                assert_memory_equal(b.template_data, a.template_data, a.template_data_size);
        }
}

static void test_malformed(void **state) {
        static const uint8_t ng_ok[] = { 7, 0, 0, 0, 's', 'h', 'a', '1', ':', 0, 0xaa, 2, 0, 0, 0, '/', 0 };
        uint8_t rec[512], data[64];
        size_t o = 0, n;
        ImaEntry e;

        /* The sha1 digest must be 20 bytes. */
        n = record(rec, 10, "ima-ng", ng_ok, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);

        /* An unknown algorithm takes any size. */
        memcpy(data, ng_ok, sizeof ng_ok);
        memcpy(data + 4, "abc1", 4);
        n = record(rec, 10, "ima-ng", data, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), 0);
        assert_int_equal(e.digest.size, 1);

        /* d-ng without ':' then NUL. */
        memcpy(data + 8, "x", 1);
        o = 0;
        n = record(rec, 10, "ima-ng", data, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);

        /* n-ng without its NUL. */
        memcpy(data, ng_ok, sizeof ng_ok);
        memcpy(data + 4, "abc1", 4);
        data[16] = 'x';
        o = 0;
        n = record(rec, 10, "ima-ng", data, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);

        /* Trailing bytes inside the template data. */
        data[16] = 0;
        data[17] = 0;
        o = 0;
        n = record(rec, 10, "ima-ng", data, sizeof ng_ok + 1, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);

        /* Field length past the data. */
        data[0] = 60;
        o = 0;
        n = record(rec, 10, "ima-ng", data, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);

        /* Unknown template; name with NUL in the legacy template; short record. */
        o = 0;
        n = record(rec, 10, "ima-xx", ng_ok, sizeof ng_ok, true);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EPROTONOSUPPORT);
        memset(data, 0, sizeof data);
        put_le32(data + 20, 2);
        n = record(rec, 10, "ima", data, 26, false);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -EBADMSG);
        assert_int_equal(ima_entry_parse_binary(rec, 10, &o, &buffer, &e), -EBADMSG);
        assert_int_equal(o, 0);
}

static void test_limits(void **state) {
        static const uint8_t ng_ok[] = { 7, 0, 0, 0, 's', 'h', 'a', '1', ':', 0, 0xaa, 2, 0, 0, 0, '/', 0 };
        uint8_t rec[512], legacy[24];
        size_t o = 0, n;
        ImaEntry e;

        n = record(rec, 24, "ima-ng", ng_ok, sizeof ng_ok, true);                       /* IMA_PCR_MAX */
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -E2BIG);

        n = record(rec, 10, "ima-ngaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ng_ok, sizeof ng_ok, true); /* name 33 */
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -E2BIG);

        n = record(rec, 10, "ima-ng", ng_ok, 0, false);                                /* IMA_TEMPLATE_DATA_MAX */
        n += put_le32(rec + n, IMA_TEMPLATE_DATA_MAX + 1);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -E2BIG);

        memset(legacy, 0, sizeof legacy);                                                /* IMA_LEGACY_NAME_MAX */
        put_le32(legacy + 20, IMA_LEGACY_NAME_MAX + 1);
        n = record(rec, 10, "ima", legacy, sizeof legacy, false);
        assert_int_equal(ima_entry_parse_binary(rec, n, &o, &buffer, &e), -E2BIG);
        assert_int_equal(o, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tpm2_tss_fixture),
                cmocka_unit_test(test_truncated_fixture),
                cmocka_unit_test(test_ascii_binary_agree),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
