/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Address prefixes ("10.0.0.0/8", "2001:db8::/32") and bounded lists of them, used for the trusted
 * proxy setting. Host bits after the prefix are cleared when parsing, so "192.168.1.7/24" means
 * 192.168.1.0/24. An IPv4-mapped IPv6 prefix of /96 or longer ("::ffff:10.0.0.0/104") is stored as the
 * IPv4 prefix it covers, because addresses are unmapped too (see ip-address.h). Note that "::/0" matches
 * IPv6 clients only; list "0.0.0.0/0" as well to cover IPv4.
 */

#include <stdbool.h>
#include <stddef.h>

#include "ip-address.h"

/* A list holds at most this many prefixes; the text of a list at most CIDR_LIST_TEXT_MAX bytes. */
#define CIDR_LIST_MAX 64
#define CIDR_LIST_TEXT_MAX 4096
/* "<address>/128" */
#define CIDR_STRING_MAX (IP_ADDRESS_TEXT_MAX + 5)

typedef struct Cidr {
        IpAddress address;      /* host bits cleared */
        unsigned prefixlen;     /* 0..32 or 0..128 */
} Cidr;

typedef struct CidrList {
        Cidr entries[CIDR_LIST_MAX];
        size_t n_entries;
} CidrList;

/* Parses "address/len" or a bare address (a /32 or /128). -EINVAL on anything else, including leading
 * zeros in or whitespace around the length. */
int cidr_parse(const char *buf, size_t len, Cidr *ret);

/* Formats as "address/len" into buf; returns buf. */
const char *cidr_to_string(const Cidr *c, char buf[static CIDR_STRING_MAX]);

bool cidr_contains(const Cidr *c, const IpAddress *a);

/* Parses prefixes separated by commas and/or whitespace (empty elements are skipped) and replaces *ret
 * with them. On failure returns -EINVAL (a bad prefix) or -E2BIG (too long or too many entries), leaves
 * *ret alone and points *ret_reason, if given, at a static explanation. */
int cidr_list_parse(const char *buf, size_t len, CidrList *ret, const char **ret_reason);

/* Appends one prefix; -E2BIG when the list is full. */
int cidr_list_add(CidrList *l, const Cidr *c);

/* False for a NULL or empty list. */
bool cidr_list_contains(const CidrList *l, const IpAddress *a);
