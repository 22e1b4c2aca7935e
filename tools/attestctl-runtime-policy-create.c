/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl policy create-runtime: a Keylime runtime policy from IMA logs and
 * directory trees. Files are hashed by one thread per core. */
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attestctl-ima.h"
#include "attestctl-runtime-policy.h"
#include "attestctl.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"

#define CREATE_THREADS_MAX 64

typedef struct FileJob {
        char *disk_path;
        char *policy_path;
        char *hex;              /* result; NULL when unreadable */
} FileJob;

typedef struct FileJobs {
        FileJob *jobs;
        size_t n, allocated;
        const HashAlg *alg;
        atomic_size_t next, done;
} FileJobs;

static FileJobs *walk_jobs;     /* nftw has no userdata */
static size_t walk_root_len;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        FileJobs *j = walk_jobs;

        if (type != FTW_F || !S_ISREG(st->st_mode))
                return 0;
        if (j->n == j->allocated) {
                size_t n = j->allocated ? j->allocated * 2 : 1024;
                FileJob *p = realloc(j->jobs, n * sizeof(FileJob));
                if (!p)
                        return -1;
                j->jobs = p;
                j->allocated = n;
        }
        const char *rel = path + walk_root_len;
        while (*rel == '/')
                rel++;
        FileJob f = { strdup(path), NULL, NULL };
        if (!f.disk_path || asprintf(&f.policy_path, "/%s", rel) < 0) {
                free(f.disk_path);
                return -1;
        }
        j->jobs[j->n++] = f;
        return 0;
}

static int hash_file(const char *path, const HashAlg *alg, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        uint8_t buf[65536], out[HASH_ALG_MAX_DIGEST_SIZE];
        HashCtx h = {};
        int r;

        if (fd < 0)
                return -errno;
        r = hash_ctx_init(&h, alg);
        for (ssize_t k; r >= 0;) {
                k = read(fd, buf, sizeof buf);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = -errno;
                else if (k == 0)
                        break;
                else
                        r = hash_ctx_update(&h, buf, (size_t) k);
        }
        if (r >= 0)
                r = hash_ctx_final(&h, out);
        hash_ctx_done(&h);
        if (r < 0)
                return r;
        *ret = hex_encode(out, alg->size);
        return *ret ? 0 : -ENOMEM;
}

static void *hash_worker(void *userdata) {
        FileJobs *j = userdata;

        for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n; atomic_fetch_add(&j->done, 1)) {
                int r = hash_file(j->jobs[i].disk_path, j->alg, &j->jobs[i].hex);
                if (r < 0)
                        log_warning_errno(r, "Skipping '%s': %m", j->jobs[i].disk_path);
        }
        return NULL;
}

static void show_progress(FileJobs *j, bool tty) {
        struct timespec ts = { 0, 100 * 1000 * 1000 };

        while (atomic_load(&j->done) < j->n) {
                if (tty)
                        fprintf(stderr, "\rHashing files: %zu/%zu", atomic_load(&j->done), j->n);
                nanosleep(&ts, NULL);
        }
        if (tty)
                fprintf(stderr, "\rHashing files: %zu/%zu\n", j->n, j->n);
}

static int hash_jobs(FileJobs *j) {
        pthread_t threads[CREATE_THREADS_MAX];
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        size_t n = (size_t) MAX(1, MIN(ncpu, (long) CREATE_THREADS_MAX)), started = 0;

        n = MIN(n, MAX(j->n, (size_t) 1));
        for (; started < n; started++)
                if (pthread_create(&threads[started], NULL, hash_worker, j) != 0)
                        break;
        if (started == 0)
                hash_worker(j);
        else
                show_progress(j, isatty(STDERR_FILENO));
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        return 0;
}

/* Adds hex to map[name] unless it is there already. */
static int map_add(json_object *map, const char *name, const char *hex) {
        json_object *list;

        if (!json_object_object_get_ex(map, name, &list)) {
                list = json_object_new_array();
                if (!list || json_object_object_add(map, name, list) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < json_object_array_length(list); i++)
                if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)), hex) == 0)
                        return 0;
        return json_object_array_add(list, json_object_new_string(hex)) < 0 ? -ENOMEM : 0;
}

