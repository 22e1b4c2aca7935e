/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fetches a node's secret from attest-verifierd as a node does, with a TPM:
 * a fresh decryption key (RSA or ECC) as a primary in the owner hierarchy,
 * certified by the AK (a persistent handle) over the verifier's challenge,
 * then unwrapped inside the TPM (RSA_Decrypt or ECDH_ZGen). Prints the
 * secret, or the refusal and exit 1.
 *   test-secret-fetch TCTI AK-HANDLE BASE-URL NODE NAME rsa|ecc */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "hexdecode.h"
#include "json-util.h"
#include "memory-util.h"
#include "secret-wrap.h"
#include "secret-wrap-json.h"

#define DIE(...) do { fprintf(stderr, "test-secret-fetch: " __VA_ARGS__); fputc('\n', stderr); exit(2); } while (0)
#define TPM_OK(rc, what) do { if ((rc) != TSS2_RC_SUCCESS) DIE("%s: 0x%x", what, (unsigned) (rc)); } while (0)

typedef struct Buf { char *data; size_t size; } Buf;

static size_t collect(char *p, size_t size, size_t n, void *userdata) {
        Buf *b = userdata;
        char *d = realloc(b->data, b->size + size * n + 1);
        if (!d)
                return 0;
        memcpy(d + b->size, p, size * n);
        b->size += size * n;
        d[b->size] = 0;
        b->data = d;
        return size * n;
}

/* POSTs body to url; returns the status, the parsed answer in *ret. */
static long post(const char *url, const char *body, json_object **ret) {
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/vnd.api+json");
        Buf b = {};
        long status = 0;

        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        if (curl_easy_perform(c) != CURLE_OK)
                DIE("POST %s failed", url);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        if (!b.data || json_parse_object(b.data, b.size, ret) < 0)
                DIE("answer to %s is not JSON", url);
        free(b.data);
        return status;
}

static json_object *attributes(json_object *doc) {
        json_object *data, *attrs;
        if (!json_object_object_get_ex(doc, "data", &data) || !json_object_object_get_ex(data, "attributes", &attrs))
                DIE("answer without data.attributes: %s", json_object_to_json_string(doc));
        return attrs;
}

static ESYS_TR create_key(ESYS_CONTEXT *ctx, int ecc, TPM2B_PUBLIC **ret_pub) {
        TPM2B_SENSITIVE_CREATE sens = {};
        TPM2B_PUBLIC tmpl = { .publicArea = {
                .type = ecc ? TPM2_ALG_ECC : TPM2_ALG_RSA,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                        TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT,
        } };
        TPM2B_DATA outside = {};
        TPML_PCR_SELECTION pcrs = {};
        ESYS_TR key;

        if (ecc) {
                tmpl.publicArea.parameters.eccDetail = (TPMS_ECC_PARMS) {
                        .symmetric.algorithm = TPM2_ALG_NULL, .scheme.scheme = TPM2_ALG_NULL,
                        .curveID = TPM2_ECC_NIST_P256, .kdf.scheme = TPM2_ALG_NULL };
        } else {
                tmpl.publicArea.parameters.rsaDetail = (TPMS_RSA_PARMS) {
                        .symmetric.algorithm = TPM2_ALG_NULL, .scheme.scheme = TPM2_ALG_NULL, .keyBits = 2048 };
        }
        TPM_OK(Esys_CreatePrimary(ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                  &sens, &tmpl, &outside, &pcrs, &key, ret_pub, NULL, NULL, NULL), "CreatePrimary");
        return key;
}

static char *b64_public(const TPM2B_PUBLIC *p) {
        uint8_t buf[sizeof(TPM2B_PUBLIC)];
        size_t off = 0;
        TPM_OK(Tss2_MU_TPM2B_PUBLIC_Marshal(p, buf, sizeof(buf), &off), "marshal public");
        return base64_encode(buf, off);
}

static char *b64_signature(const TPMT_SIGNATURE *s) {
        uint8_t buf[sizeof(TPMT_SIGNATURE)];
        size_t off = 0;
        TPM_OK(Tss2_MU_TPMT_SIGNATURE_Marshal(s, buf, sizeof(buf), &off), "marshal signature");
        return base64_encode(buf, off);
}

