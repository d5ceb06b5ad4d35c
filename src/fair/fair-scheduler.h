/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Fairness without identity: the policy the daemon asks what to admit, what to start next and how fast
 * to let each job run. Clients are ClientKeys (client-key.h). Nothing here reads a clock, logs, or
 * knows about sd-event or HTTP; every call takes `now` (CLOCK_MONOTONIC usec). Single-threaded.
 *
 * The rules (numbers from FairConfig):
 *   - Each client has a CPU budget (token bucket, token-bucket.h). CPU time used by its jobs is billed
 *     to it while they run and exactly at their end, and may leave it in debt.
 *   - A client's queued jobs start only while it runs fewer than max_running_per_client jobs and has a
 *     budget of at least min_start_budget_usec (and above zero).
 *   - Slots go by the CPU jobs use, not by their number: a new job starts only while fewer than
 *     max_running running jobs are busy. A job is busy in its first busy_window_usec and then while it
 *     used at least busy_cpu_percent of a CPU over its last window (from the charges); a job that sleeps
 *     holds no slot, so sleepers cannot keep a CPU-hungry newcomer waiting. Memory is the hard bound: the
 *     running jobs' memory_max together stay within running_memory_max, and what the daemon may hold
 *     for them (held_reserve) within running_held_max (a job alone always fits).
 *   - Among the clients that may start a job, the next job is chosen round-robin (fair-queue.h), so a
 *     client with many queued jobs delays another client's first job by at most one start.
 *   - A client with no budget left has its running jobs throttled to the refill rate (fair-quota.h).
 *   - Past max_queued_per_client queued jobs a client is refused with 429. Queue places are shared
 *     (share.h): with max_queued jobs queued in all, a client within an equal share of them still gets
 *     in, and the client most beyond its share loses its newest queued job for it (the drop handler
 *     is told); otherwise 503. When max_clients clients with jobs or debt are tracked, everyone new gets
 *     503.
 *
 * How the daemon drives it:
 *   1. Request: compute the ClientKey (client_key_from_request()). Optionally fair_scheduler_admit()
 *      before doing expensive work such as reading an upload; then fair_scheduler_enqueue() with the
 *      job's embedded FairJob. A refusal gives the HTTP status, Retry-After and a reason.
 *   2. Start jobs: call fair_scheduler_start_next() in a loop until it returns 0, after every enqueue,
 *      finish and cancel, and when the wake-up timer fires. Each job it returns already counts as
 *      running; if the daemon fails to start it, call fair_scheduler_finish() with 0 CPU time.
 *   3. While jobs run, on each poll of a job's cgroup CPU counter: fair_scheduler_charge() with the
 *      CPU time used since the last poll (also when that is 0: it is how sleepers are told), then
 *      fair_scheduler_quota() for each running job of that client and set CPUQuotaPerSecUSec= when it
 *      changed (FAIR_QUOTA_UNLIMITED: the job's own limit).
 *      Polling every 100 ms to 1 s is plenty.
 *   4. When a job ends: fair_scheduler_finish() with the CPU time not yet charged. A queued job that
 *      is cancelled: fair_scheduler_cancel(). Then go to 2.
 *   5. After 2, arm one timer for fair_scheduler_next_wakeup(): the time the first waiting client has
 *      earned enough budget to start a job (UINT64_MAX: none is waiting for budget; starts that wait
 *      for a running job to end happen at step 4 anyway).
 *   6. /status: fair_scheduler_job_status(); every response: fair_scheduler_budget_remaining() for the
 *      X-Sandrun-Budget-Remaining header.
 *   7. Now and then (e.g. every minute): fair_scheduler_evict_idle() to free state of idle clients. The
 *      table also evicts on demand when full, so this only bounds memory sooner.
 * Before fair_scheduler_free(), finish or cancel every job; FairJobs still queued or running then
 * point at freed memory.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-key.h"
#include "client-table.h"
#include "fair-config.h"
#include "fair-queue.h"
#include "fair-quota.h"
#include "macro.h"
#include "siphash24.h"

typedef struct FairScheduler FairScheduler;

typedef enum FairJobState {
        FAIR_JOB_NEW = 0,               /* zeroed memory is a new job */
        FAIR_JOB_QUEUED,
        FAIR_JOB_RUNNING,
        FAIR_JOB_DONE,
} FairJobState;

/* Embedded in the daemon's job object, zero-initialized; the fields are the scheduler's. */
typedef struct FairJob {
        FairQueueEntry entry;
        FairClient *client;             /* while queued or running */
        FairJobState state;
        uint64_t started_usec;
        void *userdata;                 /* as given to fair_scheduler_enqueue() */
        uint64_t memory_max;            /* set by the caller before enqueueing: the job's MemoryMax, */
        uint64_t held_reserve;          /* and the most the daemon may hold for it while it runs */

        /* While running: whether it holds one of max_running slots, and its current CPU window. */
        bool busy;
        uint64_t window_start_usec;
        uint64_t window_cpu_usec;
} FairJob;

typedef struct FairRefusal {
        unsigned http_status;           /* 429 or 503 */
        uint64_t retry_after_sec;       /* 1 .. FAIR_RETRY_AFTER_MAX_SEC */
        const char *reason;             /* static text for the response */
} FairRefusal;

#define FAIR_RETRY_AFTER_MAX_SEC UINT64_C(86400)

typedef struct FairJobStatus {
        unsigned queue_position;        /* jobs that would start before this one (0: next) */
        uint64_t estimated_start_usec;  /* CLOCK_MONOTONIC; an estimate from past job durations */
} FairJobStatus;

typedef struct FairStats {
        unsigned n_running;
        unsigned n_busy;                /* running jobs that hold a slot */
        uint64_t running_memory;        /* their memory_max together */
        uint64_t running_held;          /* their held_reserve together */
        unsigned n_queued;
        size_t n_clients;
        uint64_t job_usec_estimate;     /* running average of finished jobs' wall time */
} FairStats;

/* config must pass fair_config_validate() (else -EINVAL); hash_key should be random, from getrandom(). */
int fair_scheduler_new(
                FairScheduler **ret,
                const FairConfig *config,
                const uint8_t hash_key[static SIPHASH24_KEY_SIZE]);
FairScheduler *fair_scheduler_free(FairScheduler *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(FairScheduler *, fair_scheduler_free);

/* Would a job from key be queued now? 0: yes; 1: no, *ret_refusal says why; <0: errno. Changes
 * nothing, so enqueue() checks again. */
int fair_scheduler_admit(FairScheduler *s, const ClientKey *key, uint64_t now, FairRefusal *ret_refusal);

/* Queues a new (zeroed) job for key. 0: queued; 1: refused as by admit(), *ret_refusal filled in and
 * job untouched; -EBUSY: job is not new; -ENOMEM. A job dropped to make room for it is out of the queue
 * (FAIR_JOB_DONE) when the drop handler is called with it. */
int fair_scheduler_enqueue(
                FairScheduler *s,
                const ClientKey *key,
                FairJob *job,
                void *userdata,
                uint64_t now,
                FairRefusal *ret_refusal);

/* Called with each queued job dropped for another client's (see fair_scheduler_enqueue()). */
typedef void (*fair_job_handler_t)(FairJob *job, void *userdata);
void fair_scheduler_set_drop_handler(FairScheduler *s, fair_job_handler_t handler, void *userdata);

/* Takes the next job to start off the queue and counts it as running. 1: *ret is that job; 0: none
 * may start now. */
int fair_scheduler_start_next(FairScheduler *s, uint64_t now, FairJob **ret);

/* Bills CPU time a running job used since the last charge, and decides whether it is busy once its
 * window is over. -EINVAL if the job is not running. */
int fair_scheduler_charge(FairScheduler *s, FairJob *job, uint64_t cpu_usec, uint64_t now);

/* A running job ended; bills its last cpu_usec. -EINVAL if the job is not running. */
int fair_scheduler_finish(FairScheduler *s, FairJob *job, uint64_t cpu_usec, uint64_t now);

/* Takes a queued job out of the queue. -EINVAL if the job is not queued. */
int fair_scheduler_cancel(FairScheduler *s, FairJob *job, uint64_t now);

/* The CPU quota (usec per second, or FAIR_QUOTA_UNLIMITED) a running job should have now; the same
 * for all running jobs of one client. -EINVAL if the job is not running. */
int fair_scheduler_quota(FairScheduler *s, FairJob *job, uint64_t now, uint64_t *ret_usec_per_sec);

/* The client's budget in CPU usec (negative: debt); a full budget for clients not tracked. For the
 * X-Sandrun-Budget-Remaining header, in seconds: printf("%.1f", usec / 1e6). */
int64_t fair_scheduler_budget_remaining(FairScheduler *s, const ClientKey *key, uint64_t now);

/* Position and estimated start of a queued job. -ENOENT if the job is not queued. */
int fair_scheduler_job_status(FairScheduler *s, const FairJob *job, uint64_t now, FairJobStatus *ret);

/* When a queued job may become startable by budget refill alone; UINT64_MAX for never. */
uint64_t fair_scheduler_next_wakeup(FairScheduler *s, uint64_t now);

/* Forgets clients with no jobs and a full budget; returns how many. */
size_t fair_scheduler_evict_idle(FairScheduler *s, uint64_t now);

void fair_scheduler_get_stats(const FairScheduler *s, FairStats *ret);
