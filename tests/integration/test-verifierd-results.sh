#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signed attestation results (EAR) with a simulated node: a pass, then a file
# outside the runtime policy; `attestctl status --ear` and the node's own GET of
# its latest attestation give an affirming, then a contraindicated EAR, each
# verifying against /.well-known/jwks.json. The results key is created in the
# storage at the first start, for every instance; a configured key replaces it and the
# replaced key stays published, so results signed before still verify.
# /metrics counts both attestations, the node by state and verdict, and the
# latency; it is refused on a non-loopback address unless allowed. `history`
# lists both attestations, `nodes --summary` counts the node, `nodes --state
# --verdict` filters.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"

sim_work

sim_tenant
sim_verifierd_conf
printf '[Server]\nmetrics_listen = 127.0.0.1:%s\n' $((port + 1)) >> verifierd.conf
metrics=http://127.0.0.1:$((port + 1))/metrics

# claims.json's submodule $1 has status $2.
submod_status() {
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(c["submods"][sys.argv[2]]["ear.status"] != sys.argv[3])' \
                "$1" "$2" "$3"
}

mkdir -p state results
sim_verifierd_start
grep -q "ready (storage sqlite, database schema [0-9]*, instance [^)]*) on 127.0.0.1:$port (plain HTTP), $sock (admin), 127.0.0.1:$((port + 1)) (metrics)" verifierd.log \
        || fail "the ready message does not list the listeners: $(grep ready verifierd.log)"
python3 -c 'import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM verifier_keys WHERE name = \x27results\x27").fetchone()[0] != 1)' \
        state/verifier.db || fail "the created results key is not in the storage, for every instance"
curl -sf "$base/.well-known/jwks.json" > jwks-1.json || fail "no JWK set without authentication"
python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["keys"]; sys.exit(not (len(k) == 1 and k[0]["alg"] == "ES256"))' \
        jwks-1.json || fail "JWK set: $(cat jwks-1.json)"

cat > results-hook.sh <<HOOK
#!/bin/sh
# \$1: pass | fail, after the node's attestation of that outcome.
set -e
cd "$work"
want=\$([ "\$1" = pass ] && echo affirming || echo contraindicated)
"$ATTESTCTL" --admin-socket "$sock" status node-r --ear > admin-\$1.jwt
for t in admin-\$1.jwt results/\$1.jwt; do
        "$ATTESTCTL" result verify \$t --jwks "$base/.well-known/jwks.json" --json > \$t.claims
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); s=c["submods"]; sys.exit(not (c["sub"] == "node-r" and s["tpm"]["ear.status"] == "affirming" and s["mb"]["ear.status"] == "affirming" and s["ima"]["ear.status"] == sys.argv[2] and s["ima"]["ear.appraisal-policy-id"].startswith("sha256:")))' \$t.claims \$want
done
HOOK
chmod +x results-hook.sh
SIM_RESULT_DIR=$work/results PUSH_CLIENT_HOOK=$work/results-hook.sh "$PUSH_CLIENT" run "$base" results node-r \
        || fail "results scenario"

# --- Metrics of the two verdicts.
curl -sf "$metrics" > metrics.txt || fail "no /metrics"
has_metric() { grep -qxF "$1" metrics.txt || fail "no '$1' in /metrics: $(grep -F "${1%% *}" metrics.txt)"; }
has_metric 'hostattest_attestations_total{result="pass"} 1'
has_metric 'hostattest_attestations_total{result="fail"} 1'
has_metric 'hostattest_nodes{state="ENROLLED",verdict="FAIL"} 1'
has_metric 'hostattest_attestation_duration_seconds_count 2'
has_metric 'hostattest_attestation_duration_seconds_bucket{le="+Inf"} 2'
has_metric 'hostattest_registrations_total{result="registered"} 1'
has_metric 'hostattest_registrations_total{result="activated"} 1'
grep -q '^hostattest_http_requests_total{route="jwks",code="200"} [1-9]' metrics.txt || fail "JWK set requests not counted"
grep -q '^hostattest_attestation_failures_total{id="ima\.' metrics.txt || fail "no IMA failure id in /metrics"
grep -q '^hostattest_http_requests_total{route="attestations",code="202"} 2$' metrics.txt || fail "evidence answers not counted"
grep -q '^hostattest_build_info{version="' metrics.txt || fail "no build_info"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((port + 1))/version")" = 404 ] \
        || fail "the metrics listener answers more than /metrics"

