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
                        fprintf(stderr, "expected %c at %zu of \"%s\", got %c\n", *p, (size_t) (p - expected),
                                expected, got);
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
        ASSERT_TRUE(q.cursor == NULL);
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

TEST(late_client_joins_at_end_of_round) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[3], bjobs[3], cjobs[3];

        push(&q, &a, ajobs, 3);
        push(&q, &b, bjobs, 3);
        assert_order(&q, "A");
        /* B has the turn; C waits until A has had its next one. */
        push(&q, &c, cjobs, 3);
        assert_order(&q, "BACBACBC-");
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

        /* Nobody eligible: nothing picked and the turn stays put. */
        push(&q, &a, ajobs, 1);
        push(&q, &b, bjobs, 1);
        FairQueueSlot *cursor = q.cursor;
        a.eligible = b.eligible = false;
        assert_order(&q, "-");
        ASSERT_TRUE(q.cursor == cursor);
        ASSERT_EQ(q.n_queued, 2);
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

TEST(remove_cursor_slot_passes_turn) {
        FairQueue q = {};
        TestClient a = { .name = 'A', .eligible = true }, b = { .name = 'B', .eligible = true };
        TestClient c = { .name = 'C', .eligible = true };
        TestJob ajobs[2], bjobs[2], cjobs[2];

        push(&q, &a, ajobs, 2);
        push(&q, &b, bjobs, 2);
        push(&q, &c, cjobs, 2);
        ASSERT_TRUE(q.cursor == &a.slot);
        fair_queue_remove(&q, &ajobs[0].entry);
        fair_queue_remove(&q, &ajobs[1].entry);
        ASSERT_TRUE(q.cursor == &b.slot);
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

int main(void) {
        RUN(one_client_is_fifo);
        RUN(newcomer_is_second_not_seventeenth);
        RUN(round_robin_across_clients);
        RUN(late_client_joins_at_end_of_round);
        RUN(ineligible_clients_are_skipped);
        RUN(remove_from_middle);
        RUN(remove_cursor_slot_passes_turn);
        RUN(positions_match_pick_order);
        return 0;
}
