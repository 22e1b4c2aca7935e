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
                { "create-runtime", verb_policy_create_runtime, "Create a runtime (IMA) policy" },
        };
        return dispatch_verbs("policy", verbs, ELEMENTSOF(verbs), argc, argv);
}
