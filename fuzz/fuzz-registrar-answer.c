/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "attest-limits.h"
#include "macro.h"
#include "registrar-answer.h"

/* A registrar's answer as the agent receives it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        uint8_t *blob = NULL;
        char *url = NULL, *status;
        size_t n;

        if (registrar_answer_blob(text, size, &blob, &n) >= 0) {
                assert(blob && n > 0 && n <= CREDENTIAL_BLOB_SIZE_MAX);
                free(blob);
        }
        if (registrar_answer_activation(text, size, &url) >= 0 && url) {
                assert(strlen(url) <= REG_VERIFIER_URL_MAX);
                assert(strncmp(url, "http", 4) == 0 && !strpbrk(url, " \t\r\n"));
                free(url);
        }
        status = registrar_answer_status(text, size);
        if (status) {
                assert(strlen(status) <= REG_ANSWER_STATUS_MAX);
                free(status);
        }
        return 0;
}
