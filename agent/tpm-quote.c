/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "hash-alg.h"
#include "log.h"
#include "makecredential.h"
#include "tpm-quote.h"

/* tpm2-tools PCR blob: TPML_PCR_SELECTION as laid out in memory (u32 count,
 * 16 × {u16 hash, u8 sizeofSelect, u8 pcrSelect[4], pad}), then u32 N and N
 * × TPML_DIGEST (u32 count, 8 × {u16 size, u8 buffer[64]}), little-endian. */
#define PCR_BLOB_SELECTIONS 16
#define PCR_BLOB_SELECTION_SIZE 8
#define PCR_BLOB_DIGESTS 8
#define PCR_BLOB_DIGEST_SIZE (2 + 64)
#define PCR_BLOB_LIST_SIZE (4 + PCR_BLOB_DIGESTS * PCR_BLOB_DIGEST_SIZE)
#define QUOTE_ATTEMPTS 3

void tpm_evidence_done(TpmEvidence *e) {
        if (!e)
                return;
        e->attest = mfree(e->attest);
        e->signature = mfree(e->signature);
        e->pcr_blob = mfree(e->pcr_blob);
        e->attest_size = e->signature_size = e->pcr_blob_size = 0;
}

static void put_le16(uint8_t *p, uint16_t v) {
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (v >> (8 * i)) & 0xff;
}

static void selection_set(TPML_PCR_SELECTION *sel, uint16_t hash, uint32_t mask) {
        memset(sel, 0, sizeof(*sel));
        sel->count = 1;
        sel->pcrSelections[0].hash = hash;
        sel->pcrSelections[0].sizeofSelect = 3;
        for (int i = 0; i < 3; i++)
                sel->pcrSelections[0].pcrSelect[i] = (mask >> (8 * i)) & 0xff;
}

static uint32_t selection_mask(const TPML_PCR_SELECTION *sel, uint16_t hash) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < sel->count; i++) {
                if (sel->pcrSelections[i].hash != hash)
                        continue;
                for (int b = 0; b < MIN(sel->pcrSelections[i].sizeofSelect, 3); b++)
                        m |= (uint32_t) sel->pcrSelections[i].pcrSelect[b] << (8 * b);
        }
        return m;
}

/* PCR values read in rounds of at most eight, as TPML_DIGESTs. */
typedef struct PcrValues {
        TPML_DIGEST lists[TPM_PCR_COUNT];
        unsigned n_lists;
} PcrValues;

static int pcr_read_all(Tpm *t, uint16_t hash, uint32_t mask, PcrValues *ret) {
        uint32_t left = mask;

        ret->n_lists = 0;
        while (left != 0) {
                _cleanup_esys_ TPML_PCR_SELECTION *got = NULL;
                _cleanup_esys_ TPML_DIGEST *values = NULL;
                TPML_PCR_SELECTION want;
                uint32_t counter, done;
                TSS2_RC rc;

                selection_set(&want, hash, left);
                rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   &want, &counter, &got, &values);
                if (rc != TSS2_RC_SUCCESS)
                        return tpm_rc_to_errno(rc, "Esys_PCR_Read");
                done = selection_mask(got, hash) & left;
                if (done == 0 || values->count != (uint32_t) __builtin_popcount(done) ||
                    ret->n_lists >= ELEMENTSOF(ret->lists))
                        return -ENODATA;   /* bank not allocated, or a TPM that makes no progress */
                ret->lists[ret->n_lists++] = *values;
                left &= ~done;
        }
        return 0;
}

static int pcr_blob_build(uint16_t hash, uint32_t mask, const PcrValues *v, uint8_t **ret, size_t *ret_size) {
        size_t size = 4 + PCR_BLOB_SELECTIONS * PCR_BLOB_SELECTION_SIZE + 4 + v->n_lists * PCR_BLOB_LIST_SIZE;
        uint8_t *b, *p;

        b = calloc(1, size);
        if (!b)
                return -ENOMEM;
        put_le32(b, 1);
        put_le16(b + 4, hash);
        b[6] = 3;
        for (int i = 0; i < 3; i++)
                b[7 + i] = (mask >> (8 * i)) & 0xff;

        p = b + 4 + PCR_BLOB_SELECTIONS * PCR_BLOB_SELECTION_SIZE;
        put_le32(p, v->n_lists);
        p += 4;
        for (unsigned l = 0; l < v->n_lists; l++, p += PCR_BLOB_LIST_SIZE) {
                put_le32(p, v->lists[l].count);
                for (uint32_t d = 0; d < v->lists[l].count; d++) {
                        uint8_t *slot = p + 4 + d * PCR_BLOB_DIGEST_SIZE;
                        put_le16(slot, v->lists[l].digests[d].size);
                        memcpy(slot + 2, v->lists[l].digests[d].buffer, MIN(v->lists[l].digests[d].size, 64));
                }
        }
        *ret = b;
        *ret_size = size;
        return 0;
}

