/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Probes the compiled policy from a child that installed it. Arguments are chosen so that a call the
 * filter lets through fails in the kernel with an errno the filter never returns for it (EBADF, EFAULT,
 * EINVAL, ...), while a call that hits no rule gets the default ENOSYS: so every refusal asserted here
 * fails if its rule is removed, and every allowed call shows it was let through. Last, the interpreters
 * jobs use run under the policy doing ordinary work (threads, subprocesses, pipes, files, timers); one
 * that is not installed is skipped, loudly.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#  include <asm/unistd.h>
#endif

#include "seccomp-policy.h"
#include "tests.h"

static SeccompProgram *program;

typedef struct Probe {
        const char *name;
        long nr;
        long args[6];
        int expected_errno;
} Probe;

#define PROBE(call, err, ...) { #call, SYS_##call, { __VA_ARGS__ }, err }
#define BAD_PTR 1L

/* Refused with EPERM; if let through they would fail differently (or, as vhangup without a controlling
 * terminal, succeed). */
static const Probe probes_refused[] = {
        PROBE(unshare, EPERM, 0x1 /* CSIGNAL bit: EINVAL in the kernel */),
        PROBE(setns, EPERM, -1, 0),
        PROBE(mount, EPERM, 0, 0, 0, 0, 0),
        PROBE(umount2, EPERM, 0, 0),
        PROBE(pivot_root, EPERM, 0, 0),
        PROBE(chroot, EPERM, 0),
        PROBE(open_tree, EPERM, -1, 0, 0),
        PROBE(move_mount, EPERM, -1, 0, -1, 0, 0),
        PROBE(fsopen, EPERM, 0, 0),
        PROBE(fsconfig, EPERM, -1, 0, 0, 0, 0),
        PROBE(fsmount, EPERM, -1, 0, 0),
        PROBE(fspick, EPERM, -1, 0, 0),
        PROBE(mount_setattr, EPERM, -1, 0, 0, 0, 0),
        PROBE(io_uring_setup, EPERM, 0, 0),
        PROBE(io_uring_enter, EPERM, -1, 0, 0, 0, 0, 0),
        PROBE(io_uring_register, EPERM, -1, 0, 0, 0),
        PROBE(bpf, EPERM, -1, 0, 0),
        PROBE(perf_event_open, EPERM, 0, 0, -1, -1, 0),
        PROBE(userfaultfd, EPERM, -1),
        PROBE(keyctl, EPERM, -1, 0, 0, 0, 0),
        PROBE(add_key, EPERM, 0, 0, 0, 0, 0),
        PROBE(request_key, EPERM, 0, 0, 0, 0),
        PROBE(ptrace, EPERM, -1, 0, 0, 0),
        PROBE(process_vm_readv, EPERM, 0, 0, 0, 0, 0, 1 /* flags must be 0 */),
        PROBE(process_vm_writev, EPERM, 0, 0, 0, 0, 0, 1),
        PROBE(process_madvise, EPERM, -1, 0, 0, 0, 0),
        PROBE(kcmp, EPERM, -1, -1, -1, 0, 0),
        PROBE(pidfd_getfd, EPERM, -1, -1, 0),
        PROBE(move_pages, EPERM, 0, 0, 0, 0, 0, -1),
        PROBE(migrate_pages, EPERM, -1, 0, 0, 0),
        PROBE(kexec_load, EPERM, 0, 0, 0, -1),
        PROBE(kexec_file_load, EPERM, -1, -1, 0, 0, -1),
        PROBE(init_module, EPERM, 0, 0, 0),
        PROBE(finit_module, EPERM, -1, 0, 0),
        PROBE(delete_module, EPERM, 0, 0),
        PROBE(reboot, EPERM, 0, 0, 0, 0),
        PROBE(swapon, EPERM, 0, 0),
        PROBE(swapoff, EPERM, 0),
        PROBE(acct, EPERM, BAD_PTR),
        PROBE(syslog, EPERM, -1, 0, 0),
        PROBE(quotactl, EPERM, 0, 0, 0, 0),
        PROBE(quotactl_fd, EPERM, -1, 0, 0, 0),
        PROBE(sethostname, EPERM, 0, -1),
        PROBE(setdomainname, EPERM, 0, -1),
        PROBE(vhangup, EPERM),
        PROBE(lookup_dcookie, EPERM, 0, 0, 0),
        PROBE(settimeofday, EPERM, BAD_PTR, 0),
        PROBE(clock_settime, EPERM, -1, 0),
        PROBE(clock_adjtime, EPERM, -1, 0),
        PROBE(adjtimex, EPERM, 0),
        PROBE(open_by_handle_at, EPERM, -1, 0, 0),
        PROBE(name_to_handle_at, EPERM, -1, 0, 0, 0, 0),
        PROBE(fanotify_init, EPERM, -1, 0),
        PROBE(fanotify_mark, EPERM, -1, 0, 0, -1, 0),
#if defined(__x86_64__)
        PROBE(iopl, EPERM, 4),
        PROBE(ioperm, EPERM, 0x10000, 1, 1),
        PROBE(modify_ldt, EPERM, -1, 0, 0),
        PROBE(uselib, EPERM, 0),
        PROBE(nfsservctl, EPERM, 0, 0, 0),
        PROBE(create_module, EPERM, 0, 0),
        PROBE(query_module, EPERM, 0, 0, 0, 0, 0),
        PROBE(get_kernel_syms, EPERM, 0),
#endif
};

