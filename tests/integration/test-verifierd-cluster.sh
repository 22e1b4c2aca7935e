#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Three attest-verifierd instances on one PostgreSQL server (started by the
# test: initdb and pg_ctl as an unprivileged user, loopback port) are one
# verifier: they migrate the empty database together; the real attest-agent on
# swtpm with all three as its registrar and verifier URLs registers at one and
# is seen by the others; a policy set through one instance fails the node at
# another; a secret stored through one is released by another; evidence for a
# nonce one instance issued is taken by another; kill -9 of the instance the
# agent uses and the agent goes on at the next within an interval plus
# backoff, without a TIMEOUT; instances reconnect when the database drops
# their connections; a simulated node that stops pushing gets exactly
# one TIMEOUT across the instances; `attestctl storage copy` of a populated
# SQLite verifier gives an instance that knows its nodes at once, with their
# history events; every node's status names the instance of its last attestation.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/postgresql.sh"
if ! pg_available; then
        echo "PostgreSQL server binaries not found (postgresql-15): skipped."
        exit 77
fi
. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
require_tool systemd-socket-activate curl python3 busctl dbus-daemon setpriv
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${PUSH_CLIENT:?}"
: "${SIM_UEFI_LOG:?}"
swtpm_start

agent_test_setup
pids=()
cluster_cleanup() {
        for p in "${pids[@]}"; do stop_pid "$p"; done
        pg_stop "$work/pg"
        agent_test_cleanup
}
trap cluster_cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        for f in verifierd-*.log agent.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
        exit 1
}
ok() { echo "ok - $*"; }
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}

pg_start "$work/pg" || fail "PostgreSQL did not start"
pg_psql "CREATE DATABASE cluster" && pg_psql "CREATE DATABASE copied" || fail "createdb"
db_url="postgresql://hostattest@127.0.0.1:$PG_PORT/cluster"

# --- Policies and configuration shared by the instances.
zero=0000000000000000000000000000000000000000000000000000000000000000
echo "{\"15\": [\"$zero\"]}" >tpm-policy.json
echo "{\"15\": [\"$(printf other | sha256sum | cut -d' ' -f1)\"]}" >tpm-policy-other.json
"$PUSH_CLIENT" ima-log /usr/lib/hostattest-test 200 >ima.log
"$ATTESTCTL" policy create-runtime --from-ima-log ima.log >runtime-policy.json
"$ATTESTCTL" policy create-mb "$SIM_UEFI_LOG" >boot-policy.json
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secret.key
# The agent's node gets the TPM policy, the simulated nodes the policies they pass (they have no PCR 15).
printf '%s\n' "[Enrolment]" "auto_enrol = yes" "boot_policy = $work/boot-policy.json" \
        "runtime_policy = $work/runtime-policy.json" "interval = 2s" "failure_actions = journal exec-action" >tenant.conf
# The exec-action failure action writes each event it is given as one line of actions.log.
mkdir -p actions
printf '%s\n' '#!/bin/sh' "{ tr -d '\\n'; echo; } >>'$work/actions.log'" >actions/record
chmod +x actions/record
echo "{\"command\": [\"$work/actions/record\"]}" >actions/exec-action.json

