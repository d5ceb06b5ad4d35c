/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "interpreters.h"
#include "io-util.h"
#include "job-json.h"
#include "json-util.h"
#include "metrics.h"
#include "piston-request.h"
#include "piston.h"
#include "program-job.h"
#include "wipe.h"

/* Piston's names for sandrun's languages, and the aliases Piston's own runtimes have. */
static const struct {
        const char *sandrun;
        const char *piston;
        const char *runtime;            /* Piston's "runtime" field, where it names one */
        const char *const *aliases;
} names[] = {
        { "python", "python", NULL, (const char *const[]) { "py", "py3", "python3", NULL } },
        { "node", "javascript", "node", (const char *const[]) { "node-javascript", "node-js", "js", NULL } },
        { "bash", "bash", NULL, (const char *const[]) { NULL } },
        { "sh", "sh", NULL, (const char *const[]) { "dash", NULL } },
        { "perl", "perl", NULL, (const char *const[]) { "pl", NULL } },
        { "c", "c", NULL, (const char *const[]) { "gcc", NULL } },
        { "c++", "c++", NULL, (const char *const[]) { "cpp", "g++", NULL } },
        { "java", "java", NULL, (const char *const[]) { NULL } },
        { "go", "go", NULL, (const char *const[]) { "go", "golang", NULL } },
        { "rust", "rust", NULL, (const char *const[]) { "rs", NULL } },
};

/* Piston reports a version for every runtime; a toolchain that states none gets this. */
#define VERSION_UNKNOWN "0.0.0"

static const char *piston_name(const Interpreter *in, size_t *ret_idx) {
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(names[i].sandrun, in->name)) {
                        *ret_idx = i;
                        return names[i].piston;
                }
        *ret_idx = SIZE_MAX;
        return in->name;
}

static const char *version_of(const Interpreter *in) {
        return in->version[0] ? in->version : VERSION_UNKNOWN;
}

/* Every name a runtime answers to: Piston's, Piston's aliases, sandrun's name and aliases. */
static bool runtime_is_called(const Interpreter *in, const char *name) {
        size_t idx;
        const char *p = piston_name(in, &idx);

        if (strcasecmp(p, name) == 0 || strcasecmp(in->name, name) == 0)
                return true;
        for (const char *const *a = in->aliases; *a; a++)
                if (strcasecmp(*a, name) == 0)
                        return true;
        if (idx != SIZE_MAX)
                for (const char *const *a = names[idx].aliases; *a; a++)
                        if (strcasecmp(*a, name) == 0)
                                return true;
        return false;
}

static json_object *aliases_json(const Interpreter *in) {
        json_object *arr = json_object_new_array();
        size_t idx;
        const char *p = piston_name(in, &idx);

        if (idx != SIZE_MAX)
                for (const char *const *a = names[idx].aliases; *a; a++)
                        json_object_array_add(arr, json_object_new_string(*a));
        if (!streq(p, in->name))
                json_object_array_add(arr, json_object_new_string(in->name));
        for (const char *const *a = in->aliases; *a; a++) {
                bool dup = false;
                for (size_t i = 0; i < json_object_array_length(arr); i++)
                        dup = dup || streq(json_object_get_string(json_object_array_get_idx(arr, i)), *a);
                if (!dup)
                        json_object_array_add(arr, json_object_new_string(*a));
        }
        return arr;
}

/* Piston's error shape, {"message": ...}, with sandrun's "error" key beside it. */
static void piston_reply_error(HttpRequest *req, unsigned status, const char *const *headers, const char *format, ...)
                _printf_(4, 5);
static void piston_reply_error(HttpRequest *req, unsigned status, const char *const *headers, const char *format, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "message", json_object_new_string(msg));
        json_object_object_add(o, "error", json_object_new_string(msg));
        (void) http_request_reply_json(req, status, o, headers);
        json_object_put(o);
}

static void handle_runtimes(HttpRequest *req) {
        const Interpreter *l[32];
        size_t n = interpreters_available(l, ELEMENTSOF(l));
        json_object *arr = json_object_new_array();

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_new_object();
                size_t idx;
                json_object_object_add(e, "language", json_object_new_string(piston_name(l[i], &idx)));
                json_object_object_add(e, "version", json_object_new_string(version_of(l[i])));
                json_object_object_add(e, "aliases", aliases_json(l[i]));
                if (idx != SIZE_MAX && names[idx].runtime)
                        json_object_object_add(e, "runtime", json_object_new_string(names[idx].runtime));
                json_object_array_add(arr, e);
        }
        (void) http_request_reply_json(req, MHD_HTTP_OK, arr, NULL);
        json_object_put(arr);
}

typedef struct PistonWait {
        Api *api;
        HttpRequest *request;
        Job *job;
        const Interpreter *interp;
} PistonWait;

static void piston_wait_free(void *p) {
        PistonWait *w = p;

        if (!w)
                return;
        job_free(w->job);
        free(w);
}

