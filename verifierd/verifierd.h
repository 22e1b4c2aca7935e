/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "http-server.h"
#include "storage.h"
#include "verifierd-config.h"
#include "verifierd-metrics.h"
#include "verifierd-push.h"
#include "verifierd-results.h"
#include "verifierd-secret-store.h"
#include "verifierd-session.h"

enum {
        LISTENER_TCP,    /* nodes; admin callers with a verified client certificate */
        LISTENER_UNIX,   /* admin callers allowed by peer credentials */
        LISTENER_METRICS, /* GET /metrics only, for anyone who reaches it */
};

/* A tenant.conf default policy given as a file: read, compiled and stored once at
 * startup (a changed file takes effect at the next start). A stored name is
 * instead resolved at each enrolment. Index: tpm, boot, runtime. */
#define DEFAULT_POLICIES 3u
typedef struct DefaultPolicy {
        char digest[POLICY_DIGEST_HEX_SIZE];
        CompiledPolicy *compiled;       /* a reference held in the push cache */
} DefaultPolicy;

/* A tenant.conf policy.ENGINE= default. */
typedef struct EngineDefault {
        char engine[ATTEST_PLUGIN_NAME_MAX + 1];
        const char *spec;               /* FILE or NAME, inside the tenant config */
        DefaultPolicy policy;           /* for a FILE */
} EngineDefault;

typedef struct Manager {
        sd_event *event;
        VerifierConfig config;
        TenantConfig tenant;
        char *tenant_path;
        Storage *storage;
        HttpServer *server;
        X509_STORE *ek_store;      /* NULL: no EK CA directory configured */
        X509_STORE *iak_store;
        struct CcTrust *cc_trust;  /* confidential-computing anchors and collateral (verifierd-cc.c) */
        SecretStore *secrets;      /* disabled without a key */
        ResultsKeys *results;      /* signs the EARs */
        Metrics metrics;
        char **listening;          /* "ADDRESS (what)" of each listener, for the ready message */
        SessionTable *session_table; /* unproven sessions, session budgets; made at the first session */
        gid_t admin_gid;
        bool have_admin_gid;
        bool stopping;
        sd_event_source *drain_timer;
        uint64_t drain_deadline;
        PushContext push;
        json_tokener *parser;      /* request bodies, one after the other on the event loop */
        DefaultPolicy defaults[DEFAULT_POLICIES];
        EngineDefault *engine_defaults;
        size_t n_engine_defaults;
} Manager;

/* One request being answered. */
typedef struct Request {
        Manager *manager;
        const HttpRequest *http;
        HttpResponse *resp;
        unsigned major, minor;    /* API version from the path; 0.0 for unversioned routes */
        bool admin;               /* the caller may use the admin API */
        const char *const *seg;   /* path segments after the version */
        size_t n_seg;
} Request;

/* Answers with an error in the envelope of the request's API (v2, v3 JSON:API or
 * admin); pointer is the JSON:API source pointer of the faulty member or NULL. */
void reply_error(Request *q, unsigned status, const char *code, const char *pointer, const char *fmt, ...)
        _printf_(5, 6);
/* Answers 200/201 with a v2 envelope around results (reference taken). */
void reply_v2(Request *q, unsigned status, json_object *results);
/* Answers a v3 JSON:API document (references taken). */
void reply_v3(Request *q, unsigned status, const char *type, const char *id, json_object *attributes);
/* Who an admin request came from, for the journal (ATTEST_ADMIN=): "uid=N" on the
 * Unix socket, "cert=SUBJECT" with a client certificate. REQUEST_CALLER() gives
 * it in a buffer that lives as long as the enclosing statement. */
#define REQUEST_CALLER_MAX 512
const char *request_caller(const Request *q, char buf[static REQUEST_CALLER_MAX]);
#define REQUEST_CALLER(q) request_caller((q), (char[REQUEST_CALLER_MAX]) {})

