/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * "seal_to": the age recipients a client wants its results sealed to, a string "age1..." or an array of
 * at most SEAL_RECIPIENTS_MAX of them (in a /run request, a batch manifest, or ?seal_to= as a
 * comma-separated list). Duplicates are folded, so one key gets one stanza.
 */

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "seal.h"

typedef struct SealRecipients {
        uint8_t keys[SEAL_RECIPIENTS_MAX][SEAL_KEY_SIZE];
        size_t n;
} SealRecipients;

/* NULL stays NULL (no sealing); anything else but valid recipients is -EINVAL with ret_error. */
int seal_to_from_json(json_object *v, SealRecipients **ret, const char **ret_error);

/* The comma-separated form of a query parameter. */
int seal_to_from_string(const char *s, size_t len, SealRecipients **ret, const char **ret_error);

/* Seals len bytes to the recipients: armored text when armor is set. */
int seal_to_encrypt(const SealRecipients *r, const void *data, size_t len, bool armor, uint8_t **ret,
                    size_t *ret_len);

static inline SealRecipients *seal_recipients_free(SealRecipients *r) {
        free(r);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SealRecipients *, seal_recipients_free);
