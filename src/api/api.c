/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api-internal.h"
#include "api.h"
#include "batch-endpoints.h"
#include "interpreters.h"
#include "job-json.h"
#include "memfd-util.h"
#include "piston.h"
#include "program-job.h"
#include "seal-json.h"
#include "sse.h"
#include "strv.h"
#include "submit.h"
#include "web-assets.h"
#include "wipe.h"

/* A /run request waiting for its job. Freed with the request, which kills the job if still running. */
typedef struct RunWait {
        Api *api;
        HttpRequest *request;
        Job *job;
        bool json;
        bool with_timeline;
        JudgeSpec *judge;
        SealRecipients *seal_to;        /* NULL: the result goes out readable */
        bool stream;                    /* answering with server-sent events */
        bool dropped;                   /* the client fell behind: no more output events */
        SseText out, err;
} RunWait;

/* What a streamed /run holds for a client that reads slowly; past it output events stop with a marker
 * (the result event still carries all the output kept). */
#define LIVE_BUFFERED_MAX (1024U * 1024U)
#define LIVE_RESERVE 4096U

static void run_wait_free(void *p) {
        RunWait *w = p;

        if (!w)
                return;
        job_free(w->job);
        judge_spec_free(w->judge);
        seal_recipients_free(w->seal_to);
        free(w);
}

static int write_events(RunWait *w, const char *buf, size_t len) {
        return len > 0 ? http_request_stream_write(w->request, buf, len) : 0;
}

static void on_run_output(Job *j, int fd, const void *data, size_t len, void *userdata) {
        RunWait *w = userdata;
        _cleanup_(wipe_freep) char *buf = NULL, *marker = NULL;
        size_t n = 0, marker_len;
        char counts[96];

        if (w->dropped)
                return;
        snprintf(counts, sizeof(counts), "{\"stdout\":%" PRIu64 ",\"stderr\":%" PRIu64 "}", w->out.bytes, w->err.bytes);
        if (sse_text_events(fd == STDOUT_FILENO ? &w->out : &w->err, data, len, false, &buf, &n) < 0 ||
            http_request_stream_buffered(w->request) + n > LIVE_BUFFERED_MAX - LIVE_RESERVE) {
                /* Say up to where each stream was sent, once; the job runs on regardless. */
                w->dropped = true;
                if (sse_format("dropped", NULL, counts, strlen(counts), &marker, &marker_len) >= 0)
                        (void) write_events(w, marker, marker_len);
                return;
        }
        (void) write_events(w, buf, n);
}

/* The `result` event's data line: the answer (one line of JSON, which ends in a newline), then the blank
 * line that ends the event. */
typedef struct ResultEvent {
        JsonStream *json;
        bool json_done, ended;
} ResultEvent;

static ssize_t result_event_read(void *userdata, char *buf, size_t max) {
        ResultEvent *e = userdata;

        if (!e->json_done) {
                ssize_t n = json_stream_read(e->json, buf, max);
                if (n != 0)
                        return n;
                e->json_done = true;
        }
        if (e->ended)
                return 0;
        buf[0] = '\n';
        e->ended = true;
        return 1;
}

static void result_event_free(void *userdata) {
        ResultEvent *e = userdata;

        json_stream_free(e->json);
        free(e);
}

/* The end of a streamed /run: what was held back of each stream, then the answer as a `result` event, its
 * output escaped out of the job's buffers as the client reads, like a JSON answer (stream: taken). */
static void end_run_stream(RunWait *w, json_object *o, JsonStream *stream) {
        static const char oom[] = "event: error\ndata: {\"error\":\"out of memory\"}\n\n";
        _cleanup_(json_stream_freep) JsonStream *json = stream;
        _cleanup_(wipe_freep) char *buf = NULL;
        size_t n = 0;

        if (!w->dropped && sse_text_events(&w->out, NULL, 0, true, &buf, &n) >= 0 &&
            sse_text_events(&w->err, NULL, 0, true, &buf, &n) >= 0)
                (void) write_events(w, buf, n);
        ResultEvent *e = o && json && json_stream_finish(json, o) >= 0 ? calloc(1, sizeof(ResultEvent)) : NULL;
        if (!e) {
                (void) http_request_stream_end(w->request, oom, strlen(oom));
                return;
        }
        e->json = TAKE_PTR(json);
        (void) http_request_stream_end_reader(w->request, "event: result\ndata: ", strlen("event: result\ndata: "),
                                              result_event_read, e, result_event_free);
}