typedef struct CreateMaps {
        json_object *digests, *keyrings, *ima_buf;
} CreateMaps;

static int add_log_entry(const ImaEntry *e, uint64_t entry_no, void *userdata) {
        CreateMaps *m = userdata;
        _cleanup_free_ char *hex = NULL;
        json_object *map = m->digests;

        if (e->violation)
                return 0;
        hex = hex_encode(e->digest.data, e->digest.size);
        if (!hex)
                return -ENOMEM;
        if (e->template == IMA_TEMPLATE_IMA_BUF)
                map = e->name[0] == '.' ? m->keyrings : m->ima_buf;   /* kernel keyrings are ".name" */
        return map_add(map, e->name, hex);
}

static int add_log(CreateMaps *m, const char *path) {
        _cleanup_(ima_replayer_freep) ImaReplayer *rp = NULL;
        _cleanup_(ima_log_file_done) ImaLogFile log = {};
        ImaReplayState s;
        size_t consumed;
        int r;

        r = ima_log_file_read(path, &log);
        if (r < 0)
                return log_error_errno(r, "Failed to read '%s': %m", path);
        if (ima_default_state(&s) < 0 || ima_replayer_new(&rp) < 0)
                return log_oom();
        r = ima_replay_feed(rp, &s, log.format, log.data, log.size, true, add_log_entry, m, &consumed);
        if (r < 0)
                return log_error_errno(r, "%s: entry %" PRIu64 ": %s.", path, s.n_entries, ima_strerror(r));
        return 0;
}

static int add_dir(CreateMaps *m, const char *dir, const HashAlg *alg) {
        FileJobs j = { .alg = alg };
        int r = 0;

        walk_jobs = &j;
        walk_root_len = strlen(dir);
        if (nftw(dir, walk_one, 64, FTW_PHYS) != 0)
                r = log_error_errno(-errno ?: -EIO, "Failed to walk '%s': %m", dir);
        if (r >= 0)
                hash_jobs(&j);
        for (size_t i = 0; i < j.n; i++) {
                if (r >= 0 && j.jobs[i].hex)
                        r = map_add(m->digests, j.jobs[i].policy_path, j.jobs[i].hex);
                free(j.jobs[i].disk_path);
                free(j.jobs[i].policy_path);
                free(j.jobs[i].hex);
        }
        free(j.jobs);
        return r < 0 ? log_error_errno(r, "Failed to add '%s': %m", dir) : 0;
}

/* An exclude the verifier's engine would refuse (PCRE2 cannot compile it, or it is
 * too long) is refused here, before any hashing: checked by compiling a policy
 * that holds only it, as the verifier compiles excludes. */
static int exclude_check(const char *pattern) {
        _cleanup_(runtime_policy_freep) RuntimePolicy *p = NULL;
        _cleanup_json_ json_object *o = json_object_new_object(), *a = json_object_new_array(),
                *meta = json_object_new_object();
        RuntimePolicyError err = {};
        const char *text;
        int r;

        if (!o || !a || !meta || json_object_array_add(a, json_object_new_string(pattern)) < 0 ||
            json_object_object_add(meta, "version", json_object_new_int(1)) < 0 ||
            json_object_object_add(o, "meta", json_object_get(meta)) < 0 ||
            json_object_object_add(o, "excludes", json_object_get(a)) < 0)
                return log_oom();
        text = json_object_to_json_string_ext(o, JSON_TEXT_PLAIN);
        r = runtime_policy_load(text, strlen(text), &p, &err);
        if (r < 0)
                return log_error_errno(r, "Invalid --exclude: %s.", err.text[0] ? err.text : pattern);
        return 0;
}

