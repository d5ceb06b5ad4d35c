/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "interpreters.h"
#include "held-box.h"
#include "job-receipt.h"
#include "json-util.h"
#include "time-util.h"

#define UPLOADS_MAX 4096U

struct JobReceipt {
        json_object *inputs;            /* {"code": {"sha256", "size"}, ..., "files": [...]} */
        uint64_t timeout_usec;
        gnutls_hash_hd_t upload;        /* the upload being streamed, if any */
        const char *upload_kind;
        uint64_t upload_size;
        unsigned n_uploads;
        json_object *sealed;            /* made once the job finished */
};

int job_receipt_new(JobReceipt **ret) {
        JobReceipt *r = calloc(1, sizeof(JobReceipt));

        if (!r)
                return -ENOMEM;
        r->inputs = json_object_new_object();
        if (!r->inputs) {
                free(r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

JobReceipt *job_receipt_free(JobReceipt *r) {
        if (!r)
                return NULL;
        if (r->upload)
                gnutls_hash_deinit(r->upload, NULL);
        json_object_put(r->inputs);
        json_object_put(r->sealed);
        free(r);
        return NULL;
}

static void job_receipt_free_void(void *p) {
        job_receipt_free(p);
}

void job_receipt_attach(Job *j, JobReceipt *r) {
        job_set_attachment(j, r, job_receipt_free_void);
}

void job_receipt_set_timeout(JobReceipt *r, uint64_t usec) {
        r->timeout_usec = usec;
}

static json_object *digest_object(const char hex[static 65], uint64_t size) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "sha256", json_object_new_string(hex));
        json_object_object_add(o, "size", json_object_new_int64((int64_t) size));
        return o;
}

static json_object *digest_of(const void *data, size_t len) {
        char hex[65];

        receipt_sha256_hex(data, len, hex);
        return digest_object(hex, len);
}

int job_receipt_add_input(JobReceipt *r, const char *name, const void *data, size_t len) {
        json_object *d = digest_of(data, len);

        if (!d)
                return -ENOMEM;
        json_object_object_add(r->inputs, name, d);
        return 0;
}

static json_object *input_list(JobReceipt *r, const char *name) {
        json_object *list;

        if (json_object_object_get_ex(r->inputs, name, &list))
                return list;
        list = json_object_new_array();
        if (list)
                json_object_object_add(r->inputs, name, list);
        return list;
}

int job_receipt_add_test_case(JobReceipt *r, const char *stdin_data, size_t stdin_len, const char *expected,
                              size_t expected_len) {
        json_object *list = input_list(r, "tests"), *c = json_object_new_object();

        if (!list || !c) {
                json_object_put(c);
                return -ENOMEM;
        }
        json_object_object_add(c, "stdin", stdin_data ? digest_of(stdin_data, stdin_len) : NULL);
        json_object_object_add(c, "expected_output", expected ? digest_of(expected, expected_len) : NULL);
        return json_object_array_add(list, c) < 0 ? -ENOMEM : 0;
}

int job_receipt_upload_begin(JobReceipt *r, const char *kind) {
        assert(!r->upload);
        if (r->n_uploads >= UPLOADS_MAX)
                return -E2BIG;
        if (gnutls_hash_init(&r->upload, GNUTLS_DIG_SHA256) < 0)
                return -ENOMEM;
        r->upload_kind = kind;
        r->upload_size = 0;
        return 0;
}

int job_receipt_upload_update(JobReceipt *r, const void *data, size_t len) {
        if (!r->upload)
                return -EINVAL;
        if (gnutls_hash(r->upload, data, len) < 0)
                return -EIO;
        r->upload_size += len;
        return 0;
}

int job_receipt_upload_end(JobReceipt *r) {
        uint8_t d[32];
        char hex[65];
        json_object *list;

        if (!r->upload)
                return -EINVAL;
        gnutls_hash_deinit(r->upload, d);
        r->upload = NULL;
        receipt_digest_hex(d, hex);
        list = input_list(r, r->upload_kind);
        if (!list)
                return -ENOMEM;
        json_object *o = digest_object(hex, r->upload_size);
        if (!o)
                return -ENOMEM;
        r->n_uploads++;
        return json_object_array_add(list, o) < 0 ? -ENOMEM : 0;
}

/* The interpreter a job ran, by what is on disk: its resolved path and the digest of that file, read
 * once per interpreter (a few MB) and remembered. */
typedef struct InterpreterIdentity {
        char path[PATH_MAX];
        char sha256[65];
} InterpreterIdentity;

static const InterpreterIdentity *interpreter_identity(const char *path) {
        static InterpreterIdentity cache[16];
        static size_t n_cache;
        char real[PATH_MAX];

        if (!path || !realpath(path, real))
                return NULL;
        for (size_t i = 0; i < n_cache; i++)
                if (streq(cache[i].path, real))
                        return &cache[i];
        if (n_cache >= ELEMENTSOF(cache))
                return NULL;

        _cleanup_close_ int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        InterpreterIdentity *id = &cache[n_cache];
        if (fd < 0 || receipt_sha256_fd(fd, id->sha256) < 0)
                return NULL;
        snprintf(id->path, sizeof(id->path), "%s", real);
        n_cache++;
        return id;
}

/* RFC 3339 in UTC with milliseconds: "2026-12-06T00:12:34.567Z". */
static json_object *timestamp(uint64_t realtime_usec) {
        time_t t = (time_t) (realtime_usec / USEC_PER_SEC);
        struct tm tm;
        char s[64];

        if (!gmtime_r(&t, &tm))
                return NULL;
        size_t n = strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(s + n, sizeof(s) - n, ".%03uZ", (unsigned) (realtime_usec % USEC_PER_SEC / 1000));
        return json_object_new_string(s);
}

/* Once a batch job's output is kept encrypted, its digest is the one taken before. */
static json_object *stream_digest(Job *j, int fd, const CappedBuffer *b) {
        const char *sha = job_stream_sha256(j, fd);
        uint64_t size = 0;

        if (sha)
                (void) job_stream_read(j, fd, 0, NULL, 0, &size);
        json_object *o = sha ? digest_object(sha, size) : digest_of(b ? b->data : "", b ? b->len : 0);
        if (o)
                json_object_object_add(o, "truncated", json_object_new_boolean(b && capped_buffer_truncated(b)));
        return o;
}

static json_object *make_payload(const ReceiptConfig *c, Job *j, const JobReceipt *in) {
        const RunnerResult *res = job_result(j);
        RunnerJob *rj = job_runner_job(j);
        json_object *p = json_object_new_object(), *o;

        if (!p || !res)
                goto fail;
        json_object_object_add(p, "receipt_version", json_object_new_int(1));
        json_object_object_add(p, "job_id", json_object_new_string(job_id(j)));
        json_object_object_add(p, "node", json_object_new_string(c->node));
        json_object_object_add(p, "key_id", json_object_new_string(receipt_key_id(c->key)));
        json_object_object_add(p, "kind", json_object_new_string(job_is_kept(j) ? "batch" : "run"));

        /* The job's end on the wall clock, from how long ago it was on the monotonic one. */
        uint64_t mono = now_usec(CLOCK_MONOTONIC), real = now_usec(CLOCK_REALTIME);
        uint64_t ago = mono > job_finished_usec(j) ? mono - job_finished_usec(j) : 0;
        uint64_t finished = real - MIN(ago, real);
        json_object_object_add(p, "started_at", timestamp(finished - MIN(res->wall_usec, finished)));
        json_object_object_add(p, "finished_at", timestamp(finished));

        o = json_object_new_object();
        const Interpreter *interp = interpreter_find(job_interpreter(j));
        const InterpreterIdentity *id = interp ? interpreter_identity(interp->path) : NULL;
        json_object_object_add(o, "name", json_object_new_string(job_interpreter(j)));
        json_object_object_add(o, "version", interp && interp->version[0] ? json_object_new_string(interp->version) : NULL);
        json_object_object_add(o, "path", id ? json_object_new_string(id->path) : NULL);
        json_object_object_add(o, "sha256", id ? json_object_new_string(id->sha256) : NULL);
        json_object_object_add(p, "interpreter", o);

        o = json_object_new_object();
        json_object_object_add(o, "memory_bytes", json_object_new_int64((int64_t) c->memory_max));
        json_object_object_add(o, "tasks", json_object_new_int64((int64_t) c->tasks_max));
        json_object_object_add(o, "cpu_quota_percent", json_object_new_int64((int64_t) (c->cpu_quota_per_sec_usec / 10000)));
        json_object_object_add(o, "timeout_seconds", json_fixed3(in->timeout_usec / 1e6));
        json_object_object_add(o, "output_bytes", json_object_new_int64((int64_t) c->output_max));
        json_object_object_add(p, "limits", o);

        o = json_object_new_object();
        json_object_object_add(o, "cpu_seconds", json_fixed3(job_cpu_usec(j) / 1e6));
        json_object_object_add(o, "memory_peak_bytes",
                               res->has_memory ? json_object_new_int64((int64_t) res->memory_peak_bytes) : NULL);
        json_object_object_add(o, "wall_seconds", json_fixed3(res->wall_usec / 1e6));
        json_object_object_add(p, "usage", o);

        o = json_object_new_object();
        const char *reason = job_reason_to_string(res->reason);
        json_object_object_add(o, "status", json_object_new_string(job_status_to_string(job_status(j))));
        json_object_object_add(o, "exit_code", res->completed ? json_object_new_int(res->exit_code) : NULL);
        json_object_object_add(o, "signal", res->signal ? json_object_new_int(res->signal) : NULL);
        json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
        json_object_object_add(p, "result", o);

        json_object_object_add(p, "inputs", json_object_get(in->inputs));

        o = json_object_new_object();
        json_object_object_add(o, "stdout", stream_digest(j, STDOUT_FILENO, rj ? runner_job_stdout(rj) : NULL));
        json_object_object_add(o, "stderr", stream_digest(j, STDERR_FILENO, rj ? runner_job_stderr(rj) : NULL));
        if (job_is_kept(j)) {
                const CappedBuffer *a = rj ? runner_job_archive(rj) : NULL;
                HeldBox *held = job_archive(j);
                /* Once encrypted, the outputs' digest is the one taken before. */
                json_object_object_add(o, "archive", job_status(j) != JOB_COMPLETED ? NULL :
                                                     held ? digest_object(job_archive_sha256(j), held_box_size(held)) :
                                                     a ? digest_of(a->data, a->len) : NULL);
        }
        json_object_object_add(p, "outputs", o);
        return p;
fail:
        json_object_put(p);
        return NULL;
}

json_object *job_receipt_get(const ReceiptConfig *c, Job *j) {
        JobReceipt *in = job_attachment(j);
        size_t len;

        if (!c->key || !in || !job_result(j))
                return NULL;
        if (!in->sealed) {
                json_object *p = make_payload(c, j, in);
                if (!p)
                        return NULL;
                const char *s = json_object_to_json_string_length(
                        p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
                if (s)
                        in->sealed = receipt_key_seal(c->key, s, len);
                json_object_put(p);
                if (!in->sealed)
                        return NULL;
        }
        return json_object_get(in->sealed);
}
