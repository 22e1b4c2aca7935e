#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What being attested costs a host: attest-agent on swtpm (its own private
# swtpm and system bus) registers with attest-verifierd on loopback, is
# auto-enrolled with a TPM policy on PCR 15 and pushes every INTERVAL seconds.
# After the first verdict it measures for SECONDS: the agent's CPU time (user
# and system) per push cycle, its RSS and peak RSS (VmHWM), and swtpm's CPU
# per cycle beside it (the TPM's own work: quote, sessions). Quote only: no
# UEFI or IMA log is asked for. --tls serves the verifier over HTTPS (a test CA
# made for the run), as a fleet would.
#
#   bench/agent-push.sh [BUILD_DIR] [--seconds S] [--interval I] [--ak rsa|ecc] [--tls]
#                       (default: S = 60, I = 2, an RSA AK as the agent's default)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$(cd "$1" && pwd); shift; fi
seconds=60 interval=2 ak=rsa tls=false
while [ $# -gt 0 ]; do
        case $1 in
        --tls) tls=true; shift ;;
        --seconds) seconds=$2; shift 2 ;;
        --interval) interval=$2; shift 2 ;;
        --ak) ak=$2; shift 2 ;;
        *) echo "Unknown argument: $1" >&2; exit 2 ;;
        esac
done
for v in "$seconds" "$interval"; do
        [[ $v =~ ^[0-9]+$ ]] || { echo "Not a number: $v" >&2; exit 2; }
done
[ "$seconds" -ge 4 ] && [ "$interval" -ge 1 ] || { echo "--seconds must be at least 4, --interval at least 1" >&2; exit 2; }
case $ak in rsa|ecc) ;; *) echo "--ak is rsa or ecc" >&2; exit 2 ;; esac

export ATTEST_INTEGRATION_DIR=$top/tests/integration
agent_bin=$build/agent/attest-agent verifierd_bin=$build/verifierd/attest-verifierd
attestctl=$build/tools/attestctl plugins=$build/plugins
for b in "$agent_bin" "$verifierd_bin" "$attestctl"; do
        [ -x "$b" ] || { echo "$b not built" >&2; exit 1; }
done
. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon tpm2_pcrread
swtpm_start
agent_test_setup
trap 'agent_test_cleanup' EXIT

die() { echo "agent-push: $*" >&2; for f in verifierd.log agent.log; do [ -f $f ] && tail -n 20 $f >&2; done; exit 1; }
ctl() { "$attestctl" --admin-socket "$sock" "$@"; }
passed() { ctl status bench-agent --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("attestations_passed", 0))' 2>/dev/null || echo 0; }
# CPU seconds (user + system) of a process, threads that ended included (clock ticks).
cpu() { python3 - "$1" <<'PY'
import os, sys
f = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"))
PY
}
status_kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

pcr15=$(tpm2_pcrread sha256:15 | sed -n 's/^ *15 *: *0x\([0-9A-Fa-f]*\)$/\1/p' | tr A-F a-f)
echo "{\"15\": [\"$pcr15\"]}" >tpm-policy.json
verifierd_plain_setup "$plugins"
sed -i "s/^interval = .*/interval = ${interval}s/" tenant.conf
ca=()
if $tls; then
        make_test_ca "$work"
        base=https://127.0.0.1:$port
        sed -i -e "s|^verifier_url = .*|verifier_url = $base/\ntls_certificate = $work/server.pem\ntls_key = $work/server.key|" \
                verifierd.conf
        export CURL_CA_BUNDLE=$work/ca.pem      # verifierd_plain_start's check of /version
        ca=(--ca "$work/ca.pem")
fi
verifierd_plain_start "$verifierd_bin" || die "the verifier does not answer"
dbus_start "$work/bus" "$top/systemd-units/org.hostattest.Agent1.conf"
"$agent_bin" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id bench-agent --ak-type "$ak" \
        --registrar "$base" "${ca[@]}" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!
for _ in $(seq 300); do [ "$(passed)" -ge 1 ] && break; sleep 0.2; done
[ "$(passed)" -ge 1 ] || die "no passing attestation within 60 s"

# From one verdict to the verdict $seconds later: whole push cycles only.
n0=$(passed)
while [ "$(passed)" = "$n0" ]; do sleep 0.05; done
n0=$(passed) c0=$(cpu "$agent_pid") t0=$(cpu "$SWTPM_PID") start=$(date +%s.%N)
# perf stat's task-clock counts to the nanosecond where clock ticks sample; without perf, ticks only.
perf_ms=
if command -v perf >/dev/null && perf stat -e task-clock -x, -o perf.out -p "$agent_pid" sleep "$seconds" 2>/dev/null; then
        perf_ms=$(sed -n 's/^\([0-9.]*\),msec,task-clock.*/\1/p' perf.out)
else
        sleep "$seconds"
fi
n1=$(passed)
while [ "$(passed)" = "$n1" ]; do sleep 0.05; done
n1=$(passed) c1=$(cpu "$agent_pid") t1=$(cpu "$SWTPM_PID") end=$(date +%s.%N)
grep -q "FAIL" verifierd.log && echo "warning: the verifier logged a FAIL" >&2
python3 - "$n0" "$n1" "$c0" "$c1" "$t0" "$t1" "$start" "$end" "$(status_kib "$agent_pid" VmRSS)" \
        "$(status_kib "$agent_pid" VmHWM)" "$interval" "$ak" "${perf_ms:-}" "$(passed)" \
        "$($tls && echo HTTPS || echo HTTP)" <<'PY'
import sys
n0, n1 = int(sys.argv[1]), int(sys.argv[2])
c0, c1, t0, t1, s, e = map(float, sys.argv[3:9])
rss, hwm, interval, ak = sys.argv[9:13]
n = n1 - n0
print(f"attest-agent on swtpm, {ak.upper()} AK, quote only, a push every {interval} s over {sys.argv[15]}")
print(f"{n} push cycles in {e - s:.1f} s")
if sys.argv[13]:
    print(f"agent CPU per push cycle: {float(sys.argv[13]) / n:.2f} ms (perf task-clock, "
          f"{float(sys.argv[13]) / 10 / (e - s):.2f} % of a core)")
else:
    print(f"agent CPU per push cycle: {(c1 - c0) / n * 1e3:.2f} ms (clock ticks, "
          f"{100 * (c1 - c0) / (e - s):.2f} % of a core)")
print(f"swtpm CPU per push cycle: {(t1 - t0) / n * 1e3:.2f} ms (clock ticks)")
print(f"agent RSS {rss} KiB, peak RSS (VmHWM) {hwm} KiB")
PY
