#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The agent's TPM operations against swtpm, checked with tpm2-tools as an
# independent verifier: quotes, self-certification, credential activation,
# the EK certificate from NV, a kept AK, and no transient object left behind.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
require_tool tpm2_checkquote tpm2_createek tpm2_makecredential tpm2_verifysignature tpm2_print openssl xxd
swtpm_start

work=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$work"' EXIT
cd "$work"

agent() { "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

no_transients() {
        local left
        left=$(tpm2_getcap handles-transient)
        [ -z "$left" ] || fail "transient objects left in the TPM after $1: $left"
        left=$(tpm2_getcap handles-loaded-session)
        [ -z "$left" ] || fail "sessions left in the TPM after $1: $left"
}

# An EK certificate in the RSA EK index, as a manufacturer would provision it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ekca.key -subj /CN=test-ek -days 1 \
        -outform DER -out ekcert.der 2>/dev/null
tpm2_nvdefine 0x01c00002 -C o -s "$(stat -c %s ekcert.der)" \
        -a "ownerread|ownerwrite|authread|authwrite|no_da" >/dev/null
tpm2_nvwrite 0x01c00002 -C o -i ekcert.der

for ek in rsa2048 ecc256 ecc384; do
        for ak in rsa ecc; do
                st=st-$ek-$ak id=id-$ek-$ak
                a() { agent --ek-type "$ek" --ak-type "$ak" --state-dir "$st" "$@"; }

                a identity --out-dir "$id" >"$id.txt"
                grep -q '^ak: created$' "$id.txt" || fail "$ek/$ak: first run did not create the AK"
                no_transients "identity"

                # Same AK on the next start.
                a identity --out-dir "$id.again" >"$id.again.txt"
                grep -q '^ak: loaded$' "$id.again.txt" || fail "$ek/$ak: second run did not load the AK"
                cmp -s "$id/ak.pub" "$id.again/ak.pub" || fail "$ek/$ak: AK changed across restarts"
                cmp -s "$id/ek.pub" "$id.again/ek.pub" || fail "$ek/$ak: EK changed across restarts"

                # Quote: verified by tpm2_checkquote against the AK the agent created.
                nonce=$(openssl rand -hex 16)
                a quote --nonce "$nonce" --pcrs sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,23 --out-dir "q-$id"
                tpm2_checkquote -u "$id/ak.pub" -m "q-$id/attest.bin" -s "q-$id/signature.bin" \
                        -f "q-$id/pcrs.bin" -g sha256 -q "$nonce" >/dev/null \
                        || fail "$ek/$ak: tpm2_checkquote refused the agent's quote"
                # ... and refuses it for another nonce.
                if tpm2_checkquote -u "$id/ak.pub" -m "q-$id/attest.bin" -s "q-$id/signature.bin" \
                        -f "q-$id/pcrs.bin" -g sha256 -q "00$nonce" >/dev/null 2>&1; then
                        fail "$ek/$ak: quote accepted with a wrong nonce"
                fi
                no_transients "quote"

                # Certify(AK, AK) over a challenge.
                challenge=$(openssl rand -hex 16)
                a certify --challenge "$challenge" --out-dir "c-$id"
                tpm2_print -t TPMS_ATTEST "c-$id/attest.bin" >"c-$id.txt" 2>/dev/null || true
                grep -q "^magic: ff544347" "c-$id.txt" || fail "$ek/$ak: certify magic"
                grep -q "^type: 8017" "c-$id.txt" || fail "$ek/$ak: not an ATTEST_CERTIFY"
                grep -q "^extraData: $challenge" "c-$id.txt" || fail "$ek/$ak: extraData is not the challenge"
                # The certified name (after the fixed header) is the AK's name.
                xxd -p -c 4096 "c-$id/attest.bin" | grep -q "$(xxd -p -c 256 "$id/ak.name")" \
                        || fail "$ek/$ak: the certified name is not the AK's"
                tpm2_loadexternal -C o -u "$id/ak.pub" -c "ak-$id.ctx" >/dev/null
                tpm2_verifysignature -c "ak-$id.ctx" -g sha256 -m "c-$id/attest.bin" \
                        -s "c-$id/signature.bin" -t "tk-$id" >/dev/null \
                        || fail "$ek/$ak: certify signature does not verify"
                swtpm_flush
                no_transients "certify"

                # Credential activation of a tpm2_makecredential blob for this EK and AK.
                openssl rand -base64 24 | tr -d '\n' >"secret-$id"
                tpm2_makecredential -T none -e "$id/ek.pub" -s "secret-$id" \
                        -n "$(xxd -p -c 256 "$id/ak.name")" -o "blob-$id" >/dev/null 2>&1
                a activate-credential "blob-$id" >"out-$id"
                cmp -s "out-$id" "secret-$id" || fail "$ek/$ak: activated credential differs"
                no_transients "activate-credential"

                # ... and of one made by hostattest's own software MakeCredential.
                "$ATTESTCTL" tpm makecredential --ek "$id/ek.pub" --name "$(xxd -p -c 256 "$id/ak.name")" \
                        --secret "secret-$id" --output "hblob-$id"
                a activate-credential "hblob-$id" >"hout-$id"
                cmp -s "hout-$id" "secret-$id" || fail "$ek/$ak: credential from attestctl differs"

                # A credential made for another key name is refused by the TPM.
                tpm2_makecredential -T none -e "$id/ek.pub" -s "secret-$id" \
                        -n "000b$(openssl rand -hex 32)" -o "badblob-$id" >/dev/null 2>&1
                if a activate-credential "badblob-$id" >/dev/null 2>&1; then
                        fail "$ek/$ak: a credential for another AK was activated"
                fi
                no_transients "a refused activation"
        done
done

# The EKs are those of the TCG default templates: tpm2_createek makes the same keys.
for pair in rsa2048:rsa ecc256:ecc ecc384:ecc384; do
        ek=${pair%%:*}
        tpm2_createek -c ek.ctx -G "${pair##*:}" -u "tools-$ek.pub" >/dev/null
        swtpm_flush
        cmp -s "id-$ek-rsa/ek.pub" "tools-$ek.pub" || fail "the $ek EK differs from tpm2_createek's"
done

# The RSA EK found its certificate; the ECC ones have none provisioned.
grep -q '^ek_cert: present$' id-rsa2048-rsa.txt || fail "EK certificate not read"
cmp -s id-rsa2048-rsa/ek.crt ekcert.der || fail "EK certificate differs from NV contents"
grep -q '^ek_cert: absent$' id-ecc256-rsa.txt || fail "ECC EK reported a certificate"

# A damaged kept AK is an error, never a silent new identity.
printf 'junk' >st-rsa2048-rsa/ak.pub
if agent --ek-type rsa2048 --state-dir st-rsa2048-rsa identity >/dev/null 2>&1; then
        fail "a corrupt ak.pub was accepted"
fi
# An AK kept for another EK is refused.
cp -r st-ecc256-rsa st-moved
if agent --ek-type rsa2048 --state-dir st-moved identity >/dev/null 2>&1; then
        fail "an AK kept for another EK was used"
fi

echo "PASS"
