#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# libcryptsetup-token-attest.so driven by the real cryptsetup on a LUKS2
# image file, against a stand-in agent on a private bus: unlock while the
# host passes, a clear refusal when it does not, and a clean fallback to the
# passphrase when the agent is down. libcryptsetup loads token plugins only
# from its compiled-in directory, so the test runs in a private mount
# namespace with a directory holding the plugin mounted over that one.
set -euo pipefail

. "$(dirname "$0")/luks-token.sh"
luks_test_enter_namespace "$0" "$@"

. "$(dirname "$0")/dbus.sh"

work=$(mktemp -d)
trap 'dbus_stop; umount "$tokendir" 2>/dev/null || true; rm -rf "$work"' EXIT
token_dir_find
token_plugin_mount "$work/tokens"

dbus_start
trap 'dbus_stop; umount "$tokendir" 2>/dev/null || true; rm -rf "$work"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

img=$work/disk.img
truncate -s 20M "$img"
printf 'recovery-passphrase' >"$work/recovery.key"
printf 'released-by-verifier' >"$work/attest.key"
fast=(--batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000)
cryptsetup luksFormat "${fast[@]}" --type luks2 --key-file "$work/recovery.key" "$img"
cryptsetup luksAddKey "${fast[@]}" --key-file "$work/recovery.key" --new-key-slot 1 "$img" "$work/attest.key"
echo '{"type":"attest","keyslots":["1"],"attest-secret":"root-disk","attest-timeout":5}' \
        | cryptsetup token import --token-id 0 "$img"

# The plugin validates what is imported.
if echo '{"type":"attest","keyslots":["1"]}' | cryptsetup token import "$img" 2>"$work/err"; then
        fail "a token without attest-secret was accepted"
fi
cryptsetup luksDump "$img" | grep -q 'secret: *root-disk' || fail "luksDump does not show the secret name"

unlock() { cryptsetup open --test-passphrase --token-only --token-type attest "$img" 2>"$work/err"; }

agent_start --secret root-disk=released-by-verifier
unlock && echo "ok: unlocked while the host passes" || fail "unlock with a passing host: $(cat "$work/err")"

agent_start --secret root-disk=some-other-passphrase
unlock && fail "a wrong secret unlocked the volume" || echo "ok: a wrong secret does not unlock"

agent_start --refuse "Attestation failed: ima.not_in_policy"
if unlock; then
        fail "unlocked although the agent refused"
elif grep -q 'refused to release secret root-disk: Attestation failed: ima.not_in_policy' "$work/err"; then
        echo "ok: refusal reported"
else
        fail "refusal not reported: $(cat "$work/err")"
fi

agent_start --secret other=released-by-verifier
unlock && fail "unlocked with an unknown secret name" || echo "ok: unknown secret name refused"

agent_stop
if unlock; then
        fail "unlocked with the agent down"
elif grep -q refused "$work/err"; then
        fail "agent down reported as a refusal: $(cat "$work/err")"
else
        echo "ok: --token-only fails with the agent down"
fi
# Without --token-only cryptsetup falls back to the passphrase.
if cryptsetup open --test-passphrase --token-type attest "$img" <"$work/recovery.key" 2>"$work/err"; then
        echo "ok: falls back to the passphrase with the agent down"
else
        fail "no fallback to the passphrase: $(cat "$work/err")"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
