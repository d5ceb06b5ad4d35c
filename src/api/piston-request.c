/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "hex-util.h"
#include "piston-request.h"
#include "seal-base64.h"
#include "strv.h"
#include "upload-path.h"
#include "wipe.h"

#define JSON_MAX_DEPTH 8
/* A day, in milliseconds: beyond that a timeout is nonsense (the server's own limits cap it anyway). */
#define TIMEOUT_MAX_MS (24.0 * 3600 * 1000)

PistonRequest *piston_request_free(PistonRequest *r) {
        if (!r)
                return NULL;
        free(r->language);
        free(r->version);
        piston_files_free(r->files, r->n_files);
        wipe_free(r->stdin_data);
        strv_free(r->args);
        free(r);
        return NULL;
}

int piston_decode(const char *encoding, const char *in, size_t len, char **ret, size_t *ret_len) {
        _cleanup_(wipe_freep) char *out = malloc(len + 1);
        size_t n = 0;

        if (!out)
                return -ENOMEM;
        if (streq(encoding, "hex")) {
                if (len % 2 != 0)
                        return -EINVAL;
                for (size_t i = 0; i < len; i += 2) {
                        int hi = unhexchar(in[i]), lo = unhexchar(in[i + 1]);
                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        out[n++] = (char) (hi << 4 | lo);
                }
        } else if (streq(encoding, "base64")) {
                uint32_t acc = 0;
                unsigned bits = 0;
                size_t pad = 0;
                for (size_t i = 0; i < len; i++) {
                        if (in[i] == '=') {
                                pad++;
                                continue;
                        }
                        int v = seal_base64_char(in[i]);
                        /* Nothing after padding, and at most two '='. */
                        if (v < 0 || pad > 0)
                                return -EINVAL;
                        acc = (acc << 6 | (uint32_t) v) & 0xffffff;
                        bits += 6;
                        if (bits >= 8) {
                                bits -= 8;
                                out[n++] = (char) (acc >> bits);
                        }
                }
                /* Left-over bits must be zero padding of a whole group: 0, 2 or 4 bits. */
                if (pad > 2 || bits >= 6 || (acc & ((1U << bits) - 1)) != 0)
                        return -EINVAL;
        } else
                return -EINVAL;
        out[n] = 0;
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

static bool component_matches(const char *have, size_t hl, const char *want, size_t wl) {
        if ((wl == 1 && (want[0] == 'x' || want[0] == 'X' || want[0] == '*')))
                return true;
        return hl == wl && memcmp(have, want, hl) == 0;
}

bool piston_version_matches(const char *have, const char *want) {
        if (!want || !*want || streq(want, "*") || streq(want, "x") || streq(want, "latest"))
                return true;
        if (!have || !*have)
                return false;
        while (*want) {
                size_t wl = strcspn(want, "."), hl = strcspn(have, ".");
                if (hl == 0 || !component_matches(have, hl, want, wl))
                        return false;
                want += wl;
                have += hl;
                if (*want != '.')
                        break;
                want++;
                if (!*want)
                        return false;   /* "3." */
                if (*have != '.')
                        return false;
                have++;
        }
        return true;
}

static int get_string(json_object *root, const char *key, size_t max, bool required, char **ret,
                      const char **ret_error, const char *error) {
        json_object *v;

        *ret = NULL;
        if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required) {
                        *ret_error = error;
                        return -EINVAL;
                }
                return 0;
        }
        size_t len = json_object_get_string_len(v);
        if (!json_object_is_type(v, json_type_string) || len == 0 || len > max ||
            memchr(json_object_get_string(v), 0, len)) {
                *ret_error = error;
                return -EINVAL;
        }
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

/* A number of milliseconds or bytes; -1, 0, null or absent: the server's. */
static int get_limit(json_object *root, const char *key, double scale, uint64_t *ret, const char **ret_error,
                     const char *error) {
        json_object *v;

        *ret = 0;
        if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
                *ret_error = error;
                return -EINVAL;
        }
        double d = json_object_get_double(v);
        if (!isfinite(d) || (d < 0 && d != -1)) {
                *ret_error = error;
                return -EINVAL;
        }
        if (d > 0)
                *ret = (uint64_t) MIN(d * scale, (double) (UINT64_MAX / 2));
        return 0;
}

