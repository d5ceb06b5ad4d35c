/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer-limit.h"

typedef struct PeerEntry {
        ClientKey key;
        unsigned count;
} PeerEntry;

/* A flat array scanned linearly: it holds at most one entry per open connection or request, and the
 * server caps those at about a thousand, so a scan per accepted connection costs microseconds. */
struct PeerLimit {
        unsigned max_per_peer;
        PeerEntry *entries;
        size_t n_entries, n_allocated;
};

int peer_limit_new(PeerLimit **ret, unsigned max_per_peer) {
        PeerLimit *l = calloc(1, sizeof(PeerLimit));

        if (!l)
                return -ENOMEM;
        l->max_per_peer = max_per_peer;
        *ret = l;
        return 0;
}

PeerLimit *peer_limit_free(PeerLimit *l) {
        if (!l)
                return NULL;
        free(l->entries);
        free(l);
        return NULL;
}

static PeerEntry *peer_find(const PeerLimit *l, const ClientKey *key) {
        for (size_t i = 0; i < l->n_entries; i++)
                if (client_key_equal(&l->entries[i].key, key))
                        return l->entries + i;
        return NULL;
}

bool peer_limit_acquire_key(PeerLimit *l, const ClientKey *key) {
        PeerEntry *e = peer_find(l, key);

        if (e) {
                if (e->count >= l->max_per_peer)
                        return false;
                e->count++;
                return true;
        }
        if (l->max_per_peer == 0)
                return false;
        if (l->n_entries == l->n_allocated) {
                size_t n = l->n_allocated ? l->n_allocated * 2 : 16;
                PeerEntry *p = reallocarray(l->entries, n, sizeof(PeerEntry));
                if (!p)
                        return false;
                l->entries = p;
                l->n_allocated = n;
        }
        l->entries[l->n_entries++] = (PeerEntry) { .key = *key, .count = 1 };
        return true;
}

void peer_limit_release_key(PeerLimit *l, const ClientKey *key) {
        PeerEntry *e = peer_find(l, key);

        if (e && --e->count == 0)
                *e = l->entries[--l->n_entries];
}

unsigned peer_limit_count_key(const PeerLimit *l, const ClientKey *key) {
        PeerEntry *e = peer_find(l, key);
        return e ? e->count : 0;
}

bool peer_limit_acquire(PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        ClientKey k;
        return sa && client_key_from_sockaddr(sa, len, &k) >= 0 && peer_limit_acquire_key(l, &k);
}

void peer_limit_release(PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        ClientKey k;
        if (sa && client_key_from_sockaddr(sa, len, &k) >= 0)
                peer_limit_release_key(l, &k);
}

unsigned peer_limit_count(const PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        ClientKey k;
        return sa && client_key_from_sockaddr(sa, len, &k) >= 0 ? peer_limit_count_key(l, &k) : 0;
}
