/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fetches a node's secret from attest-verifierd through the agent's
 * tpm_secret_fetch(), with the AK at a persistent handle. Prints the secret,
 * or the refusal and exit 1. With "session", prints the bearer token of a
 * session proven with the AK instead (for tests that send their own requests).
 *   test-secret-fetch TCTI AK-HANDLE BASE-URL NODE NAME rsa|ecc
 *   test-secret-fetch TCTI AK-HANDLE BASE-URL NODE session */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpm-secret.h"

static int print_session(Tpm *t, ESYS_TR ak, const SecretRequest *req) {
        _cleanup_erase_string_ char *token = NULL;
        _cleanup_free_ char *refusal = NULL;
        int r = tpm_secret_session(t, ak, req, &token, &refusal);

        if (r < 0) {
                fprintf(stderr, "test-secret-fetch: session: %s\n", refusal ?: strerror(-r));
                return 1;
        }
        printf("%s\n", token);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(tpm_closep) Tpm *t = NULL;
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        _cleanup_free_ char *refusal = NULL;
        ESYS_TR ak;
        int r;

        if (argc != 7 && !(argc == 6 && strcmp(argv[5], "session") == 0)) {
                fprintf(stderr, "usage: test-secret-fetch TCTI AK-HANDLE BASE-URL NODE NAME rsa|ecc | session\n");
                return 2;
        }
        r = tpm_open(argv[1], &t);
        if (r < 0) {
                fprintf(stderr, "test-secret-fetch: TPM: %s\n", strerror(-r));
                return 2;
        }
        if (Esys_TR_FromTPMPublic(t->esys, (TPM2_HANDLE) strtoul(argv[2], NULL, 16), ESYS_TR_NONE, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &ak) != TSS2_RC_SUCCESS) {
                fprintf(stderr, "test-secret-fetch: no AK at %s\n", argv[2]);
                return 2;
        }
        if (argc == 6)
                return print_session(t, ak, &(SecretRequest) { .verifier_url = argv[3], .node_id = argv[4] });
        r = tpm_secret_fetch(t, ak, &(SecretRequest) {
                        .verifier_url = argv[3], .node_id = argv[4], .name = argv[5],
                        .ecc = strcmp(argv[6], "ecc") == 0,
                }, &secret, &refusal);
        if (r == -EACCES) {
                printf("refused: %s\n", refusal ?: "no reason");
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, "test-secret-fetch: %s\n", strerror(-r));
                return 2;
        }
        fwrite(secret.data, 1, secret.size, stdout);
        return 0;
}
