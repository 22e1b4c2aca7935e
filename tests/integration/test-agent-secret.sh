#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# RequestSecret() through a real attest-agent on swtpm and attest-verifierd:
# root gets the secret stored with attestctl secret add, unwrapped in the
# TPM after a fresh attestation; an unprivileged caller is refused by the
# agent itself (the bus here lets anyone call); a call made while the agent
# still registers (the verifier down) waits and gets the secret once it is
# up; after PCR 15 changes the fresh attestation fails and the secret is
# refused with its reason.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon dbus-send setpriv tpm2_pcrextend
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}"
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }
ok() { echo "ok - $*"; }

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
verdict() { ctl status node-sec --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' 2>/dev/null; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}
# request NAME: the secret's bytes on stdout, the bus error on stderr.
request() {
        local reply
        reply=$(busctl --system --json=short call $NAME $OBJ $NAME RequestSecret s "$1") || return 1
        echo "$reply" | python3 -c 'import json,sys; sys.stdout.buffer.write(bytes(json.load(sys.stdin)["data"][0]))'
}

zero=0000000000000000000000000000000000000000000000000000000000000000
echo "{\"15\": [\"$zero\"]}" >tpm-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secret.key
printf '%s\n' "[Secrets]" "key_file = $work/secret.key" "max_age = 60s" >>verifierd.conf
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"

# A bus that lets anyone call the agent: refusals must come from the agent.
write_open_bus_conf open.conf
dbus_start "$work/bus" open.conf
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-sec \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"
wait_for 30 eval '[ "$(verdict)" = PASS ]' || fail "no PASS: $(ctl status node-sec)"

printf 'disk-secret\001\000\377-value' >expected
ctl secret add node-sec disk <expected || fail "attestctl secret add"
request disk >got 2>err || fail "RequestSecret as root: $(cat err)"
cmp -s got expected && ok "root gets the secret bytes" || fail "secret differs: $(od -c got)"
grep -q "Released the secret disk" agent.log || fail "no release in the journal"
grep -q 'disk-secret' agent.log && fail "the secret was logged"

nobody dbus-send --system --print-reply --dest=$NAME $OBJ $NAME.RequestSecret string:disk >out 2>err \
        && fail "nobody got the secret"
grep -q "Only root may call RequestSecret" err && ok "unprivileged caller refused by the agent" \
        || fail "refusal for nobody: $(cat err)"
request ../x >out 2>err && fail "a bad name was accepted"
grep -qi "invalid secret name" err && ok "bad name refused" || fail "bad name: $(cat err)"
request other >out 2>err && fail "an unknown secret was released"
grep -q "The verifier refused the secret other" err && ok "unknown secret refused" || fail "unknown secret: $(cat err)"

# Asked while the agent still registers (the verifier down at boot): the call
# waits, and gets the secret once the agent has registered and attested.
stop_pid "$agent_pid"; agent_pid=
stop_pid "$verifierd_pid"; verifierd_pid=
rm -f "$work/st/registration"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-sec \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not come back on the bus"
busctl --system --json=short --timeout=90 call $NAME $OBJ $NAME RequestSecret s disk >early.json 2>early.err &
early_pid=$!
sleep 3
kill -0 "$early_pid" 2>/dev/null || fail "RequestSecret() before the registration did not wait: $(cat early.err)"
state=$(busctl --system get-property $NAME $OBJ $NAME State)
[ "$state" = 's "unregistered"' ] || fail "State $state while the verifier is down"
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer after its restart"
wait "$early_pid" || fail "RequestSecret() before the registration: $(cat early.err)"
python3 -c 'import json,sys; sys.stdout.buffer.write(bytes(json.load(sys.stdin)["data"][0]))' <early.json >got
cmp -s got expected && ok "a call made before the registration waits and gets the secret" \
        || fail "secret after waiting differs: $(od -c got)"

# The policy's PCR changes: the fresh attestation fails, no secret.
tpm2_pcrextend "15:sha256=$(printf tamper | sha256sum | cut -d' ' -f1)"
dbus-send --system --print-reply --dest=$NAME $OBJ $NAME.RequestSecret string:disk >out 2>err \
        && fail "a failing host got the secret"
grep -q "Error.AttestationFailed: The host does not attest (FAIL: .*tpm.pcr_15" err \
        && ok "refused after tampering: $(cat err)" || fail "refusal after tampering: $(cat err)"
[ -s out ] && fail "bytes returned with the refusal"

[ "$(transient_count)" -le 2 ] || fail "more than the EK and AK loaded: $(tpm2_getcap handles-transient)"
stop_pid "$agent_pid"; agent_pid=
[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
