/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "held-box.h"
#include "held-key.h"
#include "seal-crypto.h"
#include "wipe.h"

#define SEALED_CHUNK_SIZE (HELD_CHUNK_SIZE + SEAL_TAG_SIZE)

struct HeldBox {
        HeldKey *key;
        uint8_t **chunks;               /* each: ciphertext then tag */
        size_t n_chunks;
        uint64_t size;
        bool closed;
        uint8_t *pending;               /* plaintext of the chunk being filled, HELD_CHUNK_SIZE */
        size_t pending_len;
        uint8_t *scratch;               /* one decrypted chunk, while it is read */
};

int held_box_new(HeldBox **ret) {
        _cleanup_(held_box_freep) HeldBox *b = calloc(1, sizeof(HeldBox));
        int r;

        if (!b)
                return -ENOMEM;
        r = held_key_new(&b->key);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

HeldBox *held_box_free(HeldBox *b) {
        if (!b)
                return NULL;
        held_key_free(b->key);
        for (size_t i = 0; i < b->n_chunks; i++)
                wipe_free(b->chunks[i]);
        free(b->chunks);
        wipe_free(b->pending);
        wipe_free(b->scratch);
        free(b);
        return NULL;
}

static int seal_chunk(HeldBox *b, const uint8_t *data, size_t len, bool last) {
        uint8_t nonce[SEAL_NONCE_SIZE];

        uint8_t **chunks = realloc(b->chunks, (b->n_chunks + 1) * sizeof(uint8_t *));
        if (!chunks)
                return -ENOMEM;
        b->chunks = chunks;
        uint8_t *c = malloc(len + SEAL_TAG_SIZE);
        if (!c)
                return -ENOMEM;
        seal_stream_nonce(b->n_chunks, last, nonce);
        seal_aead_encrypt(held_key_bytes(b->key), nonce, data, len, c);
        b->chunks[b->n_chunks++] = c;
        return 0;
}

int held_box_write(HeldBox *b, const void *data, size_t len) {
        const uint8_t *p = data;
        int r;

        if (b->closed)
                return -EROFS;
        while (len > 0) {
                if (!b->pending) {
                        b->pending = malloc(HELD_CHUNK_SIZE);
                        if (!b->pending)
                                return -ENOMEM;
                }
                /* A full chunk is sealed only once more follows: the last one must be marked so. */
                if (b->pending_len == HELD_CHUNK_SIZE) {
                        r = seal_chunk(b, b->pending, HELD_CHUNK_SIZE, false);
                        if (r < 0)
                                return r;
                        explicit_bzero(b->pending, HELD_CHUNK_SIZE);
                        b->pending_len = 0;
                }
                size_t n = MIN(len, HELD_CHUNK_SIZE - b->pending_len);
                memcpy(b->pending + b->pending_len, p, n);
                b->pending_len += n;
                b->size += n;
                p += n;
                len -= n;
        }
        return 0;
}

int held_box_close(HeldBox *b) {
        int r;

        if (b->closed)
                return 0;
        r = seal_chunk(b, b->pending ?: (const uint8_t *) "", b->pending_len, true);
        if (r < 0)
                return r;
        b->pending = wipe_free(b->pending);
        b->pending_len = 0;
        b->closed = true;
        return 0;
}

int held_box_new_from(HeldBox **ret, const void *data, size_t len) {
        _cleanup_(held_box_freep) HeldBox *b = NULL;
        int r;

        r = held_box_new(&b);
        if (r >= 0)
                r = held_box_write(b, data, len);
        if (r >= 0)
                r = held_box_close(b);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

uint64_t held_box_size(const HeldBox *b) {
        return b->size;
}

uint64_t held_box_allocated(const HeldBox *b) {
        return b->size + (uint64_t) b->n_chunks * SEAL_TAG_SIZE + (b->pending ? HELD_CHUNK_SIZE : 0);
}

static size_t chunk_len(const HeldBox *b, size_t index) {
        return index + 1 < b->n_chunks ? HELD_CHUNK_SIZE : (size_t) (b->size - (uint64_t) index * HELD_CHUNK_SIZE);
}

ssize_t held_box_read(HeldBox *b, uint64_t offset, void *buf, size_t len) {
        uint8_t nonce[SEAL_NONCE_SIZE], *out = buf;
        size_t done = 0;
        int r = 0;

        assert(b->closed);
        /* Only while reading: a held box costs its ciphertext alone. */
        b->scratch = malloc(HELD_CHUNK_SIZE);
        if (!b->scratch)
                return -ENOMEM;
        while (done < len && offset < b->size) {
                size_t index = offset / HELD_CHUNK_SIZE, skip = offset % HELD_CHUNK_SIZE, clen = chunk_len(b, index);
                seal_stream_nonce(index, index + 1 == b->n_chunks, nonce);
                r = seal_aead_decrypt(held_key_bytes(b->key), nonce, b->chunks[index], clen, b->scratch);
                if (r < 0)
                        break;
                size_t n = MIN(len - done, clen - skip);
                memcpy(out + done, b->scratch + skip, n);
                done += n;
                offset += n;
        }
        b->scratch = wipe_free(b->scratch);
        return r < 0 ? r : (ssize_t) done;
}
