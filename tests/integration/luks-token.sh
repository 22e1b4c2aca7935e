# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the LUKS token tests. libcryptsetup loads external token plugins
# only from one fixed directory, so the tests run in a private mount namespace
# and bind-mount a directory holding the freshly built plugin over it.

# luks_test_enter_namespace "$0" "$@": skips without cryptsetup or mount
# namespaces, else runs the test again in a private mount namespace.
luks_test_enter_namespace() {
        command -v cryptsetup >/dev/null || { echo "SKIP: cryptsetup not installed"; exit 77; }
        [ -n "${ATTEST_IN_MOUNT_NS:-}" ] && return 0
        unshare -m true 2>/dev/null || { echo "SKIP: cannot create a mount namespace"; exit 77; }
        ATTEST_IN_MOUNT_NS=1 exec unshare -m --propagation private "$@"
}

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
