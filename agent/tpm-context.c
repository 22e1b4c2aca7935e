/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>

#include "hash-alg.h"
#include "log.h"
#include "tpm-context.h"

int tpm_rc_to_errno(TSS2_RC rc, const char *what) {
        if (rc == TSS2_RC_SUCCESS)
                return 0;
        log_debug("%s failed: %s (0x%x)", what, Tss2_RC_Decode(rc), rc);
        switch (rc & TSS2_RC_LAYER_MASK) {
        case TSS2_TCTI_RC_LAYER:
                return -ECONNREFUSED;
        default:
                break;
        }
        switch (rc & 0xffff) {
        case TSS2_BASE_RC_MEMORY:
                return -ENOMEM;
        case TSS2_BASE_RC_BAD_VALUE:
        case TSS2_BASE_RC_BAD_REFERENCE:
                return -EINVAL;
        case TSS2_BASE_RC_IO_ERROR:
        case TSS2_BASE_RC_NO_CONNECTION:
                return -ECONNREFUSED;
        default:
                return -EIO;
        }
}

int tpm_open(const char *tcti_conf, Tpm **ret) {
        _cleanup_(tpm_closep) Tpm *t = NULL;
        TSS2_RC rc;

        assert(ret);

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;

        rc = Tss2_TctiLdr_Initialize(tcti_conf ?: TPM_DEFAULT_TCTI, &t->tcti);
        if (rc != TSS2_RC_SUCCESS)
                return log_error_errno(tpm_rc_to_errno(rc, "Tss2_TctiLdr_Initialize"),
                                       "Failed to open TPM via TCTI '%s': %s",
                                       tcti_conf ?: TPM_DEFAULT_TCTI, Tss2_RC_Decode(rc));

        rc = Esys_Initialize(&t->esys, t->tcti, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return log_error_errno(tpm_rc_to_errno(rc, "Esys_Initialize"),
                                       "Failed to initialise ESYS: %s", Tss2_RC_Decode(rc));

        /* A TPM that was already started answers TPM2_RC_INITIALIZE: fine. */
        rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
        if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE)
                return log_error_errno(tpm_rc_to_errno(rc, "Esys_Startup"),
                                       "TPM2_Startup failed: %s", Tss2_RC_Decode(rc));

        *ret = TAKE_PTR(t);
        return 0;
}

Tpm *tpm_close(Tpm *t) {
        if (!t)
                return NULL;
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti)
                Tss2_TctiLdr_Finalize(&t->tcti);
        free(t);
        return NULL;
}

void tpm_flush(Tpm *t, ESYS_TR *handle) {
        TSS2_RC rc;

        if (!t || !handle || *handle == ESYS_TR_NONE || *handle == ESYS_TR_PASSWORD)
                return;
        rc = Esys_FlushContext(t->esys, *handle);
        if (rc != TSS2_RC_SUCCESS)
                log_warning("Failed to flush TPM handle: %s", Tss2_RC_Decode(rc));
        *handle = ESYS_TR_NONE;
}

int tpm_start_ek_policy_session(Tpm *t, ESYS_TR *ret_session) {
        const TPMT_SYM_DEF sym = {
                .algorithm = TPM2_ALG_AES,
                .keyBits.aes = 128,
                .mode.aes = TPM2_ALG_CFB,
        };
        _cleanup_tpm_handle_ TpmHandle session = TPM_HANDLE_NULL(t);
        TSS2_RC rc;

        rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &session.tr);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_StartAuthSession");

        rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, session.tr,
                               ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                               NULL, NULL, NULL, 0, NULL, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_PolicySecret");

        *ret_session = tpm_handle_take(&session);
        return 0;
}

int tpm_get_property(Tpm *t, uint32_t property, uint32_t *ret) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        TPMI_YES_NO more;
        TSS2_RC rc;

        rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                TPM2_CAP_TPM_PROPERTIES, property, 1, &more, &cap);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_GetCapability");
        if (cap->data.tpmProperties.count < 1 ||
            cap->data.tpmProperties.tpmProperty[0].property != property)
                return -ENOENT;
        *ret = cap->data.tpmProperties.tpmProperty[0].value;
        return 0;
}

int tpm_pcr_banks(Tpm *t, const uint16_t **ret, size_t *ret_n) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        size_t n = 0;
        TSS2_RC rc;

        if (t->n_pcr_banks == 0) {
                rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0, 1, NULL,
                                        &cap);
                if (rc != TSS2_RC_SUCCESS)
                        return tpm_rc_to_errno(rc, "GetCapability(PCRS)");
                for (uint32_t i = 0; i < cap->data.assignedPCR.count && n < TPM_PCR_BANKS_MAX; i++) {
                        const TPMS_PCR_SELECTION *sel = &cap->data.assignedPCR.pcrSelections[i];

                        if (sel->sizeofSelect >= 3 && sel->pcrSelect[0] == 0xff && sel->pcrSelect[1] == 0xff &&
                            sel->pcrSelect[2] == 0xff && hash_alg_from_tpm_id(sel->hash))
                                t->pcr_banks[n++] = sel->hash;
                }
                if (n == 0)
                        return -ENODEV;
                t->n_pcr_banks = n;
        }
        *ret = t->pcr_banks;
        *ret_n = t->n_pcr_banks;
        return 0;
}

