/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "job-json.h"
#include "json-util.h"
#include "wipe.h"

static json_object *timeline_to_json(const RunnerTimeline *t) {
        json_object *o = json_object_new_object();
        const struct {
                const char *name;
                uint64_t v;
        } marks[] = {
                { "sandbox_ready", t->ready }, { "scope_started", t->scope_started },
                { "released", t->released },   { "exited", t->exited },
                { "accounted", t->accounted }, { "finished", t->finished },
        };

        /* Milliseconds since the child was forked. */
        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (marks[i].v >= t->spawned && t->spawned > 0)
                        json_object_object_add(o, marks[i].name,
                                               json_fixed3((marks[i].v - t->spawned) / 1000.0));
        return o;
}

static void add_queue(json_object *o, Job *j) {
        unsigned position;
        uint64_t eta;

        if (job_queue_status(j, &position, &eta) < 0)
                return;
        char when[64];
        time_t t = (time_t) (eta / USEC_PER_SEC);
        struct tm tm;
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        /* 1-based for people: "you are next" is position 1. */
        json_object_object_add(o, "queue_position", json_object_new_int((int) position + 1));
        json_object_object_add(o, "estimated_start", json_object_new_string(when));
}

/* Why a job could not start or unpack: sandrun-stage's one line if it said one (without its newline),
 * else the runner's words and the errno behind them. */
static json_object *error_to_json(Job *j, const RunnerResult *res) {
        RunnerJob *rj = job_runner_job(j);
        const CappedBuffer *why = rj ? runner_job_stage_error(rj) : NULL;
        size_t len = why ? strcspn(why->data ?: "", "\n") : 0;
        char msg[256];

        if (len > 0)
                return json_string_from_bytes(why->data, MIN(len, why->len));
        snprintf(msg, sizeof(msg), "%s%s%s", res->error, res->error_errno ? ": " : "",
                 res->error_errno ? strerror(res->error_errno) : "");
        return json_object_new_string(msg);
}

static void add_outcome(json_object *o, Job *j) {
        const RunnerResult *res = job_result(j);

        json_object_object_add(o, "exit_code", res && res->completed ? json_object_new_int(res->exit_code) : NULL);
        json_object_object_add(o, "signal", res && res->signal ? json_object_new_int(res->signal) : NULL);
        const char *reason = res ? job_reason_to_string(res->reason) : NULL;
        json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
        if (res && res->error && (res->reason == JOB_REASON_LAUNCH || res->reason == JOB_REASON_UPLOAD))
                json_object_object_add(o, "error", error_to_json(j, res));
}

typedef struct JobRef {
        JobManager *manager;
        char id[JOB_ID_MAX];
} JobRef;

ssize_t job_buffer_read(JobManager *m, const char *id, JobBufferTag tag, uint64_t offset, void *buf, size_t max,
                        uint64_t *ret_size) {
        Job *j = job_manager_find(m, id);
        RunnerJob *rj = j ? job_runner_job(j) : NULL;
        const CappedBuffer *b;

        if (!j)
                return -ENOENT;
        switch (tag) {
        case JOB_BUFFER_STDOUT:
                return job_stream_read(j, STDOUT_FILENO, offset, buf, max, ret_size);
        case JOB_BUFFER_STDERR:
                return job_stream_read(j, STDERR_FILENO, offset, buf, max, ret_size);
        case JOB_BUFFER_COMPILE_STDOUT:
                b = rj ? runner_job_compile_stdout(rj) : NULL;
                break;
        case JOB_BUFFER_COMPILE_STDERR:
                b = rj ? runner_job_compile_stderr(rj) : NULL;
                break;
        default:
                return -EINVAL;
        }
        size_t len = b ? b->len : 0, n = offset < len ? MIN(max, len - (size_t) offset) : 0;
        if (ret_size)
                *ret_size = len;
        if (n > 0)
                memcpy(buf, b->data + offset, n);
        return (ssize_t) n;
}

static ssize_t job_ref_read(void *userdata, unsigned tag, uint64_t offset, void *buf, size_t max, uint64_t *ret_size) {
        JobRef *ref = userdata;

        return job_buffer_read(ref->manager, ref->id, tag, offset, buf, max, ret_size);
}

int job_json_stream_new(JsonStream **ret, JobManager *m, Job *j) {
        JobRef *ref = calloc(1, sizeof(JobRef));

        if (!ref)
                return -ENOMEM;
        ref->manager = m;
        snprintf(ref->id, sizeof(ref->id), "%s", job_id(j));
        return json_stream_new(ret, job_ref_read, ref, free);
}

static void add_buffers(json_object *o, const CappedBuffer *out, const CappedBuffer *err, bool combined,
                        JsonStream *stream, unsigned out_tag) {
        size_t out_len = out ? out->len : 0, err_len = err ? err->len : 0;

        if (stream) {
                unsigned tags[] = { out_tag, out_tag + 1 };
                json_object_object_add(o, "stdout", json_stream_hole(stream, tags, 1));
                json_object_object_add(o, "stderr", json_stream_hole(stream, tags + 1, 1));
                if (combined)
                        json_object_object_add(o, "output", json_stream_hole(stream, tags, 2));
        } else {
                json_object_object_add(o, "stdout", json_string_from_bytes(out && out->data ? out->data : "", out_len));
                json_object_object_add(o, "stderr", json_string_from_bytes(err && err->data ? err->data : "", err_len));
        }
        if (combined && !stream) {
                char *both = malloc(out_len + err_len + 1);
                if (both) {
                        memcpy(both, out && out->data ? out->data : "", out_len);
                        memcpy(both + out_len, err && err->data ? err->data : "", err_len);
                        json_object_object_add(o, "output", json_string_from_bytes(both, out_len + err_len));
                        wipe_free(both);
                }
        }
        bool truncated = (out && capped_buffer_truncated(out)) || (err && capped_buffer_truncated(err));
        json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
}

