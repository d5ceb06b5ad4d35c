/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * age's ASCII armor: strict PEM (RFC 7468) with the label "AGE ENCRYPTED FILE", padded base64 in lines of
 * exactly 64 columns but the last. The decoder accepts whitespace before and after the block and CRLF
 * line ends, as the age spec allows, and nothing else a strict encoder would not write.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define SEAL_ARMOR_END "-----END AGE ENCRYPTED FILE-----"
/* The largest armored text the decoder reads. */
#define SEAL_ARMOR_MAX (64u * 1024u * 1024u)

size_t seal_armor_encoded_len(size_t len);

/* Writes seal_armor_encoded_len(len) characters (no NUL) to dst. */
void seal_armor_encode(const uint8_t *src, size_t len, char *dst);

/* True when the text, after leading whitespace, starts with the BEGIN line. */
bool seal_armor_detect(const char *s, size_t len);

/* Decodes into a new buffer; -EBADMSG on anything malformed, -EFBIG above SEAL_ARMOR_MAX. */
int seal_armor_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len);