declare -A port vpid
# write_conf N BACKEND-LINES…: verifierd-N.conf; sets port[N] (metrics on the next port).
write_conf() {
        local n=$1; shift
        port[$n]=${port[$n]:-$(free_port_pair)}
        printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" "admin_group = adm" "instance_name = instance-$n" \
                "metrics_listen = 127.0.0.1:$((port[$n] + 1))" \
                "[Registrar]" "require_ek_cert = no" "[Attestation]" "plugin_directory = $ATTEST_PLUGIN_DIR" \
                "action_directory = $work/actions" \
                "challenge_lifetime = 5s" "[Secrets]" "key_file = $work/secret.key" "max_age = 60s" \
                "[Storage]" "$@" >"verifierd-$n.conf"
}
# start_instance N: socket activated on port[N] and its own admin socket; sets vpid[N].
start_instance() {
        local n=$1
        rm -f "$work/verifierd-$n.sock"
        mkdir -p "$work/state-$n"
        systemd-socket-activate -l "127.0.0.1:${port[$n]}" -l "$work/verifierd-$n.sock" \
                "$ATTEST_VERIFIERD" --config "$work/verifierd-$n.conf" --state-directory "$work/state-$n" \
                >>"verifierd-$n.log" 2>&1 &
        vpid[$n]=$!
        pids+=("$!")
}
base() { echo "http://127.0.0.1:${port[$1]}"; }
answers() { curl -sf "$(base "$1")/version" -o "version-$1.json"; }
ctl() { local n=$1; shift; "$ATTESTCTL" --admin-socket "$work/verifierd-$n.sock" "$@"; }
verdict_at() { ctl "$1" status "$2" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' 2>/dev/null; }
field_at() { ctl "$1" status "$2" --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$3\"])" 2>/dev/null; }

# --- Three instances started together on an empty database: one migrates, all serve.
for n in 1 2 3; do write_conf $n "backend = postgresql" "url = $db_url"; done
for n in 1 2 3; do start_instance $n; done
for n in 1 2 3; do
        wait_for 10 answers $n || fail "instance $n does not answer"
        grep -q '"storage": *"postgresql"' "version-$n.json" || fail "/version of instance $n: $(cat "version-$n.json")"
        wait_for 5 grep -q "ready (storage postgresql, database schema [0-9]*, instance instance-$n)" "verifierd-$n.log" \
                || fail "instance $n: no ready line naming the storage and the instance"
done
[ "$(PG_URL=$db_url pg_psql "SELECT COUNT(*) FROM schema_version")" = 1 ] || fail "schema_version rows"
ok "three instances migrated one database and serve"

# --- The real agent, with all three as registrar and verifier.
urls="$(base 1) $(base 2) $(base 3)"
write_open_bus_conf open.conf
dbus_start "$work/bus" open.conf
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir "$work/st" --agent-id node-c \
        --registrar "$urls" --verifier "$urls" --uefi-log "$work/no-uefi-log" --ima-log "$work/no-ima-log" run \
        >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name org.hostattest.Agent1 || fail "the agent did not take its bus name"
ctl_tpm_policy() { ctl "$1" update node-c --tpm-policy "$2" >/dev/null; }
wait_for 30 eval '[ "$(verdict_at 2 node-c)" != "" ]' || fail "node-c not known at instance 2"
# The agent sends no event logs: its node is judged by the TPM policy alone.
ctl 2 update node-c --tpm-policy "$work/tpm-policy.json" --no-policy boot --no-policy runtime >/dev/null \
        || fail "update through instance 2"
ctl 2 reactivate node-c >/dev/null 2>&1 || true
wait_for 30 eval '[ "$(verdict_at 3 node-c)" = PASS ]' || fail "node-c not PASS as seen from instance 3: $(ctl 3 status node-c)"
ok "a node registered at one instance is known and passes at the others"

# --- A policy set through one instance fails the node at another (the agent pushes to instance 1).
ctl_tpm_policy 3 "$work/tpm-policy-other.json" || fail "update through instance 3"
wait_for 30 eval '[ "$(verdict_at 1 node-c)" = FAIL ]' || fail "no FAIL after the policy change at another instance"
ctl_tpm_policy 2 "$work/tpm-policy.json" || fail "update back through instance 2"
ctl 2 reactivate node-c >/dev/null 2>&1 || true
wait_for 30 eval '[ "$(verdict_at 1 node-c)" = PASS ]' || fail "no PASS after the policy was restored"
ok "a policy set through one instance is used by another"

# --- The requests of one turn share their round trips to the database: counted by the instance.
metric() { curl -sf "http://127.0.0.1:$((port[$1] + 1))/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
trips=$(metric 1 hostattest_storage_round_trips_total)
served=$(metric 1 hostattest_storage_round_trip_requests_total)
[ "${trips:-0}" -gt 0 ] && [ "${served:-0}" -ge "$trips" ] ||
        fail "instance 1 shared no round trips: $trips round trips, $served requests"
ok "the node's requests went through shared round trips ($served requests in $trips)"

# --- A secret stored through one instance is released by another.
printf 'cluster-secret' >expected
ctl 3 secret add node-c disk <expected || fail "attestctl secret add through instance 3"
reply=$(busctl --system --json=short --timeout=60 call org.hostattest.Agent1 /org/hostattest/Agent1 \
        org.hostattest.Agent1 RequestSecret s disk) || fail "RequestSecret"
echo "$reply" | python3 -c 'import json,sys; sys.stdout.buffer.write(bytes(json.load(sys.stdin)["data"][0]))' >got
cmp -s got expected || fail "the secret released differs"
ok "a secret stored through one instance is released by another"

# --- kill -9 of the instance the agent uses: it goes on at the next, with no TIMEOUT.
current=$(busctl --system --json=short get-property org.hostattest.Agent1 /org/hostattest/Agent1 \
        org.hostattest.Agent1 VerifierURL | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])')
victim=
for n in 1 2 3; do [ "${current%/}" = "$(base $n)" ] && victim=$n; done
[ -n "$victim" ] || fail "the agent pushes to $current, none of the instances"
kill -9 "${vpid[$victim]}"
seen=$(field_at 2 node-c last_attestation)
survivor=$(( victim % 3 + 1 ))
wait_for 40 eval '[ "$(field_at $survivor node-c last_attestation)" != "$seen" ]' \
        || fail "no attestation after instance $victim was killed"
wait_for 20 grep -q "moving to" agent.log || fail "the agent did not say it moved on"
[ "$(verdict_at $survivor node-c)" = PASS ] || fail "not PASS after the failover"
# The node's status names the instance that took its last attestation: not the dead one.
taker=$(field_at $survivor node-c attested_by)
case "$taker" in instance-[123]) ;; *) fail "attested_by of node-c: '$taker'" ;; esac
[ "$taker" != "instance-$victim" ] || fail "attested_by names the killed instance $victim"
ctl $survivor status node-c | grep -q "Attested by: $taker" || fail "attestctl status does not name the instance: $(ctl $survivor status node-c)"
[ "$(PG_URL=$db_url pg_psql "SELECT COUNT(*) FROM events WHERE node_id = 'node-c' AND kind = 'TIMEOUT'")" = 0 ] \
        || fail "node-c got a TIMEOUT while it kept pushing"
