/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "fair-scheduler.h"
#include "tests.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)         /* fake CLOCK_MONOTONIC */

static const uint8_t hash_key[SIPHASH24_KEY_SIZE] = "fair-scheduler!";

/* The daemon's job, with the scheduler's part embedded. */
typedef struct TestJob {
        char client;
        FairJob fair;
} TestJob;

static FairConfig config(unsigned max_running) {
        FairConfig c;

        fair_config_init(&c, 1);
        c.max_running = max_running;
        return c;
}

static FairScheduler *scheduler(const FairConfig *c) {
        FairScheduler *s;

        ASSERT_OK(fair_scheduler_new(&s, c, hash_key));
        return s;
}

/* Client 'A' is 192.0.2.65, 'B' 192.0.2.66 and so on. */
static ClientKey key(char client) {
        IpAddress a = { .family = AF_INET, .bytes = { 192, 0, 2, (uint8_t) client } };
        ClientKey k;

        client_key_from_address(&a, &k);
        return k;
}

static void enqueue(FairScheduler *s, char client, TestJob *jobs, unsigned n, uint64_t now) {
        ClientKey k = key(client);
        FairRefusal refusal;

        for (unsigned i = 0; i < n; i++) {
                jobs[i] = (TestJob) { .client = client };
                ASSERT_EQ(fair_scheduler_enqueue(s, &k, &jobs[i].fair, &jobs[i], now, &refusal), 0);
        }
}

/* Starts one job; returns its client's letter, or '-'. */
static char start(FairScheduler *s, uint64_t now, TestJob **ret) {
        FairJob *j = NULL;
        int r = fair_scheduler_start_next(s, now, &j);

        ASSERT_OK(r);
        if (r == 0)
                return '-';
        ASSERT_EQ(j->state, FAIR_JOB_RUNNING);
        if (ret)
                *ret = j->userdata;
        return ((TestJob *) j->userdata)->client;
}

static void assert_starts(FairScheduler *s, uint64_t now, const char *expected) {
        for (const char *p = expected; *p; p++)
                ASSERT_EQ(start(s, now, NULL), *p);
}

static FairRefusal refused(FairScheduler *s, char client, uint64_t now) {
        ClientKey k = key(client);
        FairRefusal admit_refusal, enqueue_refusal;
        TestJob extra = {};

        ASSERT_EQ(fair_scheduler_admit(s, &k, now, &admit_refusal), 1);
        ASSERT_EQ(fair_scheduler_enqueue(s, &k, &extra.fair, &extra, now, &enqueue_refusal), 1);
        ASSERT_EQ(extra.fair.state, FAIR_JOB_NEW);
        ASSERT_EQ(admit_refusal.http_status, enqueue_refusal.http_status);
        ASSERT_EQ(admit_refusal.retry_after_sec, enqueue_refusal.retry_after_sec);
        ASSERT_TRUE(admit_refusal.reason && admit_refusal.reason[0]);
        return admit_refusal;
}

static uint64_t quota(FairScheduler *s, TestJob *j, uint64_t now) {
        uint64_t q;

        ASSERT_OK(fair_scheduler_quota(s, &j->fair, now, &q));
        return q;
}

#define MS USEC_PER_MSEC
#define MIB (UINT64_C(1) << 20)

static unsigned n_busy(FairScheduler *s) {
        FairStats stats;

        fair_scheduler_get_stats(s, &stats);
        return stats.n_busy;
}

/* Charges each of n running jobs cpu at now: a billing tick. */
static void tick(FairScheduler *s, TestJob **jobs, unsigned n, uint64_t cpu, uint64_t now) {
        for (unsigned i = 0; i < n; i++)
                ASSERT_OK(fair_scheduler_charge(s, &jobs[i]->fair, cpu, now));
}

