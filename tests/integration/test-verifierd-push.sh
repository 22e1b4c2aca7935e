#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Push attestation against attest-verifierd with simulated nodes (push-client:
# software EK/AK, real quotes, a real UEFI log, growing IMA logs): a passing
# node; each broken evidence chain and a file outside the runtime policy fail
# with their own reason and a later pass recovers; a file outside the runtime
# policy keeps the node failing, with the same failure id, until its policy
# allows the file, the operator reactivates it or it reboots; liveness TIMEOUT and
# recovery; attest_count = 1 ends in TERMINATED and 410; broken plugins in the
# plugin directory and a missing engine do not take the daemon down.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"

: "${ATTEST_BAD_PLUGIN_DIR:?}"
sim_work

# --- Policies: the UEFI log the simulated nodes boot with, the files they run, PCR 15 untouched.
sim_policies
echo '{"15": ["0000000000000000000000000000000000000000000000000000000000000000"]}' > tpm-policy.json

# --- Plugins: the built ones, plus plugins with a wrong ABI and other defects.
mkdir plugins
cp "$ATTEST_PLUGIN_DIR"/libattest-plugin-*.so plugins/
for p in bad-abi bad-info-size bad-kind bad-name no-entry; do
        cp "$ATTEST_BAD_PLUGIN_DIR/libattest-plugin-$p.so" plugins/
done

write_tenant() {   # attest_count
        cat > tenant.conf <<CONF
[Enrolment]
auto_enrol = yes
tpm_policy = $work/tpm-policy.json
boot_policy = $work/boot-policy.json
runtime_policy = $work/runtime-policy.json
attest_count = $1
interval = 1s
failure_actions = journal
CONF
}
write_tenant 0
sim_verifierd_conf "history_retention = 5"

start_verifierd() { sim_verifierd_start; }
alive() { kill -0 "$VERIFIERD_PID" 2>/dev/null || fail "attest-verifierd died"; }

mkdir -p state
start_verifierd
grep -q "bad-abi" verifierd.log || fail "the plugin with a wrong ABI was not reported"

# --- A passing node, its history, the node and admin views.
"$PUSH_CLIENT" run "$base" pass node-pass || fail "pass scenario"
# Every answer of that exchange, decoded as Keylime's Rust push agent decodes it.
mkdir answers
SIM_ANSWERS_DIR=$work/answers "$PUSH_CLIENT" run "$base" pass node-answers || fail "pass scenario, answers kept"
python3 "$ATTEST_INTEGRATION_DIR/keylime-answer-check.py" answers || fail "answers the Rust Keylime agent would refuse"
ctl status node-pass | grep -q "Verdict: PASS" || fail "status of node-pass: $(ctl status node-pass)"
ctl status node-pass | grep -q "Last result: pass" || fail "status shows no last result"
[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" "http://l/v3.0/agents/node-pass/attestations/latest")" = 200 ] \
        || fail "admin GET of the latest attestation"

# --- Each broken chain and a file outside the policy, with their reasons; history retention.
"$PUSH_CLIENT" run "$base" spoils node-spoils || fail "spoils scenario"
ctl status node-spoils | grep -q "Verdict: FAIL" || fail "status of node-spoils"
ctl status node-spoils | grep -q "policy_violation" || fail "status shows no failure reason"
n=$(curl -s --unix-socket "$sock" "http://l/v3.0/agents/node-spoils/attestations" \
        | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
[ "$n" = 5 ] || fail "history_retention = 5 kept $n attestations"
alive

# --- Liveness: TIMEOUT after 5 intervals, recovered by the next pass.
cat > hook.sh <<HOOK
#!/bin/sh
case "\$1" in
timeout) "$ATTESTCTL" --admin-socket "$sock" status node-live | grep -q "Verdict: TIMEOUT" ;;
recovered) "$ATTESTCTL" --admin-socket "$sock" status node-live | grep -q "Verdict: PASS" ;;
esac
HOOK
chmod +x hook.sh
PUSH_CLIENT_HOOK=$work/hook.sh "$PUSH_CLIENT" run "$base" timeout node-live || fail "timeout scenario"

# --- A file outside the runtime policy: the node stays FAIL with the same failure
# id until its policy allows the file, the operator reactivates it, or it reboots.
{ cat ima.log; "$PUSH_CLIENT" ima-log /tmp/sticky 200; } > allow.log
"$ATTESTCTL" policy create-runtime --from-ima-log allow.log > allow-policy.json
cat > sticky-hook.sh <<HOOK
#!/bin/sh
ctl() { "$ATTESTCTL" --admin-socket "$sock" "\$@"; }
case "\$1" in
fail) ctl status node-sticky | grep -q "Verdict: FAIL" ;;
allow) ctl update node-sticky --runtime-policy "$work/allow-policy.json" >/dev/null ;;
disallow) ctl update node-sticky --runtime-policy "$work/runtime-policy.json" >/dev/null ;;
reactivate) ctl reactivate node-sticky >/dev/null ;;
pending) ctl status node-sticky | grep -q "Verdict: PENDING" ;;
esac
HOOK
chmod +x sticky-hook.sh
PUSH_CLIENT_HOOK=$work/sticky-hook.sh "$PUSH_CLIENT" run "$base" sticky node-sticky || fail "sticky scenario"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --unix-socket "$sock" "http://l/v2.1/agents/node-sticky/reactivate")" = 200 ] \
        || fail "keylime_tenant's reactivate"
ctl status node-sticky | grep -q "Verdict: PASS" || fail "reactivate changed a passing node: $(ctl status node-sticky)"

# --- Verdicts survive a restart; attest_count = 1 terminates the next node.
sim_verifierd_stop
write_tenant 1
start_verifierd
ctl status node-spoils | grep -q "Last result: fail (policy_violation)" || fail "verdict lost over a restart"
"$PUSH_CLIENT" run "$base" count1 node-once || fail "count1 scenario"
ctl status node-once | grep -q "State: TERMINATED" || fail "node-once is not TERMINATED"
ctl status node-once | grep -q "Verdict: PASS" || fail "node-once did not end passing"

# --- A missing engine: its nodes fail, the daemon serves on.
sim_verifierd_stop
rm plugins/libattest-plugin-ima.so
write_tenant 0
start_verifierd
"$PUSH_CLIENT" run "$base" engine-missing node-noima || fail "engine-missing scenario"
alive
grep -q "no policy engine plugin 'ima'" verifierd.log || fail "the missing engine was not reported"
echo "ok"
