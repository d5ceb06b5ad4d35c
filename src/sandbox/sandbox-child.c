/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The job's init, the main work of sandrun-init: a program of its own, exec'd by the runner straight
 * into the job's new namespaces, that got its plan as bytes. Everything here is a plain system call on
 * data the runner prepared: no allocation (a step's process is a fork of this small program), no
 * logging, no stdio. Failures are reported through the report pipe and end the process.
 *
 * The order follows bubblewrap's: ids first (so the mounts are ours to make), then the root assembled on a
 * private tmpfs, pivot_root, and only after the daemon has moved us into the job's scope the cgroup
 * namespace and the steps. Each step drops every capability, sets no_new_privs and loads the seccomp
 * filter as the very last thing before execve().
 */

#include <assert.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/securebits.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd-send.h"
#include "sandbox.h"
#include "seccomp-policy.h"

/* Where the report pipe sits in a step's process while it sets itself up; close-on-exec. */
#define STEP_REPORT_FD 9

static void report_full(int fd, const SandboxReport *r) {
        ssize_t n;

        /* Smaller than PIPE_BUF, so the write is atomic even with several writers. */
        do
                n = write(fd, r, sizeof(*r));
        while (n < 0 && errno == EINTR);
}

static void report(int fd, SandboxReportKind kind, int stage, int step, int error, int status) {
        SandboxReport r = { .kind = kind, .stage = stage, .step = step, .error = error, .status = status };

        report_full(fd, &r);
}

_noreturn_ static void fail(int report_fd, SandboxReportKind kind, SandboxStage stage, int step, int error) {
        report(report_fd, kind, stage, step, error > 0 ? error : EIO, 0);
        _exit(127);
}

static int write_all(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                len -= n;
        }
        return 0;
}

static int write_file(const char *path, const char *data, int flags, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | flags, mode);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, strlen(data));
        close(fd);
        return r;
}

static int read_control(int control_fd);

/*
 * The runner, as the namespace's owner, has written our uid and gid maps by the time it says 'I'. Taking
 * the ids inside makes our kernel ids the plan's outer ones: a no-op when the runner is unprivileged (its
 * own ids are the only ones it can map, and we run as them already), the switch away from root when it
 * is root. Capabilities in our namespace are kept: neither the old nor the new uid is root in it.
 */
static int take_ids(const SandboxPlan *plan, int control_fd) {
        if (read_control(control_fd) != 'I')
                return -ECANCELED;
        if (plan->drop_groups && setgroups(0, NULL) < 0)
                return -errno;
        if (setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID) < 0)
                return -errno;
        if (setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID) < 0)
                return -errno;
        return 0;
}

/*
 * The spawner closed all but the plan's descriptors and our stdin, stdout and stderr before the execve;
 * this is the belt to those braces: a descriptor held here would stay open as long as this job runs.
 * Only the plan's own descriptors stay.
 */
