/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * POST /submit: a multipart/form-data upload streamed straight into a bundle in RAM (a memfd), parsed
 * as it arrives, with every part checked and capped on the way. The job's files are written only inside
 * its sandbox, by sandrun-stage reading the bundle. Parts:
 *   - "manifest": the JSON manifest (manifest.h), exactly one;
 *   - "archive":  a tar, tar.gz or zip (by content), unpacked into the work dir;
 *   - any other part with a filename: a file at that path in the work dir.
 */

#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "api-internal.h"
#include "archive-sniff.h"
#include "bundle.h"
#include "interpreters.h"
#include "language-command.h"
#include "program-job.h"
#include "job-json.h"
#include "manifest.h"
#include "memfd-util.h"
#include "multipart.h"
#include "strv.h"
#include "submit.h"
#include "wipe.h"

#define MANIFEST_PART_MAX (256U * 1024)

typedef enum PartKind {
        PART_NONE,
        PART_MANIFEST,
        PART_FILE,
        PART_ARCHIVE_SNIFF,     /* collecting the first bytes to tell the format */
        PART_ARCHIVE,
} PartKind;

typedef struct Submission {
        Api *api;
        HttpRequest *request;
        ClientKey client;
        MultipartParser *parser;
        BundleWriter *bundle;
        int bundle_fd;
        char *manifest;
        size_t manifest_len;
        bool has_manifest;
        PartKind part;
        char sniff[ARCHIVE_SNIFF_BYTES];
        size_t sniff_len;
        unsigned error_status;
        const char *error;
        JobReceipt *receipt;            /* digests of each uploaded file and archive */
        JobHold hold;                   /* the upload, counted against the client's share of --held-max */
} Submission;

static void submission_free(void *p) {
        Submission *s = p;

        if (!s)
                return;
        job_hold_release(&s->hold);
        multipart_parser_free(s->parser);
        bundle_writer_free(s->bundle);
        safe_close(s->bundle_fd);
        wipe_free(s->manifest);
        job_receipt_free(s->receipt);
        free(s);
}

static int fail(Submission *s, unsigned status, const char *error) {
        if (!s->error) {
                s->error_status = status;
                s->error = error;
        }
        return -EBADMSG;
}

