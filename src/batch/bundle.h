/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bundle: how the daemon hands a job's uploads to sandrun-stage without touching its file tree.
 * The daemon appends parts as they stream in (usually into a memfd); the stage helper reads the
 * records inside the sandbox and writes them out. Format:
 *
 *     SANDRUN-BUNDLE 1\n
 *     F <size> <path>\n<size bytes>        a file, at a normal upload path (see upload-path.h)
 *     A <size>\n<size bytes>               an archive to unpack (tar, tar.gz or zip)
 *     ...
 *
 * <size> is always BUNDLE_SIZE_DIGITS decimal digits, zero-padded, so that the writer can put a
 * placeholder first and patch in the real size once a part of unknown length has ended.
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "upload-path.h"

#define BUNDLE_MAGIC "SANDRUN-BUNDLE 1\n"
#define BUNDLE_MAGIC_SIZE (sizeof(BUNDLE_MAGIC) - 1)
#define BUNDLE_SIZE_DIGITS 20U
/* The longest record header: "F " size " " path "\n". */
#define BUNDLE_HEADER_MAX (2 + BUNDLE_SIZE_DIGITS + 1 + UPLOAD_PATH_LENGTH_MAX + 1)

typedef enum BundleRecordType {
        BUNDLE_RECORD_FILE = 'F',
        BUNDLE_RECORD_ARCHIVE = 'A',
} BundleRecordType;

typedef struct BundleRecord {
        BundleRecordType type;
        uint64_t size;          /* bytes of content after the header */
        char *path;             /* files: a normal upload path; archives: NULL */
} BundleRecord;

/* Frees what a parsed record holds and resets it. */
void bundle_record_done(BundleRecord *r);

/* Checks the magic at the start of a bundle: 0 if buf starts with it, -EAGAIN if buf is a shorter
 * prefix of it, -EBADMSG otherwise. */
int bundle_check_magic(const void *buf, size_t len);

/*
 * Parses the record header at the start of buf. Returns 0 with *ret filled (free with
 * bundle_record_done()) and the header's length in *ret_header_size; -EAGAIN if buf holds no complete
 * header yet but might once more bytes come; -EBADMSG with a static reason in *ret_error if it is
 * malformed, too long, or names an invalid path; -ENOMEM.
 */
int bundle_parse_header(
                const void *buf,
                size_t len,
                BundleRecord *ret,
                size_t *ret_header_size,
                const char **ret_error);

typedef struct BundleWriter BundleWriter;

/* Starts a bundle at offset 0 of fd, which must be empty. fd is borrowed, not closed, and written only
 * with pwrite(), so its file offset stays where it was (at 0, for the reader to start from).
 * max_size caps the whole bundle. */
int bundle_writer_new(BundleWriter **ret, int fd, uint64_t max_size);
BundleWriter *bundle_writer_free(BundleWriter *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(BundleWriter *, bundle_writer_free);

/* Opens a file record. path is normalised first; returns -EINVAL with a static reason in *ret_error if
 * it cannot be, -EBUSY if a record is open already. */
int bundle_writer_begin_file(BundleWriter *w, const char *path, const char **ret_error);
/* Opens an archive record. Returns -EBUSY if a record is open already. */
int bundle_writer_begin_archive(BundleWriter *w);
/* Appends to the open record: -EBADF if none is open, -E2BIG past max_size, or a write error. */
int bundle_writer_write(BundleWriter *w, const void *buf, size_t len);
/* Closes the open record, writing its final size into its header. */
int bundle_writer_end(BundleWriter *w);
/* After a write error or -E2BIG the bundle is unusable: every further call returns that error. */

/* Bytes written so far. */
uint64_t bundle_writer_size(const BundleWriter *w);
