#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent with an IAK and an IDevID provisioned in swtpm (persistent
# keys under the endorsement hierarchy, certificates from a test CA, one in
# NV): the IAK certifies the AK over SHA-256 of the agent id, and the real
# attest-verifierd (iak_ca_directory, require_iak) stores the node with it.
# A certificate from another CA, an agent without IAK and keys of the wrong
# kind are refused with a clear reason; nothing is stored and no transient
# object is left in the TPM.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl openssl python3 tpm2_createprimary tpm2_evictcontrol \
        tpm2_readpublic tpm2_nvdefine tpm2_nvwrite tpm2_getcap
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}"
swtpm_start

agent_test_setup
fail() { fail_with_logs "$@"; }

IAK=0x81020000
IDEVID=0x81020001
CERT_NV=0x01c90000

# --- Provisioning, as a manufacturer or an operator would.
tpm2_createprimary -C e -G ecc256:ecdsa-sha256:null -c iak.ctx \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' >/dev/null
tpm2_evictcontrol -C o -c iak.ctx $IAK >/dev/null
swtpm_flush
tpm2_createprimary -C e -G rsa2048:rsassa-sha256:null -c idevid.ctx \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' >/dev/null
tpm2_evictcontrol -C o -c idevid.ctx $IDEVID >/dev/null
swtpm_flush
tpm2_readpublic -c $IAK -f pem -o iak.pem >/dev/null
tpm2_readpublic -c $IDEVID -f pem -o idevid.pem >/dev/null

make_test_ca "$work"
openssl genrsa -out req.key 2048 2>/dev/null
# cert PUBKEY CA CAKEY CN OUT FORM: a certificate for a TPM key's public PEM.
cert() {
        openssl req -new -key req.key -subj "/CN=$4" -out req.csr 2>/dev/null
        openssl x509 -req -in req.csr -force_pubkey "$1" -CA "$2" -CAkey "$3" -CAcreateserial \
                -days 1 -outform "$6" -out "$5" 2>/dev/null
}
cert iak.pem ca.pem ca.key "IAK node-a" iak.der DER
cert idevid.pem ca.pem ca.key "IDevID node-a" idevid-cert.pem PEM
cert iak.pem other-ca.pem other-ca.key "IAK node-a" iak-other.der DER
openssl x509 -in idevid-cert.pem -outform DER -out idevid.der

# The IAK certificate in NV, in an index larger than the certificate (as on real
# TPMs), the IDevID certificate as a PEM file.
tpm2_nvdefine $CERT_NV -C o -s $(($(stat -c %s iak.der) + 32)) -a 'ownerread|ownerwrite|authread|authwrite' >/dev/null
{ cat iak.der; head -c 32 /dev/zero; } >iak-padded.der
tpm2_nvwrite $CERT_NV -C o -i iak-padded.der >/dev/null
swtpm_flush

# --- The verifier: IAK certificates must chain to the test CA, and an IAK is required.
mkdir iak-ca
cp ca.pem iak-ca/
verifierd_tls_start "$ATTEST_VERIFIERD" "iak_ca_directory = $work/iak-ca" "require_iak = yes" ||
        fail "verifier does not answer over TLS"

# The agent's configuration: both spellings of the keys.
cat >agent.conf <<CONF
[TPM]
iak_handle = $IAK
iak_cert = nv:$CERT_NV
IDevIDHandle = $IDEVID
IDevIDCertificate = $work/idevid-cert.pem
CONF
printf '[TPM]\n' >plain.conf

