#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The verifier's service unit stays hardened: systemd-analyze security exposure ≤ 2.5,
# and the socket unit offers the admin socket to everyone (peer credentials decide).
set -euo pipefail

command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }
: "${ATTEST_BUILD_ROOT:?}"
units=$ATTEST_BUILD_ROOT/systemd-units
src=$(dirname "$0")/../../systemd-units

out=$(systemd-analyze security --offline=true --threshold=25 "$units/attest-verifierd.service" 2>&1) || {
        echo "$out" | tail -n 5 >&2
        echo "FAIL: exposure above 2.5" >&2
        exit 1
}
echo "$out" | tail -n 1
grep -q '^SocketMode=0666$' "$src/attest-verifierd.socket"
grep -q '^ListenStream=/run/hostattest/verifierd.sock$' "$src/attest-verifierd.socket"
grep -q '^Type=notify$' "$units/attest-verifierd.service"
grep -q '^WatchdogSec=' "$units/attest-verifierd.service"
echo PASS