/* Does the quote's pcrDigest cover exactly the values read? */
static int quote_matches(const TPM2B_ATTEST *quoted, uint16_t sig_hash, const PcrValues *v) {
        const HashAlg *alg = hash_alg_from_tpm_id(sig_hash);
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
        TPMS_ATTEST attest = {};
        HashCtx h = {};
        size_t off = 0;
        int r;

        if (!alg)
                return -EOPNOTSUPP;
        if (Tss2_MU_TPMS_ATTEST_Unmarshal(quoted->attestationData, quoted->size, &off, &attest) != TSS2_RC_SUCCESS ||
            off != quoted->size || attest.type != TPM2_ST_ATTEST_QUOTE)
                return -EBADMSG;

        r = hash_ctx_init(&h, alg);
        for (unsigned l = 0; r >= 0 && l < v->n_lists; l++)
                for (uint32_t d = 0; r >= 0 && d < v->lists[l].count; d++)
                        r = hash_ctx_update(&h, v->lists[l].digests[d].buffer, v->lists[l].digests[d].size);
        if (r >= 0)
                r = hash_ctx_final(&h, digest);
        hash_ctx_done(&h);
        if (r < 0)
                return r;

        return attest.attested.quote.pcrDigest.size == alg->size &&
               memcmp(attest.attested.quote.pcrDigest.buffer, digest, alg->size) == 0;
}

static int signature_marshal(const TPMT_SIGNATURE *sig, uint8_t **ret, size_t *ret_size) {
        uint8_t buf[sizeof(TPMT_SIGNATURE)];
        size_t off = 0;

        if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
                return -EINVAL;
        *ret = malloc(off);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, buf, off);
        *ret_size = off;
        return 0;
}

static int attest_copy(const TPM2B_ATTEST *a, uint8_t **ret, size_t *ret_size) {
        *ret = malloc(a->size ?: 1);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, a->attestationData, a->size);
        *ret_size = a->size;
        return 0;
}

static int sig_scheme(const TpmAk *ak, uint16_t sig_hash, TPMT_SIG_SCHEME *ret) {
        *ret = (TPMT_SIG_SCHEME) { .scheme = tpm_ak_sig_scheme(ak) };
        ret->details.any.hashAlg = sig_hash ?: tpm_ak_hash(ak);
        return hash_alg_from_tpm_id(ret->details.any.hashAlg) ? 0 : -EOPNOTSUPP;
}

static int quote_once(Tpm *t, const TpmAk *ak, uint16_t pcr_hash, uint32_t pcr_mask,
                      const TPMT_SIG_SCHEME *scheme, const TPM2B_DATA *qualifying, TpmEvidence *ret) {
        _cleanup_esys_ TPM2B_ATTEST *quoted = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        _cleanup_tpm_evidence_ TpmEvidence e = {};
        _cleanup_free_ PcrValues *v = NULL;
        TPML_PCR_SELECTION sel;
        TSS2_RC rc;
        int r;

        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        r = pcr_read_all(t, pcr_hash, pcr_mask, v);
        if (r < 0)
                return r;

        selection_set(&sel, pcr_hash, pcr_mask);
        rc = Esys_Quote(t->esys, ak->handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                        qualifying, scheme, &sel, &quoted, &sig);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_Quote");

        r = quote_matches(quoted, scheme->details.any.hashAlg, v);
        if (r <= 0)
                return r < 0 ? r : -EAGAIN;

        if ((r = attest_copy(quoted, &e.attest, &e.attest_size)) < 0 ||
            (r = signature_marshal(sig, &e.signature, &e.signature_size)) < 0 ||
            (r = pcr_blob_build(pcr_hash, pcr_mask, v, &e.pcr_blob, &e.pcr_blob_size)) < 0)
                return r;

        *ret = e;
        e = (TpmEvidence) {};
        return 0;
}

