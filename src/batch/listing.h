/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The listing `sandrun-stage pack` writes next to the archive, one line per file packed:
 *
 *     {"path":"results/a.csv","size":123}
 *
 * The stage runs in the job's sandbox, where the job's own leftovers might meddle with it, so the daemon
 * reads these lines as untrusted input.
 */

#include <stddef.h>
#include <stdint.h>

#define LISTING_LINE_MAX 4096U          /* bytes of one line, newline excluded */

/* Formats a line, newline included, into a new string. path must be a normal upload path. Returns 0,
 * -EINVAL, -ENOMEM. */
int listing_format_line(const char *path, uint64_t size, char **ret_line);

/* Parses one line (len bytes, without its newline). Returns 0 with a new string in *ret_path, a normal
 * upload path, and *ret_size; -EBADMSG if the line is not exactly such an object or is over
 * LISTING_LINE_MAX; -ENOMEM. */
int listing_parse_line(const char *buf, size_t len, char **ret_path, uint64_t *ret_size);
