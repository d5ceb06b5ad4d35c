/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "piston-request.h"
#include "tests.h"

static int parse(const char *body, PistonRequest **ret, const char **err) {
        return piston_request_parse(body, strlen(body), ret, err);
}

TEST(readme_example) {
        /* Piston's README example, as it is. */
        _cleanup_(piston_request_freep) PistonRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("{\"language\": \"js\", \"version\": \"15.10.0\", \"files\": [{\"name\": \"my_cool_code.js\","
                        " \"content\": \"console.log(process.argv)\"}], \"stdin\": \"\", \"args\": [\"1\", \"2\", \"3\"],"
                        " \"compile_timeout\": 10000, \"run_timeout\": 3000, \"compile_cpu_time\": 10000,"
                        " \"run_cpu_time\": 3000, \"compile_memory_limit\": -1, \"run_memory_limit\": -1}", &r, &err));
        ASSERT_STREQ(r->language, "js");
        ASSERT_STREQ(r->version, "15.10.0");
        ASSERT_EQ(r->n_files, 1);
        ASSERT_STREQ(r->files[0].name, "my_cool_code.js");
        ASSERT_STREQ(r->files[0].content, "console.log(process.argv)");
        ASSERT_TRUE(r->stdin_data && r->stdin_len == 0);
        ASSERT_STREQ(r->args[2], "3");
        ASSERT_TRUE(r->args[3] == NULL);
        ASSERT_EQ(r->compile_timeout_usec, 10000ULL * 1000);
        ASSERT_EQ(r->run_timeout_usec, 3000ULL * 1000);
        ASSERT_EQ(r->compile_memory_limit, 0);
        ASSERT_EQ(r->run_memory_limit, 0);
}

TEST(minimal_and_encodings) {
        _cleanup_(piston_request_freep) PistonRequest *r = NULL;
        const char *err = NULL;
        ASSERT_OK(parse("{\"language\": \"python\", \"files\": [{\"content\": \"print(1)\"},"
                        " {\"name\": \"./lib/b64.bin\", \"content\": \"AAEC/w==\", \"encoding\": \"base64\"},"
                        " {\"name\": \"x.hex\", \"content\": \"48690a\", \"encoding\": \"hex\"}],"
                        " \"args\": [1, \"two\"], \"run_memory_limit\": 268435456}", &r, &err));
        ASSERT_STREQ(r->version, "*");
        ASSERT_TRUE(r->files[0].name == NULL);
        ASSERT_STREQ(r->files[1].name, "lib/b64.bin");
        ASSERT_EQ(r->files[1].size, 4);
        ASSERT_TRUE(memcmp(r->files[1].content, "\x00\x01\x02\xff", 4) == 0);
        ASSERT_STREQ(r->files[2].content, "Hi\n");
        ASSERT_STREQ(r->args[0], "1");
        ASSERT_EQ(r->run_memory_limit, 268435456);
        ASSERT_TRUE(r->stdin_data == NULL);
}

TEST(hostile) {
        static const char *const bad[] = {
                "", "[]", "{", "{}", "{\"language\": 1, \"files\": [{\"content\": \"\"}]}",
                "{\"language\": \"python\"}", "{\"language\": \"python\", \"files\": []}",
                "{\"language\": \"python\", \"files\": {}}", "{\"language\": \"python\", \"files\": [1]}",
                "{\"language\": \"python\", \"files\": [{}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": 5}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"x\"}, {\"content\": \"y\"}]}",
                "{\"language\": \"python\", \"files\": [{\"name\": \"../x\", \"content\": \"\"}]}",
                "{\"language\": \"python\", \"files\": [{\"name\": \"/etc/passwd\", \"content\": \"\"}]}",
                "{\"language\": \"python\", \"files\": [{\"name\": \"d/main.py\", \"content\": \"\"}]}",
                "{\"language\": \"python\", \"files\": [{\"name\": \"a\", \"content\": \"\"}, {\"name\": \"a\", \"content\": \"\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"@@\", \"encoding\": \"base64\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"QQ==QQ==\", \"encoding\": \"base64\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"abc\", \"encoding\": \"hex\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\", \"encoding\": \"rot13\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"args\": \"x\"}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"args\": [[]]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"stdin\": 1}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"run_timeout\": \"3s\"}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"run_timeout\": -5}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}], \"version\": \"\"}",
                "{\"language\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"files\": [{\"content\": \"\"}]}",
                "{\"language\": \"python\", \"files\": [{\"content\": \"\"}]} trailing",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                PistonRequest *r = NULL;
                const char *err = NULL;
                if (piston_request_parse(bad[i], strlen(bad[i]), &r, &err) != -EINVAL || !err) {
                        fprintf(stderr, "accepted: %s\n", bad[i]);
                        abort();
                }
                ASSERT_TRUE(r == NULL);
        }
        /* A NUL inside the body is not JSON. */
        PistonRequest *r = NULL;
        const char *err = NULL;
        ASSERT_EQ(piston_request_parse("{\"language\":\"c\"\0}", 17, &r, &err), -EINVAL);
}

TEST(versions) {
        ASSERT_TRUE(piston_version_matches("3.11.2", "*"));
        ASSERT_TRUE(piston_version_matches("3.11.2", NULL));
        ASSERT_TRUE(piston_version_matches("3.11.2", "3"));
        ASSERT_TRUE(piston_version_matches("3.11.2", "3.11"));
        ASSERT_TRUE(piston_version_matches("3.11.2", "3.11.2"));
        ASSERT_TRUE(piston_version_matches("3.11.2", "3.x"));
        ASSERT_TRUE(piston_version_matches("3.11.2", "3.x.x"));
        ASSERT_TRUE(!piston_version_matches("3.11.2", "3.1"));
        ASSERT_TRUE(!piston_version_matches("3.11.2", "3.11.2.1"));
        ASSERT_TRUE(!piston_version_matches("3.11.2", "2"));
        ASSERT_TRUE(!piston_version_matches("3.11.2", "3."));
        ASSERT_TRUE(!piston_version_matches("", "1"));
        ASSERT_TRUE(!piston_version_matches("12.2.0", "1"));
}

TEST(decode) {
        char *out;
        size_t n;
        ASSERT_OK(piston_decode("base64", "aGVsbG8", 7, &out, &n));
        ASSERT_EQ(n, 5);
        ASSERT_STREQ(out, "hello");
        free(out);
        ASSERT_OK(piston_decode("base64", "", 0, &out, &n));
        ASSERT_EQ(n, 0);
        free(out);
        ASSERT_EQ(piston_decode("base64", "aGVsbG9", 7, &out, &n), -EINVAL);   /* stray bits */
        ASSERT_EQ(piston_decode("base64", "a===", 4, &out, &n), -EINVAL);
        ASSERT_EQ(piston_decode("hex", "0g", 2, &out, &n), -EINVAL);
        ASSERT_EQ(piston_decode("utf16", "", 0, &out, &n), -EINVAL);
}

int main(void) {
        RUN(readme_example);
        RUN(minimal_and_encodings);
        RUN(hostile);
        RUN(versions);
        RUN(decode);
        return 0;
}
