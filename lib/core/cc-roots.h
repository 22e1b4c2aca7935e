/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The vendors' root certificates the project ships, as PEM text (see
 * lib/core/cc-roots/: each block is preceded by its name and SHA-256
 * fingerprint). They are the default trust anchors; an operator may name
 * others. */

/* ARK, ASK and ASVK of Milan, Genoa and Turin, from AMD's key distribution
 * service (kdsintf.amd.com/{vcek,vlek}/v1/<product>/cert_chain). */
extern const char cc_amd_sev_roots_pem[];

/* Intel SGX Root CA: the anchor of PCK certificates, TCB Info and QE Identity. */
extern const char cc_intel_sgx_root_pem[];
