/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Sharing a bounded resource (the server's queue places, the memory it holds for clients) between client
 * keys without identity. Each key may hold more than an equal share only while there is room; when the
 * resource is full, the key most beyond its share gives back first (its newest queued job), and a key
 * within its share is refused only if nothing can be reclaimed that way. Pure: the caller describes who
 * holds what, this says what to do, the caller does it and asks again.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ShareUse {
        uint64_t used;                  /* what the key holds now */
        bool reclaimable;               /* whether it has something that may be taken back (a queued job) */
} ShareUse;

typedef enum ShareDecision {
        SHARE_FITS,                     /* there is room: take it */
        SHARE_RECLAIM,                  /* take back one item of *ret_victim, then ask again */
        SHARE_REFUSE_BEYOND_SHARE,      /* full, and the requester would be past its share: refuse it */
        SHARE_REFUSE_FULL,              /* full, within its share, and nothing can be reclaimed */
} ShareDecision;

/* users[0..n) are the keys that hold something, and the requester (users[requester], maybe holding 0);
 * it asks for `need` more of `max` in all. Each key's share is max / n. */
ShareDecision share_decide(
                const ShareUse *users,
                size_t n,
                size_t requester,
                uint64_t need,
                uint64_t max,
                size_t *ret_victim);
