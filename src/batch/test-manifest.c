/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "strv.h"
#include "tests.h"

static Manifest *parse_ok(const char *json) {
        Manifest *m = NULL;
        const char *why = NULL;
        int r = manifest_parse(json, strlen(json), &m, &why);

        if (r < 0) {
                fprintf(stderr, "manifest refused: %s: %s\n", why, json);
                abort();
        }
        ASSERT_TRUE(m && m->args && m->outputs && m->env);
        return m;
}

static void assert_refused_len(const char *json, size_t len, int err, const char *expected_why) {
        Manifest *m = (Manifest *) 0x1;
        const char *why = NULL;

        ASSERT_ERROR(manifest_parse(json, len, &m, &why), err);
        ASSERT_TRUE(m == (Manifest *) 0x1);
        ASSERT_TRUE(why && *why);
        if (expected_why && !streq(why, expected_why)) {
                fprintf(stderr, "expected \"%s\", got \"%s\" for %.200s\n", expected_why, why, json);
                abort();
        }
}

static void assert_refused(const char *json, const char *expected_why) {
        assert_refused_len(json, strlen(json), EBADMSG, expected_why);
}

TEST(full) {
        _cleanup_(manifest_freep) Manifest *m = parse_ok(
                "{\"entrypoint\": \"./src/main.py\", \"interpreter\": \"python3.11\", "
                "\"args\": [\"-v\", \"two words\", \"\", \"$(rm -rf /)\"], "
                "\"stdin\": \"line\\n\\u0000end\", "
                "\"outputs\": [\"results/*.csv\", \"plot.png\", \"**/*.log\"], \"timeout\": 60, "
                "\"env\": {\"FOO\": \"bar\", \"_X1\": \"\", \"EMPTY_OK\": \"a=b=c\"}}\n");

        ASSERT_STREQ(m->entrypoint, "src/main.py");
        ASSERT_STREQ(m->interpreter, "python3.11");
        ASSERT_EQ(strv_length(m->args), 4);
        ASSERT_STREQ(m->args[1], "two words");
        ASSERT_STREQ(m->args[2], "");
        ASSERT_STREQ(m->args[3], "$(rm -rf /)");
        ASSERT_EQ(m->stdin_size, 9);
        ASSERT_TRUE(memcmp(m->stdin_data, "line\n\0end", 9) == 0);
        ASSERT_EQ(strv_length(m->outputs), 3);
        ASSERT_STREQ(m->outputs[2], "**/*.log");
        ASSERT_EQ(m->timeout_sec, 60);
        ASSERT_EQ(strv_length(m->env), 3);
        ASSERT_STREQ(m->env[0], "FOO=bar");
        ASSERT_STREQ(m->env[1], "_X1=");
        ASSERT_STREQ(m->env[2], "EMPTY_OK=a=b=c");
}

TEST(minimal) {
        _cleanup_(manifest_freep) Manifest *a = parse_ok("{\"entrypoint\":\"main.py\"}");
        _cleanup_(manifest_freep) Manifest *b = parse_ok(" {\"interpreter\":\"python\"} \r\n");

        ASSERT_STREQ(a->entrypoint, "main.py");
        ASSERT_TRUE(!a->interpreter && !a->stdin_data && a->timeout_sec == 0);
        ASSERT_EQ(strv_length(a->args) + strv_length(a->outputs) + strv_length(a->env), 0);
        ASSERT_TRUE(!b->entrypoint);
        ASSERT_STREQ(b->interpreter, "python");
        ASSERT_TRUE(!manifest_free(NULL));
}

TEST(not_json) {
        assert_refused("", "manifest is empty");
        assert_refused(" \r\n\t", "manifest is empty");
        assert_refused("{", "manifest JSON is truncated");
        assert_refused("{\"entrypoint\":\"main.py\"", "manifest JSON is truncated");
        assert_refused("{\"entrypoint\":\"main.py\"} x", NULL);
        assert_refused("{\"entrypoint\":\"main.py\"}{}", NULL);
        assert_refused("{'entrypoint':'main.py'}", NULL);
        assert_refused("{\"entrypoint\":\"main.py\",}", NULL);
        assert_refused("/* hi */ {\"entrypoint\":\"main.py\"}", NULL);
        assert_refused("{\"entrypoint\":\"m\xff.py\"}", NULL);
        assert_refused("[\"main.py\"]", "manifest must be a JSON object");
        assert_refused("\"main.py\"", "manifest must be a JSON object");
        assert_refused("null", "manifest must be a JSON object");
        assert_refused_len("{\"entrypoint\":\"main.py\"}\0garbage", 32, EBADMSG,
                           "manifest contains a NUL byte");
        assert_refused_len("{\"entrypoint\":\"a\0\"}", 19, EBADMSG, "manifest contains a NUL byte");
}

