/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A fake of http-server.h's request interface for unit tests of request handlers: link
 * fake-http-request.c into the test instead of the server. A request is made from a method, a path, a
 * query, headers and a body; fake_http_request_dispatch() passes it through the hooks as the server
 * would (headers hook, body stream or whole body, handler) and the test reads the one reply.
 */

#include "http-server.h"

typedef struct FakeHttpHooks {
        http_handler_t headers_hook, handler;
        http_decorate_t decorate;
        void *userdata;
} FakeHttpHooks;

/* `query` and `headers` are NULL-terminated name, value lists (or NULL). The peer is 192.0.2.1. */
int fake_http_request_new(HttpRequest **ret, const char *method, const char *path, const char *const *query,
                          const char *const *headers, const void *body, size_t body_len);
/* Ends the request as the server does when it is answered or abandoned: runs its data's free function. */
HttpRequest *fake_http_request_free(HttpRequest *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpRequest *, fake_http_request_free);

void fake_http_request_dispatch(HttpRequest *r, const FakeHttpHooks *hooks);

bool fake_http_request_suspended(const HttpRequest *r);
/* 0 until answered. */
unsigned fake_http_reply_status(const HttpRequest *r);
const char *fake_http_reply_body(const HttpRequest *r, size_t *ret_len);
/* A header of the reply (decorations included), or NULL. */
const char *fake_http_reply_header(const HttpRequest *r, const char *name);
