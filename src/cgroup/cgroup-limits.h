/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The limits a process lives under, read from its own cgroup and every ancestor up to the root (the
 * lowest limit on the way is the one that bites), so that a daemon can check at start that its
 * configuration fits them. Both layouts: v2 (memory.max, memory.swap.max, pids.max) and v1, also on
 * hybrid hosts (memory/memory.limit_in_bytes, memory.memsw.limit_in_bytes when swap accounting is on,
 * pids/pids.max).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup-stat.h"

#define CGROUP_LIMIT_NONE UINT64_MAX

typedef struct CgroupLimits {
        uint64_t memory_max;            /* bytes; CGROUP_LIMIT_NONE */
        uint64_t swap_max;              /* bytes of swap beyond memory_max; CGROUP_LIMIT_NONE */
        uint64_t tasks_max;             /* CGROUP_LIMIT_NONE */
        bool has_memory, has_pids;      /* the controller's files were found */
        bool memory_v1;                 /* the memory controller is on a v1 hierarchy */
        bool swap_limitable;            /* v2 memory.swap.max, or v1 memory.memsw.* (swap accounting on) */
} CgroupLimits;

/* A limit file's value: a number, or "max" (v2) or a v1 "unlimited" (2^63 rounded to pages) as NONE. */
int cgroup_limit_parse(const char *buf, size_t len, uint64_t *ret);

/* `root` is where the hierarchies are mounted (/sys/fs/cgroup; tests use a fake tree). Fails only if
 * neither the memory nor the pids controller is found. */
int cgroup_limits_read(const char *root, const CgroupPaths *paths, CgroupLimits *ret);
int cgroup_limits_read_self(const char *root, CgroupLimits *ret);

/*
 * Why jobs can use swap beyond their memory limit on this host, or NULL if they cannot: jobs' scopes get
 * MemorySwapMax=0, which systemd applies on cgroup v2 with swap accounting only. `l` is the limits of a
 * cgroup on the same hierarchies as the jobs' (the runner's own).
 */
const char *cgroup_swap_unlimited_reason(const CgroupLimits *l, bool swap_active);

/* Whether the text of /proc/swaps lists any active swap area. */
bool swaps_active(const char *text, size_t len);
/* Reads /proc/swaps; false if it cannot be read. */
bool swap_is_active(void);
