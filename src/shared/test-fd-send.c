/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-send.h"
#include "tests.h"

/* Receives one message: its bytes into buf, its descriptors into fds; returns the byte count. */
static ssize_t receive(int sock, char *buf, size_t len, int *fds, size_t *ret_n_fds) {
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(int) * 8)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

        *ret_n_fds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        *ret_n_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        memcpy(fds, CMSG_DATA(c), *ret_n_fds * sizeof(int));
                }
        return n;
}

static ino_t inode(int fd) {
        struct stat st;

        ASSERT_TRUE(fstat(fd, &st) == 0);
        return st.st_ino;
}

TEST(bytes_and_fds) {
        int pair[2], pipe_fds[2], got[8];
        char buf[16] = {};
        size_t n_got;

        ASSERT_TRUE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
        ASSERT_TRUE(pipe2(pipe_fds, O_CLOEXEC) == 0);

        /* Descriptors arrive as new numbers for the same files, in order. */
        ASSERT_EQ(send_with_fds(pair[0], "J", 1, pipe_fds, 2, MSG_NOSIGNAL), 1);
        ASSERT_EQ(receive(pair[1], buf, sizeof(buf), got, &n_got), 1);
        ASSERT_EQ(buf[0], 'J');
        ASSERT_EQ(n_got, 2);
        ASSERT_EQ(inode(got[0]), inode(pipe_fds[0]));
        ASSERT_EQ(inode(got[1]), inode(pipe_fds[1]));
        close(got[0]);
        close(got[1]);

        /* None: just the bytes, no control message. */
        ASSERT_EQ(send_with_fds(pair[0], "hello", 5, NULL, 0, MSG_NOSIGNAL), 5);
        ASSERT_EQ(receive(pair[1], buf, sizeof(buf), got, &n_got), 5);
        ASSERT_TRUE(memcmp(buf, "hello", 5) == 0);
        ASSERT_EQ(n_got, 0);

        /* A peer that is gone is an error, not a signal. */
        close(pair[1]);
        ASSERT_ERROR(send_with_fds(pair[0], "x", 1, pipe_fds, 1, MSG_NOSIGNAL), EPIPE);
        /* Not a descriptor: EBADF from the kernel, nothing sent. */
        int bad = 1000;
        ASSERT_ERROR(send_with_fds(pair[0], "x", 1, &bad, 1, MSG_NOSIGNAL), EBADF);
        close(pair[0]);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
}

int main(void) {
        RUN(bytes_and_fds);
        return 0;
}
