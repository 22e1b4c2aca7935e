# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by mkimage.sh and vm-lib.sh: the machine's swtpm state served on a
# free loopback port, for attest-agent on the host (making or registering
# the machine's identity before it boots).

# swtpm_tcp_start STATE-DIR: sets SWTPM_TCP_PORT and SWTPM_TCP_PID once the
# TPM answers; a port taken meanwhile by someone else is retried.
swtpm_tcp_start() {
        local _try _
        for _try in 1 2 3 4 5; do
                # The TSS's swtpm TCTI finds the control channel on the next port.
                SWTPM_TCP_PORT=$(python3 - <<'PY'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break
PY
)
                swtpm socket --tpm2 --tpmstate dir="$1" --server type=tcp,port="$SWTPM_TCP_PORT",bindaddr=127.0.0.1 \
                        --ctrl type=tcp,port=$((SWTPM_TCP_PORT + 1)),bindaddr=127.0.0.1 \
                        --flags not-need-init,startup-clear 2>/dev/null &
                SWTPM_TCP_PID=$!
                for _ in $(seq 50); do
                        kill -0 "$SWTPM_TCP_PID" 2>/dev/null || break
                        (exec 3<>"/dev/tcp/127.0.0.1/$SWTPM_TCP_PORT") 2>/dev/null && return 0
                        sleep 0.1
                done
                kill "$SWTPM_TCP_PID" 2>/dev/null || true
                wait "$SWTPM_TCP_PID" 2>/dev/null || true
        done
        echo "swtpm did not start" >&2
        return 1
}

# swtpm_tcp_stop: stops what swtpm_tcp_start started.
swtpm_tcp_stop() {
        kill "$SWTPM_TCP_PID" 2>/dev/null || true
        wait "$SWTPM_TCP_PID" 2>/dev/null || true
}
