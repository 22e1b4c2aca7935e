/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* IMA file signatures (the sig field of ima-sig and ima-modsig): the version 2
 * header (type 0x03, version 2, hash algorithm, key id, size) and a signature
 * over the file digest, checked against a keyring of public keys. */

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ima-entry.h"
#include "macro.h"

#define IMA_XATTR_DIGSIG 0x03

typedef struct ImaSignature {
        const HashAlg *alg;
        uint32_t keyid;
        const uint8_t *sig;
        size_t sig_size;
} ImaSignature;

/* -EBADMSG for a malformed header or a size that disagrees with the bytes,
 * -EPROTONOSUPPORT for another type or version or an unknown hash algorithm. */
int ima_signature_parse(const uint8_t *data, size_t size, ImaSignature *ret);

#define IMA_KEY_SKID_SIZE 20

typedef struct ImaKey {
        uint32_t keyid;
        uint8_t skid[IMA_KEY_SKID_SIZE];   /* SHA-1 of the subjectPublicKey: the usual SKID */
        EVP_PKEY *pkey;
} ImaKey;

typedef struct ImaKeyring {
        ImaKey *keys;
        size_t n_keys;
} ImaKeyring;

void ima_keyring_done(ImaKeyring *k);

/* The IMA key id: the last four bytes of the SHA-1 of the subjectPublicKey
 * (PKCS#1 for RSA, the point for EC), big-endian. */
int ima_key_id(EVP_PKEY *pkey, uint32_t *ret);
/* That SHA-1 whole: the subject key identifier of RFC 5280 §4.2.1.2 (1), as
 * certificates for module signing keys carry it. */
int ima_key_skid(EVP_PKEY *pkey, uint8_t ret[static IMA_KEY_SKID_SIZE]);

/* Adds a key (its reference is taken) or a DER SubjectPublicKeyInfo. */
int ima_keyring_add_pkey(ImaKeyring *k, EVP_PKEY *pkey);
int ima_keyring_add_spki(ImaKeyring *k, const uint8_t *der, size_t len);

/* Keylime's serialised keyring: {"pubkeys": [base64 SPKI…], "keyids": [u32…]},
 * both lists of the same length; the given key ids are used. */
int ima_keyring_parse_json(ImaKeyring *k, const char *json, size_t len);

const ImaKey *ima_keyring_find(const ImaKeyring *k, uint32_t keyid);

/* Checks a signature over a file digest: 0 when valid, -ENOKEY when no key
 * has its id, -EKEYREJECTED when the signature does not verify or its hash
 * algorithm is not the digest's. */
int ima_signature_verify(const ImaKeyring *k, const ImaSignature *s, const ImaDigest *digest);
