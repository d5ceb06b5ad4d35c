/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>

#include "judge.h"
#include "tests.h"

static int parse(const char *json, JudgeSpec **ret, const char **err) {
        json_object *o = json_tokener_parse(json), *tests = NULL, *compare = NULL;
        int r;

        ASSERT_TRUE(o != NULL);
        (void) json_object_object_get_ex(o, "tests", &tests);
        (void) json_object_object_get_ex(o, "compare", &compare);
        r = judge_spec_from_json(tests, compare, ret, err);
        json_object_put(o);
        return r;
}

static bool matches(const char *out, const char *exp, JudgeCompare c) {
        return judge_output_matches(out, strlen(out), exp, strlen(exp), c);
}

TEST(compare) {
        ASSERT_TRUE(matches("3\n", "3", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(matches("a  \nb\t\n\n\n", "a\nb", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(matches("a\r\nb\r\n", "a\nb\n", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(matches("", "\n\n", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(!matches("a\n\nb", "a\nb", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(!matches(" a", "a", JUDGE_COMPARE_TRIM));   /* leading blanks count */
        ASSERT_TRUE(!matches("ab", "a", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(!matches("a", "ab", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(!matches("a", "a\nb", JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(matches("3\n", "3\n", JUDGE_COMPARE_EXACT));
        ASSERT_TRUE(!matches("3\n", "3", JUDGE_COMPARE_EXACT));
        ASSERT_TRUE(judge_output_matches("a\0b", 3, "a\0b", 3, JUDGE_COMPARE_TRIM));
        ASSERT_TRUE(!judge_output_matches("a\0b", 3, "a\0c", 3, JUDGE_COMPARE_TRIM));
}

TEST(spec) {
        _cleanup_(judge_spec_freep) JudgeSpec *s = NULL;
        const char *err = NULL;

        ASSERT_OK(parse("{}", &s, &err));
        ASSERT_TRUE(s == NULL);
        ASSERT_OK(parse("{\"tests\": [{\"stdin\": \"1 2\", \"expected_output\": \"3\"}, {}, {\"stdin\": null}],"
                        "\"compare\": \"exact\"}", &s, &err));
        ASSERT_EQ(s->n_cases, 3);
        ASSERT_EQ(s->compare, JUDGE_COMPARE_EXACT);
        ASSERT_STREQ(s->cases[0].stdin_data, "1 2");
        ASSERT_STREQ(s->cases[0].expected, "3");
        ASSERT_TRUE(s->cases[1].stdin_data == NULL && s->cases[1].expected == NULL);
        ASSERT_TRUE(s->cases[2].stdin_data == NULL);
}

TEST(hostile_specs) {
        static const char *const bad[] = {
                "{\"tests\": []}", "{\"tests\": {}}", "{\"tests\": \"x\"}", "{\"tests\": [1]}",
                "{\"tests\": [[]]}", "{\"tests\": [{\"stdin\": 1}]}", "{\"tests\": [{\"expected_output\": []}]}",
                "{\"tests\": [{\"input\": \"x\"}]}", "{\"tests\": [{}], \"compare\": \"fuzzy\"}",
                "{\"tests\": [{}], \"compare\": 1}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                JudgeSpec *s = NULL;
                const char *err = NULL;
                ASSERT_EQ(parse(bad[i], &s, &err), -EINVAL);
                ASSERT_TRUE(s == NULL && err != NULL);
        }

        /* One case too many. */
        char buf[2048] = "{\"tests\": [{}";
        for (int i = 1; i <= JUDGE_CASES_MAX; i++)
                strcat(buf, ",{}");
        strcat(buf, "]}");
        JudgeSpec *s = NULL;
        const char *err = NULL;
        ASSERT_EQ(parse(buf, &s, &err), -EINVAL);
        buf[strlen(buf) - 5] = 0;     /* drop ",{}]}" */
        strcat(buf, "]}");
        ASSERT_OK(parse(buf, &s, &err));
        ASSERT_EQ(s->n_cases, JUDGE_CASES_MAX);
        judge_spec_free(s);
}

TEST(verdicts) {
        JudgeCase c = { .expected = (char *) "5", .expected_len = 1 };
        RunnerStepResult r = { .ran = true, .status = 0 };

        ASSERT_EQ(judge_verdict(&r, false, &c, "5\n", 2, JUDGE_COMPARE_TRIM), JUDGE_ACCEPTED);
        ASSERT_EQ(judge_verdict(&r, false, &c, "6\n", 2, JUDGE_COMPARE_TRIM), JUDGE_WRONG_ANSWER);
        ASSERT_EQ(judge_verdict(&r, true, &c, "5\n", 2, JUDGE_COMPARE_TRIM), JUDGE_OUTPUT_LIMIT);
        r.status = 1 << 8;
        ASSERT_EQ(judge_verdict(&r, false, &c, "5\n", 2, JUDGE_COMPARE_TRIM), JUDGE_RUNTIME_ERROR);
        r.status = SIGSEGV;
        ASSERT_EQ(judge_verdict(&r, false, &c, "", 0, JUDGE_COMPARE_TRIM), JUDGE_RUNTIME_ERROR);
        r.status = SIGXCPU;
        ASSERT_EQ(judge_verdict(&r, false, &c, "", 0, JUDGE_COMPARE_TRIM), JUDGE_TIME_LIMIT);
        r.status = SIGKILL;
        r.timed_out = true;
        ASSERT_EQ(judge_verdict(&r, false, &c, "", 0, JUDGE_COMPARE_TRIM), JUDGE_TIME_LIMIT);
        r.oom = true;
        ASSERT_EQ(judge_verdict(&r, true, &c, "", 0, JUDGE_COMPARE_TRIM), JUDGE_MEMORY_LIMIT);
        r.ran = false;
        ASSERT_EQ(judge_verdict(&r, false, &c, "", 0, JUDGE_COMPARE_TRIM), JUDGE_SKIPPED);
        /* Without an expected output, exiting 0 is enough. */
        JudgeCase any = {};
        RunnerStepResult ok = { .ran = true };
        ASSERT_EQ(judge_verdict(&ok, false, &any, "x", 1, JUDGE_COMPARE_EXACT), JUDGE_ACCEPTED);
        ASSERT_STREQ(judge_verdict_to_string(JUDGE_MEMORY_LIMIT), "memory_limit");
}

int main(void) {
        RUN(compare);
        RUN(spec);
        RUN(hostile_specs);
        RUN(verdicts);
        return 0;
}
