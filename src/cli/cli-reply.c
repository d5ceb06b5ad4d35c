/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli-json.h"
#include "cli-printable.h"
#include "cli-reply.h"

#define JOB_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789+._-"

/* Parses a whole buffer as one JSON object; trailing garbage is as malformed as a syntax error. */
static int parse_object(const char *buf, size_t len, struct json_object **ret) {
        if (!buf || len > INT_MAX)
                return -EBADMSG;

        struct json_tokener *tok = json_tokener_new_ex(REPLY_JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        struct json_object *o = json_tokener_parse_ex(tok, buf, (int) len);
        bool ok = o && json_tokener_get_error(tok) == json_tokener_success;
        size_t end = ok ? json_tokener_get_parse_end(tok) : 0;
        json_tokener_free(tok);

        for (; ok && end < len; end++)
                if (!strchr(" \t\r\n", buf[end]))
                        ok = false;
        if (!ok || !json_object_is_type(o, json_type_object)) {
                if (o)
                        json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

/* A field that is missing or null: callers leave their default in place. */
static struct json_object *get_field(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return NULL;
        return v;
}

/* Parses buf as an object whose `key` is an array of at most max elements. */
static int parse_array_answer(const char *buf, size_t len, const char *key, size_t max,
                              struct json_object **ret_root, struct json_object **ret_array, size_t *ret_n) {
        struct json_object *o = NULL;
        int r = parse_object(buf, len, &o);
        if (r < 0)
                return r;

        struct json_object *a = get_field(o, key);
        if (!a || !json_object_is_type(a, json_type_array) || json_object_array_length(a) > max) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret_root = o;
        *ret_array = a;
        *ret_n = json_object_array_length(a);
        return 0;
}

static int get_word(struct json_object *o, const char *key, const char *charset, size_t max, char **ret) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;

        const char *s = json_object_get_string(v);
        size_t n = (size_t) json_object_get_string_len(v);
        if (n == 0 || n > max || strspn(s, charset) != n)
                return -EBADMSG;
        char *copy = strndup(s, n);
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return 0;
}

/* Program output: any bytes, NULs included, up to max. */
static int get_blob(struct json_object *o, const char *key, size_t max, char **ret, size_t *ret_size) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;

        size_t n = (size_t) json_object_get_string_len(v);
        if (n > max)
                return -EBADMSG;
        char *copy = malloc(n + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, json_object_get_string(v), n);
        copy[n] = 0;
        free(*ret);
        *ret = copy;
        *ret_size = n;
        return 0;
}

/* Text for messages: made printable and cut to max bytes. */
static int get_text(struct json_object *o, const char *key, size_t max, char **ret) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        free(*ret);
        *ret = NULL;
        return printable_dup(json_object_get_string(v), (size_t) json_object_get_string_len(v), max, ret);
}

static int get_int(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        /* json-c saturates out-of-range numbers at INT64_MIN/MAX, which the range check refuses. */
        int64_t i = json_object_get_int64(v);
        if (i < min || i > max)
                return -EBADMSG;
        *ret = i;
        return 0;
}

static int get_metric(struct json_object *o, const char *key, double *ret) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < 0 || d > REPLY_METRIC_MAX)
                return -EBADMSG;
        *ret = d;
        return 0;
}