int tpm_quote(Tpm *t, const TpmAk *ak, uint16_t pcr_hash, uint32_t pcr_mask, uint16_t sig_hash,
              const uint8_t *nonce, size_t nonce_size, TpmEvidence *ret) {
        TPMT_SIG_SCHEME scheme;
        TPM2B_DATA qualifying = {};
        int r = -EAGAIN;

        assert(t && ak && ret);

        if (pcr_mask == 0 || pcr_mask >= (UINT32_C(1) << TPM_PCR_COUNT) || !hash_alg_from_tpm_id(pcr_hash))
                return -EINVAL;
        if (nonce_size > sizeof(qualifying.buffer))
                return -EMSGSIZE;
        if (sig_scheme(ak, sig_hash, &scheme) < 0)
                return -EOPNOTSUPP;
        qualifying.size = nonce_size;
        if (nonce_size > 0)
                memcpy(qualifying.buffer, nonce, nonce_size);

        for (int i = 0; i < QUOTE_ATTEMPTS && r == -EAGAIN; i++) {
                r = quote_once(t, ak, pcr_hash, pcr_mask, &scheme, &qualifying, ret);
                if (r == -EAGAIN)
                        log_debug("PCRs changed while quoting, quoting again.");
        }
        return r;
}

int tpm_certify(Tpm *t, ESYS_TR object, ESYS_TR signer, const TPMT_SIG_SCHEME *scheme,
                const uint8_t *qualifying_data, size_t qualifying_size, TpmEvidence *ret) {
        _cleanup_esys_ TPM2B_ATTEST *info = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        _cleanup_tpm_evidence_ TpmEvidence e = {};
        TPM2B_DATA qualifying = {};
        TSS2_RC rc;
        int r;

        assert(t && scheme && ret);

        if (qualifying_size > sizeof(qualifying.buffer))
                return -EMSGSIZE;
        qualifying.size = qualifying_size;
        if (qualifying_size > 0)
                memcpy(qualifying.buffer, qualifying_data, qualifying_size);

        rc = Esys_Certify(t->esys, object, signer, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                          &qualifying, scheme, &info, &sig);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_Certify");

        if ((r = attest_copy(info, &e.attest, &e.attest_size)) < 0 ||
            (r = signature_marshal(sig, &e.signature, &e.signature_size)) < 0)
                return r;
        *ret = e;
        e = (TpmEvidence) {};
        return 0;
}

int tpm_certify_ak(Tpm *t, const TpmAk *ak, const uint8_t *challenge, size_t challenge_size,
                   TpmEvidence *ret) {
        TPMT_SIG_SCHEME scheme;

        assert(t && ak && ret);

        if (sig_scheme(ak, 0, &scheme) < 0)
                return -EOPNOTSUPP;
        return tpm_certify(t, ak->handle, ak->handle, &scheme, challenge, challenge_size, ret);
}

int tpm_activate_credential(Tpm *t, const TpmEk *ek, const TpmAk *ak,
                            const uint8_t *blob, size_t blob_size, SecretBuffer *ret) {
        _cleanup_tpm_handle_ TpmHandle session = TPM_HANDLE_NULL(t);
        _cleanup_esys_ TPM2B_DIGEST *cert = NULL;
        TPM2B_ID_OBJECT id = {};
        TPM2B_ENCRYPTED_SECRET secret = {};
        CredentialBlob b;
        TSS2_RC rc;
        int r;

        assert(t && ek && ak && ret);

        r = credential_blob_parse(blob, blob_size, &b);
        if (r < 0)
                return r;
        if (b.id_object_size > sizeof(id.credential) || b.encrypted_secret_size > sizeof(secret.secret))
                return -EBADMSG;
        id.size = b.id_object_size;
        memcpy(id.credential, b.id_object, b.id_object_size);
        secret.size = b.encrypted_secret_size;
        memcpy(secret.secret, b.encrypted_secret, b.encrypted_secret_size);

        r = tpm_ek_auth_session(ek, &session.tr);
        if (r < 0)
                return r;

        rc = Esys_ActivateCredential(t->esys, ak->handle, ek->handle, ESYS_TR_PASSWORD, session.tr, ESYS_TR_NONE,
                                     &id, &secret, &cert);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_ActivateCredential");

        ret->data = malloc(cert->size ?: 1);
        if (!ret->data) {
                erase_memory(cert->buffer, cert->size);
                return -ENOMEM;
        }
        memcpy(ret->data, cert->buffer, cert->size);
        ret->size = cert->size;
        erase_memory(cert->buffer, cert->size);
        return 0;
}