ok "kill -9 of instance $victim: the agent went on at the next, no TIMEOUT"

# drop-connections.sh: the database ends every instance's connection and waits
# until their server processes are gone (also run by push-client before evidence).
printf '%s\n' '#!/bin/sh' "exec '$PG_BINDIR/psql' -X -q -v ON_ERROR_STOP=1 -d '$db_url' -Atc \"SELECT COUNT(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE application_name = 'attest-verifierd'\" >/dev/null" \
        >drop-connections.sh
chmod +x drop-connections.sh
drop_connections() { ./drop-connections.sh || fail "terminating the instances' connections"; }

# --- Evidence sent to another instance than the one that issued the nonce: taken over, once.
other=$(( survivor % 3 + 1 ))
[ "$other" != "$victim" ] || other=$(( other % 3 + 1 ))
SIM_EVIDENCE_BASE=$(base $other) "$PUSH_CLIENT" run "$(base $survivor)" pass node-split >split.out 2>&1 \
        || fail "evidence at another instance: $(tail -n 5 split.out)"
[ "$(verdict_at $survivor node-split)" = PASS ] || fail "node-split not PASS"
[ "$(field_at $survivor node-split attested_by)" = "instance-$other" ] \
        || fail "node-split attested_by '$(field_at $survivor node-split attested_by)', want instance-$other"
ok "evidence for a nonce issued by one instance is taken by another"

# --- The database drops every connection just before each evidence request reaches
# another instance: the instances see it before they send a statement and reconnect,
# so no request fails for it and no attestation awaiting evidence is lost.
SIM_BEFORE_EVIDENCE=$work/drop-connections.sh SIM_EVIDENCE_BASE=$(base $other) \
        "$PUSH_CLIENT" run "$(base $survivor)" pass node-split-drop >split-drop.out 2>&1 \
        || fail "evidence at another instance after the connections dropped: $(cat split-drop.out)"
[ "$(verdict_at $survivor node-split-drop)" = PASS ] || fail "node-split-drop not PASS"
ok "evidence at another instance right after the database dropped every connection"

# --- A request another instance refuses (an empty body) before the evidence reaches
# the instance that issued the nonce: the attestation awaiting evidence is not used up.
printf '%s\n' '#!/bin/sh' "curl -s -o /dev/null -w '%{http_code}\\n' -X PATCH -H 'Content-Type: application/vnd.api+json' \
        -H \"Authorization: Bearer \$SIM_BEARER\" -d '{}' '$(base $other)'\"\$SIM_EVIDENCE_PATH\" >>refused.codes" >refuse-elsewhere.sh
