/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "seal-base64.h"
#include "seal-x25519.h"

#define STANZA_TYPE "X25519"
#define WRAP_INFO "age-encryption.org/v1/X25519"
#define SHARE_BASE64_LEN 43u

static const uint8_t zero_nonce[SEAL_NONCE_SIZE] = {};

static void wrap_key(uint8_t ret[SEAL_KEY_SIZE], const uint8_t shared[SEAL_KEY_SIZE],
                     const uint8_t share[SEAL_KEY_SIZE], const uint8_t recipient[SEAL_KEY_SIZE]) {
        uint8_t salt[2 * SEAL_KEY_SIZE];

        memcpy(salt, share, SEAL_KEY_SIZE);
        memcpy(salt + SEAL_KEY_SIZE, recipient, SEAL_KEY_SIZE);
        seal_hkdf_sha256(ret, shared, SEAL_KEY_SIZE, salt, sizeof(salt), WRAP_INFO);
}

int seal_x25519_wrap(const uint8_t recipient[SEAL_KEY_SIZE], const uint8_t file_key[SEAL_FILE_KEY_SIZE], char *dst,
                     size_t dst_max) {
        uint8_t ephemeral[SEAL_KEY_SIZE], share[SEAL_KEY_SIZE], shared[SEAL_KEY_SIZE], key[SEAL_KEY_SIZE];
        uint8_t body[SEAL_FILE_KEY_SIZE + SEAL_TAG_SIZE];
        char share_text[SHARE_BASE64_LEN + 1];
        const char *args[2] = { STANZA_TYPE, share_text };
        int r;

        r = seal_random(ephemeral, sizeof(ephemeral));
        if (r < 0)
                return r;
        seal_x25519_base(share, ephemeral);
        r = seal_x25519(shared, ephemeral, recipient);
        explicit_bzero(ephemeral, sizeof(ephemeral));
        if (r < 0)
                return r;       /* a low-order "recipient" point */
        wrap_key(key, shared, share, recipient);
        explicit_bzero(shared, sizeof(shared));
        seal_aead_encrypt(key, zero_nonce, file_key, SEAL_FILE_KEY_SIZE, body);
        explicit_bzero(key, sizeof(key));

        seal_base64_encode(share, sizeof(share), false, share_text);
        share_text[SHARE_BASE64_LEN] = '\0';
        return seal_stanza_format(dst, dst_max, args, 2, body, sizeof(body));
}

int seal_x25519_unwrap(const SealIdentity *id, const SealStanza *s, uint8_t ret_file_key[SEAL_FILE_KEY_SIZE]) {
        uint8_t share[SEAL_KEY_SIZE], shared[SEAL_KEY_SIZE], key[SEAL_KEY_SIZE];
        uint8_t body[SEAL_STANZA_BODY_MAX], file_key[SEAL_FILE_KEY_SIZE];
        size_t n;
        int r;

        assert(id);
        assert(s);

        if (!seal_stanza_arg_is(s, 0, STANZA_TYPE))
                return -ENOKEY;
        if (s->n_args != 2 || s->arg_len[1] != SHARE_BASE64_LEN)
                return -EBADMSG;
        r = seal_base64_decode(s->args[1], s->arg_len[1], false, share, sizeof(share), &n);
        if (r < 0 || n != SEAL_KEY_SIZE)
                return -EBADMSG;
        r = seal_stanza_body(s, body, sizeof(body), &n);
        /* Checked before any decryption, against partitioning oracles. */
        if (r < 0 || n != SEAL_FILE_KEY_SIZE + SEAL_TAG_SIZE)
                return -EBADMSG;

        r = seal_x25519(shared, id->secret, share);
        if (r < 0)
                return -EBADMSG;
        wrap_key(key, shared, share, id->public);
        explicit_bzero(shared, sizeof(shared));
        r = seal_aead_decrypt(key, zero_nonce, body, SEAL_FILE_KEY_SIZE, file_key);
        explicit_bzero(key, sizeof(key));
        if (r < 0)
                return -ENOKEY;
        memcpy(ret_file_key, file_key, SEAL_FILE_KEY_SIZE);
        explicit_bzero(file_key, sizeof(file_key));
        return 0;
}
