#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/push on PostgreSQL against SQLite in one run: starts a private
# PostgreSQL server (initdb and pg_ctl in a temporary directory, loopback
# port), then runs the same load on SQLite (the base), on PostgreSQL with one
# verifier instance and with two. Compare per-cpu-s (attestations per CPU
# second, PostgreSQL's CPU counted) and p50/p99 between the blocks. The load
# of an instance sets its cost: the client threads wait for their answers, and
# the verifier's group commits and shared round trips hold what came meanwhile.
# So two instances run twice, with the base's client threads spread over them
# and with twice as many (each instance the base's load), and SQLite runs
# again with half the threads (the load of each of two instances in the first).
# --unix-socket connects the instances over the server's Unix-domain socket
# instead of loopback TCP.
#
#   bench/push-postgresql.sh [BUILD_DIR] [--unix-socket] [push options and N …]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
[ $# -gt 0 ] && shift
push=$build/bench/push
[ -x "$push" ] || { echo "$push not built" >&2; exit 1; }
socket=false
if [ "${1:-}" = --unix-socket ]; then
        socket=true
        shift
fi

. "$top/tests/integration/postgresql.sh"
pg_available || { echo "PostgreSQL server binaries not found (postgresql-15)." >&2; exit 1; }
dir=$(mktemp -d /tmp/bench-pg-XXXXXX)
trap 'pg_stop "$dir"; rm -rf "$dir"' EXIT
pg_start "$dir"
pid=$(head -n 1 "$dir/data/postmaster.pid")
url=$PG_URL
how="loopback TCP"
if $socket; then
        url=$PG_SOCKET_URL
        how="Unix-domain socket"
fi

# The client threads of the base (bench/push's default unless given).
threads=16
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
        case ${args[i]} in
        --threads) threads=${args[i + 1]:-16} ;;
        --threads=*) threads=${args[i]#--threads=} ;;
        esac
done

echo "== SQLite"
"$push" "$@"
for k in 1 2; do
        echo "== PostgreSQL over $how, $k instance(s)"
        "$push" --postgresql "$url" --postgresql-pid "$pid" --instances "$k" "$@"
done
echo "== PostgreSQL over $how, 2 instances, $((2 * threads)) client threads (each instance the base's load)"
"$push" --postgresql "$url" --postgresql-pid "$pid" --instances 2 "$@" --threads $((2 * threads))
if [ "$threads" -ge 2 ]; then
        echo "== SQLite, $((threads / 2)) client threads (the load of each of two instances with $threads)"
        "$push" "$@" --threads $((threads / 2))
fi
