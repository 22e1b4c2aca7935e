/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "json-scan.h"
#include "attest-limits.h"
#include "runtime-policy.h"

#define RUNTIME_POLICY_JSON_DEPTH 16

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static int fail(RuntimePolicyError *err, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(RuntimePolicyError *err, int r, const char *fmt, ...) {
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                vsnprintf(err->text, sizeof err->text, fmt, ap);
                va_end(ap);
        }
        return r;
}

int runtime_policy_json_parse(const char *json, size_t len, json_object **ret) {
        json_tokener *tok;
        json_object *root;
        size_t end;

        if (len > INT32_MAX)
                return -E2BIG;
        tok = json_tokener_new_ex(RUNTIME_POLICY_JSON_DEPTH);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, json, (int) len);
        bool ok = root && json_tokener_get_error(tok) == json_tokener_success;
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        for (; ok && end < len; end++)
                if (!strchr(" \t\r\n", json[end]))
                        ok = false;
        if (!ok) {
                json_object_put(root);
                return -EBADMSG;
        }
        *ret = root;
        return 0;
}

RuntimePolicy *runtime_policy_free(RuntimePolicy *p) {
        if (!p)
                return NULL;
        digest_index_free(p->digests);
        digest_index_free(p->keyrings);
        digest_index_free(p->ima_buf);
        pcre2_code_free(p->excludes);
        for (size_t i = 0; i < p->n_excludes; i++)
                pcre2_code_free(p->exclude_list[i]);
        free(p->exclude_list);
        for (size_t i = 0; i < p->n_ignored_keyrings; i++)
                free(p->ignored_keyrings[i]);
        free(p->ignored_keyrings);
        ima_keyring_done(&p->keys);
        free(p);
        return NULL;
}

/* "hex", or "alg:hex" as Keylime writes the boot aggregate. */
static int parse_digest(const char *s, size_t n, IndexDigest *ret) {
        const char *colon = memchr(s, ':', n);

        if (colon) {
                char alg[IMA_ALG_NAME_MAX + 1];
                size_t k = (size_t) (colon - s);
                if (k == 0 || k > IMA_ALG_NAME_MAX)
                        return -EBADMSG;
                memcpy(alg, s, k);
                alg[k] = 0;
                const HashAlg *a = hash_alg_from_name(alg);
                s = colon + 1;
                n -= k + 1;
                if (!a || n != a->size * 2)
                        return -EBADMSG;
        }
        if (n == 0 || n % 2 != 0 || n / 2 > sizeof(ret->data))
                return -EBADMSG;
        if (hex_decode_into(s, n, ret->data, n / 2) < 0)
                return -EBADMSG;
        ret->size = (uint8_t) (n / 2);
        return 0;
}

/* Scratch for streaming one map. */
typedef struct MapScratch {
        char name[IMA_NAME_MAX + 1];
        char digest[IMA_ALG_NAME_MAX + 2 + 2 * HASH_ALG_MAX_DIGEST_SIZE];
        IndexDigest digests[RUNTIME_POLICY_DIGESTS_PER_NAME_MAX];
} MapScratch;

#define DIGEST_TEXT_MAX (sizeof(((MapScratch *) NULL)->digest) - 1)

static int syntax(RuntimePolicyError *err, const JsonScan *s, const char *json) {
        return fail(err, -EBADMSG, "not valid JSON near byte %zu", (size_t) (s->p - json));
}

