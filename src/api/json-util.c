/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "utf8.h"

json_object *json_string_from_bytes(const char *data, size_t len) {
        static const char replacement[] = "\xef\xbf\xbd";
        size_t i = 0, valid = 0;
        uint32_t cp;

        /* Most output is valid; only copy when it is not. */
        while (valid < len) {
                size_t n = utf8_decode(data + valid, len - valid, &cp);
                if (n == 0)
                        break;
                valid += n;
        }
        if (valid == len)
                return json_object_new_string_len(data, (int) len);

        char *out = malloc(len * 3 + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        while (i < len) {
                size_t n = utf8_decode(data + i, len - i, &cp);
                if (n == 0) {
                        memcpy(out + o, replacement, 3);
                        o += 3;
                        i++;
                } else {
                        memcpy(out + o, data + i, n);
                        o += n;
                        i += n;
                }
        }
        json_object *s = json_object_new_string_len(out, (int) o);
        free(out);
        return s;
}

json_object *json_fixed3(double v) {
        char buf[64];

        snprintf(buf, sizeof(buf), "%.3f", v);
        return json_object_new_double_s(v, buf);
}
