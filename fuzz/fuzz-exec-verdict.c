/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <string.h>

#include "exec-verdict.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ExecVerdict v = {};
        const char *error = NULL;

        if (exec_verdict_parse((const char *) data, size, &v, &error) < 0) {
                assert(error || v.n_failures == 0);
                return 0;
        }
        assert(v.n_failures <= EXEC_VERDICT_FAILURES_MAX);
        for (size_t i = 0; i < v.n_failures; i++) {
                assert(exec_failure_id_is_valid(v.failures[i].id, strlen(v.failures[i].id)));
                assert(v.failures[i].severity >= ATTEST_SEVERITY_INFO && v.failures[i].severity <= ATTEST_SEVERITY_CRITICAL);
                assert(!v.failures[i].context || v.failures[i].context[0] == '{');
        }
        exec_verdict_done(&v);
        return 0;
}
