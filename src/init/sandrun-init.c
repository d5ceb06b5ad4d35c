/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sandrun-init: PID 1 of every job. The runner starts it with a vfork-style clone straight into the job's
 * new namespaces and passes it, at fixed descriptor numbers (sandbox-wire.h), its plan as a sealed memfd,
 * the report pipe, the control pipe and the plan's own fds. It reads and checks the plan and then builds
 * the sandbox and runs the steps (sandbox-child.c). A fresh program rather than a fork of the runner, so
 * that nothing of any daemon's memory (keys, other clients' requests and outputs) is ever mapped in a
 * process a job can reach.
 */

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

        sandbox_child_main(w->plan, SANDBOX_INIT_FD_REPORT, SANDBOX_INIT_FD_CONTROL);
}
