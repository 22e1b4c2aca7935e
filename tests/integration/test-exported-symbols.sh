#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Each module loaded into other programs exports exactly the symbols its
# version script lists: test-exported-symbols.sh MODULE SCRIPT [MODULE SCRIPT]…
set -euo pipefail

status=0
while [ $# -ge 2 ]; do
        module=$1 script=$2; shift 2
        want=$(sed -n '/global:/,/local:/p' "$script" | grep -Eo '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;' \
                | tr -d ' \t;' | sort)
        have=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sed 's/@.*//' | sort)
        if [ "$want" != "$have" ]; then
                echo "FAIL: $(basename "$module") exports differ from $(basename "$script"):"
                diff <(echo "$want") <(echo "$have") || true
                status=1
        else
                echo "ok: $(basename "$module") exports $(echo "$have" | tr '\n' ' ')"
        fi
done
exit $status
