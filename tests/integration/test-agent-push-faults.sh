#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attest-agent on swtpm against a verifier that misbehaves on cue
# (fake-push-verifier.py, registration through fake-registrar.py): Retry-After
# of a 429 and a 503 is waited out, also by AttestNow(); a 401 opens a new
# session and repeats the capabilities once, a second 401 is not retried at
# once; a closed port is retried with growing delays and left by itself when
# the verifier is back; hostile answers are reported and retried later while
# the state stays; a 410 ends the requests. A registrar instance that answers
# 500 is left for the next one. Timings are read from the
# verifier's request log and the agent's stamped log (CLOCK_MONOTONIC), with
# slack only upwards.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool tpm2_makecredential openssl curl python3 busctl dbus-daemon
: "${ATTEST_AGENT:?}"
policy=$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf
swtpm_start

agent_test_setup
trap 'stop_pid "${BROKEN_REG_PID:-}"; agent_test_cleanup' EXIT
fail() {
        echo "FAIL: $*" >&2
        echo "--- requests.log" >&2; tail -n 40 requests.log >&2 || true
        echo "--- agent.log" >&2; tail -n 40 agent.log >&2 || true
        exit 1
}

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
prop() { busctl --system --json=short get-property $NAME $OBJ $NAME "$1" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])' 2>/dev/null; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}
mono() { python3 -c 'import time; print("%.3f" % time.monotonic())'; }
# ge A B: A >= B, for decimals.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a + b }'; }
# after T [ROUTE [STATUS [FAULT]]]: the verifier's log lines later than T.
after() {
        awk -v t="$1" -v r="${2:-}" -v s="${3:-}" -v f="${4:-}" \
                '$1 > t && (r == "" || $3 == r) && (s == "" || $4 == s) && (f == "" || $5 == f)' requests.log
}
seen() { [ -n "$(after "$@")" ]; }
first_time() { after "$@" | head -n 1 | cut -d' ' -f1; }
# routes_from T N: "route status" of the N requests from time T on.
routes_from() { awk -v t="$1" '$1 >= t { print $3, $4 }' requests.log | head -n "$2" | paste -sd, -; }
# agent_says_after T TEXT: the agent logged TEXT at T or later.
agent_says_after() { awk -v t="$1" '$1 >= t' agent.log | grep -q -- "$2"; }
fault() { curl -sf -X POST --data "$1" "$FPV_URL/_test/fault" -o /dev/null || fail "fault $1 not queued"; }
alive() { kill -0 "$agent_pid" 2>/dev/null || fail "the agent died"; }

# The agent's stderr, each line stamped with CLOCK_MONOTONIC when it arrives.
stamp() {
        python3 -u -c '
import sys, time
for line in iter(sys.stdin.readline, ""):
    sys.stdout.write("%.3f %s" % (time.monotonic(), line))'
}
start_agent() {
        "$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-faults \
                --registrar "${BROKEN_REG_URL:+$BROKEN_REG_URL }$REG_URL" --ca "$work/ca.pem" \
                --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run > >(stamp >>agent.log) 2>&1 &
        agent_pid=$!
        dbus_wait_name $NAME || fail "the agent did not take its bus name"
}

make_test_ca "$work"
touch requests.log agent.log
start_fake_push_verifier "$work" || fail "the fake verifier did not start"
# The first of the registrar URLs an instance that answers 500 to everything.
mkdir -p broken
cp server.pem server.key broken/
FAKE_REGISTRAR_STATUS=500 start_fake_registrar "$work/broken" || fail "the failing registrar did not start"
BROKEN_REG_URL=$REG_URL BROKEN_REG_PID=$REG_PID
start_fake_registrar "$work" "$FPV_URL" || fail "the registrar did not start"
dbus_start "$work/bus" "$policy"
start_agent

# --- A 500 from the first registrar instance: on to the next, registered there
# with the verifier URL of its activation answer, pushing, PASS.
wait_for 30 eval '[ "$(prop State)" = registered ] && [ "$(prop Verdict)" = PASS ]' \
        || fail "no PASS: State $(prop State), Verdict $(prop Verdict)"
grep -qx "POST node-faults 500" broken/events || fail "the failing registrar saw no registration"
grep -q "Registrar $BROKEN_REG_URL does not answer: moving to $REG_URL" agent.log \
        || fail "the agent did not move on from the registrar that answered 500"
grep -qx "PUT node-faults ok" events || fail "not activated at the second registrar"
stop_pid "$BROKEN_REG_PID"
BROKEN_REG_PID=
[ "$(prop VerifierURL)" = "$FPV_URL" ] || fail "VerifierURL $(prop VerifierURL)"
wait_for 10 eval '[ "$(after 0 evidence 202 | wc -l)" -ge 2 ]' || fail "not pushing every second"

