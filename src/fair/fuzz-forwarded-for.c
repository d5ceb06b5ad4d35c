/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Input: "<peer address>\n<trusted proxy list>\n<X-Forwarded-For value>". A peer or list that does not
 * parse is replaced by a fixed one, so that every input exercises the header walk.
 */

#include <stdlib.h>
#include <string.h>

#include "client-key.h"
#include "forwarded-for.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *take_line(const char **p, const char *end, size_t *ret_len) {
        const char *start = *p, *nl = memchr(start, '\n', (size_t) (end - start));

        *ret_len = (size_t) ((nl ?: end) - start);
        *p = nl ? nl + 1 : end;
        return start;
}

static socklen_t to_sockaddr(const IpAddress *a, struct sockaddr_storage *ret) {
        memset(ret, 0, sizeof(*ret));
        if (a->family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *) ret;
                sin->sin_family = AF_INET;
                sin->sin_addr = a->in;
                return sizeof(*sin);
        }
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ret;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = a->in6;
        return sizeof(*sin6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *p = (const char *) data, *end = p + size;
        const char *peer_text, *list_text;
        size_t peer_len, list_len;
        IpAddress peer, client, again, hop;
        CidrList trusted;
        ClientKey key, peer_key;
        struct sockaddr_storage ss;
        char buf[CLIENT_KEY_STRING_MAX];

        peer_text = take_line(&p, end, &peer_len);
        list_text = take_line(&p, end, &list_len);

        if (ip_address_parse(peer_text, peer_len, &peer) < 0)
                (void) ip_address_parse("10.0.0.1", 8, &peer);
        if (cidr_list_parse(list_text, list_len, &trusted, NULL) < 0)
                (void) cidr_list_parse("10.0.0.0/8 2001:db8::/32", 24, &trusted, NULL);

        /* Exercise the hop parser on the raw header too. */
        (void) forwarded_for_parse_hop(p, (size_t) (end - p), &hop);

        forwarded_for_resolve(&peer, p, (size_t) (end - p), &trusted, &client);
        forwarded_for_resolve(&peer, p, (size_t) (end - p), &trusted, &again);
        if (!ip_address_equal(&client, &again))
                abort();
        if (client.family != AF_INET && client.family != AF_INET6)
                abort();
        /* An untrusted peer is the client, whatever the header says. */
        if (!cidr_list_contains(&trusted, &peer) && !ip_address_equal(&client, &peer))
                abort();

        socklen_t len = to_sockaddr(&peer, &ss);
        if (client_key_from_request((struct sockaddr *) &ss, len, p, (size_t) (end - p), &trusted, &key) < 0)
                abort();
        client_key_from_address(&client, &peer_key);
        if (!client_key_equal(&key, &peer_key))
                abort();
        if (strlen(client_key_to_string(&key, buf)) >= CLIENT_KEY_STRING_MAX)
                abort();
        return 0;
}
