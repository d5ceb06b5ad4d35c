/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The job's seccomp policy: an allowlist, because sandrun runs hostile code from the internet.
 *
 * - Anything not listed fails with ENOSYS, so system calls newer than this list look absent and libc and
 *   runtimes take their fallback paths. clone3 is deliberately left off (libseccomp will not take a rule
 *   that repeats the default action): it passes its flags in memory, out of BPF's reach, and on ENOSYS
 *   glibc falls back to clone, whose flags are checked.
 * - Dangerous calls are refused with EPERM rather than a kill, so programs can handle the failure:
 *   - namespaces and mounts (unshare, setns, mount, pivot_root, chroot, the new mount API): the job's
 *     view of the system is fixed by the sandbox, and new user namespaces are the usual way to reach
 *     kernel code that is otherwise privileged;
 *   - io_uring, bpf, perf_event_open, userfaultfd: large kernel attack surface that ordinary programs do
 *     without (libuv falls back from io_uring; userfaultfd is an exploit's timing tool);
 *   - keyrings (keyctl, add_key, request_key): not namespaced, shared with the host;
 *   - other processes' memory and files (ptrace, process_vm_*, process_madvise, kcmp, pidfd_getfd,
 *     move_pages, migrate_pages);
 *   - host administration (modules, kexec, reboot, swap, acct, syslog, quotas, host and domain names,
 *     vhangup, the clocks, iopl/ioperm/modify_ldt, nfsservctl, lookup_dcookie, uselib);
 *   - file handles (open_by_handle_at, name_to_handle_at) and fanotify, which reach files by inode or
 *     by mount rather than by path, past the sandbox's mount tree.
 * - Some calls are allowed only for certain arguments. The kernel reads those arguments as 32-bit
 *   values, so only the low 32 bits are compared, and every other value gets an explicit rule too:
 *   - clone without any CLONE_NEW* flag (else EPERM);
 *   - personality: PER_LINUX, the query 0xffffffff, PER_LINUX32 and UNAME26 (what docker allows);
 *     anything else (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...) weakens the job's own hardening: EPERM;
 *   - ioctl except TIOCSTI and TIOCLINUX, which inject input into, or drive, a terminal: EPERM;
 *   - socket: AF_UNIX, AF_INET, AF_INET6; socketpair: AF_UNIX. Other families (netlink, packet, vsock,
 *     alg, bluetooth, ...) are kernel attack surface: EAFNOSUPPORT, as for a family not built in;
 *   - socket(AF_INET/AF_INET6): protocol 0, IPPROTO_TCP or IPPROTO_UDP only. Any other (SCTP, DCCP,
 *     L2TP, MPTCP, ...) could make the kernel load a protocol module: EPROTONOSUPPORT;
 *   - setrlimit(RLIMIT_CORE), and prlimit64(RLIMIT_CORE) with a new limit: EPERM. The init sets it to 1,
 *     which a pipe core_pattern honours as "no dump" (it ignores 0); lowering it to 0 would reach the
 *     host's core-dump helper again;
 *   - prctl: the options ordinary programs use; the rest fail with EINVAL, what an older kernel says
 *     for an option it does not know.
 * - Only the native ABI is allowed. On x86_64 libseccomp checks the audit architecture and, because
 *   x32 is not in the filter, refuses system call numbers with __X32_SYSCALL_BIT; both go to the
 *   bad-architecture action, KILL_PROCESS: no program we run makes such calls (a 32-bit binary would
 *   fail anyway), so one is an attempt to slip past the rules; killing ends it loudly (SIGSYS in the
 *   job's status) instead of returning into code that is probing for a gap.
 * - SysV IPC and POSIX message queues are allowed because the sandbox gives each job its own IPC
 *   namespace.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/syscall.h>

#include "seccomp-policy.h"

static const char *const syscalls_allowed[] = {
        /* file I/O */
        "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
        "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range", "lseek", "dup", "dup2",
        "dup3", "fcntl", "flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "fallocate",
        "truncate", "ftruncate", "fadvise64", "readahead", "sendfile", "splice", "tee", "vmsplice",
        "copy_file_range", "pipe", "pipe2",
        /* paths, metadata, directories */
        "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat",
        "faccessat2", "getdents", "getdents64", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir",
        "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
        "readlink", "readlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
        "umask", "utime", "utimes", "utimensat", "futimesat", "mknod", "mknodat",
        "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "setxattr",
        "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
        "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
        /* memory */
        "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "mincore", "mlock", "mlock2",
        "munlock", "mlockall", "munlockall", "membarrier", "memfd_create", "pkey_alloc", "pkey_free",
        "pkey_mprotect",
        /* processes and threads (clone is filtered below) */
        "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
        "set_tid_address", "set_robust_list", "futex", "futex_waitv", "rseq", "arch_prctl", "seccomp",
        "restart_syscall", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid",
        "setsid", "pidfd_open", "pidfd_send_signal",
        /* credentials: without capabilities these can only drop or fail */
        "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setuid",
        "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
        "capget", "capset",
        /* limits and scheduling */
        "getrlimit", "getrusage", "times", "getpriority", "setpriority",
        "ioprio_get", "ioprio_set", "sched_yield", "sched_getaffinity", "sched_setaffinity",
        "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
        "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr",
        "sched_setattr", "uname", "sysinfo", "getcpu", "getrandom",
        /* signals */
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
        "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "kill", "tkill",
        "tgkill", "pause", "signalfd", "signalfd4",
        /* time */
        "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "alarm",
        "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
        "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime",
        /* waiting for events */
        "select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
        /* sockets (socket and socketpair are filtered below) */
        "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername", "sendto",
        "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt",
        /* IPC, private to the job's IPC namespace */
        "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget",
        "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
        "mq_notify", "mq_getsetattr",
};

static const char *const syscalls_refused[] = {
        /* namespaces and mounts */
        "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot", "open_tree",
        "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        /* attack surface */
        "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
        /* keyrings */
        "keyctl", "add_key", "request_key",
        /* other processes */
        "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp", "pidfd_getfd",
        "move_pages", "migrate_pages",
        /* host administration */
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
        "query_module", "get_kernel_syms", "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl",
        "quotactl_fd", "sethostname", "setdomainname", "vhangup", "nfsservctl", "lookup_dcookie",
        "uselib", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
        "modify_ldt",
        /* files by handle or by mount */
        "open_by_handle_at", "name_to_handle_at", "fanotify_init", "fanotify_mark",
};

#define NAMESPACE_FLAGS                                                                         \
        ((uint64_t) (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |  \
                     CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME))

/* clone's flags come first everywhere but on s390, where the new stack pointer does. */
#if defined(__s390__) || defined(__s390x__)
#  define CLONE_FLAGS_ARG 1
#else
#  define CLONE_FLAGS_ARG 0
#endif

/* A system call whose 32-bit argument `arg` is checked against a list of values: listed values get
 * listed_action, all other values other_action. */
typedef struct ArgumentRule {
        const char *syscall;
        unsigned arg;
        uint32_t listed_action;
        uint32_t other_action;
        const uint32_t *values;
        size_t n_values;
        /* Listed values for which `refine`, a rule on another argument, decides instead of listed_action. */
        const struct ArgumentRule *refine;
        const uint32_t *refined_values;
        size_t n_refined_values;
} ArgumentRule;

static const uint32_t personalities_allowed[] = {
        PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, 0xffffffffu,
};

static const uint32_t ioctls_refused[] = { TIOCSTI, TIOCLINUX };

static const uint32_t rlimits_fixed[] = { RLIMIT_CORE };

static const uint32_t socket_families_allowed[] = { AF_UNIX, AF_INET, AF_INET6 };

static const uint32_t socket_ip_families[] = { AF_INET, AF_INET6 };

static const uint32_t ip_protocols_allowed[] = { 0, IPPROTO_TCP, IPPROTO_UDP };

static const ArgumentRule socket_ip_protocol_rule = {
        "socket", 2, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPROTONOSUPPORT),
        ip_protocols_allowed, ELEMENTSOF(ip_protocols_allowed),
};

