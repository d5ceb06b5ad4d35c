/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "multipart.h"
#include "tests.h"

/* Records what the parser reports as text: "[name|filename|type]data data<end>". */
typedef struct Log {
        char *buf;
        size_t len, size;
        int fail_begin, fail_data;
} Log;

static void log_append(Log *l, const void *p, size_t n) {
        if (l->len + n + 1 > l->size) {
                l->size = (l->len + n + 1) * 2;
                l->buf = realloc(l->buf, l->size);
                ASSERT_TRUE(l->buf);
        }
        memcpy(l->buf + l->len, p, n);
        l->len += n;
        l->buf[l->len] = 0;
}

static void log_str(Log *l, const char *s) {
        log_append(l, s, strlen(s));
}

static int on_begin(const MultipartPart *part, void *userdata) {
        Log *l = userdata;

        if (l->fail_begin)
                return l->fail_begin;
        log_str(l, "[");
        log_str(l, part->name);
        log_str(l, "|");
        log_str(l, part->filename ?: "-");
        log_str(l, "|");
        log_str(l, part->content_type ?: "-");
        log_str(l, "]");
        return 0;
}

static int on_data(const void *buf, size_t len, void *userdata) {
        Log *l = userdata;

        ASSERT_TRUE(len > 0);
        if (l->fail_data)
                return l->fail_data;
        log_append(l, buf, len);
        return 0;
}

static int on_end(void *userdata) {
        log_str(userdata, "<end>");
        return 0;
}

static const MultipartCallbacks callbacks = {
        .part_begin = on_begin,
        .part_data = on_data,
        .part_end = on_end,
};

/* Feeds body cut at the given offsets (ascending, ending with len) and returns feed's or finish's error;
 * the log gets what was reported. */
static int parse_cut(const char *boundary, const MultipartLimits *limits, const char *body, size_t len,
                     const size_t *cuts, size_t n_cuts, Log *log, const char **ret_error) {
        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        size_t prev = 0;
        int r = 0;

        ASSERT_OK(multipart_parser_new(&p, boundary, limits, &callbacks, log));
        for (size_t i = 0; i < n_cuts && r >= 0; i++) {
                r = multipart_parser_feed(p, body + prev, cuts[i] - prev);
                prev = cuts[i];
        }
        if (r >= 0)
                r = multipart_parser_finish(p);
        if (r < 0) {
                ASSERT_TRUE(multipart_parser_error(p));
                /* Failed stays failed. */
                ASSERT_EQ(multipart_parser_feed(p, "x", 1), r);
                ASSERT_EQ(multipart_parser_finish(p), r);
        } else
                ASSERT_TRUE(!multipart_parser_error(p));
        if (ret_error)
                *ret_error = multipart_parser_error(p);
        return r;
}

static int parse_whole(const char *boundary, const MultipartLimits *limits, const char *body, Log *log,
                       const char **ret_error) {
        size_t len = strlen(body);

        return parse_cut(boundary, limits, body, len, &len, 1, log, ret_error);
}

/* Parses body whole, then cut once at every offset, then cut twice at every pair of offsets, then a
 * byte at a time, and checks all give the same result and log. */
static void assert_parses(const char *boundary, const char *body, int expected_r, const char *expected_log) {
        size_t len = strlen(body), cuts[3];
        Log log = {};
        int r;

        r = parse_whole(boundary, NULL, body, &log, NULL);
        if (r != expected_r || !streq(log.buf ?: "", expected_log)) {
                fprintf(stderr, "got %d \"%s\"\nexpected %d \"%s\"\n",
                        r, log.buf ?: "", expected_r, expected_log);
                abort();
        }
        free(log.buf);

        for (size_t a = 0; a <= len; a++)
                for (size_t b = a; b <= len; b++) {
                        cuts[0] = a;
                        cuts[1] = b;
                        cuts[2] = len;
                        log = (Log) {};
                        ASSERT_EQ(parse_cut(boundary, NULL, body, len, cuts, 3, &log, NULL), expected_r);
                        ASSERT_STREQ(log.buf ?: "", expected_log);
                        free(log.buf);
                }

        {
                _cleanup_free_ size_t *bytes = malloc(sizeof(size_t) * (len + 1));

                ASSERT_TRUE(bytes);
                for (size_t i = 0; i < len; i++)
                        bytes[i] = i + 1;
                log = (Log) {};
                ASSERT_EQ(parse_cut(boundary, NULL, body, len, bytes, len, &log, NULL), expected_r);
                ASSERT_STREQ(log.buf ?: "", expected_log);
                free(log.buf);
        }
}