TEST(sleepers_hold_no_slot) {
        FairConfig c = config(2);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[4], b[4], d[1], *run[4];

        enqueue(s, 'A', a, 4, T0);
        enqueue(s, 'B', b, 4, T0);
        ASSERT_EQ(start(s, T0, &run[0]), 'A');
        ASSERT_EQ(start(s, T0, &run[1]), 'B');
        ASSERT_EQ(start(s, T0, NULL), '-');     /* new jobs are busy until their first window says */
        ASSERT_EQ(n_busy(s), 2);

        /* Half a window of sleep decides nothing yet. */
        tick(s, run, 2, 0, T0 + 250 * MS);
        ASSERT_EQ(start(s, T0 + 250 * MS, NULL), '-');
        /* A whole one does: both sleep, and free their slots for the clients' second jobs. */
        tick(s, run, 2, 0, T0 + 500 * MS);
        ASSERT_EQ(n_busy(s), 0);
        ASSERT_EQ(start(s, T0 + 500 * MS, &run[2]), 'A');
        ASSERT_EQ(start(s, T0 + 500 * MS, &run[3]), 'B');
        /* Now each client has its two running: the per-client cap holds, sleeping or not. */
        tick(s, run + 2, 2, 0, T0 + SEC);
        ASSERT_EQ(n_busy(s), 0);
        ASSERT_EQ(start(s, T0 + SEC, NULL), '-');

        /* A newcomer starts at once beside four sleepers and their clients' queues. */
        enqueue(s, 'D', d, 1, T0 + SEC);
        ASSERT_EQ(start(s, T0 + SEC, NULL), 'D');
        ASSERT_EQ(n_busy(s), 1);
}

TEST(busy_threshold_and_waking_up) {
        FairConfig c = config(1);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[1], b[1], d[1], *run[3];

        enqueue(s, 'A', a, 1, T0);
        ASSERT_EQ(start(s, T0, &run[0]), 'A');
        /* Exactly 10% of a CPU over the window is busy... */
        tick(s, run, 1, 50 * MS, T0 + 500 * MS);
        ASSERT_EQ(n_busy(s), 1);
        /* ... a little less is not (charges within a window add up). */
        tick(s, run, 1, 20 * MS, T0 + 750 * MS);
        tick(s, run, 1, 29 * MS, T0 + SEC);
        ASSERT_EQ(n_busy(s), 0);

        enqueue(s, 'B', b, 1, T0 + SEC);
        ASSERT_EQ(start(s, T0 + SEC, &run[1]), 'B');
        /* The sleeper wakes up and spins: both hold a slot, one more than max_running, and nothing
         * else starts until one of them sleeps or ends. */
        tick(s, run, 2, 500 * MS, T0 + 1500 * MS);
        ASSERT_EQ(n_busy(s), 2);
        enqueue(s, 'D', d, 1, T0 + 1500 * MS);
        ASSERT_EQ(start(s, T0 + 1500 * MS, NULL), '-');
        ASSERT_OK(fair_scheduler_finish(s, &run[0]->fair, 0, T0 + 1600 * MS));
        ASSERT_EQ(start(s, T0 + 1600 * MS, NULL), '-');
        ASSERT_OK(fair_scheduler_finish(s, &run[1]->fair, 0, T0 + 1700 * MS));
        ASSERT_EQ(n_busy(s), 0);
        ASSERT_EQ(start(s, T0 + 1700 * MS, &run[2]), 'D');
        /* An idle job that ends gives back no slot it did not hold. */
        tick(s, run + 2, 1, 0, T0 + 2200 * MS);
        ASSERT_EQ(n_busy(s), 0);
        ASSERT_OK(fair_scheduler_finish(s, &run[2]->fair, 0, T0 + 2300 * MS));
        ASSERT_EQ(n_busy(s), 0);
}

TEST(memory_is_the_hard_bound) {
        FairConfig c = config(4);
        c.running_memory_max = 1024 * MIB;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[2], b[2];
        FairStats stats;

        enqueue(s, 'B', b, 2, T0);
        enqueue(s, 'A', a, 2, T0);
        a[0].fair.memory_max = a[1].fair.memory_max = 512 * MIB;
        b[0].fair.memory_max = 2048 * MIB;      /* larger than the bound: runs only alone */
        b[1].fair.memory_max = 256 * MIB;
        /* B's big job is at the head of its queue and nothing runs: it fits. */
        assert_starts(s, T0, "B");
        ASSERT_EQ(start(s, T0, NULL), '-');     /* A's 512 MiB do not fit beside it */
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.running_memory, 2048 * MIB);
        ASSERT_EQ(stats.n_running, 1);
        ASSERT_EQ(stats.n_busy, 1);             /* slots were free: memory alone held them back */
}

