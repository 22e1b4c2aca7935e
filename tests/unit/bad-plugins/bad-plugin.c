/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deliberately broken plugins for the loader tests; BAD_* selects the defect. */

#include <errno.h>
#include <stddef.h>

#include "attest/attest-plugin.h"

#ifndef PLUGIN_NAME
#  error "PLUGIN_NAME must be defined"
#endif

static int compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        static int dummy;
        *ret = &dummy;
        return 0;
}

static void free_compiled(void *compiled) {
}

static void requirements(const void *compiled, AttestRequirements *ret) {
        ret->needs = ATTEST_NEED_QUOTE;
}

__attribute__((unused)) static int evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                    const AttestFailureSink *sink) {
#if defined(BAD_ENGINE_ERROR)
        return -EIO;
#elif defined(BAD_FLOOD)
        /* Claims a pass after more failures than are kept, the last one an error. */
        for (int i = 0; i < 1000; i++)
                sink->add_failure(sink->userdata, "flood.note", ATTEST_SEVERITY_INFO, NULL);
        sink->add_failure(sink->userdata, "flood.bad", ATTEST_SEVERITY_ERROR, NULL);
        return ATTEST_EVAL_PASS;
#else
        return ATTEST_EVAL_PASS;
#endif
}

static const AttestPolicyEngine vtable = {
#ifdef BAD_VTABLE_SIZE
        .struct_size = 8,
#else
        .struct_size = sizeof(AttestPolicyEngine),
#endif
        .compile = compile,
        .free_compiled = free_compiled,
        .requirements = requirements,
#ifndef BAD_NO_EVALUATE
        .evaluate = evaluate,
#endif
};

static const AttestPluginInfo info = {
#ifdef BAD_ABI
        .abi_version = ATTEST_PLUGIN_ABI_VERSION + 1,
#else
        .abi_version = ATTEST_PLUGIN_ABI_VERSION,
#endif
#ifdef BAD_INFO_SIZE
        .struct_size = 12,
#else
        .struct_size = sizeof(AttestPluginInfo),
#endif
#ifdef BAD_NAME
        .name = "someone-else",
#else
        .name = PLUGIN_NAME,
#endif
#ifdef BAD_KIND
        .kind = 99,
#else
        .kind = ATTEST_PLUGIN_POLICY_ENGINE,
#endif
        .vtable = &vtable,
};

#ifdef BAD_NO_ENTRY
__attribute__((visibility("default"))) const AttestPluginInfo *attest_plugin_info_v2(void);
__attribute__((visibility("default"))) const AttestPluginInfo *attest_plugin_info_v2(void) {
        return &info;
}
#else
__attribute__((visibility("default"))) const AttestPluginInfo *attest_plugin_info(void) {
        return &info;
}
#endif
