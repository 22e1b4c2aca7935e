#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-verifierd over TLS: nodes are served without a client certificate, the
# admin API needs one issued by tls_client_ca; without a certificate the daemon
# refuses to serve plain HTTP on a non-loopback address.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

for t in curl openssl python3; do
        command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}"
. "$(dirname "$0")/swtpm.sh"   # free_port_pair

work=$(mktemp -d)
PID=
cleanup() {
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; tail -n 20 verifierd.log >&2 || true; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -subj "/CN=Test TLS CA" -days 2 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
        -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
        -out server.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout admin-ca.key -out admin-ca.pem \
        -subj "/CN=Test admin CA" -days 2 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout admin.key -out admin.csr \
        -subj "/CN=operator" 2>/dev/null
openssl x509 -req -in admin.csr -CA admin-ca.pem -CAkey admin-ca.key -CAcreateserial -days 2 -out admin.pem 2>/dev/null
# Certificates from the admin CA with extended key usages: clientAuth is an admin
# credential, a server certificate is not.
printf 'extendedKeyUsage = clientAuth\n' > client.ext
printf 'extendedKeyUsage = serverAuth, codeSigning\n' > server.ext
openssl x509 -req -in admin.csr -CA admin-ca.pem -CAkey admin-ca.key -CAcreateserial -days 2 -extfile client.ext \
        -out admin-eku.pem 2>/dev/null
openssl x509 -req -in admin.csr -CA admin-ca.pem -CAkey admin-ca.key -CAcreateserial -days 2 -extfile server.ext \
        -out admin-server-eku.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue.key -out rogue.pem \
        -subj "/CN=operator" -days 2 2>/dev/null

printf '[Enrolment]\n' > tenant.conf
cat > tls.conf <<CONF
[Server]
tenant_config = $work/tenant.conf
tls_certificate = $work/server.pem
tls_key = $work/server.key
tls_client_ca = $work/admin-ca.pem
CONF
printf '[Server]\ntenant_config = %s/tenant.conf\n' "$work" > plain.conf

port=$(free_port_pair)
"$ATTEST_VERIFIERD" --config tls.conf --listen "127.0.0.1:$port" --admin-socket "$work/admin.sock" \
        --state-directory "$work/state" >verifierd.log 2>&1 &
PID=$!
for _ in $(seq 50); do
        curl -s --cacert ca.pem "https://127.0.0.1:$port/version" >/dev/null && break
        sleep 0.1
done

code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem "https://127.0.0.1:$port/version")
[ "$code" = 200 ] || fail "version over TLS: $code"
grep -q '"current_version"' out.json || fail "version answer"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/version" || true)
[ "$code" != 200 ] || fail "plain HTTP answered on a TLS listener"

code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem "https://127.0.0.1:$port/admin/v1/nodes")
[ "$code" = 403 ] || fail "admin API without a client certificate: $code"
code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem --cert rogue.pem --key rogue.key \
        "https://127.0.0.1:$port/admin/v1/nodes" || true)
[ "$code" != 200 ] || fail "admin API with an untrusted client certificate: $code"
code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem --cert admin.pem --key admin.key \
        "https://127.0.0.1:$port/admin/v1/nodes")
[ "$code" = 200 ] || fail "admin API with a client certificate: $code $(cat out.json)"
grep -q '"nodes":\[\]' out.json || fail "node list: $(cat out.json)"
code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem --cert admin-eku.pem --key admin.key \
        "https://127.0.0.1:$port/admin/v1/nodes")
[ "$code" = 200 ] || fail "admin API with a clientAuth certificate: $code $(cat out.json)"
code=$(curl -s -o out.json -w '%{http_code}' --cacert ca.pem --cert admin-server-eku.pem --key admin.key \
        "https://127.0.0.1:$port/admin/v1/nodes")
[ "$code" = 403 ] || fail "admin API with a certificate without clientAuth: $code"
grep -q 'plain HTTP' verifierd.log && fail "logged plain HTTP with TLS configured"

# attestctl administers the verifier over mutual TLS, from its options or attestctl.conf.
actl() { "$ATTESTCTL" --url "https://127.0.0.1:$port" --cacert ca.pem "$@"; }
actl --cert admin.pem --key admin.key nodes | grep -q '^NODE ' || fail "attestctl --url nodes"
rc=0; actl --cert admin.pem --key admin.key status node-x 2>err || rc=$?
[ "$rc" = 1 ] && grep -q "404.*No node node-x" err || fail "attestctl --url status: $rc $(cat err)"
rc=0; actl nodes 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "needs --cert and --key" err || fail "attestctl --url without a certificate: $rc $(cat err)"
rc=0; actl --cert rogue.pem --key rogue.key nodes 2>err || rc=$?
[ "$rc" != 0 ] || fail "attestctl --url with an untrusted certificate"
rc=0; "$ATTESTCTL" --url "https://127.0.0.1:$port" --cert admin.pem --key admin.key nodes 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "did not present a certificate that verifies" err || fail "server certificate unchecked: $rc $(cat err)"
mkdir -p config/hostattest
printf '[Verifier]\nURL = https://127.0.0.1:%s\nCertificate = %s/admin.pem\nKey = %s/admin.key\nCAFile = %s/ca.pem\n' \
        "$port" "$work" "$work" "$work" > config/hostattest/attestctl.conf
XDG_CONFIG_HOME=$work/config "$ATTESTCTL" nodes | grep -q '^NODE ' || fail "attestctl.conf"
rc=0; "$ATTESTCTL" --url "https://127.0.0.1:$port" --admin-socket "$work/admin.sock" nodes 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--url with --admin-socket: exit $rc"
echo "ok: attestctl over mutual TLS"
kill "$PID"
wait "$PID" || fail "exit status on SIGTERM"
PID=
echo "ok: TLS and client certificates"

# No certificate and a non-loopback address: refused at startup.
rc=0
timeout 10 "$ATTEST_VERIFIERD" --config plain.conf --listen "0.0.0.0:$port" --admin-socket "$work/admin2.sock" \
        --state-directory "$work/state2" >plain.log 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "plain HTTP on 0.0.0.0: exit $rc"
# The refusal names the address and the settings that fix it.
grep -q "Refusing plain HTTP on 0.0.0.0:$port, .*tls_certificate= and tls_key= in \[Server\] of plain.conf" plain.log ||
        fail "no reason given: $(cat plain.log)"

# A bad configuration names the file and line.
printf '[Server]\ntenant_config = %s/tenant.conf\nlisten_on = x\n' "$work" > bad.conf
rc=0
"$ATTEST_VERIFIERD" --config bad.conf --state-directory "$work/state3" >bad.log 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "unknown key: exit $rc"
grep -q "bad.conf:3: Unknown key 'listen_on'" bad.log || fail "unknown key message: $(cat bad.log)"
printf '[Enrolment]\ninterval = soon\n' > tenant.conf
rc=0
"$ATTEST_VERIFIERD" --config plain.conf --state-directory "$work/state3" >bad.log 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bad value: exit $rc"
grep -q "tenant.conf:2: Invalid value for interval=" bad.log || fail "bad value message: $(cat bad.log)"
echo PASS
