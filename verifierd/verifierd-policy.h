/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin-loader.h"
#include "storage.h"

typedef struct Manager Manager;
typedef struct Request Request;

#define POLICY_ERROR_MAX 256u
#define POLICY_NAME_MAX 64u

/* Policy kinds the verifier stores: "tpm", "boot" (measured boot), "runtime"
 * (IMA), and the name of any other policy engine, e.g. "exec" (whether it is
 * loaded is checked when the policy is compiled). */
bool policy_kind_is_valid(const char *kind);
/* Whether kind names an engine beyond the three kinds: a plugin name other than tpm, mb and ima. */
bool policy_kind_is_engine(const char *kind);
/* The engine plugin that evaluates a kind: tpm → "tpm", boot → "mb", runtime → "ima",
 * an engine kind → itself; NULL for no kind. */
const char *policy_kind_engine(const char *kind);
/* Names: 1–64 characters of [A-Za-z0-9._-], not starting with '.' or '/'. */
bool policy_name_is_valid(const char *name);
/* The name a tenant.conf policy file is stored under, so that its nodes follow
 * the file's content across restarts: "file-" and the path with '/' as '-'
 * (e.g. "file-etc-hostattest-runtime.json"); a path too long for that keeps
 * its tail after 8 hex digits of its SHA-256, which keep names apart. */
int policy_name_for_file(const char *path, char ret[static POLICY_NAME_MAX + 1]);
/* tenant.conf's FILE|NAME: the derived name of a file, else spec itself. */
int policy_name_for_spec(const char *spec, char ret[static POLICY_NAME_MAX + 1]);

/* Compiles content with the kind's engine through the daemon's policy cache, a
 * reference taken. The engine's errno and message (in error) when it refuses;
 * -ENOPKG when its plugin is not loaded, -EINVAL for an unknown kind. */
int policy_compile(Manager *m, const char *kind, const uint8_t *data, size_t size, CompiledPolicy **ret,
                   char *error, size_t error_size);
/* Whether the engine accepts content: exactly what policy_compile() says, nothing kept. */
int policy_validate(Manager *m, const char *kind, const uint8_t *data, size_t size, char *error, size_t error_size);
/* Answers a refused policy (400 with the engine's message; 422 engine_not_loaded
 * when its engine is not loaded; 500 when out of memory); returns r. */
int policy_reply_invalid(Request *q, const char *kind, int r, const char *error);

/* Sets state ENROLLED with the given limits, verdict PENDING. */
void node_mark_enrolled(Node *n, uint64_t attest_count, uint64_t interval_sec);
