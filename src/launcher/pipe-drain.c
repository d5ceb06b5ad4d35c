/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <unistd.h>

#include "pipe-drain.h"

int pipe_drain(int fd, pipe_chunk_t chunk, void *userdata) {
        char buf[PIPE_DRAIN_CHUNK];
        size_t total = 0;

        while (total < PIPE_DRAIN_MAX) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 1;
                if (n <= 0)
                        return 0;
                int r = chunk(buf, (size_t) n, userdata);
                if (r < 0)
                        return r;
                total += (size_t) n;
        }
        return 1;
}