static int get_handles(Tpm *t, uint32_t first, uint32_t count, TPMS_CAPABILITY_DATA **ret) {
        TPMI_YES_NO more;
        TSS2_RC rc;

        rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                TPM2_CAP_HANDLES, first, count, &more, ret);
        return tpm_rc_to_errno(rc, "Esys_GetCapability(handles)");
}

int tpm_count_transient(Tpm *t, unsigned *ret) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        int r;

        r = get_handles(t, TPM2_TRANSIENT_FIRST, TPM2_MAX_CAP_HANDLES, &cap);
        if (r < 0)
                return r;
        *ret = cap->data.handles.count;
        return 0;
}

/* The TPM away, or the ESYS context broken by that (it then answers every
 * call with BAD_SEQUENCE): only a new context helps. */
static bool rc_is_unreachable(TSS2_RC rc) {
        return (rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER;
}

/* TPM warnings that say "later" (RETRY, YIELDED, TESTING, NV_RATE, …), not
 * "gone": the REFERENCE_* ones name a handle that is not loaded. */
static bool rc_is_busy(TSS2_RC rc) {
        TSS2_RC base = rc & 0xfff;

        if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER || (base & TPM2_RC_FMT1) ||
            (base & TPM2_RC_WARN) != TPM2_RC_WARN)
                return false;
        return !(base >= TPM2_RC_REFERENCE_H0 && base <= TPM2_RC_REFERENCE_S6);
}

/* Any other TPM error (TPM_RC_HANDLE, REFERENCE_H0, INITIALIZE …): not loaded. */
static int object_rc_to_errno(TSS2_RC rc, const char *what) {
        (void) tpm_rc_to_errno(rc, what);
        return rc_is_unreachable(rc) ? -ECONNREFUSED : rc_is_busy(rc) ? -EBUSY : -ENOKEY;
}

static bool name_equal(const TPM2B_NAME *a, const TPM2B_NAME *b) {
        return a->size == b->size && memcmp(a->name, b->name, a->size) == 0;
}

int tpm_object_check(Tpm *t, ESYS_TR handle, const TPM2B_NAME *name) {
        _cleanup_esys_ TPM2B_NAME *have = NULL;
        TSS2_RC rc;

        rc = Esys_ReadPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &have, NULL);
        if (rc != TSS2_RC_SUCCESS)
                return object_rc_to_errno(rc, "Esys_ReadPublic");
        return name_equal(have, name) ? 0 : -ENOKEY;
}

int tpm_object_attach(Tpm *t, TPM2_HANDLE tpm_handle, const TPM2B_NAME *name, ESYS_TR *ret) {
        _cleanup_esys_ TPM2B_NAME *have = NULL;
        ESYS_TR tr = ESYS_TR_NONE;
        TSS2_RC rc;

        rc = Esys_TR_FromTPMPublic(t->esys, tpm_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
        if (rc != TSS2_RC_SUCCESS)
                return object_rc_to_errno(rc, "Esys_TR_FromTPMPublic");
        rc = Esys_TR_GetName(t->esys, tr, &have);
        if (rc != TSS2_RC_SUCCESS || !name_equal(have, name)) {
                (void) Esys_TR_Close(t->esys, &tr);
                return rc != TSS2_RC_SUCCESS ? object_rc_to_errno(rc, "Esys_TR_GetName") : -ENOKEY;
        }
        *ret = tr;
        return 0;
}

int tpm_handle_defined(Tpm *t, uint32_t handle) {
        _cleanup_esys_ TPMS_CAPABILITY_DATA *cap = NULL;
        int r;

        r = get_handles(t, handle, 1, &cap);
        if (r < 0)
                return r;
        return cap->data.handles.count >= 1 && cap->data.handles.handle[0] == handle;
}

int tpm_get_name(Tpm *t, ESYS_TR handle, TPM2B_NAME *ret) {
        _cleanup_esys_ TPM2B_NAME *name = NULL;
        TSS2_RC rc;

        rc = Esys_TR_GetName(t->esys, handle, &name);
        if (rc != TSS2_RC_SUCCESS)
                return tpm_rc_to_errno(rc, "Esys_TR_GetName");
        *ret = *name;
        return 0;
}