static int get_bool(struct json_object *o, const char *key, bool *ret) {
        struct json_object *v = get_field(o, key);
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

/* "signal" may be a number or a name, depending on how the server reports it. */
static int get_signal(struct json_object *o, char **ret) {
        struct json_object *v = get_field(o, "signal");
        if (!v)
                return 0;
        if (json_object_is_type(v, json_type_string))
                return get_word(o, "signal", WORD_CHARS, REPLY_WORD_MAX, ret);

        int64_t n = 0;
        int r = get_int(o, "signal", 0, 128, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        char buf[8];
        snprintf(buf, sizeof buf, "%d", (int) n);
        char *copy = strdup(buf);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

JobReply *job_reply_free(JobReply *r) {
        if (!r)
                return NULL;
        free(r->job_id);
        free(r->status);
        free(r->reason);
        free(r->signal);
        free(r->error);
        free(r->stdout_data);
        free(r->stderr_data);
        free(r->receipt);
        free(r);
        return NULL;
}

int job_reply_parse(const char *buf, size_t len, JobReply **ret) {
        _cleanup_(json_putp) struct json_object *o = NULL;
        int r = parse_object(buf, len, &o);
        if (r < 0)
                return r;

        _cleanup_(job_reply_freep) JobReply *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->exit_code = -1;
        j->queue_position = -1;

        int64_t exit_code = -1;
        if ((r = get_word(o, "job_id", JOB_ID_CHARS, REPLY_JOB_ID_MAX, &j->job_id)) < 0 ||
            (r = get_word(o, "status", WORD_CHARS, REPLY_WORD_MAX, &j->status)) < 0 ||
            (r = get_word(o, "reason", WORD_CHARS, REPLY_WORD_MAX, &j->reason)) < 0 ||
            (r = get_signal(o, &j->signal)) < 0 ||
            (r = get_text(o, "error", REPLY_ERROR_MAX, &j->error)) < 0 ||
            (r = get_int(o, "exit_code", 0, 255, &exit_code)) < 0 ||
            (r = get_int(o, "queue_position", 0, REPLY_QUEUE_POSITION_MAX, &j->queue_position)) < 0 ||
            (r = get_blob(o, "stdout", REPLY_OUTPUT_MAX, &j->stdout_data, &j->stdout_size)) < 0 ||
            (r = get_blob(o, "stderr", REPLY_OUTPUT_MAX, &j->stderr_data, &j->stderr_size)) < 0 ||
            (r = get_bool(o, "truncated", &j->truncated)) < 0)
                return r;
        j->exit_code = (int) exit_code;

        /* A program that did not compile has no output of its own: the compiler's is what to show. */
        struct json_object *c = get_field(o, "compile");
        if (c && j->reason && streq(j->reason, "compile")) {
                if (!json_object_is_type(c, json_type_object))
                        return -EBADMSG;
                free(j->stdout_data);
                free(j->stderr_data);
                j->stdout_data = j->stderr_data = NULL;
                j->stdout_size = j->stderr_size = 0;
                if ((r = get_blob(c, "stdout", REPLY_OUTPUT_MAX, &j->stdout_data, &j->stdout_size)) < 0 ||
                    (r = get_blob(c, "stderr", REPLY_OUTPUT_MAX, &j->stderr_data, &j->stderr_size)) < 0)
                        return r;
        }

        struct json_object *m = get_field(o, "metrics");
        if (m) {
                if (!json_object_is_type(m, json_type_object))
                        return -EBADMSG;
                if ((r = get_metric(m, "cpu_seconds", &j->cpu_seconds)) < 0 ||
                    (r = get_metric(m, "memory_mb", &j->memory_mb)) < 0 ||
                    (r = get_metric(m, "wall_seconds", &j->wall_seconds)) < 0)
                        return r;
                j->has_metrics = true;
        }

        /* Kept as the server wrote it, for `sandrun verify`; only its shape is checked here. */
        struct json_object *receipt = get_field(o, "receipt");
        if (receipt) {
                size_t n;
                const char *s = json_object_is_type(receipt, json_type_object)
                                        ? json_object_to_json_string_length(receipt,
                                                                            JSON_C_TO_STRING_PLAIN |
                                                                                    JSON_C_TO_STRING_NOSLASHESCAPE,
                                                                            &n)
                                        : NULL;
                if (!s || n > REPLY_RECEIPT_MAX)
                        return -EBADMSG;
                j->receipt = strndup(s, n);
                if (!j->receipt)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(j);
        return 0;
}

int error_reply_parse(const char *buf, size_t len, char **ret) {
        _cleanup_(json_putp) struct json_object *o = NULL;
        int r = parse_object(buf, len, &o);
        if (r < 0)
                return r;

        char *text = NULL;
        r = get_text(o, "error", REPLY_ERROR_MAX, &text);
        if (r < 0)
                return r;
        if (!text)
                return -EBADMSG;
        *ret = text;
        return 0;
}

OutputList *output_list_free(OutputList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_files; i++)
                free(l->files[i].path);
        free(l->files);
        free(l);
        return NULL;
}

int output_list_parse(const char *buf, size_t len, OutputList **ret) {
        _cleanup_(json_putp) struct json_object *o = NULL;
        struct json_object *files;
        size_t n;
        int r = parse_array_answer(buf, len, "files", REPLY_FILES_MAX, &o, &files, &n);
        if (r < 0)
                return r;

        _cleanup_(output_list_freep) OutputList *l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->files = calloc(n ?: 1, sizeof *l->files);
        if (!l->files)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                struct json_object *f = json_object_array_get_idx(files, i);
                if (!json_object_is_type(f, json_type_object))
                        return -EBADMSG;
                struct json_object *p = get_field(f, "path");
                if (!p || !json_object_is_type(p, json_type_string))
                        return -EBADMSG;
                size_t plen = (size_t) json_object_get_string_len(p);
                if (plen == 0 || plen > REPLY_PATH_MAX)
                        return -EBADMSG;

                int64_t size = 0;
                r = get_int(f, "size", 0, INT64_MAX - 1, &size);
                if (r < 0)
                        return r;
                r = printable_dup(json_object_get_string(p), plen, REPLY_PATH_MAX, &l->files[i].path);
                if (r < 0)
                        return r;
                l->files[i].size = (uint64_t) size;
                l->n_files++;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

LanguageList *language_list_free(LanguageList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_languages; i++) {
                free(l->languages[i].name);
                strv_free_n(l->languages[i].aliases, l->languages[i].n_aliases);
                strv_free_n(l->languages[i].extensions, l->languages[i].n_extensions);
        }
        free(l->languages);
        free(l);
        return NULL;
}

/* An optional array of short names ("py", ".py"), each checked like a language name. */
static int get_names(struct json_object *o, const char *key, char ***ret, size_t *ret_n) {
        struct json_object *a = get_field(o, key);
        if (!a)
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(a);
        if (n > REPLY_NAMES_MAX)
                return -EBADMSG;

        char **v = calloc(n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        *ret = v;
        for (size_t i = 0; i < n; i++) {
                struct json_object *s = json_object_array_get_idx(a, i);
                size_t slen = json_object_is_type(s, json_type_string) ?
                        (size_t) json_object_get_string_len(s) : 0;
                if (slen == 0 || slen > REPLY_WORD_MAX || strspn(json_object_get_string(s), NAME_CHARS) != slen)
                        return -EBADMSG;
                v[i] = strndup(json_object_get_string(s), slen);
                if (!v[i])
                        return -ENOMEM;
                (*ret_n)++;
        }
        return 0;
}

int language_list_parse(const char *buf, size_t len, LanguageList **ret) {
        _cleanup_(json_putp) struct json_object *o = NULL;
        struct json_object *langs;
        size_t n;
        int r = parse_array_answer(buf, len, "languages", REPLY_LANGUAGES_MAX, &o, &langs, &n);
        if (r < 0)
                return r;

        _cleanup_(language_list_freep) LanguageList *l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->languages = calloc(n ?: 1, sizeof *l->languages);
        if (!l->languages)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(langs, i);
                if (!json_object_is_type(e, json_type_object))
                        return -EBADMSG;
                Language *lang = &l->languages[l->n_languages++];
                if ((r = get_word(e, "name", NAME_CHARS, REPLY_WORD_MAX, &lang->name)) < 0 ||
                    (r = get_names(e, "aliases", &lang->aliases, &lang->n_aliases)) < 0 ||
                    (r = get_names(e, "extensions", &lang->extensions, &lang->n_extensions)) < 0)
                        return r;
                if (!lang->name)
                        return -EBADMSG;
        }

        *ret = TAKE_PTR(l);
        return 0;
}
