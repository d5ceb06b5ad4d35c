/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "fair-queue.h"
#include "macro.h"
#include "tests.h"

/* Test clients are named by a letter and jobs by the client's letter and a number: "A3". */
typedef struct TestClient {
        char name;
        bool eligible;
        FairQueueSlot slot;
} TestClient;

typedef struct TestJob {
        char client;
        unsigned number;
        FairQueueEntry entry;
} TestJob;

static void push(FairQueue *q, TestClient *c, TestJob *jobs, unsigned n) {
        c->slot.owner = c;
        for (unsigned i = 0; i < n; i++) {
                jobs[i] = (TestJob) { .client = c->name, .number = i };
                fair_queue_push(q, &c->slot, &jobs[i].entry, &jobs[i]);
        }
}

static bool test_eligible(FairQueueSlot *slot, void *userdata) {
        TestClient *c = slot->owner;
        (*(unsigned *) userdata)++;
        return c->eligible;
}

/* Picks one job and returns its client's letter, or '-' if none was eligible. */
static char pick(FairQueue *q) {
        unsigned offered = 0;
        FairQueueEntry *e = fair_queue_pick(q, test_eligible, &offered);

        ASSERT_TRUE(offered <= q->n_slots + 1);
        if (!e)
                return '-';
        ASSERT_TRUE(e->slot == NULL);
        return ((TestJob *) e->owner)->client;
}

static void assert_order(FairQueue *q, const char *expected) {
        for (const char *p = expected; *p; p++) {
                char got = pick(q);
                if (got != *p) {
                        fprintf(stderr, "expected %c at %zu of \"%s\", got %c\n",
                                *p, (size_t) (p - expected), expected, got);
                        abort();
                }
        }
}

TEST(one_client_is_fifo) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true };
        TestJob jobs[3];

        push(&q, &a, jobs, 3);
        ASSERT_EQ(q.n_queued, 3);
        for (unsigned i = 0; i < 3; i++)
                ASSERT_TRUE(fair_queue_pick(&q, NULL, NULL) == &jobs[i].entry);
        ASSERT_TRUE(fair_queue_pick(&q, NULL, NULL) == NULL);
        ASSERT_EQ(q.n_queued, 0);
        ASSERT_EQ(q.n_slots, 0);
        ASSERT_TRUE(q.slots == NULL);
}

TEST(newcomer_is_second_not_seventeenth) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestJob ajobs[16], bjobs[1];

        push(&q, &a, ajobs, 16);
        push(&q, &b, bjobs, 1);
        assert_order(&q, "AB" "AAAAAAAAAAAAAAA" "-");
}

TEST(round_robin_across_clients) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[3], bjobs[1], cjobs[2];

        push(&q, &a, ajobs, 3);
        push(&q, &b, bjobs, 1);
        push(&q, &c, cjobs, 2);
        assert_order(&q, "ABCACA-");
}

TEST(late_client_joins_current_round) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[3], bjobs[3], cjobs[3];

        push(&q, &a, ajobs, 3);
        push(&q, &b, bjobs, 3);
        assert_order(&q, "A");
        /* C has not had a turn in this round: it comes right after B, before A's second. */
        push(&q, &c, cjobs, 3);
        assert_order(&q, "BCABCABC-");
}

TEST(leaving_and_coming_back_does_not_skip_ahead) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestJob ajobs[3], bjobs[1], again[1];

        push(&q, &a, ajobs, 3);
        push(&q, &b, bjobs, 1);
        assert_order(&q, "AB");
        /* B had its turn in this round; queueing again puts it behind A. */
        push(&q, &b, again, 1);
        assert_order(&q, "ABA-");
}

TEST(single_client_then_newcomer) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestJob ajobs[16], bjobs[1];

        push(&q, &a, ajobs, 16);
        assert_order(&q, "A");
        push(&q, &b, bjobs, 1);
        assert_order(&q, "BA");
}

TEST(ineligible_clients_are_skipped) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = false }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[2], bjobs[2], cjobs[2];

        push(&q, &a, ajobs, 2);
        push(&q, &b, bjobs, 2);
        push(&q, &c, cjobs, 2);
        assert_order(&q, "BC");
        a.eligible = true;
        assert_order(&q, "ABCA-");

        /* Nobody eligible: nothing picked, nothing changed. */
        push(&q, &a, ajobs, 1);
        push(&q, &b, bjobs, 1);
        uint64_t round = q.round;
        a.eligible = b.eligible = false;
        assert_order(&q, "-");
        ASSERT_EQ(q.round, round);
        ASSERT_EQ(q.n_queued, 2);
}

TEST(skipped_client_gets_no_extra_turns) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = false }, b = { .name = 'B', .eligible = true };
        TestJob ajobs[4], bjobs[6];

        push(&q, &a, ajobs, 4);
        push(&q, &b, bjobs, 6);
        assert_order(&q, "BBB");
        /* A missed three rounds: it goes first now, then alternates, rather than taking three. */
        a.eligible = true;
        assert_order(&q, "ABABABA-");
}