chmod +x refuse-elsewhere.sh
SIM_BEFORE_EVIDENCE=$work/refuse-elsewhere.sh "$PUSH_CLIENT" run "$(base $survivor)" pass node-refused >refused.out 2>&1 \
        || fail "evidence after a refused request at another instance: $(cat refused.out)"
[ "$(head -n 1 refused.codes)" = 400 ] || fail "the empty evidence at instance $other: $(cat refused.codes)"
[ "$(verdict_at $survivor node-refused)" = PASS ] || fail "node-refused not PASS"
# The same with the evidence then sent to the instance that refused the request.
SIM_BEFORE_EVIDENCE=$work/refuse-elsewhere.sh SIM_EVIDENCE_BASE=$(base $other) \
        "$PUSH_CLIENT" run "$(base $survivor)" pass node-refused-2 >refused-2.out 2>&1 \
        || fail "evidence at the instance that refused a request for it: $(cat refused-2.out)"
[ "$(verdict_at $survivor node-refused-2)" = PASS ] || fail "node-refused-2 not PASS"
ok "a request refused at another instance leaves the attestation awaiting evidence"

# --- A simulated node passes at one instance, then stops: one TIMEOUT across the instances.
"$PUSH_CLIENT" run "$(base $survivor)" pass node-quiet >/dev/null || fail "simulated node at instance $survivor"
wait_for 30 eval '[ "$(verdict_at $survivor node-quiet)" = TIMEOUT ]' || fail "the quiet node did not time out"
sleep 3         # several sweeps of every instance
[ "$(PG_URL=$db_url pg_psql "SELECT COUNT(*) FROM events WHERE node_id = 'node-quiet' AND kind = 'TIMEOUT'")" = 1 ] \
        || fail "not exactly one TIMEOUT event"
[ "$(cat verifierd-*.log | grep -c 'Node node-quiet has not attested')" = 1 ] \
        || fail "not exactly one TIMEOUT reported"
[ "$(grep -c '"node-quiet".*"timeout"\|"timeout".*"node-quiet"' actions.log)" = 1 ] \
        || fail "not exactly one failure action run for the TIMEOUT: $(grep -c node-quiet actions.log || true)"
ok "a node that stopped got one TIMEOUT and one failure action across the instances"

# --- storage copy: a populated SQLite verifier into an empty PostgreSQL database.
write_conf 4 "backend = sqlite"
start_instance 4
wait_for 10 answers 4 || fail "the SQLite instance does not answer"
"$PUSH_CLIENT" run "$(base 4)" pass node-old >/dev/null || fail "simulated node at the SQLite instance"
[ "$(verdict_at 4 node-old)" = PASS ] || fail "node-old not PASS before the copy"
stop_pid "${vpid[4]}"
copied_url="postgresql://hostattest@127.0.0.1:$PG_PORT/copied"
"$ATTESTCTL" storage copy --from "sqlite:$work/state-4/verifier.db" --to "$copied_url" >copy.out \
        || fail "storage copy: $(cat copy.out)"
grep -q "Copied 1 nodes, .* attestations, [1-9][0-9]* history events, .* and 1 keys" copy.out || fail "copy summary: $(cat copy.out)"
[ "$(PG_URL=$copied_url pg_psql "SELECT COUNT(*) FROM events WHERE node_id = 'node-old'")" = \
  "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM events WHERE node_id = \x27node-old\x27").fetchone()[0])' \
        "$work/state-4/verifier.db")" ] || fail "the history events of node-old were not all copied"
"$ATTESTCTL" storage copy --from "sqlite:$work/state-4/verifier.db" --to "$copied_url" >/dev/null 2>&1 \
        && fail "a copy into a non-empty database was not refused"
write_conf 5 "backend = postgresql" "url = $copied_url"
start_instance 5
wait_for 10 answers 5 || fail "the instance on the copy does not answer"
[ "$(verdict_at 5 node-old)" = PASS ] || fail "node-old not PASS on the copy"
ok "storage copy: the nodes of a SQLite verifier are there at once"

# --- The database drops every instance's connection: they reconnect, the node goes on passing.
seen=$(field_at $survivor node-c last_attestation)
drop_connections
wait_for 40 eval '[ "$(field_at $survivor node-c last_attestation)" != "$seen" ]' \
        || fail "no attestation after the database dropped the connections"
[ "$(verdict_at $survivor node-c)" = PASS ] || fail "not PASS after the reconnection"
ok "instances reconnect to the database by themselves"

echo PASS
