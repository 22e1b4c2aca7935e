#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: attest-agent on swtpm registers with attest-verifierd (socket
# activated, plain HTTP on loopback), is auto-enrolled with a TPM policy and
# pushes evidence; the node reaches PASS in attestctl and on the agent's bus
# object; extending the policy's PCR makes it FAIL with the tpm engine's
# reason. A restarted agent keeps its AK and registration; a verifier killed
# and restarted finds the agent pushing again by itself; a node removed at the
# verifier registers again with the same AK; attest_count = 1 ends in
# TERMINATED on both sides. The agent's Result property carries the
# verifier's signed result of each verdict, and GetResult() a fresh one.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon tpm2_pcrextend
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}"
policy=$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
prop() { busctl --system --json=short get-property $NAME $OBJ $NAME "$1" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])' 2>/dev/null; }
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
node_json() { ctl status node-e2e --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# wait_for SECONDS CMD…: polls CMD every 0.2 s.
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}

zero=0000000000000000000000000000000000000000000000000000000000000000
tpm2_pcrread sha256:15 | grep -qiE "^ *15 *: *0x$zero\$" \
        || fail "PCR 15 of a fresh swtpm is not zero"
echo "{\"15\": [\"$zero\"]}" >tpm-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
start_verifierd() { verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"; }
start_agent() {
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-e2e \
                --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run \
                >>agent.log 2>&1 &
        agent_pid=$!
        dbus_wait_name $NAME || fail "the agent did not take its bus name"
}
is_verdict() { [ "$(node_json 'd["verdict"]')" = "$1" ] && [ "$(prop Verdict)" = "$1" ]; }
# The tpm submodule status of a signed result that verifies against the verifier's keys.
tpm_status() {
        echo "$1" > result.jwt
        "$ATTESTCTL" result verify result.jwt --jwks "$base/.well-known/jwks.json" --json \
                | python3 -c 'import json,sys; print(json.load(sys.stdin)["submods"]["tpm"]["ear.status"])'
}
get_result() { busctl --system --json=short --timeout=30 call $NAME $OBJ $NAME GetResult \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0])'; }

dbus_start "$work/bus" "$policy"
start_verifierd
start_agent

# --- Registered, enrolled, PASS on both sides.
wait_for 30 is_verdict PASS || fail "no PASS: $(ctl status node-e2e; prop Verdict)"
[ "$(prop State)" = attesting ] || [ "$(prop State)" = registered ] || fail "agent State $(prop State)"
ak_name() { busctl --system --json=short call $NAME $OBJ $NAME GetStatus \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["AKName"]["data"])'; }
ak=$(ak_name)
echo "$ak" | grep -Eq '^000b[0-9a-f]{64}$' || fail "AKName $ak"
result_pass=$(prop Result)
[ "$(tpm_status "$result_pass")" = affirming ] || fail "Result of a pass: $result_pass"
fresh=$(get_result) || fail "GetResult()"
[ "$fresh" != "$result_pass" ] && [ "$(tpm_status "$fresh")" = affirming ] || fail "GetResult() gave no fresh result"

# --- A restarted agent: same AK, no second registration, PASS again.
stop_pid "$agent_pid"; agent_pid=
seen=$(node_json 'd["last_attestation"]')
start_agent
[ "$(ak_name)" = "$ak" ] || fail "the AK changed over a restart"
wait_for 20 grep -q "Already registered as node-e2e" agent.log || fail "no registration check after the restart"
[ "$(grep -c 'Registered and activated as node-e2e' agent.log)" = 1 ] || fail "registered again after a restart"
[ "$(node_json 'd["regcount"]')" = 1 ] || fail "regcount $(node_json 'd["regcount"]') after a restart"
wait_for 20 eval '[ "$(node_json "d[\"last_attestation\"]")" != "$seen" ]' || fail "no attestation after the restart"
is_verdict PASS || fail "not PASS after the restart"

# --- The verifier killed (SIGKILL) and restarted: the agent comes back by itself.
kill -9 "$verifierd_pid"; wait "$verifierd_pid" 2>/dev/null || true; verifierd_pid=
wait_for 20 grep -q "unreachable" agent.log || fail "the agent did not notice the verifier going away"
start_verifierd
seen=$(node_json 'd["last_attestation"]')
wait_for 60 eval '[ "$(node_json "d[\"last_attestation\"]")" != "$seen" ]' || fail "no attestation after the verifier restart"
is_verdict PASS || fail "not PASS after the verifier restart"
[ "$(ak_name)" = "$ak" ] || fail "the AK changed over a verifier restart"

# --- The node removed at the verifier: the agent drops its stale record and
# registers again with the same AK, then passes again.
# The agent is down meanwhile, so that it comes back trusting its saved record.
stop_pid "$agent_pid"; agent_pid=
ctl remove node-e2e >/dev/null || fail "attestctl remove"
start_agent
wait_for 60 grep -q "registering again with the same AK" agent.log || fail "the agent did not register again after removal"
wait_for 30 eval '[ "$(grep -c "Registered and activated as node-e2e" agent.log)" = 2 ]' || fail "no second registration"
wait_for 30 is_verdict PASS || fail "no PASS after re-registration: $(ctl status node-e2e; prop Verdict)"
[ "$(ak_name)" = "$ak" ] || fail "the AK changed over a re-registration"

# --- The measured PCR changes: FAIL with the tpm engine's reason.
tpm2_pcrextend "15:sha256=$(printf e2e | sha256sum | cut -d' ' -f1)"
wait_for 30 is_verdict FAIL || fail "no FAIL after extending PCR 15: $(ctl status node-e2e; prop Verdict)"
ctl status node-e2e --json >status.json
grep -q '"tpm.pcr_15"' status.json || fail "no tpm.pcr_15 failure in the status: $(cat status.json)"
ctl status node-e2e | grep -q 'tpm.pcr_15' || fail "no tpm.pcr_15 in the human status"
prop FailureReasons >reasons
[ -s reasons ] && [ "$(cat reasons)" != "[]" ] || fail "no FailureReasons on the bus"
[ "$(tpm_status "$(prop Result)")" = contraindicated ] || fail "Result of a failure: $(prop Result)"

# --- attest_count = 1: one more pass (policy now expects the new PCR 15),
# then TERMINATED at the verifier and "terminated" at the agent.
pcr15=$(tpm2_pcrread sha256:15 | sed -n 's/^ *15 *: *0x\([0-9A-Fa-f]*\)$/\1/p' | tr A-F a-f)
echo "{\"15\": [\"$pcr15\"]}" >tpm-policy.json
ctl enrol node-e2e --force --tpm-policy tpm-policy.json --attest-count 1 >/dev/null || fail "attestctl enrol --force --attest-count 1"
wait_for 30 eval '[ "$(prop State)" = terminated ]' || fail "agent State $(prop State), not terminated"
ctl status node-e2e | grep -q "State: TERMINATED" || fail "node not TERMINATED: $(ctl status node-e2e)"
ctl status node-e2e | grep -q "Verdict: PASS" || fail "the one attestation did not pass"

[ "$(transient_count)" -le 2 ] || fail "more than the EK and AK loaded: $(tpm2_getcap handles-transient)"
stop_pid "$agent_pid"; agent_pid=
[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
