/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "macro.h"

/* One open TPM: the TCTI and the ESYS context on top of it. There is no
 * resource manager behind a swtpm or a raw device, so every transient
 * object and session this code creates is flushed by the code that made it. */
#define TPM_PCR_BANKS_MAX 8

typedef struct Tpm {
        TSS2_TCTI_CONTEXT *tcti;
        ESYS_CONTEXT *esys;
        uint16_t pcr_banks[TPM_PCR_BANKS_MAX];   /* tpm_pcr_banks(); none until asked */
        size_t n_pcr_banks;
} Tpm;

#define TPM_DEFAULT_TCTI "device:/dev/tpmrm0"

/* Opens the TPM named by a TCTI configuration string ("device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321"); NULL means the default. */
int tpm_open(const char *tcti_conf, Tpm **ret);
Tpm *tpm_close(Tpm *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Tpm *, tpm_close);

/* Maps a TSS2 return code to a negative errno after logging it at debug
 * with the operation name; TPM-side failures become -EIO. */
int tpm_rc_to_errno(TSS2_RC rc, const char *what);

/* Flushes a transient object or session; ESYS_TR_NONE is a no-op. */
void tpm_flush(Tpm *t, ESYS_TR *handle);

/* A transient handle owned by the scope that declared it. */
typedef struct TpmHandle {
        Tpm *tpm;
        ESYS_TR tr;
} TpmHandle;

#define TPM_HANDLE_NULL(t) ((TpmHandle) { .tpm = (t), .tr = ESYS_TR_NONE })

static inline void tpm_handle_done(TpmHandle *h) {
        if (h->tpm)
                tpm_flush(h->tpm, &h->tr);
}
#define _cleanup_tpm_handle_ _cleanup_(tpm_handle_done)

static inline ESYS_TR tpm_handle_take(TpmHandle *h) {
        ESYS_TR tr = h->tr;
        h->tr = ESYS_TR_NONE;
        return tr;
}

/* Frees memory ESYS returned. */
static inline void esys_freep(void *p) {
        Esys_Free(*(void **) p);
}
#define _cleanup_esys_ _cleanup_(esys_freep)

/* Starts a policy session satisfied by PolicySecret(TPM_RH_ENDORSEMENT),
 * which is what the TCG default EK templates require for using the EK. */
int tpm_start_ek_policy_session(Tpm *t, ESYS_TR *ret_session);

/* Reads a TPM property (TPM2_CAP_TPM_PROPERTIES); -ENOENT when not reported. */
int tpm_get_property(Tpm *t, uint32_t property, uint32_t *ret);

/* The PCR banks with all 24 PCRs allocated (a partial bank cannot be
 * replayed), as TPM algorithm ids; -ENODEV when there is none. Asked once per
 * context: the banks change only through TPM2_PCR_Allocate at the next TPM
 * reset, which loses the transient objects and so makes the agent open a new
 * context. */
int tpm_pcr_banks(Tpm *t, const uint16_t **ret, size_t *ret_n);

/* The TPM name of a loaded object. */
int tpm_get_name(Tpm *t, ESYS_TR handle, TPM2B_NAME *ret);

/* Whether a handle (NV index, persistent object) is defined, asked through
 * GetCapability so that an absent one is no TPM error (which ESYS would log). */
int tpm_handle_defined(Tpm *t, uint32_t handle);

/* Whether the object at handle is still the one named name: 0 when it is,
 * -ENOKEY when the TPM no longer holds it (a reset or restart of the TPM
 * flushed it, or the handle now names another object), -EBUSY when the TPM
 * asks to be tried later, -ECONNREFUSED when the TPM cannot be reached or the
 * ESYS context is unusable after such a failure (it must be opened anew). */
int tpm_object_check(Tpm *t, ESYS_TR handle, const TPM2B_NAME *name);

/* Takes the transient object at the TPM handle into t's context when it is
 * the one named name (left behind by a context that broke), with the errors
 * of tpm_object_check(). */
int tpm_object_attach(Tpm *t, TPM2_HANDLE tpm_handle, const TPM2B_NAME *name, ESYS_TR *ret);

/* Counts loaded transient objects (used by tests and the debug log to spot leaks). */
int tpm_count_transient(Tpm *t, unsigned *ret);