TEST(held_reserve_is_bounded_too) {
        FairConfig c = config(4);
        c.running_held_max = 100 * MIB;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[2], b[2], *run[3];
        FairStats stats;

        enqueue(s, 'A', a, 2, T0);
        enqueue(s, 'B', b, 2, T0);
        /* A's jobs pack results (66 MiB each), B's only keep output (2 MiB each). */
        a[0].fair.held_reserve = a[1].fair.held_reserve = 66 * MIB;
        b[0].fair.held_reserve = b[1].fair.held_reserve = 2 * MIB;
        ASSERT_EQ(start(s, T0, &run[0]), 'A');
        ASSERT_EQ(start(s, T0, &run[1]), 'B');
        tick(s, run, 2, 0, T0 + SEC);
        ASSERT_EQ(n_busy(s), 0);
        /* Both sleep, slots are free, but A's second would take 132 MiB of 100: B's goes first. */
        ASSERT_EQ(start(s, T0 + SEC, &run[2]), 'B');
        ASSERT_EQ(start(s, T0 + SEC, NULL), '-');
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.running_held, 70 * MIB);
        ASSERT_OK(fair_scheduler_finish(s, &run[0]->fair, 0, T0 + 2 * SEC));
        ASSERT_EQ(start(s, T0 + 2 * SEC, NULL), 'A');
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.running_held, 70 * MIB);
}

TEST(memory_bound_with_sleepers) {
        FairConfig c = config(4);
        c.running_memory_max = 1024 * MIB;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[2], b[1], *run[3];
        FairStats stats;

        enqueue(s, 'A', a, 2, T0);
        enqueue(s, 'B', b, 1, T0);
        a[0].fair.memory_max = a[1].fair.memory_max = 512 * MIB;
        b[0].fair.memory_max = 512 * MIB;
        ASSERT_EQ(start(s, T0, &run[0]), 'A');
        ASSERT_EQ(start(s, T0, &run[1]), 'B');
        tick(s, run, 2, 0, T0 + SEC);
        ASSERT_EQ(n_busy(s), 0);
        /* Free slots, but 1 GiB of MemoryMax is running already. */
        ASSERT_EQ(start(s, T0 + SEC, NULL), '-');
        ASSERT_OK(fair_scheduler_finish(s, &run[1]->fair, 0, T0 + 2 * SEC));
        ASSERT_EQ(start(s, T0 + 2 * SEC, &run[2]), 'A');
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.running_memory, 1024 * MIB);
        ASSERT_OK(fair_scheduler_finish(s, &run[0]->fair, 0, T0 + 3 * SEC));
        ASSERT_OK(fair_scheduler_finish(s, &run[2]->fair, 0, T0 + 3 * SEC));
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.running_memory, 0);
}

typedef struct Dropped {
        TestJob *jobs[8];
        unsigned n;
} Dropped;

static void on_drop(FairJob *job, void *userdata) {
        Dropped *d = userdata;

        ASSERT_EQ(job->state, FAIR_JOB_DONE);
        ASSERT_TRUE(d->n < ELEMENTSOF(d->jobs));
        d->jobs[d->n++] = job->userdata;
}

TEST(queue_places_are_shared) {
        FairConfig c = config(1);
        c.max_queued = 4;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[4], b[1], d[1], e[1];
        ClientKey ka = key('A'), kf = key('F');
        Dropped dropped = {};
        FairRefusal r;
        FairStats stats;

        fair_scheduler_set_drop_handler(s, on_drop, &dropped);
        /* While there is room a client may take more than an equal share. */
        enqueue(s, 'A', a, 3, T0);
        enqueue(s, 'B', b, 1, T0);
        ASSERT_EQ(dropped.n, 0);

        /* Full. A newcomer within its share (4 / 3 clients) gets in: A, most beyond its share, loses its
         * newest queued job. */
        ASSERT_EQ(fair_scheduler_admit(s, &kf, T0, &r), 0);
        enqueue(s, 'D', d, 1, T0);
        ASSERT_EQ(dropped.n, 1);
        ASSERT_TRUE(dropped.jobs[0] == &a[2]);
        ASSERT_EQ(a[2].fair.state, FAIR_JOB_DONE);
        enqueue(s, 'E', e, 1, T0);
        ASSERT_EQ(dropped.n, 2);
        ASSERT_TRUE(dropped.jobs[1] == &a[1]);

        /* Everyone at its share of one: a fifth client is refused, and A's one job stays. */
        r = refused(s, 'F', T0);
        ASSERT_EQ(r.http_status, 503);
        /* A, at its share, is refused rather than dropping others' jobs. */
        ASSERT_EQ(fair_scheduler_admit(s, &ka, T0, &r), 1);
        ASSERT_EQ(r.http_status, 503);
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.n_queued, 4);
        ASSERT_EQ(dropped.n, 2);

        /* What was dropped is out of the queue: the survivors start in turn. */
        assert_starts(s, T0, "A");
        ASSERT_EQ(a[0].fair.state, FAIR_JOB_RUNNING);
}