/*
 * A plain answer: the job's stdout then stderr, read from its buffers as the client takes them (never
 * copied whole), and a line of our own if it could not start. Only the bytes there were when the answer
 * began are sent.
 */
typedef struct PlainAnswer {
        JobManager *jobs;
        char id[JOB_ID_MAX];
        JobBufferTag tags[2];
        uint64_t lens[2], off;
        size_t piece;
        char tail[256];
        size_t tail_len, tail_off;
} PlainAnswer;

static ssize_t plain_answer_read(void *userdata, char *buf, size_t max) {
        PlainAnswer *p = userdata;

        while (p->piece < ELEMENTSOF(p->tags)) {
                uint64_t have;
                size_t want = (size_t) MIN((uint64_t) max, p->lens[p->piece] - p->off);
                if (want == 0) {
                        p->piece++;
                        p->off = 0;
                        continue;
                }
                ssize_t n = job_buffer_read(p->jobs, p->id, p->tags[p->piece], p->off, buf, want, &have);
                if (n < 0)
                        return n;
                if (have < p->lens[p->piece] || (size_t) n != want)
                        return -ESTALE;
                p->off += (uint64_t) n;
                return n;
        }
        size_t n = MIN(max, p->tail_len - p->tail_off);
        memcpy(buf, p->tail + p->tail_off, n);
        p->tail_off += n;
        return (ssize_t) n;
}

static void plain_answer_free(void *userdata) {
        PlainAnswer *p = userdata;

        explicit_bzero(p, sizeof(*p));
        free(p);
}

static int reply_plain(RunWait *w, const char *const *headers) {
        Job *j = w->job;
        const RunnerResult *res = job_result(j);
        PlainAnswer *p = calloc(1, sizeof(PlainAnswer));

        if (!p)
                return -ENOMEM;
        p->jobs = w->api->jobs;
        snprintf(p->id, sizeof(p->id), "%s", job_id(j));
        /* A program that did not compile has no output of its own: the compiler's messages are the answer. */
        bool compile = job_runner_job(j) && res && res->reason == JOB_REASON_COMPILE;
        p->tags[0] = compile ? JOB_BUFFER_COMPILE_STDOUT : JOB_BUFFER_STDOUT;
        p->tags[1] = compile ? JOB_BUFFER_COMPILE_STDERR : JOB_BUFFER_STDERR;
        for (size_t i = 0; i < ELEMENTSOF(p->tags); i++)
                if (job_buffer_read(p->jobs, p->id, p->tags[i], 0, NULL, 0, &p->lens[i]) < 0)
                        p->lens[i] = 0;
        if (res && res->reason == JOB_REASON_LAUNCH)
                p->tail_len = MIN(sizeof(p->tail) - 1,
                                  (size_t) snprintf(p->tail, sizeof(p->tail), "sandrun: the job could not be started (%s)\n",
                                                    res->error ?: "unknown error"));
        return http_request_reply_reader(w->request, MHD_HTTP_OK, "text/plain; charset=utf-8", headers,
                                         p->lens[0] + p->lens[1] + p->tail_len, plain_answer_read, p, plain_answer_free);
}

/* The most JSON a sealed answer's plaintext may be: every output escaped (up to six bytes a byte), twice. */
#define SEALED_PLAIN_MAX ((size_t) 256 << 20)

static ssize_t read_json_stream(void *userdata, char *buf, size_t max) {
        return json_stream_read(userdata, buf, max);
}

/* The whole answer with what the job produced (and the receipt, taken) sealed into *ret_sealed; returns what
 * stays readable, or NULL. The sealed part's JSON is escaped from the job's buffers as it is sealed, so no
 * copy of the output is made but the one being sealed, and that one is wiped. */
