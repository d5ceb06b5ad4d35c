/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Whole reads and writes, retried over short counts and EINTR. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes all len bytes to fd. Returns 0 or -errno. */
int loop_write(int fd, const void *buf, size_t len);

/* Writes all len bytes to fd at offset, leaving the file offset alone. Returns 0 or -errno. */
int loop_pwrite(int fd, const void *buf, size_t len, uint64_t offset);

/* Reads up to len bytes from fd at offset, stopping early only at end of file. Returns the number of
 * bytes read or -errno. */
ssize_t loop_pread(int fd, void *buf, size_t len, uint64_t offset);
