/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <string.h>
#include <sys/socket.h>

#include "fd-send.h"
#include "runner-socket.h"

int runner_socket_send(int fd, const RunnerMessage *m, const int *fds, unsigned n_fds) {
        _cleanup_free_ void *buf = NULL;
        size_t len;
        ssize_t n;
        int r;

        assert(n_fds <= RUNNER_FDS_MAX);
        r = runner_message_encode(m, &buf, &len);
        if (r < 0)
                return r;
        n = send_with_fds(fd, buf, len, fds, n_fds, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0)
                return n == -EWOULDBLOCK ? -EAGAIN : (int) n;
        return (size_t) n == len ? 0 : -EIO;
}

static void close_all(int *fds, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                fds[i] = safe_close(fds[i]);
}

int runner_socket_receive(int fd, void *buf, RunnerMessage *ret, int ret_fds[static RUNNER_FDS_MAX],
                          unsigned *ret_n_fds) {
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(int) * RUNNER_FDS_MAX)];
        } control;
        int fds[RUNNER_FDS_MAX];
        unsigned n_fds = 0;
        bool too_many = false;
        ssize_t n;
        int r;

        struct iovec iov = { .iov_base = buf, .iov_len = RUNNER_MESSAGE_MAX };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        do
                n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int f;
                        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (n_fds < RUNNER_FDS_MAX)
                                fds[n_fds++] = f;
                        else {
                                safe_close(f);
                                too_many = true;
                        }
                }
        }
        /* End of file, unless an empty packet came (a protocol error, but not the end). */
        if (n == 0 && n_fds == 0 && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
                return 0;
        if (too_many || (mh.msg_flags & MSG_CTRUNC)) {
                close_all(fds, n_fds);
                return -ETOOMANYREFS;
        }
        if (mh.msg_flags & MSG_TRUNC) {
                close_all(fds, n_fds);
                return -E2BIG;
        }

        RunnerMessage m;
        r = runner_message_parse(buf, (size_t) n, &m);
        if (r < 0) {
                close_all(fds, n_fds);
                return r == -ENOMEM ? r : r == -E2BIG || r == -EPROTONOSUPPORT ? r : -EBADMSG;
        }
        if (runner_message_n_fds(&m) != n_fds) {
                runner_message_done(&m);
                close_all(fds, n_fds);
                return -ETOOMANYREFS;
        }
        memcpy(ret_fds, fds, sizeof(int) * n_fds);
        *ret_n_fds = n_fds;
        *ret = m;
        return 1;
}
