#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-verifierd through socket activation: a swtpm identity registers with
# tpm2-tools and curl, activates its credential and is enrolled with the
# tenant.conf defaults; bad registrations are refused and store nothing; an
# answered registration survives kill -9; the admin socket checks peer credentials.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/swtpm.sh"
. "$(dirname "$0")/registrar-lib.sh"
require_tool systemd-socket-activate tpm2_createek tpm2_createak tpm2_activatecredential curl openssl setpriv python3
swtpm_start

: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}"
work=$(mktemp -d)
chmod 755 "$work"
VERIFIERD_PID=
cleanup() {
        [ -n "$VERIFIERD_PID" ] && kill -9 "$VERIFIERD_PID" 2>/dev/null && wait "$VERIFIERD_PID" 2>/dev/null
        swtpm_stop
        rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; [ -f verifierd.log ] && tail -n 30 verifierd.log >&2; exit 1; }

# --- A CA for EK certificates, and one nobody trusts.
mkdir ek-ca
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ek-ca/ca.pem -subj "/CN=Test EK CA" -days 2 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -subj "/CN=Rogue CA" -days 2 2>/dev/null
openssl genrsa -out other.key 2048 2>/dev/null
openssl rsa -in other.key -pubout -out other.pem 2>/dev/null

# Issues a DER certificate for the public key $1 (PEM) from CA $2/$3 into $4,
# with the extensions of file $5 when given.
issue_cert() {
        local ext=()
        [ $# -ge 5 ] && ext=(-extfile "$5")
        openssl req -new -key other.key -subj "/CN=EK" -out req.csr 2>/dev/null
        openssl x509 -req -in req.csr -force_pubkey "$1" -CA "$2" -CAkey "$3" -CAcreateserial \
                -days 2 -outform DER -out "$4" "${ext[@]}" 2>/dev/null
}

# --- The node's TPM identity, and a second EK of the same TPM.
reg_identity ek ak
reg_identity ek ak2
reg_identity ek-ecc "" ecc
tpm2_readpublic -c ek.ctx -f pem -o ek.pem >/dev/null
swtpm_flush
# An IAK certifying the AK; tpm2_certify of this tpm2-tools version sets fixed
# qualifying data, so the verifier must refuse it (it wants SHA-256 of the node id).
tpm2_createak -C ek.ctx -c iak.ctx -G ecc -g sha256 -s ecdsa -u iak.pub >/dev/null
swtpm_flush
tpm2_certify -c ak2.ctx -C iak.ctx -g sha256 -o iak.attest -s iak.sig >/dev/null
swtpm_flush
issue_cert ek.pem ek-ca/ca.pem ca.key ekcert.der
issue_cert other.pem ek-ca/ca.pem ca.key wrongkey.der
issue_cert ek.pem rogue.pem rogue.key untrusted.der
# Quirks of real EK certificates: critical extensions OpenSSL does not process
# (subject directory attributes, a TCG OID), and NV padding after the DER.
printf '2.5.29.9 = critical,DER:3000\n2.23.133.8.1 = critical,DER:0500\nsubjectAltName = critical,dirName:tpm_dn\n[tpm_dn]\nCN = id:00001014\n' > tcg.ext
issue_cert ek.pem ek-ca/ca.pem ca.key tcg.der tcg.ext
printf '1.3.6.1.4.1.99999.1 = critical,DER:0500\n' > unknown.ext
issue_cert ek.pem ek-ca/ca.pem ca.key unknown-critical.der unknown.ext
{ cat ekcert.der; head -c 64 /dev/zero; } > padded.der
{ cat ekcert.der; printf 'junk'; } > trailing.der
# A PEM chain as the Rust agent sends it: the EK certificate, issued by an
# intermediate CA that only the chain carries, then that CA.
openssl req -new -newkey rsa:2048 -nodes -keyout int.key -subj "/CN=Test EK intermediate" -out int.csr 2>/dev/null
printf 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\n' > int.ext
openssl x509 -req -in int.csr -CA ek-ca/ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile int.ext -out int.pem 2>/dev/null
issue_cert ek.pem int.pem int.key ek-int.der
openssl x509 -inform DER -in ek-int.der -out ek-only.pem
cat ek-only.pem int.pem > ek-chain.pem
openssl x509 -inform DER -in ekcert.der -out ekcert.pem
tpm2_readpublic -c ek-ecc.ctx -f pem -o ek-ecc.pem >/dev/null
swtpm_flush
issue_cert ek-ecc.pem ek-ca/ca.pem ca.key ekcert-ecc.der

# --- Configuration.
echo '{"0": ["0000000000000000000000000000000000000000000000000000000000000000"], "7": "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}' > tpm-policy.json
cat > tenant.conf <<CONF
[Enrolment]
auto_enrol = yes
tpm_policy = $work/tpm-policy.json
attest_count = 3
interval = 5s
failure_actions = journal
CONF
cat > verifierd.conf <<CONF
[Server]
tenant_config = $work/tenant.conf
admin_group = adm
verifier_url = http://127.0.0.1:9/
[Registrar]
ek_ca_directory = $work/ek-ca
require_ek_cert = yes
[Attestation]
plugin_directory = $ATTEST_PLUGIN_DIR
CONF

port=$(free_port_pair)
sock=$work/verifierd.sock
base=http://127.0.0.1:$port

start_verifierd() {
        systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
                "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>verifierd.log 2>&1 &
        VERIFIERD_PID=$!
        for _ in $(seq 50); do
                [ -S "$sock" ] && break
                sleep 0.1
        done
        curl -sf "$base/version" >/dev/null || fail "verifier does not answer"
        # As SocketMode=0666 in attest-verifierd.socket: peer credentials decide, not the mode.
        chmod 666 "$sock"
}

ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }

