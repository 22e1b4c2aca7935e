#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates the swtpm fixtures of this directory with tpm2-tools against a fresh swtpm:
#   tests/data/tpm/swtpm/generate.sh
# Outputs: AK publics (ECC P-256, ECC P-384, RSA-PSS), a multi-bank quote signed ECDSA/SHA-384,
# an RSA-PSS quote, a self-certification of the P-256 AK, and the nonces used.
set -euo pipefail

out=$(cd "$(dirname "$0")" && pwd)
. "$out/../../../integration/swtpm.sh"
work=$(mktemp -d)
swtpm_start
trap 'swtpm_stop; rm -rf "$work"' EXIT
cd "$work"

tpm2_pcrextend 16:sha1=$(printf x | sha1sum | cut -d' ' -f1),sha256=$(printf x | sha256sum | cut -d' ' -f1)
tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null
swtpm_flush
tpm2_createak -C ek.ctx -c p256.ctx -G ecc -g sha256 -s ecdsa -u "$out/ak-p256.pub" -n "$out/ak-p256.name" >/dev/null
swtpm_flush
tpm2_createak -C ek.ctx -c p384.ctx -G ecc384 -g sha384 -s ecdsa -u "$out/ak-p384.pub" >/dev/null
swtpm_flush
tpm2_createak -C ek.ctx -c pss.ctx -G rsa -g sha256 -s rsapss -u "$out/ak-rsapss.pub" >/dev/null
swtpm_flush

echo 00112233445566778899aabbccddeeff > "$out/nonce.hex"
tpm2_quote -c p384.ctx -l sha1:0,1,2,3,4,5,6,7,8,9,16+sha256:0,16 -q "$(cat "$out/nonce.hex")" -g sha384 \
        -m "$out/quote-multibank.msg" -s "$out/quote-multibank.sig" -o "$out/quote-multibank.pcrs" >/dev/null
swtpm_flush
tpm2_quote -c pss.ctx -l sha256:0,16 -q "$(cat "$out/nonce.hex")" -g sha256 --scheme rsapss \
        -m "$out/quote-rsapss.msg" -s "$out/quote-rsapss.sig" -o "$out/quote-rsapss.pcrs" >/dev/null
swtpm_flush
# tpm2_certify of this version sets its fixed qualifying data 00ff55aa.
tpm2_certify -c p256.ctx -C p256.ctx -g sha256 -o "$out/certify-p256.msg" -s "$out/certify-p256.sig" >/dev/null
swtpm_flush