agent() {   # CONFIG AGENT_ID ARGS…
        local conf=$1 id=$2
        shift 2
        "$ATTEST_AGENT" --config "$conf" --tcti "$ATTEST_TCTI" --state-dir st --agent-id "$id" \
                --registrar "https://127.0.0.1:$port" --ca ca.pem "$@"
}
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
node_count() { ctl nodes --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
no_transients() { [ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM after $1"; }

# --- identity shows and exports the provisioned keys and certificates.
agent agent.conf node-a identity --out-dir id >out 2>err || fail "identity: $(cat err)"
grep -qx "iak_handle: $IAK" out || fail "IAK not shown: $(cat out)"
grep -qx "idevid_handle: $IDEVID" out || fail "IDevID not shown: $(cat out)"
grep -qx 'iak_cert: present' out && grep -qx 'idevid_cert: present' out || fail "certificates not shown: $(cat out)"
cmp -s id/iak.crt iak.der || fail "the IAK certificate from NV is not the DER written there"
cmp -s id/idevid.crt idevid.der || fail "the IDevID certificate is not the DER of the PEM file"
python3 - id/iak.pub id/iak.name <<'PY' || fail "iak.pub does not match iak.name"
import hashlib, struct, sys
pub = open(sys.argv[1], "rb").read()
name = open(sys.argv[2], "rb").read()
size, = struct.unpack(">H", pub[:2])
assert len(pub) == 2 + size
assert name == b"\x00\x0b" + hashlib.sha256(pub[2:]).digest(), (name.hex(),)
PY
no_transients "identity"

# --- Keys of the wrong kind, an absent key, a stray certificate: refused at start.
expect_bad_identity() {   # WHAT PATTERN ARGS…
        local what=$1 pattern=$2
        shift 2
        if agent plain.conf node-a "$@" identity >out 2>err; then fail "$what accepted"; fi
        grep -q "$pattern" err || fail "$what not explained: $(cat err)"
}
expect_bad_identity "an unrestricted key as IAK" "not usable as IAK" --iak-handle $IDEVID
expect_bad_identity "a restricted key as IDevID" "not usable as IDevID" --idevid-handle $IAK
expect_bad_identity "an absent IAK" "No IAK at persistent handle 0x81020005" --iak-handle 0x81020005
expect_bad_identity "a non-certificate" "no usable IAK certificate" --iak-handle $IAK --iak-certificate "$work/tenant.conf"
rc=0
agent plain.conf node-a --iak-certificate "$work/iak.der" identity >out 2>err || rc=$?
[ $rc = 2 ] && grep -q "no IAK handle" err || fail "a certificate without a key: exit $rc, $(cat err)"
rc=0
agent plain.conf node-a --iak-handle 0x01c90000 identity >out 2>err || rc=$?
[ $rc = 2 ] || fail "an NV index as IAK handle: exit $rc"
# The service does not start with a wrong key: it fails before taking its bus name.
rc=0
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/no-bus timeout 20 \
        "$ATTEST_AGENT" --config plain.conf --tcti "$ATTEST_TCTI" --state-dir st --agent-id node-a \
        --iak-handle $IDEVID run >out 2>err || rc=$?
[ $rc = 1 ] && grep -q "not usable as IAK" err || fail "the service with a wrong IAK: exit $rc, $(cat err)"
no_transients "the refused identities"

# --- The registration the agent sends: iak_attest certifies the AK over SHA-256(agent id).
capture_port=$(free_port_pair)
python3 - "$capture_port" body.json <<'PY' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open(sys.argv[2], "wb").write(body)
        answer = json.dumps({"code": 400, "status": "captured", "results": {}}).encode()
        self.send_response(400)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
open("capture.ready", "w").close()
s.handle_request()
PY
monitor_pid=$!
for _ in $(seq 50); do [ -f capture.ready ] && break; sleep 0.1; done
if "$ATTEST_AGENT" --config agent.conf --tcti "$ATTEST_TCTI" --state-dir st --agent-id node-a \
        --registrar "http://127.0.0.1:$capture_port" register >out 2>err; then
        fail "the capturing registrar accepted"
fi
wait "$monitor_pid" || true
monitor_pid=
[ -f body.json ] || fail "nothing captured: $(cat err)"
grep -q "captured" err || fail "the registrar's reason is not in the agent's log: $(cat err)"
python3 - body.json id/ak.name iak.der idevid.der <<'PY' || fail "the registration body is not as expected: $(cat body.json)"
import base64, hashlib, json, struct, sys
body = json.load(open(sys.argv[1]))
ak_name = open(sys.argv[2], "rb").read()
b = lambda f: base64.b64decode(body[f])
assert b("iak_cert") == open(sys.argv[3], "rb").read()
assert b("idevid_cert") == open(sys.argv[4], "rb").read()
for f in ("iak_tpm", "idevid_tpm", "iak_sign", "aik_tpm", "ek_tpm"):
    assert b(f)
a = b("iak_attest")
def tpm2b(off):
    n, = struct.unpack(">H", a[off:off + 2])
    return a[off + 2:off + 2 + n], off + 2 + n
magic, typ = struct.unpack(">IH", a[:6])
assert magic == 0xff544347 and typ == 0x8017, (hex(magic), hex(typ))
signer, off = tpm2b(6)
extra, off = tpm2b(off)
assert extra == hashlib.sha256(b"node-a").digest(), extra.hex()
off += 17 + 8          # clockInfo, firmwareVersion
certified, off = tpm2b(off)
assert certified == ak_name, (certified.hex(), ak_name.hex())
qualified, off = tpm2b(off)
assert off == len(a)
PY
no_transients "the certification"

# --- An agent without IAK: refused, with the verifier's reason.
if agent plain.conf node-b register >out 2>err; then fail "registration without IAK accepted"; fi
grep -q "An IAK is required" err || fail "refusal without IAK not explained: $(cat err)"
[ "$(node_count)" = 0 ] || fail "a node without IAK was stored"

# --- An IAK certificate from another CA: refused, nothing stored.
if agent agent.conf node-a --iak-certificate "$work/iak-other.der" register >out 2>err; then
        fail "registration with an untrusted IAK certificate accepted"
fi
grep -q "iak_cert is not trusted" err || fail "untrusted IAK certificate not explained: $(cat err)"
[ "$(node_count)" = 0 ] || fail "a node with an untrusted IAK certificate was stored"
no_transients "the refused registrations"

# --- With the IAK: registered, activated, stored with the IAK.
agent agent.conf node-a register >out 2>err || fail "registration with the IAK: $(cat err)"
grep -q '^registration: new$' out || fail "not a new registration: $(cat out)"
ctl status node-a --json >status.json || fail "attestctl status: $(cat status.json)"
python3 - <<'PY' || fail "the node is not stored with its IAK: $(cat status.json)"
import json
s = json.load(open("status.json"))
assert s.get("iak") is True, s
PY
no_transients "the registration"
persistent=$(tpm2_getcap handles-persistent)
grep -qi "$IAK" <<<"$persistent" && grep -qi "$IDEVID" <<<"$persistent" || fail "the IAK or IDevID left the TPM"
echo PASS
