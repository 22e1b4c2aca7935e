/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl result verify: a relying party's offline check of a signed
 * attestation result (EAR) against the verifier's published keys. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "attestctl.h"
#include "attestctl-result.h"
#include "attestctl-util.h"
#include "ear.h"
#include "http-client.h"
#include "json-util.h"
#include "jws.h"
#include "log.h"

typedef struct ResultArgs {
        const char *token;
        const char *jwks;
        bool json;
} ResultArgs;

static void verify_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl result verify TOKEN --jwks URL|FILE [--json]\n\n"
                "Check a signed attestation result (EAR) offline: signature by a published key,\n"
                "expiry and profile; print its claims. TOKEN is the token, a file holding it,\n"
                "or - for standard input.\n\n"
                "  --jwks URL|FILE    The verifier's keys: its /.well-known/jwks.json or a copy\n"
                "  --json             Print the claims as JSON\n\n"
                "Exit status: 0 authentic and current (whatever its verdict), 1 refused,\n"
                "2 unusable input.\n");
}

static int parse_args(int argc, char *argv[], ResultArgs *a) {
        const VerbOption options[] = {
                { "jwks", &a->jwks          },
                { "json", .flag = &a->json },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, verify_help);
        if (first <= 0)
                return first < 0 ? first : -EALREADY;
        if (first != argc - 1 || !a->jwks) {
                verify_help(stderr);
                return -EINVAL;
        }
        a->token = argv[first];
        return 0;
}

static bool is_url(const char *s) {
        return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static int fetch_jwks(const char *url, char **ret, size_t *ret_size) {
        HttpClientRequest req = { .url = url, .method = "GET" };
        HttpClientResponse resp = {};
        int r;

        r = http_client_request(&req, &resp);
        if (r < 0)
                return log_error_errno(r, "Failed to fetch %s: %m", url);
        if (resp.status != 200) {
                log_error("Fetching %s: HTTP status %ld.", url, resp.status);
                http_client_response_done(&resp);
                return -EIO;
        }
        *ret = TAKE_PTR(resp.body);
        *ret_size = resp.body_size;
        http_client_response_done(&resp);
        return 0;
}

static int load_keys(const char *source, JwsKeySet *ret) {
        _cleanup_free_ char *doc = NULL;
        size_t size;
        int r;

        if (is_url(source))
                r = fetch_jwks(source, &doc, &size);
        else
                r = attestctl_read_file(source, JWKS_SIZE_MAX, "JWK set", (uint8_t **) &doc, &size);
        if (r < 0)
                return r;
        r = jws_key_set_parse(doc, size, ret);
        if (r < 0)
                return log_error_errno(r, "%s is not a usable JWK set: %m", source);
        if (ret->n == 0) {
                jws_key_set_done(ret);
                return log_error_errno(-ENOKEY, "%s has no ES256 or ES384 key.", source);
        }
        return 0;
}

/* The token itself, or read from a file or stdin, without the final line end. */
static int load_token(const char *arg, char **ret, size_t *ret_size) {
        struct stat st;
        uint8_t *data;
        size_t size;
        int r;

        if (strcmp(arg, "-") != 0 && stat(arg, &st) < 0) {
                *ret = strdup(arg);
                *ret_size = strlen(arg);
                return *ret ? 0 : log_oom();
        }
        r = attestctl_read_file(arg, JWT_SIZE_MAX + 2, "token", &data, &size);
        if (r < 0)
                return r;
        while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
                size--;
        *ret = (char *) data;
        *ret_size = size;
        return 0;
}

static const char *refusal(int r) {
        switch (r) {
        case -ENOKEY:       return "signed by a key the JWK set does not hold";
        case -EKEYREJECTED: return "signature does not verify";
        case -EOPNOTSUPP:   return "unsupported algorithm or critical header";
        case -EPROTO:       return "not an EAR (eat_profile)";
        case -ESTALE:       return "expired";
        case -E2BIG:        return "token too large";
        default:            return "malformed token or claims";
        }
}

static const char *string_of(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "-";
}

static void print_time(const char *label, json_object *claims, const char *key) {
        json_object *v;
        char when[64] = "-";

        if (json_object_object_get_ex(claims, key, &v))
                (void) format_timestamp_iso((uint64_t) json_object_get_int64(v) * 1000000u, when, sizeof when);
        printf("%12s: %s\n", label, when);
}

static void print_claims(json_object *claims) {
        json_object *submods, *vid;

        printf("%12s: valid\n", "Signature");
        printf("%12s: %s\n", "Node", string_of(claims, "sub"));
        print_time("Issued", claims, "iat");
        print_time("Expires", claims, "exp");
        printf("%12s: %s\n", "Nonce", string_of(claims, "eat_nonce"));
        if (json_object_object_get_ex(claims, "ear.verifier-id", &vid))
                printf("%12s: %s %s\n", "Verifier", string_of(vid, "developer"), string_of(vid, "build"));
        if (!json_object_object_get_ex(claims, "submods", &submods))
                return;
        json_object_object_foreach(submods, name, s) {
                json_object *vec;
                printf("%12s: %s", name, string_of(s, "ear.status"));
                if (json_object_object_get_ex(s, "ear.appraisal-policy-id", &vec))
                        printf(" (policy %s)", json_object_get_string(vec));
                if (json_object_object_get_ex(s, "ear.trustworthiness-vector", &vec) && json_object_object_length(vec) > 0)
                        printf(" %s", json_object_to_json_string_ext(vec, JSON_TEXT_PLAIN));
                printf("\n");
        }
}

static int verb_result_verify(int argc, char *argv[]) {
        _cleanup_json_ json_object *claims = NULL;
        _cleanup_(jws_key_set_done) JwsKeySet keys = {};
        _cleanup_free_ char *token = NULL;
        ResultArgs a = {};
        size_t size;
        int r;

        r = parse_args(argc, argv, &a);
        if (r < 0)
                return r == -EALREADY ? EXIT_PASS : EXIT_UNUSABLE;
        if (load_keys(a.jwks, &keys) < 0 || load_token(a.token, &token, &size) < 0)
                return EXIT_UNUSABLE;
        r = jws_verify(token, size, &keys, &claims);
        if (r >= 0)
                r = ear_claims_check(claims, (uint64_t) time(NULL));
        if (r == -ENOMEM)
                return log_oom(), EXIT_UNUSABLE;
        if (r < 0) {
                log_error("Result refused: %s.", refusal(r));
                return EXIT_VIOLATION;
        }
        if (a.json)
                attestctl_print_json(claims);
        else
                print_claims(claims);
        return EXIT_PASS;
}

int verb_result(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "verify", verb_result_verify, "Check a signed attestation result (EAR) against published keys" },
        };
        return dispatch_verbs("result", verbs, ELEMENTSOF(verbs), argc, argv);
}
