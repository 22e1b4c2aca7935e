#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policies for engines beyond tpm/boot/runtime, through the real daemon and a
# simulated node (push-client): an exec policy whose program passes, then
# denies with its own failure id, crashes (exec.crashed), hangs
# (exec.timeout, the daemon serves on) and is detached; a policy for an engine
# that is not loaded is refused with 422 and nothing is stored; tenant.conf's
# policy.exec= enrols new nodes with it; a stored exec policy whose engine is
# gone at startup fails its node with verifier.engine_missing; while one
# node's exec program hangs, other nodes are attested and /version answers.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$(dirname "$0")/sim-verifierd.sh"

: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${PUSH_CLIENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${SIM_UEFI_LOG:?}"
work=$(mktemp -d)
cleanup() {
        [ -f "$work/verifierd.pid" ] && kill "$(cat "$work/verifierd.pid")" 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

sim_tenant
sim_verifierd_conf "evaluation_threads = 2"

# --- The exec programs and their policies.
program() {   # name, body
        printf '#!/bin/sh\ncat >/dev/null\n%s\n' "$2" > "$1.sh"
        chmod +x "$1.sh"
        printf '{"command": ["%s/%s.sh"], "timeout_ms": 1000, "needs": ["ima_log"], "pcrs": [10], "policy": {"site": "lab"}}\n' \
                "$work" "$1" > "$1.json"
}
program pass "touch $work/pass-ran; echo '{\"pass\": true}'"
program deny "echo '{\"pass\": false, \"failures\": [{\"id\": \"site.kernel_not_allowed\", \"context\": {\"kernel\": \"6.1.0-17\"}}]}'"
program crash 'kill -SEGV $$'
program hang 'exec sleep 30'
program stall "echo \$\$ > $work/stall.pid; exec sleep 30"
sed -i 's/"timeout_ms": 1000/"timeout_ms": 8000/' stall.json
sed 's/"timeout_ms": 8000/"timeout_ms": 60000/' stall.json > stall-long.json

# --- The daemon; start/stop shared with the hook, which runs inside push-client.
port=$(free_port_pair)
cat > lib.sh <<LIB
sock=$work/verifierd.sock
base=http://127.0.0.1:$port
ctl() { "$ATTESTCTL" --admin-socket "\$sock" "\$@"; }
start_verifierd() {
        rm -f "\$sock"
        systemd-socket-activate -l "127.0.0.1:$port" -l "\$sock" \\
                "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \\
                >>"$work/verifierd.log" 2>&1 &
        echo \$! > "$work/verifierd.pid"
        for _ in \$(seq 50); do
                curl -sf "\$base/version" >/dev/null && return 0
                sleep 0.1
        done
        return 1
}
stop_verifierd() {
        kill "\$(cat "$work/verifierd.pid")"
        while kill -0 "\$(cat "$work/verifierd.pid")" 2>/dev/null; do sleep 0.1; done
        rm -f "$work/verifierd.pid"
}
LIB
. ./lib.sh
mkdir -p state
start_verifierd || fail "verifier does not answer"

# --- exec: pass, deny with the program's reason, crash, hang, detach.
cat > hook.sh <<HOOK
#!/bin/bash
set -e
. "$work/lib.sh"
case "\$1" in
pass)   ctl update node-exec --policy exec=$work/pass.json >/dev/null
        ctl status node-exec | grep -q "Policy (exec): [0-9a-f]\{64\}" ;;
deny)   ctl policy add exec site-deny $work/deny.json >/dev/null
        ctl update node-exec --policy exec=site-deny >/dev/null
        ctl status node-exec | grep -q "Policy (exec): [0-9a-f]\{64\} (site-deny)"
        ctl policy list | grep -q "^exec  *site-deny  *[0-9]*  *1 "
        ! ctl policy remove exec site-deny 2>/dev/null ;;
crash)  ctl update node-exec --policy exec=$work/crash.json >/dev/null ;;
hang)   ctl update node-exec --policy exec=$work/hang.json >/dev/null ;;
detach) curl -sf "\$base/version" >/dev/null
        ctl update node-exec --no-policy exec >/dev/null
        ! ctl status node-exec | grep -q "Policy (exec)" ;;
