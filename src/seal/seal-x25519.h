/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The X25519 recipient stanza: "-> X25519 <ephemeral share>" and the file key sealed with
 * ChaCha20-Poly1305 under HKDF(X25519(ephemeral, recipient), share || recipient,
 * "age-encryption.org/v1/X25519").
 */

#include <stddef.h>
#include <stdint.h>

#include "seal-crypto.h"
#include "seal-header.h"
#include "seal-key.h"

/* Longest stanza text seal_x25519_wrap() writes. */
#define SEAL_X25519_STANZA_MAX 128u

/* Writes the stanza for one recipient to dst and returns its length. */
int seal_x25519_wrap(const uint8_t recipient[SEAL_KEY_SIZE], const uint8_t file_key[SEAL_FILE_KEY_SIZE], char *dst,
                     size_t dst_max);

/* -ENOKEY when the stanza is not an X25519 one or not for this identity (the caller tries the next),
 * -EBADMSG when it is an X25519 stanza that is malformed (the whole file is to be rejected). */
int seal_x25519_unwrap(const SealIdentity *id, const SealStanza *s, uint8_t ret_file_key[SEAL_FILE_KEY_SIZE]);
