/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "json-util.h"
#include "attest-limits.h"
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
        bool pem_chain;         /* may also be PEM text: certificates, the field's own first */
} BlobField;

static const BlobField blob_fields[] = {
        { "ek_tpm",      offsetof(RegistrationRequest, ek_tpm),      REG_TPM2B_PUBLIC_MAX, true  },
        { "aik_tpm",     offsetof(RegistrationRequest, aik_tpm),     REG_TPM2B_PUBLIC_MAX, true  },
        { "ekcert",      offsetof(RegistrationRequest, ekcert),      REG_CERT_DER_MAX,     false, true },
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

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* The size of the DER SEQUENCE at the start of buf: identifier, definite length
 * (at most three length bytes: no certificate comes near 16 MiB), contents. */
static int der_sequence_size(const uint8_t *buf, size_t size, size_t *ret) {
        size_t len = 0, header = 2;

        if (size < 2 || buf[0] != 0x30)
                return -EBADMSG;
        if (buf[1] < 0x80)
                len = buf[1];
        else {
                unsigned k = buf[1] & 0x7fu;
                if (k == 0 || k > 3 || size - 2 < k)
                        return -EBADMSG;
                for (unsigned i = 0; i < k; i++)
                        len = len << 8 | buf[2 + i];
                header += k;
        }
        if (len > size - header)
                return -EBADMSG;
        *ret = header + len;
        return 0;
}

int ekcert_split(const Blob *ekcert, Blob *ret_first, Blob *ret_chain) {
        size_t n;
        int r;

        r = der_sequence_size(ekcert->data, ekcert->size, &n);
        if (r < 0)
                return r;
        *ret_first = (Blob) { ekcert->data, n };
        *ret_chain = (Blob) { n < ekcert->size ? ekcert->data + n : NULL, ekcert->size - n };
        return 0;
}

static bool starts_with(const char *p, const char *end, const char *prefix) {
        size_t n = strlen(prefix);
        return (size_t) (end - p) >= n && memcmp(p, prefix, n) == 0;
}

static const char *skip_space(const char *p, const char *end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                p++;
        return p;
}

/* Appends the DER of the PEM certificate block at *p to chain and moves *p past it.
 * The block must hold exactly one whole DER element: that is what lets the stored
 * chain be split again without parsing certificates. */
static int pem_block_append(const char **p, const char *end, Blob *chain) {
        _cleanup_free_ uint8_t *der = NULL;
        _cleanup_free_ char *b64 = NULL;
        const char *body, *stop;
        size_t n = 0, der_size, element;
        uint8_t *grown;
        int r;

        if (!starts_with(*p, end, PEM_BEGIN))
                return -EINVAL;
        body = *p + strlen(PEM_BEGIN);
        stop = memmem(body, (size_t) (end - body), PEM_END, strlen(PEM_END));
        if (!stop)
                return -EINVAL;                 /* truncated */
        b64 = malloc((size_t) (stop - body) + 1);
        if (!b64)
                return -ENOMEM;
        for (const char *c = skip_space(body, stop); c < stop; c = skip_space(c + 1, stop))
                b64[n++] = *c;
        r = base64_decode(b64, n, &der, &der_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || der_size == 0)
                return -EINVAL;
        if (der_size > REG_CERT_DER_MAX)
                return -E2BIG;
        if (der_sequence_size(der, der_size, &element) < 0 || element != der_size)
                return -EINVAL;
        grown = realloc(chain->data, chain->size + der_size);
        if (!grown)
                return -ENOMEM;
        memcpy(grown + chain->size, der, der_size);
        *chain = (Blob) { grown, chain->size + der_size };
        *p = stop + strlen(PEM_END);
        return 0;
}

/* PEM text as Keylime's registrar takes it (Certificate.cast): one or more
 * certificate blocks, only whitespace around them. Stored as the blocks' DER
 * concatenated, the EK certificate first. */
static int parse_pem_chain(const char *s, size_t len, Blob *ret) {
        _cleanup_(blob_done) Blob chain = {};
        const char *p = s, *end = s + len;
        unsigned n = 0;
        int r;

        if (len > REG_EKCERT_PEM_MAX)
                return -E2BIG;
        while ((p = skip_space(p, end)) < end) {
                if (++n > REG_EKCERT_CHAIN_MAX)
                        return -E2BIG;
                r = pem_block_append(&p, end, &chain);
                if (r < 0)
                        return r;
        }
        *ret = chain;
        chain = (Blob) {};
        return 0;
}

/* Its length from JSON, not strlen(): an embedded NUL must not hide what follows. */
static bool member_is_pem(json_object *o, const char *key, const char **ret, size_t *ret_len) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return false;
        *ret = json_object_get_string(v);
        *ret_len = (size_t) json_object_get_string_len(v);
        return strncmp(*ret, PEM_BEGIN, strlen(PEM_BEGIN)) == 0;
}

static int parse_blob(json_object *o, const BlobField *f, Blob *b) {
        const char *pem;
        size_t pem_len;
        int r;

        if (!f->required && member_is_empty_string(o, f->name))
                return 0;
        if (f->pem_chain && member_is_pem(o, f->name, &pem, &pem_len))
                return parse_pem_chain(pem, pem_len, b);
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
