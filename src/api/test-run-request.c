/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "interpreters.h"
#include "run-request.h"
#include "tests.h"

static const RunLimits limits = { .max_args = 4, .max_arg_len = 16, .max_name_len = 32 };

static int parse(const char *ct, const char *lang, const char *body, RunRequest **ret, const char **err) {
        return run_request_parse(ct, lang, body, strlen(body), &limits, ret, err);
}

TEST(raw_body) {
        _cleanup_(run_request_freep) RunRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("application/x-www-form-urlencoded", NULL, "print(\"hello\")", &r, &err));
        ASSERT_TRUE(!r->json);
        ASSERT_STREQ(r->code, "print(\"hello\")");
        ASSERT_TRUE(r->interpreter == NULL);
        ASSERT_TRUE(r->args && !r->args[0]);
}

TEST(raw_body_with_lang_and_json_lookalike) {
        _cleanup_(run_request_freep) RunRequest *r = NULL;
        const char *err = NULL;
        /* Not declared as JSON, so it is a program, even if it looks like JSON. */
        ASSERT_OK(parse(NULL, "node", "{\"code\": 1}", &r, &err));
        ASSERT_STREQ(r->interpreter, "node");
        ASSERT_STREQ(r->code, "{\"code\": 1}");
}

TEST(json_full) {
        _cleanup_(run_request_freep) RunRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("application/json; charset=utf-8", "perl",
                        "{\"code\":\"a\\u0000b\",\"lang\":\"bash\",\"stdin\":\"in\",\"args\":[\"x\",\"y\"],"
                        "\"timeout\":2.5,\"extra\":true}", &r, &err));
        ASSERT_TRUE(r->json);
        ASSERT_EQ(r->code_len, 3);
        ASSERT_TRUE(memcmp(r->code, "a\0b", 3) == 0);
        ASSERT_STREQ(r->interpreter, "bash"); /* the body wins over ?lang= */
        ASSERT_STREQ(r->stdin_data, "in");
        ASSERT_STREQ(r->args[0], "x");
        ASSERT_STREQ(r->args[1], "y");
        ASSERT_TRUE(r->args[2] == NULL);
        ASSERT_EQ(r->timeout_usec, 2500000);
}

