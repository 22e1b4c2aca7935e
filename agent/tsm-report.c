/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "tsm-report.h"

void tsm_report_done(TsmReport *r) {
        free(r->outblob);
        free(r->auxblob);
        *r = (TsmReport) {};
}

/* The whole of an attribute, at most max bytes: -EFBIG above. Attributes are
 * read with read(2) to the end, as configfs serves them. */
static int read_attr(const char *entry, const char *name, size_t max, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n = 0;
        int fd;

        if (asprintf(&path, "%s/%s", entry, name) < 0)
                return -ENOMEM;
        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k = read(fd, buf + n, max + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max) {
                        close(fd);
                        return -EFBIG;
                }
        }
        close(fd);
        buf[n] = 0;
        *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_text(const char *entry, const char *name, char *ret, size_t size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        r = read_attr(entry, name, size - 1, &buf, &n);
        if (r < 0)
                return r;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        if (n == 0 || memchr(buf, 0, n))
                return -EBADMSG;
        memcpy(ret, buf, n);
        ret[n] = 0;
        return 0;
}

static int read_generation(const char *entry, unsigned long long *ret) {
        char text[32], *end;

        int r = read_text(entry, "generation", text, sizeof text);
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoull(text, &end, 10);
        return errno || *end ? -EBADMSG : 0;
}

/* The agent's entry: made once, then reused (the generation guards against
 * another writer). */
static int entry_path(const char *directory, char **ret) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s", directory, TSM_ENTRY_NAME) < 0)
                return -ENOMEM;
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return -errno;
        *ret = TAKE_PTR(p);
        return 0;
}

int tsm_provider(const char *directory, char *ret, size_t size) {
        _cleanup_free_ char *entry = NULL;
        int r;

        r = entry_path(directory, &entry);
        if (r < 0)
                return r;
        return read_text(entry, "provider", ret, size);
}

const char *tsm_provider_evidence_type(const char *provider) {
        if (strcmp(provider, "sev_guest") == 0)
                return "sev-snp";
        if (strcmp(provider, "tdx_guest") == 0)
                return "tdx";
        return NULL;
}

static int write_inblob(const char *entry, const uint8_t *data) {
        _cleanup_free_ char *path = NULL;
        size_t n = 0;
        int fd, r = 0;

        if (asprintf(&path, "%s/inblob", entry) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (n < TSM_INBLOB_SIZE) {
                ssize_t k = write(fd, data + n, TSM_INBLOB_SIZE - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? -errno : -EIO;
                        break;
                }
                n += (size_t) k;
        }
        /* configfs takes the blob when the file is closed. */
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

int tsm_report_get(const char *directory, const uint8_t inblob[static TSM_INBLOB_SIZE], TsmReport *ret) {
        _cleanup_free_ char *entry = NULL;
        unsigned long long g1 = 0, g2 = 0;
        TsmReport t = {};
        int r;

        r = entry_path(directory, &entry);
        if (r < 0)
                return r;
        r = read_text(entry, "provider", t.provider, sizeof t.provider);
        if (r < 0)
                return r;
        r = write_inblob(entry, inblob);
        if (r < 0)
                return r;
        r = read_generation(entry, &g1);
        if (r >= 0)
                r = read_attr(entry, "outblob", TSM_OUTBLOB_MAX, &t.outblob, &t.outblob_size);
        if (r >= 0) {
                r = read_attr(entry, "auxblob", TSM_OUTBLOB_MAX, &t.auxblob, &t.auxblob_size);
                if (r == -ENOENT || (r >= 0 && t.auxblob_size == 0)) {
                        t.auxblob = mfree(t.auxblob);
                        t.auxblob_size = 0;
                        r = 0;
                }
        }
        if (r >= 0)
                r = read_generation(entry, &g2);
        if (r >= 0 && g1 != g2)
                r = -EBUSY;
        if (r >= 0 && t.outblob_size == 0)
                r = -ENODATA;
        if (r < 0) {
                tsm_report_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}
