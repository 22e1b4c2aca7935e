/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

static int read_fd_full(int fd, size_t max_size, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                if (size + 1 >= allocated) {
                        size_t n = allocated ? allocated * 2 : 65536;
                        if (n > max_size + 2)
                                n = max_size + 2;
                        if (n <= allocated)
                                return -EFBIG;
                        uint8_t *p = realloc(buf, n);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max_size)
                        return -EFBIG;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_full_file(const char *path, size_t max_size, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        assert(path);
        assert(ret);
        if (strcmp(path, "-") == 0)
                return read_fd_full(STDIN_FILENO, max_size, ret, ret_size);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd_full(fd, max_size, ret, ret_size);
}

int write_file_atomic(const char *path, const void *data, size_t size, unsigned mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const uint8_t *p = data;

        assert(path);
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode) < 0)
                goto fail;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                p += k;
                size -= (size_t) k;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0)
                goto fail;
        return 0;
fail:;
        int r = -errno;
        (void) unlink(tmp);
        return r;
}
