/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * age's X25519 keys in their text form: a recipient "age1..." (Bech32, lower case, 62 characters) and an
 * identity "AGE-SECRET-KEY-1..." (upper case, 74 characters). Parsers are pure functions of (buf, len).
 */

#include <stddef.h>
#include <stdint.h>

#include "seal-crypto.h"

#define SEAL_RECIPIENT_LEN 62u
#define SEAL_IDENTITY_LEN 74u

typedef struct SealIdentity {
        uint8_t secret[SEAL_KEY_SIZE];
        uint8_t public[SEAL_KEY_SIZE];
} SealIdentity;

/* -EINVAL for anything but an X25519 recipient in lower case. */
int seal_recipient_parse(const char *s, size_t len, uint8_t ret_public[SEAL_KEY_SIZE]);
void seal_recipient_format(const uint8_t public[SEAL_KEY_SIZE], char ret[SEAL_RECIPIENT_LEN + 1]);

/* Accepts the identity alone; seal_identity_file_parse() also takes age-keygen's file (comment lines
 * starting with '#', blank lines, exactly one key). */
int seal_identity_parse(const char *s, size_t len, SealIdentity *ret);
int seal_identity_file_parse(const char *s, size_t len, SealIdentity *ret);
void seal_identity_format(const SealIdentity *id, char ret[SEAL_IDENTITY_LEN + 1]);

int seal_identity_generate(SealIdentity *ret);

/* explicit_bzero; for _cleanup_. */
void seal_identity_erase(SealIdentity *id);
