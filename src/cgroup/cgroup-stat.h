/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A job's accounting, read from its scope's cgroup files while a process of the job still holds the
 * scope: systemd removes the cgroup as soon as it is empty, and with it the memory peak.
 *
 * Both layouts are supported: the unified hierarchy (v2: cpu.stat, memory.peak, memory.events) and the
 * legacy per-controller hierarchies (v1: cpuacct.usage, memory.max_usage_in_bytes, memory.oom_control),
 * including hybrid hosts where cgroup2 is mounted but the controllers live on v1.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define CGROUP_PATH_MAX 4096

/* Where a process sits, from /proc/PID/cgroup. Empty strings where a hierarchy is absent. */
typedef struct CgroupPaths {
        char unified[CGROUP_PATH_MAX];
        char memory[CGROUP_PATH_MAX];
        char cpuacct[CGROUP_PATH_MAX];
        char pids[CGROUP_PATH_MAX];
        bool has_unified, has_memory, has_cpuacct, has_pids;
} CgroupPaths;

/* Parses the text of /proc/PID/cgroup. */
int cgroup_paths_parse(const char *buf, size_t len, CgroupPaths *ret);

/* Reads and parses /proc/PID/cgroup. */
int cgroup_paths_read_pid(pid_t pid, CgroupPaths *ret);
/*
 * Whether the unified, memory and pids hierarchies (those present) all place the process in `unit`,
 * directly inside `slice` (a slice's cgroup is named after the slice itself: a-b.slice sits at
 * .../a.slice/a-b.slice). False when none of them is known.
 */
bool cgroup_paths_in_unit(const CgroupPaths *p, const char *slice, const char *unit);

/* A single unsigned decimal number, optionally followed by a newline ("max" is -ERANGE). */
int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret);
/* The value of `key` in a flat keyed file ("key value\n" lines) such as cpu.stat or memory.events. */
int cgroup_parse_keyed(const char *buf, size_t len, const char *key, uint64_t *ret);

/* Reads root[/hierarchy]PATH/FILE into buf (NUL-terminated, at most size - 1 bytes). */
int cgroup_read_file(const char *root, const char *hierarchy, const char *path, const char *file, char *buf,
                     size_t size, size_t *ret_len);

typedef struct CgroupSample {
        uint64_t cpu_usec;
        uint64_t memory_peak_bytes;
        uint64_t oom_kills;
        bool has_cpu, has_memory_peak, has_oom_kills;
} CgroupSample;

/*
 * Open handles on one job's accounting files, so the live CPU counter can be polled cheaply. `root` is
 * where cgroup hierarchies are mounted (/sys/fs/cgroup; tests point it at fixtures).
 */
typedef struct CgroupJob {
        int cpu_fd;
        bool cpu_is_v1;         /* cpuacct.usage in ns, else cpu.stat usage_usec */
        int memory_peak_fd;
        bool memory_is_v1;
        int oom_fd;
        bool oom_is_v1;         /* memory.oom_control, else memory.events */
        uint64_t cpu_base_usec; /* subtracted from the CPU counter: a warm sandbox's own setup */
} CgroupJob;

int cgroup_job_open(CgroupJob **ret, const char *root, const CgroupPaths *paths);
/* Convenience: reads /proc/PID/cgroup first. */
int cgroup_job_open_pid(CgroupJob **ret, const char *root, pid_t pid);
CgroupJob *cgroup_job_free(CgroupJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupJob *, cgroup_job_free);

/* Reads whatever of the three figures is available; fails only if none is. */
int cgroup_job_sample(CgroupJob *j, CgroupSample *ret);
int cgroup_job_cpu_usec(CgroupJob *j, uint64_t *ret);
/* Restarts the memory peak from the current usage, where the kernel allows it (v1's
 * memory.max_usage_in_bytes, as root); -EOPNOTSUPP elsewhere. */
int cgroup_job_reset_memory_peak(CgroupJob *j);
