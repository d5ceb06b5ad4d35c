/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-json.h"
#include "cli-tests.h"
#include "macro.h"

#define TESTS_DEPTH 8

static struct json_object *parse(const char *text, size_t len) {
        if (len > INT32_MAX)
                return NULL;
        json_tokener *tok = json_tokener_new_ex(TESTS_DEPTH);
        if (!tok)
                return NULL;
        struct json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        if (o && json_tokener_get_parse_end(tok) != len)
                o = (json_object_put(o), NULL);
        json_tokener_free(tok);
        return o;
}

int cli_tests_parse(const char *text, size_t len, struct json_object **ret) {
        _cleanup_(json_putp) struct json_object *o = parse(text, len);
        if (!o || !json_object_is_type(o, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(o);
        if (n == 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                if (!json_object_is_type(json_object_array_get_idx(o, i), json_type_object))
                        return -EBADMSG;
        *ret = TAKE_PTR(o);
        return 0;
}

static const char *string_field(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int cli_tests_report(const char *reply, size_t len, FILE *f) {
        _cleanup_(json_putp) struct json_object *o = parse(reply, len);
        struct json_object *tests;
        if (!o || !json_object_object_get_ex(o, "tests", &tests) || !json_object_is_type(tests, json_type_array))
                return -EBADMSG;

        size_t n = json_object_array_length(tests);
        int failed = 0;
        for (size_t i = 0; i < n; i++) {
                struct json_object *t = json_object_array_get_idx(tests, i), *exit_code;
                const char *verdict = t ? string_field(t, "verdict") : NULL;
                if (!verdict)
                        return -EBADMSG;
                bool passed = streq(verdict, "accepted");
                failed += !passed;
                /* The verdict is the server's text: print it only when it is a plain word. */
                if (strspn(verdict, "abcdefghijklmnopqrstuvwxyz_") != strlen(verdict) || strlen(verdict) > 32)
                        verdict = "unknown";
                fprintf(f, "case %zu: %s", i + 1, verdict);
                if (!passed && json_object_object_get_ex(t, "exit_code", &exit_code) &&
                    json_object_is_type(exit_code, json_type_int))
                        fprintf(f, " (exit %d)", json_object_get_int(exit_code));
                fputc('\n', f);
        }
        fprintf(f, "%zu of %zu passed\n", n - (size_t) failed, n);
        return failed;
}
