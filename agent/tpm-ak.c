/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "memory-util.h"
#include "tpm-ak.h"

#define AK_FILE_SIZE_MAX (sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE))

static const char *const ak_type_names[_AK_TYPE_MAX] = {
        [AK_RSA2048] = "rsa",
        [AK_ECC_P256] = "ecc",
};

const char *ak_type_to_string(AkType t) {
        if (t < 0 || t >= _AK_TYPE_MAX)
                return NULL;
        return ak_type_names[t];
}

int ak_type_from_string(const char *s, AkType *ret) {
        if (!s)
                return -EINVAL;
        if (strcasecmp(s, "rsa") == 0 || strcasecmp(s, "rsa2048") == 0)
                *ret = AK_RSA2048;
        else if (strcasecmp(s, "ecc") == 0 || strcasecmp(s, "ecc256") == 0 || strcasecmp(s, "p256") == 0)
                *ret = AK_ECC_P256;
        else
                return -EINVAL;
        return 0;
}

static void ak_template(AkType type, TPM2B_PUBLIC *ret) {
        TPMT_PUBLIC *p = &ret->publicArea;

        memset(ret, 0, sizeof(*ret));
        p->nameAlg = TPM2_ALG_SHA256;
        p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                              TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                              TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
        if (type == AK_RSA2048) {
                p->type = TPM2_ALG_RSA;
                p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
                p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
                p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
                p->parameters.rsaDetail.keyBits = 2048;
        } else {
                p->type = TPM2_ALG_ECC;
                p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
                p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
                p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
                p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
                p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
        }
}

TPMI_ALG_SIG_SCHEME tpm_ak_sig_scheme(const TpmAk *ak) {
        const TPMT_PUBLIC *p = &ak->public.publicArea;
        return p->type == TPM2_ALG_RSA ? p->parameters.rsaDetail.scheme.scheme
                                       : p->parameters.eccDetail.scheme.scheme;
}

TPMI_ALG_HASH tpm_ak_hash(const TpmAk *ak) {
        const TPMT_PUBLIC *p = &ak->public.publicArea;
        return p->type == TPM2_ALG_RSA ? p->parameters.rsaDetail.scheme.details.anySig.hashAlg
                                       : p->parameters.eccDetail.scheme.details.anySig.hashAlg;
}

static int state_path(const char *dir, const char *file, char **ret) {
        return asprintf(ret, "%s/%s", dir, file) < 0 ? -ENOMEM : 0;
}

/* Reads a file holding exactly one marshalled TPM2B (public area or wrapped
 * private part); the buffer is wiped either way. */
typedef TSS2_RC (*UnmarshalFunc)(const uint8_t *buf, size_t size, size_t *offset, void *ret);

static int read_tpm2b(const char *path, UnmarshalFunc unmarshal, void *ret, size_t ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size, off = 0;
        int r;

        r = read_full_file(path, AK_FILE_SIZE_MAX, &buf, &size);
        if (r < 0)
                return r;
        memset(ret, 0, ret_size);
        r = unmarshal(buf, size, &off, ret) != TSS2_RC_SUCCESS || off != size ? -EBADMSG : 0;
        erase_memory(buf, size);
        return r;
}

static TSS2_RC unmarshal_public(const uint8_t *buf, size_t size, size_t *offset, void *ret) {
        return Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, size, offset, ret);
}

static TSS2_RC unmarshal_private(const uint8_t *buf, size_t size, size_t *offset, void *ret) {
        return Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, size, offset, ret);
}

static int write_blobs(const char *dir, const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
                       const TPM2B_NAME *ek_name) {
        _cleanup_free_ char *p_pub = NULL, *p_priv = NULL, *p_ek = NULL, *ek_hex = NULL;
        uint8_t buf[sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE)];
        size_t off;
        int r;

        if (state_path(dir, "ak.pub", &p_pub) < 0 || state_path(dir, "ak.priv", &p_priv) < 0 ||
            state_path(dir, "ak.ek-name", &p_ek) < 0)
                return -ENOMEM;

        ek_hex = hex_encode(ek_name->name, ek_name->size);
        if (!ek_hex)
                return -ENOMEM;

        /* The private blob is wrapped by the EK's seed and useless elsewhere,
         * but keep it private anyway. */
        off = 0;
        if (Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
                return -EINVAL;
        r = write_file_atomic(p_priv, buf, off, 0600);
        erase_memory(buf, off);
        if (r < 0)
                return r;

        r = write_file_atomic(p_ek, ek_hex, strlen(ek_hex), 0644);
        if (r < 0)
                return r;

        /* ak.pub last: its presence marks a complete set. */
        off = 0;
        if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
                return -EINVAL;
        return write_file_atomic(p_pub, buf, off, 0644);
}

