/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * What a client asks about a job it submitted: GET /status/ID, /logs/ID, /outputs/ID and /download/ID.
 * Ids are 128 random bits, so knowing one is the only credential. An unknown id, an expired job, a
 * job already downloaded and an id naming another host all get the same 404.
 */

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "batch-endpoints.h"
#include "held-box.h"
#include "sse.h"
#include "job-json.h"
#include "listing.h"
#include "wipe.h"

int parse_job_path(const char *path, const char *prefix, char ret_id[static JOB_ID_MAX]) {
        size_t n = strlen(prefix), len;

        if (strncmp(path, prefix, n) != 0)
                return -EINVAL;
        path += n;
        len = strlen(path);
        if (len < 32 || strspn(path, "0123456789abcdef") != 32)
                return -EINVAL;
        /* The node suffix names the host that holds the job; the proxy routes on it. */
        if (len > 32 && (path[32] != '-' || !job_node_name_is_valid(path + 33)))
                return -EINVAL;
        memcpy(ret_id, path, len + 1);
        return 0;
}

/* What /status answers, and a streamed /logs ends with. */
static json_object *status_to_json(Api *a, Job *j, JsonStream *stream) {
        json_object *o = job_to_json_streamed(j, JOB_JSON_QUEUE | JOB_JSON_OUTCOME | JOB_JSON_METRICS | JOB_JSON_COMPILE,
                                              stream);
        /* Test cases are judged once the job has finished. */
        if (o && job_judge(j) && job_result(j))
                judge_add_json(o, job_judge(j), job_runner_job(j));
        json_object *receipt = job_receipt_get(&a->config.receipts, j);

        if (o && receipt)
                json_object_object_add(o, "receipt", receipt);
        else
                json_object_put(receipt);
        return o;
}

/* Answers with j as JSON (flags; 0: what /status says), its output escaped only as the client reads. */
static void reply_job_json(Api *a, HttpRequest *req, Job *j, JobJsonFlags flags) {
        JsonStream *stream;

        if (job_json_stream_new(&stream, a->jobs, j) < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                return;
        }
        json_object *o = flags != 0 ? job_to_json_streamed(j, flags, stream) : status_to_json(a, j, stream);
        (void) reply_json_stream(req, MHD_HTTP_OK, stream, o);
        json_object_put(o);
}

/* A sealed job's status: only what stays readable (status, exit code, reason, metrics, the test summary);
 * compiler messages, test outputs and the receipt would say what it produced. */
static void reply_sealed_status(HttpRequest *req, Job *j) {
        json_object *o = job_to_json(j, JOB_JSON_QUEUE | JOB_JSON_OUTCOME | JOB_JSON_METRICS);

        if (o && job_judge(j) && job_result(j)) {
                judge_add_json(o, job_judge(j), job_runner_job(j));
                json_object_object_del(o, "tests");
        }
        if (!o) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                return;
        }
        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

static void handle_status(Api *a, HttpRequest *req, Job *j) {
        if (job_seal_to(j)) {
                reply_sealed_status(req, j);
                return;
        }
        reply_job_json(a, req, j, 0);
}

/* What a sealed job produced leaves only in its sealed download. */
static bool refuse_sealed(HttpRequest *req, Job *j) {
        if (!job_seal_to(j))
                return false;
        (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL,
                                        "the job's results are sealed (seal_to): only its download carries them");
        return true;
}

/*
 * GET /logs/ID as server-sent events: what the job has written so far, then more as it comes (looked at
 * every LOGS_TICK: a batch job may have many watchers, each reading the job's buffers at its own pace),
 * then a `result` event with what /status says. Ids are "STDOUT_BYTES,STDERR_BYTES", so that a client
 * resumes both streams with Last-Event-ID.
 */
#define LOGS_TICK_USEC (100 * USEC_PER_MSEC)
#define LOGS_BUFFERED_MAX (256U * 1024U)

typedef struct LogsWatch {
        Api *api;
        HttpRequest *request;
        char id[JOB_ID_MAX];
        SseText out, err;
        sd_event_source *timer;
} LogsWatch;

static void logs_watch_free(void *p) {
        LogsWatch *w = p;

        if (!w)
                return;
        sd_event_source_disable_unref(w->timer);
        free(w);
}

