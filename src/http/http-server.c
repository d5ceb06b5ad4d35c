/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http-server.h"
#include "http-framing.h"
#include "list.h"
#include "log-sink.h"
#include "peer-limit.h"
#include "url-unescape.h"
#include "wipe.h"

struct HttpServer {
        sd_event *event;
        struct MHD_Daemon *daemon;
        sd_event_source *io_source, *timer_source, *resume_source;
        http_handler_t handler;
        http_decorate_t decorate;
        http_handler_t headers_hook;
        void *userdata;
        size_t max_body;
        unsigned connection_timeout_sec;
        PeerLimit *peers, *proxies, *in_flight;
        bool (*proxy_peer)(const struct sockaddr *sa, socklen_t len, void *userdata);
        int (*request_client_key)(HttpRequest *req, ClientKey *ret, void *userdata);
        unsigned n_requests;
        unsigned n_sending;             /* responses queued and not yet fully sent */
        HttpRequest *requests;
        uint64_t min_read_rate, read_grace_usec, last_rate_check;
};

/* A response body handed out through a callback, whatever made it: MHD frees it, possibly after the
 * request, which then only unhooks itself (req = NULL). */
typedef struct ResponseBody {
        HttpRequest *req;
        http_read_t read;
        void *userdata;
        void (*free_userdata)(void *userdata);
} ResponseBody;

struct HttpRequest {
        HttpServer *server;
        HttpRequest *prev, *next;       /* in the server's list of open requests */
        struct MHD_Connection *connection;
        const char *method;
        const char *path;
        char *body;
        size_t body_len;
        bool dispatched, suspended, replied;
        bool receiving;                 /* MHD is handing us the body: answers must wait for its end */
        bool sending;                   /* counted in the server's n_sending */
        uint64_t discarded;
        struct MHD_Response *pending;   /* made while suspended, queued on resume */
        unsigned pending_status;
        void *data;
        void (*free_data)(void *data);
        http_stream_t stream;
        void *stream_userdata;
        uint64_t stream_max, streamed;

        /* A streamed answer (http_request_reply_stream()): bytes written and not yet taken by MHD. */
        bool out_streaming, out_ended, out_waiting, peer_gone;
        char *out;
        size_t out_len, out_off, out_max, out_allocated;
        sd_event_source *peer_source;   /* watches for the client leaving while we wait */
        /* The stream's last words, produced as the client takes them (http_request_stream_end_reader()). */
        http_read_t tail_read;
        void *tail_userdata;
        void (*tail_free)(void *userdata);

        /* How fast the client takes its answer: bytes handed to MHD, and the window we judge it over. */
        ResponseBody *response_body;
        uint64_t sent, window_start, window_sent, sending_since;
        bool body_done, window_void, dropped;

        ClientKey client;               /* counted in the server's in_flight while in_flight is set */
        bool in_flight;
};

/* What MHD asks of a body at a time, and so what it holds of one per connection. */
#define RESPONSE_BLOCK_SIZE (16U * 1024U)

static const char *const security_headers[] = {
        "X-Content-Type-Options", "nosniff",
        "Referrer-Policy", "no-referrer",
        "X-Frame-Options", "DENY",
        "Cross-Origin-Opener-Policy", "same-origin",
        "Cross-Origin-Resource-Policy", "same-origin",
        NULL,
};

/* Pages get a policy that allows only their own files; everything else may load nothing at all. */
static const char page_csp[] =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
static const char api_csp[] = "default-src 'none'; frame-ancestors 'none'";

static void request_free(HttpRequest *r) {
        if (!r)
                return;
        r->peer_source = sd_event_source_disable_unref(r->peer_source);
        if (r->response_body)
                r->response_body->req = NULL;
        if (r->tail_free)
                r->tail_free(r->tail_userdata);
        wipe_free(r->out);
        if (r->free_data)
                r->free_data(r->data);
        if (r->pending)
                MHD_destroy_response(r->pending);
        if (r->server) {
                if (r->in_flight)
                        peer_limit_release_key(r->server->in_flight, &r->client);
                LIST_REMOVE(r->server->requests, r);
                r->server->n_requests--;
                if (r->sending)
                        r->server->n_sending--;
        }
        wipe_free(r->body);
        free(r);
}

