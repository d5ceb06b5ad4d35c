/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <endian.h>

#include "runner-protocol.h"
#include "strv.h"
#include "tests.h"

#define ID "0123456789abcdef0123456789abcdef"

static void encode(const RunnerMessage *m, uint8_t **ret, size_t *ret_len) {
        void *buf;
        ASSERT_OK(runner_message_encode(m, &buf, ret_len));
        *ret = buf;
}

static RunnerMessage start_message(char **args) {
        RunnerMessage m = { .type = RUNNER_MSG_START, .job_id = (char *) ID, .args = args,
                            .code_name = (char *) "main.py" };
        runner_message_set(&m, RUNNER_FIELD_FDS, RUNNER_FD_CODE | RUNNER_FD_STDIN);
        runner_message_set(&m, RUNNER_FIELD_TIMEOUT_USEC, 5000000);
        return m;
}

/* Appends one raw field to a copy of buf, fixing the header's length. */
static uint8_t *with_field(const uint8_t *buf, size_t len, uint16_t tag, const void *v, uint32_t n, size_t *ret_len) {
        uint8_t *b = malloc(len + 8 + n);
        uint16_t t = htole16(tag), z = 0;
        uint32_t l = htole32(n), plen;

        memcpy(b, buf, len);
        memcpy(b + len, &t, 2);
        memcpy(b + len + 2, &z, 2);
        memcpy(b + len + 4, &l, 4);
        memcpy(b + len + 8, v, n);
        plen = htole32((uint32_t) (len + 8 + n - RUNNER_HEADER_SIZE));
        memcpy(b + 4, &plen, 4);
        *ret_len = len + 8 + n;
        return b;
}

TEST(round_trip) {
        char *args[] = { (char *) "/usr/bin/python3", (char *) "main.py", (char *) "", NULL };
        char *env[] = { (char *) "A=1", (char *) "B=", NULL };
        RunnerMessage m = start_message(args), p;
        uint8_t *buf;
        size_t len;

        m.env = env;
        runner_message_set(&m, RUNNER_FIELD_MEMORY_MAX, 1 << 20);
        encode(&m, &buf, &len);
        ASSERT_OK(runner_message_parse(buf, len, &p));
        ASSERT_EQ(p.type, RUNNER_MSG_START);
        ASSERT_STREQ(p.job_id, ID);
        ASSERT_EQ(strv_length(p.args), 3);
        ASSERT_STREQ(p.args[2], "");
        ASSERT_STREQ(p.env[1], "B=");
        ASSERT_STREQ(p.code_name, "main.py");
        ASSERT_EQ(p.u64[RUNNER_FIELD_MEMORY_MAX], 1 << 20);
        ASSERT_TRUE(!runner_message_has(&p, RUNNER_FIELD_TASKS_MAX));
        ASSERT_EQ(runner_fds_count(p.u64[RUNNER_FIELD_FDS]), 2);
        runner_message_done(&p);
        free(buf);
}

TEST(truncated_everywhere) {
        char *args[] = { (char *) "/bin/sh", NULL };
        RunnerMessage m = start_message(args), p;
        uint8_t *buf;
        size_t len;

        encode(&m, &buf, &len);
        /* Every prefix is refused: with the header's length unchanged, and with it fixed up. */
        for (size_t n = 0; n < len; n++) {
                ASSERT_TRUE(runner_message_parse(buf, n, &p) < 0);
                if (n >= RUNNER_HEADER_SIZE) {
                        uint8_t *copy = malloc(n);
                        uint32_t plen = htole32((uint32_t) (n - RUNNER_HEADER_SIZE));
                        memcpy(copy, buf, n);
                        memcpy(copy + 4, &plen, 4);
                        ASSERT_TRUE(runner_message_parse(copy, n, &p) < 0);
                        free(copy);
                }
        }
        free(buf);
}

TEST(hostile_headers) {
        RunnerMessage hello = { .type = RUNNER_MSG_HELLO }, p;
        uint8_t *buf;
        size_t len;

        runner_message_set(&hello, RUNNER_FIELD_VERSION, RUNNER_PROTOCOL_VERSION);
        encode(&hello, &buf, &len);
        ASSERT_OK(runner_message_parse(buf, len, &p));
        runner_message_done(&p);

        buf[0] = 2;     /* another version */
        ASSERT_ERROR(runner_message_parse(buf, len, &p), EPROTONOSUPPORT);
        buf[0] = 1;
        buf[2] = 99;    /* no such type */
        ASSERT_ERROR(runner_message_parse(buf, len, &p), EBADMSG);
        buf[2] = RUNNER_MSG_HELLO;
        buf[4]++;       /* length disagrees */
        ASSERT_ERROR(runner_message_parse(buf, len, &p), EBADMSG);
        buf[4]--;
        ASSERT_ERROR(runner_message_parse(buf, RUNNER_MESSAGE_MAX + 1, &p), E2BIG);
        free(buf);
}

