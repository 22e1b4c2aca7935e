/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Registrar] URL= and [Verifier] URL= may name several instances of one
 * verifier, separated by whitespace: the agent uses one until it cannot be
 * reached, times out or answers 5xx, then moves on to the next and stays there
 * while it works. Any instance answers any node, so nothing else changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent-daemon.h"
#include "log.h"

#define URL_SEPARATORS " \t\n,"

static size_t url_list_count(const char *list) {
        size_t n = 0;

        for (const char *p = list ? list + strspn(list, URL_SEPARATORS) : ""; *p;
             p += strcspn(p, URL_SEPARATORS), p += strspn(p, URL_SEPARATORS))
                n++;
        return n;
}

int agent_url_pick(const char *list, unsigned index, char **ret) {
        size_t n = url_list_count(list);
        const char *p;

        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        p = list + strspn(list, URL_SEPARATORS);
        for (index %= n; index > 0; index--) {
                p += strcspn(p, URL_SEPARATORS);
                p += strspn(p, URL_SEPARATORS);
        }
        *ret = strndup(p, strcspn(p, URL_SEPARATORS));
        return *ret ? 0 : -ENOMEM;
}

bool agent_failover_error(int r) {
        /* -EIO: any other transport failure (the HTTP client's catch-all). */
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EREMOTEIO || r == -EIO;
}

/* Moves *current to the next URL of list; false when there is no other one. */
static bool url_next(const char *list, unsigned *index, char **current, const char *what) {
        char *next = NULL;

        if (url_list_count(list) < 2)
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
