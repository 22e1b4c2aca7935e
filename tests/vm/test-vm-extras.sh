#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The vm suite's other boots, on the machine of test-vm-story.sh attesting
# PASS under the policies made from its own logs:
#  - a reboot is a new boot whose IMA log starts again: the initrd unlocks the
#    root again and the booted system passes again;
#  - with the verifier away (unreachable) the initrd waits for the agent to
#    register, then falls back to the passphrase prompt;
#  - a boot with an edited kernel command line fails the boot policy (mb),
#    naming the event, and gets no disk key: the passphrase is asked for.
set -euo pipefail
[ -n "${TEST_TRACE:-}" ] && set -x
: "${ATTEST_BUILD_ROOT:?}" "${ATTEST_SOURCE_ROOT:?}"
. "$ATTEST_SOURCE_ROOT/tests/vm/vm-lib.sh"

vm_setup
vm_first_boot
vm_reference_policies

step "Reboot"
lines_before=$(vm_run 'wc -l </sys/kernel/security/ima/ascii_runtime_measurements')
boot_before=$(vm_run 'cat /proc/sys/kernel/random/boot_id')
vm_poweroff
vm_start reboot
vm_wait_boot reboot
[ "$VM_PROMPTED" = 0 ] || fail "the initrd asked for the passphrase after a reboot"
ok "the initrd unlocked the root again"
boot_after=$(vm_run 'cat /proc/sys/kernel/random/boot_id')
[ "$boot_after" != "$boot_before" ] || fail "no new boot"
lines_after=$(vm_run 'wc -l </sys/kernel/security/ima/ascii_runtime_measurements')
[ "$lines_after" -lt "$lines_before" ] || fail "the IMA log did not start again ($lines_before, then $lines_after lines)"
ok "a new boot, the IMA log from its start ($lines_before lines before, $lines_after now)"
passed=$(node_field attestations_passed)
wait_for 180 eval '[ "$(node_field attestations_passed)" -ge $((passed + 2)) ] && [ "$(node_field verdict)" = PASS ]' ||
        fail "no PASS after the reboot: $(ctl status "$NODE" 2>&1)"
ok "PASS again after the reboot"

step "A boot while the verifier is away"
vm_poweroff
verifier_stop
vm_start away away
vm_wait_boot away
[ "$VM_PROMPTED" = 1 ] || fail "no passphrase prompt without the verifier"
vm_run "journalctl -b -o short-monotonic --no-pager -u attest-agent -u systemd-cryptsetup@root | grep -E 'Starting attest-agent|State:|did not release|agent refused|Finished systemd-cryptsetup' | head -n 6" \
        >"$work/away.txt" || true
cat "$work/away.txt"
waited=$(awk -F'[][]' '/Starting attest-agent/ { s = $2 } /did not release/ { print int($2 - s); exit }' "$work/away.txt")
[ -n "$waited" ] && [ "$waited" -ge 85 ] || fail "the initrd did not wait for the agent (${waited:-?} s)"
ok "the initrd waited ${waited} s for the agent, then asked for the passphrase, and the root opened with it"
vm_poweroff
verifier_resume

step "A boot with an edited kernel command line"
options=$(esp_entry_current_options)
esp_entry_options "$options systemd.log_level=info"
echo "options now: $(esp_entry_current_options)"
vm_start edited
vm_wait_boot edited
[ "$VM_PROMPTED" = 1 ] || fail "the root opened without the passphrase though the boot changed"
ok "no disk key for the edited boot: the initrd asked for the passphrase"
wait_for 180 eval 'ctl status "$NODE" 2>/dev/null | grep -q mb.kernel_cmdline' ||
        fail "no kernel command line failure: $(ctl status "$NODE" 2>&1)"
ctl status "$NODE" >"$work/status.txt"
grep -q 'Verdict: FAIL' "$work/status.txt" || fail "not FAIL: $(cat "$work/status.txt")"
grep -iq 'event' "$work/status.txt" || fail "the failure names no event: $(cat "$work/status.txt")"
grep -E 'mb\.' "$work/status.txt" | head -n 5
ok "mb failure naming the kernel command line event"
echo PASS