TEST(hostile_fields) {
        char *args[] = { (char *) "/bin/sh", NULL };
        RunnerMessage m = start_message(args), p;
        uint8_t *buf, *b;
        size_t len, n;
        uint64_t v = 1;

        encode(&m, &buf, &len);
        /* A duplicate of a single field, an unknown tag, tag 0, a number of the wrong size. */
        b = with_field(buf, len, RUNNER_FIELD_TIMEOUT_USEC, &v, 8, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        b = with_field(buf, len, _RUNNER_FIELD_MAX, &v, 8, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        b = with_field(buf, len, 0, &v, 8, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        b = with_field(buf, len, RUNNER_FIELD_MEMORY_MAX, &v, 4, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        /* A field START does not allow (an error text), and a string with a NUL in it. */
        b = with_field(buf, len, RUNNER_FIELD_ERROR, "x", 1, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        b = with_field(buf, len, RUNNER_FIELD_ARG, "a\0b", 3, &n);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        /* A field length past the end. */
        b = with_field(buf, len, RUNNER_FIELD_ARG, "abc", 3, &n);
        uint32_t huge = htole32(0xffffffffu);
        memcpy(b + len + 4, &huge, 4);
        ASSERT_ERROR(runner_message_parse(b, n, &p), EBADMSG);
        free(b);
        /* Too many arguments. */
        b = malloc(len);
        memcpy(b, buf, len);
        for (unsigned i = 0; i < RUNNER_STRINGS_MAX; i++) {
                uint8_t *next = with_field(b, len + i * 9, RUNNER_FIELD_ARG, "a", 1, &n);
                free(b);
                b = next;
        }
        ASSERT_ERROR(runner_message_parse(b, n, &p), E2BIG);
        free(b);
        free(buf);
}

TEST(hostile_values) {
        char *args[] = { (char *) "/bin/sh", NULL }, *rel[] = { (char *) "sh", NULL };
        char *env[] = { (char *) "NOEQUALS", NULL }, *pat[] = { (char *) "*.txt", NULL };
        RunnerMessage m;
        void *buf;
        size_t len;

        /* Each is something the parser refuses, so the encoder refuses to send it. */
        const char *bad_ids[] = { "", "0123", ID "0", "0123456789ABCDEF0123456789abcdef", ID "-", ID "-Node",
                                  ID "-abcdefghijklmnopq", ID "_node", "../../../../etc/passwd" };
        for (size_t i = 0; i < ELEMENTSOF(bad_ids); i++) {
                m = start_message(args);
                m.job_id = (char *) bad_ids[i];
                ASSERT_TRUE(runner_message_encode(&m, &buf, &len) < 0);
        }
        m = start_message(rel);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        const char *bad_names[] = { "", ".", "..", "a/b", "/main.py" };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                m = start_message(args);
                m.code_name = (char *) bad_names[i];
                ASSERT_TRUE(runner_message_encode(&m, &buf, &len) < 0);
        }
        m = start_message(args);
        m.code_name = NULL;     /* a code fd without a name */
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = start_message(args);
        m.env = env;
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = start_message(args);
        m.output_patterns = pat;        /* patterns without PACK */
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = start_message(args);
        runner_message_set(&m, RUNNER_FIELD_FDS, RUNNER_FD_CODE | RUNNER_FD_RESULT);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = start_message(args);
        runner_message_set(&m, RUNNER_FIELD_TIMEOUT_USEC, 0);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);

        /* A job id with a node name is fine. */
        m = start_message(args);
        m.job_id = (char *) ID "-node7";
        ASSERT_OK(runner_message_encode(&m, &buf, &len));
        free(buf);

        m = (RunnerMessage) { .type = RUNNER_MSG_KILL, .job_id = (char *) ID };
        runner_message_set(&m, RUNNER_FIELD_REASON, 5);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = (RunnerMessage) { .type = RUNNER_MSG_SET_QUOTA, .job_id = (char *) ID };
        runner_message_set(&m, RUNNER_FIELD_CPU_QUOTA, 0);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        /* Missing required fields. */
        m = (RunnerMessage) { .type = RUNNER_MSG_KILL, .job_id = (char *) ID };
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
        m = (RunnerMessage) { .type = 1234 };
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), EINVAL);
}

TEST(limits) {
        _cleanup_strv_free_ char **args = strv_new("/bin/sh", NULL);
        char big[RUNNER_STRING_MAX + 2];
        RunnerMessage m;
        void *buf;
        size_t len;

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        ASSERT_OK(strv_extend(&args, big));
        m = start_message(args);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), E2BIG);

        /* At most RUNNER_MESSAGE_MAX bytes in all, however the strings are split. */
        big[RUNNER_STRING_MAX] = 0;
        _cleanup_strv_free_ char **many = strv_new("/bin/sh", NULL);
        for (unsigned i = 0; i < 120; i++)
                ASSERT_OK(strv_extend(&many, big));
        m = start_message(many);
        ASSERT_ERROR(runner_message_encode(&m, &buf, &len), E2BIG);
}

