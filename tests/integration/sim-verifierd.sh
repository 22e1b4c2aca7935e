# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the tests that run attest-verifierd against push-client's
# simulated nodes, in their work directory.

. "$(dirname "${BASH_SOURCE[0]}")/swtpm.sh"
require_tool systemd-socket-activate curl python3

fail() { echo "FAIL: $*" >&2; [ -f verifierd.log ] && tail -n 40 verifierd.log >&2; exit 1; }

# A fresh $work, the test's working directory, removed at exit after the
# daemon sim_verifierd_start started is stopped; $port, $sock and $base the
# daemon is to listen on.
sim_work() {
        : "${ATTEST_VERIFIERD:?}" "${ATTESTCTL:?}" "${PUSH_CLIENT:?}" "${ATTEST_PLUGIN_DIR:?}" "${SIM_UEFI_LOG:?}"
        work=$(mktemp -d)
        VERIFIERD_PID=
        trap sim_cleanup EXIT
        cd "$work"
        port=$(free_port_pair)
        sock=$work/verifierd.sock
        base=http://127.0.0.1:$port
}
sim_cleanup() {
        [ -n "$VERIFIERD_PID" ] && kill "$VERIFIERD_PID" 2>/dev/null && wait "$VERIFIERD_PID" 2>/dev/null
        rm -rf "$work"
}

# verifierd.conf for $work: its tenant.conf and plugins directory; each
# argument is one more [Attestation] line. Challenges expire after
# $SIM_CHALLENGE_LIFETIME (2 s unless set), so that a test can let one expire.
sim_verifierd_conf() {
        printf '[Server]\ntenant_config = %s/tenant.conf\nadmin_group = adm\n[Attestation]\nplugin_directory = %s/plugins\nchallenge_lifetime = %s\n' \
                "$work" "$work" "${SIM_CHALLENGE_LIFETIME:-2s}" > verifierd.conf
        local line
        for line in "$@"; do
                echo "$line" >> verifierd.conf
        done
}

# The built plugins, and a tenant.conf that enrols every node with the
# policies the simulated nodes pass (sim_policies).
sim_tenant() {
        sim_policies
        mkdir plugins
        cp "$ATTEST_PLUGIN_DIR"/libattest-plugin-*.so plugins/
        cat > tenant.conf <<CONF
[Enrolment]
auto_enrol = yes
boot_policy = $work/boot-policy.json
runtime_policy = $work/runtime-policy.json
interval = 1s
CONF
}

# Starts attest-verifierd socket-activated on 127.0.0.1:$port and $sock with
# $work/verifierd.conf and $work/state, sets VERIFIERD_PID and waits until
# $base/version answers.
sim_verifierd_start() {
        rm -f "$sock"
        systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" \
                "$ATTEST_VERIFIERD" --config "$work/verifierd.conf" --state-directory "$work/state" \
                >>verifierd.log 2>&1 &
        VERIFIERD_PID=$!
        for _ in $(seq 50); do
                curl -sf "$base/version" >/dev/null && break
                sleep 0.1
        done
        curl -sf "$base/version" >/dev/null || fail "verifier does not answer"
}

# Stops the daemon sim_verifierd_start started.
sim_verifierd_stop() {
        kill "$VERIFIERD_PID"
        wait "$VERIFIERD_PID" || true
        VERIFIERD_PID=
}

# attestctl on the daemon's admin socket.
ctl() { "$ATTESTCTL" --admin-socket "$sock" "$@"; }

# The policies the simulated nodes pass: the files they run (runtime) and the
# UEFI log they boot with (boot).
sim_policies() {
        "$PUSH_CLIENT" ima-log /usr/lib/hostattest-test 200 > ima.log
        "$ATTESTCTL" policy create-runtime --from-ima-log ima.log > runtime-policy.json
        "$ATTESTCTL" policy create-mb "$SIM_UEFI_LOG" > boot-policy.json
}
