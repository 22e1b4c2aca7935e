#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fresh quotes from RSA and ECC AKs on swtpm, over SHA-1 and SHA-256 banks, verified by
# `attestctl quote verify`; each tampering is rejected with its own reason, and for every
# case the verdict agrees with tpm2_checkquote as the independent verifier.
set -euo pipefail

. "$(dirname "$0")/swtpm.sh"
require_tool tpm2_createek tpm2_createak tpm2_quote tpm2_checkquote tpm2_pcrextend tpm2_pcrread xxd base64
: "${ATTESTCTL:?}"

swtpm_test_begin

# Non-trivial PCR contents in both banks.
tpm2_pcrextend 16:sha1=$(printf a | sha1sum | cut -d' ' -f1),sha256=$(printf a | sha256sum | cut -d' ' -f1)
tpm2_pcrextend 23:sha1=$(printf b | sha1sum | cut -d' ' -f1),sha256=$(printf b | sha256sum | cut -d' ' -f1)

tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null
swtpm_flush
make_ak() { # name alg scheme
        tpm2_createak -C ek.ctx -c "$1.ctx" -G "$2" -g sha256 -s "$3" -u "$1.pub" -n "$1.name" >/dev/null
        swtpm_flush
}
make_ak ak-rsa rsa rsassa
make_ak ak-ecc ecc ecdsa
make_ak ak-rsa-other rsa rsassa
make_ak ak-ecc-other ecc ecdsa
tpm2_createak -C ek.ctx -c ak-sha1.ctx -G rsa -g sha1 -s rsassa -u ak-sha1.pub -n ak-sha1.name >/dev/null
swtpm_flush

# our_verdict AK NONCE MSG SIG PCRS [extra args] → prints "rc reason"
our_verdict() {
        local ak=$1 nonce=$2 msg=$3 sig=$4 pcrs=$5; shift 5
        local out rc=0
        out=$("$ATTESTCTL" quote verify --ak "$ak" --nonce "$nonce" --message "$msg" --signature "$sig" \
                --pcrs "$pcrs" --json "$@" 2>/dev/null) || rc=$?
        local reason
        reason=$(printf '%s' "$out" | grep -o '"reason":"[a-z_]*"' | cut -d'"' -f4 || true)
        echo "$rc ${reason:-none}"
}

theirs_ok() { # AK NONCE MSG SIG PCRS HASH
        tpm2_checkquote -u "$1" -q "$2" -m "$3" -s "$4" -f "$5" -g "$6" >/dev/null 2>&1
}

# check NAME EXPECTED_RC EXPECTED_REASON AK NONCE MSG SIG PCRS
check() {
        local name=$1 want_rc=$2 want_reason=$3; shift 3
        local got theirs
        got=$(our_verdict "$@")
        if theirs_ok "$@" sha256; then theirs=0; else theirs=1; fi
        [ "$got" = "$want_rc $want_reason" ] || fail "$name: attestctl says '$got', expected '$want_rc $want_reason'"
        [ "$theirs" = "$want_rc" ] || fail "$name: tpm2_checkquote exit $theirs disagrees (expected $want_rc)"
        echo "ok: $name -> $got (tpm2_checkquote: $theirs)"
}

flip_byte() { # FILE OFFSET OUT
        cp "$1" "$3"
        local b
        b=$(xxd -p -s "$2" -l 1 "$1")
        printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}

nonce=$(xxd -p -l 20 /dev/urandom)
other_nonce=$(xxd -p -l 20 /dev/urandom)

