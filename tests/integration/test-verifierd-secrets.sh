#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Secrets in attest-verifierd: stored sealed through the admin API
# (attestctl secret, attestctl luks), and the node endpoint's refusals with a
# swtpm node: no token, no challenge, a replayed one, a node that did not pass
# or passed too long ago, a certification over other qualifying data, a signing
# key; failed attempts leave the challenge to the next request.
set -euo pipefail
. "$(dirname "$0")/swtpm.sh"
require_tool systemd-socket-activate tpm2_createek tpm2_createak tpm2_certify tpm2_create curl python3 cryptsetup
swtpm_start

work=$(mktemp -d)
VERIFIERD_PID=
finish() {
        [ -n "$VERIFIERD_PID" ] && kill "$VERIFIERD_PID" 2>/dev/null && wait "$VERIFIERD_PID" 2>/dev/null
        swtpm_stop
        rm -rf "$work"
}
trap finish EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# --- Verifier with a secret key file, auto-enrolment, secrets for 60s after a pass.
head -c 32 /dev/urandom | xxd -p -c 64 > secret.key
printf '[Enrolment]\nauto_enrol = yes\n' > tenant.conf
printf '[Server]\ntenant_config = %s/tenant.conf\n[Secrets]\nkey_file = %s/secret.key\nmax_age = 60s\n' \
        "$work" "$work" > verifierd.conf
port=$(free_port_pair)
sock=$work/admin.sock
base=http://127.0.0.1:$port
systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" \
        --state-directory "$work/state" >verifierd.log 2>&1 &
VERIFIERD_PID=$!
for _ in $(seq 50); do curl -sf "$base/version" >/dev/null && break; sleep 0.1; done
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
token=
post() {   # path [json [method]]: prints the status, the answer in answer.json; $token as bearer token
        local auth=()
        [ -z "$token" ] || auth=(-H "Authorization: Bearer $token")
        curl -s -o answer.json -w '%{http_code}' -X "${3:-POST}" -H 'Content-Type: application/json' \
                "${auth[@]}" --data-binary "${2:-{\}}" "$base$1"
}
field() { python3 -c "import json,sys; d=json.load(open('answer.json')); print($1)"; }

# --- A node: EK and ECC AK in swtpm, registered and activated (v2), enrolled by tenant.conf.
tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null; swtpm_flush
tpm2_createak -C ek.ctx -c ak.ctx -G ecc -g sha256 -s ecdsa -u ak.pub -n ak.name >/dev/null; swtpm_flush
node=node-1
code=$(post /v2.1/agents/$node "{\"ek_tpm\":\"$(base64 -w0 ek.pub)\",\"aik_tpm\":\"$(base64 -w0 ak.pub)\",\"ip\":\"127.0.0.1\",\"port\":9002,\"mtls_cert\":\"disabled\"}")
[ "$code" = 200 ] || { echo "registration: $code $(cat answer.json)"; exit 1; }
field 'd["results"]["blob"]' | base64 -d > cred.blob
tpm2_startauthsession --policy-session -S s.ctx >/dev/null
tpm2_policysecret -S s.ctx -c e >/dev/null
tpm2_activatecredential -c ak.ctx -C ek.ctx -i cred.blob -o cred.out -P session:s.ctx >/dev/null
tpm2_flushcontext s.ctx >/dev/null 2>&1 || true; swtpm_flush
tag=$(printf '%s' $node | openssl dgst -sha384 -hmac "$(base64 -w0 cred.out)" -r | cut -d' ' -f1)
code=$(post /v2.1/agents/$node "{\"auth_tag\":\"$tag\"}" PUT)
[ "$code" = 200 ] || { echo "activation: $code $(cat answer.json)"; exit 1; }

# --- Admin API through attestctl.
printf 'top secret value' | ctl secret add $node root-disk && ok "secret added" || fail "secret add"
printf 'again' | ctl secret add $node root-disk 2>err.txt && fail "a second add replaced the secret" || ok "second add refused"
printf 'replaced-secret-value' | ctl secret add $node root-disk --replace && ok "--replace" || fail "secret add --replace"
printf 'x' | ctl secret add $node ../escape 2>/dev/null && fail "bad name accepted" || ok "bad secret name refused"
printf 'x' | ctl secret add no-such-node s 2>/dev/null && fail "secret for an unknown node" || ok "unknown node refused"
[ "$(ctl secret list $node)" = root-disk ] || fail "secret list: $(ctl secret list $node)"
ctl secret list $node --json | python3 -c 'import json,sys; assert json.load(sys.stdin) == ["root-disk"]' \
        || fail "secret list --json"
grep -rq 'replaced-secret-value' state/secrets && fail "a secret is stored in clear" || ok "sealed at rest"

# --- The node endpoint.
path=/v3.0/agents/$node/secrets/root-disk
# Without a resource manager every step flushes what it left loaded.
swtpm_flush
tpm2_createprimary -C o -c prim.ctx >/dev/null; swtpm_flush
tpm2_create -C prim.ctx -G rsa2048 -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt' \
        -u dk.pub -r dk.priv >/dev/null; swtpm_flush
