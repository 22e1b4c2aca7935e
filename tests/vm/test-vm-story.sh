#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole story on a booted machine: a Debian 12 guest under QEMU/KVM with
# OVMF and a swtpm TPM registers with the verifier on the host and attests
# with its real UEFI event log and real IMA log (ima_policy=tcb), under a
# boot policy and a runtime policy made from that machine's own logs; a login
# through pam_attest is allowed; an executable outside the runtime policy
# runs, the verdict turns FAIL naming it, the next login is denied, and the
# verdict stays FAIL. Exits 0 only if every step went as expected.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x
: "${ATTEST_BUILD_ROOT:?}" "${ATTEST_SOURCE_ROOT:?}"
. "$ATTEST_SOURCE_ROOT/tests/vm/vm-lib.sh"

vm_setup
vm_first_boot
vm_reference_policies

step "A login through pam_attest"
out=$(vm_run pamtester hostattest-vm root acct_mgmt) || fail "login refused while PASS: $out"
echo "$out"
ok "pam_attest allows the login"

step "An executable that is not in the runtime policy"
vm_run 'cp /usr/bin/true /usr/local/bin/intruder && printf x >>/usr/local/bin/intruder && /usr/local/bin/intruder' ||
        fail "running the intruder"
wait_for 180 eval '[ "$(node_field verdict)" = FAIL ]' || fail "no FAIL: $(ctl status "$NODE" 2>&1)"
ctl status "$NODE" >"$work/status.txt"
grep -q /usr/local/bin/intruder "$work/status.txt" || fail "the failure does not name the file: $(cat "$work/status.txt")"
grep -E 'FAIL|intruder' "$work/status.txt" | head -n 5
ok "verdict FAIL naming /usr/local/bin/intruder"

wait_for 90 eval 'agent_verdict | grep -q FAIL' || fail "the agent's Verdict: $(agent_verdict)"
out=$(vm_run pamtester hostattest-vm root acct_mgmt) && fail "login allowed while FAIL: $out"
echo "$out"
echo "$out" | grep -q 'FAIL' || fail "the denial does not give the verdict: $out"
ok "pam_attest denies the login"

last=$(node_field last_attestation)
sleep 8
[ "$(node_field verdict)" = FAIL ] || fail "the verdict changed: $(ctl status "$NODE" 2>&1)"
[ "$(node_field last_attestation)" != "$last" ] || fail "no attestation since: $(ctl status "$NODE" 2>&1)"
ok "the verdict stays FAIL over further attestations"
echo PASS
