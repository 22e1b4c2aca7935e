# shellcheck shell=bash
# A private PostgreSQL server for tests: initdb and pg_ctl in a temporary
# directory, run as an unprivileged user (initdb refuses root), listening on a
# loopback port only, with trust authentication for the one test user.

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

pg_available() {
        [ -n "$PG_BINDIR" ] && [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ]
}

# Runs a command as the server's owner: nobody when we are root, else ourselves.
pg_as() {
        if [ "$(id -u)" -eq 0 ]; then
                setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
        else
                "$@"
        fi
}

pg_free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_start DIR: initialises and starts a server in DIR (which it creates);
# sets PG_PORT and PG_URL (user hostattest, database postgres, loopback TCP)
# and PG_SOCKET_URL (the same over the Unix-domain socket in DIR).
pg_start() {
        local dir=$1
        mkdir -p "$dir"
        chmod 700 "$dir"
        [ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$dir"
        # The server's user may not be able to enter our working directory.
        (cd "$dir" && pg_as "$PG_BINDIR/initdb" -D "$dir/data" -U hostattest --auth=trust \
                --locale=C -E UTF8 >"$dir/initdb.log" 2>&1) || { cat "$dir/initdb.log" >&2; return 1; }
        PG_PORT=$(pg_free_port)
        (cd "$dir" && pg_as "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir" start >/dev/null) ||
                { cat "$dir/server.log" >&2; return 1; }
        PG_URL="postgresql://hostattest@127.0.0.1:$PG_PORT/postgres"
        PG_SOCKET_URL="postgresql://hostattest@$(printf %s "$dir" | sed 's|/|%2F|g'):$PG_PORT/postgres"
        export PG_PORT PG_URL PG_SOCKET_URL
}

# pg_psql SQL: runs SQL on the test server as its superuser.
pg_psql() {
        "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_URL" -Atc "$1"
}

pg_stop() {
        local dir=$1
        [ -d "$dir/data" ] || return 0
        (cd "$dir" && pg_as "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1) || true
}
