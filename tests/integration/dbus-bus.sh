# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by integration tests: a private system-like dbus-daemon.
#
#   dbus_start DIR [POLICY-FILE…]   # exports DBUS_SYSTEM_BUS_ADDRESS, DBUS_PID
#
# The bus denies method calls by default, as the system bus does; the policy
# files given are included after that, as /usr/share/dbus-1/system.d is.
dbus_start() {
        local dir=$1; shift
        require_tool dbus-daemon busctl
        mkdir -p "$dir/system.d"
        chmod 755 "$dir"
        for p in "$@"; do cp "$p" "$dir/system.d/"; done
        cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>$dir/system.d</includedir>
</busconfig>
CONF
        dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile >"$dir/dbus.log" 2>&1 &
        DBUS_PID=$!
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/bus"
        for _ in $(seq 100); do
                [ -S "$dir/bus" ] && busctl --system status >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        echo "dbus-daemon did not start" >&2
        cat "$dir/dbus.log" >&2
        return 1
}

dbus_stop() {
        if [ -n "${DBUS_PID:-}" ]; then
                kill "$DBUS_PID" 2>/dev/null || true
                wait "$DBUS_PID" 2>/dev/null || true
                DBUS_PID=
        fi
}

# Waits until NAME is on the bus (the agent announces READY after taking it).
dbus_wait_name() {
        for _ in $(seq 200); do
                busctl --system status "$1" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}
