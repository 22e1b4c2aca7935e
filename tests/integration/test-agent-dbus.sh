#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# org.hostattest.Agent1 on a private system-like bus with the shipped policy:
# properties and GetStatus readable by anyone, AttestNow refused to a non-root
# caller (by the bus policy, and by the agent itself on a bus that lets the
# call through), no faked verdict for root, registration reflected in State
# and VerifierURL, a clean exit on SIGTERM.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool busctl dbus-daemon dbus-send dbus-monitor setpriv python3 tpm2_makecredential
policy=$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf
swtpm_start

agent_test_setup
fail() { echo "FAIL: $*" >&2; [ -f agent.log ] && tail -20 agent.log >&2; exit 1; }

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
prop() { busctl --system --json=short get-property $NAME $OBJ $NAME "$1"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# Registration runs in the background: waits (10 s at most) for property $1 to be $2.
wait_prop() {
        for _ in $(seq 100); do
                [ "$(prop "$1" | json 'd["data"]')" = "$2" ] && return 0
                sleep 0.1
        done
        return 1
}

start_agent() {
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id test-node "$@" run \
                >>agent.log 2>&1 &
        agent_pid=$!
        dbus_wait_name $NAME || fail "the agent did not take its bus name"
}

dbus_start "$work/bus" "$policy"
start_agent

# Properties, for root and for anyone.
[ "$(prop NodeId | json 'd["data"]')" = test-node ] || fail "NodeId"
[ "$(prop State | json 'd["data"]')" = unregistered ] || fail "State without a registrar"
[ "$(prop Verdict | json 'd["data"]')" = UNKNOWN ] || fail "a verdict without a verifier"
[ "$(prop LastAttestation | json 'd["type"] + str(d["data"])')" = t0 ] || fail "LastAttestation"
[ "$(prop FailureReasons | json 'd["type"] + str(d["data"])')" = 'as[]' ] || fail "FailureReasons"
[ "$(prop VerifierURL | json 'd["data"]')" = "" ] || fail "VerifierURL"
[ "$(prop Result | json 'd["data"]')" = "" ] || fail "a signed result without a verifier"
[ "$(nobody busctl --system --json=short get-property $NAME $OBJ $NAME State | json 'd["data"]')" = unregistered ] \
        || fail "State not readable by an unprivileged caller"

status=$(nobody busctl --system --json=short call $NAME $OBJ $NAME GetStatus)
[ "$(echo "$status" | json 'd["data"][0]["NodeId"]["data"]')" = test-node ] || fail "GetStatus NodeId"
echo "$status" | json 'd["data"][0]["AKName"]["data"]' | grep -Eq '^000b[0-9a-f]{64}$' || fail "GetStatus AKName"

# The interface is what the man page says.
busctl --system introspect $NAME $OBJ $NAME >introspect
for m in .GetStatus .AttestNow .GetResult .VerdictChanged .NodeId .State .Verdict .LastAttestation .FailureReasons \
         .VerifierURL .Result; do
        grep -q "^\\$m " introspect || fail "introspection lacks $m"
done

# GetResult: allowed to anyone by the bus policy; without a verifier, an error.
if nobody busctl --system call $NAME $OBJ $NAME GetResult >out 2>err; then
        fail "GetResult without a verifier"
fi
grep -q "verifier" err || fail "GetResult without a verifier: $(cat err)"

# AttestNow: refused to nobody (here by the bus policy); root gets an error,
# not an invented verdict. dbus-send shows the error name and text verbatim.
if nobody busctl --system call $NAME $OBJ $NAME AttestNow >out 2>err; then
        fail "AttestNow allowed for an unprivileged caller"
fi
grep -qi "denied" err || fail "unexpected refusal: $(cat err)"
if nobody dbus-send --system --print-reply --dest=$NAME $OBJ $NAME.AttestNow >out 2>err; then
        fail "AttestNow allowed for an unprivileged caller"
fi
grep -q "Rejected send message" err || fail "the bus policy did not refuse AttestNow: $(cat err)"
if busctl --system call $NAME $OBJ $NAME AttestNow >out 2>err; then
        fail "AttestNow returned a verdict: $(cat out)"
fi
grep -q "No verifier is configured" err || fail "AttestNow error: $(cat err)"

# SIGTERM: a clean exit.
kill "$agent_pid"
rc=0; wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
dbus_stop

# A bus whose policy lets everyone call everything: the agent refuses on its own.
write_open_bus_conf open.conf
dbus_start "$work/openbus" open.conf
start_agent --verifier https://verifier.example:8881
if nobody dbus-send --system --print-reply --dest=$NAME $OBJ $NAME.AttestNow >out 2>err; then
        fail "AttestNow allowed for an unprivileged caller on an open bus"
fi
grep -q "org.freedesktop.DBus.Error.AccessDenied: Only root may call AttestNow" err || fail "refusal did not come from the agent: $(cat err)"
busctl --system call $NAME $OBJ $NAME AttestNow >out 2>err && fail "AttestNow returned a verdict"
grep -q "Verifier https://verifier.example:8881 unreachable" err || fail "AttestNow with an unreachable verifier: $(cat err)"
[ "$(prop VerifierURL | json 'd["data"]')" = https://verifier.example:8881 ] || fail "VerifierURL from --verifier"
stop_pid "$agent_pid"; agent_pid=

# With a registrar: State and VerifierURL follow the activation.
make_test_ca "$work"
start_fake_registrar "$work" https://v2.example:8881 || fail "registrar did not start"
start_agent --registrar "$REG_URL" --ca ca.pem
wait_prop State registered || fail "State after registration"
[ "$(prop VerifierURL | json 'd["data"]')" = https://v2.example:8881 ] || fail "VerifierURL from the activation"
grep -qx 'PUT test-node ok' events || fail "activation not seen by the registrar"
stop_pid "$agent_pid"; agent_pid=

# The registrar away at start: unregistered, then registered once it is back,
# without intervention.
stop_pid "$REG_PID"; REG_PID=
rm -rf st
late_port=$(free_port_pair)
start_agent --registrar "https://127.0.0.1:$late_port" --ca ca.pem
wait_prop State unregistered || fail "State with the registrar away"
dbus-monitor --system "type='signal',path='$OBJ',interface='org.freedesktop.DBus.Properties'" >monitor.log 2>&1 &
monitor_pid=$!
sleep 0.3
FAKE_REGISTRAR_PORT=$late_port start_fake_registrar "$work" https://late.example:8881 || fail "registrar did not start"
wait_prop State registered || fail "no registration after the registrar came back"
[ "$(prop VerifierURL | json 'd["data"]')" = https://late.example:8881 ] || fail "VerifierURL after the retry"
grep -q "Retrying registration" agent.log || fail "no retry logged"
stop_pid "$monitor_pid"
# PropertiesChanged carried the new State and VerifierURL.
grep -A3 '"State"' monitor.log | grep -q '"registered"' || fail "no PropertiesChanged for State: $(cat monitor.log)"
grep -A3 '"VerifierURL"' monitor.log | grep -q 'late.example' || fail "no PropertiesChanged for VerifierURL"
stop_pid "$agent_pid"; agent_pid=

# A registrar that accepts connections and never answers: the bus stays
# served meanwhile, and SIGTERM still ends the agent promptly.
stop_pid "$REG_PID"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)' silent.port &
REG_PID=$!
for _ in $(seq 100); do [ -f silent.port ] && break; sleep 0.05; done
rm -rf st
start_agent --registrar "https://127.0.0.1:$(cat silent.port)" --ca ca.pem
sleep 1
state=$(timeout 5 busctl --system --json=short get-property $NAME $OBJ $NAME State | json 'd["data"]') \
        || fail "the bus is not served while the registrar hangs"
[ "$state" = starting ] || fail "State while registering: $state"
t0=$(date +%s)
kill "$agent_pid"
rc=0; wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM during a registration"
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "SIGTERM took more than 5 s during a registration"
stop_pid "$REG_PID"; REG_PID=

[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
