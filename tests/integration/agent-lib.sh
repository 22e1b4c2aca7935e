# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the agent's integration tests: background processes and the
# test registrar.

# Transient objects loaded in the TPM: a running agent keeps its EK and AK
# (two), and none may be left once it has exited.
transient_count() {
        tpm2_getcap handles-transient | grep -c '0x' || true
}

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

# start_fake_push_verifier DIR [PORT]: the scripted push verifier of
# fake-push-verifier.py on loopback (a free port unless given), logging the
# agent's requests to DIR/requests.log; sets FPV_PID, FPV_PORT and FPV_URL.
start_fake_push_verifier() {
        local d=$1
        rm -f "$d/fpv-port"
        python3 "$ATTEST_INTEGRATION_DIR/fake-push-verifier.py" "${2:-0}" "$d/fpv-port" "$d/requests.log" &
        FPV_PID=$!
        for _ in $(seq 100); do
                [ -f "$d/fpv-port" ] && break
                sleep 0.05
        done
        [ -f "$d/fpv-port" ] || { echo "the fake push verifier did not start" >&2; return 1; }
        FPV_PORT=$(cat "$d/fpv-port")
        FPV_URL="http://127.0.0.1:$FPV_PORT"
}

# agent_test_setup: a world-readable work directory as $work and the current
# directory, and an exit trap that stops $agent_pid, $REG_PID, $verifierd_pid,
# $monitor_pid, $FPV_PID, the private bus and swtpm, then removes $work.
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
        stop_pid "${FPV_PID:-}"
        if declare -F dbus_stop >/dev/null; then dbus_stop; fi
        swtpm_stop
        cd /
        rm -rf "$work"
}

# verifierd_plain_setup PLUGIN_DIR: in $work, tenant.conf (auto enrolment with
# $work/tpm-policy.json, every 2 s) and verifierd.conf (plain HTTP on a free
# loopback port, no EK certificate required); sets port, sock and base.
verifierd_plain_setup() {
        port=$(free_port_pair)
        sock=$work/verifierd.sock
        base=http://127.0.0.1:$port
        printf '%s\n' "[Enrolment]" "auto_enrol = yes" "tpm_policy = $work/tpm-policy.json" \
                "interval = 2s" "failure_actions = journal" >"$work/tenant.conf"
        printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" "admin_group = adm" \
                "verifier_url = $base/" "[Registrar]" "require_ek_cert = no" \
                "[Attestation]" "plugin_directory = $1" >"$work/verifierd.conf"
        mkdir -p "$work/state"
}

# verifierd_plain_start VERIFIERD: socket activated on $port and $sock, logging
# to $work/verifierd.log; sets verifierd_pid; fails if it does not answer.
verifierd_plain_start() {
        rm -f "$sock"
        systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
                "$1" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>"$work/verifierd.log" 2>&1 &
        verifierd_pid=$!
        for _ in $(seq 50); do
                curl -sf "$base/version" -o /dev/null && return 0
                sleep 0.1
        done
        return 1
}

# fail_with_logs MESSAGE…: the message and the tails of the daemons' logs in
# the current directory, then exit 1.
fail_with_logs() {
        echo "FAIL: $*" >&2
        for f in verifierd.log agent.log; do [ -f $f ] && { echo "--- $f" >&2; tail -n 60 $f >&2; }; done
        exit 1
}

# write_open_bus_conf FILE: a bus policy that lets everyone call the agent,
# so that refusals can only come from the agent itself.
write_open_bus_conf() {
        cat >"$1" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root"><allow own="org.hostattest.Agent1"/></policy>
  <policy context="default"><allow send_destination="org.hostattest.Agent1"/></policy>
</busconfig>
CONF
}

# verifierd_tls_start VERIFIERD [REGISTRAR_LINE…]: in $work, tpm-policy.json,
# tenant.conf (auto enrolment every 5 s) and verifierd.conf (TLS with the
# server.pem of make_test_ca, verifier_url https://verifier.test:8881/, no EK
# certificate required, plus the given [Registrar] lines), then the verifier
# socket activated on a free port; sets port, sock and verifierd_pid.
verifierd_tls_start() {
        local bin=$1
        shift
        echo '{"0": ["0000000000000000000000000000000000000000000000000000000000000000"]}' >"$work/tpm-policy.json"
        printf '%s\n' "[Enrolment]" "auto_enrol = yes" "tpm_policy = $work/tpm-policy.json" \
                "interval = 5s" "failure_actions = journal" >"$work/tenant.conf"
        printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" "admin_group = adm" \
                "verifier_url = https://verifier.test:8881/" "tls_certificate = $work/server.pem" \
                "tls_key = $work/server.key" "[Registrar]" "require_ek_cert = no" "$@" \
                "[Attestation]" "plugin_directory = $ATTEST_PLUGIN_DIR" >"$work/verifierd.conf"
        port=$(free_port_pair)
        sock=$work/verifierd.sock
        systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
                "$bin" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>"$work/verifierd.log" 2>&1 &
        verifierd_pid=$!
        for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
        curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$port/version" >/dev/null
}
