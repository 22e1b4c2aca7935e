# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests of offline attestctl verbs: run a command, compare its
# exit code, look into its JSON output. Source after setting $tmp; read
# $failed at the end.
failed=0

expect() {   # expected exit code, description, command…
        local want=$1 what=$2 rc=0
        shift 2
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        if [ "$rc" != "$want" ]; then
                echo "FAIL $what: exit $rc, expected $want"; cat "$tmp/err"; failed=1
        else
                echo "ok   $what"
        fi
}

json() {   # python expression over j, the JSON in $tmp/out
        python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$tmp/out"
}

check() {   # description, python expression over j that must be true
        if [ "$(json "$2")" != True ]; then
                echo "FAIL $1"; cat "$tmp/out"; failed=1
        fi
}
