#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_attest.so in real PAM stacks (pam_start_confdir) against a stand-in
# agent on a private bus: success, denial with the reason, stale verdicts,
# an unreachable or silent agent, and fail-open versus fail-closed stacks.
set -euo pipefail
. "$(dirname "$0")/dbus.sh"

module=$PAM_ATTEST_MODULE
conf=$(mktemp -d)
trap 'dbus_stop; rm -rf "$conf"' EXIT
dbus_start
trap 'dbus_stop; rm -rf "$conf"' EXIT

failures=0

stack() {   # stack NAME LINE…: writes a service file
        local name=$1; shift
        printf '%s\n' "$@" >"$conf/$name"
}

# expect SERVICE FACILITY RESULT [MESSAGE-PATTERN]
expect() {
        local out
        out=$("$PAM_HARNESS" "$conf" "$1" nobody "$2")
        if ! grep -qx "result: $3" <<<"$out"; then
                echo "FAIL: $1/$2: expected $3, got: $out"
                failures=$((failures + 1)); return
        fi
        if [ -n "${4:-}" ] && ! grep -q -- "$4" <<<"$out"; then
                echo "FAIL: $1/$2: message '$4' missing in: $out"
                failures=$((failures + 1)); return
        fi
        echo "ok: $1/$2 → $3${4:+ ($4)}"
}

stack plain "account required $module timeout=2" "auth required $module timeout=2"
stack fresh "account required $module timeout=2 max_age=60"
stack pending "account required $module allow=pass,pending"
stack badarg "account required $module timeout=soon"
stack slow "account required $module timeout=1"
stack open "account [success=ok authinfo_unavail=ignore default=bad] $module timeout=2" \
           "account required pam_permit.so"
stack closed "account required $module timeout=2" "account required pam_permit.so"
stack silent "account required $module timeout=2 debug frobnicate"

agent_start --verdict PASS --age 5
expect plain account PAM_SUCCESS
expect plain auth PAM_SUCCESS
expect fresh account PAM_SUCCESS
expect open account PAM_SUCCESS
expect silent account PAM_SUCCESS
expect badarg account PAM_SERVICE_ERR

agent_start --verdict FAIL --reason ima.not_in_policy --reason mb.kernel_digest
expect plain account PAM_PERM_DENIED "verdict is FAIL: ima.not_in_policy, mb.kernel_digest"
expect plain auth PAM_PERM_DENIED "ima.not_in_policy"
expect open account PAM_PERM_DENIED "verdict is FAIL"

agent_start --verdict PASS --age 600
expect plain account PAM_SUCCESS
expect fresh account PAM_PERM_DENIED "stale (last attested 600s ago, at most 60s allowed)"

agent_start --verdict PASS --age never
expect fresh account PAM_PERM_DENIED "never attested"

agent_start --verdict PENDING
expect plain account PAM_PERM_DENIED "verdict is PENDING"
expect pending account PAM_SUCCESS

agent_start --hang
start=$(date +%s)
expect slow account PAM_AUTHINFO_UNAVAIL
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -lt 10 ] || { echo "FAIL: timeout=1 took ${elapsed}s"; failures=$((failures + 1)); }

agent_stop
expect plain account PAM_AUTHINFO_UNAVAIL
expect closed account PAM_AUTHINFO_UNAVAIL
expect open account PAM_SUCCESS

DBUS_SYSTEM_BUS_ADDRESS="unix:path=$conf/no-such-bus" expect plain account PAM_AUTHINFO_UNAVAIL

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
