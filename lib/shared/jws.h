/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stddef.h>

#include "attest-limits.h"

/* JSON Web Signatures in compact form (RFC 7515) with ECDSA keys only: ES256
 * with P-256 and ES384 with P-384 (RFC 7518 §3.4), key ids the RFC 7638
 * thumbprint of the public key. */

/* A public key of a JWK set. */
typedef struct JwsKey {
        char kid[JWS_KID_MAX + 1];
        EVP_PKEY *pkey;
} JwsKey;

typedef struct JwsKeySet {
        JwsKey *keys;
        size_t n;
} JwsKeySet;

void jws_key_set_done(JwsKeySet *s);

/* Unpadded base64url (RFC 7515 §2), NUL-terminated; NULL on allocation failure. */
char *jws_base64url_encode(const void *data, size_t len);

/* The JWS algorithm of an EC key: "ES256" or "ES384"; -EOPNOTSUPP for any other key. */
int jws_key_alg(EVP_PKEY *key, const char **ret_alg);
/* The RFC 7638 thumbprint of the public key, base64url. */
int jws_key_thumbprint(EVP_PKEY *key, char ret_kid[static JWS_KID_MAX + 1]);
/* The public key as a JWK with kid, alg and use "sig". */
int jws_key_to_jwk(EVP_PKEY *key, json_object **ret);
/* Adds key (a reference is taken) to the set under its thumbprint. */
int jws_key_set_add(JwsKeySet *s, EVP_PKEY *key);

/* Signs payload (JSON text) as a compact JWS with header {alg, typ: JWT, kid}. */
int jws_sign(EVP_PKEY *key, const char *payload, char **ret_token);

/* Parses a JWK set ({"keys": [...]}): EC keys on P-256 and P-384 with a kid;
 * keys of other types or curves are skipped (RFC 7517 §5). -EBADMSG when the
 * document or a usable-looking key is malformed, -E2BIG beyond the limits. */
int jws_key_set_parse(const char *buf, size_t len, JwsKeySet *ret);

/* Checks a compact JWS against the keys and returns its payload, a JSON object.
 * -EBADMSG malformed, -ENOKEY no key with its kid, -EKEYREJECTED the signature
 * does not verify (or the key does not fit alg), -EOPNOTSUPP another alg or a
 * critical header. */
int jws_verify(const char *token, size_t len, const JwsKeySet *keys, json_object **ret_payload);
