/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's TPM identity, kept for the life of the process: the EK is made
 * and the AK loaded once, and every user (push cycles, the registration,
 * secrets, the verbs) borrows them under the process-wide TPM lock. Making
 * the EK anew took most of a push cycle's time, the agent's and the TPM's.
 * With no resource manager (swtpm, a raw device) the two stay loaded as
 * transient objects until the process ends, which leaves one object slot of
 * a small TPM's three to the users that need one of their own (the secret's
 * decryption key). When the TPM has lost them (reset, restarted) they are
 * opened afresh: never flushed then, since their handles may name someone
 * else's objects by now. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "fileio.h"
#include "log.h"

static pthread_mutex_t tpm_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under tpm_lock. */
static struct {
        Tpm *tpm;       /* NULL: none open */
        TpmEk ek;
        TpmAk ak;
        bool suspect;   /* a use failed: check that the TPM still holds them before the next */
        /* The context broke (TCTI error) with them loaded: their TPM handles,
         * for the next context to take them back, or to flush them. */
        TPM2_HANDLE ek_tpm_handle, ak_tpm_handle;
        const char *tcti;   /* where they are: the configuration's, which outlives them */
} kept;

static void tpm_unlockp(bool *locked) {
        if (*locked)
                (void) pthread_mutex_unlock(&tpm_lock);
}

/* Until 0.1 the agent kept its state inside the verifier's state directory. A
 * host upgraded from there keeps its AK (the verifier holds the node id to it):
 * the files are copied once into the new default directory, which then wins. */
#define AGENT_LEGACY_STATE_DIR LOCALSTATEDIR "/agent"
#define AGENT_STATE_FILE_MAX (64u * 1024u)

static void state_adopt_legacy(const char *state_dir) {
        /* ak.pub last: its presence says the copy is complete. */
        static const char *const files[] = { "ak.priv", "ak.ek-name", "registration", "ak.pub" };
        _cleanup_free_ char *probe = NULL;

        if (strcmp(state_dir, AGENT_DEFAULT_STATE_DIR) != 0 ||
            asprintf(&probe, "%s/ak.pub", state_dir) < 0 || access(probe, F_OK) == 0 ||
            access(AGENT_LEGACY_STATE_DIR "/ak.pub", F_OK) < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *from = NULL, *to = NULL;
                _cleanup_free_ uint8_t *data = NULL;
                size_t size;
                int r;

                if (asprintf(&from, "%s/%s", AGENT_LEGACY_STATE_DIR, files[i]) < 0 ||
                    asprintf(&to, "%s/%s", state_dir, files[i]) < 0)
                        return (void) log_oom();
                r = read_full_file(from, AGENT_STATE_FILE_MAX, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r >= 0)
                        r = write_file_atomic(to, data, size, 0600);
                if (r < 0)
                        return (void) log_warning_errno(r, "Failed to copy %s to %s: %m", from, to);
        }
        log_notice("Adopted the AK and registration of %s into %s; the old directory may be removed.",
                   AGENT_LEGACY_STATE_DIR, state_dir);
}

static void log_lost(void) {
        log_notice("The TPM no longer holds the EK and AK (reset or restarted): loading them again.");
}

/* A new context takes back what the broken one left loaded: 1 when both
 * the EK and the AK are there (and t's now), else 0, anything of theirs
 * that was there flushed. */
static int kept_reattach(Tpm *t) {
        ESYS_TR ek = ESYS_TR_NONE, ak = ESYS_TR_NONE;
        int r;

        r = tpm_object_attach(t, kept.ek_tpm_handle, &kept.ek.name, &ek);
        if (r >= 0 || r == -ENOKEY)
                r = tpm_object_attach(t, kept.ak_tpm_handle, &kept.ak.name, &ak);
        if (r == -ECONNREFUSED || r == -EBUSY) {
                if (ek != ESYS_TR_NONE)
                        (void) Esys_TR_Close(t->esys, &ek);
                return r;   /* ask again next time */
        }
        kept.ek_tpm_handle = kept.ak_tpm_handle = 0;
        if (ek == ESYS_TR_NONE || ak == ESYS_TR_NONE) {
                log_lost();
                tpm_flush(t, &ek);
                tpm_flush(t, &ak);
                kept.ek = (TpmEk) {};
                kept.ak = (TpmAk) {};
                return 0;
        }
        kept.ek.tpm = kept.ak.tpm = t;
        kept.ek.handle = ek;
        kept.ak.handle = ak;
        log_debug("Took the EK and AK back into a new TPM context.");
        return 1;
}

static int kept_open(const AgentConfig *c) {
        _cleanup_(tpm_closep) Tpm *t = NULL;
        _cleanup_tpm_ek_ TpmEk ek = {};
        _cleanup_tpm_ak_ TpmAk ak = {};
        int r;

        r = tpm_open(c->tcti, &t);
        if (r < 0)
                return r;
        kept.tcti = c->tcti;
        if (kept.ek_tpm_handle != 0) {
                r = kept_reattach(t);
                if (r < 0)
                        return r;
                if (r > 0) {
                        kept.tpm = TAKE_PTR(t);
                        return 0;
                }
        }
        r = tpm_ek_create(t, c->ek_type, &ek);
        if (r < 0)
                return r;
        state_adopt_legacy(c->state_dir);
        r = tpm_ak_load_or_create(t, &ek, c->state_dir, c->ak_type, &ak);
        if (r < 0)
                return r;

        kept.tpm = TAKE_PTR(t);
        kept.ek = ek;
        kept.ak = ak;
        kept.suspect = false;
        ek = (TpmEk) {};
        ak = (TpmAk) {};
        return 0;
}

