/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Cleanup helpers for libarchive objects, for _cleanup_(). */

#include <archive.h>
#include <archive_entry.h>

static inline void archive_read_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

static inline void archive_write_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static inline void archive_entry_freep(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}