/* One name and its list of digests, added to ix. */
static int stream_entry(JsonScan *s, const char *json, const char *key, size_t *total, MapScratch *m,
                        DigestIndex *ix, RuntimePolicyError *err) {
        size_t name_len, len, n = 0;
        int r;

        r = json_scan_string(s, m->name, IMA_NAME_MAX, &name_len);
        if (r == -E2BIG)
                return fail(err, r, "\"%s\": a name is longer than %u bytes", key, IMA_NAME_MAX);
        if (r < 0 || !json_scan_take(s, ':'))
                return syntax(err, s, json);
        if (!json_scan_take(s, '['))
                return fail(err, -EBADMSG, "\"%s\": \"%s\" is not a list", key, m->name);
        if (!json_scan_take(s, ']')) {
                do {
                        if (n >= RUNTIME_POLICY_DIGESTS_PER_NAME_MAX)
                                return fail(err, -E2BIG, "\"%s\": \"%s\" has more than %u digests", key, m->name,
                                            RUNTIME_POLICY_DIGESTS_PER_NAME_MAX);
                        r = json_scan_string(s, m->digest, DIGEST_TEXT_MAX, &len);
                        if (r < 0 || parse_digest(m->digest, len, m->digests + n) < 0)
                                return fail(err, -EBADMSG, "\"%s\": \"%s\": invalid digest", key, m->name);
                        n++;
                } while (json_scan_take(s, ','));
                if (!json_scan_take(s, ']'))
                        return syntax(err, s, json);
        }
        *total += n;
        if (*total > RUNTIME_POLICY_DIGESTS_MAX)
                return fail(err, -E2BIG, "more than %u digests", RUNTIME_POLICY_DIGESTS_MAX);
        r = digest_index_add(ix, m->name, name_len, m->digests, n);
        if (r == -EEXIST)
                return fail(err, -EBADMSG, "\"%s\": \"%s\" is given twice", key, m->name);
        if (r < 0)
                return fail(err, r == -EINVAL ? -EBADMSG : r, "\"%s\": \"%s\": %s", key, m->name, strerror(-r));
        return 0;
}

/* A map {name: [digest…]} read straight into an index, without a JSON tree. */
static int stream_map(JsonScan *s, const char *json, const char *key, size_t *total, MapScratch *m,
                      DigestIndex **ret, RuntimePolicyError *err) {
        _cleanup_(digest_index_freep) DigestIndex *ix = NULL;
        int r;

        r = digest_index_new(RUNTIME_POLICY_DIGESTS_MAX, &ix);
        if (r < 0)
                return r;
        if (json_scan_take(s, 'n')) {
                s->p--;
                if (json_scan_skip_value(s, NULL, NULL) < 0)   /* null: an empty map */
                        return syntax(err, s, json);
        } else if (!json_scan_take(s, '{'))
                return fail(err, -EBADMSG, "\"%s\" is not an object", key);
        else if (!json_scan_take(s, '}')) {
                do {
                        r = stream_entry(s, json, key, total, m, ix, err);
                        if (r < 0)
                                return r;
                } while (json_scan_take(s, ','));
                if (!json_scan_take(s, '}'))
                        return syntax(err, s, json);
        }
        digest_index_seal(ix);
        *ret = TAKE_PTR(ix);
        return 0;
}

static int compile_one(const char *pattern, size_t len, uint32_t options, pcre2_code **ret, RuntimePolicyError *err) {
        PCRE2_SIZE erroff;
        int errcode;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR) pattern, len, options, &errcode, &erroff, NULL);

        if (!c) {
                PCRE2_UCHAR msg[120];
                pcre2_get_error_message(errcode, msg, sizeof msg);
                return fail(err, -EBADMSG, "exclude \"%.*s\": %s at offset %zu", (int) MIN(len, (size_t) 80),
                            pattern, (const char *) msg, (size_t) erroff);
        }
        *ret = c;
        return 0;
}

/* Each exclude is compiled alone (which names a bad one), then all are joined
 * into one alternation; PCRE2 refuses very large patterns, and then the
 * excludes are matched one by one. Anchored as Python's re.match, and
 * JIT-compiled where PCRE2 can. */
static int build_excludes(RuntimePolicy *p, json_object *root, RuntimePolicyError *err) {
        _cleanup_free_ char *all = NULL;
        json_object *list;
        size_t size = 0, n;
        int r;

        if (!json_object_object_get_ex(root, "excludes", &list) || !list)
                return 0;
        if (!json_object_is_type(list, json_type_array))
                return fail(err, -EBADMSG, "\"excludes\" is not a list");
        n = json_object_array_length(list);
        if (n > RUNTIME_POLICY_EXCLUDES_MAX)
                return fail(err, -E2BIG, "more than %u excludes", RUNTIME_POLICY_EXCLUDES_MAX);
        if (n == 0)
                return 0;
        all = malloc(n * (RUNTIME_POLICY_EXCLUDE_LEN_MAX + 6));   /* "|(?:" + ")" each */
        p->exclude_list = calloc(n, sizeof(pcre2_code *));
        if (!all || !p->exclude_list)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(list, i);
                pcre2_code *c;
                if (!json_object_is_type(v, json_type_string))
                        return fail(err, -EBADMSG, "an exclude is not a string");
                size_t len = (size_t) json_object_get_string_len(v);
                if (len > RUNTIME_POLICY_EXCLUDE_LEN_MAX)
                        return fail(err, -E2BIG, "an exclude is longer than %u bytes", RUNTIME_POLICY_EXCLUDE_LEN_MAX);
                r = compile_one(json_object_get_string(v), len, PCRE2_ANCHORED, &c, err);
                if (r < 0)
                        return r;
                (void) pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
                p->exclude_list[p->n_excludes++] = c;
                if (i > 0)
                        all[size++] = '|';
                memcpy(all + size, "(?:", 3);
                memcpy(all + size + 3, json_object_get_string(v), len);
                size += 3 + len;
                all[size++] = ')';
        }
        if (compile_one(all, size, PCRE2_ANCHORED, &p->excludes, NULL) >= 0)
                (void) pcre2_jit_compile(p->excludes, PCRE2_JIT_COMPLETE);
        return 0;
}

