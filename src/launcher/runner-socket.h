/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runner protocol messages over a SOCK_SEQPACKET socket: one message per packet, its descriptors as
 * SCM_RIGHTS. Shared by both ends.
 */

#include "runner-protocol.h"

/* Encodes and sends `m` with `n_fds` descriptors (not taken). -EAGAIN when the socket is full. */
int runner_socket_send(int fd, const RunnerMessage *m, const int *fds, unsigned n_fds);

/*
 * Receives one message without blocking. Returns 1 with *ret (to be runner_message_done()'d) and its
 * descriptors (as many as its FDS field announces, close-on-exec, now the caller's), 0 at end of file,
 * -EAGAIN when nothing is queued. A message that is malformed, too big or carries descriptors it did not
 * announce is consumed, its descriptors closed, and answered with -EBADMSG, -E2BIG, -EPROTONOSUPPORT or
 * -ETOOMANYREFS: the connection itself is still good. Any other error is the connection's.
 * `buf` must hold RUNNER_MESSAGE_MAX bytes.
 */
int runner_socket_receive(int fd, void *buf, RunnerMessage *ret, int ret_fds[static RUNNER_FDS_MAX],
                          unsigned *ret_n_fds);

/* Whether an error from runner_socket_receive() is about one message only. */
static inline bool runner_socket_error_is_message(int r) {
        return r == -EBADMSG || r == -E2BIG || r == -EPROTONOSUPPORT || r == -ETOOMANYREFS;
}