TEST(depth_bomb) {
        size_t n = 100000;
        _cleanup_free_ char *bomb = malloc(2 * n + 1);

        ASSERT_TRUE(bomb);
        memset(bomb, '[', n);
        memset(bomb + n, ']', n);
        bomb[2 * n] = 0;
        assert_refused(bomb, "manifest JSON is nested too deeply");

        assert_refused("{\"args\": [[\"x\"]]}", NULL);
        assert_refused("{\"env\": {\"A\": {\"B\": \"c\"}}}", NULL);
}

TEST(size) {
        size_t n = MANIFEST_SIZE_MAX + 1;
        _cleanup_free_ char *big = malloc(n);

        ASSERT_TRUE(big);
        memset(big, ' ', n);
        memcpy(big, "{\"entrypoint\":\"main.py\"}", 24);
        assert_refused_len(big, n, E2BIG, "manifest too large");

        /* Trailing blanks within the limit are fine. */
        {
                Manifest *m = NULL;
                const char *why;

                ASSERT_OK(manifest_parse(big, n - 1, &m, &why));
                manifest_free(m);
        }
}

TEST(keys) {
        assert_refused("{}", "manifest needs an \"entrypoint\" or an \"interpreter\"");
        assert_refused("{\"args\": []}", "manifest needs an \"entrypoint\" or an \"interpreter\"");
        assert_refused("{\"entrypoint\":\"a\", \"Entrypoint\": \"b\"}", "unknown key in manifest");
        assert_refused("{\"entrypoint\":\"a\", \"shell\": true}", "unknown key in manifest");
}

TEST(entrypoint) {
        static const char *const bad[] = {
                "\"../main.py\"", "\"/bin/sh\"", "\"\"", "\".\"", "\"a//b\"", "\"a/../../b\"", "123", "null",
                "[\"main.py\"]", "\"a\\nb\"", "\"a\\u0000b\"", "\"\\u001b[0m\"",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char json[256];

                snprintf(json, sizeof(json), "{\"entrypoint\": %s}", bad[i]);
                assert_refused(json, NULL);
        }
}

TEST(interpreter) {
        static const char *const bad[] = {
                "\"Python\"", "\"py thon\"", "\"\"", "\"../bin/sh\"", "\"/usr/bin/python\"", "\"-c\"",
                "\"abcdefghijabcdefghijabcdefghijabc\"", "1", "\"py\\u0000\"",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char json[256];

                snprintf(json, sizeof(json), "{\"interpreter\": %s}", bad[i]);
                assert_refused(json, "\"interpreter\" must be a short lowercase name");
        }
        manifest_free(parse_ok("{\"interpreter\": \"abcdefghijabcdefghijabcdefghij.+\"}"));
}

static char *repeat_json_array(const char *element, size_t n) {
        size_t len = strlen(element);
        char *s = malloc(2 + n * (len + 1) + 1), *p = s;

        ASSERT_TRUE(s);
        *p++ = '[';
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        *p++ = ',';
                memcpy(p, element, len);
                p += len;
        }
        *p++ = ']';
        *p = 0;
        return s;
}

static void assert_with(const char *key, const char *value, bool ok, const char *expected_why) {
        size_t len = strlen(key) + strlen(value) + 64;
        _cleanup_free_ char *json = malloc(len);

        ASSERT_TRUE(json);
        snprintf(json, len, "{\"entrypoint\": \"x\", \"%s\": %s}", key, value);
        if (ok)
                manifest_free(parse_ok(json));
        else
                assert_refused(json, expected_why);
}

TEST(args) {
        _cleanup_free_ char *max = repeat_json_array("\"a\"", MANIFEST_ARGS_MAX);
        _cleanup_free_ char *over = repeat_json_array("\"a\"", MANIFEST_ARGS_MAX + 1);
        char long_arg[MANIFEST_ARG_MAX + 8];
        _cleanup_free_ char *total = NULL;

        assert_with("args", max, true, NULL);
        assert_with("args", over, false, "too many \"args\"");
        assert_with("args", "\"-v\"", false, "\"args\" must be an array of strings");
        assert_with("args", "[1]", false, "\"args\" must be an array of strings");
        assert_with("args", "[null]", false, "\"args\" must be an array of strings");
        assert_with("args", "[\"a\\u0000b\"]", false, "an argument contains a NUL character");

        long_arg[0] = '[';
        long_arg[1] = '"';
        memset(long_arg + 2, 'x', MANIFEST_ARG_MAX);
        strcpy(long_arg + 2 + MANIFEST_ARG_MAX, "\"]");
        assert_with("args", long_arg, true, NULL);
        strcpy(long_arg + 2 + MANIFEST_ARG_MAX, "x\"]");
        assert_with("args", long_arg, false, "an argument is too long");

        /* Each argument within its limit, all of them over theirs. */
        long_arg[2 + MANIFEST_ARG_MAX] = 0;
        memmove(long_arg, long_arg + 1, strlen(long_arg + 1) + 1);
        strcat(long_arg, "\"");
        total = repeat_json_array(long_arg, MANIFEST_ARGS_TOTAL_MAX / MANIFEST_ARG_MAX);
        assert_with("args", total, false, "\"args\" are too long in all");
}

