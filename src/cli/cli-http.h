/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Bodies kept in memory; downloads go to a file descriptor instead. */
#define HTTP_BODY_MAX ((size_t) 256 << 20)
#define HTTP_HEADER_VALUE_MAX 256

typedef struct HttpResponse {
        long status;
        char *body;                     /* NUL-terminated for convenience; may hold NULs */
        size_t size;
        char *content_type;             /* the response headers the CLI acts on, NULL when absent */
        char *retry_after;
        char *budget_remaining;
} HttpResponse;

HttpResponse *http_response_free(HttpResponse *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpResponse*, http_response_free);

typedef struct HttpClient HttpClient;

/*
 * A connection to one server, reused across requests. TLS is verified against the system's CAs;
 * with `pin` ("sha256//BASE64", several joined by ';') the certificate chain is not checked but the
 * server's public key must match; `insecure` checks nothing. Returns 0, -EINVAL for a URL that is
 * not http(s)://, -ENOMEM.
 */
int http_client_new(HttpClient **ret, const char *server, const char *pin, bool insecure);
HttpClient *http_client_free(HttpClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpClient*, http_client_free);

const char *http_client_server(const HttpClient *c);

/* libcurl's explanation of the last transport failure, "" if there was none. */
const char *http_client_error(const HttpClient *c);

/*
 * Each request returns 0 once any HTTP answer arrived (the status may be 4xx/5xx), or for transport
 * failures: -ECONNREFUSED (cannot connect), -EHOSTUNREACH (cannot resolve), -ETIMEDOUT,
 * -EKEYREJECTED (public key does not match the pin), -ENOKEY (certificate not trusted), -EPROTO
 * (TLS handshake), -ECONNRESET (connection dropped), -EFBIG (body over HTTP_BODY_MAX), -EIO.
 */
int http_get(HttpClient *c, const char *path, HttpResponse **ret);
int http_post_json(HttpClient *c, const char *path, const char *json, HttpResponse **ret);
/* The same, asking for server-sent events: a 2xx text/event-stream body goes to chunk as it arrives
 * (a negative return stops the transfer and is returned); any other body is kept as usual. */
typedef int (*http_chunk_t)(const char *data, size_t n, void *userdata);
int http_post_json_events(HttpClient *c, const char *path, const char *json, http_chunk_t chunk, void *userdata,
                          HttpResponse **ret);

/* GET path asking for server-sent events, as http_post_json_events() does; with last_event_id, sent as
 * Last-Event-ID so that the server resumes after it. */
int http_get_events(HttpClient *c, const char *path, const char *last_event_id, http_chunk_t chunk,
                    void *userdata, HttpResponse **ret);

/* A multipart/form-data upload of one archive part and a "manifest" part holding JSON. */
int http_post_archive(HttpClient *c, const char *path, const void *archive, size_t size,
                      const char *archive_filename, const char *manifest_json, HttpResponse **ret);

/* Like http_get(), but a 2xx body is written to fd (without limit) rather than kept in memory. */
int http_get_to_fd(HttpClient *c, const char *path, int fd, HttpResponse **ret);
