/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/curve25519.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "seal-crypto.h"

int seal_random(void *buf, size_t len) {
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = getrandom(p, len, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

void seal_x25519_base(uint8_t ret_point[SEAL_KEY_SIZE], const uint8_t scalar[SEAL_KEY_SIZE]) {
        /* nettle clamps the scalar as RFC 7748 says. */
        curve25519_mul_g(ret_point, scalar);
}

int seal_x25519(uint8_t ret_shared[SEAL_KEY_SIZE], const uint8_t scalar[SEAL_KEY_SIZE],
                const uint8_t point[SEAL_KEY_SIZE]) {
        static const uint8_t zero[SEAL_KEY_SIZE] = {};

        curve25519_mul(ret_shared, scalar, point);
        if (memeql_sec(ret_shared, zero, SEAL_KEY_SIZE)) {
                explicit_bzero(ret_shared, SEAL_KEY_SIZE);
                return -EINVAL;
        }
        return 0;
}

void seal_hkdf_sha256(uint8_t ret_key[SEAL_KEY_SIZE], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                      size_t salt_len, const char *info) {
        struct hmac_sha256_ctx ctx;
        uint8_t prk[SHA256_DIGEST_SIZE];

        /* An empty salt is HMAC's all-zero key, which RFC 5869 says it stands for. */
        hmac_sha256_set_key(&ctx, salt_len, salt);
        hkdf_extract(&ctx, (nettle_hash_update_func *) hmac_sha256_update,
                     (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, ikm_len, ikm, prk);
        hmac_sha256_set_key(&ctx, sizeof(prk), prk);
        hkdf_expand(&ctx, (nettle_hash_update_func *) hmac_sha256_update,
                    (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, strlen(info),
                    (const uint8_t *) info, SEAL_KEY_SIZE, ret_key);
        explicit_bzero(prk, sizeof(prk));
        explicit_bzero(&ctx, sizeof(ctx));
}

void seal_hmac_sha256(uint8_t ret_mac[SEAL_MAC_SIZE], const uint8_t key[SEAL_KEY_SIZE], const void *data,
                      size_t len) {
        struct hmac_sha256_ctx ctx;

        hmac_sha256_set_key(&ctx, SEAL_KEY_SIZE, key);
        hmac_sha256_update(&ctx, len, data);
        hmac_sha256_digest(&ctx, SEAL_MAC_SIZE, ret_mac);
        explicit_bzero(&ctx, sizeof(ctx));
}

int seal_mem_equal(const void *a, const void *b, size_t len) {
        return memeql_sec(a, b, len);
}

void seal_aead_encrypt(const uint8_t key[SEAL_KEY_SIZE], const uint8_t nonce[SEAL_NONCE_SIZE], const uint8_t *in,
                       size_t len, uint8_t *out) {
        struct chacha_poly1305_ctx ctx;

        chacha_poly1305_set_key(&ctx, key);
        chacha_poly1305_set_nonce(&ctx, nonce);
        chacha_poly1305_encrypt(&ctx, len, out, in);
        chacha_poly1305_digest(&ctx, SEAL_TAG_SIZE, out + len);
        explicit_bzero(&ctx, sizeof(ctx));
}

int seal_aead_decrypt(const uint8_t key[SEAL_KEY_SIZE], const uint8_t nonce[SEAL_NONCE_SIZE], const uint8_t *in,
                      size_t len, uint8_t *out) {
        struct chacha_poly1305_ctx ctx;
        uint8_t tag[SEAL_TAG_SIZE];
        int ok;

        chacha_poly1305_set_key(&ctx, key);
        chacha_poly1305_set_nonce(&ctx, nonce);
        chacha_poly1305_decrypt(&ctx, len, out, in);
        chacha_poly1305_digest(&ctx, SEAL_TAG_SIZE, tag);
        ok = memeql_sec(tag, in + len, SEAL_TAG_SIZE);
        explicit_bzero(&ctx, sizeof(ctx));
        if (!ok) {
                explicit_bzero(out, len);
                return -EBADMSG;
        }
        return 0;
}

void seal_stream_nonce(uint64_t counter, bool last, uint8_t ret[SEAL_NONCE_SIZE]) {
        memset(ret, 0, SEAL_NONCE_SIZE);
        for (unsigned i = 0; i < 8; i++)
                ret[10 - i] = (uint8_t) (counter >> (8 * i));
        ret[11] = last;
}
