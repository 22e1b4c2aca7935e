/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tpm-nv.h"

/* ESYS_TR handles of NV indices are closed, not flushed. */
static void esys_tr_closep(ESYS_CONTEXT *esys, ESYS_TR *tr) {
        if (*tr != ESYS_TR_NONE)
                (void) Esys_TR_Close(esys, tr);
        *tr = ESYS_TR_NONE;
}

static int nv_read_all(Tpm *t, ESYS_TR nv, ESYS_TR auth, uint16_t size, uint8_t *buf) {
        uint32_t chunk = 512;
        TSS2_RC rc;

        (void) tpm_get_property(t, TPM2_PT_NV_BUFFER_MAX, &chunk);
        chunk = MAX(MIN(chunk, (uint32_t) TPM2_MAX_NV_BUFFER_SIZE), 64u);

        for (uint16_t off = 0; off < size;) {
                _cleanup_esys_ TPM2B_MAX_NV_BUFFER *data = NULL;
                uint16_t n = (uint16_t) MIN((uint32_t) (size - off), chunk);

                rc = Esys_NV_Read(t->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                  n, off, &data);
                if (rc != TSS2_RC_SUCCESS)
                        return tpm_rc_to_errno(rc, "Esys_NV_Read");
                if (data->size != n)
                        return -EIO;
                memcpy(buf + off, data->buffer, n);
                off += n;
        }
        return 0;
}

int tpm_nv_read(Tpm *t, uint32_t index, size_t size_max, uint8_t **ret, size_t *ret_size) {
        _cleanup_esys_ TPM2B_NV_PUBLIC *pub = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        ESYS_TR nv = ESYS_TR_NONE, auth;
        uint16_t size;
        TSS2_RC rc;
        int r;

        assert(t && ret && ret_size);

        if ((index >> 24) != TPM2_HT_NV_INDEX)
                return -EINVAL;
        r = tpm_handle_defined(t, index);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;

        rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
        if (rc != TSS2_RC_SUCCESS) {
                /* TPM2_RC_HANDLE for an undefined index. */
                (void) tpm_rc_to_errno(rc, "Esys_TR_FromTPMPublic(NV)");
                return (rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER ? -ECONNREFUSED : -ENOENT;
        }

        rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
        if (rc != TSS2_RC_SUCCESS) {
                r = tpm_rc_to_errno(rc, "Esys_NV_ReadPublic");
                goto finish;
        }

        size = pub->nvPublic.dataSize;
        if (size == 0 || size > size_max) {
                r = size == 0 ? -ENODATA : -EFBIG;
                goto finish;
        }
        auth = (pub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;

        buf = malloc(size);
        if (!buf) {
                r = -ENOMEM;
                goto finish;
        }
        r = nv_read_all(t, nv, auth, size, buf);
        if (r < 0)
                goto finish;

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        r = 0;
finish:
        esys_tr_closep(t->esys, &nv);
        return r;
}

size_t der_trim_padding(const uint8_t *buf, size_t size) {
        if (size >= 4 && buf[0] == 0x30 && buf[1] == 0x82) {
                size_t der = 4 + ((size_t) buf[2] << 8 | buf[3]);
                if (der <= size)
                        return der;
        }
        return size;
}
