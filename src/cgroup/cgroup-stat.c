/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-stat.h"

static bool controller_listed(const char *list, size_t len, const char *name) {
        size_t n = strlen(name);

        for (const char *p = list, *end = list + len; p < end;) {
                const char *comma = memchr(p, ',', end - p);
                size_t l = comma ? (size_t) (comma - p) : (size_t) (end - p);
                if (l == n && memcmp(p, name, n) == 0)
                        return true;
                if (!comma)
                        break;
                p = comma + 1;
        }
        return false;
}

static int set_path(char *dst, bool *has, const char *src, size_t len) {
        if (len == 0 || len >= CGROUP_PATH_MAX || src[0] != '/' || memchr(src, 0, len))
                return -EBADMSG;
        memcpy(dst, src, len);
        dst[len] = 0;
        *has = true;
        return 0;
}

int cgroup_paths_parse(const char *buf, size_t len, CgroupPaths *ret) {
        CgroupPaths p = {};
        const char *end = buf + len;
        int r;

        /* Lines are "ID:CONTROLLERS:PATH"; the unified hierarchy is "0::PATH". */
        for (const char *line = buf; line < end;) {
                const char *nl = memchr(line, '\n', end - line);
                const char *le = nl ?: end;
                const char *c1 = memchr(line, ':', le - line);
                const char *c2 = c1 ? memchr(c1 + 1, ':', le - c1 - 1) : NULL;

                if (le > line) {
                        if (!c2)
                                return -EBADMSG;
                        const char *ctl = c1 + 1, *path = c2 + 1;
                        size_t ctl_len = c2 - ctl, path_len = le - path;

                        if (c1 - line == 1 && line[0] == '0' && ctl_len == 0)
                                r = set_path(p.unified, &p.has_unified, path, path_len);
                        else {
                                r = 0;
                                if (controller_listed(ctl, ctl_len, "memory"))
                                        r = set_path(p.memory, &p.has_memory, path, path_len);
                                if (r >= 0 && controller_listed(ctl, ctl_len, "cpuacct"))
                                        r = set_path(p.cpuacct, &p.has_cpuacct, path, path_len);
                                if (r >= 0 && controller_listed(ctl, ctl_len, "pids"))
                                        r = set_path(p.pids, &p.has_pids, path, path_len);
                        }
                        if (r < 0)
                                return r;
                }
                line = le + 1;
        }
        if (!p.has_unified && !p.has_memory && !p.has_cpuacct)
                return -ENODATA;
        *ret = p;
        return 0;
}

int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;

        if (len > 0 && buf[len - 1] == '\n')
                len--;
        if (len == 3 && memcmp(buf, "max", 3) == 0)
                return -ERANGE;
        if (len == 0 || len > 20)
                return -EBADMSG;
        for (; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return -EBADMSG;
                unsigned d = buf[i] - '0';
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int cgroup_parse_keyed(const char *buf, size_t len, const char *key, uint64_t *ret) {
        size_t klen = strlen(key);
        const char *end = buf + len;

        for (const char *line = buf; line < end;) {
                const char *nl = memchr(line, '\n', end - line);
                const char *le = nl ?: end;

                if ((size_t) (le - line) > klen + 1 && memcmp(line, key, klen) == 0 && line[klen] == ' ')
                        return cgroup_parse_u64(line + klen + 1, le - line - klen - 1, ret);
                line = le + 1;
        }
        return -ENOENT;
}

static int read_fd(int fd, char *buf, size_t size, size_t *ret_len) {
        ssize_t n = pread(fd, buf, size - 1, 0);

        if (n < 0)
                return -errno;
        buf[n] = 0;
        *ret_len = n;
        return 0;
}

static int open_file(const char *root, const char *hierarchy, const char *path, const char *file) {
        char p[CGROUP_PATH_MAX * 2];

        if ((size_t) snprintf(p, sizeof(p), "%s%s%s%s/%s", root, hierarchy ? "/" : "", hierarchy ?: "", path,
                              file) >= sizeof(p))
                return -ENAMETOOLONG;
        int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

int cgroup_read_file(const char *root, const char *hierarchy, const char *path, const char *file, char *buf,
                     size_t size, size_t *ret_len) {
        int fd = open_file(root, hierarchy, path, file);
        if (fd < 0)
                return fd;
        int r = read_fd(fd, buf, size, ret_len);
        close(fd);
        return r;
}

CgroupJob *cgroup_job_free(CgroupJob *j) {
        if (!j)
                return NULL;
        safe_close(j->cpu_fd);
        safe_close(j->memory_peak_fd);
        safe_close(j->oom_fd);
        free(j);
        return NULL;
}

/* The unified hierarchy's files live at the root itself on v2 hosts, and at root/unified on hybrid ones. */
static int open_unified(const char *root, const CgroupPaths *p, const char *file) {
        int fd = open_file(root, NULL, p->unified, file);
        if (fd == -ENOENT)
                fd = open_file(root, "unified", p->unified, file);
        return fd;
}

int cgroup_job_open(CgroupJob **ret, const char *root, const CgroupPaths *p) {
        _cleanup_(cgroup_job_freep) CgroupJob *j = NULL;

        j = calloc(1, sizeof(CgroupJob));
        if (!j)
                return -ENOMEM;
        j->cpu_fd = j->memory_peak_fd = j->oom_fd = -EBADF;

        /*
         * CPU: the unified hierarchy's cpu.stat counts every cgroup's usage whether or not a controller is
         * attached, so it is right on v2 and on hybrid hosts alike. cpuacct is the fallback for pure v1.
         * A v1 controller path of "/" means systemd did not realise that controller for the scope (e.g.
         * cpuacct mounted apart from cpu): the root's figures are the whole machine's, never the job's.
         */
        if (p->has_unified)
                j->cpu_fd = open_unified(root, p, "cpu.stat");
        if (j->cpu_fd < 0 && p->has_cpuacct && !streq(p->cpuacct, "/")) {
                j->cpu_fd = open_file(root, "cpuacct", p->cpuacct, "cpuacct.usage");
                j->cpu_is_v1 = j->cpu_fd >= 0;
        }

        /* Memory: on hybrid hosts the controller lives on v1 and the unified files do not exist. */
        if (p->has_memory && !streq(p->memory, "/")) {
                j->memory_peak_fd = open_file(root, "memory", p->memory, "memory.max_usage_in_bytes");
                j->oom_fd = open_file(root, "memory", p->memory, "memory.oom_control");
                j->memory_is_v1 = j->memory_peak_fd >= 0;
                j->oom_is_v1 = j->oom_fd >= 0;
        }
        if (j->memory_peak_fd < 0 && p->has_unified) {
                j->memory_peak_fd = open_unified(root, p, "memory.peak");
                /* Kernels before 5.19 have no peak; the current figure is the best there is. */
                if (j->memory_peak_fd < 0)
                        j->memory_peak_fd = open_unified(root, p, "memory.current");
        }
        if (j->oom_fd < 0 && p->has_unified)
                j->oom_fd = open_unified(root, p, "memory.events");

        if (j->cpu_fd < 0 && j->memory_peak_fd < 0)
                return -ENOENT;
        *ret = TAKE_PTR(j);
        return 0;
}

int cgroup_paths_read_pid(pid_t pid, CgroupPaths *ret) {
        char path[64], buf[8192];
        ssize_t n;
        int fd, r;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf));
        r = n < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                return r;
        return cgroup_paths_parse(buf, n, ret);
}

