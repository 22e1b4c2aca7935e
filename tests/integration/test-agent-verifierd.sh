#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent registers with attest-verifierd (socket activated, TLS with a
# pinned CA): the node is registered, activated and enrolled; the agent takes
# the verifier URL from the activation answer; a restart of the agent does not
# register again; the registration is visible to attestctl.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl openssl python3
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}"
swtpm_start

agent_test_setup
fail() { echo "FAIL: $*" >&2; [ -f verifierd.log ] && tail -n 30 verifierd.log >&2; exit 1; }

make_test_ca "$work"
verifierd_tls_start "$ATTEST_VERIFIERD" || fail "verifier does not answer over TLS"

agent() {
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id node-a \
                --registrar "https://127.0.0.1:$port" --ca ca.pem "$@"
}

agent register >out 2>err || fail "registration with attest-verifierd: $(cat err)"
grep -q '^registration: new$' out || fail "not a new registration"
grep -q '^verifier_url: https://verifier.test:8881' out || fail "no verifier_url from the activation: $(cat out)"

"$ATTESTCTL" --admin-socket "$sock" nodes --json >nodes.json || fail "attestctl nodes"
python3 - <<'PY' || fail "node not listed as registered: $(cat nodes.json)"
import json
nodes = json.load(open("nodes.json"))
n = [x for x in nodes if x.get("agent_id", x.get("id")) == "node-a"]
assert n, nodes
PY

agent register >out 2>err || fail "second run: $(cat err)"
grep -q '^registration: kept$' out || fail "registered again after a restart"

[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