TEST(job_ids) {
        char hex[33];

        ASSERT_OK(runner_job_id_parse(ID, hex));
        ASSERT_STREQ(hex, ID);
        ASSERT_OK(runner_job_id_parse(ID "-a", hex));
        ASSERT_STREQ(hex, ID);
        ASSERT_OK(runner_job_id_parse(ID "-abcdefghijklmnop", hex));
        ASSERT_ERROR(runner_job_id_parse(ID "-abcdefghijklmnopq", hex), EINVAL);
        ASSERT_ERROR(runner_job_id_parse(ID "-a.b", hex), EINVAL);
        ASSERT_ERROR(runner_job_id_parse(ID "-a-b", hex), EINVAL);
        ASSERT_ERROR(runner_job_id_parse("g123456789abcdef0123456789abcdef", hex), EINVAL);
}

TEST(runner_messages) {
        RunnerMessage m = { .type = RUNNER_MSG_FINISHED, .job_id = (char *) ID, .error = (char *) "x" }, p;
        uint8_t *buf;
        size_t len;

        runner_message_set(&m, RUNNER_FIELD_FDS, RUNNER_FD_RESULT);
        runner_message_set(&m, RUNNER_FIELD_EXIT_CODE, (uint64_t) (int64_t) -1);
        runner_message_set(&m, RUNNER_FIELD_STDOUT_LEN, 3);
        encode(&m, &buf, &len);
        ASSERT_OK(runner_message_parse(buf, len, &p));
        ASSERT_EQ((int) (int64_t) p.u64[RUNNER_FIELD_EXIT_CODE], -1);
        ASSERT_STREQ(p.error, "x");
        runner_message_done(&p);
        free(buf);

        /* A runner's message type never carries a front's fields, and the other way round. */
        m = (RunnerMessage) { .type = RUNNER_MSG_CPU, .job_id = (char *) ID, .code_name = (char *) "a" };
        runner_message_set(&m, RUNNER_FIELD_CPU_USEC, 1);
        ASSERT_ERROR(runner_message_encode(&m, (void **) &buf, &len), EINVAL);
}

