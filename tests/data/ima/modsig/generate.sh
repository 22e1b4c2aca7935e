#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates the ima-modsig fixtures of this directory with throwaway keys:
#   tests/data/ima/modsig/generate.sh
# Each case is a CMS SignedData as the kernel's sign-file writes it (detached,
# DER, no certificates, normally no signed attributes) over a small file, kept
# as <case>.p7s and as one ascii ima-modsig line <case>.ascii whose template
# hash is the SHA-1 of its template data. d-ng is the digest of the file with
# the signature appended, d-modsig the digest of the file without it.
set -euo pipefail

out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

printf 'hostattest ima-modsig fixture module\n' > module.ko
printf 'hostattest ima-modsig other content\n' > other.ko

cert() {   # name keyalg-options… : a self-signed certificate for the key
        local name=$1; shift
        openssl genpkey "$@" -out "$name.key" 2>/dev/null
        openssl req -new -x509 -key "$name.key" -subj "/CN=hostattest modsig $name" -days 3650 \
                -out "$name.crt" ${SKID:+-addext "subjectKeyIdentifier=$SKID"} 2>/dev/null
        openssl pkey -in "$name.key" -pubout -out "$name.pub.pem"
}

sign() {   # case key file md [cms options…]
        local case=$1 key=$2 file=$3 md=$4; shift 4
        openssl cms -sign -binary -nocerts -outform DER -md "$md" -signer "$key.crt" -inkey "$key.key" \
                -in "$file" -out "$out/$case.p7s" "$@"
}

cert rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
cert ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
cert unknown -algorithm RSA -pkeyopt rsa_keygen_bits:2048
cert rsa8192 -algorithm RSA -pkeyopt rsa_keygen_bits:8192
SKID=$(printf '%0130d' 0 | sed 's/../AB/g') cert longskid -algorithm EC -pkeyopt ec_paramgen_curve:P-256
cp rsa.pub.pem ec.pub.pem "$out/"

sign good-rsa rsa module.ko sha256 -noattr                     # issuer and serial
sign good-ec ec module.ko sha256 -noattr -keyid                # subject key identifier
sign good-rsa-sha512 rsa module.ko sha512 -noattr -keyid
sign signed-attrs rsa module.ko sha256 -keyid                  # with signed attributes
sign attrs-other-content rsa other.ko sha256 -keyid           # messageDigest of another file
sign unknown-key unknown module.ko sha256 -noattr -keyid
sign unknown-issuer unknown module.ko sha256 -noattr           # issuer and serial nobody has
sign alg-mismatch rsa module.ko sha256 -noattr -keyid          # listed below with a sha1 d-modsig
sign md5 rsa module.ko md5 -noattr -keyid
sign rsa8192 rsa8192 module.ko sha256 -noattr -keyid
sign long-skid longskid module.ko sha256 -noattr -keyid
openssl cms -sign -binary -nocerts -outform DER -md sha256 -noattr -in module.ko \
        -signer rsa.crt -inkey rsa.key -signer ec.crt -inkey ec.key -out "$out/two-signers.p7s"
# The last signature byte flipped (inside the RSA signature).
python3 - "$out/good-rsa.p7s" "$out/tampered.p7s" "$out/truncated.p7s" <<'PY'
import sys
good = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(good[:-1] + bytes([good[-1] ^ 1]))
open(sys.argv[3], "wb").write(good[: len(good) // 2])
PY
# Tampered in the same way, but signed by subject key identifier.
python3 - "$out/good-ec.p7s" "$out/tampered-ec.p7s" <<'PY'
import sys
good = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(good[:-1] + bytes([good[-1] ^ 1]))
PY

# A policy whose verification keys are the RSA and the EC key, with their IMA
# key ids (the last four bytes of their subject key identifiers).
for k in rsa ec; do
        openssl pkey -pubin -in "$k.pub.pem" -outform DER | base64 -w0 > "$k.b64"
        openssl x509 -in "$k.crt" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :\n' | tail -c 8 > "$k.keyid"
done
python3 - "$out/policy-keys.json" <<'PY'
import json, sys
keys = {"pubkeys": [open(k + ".b64").read() for k in ("rsa", "ec")],
        "keyids": [int(open(k + ".keyid").read(), 16) for k in ("rsa", "ec")]}
policy = {"meta": {"version": 1}, "verification-keys": json.dumps(keys)}
open(sys.argv[1], "w").write(json.dumps(policy, indent=2) + "\n")
PY

# One ascii line per case: d-ng over the file with its appended signature.
python3 - "$out" module.ko <<'PY'
import hashlib, os, struct, sys

out, module = sys.argv[1], open(sys.argv[2], "rb").read()

def field(b):
    return struct.pack("<I", len(b)) + b

def line(case, dmodsig_alg):
    p7s = open(os.path.join(out, case + ".p7s"), "rb").read()
    # struct module_signature: id_type PKEY_ID_PKCS7 (2), big-endian sig_len.
    appended = module + p7s + bytes([0, 0, 2, 0, 0, 0, 0, 0]) + struct.pack(">I", len(p7s)) \
        + b"~Module signature appended~\n"
    d = hashlib.sha256(appended).digest()
    dm = hashlib.new(dmodsig_alg, module).digest()
    name = "/lib/modules/" + case + ".ko"
    data = field(b"sha256:\0" + d) + field(name.encode() + b"\0") + field(b"") \
        + field(dmodsig_alg.encode() + b":\0" + dm) + field(p7s)
    text = "10 %s ima-modsig sha256:%s %s  %s:%s %s\n" % (
        hashlib.sha1(data).hexdigest(), d.hex(), name, dmodsig_alg, dm.hex(), p7s.hex())
    open(os.path.join(out, case + ".ascii"), "w").write(text)

for case in ("good-rsa", "good-ec", "signed-attrs", "attrs-other-content", "unknown-key",
             "unknown-issuer", "tampered", "tampered-ec", "truncated", "two-signers"):
    line(case, "sha256")
line("good-rsa-sha512", "sha512")
line("alg-mismatch", "sha1")
PY
