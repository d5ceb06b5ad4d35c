/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Open connections per peer address, so that one address cannot take every connection slot. Kept by
 * the HTTP server instead of libmicrohttpd's own per-IP limit because some peers must be exempt: a
 * trusted proxy carries many clients over its connections and is not one client.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct PeerLimit PeerLimit;

int peer_limit_new(PeerLimit **ret, unsigned max_per_peer);
PeerLimit *peer_limit_free(PeerLimit *l);

/* Counts a connection from sa if the peer has room: true; false when it is at its limit (or the
 * address is not IPv4/IPv6, or memory ran out). Every true is matched by one peer_limit_release(). */
bool peer_limit_acquire(PeerLimit *l, const struct sockaddr *sa, socklen_t len);
void peer_limit_release(PeerLimit *l, const struct sockaddr *sa, socklen_t len);
/* Connections counted for sa's address. */
unsigned peer_limit_count(const PeerLimit *l, const struct sockaddr *sa, socklen_t len);
