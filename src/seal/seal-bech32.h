/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Bech32 (BIP 173, the original checksum constant, not Bech32m) as age encodes its keys: recipients in
 * lower case with HRP "age", identities in upper case with HRP "AGE-SECRET-KEY-". Strings are at most
 * SEAL_BECH32_MAX characters (age lifts BIP 173's 90, we only need room for X25519 keys).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_BECH32_MAX 128u
#define SEAL_BECH32_HRP_MAX 32u

/* Encodes data under hrp into dst (dst_size bytes, NUL included), in upper case when upper is set.
 * -ENOBUFS when it does not fit or is longer than SEAL_BECH32_MAX, -EINVAL on a bad hrp. */
int seal_bech32_encode(const char *hrp, const uint8_t *data, size_t len, bool upper, char *dst, size_t dst_size);

/* Decodes exactly len characters: writes the hrp, lower-cased, to ret_hrp (SEAL_BECH32_HRP_MAX + 1 bytes)
 * and the data to dst. -EINVAL on mixed case, a bad character, a bad checksum, non-zero padding, or
 * anything longer than the limits. */
int seal_bech32_decode(const char *s, size_t len, char *ret_hrp, uint8_t *dst, size_t dst_max, size_t *ret_len);