static void add_streams(json_object *o, Job *j, bool combined, JsonStream *stream) {
        RunnerJob *rj = job_runner_job(j);

        add_buffers(o, rj ? runner_job_stdout(rj) : NULL, rj ? runner_job_stderr(rj) : NULL, combined, stream,
                    JOB_BUFFER_STDOUT);
}

void job_run_figures(Job *j, JobRunFigures *ret) {
        const RunnerResult *res = job_result(j);
        RunnerJob *rj = job_runner_job(j);
        /* The job is billed for its compile too; its figures are the run's own. */
        uint64_t cpu = job_cpu_usec(j), compile_cpu = res && res->has_compile ? res->compile.scope_cpu_usec : 0;

        *ret = (JobRunFigures) {
                /* Final figures once finished (none when the cgroup could not be read), live ones while running. */
                .has_cpu = res ? res->has_cpu : rj != NULL,
                .cpu_usec = cpu > compile_cpu ? cpu - compile_cpu : 0,
        };
        /* The scope's memory peak would be the compiler's: a compiled program's is its largest process's. */
        if (res && res->has_compile) {
                ret->has_memory = res->run.ran;
                ret->memory_bytes = res->run.maxrss_kb * 1024;
        } else if (res && res->has_memory) {
                ret->has_memory = true;
                ret->memory_bytes = res->memory_peak_bytes;
        }
}

static json_object *metrics_to_json(Job *j) {
        const RunnerResult *res = job_result(j);
        RunnerJob *rj = job_runner_job(j);
        json_object *m = json_object_new_object();
        JobRunFigures f;

        job_run_figures(j, &f);
        json_object_object_add(m, "cpu_seconds", f.has_cpu ? json_fixed3(f.cpu_usec / 1e6) : NULL);
        json_object_object_add(m, "memory_mb", f.has_memory ? json_fixed3(f.memory_bytes / (1024.0 * 1024.0)) : NULL);
        json_object_object_add(m, "wall_seconds",
                               json_fixed3((res ? res->wall_usec : rj ? runner_job_wall_usec(rj) : 0) / 1e6));
        return m;
}

/* Why a step ended, in the words of the run's "reason". */
static const char *step_reason(const RunnerStepResult *r) {
        if (r->timed_out)
                return "timeout";
        if (r->oom)
                return "memory";
        if (WIFSIGNALED(r->status))
                return "signal";
        return NULL;
}

static json_object *compile_to_json(Job *j, const RunnerResult *res, JsonStream *stream) {
        RunnerJob *rj = job_runner_job(j);
        const RunnerStepResult *c = &res->compile;
        const CappedBuffer *out = rj ? runner_job_compile_stdout(rj) : NULL, *err = rj ? runner_job_compile_stderr(rj) : NULL;
        json_object *o = json_object_new_object();

        json_object_object_add(o, "status", json_object_new_string(!c->ran ? "not_run" :
                                                                    c->status == 0 && !c->timed_out ? "completed" : "failed"));
        json_object_object_add(o, "exit_code", c->ran && WIFEXITED(c->status) && !c->timed_out
                                                       ? json_object_new_int(WEXITSTATUS(c->status)) : NULL);
        json_object_object_add(o, "signal", c->ran && WIFSIGNALED(c->status) ? json_object_new_int(WTERMSIG(c->status)) : NULL);
        const char *reason = c->ran ? step_reason(c) : NULL;
        json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
        add_buffers(o, out, err, true, stream, JOB_BUFFER_COMPILE_STDOUT);
        json_object_object_add(o, "cpu_seconds", c->ran ? json_fixed3(c->scope_cpu_usec / 1e6) : NULL);
        json_object_object_add(o, "wall_seconds", c->ran ? json_fixed3(c->wall_usec / 1e6) : NULL);
        json_object_object_add(o, "memory_mb", c->ran ? json_fixed3(c->maxrss_kb / 1024.0) : NULL);
        return o;
}

json_object *job_to_json_streamed(Job *j, JobJsonFlags flags, JsonStream *stream) {
        json_object *o = json_object_new_object();
        RunnerJob *rj = job_runner_job(j);

        if (!o)
                return NULL;
        json_object_object_add(o, "job_id", json_object_new_string(job_id(j)));
        json_object_object_add(o, "status", json_object_new_string(job_status_to_string(job_status(j))));
        if (flags & JOB_JSON_QUEUE)
                add_queue(o, j);
        if (flags & JOB_JSON_OUTCOME)
                add_outcome(o, j);
        if (flags & JOB_JSON_STREAMS)
                add_streams(o, j, flags & JOB_JSON_COMBINED, stream);
        if (flags & JOB_JSON_METRICS)
                json_object_object_add(o, "metrics", metrics_to_json(j));
        const RunnerResult *res = job_result(j);
        if ((flags & JOB_JSON_COMPILE) && res && res->has_compile)
                json_object_object_add(o, "compile", compile_to_json(j, res, stream));
        if ((flags & JOB_JSON_TIMELINE) && rj)
                json_object_object_add(o, "timeline", timeline_to_json(runner_job_timeline(rj)));
        return o;
}

json_object *job_to_json(Job *j, JobJsonFlags flags) {
        return job_to_json_streamed(j, flags, NULL);
}
