/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "glob-match.h"
#include "manifest.h"
#include "strv.h"
#include "upload-path.h"

static const char *const env_denied[] = {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TMPDIR", "HOSTNAME",
        "IFS", "ENV", "BASH_ENV", "CDPATH", "GLOBIGNORE", "PS4", "SHELLOPTS", "BASHOPTS",
        "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "NLSPATH",
        "RES_OPTIONS", "TZDIR", "GLIBC_TUNABLES", "NOTIFY_SOCKET", "INVOCATION_ID",
        "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY", "RUNTIME_DIRECTORY", "STATE_DIRECTORY",
};

static const char *const env_denied_prefixes[] = {
        "LD_", "MALLOC_", "SANDRUN_", "SYSTEMD_", "LISTEN_", "DBUS_", "XDG_",
};

bool manifest_env_name_is_allowed(const char *name) {
        size_t len = strnlen(name, MANIFEST_ENV_NAME_MAX + 1);

        if (len == 0 || len > MANIFEST_ENV_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = name[i];

                if (!((c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9')))
                        return false;
        }

        for (size_t i = 0; i < ELEMENTSOF(env_denied); i++)
                if (streq(name, env_denied[i]))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(env_denied_prefixes); i++)
                if (strneq(name, env_denied_prefixes[i], strlen(env_denied_prefixes[i])))
                        return false;
        return true;
}

static bool interpreter_is_valid(const char *s, size_t len) {
        if (len == 0 || len > MANIFEST_INTERPRETER_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                bool punctuation = i > 0 && c != 0 && strchr("._+-", c);

                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || punctuation))
                        return false;
        }
        return true;
}

Manifest *manifest_free(Manifest *m) {
        if (!m)
                return NULL;
        free(m->entrypoint);
        free(m->interpreter);
        strv_free(m->args);
        free(m->stdin_data);
        strv_free(m->outputs);
        strv_free(m->env);
        judge_spec_free(m->judge);
        seal_recipients_free(m->seal_to);
        free(m);
        return NULL;
}

/* Returns the string value of v with its length, or NULL if v is not a string. */
static const char *get_string(struct json_object *v, size_t *ret_len) {
        if (!json_object_is_type(v, json_type_string))
                return NULL;
        *ret_len = json_object_get_string_len(v);
        return json_object_get_string(v);
}

static int fail(const char *why, const char **ret_error) {
        *ret_error = why;
        return -EBADMSG;
}

