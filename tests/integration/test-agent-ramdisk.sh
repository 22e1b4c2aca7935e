#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A node enrolled for one attestation (attest_count = 1, as for a RAMDISK
# boot): after its single pass the verifier marks it TERMINATED and the agent
# stops pushing, yet the LUKS2 volume enrolled with 'attestctl luks enroll'
# still opens through the agent while the secret's max_age lasts. Runs in a
# private mount namespace, as test-agent-luks.sh.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/luks-token.sh"
luks_test_enter_namespace "$0" "$@"
. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${TOKEN_ATTEST_MODULE:?}"
token_dir_find
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }
ok() { echo "ok - $*"; }
token_plugin_mount "$work/tokens"

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
NODE=node-ramdisk
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
field() { ctl status $NODE --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])" 2>/dev/null; }
agent_state() { busctl --system --json=short get-property $NAME $OBJ $NAME State \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])'; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}

echo '{"15": ["0000000000000000000000000000000000000000000000000000000000000000"]}' >tpm-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
echo "attest_count = 1" >>tenant.conf
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secret.key
printf '%s\n' "[Secrets]" "key_file = $work/secret.key" "max_age = 60s" >>verifierd.conf
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"
dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id $NODE \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"

# The single pass ends attestation on both sides.
wait_for 30 eval '[ "$(field state)" = TERMINATED ]' || fail "not TERMINATED: $(ctl status $NODE)"
[ "$(field verdict)" = PASS ] || fail "last verdict: $(ctl status $NODE)"
[ "$(field attestations_passed)" = 1 ] || fail "passes: $(ctl status $NODE)"
ok "TERMINATED after one pass"
wait_for 10 eval '[ "$(agent_state)" = terminated ]' || fail "agent State: $(agent_state)"
ok "agent State terminated"

img=$work/disk.img
truncate -s 20M "$img"
printf 'recovery-passphrase' >recovery.key
cryptsetup luksFormat --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --type luks2 \
        --key-file recovery.key "$img"
ctl luks enroll "$img" --secret disk --node $NODE --unlock-key-file recovery.key >enroll.out 2>&1 \
        || fail "attestctl luks enroll: $(cat enroll.out)"
cryptsetup token export --token-id 0 "$img" | grep -q '"attest"' || fail "no attest token written"

cryptsetup open --test-passphrase --token-only --token-type attest "$img" 2>err \
        && ok "a terminated node still unlocks within max_age" || fail "unlock after termination: $(cat err)"

passed=$(field attestations_passed) last=$(field last_attestation)
sleep 5
[ "$(field attestations_passed)" = "$passed" ] && [ "$(field last_attestation)" = "$last" ] \
        || fail "the agent kept pushing: $(ctl status $NODE)"
[ "$(field state)" = TERMINATED ] || fail "state changed: $(ctl status $NODE)"
ok "no further attestation after termination"
umount "$tokendir"
echo PASS
