#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attestctl ima replay, runtime-policy-run and policy create-runtime, end to
# end: exit codes, JSON verdicts, a policy made from a log or a directory.
set -euo pipefail
data=${ATTEST_TEST_DATA:?}/ima
scen=$data/keylime/ima-sig-scenario
log=$data/rust-keylime/ascii_runtime_measurements
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${ATTEST_INTEGRATION_DIR:?}/cli-lib.sh"

expect 0 "replay 826 entries" "$ATTESTCTL" ima replay --json "$log"
[ "$(json 'j["entries"]')" = 826 ] || { echo "FAIL entry count"; failed=1; }
expect 0 "replay golden PCR 10" "$ATTESTCTL" ima replay --json "$scen/measurements.ascii"
[ "$(json 'j["pcr10"]["sha1"]')" = dff39e2db052e00d11f45770bb127c4053e14f32 ] || { echo "FAIL golden"; failed=1; }
expect 0 "replay empty log" "$ATTESTCTL" ima replay "$data/rust-keylime/empty_ima_log.txt"
head -c -1 "$data/tpm2-tss/sml-ima-ng-sha1.bin" > "$tmp/list.bin"   # without the stray last byte
expect 0 "replay binary list" "$ATTESTCTL" ima replay --json "$tmp/list.bin"
[ "$(json 'j["entries"]')" = 6 ] || { echo "FAIL binary entry count"; failed=1; }
expect 2 "replay binary list with a stray byte" "$ATTESTCTL" ima replay "$data/tpm2-tss/sml-ima-ng-sha1.bin"
expect 2 "replay malformed log" "$ATTESTCTL" ima replay "$data/rust-keylime/invalid_ima_log.txt"
expect 1 "replay altered entry" "$ATTESTCTL" ima replay "$scen/bad_signatures.ascii"
expect 2 "replay missing file" "$ATTESTCTL" ima replay "$tmp/nope"
expect 2 "replay usage" "$ATTESTCTL" ima replay
expect 2 "replay bad --pcr10" "$ATTESTCTL" ima replay --pcr10 sha1:zz "$log"

# --hash: the sha256 bank alone gives the full replay's sha256 value and nothing else
expect 0 "replay both banks" "$ATTESTCTL" ima replay --json "$log"
full256=$(json 'j["pcr10"]["sha256"]')
full1=$(json 'j["pcr10"]["sha1"]')
expect 0 "replay sha256 bank" "$ATTESTCTL" ima replay --json --hash sha256 "$log"
[ "$(json 'j["pcr10"]["sha256"]')" = "$full256" ] || { echo "FAIL sha256 bank value"; failed=1; }
[ "$(json 'sorted(j["pcr10"])')" = "['sha256']" ] || { echo "FAIL sha256 bank only"; failed=1; }
# --bank, the earlier spelling, is the same option
expect 0 "replay sha256 bank (--bank)" "$ATTESTCTL" ima replay --json --bank sha256 "$log"
[ "$(json 'sorted(j["pcr10"])')" = "['sha256']" ] || { echo "FAIL --bank is not --hash"; failed=1; }
expect 2 "--bank and --hash name one option" "$ATTESTCTL" ima replay --bank sha1 --hash sha1 "$log"
expect 0 "sha256 bank reaches its quote" "$ATTESTCTL" ima replay --hash sha256 --pcr10 "sha256:$full256" "$log"
expect 2 "sha1 quote without the sha1 bank" "$ATTESTCTL" ima replay --hash sha256 --pcr10 "sha1:$full1" "$log"
# the altered entry's written SHA-1 hash is checked with the sha1 bank only; its data reach sha256
expect 1 "altered entry, sha1 bank" "$ATTESTCTL" ima replay --hash sha1 "$scen/bad_signatures.ascii"
expect 0 "altered entry, sha256 bank" "$ATTESTCTL" ima replay --hash sha256 "$scen/bad_signatures.ascii"
expect 2 "unknown --hash" "$ATTESTCTL" ima replay --hash md5 "$log"
grep -q "Invalid --hash 'md5'" "$tmp/err" || { echo "FAIL unknown --hash not named"; failed=1; }
expect 2 "repeated --hash" "$ATTESTCTL" ima replay --hash sha1 --hash sha1 "$log"

# keylime's scenario through the CLI
expect 0 "policy passes its measurements" "$ATTESTCTL" runtime-policy-run "$scen/runtime_policy_test.json" "$scen/measurements.ascii"
expect 1 "wrong digests fail" "$ATTESTCTL" runtime-policy-run --json "$scen/runtime_policy_wrong.json" "$scen/signatures.ascii"
[ "$(json '[(f["id"], f["entry"], f["path"]) for f in j["failures"]]')" = \
  "[('ima.digest_mismatch', 0, '/usr/bin/dd'), ('ima.digest_mismatch', 1, '/usr/bin/zmore')]" ] || { echo "FAIL failure list"; failed=1; }
expect 0 "valid signatures override" "$ATTESTCTL" runtime-policy-run "$scen/runtime_policy_wrong.json" "$scen/signatures.ascii" \
        --verification-key "$scen/rsa2048pub.pem" --verification-key "$scen/secp256k1-pub.pem"
