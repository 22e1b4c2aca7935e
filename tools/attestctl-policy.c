/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl policy <sub-verb>: one line per sub-verb in the table below. */
#include <stddef.h>

#include "attestctl.h"
#include "attestctl-policy.h"

int verb_policy(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "create-mb", verb_policy_create_mb, "Print a boot reference state that accepts exactly this event log" },
        };
        return dispatch_verbs("policy", verbs, ELEMENTSOF(verbs), argc, argv);
}
