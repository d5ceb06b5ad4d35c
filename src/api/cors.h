/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Cross-origin requests: which pages on other origins may call the API. sandrun has no cookies or other
 * credentials, so by default any origin may; an operator can narrow that to a list. Pure functions of
 * their inputs, for the API layer to apply.
 */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* The longest origin we accept, in a request header or on the command line. */
#define CORS_ORIGIN_MAX 256U
#define CORS_ORIGINS_MAX 64U

typedef struct CorsPolicy {
        char **origins;                 /* normalised "scheme://host[:port]"; NULL: any origin */
        size_t n_origins;
} CorsPolicy;

typedef enum CorsVerdict {
        CORS_NO_ORIGIN,                 /* not a browser's cross-origin call (curl, a same-origin GET) */
        CORS_SAME_ORIGIN,               /* the page sandrun serves itself */
        CORS_ALLOWED,
        CORS_REFUSED,
} CorsVerdict;

/* What a preflight allows, and which answer headers a page may read. */
#define CORS_ALLOW_METHODS "GET, HEAD, POST, OPTIONS"
#define CORS_ALLOW_HEADERS "Content-Type, Accept, Last-Event-ID"
#define CORS_EXPOSE_HEADERS                                                                             \
        "Retry-After, X-Sandrun-Budget-Remaining, X-Sandrun-Job-Id, X-Sandrun-Status, X-Sandrun-Exit-Code, " \
        "X-Sandrun-Reason, X-Sandrun-Signal, X-Sandrun-CPU-Seconds, X-Sandrun-Memory-MB, "             \
        "X-Sandrun-Wall-Seconds, X-Sandrun-Receipt"
#define CORS_MAX_AGE "600"

/*
 * Checks and normalises an origin ("https://Example.org:8443" -> "https://example.org:8443"): scheme
 * http or https, a host of letters, digits, '-', '.', or a bracketed IPv6 address, an optional port
 * 1-65535, nothing else (no path, user or trailing slash). Returns 0 and a new string, or -EINVAL.
 */
int cors_origin_normalize(const char *s, size_t len, char **ret);

/* Adds an origin to the allow-list (from --cors-origin); "*" makes it allow any origin again. */
int cors_policy_add(CorsPolicy *p, const char *origin);
void cors_policy_done(CorsPolicy *p);

/*
 * The verdict on a request's Origin header (NULL: none), given its Host header and whether it came over
 * TLS. The page's own origin is always allowed: browsers send Origin with its POSTs too.
 */
CorsVerdict cors_check(const CorsPolicy *p, const char *origin, const char *host, bool tls);

/* The Access-Control-Allow-Origin value for an allowed origin: "*" for any, else the origin itself. */
const char *cors_allow_origin_value(const CorsPolicy *p, const char *origin);