/* New bytes of one stream past what was sent, up to LOGS_CHUNK a tick, as events appended to *buf: 1 if
 * more is left, 0 if not, or -errno. They are copied out of the job (they may be kept encrypted) into a
 * buffer wiped after. */
#define LOGS_CHUNK (64U * 1024U)

static int logs_more(SseText *t, Job *j, int fd, char **buf, size_t *len) {
        _cleanup_(wipe_freep) char *chunk = malloc(LOGS_CHUNK);
        uint64_t have, sent = t->bytes + t->n_held;

        if (!chunk)
                return -ENOMEM;
        ssize_t n = job_stream_read(j, fd, sent, chunk, LOGS_CHUNK, &have);
        if (n <= 0)
                return (int) n;
        int r = sse_text_events(t, chunk, (size_t) n, false, buf, len);
        if (r < 0)
                return r;
        return sent + (uint64_t) n < have;
}

static int logs_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        LogsWatch *w = userdata;
        _cleanup_(wipe_freep) char *buf = NULL, *ev = NULL;
        size_t len = 0, ev_len, json_len;
        Job *j = job_manager_find(w->api->jobs, w->id);

        if (!j) {
                static const char gone[] = "event: error\ndata: {\"error\":\"the job is gone\"}\n\n";
                (void) http_request_stream_end(w->request, gone, strlen(gone));
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        bool done = job_result(j) != NULL;
        /* A client that reads slowly gets the rest later, from the buffers; nothing is lost or held twice. */
        if (http_request_stream_buffered(w->request) < LOGS_BUFFERED_MAX) {
                int more_out = logs_more(&w->out, j, STDOUT_FILENO, &buf, &len),
                    more_err = logs_more(&w->err, j, STDERR_FILENO, &buf, &len);
                if (more_out < 0 || more_err < 0)
                        return 0;
                if (more_out > 0 || more_err > 0)
                        done = false;
                if (len > 0 && http_request_stream_write(w->request, buf, len) < 0)
                        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
                len = 0;
        } else
                done = false;
        if (!done) {
                int r = sd_event_source_set_time_relative(s, LOGS_TICK_USEC);
                return r < 0 ? r : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }

        if (sse_text_events(&w->out, NULL, 0, true, &buf, &len) >= 0 &&
            sse_text_events(&w->err, NULL, 0, true, &buf, &len) >= 0 && len > 0)
                (void) http_request_stream_write(w->request, buf, len);
        json_object *o = status_to_json(w->api, j, NULL);
        const char *json = o ? json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                                 &json_len)
                             : NULL;
        if (json && sse_format("result", NULL, json, json_len, &ev, &ev_len) >= 0)
                (void) http_request_stream_end(w->request, ev, ev_len);
        else
                (void) http_request_stream_end(w->request, "", 0);
        json_object_put(o);
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

static void stream_logs(Api *a, HttpRequest *req, Job *j) {
        const char *last = http_request_header(req, "Last-Event-ID");
        uint64_t from_out = 0, from_err = 0;
        int r;

        if (last && sse_parse_pair_id(last, &from_out, &from_err) < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_BAD_REQUEST, NULL,
                                                "Last-Event-ID must be \"STDOUT_BYTES,STDERR_BYTES\"");
                return;
        }
        LogsWatch *w = calloc(1, sizeof(LogsWatch));
        if (!w) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                return;
        }
        *w = (LogsWatch) { .api = a, .request = req, .out.name = "stdout", .err.name = "stderr" };
        w->out.stdout_of = w->err.stdout_of = &w->out;
        w->out.stderr_of = w->err.stderr_of = &w->err;
        /* Resume where the client was (never past what the job wrote). */
        uint64_t out_size = 0, err_size = 0;
        (void) job_stream_read(j, STDOUT_FILENO, 0, NULL, 0, &out_size);
        (void) job_stream_read(j, STDERR_FILENO, 0, NULL, 0, &err_size);
        w->out.bytes = MIN(from_out, out_size);
        w->err.bytes = MIN(from_err, err_size);
        snprintf(w->id, sizeof(w->id), "%s", job_id(j));
        http_request_set_data(req, w, logs_watch_free);
        r = sd_event_add_time_relative(a->config.event, &w->timer, CLOCK_MONOTONIC, 0, 0, logs_tick, w);
        if (r < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot follow the logs");
                return;
        }
        (void) http_request_reply_stream(req, MHD_HTTP_OK, "text/event-stream; charset=utf-8",
                                         (const char *const[]) { "X-Accel-Buffering", "no", NULL }, SIZE_MAX);
}

