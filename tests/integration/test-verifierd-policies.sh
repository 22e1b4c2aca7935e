#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Named policies are the fleet's unit, through the real daemon and simulated
# nodes (push-client): tenant.conf's policy files are stored under names derived
# from their paths; `policy update` of a name reaches its nodes at their next
# attestation (a failing node passes once its file is allowed, and fails again
# when it is taken out); editing a tenant.conf file and restarting repoints its
# nodes; `policy show` lists the nodes of a name; `update --no-policy` detaches,
# --tpm-policy takes a name; a second enrol is refused unless --force; stop,
# reactivate and remove are idempotent; refusals name the offending value.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"

sim_work

sim_tenant
sim_verifierd_conf
field() {   # node, python expression on the status JSON s
        ctl status --json "$1" | python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkdir -p state
sim_verifierd_start

# The name tenant.conf's runtime_policy file is stored under.
rt_name=file-$(printf '%s' "${work#/}/runtime-policy.json" | tr / -)
ctl policy list | grep -q "^runtime  *$rt_name " || fail "tenant.conf's file not stored as $rt_name: $(ctl policy list)"

# --- A policy update of the name reaches the node at its next attestation.
{ cat ima.log; "$PUSH_CLIENT" ima-log /tmp/sticky 200; } > allow.log
"$ATTESTCTL" policy create-runtime --from-ima-log allow.log > allow-policy.json
cp runtime-policy.json base-policy.json
cat > hook.sh <<HOOK
#!/bin/sh
ctl() { "$ATTESTCTL" --admin-socket "$sock" "\$@"; }
case "\$1" in
fail) ctl status node-a | grep -q "Verdict: FAIL" ;;
allow) ctl policy update runtime "$rt_name" "$work/allow-policy.json" | grep -q "1 node(s)" ;;
disallow) ctl policy update runtime "$rt_name" "$work/base-policy.json" >/dev/null ;;
reactivate) ctl reactivate node-a >/dev/null ;;
pending) ctl status node-a | grep -q "Verdict: PENDING" ;;
esac
HOOK
chmod +x hook.sh
PUSH_CLIENT_HOOK=$work/hook.sh "$PUSH_CLIENT" run "$base" sticky node-a || fail "sticky scenario with policy updates"
[ "$(field node-a 's["runtime_policy"]["name"]')" = "$rt_name" ] || fail "node-a's runtime policy name"
[ "$(field node-a 's["runtime_policy"]["digest"]')" = "$(sha base-policy.json)" ] || fail "node-a's runtime digest"
echo "ok: policy update reaches the nodes of a name"

# --- Operator names: show lists the nodes; update repoints only them.
"$PUSH_CLIENT" run "$base" pass node-b >/dev/null || fail "pass scenario of node-b"
ctl policy add runtime fleet base-policy.json >/dev/null
ctl update node-b --runtime-policy fleet >/dev/null
ctl policy show runtime fleet | grep -x "# Nodes (1): node-b" >/dev/null || fail "policy show fleet: $(ctl policy show runtime fleet | head -2)"
ctl policy show runtime "$rt_name" | grep -x "# Nodes (1): node-a" >/dev/null || fail "policy show $rt_name"
ctl policy show --json runtime fleet | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["nodes"] == ["node-b"], s' \
        || fail "policy show --json"
