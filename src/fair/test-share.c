/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "macro.h"
#include "share.h"
#include "tests.h"

#define NO_VICTIM ((size_t) -1)

typedef struct Case {
        const char *name;
        ShareUse users[4];
        size_t n, requester;
        uint64_t need, max;
        ShareDecision decision;
        size_t victim;
} Case;

static const Case cases[] = {
        { "room: a key may go past its share", { { 90, true }, { 0, false } }, 2, 1, 5, 100, SHARE_FITS, NO_VICTIM },
        { "room: exactly full", { { 60, true }, { 30, false } }, 2, 1, 10, 100, SHARE_FITS, NO_VICTIM },
        { "full: the newcomer within its share takes from the one most beyond",
          { { 40, true }, { 55, true }, { 0, false } }, 3, 2, 10, 100, SHARE_RECLAIM, 1 },
        { "full: a key beyond its share without queued jobs is passed over",
          { { 40, true }, { 55, false }, { 0, false } }, 3, 2, 10, 100, SHARE_RECLAIM, 0 },
        { "full: others beyond their share hold only what cannot be taken",
          { { 34, false }, { 34, false }, { 30, false } }, 3, 2, 3, 100, SHARE_REFUSE_FULL, NO_VICTIM },
        { "full: the requester itself beyond its share", { { 20, true }, { 75, true } }, 2, 1, 10, 100,
          SHARE_REFUSE_BEYOND_SHARE, NO_VICTIM },
        { "full: nothing reclaimable (finished results are never taken)", { { 95, false }, { 0, false } }, 2, 1,
          10, 100, SHARE_REFUSE_FULL, NO_VICTIM },
        { "full: ties go to the first", { { 48, true }, { 48, true }, { 0, false } }, 3, 2, 10, 96,
          SHARE_RECLAIM, 0 },
        { "a request larger than any share", { { 0, false } }, 1, 0, 200, 100, SHARE_REFUSE_BEYOND_SHARE,
          NO_VICTIM },
        { "no overflow near the top", { { UINT64_MAX, true }, { 0, false } }, 2, 1, 1, UINT64_MAX,
          SHARE_RECLAIM, 0 },
};

TEST(table) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                size_t victim = NO_VICTIM;

                fprintf(stderr, "    %s\n", c->name);
                ASSERT_EQ(share_decide(c->users, c->n, c->requester, c->need, c->max, &victim), c->decision);
                ASSERT_EQ(victim, c->victim);
        }
}

int main(void) {
        RUN(table);
        return 0;
}
