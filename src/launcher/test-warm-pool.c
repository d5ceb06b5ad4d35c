/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The warm pool's policy as tables of events, each followed by what the pool must say and hold. */

#include <stdio.h>

#include "tests.h"
#include "warm-pool.h"

typedef enum Event {
        EV_NONE,
        EV_START,               /* the runner did as told: started one */
        EV_READY,               /* a start finished well */
        EV_FAILED,              /* a start failed */
        EV_HIT,                 /* a job took a ready one */
        EV_MISS,                /* a job found none */
        EV_DISCARD,             /* the runner let one go */
        EV_RESET,
} Event;

typedef struct Step {
        uint64_t at_ms;
        Event event;
        WarmPoolAction action;  /* warm_pool_next() afterwards */
        uint64_t wake_ms;
        unsigned target, ready, starting;
        unsigned running;       /* jobs running from this step on */
} Step;

static void run_table(const WarmPoolConfig *c, const Step *steps, size_t n) {
        WarmPool p;

        warm_pool_init(&p, c, 1000);
        for (size_t i = 0; i < n; i++) {
                const Step *s = &steps[i];
                uint64_t now = 1000 + s->at_ms * 1000, wake;

                switch (s->event) {
                case EV_START: warm_pool_started(&p, now); break;
                case EV_READY: warm_pool_start_done(&p, true, now); break;
                case EV_FAILED: warm_pool_start_done(&p, false, now); break;
                case EV_HIT: warm_pool_took(&p, true, now); break;
                case EV_MISS: warm_pool_took(&p, false, now); break;
                case EV_DISCARD: warm_pool_discarded(&p); break;
                case EV_RESET: warm_pool_reset(&p); break;
                case EV_NONE: break;
                }
                warm_pool_set_running(&p, s->running, now);
                warm_pool_tick(&p, now);
                WarmPoolAction a = warm_pool_next(&p, now, &wake);
                if (a != s->action || p.target != s->target || p.ready != s->ready || p.starting != s->starting ||
                    (wake ? (wake - 1000) / 1000 : 0) != s->wake_ms) {
                        fprintf(stderr, "step %zu: action %d target %u ready %u starting %u wake %llu\n", i, a,
                                p.target, p.ready, p.starting, (unsigned long long) (wake ? (wake - 1000) / 1000 : 0));
                        ASSERT_TRUE(false);
                }
        }
}

#define W WARM_POOL_WAIT
#define S WARM_POOL_START
#define D WARM_POOL_DISCARD

