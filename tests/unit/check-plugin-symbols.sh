#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each plugin exports exactly the global symbols of the version script, in its version node.
set -eu
script=$1; shift
node=$(sed -n 's/^\([A-Z0-9_]*\) *{.*/\1/p' "$script")
expected=$(sed -n '/global:/,/local:/p' "$script" | sed -n 's/^ *\([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' | sort)
status=0
for plugin in "$@"; do
        actual=$(nm -D --defined-only "$plugin" | awk '$2 != "A" { print $3 }' | sort)
        want=$(for s in $expected; do echo "$s@@$node"; done)
        if [ "$actual" != "$want" ]; then
                echo "FAIL $plugin exports:" >&2
                echo "$actual" >&2
                echo "expected:" >&2
                echo "$want" >&2
                status=1
        else
                echo "ok $plugin"
        fi
done
exit $status
