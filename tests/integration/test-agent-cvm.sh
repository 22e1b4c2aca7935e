#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent in a simulated SEV-SNP guest: swtpm as its vTPM and a fake
# configfs-tsm tree (TSMReportDirectory= in agent.conf) served by cvm-client's
# provider, whose reports are signed at request time by a test AMD chain that
# the verifier trusts ([CC]). The agent offers sev-snp, the verifier asks for
# it bound to the nonce and the AK, the node PASSes; a debug guest FAILs with
# snp.debug, a report over an old nonce with validation.sev_snp.binding_mismatch,
# and a good report again PASSes.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${CVM_CLIENT:?}"
policy=$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
# The node's verdict and its latest attestation's first failure id.
state() { ctl status node-cvm --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = (d.get("latest_attestation") or {}).get("failures") or [{}]
print(d.get("verdict"), f[0].get("id", "-"))'; }
wait_state() {   # SECONDS "VERDICT ID"
        for _ in $(seq $(( $1 * 5 ))); do [ "$(state)" = "$2" ] && return 0; sleep 0.2; done
        fail "wanted '$2', have '$(state)'"
}

"$CVM_CLIENT" provider "$work/cvm" >provider.log 2>&1 &
monitor_pid=$!
for _ in $(seq 100); do [ -e cvm/ready ] && break; sleep 0.1; done
[ -e cvm/ready ] || fail "no provider: $(cat provider.log)"

port=$(free_port_pair)
sock=$work/verifierd.sock
base=http://127.0.0.1:$port
printf '%s\n' "[Enrolment]" "auto_enrol = yes" "interval = 1s" "policy.snp = $work/cvm/snp-policy.json" >tenant.conf
printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" "admin_group = adm" "verifier_url = $base/" \
        "[Registrar]" "require_ek_cert = no" "[Attestation]" "plugin_directory = $ATTEST_PLUGIN_DIR" \
        "[CC]" "collateral_directory = $work/cvm/collateral" "snp_trust_anchors = $work/cvm/snp-anchors.pem" \
        "tdx_trust_anchors = $work/cvm/tdx-root.pem" >verifierd.conf
mkdir -p state
verifierd_plain_start "$ATTEST_VERIFIERD" || fail "verifier does not answer"

printf '%s\n' "[Evidence]" "TSMReportDirectory=$work/cvm/tsm-snp" >agent.conf
dbus_start "$work/bus" "$policy"
"$ATTEST_AGENT" --config "$work/agent.conf" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-cvm \
        --registrar "$base" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run >>agent.log 2>&1 &
agent_pid=$!

wait_state 40 "PASS -"
# The report went through configfs-tsm: the agent's entry holds the report data it wrote.
[ "$(stat -c %s cvm/tsm-snp/hostattest/inblob)" = 64 ] || fail "inblob not written"
ctl history node-cvm --json --limit 1 > history.json
python3 -c 'import json; h = json.load(open("history.json")); assert {"engine": "snp", "status": "affirming"}.items() <= h[0]["policies"][0].items()' ||
        fail "the snp engine did not affirm: $(cat history.json)"

echo debug > cvm/mode
wait_state 20 "FAIL snp.debug"
echo stale > cvm/mode
wait_state 20 "FAIL validation.sev_snp.binding_mismatch"
echo good > cvm/mode
wait_state 20 "PASS -"
echo PASS
