/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * RFC 9112's rules for where a request's body ends, checked on its parsed head. A request whose framing
 * two parsers could read differently (a proxy in front and us) is refused and its connection closed, so
 * that nobody can smuggle a second request inside the first one's body.
 */

#include <stddef.h>

typedef struct HttpField {
        const char *name, *value;
} HttpField;

/* At most this many fields are looked at; a head with more is refused. */
#define HTTP_FRAMING_FIELDS_MAX 256U

/*
 * NULL when the framing is unambiguous, else a static sentence saying why not: several Content-Length
 * fields or one that is not a plain number, several Transfer-Encoding fields, one that is not exactly
 * "chunked", one in an HTTP/1.0 request, or both Content-Length and Transfer-Encoding.
 */
const char *http_framing_check(const char *version, const HttpField *fields, size_t n_fields);
