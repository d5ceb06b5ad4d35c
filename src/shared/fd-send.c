/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fd-send.h"

ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, size_t n_fds, int flags) {
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(int) * FD_SEND_MAX)];
        } control = {};
        struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        assert(n_fds <= FD_SEND_MAX);
        if (n_fds > 0) {
                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        do
                n = sendmsg(sock, &mh, flags);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}
