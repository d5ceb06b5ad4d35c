/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "seal-json.h"
#include "wipe.h"

/* The program's output in every form, the receipt (digests of inputs and outputs), the compiler's messages
 * and each test case's output. */
const char *const seal_run_fields[] = { "stdout", "stderr", "output", "receipt", "compile", "tests", NULL };

#define READ_CHUNK (16u * 1024u)

void seal_json_wipe(json_object *v) {
        if (!v)
                return;
        switch (json_object_get_type(v)) {
        case json_type_string:
                /* json-c hands out its own buffer; writing zeros into it leaves the object valid. */
                explicit_bzero((char *) json_object_get_string(v), (size_t) json_object_get_string_len(v));
                break;
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        seal_json_wipe(json_object_array_get_idx(v, i));
                break;
        case json_type_object: {
                json_object_object_foreach(v, key, val) {
                        (void) key;
                        seal_json_wipe(val);
                }
                break;
        }
        default:
                break;
        }
}

int seal_json_move_fields(json_object *o, const char *const *keys, json_object **ret_inner) {
        json_object *inner, *v;

        assert(o);
        assert(keys);

        inner = json_object_new_object();
        if (!inner)
                return -ENOMEM;
        for (const char *const *key = keys; *key; key++)
                if (json_object_object_get_ex(o, *key, &v)) {
                        if (json_object_object_add(inner, *key, json_object_get(v)) < 0) {
                                json_object_put(inner);
                                return -ENOMEM;
                        }
                        json_object_object_del(o, *key);
                }
        *ret_inner = inner;
        return 0;
}

int seal_read_armored(seal_read_t read, void *userdata, size_t max, const SealRecipients *r, char **ret,
                      size_t *ret_len) {
        _cleanup_(wipe_freep) char *plain = NULL;
        size_t len = 0, cap = 0, sealed_len;
        uint8_t *sealed;
        int k;

        assert(read);
        assert(r);

        for (;;) {
                if (cap - len < READ_CHUNK) {
                        /* Doubling: each growth is a copy, and the old block is wiped. */
                        size_t want = MAX(cap * 2, len + READ_CHUNK);
                        char *p = wipe_realloc(plain, want);
                        if (!p)
                                return -ENOMEM;
                        plain = p;
                        cap = want;
                }
                ssize_t n = read(userdata, plain + len, cap - len);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return -EFBIG;
        }
        k = seal_to_encrypt(r, plain, len, true, &sealed, &sealed_len);
        if (k < 0)
                return k;
        /* Armored text is ASCII: one more byte makes it a C string. */
        char *s = realloc(sealed, sealed_len + 1);
        if (!s) {
                free(sealed);
                return -ENOMEM;
        }
        s[sealed_len] = '\0';
        *ret = s;
        *ret_len = sealed_len;
        return 0;
}
