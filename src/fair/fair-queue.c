/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "fair-queue.h"
#include "macro.h"

static void ring_insert_before_cursor(FairQueue *q, FairQueueSlot *slot) {
        if (!q->cursor) {
                slot->ring_prev = slot->ring_next = slot;
                q->cursor = slot;
        } else {
                slot->ring_next = q->cursor;
                slot->ring_prev = q->cursor->ring_prev;
                slot->ring_prev->ring_next = slot;
                q->cursor->ring_prev = slot;
        }
        q->n_slots++;
}

/* Unlinks slot from the ring; if it had the turn, the turn passes to the next slot. */
static void ring_remove(FairQueue *q, FairQueueSlot *slot) {
        if (slot->ring_next == slot)
                q->cursor = NULL;
        else {
                if (q->cursor == slot)
                        q->cursor = slot->ring_next;
                slot->ring_prev->ring_next = slot->ring_next;
                slot->ring_next->ring_prev = slot->ring_prev;
        }
        slot->ring_prev = slot->ring_next = NULL;
        q->n_slots--;
}

void fair_queue_push(FairQueue *q, FairQueueSlot *slot, FairQueueEntry *entry, void *owner) {
        *entry = (FairQueueEntry) {
                .slot = slot,
                .prev = slot->tail,
                .owner = owner,
        };
        if (slot->tail)
                slot->tail->next = entry;
        else
                slot->head = entry;
        slot->tail = entry;

        if (slot->n_queued++ == 0)
                ring_insert_before_cursor(q, slot);
        q->n_queued++;
}

void fair_queue_remove(FairQueue *q, FairQueueEntry *entry) {
        FairQueueSlot *slot = entry->slot;

        if (!slot)
                return;

        if (entry->prev)
                entry->prev->next = entry->next;
        else
                slot->head = entry->next;
        if (entry->next)
                entry->next->prev = entry->prev;
        else
                slot->tail = entry->prev;
        entry->slot = NULL;
        entry->prev = entry->next = NULL;

        if (--slot->n_queued == 0)
                ring_remove(q, slot);
        q->n_queued--;
}

FairQueueEntry *fair_queue_pick(FairQueue *q, FairQueueEligible eligible, void *userdata) {
        FairQueueSlot *slot = q->cursor;

        for (unsigned i = 0; i < q->n_slots; i++, slot = slot->ring_next) {
                if (eligible && !eligible(slot, userdata))
                        continue;

                FairQueueEntry *entry = slot->head;
                FairQueueSlot *after = slot->ring_next;

                fair_queue_remove(q, entry);
                /* The turn passes to the slot after this one, also past any skipped ones. `after` is
                 * still in the ring unless the ring is now empty (then the cursor is NULL). */
                if (q->cursor)
                        q->cursor = after;
                return entry;
        }

        return NULL;
}

int fair_queue_position(
                const FairQueue *q,
                const FairQueueEntry *entry,
                unsigned *ret_position,
                unsigned *ret_index_in_slot) {

        const FairQueueSlot *own = entry->slot;
        unsigned index = 0, position = 0;
        bool before_own = true;

        if (!own)
                return -ENOENT;

        for (const FairQueueEntry *e = own->head; e != entry; e = e->next)
                index++;

        /* The entry goes in round `index`. By then every other slot has given min(n, index) entries,
         * plus one more in that round if it comes before ours from the cursor on and still has one. */
        const FairQueueSlot *slot = q->cursor;
        for (unsigned i = 0; i < q->n_slots; i++, slot = slot->ring_next) {
                if (slot == own) {
                        before_own = false;
                        position += index;
                        continue;
                }
                position += MIN(slot->n_queued, index);
                if (before_own && slot->n_queued > index)
                        position++;
        }

        *ret_position = position;
        if (ret_index_in_slot)
                *ret_index_in_slot = index;
        return 0;
}
