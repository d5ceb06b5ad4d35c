/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fake-http-request.h"
#include "strv.h"
#include "tests.h"

struct HttpRequest {
        char *method, *path;
        char **query, **headers;
        struct sockaddr_in peer;
        char *body;
        size_t body_len;
        void *data;
        void (*free_data)(void *data);
        http_stream_t stream;
        void *stream_userdata;
        uint64_t stream_max;
        bool suspended;
        const FakeHttpHooks *hooks;

        unsigned status;
        char *reply_body;
        size_t reply_len;
        char **reply_headers;
        bool streaming, stream_ended;
        size_t stream_buffered_max;
};

int fake_http_request_new(HttpRequest **ret, const char *method, const char *path, const char *const *query,
                          const char *const *headers, const void *body, size_t body_len) {
        HttpRequest *r = calloc(1, sizeof(HttpRequest));

        ASSERT_TRUE(r);
        r->method = strdup(method);
        r->path = strdup(path);
        r->query = strv_copy((char *const *) (query ?: (const char *const[]) { NULL }));
        r->headers = strv_copy((char *const *) (headers ?: (const char *const[]) { NULL }));
        r->reply_headers = strv_new(NULL);
        r->body = malloc(body_len + 1);
        ASSERT_TRUE(r->method && r->path && r->query && r->headers && r->reply_headers && r->body);
        memcpy(r->body, body ?: "", body_len);
        r->body[body_len] = 0;
        r->body_len = body_len;
        r->peer = (struct sockaddr_in) { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0xc0000201) };
        *ret = r;
        return 0;
}

HttpRequest *fake_http_request_free(HttpRequest *r) {
        if (!r)
                return NULL;
        if (r->free_data)
                r->free_data(r->data);
        free(r->method);
        free(r->path);
        strv_free(r->query);
        strv_free(r->headers);
        strv_free(r->reply_headers);
        free(r->body);
        free(r->reply_body);
        free(r);
        return NULL;
}

void fake_http_request_dispatch(HttpRequest *r, const FakeHttpHooks *hooks) {
        r->hooks = hooks;
        if (hooks->headers_hook)
                hooks->headers_hook(r, hooks->userdata);
        if (r->status)
                return;
        if (r->stream) {
                if (r->body_len > r->stream_max) {
                        (void) http_request_reply_error(r, 413, NULL, "too large");
                        return;
                }
                /* In two pieces, as a network would deliver it. */
                size_t half = r->body_len / 2;
                if (r->stream(r, r->body, half, r->stream_userdata) < 0 ||
                    r->stream(r, r->body + half, r->body_len - half, r->stream_userdata) < 0) {
                        if (!r->status)
                                (void) http_request_reply_error(r, 400, NULL, "bad request body");
                        return;
                }
        }
        hooks->handler(r, hooks->userdata);
}

bool fake_http_request_suspended(const HttpRequest *r) {
        return r->suspended;
}

unsigned fake_http_reply_status(const HttpRequest *r) {
        return r->status;
}

const char *fake_http_reply_body(const HttpRequest *r, size_t *ret_len) {
        if (ret_len)
                *ret_len = r->reply_len;
        return r->reply_body;
}

static const char *lookup(char **list, const char *name) {
        for (char **p = list; p && p[0] && p[1]; p += 2)
                if (strcasecmp(p[0], name) == 0)
                        return p[1];
        return NULL;
}

const char *fake_http_reply_header(const HttpRequest *r, const char *name) {
        return lookup(r->reply_headers, name);
}

const char *http_request_method(const HttpRequest *r) {
        return r->method;
}

const char *http_request_path(const HttpRequest *r) {
        return r->path;
}

const char *http_request_query(const HttpRequest *r, const char *name) {
        return lookup(r->query, name);
}

const char *http_request_header(const HttpRequest *r, const char *name) {
        return lookup(r->headers, name);
}

char *http_request_header_join(const HttpRequest *r, const char *name) {
        const char *v = lookup(r->headers, name);
        return v ? strdup(v) : NULL;
}

const struct sockaddr *http_request_peer(const HttpRequest *r, socklen_t *ret_len) {
        if (ret_len)
                *ret_len = sizeof(r->peer);
        return (const struct sockaddr *) &r->peer;
}

const char *http_request_body(const HttpRequest *r, size_t *ret_len) {
        *ret_len = r->body_len;
        return r->body;
}

void http_request_set_data(HttpRequest *r, void *data, void (*free_func)(void *data)) {
        r->data = data;
        r->free_data = free_func;
}

