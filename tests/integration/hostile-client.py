#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stranger's traffic against attest-verifierd, for test-verifierd-hostile.sh.

  hostile-client.py slow HOST PORT SRC N INTERVAL DURATION
      N connections from address SRC, each sending one header line every
      INTERVAL seconds for DURATION seconds. Prints "ready" once all were
      attempted, then "refused=R closed=C open=O": connections the server
      closed at once (R), closed later (C), still open at the end (O).
  hostile-client.py bodies HOST PORT SRC_PREFIX N SIZE length|chunked HOLD
      N connections from SRC_PREFIX.1 .. SRC_PREFIX.N, each a POST of SIZE
      bytes to the registrar, sent as far as the server reads but for its
      end, held for HOLD seconds. Prints "ready" once every body was
      offered, then "statuses=..." (the HTTP status each got, 0 for none).
  hostile-client.py unix-body PATH SIZE
      One POST of SIZE bytes to the admin socket; prints the status and the
      bytes the server took before answering.
"""
import resource
import select
import socket
import sys
import time


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def say(*args):
    print(*args, flush=True)


def server_closed(s):
    """Whether the server closed s (end of stream or reset); never blocks."""
    try:
        p = select.poll()
        p.register(s, select.POLLIN)
        if not p.poll(0):
            return False
        return s.recv(65536) == b""
    except OSError:
        return True


def slow(host, port, src, n, interval, duration):
    raise_fd_limit()
    socks, refused = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        try:
            s.connect((host, port))
            s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            refused += 1
            s.close()
    time.sleep(0.5)
    alive = []
    for s in socks:
        if server_closed(s):
            refused += 1
            s.close()
        else:
            alive.append(s)
    say("ready")
    closed, end, k = 0, time.monotonic() + duration, 0
    while alive and time.monotonic() < end:
        time.sleep(min(interval, max(0, end - time.monotonic())))
        k += 1
        still = []
        for s in alive:
            try:
                s.sendall(b"X-Slow-%d: %d\r\n" % (k, k))
            except OSError:
                pass
            if server_closed(s):
                closed += 1
                s.close()
            else:
                still.append(s)
        alive = still
    say("refused=%d closed=%d open=%d" % (refused, closed, len(alive)))


def status_of(data):
    if not data.startswith(b"HTTP/1."):
        return 0
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def offer(s, size, chunked, complete=False):
    """Sends the body while the server reads it, all but its last byte (or
    chunk terminator) unless complete, so that the server has to hold it;
    returns what the server answered meanwhile."""
    s.settimeout(1.0)
    chunk = b"a" * 65536
    sent, end = 0, size if complete or chunked else size - 1
    try:
        while sent < end:
            n = min(len(chunk), end - sent)
            s.sendall(b"%x\r\n%s\r\n" % (n, chunk[:n]) if chunked else chunk[:n])
            sent += n
        if chunked and complete:
            s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    try:
        s.settimeout(0.5)
        return s.recv(65536)
    except OSError:
        return b""


def bodies(host, port, prefix, n, size, mode, hold):
    raise_fd_limit()
    chunked = mode == "chunked"
    conns, answers = [], []
    for i in range(1, n + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("%s.%d" % (prefix, i), 0))
        s.connect((host, port))
        head = b"POST /v2.6/agents/stranger-%d HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" % i
        head += b"Transfer-Encoding: chunked\r\n\r\n" if chunked else b"Content-Length: %d\r\n\r\n" % size
        s.sendall(head)
        conns.append(s)
    for s in conns:
        answers.append(offer(s, size, chunked))
    say("ready")
    time.sleep(hold)
    for i, s in enumerate(conns):
        if not answers[i]:
            try:
                s.setblocking(True)
                s.settimeout(0.2)
                answers[i] = s.recv(65536)
            except OSError:
                pass
        s.close()
    say("statuses=" + ",".join(str(status_of(a)) for a in answers))


def unix_body(path, size):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"POST /admin/v1/policies/runtime/x HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % size)
    answer = offer(s, size, False, complete=True)
    s.settimeout(5)
    while not answer:
        try:
            answer = s.recv(65536)
        except OSError:
            break
        if not answer:
            break
    say("status=%d" % status_of(answer))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "slow" and len(argv) == 8:
        slow(argv[2], int(argv[3]), argv[4], int(argv[5]), float(argv[6]), float(argv[7]))
    elif cmd == "bodies" and len(argv) == 9 and argv[7] in ("length", "chunked"):
        bodies(argv[2], int(argv[3]), argv[4], int(argv[5]), int(argv[6]), argv[7], float(argv[8]))
    elif cmd == "unix-body" and len(argv) == 4:
        unix_body(argv[2], int(argv[3]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