attach) ctl update node-gone --policy exec=$work/pass.json >/dev/null ;;
stall)  ctl update node-stall --policy exec=$work/stall.json >/dev/null ;;
stall-long) ctl update node-long --policy exec=$work/stall-long.json >/dev/null ;;
restart-without-exec)
        stop_verifierd
        mv "$work/plugins/libattest-plugin-exec.so" "$work/"
        start_verifierd ;;
esac
HOOK
chmod +x hook.sh
PUSH_CLIENT_HOOK=$work/hook.sh "$PUSH_CLIENT" run "$base" exec node-exec || fail "exec scenario"
ctl status node-exec | grep -q "Verdict: PASS" || fail "node-exec does not end passing: $(ctl status node-exec)"
ctl policy remove exec site-deny >/dev/null || fail "an unused exec policy cannot be removed"

# The program's reason is in the node's history, with its context.
curl -s --unix-socket "$sock" "http://l/v3.0/agents/node-exec/attestations" > history.json
python3 - history.json <<'PY' || fail "history of node-exec: $(cat history.json)"
import json, sys
data = json.load(open(sys.argv[1]))["data"]
ids = [f["id"] for a in data for f in (a["attributes"].get("failures") or [])]
for want in ("site.kernel_not_allowed", "exec.crashed", "exec.timeout"):
    assert want in ids, (want, ids)
PY

# --- An engine that is not loaded: 422 at update and policy add, nothing stored.
echo '{}' > nosuch.json
out=$(ctl update node-exec --policy nosuch=$work/nosuch.json 2>&1) && fail "an unknown engine was accepted"
echo "$out" | grep -q "No policy engine for nosuch policies is loaded" || fail "unknown engine message: $out"
code=$(curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X POST \
        -d '{"policies": {"nosuch": {"content": "{}"}}}' "http://l/admin/v1/nodes/node-exec/update")
[ "$code" = 422 ] && grep -q "No policy engine for nosuch" answer.json || fail "unknown engine: HTTP $code $(cat answer.json)"
ctl policy add nosuch one nosuch.json 2>/dev/null && fail "a policy for an unknown engine was stored"
# A good exec policy in the same refused request is not stored either.
code=$(curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X POST \
        -d '{"policies": {"exec": {"content": "{\"command\": [\"/bin/true\"], \"policy\": \"unstored\"}"}, "nosuch": {"content": "{}"}}}' \
        "http://l/admin/v1/nodes/node-exec/update")
[ "$code" = 422 ] || fail "exec and unknown engine: HTTP $code $(cat answer.json)"
code=$(curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X POST \
        -d '{"policies": {"mb": {"content": "{}"}}}' "http://l/admin/v1/nodes/node-exec/update")
[ "$code" = 400 ] || fail "mb as an engine policy: HTTP $code"
# Malformed "policies" members: 400 each, nothing changed.
for body in '{"policies": []}' '{"policies": {"exec": 5}}' '{"policies": {"exec": {}}}' \
            '{"policies": {"exec": {"content": "{}", "name": "x"}}}' '{"policies": {"exec": {"name": "no-such"}}}' \
            '{"policies": {"exec": {"name": "../x"}}}' '{"policies": {"Exec": null}}' '{"policies": {"tpm": null}}' \
            '{"policies": {"exec": {"content": "{\"command\": [\"relative\"]}"}}}'; do
        code=$(curl -s -o answer.json -w '%{http_code}' --unix-socket "$sock" -X POST -d "$body" \
                "http://l/admin/v1/nodes/node-exec/update")
        [ "$code" = 400 ] || fail "$body: HTTP $code $(cat answer.json)"
done
python3 - "$work/state/verifier.db" <<'PY' || fail "a refused policy left rows behind"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT COUNT(*) FROM policy_contents WHERE kind = 'nosuch'").fetchone()[0] == 0
assert db.execute("SELECT COUNT(*) FROM node_policies").fetchone()[0] == 0
assert db.execute("SELECT COUNT(*) FROM policy_contents WHERE CAST(content AS TEXT) LIKE '%unstored%'").fetchone()[0] == 0
PY

