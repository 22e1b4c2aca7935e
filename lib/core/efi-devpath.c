/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* EFI device paths and GPT event data. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "cursor.h"
#include "efi-decode.h"
#include "hexdecode.h"

#define DP_END            0x7F
#define DP_END_ENTIRE     0xFF
#define GPT_SIGNATURE     "EFI PART"

static void print_guid(FILE *f, const uint8_t *g) {
        char s[EFI_GUID_STRING_MAX];
        efi_guid_to_string(g, s);
        fputs(s, f);
}

static int print_file_node(FILE *f, const uint8_t *p, size_t n) {
        _cleanup_free_ char *s = NULL;
        int r = utf16le_to_utf8(p, n / 2, &s);
        if (r < 0)
                return r;
        fputs(s, f);
        return 0;
}

static void print_hd(FILE *f, const uint8_t *p, size_t n) {
        size_t o = 0;
        uint32_t part;
        uint64_t start, size;

        if (n != 38 || cursor_read_le32(p, n, &o, &part) < 0 || cursor_read_le64(p, n, &o, &start) < 0 ||
            cursor_read_le64(p, n, &o, &size) < 0) {
                fputs("HD(?)", f);
                return;
        }
        fprintf(f, "HD(%" PRIu32 ",", part);
        if (p[37] == 2) {
                fputs("GPT,", f);
                print_guid(f, p + 20);
        } else
                fprintf(f, "MBR,0x%02x%02x%02x%02x", p[23], p[22], p[21], p[20]);
        fprintf(f, ",0x%" PRIx64 ",0x%" PRIx64 ")", start, size);
}

static void print_raw(FILE *f, uint8_t type, uint8_t subtype, const uint8_t *p, size_t n) {
        _cleanup_free_ char *hex = hex_encode(p, n);
        fprintf(f, "Path(%u,%u,%s)", type, subtype, hex ? hex : "");
}

