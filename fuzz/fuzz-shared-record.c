/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Records one instance writes for the others into the shared database, read back as
 * carefully as any input: the attestation awaiting evidence (with the evidence list whose
 * items the 202 fills in), the IMA replay state and the TPM clock of the push state. The
 * first byte picks the record. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-util.h"
#include "macro.h"
#include "verifierd.h"
#include "verifierd-push.h"

static void pending(const uint8_t *data, size_t size) {
        static const char body_text[] =
                "{\"data\":{\"attributes\":{\"evidence_collected\":[{\"data\":{\"message\":\"m\"}},{},{},{}]}}}";
        PendingAttestation p = {}, again = {};
        _cleanup_json_ json_object *body = NULL;
        Blob b = {};

        if (pending_decode(data, size, &p) < 0)
                return;
        /* What decodes encodes and decodes again to the same attestation. */
        assert(pending_encode(&p, &b) >= 0);
        assert(pending_decode(b.data, b.size, &again) >= 0);
        assert(again.index == p.index && memcmp(again.nonce, p.nonce, sizeof p.nonce) == 0);
        assert(again.pcr_mask == p.pcr_mask && again.bank == p.bank && again.ima_offset == p.ima_offset);
        assert(!again.evidence == !p.evidence && (!p.evidence || strcmp(again.evidence, p.evidence) == 0));
        /* Its evidence list, as the 202 fills it in: refused or written, never a crash. */
        body = json_tokener_parse(body_text);
        assert(body);
        free(received_evidence(&p, body, 0));
        blob_done(&b);
        free(p.evidence);
        free(again.evidence);
}

static void ima_state(const uint8_t *data, size_t size) {
        ImaReplayState s = {}, again = {};
        Blob b = {};

        if (push_ima_state_decode(&(const Blob) { .data = (uint8_t *) data, .size = size }, &s) < 0)
                return;
        assert(push_ima_state_encode(&s, &b) >= 0);
        assert(push_ima_state_decode(&b, &again) >= 0);
        assert(again.n_entries == s.n_entries && again.n_banks == s.n_banks);
        blob_done(&b);
}

static void clock_info(const uint8_t *data, size_t size) {
        Tpm2ClockInfo c = {}, again = {};
        Blob b = {};

        if (push_clock_decode(&(const Blob) { .data = (uint8_t *) data, .size = size }, &c) < 0)
                return;
        assert(push_clock_encode(&c, &b) >= 0);
        assert(push_clock_decode(&b, &again) >= 0);
        assert(again.clock == c.clock && again.reset_count == c.reset_count &&
               again.restart_count == c.restart_count && again.safe == c.safe);
        blob_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        switch (data[0] % 3) {
        case 0:
                pending(data + 1, size - 1);
                break;
        case 1:
                ima_state(data + 1, size - 1);
                break;
        default:
                clock_info(data + 1, size - 1);
        }
        return 0;
}
