/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays every file of the corpus directories (or files) given on the command
 * line through a fuzz target, so that the corpus runs under any compiler in the
 * normal test suite, and under ASan/UBSan in the sanitizer build. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fuzz.h"
#include "macro.h"

#define FUZZ_REPLAY_MAX_INPUT (16u * 1024u * 1024u)

static int replay_file(const char *path) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, FUZZ_REPLAY_MAX_INPUT, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        /* Hand over an exact-size copy so that ASan sees reads past the end. */
        _cleanup_free_ uint8_t *exact = malloc(size ? size : 1);
        if (!exact)
                return -ENOMEM;
        memcpy(exact, data, size);
        (void) LLVMFuzzerTestOneInput(exact, size);
        return 0;
}


static int replay_path(const char *path, unsigned *count) {
        struct stat st;
        int r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                (*count)++;
                return replay_file(path);
        }

        struct dirent **names = NULL;
        int n = scandir(path, &names, NULL, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.') {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        else if (replay_path(p, count) < 0)
                                r = -EIO;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;
        int r = 0;

        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &count) < 0)
                        r = -EIO;
        printf("replayed %u inputs\n", count);
        if (count == 0) {
                fprintf(stderr, "empty corpus\n");
                return EXIT_FAILURE;
        }
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
