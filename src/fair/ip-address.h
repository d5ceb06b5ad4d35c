/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An IPv4 or IPv6 address as seen on the wire, parsed from text or taken from a sockaddr. IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are always turned into plain IPv4, so that a client reaching a
 * dual-stack socket over IPv4 is the same client as one reaching an IPv4 socket.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text address ip_address_parse() looks at; anything longer is not an address. */
#define IP_ADDRESS_TEXT_MAX 45

typedef struct IpAddress {
        int family;                     /* AF_INET or AF_INET6 */
        union {
                struct in_addr in;
                struct in6_addr in6;
                uint8_t bytes[16];      /* IPv4 uses the first 4 */
        };
} IpAddress;

/* Parses a bare address ("192.0.2.1", "2001:db8::1"); no brackets, ports, zone ids or whitespace.
 * Returns -EINVAL if buf is not exactly one address. */
int ip_address_parse(const char *buf, size_t len, IpAddress *ret);

/* Takes the address of a connected peer. -EAFNOSUPPORT for families other than IPv4/IPv6, -EINVAL if
 * len is too short for the family. */
int ip_address_from_sockaddr(const struct sockaddr *sa, socklen_t len, IpAddress *ret);

/* Number of address bits: 32 or 128. */
unsigned ip_address_bits(const IpAddress *a);

bool ip_address_equal(const IpAddress *a, const IpAddress *b);
