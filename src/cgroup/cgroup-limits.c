/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-limits.h"

/* v1 says "no limit" with PAGE_COUNTER_MAX pages: 2^63 - 4096 with 4 KiB pages, close to it otherwise. */
#define V1_UNLIMITED_MIN (UINT64_C(1) << 62)

int cgroup_limit_parse(const char *buf, size_t len, uint64_t *ret) {
        uint64_t v;
        int r = cgroup_parse_u64(buf, len, &v);

        if (r == -ERANGE) {
                /* "max", or a number past 2^64: no limit either way. */
                *ret = CGROUP_LIMIT_NONE;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = v >= V1_UNLIMITED_MIN ? CGROUP_LIMIT_NONE : v;
        return 0;
}

/*
 * The lowest value of `file` in the cgroup at `path` and each of its ancestors, under root/hierarchy (or
 * root itself for a NULL hierarchy). -ENOENT if the file exists nowhere on the way.
 */
static int lowest_on_path(const char *root, const char *hierarchy, const char *path, const char *file,
                          uint64_t *ret) {
        char p[CGROUP_PATH_MAX], buf[64];
        uint64_t lowest = CGROUP_LIMIT_NONE;
        bool found = false;
        size_t len = strlen(path);

        if (len >= sizeof(p))
                return -ENAMETOOLONG;
        memcpy(p, path, len + 1);
        for (;;) {
                size_t n;
                uint64_t v;

                if (cgroup_read_file(root, hierarchy, p, file, buf, sizeof(buf), &n) >= 0 &&
                    cgroup_limit_parse(buf, n, &v) >= 0) {
                        found = true;
                        lowest = MIN(lowest, v);
                }
                char *slash = strrchr(p, '/');
                if (!slash || (slash == p && p[1] == 0))
                        break;
                /* "/a/b" -> "/a" -> "/" (written as "" so that the file is root/hierarchy/file). */
                *slash = 0;
        }
        if (!found)
                return -ENOENT;
        *ret = lowest;
        return 0;
}

/* The unified hierarchy is mounted at root on v2 hosts and at root/unified on hybrid ones. */
static int lowest_unified(const char *root, const char *path, const char *file, uint64_t *ret) {
        int r = lowest_on_path(root, NULL, path, file, ret);
        return r == -ENOENT ? lowest_on_path(root, "unified", path, file, ret) : r;
}

int cgroup_limits_read(const char *root, const CgroupPaths *p, CgroupLimits *ret) {
        CgroupLimits l = {
                .memory_max = CGROUP_LIMIT_NONE,
                .swap_max = CGROUP_LIMIT_NONE,
                .tasks_max = CGROUP_LIMIT_NONE,
        };
        uint64_t v;

        if (p->has_memory) {
                /* v1: memsw counts memory and swap together, and exists only with swap accounting. */
                l.memory_v1 = true;
                l.has_memory = lowest_on_path(root, "memory", p->memory, "memory.limit_in_bytes",
                                              &l.memory_max) >= 0;
                if (lowest_on_path(root, "memory", p->memory, "memory.memsw.limit_in_bytes", &v) >= 0) {
                        l.swap_limitable = true;
                        if (v != CGROUP_LIMIT_NONE)
                                l.swap_max = v > l.memory_max ? v - l.memory_max : 0;
                }
        } else if (p->has_unified) {
                l.has_memory = lowest_unified(root, p->unified, "memory.max", &l.memory_max) >= 0;
                l.swap_limitable = l.has_memory &&
                                   lowest_unified(root, p->unified, "memory.swap.max", &l.swap_max) >= 0;
        }

        if (p->has_pids)
                l.has_pids = lowest_on_path(root, "pids", p->pids, "pids.max", &l.tasks_max) >= 0;
        else if (p->has_unified)
                l.has_pids = lowest_unified(root, p->unified, "pids.max", &l.tasks_max) >= 0;

        if (!l.has_memory && !l.has_pids)
                return -ENOENT;
        *ret = l;
        return 0;
}

int cgroup_limits_read_self(const char *root, CgroupLimits *ret) {
        CgroupPaths p;
        int r = cgroup_paths_read_pid(getpid(), &p);

        return r < 0 ? r : cgroup_limits_read(root, &p, ret);
}

const char *cgroup_swap_unlimited_reason(const CgroupLimits *l, bool swap_active) {
        if (!swap_active || !l->has_memory)
                return NULL;
        if (!l->memory_v1)
                return l->swap_limitable ? NULL : "cgroup v2 without swap accounting";
        return l->swap_limitable ? "cgroup v1: systemd applies MemorySwapMax= on v2 only"
                                 : "cgroup v1 without swap accounting";
}

bool swaps_active(const char *text, size_t len) {
        const char *nl = memchr(text, '\n', len);

        /* A header line, then one line per active area. */
        if (!nl)
                return false;
        for (const char *c = nl + 1; c < text + len; c++)
                if (*c != '\n' && *c != ' ')
                        return true;
        return false;
}

bool swap_is_active(void) {
        char buf[4096];
        int fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf));
        close(fd);
        return n > 0 && swaps_active(buf, (size_t) n);
}
