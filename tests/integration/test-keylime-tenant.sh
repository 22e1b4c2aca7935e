#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Keylime's own tenant (keylime 7.14 from PyPI, see keylime-lib.sh) drives
# attest-verifierd as registrar and verifier at once, over TLS with a client
# certificate issued by tls_client_ca: attest-agent on swtpm (a real UEFI
# event log and IMA log measured into its PCRs) registers and waits
# (auto_enrol = no); `keylime_tenant -c add --push-model` enrols it with a TPM
# policy, a measured-boot reference state and a runtime policy (an incomplete
# Keylime measured-boot refstate is refused with a 400 and changes nothing, a
# complete one is stored by addmbpolicy); the node
# reaches PASS; status, cvstatus, regstatus, bulkinfo, cvlist, reglist work; `-c delete`
# removes it, the agent registers again, and the named policies of
# addruntimepolicy/addmbpolicy (shown, listed, refused while in use) enrol it
# again to PASS.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x

. "$ATTEST_INTEGRATION_DIR/swtpm.sh"
. "$ATTEST_INTEGRATION_DIR/dbus-bus.sh"
. "$ATTEST_INTEGRATION_DIR/agent-lib.sh"
. "$ATTEST_INTEGRATION_DIR/measure.sh"
. "$ATTEST_INTEGRATION_DIR/tls-certs.sh"
. "$ATTEST_INTEGRATION_DIR/keylime-lib.sh"
require_tool python3 openssl curl busctl dbus-daemon systemd-socket-activate tpm2_pcrread tpm2_pcrextend
: "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_PLUGIN_DIR:?}"

keylime_venv
swtpm_start
agent_test_setup
fail() { keylime_fail "verifierd.log tenant.log agent.log" "$*"; }
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }
# wait_for SECONDS CMD…: polls CMD every 0.2 s.
wait_for() {
        local n=$(( $1 * 5 )); shift
        for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
        return 1
}
node_json() { ctl status "$node" --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }

# The server's certificate (ca.pem), and the operator's CA, which signs the
# tenant's client certificate.
make_test_ca "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj /CN=keylime-operator-ca -keyout tenant-ca.key -out tenant-ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj /CN=keylime-tenant -keyout tenant.key -out tenant.csr 2>/dev/null
openssl x509 -req -in tenant.csr -CA tenant-ca.pem -CAkey tenant-ca.key -CAcreateserial \
        -days 1 -out tenant.pem 2>/dev/null

port=$(free_port_pair)
sock=$work/verifierd.sock
base=https://127.0.0.1:$port
printf '%s\n' "[Enrolment]" "auto_enrol = no" "interval = 2s" "failure_actions = journal" >tenant.conf
printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" "admin_group = adm" \
        "verifier_url = $base/" "tls_certificate = $work/server.pem" "tls_key = $work/server.key" \
        "tls_client_ca = $work/tenant-ca.pem" "[Registrar]" "require_ek_cert = no" \
        "[Attestation]" "plugin_directory = $ATTEST_PLUGIN_DIR" >verifierd.conf
mkdir -p state
systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
        "$ATTEST_VERIFIERD" --config verifierd.conf --state-directory state >>verifierd.log 2>&1 &
verifierd_pid=$!
wait_for 10 curl -sf --cacert ca.pem "$base/version" -o /dev/null || fail "attest-verifierd does not answer"

# Keylime's tenant: attest-verifierd is its registrar and its verifier.
keylime_config "$work" || fail "keylime_upgrade_config could not write the default configuration"
for k in registrar_ip verifier_ip; do set_conf tenant.conf $k 127.0.0.1; done
set_conf tenant.conf registrar_port "$port"
set_conf tenant.conf verifier_port "$port"
set_conf tenant.conf tls_dir "$work"
set_conf tenant.conf trusted_server_ca "['$work/ca.pem']"
set_conf tenant.conf client_cert "$work/tenant.pem"
set_conf tenant.conf client_key "$work/tenant.key"
set_conf tenant.conf require_ek_cert False
set_conf tenant.conf max_retries 5
set_conf tenant.conf retry_interval 0.5
tenant() { "$venv/bin/keylime_tenant" "$@" >>tenant.log 2>&1; }

# A measured boot: a real UEFI event log and IMA log in the TPM's PCRs.
node=d432fbb3-d2f1-4a97-9ef7-75bd81c00001
uefi_log=$ATTEST_TEST_DATA/eventlog/go-tpm-tools/arch-linux-workstation.bin
ima=$work/ima.log
cp "$ATTEST_TEST_DATA/ima/rust-keylime/ascii_runtime_measurements" "$ima"
measure_boot "$uefi_log" "$ima" || fail "the logs could not be measured into the TPM"

