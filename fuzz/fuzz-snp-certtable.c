/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attest-limits.h"
#include "fuzz.h"
#include "macro.h"
#include "snp-certtable.h"

/* The certificate table a host gives an SEV-SNP guest (configfs-tsm auxblob). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SnpCertTable t;

        if (snp_cert_table_parse(data, size, &t) < 0)
                return 0;
        assert(t.n_entries <= CC_AUXBLOB_ENTRIES_MAX);
        for (int k = 0; k < _SNP_CERT_KIND_MAX; k++)
                if (t.cert[k])
                        assert(t.cert[k] >= data && t.cert_size[k] > 0 &&
                               t.cert_size[k] <= size - (size_t) (t.cert[k] - data));
        return 0;
}