cmp <(ctl policy show --content runtime fleet) base-policy.json || fail "policy show --content"
out=$(ctl policy update runtime fleet allow-policy.json) || fail "policy update fleet"
[ "$out" = "Updated runtime policy 'fleet': 1 node(s) use it from their next attestation." ] || fail "update message: $out"
[ "$(field node-b 's["runtime_policy"]["digest"]')" = "$(sha allow-policy.json)" ] || fail "node-b not repointed"
[ "$(field node-a 's["runtime_policy"]["digest"]')" = "$(sha base-policy.json)" ] || fail "node-a repointed by another name"
rc=0; ctl policy update runtime nosuch allow-policy.json 2>err || rc=$?
[ "$rc" = 1 ] && grep -q "No runtime policy named 'nosuch'; store it with policy add" err || fail "update of no name: $rc $(cat err)"
echo '{"digests": 5}' > bad.json
rc=0; ctl policy update runtime fleet bad.json 2>err || rc=$?
[ "$rc" = 2 ] || fail "update with content the engine refuses: exit $rc"
[ "$(field node-b 's["runtime_policy"]["digest"]')" = "$(sha allow-policy.json)" ] || fail "a refused update changed node-b"
rc=0; ctl policy add runtime 'two words' base-policy.json 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "Invalid policy name 'two words': use 1 to 64 characters" err || fail "invalid name: $rc $(cat err)"
echo "ok: named policies listed with their nodes, updated, refusals"

# --- Detaching, names for --tpm-policy, durations, nothing to change.
ctl update node-b --no-policy runtime >/dev/null || fail "--no-policy runtime"
[ "$(field node-b 's["runtime_policy"]')" = None ] || fail "runtime policy not detached"
rc=0; ctl update node-b --runtime-policy '' 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "use --no-policy runtime" err || fail "--runtime-policy '': $rc $(cat err)"
printf '{"23": ["%064d"]}' 0 > pcr23.json
ctl policy add tpm pcr23 pcr23.json >/dev/null
ctl update node-b --tpm-policy pcr23 --interval 30s >/dev/null || fail "--tpm-policy NAME --interval 30s"
[ "$(field node-b 's["tpm_policy"]["name"], s["interval"]')" = "pcr23 30" ] || fail "tpm policy by name, interval 30s"
ctl policy show tpm pcr23 | grep -x "# Nodes (1): node-b" >/dev/null || fail "policy show tpm"
rc=0; ctl policy remove tpm pcr23 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "removing a tpm policy in use: exit $rc"
rc=0; ctl update node-b 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "Nothing to change for node node-b" err || fail "update with nothing: $rc $(cat err)"
rc=0; ctl update node-b --interval soon 2>err || rc=$?
[ "$rc" = 2 ] && grep -q "Invalid --interval 'soon'" err || fail "--interval soon: $rc $(cat err)"
ctl update node-b --no-policy tpm >/dev/null && [ "$(field node-b 's["tpm_policy"]')" = None ] || fail "--no-policy tpm"
echo "ok: detach, tpm policy by name, durations"

# --- A second enrol is refused unless --force; stop, reactivate, remove are idempotent.
verdict=$(field node-a 's["verdict"], s["attestations_passed"]')
rc=0; ctl enrol node-a 2>err || rc=$?
[ "$rc" = 1 ] && grep -q "409.*Node node-a is already enrolled" err || fail "second enrol: $rc $(cat err)"
[ "$(field node-a 's["verdict"], s["attestations_passed"]')" = "$verdict" ] || fail "a refused enrol changed node-a"
ctl enrol node-a --force >/dev/null || fail "enrol --force"
[ "$(field node-a 's["verdict"], s["attestations_passed"]')" = "PENDING 0" ] || fail "enrol --force did not start over"
ctl enroll node-a --force >/dev/null || fail "enroll alias"
for verb in stop stop reactivate reactivate remove remove; do
        ctl "$verb" node-b >/dev/null || fail "$verb twice"
done
echo "ok: enrol refused unless forced; idempotent stop, reactivate, remove"

# --- Editing tenant.conf's file and restarting repoints the nodes enrolled with it.
cp allow-policy.json runtime-policy.json
sim_verifierd_stop
sim_verifierd_start
[ "$(field node-a 's["runtime_policy"]["digest"]')" = "$(sha allow-policy.json)" ] || fail "restart did not repoint node-a"
grep -q "Default runtime policy $work/runtime-policy.json changed: stored as '$rt_name', 1 node(s)" verifierd.log ||
        fail "no notice of the changed file"
echo PASS
