/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
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

static int count_dropped(const void *buf, size_t n, void *userdata) {
        *(uint64_t *) userdata += n;
        return 0;
}

int pipe_discard(int fd, uint64_t *dropped) {
        /* Opened once per process, on the first flood, and kept: close-on-exec like every fd. */
        static int null_fd = -EBADF;
        size_t total = 0;

        if (null_fd < 0)
                null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (null_fd < 0)
                return pipe_drain(fd, count_dropped, dropped);
        while (total < PIPE_DRAIN_MAX) {
                ssize_t n = splice(fd, NULL, null_fd, NULL, PIPE_DRAIN_MAX - total, SPLICE_F_NONBLOCK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 1;
                if (n < 0 && errno == EINVAL)
                        /* Not a pipe after all: read and count. */
                        return pipe_drain(fd, count_dropped, dropped);
                if (n <= 0)
                        return 0;
                *dropped += (uint64_t) n;
                total += (size_t) n;
        }
        return 1;
}

int pipe_source_setup(sd_event_source *s) {
        int r = sd_event_source_set_priority(s, PIPE_SOURCE_PRIORITY);
        return r < 0 ? r : sd_event_source_set_ratelimit(s, PIPE_RATELIMIT_INTERVAL_USEC, PIPE_RATELIMIT_BURST);
}
