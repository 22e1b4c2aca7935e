# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the Keylime interoperability tests: keylime from PyPI in a
# virtual environment under the build directory, its configuration generated
# from keylime's own templates.

KEYLIME_VERSION='7.14.*'
# keylime declares no dependencies in its wheel: these are its requirements.
keylime_deps="alembic cryptography jinja2 jsonschema lark packaging psutil pyasn1 pyasn1-modules pyyaml requests sqlalchemy tornado typing-extensions"

# keylime_venv: $venv, the virtual environment with keylime, its
# dependencies and its configuration templates (in $venv/keylime-templates),
# installed on first use and reused afterwards; exits 77 (skip) when it
# cannot be installed.
keylime_venv() {
        venv=${ATTEST_BUILD_ROOT:-$PWD}/keylime-venv
        if [ -x "$venv/bin/keylime_verifier" ] && [ -d "$venv/keylime-templates" ] &&
                "$venv/bin/python3" -c 'import gpg' 2>/dev/null; then
                return 0
        fi
        # Debian's python3 with its python3-gpg: keylime imports gpg, which pip cannot build.
        /usr/bin/python3 -c 'import gpg' 2>/dev/null || keylime_skip "python3-gpg is not installed (keylime imports gpg)"
        rm -rf "$venv"
        /usr/bin/python3 -m venv --system-site-packages "$venv" 2>/dev/null ||
                keylime_skip "python3 cannot create a virtual environment (python3-venv missing)"
        if ! "$venv/bin/pip" install -q --disable-pip-version-check "keylime==$KEYLIME_VERSION" $keylime_deps >"$venv/pip.log" 2>&1; then
                tail -3 "$venv/pip.log"
                keylime_skip "PyPI cannot be reached from here: pip install keylime==$KEYLIME_VERSION failed (see $venv/pip.log)"
        fi
        # The configuration templates ship only in the source distribution.
        rm -rf "$venv/sdist" && mkdir -p "$venv/sdist"
        "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
                "keylime==$KEYLIME_VERSION" -d "$venv/sdist" >>"$venv/pip.log" 2>&1 ||
                keylime_skip "PyPI cannot be reached from here: the keylime source distribution could not be downloaded"
        tar -xzf "$venv"/sdist/keylime-*.tar.gz -C "$venv/sdist"
        rm -rf "$venv/keylime-templates"
        mv "$venv"/sdist/keylime-*/templates "$venv/keylime-templates"
}

keylime_skip() { echo "SKIP: $*"; exit 77; }

# keylime_fail "LOG…" MESSAGE: the message and the tails of the logs (in the
# current directory), the work directory kept in $KEEP_LOGS if set; exit 1.
keylime_fail() {
        [ -n "${KEEP_LOGS:-}" ] && cp -r "$PWD" "$KEEP_LOGS" 2>/dev/null
        echo "FAIL: $2" >&2
        for f in $1; do
                [ -f "$f" ] && { echo "--- $f" >&2; tail -40 "$f" >&2; }
        done
        exit 1
}

# keylime_config DIR: Keylime's default configuration written into DIR (one
# file per component), $KEYLIME_DIR as DIR/keylime, and the KEYLIME_*_CONFIG
# variables pointing at the files; returns non-zero if it cannot be written.
keylime_config() {
        export KEYLIME_DIR=$1/keylime
        mkdir -p "$KEYLIME_DIR" "$1/conf"
        "$venv/bin/keylime_upgrade_config" --defaults --templates "$venv/keylime-templates" \
                --out "$1/conf" >"$1/conf.log" 2>&1 || return 1
        keylime_conf_dir=$1/conf
        for c in verifier registrar tenant ca logging; do
                export "KEYLIME_$(echo $c | tr a-z A-Z)_CONFIG=$1/conf/$c.conf"
        done
}

# set_conf FILE KEY VALUE: every "KEY = …" line of FILE (in the directory of
# keylime_config) set to VALUE.
set_conf() { sed -i -E "s|^$2 *=.*|$2 = $3|" "$keylime_conf_dir/$1"; }

# Keylime's services fork workers that ignore the parent's SIGTERM: each runs
# in a process group of its own and the whole group is stopped.
keylime_pids=
start_group() { setsid "$@" & keylime_pids="$keylime_pids $!"; }
stop_group() {
        kill -TERM -- "-$1" 2>/dev/null || return 0
        for _ in $(seq 50); do
                kill -0 -- "-$1" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL -- "-$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
}
stop_groups() { for p in $keylime_pids; do stop_group "$p"; done; keylime_pids=; }

# free_tcp_port: a TCP port on loopback free at the time of asking.
free_tcp_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
