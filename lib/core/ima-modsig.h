/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The appended signature of ima-modsig entries (the modsig field): a CMS
 * SignedData in DER as the kernel's sign-file writes it, detached, with one
 * SignerInfo, normally without signed attributes, over the file without its
 * signature, whose digest is the d-modsig field. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/cms.h>

#include "attest-limits.h"
#include "ima-entry.h"
#include "ima-signature.h"
#include "macro.h"

typedef struct ImaModsig {
        CMS_ContentInfo *cms;
        CMS_SignerInfo *si;                  /* inside cms */
        const HashAlg *alg;                  /* the SignerInfo's digestAlgorithm */
        int pkey_type;                       /* EVP_PKEY_RSA or EVP_PKEY_EC */
        uint8_t skid[IMA_MODSIG_SKID_MAX];   /* subjectKeyIdentifier; skid_size 0 for issuer and serial */
        size_t skid_size;
        bool signed_attrs;
} ImaModsig;

/* -EBADMSG for bytes that are not one DER SignedData with one SignerInfo,
 * -E2BIG past a limit, -EPROTONOSUPPORT for another content type or an
 * unknown digest or signature algorithm (RSA PKCS#1 v1.5 and ECDSA only). */
int ima_modsig_parse(const uint8_t *der, size_t size, ImaModsig *ret);
void ima_modsig_done(ImaModsig *m);

/* Checks the signature over the d-modsig digest with the keys of the rings
 * (any may be NULL), in order. A subjectKeyIdentifier picks the key with that
 * SKID; issuer and serial cannot be matched against bare keys, so each key of
 * the signature's type is tried. 0 when a key verifies it; -ENOKEY when no
 * key has its SKID or, for issuer and serial, none verifies it (its signer is
 * unknown); -EKEYREJECTED when the digest algorithm differs from d-modsig's,
 * a signed messageDigest differs from d-modsig, or the key its SKID names
 * does not verify it. */
int ima_modsig_verify(const ImaModsig *m, const ImaDigest *digest, const ImaKeyring *const *rings, size_t n_rings);
