/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * age's payload: a 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed with
 * ChaCha20-Poly1305 under HKDF(file key, nonce, "payload") with the nonce (11-byte big-endian chunk
 * counter || 0x01 on the last chunk, 0x00 before). Only the whole payload may be an empty chunk.
 */

#include <stddef.h>
#include <stdint.h>

#include "seal-crypto.h"

#define SEAL_CHUNK_SIZE (64u * 1024u)
#define SEAL_PAYLOAD_NONCE_SIZE 16u

/* Length of the payload (nonce included) for len bytes of plaintext. */
size_t seal_stream_encrypted_len(size_t len);

/* Writes seal_stream_encrypted_len(len) bytes to out. */
int seal_stream_encrypt(const uint8_t file_key[SEAL_FILE_KEY_SIZE], const uint8_t *in, size_t len, uint8_t *out);

/* Decrypts a whole payload into a new buffer; -EBADMSG on a truncated, extended, reordered or forged one.
 * The caller wipes the result (wipe_free) when done. */
int seal_stream_decrypt(const uint8_t file_key[SEAL_FILE_KEY_SIZE], const uint8_t *in, size_t len, uint8_t **ret,
                        size_t *ret_len);
