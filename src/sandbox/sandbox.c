/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "strv.h"

static void step_done(SandboxStep *s) {
        strv_free(s->argv);
        safe_close(s->stdin_fd);
        safe_close(s->stdout_fd);
        safe_close(s->stderr_fd);
        safe_close(s->extra_fd);
}

SandboxPlan *sandbox_plan_free(SandboxPlan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_steps; i++)
                step_done(&p->steps[i]);
        if (p->no_caps)
                cap_free(p->no_caps);
        strv_free(p->envp);
        safe_close(p->code_fd);
        free(p->code_path);
        free(p);
        return NULL;
}

int sandbox_plan_new(SandboxPlan **ret, const SandboxLayout *layout, const SeccompProgram *seccomp) {
        _cleanup_(sandbox_plan_freep) SandboxPlan *p = NULL;

        p = calloc(1, sizeof(SandboxPlan));
        if (!p)
                return -ENOMEM;
        p->layout = layout;
        p->seccomp = seccomp;
        p->code_fd = -EBADF;
        /* An empty set: the child drops to it without allocating. */
        p->no_caps = cap_init();
        if (!p->no_caps)
                return -ENOMEM;
        *ret = TAKE_PTR(p);
        return 0;
}

int sandbox_plan_set_code(SandboxPlan *p, int code_fd, const char *name) {
        _cleanup_close_ int fd = code_fd;
        char *path;

        if (!name || !*name || strchr(name, '/'))
                return -EINVAL;
        path = strdup(name);
        if (!path)
                return -ENOMEM;
        free(p->code_path);
        p->code_path = path;
        safe_close(p->code_fd);
        p->code_fd = TAKE_FD(fd);
        return 0;
}

int sandbox_plan_set_env(SandboxPlan *p, char *const *envp) {
        char **c = strv_copy(envp);

        if (!c)
                return -ENOMEM;
        strv_free(p->envp);
        p->envp = c;
        return 0;
}

int sandbox_plan_add_step(SandboxPlan *p, char *const *argv, int stdin_fd, int stdout_fd, int stderr_fd,
                          int extra_fd, bool is_entrypoint) {
        SandboxStep s = {
                .stdin_fd = stdin_fd,
                .stdout_fd = stdout_fd,
                .stderr_fd = stderr_fd,
                .extra_fd = extra_fd,
                .is_entrypoint = is_entrypoint,
        };

        if (p->n_steps >= SANDBOX_STEPS_MAX || strv_length(argv) == 0 || argv[0][0] != '/') {
                step_done(&s);
                return -EINVAL;
        }
        s.argv = strv_copy(argv);
        if (!s.argv) {
                step_done(&s);
                return -ENOMEM;
        }
        p->steps[p->n_steps] = s;
        return (int) p->n_steps++;
}

int sandbox_plan_set_step_options(SandboxPlan *p, int idx, const SandboxStepOptions *options) {
        if (idx < 0 || (size_t) idx >= p->n_steps)
                return -EINVAL;
        p->steps[idx].options = *options;
        return 0;
}

const char *sandbox_stage_to_string(SandboxStage s) {
        static const char *const names[] = {
                [SANDBOX_STAGE_IDS] = "user namespace ids",
                [SANDBOX_STAGE_HOSTNAME] = "hostname",
                [SANDBOX_STAGE_MOUNT] = "mounts",
                [SANDBOX_STAGE_PIVOT] = "pivot_root",
                [SANDBOX_STAGE_CGROUP_NS] = "cgroup namespace",
                [SANDBOX_STAGE_CODE] = "program file",
                [SANDBOX_STAGE_WAIT] = "signal setup",
                [SANDBOX_STAGE_FDS] = "file descriptors",
                [SANDBOX_STAGE_LIMITS] = "resource limits",
                [SANDBOX_STAGE_CAPS] = "capabilities",
                [SANDBOX_STAGE_SECCOMP] = "seccomp filter",
                [SANDBOX_STAGE_EXEC] = "execve",
                [SANDBOX_STAGE_LOOPBACK] = "loopback",
                [SANDBOX_STAGE_CASE_FS] = "test case file systems",
        };

        if ((size_t) s >= ELEMENTSOF(names) || !names[s])
                return "unknown";
        return names[s];
}

int sandbox_report_parse(const void *buf, size_t len, SandboxReport *ret) {
        SandboxReport r;

        if (len != sizeof(r))
                return -EBADMSG;
        memcpy(&r, buf, sizeof(r));
        if (r.kind < SANDBOX_REPORT_READY || r.kind > SANDBOX_REPORT_DONE)
                return -EBADMSG;
        *ret = r;
        return 0;
}

int sandbox_spawn(SandboxPlan *plan, SandboxProcess *ret) {
        _cleanup_close_pair_ int report_pipe[2] = { -EBADF, -EBADF }, control_pipe[2] = { -EBADF, -EBADF };
        int pidfd = -EBADF;
        pid_t pid;

        if (pipe2(report_pipe, O_CLOEXEC) < 0 || pipe2(control_pipe, O_CLOEXEC) < 0)
                return -errno;

        /*
         * A raw clone, like fork() but entering the namespaces at once: the child is PID 1 of its
         * PID namespace from its first instruction, and we get a pidfd to wait on without PID reuse races.
         * The cgroup namespace comes later, once the child is in its scope.
         */
        pid = (pid_t) syscall(SYS_clone,
                              CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC |
                              CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD,
                              NULL, &pidfd, NULL, 0);
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                report_pipe[0] = safe_close(report_pipe[0]);
                control_pipe[1] = safe_close(control_pipe[1]);
                sandbox_child_main(plan, report_pipe[1], control_pipe[0]);
        }

        /* The child has its copies; ours must go, or the daemon would never see end of file on output. */
        for (size_t i = 0; i < plan->n_steps; i++) {
                SandboxStep *s = &plan->steps[i];
                s->stdin_fd = safe_close(s->stdin_fd);
                s->stdout_fd = safe_close(s->stdout_fd);
                s->stderr_fd = safe_close(s->stderr_fd);
                s->extra_fd = safe_close(s->extra_fd);
        }
        plan->code_fd = safe_close(plan->code_fd);

        *ret = (SandboxProcess) {
                .pid = pid,
                .pidfd = pidfd,
                .control_fd = TAKE_FD(control_pipe[1]),
                .report_fd = TAKE_FD(report_pipe[0]),
        };
        return 0;
}

static int send_control(SandboxProcess *p, char c) {
        ssize_t n;

        if (p->control_fd < 0)
                return -EBADF;
        do
                n = write(p->control_fd, &c, 1);
        while (n < 0 && errno == EINTR);
        return n == 1 ? 0 : -errno;
}

int sandbox_process_go(SandboxProcess *p) {
        return send_control(p, 'G');
}

int sandbox_process_kill(SandboxProcess *p) {
        return send_control(p, 'K');
}

void sandbox_process_release(SandboxProcess *p) {
        p->control_fd = safe_close(p->control_fd);
}

void sandbox_process_done(SandboxProcess *p) {
        p->control_fd = safe_close(p->control_fd);
        p->report_fd = safe_close(p->report_fd);
        p->pidfd = safe_close(p->pidfd);
}
