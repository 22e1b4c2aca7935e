/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "attest-limits.h"
#include "cursor.h"
#include "efi-decode.h"
#include "hexdecode.h"

void efi_guid_to_string(const uint8_t g[16], char ret[EFI_GUID_STRING_MAX]) {
        snprintf(ret, EFI_GUID_STRING_MAX,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
                 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

int efi_guid_from_string(const char *s, uint8_t ret[16]) {
        static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
        uint8_t g[16];
        size_t k = 0;

        if (!s || strlen(s) != 36)
                return -EINVAL;
        for (size_t i = 0; i < 36;) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i++] != '-')
                                return -EINVAL;
                        continue;
                }
                if (hex_decode_into(s + i, 2, g + order[k++], 1) < 0)
                        return -EINVAL;
                i += 2;
        }
        memcpy(ret, g, 16);
        return 0;
}

int utf16le_to_utf8(const uint8_t *p, size_t n_units, char **ret) {
        _cleanup_free_ char *s = malloc(n_units * 3 + 1);
        size_t o = 0;

        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n_units; i++) {
                uint32_t c = p[2 * i] | (uint32_t) p[2 * i + 1] << 8;

                if (c == 0)
                        break;
                if (c >= 0xD800 && c <= 0xDFFF)
                        c = 0xFFFD;   /* surrogates: not in the names and paths firmware logs */
                if (c < 0x80)
                        s[o++] = (char) c;
                else if (c < 0x800) {
                        s[o++] = (char) (0xC0 | c >> 6);
                        s[o++] = (char) (0x80 | (c & 0x3F));
                } else {
                        s[o++] = (char) (0xE0 | c >> 12);
                        s[o++] = (char) (0x80 | ((c >> 6) & 0x3F));
                        s[o++] = (char) (0x80 | (c & 0x3F));
                }
        }
        s[o] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

int efi_variable_parse(const uint8_t *p, size_t n, EfiVariable *ret) {
        EfiVariable v = {};
        uint64_t name_len, data_len;
        const uint8_t *name;
        size_t o = 0;
        int r;

        if (cursor_read_bytes(p, n, &o, v.guid, 16) < 0 ||
            cursor_read_le64(p, n, &o, &name_len) < 0 ||
            cursor_read_le64(p, n, &o, &data_len) < 0)
                return -EBADMSG;
        if (name_len > EFI_VARIABLE_NAME_MAX)
                return -E2BIG;
        if (cursor_read_span(p, n, &o, name_len * 2, &name) < 0)
                return -EBADMSG;
        if (data_len != n - o)
                return -EBADMSG;   /* short, or trailing bytes */
        r = utf16le_to_utf8(name, name_len, &v.name);
        if (r < 0)
                return r;
        v.data = p + o;
        v.data_size = data_len;
        *ret = v;
        return 0;
}

void efi_variable_done(EfiVariable *v) {
        if (v)
                v->name = mfree(v->name);
}

