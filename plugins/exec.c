/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "exec" policy engine: an external program (OPA, a script) gets the
 * validated evidence and its policy as JSON on stdin and writes a verdict on
 * stdout (attest-exec-engine(7)). A crash, a timeout, a non-zero exit or an
 * unreadable verdict is a failure with its own id, never a pass. */

#include <stdlib.h>
#include <string.h>

#include "evidence-json.h"
#include "exec-command.h"
#include "exec-verdict.h"
#include "json-parse.h"
#include "plugin-util.h"
#include "child-spawn.h"

#define EXEC_POLICY_SIZE_MAX (16u * 1024u * 1024u)

typedef struct ExecPolicy {
        ExecCommand command;
        char *policy;                   /* the "policy" member as JSON text */
        AttestRequirements requirements;
} ExecPolicy;

static void exec_free_compiled(void *compiled) {
        ExecPolicy *p = compiled;

        if (!p)
                return;
        exec_command_done(&p->command);
        free(p->policy);
        free(p);
}

static int parse_needs(json_object *root, AttestRequirements *req, const char **ret_error) {
        json_object *needs = json_get_typed(root, "needs", json_type_array);
        json_object *pcrs = json_get_typed(root, "pcrs", json_type_array);

        req->needs = ATTEST_NEED_QUOTE;
        for (size_t i = 0; needs && i < json_object_array_length(needs); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(needs, i));

                if (s && strcmp(s, "uefi_log") == 0)
                        req->needs |= ATTEST_NEED_UEFI_LOG;
                else if (s && strcmp(s, "ima_log") == 0)
                        req->needs |= ATTEST_NEED_IMA_LOG;
                else {
                        *ret_error = "\"needs\" holds \"uefi_log\" and \"ima_log\" only";
                        return -EBADMSG;
                }
        }
        for (size_t i = 0; pcrs && i < json_object_array_length(pcrs); i++) {
                json_object *p = json_object_array_get_idx(pcrs, i);
                int64_t v = json_object_get_int64(p);

                if (!json_object_is_type(p, json_type_int) || v < 0 || v > 23) {
                        *ret_error = "\"pcrs\" holds PCR numbers 0-23";
                        return -EBADMSG;
                }
                req->pcr_mask |= UINT32_C(1) << v;
        }
        return 0;
}

static int parse_policy(json_object *root, void *userdata, const char **why) {
        ExecPolicy *p = userdata;
        json_object *inner = NULL;
        int r;

        r = exec_command_parse(root, &p->command, why);
        if (r >= 0)
                r = parse_needs(root, &p->requirements, why);
        if (r < 0)
                return r;
        (void) json_object_object_get_ex(root, "policy", &inner);
        p->policy = strdup(inner ? json_object_to_json_string_ext(inner, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                                 : "null");
        return p->policy ? 0 : -ENOMEM;
}

static int exec_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        ExecPolicy *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = plugin_parse_json((const char *) policy, size, EXEC_POLICY_SIZE_MAX, "exec policy", parse_policy, p,
                              error, error_size);
        if (r < 0) {
                exec_free_compiled(p);
                return r;
        }
        *ret = p;
        return 0;
}

static void exec_requirements(const void *compiled, AttestRequirements *ret) {
        const ExecPolicy *p = compiled;

        ret->needs = p->requirements.needs;
        ret->pcr_mask = p->requirements.pcr_mask;
}

/* {"policy": …, "evidence": …} */
static char *build_input(const ExecPolicy *p, const AttestEvidence *ev) {
        json_object *e = evidence_to_json(ev);
        char *text = NULL;

        if (!e)
                return NULL;
        if (asprintf(&text, "{\"policy\":%s,\"evidence\":%s}\n", p->policy,
                     json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
                text = NULL;
        json_object_put(e);
        return text;
}

static int fail_child(const AttestFailureSink *sink, const SpawnResult *res, const char *reason) {
        static const char *const ids[] = {
                [SPAWN_EXITED] = "exec.exit_status",
                [SPAWN_SIGNALED] = "exec.crashed",
                [SPAWN_TIMEOUT] = "exec.timeout",
                [SPAWN_OUTPUT_TOO_LARGE] = "exec.bad_verdict",
        };
        json_object *ctx = json_object_new_object();
        char buf[64];

        json_add(ctx, "child", json_object_new_string(spawn_result_describe(res, buf, sizeof(buf))));
        if (reason)
                json_add(ctx, "reason", json_object_new_string(reason));
        return plugin_fail(sink, reason && res->outcome == SPAWN_EXITED ? "exec.bad_verdict" : ids[res->outcome],
                           ATTEST_SEVERITY_ERROR, ctx) < 0 ? -ENOMEM : ATTEST_EVAL_FAIL;
}

static int report_verdict(const AttestFailureSink *sink, const ExecVerdict *v) {
        for (size_t i = 0; i < v->n_failures; i++)
                if (sink->add_failure(sink->userdata, v->failures[i].id, v->failures[i].severity,
                                      v->failures[i].context) < 0)
                        return -ENOMEM;
        if (!v->pass && v->n_failures == 0 &&
            plugin_fail(sink, "exec.denied", ATTEST_SEVERITY_ERROR, NULL) < 0)
                return -ENOMEM;
        return v->pass ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static int exec_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                         const AttestFailureSink *sink) {
        const ExecPolicy *p = compiled;
        _cleanup_free_ char *input = NULL;
        SpawnResult res = {};
        ExecVerdict v = {};
        const char *why = NULL;
        int r;

        input = build_input(p, ev);
        if (!input)
                return -ENOMEM;
        r = spawn_run(p->command.argv, input, strlen(input), p->command.timeout_ms, EXEC_VERDICT_SIZE_MAX, &res);
        if (r < 0) {
                json_object *ctx = json_object_new_object();

                json_add(ctx, "error", json_object_new_string(strerror(-r)));
                return plugin_fail(sink, "exec.spawn", ATTEST_SEVERITY_ERROR, ctx) < 0 ? -ENOMEM : ATTEST_EVAL_FAIL;
        }
        if (res.outcome != SPAWN_EXITED || res.exit_code != 0)
                r = fail_child(sink, &res, NULL);
        else if ((r = exec_verdict_parse(res.output ?: "", res.output_size, &v, &why)) < 0)
                r = r == -ENOMEM ? r : fail_child(sink, &res, why);
        else
                r = report_verdict(sink, &v);
        exec_verdict_done(&v);
        spawn_result_done(&res);
        return r;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = exec_compile,
        .free_compiled = exec_free_compiled,
        .requirements = exec_requirements,
        .evaluate = exec_evaluate,
};

ATTEST_DEFINE_PLUGIN("exec", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