# --- 429 with Retry-After: 3 on the capabilities: nothing for 3 s, even when
# AttestNow() is called meanwhile; the call is answered by the cycle after.
fault '{"route": "capabilities", "status": 429, "retry_after": "3"}'
wait_for 10 seen 0 capabilities 429 || fail "no 429 served"
t429=$(first_time 0 capabilities 429)
busctl --system --timeout=30 call $NAME $OBJ $NAME AttestNow >attest-now.out 2>&1 &
now_pid=$!
called=$(mono)
ge "$(add "$t429" 2.5)" "$called" || fail "AttestNow() came too late to test the wait"
wait_for 10 seen "$t429" capabilities 201 || fail "no capabilities after the 429"
next=$(first_time "$t429")
ge "$next" "$(add "$t429" 3)" || fail "a request $(awk -v a="$next" -v b="$t429" 'BEGIN { print a - b }') s after a 429 with Retry-After: 3"
wait "$now_pid" || fail "AttestNow() failed: $(cat attest-now.out)"
grep -qx 's "PASS"' attest-now.out || fail "AttestNow() answered $(cat attest-now.out)"
agent_says_after 0 "asks to wait 3 s" || fail "the 429 is not in the agent's log"

# --- AttestNow() while a cycle runs (the verifier slow to take the evidence):
# that cycle quoted before the call, so the answer comes from the next one.
t=$(mono)
fault '{"route": "evidence", "delay": 2}'
wait_for 10 seen "$t" capabilities 201 || fail "no cycle to call AttestNow() into"
sleep 0.3
called=$(mono)
busctl --system --timeout=30 call $NAME $OBJ $NAME AttestNow >attest-now.out 2>&1 || fail "AttestNow() failed: $(cat attest-now.out)"
replied=$(mono)
grep -qx 's "PASS"' attest-now.out || fail "AttestNow() answered $(cat attest-now.out)"
fresh=$(first_time "$called" capabilities 201)
[ -n "$fresh" ] && ge "$replied" "$fresh" || fail "AttestNow() during a cycle was answered by that cycle"
routes_from "$fresh" 3 | grep -qx "capabilities 201,evidence 202,latest 200" ||
        fail "no whole cycle after the call: $(routes_from "$fresh" 3)"

# --- 503 with Retry-After: 2 on the evidence: the next cycle 2 s later.
fault '{"route": "evidence", "status": 503, "retry_after": "2"}'
wait_for 10 seen 0 evidence 503 || fail "no 503 served"
t503=$(first_time 0 evidence 503)
wait_for 10 seen "$t503" evidence 202 || fail "no evidence after the 503"
ge "$(first_time "$t503")" "$(add "$t503" 2)" || fail "a request earlier than Retry-After: 2 of a 503"

# --- The TPM gone between the capabilities and the quote (the verifier slow
# to answer meanwhile): that cycle fails, and once the TPM is back the agent
# sends evidence for the attestation the verifier opened instead of opening
# another, which a verifier refuses (409) while the first awaits its evidence.
t=$(mono)
fault '{"route": "capabilities", "delay": 2}'
swtpm_restart 4 || fail "swtpm did not come back"
wait_for 20 seen "$(mono)" evidence 202 || fail "no evidence after the TPM came back"
agent_says_after "$t" "TPM2_Quote failed" || fail "no quote failed while the TPM was away"
awk -v t="$t" '$1 >= t && ($3 == "capabilities" || $3 == "evidence") { print $3, $4 }' requests.log |
        awk 'prev == "capabilities 201" && $1 == "capabilities" { bad = 1 } { prev = $0 } END { exit bad }' ||
        fail "a second attestation opened while the first awaited its evidence: $(routes_from "$t" 8)"

# --- One 401 on the capabilities (the token expired): a new session, its
# proof, and the capabilities once more, at once.
t=$(mono)
fault '{"route": "capabilities", "status": 401}'
wait_for 10 seen "$t" capabilities 201 || fail "no capabilities after a 401"
t401=$(first_time "$t" capabilities 401)
[ -n "$t401" ] || fail "no 401 served"
seq=$(routes_from "$t401" 4)
[ "$seq" = "capabilities 401,session 200,proof 200,capabilities 201" ] || fail "after a 401: $seq"
ge "$(add "$t401" 1.5)" "$(first_time "$t401" capabilities 201)" || fail "the new session came late"

# --- 401 three times in a row: one new session for the expired token; a
# token refused as soon as it was issued is not followed by another session
# at once; the cycles after a refusal wait out the backoff (2 s, then 4 s,
# ± 25 %), not a tight loop.
t=$(mono)
for _ in 1 2 3; do fault '{"route": "capabilities", "status": 401}'; done
wait_for 15 eval '[ "$(after "$t" capabilities 401 | wc -l)" -ge 3 ]' || fail "three 401 not served"
after "$t" capabilities 401 | cut -d' ' -f1 >refusals
t1=$(sed -n 1p refusals) t2=$(sed -n 2p refusals) t3=$(sed -n 3p refusals)
seq=$(routes_from "$t1" 7)
[ "$seq" = "capabilities 401,session 200,proof 200,capabilities 401,session 200,proof 200,capabilities 401" ] \
        || fail "after three 401: $seq"
