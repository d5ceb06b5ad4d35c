/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What the API's handler files share: who a request is billed to, and the common refusals. */

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "api-internal.h"
#include "json-stream.h"

/* Who the request is billed to. Requests from outside IP (e.g. a Unix socket) count as one client. */
void request_client(Api *a, HttpRequest *req, ClientKey *ret) {
        socklen_t len = 0;
        const struct sockaddr *peer = http_request_peer(req, &len);
        _cleanup_free_ char *xff = NULL;

        if (a->config.trusted_proxies.n_entries > 0)
                xff = http_request_header_join(req, "X-Forwarded-For");
        if (!peer || client_key_from_request(peer, len, xff, xff ? strlen(xff) : 0, &a->config.trusted_proxies,
                                             ret) < 0)
                *ret = (ClientKey) { .family = AF_UNSPEC };
}

void reply_refusal(Api *a, HttpRequest *req, const FairRefusal *f) {
        char retry[32];

        if (a->config.metrics)
                metrics_refused(a->config.metrics, f->http_status);
        snprintf(retry, sizeof(retry), "%" PRIu64, f->retry_after_sec);
        (void) http_request_reply_error(req, f->http_status, (const char *const[]) { "Retry-After", retry, NULL },
                                        "%s; retry in %" PRIu64 " s", f->reason, f->retry_after_sec);
}

void reply_method_not_allowed(HttpRequest *req, const char *allow) {
        (void) http_request_reply_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, (const char *const[]) { "Allow", allow, NULL },
                                        "method %s not allowed here; use %s", http_request_method(req), allow);
}

bool request_wants_events(HttpRequest *req) {
        const char *accept = http_request_header(req, "Accept"), *q = http_request_query(req, "stream");
        return (q && streq(q, "1")) || (accept && strstr(accept, "text/event-stream"));
}

static ssize_t json_stream_reader(void *userdata, char *buf, size_t max) {
        return json_stream_read(userdata, buf, max);
}

static void json_stream_reader_free(void *userdata) {
        json_stream_free(userdata);
}

int reply_json_stream(HttpRequest *req, unsigned status, JsonStream *stream, json_object *o) {
        int r = o ? json_stream_finish(stream, o) : -ENOMEM;

        if (r < 0) {
                json_stream_free(stream);
                return http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        }
        return http_request_reply_reader(req, status, "application/json", NULL, HTTP_SIZE_UNKNOWN,
                                         json_stream_reader, stream, json_stream_reader_free);
}