/* Let through: the kernel's own error proves the call reached it. */
static const Probe probes_allowed[] = {
        PROBE(read, EBADF, -1, 0, 0),
        PROBE(write, EBADF, -1, 0, 0),
        PROBE(readv, EBADF, -1, 0, 0),
        PROBE(pwrite64, EBADF, -1, 0, 0, 0),
        PROBE(preadv2, EBADF, -1, 0, 0, 0, 0, 0),
        PROBE(openat, EFAULT, AT_FDCWD, 0, 0),
        PROBE(openat2, EFAULT, AT_FDCWD, 0, 0, 24),
        PROBE(close, EBADF, -1),
        PROBE(close_range, EINVAL, 2, 1, 0),
        PROBE(lseek, EBADF, -1, 0, 0),
        PROBE(dup, EBADF, -1),
        PROBE(dup3, EBADF, -1, 100, 0),
        PROBE(fcntl, EBADF, -1, F_GETFD),
        PROBE(flock, EBADF, -1, LOCK_SH),
        PROBE(fsync, EBADF, -1),
        PROBE(fdatasync, EBADF, -1),
        PROBE(ftruncate, EBADF, -1, 0),
        PROBE(fallocate, EBADF, -1, 0, 0, 1),
        PROBE(fadvise64, EBADF, -1, 0, 0, 0),
        PROBE(sendfile, EBADF, -1, -1, 0, 1),
        PROBE(splice, EBADF, -1, 0, -1, 0, 1, 0),
        PROBE(copy_file_range, EBADF, -1, 0, -1, 0, 1, 0),
        PROBE(pipe2, EFAULT, 0, 0),
        PROBE(newfstatat, EFAULT, AT_FDCWD, 0, 0, 0),
        PROBE(statx, EFAULT, AT_FDCWD, 0, 0, 0, 0),
        PROBE(fstat, EBADF, -1, 0),
        PROBE(statfs, EFAULT, 0, 0),
        PROBE(faccessat2, EFAULT, AT_FDCWD, 0, 0, 0),
        PROBE(getdents64, EBADF, -1, 0, 0),
        PROBE(getcwd, ERANGE, 0, 0),
        PROBE(chdir, EFAULT, 0),
        PROBE(fchdir, EBADF, -1),
        PROBE(mkdirat, EFAULT, AT_FDCWD, 0, 0),
        PROBE(unlinkat, EFAULT, AT_FDCWD, 0, 0),
        PROBE(renameat2, EFAULT, AT_FDCWD, 0, AT_FDCWD, 0, 0),
        PROBE(linkat, EFAULT, AT_FDCWD, 0, AT_FDCWD, 0, 0),
        PROBE(symlinkat, EFAULT, 0, AT_FDCWD, 0),
        PROBE(readlinkat, EINVAL, AT_FDCWD, 0, 0, 0),
        PROBE(fchmodat, EFAULT, AT_FDCWD, 0, 0),
        PROBE(fchownat, EFAULT, AT_FDCWD, 0, 0, 0, 0),
        PROBE(mknodat, EFAULT, AT_FDCWD, 0, 0, 0),
        PROBE(fgetxattr, EFAULT, -1, 0, 0, 0),
        PROBE(inotify_init1, EINVAL, -1),
        PROBE(mmap, EINVAL, 0, 0, 0, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
        PROBE(munmap, EINVAL, 1, 0),
        PROBE(mprotect, EINVAL, 1, 1, 0),
        PROBE(mremap, EINVAL, 0, 0, 0, 0, 0),
        PROBE(madvise, EINVAL, 1, 1, 0),
        PROBE(msync, EINVAL, 1, 1, 0),
        PROBE(mlock2, EINVAL, 0, 0, -1),
        PROBE(membarrier, EINVAL, -1, 0, 0),
        PROBE(memfd_create, EFAULT, 0, 0),
        PROBE(execve, EFAULT, 0, 0, 0),
        PROBE(execveat, EFAULT, AT_FDCWD, 0, 0, 0, 0),
        PROBE(wait4, EINVAL, -1, 0, -1, 0),
        PROBE(waitid, EINVAL, -1, 0, 0, 0, 0),
        PROBE(set_robust_list, EINVAL, 0, 0),
        PROBE(futex, EFAULT, 0, 0 /* FUTEX_WAIT */, 0, 0),
        PROBE(rseq, EINVAL, 0, 0, -1, 0),
        PROBE(tgkill, EINVAL, -1, -1, 0),
        PROBE(tkill, EINVAL, -1, 0),
        PROBE(pidfd_open, EINVAL, -1, 0),
        PROBE(pidfd_send_signal, EBADF, -1, 0, 0, 0),
        PROBE(setuid, EINVAL, -1),
        PROBE(getgroups, EINVAL, -1, 0),
        PROBE(capget, EFAULT, 0, 0),
        PROBE(prlimit64, EINVAL, 0, -1, 0, 0),
        PROBE(getrusage, EINVAL, -5, 0),
        PROBE(getpriority, EINVAL, -1, 0),
        PROBE(ioprio_get, EINVAL, -1, 0),
        PROBE(sched_getaffinity, EINVAL, 0, 0, 0),
        PROBE(sched_setaffinity, EINVAL, 0, 0, 0),
        PROBE(sched_getattr, EINVAL, 0, 0, 0, 0),
        PROBE(uname, EFAULT, 0),
        PROBE(sysinfo, EFAULT, 0),
        PROBE(getrandom, EINVAL, 0, 1, -1),
        PROBE(rt_sigaction, EINVAL, -1, 0, 0, 8),
        PROBE(rt_sigprocmask, EINVAL, SIG_BLOCK, 0, 0, 7 /* sigsetsize */),
        PROBE(rt_sigtimedwait, EINVAL, 0, 0, 0, 0),
        PROBE(sigaltstack, EFAULT, BAD_PTR, 0),
        PROBE(signalfd4, EINVAL, -1, 0, 0, 0),
        PROBE(clock_gettime, EINVAL, -1, 0),
        PROBE(clock_getres, EINVAL, -1, 0),
        PROBE(clock_nanosleep, EFAULT, CLOCK_MONOTONIC, 0, 0, 0),
        PROBE(nanosleep, EFAULT, 0, 0),
        PROBE(timer_create, EFAULT, CLOCK_MONOTONIC, 0, 0),
        PROBE(timerfd_create, EINVAL, -1, 0),
        PROBE(setitimer, EINVAL, -1, 0, 0),
        PROBE(pselect6, EINVAL, -1, 0, 0, 0, 0, 0),
        PROBE(ppoll, EFAULT, 0, 1, 0, 0, 8),
        PROBE(epoll_create1, EINVAL, -1),
        PROBE(epoll_pwait, EBADF, -1, 0, 1, 0, 0, 8),
        PROBE(eventfd2, EINVAL, 0, -1),
        PROBE(bind, EBADF, -1, 0, 0),
        PROBE(connect, EBADF, -1, 0, 0),
        PROBE(listen, EBADF, -1, 0),
        PROBE(accept4, EBADF, -1, 0, 0, 0),
        PROBE(getsockname, EBADF, -1, 0, 0),
        PROBE(sendto, EBADF, -1, 0, 0, 0, 0, 0),
        PROBE(recvmsg, EBADF, -1, 0, 0),
        PROBE(sendmmsg, EBADF, -1, 0, 0, 0),
        PROBE(shutdown, EBADF, -1, 0),
        PROBE(setsockopt, EBADF, -1, 0, 0, 0, 0),
        PROBE(shmctl, EINVAL, -1, IPC_STAT, 0),
        PROBE(semctl, EINVAL, -1, 0, IPC_STAT, 0),
        PROBE(msgctl, EINVAL, -1, IPC_STAT, 0),
        PROBE(mq_unlink, EFAULT, 0),
        PROBE(seccomp, EINVAL, -1, 0, 0),
        /* clone without namespace flags passes; CLONE_THREAD without CLONE_SIGHAND is the kernel's EINVAL */
        PROBE(clone, EINVAL, CLONE_THREAD, 0, 0, 0, 0),
#if defined(__x86_64__)
        PROBE(open, EFAULT, 0, 0),
        PROBE(stat, EFAULT, 0, 0),
        PROBE(access, EFAULT, 0, 0),
        PROBE(pipe, EFAULT, 0),
        PROBE(poll, EFAULT, 0, 1, 0),
        PROBE(select, EINVAL, -1, 0, 0, 0, 0),
        PROBE(epoll_create, EINVAL, 0),
        PROBE(epoll_wait, EBADF, -1, 0, 1, 0),
        PROBE(dup2, EBADF, -1, 0),
        PROBE(getdents, EBADF, -1, 0, 0),
        PROBE(arch_prctl, EINVAL, -1, 0),
#endif
};

/* Not on any list: the default answer makes them look absent. Natively each fails otherwise. */
static const Probe probes_absent[] = {
        PROBE(clone3, ENOSYS, 0, 0),
        PROBE(io_setup, ENOSYS, 0, 0),
        PROBE(mbind, ENOSYS, 0, 0, 0, 0, 0, -1),
        PROBE(landlock_create_ruleset, ENOSYS, 0, 0, -1),
};

/* Runs a probe table and returns how many probes failed, naming each. */
static unsigned run_probes(const Probe *probes, size_t n) {
        unsigned failed = 0;

        for (size_t i = 0; i < n; i++) {
                const Probe *p = &probes[i];
                long r;

                errno = 0;
                r = syscall(p->nr, p->args[0], p->args[1], p->args[2], p->args[3], p->args[4], p->args[5]);
                if (r != -1 || errno != p->expected_errno) {
                        fprintf(stderr, "    %s(%#lx, ...) = %ld, errno %s; expected %s\n", p->name,
                                p->args[0], r, strerrorname_np(errno) ?: "0",
                                strerrorname_np(p->expected_errno));
                        failed++;
                }
        }
        return failed;
}

static void wait_for(pid_t pid, int *ret_status) {
        while (waitpid(pid, ret_status, 0) < 0)
                ASSERT_EQ(errno, EINTR);
}

static void describe(const char *what, int status) {
        if (WIFEXITED(status))
                fprintf(stderr, "    %s: exited %d\n", what, WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                fprintf(stderr, "    %s: killed by SIG%s\n", what, sigabbrev_np(WTERMSIG(status)) ?: "?");
}

/* Forks, installs the policy in the child and runs fn(userdata) there (unfiltered if filtered is false).
 * Returns the child's wait status; fn signals failure by aborting or exiting non-zero. */
static int run_in_child(void (*fn)(const void *userdata), const void *userdata, bool filtered) {
        pid_t pid;
        int status;

        fflush(stderr);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                struct rlimit no_core = {};

                (void) setrlimit(RLIMIT_CORE, &no_core);
                (void) setsid();        /* no controlling terminal, so a leaked vhangup() is harmless */
                if (filtered) {
                        ASSERT_TRUE(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
                        ASSERT_OK(seccomp_program_install(program));
                }
                fn(userdata);
                _exit(EXIT_SUCCESS);
        }
        wait_for(pid, &status);
        return status;
}

static void assert_child_succeeds(void (*fn)(const void *userdata), const void *userdata, const char *what) {
        int status = run_in_child(fn, userdata, true);

        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                describe(what, status);
                ASSERT_TRUE(false);
        }
}

static void assert_child_killed_by_sigsys(void (*fn)(const void *userdata), const char *what) {
        int status = run_in_child(fn, NULL, true);

        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS) {
                describe(what, status);
                ASSERT_TRUE(false);
        }
}

