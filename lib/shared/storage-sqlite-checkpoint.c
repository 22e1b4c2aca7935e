/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The WAL's checkpoints on a thread with a connection of its own. SQLite's
 * automatic checkpoint runs inside the commit that crosses its threshold: it
 * copies about a thousand pages into the database file and syncs it while the
 * committing caller (the verifier's event loop) waits. A PASSIVE checkpoint
 * takes no lock that the writer or readers wait for, so it can run beside them.
 * Committed transactions are durable in the WAL already; a checkpoint only
 * keeps the WAL short. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "storage-sqlite.h"

#define CHECKPOINT_PAGES 1000           /* SQLite's own threshold */
#define CHECKPOINT_PAGES_INLINE 16000   /* the thread is behind: the committing connection helps */
#define CHECKPOINT_RETRY_NSEC 10000000L /* after SQLITE_BUSY */

struct SqliteCheckpointer {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        sqlite3 *db;                    /* the thread's own connection */
        sqlite3 *writer;                /* the connection whose commits ask for checkpoints */
        bool requested, stopping;       /* under lock */
};

static void *checkpoint_run(void *userdata) {
        SqliteCheckpointer *c = userdata;
        int rc;

        pthread_mutex_lock(&c->lock);
        for (;;) {
                while (!c->requested && !c->stopping)
                        pthread_cond_wait(&c->wake, &c->lock);
                if (c->stopping)
                        break;
                c->requested = false;
                pthread_mutex_unlock(&c->lock);
                rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
                if (rc != SQLITE_OK)
                        log_debug("SQLite checkpoint: %s", sqlite3_errmsg(c->db));
                pthread_mutex_lock(&c->lock);
                if (rc == SQLITE_BUSY && !c->stopping) {
                        /* A PASSIVE checkpoint never waits: tried again shortly, or the WAL
                         * stays long until the next commit after a burst. */
                        struct timespec ts;

                        (void) clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_nsec += CHECKPOINT_RETRY_NSEC;
                        if (ts.tv_nsec >= 1000000000L) {
                                ts.tv_sec++;
                                ts.tv_nsec -= 1000000000L;
                        }
                        (void) pthread_cond_timedwait(&c->wake, &c->lock, &ts);
                        c->requested = true;
                }
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

/* After each commit of the writer, with the number of frames in the WAL. */
static int on_wal_commit(void *userdata, sqlite3 *db, const char *schema, int pages) {
        SqliteCheckpointer *c = userdata;

        if (pages >= CHECKPOINT_PAGES_INLINE)
                (void) sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        else if (pages >= CHECKPOINT_PAGES) {
                pthread_mutex_lock(&c->lock);
                c->requested = true;
                pthread_cond_signal(&c->wake);
                pthread_mutex_unlock(&c->lock);
        }
        return SQLITE_OK;
}

SqliteCheckpointer *sqlite_checkpointer_stop(SqliteCheckpointer *c) {
        if (!c)
                return NULL;
        /* Automatic checkpoints again, for whatever the writer commits from now on. */
        (void) sqlite3_wal_autocheckpoint(c->writer, CHECKPOINT_PAGES);
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        (void) pthread_join(c->thread, NULL);
        sqlite3_close_v2(c->db);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
}

/* With every signal blocked: the process's signals are for its main thread
 * (an event loop's signalfd), however early the database is opened. */
static int thread_start(SqliteCheckpointer *c) {
        sigset_t all, old;
        int k;

        sigfillset(&all);
        if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
                return -EIO;
        k = pthread_create(&c->thread, NULL, checkpoint_run, c);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        return k == 0 ? 0 : -k;
}

int sqlite_checkpointer_start(sqlite3 *writer, SqliteCheckpointer **ret) {
        const char *path = sqlite3_db_filename(writer, "main");
        SqliteCheckpointer *c;
        int rc;

        if (!path || !*path)
                return -EOPNOTSUPP;     /* a temporary or in-memory database */
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->writer = writer;
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->wake, NULL);
        rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
        if (rc != SQLITE_OK || thread_start(c) < 0) {
                log_debug("SQLite checkpoint thread not started: %s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
                sqlite3_close_v2(c->db);
                pthread_cond_destroy(&c->wake);
                pthread_mutex_destroy(&c->lock);
                free(c);
                return -EIO;
        }
        /* Replaces SQLite's automatic checkpoint, which is a WAL hook as well. */
        (void) sqlite3_wal_hook(writer, on_wal_commit, c);
        *ret = c;
        return 0;
}