/* The context is closed; the EK and AK flushed first unless the TPM lost
 * them (their ESYS_TRs go with the context) or cannot be reached now (then
 * their TPM handles are kept for the next context). */
typedef enum KeptLoss { KEPT_LOADED, KEPT_LOST, KEPT_DETACHED } KeptLoss;

static void kept_close(KeptLoss how) {
        if (!kept.tpm)
                return;
        if (how == KEPT_DETACHED &&
            (Esys_TR_GetTpmHandle(kept.tpm->esys, kept.ek.handle, &kept.ek_tpm_handle) != TSS2_RC_SUCCESS ||
             Esys_TR_GetTpmHandle(kept.tpm->esys, kept.ak.handle, &kept.ak_tpm_handle) != TSS2_RC_SUCCESS))
                kept.ek_tpm_handle = kept.ak_tpm_handle = 0;
        if (how == KEPT_LOADED) {
                tpm_ak_done(&kept.ak);
                tpm_ek_done(&kept.ek);
        }
        kept.ek.tpm = kept.ak.tpm = NULL;
        kept.ek.handle = kept.ak.handle = ESYS_TR_NONE;
        kept.tpm = tpm_close(kept.tpm);
        kept.suspect = false;
}

/* After a failed use: whether the TPM still holds the kept EK and AK. 1 when
 * they are to be opened again (the TPM lost them, or the context broke), 0
 * when they are there, -EBUSY when the TPM asks to be tried later. */
static int kept_check(void) {
        int r;

        if (!kept.tpm)
                return 0;
        r = tpm_object_check(kept.tpm, kept.ak.handle, &kept.ak.name);
        if (r >= 0)
                r = tpm_object_check(kept.tpm, kept.ek.handle, &kept.ek.name);
        switch (r) {
        case 0:
                kept.suspect = false;
                return 0;
        case -ENOKEY:
                log_lost();
                kept_close(KEPT_LOST);
                return 1;
        case -ECONNREFUSED:
                log_notice("The TPM connection failed: opening it again.");
                kept_close(KEPT_DETACHED);
                return 1;
        default:
                kept.suspect = true;
                return log_debug_errno(r, "Cannot tell whether the TPM still holds the EK and AK: %m");
        }
}

int agent_identity_open(const AgentConfig *c, AgentIdentity *ret) {
        _cleanup_(tpm_unlockp) bool locked = false;
        int r;

        (void) pthread_mutex_lock(&tpm_lock);
        locked = true;
        if (kept.suspect) {
                r = kept_check();
                if (r < 0)
                        return r;
        }
        if (!kept.tpm) {
                r = kept_open(c);
                if (r < 0)
                        return r;
        }

        /* Borrowed: agent_identity_done() leaves them loaded. */
        *ret = (AgentIdentity) { .locked = true, .tpm = kept.tpm, .ek = kept.ek, .ak = kept.ak };
        locked = false;   /* now the identity's */
        return 0;
}

int agent_identity_open_devid(const AgentConfig *c, AgentIdentity *ret) {
        _cleanup_agent_identity_ AgentIdentity id = {};
        int r;

        r = agent_identity_open(c, &id);
        if (r < 0)
                return r;
        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++) {
                if (c->devid[k].handle == 0)
                        continue;
                r = tpm_devid_key_load(id.tpm, k, &c->devid[k], &id.devid[k]);
                if (r < 0)
                        return r;
        }
        *ret = id;
        id = (AgentIdentity) {};
        return 0;
}

static void devid_keys_done(AgentIdentity *id) {
        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++)
                tpm_devid_key_done(&id->devid[k]);
}

void agent_identity_done(AgentIdentity *id) {
        if (!id)
                return;
        devid_keys_done(id);
        tpm_unlockp(&id->locked);
        *id = (AgentIdentity) {};
}

int agent_identity_run(const AgentConfig *c, bool devid, AgentIdentityUse use, void *userdata) {
        int r;

        for (unsigned attempt = 0;; attempt++) {
                _cleanup_agent_identity_ AgentIdentity id = {};
                int lost;

                r = devid ? agent_identity_open_devid(c, &id) : agent_identity_open(c, &id);
                if (r < 0)
                        return r;
                r = use(&id, userdata);
                if (r >= 0)
                        return r;
                /* Still under the lock: nobody used the TPM since the failure.
                 * The IAK's and IDevID's ESYS_TRs go first, with the context they live in. */
                devid_keys_done(&id);
                lost = kept_check();
                if (lost <= 0 || attempt > 0)
                        return r;
        }
}

void agent_identity_close(void) {
        (void) pthread_mutex_lock(&tpm_lock);
        if (kept.suspect)
                (void) kept_check();
        /* Left by a broken context: flushed when the TPM answers now. */
        if (!kept.tpm && kept.ek_tpm_handle != 0 && tpm_open(kept.tcti, &kept.tpm) >= 0 && kept_reattach(kept.tpm) <= 0)
                kept.tpm = tpm_close(kept.tpm);
        kept_close(KEPT_LOADED);
        (void) pthread_mutex_unlock(&tpm_lock);
}
