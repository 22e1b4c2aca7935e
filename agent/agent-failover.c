/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Registrar] URL= and [Verifier] URL= may name several instances of one
 * verifier (agent-urls.c): the agent uses one until it cannot be
 * reached, closes the connection unanswered, times out or answers 5xx,
 * then moves on to the next and stays there while it works. Any instance
 * answers any node, so nothing else changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent-daemon.h"
#include "log.h"

bool agent_failover_error(int r) {
        /* -ECONNRESET: accepted, then closed before an answer (a forwarder
         * whose backend is down). -EIO: any other transport failure (the
         * HTTP client's catch-all). */
        return r == -ECONNREFUSED || r == -ECONNRESET || r == -ETIMEDOUT ||
               r == -EREMOTEIO || r == -EIO;
}

/* Moves *current to the next URL of list; false when there is no other one. */
static bool url_next(const char *list, unsigned *index, char **current, const char *what) {
        char *next = NULL;

        if (agent_url_count(list) < 2)
                return false;
        if (agent_url_pick(list, *index + 1, &next) < 0) {
                log_oom();
                return false;
        }
        (*index)++;
        log_notice("%s %s does not answer: moving to %s.", what, *current ?: "(none)", next);
        free(*current);
        *current = next;
        return true;
}

void agent_verifier_failover(Agent *a) {
        if (url_next(a->config->verifier_url, &a->verifier_index, &a->verifier_url, "Verifier"))
                agent_bus_properties_changed(a, "VerifierURL", NULL);
}

void agent_registrar_failover(Agent *a) {
        (void) url_next(a->config->registrar_url, &a->registrar_index, &a->registrar_url, "Registrar");
}
