# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the agent's integration tests: background processes and the
# test registrar.

# Stops a background process of this shell (SIGTERM) and reaps it; "" is a no-op.
stop_pid() {
        if [ -n "${1:-}" ]; then
                kill "$1" 2>/dev/null || true
                wait "$1" 2>/dev/null || true
        fi
}

# start_fake_registrar DIR [VERIFIER_URL]: serves HTTPS with DIR/server.pem
# (see tls-certs.sh), logs requests to DIR/events; sets REG_PID and REG_URL.
# $FAKE_REGISTRAR_PORT picks the port.
start_fake_registrar() {
        local d=$1
        rm -f "$d/port"
        touch "$d/events"
        python3 "$ATTEST_INTEGRATION_DIR/fake-registrar.py" "$d/server.pem" "$d/server.key" \
                "$d/port" "$d/events" ${2:+"$2"} &
        REG_PID=$!
        for _ in $(seq 100); do
                [ -f "$d/port" ] && break
                sleep 0.05
        done
        [ -f "$d/port" ] || { echo "the test registrar did not start" >&2; return 1; }
        REG_URL="https://127.0.0.1:$(cat "$d/port")"
}

# agent_test_setup: a world-readable work directory as $work and the current
# directory, and an exit trap that stops $agent_pid, $REG_PID, $verifierd_pid,
# $monitor_pid, the private bus and swtpm, then removes $work.
agent_test_setup() {
        work=$(mktemp -d)
        chmod 755 "$work"
        agent_pid= REG_PID= verifierd_pid= monitor_pid=
        trap agent_test_cleanup EXIT
        cd "$work"
}

agent_test_cleanup() {
        stop_pid "$agent_pid"
        stop_pid "$REG_PID"
        stop_pid "$verifierd_pid"
        stop_pid "$monitor_pid"
        if declare -F dbus_stop >/dev/null; then dbus_stop; fi
        swtpm_stop
        cd /
        rm -rf "$work"
}