static int parse_entrypoint(Manifest *m, struct json_object *v, const char **ret_error) {
        const char *s, *why;
        size_t len;
        int r;

        s = get_string(v, &len);
        if (!s)
                return fail("\"entrypoint\" must be a string", ret_error);
        r = upload_path_normalize(s, len, &m->entrypoint, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail("\"entrypoint\" is not a valid relative path", ret_error);
        return 0;
}

static int parse_interpreter(Manifest *m, struct json_object *v, const char **ret_error) {
        const char *s;
        size_t len;

        s = get_string(v, &len);
        if (!s || !interpreter_is_valid(s, len))
                return fail("\"interpreter\" must be a short lowercase name", ret_error);
        m->interpreter = strdup(s);
        return m->interpreter ? 0 : -ENOMEM;
}

static int parse_args(Manifest *m, struct json_object *v, const char **ret_error) {
        size_t n, total = 0;

        if (!json_object_is_type(v, json_type_array))
                return fail("\"args\" must be an array of strings", ret_error);
        n = json_object_array_length(v);
        if (n > MANIFEST_ARGS_MAX)
                return fail("too many \"args\"", ret_error);

        for (size_t i = 0; i < n; i++) {
                const char *s;
                size_t len;
                int r;

                s = get_string(json_object_array_get_idx(v, i), &len);
                if (!s)
                        return fail("\"args\" must be an array of strings", ret_error);
                if (memchr(s, 0, len))
                        return fail("an argument contains a NUL character", ret_error);
                if (len > MANIFEST_ARG_MAX)
                        return fail("an argument is too long", ret_error);
                total += len + 1;
                if (total > MANIFEST_ARGS_TOTAL_MAX)
                        return fail("\"args\" are too long in all", ret_error);
                r = strv_extend(&m->args, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_stdin(Manifest *m, struct json_object *v, const char **ret_error) {
        const char *s;
        size_t len;

        s = get_string(v, &len);
        if (!s)
                return fail("\"stdin\" must be a string", ret_error);
        if (len > MANIFEST_STDIN_MAX)
                return fail("\"stdin\" is too long", ret_error);
        m->stdin_data = malloc(len + 1);
        if (!m->stdin_data)
                return -ENOMEM;
        memcpy(m->stdin_data, s, len);
        m->stdin_data[len] = 0;
        m->stdin_size = len;
        return 0;
}

static int parse_outputs(Manifest *m, struct json_object *v, const char **ret_error) {
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return fail("\"outputs\" must be an array of strings", ret_error);
        n = json_object_array_length(v);
        if (n > MANIFEST_OUTPUTS_MAX)
                return fail("too many \"outputs\"", ret_error);

        for (size_t i = 0; i < n; i++) {
                const char *s, *why;
                size_t len;
                int r;

                s = get_string(json_object_array_get_idx(v, i), &len);
                if (!s)
                        return fail("\"outputs\" must be an array of strings", ret_error);
                if (memchr(s, 0, len) || glob_pattern_check(s, &why) < 0)
                        return fail("an \"outputs\" pattern is not valid", ret_error);
                r = strv_extend(&m->outputs, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_timeout(Manifest *m, struct json_object *v, const char **ret_error) {
        int64_t t;

        if (!json_object_is_type(v, json_type_int))
                return fail("\"timeout\" must be a whole number of seconds", ret_error);
        t = json_object_get_int64(v);
        if (t < 1 || t > MANIFEST_TIMEOUT_MAX)
                return fail("\"timeout\" is out of range", ret_error);
        m->timeout_sec = t;
        return 0;
}

static int parse_env(Manifest *m, struct json_object *v, const char **ret_error) {
        size_t total = 0;

        if (!json_object_is_type(v, json_type_object))
                return fail("\"env\" must be an object of strings", ret_error);
        if ((size_t) json_object_object_length(v) > MANIFEST_ENV_MAX)
                return fail("too many \"env\" variables", ret_error);

        json_object_object_foreach(v, name, value) {
                _cleanup_free_ char *assignment = NULL;
                const char *s;
                size_t len, name_len = strlen(name);

                if (!manifest_env_name_is_allowed(name))
                        return fail("an \"env\" variable name is not allowed", ret_error);
                s = get_string(value, &len);
                if (!s)
                        return fail("\"env\" must be an object of strings", ret_error);
                if (memchr(s, 0, len))
                        return fail("an \"env\" value contains a NUL character", ret_error);
                if (len > MANIFEST_ENV_VALUE_MAX)
                        return fail("an \"env\" value is too long", ret_error);
                total += name_len + 1 + len + 1;
                if (total > MANIFEST_ENV_TOTAL_MAX)
                        return fail("\"env\" is too large in all", ret_error);

                /* json-c keeps only the last of repeated keys, so names are unique already. */
                assignment = malloc(name_len + 1 + len + 1);
                if (!assignment)
                        return -ENOMEM;
                memcpy(assignment, name, name_len);
                assignment[name_len] = '=';
                memcpy(assignment + name_len + 1, s, len + 1);
                if (strv_consume(&m->env, TAKE_PTR(assignment)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_seal_to(Manifest *m, struct json_object *v, const char **ret_error) {
        int r = seal_to_from_json(v, &m->seal_to, ret_error);
        return r == -EINVAL ? -EBADMSG : r;
}

static const struct {
        const char *key;
        int (*parse)(Manifest *m, struct json_object *v, const char **ret_error);
} manifest_keys[] = {
        { "entrypoint", parse_entrypoint },
        { "interpreter", parse_interpreter },
        { "args", parse_args },
        { "stdin", parse_stdin },
        { "outputs", parse_outputs },
        { "timeout", parse_timeout },
        { "env", parse_env },
        { "seal_to", parse_seal_to },
};

/* JSON's whitespace, counted from the start of buf. */
static size_t count_blanks(const char *buf, size_t len) {
        size_t n = 0;

        while (n < len && strchr(" \t\r\n", buf[n]) && buf[n] != 0)
                n++;
        return n;
}

static void json_tokener_freep(struct json_tokener **t) {
        if (*t)
                json_tokener_free(*t);
}

static void json_object_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}

/* Parses buf, which must hold exactly one JSON object and nothing but blanks after it. */
static int parse_json(const char *buf, size_t len, struct json_object **ret, const char **ret_error) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_(json_object_putp) struct json_object *obj = NULL;
        enum json_tokener_error e;

        tok = json_tokener_new_ex(MANIFEST_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        obj = json_tokener_parse_ex(tok, buf, len);
        e = json_tokener_get_error(tok);
        if (e == json_tokener_success) {
                size_t end = json_tokener_get_parse_end(tok);

                if (count_blanks(buf + end, len - end) != len - end)
                        return fail("data after the manifest JSON", ret_error);
        } else if (e == json_tokener_continue) {
                /* A bare literal or number at the very end ("null") is only complete once the tokener
                 * is told that nothing follows, which a NUL does. */
                obj = json_tokener_parse_ex(tok, "", 1);
                if (json_tokener_get_error(tok) != json_tokener_success)
                        return fail("manifest JSON is truncated", ret_error);
                e = json_tokener_success;
        }
        if (e == json_tokener_error_depth)
                return fail("manifest JSON is nested too deeply", ret_error);
        if (e != json_tokener_success)
                return fail("manifest is not valid JSON", ret_error);
        if (!json_object_is_type(obj, json_type_object))
                return fail("manifest must be a JSON object", ret_error);

        *ret = TAKE_PTR(obj);
        return 0;
}

int manifest_parse(const char *buf, size_t len, Manifest **ret, const char **ret_error) {
        _cleanup_(json_object_putp) struct json_object *obj = NULL;
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why = NULL;
        int r;

        if (len > MANIFEST_SIZE_MAX) {
                *ret_error = "manifest too large";
                return -E2BIG;
        }
        /* json-c would stop at a NUL and take what came before it for the whole text. */
        if (memchr(buf, 0, len))
                return fail("manifest contains a NUL byte", ret_error);

        if (count_blanks(buf, len) == len)
                return fail("manifest is empty", ret_error);

        r = parse_json(buf, len, &obj, ret_error);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->args = strv_new(NULL);
        m->outputs = strv_new(NULL);
        m->env = strv_new(NULL);
        if (!m->args || !m->outputs || !m->env)
                return -ENOMEM;

        struct json_object *tests = NULL, *compare = NULL;
        json_object_object_foreach(obj, key, value) {
                size_t i;

                /* Test cases are judged the same way as /run's: judge.h parses them. */
                if (streq(key, "tests") || streq(key, "compare")) {
                        *(streq(key, "tests") ? &tests : &compare) = value;
                        continue;
                }
                for (i = 0; i < ELEMENTSOF(manifest_keys); i++)
                        if (streq(key, manifest_keys[i].key))
                                break;
                if (i >= ELEMENTSOF(manifest_keys))
                        return fail("unknown key in manifest", ret_error);

                r = manifest_keys[i].parse(m, value, &why);
                if (r < 0) {
                        *ret_error = why;
                        return r;
                }
        }

        if (!m->entrypoint && !m->interpreter)
                return fail("manifest needs an \"entrypoint\" or an \"interpreter\"", ret_error);
        r = judge_spec_from_json(tests, compare, &m->judge, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(why, ret_error);
        if (m->judge && (m->stdin_data || m->outputs[0]))
                return fail("\"tests\" cannot go with \"stdin\" (each test has its own) or \"outputs\"", ret_error);

        *ret = TAKE_PTR(m);
        return 0;
}
