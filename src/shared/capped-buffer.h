/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A growing byte buffer with a hard cap: what does not fit is counted and dropped, never stored. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CappedBuffer {
        char *data;             /* NUL-terminated for convenience; may contain NULs */
        size_t len;
        size_t allocated;
        size_t limit;
        uint64_t dropped;       /* bytes that did not fit */
} CappedBuffer;

void capped_buffer_init(CappedBuffer *b, size_t limit);
/* Appends what fits; returns -ENOMEM only on allocation failure. */
int capped_buffer_append(CappedBuffer *b, const void *data, size_t len);
bool capped_buffer_truncated(const CappedBuffer *b);
void capped_buffer_done(CappedBuffer *b);
/* Wipes and frees the bytes (e.g. once they are kept elsewhere, encrypted); what was dropped still counts. */
void capped_buffer_discard(CappedBuffer *b);
