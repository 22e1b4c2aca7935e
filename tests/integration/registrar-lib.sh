# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the tests that register swtpm identities with attest-verifierd
# through tpm2-tools and curl, in their work directory, with $base the
# verifier's URL and fail() defined. Answers land in answer.json.

# A TPM identity in the current directory: EK $1.ctx/$1.pub (algorithm $3,
# default rsa) and an AK $2.ctx/$2.pub under the RSA EK ek.ctx (created first).
reg_identity() {
        local ek=$1 ak=$2 alg=${3:-rsa}
        if [ ! -f "$ek.ctx" ]; then
                tpm2_createek -c "$ek.ctx" -G "$alg" -u "$ek.pub" >/dev/null
                swtpm_flush
        fi
        [ -n "$ak" ] || return 0
        tpm2_createak -C ek.ctx -c "$ak.ctx" -G rsa -g sha256 -s rsassa -u "$ak.pub" -n "$ak.name" >/dev/null
        swtpm_flush
}

# Posts JSON $2 to path $1 (method $3, default POST); prints the status code.
http() {
        curl -s -o answer.json -w '%{http_code}' -X "${3:-POST}" -H 'Content-Type: application/json' \
                --data-binary "$2" "$base$1"
}

# The answer is a JSON error document (v2 envelope or JSON:API errors).
is_json_error() {
        python3 -c 'import json,sys; d=json.load(open("answer.json")); sys.exit(0 if ("errors" in d or (d.get("code",200)>=400 and "status" in d)) else 1)'
}

expect_refused() {   # what, expected status, got status
        [ "$3" = "$2" ] || fail "$1: expected $2, got $3: $(cat answer.json)"
        is_json_error || fail "$1: answer is not a JSON error: $(cat answer.json)"
}

b64() { base64 -w0 "$1"; }

# A v2 registration body: EK public $1, AK public $2, ekcert: a DER file, a PEM
# file (sent as text) or "" for none.
reg_body() {
        local cert=""
        case "$3" in
        "") ;;
        *.pem) cert=", \"ekcert\": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$3")" ;;
        *) cert=", \"ekcert\": \"$(b64 "$3")\"" ;;
        esac
        echo "{\"ek_tpm\": \"$(b64 "$1")\", \"aik_tpm\": \"$(b64 "$2")\"$cert, \"ip\": \"127.0.0.1\", \"port\": 9002, \"mtls_cert\": \"disabled\"}"
}

# Activates the credential in answer.json with the TPM; prints the auth_tag for
# node $1 and AK context $2 (EK context $3, default ek.ctx).
activate() {
        python3 -c 'import json,sys; print(json.load(open("answer.json"))["results"]["blob"])' | base64 -d > cred.blob
        swtpm_flush
        tpm2_startauthsession --policy-session -S session.ctx >/dev/null
        tpm2_policysecret -S session.ctx -c e >/dev/null
        tpm2_activatecredential -c "$2" -C "${3:-ek.ctx}" -i cred.blob -o cred.out -P "session:session.ctx" >/dev/null
        tpm2_flushcontext session.ctx >/dev/null 2>&1 || true
        swtpm_flush
        printf '%s' "$1" | openssl dgst -sha384 -hmac "$(base64 -w0 cred.out)" -r | cut -d' ' -f1
}

# The node's state as the admin API shows it (ctl must be defined), or "absent".
node_state() {
        ctl status "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null || echo absent
}
