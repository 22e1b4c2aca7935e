#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One spelling per concept across attestctl, attest-agent and attest-verifierd
# (docs/HACKING.md, "Names"): the canonical spelling works, each earlier
# spelling is the same option, and a configuration key written in the other
# files' convention is refused with this file's spelling named.
set -uo pipefail

: "${ATTESTCTL:?}" "${ATTEST_AGENT:?}" "${ATTEST_VERIFIERD:?}" "${ATTEST_TEST_DATA:?}" "${ATTEST_BUILD_ROOT:?}"
work=$(mktemp -d "$ATTEST_BUILD_ROOT/test-spellings.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

run() {   # expected exit status ("!0" for any failure), description, command…
        local want=$1 what=$2 rc=0
        shift 2
        "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
        if [ "$want" = "!0" ]; then
                [ "$rc" != 0 ] || fail "$what: exit 0, expected a failure"
        elif [ "$rc" != "$want" ]; then
                fail "$what: exit $rc, expected $want ($(head -c 300 "$work/err"))"
        fi
}

same() {   # description, then the canonical command and the alias command separated by "--"
        local what=$1 a=() b=()
        shift
        while [ "$1" != -- ]; do a+=("$1"); shift; done
        shift
        b=("$@")
        run 0 "$what (canonical)" "${a[@]}"
        mv "$work/out" "$work/canonical"
        run 0 "$what (alias)" "${b[@]}"
        cmp -s "$work/canonical" "$work/out" || fail "$what: the alias prints something else"
        [ -s "$work/out" ] || fail "$what: nothing printed"
}

mb=$ATTEST_TEST_DATA/eventlog/keylime/mb_log.bin
ima=$ATTEST_TEST_DATA/ima/rust-keylime/ascii_runtime_measurements

# attestctl: --hash for every hash algorithm or bank; enrol (enroll accepted)
same "policy create-mb --hash-alg" "$ATTESTCTL" policy create-mb "$mb" --hash sha256 -- \
        "$ATTESTCTL" policy create-mb "$mb" --hash-alg sha256
run 2 "create-mb --hash md5" "$ATTESTCTL" policy create-mb "$mb" --hash md5
grep -q "'md5'" "$work/err" || fail "create-mb does not name the unknown hash"
same "ima replay --bank" "$ATTESTCTL" ima replay --json --hash sha256 "$ima" -- \
        "$ATTESTCTL" ima replay --json --bank sha256 "$ima"
# (the usage line repeats the verb as typed)
run 0 "enrol --help" "$ATTESTCTL" enrol --help
mv "$work/out" "$work/canonical"
run 0 "enroll --help" "$ATTESTCTL" enroll --help
sed 's/^Usage: attestctl enroll /Usage: attestctl enrol /' "$work/out" | cmp -s "$work/canonical" - ||
        fail "enroll: not the help of enrol"
same "luks enroll" "$ATTESTCTL" luks enrol --help -- "$ATTESTCTL" luks enroll --help

# attest-agent: getopt refuses an unknown option before --help is reached, so
# an exit 0 says that every option before it is known.
run 0 "agent --state-directory --cacert" "$ATTEST_AGENT" --state-directory "$work/st" --cacert "$work/ca.pem" --help
run 0 "agent --state-dir --ca" "$ATTEST_AGENT" --state-dir "$work/st" --ca "$work/ca.pem" --help
run "!0" "agent --state-dirs" "$ATTEST_AGENT" --state-dirs "$work/st" --help
run 0 "verifierd --state-directory" "$ATTEST_VERIFIERD" --state-directory "$work/st" --help

# Configuration files keep their convention (CamelCase: agent.conf and
# attestctl.conf; snake_case: verifierd.conf and tenant.conf); the other one is
# refused naming this file's spelling, before anything else is done.
printf '[Agent]\nstate_directory = %s\n' "$work/st" >"$work/agent.conf"
run "!0" "agent.conf state_directory=" "$ATTEST_AGENT" --config "$work/agent.conf" identity
grep -q "Unknown key 'state_directory' in section \[Agent\]; this file spells it StateDirectory=" "$work/err" ||
        fail "agent.conf: the snake_case key is not refused with its spelling ($(head -c 300 "$work/err"))"
printf '[Server]\nStateDirectory = %s\n' "$work/st" >"$work/verifierd.conf"
run "!0" "verifierd.conf StateDirectory=" timeout 10 "$ATTEST_VERIFIERD" --config "$work/verifierd.conf"
grep -q "this file spells it state_directory=" "$work/err" ||
        fail "verifierd.conf: the CamelCase key is not refused with its spelling ($(head -c 300 "$work/err"))"
mkdir -p "$work/home/.config/hostattest"
printf '[Verifier]\nca_file = %s\n' "$work/ca.pem" >"$work/home/.config/hostattest/attestctl.conf"
run 2 "attestctl.conf ca_file=" env HOME="$work/home" XDG_CONFIG_HOME= "$ATTESTCTL" nodes
grep -q "this file spells it CAFile=" "$work/err" ||
        fail "attestctl.conf: the snake_case key is not refused with its spelling ($(head -c 300 "$work/err"))"
[ "$(wc -l <"$work/err")" = 1 ] || fail "attestctl.conf: the refusal is not one line ($(cat "$work/err"))"

[ "$failed" = 0 ] || exit 1
echo PASS