static int parse_ima_section(RuntimePolicy *p, json_object *root, RuntimePolicyError *err) {
        json_object *ima, *v;

        p->log_hash_alg = hash_alg_from_name("sha1");
        if (!json_object_object_get_ex(root, "ima", &ima) || !ima)
                return 0;
        if (!json_object_is_type(ima, json_type_object))
                return fail(err, -EBADMSG, "\"ima\" is not an object");
        if (json_object_object_get_ex(ima, "log_hash_alg", &v) && v) {
                p->log_hash_alg = hash_alg_from_name(json_object_get_string(v));
                if (!json_object_is_type(v, json_type_string) || !p->log_hash_alg)
                        return fail(err, -EBADMSG, "\"ima.log_hash_alg\" is not a known algorithm");
        }
        if (!json_object_object_get_ex(ima, "ignored_keyrings", &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return fail(err, -EBADMSG, "\"ima.ignored_keyrings\" is not a list");
        size_t n = json_object_array_length(v);
        if (n > RUNTIME_POLICY_NAMES_MAX)
                return fail(err, -E2BIG, "more than %u ignored keyrings", RUNTIME_POLICY_NAMES_MAX);
        p->ignored_keyrings = calloc(n ? n : 1, sizeof(char *));
        if (!p->ignored_keyrings)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(v, i);
                if (!json_object_is_type(s, json_type_string) || (size_t) json_object_get_string_len(s) > IMA_NAME_MAX)
                        return fail(err, -EBADMSG, "an ignored keyring is not a name");
                p->ignored_keyrings[i] = strdup(json_object_get_string(s));
                if (!p->ignored_keyrings[i])
                        return -ENOMEM;
                p->n_ignored_keyrings++;
        }
        return 0;
}

static int parse_meta(json_object *root, RuntimePolicyError *err) {
        json_object *meta, *version;

        if (!json_object_is_type(root, json_type_object))
                return fail(err, -EBADMSG, "the policy is not a JSON object");
        if (!json_object_object_get_ex(root, "meta", &meta) || !json_object_is_type(meta, json_type_object) ||
            !json_object_object_get_ex(meta, "version", &version) || !json_object_is_type(version, json_type_int))
                return fail(err, -EBADMSG, "\"meta.version\" is missing");
        if (json_object_get_int64(version) != 1)
                return fail(err, -EPROTONOSUPPORT, "runtime policy version %" PRId64 " is not supported",
                            json_object_get_int64(version));
        return 0;
}

static int parse_keys(RuntimePolicy *p, json_object *root, RuntimePolicyError *err) {
        json_object *v;
        int r;

        if (!json_object_object_get_ex(root, "verification-keys", &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return fail(err, -EBADMSG, "\"verification-keys\" is not a string");
        if (json_object_get_string_len(v) == 0)
                return 0;
        r = ima_keyring_parse_json(&p->keys, json_object_get_string(v), (size_t) json_object_get_string_len(v));
        if (r < 0)
                return fail(err, r, "\"verification-keys\": %s", r == -EBADMSG ? "malformed" : strerror(-r));
        return 0;
}

static const char *const small_sections[] = { "meta", "excludes", "ima", "verification-keys" };

/* One top-level member: a digest map is streamed into its index, a small
 * section is parsed as a tree into root, anything else is skipped. */
static int top_member(RuntimePolicy *p, JsonScan *s, const char *json, json_object *root, size_t *total,
                      MapScratch *m, RuntimePolicyError *err) {
        char key[32];
        const char *start, *end;
        json_object *v;
        int r;

        r = json_scan_string(s, key, sizeof key - 1, NULL);
        if (r == -E2BIG)
                key[0] = 0;   /* a long key is none of ours */
        else if (r < 0)
                return syntax(err, s, json);
        if (!json_scan_take(s, ':'))
                return syntax(err, s, json);

        DigestIndex **ix = streq(key, "digests") ? &p->digests : streq(key, "keyrings") ? &p->keyrings :
                streq(key, "ima-buf") ? &p->ima_buf : NULL;
        if (ix) {
                if (*ix)
                        return fail(err, -EBADMSG, "\"%s\" is given twice", key);
                return stream_map(s, json, key, total, m, ix, err);
        }
        if (json_scan_skip_value(s, &start, &end) < 0)
                return syntax(err, s, json);
        for (size_t i = 0; i < ELEMENTSOF(small_sections); i++)
                if (streq(key, small_sections[i])) {
                        r = runtime_policy_json_parse(start, (size_t) (end - start), &v);
                        if (r < 0)
                                return fail(err, r, "\"%s\" is not valid JSON", key);
                        json_object_object_add(root, key, v);
                }
        return 0;
}

static int parse_document(RuntimePolicy *p, const char *json, size_t len, json_object *root, RuntimePolicyError *err) {
        _cleanup_free_ MapScratch *m = malloc(sizeof(MapScratch));
        JsonScan s = { json, json + len };
        size_t total = 0;
        int r;

        if (!m)
                return -ENOMEM;
        if (!json_scan_take(&s, '{'))
                return fail(err, -EBADMSG, "the policy is not a JSON object");
        if (!json_scan_take(&s, '}')) {
                do {
                        r = top_member(p, &s, json, root, &total, m, err);
                        if (r < 0)
                                return r;
                } while (json_scan_take(&s, ','));
                if (!json_scan_take(&s, '}'))
                        return syntax(err, &s, json);
        }
        if (!json_scan_at_end(&s))
                return syntax(err, &s, json);
        DigestIndex **all[] = { &p->digests, &p->keyrings, &p->ima_buf };
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                if (!*all[i] && (r = digest_index_new(0, all[i])) < 0)
                        return r;
        return 0;
}

int runtime_policy_load(const char *json, size_t len, RuntimePolicy **ret, RuntimePolicyError *err) {
        _cleanup_(runtime_policy_freep) RuntimePolicy *p = NULL;
        json_object *root = NULL;
        int r;

        if (len > RUNTIME_POLICY_SIZE_MAX)
                return fail(err, -E2BIG, "the policy is larger than %u bytes", RUNTIME_POLICY_SIZE_MAX);
        p = calloc(1, sizeof(RuntimePolicy));
        root = json_object_new_object();
        r = p && root ? 0 : -ENOMEM;
        if (r >= 0)
                r = parse_document(p, json, len, root, err);
        if (r >= 0)
                r = parse_meta(root, err);
        if (r >= 0)
                r = build_excludes(p, root, err);
        if (r >= 0)
                r = parse_ima_section(p, root, err);
        if (r >= 0)
                r = parse_keys(p, root, err);
        json_object_put(root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

bool runtime_policy_excluded(const RuntimePolicy *p, pcre2_match_data *md, const char *path, size_t len) {
        if (p->excludes)
                return pcre2_match(p->excludes, (PCRE2_SPTR) path, len, 0, 0, md, NULL) >= 0;
        for (size_t i = 0; i < p->n_excludes; i++)
                if (pcre2_match(p->exclude_list[i], (PCRE2_SPTR) path, len, 0, 0, md, NULL) >= 0)
                        return true;
        return false;
}

bool runtime_policy_keyring_ignored(const RuntimePolicy *p, const char *name) {
        for (size_t i = 0; i < p->n_ignored_keyrings; i++)
                if (strcmp(p->ignored_keyrings[i], "*") == 0 || strcmp(p->ignored_keyrings[i], name) == 0)
                        return true;
        return false;
}

size_t runtime_policy_memory(const RuntimePolicy *p) {
        return digest_index_memory(p->digests) + digest_index_memory(p->keyrings) + digest_index_memory(p->ima_buf);
}
