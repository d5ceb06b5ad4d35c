/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capped-buffer.h"
#include "macro.h"
#include "wipe.h"

void capped_buffer_init(CappedBuffer *b, size_t limit) {
        *b = (CappedBuffer) { .limit = limit };
}

int capped_buffer_append(CappedBuffer *b, const void *data, size_t len) {
        size_t take = MIN(len, b->limit - b->len);

        if (take > 0 && b->len + take + 1 > b->allocated) {
                /* Doubling keeps appends amortised O(1); never beyond the cap. */
                size_t want = MAX(b->allocated * 2, (size_t) 4096);
                want = MIN(MAX(want, b->len + take + 1), b->limit + 1);
                char *p = wipe_realloc(b->data, want);
                if (!p)
                        return -ENOMEM;
                b->data = p;
                b->allocated = want;
        }
        if (take > 0) {
                memcpy(b->data + b->len, data, take);
                b->len += take;
                b->data[b->len] = 0;
        }
        b->dropped += len - take;
        return 0;
}

bool capped_buffer_truncated(const CappedBuffer *b) {
        return b->dropped > 0;
}

void capped_buffer_discard(CappedBuffer *b) {
        b->data = wipe_free(b->data);
        b->len = b->allocated = 0;
}

void capped_buffer_done(CappedBuffer *b) {
        wipe_free(b->data);
        *b = (CappedBuffer) {};
}