static void probe_tables(const void *userdata) {
        unsigned failed = 0;

        failed += run_probes(probes_refused, ELEMENTSOF(probes_refused));
        failed += run_probes(probes_allowed, ELEMENTSOF(probes_allowed));
        failed += run_probes(probes_absent, ELEMENTSOF(probes_absent));
        ASSERT_EQ(failed, 0);
}

TEST(syscall_tables) {
        assert_child_succeeds(probe_tables, NULL, "probe tables");
}

static void *thread_returns_arg(void *arg) {
        return arg;
}

static void probe_clone(const void *userdata) {
        static const unsigned long namespace_flags[] = {
                CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                CLONE_NEWCGROUP, CLONE_NEWTIME,
        };
        static int thread_arg;
        pthread_t thread;
        void *result = NULL;
        pid_t pid;
        int status;

        /* With CLONE_THREAD but no CLONE_SIGHAND the kernel would say EINVAL, so EPERM is the filter's. */
        for (size_t i = 0; i < ELEMENTSOF(namespace_flags); i++) {
                errno = 0;
                ASSERT_EQ(syscall(SYS_clone, namespace_flags[i] | CLONE_THREAD, 0, 0, 0, 0), -1);
                ASSERT_EQ(errno, EPERM);
        }
        /* Only the low 32 bits reach the kernel's flags; they are what is checked. */
        errno = 0;
        ASSERT_EQ(syscall(SYS_clone, (1UL << 32) | CLONE_NEWUSER | CLONE_THREAD, 0, 0, 0, 0), -1);
        ASSERT_EQ(errno, EPERM);

        /* glibc tries clone3 first and falls back to clone, for processes and threads alike. */
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                _exit(42);
        wait_for(pid, &status);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 42);

        ASSERT_EQ(pthread_create(&thread, NULL, thread_returns_arg, &thread_arg), 0);
        ASSERT_EQ(pthread_join(thread, &result), 0);
        ASSERT_TRUE(result == &thread_arg);
}

