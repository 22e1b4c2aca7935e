#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# ExecStartPost= of attest-agent.service in the initrd: the agent takes its
# bus name before it has registered, and refuses RequestSecret until it has.
# Hold the volumes that wait for the agent until registration is over
# (State registered, terminated or failed), or at most $1 seconds (default
# 90); then they ask the agent, and fall back to the passphrase if it cannot
# help.
limit=${1:-90}
i=0
while [ "$i" -lt $((limit * 2)) ]; do
        state=$(busctl get-property org.hostattest.Agent1 /org/hostattest/Agent1 org.hostattest.Agent1 State 2>/dev/null)
        case "$state" in
        *'"registered"'* | *'"terminated"'* | *'"failed"'*) exit 0 ;;
        esac
        sleep 0.5
        i=$((i + 1))
done
echo "attest-agent did not register within ${limit}s; the volumes go on without it." >&2
exit 0
