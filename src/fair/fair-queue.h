/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Round-robin queueing across clients. Each client has a FIFO of jobs (a FairQueueSlot); slots with
 * queued jobs form a ring, and a cursor marks whose turn it is. Picking offers the turn to each slot in
 * ring order, starting at the cursor, takes the first job of the first slot that is eligible, and moves
 * the cursor just past that slot. A slot that gets its first job joins the ring just before the cursor,
 * i.e. after everyone already waiting has had a turn. So a client with many queued jobs gets one start
 * per round, like everyone else, and cannot delay another client's first job by more than one round.
 *
 * Entries and slots are embedded in the caller's objects (no allocation here); `owner` points back at
 * the embedding object. An entry can be removed from the middle of its queue, e.g. when a queued job is
 * cancelled. All operations are O(1) except picking (O(slots skipped)) and positions (O(slots)).
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
        FairQueueSlot *ring_prev, *ring_next;   /* linked into the ring while n_queued > 0 */
        void *owner;
};

typedef struct FairQueue {
        FairQueueSlot *cursor;          /* whose turn it is; NULL when nothing is queued */
        unsigned n_slots;               /* slots in the ring */
        unsigned n_queued;              /* entries in all slots */
} FairQueue;

/* Offered each slot in turn by fair_queue_pick(). */
typedef bool (*FairQueueEligible)(FairQueueSlot *slot, void *userdata);

/* Appends entry (which must not be queued) to slot's FIFO; entry->owner is set to owner. */
void fair_queue_push(FairQueue *q, FairQueueSlot *slot, FairQueueEntry *entry, void *owner);

/* Takes a queued entry out, from wherever it is. No-op for an entry that is not queued. */
void fair_queue_remove(FairQueue *q, FairQueueEntry *entry);

/* Removes and returns the next entry as described above, or NULL if no slot is eligible (then the
 * cursor stays where it is). eligible may be NULL: every slot is eligible. */
FairQueueEntry *fair_queue_pick(FairQueue *q, FairQueueEligible eligible, void *userdata);

/* How many queued entries a round-robin would pick before this one if every slot stayed eligible and
 * nothing else were queued meanwhile; also the entry's index in its own slot (jobs of the same client
 * ahead of it). -ENOENT if entry is not queued. */
int fair_queue_position(
                const FairQueue *q,
                const FairQueueEntry *entry,
                unsigned *ret_position,
                unsigned *ret_index_in_slot);