TEST(clone_without_namespaces) {
        assert_child_succeeds(probe_clone, NULL, "clone");
}

static void probe_personality(const void *userdata) {
        static const unsigned long allowed[] = { PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, PER_LINUX };
        static const unsigned long refused[] = {
                ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, PER_BSD, PER_LINUX32 | ADDR_NO_RANDOMIZE, 0xfffffffe,
                (1UL << 32) | ADDR_NO_RANDOMIZE,
        };

        ASSERT_EQ(syscall(SYS_personality, 0xffffffffUL), PER_LINUX);
        /* The kernel reads an unsigned int; so does the filter. */
        ASSERT_EQ(syscall(SYS_personality, (1UL << 32) | 0xffffffffUL), PER_LINUX);
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
                ASSERT_TRUE(syscall(SYS_personality, allowed[i]) >= 0);
                ASSERT_EQ(syscall(SYS_personality, 0xffffffffUL), (long) allowed[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                errno = 0;
                ASSERT_EQ(syscall(SYS_personality, refused[i]), -1);
                ASSERT_EQ(errno, EPERM);
        }
}

TEST(personality) {
        assert_child_succeeds(probe_personality, NULL, "personality");
}

static void assert_ioctl(unsigned long request, int expected_errno) {
        errno = 0;
        ASSERT_EQ(syscall(SYS_ioctl, -1, request, 0), -1);
        if (errno != expected_errno)
                fprintf(stderr, "    ioctl(%#lx): %s\n", request, strerrorname_np(errno) ?: "0");
        ASSERT_EQ(errno, expected_errno);
}

static void probe_ioctl(const void *userdata) {
        assert_ioctl(TIOCSTI, EPERM);
        assert_ioctl(TIOCLINUX, EPERM);
        /* The kernel truncates the request to 32 bits, so high bits must not smuggle TIOCSTI past. */
        assert_ioctl(0xffffffff00000000UL | TIOCSTI, EPERM);
        assert_ioctl((1UL << 32) | TIOCLINUX, EPERM);
        /* Neighbours and everything else reach the kernel (EBADF for fd -1). */
        assert_ioctl(TIOCSTI - 1, EBADF);
        assert_ioctl(TIOCSTI + 1, EBADF);
        assert_ioctl(TIOCLINUX + 1, EBADF);
        assert_ioctl(TIOCGWINSZ, EBADF);
        assert_ioctl(FIONREAD, EBADF);
        assert_ioctl(0x80000000UL | TIOCSTI, EBADF);
        assert_ioctl(0, EBADF);
        assert_ioctl(0xffffffffUL, EBADF);
}

TEST(ioctl) {
        assert_child_succeeds(probe_ioctl, NULL, "ioctl");
}

static void assert_socket(long nr, unsigned long family, int type, int expected_errno) {
        int fds[2];
        long r;

        errno = 0;
        r = nr == SYS_socketpair ? syscall(nr, family, type, 0, fds) : syscall(nr, family, type, 0);
        if (expected_errno == 0) {
                ASSERT_TRUE(r >= 0);
                if (nr == SYS_socketpair) {
                        close(fds[0]);
                        close(fds[1]);
                } else
                        close((int) r);
                return;
        }
        if (r != -1 || errno != expected_errno)
                fprintf(stderr, "    %s(%#lx, %d): %ld, %s\n", nr == SYS_socketpair ? "socketpair" : "socket",
                        family, type, r, strerrorname_np(errno) ?: "0");
        ASSERT_EQ(r, -1);
        ASSERT_EQ(errno, expected_errno);
}

static void probe_socket(const void *userdata) {
        static const unsigned long refused[] = {
                AF_UNSPEC, AF_NETLINK, AF_PACKET, AF_VSOCK, AF_ALG, AF_BLUETOOTH, AF_KEY, AF_CAN,
                AF_XDP, AF_MAX, 0x7fffffff, (1UL << 32) | AF_NETLINK,
        };

        assert_socket(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_socket(SYS_socket, (1UL << 32) | AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        /* An invalid type makes the kernel answer EINVAL: proof the family got through. */
        assert_socket(SYS_socket, AF_INET, -1, EINVAL);
        assert_socket(SYS_socket, AF_INET6, -1, EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                assert_socket(SYS_socket, refused[i], SOCK_RAW | SOCK_CLOEXEC, EAFNOSUPPORT);
                assert_socket(SYS_socketpair, refused[i], SOCK_STREAM | SOCK_CLOEXEC, EAFNOSUPPORT);
        }

        assert_socket(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_socket(SYS_socketpair, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, EAFNOSUPPORT);
        assert_socket(SYS_socketpair, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, EAFNOSUPPORT);
}

TEST(socket_families) {
        assert_child_succeeds(probe_socket, NULL, "socket");
}

static void assert_ip_socket(unsigned long family, int type, unsigned long protocol, int expected_errno) {
        long r;

        errno = 0;
        r = syscall(SYS_socket, family, type, protocol);
        if (expected_errno == 0) {
                ASSERT_TRUE(r >= 0);
                close((int) r);
                return;
        }
        if (r != -1 || errno != expected_errno)
                fprintf(stderr, "    socket(%#lx, %d, %#lx): %ld, %s\n", family, type, protocol, r,
                        strerrorname_np(errno) ?: "0");
        ASSERT_EQ(r, -1);
        ASSERT_EQ(errno, expected_errno);
}

static void probe_ip_protocols(const void *userdata) {
        static const unsigned long families[] = { AF_INET, AF_INET6 };
        static const unsigned long refused[] = {
                IPPROTO_SCTP, IPPROTO_DCCP, IPPROTO_UDPLITE, IPPROTO_MPTCP, IPPROTO_ICMP, IPPROTO_ICMPV6,
                IPPROTO_IGMP, IPPROTO_RAW, 115 /* L2TP */, 0x7fffffff, 0xffffffff,
                /* The kernel reads the protocol as an int: high bits must not get a refused one through. */
                (1UL << 32) | IPPROTO_SCTP,
        };

        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                assert_ip_socket(families[f], SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
                assert_ip_socket(families[f], SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP, 0);
                assert_ip_socket(families[f], SOCK_DGRAM | SOCK_CLOEXEC, 0, 0);
                assert_ip_socket(families[f], SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP, 0);
                assert_ip_socket(families[f], SOCK_STREAM | SOCK_CLOEXEC, (1UL << 32) | IPPROTO_TCP, 0);
                for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                        for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type++)
                                assert_ip_socket(families[f], type | SOCK_CLOEXEC, refused[i],
                                                 EPROTONOSUPPORT);
        }
        /* Unix sockets are not filtered on the protocol: PF_UNIX (1) works as well as 0. */
        assert_ip_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, PF_UNIX, 0);
}

static void probe_rlimit_core(const void *userdata) {
        struct rlimit lim, one = { 1, 1 }, none = {};
        long r;

        /* Reading works, through both calls. */
        ASSERT_EQ(getrlimit(RLIMIT_CORE, &lim), 0);
        ASSERT_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &lim), 0);
        /* Any change, even to the same value, and a pointer whose low half alone is zero: refused. */
        errno = 0;
        ASSERT_EQ(syscall(SYS_setrlimit, RLIMIT_CORE, &none), -1);
        ASSERT_EQ(errno, EPERM);
        errno = 0;
        ASSERT_EQ(syscall(SYS_setrlimit, (1UL << 32) | RLIMIT_CORE, &one), -1);
        ASSERT_EQ(errno, EPERM);
        errno = 0;
        ASSERT_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &none, NULL), -1);
        ASSERT_EQ(errno, EPERM);
        errno = 0;
        ASSERT_EQ(syscall(SYS_prlimit64, 0, RLIMIT_CORE, 1UL << 32, NULL), -1);
        ASSERT_EQ(errno, EPERM);
        /* Other limits can still be changed. */
        ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
        ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
        r = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, NULL);
        ASSERT_EQ(r, 0);
}