TEST(newcomer_starts_second_not_seventeenth) {
        FairConfig c = config(8);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[16], b[1];
        TestJob *first;

        enqueue(s, 'A', a, 16, T0);
        enqueue(s, 'B', b, 1, T0);
        /* A's third job waits for one of A's two running jobs, not for B. */
        ASSERT_EQ(start(s, T0, &first), 'A');
        assert_starts(s, T0, "BA-");
        ASSERT_OK(fair_scheduler_finish(s, &first->fair, 0, T0 + SEC));
        assert_starts(s, T0 + SEC, "A-");
}

TEST(round_robin_with_one_slot) {
        FairConfig c = config(1);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[16], b[1], *running;

        enqueue(s, 'A', a, 16, T0);
        ASSERT_EQ(start(s, T0, &running), 'A');
        enqueue(s, 'B', b, 1, T0);
        ASSERT_EQ(start(s, T0, NULL), '-');     /* the server's one slot is taken */
        ASSERT_OK(fair_scheduler_finish(s, &running->fair, 0, T0 + SEC));
        ASSERT_EQ(start(s, T0 + SEC, &running), 'B');
        ASSERT_OK(fair_scheduler_finish(s, &running->fair, 0, T0 + 2 * SEC));
        ASSERT_EQ(start(s, T0 + 2 * SEC, NULL), 'A');
}

TEST(running_caps) {
        FairConfig c = config(3);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[3], b[1], d[1], e[1], *first;
        FairStats stats;

        enqueue(s, 'A', a, 3, T0);
        enqueue(s, 'B', b, 1, T0);
        enqueue(s, 'D', d, 1, T0);
        enqueue(s, 'E', e, 1, T0);
        /* Per client at most 2, in all at most 3. */
        ASSERT_EQ(start(s, T0, &first), 'A');
        assert_starts(s, T0, "BD-");
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.n_running, 3);
        ASSERT_EQ(stats.n_queued, 3);
        ASSERT_EQ(stats.n_clients, 4);
        ASSERT_OK(fair_scheduler_finish(s, &first->fair, 0, T0));
        assert_starts(s, T0, "E-");
}

TEST(client_queue_cap_gives_429) {
        FairConfig c = config(8);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[18], *running[2];
        ClientKey ka = key('A'), kb = key('B');
        FairRefusal r;

        enqueue(s, 'A', a, 2, T0);
        ASSERT_EQ(start(s, T0, &running[0]), 'A');
        ASSERT_EQ(start(s, T0, &running[1]), 'A');
        enqueue(s, 'A', a + 2, 16, T0);

        /* Full budget, but both of A's slots busy: a queued job starts when one ends, ~5 s. */
        r = refused(s, 'A', T0);
        ASSERT_EQ(r.http_status, 429);
        ASSERT_EQ(r.retry_after_sec, 5);

        /* In debt: 5 s owed plus the 1 s start budget take 36 s to earn. */
        ASSERT_OK(fair_scheduler_charge(s, &running[0]->fair, 15 * SEC, T0));
        r = refused(s, 'A', T0);
        ASSERT_EQ(r.http_status, 429);
        ASSERT_EQ(r.retry_after_sec, 36);
        r = refused(s, 'A', T0 + 30 * SEC + 1);
        ASSERT_EQ(r.retry_after_sec, 6);

        /* Other clients are not affected. */
        ASSERT_EQ(fair_scheduler_admit(s, &kb, T0, &r), 0);

        /* A cancelled job frees a place. */
        ASSERT_OK(fair_scheduler_cancel(s, &a[10].fair, T0));
        ASSERT_EQ(fair_scheduler_admit(s, &ka, T0, &r), 0);
}