static void arm_timer(HttpServer *s) {
        MHD_UNSIGNED_LONG_LONG ms;
        bool have = MHD_get_timeout(s->daemon, &ms) == MHD_YES;
        int r;

        if (!s->timer_source)
                return;
        /*
         * Over TLS, MHD sends one record (16 KiB) per MHD_run() and, in external-epoll mode, neither
         * signals its epoll fd nor asks for a zero timeout while more is waiting to go out, so a large
         * answer would crawl along with unrelated wake-ups. While answers are being sent, run it again
         * within a millisecond: 16 KiB/ms, and a stalled client costs one cheap call per millisecond
         * until the connection timeout closes it.
         */
        if (s->n_sending > 0 && (!have || ms > 1)) {
                ms = 1;
                have = true;
        }
        if (!have) {
                r = sd_event_source_set_enabled(s->timer_source, SD_EVENT_OFF);
                if (r < 0)
                        log_debug_errno(r, "Cannot disarm the HTTP timer, ignoring");
                return;
        }
        r = sd_event_source_set_time_relative(s->timer_source, ms * USEC_PER_MSEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_debug_errno(r, "Cannot arm the HTTP timer, ignoring");
}

static void resume(HttpRequest *r);

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* Closes the connection under MHD: its next send fails and it ends the request as for any client that
 * left, freeing what the answer held. */
static void drop_connection(HttpRequest *r) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->connection,
                                                                       MHD_CONNECTION_INFO_CONNECTION_FD);

        r->dropped = r->peer_gone = true;
        if (ci)
                (void) shutdown(ci->connect_fd, SHUT_RDWR);
        if (r->out_waiting) {
                r->out_waiting = false;
                resume(r);
        }
}

/*
 * A client that has an answer waiting must take it at min_read_rate bytes per second, judged over windows
 * of RATE_WINDOW once read_grace has passed since the answer began; else it is dropped. Time when there was
 * nothing to send (a live stream waiting for output) does not count, nor is the last block judged once the
 * whole body has been handed to MHD (what is left is bounded; the idle timeout deals with it).
 */
#define RATE_WINDOW_USEC (1 * USEC_PER_SEC)
#define RATE_CHECK_USEC (250 * USEC_PER_MSEC)

static void check_read_rates(HttpServer *s, uint64_t now) {
        for (HttpRequest *r = s->requests, *next; r; r = next) {
                next = r->next;
                if (!r->sending || r->body_done || r->dropped)
                        continue;
                if (now - r->sending_since < s->read_grace_usec || r->window_void) {
                        r->window_start = now;
                        r->window_sent = r->sent;
                        r->window_void = false;
                        continue;
                }
                if (now - r->window_start < RATE_WINDOW_USEC)
                        continue;
                if ((r->sent - r->window_sent) * USEC_PER_SEC < s->min_read_rate * (now - r->window_start)) {
                        log_debug("Dropping a client that took %" PRIu64 " bytes in %" PRIu64 " ms",
                                  r->sent - r->window_sent, (now - r->window_start) / USEC_PER_MSEC);
                        drop_connection(r);
                        continue;
                }
                r->window_start = now;
                r->window_sent = r->sent;
        }
}

static void run_mhd(HttpServer *s) {
        if (s->min_read_rate > 0 && s->n_sending > 0) {
                uint64_t now = now_usec();
                if (now - s->last_rate_check >= RATE_CHECK_USEC) {
                        s->last_rate_check = now;
                        check_read_rates(s, now);
                }
        }
        if (MHD_run(s->daemon) != MHD_YES)
                log_debug("libmicrohttpd could not process its connections, ignoring");
        arm_timer(s);
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        run_mhd(userdata);
        return 0;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        run_mhd(userdata);
        return 0;
}

static int on_resume(sd_event_source *source, void *userdata) {
        run_mhd(userdata);
        return 0;
}

/* MHD learns of resumed connections only in MHD_run(), and in external-epoll mode nothing else
 * guarantees that one happens soon; so we run it once more from the event loop. */
static void schedule_run(HttpServer *s) {
        int r;

        if (!s->resume_source)
                return;
        r = sd_event_source_set_enabled(s->resume_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_debug_errno(r, "Cannot schedule a run for a resumed connection, ignoring");
}

void http_response_add_header(void *response, const char *name, const char *value) {
        (void) MHD_add_response_header(response, name, value);
}

static void mark_sending(HttpRequest *r) {
        if (!r->sending) {
                r->sending = true;
                r->server->n_sending++;
                if (r->sending_since == 0)
                        r->sending_since = now_usec();
        }
}

static void unmark_sending(HttpRequest *r) {
        if (r->sending) {
                r->sending = false;
                r->server->n_sending--;
                /* Nothing to send says nothing of how fast the client reads. */
                r->window_void = true;
        }
}

static void resume(HttpRequest *r) {
        r->peer_source = sd_event_source_disable_unref(r->peer_source);
        MHD_resume_connection(r->connection);
        schedule_run(r->server);
}

static int on_peer_gone(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        HttpRequest *r = userdata;

        /* The client hung up while we waited: a stream ends with an error, which closes the connection; a
         * plain answer is sent into the void, after which MHD closes it. Either way the request is freed
         * at once, and with it whatever it was waiting for (a /run request's job). */
        r->peer_gone = true;
        r->peer_source = sd_event_source_disable_unref(r->peer_source);
        if (r->out_waiting) {
                r->out_waiting = false;
                resume(r);
        } else if (r->suspended && !r->replied)
                (void) http_request_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL, "the client went away");
        return 0;
}

