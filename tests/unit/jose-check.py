#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An independent JOSE implementation for test-ear: ES256/ES384 compact JWS and
JWK sets with Python's `cryptography`, sharing no code with lib/shared/jws.c.

  jose-check.py verify JWKS TOKEN     exit 0 and the payload on stdout when the token
                                      verifies (and its kid is the RFC 7638 thumbprint)
  jose-check.py sign CURVE PAYLOAD JWKS TOKEN
                                      signs PAYLOAD with a fresh P-256/P-384 key
Exit 77 when `cryptography` is missing (the test skips)."""

import base64
import hashlib
import json
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
except ImportError:
    sys.exit(77)

CURVES = {
    "P-256": (ec.SECP256R1(), hashes.SHA256(), "ES256", 32),
    "P-384": (ec.SECP384R1(), hashes.SHA384(), "ES384", 48),
}


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u_encode(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def thumbprint(jwk):
    canon = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return b64u_encode(hashlib.sha256(canon.encode()).digest())


def verify(jwks_path, token_path):
    keys = json.load(open(jwks_path))["keys"]
    token = open(token_path).read().strip()
    h64, p64, s64 = token.split(".")
    header = json.loads(b64u_decode(h64))
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    if thumbprint(jwk) != jwk["kid"]:
        print("kid is not the RFC 7638 thumbprint", file=sys.stderr)
        return 1
    curve, digest, alg, size = CURVES[jwk["crv"]]
    if header["alg"] != alg:
        print("alg does not fit the key", file=sys.stderr)
        return 1
    x = int.from_bytes(b64u_decode(jwk["x"]), "big")
    y = int.from_bytes(b64u_decode(jwk["y"]), "big")
    pub = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
    raw = b64u_decode(s64)
    if len(raw) != 2 * size:
        print("signature size", file=sys.stderr)
        return 1
    der = encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big"))
    try:
        pub.verify(der, f"{h64}.{p64}".encode(), ec.ECDSA(digest))
    except InvalidSignature:
        print("signature does not verify", file=sys.stderr)
        return 1
    sys.stdout.write(b64u_decode(p64).decode())
    return 0


def sign(crv, payload_path, jwks_path, token_path):
    curve, digest, alg, size = CURVES[crv]
    key = ec.generate_private_key(curve)
    nums = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": crv, "x": b64u_encode(nums.x.to_bytes(size, "big")),
           "y": b64u_encode(nums.y.to_bytes(size, "big"))}
    jwk["kid"] = thumbprint(jwk)
    header = b64u_encode(json.dumps({"alg": alg, "kid": jwk["kid"]}).encode())
    payload = b64u_encode(open(payload_path, "rb").read())
    r, s = decode_dss_signature(key.sign(f"{header}.{payload}".encode(), ec.ECDSA(digest)))
    sig = b64u_encode(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    json.dump({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "other"}, jwk]}, open(jwks_path, "w"))
    open(token_path, "w").write(f"{header}.{payload}.{sig}\n")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        sys.exit(verify(*sys.argv[2:4]))
    sys.exit(sign(*sys.argv[2:6]))
