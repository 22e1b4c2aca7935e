/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-util.h"
#include "push-request.h"

/* A body a node sends in the push protocol: each parser over the same input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL;
        PushCapabilities caps;
        PushEvidence ev = {};
        PushCertify c = {};
        PushError e = {};
        const char *id;
        char text[PUSH_TIMESTAMP_MAX + 1];
        uint64_t t;

        if (size <= PUSH_TIMESTAMP_MAX) {
                memcpy(text, data, size);
                text[size] = '\0';
                if (push_parse_rfc3339(text, &t) >= 0)
                        assert(size >= 20);
        }
        if (json_parse_object((const char *) data, size, &o) < 0)
                return 0;
        if (push_session_request_parse(o, &id, &e) >= 0)
                assert(strlen(id) > 0);
        if (push_certify_parse(o, &c, &e) >= 0) {
                assert(c.attest_size <= TPM2_ATTEST_SIZE_MAX && c.sig_size <= TPM2_SIGNATURE_SIZE_MAX);
                push_certify_done(&c);
        }
        if (push_capabilities_parse(o, &caps, &e) >= 0)
                assert(caps.tpm_quote && caps.n_banks <= PUSH_BANKS_MAX);
        else
                assert(e.pointer && e.what);
        if (push_evidence_parse(o, &ev, &e) >= 0) {
                assert(ev.attest && (!ev.has_ima || ev.ima_size <= PUSH_IMA_TEXT_MAX));
                /* A report that got through has the form of its kind. */
                assert(ev.cc_kind == CC_KIND_NONE ||
                       cc_evidence_check_form(ev.cc_kind, ev.cc_report, ev.cc_report_size) == 0);
                assert(!ev.cc_cert || (ev.cc_kind == CC_KIND_SEV_SNP && ev.cc_cert_size <= CC_CERT_FILE_MAX));
                push_evidence_done(&ev);
        }
        return 0;
}
