/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client-table.h"

#define BUCKETS_MIN ((size_t) 16)

struct ClientTable {
        FairClient **buckets;
        size_t n_buckets;               /* a power of two */
        size_t n_buckets_max;           /* the power of two that keeps chains ~1 long when full */
        size_t n_clients;
        size_t max_clients;

        FairClient **idle;              /* min-heap on full_usec of every jobless client */
        size_t n_idle;
        size_t n_idle_allocated;

        uint64_t budget_usec;
        uint64_t budget_period_usec;
        uint8_t hash_key[SIPHASH24_KEY_SIZE];
};

static bool client_is_jobless(const FairClient *c) {
        return c->n_running == 0 && c->queue.n_queued == 0;
}

static uint64_t hash_of(const ClientTable *t, const ClientKey *key) {
        uint8_t data[1 + sizeof(key->bytes)];

        data[0] = key->family == AF_INET6;
        memcpy(data + 1, key->bytes, sizeof(key->bytes));
        return siphash24(data, sizeof(data), t->hash_key);
}

/* ---- the heap of jobless clients ---- */

static void idle_place(ClientTable *t, size_t i, FairClient *c) {
        t->idle[i] = c;
        c->idle_index = i;
}

static void idle_sift_up(ClientTable *t, size_t i) {
        FairClient *c = t->idle[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;
                if (t->idle[parent]->full_usec <= c->full_usec)
                        break;
                idle_place(t, i, t->idle[parent]);
                i = parent;
        }
        idle_place(t, i, c);
}

static void idle_sift_down(ClientTable *t, size_t i) {
        FairClient *c = t->idle[i];

        for (;;) {
                size_t child = 2 * i + 1;
                if (child >= t->n_idle)
                        break;
                if (child + 1 < t->n_idle && t->idle[child + 1]->full_usec < t->idle[child]->full_usec)
                        child++;
                if (c->full_usec <= t->idle[child]->full_usec)
                        break;
                idle_place(t, i, t->idle[child]);
                i = child;
        }
        idle_place(t, i, c);
}

/* Room is reserved when a client is created (the heap never holds more than all clients), so this
 * cannot fail. */
static void idle_insert(ClientTable *t, FairClient *c) {
        t->idle[t->n_idle] = c;
        idle_sift_up(t, t->n_idle++);
}

static void idle_remove(ClientTable *t, FairClient *c) {
        size_t i = c->idle_index;

        c->idle_index = SIZE_MAX;
        if (--t->n_idle == i)
                return;
        /* Move the last leaf into the hole; it may belong further up or further down. */
        idle_place(t, i, t->idle[t->n_idle]);
        idle_sift_up(t, i);
        idle_sift_down(t, i);
}

static int idle_reserve(ClientTable *t, size_t n) {
        if (n <= t->n_idle_allocated)
                return 0;

        size_t allocated = MAX(t->n_idle_allocated * 2, BUCKETS_MIN);
        allocated = MAX(MIN(allocated, t->max_clients), n);
        FairClient **idle = reallocarray(t->idle, allocated, sizeof(FairClient *));
        if (!idle)
                return -ENOMEM;
        t->idle = idle;
        t->n_idle_allocated = allocated;
        return 0;
}

/* ---- the hash table ---- */

static int buckets_resize(ClientTable *t, size_t n_buckets) {
        FairClient **buckets = calloc(n_buckets, sizeof(FairClient *));
        if (!buckets)
                return -ENOMEM;

        for (size_t i = 0; i < t->n_buckets; i++) {
                FairClient *next;
                for (FairClient *c = t->buckets[i]; c; c = next) {
                        size_t b = (size_t) hash_of(t, &c->key) & (n_buckets - 1);

                        next = c->hash_next;
                        c->hash_next = buckets[b];
                        buckets[b] = c;
                }
        }

        free(t->buckets);
        t->buckets = buckets;
        t->n_buckets = n_buckets;
        return 0;
}

static void client_unlink_and_free(ClientTable *t, FairClient *c) {
        FairClient **p = &t->buckets[hash_of(t, &c->key) & (t->n_buckets - 1)];

        while (*p != c)
                p = &(*p)->hash_next;
        *p = c->hash_next;

        if (c->idle_index != SIZE_MAX)
                idle_remove(t, c);
        t->n_clients--;
        free(c);
}