static int parse_file(json_object *f, bool first, PistonFile *ret, const char **ret_error) {
        json_object *v;
        const char *encoding = "utf8";
        int k;

        if (!json_object_is_type(f, json_type_object)) {
                *ret_error = "each of \"files\" must be an object with \"content\"";
                return -EINVAL;
        }
        if (json_object_object_get_ex(f, "name", &v) && !json_object_is_type(v, json_type_null)) {
                const char *why = NULL;
                if (!json_object_is_type(v, json_type_string)) {
                        *ret_error = "a file's \"name\" must be a string";
                        return -EINVAL;
                }
                k = upload_path_normalize(json_object_get_string(v), json_object_get_string_len(v), &ret->name, &why);
                if (k == -ENOMEM)
                        return k;
                if (k < 0) {
                        *ret_error = "a file's \"name\" must be a relative path inside the work dir";
                        return -EINVAL;
                }
                /* The entry point is the program file itself, at the top of the work dir. */
                if (first && strchr(ret->name, '/')) {
                        *ret_error = "the first file (the entry point) must not be in a directory";
                        return -EINVAL;
                }
        } else if (!first) {
                *ret_error = "every file but the first needs a \"name\"";
                return -EINVAL;
        }
        if (json_object_object_get_ex(f, "encoding", &v) && !json_object_is_type(v, json_type_null)) {
                encoding = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
                if (!streq(encoding, "utf8") && !streq(encoding, "base64") && !streq(encoding, "hex")) {
                        *ret_error = "a file's \"encoding\" must be \"utf8\", \"base64\" or \"hex\"";
                        return -EINVAL;
                }
        }
        if (!json_object_object_get_ex(f, "content", &v) || !json_object_is_type(v, json_type_string)) {
                *ret_error = "each of \"files\" needs a \"content\" string";
                return -EINVAL;
        }
        const char *s = json_object_get_string(v);
        size_t len = json_object_get_string_len(v);
        if (streq(encoding, "utf8")) {
                ret->content = malloc(len + 1);
                if (!ret->content)
                        return -ENOMEM;
                memcpy(ret->content, s, len + 1);
                ret->size = len;
                return 0;
        }
        k = piston_decode(encoding, s, len, &ret->content, &ret->size);
        if (k == -EINVAL)
                *ret_error = "a file's \"content\" does not decode as its \"encoding\" says";
        return k;
}

void piston_files_free(PistonFile *files, size_t n_files) {
        for (size_t i = 0; i < n_files; i++) {
                free(files[i].name);
                wipe_free(files[i].content);
        }
        free(files);
}

int piston_files_parse(struct json_object *array, bool entry_first, PistonFile **ret_files,
                       size_t *ret_n_files, const char **ret_error) {
        PistonFile *files = NULL;
        size_t n = 0;
        int k = 0;

        if (!json_object_is_type(array, json_type_array)) {
                *ret_error = "\"files\" must be an array of {\"name\", \"content\"}";
                return -EINVAL;
        }
        size_t want = json_object_array_length(array);
        if (want > PISTON_FILES_MAX) {
                *ret_error = "too many \"files\"";
                return -EINVAL;
        }
        if (want > 0 && !(files = calloc(want, sizeof(PistonFile))))
                return -ENOMEM;
        for (size_t i = 0; i < want && k >= 0; i++) {
                n++;
                json_object *f = json_object_array_get_idx(array, i);
                k = parse_file(f, entry_first && i == 0, &files[i], ret_error);
                for (size_t j = 0; k >= 0 && j < i && files[i].name; j++)
                        if (files[j].name && streq(files[j].name, files[i].name)) {
                                *ret_error = "two files have the same \"name\"";
                                k = -EINVAL;
                        }
        }
        if (k < 0) {
                piston_files_free(files, n);
                return k;
        }
        *ret_files = files;
        *ret_n_files = n;
        return 0;
}

