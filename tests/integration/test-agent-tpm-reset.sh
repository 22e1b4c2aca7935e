#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The agent keeps its EK and AK loaded between push cycles: while it pushes
# every 2 s the TPM holds exactly those two transient objects, the same two,
# cycle after cycle. swtpm restarted under the agent (a TPM reset: the
# objects are gone), at once and after a few seconds away, does not stop it:
# it loads them again, without leaking the old ones, and the next verdicts
# pass. When only the connection to the TPM fails for a few seconds (the
# TPM keeping its objects), it takes the same two back and loads nothing
# new. Once it has exited, no transient object is left.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon tpm2_getcap
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}"
swtpm_start

agent_test_setup
trap 'stop_pid "${fwd_pid:-}"; agent_test_cleanup' EXIT
fail() { fail_with_logs "$@"; }

# The agent reaches swtpm through a forwarder, which can be stopped while
# swtpm keeps running.
fwd_port=$(free_port_pair)
forward_start() {
        python3 "$ATTEST_INTEGRATION_DIR/tcp-forward.py" "$fwd_port" "$SWTPM_PORT" &
        fwd_pid=$!
        for _ in $(seq 50); do
                TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$fwd_port" tpm2_getrandom 1 >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}
forward_start || fail "the forwarder did not start"

ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
node_json() { ctl status node-reset --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }
passed() { node_json 'd.get("attestations_passed", 0)' || echo 0; }
# wait_passed N SECONDS: until N more attestations passed than now.
wait_passed() {
        local want=$(( $(passed) + $1 ))
        for _ in $(seq $(( $2 * 5 ))); do
                [ "$(passed)" -ge "$want" ] && return 0
                sleep 0.2
        done
        return 1
}

zero=0000000000000000000000000000000000000000000000000000000000000000
echo "{\"15\": [\"$zero\"]}" >tpm-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"
dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
"$ATTEST_AGENT" --tcti "swtpm:host=127.0.0.1,port=$fwd_port" --state-dir "$work/st" --agent-id node-reset \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
wait_passed 1 60 || fail "no passing attestation"

# --- Kept: the same two objects between and during cycles, over many cycles.
kept=$(tpm2_getcap handles-transient)
[ "$(transient_count)" = 2 ] || fail "the TPM holds $(transient_count) transient objects, not the EK and AK"
for _ in $(seq 20); do
        [ "$(tpm2_getcap handles-transient)" = "$kept" ] \
                || fail "the transient objects changed: $(tpm2_getcap handles-transient), were $kept"
        sleep 0.5
done
wait_passed 1 20 || fail "no attestation while watching the handles"
[ "$(grep -c 'no longer holds the EK and AK' agent.log)" = 0 ] || fail "the identity was loaded again without a reset"

# --- swtpm restarted between two commands: loaded again, still passing.
swtpm_restart || fail "swtpm did not come back"
wait_passed 2 60 || fail "no passing attestation after swtpm restarted"
grep -q 'no longer holds the EK and AK' agent.log || fail "the agent did not notice the reset"
[ "$(transient_count)" = 2 ] || fail "$(transient_count) transient objects after the reset, not 2"

# --- swtpm away for a few seconds (cycles fail meanwhile), then back.
resets=$(grep -c 'no longer holds the EK and AK' agent.log)
swtpm_restart 5 || fail "swtpm did not come back"
wait_passed 2 60 || fail "no passing attestation after swtpm was away"
[ "$(grep -c 'no longer holds the EK and AK' agent.log)" -gt "$resets" ] || fail "the agent did not notice the second reset"
[ "$(transient_count)" = 2 ] || fail "$(transient_count) transient objects after the second reset, not 2"
[ "$(node_json 'd["verdict"]')" = PASS ] || fail "verdict $(node_json 'd["verdict"]') after the resets"

# --- The connection lost for a few seconds, the TPM keeping the EK and AK.
kept=$(tpm2_getcap handles-transient)
lost=$(grep -c 'no longer holds the EK and AK' agent.log)
broken=$(grep -c 'The TPM connection failed' agent.log)
stop_pid "$fwd_pid"; fwd_pid=
sleep 5
forward_start || fail "the forwarder did not start again"
wait_passed 2 60 || fail "no passing attestation after the TPM connection came back"
[ "$(grep -c 'The TPM connection failed' agent.log)" -gt "$broken" ] || fail "the agent did not see the connection fail"
[ "$(grep -c 'no longer holds the EK and AK' agent.log)" = "$lost" ] || fail "the agent loaded the EK and AK again"
[ "$(tpm2_getcap handles-transient)" = "$kept" ] \
        || fail "the transient objects changed: $(tpm2_getcap handles-transient), were $kept"
[ "$(node_json 'd["verdict"]')" = PASS ] || fail "verdict $(node_json 'd["verdict"]') after the connection came back"
kill -0 "$agent_pid" 2>/dev/null || fail "the agent exited"

stop_pid "$agent_pid"; agent_pid=
[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM: $(tpm2_getcap handles-transient)"
echo PASS
