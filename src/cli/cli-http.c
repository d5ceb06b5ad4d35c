/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli-http.h"
#include "cli-printable.h"
#include "config.h"

struct HttpClient {
        CURL *curl;
        char *server;                   /* without trailing slash */
        char *pin;
        bool insecure;
        char error[CURL_ERROR_SIZE];
};

typedef struct Transfer {
        HttpClient *client;
        HttpResponse *response;
        size_t allocated;
        int fd;                         /* where a 2xx body goes, or -EBADF to keep it in memory */
        http_chunk_t chunk;             /* where a 2xx event stream goes as it arrives, if set */
        void *chunk_userdata;
        int write_error;                /* why a write callback stopped the transfer */
} Transfer;

static void curl_slist_freep(struct curl_slist **l) {
        if (*l)
                curl_slist_free_all(*l);
}

static char *mfree(char *p) {
        free(p);
        return NULL;
}

static int header_list(const char *const *lines, size_t n, struct curl_slist **ret) {
        struct curl_slist *list = NULL;
        for (size_t i = 0; i < n; i++) {
                struct curl_slist *l = curl_slist_append(list, lines[i]);
                if (!l) {
                        curl_slist_free_all(list);
                        return -ENOMEM;
                }
                list = l;
        }
        *ret = list;
        return 0;
}

static void curl_mime_freep(curl_mime **m) {
        if (*m)
                curl_mime_free(*m);
}

HttpResponse *http_response_free(HttpResponse *r) {
        if (!r)
                return NULL;
        free(r->body);
        free(r->content_type);
        free(r->retry_after);
        free(r->budget_remaining);
        free(r);
        return NULL;
}

int http_client_new(HttpClient **ret, const char *server, const char *pin, bool insecure) {
        if (!server || (strncasecmp(server, "https://", 8) != 0 && strncasecmp(server, "http://", 7) != 0))
                return -EINVAL;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -ENOMEM;

        _cleanup_(http_client_freep) HttpClient *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->server = strdup(server);
        c->pin = pin ? strdup(pin) : NULL;
        c->curl = curl_easy_init();
        if (!c->server || (pin && !c->pin) || !c->curl)
                return -ENOMEM;
        c->insecure = insecure;

        size_t n = strlen(c->server);
        while (n > 0 && c->server[n - 1] == '/')
                c->server[--n] = 0;

        *ret = TAKE_PTR(c);
        return 0;
}

HttpClient *http_client_free(HttpClient *c) {
        if (!c)
                return NULL;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        free(c->server);
        free(c->pin);
        free(c);
        return NULL;
}

const char *http_client_server(const HttpClient *c) {
        return c->server;
}

const char *http_client_error(const HttpClient *c) {
        return c->error;
}

