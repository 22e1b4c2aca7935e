/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stored verdict as EAR claims (draft-ietf-rats-ear), with trustworthiness
 * vectors in the terms of draft-ietf-rats-ar4si, and a relying party's checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ear.h"
#include "json-util.h"
#include "jws.h"
#include "macro.h"

/* AR4SI values shared by every claim. */
#define AR4SI_AFFIRMING       2
#define AR4SI_WARNING        32
#define AR4SI_CONTRAINDICATED 96
#define AR4SI_CRYPTO_FAILED  99
#define AR4SI_APPROVED_BOOT   3       /* executables: only approved boot executables loaded */

static const char *const status_names[_EAR_STATUS_MAX] = {
        [EAR_STATUS_NONE] = "none",
        [EAR_STATUS_AFFIRMING] = "affirming",
        [EAR_STATUS_WARNING] = "warning",
        [EAR_STATUS_CONTRAINDICATED] = "contraindicated",
};

const char *ear_status_to_string(EarStatus s) {
        return s >= 0 && s < _EAR_STATUS_MAX ? status_names[s] : NULL;
}

EarStatus ear_status_from_string(const char *s) {
        for (EarStatus i = 0; i < _EAR_STATUS_MAX; i++)
                if (s && strcmp(status_names[i], s) == 0)
                        return i;
        return _EAR_STATUS_INVALID;
}

/* What each shipped engine can vouch for; a passing mb policy approves the boot
 * chain only, a passing ima policy what ran since. Other engines say no more than
 * their status. */
typedef struct EngineClaims {
        const char *engine;
        const char *claims[2];
        int affirming[2];
} EngineClaims;

static const EngineClaims engine_claims[] = {
        { "tpm", { "configuration" },               { AR4SI_AFFIRMING } },
        { "mb",  { "executables", "configuration" }, { AR4SI_APPROVED_BOOT, AR4SI_AFFIRMING } },
        { "ima", { "executables", "file-system" },   { AR4SI_AFFIRMING, AR4SI_AFFIRMING } },
};

static int claim_value(EarStatus s, int affirming, bool broken) {
        if (broken)
                return AR4SI_CRYPTO_FAILED;
        switch (s) {
        case EAR_STATUS_AFFIRMING:       return affirming;
        case EAR_STATUS_WARNING:         return AR4SI_WARNING;
        case EAR_STATUS_CONTRAINDICATED: return AR4SI_CONTRAINDICATED;
        default:                         return 0;
        }
}

