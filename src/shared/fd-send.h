/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sending bytes and file descriptors (SCM_RIGHTS) in one sendmsg(). */

#include <stddef.h>
#include <sys/types.h>

/* The kernel's own limit on descriptors in one message (SCM_MAX_FD). */
#define FD_SEND_MAX 253U

/* Sends len bytes of data with n_fds (at most FD_SEND_MAX; none when 0) descriptors, retried over EINTR.
 * flags as for sendmsg(). Returns the number of bytes sent, or -errno. */
ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, size_t n_fds, int flags);
