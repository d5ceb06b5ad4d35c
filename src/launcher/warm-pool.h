/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The warm pool's policy, as a pure state machine over counts and times (the runner does the work):
 * how many warm sandboxes to keep, when to start the next one, when to let one go.
 *
 * The target size adapts between min and max: a job that finds no warm sandbox (a miss) raises it by one,
 * and each quiet period without a miss lowers it by one. Refills are bounded: at most `max_starting` starts
 * in flight, and starts at least `refill_interval_usec` apart, so refills never take more of PID 1 than
 * that, whatever the load. Under load (at least `busy_max` jobs running: as many as the host has cores)
 * a refill would only compete with the jobs for the CPU and PID 1, so the pool then refills only when it
 * is empty, one sandbox at a time: no more scope starts than the jobs take. max 0 turns the pool off.
 */

#include <stdbool.h>
#include <stdint.h>

/* The runner's defaults, which suit a small host (2 cores): two warm sandboxes idle, up to eight under
 * load. */
#define WARM_POOL_MIN_DEFAULT 2U
#define WARM_POOL_MAX_DEFAULT 8U
#define WARM_POOL_SIZE_MAX 256U
/* At most 2 starts in flight, 2 ms apart: up to 500 a second, about what PID 1 manages here with its
 * other work (bench/README.md); back-to-back jobs on one connection (about 4 ms each) do not drain it. */
#define WARM_POOL_STARTS_MAX 2U
#define WARM_POOL_REFILL_INTERVAL_USEC (2ULL * 1000ULL)
#define WARM_POOL_SHRINK_AFTER_USEC (30ULL * 1000000ULL)        /* a quiet period */
/* After a job took one, while others are still ready: the replacement waits until no job runs, at most
 * this long, so that its setup (the runner's spawn, which blocks the runner for about a millisecond while
 * the kernel makes the namespaces, the init's, PID 1's scope start) does not run beside a short job. */
#define WARM_POOL_REFILL_DELAY_USEC (50ULL * 1000ULL)
/* ... and, once no job runs, this long more: the answer to the last job goes out first (sandrund's work, the
 * client's, PID 1 stopping the finished scope), and a client that sends the next job at once finds a
 * runner that is not spawning. */
#define WARM_POOL_REFILL_SETTLE_USEC (3ULL * 1000ULL)
/* After a start failed (systemd refused the scope, no bus, no uid): the next one not before this. */
#define WARM_POOL_RETRY_AFTER_USEC (1ULL * 1000000ULL)
/* Under load, refills wait for a job to end (the runner says so); at the latest they look again after this. */
#define WARM_POOL_LOAD_RECHECK_USEC (50ULL * 1000ULL)

typedef struct WarmPoolConfig {
        unsigned min, max;
        unsigned max_starting;
        uint64_t refill_interval_usec;
        uint64_t shrink_after_usec;
        uint64_t retry_after_usec;
        uint64_t refill_delay_usec;
        uint64_t refill_settle_usec;    /* ... and after the last job ended, this long */
        unsigned busy_max;              /* jobs running that make a load (the cores); 0: never */
        uint64_t load_recheck_usec;
} WarmPoolConfig;

typedef struct WarmPool {
        WarmPoolConfig config;
        unsigned target;
        unsigned ready;         /* built, in their scopes, waiting for a job */
        unsigned starting;      /* spawned, scope or sandbox not done yet */
        uint64_t last_start_usec;
        uint64_t last_change_usec;      /* of the target: a miss, or a shrink */
        uint64_t failed_usec;           /* when a start last failed; 0: none since the last success */
        uint64_t last_take_usec;
        unsigned running;               /* jobs the runner runs now (warm_pool_set_running) */
        uint64_t idle_since_usec;       /* when the last of them ended */
} WarmPool;

typedef enum WarmPoolAction {
        WARM_POOL_WAIT,         /* nothing now; look again at *ret_wake_usec (0: on the next event) */
        WARM_POOL_START,        /* start one warm sandbox (then call warm_pool_started) */
        WARM_POOL_DISCARD,      /* let one ready sandbox go (then call warm_pool_discarded) */
} WarmPoolAction;

void warm_pool_init(WarmPool *p, const WarmPoolConfig *config, uint64_t now_usec);
bool warm_pool_enabled(const WarmPool *p);

WarmPoolAction warm_pool_next(const WarmPool *p, uint64_t now_usec, uint64_t *ret_wake_usec);
/* Applies the quiet-period shrink; call before warm_pool_next(). */
void warm_pool_tick(WarmPool *p, uint64_t now_usec);

/* How many jobs run now; call before warm_pool_next(), and look again when one ends. */
void warm_pool_set_running(WarmPool *p, unsigned running, uint64_t now_usec);
bool warm_pool_loaded(const WarmPool *p);

void warm_pool_started(WarmPool *p, uint64_t now_usec);
/* A start ended: ready, or failed (then it is simply gone, and the next waits retry_after_usec). */
void warm_pool_start_done(WarmPool *p, bool ok, uint64_t now_usec);
/* A job took a ready one (hit), or wanted one and found none (miss). */
void warm_pool_took(WarmPool *p, bool hit, uint64_t now_usec);
/* A ready one went away without a job: discarded, or its init died. */
void warm_pool_discarded(WarmPool *p);
/* Everything is gone at once (the bus to PID 1 was replaced, the runner stops); a new start may come at
 * once. */
void warm_pool_reset(WarmPool *p);
