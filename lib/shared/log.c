/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "escape.h"
#include "log.h"
#include "parse-util.h"

static LogTarget log_target = LOG_TARGET_AUTO;
static int log_max_level = LOG_INFO;

void log_set_target(LogTarget t) {
        log_target = t;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static int log_level_from_string(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
        uint32_t n;

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        if (safe_atou32(s, &n) >= 0 && n <= LOG_DEBUG)
                return (int) n;
        return -EINVAL;
}

void log_parse_environment(void) {
        const char *e = getenv("ATTEST_LOG_LEVEL");
        int level;

        if (e && (level = log_level_from_string(e)) >= 0)
                log_max_level = level;
}

/* stderr is the journal's stream when $JOURNAL_STREAM names its device and inode. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

static bool use_journal(void) {
        static int cached = -1;

        if (log_target == LOG_TARGET_JOURNAL)
                return true;
        if (log_target == LOG_TARGET_STDERR)
                return false;
        if (cached < 0)
                cached = stderr_is_journal();
        return cached;
}

#define LOG_FIELD_MAX 512

/* One journal field, printf-formatted, as an iovec over buf. */
_printf_(3, 4)
static struct iovec field(char *buf, size_t size, const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, size, format, ap);
        va_end(ap);
        return (struct iovec) { buf, n < 0 ? 0 : MIN((size_t) n, size - 1) };
}

/* The message with its fixed fields and the caller's NAME, value pairs. */
static void journal_send(int level, int error, const char *message_id, const char *file, int line, const char *func,
                         const char *message, const char *const *fields) {
        char fixed[6][LOG_FIELD_MAX], extra[LOG_EXTRA_FIELDS_MAX][LOG_FIELD_MAX], value[LOG_FIELD_MAX];
        struct iovec iov[1 + 6 + LOG_EXTRA_FIELDS_MAX];
        size_t n = 0, k = 0;
        char msg[2048 + 8];

        iov[n++] = field(msg, sizeof msg, "MESSAGE=%s", message);
        iov[n++] = field(fixed[0], LOG_FIELD_MAX, "PRIORITY=%i", level);
        iov[n++] = field(fixed[1], LOG_FIELD_MAX, "CODE_FILE=%s", file);
        iov[n++] = field(fixed[2], LOG_FIELD_MAX, "CODE_LINE=%i", line);
        iov[n++] = field(fixed[3], LOG_FIELD_MAX, "CODE_FUNC=%s", func);
        iov[n++] = field(fixed[4], LOG_FIELD_MAX, "ERRNO=%i", error < 0 ? -error : error);
        if (message_id)
                iov[n++] = field(fixed[5], LOG_FIELD_MAX, "MESSAGE_ID=%s", message_id);
        for (; fields && fields[0] && fields[1] && k < LOG_EXTRA_FIELDS_MAX; fields += 2, k++) {
                /* Values come from requests: one line, like the message. */
                (void) escape_control(fields[1], value, sizeof value);
                iov[n++] = field(extra[k], LOG_FIELD_MAX, "%s=%s", fields[0], value);
        }
        (void) sd_journal_sendv(iov, (int) n);
}

_printf_(8, 0)
static int log_dispatch(int level, int error, const char *message_id, const char *const *fields, const char *file,
                        int line, const char *func, const char *format, va_list ap) {
        char raw[2048], buf[2048];
        int saved = errno;

        errno = error < 0 ? -error : error;
        (void) vsnprintf(raw, sizeof raw, format, ap);
        /* Messages quote paths, ids, headers and JSON strings from the network:
         * one message stays one line whatever they hold. */
        (void) escape_control(raw, buf, sizeof buf);

        if (use_journal())
                journal_send(level, error, message_id, file, line, func, buf, fields);
        else
                fprintf(stderr, "%s\n", buf);

        errno = saved;
        return error < 0 ? error : -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        va_list ap;
        int r;

        if (level > log_max_level)
                return error < 0 ? error : -error;
        va_start(ap, format);
        r = log_dispatch(level, error, NULL, NULL, file, line, func, format, ap);
        va_end(ap);
        return r;
}

int log_struct_internal(int level, int error, const char *message_id, const char *file, int line,
                        const char *func, const char *format, ...) {
        va_list ap;
        int r;

        if (level > log_max_level)
                return error < 0 ? error : -error;
        va_start(ap, format);
        r = log_dispatch(level, error, message_id, NULL, file, line, func, format, ap);
        va_end(ap);
        return r;
}

int log_fields_internal(int level, int error, const char *message_id, const char *const *fields, const char *file,
                        int line, const char *func, const char *format, ...) {
        va_list ap;
        int r;

        if (level > log_max_level)
                return error < 0 ? error : -error;
        va_start(ap, format);
        r = log_dispatch(level, error, message_id, fields, file, line, func, format, ap);
        va_end(ap);
        return r;
}
