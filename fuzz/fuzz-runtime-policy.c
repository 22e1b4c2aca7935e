/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime policy reader; a policy that loads is evaluated against a few
 * entries (ima-ng, ima-sig with a signature, ima-buf) to exercise its indexes. */
#include <string.h>

#include "fuzz.h"
#include "ima-replay.h"
#include "macro.h"
#include "runtime-policy-eval.h"

static const char log_text[] =
        "10 1d8d532d463c9f8c205d0df7787669a85f93e260 ima-ng sha1:0000000000000000000000000000000000000000 boot_aggregate\n"
        "10 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng sha1:19f13b42c2745066347e76454788c0fe083643f3 /init\n"
        "10 1111111111111111111111111111111111111111 ima-sig sha256:d33d5d13792292e202dbf69a6f1b07bc8a02f01424db84"
        "89ba7bb7d43c0290ef /usr/bin/dd 030204f3452d230002aabb\n"
        "10 1111111111111111111111111111111111111111 ima-buf sha256:a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4"
        "a6b1a42257065f3d5a .ima 3082\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(runtime_policy_freep) RuntimePolicy *p = NULL;
        _cleanup_(runtime_evaluation_freep) RuntimeEvaluation *ev = NULL;
        static ImaReplayer *rp;
        RuntimePolicyError err;
        size_t o = 0;
        uint64_t no = 0;
        ImaEntry e;

        if (size > 1024 * 1024)
                return 0;
        if (runtime_policy_load((const char *) data, size, &p, &err) < 0)
                return 0;
        if ((!rp && ima_replayer_new(&rp) < 0) || runtime_evaluation_new(p, NULL, &ev) < 0)
                return 0;
        while (ima_replayer_next_entry(rp, IMA_LOG_ASCII, (const uint8_t *) log_text, strlen(log_text), &o, true, &e) > 0)
                (void) runtime_evaluation_check(ev, no++, &e);
        assert(no == 4);
        assert(ev->n_passed + ev->n_failed + ev->n_excluded + ev->n_violations == 4);
        return 0;
}