NAME=org.hostattest.Agent1
OBJ=/org/hostattest/Agent1
dbus_start "$work/bus" "$ATTEST_SOURCE_ROOT/systemd-units/org.hostattest.Agent1.conf"
"$ATTEST_AGENT" --tcti "$ATTEST_TCTI" --state-dir st --agent-id "$node" \
        --registrar "$base" --ca ca.pem --uefi-log "$uefi_log" --ima-log "$ima" run >>agent.log 2>&1 &
agent_pid=$!
dbus_wait_name $NAME || fail "the agent did not take its bus name"
wait_for 20 eval '[ "$(node_json "d[\"state\"]")" = ACTIVATED ]' ||
        fail "the node did not register and activate: $(ctl status "$node" 2>&1)"
echo "ok: attest-agent registered; the node waits for the tenant (auto_enrol = no)"

# Policies: a TPM policy on PCR 23 (Keylime keeps 0-9 and 11-15 for measured
# boot); the measured-boot reference state of attest-boot-policy(5) and the
# runtime policy in Keylime's format, both from attestctl.
zero=0000000000000000000000000000000000000000000000000000000000000000
"$venv/bin/keylime-policy" create measured-boot --without-secureboot -e "$uefi_log" -o mb-policy.json \
        >policy.log 2>&1 || fail "keylime-policy could not create a measured-boot policy"
ctl policy create-runtime --from-ima-log "$ima" >runtime-policy.json || fail "attestctl could not create the runtime policy"

ctl policy create-mb "$uefi_log" >boot-policy.json || fail "attestctl could not create the boot reference state"

tenant -c regstatus -u "$node" || fail "keylime_tenant -c regstatus"
grep -q "exists on registrar" tenant.log || fail "keylime_tenant -c regstatus did not find the node"

# keylime-policy's refstate of this log lacks vmlinuz_plain_sha256 (grub
# measures no kernel file), which Keylime's example policy refuses too:
# refused with a 400 JSON error naming the key, the node left as it was.
rc=0; tenant -c add --push-model -u "$node" -v 127.0.0.1 -vp "$port" -r 127.0.0.1 -rp "$port" \
        --tpm_policy "{\"23\": [\"$zero\"]}" --mb-policy mb-policy.json || rc=$?
[ "$rc" != 0 ] || fail "keylime_tenant add with a Keylime refstate succeeded"
grep -q '"code":400,"status":"Not a valid boot policy' tenant.log || fail "no 400 for Keylime's refstate"
grep -q 'vmlinuz_plain_sha256' tenant.log || fail "the 400 does not name the missing key"
[ "$(node_json 'd["state"]')" = ACTIVATED ] || fail "a refused tenant add changed the node: $(ctl status "$node")"
tenant -c add --push-model -u "$node" -v 127.0.0.1 -vp "$port" -r 127.0.0.1 -rp "$port" \
        --tpm_policy "{\"23\": [\"$zero\"]}" --mb-policy boot-policy.json \
        --runtime-policy runtime-policy.json || fail "keylime_tenant could not enrol the node"
[ "$(node_json 'd["state"]')" = ENROLLED ] || fail "not ENROLLED after keylime_tenant add: $(ctl status "$node")"
echo "ok: keylime_tenant -c add --push-model enrolled the node"

wait_for 30 eval '[ "$(node_json "d[\"verdict\"]")" = PASS ]' ||
        fail "no PASS after the tenant's enrolment: $(ctl status "$node")"
echo "ok: PASS at attest-verifierd"

tenant -c status -u "$node" --push-model || fail "keylime_tenant -c status"
# Without --push-model the tenant decodes operational_state: null as Keylime's push verifier.
"$venv/bin/keylime_tenant" -c status -u "$node" >show.log 2>&1 || fail "keylime_tenant -c status: $(tail -3 show.log)"
grep -q '"attestation_status": "PASS"' show.log || fail "keylime_tenant -c status: no PASS: $(tail -3 show.log)"
"$venv/bin/keylime_tenant" -c bulkinfo >show.log 2>&1 || fail "keylime_tenant -c bulkinfo: $(tail -3 show.log)"
grep -q "\"$node\": {.*\"attestation_status\": \"PASS\"" show.log || fail "keylime_tenant -c bulkinfo: $(tail -3 show.log)"
tenant -c cvstatus -u "$node" --push-model || fail "keylime_tenant -c cvstatus"
grep -q "\"$node\"" tenant.log || fail "keylime_tenant status did not show the node"
echo "ok: keylime_tenant status, cvstatus, regstatus, bulkinfo"

