#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The agent under valgrind against swtpm: every TPM verb, a registration over
# HTTPS, the service on a private bus until SIGTERM, and the push loop
# against attest-verifierd on a measured boot until the node has passed a few
# attestations and then failed for an unlisted file. Any invalid access or
# definite leak fails the run.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
. "$ATTEST_INTEGRATION_DIR/measure.sh"
require_tool valgrind tpm2_makecredential busctl dbus-daemon python3 openssl xxd systemd-socket-activate curl
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_PLUGIN_DIR:?}"
swtpm_start

agent_test_setup
fail() { echo "FAIL: $*" >&2; exit 1; }

vg() {
        local log=$1; shift
        valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
                --show-leak-kinds=definite --track-fds=no --log-file="$log" \
                "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id vg-node "$@"
}
check() {
        local rc=$1 log=$2
        if [ "$rc" = 99 ] || [ -s "$log" ]; then
                cat "$log" >&2
                fail "valgrind reported errors in $log"
        fi
}

rc=0; vg identity.vg identity --out-dir id >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat identity.vg >&2; fail "identity exit $rc"; }
check $rc identity.vg

rc=0; vg quote.vg quote --nonce 0011223344556677 --pcrs sha256:0,1,2,3,4,5,6,7,8,9,10 --out-dir q >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "quote exit $rc"; check $rc quote.vg

rc=0; vg certify.vg certify --challenge 00112233445566778899aabbccddeeff --out-dir c >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "certify exit $rc"; check $rc certify.vg

printf 'abcdefghijklmnopqrstuvwxyz012345' >secret
tpm2_makecredential -T none -e id/ek.pub -s secret -n "$(xxd -p -c 256 id/ak.name)" -o blob >/dev/null 2>&1
rc=0; vg activate.vg activate-credential blob >out 2>/dev/null || rc=$?
[ "$rc" = 0 ] || fail "activate-credential exit $rc"; check $rc activate.vg
cmp -s out secret || fail "activated credential differs"

# A refused activation goes through the error paths.
printf 'not a blob' >junk
rc=0; vg junk.vg activate-credential junk >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "junk blob exit $rc"; check $rc junk.vg

# The service: registration over HTTPS, then D-Bus calls, then SIGTERM.
make_test_ca "$work"
start_fake_registrar "$work" https://v.example:1 || fail "registrar did not start"
dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
# exec: the background job must be valgrind itself, so that SIGTERM reaches it.
(exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --log-file=run.vg \
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id vg-node \
        --registrar "$REG_URL" --ca ca.pem run) >run.log 2>&1 &
agent_pid=$!
dbus_wait_name org.hostattest.Agent1 || { cat run.log run.vg >&2; fail "the agent did not come up"; }
busctl --system --json=short call org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 GetStatus >/dev/null
for _ in $(seq 300); do
        busctl --system get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 State \
                | grep -q '"registered"' && break
        sleep 0.1
done
busctl --system get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 State \
        | grep -q '"registered"' || fail "not registered"
busctl --system call org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 AttestNow >/dev/null 2>&1 || true
kill "$agent_pid"
rc=0; wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" = 0 ] || { cat run.log >&2; check $rc run.vg; fail "run exit $rc"; }
check $rc run.vg

# The push loop on a measured boot (a real UEFI event log and IMA log in the
# TPM): registration with attest-verifierd (auto enrolment on boot and runtime
# policies made from those logs), evidence cycles until three attestations
# passed, then an unlisted file runs and the agent reads the new IMA entry.
stop_pid "$REG_PID"; REG_PID=
uefi_log=$ATTEST_TEST_DATA/eventlog/go-tpm-tools/arch-linux-workstation.bin
ima_log=$work/ima.log
cp "$ATTEST_TEST_DATA/ima/rust-keylime/ascii_runtime_measurements" "$ima_log"
measure_boot "$uefi_log" "$ima_log" || fail "the logs could not be measured into the TPM"
"$ATTESTCTL" policy create-mb "$uefi_log" >boot-policy.json
"$ATTESTCTL" policy create-runtime --from-ima-log "$ima_log" >runtime-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
printf '%s\n' "[Enrolment]" "auto_enrol = yes" "boot_policy = $work/boot-policy.json" \
        "runtime_policy = $work/runtime-policy.json" "interval = 2s" >tenant.conf
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "the verifier does not answer"
passed() {
        "$ATTESTCTL" --admin-socket "$sock" status vg-node --json 2>/dev/null | python3 -c \
                'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["verdict"] == "PASS" and int(d["attestations_passed"]) >= 3))'
}
(exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --log-file=push.vg \
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id vg-node \
        --registrar "$base" --uefi-log "$uefi_log" --ima-log "$ima_log" run) >push.log 2>&1 &
agent_pid=$!
for _ in $(seq 600); do passed && break; sleep 0.2; done
passed || { tail -n 40 push.log verifierd.log >&2; fail "no three passed attestations under valgrind"; }
busctl --system get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 Verdict \
        | grep -q '"PASS"' || fail "the agent's Verdict is not PASS"
measure_exec "$ima_log" /usr/local/bin/not-in-policy >/dev/null || fail "the execution could not be measured"
for _ in $(seq 300); do
        busctl --system get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 Verdict \
                | grep -q '"FAIL"' && break
        sleep 0.2
done
"$ATTESTCTL" --admin-socket "$sock" status vg-node | grep -q 'ima.not_in_policy' ||
        { tail -n 40 push.log verifierd.log >&2; fail "no FAIL for the unlisted file"; }
kill "$agent_pid"
rc=0; wait "$agent_pid" || rc=$?
agent_pid=
[ "$rc" = 0 ] || { cat push.log >&2; check $rc push.vg; fail "push run exit $rc"; }
check $rc push.vg

[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
