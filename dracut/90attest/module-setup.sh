#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hostattest in the initrd: attest-agent with this host's configuration and
# identity (its AK and registration), the system bus with the agent's bus
# policy, the network as the host configures it, and the LUKS2 token plugin,
# so that systemd-cryptsetup unlocks a volume with the secret the verifier
# releases after a fresh attestation (libcryptsetup-token-attest(8)).
# Not included by default: add_dracutmodules+=" attest ".

check() {
    require_binaries /usr/libexec/attest-agent || return 1
    return 255
}

depends() {
    echo systemd systemd-networkd dbus crypt
}

install() {
    local agentdir=/var/lib/hostattest-agent f

    inst_multiple /usr/libexec/attest-agent
    # The unit runs the agent in the group tss, which the TSS's udev rules
    # give /dev/tpmrm0 to.
    grep -s '^tss:' "$dracutsysrootdir/etc/passwd" >>"$initdir/etc/passwd"
    grep -s '^tss:' "$dracutsysrootdir/etc/group" >>"$initdir/etc/group"
    inst_rules 60-tpm-udev.rules
    # The token plugin where libcryptsetup looks for it; the TCTI the TSS
    # loads at run time.
    inst_libdir_file "cryptsetup/libcryptsetup-token-attest.so" "libtss2-tcti-device.so*"
    inst_multiple -o "$dbussystem/org.hostattest.Agent1.conf" \
        /usr/share/dbus-1/system.d/org.hostattest.Agent1.conf

    # Configuration and identity. Without the AK the initrd would make a new
    # one, which the verifier refuses for a registered node.
    inst_multiple -o /etc/hostattest/agent.conf /etc/hostattest/ca.pem "/etc/hostattest/agent.conf.d/*.conf"
    for f in ak.pub ak.priv ak.ek-name registration; do
        [ -e "$dracutsysrootdir$agentdir/$f" ] && inst_simple "$agentdir/$f"
    done
    [ -e "$dracutsysrootdir$agentdir/ak.priv" ] ||
        dwarn "attest: $agentdir has no AK: start attest-agent once before building the initrd"
    chmod 0700 "$initdir$agentdir" 2>/dev/null
    # The host's machine id: the agent id defaults to it, and an initrd
    # without one makes a new one every boot, which IMA then measures.
    # (Over the empty file the systemd module leaves, which dracut-install
    # would not replace.)
    [ -s "$dracutsysrootdir/etc/machine-id" ] &&
        cat "$dracutsysrootdir/etc/machine-id" >"$initdir/etc/machine-id"

    # The network: the host's systemd-networkd configuration.
    inst_multiple -H -o "$systemdnetworkconfdir/*.network" "$systemdnetworkconfdir/*.link"

    # Volumes to unlock: the host's crypttab (hostonly builds filter it
    # already in the crypt module).
    [[ $hostonly ]] || inst_multiple -o /etc/crypttab

    inst_multiple busctl sleep
    inst_hook pre-pivot 50 "$moddir/attest-stop.sh"
    inst_simple "$systemdsystemunitdir/attest-agent.service"
    inst_simple "$moddir/attest-agent-initrd.conf" "$systemdsystemunitdir/attest-agent.service.d/50-initrd.conf"
    inst_simple "$moddir/cryptsetup-attest.conf" "$systemdsystemunitdir/systemd-cryptsetup@.service.d/50-attest.conf"
}
