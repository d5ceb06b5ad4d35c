/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Packs a job's outputs: the regular files below the work directory whose paths match the manifest's
 * patterns (see glob-match.h), as a tar.gz. What `sandrun-stage pack` does, inside the sandbox.
 *
 * The walk never follows a symlink: symlinks, like devices, FIFOs and sockets, are left out, and so are
 * files whose paths are not valid upload paths (see upload-path.h: e.g. not UTF-8, or too deep). Names
 * are sorted, so the same tree always gives the same archive. Entries keep their permission bits less
 * setuid, setgid, sticky and group/other write; owners are dropped.
 */

#include <stdint.h>

typedef struct PackLimits {
        uint64_t max_files;     /* files packed */
        uint64_t max_bytes;     /* bytes of their content */
        uint64_t max_scanned;   /* directory entries looked at on the way */
} PackLimits;

extern const PackLimits pack_limits_default;

typedef struct PackStats {
        uint64_t files;
        uint64_t bytes;
        uint64_t skipped;       /* matched, but left out: not readable or vanished */
} PackStats;

/* Told about each file as it is packed. A negative return stops packing with that error. */
typedef int (*PackListFunc)(const char *path, uint64_t size, void *userdata);

/*
 * Writes the tar.gz to out_fd (limits may be NULL for the defaults; a field left 0 takes its default).
 * Files are chosen first and the limits checked before anything is written, so -E2BIG leaves out_fd
 * untouched. Returns 0 and fills *ret_stats (if not NULL); -EINVAL for an invalid pattern; -E2BIG
 * past a limit; another -errno. Unless -ENOMEM, *ret_error gets a static reason.
 */
int pack_outputs(int dirfd, char *const *patterns, const PackLimits *limits, int out_fd,
                 PackListFunc list, void *userdata, PackStats *ret_stats, const char **ret_error);