# --- Evaluation off the event loop: while node-stall's program hangs, node-b
# (no exec policy) passes twice and /version answers; the program still runs after,
# and an administrator's update of node-stall meanwhile survives its verdict.
# Attests NODE in push-client's SCENARIO in the background ($stall_client), once
# its exec program runs (stall.pid).
start_stalled_push() {   # scenario, node
        rm -f stall.pid
        PUSH_CLIENT_HOOK=$work/hook.sh "$PUSH_CLIENT" run "$base" "$1" "$2" > "$1.out" 2>&1 &
        stall_client=$!
        for _ in $(seq 100); do
                [ -s stall.pid ] && return 0
                sleep 0.1
        done
        fail "the $1 exec program did not start: $(cat "$1.out")"
}
start_stalled_push stall node-stall
t0=$(date +%s%N)
curl -sf --max-time 2 "$base/version" >/dev/null || fail "GET /version while an exec program hangs"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || fail "GET /version took $(( (t1 - t0) / 1000000 )) ms"
"$PUSH_CLIENT" run "$base" pass node-b || fail "node-b while node-stall's program hangs"
ctl status node-b | grep -q "Passed: 2" || fail "status of node-b: $(ctl status node-b)"
ctl update node-stall --interval 7 >/dev/null || fail "update node-stall during its evaluation"
kill -0 "$(cat stall.pid)" 2>/dev/null || fail "node-b was served only after node-stall's program ended"
wait "$stall_client" || fail "stall scenario: $(cat stall.out)"
# The verdict is stored on the node's row as the update left it.
ctl status node-stall | grep -q "Interval (s): 7" || fail "the update during the evaluation was lost: $(ctl status node-stall)"
ctl status node-stall | grep -q "Verdict: FAIL" || fail "status of node-stall: $(ctl status node-stall)"

# --- SIGTERM while a program hangs beyond the drain: the daemon still ends in
# time, and the push it could not answer is not stored.
start_stalled_push stall-long node-long
t0=$(date +%s)
stop_verifierd
t1=$(date +%s)
[ $((t1 - t0)) -le 20 ] || fail "stopping with a hanging program took $((t1 - t0)) s"
wait "$stall_client" && fail "the abandoned push was answered: $(cat stall-long.out)"
kill "$(cat stall.pid)" 2>/dev/null || true
grep -q "evaluations still running at exit" verifierd.log || fail "the abandoned evaluation was not reported"
start_verifierd || fail "verifier does not answer after the stop"
ctl status node-long | grep -q "Passed: 0" || fail "status of node-long: $(ctl status node-long)"
ctl status node-long | grep -Eq "Verdict: (PENDING|TIMEOUT)" || fail "status of node-long: $(ctl status node-long)"
ctl status node-long | grep -q "Last attestation: -" || fail "the abandoned push was stored: $(ctl status node-long)"

# --- tenant.conf policy.exec = FILE: every node enrolled from now on gets it.
stop_verifierd
echo "policy.exec = $work/pass.json" >> tenant.conf
start_verifierd || fail "verifier does not answer with policy.exec"
rm -f pass-ran
"$PUSH_CLIENT" run "$base" pass node-default || fail "pass scenario with the default exec policy"
[ -f pass-ran ] || fail "the default exec policy's program did not run"
ctl status node-default | grep -q "Policy (exec): [0-9a-f]\{64\}" || fail "status of node-default: $(ctl status node-default)"
ctl status node-exec | grep -q "Policy (exec)" && fail "a restart attached the default to an enrolled node"
ctl status --json node-default | python3 -c 'import json,sys; p=json.load(sys.stdin)["policies"]; assert list(p) == ["exec"], p' \
        || fail "JSON status of node-default"
ctl update node-default --no-policy exec >/dev/null || fail "detach the default"

# --- A stored exec policy whose engine is gone after a restart.
PUSH_CLIENT_HOOK=$work/hook.sh "$PUSH_CLIENT" run "$base" exec-missing node-gone || fail "exec-missing scenario"
grep -q "no policy engine plugin 'exec'" verifierd.log || fail "the missing engine was not reported"
ctl status node-gone | grep -q "verifier.engine_missing" || fail "status of node-gone: $(ctl status node-gone)"
ctl status node-gone | grep -q "Policy (exec)" || fail "the stored exec policy is not shown"
ctl remove node-gone >/dev/null || fail "remove node-gone"
python3 - "$work/state/verifier.db" <<'PY' || fail "the removed node's engine policies are left"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT COUNT(*) FROM node_policies WHERE node_id = 'node-gone'").fetchone()[0] == 0
PY
kill -0 "$(cat verifierd.pid)" || fail "attest-verifierd died"
echo "ok"