static const struct {
        const char *name;
        uint8_t guid[16];
} signature_types[] = {
        { "x509", { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 } },
        { "sha256", { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 } },
        { "sha1", { 0x12, 0xa5, 0x6c, 0x82, 0x10, 0xcf, 0xc9, 0x4a, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd } },
        { "sha224", { 0x33, 0x52, 0x6e, 0x0b, 0x5c, 0xa6, 0xc9, 0x44, 0x94, 0x07, 0xd9, 0xab, 0x83, 0xbf, 0xc8, 0xbd } },
        { "sha384", { 0x07, 0x53, 0x3e, 0xff, 0xd0, 0x9f, 0xc9, 0x48, 0x85, 0xf1, 0x8a, 0xd5, 0x6c, 0x70, 0x1e, 0x01 } },
        { "sha512", { 0xae, 0x0f, 0x3e, 0x09, 0xc4, 0xa6, 0x50, 0x4f, 0x9f, 0x1b, 0xd4, 0x1e, 0x2b, 0x89, 0xc1, 0x9a } },
        { "rsa2048", { 0xe8, 0x66, 0x57, 0x3c, 0x9c, 0x26, 0x34, 0x4e, 0xaa, 0x14, 0xed, 0x77, 0x6e, 0x85, 0xb3, 0xb6 } },
        { "x509_sha256", { 0x92, 0xa4, 0xd2, 0x3b, 0xc0, 0x96, 0x79, 0x40, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed } },
        { "x509_sha384", { 0x6e, 0x87, 0x76, 0x70, 0xc2, 0x80, 0xe6, 0x4e, 0xaa, 0xd2, 0x28, 0xb3, 0x49, 0xa6, 0x86, 0x5b } },
        { "x509_sha512", { 0x63, 0xbf, 0x6d, 0x44, 0x02, 0x25, 0xda, 0x4c, 0xbc, 0xfa, 0x24, 0x65, 0xd2, 0xb0, 0xfe, 0x9d } },
};

const char *efi_signature_type_name(const uint8_t type[16]) {
        for (size_t i = 0; i < ELEMENTSOF(signature_types); i++)
                if (memcmp(type, signature_types[i].guid, 16) == 0)
                        return signature_types[i].name;
        return NULL;
}

int efi_signature_type_from_name(const char *name, uint8_t ret[16]) {
        for (size_t i = 0; i < ELEMENTSOF(signature_types); i++)
                if (strcmp(name, signature_types[i].name) == 0) {
                        memcpy(ret, signature_types[i].guid, 16);
                        return 0;
                }
        return efi_guid_from_string(name, ret);
}

bool efi_signature_is_x509(const uint8_t type[16]) {
        const char *n = efi_signature_type_name(type);
        return n && strcmp(n, "x509") == 0;
}

static int parse_signature_list(const uint8_t *p, size_t n, size_t *offset, EfiSignature **sigs, size_t *n_sigs) {
        uint32_t list_size, header_size, sig_size;
        uint8_t type[16];
        size_t o = *offset, end, count;
        EfiSignature *a;

        if (cursor_read_bytes(p, n, &o, type, 16) < 0 ||
            cursor_read_le32(p, n, &o, &list_size) < 0 ||
            cursor_read_le32(p, n, &o, &header_size) < 0 ||
            cursor_read_le32(p, n, &o, &sig_size) < 0)
                return -EBADMSG;
        /* 28 header bytes are read; the list must hold its header and whole entries */
        if (list_size < 28 || cursor_need(n, *offset, list_size) < 0 || sig_size <= 16 ||
            header_size > list_size - 28 || (list_size - 28 - header_size) % sig_size != 0)
                return -EBADMSG;
        end = *offset + list_size;
        o += header_size;
        count = (list_size - 28 - header_size) / sig_size;
        if (count > EFI_SIGNATURES_MAX || *n_sigs + count > EFI_SIGNATURES_MAX)
                return -E2BIG;

        a = reallocarray(*sigs, *n_sigs + count, sizeof(EfiSignature));
        if (!a)
                return -ENOMEM;
        *sigs = a;
        for (size_t i = 0; i < count; i++) {
                EfiSignature *s = a + (*n_sigs)++;
                memcpy(s->type, type, 16);
                memcpy(s->owner, p + o, 16);
                s->data = p + o + 16;
                s->size = sig_size - 16;
                o += sig_size;
        }
        *offset = end;
        return 0;
}

