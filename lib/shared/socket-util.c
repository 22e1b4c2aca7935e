/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http-server.h"
#include "parse-util.h"

#define LISTEN_BACKLOG 128

/* Splits "ADDR:PORT" or "[ADDR]:PORT" into a socket address. */
static int parse_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *colon, *h = s;
        size_t hl;
        uint16_t port;

        colon = strrchr(s, ':');
        if (!colon || safe_atou16(colon + 1, &port) < 0 || port == 0)
                return -EINVAL;
        hl = (size_t) (colon - s);
        if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
                h = s + 1;
                hl -= 2;
        }
        if (hl == 0 || hl >= sizeof host)
                return -EINVAL;
        memcpy(host, h, hl);
        host[hl] = 0;

        memset(ret, 0, sizeof *ret);
        struct sockaddr_in *in = (struct sockaddr_in *) ret;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;
        if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                *ret_len = sizeof *in;
                return 0;
        }
        if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                *ret_len = sizeof *in6;
                return 0;
        }
        return -EINVAL;
}

static bool sockaddr_is_local(const struct sockaddr_storage *ss) {
        if (ss->ss_family == AF_UNIX)
                return true;
        if (ss->ss_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) ss)->sin_addr.s_addr) >> 24) == 127;
        if (ss->ss_family == AF_INET6)
                return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) ss)->sin6_addr);
        return false;
}

int http_listen_tcp(const char *address, int *ret_fd, bool *ret_loopback) {
        struct sockaddr_storage ss;
        socklen_t len;
        int fd, one = 1, r;

        r = parse_address(address, &ss, &len);
        if (r < 0)
                return r;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                r = -errno;
                safe_close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_loopback = sockaddr_is_local(&ss);
        return 0;
}

int http_listen_unix(const char *path, unsigned mode, int *ret_fd) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || chmod(path, mode) < 0 ||
            listen(fd, LISTEN_BACKLOG) < 0) {
                r = -errno;
                safe_close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

bool http_socket_is_local(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return false;
        return sockaddr_is_local(&ss);
}

int http_socket_address(int fd, char *buf, size_t size) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char host[INET6_ADDRSTRLEN];
        const void *a;
        uint16_t port;

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        if (ss.ss_family == AF_INET) {
                a = &((const struct sockaddr_in *) &ss)->sin_addr;
                port = ntohs(((const struct sockaddr_in *) &ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
                a = &((const struct sockaddr_in6 *) &ss)->sin6_addr;
                port = ntohs(((const struct sockaddr_in6 *) &ss)->sin6_port);
        } else
                return -EAFNOSUPPORT;
        if (!inet_ntop(ss.ss_family, a, host, sizeof host))
                return -errno;
        if ((size_t) snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port) >= size)
                return -ENOBUFS;
        return 0;
}