int cgroup_job_open_pid(CgroupJob **ret, const char *root, pid_t pid) {
        CgroupPaths paths;
        int r;

        r = cgroup_paths_read_pid(pid, &paths);
        if (r < 0)
                return r;
        return cgroup_job_open(ret, root, &paths);
}

/* Whether `path` ends in "/<slice>/<unit>". */
static bool path_ends_in(const char *path, const char *slice, const char *unit) {
        size_t n = strlen(path), u = strlen(unit), s = strlen(slice);

        if (n < s + u + 2 || strcmp(path + n - u, unit) != 0 || path[n - u - 1] != '/')
                return false;
        n -= u + 1;
        return strncmp(path + n - s, slice, s) == 0 && path[n - s - 1] == '/';
}

/*
 * systemd's own hierarchy (the unified one) and those of the limits a scope carries (memory, pids) must
 * all say so. cpu and cpuacct are left out: systemd may realize them higher up, and in containers their
 * paths can be outside the namespace's root ("/..").
 */
bool cgroup_paths_in_unit(const CgroupPaths *p, const char *slice, const char *unit) {
        const char *slice_leaf = strrchr(slice, '/') ? strrchr(slice, '/') + 1 : slice;
        struct {
                bool has;
                const char *path;
        } h[] = {
                { p->has_unified, p->unified },
                { p->has_memory, p->memory },
                { p->has_pids, p->pids },
        };
        bool any = false;

        if (!*slice_leaf || !*unit)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(h); i++) {
                if (!h[i].has)
                        continue;
                if (!path_ends_in(h[i].path, slice_leaf, unit))
                        return false;
                any = true;
        }
        return any;
}

int cgroup_job_cpu_usec(CgroupJob *j, uint64_t *ret) {
        char buf[4096];
        size_t len = 0;
        uint64_t v;
        int r;

        if (j->cpu_fd < 0)
                return -ENOENT;
        r = read_fd(j->cpu_fd, buf, sizeof(buf), &len);
        if (r < 0)
                return r;
        if (j->cpu_is_v1) {
                r = cgroup_parse_u64(buf, len, &v);
                v /= NSEC_PER_USEC;
        } else
                r = cgroup_parse_keyed(buf, len, "usage_usec", &v);
        if (r < 0)
                return r;
        *ret = v > j->cpu_base_usec ? v - j->cpu_base_usec : 0;
        return 0;
}

int cgroup_job_reset_memory_peak(CgroupJob *j) {
        char path[64];
        _cleanup_close_ int fd = -EBADF;

        if (j->memory_peak_fd < 0 || !j->memory_is_v1)
                return -EOPNOTSUPP;
        /* Our own read-only handle, reopened for writing: no path of the job's tree is followed. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", j->memory_peak_fd);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write(fd, "0", 1) == 1 ? 0 : -errno;
}

int cgroup_job_sample(CgroupJob *j, CgroupSample *ret) {
        CgroupSample s = {};
        char buf[4096];
        size_t len = 0;

        s.has_cpu = cgroup_job_cpu_usec(j, &s.cpu_usec) >= 0;
        if (j->memory_peak_fd >= 0 && read_fd(j->memory_peak_fd, buf, sizeof(buf), &len) >= 0)
                s.has_memory_peak = cgroup_parse_u64(buf, len, &s.memory_peak_bytes) >= 0;
        if (j->oom_fd >= 0 && read_fd(j->oom_fd, buf, sizeof(buf), &len) >= 0)
                s.has_oom_kills = cgroup_parse_keyed(buf, len, "oom_kill", &s.oom_kills) >= 0;

        if (!s.has_cpu && !s.has_memory_peak)
                return -ENODATA;
        *ret = s;
        return 0;
}