static const uint32_t socketpair_families_allowed[] = { AF_UNIX };

static const uint32_t prctl_options_allowed[] = {
        PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_KEEPCAPS,
        PR_SET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP, PR_SET_SECCOMP, PR_CAPBSET_READ,
        PR_GET_SECUREBITS, PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_CHILD_SUBREAPER,
        PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS,
        PR_SET_THP_DISABLE, PR_GET_THP_DISABLE, PR_CAP_AMBIENT, PR_GET_SPECULATION_CTRL,
        PR_SET_SPECULATION_CTRL,
        /* arm64 vector lengths, pointer authentication and tagged addresses: per-thread CPU state */
        PR_SVE_SET_VL, PR_SVE_GET_VL, PR_PAC_RESET_KEYS, PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL,
        PR_PAC_SET_ENABLED_KEYS, PR_PAC_GET_ENABLED_KEYS, PR_SME_SET_VL, PR_SME_GET_VL,
};

static const ArgumentRule argument_rules[] = {
        { "personality", 0, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM),
          personalities_allowed, ELEMENTSOF(personalities_allowed) },
        { "ioctl", 1, SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ALLOW,
          ioctls_refused, ELEMENTSOF(ioctls_refused) },
        { "socket", 0, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EAFNOSUPPORT),
          socket_families_allowed, ELEMENTSOF(socket_families_allowed),
          &socket_ip_protocol_rule, socket_ip_families, ELEMENTSOF(socket_ip_families) },
        { "socketpair", 0, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EAFNOSUPPORT),
          socketpair_families_allowed, ELEMENTSOF(socketpair_families_allowed) },
        { "setrlimit", 0, SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ALLOW, rlimits_fixed, ELEMENTSOF(rlimits_fixed) },
        { "prctl", 0, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EINVAL),
          prctl_options_allowed, ELEMENTSOF(prctl_options_allowed) },
};

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

