/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The two base64 forms age uses, both RFC 4648 standard alphabet and strictly canonical: unpadded in the
 * header (stanza arguments, bodies, the MAC), padded in the ASCII armor. Decoders reject anything an
 * encoder would not have produced (wrong padding, non-zero trailing bits, other characters), because a
 * second spelling of the same bytes would make the format malleable.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one character of the standard alphabet, or -1. */
int seal_base64_char(char c);

size_t seal_base64_encoded_len(size_t len, bool pad);

/* Writes seal_base64_encoded_len(len, pad) characters to dst, without a terminating NUL. */
void seal_base64_encode(const uint8_t *src, size_t len, bool pad, char *dst);

/* Decodes exactly len characters into dst (room for dst_max bytes). -EINVAL on a non-canonical or
 * malformed encoding, -ENOBUFS when the result does not fit. */
int seal_base64_decode(const char *src, size_t len, bool pad, uint8_t *dst, size_t dst_max, size_t *ret_len);
