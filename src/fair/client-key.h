/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Who a request is billed to, without knowing who anyone is: an IPv4 address, or for IPv6 the /64
 * prefix (one subscriber usually gets a whole /64 and can pick any address in it). IPv4-mapped IPv6
 * peers count as IPv4.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cidr.h"
#include "ip-address.h"

/* "xxxx:xxxx:xxxx:xxxx::/64" or a dotted quad, with the NUL. */
#define CLIENT_KEY_STRING_MAX 25

typedef struct ClientKey {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t bytes[8];       /* IPv4: the address then zeros; IPv6: the first 64 bits */
} ClientKey;

void client_key_from_address(const IpAddress *a, ClientKey *ret);

/* -EAFNOSUPPORT for peers that are neither IPv4 nor IPv6 (e.g. AF_UNIX), -EINVAL for a short sockaddr. */
int client_key_from_sockaddr(const struct sockaddr *sa, socklen_t len, ClientKey *ret);

/*
 * The key for a request from the directly connected peer, honouring X-Forwarded-For (xff, xff_len; may
 * be NULL) only when the peer is one of the trusted proxies. See forwarded-for.h for the rules. Pure:
 * same inputs, same key. Errors as client_key_from_sockaddr(); a bad header is never an error.
 */
int client_key_from_request(
                const struct sockaddr *peer,
                socklen_t peer_len,
                const char *xff,
                size_t xff_len,
                const CidrList *trusted_proxies,
                ClientKey *ret);

bool client_key_equal(const ClientKey *a, const ClientKey *b);

/* For logs and headers: "192.0.2.1" or "2001:db8:1:2::/64". Returns buf. */
const char *client_key_to_string(const ClientKey *k, char buf[static CLIENT_KEY_STRING_MAX]);