TEST(remove_from_middle) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestJob ajobs[3], bjobs[1];

        push(&q, &a, ajobs, 3);
        push(&q, &b, bjobs, 1);
        fair_queue_remove(&q, &ajobs[1].entry);
        ASSERT_EQ(q.n_queued, 3);
        ASSERT_TRUE(ajobs[1].entry.slot == NULL);
        fair_queue_remove(&q, &ajobs[1].entry);        /* second time: no-op */
        ASSERT_EQ(q.n_queued, 3);

        /* B's only job cancelled: B leaves the ring. */
        fair_queue_remove(&q, &bjobs[0].entry);
        ASSERT_EQ(q.n_slots, 1);

        ASSERT_TRUE(fair_queue_pick(&q, NULL, NULL) == &ajobs[0].entry);
        ASSERT_TRUE(fair_queue_pick(&q, NULL, NULL) == &ajobs[2].entry);
        ASSERT_TRUE(fair_queue_pick(&q, NULL, NULL) == NULL);
}

TEST(remove_whole_client) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[2], bjobs[2], cjobs[2];

        push(&q, &a, ajobs, 2);
        push(&q, &b, bjobs, 2);
        push(&q, &c, cjobs, 2);
        fair_queue_remove(&q, &ajobs[0].entry);
        fair_queue_remove(&q, &ajobs[1].entry);
        ASSERT_EQ(q.n_slots, 2);
        assert_order(&q, "BCBC-");
}

static unsigned position_of(FairQueue *q, TestJob *j, unsigned *ret_index) {
        unsigned position;

        ASSERT_OK(fair_queue_position(q, &j->entry, &position, ret_index));
        return position;
}

TEST(positions_match_pick_order) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[16], bjobs[1], cjobs[4];
        unsigned index;

        push(&q, &a, ajobs, 16);
        push(&q, &b, bjobs, 1);
        push(&q, &c, cjobs, 4);
        assert_order(&q, "A");

        /* Every job's position is the number of picks before it comes out. */
        TestJob *all[20];
        unsigned n = 0;
        for (unsigned i = 1; i < 16; i++)
                all[n++] = &ajobs[i];
        all[n++] = &bjobs[0];
        for (unsigned i = 0; i < 4; i++)
                all[n++] = &cjobs[i];

        unsigned expected[20];
        for (unsigned i = 0; i < n; i++)
                expected[i] = position_of(&q, all[i], NULL);
        ASSERT_EQ(position_of(&q, &bjobs[0], &index), 0);
        ASSERT_EQ(index, 0);
        ASSERT_EQ(position_of(&q, &ajobs[3], &index), 6);
        ASSERT_EQ(index, 2);

        for (unsigned picked = 0; picked < n; picked++) {
                FairQueueEntry *e = fair_queue_pick(&q, NULL, NULL);
                bool found = false;
                for (unsigned i = 0; i < n; i++)
                        if (&all[i]->entry == e) {
                                ASSERT_EQ(expected[i], picked);
                                found = true;
                        }
                ASSERT_TRUE(found);
        }

        TestJob lone = {};
        ASSERT_ERROR(fair_queue_position(&q, &lone.entry, &index, NULL), ENOENT);
}

/* Random histories of pushes, cancels and picks with clients dropping in and out of eligibility; then
 * every position must be exactly the number of picks before that entry comes out. */
TEST(positions_exact_after_random_history) {
        uint32_t seed = 4242;

        for (unsigned history = 0; history < 200; history++) {
                FairQueue q = {};
                TestClient clients[6];
                TestJob jobs[6][24];
                unsigned pushed[6] = {};

                for (unsigned i = 0; i < 6; i++) {
                        clients[i] = (TestClient) { .name = (char) ('A' + i) };
                        clients[i].slot.owner = &clients[i];
                }

                for (unsigned step = 0; step < 60; step++) {
                        seed = seed * 1103515245 + 12345;
                        unsigned i = (seed >> 16) % 6;
                        switch ((seed >> 8) % 4) {
                        case 0:
                        case 1:
                                if (pushed[i] < 24) {
                                        TestJob *j = &jobs[i][pushed[i]++];
                                        *j = (TestJob) { .client = clients[i].name };
                                        fair_queue_push(&q, &clients[i].slot, &j->entry, j);
                                }
                                break;
                        case 2:
                                for (unsigned k = 0; k < 6; k++)
                                        clients[k].eligible = (seed >> (20 + k)) & 1;
                                (void) pick(&q);
                                break;
                        default:
                                if (pushed[i] > 0)
                                        fair_queue_remove(&q, &jobs[i][(seed >> 4) % pushed[i]].entry);
                                break;
                        }
                }

                unsigned expected[6][24];
                for (unsigned i = 0; i < 6; i++)
                        for (unsigned k = 0; k < pushed[i]; k++)
                                if (jobs[i][k].entry.slot)
                                        expected[i][k] = position_of(&q, &jobs[i][k], NULL);

                for (unsigned picked = 0; q.n_queued > 0; picked++) {
                        TestJob *j = fair_queue_pick(&q, NULL, NULL)->owner;
                        unsigned i = (unsigned) (j->client - 'A'), k = (unsigned) (j - jobs[i]);
                        ASSERT_EQ(expected[i][k], picked);
                }
        }
}

int main(void) {
        RUN(one_client_is_fifo);
        RUN(newcomer_is_second_not_seventeenth);
        RUN(round_robin_across_clients);
        RUN(late_client_joins_current_round);
        RUN(leaving_and_coming_back_does_not_skip_ahead);
        RUN(single_client_then_newcomer);
        RUN(ineligible_clients_are_skipped);
        RUN(skipped_client_gets_no_extra_turns);
        RUN(remove_from_middle);
        RUN(remove_whole_client);
        RUN(positions_match_pick_order);
        RUN(positions_exact_after_random_history);
        return 0;
}
