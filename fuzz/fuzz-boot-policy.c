/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "boot-policy-json.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL, *q = NULL;
        const char *error = NULL, *text;
        json_object *o = NULL;

        if (boot_policy_parse((const char *) data, size, &p, &error) < 0) {
                assert(error);
                return 0;
        }
        /* Either format converts to a reference state of attest-boot-policy(5) that parses again alike. */
        if (boot_policy_to_json(p, &o) < 0)
                return 0;
        text = json_object_to_json_string(o);
        assert(boot_policy_parse(text, strlen(text), &q, &error) == 0);
        assert(q->secure_boot == p->secure_boot && q->n_stages == p->n_stages && q->n_kernels == p->n_kernels &&
               q->n_firmware == p->n_firmware && q->pk.n_entries == p->pk.n_entries &&
               q->dbx.n_entries == p->dbx.n_entries);
        json_object_put(o);
        return 0;
}
