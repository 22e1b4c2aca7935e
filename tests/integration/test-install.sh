#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install --destdir` puts every file where its consumer looks: PAM modules
# where libpam loads them, the bus policy where dbus-daemon reads it, units and
# tmpfiles/sysusers snippets where systemd's pkg-config says; the defaults compiled
# into the programs follow the prefix options and are those the man pages state;
# each state directory has one owner; the examples cover every configuration key.
set -euo pipefail

: "${ATTEST_BUILD_ROOT:?}" "${ATTEST_SOURCE_ROOT:?}"
src=$ATTEST_SOURCE_ROOT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$ATTEST_BUILD_ROOT" --no-rebuild --quiet --destdir "$work/root" >"$work/install.log" 2>&1 ||
        { cat "$work/install.log" >&2; fail "meson install"; }
D=$work/root

# The build's directory options, made absolute as meson does.
eval "$(meson introspect "$ATTEST_BUILD_ROOT" --buildoptions | python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
for k in ("prefix", "sysconfdir", "localstatedir", "libdir", "libexecdir", "bindir", "datadir", "mandir"):
    print("%s=%s" % (k, os.path.join(o["prefix"], o[k])))
print("pamlibdir=%s" % o.get("pamlibdir", ""))
')"

exists() { [ -e "$D$1" ] || fail "$1 not installed (installed: $(cd "$D" && find . -name "$(basename "$1")"))"; }

exists "$bindir/attestctl"
exists "$libexecdir/attest-verifierd"
exists "$libexecdir/attest-agent"
for p in tpm mb ima exec; do
        exists "$libdir/hostattest/plugins/libattest-plugin-$p.so"
done

# PAM: Linux-PAM's securedir, or the security directory beside libpam.
pam_dir=$pamlibdir
[ -n "$pam_dir" ] || pam_dir=$(pkg-config --variable=securedir pam)
[ -n "$pam_dir" ] || pam_dir=$(pkg-config --variable=libdir pam)/security
exists "$pam_dir/pam_attest.so"

# D-Bus reads system bus policies from its data directory only.
dbus_datadir=$(pkg-config --variable=datadir dbus-1 2>/dev/null || echo /usr/share)
exists "$dbus_datadir/dbus-1/system.d/org.hostattest.Agent1.conf"

if pkg-config --exists systemd; then
        unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
        tmpfilesdir=$(pkg-config --variable=tmpfilesdir systemd)
        sysusersdir=$(pkg-config --variable=sysusersdir systemd)
        for u in attest-verifierd.service attest-verifierd.socket attest-agent.service; do
                exists "$unitdir/$u"
        done
        exists "$tmpfilesdir/hostattest-verifierd.conf"
        exists "$tmpfilesdir/hostattest-agent.conf"
        exists "$sysusersdir/hostattest-verifierd.conf"
        # The units start the programs where they were installed.
        grep -q "^ExecStart=$libexecdir/attest-verifierd\$" "$D$unitdir/attest-verifierd.service" || fail "verifierd ExecStart"
        grep -q "^ExecStart=$libexecdir/attest-agent run\$" "$D$unitdir/attest-agent.service" || fail "agent ExecStart"

        # One owner per directory: no path is declared by two tmpfiles snippets, and the
        # two services' StateDirectory= differ.
        dups=$(cat "$D$tmpfilesdir"/hostattest-*.conf | awk '$1 == "d" { print $2 }' | sort | uniq -d)
        [ -z "$dups" ] || fail "declared twice in tmpfiles: $dups"
        v_state=$(sed -n 's/^StateDirectory=//p' "$D$unitdir/attest-verifierd.service")
        a_state=$(sed -n 's/^StateDirectory=//p' "$D$unitdir/attest-agent.service")
        [ "$v_state" = hostattest ] && [ "$a_state" = hostattest-agent ] || fail "StateDirectory: $v_state / $a_state"
        case $a_state in "$v_state"/*) fail "the agent's state inside the verifier's";; esac

        # The node port is loopback until a certificate is configured.
        grep -q '^ListenStream=127.0.0.1:8881$' "$D$unitdir/attest-verifierd.socket" || fail "socket not on loopback"
fi

if command -v scdoc >/dev/null; then
        for m in man1/attestctl.1 man8/attest-verifierd.8 man8/attest-agent.8 man5/verifierd.conf.5 \
                 man5/tenant.conf.5 man5/agent.conf.5 man8/pam_attest.8; do
                exists "$mandir/$m"
        done
fi

# Commented examples and the pam.d snippet.
ex=$datadir/doc/hostattest/examples
for f in verifierd.conf tenant.conf agent.conf pam.d/hostattest; do
        exists "$ex/$f"
done
grep -q '^account .*pam_attest.so' "$D$ex/pam.d/hostattest" || fail "pam.d snippet"
# Every key of the parsers appears in its example, commented out.
# (tenant.conf's "policy.*" is checked as "policy.".)
keys() { grep -o '{ "[A-Za-z]*", *"[A-Za-z_.]*' "$1" | sed 's/.*"//'; }
check_keys() {
        local example=$1; shift
        for k in $(keys "$@"); do
                case $k in iak_handle|idevid_handle|iak_certificate|idevid_certificate|iak_cert|idevid_cert) continue;; esac
                grep -Eq "^#$k[a-z]* ?=" "$D$ex/$example" || fail "$example lacks $k"
        done
}
check_keys verifierd.conf <(sed -n '/verifier_items/,/^};/p' "$src/verifierd/verifierd-config.c")
check_keys tenant.conf <(sed -n '/tenant_items/,/^};/p' "$src/verifierd/verifierd-config.c")
check_keys agent.conf "$src/agent/agent-config.c"

# The defaults compiled into the installed programs follow the prefix options ...
etc=$sysconfdir/hostattest
v_help=$("$D$libexecdir/attest-verifierd" --help)
a_help=$("$D$libexecdir/attest-agent" --help)
grep -q "(default $etc/verifierd.conf)" <<<"$v_help" || fail "verifierd config default: $v_help"
grep -q "(default $localstatedir/lib/hostattest)" <<<"$v_help" || fail "verifierd state default: $v_help"
grep -q "(default $etc/agent.conf)" <<<"$a_help" || fail "agent config default: $a_help"
grep -q "(default $localstatedir/lib/hostattest-agent)" <<<"$a_help" || fail "agent state default: $a_help"

# ... and with the documented prefix line they are the paths the man pages name.
if [ "$prefix" = /usr ] && [ "$sysconfdir" = /etc ] && [ "$localstatedir" = /var ]; then
        # The examples are written for the documented layout.
        grep -q "#state_directory = /var/lib/hostattest\$" "$D$ex/verifierd.conf" || fail "example state_directory"
        grep -q "#StateDirectory=/var/lib/hostattest-agent\$" "$D$ex/agent.conf" || fail "example StateDirectory"
        grep -q '_/etc/hostattest/verifierd.conf_' "$src/man/attest-verifierd.8.scd" || fail "man: verifierd.conf"
        grep -q 'Default: _/var/lib/hostattest_' "$src/man/verifierd.conf.5.scd" || fail "man: state_directory"
        grep -q 'default _/var/lib/hostattest-agent_' "$src/man/agent.conf.5.scd" || fail "man: agent StateDirectory"
        grep -q '_/etc/hostattest/agent.conf_' "$src/man/attest-agent.8.scd" || fail "man: agent.conf"
        [ -e "$D/usr/share/dbus-1/system.d/org.hostattest.Agent1.conf" ] || fail "bus policy outside /usr/share"
fi
echo PASS
