# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by integration tests: one private swtpm per test on free loopback ports.
#
#   . "$(dirname "$0")/swtpm.sh"
#   swtpm_start            # exports SWTPM_PORT, TPM2TOOLS_TCTI, ATTEST_TCTI; cleanup on exit
#
# Tests exit 77 (skipped) when swtpm or tpm2-tools are genuinely absent.

require_tool() {
        for t in "$@"; do
                command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
        done
}

# A free TCP port pair (port, port+1) on loopback.
free_port_pair() {
        python3 - <<'PY'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p >= 65535: a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close(); print(p); break
PY
}

swtpm_stop() {
        if [ -n "${SWTPM_PID:-}" ]; then
                kill "$SWTPM_PID" 2>/dev/null || true
                wait "$SWTPM_PID" 2>/dev/null || true
                SWTPM_PID=
        fi
        [ -n "${SWTPM_DIR:-}" ] && rm -rf "$SWTPM_DIR"
        SWTPM_DIR=
}

# swtpm_launch PORT: swtpm on PORT (and PORT+1 for control) with the state in
# $SWTPM_DIR; sets SWTPM_PID; fails unless it answers within 5 s.
swtpm_launch() {
        swtpm socket --tpm2 --tpmstate dir="$SWTPM_DIR" \
                --server type=tcp,port="$1",bindaddr=127.0.0.1 \
                --ctrl type=tcp,port=$(($1 + 1)),bindaddr=127.0.0.1 \
                --flags not-need-init,startup-clear >>"$SWTPM_DIR/swtpm.log" 2>&1 &
        SWTPM_PID=$!
        for _ in $(seq 50); do
                TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$1" tpm2_getrandom 1 >/dev/null 2>&1 && return 0
                kill -0 "$SWTPM_PID" 2>/dev/null || break
                sleep 0.1
        done
        kill "$SWTPM_PID" 2>/dev/null || true
        wait "$SWTPM_PID" 2>/dev/null || true
        return 1
}

# Starts swtpm with a fresh state (or the state directory in $1), waits until it answers.
swtpm_start() {
        require_tool swtpm swtpm_setup tpm2_startup python3
        SWTPM_DIR=${1:-$(mktemp -d)}
        local port
        for _ in 1 2 3 4 5; do
                port=$(free_port_pair)
                if swtpm_launch "$port"; then
                        export SWTPM_PORT=$port
                        export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
                        export ATTEST_TCTI="$TPM2TOOLS_TCTI"
                        trap swtpm_stop EXIT
                        return 0
                fi
        done
        echo "swtpm did not start" >&2
        cat "$SWTPM_DIR/swtpm.log" >&2 || true
        return 1
}

# swtpm_restart [SECONDS]: stops swtpm and, SECONDS later (default none), starts
# it again on the same ports with its state: to its users, a TPM reset (the
# seeds and NV stay, loaded objects and sessions are gone, PCRs start over).
swtpm_restart() {
        kill "$SWTPM_PID" 2>/dev/null || true
        wait "$SWTPM_PID" 2>/dev/null || true
        sleep "${1:-0}"
        swtpm_launch "$SWTPM_PORT"
}

# There is no resource manager: flush every transient object and session a step left behind.
swtpm_flush() {
        tpm2_flushcontext -t >/dev/null 2>&1 || true
        tpm2_flushcontext -s >/dev/null 2>&1 || true
}

# For test scripts: starts swtpm, enters a scratch directory removed at exit, and
# counts failures reported with fail(); swtpm_test_end exits 1 if there were any.
swtpm_test_begin() {
        local work
        work=$(mktemp -d)
        swtpm_start
        trap 'swtpm_stop; rm -rf "'"$work"'"' EXIT
        cd "$work"
        failures=0
}

fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

swtpm_test_end() {
        [ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
}