static json_object *policy_new(CreateMaps *m, json_object *excludes) {
        json_object *o = json_object_new_object(), *meta = json_object_new_object(), *ima = json_object_new_object();
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;

        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", gmtime_r(&now, &tm));
        json_object_object_add(meta, "version", json_object_new_int(1));
        json_object_object_add(meta, "generator", json_object_new_int(3));
        json_object_object_add(meta, "timestamp", json_object_new_string(ts));
        json_object_object_add(o, "meta", meta);
        json_object_object_add(o, "release", json_object_new_int(0));
        json_object_object_add(o, "digests", m->digests);
        json_object_object_add(o, "excludes", excludes);
        json_object_object_add(o, "keyrings", m->keyrings);
        json_object_object_add(ima, "ignored_keyrings", json_object_new_array());
        json_object_object_add(ima, "log_hash_alg", json_object_new_string("sha1"));
        json_object_object_add(ima, "dm_policy", NULL);
        json_object_object_add(o, "ima", ima);
        json_object_object_add(o, "ima-buf", m->ima_buf);
        json_object_object_add(o, "verification-keys", json_object_new_string(""));
        return o;
}

static void create_help(void) {
        printf("Usage: attestctl policy create-runtime [OPTIONS]\n\n"
               "Writes a runtime policy (Keylime format version 1) on stdout.\n\n"
               "  --from-ima-log LOG   Allow every measurement of an IMA log\n"
               "  --from-dir DIR       Allow every regular file under DIR, as /<path below DIR>\n"
               "  --exclude REGEX      Add an exclude (Perl/Python regular expression)\n"
               "  --hash ALG           Digest for --from-dir (default sha256)\n");
}

int verb_policy_create_runtime(int argc, char *argv[]) {
        enum { ARG_LOG = 0x100, ARG_DIR, ARG_EXCLUDE, ARG_HASH };
        static const struct option options[] = {
                { "help",         no_argument,       NULL, 'h'         },
                { "from-ima-log", required_argument, NULL, ARG_LOG     },
                { "from-dir",     required_argument, NULL, ARG_DIR     },
                { "exclude",      required_argument, NULL, ARG_EXCLUDE },
                { "hash",         required_argument, NULL, ARG_HASH    },
                {}
        };
        CreateMaps m = { json_object_new_object(), json_object_new_object(), json_object_new_object() };
        json_object *excludes = json_object_new_array(), *policy;
        const HashAlg *alg = hash_alg_from_name("sha256");
        _cleanup_free_ const char **logs = calloc((size_t) argc, sizeof(char *));
        _cleanup_free_ const char **dirs = calloc((size_t) argc, sizeof(char *));
        size_t n_logs = 0, n_dirs = 0;
        int c, r = logs && dirs ? 0 : -ENOMEM;

        policy = policy_new(&m, excludes);   /* owns the maps from here on */
        while (r >= 0 && (c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        create_help();
                        json_object_put(policy);
                        return EXIT_PASS;
                case ARG_LOG:
                        logs[n_logs++] = optarg;
                        break;
                case ARG_DIR:
                        dirs[n_dirs++] = optarg;
                        break;
                case ARG_EXCLUDE:
                        r = exclude_check(optarg);
                        if (r >= 0)
                                r = json_object_array_add(excludes, json_object_new_string(optarg)) < 0 ? log_oom() : 0;
                        break;
                case ARG_HASH:
                        alg = hash_alg_from_name(optarg);
                        if (!alg || !hash_alg_md(alg))
                                r = log_error_errno(-EINVAL, "Unknown or unavailable hash '%s'.", optarg);
                        break;
                default:
                        r = -EINVAL;
                }
        if (r >= 0 && optind < argc)
                r = log_error_errno(-EINVAL, "Unexpected argument '%s'.", argv[optind]);
        for (size_t i = 0; r >= 0 && i < n_logs; i++)
                r = add_log(&m, logs[i]);
        for (size_t i = 0; r >= 0 && i < n_dirs; i++)
                r = add_dir(&m, dirs[i], alg);
        if (r >= 0)
                puts(json_object_to_json_string_ext(policy, JSON_TEXT_PLAIN));
        json_object_put(policy);
        return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
}