static void assert_fails(const char *boundary, const MultipartLimits *limits, const char *body, int err,
                         const char *expected_message) {
        const char *why = NULL;
        Log log = {};

        ASSERT_ERROR(parse_whole(boundary, limits, body, &log, &why), err);
        if (expected_message)
                ASSERT_STREQ(why, expected_message);
        free(log.buf);
}

TEST(boundary_from_content_type) {
        static const struct {
                const char *ct;
                const char *boundary;   /* NULL: refused */
                int err;
        } cases[] = {
                { "multipart/form-data; boundary=abc", "abc", 0 },
                { "Multipart/Form-Data;boundary=abc", "abc", 0 },
                { "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
                  "----WebKitFormBoundary7MA4YWxkTrZu0gW", 0 },
                { "multipart/form-data; BOUNDARY=\"a b:c?\"", "a b:c?", 0 },
                { "multipart/form-data; boundary=\"x\" ; ", "x", 0 },
                { "  multipart/form-data ; boundary=x", "x", 0 },
                { "multipart/form-data", NULL, EINVAL },
                { "multipart/form-data;", NULL, EINVAL },
                { "multipart/form-data; boundary=", NULL, EINVAL },
                { "multipart/form-data; boundary=\"\"", NULL, EINVAL },
                { "multipart/form-data; boundary=\"ends with space \"", NULL, EINVAL },
                { "multipart/form-data; boundary=\"bad\x01\"", NULL, EINVAL },
                { "multipart/form-data; boundary=\"bad\\\"quote\"", NULL, EINVAL },
                { "multipart/form-data; boundary=\"unterminated", NULL, EINVAL },
                { "multipart/form-data; boundary=a; boundary=b", NULL, EINVAL },
                { "multipart/form-data; boundary", NULL, EINVAL },
                { "multipart/form-data boundary=x", NULL, EINVAL },
                { "multipart/form-data; =x", NULL, EINVAL },
                { "multipart/mixed; boundary=x", NULL, EMEDIUMTYPE },
                { "multipart/form-datax; boundary=x", NULL, EMEDIUMTYPE },
                { "application/json", NULL, EMEDIUMTYPE },
                { "", NULL, EMEDIUMTYPE },
        };
        char long_ct[200];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *b = NULL;
                int r = multipart_boundary_from_content_type(cases[i].ct, strlen(cases[i].ct), &b);

                if (cases[i].boundary) {
                        ASSERT_OK(r);
                        ASSERT_STREQ(b, cases[i].boundary);
                } else {
                        ASSERT_EQ(r, -cases[i].err);
                        ASSERT_TRUE(!b);
                }
        }

        /* 70 characters pass, 71 do not. */
        strcpy(long_ct, "multipart/form-data; boundary=");
        memset(long_ct + strlen(long_ct), 'b', 70);
        long_ct[30 + 70] = 0;
        {
                _cleanup_free_ char *b = NULL;

                ASSERT_OK(multipart_boundary_from_content_type(long_ct, strlen(long_ct), &b));
                ASSERT_EQ(strlen(b), 70);
        }
        long_ct[30 + 70] = 'b';
        long_ct[30 + 71] = 0;
        {
                char *b = NULL;

                ASSERT_ERROR(multipart_boundary_from_content_type(long_ct, strlen(long_ct), &b), EINVAL);
        }

        /* An embedded NUL, and only len bytes count. */
        {
                char *b = NULL;

                static const char with_nul[] = "multipart/form-data; boundary=a\0b";
                static const char longer[] = "multipart/form-data; boundary=abcdef";

                ASSERT_ERROR(multipart_boundary_from_content_type(with_nul, 33, &b), EINVAL);
                ASSERT_OK(multipart_boundary_from_content_type(longer, 33, &b));
                ASSERT_STREQ(b, "abc");
                free(b);
        }
}

