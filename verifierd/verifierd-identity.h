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
