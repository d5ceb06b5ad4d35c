/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "macro.h"

/* Clears every bit after the first prefixlen bits of bytes[]. */
static void mask_bytes(uint8_t *bytes, size_t n_bytes, unsigned prefixlen) {
        for (size_t i = 0; i < n_bytes; i++) {
                unsigned first_bit = i * 8;

                if (prefixlen >= first_bit + 8)
                        continue;
                if (prefixlen <= first_bit)
                        bytes[i] = 0;
                else
                        bytes[i] &= (uint8_t) (0xff << (8 - (prefixlen - first_bit)));
        }
}

static bool bytes_match_prefix(const uint8_t *a, const uint8_t *b, unsigned prefixlen) {
        size_t whole = prefixlen / 8;
        unsigned rest = prefixlen % 8;

        if (memcmp(a, b, whole) != 0)
                return false;
        if (rest == 0)
                return true;

        uint8_t mask = (uint8_t) (0xff << (8 - rest));
        return (a[whole] & mask) == (b[whole] & mask);
}

/* Decimal prefix length without sign, whitespace or leading zeros. */
static int parse_prefixlen(const char *buf, size_t len, unsigned max, unsigned *ret) {
        unsigned v = 0;

        if (len == 0 || len > 3 || (len > 1 && buf[0] == '0'))
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (buf[i] - '0');
        }
        if (v > max)
                return -EINVAL;

        *ret = v;
        return 0;
}

int cidr_parse(const char *buf, size_t len, Cidr *ret) {
        Cidr c = {};
        const char *slash;
        int r;

        if (!buf)
                return -EINVAL;

        slash = memchr(buf, '/', len);
        r = ip_address_parse(buf, slash ? (size_t) (slash - buf) : len, &c.address);
        if (r < 0)
                return r;

        /* ip_address_parse() unmapped a mapped address; its prefix then counts 96 bits less. */
        unsigned mapped_bits = 0;
        if (c.address.family == AF_INET && slash && memchr(buf, ':', (size_t) (slash - buf)))
                mapped_bits = 96;

        if (slash) {
                unsigned prefixlen;

                r = parse_prefixlen(slash + 1, len - (size_t) (slash - buf) - 1,
                                    ip_address_bits(&c.address) + mapped_bits, &prefixlen);
                if (r < 0)
                        return r;
                /* A mapped prefix shorter than /96 also covers non-mapped IPv6 space: not expressible. */
                if (prefixlen < mapped_bits)
                        return -EINVAL;
                c.prefixlen = prefixlen - mapped_bits;
        } else
                c.prefixlen = ip_address_bits(&c.address);

        mask_bytes(c.address.bytes, sizeof(c.address.bytes), c.prefixlen);
        *ret = c;
        return 0;
}

const char *cidr_to_string(const Cidr *c, char buf[static CIDR_STRING_MAX]) {
        char text[INET6_ADDRSTRLEN];

        if (!inet_ntop(c->address.family, c->address.bytes, text, sizeof(text)))
                text[0] = 0;    /* cannot happen for AF_INET/AF_INET6 and a large enough buffer */
        (void) snprintf(buf, CIDR_STRING_MAX, "%s/%u", text, c->prefixlen);
        return buf;
}

bool cidr_contains(const Cidr *c, const IpAddress *a) {
        if (c->address.family != a->family)
                return false;
        return bytes_match_prefix(c->address.bytes, a->bytes, c->prefixlen);
}

static bool is_list_separator(char ch) {
        return ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int cidr_list_parse(const char *buf, size_t len, CidrList *ret, const char **ret_reason) {
        CidrList l = {};
        const char *reason = NULL;
        int r = 0;

        if (!buf && len > 0)
                return -EINVAL;
        if (len > CIDR_LIST_TEXT_MAX) {
                reason = "trusted proxy list is too long";
                r = -E2BIG;
                goto finish;
        }

        for (size_t i = 0; i < len;) {
                if (is_list_separator(buf[i])) {
                        i++;
                        continue;
                }

                size_t end = i;
                while (end < len && !is_list_separator(buf[end]))
                        end++;

                Cidr c;
                r = cidr_parse(buf + i, end - i, &c);
                if (r < 0) {
                        reason = "not an address or address/prefix-length";
                        goto finish;
                }
                r = cidr_list_add(&l, &c);
                if (r < 0) {
                        reason = "too many trusted proxy prefixes";
                        goto finish;
                }
                i = end;
        }

        *ret = l;
finish:
        if (r < 0 && ret_reason)
                *ret_reason = reason;
        return r;
}

int cidr_list_add(CidrList *l, const Cidr *c) {
        if (l->n_entries >= CIDR_LIST_MAX)
                return -E2BIG;
        l->entries[l->n_entries++] = *c;
        return 0;
}

bool cidr_list_contains(const CidrList *l, const IpAddress *a) {
        if (!l)
                return false;
        for (size_t i = 0; i < l->n_entries; i++)
                if (cidr_contains(&l->entries[i], a))
                        return true;
        return false;
}
