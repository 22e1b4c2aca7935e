/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_attest: lets a login through only while the local agent reports an
 * acceptable attestation verdict. It returns precise codes and leaves it to
 * the stack's control flags whether an unreachable agent locks users out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "agent-client.h"
#include "pam-attest-args.h"

#define REASONS_TEXT_MAX 512

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* "a, b, c" cut at a fixed size: the user sees why, not a novel. */
static void format_reasons(char **reasons, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = 0;
        for (char **p = reasons; p && *p && used + 1 < size; p++) {
                int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", *p);
                if (n < 0)
                        break;
                used += (size_t) n;
        }
}

/* Logs the refusal and, unless told to be silent, shows it to the user. */
static int deny(pam_handle_t *pamh, int flags, const char *msg) {
        pam_syslog(pamh, LOG_NOTICE, "Access denied: %s", msg);
        if (!(flags & PAM_SILENT))
                pam_error(pamh, "Access denied: %s", msg);
        return PAM_PERM_DENIED;
}

static int deny_verdict(pam_handle_t *pamh, int flags, const AgentStatus *s) {
        char reasons[REASONS_TEXT_MAX], msg[REASONS_TEXT_MAX + 128];

        format_reasons(s->failure_reasons, reasons, sizeof(reasons));
        snprintf(msg, sizeof(msg), "host attestation verdict is %s%s%s",
                 s->verdict, reasons[0] ? ": " : "", reasons);
        return deny(pamh, flags, msg);
}

static int deny_stale(pam_handle_t *pamh, int flags, const AgentStatus *s, uint64_t max_age_usec) {
        char age[64], msg[160];
        uint64_t now = now_realtime_usec();

        if (s->last_attestation == 0)
                snprintf(age, sizeof(age), "never attested");
        else
                snprintf(age, sizeof(age), "last attested %llus ago",
                         (unsigned long long) ((now - s->last_attestation) / 1000000ULL));
        snprintf(msg, sizeof(msg), "host attestation is stale (%s, at most %llus allowed)",
                 age, (unsigned long long) (max_age_usec / 1000000ULL));
        return deny(pamh, flags, msg);
}

static int is_stale(const AgentStatus *s, uint64_t max_age_usec) {
        uint64_t now;

        if (max_age_usec == 0)
                return 0;
        if (s->last_attestation == 0)
                return 1;
        now = now_realtime_usec();
        /* A timestamp from the future (clock step) counts as fresh. */
        return now > s->last_attestation && now - s->last_attestation > max_age_usec;
}

static int query_agent(pam_handle_t *pamh, const PamAttestArgs *args, AgentStatus *ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = agent_client_open("pam-attest", args->timeout_usec, &bus);
        if (r >= 0)
                r = agent_client_get_status(bus, ret);
        if (r == -ENOMEM)
                return PAM_BUF_ERR;
        if (r < 0) {
                pam_syslog(pamh, LOG_WARNING, "Attestation agent not available: %s",
                           r == -EHOSTDOWN ? "not running or not answering" : strerror(-r));
                return PAM_AUTHINFO_UNAVAIL;
        }
        return PAM_SUCCESS;
}

static int check_host(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        _cleanup_(agent_status_done) AgentStatus s = {};
        PamAttestArgs args;
        const char *bad = NULL;
        int r;

        if (!pamh)
                return PAM_SYSTEM_ERR;
        r = pam_attest_parse_args(argc, argv, &args, &bad);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Invalid module argument: %s", bad ?: "(null)");
                return PAM_SERVICE_ERR;
        }
        if (args.unknown)
                pam_syslog(pamh, LOG_WARNING, "Ignoring unknown module argument: %s", args.unknown);

        r = query_agent(pamh, &args, &s);
        if (r != PAM_SUCCESS)
                return r;
        if (args.debug)
                pam_syslog(pamh, LOG_DEBUG, "Agent verdict %s, last attestation at %llu µs",
                           s.verdict, (unsigned long long) s.last_attestation);

        if (agent_verdict_allowed(s.verdict, args.allow) <= 0)
                return deny_verdict(pamh, flags, &s);
        if (is_stale(&s, args.max_age_usec))
                return deny_stale(pamh, flags, &s, args.max_age_usec);
        return PAM_SUCCESS;
}

_public_ int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return check_host(pamh, flags, argc, argv);
}

_public_ int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return check_host(pamh, flags, argc, argv);
}

/* No credentials to establish: not our business. */
_public_ int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
        return PAM_IGNORE;
}
