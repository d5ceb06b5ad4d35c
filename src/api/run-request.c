/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "run-request.h"
#include "strv.h"
#include "upload-path.h"
#include "wipe.h"

/* Deep enough for any honest request, shallow enough that nesting cannot eat the stack. */
#define JSON_MAX_DEPTH 8
/* No server timeout is longer than a day; beyond that a number is nonsense. */
#define TIMEOUT_MAX_SEC (24.0 * 3600.0)

RunRequest *run_request_free(RunRequest *r) {
        if (!r)
                return NULL;
        free(r->interpreter);
        wipe_free(r->code);
        wipe_free(r->stdin_data);
        free(r->source_name);
        piston_files_free(r->files, r->n_files);
        strv_free(r->args);
        judge_spec_free(r->judge);
        seal_recipients_free(r->seal_to);
        free(r);
        return NULL;
}

bool content_type_is_json(const char *ct) {
        if (!ct)
                return false;
        ct += strspn(ct, " \t");
        size_t n = strlen("application/json");
        return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static char *memdup_nul(const char *p, size_t len) {
        char *c = malloc(len + 1);
        if (!c)
                return NULL;
        memcpy(c, p, len);
        c[len] = 0;
        return c;
}

static bool name_is_valid(const char *s, size_t len, size_t max) {
        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-_.", s[i]))
                        return false;
        return true;
}

static int parse_json(const char *body, size_t len, const RunLimits *lim, RunRequest *r, const char **ret_error) {
        json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
        json_object *root, *v;
        int k = -EINVAL;

        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, body, (int) len);
        if (!root || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len) {
                *ret_error = json_tokener_get_error(tok) == json_tokener_error_depth ? "JSON nested too deeply"
                                                                                      : "malformed JSON";
                goto finish;
        }
        if (!json_object_is_type(root, json_type_object)) {
                *ret_error = "the JSON body must be an object";
                goto finish;
        }

        if (!json_object_object_get_ex(root, "code", &v) || !json_object_is_type(v, json_type_string)) {
                *ret_error = "\"code\" is required and must be a string";
                goto finish;
        }
        r->code_len = json_object_get_string_len(v);
        r->code = memdup_nul(json_object_get_string(v), r->code_len);
        if (!r->code) {
                k = -ENOMEM;
                goto finish;
        }

        if (json_object_object_get_ex(root, "name", &v) && !json_object_is_type(v, json_type_null)) {
                bool fits = json_object_is_type(v, json_type_string) &&
                            (size_t) json_object_get_string_len(v) <= RUN_SOURCE_NAME_MAX;
                k = fits ? upload_path_normalize(json_object_get_string(v), json_object_get_string_len(v),
                                                 &r->source_name, NULL)
                         : -EINVAL;
                if (k == -ENOMEM)
                        goto finish;
                if (k < 0 || strchr(r->source_name, '/')) {
                        *ret_error = "\"name\" must be a short file name, not in a directory";
                        k = -EINVAL;
                        goto finish;
                }
        }
        if (json_object_object_get_ex(root, "files", &v) && !json_object_is_type(v, json_type_null)) {
                k = piston_files_parse(v, false, &r->files, &r->n_files, ret_error);
                if (k < 0)
                        goto finish;
                for (size_t i = 0; i < r->n_files; i++)
                        if (r->source_name && streq(r->files[i].name, r->source_name)) {
                                *ret_error = "one of \"files\" has the program's own \"name\"";
                                k = -EINVAL;
                                goto finish;
                        }
        }
        k = -EINVAL;

        json_object *lang = NULL;
        if (json_object_object_get_ex(root, "interpreter", &v) || json_object_object_get_ex(root, "lang", &v))
                lang = v;
        if (lang) {
                if (!json_object_is_type(lang, json_type_string) ||
                    !name_is_valid(json_object_get_string(lang), json_object_get_string_len(lang),
                                   lim->max_name_len)) {
                        *ret_error = "\"interpreter\" must be a short name such as \"python\"";
                        goto finish;
                }
                r->interpreter = strdup(json_object_get_string(lang));
                if (!r->interpreter) {
                        k = -ENOMEM;
                        goto finish;
                }
        }

        if (json_object_object_get_ex(root, "stdin", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_string)) {
                        *ret_error = "\"stdin\" must be a string";
                        goto finish;
                }
                r->stdin_len = json_object_get_string_len(v);
                r->stdin_data = memdup_nul(json_object_get_string(v), r->stdin_len);
                if (!r->stdin_data) {
                        k = -ENOMEM;
                        goto finish;
                }
        }

        if (json_object_object_get_ex(root, "args", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_array)) {
                        *ret_error = "\"args\" must be an array of strings";
                        goto finish;
                }
                size_t n = json_object_array_length(v);
                if (n > lim->max_args) {
                        *ret_error = "too many \"args\"";
                        goto finish;
                }
                for (size_t i = 0; i < n; i++) {
                        json_object *a = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(a, json_type_string)) {
                                *ret_error = "\"args\" must be an array of strings";
                                goto finish;
                        }
                        size_t alen = json_object_get_string_len(a);
                        const char *s = json_object_get_string(a);
                        if (alen > lim->max_arg_len || memchr(s, 0, alen)) {
                                *ret_error = "an argument is too long or contains a NUL byte";
                                goto finish;
                        }
                        if (strv_extend(&r->args, s) < 0) {
                                k = -ENOMEM;
                                goto finish;
                        }
                }
        }

        if (json_object_object_get_ex(root, "timeout", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
                        *ret_error = "\"timeout\" must be a number of seconds";
                        goto finish;
                }
                double t = json_object_get_double(v);
                if (!isfinite(t) || t <= 0) {
                        *ret_error = "\"timeout\" must be a positive number of seconds";
                        goto finish;
                }
                r->timeout_usec = (uint64_t) (MIN(t, TIMEOUT_MAX_SEC) * USEC_PER_SEC);
        }

        json_object *seal_to = NULL;
        (void) json_object_object_get_ex(root, "seal_to", &seal_to);
        k = seal_to_from_json(seal_to, &r->seal_to, ret_error);
        if (k < 0)
                goto finish;

        json_object *tests = NULL, *compare = NULL;
        (void) json_object_object_get_ex(root, "tests", &tests);
        (void) json_object_object_get_ex(root, "compare", &compare);
        k = judge_spec_from_json(tests, compare, &r->judge, ret_error);
        if (k < 0)
                goto finish;
        if (r->judge && r->stdin_data) {
                *ret_error = "give either \"stdin\" or \"tests\", each test has its own stdin";
                k = -EINVAL;
                goto finish;
        }
        k = 0;