static int parse_root(json_object *root, PistonRequest *r, const char **ret_error) {
        json_object *v;
        int k;

        k = get_string(root, "language", PISTON_NAME_MAX, true, &r->language, ret_error,
                       "\"language\" is required: a name from /api/v2/runtimes");
        if (k < 0)
                return k;
        k = get_string(root, "version", PISTON_NAME_MAX, false, &r->version, ret_error,
                       "\"version\" must be a short string such as \"*\" or \"3.11\"");
        if (k < 0)
                return k;
        if (!r->version && !(r->version = strdup("*")))
                return -ENOMEM;

        if (!json_object_object_get_ex(root, "files", &v) || !json_object_is_type(v, json_type_array) ||
            json_object_array_length(v) == 0) {
                *ret_error = "\"files\" is required: an array of {\"name\", \"content\"}, the entry point first";
                return -EINVAL;
        }
        k = piston_files_parse(v, true, &r->files, &r->n_files, ret_error);
        if (k < 0)
                return k;

        if (json_object_object_get_ex(root, "stdin", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_string)) {
                        *ret_error = "\"stdin\" must be a string";
                        return -EINVAL;
                }
                r->stdin_len = json_object_get_string_len(v);
                r->stdin_data = malloc(r->stdin_len + 1);
                if (!r->stdin_data)
                        return -ENOMEM;
                memcpy(r->stdin_data, json_object_get_string(v), r->stdin_len + 1);
        }

        if (json_object_object_get_ex(root, "args", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > PISTON_ARGS_MAX) {
                        *ret_error = "\"args\" must be an array of at most 64 strings";
                        return -EINVAL;
                }
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *a = json_object_array_get_idx(v, i);
                        /* Piston's own client sends numbers too: their text is the argument. */
                        if (!json_object_is_type(a, json_type_string) && !json_object_is_type(a, json_type_int)) {
                                *ret_error = "\"args\" must be an array of strings";
                                return -EINVAL;
                        }
                        const char *s = json_object_get_string(a);
                        size_t alen = json_object_is_type(a, json_type_string) ? (size_t) json_object_get_string_len(a) : strlen(s);
                        if (alen > PISTON_ARG_LENGTH_MAX || memchr(s, 0, alen)) {
                                *ret_error = "an argument is too long or contains a NUL byte";
                                return -EINVAL;
                        }
                        if (strv_extend(&r->args, s) < 0)
                                return -ENOMEM;
                }
        }

        if ((k = get_limit(root, "compile_timeout", USEC_PER_MSEC, &r->compile_timeout_usec, ret_error,
                           "\"compile_timeout\" must be a number of milliseconds")) < 0 ||
            (k = get_limit(root, "run_timeout", USEC_PER_MSEC, &r->run_timeout_usec, ret_error,
                           "\"run_timeout\" must be a number of milliseconds")) < 0 ||
            (k = get_limit(root, "compile_memory_limit", 1, &r->compile_memory_limit, ret_error,
                           "\"compile_memory_limit\" must be a number of bytes, or -1")) < 0 ||
            (k = get_limit(root, "run_memory_limit", 1, &r->run_memory_limit, ret_error,
                           "\"run_memory_limit\" must be a number of bytes, or -1")) < 0)
                return k;
        return 0;
}

int piston_request_parse(const char *body, size_t len, PistonRequest **ret, const char **ret_error) {
        _cleanup_(piston_request_freep) PistonRequest *r = NULL;
        json_tokener *tok;
        json_object *root;
        int k;

        r = calloc(1, sizeof(PistonRequest));
        if (!r)
                return -ENOMEM;
        r->args = strv_new(NULL, NULL);
        if (!r->args)
                return -ENOMEM;
        if (len == 0 || len > INT32_MAX) {
                *ret_error = "the body must be a JSON object";
                return -EINVAL;
        }
        tok = json_tokener_new_ex(JSON_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, body, (int) len);
        if (!root || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
            !json_object_is_type(root, json_type_object)) {
                *ret_error = "the body must be a JSON object";
                k = -EINVAL;
        } else
                k = parse_root(root, r, ret_error);
        json_object_put(root);
        json_tokener_free(tok);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}
