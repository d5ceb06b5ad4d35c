/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "fair-queue.h"
#include "macro.h"

/* A slot's turn can lie in the past if it was skipped; it then competes in the current round. */
static uint64_t effective_turn(const FairQueue *q, const FairQueueSlot *slot) {
        return MAX(slot->turn, q->round);
}

/* Does a go before b within the round both are in line for? */
static bool goes_before(const FairQueue *q, const FairQueueSlot *a, const FairQueueSlot *b) {
        uint64_t ta = effective_turn(q, a), tb = effective_turn(q, b);

        return ta < tb || (ta == tb && a->seq < b->seq);
}

static void slot_join(FairQueue *q, FairQueueSlot *slot) {
        slot->turn = effective_turn(q, slot);
        slot->seq = q->next_seq++;

        slot->prev = NULL;
        slot->next = q->slots;
        if (q->slots)
                q->slots->prev = slot;
        q->slots = slot;
        q->n_slots++;
}

static void slot_leave(FairQueue *q, FairQueueSlot *slot) {
        if (slot->prev)
                slot->prev->next = slot->next;
        else
                q->slots = slot->next;
        if (slot->next)
                slot->next->prev = slot->prev;
        slot->prev = slot->next = NULL;
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
                slot_join(q, slot);
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
                slot_leave(q, slot);
        q->n_queued--;
}

FairQueueEntry *fair_queue_pick(FairQueue *q, FairQueueEligible eligible, void *userdata) {
        FairQueueSlot *best = NULL;

        for (FairQueueSlot *slot = q->slots; slot; slot = slot->next)
                if ((!best || goes_before(q, slot, best)) && (!eligible || eligible(slot, userdata)))
                        best = slot;
        if (!best)
                return NULL;

        FairQueueEntry *entry = best->head;

        /* The round being served is the one this slot had its turn in; its next turn is in the next
         * round, at the back of the line. */
        q->round = effective_turn(q, best);
        best->turn = q->round + 1;
        best->seq = q->next_seq++;
        fair_queue_remove(q, entry);
        return entry;
}

int fair_queue_position(
                const FairQueue *q,
                const FairQueueEntry *entry,
                unsigned *ret_position,
                unsigned *ret_index_in_slot) {

        const FairQueueSlot *own = entry->slot;
        unsigned index = 0, position = 0;

        if (!own)
                return -ENOENT;

        for (const FairQueueEntry *e = own->head; e != entry; e = e->next)
                index++;

        /* The entry is picked in round own_turn + index. Before that, every other slot gives one entry
         * per round from its own turn on. Within a round, slots keep the order in which they were served
         * the round before, behind slots whose first round it is; so among slots first in line in
         * different rounds, the later one goes first, and in the same round, the lower seq. */
        uint64_t own_turn = effective_turn(q, own), round = own_turn + index;
        for (const FairQueueSlot *slot = q->slots; slot; slot = slot->next) {
                if (slot == own)
                        continue;

                uint64_t turn = effective_turn(q, slot);
                if (turn > round)
                        continue;

                uint64_t earlier_rounds = round - turn;
                position += (unsigned) MIN(earlier_rounds, (uint64_t) slot->n_queued);
                bool in_round = slot->n_queued > earlier_rounds;
                bool ahead_in_round = turn > own_turn || (turn == own_turn && slot->seq < own->seq);
                if (in_round && ahead_in_round)
                        position++;
        }
        position += index;

        *ret_position = position;
        if (ret_index_in_slot)
                *ret_index_in_slot = index;
        return 0;
}
