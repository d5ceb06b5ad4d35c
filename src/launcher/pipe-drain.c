/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pipe-drain.h"

int pipe_drain(int fd, pipe_chunk_t chunk, void *userdata) {
        char buf[PIPE_DRAIN_CHUNK];
        size_t total = 0;
        int r = 1;

        while (total < PIPE_DRAIN_MAX) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        r = 0;
                        break;
                }
                r = chunk(buf, (size_t) n, userdata);
                if (r < 0)
                        break;
                r = 1;
                total += (size_t) n;
        }
        /* A job's output must not linger on our stack. */
        explicit_bzero(buf, sizeof(buf));
        return r;
}
