/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "journal" failure action: one structured journal entry per event. */

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "json-parse.h"
#include "plugin-util.h"

#define JOURNAL_EVENT_SIZE_MAX (1024u * 1024u)
/* The MESSAGE_ID of a node failing attestation. */
#define JOURNAL_MESSAGE_ID "5c2a8d0f3b8e4d7a9e61f4b2c7d30a15"

typedef struct JournalAction {
        int priority;
} JournalAction;

static int journal_configure(const char *config, size_t size, void **ret, char *error, size_t error_size) {
        JournalAction *a = calloc(1, sizeof(*a));
        json_object *root = NULL, *prio;
        int r = 0;

        if (!a)
                return -ENOMEM;
        a->priority = LOG_WARNING;
        if (config && size > 0) {
                r = json_parse_text(config, size, JOURNAL_EVENT_SIZE_MAX, &root);
                if (r >= 0 && (prio = json_get_typed(root, "priority", json_type_int))) {
                        int64_t p = json_object_get_int64(prio);

                        if (p < LOG_EMERG || p > LOG_DEBUG)
                                r = -EBADMSG;
                        else
                                a->priority = (int) p;
                }
                json_object_put(root);
        }
        if (r < 0) {
                free(a);
                return plugin_error(error, error_size, "journal action: configuration is {\"priority\": 0-7}");
        }
        *ret = a;
        return 0;
}

static void journal_free_instance(void *instance) {
        free(instance);
}

static const char *member(json_object *root, const char *key) {
        json_object *v = json_get_typed(root, key, json_type_string);

        return v ? json_object_get_string(v) : "";
}

static int journal_run(void *instance, const char *event, size_t size) {
        const JournalAction *a = instance;
        json_object *root = NULL;
        int r;

        r = json_parse_text(event, size, JOURNAL_EVENT_SIZE_MAX, &root);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        if (!json_object_is_type(root, json_type_object)) {
                json_object_put(root);
                return -EINVAL;
        }
        r = sd_journal_send("MESSAGE=Node %s failed attestation: %s", member(root, "node_id"), member(root, "kind"),
                            "MESSAGE_ID=" JOURNAL_MESSAGE_ID,
                            "PRIORITY=%d", a->priority,
                            "ATTEST_NODE_ID=%s", member(root, "node_id"),
                            "ATTEST_FAILURE_KIND=%s", member(root, "kind"),
                            "ATTEST_EVENT=%.*s", (int) size, event,
                            NULL);
        json_object_put(root);
        return r;
}

static const AttestFailureAction vtable = {
        .struct_size = sizeof(AttestFailureAction),
        .configure = journal_configure,
        .free_instance = journal_free_instance,
        .run = journal_run,
};

ATTEST_DEFINE_PLUGIN("journal", ATTEST_PLUGIN_FAILURE_ACTION, vtable)