node_count() { ctl nodes --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

start_verifierd

# --- Registration, activation, automatic enrolment.
id=node-1
code=$(http /v2.1/agents/$id "$(reg_body ek.pub ak.pub ekcert.der)")
[ "$code" = 200 ] || fail "registration: $code $(cat answer.json)"
[ "$(ctl status $id --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = REGISTERED ] \
        || fail "node not REGISTERED after POST"
tag=$(activate $id ak.ctx)
code=$(http /v2.1/agents/$id "{\"auth_tag\": \"$tag\"}" PUT)
[ "$code" = 200 ] || fail "activation: $code $(cat answer.json)"
python3 -c 'import json; assert json.load(open("answer.json"))["results"]["verifier_url"] == "http://127.0.0.1:9/"' \
        || fail "activation answer lacks verifier_url"
ctl status $id --json > status.json
policy_digest=$(sha256sum tpm-policy.json | cut -d' ' -f1)
python3 - "$policy_digest" <<'PY' || fail "status: $(cat status.json)"
import json, sys
s = json.load(open("status.json"))
assert s["state"] == "ENROLLED", s
assert s["verdict"] == "PENDING", s
assert s["attest_count"] == 3 and s["interval"] == 5, s
assert s["tpm_policy"]["digest"] == sys.argv[1], s
assert s["failure_actions"] == "journal", s
assert s["ek_certificate"] is True, s
PY
ctl nodes | grep -q "^$id .*ENROLLED" || fail "attestctl nodes does not list $id"
echo "ok: registered, activated and enrolled"

# Re-registering the same identity is idempotent and keeps the enrolment.
code=$(http /v2.1/agents/$id "$(reg_body ek.pub ak.pub ekcert.der)")
[ "$code" = 200 ] || fail "same identity again: $code"
ctl status $id --json | grep -q '"ENROLLED"' || fail "re-registration lost the enrolment"

# A wrong auth_tag for an enrolled node is refused and leaves it alone.
code=$(http /v2.1/agents/$id "{\"auth_tag\": \"$(printf 'a%.0s' $(seq 96))\"}" PUT)
expect_refused "wrong auth_tag for an enrolled node" 400 "$code"
ctl status $id --json | grep -q '"ENROLLED"' || fail "a wrong auth_tag touched the enrolled node"

# --- Refusals: each 4xx with a JSON error, nothing stored.
count=$(node_count)
[ "$count" = 1 ] || fail "expected 1 node, have $count"

code=$(http /v2.1/agents/$id "$(reg_body ek.pub ak2.pub ekcert.der)")
expect_refused "changed identity" 403 "$code"
ctl status $id --json | grep -q '"ENROLLED"' || fail "changed identity touched the node"
curl -s --unix-socket "$sock" "http://localhost/v2.1/agents/$id" | grep -q "\"aik_tpm\":\"$(b64 ak.pub)\"" \
        || fail "changed identity replaced the AK"

code=$(http /v2.1/agents/node-2 "$(reg_body ek.pub ak2.pub wrongkey.der)")
expect_refused "EK not matching its certificate" 400 "$code"
code=$(http /v2.1/agents/node-2 "$(reg_body ek.pub ak2.pub untrusted.der)")
expect_refused "untrusted EK certificate" 403 "$code"
code=$(http /v2.1/agents/node-2 "$(reg_body ek.pub ak2.pub "")")
expect_refused "missing EK certificate" 403 "$code"
body=$(reg_body ek.pub ak2.pub ekcert.der | sed "s|}\$|, \"iak_tpm\": \"$(b64 iak.pub)\", \"iak_attest\": \"$(b64 iak.attest)\", \"iak_sign\": \"$(b64 iak.sig)\"}|")
code=$(http /v2.1/agents/node-2 "$body")
expect_refused "IAK certification over the wrong qualifying data" 403 "$code"
grep -qi 'qualifying data' answer.json || fail "IAK refusal reason: $(cat answer.json)"
body=$(reg_body ek.pub ak.pub ekcert.der | sed "s|}\$|, \"iak_tpm\": \"$(b64 iak.pub)\", \"iak_attest\": \"$(b64 iak.attest)\", \"iak_sign\": \"$(b64 iak.sig)\"}|")
code=$(http /v2.1/agents/node-2 "$body")
expect_refused "IAK certification of another key" 403 "$code"
code=$(http /v2.1/agents/node-2 '{"ek_tpm": "AAAA", "aik_tpm": ')
expect_refused "malformed JSON" 400 "$code"
code=$(http /v3.0/agents '{"data": {"type": "agent", "attributes": {"agent_id": "node-2"}}}')
expect_refused "v3 registration without keys" 400 "$code"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' 'A' > big.json
code=$(curl -s -o answer.json -w '%{http_code}' -X POST --data-binary @big.json "$base/v2.1/agents/node-2")
expect_refused "oversized body" 413 "$code"
[ "$(node_count)" = 1 ] || fail "a refused registration stored a node"

# Wrong auth_tag: answered 400 and nothing changes (anyone can send one): the
# pending registration stays and the node then activates it.
code=$(http /v2.1/agents/node-3 "$(reg_body ek.pub ak2.pub ekcert.der)")
[ "$code" = 200 ] || fail "registration of node-3: $code"
cp answer.json node-3.json
code=$(http /v2.1/agents/node-3 "{\"auth_tag\": \"$(printf '0%.0s' $(seq 96))\"}" PUT)
expect_refused "wrong auth_tag" 400 "$code"
[ "$(node_state node-3)" = REGISTERED ] || fail "wrong auth_tag removed node-3's registration"
cp node-3.json answer.json
tag=$(activate node-3 ak2.ctx)
[ "$(http /v2.1/agents/node-3 "{\"auth_tag\": \"$tag\"}" PUT)" = 200 ] || fail "node-3 activation after a wrong auth_tag: $(cat answer.json)"
ctl remove node-3 >/dev/null
[ "$(node_count)" = 1 ] || fail "a refused registration stored a node"
echo "ok: refusals answered 4xx with JSON errors, nothing stored"

# --- The v3 forms.
code=$(http /v3.0/agents "{\"data\": {\"type\": \"agent\", \"attributes\": {\"agent_id\": \"node-4\", \"ek_tpm\": \"$(b64 ek.pub)\", \"aik_tpm\": \"$(b64 ak2.pub)\", \"ekcert\": \"$(b64 ekcert.der)\"}}}")
[ "$code" = 201 ] || fail "v3 registration: $code $(cat answer.json)"
python3 -c 'import json; d=json.load(open("answer.json")); open("answer.json","w").write(json.dumps({"results": {"blob": d["data"]["attributes"]["blob"]}}))'
tag=$(activate node-4 ak2.ctx)
code=$(http /v3.0/agents/node-4/activate "{\"data\": {\"type\": \"activation\", \"attributes\": {\"auth_tag\": \"$tag\"}}}")
[ "$code" = 200 ] || fail "v3 activation: $code $(cat answer.json)"
ctl status node-4 --json | grep -q '"ENROLLED"' || fail "node-4 not enrolled"
echo "ok: v3 registration and activation"

# --- Administration.
printf '{"meta": {"version": 1}, "digests": {"/usr/bin/true": ["%064d"]}}' 0 > runtime.json
ctl policy add runtime prod runtime.json >/dev/null
ctl policy list | grep -q '^runtime *prod' || fail "policy list"
ctl policy show runtime prod | grep -q '/usr/bin/true' || fail "policy show"
ctl update node-4 --runtime-policy prod --attest-count 0 --interval 60 >/dev/null
ctl status node-4 --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["runtime_policy"]["name"]=="prod" and s["attest_count"]==0 and s["interval"]==60, s' \
        || fail "update did not apply"
rc=0; ctl policy remove runtime prod 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "removing a policy in use: exit $rc"
rc=0; ctl enrol node-4 --attest-count 7 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "enrol of an enrolled node: exit $rc"
ctl enrol node-4 --attest-count 7 --force >/dev/null
ctl status node-4 --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["attest_count"]==7 and s["interval"]==5 and s["runtime_policy"] is None and s["tpm_policy"]["digest"]==sys.argv[1], s' "$policy_digest" \
        || fail "enrol did not apply the defaults with the override"
rc=0; ctl enrol node-4 --interval 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "enrol --interval 0: exit $rc"
ctl stop node-4 >/dev/null
ctl status node-4 --json | grep -q '"STOPPED"' || fail "stop"
ctl reactivate node-4 >/dev/null
ctl status node-4 --json | grep -q '"ENROLLED"' || fail "reactivate"
ctl remove node-4 >/dev/null
rc=0; ctl status node-4 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "removed node still there (exit $rc)"
ctl policy remove runtime prod >/dev/null
echo "ok: admin verbs"

# --- Policies are checked by the engine that will evaluate them, at add time.
admin() {   # method, path[, body file]
        local data=()
        [ $# -ge 3 ] && data=(--data-binary "@$3")
        curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X "$1" "${data[@]}" "http://localhost$2"
}
echo '{"7": "ff"}' > short-digest.json
expect_refused "a digest of no bank" 400 "$(admin PUT /admin/v1/policies/tpm/short short-digest.json)"
grep -q 'tpm policy: an allowed value is not the hex digest of a known bank' answer.json \
        || fail "the engine's message is not in the answer: $(cat answer.json)"
rc=0; ctl policy add tpm short short-digest.json 2>err || rc=$?
[ "$rc" != 0 ] && grep -q 'known bank' err || fail "attestctl policy add of a refused policy: exit $rc, $(cat err)"
expect_refused "a boot policy the mb engine refuses" 400 "$(admin PUT /admin/v1/policies/boot/bad tpm-policy.json)"
grep -q 'boot policy: ' answer.json || fail "the mb engine's message is not in the answer: $(cat answer.json)"
ctl policy list | grep -q 'short\|bad' && fail "a refused policy was stored"
rc=0; ctl update "$id" --tpm-policy short-digest.json 2>err || rc=$?
[ "$rc" != 0 ] && grep -q 'known bank' err || fail "update --tpm-policy with a refused policy: exit $rc, $(cat err)"
printf '{"15": ["%064d"], "max_reboots_since_enrolment": 2, "require_clock_safe": true}' 0 > clock.json
[ "$(admin PUT /admin/v1/policies/tpm/clock clock.json)" = 201 ] || fail "clock rules refused: $(cat answer.json)"
ctl policy remove tpm clock >/dev/null || fail "removing the clock policy"
echo "ok: policies checked by their engines"

# --- EK certificate quirks tolerated, and only those.
[ "$(http /v2.1/agents/node-7 "$(reg_body ek.pub ak2.pub tcg.der)")" = 200 ] || fail "TCG critical extensions: $(cat answer.json)"
[ "$(http /v2.1/agents/node-8 "$(reg_body ek.pub ak2.pub padded.der)")" = 200 ] || fail "NV padding: $(cat answer.json)"
expect_refused "unknown critical extension" 403 "$(http /v2.1/agents/node-9 "$(reg_body ek.pub ak2.pub unknown-critical.der)")"
expect_refused "trailing bytes after the certificate" 400 "$(http /v2.1/agents/node-9 "$(reg_body ek.pub ak2.pub trailing.der)")"
rc=0; ctl status node-9 >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "refused node-9 stored"
echo "ok: EK certificate quirks"

# --- ekcert as PEM, and as a PEM chain whose intermediates reach the trusted CA.
[ "$(http /v2.1/agents/node-11 "$(reg_body ek.pub ak2.pub ekcert.pem)")" = 200 ] || fail "PEM ekcert: $(cat answer.json)"
[ "$(http /v2.1/agents/node-12 "$(reg_body ek.pub ak2.pub ek-chain.pem)")" = 200 ] || fail "PEM chain: $(cat answer.json)"
expect_refused "EK certificate of an intermediate CA not sent" 403 "$(http /v2.1/agents/node-13 "$(reg_body ek.pub ak2.pub ek-only.pem)")"
printf -- '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n' > garbage.pem
expect_refused "PEM garbage" 400 "$(http /v2.1/agents/node-13 "$(reg_body ek.pub ak2.pub garbage.pem)")"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n' > truncated.pem
expect_refused "truncated PEM" 400 "$(http /v2.1/agents/node-13 "$(reg_body ek.pub ak2.pub truncated.pem)")"
for _ in $(seq 9); do cat int.pem; done > nine.pem
expect_refused "too many certificates" 413 "$(http /v2.1/agents/node-13 "$(reg_body ek.pub ak2.pub nine.pem)")"
[ "$(node_state node-13)" = absent ] || fail "refused node-13 stored"
echo "ok: PEM ekcert and chain"

# --- The Keylime v2 admin subset, as keylime_tenant drives it.
kl() {   # method, path[, body]
        local data=()
        [ $# -ge 3 ] && data=(--data-binary "$3")
        curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X "$1" \
                -H 'Content-Type: application/json' "${data[@]}" "http://localhost$2"
}
rt=$(python3 -c 'import json,base64,sys; print(json.dumps({"runtime_policy": base64.b64encode(open(sys.argv[1],"rb").read()).decode()}))' runtime.json)
[ "$(kl POST /v2.1/allowlists/fleet "$rt")" = 201 ] || fail "allowlist add: $(cat answer.json)"
[ "$(kl GET /v2.1/allowlists/fleet)" = 200 ] || fail "allowlist get"
python3 -c 'import json,base64,sys; assert base64.b64decode(json.load(open("answer.json"))["results"]["runtime_policy"]) == open(sys.argv[1],"rb").read()' runtime.json \
        || fail "allowlist content: $(cat answer.json)"
[ "$(kl POST /v2.1/mbpolicies/boot1 '{"mb_policy": "{\"version\": 1, \"hash_alg\": \"sha256\"}"}')" = 201 ] || fail "mbpolicy add: $(cat answer.json)"
[ "$(kl POST /v2.1/mbpolicies/boot1 '{"mb_policy": "{\"version\": 1, \"hash_alg\": \"sha384\"}"}')" = 409 ] || fail "mbpolicy name reused"
expect_refused "an mbpolicy the engine refuses" 400 "$(kl POST /v2.1/mbpolicies/boot2 '{"mb_policy": "{\"refstate\": {}}"}')"
grep -q 'unknown key \\"refstate\\" at the top level' answer.json || fail "the mb engine's message is not in the answer: $(cat answer.json)"
code=$(kl POST /v2.1/agents/$id '{"cloudagent_ip": "127.0.0.1", "runtime_policy_name": "fleet", "mb_policy_name": "boot1", "tpm_policy": "{\"15\": [\"0000000000000000000000000000000000000000000000000000000000000000\"]}"}')
[ "$code" = 200 ] || fail "keylime_tenant add: $code $(cat answer.json)"
ctl status $id --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["state"]=="ENROLLED" and s["runtime_policy"]["name"]=="fleet" and s["boot_policy"]["name"]=="boot1", s' \
        || fail "tenant add did not apply the named policies"
[ "$(kl GET /v2.1/agents/$id)" = 200 ] || fail "agent get"
python3 -c 'import json,sys; r=json.load(open("answer.json"))["results"]; assert r["aik_tpm"]==sys.argv[1] and r["state"]=="ENROLLED" and r["operational_state"] is None and r["attestation_status"]=="PENDING" and r["has_mb_refstate"]==1 and r["regcount"]==2, r' "$(b64 ak.pub)" \
        || fail "agent get: $(cat answer.json)"
# keylime_tenant deletes at the verifier the entry names: verifier_url=.
python3 -c 'import json; r=json.load(open("answer.json"))["results"]; assert (r["verifier_ip"], r["verifier_port"], r["verifier_id"]) == ("127.0.0.1", 9, None), r' \
        || fail "agent get: no verifier address: $(cat answer.json)"
[ "$(kl GET /v2.1/agents)" = 200 ] && grep -q "\"$id\"" answer.json || fail "agent list"
[ "$(kl GET "/v2.1/agents/?bulk=True&verifier=")" = 200 ] || fail "bulk agent list: $(cat answer.json)"
python3 -c 'import json,sys; r=json.load(open("answer.json"))["results"]; assert r[sys.argv[1]]["state"]=="ENROLLED" and "uuids" not in r, r' "$id" \
        || fail "bulk agent list: $(cat answer.json)"
expect_refused "a bulk query that is not a boolean" 400 "$(kl GET "/v2.1/agents/?bulk=maybe")"
[ "$(kl GET /v2.1/allowlists/)" = 200 ] || fail "allowlist names: $(cat answer.json)"
python3 -c 'import json; assert json.load(open("answer.json"))["results"] == {"runtimepolicy names": ["fleet"]}' \
        || fail "allowlist names: $(cat answer.json)"
[ "$(kl GET /v2.1/mbpolicies)" = 200 ] || fail "mbpolicy names: $(cat answer.json)"
python3 -c 'import json; assert json.load(open("answer.json"))["results"] == {"mbpolicy names": ["boot1"]}' \
        || fail "mbpolicy names: $(cat answer.json)"
expect_refused "removing an allowlist in use" 409 "$(kl DELETE /v2.1/allowlists/fleet)"
[ "$(kl POST /v2.1/agents/nobody '{"cloudagent_ip": "127.0.0.1"}')" = 404 ] || fail "tenant add of an unknown node"
code=$(http /v2.1/allowlists/fleet '' GET)
expect_refused "Keylime admin API from a node" 403 "$code"
echo "ok: Keylime v2 admin subset"

# --- Durability: kill -9 right after a 200, restart, the row is there.
code=$(http /v2.1/agents/node-5 "$(reg_body ek.pub ak2.pub ekcert.der)")
[ "$code" = 200 ] || fail "registration of node-5: $code"
kill -9 "$VERIFIERD_PID"
wait "$VERIFIERD_PID" 2>/dev/null || true
VERIFIERD_PID=
rm -f "$sock"
sed -i 's/^auto_enrol = yes/auto_enrol = no/' tenant.conf   # read at the restart below
start_verifierd
ctl status node-5 --json | grep -q '"REGISTERED"' || fail "node-5 lost by kill -9"
ctl status $id --json | grep -q '"ENROLLED"' || fail "node-1 lost by kill -9"
echo "ok: registration survives kill -9"

# --- Without auto_enrol the node waits, ACTIVATED, for the operator.
code=$(http /v2.1/agents/node-10 "$(reg_body ek.pub ak2.pub ekcert.der)")
[ "$code" = 200 ] || fail "registration of node-10: $code"
tag=$(activate node-10 ak2.ctx)
[ "$(http /v2.1/agents/node-10 "{\"auth_tag\": \"$tag\"}" PUT)" = 200 ] || fail "activation of node-10"
ctl status node-10 --json | grep -q '"ACTIVATED"' || fail "node-10 enrolled without auto_enrol"
rc=0; ctl update node-10 --interval 9 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "update of a node not enrolled: exit $rc"
ctl enrol node-10 --interval 9 >/dev/null
ctl status node-10 --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["state"]=="ENROLLED" and s["interval"]==9 and s["attest_count"]==3, s' \
        || fail "operator enrolment"
echo "ok: operator enrolment without auto_enrol"

# --- Peer credentials on the admin socket.
: > nobody.json
chmod 666 nobody.json
code=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
        curl -s -o nobody.json -w '%{http_code}' --unix-socket "$sock" http://localhost/admin/v1/nodes)
cp nobody.json answer.json
expect_refused "non-admin caller" 403 "$code"
rc=0; setpriv --reuid 65534 --regid 65534 --clear-groups "$ATTESTCTL" --admin-socket "$sock" nodes 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "attestctl as a non-admin user: exit $rc"
adm=$(getent group adm | cut -d: -f3)
code=$(setpriv --reuid 65534 --regid 65534 --groups "$adm" \
        curl -s -o nobody.json -w '%{http_code}' --unix-socket "$sock" http://localhost/admin/v1/nodes)
[ "$code" = 200 ] || fail "member of the admin group refused: $code"
echo "ok: admin socket peer credentials"

# --- SIGTERM finishes the request in flight, then stops cleanly.
# Under the 64 KiB limit of unauthenticated routes, sent over about 3 s.
{ printf '{"pad": "'; head -c 60000 /dev/zero | tr '\0' ' '; printf '"}'; } > slow.json
curl -s -o slow.out -w '%{http_code}' --limit-rate 20K -X POST --data-binary @slow.json \
        "$base/v2.1/agents/node-slow" > slow.code &
slow=$!
sleep 1
kill -TERM "$VERIFIERD_PID"
wait "$slow" || true
[ "$(cat slow.code)" = 400 ] || fail "request in flight at SIGTERM: $(cat slow.code)"
grep -q "aik_tpm\|ek_tpm" slow.out || fail "request in flight answered: $(cat slow.out)"
wait "$VERIFIERD_PID" || fail "verifier exited non-zero on SIGTERM"
VERIFIERD_PID=

# --- A tenant.conf default the engine refuses stops the start, saying why.
sed "s|^tpm_policy = .*|tpm_policy = $work/short-digest.json|" tenant.conf > tenant-bad.conf
sed "s|^tenant_config = .*|tenant_config = $work/tenant-bad.conf|" verifierd.conf > verifierd-bad.conf
rc=0; timeout 20 "$ATTEST_VERIFIERD" --config "$work/verifierd-bad.conf" --state-directory "$work/state" \
        --listen "127.0.0.1:$port" --admin-socket "$work/bad.sock" 2>bad-start.log || rc=$?
[ "$rc" = 1 ] || fail "start with a refused default policy: exit $rc"
grep -q 'short-digest.json is refused: tpm policy: an allowed value is not the hex digest' bad-start.log \
        || fail "the refused default policy was not named: $(cat bad-start.log)"
# --- [Registrar] registration_timeout and duplicate_ek: a restart with each.
restart_with() {   # [Registrar] lines
        [ -n "$VERIFIERD_PID" ] && { kill "$VERIFIERD_PID"; wait "$VERIFIERD_PID" || true; VERIFIERD_PID=; }
        rm -f "$sock"
        sed -i '/^registration_timeout\|^duplicate_ek/d' verifierd.conf
        local line
        for line in "$@"; do
                sed -i "s|^\[Registrar\]\$|[Registrar]\n$line|" verifierd.conf
        done
        start_verifierd
}

restart_with "registration_timeout = 2s"
# A pending registration: another EK cannot take the id until it expires, then can.
[ "$(http /v2.1/agents/exp-1 "$(reg_body ek-ecc.pub ak2.pub ekcert-ecc.der)")" = 200 ] || fail "exp-1: $(cat answer.json)"
expect_refused "another EK for a pending registration" 403 "$(http /v2.1/agents/exp-1 "$(reg_body ek.pub ak2.pub ekcert.der)")"
sleep 3
[ "$(http /v2.1/agents/exp-1 "$(reg_body ek.pub ak2.pub ekcert.der)")" = 200 ] || fail "expired registration not replaced: $(cat answer.json)"
tag=$(activate exp-1 ak2.ctx)
[ "$(http /v2.1/agents/exp-1 "{\"auth_tag\": \"$tag\"}" PUT)" = 200 ] || fail "exp-1 activation: $(cat answer.json)"
# Activating after the timeout is refused and the registration is gone.
[ "$(http /v2.1/agents/exp-2 "$(reg_body ek-ecc.pub ak2.pub ekcert-ecc.der)")" = 200 ] || fail "exp-2: $(cat answer.json)"
sleep 3
expect_refused "activation after registration_timeout" 404 "$(http /v2.1/agents/exp-2 "{\"auth_tag\": \"$(printf '0%.0s' $(seq 96))\"}" PUT)"
grep -q "registration of node exp-2 expired" answer.json || fail "expiry not said: $(cat answer.json)"
[ "$(node_state exp-2)" = absent ] || fail "expired exp-2 still stored"
# The default (allow) says in the journal and in attestctl which ids share an EK.
grep -q 'Node exp-1 registers with the EK of node' verifierd.log || fail "no duplicate EK warning"
ctl status exp-1 | grep -q 'EK shared with:.* node-1' || fail "status does not show the shared EK: $(ctl status exp-1)"
ctl nodes | grep -q '^One EK, [0-9]* nodes:.* exp-1' || fail "nodes does not show the shared EK: $(ctl nodes)"
echo "ok: registration_timeout"

restart_with "duplicate_ek = refuse"
count=$(node_count)
expect_refused "duplicate_ek = refuse" 403 "$(http /v2.1/agents/dup-1 "$(reg_body ek.pub ak2.pub ekcert.der)")"
grep -q 'EK is registered under another node id' answer.json || fail "refusal does not say why: $(cat answer.json)"
[ "$(node_count)" = "$count" ] || fail "a refused duplicate EK was stored"
# The same node re-registering is not a duplicate.
[ "$(http /v2.1/agents/exp-1 "$(reg_body ek.pub ak2.pub ekcert.der)")" = 200 ] || fail "re-registration under refuse: $(cat answer.json)"
echo "ok: duplicate_ek = refuse"

restart_with "duplicate_ek = replace"
[ "$(http /v2.1/agents/reinstalled "$(reg_body ek.pub ak2.pub ekcert.der)")" = 200 ] || fail "replace: $(cat answer.json)"
[ "$(node_count)" = $((count + 1)) ] || fail "replace removed nodes before activation"
tag=$(activate reinstalled ak2.ctx)
[ "$(http /v2.1/agents/reinstalled "{\"auth_tag\": \"$tag\"}" PUT)" = 200 ] || fail "reinstalled activation: $(cat answer.json)"
[ "$(node_count)" = 1 ] || fail "replace kept the other ids of the EK: $(ctl nodes)"
[ "$(node_state reinstalled)" = ACTIVATED ] || fail "reinstalled: $(node_state reinstalled)"
echo "ok: duplicate_ek = replace"
kill "$VERIFIERD_PID"
wait "$VERIFIERD_PID" || true
VERIFIERD_PID=
echo "PASS"