/* While a connection is suspended MHD does not look at it, so we watch for the peer closing it. */
static void watch_peer(HttpRequest *r) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->connection,
                                                                       MHD_CONNECTION_INFO_CONNECTION_FD);
        int k;

        if (!ci || r->peer_source)
                return;
        k = sd_event_add_io(r->server->event, &r->peer_source, ci->connect_fd, EPOLLRDHUP, on_peer_gone, r);
        if (k < 0)
                log_debug_errno(k, "Cannot watch a suspended connection for its client leaving, ignoring");
}

static void add_headers(HttpRequest *r, struct MHD_Response *resp, const char *content_type,
                        const char *const *headers) {
        for (const char *const *h = security_headers; *h; h += 2)
                (void) MHD_add_response_header(resp, h[0], h[1]);
        bool page = content_type && strncmp(content_type, "text/html", 9) == 0;
        (void) MHD_add_response_header(resp, "Content-Security-Policy", page ? page_csp : api_csp);
        if (content_type)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        for (const char *const *h = headers; h && h[0] && h[1]; h += 2)
                (void) MHD_add_response_header(resp, h[0], h[1]);
        if (r->server->decorate)
                r->server->decorate(r, resp, r->server->userdata);
}

static int queue_response(HttpRequest *r, unsigned status, struct MHD_Response *resp);

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max) {
        ResponseBody *b = cls;
        HttpRequest *r = b->req;

        if (!r || r->peer_gone)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        if (max == 0)
                return 0;
        ssize_t n = b->read(b->userdata, buf, max);
        if (n < 0) {
                log_debug_errno(n, "Cannot produce the rest of an answer, closing the connection: %m");
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (n == 0) {
                r->body_done = true;
                return MHD_CONTENT_READER_END_OF_STREAM;
        }
        r->sent += n;
        return n;
}

static void body_free(void *cls) {
        ResponseBody *b = cls;

        if (b->req)
                b->req->response_body = NULL;
        if (b->free_userdata)
                b->free_userdata(b->userdata);
        free(b);
}

/* A body of `size` bytes (or MHD_SIZE_UNKNOWN: sent chunked) that `read` produces as MHD sends it. On
 * failure userdata is freed. */
static struct MHD_Response *make_reader_response(HttpRequest *r, uint64_t size, http_read_t read, void *userdata,
                                                 void (*free_userdata)(void *userdata)) {
        ResponseBody *b = calloc(1, sizeof(ResponseBody));
        if (!b) {
                if (free_userdata)
                        free_userdata(userdata);
                return NULL;
        }
        *b = (ResponseBody) { .req = r, .read = read, .userdata = userdata, .free_userdata = free_userdata };
        struct MHD_Response *resp = MHD_create_response_from_callback(size, RESPONSE_BLOCK_SIZE, body_read, b,
                                                                      body_free);
        if (!resp) {
                body_free(b);
                return NULL;
        }
        r->response_body = b;
        return resp;
}

/* A copy of a body, handed to MHD from our own buffer, which is wiped when MHD is done with it. */
typedef struct BodyCopy {
        char *data;
        size_t len, off;
} BodyCopy;

static ssize_t body_copy_read(void *userdata, char *buf, size_t max) {
        BodyCopy *c = userdata;
        size_t n = MIN(max, c->len - c->off);

        memcpy(buf, c->data + c->off, n);
        c->off += n;
        return (ssize_t) n;
}

static void body_copy_free(void *userdata) {
        BodyCopy *c = userdata;

        wipe_free(c->data);
        free(c);
}

static struct MHD_Response *make_response(HttpRequest *r, const char *content_type, const void *body, size_t len,
                                          const char *const *headers) {
        struct MHD_Response *resp;

        BodyCopy *c = calloc(1, sizeof(BodyCopy));
        if (!c)
                return NULL;
        c->data = malloc(MAX(len, (size_t) 1));
        if (!c->data) {
                free(c);
                return NULL;
        }
        memcpy(c->data, body, len);
        c->len = len;
        resp = make_reader_response(r, len, body_copy_read, c, body_copy_free);
        if (!resp)
                return NULL;
        add_headers(r, resp, content_type, headers);
        return resp;
}

int http_request_reply_reader(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              uint64_t size, http_read_t read, void *userdata, void (*free_userdata)(void *userdata)) {
        struct MHD_Response *resp;

        if (r->replied) {
                if (free_userdata)
                        free_userdata(userdata);
                return -EALREADY;
        }
        resp = make_reader_response(r, size == HTTP_SIZE_UNKNOWN ? MHD_SIZE_UNKNOWN : size, read, userdata,
                                    free_userdata);
        if (!resp)
                return -ENOMEM;
        add_headers(r, resp, content_type, headers);
        r->replied = true;
        return queue_response(r, status, resp);
}

/* Hands a response (taken) to MHD, now or once it can take it. */
static int queue_response(HttpRequest *r, unsigned status, struct MHD_Response *resp) {
        if (r->suspended || r->receiving) {
                /* MHD takes a response only before the body or after all of it: queued when MHD calls us
                 * again after the resume, or at the body's end. */
                r->pending = resp;
                r->pending_status = status;
                if (r->suspended) {
                        r->suspended = false;
                        resume(r);
                }
                return 0;
        }
        enum MHD_Result ok = MHD_queue_response(r->connection, status, resp);
        MHD_destroy_response(resp);
        if (ok != MHD_YES)
                return log_debug_errno(EIO, "libmicrohttpd refused a %u response", status);
        mark_sending(r);
        return 0;
}

int http_request_reply(HttpRequest *r, unsigned status, const char *content_type, const void *body, size_t len,
                       const char *const *headers) {
        struct MHD_Response *resp;

        if (r->replied)
                return -EALREADY;
        resp = make_response(r, content_type, body, len, headers);
        if (!resp)
                return -ENOMEM;
        r->replied = true;
        return queue_response(r, status, resp);
}

int http_request_reply_json(HttpRequest *r, unsigned status, struct json_object *o, const char *const *headers) {
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                          &len);
        if (!s)
                return -ENOMEM;
        /* A trailing newline keeps curl output tidy in a terminal. */
        char *body = malloc(len + 1);
        if (!body)
                return -ENOMEM;
        memcpy(body, s, len);
        body[len] = '\n';
        int k = http_request_reply(r, status, "application/json", body, len + 1, headers);
        wipe_free(body);
        return k;
}

