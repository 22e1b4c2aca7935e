#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# libcryptsetup-token-attest.so through the real attest-agent (swtpm,
# attest-verifierd): the volume opens with the released secret while the
# host passes, not after PCR 15 changes, and falls back to the passphrase
# with the agent down. Runs in a private mount namespace, as
# test-luks-token.sh, to put the plugin where libcryptsetup looks.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/luks-token.sh"
luks_test_enter_namespace "$0" "$@"
. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon tpm2_pcrextend
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${TOKEN_ATTEST_MODULE:?}"
token_dir_find
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }
ok() { echo "ok - $*"; }
token_plugin_mount "$work/tokens"

NAME=org.hostattest.Agent1
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
verdict() { ctl status node-luks --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' 2>/dev/null; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}

echo '{"15": ["0000000000000000000000000000000000000000000000000000000000000000"]}' >tpm-policy.json
verifierd_plain_setup "$ATTEST_PLUGIN_DIR"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secret.key
printf '%s\n' "[Secrets]" "key_file = $work/secret.key" "max_age = 60s" >>verifierd.conf
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"
dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-luks \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"
wait_for 30 eval '[ "$(verdict)" = PASS ]' || fail "no PASS: $(ctl status node-luks)"

img=$work/disk.img
truncate -s 20M "$img"
printf 'recovery-passphrase' >recovery.key
head -c 32 /dev/urandom | base64 | tr -d '\n' >disk.key
fast=(--batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000)
cryptsetup luksFormat "${fast[@]}" --type luks2 --key-file recovery.key "$img"
cryptsetup luksAddKey "${fast[@]}" --key-file recovery.key --new-key-slot 1 "$img" disk.key
echo '{"type":"attest","keyslots":["1"],"attest-secret":"disk","attest-timeout":20}' \
        | cryptsetup token import --token-id 0 "$img"
ctl secret add node-luks disk <disk.key || fail "attestctl secret add"

unlock() { cryptsetup open --test-passphrase --token-only --token-type attest "$img" 2>err; }
unlock && ok "unlocked through the agent while the host passes" || fail "unlock: $(cat err)"

tpm2_pcrextend "15:sha256=$(printf tamper | sha256sum | cut -d' ' -f1)"
unlock && fail "unlocked after tampering"
grep -q "does not attest (FAIL" err && ok "refused after tampering: $(tr '\n' ' ' <err)" \
        || fail "refusal after tampering: $(cat err)"

stop_pid "$agent_pid"; agent_pid=
unlock && fail "unlocked with the agent down"
grep -q "does not attest" err && fail "agent down reported as a refusal"
cryptsetup open --test-passphrase --token-type attest "$img" <recovery.key 2>err \
        && ok "falls back to the passphrase with the agent down" || fail "no fallback: $(cat err)"
umount "$tokendir"
echo PASS