TEST(stdin) {
        size_t n = MANIFEST_STDIN_MAX + 1;
        _cleanup_free_ char *big = malloc(n + 3);

        assert_with("stdin", "42", false, "\"stdin\" must be a string");
        assert_with("stdin", "\"\"", true, NULL);

        ASSERT_TRUE(big);
        big[0] = '"';
        memset(big + 1, 'x', n);
        strcpy(big + 1 + n, "\"");
        assert_with("stdin", big, false, "\"stdin\" is too long");
        strcpy(big + n, "\"");
        assert_with("stdin", big, true, NULL);
}

TEST(outputs) {
        _cleanup_free_ char *max = repeat_json_array("\"*.csv\"", MANIFEST_OUTPUTS_MAX);
        _cleanup_free_ char *over = repeat_json_array("\"*.csv\"", MANIFEST_OUTPUTS_MAX + 1);

        assert_with("outputs", max, true, NULL);
        assert_with("outputs", over, false, "too many \"outputs\"");
        assert_with("outputs", "\"*.csv\"", false, "\"outputs\" must be an array of strings");
        assert_with("outputs", "[{}]", false, "\"outputs\" must be an array of strings");
        assert_with("outputs", "[\"/etc/*\"]", false, "an \"outputs\" pattern is not valid");
        assert_with("outputs", "[\"../*\"]", false, "an \"outputs\" pattern is not valid");
        assert_with("outputs", "[\"[abc\"]", false, "an \"outputs\" pattern is not valid");
        assert_with("outputs", "[\"\"]", false, "an \"outputs\" pattern is not valid");
        assert_with("outputs", "[\"a\\u0000b\"]", false, "an \"outputs\" pattern is not valid");
}

TEST(timeout) {
        assert_with("timeout", "1", true, NULL);
        assert_with("timeout", "86400", true, NULL);
        assert_with("timeout", "0", false, "\"timeout\" is out of range");
        assert_with("timeout", "-5", false, "\"timeout\" is out of range");
        assert_with("timeout", "86401", false, "\"timeout\" is out of range");
        assert_with("timeout", "99999999999999999999999", false, "\"timeout\" is out of range");
        assert_with("timeout", "-99999999999999999999999", false, "\"timeout\" is out of range");
        assert_with("timeout", "60.5", false, "\"timeout\" must be a whole number of seconds");
        assert_with("timeout", "1e3", false, "\"timeout\" must be a whole number of seconds");
        assert_with("timeout", "\"60\"", false, "\"timeout\" must be a whole number of seconds");
        assert_with("timeout", "true", false, "\"timeout\" must be a whole number of seconds");
}

TEST(env_names) {
        static const char *const allowed[] = { "A", "FOO_BAR", "_", "X9", "PYTHONPATH", "LANG", "LD" };
        static const char *const denied[] = {
                "", "a", "Foo", "9X", "A-B", "A B", "A=B", "PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH",
                "SANDRUN_TOKEN", "SYSTEMD_LOG_LEVEL", "NOTIFY_SOCKET", "GLIBC_TUNABLES", "MALLOC_CHECK_",
                "IFS", "BASH_ENV", "XDG_RUNTIME_DIR", "\xc3\x84",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",      /* 65 */
        };

        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                ASSERT_TRUE(manifest_env_name_is_allowed(allowed[i]));
        for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
                char json[256];

                ASSERT_TRUE(!manifest_env_name_is_allowed(denied[i]));
                snprintf(json, sizeof(json), "{\"%s\": \"x\"}", denied[i]);
                assert_with("env", json, false, "an \"env\" variable name is not allowed");
        }
}