/* libcurl's own sockets would survive an exec; these do not. */
static curl_socket_t open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address) {
        return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static bool append(Transfer *t, const char *data, size_t n) {
        HttpResponse *r = t->response;
        if (n > HTTP_BODY_MAX - r->size) {
                t->write_error = -EFBIG;
                return false;
        }
        if (r->size + n + 1 > t->allocated) {
                size_t want = MAX(r->size + n + 1, MIN(t->allocated * 2, HTTP_BODY_MAX + 1));
                char *p = realloc(r->body, want);
                if (!p) {
                        t->write_error = -ENOMEM;
                        return false;
                }
                r->body = p;
                t->allocated = want;
        }
        memcpy(r->body + r->size, data, n);
        r->size += n;
        r->body[r->size] = 0;
        return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;

        long status = 0;
        curl_easy_getinfo(t->client->curl, CURLINFO_RESPONSE_CODE, &status);
        bool events = t->response->content_type && strneq(t->response->content_type, "text/event-stream", 17);
        if (t->chunk && events && status >= 200 && status < 300) {
                int r = t->chunk(data, n, t->chunk_userdata);
                if (r < 0) {
                        t->write_error = r;
                        return 0;
                }
                return n;
        }
        if (t->fd >= 0 && status >= 200 && status < 300) {
                for (size_t done = 0; done < n;) {
                        ssize_t w = write(t->fd, data + done, n - done);
                        if (w < 0) {
                                t->write_error = negative_errno();
                                return 0;
                        }
                        done += w;
                }
                return n;
        }
        return append(t, data, n) ? n : 0;
}

/* Header values end up in messages, so they are made printable here. */
static void set_header(char **field, const char *value, size_t n) {
        while (n > 0 && (value[0] == ' ' || value[0] == '\t')) {
                value++;
                n--;
        }
        while (n > 0 && strchr(" \t\r\n", value[n - 1]))
                n--;
        *field = mfree(*field);
        (void) printable_dup(value, n, HTTP_HEADER_VALUE_MAX, field);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        HttpResponse *r = t->response;
        size_t n = size * nmemb;

        /* A new status line (after "100 Continue" or a redirect) starts a new set of headers. */
        if (n >= 5 && strneq(data, "HTTP/", 5)) {
                r->content_type = mfree(r->content_type);
                r->retry_after = mfree(r->retry_after);
                r->budget_remaining = mfree(r->budget_remaining);
                return n;
        }

        static const struct {
                const char *name;
                size_t offset;
        } wanted[] = {
                { "content-type",               offsetof(HttpResponse, content_type)     },
                { "retry-after",                offsetof(HttpResponse, retry_after)      },
                { "x-sandrun-budget-remaining", offsetof(HttpResponse, budget_remaining) },
        };
        const char *colon = memchr(data, ':', n);
        if (!colon)
                return n;
        size_t name_len = colon - data;
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                if (strlen(wanted[i].name) == name_len && strncasecmp(data, wanted[i].name, name_len) == 0)
                        set_header((char **) ((char *) r + wanted[i].offset), colon + 1, n - name_len - 1);
        return n;
}

static int map_curl_error(CURLcode cc) {
        switch (cc) {
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                return -EKEYREJECTED;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
                return -ENOKEY;
        case CURLE_SSL_CONNECT_ERROR:
                return -EPROTO;
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
                return -ECONNRESET;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EINVAL;
        default:
                return -EIO;
        }
}

/* Options every request needs; curl_easy_reset() between requests keeps the connection alive. */
static void setup(HttpClient *c, Transfer *t, const char *url) {
        CURL *h = c->curl;

        curl_easy_reset(h);
        c->error[0] = 0;
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->error);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_USERAGENT, "sandrun/" PACKAGE_VERSION);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, t);

        if (c->pin || c->insecure) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (c->pin)
                /* Checked even with verification off: the pin replaces the CA chain, not TLS. */
                curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->pin);
}

static int perform(HttpClient *c, Transfer *t, struct curl_slist *headers, HttpResponse **ret) {
        if (headers)
                curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);

        CURLcode cc = curl_easy_perform(c->curl);
        if (cc != CURLE_OK) {
                if (cc == CURLE_WRITE_ERROR && t->write_error < 0)
                        return t->write_error;
                if (c->error[0] == 0)
                        snprintf(c->error, sizeof c->error, "%s", curl_easy_strerror(cc));
                return map_curl_error(cc);
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &t->response->status);
        *ret = TAKE_PTR(t->response);
        return 0;
}

static int begin(HttpClient *c, const char *path, Transfer *t) {
        _cleanup_free_ char *url = NULL;
        if (asprintf(&url, "%s%s", c->server, path) < 0)
                return -ENOMEM;

        *t = (Transfer) { .client = c, .fd = -EBADF };
        t->response = calloc(1, sizeof *t->response);
        if (!t->response)
                return -ENOMEM;
        /* CURLOPT_URL copies the string. */
        setup(c, t, url);
        return 0;
}

