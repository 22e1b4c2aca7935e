/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs one PAM stack from a private configuration directory and prints what
 * the user would see and the return code by name:
 *   pam-harness CONFDIR SERVICE USER account|auth
 * Output: "message: TEXT" per conversation message, then "result: PAM_…". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data) {
        struct pam_response *r = calloc((size_t) n, sizeof(*r));

        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++)
                printf("message: %s\n", msg[i]->msg);
        *resp = r;
        return PAM_SUCCESS;
}

static const char *code_name(int r) {
        switch (r) {
        case PAM_SUCCESS:          return "PAM_SUCCESS";
        case PAM_PERM_DENIED:      return "PAM_PERM_DENIED";
        case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
        case PAM_IGNORE:           return "PAM_IGNORE";
        case PAM_SERVICE_ERR:      return "PAM_SERVICE_ERR";
        case PAM_SYSTEM_ERR:       return "PAM_SYSTEM_ERR";
        case PAM_BUF_ERR:          return "PAM_BUF_ERR";
        case PAM_AUTH_ERR:         return "PAM_AUTH_ERR";
        default:                   return "PAM_OTHER";
        }
}

int main(int argc, char *argv[]) {
        struct pam_conv conv = { conversation, NULL };
        pam_handle_t *pamh = NULL;
        int r;

        if (argc != 5 || (strcmp(argv[4], "account") != 0 && strcmp(argv[4], "auth") != 0)) {
                fprintf(stderr, "usage: pam-harness CONFDIR SERVICE USER account|auth\n");
                return 2;
        }
        r = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_start_confdir: %d\n", r);
                return 2;
        }
        r = strcmp(argv[4], "account") == 0 ? pam_acct_mgmt(pamh, 0) : pam_authenticate(pamh, 0);
        printf("result: %s\n", code_name(r));
        pam_end(pamh, r);
        return 0;
}
