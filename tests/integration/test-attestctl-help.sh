#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every attestctl verb and sub-verb answers --help on stdout with exit status 0,
# and attestctl(1) documents each one (as "*attestctl VERB [SUB]*").
set -euo pipefail

: "${ATTESTCTL:?}" "${ATTEST_SOURCE_ROOT:?}"
man=$ATTEST_SOURCE_ROOT/man/attestctl.1.scd
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# The verbs of a help text: the indented "  name  summary" lines after "Verbs:" or "Usage: … VERB".
verbs_of() { awk '/^Verbs:|^Usage: attestctl [a-z-]+ VERB/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ && seen { exit } /^  [a-z]/ { seen = 1 }'; }

help_of() {   # words of the command; its help on stdout
        local out rc=0
        out=$("$ATTESTCTL" "$@" --help 2>/dev/null) || rc=$?
        [ "$rc" = 0 ] || fail "attestctl $* --help: exit $rc"
        [ -n "$out" ] || fail "attestctl $* --help: nothing on stdout"
        printf '%s\n' "$out"
}
documented() {   # a verb's entry in the man page starts "*attestctl VERB*" or "*VERB*"
        grep -Eq "^\*(attestctl )?$*\*" "$man" || fail "attestctl(1) does not document 'attestctl $*'"
}

top=$("$ATTESTCTL" --help)
n=0
for verb in $(verbs_of <<<"$top"); do
        out=$(help_of "$verb")
        n=$((n + 1))
        if grep -q "^Usage: attestctl $verb VERB" <<<"$out"; then
                # A group: its sub-verbs are what the man page documents.
                for sub in $(verbs_of <<<"$out"); do
                        help_of "$verb" "$sub" >/dev/null
                        documented "$verb $sub"
                        n=$((n + 1))
                done
        else
                documented "$verb"
        fi
done
[ "$n" -ge 20 ] || fail "only $n verbs found in attestctl --help"
[ "$failed" = 0 ] || exit 1
echo "PASS ($n verbs)"
