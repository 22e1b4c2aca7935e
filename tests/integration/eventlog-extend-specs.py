#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prints, for each measured event of a crypto-agile TCG event log, the
# tpm2_pcrextend spec "PCR:sha1=<hex>,sha256=<hex>" of its digests, so that a
# TPM can be brought to the PCR values the log describes. A reading of the log
# separate from the one under test. Refuses logs that declare a startup
# locality (a TPM's PCR 0 cannot be set to that start value by extending).
import struct
import sys

EV_NO_ACTION = 3
ALG_NAMES = {0x0004: "sha1", 0x000B: "sha256", 0x000C: "sha384", 0x000D: "sha512"}

log = open(sys.argv[1], "rb").read()
pos = 0


def take(n):
    global pos
    if pos + n > len(log):
        raise SystemExit(f"{sys.argv[1]}: truncated at byte {pos}")
    out = log[pos:pos + n]
    pos += n
    return out


# The first event has the SHA-1 layout and holds the Spec ID event.
_pcr, _type = struct.unpack("<II", take(8))
take(20)
(size,) = struct.unpack("<I", take(4))
spec = take(size)
if not spec.startswith(b"Spec ID Event03\0"):
    raise SystemExit(f"{sys.argv[1]}: not a crypto-agile log")
(count,) = struct.unpack_from("<I", spec, 24)
sizes = {}
for i in range(count):
    alg, digest_size = struct.unpack_from("<HH", spec, 28 + 4 * i)
    sizes[alg] = digest_size

while pos < len(log):
    pcr, event_type, count = struct.unpack("<III", take(12))
    digests = []
    for _ in range(count):
        (alg,) = struct.unpack("<H", take(2))
        if alg not in sizes:
            raise SystemExit(f"{sys.argv[1]}: algorithm {alg:#x} not declared")
        digest = take(sizes[alg]).hex()
        if alg in ALG_NAMES:
            digests.append(f"{ALG_NAMES[alg]}={digest}")
    (size,) = struct.unpack("<I", take(4))
    data = take(size)
    if event_type == EV_NO_ACTION:
        if data.startswith(b"StartupLocality\0"):
            raise SystemExit(f"{sys.argv[1]}: declares a startup locality")
        continue
    print(f"{pcr}:{','.join(digests)}")