static int check_ek_name(const char *dir, const TPM2B_NAME *ek_name) {
        _cleanup_free_ char *path = NULL, *want = NULL;
        _cleanup_free_ uint8_t *have = NULL;
        size_t size;
        int r;

        if (state_path(dir, "ak.ek-name", &path) < 0)
                return -ENOMEM;
        r = read_full_file(path, 2 * sizeof(TPMU_NAME) + 2, &have, &size);
        if (r < 0)
                return r;
        want = hex_encode(ek_name->name, ek_name->size);
        if (!want)
                return -ENOMEM;
        while (size > 0 && (have[size - 1] == '\n' || have[size - 1] == ' '))
                size--;
        if (size != strlen(want) || strncasecmp((const char *) have, want, size) != 0)
                return -ESTALE;
        return 0;
}

static int ak_load(Tpm *t, const TpmEk *ek, const char *dir, TpmAk *ret) {
        _cleanup_free_ char *p_pub = NULL, *p_priv = NULL;
        _cleanup_tpm_handle_ TpmHandle session = TPM_HANDLE_NULL(t);
        _cleanup_tpm_handle_ TpmHandle h = TPM_HANDLE_NULL(t);
        TPM2B_NAME name;
        TPM2B_PUBLIC pub;
        TPM2B_PRIVATE priv;
        TSS2_RC rc;
        int r;

        if (state_path(dir, "ak.pub", &p_pub) < 0 || state_path(dir, "ak.priv", &p_priv) < 0)
                return -ENOMEM;

        r = read_tpm2b(p_pub, unmarshal_public, &pub, sizeof(pub));
        if (r < 0)
                return r;
        r = check_ek_name(dir, &ek->name);
        if (r < 0)
                return r;
        r = read_tpm2b(p_priv, unmarshal_private, &priv, sizeof(priv));
        if (r < 0)
                return r;

        r = tpm_ek_auth_session(ek, &session.tr);
        if (r < 0)
                return r;
        rc = Esys_Load(t->esys, ek->handle, session.tr, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &h.tr);
        erase_memory(&priv, sizeof(priv));
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_Load(AK)");

        r = tpm_get_name(t, h.tr, &name);
        if (r < 0)
                return r;

        *ret = (TpmAk) { .tpm = t, .handle = tpm_handle_take(&h), .public = pub, .name = name };
        return 0;
}

static int ak_create(Tpm *t, const TpmEk *ek, const char *dir, AkType type, TpmAk *ret) {
        const TPM2B_SENSITIVE_CREATE sensitive = {};
        const TPM2B_DATA outside = {};
        const TPML_PCR_SELECTION creation_pcr = {};
        _cleanup_tpm_handle_ TpmHandle session = TPM_HANDLE_NULL(t);
        _cleanup_esys_ TPM2B_PRIVATE *priv = NULL;
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        TPM2B_PUBLIC template;
        TSS2_RC rc;
        int r;

        ak_template(type, &template);

        r = tpm_ek_auth_session(ek, &session.tr);
        if (r < 0)
                return r;
        rc = Esys_Create(t->esys, ek->handle, session.tr, ESYS_TR_NONE, ESYS_TR_NONE,
                         &sensitive, &template, &outside, &creation_pcr,
                         &priv, &pub, NULL, NULL, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_Create(AK)");
        tpm_handle_done(&session);

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        r = write_blobs(dir, pub, priv, &ek->name);
        erase_memory(priv, sizeof(*priv));
        if (r < 0)
                return r;

        r = ak_load(t, ek, dir, ret);
        if (r < 0)
                return r;
        ret->created = true;
        return 0;
}

int tpm_ak_load_or_create(Tpm *t, const TpmEk *ek, const char *state_dir, AkType type, TpmAk *ret) {
        _cleanup_free_ char *p_pub = NULL;
        int r;

        assert(t && ek && state_dir && ret);

        if (state_path(state_dir, "ak.pub", &p_pub) < 0)
                return log_oom();

        if (access(p_pub, F_OK) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(-errno, "Cannot access %s: %m", p_pub);
                r = ak_create(t, ek, state_dir, type, ret);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the attestation key in %s: %m", state_dir);
                log_info("Created a new %s attestation key in %s.", ak_type_to_string(type), state_dir);
                return 0;
        }

        r = ak_load(t, ek, state_dir, ret);
        if (r == -ESTALE)
                return log_error_errno(r, "The attestation key in %s belongs to a different EK; "
                                       "remove ak.pub, ak.priv and ak.ek-name to create a new identity.",
                                       state_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to load the attestation key from %s: %m", state_dir);
        return 0;
}

void tpm_ak_done(TpmAk *ak) {
        if (!ak || !ak->tpm)
                return;
        tpm_flush(ak->tpm, &ak->handle);
        ak->tpm = NULL;
}
