/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unpacks each input as an outputs archive into a fresh directory, then checks nothing escaped it. */

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        /* Only regular files and directories may ever appear below the output directory. */
        if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
                __builtin_trap();
        return remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char parent[] = "/tmp/fuzz-cli-unpack-XXXXXX";
        if (!mkdtemp(parent))
                return 0;
        char out[sizeof parent + 4];
        snprintf(out, sizeof out, "%s/out", parent);

        int fd = memfd_create("archive", MFD_CLOEXEC);
        if (fd >= 0 && mkdir(out, 0755) >= 0 && write(fd, data, size) == (ssize_t) size) {
                int dir = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                UnpackStats stats;
                if (dir >= 0)
                        (void) unpack_archive_fd(fd, dir, &stats);
                if (dir >= 0)
                        close(dir);
        }
        if (fd >= 0)
                close(fd);

        /* Anything next to "out" in the parent escaped through "..". */
        DIR *d = opendir(parent);
        if (!d)
                __builtin_trap();
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && strcmp(de->d_name, "out") != 0)
                        __builtin_trap();
        closedir(d);

        if (nftw(parent, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
                __builtin_trap();
        return 0;
}
