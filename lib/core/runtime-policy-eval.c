/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "ima-modsig.h"
#include "attest-limits.h"
#include "runtime-policy-eval.h"

int runtime_evaluation_new(const RuntimePolicy *p, const ImaKeyring *extra_keys, RuntimeEvaluation **ret) {
        RuntimeEvaluation *ev = calloc(1, sizeof(RuntimeEvaluation));

        if (!ev)
                return -ENOMEM;
        ev->policy = p;
        ev->extra_keys = extra_keys;
        if (p->n_excludes > 0) {
                ev->match_data = pcre2_match_data_create(1, NULL);   /* match or not: one pair is enough */
                if (!ev->match_data) {
                        free(ev);
                        return -ENOMEM;
                }
        }
        *ret = ev;
        return 0;
}

RuntimeEvaluation *runtime_evaluation_free(RuntimeEvaluation *ev) {
        if (!ev)
                return NULL;
        for (size_t i = 0; i < ev->n_failures; i++) {
                free(ev->failures[i].path);
                free(ev->failures[i].detail);
        }
        free(ev->failures);
        pcre2_match_data_free(ev->match_data);
        free(ev);
        return NULL;
}

int runtime_evaluation_fail(RuntimeEvaluation *ev, const char *id, uint64_t entry_no, const char *path,
                            const char *detail) {
        ev->n_failed++;
        if (ev->n_failures >= RUNTIME_POLICY_FAILURES_MAX)
                return 0;
        RuntimeFailure *n = realloc(ev->failures, (ev->n_failures + 1) * sizeof(RuntimeFailure));
        if (!n)
                return -ENOMEM;
        ev->failures = n;
        RuntimeFailure f = { id, entry_no, strdup(path ? path : ""), detail ? strdup(detail) : NULL };
        if (!f.path || (detail && !f.detail)) {
                free(f.path);
                free(f.detail);
                return -ENOMEM;
        }
        ev->failures[ev->n_failures++] = f;
        return 0;
}

/* Records a failure whose detail names the digest; returns 0 (failed) or -ENOMEM. */
static int fail_digest(RuntimeEvaluation *ev, const char *id, uint64_t no, const ImaEntry *e, const ImaDigest *d) {
        _cleanup_free_ char *hex = hex_encode(d->data, d->size), *detail = NULL;

        if (!hex || asprintf(&detail, "%s:%s", d->alg_name, hex) < 0)
                return -ENOMEM;
        int r = runtime_evaluation_fail(ev, id, no, e->name, detail);
        return r < 0 ? r : 0;
}

static int pass(RuntimeEvaluation *ev) {
        ev->n_passed++;
        return 1;
}

static int check_digest(RuntimeEvaluation *ev, const DigestIndex *ix, uint64_t no, const ImaEntry *e) {
        const uint8_t *rec = digest_index_find(ix, e->name, e->name_len);

        if (!rec)
                return fail_digest(ev, RUNTIME_FAILURE_NOT_IN_POLICY, no, e, &e->digest);
        if (!digest_index_record_has(rec, e->digest.data, e->digest.size))
                return fail_digest(ev, RUNTIME_FAILURE_DIGEST_MISMATCH, no, e, &e->digest);
        return pass(ev);
}

static int check_buf(RuntimeEvaluation *ev, uint64_t no, const ImaEntry *e) {
        const RuntimePolicy *p = ev->policy;

        if (runtime_policy_keyring_ignored(p, e->name))
                return pass(ev);
        if (digest_index_find(p->keyrings, e->name, e->name_len))
                return check_digest(ev, p->keyrings, no, e);
        return check_digest(ev, p->ima_buf, no, e);
}

static int fail_signature(RuntimeEvaluation *ev, uint64_t no, const ImaEntry *e, const char *detail) {
        int r = runtime_evaluation_fail(ev, RUNTIME_FAILURE_BAD_SIGNATURE, no, e->name, detail);
        return r < 0 ? r : 0;
}

/* 1 valid, 0 failed (recorded), -ENOKEY when no key has its id. */
static int check_signature(RuntimeEvaluation *ev, uint64_t no, const ImaEntry *e) {
        const ImaKeyring *ring = &ev->policy->keys;
        ImaSignature s;
        int r;

        r = ima_signature_parse(e->sig, e->sig_size, &s);
        if (r < 0)
                return fail_signature(ev, no, e, r == -EBADMSG ? "malformed signature" : "unsupported signature");
        if (!ima_keyring_find(ring, s.keyid))
                ring = ev->extra_keys;
        r = ima_signature_verify(ring, &s, &e->digest);
        if (r == -ENOKEY)
                return r;
        if (r < 0)
                return fail_signature(ev, no, e, "signature does not verify");
        ev->n_signed++;
        return pass(ev);
}

/* The appended signature over d-modsig: 1 valid, 0 failed (recorded),
 * -ENOKEY when no key is known to have made it. */
static int check_modsig(RuntimeEvaluation *ev, uint64_t no, const ImaEntry *e) {
        const ImaKeyring *rings[] = { &ev->policy->keys, ev->extra_keys };
        _cleanup_(ima_modsig_done) ImaModsig m = {};
        int r;

        r = ima_modsig_parse(e->modsig, e->modsig_size, &m);
        if (r < 0)
                return fail_signature(ev, no, e,
                                      r == -EPROTONOSUPPORT ? "unsupported appended signature" : "malformed appended signature");
        r = ima_modsig_verify(&m, &e->modsig_digest, rings, ELEMENTSOF(rings));
        if (r == -ENOKEY)
                return r;
        if (r < 0)
                return fail_signature(ev, no, e, "appended signature does not verify");
        ev->n_signed++;
        return pass(ev);
}

int runtime_evaluation_check(RuntimeEvaluation *ev, uint64_t no, const ImaEntry *e) {
        const RuntimePolicy *p = ev->policy;
        int r;

        if (e->violation) {
                ev->n_violations++;
                return 1;
        }
        if (e->template == IMA_TEMPLATE_IMA_BUF)
                return check_buf(ev, no, e);
        if (runtime_policy_excluded(p, ev->match_data, e->name, e->name_len)) {
                ev->n_excluded++;
                return 1;
        }
        if (e->sig) {
                r = check_signature(ev, no, e);
                if (r != -ENOKEY)
                        return r;
        }
        if (e->modsig_size > 0) {
                r = check_modsig(ev, no, e);
                if (r != -ENOKEY)
                        return r;
        }
        return check_digest(ev, p->digests, no, e);
}
