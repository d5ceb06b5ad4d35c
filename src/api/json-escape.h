/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The inside of a JSON string made from arbitrary bytes, produced piecewise into a bounded buffer: the same
 * text json-c prints for json_string_from_bytes() of those bytes (invalid UTF-8 becomes U+FFFD, control
 * characters \b \f \n \r \t or \u00XX, '"' and '\\' escaped, '/' not), so that an answer can be streamed
 * from the bytes it quotes instead of being built whole.
 */

#include <stdbool.h>
#include <stddef.h>

/* The most one input byte can become (a control character as \u00XX). */
#define JSON_ESCAPE_MAX_PER_BYTE 6

/*
 * Escapes a prefix of in[0..in_len) into out[0..out_max) and returns the bytes written; *ret_consumed says
 * how much input that took. It stops early when out is full, or (unless `final`) before a UTF-8 sequence
 * that in cuts short, which the next call must be given again with what follows. Pure.
 */
size_t json_escape_chunk(const char *in, size_t in_len, bool final, char *out, size_t out_max,
                         size_t *ret_consumed);