/* Parses the body as a JSON object; answers 400/413 itself and returns < 0 on failure. */
int request_json(Request *q, json_object **ret);

/* The HTTP server's callbacks (userdata: the Manager). http_admit() decides from a
 * request's headers how large a body it may send: the admin limit for admin callers,
 * max_evidence_size for evidence with a valid bearer token, HTTP_UNAUTH_BODY_MAX
 * otherwise; it refuses a non-admin caller on the admin socket before any body. */
void http_handler(const HttpRequest *req, HttpResponse *resp, void *userdata);
size_t http_admit(const HttpRequest *req, HttpResponse *resp, void *userdata);

/* Notes a listening socket for the ready message: its address and what it serves. */
void listener_note(Manager *m, int fd, const char *what);

/* Routes by API area; each returns false when no route matched. */
bool route_registrar(Request *q);
bool route_admin(Request *q);
bool route_keylime_admin(Request *q);
/* The host (IPv6 without brackets) and port (default 80/443) of an http(s) URL. */
int url_host_port(const char *url, char **ret_host, uint16_t *ret_port);
/* POST /v3.0/agents/{id}/secrets/{name}[/challenge] */
bool route_secrets(Request *q);
/* /admin/v1/nodes/{id}/secrets[/{name}] */
void route_node_secrets(Request *q, const char *id, const char *const *seg, size_t n_seg);
/* The data/attributes of a JSON:API document of the given type; answers 400 itself. */
json_object *v3_attributes(Request *q, json_object *body, const char *type);

/* Opens the storage of [Storage] (SQLite in the state directory, or PostgreSQL
 * with the password from the verifierd-db-password credential). */
int verifier_storage_open(const VerifierConfig *c, Storage **ret);
unsigned verifier_storage_schema_version(const VerifierConfig *c);

/* Enrols the node with the tenant.conf defaults (ENROLLED); stores nothing. */
int enrol_with_defaults(Manager *m, Node *n);
/* Loads the tenant.conf default policies (after push_context_init(): they are
 * compiled by their engines); fails when one cannot be used. */
int tenant_policies_load(Manager *m);
/* Drops the compiled defaults (before push_context_done()). */
void tenant_policies_done(Manager *m);

/* The node of a request path; answers 400/404/500 itself and returns < 0 then. */
int request_load_node(Request *q, const char *id, Node **ret);

/* GET /admin/v1/nodes/{id}/history[?limit=N&since=µs]: the node's attestations, newest first. */
void node_history(Request *q, const char *id);
/* GET /admin/v1/summary: the nodes counted by state and by verdict. */
void nodes_summary(Request *q);

/* Node JSON as shown by the admin API and attestctl. */
json_object *node_to_json(const Node *n, bool detail);
/* The "policies" member of an enrol/update body: engine name → {"content": POLICY},
 * {"name": NAME} or null (detach). Each policy is compiled by its engine first;
 * answers 4xx/5xx itself and returns < 0 then. */
int apply_engine_policies(Request *q, json_object *body, Node *n);
/* Adds "policies": {engine: {"digest", "name"}} to a node's JSON. */
int node_policies_to_json(const Node *n, json_object *o);

/* Loads all certificates of a directory (PEM or DER) as trust anchors. */
int trust_store_load(const char *dir, X509_STORE **ret);
/* Checks a DER certificate against store and that its key equals pkey. -EBADMSG when it
 * does not parse, -EPERM when untrusted, -EKEYREJECTED on a key mismatch. */
int certificate_check(X509_STORE *store, const uint8_t *der, size_t size, EVP_PKEY *pkey, char **ret_reason);

/* Admin API pieces shared with the Keylime v2 admin subset. */
bool route_policies(Request *q);
int policy_add(Request *q, const char *kind, const char *name, const uint8_t *data, size_t size, bool replace);
void policy_remove(Request *q, const char *kind, const char *name);
void remove_node(Request *q, const char *id);
