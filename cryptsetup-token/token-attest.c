/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unlocking a LUKS2 volume with a secret the verifier releases to this host
 * only after a fresh passing attestation, fetched through the local agent.
 * We run inside cryptsetup or systemd-cryptsetup: no global state, nothing
 * written to stderr, every message through crypt_log. */
#include <errno.h>
#include <string.h>

#include "agent-client.h"
#include "luks-attest-token.h"
#include "token-attest.h"

static int read_token(struct crypt_device *cd, int token, LuksAttestToken *ret) {
        const char *json;
        int r;

        r = crypt_token_json_get(cd, token, &json);
        if (r < 0) {
                crypt_logf(cd, CRYPT_LOG_ERROR, "attest token %d: cannot read its metadata.", token);
                return r;
        }
        r = luks_attest_token_parse(json, ret);
        if (r < 0)
                crypt_logf(cd, CRYPT_LOG_ERROR, "attest token %d: invalid metadata.", token);
        return r;
}

/* What the caller of crypt_activate_by_token() can act on: -EAGAIN lets
 * cryptsetup fall back to a passphrase, -EPERM says the host was refused. */
static int request(struct crypt_device *cd, const LuksAttestToken *t, SecretBuffer *ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *why = NULL;
        int r;

        r = agent_client_open("cryptsetup-token-attest", (uint64_t) t->timeout_sec * 1000000ULL, &bus);
        if (r >= 0)
                r = agent_client_request_secret(bus, t->secret, ret, &why);
        if (r == -EACCES) {
                crypt_logf(cd, CRYPT_LOG_ERROR, "The attestation agent refused to release secret %s: %s",
                           t->secret, why ?: "no reason given");
                return -EPERM;
        }
        if (r == -ENOMEM)
                return r;
        if (r == -EHOSTDOWN) {
                /* Not running, or still unable to attest (its verifier away):
                 * worth a line before the passphrase prompt. */
                crypt_logf(cd, CRYPT_LOG_ERROR, "The attestation agent did not release secret %s within %u s "
                           "(not running or not answering).", t->secret, t->timeout_sec);
                return -EAGAIN;
        }
        if (r < 0) {
                crypt_logf(cd, CRYPT_LOG_VERBOSE, "Attestation agent not available (%s); "
                           "secret %s cannot be fetched.", strerror(-r), t->secret);
                return -EAGAIN;
        }
        return 0;
}

int attest_token_unlock(struct crypt_device *cd, int token, char **ret_passphrase, size_t *ret_size) {
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        LuksAttestToken t;
        int r;

        if (!ret_passphrase || !ret_size)
                return -EINVAL;
        r = read_token(cd, token, &t);
        if (r < 0)
                return r;
        r = request(cd, &t, &secret);
        if (r < 0)
                return r;
        crypt_logf(cd, CRYPT_LOG_DEBUG, "attest token %d: secret %s received.", token, t.secret);
        *ret_passphrase = (char *) TAKE_PTR(secret.data);
        *ret_size = secret.size;
        secret.size = 0;
        return 0;
}

void attest_token_free_passphrase(void *p, size_t size) {
        erase_and_free_size(p, size);
}

int attest_token_check(struct crypt_device *cd, const char *json) {
        LuksAttestToken t;
        int r;

        if (!json)
                return -EINVAL;
        r = luks_attest_token_parse(json, &t);
        if (r < 0)
                crypt_log(cd, CRYPT_LOG_ERROR, "attest token: needs \"keyslots\", a valid \"attest-secret\" "
                          "name and at most an \"attest-timeout\" in seconds.\n");
        return r < 0 ? -EINVAL : 0;
}

void attest_token_show(struct crypt_device *cd, const char *json) {
        LuksAttestToken t;

        if (!json || luks_attest_token_parse(json, &t) < 0) {
                crypt_log(cd, CRYPT_LOG_NORMAL, "\tattest:     invalid metadata\n");
                return;
        }
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tsecret:     %s\n", t.secret);
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\ttimeout:    %us\n", t.timeout_sec);
}
