/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <unistd.h>

#include "pipe-drain.h"
#include "tests.h"

static int count(const void *buf, size_t n, void *userdata) {
        *(size_t *) userdata += n;
        return 0;
}

static int fail(const void *buf, size_t n, void *userdata) {
        return -ENOSPC;
}

/* Fills a pipe of 1 MiB with bytes. */
static void fill(int fds[2], size_t *ret_written) {
        static char junk[65536];
        ssize_t n;
        size_t total = 0;

        ASSERT_TRUE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
        ASSERT_TRUE(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0);
        while ((n = write(fds[1], junk, sizeof(junk))) > 0)
                total += n;
        ASSERT_TRUE(n < 0 && errno == EAGAIN);
        *ret_written = total;
}

TEST(bounded_per_call) {
        int fds[2];
        size_t written, got = 0, calls = 0;

        fill(fds, &written);
        ASSERT_TRUE(written > PIPE_DRAIN_MAX);
        /* A full pipe: each call stops at the bound and says there may be more. */
        for (;;) {
                size_t before = got;
                int r = pipe_drain(fds[0], count, &got);
                calls++;
                ASSERT_TRUE(got - before <= PIPE_DRAIN_MAX);
                ASSERT_EQ(r, 1);
                if (got == written)
                        break;
                ASSERT_EQ(got - before, PIPE_DRAIN_MAX);
        }
        ASSERT_EQ(calls, (written + PIPE_DRAIN_MAX - 1) / PIPE_DRAIN_MAX);
        /* Empty and open: would block, still open. */
        ASSERT_EQ(pipe_drain(fds[0], count, &got), 1);
        ASSERT_TRUE(write(fds[1], "x", 1) == 1);
        ASSERT_TRUE(close(fds[1]) == 0);
        /* The last byte and the end in one call. */
        ASSERT_EQ(pipe_drain(fds[0], count, &got), 0);
        ASSERT_EQ(got, written + 1);
        close(fds[0]);
}

TEST(handler_error_stops) {
        int fds[2];
        size_t written;

        fill(fds, &written);
        ASSERT_ERROR(pipe_drain(fds[0], fail, NULL), ENOSPC);
        close(fds[0]);
        close(fds[1]);
}

TEST(closed_writer_at_once) {
        int fds[2];
        size_t got = 0;

        ASSERT_TRUE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
        close(fds[1]);
        ASSERT_EQ(pipe_drain(fds[0], count, &got), 0);
        ASSERT_EQ(got, 0);
        close(fds[0]);
}

TEST(discard) {
        int fds[2];
        size_t written;
        uint64_t dropped = 0;
        char c;

        fill(fds, &written);
        /* Bounded per call like a read, counted, and gone. */
        ASSERT_EQ(pipe_discard(fds[0], &dropped), 1);
        ASSERT_EQ(dropped, PIPE_DRAIN_MAX);
        while (dropped < written)
                ASSERT_EQ(pipe_discard(fds[0], &dropped), 1);
        ASSERT_EQ(dropped, written);
        ASSERT_TRUE(read(fds[0], &c, 1) < 0 && errno == EAGAIN);
        ASSERT_EQ(pipe_discard(fds[0], &dropped), 1);
        ASSERT_TRUE(write(fds[1], "xy", 2) == 2);
        close(fds[1]);
        ASSERT_EQ(pipe_discard(fds[0], &dropped), 0);
        ASSERT_EQ(dropped, written + 2);
        close(fds[0]);

        /* Not a pipe: read and counted all the same. */
        int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        ASSERT_TRUE(fd >= 0);
        dropped = 0;
        ASSERT_EQ(pipe_discard(fd, &dropped), 0);
        ASSERT_TRUE(dropped > 0);
        close(fd);
}

int main(void) {
        RUN(bounded_per_call);
        RUN(handler_error_stops);
        RUN(closed_writer_at_once);
        RUN(discard);
        return 0;
}
