/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "listing.h"
#include "macro.h"
#include "upload-path.h"

static void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}

int listing_format_line(const char *path, uint64_t size, char **ret_line) {
        _cleanup_(json_object_putp) struct json_object *o = NULL;
        const char *s;
        char *line;
        size_t len;

        if (!upload_path_is_normal(path) || size > INT64_MAX)
                return -EINVAL;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        if (json_object_object_add(o, "path", json_object_new_string(path)) < 0 ||
            json_object_object_add(o, "size", json_object_new_int64((int64_t) size)) < 0)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;

        len = strlen(s);
        line = malloc(len + 2);
        if (!line)
                return -ENOMEM;
        memcpy(line, s, len);
        line[len] = '\n';
        line[len + 1] = 0;
        *ret_line = line;
        return 0;
}

static void json_tokener_freep(struct json_tokener **t) {
        if (*t)
                json_tokener_free(*t);
}

int listing_parse_line(const char *buf, size_t len, char **ret_path, uint64_t *ret_size) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_(json_object_putp) struct json_object *o = NULL;
        struct json_object *path, *size;
        char *copy;
        int64_t n;

        if (len == 0 || len > LISTING_LINE_MAX || memchr(buf, 0, len))
                return -EBADMSG;

        tok = json_tokener_new_ex(2);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, buf, len);
        if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len)
                return -EBADMSG;

        if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 2 ||
            !json_object_object_get_ex(o, "path", &path) || !json_object_object_get_ex(o, "size", &size) ||
            !json_object_is_type(path, json_type_string) || !json_object_is_type(size, json_type_int))
                return -EBADMSG;

        n = json_object_get_int64(size);
        if (n < 0 || n == INT64_MAX)    /* INT64_MAX: json-c's answer to anything larger */
                return -EBADMSG;
        if ((size_t) json_object_get_string_len(path) != strlen(json_object_get_string(path)) ||
            !upload_path_is_normal(json_object_get_string(path)))
                return -EBADMSG;

        copy = strdup(json_object_get_string(path));
        if (!copy)
                return -ENOMEM;
        *ret_path = copy;
        *ret_size = n;
        return 0;
}
