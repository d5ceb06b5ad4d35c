/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "seal-json.h"

/* The program's output in every form, the receipt (digests of inputs and outputs), the compiler's messages
 * and each test case's output. */
const char *const seal_run_fields[] = { "stdout", "stderr", "output", "receipt", "compile", "tests", NULL };

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

int seal_json_fields(json_object *o, const char *const *keys, const SealRecipients *r, char **ret,
                     size_t *ret_len) {
        json_object *inner, *v;
        uint8_t *sealed = NULL;
        size_t sealed_len, text_len;
        const char *text;
        int k;

        assert(o);
        assert(keys);
        assert(r);

        inner = json_object_new_object();
        if (!inner)
                return -ENOMEM;
        for (const char *const *key = keys; *key; key++)
                if (json_object_object_get_ex(o, *key, &v)) {
                        json_object_object_add(inner, *key, json_object_get(v));
                        json_object_object_del(o, *key);
                }
        text = json_object_to_json_string_length(inner, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                 &text_len);
        k = text ? seal_to_encrypt(r, text, text_len, true, &sealed, &sealed_len) : -ENOMEM;
        if (text)
                explicit_bzero((char *) text, text_len);
        seal_json_wipe(inner);
        json_object_put(inner);
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
