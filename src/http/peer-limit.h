/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Open connections, or requests in flight, per client key (client-key.h: an IPv4 address, an IPv6 /64),
 * so that one client cannot take every slot: counting raw addresses would let a /64 open as many
 * connections as it has addresses. Kept by the HTTP server instead of libmicrohttpd's own per-IP limit
 * because trusted proxies carry many clients and have a cap of their own.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "client-key.h"

typedef struct PeerLimit PeerLimit;

int peer_limit_new(PeerLimit **ret, unsigned max_per_peer);
PeerLimit *peer_limit_free(PeerLimit *l);

/* Counts one for key if it has room: true; false when it is at its limit (or memory ran out). Every true
 * is matched by one peer_limit_release_key(). */
bool peer_limit_acquire_key(PeerLimit *l, const ClientKey *key);
void peer_limit_release_key(PeerLimit *l, const ClientKey *key);
unsigned peer_limit_count_key(const PeerLimit *l, const ClientKey *key);

/* The same for the client key of sa; false for an address that is not IPv4/IPv6. */
bool peer_limit_acquire(PeerLimit *l, const struct sockaddr *sa, socklen_t len);
void peer_limit_release(PeerLimit *l, const struct sockaddr *sa, socklen_t len);
unsigned peer_limit_count(const PeerLimit *l, const struct sockaddr *sa, socklen_t len);
