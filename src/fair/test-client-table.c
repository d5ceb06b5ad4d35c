/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "client-table.h"
#include "tests.h"

#define SEC USEC_PER_SEC
#define BUDGET (10 * SEC)
#define PERIOD (60 * SEC)
#define T0 (1000 * SEC)

static const uint8_t hash_key[SIPHASH24_KEY_SIZE] = "0123456789abcde";

static ClientKey v4_key(uint32_t n) {
        ClientKey k = { .family = AF_INET };
        uint32_t be = htonl(n);

        memcpy(k.bytes, &be, sizeof(be));
        return k;
}

static ClientTable *table(size_t max_clients) {
        ClientTable *t;

        ASSERT_OK(client_table_new(&t, max_clients, BUDGET, PERIOD, hash_key));
        return t;
}

TEST(new_rejects_bad_parameters) {
        ClientTable *t = NULL;

        ASSERT_ERROR(client_table_new(&t, 0, BUDGET, PERIOD, hash_key), EINVAL);
        ASSERT_ERROR(client_table_new(&t, 10, 0, PERIOD, hash_key), EINVAL);
        ASSERT_ERROR(client_table_new(&t, 10, BUDGET, 0, hash_key), EINVAL);
        ASSERT_TRUE(t == NULL);
        ASSERT_TRUE(client_table_free(NULL) == NULL);
}

TEST(many_clients_found_again) {
        _cleanup_(client_table_freep) ClientTable *t = table(100000);
        FairClient *c;

        /* Enough to make the table grow several times. */
        for (uint32_t i = 0; i < 5000; i++) {
                ClientKey k = v4_key(0xc0000200 + i * 7919);
                ASSERT_EQ(client_table_acquire(t, &k, T0, &c), 1);
                ASSERT_TRUE(client_key_equal(&c->key, &k));
                ASSERT_TRUE(token_bucket_is_full(&c->bucket, T0));
                ASSERT_TRUE(c->queue.owner == c);
        }
        ASSERT_EQ(client_table_size(t), 5000);

        for (uint32_t i = 0; i < 5000; i++) {
                ClientKey k = v4_key(0xc0000200 + i * 7919);
                FairClient *again;
                c = client_table_get(t, &k);
                ASSERT_TRUE(c != NULL);
                ASSERT_TRUE(client_key_equal(&c->key, &k));
                ASSERT_EQ(client_table_acquire(t, &k, T0, &again), 0);
                ASSERT_TRUE(again == c);
        }

        ClientKey absent = v4_key(1);
        ASSERT_TRUE(client_table_get(t, &absent) == NULL);
        /* Same bytes, other family: another client. */
        ClientKey v6 = v4_key(0xc0000200);
        v6.family = AF_INET6;
        ASSERT_TRUE(client_table_get(t, &v6) == NULL);
}

TEST(full_table_evicts_only_idle_clients) {
        _cleanup_(client_table_freep) ClientTable *t = table(3);
        ClientKey a = v4_key(1), b = v4_key(2), c = v4_key(3), d = v4_key(4), e = v4_key(5);
        FairClient *ca, *cb, *cc, *cd;

        ASSERT_EQ(client_table_acquire(t, &a, T0, &ca), 1);
        ASSERT_EQ(client_table_acquire(t, &b, T0, &cb), 1);
        ASSERT_EQ(client_table_acquire(t, &c, T0, &cc), 1);

        /* a has a running job, b is in debt, c is jobless with a full bucket: only c may go. */
        ca->n_running = 1;
        client_table_update(t, ca, T0);
        token_bucket_charge(&cb->bucket, 13 * SEC, T0);
        client_table_update(t, cb, T0);
        ASSERT_EQ(client_table_usec_until_room(t, T0), 0);

        ASSERT_EQ(client_table_acquire(t, &d, T0 + 1, &cd), 1);
        ASSERT_TRUE(client_table_get(t, &c) == NULL);
        ASSERT_EQ(client_table_size(t), 3);

        /* d has a queued job now: nobody is idle, so a new client is refused. */
        FairQueue q = {};
        FairQueueEntry entry;
        fair_queue_push(&q, &cd->queue, &entry, NULL);
        client_table_update(t, cd, T0 + 1);
        FairClient *ce = NULL;
        ASSERT_ERROR(client_table_acquire(t, &e, T0 + 1, &ce), ENOSPC);
        ASSERT_TRUE(ce == NULL);
        /* b's 3 s of debt plus 10 s of budget refill in 78 s from T0. */
        ASSERT_EQ(client_table_usec_until_room(t, T0 + 1), 78 * SEC - 1);
        ASSERT_ERROR(client_table_acquire(t, &e, T0 + 78 * SEC - 1, &ce), ENOSPC);
        ASSERT_EQ(client_table_acquire(t, &e, T0 + 78 * SEC, &ce), 1);
        ASSERT_TRUE(client_table_get(t, &b) == NULL);

        /* Everyone busy: no room, and no time at which there will be by refill alone. */
        ce->n_running = 1;
        client_table_update(t, ce, T0 + 78 * SEC);
        ASSERT_EQ(client_table_usec_until_room(t, T0 + 78 * SEC), UINT64_MAX);

        /* A client whose job ends becomes evictable once its bucket is full again. */
        ca->n_running = 0;
        token_bucket_charge(&ca->bucket, 1 * SEC, T0 + 80 * SEC);
        client_table_update(t, ca, T0 + 80 * SEC);
        ASSERT_EQ(client_table_usec_until_room(t, T0 + 80 * SEC), 6 * SEC);
        fair_queue_remove(&q, &entry);
}