int client_table_new(
                ClientTable **ret,
                size_t max_clients,
                uint64_t budget_usec,
                uint64_t budget_period_usec,
                const uint8_t hash_key[static SIPHASH24_KEY_SIZE]) {

        _cleanup_(client_table_freep) ClientTable *t = NULL;
        TokenBucket probe;
        int r;

        if (max_clients == 0 || max_clients > SIZE_MAX / 4)
                return -EINVAL;
        r = token_bucket_init(&probe, budget_usec, budget_period_usec, 0);
        if (r < 0)
                return r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->max_clients = max_clients;
        t->budget_usec = budget_usec;
        t->budget_period_usec = budget_period_usec;
        memcpy(t->hash_key, hash_key, SIPHASH24_KEY_SIZE);

        t->n_buckets_max = BUCKETS_MIN;
        while (t->n_buckets_max < max_clients)
                t->n_buckets_max *= 2;

        r = buckets_resize(t, BUCKETS_MIN);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(t);
        return 0;
}

ClientTable *client_table_free(ClientTable *t) {
        if (!t)
                return NULL;

        for (size_t i = 0; i < t->n_buckets; i++) {
                FairClient *next;
                for (FairClient *c = t->buckets[i]; c; c = next) {
                        next = c->hash_next;
                        free(c);
                }
        }
        free(t->buckets);
        free(t->idle);
        free(t);
        return NULL;
}

FairClient *client_table_get(const ClientTable *t, const ClientKey *key) {
        for (FairClient *c = t->buckets[hash_of(t, key) & (t->n_buckets - 1)]; c; c = c->hash_next)
                if (client_key_equal(&c->key, key))
                        return c;
        return NULL;
}

/* The jobless client whose bucket is full soonest, if it is full at now. */
static FairClient *evictable(const ClientTable *t, uint64_t now) {
        if (t->n_idle == 0 || t->idle[0]->full_usec > now)
                return NULL;
        return t->idle[0];
}

int client_table_acquire(ClientTable *t, const ClientKey *key, uint64_t now, FairClient **ret) {
        FairClient *c;
        int r;

        c = client_table_get(t, key);
        if (c) {
                *ret = c;
                return 0;
        }

        if (t->n_clients >= t->max_clients) {
                FairClient *victim = evictable(t, now);
                if (!victim)
                        return -ENOSPC;
                client_unlink_and_free(t, victim);
        }

        if (t->n_clients >= t->n_buckets && t->n_buckets < t->n_buckets_max) {
                r = buckets_resize(t, t->n_buckets * 2);
                if (r < 0)
                        return r;
        }
        r = idle_reserve(t, t->n_clients + 1);
        if (r < 0)
                return r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->key = *key;
        c->queue.owner = c;
        c->idle_index = SIZE_MAX;
        r = token_bucket_init(&c->bucket, t->budget_usec, t->budget_period_usec, now);
        if (r < 0) {
                free(c);
                return r;
        }

        size_t b = hash_of(t, key) & (t->n_buckets - 1);
        c->hash_next = t->buckets[b];
        t->buckets[b] = c;
        t->n_clients++;

        /* Jobless from birth: filed as idle so it is evicted even if the caller never gives it a job. */
        client_table_update(t, c, now);

        *ret = c;
        return 1;
}

void client_table_update(ClientTable *t, FairClient *c, uint64_t now) {
        if (!client_is_jobless(c)) {
                if (c->idle_index != SIZE_MAX)
                        idle_remove(t, c);
                return;
        }

        uint64_t wait = token_bucket_usec_until(&c->bucket, (int64_t) c->bucket.capacity_usec, now);
        c->full_usec = wait > UINT64_MAX - now ? UINT64_MAX : now + wait;

        if (c->idle_index == SIZE_MAX)
                idle_insert(t, c);
        else {
                idle_sift_up(t, c->idle_index);
                idle_sift_down(t, c->idle_index);
        }
}

uint64_t client_table_usec_until_room(const ClientTable *t, uint64_t now) {
        if (t->n_clients < t->max_clients)
                return 0;
        if (t->n_idle == 0)
                return UINT64_MAX;
        return t->idle[0]->full_usec > now ? t->idle[0]->full_usec - now : 0;
}

size_t client_table_evict_idle(ClientTable *t, uint64_t now) {
        FairClient *c;
        size_t n = 0;

        while ((c = evictable(t, now))) {
                client_unlink_and_free(t, c);
                n++;
        }
        return n;
}

size_t client_table_size(const ClientTable *t) {
        return t->n_clients;
}