TEST(fill_bounded_and_adapt) {
        WarmPoolConfig c = { .min = 2, .max = 3, .max_starting = 1, .refill_interval_usec = 20000,
                             .shrink_after_usec = 30000000, .retry_after_usec = 10000 };
        static const Step steps[] = {
                /* at   event       next wake target ready starting */
                { 0,    EV_NONE,    S, 0,     2, 0, 0 },
                { 0,    EV_START,   W, 0,     2, 0, 1 },        /* one in flight at a time */
                { 5,    EV_READY,   W, 20,    2, 1, 0 },        /* and starts 20 ms apart */
                { 20,   EV_NONE,    S, 0,     2, 1, 0 },
                { 20,   EV_START,   W, 0,     2, 1, 1 },
                { 30,   EV_FAILED,  W, 40,    2, 1, 0 },        /* a failed start is retried, not at once */
                { 40,   EV_START,   W, 0,     2, 1, 1 },
                { 45,   EV_READY,   W, 0,     2, 2, 0 },        /* full at min: nothing to wake for */
                { 100,  EV_HIT,     S, 0,     2, 1, 0 },        /* a hit refills, the target stays */
                { 100,  EV_START,   W, 0,     2, 1, 1 },
                { 101,  EV_MISS,    W, 0,     3, 1, 1 },        /* a miss raises the target */
                { 102,  EV_MISS,    W, 0,     3, 1, 1 },        /* never past max */
                { 110,  EV_READY,   W, 120,   3, 2, 0 },
                { 120,  EV_START,   W, 30102, 3, 2, 1 },        /* full once it is ready */
                { 125,  EV_READY,   W, 30102, 3, 3, 0 },        /* next look: when it may shrink */
                { 30102, EV_NONE,   D, 0,     2, 3, 0 },        /* a quiet period: one goes */
                { 30102, EV_DISCARD, W, 0,    2, 2, 0 },
                { 90000, EV_NONE,   W, 0,     2, 2, 0 },        /* never below min */
                { 90001, EV_RESET,  S, 0,     2, 0, 0 },        /* all gone at once: refill */
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(off) {
        WarmPoolConfig c = { .min = 0, .max = 0, .max_starting = 1, .refill_interval_usec = 20000,
                             .shrink_after_usec = 1000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    W, 0,     0, 0, 0 },
                { 1,    EV_MISS,    W, 0,     0, 0, 0 },        /* off stays off */
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(grows_from_zero) {
        WarmPoolConfig c = { .min = 0, .max = 2, .max_starting = 1, .refill_interval_usec = 0,
                             .shrink_after_usec = 1000000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    W, 0,     0, 0, 0 },        /* idle costs nothing */
                { 1,    EV_MISS,    S, 0,     1, 0, 0 },
                { 1,    EV_START,   W, 1001,  1, 0, 1 },
                { 2,    EV_READY,   W, 1001,  1, 1, 0 },
                { 1001, EV_NONE,    D, 0,     0, 1, 0 },
                { 1001, EV_DISCARD, W, 0,     0, 0, 0 },
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(two_in_flight) {
        WarmPoolConfig c = { .min = 3, .max = 3, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 1000000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    S, 0,     3, 0, 0 },
                { 0,    EV_START,   W, 2,     3, 0, 1 },        /* a second may start, 2 ms later */
                { 2,    EV_START,   W, 0,     3, 0, 2 },        /* not a third */
                { 3,    EV_READY,   W, 4,     3, 1, 1 },
                { 4,    EV_START,   W, 0,     3, 1, 2 },
                { 9,    EV_READY,   W, 0,     3, 2, 1 },        /* full once in flight are ready */
                { 9,    EV_READY,   W, 0,     3, 3, 0 },
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(failures_back_off) {
        WarmPoolConfig c = { .min = 1, .max = 1, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 1000000, .retry_after_usec = 1000000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    S, 0,     1, 0, 0 },
                { 0,    EV_START,   W, 0,     1, 0, 1 },
                { 5,    EV_FAILED,  W, 1005,  1, 0, 0 },        /* a second later, not 2 ms */
                { 500,  EV_NONE,    W, 1005,  1, 0, 0 },
                { 1005, EV_NONE,    S, 0,     1, 0, 0 },
                { 1005, EV_START,   W, 0,     1, 0, 1 },
                { 1010, EV_READY,   W, 0,     1, 1, 0 },
                { 1010, EV_HIT,     S, 0,     1, 0, 0 },        /* a success ends the back-off */
                { 1010, EV_RESET,   S, 0,     1, 0, 0 },
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(refill_waits_for_a_short_job) {
        WarmPoolConfig c = { .min = 2, .max = 2, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 1000000, .refill_delay_usec = 10000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    S, 0,     2, 0, 0 },
                { 0,    EV_START,   W, 2,     2, 0, 1 },        /* filling: no delay */
                { 2,    EV_START,   W, 0,     2, 0, 2 },
                { 5,    EV_READY,   W, 0,     2, 1, 1 },
                { 6,    EV_READY,   W, 0,     2, 2, 0 },
                { 100,  EV_HIT,     W, 110,   2, 1, 0,  1 },    /* one is left: the job runs alone */
                { 110,  EV_NONE,    S, 0,     2, 1, 0,  1 },    /* a long job: not longer than that */
                { 110,  EV_START,   W, 0,     2, 1, 1,  1 },
                { 111,  EV_HIT,     W, 112,   2, 0, 1,  2 },    /* none left: at the refill pace */
                { 112,  EV_NONE,    S, 0,     2, 0, 1,  2 },
                { 112,  EV_START,   W, 0,     2, 0, 2,  2 },
                { 115,  EV_READY,   W, 0,     2, 1, 1,  1 },
                { 116,  EV_READY,   W, 0,     2, 2, 0,  1 },
                { 200,  EV_HIT,     W, 210,   2, 1, 0,  1 },
                { 203,  EV_NONE,    S, 0,     2, 1, 0,  0 },    /* a short job: refilled once it ended */
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(refill_settles_after_a_job) {
        WarmPoolConfig c = { .min = 2, .max = 2, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 1000000, .refill_delay_usec = 50000,
                             .refill_settle_usec = 3000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    S, 0,     2, 0, 0,  0 },
                { 0,    EV_START,   W, 2,     2, 0, 1,  0 },
                { 2,    EV_START,   W, 0,     2, 0, 2,  0 },
                { 5,    EV_READY,   W, 0,     2, 1, 1,  0 },
                { 6,    EV_READY,   W, 0,     2, 2, 0,  0 },
                { 100,  EV_HIT,     W, 150,   2, 1, 0,  1 },
                { 104,  EV_NONE,    W, 107,   2, 1, 0,  0 },    /* ended: its answer goes out first */
                { 105,  EV_HIT,     S, 0,     2, 0, 0,  1 },    /* the next took the last: no waiting */
                { 105,  EV_START,   W, 107,   2, 0, 1,  1 },        /* a second at the usual pace */
                { 109,  EV_READY,   W, 155,   2, 1, 0,  1 },
                { 112,  EV_NONE,    W, 115,   2, 1, 0,  0 },
                { 115,  EV_NONE,    S, 0,     2, 1, 0,  0 },    /* settled */
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(throttled_under_load) {
        WarmPoolConfig c = { .min = 2, .max = 4, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 30000000, .refill_delay_usec = 10000, .busy_max = 2,
                             .load_recheck_usec = 50000 };
        static const Step steps[] = {
                /* at   event       next wake target ready starting running */
                { 0,    EV_NONE,    S, 0,     2, 0, 0,  0 },
                { 0,    EV_START,   W, 2,     2, 0, 1,  0 },
                { 2,    EV_START,   W, 0,     2, 0, 2,  0 },
                { 5,    EV_READY,   W, 0,     2, 1, 1,  0 },
                { 6,    EV_READY,   W, 0,     2, 2, 0,  0 },
                { 10,   EV_HIT,     W, 20,    2, 1, 0,  1 },        /* one job: the usual delay */
                { 11,   EV_HIT,     S, 0,     2, 0, 0,  2 },        /* loaded, none left: one may start */
                { 11,   EV_START,   W, 0,     2, 0, 1,  2 },        /* but only one at a time */
                { 12,   EV_MISS,    W, 0,     3, 0, 1,  3 },        /* a miss raises the target ... */
                { 13,   EV_MISS,    W, 0,     4, 0, 1,  4 },
                { 15,   EV_READY,   W, 65,    4, 1, 0,  4 },        /* ... which waits while loaded */
                { 40,   EV_NONE,    W, 90,    4, 1, 0,  2 },        /* as many jobs as cores still load */
                { 41,   EV_NONE,    S, 0,     4, 1, 0,  1 },        /* a job ended: fill at the usual pace */
                { 41,   EV_START,   W, 43,    4, 1, 1,  1 },
                { 43,   EV_START,   W, 0,     4, 1, 2,  1 },
                { 44,   EV_READY,   W, 0,     4, 2, 1,  2 },        /* loaded again: nothing new ... */
                { 45,   EV_HIT,     W, 0,     4, 1, 1,  2 },        /* ... even after a take */
                { 46,   EV_READY,   W, 96,    4, 2, 0,  2 },
                { 46,   EV_HIT,     W, 96,    4, 1, 0,  2 },
                { 47,   EV_HIT,     S, 0,     4, 0, 0,  2 },        /* empty: one again */
                { 60,   EV_NONE,    S, 0,     4, 0, 0,  0 },        /* idle */
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

TEST(no_throttle_without_busy_max) {
        WarmPoolConfig c = { .min = 2, .max = 2, .max_starting = 2, .refill_interval_usec = 2000,
                             .shrink_after_usec = 30000000 };
        static const Step steps[] = {
                { 0,    EV_NONE,    S, 0,     2, 0, 0,  100 },
                { 0,    EV_START,   W, 2,     2, 0, 1,  100 },
                { 2,    EV_START,   W, 0,     2, 0, 2,  100 },
        };
        run_table(&c, steps, ELEMENTSOF(steps));
}

int main(void) {
        RUN(fill_bounded_and_adapt);
        RUN(off);
        RUN(grows_from_zero);
        RUN(two_in_flight);
        RUN(failures_back_off);
        RUN(refill_waits_for_a_short_job);
        RUN(refill_settles_after_a_job);
        RUN(throttled_under_load);
        RUN(no_throttle_without_busy_max);
        return 0;
}
