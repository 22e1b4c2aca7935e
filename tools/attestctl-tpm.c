/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-keyfile.h"
#include "attestctl-tpm.h"
#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "makecredential.h"
#include "memory-util.h"

typedef struct MakeCredentialArgs {
        const char *ek;
        const char *name;
        const char *secret;
        const char *output;
} MakeCredentialArgs;

static void makecredential_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl tpm makecredential --ek FILE --name HEX --secret FILE --output FILE\n\n"
                "Seal a secret to an object name under an endorsement key, in software.\n"
                "The output is a tpm2-tools credential file for tpm2_activatecredential.\n\n"
                "  --ek FILE       EK public area: TPM2B_PUBLIC (tpm2_createek -u) or TPMT_PUBLIC\n"
                "  --name HEX      TPM name of the object (the AK) to bind the credential to\n"
                "  --secret FILE   Credential, 1 to nameAlg-digest-size bytes\n"
                "  --output FILE   Credential file to write\n");
}

static int parse_args(int argc, char *argv[], MakeCredentialArgs *a) {
        enum { ARG_EK = 0x100, ARG_NAME, ARG_SECRET, ARG_OUTPUT };
        static const struct option options[] = {
                { "help",   no_argument,       NULL, 'h'        },
                { "ek",     required_argument, NULL, ARG_EK     },
                { "name",   required_argument, NULL, ARG_NAME   },
                { "secret", required_argument, NULL, ARG_SECRET },
                { "output", required_argument, NULL, ARG_OUTPUT },
                {}
        };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        makecredential_help(stdout);
                        return 0;
                case ARG_EK:     a->ek = optarg; break;
                case ARG_NAME:   a->name = optarg; break;
                case ARG_SECRET: a->secret = optarg; break;
                case ARG_OUTPUT: a->output = optarg; break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "Unexpected argument '%s'.", argv[optind]);
        if (!a->ek || !a->name || !a->secret || !a->output)
                return log_error_errno(-EINVAL, "--ek, --name, --secret and --output are required.");
        return 1;
}

static int verb_tpm_makecredential(int argc, char *argv[]) {
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = NULL;
        _cleanup_free_ uint8_t *name = NULL, *file = NULL;
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        MakeCredentialArgs a = {};
        CredentialBlob blob;
        size_t name_size, file_size;
        int r;

        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (hex_decode(a.name, strlen(a.name), &name, &name_size) < 0) {
                log_error("--name must be hex.");
                return EXIT_UNUSABLE;
        }
        if (attestctl_load_public_key(a.ek, &ek, NULL) < 0)
                return EXIT_UNUSABLE;
        if (!ek) {
                log_error("%s: the EK must be a TPM public area; a PEM key lacks the EK's symmetric parameters.", a.ek);
                return EXIT_UNUSABLE;
        }
        if (attestctl_read_file(a.secret, CREDENTIAL_SECRET_SIZE_MAX, &secret.data, &secret.size) < 0)
                return EXIT_UNUSABLE;

        r = makecredential(ek, name, name_size, secret.data, secret.size, &blob);
        if (r == -EINVAL) {
                log_error("Refused: the EK must be a restricted decryption key, the name a TPM name, "
                          "and the secret 1 to %zu bytes.", ek->name_alg->size);
                return EXIT_UNUSABLE;
        }
        if (r == -EOPNOTSUPP) {
                log_error("Unsupported EK: needs RSA or ECC P-256/P-384 with AES-CFB.");
                return EXIT_UNUSABLE;
        }
        if (r < 0) {
                log_error_errno(r, "MakeCredential failed: %m");
                return EXIT_UNUSABLE;
        }
        r = credential_blob_serialize(&blob, &file, &file_size);
        if (r < 0) {
                log_error_errno(r, "Failed to serialise the credential: %m");
                return EXIT_UNUSABLE;
        }
        r = write_file_atomic(a.output, file, file_size, 0644);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s: %m", a.output);
                return EXIT_UNUSABLE;
        }
        return EXIT_PASS;
}

int verb_tpm(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "makecredential", verb_tpm_makecredential, "Seal a secret to an AK name under an EK" },
        };
        return dispatch_verbs("tpm", verbs, ELEMENTSOF(verbs), argc, argv);
}