static int bundle_error(Submission *s, int r) {
        if (r == -E2BIG)
                return fail(s, MHD_HTTP_CONTENT_TOO_LARGE, "the uploaded files are larger than the server allows");
        return fail(s, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot store the upload");
}

static int on_part_begin(const MultipartPart *part, void *userdata) {
        Submission *s = userdata;
        const char *error = NULL;
        int r;

        if (streq(part->name, "manifest")) {
                if (s->has_manifest)
                        return fail(s, MHD_HTTP_BAD_REQUEST, "more than one manifest part");
                s->has_manifest = true;
                s->part = PART_MANIFEST;
                return 0;
        }
        if (streq(part->name, "archive")) {
                if (job_receipt_upload_begin(s->receipt, "archives") < 0)
                        return fail(s, MHD_HTTP_BAD_REQUEST, "too many uploaded parts");
                s->part = PART_ARCHIVE_SNIFF;
                s->sniff_len = 0;
                return 0;
        }
        if (!part->filename)
                return fail(s, MHD_HTTP_BAD_REQUEST,
                            "a part that is neither \"manifest\" nor \"archive\" must be a file with a filename");
        r = bundle_writer_begin_file(s->bundle, part->filename, &error);
        /* A refused name: invalid, or too long or too deep (upload_path_normalize()'s -ENAMETOOLONG). */
        if (r == -EINVAL || r == -ENAMETOOLONG)
                return fail(s, MHD_HTTP_BAD_REQUEST, error ?: "invalid file name");
        if (r < 0)
                return bundle_error(s, r);
        if (job_receipt_upload_begin(s->receipt, "files") < 0)
                return fail(s, MHD_HTTP_BAD_REQUEST, "too many uploaded parts");
        s->part = PART_FILE;
        return 0;
}

static int start_archive(Submission *s) {
        int r;

        if (archive_sniff(s->sniff, s->sniff_len) < 0)
                return fail(s, MHD_HTTP_BAD_REQUEST, "an \"archive\" part must be a tar, tar.gz or zip archive");
        r = bundle_writer_begin_archive(s->bundle);
        if (r >= 0)
                r = bundle_writer_write(s->bundle, s->sniff, s->sniff_len);
        if (r < 0)
                return bundle_error(s, r);
        s->part = PART_ARCHIVE;
        return 0;
}

static int on_part_data(const void *buf, size_t len, void *userdata) {
        Submission *s = userdata;
        int r;

        if ((s->part == PART_FILE || s->part == PART_ARCHIVE_SNIFF || s->part == PART_ARCHIVE) &&
            job_receipt_upload_update(s->receipt, buf, len) < 0)
                return fail(s, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot digest the upload");

        switch (s->part) {
        case PART_MANIFEST: {
                if (s->manifest_len + len > MANIFEST_PART_MAX)
                        return fail(s, MHD_HTTP_CONTENT_TOO_LARGE, "the manifest is too large");
                char *m = wipe_realloc(s->manifest, s->manifest_len + len + 1);
                if (!m)
                        return fail(s, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
                memcpy(m + s->manifest_len, buf, len);
                s->manifest = m;
                s->manifest_len += len;
                return 0;
        }
        case PART_ARCHIVE_SNIFF: {
                size_t take = MIN(len, sizeof(s->sniff) - s->sniff_len);
                memcpy(s->sniff + s->sniff_len, buf, take);
                s->sniff_len += take;
                if (s->sniff_len < sizeof(s->sniff))
                        return 0;
                r = start_archive(s);
                if (r < 0)
                        return r;
                buf = (const char *) buf + take;
                len -= take;
                if (len == 0)
                        return 0;
        }
                _fallthrough_;
        case PART_FILE:
        case PART_ARCHIVE:
                r = bundle_writer_write(s->bundle, buf, len);
                return r < 0 ? bundle_error(s, r) : 0;
        case PART_NONE:
                break;
        }
        return fail(s, MHD_HTTP_BAD_REQUEST, "malformed multipart body");
}

static int on_part_end(void *userdata) {
        Submission *s = userdata;
        int r = 0;

        if (s->part == PART_ARCHIVE_SNIFF) {
                r = start_archive(s);
                if (r < 0)
                        return r;
        }
        if (s->part == PART_FILE || s->part == PART_ARCHIVE) {
                r = bundle_writer_end(s->bundle);
                if (r < 0)
                        return bundle_error(s, r);
                if (job_receipt_upload_end(s->receipt) < 0)
                        return fail(s, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot digest the upload");
        }
        s->part = PART_NONE;
        return 0;
}

static const MultipartCallbacks callbacks = {
        .part_begin = on_part_begin,
        .part_data = on_part_data,
        .part_end = on_part_end,
};

static void reply_failure(Submission *s) {
        (void) http_request_reply_error(s->request, s->error_status ?: MHD_HTTP_BAD_REQUEST, NULL, "%s",
                                        s->error ?: multipart_parser_error(s->parser) ?: "malformed upload");
}

static int on_body(HttpRequest *req, const void *data, size_t len, void *userdata) {
        Submission *s = userdata;
        FairRefusal refusal;
        int r;

        /* What arrives is held (in the bundle) until the job is made or refused. */
        r = job_hold_grow(s->api->jobs, &s->hold, &s->client, len, &refusal);
        if (r != 0) {
                if (r < 0)
                        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                else
                        reply_refusal(s->api, req, &refusal);
                return -EBADMSG;
        }
        if (multipart_parser_feed(s->parser, data, len) < 0) {
                reply_failure(s);
                return -EBADMSG;
        }
        return 0;
}

void submit_begin(Api *a, HttpRequest *req) {
        Submission *s;
        _cleanup_free_ char *boundary = NULL;
        const char *ct = http_request_header(req, "Content-Type");
        FairRefusal refusal;
        int r;

        if (!ct || multipart_boundary_from_content_type(ct, strlen(ct), &boundary) < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_BAD_REQUEST, NULL,
                                                "POST /submit takes multipart/form-data with a valid boundary");
                return;
        }

        s = calloc(1, sizeof(Submission));
        if (!s)
                goto oom;
        s->api = a;
        s->request = req;
        s->bundle_fd = -EBADF;
        http_request_set_data(req, s, submission_free);

        /* Refuse before reading megabytes that could not run anyway. */
        request_client(a, req, &s->client);
        if (job_manager_admit(a->jobs, &s->client, &refusal) == 1) {
                reply_refusal(a, req, &refusal);
                return;
        }

        if (job_receipt_new(&s->receipt) < 0)
                goto oom;
        s->bundle_fd = memfd_create("upload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (s->bundle_fd < 0)
                goto oom;
        r = bundle_writer_new(&s->bundle, s->bundle_fd, a->config.upload_max);
        if (r < 0)
                goto oom;
        MultipartLimits limits = multipart_limits_default;
        limits.max_total_size = a->config.upload_max + MANIFEST_PART_MAX + 1024 * 1024;
        limits.max_part_size = a->config.upload_max;
        r = multipart_parser_new(&s->parser, boundary, &limits, &callbacks, s);
        if (r < 0)
                goto oom;
        http_request_stream_body(req, on_body, s, limits.max_total_size);
        return;
oom:
        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
}

/* The interpreter a manifest names, or the one its entrypoint's extension implies. */
static const Interpreter *pick_interpreter(const Manifest *m) {
        if (m->interpreter)
                return interpreter_find(m->interpreter);
        const char *dot = m->entrypoint ? strrchr(m->entrypoint, '.') : NULL;
        /* The first language of an extension runs it: bash, for a .sh file. */
        const Interpreter *by_extension = dot ? interpreter_from_extension(dot, false) : NULL;
        return by_extension ? interpreter_find(by_extension->name) : NULL;
}

void submit_finish(Api *a, HttpRequest *req) {
        Submission *s = http_request_get_data(req);
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *error = NULL;
        FairRefusal refusal;
        Job *job = NULL;
        int r;

        if (!s)
                return;
        if (multipart_parser_finish(s->parser) < 0 || s->error) {
                reply_failure(s);
                return;
        }
        if (!s->has_manifest) {
                (void) http_request_reply_error(req, MHD_HTTP_BAD_REQUEST, NULL, "a part named \"manifest\" is required");
                return;
        }
        r = manifest_parse(s->manifest, s->manifest_len, &m, &error);
        if (r < 0) {
                (void) http_request_reply_error(req, r == -E2BIG ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST,
                                                NULL, "manifest: %s", error ?: "invalid");
                return;
        }
        const Interpreter *interp = pick_interpreter(m);
        if (!interp) {
                char list[256];
                interpreters_format_list(list, sizeof(list));
                (void) http_request_reply_error(req, MHD_HTTP_BAD_REQUEST, NULL,
                                                "manifest: no usable interpreter (give \"interpreter\", one of: %s)",
                                                list);
                return;
        }

        _cleanup_strv_free_ char **argv = NULL, **compile = NULL, **lang_env = NULL;
        if (interp->compile_args) {
                /* A compiled language: its entrypoint is compiled in /work first, then what it made runs. */
                if (!m->entrypoint) {
                        (void) http_request_reply_error(req, MHD_HTTP_BAD_REQUEST, NULL,
                                                        "manifest: %s is compiled: give \"entrypoint\", its source file",
                                                        interp->name);
                        return;
                }
                r = language_commands(interp, m->entrypoint, a->config.cpus, m->args, &compile, &argv);
                if (r < 0)
                        goto oom;
                r = language_env(interp, a->config.cpus, &lang_env);
                if (r < 0)
                        goto oom;
                /* The manifest's own names come after, and cannot be the toolchain's (see manifest.c). */
                for (char **e = m->env; *e; e++)
                        if (strv_extend(&lang_env, *e) < 0)
                                goto oom;
        } else {
                argv = strv_new(interp->path, NULL);
                if (!argv || (m->entrypoint && strv_extend(&argv, m->entrypoint) < 0))
                        goto oom;
                for (char **arg = m->args; *arg; arg++)
                        if (strv_extend(&argv, *arg) < 0)
                                goto oom;
        }

        /* Complete: nobody may change it now, not even us, while the runner and the job read it. */
        if (memfd_seal(s->bundle_fd) < 0)
                goto oom;
        int stdin_fd = -EBADF;
        if (m->stdin_data) {
                stdin_fd = memfd_new_sealed("stdin", m->stdin_data, m->stdin_size);
                if (stdin_fd < 0)
                        goto oom;
        }
        uint64_t timeout = m->timeout_sec > 0 ? m->timeout_sec * USEC_PER_SEC : a->config.default_timeout_usec;
        RunnerJobSpec spec = {
                .argv = argv,
                .envp = lang_env ?: m->env,
                .code_fd = -EBADF,
                .stdin_fd = stdin_fd,
                .timeout_usec = MIN(timeout, a->config.max_timeout_usec),
                .bundle_fd = TAKE_FD(s->bundle_fd),
                .output_patterns = m->outputs,
                .compile_argv = compile,
                .compile_timeout_usec = a->config.compile_timeout_usec,
        };
        int test_fds[RUNNER_TESTS_MAX];
        if (m->judge) {
                /* Nothing to pack: the manifest has no outputs with tests, and each case's /work is gone. */
                spec.output_patterns = NULL;
                r = program_job_set_tests(a, m->judge, m->timeout_sec * USEC_PER_SEC, &spec, test_fds);
                if (r < 0) {
                        safe_close(stdin_fd);
                        safe_close(spec.bundle_fd);
                        goto oom;
                }
        }
        job_receipt_set_timeout(s->receipt, spec.timeout_usec);
        if (job_receipt_add_input(s->receipt, "manifest", s->manifest ?: "", s->manifest_len) < 0)
                goto oom;
        /* The job counts its upload from here on. */
        job_hold_release(&s->hold);
        r = job_submit(a->jobs, &spec, interp->name, &s->client, true, &job, &refusal);
        if (r == 1) {
                reply_refusal(a, req, &refusal);
                return;
        }
        if (r < 0) {
                (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot create the job: %s",
                                                strerror(-r));
                return;
        }

        job_receipt_attach(job, TAKE_PTR(s->receipt));
        job_set_judge(job, TAKE_PTR(m->judge));
        job_set_seal_to(job, TAKE_PTR(m->seal_to));
        json_object *o = job_to_json(job, 0);
        char location[64];
        snprintf(location, sizeof(location), "/status/%s", job_id(job));
        (void) http_request_reply_json(req, MHD_HTTP_ACCEPTED, o, (const char *const[]) { "Location", location, NULL });
        json_object_put(o);
        return;
oom:
        (void) http_request_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
}
