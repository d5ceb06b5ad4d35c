/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-json.h"

int json_add(struct json_object *o, const char *key, struct json_object *v) {
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int json_add_strings(struct json_object *o, const char *key, char *const *v, size_t n) {
        struct json_object *a = json_object_new_array();
        int r = json_add(o, key, a);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct json_object *s = json_object_new_string(v[i]);
                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        r = -ENOMEM;
                }
        }
        return r;
}

int json_to_string(struct json_object *o, char **ret) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        char *copy = s ? strdup(s) : NULL;
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
