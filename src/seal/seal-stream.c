/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "seal-stream.h"
#include "wipe.h"

#define SEALED_CHUNK_SIZE (SEAL_CHUNK_SIZE + SEAL_TAG_SIZE)

static size_t n_chunks(size_t len) {
        return len == 0 ? 1 : (len + SEAL_CHUNK_SIZE - 1) / SEAL_CHUNK_SIZE;
}

size_t seal_stream_encrypted_len(size_t len) {
        return SEAL_PAYLOAD_NONCE_SIZE + len + n_chunks(len) * SEAL_TAG_SIZE;
}

int seal_stream_encrypt(const uint8_t file_key[SEAL_FILE_KEY_SIZE], const uint8_t *in, size_t len, uint8_t *out) {
        uint8_t key[SEAL_KEY_SIZE], nonce[SEAL_NONCE_SIZE];
        size_t chunks = n_chunks(len);
        int r;

        assert(in || len == 0);

        r = seal_random(out, SEAL_PAYLOAD_NONCE_SIZE);
        if (r < 0)
                return r;
        seal_hkdf_sha256(key, file_key, SEAL_FILE_KEY_SIZE, out, SEAL_PAYLOAD_NONCE_SIZE, "payload");
        out += SEAL_PAYLOAD_NONCE_SIZE;
        for (size_t i = 0; i < chunks; i++) {
                size_t n = MIN(len - i * SEAL_CHUNK_SIZE, (size_t) SEAL_CHUNK_SIZE);
                seal_stream_nonce(i, i + 1 == chunks, nonce);
                seal_aead_encrypt(key, nonce, in + i * SEAL_CHUNK_SIZE, n, out);
                out += n + SEAL_TAG_SIZE;
        }
        explicit_bzero(key, sizeof(key));
        return 0;
}

int seal_stream_decrypt(const uint8_t file_key[SEAL_FILE_KEY_SIZE], const uint8_t *in, size_t len, uint8_t **ret,
                        size_t *ret_len) {
        uint8_t key[SEAL_KEY_SIZE], nonce[SEAL_NONCE_SIZE];
        size_t chunks, out_len = 0, pos;
        uint8_t *out;
        int r = 0;

        assert(in || len == 0);

        if (len < SEAL_PAYLOAD_NONCE_SIZE + SEAL_TAG_SIZE)
                return -EBADMSG;
        len -= SEAL_PAYLOAD_NONCE_SIZE;
        /* A final chunk shorter than a full one leaves a remainder; a final full one leaves none. */
        chunks = (len + SEALED_CHUNK_SIZE - 1) / SEALED_CHUNK_SIZE;
        if (len - (chunks - 1) * SEALED_CHUNK_SIZE < SEAL_TAG_SIZE)
                return -EBADMSG;
        if (len - (chunks - 1) * SEALED_CHUNK_SIZE == SEAL_TAG_SIZE && chunks > 1)
                return -EBADMSG;        /* an empty last chunk after others */

        out = malloc(MAX(len - chunks * SEAL_TAG_SIZE, (size_t) 1));
        if (!out)
                return -ENOMEM;
        seal_hkdf_sha256(key, file_key, SEAL_FILE_KEY_SIZE, in, SEAL_PAYLOAD_NONCE_SIZE, "payload");
        pos = SEAL_PAYLOAD_NONCE_SIZE;
        for (size_t i = 0; i < chunks; i++) {
                size_t n = MIN(len - i * SEALED_CHUNK_SIZE, (size_t) SEALED_CHUNK_SIZE) - SEAL_TAG_SIZE;
                seal_stream_nonce(i, i + 1 == chunks, nonce);
                r = seal_aead_decrypt(key, nonce, in + pos, n, out + out_len);
                if (r < 0)
                        break;
                pos += n + SEAL_TAG_SIZE;
                out_len += n;
        }
        explicit_bzero(key, sizeof(key));
        if (r < 0) {
                wipe_free(out);
                return r;
        }
        *ret = out;
        *ret_len = out_len;
        return 0;
}