TEST(parser_new) {
        MultipartParser *p = NULL;
        MultipartCallbacks partial = callbacks;

        ASSERT_ERROR(multipart_parser_new(&p, "", NULL, &callbacks, NULL), EINVAL);
        ASSERT_ERROR(multipart_parser_new(&p, "a\rb", NULL, &callbacks, NULL), EINVAL);
        ASSERT_ERROR(multipart_parser_new(&p, "abc ", NULL, &callbacks, NULL), EINVAL);
        ASSERT_ERROR(multipart_parser_new(&p, "x", NULL, NULL, NULL), EINVAL);
        partial.part_end = NULL;
        ASSERT_ERROR(multipart_parser_new(&p, "x", NULL, &partial, NULL), EINVAL);
        ASSERT_TRUE(!p);
        ASSERT_TRUE(!multipart_parser_free(NULL));
}

#define B "XyZ"

TEST(simple) {
        assert_parses(B,
                "--" B "\r\n"
                "Content-Disposition: form-data; name=\"manifest\"\r\n"
                "\r\n"
                "{\"entrypoint\":\"main.py\"}\r\n"
                "--" B "\r\n"
                "Content-Disposition: form-data; name=\"file\"; filename=\"dir/main.py\"\r\n"
                "Content-Type: text/x-python\r\n"
                "\r\n"
                "print('hi')\n\r\n"
                "--" B "--\r\n",
                0,
                "[manifest|-|-]{\"entrypoint\":\"main.py\"}<end>"
                "[file|dir/main.py|text/x-python]print('hi')\n<end>");
}

TEST(preamble_epilogue_padding) {
        assert_parses(B,
                "This is a preamble with --" B " inside\r\n"
                "--" B " \t\r\n"
                "content-disposition:form-data;name=a\r\n"
                "\r\n"
                "1\r\n"
                "--" B "--and an epilogue\r\n--" B "\r\nthat is ignored",
                0,
                "[a|-|-]1<end>");
}

TEST(no_parts) {
        assert_parses(B, "--" B "--", 0, "");
        assert_parses(B, "--" B "--\r\n", 0, "");
}

TEST(empty_and_tricky_data) {
        /* Empty part; data that looks almost like a delimiter; CRs and dashes everywhere. */
        assert_parses(B,
                "--" B "\r\n"
                "Content-Disposition: form-data; name=e\r\n\r\n"
                "\r\n--" B "\r\n"
                "Content-Disposition: form-data; name=t\r\n\r\n"
                "\r\r\n--X\r\n--XyX\r\n-" B "\n--" B "\r\r\n--\r\n"
                "\r\n--" B "--",
                0,
                "[e|-|-]<end>[t|-|-]\r\r\n--X\r\n--XyX\r\n-" B "\n--" B "\r\r\n--\r\n<end>");
}

TEST(boundary_made_of_dashes) {
        assert_parses("--",
                "----\r\nContent-Disposition: form-data; name=d\r\n\r\n"
                "-\r\n-\r\n---\r\n--x\r\n"
                "\r\n------",
                0,
                "[d|-|-]-\r\n-\r\n---\r\n--x\r\n<end>");
}

TEST(quoting) {
        assert_parses(B,
                "--" B "\r\n"
                "Content-Disposition: FORM-DATA; filename=\"C:\\Users\\me\\a \\\"b\\\".txt\"; NAME=\"f;x\"; "
                "filename*=UTF-8''ignored; other=\"x\"\r\n"
                "X-Whatever: ignored\r\n"
                "\r\n"
                "z\r\n"
                "--" B "--",
                0,
                "[f;x|C:\\Users\\me\\a \"b\".txt|-]z<end>");
}