TEST(env_values) {
        char json[MANIFEST_ENV_VALUE_MAX + 64];
        _cleanup_free_ char *many = malloc(MANIFEST_ENV_MAX * 16 + 64);
        char *p;

        assert_with("env", "[]", false, "\"env\" must be an object of strings");
        assert_with("env", "{\"A\": 1}", false, "\"env\" must be an object of strings");
        assert_with("env", "{\"A\": \"x\\u0000y\"}", false, "an \"env\" value contains a NUL character");

        strcpy(json, "{\"A\": \"");
        memset(json + 7, 'v', MANIFEST_ENV_VALUE_MAX);
        strcpy(json + 7 + MANIFEST_ENV_VALUE_MAX, "\"}");
        assert_with("env", json, true, NULL);
        strcpy(json + 7 + MANIFEST_ENV_VALUE_MAX, "v\"}");
        assert_with("env", json, false, "an \"env\" value is too long");

        /* Too many variables, and too large in all. */
        ASSERT_TRUE(many);
        p = stpcpy(many, "{");
        for (unsigned i = 0; i <= MANIFEST_ENV_MAX; i++)
                p += sprintf(p, "%s\"V%u\": \"x\"", i > 0 ? "," : "", i);
        strcpy(p, "}");
        assert_with("env", many, false, "too many \"env\" variables");

        {
                size_t n = MANIFEST_ENV_TOTAL_MAX / MANIFEST_ENV_VALUE_MAX + 1;
                _cleanup_free_ char *big = malloc(n * (MANIFEST_ENV_VALUE_MAX + 16) + 8);

                ASSERT_TRUE(big);
                p = stpcpy(big, "{");
                for (size_t i = 0; i < n; i++) {
                        p += sprintf(p, "%s\"V%zu\": \"", i > 0 ? "," : "", i);
                        memset(p, 'v', MANIFEST_ENV_VALUE_MAX);
                        p = stpcpy(p + MANIFEST_ENV_VALUE_MAX, "\"");
                }
                strcpy(p, "}");
                assert_with("env", big, false, "\"env\" is too large in all");
        }
}

TEST(tests) {
        _cleanup_(manifest_freep) Manifest *m = parse_ok(
                "{\"entrypoint\": \"main.c\", \"tests\": [{\"stdin\": \"1\", \"expected_output\": \"2\"}, {}],"
                " \"compare\": \"exact\"}");

        ASSERT_TRUE(m->judge != NULL);
        ASSERT_EQ(m->judge->n_cases, 2);
        ASSERT_EQ(m->judge->compare, JUDGE_COMPARE_EXACT);
        ASSERT_STREQ(m->judge->cases[0].expected, "2");
        assert_refused("{\"entrypoint\": \"a\", \"tests\": []}", NULL);
        assert_refused("{\"entrypoint\": \"a\", \"tests\": [{\"input\": \"x\"}]}", NULL);
        assert_refused("{\"entrypoint\": \"a\", \"tests\": [{}], \"compare\": \"loose\"}", NULL);
        assert_refused("{\"entrypoint\": \"a\", \"tests\": [{}], \"stdin\": \"x\"}", NULL);
        assert_refused("{\"entrypoint\": \"a\", \"tests\": [{}], \"outputs\": [\"*\"]}", NULL);
        /* "compare" alone changes nothing. */
        _cleanup_(manifest_freep) Manifest *c = parse_ok("{\"entrypoint\": \"a\", \"compare\": \"trim\"}");
        ASSERT_TRUE(c->judge == NULL);
}

TEST(seal_to) {
#define R1 "\"age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\""
        _cleanup_(manifest_freep) Manifest *m = parse_ok("{\"entrypoint\": \"a\", \"seal_to\": " R1 "}");
        ASSERT_TRUE(m->seal_to && m->seal_to->n == 1);
        _cleanup_(manifest_freep) Manifest *none = parse_ok("{\"entrypoint\": \"a\", \"seal_to\": null}");
        ASSERT_TRUE(!none->seal_to);
        assert_with("seal_to", "[" R1 ", " R1 "]", true, NULL);
        assert_with("seal_to", "\"age1\"", false, NULL);
        assert_with("seal_to", "[]", false, NULL);
        assert_with("seal_to", "7", false, NULL);
        assert_with("seal_to", "[" R1 ", {}]", false, NULL);
#undef R1
}

int main(void) {
        RUN(full);
        RUN(tests);
        RUN(minimal);
        RUN(not_json);
        RUN(depth_bomb);
        RUN(size);
        RUN(keys);
        RUN(entrypoint);
        RUN(interpreter);
        RUN(args);
        RUN(stdin);
        RUN(outputs);
        RUN(timeout);
        RUN(env_names);
        RUN(env_values);
        RUN(seal_to);
        return 0;
}
