/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The box's own file, for its internals: chunks can then be altered, moved and dropped. */
#include "held-box.c"

#include <stdlib.h>

#include "tests.h"

static uint8_t *pattern(size_t len) {
        uint8_t *p = malloc(len + 1);
        for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t) (i * 7 + i / 251);
        return p;
}

/* Writes data in pieces of random sizes, then reads random ranges back. */
static void round_trip(size_t len) {
        uint8_t *data = pattern(len), *back = malloc(len + 10);
        HeldBox *b;

        ASSERT_OK(held_box_new(&b));
        for (size_t off = 0; off < len;) {
                size_t piece = (size_t) rand() % (3 * HELD_CHUNK_SIZE / 2) + 1, n = MIN(len - off, piece);
                ASSERT_OK(held_box_write(b, data + off, n));
                off += n;
        }
        ASSERT_OK(held_box_close(b));
        ASSERT_ERROR(held_box_write(b, "x", 1), EROFS);
        ASSERT_TRUE(held_box_size(b) == len);
        ASSERT_EQ(held_box_read(b, 0, back, len + 10), (ssize_t) len);
        ASSERT_TRUE(memcmp(back, data, len) == 0);
        for (int i = 0; i < 50 && len > 0; i++) {
                size_t off = (size_t) rand() % len, n = (size_t) rand() % (len - off + 5);
                ssize_t got = held_box_read(b, off, back, n);
                ASSERT_EQ(got, (ssize_t) MIN(n, len - off));
                ASSERT_TRUE(memcmp(back, data + off, (size_t) got) == 0);
        }
        ASSERT_EQ(held_box_read(b, len, back, 10), 0);
        /* Only ciphertext is kept: the plaintext appears nowhere in the chunks. */
        for (size_t i = 0; i < b->n_chunks && len >= 64; i++)
                ASSERT_TRUE(!memmem(b->chunks[i], chunk_len(b, i), data + i * HELD_CHUNK_SIZE, MIN(chunk_len(b, i), 64)));
        held_box_free(b);
        free(data);
        free(back);
}

TEST(round_trips) {
        static const size_t sizes[] = { 0, 1, 100, HELD_CHUNK_SIZE - 1, HELD_CHUNK_SIZE, HELD_CHUNK_SIZE + 1,
                                        3 * HELD_CHUNK_SIZE, 5 * HELD_CHUNK_SIZE + 77, 1 << 20 };
        srand(15);
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++)
                round_trip(sizes[i]);
}

TEST(tampering) {
        size_t len = 3 * HELD_CHUNK_SIZE + 10;
        uint8_t *data = pattern(len), buf[64];
        HeldBox *b;

        /* A flipped bit. */
        ASSERT_OK(held_box_new_from(&b, data, len));
        b->chunks[1][5] ^= 1;
        ASSERT_TRUE(held_box_read(b, 0, buf, sizeof(buf)) == sizeof(buf));
        ASSERT_ERROR(held_box_read(b, HELD_CHUNK_SIZE, buf, sizeof(buf)), EBADMSG);
        held_box_free(b);

        /* Two chunks swapped. */
        ASSERT_OK(held_box_new_from(&b, data, len));
        uint8_t *t = b->chunks[0];
        b->chunks[0] = b->chunks[1];
        b->chunks[1] = t;
        ASSERT_ERROR(held_box_read(b, 0, buf, sizeof(buf)), EBADMSG);
        held_box_free(b);

        /* Cut after a full chunk: what is now the last was not sealed as the last. */
        ASSERT_OK(held_box_new_from(&b, data, len));
        b->n_chunks--;
        wipe_free(b->chunks[b->n_chunks]);
        b->size = (uint64_t) b->n_chunks * HELD_CHUNK_SIZE;
        ASSERT_ERROR(held_box_read(b, b->size - 10, buf, 10), EBADMSG);
        held_box_free(b);

        /* Another box's chunk: another key. */
        HeldBox *c;
        ASSERT_OK(held_box_new_from(&b, data, len));
        ASSERT_OK(held_box_new_from(&c, data, len));
        t = b->chunks[0];
        b->chunks[0] = c->chunks[0];
        c->chunks[0] = t;
        ASSERT_ERROR(held_box_read(b, 0, buf, sizeof(buf)), EBADMSG);
        held_box_free(b);
        held_box_free(c);
        free(data);
}

int main(void) {
        RUN(round_trips);
        RUN(tampering);
        return 0;
}
