/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a trusted proxy list as given on the command line. */

#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CidrList l;
        const char *reason = NULL;
        int r;

        r = cidr_list_parse((const char *) data, size, &l, &reason);
        if (r < 0) {
                if (!reason)
                        abort();
                return 0;
        }
        if (l.n_entries > CIDR_LIST_MAX)
                abort();

        for (size_t i = 0; i < l.n_entries; i++) {
                const Cidr *c = &l.entries[i];
                char text[CIDR_STRING_MAX];
                Cidr again;

                /* What we print we read back as the same prefix, and a prefix contains its address. */
                cidr_to_string(c, text);
                if (cidr_parse(text, strlen(text), &again) < 0)
                        abort();
                if (!ip_address_equal(&again.address, &c->address) || again.prefixlen != c->prefixlen)
                        abort();
                if (c->prefixlen > ip_address_bits(&c->address))
                        abort();
                if (!cidr_contains(c, &c->address) || !cidr_list_contains(&l, &c->address))
                        abort();
        }
        return 0;
}
