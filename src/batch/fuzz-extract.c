/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[] = "/tmp/sandrun-fuzz-extract-XXXXXX";
static char work[sizeof(top) + 2];

/* Whatever got extracted must be tame: regular files, directories and contained symlinks, no
 * setuid, setgid or sticky bits. */
static int check_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        const char *rel = path + strlen(work);

        if (*rel == 0)
                return 0;
        rel++;  /* the slash */

        if (st->st_mode & 07000)
                abort();
        if (S_ISLNK(st->st_mode)) {
                char target[4096];
                ssize_t n = readlink(path, target, sizeof(target) - 1);

                if (n < 0)
                        abort();
                target[n] = 0;
                if (!extract_symlink_is_contained(rel, target))
                        abort();
        } else if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
                abort();
        return 0;
}

static void remove_top(void) {
        (void) rmdir(top);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        if (flag == FTW_DP)
                (void) chmod(path, 0700);
        (void) remove(path);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const ExtractLimits limits = {
                .max_entries = 64, .max_bytes = 1 << 20, .max_ratio = 100, .ratio_grace = 1 << 16,
        };
        _cleanup_close_ int dir = -EBADF;
        ExtractUsage usage = {};
        const char *why = NULL;
        int r;

        if (!work[0]) {
                if (!mkdtemp(top))
                        abort();
                atexit(remove_top);
                snprintf(work, sizeof(work), "%s/w", top);
        }
        if (mkdir(work, 0755) < 0)
                abort();
        dir = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                abort();

        r = extract_archive_memory(dir, data, size, &limits, &usage, &why);
        if (r < 0 && r != -ENOMEM && !why)
                abort();
        if (usage.entries > limits.max_entries + 1 || usage.bytes > limits.max_bytes + (1 << 16))
                abort();

        if (nftw(work, check_one, 16, FTW_PHYS) < 0)
                abort();
        if (nftw(work, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                abort();

        /* Nothing may have landed next to the work dir either: only an empty directory can go. */
        if (rmdir(top) < 0 || mkdir(top, 0755) < 0)
                abort();
        return 0;
}