int efi_signature_lists_parse(const uint8_t *p, size_t n, EfiSignature **ret, size_t *ret_n) {
        _cleanup_free_ EfiSignature *sigs = NULL;
        size_t n_sigs = 0, o = 0;
        int r;

        while (o < n) {
                r = parse_signature_list(p, n, &o, &sigs, &n_sigs);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(sigs);
        *ret_n = n_sigs;
        return 0;
}

int efi_image_load_parse(const uint8_t *p, size_t n, EfiImageLoad *ret) {
        EfiImageLoad l = {};
        uint64_t dp_len;
        size_t o = 0;

        if (cursor_read_le64(p, n, &o, &l.location) < 0 ||
            cursor_read_le64(p, n, &o, &l.length) < 0 ||
            cursor_read_le64(p, n, &o, &l.link_time_address) < 0 ||
            cursor_read_le64(p, n, &o, &dp_len) < 0)
                return -EBADMSG;
        /* shim pads the structure: bytes after the device path are ignored */
        if (dp_len > n - o)
                return -EBADMSG;
        l.device_path = p + o;
        l.device_path_size = dp_len;
        *ret = l;
        return 0;
}

int efi_firmware_blob_parse(uint32_t event_type, const uint8_t *p, size_t n, EfiFirmwareBlob *ret) {
        EfiFirmwareBlob b = {};
        size_t o = 0;
        int r;

        if (event_type == EV_EFI_PLATFORM_FIRMWARE_BLOB2) {
                uint8_t len;
                const uint8_t *desc;

                if (cursor_read_u8(p, n, &o, &len) < 0 || cursor_read_span(p, n, &o, len, &desc) < 0)
                        return -EBADMSG;
                r = efi_event_string(desc, len, &b.description);
                if (r < 0)
                        return r;
        }
        if (cursor_read_le64(p, n, &o, &b.base) < 0 || cursor_read_le64(p, n, &o, &b.length) < 0 || o != n) {
                free(b.description);
                return -EBADMSG;
        }
        *ret = b;
        return 0;
}

static bool looks_utf16(const uint8_t *p, size_t n) {
        if (n < 2 || n % 2 != 0)
                return false;
        for (size_t i = 1; i < n; i += 2)
                if (p[i] != 0 || (p[i - 1] == 0 && i + 1 < n))
                        return false;
        return true;
}

int efi_event_string(const uint8_t *p, size_t n, char **ret) {
        char *s;

        if (n > EFI_STRING_MAX)
                return -E2BIG;
        if (looks_utf16(p, n))
                return utf16le_to_utf8(p, n / 2, ret);
        for (size_t i = 0; i < n && p[i] != 0; i++)
                if (p[i] >= 0x80)
                        return -EBADMSG;   /* not text: callers show it as hex */
        s = strndup((const char *) p, n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int efi_signature_digest(const EfiSignature *s, uint8_t *ret, size_t *ret_size) {
        const char *type = efi_signature_type_name(s->type);
        const HashAlg *alg = type ? hash_alg_from_name(type) : NULL;
        int r;

        if (alg) {
                if (s->size != alg->size)
                        return -EBADMSG;
                memcpy(ret, s->data, s->size);
                *ret_size = s->size;
                return 0;
        }
        alg = hash_alg_from_name("sha256");
        r = hash_alg_digest(alg, s->data, s->size, ret);
        if (r < 0)
                return r;
        *ret_size = alg->size;
        return 0;
}

int efi_x509_subject(const uint8_t *der, size_t n, char **ret) {
        const unsigned char *p = der;
        X509 *x = NULL;
        BIO *bio = NULL;
        char *data, *s = NULL;
        long len;
        int r = -EBADMSG;

        if (n > (size_t) LONG_MAX)   /* d2i_X509() takes a long */
                return -EBADMSG;
        x = d2i_X509(NULL, &p, (long) n);
        if (!x)
                return -EBADMSG;
        bio = BIO_new(BIO_s_mem());
        if (!bio)
                r = -ENOMEM;
        else if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
                len = BIO_get_mem_data(bio, &data);
                s = len >= 0 ? strndup(data, (size_t) len) : NULL;
                r = s ? 0 : -ENOMEM;
        }
        BIO_free(bio);
        X509_free(x);
        if (r >= 0)
                *ret = s;
        return r;
}
