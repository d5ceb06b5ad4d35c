/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "cgroup-limits.h"
#include "check-limits.h"
#include "log.h"
#include "memlock.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

void check_cgroup_limits(uint64_t memory_need, uint64_t tasks_need, const char *what_to_lower) {
        CgroupLimits l;
        MemlockStatus s = {};
        int r;

        r = cgroup_limits_read_self(CGROUP_ROOT, &l);
        if (r < 0) {
                log_errno(LOG_INFO, r, "Cannot read our cgroup's limits, not checking them");
                return;
        }
        (void) memlock_status_read(&s);
        uint64_t can_hold = s.resident + memory_need;

        if (!l.has_memory || l.memory_max == CGROUP_LIMIT_NONE)
                log_message(LOG_WARNING, "No memory limit on our cgroup: this configuration can hold %" PRIu64
                            " MiB; set MemoryMax= on the unit so that we can never push the host into OOM",
                            can_hold >> 20);
        else if (can_hold > l.memory_max)
                log_message(LOG_WARNING, "Our cgroup's memory limit is %" PRIu64 " MiB, and this configuration "
                            "can hold %" PRIu64 " MiB (%" PRIu64 " MiB now): past the limit we are OOM-killed; "
                            "lower %s or raise MemoryMax=",
                            l.memory_max >> 20, can_hold >> 20, s.resident >> 20, what_to_lower);
        else
                log_message(LOG_INFO, "Memory limit %" PRIu64 " MiB holds this configuration (%" PRIu64 " MiB)",
                            l.memory_max >> 20, can_hold >> 20);

        if (!l.has_pids || l.tasks_max == CGROUP_LIMIT_NONE)
                log_message(LOG_WARNING, "No tasks limit on our cgroup: set TasksMax= on the unit");
        else if (tasks_need > l.tasks_max)
                log_message(LOG_WARNING, "Our cgroup's tasks limit is %" PRIu64 ", and this configuration can "
                            "need %" PRIu64 ": past the limit fork() fails; lower %s or raise TasksMax=",
                            l.tasks_max, tasks_need, what_to_lower);
}

void check_job_swap(void) {
        CgroupLimits l;
        const char *why;

        if (!swap_is_active() || cgroup_limits_read_self(CGROUP_ROOT, &l) < 0)
                return;
        why = cgroup_swap_unlimited_reason(&l, true);
        if (why)
                log_message(LOG_WARNING, "Swap is active and cannot be limited for jobs (%s): a job can use swap "
                            "beyond its memory limit; turn swap off, or use cgroup v2 with swap accounting", why);
}
