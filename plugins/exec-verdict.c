/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec-verdict.h"
#include "json-parse.h"
#include "macro.h"

bool exec_failure_id_is_valid(const char *id, size_t len) {
        if (len == 0 || len > EXEC_FAILURE_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
                      id[i] == '_' || id[i] == '.' || id[i] == '-'))
                        return false;
        return true;
}

static int parse_severity(json_object *o, AttestSeverity *ret) {
        static const char *const names[] = {
                [ATTEST_SEVERITY_INFO] = "info",
                [ATTEST_SEVERITY_WARNING] = "warning",
                [ATTEST_SEVERITY_ERROR] = "error",
                [ATTEST_SEVERITY_CRITICAL] = "critical",
        };

        if (!o) {
                *ret = ATTEST_SEVERITY_ERROR;
                return 0;
        }
        if (!json_object_is_type(o, json_type_string))
                return -EBADMSG;
        for (size_t i = ATTEST_SEVERITY_INFO; i < ELEMENTSOF(names); i++)
                if (strcmp(json_object_get_string(o), names[i]) == 0) {
                        *ret = (AttestSeverity) i;
                        return 0;
                }
        return -EBADMSG;
}

static int parse_failure(json_object *o, ExecFailure *ret, const char **ret_error) {
        json_object *id, *severity = NULL, *context = NULL;

        if (!json_object_is_type(o, json_type_object)) {
                *ret_error = "a failure must be an object";
                return -EBADMSG;
        }
        id = json_get_typed(o, "id", json_type_string);
        if (!id || !exec_failure_id_is_valid(json_object_get_string(id), (size_t) json_object_get_string_len(id))) {
                *ret_error = "a failure needs an \"id\" of [a-z0-9_.-]";
                return -EBADMSG;
        }
        (void) json_object_object_get_ex(o, "severity", &severity);
        if (parse_severity(severity, &ret->severity) < 0) {
                *ret_error = "\"severity\" must be info, warning, error or critical";
                return -EBADMSG;
        }
        if (json_object_object_get_ex(o, "context", &context) && !json_object_is_type(context, json_type_object)) {
                *ret_error = "\"context\" must be an object";
                return -EBADMSG;
        }
        ret->id = strdup(json_object_get_string(id));
        ret->context = context ? strdup(json_object_to_json_string_ext(context, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;
        return !ret->id || (context && !ret->context) ? -ENOMEM : 0;
}

static int parse_failures(json_object *list, ExecVerdict *v, const char **ret_error) {
        size_t n;
        int r;

        if (!list)
                return 0;
        if (!json_object_is_type(list, json_type_array)) {
                *ret_error = "\"failures\" must be an array";
                return -EBADMSG;
        }
        n = json_object_array_length(list);
        if (n > EXEC_VERDICT_FAILURES_MAX) {
                *ret_error = "too many failures";
                return -E2BIG;
        }
        v->failures = calloc(MAX(n, 1u), sizeof(*v->failures));
        if (!v->failures)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_failure(json_object_array_get_idx(list, i), &v->failures[i], ret_error);
                v->n_failures = i + 1;  /* freed by exec_verdict_done() even when incomplete */
                if (r < 0)
                        return r;
        }
        return 0;
}

int exec_verdict_parse(const char *text, size_t len, ExecVerdict *ret, const char **ret_error) {
        ExecVerdict v = {};
        json_object *root = NULL, *pass, *failures = NULL;
        const char *error = "malformed JSON";
        int r;

        assert_return(text && ret, -EINVAL);
        r = json_parse_text(text, len, EXEC_VERDICT_SIZE_MAX, &root);
        if (r == -E2BIG)
                error = "verdict too large";
        if (r >= 0) {
                pass = json_get_typed(root, "pass", json_type_boolean);
                if (!json_object_is_type(root, json_type_object) || !pass) {
                        error = "the verdict must be an object with a boolean \"pass\"";
                        r = -EBADMSG;
                } else {
                        v.pass = json_object_get_boolean(pass);
                        (void) json_object_object_get_ex(root, "failures", &failures);
                        r = parse_failures(failures, &v, &error);
                }
        }
        json_object_put(root);
        if (r < 0) {
                exec_verdict_done(&v);
                if (ret_error)
                        *ret_error = error;
                return r;
        }
        *ret = v;
        return 0;
}

void exec_verdict_done(ExecVerdict *v) {
        for (size_t i = 0; i < v->n_failures; i++) {
                free(v->failures[i].id);
                free(v->failures[i].context);
        }
        free(v->failures);
        *v = (ExecVerdict) {};
}
