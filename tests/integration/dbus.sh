# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by integration tests: a private dbus-daemon standing in for the
# system bus, and the stand-in agent on it.
#
#   . "$(dirname "$0")/dbus.sh"
#   dbus_start                     # exports DBUS_SYSTEM_BUS_ADDRESS; cleanup on exit
#   agent_start --verdict PASS …   # test-agent-service with these arguments
#   agent_stop

dbus_stop() {
        agent_stop
        if [ -n "${DBUS_PID:-}" ]; then
                kill "$DBUS_PID" 2>/dev/null || true
                wait "$DBUS_PID" 2>/dev/null || true
                DBUS_PID=
        fi
        [ -n "${DBUS_DIR:-}" ] && rm -rf "$DBUS_DIR"
        DBUS_DIR=
}

dbus_start() {
        command -v dbus-daemon >/dev/null 2>&1 || { echo "SKIP: dbus-daemon not installed"; exit 77; }
        DBUS_DIR=$(mktemp -d)
        cat >"$DBUS_DIR/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$DBUS_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$DBUS_DIR/bus.conf" --nofork --nopidfile &
        DBUS_PID=$!
        trap dbus_stop EXIT
        for _ in $(seq 100); do
                [ -S "$DBUS_DIR/bus" ] && break
                sleep 0.05
        done
        [ -S "$DBUS_DIR/bus" ] || { echo "dbus-daemon did not start" >&2; exit 1; }
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$DBUS_DIR/bus"
}

agent_stop() {
        if [ -n "${AGENT_PID:-}" ]; then
                kill "$AGENT_PID" 2>/dev/null || true
                wait "$AGENT_PID" 2>/dev/null || true
                AGENT_PID=
        fi
}

agent_start() {
        agent_stop
        rm -f "$DBUS_DIR/agent-ready"
        "$TEST_AGENT_SERVICE" --ready-file "$DBUS_DIR/agent-ready" "$@" &
        AGENT_PID=$!
        for _ in $(seq 100); do
                [ -e "$DBUS_DIR/agent-ready" ] && return 0
                sleep 0.05
        done
        echo "test-agent-service did not start" >&2
        exit 1
}