static json_object *signal_json(int sig) {
        char name[32];
        const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;

        if (!abbrev)
                return NULL;
        snprintf(name, sizeof(name), "SIG%s", abbrev);
        return json_object_new_string(name);
}

/* What Piston's run and compile objects hold. */
typedef struct StageFigures {
        bool ran, exited, timed_out, oom, truncated;
        int exit_code, signal;
        double cpu_ms, wall_ms;
        uint64_t memory_bytes;
        bool has_memory;
} StageFigures;

/* out_tag: the stage's stdout in the job's buffers (its stderr follows), read out as the answer is sent. */
static json_object *stage_json(const StageFigures *f, JsonStream *stream, JobBufferTag out_tag) {
        json_object *o = json_object_new_object();
        unsigned tags[] = { out_tag, out_tag + 1 };

        json_object_object_add(o, "stdout", json_stream_hole(stream, tags, 1));
        json_object_object_add(o, "stderr", json_stream_hole(stream, tags + 1, 1));
        json_object_object_add(o, "output", json_stream_hole(stream, tags, 2));
        json_object_object_add(o, "code", f->exited ? json_object_new_int(f->exit_code) : NULL);
        json_object_object_add(o, "signal", f->signal ? signal_json(f->signal) : NULL);

        /* Piston's status letters: TO timeout, SG killed by a signal, RE non-zero exit, OL output cut. */
        const char *status = NULL, *message = NULL;
        if (!f->ran)
                message = "did not run: the compile failed";
        else if (f->timed_out)
                status = "TO", message = "Timeout";
        else if (f->oom)
                status = "SG", message = "Memory limit exceeded";
        else if (f->signal)
                status = "SG", message = "Killed by a signal";
        else if (f->truncated)
                status = "OL", message = "Output limit exceeded";
        else if (f->exited && f->exit_code != 0)
                status = "RE", message = "Non-zero exit code";
        json_object_object_add(o, "message", message ? json_object_new_string(message) : NULL);
        json_object_object_add(o, "status", status ? json_object_new_string(status) : NULL);
        json_object_object_add(o, "cpu_time", f->ran ? json_object_new_int64((int64_t) f->cpu_ms) : NULL);
        json_object_object_add(o, "wall_time", f->ran ? json_object_new_int64((int64_t) f->wall_ms) : NULL);
        json_object_object_add(o, "memory", f->ran && f->has_memory ? json_object_new_int64((int64_t) f->memory_bytes) : NULL);
        return o;
}