TEST(server_queue_cap_gives_503) {
        FairConfig c = config(4);
        c.max_queued = 3;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[2], b[1], d[1], e[1];
        FairRefusal r;

        enqueue(s, 'A', a, 2, T0);
        enqueue(s, 'B', b, 1, T0);
        /* Full: A, already beyond an equal share of the 3 places, is refused. */
        r = refused(s, 'A', T0);
        ASSERT_EQ(r.http_status, 503);
        /* With 4 slots, a job ends every 5 s / 4 on average. */
        ASSERT_EQ(r.retry_after_sec, 2);
        /* A newcomer within its share takes A's newest place (queue_places_are_shared); the next one
         * would be past its share of 3 / 4 places and finds nobody beyond theirs. */
        enqueue(s, 'D', d, 1, T0);
        ASSERT_EQ(a[1].fair.state, FAIR_JOB_DONE);
        r = refused(s, 'E', T0);
        ASSERT_EQ(r.http_status, 503);

        assert_starts(s, T0, "A");
        enqueue(s, 'E', e, 1, T0);
}

TEST(client_table_full_gives_503) {
        FairConfig c = config(4);
        c.max_clients = 2;
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[1], b[1], d[1], *ja, *jb;
        FairRefusal r;
        ClientKey ka = key('A');

        enqueue(s, 'A', a, 1, T0);
        enqueue(s, 'B', b, 1, T0);
        r = refused(s, 'D', T0);
        ASSERT_EQ(r.http_status, 503);
        ASSERT_EQ(r.retry_after_sec, 5);        /* every client has a job: guess one job's time */

        ASSERT_EQ(start(s, T0, &ja), 'A');
        ASSERT_EQ(start(s, T0, &jb), 'B');
        ASSERT_OK(fair_scheduler_finish(s, &ja->fair, 3 * SEC, T0 + 4 * SEC));
        ASSERT_OK(fair_scheduler_finish(s, &jb->fair, 2 * SEC, T0 + 4 * SEC));
        /* Nobody is forgotten while owing: B's bucket is full 12 s after its job ended. */
        r = refused(s, 'D', T0 + 4 * SEC);
        ASSERT_EQ(r.retry_after_sec, 12);
        enqueue(s, 'D', d, 1, T0 + 16 * SEC);
        /* B was evicted, A is still there and still owes. */
        ASSERT_EQ(fair_scheduler_budget_remaining(s, &ka, T0 + 16 * SEC), 7 * SEC + 2 * SEC);
        FairStats stats;
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.n_clients, 2);
}

TEST(throttle_and_restore) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[2], *j1, *j2;

        enqueue(s, 'A', a, 2, T0);
        ASSERT_EQ(start(s, T0, &j1), 'A');
        ASSERT_EQ(start(s, T0, &j2), 'A');
        ASSERT_TRUE(quota(s, j1, T0) == FAIR_QUOTA_UNLIMITED);

        /* Live charges: 11 s used, 1 s of debt. The two jobs share a sixth of a CPU. */
        ASSERT_OK(fair_scheduler_charge(s, &j1->fair, 6 * SEC, T0));
        ASSERT_TRUE(quota(s, j1, T0) == FAIR_QUOTA_UNLIMITED);
        ASSERT_OK(fair_scheduler_charge(s, &j2->fair, 5 * SEC, T0));
        ASSERT_EQ(quota(s, j1, T0), 83333);
        ASSERT_EQ(quota(s, j2, T0), 83333);

        /* One job ends: the other gets the whole refill rate. */
        ASSERT_OK(fair_scheduler_finish(s, &j2->fair, 0, T0));
        ASSERT_EQ(quota(s, j1, T0), 166666);

        /* Back above zero (9 s later: +0.5 s) is not enough... */
        ASSERT_EQ(quota(s, j1, T0 + 9 * SEC), 166666);
        /* ...the start budget of 1 s (12 s later) is. */
        ASSERT_TRUE(quota(s, j1, T0 + 12 * SEC) == FAIR_QUOTA_UNLIMITED);
        ASSERT_TRUE(quota(s, j1, T0 + 12 * SEC) == FAIR_QUOTA_UNLIMITED);

        /* Throttled jobs that use their whole quota keep the level where it is. */
        ASSERT_OK(fair_scheduler_charge(s, &j1->fair, 2 * SEC, T0 + 12 * SEC));
        for (uint64_t t = T0 + 13 * SEC; t < T0 + 30 * SEC; t += SEC) {
                ASSERT_EQ(quota(s, j1, t), 166666);
                ASSERT_OK(fair_scheduler_charge(s, &j1->fair, 166666, t));
        }
        ClientKey ka = key('A');
        ASSERT_TRUE(fair_scheduler_budget_remaining(s, &ka, T0 + 30 * SEC) <= 0);
}

