/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a whole age message, binary or armored, opened with a fixed identity the corpus was sealed to. */

#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "wipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char identity[] = "AGE-SECRET-KEY-1JCVV8572QSJY2DYXUG9QWYT6JAEWRUPKR6YVSXT476599YN4PSWSPTTDGS";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SealIdentity id;
        uint8_t *out;
        size_t n;

        if (seal_identity_parse(identity, strlen(identity), &id) < 0)
                abort();
        if (seal_decrypt(&id, data, size, &out, &n) == 0) {
                if (n > size)
                        abort();
                wipe_free(out);
        }
        return 0;
}
