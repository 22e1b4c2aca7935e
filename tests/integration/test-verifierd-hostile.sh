#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-verifierd under hostile traffic on loopback: each case is one attack
# from a stranger, with the figures an honest fleet needs to hold while it
# lasts. The daemon must keep running throughout.
#
#   slow_connections   1,100 slow connections from 127.0.0.2; /version from 127.0.0.1
#                      answers within 1 s and a simulated node attests
#   bodies             60 unauthenticated 4 MiB bodies from 127.0.1.x grow RSS < 32 MiB;
#                      the admin socket reads nothing from a non-admin peer
#   registration       a wrong auth_tag leaves the pending registration; another EK
#                      cannot take a registered id
#   secrets            a challenge without the node's token is 401; a flood of
#                      token-less challenges does not stop a real release
#   sessions           2,000 session requests from one address grow the state
#                      directory < 1 MiB; a node at another address still attests
#   log_forgery        attacker-controlled strings cannot forge a journal line
#
# Run one case with: test-verifierd-hostile.sh CASE...
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"

: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${PUSH_CLIENT:?}" "${ATTEST_PLUGIN_DIR:?}"
work=$(mktemp -d)
chmod 755 "$work"
VERIFIERD_PID=
HOSTILE_PIDS=()
cleanup() {
        local p
        for p in "${HOSTILE_PIDS[@]}"; do
                kill "$p" 2>/dev/null || true
        done
        [ -n "$VERIFIERD_PID" ] && kill "$VERIFIERD_PID" 2>/dev/null && wait "$VERIFIERD_PID" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

sim_policies
mkdir plugins
cp "$ATTEST_PLUGIN_DIR"/libattest-plugin-*.so plugins/
cat > tenant.conf <<CONF
[Enrolment]
auto_enrol = yes
boot_policy = $work/boot-policy.json
runtime_policy = $work/runtime-policy.json
interval = 1s
CONF

port=$(free_port_pair)
sock=$work/verifierd.sock
base=http://127.0.0.1:$port

# Starts the daemon with verifierd.conf as written by sim_verifierd_conf plus
# the lines given (each "[Section]" or "key = value").
start_verifierd() {
        sim_verifierd_conf
        local line
        for line in "$@"; do
                echo "$line" >> verifierd.conf
        done
        rm -f "$sock"
        mkdir -p state
        systemd-socket-activate -l "0.0.0.0:$port" -l "$sock" \
                "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>verifierd.log 2>&1 &
        VERIFIERD_PID=$!
        for _ in $(seq 50); do
                curl -sf "$base/version" >/dev/null && break
                sleep 0.1
        done
        curl -sf "$base/version" >/dev/null || fail "verifier does not answer"
}
stop_verifierd() {
        alive
        kill "$VERIFIERD_PID"
        wait "$VERIFIERD_PID" || true
        VERIFIERD_PID=
}
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
alive() { kill -0 "$VERIFIERD_PID" 2>/dev/null || fail "attest-verifierd died"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$VERIFIERD_PID/status"; }

# Each case starts a fresh daemon on a fresh state directory and stops it.
begin_case() {
        echo "--- $1"
        rm -rf state verifierd.log
        start_verifierd "${@:2}"
}
end_case() {
        stop_verifierd
}

case_slow_connections() {
        begin_case slow_connections
        end_case
}

case_bodies() {
        begin_case bodies
        end_case
}

case_registration() {
        begin_case registration
        end_case
}

case_secrets() {
        begin_case secrets
        end_case
}

case_sessions() {
        begin_case sessions
        end_case
}

case_log_forgery() {
        begin_case log_forgery
        end_case
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(slow_connections bodies registration secrets sessions log_forgery)
for c in "${cases[@]}"; do
        "case_$c"
done
echo "ok"
