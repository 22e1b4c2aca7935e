/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "evidence-json.h"
#include "hexdecode.h"
#include "plugin-util.h"

static json_object *clock_to_json(const AttestClockInfo *c) {
        json_object *o = json_object_new_object();

        json_add(o, "clock", json_object_new_int64((int64_t) c->clock));
        json_add(o, "reset_count", json_object_new_int64(c->reset_count));
        json_add(o, "restart_count", json_object_new_int64(c->restart_count));
        json_add(o, "safe", json_object_new_boolean(c->safe));
        return o;
}

/* {"sha256": {"0": "<hex>", …}, …} */
static json_object *pcrs_to_json(const AttestEvidence *ev) {
        json_object *o = json_object_new_object();

        for (uint32_t i = 0; i < ev->n_banks; i++) {
                const AttestPcrBank *b = &ev->banks[i];
                json_object *bank = json_object_new_object();

                for (unsigned pcr = 0; pcr < 32; pcr++) {
                        char key[4];

                        if (!(b->mask & (UINT32_C(1) << pcr)))
                                continue;
                        (void) snprintf(key, sizeof(key), "%u", pcr);
                        json_add(bank, key, json_hex(b->values + (size_t) pcr * b->stride, b->digest_size));
                }
                json_add(o, b->alg_name, bank);
        }
        return o;
}

static int ima_entry_to_json(const AttestImaEntry *e, void *userdata) {
        json_object *o = json_object_new_object(), *list = userdata;

        if (!o)
                return -ENOMEM;
        json_add(o, "entry", json_object_new_int64((int64_t) e->entry_no));
        json_add(o, "pcr", json_object_new_int64(e->pcr));
        json_add(o, "template", json_object_new_string(e->template_name));
        if (e->violation)
                json_add(o, "violation", json_object_new_boolean(1));
        json_add(o, "digest_alg", json_object_new_string(e->digest_alg));
        json_add(o, "digest", json_hex(e->digest, e->digest_size));
        json_add(o, "path", json_object_new_string_len(e->path, (int) e->path_len));
        if (e->sig) {
                char *b64 = base64_encode(e->sig, e->sig_size);
                json_add(o, "sig", b64 ? json_object_new_string(b64) : NULL);
                free(b64);
        }
        if (e->buf) {
                char *b64 = base64_encode(e->buf, e->buf_size);
                json_add(o, "buf", b64 ? json_object_new_string(b64) : NULL);
                free(b64);
        }
        return json_object_array_add(list, o) < 0 ? -ENOMEM : 0;
}

static json_object *ima_to_json(const AttestEvidence *ev) {
        json_object *o = json_object_new_object(), *list = json_object_new_array();

        json_add(o, "first_entry", json_object_new_int64((int64_t) ev->ima_first_entry));
        json_add(o, "count", json_object_new_int64((int64_t) ev->ima_n_entries));
        if (!list || ev->ima_foreach(ev, ima_entry_to_json, list) < 0) {
                json_object_put(list);
                json_object_put(o);
                return NULL;
        }
        json_add(o, "entries", list);
        return o;
}

json_object *evidence_to_json(const AttestEvidence *ev) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (ev->node_id)
                json_add(o, "node_id", json_object_new_string(ev->node_id));
        json_add(o, "clock", clock_to_json(&ev->clock));
        json_add(o, "firmware_version", json_object_new_int64((int64_t) ev->firmware_version));
        json_add(o, "boot_time", json_object_new_int64((int64_t) ev->boot_time));
        if (ev->has_enrolment_clock)
                json_add(o, "enrolment_clock", clock_to_json(&ev->enrolment_clock));
        json_add(o, "pcrs", pcrs_to_json(ev));
        if (ev->uefi_log) {
                char *b64 = base64_encode(ev->uefi_log, ev->uefi_log_size);
                json_add(o, "uefi_log", b64 ? json_object_new_string(b64) : NULL);
                free(b64);
        }
        if (ev->has_ima) {
                json_object *ima = ima_to_json(ev);

                if (!ima) {
                        json_object_put(o);
                        return NULL;
                }
                json_add(o, "ima", ima);
        }
        return o;
}