TEST(hostile) {
        static const struct {
                const char *ct, *body, *error_part;
        } cases[] = {
                { "application/json", "", "empty request body" },
                { NULL, "", "empty request body" },
                { "application/json", "{", "malformed" },
                { "application/json", "{} trailing", "malformed" },
                { "application/json", "[1]", "must be an object" },
                { "application/json", "{\"code\": 5}", "\"code\" is required" },
                { "application/json", "{}", "\"code\" is required" },
                { "application/json", "{\"code\": \"\"}", "empty program" },
                { "application/json", "{\"code\": \"x\", \"interpreter\": \"../../bin/sh\"}", "short name" },
                { "application/json", "{\"code\": \"x\", \"interpreter\": 1}", "short name" },
                { "application/json", "{\"code\": \"x\", \"args\": \"a\"}", "array of strings" },
                { "application/json", "{\"code\": \"x\", \"args\": [1]}", "array of strings" },
                { "application/json", "{\"code\": \"x\", \"args\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}", "too many" },
                { "application/json", "{\"code\": \"x\", \"args\": [\"aaaaaaaaaaaaaaaaaaaaa\"]}", "too long" },
                { "application/json", "{\"code\": \"x\", \"args\": [\"a\\u0000b\"]}", "NUL" },
                { "application/json", "{\"code\": \"x\", \"stdin\": []}", "\"stdin\" must be" },
                { "application/json", "{\"code\": \"x\", \"timeout\": -1}", "positive" },
                { "application/json", "{\"code\": \"x\", \"timeout\": \"5\"}", "number of seconds" },
                { "application/json", "{\"code\": \"x\", \"name\": \"lib/a.py\"}", "not in a directory" },
                { "application/json", "{\"code\": \"x\", \"name\": \"../a.py\"}", "short file name" },
                { "application/json", "{\"code\": \"x\", \"name\": \"\"}", "short file name" },
                { "application/json", "{\"code\": \"x\", \"name\": 7}", "short file name" },
                { "application/json", "{\"code\": \"x\", \"name\": \"a\\u0001\"}", "short file name" },
                { "application/json", "{\"code\": \"x\", \"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.py\"}", "short file name" },
                { "application/json", "{\"code\": \"x\", \"files\": {}}", "must be an array" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"content\": \"y\"}]}", "needs a \"name\"" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"name\": \"/etc/passwd\", \"content\": \"\"}]}",
                  "relative path" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"name\": \"a/../../b\", \"content\": \"\"}]}",
                  "relative path" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"name\": \"a\"}]}", "\"content\" string" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"name\": \"a\", \"content\": \"@\", "
                  "\"encoding\": \"base64\"}]}", "does not decode" },
                { "application/json", "{\"code\": \"x\", \"files\": [{\"name\": \"a\", \"content\": \"\"}, "
                  "{\"name\": \"./a\", \"content\": \"\"}]}", "same \"name\"" },
                { "application/json", "{\"code\": \"x\", \"name\": \"a\", \"files\": [{\"name\": \"a\", "
                  "\"content\": \"\"}]}", "program's own" },
                { "application/json", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                  "nested too deeply" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RunRequest *r = NULL;
                const char *err = NULL;
                ASSERT_TRUE(parse(cases[i].ct, NULL, cases[i].body, &r, &err) < 0);
                ASSERT_TRUE(r == NULL);
                if (!err || !strstr(err, cases[i].error_part)) {
                        fprintf(stderr, "case %zu: got \"%s\"\n", i, err ?: "(null)");
                        abort();
                }
        }

        RunRequest *r = NULL;
        const char *err = NULL;
        ASSERT_TRUE(parse(NULL, "py thon", "x", &r, &err) < 0);
        ASSERT_TRUE(parse(NULL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x", &r, &err) < 0);
}

TEST(json_files) {
        _cleanup_(run_request_freep) RunRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("application/json", NULL,
                        "{\"code\": \"import util\", \"name\": \"./prog.py\", \"files\": ["
                        "{\"name\": \"util.py\", \"content\": \"x = 1\"},"
                        "{\"name\": \"data/in.bin\", \"content\": \"AP8=\", \"encoding\": \"base64\"}]}",
                        &r, &err));
        ASSERT_STREQ(r->source_name, "prog.py");
        ASSERT_EQ(r->n_files, 2);
        ASSERT_STREQ(r->files[0].name, "util.py");
        ASSERT_STREQ(r->files[0].content, "x = 1");
        ASSERT_STREQ(r->files[1].name, "data/in.bin");
        ASSERT_EQ(r->files[1].size, 2);
        ASSERT_TRUE(memcmp(r->files[1].content, "\0\xff", 2) == 0);

        /* Too many files: the same cap as Piston's. */
        _cleanup_free_ char *body = strdup("{\"code\": \"x\", \"files\": [");
        ASSERT_TRUE(body);
        for (unsigned i = 0; i <= PISTON_FILES_MAX; i++) {
                char *next;
                ASSERT_TRUE(asprintf(&next, "%s%s{\"name\": \"f%u\", \"content\": \"\"}", body, i ? "," : "", i) >= 0);
                free(body);
                body = next;
        }
        char *whole;
        ASSERT_TRUE(asprintf(&whole, "%s]}", body) >= 0);
        free(body);
        body = whole;
        RunRequest *bad = NULL;
        ASSERT_TRUE(parse("application/json", NULL, body, &bad, &err) == -EINVAL);
        ASSERT_TRUE(bad == NULL && strstr(err, "too many"));
}

TEST(huge_timeout_is_capped) {
        _cleanup_(run_request_freep) RunRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("application/json", NULL, "{\"code\": \"x\", \"timeout\": 1e300}", &r, &err));
        ASSERT_EQ(r->timeout_usec, (uint64_t) 24 * 3600 * USEC_PER_SEC);
}

TEST(content_type) {
        ASSERT_TRUE(content_type_is_json("application/json"));
        ASSERT_TRUE(content_type_is_json("Application/JSON;charset=utf-8"));
        ASSERT_TRUE(!content_type_is_json("application/jsonp"));
        ASSERT_TRUE(!content_type_is_json("text/plain"));
        ASSERT_TRUE(!content_type_is_json(NULL));
}

TEST(interpreters) {
        char list[256];
        interpreters_detect(NULL);
        interpreters_format_list(list, sizeof(list));
        fprintf(stderr, "    installed: %s\n", list);
        ASSERT_TRUE(interpreter_find("sh") != NULL); /* every host has a shell */
        ASSERT_TRUE(interpreter_find("SH") == interpreter_find("shell"));
        ASSERT_TRUE(interpreter_find("cobol") == NULL);

        /* Nothing is installed under an empty root. */
        interpreters_detect("/nonexistent");
        ASSERT_TRUE(interpreter_find("sh") == NULL);
        interpreters_format_list(list, sizeof(list));
        ASSERT_STREQ(list, "");
        interpreters_detect(NULL);
}

int main(void) {
        RUN(raw_body);
        RUN(raw_body_with_lang_and_json_lookalike);
        RUN(json_full);
        RUN(hostile);
        RUN(json_files);
        RUN(huge_timeout_is_capped);
        RUN(content_type);
        RUN(interpreters);
        return 0;
}