int http_request_reply_error(HttpRequest *r, unsigned status, const char *const *headers, const char *format, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);

        json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "error", json_object_new_string(msg));
        int k = http_request_reply_json(r, status, o, headers);
        json_object_put(o);
        return k;
}

int http_request_suspend(HttpRequest *r) {
        if (r->replied || r->suspended)
                return -EALREADY;
        MHD_suspend_connection(r->connection);
        r->suspended = true;
        watch_peer(r);
        return 0;
}

/* MHD asks for the next bytes of a streamed answer. With none yet, the connection sleeps until the next
 * write (returning 0 without suspending would make MHD ask again at once). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
        HttpRequest *r = cls;
        size_t avail = r->out_len - r->out_off;

        if (r->peer_gone)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        if (avail > 0) {
                size_t n = MIN(avail, max);
                memcpy(buf, r->out + r->out_off, n);
                r->out_off += n;
                r->sent += n;
                if (r->out_off == r->out_len) {
                        explicit_bzero(r->out, r->out_len);
                        r->out_off = r->out_len = 0;
                }
                return (ssize_t) n;
        }
        if (r->tail_read) {
                ssize_t n = r->tail_read(r->tail_userdata, buf, max);
                if (n < 0)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                if (n > 0) {
                        r->sent += (size_t) n;
                        return n;
                }
                r->body_done = true;
        }
        if (r->out_ended)
                return MHD_CONTENT_READER_END_OF_STREAM;
        unmark_sending(r);
        MHD_suspend_connection(r->connection);
        r->out_waiting = true;
        watch_peer(r);
        return 0;
}

int http_request_reply_stream(HttpRequest *r, unsigned status, const char *content_type, const char *const *headers,
                              size_t max_buffered) {
        struct MHD_Response *resp;

        if (r->replied)
                return -EALREADY;
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, RESPONSE_BLOCK_SIZE, stream_read, r, NULL);
        if (!resp)
                return -ENOMEM;
        add_headers(r, resp, content_type, headers);
        r->replied = r->out_streaming = true;
        r->out_max = max_buffered;
        /* The job's own time limit bounds the stream, and a client may rightly read nothing for a while;
         * the idle timeout comes back once the stream has ended. */
        (void) MHD_set_connection_option(r->connection, MHD_CONNECTION_OPTION_TIMEOUT, 0);
        return queue_response(r, status, resp);
}

