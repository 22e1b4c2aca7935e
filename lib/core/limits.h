/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */

/* TCG event logs (tcg-eventlog.c) */
#define TCG_EVENTLOG_SIZE_MAX     (16u * 1024u * 1024u) /* bytes of one log */
#define TCG_EVENTLOG_EVENTS_MAX   16384u                /* events in one log */
#define TCG_EVENT_DATA_SIZE_MAX   (1024u * 1024u)       /* EventSize of one event */
#define TCG_EVENT_DIGESTS_MAX     8u                    /* digests per event, algorithms per Spec ID event */
#define TCG_DIGEST_SIZE_MAX       128u                  /* declared size of an unknown algorithm's digest */

/* EFI structures inside events (efi-decode.c) */
#define EFI_VARIABLE_NAME_MAX     1024u                 /* UTF-16 code units of a variable name */
#define EFI_SIGNATURES_MAX        16384u                /* EFI_SIGNATURE_DATA entries in one variable */
#define EFI_DEVICE_PATH_NODES_MAX 128u                  /* nodes of one device path */
#define EFI_GPT_PARTITIONS_MAX    1024u                 /* partition entries of one GPT event */
#define EFI_STRING_MAX            (64u * 1024u)         /* bytes of a decoded event string */

/* Measured-boot reference states and PCR value files (boot-policy.c, pcr-values.c) */
#define BOOT_POLICY_SIZE_MAX      (16u * 1024u * 1024u) /* bytes of one reference state */
#define BOOT_POLICY_ITEMS_MAX     65536u                /* entries of one list in it */
#define PCR_VALUES_SIZE_MAX       (1024u * 1024u)       /* bytes of a PCR values JSON file */
