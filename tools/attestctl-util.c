/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers every attestctl verb uses: input files, output formats. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "attestctl-util.h"
#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "macro.h"

int attestctl_read_file(const char *path, size_t max_size, const char *what, uint8_t **ret, size_t *ret_size) {
        int r = read_full_file(path, max_size, ret, ret_size);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s %s: %m", what, path);
        return 0;
}

int attestctl_parse_options(int argc, char *argv[], const VerbOption *options, void (*help)(FILE *f)) {
        enum { ARG_FIRST = 0x100 };
        struct option longopts[VERB_OPTIONS_MAX + 2] = {
                { "help", no_argument, NULL, 'h' },
        };
        size_t n;
        int c;

        for (n = 0; options[n].name; n++) {
                assert(n < VERB_OPTIONS_MAX);
                assert(!options[n].arg != !options[n].flag);
                longopts[n + 1] = (struct option) {
                        options[n].name, options[n].arg ? required_argument : no_argument, NULL, ARG_FIRST + (int) n,
                };
        }

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                const VerbOption *o;

                if (c == 'h') {
                        help(stdout);
                        return 0;
                }
                if (c < ARG_FIRST || c >= ARG_FIRST + (int) n)
                        return -EINVAL;
                o = &options[c - ARG_FIRST];
                if (o->arg)
                        *o->arg = optarg;
                else
                        *o->flag = true;
        }
        return optind;
}

bool attestctl_help_requested(int argc, char *argv[], const char *usage) {
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        printf("Usage: attestctl %s\n", usage);
                        return true;
                }
        return false;
}

void attestctl_print_json(json_object *o) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
}

void attestctl_print_pcr_values(const PcrValues *v) {
        for (size_t i = 0; i < v->n_banks; i++) {
                const PcrBank *b = v->banks + i;

                printf("%s:\n", b->alg->name);
                for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++) {
                        _cleanup_free_ char *hex = NULL;
                        if (!(b->mask & (UINT32_C(1) << pcr)))
                                continue;
                        hex = hex_encode(b->values[pcr], b->alg->size);
                        printf("  %2u: %s\n", pcr, hex ?: "?");
                }
        }
}
