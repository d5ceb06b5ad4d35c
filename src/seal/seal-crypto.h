/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The primitives age is built from, all of them nettle's (the library GnuTLS is built on): X25519,
 * HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305; randomness from getrandom(). Nothing here
 * implements a primitive, it only pins the parameters age uses.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_SIZE 32u         /* X25519 scalars and points, HKDF output, ChaCha20 keys */
#define SEAL_FILE_KEY_SIZE 16u
#define SEAL_TAG_SIZE 16u
#define SEAL_NONCE_SIZE 12u
#define SEAL_MAC_SIZE 32u

int seal_random(void *buf, size_t len);

/* X25519 of a scalar with the base point, and with a peer's point. The latter fails with -EINVAL when
 * the shared secret is all zeros (a low-order point), which age requires to abort on. */
void seal_x25519_base(uint8_t ret_point[SEAL_KEY_SIZE], const uint8_t scalar[SEAL_KEY_SIZE]);
int seal_x25519(uint8_t ret_shared[SEAL_KEY_SIZE], const uint8_t scalar[SEAL_KEY_SIZE],
                const uint8_t point[SEAL_KEY_SIZE]);

/* HKDF-Extract then HKDF-Expand to 32 bytes. */
void seal_hkdf_sha256(uint8_t ret_key[SEAL_KEY_SIZE], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                      size_t salt_len, const char *info);

void seal_hmac_sha256(uint8_t ret_mac[SEAL_MAC_SIZE], const uint8_t key[SEAL_KEY_SIZE], const void *data,
                      size_t len);

/* Constant-time equality. */
int seal_mem_equal(const void *a, const void *b, size_t len);

/* ChaCha20-Poly1305 without associated data: out gets len bytes of ciphertext then the 16-byte tag. */
void seal_aead_encrypt(const uint8_t key[SEAL_KEY_SIZE], const uint8_t nonce[SEAL_NONCE_SIZE], const uint8_t *in,
                       size_t len, uint8_t *out);
/* in is len bytes of ciphertext plus the tag; out gets len bytes, wiped again when the tag is wrong
 * (-EBADMSG). */
int seal_aead_decrypt(const uint8_t key[SEAL_KEY_SIZE], const uint8_t nonce[SEAL_NONCE_SIZE], const uint8_t *in,
                      size_t len, uint8_t *out);

/* The nonce of chunk `counter` of a STREAM payload (age's, and held data's): the counter big-endian in 11
 * bytes, then 1 for the last chunk, 0 for the others. */
void seal_stream_nonce(uint64_t counter, bool last, uint8_t ret[SEAL_NONCE_SIZE]);
