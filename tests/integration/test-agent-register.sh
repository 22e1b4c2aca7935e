#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Registration over HTTPS with a pinned CA against a registrar that makes the
# credential with tpm2_makecredential and checks the auth_tag with its own
# HMAC: register, activate, no second registration after a restart, and no
# request at all to a server whose certificate does not chain to the CA.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool tpm2_makecredential openssl python3
swtpm_start

agent_test_setup
fail() { echo "FAIL: $*" >&2; [ -f events ] && cat events >&2; exit 1; }

make_test_ca "$work"
start_fake_registrar "$work" https://verifier.example:8881 || fail "registrar did not start"
url=$REG_URL

agent() { "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id node-1 "$@"; }

# A server that does not chain to the pinned CA gets nothing.
if agent --registrar "$url" --ca other-ca.pem register >out 2>err; then
        fail "registered with a server the pinned CA does not vouch for"
fi
[ ! -s events ] || fail "a request reached an unverified server"

agent --registrar "$url" --ca ca.pem register >out
grep -q '^registration: new$' out || fail "first registration not new"
grep -q '^verifier_url: https://verifier.example:8881$' out || fail "verifier_url not taken from the activation answer"
grep -qx 'POST node-1 ekcert=no' events || fail "no POST seen"
grep -qx 'PUT node-1 ok' events || fail "the registrar did not accept the auth_tag"

# Restarted with the same AK: not registered again.
agent --registrar "$url" --ca ca.pem register >out
grep -q '^registration: kept$' out || fail "registered again after a restart"
[ "$(grep -c '^POST' events)" = 1 ] || fail "a second POST was sent"

# Another node id on the same TPM registers on its own.
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id node-2 \
        --registrar "$url" --ca ca.pem register >out
grep -qx 'PUT node-2 ok' events || fail "node-2 not activated"

# A different AK under an id the registrar knows is refused (403) and reported.
if "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st-other --agent-id node-1 --ak-type ecc \
        --registrar "$url" --ca ca.pem register >out 2>err; then
        fail "re-registration with another AK succeeded"
fi
grep -q "another EK or AK" err || fail "403 not explained: $(cat err)"

# An invalid agent id never reaches the network.
if "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id '../x' \
        --registrar "$url" --ca ca.pem register >/dev/null 2>&1; then
        fail "an agent id with a slash was accepted"
fi

# The same from agent.conf: a drop-in overrides the main file.
mkdir -p conf/agent.conf.d
cat >conf/agent.conf <<CONF
[TPM]
TCTI=$ATTEST_TCTI
[Agent]
AgentId=node-3
StateDirectory=$work/st
CAFile=$work/ca.pem
[Registrar]
URL=https://127.0.0.1:1
CONF
printf '[Registrar]\nURL=%s\n' "$url" >conf/agent.conf.d/50-registrar.conf
"$ATTEST_AGENT" --config conf/agent.conf register >out || fail "registration configured by agent.conf"
grep -qx 'PUT node-3 ok' events || fail "node-3 (from agent.conf) not activated"
# An unknown key is a usage error naming the place.
printf '[Registrar]\nURI=x\n' >conf/agent.conf.d/60-typo.conf
rc=0; "$ATTEST_AGENT" --config conf/agent.conf register >out 2>err || rc=$?
[ "$rc" = 2 ] || fail "a typo in agent.conf gave exit status $rc"
grep -q "60-typo.conf:2" err || fail "the typo was not located: $(cat err)"

left=$(tpm2_getcap handles-transient)
[ -z "$left" ] || fail "transient objects left: $left"
echo PASS
