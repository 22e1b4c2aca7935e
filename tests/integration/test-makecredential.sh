#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `attestctl tpm makecredential` against EKs on swtpm: tpm2_activatecredential on the TPM
# that owns the EK must return the secret, for an RSA EK and ECC EKs (P-256, P-384); a
# credential bound to another name must be refused by the TPM.
set -euo pipefail

. "$(dirname "$0")/swtpm.sh"
require_tool tpm2_createek tpm2_createak tpm2_activatecredential tpm2_startauthsession tpm2_policysecret xxd openssl
: "${ATTESTCTL:?}"

swtpm_test_begin

# Keylime's credential: 32 random alphanumeric characters.
openssl rand -hex 16 | tr -d '\n' > secret

# activate EK_KIND AK_CTX EK_CTX CRED OUT: the standard EK templates (RSA, ECC P-256) need
# PolicySecret(TPM_RH_ENDORSEMENT); the high-range P-384 template allows user auth.
activate() {
        local rc=0
        if [ "$1" = ecc384 ]; then
                tpm2_activatecredential -c "$2" -C "$3" -i "$4" -o "$5" >/dev/null 2>&1 || rc=$?
        else
                tpm2_startauthsession --policy-session -S session.ctx >/dev/null
                tpm2_policysecret -S session.ctx -c e >/dev/null
                tpm2_activatecredential -c "$2" -C "$3" -i "$4" -o "$5" -P session:session.ctx >/dev/null 2>&1 || rc=$?
                tpm2_flushcontext session.ctx >/dev/null 2>&1 || true
        fi
        swtpm_flush
        return $rc
}

for ek in rsa ecc ecc384; do
        tpm2_createek -c "ek-$ek.ctx" -G "$ek" -u "ek-$ek.pub" >/dev/null
        tpm2_createak -C "ek-$ek.ctx" -c "ak-$ek.ctx" -G rsa -g sha256 -s rsassa -u "ak-$ek.pub" -n "ak-$ek.name" >/dev/null
        swtpm_flush

        "$ATTESTCTL" tpm makecredential --ek "ek-$ek.pub" --name "$(xxd -p -c 256 "ak-$ek.name")" \
                --secret secret --output "cred-$ek.out" || { fail "$ek: makecredential failed"; continue; }
        rm -f "act-$ek.out"
        if activate "$ek" "ak-$ek.ctx" "ek-$ek.ctx" "cred-$ek.out" "act-$ek.out" && cmp -s "act-$ek.out" secret; then
                echo "ok: $ek EK activates and returns the secret"
        else
                fail "$ek: tpm2_activatecredential did not return the secret"
        fi

        # Bound to a different name: the TPM's integrity check must fail.
        name=$(xxd -p -c 256 "ak-$ek.name")
        wrong="${name:0:-2}$(printf '%02x' $((0x${name: -2} ^ 1)))"
        "$ATTESTCTL" tpm makecredential --ek "ek-$ek.pub" --name "$wrong" --secret secret --output "bad-$ek.out"
        if activate "$ek" "ak-$ek.ctx" "ek-$ek.ctx" "bad-$ek.out" "bad-act-$ek.out"; then
                fail "$ek: credential for another name was activated"
        else
                echo "ok: $ek EK refuses a credential bound to another name"
        fi
done

# Unusable input: an AK (a signing key) is no EK; a secret longer than the digest.
"$ATTESTCTL" tpm makecredential --ek ak-rsa.pub --name "$(xxd -p -c 256 ak-rsa.name)" --secret secret \
        --output x.out 2>/dev/null && rc=0 || rc=$?
[ "$rc" = 2 ] || fail "signing key as EK: exit $rc, expected 2"
head -c 33 /dev/zero > long
"$ATTESTCTL" tpm makecredential --ek ek-rsa.pub --name "$(xxd -p -c 256 ak-rsa.name)" --secret long \
        --output x.out 2>/dev/null && rc=0 || rc=$?
[ "$rc" = 2 ] || fail "33-byte secret under a SHA-256 EK: exit $rc, expected 2"

swtpm_test_end
