/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Strict UTF-8 decoding: no overlong forms, no surrogates, nothing above U+10FFFF. */

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at the start of s (len > 0). Returns its length in bytes (1-4) and stores the
 * code point in *ret_cp, or returns 0 if s does not start with a valid sequence. */
size_t utf8_decode(const char *s, size_t len, uint32_t *ret_cp);
