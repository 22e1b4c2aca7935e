/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,     /* journal when stderr is connected to it, else stderr */
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
} LogTarget;

void log_set_target(LogTarget t);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Reads $ATTEST_LOG_LEVEL (a syslog level name or number). */
void log_parse_environment(void);

/* Logs (when level passes) and returns -abs(error), so callers can write
 * "return log_error_errno(r, "…: %m");". %m expands to strerror(error). */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

/* As log_internal with a stable MESSAGE_ID (a 128-bit id in hex) for the journal. */
int log_struct_internal(int level, int error, const char *message_id, const char *file, int line,
                        const char *func, const char *format, ...) _printf_(7, 8);

/* As log_struct_internal with more journal fields: fields is NAME, value, …, NULL
 * (at most LOG_EXTRA_FIELDS_MAX pairs; a NULL value ends the list too). */
#define LOG_EXTRA_FIELDS_MAX 4
int log_fields_internal(int level, int error, const char *message_id, const char *const *fields, const char *file,
                        int line, const char *func, const char *format, ...) _printf_(8, 9);

#define log_full_errno(level, error, ...) \
        log_internal(level, error, __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)

#define log_struct(level, message_id, ...) \
        log_struct_internal(level, 0, message_id, __FILE__, __LINE__, __func__, __VA_ARGS__)

/* An entry about a node: ATTEST_NODE_ID= carries its id, for journalctl ATTEST_NODE_ID=…. */
#define log_node(level, message_id, node_id, ...)                                              \
        log_fields_internal(level, 0, message_id, (const char *const[]) { "ATTEST_NODE_ID", node_id, NULL }, \
                            __FILE__, __LINE__, __func__, __VA_ARGS__)

/* An administrator's change of anything else: ATTEST_ADMIN= (who: uid or certificate subject). */
#define log_admin(level, admin, ...)                                                            \
        log_fields_internal(level, 0, NULL, (const char *const[]) { "ATTEST_ADMIN", admin, NULL }, \
                            __FILE__, __LINE__, __func__, __VA_ARGS__)

/* An administrator's change of a node: also ATTEST_ADMIN= (who: uid or certificate subject). */
#define log_node_admin(level, message_id, node_id, admin, ...)                                  \
        log_fields_internal(level, 0, message_id,                                               \
                            (const char *const[]) { "ATTEST_NODE_ID", node_id, "ATTEST_ADMIN", admin, NULL }, \
                            __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
