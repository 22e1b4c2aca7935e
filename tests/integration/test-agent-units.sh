#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent.service stays hardened (systemd-analyze security exposure ≤ 2.5)
# and is what attest-agent(8) says: Type=dbus on its bus name, with a watchdog.
set -euo pipefail

command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }
: "${ATTEST_BUILD_ROOT:?}"
unit=$ATTEST_BUILD_ROOT/systemd-units/attest-agent.service
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(systemd-analyze security --offline=true --threshold=25 "$unit" 2>&1) || {
        echo "$out" | tail -n 5 >&2
        fail "exposure above 2.5"
}
echo "$out" | tail -n 1
grep -q '^Type=dbus$' "$unit" || fail "not Type=dbus"
grep -q '^BusName=org.hostattest.Agent1$' "$unit" || fail "BusName"
grep -q '^WatchdogSec=' "$unit" || fail "no watchdog"
grep -q '^ExecStart=/.*/attest-agent run$' "$unit" || fail "ExecStart not substituted"
grep -q '^DeviceAllow=/dev/tpmrm0 rw$' "$unit" || fail "no access to the TPM"
echo PASS
