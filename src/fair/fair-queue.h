/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Round-robin queueing across clients. Each client has a FIFO of jobs (a FairQueueSlot). Starts happen
 * in rounds: in every round each client with queued work gets one start, so a client with many queued
 * jobs delays another client's first job by at most one start, never by its whole queue.
 *
 * Bookkeeping, as in start-time fair queueing: the queue's `round` is the round being served; each slot
 * has the round of its next turn (`turn`) and a sequence number (`seq`) saying when it took its place in
 * line. Picking takes the head job of the eligible slot with the lowest (max(turn, round), seq) and moves
 * that slot to the back of the next round. A slot that gets its first queued job joins the current round
 * at the back, unless it already had its turn in it (it cannot skip ahead by leaving and coming back).
 * A slot skipped as ineligible keeps its place: it goes first in the round in which it is eligible
 * again, but gets no extra turns for the rounds it missed.
 *
 * Entries and slots are embedded in the caller's objects (no allocation here); `owner` points back at
 * the embedding object. An entry can be removed from the middle of its queue, e.g. when a queued job is
 * cancelled. Push and remove are O(1); picking and positions look at every slot with queued work.
 */

#include <stdbool.h>
#include <stdint.h>

typedef struct FairQueueSlot FairQueueSlot;
typedef struct FairQueueEntry FairQueueEntry;

struct FairQueueEntry {
        FairQueueSlot *slot;            /* NULL while not queued */
        FairQueueEntry *prev, *next;
        void *owner;
};

struct FairQueueSlot {
        FairQueueEntry *head, *tail;
        unsigned n_queued;
        uint64_t turn;                  /* round of its next start; kept while not queued */
        uint64_t seq;                   /* place in line within a round */
        FairQueueSlot *prev, *next;     /* in the queue's list while n_queued > 0 */
        void *owner;
};

typedef struct FairQueue {
        FairQueueSlot *slots;           /* slots with queued entries, in no particular order */
        unsigned n_slots;
        unsigned n_queued;              /* entries in all slots */
        uint64_t round;
        uint64_t next_seq;
} FairQueue;

/* Offered each slot with queued work by fair_queue_pick(). */
typedef bool (*FairQueueEligible)(FairQueueSlot *slot, void *userdata);

/* Appends entry (which must not be queued) to slot's FIFO; entry->owner is set to owner. A zeroed slot
 * is a new one. */
void fair_queue_push(FairQueue *q, FairQueueSlot *slot, FairQueueEntry *entry, void *owner);

/* Takes a queued entry out, from wherever it is. No-op for an entry that is not queued. */
void fair_queue_remove(FairQueue *q, FairQueueEntry *entry);

/* Removes and returns the next entry as described above, or NULL if no slot is eligible. eligible may
 * be NULL: every slot is. */
FairQueueEntry *fair_queue_pick(FairQueue *q, FairQueueEligible eligible, void *userdata);

/* How many queued entries would be picked before this one if every slot stayed eligible and nothing
 * else were queued meanwhile; also the entry's index in its own slot (jobs of the same client ahead of
 * it). -ENOENT if entry is not queued. */
int fair_queue_position(
                const FairQueue *q,
                const FairQueueEntry *entry,
                unsigned *ret_position,
                unsigned *ret_index_in_slot);