tenant -c delete -u "$node" --push-model || fail "keylime_tenant -c delete"
grep -q "Node $node removed by the administrator" verifierd.log || fail "keylime_tenant delete did not remove the node"
# The running agent may already have registered again: then not enrolled.
state=$(node_json 'd["state"]' || true)
[ -z "$state" ] || [ "$state" = ACTIVATED ] || fail "the node is $state after keylime_tenant delete"
echo "ok: keylime_tenant -c delete removed the node"

tenant -c reglist || fail "keylime_tenant -c reglist"
tenant -c cvlist || fail "keylime_tenant -c cvlist"
echo "ok: keylime_tenant reglist, cvlist"

# Named policies: stored and shown through the tenant, then the node (which
# registered again by itself after the delete) enrolled by name.
wait_for 30 eval '[ "$(node_json "d[\"state\"]")" = ACTIVATED ]' ||
        fail "the agent did not register again after the delete: $(ctl status "$node" 2>&1)"
tenant -c addruntimepolicy --runtime-policy-name fleet --runtime-policy runtime-policy.json ||
        fail "keylime_tenant -c addruntimepolicy"
tenant -c addmbpolicy --mb-policy-name boot1 --mb-policy boot-policy.json || fail "keylime_tenant -c addmbpolicy"
: >show.log
"$venv/bin/keylime_tenant" -c showruntimepolicy --runtime-policy-name fleet >show.log 2>&1 ||
        fail "keylime_tenant -c showruntimepolicy: $(tail -3 show.log)"
grep -q "'name': 'fleet'" show.log || fail "showruntimepolicy did not show the policy: $(tail -3 show.log)"
"$venv/bin/keylime_tenant" -c showmbpolicy --mb-policy-name boot1 >show.log 2>&1 ||
        fail "keylime_tenant -c showmbpolicy: $(tail -3 show.log)"
grep -q "'name': 'boot1'" show.log || fail "showmbpolicy did not show the policy: $(tail -3 show.log)"
"$venv/bin/keylime_tenant" -c listruntimepolicy >show.log 2>&1 || fail "keylime_tenant -c listruntimepolicy"
grep -q "'runtimepolicy names': \['fleet'\]" show.log || fail "listruntimepolicy: $(tail -3 show.log)"
"$venv/bin/keylime_tenant" -c listmbpolicy >show.log 2>&1 || fail "keylime_tenant -c listmbpolicy"
grep -q "'mbpolicy names': \['boot1'\]" show.log || fail "listmbpolicy: $(tail -3 show.log)"
rc=0; tenant -c addmbpolicy --mb-policy-name boot2 --mb-policy mb-policy.json || rc=$?
[ "$rc" != 0 ] || fail "keylime_tenant -c addmbpolicy stored a Keylime refstate"
rc=0; ctl policy show boot boot2 >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a refused mbpolicy was stored"
# A complete Keylime refstate (keylime-policy's, of another log) is a boot policy.
tenant -c addmbpolicy --mb-policy-name keylime1 --mb-policy "$ATTEST_TEST_DATA/keylime-mb/mb_log.bin.json" ||
        fail "keylime_tenant -c addmbpolicy refused a complete Keylime refstate"
ctl policy show boot keylime1 >/dev/null || fail "the Keylime refstate was not stored"
tenant -c deletembpolicy --mb-policy-name keylime1 || fail "keylime_tenant -c deletembpolicy keylime1"
tenant -c add --push-model -u "$node" -v 127.0.0.1 -vp "$port" -r 127.0.0.1 -rp "$port" \
        --tpm_policy "{\"23\": [\"$zero\"]}" --runtime-policy-name fleet --mb-policy-name boot1 ||
        fail "keylime_tenant could not enrol the node with named policies"
ctl status "$node" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["runtime_policy"]["name"]=="fleet" and s["boot_policy"]["name"]=="boot1", s' ||
        fail "the tenant's named policies are not the node's: $(ctl status "$node")"
wait_for 30 eval '[ "$(node_json "d[\"verdict\"]")" = PASS ]' ||
        fail "no PASS with the named policies: $(ctl status "$node")"
rc=0; tenant -c deleteruntimepolicy --runtime-policy-name fleet || rc=$?
[ "$rc" != 0 ] || fail "keylime_tenant deleted a runtime policy in use"
tenant -c reactivate -u "$node" || fail "keylime_tenant -c reactivate"
[ "$(node_json 'd["verdict"]')" = PASS ] || fail "reactivate changed a passing node: $(ctl status "$node")"
tenant -c delete -u "$node" --push-model || fail "keylime_tenant -c delete (named policies)"
tenant -c deleteruntimepolicy --runtime-policy-name fleet || fail "keylime_tenant -c deleteruntimepolicy"
tenant -c deletembpolicy --mb-policy-name boot1 || fail "keylime_tenant -c deletembpolicy"
echo "ok: named policies through keylime_tenant"
echo PASS