TEST(rlimit_core_fixed) {
        assert_child_succeeds(probe_rlimit_core, NULL, "RLIMIT_CORE");
}

TEST(socket_ip_protocols) {
        assert_child_succeeds(probe_ip_protocols, NULL, "socket protocols");
}

static void probe_prctl(const void *userdata) {
        char name[16] = {};

        ASSERT_EQ(prctl(PR_SET_NAME, "seccomp-probe", 0, 0, 0), 0);
        ASSERT_EQ(prctl(PR_GET_NAME, name, 0, 0, 0), 0);
        ASSERT_STREQ(name, "seccomp-probe");
        ASSERT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
        ASSERT_EQ(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), 0);
        ASSERT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
        ASSERT_EQ(syscall(SYS_prctl, (1UL << 32) | PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);

        /* These succeed without the filter (see test_prctl_refused); EINVAL here is the filter's. */
        errno = 0;
        ASSERT_EQ(prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), -1);
        ASSERT_EQ(errno, EINVAL);
        errno = 0;
        ASSERT_EQ(prctl(PR_GET_TIMING, 0, 0, 0, 0), -1);
        ASSERT_EQ(errno, EINVAL);
        errno = 0;
        ASSERT_EQ(syscall(SYS_prctl, (1UL << 32) | PR_MCE_KILL_GET, 0, 0, 0, 0), -1);
        ASSERT_EQ(errno, EINVAL);
        errno = 0;
        ASSERT_EQ(prctl(0x7fffffff, 0, 0, 0, 0), -1);
        ASSERT_EQ(errno, EINVAL);
}

