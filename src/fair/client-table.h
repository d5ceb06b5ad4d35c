/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Per-client state, kept in a bounded hash table keyed by ClientKey (keyed SipHash, chained, grown by
 * doubling; O(1) average lookups even for clients choosing their addresses).
 *
 * Forgetting a client loses nothing only if it has no jobs and a full bucket (forgetting debt would
 * hand out a fresh budget), so only such "idle" clients are ever evicted. Jobless clients sit in a
 * min-heap ordered by the time their bucket will be full, which is fixed while they are jobless: the
 * front of the heap is the client that can be evicted soonest. When the table is full, adding a client
 * evicts one idle client, or fails if there is none.
 *
 * The caller must call client_table_update() after every change to a client's jobs or bucket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-key.h"
#include "fair-queue.h"
#include "macro.h"
#include "siphash24.h"
#include "token-bucket.h"

typedef struct FairClient FairClient;
typedef struct ClientTable ClientTable;

struct FairClient {
        ClientKey key;
        TokenBucket bucket;
        FairQueueSlot queue;            /* queue.owner points back here */
        unsigned n_running;
        bool throttled;                 /* as fair_quota_decide() last said */

        /* Private to the table. */
        FairClient *hash_next;
        size_t idle_index;              /* place in the heap of jobless clients, or SIZE_MAX */
        uint64_t full_usec;             /* while jobless: when the bucket is (or was) full */
};

/* New clients get a full bucket of budget_usec refilling over budget_period_usec. -EINVAL for a zero
 * max_clients or bad bucket parameters. */
int client_table_new(
                ClientTable **ret,
                size_t max_clients,
                uint64_t budget_usec,
                uint64_t budget_period_usec,
                const uint8_t hash_key[static SIPHASH24_KEY_SIZE]);

/* Frees every client too; callers must have dropped their references to them. */
ClientTable *client_table_free(ClientTable *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(ClientTable *, client_table_free);

FairClient *client_table_get(const ClientTable *t, const ClientKey *key);

/* Finds or creates the client for key. Returns 0 if it existed, 1 if it was created; -ENOSPC if the
 * table is full and no client is idle at now, -ENOMEM. */
int client_table_acquire(ClientTable *t, const ClientKey *key, uint64_t now, FairClient **ret);

/* Re-files c after its jobs or bucket changed. */
void client_table_update(ClientTable *t, FairClient *c, uint64_t now);

/* 0 if a new client could be added at now; otherwise the wait until one could, if no jobs start
 * meanwhile, or UINT64_MAX if every client has jobs. */
uint64_t client_table_usec_until_room(const ClientTable *t, uint64_t now);

/* Forgets every client that is idle at now; returns how many. */
size_t client_table_evict_idle(ClientTable *t, uint64_t now);

size_t client_table_size(const ClientTable *t);
