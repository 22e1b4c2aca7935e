/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "efi-decode.h"
#include "test-buf.h"

static void put_utf16(Buf *b, const char *s) {
        for (; *s; s++)
                put_le(b, (uint8_t) *s, 2);
        put_le(b, 0, 2);
}

/* UEFI_VARIABLE_DATA */
static void put_variable(Buf *b, const char *name, uint64_t name_len, const void *data, size_t n, uint64_t data_len) {
        static const uint8_t guid[16] = { 0x61, 0xdf, 0xe4, 0x8b };
        put(b, guid, 16);
        put_le(b, name_len, 8);
        put_le(b, data_len, 8);
        for (const char *s = name; *s; s++)
                put_le(b, (uint8_t) *s, 2);
        put(b, data, n);
}

static void test_variable(void **state) {
        EfiVariable v;
        Buf b = {};

        put_variable(&b, "SecureBoot", 10, "\1", 1, 1);
        assert_int_equal(efi_variable_parse(b.p, b.n, &v), 0);
        assert_string_equal(v.name, "SecureBoot");
        assert_int_equal(v.data_size, 1);
        efi_variable_done(&v);
        reset(&b);

        put_variable(&b, "SecureBoot", 10, "\1\2", 2, 1);
        assert_int_equal(efi_variable_parse(b.p, b.n, &v), -EBADMSG);   /* trailing byte */
        reset(&b);
        put_variable(&b, "SecureBoot", 10, "\1", 1, 2);
        assert_int_equal(efi_variable_parse(b.p, b.n, &v), -EBADMSG);   /* short data */
        reset(&b);
        put_variable(&b, "Secure", 10, "", 0, 0);
        assert_int_equal(efi_variable_parse(b.p, b.n, &v), -EBADMSG);   /* short name */
        reset(&b);
        put_variable(&b, "", EFI_VARIABLE_NAME_MAX + 1, "", 0, 0);
        assert_int_equal(efi_variable_parse(b.p, b.n, &v), -E2BIG);     /* EFI_VARIABLE_NAME_MAX */
        reset(&b);
}

static void put_list(Buf *b, const char *type, uint32_t header, uint32_t sig_size, size_t count) {
        uint8_t guid[16], entry[64] = {};
        assert_int_equal(efi_signature_type_from_name(type, guid), 0);
        put(b, guid, 16);
        put_le(b, 28 + header + sig_size * count, 4);
        put_le(b, header, 4);
        put_le(b, sig_size, 4);
        for (size_t i = 0; i < header; i++)
                put(b, "h", 1);
        for (size_t i = 0; i < count; i++) {
                entry[16] = (uint8_t) i;
                put(b, entry, sig_size);
        }
}

static void test_signature_lists(void **state) {
        EfiSignature *sigs = NULL;
        uint8_t d[HASH_ALG_MAX_DIGEST_SIZE];
        size_t n, dn;
        Buf b = {};

        put_list(&b, "sha256", 0, 48, 3);
        put_list(&b, "x509", 2, 40, 1);
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(efi_signature_type_name(sigs[0].type), "sha256");
        assert_int_equal(sigs[2].data[0], 2);
        assert_int_equal(efi_signature_digest(sigs + 2, d, &dn), 0);
        assert_int_equal(dn, 32);
        assert_int_equal(d[0], 2);
        assert_true(efi_signature_is_x509(sigs[3].type));
        assert_int_equal(efi_signature_digest(sigs + 3, d, &dn), 0);   /* sha256 of the certificate */
        assert_int_equal(dn, 32);
        free(sigs);
        sigs = NULL;
        b.n -= 1;
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), -EBADMSG);   /* truncated list */
        reset(&b);

        put_list(&b, "sha256", 0, 48, 1);
        b.p[16] = 27;   /* SignatureListSize below the header */
        b.p[17] = b.p[18] = b.p[19] = 0;
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), -EBADMSG);
        reset(&b);
        put_list(&b, "sha256", 0, 16, 1);   /* SignatureSize with no data */
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), -EBADMSG);
        reset(&b);
        put_list(&b, "sha256", 0, 48, 1);
        b.p[20] = 1;    /* header larger than what the list holds */
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), -EBADMSG);
        reset(&b);
        put_list(&b, "sha256", 0, 17, EFI_SIGNATURES_MAX + 1);
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), -E2BIG);   /* EFI_SIGNATURES_MAX */
        reset(&b);
        put_list(&b, "sha256", 0, 40, 1);   /* a sha256 entry must hold 32 bytes */
        assert_int_equal(efi_signature_lists_parse(b.p, b.n, &sigs, &n), 0);
        assert_int_equal(efi_signature_digest(sigs, d, &dn), -EBADMSG);
        free(sigs);
        reset(&b);
}

static void put_node(Buf *b, uint8_t type, uint8_t subtype, const void *body, size_t n) {
        put(b, &type, 1);
        put(b, &subtype, 1);
        put_le(b, 4 + n, 2);
        put(b, body, n);
}

