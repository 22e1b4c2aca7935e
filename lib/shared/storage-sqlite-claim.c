/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Work done once per fleet: with SQLite there is one instance, so a claim is
 * only a transaction that marks what it found. */
#include <errno.h>
#include <stdlib.h>

#include "conf-parser.h"
#include "storage-sqlite.h"

int sqlite_node_timeout_claim(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                              char ***ret_ids, size_t *ret_n) {
        sqlite3 *db = sqlite_storage_db(s);
        char **ids = NULL;
        size_t n = 0;
        int r;

        r = sqlite_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = sqlite_node_list_overdue(s, now_usec, factor, &ids, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = sqlite_exec_text(db, "UPDATE nodes SET verdict = 'TIMEOUT' WHERE id = ?", 1, ids[i]);
                if (r >= 0)
                        r = sqlite_event_add(s, ids[i], "TIMEOUT", event_detail);
        }
        r = sqlite_end_transaction(db, r);
        if (r < 0) {
                strv_free(ids);
                return r;
        }
        *ret_ids = ids;
        *ret_n = n;
        return 0;
}