static uint32_t le32(const uint8_t *p) {
        return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static int print_node(FILE *f, uint8_t type, uint8_t subtype, const uint8_t *p, size_t n) {
        switch (type << 8 | subtype) {
        case 0x0101:   /* hardware: PCI */
                if (n == 2) {
                        fprintf(f, "Pci(0x%x,0x%x)", p[1], p[0]);
                        return 0;
                }
                break;
        case 0x0201:   /* ACPI */
                if (n == 8) {
                        if (le32(p) == 0x0a0341d0)
                                fprintf(f, "PciRoot(0x%x)", le32(p + 4));
                        else
                                fprintf(f, "Acpi(0x%x,0x%x)", le32(p), le32(p + 4));
                        return 0;
                }
                break;
        case 0x0302:   /* messaging: SCSI */
                if (n == 4) {
                        fprintf(f, "Scsi(0x%x,0x%x)", p[0] | p[1] << 8, p[2] | p[3] << 8);
                        return 0;
                }
                break;
        case 0x0312:   /* SATA */
                if (n == 6) {
                        fprintf(f, "Sata(0x%x,0x%x,0x%x)", p[0] | p[1] << 8, p[2] | p[3] << 8, p[4] | p[5] << 8);
                        return 0;
                }
                break;
        case 0x0317:   /* NVMe namespace */
                if (n == 12) {
                        fprintf(f, "NVMe(0x%x)", le32(p));
                        return 0;
                }
                break;
        case 0x0401:   /* media: hard drive */
                print_hd(f, p, n);
                return 0;
        case 0x0404:   /* file path */
                return print_file_node(f, p, n);
        case 0x0406:   /* firmware volume file */
        case 0x0407:   /* firmware volume */
                if (n == 16) {
                        fputs(subtype == 6 ? "FvFile(" : "Fv(", f);
                        print_guid(f, p);
                        fputc(')', f);
                        return 0;
                }
                break;
        }
        print_raw(f, type, subtype, p, n);
        return 0;
}

/* Walks the nodes; calls print_node() for each, or remembers the last File node. */
static int walk(const uint8_t *p, size_t n, FILE *f, char **ret_file) {
        size_t o = 0, nodes = 0;
        bool first = true;
        int r;

        while (o < n) {
                uint8_t type, subtype;
                uint16_t len;
                const uint8_t *body;

                if (++nodes > EFI_DEVICE_PATH_NODES_MAX)
                        return -E2BIG;
                if (cursor_read_u8(p, n, &o, &type) < 0 || cursor_read_u8(p, n, &o, &subtype) < 0 ||
                    cursor_read_le16(p, n, &o, &len) < 0 || len < 4 ||
                    cursor_read_span(p, n, &o, len - 4u, &body) < 0)
                        return -EBADMSG;
                if (type == DP_END) {
                        if (subtype == DP_END_ENTIRE)
                                break;
                        if (f)
                                fputc(',', f);
                        first = true;
                        continue;
                }
                if (ret_file && type == 4 && subtype == 4) {
                        free(*ret_file);
                        *ret_file = NULL;
                        r = utf16le_to_utf8(body, (len - 4u) / 2, ret_file);
                        if (r < 0)
                                return r;
                }
                if (f) {
                        if (!first)
                                fputc('/', f);
                        r = print_node(f, type, subtype, body, len - 4u);
                        if (r < 0)
                                return r;
                }
                first = false;
        }
        return 0;
}

int efi_device_path_to_string(const uint8_t *p, size_t n, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = walk(p, n, f, NULL);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

int efi_device_path_file(const uint8_t *p, size_t n, char **ret) {
        _cleanup_free_ char *file = NULL;
        int r;

        r = walk(p, n, NULL, &file);
        if (r < 0)
                return r;
        if (!file)
                return -ENOENT;
        *ret = TAKE_PTR(file);
        return 0;
}

static int parse_partition(const uint8_t *p, size_t entry_size, EfiGptPartition *ret) {
        size_t o = 32;

        memcpy(ret->type, p, 16);
        memcpy(ret->unique, p + 16, 16);
        if (cursor_read_le64(p, entry_size, &o, &ret->first_lba) < 0 ||
            cursor_read_le64(p, entry_size, &o, &ret->last_lba) < 0 ||
            cursor_read_le64(p, entry_size, &o, &ret->attributes) < 0)
                return -EBADMSG;
        return utf16le_to_utf8(p + o, MIN((entry_size - o) / 2, 36u), &ret->name);
}

int efi_gpt_parse(const uint8_t *p, size_t n, EfiGpt *ret) {
        _cleanup_(efi_gpt_done) EfiGpt g = {};
        uint32_t header_size, entry_size;
        uint64_t count;
        size_t o = 12;

        /* UEFI_GPT_DATA: the partition table header, NumberOfPartitions, the entries */
        if (n < 92 || memcmp(p, GPT_SIGNATURE, 8) != 0 ||
            cursor_read_le32(p, n, &o, &header_size) < 0 || header_size < 92)
                return -EBADMSG;
        o = 56;
        if (cursor_read_bytes(p, n, &o, g.disk_guid, 16) < 0)
                return -EBADMSG;
        o = 84;
        if (cursor_read_le32(p, n, &o, &entry_size) < 0 || entry_size < 128)
                return -EBADMSG;
        o = header_size;
        if (cursor_read_le64(p, n, &o, &count) < 0)
                return -EBADMSG;
        if (count > EFI_GPT_PARTITIONS_MAX)
                return -E2BIG;
        if ((n - o) != count * entry_size)
                return -EBADMSG;
        g.partitions = calloc(count ? count : 1, sizeof(EfiGptPartition));
        if (!g.partitions)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                int r = parse_partition(p + o + i * entry_size, entry_size, g.partitions + i);
                if (r < 0)
                        return r;
                g.n_partitions++;
        }
        *ret = g;
        g = (EfiGpt) {};
        return 0;
}

void efi_gpt_done(EfiGpt *g) {
        if (!g)
                return;
        for (size_t i = 0; i < g->n_partitions; i++)
                free(g->partitions[i].name);
        g->partitions = mfree(g->partitions);
        g->n_partitions = 0;
}
