/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Tells from its first bytes whether an uploaded archive part is one sandrun-stage will unpack, so that
 * the daemon can refuse anything else as the part arrives, before starting a job. The format is decided
 * by the content, never by the file name. (extract.c decides again, with libarchive, in the sandbox.)
 */

#include <stddef.h>

#define ARCHIVE_SNIFF_BYTES 512U        /* enough to decide, whatever the archive */

typedef enum ArchiveKind {
        ARCHIVE_KIND_TAR = 1,
        ARCHIVE_KIND_GZIP,              /* presumably a tar.gz; what is inside is seen when unpacking */
        ARCHIVE_KIND_ZIP,
} ArchiveKind;

/* Returns the kind (> 0) of the data starting in buf; -EAGAIN if fewer than ARCHIVE_SNIFF_BYTES were
 * given and they do not decide yet (at the end of a part, that means it is none); -EMEDIUMTYPE if it is
 * none of them. */
int archive_sniff(const void *buf, size_t len);