# --- History and the fleet view.
json_len() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
ctl history node-r --json > history.json
python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); sys.exit(not (len(h) == 2 and h[0]["evaluation"] == "fail" and h[0]["failures"][0].startswith("ima.") and h[1]["evaluation"] == "pass" and {p["engine"] for p in h[1]["policies"]} == {"mb", "ima"} and all(len(p["policy"]) == 64 for p in h[1]["policies"])))' \
        history.json || fail "history: $(cat history.json)"
ctl history node-r --limit 1 | grep -c '^[0-9]' | grep -qx 1 || fail "history --limit 1: $(ctl history node-r --limit 1)"
[ "$(ctl history node-r --since 1h --json | json_len)" = 2 ] || fail "history --since 1h"
[ "$(ctl history node-r --since "@$(( $(date +%s) + 60 ))" --json | json_len)" = 0 ] || fail "history --since the future"
ctl nodes --summary --json > summary.json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(not (s["total"] == 1 and s["by_state"] == {"ENROLLED": 1} and s["by_verdict"] == {"FAIL": 1}))' \
        summary.json || fail "nodes --summary: $(cat summary.json)"
ctl nodes --summary | grep -q "FAIL *1" || fail "nodes --summary: $(ctl nodes --summary)"
ctl nodes --state enrolled --verdict FAIL | grep -q '^node-r ' || fail "nodes --state --verdict: $(ctl nodes --state enrolled --verdict FAIL)"
[ "$(ctl nodes --verdict PASS --json | json_len)" = 0 ] || fail "nodes --verdict PASS lists a failing node"

# --- Refusals: a changed payload, another verifier's keys, an expired result.
python3 - admin-pass.jwt admin-fail.jwt > spliced.jwt <<'PY'
import sys
a = open(sys.argv[1]).read().split(".")
b = open(sys.argv[2]).read().split(".")
print(f"{a[0]}.{b[1]}.{a[2]}")
PY
set +e
"$ATTESTCTL" result verify spliced.jwt --jwks jwks-1.json >/dev/null 2>&1; rc_spliced=$?
echo '{"keys":[]}' > empty.jwks
"$ATTESTCTL" result verify admin-pass.jwt --jwks empty.jwks >/dev/null 2>&1; rc_nokeys=$?
set -e
[ "$rc_spliced" = 1 ] || fail "a spliced payload: exit $rc_spliced"
[ "$rc_nokeys" = 2 ] || fail "a JWK set without keys: exit $rc_nokeys"

# --- A configured P-384 key replaces the created one, which stays published.
sim_verifierd_stop
openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out results-384.pem
printf '[Results]\nsigning_key = %s/results-384.pem\n' "$work" >> verifierd.conf
sim_verifierd_start
curl -sf "$base/.well-known/jwks.json" > jwks-2.json
python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["keys"]; sys.exit(not (len(k) == 2 and k[0]["alg"] == "ES384" and k[1]["alg"] == "ES256"))' \
        jwks-2.json || fail "JWK set after a key change: $(cat jwks-2.json)"
"$ATTESTCTL" result verify admin-pass.jwt --jwks "$base/.well-known/jwks.json" >/dev/null \
        || fail "a result signed with the previous key"
ctl status node-r --ear > admin-384.jwt
"$ATTESTCTL" result verify admin-384.jwt --jwks "$base/.well-known/jwks.json" --json > admin-384.claims \
        || fail "a result signed with the new key"
python3 -c 'import base64,json,sys; h=open(sys.argv[1]).read().split(".")[0]; sys.exit(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"] != "ES384")' \
        admin-384.jwt || fail "not ES384"
submod_status admin-384.claims ima contraindicated || fail "the latest verdict, signed again"
# --- Metrics in plain HTTP beyond loopback only when allowed.
sim_verifierd_stop
sed -i "s/^metrics_listen = .*/metrics_listen = 0.0.0.0:$((port + 1))/" verifierd.conf
printf '[Server]\nadmin_socket = %s/direct.sock\n' "$work" >> verifierd.conf
"$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" >remote.log 2>&1 \
        && fail "metrics on 0.0.0.0 without metrics_allow_remote"
grep -q "metrics_allow_remote" remote.log || fail "no reason given: $(cat remote.log)"
echo "results: ok"
