#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent on swtpm against registrars behind a TCP forwarder whose backend
# is down (fake-registrar.py in FAKE_REGISTRAR_CLOSE_WHILE mode): every
# connection is accepted and closed before TLS. That is a connection failure,
# not a refusal: the agent stays unregistered, moves on to the next
# registrar URL, retries with backoff, and registers once they answer.
# RequestSecret() made meanwhile waits for the registration, and is refused
# with the reason when the registrar then refuses the node.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool tpm2_makecredential openssl curl python3 busctl dbus-daemon
: "${ATTEST_AGENT:?}"
policy=$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf
swtpm_start

agent_test_setup
trap 'stop_pid "${REG_A_PID:-}"; stop_pid "${REG_B_PID:-}"; agent_test_cleanup' EXIT
fail() {
        echo "FAIL: $*" >&2
        echo "--- agent.log" >&2; tail -n 40 agent.log >&2 || true
        exit 1
}

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
prop() { busctl --system --json=short get-property $NAME $OBJ $NAME "$1" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])' 2>/dev/null; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}

make_test_ca "$work"
start_fake_push_verifier "$work" || fail "the fake verifier did not start"
touch closing
mkdir -p a
cp server.pem server.key a/
FAKE_REGISTRAR_CLOSE_WHILE=$work/closing start_fake_registrar "$work/a" "$FPV_URL" || fail "registrar a did not start"
REG_A_URL=$REG_URL REG_A_PID=$REG_PID
FAKE_REGISTRAR_CLOSE_WHILE=$work/closing start_fake_registrar "$work" "$FPV_URL" || fail "registrar b did not start"
dbus_start "$work/bus" "$policy"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-retry \
        --registrar "$REG_A_URL $REG_URL" --ca "$work/ca.pem" \
        --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"

# --- Connections accepted and closed: retried, never failed.
wait_for 15 eval '[ "$(grep -c CLOSE a/events)" -ge 1 ] && [ "$(grep -c CLOSE events)" -ge 1 ]' \
        || fail "the agent did not try both registrars"
grep -q "Registrar $REG_A_URL does not answer: moving to $REG_URL" agent.log \
        || fail "the agent did not move on from a registrar that closed the connection"
sleep 3
state=$(prop State)
[ "$state" = unregistered ] || fail "State $state while the registrars close connections"
kill -0 "$agent_pid" 2>/dev/null || fail "the agent died"

# --- The backend is back: registered, pushing, PASS.
rm closing
wait_for 30 eval '[ "$(prop State)" = registered ] && [ "$(prop Verdict)" = PASS ]' \
        || fail "no PASS after the registrars answer: State $(prop State), Verdict $(prop Verdict)"
cat a/events events | grep -qx "PUT node-retry ok" || fail "not activated at a registrar"
stop_pid "$agent_pid"; agent_pid=

# --- RequestSecret() while the registrar closes connections waits; when the
# registrar then refuses (403), the call is refused with that reason.
stop_pid "$REG_A_PID"; REG_A_PID=
stop_pid "$REG_PID"; REG_PID=
touch closing
rm -f st/registration
FAKE_REGISTRAR_STATUS=403 FAKE_REGISTRAR_CLOSE_WHILE=$work/closing start_fake_registrar "$work/a" \
        || fail "the refusing registrar did not start"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-retry \
        --registrar "$REG_URL" --ca "$work/ca.pem" \
        --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name again"
busctl --system --timeout=60 call $NAME $OBJ $NAME RequestSecret s disk >early.out 2>early.err &
early_pid=$!
sleep 2
kill -0 "$early_pid" 2>/dev/null || fail "RequestSecret() during the registration did not wait: $(cat early.err)"
rm closing
wait_for 20 eval '[ "$(prop State)" = failed ]' || fail "State $(prop State) after a 403 of the registrar"
wait "$early_pid" && fail "RequestSecret() answered $(cat early.out) after the registration failed"
grep -q "The registration failed: Operation not permitted" early.err \
        || fail "refusal after the registration failed: $(cat early.err)"
stop_pid "$agent_pid"; agent_pid=
[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
