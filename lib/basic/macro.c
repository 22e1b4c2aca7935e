/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "macro.h"

int close_nointr(int fd) {
        assert(fd >= 0);
        if (close(fd) >= 0)
                return 0;
        /* Linux closes the descriptor even when close() reports EINTR; never retry. */
        if (errno == EINTR)
                return 0;
        return -errno;
}

int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close_nointr(fd);
                errno = saved;
        }
        return -1;
}