TEST(waiting_for_budget_and_wakeup) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[3], *j;
        ClientKey ka = key('A');

        ASSERT_TRUE(fair_scheduler_next_wakeup(s, T0) == UINT64_MAX);
        enqueue(s, 'A', a, 1, T0);
        ASSERT_EQ(start(s, T0, &j), 'A');
        ASSERT_OK(fair_scheduler_finish(s, &j->fair, 12 * SEC, T0));
        ASSERT_EQ(fair_scheduler_budget_remaining(s, &ka, T0), -2 * (int64_t) SEC);

        /* 2 s of debt and the 1 s start budget: 18 s. */
        enqueue(s, 'A', a + 1, 2, T0);
        ASSERT_EQ(start(s, T0, NULL), '-');
        ASSERT_EQ(fair_scheduler_next_wakeup(s, T0), T0 + 18 * SEC);
        ASSERT_EQ(start(s, T0 + 18 * SEC - 1, NULL), '-');
        ASSERT_EQ(start(s, T0 + 18 * SEC, NULL), 'A');
        /* Still at least the start budget: the second may start as well. */
        ASSERT_EQ(start(s, T0 + 18 * SEC, NULL), 'A');
        /* Nobody waits for budget any more. */
        ASSERT_TRUE(fair_scheduler_next_wakeup(s, T0 + 18 * SEC) == UINT64_MAX);
}

TEST(wakeup_ignores_clients_at_running_cap) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[3], *j1, *j2;

        enqueue(s, 'A', a, 3, T0);
        ASSERT_EQ(start(s, T0, &j1), 'A');
        ASSERT_EQ(start(s, T0, &j2), 'A');
        ASSERT_OK(fair_scheduler_charge(s, &j1->fair, 20 * SEC, T0));
        /* A's third job waits for a slot, not for time: no timer. */
        ASSERT_TRUE(fair_scheduler_next_wakeup(s, T0) == UINT64_MAX);
        ASSERT_OK(fair_scheduler_finish(s, &j2->fair, 0, T0));
        ASSERT_EQ(fair_scheduler_next_wakeup(s, T0), T0 + 66 * SEC);
}

TEST(status_positions_and_estimates) {
        FairConfig c = config(1);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[3], b[1], *running;
        FairJobStatus st;

        enqueue(s, 'A', a, 3, T0);
        enqueue(s, 'B', b, 1, T0);
        ASSERT_EQ(start(s, T0, &running), 'A');
        ASSERT_ERROR(fair_scheduler_job_status(s, &running->fair, T0, &st), ENOENT);

        /* One slot, 5 s per job: B next, then A's two. */
        ASSERT_OK(fair_scheduler_job_status(s, &b[0].fair, T0, &st));
        ASSERT_EQ(st.queue_position, 0);
        ASSERT_EQ(st.estimated_start_usec, T0 + 5 * SEC);
        ASSERT_OK(fair_scheduler_job_status(s, &a[1].fair, T0, &st));
        ASSERT_EQ(st.queue_position, 1);
        ASSERT_EQ(st.estimated_start_usec, T0 + 10 * SEC);
        ASSERT_OK(fair_scheduler_job_status(s, &a[2].fair, T0, &st));
        ASSERT_EQ(st.queue_position, 2);
        ASSERT_EQ(st.estimated_start_usec, T0 + 15 * SEC);

        /* A client waiting for budget starts no earlier than its bucket allows. */
        ASSERT_OK(fair_scheduler_charge(s, &running->fair, 19 * SEC, T0));
        ASSERT_OK(fair_scheduler_job_status(s, &a[1].fair, T0, &st));
        ASSERT_EQ(st.estimated_start_usec, T0 + 60 * SEC);

        /* Cancelling B moves A's jobs up. */
        ASSERT_OK(fair_scheduler_cancel(s, &b[0].fair, T0));
        ASSERT_OK(fair_scheduler_job_status(s, &a[2].fair, T0, &st));
        ASSERT_EQ(st.queue_position, 1);
}

