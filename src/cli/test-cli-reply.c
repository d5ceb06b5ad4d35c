/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-reply.h"
#include "tests.h"

static int job(const char *s, JobReply **ret) {
        return job_reply_parse(s, strlen(s), ret);
}

TEST(run_answer) {
        _cleanup_(job_reply_freep) JobReply *j = NULL;
        ASSERT_OK(job("{\"job_id\":\"a1-B.2_c\",\"status\":\"completed\",\"exit_code\":3,\"signal\":null,"
                      "\"reason\":null,\"stdout\":\"out\\u0000put\\n\",\"stderr\":\"err\\n\",\"output\":\"x\","
                      "\"truncated\":true,\"metrics\":{\"cpu_seconds\":0.25,\"memory_mb\":12,"
                      "\"wall_seconds\":1.5},\"unknown\":[1,2,{}]}", &j));
        ASSERT_STREQ(j->job_id, "a1-B.2_c");
        ASSERT_STREQ(j->status, "completed");
        ASSERT_EQ(j->exit_code, 3);
        ASSERT_TRUE(j->reason == NULL);
        ASSERT_TRUE(j->signal == NULL);
        ASSERT_EQ(j->stdout_size, 8);
        ASSERT_TRUE(memcmp(j->stdout_data, "out\0put\n", 9) == 0);
        ASSERT_STREQ(j->stderr_data, "err\n");
        ASSERT_TRUE(j->truncated);
        ASSERT_TRUE(j->has_metrics);
        ASSERT_TRUE(j->cpu_seconds == 0.25);
        ASSERT_TRUE(j->memory_mb == 12);
        ASSERT_TRUE(j->wall_seconds == 1.5);
        ASSERT_EQ(j->queue_position, -1);
}

TEST(failure_and_status) {
        _cleanup_(job_reply_freep) JobReply *j = NULL, *k = NULL, *s = NULL;
        ASSERT_OK(job("{\"status\":\"failed\",\"reason\":\"timeout\",\"signal\":9,\"exit_code\":null}", &j));
        ASSERT_STREQ(j->reason, "timeout");
        ASSERT_STREQ(j->signal, "9");
        ASSERT_EQ(j->exit_code, -1);
        ASSERT_TRUE(!j->has_metrics);

        ASSERT_OK(job("{\"signal\":\"SIGSEGV\",\"reason\":\"signal\",\"error\":\"no \\u001b here\"}", &k));
        ASSERT_STREQ(k->signal, "SIGSEGV");
        ASSERT_STREQ(k->error, "no ? here");

        ASSERT_OK(job(" {\"job_id\":\"q\",\"status\":\"queued\",\"queue_position\":4} \n", &s));
        ASSERT_EQ(s->queue_position, 4);
        ASSERT_TRUE(s->stdout_data == NULL);
}

TEST(job_hostile) {
        static const char *const bad[] = {
                "",
                "[]",
                "\"str\"",
                "null",
                "{",
                "{\"job_id\":\"a\"} trailing",
                "{\"job_id\":\"../etc\"}",
                "{\"job_id\":\"a/b\"}",
                "{\"job_id\":\"a?b=c\"}",
                "{\"job_id\":\"\"}",
                "{\"job_id\":\"a\\u0000b\"}",
                "{\"job_id\":5}",
                "{\"status\":\"\\u001b[2J\"}",
                "{\"status\":\"completed and more words\"}",
                "{\"reason\":[]}",
                "{\"exit_code\":256}",
                "{\"exit_code\":-1}",
                "{\"exit_code\":1.5}",
                "{\"exit_code\":\"0\"}",
                "{\"exit_code\":99999999999999999999999}",
                "{\"signal\":129}",
                "{\"signal\":true}",
                "{\"queue_position\":-3}",
                "{\"queue_position\":1000001}",
                "{\"stdout\":5}",
                "{\"truncated\":\"yes\"}",
                "{\"error\":404}",
                "{\"metrics\":5}",
                "{\"metrics\":{\"cpu_seconds\":-1}}",
                "{\"metrics\":{\"cpu_seconds\":1e300}}",
                "{\"metrics\":{\"memory_mb\":\"12\"}}",
                "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                JobReply *j = (JobReply *) 0x1;
                if (job(bad[i], &j) != -EBADMSG) {
                        fprintf(stderr, "accepted: %s\n", bad[i]);
                        abort();
                }
                ASSERT_TRUE(j == (JobReply *) 0x1);
        }

        /* NUL inside the buffer, and a length that cuts the document, are malformed too. */
        JobReply *j = NULL;
        ASSERT_ERROR(job_reply_parse("{}\0{}", 5, &j), EBADMSG);
        ASSERT_ERROR(job_reply_parse("{\"a\":1}", 5, &j), EBADMSG);
        ASSERT_ERROR(job_reply_parse(NULL, 0, &j), EBADMSG);

        /* A job id at the limit passes, one past it does not. */
        char big[REPLY_JOB_ID_MAX + 32];
        snprintf(big, sizeof big, "{\"job_id\":\"%0*d\"}", REPLY_JOB_ID_MAX, 0);
        ASSERT_OK(job(big, &j));
        j = job_reply_free(j);
        snprintf(big, sizeof big, "{\"job_id\":\"%0*d\"}", REPLY_JOB_ID_MAX + 1, 0);
        ASSERT_ERROR(job(big, &j), EBADMSG);
}

