/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a "seal_to" recipient (alone, or ?seal_to='s comma-separated list) or an --identity file, as a
 * client or a user hands them in. */

#include <stdlib.h>
#include <string.h>

#include "seal-bech32.h"
#include "seal-key.h"
#include "seal-to.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char hrp[SEAL_BECH32_HRP_MAX + 1], text[SEAL_BECH32_MAX + 1];
        uint8_t key[SEAL_KEY_SIZE], out[SEAL_BECH32_MAX];
        SealIdentity id;
        size_t n;

        if (seal_recipient_parse((const char *) data, size, key) == 0) {
                seal_recipient_format(key, text);
                if (size != SEAL_RECIPIENT_LEN || memcmp(text, data, size) != 0)
                        abort();        /* one spelling per key */
        }
        if (seal_identity_parse((const char *) data, size, &id) == 0) {
                seal_identity_format(&id, text);
                if (size != SEAL_IDENTITY_LEN || memcmp(text, data, size) != 0)
                        abort();
        }
        (void) seal_identity_file_parse((const char *) data, size, &id);
        SealRecipients *r = NULL;
        const char *error = NULL;
        if (seal_to_from_string((const char *) data, size, &r, &error) == 0) {
                if (r->n == 0 || r->n > SEAL_RECIPIENTS_MAX)
                        abort();
                free(r);
        } else if (!error)
                abort();
        if (seal_bech32_decode((const char *) data, size, hrp, out, sizeof(out), &n) == 0 &&
            (n > sizeof(out) || strlen(hrp) > SEAL_BECH32_HRP_MAX))
                abort();
        return 0;
}
