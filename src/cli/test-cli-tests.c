/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "cli-json.h"
#include "cli-tests.h"
#include "macro.h"
#include "tests.h"

static int parse_str(const char *s) {
        _cleanup_(json_putp) struct json_object *o = NULL;
        return cli_tests_parse(s, strlen(s), &o);
}

TEST(parse) {
        ASSERT_OK(parse_str("[{\"stdin\": \"1 2\\n\", \"expected_output\": \"3\"}, {}]"));
        ASSERT_ERROR(parse_str(""), EBADMSG);
        ASSERT_ERROR(parse_str("[]"), EBADMSG);
        ASSERT_ERROR(parse_str("{\"tests\": []}"), EBADMSG);
        ASSERT_ERROR(parse_str("[1]"), EBADMSG);
        ASSERT_ERROR(parse_str("[{}] trailing"), EBADMSG);
        ASSERT_ERROR(parse_str("[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]"), EBADMSG);
}

static int report(const char *reply, char **ret_text) {
        size_t size;
        FILE *f = open_memstream(ret_text, &size);
        assert(f);
        int r = cli_tests_report(reply, strlen(reply), f);
        fclose(f);
        return r;
}

TEST(report) {
        _cleanup_free_ char *text = NULL;
        ASSERT_EQ(report("{\"tests\": [{\"verdict\": \"accepted\", \"exit_code\": 0},"
                         " {\"verdict\": \"wrong_answer\", \"exit_code\": 0},"
                         " {\"verdict\": \"runtime_error\", \"exit_code\": 3},"
                         " {\"verdict\": \"Evil\\u001b[2J\"}], \"summary\": {}}", &text), 3);
        ASSERT_STREQ(text, "case 1: accepted\ncase 2: wrong_answer (exit 0)\ncase 3: runtime_error (exit 3)\n"
                           "case 4: unknown\n1 of 4 passed\n");
        free(text);
        text = NULL;
        ASSERT_ERROR(report("{\"exit_code\": 0}", &text), EBADMSG);
        free(text);
        text = NULL;
        ASSERT_ERROR(report("{\"tests\": [{\"exit_code\": 0}]}", &text), EBADMSG);
}

int main(void) {
        RUN(parse);
        RUN(report);
        return 0;
}
