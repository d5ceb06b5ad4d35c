/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "http-framing.h"
#include "tests.h"

#define F(...) ((const HttpField[]) { __VA_ARGS__ })
#define N(...) (sizeof((const HttpField[]) { __VA_ARGS__ }) / sizeof(HttpField))
#define CHECK(version, ...) http_framing_check(version, F(__VA_ARGS__), N(__VA_ARGS__))

int main(void) {
        /* Unambiguous. */
        ASSERT_TRUE(http_framing_check("HTTP/1.1", NULL, 0) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.1", { "Host", "x" }) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.1", { "Host", "x" }, { "content-length", "5" }) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.0", { "Content-Length", " 0 " }) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.1", { "Transfer-Encoding", "chunked" }) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.1", { "transfer-encoding", "CHUNKED " }) == NULL);
        ASSERT_TRUE(CHECK("HTTP/1.1", { "Content-Lengthy", "x" }, { "Transfer-Encodings", "x" }) == NULL);

        /* Several Content-Length fields, equal or not, or one that is not a plain number. */
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "5" }, { "Content-Length", "5" }),
                     "several Content-Length fields");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "5" }, { "content-LENGTH", "6" }),
                     "several Content-Length fields");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "5, 5" }), "a Content-Length that is not a number");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "+5" }), "a Content-Length that is not a number");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "" }), "a Content-Length that is not a number");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "0x10" }), "a Content-Length that is not a number");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "99999999999999999999" }),
                     "a Content-Length that is not a number");

        /* Transfer-Encoding: chunked alone, only in HTTP/1.1. */
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Content-Length", "5" }, { "Transfer-Encoding", "chunked" }),
                     "both Content-Length and Transfer-Encoding");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "chunked" }, { "Content-Length", "0" }),
                     "both Content-Length and Transfer-Encoding");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "gzip, chunked" }),
                     "a Transfer-Encoding other than chunked");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "chunked, chunked" }),
                     "a Transfer-Encoding other than chunked");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "identity" }), "a Transfer-Encoding other than chunked");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "xchunked" }), "a Transfer-Encoding other than chunked");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Transfer-Encoding", "chunked" }, { "Transfer-Encoding", "chunked" }),
                     "several Transfer-Encoding fields");
        ASSERT_STREQ(CHECK("HTTP/1.0", { "Transfer-Encoding", "chunked" }),
                     "Transfer-Encoding in a request older than HTTP/1.1");
        ASSERT_STREQ(CHECK(NULL, { "Transfer-Encoding", "chunked" }),
                     "Transfer-Encoding in a request older than HTTP/1.1");
        ASSERT_STREQ(CHECK("HTTP/1.1", { "Host", NULL }), "a malformed header field");
        return 0;
}
