/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* X.509 helpers shared by the confidential-computing verifiers (SEV-SNP, TDX):
 * certificate bundles as vendors publish them, chains checked at a time the
 * caller chooses (collateral is judged at a given instant, not "now"), and
 * CRLs checked by hand so that exactly the CRL the vendor issued applies. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_CRL *, X509_CRL_free);

static inline void cc_x509_stack_freep(STACK_OF(X509) **s) {
        if (*s)
                sk_X509_pop_free(*s, X509_free);
}
#define _cleanup_x509_stack_ _cleanup_(cc_x509_stack_freep)

/* One certificate: DER, or PEM holding exactly one. -EBADMSG otherwise. */
int cc_cert_parse(const uint8_t *buf, size_t size, X509 **ret);

/* One or more PEM certificates, back to back (a "cert_chain" or issuer chain),
 * or a single DER certificate. At most max certificates; -E2BIG above. NUL bytes
 * at the end are tolerated because PCK chains inside quotes carry one. */
int cc_cert_parse_bundle(const uint8_t *buf, size_t size, size_t max, STACK_OF(X509) **ret);

/* A CRL, DER or PEM. */
int cc_crl_parse(const uint8_t *buf, size_t size, X509_CRL **ret);

/* Builds and checks leaf → … → anchor, where anchors are the self-signed
 * certificates of pool and everything else in pool may serve as an
 * intermediate. Validity is judged at time at. Self-signatures of anchors are
 * checked too. Returns 0 and the chain (leaf first, anchor last), or -EPERM
 * with *ret_reason set to OpenSSL's static description. */
int cc_cert_verify_chain(X509 *leaf, STACK_OF(X509) *pool, time_t at,
                         STACK_OF(X509) **ret_chain, const char **ret_reason);

/* Issued by itself: a root. */
bool cc_cert_is_self_signed(X509 *x);

/* True when x is signed with public-key algorithm pk_nid (NID_rsassaPss,
 * NID_X9_62_id_ecPublicKey) and digest md_nid (NID_sha384 …), as OpenSSL reports it. */
bool cc_cert_signature_is(X509 *x, int pk_nid, int md_nid);

/* Common name of a certificate's subject into buf; -EBADMSG when missing or too long. */
int cc_cert_subject_cn(X509 *x, char *buf, size_t size);

typedef enum CcCrlResult {
        CC_CRL_OK = 0,
        CC_CRL_FOREIGN,      /* not issued by the given issuer */
        CC_CRL_BAD_SIGNATURE,
        CC_CRL_NOT_CURRENT,  /* at is before thisUpdate or after nextUpdate */
        CC_CRL_REVOKED,      /* subject is listed */
} CcCrlResult;

/* Checks that crl comes from issuer, is current at time at, and does not list subject. */
CcCrlResult cc_crl_check(X509_CRL *crl, X509 *issuer, X509 *subject, time_t at);

/* Verifies an ECDSA signature given as r ‖ s, each component_size bytes
 * big-endian (the form vendor reports carry), over data with digest md.
 * 1 when it verifies, 0 when not, negative errno when it could not be tried. */
int cc_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *rs, size_t component_size,
                        const void *data, size_t size);