TEST(prctl_refused) {
        ASSERT_TRUE(prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) >= 0);
        ASSERT_TRUE(prctl(PR_GET_TIMING, 0, 0, 0, 0) >= 0);
        assert_child_succeeds(probe_prctl, NULL, "prctl");
}

#if defined(__x86_64__)
static void *x32_getpid(void *arg) {
        (void) syscall(__X32_SYSCALL_BIT | __NR_getpid);
        return NULL;
}

/* From a second thread, so that only KILL_PROCESS (not KILL_THREAD) ends the whole child. */
static void probe_x32(const void *userdata) {
        pthread_t thread;

        ASSERT_EQ(pthread_create(&thread, NULL, x32_getpid, NULL), 0);
        (void) pthread_join(thread, NULL);
}

static long int80_getpid(void) {
        long ret;

        /* The i386 entry; getpid is 20 there. The kernel zeroes r8-r11 on the way back. */
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
        return ret;
}

static void probe_i386(const void *userdata) {
        ASSERT_EQ(int80_getpid(), getpid());
}

TEST(foreign_abis_are_killed) {
        int status;

        assert_child_killed_by_sigsys(probe_x32, "x32 system call");

        status = run_in_child(probe_i386, NULL, false);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "    no i386 emulation in this kernel, skipping the int 0x80 probe\n");
                return;
        }
        assert_child_killed_by_sigsys(probe_i386, "i386 system call");
}
#endif

