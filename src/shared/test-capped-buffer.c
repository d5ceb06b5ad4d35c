/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "capped-buffer.h"
#include "tests.h"

TEST(cap) {
        CappedBuffer b;
        capped_buffer_init(&b, 10);
        ASSERT_OK(capped_buffer_append(&b, "hello", 5));
        ASSERT_TRUE(!capped_buffer_truncated(&b));
        ASSERT_OK(capped_buffer_append(&b, " world!", 7));
        ASSERT_EQ(b.len, 10);
        ASSERT_EQ(b.dropped, 2);
        ASSERT_STREQ(b.data, "hello worl");
        ASSERT_TRUE(capped_buffer_truncated(&b));
        ASSERT_OK(capped_buffer_append(&b, "more", 4));
        ASSERT_EQ(b.dropped, 6);
        ASSERT_TRUE(b.allocated <= 11);
        capped_buffer_done(&b);
        ASSERT_TRUE(b.data == NULL);
}

TEST(large) {
        CappedBuffer b;
        static char chunk[1000];
        memset(chunk, 'x', sizeof(chunk));
        capped_buffer_init(&b, 1 << 20);
        for (int i = 0; i < 2000; i++)
                ASSERT_OK(capped_buffer_append(&b, chunk, sizeof(chunk)));
        ASSERT_EQ(b.len, 1 << 20);
        ASSERT_EQ(b.dropped, 2000 * 1000 - (1 << 20));
        capped_buffer_done(&b);
}

TEST(zero_limit) {
        CappedBuffer b;
        capped_buffer_init(&b, 0);
        ASSERT_OK(capped_buffer_append(&b, "x", 1));
        ASSERT_EQ(b.len, 0);
        ASSERT_TRUE(capped_buffer_truncated(&b));
        capped_buffer_done(&b);
}

int main(void) {
        RUN(cap);
        RUN(large);
        RUN(zero_limit);
        return 0;
}