static int vector_add_engine(json_object *v, const char *engine, EarStatus s, bool broken) {
        for (size_t i = 0; i < ELEMENTSOF(engine_claims); i++) {
                const EngineClaims *e = &engine_claims[i];
                if (strcmp(e->engine, engine) != 0)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(e->claims) && e->claims[k]; k++) {
                        int val = claim_value(s, e->affirming[k], broken);
                        if (val != 0 && json_add_int(v, e->claims[k], val) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

static json_object *submod_new(EarStatus s, json_object *vector, const char *digest) {
        json_object *o = json_object_new_object();
        char id[16 + POLICY_DIGEST_HEX_SIZE];

        if (!o || json_add_string(o, "ear.status", ear_status_to_string(s)) < 0) {
                json_object_put(o);
                json_object_put(vector);
                return NULL;
        }
        (void) json_object_object_add(o, "ear.trustworthiness-vector", vector);
        if (digest && digest[0]) {
                (void) snprintf(id, sizeof id, "sha256:%s", digest);
                (void) json_add_string(o, "ear.appraisal-policy-id", id);
        }
        return o;
}

/* The TPM submodule: the validated quote and logs (instance identity, genuine
 * hardware through the AK's credential activation), with the tpm engine's PCR policy. */
static json_object *tpm_submod(const EarAppraisal *policy, bool broken) {
        json_object *v = json_object_new_object();
        EarStatus s = broken ? EAR_STATUS_CONTRAINDICATED : EAR_STATUS_AFFIRMING;

        if (!v)
                return NULL;
        (void) json_add_int(v, "instance-identity", broken ? AR4SI_CRYPTO_FAILED : AR4SI_AFFIRMING);
        (void) json_add_int(v, "hardware", broken ? AR4SI_CRYPTO_FAILED : AR4SI_AFFIRMING);
        if (policy) {
                (void) vector_add_engine(v, "tpm", policy->status, broken);
                /* The PCR policy's judgement, when it made one, is the submodule's. */
                if (!broken && policy->status != EAR_STATUS_NONE)
                        s = policy->status;
        }
        return submod_new(s, v, policy ? policy->digest : NULL);
}

static json_object *engine_submod(const EarAppraisal *p, bool broken) {
        json_object *v = json_object_new_object();

        if (!v || vector_add_engine(v, p->engine, p->status, broken) < 0) {
                json_object_put(v);
                return NULL;
        }
        /* A broken evidence chain says nothing good about anything. */
        return submod_new(broken ? EAR_STATUS_CONTRAINDICATED : p->status, v, p->digest);
}

/* Adds value under key, taking the reference whatever happens. */
static int add_owned(json_object *o, const char *key, json_object *value) {
        if (!value || json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

static json_object *submods_build(const EarAppraisal *l, size_t n, bool broken) {
        json_object *o = json_object_new_object();
        const EarAppraisal *tpm = NULL;
        int r;

        if (!o)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i].engine, "tpm") == 0)
                        tpm = &l[i];
        r = add_owned(o, "tpm", tpm_submod(tpm, broken));
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (&l[i] != tpm)
                        r = add_owned(o, l[i].engine, engine_submod(&l[i], broken));
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

char *ear_appraisals_to_json(const EarAppraisal *l, size_t n) {
        _cleanup_json_ json_object *a = json_object_new_array();
        char *s;

        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return NULL;
                }
                if (json_add_string(o, "engine", l[i].engine) < 0 || json_add_string(o, "policy", l[i].digest) < 0 ||
                    json_add_string(o, "status", ear_status_to_string(l[i].status)) < 0)
                        return NULL;
        }
        s = strdup(json_object_to_json_string_ext(a, JSON_TEXT_PLAIN));
        return s;
}

static int appraisal_from_json(json_object *o, EarAppraisal *ret) {
        const char *engine, *digest, *status;

        if (json_get_string_required(o, "engine", ATTEST_PLUGIN_NAME_MAX, &engine) < 0 ||
            json_get_string_required(o, "policy", POLICY_DIGEST_HEX_SIZE - 1, &digest) < 0 ||
            json_get_string_required(o, "status", 32, &status) < 0)
                return -EBADMSG;
        *ret = (EarAppraisal) { .status = ear_status_from_string(status) };
        if (ret->status < 0)
                return -EBADMSG;
        (void) snprintf(ret->engine, sizeof ret->engine, "%s", engine);
        (void) snprintf(ret->digest, sizeof ret->digest, "%s", digest);
        return 0;
}

int ear_appraisals_from_json(const char *s, EarAppraisal **ret, size_t *ret_n) {
        _cleanup_json_ json_object *a = NULL;
        _cleanup_free_ EarAppraisal *l = NULL;
        size_t n;

        a = json_tokener_parse(s);
        if (!a || !json_object_is_type(a, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(a);
        if (n > EAR_APPRAISALS_MAX)
                return -E2BIG;
        l = calloc(n ?: 1, sizeof *l);
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(a, i);
                if (!json_object_is_type(o, json_type_object) || appraisal_from_json(o, &l[i]) < 0)
                        return -EBADMSG;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

static json_object *verifier_id(const char *build) {
        json_object *o = json_object_new_object();

        if (o && (json_add_string(o, "developer", EAR_DEVELOPER) < 0 || json_add_string(o, "build", build) < 0)) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int claims_fill(json_object *o, const Attestation *a, const EarContext *c, json_object *submods) {
        _cleanup_free_ char *nonce = jws_base64url_encode(a->nonce, sizeof a->nonce);
        int64_t iat = (int64_t) (a->updated_usec / 1000000u);
        int r;

        r = json_add_string(o, "eat_profile", EAR_PROFILE);
        r = r ?: json_add_int(o, "iat", iat);
        r = r ?: json_add_int(o, "exp", iat + (int64_t) c->max_age_sec);
        r = r ?: add_owned(o, "ear.verifier-id", verifier_id(c->build));
        r = r ?: nonce ? json_add_string(o, "eat_nonce", nonce) : -ENOMEM;
        r = r ?: json_add_string(o, "sub", c->node_id);
        if (r < 0) {
                json_object_put(submods);
                return r;
        }
        return add_owned(o, "submods", submods);
}

int ear_claims_build(const Attestation *a, const EarContext *c, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ EarAppraisal *l = NULL;
        json_object *submods;
        size_t n = 0;
        bool broken;
        int r;

        if (!o)
                return -ENOMEM;
        if (a->appraisal) {
                r = ear_appraisals_from_json(a->appraisal, &l, &n);
                if (r < 0)
                        return r;
        }
        broken = a->failure_reason && strcmp(a->failure_reason, "broken_evidence_chain") == 0;
        submods = submods_build(l, n, broken);
        if (!submods)
                return -ENOMEM;
        r = claims_fill(o, a, c, submods);
        if (r < 0)
                return r;
        *ret = strdup(json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
        return *ret ? 0 : -ENOMEM;
}

static int get_int(json_object *o, const char *key, int64_t *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        *ret = json_object_get_int64(v);
        return 0;
}

int ear_claims_check(json_object *claims, uint64_t now_sec) {
        const char *profile;
        json_object *v;
        int64_t iat, exp;

        if (json_get_string_required(claims, "eat_profile", 256, &profile) < 0)
                return -EBADMSG;
        if (strcmp(profile, EAR_PROFILE) != 0)
                return -EPROTO;
        if (get_int(claims, "iat", &iat) < 0 || get_int(claims, "exp", &exp) < 0 || exp < iat ||
            !json_object_object_get_ex(claims, "submods", &v) || !json_object_is_type(v, json_type_object) ||
            !json_object_object_get_ex(claims, "ear.verifier-id", &v) || !json_object_is_type(v, json_type_object))
                return -EBADMSG;
        if (exp < 0 || (uint64_t) exp <= now_sec)
                return -ESTALE;
        return 0;
}
