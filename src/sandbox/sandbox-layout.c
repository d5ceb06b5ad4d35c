/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "sandbox-layout.h"
#include "strv.h"

/* Where the new root is built. It is mounted over inside the job's own mount namespace only. */
#define STAGING_DIR "/tmp"

/*
 * The parts of the host's /etc a program needs to start and to find its libraries, locale and time
 * zone. Everything else (host users, machine id, service configuration, keys) stays hidden.
 */
static const char *const etc_entries[] = {
        "alternatives", "bash.bashrc", "ca-certificates", "ca-certificates.conf", "debian_version",
        "environment", "gai.conf", "host.conf", "hosts", "inputrc", "java-17-openjdk", "java-21-openjdk",
        "ld.so.cache", "ld.so.conf",
        "ld.so.conf.d", "locale.alias", "localtime", "magic", "magic.mime", "mime.types",
        "nsswitch.conf", "os-release", "perl", "profile", "protocols", "python3", "python3.11",
        "python3.12", "python3.13", "rpc", "services", "ssl", "timezone", "xdg",
};

/* The host's top-level library and binary dirs: merged-/usr hosts have them as symlinks. */
static const char *const root_entries[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };

/* Kernel interfaces a job has no business changing, even though its user namespace owns the proc mount. */
static const char *const proc_read_only[] = { "sys", "sysrq-trigger", "irq", "bus", "fs" };

static void mount_op_done(MountOp *op) {
        free(op->source);
        free(op->target);
        free(op->data);
}

SandboxLayout *sandbox_layout_free(SandboxLayout *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_ops; i++)
                mount_op_done(&l->ops[i]);
        free(l->ops);
        free(l->staging);
        strv_free(l->envp);
        free(l->tmp_options);
        free(l->work_options);
        free(l);
        return NULL;
}

static int add_op(SandboxLayout *l, MountOpType type, const char *source, const char *target_rel,
                  const char *data, unsigned long flags, mode_t mode) {
        MountOp *ops = reallocarray(l->ops, l->n_ops + 1, sizeof(MountOp));
        if (!ops)
                return -ENOMEM;
        l->ops = ops;

        MountOp op = { .type = type, .flags = flags, .mode = mode };
        if (asprintf(&op.target, "%s%s", l->staging, target_rel) < 0)
                return -ENOMEM;
        if (source && !(op.source = strdup(source)))
                goto oom;
        if (data && !(op.data = strdup(data)))
                goto oom;
        l->ops[l->n_ops++] = op;
        return 0;
oom:
        mount_op_done(&op);
        return -ENOMEM;
}

