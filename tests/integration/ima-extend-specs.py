#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prints, for each PCR 10 entry of an ascii IMA log, the tpm2_pcrextend spec
# "10:sha1=<hex>,sha256=<hex>" of its template data: an implementation of the
# template layout separate from the one under test, so that the TPM's PCR 10
# checks the replay.
import hashlib
import struct
import sys


def field(data):
    return struct.pack("<I", len(data)) + data


def digest_ng(token):
    if token == "":
        return b""
    alg, hexdigest = token.split(":", 1)
    return alg.encode() + b":\0" + bytes.fromhex(hexdigest)


def template_data(template, rest):
    if template == "ima":
        digest, name = rest.split(" ", 1)
        return bytes.fromhex(digest) + name.encode().ljust(256, b"\0")
    digest, rest = rest.split(" ", 1)
    tail = []
    if template in ("ima-sig", "ima-buf"):
        rest, last = rest.rsplit(" ", 1)
        tail = [bytes.fromhex(last)]
    elif template == "ima-modsig":
        rest, sig, dmodsig, modsig = rest.rsplit(" ", 3)
        tail = [bytes.fromhex(sig), digest_ng(dmodsig), bytes.fromhex(modsig)]
    elif template != "ima-ng":
        raise SystemExit(f"unknown template {template}")
    out = field(digest_ng(digest)) + field(rest.encode() + b"\0")
    return out + b"".join(field(t) for t in tail)


for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    line = line.rstrip("\n")
    if not line:
        continue
    pcr, thash, template, rest = line.split(" ", 3)
    if pcr != "10":
        continue
    if int(thash, 16) == 0:
        sha1, sha256 = "ff" * 20, "ff" * 32
    else:
        data = template_data(template, rest)
        sha1, sha256 = hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest()
    print(f"10:sha1={sha1},sha256={sha256}")