TEST(broken_bodies) {
        assert_fails(B, NULL, "", EBADMSG, "body ended before the closing boundary");
        assert_fails(B, NULL, "no boundary at all", EBADMSG, "body ended before the closing boundary");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\ndata", EBADMSG,
                     "body ended before the closing boundary");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\r\n", EBADMSG, NULL);
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n--" B "--", EBADMSG,
                     "body ended before the closing boundary");     /* the delimiter needs its CRLF */
        assert_fails(B, NULL, "--" B "x\r\n", EBADMSG, "malformed boundary line");
        assert_fails(B, NULL, "--" B "-x", EBADMSG, "malformed boundary line");
        assert_fails(B, NULL, "--" B "\n", EBADMSG, "malformed boundary line");
        assert_fails(B, NULL, "--" B "\rx", EBADMSG, "malformed boundary line");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\n\n", EBADMSG,
                     "part header lines must end with CRLF");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\rx", EBADMSG,
                     "part header lines must end with CRLF");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\n", EBADMSG,
                     "body ended before the closing boundary");     /* strlen stops at the NUL */
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=\"\x1b\"\r\n\r\n", EBADMSG,
                     "control character in part headers");
        assert_fails(B, NULL, "--" B "\r\n\r\nx\r\n--" B "--", EBADMSG,
                     "part without Content-Disposition: form-data");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: attachment; name=a\r\n\r\n", EBADMSG,
                     "malformed Content-Disposition header");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data\r\n\r\n", EBADMSG,
                     "part without a name");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; filename=x\r\n\r\n", EBADMSG,
                     "part without a name");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n", EBADMSG,
                     "malformed Content-Disposition header");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=\"a\r\n\r\n", EBADMSG,
                     "malformed Content-Disposition header");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a b\r\n\r\n", EBADMSG,
                     "malformed Content-Disposition header");
        assert_fails(B, NULL,
                     "--" B "\r\nContent-Disposition: form-data; name=a\r\n"
                     "Content-Disposition: form-data; name=b\r\n\r\n",
                     EBADMSG, "repeated Content-Disposition header");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n", EBADMSG,
                     "folded part header");
        assert_fails(B, NULL, "--" B "\r\nno colon here\r\n\r\n", EBADMSG, "malformed part header");
        assert_fails(B, NULL, "--" B "\r\n: empty name\r\n\r\n", EBADMSG, "malformed part header");
        assert_fails(B, NULL, "--" B "\r\nBad Name: x\r\n\r\n", EBADMSG, "malformed part header");
        assert_fails(B, NULL, "--" B "\r\nContent-Disposition: form-data; name=a\r\nContent-Type:\r\n\r\n",
                     EBADMSG, "malformed or repeated part Content-Type");
}

