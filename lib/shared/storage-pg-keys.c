/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keys the instances of one verifier share, such as the results signing key:
 * the first instance's candidate is kept, every later one reads it. */
#include <errno.h>

#include "storage-pg.h"

int pgsql_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret) {
        PgParams p = {}, key = {};
        int r;

        pg_param_text(&p, name);
        pg_param_blob(&p, candidate->data, candidate->size);
        pg_param_u64(&p, pg_now_usec());
        r = pg_exec(s, "INSERT INTO verifier_keys (name, pem, created_usec) VALUES ($1, $2, $3)"
                       " ON CONFLICT (name) DO NOTHING", &p);
        if (r < 0)
                return r;
        pg_param_text(&key, name);
        return pg_query_blob(s, "SELECT pem FROM verifier_keys WHERE name = $1", &key, ret);
}
