/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Evidence read from the host: the IMA ascii log, read incrementally, and
 * the boot time. The IMA log only grows during a boot, so a file offset
 * once known for an entry stays valid until the next boot. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "macro.h"
#include "push-cycle.h"

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

/* Reads one complete line into buf (NUL-terminated, with its '\n');
 * 0 at the end of the file or at a line still being written. */
static int read_line(FILE *f, char *buf, size_t size, size_t *ret_len) {
        size_t n;

        if (!fgets(buf, (int) size, f))
                return ferror(f) ? -EIO : 0;
        n = strlen(buf);
        if (n == 0 || buf[n - 1] != '\n')
                return n + 1 >= size ? -E2BIG : 0;
        *ret_len = n;
        return 1;
}

static int open_at(const char *path, uint64_t offset, FILE **ret) {
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        if (offset > 0 && fseeko(f, (off_t) offset, SEEK_SET) < 0) {
                int r = -errno;
                fclose(f);
                return r;
        }
        *ret = f;
        return 0;
}

int ima_log_count(const char *path, ImaLogState *s, uint64_t *ret_entries) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = malloc(PUSH_IMA_LINE_MAX);
        ImaMark m = s->counted;
        size_t n;
        int r;

        if (!line)
                return -ENOMEM;
        r = open_at(path, m.offset, &f);
        if (r < 0)
                return r;
        while ((r = read_line(f, line, PUSH_IMA_LINE_MAX, &n)) > 0) {
                m.entry++;
                m.offset += n;
        }
        if (r < 0)
                return r;
        s->counted = m;
        *ret_entries = m.entry;
        return 0;
}

/* The known place nearest at or before entry. */
static ImaMark nearest_mark(const ImaLogState *s, uint64_t entry) {
        const ImaMark marks[] = { s->counted, s->sent, s->sent_end };
        ImaMark best = {};

        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (marks[i].entry <= entry && marks[i].entry >= best.entry)
                        best = marks[i];
        return best;
}

static int append_text(char **buf, size_t *size, size_t *alloc, const char *line, size_t n) {
        if (*size + n + 1 > PUSH_IMA_CHUNK_MAX)
                return -E2BIG;
        if (*size + n + 1 > *alloc) {
                size_t a = MAX(*alloc * 2, *size + n + 1);
                char *p = realloc(*buf, a);
                if (!p)
                        return -ENOMEM;
                *buf = p;
                *alloc = a;
        }
        memcpy(*buf + *size, line, n);
        *size += n;
        (*buf)[*size] = 0;
        return 0;
}

int ima_log_read_from(const char *path, ImaLogState *s, uint64_t start, char **ret_text, size_t *ret_size,
                      uint64_t *ret_count) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = malloc(PUSH_IMA_LINE_MAX), *text = NULL;
        ImaMark m = nearest_mark(s, start), first;
        size_t n, size = 0, alloc = 0;
        int r;

        if (!line)
                return -ENOMEM;
        r = open_at(path, m.offset, &f);
        if (r < 0)
                return r;
        while (m.entry < start) {
                r = read_line(f, line, PUSH_IMA_LINE_MAX, &n);
                if (r <= 0)
                        return r < 0 ? r : -ERANGE;   /* the log is shorter than the verifier thinks */
                m.entry++;
                m.offset += n;
        }
        first = m;
        text = strdup("");
        if (!text)
                return -ENOMEM;
        alloc = 1;
        while ((r = read_line(f, line, PUSH_IMA_LINE_MAX, &n)) > 0) {
                r = append_text(&text, &size, &alloc, line, n);
                if (r < 0)
                        return r;
                m.entry++;
                m.offset += n;
        }
        if (r < 0)
                return r;

        s->sent = first;
        s->sent_end = m;
        if (m.entry > s->counted.entry)
                s->counted = m;
        *ret_count = m.entry - first.entry;
        *ret_size = size;
        *ret_text = TAKE_PTR(text);
        return 0;
}

int boot_time_usec(const char *proc_stat, uint64_t *ret) {
        _cleanup_(fclosep) FILE *f = fopen(proc_stat, "re");
        char line[256];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                uint64_t t;
                char end;

                if (sscanf(line, "btime %" SCNu64 "%c", &t, &end) == 2 && end == '\n') {
                        if (t == 0 || t > UINT64_MAX / 1000000)
                                return -EBADMSG;
                        *ret = t * 1000000;
                        return 0;
                }
        }
        return -ENOENT;
}