typedef struct Interpreter {
        const char *argv[4];
        const char *expected_output;
} Interpreter;

static const Interpreter interpreters[] = {
        { { "/usr/bin/python3", "-c",
            "import threading, subprocess, multiprocessing\n"
            "out = []\n"
            "t = threading.Thread(target=lambda: out.append(sum(range(10))))\n"
            "t.start(); t.join()\n"
            "r = subprocess.run(['/bin/echo', 'child'], capture_output=True, text=True, check=True)\n"
            "with multiprocessing.Pool(2) as pool:\n"
            "    squares = pool.map(abs, [-1, -2])\n"
            "print(out[0], r.stdout.strip(), squares)\n" },
          "45 child [1, 2]\n" },
        { { "/usr/bin/node", "-e",
            "const fs = require('fs'), cp = require('child_process'), os = require('os');\n"
            "const f = require('path').join(os.tmpdir(), 'sandrun-seccomp-' + process.pid);\n"
            "fs.writeFileSync(f, 'data');\n"
            "fs.promises.readFile(f, 'utf8').then(d => {\n"
            "  fs.unlinkSync(f);\n"
            "  setTimeout(() => console.log(d, cp.execFileSync('/bin/echo', ['child']).toString().trim()), 10);\n"
            "});\n" },
          "data child\n" },
        { { "/bin/bash", "-c",
            "echo hello | tr a-z A-Z | (read x; echo \"$x $((6 * 7))\"); cat <(echo substituted)" },
          "HELLO 42\nsubstituted\n" },
        { { "/bin/sh", "-c", "a=$(echo x | cat); echo \"$a\"" },
          "x\n" },
        { { "/usr/bin/perl", "-e",
            "pipe(R, W) or die; my $p = fork() // die;\n"
            "if (!$p) { close R; print W \"kid\\n\"; exit 0 }\n"
            "close W; my $l = <R>; waitpid($p, 0); print \"got $l\" if $? == 0;\n" },
          "got kid\n" },
};

