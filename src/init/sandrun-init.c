/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sandrun-init: PID 1 of every job. The runner starts it with a vfork-style clone straight into the job's
 * new namespaces and passes it, at fixed descriptor numbers (sandbox-wire.h), its plan as a sealed memfd,
 * the report pipe, the control pipe and the plan's own fds. It reads and checks the plan and then builds
 * the sandbox and runs the steps (sandbox-child.c). A fresh program rather than a fork of the runner, so
 * that nothing of any daemon's memory (keys, other clients' requests and outputs) is ever mapped in a
 * process a job can reach.
 */

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox-wire.h"

static int read_plan(int fd, char **ret_buf, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t done = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if (st.st_size <= 0 || (uint64_t) st.st_size > SANDBOX_WIRE_SIZE_MAX)
                return -E2BIG;
        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t n = pread(fd, buf + done, st.st_size - done, done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EBADMSG;
                done += n;
        }
        *ret_buf = TAKE_PTR(buf);
        *ret_len = done;
        return 0;
}

static void report_plan_failure(int error) {
        SandboxReport r = {
                .kind = SANDBOX_REPORT_SETUP_FAILED, .stage = SANDBOX_STAGE_PLAN, .step = -1, .error = error,
        };
        (void) !write(SANDBOX_INIT_FD_REPORT, &r, sizeof(r));
}

/*
 * A warm init's job: one 'J' packet on the control socket with the plan's memfd and then the plan's fds,
 * which go to SANDBOX_INIT_FD_FIRST and up where the plan names them. Anything else (end of file: the
 * runner gave the sandbox up) ends the init.
 */
static int receive_job(int control_fd, char **ret_buf, size_t *ret_len) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * SANDBOX_SEND_FDS_MAX)];
        } control;
        int fds[SANDBOX_SEND_FDS_MAX];
        size_t n_fds = 0;
        char c = 0;
        struct iovec iov = { .iov_base = &c, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t n;
        int r = 0;

        do
                n = recvmsg(control_fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && n_fds == 0) {
                        n_fds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        memcpy(fds, CMSG_DATA(h), n_fds * sizeof(int));
                }
        if (n != 1 || c != 'J' || n_fds == 0 || (mh.msg_flags & MSG_CTRUNC))
                r = n == 0 ? -ECANCELED : -EBADMSG;

        /* Each copied above every target first, so that putting one in place never overwrites another. */
        for (size_t i = 1; r >= 0 && i < n_fds; i++) {
                int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, SANDBOX_INIT_FD_FIRST + (int) n_fds);
                if (moved < 0)
                        r = -errno;
                else {
                        (void) close(fds[i]);
                        fds[i] = moved;
                }
        }
        for (size_t i = 1; r >= 0 && i < n_fds; i++)
                if (dup2(fds[i], SANDBOX_INIT_FD_FIRST + (int) i - 1) < 0)
                        r = -errno;
        if (r >= 0)
                r = read_plan(fds[0], ret_buf, ret_len);
        for (size_t i = 0; i < n_fds; i++)
                (void) close(fds[i]);
        return r;
}

static int run_warm(SandboxWire *warm) {
        _cleanup_free_ char *buf = NULL;
        SandboxPrefork prefork;
        SandboxWire *w = NULL;
        size_t len = 0;
        int signal_fd, r;

        signal_fd = sandbox_child_prepare(warm->plan, SANDBOX_INIT_FD_REPORT, SANDBOX_INIT_FD_CONTROL);
        /* The job's first step waits forked and confined. Its socket stays clear of the numbers
         * receive_job() puts the job's fds at. Without it (it could not be made), the step is forked when
         * the job comes, as in a cold init. */
        if (sandbox_child_prefork(warm->plan, SANDBOX_INIT_FD_REPORT,
                                  SANDBOX_INIT_FD_FIRST + SANDBOX_SEND_FDS_MAX, &prefork) < 0)
                prefork = (SandboxPrefork) {};
        r = receive_job(SANDBOX_INIT_FD_CONTROL, &buf, &len);
        /* Given up: our exit ends it too, as it ends every process of our PID namespace. */
        if (r == -ECANCELED)
                return 0;
        if (r >= 0)
                r = sandbox_wire_parse(buf, len, &w);
        if (r < 0) {
                report_plan_failure(-r);
                return 127;
        }
        free(TAKE_PTR(buf));
        sandbox_child_run(w->plan, SANDBOX_INIT_FD_REPORT, SANDBOX_INIT_FD_CONTROL, signal_fd, &prefork);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *buf = NULL;
        SandboxWire *w = NULL;
        size_t len = 0;
        int r;

        r = read_plan(SANDBOX_INIT_FD_PLAN, &buf, &len);
        if (r >= 0)
                r = sandbox_wire_parse(buf, len, &w);
        if (r < 0) {
                report_plan_failure(-r);
                return 127;
        }
        (void) close(SANDBOX_INIT_FD_PLAN);
        free(TAKE_PTR(buf));

        if (argc > 1 && strcmp(argv[1], "--warm") == 0)
                return run_warm(w);
        sandbox_child_main(w->plan, SANDBOX_INIT_FD_REPORT, SANDBOX_INIT_FD_CONTROL);
}
