/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "registration-request.h"
#include "tpm2-public.h"
#include "verifierd.h"

/* Checks the identity a node registers with: EK and AK public areas and their
 * attributes, the EK certificate (trust and key match), the IAK's certification
 * of the AK and the IAK/IDevID certificates. Answers the request itself and
 * returns < 0 when the identity is refused. */
int identity_check(Request *q, const char *id, const RegistrationRequest *req,
                   Tpm2Public **ret_ek, Tpm2Public **ret_ak);

/* Adds "ek_digest": SHA-256 of ek_tpm, lowercase hex; equal for the nodes that share a TPM. */
int node_json_add_ek_digest(const Node *n, json_object *o);
/* Adds "ek_shared_with": the other node ids registered with n's EK. */
int node_json_add_shared_ek(Manager *m, const Node *n, json_object *o);
