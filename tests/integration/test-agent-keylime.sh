#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Interoperability with Keylime's own server: keylime 7.14 from PyPI in a
# virtual environment under the build directory, its registrar and its
# verifier in push mode on loopback (SQLite, configuration generated from
# keylime's own templates), the node enrolled with
# `keylime_tenant -c add --push-model` with a measured-boot and a runtime
# policy; attest-agent, on a swtpm holding a real UEFI event log and
# IMA log, registers with Keylime's registrar, passes attestation at Keylime's
# verifier, and fails there once a file outside the runtime policy runs, and
# keeps failing on the attestations after it.
set -euo pipefail

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
. "$ATTEST_INTEGRATION_DIR/measure.sh"
. "$ATTEST_INTEGRATION_DIR/keylime-lib.sh"
require_tool python3 openssl busctl dbus-daemon tpm2_pcrread tpm2_pcrextend

keylime_venv

swtpm_start
agent_test_setup
fail() { keylime_fail "verifier.log registrar.log tenant.log agent.log" "$*"; }
cleanup_keylime() { stop_groups; agent_test_cleanup; }
trap cleanup_keylime EXIT

reg_port=$(free_tcp_port) reg_tls_port=$(free_tcp_port) ver_port=$(free_tcp_port)

keylime_config "$work" || fail "keylime_upgrade_config could not write the default configuration"
set_conf verifier.conf mode push
set_conf verifier.conf port "$ver_port"
set_conf verifier.conf registrar_port "$reg_tls_port"
set_conf verifier.conf quote_interval 2
set_conf verifier.conf database_url sqlite
set_conf registrar.conf port "$reg_port"
set_conf registrar.conf tls_port "$reg_tls_port"
set_conf registrar.conf database_url sqlite
set_conf tenant.conf registrar_port "$reg_tls_port"
set_conf tenant.conf verifier_port "$ver_port"
set_conf tenant.conf require_ek_cert False

start_group "$venv/bin/keylime_verifier" >verifier.log 2>&1
for _ in $(seq 300); do
        [ -f "$KEYLIME_DIR/cv_ca/cacert.crt" ] && grep -q "$ver_port" verifier.log 2>/dev/null && break
        sleep 0.1
done
[ -f "$KEYLIME_DIR/cv_ca/cacert.crt" ] || fail "Keylime's verifier did not generate its CA"
start_group "$venv/bin/keylime_registrar" >registrar.log 2>&1
for _ in $(seq 300); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$reg_port),1)" 2>/dev/null && break
        sleep 0.1
done

# A measured boot: a real UEFI event log and IMA log in the TPM's PCRs.
node=d432fbb3-d2f1-4a97-9ef7-75bd81c00000
uefi_log=$ATTEST_TEST_DATA/eventlog/go-tpm-tools/arch-linux-workstation.bin
ima=$work/ima.log
cp "$ATTEST_TEST_DATA/ima/rust-keylime/ascii_runtime_measurements" "$ima"
measure_boot "$uefi_log" "$ima" || fail "the logs could not be measured into the TPM"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id "$node" \
        --registrar "http://127.0.0.1:$reg_port" --api-version 2.1 \
        --verifier "https://127.0.0.1:$ver_port" --ca "$KEYLIME_DIR/cv_ca/cacert.crt" \
        --uefi-log "$uefi_log" --ima-log "$ima" register >register.out 2>agent.log ||
        fail "attest-agent could not register with Keylime's registrar"
grep -q '^registration: new$' register.out || fail "no new registration at Keylime's registrar"

# Keylime's measured-boot policy from its own tool; the runtime policy is
# attestctl's, in Keylime's format.
"$venv/bin/keylime-policy" create measured-boot --without-secureboot -e "$uefi_log" -o mb-policy.json \
        >policy.log 2>&1 || fail "keylime-policy could not create a measured-boot policy"