for ak in ak-rsa ak-ecc; do
        for bank in sha1 sha256; do
                t="$ak/$bank"
                tpm2_quote -c "$ak.ctx" -l "$bank:0,1,16,23" -q "$nonce" -m q.msg -s q.sig -o q.pcrs -g sha256 >/dev/null
                tpm2_quote -c "$ak.ctx" -l "$bank:0,1" -q "$nonce" -m q2.msg -s q2.sig -o q2.pcrs -g sha256 >/dev/null
                swtpm_flush

                check "$t valid" 0 none "$ak.pub" "$nonce" q.msg q.sig q.pcrs

                # The same through the Keylime quote string.
                qs="r$(base64 -w0 q.msg):$(base64 -w0 q.sig):$(base64 -w0 q.pcrs)"
                "$ATTESTCTL" quote verify --ak "$ak.pub" --nonce "$nonce" --quote "$qs" >/dev/null \
                        || fail "$t: quote string not accepted"

                # Values reported are the TPM's.
                tpm2_pcrread "$bank:16" -o pcr16.bin >/dev/null
                "$ATTESTCTL" quote verify --ak "$ak.pub" --nonce "$nonce" --message q.msg --signature q.sig \
                        --pcrs q.pcrs --json | grep -q "\"16\":\"$(xxd -p -c 256 pcr16.bin)\"" \
                        || fail "$t: PCR 16 in --json output differs from tpm2_pcrread"

                # Last byte of the signature (inside r‖s for ECDSA, inside the RSA signature).
                flip_byte q.sig $(($(stat -c %s q.sig) - 1)) bad.sig
                check "$t flipped signature byte" 1 bad_signature "$ak.pub" "$nonce" q.msg bad.sig q.pcrs

                # A byte of clockInfo.clock: after magic, type, qualifiedSigner, extraData.
                signer=$((0x$(xxd -p -s 6 -l 2 q.msg)))
                flip_byte q.msg $((6 + 2 + signer + 2 + 20 + 7)) bad.msg
                check "$t flipped message byte" 1 bad_signature "$ak.pub" "$nonce" bad.msg q.sig q.pcrs

                # First byte of the first PCR value in the PCR file (selection 132 + N 4 + count 4 + size 2).
                flip_byte q.pcrs 142 bad.pcrs
                check "$t altered PCR value" 1 pcr_digest_mismatch "$ak.pub" "$nonce" q.msg q.sig bad.pcrs

                check "$t differing PCR selection" 1 pcr_selection_mismatch "$ak.pub" "$nonce" q.msg q.sig q2.pcrs
                check "$t wrong nonce" 1 nonce_mismatch "$ak.pub" "$other_nonce" q.msg q.sig q.pcrs
                check "$t different AK" 1 bad_signature "$ak-other.pub" "$nonce" q.msg q.sig q.pcrs
                # An AK of the other type cannot have made this signature at all.
                [ "$ak" = ak-rsa ] && wrong=ak-ecc.pub || wrong=ak-rsa.pub
                check "$t AK of another key type" 1 key_mismatch "$wrong" "$nonce" q.msg q.sig q.pcrs
        done
done

# A SHA-1 signature is refused unless asked for, and then agrees with tpm2_checkquote.
tpm2_quote -c ak-sha1.ctx -l sha256:0,16 -q "$nonce" -m s1.msg -s s1.sig -o s1.pcrs -g sha1 >/dev/null
swtpm_flush
got=$(our_verdict ak-sha1.pub "$nonce" s1.msg s1.sig s1.pcrs)
[ "$got" = "1 hash_alg_disallowed" ] || fail "sha1 signature by default: '$got'"
got=$(our_verdict ak-sha1.pub "$nonce" s1.msg s1.sig s1.pcrs --hash sha1)
[ "$got" = "0 none" ] || fail "sha1 signature with --hash sha1: '$got'"
theirs_ok ak-sha1.pub "$nonce" s1.msg s1.sig s1.pcrs sha1 || fail "tpm2_checkquote rejects the sha1 quote"

# The AK as PEM, as tpm2_readpublic writes it.
tpm2_readpublic -c ak-ecc.ctx -f pem -o ak-ecc.pem >/dev/null
swtpm_flush
tpm2_quote -c ak-ecc.ctx -l sha256:0,16 -q "$nonce" -m p.msg -s p.sig -o p.pcrs -g sha256 >/dev/null
swtpm_flush
check "PEM AK valid" 0 none ak-ecc.pem "$nonce" p.msg p.sig p.pcrs

# Unusable input.
"$ATTESTCTL" quote verify --ak ak-rsa.pub --nonce "$nonce" --quote "xnot-a-quote" 2>/dev/null && rc=0 || rc=$?
[ "$rc" = 2 ] || fail "malformed quote string: exit $rc, expected 2"
head -c 10 q.msg > short.msg
our=$(our_verdict ak-ecc.pub "$nonce" short.msg q.sig q.pcrs)
[ "$our" = "2 none" ] || fail "truncated message: '$our', expected exit 2"

swtpm_test_end
echo "all quote cases agree with tpm2_checkquote"