/* The TPM half of unwrapping: the AES key. */
static void tpm_kem(ESYS_CONTEXT *ctx, ESYS_TR key, const SecretWrapped *w, uint8_t aes[SECRET_WRAP_KEY_SIZE]) {
        if (w->kem == SECRET_KEM_RSA_OAEP) {
                TPM2B_PUBLIC_KEY_RSA in = { .size = (UINT16) w->encapsulated_size };
                TPMT_RSA_DECRYPT scheme = { .scheme = TPM2_ALG_OAEP, .details.oaep.hashAlg = w->hash->tpm_alg_id };
                TPM2B_DATA label = { .size = sizeof(SECRET_WRAP_OAEP_LABEL) };
                TPM2B_PUBLIC_KEY_RSA *out = NULL;

                memcpy(in.buffer, w->encapsulated, w->encapsulated_size);
                memcpy(label.buffer, SECRET_WRAP_OAEP_LABEL, sizeof(SECRET_WRAP_OAEP_LABEL));
                TPM_OK(Esys_RSA_Decrypt(ctx, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in, &scheme,
                                        &label, &out), "RSA_Decrypt");
                if (out->size != SECRET_WRAP_KEY_SIZE)
                        DIE("unwrapped key of %u bytes", out->size);
                memcpy(aes, out->buffer, SECRET_WRAP_KEY_SIZE);
                Esys_Free(out);
                return;
        }
        size_t coord = (w->encapsulated_size - 1) / 2;
        TPM2B_ECC_POINT in = { .point.x.size = (UINT16) coord, .point.y.size = (UINT16) coord };
        TPM2B_ECC_POINT *z = NULL;

        memcpy(in.point.x.buffer, w->encapsulated + 1, coord);
        memcpy(in.point.y.buffer, w->encapsulated + 1 + coord, coord);
        TPM_OK(Esys_ECDH_ZGen(ctx, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in, &z), "ECDH_ZGen");
        if (secret_wrap_ecdh_key(w->hash, z->point.x.buffer, z->point.x.size, w->encapsulated,
                                 w->encapsulated_size, aes) < 0)
                DIE("HKDF failed");
        Esys_Free(z);
}

int main(int argc, char *argv[]) {
        ESYS_CONTEXT *ctx = NULL;
        TSS2_TCTI_CONTEXT *tcti = NULL;
        ESYS_TR ak, key;
        TPM2B_PUBLIC *pub = NULL;
        TPM2B_ATTEST *attest = NULL;
        TPMT_SIGNATURE *sig = NULL;
        TPM2B_DATA qualifying = {};
        TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
        json_object *doc = NULL;
        SecretWrapped w = {};
        uint8_t *challenge = NULL, *aad = NULL, *plain = NULL, aes[SECRET_WRAP_KEY_SIZE];
        size_t n, aad_size, plain_size;
        char url[512], *body = NULL;
        long status;

        if (argc != 7)
                DIE("usage: test-secret-fetch TCTI AK-HANDLE BASE-URL NODE NAME rsa|ecc");
        TPM_OK(Tss2_TctiLdr_Initialize(argv[1], &tcti), "TCTI");
        TPM_OK(Esys_Initialize(&ctx, tcti, NULL), "Esys_Initialize");
        TPM_OK(Esys_TR_FromTPMPublic(ctx, (TPM2_HANDLE) strtoul(argv[2], NULL, 16), ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &ak), "AK handle");
        key = create_key(ctx, strcmp(argv[6], "ecc") == 0, &pub);

        snprintf(url, sizeof(url), "%s/v3.0/agents/%s/secrets/%s/challenge", argv[3], argv[4], argv[5]);
        if ((status = post(url, "{}", &doc)) != 201)
                DIE("challenge: %ld %s", status, json_object_to_json_string(doc));
        if (json_get_base64(attributes(doc), "challenge", sizeof(qualifying.buffer), &challenge, &n) < 0)
                DIE("no challenge");
        qualifying.size = (UINT16) n;
        memcpy(qualifying.buffer, challenge, n);
        json_object_put(doc);

        TPM_OK(Esys_Certify(ctx, key, ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE, &qualifying, &scheme,
                            &attest, &sig), "Certify");
        char *k = b64_public(pub), *a = base64_encode(attest->attestationData, attest->size), *s = b64_signature(sig);
        if (asprintf(&body, "{\"data\":{\"type\":\"secret_request\",\"attributes\":{\"key_public\":\"%s\","
                     "\"certify_attest\":\"%s\",\"certify_signature\":\"%s\"}}}", k, a, s) < 0)
                DIE("oom");
        snprintf(url, sizeof(url), "%s/v3.0/agents/%s/secrets/%s", argv[3], argv[4], argv[5]);
        status = post(url, body, &doc);
        if (status != 200) {
                printf("refused: %ld %s\n", status, json_object_to_json_string(doc));
                Esys_FlushContext(ctx, key);
                return 1;
        }
        if (secret_wrapped_from_json(attributes(doc), &w) < 0)
                DIE("malformed secret answer");
        tpm_kem(ctx, key, &w, aes);
        if (secret_aad(argv[4], argv[5], &aad, &aad_size) < 0 ||
            secret_unwrap_aead(aes, &w, aad, aad_size, &plain, &plain_size) < 0)
                DIE("the secret does not unwrap");
        fwrite(plain, 1, plain_size, stdout);

        erase_and_free_size(plain, plain_size);
        erase_memory(aes, sizeof(aes));
        secret_wrapped_done(&w);
        json_object_put(doc);
        free(aad); free(body); free(k); free(a); free(s); free(challenge);
        Esys_Free(pub); Esys_Free(attest); Esys_Free(sig);
        Esys_FlushContext(ctx, key);
        Esys_Finalize(&ctx);
        Tss2_TctiLdr_Finalize(&tcti);
        return 0;
}