/* Mirrors one host path into the layout as it is: a symlink stays a symlink, a dir or file is bound. */
static int add_host_entry(SandboxLayout *l, const char *host_path, const char *target_rel) {
        struct stat st;

        if (lstat(host_path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;

        if (S_ISLNK(st.st_mode)) {
                char link[PATH_MAX];
                ssize_t n = readlink(host_path, link, sizeof(link) - 1);
                if (n < 0)
                        return -errno;
                link[n] = 0;
                return add_op(l, MOUNT_OP_SYMLINK, link, target_rel, NULL, 0, 0);
        }

        int r;
        if (S_ISDIR(st.st_mode))
                r = add_op(l, MOUNT_OP_MKDIR, NULL, target_rel, NULL, 0, 0755);
        else if (S_ISREG(st.st_mode))
                r = add_op(l, MOUNT_OP_MKFILE, NULL, target_rel, NULL, 0, 0644);
        else
                return 0;
        if (r < 0)
                return r;
        return add_op(l, MOUNT_OP_BIND_RO, host_path, target_rel, NULL, 0, 0);
}

/* A size- and inode-capped tmpfs at target_rel, with its mount point made first (the root has none). */
static int add_tmpfs(SandboxLayout *l, const char *target_rel, mode_t mode, uint64_t size, uint64_t inodes,
                     bool owned_by_job, unsigned long flags) {
        char data[160];
        int r;

        if (*target_rel) {
                r = add_op(l, MOUNT_OP_MKDIR, NULL, target_rel, NULL, 0, mode);
                if (r < 0)
                        return r;
        }
        snprintf(data, sizeof(data), "mode=%04o,size=%" PRIu64 ",nr_inodes=%" PRIu64 "%s", (unsigned) mode, size,
                 inodes, owned_by_job ? ",uid=" STRINGIFY(SANDBOX_UID) ",gid=" STRINGIFY(SANDBOX_GID) : "");
        /* Kept for test cases, which remount these between runs. */
        char **keep = streq(target_rel, "/tmp") ? &l->tmp_options :
                      streq(target_rel, SANDBOX_WORK_DIR) ? &l->work_options : NULL;
        if (keep && !(*keep = strdup(data)))
                return -ENOMEM;
        return add_op(l, MOUNT_OP_TMPFS, "tmpfs", target_rel, data, flags, 0);
}

static int build_ops(SandboxLayout *l, const SandboxLimits *limits) {
        const unsigned long nosuid_nodev = MS_NOSUID | MS_NODEV;
        char path[PATH_MAX];
        int r;

        /* The root itself: a small tmpfs holding only mount points, made read-only after pivot_root. */
        r = add_tmpfs(l, "", 0755, 1 << 20, 1024, false, nosuid_nodev);
        if (r < 0)
                return r;

        r = add_host_entry(l, "/usr", "/usr");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(root_entries); i++) {
                snprintf(path, sizeof(path), "/%s", root_entries[i]);
                r = add_host_entry(l, path, path);
                if (r < 0)
                        return r;
        }

        r = add_op(l, MOUNT_OP_MKDIR, NULL, "/etc", NULL, 0, 0755);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(etc_entries); i++) {
                snprintf(path, sizeof(path), "/etc/%s", etc_entries[i]);
                r = add_host_entry(l, path, path);
                if (r < 0)
                        return r;
        }
        /* Our own user database: the host's would tell a job who else lives on the machine. */
        r = add_op(l, MOUNT_OP_WRITE_FILE,
                   "root:x:0:0:root:/:/usr/sbin/nologin\n"
                   "sandbox:x:" STRINGIFY(SANDBOX_UID) ":" STRINGIFY(SANDBOX_GID) ":sandrun job:"
                   SANDBOX_WORK_DIR ":/bin/sh\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                   "/etc/passwd", NULL, 0, 0644);
        if (r < 0)
                return r;
        r = add_op(l, MOUNT_OP_WRITE_FILE,
                   "root:x:0:\nsandbox:x:" STRINGIFY(SANDBOX_GID) ":\nnogroup:x:65534:\n",
                   "/etc/group", NULL, 0, 0644);
        if (r < 0)
                return r;
        r = add_op(l, MOUNT_OP_WRITE_FILE, SANDBOX_HOSTNAME "\n", "/etc/hostname", NULL, 0, 0644);
        if (r < 0)
                return r;

        r = add_tmpfs(l, "/dev", 0755, 64 << 10, 64, false, MS_NOSUID | MS_NOEXEC);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                char host[64];
                snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
                r = add_op(l, MOUNT_OP_MKFILE, NULL, host, NULL, 0, 0666);
                if (r < 0)
                        return r;
                r = add_op(l, MOUNT_OP_BIND_DEV, host, host, NULL, 0, 0);
                if (r < 0)
                        return r;
        }
        static const char *const dev_links[][2] = {
                { "/dev/fd", "/proc/self/fd" },
                { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" },
                { "/dev/stderr", "/proc/self/fd/2" },
        };
        for (size_t i = 0; i < ELEMENTSOF(dev_links); i++) {
                r = add_op(l, MOUNT_OP_SYMLINK, dev_links[i][1], dev_links[i][0], NULL, 0, 0);
                if (r < 0)
                        return r;
        }
        r = add_tmpfs(l, "/dev/shm", 01777, limits->tmp_size, 16384, false, nosuid_nodev);
        if (r < 0)
                return r;
        /* Complete now: a job has no business adding to its /dev, nor replacing what is there. */
        r = add_op(l, MOUNT_OP_READ_ONLY, NULL, "/dev", NULL, 0, 0);
        if (r < 0)
                return r;

        r = add_op(l, MOUNT_OP_MKDIR, NULL, "/proc", NULL, 0, 0555);
        if (r < 0)
                return r;
        r = add_op(l, MOUNT_OP_PROC, "proc", "/proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(proc_read_only); i++) {
                snprintf(path, sizeof(path), "/proc/%s", proc_read_only[i]);
                r = add_op(l, MOUNT_OP_PROC_RO, NULL, path, NULL, 0, 0);
                if (r < 0)
                        return r;
        }

        r = add_tmpfs(l, "/tmp", 01777, limits->tmp_size, 16384, false, nosuid_nodev);
        if (r < 0)
                return r;
        r = add_op(l, MOUNT_OP_MKDIR, NULL, "/var", NULL, 0, 0755);
        if (r < 0)
                return r;
        r = add_op(l, MOUNT_OP_SYMLINK, "/tmp", "/var/tmp", NULL, 0, 0);
        if (r < 0)
                return r;

        return add_tmpfs(l, SANDBOX_WORK_DIR, 0755, limits->work_size, 65536, true, nosuid_nodev);
}

static int read_cap_last(void) {
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int v = -1;

        if (!f)
                return 63; /* the child tolerates EINVAL for numbers past the kernel's last */
        if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
                v = 63;
        fclose(f);
        return v;
}

static void set_rlimit(SandboxLayout *l, int resource, rlim_t soft, rlim_t hard) {
        l->rlimits[resource] = (struct rlimit) { .rlim_cur = soft, .rlim_max = hard };
        l->rlimit_set[resource] = true;
}

int sandbox_layout_new(SandboxLayout **ret, const SandboxLimits *limits, uid_t outer_uid, gid_t outer_gid) {
        _cleanup_(sandbox_layout_freep) SandboxLayout *l = NULL;
        int r;

        l = calloc(1, sizeof(SandboxLayout));
        if (!l)
                return -ENOMEM;
        l->staging = strdup(STAGING_DIR);
        if (!l->staging)
                return -ENOMEM;
        l->outer_uid = outer_uid;
        l->outer_gid = outer_gid;

        r = build_ops(l, limits);
        if (r < 0)
                return r;

        l->envp = strv_new("PATH=/usr/local/bin:/usr/bin:/bin",
                           "HOME=" SANDBOX_WORK_DIR,
                           "USER=sandbox",
                           "LOGNAME=sandbox",
                           "SHELL=/bin/sh",
                           "LANG=C.UTF-8",
                           "TMPDIR=/tmp",
                           "PYTHONUNBUFFERED=1",
                           "PYTHONDONTWRITEBYTECODE=1",
                           NULL);
        if (!l->envp)
                return -ENOMEM;

        /* No job gets a core dump: 1, not 0, because a pipe core_pattern (the host's core-dump helper)
         * ignores 0 but takes 1 to mean "none"; seccomp keeps the job from changing it. */
        set_rlimit(l, RLIMIT_CORE, 1, 1);
        set_rlimit(l, RLIMIT_NOFILE, limits->max_open_files, limits->max_open_files);
        set_rlimit(l, RLIMIT_FSIZE, limits->max_file_size, limits->max_file_size);
        l->cap_last = read_cap_last();

        *ret = TAKE_PTR(l);
        return 0;
}
