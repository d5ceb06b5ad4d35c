/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The numbers of the fairness policy. Each is meant to become a daemon flag; fair_config_init() gives
 * the defaults and fair_config_validate() checks a set of them before fair_scheduler_new() takes it.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct FairConfig {
        /* Each client gets budget_usec of CPU time per budget_period_usec, refilled continuously; the
         * refill rate is also the CPU quota its running jobs share once the budget is used up. */
        uint64_t budget_usec;                   /* 10 s */
        uint64_t budget_period_usec;            /* 60 s */
        /* A client's queued jobs start only with at least this much budget (and more than zero), and a
         * throttled client gets full speed back only at this level: starting a job on a few usec of
         * budget would throttle it at once, and the gap keeps quotas from flapping. */
        uint64_t min_start_budget_usec;         /* 1 s: 6 s of refill from empty */

        unsigned max_running_per_client;        /* 2 */
        /* Busy jobs at once. A running job is busy in its first busy_window_usec and then while it used at
         * least busy_cpu_percent of a CPU over its last window; a job that sleeps holds no slot. */
        unsigned max_running;                   /* 2 per CPU */
        uint64_t busy_window_usec;              /* 500 ms */
        unsigned busy_cpu_percent;              /* 10: above a throttled client's two jobs (8.3% each) */
        /* The hard bound on running jobs, busy or not: the sum of their MemoryMax (FairJob.memory_max).
         * A job that does not fit waits, unless nothing runs. 0: no bound. */
        uint64_t running_memory_max;            /* 0; the daemon sets twice the RAM */
        /* The same for what the daemon may come to hold for running jobs (FairJob.held_reserve: their
         * outputs and packed results), so that more jobs running than max_running cannot take more of
         * its memory than max_running busy ones could. 0: no bound. */
        uint64_t running_held_max;              /* 0; the daemon sets max_running jobs' worth */
        unsigned max_queued_per_client;         /* 16; past it 429 */
        unsigned max_queued;                    /* 256; past it 503 */
        size_t max_clients;                     /* 65536; clients tracked at once, idle ones evicted */

        /* Wall time of a job assumed for start estimates and Retry-After until jobs have finished and
         * taught the scheduler a running average. */
        uint64_t expected_job_usec;             /* 5 s */
} FairConfig;

/* Upper bounds fair_config_validate() enforces. */
#define FAIR_CONFIG_JOBS_MAX 65536U
#define FAIR_CONFIG_CLIENTS_MAX ((size_t) 1 << 24)

void fair_config_init(FairConfig *ret, unsigned n_cpus);

/* -EINVAL with a static reason for a config the scheduler cannot work with. */
int fair_config_validate(const FairConfig *c, const char **ret_reason);