/* begin(), with a 2xx text/event-stream body going to chunk as it arrives (NULL: kept as usual). */
static int begin_events(HttpClient *c, const char *path, http_chunk_t chunk, void *userdata, Transfer *t) {
        int r = begin(c, path, t);
        if (r < 0)
                return r;
        t->chunk = chunk;
        t->chunk_userdata = userdata;
        return 0;
}

static void transfer_done(Transfer *t) {
        t->response = http_response_free(t->response);
}

int http_get(HttpClient *c, const char *path, HttpResponse **ret) {
        return http_get_to_fd(c, path, -EBADF, ret);
}

int http_get_to_fd(HttpClient *c, const char *path, int fd, HttpResponse **ret) {
        _cleanup_(transfer_done) Transfer t = {};
        int r = begin(c, path, &t);
        if (r < 0)
                return r;
        t.fd = fd;

        static const char *const lines[] = { "Accept: application/json" };
        _cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
        r = header_list(lines, ELEMENTSOF(lines), &headers);
        if (r < 0)
                return r;
        curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
        return perform(c, &t, headers, ret);
}

int http_get_events(HttpClient *c, const char *path, const char *last_event_id, http_chunk_t chunk,
                    void *userdata, HttpResponse **ret) {
        _cleanup_(transfer_done) Transfer t = {};
        int r = begin_events(c, path, chunk, userdata, &t);
        if (r < 0)
                return r;

        _cleanup_free_ char *last = NULL;
        if (last_event_id && asprintf(&last, "Last-Event-ID: %s", last_event_id) < 0)
                return -ENOMEM;
        const char *const lines[] = { "Accept: text/event-stream, application/json", last };
        _cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
        r = header_list(lines, last ? 2 : 1, &headers);
        if (r < 0)
                return r;
        curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
        return perform(c, &t, headers, ret);
}

int http_post_json(HttpClient *c, const char *path, const char *json, HttpResponse **ret) {
        return http_post_json_events(c, path, json, NULL, NULL, ret);
}

int http_post_json_events(HttpClient *c, const char *path, const char *json, http_chunk_t chunk, void *userdata,
                          HttpResponse **ret) {
        _cleanup_(transfer_done) Transfer t = {};
        int r = begin_events(c, path, chunk, userdata, &t);
        if (r < 0)
                return r;

        const char *const lines[] = {
                "Content-Type: application/json",
                chunk ? "Accept: text/event-stream, application/json" : "Accept: application/json",
                "Expect:"
        };
        _cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
        r = header_list(lines, ELEMENTSOF(lines), &headers);
        if (r < 0)
                return r;
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(json));
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, json);
        return perform(c, &t, headers, ret);
}

int http_post_archive(HttpClient *c, const char *path, const void *archive, size_t size,
                      const char *archive_filename, const char *manifest_json, HttpResponse **ret) {
        _cleanup_(transfer_done) Transfer t = {};
        int r = begin(c, path, &t);
        if (r < 0)
                return r;

        _cleanup_(curl_mime_freep) curl_mime *mime = curl_mime_init(c->curl);
        if (!mime)
                return -ENOMEM;
        curl_mimepart *part = curl_mime_addpart(mime);
        if (!part ||
            curl_mime_name(part, "archive") != CURLE_OK ||
            curl_mime_filename(part, archive_filename) != CURLE_OK ||
            curl_mime_type(part, "application/gzip") != CURLE_OK ||
            curl_mime_data(part, archive, size) != CURLE_OK)
                return -ENOMEM;
        part = curl_mime_addpart(mime);
        if (!part ||
            curl_mime_name(part, "manifest") != CURLE_OK ||
            curl_mime_type(part, "application/json") != CURLE_OK ||
            curl_mime_data(part, manifest_json, CURL_ZERO_TERMINATED) != CURLE_OK)
                return -ENOMEM;

        static const char *const lines[] = { "Accept: application/json", "Expect:" };
        _cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
        r = header_list(lines, ELEMENTSOF(lines), &headers);
        if (r < 0)
                return r;
        curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, mime);
        return perform(c, &t, headers, ret);
}
