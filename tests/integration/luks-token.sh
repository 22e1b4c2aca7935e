# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the LUKS token tests. libcryptsetup loads external token plugins
# only from one fixed directory, so the tests run in a private mount namespace
# and bind-mount a directory holding the freshly built plugin over it.

# Sets $tokendir to libcryptsetup's plugin directory, or skips the test.
token_dir_find() {
        tokendir=$(cryptsetup --help | sed -n 's/^LUKS2 external token plugin path: \(.*\)\.$/\1/p')
        [ -d "$tokendir" ] || { echo "SKIP: no external token path"; exit 77; }
}

# Puts $TOKEN_ATTEST_MODULE in $1 and mounts $1 over $tokendir.
token_plugin_mount() {
        mkdir -p "$1"
        cp "$TOKEN_ATTEST_MODULE" "$1/libcryptsetup-token-attest.so"
        mount --bind "$1" "$tokendir"
}