static void stream_wake(HttpRequest *r) {
        mark_sending(r);
        if (r->out_waiting) {
                r->out_waiting = false;
                resume(r);
        }
}

int http_request_stream_write(HttpRequest *r, const void *data, size_t len) {
        if (!r->out_streaming || r->out_ended || r->peer_gone)
                return -EPIPE;
        if (len == 0)
                return 0;
        if (r->out_len - r->out_off + len > r->out_max)
                return -ENOBUFS;
        if (r->out_len + len > r->out_allocated) {
                /* A new buffer, and the old one wiped: realloc() would leave the live output it held in
                 * freed memory. */
                size_t want = MAX(r->out_len - r->out_off + len, r->out_allocated * 2);
                char *b = malloc(want);
                if (!b)
                        return -ENOMEM;
                memcpy(b, r->out + r->out_off, r->out_len - r->out_off);
                wipe_free(r->out);
                r->out = b;
                r->out_allocated = want;
                r->out_len -= r->out_off;
                r->out_off = 0;
        }
        memcpy(r->out + r->out_len, data, len);
        r->out_len += len;
        stream_wake(r);
        return 0;
}

size_t http_request_stream_buffered(const HttpRequest *r) {
        return r->out_len - r->out_off;
}

int http_request_stream_end(HttpRequest *r, const void *data, size_t len) {
        if (!r->out_streaming || r->out_ended || r->peer_gone)
                return -EPIPE;
        /* The last words (a result) go out whatever is still buffered. */
        r->out_max = SIZE_MAX;
        int k = http_request_stream_write(r, data, len);
        r->out_ended = true;
        (void) MHD_set_connection_option(r->connection, MHD_CONNECTION_OPTION_TIMEOUT,
                                         r->server->connection_timeout_sec);
        stream_wake(r);
        return k;
}

int http_request_stream_end_reader(HttpRequest *r, const void *data, size_t len, http_read_t read, void *userdata,
                                   void (*free_userdata)(void *userdata)) {
        int k = http_request_stream_end(r, data, len);

        if (k < 0) {
                if (free_userdata)
                        free_userdata(userdata);
                return k;
        }
        r->tail_read = read;
        r->tail_userdata = userdata;
        r->tail_free = free_userdata;
        return 0;
}

/*
 * How much of a refused body we read and drop, so that the client gets its answer (MHD sends it only
 * after the body), before closing the connection without one. Enough for an honest upload a few times
 * over the limits; a client that sends more only costs us the decryption.
 */
#define DISCARD_MAX (256U * 1024 * 1024)

/* Checks an announced Content-Length against the cap before reading any of the body. */
static bool announced_too_large(struct MHD_Connection *connection, uint64_t max) {
        const char *cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end;

        if (!cl)
                return false;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        return errno == 0 && *end == 0 && v > max;
}

static void reply_too_large(HttpRequest *r, uint64_t max) {
        (void) http_request_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                        "request body is larger than %" PRIu64 " bytes", max);
}

typedef struct FieldList {
        HttpField fields[HTTP_FRAMING_FIELDS_MAX + 1];
        size_t n;
        const char *last_value;
        bool bad_line_end;
} FieldList;

/*
 * libmicrohttpd 0.9.7x takes a bare LF for a line end and folds an obs-fold line into the field before
 * it, both of which RFC 9112 forbids a server to accept quietly, and it offers no stricter mode for
 * them. It parses the head in place, each CR and LF becoming a NUL: after a value, a line that ended in
 * CRLF leaves two NULs and then the next line, one that ended in a bare LF leaves one NUL and the next
 * line, and a folded continuation line leaves its leading whitespace. The blank line that ends the head
 * adds two more NULs after the last line's, or one if it is a bare LF (then whatever follows is seen only
 * if it has arrived, which is when it matters: a request pipelined behind). An empty value is not looked
 * at (it need not point into the head).
 */
static bool line_end_is_crlf(const char *s) {
        size_t n = strlen(s);

        if (n == 0)
                return true;
        return s[n + 1] == 0 && s[n + 2] != ' ' && s[n + 2] != '\t';
}

static bool head_end_is_crlf(const char *last_line) {
        size_t n = strlen(last_line);

        if (n == 0)
                return true;
        return last_line[n + 1] == 0 && last_line[n + 2] == 0 && last_line[n + 3] == 0;
}

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
        FieldList *l = cls;

        if (value && !line_end_is_crlf(value))
                l->bad_line_end = true;
        l->last_value = value;
        if (l->n == ELEMENTSOF(l->fields))
                return MHD_NO;
        l->fields[l->n++] = (HttpField) { key, value };
        return MHD_YES;
}

