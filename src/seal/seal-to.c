/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "seal-key.h"
#include "seal-to.h"

#define ERROR_BAD_RECIPIENT "\"seal_to\" must be age X25519 recipients (\"age1...\", lower case, 62 characters)"
#define ERROR_COUNT "\"seal_to\" takes 1 to 16 recipients"

static int add(SealRecipients *r, const char *s, size_t len, const char **ret_error) {
        uint8_t key[SEAL_KEY_SIZE];

        if (seal_recipient_parse(s, len, key) < 0) {
                *ret_error = ERROR_BAD_RECIPIENT;
                return -EINVAL;
        }
        for (size_t i = 0; i < r->n; i++)
                if (memcmp(r->keys[i], key, SEAL_KEY_SIZE) == 0)
                        return 0;
        if (r->n == SEAL_RECIPIENTS_MAX) {
                *ret_error = ERROR_COUNT;
                return -EINVAL;
        }
        memcpy(r->keys[r->n++], key, SEAL_KEY_SIZE);
        return 0;
}

int seal_to_from_json(json_object *v, SealRecipients **ret, const char **ret_error) {
        _cleanup_(seal_recipients_freep) SealRecipients *r = NULL;
        int k;

        assert(ret);
        assert(ret_error);

        if (!v) {
                *ret = NULL;
                return 0;
        }
        r = calloc(1, sizeof(SealRecipients));
        if (!r)
                return -ENOMEM;
        if (json_object_is_type(v, json_type_string)) {
                k = add(r, json_object_get_string(v), (size_t) json_object_get_string_len(v), ret_error);
                if (k < 0)
                        return k;
        } else if (json_object_is_type(v, json_type_array)) {
                size_t n = json_object_array_length(v);
                /* Counted before parsing, so a huge array costs nothing. */
                if (n == 0 || n > SEAL_RECIPIENTS_MAX) {
                        *ret_error = ERROR_COUNT;
                        return -EINVAL;
                }
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_string)) {
                                *ret_error = ERROR_BAD_RECIPIENT;
                                return -EINVAL;
                        }
                        k = add(r, json_object_get_string(e), (size_t) json_object_get_string_len(e), ret_error);
                        if (k < 0)
                                return k;
                }
        } else {
                *ret_error = "\"seal_to\" must be a recipient string or an array of them";
                return -EINVAL;
        }
        *ret = TAKE_PTR(r);
        return 0;
}

int seal_to_from_string(const char *s, size_t len, SealRecipients **ret, const char **ret_error) {
        _cleanup_(seal_recipients_freep) SealRecipients *r = calloc(1, sizeof(SealRecipients));
        size_t pos = 0;
        int k;

        assert(s || len == 0);

        if (!r)
                return -ENOMEM;
        /* At most 16 recipients and 15 commas: longer is wrong whatever it holds. */
        if (len == 0 || len > SEAL_RECIPIENTS_MAX * (SEAL_RECIPIENT_LEN + 1)) {
                *ret_error = len == 0 ? ERROR_BAD_RECIPIENT : ERROR_COUNT;
                return -EINVAL;
        }
        for (;;) {
                const char *comma = memchr(s + pos, ',', len - pos);
                size_t end = comma ? (size_t) (comma - s) : len;
                k = add(r, s + pos, end - pos, ret_error);
                if (k < 0)
                        return k;
                if (!comma)
                        break;
                pos = end + 1;
        }
        *ret = TAKE_PTR(r);
        return 0;
}

int seal_to_encrypt(const SealRecipients *r, const void *data, size_t len, bool armor, uint8_t **ret,
                    size_t *ret_len) {
        assert(r);
        return seal_encrypt((const uint8_t (*)[SEAL_KEY_SIZE]) r->keys, r->n, data, len, armor, ret, ret_len);
}