"$ATTESTCTL" policy create-runtime --from-ima-log "$ima" >runtime-policy.json ||
        fail "attestctl could not create the runtime policy"
"$venv/bin/keylime_tenant" -c add --push-model -u "$node" -v 127.0.0.1 -vp "$ver_port" \
        --mb-policy mb-policy.json \
        --runtime-policy runtime-policy.json >tenant.log 2>&1 || fail "keylime_tenant could not enrol the node"
echo "enrolled $node at Keylime's verifier"

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
prop() { busctl --system --json=short get-property $NAME $OBJ $NAME "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(" ".join(d) if isinstance(d, list) else d)'; }
# wait_prop NAME VALUE SECONDS
wait_prop() {
        for _ in $(seq $(($3 * 10))); do
                [ "$(prop "$1")" = "$2" ] && return 0
                sleep 0.1
        done
        return 1
}

dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id "$node" \
        --registrar "http://127.0.0.1:$reg_port" --api-version 2.1 \
        --verifier "https://127.0.0.1:$ver_port" --ca "$KEYLIME_DIR/cv_ca/cacert.crt" \
        --uefi-log "$uefi_log" --ima-log "$ima" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"

wait_prop Verdict PASS 60 || fail "no PASS from Keylime's verifier (Verdict $(prop Verdict))"
grep -q "Verdict of https://127.0.0.1:$ver_port: PASS" agent.log || fail "the agent did not log the verdict"
grep -q 'Checking measured boot log against policy' verifier.log || fail "Keylime did not check the UEFI log"
grep -q 'Checking IMA measurement list' verifier.log || fail "Keylime did not check the IMA log"
first=$(prop LastAttestation)
# Keylime's schedule (quote_interval 2 s) drives the next pushes.
for _ in $(seq 100); do
        [ "$(prop LastAttestation)" != "$first" ] && break
        sleep 0.1
done
[ "$(prop LastAttestation)" != "$first" ] || fail "the agent did not push again on Keylime's schedule"
n=$(grep -c "PATCH /v3.0/agents/$node/attestations/" verifier.log || true)
[ "$n" -ge 2 ] || fail "Keylime's verifier saw $n evidence pushes"

# A file outside the runtime policy runs: the agent sends the new IMA entry
# from the offset Keylime asks for, Keylime's verifier says FAIL naming it.
measure_exec "$ima" /usr/local/bin/not-in-policy >/dev/null || fail "the execution could not be measured"
wait_prop Verdict FAIL 60 || fail "no FAIL after an unlisted file ran (Verdict $(prop Verdict))"
grep -q '/usr/local/bin/not-in-policy' verifier.log || fail "Keylime's verifier did not name the unlisted file"
# Attestations without new measurements after it: Keylime keeps the node
# failing (it evaluates from the last passing attestation's offset and does
# not recover FAIL → PASS by itself), as attest-verifierd does.
posts=$(grep -c "POST /v3.0/agents/$node/attestations" verifier.log || true)
for _ in $(seq 200); do
        [ "$(prop Verdict)" = FAIL ] || fail "Keylime's verdict went from FAIL to $(prop Verdict) with no new measurement"
        [ "$(grep -c "POST /v3.0/agents/$node/attestations" verifier.log || true)" -gt "$posts" ] && break
        sleep 0.1
done
[ "$(grep -c "POST /v3.0/agents/$node/attestations" verifier.log || true)" -gt "$posts" ] ||
        fail "the agent did not attest again after the failure"
sleep 3
[ "$(prop Verdict)" = FAIL ] || fail "Keylime's verdict went from FAIL to $(prop Verdict) with no new measurement"
reasons=$(prop FailureReasons)
# Keylime 7.14 shows a pushing node no reason (last_event_id stays null).
echo "Keylime's verdict after an unlisted file ran: FAIL (${reasons:-no reason given by Keylime})"
echo "attest-agent registered with Keylime's registrar and passed attestation at Keylime's verifier"