wait_for 10 seen "$t3" capabilities 201 || fail "no recovery after three 401"
ge "$(first_time "$t2")" "$(add "$t2" 1.5)" || fail "a new session at once after a fresh token was refused"
ge "$(first_time "$t3")" "$(add "$t3" 3)" || fail "the backoff did not grow after a second refusal"
n=$(awk -v a="$t1" -v b="$(add "$t1" 4)" '$1 >= a && $1 <= b && $3 == "session"' requests.log | wc -l)
[ "$n" -le 2 ] || fail "$n sessions opened within 4 s of refused tokens"
agent_says_after "$t1" "refused the session token at the capabilities (401" || fail "the refused token is not in the agent's log"

# --- Hostile answers: a clear error, the state kept, the agent alive, a retry
# after the backoff and a passing cycle after that.
hostile() {
        local route=$1 kind=$2 message=$3 t tf
        t=$(mono)
        # A session is opened only when the token is refused.
        [ "$route" != session ] || fault '{"route": "capabilities", "status": 401}'
        fault "{\"route\": \"$route\", \"body\": \"$kind\"}"
        wait_for 10 seen "$t" "$route" "" "$kind" || fail "$kind not served on $route"
        tf=$(first_time "$t" "$route" "" "$kind")
        wait_for 10 seen "$tf" evidence 202 || fail "no passing cycle after $kind on $route"
        alive
        agent_says_after "$tf" "$message" || fail "$kind on $route: no '$message' in the agent's log"
        ge "$(first_time "$tf")" "$(add "$tf" 1.5)" || fail "$kind on $route retried at once"
        [ "$(prop State)" = registered ] || fail "State $(prop State) after $kind on $route"
        [ "$(prop Verdict)" = PASS ] || fail "Verdict $(prop Verdict) after $kind on $route"
}
hostile capabilities invalid-json "answer to the capabilities is not a valid JSON object"
hostile evidence missing-field "answer to the evidence lacks"
hostile capabilities html "answer to the capabilities is text/html, not JSON"
hostile session huge "answer to the session is too large"
hostile latest endless "answer to the verdict is too large"

# --- The port closed: attempts spaced by growing delays (2 s, 4 s, 8 s
# ± 25 %), at most 3 in 6 s; the verifier back on the same port is found again
# by the next attempt (its sessions forgotten: a 401, a new session, then PASS).
stop_pid "$FPV_PID"; FPV_PID=
down=$(mono)
sleep 6
[ "$(prop State)" = registered ] || fail "State $(prop State) while the verifier is away"
up=$(mono)
start_fake_push_verifier "$work" "$FPV_PORT" || fail "the fake verifier did not restart"
n=$(awk -v a="$down" -v b="$up" '$1 > a && $1 < b && /unreachable/' agent.log | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n attempts in 6 s to a closed port"
wait_for 25 seen "$up" evidence 202 || fail "the agent did not come back to the restarted verifier"
# Every refused attempt, also one that fell while the fake was starting again.
awk -v a="$down" '$1 > a && /unreachable/ { print $1 }' agent.log >attempts
first_time "$up" >>attempts
awk '{ if (NR > 1) { gap = $1 - prev; want = 2 ^ (NR - 1);
        if (gap < 0.75 * want - 0.05 || gap > 1.25 * want + 2) { print "gap " NR - 1 ": " gap " s"; bad = 1 } }
        prev = $1 } END { exit bad }' attempts || fail "attempts at $(paste -sd' ' attempts)"
[ "$(wc -l <attempts)" -ge 3 ] || fail "only $(wc -l <attempts) attempts over 6 s"
seq=$(routes_from "$up" 4)
[ "$seq" = "capabilities 401,session 200,proof 200,capabilities 201" ] || fail "after the restart: $seq"
[ "$(prop State)" = registered ] || fail "State $(prop State) after the verifier came back"

# --- 410: terminated, and not a request more.
fault '{"route": "capabilities", "status": 410}'
wait_for 10 eval '[ "$(prop State)" = terminated ]' || fail "State $(prop State) after a 410"
t410=$(first_time 0 capabilities 410)
sleep 2.5
[ -z "$(after "$t410")" ] || fail "requests after the 410: $(after "$t410" | paste -sd, -)"
if busctl --system call $NAME $OBJ $NAME AttestNow >attest-now.out 2>&1; then
        fail "AttestNow() after a 410 answered $(cat attest-now.out)"
fi
grep -q "ended attestation" attest-now.out || fail "AttestNow() after a 410: $(cat attest-now.out)"
alive
stop_pid "$agent_pid"; agent_pid=
[ -z "$(tpm2_getcap handles-transient)" ] || fail "transient objects left in the TPM"
echo PASS