expect 0 "keys from a keyring file" "$ATTESTCTL" runtime-policy-run "$scen/runtime_policy_wrong.json" "$scen/signatures.ascii" \
        --keyring "$scen/ima_keyring.json"
expect 1 "bad signature" "$ATTESTCTL" runtime-policy-run --json "$scen/runtime_policy_test.json" "$scen/bad_signatures.ascii"
[ "$(json 'sorted(f["id"] for f in j["failures"])')" = "['ima.bad_signature', 'ima.pcr_mismatch']" ] || { echo "FAIL bad signature ids"; failed=1; }
mod=$data/modsig
cat "$mod/good-rsa.ascii" "$mod/good-ec.ascii" "$mod/signed-attrs.ascii" > "$tmp/modsig-good.ascii"
expect 0 "appended signatures, policy keys" "$ATTESTCTL" runtime-policy-run "$mod/policy-keys.json" "$tmp/modsig-good.ascii"
expect 0 "appended signatures, given keys" "$ATTESTCTL" runtime-policy-run "$scen/runtime_policy_test.json" \
        "$tmp/modsig-good.ascii" --verification-key "$mod/rsa.pub.pem" --verification-key "$mod/ec.pub.pem"
expect 1 "bad appended signature" "$ATTESTCTL" runtime-policy-run --json "$mod/policy-keys.json" "$mod/tampered-ec.ascii"
[ "$(json 'j["failures"][0]["id"]')" = ima.bad_signature ] || { echo "FAIL modsig failure id"; failed=1; }
expect 2 "unusable policy" "$ATTESTCTL" runtime-policy-run "$data/keylime/runtime-policy/sign-runtime-policy/runtime-policy-bogus.json" "$log"
expect 2 "bad keyring file" "$ATTESTCTL" runtime-policy-run "$scen/runtime_policy_test.json" "$log" --keyring "$scen/ima_bad_keyring.json"

# A policy made from a log passes it; one changed digest fails exactly that entry; an exclude skips it.
expect 0 "create from log" "$ATTESTCTL" policy create-runtime --from-ima-log "$log"
cp "$tmp/out" "$tmp/policy.json"
expect 0 "created policy passes" "$ATTESTCTL" runtime-policy-run "$tmp/policy.json" "$log"
python3 - "$tmp/policy.json" "$tmp/changed.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["digests"]["/bin/sh"] = ["00" * 20]
json.dump(p, open(sys.argv[2], "w"))
PY
expect 1 "one changed digest" "$ATTESTCTL" runtime-policy-run --json "$tmp/changed.json" "$log"
[ "$(json '[(f["id"], f["entry"], f["path"]) for f in j["failures"]]')" = "[('ima.digest_mismatch', 2, '/bin/sh')]" ] \
        || { echo "FAIL changed digest: $(cat "$tmp/out")"; failed=1; }
expect 0 "create with exclude" "$ATTESTCTL" policy create-runtime --from-ima-log "$log" --exclude '/bin/s[h]$'
python3 - "$tmp/out" "$tmp/excluded.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["excludes"] == ["/bin/s[h]$"], p["excludes"]
p["digests"]["/bin/sh"] = ["00" * 20]
json.dump(p, open(sys.argv[2], "w"))
PY
expect 0 "excluded path skipped" "$ATTESTCTL" runtime-policy-run --json "$tmp/excluded.json" "$log"
[ "$(json 'j["excluded"]')" = 1 ] || { echo "FAIL exclude count"; failed=1; }

# A directory tree: digests equal sha256sum's, paths below the root.
mkdir -p "$tmp/root/usr/bin" "$tmp/root/etc"
for i in $(seq 40); do head -c $((i * 1000)) /dev/urandom > "$tmp/root/usr/bin/f$i"; done
echo hello > "$tmp/root/etc/conf"
ln -s conf "$tmp/root/etc/link"
expect 0 "create from dir" "$ATTESTCTL" policy create-runtime --hash sha256 --from-dir "$tmp/root"
python3 - "$tmp/out" "$tmp/root" <<'PY' || failed=1
import hashlib, json, os, sys
p = json.load(open(sys.argv[1]))["digests"]
root = sys.argv[2]
want = {}
for d, _, files in os.walk(root):
    for f in files:
        full = os.path.join(d, f)
        if os.path.islink(full):
            continue
        want["/" + os.path.relpath(full, root)] = [hashlib.sha256(open(full, "rb").read()).hexdigest()]
if p != want:
    print("FAIL dir digests differ"); sys.exit(1)
print("ok   dir digests match sha256sum")
PY
expect 2 "create with unknown hash" "$ATTESTCTL" policy create-runtime --hash md5 --from-dir "$tmp/root"
# An exclude PCRE2 cannot compile is refused, named, before anything is hashed or printed.
expect 2 "create with a bad exclude" "$ATTESTCTL" policy create-runtime --from-ima-log "$log" --exclude '(['
grep -q 'Invalid --exclude: exclude "(\[": missing terminating \]' "$tmp/err" && [ ! -s "$tmp/out" ] ||
        { echo "FAIL bad exclude message: $(cat "$tmp/err")"; failed=1; }
expect 2 "create from malformed log" "$ATTESTCTL" policy create-runtime --from-ima-log "$data/rust-keylime/invalid_ima_log.txt"

exit $failed
