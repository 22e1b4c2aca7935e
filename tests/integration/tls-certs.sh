# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by integration tests: make_test_ca DIR writes ca.pem, server.pem and
# server.key (for 127.0.0.1 and localhost) and other-ca.pem, an unrelated CA.
make_test_ca() {
        local d=$1
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
                -subj /CN=hostattest-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
                -subj /CN=hostattest-other-ca -keyout "$d/other-ca.key" -out "$d/other-ca.pem" 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -subj /CN=127.0.0.1 -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/san.ext"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
                -days 1 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null
}