static json_object *sealed_run_json(RunWait *w, json_object *receipt, char **ret_sealed, size_t *ret_len) {
        _cleanup_(json_stream_freep) JsonStream *stream = NULL;
        json_object *o = NULL, *inner = NULL;
        int r;

        if (job_json_stream_new(&stream, w->api->jobs, w->job) >= 0)
                o = job_to_json_streamed(w->job, JOB_JSON_OUTCOME | JOB_JSON_STREAMS | JOB_JSON_COMBINED |
                                                         JOB_JSON_METRICS | JOB_JSON_COMPILE |
                                                         (w->with_timeline ? JOB_JSON_TIMELINE : 0),
                                         stream);
        if (o && w->judge)
                judge_add_json(o, w->judge, job_runner_job(w->job));
        if (o && receipt)
                json_object_object_add(o, "receipt", receipt);
        else
                json_object_put(receipt);
        if (!o)
                return NULL;

        r = seal_json_move_fields(o, seal_run_fields, &inner);
        if (r >= 0)
                r = json_stream_finish(stream, inner);
        if (r >= 0)
                r = seal_read_armored(read_json_stream, stream, SEALED_PLAIN_MAX, w->seal_to, ret_sealed, ret_len);
        seal_json_wipe(inner);
        json_object_put(inner);
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static void reply_run_result(RunWait *w) {
        Job *j = w->job;
        const RunnerResult *res = job_result(j);
        RunnerJob *rj = job_runner_job(j);

        json_object *receipt = job_receipt_get(&w->api->config.receipts, j);
        _cleanup_free_ char *sealed = NULL;
        size_t sealed_len = 0;
        if (w->seal_to) {
                /* Sealed: the output, the receipt, compiler messages and test outputs leave only as age
                 * ciphertext; status, exit code, reason and metrics stay readable. */
                json_object *o = sealed_run_json(w, TAKE_PTR(receipt), &sealed, &sealed_len);
                if (!o) {
                        (void) http_request_reply_error(w->request, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                                        "cannot seal the result");
                        return;
                }
                if (w->json) {
                        json_object_object_add(o, "sealed", json_object_new_string_len(sealed, (int) sealed_len));
                        (void) http_request_reply_json(w->request, MHD_HTTP_OK, o, NULL);
                        json_object_put(o);
                        return;
                }
                json_object_put(o);     /* for a plain client what stays readable goes in headers */
        } else if (w->json || w->stream) {
                _cleanup_(json_stream_freep) JsonStream *stream = NULL;
                /* The job's output in the answer (or a stream's last event) is read out of its buffers as the
                 * client takes it. */
                if (job_json_stream_new(&stream, w->api->jobs, j) < 0) {
                        if (w->stream)
                                end_run_stream(w, NULL, NULL);
                        else
                                (void) http_request_reply_error(w->request, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
                                                                "out of memory");
                        json_object_put(receipt);
                        return;
                }
                json_object *o = job_to_json_streamed(j, JOB_JSON_OUTCOME | JOB_JSON_STREAMS | JOB_JSON_COMBINED | JOB_JSON_METRICS |
                                                        JOB_JSON_COMPILE | (w->with_timeline ? JOB_JSON_TIMELINE : 0),
                                                stream);
                if (o && w->judge)
                        judge_add_json(o, w->judge, rj);
                if (o && receipt)
                        json_object_object_add(o, "receipt", receipt);
                else
                        json_object_put(receipt);
                if (w->stream)
                        end_run_stream(w, o, TAKE_PTR(stream));
                else
                        (void) reply_json_stream(w->request, MHD_HTTP_OK, TAKE_PTR(stream), o);
                json_object_put(o);
                return;
        }

        /* Plain clients (curl) get the program's output as it is, and the rest in headers. */
        char exit_code[16] = "", cpu[32] = "", mem[32] = "", wall[32] = "", sig[16] = "";
        const char *headers[20];
        size_t n = 0;
        headers[n++] = "X-Sandrun-Job-Id";
        headers[n++] = job_id(j);
        headers[n++] = "X-Sandrun-Status";
        headers[n++] = job_status_to_string(job_status(j));
        if (res && res->completed) {
                snprintf(exit_code, sizeof(exit_code), "%d", res->exit_code);
                headers[n++] = "X-Sandrun-Exit-Code";
                headers[n++] = exit_code;
        }
        if (res && job_reason_to_string(res->reason)) {
                headers[n++] = "X-Sandrun-Reason";
                headers[n++] = job_reason_to_string(res->reason);
        }
        if (res && res->signal) {
                snprintf(sig, sizeof(sig), "%d", res->signal);
                headers[n++] = "X-Sandrun-Signal";
                headers[n++] = sig;
        }
        JobRunFigures f;
        job_run_figures(j, &f);
        if (res && f.has_cpu) {
                snprintf(cpu, sizeof(cpu), "%.3f", f.cpu_usec / 1e6);
                headers[n++] = "X-Sandrun-CPU-Seconds";
                headers[n++] = cpu;
        }
        if (res && f.has_memory) {
                snprintf(mem, sizeof(mem), "%.3f", f.memory_bytes / (1024.0 * 1024.0));
                headers[n++] = "X-Sandrun-Memory-MB";
                headers[n++] = mem;
        }
        snprintf(wall, sizeof(wall), "%.3f", res ? res->wall_usec / 1e6 : 0.0);
        headers[n++] = "X-Sandrun-Wall-Seconds";
        headers[n++] = wall;
        /* The receipt is base64, hex and JSON punctuation: one header line as it is. */
        if (receipt) {
                headers[n++] = "X-Sandrun-Receipt";
                headers[n++] = json_object_to_json_string_ext(receipt, JSON_C_TO_STRING_PLAIN |
                                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
        }
        headers[n] = NULL;

        if (sealed) {
                /* A plain client gets the armored message as it is: `| age -d -i key.txt` opens it. */
                (void) http_request_reply(w->request, MHD_HTTP_OK, "text/plain; charset=utf-8", sealed, sealed_len,
                                          headers);
                return;
        }
        if (reply_plain(w, headers) < 0)
                (void) http_request_reply_error(w->request, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        json_object_put(receipt);
}

static void on_run_done(Job *j, void *userdata) {
        RunWait *w = userdata;

        /* Dropped from the queue for another client's room: nothing ran, so the answer is the refusal it
         * would have had, which clients retry (a streamed answer has sent its status; its result says). */
        if (job_was_dropped(j) && !w->stream) {
                FairRefusal refusal = {
                        .http_status = MHD_HTTP_SERVICE_UNAVAILABLE,
                        .retry_after_sec = 5,
                        .reason = "your queued job was dropped: the server was full and your address held more "
                                  "than its share",
                };
                reply_refusal(w->api, w->request, &refusal);
                return;
        }
        reply_run_result(w);
}

static bool wants_json(HttpRequest *req, const RunRequest *rr) {
        const char *accept = http_request_header(req, "Accept");
        return rr->json || (accept && strstr(accept, "application/json"));
}

/* The digests a /run receipt gives of what the client sent: code, stdin if any, the arguments, each
 * followed by a NUL, and each test case's stdin and expected output. */
static int make_run_receipt(const RunRequest *rr, uint64_t timeout_usec, JobReceipt **ret) {
        _cleanup_(job_receipt_freep) JobReceipt *receipt = NULL;
        _cleanup_free_ char *args = NULL;
        size_t args_len = 0;
        int r;

        r = job_receipt_new(&receipt);
        if (r < 0)
                return r;
        job_receipt_set_timeout(receipt, timeout_usec);
        r = job_receipt_add_input(receipt, "code", rr->code, rr->code_len);
        if (r >= 0 && rr->stdin_data)
                r = job_receipt_add_input(receipt, "stdin", rr->stdin_data, rr->stdin_len);
        if (r < 0)
                return r;
        for (char **arg = rr->args; *arg; arg++)
                args_len += strlen(*arg) + 1;
        args = malloc(args_len + 1);
        if (!args)
                return -ENOMEM;
        char *p = args;
        for (char **arg = rr->args; *arg; arg++)
                p = stpcpy(p, *arg) + 1;
        r = job_receipt_add_input(receipt, "args", args, args_len);
        for (size_t i = 0; r >= 0 && i < rr->n_files; i++) {
                r = job_receipt_upload_begin(receipt, "files");
                if (r >= 0)
                        r = job_receipt_upload_update(receipt, rr->files[i].content, rr->files[i].size);
                if (r >= 0)
                        r = job_receipt_upload_end(receipt);
        }
        for (size_t i = 0; r >= 0 && rr->judge && i < rr->judge->n_cases; i++) {
                const JudgeCase *c = &rr->judge->cases[i];
                r = job_receipt_add_test_case(receipt, c->stdin_data, c->stdin_len, c->expected, c->expected_len);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(receipt);
        return 0;
}

static void handle_run(Api *a, HttpRequest *req) {
        _cleanup_(run_request_freep) RunRequest *rr = NULL;
        _cleanup_(job_receipt_freep) JobReceipt *receipt = NULL;
        _cleanup_close_ int bundle_fd = -EBADF;
        const char *error = NULL, *body;
        size_t len;
        int r;

        body = http_request_body(req, &len);
        r = run_request_parse(http_request_header(req, "Content-Type"), http_request_query(req, "lang"), body, len,
                              &a->config.run_limits, &rr, &error);
        if (r < 0) {
                (void) http_request_reply_error(req, r == -ENOMEM ? 500 : 400, NULL, "%s", error ?: "out of memory");
                return;
        }
        /* ?seal_to=age1...[,age1...] for clients that send the program as it is. */
        const char *seal_query = http_request_query(req, "seal_to");
        if (seal_query && rr->seal_to) {
                (void) http_request_reply_error(req, 400, NULL, "give \"seal_to\" in the JSON body or the query, not both");
                return;
        }
        if (seal_query) {
                r = seal_to_from_string(seal_query, strlen(seal_query), &rr->seal_to, &error);
                if (r < 0) {
                        (void) http_request_reply_error(req, r == -ENOMEM ? 500 : 400, NULL, "%s",
                                                        error ?: "out of memory");
                        return;
                }
        }
        if (rr->seal_to && request_wants_events(req)) {
                (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL,
                                                "a sealed run has no live output; ask without the event stream");
                return;
        }

        const char *name = rr->interpreter ?: DEFAULT_INTERPRETER;
        const Interpreter *interp = interpreter_find(name);
        if (!interp) {
                char list[256];
                interpreters_format_list(list, sizeof(list));
                (void) http_request_reply_error(req, 400, NULL, "unknown or unavailable interpreter \"%s\"; available: %s",
                                                name, list);
                return;
        }

        uint64_t timeout = rr->timeout_usec ?: a->config.default_timeout_usec;
        if (make_run_receipt(rr, MIN(timeout, a->config.max_timeout_usec), &receipt) < 0)
                goto oom;

        if (program_files_bundle(rr->files, rr->n_files, &bundle_fd) < 0)
                goto oom;

        RunWait *w = calloc(1, sizeof(RunWait));
        if (!w)
                goto oom;
        w->api = a;
        w->request = req;
        w->judge = TAKE_PTR(rr->judge);
        w->seal_to = TAKE_PTR(rr->seal_to);
        w->json = wants_json(req, rr);
        w->stream = request_wants_events(req);
        w->with_timeline = a->config.debug_timeline;
        http_request_set_data(req, w, run_wait_free);

        ClientKey client;
        FairRefusal refusal;
        request_client(a, req, &client);
        ProgramRequest p = {
                .interp = interp,
                .code = rr->code,
                .code_len = rr->code_len,
                .stdin_data = rr->stdin_data,
                .stdin_len = rr->stdin_len,
                .args = rr->args,
                .timeout_usec = rr->timeout_usec,
                .judge = w->judge,
                .source_name = rr->source_name,
                .bundle_fd = TAKE_FD(bundle_fd),
        };
        r = program_job_submit(a, &p, &client, &w->job, &refusal);
        if (r == 1) {
                reply_refusal(a, req, &refusal);
                return;
        }
        if (r < 0) {
                (void) http_request_reply_error(req, 500, NULL, "cannot create the job: %s", strerror(-r));
                return;
        }
        job_receipt_attach(w->job, TAKE_PTR(receipt));
        if (w->stream) {
                const char *headers[] = { "X-Sandrun-Job-Id", job_id(w->job), "X-Accel-Buffering", "no", NULL };
                r = http_request_reply_stream(req, MHD_HTTP_OK, "text/event-stream; charset=utf-8", headers,
                                              LIVE_BUFFERED_MAX);
                if (r < 0)
                        return;         /* freeing the request frees the job */
                w->out.name = "stdout";
                w->err.name = "stderr";
                job_set_output_handler(w->job, on_run_output, w);
        }
        if (job_result(w->job)) {
                reply_run_result(w);
                return;
        }
        job_set_done_handler(w->job, on_run_done, w);
        /* A stream's connection sleeps by itself until there is something to send. */
        if (!w->stream)
                (void) http_request_suspend(req);
        return;
oom:
        (void) http_request_reply_error(req, 500, NULL, "out of memory");
}

/* GET /receipt-key/{key_id}: the public key receipts are signed with, as PEM. Only this daemon's key is
 * known; a cluster that shares one key (a credential) answers for it on every host. */
static void handle_receipt_key(Api *a, HttpRequest *req, const char *key_id) {
        const ReceiptKey *k = a->config.receipts.key;

        if (!k || !streq(key_id, receipt_key_id(k))) {
                (void) http_request_reply_error(req, MHD_HTTP_NOT_FOUND, NULL, "no such receipt key");
                return;
        }
        const char *pem = receipt_key_public_pem(k);
        (void) http_request_reply(req, MHD_HTTP_OK, "application/x-pem-file", pem, strlen(pem), NULL);
}

static void handle_languages(Api *a, HttpRequest *req) {
        const Interpreter *l[16];
        size_t n = interpreters_available(l, ELEMENTSOF(l));
        json_object *o = json_object_new_object(), *arr = json_object_new_array();

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_new_object(), *aliases = json_object_new_array(),
                            *ext = json_object_new_array();
                json_object_object_add(e, "name", json_object_new_string(l[i]->name));
                for (const char *const *al = l[i]->aliases; *al; al++)
                        json_object_array_add(aliases, json_object_new_string(*al));
                json_object_object_add(e, "aliases", aliases);
                for (const char *const *x = l[i]->extensions; *x; x++)
                        json_object_array_add(ext, json_object_new_string(*x));
                json_object_object_add(e, "extensions", ext);
                json_object_object_add(e, "default", json_object_new_boolean(strcmp(l[i]->name, DEFAULT_INTERPRETER) == 0));
                json_object_object_add(e, "version", l[i]->version[0] ? json_object_new_string(l[i]->version) : NULL);
                json_object_object_add(e, "compiled", json_object_new_boolean(l[i]->compile_args != NULL));
                json_object_array_add(arr, e);
        }
        json_object_object_add(o, "languages", arr);
        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

/* For load balancers: cheap, touches no job; fails when jobs cannot be started at all. Draining is
 * not a failure here: the agent check says it, so that held jobs stay reachable. */
static void handle_health(Api *a, HttpRequest *req) {
        if (!job_manager_can_run(a->jobs)) {
                (void) http_request_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "the runner is not usable");
                return;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status",
                               json_object_new_string(job_manager_is_draining(a->jobs) ? "draining" : "ok"));
        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

static bool handle_asset(HttpRequest *req) {
        const WebAsset *asset = web_asset_find(http_request_path(req));
        const char *inm;

        if (!asset)
                return false;
        WebAssetBody body = web_asset_pick(asset, http_request_header(req, "Accept-Encoding"));
        inm = http_request_header(req, "If-None-Match");
        /* Vary whenever a gzip copy exists (so always when Content-Encoding follows): caches keep both. */
        const char *headers[] = { "ETag", body.etag, "Cache-Control", "no-cache",
                                  asset->gzip_data ? "Vary" : NULL, "Accept-Encoding",
                                  "Content-Encoding", body.encoding, NULL };
        if (inm && body.etag && strcmp(inm, body.etag) == 0)
                (void) http_request_reply(req, MHD_HTTP_NOT_MODIFIED, NULL, "", 0, headers);
        else
                (void) http_request_reply(req, MHD_HTTP_OK, asset->content_type, body.data, body.size, headers);
        return true;
}

void api_handle_request(HttpRequest *req, void *userdata) {
        Api *a = userdata;
        const char *method = http_request_method(req), *path = http_request_path(req);
        bool get = streq(method, "GET") || streq(method, "HEAD"), post = streq(method, "POST");

        if (streq(path, "/run")) {
                if (post)
                        handle_run(a, req);
                else
                        reply_method_not_allowed(req, "POST");
                return;
        }
        if (streq(path, "/submit")) {
                if (post)
                        submit_finish(a, req);
                else
                        reply_method_not_allowed(req, "POST");
                return;
        }
        if (batch_endpoint_handle(a, req))
                return;
        if (streq(path, "/healthz")) {
                if (get)
                        handle_health(a, req);
                else
                        reply_method_not_allowed(req, "GET");
                return;
        }
        if (strncmp(path, "/receipt-key/", 13) == 0) {
                if (get)
                        handle_receipt_key(a, req, path + 13);
                else
                        reply_method_not_allowed(req, "GET");
                return;
        }
        if (piston_handle(a, req))
                return;
        if (streq(path, "/languages")) {
                if (get)
                        handle_languages(a, req);
                else
                        reply_method_not_allowed(req, "GET");
                return;
        }
        if (web_asset_find(path)) {
                if (!get)
                        reply_method_not_allowed(req, "GET");
                else
                        (void) handle_asset(req);
                return;
        }
        (void) http_request_reply_error(req, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint: %s", path);
}

static CorsVerdict request_cors(Api *a, HttpRequest *req) {
        return cors_check(&a->config.cors, http_request_header(req, "Origin"), http_request_header(req, "Host"),
                          a->config.tls);
}

/* Answers a preflight, or any OPTIONS: what a page may send. */
static void reply_options(HttpRequest *req) {
        const char *const headers[] = {
                "Allow", CORS_ALLOW_METHODS,
                "Access-Control-Allow-Methods", CORS_ALLOW_METHODS,
                "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age", CORS_MAX_AGE,
                NULL,
        };
        (void) http_request_reply(req, MHD_HTTP_NO_CONTENT, NULL, "", 0, headers);
}

void api_handle_headers(HttpRequest *req, void *userdata) {
        Api *a = userdata;

        /* A page's simple POST needs no preflight, so the browser would send it and only hide the answer:
         * refuse a disallowed origin here, before the body is read or anything runs or is billed. */
        if (request_cors(a, req) == CORS_REFUSED) {
                (void) http_request_reply_error(req, MHD_HTTP_FORBIDDEN, NULL,
                                                "pages from origin %s may not use this server",
                                                http_request_header(req, "Origin"));
                return;
        }
        if (streq(http_request_method(req), "OPTIONS")) {
                reply_options(req);
                return;
        }
        if (streq(http_request_path(req), "/submit") && streq(http_request_method(req), "POST"))
                submit_begin(a, req);
}

void api_decorate_response(HttpRequest *req, void *response, void *userdata) {
        Api *a = userdata;
        ClientKey client;
        char budget[32];

        request_client(a, req, &client);
        snprintf(budget, sizeof(budget), "%.1f", job_manager_budget_remaining(a->jobs, &client) / 1e6);
        http_response_add_header(response, "X-Sandrun-Budget-Remaining", budget);

        if (request_cors(a, req) == CORS_ALLOWED) {
                http_response_add_header(response, "Access-Control-Allow-Origin",
                                         cors_allow_origin_value(&a->config.cors, http_request_header(req, "Origin")));
                http_response_add_header(response, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
        }
        /* Caches must not hand one origin's answer to another. */
        if (a->config.cors.origins)
                http_response_add_header(response, "Vary", "Origin");

        /* API answers are personal and momentary. */
        if (!web_asset_find(http_request_path(req)))
                http_response_add_header(response, "Cache-Control", "no-store");
}

bool api_peer_is_trusted_proxy(const struct sockaddr *sa, socklen_t len, void *userdata) {
        Api *a = userdata;
        IpAddress ip;

        return a->config.trusted_proxies.n_entries > 0 && ip_address_from_sockaddr(sa, len, &ip) >= 0 &&
               cidr_list_contains(&a->config.trusted_proxies, &ip);
}

int api_request_client_key(HttpRequest *req, ClientKey *ret, void *userdata) {
        request_client(userdata, req, ret);
        return 0;
}

int api_new(Api **ret, JobManager *jobs, const ApiConfig *config) {
        Api *a = calloc(1, sizeof(Api));

        if (!a)
                return -ENOMEM;
        a->jobs = jobs;
        a->config = *config;
        *ret = a;
        return 0;
}

Api *api_free(Api *a) {
        free(a);
        return NULL;
}
