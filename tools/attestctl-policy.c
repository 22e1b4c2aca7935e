/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attestctl-policy.h"

static const Verb policy_verbs[] = {
        ATTESTCTL_POLICY_VERBS
};

int verb_policy(int argc, char *argv[]) {
        return dispatch_verbs("policy", policy_verbs, ELEMENTSOF(policy_verbs), argc, argv);
}
