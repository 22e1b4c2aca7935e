/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Confidential-computing reports through configfs-tsm (Linux ≥ 6.7,
 * Documentation/ABI/testing/configfs-tsm-report): the agent keeps one entry
 * under the report directory, writes the 64 bytes of report data to inblob
 * and reads the report from outblob (and, for SEV-SNP, the host's
 * certificate table from auxblob). The directory is a setting, so that tests
 * can point it at a tree that simulates the kernel's. */

#include <stddef.h>
#include <stdint.h>

#define TSM_REPORT_DEFAULT_DIRECTORY "/sys/kernel/config/tsm/report"
#define TSM_ENTRY_NAME "hostattest"
#define TSM_INBLOB_SIZE 64u
#define TSM_OUTBLOB_MAX (64u * 1024u)   /* the largest TDX quote accepted: TDX_QUOTE_SIZE_MAX */

typedef struct TsmReport {
        char provider[32];
        uint8_t *outblob;
        size_t outblob_size;
        uint8_t *auxblob;               /* NULL when the provider gives none */
        size_t auxblob_size;
} TsmReport;

void tsm_report_done(TsmReport *r);

/* The provider behind directory ("sev_guest", "tdx_guest", …), creating the
 * agent's entry when needed. -ENOENT without configfs-tsm. */
int tsm_provider(const char *directory, char *ret, size_t size);

/* The push protocol's evidence type of a provider: "sev-snp", "tdx", or NULL. */
const char *tsm_provider_evidence_type(const char *provider);

/* A report over inblob. -EBUSY when another writer used the entry meanwhile
 * (the generation moved between inblob and outblob): try again. */
int tsm_report_get(const char *directory, const uint8_t inblob[static TSM_INBLOB_SIZE], TsmReport *ret);
