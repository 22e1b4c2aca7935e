/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "json-util.h"
#include "limits.h"
#include "registration-request.h"

bool agent_id_is_valid(const char *id) {
        size_t n = strlen(id);

        if (n == 0 || n > AGENT_ID_MAX || id[0] == '.')
                return false;
        return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

typedef struct BlobField {
        const char *name;
        size_t offset;
        size_t max;
        bool required;
} BlobField;

static const BlobField blob_fields[] = {
        { "ek_tpm",      offsetof(RegistrationRequest, ek_tpm),      REG_TPM2B_PUBLIC_MAX, true  },
        { "aik_tpm",     offsetof(RegistrationRequest, aik_tpm),     REG_TPM2B_PUBLIC_MAX, true  },
        { "ekcert",      offsetof(RegistrationRequest, ekcert),      REG_CERT_DER_MAX,     false },
        { "iak_tpm",     offsetof(RegistrationRequest, iak_tpm),     REG_TPM2B_PUBLIC_MAX, false },
        { "idevid_tpm",  offsetof(RegistrationRequest, idevid_tpm),  REG_TPM2B_PUBLIC_MAX, false },
        { "iak_cert",    offsetof(RegistrationRequest, iak_cert),    REG_CERT_DER_MAX,     false },
        { "idevid_cert", offsetof(RegistrationRequest, idevid_cert), REG_CERT_DER_MAX,     false },
        { "iak_attest",  offsetof(RegistrationRequest, iak_attest),  REG_ATTEST_MAX,       false },
        { "iak_sign",    offsetof(RegistrationRequest, iak_sign),    REG_SIGNATURE_MAX,    false },
};

/* An optional string that some agents send empty: treat "" like absent. */
static bool member_is_empty_string(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
               json_object_get_string_len(v) == 0;
}

static int parse_blob(json_object *o, const BlobField *f, Blob *b) {
        int r;

        if (!f->required && member_is_empty_string(o, f->name))
                return 0;
        r = json_get_base64(o, f->name, f->max, &b->data, &b->size);
        if (r == -ENOENT)
                return f->required ? -EINVAL : 0;
        if (r < 0)
                return r;
        if (b->size == 0)
                return -EINVAL;
        return 0;
}

static int parse_mtls_cert(json_object *o, RegistrationRequest *req) {
        const char *s;
        int r;

        if (member_is_empty_string(o, "mtls_cert"))
                return 0;
        r = json_get_string(o, "mtls_cert", REG_MTLS_CERT_MAX, &s);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (strcmp(s, "disabled") == 0)
                return 0;
        if (strncmp(s, "-----BEGIN CERTIFICATE-----", 27) != 0)
                return -EINVAL;
        req->mtls_cert = strdup(s);
        return req->mtls_cert ? 0 : -ENOMEM;
}

static int parse_address(json_object *o, RegistrationRequest *req, const char **ret_field) {
        uint64_t port;
        const char *ip;
        int r;

        r = json_get_string(o, "ip", 64, &ip);
        if (r < 0 && r != -ENOENT) {
                *ret_field = "ip";
                return r;
        }
        if (r >= 0 && !(req->ip = strdup(ip)))
                return -ENOMEM;
        r = json_get_uint64(o, "port", &port);
        if (r == -ENOENT)
                return 0;
        if (r < 0 || port > 65535) {
                *ret_field = "port";
                return -EINVAL;
        }
        req->port = (uint32_t) port;
        return 0;
}

int registration_request_parse(json_object *o, RegistrationRequest *ret, const char **ret_field) {
        RegistrationRequest req = {};
        const char *field = NULL;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(blob_fields); i++) {
                r = parse_blob(o, blob_fields + i, (Blob *) ((uint8_t *) &req + blob_fields[i].offset));
                if (r < 0) {
                        field = blob_fields[i].name;
                        goto fail;
                }
        }
        /* An IAK comes with its certification of the AK, or not at all. */
        if (!!req.iak_tpm.data != !!req.iak_attest.data || !!req.iak_attest.data != !!req.iak_sign.data) {
                field = req.iak_tpm.data ? (req.iak_attest.data ? "iak_sign" : "iak_attest") : "iak_tpm";
                r = -EINVAL;
                goto fail;
        }
        r = parse_mtls_cert(o, &req);
        if (r < 0) {
                field = "mtls_cert";
                goto fail;
        }
        r = parse_address(o, &req, &field);
        if (r < 0)
                goto fail;
        *ret = req;
        return 0;
fail:
        registration_request_done(&req);
        if (ret_field)
                *ret_field = field;
        return r;
}

void registration_request_done(RegistrationRequest *r) {
        for (size_t i = 0; i < ELEMENTSOF(blob_fields); i++)
                blob_done((Blob *) ((uint8_t *) r + blob_fields[i].offset));
        free(r->mtls_cert);
        free(r->ip);
        *r = (RegistrationRequest) {};
}

int auth_tag_parse(json_object *o, uint8_t **ret, size_t *ret_size) {
        const char *s;
        int r;

        r = json_get_string_required(o, "auth_tag", AUTH_TAG_HEX_MAX, &s);
        if (r < 0)
                return r;
        return hex_decode(s, strlen(s), ret, ret_size);
}