static int close_inherited_fds(const SandboxPlan *plan, int report_fd, int control_fd) {
        int keep[3 + 4 * SANDBOX_STEPS_MAX];
        unsigned next = 0;
        size_t n = 0;

        keep[n++] = report_fd;
        keep[n++] = control_fd;
        keep[n++] = plan->code_fd;
        for (size_t i = 0; i < plan->n_steps; i++) {
                const SandboxStep *s = &plan->steps[i];
                keep[n++] = s->stdin_fd;
                keep[n++] = s->stdout_fd;
                keep[n++] = s->stderr_fd;
                keep[n++] = s->extra_fd;
        }
        /* A handful of numbers, and nothing may be allocated here: insertion sort. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
                        int t = keep[j];
                        keep[j] = keep[j - 1];
                        keep[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < 0 || (unsigned) keep[i] < next)
                        continue;
                if ((unsigned) keep[i] > next && close_range(next, keep[i] - 1, 0) < 0)
                        return -errno;
                next = keep[i] + 1;
        }
        return close_range(next, ~0U, 0) < 0 ? -errno : 0;
}

/* A new network namespace has its loopback down; without it a job could not even talk to itself. */
static int loopback_up(void) {
        struct ifreq ifr = { .ifr_name = "lo" };
        int fd, r = 0;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        else {
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                        r = -errno;
        }
        close(fd);
        return r;
}

/* Mount flags a user namespace may not clear on a bind of a mount it does not own. */
static unsigned long locked_flags(const char *path) {
        struct statvfs sv;
        unsigned long f = 0;

        if (statvfs(path, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

static int bind_remount(const char *source, const char *target, unsigned long extra) {
        if (mount(source, target, NULL, MS_BIND, NULL) < 0)
                return -errno;
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra | locked_flags(target), NULL) < 0)
                return -errno;
        return 0;
}

static int run_mount_op(const MountOp *op) {
        unsigned long flags;
        int fd;

        switch (op->type) {
        case MOUNT_OP_MKDIR:
                if (mkdir(op->target, op->mode) < 0 && errno != EEXIST)
                        return -errno;
                return 0;
        case MOUNT_OP_MKFILE:
                fd = open(op->target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, op->mode);
                if (fd < 0)
                        return -errno;
                close(fd);
                return 0;
        case MOUNT_OP_SYMLINK:
                return symlink(op->source, op->target) < 0 ? -errno : 0;
        case MOUNT_OP_WRITE_FILE:
                return write_file(op->target, op->source, O_CREAT | O_EXCL, op->mode);
        case MOUNT_OP_TMPFS:
                return mount(op->source, op->target, "tmpfs", op->flags, op->data) < 0 ? -errno : 0;
        case MOUNT_OP_BIND_RO:
                return bind_remount(op->source, op->target, MS_RDONLY | MS_NOSUID | MS_NODEV);
        case MOUNT_OP_BIND_DEV:
                return bind_remount(op->source, op->target, MS_NOSUID | MS_NOEXEC);
        case MOUNT_OP_PROC:
                return mount(op->source, op->target, "proc", op->flags, NULL) < 0 ? -errno : 0;
        case MOUNT_OP_PROC_RO:
                if (access(op->target, F_OK) < 0)
                        return 0;
                return bind_remount(op->target, op->target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        case MOUNT_OP_READ_ONLY:
                /* A remount must repeat the flags the mount keeps. */
                flags = MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(op->target);
                return mount(NULL, op->target, NULL, flags, NULL) < 0 ? -errno : 0;
        }
        return -EINVAL;
}

static void build_root(const SandboxLayout *l, int report_fd) {
        /* Nothing we mount may leak back to the host, nor host mount events reach us. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_MOUNT, -1, errno);

        for (size_t i = 0; i < l->n_ops; i++) {
                int r = run_mount_op(&l->ops[i]);
                if (r < 0)
                        fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_MOUNT, (int) i, -r);
        }

        /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only ours. */
        if (chdir(l->staging) < 0 ||
            syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 ||
            chdir("/") < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_PIVOT, -1, errno);

        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_PIVOT, -1, errno);
}

static int copy_code(int code_fd, const char *name) {
        char buf[16384];
        off_t off = 0;
        int fd, r = 0;

        fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = pread(code_fd, buf, sizeof(buf), off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                r = write_all(fd, buf, n);
                if (r < 0)
                        break;
                off += n;
        }
        close(fd);
        return r;
}

/* Puts `fds` at 0..n-1 (-EBADF: /dev/null for 0-2, closed above), whatever numbers they had before. */
static int install_fds(int *fds, size_t n, int report_fd) {
        int moved[4];

        for (size_t i = 0; i < n; i++) {
                int src = fds[i];
                if (src < 0 && i < 3)
                        src = open("/dev/null", O_RDWR | O_CLOEXEC);
                moved[i] = src < 0 ? -EBADF : fcntl(src, F_DUPFD_CLOEXEC, 16);
                if (src >= 0 && moved[i] < 0)
                        return -errno;
        }
        /* The sources were copied above 16, so overwriting whatever sits at STEP_REPORT_FD is fine. */
        if (report_fd != STEP_REPORT_FD && dup3(report_fd, STEP_REPORT_FD, O_CLOEXEC) < 0)
                return -errno;
        for (size_t i = 0; i < n; i++)
                if (moved[i] >= 0 && dup2(moved[i], (int) i) < 0)
                        return -errno;
        if (close_range(n, STEP_REPORT_FD - 1, 0) < 0 || close_range(STEP_REPORT_FD + 1, ~0U, 0) < 0)
                return -errno;
        return 0;
}

static int drop_privileges(const SandboxPlan *plan) {
        for (int c = 0; c <= plan->layout->cap_last; c++)
                if (cap_drop_bound(c) < 0 && errno != EINVAL)
                        return -errno;
        if (cap_reset_ambient() < 0)
                return -errno;
        /* Locked, so nothing the job runs can win capabilities back by becoming uid 0 in its namespace. */
        if (cap_set_secbits(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                            SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                            SECBIT_KEEP_CAPS_LOCKED |
                            SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
                return -errno;
        if (cap_set_proc(plan->no_caps) < 0)
                return -errno;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

/* A step's process starts with no signal blocked or handled, in a session of its own. */
static void step_reset_signals(void) {
        sigset_t none;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        (void) setsid();
}

/* Sets RLIMIT_CPU for a step with a CPU limit (0: none): SIGXCPU at the limit, SIGKILL a second later for
 * a program that catches it. */
static int step_cpu_limit(uint64_t cpu_limit_sec) {
        struct rlimit cpu = { cpu_limit_sec, cpu_limit_sec + 1 };

        if (cpu_limit_sec > 0 && setrlimit(RLIMIT_CPU, &cpu) < 0)
                return -errno;
        return 0;
}

/*
 * What a step's process does between its fds and its execve(): the work dir, umask, the layout's rlimits
 * (and the step's CPU limit), no privileges, the filter last. Returns -errno with the stage that failed.
 */
static int step_confine(const SandboxPlan *plan, uint64_t cpu_limit_sec, SandboxStage *ret_stage) {
        const SandboxLayout *l = plan->layout;
        int r;

        *ret_stage = SANDBOX_STAGE_FDS;
        if (chdir(SANDBOX_WORK_DIR) < 0)
                return -errno;
        umask(022);
        *ret_stage = SANDBOX_STAGE_LIMITS;
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (l->rlimit_set[i] && setrlimit(i, &l->rlimits[i]) < 0)
                        return -errno;
        r = step_cpu_limit(cpu_limit_sec);
        if (r < 0)
                return r;
        *ret_stage = SANDBOX_STAGE_CAPS;
        r = drop_privileges(plan);
        if (r < 0)
                return r;
        *ret_stage = SANDBOX_STAGE_SECCOMP;
        return seccomp_program_install(plan->seccomp);
}

_noreturn_ static void run_step(const SandboxPlan *plan, size_t idx, int report_fd) {
        const SandboxStep *s = &plan->steps[idx];
        int fds[4] = { s->stdin_fd, s->stdout_fd, s->stderr_fd, s->extra_fd };
        SandboxStage stage;
        int r;

        step_reset_signals();
        r = install_fds(fds, s->extra_fd >= 0 ? 4 : 3, report_fd);
        if (r < 0)
                fail(report_fd, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_FDS, (int) idx, -r);
        report_fd = STEP_REPORT_FD;

        r = step_confine(plan, s->options.cpu_limit_sec, &stage);
        if (r < 0)
                fail(report_fd, SANDBOX_REPORT_STEP_FAILED, stage, (int) idx, -r);

        execve(s->argv[0], s->argv, plan->envp ?: plan->layout->envp);
        fail(report_fd, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_EXEC, (int) idx, errno);
}

/*
 * A warm init's first step, pre-forked: its process does all of run_step() that does not depend on the
 * job while the sandbox waits for one (the signal reset, the limits, the capability drop and the filter,
 * which the kernel validates and JIT-compiles: together most of a step's start), then waits on a socket
 * for the go. The go carries the step's fds; the job's argv and environment are written by the init into
 * a region both share (mapped before the fork, so at the same address in both, and nothing is allocated
 * here). Until the go this process reports nothing: if its setup fails it just exits, and the init forks
 * the step as a cold init does, which reports the failure with its stage.
 */
typedef struct PreforkGo {
        char **argv;
        char **envp;
        uint64_t cpu_limit_sec;
        size_t n_fds;                   /* 3, or 4 with an extra fd */
        bool fd_sent[4];                /* which came with the go; the others are /dev/null, or none */
        char strings[];
} PreforkGo;

/* Room for the argv and environment of any ordinary job; a job with more forks its step after it came. */
#define PREFORK_SHARED_SIZE (128U << 10)

_noreturn_ static void prefork_child(const SandboxPlan *plan, int report_fd, int go_fd,
                                     const PreforkGo *go) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        int fds[4] = { -EBADF, -EBADF, -EBADF, -EBADF }, received[4];
        size_t n_received = 0, k = 0;
        SandboxStage stage;
        char c = 'R';
        struct iovec iov = { .iov_base = &c, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t n;
        int r;

        step_reset_signals();
        /* For whoever looks from outside (ps, tests): a step waiting for its job, not an init. Its execve
         * names it after its program. */
        (void) prctl(PR_SET_NAME, "sandrun-step", 0, 0, 0);
        /* Only the report pipe and the go socket stay. The socket waits at fd 0, which the step's stdin
         * replaces at the go. */
        if (install_fds(&go_fd, 1, report_fd) < 0 || step_confine(plan, 0, &stage) < 0)
                _exit(127);

        /* Ready: the init reads this when the job comes, and falls back on end of file instead. send(),
         * not write(): a write would count in the I/O figures (/proc/self/io) that its execve keeps. */
        if (send(0, &c, 1, MSG_NOSIGNAL) != 1)
                _exit(127);
        do
                n = recvmsg(0, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                _exit(0);       /* the init gave up on us: it forks the step itself, or the sandbox ends */

        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && n_received == 0) {
                        n_received = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        memcpy(received, CMSG_DATA(h), n_received * sizeof(int));
                }
        for (size_t i = 0; i < go->n_fds; i++)
                if (go->fd_sent[i])
                        fds[i] = k < n_received ? received[k++] : -EBADF;
        if (k != n_received || (mh.msg_flags & MSG_CTRUNC) || c != 'G')
                fail(STEP_REPORT_FD, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_FDS, 0, EBADMSG);
        r = install_fds(fds, go->n_fds, STEP_REPORT_FD);
        if (r < 0)
                fail(STEP_REPORT_FD, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_FDS, 0, -r);
        r = step_cpu_limit(go->cpu_limit_sec);
        if (r < 0)
                fail(STEP_REPORT_FD, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_LIMITS, 0, -r);

        execve(go->argv[0], go->argv, go->envp);
        fail(STEP_REPORT_FD, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_EXEC, 0, errno);
}

int sandbox_child_prefork(const SandboxPlan *plan, int report_fd, int go_fd_min, SandboxPrefork *ret) {
        int pair[2], go_fd;
        void *shared;

        assert(plan);
        assert(ret);

        shared = mmap(NULL, PREFORK_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
                return -errno;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                int r = -errno;
                (void) munmap(shared, PREFORK_SHARED_SIZE);
                return r;
        }
        go_fd = fcntl(pair[0], F_DUPFD_CLOEXEC, go_fd_min);
        (void) close(pair[0]);
        pid_t pid = go_fd < 0 ? -1 : fork();
        if (pid == 0)
                prefork_child(plan, report_fd, pair[1], shared);
        int r = pid < 0 ? -errno : 0;
        (void) close(pair[1]);
        if (r < 0) {
                if (go_fd >= 0)
                        (void) close(go_fd);
                (void) munmap(shared, PREFORK_SHARED_SIZE);
                return r;
        }
        *ret = (SandboxPrefork) { .pid = pid, .go_fd = go_fd, .shared = shared, .plan = plan };
        return 0;
}

/* Kills the pre-forked process (if there is one, and it was not given its go) and reaps it. */
static void prefork_drop(SandboxPrefork *pf) {
        if (!pf || pf->pid <= 0)
                return;
        (void) kill(pf->pid, SIGKILL);
        while (waitpid(pf->pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
        (void) close(pf->go_fd);
        (void) munmap(pf->shared, PREFORK_SHARED_SIZE);
        *pf = (SandboxPrefork) { .go_fd = -EBADF };
}

static bool rlimits_equal(const SandboxLayout *a, const SandboxLayout *b) {
        for (int i = 0; i < RLIM_NLIMITS; i++) {
                if (a->rlimit_set[i] != b->rlimit_set[i])
                        return false;
                if (a->rlimit_set[i] && (a->rlimits[i].rlim_cur != b->rlimits[i].rlim_cur ||
                                         a->rlimits[i].rlim_max != b->rlimits[i].rlim_max))
                        return false;
        }
        return true;
}

/*
 * Whether the pre-forked process is what a fork for step `s` of `plan` would be at its go: exactly the same
 * limits, privileges and filter, and the plain work dir (a fresh_fs step's /work is an overlay mounted
 * after the process took its cwd). Then whether it got that far: it wrote its ready byte, or it failed.
 */
static bool prefork_fits(const SandboxPrefork *pf, const SandboxPlan *plan, const SandboxStep *s) {
        const SandboxPlan *warm = pf->plan;
        size_t n = seccomp_program_size(warm->seccomp);
        ssize_t k;
        char c;

        if (s->options.fresh_fs || warm->layout->cap_last != plan->layout->cap_last ||
            !rlimits_equal(warm->layout, plan->layout) || cap_compare(warm->no_caps, plan->no_caps) != 0)
                return false;
        if (n == 0 || n != seccomp_program_size(plan->seccomp) ||
            memcmp(seccomp_program_insns(warm->seccomp), seccomp_program_insns(plan->seccomp),
                   n * SECCOMP_INSN_SIZE) != 0)
                return false;
        do
                k = read(pf->go_fd, &c, 1);
        while (k < 0 && errno == EINTR);
        return k == 1 && c == 'R';
}

/* Lays `strv` out at *pos in the shared region: returns the array's address there, or NULL if full. */
static char **prefork_put_strv(char *base, size_t *pos, char *const *strv) {
        size_t n = 0, need;

        while (strv[n])
                n++;
        need = (n + 1) * sizeof(char *);
        if (*pos % sizeof(char *) != 0)
                *pos += sizeof(char *) - *pos % sizeof(char *);
        if (*pos > PREFORK_SHARED_SIZE || need > PREFORK_SHARED_SIZE - *pos)
                return NULL;
        char **array = (char **) (base + *pos);
        *pos += need;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(strv[i]) + 1;
                if (len > PREFORK_SHARED_SIZE - *pos)
                        return NULL;
                array[i] = memcpy(base + *pos, strv[i], len);
                *pos += len;
        }
        array[n] = NULL;
        return array;
}

/* Gives the pre-forked process step `s`: its argv and environment, and its fds. Returns its pid. */
static pid_t prefork_go(SandboxPrefork *pf, const SandboxPlan *plan, const SandboxStep *s) {
        PreforkGo *go = pf->shared;
        const int step_fds[4] = { s->stdin_fd, s->stdout_fd, s->stderr_fd, s->extra_fd };
        int sent[4];
        size_t n_sent = 0, pos = offsetof(PreforkGo, strings);
        ssize_t n;

        go->argv = prefork_put_strv(pf->shared, &pos, s->argv);
        go->envp = go->argv ? prefork_put_strv(pf->shared, &pos, plan->envp ?: plan->layout->envp) : NULL;
        if (!go->envp)
                return -E2BIG;
        go->cpu_limit_sec = s->options.cpu_limit_sec;
        go->n_fds = s->extra_fd >= 0 ? 4 : 3;
        for (size_t i = 0; i < go->n_fds; i++) {
                go->fd_sent[i] = step_fds[i] >= 0;
                if (go->fd_sent[i])
                        sent[n_sent++] = step_fds[i];
        }
        n = send_with_fds(pf->go_fd, "G", 1, sent, n_sent, MSG_NOSIGNAL);
        if (n != 1)
                return n < 0 ? (pid_t) n : -EIO;

        /* From here on it is step 0's process; what it shares with us ends with its execve. */
        pid_t pid = pf->pid;
        (void) close(pf->go_fd);
        (void) munmap(pf->shared, PREFORK_SHARED_SIZE);
        *pf = (SandboxPrefork) { .go_fd = -EBADF };
        return pid;
}

/* Kills every other process in the job's PID namespace and reaps it; init is spared by the kernel. */
static void kill_all(void) {
        (void) kill(-1, SIGKILL);
        for (;;) {
                if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR)
                        break;
        }
}

static void close_step_fds(const SandboxStep *s) {
        const int fds[] = { s->stdin_fd, s->stdout_fd, s->stderr_fd, s->extra_fd };

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* What the daemon said on the control pipe: 'G', 'K', or 0 for end of file. */
static int read_control(int control_fd) {
        char c;
        ssize_t n;

        do
                n = read(control_fd, &c, 1);
        while (n < 0 && errno == EINTR);
        return n == 1 ? c : 0;
}

typedef enum StepOutcome {
        STEP_OUTCOME_EXITED,
        STEP_OUTCOME_KILLED,
        STEP_OUTCOME_RELEASED,
        STEP_OUTCOME_TIMED_OUT,
} StepOutcome;

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rusage_cpu_usec(const struct rusage *ru) {
        return (uint64_t) (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000 + ru->ru_utime.tv_usec +
               ru->ru_stime.tv_usec;
}

/*
 * A test case starts from the work dir as the compile left it: an overlay whose upper layer is a fresh
 * tmpfs, over the base /work, which no case can change. Its /tmp and /dev/shm are fresh too. The upper
 * layer's tmpfs is mounted at /tmp only until the overlay holds it, then detached, so no path reaches it.
 */
static int fresh_case_fs(const SandboxLayout *l, bool *overlaid) {
        const unsigned long flags = MS_NOSUID | MS_NODEV;

        if (!l->tmp_options || !l->work_options)
                return -EINVAL;
        if (*overlaid) {
                if (umount2(SANDBOX_WORK_DIR, MNT_DETACH) < 0)
                        return -errno;
                *overlaid = false;
        }
        if (umount2("/tmp", MNT_DETACH) < 0 ||
            mount("tmpfs", "/tmp", "tmpfs", flags, l->work_options) < 0 ||
            mkdir("/tmp/upper", 0755) < 0 || mkdir("/tmp/scratch", 0755) < 0 ||
            mount("overlay", SANDBOX_WORK_DIR, "overlay", flags,
                  "lowerdir=" SANDBOX_WORK_DIR ",upperdir=/tmp/upper,workdir=/tmp/scratch") < 0)
                return -errno;
        *overlaid = true;
        if (umount2("/tmp", MNT_DETACH) < 0 ||
            mount("tmpfs", "/tmp", "tmpfs", flags, l->tmp_options) < 0 ||
            umount2("/dev/shm", MNT_DETACH) < 0 ||
            mount("tmpfs", "/dev/shm", "tmpfs", flags, l->tmp_options) < 0)
                return -errno;
        return 0;
}

/* Waits for the step's process while watching the control pipe and the step's deadline (0: none). */
static StepOutcome wait_step(pid_t pid, int signal_fd, int control_fd, uint64_t deadline, int *ret_status,
                             struct rusage *ret_rusage) {
        struct pollfd p[2] = {
                { .fd = signal_fd, .events = POLLIN },
                { .fd = control_fd, .events = POLLIN },
        };

        for (;;) {
                int timeout = -1;
                if (deadline > 0) {
                        uint64_t now = monotonic_usec();
                        if (now >= deadline)
                                return STEP_OUTCOME_TIMED_OUT;
                        timeout = (int) MIN((deadline - now + 999) / 1000, (uint64_t) INT32_MAX);
                }
                int k = poll(p, 2, timeout);
                if (k == 0)
                        continue;
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return STEP_OUTCOME_RELEASED;
                }
                if (p[1].revents) {
                        int c = read_control(control_fd);
                        if (c == 'K')
                                return STEP_OUTCOME_KILLED;
                        if (c == 0)
                                return STEP_OUTCOME_RELEASED;
                }
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        (void) read(signal_fd, &si, sizeof(si));
                        for (;;) {
                                int status;
                                pid_t r = wait4(-1, &status, WNOHANG | __WALL, ret_rusage);
                                if (r <= 0)
                                        break;
                                if (r == pid) {
                                        *ret_status = status;
                                        return STEP_OUTCOME_EXITED;
                                }
                        }
                }
        }
}

int sandbox_child_prepare(const SandboxPlan *plan, int report_fd, int control_fd) {
        const SandboxLayout *l = plan->layout;
        sigset_t chld;
        int signal_fd, r;

        /* The ambient set only carried our capabilities (in our namespace) across the execve. */
        (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        /* The spawner blocked every signal around the clone; a step starts from an empty mask anyway. */
        sigemptyset(&chld);
        (void) sigprocmask(SIG_SETMASK, &chld, NULL);
        umask(022);
        r = close_inherited_fds(plan, report_fd, control_fd);
        if (r < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_FDS, -1, -r);
        /* Ours, not the spawner's (sandbox.c): made while the runner writes our id maps, not while it
         * waits for our execve. Owned by our user namespace as if the clone had made it; nothing but
         * this code ran in the runner's network namespace. */
        if (unshare(CLONE_NEWNET) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_LOOPBACK, -1, errno);

        r = take_ids(plan, control_fd);
        if (r == -ECANCELED)
                _exit(0);
        if (r < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_IDS, -1, -r);
        /* Keeps the job's processes from ptracing us or reading our /proc entries. Only now: until the
         * runner wrote our id maps, /proc/PID/uid_map had to stay ours. A change of ids also cleared the
         * parent-death signal the spawner set: if the runner dies, so does the job. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (sethostname(SANDBOX_HOSTNAME, strlen(SANDBOX_HOSTNAME)) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_HOSTNAME, -1, errno);
        r = loopback_up();
        if (r < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_LOOPBACK, -1, -r);
        build_root(l, report_fd);
        if (chdir(SANDBOX_WORK_DIR) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_PIVOT, -1, errno);

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 ||
            (signal_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_WAIT, -1, errno);

        report(report_fd, SANDBOX_REPORT_READY, 0, -1, 0, 0);
        if (read_control(control_fd) != 'G')
                _exit(0);

        /* Now inside the job's scope: its cgroup becomes the root of what the job can see. */
        if (unshare(CLONE_NEWCGROUP) < 0)
                fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_CGROUP_NS, -1, errno);
        return signal_fd;
}

_noreturn_ void sandbox_child_run(const SandboxPlan *plan, int report_fd, int control_fd, int signal_fd,
                                  SandboxPrefork *prefork) {
        const SandboxLayout *l = plan->layout;
        int r;

        if (plan->code_fd >= 0) {
                r = copy_code(plan->code_fd, plan->code_path);
                if (r < 0)
                        fail(report_fd, SANDBOX_REPORT_SETUP_FAILED, SANDBOX_STAGE_CODE, -1, -r);
                close(plan->code_fd);
        }

        bool released = false, overlaid = false;
        size_t started = 0;
        for (size_t i = 0; i < plan->n_steps; i++) {
                const SandboxStep *s = &plan->steps[i];
                struct rusage before = {}, after = {}, own = {};
                int status = 0;

                /* Only step 0 can use the pre-forked process: later steps come after kill_all(). */
                if (prefork && prefork->pid > 0 && !(i == 0 && prefork_fits(prefork, plan, s)))
                        prefork_drop(prefork);
                if (s->options.fresh_fs) {
                        r = fresh_case_fs(l, &overlaid);
                        if (r < 0)
                                fail(report_fd, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_CASE_FS, (int) i, -r);
                }
                (void) getrusage(RUSAGE_CHILDREN, &before);
                uint64_t start = monotonic_usec();
                /* Its setup CPU is counted in the step's like a forked process's own setup is: its rusage
                 * comes with it when it is reaped. */
                pid_t pid = prefork && prefork->pid > 0 ? prefork_go(prefork, plan, s) : -ESRCH;
                if (pid < 0 && prefork && prefork->pid > 0) {
                        prefork_drop(prefork);
                        (void) getrusage(RUSAGE_CHILDREN, &before);
                        start = monotonic_usec();
                }
                if (pid < 0)
                        pid = fork();
                if (pid < 0)
                        fail(report_fd, SANDBOX_REPORT_STEP_FAILED, SANDBOX_STAGE_EXEC, (int) i, errno);
                if (pid == 0)
                        run_step(plan, i, report_fd);
                close_step_fds(s);
                started = i + 1;

                uint64_t deadline = s->options.wall_limit_usec > 0 ? start + s->options.wall_limit_usec : 0;
                StepOutcome o = wait_step(pid, signal_fd, control_fd, deadline, &status, &own);
                uint64_t wall = monotonic_usec() - start;
                kill_all();
                if (o == STEP_OUTCOME_KILLED) {
                        report(report_fd, SANDBOX_REPORT_KILLED, 0, (int) i, 0, 0);
                        break;
                }
                if (o == STEP_OUTCOME_RELEASED) {
                        released = true;
                        break;
                }
                if (o == STEP_OUTCOME_TIMED_OUT)
                        status = SIGKILL; /* the wait status of a process killed by SIGKILL */
                (void) getrusage(RUSAGE_CHILDREN, &after);
                SandboxReport rep = {
                        .kind = SANDBOX_REPORT_STEP_EXITED,
                        .step = (int) i,
                        .error = o == STEP_OUTCOME_TIMED_OUT ? ETIME : 0,
                        .status = status,
                        .cpu_usec = rusage_cpu_usec(&after) - rusage_cpu_usec(&before),
                        .maxrss_kb = own.ru_maxrss,
                        .wall_usec = wall,
                };
                report_full(report_fd, &rep);

                /* A helper that failed, or a program that was killed, ends the plan, unless told otherwise. */
                bool ok = s->options.keep_going ||
                          (s->is_entrypoint ? !WIFSIGNALED(status) : WIFEXITED(status) && WEXITSTATUS(status) == 0);
                if (!ok)
                        break;
                if (s->options.pause_after && i + 1 < plan->n_steps) {
                        int c = read_control(control_fd);
                        if (c == 'K') {
                                report(report_fd, SANDBOX_REPORT_KILLED, 0, (int) i, 0, 0);
                                break;
                        }
                        if (c != 'G') {
                                released = true;
                                break;
                        }
                }
        }
        /* A plan of no steps never used it. */
        prefork_drop(prefork);
        /* Steps that never ran still hold pipe ends the daemon waits to see closed. */
        for (size_t i = started; i < plan->n_steps; i++)
                close_step_fds(&plan->steps[i]);

        if (!released) {
                report(report_fd, SANDBOX_REPORT_DONE, 0, -1, 0, 0);
                while (read_control(control_fd) != 0)
                        ;
        }
        _exit(0);
}

_noreturn_ void sandbox_child_main(const SandboxPlan *plan, int report_fd, int control_fd) {
        int signal_fd = sandbox_child_prepare(plan, report_fd, control_fd);

        sandbox_child_run(plan, report_fd, control_fd, signal_fd, NULL);
}
