/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define UNPACK_ENTRIES_MAX 100000
#define UNPACK_BYTES_MAX ((uint64_t) 4 << 30)

typedef struct UnpackStats {
        size_t n_files;
        size_t n_dirs;
        size_t n_skipped;               /* unsafe paths, links, devices, and names blocked by a symlink */
        uint64_t bytes;
} UnpackStats;

/*
 * Unpacks the tar (optionally gzip-compressed) archive read from archive_fd into the directory dir_fd,
 * creating only regular files and directories strictly beneath it: absolute paths, "..", symlinks,
 * hard links and device nodes in the archive are skipped and counted, and no symlink already in the
 * directory is followed. Returns 0, -EBADMSG for a corrupt archive, -EFBIG past the limits above, or
 * the -errno of a failed write.
 */
int unpack_archive_fd(int archive_fd, int dir_fd, UnpackStats *ret_stats);
