/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writes out a bundle (see bundle.h) into the work directory: what `sandrun-stage unpack` does. */

#include "extract.h"

/*
 * Reads the bundle in bundle_fd from offset 0 with pread() (so it must be a regular file or memfd) and
 * writes its files below dirfd, replacing whatever non-directory is at their paths, and unpacks its
 * archives there (see extract.h). Files count against the limits as archive entries do, and share
 * usage with them. Files are created 0644 less the umask.
 * Returns 0; -EBADMSG for a malformed bundle or a refused path or archive; -E2BIG past a limit; another
 * -errno if a system call failed. Unless -ENOMEM, *ret_error gets a static reason for the client.
 */
int unbundle(int bundle_fd, int dirfd, const ExtractLimits *limits, ExtractUsage *usage,
             const char **ret_error);
