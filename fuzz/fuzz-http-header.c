/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "fuzz.h"
#include "http-client.h"
#include "macro.h"

/* A response header line as the agent's HTTP client gets it from a verifier. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *line = (const char *) data, *v;
        size_t len;
        uint64_t sec;

        if (http_header_value(line, size, "Retry-After", &v, &len) &&
            http_parse_retry_after(v, len, &sec) >= 0)
                assert(sec <= HTTP_RETRY_AFTER_MAX_SEC);
        if (http_header_value(line, size, "Content-Type", &v, &len)) {
                _cleanup_free_ char *type = NULL;

                assert(v >= line && v + len <= line + size);
                if (http_media_type(v, len, &type) >= 0) {
                        /* type/subtype, lower case, printable, and stable when parsed again. */
                        _cleanup_free_ char *again = NULL;

                        assert(strlen(type) <= HTTP_MEDIA_TYPE_MAX && strchr(type, '/'));
                        for (const char *p = type; *p; p++)
                                assert(*p > ' ' && *p < 0x7f && !(*p >= 'A' && *p <= 'Z'));
                        assert(http_media_type(type, strlen(type), &again) >= 0 && strcmp(again, type) == 0);
                        (void) http_media_type_is_json(type);
                }
        }
        return 0;
}
