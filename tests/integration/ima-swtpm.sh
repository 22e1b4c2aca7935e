#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each ascii IMA log is extended into a swtpm's PCR 10 with tpm2_pcrextend
# (template hashes from an independent implementation), then attestctl's
# replay must give the TPM's value for the sha1 and the sha256 banks, and
# must find the quote point when the log runs ahead.
set -euo pipefail
here=$(dirname "$0")
. "$here/swtpm.sh"
require_tool tpm2_pcrextend tpm2_pcrread python3

data=${ATTEST_TEST_DATA:?}/ima
logs=(
        "$data/rust-keylime/ascii_runtime_measurements"
        "$data/rust-keylime/ima_log.txt"
        "$data/keylime/ima-sig-scenario/measurements.ascii"
        "$data/keylime/ima-sig-scenario/signatures.ascii"
        "$data/keylime/ima-sig-scenario/keyrings_ima-buf.ascii"
        "$data/keylime/ima-ast/valid_entries.ascii"
        "$data/keylime/create-runtime-policy/ima-log-sha1"
        "$data/keylime/create-runtime-policy/ima-log-sha256"
        "$data/keylime/create-runtime-policy/ima-log-sha384"
)
tmp=$(mktemp -d)

# PCR 10 cannot be reset: each log gets a fresh TPM.
fresh_tpm() {
        swtpm_stop
        swtpm_start
        trap 'rm -rf "$tmp"; swtpm_stop' EXIT
}

pcr10() {   # bank → hex of the TPM's PCR 10
        tpm2_pcrread "$1:10" -o "$tmp/pcr.bin" >/dev/null
        od -An -v -tx1 "$tmp/pcr.bin" | tr -d ' \n'
}

json_field() {   # json, python expression over j
        python3 -c "import json,sys; j=json.loads(sys.argv[1]); print($2)" "$1"
}

failed=0
for log in "${logs[@]}"; do
        fresh_tpm
        python3 "$here/ima-extend-specs.py" "$log" > "$tmp/specs"
        xargs -r -n 64 tpm2_pcrextend < "$tmp/specs"
        out=$("$ATTESTCTL" ima replay --json "$log")
        tpm_sha1=$(pcr10 sha1)
        tpm_sha256=$(pcr10 sha256)
        got_sha1=$(json_field "$out" 'j["pcr10"]["sha1"]')
        got_sha256=$(json_field "$out" 'j["pcr10"]["sha256"]')
        if [ "$tpm_sha1" != "$got_sha1" ] || [ "$tpm_sha256" != "$got_sha256" ]; then
                echo "FAIL $(basename "$log"): tpm $tpm_sha1 $tpm_sha256, replay $got_sha1 $got_sha256"
                failed=1
        else
                echo "ok   $(basename "$log"): $(json_field "$out" 'j["entries"]') entries"
        fi
done

# The log runs ahead of the quote: the TPM saw 300 entries, the log has 826.
log="$data/rust-keylime/ascii_runtime_measurements"
fresh_tpm
python3 "$here/ima-extend-specs.py" "$log" > "$tmp/specs"
head -n 300 "$tmp/specs" | xargs -r -n 64 tpm2_pcrextend
out=$("$ATTESTCTL" ima replay --json --pcr10 "sha256:$(pcr10 sha256)" --pcr10 "sha1:$(pcr10 sha1)" "$log")
if [ "$(json_field "$out" 'j["entries"]')" != 300 ] || [ "$(json_field "$out" 'j["quote_match"]')" != True ]; then
        echo "FAIL quote point: $out"
        failed=1
else
        echo "ok   quote point found at entry 300"
fi

# A quote no prefix reaches is a mismatch (exit 1).
rc=0
"$ATTESTCTL" ima replay --pcr10 "sha1:$(printf '%040d' 1)" "$log" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || { echo "FAIL mismatching quote: exit $rc"; failed=1; }

exit $failed
