#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkimage.sh BUILD_DIR: a small Debian 12 machine with this build installed,
# for the vm suite. Prints the directory holding
#   boot.img      GPT disk with the EFI system partition: systemd-boot, the
#                 kernel, and an initrd made by dracut with the attest module
#   root.img      the root file system: ext4 in LUKS2, a disk of its own
#   recovery.key  the LUKS2 passphrase of keyslot 0
#   tpm/          the machine's swtpm state, and agent-state/ its AK: the
#                 identity is made here, before the initrd that carries it
#
# Two caches under BUILD_DIR/vm, each keyed by a hash of its inputs: the
# Debian base (mmdebstrap; the package list and this script) and the image
# (the base, what `meson install` puts into the image, tests/vm/guest and
# the dracut module). A run with nothing changed only hashes and reuses.
set -euo pipefail

build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$build/vm
mkdir -p "$cache"

log() { echo "mkimage: $*" >&2; }
. "$top/tests/vm/swtpm-tcp.sh"

suite=bookworm
mirrors=(
        "deb http://deb.debian.org/debian $suite main"
        "deb http://deb.debian.org/debian $suite-updates main"
        "deb http://deb.debian.org/debian-security $suite-security main"
)
# What the guest needs: systemd with networkd, the kernel and dracut for the
# initrd, cryptsetup, and the libraries the installed programs link.
packages=(
        systemd systemd-sysv udev dbus kmod linux-image-amd64
        dracut dracut-network cryptsetup e2fsprogs iproute2 procps pamtester
        libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-rc0 libtss2-sys1
        libtss2-tctildr0 libtss2-tcti-device0
        libjson-c5 libcurl4 libssl3 libpcre2-8-0 libcryptsetup12 libpam0g
        libmicrohttpd12 libsqlite3-0 libgnutls30
)

# Fixed identities, so that the image and its measurements repeat.
ROOT_UUID=6d1c6ee4-2d8a-4a5e-9b1e-3a8f1f0c0a01
LUKS_UUID=0b5f7a52-8c1e-4f61-a3a9-2c4d6e8f0a11
ESP_SERIAL=0x4a7e5e01

hash_of() { sha256sum | cut -c1-16; }

base_key=$({ printf '%s\n' "${packages[@]}" "${mirrors[@]}"; sed -n '/^# BASE-BEGIN/,/^# BASE-END/p' "$0"; } | hash_of)
base=$cache/base-$base_key.tar

# BASE-BEGIN
if [ ! -f "$base" ]; then
        log "building the Debian base (mmdebstrap, a few minutes)"
        rm -f "$cache"/base-*.tar
        # Downloaded packages are kept in $cache/debs for the next base.
        mkdir -p "$cache/debs"
        mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
                --include="$(IFS=,; echo "${packages[*]}")" \
                --skip=essential/unlink \
                --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
                --setup-hook="sync-in $cache/debs /var/cache/apt/archives/" \
                --customize-hook="sync-out /var/cache/apt/archives $cache/debs" \
                --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb "$1"/boot/initrd.img-*' \
                "$suite" "$base.tmp" "${mirrors[@]}" >&2
        mv "$base.tmp" "$base"
fi
# BASE-END

# What the project installs, as it installs it.
dest=$cache/destdir
rm -rf "$dest"
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >&2
dest_key=$(cd "$dest" && find . -type f -o -type l | LC_ALL=C sort | xargs -d '\n' sha256sum | hash_of)
guest_key=$(cd "$top" && find tests/vm/guest dracut -type f | LC_ALL=C sort | xargs -d '\n' sha256sum | hash_of)
key=$(printf '%s\n' "$base_key" "$dest_key" "$guest_key" "$(sha256sum "$0")" | hash_of)
out=$cache/image-$key
if [ -f "$out/boot.img" ] && [ -f "$out/root.img" ]; then
        echo "$out"
        exit 0
fi

log "assembling the image $key"
rm -rf "$cache"/image-*
work=$cache/work
rm -rf "$work"
mkdir -p "$work/root"
root=$work/root
tar -C "$root" -xf "$base"
# The project's files, over the merged-/usr layout of the base.
tar -C "$dest" -cf - . | tar -C "$root" -xf - --keep-directory-symlink
tar -C "$top/tests/vm/guest" -cf - . | tar -C "$root" -xf - --keep-directory-symlink --no-same-owner
chmod 0755 "$root/usr/local/libexec/vm-runner"