/* Why the request's head is framed ambiguously, or NULL. */
static const char *framing_error(struct MHD_Connection *connection, const char *version) {
        FieldList l = { .n = 0 };

        (void) MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_field, &l);
        const char *last_line = l.n > 0 ? l.last_value : version;
        if (l.bad_line_end || (version && !line_end_is_crlf(version)) || (last_line && !head_end_is_crlf(last_line)))
                return "header lines must end in CRLF and must not be folded";
        return http_framing_check(version, l.fields, l.n);
}

/* Counts a new request against its client's requests in flight: false if the client has its share. */
static bool count_in_flight(HttpRequest *r) {
        HttpServer *s = r->server;

        if (!s->in_flight || s->request_client_key(r, &r->client, s->userdata) < 0 || r->client.family == AF_UNSPEC)
                return true;
        if (!peer_limit_acquire_key(s->in_flight, &r->client))
                return false;
        r->in_flight = true;
        return true;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
        HttpServer *s = cls;
        HttpRequest *r = *con_cls;

        if (!r) {
                r = calloc(1, sizeof(HttpRequest));
                if (!r)
                        return MHD_NO;
                r->server = s;
                r->connection = connection;
                r->method = method;
                r->path = url;
                LIST_PREPEND(s->requests, r);
                s->n_requests++;
                *con_cls = r;

                /* Answered once and the connection closed: nothing after this head can be trusted to
                 * start where a proxy in front thinks the next request starts. */
                const char *why = framing_error(connection, version);
                if (why) {
                        log_debug("Refusing a request with ambiguous framing: %s", why);
                        (void) http_request_reply_error(r, MHD_HTTP_BAD_REQUEST,
                                                        (const char *const[]) { "Connection", "close", NULL },
                                                        "bad request framing: %s", why);
                        return MHD_YES;
                }

                if (!count_in_flight(r)) {
                        (void) http_request_reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS,
                                                        (const char *const[]) { "Retry-After", "1", NULL },
                                                        "too many requests in flight from this client; retry "
                                                        "in 1 s");
                        return MHD_YES;
                }

                /* The application may take the body as a stream, or answer from the headers alone. */
                if (s->headers_hook)
                        s->headers_hook(r, s->userdata);
                if (!r->replied && announced_too_large(connection, r->stream ? r->stream_max : s->max_body))
                        reply_too_large(r, r->stream ? r->stream_max : s->max_body);
                return MHD_YES;
        }

        if (*upload_data_size > 0) {
                size_t n = *upload_data_size;
                *upload_data_size = 0;
                r->receiving = true;
                if (r->replied) {
                        /* Already refused: drop the rest, but not forever. */
                        r->discarded += n;
                        return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
                }
                if (r->stream) {
                        r->streamed += n;
                        if (r->streamed > r->stream_max)
                                reply_too_large(r, r->stream_max);
                        else if (r->stream(r, upload_data, n, r->stream_userdata) < 0 && !r->replied)
                                (void) http_request_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL, "bad request body");
                        return MHD_YES;
                }
                if (r->body_len + n > s->max_body) {
                        reply_too_large(r, s->max_body);
                        return MHD_YES;
                }
                char *b = wipe_realloc(r->body, r->body_len + n + 1);
                if (!b)
                        return MHD_NO;
                memcpy(b + r->body_len, upload_data, n);
                r->body = b;
                r->body_len += n;
                r->body[r->body_len] = 0;
                return MHD_YES;
        }
        r->receiving = false;

        /* At the body's end, or back from a resume: hand the answer made meanwhile to MHD. */
        if (r->pending) {
                enum MHD_Result ok = MHD_queue_response(connection, r->pending_status, r->pending);
                MHD_destroy_response(r->pending);
                r->pending = NULL;
                if (ok == MHD_YES)
                        mark_sending(r);
                return ok;
        }
        if (r->replied || r->dispatched)
                return MHD_YES;

        r->dispatched = true;
        s->handler(r, s->userdata);
        return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
        request_free(*con_cls);
        *con_cls = NULL;
}

/* The connections of a trusted proxy are counted on their own, with a cap of their own. */
static PeerLimit *connection_limit(HttpServer *s, const struct sockaddr *sa, socklen_t len) {
        return s->proxy_peer && s->proxy_peer(sa, len, s->userdata) ? s->proxies : s->peers;
}