static void handle_logs(Api *a, HttpRequest *req, Job *j) {
        if (refuse_sealed(req, j))
                return;
        if (a->config.event && request_wants_events(req)) {
                stream_logs(a, req, j);
                return;
        }
        reply_job_json(a, req, j, JOB_JSON_STREAMS);
}

/* Outputs exist only for a job that completed and whose outputs were packed whole. */
static bool outputs_ready(HttpRequest *req, Job *j) {
        RunnerJob *rj = job_runner_job(j);
        const RunnerResult *res = job_result(j);

        if (!res) {
                (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL, "the job has not finished yet");
                return false;
        }
        if (!res->completed || !rj) {
                (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL,
                                                "the job failed (%s); its files were wiped",
                                                job_reason_to_string(res->reason) ?: "error");
                return false;
        }
        if (res->stage_exit_code != 0 || capped_buffer_truncated(runner_job_archive(rj)) ||
            capped_buffer_truncated(runner_job_listing(rj))) {
                const CappedBuffer *why = runner_job_stage_error(rj);
                (void) http_request_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                                "the outputs could not be packed: %.*s",
                                                why->len > 0 ? (int) strcspn(why->data, "\n") : 23,
                                                why->len > 0 ? why->data : "they exceed the limits");
                return false;
        }
        return true;
}

static void handle_outputs(Api *a, HttpRequest *req, Job *j) {
        if (refuse_sealed(req, j) || !outputs_ready(req, j))
                return;

        /* The listing comes from inside the sandbox: parsed as untrusted, line by line. Once kept encrypted
         * it is decrypted for that into a buffer wiped after. */
        const CappedBuffer *l = runner_job_listing(job_runner_job(j));
        HeldBox *held = job_listing(j);
        _cleanup_(wipe_freep) char *plain = NULL;
        const char *data = l->data;
        size_t data_len = l->len;
        if (held) {
                data_len = (size_t) held_box_size(held);
                plain = malloc(MAX(data_len, (size_t) 1));
                if (!plain || held_box_read(held, 0, plain, data_len) != (ssize_t) data_len) {
                        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                                        "cannot read the list of outputs back");
                        return;
                }
                data = plain;
        }
        json_object *o = json_object_new_object(), *files = json_object_new_array();
        for (const char *p = data, *end = data + data_len; p && p < end;) {
                const char *nl = memchr(p, '\n', end - p);
                size_t len = (nl ?: end) - p;
                _cleanup_(wipe_freep) char *path = NULL;
                uint64_t size;
                if (len > 0 && listing_parse_line(p, len, &path, &size) >= 0) {
                        json_object *f = json_object_new_object();
                        json_object_object_add(f, "path", json_object_new_string(path));
                        json_object_object_add(f, "size", json_object_new_int64((int64_t) size));
                        json_object_array_add(files, f);
                }
                p = nl ? nl + 1 : end;
        }
        json_object_object_add(o, "job_id", json_object_new_string(job_id(j)));
        json_object_object_add(o, "files", files);
        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

typedef struct ArchiveReader {
        HeldBox *box;
        bool owned;                     /* a GET's, freed (its key wiped) when sent; a HEAD reads nothing */
        uint64_t offset;
} ArchiveReader;

static ssize_t archive_read(void *userdata, char *buf, size_t max) {
        ArchiveReader *ar = userdata;
        ssize_t n = held_box_read(ar->box, ar->offset, buf, max);

        if (n > 0)
                ar->offset += (uint64_t) n;
        return n;
}

static void archive_reader_free(void *userdata) {
        ArchiveReader *ar = userdata;

        if (ar->owned)
                held_box_free(ar->box);
        free(ar);
}

/* The tar.gz sealed to the job's recipients: `age -d -i key.txt sandrun-ID.tar.gz.age | tar xz`. No receipt:
 * its digests would say what the outputs are. The outputs are decrypted whole for age (into a buffer wiped
 * after), the sealed message is not held in plain form. */
