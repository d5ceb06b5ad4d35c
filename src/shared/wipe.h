/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Freeing memory that held job data: wiped first, so that freed heap holds none of it. */

#include <stdlib.h>
#include <string.h>

static inline void *wipe_free(void *p, size_t len) {
        if (p) {
                explicit_bzero(p, len);
                free(p);
        }
        return NULL;
}
