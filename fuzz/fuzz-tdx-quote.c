/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "cc-cert.h"
#include "cc-roots.h"
#include "fuzz.h"
#include "macro.h"
#include "tdx-quote.h"
#include "tdx-verify.h"

/* A TDX quote as a node sends it, parsed and then verified without
 * collateral, so that the PCK chain, the PCK extension and the signature
 * checks see attacker bytes too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static STACK_OF(X509) *roots = NULL;
        TdxQuote q;
        TdxVerdict v;

        if (!roots)
                assert(cc_cert_parse_bundle((const uint8_t *) cc_intel_sgx_root_pem, strlen(cc_intel_sgx_root_pem),
                                            CC_CERT_BUNDLE_MAX, &roots) == 0);
        if (tdx_quote_parse(data, size, &q) < 0)
                return 0;
        assert(q.version == 4 || q.version == 5);
        assert(q.signed_data == data && q.signed_size <= size);
        assert(q.pck_chain >= data && q.pck_chain + q.pck_chain_size <= data + size);
        assert(q.qe_auth_data_size <= TDX_QE_AUTH_DATA_MAX && q.pck_chain_size <= TDX_PCK_CHAIN_MAX);
        assert(tdx_verify_quote(roots, (time_t) 1750000000, &q, &v, NULL) == 0);
        assert(tdx_verdict_to_string(v));
        return 0;
}
