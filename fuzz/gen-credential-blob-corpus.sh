#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates fuzz/corpus/credential-blob: real tpm2_makecredential output for
# an RSA and an ECC EK of a fresh swtpm, and malformed variants of it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/fuzz/corpus/credential-blob
agent=${ATTEST_AGENT:-$top/build/agent/attest-agent}
. "$top/tests/integration/swtpm.sh"
swtpm_start
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT
mkdir -p "$out"
printf 'Zk9vQmFyQmF6UXV4MTIzNDU2Nzg5MGFi' >"$tmp/secret"
for ek in rsa2048 ecc256; do
        "$agent" --tcti "$ATTEST_TCTI" --ek-type $ek --state-dir "$tmp/st-$ek" identity -o "$tmp/$ek" >/dev/null
        tpm2_makecredential -T none -e "$tmp/$ek/ek.pub" -s "$tmp/secret" \
                -n "$(xxd -p -c 256 "$tmp/$ek/ak.name")" -o "$out/$ek" >/dev/null 2>&1
done
head -c 40 "$out/rsa2048" >"$out/truncated"
{ cat "$out/ecc256"; printf '\0'; } >"$out/trailing"
{ printf '\xba\xdc\xc0\xdf'; tail -c +5 "$out/rsa2048"; } >"$out/bad-magic"
{ head -c 4 "$out/rsa2048"; printf '\0\0\0\2'; tail -c +9 "$out/rsa2048"; } >"$out/bad-version"