TEST(job_time_estimate_learns) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[1], *j;
        FairStats stats;

        enqueue(s, 'A', a, 1, T0);
        ASSERT_EQ(start(s, T0, &j), 'A');
        ASSERT_OK(fair_scheduler_finish(s, &j->fair, 0, T0 + 13 * SEC));
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.job_usec_estimate, 6 * SEC);      /* 5 s + (13 s - 5 s) / 8 */
}

TEST(state_errors) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[1], *j;
        ClientKey ka = key('A');
        FairRefusal r;
        uint64_t q;

        enqueue(s, 'A', a, 1, T0);
        ASSERT_ERROR(fair_scheduler_enqueue(s, &ka, &a[0].fair, a, T0, &r), EBUSY);
        ASSERT_ERROR(fair_scheduler_charge(s, &a[0].fair, SEC, T0), EINVAL);
        ASSERT_ERROR(fair_scheduler_finish(s, &a[0].fair, SEC, T0), EINVAL);
        ASSERT_ERROR(fair_scheduler_quota(s, &a[0].fair, T0, &q), EINVAL);
        ASSERT_EQ(start(s, T0, &j), 'A');
        ASSERT_ERROR(fair_scheduler_cancel(s, &j->fair, T0), EINVAL);
        ASSERT_OK(fair_scheduler_finish(s, &j->fair, SEC, T0));
        ASSERT_ERROR(fair_scheduler_finish(s, &j->fair, SEC, T0), EINVAL);
        ASSERT_ERROR(fair_scheduler_charge(s, &j->fair, SEC, T0), EINVAL);
        ASSERT_EQ(j->fair.state, FAIR_JOB_DONE);
        ASSERT_EQ(fair_scheduler_budget_remaining(s, &ka, T0), 9 * SEC);

        FairConfig bad = c;
        FairScheduler *none = NULL;
        bad.max_running = 0;
        ASSERT_ERROR(fair_scheduler_new(&none, &bad, hash_key), EINVAL);
        ASSERT_TRUE(none == NULL);
}

TEST(evict_idle_clients) {
        FairConfig c = config(4);
        _cleanup_(fair_scheduler_freep) FairScheduler *s = scheduler(&c);
        TestJob a[1], b[1], *j;
        ClientKey kb = key('B');
        FairStats stats;

        enqueue(s, 'A', a, 1, T0);
        enqueue(s, 'B', b, 1, T0);
        ASSERT_EQ(start(s, T0, &j), 'A');
        ASSERT_OK(fair_scheduler_finish(s, &j->fair, 0, T0));
        ASSERT_EQ(fair_scheduler_evict_idle(s, T0), 1);
        ASSERT_OK(fair_scheduler_cancel(s, &b[0].fair, T0));
        ASSERT_EQ(fair_scheduler_evict_idle(s, T0), 1);
        fair_scheduler_get_stats(s, &stats);
        ASSERT_EQ(stats.n_clients, 0);
        ASSERT_EQ(fair_scheduler_budget_remaining(s, &kb, T0), 10 * SEC);
}

int main(void) {
        RUN(newcomer_starts_second_not_seventeenth);
        RUN(round_robin_with_one_slot);
        RUN(running_caps);
        RUN(client_queue_cap_gives_429);
        RUN(server_queue_cap_gives_503);
        RUN(client_table_full_gives_503);
        RUN(throttle_and_restore);
        RUN(waiting_for_budget_and_wakeup);
        RUN(wakeup_ignores_clients_at_running_cap);
        RUN(status_positions_and_estimates);
        RUN(job_time_estimate_learns);
        RUN(state_errors);
        RUN(evict_idle_clients);
        RUN(sleepers_hold_no_slot);
        RUN(busy_threshold_and_waking_up);
        RUN(memory_is_the_hard_bound);
        RUN(memory_bound_with_sleepers);
        RUN(held_reserve_is_bounded_too);
        RUN(queue_places_are_shared);
        return 0;
}
