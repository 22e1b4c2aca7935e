/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The confidential-computing items of the push protocol: a node in a
 * confidential VM offers {"evidence_class": "certification", "evidence_type":
 * "sev-snp" | "tdx"} and sends back {"data": {"report": <base64>,
 * "certificate": <base64 DER VCEK/VLEK, optional>}}. A report that does not
 * parse is refused here, before anything of the attestation is used up. */
#include <errno.h>
#include <string.h>

#include "json-util.h"
#include "push-request.h"
#include "snp-report.h"

static int refuse(PushError *e, const char *pointer, const char *what) {
        if (e)
                *e = (PushError) { .pointer = pointer, .what = what };
        return -EBADMSG;
}

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The kind of a certification item of a CC type, else CC_KIND_NONE. */
static CcKind item_kind(json_object *item) {
        json_object *cls = member(item, "evidence_class"), *type = member(item, "evidence_type");

        if (!json_object_is_type(cls, json_type_string) || !json_object_is_type(type, json_type_string) ||
            strcmp(json_object_get_string(cls), "certification") != 0)
                return CC_KIND_NONE;
        return cc_kind_from_string(json_object_get_string(type));
}

int push_cc_offer_parse(json_object *item, PushCapabilities *c, PushError *ret_error) {
        static const char ptr[] = "/data/attributes/evidence_supported";
        CcKind k = item_kind(item);
        json_object *caps = member(item, "capabilities");

        if (k == CC_KIND_NONE)
                return -ENOENT;
        if (caps && !json_object_is_type(caps, json_type_object))
                return refuse(ret_error, ptr, "capabilities of a confidential-computing item must be an object");
        if ((k == CC_KIND_SEV_SNP && c->sev_snp) || (k == CC_KIND_TDX && c->tdx))
                return refuse(ret_error, ptr, "a confidential-computing report offered twice");
        if (k == CC_KIND_SEV_SNP)
                c->sev_snp = true;
        else
                c->tdx = true;
        return 0;
}

int push_cc_evidence_parse(json_object *item, PushEvidence *e, PushError *ret_error) {
        static const char ptr[] = "/data/attributes/evidence_collected";
        CcKind k = item_kind(item);
        json_object *data = member(item, "data");
        int r;

        if (k == CC_KIND_NONE)
                return -ENOENT;
        if (e->cc_kind != CC_KIND_NONE)
                return refuse(ret_error, ptr, "a confidential-computing report given twice");
        if (!json_object_is_type(data, json_type_object))
                return refuse(ret_error, ptr, "confidential-computing item without data");
        r = json_get_base64(data, "report", k == CC_KIND_SEV_SNP ? SNP_REPORT_SIZE : TDX_QUOTE_SIZE_MAX,
                            &e->cc_report, &e->cc_report_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(ret_error, ptr, "report must be base64 of at most the report's size");
        e->cc_kind = k;
        if (cc_evidence_check_form(k, e->cc_report, e->cc_report_size) < 0)
                return refuse(ret_error, ptr, k == CC_KIND_SEV_SNP ? "the SEV-SNP report is malformed" :
                                                                     "the TDX quote is malformed");
        if (member(data, "certificate")) {
                if (k != CC_KIND_SEV_SNP)
                        return refuse(ret_error, ptr, "certificate is for SEV-SNP reports");
                r = json_get_base64(data, "certificate", CC_CERT_FILE_MAX, &e->cc_cert, &e->cc_cert_size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return refuse(ret_error, ptr, "certificate must be base64 DER");
        }
        return 0;
}
