/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* An Accept-Encoding value longer than this is not read (the answer is then: no coding). */
#define ACCEPT_ENCODING_MAX 1024

/*
 * Whether an Accept-Encoding header value (RFC 9110 12.5.3: "gzip, deflate;q=0.5, *;q=0") accepts the
 * content coding `coding` (a lower-case token such as "gzip"): named with a q-value above 0, or covered by
 * "*" above 0 while not named. A missing header (NULL), an empty one, a malformed list or one longer than
 * ACCEPT_ENCODING_MAX accept nothing but the identity, so the answer is false.
 */
bool accept_encoding_allows(const char *value, size_t len, const char *coding);
