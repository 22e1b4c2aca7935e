/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "certify-verify.h"
#include "hash-alg.h"
#include "log.h"
#include "verifierd-identity.h"
#include "verifierd-messages.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);

static int refuse(Request *q, const char *id, unsigned status, const char *code, const char *field,
                  const char *what) {
        char pointer[64];

        (void) snprintf(pointer, sizeof pointer, "/data/attributes/%s", field);
        log_node(LOG_WARNING, MESSAGE_REGISTRATION_REFUSED, id, "Refused registration of node %s: %s", id, what);
        reply_error(q, status, code, pointer, "%s", what);
        return -EPERM;
}

static int check_cert(Request *q, const char *id, X509_STORE *store, const Blob *der, const Tpm2Public *key,
                      const char *field) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
        _cleanup_free_ char *reason = NULL;
        char what[256];
        int r;

        if (tpm2_public_to_evp_pkey(key, &pkey) < 0)
                return refuse(q, id, 400, "invalid_key", field, "The key cannot be used.");
        r = certificate_check(store, der->data, der->size, pkey, &reason);
        if (r == -EBADMSG)
                return refuse(q, id, 400, "invalid_certificate", field, "The certificate does not parse.");
        if (r == -EKEYREJECTED) {
                (void) snprintf(what, sizeof what, "The %s key does not match its certificate.", field);
                return refuse(q, id, 400, "certificate_key_mismatch", field, what);
        }
        if (r == -EPERM) {
                (void) snprintf(what, sizeof what, "The %s is not trusted: %s.", field, reason ?: "unknown issuer");
                return refuse(q, id, 403, "certificate_untrusted", field, what);
        }
        if (r < 0)
                return refuse(q, id, 500, "internal", field, "Certificate check failed.");
        return 0;
}

/* TPM2_Certify of the AK by the IAK over H(agent id) (older agents: the raw id). */
static int check_iak(Request *q, const char *id, const RegistrationRequest *req, const Tpm2Public *ak) {
        Manager *m = q->manager;
        _cleanup_(tpm2_public_freep) Tpm2Public *iak = NULL;
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
        uint8_t hid[32];
        AttestVerdict v = _ATTEST_VERDICT_MAX;
        int r;

        if (tpm2_public_parse(req->iak_tpm.data, req->iak_tpm.size, &iak) < 0 || !tpm2_public_is_restricted_signing(iak))
                return refuse(q, id, 400, "invalid_field", "iak_tpm", "iak_tpm is not a restricted signing key.");
        if (tpm2_public_to_evp_pkey(iak, &pkey) < 0)
                return refuse(q, id, 400, "invalid_field", "iak_tpm", "iak_tpm cannot be used.");
        if (hash_alg_digest(hash_alg_from_tpm_id(TPM2_ALG_ID_SHA256), id, strlen(id), hid) < 0)
                return refuse(q, id, 500, "internal", "iak_attest", "Hashing failed.");

        for (unsigned pass = 0; pass < 2 && v != ATTEST_VALID; pass++) {
                CertifyVerifyParams p = {
                        .signer = pkey,
                        .name = ak->name,
                        .name_size = ak->name_size,
                        .extra_data = pass == 0 ? hid : (const uint8_t *) id,
                        .extra_data_size = pass == 0 ? sizeof hid : strlen(id),
                };
                r = certify_verify(&p, req->iak_attest.data, req->iak_attest.size, req->iak_sign.data,
                                   req->iak_sign.size, &v, NULL);
                if (r < 0)
                        return refuse(q, id, 400, "invalid_field", "iak_attest", "iak_attest or iak_sign does not parse.");
                if (v != ATTEST_VALID && v != ATTEST_NONCE_MISMATCH)
                        break;
        }
        if (v != ATTEST_VALID)
                return refuse(q, id, 403, "iak_certify_invalid", "iak_attest", attest_verdict_to_message(v));

        if (req->iak_cert.data && m->iak_store)
                return check_cert(q, id, m->iak_store, &req->iak_cert, iak, "iak_cert");
        if (m->iak_store)
                return refuse(q, id, 403, "iak_cert_required", "iak_cert", "An IAK certificate is required.");
        return 0;
}

static int check_idevid(Request *q, const char *id, const RegistrationRequest *req) {
        _cleanup_(tpm2_public_freep) Tpm2Public *idevid = NULL;

        if (!req->idevid_tpm.data)
                return 0;
        if (tpm2_public_parse(req->idevid_tpm.data, req->idevid_tpm.size, &idevid) < 0)
                return refuse(q, id, 400, "invalid_field", "idevid_tpm", "idevid_tpm does not parse.");
        if (q->manager->iak_store && req->idevid_cert.data)
                return check_cert(q, id, q->manager->iak_store, &req->idevid_cert, idevid, "idevid_cert");
        return 0;
}

int identity_check(Request *q, const char *id, const RegistrationRequest *req,
                   Tpm2Public **ret_ek, Tpm2Public **ret_ak) {
        Manager *m = q->manager;
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = NULL, *ak = NULL;
        int r;

        if (tpm2_public_parse(req->ek_tpm.data, req->ek_tpm.size, &ek) < 0 || !tpm2_public_is_restricted_decryption(ek))
                return refuse(q, id, 400, "invalid_field", "ek_tpm", "ek_tpm is not a restricted decryption key.");
        if (tpm2_public_parse(req->aik_tpm.data, req->aik_tpm.size, &ak) < 0 || !tpm2_public_is_restricted_signing(ak))
                return refuse(q, id, 400, "invalid_field", "aik_tpm", "aik_tpm is not a restricted signing key.");

        if (req->ekcert.data) {
                r = check_cert(q, id, m->ek_store, &req->ekcert, ek, "ekcert");
                if (r < 0)
                        return r;
        } else if (m->config.require_ek_cert)
                return refuse(q, id, 403, "ek_cert_required", "ekcert", "An EK certificate is required.");

        if (req->iak_tpm.data) {
                r = check_iak(q, id, req, ak);
                if (r < 0)
                        return r;
        } else if (m->config.require_iak)
                return refuse(q, id, 403, "iak_required", "iak_tpm", "An IAK is required.");
        r = check_idevid(q, id, req);
        if (r < 0)
                return r;

        *ret_ek = TAKE_PTR(ek);
        *ret_ak = TAKE_PTR(ak);
        return 0;
}
