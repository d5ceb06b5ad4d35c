/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "cgroup-limits.h"
#include "cgroup-stat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CgroupPaths p;
        uint64_t v;

        (void) cgroup_paths_parse((const char *) data, size, &p);
        (void) cgroup_parse_u64((const char *) data, size, &v);
        (void) cgroup_parse_keyed((const char *) data, size, "oom_kill", &v);
        /* The limit files (memory.max, pids.max, v1's limit_in_bytes) and /proc/swaps read at start. */
        (void) cgroup_limit_parse((const char *) data, size, &v);
        (void) swaps_active((const char *) data, size);
        return 0;
}
