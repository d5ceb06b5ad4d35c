/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Memory that held job data is wiped before it goes back to the allocator, so that freed heap holds none
 * of it: wipe_free() instead of free(), wipe_realloc() instead of realloc() (which would leave the old
 * block's bytes behind when it moves), _cleanup_(wipe_freep) instead of _cleanup_free_.
 */

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static inline void *wipe_free(void *p) {
        if (p) {
                /* The whole block, not only what the caller used: a shrunk buffer keeps bytes past its end. */
                explicit_bzero(p, malloc_usable_size(p));
                free(p);
        }
        return NULL;
}

static inline void wipe_freep(void *p) {
        wipe_free(*(void **) p);
}

/* realloc() that never leaves a copy behind: a new block, the old one wiped. NULL (p untouched) when out
 * of memory. */
static inline void *wipe_realloc(void *p, size_t size) {
        size_t old = p ? malloc_usable_size(p) : 0;

        if (size <= old)
                return p;
        void *q = malloc(size);
        if (!q)
                return NULL;
        if (p)
                memcpy(q, p, old);
        wipe_free(p);
        return q;
}

/* For a stack buffer of job data that a function with many exits fills: _cleanup_(wipe_64kp). */
#define WIPE_STACK_64K 65536
static inline void wipe_64kp(char (*p)[WIPE_STACK_64K]) {
        explicit_bzero(*p, sizeof(*p));
}