tpm2_load -C prim.ctx -u dk.pub -r dk.priv -c dk.ctx >/dev/null; swtpm_flush
tpm2_certify -c dk.ctx -C ak.ctx -g sha256 -o dk.attest -s dk.sig >/dev/null; swtpm_flush
tpm2_certify -c ak.ctx -C ak.ctx -g sha256 -o ak.attest -s ak.sig >/dev/null; swtpm_flush
request() {   # key attest sig
        printf '{"data":{"type":"secret_request","attributes":{"key_public":"%s","certify_attest":"%s","certify_signature":"%s"}}}' \
                "$(base64 -w0 "$1")" "$(base64 -w0 "$2")" "$(base64 -w0 "$3")"
}
expect() {   # what status code [error code]
        if [ "$2" != "$3" ]; then
                fail "$1: expected $2, got $3: $(cat answer.json)"
        elif [ -n "${4:-}" ] && ! grep -q "\"$4\"" answer.json; then
                fail "$1: expected error $4: $(cat answer.json)"
        else
                ok "$1 → $2${4:+ $4}"
        fi
}
set_status() {   # verdict, seconds since the last attestation
        python3 - state/verifier.db "$node" "$1" "$2" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE nodes SET verdict = ?, last_attestation_usec = ? WHERE id = ?",
           (sys.argv[3], int((time.time() - int(sys.argv[4])) * 1e6), sys.argv[2]))
db.commit()
PY
}

# The AK persistent, for the agent's code (test-secret-fetch) to use it.
tpm2_evictcontrol -C o -c ak.ctx 0x81010002 >/dev/null; swtpm_flush
expect "challenge without the node's token" 401 "$(post $path/challenge)" unauthorized
expect "request without the node's token" 401 "$(post $path "$(request dk.pub dk.attest dk.sig)")" unauthorized
# The node's bearer token, from a session the agent's code proves with the AK.
token=$("$TEST_SECRET_FETCH" "$TPM2TOOLS_TCTI" 0x81010002 "$base" $node session) || fail "no session: $token"
swtpm_flush
expect "request without a challenge" 409 "$(post $path "$(request dk.pub dk.attest dk.sig)")" no_challenge
expect "challenge" 201 "$(post $path/challenge)"
[ "$(field 'len(__import__("base64").b64decode(d["data"]["attributes"]["challenge"]))')" = 32 ] || fail "challenge size"
expect "certification over other qualifying data" 403 "$(post $path "$(request dk.pub dk.attest dk.sig)")" challenge_mismatch
expect "a signing key" 403 "$(post $path "$(request ak.pub ak.attest ak.sig)")" key_not_tpm_bound
expect "malformed request" 400 "$(post $path '{"data":{"type":"secret_request","attributes":{}}}')"
expect "another node's token" 401 "$(post /v3.0/agents/node-9/secrets/root-disk/challenge)" unauthorized
expect "bad secret name" 400 "$(post /v3.0/agents/$node/secrets/.x/challenge)"
expect "GET" 405 "$(post $path '' GET)"

# --- Release with the TPM: a session, a fresh key certified over the challenge.
set_status PASS 1
tpm2_createak -C ek.ctx -c ak2.ctx -G ecc -g sha256 -s ecdsa -u ak2.pub >/dev/null; swtpm_flush
tpm2_evictcontrol -C o -c ak2.ctx 0x81010003 >/dev/null; swtpm_flush
fetch() {   # AK handle, secret, rsa|ecc; without a resource manager, flush what a failure left
        local r=0
        "$TEST_SECRET_FETCH" "$TPM2TOOLS_TCTI" "$1" "$base" $node "$2" "$3" || r=$?
        swtpm_flush
        return $r
}
for kem in rsa ecc; do
        got=$(fetch 0x81010002 root-disk $kem) || true
        [ "$got" = replaced-secret-value ] && ok "released and unwrapped in the TPM ($kem)" \
                || fail "release ($kem): $got"
done
got=$(fetch 0x81010003 root-disk rsa) && fail "another AK obtained the secret" || true
grep -q 'proof of possession' <<<"$got" && ok "another TPM key (AK) gets no session" || fail "other AK: $got"
set_status PASS 600
got=$(fetch 0x81010002 root-disk ecc) && fail "a stale pass obtained the secret" || true
grep -q stale_attestation <<<"$got" && ok "stale pass refused with the TPM" || fail "stale: $got"
set_status FAIL 1
got=$(fetch 0x81010002 root-disk rsa) && fail "a failing node obtained the secret" || true
grep -q not_passing <<<"$got" && ok "failing node refused" || fail "failing: $got"
# RAMDISK: a node TERMINATED by its last counted pass fetches within max_age.
set_status PASS 1
python3 -c "import sqlite3; d=sqlite3.connect('state/verifier.db'); d.execute(\"UPDATE nodes SET state='TERMINATED' WHERE id='$node'\"); d.commit()"
[ "$(fetch 0x81010002 root-disk rsa)" = replaced-secret-value ] && ok "TERMINATED node fetches after its last pass" \
        || fail "TERMINATED node could not fetch"
