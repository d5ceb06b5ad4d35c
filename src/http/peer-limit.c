/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer-limit.h"

typedef struct PeerEntry {
        int family;
        uint8_t addr[16];
        unsigned count;
} PeerEntry;

/* A flat array scanned linearly: it holds at most one entry per open connection, and the server caps
 * those at about a thousand, so a scan per accepted connection costs microseconds. */
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

static bool peer_key(const struct sockaddr *sa, socklen_t len, PeerEntry *ret) {
        *ret = (PeerEntry) { .family = sa ? sa->sa_family : AF_UNSPEC };
        if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
                memcpy(ret->addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
                return true;
        }
        if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
                memcpy(ret->addr, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
                return true;
        }
        return false;
}

static PeerEntry *peer_find(const PeerLimit *l, const PeerEntry *key) {
        for (size_t i = 0; i < l->n_entries; i++)
                if (l->entries[i].family == key->family && memcmp(l->entries[i].addr, key->addr, 16) == 0)
                        return l->entries + i;
        return NULL;
}

bool peer_limit_acquire(PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        PeerEntry key, *e;

        if (!peer_key(sa, len, &key))
                return false;
        e = peer_find(l, &key);
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
        key.count = 1;
        l->entries[l->n_entries++] = key;
        return true;
}

void peer_limit_release(PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        PeerEntry key, *e;

        if (!peer_key(sa, len, &key) || !(e = peer_find(l, &key)))
                return;
        if (--e->count == 0)
                *e = l->entries[--l->n_entries];
}

unsigned peer_limit_count(const PeerLimit *l, const struct sockaddr *sa, socklen_t len) {
        PeerEntry key, *e;

        if (!peer_key(sa, len, &key) || !(e = peer_find(l, &key)))
                return 0;
        return e->count;
}
