#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Confidential VMs through the real daemon: cvm-client's simulated SEV-SNP and
# TDX nodes collect their reports from a fake configfs-tsm tree, signed at
# test time by test AMD and Intel chains that this verifier is given as its
# trust anchors and collateral ([CC]). Good reports pass; debug, another
# measurement, a stale nonce and an untrusted chain fail with their own
# reasons; a truncated report is a 400 that stores nothing. attestctl cc
# collateral check reports the collateral as present, and an expired CRL.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"
: "${CVM_CLIENT:?}" "${ATTEST_TEST_DATA:?}"

sim_work
mkdir plugins cvm
cp "$ATTEST_PLUGIN_DIR"/libattest-plugin-*.so plugins/

# The client makes the chains, collateral and policies, then waits for the daemon.
CVM_HOOK="$work/hook.sh" "$CVM_CLIENT" run "$base" "$work/cvm" > client.log 2>&1 &
client=$!
for _ in $(seq 100); do
        [ -e cvm/ready ] && break
        sleep 0.1
done
[ -e cvm/ready ] || { cat client.log >&2; fail "cvm-client made no trust material"; }

cat > tenant.conf <<CONF
[Enrolment]
auto_enrol = yes
interval = 1s
policy.snp = $work/cvm/snp-policy.json
CONF
sim_verifierd_conf
cat >> verifierd.conf <<CONF
[CC]
collateral_directory = $work/cvm/collateral
snp_trust_anchors = $work/cvm/snp-anchors.pem
tdx_trust_anchors = $work/cvm/tdx-root.pem
CONF
# The TDX node: its own policy instead of the tenant's snp one.
cat > hook.sh <<HOOK
#!/bin/sh
[ "\$1" = tdx ] && exec "$ATTESTCTL" --admin-socket "$sock" update "\$2" --no-policy snp --policy tdx=$work/cvm/tdx-policy.json >/dev/null
HOOK
chmod +x hook.sh
sim_verifierd_start

rc=0
wait "$client" || rc=$?
cat client.log >&2
[ "$rc" = 0 ] || fail "cvm-client: $rc"

# The verdicts as the operator sees them.
ctl status cvm-snp-1 --json > snp.json || fail "node show"
python3 -c 'import json,sys; j=json.load(open("snp.json")); s=json.dumps(j); sys.exit(0 if "PASS" in s else 1)' ||
        fail "snp node is not PASS: $(cat snp.json)"

# Collateral as attestctl reports it.
"$ATTESTCTL" cc collateral check cvm/collateral --snp-trust-anchors cvm/snp-anchors.pem \
        --tdx-trust-anchors cvm/tdx-root.pem --json > check.json || fail "collateral check: $(cat check.json)"
python3 - <<'PY' || fail "collateral check content: $(cat check.json)"
import json
j = json.load(open("check.json"))
kinds = {(i["kind"], i["status"]) for i in j["items"]}
assert j["ok"] is True
assert ("ask", "ok") in kinds and ("crl", "ok") in kinds, kinds
# The test PCK CRLs last a day: present and usable, but flagged as expiring.
tdx = [i for i in j["items"] if i["kind"] == "tdx-collateral"]
assert len(tdx) == 1 and tdx[0]["status"] == "expiring" and "PCK CRL" in tdx[0]["detail"], tdx
PY
rc=0
"$ATTESTCTL" cc collateral check cvm/expired --snp-trust-anchors cvm/snp-anchors.pem > expired.txt || rc=$?
[ "$rc" = 1 ] || fail "expired CRL: exit $rc"
grep -q '^expired .*crl' expired.txt || fail "expired CRL not named: $(cat expired.txt)"
rc=0
"$ATTESTCTL" cc collateral check "$work/nonexistent" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "missing directory: exit $rc"

# A daemon with an unreadable anchor file does not start.
sim_verifierd_stop
sed -i "s|^snp_trust_anchors = .*|snp_trust_anchors = $work/none.pem|" verifierd.conf
rm -f "$sock"
rc=0
timeout 10 "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \
        --listen 127.0.0.1:0 >> anchors.log 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q "trust anchors" anchors.log || fail "missing anchors: exit $rc, $(cat anchors.log)"
echo "PASS"