TEST(header_bombs) {
        MultipartLimits limits = { .max_header_block = 512, .max_header_line = 128, .max_headers = 4 };
        char body[4096];

        /* Too many header lines. */
        strcpy(body, "--" B "\r\n");
        for (int i = 0; i < 5; i++)
                strcat(body, "X-A: b\r\n");
        strcat(body, "\r\n");
        assert_fails(B, &limits, body, E2BIG, "too many part headers");

        /* One header line too long. */
        strcpy(body, "--" B "\r\nX-A: ");
        memset(body + strlen(body), 'a', 200);
        body[6 + 5 + 5 + 200] = 0;
        assert_fails(B, &limits, body, E2BIG, "part header line too long");

        /* A block over the limit, made of lines each within theirs. */
        limits.max_headers = 100;
        strcpy(body, "--" B "\r\n");
        for (int i = 0; i < 10; i++)
                strcat(body, "X-A: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        assert_fails(B, &limits, body, E2BIG, "part headers too large");

        /* Defaults hold a header bomb too: a megabyte without a line end. */
        {
                size_t n = 1024 * 1024;
                _cleanup_free_ char *bomb = malloc(n + 1);

                ASSERT_TRUE(bomb);
                memset(bomb, 'a', n);
                memcpy(bomb, "--" B "\r\nX-A: ", 11);
                bomb[n] = 0;
                assert_fails(B, NULL, bomb, E2BIG, NULL);
        }
}

TEST(part_limits) {
        MultipartLimits limits = { .max_parts = 2, .max_part_size = 4, .max_total_size = 300 };
        const char *part = "Content-Disposition: form-data; name=a\r\n\r\n";
        char body[1024];

        snprintf(body, sizeof(body), "--" B "\r\n%s1\r\n--" B "\r\n%s2\r\n--" B "\r\n%s3\r\n--" B "--",
                 part, part, part);
        assert_fails(B, &limits, body, E2BIG, "too many parts");

        snprintf(body, sizeof(body), "--" B "\r\n%s12345\r\n--" B "--", part);
        assert_fails(B, &limits, body, E2BIG, "part too large");
        snprintf(body, sizeof(body), "--" B "\r\n%s1234\r\n--" B "--", part);
        {
                Log log = {};

                ASSERT_OK(parse_whole(B, &limits, body, &log, NULL));
                ASSERT_STREQ(log.buf, "[a|-|-]1234<end>");
                free(log.buf);
        }

        memset(body, 'x', 301);
        body[301] = 0;
        assert_fails(B, &limits, body, E2BIG, "request body too large");
}

TEST(callback_errors) {
        const char *body = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--" B "--";
        const char *why = NULL;
        Log log = { .fail_begin = -EPERM };

        ASSERT_ERROR(parse_whole(B, NULL, body, &log, &why), EPERM);
        ASSERT_STREQ(why, "part rejected");
        free(log.buf);

        log = (Log) { .fail_data = -ENOSPC };
        ASSERT_ERROR(parse_whole(B, NULL, body, &log, &why), ENOSPC);
        free(log.buf);
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(linear_time) {
        /* 16 MiB of almost-delimiters, fed in odd-sized chunks: a quadratic search would crawl. */
        static const char prefix[] = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n";
        static const char fake[] = "\r\n--XyXyZ\r\r\r\n--Xy";
        static const char suffix[] = "\r\n--" B "--";
        size_t n = 16 * 1024 * 1024, len = 0;
        _cleanup_free_ char *body = malloc(n + sizeof(suffix));
        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        Log log = {};
        double start;

        ASSERT_TRUE(body);
        memcpy(body, prefix, strlen(prefix));
        len = strlen(prefix);
        while (len + strlen(fake) < n) {
                memcpy(body + len, fake, strlen(fake));
                len += strlen(fake);
        }
        memcpy(body + len, suffix, strlen(suffix));
        len += strlen(suffix);

        MultipartLimits limits = { .max_part_size = n, .max_total_size = n * 2 };
        ASSERT_OK(multipart_parser_new(&p, B, &limits, &callbacks, &log));
        start = now();
        for (size_t i = 0, chunk = 1; i < len; i += chunk, chunk = chunk * 7 % 4099 + 1)
                ASSERT_OK(multipart_parser_feed(p, body + i, MIN(chunk, len - i)));
        ASSERT_OK(multipart_parser_finish(p));
        ASSERT_TRUE(now() - start < 5.0);
        ASSERT_EQ(log.len, strlen("[a|-|-]") + (len - strlen(prefix) - strlen(suffix)) + strlen("<end>"));
        free(log.buf);
}

int main(void) {
        RUN(boundary_from_content_type);
        RUN(parser_new);
        RUN(simple);
        RUN(preamble_epilogue_padding);
        RUN(no_parts);
        RUN(empty_and_tricky_data);
        RUN(boundary_made_of_dashes);
        RUN(quoting);
        RUN(broken_bodies);
        RUN(header_bombs);
        RUN(part_limits);
        RUN(callback_errors);
        RUN(linear_time);
        return 0;
}
