#!/usr/bin/env bash
# Runs a storage test binary against a private PostgreSQL server started for it:
# the binary finds the server in HOSTATTEST_TEST_PG_URL. Exit 77 (skipped) only
# when the PostgreSQL server binaries are not installed.
set -euo pipefail

# shellcheck source=../integration/postgresql.sh
. "$(dirname "$0")/../integration/postgresql.sh"

if ! pg_available; then
        echo "PostgreSQL server binaries not found (postgresql-15): skipped."
        exit 77
fi
dir=$(mktemp -d /tmp/test-storage-pg-XXXXXX)
trap 'pg_stop "$dir"; rm -rf "$dir"' EXIT
pg_start "$dir"
HOSTATTEST_TEST_PG_URL=$PG_URL "$@"
