/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event log parser, replay, the JSON decoding of every event and the boot
 * state a policy reads. */
#include <stdlib.h>

#include "boot-policy.h"
#include "fuzz.h"
#include "tcg-eventlog-json.h"
#include "tcg-replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        const HashAlg *alg;
        json_object *o;
        PcrValues v;
        BootState s;

        if (tcg_eventlog_parse(data, size, &log) < 0)
                return 0;
        (void) tcg_eventlog_replay(log, &v);
        if (tcg_eventlog_to_json(log, &o) >= 0)
                json_object_put(o);
        alg = boot_state_default_alg(log);
        if (alg && boot_state_extract(log, alg, &s) >= 0)
                boot_state_done(&s);
        /* PCR 7 variables measured by their data only are read in order under the quirk */
        if (alg && boot_state_extract_quirks(log, alg, BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY, &s) >= 0)
                boot_state_done(&s);
        return 0;
}
