/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "cli-manifest.h"
#include "cli-run.h"
#include "tests.h"

static const char *get_string(struct json_object *o, const char *key) {
        struct json_object *v;
        ASSERT_TRUE(json_object_object_get_ex(o, key, &v));
        return json_object_get_string(v);
}

TEST(manifest) {
        char *args[] = { "-v", "two words" }, *outputs[] = { "results/*" }, *env[] = { "A=1", "B=x=y" };
        Manifest m = {
                .entrypoint = "src/main.py", .interpreter = "python",
                .args = args, .n_args = 2,
                .stdin_data = "in\"put\n", .stdin_size = 7,
                .outputs = outputs, .n_outputs = 1,
                .env = env, .n_env = 2,
                .timeout = 30,
        };
        _cleanup_free_ char *s = NULL;
        ASSERT_OK(manifest_to_json(&m, &s));

        struct json_object *o = json_tokener_parse(s);
        ASSERT_TRUE(o != NULL);
        ASSERT_STREQ(get_string(o, "entrypoint"), "src/main.py");
        ASSERT_STREQ(get_string(o, "interpreter"), "python");
        ASSERT_STREQ(get_string(o, "stdin"), "in\"put\n");
        struct json_object *v;
        ASSERT_TRUE(json_object_object_get_ex(o, "args", &v));
        ASSERT_EQ(json_object_array_length(v), 2);
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 1)), "two words");
        ASSERT_TRUE(json_object_object_get_ex(o, "outputs", &v));
        ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(v, 0)), "results/*");
        ASSERT_TRUE(json_object_object_get_ex(o, "timeout", &v));
        ASSERT_EQ(json_object_get_int(v), 30);
        ASSERT_TRUE(json_object_object_get_ex(o, "env", &v));
        ASSERT_STREQ(get_string(v, "A"), "1");
        ASSERT_STREQ(get_string(v, "B"), "x=y");
        json_object_put(o);
}

TEST(manifest_minimal) {
        Manifest m = { .entrypoint = "a.sh" };
        _cleanup_free_ char *s = NULL;
        ASSERT_OK(manifest_to_json(&m, &s));
        ASSERT_STREQ(s, "{\"entrypoint\":\"a.sh\",\"args\":[],\"outputs\":[]}");

        char *env[] = { "NOEQUALS" };
        Manifest bad = { .entrypoint = "a.sh", .env = env, .n_env = 1 };
        char *t = NULL;
        ASSERT_ERROR(manifest_to_json(&bad, &t), EINVAL);
        ASSERT_TRUE(t == NULL);
}

TEST(run_request) {
        char *args[] = { "x" };
        RunRequest req = {
                .code = "print(1)\0tail", .code_size = 13, .lang = "python",
                .stdin_data = "5\n", .stdin_size = 2, .args = args, .n_args = 1, .timeout = 3,
        };
        _cleanup_free_ char *s = NULL;
        ASSERT_OK(run_request_to_json(&req, &s));
        ASSERT_STREQ(s, "{\"code\":\"print(1)\\u0000tail\",\"interpreter\":\"python\",\"stdin\":\"5\\n\","
                        "\"timeout\":3,\"args\":[\"x\"]}");

        RunRequest bare = { .code = "", .code_size = 0 };
        _cleanup_free_ char *t = NULL;
        ASSERT_OK(run_request_to_json(&bare, &t));
        ASSERT_STREQ(t, "{\"code\":\"\"}");

        /* More files go base64-encoded, binary or not, beside the program's own name. */
        RunFile files[] = { { "lib/u.py", "x=1", 3 }, { "d.bin", "\0\xff", 2 }, { "empty", "", 0 } };
        RunRequest project = { .code = "import u", .code_size = 8, .name = "prog.py",
                               .files = files, .n_files = 3 };
        _cleanup_free_ char *u = NULL;
        ASSERT_OK(run_request_to_json(&project, &u));
        ASSERT_STREQ(u, "{\"code\":\"import u\",\"name\":\"prog.py\",\"files\":["
                        "{\"name\":\"lib/u.py\",\"content\":\"eD0x\",\"encoding\":\"base64\"},"
                        "{\"name\":\"d.bin\",\"content\":\"AP8=\",\"encoding\":\"base64\"},"
                        "{\"name\":\"empty\",\"content\":\"\",\"encoding\":\"base64\"}]}");
}

int main(void) {
        RUN(manifest);
        RUN(manifest_minimal);
        RUN(run_request);
        return 0;
}