TEST(evict_idle) {
        _cleanup_(client_table_freep) ClientTable *t = table(100);
        FairClient *c[10];

        for (uint32_t i = 0; i < 10; i++) {
                ClientKey k = v4_key(100 + i);
                ASSERT_EQ(client_table_acquire(t, &k, T0, &c[i]), 1);
                /* Client i has spent i seconds: full again 6 * i seconds later. */
                token_bucket_charge(&c[i]->bucket, i * SEC, T0);
                client_table_update(t, c[i], T0);
        }
        c[0]->n_running = 1;
        client_table_update(t, c[0], T0);

        ASSERT_EQ(client_table_evict_idle(t, T0), 0);
        ASSERT_EQ(client_table_evict_idle(t, T0 + 6 * SEC), 1);       /* client 1 */
        ASSERT_EQ(client_table_evict_idle(t, T0 + 30 * SEC), 4);      /* 2..5 */
        ASSERT_EQ(client_table_size(t), 5);
        ASSERT_EQ(client_table_evict_idle(t, T0 + 3600 * SEC), 4);    /* 6..9; 0 has a job */
        ASSERT_EQ(client_table_size(t), 1);
        ClientKey k0 = v4_key(100);
        ASSERT_TRUE(client_table_get(t, &k0) == c[0]);
}

static size_t count_running(FairClient **c, size_t n) {
        size_t running = 0;

        for (size_t i = 0; i < n; i++)
                running += c[i]->n_running > 0;
        return running;
}

TEST(heap_order_survives_random_updates) {
        _cleanup_(client_table_freep) ClientTable *t = table(1000);
        FairClient *c[300];
        uint32_t seed = 12345;

        for (uint32_t i = 0; i < 300; i++) {
                ClientKey k = v4_key(i + 1);
                ASSERT_EQ(client_table_acquire(t, &k, T0, &c[i]), 1);
        }
        /* Give clients jobs, debts and take jobs away in a pseudo-random order. */
        for (unsigned round = 0; round < 3000; round++) {
                seed = seed * 1103515245 + 12345;
                FairClient *x = c[(seed >> 8) % 300];
                switch ((seed >> 20) % 3) {
                case 0:
                        x->n_running = !x->n_running;
                        break;
                case 1:
                        token_bucket_charge(&x->bucket, (seed >> 4) % (20 * SEC), T0 + round);
                        break;
                default:
                        break;
                }
                client_table_update(t, x, T0 + round);
        }

        /* Evicting step by step must free clients exactly when their buckets are full. */
        size_t evicted_total = 0, running = count_running(c, 300);
        for (uint64_t now = T0 + 3000; now < T0 + 3600 * SEC; now += 10 * SEC) {
                size_t before = client_table_size(t);
                size_t evicted = client_table_evict_idle(t, now);
                size_t full_jobless_left = 0;
                for (uint32_t i = 0; i < 300; i++) {
                        ClientKey k = v4_key(i + 1);
                        FairClient *y = client_table_get(t, &k);
                        if (!y)
                                continue;
                        if (y->n_running == 0 && token_bucket_is_full(&y->bucket, now))
                                full_jobless_left++;
                }
                ASSERT_EQ(full_jobless_left, 0);
                ASSERT_EQ(before - evicted, client_table_size(t));
                evicted_total += evicted;
        }
        /* An hour later every jobless client is gone (c[] now dangles for those). */
        ASSERT_TRUE(evicted_total > 0);
        ASSERT_EQ(client_table_size(t), running);
}

int main(void) {
        RUN(new_rejects_bad_parameters);
        RUN(many_clients_found_again);
        RUN(full_table_evicts_only_idle_clients);
        RUN(evict_idle);
        RUN(heap_order_survives_random_updates);
        return 0;
}
