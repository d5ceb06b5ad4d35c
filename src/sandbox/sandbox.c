/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#include "fd-send.h"
#include "sandbox-wire.h"
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
        p->outer_uid = layout->outer_uid;
        p->outer_gid = layout->outer_gid;
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
                [SANDBOX_STAGE_PLAN] = "sandbox plan",
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

static int send_control(SandboxProcess *p, char c);

/* What the clone child needs, prepared by the parent: the child allocates nothing and only replays it. */
typedef struct SpawnArgs {
        const char *init_path;
        char *const *argv;
        char *const *envp;
        const int *fds;                 /* become SANDBOX_INIT_FD_PLAN, REPORT, CONTROL, then FIRST... */
        size_t n_fds;
        int cap_last;
        volatile int error;             /* shared memory: the child's errno if it could not exec */
} SpawnArgs;

/*
 * Runs in the clone child, on its own stack but in the daemon's memory (CLONE_VM), with every signal
 * blocked, until the execve. So: no allocation, no locks, no logging; only system calls.
 */
static int spawn_child(void *userdata) {
        SpawnArgs *a = userdata;
        int moved[3 + SANDBOX_WIRE_FDS_MAX];
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];

        /* If the daemon dies, so does the job. (sandrun-init sets it again once it changed its ids.) */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                goto fail;

        /* Copied above every target first, so that putting one in place never overwrites another's source. */
        for (size_t i = 0; i < a->n_fds; i++) {
                moved[i] = fcntl(a->fds[i], F_DUPFD_CLOEXEC, (int) (SANDBOX_INIT_FD_PLAN + a->n_fds));
                if (moved[i] < 0)
                        goto fail;
        }
        for (size_t i = 0; i < a->n_fds; i++)
                if (dup2(moved[i], SANDBOX_INIT_FD_PLAN + (int) i) < 0)
                        goto fail;
        /* Everything of the daemon's beyond them goes, close-on-exec or not. 0-2 stay until the init
         * closes them, so that a dynamic linker's complaint still reaches the journal. */
        if (close_range(SANDBOX_INIT_FD_PLAN + a->n_fds, ~0U, 0) < 0)
                goto fail;

        /*
         * The clone made us all-capable in the new user namespace, but execve() recomputes capabilities
         * and our uid is not root there. Ambient capabilities survive it: the init keeps, in its own
         * namespace only, what it needs to build the sandbox, and drops all of them for every step.
         */
        if (capget(&h, d) < 0)
                goto fail;
        d[0].inheritable = d[0].permitted;
        d[1].inheritable = d[1].permitted;
        if (capset(&h, d) < 0)
                goto fail;
        for (int c = 0; c <= a->cap_last; c++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EINVAL)
                        goto fail;

        execve(a->init_path, a->argv, a->envp);
fail:
        a->error = errno ?: EIO;
        _exit(127);
}