static void reply_execute(PistonWait *w) {
        Job *j = w->job;
        const RunnerResult *res = job_result(j);
        RunnerJob *rj = job_runner_job(j);
        JsonStream *stream = NULL;

        if (res && (res->reason == JOB_REASON_LAUNCH || res->reason == JOB_REASON_UPLOAD)) {
                piston_reply_error(w->request, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "the job could not be started (%s)",
                                   res->error ?: "unknown error");
                return;
        }
        /* The output is escaped out of the job's buffers as the client reads, never built whole. */
        if (job_json_stream_new(&stream, w->api->jobs, j) < 0) {
                piston_reply_error(w->request, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                return;
        }
        json_object *o = json_object_new_object();

        size_t idx;
        json_object_object_add(o, "language", json_object_new_string(piston_name(w->interp, &idx)));
        json_object_object_add(o, "version", json_object_new_string(version_of(w->interp)));

        if (res && res->has_compile) {
                const RunnerStepResult *c = &res->compile;
                const CappedBuffer *out = rj ? runner_job_compile_stdout(rj) : NULL;
                const CappedBuffer *err = rj ? runner_job_compile_stderr(rj) : NULL;
                StageFigures f = {
                        .ran = c->ran,
                        .exited = c->ran && WIFEXITED(c->status) && !c->timed_out,
                        .exit_code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 0,
                        .signal = c->ran && WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0,
                        .timed_out = c->timed_out,
                        .oom = c->oom,
                        .truncated = (out && capped_buffer_truncated(out)) || (err && capped_buffer_truncated(err)),
                        .cpu_ms = c->scope_cpu_usec / 1e3,
                        .wall_ms = c->wall_usec / 1e3,
                        .memory_bytes = c->maxrss_kb * 1024,
                        .has_memory = true,
                };
                json_object_object_add(o, "compile", stage_json(&f, stream, JOB_BUFFER_COMPILE_STDOUT));
        }

        const CappedBuffer *out = rj ? runner_job_stdout(rj) : NULL, *err = rj ? runner_job_stderr(rj) : NULL;
        JobRunFigures run;
        job_run_figures(j, &run);
        StageFigures f = {
                .ran = res && res->reason != JOB_REASON_COMPILE,
                .exited = res && res->completed,
                .exit_code = res ? res->exit_code : 0,
                .signal = res ? res->signal : 0,
                .timed_out = res && res->reason == JOB_REASON_TIMEOUT,
                .oom = res && res->reason == JOB_REASON_MEMORY,
                .truncated = (out && capped_buffer_truncated(out)) || (err && capped_buffer_truncated(err)),
                .cpu_ms = run.cpu_usec / 1e3,
                .wall_ms = res ? res->wall_usec / 1e3 : 0,
                .memory_bytes = run.memory_bytes,
                .has_memory = run.has_memory,
        };
        json_object_object_add(o, "run", stage_json(&f, stream, JOB_BUFFER_STDOUT));
        (void) reply_json_stream(w->request, MHD_HTTP_OK, stream, o);
        json_object_put(o);
}

static void on_execute_done(Job *j, void *userdata) {
        reply_execute(userdata);
}

static void handle_execute(Api *a, HttpRequest *req) {
        _cleanup_(piston_request_freep) PistonRequest *p = NULL;
        const char *error = NULL, *body;
        size_t len;
        int r;

        body = http_request_body(req, &len);
        r = piston_request_parse(body, len, &p, &error);
        if (r < 0) {
                piston_reply_error(req, r == -ENOMEM ? 500 : 400, NULL, "%s", error ?: "out of memory");
                return;
        }

        const Interpreter *l[32], *interp = NULL, *named = NULL;
        size_t n = interpreters_available(l, ELEMENTSOF(l));
        for (size_t i = 0; i < n && !interp; i++)
                if (runtime_is_called(l[i], p->language)) {
                        named = l[i];
                        if (piston_version_matches(version_of(l[i]), p->version))
                                interp = l[i];
                }
        if (!interp) {
                char list[512] = "";
                size_t off = 0;
                if (named) {
                        piston_reply_error(req, 400, NULL, "%s-%s runtime is unknown; the versions there are: %s",
                                           p->language, p->version, version_of(named));
                        return;
                }
                for (size_t i = 0; i < n && off < sizeof(list); i++) {
                        size_t idx;
                        off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", piston_name(l[i], &idx));
                }
                piston_reply_error(req, 400, NULL, "%s-%s runtime is unknown; the runtimes there are: %s", p->language,
                                   p->version, list);
                return;
        }

        /* The files after the first go into /work before anything runs. */
        int bundle_fd;
        r = program_files_bundle(p->files + 1, p->n_files - 1, &bundle_fd);
        if (r < 0) {
                piston_reply_error(req, 500, NULL, "out of memory");
                return;
        }
        PistonWait *w = calloc(1, sizeof(PistonWait));
        if (!w) {
                safe_close(bundle_fd);
                piston_reply_error(req, 500, NULL, "out of memory");
                return;
        }
        w->api = a;
        w->request = req;
        w->interp = interp;
        http_request_set_data(req, w, piston_wait_free);

        ProgramRequest pr = {
                .interp = interp,
                .code = p->files[0].content,
                .code_len = p->files[0].size,
                .source_name = p->files[0].name,
                .stdin_data = p->stdin_data,
                .stdin_len = p->stdin_len,
                .args = p->args,
                .timeout_usec = p->run_timeout_usec,
                .compile_timeout_usec = p->compile_timeout_usec,
                .memory_max = p->run_memory_limit,
                .compile_memory_max = p->compile_memory_limit,
                .bundle_fd = bundle_fd,
        };
        ClientKey client;
        FairRefusal refusal;
        request_client(a, req, &client);
        r = program_job_submit(a, &pr, &client, &w->job, &refusal);
        if (r == 1) {
                char retry[32];
                if (a->config.metrics)
                        metrics_refused(a->config.metrics, refusal.http_status);
                snprintf(retry, sizeof(retry), "%" PRIu64, refusal.retry_after_sec);
                piston_reply_error(req, refusal.http_status, (const char *const[]) { "Retry-After", retry, NULL },
                                   "%s; retry in %" PRIu64 " s", refusal.reason, refusal.retry_after_sec);
                return;
        }
        if (r < 0) {
                piston_reply_error(req, r == -EINVAL ? 400 : 500, NULL, "cannot create the job: %s", strerror(-r));
                return;
        }
        if (job_result(w->job)) {
                reply_execute(w);
                return;
        }
        job_set_done_handler(w->job, on_execute_done, w);
        (void) http_request_suspend(req);
}

bool piston_handle(Api *a, HttpRequest *req) {
        const char *method = http_request_method(req), *path = http_request_path(req);
        bool get = streq(method, "GET") || streq(method, "HEAD");

        /* Piston's public instance served the same under /api/v2/piston/. */
        if (streq(path, "/api/v2/runtimes") || streq(path, "/api/v2/piston/runtimes")) {
                if (get)
                        handle_runtimes(req);
                else
                        reply_method_not_allowed(req, "GET");
                return true;
        }
        if (streq(path, "/api/v2/execute") || streq(path, "/api/v2/piston/execute")) {
                if (streq(method, "POST"))
                        handle_execute(a, req);
                else
                        reply_method_not_allowed(req, "POST");
                return true;
        }
        return false;
}