static void test_device_path(void **state) {
        static const uint8_t pci[2] = { 0, 3 };
        static const uint8_t acpi[8] = { 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0 };
        _cleanup_free_ char *s = NULL, *file = NULL;
        EfiImageLoad l;
        Buf b = {}, path = {}, ev = {};

        put_node(&path, 2, 1, acpi, sizeof acpi);
        put_node(&path, 1, 1, pci, sizeof pci);
        put_utf16(&b, "\\EFI\\BOOT\\BOOTX64.EFI");
        put_node(&path, 4, 4, b.p, b.n);
        put_node(&path, 0x7f, 0xff, NULL, 0);
        reset(&b);
        assert_int_equal(efi_device_path_to_string(path.p, path.n, &s), 0);
        assert_string_equal(s, "PciRoot(0x0)/Pci(0x3,0x0)/\\EFI\\BOOT\\BOOTX64.EFI");

        put_le(&ev, 0x1000, 8);
        put_le(&ev, 0x2000, 8);
        put_le(&ev, 0, 8);
        put_le(&ev, path.n, 8);
        put(&ev, path.p, path.n);
        assert_int_equal(efi_image_load_parse(ev.p, ev.n, &l), 0);
        assert_int_equal(efi_device_path_file(l.device_path, l.device_path_size, &file), 0);
        assert_string_equal(file, "\\EFI\\BOOT\\BOOTX64.EFI");
        assert_int_equal(efi_image_load_parse(ev.p, ev.n - 1, &l), -EBADMSG);   /* path cut */
        reset(&ev);

        free(s);
        s = NULL;
        assert_int_equal(efi_device_path_to_string(path.p, 3, &s), -EBADMSG);   /* node header cut */
        path.p[2] = 3;   /* node length below its header */
        assert_int_equal(efi_device_path_to_string(path.p, path.n, &s), -EBADMSG);
        reset(&path);
        for (size_t i = 0; i <= EFI_DEVICE_PATH_NODES_MAX; i++)
                put_node(&path, 1, 1, pci, sizeof pci);
        assert_int_equal(efi_device_path_to_string(path.p, path.n, &s), -E2BIG);   /* EFI_DEVICE_PATH_NODES_MAX */
        reset(&path);
}

static void put_gpt(Buf *b, uint64_t count, size_t entries) {
        uint8_t header[92] = "EFI PART";
        uint8_t entry[128] = {};
        header[12] = 92;      /* HeaderSize */
        header[84] = 128;     /* SizeOfPartitionEntry */
        header[56] = 0xAB;    /* DiskGUID */
        put(b, header, sizeof header);
        put_le(b, count, 8);
        for (size_t i = 0; i < entries; i++) {
                entry[32] = (uint8_t) i;
                put(b, entry, sizeof entry);
        }
}

static void test_gpt(void **state) {
        EfiGpt g;
        Buf b = {};

        put_gpt(&b, 2, 2);
        assert_int_equal(efi_gpt_parse(b.p, b.n, &g), 0);
        assert_int_equal(g.n_partitions, 2);
        assert_int_equal(g.partitions[1].first_lba, 1);
        assert_int_equal(g.disk_guid[0], 0xAB);
        efi_gpt_done(&g);
        reset(&b);
        put_gpt(&b, 3, 2);
        assert_int_equal(efi_gpt_parse(b.p, b.n, &g), -EBADMSG);   /* fewer entries than counted */
        reset(&b);
        put_gpt(&b, 2, 2);
        b.p[0] = 'X';
        assert_int_equal(efi_gpt_parse(b.p, b.n, &g), -EBADMSG);   /* signature */
        reset(&b);
        put_gpt(&b, EFI_GPT_PARTITIONS_MAX + 1, 0);
        assert_int_equal(efi_gpt_parse(b.p, b.n, &g), -E2BIG);     /* EFI_GPT_PARTITIONS_MAX */
        reset(&b);
}

static void test_blob_and_strings(void **state) {
        EfiFirmwareBlob blob;
        char *s;
        Buf b = {};

        put_le(&b, 0x820000, 8);
        put_le(&b, 0xE0000, 8);
        assert_int_equal(efi_firmware_blob_parse(EV_EFI_PLATFORM_FIRMWARE_BLOB, b.p, b.n, &blob), 0);
        assert_null(blob.description);
        assert_int_equal(blob.length, 0xE0000);
        assert_int_equal(efi_firmware_blob_parse(EV_EFI_PLATFORM_FIRMWARE_BLOB, b.p, b.n - 1, &blob), -EBADMSG);
        reset(&b);
        put(&b, "\3DXE", 4);
        put_le(&b, 1, 8);
        put_le(&b, 2, 8);
        assert_int_equal(efi_firmware_blob_parse(EV_EFI_PLATFORM_FIRMWARE_BLOB2, b.p, b.n, &blob), 0);
        assert_string_equal(blob.description, "DXE");
        free(blob.description);
        b.p[0] = 200;   /* description longer than the event */
        assert_int_equal(efi_firmware_blob_parse(EV_EFI_PLATFORM_FIRMWARE_BLOB2, b.p, b.n, &blob), -EBADMSG);
        reset(&b);

        put_utf16(&b, "GCE Virtual Firmware v2");
        assert_int_equal(efi_event_string(b.p, b.n, &s), 0);
        assert_string_equal(s, "GCE Virtual Firmware v2");
        free(s);
        reset(&b);
        assert_int_equal(efi_event_string((const uint8_t *) "grub_cmd: ls\0", 13, &s), 0);
        assert_string_equal(s, "grub_cmd: ls");
        free(s);
        assert_int_equal(efi_event_string((const uint8_t *) "\xfb\x01", 2, &s), -EBADMSG);   /* not text */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_variable),
                cmocka_unit_test(test_signature_lists),
                cmocka_unit_test(test_device_path),
                cmocka_unit_test(test_gpt),
                cmocka_unit_test(test_blob_and_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