static void reply_sealed_download(HttpRequest *req, Job *j, bool head) {
        _cleanup_free_ uint8_t *sealed = NULL;
        _cleanup_(wipe_freep) char *plain = NULL;
        const CappedBuffer *a = runner_job_archive(job_runner_job(j));
        HeldBox *held = job_archive(j);
        const char *data = a->data ?: "";
        size_t data_len = a->len, len;
        char disposition[96];
        int r;

        if (held) {
                data_len = held_box_size(held);
                plain = malloc(MAX(data_len, (size_t) 1));
                if (!plain) {
                        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                        return;
                }
                ssize_t n = held_box_read(held, 0, plain, data_len);
                if (n < 0 || (size_t) n != data_len) {
                        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                                        "cannot read the outputs back");
                        return;
                }
                data = plain;
        }
        r = seal_to_encrypt(job_seal_to(j), data, data_len, false, &sealed, &len);
        if (r < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot seal the outputs: %s",
                                                strerror(-r));
                return;
        }
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"sandrun-%s.tar.gz.age\"", job_id(j));
        const char *headers[] = { "Content-Disposition", disposition, NULL };
        (void) http_request_reply(req, MHD_HTTP_OK, "application/octet-stream", sealed, len, headers);
        if (!head)
                job_free(j);
}

static void handle_download(Api *api, HttpRequest *req, Job *j) {
        /* HEAD gets the same headers, and leaves the one-shot download for the GET that fetches it. */
        bool head = streq(http_request_method(req), "HEAD");

        if (!outputs_ready(req, j))
                return;

        char disposition[96];
        if (job_seal_to(j)) {
                reply_sealed_download(req, j, head);
                return;
        }
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"sandrun-%s.tar.gz\"", job_id(j));
        /* The job is gone after this, so its receipt travels with the archive. */
        json_object *receipt = job_receipt_get(&api->config.receipts, j);
        const char *headers[] = {
                "Content-Disposition", disposition,
                receipt ? "X-Sandrun-Receipt" : NULL,
                receipt ? json_object_to_json_string_ext(receipt, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL,
                NULL,
        };
        if (job_archive(j)) {
                /* The encrypted outputs and their key leave with the answer, decrypted a block at a time as
                 * the client reads; the job goes now (a download is one-shot), the key once it is sent. */
                ArchiveReader *ar = calloc(1, sizeof(ArchiveReader));
                if (!ar) {
                        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                        json_object_put(receipt);
                        return;
                }
                ar->box = head ? job_archive(j) : job_take_archive(j);
                ar->owned = !head;
                (void) http_request_reply_reader(req, MHD_HTTP_OK, "application/gzip", headers, held_box_size(ar->box),
                                                 archive_read, ar, archive_reader_free);
        } else {
                /* The body is copied into the response, so the job can go now: a download is one-shot. */
                const CappedBuffer *a = runner_job_archive(job_runner_job(j));
                (void) http_request_reply(req, MHD_HTTP_OK, "application/gzip", a->data ?: "", a->len, headers);
        }
        json_object_put(receipt);
        if (!head)
                job_free(j);
}

bool batch_endpoint_handle(Api *a, HttpRequest *req) {
        static const struct {
                const char *prefix;
                void (*handle)(Api *a, HttpRequest *req, Job *j);
        } routes[] = {
                { "/status/", handle_status },
                { "/logs/", handle_logs },
                { "/outputs/", handle_outputs },
                { "/download/", handle_download },
        };
        const char *path = http_request_path(req), *method = http_request_method(req);
        char id[JOB_ID_MAX];

        for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                if (strncmp(path, routes[i].prefix, strlen(routes[i].prefix)) != 0)
                        continue;
                if (!streq(method, "GET") && !streq(method, "HEAD")) {
                        reply_method_not_allowed(req, "GET");
                        return true;
                }
                Job *j = parse_job_path(path, routes[i].prefix, id) >= 0 ? job_manager_find(a->jobs, id) : NULL;
                if (!j || !job_is_kept(j)) {
                        (void) http_request_reply_error(req, MHD_HTTP_NOT_FOUND, NULL, "no such job");
                        return true;
                }
                routes[i].handle(a, req, j);
                return true;
        }
        return false;
}