finish:
        json_object_put(root);
        json_tokener_free(tok);
        return k;
}

int run_request_parse(const char *content_type, const char *lang_query, const char *body, size_t len,
                      const RunLimits *limits, RunRequest **ret, const char **ret_error) {
        _cleanup_(run_request_freep) RunRequest *r = calloc(1, sizeof(RunRequest));
        const char *error = NULL;
        int k;

        if (!r)
                return -ENOMEM;
        r->args = strv_new(NULL, NULL);
        if (!r->args)
                return -ENOMEM;

        if (len == 0) {
                *ret_error = "empty request body: send the program, or JSON with \"code\"";
                return -EINVAL;
        }

        if (content_type_is_json(content_type)) {
                r->json = true;
                k = parse_json(body, len, limits, r, &error);
                if (k < 0) {
                        *ret_error = error ?: "out of memory";
                        return k;
                }
        } else {
                r->code = memdup_nul(body, len);
                if (!r->code)
                        return -ENOMEM;
                r->code_len = len;
        }

        if (lang_query && !r->interpreter) {
                if (!name_is_valid(lang_query, strlen(lang_query), limits->max_name_len)) {
                        *ret_error = "?lang= must be a short name such as \"python\"";
                        return -EINVAL;
                }
                r->interpreter = strdup(lang_query);
                if (!r->interpreter)
                        return -ENOMEM;
        }

        if (r->code_len == 0) {
                *ret_error = "empty program";
                return -EINVAL;
        }

        *ret = TAKE_PTR(r);
        return 0;
}
