/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Finding the client behind trusted reverse proxies from an X-Forwarded-For header.
 *
 * Each proxy appends the address it received the request from, so only the right end of the header is
 * written by parties we trust; everything left of the first untrusted hop may be made up by the client.
 * Hence, starting at the directly connected peer:
 *   - a peer that is not a trusted proxy is the client, and the header is ignored;
 *   - otherwise walk the header from the right; the first hop that is not a trusted proxy is the client;
 *   - if a hop is garbage, or the walk ends (header exhausted, FORWARDED_FOR_MAX_HOPS reached, or the
 *     left end cut off by FORWARDED_FOR_MAX_BYTES) while every hop so far was trusted, the client is the
 *     last trusted hop. That bills an odd request to the proxy rather than to a name it may have chosen.
 * Hops are "a.b.c.d", "a.b.c.d:port", "v6addr", "[v6addr]" or "[v6addr]:port", with optional spaces or
 * tabs around; empty list elements are skipped (RFC 9110 list syntax).
 *
 * The header value must be the whole field: if a request carries several X-Forwarded-For lines, join
 * them with "," in order (RFC 9110 5.3), or pass the last line only, but never the first only.
 */

#include <stddef.h>

#include "cidr.h"
#include "ip-address.h"

/* Only the rightmost MAX_BYTES of a header are looked at, and at most MAX_HOPS elements of them. */
#define FORWARDED_FOR_MAX_BYTES 4096
#define FORWARDED_FOR_MAX_HOPS 32
/* Longest hop text accepted: "[" + IPv6 text + "]:65535". */
#define FORWARDED_FOR_HOP_MAX (IP_ADDRESS_TEXT_MAX + 8)

/* Writes the client's address to *ret; cannot fail. xff may be NULL. */
void forwarded_for_resolve(
                const IpAddress *peer,
                const char *xff,
                size_t xff_len,
                const CidrList *trusted_proxies,
                IpAddress *ret);

/* Parses one hop as described above (without surrounding whitespace); -EINVAL if it is not one. */
int forwarded_for_parse_hop(const char *buf, size_t len, IpAddress *ret);