/* Before MHD takes a connection: refuse a client (or proxy) that has its share of connections open already. */
static enum MHD_Result on_accept_policy(void *cls, const struct sockaddr *addr, socklen_t len) {
        HttpServer *s = cls;
        PeerLimit *l = connection_limit(s, addr, len);

        if (!peer_limit_acquire(l, addr, len))
                return MHD_NO;
        /* Counted from NOTIFY_CONNECTION's start on, which follows at once unless MHD fails. */
        peer_limit_release(l, addr, len);
        return MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        HttpServer *s = cls;
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection,
                                                                      MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = info ? info->client_addr : NULL;
        socklen_t len = !sa ? 0 : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

        /* The socket's context is the limit that counted it, so that it is released where it was counted. */
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                PeerLimit *l = sa ? connection_limit(s, sa, len) : NULL;
                *socket_context = l && peer_limit_acquire(l, sa, len) ? l : NULL;
        } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context && sa)
                peer_limit_release(*socket_context, sa, len);
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
        return url_unescape_inplace(s);
}

_printf_(2, 0) static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char msg[256];

        /* MHD's own messages are about connections and TLS; they name no request content. */
        vsnprintf(msg, sizeof(msg), fmt, ap);
        msg[strcspn(msg, "\n")] = 0;
        log_debug("libmicrohttpd: %s", msg);
}

const char *http_request_method(const HttpRequest *r) {
        return r->method;
}

const char *http_request_path(const HttpRequest *r) {
        return r->path;
}

const char *http_request_query(const HttpRequest *r, const char *name) {
        return MHD_lookup_connection_value(r->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_header(const HttpRequest *r, const char *name) {
        return MHD_lookup_connection_value(r->connection, MHD_HEADER_KIND, name);
}

typedef struct HeaderJoin {
        const char *name;
        char *joined;
        size_t len;
        bool failed;
} HeaderJoin;

static enum MHD_Result join_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
        HeaderJoin *h = cls;

        if (!key || !value || strcasecmp(key, h->name) != 0)
                return MHD_YES;
        size_t vl = strlen(value);
        char *p = realloc(h->joined, h->len + vl + 3);
        if (!p) {
                h->failed = true;
                return MHD_NO;
        }
        if (h->len > 0) {
                memcpy(p + h->len, ", ", 2);
                h->len += 2;
        }
        memcpy(p + h->len, value, vl + 1);
        h->len += vl;
        h->joined = p;
        return MHD_YES;
}

char *http_request_header_join(const HttpRequest *r, const char *name) {
        HeaderJoin h = { .name = name };

        (void) MHD_get_connection_values(r->connection, MHD_HEADER_KIND, join_header, &h);
        if (h.failed) {
                free(h.joined);
                return NULL;
        }
        return h.joined;
}

const struct sockaddr *http_request_peer(const HttpRequest *r, socklen_t *ret_len) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->connection,
                                                                       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (!ci || !ci->client_addr)
                return NULL;
        if (ret_len)
                *ret_len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                   : sizeof(struct sockaddr_in);
        return ci->client_addr;
}

const char *http_request_body(const HttpRequest *r, size_t *ret_len) {
        *ret_len = r->body_len;
        return r->body ?: "";
}

void http_request_set_data(HttpRequest *r, void *data, void (*free_func)(void *data)) {
        r->data = data;
        r->free_data = free_func;
}

void *http_request_get_data(const HttpRequest *r) {
        return r->data;
}

void http_server_set_headers_hook(HttpServer *s, http_handler_t hook) {
        s->headers_hook = hook;
}

void http_request_stream_body(HttpRequest *r, http_stream_t stream, void *userdata, uint64_t max) {
        r->stream = stream;
        r->stream_userdata = userdata;
        r->stream_max = max;
}

unsigned http_server_n_requests(const HttpServer *s) {
        return s->n_requests;
}

void http_server_quiesce(HttpServer *s) {
        if (s->daemon)
                (void) MHD_quiesce_daemon(s->daemon);
}

/* How long the last answers (the 503s to whoever waited) may take to go out when the server stops. */
#define FLUSH_USEC (2 * USEC_PER_SEC)

static bool have_answers_to_send(const HttpServer *s) {
        for (const HttpRequest *r = s->requests; r; r = r->next)
                if (r->replied && (!r->out_streaming || r->out_ended) && !r->peer_gone)
                        return true;
        return false;
}

/* MHD learns of a resume in one run, queues the answer in the next and sends its body a block per run after
 * that; stopping it earlier cuts answers short. So run it until every answer made is sent (the request is
 * freed then), the client left or FLUSH_USEC passed. Live streams not ended were cut before. */