python3 -c "import sqlite3; d=sqlite3.connect('state/verifier.db'); d.execute(\"UPDATE nodes SET state='STOPPED' WHERE id='$node'\"); d.commit()"
got=$(fetch 0x81010002 root-disk rsa 2>&1) && fail "a STOPPED node obtained the secret" || ok "STOPPED node refused"
python3 -c "import sqlite3; d=sqlite3.connect('state/verifier.db'); d.execute(\"UPDATE nodes SET state='ENROLLED' WHERE id='$node'\"); d.commit()"

# --- attestctl luks on a LUKS2 image.
truncate -s 20M disk.img
printf 'recovery' > recovery.key
cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-file recovery.key disk.img
ctl luks enroll disk.img --secret disk --node $node --unlock-key-file recovery.key --timeout 30 \
        && ok "luks enroll" || fail "luks enroll"
cryptsetup token export --token-id 0 disk.img > token.json
python3 -c 'import json; t=json.load(open("token.json")); assert t["type"]=="attest" and t["attest-secret"]=="disk" and t["attest-timeout"]==30 and t["keyslots"]==["1"], t' \
        || fail "token JSON: $(cat token.json)"
cryptsetup luksDump disk.img | grep -q '^  1: luks2' || fail "no keyslot 1"
ctl secret list $node | grep -qx disk || fail "enrol did not store the secret"
fetch 0x81010002 disk ecc > fetched.key
cryptsetup open --test-passphrase --key-file fetched.key --key-slot 1 disk.img \
        && ok "the released secret opens the enrolled keyslot" || fail "released secret does not open keyslot 1"
printf 'wrong' > wrong.key
ctl luks enroll disk.img --secret disk2 --node $node --unlock-key-file wrong.key 2>/dev/null \
        && fail "enrolled with a wrong passphrase" || ok "wrong unlock passphrase refused"
ctl secret list $node | grep -qx disk2 && fail "a failed enrol left its secret"
ctl luks remove disk.img --node $node && ok "luks remove" || fail "luks remove"
cryptsetup luksDump disk.img | grep -q '^  1: luks2' && fail "keyslot 1 left behind"
cryptsetup token export --token-id 0 disk.img >/dev/null 2>&1 && fail "token left behind"
ctl secret list $node | grep -qx disk && fail "luks remove left the secret"
ctl luks remove disk.img --node $node 2>/dev/null && fail "second remove succeeded" || ok "nothing left to remove"

# --- Removal.
ctl secret remove $node root-disk && ok "secret removed" || fail "secret remove"
ctl secret remove $node root-disk 2>/dev/null && fail "removed twice" || ok "second remove refused"
printf 'v' | ctl secret add $node other >/dev/null
ctl remove $node >/dev/null
[ -e state/secrets/$node ] && fail "removing the node kept its secrets" || ok "node removal drops its secrets"

# --- The key from systemd's credential, or the unit's default "none" (no key).
kill "$VERIFIERD_PID" 2>/dev/null; wait "$VERIFIERD_PID" 2>/dev/null || true
key_source() {   # CREDENTIAL_CONTENT (- for none) CONFIG: the daemon's log line about the key
        rm -rf creds cstate && mkdir creds cstate
        [ "$1" = - ] || printf '%s' "$1" >creds/verifierd-secret-key
        local p=$(free_port_pair)
        systemd-socket-activate -E CREDENTIALS_DIRECTORY="$work/creds" -l "127.0.0.1:$p" -l "$work/c.sock" \
                "$ATTEST_VERIFIERD" --config "$2" --state-directory "$work/cstate" >c.log 2>&1 &
        local pid=$!
        for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/version" >/dev/null && break; sleep 0.1; done
        kill $pid 2>/dev/null || true
        wait $pid 2>/dev/null || true
        grep -E 'ecrets' c.log || echo "no secrets line"
}
printf '[Server]\ntenant_config = %s/tenant.conf\n' "$work" >nokey.conf
key_source "$(head -c 32 /dev/urandom | xxd -p -c 64)" nokey.conf | grep -q 'key from the credential verifierd-secret-key' \
        && ok "key from the credential" || fail "credential key not used: $(cat c.log)"
key_source none nokey.conf | grep -q 'secrets are disabled' \
        && ok "credential \"none\": secrets disabled" || fail "credential none: $(cat c.log)"
key_source none verifierd.conf | grep -q "key from $work/secret.key" \
        && ok "credential \"none\": key_file used" || fail "credential none with key_file: $(cat c.log)"
key_source - nokey.conf | grep -q 'secrets are disabled' \
        && ok "no credential: secrets disabled" || fail "no credential: $(cat c.log)"
key_source short nokey.conf >/dev/null
grep -q 'a secret key is 32 bytes' c.log \
        && ok "a malformed credential is refused" || fail "malformed credential: $(cat c.log)"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; tail -n 20 verifierd.log; exit 1; }
