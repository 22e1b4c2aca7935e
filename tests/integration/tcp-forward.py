#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Forwards loopback TCP ports PORT and PORT+1 to TARGET and TARGET+1 (a
# swtpm's command and control ports), one connection at a time per client
# connection. Stopping it makes the TPM unreachable to a client whose TCTI
# points here, while the TPM itself keeps its state.
#
#   tcp-forward.py PORT TARGET
import socket
import sys
import threading


def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(client, target):
    with client:
        try:
            upstream = socket.create_connection(("127.0.0.1", target))
        except OSError:
            return
        with upstream:
            back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
            back.start()
            pipe(client, upstream)
            back.join()


def serve(port, target):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, target), daemon=True).start()


port, target = int(sys.argv[1]), int(sys.argv[2])
for offset in (0, 1):
    threading.Thread(target=serve, args=(port + offset, target + offset), daemon=True).start()
threading.Event().wait()