static int write_proc_file(pid_t pid, const char *name, const char *data) {
        char path[64];
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(data);
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, name);
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = write(fd, data, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/*
 * The init's ids, written by us as the namespace's owner: unprivileged, a single line mapping our own
 * ids, with setgroups denied first (the kernel's rule); as root, any one uid and gid of the plan's.
 */
static int write_id_maps(pid_t pid, const SandboxPlan *plan) {
        char map[64];
        int r;

        if (!plan->drop_groups) {
                r = write_proc_file(pid, "setgroups", "deny");
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        snprintf(map, sizeof(map), "%u %u 1\n", SANDBOX_GID, (unsigned) plan->outer_gid);
        r = write_proc_file(pid, "gid_map", map);
        if (r < 0)
                return r;
        snprintf(map, sizeof(map), "%u %u 1\n", SANDBOX_UID, (unsigned) plan->outer_uid);
        return write_proc_file(pid, "uid_map", map);
}

static int plan_memfd(const char *buf, size_t len) {
        _cleanup_close_ int fd = -EBADF;

        fd = memfd_create("sandrun-plan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                done += n;
        }
        /* Sealed: the init reads exactly what was planned, whoever else holds the fd. */
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* An init that was started but cannot be used: kill and reap it. */
static void kill_and_reap(pid_t pid, int pidfd) {
        (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        (void) waitpid(pid, NULL, __WALL);
}

/* The init has its copies of the plan's fds; ours must go, or the daemon would never see end of file on
 * output. */
static void plan_close_fds(SandboxPlan *plan) {
        for (size_t i = 0; i < plan->n_steps; i++) {
                SandboxStep *s = &plan->steps[i];
                s->stdin_fd = safe_close(s->stdin_fd);
                s->stdout_fd = safe_close(s->stdout_fd);
                s->stderr_fd = safe_close(s->stderr_fd);
                s->extra_fd = safe_close(s->extra_fd);
        }
        plan->code_fd = safe_close(plan->code_fd);
}

static int spawn(SandboxPlan *plan, const char *init_path, bool warm, SandboxProcess *ret) {
        _cleanup_close_pair_ int report_pipe[2] = { -EBADF, -EBADF }, control_pipe[2] = { -EBADF, -EBADF };
        _cleanup_close_ int plan_fd = -EBADF, pidfd = -EBADF;
        _cleanup_free_ char *wire = NULL;
        int fds[3 + SANDBOX_WIRE_FDS_MAX];
        size_t wire_len, n_plan_fds;
        sigset_t all, saved;
        pid_t pid;
        int r;

        plan->drop_groups = geteuid() == 0;
        r = sandbox_wire_build(plan, &wire, &wire_len, fds + 3, &n_plan_fds);
        if (r < 0)
                return r;
        plan_fd = plan_memfd(wire, wire_len);
        if (plan_fd < 0)
                return plan_fd;
        if (pipe2(report_pipe, O_CLOEXEC) < 0)
                return -errno;
        /* A warm init gets its job's plan later, with the plan's fds: over a socket, not a pipe. */
        if (warm ? socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control_pipe) < 0
                 : pipe2(control_pipe, O_CLOEXEC) < 0)
                return -errno;
        fds[0] = plan_fd;
        fds[1] = report_pipe[1];
        fds[2] = control_pipe[0];

        char *const argv[] = { (char *) "sandrun-init", warm ? (char *) "--warm" : NULL, NULL };
        char *const envp[] = { NULL };
        SpawnArgs a = {
                .init_path = init_path,
                .argv = argv,
                .envp = envp,
                .fds = fds,
                .n_fds = 3 + n_plan_fds,
                .cap_last = plan->layout->cap_last,
        };
        /* The child's stack: ours is not used while we wait for its execve. */
        _Alignas(16) char stack[16384];

        /*
         * CLONE_VM|CLONE_VFORK as posix_spawn() does: no page tables copied, no copy-on-write faults, and
         * the daemon's memory never belongs to the job, which runs only after the execve. The namespaces
         * are entered at once, so the init is PID 1 of its own PID namespace from its first instruction;
         * the pidfd lets us wait on it without PID reuse races. Two come later, made by the init itself:
         * the network namespace (the costliest to make, about 0.4 ms that would block us, and with us
         * every other job and refill), before it takes its ids; the cgroup namespace once it is in its
         * scope. Signals stay blocked while the child borrows our memory, so that no handler of ours runs
         * in it.
         */
        sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, &saved);
        pid = clone(spawn_child, stack + sizeof(stack),
                    CLONE_VM | CLONE_VFORK | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
                    CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD,
                    &a, &pidfd);
        r = -errno;
        (void) sigprocmask(SIG_SETMASK, &saved, NULL);
#ifdef __SANITIZE_ADDRESS__
        /* The child's instrumented frames poisoned parts of `stack` and never unwound (it exec'd): clear
         * that, or AddressSanitizer blames whatever later reuses this stack. */
        __asan_unpoison_memory_region(stack, sizeof(stack));
#endif
        if (pid < 0)
                return r;
        if (a.error != 0) {
                (void) waitpid(pid, NULL, __WALL);
                return -a.error;
        }

        r = write_id_maps(pid, plan);
        if (r < 0) {
                kill_and_reap(pid, pidfd);
                return r;
        }

        plan_close_fds(plan);

        SandboxProcess p = {
                .pid = pid,
                .pidfd = TAKE_FD(pidfd),
                .control_fd = TAKE_FD(control_pipe[1]),
                .report_fd = TAKE_FD(report_pipe[0]),
        };
        /* Its ids are in place: the init may take them. */
        r = send_control(&p, 'I');
        if (r < 0) {
                kill_and_reap(p.pid, p.pidfd);
                sandbox_process_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int sandbox_spawn(SandboxPlan *plan, const char *init_path, SandboxProcess *ret) {
        return spawn(plan, init_path, false, ret);
}

int sandbox_spawn_warm(SandboxPlan *plan, const char *init_path, SandboxProcess *ret) {
        assert(plan->n_steps == 0 && plan->code_fd < 0);
        return spawn(plan, init_path, true, ret);
}

int sandbox_process_send_plan(SandboxProcess *p, SandboxPlan *plan) {
        _cleanup_free_ char *wire = NULL;
        _cleanup_close_ int plan_fd = -EBADF;
        int fds[1 + SANDBOX_WIRE_FDS_MAX];
        size_t wire_len, n_fds;
        ssize_t n;
        int r;

        if (p->control_fd < 0)
                return -EBADF;
        plan->drop_groups = geteuid() == 0;
        r = sandbox_wire_build(plan, &wire, &wire_len, fds + 1, &n_fds);
        if (r < 0)
                return r;
        if (1 + n_fds > SANDBOX_SEND_FDS_MAX)
                return -E2BIG;
        plan_fd = plan_memfd(wire, wire_len);
        if (plan_fd < 0)
                return plan_fd;
        fds[0] = plan_fd;

        n = send_with_fds(p->control_fd, "J", 1, fds, 1 + n_fds, MSG_NOSIGNAL);
        if (n < 0)
                return (int) n;
        plan_close_fds(plan);
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
