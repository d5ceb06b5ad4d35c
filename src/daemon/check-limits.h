/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * Both daemons' start: reads the limits of their own cgroup (cgroup-limits.h) and warns, with the
 * numbers, if what the configuration can make them hold (`memory_need` bytes beyond what they use now,
 * `tasks_need` processes and threads) can exceed them: past its cgroup's MemoryMax= a daemon is
 * OOM-killed, past TasksMax= its fork() fails. `what_to_lower` names the options that set the need.
 */
void check_cgroup_limits(uint64_t memory_need, uint64_t tasks_need, const char *what_to_lower);

/*
 * sandrun-runnerd's start: jobs run with MemorySwapMax=0, which systemd applies on cgroup v2 only. With
 * the memory controller on v1 and swap active, a job can push its memory to swap beyond its MemoryMax=:
 * warn, saying whether swap accounting is on.
 */
void check_job_swap(void);