static void flush_answers(HttpServer *s) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        uint64_t deadline = now_usec() + FLUSH_USEC;

        for (;;) {
                if (MHD_run(s->daemon) != MHD_YES) {
                        log_debug("libmicrohttpd could not process its connections, not waiting for answers");
                        return;
                }
                if (!have_answers_to_send(s) || now_usec() >= deadline)
                        return;
                /* A millisecond at most: over TLS, MHD does not signal its epoll fd for what is left to send
                 * (see arm_timer()). */
                if (info)
                        (void) poll(&(struct pollfd) { .fd = info->epoll_fd, .events = POLLIN }, 1, 1);
        }
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        /* MHD aborts if stopped with suspended connections: answer them first, and let MHD send that.
         * Run MHD even if none was suspended here: a connection answered just before the loop ended is
         * still suspended for MHD until its next run sees the resume. */
        for (HttpRequest *r = s->requests; r; r = r->next)
                if (r->suspended)
                        (void) http_request_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                                        (const char *const[]) { "Retry-After", "5", NULL },
                                                        "the server is shutting down");
                else if (r->out_streaming && !r->out_ended && !r->dropped)
                        /* A live stream not ended has no end of its own and sleeps suspended while it
                         * waits for output: cut it, so that it ends (with an error: the client sees it
                         * cut) and suspends no more. */
                        drop_connection(r);
        if (s->daemon)
                flush_answers(s);
        sd_event_source_disable_unref(s->io_source);
        sd_event_source_disable_unref(s->timer_source);
        sd_event_source_disable_unref(s->resume_source);
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        peer_limit_free(s->peers);
        peer_limit_free(s->proxies);
        peer_limit_free(s->in_flight);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int http_server_new(HttpServer **ret, sd_event *event, const HttpServerConfig *config, http_handler_t handler,
                    http_decorate_t decorate, void *userdata) {
        _cleanup_(http_server_freep) HttpServer *s = NULL;
        _cleanup_close_ int listen_fd = config->listen_fd;
        unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
        int r;

        s = calloc(1, sizeof(HttpServer));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->handler = handler;
        s->decorate = decorate;
        s->userdata = userdata;
        s->max_body = config->max_body;
        s->connection_timeout_sec = config->connection_timeout_sec;
        s->min_read_rate = config->min_read_rate;
        s->read_grace_usec = config->read_grace_usec;
        s->proxy_peer = config->proxy_peer;
        r = peer_limit_new(&s->peers, config->max_connections_per_ip);
        if (r >= 0)
                r = peer_limit_new(&s->proxies, config->max_connections_per_proxy);
        if (r >= 0 && config->request_client_key && config->max_requests_per_client > 0) {
                s->request_client_key = config->request_client_key;
                r = peer_limit_new(&s->in_flight, config->max_requests_per_client);
        }
        if (r < 0)
                return r;

        struct MHD_OptionItem opts[16];
        size_t n = 0;
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) on_mhd_log, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t) unescape, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, config->connection_timeout_sec, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, config->max_connections, NULL };
        /* The per-client limit is ours (on_accept_policy), so that trusted proxies have a cap of their own. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) on_connection, s };
        /* RFC 9112's framing, strictly: no whitespace before a header's colon, and the rest MHD knows. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
        /* Caps what a client can make us hold for headers and URL. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL };
        if (config->cert_pem && config->key_pem) {
                flags |= MHD_USE_TLS;
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) config->cert_pem };
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) config->key_pem };
                /* TLS 1.2 and 1.3 with AEAD ciphers and forward-secret (ECDHE) key exchange only: no CBC
                 * (padding oracles, Lucky13) and no static-RSA key exchange (no forward secrecy, ROBOT). */
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)
                        "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
                        ":-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM"
                        ":-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA" };
        }
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

        s->daemon = MHD_start_daemon(flags, 0, on_accept_policy, s, on_access, s, MHD_OPTION_ARRAY, opts,
                                     MHD_OPTION_END);
        if (!s->daemon)
                return -EINVAL;
        TAKE_FD(listen_fd);

        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return -EOPNOTSUPP;
        r = sd_event_add_io(event, &s->io_source, info->epoll_fd, EPOLLIN, on_io, s);
        if (r < 0)
                return r;
        /* Accuracy 1 us: sd-event's default would let MHD's deadlines slip by up to 250 ms. */
        r = sd_event_add_time(event, &s->timer_source, CLOCK_MONOTONIC, 0, 1, on_timer, s);
        if (r < 0)
                return r;
        r = sd_event_add_defer(event, &s->resume_source, on_resume, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->resume_source, SD_EVENT_OFF);
        arm_timer(s);

        *ret = TAKE_PTR(s);
        return 0;
}
