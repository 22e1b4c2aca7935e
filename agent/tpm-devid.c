/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IAK and IDevID: keys provisioned as persistent objects, used when the
 * operator configures them. They are checked once at load, so that a
 * registration never goes ahead with half an identity. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "fileio.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "log.h"
#include "tpm-devid.h"
#include "tpm-nv.h"
#include "x509-der.h"

static const char *const devid_kind_names[_DEVID_KIND_MAX] = {
        [DEVID_IAK] = "IAK",
        [DEVID_IDEVID] = "IDevID",
};

const char *devid_kind_to_string(DevIdKind k) {
        if (k < 0 || k >= _DEVID_KIND_MAX)
                return NULL;
        return devid_kind_names[k];
}

/* Exactly "0x" and eight hex digits: handles are written that way everywhere. */
static int handle_from_string(const char *s, uint8_t type, uint32_t *ret) {
        uint8_t b[4];

        if (!s || strlen(s) != 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
                return -EINVAL;
        if (hex_decode_into(s + 2, 8, b, sizeof b) < 0)
                return -EINVAL;
        if (b[0] != type)
                return -ERANGE;
        *ret = (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
        return 0;
}

int tpm_persistent_handle_from_string(const char *s, uint32_t *ret) {
        return handle_from_string(s, TPM2_HT_PERSISTENT, ret);
}

static int nv_source(const char *s, uint32_t *ret) {
        if (strncmp(s, "nv:", 3) != 0)
                return 0;
        return handle_from_string(s + 3, TPM2_HT_NV_INDEX, ret) < 0 ? -EINVAL : 1;
}

int devid_certificate_source_check(const char *s) {
        uint32_t index;
        int r;

        if (!s)
                return -EINVAL;
        r = nv_source(s, &index);
        if (r != 0)
                return r < 0 ? r : 0;
        return s[0] == '/' ? 0 : -EINVAL;
}

/* IAK: restricted signing, as the AK (it signs only TPM-made structures).
 * IDevID: signing and not restricted, as the TCG profile defines it. */
static bool public_is_kind(const TPMT_PUBLIC *p, DevIdKind kind) {
        TPMA_OBJECT a = p->objectAttributes;

        if (p->type != TPM2_ALG_RSA && p->type != TPM2_ALG_ECC)
                return false;
        if (!(a & TPMA_OBJECT_SIGN_ENCRYPT) || (a & TPMA_OBJECT_DECRYPT) || !(a & TPMA_OBJECT_FIXEDTPM))
                return false;
        return kind == DEVID_IAK ? !!(a & TPMA_OBJECT_RESTRICTED) : !(a & TPMA_OBJECT_RESTRICTED);
}

static int key_read_public(TpmDevIdKey *k, uint32_t handle) {
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        _cleanup_esys_ TPM2B_NAME *name = NULL;
        const char *kind = devid_kind_to_string(k->kind);
        TSS2_RC rc;
        int r;

        r = tpm_handle_defined(k->tpm, handle);
        if (r < 0)
                return log_error_errno(r, "Failed to look up the %s handle 0x%08x: %m", kind, handle);
        if (r == 0)
                return log_error_errno(-ENOENT, "No %s at persistent handle 0x%08x.", kind, handle);

        rc = Esys_TR_FromTPMPublic(k->tpm->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &k->handle);
        if (rc != TSS2_RC_SUCCESS)
                return log_error_errno(tpm_rc_to_errno(rc, "Esys_TR_FromTPMPublic"),
                                       "Failed to open the %s at 0x%08x: %m", kind, handle);
        rc = Esys_ReadPublic(k->tpm->esys, k->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return log_error_errno(tpm_rc_to_errno(rc, "Esys_ReadPublic"),
                                       "Failed to read the public area of the %s at 0x%08x: %m", kind, handle);

        if (!public_is_kind(&pub->publicArea, k->kind))
                return log_error_errno(-EMEDIUMTYPE, "The key at 0x%08x is not usable as %s: it must be %s.",
                                       handle, kind, k->kind == DEVID_IAK ? "a restricted signing key"
                                                                          : "an unrestricted signing key");
        k->public = *pub;
        k->name = *name;
        return 0;
}

static int key_read_cert(TpmDevIdKey *k, const char *source) {
        _cleanup_free_ uint8_t *buf = NULL;
        const char *kind = devid_kind_to_string(k->kind);
        uint32_t index;
        size_t size;
        int r;

        r = nv_source(source, &index);
        if (r < 0)
                return log_error_errno(r, "Invalid %s certificate source '%s'.", kind, source);
        if (r > 0)
                r = tpm_nv_read(k->tpm, index, REG_CERT_DER_MAX, &buf, &size);
        else
                r = read_full_file(source, X509_PEM_SIZE_MAX, &buf, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read the %s certificate from %s: %m", kind, source);

        r = x509_der_normalize(buf, size, &k->cert, &k->cert_size);
        if (r < 0)
                return log_error_errno(r == -ENOMEM ? r : -EBADMSG,
                                       "%s holds no usable %s certificate (one X.509 certificate, DER or PEM).",
                                       source, kind);
        return 0;
}

int tpm_devid_key_load(Tpm *t, DevIdKind kind, const DevIdConfig *c, TpmDevIdKey *ret) {
        _cleanup_tpm_devid_key_ TpmDevIdKey k = { .tpm = t, .kind = kind, .handle = ESYS_TR_NONE };
        int r;

        assert(t && c && ret && kind >= 0 && kind < _DEVID_KIND_MAX);

        r = key_read_public(&k, c->handle);
        if (r < 0)
                return r;
        k.persistent = c->handle;
        if (c->certificate) {
                r = key_read_cert(&k, c->certificate);
                if (r < 0)
                        return r;
        }
        *ret = k;
        k = (TpmDevIdKey) {};
        return 0;
}

void tpm_devid_key_done(TpmDevIdKey *k) {
        if (!k)
                return;
        /* A persistent object's ESYS_TR only leaves ESYS: the key stays in the TPM. */
        if (k->tpm && k->handle != ESYS_TR_NONE)
                (void) Esys_TR_Close(k->tpm->esys, &k->handle);
        k->handle = ESYS_TR_NONE;
        k->cert = mfree(k->cert);
        k->cert_size = 0;
        k->tpm = NULL;
}

int tpm_iak_certify_ak(Tpm *t, const TpmDevIdKey *iak, const TpmAk *ak, const char *agent_id, TpmEvidence *ret) {
        const TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
        uint8_t hid[32];

        assert(t && iak && ak && agent_id && ret);
        assert(iak->kind == DEVID_IAK);

        if (hash_alg_digest(hash_alg_from_tpm_id(TPM2_ALG_SHA256), agent_id, strlen(agent_id), hid) < 0)
                return -EIO;
        return tpm_certify(t, ak->handle, iak->handle, &scheme, hid, sizeof hid, ret);
}
