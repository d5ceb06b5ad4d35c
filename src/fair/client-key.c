/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client-key.h"
#include "forwarded-for.h"

void client_key_from_address(const IpAddress *a, ClientKey *ret) {
        ClientKey k = { .family = a->family };

        memcpy(k.bytes, a->bytes, a->family == AF_INET6 ? 8 : 4);
        *ret = k;
}

int client_key_from_sockaddr(const struct sockaddr *sa, socklen_t len, ClientKey *ret) {
        IpAddress a;
        int r;

        r = ip_address_from_sockaddr(sa, len, &a);
        if (r < 0)
                return r;

        client_key_from_address(&a, ret);
        return 0;
}

int client_key_from_request(
                const struct sockaddr *peer,
                socklen_t peer_len,
                const char *xff,
                size_t xff_len,
                const CidrList *trusted_proxies,
                ClientKey *ret) {

        IpAddress peer_address, client;
        int r;

        r = ip_address_from_sockaddr(peer, peer_len, &peer_address);
        if (r < 0)
                return r;

        forwarded_for_resolve(&peer_address, xff, xff_len, trusted_proxies, &client);
        client_key_from_address(&client, ret);
        return 0;
}

bool client_key_equal(const ClientKey *a, const ClientKey *b) {
        return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

const char *client_key_to_string(const ClientKey *k, char buf[static CLIENT_KEY_STRING_MAX]) {
        if (k->family == AF_INET6) {
                struct in6_addr prefix = {};
                char text[INET6_ADDRSTRLEN];

                memcpy(prefix.s6_addr, k->bytes, sizeof(k->bytes));
                if (!inet_ntop(AF_INET6, &prefix, text, sizeof(text)))
                        text[0] = 0;
                (void) snprintf(buf, CLIENT_KEY_STRING_MAX, "%s/64", text);
        } else if (!inet_ntop(AF_INET, k->bytes, buf, CLIENT_KEY_STRING_MAX))
                buf[0] = 0;
        return buf;
}
