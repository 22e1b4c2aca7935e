/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verbs that run one TPM operation with the agent's identity, for operators
 * and for checking the agent against independent tools. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "fileio.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "log.h"
#include "parse-util.h"
#include "attest-limits.h"
#include "tpm-quote.h"

static int write_out(const char *dir, const char *name, const void *data, size_t size) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return log_oom();
        r = write_file_atomic(path, data, size, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        return 0;
}

static int prepare_out_dir(const char *dir) {
        if (!dir)
                return log_error_errno(-EINVAL, "--out-dir is required.");
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create %s: %m", dir);
        return 0;
}

/* "sha256:0,1,2" → bank and bit mask. */
static int parse_pcr_spec(const char *s, uint16_t *ret_hash, uint32_t *ret_mask) {
        _cleanup_free_ char *copy = strdup(s);
        const HashAlg *alg;
        char *list, *tok, *save = NULL;
        uint32_t mask = 0;

        if (!copy)
                return -ENOMEM;
        list = strchr(copy, ':');
        if (!list)
                return -EINVAL;
        *list++ = 0;
        alg = hash_alg_from_name(copy);
        if (!alg)
                return -EINVAL;
        for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                uint32_t n;
                if (safe_atou32(tok, &n) < 0 || n >= TPM_PCR_COUNT)
                        return -EINVAL;
                mask |= UINT32_C(1) << n;
        }
        if (mask == 0)
                return -EINVAL;
        *ret_hash = alg->tpm_alg_id;
        *ret_mask = mask;
        return 0;
}

static int parse_hex_arg(const char *opt, const char *s, uint8_t **ret, size_t *ret_size) {
        int r = hex_decode(s, strlen(s), ret, ret_size);
        if (r < 0)
                return log_error_errno(r, "Invalid hex for %s: %m", opt);
        return 0;
}

static int print_name(const char *label, const TPM2B_NAME *name) {
        _cleanup_free_ char *hex = hex_encode(name->name, name->size);
        if (!hex)
                return log_oom();
        printf("%s: %s\n", label, hex);
        return 0;
}

static int write_out_ext(const char *dir, const char *prefix, const char *ext, const void *data, size_t size) {
        _cleanup_free_ char *name = NULL;

        if (asprintf(&name, "%s.%s", prefix, ext) < 0)
                return log_oom();
        return write_out(dir, name, data, size);
}

/* iak.pub, iak.name, iak.crt (and idevid.*) for the keys that are configured. */
static int devid_show(const TpmDevIdKey *keys, const char *out_dir) {
        static const char *const prefix[_DEVID_KIND_MAX] = { "iak", "idevid" };

        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++) {
                const TpmDevIdKey *key = &keys[k];
                _cleanup_free_ uint8_t *pub = NULL;
                _cleanup_free_ char *hex = NULL;
                size_t pub_size;

                if (!key->tpm)
                        continue;
                hex = hex_encode(key->name.name, key->name.size);
                if (!hex || tpm_public_marshal(&key->public, &pub, &pub_size) < 0)
                        return log_oom();
                printf("%s_handle: 0x%08x\n%s_name: %s\n%s_cert: %s\n", prefix[k], key->persistent,
                       prefix[k], hex, prefix[k], key->cert ? "present" : "absent");
                if (!out_dir)
                        continue;
                if (write_out_ext(out_dir, prefix[k], "pub", pub, pub_size) < 0 ||
                    write_out_ext(out_dir, prefix[k], "name", key->name.name, key->name.size) < 0 ||
                    (key->cert && write_out_ext(out_dir, prefix[k], "crt", key->cert, key->cert_size) < 0))
                        return -EIO;
        }
        return 0;
}

int verb_identity(int argc, char *argv[]) {
        static const struct option options[] = {
                { "out-dir", required_argument, NULL, 'o' },
                {}
        };
        _cleanup_agent_identity_ AgentIdentity id = {};
        _cleanup_free_ uint8_t *ek_pub = NULL, *ak_pub = NULL, *cert = NULL;
        size_t ek_pub_size, ak_pub_size, cert_size = 0;
        const char *out_dir = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "o:", options, NULL)) >= 0)
                if (c == 'o')
                        out_dir = optarg;
                else
                        return EXIT_USAGE;

        if (agent_identity_open_devid(&arg_config, &id) < 0)
                return EXIT_FAILED;

        r = tpm_ek_read_cert(id.tpm, id.ek.type, &cert, &cert_size);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to read the EK certificate: %m");

        if (tpm_public_marshal(&id.ek.public, &ek_pub, &ek_pub_size) < 0 ||
            tpm_public_marshal(&id.ak.public, &ak_pub, &ak_pub_size) < 0)
                return EXIT_FAILED;

        printf("ek_type: %s\n", ek_type_to_string(id.ek.type));
        if (print_name("ek_name", &id.ek.name) < 0 || print_name("ak_name", &id.ak.name) < 0)
                return EXIT_FAILED;
        printf("ak: %s\n", id.ak.created ? "created" : "loaded");
        printf("ek_cert: %s\n", cert ? "present" : "absent");

        if (out_dir) {
                if (prepare_out_dir(out_dir) < 0 ||
                    write_out(out_dir, "ek.pub", ek_pub, ek_pub_size) < 0 ||
                    write_out(out_dir, "ak.pub", ak_pub, ak_pub_size) < 0 ||
                    write_out(out_dir, "ak.name", id.ak.name.name, id.ak.name.size) < 0 ||
                    (cert && write_out(out_dir, "ek.crt", cert, cert_size) < 0))
                        return EXIT_FAILED;
        }
        return devid_show(id.devid, out_dir) < 0 ? EXIT_FAILED : EXIT_OK;
}

