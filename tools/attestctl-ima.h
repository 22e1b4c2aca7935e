/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ima-replay.h"

#define ATTESTCTL_IMA_LOG_MAX (1024u * 1024u * 1024u)

/* A measurement list read from a file ("-" is stdin). */
typedef struct ImaLogFile {
        uint8_t *data;
        size_t size;
        ImaLogFormat format;
} ImaLogFile;

int ima_log_file_read(const char *path, ImaLogFile *ret);
void ima_log_file_done(ImaLogFile *f);

/* A human reason for an error of the IMA parser and replay. */
const char *ima_strerror(int r);

/* "sha1" and "sha256", the banks a Linux host extends. */
int ima_default_state(ImaReplayState *s);

/* "ALG:HEX", a PCR 10 value of one bank. */
int ima_parse_pcr_arg(const char *s, ImaPcrValue *ret);

int verb_ima(int argc, char *argv[]);