TEST(error_text) {
        _cleanup_free_ char *e = NULL, *f = NULL, *g = NULL;
        ASSERT_OK(error_reply_parse("{\"error\":\"too big\"}", 19, &e));
        ASSERT_STREQ(e, "too big");
        const char *esc = "{\"error\":\"bad \\u001b]0;pwned\\u0007 thing\\n\"}";
        ASSERT_OK(error_reply_parse(esc, strlen(esc), &f));
        ASSERT_STREQ(f, "bad ?]0;pwned? thing?");

        char *huge = malloc(4096);
        int n = snprintf(huge, 4096, "{\"error\":\"");
        memset(huge + n, 'x', 2000);
        strcpy(huge + n + 2000, "\"}");
        ASSERT_OK(error_reply_parse(huge, strlen(huge), &g));
        ASSERT_EQ(strlen(g), REPLY_ERROR_MAX);
        free(huge);

        char *h = NULL;
        ASSERT_ERROR(error_reply_parse("{\"message\":\"x\"}", 15, &h), EBADMSG);
        ASSERT_ERROR(error_reply_parse("{\"error\":5}", 11, &h), EBADMSG);
        ASSERT_ERROR(error_reply_parse("<html>", 6, &h), EBADMSG);
        ASSERT_TRUE(h == NULL);
}

TEST(outputs) {
        _cleanup_(output_list_freep) OutputList *l = NULL;
        const char *s = "{\"files\":[{\"path\":\"results/a.txt\",\"size\":2},{\"path\":\"x\\u001by\",\"size\":0}]}";
        ASSERT_OK(output_list_parse(s, strlen(s), &l));
        ASSERT_EQ(l->n_files, 2);
        ASSERT_STREQ(l->files[0].path, "results/a.txt");
        ASSERT_EQ(l->files[0].size, 2);
        ASSERT_STREQ(l->files[1].path, "x?y");

        _cleanup_(output_list_freep) OutputList *empty = NULL;
        ASSERT_OK(output_list_parse("{\"files\":[]}", 12, &empty));
        ASSERT_EQ(empty->n_files, 0);

        static const char *const bad[] = {
                "{}", "{\"files\":{}}", "{\"files\":[1]}", "{\"files\":[{\"size\":1}]}",
                "{\"files\":[{\"path\":\"\"}]}", "{\"files\":[{\"path\":\"a\",\"size\":-1}]}",
                "{\"files\":[{\"path\":\"a\",\"size\":\"1\"}]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                OutputList *x = NULL;
                ASSERT_ERROR(output_list_parse(bad[i], strlen(bad[i]), &x), EBADMSG);
                ASSERT_TRUE(x == NULL);
        }
}

TEST(languages) {
        _cleanup_(language_list_freep) LanguageList *l = NULL;
        const char *s = "{\"languages\":[{\"name\":\"python\",\"aliases\":[\"python3\",\"py\"],"
                        "\"extensions\":[\".py\"]},{\"name\":\"sh\"}]}";
        ASSERT_OK(language_list_parse(s, strlen(s), &l));
        ASSERT_EQ(l->n_languages, 2);
        ASSERT_STREQ(l->languages[0].name, "python");
        ASSERT_EQ(l->languages[0].n_aliases, 2);
        ASSERT_STREQ(l->languages[0].aliases[1], "py");
        ASSERT_STREQ(l->languages[0].extensions[0], ".py");
        ASSERT_EQ(l->languages[1].n_aliases, 0);

        static const char *const bad[] = {
                "{\"languages\":[{}]}",
                "{\"languages\":[{\"name\":\"Py thon\"}]}",
                "{\"languages\":[{\"name\":\"\\u001b\"}]}",
                "{\"languages\":[{\"name\":\"p\",\"aliases\":[\"ok\",5]}]}",
                /* 17 aliases, one over REPLY_NAMES_MAX */
                "{\"languages\":[{\"name\":\"p\",\"aliases\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}]}",
                "{\"languages\":\"python\"}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                LanguageList *x = NULL;
                ASSERT_ERROR(language_list_parse(bad[i], strlen(bad[i]), &x), EBADMSG);
                ASSERT_TRUE(x == NULL);
        }
}

int main(void) {
        RUN(run_answer);
        RUN(failure_and_status);
        RUN(job_hostile);
        RUN(error_text);
        RUN(outputs);
        RUN(languages);
        return 0;
}
