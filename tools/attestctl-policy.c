/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl policy <sub-verb>: one line per sub-verb in the table below; each
 * sub-verb lives with its subject. */
#include <stddef.h>

#include "attestctl.h"
#include "attestctl-policy.h"
#include "attestctl-runtime-policy.h"
#include "macro.h"

int verb_policy(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "create-mb",      verb_policy_create_mb,      "Print a boot reference state that accepts exactly this event log" },
                { "convert",        verb_policy_convert,        "Convert a boot reference state: --to hostattest|keylime FILE" },
                { "create-runtime", verb_policy_create_runtime, "Create a runtime (IMA) policy" },
                { "add",            verb_policy_add,            "Store a named policy in the verifier: KIND NAME FILE" },
                { "update",         verb_policy_add,            "Replace a named policy's content; its nodes follow: KIND NAME FILE" },
                { "list",           verb_policy_list,           "List the verifier's named policies" },
                { "show",           verb_policy_show,           "Print a named policy and the nodes using it: KIND NAME" },
                { "remove",         verb_policy_remove,         "Remove a named policy no node uses: KIND NAME" },
        };
        return dispatch_verbs("policy", verbs, ELEMENTSOF(verbs), argc, argv);
}