static char *const environment[] = { (char *) "PATH=/usr/bin:/bin", (char *) "HOME=/tmp", (char *) "LC_ALL=C", NULL };

/* Reads everything until EOF into buf (NUL-terminated, truncated at size - 1). */
static void read_all(int fd, char *buf, size_t size) {
        size_t n = 0;

        for (;;) {
                ssize_t k = read(fd, buf + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                ASSERT_TRUE(k >= 0);
                if (k == 0 || n + k == size - 1) {
                        n += k;
                        break;
                }
                n += k;
        }
        buf[n] = 0;
}

typedef struct InterpreterRun {
        const Interpreter *interpreter;
        int stdout_fd;
} InterpreterRun;

static void exec_interpreter(const void *userdata) {
        const InterpreterRun *run = userdata;

        alarm(30);      /* survives execve: a hung interpreter dies of SIGALRM */
        ASSERT_TRUE(dup2(run->stdout_fd, STDOUT_FILENO) == STDOUT_FILENO);
        execve(run->interpreter->argv[0], (char **) run->interpreter->argv, environment);
        _exit(127);
}

TEST(interpreters) {
        for (size_t i = 0; i < ELEMENTSOF(interpreters); i++) {
                const Interpreter *in = &interpreters[i];
                _cleanup_close_pair_ int out[2] = { -EBADF, -EBADF };
                char output[4096];
                int status;

                if (access(in->argv[0], X_OK) < 0) {
                        fprintf(stderr, "    SKIPPED %s: not installed\n", in->argv[0]);
                        continue;
                }
                fprintf(stderr, "    %s\n", in->argv[0]);

                /* The outputs are far smaller than a pipe's buffer, so reading after the wait is fine. */
                ASSERT_TRUE(pipe2(out, O_CLOEXEC) == 0);
                status = run_in_child(exec_interpreter, &(InterpreterRun) { in, out[1] }, true);
                out[1] = safe_close(out[1]);
                read_all(out[0], output, sizeof(output));

                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !streq(output, in->expected_output)) {
                        describe(in->argv[0], status);
                        fprintf(stderr, "    output \"%s\", expected \"%s\"\n", output, in->expected_output);
                        ASSERT_TRUE(false);
                }
        }
}

static void install_without_nnp(const void *userdata) {
        ASSERT_ERROR(seccomp_program_install(program), EACCES);
        ASSERT_ERROR(seccomp_program_install(NULL), EINVAL);
        ASSERT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
}

TEST(install_requires_no_new_privs) {
        int status = run_in_child(install_without_nnp, NULL, false);

        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(compile) {
        _cleanup_(seccomp_program_freep) SeccompProgram *again = NULL;

        ASSERT_TRUE(seccomp_program_size(program) > 0);
        ASSERT_TRUE(seccomp_program_size(program) <= 4096);     /* BPF_MAXINSNS */
        fprintf(stderr, "    %zu instructions\n", seccomp_program_size(program));

        ASSERT_OK(seccomp_program_compile(&again));
        ASSERT_EQ(seccomp_program_size(again), seccomp_program_size(program));
        ASSERT_ERROR(seccomp_program_compile(NULL), EINVAL);
        ASSERT_TRUE(seccomp_program_free(NULL) == NULL);
        ASSERT_EQ(seccomp_program_size(NULL), 0);
}

int main(void) {
        ASSERT_OK(seccomp_program_compile(&program));

        RUN(compile);
        RUN(install_requires_no_new_privs);
        RUN(syscall_tables);
        RUN(clone_without_namespaces);
        RUN(personality);
        RUN(ioctl);
        RUN(socket_families);
        RUN(socket_ip_protocols);
        RUN(rlimit_core_fixed);
        RUN(prctl_refused);
#if defined(__x86_64__)
        RUN(foreign_abis_are_killed);
#endif
        RUN(interpreters);

        program = seccomp_program_free(program);
        return 0;
}
