/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HTTP(S) on libmicrohttpd, driven from sd-event through MHD's epoll fd, in the way
 * systemd-journal-remote does it. The server collects a request (headers and a size-capped body) and
 * hands it to one handler; the handler answers at once or suspends the request and answers later, e.g.
 * when a job is done. Every response carries the security headers.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "client-key.h"
#include "macro.h"

struct json_object;

typedef struct HttpServer HttpServer;
typedef struct HttpRequest HttpRequest;

typedef void (*http_handler_t)(HttpRequest *req, void *userdata);
/* Adds headers every response to this request should carry (e.g. a client's remaining budget). */
typedef void (*http_decorate_t)(HttpRequest *req, void *response, void *userdata);

typedef struct HttpServerConfig {
        int listen_fd;                  /* taken */
        const char *cert_pem;           /* NULL with key_pem NULL: plain HTTP */
        const char *key_pem;
        size_t max_body;
        unsigned connection_timeout_sec;
        unsigned max_connections;
        /* Connections open per client key of the peer (an IPv4 address, an IPv6 /64). */
        unsigned max_connections_per_ip;
        /* Trusted proxies carry many clients: each has max_connections_per_proxy instead (the server's
         * userdata is passed). NULL: none. */
        bool (*proxy_peer)(const struct sockaddr *sa, socklen_t len, void *userdata);
        unsigned max_connections_per_proxy;
        /* Requests in flight per client key, as request_client_key finds it once the headers are in (after
         * X-Forwarded-For from a trusted proxy); past it a request gets 429. NULL or 0: no limit. A key of
         * AF_UNSPEC (a peer outside IP) is not counted. */
        int (*request_client_key)(HttpRequest *req, ClientKey *ret, void *userdata);
        unsigned max_requests_per_client;
        /* A client with an answer waiting must take at least min_read_rate bytes a second once
         * read_grace_usec has passed since the answer began, or it is dropped. 0: no such rule. */
        uint64_t min_read_rate;
        uint64_t read_grace_usec;
} HttpServerConfig;

int http_server_new(HttpServer **ret, sd_event *event, const HttpServerConfig *config, http_handler_t handler,
                    http_decorate_t decorate, void *userdata);
HttpServer *http_server_free(HttpServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpServer *, http_server_free);
/*
 * Called once a request's headers are in, before any of its body: the hook may answer at once (e.g. an
 * error), take the body as a stream with http_request_stream_body(), or do nothing (the body is then
 * collected up to the server's max_body and the handler gets it whole).
 */
void http_server_set_headers_hook(HttpServer *s, http_handler_t hook);
/* Stops accepting new connections; those open are served to the end. */
void http_server_quiesce(HttpServer *s);
unsigned http_server_n_requests(const HttpServer *s);

const char *http_request_method(const HttpRequest *r);
const char *http_request_path(const HttpRequest *r);
const char *http_request_query(const HttpRequest *r, const char *name);
const char *http_request_header(const HttpRequest *r, const char *name);
/* All headers of that name joined with ", " as RFC 9110 allows (NULL if none); the caller frees it. */
char *http_request_header_join(const HttpRequest *r, const char *name);
const struct sockaddr *http_request_peer(const HttpRequest *r, socklen_t *ret_len);
const char *http_request_body(const HttpRequest *r, size_t *ret_len);

/* Application state hung on the request; `free_func` runs when the request ends, answered or abandoned. */
void http_request_set_data(HttpRequest *r, void *data, void (*free_func)(void *data));
void *http_request_get_data(const HttpRequest *r);

/* Body chunks as they arrive; a negative return answers 400 unless the stream has replied itself. Past
 * max bytes the server answers 413. The handler runs as usual once the body is complete. */
typedef int (*http_stream_t)(HttpRequest *r, const void *data, size_t len, void *userdata);
void http_request_stream_body(HttpRequest *r, http_stream_t stream, void *userdata, uint64_t max);

/* Answer later: the request stays open, no timeout applies, until one of the reply calls below. */
int http_request_suspend(HttpRequest *r);

/* Each request gets exactly one reply. `headers` is a NULL-terminated list of name, value pairs. */
int http_request_reply(HttpRequest *r, unsigned status, const char *content_type, const void *body, size_t len,
                       const char *const *headers);
int http_request_reply_json(HttpRequest *r, unsigned status, struct json_object *o, const char *const *headers);
/* A body of `size` bytes (HTTP_SIZE_UNKNOWN: sent chunked) that `read` produces as the client takes it, a block at a time: it returns how many
 * bytes it put into buf, 0 at the end, or -errno, which cuts the answer short. userdata is freed by
 * free_userdata once the server is done with it, which may be after the request ended; also on failure. */
typedef ssize_t (*http_read_t)(void *userdata, char *buf, size_t max);
#define HTTP_SIZE_UNKNOWN UINT64_MAX
int http_request_reply_reader(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              uint64_t size, http_read_t read, void *userdata, void (*free_userdata)(void *userdata));
int http_request_reply_error(HttpRequest *r, unsigned status, const char *const *headers, const char *format, ...)
        _printf_(4, 5);

/*
 * A streamed answer (server-sent events): the headers now, then the body as it is written, chunked. At
 * most max_buffered bytes wait unsent: a write past that fails with -ENOBUFS and writes nothing, so a
 * client that reads slowly never makes us hold more. While the stream is open the idle timeout is off (the
 * writer bounds its life); a client that leaves is noticed even while nothing is written, and the request is
 * then freed. Writes after that fail with -EPIPE.
 */
int http_request_reply_stream(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              size_t max_buffered);
int http_request_stream_write(HttpRequest *r, const void *data, size_t len);
size_t http_request_stream_buffered(const HttpRequest *r);
/* Writes the last bytes, past max_buffered if need be, and ends the stream. */
int http_request_stream_end(HttpRequest *r, const void *data, size_t len);
/* The same, then what `read` produces as the client takes it (as for http_request_reply_reader()), so that a
 * large last event is never held whole. userdata is freed with the request, also on failure. */
int http_request_stream_end_reader(HttpRequest *r, const void *data, size_t len, http_read_t read, void *userdata,
                                   void (*free_userdata)(void *userdata));

/* For the decorate hook. */
void http_response_add_header(void *response, const char *name, const char *value);
