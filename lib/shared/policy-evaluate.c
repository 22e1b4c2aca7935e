/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin-loader.h"

#define FAILURE_ID_MAX      128u
#define FAILURE_CONTEXT_MAX (64u * 1024u)
#define ENGINE_STATE_MAX    (64u * 1024u)

typedef struct Collector {
        PolicyOutcome *out;
        const char *engine;
        int error;                      /* first allocation failure */
        bool dropped_serious;           /* an ERROR or worse beyond POLICY_FAILURES_MAX */
} Collector;

static bool failure_id_is_valid(const char *id) {
        size_t n = id ? strnlen(id, FAILURE_ID_MAX + 1) : 0;

        if (n == 0 || n > FAILURE_ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
                      id[i] == '_' || id[i] == '.' || id[i] == '-'))
                        return false;
        return true;
}

static int add(Collector *c, const char *id, AttestSeverity severity, const char *context) {
        PolicyOutcome *o = c->out;
        PolicyFailure *f, *items;

        if (o->n_failures >= POLICY_FAILURES_MAX) {
                c->dropped_serious = c->dropped_serious || severity >= ATTEST_SEVERITY_ERROR;
                return 0;
        }
        items = reallocarray(o->failures, o->n_failures + 1, sizeof(*items));
        if (!items)
                return c->error = -ENOMEM;
        o->failures = items;
        f = &items[o->n_failures];
        *f = (PolicyFailure) { .severity = severity };
        f->id = strdup(id);
        f->context = context ? strndup(context, FAILURE_CONTEXT_MAX) : NULL;
        if (!f->id || (context && !f->context)) {
                free(f->id);
                free(f->context);
                return c->error = -ENOMEM;
        }
        o->n_failures++;
        return 0;
}

/* A failure the host names: "<engine>.<what>". */
static int add_own(Collector *c, const char *what, const char *context) {
        char id[FAILURE_ID_MAX + 1];

        (void) snprintf(id, sizeof(id), "%s.%s", c->engine, what);
        return add(c, id, ATTEST_SEVERITY_ERROR, context);
}

static int sink_add_failure(void *userdata, const char *id, uint32_t severity, const char *context) {
        Collector *c = userdata;

        if (!failure_id_is_valid(id))
                return add_own(c, "bad_failure_id", NULL) < 0 ? -ENOMEM : -EINVAL;
        if (severity < ATTEST_SEVERITY_INFO || severity > ATTEST_SEVERITY_CRITICAL)
                severity = ATTEST_SEVERITY_ERROR;
        return add(c, id, severity, context);
}

static int sink_set_state(void *userdata, const uint8_t *state, size_t size) {
        PolicyOutcome *o = ((Collector *) userdata)->out;
        uint8_t *copy = NULL;

        if (size > ENGINE_STATE_MAX || (size > 0 && !state))
                return -E2BIG;
        if (size > 0) {
                copy = malloc(size);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, state, size);
        }
        free(o->state);
        o->state = copy;
        o->state_size = size;
        o->state_changed = true;
        return 0;
}

int policy_evaluate(const CompiledPolicy *cp, const AttestEvidence *ev, const AttestNodeState *state,
                    PolicyOutcome *ret) {
        PolicyOutcome o = {};
        Collector c = { .out = &o, .engine = cp ? cp->plugin->name : NULL };
        AttestFailureSink sink = {
                .struct_size = sizeof(sink),
                .userdata = &c,
                .add_failure = sink_add_failure,
                .set_state = sink_set_state,
        };
        AttestNodeState empty = { .struct_size = sizeof(empty) };
        bool serious;
        int r;

        if (!cp || !ev || !ret)
                return -EINVAL;
        r = cp->plugin->engine->evaluate(cp->compiled, ev, state ?: &empty, &sink);
        if (c.error < 0) {
                policy_outcome_done(&o);
                return c.error;
        }
        serious = c.dropped_serious;
        for (size_t i = 0; i < o.n_failures; i++)
                serious = serious || o.failures[i].severity >= ATTEST_SEVERITY_ERROR;

        if (r < 0 || r > ATTEST_EVAL_FAIL) {
                char context[64];

                (void) snprintf(context, sizeof(context), "{\"error\":%d}", r);
                r = add_own(&c, "engine_error", context);
        } else if (r == ATTEST_EVAL_FAIL && !serious)
                /* A failing verdict always carries a reason. */
                r = add_own(&c, "failed", NULL);
        else if (r == ATTEST_EVAL_PASS) {
                o.pass = !serious;
                r = 0;
        }
        if (r < 0) {
                policy_outcome_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

void policy_outcome_done(PolicyOutcome *o) {
        if (!o)
                return;
        for (size_t i = 0; i < o->n_failures; i++) {
                free(o->failures[i].id);
                free(o->failures[i].context);
        }
        free(o->failures);
        free(o->state);
        *o = (PolicyOutcome) {};
}
