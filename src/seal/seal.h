/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * age (age-encryption.org/v1) messages to X25519 recipients, binary or ASCII-armored, and their
 * decryption with an X25519 identity. What comes out opens with `age -d -i key.txt`; what `age -e -r`
 * writes opens here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seal-crypto.h"
#include "seal-key.h"

/* How many recipients one message may be sealed to (each costs a stanza and an X25519). */
#define SEAL_RECIPIENTS_MAX 16u

/* Seals len bytes to n recipients (public keys) into a new buffer; armored text (not NUL-terminated)
 * when armor is set. */
int seal_encrypt(const uint8_t (*recipients)[SEAL_KEY_SIZE], size_t n, const void *plain, size_t len, bool armor,
                 uint8_t **ret, size_t *ret_len);

/* Opens a binary or armored message. -ENOKEY when no stanza is for this identity, -EBADMSG when the
 * message is malformed or was tampered with, -EPROTONOSUPPORT for another age version. The result is
 * plaintext: the caller wipes it (wipe_free) when done. */
int seal_decrypt(const SealIdentity *id, const void *in, size_t len, uint8_t **ret, size_t *ret_len);
