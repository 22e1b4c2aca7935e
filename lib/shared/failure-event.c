/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "failure-event.h"
#include "json-parse.h"
#include "json-util.h"

const char *attest_severity_to_string(AttestSeverity s) {
        switch (s) {
        case ATTEST_SEVERITY_INFO:
                return "info";
        case ATTEST_SEVERITY_WARNING:
                return "warning";
        case ATTEST_SEVERITY_CRITICAL:
                return "critical";
        default:
                return "error";
        }
}

static json_object *context_to_json(const char *context) {
        json_object *o = NULL;

        if (!context)
                return NULL;
        if (json_parse_text(context, strlen(context), 64u * 1024u, &o) >= 0 && json_object_is_type(o, json_type_object))
                return o;
        json_object_put(o);
        return json_object_new_string(context);
}

static json_object *failure_to_json(const PolicyFailure *f) {
        json_object *o = json_object_new_object(), *ctx = context_to_json(f->context);

        if (!o || json_object_object_add(o, "id", json_object_new_string(f->id)) < 0 ||
            json_object_object_add(o, "severity", json_object_new_string(attest_severity_to_string(f->severity))) < 0 ||
            (ctx && json_object_object_add(o, "context", ctx) < 0)) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int rfc3339(uint64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000u);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        return 0;
}

int failure_event_build(const char *node_id, const char *kind, uint64_t time_usec,
                        const PolicyFailure *failures, size_t n_failures, char **ret) {
        json_object *root, *list;
        char when[32];
        char *text;
        int r = 0;

        if (!node_id || !kind || (!failures && n_failures > 0) || !ret)
                return -EINVAL;
        if (rfc3339(time_usec, when) < 0)
                return -EINVAL;
        root = json_object_new_object();
        list = json_object_new_array();
        if (!root || !list) {
                json_object_put(root);
                json_object_put(list);
                return -ENOMEM;
        }
        json_object_object_add(root, "event", json_object_new_string("attestation_failed"));
        json_object_object_add(root, "node_id", json_object_new_string(node_id));
        json_object_object_add(root, "time", json_object_new_string(when));
        json_object_object_add(root, "verdict",
                               json_object_new_string(strcmp(kind, FAILURE_KIND_TIMEOUT) == 0 ? "TIMEOUT" : "FAIL"));
        json_object_object_add(root, "kind", json_object_new_string(kind));
        for (size_t i = 0; r == 0 && i < n_failures; i++) {
                json_object *f = failure_to_json(&failures[i]);

                r = f && json_object_array_add(list, f) == 0 ? 0 : -ENOMEM;
        }
        json_object_object_add(root, "failures", list);
        text = r == 0 ? strdup(json_object_to_json_string_ext(root, JSON_TEXT_PLAIN)) : NULL;
        json_object_put(root);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}