/* The evidence of one operation (r, e), written to dir as the verb's result. */
static int finish_evidence(int r, const char *what, const char *dir, const TpmEvidence *e) {
        if (r < 0) {
                log_error_errno(r, "Failed to %s: %m", what);
                return EXIT_FAILED;
        }
        if (write_out(dir, "attest.bin", e->attest, e->attest_size) < 0 ||
            write_out(dir, "signature.bin", e->signature, e->signature_size) < 0 ||
            (e->pcr_blob && write_out(dir, "pcrs.bin", e->pcr_blob, e->pcr_blob_size) < 0))
                return EXIT_FAILED;
        return EXIT_OK;
}

int verb_quote(int argc, char *argv[]) {
        static const struct option options[] = {
                { "nonce",    required_argument, NULL, 'n' },
                { "pcrs",     required_argument, NULL, 'l' },
                { "sig-hash", required_argument, NULL, 'g' },
                { "out-dir",  required_argument, NULL, 'o' },
                {}
        };
        _cleanup_agent_identity_ AgentIdentity id = {};
        _cleanup_tpm_evidence_ TpmEvidence e = {};
        _cleanup_free_ uint8_t *nonce = NULL;
        const char *out_dir = NULL, *pcrs = "sha256:0,1,2,3,4,5,6,7";
        uint16_t pcr_hash, sig_hash = 0;
        size_t nonce_size = 0;
        uint32_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "n:l:g:o:", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        if (parse_hex_arg("--nonce", optarg, &nonce, &nonce_size) < 0)
                                return EXIT_USAGE;
                        break;
                case 'l':
                        pcrs = optarg;
                        break;
                case 'g': {
                        const HashAlg *a = hash_alg_from_name(optarg);
                        if (!a) {
                                log_error("Unknown hash algorithm '%s'.", optarg);
                                return EXIT_USAGE;
                        }
                        sig_hash = a->tpm_alg_id;
                        break;
                }
                case 'o':
                        out_dir = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (parse_pcr_spec(pcrs, &pcr_hash, &mask) < 0) {
                log_error("Invalid PCR selection '%s' (expected e.g. sha256:0,1,7).", pcrs);
                return EXIT_USAGE;
        }
        if (prepare_out_dir(out_dir) < 0)
                return EXIT_USAGE;

        if (agent_identity_open(&arg_config, &id) < 0)
                return EXIT_FAILED;
        r = tpm_quote(id.tpm, &id.ak, pcr_hash, mask, sig_hash, nonce, nonce_size, &e);
        return finish_evidence(r, "quote", out_dir, &e);
}

int verb_certify(int argc, char *argv[]) {
        static const struct option options[] = {
                { "challenge", required_argument, NULL, 'c' },
                { "out-dir",   required_argument, NULL, 'o' },
                {}
        };
        _cleanup_agent_identity_ AgentIdentity id = {};
        _cleanup_tpm_evidence_ TpmEvidence e = {};
        _cleanup_free_ uint8_t *challenge = NULL;
        const char *out_dir = NULL;
        size_t challenge_size = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:o:", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (parse_hex_arg("--challenge", optarg, &challenge, &challenge_size) < 0)
                                return EXIT_USAGE;
                        break;
                case 'o':
                        out_dir = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (prepare_out_dir(out_dir) < 0)
                return EXIT_USAGE;

        if (agent_identity_open(&arg_config, &id) < 0)
                return EXIT_FAILED;
        r = tpm_certify_ak(id.tpm, &id.ak, challenge, challenge_size, &e);
        return finish_evidence(r, "certify the AK", out_dir, &e);
}

int verb_activate_credential(int argc, char *argv[]) {
        _cleanup_agent_identity_ AgentIdentity id = {};
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        _cleanup_free_ uint8_t *blob = NULL;
        size_t blob_size;
        int r;

        if (argc != 2) {
                log_error("Usage: attest-agent activate-credential BLOBFILE");
                return EXIT_USAGE;
        }
        r = read_full_file(argv[1], CREDENTIAL_BLOB_SIZE_MAX, &blob, &blob_size);
        if (r < 0) {
                log_error_errno(r, "Failed to read %s: %m", argv[1]);
                return EXIT_USAGE;
        }

        if (agent_identity_open(&arg_config, &id) < 0)
                return EXIT_FAILED;
        r = tpm_activate_credential(id.tpm, &id.ek, &id.ak, blob, blob_size, &secret);
        if (r == -EBADMSG) {
                log_error("%s is not a credential blob.", argv[1]);
                return EXIT_USAGE;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to activate the credential: %m");
                return EXIT_FAILED;
        }
        /* The caller asked for the secret: it goes to stdout, nowhere else. */
        fwrite(secret.data, 1, secret.size, stdout);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}