TEST(steps_and_cases) {
        char *args[] = { (char *) "/bin/sh", NULL }, *cc[] = { (char *) "/usr/bin/cc", (char *) "main.c", NULL };
        RunnerMessage m = start_message(args), p;
        RunnerStepResult step = { .ran = true, .status = 256, .timed_out = false, .oom = true, .cpu_usec = 12,
                                  .maxrss_kb = 3, .wall_usec = 4, .scope_cpu_usec = UINT64_MAX }, back;
        char buf[RUNNER_STEP_RESULT_MAX];
        uint64_t v[4];
        uint8_t *b;
        size_t len;

        m.compile_args = cc;
        m.test_stdins = (char *) "101";
        encode(&m, &b, &len);
        ASSERT_OK(runner_message_parse(b, len, &p));
        ASSERT_EQ(runner_message_n_fds(&p), 2 + 2);     /* code, stdin, and two cases' stdins */
        ASSERT_STREQ(p.compile_args[1], "main.c");
        runner_message_done(&p);
        free(b);

        runner_step_result_format(&step, buf);
        ASSERT_OK(runner_step_result_parse(buf, &back));
        /* Field by field: memcmp() would also compare the struct's padding, which nothing sets. */
        ASSERT_EQ(back.ran, step.ran);
        ASSERT_EQ(back.status, step.status);
        ASSERT_EQ(back.timed_out, step.timed_out);
        ASSERT_EQ(back.oom, step.oom);
        ASSERT_EQ(back.cpu_usec, step.cpu_usec);
        ASSERT_EQ(back.maxrss_kb, step.maxrss_kb);
        ASSERT_EQ(back.wall_usec, step.wall_usec);
        ASSERT_EQ(back.scope_cpu_usec, step.scope_cpu_usec);
        const char *bad_steps[] = { "", "1 2 3", "1 0 0 0 1 2 3 4 5", "2 0 0 0 0 0 0 0", "1 0 0 0 0 0 0 x",
                                    "1  0 0 0 0 0 0 0", "1 0 0 0 0 0 0 0 ", "1 4294967296 0 0 0 0 0 0",
                                    "1 0 0 0 0 0 0 18446744073709551616" };
        for (size_t i = 0; i < ELEMENTSOF(bad_steps); i++)
                ASSERT_ERROR(runner_step_result_parse(bad_steps[i], &back), EBADMSG);
        ASSERT_EQ(runner_numbers_parse("1 2 3", v, 4), 3);
        ASSERT_ERROR(runner_numbers_parse("1 2 3 4 5", v, 4), EBADMSG);
        ASSERT_ERROR(runner_numbers_parse("-1", v, 4), EBADMSG);

        /* Cases' stdins are only '0' and '1', at most RUNNER_TESTS_MAX; a compiler's path is absolute. */
        char many[RUNNER_TESTS_MAX + 2];
        memset(many, '1', sizeof(many) - 1);
        many[sizeof(many) - 1] = 0;
        const char *bad_stdins[] = { "", "012", "1x", many };
        for (size_t i = 0; i < ELEMENTSOF(bad_stdins); i++) {
                m = start_message(args);
                m.test_stdins = (char *) bad_stdins[i];
                ASSERT_TRUE(runner_message_encode(&m, (void **) &b, &len) < 0);
        }
        char *rel[] = { (char *) "cc", NULL };
        m = start_message(args);
        m.compile_args = rel;
        ASSERT_ERROR(runner_message_encode(&m, (void **) &b, &len), EINVAL);

        /* A result with bad steps or odd buffer lengths is refused too. */
        m = (RunnerMessage) { .type = RUNNER_MSG_FINISHED, .job_id = (char *) ID, .run_result = (char *) "1 2" };
        runner_message_set(&m, RUNNER_FIELD_FDS, 0);
        ASSERT_ERROR(runner_message_encode(&m, (void **) &b, &len), EINVAL);
        m.run_result = NULL;
        m.extra_buffers = (char *) "1 2 3";
        ASSERT_ERROR(runner_message_encode(&m, (void **) &b, &len), EINVAL);
        m.extra_buffers = (char *) "1 0 2 0";
        ASSERT_OK(runner_message_encode(&m, (void **) &b, &len));
        free(b);
}

TEST(warm_messages) {
        static const RunnerMessageType types[] = { RUNNER_MSG_WARM, RUNNER_MSG_WARM_GONE };

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                RunnerMessage m = { .type = types[i], .job_id = (char *) ID }, p;
                uint8_t *buf;
                size_t len;

                encode(&m, &buf, &len);
                ASSERT_OK(runner_message_parse(buf, len, &p));
                ASSERT_EQ(p.type, types[i]);
                ASSERT_STREQ(p.job_id, ID);
                runner_message_done(&p);
                free(buf);

                /* Only a scope's id: no node name, and nothing else. */
                m.job_id = (char *) ID "-a";
                ASSERT_ERROR(runner_message_encode(&m, (void **) &buf, &len), EINVAL);
                m.job_id = NULL;
                ASSERT_ERROR(runner_message_encode(&m, (void **) &buf, &len), EINVAL);
                m.job_id = (char *) ID;
                runner_message_set(&m, RUNNER_FIELD_CPU_USEC, 1);
                ASSERT_ERROR(runner_message_encode(&m, (void **) &buf, &len), EINVAL);
        }
}

int main(void) {
        RUN(round_trip);
        RUN(truncated_everywhere);
        RUN(hostile_headers);
        RUN(hostile_fields);
        RUN(hostile_values);
        RUN(limits);
        RUN(job_ids);
        RUN(runner_messages);
        RUN(steps_and_cases);
        RUN(warm_messages);
        return 0;
}