void *http_request_get_data(const HttpRequest *r) {
        return r->data;
}

void http_request_stream_body(HttpRequest *r, http_stream_t stream, void *userdata, uint64_t max) {
        r->stream = stream;
        r->stream_userdata = userdata;
        r->stream_max = max;
}

int http_request_suspend(HttpRequest *r) {
        if (r->status || r->suspended)
                return -EALREADY;
        r->suspended = true;
        return 0;
}

void http_response_add_header(void *response, const char *name, const char *value) {
        HttpRequest *r = response;
        ASSERT_OK(strv_extend(&r->reply_headers, name));
        ASSERT_OK(strv_extend(&r->reply_headers, value));
}

int http_request_reply(HttpRequest *r, unsigned status, const char *content_type, const void *body, size_t len,
                       const char *const *headers) {
        /* Each request gets exactly one reply. */
        ASSERT_EQ(r->status, 0);
        ASSERT_TRUE(status >= 100 && status <= 599);
        r->status = status;
        r->suspended = false;
        r->reply_body = malloc(len + 1);
        ASSERT_TRUE(r->reply_body);
        memcpy(r->reply_body, body, len);
        r->reply_body[len] = 0;
        r->reply_len = len;
        if (content_type)
                http_response_add_header(r, "Content-Type", content_type);
        for (const char *const *h = headers; h && h[0] && h[1]; h += 2)
                http_response_add_header(r, h[0], h[1]);
        if (r->hooks && r->hooks->decorate)
                r->hooks->decorate(r, r, r->hooks->userdata);
        return 0;
}

/* A body made as it is read: read at once, in small pieces so that readers are tried at their edges. */
int http_request_reply_reader(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              uint64_t size, http_read_t read, void *userdata, void (*free_userdata)(void *userdata)) {
        char *body = NULL, piece[7];
        size_t len = 0;
        ssize_t n;

        while ((n = read(userdata, piece, sizeof(piece))) > 0) {
                ASSERT_TRUE((size_t) n <= sizeof(piece));
                body = realloc(body, len + n);
                ASSERT_TRUE(body);
                memcpy(body + len, piece, n);
                len += n;
        }
        ASSERT_EQ(n, 0);
        ASSERT_TRUE(size == HTTP_SIZE_UNKNOWN || size == len);
        if (free_userdata)
                free_userdata(userdata);
        int k = http_request_reply(r, status, content_type, body ?: "", len, headers);
        free(body);
        return k;
}

/* A streamed answer: its events pile up in the reply body, as a client that reads at once would see them. */
int http_request_reply_stream(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              size_t max_buffered) {
        int k = http_request_reply(r, status, content_type, "", 0, headers);
        r->streaming = true;
        r->stream_buffered_max = max_buffered;
        return k;
}

int http_request_stream_write(HttpRequest *r, const void *data, size_t len) {
        if (!r->streaming || r->stream_ended)
                return -EPIPE;
        char *b = realloc(r->reply_body, r->reply_len + len + 1);
        ASSERT_TRUE(b);
        memcpy(b + r->reply_len, data, len);
        r->reply_body = b;
        r->reply_len += len;
        r->reply_body[r->reply_len] = 0;
        return 0;
}

size_t http_request_stream_buffered(const HttpRequest *r) {
        return 0;
}

int http_request_stream_end(HttpRequest *r, const void *data, size_t len) {
        int k = http_request_stream_write(r, data, len);
        r->stream_ended = true;
        return k;
}

/* The tail is read at once, in small pieces. */
int http_request_stream_end_reader(HttpRequest *r, const void *data, size_t len, http_read_t read, void *userdata,
                                   void (*free_userdata)(void *userdata)) {
        char piece[5];
        ssize_t n;
        int k = http_request_stream_write(r, data, len);

        while (k >= 0 && (n = read(userdata, piece, sizeof(piece))) > 0)
                k = http_request_stream_write(r, piece, (size_t) n);
        if (free_userdata)
                free_userdata(userdata);
        r->stream_ended = true;
        return k;
}

int http_request_reply_json(HttpRequest *r, unsigned status, struct json_object *o, const char *const *headers) {
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
        return http_request_reply(r, status, "application/json", s, len, headers);
}

int http_request_reply_error(HttpRequest *r, unsigned status, const char *const *headers, const char *format, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(msg));
        int k = http_request_reply_json(r, status, o, headers);
        json_object_put(o);
        return k;
}
