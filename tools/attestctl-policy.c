/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl policy …: creating and handling policies. Each sub-verb lives
 * with its subject; this is only the table. */
#include <stddef.h>

#include "attestctl.h"
#include "attestctl-verbs.h"
#include "attestctl-runtime-policy.h"
#include "macro.h"

int verb_policy(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "create-runtime", verb_policy_create_runtime, "Create a runtime (IMA) policy" },
        };
        return dispatch_verbs("policy", verbs, ELEMENTSOF(verbs), argc, argv);
}
