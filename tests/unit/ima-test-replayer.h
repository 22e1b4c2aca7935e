/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One replayer for a test binary, set up and torn down around its group. */

#include "ima-replay.h"

static ImaReplayer *rp;

static int replayer_setup(void **state) {
        return ima_replayer_new(&rp) < 0 ? -1 : 0;
}

static int replayer_teardown(void **state) {
        rp = ima_replayer_free(rp);
        return 0;
}
