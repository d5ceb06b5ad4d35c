/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: the start of an age file, as `sandrun --identity` reads it. */

#include <stdlib.h>

#include "seal-header.h"
#include "seal-x25519.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t body[SEAL_STANZA_BODY_MAX], file_key[SEAL_FILE_KEY_SIZE];
        SealHeader *h = malloc(sizeof(SealHeader));
        SealIdentity id = {};
        size_t n;

        if (!h)
                return 0;
        if (seal_header_parse(data, size, h) == 0) {
                if (h->len > size || h->mac_input_len >= h->len || h->n_stanzas == 0 ||
                    h->n_stanzas > SEAL_STANZAS_MAX)
                        abort();
                for (size_t i = 0; i < h->n_stanzas; i++) {
                        if (seal_stanza_body(&h->stanzas[i], body, sizeof(body), &n) == 0 && n > sizeof(body))
                                abort();
                        (void) seal_x25519_unwrap(&id, &h->stanzas[i], file_key);
                }
        }
        free(h);
        return 0;
}
