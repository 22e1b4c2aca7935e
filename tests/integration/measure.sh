# SPDX-License-Identifier: LGPL-2.1-or-later
# Bringing a swtpm to the state of a measured boot, for tests and the demo.
# Needs tpm2_pcrextend with $TPM2TOOLS_TCTI set (swtpm.sh) and python3.
measure_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# measure_boot UEFI_LOG IMA_LOG: extends the TPM's PCRs with every measured
# event of a crypto-agile UEFI event log and every entry of an ascii IMA log.
measure_boot() {
        { python3 "$measure_dir/eventlog-extend-specs.py" "$1" &&
          python3 "$measure_dir/ima-extend-specs.py" "$2"; } >"$work/measure.specs" || return 1
        xargs -r -n 64 tpm2_pcrextend <"$work/measure.specs" >/dev/null
}

# measure_exec IMA_LOG PATH: what IMA does when PATH is executed: its ima-ng
# measurement (sha256 of a small script) appended to the log, then PCR 10
# extended with its template hash. Prints the line.
measure_exec() {
        python3 - "$2" >"$work/measure.line" <<'PY' || return 1
import hashlib, struct, sys
path = sys.argv[1]
digest = hashlib.sha256(b"#!/bin/sh\necho " + path.encode() + b"\n").digest()
field = lambda b: struct.pack("<I", len(b)) + b
template = field(b"sha256:\0" + digest) + field(path.encode() + b"\0")
print(f"10 {hashlib.sha1(template).hexdigest()} ima-ng sha256:{digest.hex()} {path}")
PY
        cat "$work/measure.line" >>"$1"
        python3 "$measure_dir/ima-extend-specs.py" "$work/measure.line" | xargs tpm2_pcrextend
        cat "$work/measure.line"
}
