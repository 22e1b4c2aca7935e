/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The external token ABI (CRYPTSETUP_TOKEN_1.0) of token type "attest". */
#include <errno.h>

#include "macro.h"
#include "token-attest.h"

/* The ABI's symbol names with the signatures of libcryptsetup's typedefs. */
int cryptsetup_token_open(struct crypt_device *cd, int token, char **buffer, size_t *buffer_len, void *usrptr);
int cryptsetup_token_open_pin(struct crypt_device *cd, int token, const char *pin, size_t pin_size,
                              char **buffer, size_t *buffer_len, void *usrptr);
void cryptsetup_token_buffer_free(void *buffer, size_t buffer_len);
int cryptsetup_token_validate(struct crypt_device *cd, const char *json);
void cryptsetup_token_dump(struct crypt_device *cd, const char *json);
const char *cryptsetup_token_version(void);

_public_ int cryptsetup_token_open(struct crypt_device *cd, int token, char **buffer,
                                   size_t *buffer_len, void *usrptr) {
        return attest_token_unlock(cd, token, buffer, buffer_len);
}

/* The token takes no PIN: one given is ignored. */
_public_ int cryptsetup_token_open_pin(struct crypt_device *cd, int token, const char *pin,
                                       size_t pin_size, char **buffer, size_t *buffer_len, void *usrptr) {
        return attest_token_unlock(cd, token, buffer, buffer_len);
}

_public_ void cryptsetup_token_buffer_free(void *buffer, size_t buffer_len) {
        attest_token_free_passphrase(buffer, buffer_len);
}

_public_ int cryptsetup_token_validate(struct crypt_device *cd, const char *json) {
        return attest_token_check(cd, json);
}

_public_ void cryptsetup_token_dump(struct crypt_device *cd, const char *json) {
        attest_token_show(cd, json);
}

_public_ const char *cryptsetup_token_version(void) {
        return PACKAGE_VERSION;
}
