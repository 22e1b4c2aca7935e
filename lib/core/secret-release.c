/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "certify-verify.h"
#include "secret-release.h"
#include "secret-wrap.h"

static const struct {
        const char *id;
        const char *message;
} refusals[_SECRET_REFUSAL_MAX] = {
        [SECRET_RELEASE_OK]                = { "ok", "The secret may be released." },
        [SECRET_REFUSED_BAD_KEY]           = { "bad_key", "The public key is not a valid TPM2B_PUBLIC." },
        [SECRET_REFUSED_KEY_NOT_TPM_BOUND] = { "key_not_tpm_bound",
                                               "The key is not an unrestricted decryption key fixed to its TPM." },
        [SECRET_REFUSED_CERTIFICATION]     = { "bad_certification", "The key is not certified by this node's AK." },
        [SECRET_REFUSED_CHALLENGE]         = { "challenge_mismatch",
                                               "The certification is not over the challenge issued for this request." },
        [SECRET_REFUSED_WRONG_KEY]         = { "wrong_key", "The certification names another key." },
        [SECRET_REFUSED_NOT_PASSING]       = { "not_passing", "The node's latest attestation did not pass." },
        [SECRET_REFUSED_STALE]             = { "stale_attestation", "The node's last passing attestation is too old." },
};

const char *secret_refusal_to_string(SecretRefusal r) {
        return r >= 0 && r < _SECRET_REFUSAL_MAX ? refusals[r].id : NULL;
}

const char *secret_refusal_to_message(SecretRefusal r) {
        return r >= 0 && r < _SECRET_REFUSAL_MAX ? refusals[r].message : NULL;
}

SecretRefusal secret_release_freshness(const SecretNodeStatus *status, uint64_t now_usec, uint64_t max_age_usec) {
        if (!status || !status->verdict || strcasecmp(status->verdict, "PASS") != 0)
                return SECRET_REFUSED_NOT_PASSING;
        if (status->last_attestation_usec == 0 || status->last_attestation_usec > now_usec ||
            now_usec - status->last_attestation_usec > max_age_usec)
                return SECRET_REFUSED_STALE;
        return SECRET_RELEASE_OK;
}

static SecretRefusal certification_refusal(AttestVerdict v) {
        switch (v) {
        case ATTEST_VALID:
                return SECRET_RELEASE_OK;
        case ATTEST_NONCE_MISMATCH:
                return SECRET_REFUSED_CHALLENGE;
        case ATTEST_NAME_MISMATCH:
                return SECRET_REFUSED_WRONG_KEY;
        default:
                return SECRET_REFUSED_CERTIFICATION;
        }
}

int secret_release_check(const SecretReleaseRequest *req, const SecretNodeStatus *status,
                         uint64_t now_usec, uint64_t max_age_usec,
                         SecretRefusal *ret_refusal, Tpm2Public **ret_key) {
        _cleanup_(tpm2_public_freep) Tpm2Public *key = NULL;
        SecretRefusal refusal;
        AttestVerdict v;
        int r;

        assert_return(req && req->ak && req->challenge && req->challenge_size > 0, -EINVAL);
        assert_return(status && ret_refusal, -EINVAL);

        refusal = secret_release_freshness(status, now_usec, max_age_usec);
        if (refusal != SECRET_RELEASE_OK)
                goto refuse;
        if (!req->key_public || tpm2_public_parse(req->key_public, req->key_public_size, &key) < 0) {
                refusal = SECRET_REFUSED_BAD_KEY;
                goto refuse;
        }
        if (secret_wrap_key_check(key) < 0) {
                refusal = SECRET_REFUSED_KEY_NOT_TPM_BOUND;
                goto refuse;
        }
        CertifyVerifyParams p = {
                .signer = req->ak,
                .name = key->name,
                .name_size = key->name_size,
                .extra_data = req->challenge,
                .extra_data_size = req->challenge_size,
        };
        r = certify_verify(&p, req->certify_attest, req->certify_attest_size,
                           req->certify_signature, req->certify_signature_size, &v, NULL);
        refusal = r < 0 ? SECRET_REFUSED_CERTIFICATION : certification_refusal(v);
        if (refusal != SECRET_RELEASE_OK)
                goto refuse;
        if (ret_key)
                *ret_key = TAKE_PTR(key);
refuse:
        *ret_refusal = refusal;
        return 0;
}