/* Returns 1 and the native number, 0 for a system call this architecture does not have, or -EINVAL
 * for a name libseccomp does not know (a typo in the tables above). */
static int syscall_lookup(const char *name, int *ret_nr) {
        int nr = seccomp_syscall_resolve_name(name);

        if (nr == __NR_SCMP_ERROR)
                return -EINVAL;
        if (nr < 0)
                return 0;       /* a pseudo number: not a system call of the native architecture */
        *ret_nr = nr;
        return 1;
}

static int add_rules_by_name(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int nr, r;

                r = syscall_lookup(names[i], &nr);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = seccomp_rule_add_exact(ctx, action, nr, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

static struct scmp_arg_cmp low32_masked_eq(unsigned arg, uint32_t mask, uint32_t value) {
        return SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, mask, value);
}

/* A rule on `cmp`, and on `guard` too unless it is NULL (a refined rule: guard fixes another argument). */
static int add_guarded_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *guard,
                            struct scmp_arg_cmp cmp) {
        struct scmp_arg_cmp cmps[2] = { cmp };

        if (guard)
                cmps[1] = *guard;
        return seccomp_rule_add_exact_array(ctx, action, nr, guard ? 2 : 1, cmps);
}

/*
 * Covers every 32-bit value that starts with the top prefix_len bits of prefix and is not in values,
 * with aligned blocks (a mask of the top bits). libseccomp gives no defined result when rules with
 * different actions overlap, so the complement of the listed values is spelled out as disjoint blocks;
 * that takes at most 32 rules per listed value.
 */
static int add_complement_blocks(
                scmp_filter_ctx ctx, int nr, const ArgumentRule *rule, const struct scmp_arg_cmp *guard,
                uint32_t prefix, unsigned prefix_len) {

        uint32_t mask = prefix_len == 0 ? 0 : UINT32_MAX << (32 - prefix_len);
        bool listed = false;
        int r;

        for (size_t i = 0; i < rule->n_values; i++)
                if ((rule->values[i] & mask) == prefix) {
                        listed = true;
                        break;
                }
        if (!listed)
                return add_guarded_rule(ctx, rule->other_action, nr, guard,
                                        low32_masked_eq(rule->arg, mask, prefix));
        if (prefix_len == 32)
                return 0;       /* exactly a listed value */

        r = add_complement_blocks(ctx, nr, rule, guard, prefix, prefix_len + 1);
        if (r < 0)
                return r;
        return add_complement_blocks(ctx, nr, rule, guard, prefix | (UINT32_C(1) << (31 - prefix_len)),
                                     prefix_len + 1);
}

static bool value_listed(const uint32_t *values, size_t n, uint32_t value) {
        for (size_t i = 0; i < n; i++)
                if (values[i] == value)
                        return true;
        return false;
}

static int add_rule_for_values(
                scmp_filter_ctx ctx, int nr, const ArgumentRule *rule, const struct scmp_arg_cmp *guard) {
        int r;

        for (size_t i = 0; i < rule->n_values; i++) {
                struct scmp_arg_cmp cmp = low32_masked_eq(rule->arg, UINT32_MAX, rule->values[i]);

                if (value_listed(rule->refined_values, rule->n_refined_values, rule->values[i])) {
                        /* Only one level: a guard already fixes an argument. */
                        assert(!guard && rule->refine && !rule->refine->refine);
                        r = add_rule_for_values(ctx, nr, rule->refine, &cmp);
                } else
                        r = add_guarded_rule(ctx, rule->listed_action, nr, guard, cmp);
                if (r < 0)
                        return r;
        }
        return add_complement_blocks(ctx, nr, rule, guard, 0, 0);
}

