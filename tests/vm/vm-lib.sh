# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the vm suite and scripts/vm-demo: a test machine under
# QEMU/KVM with OVMF and a swtpm TPM, the verifier on the host, and a command
# channel into the guest.
#
# Needs: ATTEST_BUILD_ROOT (a build configured with prefix /usr),
# ATTEST_SOURCE_ROOT. Sets: work (scratch directory, removed at exit),
# port, sock, base (the verifier), VM_IMAGE (the cached image directory).
# VM_KEEP=1 keeps the scratch directory (console logs, verifier log, disks).

vm_require() {
        local t
        for t in qemu-system-x86_64 swtpm swtpm_setup mmdebstrap mkfs.vfat mkfs.ext4 mcopy sfdisk \
                cryptsetup socat systemd-socket-activate curl python3; do
                command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
        done
        [ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || { echo "SKIP: OVMF (package ovmf) not installed"; exit 77; }
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: building the image needs root"; exit 77; }
}

. "$ATTEST_SOURCE_ROOT/tests/vm/swtpm-tcp.sh"

ATTESTCTL=$ATTEST_BUILD_ROOT/tools/attestctl
ATTEST_VERIFIERD=$ATTEST_BUILD_ROOT/verifierd/attest-verifierd
NODE=vm-node
# The guest reaches the verifier here; QEMU forwards it to $port on the host.
GUEST_VERIFIER=10.0.2.100:8881

step() { printf '\n==> %s\n' "$*"; }
ok() { echo "ok - $*"; }
fail() {
        echo "FAIL: $*" >&2
        if [ -n "${work:-}" ]; then
                [ -f "$work/verifierd.log" ] && { echo "--- verifierd.log" >&2; tail -n 30 "$work/verifierd.log" >&2; }
                local c
                if [ -n "${VM_CMD_PID:-}" ]; then
                        echo "--- the guest's journal" >&2
                        vm_run -t 20 'journalctl -b --no-pager -n 60 -u attest-agent -u systemd-cryptsetup@root' >&2 || true
                fi
                c=$(ls -t "$work"/console-*.log 2>/dev/null | head -1)
                [ -n "$c" ] && { echo "--- $c" >&2; tail -n 40 "$c" >&2; }
        fi
        exit 1
}

vm_setup() {
        vm_require
        work=$(mktemp -d /tmp/hostattest-vm.XXXXXX)
        VM_QEMU_PID= VM_SWTPM_PID= verifierd_pid= VM_CMD_PID=
        trap vm_cleanup EXIT
        vm_pick_accel
        step "Image (cached in $ATTEST_BUILD_ROOT/vm)"
        VM_IMAGE=$("$ATTEST_SOURCE_ROOT/tests/vm/mkimage.sh" "$ATTEST_BUILD_ROOT") || fail "building the image"
        echo "$VM_IMAGE"
        # The run's own copies: the guest writes to its disks.
        cp --sparse=always "$VM_IMAGE/boot.img" "$VM_IMAGE/root.img" "$work/"
        cp -a "$VM_IMAGE/tpm" "$VM_IMAGE/agent-state" "$work/"
}

vm_cleanup() {
        vm_stop
        if [ -n "$verifierd_pid" ]; then
                kill "$verifierd_pid" 2>/dev/null || true
                wait "$verifierd_pid" 2>/dev/null || true
        fi
        if [ -n "${VM_KEEP:-}" ]; then
                echo "kept $work"
        else
                rm -rf "$work"
        fi
}

# ---- the verifier on the host -------------------------------------------

# verifier_start [TENANT-LINE…]: plain HTTP on a free loopback port, nodes
# enrolled automatically with the given tenant.conf lines.
verifier_start() {
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        sock=$work/verifierd.sock
        base=http://127.0.0.1:$port
        printf '%s\n' "[Enrolment]" "auto_enrol = yes" "failure_actions = journal" "$@" >"$work/tenant.conf"
        [ -f "$work/verifierd.conf" ] || printf '%s\n' "[Server]" "tenant_config = $work/tenant.conf" \
                "admin_group = adm" "verifier_url = http://$GUEST_VERIFIER/" \
                "[Registrar]" "require_ek_cert = no" \
                "[Attestation]" "plugin_directory = $ATTEST_BUILD_ROOT/plugins" \
                "[Secrets]" "key_file = $work/secret.key" "max_age = 10min" >"$work/verifierd.conf"
        [ -f "$work/secret.key" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/secret.key"
        mkdir -p "$work/state"
        verifier_resume
}

# verifier_resume: the same verifier (configuration, database) again.
verifier_resume() {
        rm -f "$sock"
        systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
                "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>"$work/verifierd.log" 2>&1 &
        verifierd_pid=$!
        local _
        for _ in $(seq 50); do
                curl -sf "$base/version" -o /dev/null && return 0
                sleep 0.1
        done
        fail "the verifier does not answer"
}

verifier_stop() {
        kill "$verifierd_pid" 2>/dev/null || true
        wait "$verifierd_pid" 2>/dev/null || true
        verifierd_pid=
}

ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }

# node_field KEY: one field of `attestctl status --json`.
node_field() {
        ctl status "$NODE" --json 2>/dev/null |
                python3 -c "import json,sys; v=json.load(sys.stdin).get('$1'); print(json.dumps(v) if isinstance(v,(dict,list)) else v)" 2>/dev/null
}

# wait_for SECONDS COMMAND…: until COMMAND succeeds, polling twice a second.
wait_for() {
        local end=$((SECONDS + $1))
        shift
        while [ $SECONDS -lt $end ]; do
                "$@" && return 0
                sleep 0.5
        done
        return 1
}

# ---- the machine ----------------------------------------------------------

# vm_pick_accel: KVM when it runs the firmware, else QEMU's own emulation
# (TCG, several times slower). A /dev/kvm that exists is not enough: some
# hosts' KVM (PVM, for example) runs only paravirtualised guest kernels and
# fails on the firmware's first instructions.
vm_pick_accel() {
        VM_ACCEL=(-accel tcg,thread=multi -cpu max)
        VM_ACCEL_NAME="tcg"
        if [ ! -w /dev/kvm ]; then
                VM_ACCEL_NAME="tcg (/dev/kvm is not usable)"
        else
                cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/probe-vars.fd"
                # Without arch-capabilities, which nested KVM may refuse to set.
                timeout 8 qemu-system-x86_64 -nodefaults -machine q35 -enable-kvm -cpu host,-arch-capabilities \
                        -m 256 -display none -serial "file:$work/probe-serial.log" \
                        -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
                        -drive if=pflash,format=raw,unit=1,file="$work/probe-vars.fd" >"$work/probe.log" 2>&1 || true
                if grep -q BdsDxe "$work/probe-serial.log" 2>/dev/null; then
                        VM_ACCEL=(-enable-kvm -cpu host,-arch-capabilities)
                        VM_ACCEL_NAME=kvm
                else
                        VM_ACCEL_NAME="tcg (KVM does not run the UEFI firmware here: $(head -n 1 "$work/probe.log"))"
                fi
        fi
        echo "accelerator: $VM_ACCEL_NAME"
}

# vm_start NAME [away]: boots the run's disks; console output in
# $work/console-NAME.log. With "away" the verifier's address is not
# forwarded: the guest's connections to it go unanswered, as to a verifier
# that is down or cut off.
vm_start() {
        local name=$1 fwd=",guestfwd=tcp:$GUEST_VERIFIER-cmd:socat - TCP:127.0.0.1:$port"
        [ "${2:-}" = away ] && fwd=''
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"   # the same NVRAM every boot
        rm -f "$work/swtpm.sock" "$work/cmd.sock" "$work/serial.sock"
        swtpm socket --tpm2 --tpmstate dir="$work/tpm" --ctrl type=unixio,path="$work/swtpm.sock" \
                --log file="$work/swtpm.log" &
        VM_SWTPM_PID=$!
        local _
        for _ in $(seq 50); do [ -S "$work/swtpm.sock" ] && break; sleep 0.1; done
        qemu-system-x86_64 -nodefaults -machine q35 "${VM_ACCEL[@]}" -smp 2 -m 1024 \
                -display none \
                -chardev socket,id=ser0,path="$work/serial.sock",server=on,wait=off,logfile="$work/console-$name.log" \
                -serial chardev:ser0 \
                -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
                -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
                -drive if=virtio,format=raw,file="$work/boot.img" \
                -drive if=virtio,format=raw,file="$work/root.img" \
                -chardev socket,id=chrtpm,path="$work/swtpm.sock" \
                -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-crb,tpmdev=tpm0 \
                -netdev "user,id=net0,restrict=on$fwd" \
                -device virtio-net-pci,netdev=net0 \
                -device virtio-serial \
                -chardev socket,id=cmd,path="$work/cmd.sock",server=on,wait=off \
                -device virtserialport,chardev=cmd,name=org.hostattest.cmd \
                >"$work/qemu-$name.log" 2>&1 &
        VM_QEMU_PID=$!
        for _ in $(seq 100); do [ -S "$work/cmd.sock" ] && break; sleep 0.1; done
        [ -S "$work/cmd.sock" ] || fail "qemu did not start: $(cat "$work/qemu-$name.log")"
        coproc VM_CMD { socat - UNIX-CONNECT:"$work/cmd.sock"; }
        # Copies that pipelines (subshells) inherit too; a coproc's own do not.
        exec {VM_IN}>&"${VM_CMD[1]}" {VM_OUT}<&"${VM_CMD[0]}"
}

# vm_stop: powers the machine off (no clean shutdown: the disks are scratch).
vm_stop() {
        if [ -n "${VM_CMD_PID:-}" ]; then
                exec {VM_IN}>&- {VM_OUT}<&-
                kill "$VM_CMD_PID" 2>/dev/null || true
                wait "$VM_CMD_PID" 2>/dev/null || true
                VM_CMD_PID=
        fi
        local p
        for p in "${VM_QEMU_PID:-}" "${VM_SWTPM_PID:-}"; do
                [ -n "$p" ] || continue
                kill "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        VM_QEMU_PID= VM_SWTPM_PID=
}

# vm_run [-t SECONDS] COMMAND: runs COMMAND in the guest as root; prints its
# output and returns its exit status (124 when no answer came in time).
# Answers to earlier commands that timed out are skipped by their id.
vm_run() {
        local t=60
        [ "$1" = -t ] && { t=$2; shift 2; }
        # Unique also when called in a command substitution (a subshell).
        local me="$BASHPID.$RANDOM" id rc b64 end
        printf '%s %s\n' "$me" "$*" >&"$VM_IN"
        end=$((SECONDS + t))
        while [ $SECONDS -le $end ]; do
                IFS=' ' read -r -t "$t" id rc b64 <&"$VM_OUT" || return 124
                [ "$id" = "$me" ] || continue
                printf '%s' "$b64" | base64 -d
                echo
                return "$rc"
        done
        return 124
}

# vm_wait_boot NAME: until the machine booted as NAME answers commands; a
# passphrase prompt on the way is answered with the recovery passphrase and
# counted in VM_PROMPTED (with the time it came, VM_PROMPT_AFTER seconds).
vm_wait_boot() {
        local log=$work/console-$1.log start=$SECONDS end=$((SECONDS + 600))
        VM_PROMPTED=0
        while [ $SECONDS -lt $end ]; do
                if [ "$VM_PROMPTED" = 0 ] && grep -aq 'Please enter passphrase' "$log" 2>/dev/null; then
                        VM_PROMPTED=1 VM_PROMPT_AFTER=$((SECONDS - start))
                        sleep 1
                        vm_console_type "$(cat "$VM_IMAGE/recovery.key")"
                fi
                vm_wait_up 5 && return 0
                kill -0 "$VM_QEMU_PID" 2>/dev/null || fail "qemu exited"
        done
        fail "the guest did not come up"
}

# vm_wait_up SECONDS: until the guest answers commands.
vm_wait_up() {
        local end=$((SECONDS + $1)) out
        while [ $SECONDS -lt $end ]; do
                out=$(vm_run -t 3 echo up 2>/dev/null) && [ "$out" = up ] && return 0
                kill -0 "$VM_QEMU_PID" 2>/dev/null || return 1
        done
        return 1
}

# ---- steps shared by the suite and the demo -------------------------------

# Programs the tests run in the guest after the runtime policy is made; run
# once before, so that the machine's own log (and so its policy) has them.
GUEST_WARMUP='pamtester hostattest-vm root acct_mgmt; busctl --version; cp --version; chmod --version; sleep 0; systemctl --version; wc --version; journalctl --version; grep --version; head --version; true'

agent_verdict() {
        vm_run -t 20 busctl get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 Verdict
}

# vm_host_register: registers the machine's identity (its swtpm and the AK
# made with the image) from the host, as a provisioning step would, so that
# the verifier knows the node before its disk secret is stored.
vm_host_register() {
        swtpm_tcp_start "$work/tpm" || fail "swtpm"
        touch "$work/agent.conf"
        "$ATTEST_BUILD_ROOT/agent/attest-agent" --config "$work/agent.conf" \
                --tcti "swtpm:host=127.0.0.1,port=$SWTPM_TCP_PORT" --state-directory "$work/agent-state" \
                --agent-id "$NODE" --registrar "$base" register >"$work/register.log" 2>&1 ||
                { swtpm_tcp_stop; fail "registering from the host: $(cat "$work/register.log")"; }
        swtpm_tcp_stop
}

# vm_first_boot: the verifier enrolling nodes for one attestation (the
# RAMDISK flow) with a TPM policy only; the node registered, its root volume
# enrolled with an attest token; the machine booted: its initrd registers,
# attests once and unlocks the root with the released secret. The booted
# system is then enrolled anew for continuous attestation and passes.
vm_first_boot() {
        echo '{"15": ["0000000000000000000000000000000000000000000000000000000000000000"]}' >"$work/tpm-policy.json"
        verifier_start "tpm_policy = $work/tpm-policy.json" "interval = 2s" "attest_count = 1"
        step "Provisioning: the TPM identity registered, the root volume enrolled"
        vm_host_register
        ok "node $NODE registered ($(node_field state))"
        ctl luks enrol "$work/root.img" --secret root-disk --node "$NODE" \
                --unlock-key-file "$VM_IMAGE/recovery.key" --timeout 3min >"$work/enrol.log" 2>&1 ||
                fail "attestctl luks enrol: $(cat "$work/enrol.log")"
        ok "root volume enrolled: a keyslot and an attest token for secret root-disk"

        step "Booting the machine (UEFI, systemd-boot, dracut initrd with the attest module, ima_policy=tcb)"
        vm_start first
        vm_wait_boot first
        ok "the guest is up: $(vm_run uname -r), root on $(vm_run findmnt -no SOURCE /)"
        [ "$VM_PROMPTED" = 0 ] || fail "the initrd asked for the passphrase"
        vm_run "journalctl -b -o cat --no-pager -u attest-agent -u systemd-cryptsetup@root | grep -iE 'regist|secret|root|attest' | head -n 12" || true
        [ "$(node_field state)" = TERMINATED ] && [ "$(node_field attestations_passed)" = 1 ] ||
                fail "not one pass then TERMINATED: $(ctl status "$NODE" 2>&1)"
        ok "the initrd attested once (attest_count = 1, now TERMINATED) and the root unlocked with the released secret"

        step "The booted system, enrolled for continuous attestation"
        ctl enrol "$NODE" --force --attest-count 0 >/dev/null || fail "attestctl enrol --force"
        vm_run 'systemctl restart attest-agent' || fail "restarting the agent"
        wait_for 180 eval '[ "$(node_field verdict)" = PASS ]' ||
                fail "no PASS: $(ctl status "$NODE" 2>&1)"
        ok "attests: state $(node_field state), verdict PASS (TPM policy only)"
}

# vm_reference_policies: the machine's own UEFI and IMA logs, read in the
# guest, made into the boot and runtime policies vm-boot and vm-runtime,
# which the node is then evaluated with.
vm_reference_policies() {
        step "Policies from the machine's own logs"
        vm_run "$GUEST_WARMUP" >/dev/null || fail "warm-up in the guest"
        vm_run 'base64 -w0 /sys/kernel/security/tpm0/binary_bios_measurements' | base64 -d >"$work/uefi.log" ||
                fail "reading the UEFI log"
        vm_run 'cat /sys/kernel/security/ima/ascii_runtime_measurements' >"$work/ima.log" ||
                fail "reading the IMA log"
        echo "UEFI log: $(stat -c %s "$work/uefi.log") bytes; IMA log: $(wc -l <"$work/ima.log") measurements"
        "$ATTESTCTL" policy create-mb "$work/uefi.log" >"$work/boot.json" || fail "policy create-mb"
        # What changes from boot to boot or is written at run time: state and
        # logs, and in the initrd (IMA measures its files too) dracut's state
        # and the temporary files systemd writes and renames.
        "$ATTESTCTL" policy create-runtime --from-ima-log "$work/ima.log" \
                --exclude '/var/lib/.*' --exclude '/var/log/.*' --exclude '/var/cache/.*' --exclude '/tmp/.*' \
                --exclude '/dracut-state\.sh' --exclude '/etc/\.#.*' \
                >"$work/runtime.json" || fail "policy create-runtime"
        python3 - "$work/boot.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
apps = [s.get("stage") for s in p.get("boot_applications", [])]
k = (p.get("kernels") or [{}])[0]
print("boot policy: boot applications %s; kernel command line %r" % (apps, k.get("cmdline")))
PY
        ctl policy add boot vm-boot "$work/boot.json" >/dev/null || fail "policy add boot"
        ctl policy add runtime vm-runtime "$work/runtime.json" >/dev/null || fail "policy add runtime"
        local before
        before=$(node_field attestations_passed)
        ctl update "$NODE" --boot-policy vm-boot --runtime-policy vm-runtime >/dev/null || fail "attestctl update"
        wait_for 180 eval '[ "$(node_field attestations_passed)" -ge $((before + 2)) ] && [ "$(node_field verdict)" = PASS ]' ||
                fail "no PASS under the machine's own policies: $(ctl status "$NODE" 2>&1)"
        ok "PASS with the real UEFI log and the real IMA log under vm-boot and vm-runtime"
}

# vm_console_type TEXT: types a line on the machine's serial console.
vm_console_type() {
        printf '%s\n' "$1" | socat -t 2 - UNIX-CONNECT:"$work/serial.sock"
}

# vm_poweroff: a clean shutdown, then the processes are reaped.
vm_poweroff() {
        vm_run -t 5 'systemctl poweroff' >/dev/null 2>&1 || true
        local end=$((SECONDS + 90))
        while [ $SECONDS -lt $end ] && kill -0 "$VM_QEMU_PID" 2>/dev/null; do sleep 0.5; done
        vm_stop
}

# esp_entry_options OPTIONS: rewrites the kernel command line of the boot
# entry on the (powered off) machine's EFI system partition.
esp_entry_options() {
        local entry=$work/entry.conf
        MTOOLS_SKIP_CHECK=1 mtype -i "$work/boot.img@@1M" ::/loader/entries/hostattest.conf >"$entry"
        sed -i "s|^options .*|options $1|" "$entry"
        MTOOLS_SKIP_CHECK=1 mcopy -o -i "$work/boot.img@@1M" "$entry" ::/loader/entries/hostattest.conf
}

esp_entry_current_options() {
        MTOOLS_SKIP_CHECK=1 mtype -i "$work/boot.img@@1M" ::/loader/entries/hostattest.conf | sed -n 's/^options //p'
}
