/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Unpacks an uploaded archive into the job's work directory. Runs inside the sandbox (from
 * sandrun-stage), and still trusts nothing in the archive:
 *
 *  - the format is found from the content, and only tar (ustar, pax, GNU), gzip-compressed tar and zip
 *    are read;
 *  - entry names must be valid upload paths (see upload-path.h): nothing absolute, no "..";
 *  - files are written below the directory fd only, one component at a time, never through a symlink
 *    (see beneath.h); an entry that would go through one is refused;
 *  - symlinks are made only if their target is relative and, read as a path from the link's directory,
 *    stays inside the work directory; hardlinks only to regular files extracted before;
 *  - device nodes, FIFOs and sockets are refused;
 *  - modes keep only the permission bits (no setuid, setgid, sticky), plus owner read and write;
 *  - the number of entries, the bytes written and the ratio of bytes written to bytes read are capped,
 *    checked as the data comes, so that a bomb stops within its first megabytes.
 *
 * A refused entry stops the extraction: what came before it stays on disk.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ExtractLimits {
        uint64_t max_entries;
        uint64_t max_bytes;     /* of file content written */
        uint64_t max_ratio;     /* bytes written per byte of archive read, checked past ratio_grace */
        uint64_t ratio_grace;   /* bytes an archive may write before its ratio counts */
} ExtractLimits;

extern const ExtractLimits extract_limits_default;

/* limits (may be NULL), with each field left 0 taken from extract_limits_default. */
ExtractLimits extract_limits_or_default(const ExtractLimits *limits);

/* What has been written so far, so that several archives and files share one budget. */
typedef struct ExtractUsage {
        uint64_t entries;
        uint64_t bytes;
} ExtractUsage;

/*
 * Extracts the archive held in size bytes of fd, starting at offset (read with pread(), so fd must be a
 * regular file or memfd; its file offset is not used) into dirfd. limits may be NULL for the defaults;
 * usage is added to and checked against the limits.
 * Returns 0; -EBADMSG for a damaged, unsupported or refused archive; -E2BIG past a limit; another
 * -errno for a failed system call. Unless -ENOMEM, *ret_error gets a static reason for the client.
 */
int extract_archive_fd(int dirfd, int fd, uint64_t offset, uint64_t size, const ExtractLimits *limits,
                       ExtractUsage *usage, const char **ret_error);

/* The same for an archive in memory. */
int extract_archive_memory(int dirfd, const void *buf, size_t len, const ExtractLimits *limits,
                           ExtractUsage *usage, const char **ret_error);

/* Checks that a symlink at the normal upload path link_path, pointing to target, would stay inside the
 * directory link_path is relative to: target is relative, and its ".." never climb above the top. */
bool extract_symlink_is_contained(const char *link_path, const char *target);