static int add_argument_rule(scmp_filter_ctx ctx, const ArgumentRule *rule) {
        int nr, r;

        r = syscall_lookup(rule->syscall, &nr);
        if (r <= 0)
                return r;
        return add_rule_for_values(ctx, nr, rule, NULL);
}

static int add_clone_rules(scmp_filter_ctx ctx) {
        struct scmp_arg_cmp cmp = SCMP_CMP64(CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, NAMESPACE_FLAGS, 0);
        int r;

        r = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, &cmp);
        if (r < 0)
                return r;

        /* One refusing rule per flag: together they match exactly what the rule above does not. */
        for (unsigned bit = 0; bit < 32; bit++) {
                uint64_t flag = UINT64_C(1) << bit;

                if (!(NAMESPACE_FLAGS & flag))
                        continue;
                cmp = SCMP_CMP64(CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, flag, flag);
                r = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &cmp);
                if (r < 0)
                        return r;
        }

        return 0;
}

/* prlimit64(pid, resource, new, old): a fixed resource may be read (new == NULL) but not changed. The
 * pointer is compared in full: one whose low half is zero is no NULL to the kernel. */
static int add_prlimit_rules(scmp_filter_ctx ctx) {
        const ArgumentRule others = {
                "prlimit64", 1, 0, SCMP_ACT_ALLOW, rlimits_fixed, ELEMENTSOF(rlimits_fixed),
        };
        int nr, r;

        r = syscall_lookup("prlimit64", &nr);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(rlimits_fixed); i++) {
                struct scmp_arg_cmp resource = low32_masked_eq(1, UINT32_MAX, rlimits_fixed[i]);

                r = add_guarded_rule(ctx, SCMP_ACT_ALLOW, nr, &resource, SCMP_A2_64(SCMP_CMP_EQ, 0));
                if (r < 0)
                        return r;
                r = add_guarded_rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, &resource, SCMP_A2_64(SCMP_CMP_NE, 0));
                if (r < 0)
                        return r;
        }
        return add_complement_blocks(ctx, nr, &others, NULL, 0, 0);
}

static int add_policy(scmp_filter_ctx ctx) {
        int r;

        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return r;
        /* A binary tree over system call numbers instead of a linear scan of a few hundred. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return r;

        r = add_rules_by_name(ctx, SCMP_ACT_ALLOW, syscalls_allowed, ELEMENTSOF(syscalls_allowed));
        if (r < 0)
                return r;
        r = add_rules_by_name(ctx, SCMP_ACT_ERRNO(EPERM), syscalls_refused, ELEMENTSOF(syscalls_refused));
        if (r < 0)
                return r;
        r = add_clone_rules(ctx);
        if (r < 0)
                return r;
        r = add_prlimit_rules(ctx);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(argument_rules); i++) {
                r = add_argument_rule(ctx, &argument_rules[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_exact_at(int fd, void *buf, size_t size, off_t offset) {
        uint8_t *p = buf;

        while (size > 0) {
                ssize_t n = pread(fd, p, size, offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                p += n;
                size -= n;
                offset += n;
        }
        return 0;
}

/* libseccomp 2.5 can only export to a file descriptor, so go through a memfd. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ struct sock_filter *insns = NULL;
        struct stat st;
        size_t n;
        int r;

        fd = memfd_create("sandrun-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();

        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
                return -EBADMSG;
        n = st.st_size / sizeof(struct sock_filter);
        if (n > BPF_MAXINSNS)
                return -E2BIG;

        insns = malloc(st.st_size);
        if (!insns)
                return -ENOMEM;
        r = read_exact_at(fd, insns, st.st_size, 0);
        if (r < 0)
                return r;

        *ret = (struct sock_fprog) { .len = n, .filter = TAKE_PTR(insns) };
        return 0;
}

int seccomp_program_compile(SeccompProgram **ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        struct sock_fprog fprog;
        int r;

        if (!ret)
                return -EINVAL;

        ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
        if (!ctx)
                return -ENOMEM;
        r = add_policy(ctx);
        if (r < 0)
                return r;

        r = export_program(ctx, &fprog);
        if (r < 0)
                return r;
        r = seccomp_program_from_insns(fprog.filter, fprog.len, ret);
        free(fprog.filter);
        return r;
}