echo vm-node >"$root/etc/hostname"
echo 5f0c3ad0b41e4c0fa8a1d1c3d0a1b2c3 >"$root/etc/machine-id"
echo "/dev/mapper/root / ext4 defaults 0 1" >"$root/etc/fstab"
# The root volume; its attest token is written by each run (attestctl luks
# enrol), as the secret lives in that run's verifier.
echo "root UUID=$LUKS_UUID none luks,x-initrd.attach" >"$root/etc/crypttab"
kver=$(ls "$root/lib/modules")

# The TPM identity: the agent makes its AK in the machine's own (software)
# TPM, as on a first start, so that the initrd built next carries it.
mkdir -p "$work/tpm" "$root/var/lib/hostattest-agent"
chmod 0700 "$root/var/lib/hostattest-agent"
swtpm_setup --tpm2 --tpmstate "$work/tpm" --createek --pcr-banks sha256 --overwrite >/dev/null
swtpm_tcp_start "$work/tpm"
touch "$work/agent.conf"
"$build/agent/attest-agent" --config "$work/agent.conf" --tcti "swtpm:host=127.0.0.1,port=$SWTPM_TCP_PORT" \
        --state-directory "$root/var/lib/hostattest-agent" identity >"$work/identity.log" 2>&1 || true
swtpm_tcp_stop
[ -s "$root/var/lib/hostattest-agent/ak.priv" ] || { log "no AK: $(cat "$work/identity.log")"; exit 1; }
cp -a "$root/var/lib/hostattest-agent" "$work/agent-state"

# Units enabled as the package scripts would, the initrd made by the image's
# own dracut; in a private mount namespace so that nothing stays mounted.
unshare -m bash -euo pipefail -s "$root" "$kver" >&2 <<'IN'
root=$1 kver=$2
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
chroot "$root" systemctl -q enable systemd-networkd.service attest-agent.service vm-runner.service
chroot "$root" systemctl -q mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
chroot "$root" passwd -d root >/dev/null
chroot "$root" dracut --quiet --force --no-hostonly --add attest --kver "$kver" /boot/initrd.img
IN
[ -s "$root/boot/initrd.img" ] || { log "dracut made no initrd"; exit 1; }

# The EFI system partition: systemd-boot as the removable-media loader, one
# entry with the kernel command line the boot policy will hold.
esp=$work/esp.img
truncate -s 160M "$esp"
mkfs.vfat -n ESP -i "${ESP_SERIAL#0x}" "$esp" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
mcopy -i "$esp" /usr/lib/systemd/boot/efi/systemd-bootx64.efi ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$root/boot/vmlinuz-$kver" ::/vmlinuz
mcopy -i "$esp" "$root/boot/initrd.img" ::/initrd.img
printf 'timeout 0\ndefault hostattest.conf\nrandom-seed-mode off\n' >"$work/loader.conf"
mcopy -i "$esp" "$work/loader.conf" ::/loader/loader.conf
printf '%s\n' "title hostattest test machine" "linux /vmlinuz" "initrd /initrd.img" \
        "options root=/dev/mapper/root ro console=ttyS0 ima_policy=tcb" >"$work/entry.conf"
mcopy -i "$esp" "$work/entry.conf" ::/loader/entries/hostattest.conf

boot=$work/boot.img
truncate -s 200M "$boot"
printf 'label: gpt\nstart=2048, size=%s, type=uefi\n' $((160 * 2048)) | sfdisk --quiet "$boot"
dd if="$esp" of="$boot" bs=1M seek=1 conv=notrunc status=none

rm -rf "$root/boot"/*.img "$root/var/cache/apt"/*.bin
mkfs.ext4 -q -F -L root -U "$ROOT_UUID" -d "$root" "$work/root.img" 1536M >/dev/null
# Encrypted in place, into the 32 MiB added for the LUKS2 header: this needs
# no device-mapper on the host. A cheap KDF: the passphrase is a test's.
truncate -s +32M "$work/root.img"
printf 'vm-recovery-passphrase' >"$work/recovery.key"
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 32M --uuid "$LUKS_UUID" \
        --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$work/recovery.key" -q "$work/root.img"

mkdir -p "$out.tmp"
mv "$boot" "$work/root.img" "$work/recovery.key" "$work/tpm" "$work/agent-state" "$out.tmp/"
printf 'root_uuid=%s\nluks_uuid=%s\nkver=%s\n' "$ROOT_UUID" "$LUKS_UUID" "$kver" >"$out.tmp/info"
mv "$out.tmp" "$out"
rm -rf "$work"
echo "$out"
