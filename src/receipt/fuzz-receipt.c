/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a receipt document, as `sandrun verify` reads it from a file or a server's answer. */

#include <stdlib.h>
#include <string.h>

#include "receipt-verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MCowBQYDK2VwAyEAeyEYyZEsPuCOErPwt94uZ4vMmE0yPCM1gKxr55Me3U0=\n"
                          "-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Receipt r = {};
        const char *error = NULL;

        if (receipt_parse((const char *) data, size, &r, &error) < 0) {
                if (!error)
                        abort();
                return 0;
        }
        if (strlen(r.key_id) != RECEIPT_KEY_ID_LEN || r.payload_len > size)
                abort();
        (void) receipt_verify(&r, key, strlen(key), &error);
        receipt_done(&r);
        return 0;
}
