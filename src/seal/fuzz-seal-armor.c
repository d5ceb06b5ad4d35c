/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: an armored age message, as `sandrun --identity` reads one. */

#include <stdlib.h>
#include <string.h>

#include "seal-armor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *out = NULL, *again = NULL;
        size_t n, n_again;
        char *text;

        if (seal_armor_decode((const char *) data, size, &out, &n) < 0)
                return 0;
        /* What decoded re-encodes canonically and decodes to the same bytes. */
        text = malloc(seal_armor_encoded_len(n));
        if (!text)
                abort();
        seal_armor_encode(out, n, text);
        if (seal_armor_decode(text, seal_armor_encoded_len(n), &again, &n_again) < 0 || n_again != n ||
            memcmp(again, out, n) != 0)
                abort();
        free(again);
        free(text);
        free(out);
        return 0;
}
